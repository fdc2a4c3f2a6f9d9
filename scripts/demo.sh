#!/usr/bin/env bash
# The main job: install what is missing, build, start a local OVN (NB and SB ovsdb-server and
# ovn-northd from Debian) and build the seed's topology with ovn-nbctl: kube-ovn's default VPC
# (router ovn-cluster; switches ovn-default 10.16.0.0/16 and join 100.64.0.0/16; a second
# subnet 10.17.0.0/16; this node's join port node-<host> with ovn0), a custom VPC (router
# vpc-a, subnet 10.0.1.0/24), and an underlay VLAN subnet (172.20.100.0/24, localnet tag 100 on
# physnet1) on a veth "provider NIC" whose other end is an external network namespace. brintd
# runs with pods as kernel network namespaces on tap ports, ovn0 in this (the node's) namespace
# and the provider NIC taken with net_af_packet. Shown: pod <-> pod, pod <-> router, host <->
# pod (ping, TCP probes), underlay pod <-> external peer, the custom VPC isolated from the
# default VPC and from the host (the seed's limitation, as it stands), a spoofed pod dropped;
# then a short report, brintctl's stats and a trace of one packet. Cleans up on exit.
# Needs root. Usage: scripts/demo.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh
scripts/build.sh >/dev/null
scripts/hugepages.sh 1024
BRINT_SETUP_HUGEPAGES=1
set +e
. tests/integration/lib.sh
setup

say() { printf '\n=== %s\n' "$*"; }
declare -a REPORT=()
ok() { printf '    ok: %s\n' "$*"; }
# report WHAT RESULT: a line of the final report
report() { REPORT+=("$(printf '%-48s %s' "$1" "$2")"); }

say "local OVN and kube-ovn's default VPC"
start_ovn
kube_ovn_default_vpc
kube_ovn_subnet2
# a custom VPC: its own router and subnet, nothing linking it to ovn-cluster
nbctl lr-add vpc-a && nbctl ls-add vpc-a-net -- set logical_switch vpc-a-net other_config:subnet=10.0.1.0/24 &&
	nbctl lrp-add vpc-a vpc-a-vpc-a-net 00:00:00:b1:00:01 10.0.1.1/24 &&
	nbctl lsp-add vpc-a-net vpc-a-net-vpc-a -- lsp-set-type vpc-a-net-vpc-a router \
		-- lsp-set-addresses vpc-a-net-vpc-a router \
		-- lsp-set-options vpc-a-net-vpc-a router-port=vpc-a-vpc-a-net || fail "custom VPC"
# an underlay subnet: kube-ovn's ProviderNetwork physnet1 -> Vlan 100 -> Subnet
nbctl ls-add underlay100 -- set logical_switch underlay100 other_config:subnet=172.20.100.0/24 &&
	nbctl lsp-add underlay100 ln-underlay100 -- lsp-set-type ln-underlay100 localnet \
		-- lsp-set-addresses ln-underlay100 unknown \
		-- lsp-set-options ln-underlay100 network_name=physnet1 \
		-- set logical_switch_port ln-underlay100 tag=100 || fail "underlay subnet"
