#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark (not a timed test): brint's logical-flow compiler on a kube-ovn-like SB at scale.
#
# Starts its own NB and SB ovsdb-server and ovn-northd 23.03 in a private directory and builds
# one router (ovn-cluster) with SUBNETS logical switches attached (10.S.0.0/24 each) and
# PODS pods spread over them ("MAC IP" addresses), one port group and one address set (its
# pods' IPs) per subnet with ACLs (on each port group: default deny, allow from the
# namespace's set, allow-related egress; on each switch: allow tcp/8080 from its set; on the
# first BIGUSERS groups and switches: an allow on a set of all PODS addresses), all with
# ovn-nbctl in batches. Then runs brint-lflow-probe (the SB
# client plus the compiler, no datapath) and prints:
#   - logical flows, compiled / skipped, normalised rules;
#   - the first full compile: lfc_update's time and its phases, pl_build's time, resident
#     memory before and after;
#   - incremental changes, ROUNDS of each: add a pod (lsp-add + addresses), add a member to a
#     subnet's 100-address set, add a member to the 10,000-address set, remove the pod; then
#     once: add a subnet (a switch on the router with one pod): every compile pass
#     the change caused (lfc_update with its phases, pl_build, flows recompiled, flows patched
#     with an address set's difference (compile_patch.c); skipped
#     passes);
#   - whether the incrementally maintained tables equal a full recompile (lfc_dump).
# Goals (issue 4): full compile under 1 s, one incremental change under 1 ms.
#
# usage: scripts/lflow-scale.sh [-p PODS] [-s SUBNETS] [-r ROUNDS] [-b BUILDDIR] [-k]
#   -k  keep the temporary directory
# Every process started here is stopped by the PID from its pidfile.
set -uo pipefail

PODS=10000
SUBNETS=100
ROUNDS=3
BIGUSERS=3
BUILD=""
KEEP=""
while getopts "p:s:r:b:kh" o; do
	case $o in
	p) PODS=$OPTARG ;;
	s) SUBNETS=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	b) BUILD=$OPTARG ;;
	k) KEEP=1 ;;
	*) sed -n '2,26p' "$0"; exit 2 ;;
	esac
done
TOP=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$BUILD" ]; then
	for d in "$TOP/build" "$TOP/build-ovn"; do
		[ -x "$d/ovn-glue/tools/brint-lflow-probe" ] && BUILD=$d && break
	done
fi
PROBE=$BUILD/ovn-glue/tools/brint-lflow-probe
CTL=$BUILD/ctl/brintctl
[ -x "$PROBE" ] || { echo "brint-lflow-probe not built (use -b BUILDDIR)" >&2; exit 2; }
[ -x "$CTL" ] || { echo "brintctl not built in $BUILD" >&2; exit 2; }
for p in ovsdb-server ovsdb-tool ovn-northd ovn-nbctl ovn-sbctl jq bc; do
	command -v $p >/dev/null || { echo "$p not installed" >&2; exit 2; }
done
PER=$(((PODS + SUBNETS - 1) / SUBNETS))
[ "$SUBNETS" -le 250 ] && [ "$PER" -le 250 ] || { echo "at most 250 subnets of 250 pods" >&2; exit 2; }
[ "$BIGUSERS" -le "$SUBNETS" ] || BIGUSERS=$SUBNETS

T=$(mktemp -d /tmp/brint-lflow-scale.XXXXXX)
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
nbctl() { timeout 900 ovn-nbctl --db="unix:$T/nb.sock" --timeout=600 "$@" 2>>"$T/nbctl.log"; }
sbctl() { timeout 900 ovn-sbctl --db="unix:$T/sb.sock" --timeout=600 "$@" 2>>"$T/nbctl.log"; }
ctl() { timeout 30 "$CTL" --socket "$T/probe.ctl" --json "$@"; }
since() { echo "$(date +%s.%N) - $1" | bc; }

