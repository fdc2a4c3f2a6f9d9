# shellcheck shell=bash disable=SC2034 # its variables are set for the scripts that source it (and lib.sh)
# What the pod benchmarks share: scripts/bench.sh (brintd) and scripts/bench-ovs.sh (OVS-DPDK
# with ovn-controller, the reference) measure the same scenarios with the same generator, the
# same testpmd io-forward ceiling and the same OVN topology, so that their figures compare;
# scripts/bench-first-packet.sh builds that topology too. Kept in one place so the two sides
# cannot drift apart.
#
# Sourced after tests/integration/lib.sh, whose helpers it uses (nbctl, fail, start_ovn,
# kube_ovn_default_vpc, start_pod, wait_pod, stop_pod, pod_cmd, pod_port_counter, wait_for,
# $T, $BRINT_TOP); the caller sets SECS (seconds a measurement counts). bench_ovn_pods needs
# only nbctl and fail (tests/integration/ovn/ovn_lib.sh has them as well) and
# tests/integration/kube_ovn.sh, sourced here.
#
# Topology (2 cores): one dpdk-testpmd generator on core 0 holds port 0 = net_pcap replaying
# 64-byte UDP frames (infinite), port 1 = pod A (virtio_user, server socket $T/a.sock), port 2
# = pod B (virtio_user, $T/b.sock), port 3 = net_null sink; paired: pcap -> A, B -> sink. The
# switch under test puts its PMD on core 1; the ceiling is dpdk-testpmd io-forwarding between
# two net_vhost ports there.

# The frames of the scenarios both benchmarks run, into $T: flows-1 and flows-16k (the
# cross-connect), l2-N (pod1 00:00:00:00:01:01 10.16.0.11 -> pod2 on the same switch) and l3-N
# (pod1 -> pod3 10.17.0.11 on a second subnet, through the router port 00:00:00:a1:00:01), for N
# = 1 and 16384 flows varying the UDP source port; l3-ttl: l3's 16384 flows with TTLs cycling
# through 2..255, 254 megaflows (the router matches the TTL).
bench_pcaps() {
	python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/flows-1.pcap" --flows 1
	python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/flows-16k.pcap" --flows 16384
	local n
	for n in 1 16384; do
		python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/l2-$n.pcap" --flows $n \
			--src-mac 00:00:00:00:01:01 --dst-mac 00:00:00:00:01:02 \
			--src-ip 10.16.0.11 --dst-ip 10.16.0.12
		python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/l3-$n.pcap" --flows $n \
			--src-mac 00:00:00:00:01:01 --dst-mac 00:00:00:a1:00:01 \
			--src-ip 10.16.0.11 --dst-ip 10.17.0.11
	done
	python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/l3-ttl.pcap" --flows 16384 --ttl-cycle \
		--src-mac 00:00:00:00:01:01 --dst-mac 00:00:00:a1:00:01 \
		--src-ip 10.16.0.11 --dst-ip 10.17.0.11
}

# bench_scenario SC: sets pcap (the generator's frames) and dst (the OVN pod behind pod B;
# empty: the cross-connect) for the scenarios both benchmarks run; returns 1 for another SC.
bench_scenario() {
	case $1 in
	xconnect-1) pcap=$T/flows-1.pcap dst="" ;;
	xconnect-16k) pcap=$T/flows-16k.pcap dst="" ;;
	l2-1) pcap=$T/l2-1.pcap dst=pod2 ;;
	l2-16k) pcap=$T/l2-16384.pcap dst=pod2 ;;
	l3-1) pcap=$T/l3-1.pcap dst=pod3 ;;
	l3-16k) pcap=$T/l3-16384.pcap dst=pod3 ;;
	l3-ttl) pcap=$T/l3-ttl.pcap dst=pod3 ;;
	*) return 1 ;;
	esac
}

# shellcheck source=../tests/integration/kube_ovn.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/integration/kube_ovn.sh"

# On kube-ovn's default VPC: a second subnet 10.17.0.0/16 on ovn-cluster, pods pod1 and pod2
# on ovn-default and pod3 on the second subnet.
bench_ovn_pods() {
	kube_ovn_subnet2
	kube_ovn_pods3
}

