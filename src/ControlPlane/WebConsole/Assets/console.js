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

async function refresh() {
  const error = document.getElementById("error");
  try {
    const response = await fetch("api/regions", { cache: "no-store" });
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    const status = await response.json();
    renderRegions(status);
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

refresh();
