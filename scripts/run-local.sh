#!/usr/bin/env bash
# Builds Grpc.Mrk and starts a local multi-Region cluster on loopback over TLS: the ControlPlane and one RegionNode per
# Region, with all data under ./.mrk/ (kept between runs; starting again reuses it). The cluster CA and certificates
# are created under ./.mrk/certs on first start. Ctrl-C stops every process cleanly.
# Usage: scripts/run-local.sh [--ha] [region ...]     (default: us-east-1 eu-west-1 ap-southeast-2)
# Ports: ControlPlane $MRK_BASE_PORT (default 7100), Regions the following ones in the order given, the web console
# $MRK_BASE_PORT + 90 (7190; readable from this machine without a certificate).
# --ha: no single ControlPlane. Three ControlPlane replicas ($MRK_BASE_PORT + 80, 81, 82; the console on the first)
# share a replicated relay log, a three-server NATS JetStream cluster on loopback (clients $MRK_BASE_PORT + 70-72,
# routes + 73-75; Debian's nats-server, installed when missing), and each Region lists all three. $MRK_HOME moves
# the data folder (default ./.mrk). The RegionNode and the ControlPlane run compiled ahead of time (ReadyToRun, under
# artifacts/local/), so a fresh cluster's first calls and replications do not wait for the runtime's compiler.
# MRK_NO_BUILD=1 uses the binaries already built (the test script sets it: it has built them, and other tests run from
# the same folders meanwhile): the ahead-of-time ones when they are newer than the build output, else the build output.
set -euo pipefail
cd "$(dirname "$0")/.."

ha=0
if [[ "${1:-}" == --ha ]]; then ha=1; shift; fi
if [ "$#" -gt 0 ]; then regions=("$@"); else regions=(us-east-1 eu-west-1 ap-southeast-2); fi
base="${MRK_BASE_PORT:-7100}"
root="${MRK_HOME:-$(pwd)/.mrk}"
certs="${root}/certs"
sync_interval="${MRK_SYNC_INTERVAL:-2}"

if [[ "${MRK_NO_BUILD:-0}" != 1 ]]; then
  dotnet build Grpc.Mrk.sln -c Release -nologo -clp:ErrorsOnly -v:quiet
  for project in RegionNode ControlPlane; do
    dotnet publish "src/${project}" -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true \
      -nologo -v:quiet -clp:ErrorsOnly -o "artifacts/local/${project}"
  done
fi
bin() { echo "src/$1/bin/Release/net10.0/$2"; }
# A server's binaries: compiled ahead of time when those are at least as new as the build output.
server() {
  local ahead="artifacts/local/$1/$2"
  if [[ -f "$ahead" && ! "$(bin "$1" "$2")" -nt "$ahead" ]]; then echo "$ahead"; else bin "$1" "$2"; fi
}
list="$(IFS=,; echo "${regions[*]}")"
dotnet "$(bin Client/Cli mrk.dll)" cluster bootstrap --out "$certs" --regions "$list" --query Created --output text >/dev/null
mkdir -p "${root}/controlplane" "${root}/logs"

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "Stopping ${#pids[@]} processes..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "Stopped. Data kept in ${root}."
  exit 0
}
trap stop INT TERM EXIT

console="https://127.0.0.1:$((base + 90))"
if [[ "$ha" == 1 ]]; then
  if ! command -v nats-server >/dev/null; then
    echo "Installing Debian's nats-server for the replicated relay log..."
    sudo_if_needed=()
    [[ "$(id -u)" -eq 0 ]] || sudo_if_needed=(sudo -n)
    "${sudo_if_needed[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get install -y -qq nats-server >/dev/null
  fi
  routes=()
  for i in 0 1 2; do routes+=("127.0.0.1:$((base + 73 + i))"); done
  queue=""
  for i in 0 1 2; do
    mkdir -p "${root}/relay-log/n${i}"
    scripts/lib/relay-log-conf.sh "n${i}" "127.0.0.1:$((base + 70 + i))" "${routes[$i]}" "${root}/relay-log/n${i}" "$certs" "${routes[@]}" \
      >"${root}/relay-log/n${i}.conf"
    nats-server -c "${root}/relay-log/n${i}.conf" >"${root}/logs/relay-log-n${i}.log" 2>&1 &
    pids+=("$!")
    queue="${queue:+${queue},}nats://127.0.0.1:$((base + 70 + i))"
  done
  controlplane=""
  for i in 0 1 2; do
    url="https://127.0.0.1:$((base + 80 + i))"
    extra=()
    [[ "$i" == 0 ]] && extra=(--console-urls "$console" --insecure-console-loopback true)
    mkdir -p "${root}/controlplane-${i}"
    # Each replica tries its own log server first.
    own="nats://127.0.0.1:$((base + 70 + i))"
    dotnet "$(server ControlPlane Grpc.Mrk.ControlPlane.dll)" \
      --data-dir "${root}/controlplane-${i}" --regions "$list" --ca-cert "${certs}/ca.crt" \
      --tls-cert "${certs}/controlplane/tls.crt" --tls-key "${certs}/controlplane/tls.key" --urls "$url" \
      --queue "${own},${queue}" --log-cert "${certs}/relay-log/tls.crt" --log-key "${certs}/relay-log/tls.key" \
      --replica-name "controlplane-${i}" "${extra[@]}" \
      >"${root}/logs/controlplane-${i}.log" 2>&1 &
    pids+=("$!")
    controlplane="${controlplane:+${controlplane},}${url}"
  done
