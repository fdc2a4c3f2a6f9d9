# SPDX-License-Identifier: Apache-2.0
# Helpers for the OVN southbound tests (bash; source this file): a private run directory with
# its own NB and SB ovsdb-server and ovn-northd, brint-sb-probe, and brintctl queries.
# Every process started here is recorded by the PID from its --pidfile and stopped by that PID
# in the EXIT trap; nothing is ever stopped by name.

set -uo pipefail

SKIP=77
BRINT_SB_PROBE=${BRINT_SB_PROBE:?BRINT_SB_PROBE: path of brint-sb-probe}
BRINTCTL=${BRINTCTL:?BRINTCTL: path of brintctl}
OVN_SCHEMA_DIR=${OVN_SCHEMA_DIR:-/usr/share/ovn}

T=""
declare -a PIDS=() # "name:pid", stopped in reverse order

log() { printf '%s %s\n' "$(date +%H:%M:%S.%3N)" "$*" >&2; }

dump_state() {
	[ -n "$T" ] || return 0
	log "---- state in $T"
	if [ -S "$T/probe.ctl" ]; then
		timeout 5 "$BRINTCTL" --socket "$T/probe.ctl" sb status 2>&1 | head -60 >&2 || true
		timeout 5 "$BRINTCTL" --socket "$T/probe.ctl" binding list >&2 || true
	fi
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		log "---- tail $f"
		tail -n 40 "$f" >&2
	done
}

fail() {
	log "FAIL: $*"
	dump_state
	exit 1
}

skip() {
	log "SKIP: $*"
	exit $SKIP
}

require_ovn() {
	local p
	for p in ovsdb-server ovsdb-tool ovn-northd ovn-nbctl ovn-sbctl jq timeout; do
		command -v "$p" >/dev/null || skip "$p not installed"
	done
	[ -f "$OVN_SCHEMA_DIR/ovn-sb.ovsschema" ] || skip "no $OVN_SCHEMA_DIR/ovn-sb.ovsschema"
	[ -x "$BRINT_SB_PROBE" ] || skip "brint-sb-probe not built"
}

# stop_pid NAME PID: SIGTERM, wait up to 10 s, then SIGKILL.
stop_pid() {
	local name=$1 pid=$2 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	log "$name ($pid) ignored SIGTERM: SIGKILL"
	kill -KILL "$pid" 2>/dev/null
	sleep 0.2
}

forget_pid() {
	local pid=$1 e
	local -a keep=()
	for e in "${PIDS[@]}"; do
		[ "${e#*:}" = "$pid" ] || keep+=("$e")
	done
	PIDS=("${keep[@]}")
}

cleanup() {
	local rc=$? i e
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		e=${PIDS[$i]}
		stop_pid "${e%%:*}" "${e#*:}"
	done
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ $rc -ne 0 ] && [ $rc -ne $SKIP ] && [ -n "${KEEP_TMP:-}" ]; then
			log "kept $T"
		else
			rm -rf "$T"
		fi
	fi
	exit $rc
}

setup_tmp() {
	T=$(mktemp -d /tmp/brint-ovn.XXXXXX) || fail "mktemp"
	export OVN_RUNDIR=$T OVN_DBDIR=$T OVN_LOGDIR=$T OVS_RUNDIR=$T OVS_DBDIR=$T OVS_LOGDIR=$T
	trap cleanup EXIT
	trap 'exit 1' INT TERM
}

# wait_pidfile NAME FILE: LAST_PID = the PID written by a daemon, recorded for cleanup.
# (Not for use in $(...): the record must be made in this shell.)
LAST_PID=""
wait_pidfile() {
	local name=$1 f=$2 i pid
	for i in $(seq 100); do
		if [ -s "$f" ]; then
			pid=$(cat "$f")
			if kill -0 "$pid" 2>/dev/null; then
				PIDS+=("$name:$pid")
				LAST_PID=$pid
				return 0
			fi
		fi
		sleep 0.1
	done
	fail "$name did not write $f"
}

# The SB database is clustered (one member): ovsdb-server keeps transaction history only for
# clustered databases, and monitor_cond_since can only resume from that history.
create_dbs() {
	ovsdb-tool create-cluster "$T/sb.db" "$OVN_SCHEMA_DIR/ovn-sb.ovsschema" \
		"unix:$T/sb-raft.sock" 2>"$T/create.log" || fail "create SB"
	ovsdb-tool create "$T/nb.db" "$OVN_SCHEMA_DIR/ovn-nb.ovsschema" || fail "create NB"
}

SB_PID=""
start_sb() {
	rm -f "$T/sb.pid"
	ovsdb-server --detach --no-chdir --pidfile="$T/sb.pid" --log-file="$T/sb.log" \
		--remote="punix:$T/sb.sock" --unixctl="$T/sb.ctl" "$T/sb.db" 2>>"$T/sb.err" ||
		fail "start SB ovsdb-server"
	wait_pidfile sb "$T/sb.pid"
	SB_PID=$LAST_PID
}

