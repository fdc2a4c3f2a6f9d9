#!/usr/bin/env bash
# Learning through the SB, as ovn-controller does it, on kube-ovn's default VPC with a real
# northd and pods as kernel network namespaces on brint tap ports:
#  1. MAC_Binding: pod2 announces an address OVN does not know (10.16.0.99, a gratuitous ARP);
#     the router's lr_in_lookup_neighbor/lr_in_learn_neighbor flows (lookup_arp, put_arp) make
#     brintd write the MAC_Binding row (logical_port ovn-cluster-ovn-default, ip, mac).
#  2. A static route whose next hop is that address: node1 (join) pings 172.31.0.1 behind it,
#     and the router's lr_in_arp_resolve (get_arp from the learned MAC_Binding) sends it to
#     pod2's MAC.
#  3. The address moves to pod3 (its own gratuitous ARP): the row is updated with pod3's MAC
#     and the route follows; a move within the 2 s hold-down is written when it ends.
#  4. FDB: pod4 has addresses "unknown"; its traffic makes brintd write an FDB row (put_fdb),
#     and a frame to its MAC is then forwarded by get_fdb (ls_in_l2_lkup), not flooded as
#     unknown.
#  5. IPv6: an unsolicited neighbour advertisement becomes a MAC_Binding row (put_nd).
#  6. Static_MAC_Binding: used by get_arp, below a learned binding unless override_dynamic_mac.
. "$(dirname "$0")/lib.sh"
setup
start_ovn
kube_ovn_default_vpc
declare -A SW=([pod1]=ovn-default [pod2]=ovn-default [pod3]=ovn-default [pod4]=ovn-default
	[node1]=join)
declare -A MAC=([pod1]=00:00:00:00:01:01 [pod2]=00:00:00:00:01:02 [pod3]=00:00:00:00:01:03
	[pod4]=00:00:00:00:01:04 [node1]=00:00:00:00:64:02)
declare -A IP=([pod1]=10.16.0.11 [pod2]=10.16.0.12 [pod3]=10.16.0.13 [pod4]=10.16.0.44
	[node1]=100.64.0.2)
declare -A GW=([pod1]=10.16.0.1 [pod2]=10.16.0.1 [pod3]=10.16.0.1 [pod4]=10.16.0.1
	[node1]=100.64.0.1)
PODS="pod1 pod2 pod3 pod4 node1"
NH=10.16.0.99 # the next hop pod2, then pod3, answers for; OVN knows no port with it
for p in $PODS; do
	case $p in
	pod2 | pod3) # port security on the MAC only: they may speak for other addresses
		nbctl lsp-add "${SW[$p]}" "$p" -- lsp-set-addresses "$p" "${MAC[$p]} ${IP[$p]}" \
			-- lsp-set-port-security "$p" "${MAC[$p]}" || fail "lsp-add $p" ;;
	pod4) # an "unknown" port: its MAC is learned into the FDB
		nbctl lsp-add "${SW[$p]}" "$p" -- lsp-set-addresses "$p" unknown || fail "lsp-add $p" ;;
	*)
		nbctl lsp-add "${SW[$p]}" "$p" -- lsp-set-addresses "$p" "${MAC[$p]} ${IP[$p]}" \
			-- lsp-set-port-security "$p" "${MAC[$p]} ${IP[$p]}" || fail "lsp-add $p" ;;
	esac
done
nbctl lr-route-add ovn-cluster 172.31.0.0/24 "$NH" || fail "lr-route-add"

tap_pods t $PODS
start_brintd_ovn "$TAP_PORTS" $PODS
tap_pods_up $PODS

# a gratuitous ARP (request, sender = target = ip) sent from a namespace on its interface
garp() { # garp POD IP
	ip netns exec "${NS[$1]}" python3 - "${IF[$1]}" "${MAC[$1]}" "$2" <<'PY' || fail "garp $1 $2"
import socket, sys
ifname, mac, ip = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), socket.inet_aton(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
frame = b'\xff' * 6 + mac + b'\x08\x06' + b'\x00\x01\x08\x00\x06\x04\x00\x01' + mac + ip + b'\x00' * 6 + ip
s.send(frame + b'\x00' * (60 - len(frame)))
PY
}
mb_row() { # the MAC_Binding row of an ip: "logical_port mac"
	sbctl --bare --columns=logical_port,mac find MAC_Binding ip="$1" | tr '\n' ' ' | xargs
}
lstat() { ctl --json learn stats | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }

