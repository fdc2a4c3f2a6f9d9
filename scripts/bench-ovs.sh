#!/usr/bin/env bash
# The reference: the same benchmark as scripts/bench.sh with OVS-DPDK (+ ovn-controller) as the
# switch, so brintd's figures can be compared with the real thing measured on this machine.
#
# usage: scripts/bench-ovs.sh [--rounds N] [--seconds S] [--scenarios LIST] [--no-ceiling]
#   scenarios (comma separated; default: all):
#     xconnect-1, xconnect-16k  OpenFlow in_port=pod-a actions=output:pod-b on br-int, no OVN
#     l2-1, l2-16k              pod1 -> pod2 on ovn-default, flows from ovn-controller
#     l3-1, l3-16k              pod1 (ovn-default) -> pod3 (10.17.0.0/16) across ovn-cluster
#   (-1: one flow; -16k: 16,384 flows varying the UDP source port)
#   --no-ceiling: skip the interleaved testpmd io-forward rounds (ratio column becomes n/a)
#
# Same generator as bench.sh (dpdk-testpmd on core 0: net_pcap -> pod A virtio_user, pod B
# virtio_user -> net_null; server-mode sockets). The switch is a private OVS 3.1 with DPDK
# (Debian's openvswitch-switch-dpdk, installed here if missing): its own ovsdb-server and
# ovs-vswitchd in the test directory, br-int datapath_type=netdev, two dpdkvhostuserclient
# ports, PMD on core 1 (pmd-cpu-mask 0x2), EAL lcore 0, 512 MB socket memory; for the OVN
# scenarios an ovn-controller (ovn-host) bound to the local OVN of bench.sh's topology.
# ovs-vswitchd is started afresh for every round (as brintd is in bench.sh), after the
# generator; ovsdb and ovn-controller live for the whole run.
# Result per scenario: pod B's Mpps (median of rounds), OVS's PMD "avg processing cycles per
# packet" (cycles/pkt: busy cycles, comparable to brintd's) and "avg cycles per packet"
# (all-cyc/pkt: idle polls included) from pmd-stats-clear .. pmd-stats-show over the counted
# window, and the number of datapath megaflows (dpctl/dump-flows) at the end of the window.
. "$(dirname "$0")/../tests/integration/lib.sh"
# shellcheck source=bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"

ROUNDS=3
SECS=5
SCENARIOS="xconnect-1,xconnect-16k,l2-1,l2-16k,l3-1,l3-16k"
CEILING=1
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift 2 ;;
	--seconds) SECS=$2; shift 2 ;;
	--scenarios) SCENARIOS=$2; shift 2 ;;
	--no-ceiling) CEILING=0; shift ;;
	-h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-ovs.sh: unknown argument $1" >&2; exit 64 ;;
	esac
done

OVS_VSWITCHD=${OVS_VSWITCHD:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}

