#!/usr/bin/env bash
# The packets waiting for a neighbour (dp/nbuf.h): kube-ovn's default VPC on a real northd, a
# pod on ovn-default and one on join whose address OVN does not know (addresses "unknown": the
# router has no static binding for it, and no MAC_Binding exists yet), both kernel network
# namespaces on brint tap ports.
#  1. brintctl trace says the first packet to it would be buffered;
#  2. `ping -c 1 -W 3` pod1 -> node1: the router's arp { } asks for node1, the packet that
#     triggered it is held in the PMD, node1's ARP reply becomes a MAC_Binding row, the new
#     pipeline generation has it and the PMD sends the echo on: its reply arrives (before the
#     buffer, the one echo was dropped as pktgen_replaced and this ping failed);
#     the same over IPv6 (nd_ns { }, the NA learned by put_nd);
#  3. counters: buffered and reinjected, nothing held after, nbuf_* drops 0;
#  4. unused addresses of join: 6 packets to one (4 held, 2 overflows) and 1 to another are
#     held, then dropped as expired 10 s later, counted under nbuf_overflow and nbuf_expired;
#  5. a held packet whose input port is removed is dropped with it.
. "$(dirname "$0")/lib.sh"
setup
start_ovn
kube_ovn_default_vpc
declare -A SW=([pod1]=ovn-default [node1]=join)
declare -A MAC=([pod1]=00:00:00:00:01:01 [node1]=00:00:00:00:64:02)
declare -A IP=([pod1]=10.16.0.11 [node1]=100.64.0.2)
declare -A GW=([pod1]=10.16.0.1 [node1]=100.64.0.1)
declare -A IP6=([pod1]=fd00:10:16::11 [node1]=fd00:100:64::2)
declare -A GW6=([pod1]=fd00:10:16::1 [node1]=fd00:100:64::1)
nbctl set logical_router_port ovn-cluster-ovn-default \
	networks='"10.16.0.1/16" "fd00:10:16::1/64"' || fail "IPv6 on ovn-cluster-ovn-default"
nbctl set logical_router_port ovn-cluster-join \
	networks='"100.64.0.1/16" "fd00:100:64::1/64"' || fail "IPv6 on ovn-cluster-join"
nbctl lsp-add ovn-default pod1 -- lsp-set-addresses pod1 "${MAC[pod1]} ${IP[pod1]} ${IP6[pod1]}" \
	-- lsp-set-port-security pod1 "${MAC[pod1]} ${IP[pod1]} ${IP6[pod1]}" || fail "lsp-add pod1"
nbctl lsp-add join node1 -- lsp-set-addresses node1 unknown || fail "lsp-add node1"

tap_pods n pod1 node1
start_brintd_ovn "$TAP_PORTS" pod1 node1

tap_pods_up pod1 node1
for p in pod1 node1; do
	ip -n "${NS[$p]}" addr add "${IP6[$p]}/64" dev "${IF[$p]}" nodad || fail "IPv6 address $p"
	ip -n "${NS[$p]}" -6 route add default via "${GW6[$p]}" || fail "IPv6 default route $p"
done
mb_row() { sbctl --bare --columns=logical_port,mac find MAC_Binding ip="\"$1\"" | tr '\n' ' ' | xargs; }
nbuf() { # nbuf FIELD: pmd stats' nbuf[FIELD] summed over the PMDs
	ctl --json pmd stats | python3 -c "import json,sys; print(sum(p['nbuf']['$1'] for p in json.load(sys.stdin)))"
}
drops() { # drops REASON: summed over the PMDs
	ctl --json pmd stats | python3 -c "import json,sys; print(sum(p['drops']['$1'] for p in json.load(sys.stdin)))"
}
[ -z "$(mb_row "${IP[node1]}")" ] || fail "a MAC_Binding for ${IP[node1]} before any traffic: $(mb_row "${IP[node1]}")"
# pod1 resolves its gateway first (OVN's ARP responder on the switch): the echo below is then
# the first packet the router sees for node1
in_pod pod1 arping -c 1 -w 2 -I "${IF[pod1]}" "${GW[pod1]}" >/dev/null 2>&1 ||
	in_pod pod1 ping -c 1 -W 1 "${GW[pod1]}" >/dev/null 2>&1 || fail "pod1 cannot reach its gateway"

