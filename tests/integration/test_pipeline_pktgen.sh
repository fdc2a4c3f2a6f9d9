#!/usr/bin/env bash
# Packets the pipeline generates, made in the PMD (packet mode, dp/upcall.c): kube-ovn's default
# VPC on a real northd, a pod on ovn-default (IPv4 and IPv6) and one on join as kernel network
# namespaces on brint tap ports.
#  (a) `ping -t 1` across the router: the router answers ICMP time exceeded (its icmp4 { } flow);
#  (b) TCP to the router's own address: a reset at once ("connection refused", tcp_reset { });
#      UDP to it: port unreachable when northd has that flow;
#  (c) a ping to an unused address of a directly connected subnet: the router's ARP request
#      (arp { }, after get_arp found no binding) reaches the pod on that subnet;
#  (d) IPv6: the pod resolves the router's IPv6 address (nd_na_router { } on the switch), pings
#      it (the echo reply's ip6 swap is written in packet mode), and a hop limit of 1 through
#      the router gets ICMPv6 time exceeded (icmp6 { });
# and brintctl trace shows a generated packet and where it goes.
. "$(dirname "$0")/lib.sh"
setup
start_ovn
kube_ovn_default_vpc
nbctl set logical_router_port ovn-cluster-ovn-default \
	networks='"10.16.0.1/16" "fd00:10:16::1/64"' || fail "IPv6 on the router port"
declare -A SW=([pod1]=ovn-default [node1]=join)
declare -A MAC=([pod1]=00:00:00:00:01:01 [node1]=00:00:00:00:64:02)
declare -A IP=([pod1]=10.16.0.11 [node1]=100.64.0.2)
declare -A GW=([pod1]=10.16.0.1 [node1]=100.64.0.1)
IP6=fd00:10:16::11
GW6=fd00:10:16::1
nbctl lsp-add ovn-default pod1 -- lsp-set-addresses pod1 "${MAC[pod1]} ${IP[pod1]} $IP6" \
	-- lsp-set-port-security pod1 "${MAC[pod1]} ${IP[pod1]} $IP6" || fail "lsp-add pod1"
nbctl lsp-add join node1 -- lsp-set-addresses node1 "${MAC[node1]} ${IP[node1]}" \
	-- lsp-set-port-security node1 "${MAC[node1]} ${IP[node1]}" || fail "lsp-add node1"

tap_pods g pod1 node1
start_brintd_ovn "$TAP_PORTS" pod1 node1

tap_pods_up pod1 node1
ip -n "${NS[pod1]}" addr add "$IP6/64" dev "${IF[pod1]}" nodad || fail "IPv6 address on pod1"
gen() { # gen ACTION FIELD: engine stats' generated[ACTION][FIELD] (0 if absent)
	ctl --json engine stats | python3 -c "import json,sys
g=json.load(sys.stdin)['generated'].get('$1', {}); print(g.get('$2', 0))"
}
# a first packet across the router, so that the gateways are resolved before the tests
in_pod pod1 ping -c 1 -W 2 "${IP[node1]}" >/dev/null 2>&1 ||
	fail "pod1 cannot reach node1 at all: $(ctl engine stats)"

# (a) TTL 1 across the router: ICMP time exceeded from the router port (10.16.0.1)
ctl pmd stats --clear >/dev/null
in_pod pod1 ping -c 2 -i 0.3 -t 1 -W 2 "${IP[node1]}" >"$T/ttl.out" 2>&1
grep -q "From ${GW[pod1]} icmp_seq=1 Time to live exceeded" "$T/ttl.out" ||
	fail "no time exceeded from ${GW[pod1]}: $(cat "$T/ttl.out"); engine: $(ctl engine stats)"
[ "$(gen icmp4 built)" -ge 2 ] && [ "$(gen icmp4 outputs)" -ge 2 ] ||
	fail "icmp4 not counted: $(ctl engine stats)"
ctl --json pmd stats | python3 -c 'import json,sys
p=json.load(sys.stdin)[0]; d=p["drops"]
assert d.get("pktgen_replaced", 0) >= 2, d' || fail "pmd stats: $(ctl pmd stats)"
pass "(a) ping -t 1 across ovn-cluster: $(grep -c 'Time to live exceeded' "$T/ttl.out") x 'From ${GW[pod1]} Time to live exceeded' (icmp4 built $(gen icmp4 built))"

