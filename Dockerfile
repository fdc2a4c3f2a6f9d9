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
# The dpdk package alone (without its Recommends) ships no DPDK library: name them. librte-vhost23
# pulls in every librte library brintd links; the others are EAL plugins loaded at start from
# /usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0: the ring mempool (needed for the mbuf pool), the vdev
# and PCI buses, and the net_tap, net_af_packet and virtio drivers. Add librte-net-<driver>23
# for a physical NIC (e.g. librte-net-i40e23, librte-net-ixgbe23, librte-net-mlx5-23).
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      dpdk librte-vhost23 librte-mempool-ring23 librte-bus-vdev23 librte-bus-pci23 \
      librte-net-tap23 librte-net-af-packet23 librte-net-virtio23 \
      libjansson4 libnuma1 libssl3 iproute2 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/local /usr/local
# Fail the build, not the container start, if a shared library of brintd or brintctl is missing.
RUN /usr/local/bin/brintd --version && /usr/local/bin/brintctl --version
COPY config/examples /etc/brint/examples
VOLUME ["/run/brint"]
ENTRYPOINT ["/usr/local/bin/brintd"]
CMD ["--config", "/etc/brint/brint.json"]