# 1. the trace of that echo: packet mode, an ARP request for node1, the echo buffered
ctl --json trace tap-pod1 "eth.src == ${MAC[pod1]} && eth.dst == 00:00:00:a1:00:01 && \
ip4.src == ${IP[pod1]} && ip4.dst == ${IP[node1]} && ip.ttl == 64 && icmp4.type == 8" >"$T/trace.json" ||
	fail "trace: $(ctl trace tap-pod1 "ip4.dst == ${IP[node1]}" 2>&1)"
python3 - "$T/trace.json" "${IP[node1]}" <<'PY' || fail "trace: $(cat "$T/trace.json")"
import json, sys
t = json.load(open(sys.argv[1]))
pm = t["packet_mode"]
assert [g["action"] for g in pm["generated"]] == ["arp"], pm["generated"]
assert pm["received_packet"].startswith("buffered: waits for the MAC binding of " + sys.argv[2] + " "), pm
PY
pass "1. brintctl trace: $(python3 -c "import json; print(json.load(open('$T/trace.json'))['packet_mode']['received_packet'])" "$T/trace.json")"
[ -z "$(mb_row "${IP[node1]}")" ] || fail "the trace wrote a MAC_Binding"

# 2. the first echo to node1 gets its reply
ctl pmd stats --clear >/dev/null
in_pod pod1 ping -c 1 -W 3 "${IP[node1]}" >"$T/ping.out" 2>&1 ||
	fail "2. the first echo pod1 -> node1 got no reply: $(tail -n 2 "$T/ping.out"); MAC_Binding '$(mb_row "${IP[node1]}")'; pmd: $(ctl --json pmd stats | python3 -c 'import json,sys; p=json.load(sys.stdin); print([x["nbuf"] for x in p], [{k: v for k, v in x["drops"].items() if v} for x in p])'); learn: $(ctl learn stats | tr '\n' ' ')"
grep -q "ttl=63" "$T/ping.out" || fail "reply not routed: $(cat "$T/ping.out")"
[ "$(mb_row "${IP[node1]}")" = "ovn-cluster-join ${MAC[node1]}" ] ||
	fail "MAC_Binding of ${IP[node1]}: '$(mb_row "${IP[node1]}")'"
pass "2. ping -c 1 -W 3 pod1 -> node1 with no MAC_Binding yet: $(grep -o 'time=[0-9.]* ms' "$T/ping.out") (the arp request, the learned binding, the held echo sent on)"

# 2b. IPv6: nd_ns { } for node1's address, its NA learned (put_nd), the echo sent on
[ -z "$(mb_row "${IP6[node1]}")" ] || fail "a MAC_Binding for ${IP6[node1]} before any traffic"
in_pod pod1 ping -6 -c 1 -W 2 "${GW6[pod1]}" >/dev/null 2>&1 || fail "pod1 cannot reach ${GW6[pod1]}"
in_pod pod1 ping -6 -c 1 -W 3 "${IP6[node1]}" >"$T/ping6.out" 2>&1 ||
	fail "2b. the first echo pod1 -> node1 (IPv6) got no reply: $(tail -n 2 "$T/ping6.out"); MAC_Binding '$(mb_row "${IP6[node1]}")'; pmd: $(ctl --json pmd stats | python3 -c 'import json,sys; p=json.load(sys.stdin); print([x["nbuf"] for x in p], [{k: v for k, v in x["drops"].items() if v} for x in p])')"
[ "$(mb_row "${IP6[node1]}")" = "ovn-cluster-join ${MAC[node1]}" ] ||
	fail "MAC_Binding of ${IP6[node1]}: '$(mb_row "${IP6[node1]}")'; rows: $(sbctl --bare --columns=logical_port,ip,mac list MAC_Binding | tr '\n' ' '); pmd: $(ctl --json pmd stats | python3 -c 'import json,sys; print([p["nbuf"] for p in json.load(sys.stdin)])')"
[ "$(nbuf buffered)" -ge 2 ] && [ "$(nbuf reinjected)" -ge 2 ] ||
	fail "2b. the IPv6 echo was not held and sent on: $(ctl --json pmd stats | python3 -c 'import json,sys; print([p["nbuf"] for p in json.load(sys.stdin)])')"
