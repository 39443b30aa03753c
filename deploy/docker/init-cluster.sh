#!/bin/sh
# The testbed's init step: creates what is missing of the cluster PKI in /certs (never overwriting), a client
# certificate for the testbed's caller, and /certs/cluster.json for `mrk --cluster-file`.
#   MRK_REGIONS        comma-separated Regions
#   MRK_HOSTS          names the certificates must be valid for, as <identity>=<host>; a bare name (the compose
#                      service names) counts for the identity of that name
#   MRK_ENDPOINT_HOST  host in cluster.json's endpoints; empty: each service's own name
#   MRK_BASE_PORT      the ControlPlane's port; Region n listens on base + n
#   MRK_CONTROLPLANE_URLS  the ControlPlane replicas' addresses, comma-separated (a replicated relay); default the one
set -eu
regions="${MRK_REGIONS:?}"
base="${MRK_BASE_PORT:-7100}"
/app/mrk cluster bootstrap --out /certs --regions "$regions" ${MRK_HOSTS:+--hosts "$MRK_HOSTS"} --query Created --output text
/app/mrk cluster issue-client --certs /certs --type user --name testbed --query Created --output text

host() { if [ -n "${MRK_ENDPOINT_HOST:-}" ]; then echo "$MRK_ENDPOINT_HOST"; else echo "$1"; fi; }
endpoints=""
port="$base"
for region in $(echo "$regions" | tr ',' ' '); do
  port=$((port + 1))
  endpoints="${endpoints:+${endpoints}, }\"${region}\": \"https://$(host "$region"):${port}\""
done
cat > /certs/cluster.json.new <<JSON
{"controlPlane": "${MRK_CONTROLPLANE_URLS:-https://$(host controlplane):${base}}", "certificates": "/certs", "caBundle": "/certs/ca.crt", "regions": {${endpoints}}}
JSON
mv /certs/cluster.json.new /certs/cluster.json
echo "cluster PKI ready in /certs for ${regions}"