exec 3>&2 2>>"$T/daemons.log" # the daemons' start-up chatter
for db in sb nb; do
	ovsdb-tool create "$T/$db.db" /usr/share/ovn/ovn-$db.ovsschema || exit 1
	ovsdb-server --detach --no-chdir --pidfile="$T/$db.pid" --log-file="$T/$db.log" \
		--remote="punix:$T/$db.sock" --unixctl="$T/$db.ctl" "$T/$db.db" || exit 1
	record "$T/$db.pid"
done
ovn-northd --detach --no-chdir --pidfile="$T/northd.pid" --log-file="$T/northd.log" \
	--ovnnb-db="unix:$T/nb.sock" --ovnsb-db="unix:$T/sb.sock" --unixctl="$T/northd.ctl" ||
	exit 1
record "$T/northd.pid"
exec 2>&3

ip_of() { echo "10.$1.0.$(($2 + 2))"; } # SUBNET POD
mac_of() { printf '0a:00:00:%02x:%02x:%02x' $(($1 >> 8)) $(($1 & 255)) $(($2 + 2)); }

say "topology: $SUBNETS subnets of $PER pods ($PODS in all) on router ovn-cluster"
t0=$(date +%s.%N)
nbctl lr-add ovn-cluster || exit 1
pod=0
for ((s = 0; s < SUBNETS; s++)); do
	args=(-- ls-add "sub$s" -- set logical_switch "sub$s" other_config:subnet="10.$s.0.0/24"
		-- lrp-add ovn-cluster "ovn-cluster-sub$s" "$(mac_of $s 253)" "10.$s.0.1/24"
		-- lsp-add "sub$s" "sub$s-ovn-cluster" -- lsp-set-type "sub$s-ovn-cluster" router
		-- lsp-set-addresses "sub$s-ovn-cluster" router
		-- lsp-set-options "sub$s-ovn-cluster" router-port="ovn-cluster-sub$s")
	for ((k = 0; k < PER && pod < PODS; k++, pod++)); do
		args+=(-- lsp-add "sub$s" "pod$s-$k" -- lsp-set-addresses "pod$s-$k" "$(mac_of $s $k) $(ip_of $s $k)")
	done
	nbctl "${args[@]:1}" || { echo "nbctl failed, see $T/nbctl.log" >&2; KEEP=1; exit 1; }
done
say "switches and pods in $(since "$t0") s; port groups, address sets, ACLs"
nbctl create address_set name=as_all >/dev/null || exit 1
BATCH=10
for ((s0 = 0; s0 < SUBNETS; s0 += BATCH)); do
	args=()
	for ((s = s0; s < s0 + BATCH && s < SUBNETS; s++)); do
		ports=() ips=()
		for ((k = 0; k < PER && s * PER + k < PODS; k++)); do
			ports+=("pod$s-$k")
			ips+=("\"$(ip_of $s $k)\"")
		done
		args+=(-- pg-add "pg_$s" "${ports[@]}"
			-- create address_set name="as_$s" addresses="$(IFS=,; echo "${ips[*]}")"
			-- add address_set as_all addresses "${ips[@]}"
			-- --type=port-group acl-add "pg_$s" to-lport 2000 "outport == @pg_$s && ip4" drop
			-- --type=port-group acl-add "pg_$s" to-lport 2001
			"outport == @pg_$s && ip4 && ip4.src == \$as_$s" allow-related
			-- --type=port-group acl-add "pg_$s" from-lport 2001 "inport == @pg_$s && ip4"
			allow-related)
		[ "$s" -lt "$BIGUSERS" ] && args+=(-- --type=port-group acl-add "pg_$s" to-lport 2002
			"outport == @pg_$s && ip4.src == \$as_all && tcp.dst == 80" allow-related
			-- acl-add "sub$s" from-lport 1901 "ip4.dst == \$as_all && udp.dst == 53"
			allow-related)
		# switch ACLs too (no port group): one per subnet on its address set
		args+=(-- acl-add "sub$s" to-lport 1900 "ip4.src == \$as_$s && tcp.dst == 8080"
			allow-related)
	done
	nbctl "${args[@]:1}" >/dev/null || { echo "nbctl failed, see $T/nbctl.log" >&2; KEEP=1; exit 1; }
