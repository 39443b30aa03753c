#!/usr/bin/env bash
# Generates the Ruby stubs into generated/ from protos/ with Debian's protoc and gRPC Ruby plugin
# (apt-get install protobuf-compiler protobuf-compiler-grpc libprotobuf-dev ruby-grpc).
set -euo pipefail
cd "$(dirname "$0")"
protos=../../protos
rm -rf generated && mkdir -p generated
protoc -I "$protos" -I /usr/include --ruby_out=generated \
  --plugin=protoc-gen-grpc_ruby=/usr/bin/grpc_ruby_plugin --grpc_ruby_out=generated \
  "$protos"/mrk/v1/*.proto "$protos"/google/rpc/*.proto
echo "generated/: mrk.v1 and google.rpc for Ruby"
