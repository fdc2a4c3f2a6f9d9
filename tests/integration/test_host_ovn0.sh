#!/usr/bin/env bash
# Host <-> pod through the join switch and the node's ovn0, as kube-ovn builds it: the root
# network namespace plays the node. brintd creates ovn0 as a tap kernel interface with the MAC
# of the node's join port (node-node1, 100.64.0.2 on join), binds it to that logical port by
# iface-id, and sets the join address and kube-ovn's host route (10.16.0.0/16 via 100.64.0.1)
# itself over rtnetlink ("addresses"/"routes" of the tap port). Pods are network namespaces on
# tap ports of ovn-default. Checked: the interface as configured (address, route, MAC, MTU
# 1400 as the pods'), ping both ways, the node's own address reached from a pod through a
# router route to the join IP (kube-ovn's policy), a TCP service on the node reached from a
# pod (1 MB, checksummed), a kubelet-style probe loop of 1,000 TCP connects from the node to a
# pod's port with zero failures, HTTP probes, and full-size (DF, 1400-byte) packets both ways.
. "$(dirname "$0")/lib.sh"
setup
start_ovn
kube_ovn_default_vpc

OVN0=ovn0-$$ # the node's ovn0 (a unique name: the root namespace is the machine's)
NODE_MAC=0a:00:00:64:00:02
NODE_JOIN=100.64.0.2
MTU=1400
declare -A MAC=([pod1]=00:00:00:00:01:01 [pod2]=00:00:00:00:01:02)
declare -A IP=([pod1]=10.16.0.11 [pod2]=10.16.0.12)
for p in pod1 pod2; do
	nbctl lsp-add ovn-default "$p" -- lsp-set-addresses "$p" "${MAC[$p]} ${IP[$p]}" \
		-- lsp-set-port-security "$p" "${MAC[$p]} ${IP[$p]}" || fail "lsp-add $p"
done
# kube-ovn's node port on join: node-<nodename>, the node's join MAC and address
nbctl lsp-add join node-node1 -- lsp-set-addresses node-node1 "$NODE_MAC $NODE_JOIN" ||
	fail "lsp-add node-node1"
