#!/usr/bin/env bash
# Prints the configuration of one NATS server of the replicated relay log (JetStream, clustered, mutual TLS with the
# cluster CA on both the client and the route ports). Only the relay-log certificate is admitted as a client: a
# Region's or an operator's certificate chains to the same CA but maps to no user, so it cannot connect.
# Usage: relay-log-conf.sh NAME CLIENT_ADDRESS CLUSTER_ADDRESS STORE_DIR CERTS_DIR ROUTE_ADDRESS...
#   addresses are host:port; ROUTE_ADDRESS lists every server's cluster address (its own is ignored by NATS).
# RELAY_LOG_ADVERTISE=host:port sets the cluster address the server tells its peers (where they cannot reach it
# directly, such as behind the chaos harness's route proxies).
set -euo pipefail
name="$1" client="$2" cluster="$3" store="$4" certs="$5"
shift 5
routes=""
for route in "$@"; do routes="${routes:+${routes}, }nats-route://${route}"; done
advertise=""
[[ -n "${RELAY_LOG_ADVERTISE:-}" ]] && advertise="  advertise: \"${RELAY_LOG_ADVERTISE}\""
cat <<CONF
server_name: "${name}"
listen: "${client}"
# Replication, not each write's fsync, keeps an acknowledged envelope: a majority of the servers holds it before the
# ControlPlane confirms it to its sender (docs/operations.md: what a power loss of a majority at once could take).
jetstream {
  store_dir: "${store}"
}
tls {
  cert_file: "${certs}/relay-log/tls.crt"
  key_file: "${certs}/relay-log/tls.key"
  ca_file: "${certs}/ca.crt"
  verify_and_map: true
  timeout: 5
}
authorization {
  users = [ { user: "CN=relay-log,OU=relay-log,O=Grpc.Mrk" } ]
}
cluster {
  name: "mrk-relay-log"
  listen: "${cluster}"
${advertise}
  routes: [ ${routes} ]
  tls {
    cert_file: "${certs}/relay-log/tls.crt"
    key_file: "${certs}/relay-log/tls.key"
    ca_file: "${certs}/ca.crt"
    verify: true
    timeout: 5
  }
}
CONF