done
nbctl --wait=sb sync || exit 1
LFLOWS=$(sbctl --bare --columns=_uuid list Logical_Flow | grep -c .)
say "SB ready in $(since "$t0") s: $LFLOWS logical flows"

cat >"$T/brint.json" <<JSON
{"ovn": {"remote": "unix:$T/sb.sock", "chassis": "lflow-scale", "encap_ip": "192.168.60.10",
         "release_stale_after_ms": 0}}
JSON
"$PROBE" --config "$T/brint.json" --socket "$T/probe.ctl" --pidfile "$T/probe.pid" \
	--log-level warn >"$T/probe.out" 2>>"$T/probe.log" &
record "$T/probe.pid"
for _ in $(seq 6000); do [ -s "$T/probe.out" ] && break; sleep 0.1; done
[ -s "$T/probe.out" ] || { echo "the probe never compiled, see $T/probe.log" >&2; KEEP=1; exit 1; }
FIRST=$(head -1 "$T/probe.out")
# --wait=hv needs the chassis to report nb_cfg
for _ in $(seq 100); do
	sbctl --bare --columns=name list chassis | grep -q lflow-scale && break
	sleep 0.1
done

echo "== $PODS pods in $SUBNETS subnets, $SUBNETS port groups with ACLs; $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$FIRST" | jq -r --arg sb "$LFLOWS" '
	"logical flows: \(.flows) (SB: \($sb)), compiled \(.compiled), skipped \(.skipped), rules \(.rules)",
	"full compile: \(.full_lfc_ms) ms (lflow stats last_ms: topology \(.full_topo_ms) ms, stage lists \(.full_lists_ms) ms, the rest compiling), \(.full_wall_ms) ms wall",
	"pipeline generation built from it (pl_build, what brintd hands the engine): \(.full_pl_build_ms) ms",
	"resident memory: \(.rss_before_kb) kB before compiling (replica loaded), \(.rss_after_kb) kB after (+\(.rss_after_kb - .rss_before_kb) kB); peak \(.hwm_kb) kB"'

# CHANGE-NAME NBCTL-ARGS...: make the change, wait for the chassis (--wait=hv) and for stray
# later SB transactions, then list the compile passes it caused.
measure() {
	local name=$1 n out
	shift
	n=$(ctl probe lflow passes | jq length)
	nbctl --wait=hv "$@" >/dev/null || { echo "nbctl $* failed" >&2; return 1; }
	sleep 1
	out=$(ctl probe lflow passes --since "$n")
	echo "$out" | jq -r --arg name "$name" '
		def r3: . * 1000 | round / 1000;
		"\($name): \(length) pass(es): " + (map(if .skipped_pass then "skipped (nothing read changed), \(.lfc_ms | r3) ms" else "lfc \(.lfc_ms | r3) ms (topology \(.topo_ms | r3), compile \(.compile_ms | r3), lists \(.lists_ms | r3)), \(.recompiled) recompiled, \(.patched // 0) patched with a set difference\(if .full then " (FULL)" else "" end); pl_build \(.pl_build_ms | r3) ms\(if .pl_phases then " (walk \(.pl_phases.walk | r3), finish \(.pl_phases.finish | r3), index \(.pl_phases.index | r3); publish: equal \(.pl_phases.equal | r3)\(if .pl_phases.equal_gen then " (same)" else "" end), diff \(.pl_phases.diff | r3) (\(.pl_phases.changed_dp_bits) dp bits), free \(.pl_phases.free | r3))" else "" end)\(if .pl_reuse then "; stage indexes taken over \(.pl_reuse.reused)/\(.pl_reuse.stages)" else "" end)" end) | join("; ")) +
		"  [sum lfc \(map(.lfc_ms) | add // 0 | r3) ms, pl_build \(map(.pl_build_ms) | add // 0 | r3) ms]"'
	echo "$out" >>"$T/passes.json"
}
for ((r = 0; r < ROUNDS; r++)); do
	s=$((r % SUBNETS))
	measure "add pod new$r to sub$s" lsp-add "sub$s" "new$r" -- lsp-set-addresses "new$r" \
		"$(mac_of $s $((240 + r))) $(ip_of $s $((240 + r)))"
	measure "add a member to as_$s (${PER} addresses)" add address_set "as_$s" addresses \
		"\"10.$s.1.$((r + 1))\""
	measure "add a member to as_all ($PODS addresses, used by $((2 * BIGUSERS)) ACLs)" add address_set \
		as_all addresses "\"10.250.0.$((r + 1))\""
	measure "remove pod new$r" lsp-del "new$r"
