# One Region of Grpc.Mrk. The build context is a self-contained `dotnet publish` of src/RegionNode (scripts/build-images.sh
# makes it); the base needs only what .NET's runtime-deps image has (libc, libssl, libicu, ca-certificates, tzdata).
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0
FROM ${BASE_IMAGE}

# A fixed non-root user; /data (the Region's SQLite store and, unless MRK_DOMAIN_KEY is given, its domain key) and
# /certs start owned by it, so named volumes mounted there are too.
RUN mkdir -p /app /data /certs && chown 10001:10001 /data /certs && chmod 0700 /data
COPY --chown=0:0 . /app

USER 10001:10001
ENV Mrk__DataDirectory=/data \
    Mrk__ClusterCertificates=/certs \
    DOTNET_gcServer=0
VOLUME ["/data"]
EXPOSE 7101

# grpc.health.v1 through the node itself: `probe` asks its own listener and exits 0 only on SERVING.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=6 CMD ["/app/Grpc.Mrk.RegionNode", "probe"]
ENTRYPOINT ["/app/Grpc.Mrk.RegionNode"]
