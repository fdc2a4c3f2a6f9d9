#!/usr/bin/env bash
# Two tap ports cross-connected both ways, their kernel interfaces moved into two network
# namespaces: ping (with ARP) and a 1 MB TCP transfer between the namespaces go through brintd,
# whose per-port counters must show it. Deleting a port removes its interface even though it
# lives in another namespace.
. "$(dirname "$0")/lib.sh"
setup

IFA=bt$$a
IFB=bt$$b
NS1=brint-t$$-1
NS2=brint-t$$-2
for ns in "$NS1" "$NS2"; do
	ip netns add "$ns" || fail "cannot create network namespace $ns"
	NETNS+=("$ns")
	ip -n "$ns" link set lo up
done

brintd_config "$T/brint.json" "[
  {\"name\": \"tap-a\", \"type\": \"tap\", \"iface\": \"$IFA\"},
  {\"name\": \"tap-b\", \"type\": \"tap\", \"iface\": \"$IFB\"}]" \
	'[{"from": "tap-a", "to": "tap-b"}, {"from": "tap-b", "to": "tap-a"}]'
start_brintd "$T/brint.json"
ip link show "$IFA" >/dev/null 2>&1 && ip link show "$IFB" >/dev/null 2>&1 ||
	fail "brintd did not create the kernel interfaces $IFA and $IFB"

# port_stat PORT FIELD: brintd's per-port counter (rx, tx or drop) summed over PMDs.
port_stat() {
	ctl --json pmd stats | python3 -c "
import json, sys
print(sum(p['$2'] for pmd in json.load(sys.stdin) for p in pmd['ports'] if p['port'] == '$1'))"
}

link_is() { [ "$(port_link "$1")" = "$2" ]; } # for wait_for, which would expand a "$(...)" once
# brintd reads the tap links (net_tap's SIOCGIFFLAGS by name) while they are in its namespace
WAIT=5 wait_for link_is tap-a up || fail "tap-a: link $(port_link tap-a) before the move, expected up"
WAIT=5 wait_for link_is tap-b up || fail "tap-b: link $(port_link tap-b) before the move, expected up"

ip link set "$IFA" netns "$NS1" || fail "cannot move $IFA into $NS1"
ip link set "$IFB" netns "$NS2" || fail "cannot move $IFB into $NS2"
ip -n "$NS1" addr add 10.99.0.1/24 dev "$IFA"
ip -n "$NS2" addr add 10.99.0.2/24 dev "$IFB"
ip -n "$NS1" link set "$IFA" up || fail "cannot bring $IFA up in $NS1"
ip -n "$NS2" link set "$IFB" up || fail "cannot bring $IFB up in $NS2"
ip link show "$IFA" >/dev/null 2>&1 && fail "$IFA is still visible in the root namespace"
mac_b=$(ip netns exec "$NS2" cat "/sys/class/net/$IFB/address")

ctl pmd stats --clear >/dev/null
ip netns exec "$NS1" ping -c 5 -W 1 10.99.0.2 >"$T/ping.out" 2>&1 ||
	fail "ping $NS1 -> $NS2 through brintd failed: $(tail -n 3 "$T/ping.out")"
received=$(awk '/packets transmitted/ {print $4}' "$T/ping.out")
[ "$received" = 5 ] || fail "ping: $received of 5 replies: $(tail -n 3 "$T/ping.out")"
neigh=$(ip -n "$NS1" neigh show 10.99.0.2 dev "$IFA")
[[ $neigh == *"lladdr $mac_b"* ]] || fail "ARP in $NS1 resolved 10.99.0.2 to '$neigh', expected $mac_b"
rx_a=$(port_stat tap-a rx); rx_b=$(port_stat tap-b rx)
tx_a=$(port_stat tap-a tx); tx_b=$(port_stat tap-b tx)
[ "$rx_a" -ge 6 ] && [ "$rx_b" -ge 6 ] ||
	fail "brintd counted rx tap-a=$rx_a tap-b=$rx_b; expected at least 5 echo requests/replies and an ARP each"
[ "$tx_b" -ge "$rx_a" ] && [ "$tx_a" -ge "$rx_b" ] ||
	fail "brintd counted rx tap-a=$rx_a tap-b=$rx_b but tx tap-b=$tx_b tap-a=$tx_a"
# net_tap reads its link by name in brintd's namespace; brintd reads a moved interface's link
# in its new namespace through the tap's descriptor (pmd/port_kernel.c)
WAIT=5 wait_for link_is tap-a up ||
	fail "brintd reports tap-a's link '$(port_link tap-a)' now that $IFA is in $NS1"
pass "ping $NS1 -> $NS2: 5/5 replies, ARP resolved to $mac_b through brintd; rx tap-a=$rx_a tap-b=$rx_b"

# 1 MB over TCP, checked end to end
head -c 1048576 /dev/urandom >"$T/in.bin"
ctl pmd stats --clear >/dev/null
ip netns exec "$NS2" timeout 60 nc -l 10.99.0.2 5001 >"$T/out.bin" 2>"$T/nc-l.err" &
PIDS+=($!)
nc_l=$!
WAIT=10 wait_for bash -c "ip netns exec $NS2 ss -Hltn 'sport = :5001' | grep -q LISTEN" ||
	fail "nc -l did not start listening in $NS2"
ip netns exec "$NS1" timeout 60 nc -N 10.99.0.2 5001 <"$T/in.bin" 2>"$T/nc.err" ||
	fail "nc $NS1 -> $NS2 failed: $(cat "$T/nc.err")"
wait "$nc_l" || fail "nc -l exited $?: $(cat "$T/nc-l.err")"
sum_in=$(sha256sum <"$T/in.bin" | cut -d' ' -f1)
sum_out=$(sha256sum <"$T/out.bin" | cut -d' ' -f1)
[ "$sum_in" = "$sum_out" ] ||
	fail "TCP transfer: received $(stat -c %s "$T/out.bin") bytes with sha256 $sum_out, sent 1048576 with $sum_in"
rx_a=$(port_stat tap-a rx); rx_b=$(port_stat tap-b rx)
# 1 MB is at least 1048576 / 1448 = 725 full-sized segments from NS1, acknowledged from NS2
[ "$rx_a" -ge 725 ] && [ "$rx_b" -gt 0 ] ||
	fail "after the TCP transfer brintd counted rx tap-a=$rx_a tap-b=$rx_b"
drops=$(pmd_sum dropped)
[ "$drops" = 0 ] || fail "brintd dropped $drops packets during the TCP transfer"
pass "1 MB over TCP $NS1 -> $NS2: checksums match; rx tap-a=$rx_a tap-b=$rx_b, no drops"

# deleting a port removes its interface, though it now lives in another namespace
ctl port del tap-a >/dev/null || fail "port del tap-a failed"
WAIT=5 wait_for bash -c "! ip -n $NS1 link show $IFA" ||
	fail "after port del tap-a, $IFA still exists in $NS1"
ip netns exec "$NS2" ping -c 1 -W 1 10.99.0.1 >/dev/null 2>&1 && fail "ping still works after port del tap-a"
pass "port del tap-a removed $IFA from $NS1"
