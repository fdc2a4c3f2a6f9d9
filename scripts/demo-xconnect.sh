#!/usr/bin/env bash
# The main job: install what is missing, build, start brintd with two vhost-user pods
# (dpdk-testpmd over virtio_user) cross-connected both ways, send traffic, and show what brintd
# counted. Cleans up after itself. Needs root (hugepages, DPDK). Usage: scripts/demo-xconnect.sh [SECONDS]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-5}
scripts/install-deps.sh
scripts/build.sh >/dev/null
scripts/hugepages.sh 1024
BRINT_SETUP_HUGEPAGES=1
. tests/integration/lib.sh
setup
python3 scripts/gen-pcap.py "$T/traffic.pcap" --flows 1024

brintd_config "$T/brint.json" "[
  {\"name\": \"pod-a\", \"type\": \"vhost-user\", \"path\": \"$T/pod-a.sock\"},
  {\"name\": \"pod-b\", \"type\": \"vhost-user\", \"path\": \"$T/pod-b.sock\"}]" \
	'[{"from": "pod-a", "to": "pod-b"}, {"from": "pod-b", "to": "pod-a"}]'
echo "--- brintd configuration ($T/brint.json)"
cat "$T/brint.json"
start_brintd "$T/brint.json"
# One testpmd plays both pods: port 0 replays 1024 UDP flows into pod A (port 1); what pod B
# (port 2) receives goes to a null sink (port 3).
start_pod pods 0,1 1 "--vdev net_pcap0,rx_pcap=$T/traffic.pcap,infinite_rx=1 \
	--vdev net_virtio_user1,path=$T/pod-a.sock,queue_size=1024 \
	--vdev net_virtio_user2,path=$T/pod-b.sock,queue_size=1024 --vdev net_null0,no-rx=1" \
	"--port-topology=paired --no-flush-rx --forward-mode=io"
WAIT=20 wait_for "[ \"\$(port_link pod-a)\" = up ]" || fail "pod-a never attached"
WAIT=20 wait_for "[ \"\$(port_link pod-b)\" = up ]" || fail "pod-b never attached"
echo "--- brintctl port list"
ctl port list
echo "--- brintctl xconnect list"
ctl xconnect list
ctl pmd stats --clear >/dev/null
a0=$(pod_port_counter pods 1 tx); b0=$(pod_port_counter pods 2 rx)
pod_cmd pods start
echo "--- traffic for $secs s"
sleep "$secs"
pod_cmd pods stop
sleep 0.5
a1=$(pod_port_counter pods 1 tx); b1=$(pod_port_counter pods 2 rx)
echo "--- brintctl pmd stats"
ctl pmd stats
sent=$((a1 - a0)); got=$((b1 - b0))
echo "--- result"
echo "pod A sent $sent packets, pod B received $got ($(python3 -c "print(f'{$got / $secs / 1e6:.2f}')") Mpps average)"
[ "$got" -gt 0 ] || fail "no traffic reached pod B"
echo "brintd forwarded $(pmd_sum tx_packets) packets, dropped $(pmd_sum dropped)"
