#!/usr/bin/env bash
# The compiled OVN pipeline forwards between pods: kube-ovn's default VPC on a real northd, three
# pods on ovn-default as kernel network namespaces on brint tap ports (iface_id = the logical
# port), no cross-connect. ARP is answered by OVN's ARP-responder flows, ping works both ways
# through brintd's slow path and megaflows, and a pod with a spoofed MAC gets nothing through:
# its frames are dropped by port security and counted.
. "$(dirname "$0")/lib.sh"
setup
start_ovn
kube_ovn_default_vpc
declare -A MAC=([pod1]=00:00:00:00:01:01 [pod2]=00:00:00:00:01:02 [pod3]=00:00:00:00:01:03)
declare -A IP=([pod1]=10.16.0.11 [pod2]=10.16.0.12 [pod3]=10.16.0.13)
for p in pod1 pod2 pod3; do
	nbctl lsp-add ovn-default "$p" -- lsp-set-addresses "$p" "${MAC[$p]} ${IP[$p]}" \
		-- lsp-set-port-security "$p" "${MAC[$p]} ${IP[$p]}" || fail "lsp-add $p"
done

tap_pods t pod1 pod2 pod3
start_brintd_ovn "$TAP_PORTS" pod1 pod2 pod3
estat() { ctl --json engine stats | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }
[ "$(estat 's["pipeline"]')" = True ] || fail "no pipeline generation: $(ctl engine stats)"
[ "$(estat 's["tables"]["local_ports"]')" = 3 ] || fail "engine stats: $(ctl engine stats)"
[ "$(estat 's["tables"]["flows"]')" -gt 100 ] || fail "engine stats: $(ctl engine stats)"
pass "pipeline generation published: $(estat 's["tables"]["flows"]') flows, 3 local ports"

# the pods: interfaces moved into their namespaces with their logical MACs and IPs; pod3 spoofs
for p in pod1 pod2 pod3; do
	mac=${MAC[$p]}
	[ $p = pod3 ] && mac=00:00:00:00:01:99
	ip link set "${IF[$p]}" netns "${NS[$p]}" || fail "cannot move ${IF[$p]}"
	ip -n "${NS[$p]}" link set "${IF[$p]}" address "$mac" || fail "set address $p"
	ip -n "${NS[$p]}" addr add "${IP[$p]}/16" dev "${IF[$p]}"
	ip -n "${NS[$p]}" link set "${IF[$p]}" up || fail "cannot bring ${IF[$p]} up"
done

port_stat() {
	ctl --json pmd stats | python3 -c "
import json, sys
print(sum(p['$2'] for pmd in json.load(sys.stdin) for p in pmd['ports'] if p['port'] == '$1'))"
}
drops() { ctl --json pmd stats | python3 -c "import json,sys; print(sum(p['drops']['$1'] for p in json.load(sys.stdin)))"; }

ctl pmd stats --clear >/dev/null
ip netns exec "${NS[pod1]}" ping -c 3 -W 2 "${IP[pod2]}" >"$T/ping12.out" 2>&1 ||
	fail "ping pod1 -> pod2 failed: $(tail -n 3 "$T/ping12.out"); engine: $(ctl engine stats)"
ip netns exec "${NS[pod2]}" ping -c 3 -W 2 "${IP[pod1]}" >"$T/ping21.out" 2>&1 ||
	fail "ping pod2 -> pod1 failed: $(tail -n 3 "$T/ping21.out")"
for pair in "pod1 pod2" "pod2 pod1"; do
	set -- $pair
	neigh=$(ip -n "${NS[$1]}" neigh show "${IP[$2]}")
	[[ $neigh == *"lladdr ${MAC[$2]}"* ]] ||
		fail "$1 resolved ${IP[$2]} to '$neigh', expected ${MAC[$2]}"
done
rx1=$(port_stat tap-pod1 rx); tx2=$(port_stat tap-pod2 tx)
[ "$rx1" -ge 3 ] && [ "$tx2" -ge 3 ] || fail "brintd counted rx tap-pod1=$rx1 tx tap-pod2=$tx2"
pass "ping pod1 <-> pod2 through the compiled pipeline, ARP answered by OVN's flows; rx tap-pod1=$rx1 tx tap-pod2=$tx2"

# the megaflows: unicast outputs to the pods' ports, the ARP reply's rewrites back to the inport
# (a fresh ARP: SB updates since the first pings published new generations, flushing the caches)
ip -n "${NS[pod1]}" neigh flush all
ip netns exec "${NS[pod1]}" ping -c 2 -W 2 "${IP[pod2]}" >/dev/null 2>&1 || fail "ping after neigh flush"
ctl --json flows dump >"$T/flows.json" || fail "flows dump"
python3 - "$T/flows.json" <<'PY' || fail "flows dump: $(ctl flows dump)"
import json, sys
f = [x for pmd in json.load(open(sys.argv[1])) for x in pmd['flows']]
outs = [x for x in f if 'output:' in x['actions']]
assert len(outs) >= 2, f
assert any(x['packets'] >= 2 and x['actions'].startswith('output:') for x in outs), outs
assert any('set(arp.op=2' in x['actions'] for x in f), f
PY
[ "$(estat 's["outputs"]')" -ge 2 ] || fail "engine stats: $(ctl engine stats)"
pass "flows dump shows the megaflows' outputs and the ARP reply rewrite"