done
# a new subnet: a switch (a datapath joining the switches' datapath groups) on the router
n=$SUBNETS
measure "add subnet sub$n (a switch on the router, one pod)" ls-add "sub$n" \
	-- lrp-add ovn-cluster "ovn-cluster-sub$n" "$(mac_of $n 253)" "10.$n.0.1/24" \
	-- lsp-add "sub$n" "sub$n-ovn-cluster" -- lsp-set-type "sub$n-ovn-cluster" router \
	-- lsp-set-addresses "sub$n-ovn-cluster" router \
	-- lsp-set-options "sub$n-ovn-cluster" router-port="ovn-cluster-sub$n" \
	-- lsp-add "sub$n" "pod$n-0" -- lsp-set-addresses "pod$n-0" "$(mac_of $n 0) $(ip_of $n 0)"
st=$(ctl lflow stats)
echo "$st" | jq -r '"after the changes: \(.flows) flows, \(.skipped) skipped, \(.full_compiles) full and \(.incremental_compiles) incremental compiles, \(.skipped_passes) passes skipped, \(.total_recompiled) flows recompiled and \(.total_patched // 0) patched in all"'
echo "$st" | jq -r '"topology: \(.topology.datapaths) datapaths, \(.topology.ports) ports, \(.topology.mcgroups) multicast groups, \(.topology.dangling) dangling references; rebuilt \(.topology.rebuilds) times, \(.topology.forced_rebuilds) of them forced (a change that could not be applied row by row)"'
echo "$st" | jq -r 'if .skipped > 0 then "WARNING: \(.skipped) flows skipped (not compiled, so not in the figures above); the first:" else empty end'
echo "$st" | jq -r '.skipped_flows[:5][] | "  skipped: \(.stage) \(.priority) \(.match): \(.reason)"'
ctl probe rss | jq -r '"resident memory after the changes: \(.rss_kb) kB (peak \(.hwm_kb) kB)"'
ctl probe lflow verify | jq -r 'if .equal then "incremental == full recompile: yes (\(.flows) flows, \(.dump_bytes) bytes of dump compared)" else "incremental == full recompile: NO, first difference at line \(.line):\n  incremental: \(.incremental[:300])\n  full:        \(.full[:300])" end'
cat <<EOT
lfc: the whole lfc_update call (lflow stats last_ms): topology = ltopo_update (the changed
rows applied to the logical topology), compile = recompiling the flows that depend on the
change, lists = the per-(datapath, pipeline, stage) lists updated. A pass in which nothing the
compiler reads changed (northd's nb_cfg transaction) is skipped. pl_build: brintd's next step
after a pass that changed something, the whole pipeline generation built for the datapath
(ovn-glue/lflow/pl_build.c; timed here without local ports), in phases: walk = pl_build's
walk over the compiled flows, ports and neighbours, finish = plb_finish's neighbour tables,
index = pl_index_build; then what pl_publish does (without PMDs, so no grace period): equal =
pl_gen_equal against the previous generation, diff = pl_gen_diff if not equal, free = the
old generation released (the new one is kept, as brintd keeps it). Replica update and the SB round trip are not included. The machine may be
shared: see the load above.
EOT
