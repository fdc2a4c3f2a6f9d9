#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# brint-sb-probe against hostile_peer.py, a fake OVN_Southbound server that misbehaves in a
# different way on each connection: brint must log and count each kind of bad input, reset
# the connection, reconnect, never crash, and be synced with the well-behaved last one.
. "$(dirname "$0")/ovn_lib.sh"

command -v python3 >/dev/null || skip "python3 not installed"
command -v jq >/dev/null || skip "jq not installed"
[ -x "$BRINT_SB_PROBE" ] || skip "brint-sb-probe not built"
[ -f "$OVN_SCHEMA_DIR/ovn-sb.ovsschema" ] || skip "no $OVN_SCHEMA_DIR/ovn-sb.ovsschema"
setup_tmp

python3 "$(dirname "$0")/hostile_peer.py" "$T/fake.sock" "$OVN_SCHEMA_DIR/ovn-sb.ovsschema" \
	"$T/fake.pid" "$T/fake.log" 2>"$T/fake.err" &
wait_pidfile fake "$T/fake.pid"

cat >"$T/brint.json" <<JSON
{"ovn": {"remote": "unix:$T/fake.sock", "chassis": "hostile-test", "encap_ip": "192.168.51.10",
         "max_message_bytes": 65536, "probe_interval_ms": 300,
         "backoff_min_ms": 1100, "backoff_max_ms": 1100, "release_stale_after_ms": 0}}
JSON
# (a back-off just above 1 s keeps every failure's log line out of the rate limiter's
# suppression: 5 lines of burst, then 1 per second)
start_probe "$T/brint.json" --claim lp1=port1

wait_until 90 "every hostile scenario served" grep -q "scenario s_good$" "$T/fake.log"
wait_until 20 "synced with the well-behaved server" status_is .monitor synced
probe_alive || fail "brint-sb-probe died"
if grep FAILED "$T/fake.log"; then
	fail "a scenario was not followed by a disconnect"
fi

# every kind of bad input was counted
check() { # FILTER MIN
	local v
	v=$(status "$1")
	[ "$v" -ge "$2" ] 2>/dev/null || fail "$1 = $v, expected >= $2"
}
check .counters.json_errors 2      # malformed JSON, nesting beyond the parser's depth
check .counters.framing_errors 1   # bytes that cannot start a message
check .counters.oversize 1
check .counters.truncated 1
check .counters.protocol_errors 3  # not JSON-RPC, bad monitor reply, unknown monitor id
check .counters.schema_errors 4    # version, missing table, other database, not served
check .counters.rpc_errors 2       # get_schema error, monitor_cond_since refused
check .counters.update_errors 3    # unknown column, bad row uuid, modify of a missing row
check .counters.txn_errors 1
check .counters.unexpected_replies 1
check .counters.probe_timeouts 1
check .counters.monitor_cond 1     # the fallback was used
check .counters.disconnects 18

# and each was logged clearly
for msg in "malformed JSON" "cannot start a JSON-RPC message" "larger than max_message_bytes" \
	"closed by peer inside a message" "schema version \"5.0.0\" not supported" \
	"has no table Port_Binding" "get_schema returned database \"Open_vSwitch\"" \
	"does not serve database OVN_Southbound" "not connected to the cluster" \
	"monitor_cond_since refused" "unknown column bogus" "malformed row uuid" \
	"modify of unknown row" "unknown monitor" "southbound transaction failed" \
	"no reply to the inactivity probe" "reply to an unknown request id"; do
	grep -qF "$msg" "$T/probe.log" || fail "no log line with \"$msg\""
done

# still usable after all that: the config keeps working through the control socket
[ "$(ctl binding list | jq -r '.bindings[0].logical_port')" = lp1 ] || fail "binding list"
stop_probe
grep -E "Sanitizer|runtime error:" "$T/probe.log" && fail "sanitizer report"
log "PASS"
