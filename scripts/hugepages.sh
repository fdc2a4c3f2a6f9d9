#!/usr/bin/env bash
# Reserve 2 MB hugepages and mount hugetlbfs if needed. Idempotent. Usage: hugepages.sh [PAGES]
set -euo pipefail
want=${1:-${BRINT_HUGEPAGES:-1024}}
if [ "$(id -u)" != 0 ]; then
	echo "hugepages.sh: needs root" >&2
	exit 1
fi
have=$(cat /proc/sys/vm/nr_hugepages)
if [ "$have" -lt "$want" ]; then
	echo "$want" > /proc/sys/vm/nr_hugepages
	have=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$have" -lt "$want" ]; then
		echo "hugepages.sh: asked for $want 2 MB pages, the kernel gave $have" >&2
	fi
fi
if ! grep -q '^[^ ]* /dev/hugepages hugetlbfs' /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages
fi
echo "hugepages: $(cat /proc/sys/vm/nr_hugepages) x 2 MB reserved, $(awk '/HugePages_Free/ {print $2}' /proc/meminfo) free, hugetlbfs on /dev/hugepages"