# the node's own address, reached from pods through its join IP (kube-ovn does this with a
# router policy; a static route says the same here)
NODE_IP=$(ip -4 -o route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
[ -n "$NODE_IP" ] || NODE_IP=192.0.2.2
nbctl lr-route-add ovn-cluster "$NODE_IP/32" "$NODE_JOIN" || fail "lr-route-add $NODE_IP"

TAP_EXTRA=", \"mtu\": $MTU" tap_pods h pod1 pod2
ports="{\"name\": \"ovn0\", \"type\": \"tap\", \"iface\": \"$OVN0\", \"iface_id\": \"node-node1\",
  \"mac\": \"$NODE_MAC\", \"mtu\": $MTU, \"addresses\": [\"$NODE_JOIN/16\"],
  \"routes\": [{\"dst\": \"10.16.0.0/16\", \"via\": \"100.64.0.1\"}]}, $TAP_PORTS"
start_brintd_ovn "$ports" pod1 pod2 node-node1
declare -A GW=([pod1]=10.16.0.1 [pod2]=10.16.0.1)
tap_pods_up pod1 pod2

# --- the pods' taps now live in their namespaces: brintd still reads their link (there), and
# their Port_Bindings stay up; a pod taking its interface down is seen, and back up
for p in pod1 pod2; do
	WAIT=5 wait_for "[ \"\$(port_link tap-$p)\" = up ]" || fail "tap-$p link reads $(port_link tap-$p) in ${NS[$p]}"
	[ "$(nbctl lsp-get-up "$p")" = up ] || fail "$p's binding went down once its tap was moved"
done
ip -n "${NS[pod2]}" link set "${IF[pod2]}" down
WAIT=5 wait_for "[ \"\$(port_link tap-pod2)\" = down ]" || fail "tap-pod2 down in its namespace, brintd says $(port_link tap-pod2)"
WAIT=10 wait_for "[ \"\$(nbctl lsp-get-up pod2)\" = down ]" || fail "pod2's binding still up"
ip -n "${NS[pod2]}" link set "${IF[pod2]}" up
ip -n "${NS[pod2]}" route replace default via 10.16.0.1 # the kernel dropped it with the link
WAIT=5 wait_for "[ \"\$(port_link tap-pod2)\" = up ]" || fail "tap-pod2 back up, brintd says $(port_link tap-pod2)"
WAIT=10 wait_for "[ \"\$(nbctl lsp-get-up pod2)\" = up ]" || fail "pod2's binding not up again"
pass "tap links read in the pods' namespaces: up after the move, down and up again with the pod's interface (Port_Binding up follows)"

# --- the interface as brintd configured it
link=$(ip -o link show "$OVN0") || fail "$OVN0 does not exist"
[[ $link == *"mtu $MTU "* ]] || fail "$OVN0 mtu: $link"
[[ $link == *"link/ether $NODE_MAC "* ]] || fail "$OVN0 MAC: $link"
[[ $link == *"UP"* ]] || fail "$OVN0 not up: $link"
ip -4 -o addr show dev "$OVN0" | grep -q "inet $NODE_JOIN/16 " ||
	fail "$OVN0 addresses: $(ip -o addr show dev "$OVN0")"
route=$(ip -4 route show 10.16.0.0/16)
[[ $route == *"via 100.64.0.1 dev $OVN0"* ]] || fail "host route: '$route'"
for p in pod1 pod2; do
	ip -n "${NS[$p]}" -o link show "${IF[$p]}" | grep -q "mtu $MTU " || fail "$p mtu"
done
ctl --json port list | python3 -c "
import json, sys
p = {x['name']: x for x in json.load(sys.stdin)}['ovn0']
assert p['addresses'] == ['$NODE_JOIN/16'], p
assert p['routes'] == ['10.16.0.0/16 via 100.64.0.1'], p
assert p['iface_id'] == 'node-node1' and p['link'] == 'up', p
" || fail "port list: $(ctl port list)"
pass "$OVN0: $NODE_MAC, $NODE_JOIN/16, mtu $MTU (the pods' too), route 10.16.0.0/16 via 100.64.0.1, bound to node-node1 (up)"

# --- ping both ways, and the node's own address from a pod
ctl pmd stats --clear >/dev/null
for p in pod1 pod2; do
	ping -c 3 -i 0.2 -W 2 "${IP[$p]}" >"$T/ping.out" 2>&1 ||
		fail "node -> $p: $(tail -n 3 "$T/ping.out"); engine: $(ctl engine stats)"
	grep -q "ttl=63" "$T/ping.out" || fail "node -> $p not routed once: $(cat "$T/ping.out")"
	ip netns exec "${NS[$p]}" ping -c 3 -i 0.2 -W 2 "$NODE_JOIN" >"$T/ping.out" 2>&1 ||
		fail "$p -> node: $(tail -n 3 "$T/ping.out")"
done
neigh=$(ip neigh show 100.64.0.1 dev "$OVN0")
[[ $neigh == *"lladdr 00:00:00:a1:00:02"* ]] || fail "node resolved its gateway to '$neigh'"
ip netns exec "${NS[pod1]}" ping -c 3 -i 0.2 -W 2 "$NODE_IP" >"$T/ping.out" 2>&1 ||
	fail "pod1 -> node's own address $NODE_IP: $(tail -n 3 "$T/ping.out")"
pass "ping node <-> pod1, pod2 both ways across ovn-cluster (ttl=63), pod1 -> the node's $NODE_IP via $NODE_JOIN"

# --- a TCP service on the node, reached from a pod
head -c 1000000 /dev/urandom >"$T/blob"
python3 - "$NODE_JOIN" 18080 "$T/recv" <<'PY' &
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
WAIT=30 wait_for "ss -ltn | grep -q '$NODE_JOIN:18080 '" || fail "the node's TCP server did not start"
ip netns exec "${NS[pod1]}" timeout 20 nc -N "$NODE_JOIN" 18080 <"$T/blob" ||
	fail "pod1 -> node TCP: nc failed"
wait "$srv" || fail "the node's TCP server failed"
cmp -s "$T/blob" "$T/recv" || fail "TCP pod1 -> node: $(stat -c %s "$T/recv") bytes, not the 1 MB sent"
pass "TCP pod1 -> a service on the node ($NODE_JOIN:18080): 1 MB, identical"

# --- kubelet-style probes from the node to a pod's port
ip netns exec "${NS[pod2]}" python3 -u -m http.server 8080 --bind "${IP[pod2]}" -d "$T" \
	>"$T/http.log" 2>&1 </dev/null &
PIDS+=("$!")
WAIT=30 wait_for "ip netns exec '${NS[pod2]}' ss -ltn | grep -q ':8080 '" ||
	fail "http.server did not start in pod2: $(cat "$T/http.log")"
timeout 3 bash -c "</dev/tcp/${IP[pod2]}/8080" ||
	fail "pod2:8080 not reachable from the node: $(timeout 3 curl -sv "http://${IP[pod2]}:8080/" 2>&1 | tail -3); $(ctl flows dump)"
# the TCP probe's target: a listener that accepts and closes (backlog 128), as an app's port
ip netns exec "${NS[pod2]}" python3 -u -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('${IP[pod2]}', 9000)); s.listen(128)
while True:
    c, _ = s.accept(); c.close()