# 1. the router learns pod2 as 10.16.0.99 from its gratuitous ARP (flooded to the router port)
[ -z "$(mb_row $NH)" ] || fail "a MAC_Binding for $NH before any ARP: $(mb_row $NH)"
ctl learn stats >/dev/null || fail "learn stats: $(ctl learn stats 2>&1)"
ip -n "${NS[pod2]}" addr add "$NH/16" dev "${IF[pod2]}" || fail "second address on pod2"
ip -n "${NS[pod2]}" addr add 172.31.0.1/32 dev lo || fail "172.31.0.1 on pod2"
garp pod2 "$NH"
WAIT=10 wait_for "[ \"\$(mb_row $NH)\" = 'ovn-cluster-ovn-default ${MAC[pod2]}' ]" ||
	fail "no MAC_Binding for $NH -> ${MAC[pod2]}: '$(mb_row $NH)'; learn: $(ctl learn stats | tr '\n' ' '); engine: $(ctl engine stats | tr '\n' ' ')"
dp_uuid=$(sbctl --bare --columns=datapath find MAC_Binding ip="$NH")
[ "$dp_uuid" = "$(sbctl --bare --columns=_uuid find Datapath_Binding external_ids:name=ovn-cluster)" ] ||
	fail "MAC_Binding datapath $dp_uuid is not ovn-cluster's"
[ "$(sbctl --bare --columns=timestamp find MAC_Binding ip="$NH")" -gt 0 ] ||
	fail "MAC_Binding timestamp not set: $(sbctl list MAC_Binding)"
[ "$(lstat 's["written"]')" -ge 1 ] && [ "$(lstat 's["posted"]')" -ge 1 ] &&
	[ "$(lstat 's["failed"]')" = 0 ] || fail "learn stats: $(ctl learn stats | tr '\n' ' ')"
pass "gratuitous ARP from pod2 for $NH -> MAC_Binding (ovn-cluster-ovn-default, $NH, ${MAC[pod2]}) on ovn-cluster with a timestamp; learn: $(lstat '"posted %d written %d deduped %d" % (s["posted"], s["written"], s["deduped"])')"

# a pod ARPing its gateway: the router learns it too (lr_in_lookup_neighbor's flow for ARP
# requests from its subnet)
ctl --json trace tap-pod2 "eth.src == ${MAC[pod2]} && eth.dst == ff:ff:ff:ff:ff:ff && arp.op == 1 && \
arp.sha == ${MAC[pod2]} && arp.spa == ${IP[pod2]} && arp.tpa == ${GW[pod2]}" >"$T/trace_gw.json" ||
	fail "trace of pod2's ARP for its gateway"
log "pod2 ARPs its gateway: $(python3 -c "import json; t=json.load(open('$T/trace_gw.json')); print(t['actions'], [(s['datapath'], s['stage']) for s in t['stages']][-3:])")"

# brintctl trace shows the learn action a gratuitous ARP's megaflow carries (nothing posted)
lr_key=$(sbctl --bare --columns=tunnel_key find Datapath_Binding external_ids:name=ovn-cluster)
lrp_key=$(sbctl --bare --columns=tunnel_key find Port_Binding logical_port=ovn-cluster-ovn-default)
ctl --json trace tap-pod3 "eth.src == ${MAC[pod3]} && eth.dst == ff:ff:ff:ff:ff:ff && arp.op == 1 && \
arp.sha == ${MAC[pod3]} && arp.spa == 10.16.0.77 && arp.tpa == 10.16.0.77" >"$T/trace_garp.json" ||
	fail "trace of a GARP"
grep -q "learn(arp,dp=$lr_key,port=$lrp_key,ip=10.16.0.77,mac=${MAC[pod3]})" "$T/trace_garp.json" ||
	fail "no learn action in the GARP's trace: $(cat "$T/trace_garp.json")"
[ -z "$(mb_row 10.16.0.77)" ] || fail "a trace wrote a MAC_Binding"
pass "trace of a GARP: $(python3 -c "import json; print(json.load(open('$T/trace_garp.json'))['actions'])")"

# the generation now carries it, and learning it again writes nothing
WAIT=10 wait_for "[ \"\$(ctl --json engine stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"tables\"][\"mac_bindings\"])')\" -ge 1 ]" ||
	fail "engine stats: $(ctl engine stats)"