# What this needs, from Debian: OVS with DPDK, ovn-controller, the OVN central daemons, testpmd.
install_deps() {
	local pkgs=()
	[ -x "$OVS_VSWITCHD" ] || pkgs+=(openvswitch-switch-dpdk)
	command -v ovn-controller >/dev/null || pkgs+=(ovn-host)
	command -v ovn-northd >/dev/null || pkgs+=(ovn-central)
	command -v "$TESTPMD" >/dev/null || pkgs+=(dpdk-dev)
	command -v python3 >/dev/null || pkgs+=(python3)
	[ ${#pkgs[@]} = 0 ] && return 0
	log "installing ${pkgs[*]}"
	timeout 300 apt-get update -qq >&2 || true
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends \
		"${pkgs[@]}" >&2
	local rc=$?
	[ $rc = 0 ] || { log "FAIL: apt-get install ${pkgs[*]}"; exit 1; }
}

for sc in ${SCENARIOS//,/ }; do
	bench_scenario "$sc" || { echo "bench-ovs.sh: unknown scenario $sc" >&2; exit 64; }
done
[ "$(id -u)" = 0 ] || skip "needs root"
install_deps
take_lock
BRINT_SETUP_HUGEPAGES=1
require_hugepages
T=$(mktemp -d /tmp/brint-test.XXXXXX)
chmod 755 "$T"
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_pcaps

# on a failure: the OVS side's logs (lib.sh's dump_state shows brintd's)
dump_state() {
	[ -n "$T" ] || return 0
	local f
	for f in "$T/ovs/vswitchd.log" "$T/ovs/ovn-controller.log"; do
		[ -e "$f" ] || continue
		log "--- tail of $f"
		tail -n 20 "$f" >&2
	done
}

# --- the private OVS: everything under $T/ovs, every daemon by pidfile and PID ---
OD=""
ovs_env() { env OVS_RUNDIR="$OD" OVS_DBDIR="$OD" OVS_LOGDIR="$OD" OVS_SYSCONFDIR="$OD" \
	OVN_RUNDIR="$OD" OVN_DBDIR="$OD" OVN_LOGDIR="$OD" OVN_SYSCONFDIR="$OD" "$@"; }
vsctl() { ovs_env timeout 30 ovs-vsctl --db="unix:$OD/db.sock" --no-wait "$@"; }
ofctl() { # ofctl COMMAND [ARGS...]: on br-int
	local c=$1
	shift
	ovs_env timeout 30 ovs-ofctl "$c" "unix:$OD/br-int.mgmt" "$@"
}
appctl() { ovs_env timeout 30 ovs-appctl -t "$OD/vswitchd.ctl" "$@"; }
OVS_PREFIX=""
ovs_db_start() {
	OD=$T/ovs
	mkdir -p "$OD"
	ovsdb-tool create "$OD/conf.db" /usr/share/openvswitch/vswitch.ovsschema || fail "create OVS db"
	ovs_env ovsdb-server --detach --no-chdir --pidfile="$OD/ovsdb.pid" -vconsole:off --log-file="$OD/ovsdb.log" \
		--remote="punix:$OD/db.sock" --unixctl="$OD/ovsdb.ctl" "$OD/conf.db" ||
		fail "start the OVS ovsdb-server"
	_pidfile_pid "$OD/ovsdb.pid"
	new_prefix
	OVS_PREFIX=$PREFIX
	vsctl init &&
		vsctl set Open_vSwitch . other_config:dpdk-init=true \
			other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
			other_config:dpdk-socket-mem=512 \
			"other_config:dpdk-extra=--file-prefix=$OVS_PREFIX --no-pci" \
			external_ids:system-id=ovs-bench external_ids:hostname=ovs-bench \
			external_ids:ovn-encap-type=geneve external_ids:ovn-encap-ip=127.0.0.2 \
			external_ids:ovn-bridge-datapath-type=netdev &&
		vsctl add-br br-int -- set bridge br-int datapath_type=netdev fail-mode=secure \
			other_config:disable-in-band=true &&
		vsctl add-port br-int pod-a -- set interface pod-a type=dpdkvhostuserclient \
			"options:vhost-server-path=$T/a.sock" external_ids:iface-id=pod1 &&
		vsctl add-port br-int pod-b -- set interface pod-b type=dpdkvhostuserclient \
			"options:vhost-server-path=$T/b.sock" external_ids:iface-id=pod2 ||
		fail "configure the OVS db"
}

VSWITCHD_PID=""
ovs_vswitchd_start() {
	rm -f "$OD/vswitchd.pid"
	# the generator's first server socket (it creates b.sock once a.sock has its client)
	WAIT=30 wait_for test -S "$T/a.sock" || fail "no generator socket"
	ovs_env "$OVS_VSWITCHD" "unix:$OD/db.sock" --detach --no-chdir --pidfile="$OD/vswitchd.pid" \
		-vconsole:off --log-file="$OD/vswitchd.log" --unixctl="$OD/vswitchd.ctl" ||
		fail "start ovs-vswitchd (see $OD/vswitchd.log)"
	_pidfile_pid "$OD/vswitchd.pid"
	VSWITCHD_PID=$(cat "$OD/vswitchd.pid")
	WAIT=30 wait_for appctl dpif-netdev/pmd-rxq-show || fail "ovs-vswitchd does not answer"
	WAIT=30 wait_for '[ "$(vsctl get interface pod-a link_state)" = up ] &&
		[ "$(vsctl get interface pod-b link_state)" = up ]' ||
		fail "vhost-user ports not up (see $OD/vswitchd.log)"
	WAIT=10 wait_for test -S "$OD/br-int.mgmt" || fail "no br-int.mgmt"
}
ovs_vswitchd_stop() {
	[ -n "$VSWITCHD_PID" ] || return 0
	stop_pid "$VSWITCHD_PID"
	VSWITCHD_PID=""
}

OVNC_PID=""
ovn_controller_start() {
	[ -n "$OVNC_PID" ] && return 0
	vsctl set Open_vSwitch . "external_ids:ovn-remote=$OVN_SB" || fail "ovn-remote"
	rm -f "$OD/ovn-controller.pid"
	ovs_env ovn-controller "unix:$OD/db.sock" --detach --no-chdir \
		--pidfile="$OD/ovn-controller.pid" -vconsole:off --log-file="$OD/ovn-controller.log" ||
		fail "start ovn-controller"
	_pidfile_pid "$OD/ovn-controller.pid"
	OVNC_PID=$(cat "$OD/ovn-controller.pid")
}
ovn_controller_stop() {
	[ -n "$OVNC_PID" ] || return 0
	stop_pid "$OVNC_PID"
	OVNC_PID=""
}

of_flow_count() { ofctl dump-aggregate | sed -n 's/.*flow_count=\([0-9]*\).*/\1/p'; }

# The switch for one round: ovs-vswitchd after the generator's sockets exist, then its flows
# (the xconnect's, or ovn-controller's caught up with the southbound).
ovs_switch_up() {
	local dst=$1 n
	ovs_vswitchd_start
	if [ -z "$dst" ]; then
		ofctl del-flows && ofctl add-flow "in_port=pod-a,actions=output:pod-b" ||
			fail "xconnect flow"
	else
		WAIT=30 wait_for '[ "$(timeout 5 ovn-nbctl --db="$OVN_NB" lsp-get-up pod1)" = up ] &&
			[ "$(timeout 5 ovn-nbctl --db="$OVN_NB" lsp-get-up '"$dst"')" = up ]' ||
			fail "pod1/$dst not up in OVN (see $OD/ovn-controller.log)"
		# a fresh ovs-vswitchd: ovn-controller reconnects to br-int.mgmt and installs its flows
		# (the southbound already counts it as caught up: wait for the flows, then sync)
		WAIT=30 wait_for '[ "$(of_flow_count)" -gt 20 ]'
		WAIT=30 wait_for timeout 25 ovn-nbctl --db="$OVN_NB" --wait=hv sync ||
			fail "ovn-controller did not catch up with the southbound"
		n=$(of_flow_count)
		[ "${n:-0}" -gt 20 ] || fail "ovn-controller installed only ${n:-0} OpenFlow flows"
	fi
}

ACPP="" # OVS: all cycles (idle polls included) per packet
MFLOWS=""
ovs_hook() {
	local out
	case $1 in
	begin) appctl dpif-netdev/pmd-stats-clear >/dev/null ;;
	end)
		out=$(appctl dpif-netdev/pmd-stats-show -pmd 1)
		{ echo "== $SC"; echo "$out"; } >>"$T/pmd-stats.log"
		CPP=$(echo "$out" | awk -F: '/avg processing cycles per packet/ {split($2, a, " "); print a[1]; exit}')
		ACPP=$(echo "$out" | awk -F: '/avg cycles per packet/ {split($2, a, " "); print a[1]; exit}')
		appctl dpctl/dump-flows >"$T/megaflows.txt"
		{ echo "== $SC"; cat "$T/megaflows.txt"; } >>"$T/megaflows.log"
		MFLOWS=$(grep -vc '^flow-dump' "$T/megaflows.txt")
		[ -n "$CPP" ] || CPP="n/a"
		[ -n "$ACPP" ] || ACPP="n/a"
		;;
	esac
}

# run_ovs PCAP [OVN_DST_POD]: without a pod, the OpenFlow xconnect; with one, pod A is the
# logical port pod1 and pod B the given pod, ovn-controller programs br-int.
run_ovs() {
	local pcap=$1 dst=${2:-}
	start_generator "$pcap"
	ovs_switch_up "$dst"
	wait_pod gen
	measure ovs_hook
	ovs_vswitchd_stop
	stop_pod gen
}

ovs_db_start
declare -A R
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "OVS benchmark: $ROUNDS rounds x $SECS s per run, scenarios $SCENARIOS ($("$OVS_VSWITCHD" --version | head -1))"
SC=""
for sc in ${SCENARIOS//,/ }; do
	SC=$sc
	bench_scenario "$sc" || fail "unknown scenario $sc"
	if [ -z "$dst" ]; then
		ovn_controller_stop # its flows would replace the xconnect
	else
		ovn_topology
		vsctl set interface pod-b "external_ids:iface-id=$dst" || fail "iface-id $dst"
		ovn_controller_start
	fi
	for r in $(seq 1 "$ROUNDS"); do
		if [ $CEILING = 1 ]; then
			run_ceiling "$pcap"
			R[$sc.ceil.mpps]+=" $MPPS"; R[$sc.ceil.cpp]+=" $CPP"
			log "$sc round $r: testpmd-io $MPPS Mpps ($CPP cycles/pkt)"
		fi
		run_ovs "$pcap" "$dst"
		R[$sc.ovs.mpps]+=" $MPPS"; R[$sc.ovs.cpp]+=" $CPP"; R[$sc.ovs.acpp]+=" $ACPP"
		R[$sc.ovs.mf]+=" $MFLOWS"
		log "$sc round $r: ovs-dpdk   $MPPS Mpps ($CPP processing cycles/pkt, $ACPP cycles/pkt with idle, $MFLOWS megaflows)"
	done
done

printf '\n%-16s %-12s %10s %14s %10s %14s %10s\n' scenario switch Mpps cycles/pkt ratio all-cyc/pkt megaflows
for sc in ${SCENARIOS//,/ }; do
	om=$(median ${R[$sc.ovs.mpps]}); oc=$(median ${R[$sc.ovs.cpp]})
	oa=$(median ${R[$sc.ovs.acpp]}); of=$(median ${R[$sc.ovs.mf]})
	if [ $CEILING = 1 ]; then
		cm=$(median ${R[$sc.ceil.mpps]}); cc=$(median ${R[$sc.ceil.cpp]})
		ratio=$(python3 -c "print(f'{$om / $cm:.2f}' if $cm > 0 else 'n/a')")
		printf '%-16s %-12s %10s %14s %10s %14s %10s\n' "$sc" "testpmd-io" "$cm" "$cc" "1.00" "-" "-"
	else
		ratio=n/a
	fi
	printf '%-16s %-12s %10s %14s %10s %14s %10s\n' "$sc" "ovs-dpdk" "$om" "$oc" "$ratio" "$oa" "${of%.000}"
done
echo "(cycles/pkt: OVS PMD 'avg processing cycles per packet' (testpmd: busy cycles); all-cyc/pkt: 'avg cycles per packet', idle polls included; megaflows: dpctl/dump-flows at the end of the window)"
echo "(medians of $ROUNDS interleaved rounds, $SECS s each, 64-byte frames; OVS $("$OVS_VSWITCHD" --version | head -1 | sed 's/.*) //'), $(date -u +%Y-%m-%dT%H:%MZ); load average before the run $LOAD0: well above 0, other work shared the 2 cores)"
