# brintd on Debian bookworm. Build: docker build -t brint .
# Run (needs hugepages on the host and the vhost-user socket directory shared with pods):
#   docker run --rm --privileged -v /dev/hugepages:/dev/hugepages -v /run/brint:/run/brint \
#     -v $PWD/brint.json:/etc/brint/brint.json:ro brint
FROM debian:bookworm AS build
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      build-essential meson ninja-build pkg-config libdpdk-dev libjansson-dev libnuma-dev \
      libssl-dev libpcap-dev python3 && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN meson setup /build /src -Dtests=disabled -Dbuildtype=release && ninja -C /build && \
    DESTDIR=/out meson install -C /build --no-rebuild

FROM debian:bookworm
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      dpdk libjansson4 libnuma1 libssl3 iproute2 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/local /usr/local
COPY config/examples /etc/brint/examples
VOLUME ["/run/brint"]
ENTRYPOINT ["/usr/local/bin/brintd"]
CMD ["--config", "/etc/brint/brint.json"]
