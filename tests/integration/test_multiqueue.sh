#!/usr/bin/env bash
# Two PMDs (EAL lcores 1 and 2 both on CPU 1: functional, not a benchmark):
# 1. vhost-user ports with 2 queue pairs: the four rx queues are spread round robin over the two
#    PMDs, each PMD sends on its own tx queue, and every packet of a 2-queue stream arrives.
# 2. a `dpdk` port on net_af_packet (one tx queue, so the two PMDs share it under a lock) to a
#    veth whose peer is in a namespace, cross-connected with a tap in another namespace: ping.
. "$(dirname "$0")/lib.sh"
setup
N=4000 # per queue

python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/q0.pcap" --flows $N --sport 1024
python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/q1.pcap" --flows $N --sport 20000

VA=bv$$a  # veth end brintd takes with net_af_packet
VB=bv$$b  # its peer, in NS1
IFT=bt$$t # brintd's tap, moved to NS2
NS1=brint-t$$-1
NS2=brint-t$$-2
for ns in "$NS1" "$NS2"; do
	ip netns add "$ns" || fail "cannot create network namespace $ns"
	NETNS+=("$ns")
done
ip link add "$VA" type veth peer name "$VB" || fail "cannot create veth"
LINKS+=("$VA")
ip link set "$VB" netns "$NS1"
ip link set "$VA" up

new_prefix
cat >"$T/brint.json" <<JSON
{
  "eal": ["--lcores", "0@0,1@1,2@1", "--main-lcore", "0", "--file-prefix", "$PREFIX",
          "-m", "512", "--no-pci"],
  "pmd_cores": [1, 2],
  "control_socket": "$T/brint.sock",
  "ports": [
    {"name": "pod-a", "type": "vhost-user", "path": "$T/a.sock", "queues": 2},
    {"name": "pod-b", "type": "vhost-user", "path": "$T/b.sock", "queues": 2},
    {"name": "nic0", "type": "dpdk", "devargs": "net_af_packet0,iface=$VA"},
    {"name": "tap0", "type": "tap", "iface": "$IFT"}
  ],
  "xconnects": [{"from": "pod-a", "to": "pod-b"}, {"from": "pod-b", "to": "pod-a"},
                {"from": "nic0", "to": "tap0"}, {"from": "tap0", "to": "nic0"}]
}
JSON
start_brintd "$T/brint.json"

# placement: 2 PMDs, rx queues round robin in port order
placement=$(ctl --json pmd rxq | python3 -c "
import json, sys
print(' '.join(f\"{r['port']}:{r['queue']}@{r['pmd']}\" for r in sorted(json.load(sys.stdin), key=lambda r: (r['port'], r['queue']))))")
for want in pod-a:0@0 pod-a:1@1 pod-b:0@0 pod-b:1@1; do
	[[ " $placement " == *" $want "* ]] || fail "rx queue placement '$placement' lacks $want"
done
txq=$(ctl --json port list | python3 -c "
import json, sys
print(' '.join(f\"{p['name']}={p['txq']}/{p['txq_shared']}\" for p in json.load(sys.stdin)))")
[[ " $txq " == *" pod-a=2/False "* && " $txq " == *" nic0=1/True "* ]] ||
	fail "tx queues: '$txq', expected pod-a=2/False (a queue per PMD) and nic0=1/True (shared)"
pass "4 vhost rx queues spread over 2 PMDs; af_packet's single tx queue shared under a lock"

# the pods: port 0 = 2-queue pcap replay -> pod A (2 queue pairs); pod B -> 2-queue pcap sink
start_pod pods 0,1 1 "--vdev net_pcap0,rx_pcap=$T/q0.pcap,rx_pcap=$T/q1.pcap \
	--vdev net_virtio_user1,path=$T/a.sock,queues=2,queue_size=1024 \
	--vdev net_virtio_user2,path=$T/b.sock,queues=2,queue_size=4096 \
	--vdev net_pcap1,tx_pcap=$T/out0.pcap,tx_pcap=$T/out1.pcap" \
	"--port-topology=paired --no-flush-rx --rxq=2 --txq=2 --rxd=4096 --txd=1024 --total-num-mbufs=65536"
pod_cmd pods "set fwd io retry"
pod_cmd pods "set burst tx delay 10 retry 100000"
wait_for "[ \"\$(port_link pod-a)\" = up ]" || fail "pod-a never attached"
wait_for "[ \"\$(port_link pod-b)\" = up ]" || fail "pod-b never attached"
ctl pmd stats --clear >/dev/null
pod_cmd pods start
WAIT=30 wait_for "[ \"\$(pod_port_counter pods 2 rx)\" -ge $((2 * N)) ]" ||
	fail "pod B received $(pod_port_counter pods 2 rx) of $((2 * N))"
# pod A's packets per PMD (the kernel may send its own frames on the tap and veth meanwhile)
per_pmd=$(ctl --json pmd stats | python3 -c "
import json, sys
print(' '.join(str(sum(p['rx'] for p in pmd['ports'] if p['port'] == 'pod-a')) for pmd in json.load(sys.stdin)))")
read -r rx0 rx1 <<<"$per_pmd"
[ "$rx0" = $N ] && [ "$rx1" = $N ] ||
	fail "per-PMD rx '$per_pmd': expected $N on each (one queue of pod A each)"
dropped=$(pmd_sum dropped)
[ "$dropped" = 0 ] || fail "brintd dropped $dropped"
[ "$(pod_port_counter pods 2 rx)" = $((2 * N)) ] || fail "pod B received more than was sent"
pass "2-queue stream: $N packets on each PMD, $((2 * N)) delivered to pod B, no drops"

# af_packet <-> tap, both in namespaces
ip link set "$IFT" netns "$NS2" || fail "cannot move $IFT"
ip -n "$NS1" addr add 10.98.0.1/24 dev "$VB"
ip -n "$NS2" addr add 10.98.0.2/24 dev "$IFT"
ip -n "$NS1" link set "$VB" up
ip -n "$NS2" link set "$IFT" up
ip netns exec "$NS1" ping -c 5 -i 0.2 -W 1 10.98.0.2 >"$T/ping.out" 2>&1 ||
	fail "ping over af_packet <-> tap failed: $(tail -n 3 "$T/ping.out")"
pass "ping through a dpdk (net_af_packet) port and a tap port"