# the megaflow of such a packet sends it to packet mode; trace shows the generated packet
ctl --json flows dump >"$T/flows.json" || fail "flows dump"
grep -q '"slowpath"' "$T/flows.json" || fail "no slowpath megaflow: $(ctl flows dump)"
ctl --json trace tap-pod1 "eth.src == ${MAC[pod1]} && eth.dst == 00:00:00:a1:00:01 && \
ip4.src == ${IP[pod1]} && ip4.dst == ${IP[node1]} && ip.ttl == 1 && icmp4.type == 8" \
	>"$T/trace.json" || fail "trace failed"
python3 - "$T/trace.json" <<'PY' || fail "trace: $(cat "$T/trace.json")"
import json, sys
t = json.load(open(sys.argv[1]))
assert t["actions"] == "slowpath", t["actions"]
pm = t["packet_mode"]
assert [g["action"] for g in pm["generated"]] == ["icmp4"], pm["generated"]
outs = [o for o in pm["outputs"] if o["what"] == "icmp4"]
assert len(outs) == 1 and outs[0]["port"] == "tap-pod1", pm["outputs"]
h = outs[0]["headers"]
assert "10.16.0.1->10.16.0.11" in h and "icmp type 11 code 0" in h, h
assert "00:00:00:a1:00:01->00:00:00:00:01:01" in h, h
assert pm["received_packet"] == "pktgen_replaced", pm
assert any(s["packet"] == 1 for s in pm["stages"]), "no stage of the generated packet"
PY
ctl trace tap-pod1 "eth.src == ${MAC[pod1]} && eth.dst == 00:00:00:a1:00:01 && \
ip4.src == ${IP[pod1]} && ip4.dst == ${IP[node1]} && ip.ttl == 1 && icmp4.type == 8" \
	>"$T/trace.txt" || fail "trace (text output)"
grep -q "icmp type 11 code 0" "$T/trace.txt" || fail "trace text: $(cat "$T/trace.txt")"
pass "brintctl trace: slowpath, icmp4 generated -> tap-pod1 ($(python3 -c "import json; t=json.load(open('$T/trace.json')); print([o['headers'] for o in t['packet_mode']['outputs']][0])"))"

# (b) TCP to the router's address: RST at once; UDP: port unreachable if northd asks for it
sbctl lflow-list ovn-cluster >"$T/lflows.txt" 2>&1 || fail "lflow-list"
if grep -q "tcp_reset" "$T/lflows.txt"; then
	start=$SECONDS
	in_pod pod1 python3 - "${GW[pod1]}" >"$T/tcp.out" 2>&1 <<'PY'
import socket, sys, time
s = socket.socket(); s.settimeout(3)
t0 = time.monotonic()
try:
    s.connect((sys.argv[1], 8080)); print("connected")
except ConnectionRefusedError:
    print("refused in %.3f s" % (time.monotonic() - t0))
except Exception as e:
    print("error", type(e).__name__, e)
PY
	grep -q "^refused in 0\." "$T/tcp.out" ||
		fail "TCP to ${GW[pod1]}:8080 not refused at once: $(cat "$T/tcp.out"); engine: $(ctl engine stats)"
	[ "$(gen tcp_reset outputs)" -ge 1 ] || fail "tcp_reset not counted: $(ctl engine stats)"
	pass "(b) TCP to the router ${GW[pod1]}:8080: $(cat "$T/tcp.out") (tcp_reset)"
else
	fail "northd wrote no tcp_reset flow for the router: $(grep -c . "$T/lflows.txt") flows"
fi
if grep -q "icmp4.code = 3" "$T/lflows.txt"; then
	in_pod pod1 python3 - "${GW[pod1]}" >"$T/udp.out" 2>&1 <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.connect((sys.argv[1], 9999))
s.send(b"x")
try:
    s.recv(100); print("answered")
except ConnectionRefusedError:
    print("port unreachable")
except Exception as e:
    print("error", type(e).__name__, e)
PY
	grep -q "port unreachable" "$T/udp.out" ||
		fail "UDP to ${GW[pod1]}:9999: $(cat "$T/udp.out"); engine: $(ctl engine stats)"
	pass "(b) UDP to the router ${GW[pod1]}:9999: ICMP port unreachable"
else
	log "northd has no UDP port-unreachable flow for the router: not tested"
fi

# (c) an unused address on ovn-default, from node1: the router's ARP request reaches pod1
command -v tcpdump >/dev/null || fail "tcpdump not installed"
in_pod pod1 timeout 8 tcpdump -l -n -i "${IF[pod1]}" -c 1 "arp and arp[6:2] == 1 and host 10.16.0.99" \
	>"$T/arp.out" 2>"$T/tcpdump.err" &
