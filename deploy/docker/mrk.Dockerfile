# The `mrk` command line, for the testbed's init step (the cluster PKI) and for calling the cluster from a container.
# The build context is a self-contained `dotnet publish` of src/Client/Cli plus init-cluster.sh and init-principals.sh
# (scripts/build-images.sh).
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0
FROM ${BASE_IMAGE}

RUN mkdir -p /app /certs && chown 10001:10001 /certs
COPY --chown=0:0 . /app

USER 10001:10001
WORKDIR /certs
ENTRYPOINT ["/app/mrk"]
