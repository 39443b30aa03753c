#!/usr/bin/env bash
# Prints the Secrets the manifests in this folder use, from a cluster certificates folder made by
# `mrk cluster bootstrap`, for `kubectl apply -f -`:
#
#   mrk cluster bootstrap --out certs --regions us-east-1,eu-west-1,ap-southeast-2 \
#     --hosts controlplane=controlplane.grpc-mrk.svc,us-east-1=us-east-1.grpc-mrk.svc,eu-west-1=eu-west-1.grpc-mrk.svc,ap-southeast-2=ap-southeast-2.grpc-mrk.svc
#   deploy/kubernetes/create-secrets.sh certs us-east-1,eu-west-1,ap-southeast-2 | kubectl apply -f -
#
# Each Region's domain key is taken from CERTS/domain-keys/<region>.key (base64 of 32 random bytes), created there
# (mode 0600) when missing. Back those files up apart from the stores: without its domain key a Region's keys are lost.
# The CA's private key (CERTS/ca.key) is never put in a Secret: keep it offline.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
certs="$1"
IFS=',' read -r -a regions <<<"$2"
namespace="${3:-grpc-mrk}"

b64() { base64 -w0 <"$1"; }
secret() {
  local name="$1"
  shift
  printf -- '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n  labels:\n    app.kubernetes.io/name: grpc-mrk\ntype: Opaque\ndata:\n' \
    "$name" "$namespace"
  while [[ $# -gt 0 ]]; do
    printf '  %s: %s\n' "$1" "$(b64 "$2")"
    shift 2
  done
}

for file in "$certs/ca.crt" "$certs/controlplane/tls.crt" "$certs/controlplane/tls.key"; do
  [[ -f "$file" ]] || { echo "create-secrets.sh: $file is missing; run mrk cluster bootstrap first" >&2; exit 1; }
done

secret mrk-cluster-ca ca.crt "$certs/ca.crt"
secret mrk-controlplane-tls tls.crt "$certs/controlplane/tls.crt" tls.key "$certs/controlplane/tls.key"
# The replicated relay log's (deploy/kubernetes-ha): its servers' and the ControlPlane replicas' connections to them.
if [[ -f "$certs/relay-log/tls.crt" ]]; then
  secret mrk-relay-log-tls tls.crt "$certs/relay-log/tls.crt" tls.key "$certs/relay-log/tls.key"
fi

signing=()
for region in "${regions[@]}"; do
  signing+=("${region}.signing.crt" "$certs/regions/${region}/signing.crt")
done
secret mrk-signing-certificates "${signing[@]}"

umask 077
mkdir -p "$certs/domain-keys"
for region in "${regions[@]}"; do
  dir="$certs/regions/${region}"
  secret "mrk-region-${region}" tls.crt "$dir/tls.crt" tls.key "$dir/tls.key" signing.key "$dir/signing.key"
  key="$certs/domain-keys/${region}.key"
  if [[ ! -f "$key" ]]; then
    head -c 32 /dev/urandom | base64 -w0 >"$key"
    echo "create-secrets.sh: created the domain key of ${region} in ${key}; back it up" >&2
  fi
  secret "mrk-domain-key-${region}" domain-key "$key"
done
