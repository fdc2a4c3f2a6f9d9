#!/usr/bin/env bash
# check_pkt_larger on a real northd: kube-ovn's default VPC, a pod on ovn-default and one on join
# (kernel network namespaces on brint tap ports), options:gateway_mtu=1400 on the router port
# to join (ovn-cluster-join). northd 23.03 writes its flows for every router port with the
# option, gateway chassis or not (build_check_pkt_len_flows_for_lrouter):
#   lr_in_chk_pkt_len: outport == "ovn-cluster-join" -> reg9[1] = check_pkt_larger(1414); next;
#   lr_in_admission (traffic entering by that port): reg9[1] = check_pkt_larger(1414); ...
#   lr_in_larger_pkts: inport == "ovn-cluster-ovn-default" && outport == ... && ip4 &&
#       reg9[1] && reg9[0] == 0 -> icmp4_error { ... icmp4.frag_mtu = 1400; ... }
# A 1400-byte IPv4 packet (a 1414-byte frame) crosses; `ping -M do -s 1472` (1514-byte frame)
# gets "Frag needed and DF set (mtu = 1400)" from 10.16.0.1; the megaflow is
# check_len(1414){...}{slowpath} in `brintctl flows dump`, and trace shows it.
. "$(dirname "$0")/lib.sh"
setup
start_ovn
kube_ovn_default_vpc
declare -A MAC=([pod1]=00:00:00:00:01:01 [node1]=00:00:00:00:64:02)
declare -A IP=([pod1]=10.16.0.11 [node1]=100.64.0.2)
declare -A GW=([pod1]=10.16.0.1 [node1]=100.64.0.1)
nbctl lsp-add ovn-default pod1 -- lsp-set-addresses pod1 "${MAC[pod1]} ${IP[pod1]}" \
	-- lsp-set-port-security pod1 "${MAC[pod1]} ${IP[pod1]}" || fail "lsp-add pod1"
nbctl lsp-add join node1 -- lsp-set-addresses node1 "${MAC[node1]} ${IP[node1]}" \
	-- lsp-set-port-security node1 "${MAC[node1]} ${IP[node1]}" || fail "lsp-add node1"
nbctl set logical_router_port ovn-cluster-join options:gateway_mtu=1400 ||
	fail "gateway_mtu on ovn-cluster-join"

tap_pods m pod1 node1
start_brintd_ovn "$TAP_PORTS" pod1 node1

# what northd wrote for the option (the facts the header states)
ovn-sbctl --db="$OVN_SB" lflow-list ovn-cluster >"$T/lflows.txt" || fail "lflow-list"
grep -F 'check_pkt_larger(1414)' "$T/lflows.txt" >"$T/chk.txt" ||
	fail "northd wrote no check_pkt_larger flow: $(grep -E 'chk_pkt_len|larger_pkts' "$T/lflows.txt")"
grep -F 'icmp4.frag_mtu = 1400' "$T/lflows.txt" >"$T/frag.txt" ||
	fail "northd wrote no icmp4_error frag_mtu flow"
log "northd: $(head -n 1 "$T/chk.txt" | sed 's/^ *//')"
log "northd: $(grep lr_in_larger_pkts "$T/frag.txt" | head -n 1 | sed 's/^ *//' | cut -c1-160)..."

tap_pods_up pod1 node1
engine() { # engine FIELD: engine stats' FIELD
	ctl --json engine stats | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}
in_pod pod1 ping -c 1 -W 2 "${IP[node1]}" >/dev/null 2>&1 ||
	fail "pod1 cannot reach node1 at all: $(ctl engine stats)"

# small packets and exactly 1400 bytes of IPv4 (a 1414-byte frame: not larger) cross
in_pod pod1 ping -c 3 -i 0.2 -W 2 -M do -s 1372 "${IP[node1]}" >"$T/ok.out" 2>&1 ||
	fail "1400-byte ping did not cross: $(cat "$T/ok.out"); $(ctl engine stats)"
in_pod pod1 ping -c 3 -i 0.2 -W 2 -s 56 "${IP[node1]}" >/dev/null 2>&1 ||
	fail "small ping did not cross"
pass "ping -M do -s 1372 (1400-byte IPv4) and -s 56 across ovn-cluster-join (gateway_mtu=1400)"

# the megaflow carries both lists
ctl --json flows dump >"$T/flows.json" || fail "flows dump"
grep -q 'check_len(1414){' "$T/flows.json" || fail "no check_len megaflow: $(ctl flows dump)"
[ "$(engine len_flows)" -ge 1 ] || fail "len_flows not counted: $(ctl engine stats)"
python3 - "$T/flows.json" >"$T/cl.txt" <<'PY' || fail "flows dump: $(ctl flows dump)"
import json, sys
fl = [f for p in json.load(open(sys.argv[1])) for f in p["flows"] if "check_len" in f["actions"]]
# the forwarding list to node1's port, the larger list to packet mode; the pings hit it
f = [f for f in fl if f["actions"].endswith("}{slowpath}") and "output:" in f["actions"]]
assert f and max(x["packets"] for x in f) >= 3, fl
print(f[0]["actions"], "packets", max(x["packets"] for x in f))
PY
pass "flows dump: $(cat "$T/cl.txt")"

# 1500 bytes with DF: fragmentation needed, MTU 1400, from the router port
in_pod pod1 ping -c 1 -W 2 -M do -s 1472 "${IP[node1]}" >"$T/big.out" 2>&1
grep -q "From ${GW[pod1]} icmp_seq=1 Frag needed and DF set (mtu = 1400)" "$T/big.out" ||
	fail "no frag needed from ${GW[pod1]}: $(cat "$T/big.out"); $(ctl engine stats)"
pass "ping -M do -s 1472: '$(grep -o "From.*" "$T/big.out" | head -n 1)'"
# the sender learnt the path MTU: 1400 bytes still cross, more is refused locally
in_pod pod1 ping -c 1 -W 2 -M do -s 1372 "${IP[node1]}" >/dev/null 2>&1 ||
	fail "1400-byte ping after the error did not cross"

ctl --json trace tap-pod1 "eth.src == ${MAC[pod1]} && eth.dst == 00:00:00:a1:00:01 && \
ip4.src == ${IP[pod1]} && ip4.dst == ${IP[node1]} && ip.ttl == 64 && icmp4.type == 8" \
	>"$T/trace.json" || fail "trace failed"
python3 - "$T/trace.json" <<'PY' || fail "trace: $(cat "$T/trace.json")"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["actions"].startswith("check_len(1414){"), t["actions"]
assert t["actions"].endswith("}{slowpath}"), t["actions"]
assert "check_len" in t, t.keys()
PY
pass "trace: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["actions"])' "$T/trace.json")"
log "engine: len_flows $(engine len_flows), len_conflicts $(engine len_conflicts), icmp4_error built $(ctl --json engine stats | python3 -c 'import json,sys
print(json.load(sys.stdin)["generated"].get("icmp4_error", {}).get("built", 0))')"