w0=$(lstat 's["written"]')
garp pod2 "$NH"
sleep 0.5
[ "$(lstat 's["written"]')" = "$w0" ] || fail "the same binding written twice: $(ctl learn stats | tr '\n' ' ')"
[ "$(sbctl --bare --columns=_uuid find MAC_Binding ip="$NH" | wc -l)" = 1 ] ||
	fail "more than one MAC_Binding row for $NH: $(sbctl list MAC_Binding)"
pass "the same gratuitous ARP again: nothing written (the generation has it: lookup_arp hits)"

# 2. the static route's next hop resolved by get_arp from the learned binding
ip netns exec "${NS[node1]}" ping -c 3 -i 0.3 -W 2 172.31.0.1 >"$T/ping.out" 2>&1 ||
	fail "ping node1 -> 172.31.0.1 via $NH failed: $(tail -n 3 "$T/ping.out"); engine: $(ctl engine stats | tr '\n' ' '); flows: $(ctl flows dump)"
grep -q "ttl=63" "$T/ping.out" || fail "replies not routed once: $(cat "$T/ping.out")"
ctl --json trace tap-node1 "eth.src == ${MAC[node1]} && eth.dst == 00:00:00:a1:00:02 && \
ip4.src == ${IP[node1]} && ip4.dst == 172.31.0.1 && ip.ttl == 64 && icmp4.type == 8" >"$T/trace.json" ||
	fail "trace: $(ctl trace tap-node1 'ip4.dst == 172.31.0.1' 2>&1)"
python3 - "$T/trace.json" "${MAC[pod2]}" <<'PY' || fail "trace to 172.31.0.1: $(cat "$T/trace.json")"
import json, sys
t, mac = json.load(open(sys.argv[1])), sys.argv[2]
assert t["output_port"] == "tap-pod2", t.get("output_port")
res = [s for s in t["stages"] if s["stage"] == "lr_in_arp_resolve"]
assert res and "get_arp(outport, reg0)" in res[0]["actions"], res
assert "set(eth.dst=%s)" % mac in t["actions"], t["actions"]
PY
pass "node1 -> 172.31.0.1 via $NH: 3/3 (ttl=63), lr_in_arp_resolve get_arp gave ${MAC[pod2]}"
# ovn-trace, reading the same SB MAC_Binding, predicts the same next hop MAC and port
timeout 30 ovn-trace --db="$OVN_SB" --minimal join "inport == \"node1\" && eth.src == ${MAC[node1]} && \
eth.dst == 00:00:00:a1:00:02 && ip4.src == ${IP[node1]} && ip4.dst == 172.31.0.1 && ip.ttl == 64 && \
icmp4.type == 8" >"$T/ovn-trace.out" 2>&1 || fail "ovn-trace: $(cat "$T/ovn-trace.out")"
grep -q "eth.dst = ${MAC[pod2]}" "$T/ovn-trace.out" && grep -q 'output("pod2")' "$T/ovn-trace.out" ||
	fail "ovn-trace disagrees: $(cat "$T/ovn-trace.out")"
pass "ovn-trace on the same SB agrees: eth.dst = ${MAC[pod2]}, output(\"pod2\")"

# 3. the address moves to pod3: the row is updated (after the hold-down), the route follows
ip -n "${NS[pod2]}" addr del "$NH/16" dev "${IF[pod2]}"
ip -n "${NS[pod2]}" addr del 172.31.0.1/32 dev lo
ip -n "${NS[pod3]}" addr add "$NH/16" dev "${IF[pod3]}" || fail "$NH on pod3"
ip -n "${NS[pod3]}" addr add 172.31.0.1/32 dev lo || fail "172.31.0.1 on pod3"
garp pod3 "$NH"
WAIT=10 wait_for "[ \"\$(mb_row $NH)\" = 'ovn-cluster-ovn-default ${MAC[pod3]}' ]" ||
	fail "MAC_Binding for $NH not moved to ${MAC[pod3]}: '$(mb_row $NH)'; learn: $(ctl learn stats | tr '\n' ' ')"
[ "$(sbctl --bare --columns=_uuid find MAC_Binding ip="$NH" | wc -l)" = 1 ] ||
	fail "the move inserted a second row: $(sbctl list MAC_Binding)"
WAIT=10 wait_for "ip netns exec ${NS[node1]} ping -c 1 -W 1 172.31.0.1 >/dev/null" ||
	fail "node1 -> 172.31.0.1 after the move: $(ctl trace tap-node1 "ip4.src == ${IP[node1]} && ip4.dst == 172.31.0.1 && eth.src == ${MAC[node1]} && eth.dst == 00:00:00:a1:00:02 && ip.ttl == 64")"
