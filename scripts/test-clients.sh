#!/usr/bin/env bash
# Runs the generated-client examples (clients/python, clients/go, clients/node, clients/ruby) against a real local
# cluster: each creates a multi-Region key, replicates it, encrypts in one Region, decrypts in another and reads the
# AWS exception name of a deliberate error from google.rpc.ErrorInfo. Installs the toolchains from Debian (and the
# Node packages from npm) when missing, so it needs root for apt-get.
#
# Prints one line per client and "generated clients: N passed, N failed"; with MRK_TEST_RESULTS set, also writes the
# counts to $MRK_TEST_RESULTS/clients.counts for scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/counts.sh
report() { report_counts "generated clients" clients.counts; }

packages=(protobuf-compiler protobuf-compiler-grpc libprotobuf-dev python3-grpcio python3-protobuf ruby-grpc golang-go
  golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev golang-google-genproto-dev protoc-gen-go
  protoc-gen-go-grpc nodejs npm)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ "$(id -u)" -ne 0 ]] && ! command -v sudo >/dev/null; then
    echo "FAIL generated clients: missing ${missing[*]} and no root to install them"
    failed=4
    report
    exit 1
  fi
  sudo_if_needed=()
  [[ "$(id -u)" -eq 0 ]] || sudo_if_needed=(sudo -n)
  "${sudo_if_needed[@]}" apt-get update -qq
  # nodejs and npm may already come from elsewhere (node on PATH): then only the rest is installed.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    missing=("${missing[@]/nodejs/}"); missing=("${missing[@]/npm/}")
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get install -y -qq --no-install-recommends ${missing[*]} >/dev/null
fi

work="$(mktemp -d /tmp/mrk-clients.XXXXXX)"
cluster_pid=""
cleanup() {
  if [[ -n "$cluster_pid" ]]; then
    kill -TERM "$cluster_pid" 2>/dev/null
    wait "$cluster_pid" 2>/dev/null
  fi
  rm -rf "$work"
  report
}
trap cleanup EXIT

# A cluster of its own: its own ports and data folder, so a developer's local cluster is left alone.
MRK_NO_BUILD=1 MRK_HOME="$work/cluster" MRK_BASE_PORT="${MRK_CLIENTS_BASE_PORT:-7400}" setsid scripts/run-local.sh us-east-1 eu-west-1 \
  >"$work/cluster.log" 2>&1 &
cluster_pid=$!
cluster_file="$work/cluster/cluster.json"
for _ in $(seq 1 240); do
  grep -q "Grpc.Mrk local cluster" "$work/cluster.log" 2>/dev/null && break
  kill -0 "$cluster_pid" 2>/dev/null || break
  sleep 0.5
done
if ! grep -q "Grpc.Mrk local cluster" "$work/cluster.log"; then
  cat "$work/cluster.log"
  echo "FAIL generated clients: the local cluster did not start"
  failed=4
  exit 1
fi

run() {
  local name="$1"
  shift
  if timeout 300 "$@" >"$work/$name.log" 2>&1; then
    echo "PASS $name client: $(grep -c . "$work/$name.log") lines, $(grep -o 'Enabled in .*' "$work/$name.log"), $(grep 'deliberate error' "$work/$name.log")"
    passed=$((passed + 1))
  else
    echo "FAIL $name client:"
    sed 's/^/    /' "$work/$name.log"
    # What the cluster did about it: the nodes' replication, relay and warning lines (the logs go with the folder).
    for log in "$work"/cluster/logs/*.log; do
      echo "    -- $(basename "$log")"
      grep -E 'warn|fail|crit|Applied|Refused|refused|not opened|unreachable|connected|Connected' "$log" | grep -v -e INSECURE -e 'DescribeKey refused' | tail -n 25 |
        cut -c1-300 | sed 's/^/    /'
    done
    failed=$((failed + 1))
  fi
}

run python bash -c "clients/python/generate.sh && /usr/bin/python3 clients/python/example.py --cluster-file '$cluster_file'"
run go bash -c "clients/go/generate.sh && clients/go/run.sh --cluster-file '$cluster_file'"
run node bash -c "cd clients/node && npm ci --no-audit --no-fund --loglevel=error && node example.js --cluster-file '$cluster_file'"
run ruby bash -c "clients/ruby/generate.sh && ruby clients/ruby/example.rb --cluster-file '$cluster_file'"
[[ $failed -eq 0 ]]
