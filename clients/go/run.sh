#!/usr/bin/env bash
# Builds and runs the example offline against Debian's Go packages (GOPATH mode: generated/ first, then /usr/share/gocode).
#   ./generate.sh && ./run.sh --cluster-file ../../.mrk/cluster.json
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p generated/src/example generated/cache
cp example.go generated/src/example/main.go
export GOPATH="$PWD/generated:/usr/share/gocode" GO111MODULE=off GOCACHE="$PWD/generated/cache" GOPROXY=off
go build -o generated/example example
exec generated/example "$@"