pass "$NH moved to pod3: the row updated to ${MAC[pod3]}, traffic follows; learn: $(lstat '"written %d held_down %d" % (s["written"], s["held_down"])')"

# a move within the hold-down: written once the hold-down ends, not lost
h0=$(lstat 's["held_down"]')
garp pod2 10.16.0.96
WAIT=5 wait_for "[ \"\$(mb_row 10.16.0.96)\" = 'ovn-cluster-ovn-default ${MAC[pod2]}' ]" ||
	fail "no MAC_Binding for 10.16.0.96: '$(mb_row 10.16.0.96)'"
garp pod3 10.16.0.96
sleep 0.3
[ "$(lstat 's["held_down"]')" -gt "$h0" ] || fail "the quick move was not held down: $(ctl learn stats | tr '\n' ' ')"
WAIT=10 wait_for "[ \"\$(mb_row 10.16.0.96)\" = 'ovn-cluster-ovn-default ${MAC[pod3]}' ]" ||
	fail "the held-down move was lost: '$(mb_row 10.16.0.96)'; $(ctl learn stats | tr '\n' ' ')"
pass "a move within the 2 s hold-down (one GARP) is held, then written: 10.16.0.96 -> ${MAC[pod3]}"

# 4. FDB: pod4 ("unknown" addresses) sends, its MAC is learned on ovn-default
ls_key=$(sbctl --bare --columns=tunnel_key find Datapath_Binding external_ids:name=ovn-default)
pod4_key=$(sbctl --bare --columns=tunnel_key find Port_Binding logical_port=pod4)
ip netns exec "${NS[pod4]}" ping -c 2 -i 0.3 -W 2 "${IP[pod1]}" >"$T/ping4.out" 2>&1 ||
	fail "pod4 -> pod1 failed: $(tail -n 3 "$T/ping4.out")"
fdb_row() { sbctl --bare --columns=dp_key,port_key find FDB "mac=\"${MAC[pod4]}\"" | tr '\n' ' ' | xargs; }
WAIT=10 wait_for "[ \"\$(fdb_row)\" = '$ls_key $pod4_key' ]" ||
	fail "no FDB row for ${MAC[pod4]} -> ($ls_key, $pod4_key): '$(fdb_row)'; $(sbctl list FDB); learn: $(ctl learn stats | tr '\n' ' ')"
WAIT=10 wait_for "[ \"\$(ctl --json engine stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"tables\"][\"fdb\"])')\" -ge 1 ]" ||
	fail "engine stats: $(ctl engine stats)"
ctl --json trace tap-pod1 "eth.src == ${MAC[pod1]} && eth.dst == ${MAC[pod4]} && \
ip4.src == ${IP[pod1]} && ip4.dst == ${IP[pod4]} && ip.ttl == 64 && icmp4.type == 8" >"$T/trace4.json" ||
	fail "trace to pod4"
python3 - "$T/trace4.json" <<'PY' || fail "trace to pod4: $(cat "$T/trace4.json")"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["output_port"] == "tap-pod4", t.get("output_port")
unk = [s for s in t["stages"] if s["stage"] == "ls_in_l2_unknown"]
# get_fdb found the port: the priority-0 "output;", not the "outport == \"none\"" flood
assert unk and unk[0]["priority"] == 0, unk
PY
pass "FDB row (dp $ls_key, ${MAC[pod4]}, port $pod4_key) written from pod4's traffic; frames to it go by get_fdb; learn: $(lstat '"written %s" % s["written_by_kind"]')"
# 5. IPv6: the router port gets an IPv6 network; pod2 sends an unsolicited neighbour
# advertisement (to ff02::1, hop limit 255, target option with its MAC): the router's
# lookup_nd / put_nd make brintd write the MAC_Binding with the IPv6 address as text
nbctl set logical_router_port ovn-cluster-ovn-default \
	networks='"10.16.0.1/16" "fd00:10:16::1/64"' || fail "IPv6 on the router port"
