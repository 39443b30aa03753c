#!/usr/bin/env bash
# Generates the Go stubs from protos/ with Debian's protoc, protoc-gen-go and protoc-gen-go-grpc, into a GOPATH-style
# tree under generated/ (apt-get install golang-go protobuf-compiler libprotobuf-dev protoc-gen-go protoc-gen-go-grpc
# golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev golang-google-genproto-dev).
# google.rpc comes from genproto. grpc-go decodes through github.com/golang/protobuf, which must be the 1.5 line (the
# one built on the current protobuf API) for the stubs protoc-gen-go makes.
set -euo pipefail
cd "$(dirname "$0")"
protos=../../protos
rm -rf generated && mkdir -p generated/src
protoc -I "$protos" -I /usr/include --go_out=generated/src --go-grpc_out=generated/src "$protos"/mrk/v1/*.proto
echo "generated/src/github.com/grpc-mrk/mrk/gen/mrk/v1: package mrkv1"