" >"$T/listener.log" 2>&1 </dev/null &
PIDS+=("$!")
WAIT=30 wait_for "ip netns exec '${NS[pod2]}' ss -ltn | grep -q ':9000 '" ||
	fail "listener did not start in pod2: $(cat "$T/listener.log")"
python3 - "${IP[pod2]}" >"$T/probe.out" <<'PY' || fail "probes: $(cat "$T/probe.out")"
import socket, sys, time, urllib.request
host = sys.argv[1]
fails, lat = 0, []
for i in range(1000):
    t = time.monotonic()
    try:
        s = socket.create_connection((host, 9000), timeout=2)
        s.close()
        lat.append(time.monotonic() - t)
    except OSError as e:
        fails += 1
lat.sort()
codes = []
for i in range(20):
    with urllib.request.urlopen(f"http://{host}:8080/blob", timeout=5) as r:
        codes.append((r.status, len(r.read())))
print(f"1000 TCP connects to :9000, {fails} failed, connect median {lat[len(lat)//2]*1e3:.2f} ms, "
      f"max {lat[-1]*1e3:.2f} ms; 20 HTTP GETs of :8080/blob -> {codes[0]} each")
assert fails == 0, fails
assert all(c == (200, 1000000) for c in codes), codes
PY
pass "node -> pod2 probes: $(cat "$T/probe.out")"

# --- MTU: full-size packets with DF pass both ways; one byte more is refused by the sender
ping -c 2 -i 0.2 -W 2 -M do -s $((MTU - 28)) "${IP[pod1]}" >"$T/ping.out" 2>&1 ||
	fail "node -> pod1 at $MTU bytes (DF): $(tail -n 3 "$T/ping.out")"
ip netns exec "${NS[pod1]}" ping -c 2 -i 0.2 -W 2 -M do -s $((MTU - 28)) "$NODE_JOIN" \
	>"$T/ping.out" 2>&1 || fail "pod1 -> node at $MTU bytes (DF): $(tail -n 3 "$T/ping.out")"
ping -c 1 -W 1 -M do -s $((MTU - 27)) "${IP[pod1]}" >"$T/ping.out" 2>&1 &&
	fail "a $((MTU + 1))-byte DF packet left $OVN0"
grep -qi "too long\|mtu" "$T/ping.out" || fail "oversize ping: $(cat "$T/ping.out")"
pass "MTU $MTU: 1400-byte DF packets node <-> pod1 both ways; 1401 refused at $OVN0 (message too long)"

drops=$(ctl --json pmd stats | python3 -c "
import json, sys
d = {}
for p in json.load(sys.stdin):
    for k, v in p.get('drops', {}).items(): d[k] = d.get(k, 0) + v
print(' '.join(f'{k}={v}' for k, v in sorted(d.items()) if v))")
log "drops during the run (IPv6 router solicitations etc. from the node's stack are expected): ${drops:-none}"
log "engine: $(ctl engine stats | tr '\n' ' ' | cut -c1-300)"
