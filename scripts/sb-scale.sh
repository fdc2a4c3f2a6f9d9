#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a timed test): brint's OVN southbound replica at scale.
#
# Starts its own NB and SB ovsdb-server (SB clustered, as kube-ovn runs it) and ovn-northd
# in a private directory, builds kube-ovn's default topology, adds N logical switch ports
# (default 10000, "MAC IP" addresses, ovn-nbctl in batches), waits for ovn-northd to write
# their logical flows, then runs brint-sb-probe --exit-on-sync ROUNDS times and prints, for
# each, the time from connecting to a complete replica, the size of the initial dump and the
# probe's resident memory (after the load, and its peak).
#
# usage: scripts/sb-scale.sh [-n PORTS] [-r ROUNDS] [-b BUILDDIR] [-k]
#   -k  keep the temporary directory
# Every process started here is stopped by the PID from its pidfile.
set -uo pipefail

PORTS=10000
ROUNDS=3
BUILD=""
KEEP=""
while getopts "n:r:b:kh" o; do
	case $o in
	n) PORTS=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	b) BUILD=$OPTARG ;;
	k) KEEP=1 ;;
	*) sed -n '2,15p' "$0"; exit 2 ;;
	esac
done
TOP=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$BUILD" ]; then
	for d in "$TOP/build" "$TOP/build-ovn"; do
		[ -x "$d/ovn-glue/tools/brint-sb-probe" ] && BUILD=$d && break
	done
fi
PROBE=$BUILD/ovn-glue/tools/brint-sb-probe
[ -x "$PROBE" ] || { echo "brint-sb-probe not built (use -b BUILDDIR)" >&2; exit 2; }
for p in ovsdb-server ovsdb-tool ovn-northd ovn-nbctl ovn-sbctl jq; do
	command -v $p >/dev/null || { echo "$p not installed" >&2; exit 2; }
done

T=$(mktemp -d /tmp/brint-sb-scale.XXXXXX)
export OVN_RUNDIR=$T OVN_DBDIR=$T OVN_LOGDIR=$T OVS_RUNDIR=$T
declare -a PIDS=()
cleanup() {
	local i pid
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pid=${PIDS[$i]}
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	if [ -n "$KEEP" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
say() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
record() { # PIDFILE
	for _ in $(seq 100); do
		[ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && { PIDS+=("$(cat "$1")"); return; }
		sleep 0.1
	done
	echo "no pid in $1" >&2
	exit 1
}
nbctl() { ovn-nbctl --db="unix:$T/nb.sock" --timeout=600 "$@" 2>>"$T/nbctl.log"; }
sbctl() { ovn-sbctl --db="unix:$T/sb.sock" --timeout=600 "$@" 2>>"$T/nbctl.log"; }

ovsdb-tool create-cluster "$T/sb.db" /usr/share/ovn/ovn-sb.ovsschema "unix:$T/sb-raft.sock" \
	2>/dev/null || exit 1
exec 3>&2 2>>"$T/daemons.log" # the daemons' start-up chatter
ovsdb-tool create "$T/nb.db" /usr/share/ovn/ovn-nb.ovsschema || exit 1
for db in sb nb; do
	ovsdb-server --detach --no-chdir --pidfile="$T/$db.pid" --log-file="$T/$db.log" \
		--remote="punix:$T/$db.sock" --unixctl="$T/$db.ctl" "$T/$db.db" || exit 1
	record "$T/$db.pid"
done
ovn-northd --detach --no-chdir --pidfile="$T/northd.pid" --log-file="$T/northd.log" \
	--ovnnb-db="unix:$T/nb.sock" --ovnsb-db="unix:$T/sb.sock" --unixctl="$T/northd.ctl" ||
	exit 1
record "$T/northd.pid"
exec 2>&3

say "kube-ovn topology and $PORTS pod ports"
nbctl lr-add ovn-cluster
for sw in "ovn-default 10.16.0.0/16 10.16.0.1 00:00:00:a1:00:01" \
	"join 100.64.0.0/16 100.64.0.1 00:00:00:a1:00:02"; do
	set -- $sw
	nbctl ls-add "$1" -- set logical_switch "$1" other_config:subnet="$2"
	nbctl lrp-add ovn-cluster "ovn-cluster-$1" "$4" "$3/${2#*/}"
	nbctl lsp-add "$1" "$1-ovn-cluster" -- lsp-set-type "$1-ovn-cluster" router \
		-- lsp-set-addresses "$1-ovn-cluster" router \
		-- lsp-set-options "$1-ovn-cluster" router-port="ovn-cluster-$1"
done
t0=$(date +%s.%N)
BATCH=500
for ((start = 0; start < PORTS; start += BATCH)); do
	args=()
	for ((i = start; i < start + BATCH && i < PORTS; i++)); do
		ip="10.16.$(((i + 2) / 256)).$(((i + 2) % 256))"
		mac=$(printf '00:00:00:%02x:%02x:%02x' $((i >> 16 & 255)) $((i >> 8 & 255)) $((i & 255)))
		args+=(-- lsp-add ovn-default "pod$i.default" -- lsp-set-addresses "pod$i.default" "$mac $ip")
	done
	nbctl "${args[@]}" || exit 1
done
say "ports added in $(echo "$(date +%s.%N) - $t0" | bc) s; waiting for ovn-northd"
nbctl --wait=sb sync || exit 1
LFLOWS=$(sbctl --bare --columns=_uuid list Logical_Flow | grep -c .)
PBS=$(sbctl --bare --columns=_uuid list Port_Binding | grep -c .)
say "SB ready in $(echo "$(date +%s.%N) - $t0" | bc) s: $PBS Port_Bindings, $LFLOWS Logical_Flows"

cat >"$T/brint.json" <<JSON
{"ovn": {"remote": "unix:$T/sb.sock", "chassis": "scale-chassis", "encap_ip": "192.168.60.10",
         "release_stale_after_ms": 0}}
JSON
printf '%-6s %8s %11s %9s %9s %8s %8s %11s %8s %9s\n' round sync_ms first_byte reply_ms \
	apply_ms rows lflows dump_bytes rss_kb peak_kb
for ((r = 1; r <= ROUNDS; r++)); do
	out=$(timeout 600 "$PROBE" --config "$T/brint.json" --exit-on-sync --log-level warn \
		2>>"$T/probe.log") || { echo "probe failed, see $T/probe.log" >&2; KEEP=1; exit 1; }
	echo "$out" >>"$T/results.json"
	echo "$out" | jq -r --arg r "$r" '[$r, .sync_ms, .sync_first_byte_ms, .sync_reply_ms,
		.sync_apply_ms, .rows, .lflows, .max_msg_bytes, .rss_kb, .hwm_kb] | @tsv' |
		awk -F'\t' '{printf "%-6s %8s %11s %9s %9s %8s %8s %11s %8s %9s\n",
		$1, $2, $3, $4, $5, $6, $7, $8, $9, $10}'
done
median=$(jq -s 'map(.sync_ms) | sort | .[length / 2 | floor]' "$T/results.json")
echo "median sync_ms: $median ($PORTS ports, $LFLOWS logical flows, $PBS port bindings)"
cat <<EOT
sync_ms: from connecting to a complete replica. Of it, after the monitor request:
first_byte: until the reply's first bytes arrive (ovsdb-server composing it); reply_ms: until
it is read and parsed; apply_ms: applying it to the replica. rss_kb: resident memory once
loaded; peak_kb: the peak during the load. dump_bytes: the size of the monitor reply.
EOT
