#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A three-member RAFT cluster for OVN_Southbound: brint-sb-probe is given the three members;
# the member it is connected to is killed; it must move to another member and resume from its
# last transaction id (the ids are the cluster's, valid on every member), without reloading,
# and its bindings keep working through the new member.
. "$(dirname "$0")/ovn_lib.sh"

require_ovn
command -v ovs-appctl >/dev/null || skip "ovs-appctl not installed"
setup_tmp

ovsdb-tool create-cluster "$T/s1.db" "$OVN_SCHEMA_DIR/ovn-sb.ovsschema" "unix:$T/r1.sock" \
	2>>"$T/create.log" || fail "create-cluster"
for i in 2 3; do
	ovsdb-tool join-cluster "$T/s$i.db" OVN_Southbound "unix:$T/r$i.sock" "unix:$T/r1.sock" \
		2>>"$T/create.log" || fail "join-cluster $i"
done
declare -A MEMBER_PID
start_member() {
	rm -f "$T/s$1.pid"
	ovsdb-server --detach --no-chdir --pidfile="$T/s$1.pid" --log-file="$T/s$1.log" \
		--remote="punix:$T/c$1.sock" --unixctl="$T/s$1.ctl" "$T/s$1.db" \
		2>>"$T/s$1.err" || fail "start member $1"
	wait_pidfile "sb$1" "$T/s$1.pid"
	MEMBER_PID[$1]=$LAST_PID
}
for i in 1 2 3; do start_member $i; done
cluster_ready() {
	local i
	for i in 1 2 3; do
		timeout 5 ovs-appctl -t "$T/s$i.ctl" cluster/status OVN_Southbound 2>/dev/null |
			grep -q "^Status: cluster member" || return 1
	done
}
wait_until 60 "three-member cluster" cluster_ready
SBS="unix:$T/c1.sock,unix:$T/c2.sock,unix:$T/c3.sock"

ovsdb-tool create "$T/nb.db" "$OVN_SCHEMA_DIR/ovn-nb.ovsschema" || fail "create NB"
ovsdb-server --detach --no-chdir --pidfile="$T/nb.pid" --log-file="$T/nb.log" \
	--remote="punix:$T/nb.sock" --unixctl="$T/nb.ctl" "$T/nb.db" || fail "start NB"
wait_pidfile nb "$T/nb.pid"
ovn-northd --detach --no-chdir --pidfile="$T/northd.pid" --log-file="$T/northd.log" \
	--ovnnb-db="unix:$T/nb.sock" --ovnsb-db="$SBS" --unixctl="$T/northd.ctl" ||
	fail "start ovn-northd"
wait_pidfile northd "$T/northd.pid"
sbctl() { timeout 30 ovn-sbctl --no-leader-only --db="$SBS" "$@"; }
kube_ovn_topology
add_pod pod1.default 10.16.0.2 00:00:00:16:00:02
add_pod pod2.default 10.16.0.3 00:00:00:16:00:03

cat >"$T/brint.json" <<JSON
{"ovn": {"remote": "$SBS", "chassis": "cluster-chassis", "encap_ip": "192.168.53.10",
         "probe_interval_ms": 1000, "backoff_min_ms": 100, "backoff_max_ms": 400,
         "release_stale_after_ms": 0}}
JSON
start_probe "$T/brint.json" --claim pod1.default=vhu1
wait_until 30 "pod1 up" lsp_up pod1.default
[ "$(status .server_model)" = clustered ] || fail "model $(status .server_model)"
REMOTE=$(status .remote)
TXN=$(status .last_txn_id)
n=${REMOTE#unix:"$T"/c}
n=${n%.sock}
log "killing member $n, the one brint uses ($REMOTE, last txn $TXN)"
stop_pid "sb$n" "${MEMBER_PID[$n]}"
forget_pid "${MEMBER_PID[$n]}"
wait_until 30 "synced through another member" sh -c "timeout 5 $BRINTCTL --socket \
	$T/probe.ctl --json sb status | jq -e '.monitor == \"synced\" and .remote != \"$REMOTE\"'"
probe_alive || fail "brint-sb-probe died"
[ "$(status .counters.resumes)" -ge 1 ] || fail "did not resume on the other member"
[ "$(status .counters.full_loads)" = 1 ] || fail "reloaded on failover"
log "now on $(status .remote)"
ctl probe port add --name vhu2 --iface-id pod2.default >/dev/null || fail "probe port add"
wait_until 30 "pod2 up through the new member" lsp_up pod2.default
timeout 60 ovn-nbctl --db="unix:$T/nb.sock" --timeout=50 --wait=hv sync ||
	fail "--wait=hv sync after the failover"
stop_probe
grep -E "Sanitizer|runtime error:" "$T/probe.log" && fail "sanitizer report"
log "PASS"
