#!/usr/bin/env bash
# Proves the compose testbed on this machine, with nothing pulled from a registry: installs what is missing of
# docker.io, docker-compose, debootstrap and iptables from Debian; starts a private Docker engine (own socket and data
# folder, no bridge, no iptables rules); builds a Debian base image with debootstrap and the product's images on it;
# brings the testbed up on the host network (every listener on 127.0.0.1); runs a cross-Region scenario with `mrk`;
# kills a Region and shows the others keep serving; starts it again and shows it converges; then removes everything
# it made, stops the engine and uninstalls the packages it installed. Needs root.
#
# Prints one line per check and "compose testbed: N passed, N failed"; with MRK_TEST_RESULTS set, also writes the
# counts to $MRK_TEST_RESULTS/compose.counts for scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/lib/counts.sh
report() { report_counts "compose testbed" compose.counts; }

if [[ "$(id -u)" -ne 0 ]]; then
  echo "FAIL compose testbed: needs root (to install packages and run a Docker engine); run it with sudo" >&2
  failed=1
  report
  exit 1
fi

work="$(mktemp -d /tmp/mrk-testbed.XXXXXX)"
export DOCKER_HOST="unix://${work}/docker.sock"
export MRK_IMAGE_TAG=testbed
mirror="${MRK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
compose=(timeout 300 docker-compose -p mrk-testbed -f compose.yaml -f deploy/compose/host-network.yaml)
installed=()
dockerd_pid=""

