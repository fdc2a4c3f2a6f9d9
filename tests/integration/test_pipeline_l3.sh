#!/usr/bin/env bash
# Across the router: kube-ovn's default VPC on a real northd, a pod on ovn-default and one on
# join as kernel network namespaces on brint tap ports. Each resolves its gateway (the router
# port's address, answered by OVN's ARP-responder flow on the switch) and pings the other
# through switch ingress/egress, the patch port, the router pipeline and the other switch, in
# one slow-path pass: the echo arrives with its TTL decremented and the router's MAC as source.
. "$(dirname "$0")/lib.sh"
setup
start_ovn
kube_ovn_default_vpc
declare -A SW=([pod1]=ovn-default [node1]=join)
declare -A MAC=([pod1]=00:00:00:00:01:01 [node1]=00:00:00:00:64:02)
declare -A IP=([pod1]=10.16.0.11 [node1]=100.64.0.2)
declare -A GW=([pod1]=10.16.0.1 [node1]=100.64.0.1)
for p in pod1 node1; do
	nbctl lsp-add "${SW[$p]}" "$p" -- lsp-set-addresses "$p" "${MAC[$p]} ${IP[$p]}" \
		-- lsp-set-port-security "$p" "${MAC[$p]} ${IP[$p]}" || fail "lsp-add $p"
done

tap_pods t pod1 node1
start_brintd_ovn "$TAP_PORTS" pod1 node1

tap_pods_up pod1 node1

ctl pmd stats --clear >/dev/null
ip netns exec "${NS[pod1]}" ping -c 3 -W 2 "${IP[node1]}" >"$T/ping.out" 2>&1 ||
	fail "ping pod1 -> node1 across ovn-cluster failed: $(tail -n 3 "$T/ping.out"); engine: $(ctl engine stats); flows: $(ctl flows dump)"
grep -q "ttl=63" "$T/ping.out" || fail "replies not decremented once by the router: $(cat "$T/ping.out")"
for p in pod1 node1; do
	neigh=$(ip -n "${NS[$p]}" neigh show "${GW[$p]}")
	[[ $neigh == *"lladdr 00:00:00:a1:00:0"* ]] || fail "$p resolved its gateway to '$neigh'"
done
pass "ping pod1 (ovn-default) -> node1 (join) across the router: 3/3, ttl=63, gateways resolved"

# the router answers pings to its own addresses (OVN's lr_in_ip_input flow: swap the
# addresses, ip.ttl = 255, icmp4.type = 0, back out of the inport)
for p in pod1 node1; do
	ip netns exec "${NS[$p]}" ping -c 3 -i 0.2 -W 2 "${GW[$p]}" >"$T/gw.out" 2>&1 ||
		fail "$p cannot ping its gateway ${GW[$p]}: $(tail -n 3 "$T/gw.out"); engine: $(ctl engine stats | head -20)"
	# ip.ttl = 255, then the reply is routed back out like any packet: one decrement
	grep -q "ttl=254" "$T/gw.out" || fail "gateway replies without ttl=254: $(cat "$T/gw.out")"
done
pass "both pods ping their gateway on ovn-cluster: echo replies built by the router's flow (ttl=255, routed: 254)"

# brintctl trace: the same decision without a packet
ctl --json trace tap-pod1 "eth.src == ${MAC[pod1]} && eth.dst == 00:00:00:a1:00:01 && \
ip4.src == ${IP[pod1]} && ip4.dst == ${IP[node1]} && ip.ttl == 64 && icmp4.type == 8" >"$T/trace.json" ||
	fail "trace: $(ctl trace tap-pod1 "ip4.dst == ${IP[node1]}" 2>&1)"
python3 - "$T/trace.json" <<'PY' || fail "trace: $(cat "$T/trace.json")"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["output_port"] == "tap-node1", t.get("output_port")
names = [(s["datapath"], s["stage"]) for s in t["stages"]]
assert ("ovn-cluster", "lr_in_ip_routing") in names, names
assert ("join", "ls_out_port_sec_l2") in names or any(d == "join" for d, _ in names), names
assert "dec_ttl" in t["actions"] and "output:" in t["actions"], t["actions"]
assert "ip4.dst" in t["megaflow_fields"] and "in_port" in t["megaflow_fields"], t["megaflow_fields"]
PY
ctl trace tap-pod1 "ip4.dst == ${IP[node1]} && eth.src == ${MAC[pod1]}" >/dev/null ||
	fail "trace (text output)"
ctl trace tap-pod1 'ip4.dst == 10.0.0.1 ||' >/dev/null 2>&1 && fail "a broken microflow was accepted"
pass "brintctl trace: $(python3 -c "import json; t=json.load(open('$T/trace.json')); print(len(t['stages']), 'stages, out', t['output_port'], '-', t['actions'])")"

ctl --json flows dump >"$T/flows.json" || fail "flows dump"
python3 - "$T/flows.json" <<'PY' || fail "flows dump: $(ctl flows dump)"
import json, sys
f = [x for pmd in json.load(open(sys.argv[1])) for x in pmd['flows']]
routed = [x for x in f if 'dec_ttl' in x['actions'] and 'set(eth.src=00:00:00:a1:00:0' in x['actions']]
assert len(routed) >= 2, f
assert all('output:' in x['actions'] for x in routed), routed
PY
[ "$(ctl --json engine stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["patch_crossings"])')" -ge 2 ] ||
	fail "engine stats: $(ctl engine stats)"
pass "the megaflows rewrite both MACs, decrement the TTL and output: $(python3 -c "
import json; f=[x for p in json.load(open('$T/flows.json')) for x in p['flows']]
print(next(x['actions'] for x in f if 'dec_ttl' in x['actions']))")"
log "engine stats: $(ctl engine stats | tr '\n' ' ')"
log "slow path: $(ctl --json pmd stats | python3 -c "import json,sys; p=json.load(sys.stdin)[0]; print(p[\"upcalls\"], \"upcalls,\", int(p[\"upcall_cycles_avg\"]), \"cycles each; cycles/packet overall\", int(p[\"cycles_per_packet\"]))")"
