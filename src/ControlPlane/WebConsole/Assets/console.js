"use strict";

// Read-only: polls the ControlPlane's JSON once a second and renders it with textContent only, never as HTML.
const refreshMs = 1000;

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function age(seconds) {
  if (seconds < 1) return "–";
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(0)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function since(now, at) {
  return at ? `${age((Date.parse(now) - Date.parse(at)) / 1000)} ago`.replace("– ago", "just now") : "never";
}

function renderRegions(status) {
  const body = document.querySelector("#regions tbody");
  body.replaceChildren();
  for (const region of status.regions) {
    const row = body.insertRow();
    row.dataset.region = region.name;
    cell(row, region.name);
    cell(row, region.connected ? "reachable" : "unreachable", `health ${region.connected ? "reachable" : "unreachable"}`);
    cell(row, region.connected ? "now" : since(status.now, region.lastSeen));
    cell(row, String(region.queueDepth), "number");
    cell(row, age(region.oldestUndeliveredAgeSeconds), region.oldestUndeliveredAgeSeconds > 60 ? "number late" : "number");
    cell(row, String(region.deadLetters), region.deadLetters > 0 ? "number late" : "number");
    cell(row, region.controlPlane || "–");
  }

  const list = document.getElementById("dead-letters");
  list.replaceChildren();
  const withDead = status.regions.filter(r => r.deadLetters > 0);
  for (const region of withDead) {
    const item = document.createElement("li");
    item.textContent = `${region.name}: ${region.deadLetters} set aside`;
    list.append(item);
  }
  if (withDead.length === 0) {
    const item = document.createElement("li");
    item.textContent = "None: every Region applied everything it received.";
    list.append(item);
  }
}

// The relay: one ControlPlane with its own store, or replicas on a replicated log, each with its Regions.
function renderRelay(relay) {
  const log = relay.log;
  const summary = document.getElementById("relay-log");
  const kind = log.kind === "nats" ? `a replicated log (NATS JetStream, ${log.replicas} copies of each message)` : "this ControlPlane's own store";
  summary.textContent = `Messages wait in ${kind}: ${log.healthy ? "healthy" : `not healthy: ${log.problem}`}. Answered by ${relay.answeredBy || "the ControlPlane"}.`;
  summary.className = log.healthy ? "muted" : "late";

  const replicas = document.getElementById("replicas");
  replicas.hidden = relay.replicas.length === 0;
  const replicaRows = replicas.querySelector("tbody");
  replicaRows.replaceChildren();
  for (const replica of relay.replicas) {
    const row = replicaRows.insertRow();
    cell(row, replica.name);
    cell(row, replica.alive ? "alive" : "silent", `health ${replica.alive ? "reachable" : "unreachable"}`);
    cell(row, since(relay.now, replica.lastHeartbeat));
    cell(row, replica.regions.join(", ") || "–");
  }

  const servers = document.getElementById("log-servers");
  servers.hidden = log.peers.length === 0;
  const serverRows = servers.querySelector("tbody");
  serverRows.replaceChildren();
  for (const peer of log.peers) {
    const row = serverRows.insertRow();
    cell(row, peer.name);
    cell(row, peer.leader ? "leader" : "follower");
    const state = peer.offline ? "offline" : peer.current ? "current" : "catching up";
    cell(row, state, `health ${peer.current ? "reachable" : "unreachable"}`);
    cell(row, String(peer.lag), peer.lag > 0 ? "number late" : "number");
  }
}

let lastKeys = null;

function renderKeys(keys) {
  lastKeys = keys;
  const filter = document.getElementById("key-filter").value.trim();
  const body = document.querySelector("#keys tbody");
  body.replaceChildren();
  const shown = keys.sets.filter(set => set.keyId.includes(filter));
  for (const set of shown) {
    const row = body.insertRow();
    row.dataset.keyId = set.keyId;
    cell(row, set.keyId);
    cell(row, set.primaryRegion);
    const regions = row.insertCell();
    for (const member of set.members) {
      const span = document.createElement("span");
      span.className = `member ${member.keyState}`;
      span.dataset.region = member.region;
      span.dataset.state = member.keyState;
      span.textContent = `${member.region}${member.primary ? " (primary)" : ""}: ${member.keyState}`;
      regions.append(span);
    }
    cell(row, set.agree ? "yes" : "no", set.agree ? "agree" : "disagree");
    cell(row, set.agree ? "–" : age(set.disagreeingSeconds), "number");
  }

  const truncated = keys.reports.filter(r => r.truncated).map(r => r.region);
  const silent = keys.reports.length === 0 ? "No Region has reported its keys yet." : "";
  document.getElementById("keys-note").textContent = [
    `${shown.length} of ${keys.sets.length} sets shown.`,
    truncated.length ? `${truncated.join(", ")} hold more keys than a report carries: their first 2,000 by key ID are shown.` : "",
    silent,
  ].filter(Boolean).join(" ");
}

function keyIdOf(arn) {
  return arn.slice(arn.lastIndexOf("/") + 1);
}

function fillOptions(select, values) {
  const current = select.value;
  const known = new Set([...select.options].map(o => o.value));
  for (const value of values) {
    if (known.has(value)) continue;
    const option = document.createElement("option");
    option.value = value;
    option.textContent = value;
    select.append(option);
  }
  select.value = current;
}

function renderAudit(audit, regions) {
  fillOptions(document.getElementById("audit-event"), audit.eventNames);
  fillOptions(document.getElementById("audit-region"), regions);
  const body = document.querySelector("#audit tbody");
  body.replaceChildren();
  for (const event of audit.events) {
    const row = body.insertRow();
    row.dataset.region = event.region;
    row.dataset.event = event.eventName;
    cell(row, event.time.replace("T", " ").replace(/\.\d+/, "").replace(/\+00:00$|Z$/, ""));
    cell(row, event.region);
    cell(row, event.eventName);
    cell(row, event.principal || "(the service)");
    cell(row, event.keyArns.map(keyIdOf).join(", "));
    cell(row, event.errorCode || "ok", event.errorCode ? "refused" : "");
  }
  const passed = Object.entries(audit.skipped).filter(([, n]) => n > 0).map(([r, n]) => `${r} passed over ${n}`);
  document.getElementById("audit-note").textContent = [
    `${audit.events.length} events shown.`,
    passed.length ? `Under load some events were not sent here (${passed.join(", ")}); the Regions' logs hold them.` : "",
  ].filter(Boolean).join(" ");
}

function auditQuery() {
  const query = new URLSearchParams();
  for (const [name, id] of [["key", "audit-key"], ["eventName", "audit-event"], ["region", "audit-region"]]) {
    const value = document.getElementById(id).value.trim();
    if (value) query.set(name, value);
  }
  return `api/audit?${query}`;
}

async function json(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (response.status === 401) {
    // The session ended (expired, signed out elsewhere, its key revoked): back to the sign-in page, if there is one.
    location.assign("login");
  }
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  return response.json();
}

async function refresh() {
  const error = document.getElementById("error");
  try {
    const [status, keys, audit, relay] = await Promise.all([json("api/regions"), json("api/keys"), json(auditQuery()), json("api/relay")]);
    renderRegions(status);
    renderRelay(relay);
    renderKeys(keys);
    renderAudit(audit, status.regions.map(r => r.name));
    document.getElementById("updated").textContent = `updated ${new Date(status.now).toLocaleTimeString()}`;
    error.hidden = true;
  } catch (e) {
    // The ControlPlane itself is out of reach: say so and keep the last view.
    error.textContent = `The ControlPlane did not answer: ${e.message}`;
    error.hidden = false;
  } finally {
    setTimeout(refresh, refreshMs);
  }
}

async function showVisitor() {
  try {
    const visitor = await json("api/session");
    const names = { certificate: "operator certificate", "api-key": "console key", session: "console key", loopback: "loopback, no credentials" };
    document.getElementById("visitor").textContent = `· ${names[visitor.how] ?? visitor.how}: ${visitor.name}`;
    document.getElementById("sign-out").hidden = visitor.how !== "session";
  } catch {
    // The refresh loop reports an unreachable ControlPlane.
  }
}

document.getElementById("key-filter").addEventListener("input", () => { if (lastKeys) renderKeys(lastKeys); });
showVisitor();
refresh();
