#!/usr/bin/env bash
# Underlay subnets on a provider NIC: kube-ovn's underlay (ProviderNetwork -> Vlan -> Subnet)
# as OVN sees it, logical switches with a localnet port (options:network_name=physnet1, tag
# 100, 200, or none), on a real northd. The provider NIC is the root end of a veth pair that
# brint takes with net_af_packet (a dpdk port named by ovn.bridge_mappings physnet1 -> phy0);
# the other end is in an "external" namespace with VLAN sub-interfaces 100 and 200 and an
# untagged address. Pods are namespaces on tap ports, one per underlay subnet. Checked: each
# pod reaches its external peer and is reached by it (ping both ways, TCP on VLAN 100), and
# only on its own VLAN (an address that exists only on VLAN 200 in the pod's subnet is not
# reached from VLAN 100's pod); the chassis publishes ovn-bridge-mappings; a frame on a VLAN
# nobody maps is dropped and counted as unknown_vlan; a localnet whose network has no bridge
# mapping here drops as no_provider. Unknown unicast to the external side goes through
# get_fdb in ls_in_l2_lkup: this needs the interpreter's FDB lookups (the MAC_Binding/FDB work).
. "$(dirname "$0")/lib.sh"
setup
start_ovn

PHY=vphy$$ # brint's end of the veth pair (the "provider NIC")
EXT=brint-u$$-ext
# switch: subnet, tag ("" = untagged), pod, pod MAC, external peer
declare -A NET=([u100]=10.100.0 [u200]=10.200.0 [u0]=10.50.0 [u9]=10.90.0)
declare -A TAGS=([u100]=100 [u200]=200 [u0]="" [u9]=9)
declare -A PNET=([u100]=physnet1 [u200]=physnet1 [u0]=physnet1 [u9]=physnet9)
declare -A MAC=([u100]=00:00:00:00:0a:64 [u200]=00:00:00:00:0a:c8 [u0]=00:00:00:00:0a:01
	[u9]=00:00:00:00:0a:09)
SWITCHES="u100 u200 u0 u9"
for sw in $SWITCHES; do
	nbctl ls-add "$sw" -- set logical_switch "$sw" other_config:subnet="${NET[$sw]}.0/24" ||
		fail "ls-add $sw"
	nbctl lsp-add "$sw" "ln-$sw" -- lsp-set-type "ln-$sw" localnet \
		-- lsp-set-addresses "ln-$sw" unknown \
		-- lsp-set-options "ln-$sw" network_name="${PNET[$sw]}" || fail "localnet on $sw"
	if [ -n "${TAGS[$sw]}" ]; then
		nbctl set logical_switch_port "ln-$sw" tag="${TAGS[$sw]}" || fail "tag ln-$sw"
	fi
	nbctl lsp-add "$sw" "pod-$sw" -- lsp-set-addresses "pod-$sw" "${MAC[$sw]} ${NET[$sw]}.10" \
		-- lsp-set-port-security "pod-$sw" "${MAC[$sw]} ${NET[$sw]}.10" || fail "pod on $sw"
done

# the external network: a veth pair; in the external namespace the trunk end holds the
# untagged address, and VLAN sub-interfaces 100, 200 and 300 are taps served by
# vlan_relay.py (this kernel has no 802.1Q module: the relay tags and untags, the kernel's
# stack does the rest)
ip link add "$PHY" type veth peer name ext0 || fail "cannot create a veth pair"
LINKS+=("$PHY")
ip netns add "$EXT" || fail "netns $EXT"
NETNS+=("$EXT")
ip link set ext0 netns "$EXT" || fail "move ext0"
sysctl -qw "net.ipv6.conf.$PHY.disable_ipv6=1"
ip link set "$PHY" up
xs() { ip netns exec "$EXT" "$@"; }
xs sysctl -qw net.ipv4.conf.all.arp_ignore=1 # answer ARP only on the interface with the address
xs sysctl -qw net.ipv4.conf.default.arp_ignore=1
xs sysctl -qw net.ipv6.conf.default.disable_ipv6=1
xs ip link set lo up
# a veth leaves TCP/UDP checksums to be filled later (checksum offload): brint's af_packet
# would take such frames half-done; a frame on a real wire is complete
xs ethtool -K ext0 tx off >/dev/null || fail "ethtool -K ext0 tx off"
xs ip link set ext0 up
xs ip addr add 10.50.0.1/24 dev ext0
xs ip addr add 192.168.77.1/24 dev ext0 # the node's own network on the NIC
xs python3 -u "$(dirname "$0")/vlan_relay.py" ext0 100:ext0.100 200:ext0.200 300:ext0.300 \
	>"$T/relay.log" 2>&1 </dev/null &