cleanup() {
  set +e
  if [[ -n "$dockerd_pid" ]]; then
    "${compose[@]}" down --volumes --remove-orphans --timeout 10 >/dev/null 2>&1
    docker image ls -q | sort -u | xargs -r docker rmi -f >/dev/null 2>&1
    kill -TERM "$dockerd_pid" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$dockerd_pid" 2>/dev/null
  fi
  grep -F " ${work}/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$work"
  rm -rf artifacts/images
  if [[ ${#installed[@]} -gt 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${installed[@]}" >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get autoremove -y -qq >/dev/null 2>&1
  fi
  report
}
trap cleanup EXIT

check() {
  local name="$1"
  shift
  if "$@"; then
    echo "PASS ${name}"
    passed=$((passed + 1))
  else
    echo "FAIL ${name}"
    failed=$((failed + 1))
    return 1
  fi
}

# Retries a command for up to $1 seconds until it succeeds.
within() {
  local seconds="$1"
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [[ $SECONDS -lt $deadline ]] || return 1
    sleep 1
  done
}

started=$SECONDS
for package in docker.io docker-compose debootstrap iptables curl; do
  dpkg -s "$package" >/dev/null 2>&1 || installed+=("$package")
done
if [[ ${#installed[@]} -gt 0 ]]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${installed[@]}" >/dev/null
fi

dockerd --host "$DOCKER_HOST" --data-root "${work}/data" --exec-root "${work}/exec" --pidfile "${work}/docker.pid" \
  --bridge none --iptables=false --ip-masq=false --userland-proxy=false >"${work}/dockerd.log" 2>&1 &
dockerd_pid=$!
check "private Docker engine starts" within 60 docker info || { tail -20 "${work}/dockerd.log"; exit 1; }

debootstrap --variant=minbase --include=libicu72,libssl3,ca-certificates,tzdata bookworm "${work}/rootfs" "$mirror" \
  >"${work}/debootstrap.log" 2>&1 || { tail -20 "${work}/debootstrap.log"; check "debootstrap base" false; exit 1; }
rm -rf "${work}/rootfs/var/cache/apt/archives/"*.deb "${work}/rootfs/usr/share/doc" "${work}/rootfs/usr/share/man"
tar -C "${work}/rootfs" -c . | docker import - mrk-testbed/debian:bookworm >/dev/null
rm -rf "${work}/rootfs"
check "images build on the local Debian base" scripts/build-images.sh --base-image mrk-testbed/debian:bookworm --network host

check "docker-compose $(docker-compose version --short) accepts the testbed as users run it" docker-compose config -q
check "docker-compose accepts the host-network variant" docker-compose -f compose.yaml -f deploy/compose/host-network.yaml config -q
"${compose[@]}" up -d >"${work}/up.log" 2>&1 || { cat "${work}/up.log"; check "testbed comes up" false; exit 1; }

healthy() {
  local id
  for service in controlplane us-east-1 eu-west-1 ap-southeast-2; do
    id="$("${compose[@]}" ps -q "$service")"
    [[ -n "$id" && "$(docker inspect --format '{{.State.Health.Status}}' "$id")" == healthy ]] || return 1
  done
}
check "every process healthy through grpc.health.v1" within 120 healthy || { "${compose[@]}" logs --tail 30; exit 1; }
principals_created() {
  local id
  id="$("${compose[@]}" ps -q principals)"
  [[ -n "$id" && "$(docker inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$id")" == "exited 0" ]]
}
check "the testbed's principal created in every Region" within 60 principals_created || { "${compose[@]}" logs principals; exit 1; }

mrk() { "${compose[@]}" run --rm -T mrk "$@" 2>>"${work}/mrk.log"; }
key_state() { [[ "$(mrk --region "$1" describe-key --key-id "$2" --query KeyMetadata.KeyState --output text)" == "$3" ]]; }

key=$(mrk --region us-east-1 create-key --multi-region --description testbed --query KeyMetadata.KeyId --output text)
check "create a multi-Region key in us-east-1" test -n "$key"
mrk --region us-east-1 replicate-key --key-id "$key" --replica-region eu-west-1 >/dev/null
mrk --region us-east-1 replicate-key --key-id "$key" --replica-region ap-southeast-2 >/dev/null
check "replicas Enabled in eu-west-1 and ap-southeast-2" within 60 key_state ap-southeast-2 "$key" Enabled
check "replica Enabled in eu-west-1" within 30 key_state eu-west-1 "$key" Enabled
blob=$(mrk --region us-east-1 encrypt --key-id "$key" --plaintext dGVzdGJlZA== --query CiphertextBlob --output text)
check "decrypt in eu-west-1 what us-east-1 encrypted" \
  test "$(mrk --region eu-west-1 decrypt --ciphertext-blob "$blob" --query Plaintext --output text)" == dGVzdGJlZA==

docker kill "$("${compose[@]}" ps -q us-east-1)" >/dev/null
check "ap-southeast-2 decrypts with us-east-1 down" \
  test "$(mrk --region ap-southeast-2 decrypt --ciphertext-blob "$blob" --query Plaintext --output text)" == dGVzdGJlZA==
west=$(mrk --region eu-west-1 create-key --multi-region --query KeyMetadata.KeyId --output text)
mrk --region eu-west-1 replicate-key --key-id "$west" --replica-region us-east-1 >/dev/null
check "eu-west-1 replicates into the Region that is down (queued)" test -n "$west"

"${compose[@]}" start us-east-1 >/dev/null 2>&1
check "us-east-1 healthy again" within 120 healthy
check "us-east-1 converges: the replica queued while it was down is Enabled" within 60 key_state us-east-1 "$west" Enabled
check "us-east-1 still decrypts its earlier ciphertext" \
  test "$(mrk --region us-east-1 decrypt --ciphertext-blob "$blob" --query Plaintext --output text)" == dGVzdGJlZA==

# The web console: the key sets to the operator certificate, nothing without one.
docker cp "$("${compose[@]}" ps -q controlplane):/certs/operator" "${work}/operator" >/dev/null
docker cp "$("${compose[@]}" ps -q controlplane):/certs/ca.crt" "${work}/ca.crt" >/dev/null
console() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "${work}/ca.crt" "$@"; }
console_lists_key() {
  curl -s --max-time 10 --cacert "${work}/ca.crt" --cert "${work}/operator/tls.crt" --key "${work}/operator/tls.key" \
    https://localhost:7190/console/api/keys | grep -q "\"keyId\":\"${key}\""
}
check "the web console lists the key set to the operator certificate" within 30 console_lists_key
check "the web console refuses a caller without a certificate (401)" test "$(console https://localhost:7190/console/api/keys)" == 401

# Nothing of the testbed listened beyond loopback.
check "listeners only on 127.0.0.1" bash -c "! ss -Hltn | awk '{print \$4}' | grep -E ':7(10[0-3]|190)\$' | grep -vE '^127\\.0\\.0\\.1:'"
echo "compose testbed took $((SECONDS - started)) s"
[[ $failed -eq 0 ]]