stop_sb() {
	stop_pid sb "$SB_PID"
	forget_pid "$SB_PID"
	SB_PID=""
}

start_nb_northd() {
	ovsdb-server --detach --no-chdir --pidfile="$T/nb.pid" --log-file="$T/nb.log" \
		--remote="punix:$T/nb.sock" --unixctl="$T/nb.ctl" "$T/nb.db" 2>>"$T/nb.err" ||
		fail "start NB ovsdb-server"
	wait_pidfile nb "$T/nb.pid"
	ovn-northd --detach --no-chdir --pidfile="$T/northd.pid" --log-file="$T/northd.log" \
		--ovnnb-db="unix:$T/nb.sock" --ovnsb-db="unix:$T/sb.sock" \
		--unixctl="$T/northd.ctl" 2>>"$T/northd.err" || fail "start ovn-northd"
	wait_pidfile northd "$T/northd.pid"
}

nbctl() { timeout 30 ovn-nbctl --db="unix:$T/nb.sock" "$@"; }
sbctl() { timeout 30 ovn-sbctl --db="unix:$T/sb.sock" "$@"; }

# kube-ovn's default topology: router ovn-cluster, switches ovn-default (pods) and join
# (nodes), each with a router port.
kube_ovn_topology() {
	nbctl lr-add ovn-cluster || fail "lr-add"
	local sw cidr gw mac
	for sw in "ovn-default 10.16.0.0/16 10.16.0.1 00:00:00:a1:00:01" \
		"join 100.64.0.0/16 100.64.0.1 00:00:00:a1:00:02"; do
		set -- $sw
		nbctl ls-add "$1" -- set logical_switch "$1" other_config:subnet="$2" \
			other_config:exclude_ips="$3" || fail "ls-add $1"
		nbctl lrp-add ovn-cluster "ovn-cluster-$1" "$4" "$3/${2#*/}" || fail "lrp-add $1"
		nbctl lsp-add "$1" "$1-ovn-cluster" -- lsp-set-type "$1-ovn-cluster" router \
			-- lsp-set-addresses "$1-ovn-cluster" router \
			-- lsp-set-options "$1-ovn-cluster" router-port="ovn-cluster-$1" ||
			fail "router port on $1"
	done
}

# add_pod NAME IP MAC: a pod port "NAME" on ovn-default with "MAC IP" addresses
add_pod() {
	nbctl lsp-add ovn-default "$1" -- lsp-set-addresses "$1" "$3 $2" \
		-- lsp-set-port-security "$1" "$3 $2" || fail "lsp-add $1"
}

PROBE_PID=""
# start_probe CONFIG [ARGS...]
start_probe() {
	local cfg=$1
	shift
	rm -f "$T/probe.pid"
	"$BRINT_SB_PROBE" --config "$cfg" --socket "$T/probe.ctl" --pidfile "$T/probe.pid" \
		--log-level "${PROBE_LOG_LEVEL:-info}" "$@" >>"$T/probe.log" 2>&1 &
	wait_pidfile probe "$T/probe.pid"
	PROBE_PID=$LAST_PID
}

stop_probe() {
	stop_pid probe "$PROBE_PID"
	forget_pid "$PROBE_PID"
	PROBE_PID=""
}

probe_alive() { [ -n "$PROBE_PID" ] && kill -0 "$PROBE_PID" 2>/dev/null; }

# ctl CMD...: brintctl's JSON result
ctl() { timeout 10 "$BRINTCTL" --socket "$T/probe.ctl" --json "$@"; }
# status FILTER: a jq filter applied to "sb status"
status() { ctl sb status | jq -r "$1"; }
# binding_state LOGICAL_PORT
binding_state() {
	ctl binding list | jq -r --arg lp "$1" \
		'.bindings[] | select(.logical_port == $lp) | .state'
}

# wait_until SECONDS DESCRIPTION COMMAND...: poll every 0.2 s
wait_until() {
	local secs=$1 what=$2 i
	shift 2
	for i in $(seq $((secs * 5))); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	fail "timed out after ${secs}s waiting for: $what"
}

lsp_up() { [ "$(nbctl lsp-get-up "$1")" = up ]; }
lsp_down() { [ "$(nbctl lsp-get-up "$1")" = down ]; }
# pb_chassis LOGICAL_PORT: the name of the chassis its Port_Binding is bound to ("" if none)
pb_chassis() {
	local uuid
	uuid=$(sbctl --bare --columns=chassis find Port_Binding logical_port="$1")
	[ -n "$uuid" ] || return 0
	sbctl --bare --columns=name list Chassis "$uuid"
}
is_state() { [ "$(binding_state "$1")" = "$2" ]; }
status_is() { [ "$(status "$1")" = "$2" ]; }