PIDS+=("$!")
WAIT=20 wait_for grep -q ready "$T/relay.log" || fail "vlan_relay: $(cat "$T/relay.log")"
for v in 100 200 300; do
	xs ip link set "ext0.$v" up || fail "ext0.$v"
done
xs ip addr add 10.100.0.1/24 dev ext0.100
xs ip addr add 10.200.0.1/24 dev ext0.200
xs ip addr add 10.30.0.1/24 dev ext0.300
xs ip addr add 10.100.0.99/32 dev ext0.200 # VLAN 100's subnet, but only on VLAN 200

declare -A IF NS
BRPHY=brphy$$ # the node's own interface on the NIC (as OVS-DPDK's br-phy internal port)
ports="{\"name\": \"phy0\", \"type\": \"dpdk\", \"devargs\": \"net_af_packet0,iface=$PHY\"},
  {\"name\": \"brphy\", \"type\": \"tap\", \"iface\": \"$BRPHY\", \"internal_of\": \"phy0\",
   \"addresses\": [\"192.168.77.2/24\"]}"
n=0
for sw in $SWITCHES; do
	n=$((n + 1))
	IF[$sw]=bu$$$n
	NS[$sw]=brint-u$$-$sw
	ports="$ports, {\"name\": \"tap-$sw\", \"type\": \"tap\", \"iface\": \"${IF[$sw]}\", \"iface_id\": \"pod-$sw\"}"
	ip netns add "${NS[$sw]}" || fail "netns ${NS[$sw]}"
	NETNS+=("${NS[$sw]}")
	ip -n "${NS[$sw]}" link set lo up
done
brintd_config "$T/brint.json" "[$ports]" '[]' \
	"\"ovn\": {\"remote\": \"$OVN_SB\", \"chassis\": \"brint-node1\", \"hostname\": \"node1\",
   \"encap_type\": \"geneve\", \"encap_ip\": \"127.0.0.2\", \"bridge_mappings\": {\"physnet1\": \"phy0\"}}"
"$BRINTD" --config "$T/brint.json" --check >/dev/null ||
	fail "config refused: $("$BRINTD" --config "$T/brint.json" --check 2>&1)"
start_brintd "$T/brint.json"
for sw in $SWITCHES; do
	WAIT=20 wait_for "[ \"\$(nbctl lsp-get-up pod-$sw)\" = up ]" || fail "pod-$sw never came up"
done
WAIT=30 wait_for timeout 25 ovn-nbctl --db="$OVN_NB" --wait=hv sync ||
	fail "ovn-nbctl --wait=hv sync did not return"
bm=$(sbctl get Chassis brint-node1 other_config:ovn-bridge-mappings)
[ "$bm" = '"physnet1:phy0"' ] || fail "Chassis ovn-bridge-mappings: $bm"
pass "chassis publishes ovn-bridge-mappings $bm"

# --- the node's own address on the NIC (SSH/kubelet connectivity of a node whose NIC brint owns)
xs ping -c 3 -i 0.2 -W 2 192.168.77.2 >"$T/ping.out" 2>&1 ||
	fail "external -> the node's 192.168.77.2 on $BRPHY: $(tail -n 3 "$T/ping.out"); $(ctl flows dump)"
ping -c 2 -i 0.2 -W 2 192.168.77.1 >"$T/ping.out" 2>&1 ||
	fail "node -> external 192.168.77.1: $(tail -n 3 "$T/ping.out")"
node_tcp() { # a TCP service on the node (its address on the NIC), reached from outside
	python3 - 192.168.77.2 "$1" "$T/node-recv" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.settimeout(20)
with open(sys.argv[3], "wb") as f:
    while True:
        d = c.recv(65536)
        if not d: break
        f.write(d)
PY
	local srv=$!
	PIDS+=("$srv")
	WAIT=30 wait_for "ss -ltn | grep -q '192.168.77.2:$1 '" || fail "node TCP server"
	head -c 300000 /dev/urandom >"$T/node-blob"
	xs timeout 20 nc -N 192.168.77.2 "$1" <"$T/node-blob" || fail "TCP external -> node:$1"
	wait "$srv" || fail "node TCP server failed"
	cmp -s "$T/node-blob" "$T/node-recv" || fail "TCP external -> node:$1: data differs"
}
node_tcp 18090
pass "the node's own address on the NIC ($BRPHY, 192.168.77.2): ping both ways, TCP from the external network"

for sw in $SWITCHES; do
	ip link set "${IF[$sw]}" netns "${NS[$sw]}" || fail "cannot move ${IF[$sw]}"
	ip -n "${NS[$sw]}" link set "${IF[$sw]}" address "${MAC[$sw]}" || fail "set address $sw"
	ip -n "${NS[$sw]}" addr add "${NET[$sw]}.10/24" dev "${IF[$sw]}"
	ip -n "${NS[$sw]}" link set "${IF[$sw]}" up || fail "cannot bring ${IF[$sw]} up"
done

stat_drop() {
	ctl --json pmd stats | python3 -c "import json,sys; print(sum(p['drops']['$1'] for p in json.load(sys.stdin)))"
}

# --- each pod and its external peer, both ways
for sw in u100 u200 u0; do
	ip netns exec "${NS[$sw]}" ping -c 3 -i 0.2 -W 2 "${NET[$sw]}.1" >"$T/ping.out" 2>&1 ||
		fail "pod-$sw -> ${NET[$sw]}.1 (VLAN ${TAGS[$sw]:-none}): $(tail -n 3 "$T/ping.out"); $(ctl flows dump)"
	xs ping -c 3 -i 0.2 -W 2 "${NET[$sw]}.10" >"$T/ping.out" 2>&1 ||
		fail "external -> pod-$sw: $(tail -n 3 "$T/ping.out")"
done
# the external side learnt each pod on the right interface
for sw in u100 u200; do
	neigh=$(xs ip neigh show "${NET[$sw]}.10")
	[[ $neigh == *"dev ext0.${TAGS[$sw]} lladdr ${MAC[$sw]}"* ]] ||
		fail "external neighbour of pod-$sw: '$neigh'"
done
neigh=$(xs ip neigh show 10.50.0.10)
[[ $neigh == *"dev ext0 lladdr ${MAC[u0]}"* ]] || fail "external neighbour of pod-u0: '$neigh'"
pass "pods on VLAN 100, VLAN 200 and untagged ping their external peers and are pinged back, each on its own interface"

# --- TCP on VLAN 100 (full-size frames with the tag)
head -c 1000000 /dev/urandom >"$T/blob"
xs python3 - 10.100.0.1 18081 "$T/recv" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.settimeout(20)
with open(sys.argv[3], "wb") as f:
    while True:
        d = c.recv(65536)
        if not d: break
        f.write(d)
PY
srv=$!
PIDS+=("$srv")
WAIT=30 wait_for "ip netns exec $EXT ss -ltn | grep -q '10.100.0.1:18081 '" || fail "external TCP server"
ip netns exec "${NS[u100]}" timeout 20 nc -N 10.100.0.1 18081 <"$T/blob" || fail "TCP pod-u100 -> external"
wait "$srv" || fail "external TCP server failed"
cmp -s "$T/blob" "$T/recv" || fail "TCP on VLAN 100: $(stat -c %s "$T/recv") bytes received, not the 1 MB sent"
pass "TCP pod-u100 -> 10.100.0.1 over VLAN 100: 1 MB, identical"

# --- the node keeps its connectivity while pods forward on the same NIC
ip netns exec "${NS[u0]}" ping -c 30 -i 0.05 -W 1 10.50.0.1 >"$T/pod-ping.out" 2>&1 &
pp=$!
ip netns exec "${NS[u100]}" ping -c 30 -i 0.05 -W 1 10.100.0.1 >"$T/pod100-ping.out" 2>&1 &
pp100=$!
xs ping -c 20 -i 0.05 -W 1 192.168.77.2 >"$T/node-ping.out" 2>&1 || fail "node ping under pod traffic: $(tail -n 2 "$T/node-ping.out")"
node_tcp 18091
wait $pp || fail "pod-u0 pings during node traffic: $(tail -n 2 "$T/pod-ping.out")"
wait $pp100 || fail "pod-u100 pings during node traffic: $(tail -n 2 "$T/pod100-ping.out")"
pass "while pods on the untagged network and VLAN 100 ping out (30 each, $(grep -o '[0-9]*% packet loss' "$T/pod-ping.out")), the node answers 20 pings and takes TCP on its NIC address"

# --- only their own VLAN: 10.100.0.99 is in VLAN 100's subnet but lives on VLAN 200
ip netns exec "${NS[u100]}" ping -c 2 -i 0.3 -W 1 10.100.0.99 >"$T/ping.out" 2>&1 &&
	fail "pod-u100 reached 10.100.0.99, which is only on VLAN 200"
xs ping -c 2 -i 0.3 -W 1 -I ext0.200 10.100.0.10 >"$T/ping.out" 2>&1 &&
	fail "pod-u100 answered on VLAN 200"
pass "pod-u100 does not reach an address on VLAN 200, nor is it reached from VLAN 200"

# --- a VLAN nobody maps: dropped and counted
before=$(stat_drop unknown_vlan)
xs ping -c 3 -i 0.5 -W 1 10.30.0.2 >/dev/null 2>&1 && fail "something answered on VLAN 300"
after=$(stat_drop unknown_vlan)
[ "$after" -ge $((before + 2)) ] || fail "unknown_vlan: $before -> $after (ARP on VLAN 300 not counted)"
pass "VLAN 300 (no localnet): $((after - before)) frames dropped as unknown_vlan"

# --- a localnet whose network (physnet9) has no bridge mapping on this chassis
before=$(stat_drop no_provider)
ip netns exec "${NS[u9]}" ping -c 2 -i 0.3 -W 1 10.90.0.1 >/dev/null 2>&1 && fail "pod-u9 reached something"
after=$(stat_drop no_provider)
[ "$after" -ge $((before + 2)) ] || fail "no_provider: $before -> $after"
pass "u9 (physnet9, not mapped here): $((after - before)) frames dropped as no_provider"

# --- a pod of u100 bound to another chassis: reached through the physical network (its
# localnet port, VLAN 100), as ovn-controller sends a bridged switch's remote ports. The "other
# chassis" pod is played by the external namespace's VLAN 100 interface: its MAC, a second
# address 10.100.0.20.
rmac=$(xs cat /sys/class/net/ext0.100/address) || fail "ext0.100's MAC"
xs ip addr add 10.100.0.20/24 dev ext0.100 || fail "10.100.0.20 on ext0.100"
sbctl chassis-add other-node geneve 192.0.2.99 || fail "chassis-add other-node"
nbctl lsp-add u100 pod-u100-r -- lsp-set-addresses pod-u100-r "$rmac 10.100.0.20" ||
	fail "lsp-add pod-u100-r"
WAIT=20 wait_for "sbctl --bare --columns=tunnel_key find Port_Binding logical_port=pod-u100-r | grep -q ." ||
	fail "northd did not make pod-u100-r's Port_Binding"
sbctl lsp-bind pod-u100-r other-node || fail "lsp-bind pod-u100-r other-node"
# (no --wait=hv from here on: the other chassis is not there to catch up; wait for brintd's
# generation to send the remote pod's frames to the localnet port instead)
nbctl --wait=sb sync || fail "--wait=sb sync"
TRACE_R="eth.src == ${MAC[u100]} && eth.dst == $rmac && ip4.src == 10.100.0.10 && ip4.dst == 10.100.0.20 && ip.ttl == 64 && icmp4.type == 8"
WAIT=20 wait_for "ctl --json trace tap-u100 '$TRACE_R' | grep -q push_vlan" ||
	fail "the remote pod's frames never went to the localnet port: $(ctl trace tap-u100 "$TRACE_R")"
ip -n "${NS[u100]}" neigh flush all
ip netns exec "${NS[u100]}" ping -c 3 -i 0.2 -W 2 10.100.0.20 >"$T/ping.out" 2>&1 ||
	fail "pod-u100 -> pod-u100-r (other chassis) via VLAN 100: $(tail -n 3 "$T/ping.out"); $(ctl flows dump)"
neigh=$(ip -n "${NS[u100]}" neigh show 10.100.0.20)
[[ $neigh == *"lladdr $rmac"* ]] || fail "pod-u100 resolved 10.100.0.20 to '$neigh', expected $rmac"
ctl --json trace tap-u100 "$TRACE_R" >"$T/trace-r.json" ||
	fail "trace to the remote pod"
python3 - "$T/trace-r.json" <<'PY' || fail "trace: $(cat "$T/trace-r.json")"
import json, sys
t = json.load(open(sys.argv[1]))
assert t['actions'].startswith('push_vlan(vid=100'), t['actions']
PY
pass "pod-u100 -> pod-u100-r bound to another chassis: out by the localnet port on VLAN 100, answered ($(python3 -c "import json; print(json.load(open('$T/trace-r.json'))['actions'])"))"

ctl --json flows dump >"$T/flows.json"
python3 - "$T/flows.json" <<'PY' || fail "flows: $(ctl flows dump)"
import json, sys
f = [x['actions'] for p in json.load(open(sys.argv[1])) for x in p['flows']]
assert any('push_vlan(vid=100' in a for a in f), f
assert any('push_vlan(vid=200' in a for a in f), f
assert any(a.startswith('pop_vlan') for a in f), f
PY
log "megaflows with VLAN actions: $(python3 -c "
import json; f=[x['actions'] for p in json.load(open('$T/flows.json')) for x in p['flows']]
print('; '.join(sorted({a for a in f if 'vlan' in a})))")"
