#!/usr/bin/env bash
# Install what brint needs on Debian bookworm (as root): build tools, DPDK 22.11, jansson, numa,
# cmocka, OVN/OVS tools for the tests, testpmd. Skips apt entirely when everything is present.
set -euo pipefail
pkgs=(
	build-essential meson ninja-build pkg-config python3
	libdpdk-dev dpdk dpdk-dev libjansson-dev libnuma-dev libcmocka-dev libssl-dev libpcap-dev
	ovn-central ovn-common openvswitch-common
	iproute2 iputils-ping netcat-openbsd tcpdump procps util-linux jq
	clang libclang-rt-14-dev clang-format
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# ovn-host/openvswitch packages may start daemons on systems with an init; brint runs its own
# OVN for tests and must not share a node with ovn-controller/ovs-vswitchd.
