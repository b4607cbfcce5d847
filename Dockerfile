# The bridge's container image: `docker build -t greptime-bridge .`
#
# Two stages. "build" compiles a static binary with the official Go image
# and lays out the runtime file tree under /rootfs; "runtime" is FROM
# scratch and only copies that tree, so it needs no base image. CI, which
# cannot pull images, builds the binary itself, lays out the same tree in a
# directory and replaces the "build" stage with it
# (`podman build --build-context rootfs=DIR --target runtime`, see
# .ci/image): the runtime stage is the same in both builds.
ARG GO_IMAGE=golang:1.26-bookworm

FROM ${GO_IMAGE} AS build
ARG VERSION=dev
ARG COMMIT=unknown
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO off: a static binary that runs on scratch. -trimpath keeps the build
# machine's paths out of the binary.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /rootfs/usr/local/bin/greptime-bridge ./cmd/bridge && \
    mkdir -p /rootfs/etc/ssl/certs /rootfs/etc/greptime-bridge /rootfs/var/lib/greptime-bridge/queue && \
    cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ && \
    cp deploy/container/bridge.yaml /rootfs/etc/greptime-bridge/bridge.yaml

# rootfs is the tree the runtime stage copies: the build stage's /rootfs,
# or in CI a directory given with --build-context rootfs=DIR.
FROM scratch AS rootfs
COPY --from=build /rootfs/ /

FROM scratch AS runtime
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="greptime-bridge" \
      org.opencontainers.image.description="Carries Prometheus remote write and OTLP telemetry into GreptimeDB" \
      org.opencontainers.image.source="https://github.com/greptime-bridge/greptime-bridge" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
COPY --from=rootfs /usr/local/bin/greptime-bridge /usr/local/bin/greptime-bridge
COPY --from=rootfs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=rootfs /etc/greptime-bridge/bridge.yaml /etc/greptime-bridge/bridge.yaml
# The disk queue (queue.ack: on_queue) lives here: queue.dir's default.
COPY --from=rootfs --chown=65532:65532 /var/lib/greptime-bridge/queue /var/lib/greptime-bridge/queue
VOLUME ["/var/lib/greptime-bridge/queue"]
# 4318: remote write, OTLP/HTTP, /metrics and health; 4317: OTLP/gRPC.
EXPOSE 4318 4317
# A numeric user, so Kubernetes' runAsNonRoot can verify it without an
# /etc/passwd in the image.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/greptime-bridge", "-config", "/etc/greptime-bridge/bridge.yaml"]
