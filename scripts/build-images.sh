#!/usr/bin/env bash
# Builds the container images: grpc-mrk/regionnode, grpc-mrk/controlplane and grpc-mrk/mrk (tag: $MRK_IMAGE_TAG,
# default dev). Each is a self-contained, ahead-of-time compiled `dotnet publish` copied into a small base image.
# With nats-server on this machine (Debian's package) also grpc-mrk/relay-log, a server of the replicated relay log
# (deploy/compose/ha.yaml).
#
#   scripts/build-images.sh [--base-image IMAGE] [--network MODE]
#
# --base-image  the base of all three images (default: Microsoft's runtime-deps image for .NET 10); any image with
#               glibc, libssl3, libicu and ca-certificates works, such as a local Debian image made with debootstrap.
# --network     the network of the build's RUN steps (docker build --network), for engines without a bridge.
set -euo pipefail
cd "$(dirname "$0")/.."

base_image="mcr.microsoft.com/dotnet/runtime-deps:10.0"
network="default"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --base-image) base_image="$2"; shift 2 ;;
    --network) network="$2"; shift 2 ;;
    *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
tag="${MRK_IMAGE_TAG:-dev}"
out="artifacts/images"
rm -rf "$out"

# ReadyToRun: compiled ahead of time, so a new container answers its first calls (and a new mrk its first command)
# without the runtime compiling every method on the way first.
publish() {
  dotnet publish "$1" -c Release -r linux-x64 --self-contained -p:PublishReadyToRun=true -nologo -v:quiet -clp:ErrorsOnly -o "$out/$2"
}
publish src/RegionNode regionnode
publish src/ControlPlane controlplane
publish src/Client/Cli mrk
cp deploy/docker/init-cluster.sh "$out/mrk/init-cluster.sh"
cp deploy/docker/init-principals.sh "$out/mrk/init-principals.sh"

images=(regionnode controlplane mrk)
if command -v nats-server >/dev/null; then
  mkdir -p "$out/relay-log"
  cp "$(command -v nats-server)" "$out/relay-log/nats-server"
  cp scripts/lib/relay-log-conf.sh "$out/relay-log/relay-log-conf.sh"
  images+=(relay-log)
fi

for image in "${images[@]}"; do
  docker build --quiet --network "$network" --build-arg "BASE_IMAGE=$base_image" -f "deploy/docker/$image.Dockerfile" \
    -t "grpc-mrk/$image:$tag" "$out/$image" >/dev/null
  echo "built grpc-mrk/$image:$tag"
done
