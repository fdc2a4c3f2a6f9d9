#!/usr/bin/env bash
# The cost of a flow's first packet (the slow path, dp/pl_interp.c) without pods or DPDK:
# a private OVN (NB and SB ovsdb-server, ovn-northd) builds scripts/bench.sh's topology
# (kube-ovn's default VPC, a second subnet 10.17.0.0/16 on ovn-cluster, pods pod1 and pod2 on
# ovn-default, pod3 on the second subnet), the SB rows are taken with ovsdb-client into one
# update2 message, and brint-pl-bench (tests/bench/pl_bench.c) compiles them as brintd does
# and times pl_run() on the scenarios' keys:
#   l2   pod1 -> pod2 UDP on ovn-default
#   l3   pod1 -> pod3 UDP across ovn-cluster
#   arp  pod1's ARP request for its gateway 10.16.0.1
# Local ports: pod1 = 1, pod2 = 2, pod3 = 3. min / median / mean cycles of N runs per key
# (caches hot), min / median of --cold N runs after evicting the caches (default 200);
# with --linear as well, the same generation without the stage indexes. Each key is also
# checked against the linear scan (brint-pl-bench --verify).
#
# usage: scripts/bench-first-packet.sh [--runs N] [--cold N] [--pods N] [--linear] [--keep FILE]
#   --pods N: N more pods (with port security) on each of ovn-default and the second subnet,
#   remote (not on this chassis): the stages that have a flow per pod grow with them
#   (BRINT_BUILD: the build directory, default build/; --keep: save the SB snapshot)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
BUILD=${BRINT_BUILD:-$TOP/build}
BENCH=$BUILD/tests/bench/brint-pl-bench
export BRINT_SB_PROBE=${BRINT_SB_PROBE:-/nonexistent} BRINTCTL=${BRINTCTL:-/nonexistent}
# shellcheck source=../tests/integration/ovn/ovn_lib.sh
. "$TOP/tests/integration/ovn/ovn_lib.sh"
# shellcheck source=bench_lib.sh
. "$HERE/bench_lib.sh"

RUNS=2000
COLD=200
PODS=0
LINEAR=0
KEEP=""
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--cold) COLD=$2; shift 2 ;;
	--pods) PODS=$2; shift 2 ;;
	--linear) LINEAR=1; shift ;;
	--keep) KEEP=$2; shift 2 ;;
	-h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-first-packet.sh: unknown argument $1" >&2; exit 64 ;;
	esac
done
[ -x "$BENCH" ] || { echo "no $BENCH (build first)" >&2; exit 1; }
for p in ovsdb-server ovsdb-tool ovsdb-client ovn-northd ovn-nbctl python3 timeout; do
	command -v "$p" >/dev/null || skip "$p not installed"
done

setup_tmp
create_dbs
start_sb
start_nb_northd
kube_ovn_topology
bench_ovn_pods # the second subnet and pod1..pod3, as the pod benchmarks build them
if [ "$PODS" -gt 0 ]; then
	for sw in ovn-default:16:10 subnet2:17:20; do
		IFS=: read -r name net m <<<"$sw"
		args=()
		for ((i = 0; i < PODS; i++)); do
			mac=$(printf '00:00:00:%02x:%02x:%02x' "$m" $((i / 256)) $((i % 256)))
			ip="10.$net.$((1 + i / 250)).$((1 + i % 250))"
			args+=(-- lsp-add "$name" "$name-p$i" -- lsp-set-addresses "$name-p$i" "$mac $ip"
				-- lsp-set-port-security "$name-p$i" "$mac $ip")
		done
		timeout 300 ovn-nbctl --db="unix:$T/nb.sock" "${args[@]:1}" || fail "pods on $name"
	done
fi
nbctl --wait=sb sync || fail "northd sync"

# the rows of the tables brintd monitors (ovn-glue/sb/sb_tables.c) as one update2 message
tables="SB_Global Chassis Chassis_Private Encap Datapath_Binding Port_Binding Logical_Flow
	Logical_DP_Group Multicast_Group MAC_Binding Static_MAC_Binding Address_Set Port_Group
	Load_Balancer FDB DNS DHCP_Options Gateway_Chassis HA_Chassis HA_Chassis_Group IP_Multicast
	IGMP_Group Meter Meter_Band Service_Monitor BFD Chassis_Template_Var Mirror"
ops=$(for t in $tables; do printf ',{"op":"select","table":"%s","where":[]}' "$t"; done)
timeout 30 ovsdb-client transact "unix:$T/sb.sock" "[\"OVN_Southbound\"$ops]" >"$T/select.json" ||
	fail "ovsdb-client transact"
python3 - "$T/select.json" "$T/sb-snapshot.json" $tables <<'PY' || fail "snapshot"
import json, sys
res = json.load(open(sys.argv[1]))
out = {}
for table, r in zip(sys.argv[3:], res):
    rows = {}
    for row in r["rows"]:
        uuid = row.pop("_uuid")[1]
        row.pop("_version", None)
        rows[uuid] = {"insert": row}
    if rows:
        out[table] = rows
json.dump(out, open(sys.argv[2], "w"))
PY
[ -z "$KEEP" ] || cp "$T/sb-snapshot.json" "$KEEP"

KEYS=(--key "l2:udp,1,00:00:00:00:01:01,00:00:00:00:01:02,10.16.0.11,10.16.0.12"
	--key "l3:udp,1,00:00:00:00:01:01,00:00:00:a1:00:01,10.16.0.11,10.17.0.11"
	--key "arp:arp,1,00:00:00:00:01:01,10.16.0.11,10.16.0.1")
LOCALS=(--local pod1=1 --local pod2=2 --local pod3=3)
"$BENCH" "$T/sb-snapshot.json" --verify --runs "$RUNS" --cold "$COLD" "${LOCALS[@]}" "${KEYS[@]}" || fail "bench"
if [ $LINEAR = 1 ]; then
	"$BENCH" "$T/sb-snapshot.json" --runs "$RUNS" --cold "$COLD" --linear "${LOCALS[@]}" "${KEYS[@]}" ||
		fail "bench --linear"
fi
