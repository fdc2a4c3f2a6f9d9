#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# brint's OVN southbound side against real OVN 23.03: NB and SB ovsdb-server and ovn-northd in
# a private directory, kube-ovn's default topology, and brint-sb-probe (the ovn-glue library
# on its event loop, with local ports simulated through its control socket). Checks chassis
# registration, claiming (up in NB), ovn-nbctl --wait=hv, ports that appear later, a port
# another chassis holds (not fought), requested-chassis, link state, release, an SB
# ovsdb-server restart (resumed with monitor_cond_since, no reload), a clean restart of brint
# (chassis reused, bindings kept) and the release of stale bindings.
. "$(dirname "$0")/ovn_lib.sh"

require_ovn
setup_tmp
CH=brint-test-chassis
ENCAP_IP=192.168.50.10

create_dbs
start_sb
start_nb_northd
kube_ovn_topology
add_pod pod1.default 10.16.0.2 00:00:00:16:00:02
nbctl lsp-add join node-node1 -- lsp-set-addresses node-node1 "00:00:00:64:00:02 100.64.0.2" ||
	fail "node port"

cat >"$T/brint.json" <<JSON
{"ovn": {"remote": "unix:$T/sb.sock", "chassis": "$CH", "hostname": "node1",
         "encap_type": "geneve", "encap_ip": "$ENCAP_IP",
         "bridge_mappings": {"provider": "dpdk0"},
         "probe_interval_ms": 1000, "backoff_min_ms": 100, "backoff_max_ms": 400,
         "release_stale_after_ms": 0}}
JSON
start_probe "$T/brint.json" --claim pod1.default=vhu-pod1 --claim node-node1=ovn0 \
	--claim ovn-default-ovn-cluster=not-a-vif

log "chassis registration"
wait_until 20 "chassis in ovn-sbctl show" sh -c \
	"timeout 10 ovn-sbctl --db=unix:$T/sb.sock show | grep -q 'Chassis $CH'"
show=$(sbctl show)
echo "$show" | grep -A4 "Chassis $CH" | grep -q "Encap geneve" || fail "no geneve encap: $show"
echo "$show" | grep -A4 "Chassis $CH" | grep -q "ip: \"$ENCAP_IP\"" || fail "encap ip: $show"
[ "$(sbctl get Chassis "$CH" other_config:ovn-bridge-mappings)" = '"provider:dpdk0"' ] ||
	fail "bridge mappings"
[ "$(sbctl get Chassis "$CH" hostname)" = node1 ] || fail "hostname"
[ "$(sbctl --bare --columns=chassis list Chassis_Private "$CH")" = \
	"$(sbctl --bare --columns=_uuid list Chassis "$CH")" ] || fail "Chassis_Private.chassis"
CH_UUID=$(sbctl --bare --columns=_uuid list Chassis "$CH")

log "claiming: pod and node ports up, router port not claimed"
wait_until 20 "pod1.default up" lsp_up pod1.default
wait_until 20 "node-node1 up" lsp_up node-node1
[ "$(pb_chassis pod1.default)" = "$CH" ] || fail "pod1 not bound to $CH"
is_state pod1.default bound || fail "pod1 state $(binding_state pod1.default)"
is_state ovn-default-ovn-cluster not-claimable || fail "router port claimed?"
[ -z "$(pb_chassis ovn-default-ovn-cluster)" ] || fail "router port bound"
# the binding list carries the tunnel keys
dpk=$(ctl binding list | jq '.bindings[] | select(.logical_port == "pod1.default") | .datapath_key')
[ "$dpk" = "$(sbctl get Datapath_Binding "$(sbctl --bare --columns=datapath find Port_Binding \
	logical_port=pod1.default)" tunnel_key)" ] || fail "datapath key $dpk"

log "ovn-nbctl --wait=hv sync"
timeout 30 ovn-nbctl --db="unix:$T/nb.sock" --timeout=20 --wait=hv sync ||
	fail "--wait=hv sync did not return"
[ "$(sbctl get Chassis_Private "$CH" nb_cfg)" = "$(sbctl get SB_Global . nb_cfg)" ] ||
	fail "Chassis_Private.nb_cfg"

log "a logical port created after the local port"
ctl probe port add --name vhu-pod2 --iface-id pod2.default >/dev/null || fail "probe port add"
wait_until 10 "pod2 waits for its logical port" is_state pod2.default no-logical-port
add_pod pod2.default 10.16.0.3 00:00:00:16:00:03
wait_until 20 "pod2.default up" lsp_up pod2.default

log "a port bound to another chassis is not fought"
sbctl chassis-add other-chassis geneve 192.168.50.99 || fail "chassis-add"
add_pod pod3.default 10.16.0.4 00:00:00:16:00:04
nbctl --wait=sb sync || fail "waiting for northd" # its Port_Binding must exist to be bound
sbctl lsp-bind pod3.default other-chassis || fail "lsp-bind"
ctl probe port add --name vhu-pod3 --iface-id pod3.default >/dev/null || fail "probe port add"
wait_until 10 "pod3 seen as other-chassis" is_state pod3.default other-chassis
sleep 2
[ "$(pb_chassis pod3.default)" = other-chassis ] || fail "pod3 was taken from other-chassis"
[ "$(status .binding.conflicts)" -ge 1 ] || fail "conflict not counted"
grep -q "pod3.default (port vhu-pod3) is bound to chassis other-chassis" "$T/probe.log" ||
	fail "conflict not logged"
sbctl lsp-unbind pod3.default || fail "lsp-unbind"
wait_until 20 "pod3 claimed once free" sh -c "[ \"\$(timeout 10 ovn-sbctl \
	--db=unix:$T/sb.sock --bare --columns=chassis find Port_Binding \
	logical_port=pod3.default)\" = $CH_UUID ]"
