#!/usr/bin/env bash
# Selective revalidation under traffic: pod1 -> pod2 on ovn-default (vhost-user pods, an endless
# pcap replay of 16 UDP flows, one megaflow) through the compiled OVN pipeline while the
# southbound changes.
#  1. A port is added to ANOTHER logical switch (subnet2): a new pipeline generation is
#     published, the PMD runs a selective pass, and the running flow's megaflow is not touched:
#     the same megaflow (older than the change) keeps counting, no new slow-path run.
#  2. A port is added to the running flow's own switch (ovn-default): its megaflow is removed
#     and replaced (a new slow-path run, a younger megaflow), traffic continues.
#  3. A port is added and removed: only megaflows from or to its id would go; the running one
#     stays.
# Every packet pod A sent reaches pod B, brintd drops none; the longest PMD loop gap and
# housekeeping time are printed.
. "$(dirname "$0")/lib.sh"
setup
start_ovn
kube_ovn_default_vpc
kube_ovn_subnet2
kube_ovn_pods3
python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/l2.pcap" --flows 16 \
	--src-mac 00:00:00:00:01:01 --dst-mac 00:00:00:00:01:02 \
	--src-ip 10.16.0.11 --dst-ip 10.16.0.12

brintd_config "$T/brint.json" "[
  {\"name\": \"pod-a\", \"type\": \"vhost-user\", \"path\": \"$T/a.sock\", \"iface_id\": \"pod1\"},
  {\"name\": \"pod-b\", \"type\": \"vhost-user\", \"path\": \"$T/b.sock\", \"iface_id\": \"pod2\"}]" \
	'[]' "\"ovn\": {\"remote\": \"$OVN_SB\", \"chassis\": \"brint-reval\", \"encap_ip\": \"127.0.0.2\"}"
start_brintd "$T/brint.json"
# as test_port_hotplug.sh: pod B's 4096 rx buffers absorb what brintd moves while the pod is
# descheduled, so a drop would be brintd's doing
start_pod pods 0,1 1 "--vdev net_pcap0,rx_pcap=$T/l2.pcap,infinite_rx=1 \
	--vdev net_virtio_user1,path=$T/a.sock,queue_size=1024 \
	--vdev net_virtio_user2,path=$T/b.sock,queue_size=4096 \
	--vdev net_null0,no-rx=1" \
	"--port-topology=paired --no-flush-rx --rxd=4096 --txd=1024 --total-num-mbufs=32768"
pod_cmd pods "set fwd io retry"
WAIT=20 wait_for "[ \"\$(port_link pod-a)\" = up ] && [ \"\$(port_link pod-b)\" = up ]" ||
	fail "pods never attached"
sync_hv() {
	WAIT=30 wait_for timeout 25 ovn-nbctl --db="$OVN_NB" --wait=hv sync ||
		fail "brintd did not catch up with the southbound"
}
sync_hv

pod_stat() { # pod_stat PORT rx|tx
	local before
	before=$(wc -l <"$T/pods.log")
	pod_cmd pods "show port stats $1"
	WAIT=5 wait_for stats_block "$1" "$2" "$before" || fail "no stats answer for port $1"
	stats_block "$1" "$2" "$before"
}
stats_block() {
	tail -n +$(($3 + 1)) "$T/pods.log" | awk -v p="$1" -v d="$2" '
		index($0, "NIC statistics for port " p " ") { inb = 1; next }
		inb && /RX-packets:/ { rx = $2 }
		inb && /TX-packets:/ { tx = $2 }
		inb && /Tx-bps/ { print (d == "rx" ? rx : tx); found = 1; exit }
		END { exit !found }'
}
pmd() { ctl --json pmd stats | python3 -c "import json,sys; p=json.load(sys.stdin)[0]; print($1)"; }
estat() { ctl --json engine stats | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }
# the megaflows from pod-a that output (the running flow's), as "packets age_s" lines
megaflows() {
	ctl --json flows dump | python3 -c "
import json, sys
for pmd in json.load(sys.stdin):
    for f in pmd['flows']:
        if f['actions'].startswith('output'):
            print(f['packets'], f['age_s'], f['datapaths'])"
}
pod_b_rx_ge() { local n; n=$(pod_stat 2 rx) && [ "$n" -ge "$1" ]; }

ctl pmd stats --clear >/dev/null
pod_cmd pods start
WAIT=20 wait_for pod_b_rx_ge 100000 || fail "no traffic from pod1 to pod2: $(ctl pmd stats)"
sleep 1
[ "$(megaflows | wc -l)" = 1 ] || fail "expected one megaflow for the running flow: $(ctl flows dump)"
read -r p0 age0 dps0 <<<"$(megaflows)"
up0=$(pmd "p['upcalls']"); rv0=$(pmd "p['cache']['revalidations']")
pub0=$(estat "s['generations_published']")
log "running: megaflow packets=$p0 age=${age0}s datapaths=$dps0, upcalls=$up0"

# 1. another switch changes
t1=$(date +%s.%N)
nbctl lsp-add subnet2 pod9 -- lsp-set-addresses pod9 "00:00:00:00:02:09 10.17.0.19" ||
	fail "lsp-add subnet2 pod9"
sync_hv
WAIT=10 wait_for "[ \"\$(estat \"s['generations_published']\")\" -gt $pub0 ]" ||
	fail "no new pipeline generation after the change on subnet2: $(ctl engine stats)"
WAIT=10 wait_for "[ \"\$(pmd \"p['cache']['revalidations']\")\" -gt $rv0 ]" ||
	fail "the PMD ran no selective revalidation: $(ctl --json pmd stats)"
sleep 1
log "invalidated datapath bits: $(estat "s['last_invalidated_datapaths']"), megaflow's: $dps0"
read -r p1 age1 dps1 <<<"$(megaflows)"
up1=$(pmd "p['upcalls']")
[ "$(megaflows | wc -l)" = 1 ] || fail "after the subnet2 change: $(ctl flows dump)"
[ "$up1" = "$up0" ] || fail "the change on subnet2 cost $((up1 - up0)) slow-path runs: the running flow's megaflow was removed"
[ "$p1" -gt "$p0" ] || fail "the megaflow stopped counting: $p0 -> $p1"
python3 -c "import sys; t1, a0, a1 = map(float, sys.argv[1:]); sys.exit(0 if a1 > a0 + 1 else 1)" \
	"$t1" "$age0" "$age1" || fail "the megaflow is new (age $age0 -> $age1 s)"
pass "a port added on subnet2: generation published, selective pass run, the running megaflow kept (packets $p0 -> $p1, age ${age0} -> ${age1} s, no slow-path run)"

# 2. the running flow's own switch changes
pub1=$(estat "s['generations_published']"); rm0=$(pmd "p['cache']['flows_removed']")
nbctl lsp-add ovn-default pod8 -- lsp-set-addresses pod8 "00:00:00:00:01:08 10.16.0.18" ||
	fail "lsp-add ovn-default pod8"
sync_hv
WAIT=10 wait_for "[ \"\$(estat \"s['generations_published']\")\" -gt $pub1 ]" ||
	fail "no new pipeline generation after the change on ovn-default"
WAIT=10 wait_for "[ \"\$(pmd \"p['upcalls']\")\" -gt $up1 ]" ||
	fail "the change on ovn-default did not replace the running flow's megaflow: $(ctl --json pmd stats)"
sleep 1
read -r p2 age2 dps2 <<<"$(megaflows)"
rm1=$(pmd "p['cache']['flows_removed']")
[ "$rm1" -gt "$rm0" ] || fail "no megaflow removed ($rm0 -> $rm1)"
python3 -c "import sys; a1, a2 = map(float, sys.argv[1:]); sys.exit(0 if a2 < a1 else 1)" \
	"$age1" "$age2" || fail "the megaflow was not replaced (age $age1 -> $age2 s)"
pass "a port added on ovn-default: the running megaflow replaced (removed $((rm1 - rm0)), slow-path runs $up1 -> $(pmd "p['upcalls']"), age now ${age2} s)"

# 3. a port comes and goes (bound to nothing): only flows from or to its id would go
up2=$(pmd "p['upcalls']"); rv2=$(pmd "p['cache']['revalidations']"); fl2=$(pmd "p['cache']['flushes']")
ctl port add pod-c --type vhost-user --path "$T/c.sock" >/dev/null || fail "port add pod-c"
ctl port del pod-c >/dev/null || fail "port del pod-c"
WAIT=10 wait_for "[ \"\$(pmd \"p['cache']['revalidations']\")\" -gt $rv2 ]" ||
	fail "no selective pass after a port removal: $(ctl --json pmd stats)"
sleep 1
[ "$(pmd "p['upcalls']")" = "$up2" ] && [ "$(pmd "p['cache']['flushes']")" = "$fl2" ] ||
	fail "removing pod-c flushed the running flow's megaflow (upcalls $up2 -> $(pmd "p['upcalls']"))"
pass "a port added and removed: the running megaflow kept (no flush, no slow-path run)"

# no loss: stop the sender, drain pod B, compare
pod_cmd pods stop
pod_cmd pods "set portlist 2,3"
pod_cmd pods start
sent=$(pod_stat 1 tx)
WAIT=20 wait_for pod_b_rx_ge "$sent"
got=$(pod_stat 2 rx)
pod_cmd pods stop
dropped=$(pmd "p['dropped']")
[ "$dropped" = 0 ] || fail "brintd dropped $dropped packets: $(pmd "p['drops']")"
[ "$got" = "$sent" ] || fail "pod A sent $sent packets, pod B received $got"
pass "no loss: pod A sent $sent packets, pod B received $got, brintd dropped none"
log "longest PMD loop gap $(pmd "round(p['max_loop_gap_us'], 1)") us, longest housekeeping $(pmd "round(p['max_housekeeping_us'], 1)") us; cache: $(pmd "p['cache']")"
