#!/usr/bin/env bash
# Generates the Python stubs into generated/ from protos/ with Debian's protoc and gRPC Python plugin
# (apt-get install protobuf-compiler protobuf-compiler-grpc libprotobuf-dev python3-grpcio python3-protobuf). protoc 3.21 is needed for
# proto3 `optional` fields; the protoc inside Debian's python3-grpc-tools (3.5) predates them.
set -euo pipefail
cd "$(dirname "$0")"
protos=../../protos
rm -rf generated && mkdir -p generated
protoc -I "$protos" -I /usr/include --python_out=generated \
  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin --grpc_python_out=generated \
  "$protos"/mrk/v1/*.proto "$protos"/google/rpc/*.proto
echo "generated/: mrk.v1 and google.rpc for Python"
