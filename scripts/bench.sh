#!/usr/bin/env bash
# brint benchmark: Mpps and brintd's busy cycles per packet, beside a testpmd io-forward ceiling
# measured in the same invocation (interleaved rounds: ceiling, scenario, ceiling, ...).
#
# usage: scripts/bench.sh [--rounds N] [--seconds S] [--scenarios LIST]
#   scenarios: xconnect-1, xconnect-16k (comma separated; default: all)
#
# Topology (2 cores): one dpdk-testpmd generator on core 0 holds port 0 = net_pcap replaying
# 64-byte UDP frames (infinite), port 1 = pod A (virtio_user), port 2 = pod B (virtio_user),
# port 3 = net_null sink; paired: pcap -> A, B -> sink. The switch under test runs its PMD on
# core 1: brintd with an xconnect A -> B, or (the ceiling) dpdk-testpmd io-forwarding between
# two net_vhost ports. Result: pod B's received packets per second, and the switch core's busy
# cycles per packet (brintd: rte_rdtsc around iterations that moved packets; testpmd:
# --record-core-cycles).
. "$(dirname "$0")/../tests/integration/lib.sh"

ROUNDS=3
SECS=5
SCENARIOS="xconnect-1,xconnect-16k"
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift 2 ;;
	--seconds) SECS=$2; shift 2 ;;
	--scenarios) SCENARIOS=$2; shift 2 ;;
	-h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench.sh: unknown argument $1" >&2; exit 64 ;;
	esac
done
BRINT_SETUP_HUGEPAGES=1
setup

python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/flows-1.pcap" --flows 1
python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/flows-16k.pcap" --flows 16384

now() { date +%s.%N; }

# run_generator PCAP SERVER_MODE: start the generator pods; sets nothing, logs in $T/gen.log
start_generator() {
	local pcap=$1
	POD_NOWAIT=1 start_pod gen 0,1 1 "--vdev net_pcap0,rx_pcap=$pcap,infinite_rx=1 \
		--vdev net_virtio_user1,path=$T/a.sock,server=1,queue_size=1024 \
		--vdev net_virtio_user2,path=$T/b.sock,server=1,queue_size=1024 \
		--vdev net_null0,no-rx=1" "--port-topology=paired --no-flush-rx --forward-mode=io"
}

# measure HOOK: start forwarding, warm up 1 s, count pod B's rx over SECS; sets MPPS (and the
# hook sets CPP)
MPPS=""
measure() {
	local c0 c1 t0 t1
	pod_cmd gen start
	sleep 1
	"$@" begin
	t0=$(now); c0=$(pod_port_counter gen 2 rx)
	sleep "$SECS"
	t1=$(now); c1=$(pod_port_counter gen 2 rx)
	"$@" end
	pod_cmd gen stop
	MPPS=$(python3 -c "print(f'{($c1 - $c0) / ($t1 - $t0) / 1e6:.3f}')")
}

CPP=""
brintd_hook() {
	case $1 in
	begin) ctl pmd stats --clear >/dev/null ;;
	end) CPP=$(ctl --json pmd stats | python3 -c "import json,sys; print(f\"{json.load(sys.stdin)[0]['cycles_per_packet']:.1f}\")") ;;
	esac
}

SW_PID=""
testpmd_hook() {
	local before
	case $1 in
	begin) pod_cmd sw "clear fwd stats all" ;;
	end)
		before=$(wc -l <"$T/sw.log")
		pod_cmd sw "show fwd stats all"
		WAIT=5 wait_for bash -c "tail -n +$((before + 1)) '$T/sw.log' | grep -q 'CPU cycles/packet'"
		CPP=$(tail -n +$((before + 1)) "$T/sw.log" | awk -F'=' '/CPU cycles\/packet/ {gsub(/[^0-9.]/, "", $2); print $2; exit}')
		[ -n "$CPP" ] || CPP="n/a"
		;;
	esac
}

run_ceiling() {
	local pcap=$1
	start_generator "$pcap"
	POD_NOWAIT=1
	# the switch: main lcore 0, forwarding lcore 1
	start_pod sw 0,1 0 "--vdev net_vhost0,iface=$T/a.sock,client=1 --vdev net_vhost1,iface=$T/b.sock,client=1" \
		"--forward-mode=io --port-topology=paired --no-flush-rx --record-core-cycles --auto-start"
	POD_NOWAIT=""
	wait_pod gen
	wait_pod sw
	sleep 2
	measure testpmd_hook
	stop_pod sw
	stop_pod gen
}

run_brintd() {
	local pcap=$1
	start_generator "$pcap"
	brintd_config "$T/brint.json" "[
	  {\"name\": \"pod-a\", \"type\": \"vhost-user\", \"path\": \"$T/a.sock\", \"mode\": \"client\"},
	  {\"name\": \"pod-b\", \"type\": \"vhost-user\", \"path\": \"$T/b.sock\", \"mode\": \"client\"}]" \
		'[{"from": "pod-a", "to": "pod-b"}]'
	start_brintd "$T/brint.json"
	wait_pod gen
	WAIT=20 wait_for "[ \"\$(port_link pod-a)\" = up ]" || fail "pod-a link never came up"
	WAIT=20 wait_for "[ \"\$(port_link pod-b)\" = up ]" || fail "pod-b link never came up"
	measure brintd_hook
	stop_brintd
	stop_pod gen
}

median() { python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:] if x not in ('n/a','')]; print(f'{statistics.median(v):.3f}' if v else 'n/a')" "$@"; }

declare -A R
log "benchmark: $ROUNDS rounds x $SECS s per run, scenarios $SCENARIOS"
for sc in ${SCENARIOS//,/ }; do
	case $sc in
	xconnect-1) pcap=$T/flows-1.pcap ;;
	xconnect-16k) pcap=$T/flows-16k.pcap ;;
	*) fail "unknown scenario $sc" ;;
	esac
	for r in $(seq 1 "$ROUNDS"); do
		run_ceiling "$pcap"
		R[$sc.ceil.mpps]+=" $MPPS"; R[$sc.ceil.cpp]+=" $CPP"
		log "$sc round $r: testpmd-io $MPPS Mpps ($CPP cycles/pkt)"
		run_brintd "$pcap"
		R[$sc.brint.mpps]+=" $MPPS"; R[$sc.brint.cpp]+=" $CPP"
		log "$sc round $r: brintd     $MPPS Mpps ($CPP cycles/pkt)"
	done
done

printf '\n%-16s %-12s %10s %14s %10s\n' scenario switch Mpps cycles/pkt ratio
for sc in ${SCENARIOS//,/ }; do
	cm=$(median ${R[$sc.ceil.mpps]}); cc=$(median ${R[$sc.ceil.cpp]})
	bm=$(median ${R[$sc.brint.mpps]}); bc=$(median ${R[$sc.brint.cpp]})
	ratio=$(python3 -c "print(f'{$bm / $cm:.2f}' if $cm > 0 else 'n/a')")
	printf '%-16s %-12s %10s %14s %10s\n' "$sc" "testpmd-io" "$cm" "$cc" "1.00"
	printf '%-16s %-12s %10s %14s %10s\n' "$sc" "brintd" "$bm" "$bc" "$ratio"
done
echo "(medians of $ROUNDS interleaved rounds, $SECS s each, 64-byte frames; $(date -u +%Y-%m-%dT%H:%MZ))"