tcpdump_pid=$!
PIDS+=("$tcpdump_pid")
WAIT=5 wait_for "grep -q 'listening on' '$T/tcpdump.err'" || fail "tcpdump did not start: $(cat "$T/tcpdump.err")"
in_pod node1 ping -c 3 -i 0.3 -W 1 10.16.0.99 >/dev/null 2>&1
wait "$tcpdump_pid" 2>/dev/null
if grep -q "Request who-has 10.16.0.99 tell ${GW[pod1]}" "$T/arp.out"; then
	[ "$(gen arp built)" -ge 1 ] || fail "arp not counted: $(ctl engine stats)"
	pass "(c) ping to 10.16.0.99 from join: pod1 saw '$(head -n 1 "$T/arp.out" | cut -d' ' -f2-)'"
else
	fail "(c) no ARP request for 10.16.0.99 seen on pod1: $(cat "$T/arp.out" "$T/tcpdump.err"); engine: $(ctl engine stats)"
fi

# (d) IPv6: pod1 resolves the router's IPv6 address (nd_na_router { } in ls_in_arp_rsp)
in_pod pod1 ping -6 -c 1 -W 2 "$GW6" >/dev/null 2>&1
neigh=$(in_pod pod1 ip -6 neigh show "$GW6")
[[ $neigh == *"lladdr 00:00:00:a1:00:01"* ]] ||
	fail "(d) pod1 did not resolve $GW6: '$neigh'; engine: $(ctl engine stats)"
[ "$(gen nd_na_router outputs)" -ge 1 ] || fail "nd_na_router not counted: $(ctl engine stats)"
pass "(d) pod1 resolved $GW6: $neigh (nd_na_router)"
# the router's IPv6 echo reply swaps ip6.src and ip6.dst: no flat action writes those, so its
# megaflow goes to packet mode, which writes any header
in_pod pod1 ping -6 -c 2 -i 0.3 -W 2 "$GW6" >"$T/ping6.out" 2>&1 ||
	fail "(d) ping -6 $GW6: $(cat "$T/ping6.out"); engine: $(ctl engine stats)"
pass "(d) ping -6 the router's $GW6: $(grep -c 'bytes from' "$T/ping6.out")/2 replies (written in packet mode)"
# IPv6 hop limit 1 through the router: ICMPv6 time exceeded (its icmp6 { } flow rewrites
# ip6.src/ip6.dst and the type, which only packet mode's header writer can express)
in_pod pod1 ip -6 route add default via "$GW6" || fail "IPv6 default route on pod1"
in_pod pod1 ping -6 -c 1 -t 1 -W 2 fd00:99::1 >"$T/ttl6.out" 2>&1
grep -q "From $GW6 icmp_seq=1 Time exceeded: Hop limit" "$T/ttl6.out" ||
	fail "no ICMPv6 time exceeded from $GW6: $(cat "$T/ttl6.out"); engine: $(ctl engine stats)"
[ "$(gen icmp6 outputs)" -ge 1 ] || fail "icmp6 not counted: $(ctl engine stats)"
pass "(d) ping -6 -t 1 through ovn-cluster: 'From $GW6 Time exceeded: Hop limit' (icmp6)"

# the token bucket: a flood of TTL-1 packets is cut at the per-PMD rate, counted
in_pod pod1 ping -f -c 3000 -t 1 -W 1 "${IP[node1]}" >/dev/null 2>&1
ctl --json pmd stats | python3 -c 'import json,sys
d=json.load(sys.stdin)[0]["drops"]; print(d.get("slowpath_limit", 0))' >"$T/limit.out"
[ "$(cat "$T/limit.out")" -gt 0 ] || log "no slowpath_limit drop seen under ping -f (the flood was slower than the bucket)"
log "slowpath_limit drops under ping -f -c 3000 -t 1: $(cat "$T/limit.out")"
ctl --json engine stats | python3 -c 'import json,sys
e=json.load(sys.stdin)
assert e["packet_mode_runs"] > 0 and e["packet_mode_cycles_avg"] > 0, e' ||
	fail "packet mode not measured: $(ctl engine stats)"
log "packet mode: $(ctl --json engine stats | python3 -c 'import json,sys
e=json.load(sys.stdin); print(e["packet_mode_runs"], "runs,", int(e["packet_mode_cycles_avg"]), "cycles each (interpretation, generation, sending)")'); first-packet upcalls: $(ctl --json pmd stats | python3 -c 'import json,sys
p=json.load(sys.stdin)[0]; print(int(p["upcall_cycles_avg"]), "cycles each")')"
log "engine stats: $(ctl engine stats | tr '\n' ' ')"
