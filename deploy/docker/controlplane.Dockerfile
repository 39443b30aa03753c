# The Grpc.Mrk ControlPlane (relay between Regions). The build context is a self-contained `dotnet publish` of
# src/ControlPlane (scripts/build-images.sh makes it).
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0
FROM ${BASE_IMAGE}

RUN mkdir -p /app /data /certs && chown 10001:10001 /data /certs && chmod 0700 /data
COPY --chown=0:0 . /app

USER 10001:10001
ENV ControlPlane__DataDirectory=/data \
    DOTNET_gcServer=0
VOLUME ["/data"]
EXPOSE 7100

HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=6 CMD ["/app/Grpc.Mrk.ControlPlane", "probe"]
ENTRYPOINT ["/app/Grpc.Mrk.ControlPlane"]
