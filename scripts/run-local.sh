#!/usr/bin/env bash
# Builds Grpc.Mrk and starts a local RegionNode on loopback over TLS, with its data under ./.mrk/ (kept between
# runs). The cluster CA and certificates are created under ./.mrk/certs on first start. Ctrl-C stops it cleanly.
# Usage: scripts/run-local.sh [region] [port]
set -euo pipefail
cd "$(dirname "$0")/.."

region="${1:-us-east-1}"
port="${2:-7101}"
data=".mrk/${region}"
certs=".mrk/certs"

dotnet build Grpc.Mrk.sln -c Release -nologo -clp:ErrorsOnly -v:quiet
mkdir -p "$data"
dotnet src/Client/Cli/bin/Release/net10.0/mrk.dll cluster bootstrap --out "$certs" --regions "$region" --query Created --output text >/dev/null

cat <<INFO

Grpc.Mrk RegionNode ${region}
  endpoint:  https://127.0.0.1:${port}
  CA:        ${certs}/ca.crt   (trust it: export MRK_CA_BUNDLE=${certs}/ca.crt)
  data:      ${data}  (store: region.db, domain key: domain.key; back up both)
  try:       export MRK_ENDPOINT=https://127.0.0.1:${port} MRK_CA_BUNDLE=${certs}/ca.crt
             scripts/mrk create-key --description first
  stop:      Ctrl-C

INFO

exec dotnet src/RegionNode/bin/Release/net10.0/Grpc.Mrk.RegionNode.dll \
  --region "$region" --data-dir "$data" --urls "https://127.0.0.1:${port}" \
  --tls-cert "${certs}/regions/${region}/tls.crt" --tls-key "${certs}/regions/${region}/tls.key"
