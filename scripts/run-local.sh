#!/usr/bin/env bash
# Builds Grpc.Mrk and starts a local RegionNode on loopback, with its data under ./.mrk/ (kept between runs).
# Ctrl-C stops it cleanly. Usage: scripts/run-local.sh [region] [port]
set -euo pipefail
cd "$(dirname "$0")/.."

region="${1:-us-east-1}"
port="${2:-7101}"
data=".mrk/${region}"

dotnet build Grpc.Mrk.sln -c Release -nologo -clp:ErrorsOnly -v:quiet
mkdir -p "$data"

cat <<INFO

Grpc.Mrk RegionNode ${region}
  endpoint:  http://127.0.0.1:${port}   (plaintext HTTP/2, loopback only)
  data:      ${data}  (store: region.db, domain key: domain.key; back up both)
  try:       scripts/mrk --endpoint http://127.0.0.1:${port} create-key --description first
  stop:      Ctrl-C

INFO

exec dotnet src/RegionNode/bin/Release/net10.0/Grpc.Mrk.RegionNode.dll \
  --region "$region" --data-dir "$data" --urls "http://127.0.0.1:${port}"
