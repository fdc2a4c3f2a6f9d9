#!/usr/bin/env bash
# The main job: install what is missing, build, start a local OVN (NB and SB ovsdb-server and
# ovn-northd from Debian), build kube-ovn's default VPC with ovn-nbctl (router ovn-cluster;
# switches ovn-default 10.16.0.0/16 and join 100.64.0.0/16; a second subnet 10.17.0.0/16),
# start brintd with pods as kernel network namespaces on tap ports, and show traffic through
# the compiled OVN pipeline: pod <-> pod on one switch, pod <-> pod across the router, TCP, a
# spoofed pod dropped by port security. Then brintctl's view and the megaflows. Cleans up.
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
ok() { printf '    ok: %s\n' "$*"; }

say "local OVN and kube-ovn's default VPC"
start_ovn
kube_ovn_default_vpc
nbctl ls-add subnet2 -- set logical_switch subnet2 other_config:subnet=10.17.0.0/16 &&
	nbctl lrp-add ovn-cluster ovn-cluster-subnet2 00:00:00:a1:00:03 10.17.0.1/16 &&
	nbctl lsp-add subnet2 subnet2-ovn-cluster -- lsp-set-type subnet2-ovn-cluster router \
		-- lsp-set-addresses subnet2-ovn-cluster router \
		-- lsp-set-options subnet2-ovn-cluster router-port=ovn-cluster-subnet2 ||
	fail "second subnet"
declare -A SW=([pod1]=ovn-default [pod2]=ovn-default [pod3]=subnet2 [spoof]=ovn-default)
declare -A MAC=([pod1]=00:00:00:00:01:01 [pod2]=00:00:00:00:01:02 [pod3]=00:00:00:00:02:01 [spoof]=00:00:00:00:01:04)
declare -A IP=([pod1]=10.16.0.11 [pod2]=10.16.0.12 [pod3]=10.17.0.11 [spoof]=10.16.0.14)
declare -A GW=([pod1]=10.16.0.1 [pod2]=10.16.0.1 [pod3]=10.17.0.1 [spoof]=10.16.0.1)
PODS="pod1 pod2 pod3 spoof"
for p in $PODS; do
	nbctl lsp-add "${SW[$p]}" "$p" -- lsp-set-addresses "$p" "${MAC[$p]} ${IP[$p]}" \
		-- lsp-set-port-security "$p" "${MAC[$p]} ${IP[$p]}" || fail "lsp-add $p"
done
nbctl show | sed 's/^/    /'

say "brintd with a tap port per pod (iface_id = the logical port)"
declare -A IF NS
ports=""
n=0
for p in $PODS; do
	n=$((n + 1))
	IF[$p]=brdemo$n
	NS[$p]=brint-demo-$p
	ports="$ports${ports:+,}{\"name\": \"$p\", \"type\": \"tap\", \"iface\": \"${IF[$p]}\", \"iface_id\": \"$p\"}"
	ip netns add "${NS[$p]}" || fail "cannot create network namespace ${NS[$p]}"
	NETNS+=("${NS[$p]}")
	ip -n "${NS[$p]}" link set lo up
done
brintd_config "$T/brint.json" "[$ports]" '[]' \
	"\"ovn\": {\"remote\": \"$OVN_SB\", \"chassis\": \"brint-demo\", \"hostname\": \"$(hostname)\",
   \"encap_type\": \"geneve\", \"encap_ip\": \"127.0.0.2\"}"
start_brintd "$T/brint.json"
for p in $PODS; do
	WAIT=20 wait_for "[ \"\$(nbctl lsp-get-up $p)\" = up ]" || fail "$p never came up"
done
WAIT=30 wait_for timeout 25 ovn-nbctl --db="$OVN_NB" --wait=hv sync || fail "--wait=hv sync"
ok "chassis registered, 4 ports claimed, ovn-nbctl --wait=hv sync returned"
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
	ip -n "${NS[$p]}" addr add "${IP[$p]}/16" dev "${IF[$p]}"
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
ping_ok pod1 "${IP[pod2]}" "pod1 -> pod2, same switch (ovn-default)"
ping_ok pod2 "${IP[pod1]}" "pod2 -> pod1"
ping_ok pod1 "${IP[pod3]}" "pod1 (10.16.0.0/16) -> pod3 (10.17.0.0/16) across router ovn-cluster"
head -c 1048576 /dev/urandom >"$T/blob"
ip netns exec "${NS[pod3]}" timeout 10 nc -l -p 5001 >"$T/blob.rx" &
PIDS+=($!)
sleep 0.5
ip netns exec "${NS[pod1]}" timeout 10 nc -N "${IP[pod3]}" 5001 <"$T/blob" || fail "nc"
wait_for "[ \$(stat -c %s '$T/blob.rx') = 1048576 ]" || fail "TCP transfer incomplete"
cmp -s "$T/blob" "$T/blob.rx" && ok "1 MB over TCP pod1 -> pod3 across the router, contents identical" ||
	fail "TCP transfer corrupted"
if ip netns exec "${NS[spoof]}" ping -c 2 -W 1 "${IP[pod1]}" >/dev/null 2>&1; then
	fail "the spoofed pod got through"
fi
ok "pod 'spoof' with a MAC port security does not allow: nothing through"

say "brintctl pmd stats (per reason drops, cycles per packet)"
ctl pmd stats | sed 's/^/    /'
say "brintctl engine stats"
ctl engine stats | sed 's/^/    /'
say "brintctl flows dump (the megaflows the slow path installed)"
ctl flows dump | sed 's/^/    /'
say "done: everything started here is stopped and removed on exit"
