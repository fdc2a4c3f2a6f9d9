# SPDX-License-Identifier: Apache-2.0
# Shared helpers for brint's integration tests and benchmark (bash; source this file).
#
# Every DPDK process started here gets a unique --file-prefix, is recorded by PID and stopped by
# PID in the EXIT trap, which also removes /var/run/dpdk/<prefix>, its hugepage files, the
# network namespaces and the temporary directory. Tests that need the cores take a lock so two
# DPDK tests never run at once on this 2-core machine.

set -uo pipefail

BRINT_TOP=${BRINT_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BRINT_BUILD=${BRINT_BUILD:-$BRINT_TOP/build}
BRINTD=${BRINTD:-$BRINT_BUILD/pmd/brintd}
BRINTCTL=${BRINTCTL:-$BRINT_BUILD/ctl/brintctl}
TESTPMD=${TESTPMD:-dpdk-testpmd}
SKIP=77 # meson's "skipped"

T=""                 # this test's private directory
declare -a PIDS=()   # processes to stop, in reverse order
declare -a PREFIXES=()
declare -a NETNS=()
declare -a LINKS=()
_n=0

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() {
	log "FAIL: $*"
	dump_state
	exit 1
}

# Outside CI a test may skip where root or hugepages cannot be had; under CI that is a failure.
skip() {
	if [ "${CI:-}" = true ]; then
		log "FAIL (skip not allowed under CI): $*"
		exit 1
	fi
	log "SKIP: $*"
	exit $SKIP
}

require_env() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$BRINTD" ] || skip "brintd not built at $BRINTD"
	command -v "$TESTPMD" >/dev/null || skip "dpdk-testpmd not installed (package dpdk-dev)"
}