WAIT=30 wait_for timeout 25 ovn-nbctl --db="$OVN_NB" --wait=hv sync || fail "sync after IPv6"
ip netns exec "${NS[pod2]}" python3 - "${IF[pod2]}" "${MAC[pod2]}" fd00:10:16::99 <<'PY' ||
import socket, struct, sys
ifname, mac, target = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), sys.argv[3]
idx = socket.if_nametoindex(ifname)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
na = struct.pack('!BBHI', 136, 0, 0, 0x20000000) + socket.inet_pton(socket.AF_INET6, target)
na += bytes([2, 1]) + mac  # target link-layer address option
s.sendto(na, ('ff02::1', 0, 0, idx))  # the kernel fills in the ICMPv6 checksum
PY
	fail "cannot send the NA from pod2"
WAIT=10 wait_for "[ \"\$(sbctl --bare --columns=logical_port,mac find MAC_Binding ip='\"fd00:10:16::99\"' | xargs)\" = 'ovn-cluster-ovn-default ${MAC[pod2]}' ]" ||
	fail "no MAC_Binding for fd00:10:16::99: $(sbctl list MAC_Binding); learn: $(ctl learn stats | tr '\n' ' '); engine: $(ctl engine stats | tr '\n' ' ')"
[ "$(lstat 's["written_by_kind"]["nd"]')" -ge 1 ] || fail "learn stats: $(ctl learn stats)"
pass "unsolicited NA from pod2 -> MAC_Binding (ovn-cluster-ovn-default, fd00:10:16::99, ${MAC[pod2]}) by put_nd"

# 6. Static_MAC_Binding: learned bindings (100) win over static ones (50) unless the static one
# has override_dynamic_mac (150), as ovn-controller's priorities say
out_port() { # where node1's ping to $1 leaves, by brintctl trace
	ctl --json trace tap-node1 "eth.src == ${MAC[node1]} && eth.dst == 00:00:00:a1:00:02 && \
ip4.src == ${IP[node1]} && ip4.dst == $1 && ip.ttl == 64 && icmp4.type == 8" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("output_port"))'
}
nbctl lr-route-add ovn-cluster 172.31.1.0/24 10.16.0.98 || fail "lr-route-add 172.31.1.0/24"
nbctl static-mac-binding-add ovn-cluster-ovn-default 10.16.0.98 "${MAC[pod2]}" ||
	fail "static-mac-binding-add"
ip -n "${NS[pod2]}" addr add 172.31.1.1/32 dev lo || fail "172.31.1.1 on pod2"
WAIT=10 wait_for "[ \"\$(out_port 172.31.1.1)\" = tap-pod2 ]" ||
	fail "static binding not used: $(out_port 172.31.1.1); $(sbctl list Static_MAC_Binding)"
ip netns exec "${NS[node1]}" ping -c 2 -i 0.3 -W 2 172.31.1.1 >"$T/ping5.out" 2>&1 ||
	fail "node1 -> 172.31.1.1 via the static binding: $(tail -n 3 "$T/ping5.out")"
ip -n "${NS[pod3]}" addr add 10.16.0.98/16 dev "${IF[pod3]}" || fail "10.16.0.98 on pod3"
garp pod3 10.16.0.98
WAIT=10 wait_for "[ \"\$(mb_row 10.16.0.98)\" = 'ovn-cluster-ovn-default ${MAC[pod3]}' ]" ||
	fail "no learned binding for 10.16.0.98: '$(mb_row 10.16.0.98)'"
WAIT=10 wait_for "[ \"\$(out_port 172.31.1.1)\" = tap-pod3 ]" ||
	fail "the learned binding does not win over the static one: $(out_port 172.31.1.1)"
nbctl set static_mac_binding "$(nbctl --bare --columns=_uuid find static_mac_binding ip=10.16.0.98)" \
	override_dynamic_mac=true || fail "override_dynamic_mac"
WAIT=10 wait_for "[ \"\$(out_port 172.31.1.1)\" = tap-pod2 ]" ||
	fail "override_dynamic_mac does not win: $(out_port 172.31.1.1)"
ip netns exec "${NS[node1]}" ping -c 2 -i 0.3 -W 2 172.31.1.1 >"$T/ping5.out" 2>&1 ||
	fail "node1 -> 172.31.1.1 with the override: $(tail -n 3 "$T/ping5.out")"
pass "Static_MAC_Binding 10.16.0.98 -> pod2 used; a learned one (pod3) wins over it; with override_dynamic_mac the static one wins again"

log "learn stats: $(ctl learn stats | tr '\n' ' ')"
log "MAC_Binding: $(sbctl --bare --columns=logical_port,ip,mac list MAC_Binding | tr '\n' ' ')"
log "engine stats: $(ctl engine stats | tr '\n' ' ')"