# this node on join (kube-ovn's node-<nodename>) and its own address routed to it
NODE=$(hostname -s)
NODE_MAC=0a:00:00:64:00:02
NODE_JOIN=100.64.0.2
NODE_IP=$(ip -4 -o route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
nbctl lsp-add join "node-$NODE" -- lsp-set-addresses "node-$NODE" "$NODE_MAC $NODE_JOIN" ||
	fail "node port"
[ -z "$NODE_IP" ] || nbctl lr-route-add ovn-cluster "$NODE_IP/32" "$NODE_JOIN" || fail "node route"

declare -A SW=([pod1]=ovn-default [pod2]=ovn-default [pod3]=subnet2 [spoof]=ovn-default
	[vpcpod]=vpc-a-net [ulpod]=underlay100)
declare -A MAC=([pod1]=00:00:00:00:01:01 [pod2]=00:00:00:00:01:02 [pod3]=00:00:00:00:02:01
	[spoof]=00:00:00:00:01:04 [vpcpod]=00:00:00:00:03:01 [ulpod]=00:00:00:00:04:01)
declare -A IP=([pod1]=10.16.0.11 [pod2]=10.16.0.12 [pod3]=10.17.0.11 [spoof]=10.16.0.14
	[vpcpod]=10.0.1.11 [ulpod]=172.20.100.11)
declare -A PLEN=([pod1]=16 [pod2]=16 [pod3]=16 [spoof]=16 [vpcpod]=24 [ulpod]=24)
declare -A GW=([pod1]=10.16.0.1 [pod2]=10.16.0.1 [pod3]=10.17.0.1 [spoof]=10.16.0.1
	[vpcpod]=10.0.1.1 [ulpod]=172.20.100.1)
PODS="pod1 pod2 pod3 spoof vpcpod ulpod"
for p in $PODS; do
	nbctl lsp-add "${SW[$p]}" "$p" -- lsp-set-addresses "$p" "${MAC[$p]} ${IP[$p]}" \
		-- lsp-set-port-security "$p" "${MAC[$p]} ${IP[$p]}" || fail "lsp-add $p"
done
nbctl show | sed 's/^/    /'

say "the external network: a veth pair, VLAN 100 on the far end (the provider NIC is ours)"
ip link add brdemo-phy type veth peer name ext0 || fail "veth pair"
LINKS+=(brdemo-phy)
EXT=brint-demo-ext
ip netns add $EXT && NETNS+=($EXT)
ip link set ext0 netns $EXT
sysctl -qw net.ipv6.conf.brdemo-phy.disable_ipv6=1
ip link set brdemo-phy up
ip netns exec $EXT ethtool -K ext0 tx off >/dev/null
ip netns exec $EXT ip link set lo up
ip netns exec $EXT ip link set ext0 up
ip netns exec $EXT python3 -u tests/integration/vlan_relay.py ext0 100:ext0.100 >"$T/relay.log" 2>&1 </dev/null &
PIDS+=($!)
WAIT=20 wait_for grep -q ready "$T/relay.log" || fail "vlan relay: $(cat "$T/relay.log")"
ip netns exec $EXT ip link set ext0.100 up
ip netns exec $EXT ip addr add 172.20.100.1/24 dev ext0.100
ok "external namespace $EXT: ext0.100 = 172.20.100.1/24 (VLAN 100)"

say "brintd: a tap port per pod (iface_id = the logical port), ovn0 for node-$NODE, the provider NIC"
declare -A IF NS
ports="{\"name\": \"ovn0\", \"type\": \"tap\", \"iface\": \"ovn0\", \"iface_id\": \"node-$NODE\",
  \"mac\": \"$NODE_MAC\", \"mtu\": 1400, \"addresses\": [\"$NODE_JOIN/16\"],
  \"routes\": [{\"dst\": \"10.16.0.0/16\", \"via\": \"100.64.0.1\"}, {\"dst\": \"10.17.0.0/16\", \"via\": \"100.64.0.1\"}]},
  {\"name\": \"phy0\", \"type\": \"dpdk\", \"devargs\": \"net_af_packet0,iface=brdemo-phy\"}"
n=0
for p in $PODS; do
	n=$((n + 1))
	IF[$p]=brdemo$n
	NS[$p]=brint-demo-$p
	ports="$ports, {\"name\": \"$p\", \"type\": \"tap\", \"iface\": \"${IF[$p]}\", \"iface_id\": \"$p\", \"mtu\": 1400}"
	ip netns add "${NS[$p]}" || fail "cannot create network namespace ${NS[$p]}"
	NETNS+=("${NS[$p]}")
	ip -n "${NS[$p]}" link set lo up
done
brintd_config "$T/brint.json" "[$ports]" '[]' \
	"\"ovn\": {\"remote\": \"$OVN_SB\", \"chassis\": \"brint-demo\", \"hostname\": \"$(hostname)\",
   \"encap_type\": \"geneve\", \"encap_ip\": \"127.0.0.2\", \"bridge_mappings\": {\"physnet1\": \"phy0\"}}"
start_brintd "$T/brint.json"
for p in $PODS "node-$NODE"; do
	WAIT=20 wait_for "[ \"\$(nbctl lsp-get-up $p)\" = up ]" || fail "$p never came up"
done
WAIT=30 wait_for timeout 25 ovn-nbctl --db="$OVN_NB" --wait=hv sync || fail "--wait=hv sync"
ok "chassis registered (ovn-bridge-mappings $(sbctl get Chassis brint-demo other_config:ovn-bridge-mappings)), 7 ports claimed, ovn-nbctl --wait=hv sync returned"
ok "ovn0: $(ip -br addr show dev ovn0 | tr -s ' '), mtu $(cat /sys/class/net/ovn0/mtu); $(ip route show 10.16.0.0/16)"
ctl binding list | sed 's/^/    /'
ctl --json lflow stats | python3 -c "
import json, sys
s = json.load(sys.stdin)
print(f\"    {s['flows']} logical flows compiled into {s['rules']} rules, {s['skipped']} skipped (generation {s['generation']})\")"

for p in $PODS; do
	mac=${MAC[$p]}
	[ $p = spoof ] && mac=00:00:00:00:09:99 # not what port security allows
	ip link set "${IF[$p]}" netns "${NS[$p]}" || fail "cannot move ${IF[$p]}"
	ip -n "${NS[$p]}" link set "${IF[$p]}" address "$mac"
	ip -n "${NS[$p]}" addr add "${IP[$p]}/${PLEN[$p]}" dev "${IF[$p]}"
	ip -n "${NS[$p]}" link set "${IF[$p]}" up
	ip -n "${NS[$p]}" route add default via "${GW[$p]}"
done

say "traffic"
ping_ok() {
	if ip netns exec "${NS[$1]}" ping -c 3 -i 0.2 -W 2 "$2" >"$T/ping.out" 2>&1; then
		ok "$3: $(grep -o '[0-9]* received' "$T/ping.out"), $(grep -o 'ttl=[0-9]*' "$T/ping.out" | head -1)"
	else
		fail "$3 failed: $(tail -n 2 "$T/ping.out")"
	fi
}
ping_fails() { # ping_fails NS|- DEST WHAT
	local cmd=(ping -c 2 -i 0.3 -W 1 "$2")
	[ "$1" = - ] || cmd=(ip netns exec "${NS[$1]}" "${cmd[@]}")
	if "${cmd[@]}" >/dev/null 2>&1; then
		fail "$3: it got through"
	fi
	ok "$3: no reply"
}
ping_ok pod1 "${IP[pod2]}" "pod1 -> pod2, same switch (ovn-default)"
ping_ok pod2 "${IP[pod1]}" "pod2 -> pod1"
report "pod <-> pod, same subnet" "ok (ping both ways)"
ping_ok pod1 "${IP[pod3]}" "pod1 (10.16.0.0/16) -> pod3 (10.17.0.0/16) across router ovn-cluster"
ping_ok pod1 10.16.0.1 "pod1 -> its gateway 10.16.0.1 (answered by ovn-cluster's flows)"
report "pod <-> pod across the router, pod -> router" "ok (ttl=63; gateway answers)"
head -c 1048576 /dev/urandom >"$T/blob"
ip netns exec "${NS[pod3]}" timeout 10 nc -l -p 5001 >"$T/blob.rx" &
PIDS+=($!)
WAIT=10 wait_for "ip netns exec ${NS[pod3]} ss -ltn | grep -q ':5001 '" || fail "nc -l in pod3"
ip netns exec "${NS[pod1]}" timeout 10 nc -N "${IP[pod3]}" 5001 <"$T/blob" || fail "nc"
wait_for "[ \$(stat -c %s '$T/blob.rx') = 1048576 ]" || fail "TCP transfer incomplete"
cmp -s "$T/blob" "$T/blob.rx" && ok "1 MB over TCP pod1 -> pod3 across the router, contents identical" ||
	fail "TCP transfer corrupted"
report "TCP pod -> pod across the router" "ok (1 MB, identical)"

# host <-> pod through join and ovn0
if ping -c 3 -i 0.2 -W 2 "${IP[pod1]}" >"$T/ping.out" 2>&1; then
	ok "node -> pod1 through ovn0: $(grep -o '[0-9]* received' "$T/ping.out"), $(grep -o 'ttl=[0-9]*' "$T/ping.out" | head -1)"
else
	fail "node -> pod1 through ovn0: $(tail -n 2 "$T/ping.out")"
fi
ping_ok pod3 "$NODE_JOIN" "pod3 -> the node's join address $NODE_JOIN"
[ -z "$NODE_IP" ] || ping_ok pod1 "$NODE_IP" "pod1 -> the node's own address $NODE_IP (router route to $NODE_JOIN)"
# pod2 serves HTTP on 8080 and accepts-and-closes on 9000 (a TCP probe's target)
ip netns exec "${NS[pod2]}" python3 -u -m http.server 8080 --bind "${IP[pod2]}" -d "$T" >/dev/null 2>&1 </dev/null &
PIDS+=($!)
ip netns exec "${NS[pod2]}" python3 -u -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('${IP[pod2]}', 9000)); s.listen(128)
while True:
    c, _ = s.accept(); c.close()
" >/dev/null 2>&1 </dev/null &
PIDS+=($!)
WAIT=20 wait_for "ip netns exec ${NS[pod2]} ss -ltn | grep -q ':8080 .*' && ip netns exec ${NS[pod2]} ss -ltn | grep -q ':9000 '" ||
	fail "servers in pod2"
probe=$(python3 - "${IP[pod2]}" <<'PY'
import socket, sys, time, urllib.request
fails, t0 = 0, time.monotonic()
for i in range(1000):
    try:
        socket.create_connection((sys.argv[1], 9000), timeout=2).close()
    except OSError:
        fails += 1
t = time.monotonic() - t0
code = urllib.request.urlopen(f"http://{sys.argv[1]}:8080/blob", timeout=5).status
print(f"{1000 - fails}/1000 TCP connects in {t:.2f} s, HTTP GET {code}")
PY
) || fail "probes"
ok "kubelet-style probes node -> pod2:8080: $probe"
report "host <-> pod (join, ovn0)" "ok (ping both ways; probes $probe)"

# underlay: VLAN 100 on the provider NIC
ping_ok ulpod 172.20.100.1 "underlay pod (172.20.100.11) -> its external peer 172.20.100.1 on VLAN 100"
if ip netns exec $EXT ping -c 3 -i 0.2 -W 2 172.20.100.11 >"$T/ping.out" 2>&1; then
	ok "external peer -> underlay pod: $(grep -o '[0-9]* received' "$T/ping.out")"
else
	fail "external -> underlay pod: $(tail -n 2 "$T/ping.out")"
fi
report "underlay pod <-> external peer (VLAN 100)" "ok (ping both ways, tag pushed and popped)"

# the custom VPC: its own router answers, nothing else reaches it
ping_ok vpcpod 10.0.1.1 "vpcpod -> its VPC's router vpc-a (10.0.1.1)"
ip -n "${NS[vpcpod]}" route add 10.16.0.0/16 via 10.0.1.1 2>/dev/null
ping_fails vpcpod "${IP[pod1]}" "vpcpod -> pod1 in the default VPC"
ping_fails pod1 "${IP[vpcpod]}" "pod1 -> vpcpod"
report "custom VPC isolated from the default VPC" "ok (no path either way)"
ping_fails vpcpod "$NODE_JOIN" "vpcpod -> the node ($NODE_JOIN)"
ping_fails - "${IP[vpcpod]}" "the node -> vpcpod"
report "custom VPC <-> host" "none (the seed's limitation, as it stands)"

if ip netns exec "${NS[spoof]}" ping -c 2 -W 1 "${IP[pod1]}" >/dev/null 2>&1; then
	fail "the spoofed pod got through"
fi
ok "pod 'spoof' with a MAC port security does not allow: nothing through"
report "spoofed MAC dropped by port security" "ok"

say "report"
for l in "${REPORT[@]}"; do printf '    %s\n' "$l"; done

say "brintctl trace: pod1 -> pod3 across the router, one packet, stage by stage"
ctl trace pod1 "eth.src == ${MAC[pod1]} && eth.dst == 00:00:00:a1:00:01 && ip4.src == ${IP[pod1]} && \
ip4.dst == ${IP[pod3]} && ip.ttl == 64 && icmp4.type == 8" | sed 's/^/    /'

say "brintctl pmd stats (per reason drops, cycles per packet)"
ctl pmd stats | sed 's/^/    /'
say "brintctl engine stats"
ctl engine stats | sed 's/^/    /'
say "brintctl flows dump (the megaflows the slow path installed)"
ctl flows dump | sed 's/^/    /'
say "done: everything started here is stopped and removed on exit"