# TCP: 1 MB pod1 -> pod2, checked end to end; no port numbers are consulted on this switch, so
# the whole transfer rides on the megaflows the pings installed (few upcalls)
head -c 1048576 /dev/urandom >"$T/in.bin"
up0=$(pmd_sum upcalls)
ip netns exec "${NS[pod2]}" timeout 60 nc -l "${IP[pod2]}" 5001 >"$T/out.bin" 2>"$T/nc-l.err" &
PIDS+=($!)
nc_l=$!
WAIT=10 wait_for bash -c "ip netns exec ${NS[pod2]} ss -Hltn 'sport = :5001' | grep -q LISTEN" ||
	fail "nc -l did not start listening in pod2"
ip netns exec "${NS[pod1]}" timeout 60 nc -N "${IP[pod2]}" 5001 <"$T/in.bin" 2>"$T/nc.err" ||
	fail "nc pod1 -> pod2 failed: $(cat "$T/nc.err")"
wait "$nc_l" || fail "nc -l exited $?: $(cat "$T/nc-l.err")"
[ "$(sha256sum <"$T/in.bin")" = "$(sha256sum <"$T/out.bin")" ] ||
	fail "TCP: received $(stat -c %s "$T/out.bin") bytes, not the 1048576 sent"
ups=$(($(pmd_sum upcalls) - up0))
[ "$ups" -le 10 ] || fail "the TCP transfer took $ups upcalls"
pass "1 MB over TCP pod1 -> pod2 through the pipeline: checksums match, $ups upcalls"

# an SB change that changes nothing a packet sees (nb_cfg) keeps the generation and the caches:
# the compiler skips the pass (nothing it reads changed), or the engine finds its build unchanged
pub0=$(estat 's["generations_published"]'); same0=$(estat 's["generations_unchanged"]')
lskip() { ctl --json lflow stats | python3 -c "import json,sys; print(json.load(sys.stdin)['skipped_passes'])"; }
skip0=$(lskip)
nflows() { ctl --json flows dump | python3 -c "import json,sys; print(sum(len(p['flows']) for p in json.load(sys.stdin)))"; }
n0=$(nflows)
timeout 25 ovn-nbctl --db="$OVN_NB" --wait=hv sync || fail "--wait=hv sync"
[ "$(estat 's["generations_published"]')" = "$pub0" ] ||
	fail "a no-op SB change republished: $(ctl engine stats)"
[ "$(lskip)" -gt "$skip0" ] || [ "$(estat 's["generations_unchanged"]')" -gt "$same0" ] ||
	fail "a no-op SB change reached neither the compiler nor the engine: $(ctl lflow stats | head -20)"
[ "$(nflows)" -ge "$n0" ] || fail "a no-op SB change flushed the megaflows ($n0 -> $(nflows))"
pass "a no-op SB change keeps the generation and the $n0 cached megaflows (compiler passes skipped: $skip0 -> $(lskip))"

# port security: pod3's spoofed MAC gets nothing through, and its drops are counted
ps0=$(drops port_security)
ip netns exec "${NS[pod3]}" ping -c 3 -W 1 "${IP[pod1]}" >"$T/ping31.out" 2>&1 &&
	fail "pod3 with a spoofed MAC reached pod1: $(tail -n 3 "$T/ping31.out")"
ps1=$(drops port_security)
[ "$ps1" -gt "$ps0" ] || fail "no port_security drops counted: $(ctl pmd stats)"
ip -n "${NS[pod3]}" neigh show "${IP[pod1]}" | grep -q lladdr &&
	fail "pod3 resolved pod1's address: $(ip -n "${NS[pod3]}" neigh show)"
pass "pod3 with a spoofed MAC: nothing through, $((ps1 - ps0)) frames dropped as port_security"
# an unknown destination: pod1 sends to a MAC no port of ovn-default has (and the switch has no
# port with "unknown" addresses): the pipeline drops it (ls_in_l2_unknown), counted as
# lflow_drop, and pod2 receives nothing of it
ip -n "${NS[pod1]}" neigh replace 10.16.0.99 lladdr 0a:00:00:99:99:99 dev "${IF[pod1]}" nud permanent ||
	fail "static neighbour in pod1"
ld0=$(drops lflow_drop); tx0=$(port_stat tap-pod2 tx)
ip netns exec "${NS[pod1]}" ping -c 3 -i 0.2 -W 1 10.16.0.99 >"$T/ping-unknown.out" 2>&1 &&
	fail "a ping to an unknown MAC was answered: $(tail -n 3 "$T/ping-unknown.out")"
ld1=$(drops lflow_drop); tx1=$(port_stat tap-pod2 tx)
[ "$((ld1 - ld0))" -ge 3 ] || fail "unknown destination: lflow_drop $ld0 -> $ld1: $(ctl pmd stats)"
[ "$tx1" = "$tx0" ] || fail "unknown destination: pod2's port sent $((tx1 - tx0)) frames"
ctl --json trace tap-pod1 "eth.src == ${MAC[pod1]} && eth.dst == 0a:00:00:99:99:99 && ip4.src == ${IP[pod1]} && ip4.dst == 10.16.0.99 && ip.ttl == 64 && icmp4.type == 8" >"$T/trace-unknown.json" ||
	fail "trace of the unknown destination"
python3 - "$T/trace-unknown.json" <<'PY' || fail "trace: $(cat "$T/trace-unknown.json")"
import json, sys
t = json.load(open(sys.argv[1]))
assert 'drop(lflow_drop)' in json.dumps(t['actions']), t['actions']
PY
pass "an unknown destination MAC: dropped by the pipeline, $((ld1 - ld0)) frames counted as lflow_drop, nothing to pod2"
log "engine stats: $(ctl engine stats | tr '\n' ' ')"