# Once per invocation: a local OVN with kube-ovn's default VPC and bench_ovn_pods, then
# ovn_topology_extra (a benchmark redefines it for ports of its own scenarios).
OVN_UP=0
ovn_topology_extra() { :; }
ovn_topology() {
	[ $OVN_UP = 1 ] && return 0
	start_ovn
	kube_ovn_default_vpc
	bench_ovn_pods
	ovn_topology_extra
	OVN_UP=1
}

# What measure counts: pod B's received packets (the generator's port 2), or, when
# COUNT_IFACE names one, the kernel's rx counter of that interface.
COUNT_IFACE=""
count_rx() {
	if [ -n "$COUNT_IFACE" ]; then
		cat "/sys/class/net/$COUNT_IFACE/statistics/rx_packets"
	else
		pod_port_counter gen 2 rx
	fi
}

now() { date +%s.%N; }

# start_generator PCAP: start the generator pod (not waited for; its log is $T/gen.log)
start_generator() {
	local pcap=$1
	POD_NOWAIT=1 start_pod gen 0,1 1 "--vdev net_pcap0,rx_pcap=$pcap,infinite_rx=1 \
		--vdev net_virtio_user1,path=$T/a.sock,server=1,queue_size=1024 \
		--vdev net_virtio_user2,path=$T/b.sock,server=1,queue_size=1024 \
		--vdev net_null0,no-rx=1" "--port-topology=paired --no-flush-rx --forward-mode=io"
}

# measure HOOK: start forwarding, warm up 1 s, count_rx over SECS; sets MPPS (and the hook,
# called with begin and end around the counted window, sets CPP)
MPPS=""
CPP=""
measure() {
	local c0 c1 t0 t1
	pod_cmd gen start
	sleep 1
	"$@" begin
	t0=$(now); c0=$(count_rx)
	sleep "$SECS"
	t1=$(now); c1=$(count_rx)
	"$@" end
	pod_cmd gen stop
	MPPS=$(python3 -c "print(f'{($c1 - $c0) / ($t1 - $t0) / 1e6:.3f}')")
}

# the ceiling switch's hook: testpmd's busy cycles per packet (--record-core-cycles)
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

# run_ceiling PCAP [TAP]: one ceiling round, testpmd io-forwarding pod A -> pod B on core 1;
# with TAP, pod A -> a net_tap interface TAP (ovn0's MAC and address) -> pod B, chained, and
# the caller counts TAP (COUNT_IFACE).
run_ceiling() {
	local pcap=$1 tap=${2:-}
	start_generator "$pcap"
	POD_NOWAIT=1
	# the switch: main lcore 0, forwarding lcore 1
	if [ -n "$tap" ]; then
		# into a kernel tap interface: vhost A -> tap -> vhost B (chained), the tap counted
		start_pod sw 0,1 0 "--vdev net_vhost0,iface=$T/a.sock,client=1 --vdev net_tap0,iface=$tap,mac=0a:00:00:64:00:02 \
			--vdev net_vhost1,iface=$T/b.sock,client=1" \
			"--forward-mode=io --port-topology=chained --no-flush-rx --record-core-cycles --auto-start"
	else
		start_pod sw 0,1 0 "--vdev net_vhost0,iface=$T/a.sock,client=1 --vdev net_vhost1,iface=$T/b.sock,client=1" \
			"--forward-mode=io --port-topology=paired --no-flush-rx --record-core-cycles --auto-start"
	fi
	POD_NOWAIT=""
	wait_pod gen
	wait_pod sw
	[ -z "$tap" ] || ip addr add 100.64.0.2/16 dev "$tap" || fail "address on $tap"
	sleep 2
	measure testpmd_hook
	stop_pod sw
	stop_pod gen
}

# median of the arguments that are numbers, 3 decimals ("n/a" when there is none)
median() { python3 -c "import statistics,sys; v=[float(x) for x in sys.argv[1:] if x not in ('n/a','')]; print(f'{statistics.median(v):.3f}' if v else 'n/a')" "$@"; }
