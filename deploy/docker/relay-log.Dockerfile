# A server of the replicated relay log: NATS (nats-server, with JetStream) as Debian ships it, and the script that
# writes its configuration (mutual TLS with the cluster's relay-log certificate; see docs/operations.md). The build
# context holds both (scripts/build-images.sh copies them).
ARG BASE_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0
FROM ${BASE_IMAGE}

RUN mkdir -p /app /data && chown 10001:10001 /data && chmod 0700 /data
COPY --chown=0:0 . /app

USER 10001:10001
VOLUME ["/data"]
EXPOSE 4222 6222

# RELAY_LOG_NAME, RELAY_LOG_ROUTES (host:port, space-separated, every server's) and the certificates at /certs.
ENTRYPOINT ["/bin/sh", "-c", "/app/relay-log-conf.sh \"$RELAY_LOG_NAME\" 0.0.0.0:4222 0.0.0.0:6222 /data /certs $RELAY_LOG_ROUTES > /tmp/server.conf && exec /app/nats-server -c /tmp/server.conf"]