else
  controlplane="https://127.0.0.1:${base}"
  dotnet "$(server ControlPlane Grpc.Mrk.ControlPlane.dll)" \
    --data-dir "${root}/controlplane" --regions "$list" --ca-cert "${certs}/ca.crt" \
    --tls-cert "${certs}/controlplane/tls.crt" --tls-key "${certs}/controlplane/tls.key" --urls "$controlplane" \
    --console-urls "$console" --insecure-console-loopback true \
    >"${root}/logs/controlplane.log" 2>&1 &
  pids+=("$!")
fi

endpoints=""
port=$base
for region in "${regions[@]}"; do
  port=$((port + 1))
  mkdir -p "${root}/${region}"
  dotnet "$(server RegionNode Grpc.Mrk.RegionNode.dll)" \
    --region "$region" --data-dir "${root}/${region}" --urls "https://127.0.0.1:${port}" \
    --tls-cert "${certs}/regions/${region}/tls.crt" --tls-key "${certs}/regions/${region}/tls.key" \
    --controlplane "$controlplane" --cluster-certs "$certs" --sync-interval "$sync_interval" \
    --insecure-allow-anonymous true \
    >"${root}/logs/${region}.log" 2>&1 &
  pids+=("$!")
  endpoints="${endpoints:+${endpoints},}\"${region}\": \"https://127.0.0.1:${port}\""
done

# What `mrk --region <name>` and `mrk cluster status` read to find this cluster.
cat >"${root}/cluster.json" <<JSON
{"controlPlane": "${controlplane}", "certificates": "${certs}", "caBundle": "${certs}/ca.crt", "regions": {${endpoints}}}
JSON

# An AWS config file with one profile per Region whose KMS endpoint is that Region's node, so the AWS CLIs and SDKs
# that read endpoints from the config file (AWS CLI 1.29+/2.13+) reach it with --profile <region>. Any access key
# works in the insecure local mode; the placeholder pair keeps the AWS tools from looking for real credentials.
: >"${root}/aws-config"
port=$base
for region in "${regions[@]}"; do
  port=$((port + 1))
  cat >>"${root}/aws-config" <<CONFIG
[profile ${region}]
region = ${region}
ca_bundle = ${certs}/ca.crt
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = local-insecure-mode-takes-any-signature
services = mrk-${region}

[services mrk-${region}]
kms =
  endpoint_url = https://127.0.0.1:${port}

CONFIG
done

# Wait until every RegionNode answers its health check (or one of them exits).
for _ in $(seq 1 120); do
  if dotnet "$(bin Client/Cli mrk.dll)" --cluster-file "${root}/cluster.json" cluster status --output json 2>/dev/null \
      | grep -c '"Health": "SERVING"' | grep -qx "${#regions[@]}"; then
    break
  fi
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "A process exited; see ${root}/logs/." >&2; exit 1; fi
  done
  sleep 0.5
done

echo
echo "!!! INSECURE LOCAL MODE: these Regions accept calls without credentials (as the account's root principal), take any"
echo "!!! AWS signature as that root, and let anyone manage principals. They listen on 127.0.0.1 only. Never run a"
echo "!!! cluster this way beyond this machine; docs/security.md shows how callers authenticate with API keys, access keys"
echo "!!! or client certificates."
echo
shown="${root#"$(pwd)/"}"
echo "Grpc.Mrk local cluster (data and logs under ${shown}/; Ctrl-C stops everything)"
echo "  ControlPlane     ${controlplane}"
echo "  Web console      ${console}/console/"
port=$base
for region in "${regions[@]}"; do
  port=$((port + 1))
  printf '  %-16s https://127.0.0.1:%s\n' "$region" "$port"
done
cat <<INFO
  CA certificate   ${shown}/certs/ca.crt

Try it (scripts/mrk reads the cluster file, so --region picks the endpoint):
INFO
if [ "$shown" != ".mrk" ]; then echo "  export MRK_CLUSTER_FILE=${root}/cluster.json"; fi
cat <<INFO
  id=\$(scripts/mrk --region us-east-1 create-key --multi-region --query KeyMetadata.KeyId --output text)
  scripts/mrk --region us-east-1 replicate-key --key-id \$id --replica-region eu-west-1
  scripts/mrk --region us-east-1 encrypt --key-id \$id --plaintext aGVsbG8= --query CiphertextBlob --output text
  scripts/mrk --region eu-west-1 decrypt --ciphertext-blob <blob>
  scripts/mrk cluster status --output table

Or with the AWS CLI, as any AWS application would (older CLIs: add --endpoint-url https://127.0.0.1:<port>):
  export AWS_CONFIG_FILE=${shown}/aws-config AWS_CA_BUNDLE=${shown}/certs/ca.crt
  aws --profile us-east-1 kms list-keys
INFO

# A Region that dies (or is killed) leaves the others serving, as in production; report it and keep going.
declare -A reported=()
while :; do
  alive=0
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      alive=$((alive + 1))
    elif [ -z "${reported[$pid]:-}" ]; then
      reported[$pid]=1
      echo "Process ${pid} exited; the others keep running (logs in ${shown}/logs/)." >&2
    fi
  done
  [ "$alive" -gt 0 ] || break
  sleep 1
done