# After the lock: hugepages are only ours to count once no other DPDK test runs.
require_hugepages() {
	local free
	free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	if [ "${free:-0}" -lt 600 ]; then
		# files left by a crashed run of ours (prefix brint-t<pid>-) whose process is gone
		local f pid
		for f in /dev/hugepages/brint-t*; do
			[ -e "$f" ] || continue
			pid=${f#/dev/hugepages/brint-t}; pid=${pid%%-*}
			kill -0 "$pid" 2>/dev/null || rm -f "$f"
		done
		free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
	fi
	if [ "${free:-0}" -lt 600 ]; then
		if [ "${CI:-}" = true ] || [ "${BRINT_SETUP_HUGEPAGES:-}" = 1 ]; then
			"$BRINT_TOP/scripts/hugepages.sh" 1024 >&2 || true
			free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
		fi
		[ "${free:-0}" -ge 600 ] || skip "needs 600 free 2 MB hugepages (scripts/hugepages.sh)"
	fi
}

# One DPDK test at a time on this machine (the lock is released when the shell exits).
take_lock() {
	exec 9>/tmp/brint-dpdk.lock
	if ! flock -w "${1:-900}" 9; then
		fail "could not take /tmp/brint-dpdk.lock"
	fi
}

setup() {
	require_env
	take_lock
	require_hugepages
	T=$(mktemp -d /tmp/brint-test.XXXXXX)
	chmod 755 "$T"
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

# Sets PREFIX to a fresh --file-prefix and records it for cleanup (no subshell: $(...) would
# lose the record).
PREFIX=""
new_prefix() {
	_n=$((_n + 1))
	PREFIX="brint-t$$-$_n"
	PREFIXES+=("$PREFIX")
}

stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	log "pid $pid ignored SIGTERM for 5 s, killing it"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

cleanup() {
	local rc=$? i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		stop_pid "${PIDS[$i]}"
	done
	for p in "${PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p"
		rm -f /dev/hugepages/"$p"map_* /dev/hugepages/"$p"-* 2>/dev/null
	done
	for l in "${LINKS[@]}"; do ip link del "$l" 2>/dev/null; done
	for ns in "${NETNS[@]}"; do ip netns del "$ns" 2>/dev/null; done
	if [ $rc -ne 0 ] && [ -n "$T" ]; then
		log "logs kept in $T"
	elif [ -n "$T" ] && [ -z "${BRINT_KEEP:-}" ]; then
		rm -rf "$T"
	fi
	exit $rc
}

# Wait until "$@" succeeds, polling every 0.1 s, for at most $WAIT seconds (default 10).
# A single argument is a shell condition evaluated afresh each time:
#   wait_for '[ "$(port_link pod-a)" = up ]'   (single quotes: re-evaluated on every poll)
wait_for() {
	local deadline=$((SECONDS + ${WAIT:-10}))
	if [ $# = 1 ]; then
		set -- eval "$1"
	fi
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

ctl() { "$BRINTCTL" --socket "$T/brint.sock" "$@"; }

# Write a brintd config: brintd_config FILE [PORTS_JSON [XCONNECTS_JSON [EXTRA_KEYS]]]
# brintd's PMD runs on core 1, its control thread on core 0.
brintd_config() {
	local f=$1 ports=${2:-[]} xcs=${3:-[]} extra=${4:-}
	local prefix
	new_prefix
	prefix=$PREFIX
	cat >"$f" <<JSON
{
  "eal": ["-l", "0,1", "--main-lcore", "0", "--file-prefix", "$prefix", "-m", "512", "--no-pci"],
  "pmd_cores": [1],
  "control_socket": "$T/brint.sock",
  "log_level": "info",
  "ports": $ports,
  "xconnects": $xcs${extra:+,
  $extra}
}
JSON
}

BRINTD_PID=""
# start_brintd CONFIG: start it and wait until its control socket answers.
start_brintd() {
	"$BRINTD" --config "$1" >>"$T/brintd.log" 2>&1 &
	BRINTD_PID=$!
	PIDS+=("$BRINTD_PID")
	WAIT=20 wait_for ctl version || fail "brintd did not answer on $T/brint.sock"
}

stop_brintd() {
	[ -n "$BRINTD_PID" ] || return 0
	stop_pid "$BRINTD_PID"
	BRINTD_PID=""
}

# A pod: dpdk-testpmd driven through a FIFO on its stdin, output in $T/NAME.log.
# start_pod NAME CORES MAIN_LCORE "VDEV_ARGS..." "TESTPMD_ARGS..."
declare -A POD_PID POD_FD
start_pod() {
	local name=$1 cores=$2 main=$3 vdevs=$4 args=$5 prefix fd
	new_prefix
	prefix=$PREFIX
	rm -f "$T/$name.in"
	mkfifo "$T/$name.in"
	# shellcheck disable=SC2086
	stdbuf -oL "$TESTPMD" -l "$cores" --main-lcore "$main" --file-prefix "$prefix" -m 256 \
		--single-file-segments --no-pci $vdevs -- -i $args \
		<"$T/$name.in" >"$T/$name.log" 2>&1 &
	POD_PID[$name]=$!
	PIDS+=("${POD_PID[$name]}")
	exec {fd}>"$T/$name.in"
	POD_FD[$name]=$fd
	[ "${POD_NOWAIT:-}" = 1 ] || wait_pod "$name"
}

# A pod whose virtio_user is in server mode waits for brintd before it gives a prompt.
wait_pod() {
	WAIT=${WAIT:-30} wait_for grep -q 'testpmd>' "$T/$1.log" ||
		fail "pod $1 did not start (see $T/$1.log)"
}

pod_cmd() {
	local name=$1
	shift
	echo "$*" >&"${POD_FD[$name]}"
}

stop_pod() {
	local name=$1
	[ -n "${POD_PID[$name]:-}" ] || return 0
	pod_cmd "$name" quit 2>/dev/null
	local i
	for i in $(seq 1 50); do
		kill -0 "${POD_PID[$name]}" 2>/dev/null || break
		sleep 0.1
	done
	stop_pid "${POD_PID[$name]}"
	eval "exec ${POD_FD[$name]}>&-"
	unset "POD_PID[$name]" "POD_FD[$name]"
}

# pod_port_counter NAME PORT rx|tx: the port's packet counter, read with "show port stats".
pod_port_counter() {
	local name=$1 port=$2 dir=$3 before after
	before=$(wc -l <"$T/$name.log")
	pod_cmd "$name" "show port stats $port"
	WAIT=5 wait_for bash -c "tail -n +$((before + 1)) '$T/$name.log' | grep -q 'Tx-bps'" ||
		fail "pod $name: no stats answer"
	after=$(tail -n +$((before + 1)) "$T/$name.log")
	if [ "$dir" = rx ]; then
		echo "$after" | awk '/RX-packets:/ {print $2; exit}'
	else
		echo "$after" | awk '/TX-packets:/ {print $2; exit}'
	fi
}

# brintd's view: pmd stats as JSON, a field summed over PMDs.
pmd_sum() {
	ctl --json pmd stats | python3 -c "import json,sys; print(sum(p['$1'] for p in json.load(sys.stdin)))"
}
port_link() {
	ctl --json port list | python3 -c "import json,sys; print({p['name']: p['link'] for p in json.load(sys.stdin)}.get('$1', 'absent'))"
}

dump_state() {
	[ -n "$T" ] || return 0
	if [ -n "$BRINTD_PID" ] && kill -0 "$BRINTD_PID" 2>/dev/null; then
		log "--- brintctl port list"; ctl port list >&2 || true
		log "--- brintctl pmd stats"; ctl pmd stats >&2 || true
	fi
	log "--- tail of brintd.log"; tail -n 30 "$T/brintd.log" >&2 2>/dev/null || true
}

pass() { log "PASS: $*"; }

# --- a private OVN (NB and SB ovsdb-server, ovn-northd) in $T/ovn, stopped by PID at exit ---
require_ovn() {
	local p
	for p in ovsdb-server ovsdb-tool ovn-northd ovn-nbctl ovn-sbctl; do
		command -v "$p" >/dev/null || skip "$p not installed (package ovn-central)"
	done
}

_pidfile_pid() { # _pidfile_pid FILE: wait for a daemon's pidfile, record its PID
	local i
	for i in $(seq 100); do
		if [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; then
			PIDS+=("$(cat "$1")")
			return 0
		fi
		sleep 0.1
	done
	fail "no pid in $1"
}

start_ovn() {
	require_ovn
	local d=$T/ovn
	mkdir -p "$d"
	export OVN_RUNDIR=$d OVN_DBDIR=$d OVN_LOGDIR=$d OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d
	ovsdb-tool create "$d/nb.db" /usr/share/ovn/ovn-nb.ovsschema || fail "create NB"
	ovsdb-tool create-cluster "$d/sb.db" /usr/share/ovn/ovn-sb.ovsschema "unix:$d/sb-raft.sock" ||
		fail "create SB"
	local db
	for db in nb sb; do
		ovsdb-server --detach --no-chdir --pidfile="$d/$db.pid" --log-file="$d/$db.log" \
			--remote="punix:$d/$db.sock" --unixctl="$d/$db.ctl" "$d/$db.db" ||
			fail "start $db ovsdb-server"
		_pidfile_pid "$d/$db.pid"
	done
	ovn-northd --detach --no-chdir --pidfile="$d/northd.pid" --log-file="$d/northd.log" \
		--ovnnb-db="unix:$d/nb.sock" --ovnsb-db="unix:$d/sb.sock" --unixctl="$d/northd.ctl" ||
		fail "start ovn-northd"
	_pidfile_pid "$d/northd.pid"
	OVN_SB=unix:$d/sb.sock
	OVN_NB=unix:$d/nb.sock
}
nbctl() { timeout 30 ovn-nbctl --db="$OVN_NB" "$@"; }
sbctl() { timeout 30 ovn-sbctl --db="$OVN_SB" "$@"; }

# shellcheck source=kube_ovn.sh
. "$(dirname "${BASH_SOURCE[0]}")/kube_ovn.sh"

# kube-ovn's default VPC: router ovn-cluster; switches ovn-default (10.16.0.0/16) and join
# (100.64.0.0/16), each attached to the router.
kube_ovn_default_vpc() {
	nbctl lr-add ovn-cluster || fail "lr-add ovn-cluster"
	local sw
	for sw in "ovn-default 10.16.0.0/16 10.16.0.1 00:00:00:a1:00:01" \
		"join 100.64.0.0/16 100.64.0.1 00:00:00:a1:00:02"; do
		set -- $sw
		nbctl ls-add "$1" -- set logical_switch "$1" other_config:subnet="$2" ||
			fail "ls-add $1"
		nbctl lrp-add ovn-cluster "ovn-cluster-$1" "$4" "$3/${2#*/}" || fail "lrp-add $1"
		nbctl lsp-add "$1" "$1-ovn-cluster" -- lsp-set-type "$1-ovn-cluster" router \
			-- lsp-set-addresses "$1-ovn-cluster" router \
			-- lsp-set-options "$1-ovn-cluster" router-port="ovn-cluster-$1" ||
			fail "router port on $1"
	done
}

# Tap pods: the kernel's own stack in a network namespace behind a brint tap port.
# tap_pods TAG POD...: per pod a namespace NS[pod] (lo up) and a tap interface name IF[pod],
# and the ports' JSON in TAP_PORTS (each {"name": "tap-POD", ..., "iface_id": "POD"} plus
# $TAP_EXTRA, e.g. ', "mtu": 1400'). TAG: one letter that keeps the names apart.
declare -A IF NS
tap_pods() {
	local tag=$1 p n=0
	shift
	TAP_PORTS=""
	for p in "$@"; do
		n=$((n + 1))
		IF[$p]=b$tag$$$n
		NS[$p]=brint-$tag$$-$p
		TAP_PORTS="$TAP_PORTS${TAP_PORTS:+, }{\"name\": \"tap-$p\", \"type\": \"tap\", \"iface\": \"${IF[$p]}\", \"iface_id\": \"$p\"${TAP_EXTRA:-}}"
		ip netns add "${NS[$p]}" || fail "cannot create network namespace ${NS[$p]}"
		NETNS+=("${NS[$p]}")
		ip -n "${NS[$p]}" link set lo up
	done
}

# start_brintd_ovn PORTS_JSON LSP...: brintd with these ports as chassis brint-node1 of the
# local OVN (start_ovn); returns once each logical switch port LSP is up and northd's
# --wait=hv sync has returned (the pipeline generation is published).
start_brintd_ovn() {
	local ports=$1 p
	shift
	brintd_config "$T/brint.json" "[$ports]" '[]' \
		"\"ovn\": {\"remote\": \"$OVN_SB\", \"chassis\": \"brint-node1\", \"hostname\": \"node1\",
   \"encap_type\": \"geneve\", \"encap_ip\": \"127.0.0.2\"}"
	"$BRINTD" --config "$T/brint.json" --check >/dev/null ||
		fail "config refused: $("$BRINTD" --config "$T/brint.json" --check 2>&1)"
	start_brintd "$T/brint.json"
	for p in "$@"; do
		WAIT=20 wait_for "[ \"\$(nbctl lsp-get-up $p)\" = up ]" || fail "$p never came up"
	done
	WAIT=30 wait_for timeout 25 ovn-nbctl --db="$OVN_NB" --wait=hv sync ||
		fail "ovn-nbctl --wait=hv sync did not return"
}

# tap_pods_up POD...: each pod's tap moved into its namespace with MAC[pod], IP[pod]/16 and a
# default route via GW[pod] (the caller's arrays), up.
tap_pods_up() {
	local p
	for p in "$@"; do
		ip link set "${IF[$p]}" netns "${NS[$p]}" || fail "cannot move ${IF[$p]}"
		ip -n "${NS[$p]}" link set "${IF[$p]}" address "${MAC[$p]}" || fail "set address $p"
		ip -n "${NS[$p]}" addr add "${IP[$p]}/16" dev "${IF[$p]}"
		ip -n "${NS[$p]}" link set "${IF[$p]}" up || fail "cannot bring ${IF[$p]} up"
		ip -n "${NS[$p]}" route add default via "${GW[$p]}" || fail "default route $p"
	done
}

in_pod() { # in_pod POD CMD...: run CMD in the pod's namespace
	local p=$1
	shift
	ip netns exec "${NS[$p]}" "$@"
}