wait_until 20 "pod3.default up" lsp_up pod3.default

log "requested-chassis elsewhere"
nbctl lsp-add ovn-default pod4.default \
	-- lsp-set-addresses pod4.default "00:00:00:16:00:05 10.16.0.5" \
	-- lsp-set-options pod4.default requested-chassis=other-chassis || fail "requested-chassis"
nbctl --wait=sb sync || fail "waiting for northd"
ctl probe port add --name vhu-pod4 --iface-id pod4.default >/dev/null || fail "probe port add"
wait_until 10 "pod4 requested elsewhere" is_state pod4.default requested-elsewhere
[ -z "$(pb_chassis pod4.default)" ] || fail "pod4 claimed despite requested-chassis"

log "link state"
ctl probe port link --name vhu-pod1 --up false >/dev/null || fail "probe port link"
wait_until 20 "pod1.default down on link down" lsp_down pod1.default
[ "$(pb_chassis pod1.default)" = "$CH" ] || fail "pod1 released on link down"
ctl probe port link --name vhu-pod1 --up true >/dev/null || fail "probe port link"
wait_until 20 "pod1.default up again" lsp_up pod1.default

log "release on port removal"
ctl probe port del --name vhu-pod2 >/dev/null || fail "probe port del"
wait_until 20 "pod2 released" sh -c "[ -z \"\$(timeout 10 ovn-sbctl --db=unix:$T/sb.sock \
	--bare --columns=chassis find Port_Binding logical_port=pod2.default)\" ]"
wait_until 20 "pod2.default down" lsp_down pod2.default

log "SB ovsdb-server killed and restarted: brint resumes from its last txn id"
[ "$(status .method)" = monitor_cond_since ] || fail "not using monitor_cond_since"
[ "$(status .counters.full_loads)" = 1 ] || fail "full loads before restart"
stop_sb
wait_until 10 "brint notices" sh -c "! timeout 5 $BRINTCTL --socket $T/probe.ctl --json \
	sb status | jq -e '.monitor == \"synced\"'"
sleep 1
probe_alive || fail "brint-sb-probe died with the SB server"
start_sb
wait_until 30 "brint synced again" status_is .monitor synced
probe_alive || fail "brint-sb-probe died"
[ "$(status .counters.resumes)" -ge 1 ] || fail "did not resume (resumes=0)"
[ "$(status .counters.full_loads)" = 1 ] || fail "reloaded everything after the restart"
[ "$(status .last_sync_resumed)" = true ] || fail "last sync was not a resume"
grep -q "resumed with monitor_cond_since" "$T/probe.log" || fail "no resume in the log"
# and it still works after the resume
add_pod pod5.default 10.16.0.6 00:00:00:16:00:06
ctl probe port add --name vhu-pod5 --iface-id pod5.default >/dev/null || fail "probe port add"
wait_until 30 "pod5.default up after the resume" lsp_up pod5.default
timeout 30 ovn-nbctl --db="unix:$T/nb.sock" --timeout=20 --wait=hv sync ||
	fail "--wait=hv sync after the SB restart"

log "in-process restart (ovn_glue_stop + ovn_glue_start, as on a config reload)"
ctl probe ovn restart >/dev/null || fail "probe ovn restart"
wait_until 20 "synced after the restart" status_is .monitor synced
[ "$(sbctl --bare --columns=_uuid list Chassis "$CH")" = "$CH_UUID" ] ||
	fail "chassis row not reused after the restart"
[ "$(ctl binding list | jq '.bindings | length')" = 6 ] || fail "local ports forgotten"
wait_until 20 "pod1 bound after the restart" is_state pod1.default bound
lsp_up pod1.default || fail "pod1 down after the restart"
[ "$(pb_chassis pod1.default)" = "$CH" ] || fail "pod1 released by the restart"

log "clean stop keeps the bindings; restart reuses the chassis"
stop_probe
sleep 0.5
[ "$(pb_chassis pod1.default)" = "$CH" ] || fail "pod1 released on a clean stop"
lsp_up pod1.default || fail "pod1 down after a clean stop"
sed -i 's/"release_stale_after_ms": 0/"release_stale_after_ms": 1000/' "$T/brint.json"
start_probe "$T/brint.json" --claim node-node1=ovn0
wait_until 20 "brint synced" status_is .monitor synced
[ "$(sbctl --bare --columns=_uuid list Chassis "$CH")" = "$CH_UUID" ] ||
	fail "chassis row not reused"
[ "$(sbctl --bare --columns=_uuid find Chassis name="$CH" | wc -w)" = 1 ] ||
	fail "duplicate chassis rows"
log "stale bindings (no local port after the grace period) are released"
wait_until 20 "pod1 released as stale" sh -c "[ -z \"\$(timeout 10 ovn-sbctl \
	--db=unix:$T/sb.sock --bare --columns=chassis find Port_Binding \
	logical_port=pod1.default)\" ]"
[ "$(pb_chassis node-node1)" = "$CH" ] || fail "node port released"
[ -z "$(pb_chassis pod3.default)" ] || fail "pod3 kept"
[ "$(status .binding.stale_releases)" -ge 3 ] || fail "stale releases not counted"
[ "$(status .counters.txn_errors)" = 0 ] || fail "transaction errors: $(status .last_txn_error)"
grep -E " (err|warn) " "$T/probe.log" | grep -v -e "bound to chassis other-chassis" \
	-e "sb.sock: connect:" -e "connection closed by peer" -e "reconnecting" &&
	fail "unexpected warnings in the log"

stop_probe
# (with -Db_sanitize=address,undefined the probe reports leaks and UB in its log)
grep -E "Sanitizer|runtime error:" "$T/probe.log" && fail "sanitizer report"

log "PASS"
