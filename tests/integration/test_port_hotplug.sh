#!/usr/bin/env bash
# Ports come and go while traffic flows: pods A and B (vhost-user, one testpmd holding both
# virtio_user devices, an endless pcap replay into A) are cross-connected; meanwhile a third port
# (vhost-user, with its own testpmd pod) and a fourth (tap) are added, cross-connected, used and
# removed, five times. Every packet pod A sent must reach pod B, brintd must count no drop on A
# or B, and `pmd rxq` must follow each add and remove.
. "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-5}
setup

IFD=bt$$d
python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/send.pcap" --flows 1024
brintd_config "$T/brint.json" "[
  {\"name\": \"pod-a\", \"type\": \"vhost-user\", \"path\": \"$T/a.sock\"},
  {\"name\": \"pod-b\", \"type\": \"vhost-user\", \"path\": \"$T/b.sock\"}]" \
	'[{"from": "pod-a", "to": "pod-b"}, {"from": "pod-b", "to": "pod-a"}]'
start_brintd "$T/brint.json"

# port_stat PORT FIELD: brintd's per-port counter (rx, tx or drop) summed over PMDs.
port_stat() {
	ctl --json pmd stats | python3 -c "
import json, sys
print(sum(p['$2'] for pmd in json.load(sys.stdin) for p in pmd['ports'] if p['port'] == '$1'))"
}
# rxq: the polled rx queues as "port:queue" words, sorted.
rxq() {
	ctl --json pmd rxq | python3 -c "
import json, sys
print(' '.join(sorted('%s:%d' % (q['port'], q['queue']) for q in json.load(sys.stdin))))"
}
expect_rxq() {
	local got
	got=$(rxq)
	[ "$got" = "$1" ] || fail "$2: pmd rxq lists '$got', expected '$1'"
}
# pod_stat NAME PORT rx|tx: a pod's port counter from "show port stats", read from the answer's
# own block (testpmd may still be printing something else, like the statistics of a "stop").
pod_stat() {
	local name=$1 port=$2 dir=$3 before
	before=$(wc -l <"$T/$name.log")
	pod_cmd "$name" "show port stats $port"
	WAIT=5 wait_for stats_block "$name" "$port" "$dir" "$before" || fail "pod $name: no stats answer for port $port"
	stats_block "$name" "$port" "$dir" "$before"
}
stats_block() {
	tail -n +$(($4 + 1)) "$T/$1.log" | awk -v p="$2" -v d="$3" '
		index($0, "NIC statistics for port " p " ") { inb = 1; next }
		inb && /RX-packets:/ { rx = $2 }
		inb && /TX-packets:/ { tx = $2 }
		inb && /Tx-bps/ { print (d == "rx" ? rx : tx); found = 1; exit }
		END { exit !found }'
}
# For wait_for, which runs its arguments again and again (a "$(...)" in them would be expanded
# only once, before the first try).
link_is() { [ "$(port_link "$1")" = "$2" ]; }
pod_rx_ge() { local n; n=$(pod_stat "$1" "$2" rx) && [ "$n" -ge "$3" ]; }
kernel_rx_ge() { [ "$(cat "/sys/class/net/$1/statistics/rx_packets")" -ge "$2" ]; }
xconnects() {
	ctl --json xconnect list | python3 -c "
import json, sys
print(' '.join(sorted(x['from'] + '>' + x['to'] for x in json.load(sys.stdin))))"
}

# The pods: port 0 replays the pcap forever into pod A (port 1); what pod B (port 2) receives
# goes to port 3, a null device. Pod A's ring holds 1024 descriptors and pod B posts 4096 rx
# buffers, so when this process is descheduled (it shares core 0 with the third pod and with
# brintd's control thread), what brintd can move from A into B while B is not drained always
# fits: a drop on B would then be brintd's doing, not a slow guest's.
start_pod pods 0,1 1 "--vdev net_pcap0,rx_pcap=$T/send.pcap,infinite_rx=1 \
	--vdev net_virtio_user1,path=$T/a.sock,queue_size=1024 \
	--vdev net_virtio_user2,path=$T/b.sock,queue_size=4096 \
	--vdev net_null0,no-rx=1" \
	"--port-topology=paired --no-flush-rx --rxd=4096 --txd=1024 --total-num-mbufs=32768"
pod_cmd pods "set fwd io retry"
WAIT=20 wait_for link_is pod-a up || fail "pod-a link never came up"
WAIT=20 wait_for link_is pod-b up || fail "pod-b link never came up"
expect_rxq "pod-a:0 pod-b:0" "before the first add"

ctl pmd stats --clear >/dev/null
pod_cmd pods start
WAIT=20 wait_for pod_rx_ge pods 2 100000 || fail "no traffic from pod A to pod B"
log "traffic flows: pod B has received $(pod_stat pods 2 rx) packets"

# send_frames IFACE N: N broadcast frames (ethertype 0x88b5, local experimental) out of IFACE.
send_frames() {
	python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for i in range(int(sys.argv[2])):
    s.send(b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + bytes([i % 256]) * 50)
EOF
}

for round in $(seq 1 "$ROUNDS"); do
	b_before=$(pod_stat pods 2 rx)

	# the third port: vhost-user, with its own pod (same socket path every round)
	ctl port add pod-c --type vhost-user --path "$T/c.sock" >/dev/null ||
		fail "round $round: port add pod-c failed"
	expect_rxq "pod-a:0 pod-b:0 pod-c:0" "round $round, after adding pod-c"
	fresh=$(ctl --json pmd stats | python3 -c "
import json, sys
print(sum(p['rx'] + p['tx'] + p['drop'] for pmd in json.load(sys.stdin) for p in pmd['ports'] if p['port'] == 'pod-c'))")
	[ "$fresh" = 0 ] || fail "round $round: the new port pod-c starts with $fresh packets in its counters"
	start_pod podc 0,1 1 "--vdev net_virtio_user0,path=$T/c.sock,queue_size=256" "--no-flush-rx"
	WAIT=20 wait_for link_is pod-c up || fail "round $round: pod-c link never came up"

	# the fourth port: tap (same interface name every round)
	ctl port add tap-d --type tap --iface "$IFD" >/dev/null || fail "round $round: port add tap-d failed"
	expect_rxq "pod-a:0 pod-b:0 pod-c:0 tap-d:0" "round $round, after adding tap-d"
	ip link show "$IFD" >/dev/null 2>&1 || fail "round $round: no kernel interface $IFD"
	ctl xconnect add pod-c tap-d >/dev/null && ctl xconnect add tap-d pod-c >/dev/null ||
		fail "round $round: xconnect pod-c <-> tap-d failed"
	[ "$(xconnects)" = "pod-a>pod-b pod-b>pod-a pod-c>tap-d tap-d>pod-c" ] ||
		fail "round $round: xconnect list: $(xconnects)"

	# traffic through them: pod C sends a burst to the tap, the kernel sends 50 frames back to
	# pod C, which echoes them to the tap
	k_before=$(cat "/sys/class/net/$IFD/statistics/rx_packets")
	pod_cmd podc "set fwd io"
	pod_cmd podc "start tx_first"
	send_frames "$IFD" 50 || fail "round $round: cannot send frames out of $IFD"
	WAIT=10 wait_for pod_rx_ge podc 0 50 ||
		fail "round $round: pod C received $(pod_stat podc 0 rx) of the 50 frames sent into $IFD"
	WAIT=10 wait_for kernel_rx_ge "$IFD" $((k_before + 82)) ||
		fail "round $round: $IFD received $(($(cat "/sys/class/net/$IFD/statistics/rx_packets") - k_before)) frames; expected pod C's 32 and the 50 echoed"
	pod_cmd podc stop
	c_rx=$(port_stat pod-c rx); d_rx=$(port_stat tap-d rx)
	[ "$c_rx" -ge 82 ] && [ "$d_rx" -ge 50 ] ||
		fail "round $round: brintd counted rx pod-c=$c_rx tap-d=$d_rx"

	# remove them again, in a different order each round; pod C is still attached
	if [ $((round % 2)) = 1 ]; then first=pod-c; second=tap-d; else first=tap-d; second=pod-c; fi
	ctl port del $first >/dev/null || fail "round $round: port del $first failed"
	if [ $first = pod-c ]; then left="tap-d:0"; else left="pod-c:0"; fi
	expect_rxq "pod-a:0 pod-b:0 $left" "round $round, after removing $first"
	ctl port del $second >/dev/null || fail "round $round: port del $second failed"
	expect_rxq "pod-a:0 pod-b:0" "round $round, after removing $second"
	[ "$(xconnects)" = "pod-a>pod-b pod-b>pod-a" ] || fail "round $round: xconnect list after removal: $(xconnects)"
	[ ! -e "$T/c.sock" ] || fail "round $round: port del pod-c left $T/c.sock"
	WAIT=5 wait_for bash -c "! ip link show $IFD" || fail "round $round: port del tap-d left $IFD"
	stop_pod podc

	[ "$(port_link pod-a)" = up ] && [ "$(port_link pod-b)" = up ] ||
		fail "round $round: pod-a/pod-b links went down"
	b_after=$(pod_stat pods 2 rx)
	[ "$b_after" -gt "$b_before" ] || fail "round $round: pod B received nothing during the round"
	log "round $round: pod B received $((b_after - b_before)) packets while pod-c and tap-d came and went"
done
pass "$ROUNDS rounds of adding, cross-connecting, using and removing a vhost-user and a tap port; pmd rxq followed each step"

# Stop the sender, keep draining pod B until it has everything brintd forwarded.
pod_cmd pods stop
pod_cmd pods "set portlist 2,3"
pod_cmd pods start
sent=$(pod_stat pods 1 tx)
WAIT=20 wait_for pod_rx_ge pods 2 "$sent"
got=$(pod_stat pods 2 rx)
pod_cmd pods stop
a_rx=$(port_stat pod-a rx); b_tx=$(port_stat pod-b tx)
a_drop=$(port_stat pod-a drop); b_drop=$(port_stat pod-b drop)
[ "$a_drop" = 0 ] && [ "$b_drop" = 0 ] ||
	fail "brintd dropped pod-a=$a_drop pod-b=$b_drop packets (sent $sent, pod B got $got); drops by reason: $(ctl --json pmd stats | python3 -c 'import json,sys; print([p["drops"] for p in json.load(sys.stdin)])')"
[ "$got" = "$sent" ] || fail "pod A sent $sent packets, pod B received $got"
[ "$a_rx" = "$sent" ] && [ "$b_tx" = "$sent" ] ||
	fail "pod A sent $sent, pod B received $got, but brintd counted rx pod-a=$a_rx tx pod-b=$b_tx"
pass "no loss while ports came and went: pod A sent $sent packets, pod B received $got; brintd rx pod-a=$a_rx tx pod-b=$b_tx, no drops"
