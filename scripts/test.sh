#!/usr/bin/env bash
# Builds everything and runs every test project; ends with one line "N passed, N failed, N skipped" summed over
# all projects, and exits non-zero if anything failed or did not build.
set -uo pipefail
cd "$(dirname "$0")/.."

# MRK_TEST_RESULTS_DIR=folder keeps every project's .trx file there (for a CI system to publish); otherwise they are
# written to a temporary folder and removed at the end.
if [[ -n "${MRK_TEST_RESULTS_DIR:-}" ]]; then
  results="$(mkdir -p "$MRK_TEST_RESULTS_DIR" && cd "$MRK_TEST_RESULTS_DIR" && pwd)" || exit 1
  rm -f "$results"/*.trx "$results"/*.counts
else
  results="$(mktemp -d)"
  trap 'rm -rf "$results"' EXIT
fi

# A plain clone must run everything: nothing may read a path outside the checkout.
echo "== paths outside the checkout"
if ! python3 scripts/check-paths.py; then
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# Tools the tests drive, from Debian when missing: the AWS clients the cluster tests run unchanged against the AWS JSON
# front (the AWS CLI, and Node.js with npm for the AWS SDK for JavaScript and the AWS Encryption SDK, clients/aws-js).
tools=()
command -v aws >/dev/null || tools+=(awscli)
command -v node >/dev/null && command -v npm >/dev/null || tools+=(nodejs npm)
# h2load (nghttp2-client): mrk-bench's lean load generator, which the benchmark tool's tests drive once.
command -v h2load >/dev/null || tools+=(nghttp2-client)
# Prometheus (with promtool): the alert rules of deploy/prometheus are loaded and queried against a running cluster.
command -v prometheus >/dev/null && command -v promtool >/dev/null || tools+=(prometheus)
# NATS (nats-server): the replicated relay's log, three servers per test that runs ControlPlane replicas.
command -v nats-server >/dev/null || tools+=(nats-server)
# libfaketime: the chaos run's clock faults preload it into RegionNodes to move their wall clocks (the disk faults
# need mkfs.ext4, mount and fallocate, which every Debian has).
dpkg -s libfaketime >/dev/null 2>&1 || tools+=(libfaketime)
# python3-fusepy and fuse3: faultfs, the chaos run's FUSE passthrough that stalls fsync and cuts the power below a Region.
dpkg -s python3-fusepy >/dev/null 2>&1 && dpkg -s fuse3 >/dev/null 2>&1 || tools+=(python3-fusepy fuse3)
# Chromium (headless) and a font for its screenshots: the ControlPlane's web console is tested in a real browser.
command -v chromium >/dev/null || tools+=(chromium fonts-liberation)
if [[ ${#tools[@]} -gt 0 ]]; then
  echo "== installing ${tools[*]} from Debian"
  sudo_if_needed=()
  [[ "$(id -u)" -eq 0 ]] || sudo_if_needed=(sudo -n)
  "${sudo_if_needed[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get install -y -qq --no-install-recommends \
    "${tools[@]}" >/dev/null
fi

if ! dotnet build Grpc.Mrk.sln -c Release -nologo -clp:ErrorsOnly -v:quiet; then
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

status=0
# The session timeout stops a project that hangs; it is twice the longest project's time on a slow day (the process
# tests take 11 minutes on 2 cores, about 20 when the machine is shared), so slowness alone never aborts a run.
run_project() {
  dotnet test "$1" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$results/$(basename "$1" .csproj).trx" --logger "console;verbosity=minimal" \
    -- RunConfiguration.TestSessionTimeout=2400000
}

# Projects are run in three places: those with real processes first, one at a time; the chaos tests in the background
# after the compose testbed; the in-process unit tests (indifferent to timing) beside them at the end, which takes
# about two minutes off the whole run.
test_projects() {
  for project in tests/*/*.csproj; do
    grep -q '<IsTestProject>false</IsTestProject>' "$project" && continue
    [[ "$project" == */Chaos.Tests/* ]] && continue
    if [[ "$project" == *UnitTests.csproj ]]; then [[ "$1" == unit ]] && echo "$project"; else [[ "$1" == processes ]] && echo "$project"; fi
  done
}

for project in $(test_projects processes); do
  echo "== $(basename "$project" .csproj)"
  run_project "$project" || status=1
done

# The compose testbed in containers (needs root for its own Docker engine; MRK_SKIP_COMPOSE=1 reports it skipped).
echo "== compose testbed"
if [[ "${MRK_SKIP_COMPOSE:-0}" == 1 ]]; then
  echo "0 0 1" >"$results/compose.counts"
elif [[ "$(id -u)" -eq 0 ]]; then
  MRK_TEST_RESULTS="$results" scripts/test-compose.sh || status=1
elif sudo -n true 2>/dev/null; then
  sudo -n env MRK_TEST_RESULTS="$results" scripts/test-compose.sh || status=1
else
  echo "FAIL compose testbed: needs root or passwordless sudo (MRK_SKIP_COMPOSE=1 skips it)"
  echo "0 1" >"$results/compose.counts"
  status=1
fi

# The chaos run puts each process in a network namespace of its own and partitions Regions with iptables inside them:
# that needs root, ip and iptables, installed here from Debian when missing (and removed again at the end).
# MRK_SKIP_NETNS=1 runs the chaos workload on 127.0.0.1 instead and reports the namespace test skipped.
netns_installed=()
if [[ "${MRK_SKIP_NETNS:-0}" != 1 && "$(id -u)" -eq 0 ]]; then
  for package in iproute2 iptables; do
    dpkg -s "$package" >/dev/null 2>&1 || netns_installed+=("$package")
  done
  if [[ ${#netns_installed[@]} -gt 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${netns_installed[@]}" >/dev/null
  fi
fi

# The chaos run and the fuzzer run beside the client checks below, which mostly wait on package downloads; not beside
# the compose testbed, whose container health probes time out on a machine this busy.
echo "== Grpc.Mrk.Chaos.Tests (in the background)"
run_project tests/Chaos.Tests/Grpc.Mrk.Chaos.Tests.csproj >"$results/chaos.log" 2>&1 &
chaos=$!

# The generated clients in Python, Go, Node.js and Ruby against a real cluster (MRK_SKIP_CLIENTS=1 reports them skipped).
echo "== generated clients"
if [[ "${MRK_SKIP_CLIENTS:-0}" == 1 ]]; then
  echo "0 0 4" >"$results/clients.counts"
else
  MRK_TEST_RESULTS="$results" scripts/test-clients.sh || status=1
fi

for project in $(test_projects unit); do
  echo "== $(basename "$project" .csproj)"
  run_project "$project" || status=1
done

echo "== Grpc.Mrk.Chaos.Tests"
if ! wait "$chaos"; then
  status=1
  # A run that ended without a result file still counts as a failure in the summary.
  [[ -f "$results/Grpc.Mrk.Chaos.Tests.trx" ]] || echo "0 1" >"$results/chaos.counts"
fi
cat "$results/chaos.log"
if [[ ${#netns_installed[@]} -gt 0 ]]; then
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${netns_installed[@]}" >/dev/null 2>&1
fi

python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    skipped += int(counters.get("notExecuted", 0))
for path in glob.glob(sys.argv[1] + "/*.counts"):
    counts = [int(n) for n in open(path).read().split()] + [0, 0, 0]
    passed, failed, skipped = passed + counts[0], failed + counts[1], skipped + counts[2]
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