pass "2b. ping -6 -c 1 -W 3 pod1 -> node1 with no MAC_Binding yet: $(grep -o 'time=[0-9.]* ms' "$T/ping6.out") (nd_ns, put_nd, the held echo sent on)"

# 3. the counters
[ "$(nbuf buffered)" -ge 1 ] && [ "$(nbuf reinjected)" -ge 1 ] && [ "$(nbuf held)" = 0 ] &&
	[ "$(nbuf expired)" = 0 ] && [ "$(nbuf overflow)" = 0 ] ||
	fail "3. nbuf counters: $(ctl --json pmd stats | python3 -c 'import json,sys; print([p["nbuf"] for p in json.load(sys.stdin)])')"
for r in nbuf_overflow nbuf_expired nbuf_unresolved; do
	[ "$(drops $r)" = 0 ] || fail "3. $r drops: $(drops $r)"
done
pass "3. pmd stats nbuf: $(ctl --json pmd stats | python3 -c 'import json,sys; print([p["nbuf"] for p in json.load(sys.stdin)])')"
# the reply path and the route are cached now: more echoes, no more buffering
in_pod pod1 ping -c 3 -i 0.2 -W 2 "${IP[node1]}" >/dev/null 2>&1 || fail "later echoes pod1 -> node1"
[ "$(nbuf buffered)" = "$(nbuf reinjected)" ] || fail "later echoes were buffered"

# 4. no one answers 100.64.0.98 and .99: held, then expired; the 5th and 6th packet to .98
# evict the oldest
ctl pmd stats --clear >/dev/null
in_pod pod1 ping -c 1 -W 1 100.64.0.99 >/dev/null 2>&1 && fail "100.64.0.99 answered"
in_pod pod1 ping -c 6 -i 0.2 -W 1 100.64.0.98 >/dev/null 2>&1 && fail "100.64.0.98 answered"
[ "$(nbuf buffered)" = 7 ] && [ "$(nbuf held)" = 5 ] && [ "$(nbuf overflow)" = 2 ] &&
	[ "$(drops nbuf_overflow)" = 2 ] ||
	fail "4. held: $(ctl --json pmd stats | python3 -c 'import json,sys; p=json.load(sys.stdin); print([x["nbuf"] for x in p], [{k: v for k, v in x["drops"].items() if v} for x in p])')"
pass "4. unanswered next hops: 7 buffered, 5 held (4 + 1), 2 overflows"
WAIT=15 wait_for "[ \"\$(nbuf held)\" = 0 ]" || fail "4. still held after 15 s: $(nbuf held)"
[ "$(nbuf expired)" = 5 ] && [ "$(drops nbuf_expired)" = 5 ] && [ "$(nbuf reinjected)" = 0 ] ||
	fail "4. expiry: $(ctl --json pmd stats | python3 -c 'import json,sys; p=json.load(sys.stdin); print([x["nbuf"] for x in p], [{k: v for k, v in x["drops"].items() if v} for x in p])')"
pass "4. after the 10 s timeout: 5 expired (nbuf_expired), nothing held"
# 5. the input port of a held packet goes away: its packet is dropped at once (its id may be
# given to the next port), not 10 s later
ctl pmd stats --clear >/dev/null
in_pod pod1 ping -c 1 -W 1 100.64.0.97 >/dev/null 2>&1 && fail "100.64.0.97 answered"
[ "$(nbuf held)" = 1 ] || fail "5. not held: $(nbuf held)"
ctl port del tap-pod1 >/dev/null || fail "port del tap-pod1"
WAIT=3 wait_for "[ \"\$(nbuf held)\" = 0 ]" || fail "5. still held after its port went away"
[ "$(nbuf expired)" = 1 ] && [ "$(nbuf reinjected)" = 0 ] || fail "5. $(nbuf expired) expired"
pass "5. the held packet of a removed port dropped with it (nbuf_expired), not sent on"
log "pmd stats nbuf: $(ctl --json pmd stats | python3 -c 'import json,sys; print([p["nbuf"] for p in json.load(sys.stdin)])')"
