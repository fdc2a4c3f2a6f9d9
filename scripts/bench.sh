#!/usr/bin/env bash
# brint benchmark: Mpps and brintd's busy cycles per packet, beside a testpmd io-forward ceiling
# measured in the same invocation (interleaved rounds: ceiling, scenario, ceiling, ...).
#
# usage: scripts/bench.sh [--rounds N] [--seconds S] [--scenarios LIST] [--show-flows]
#   --show-flows: after each brintd run, print its megaflows (`flows dump`) and, for the OVN
#   scenarios, the fields the megaflow of the first frame matches (`brintctl trace`)
#   scenarios (comma separated; default: all):
#     xconnect-1, xconnect-16k  cross-connect pod A -> pod B (no lookup)
#     l2-1, l2-16k              pod1 -> pod2 on ovn-default through the compiled OVN pipeline
#     l3-1, l3-16k              pod1 (ovn-default) -> pod3 (10.17.0.0/16) across ovn-cluster
#     host                      pod1 -> the node's ovn0 (tap, 100.64.0.2 on join) across
#                               ovn-cluster: Mpps into the kernel interface (its rx counter;
#                               ceiling: testpmd io-forward vhost -> net_tap), then a TCP stream
#                               node <-> a tap pod through ovn0 and back (Gbit/s, each way)
#     underlay                  pod1 on an underlay switch (localnet, VLAN 100) -> the provider
#                               NIC (a dpdk port, net_vhost to pod B): VLAN push, unknown unicast
#   (-1: one flow; -16k: 16,384 flows varying the UDP source port)
#     l3-ttl                    l3-16k with TTLs cycling through 2..255: 254 megaflows (the
#                               router matches the TTL), so a flush under traffic is a burst of
#                               254 first packets back to back, as after a table change that
#                               cannot be revalidated
#
# Topology (2 cores): one dpdk-testpmd generator on core 0 holds port 0 = net_pcap replaying
# 64-byte UDP frames (infinite), port 1 = pod A (virtio_user), port 2 = pod B (virtio_user),
# port 3 = net_null sink; paired: pcap -> A, B -> sink. The switch under test runs its PMD on
# core 1: brintd with an xconnect A -> B, or (the ceiling) dpdk-testpmd io-forwarding between
# two net_vhost ports. Result: pod B's received packets per second, and the switch core's busy
# cycles per packet (brintd: rte_rdtsc around iterations that moved packets; testpmd:
# --record-core-cycles). brintd's first-pkt / first-p50: the average / median cycles of the
# slow-path runs (pipeline and megaflow insert, dp.c upcall) after `brintctl flows flush` under
# traffic once warmed up, i.e. a flow's first packet in a running node (`pmd stats`
# upcall_cycles_avg and upcall_cycles_recent); new-process: the average for the first packets
# of the freshly started brintd (cold caches, first touches).
. "$(dirname "$0")/../tests/integration/lib.sh"
# shellcheck source=bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"

ROUNDS=3
SECS=5
SCENARIOS="xconnect-1,xconnect-16k,l2-1,l2-16k,l3-1,l3-16k,l3-ttl,host,underlay"
SHOW_FLOWS=0
while [ $# -gt 0 ]; do
	case $1 in
	--rounds) ROUNDS=$2; shift 2 ;;
	--seconds) SECS=$2; shift 2 ;;
	--scenarios) SCENARIOS=$2; shift 2 ;;
	--show-flows) SHOW_FLOWS=1; shift ;;
	-h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench.sh: unknown argument $1" >&2; exit 64 ;;
	esac
done
BRINT_SETUP_HUGEPAGES=1
setup

# xconnect, l2 and l3 (bench_lib.sh)
bench_pcaps
# host: pod1 -> the node's join address through the router; underlay: pod1 -> a MAC outside
python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/host.pcap" --flows 1 \
	--src-mac 00:00:00:00:01:01 --dst-mac 00:00:00:a1:00:01 --src-ip 10.16.0.11 --dst-ip 100.64.0.2
python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/underlay.pcap" --flows 1 \
	--src-mac 00:00:00:00:05:01 --dst-mac 0a:00:00:00:00:ee --src-ip 172.20.100.11 --dst-ip 172.20.100.1
# the ceiling's tap gets ovn0's MAC and address, so the kernel does the same work for both
python3 "$BRINT_TOP/scripts/gen-pcap.py" "$T/host-ceil.pcap" --flows 1 \
	--src-mac 00:00:00:a1:00:02 --dst-mac 0a:00:00:64:00:02 --src-ip 10.16.0.11 --dst-ip 100.64.0.2
OVN0=bovn$$   # the node's ovn0 in the host scenario
KPOD_NS=brint-b$$-kpod
KPOD_IF=bkp$$
# bench_lib.sh's ovn_topology (the default VPC, a second subnet, three pods), and then:
ovn_topology_extra() {
	# host: the node's join port (ovn0) and a pod on a tap for the TCP stream
	nbctl lsp-add join node-bench -- lsp-set-addresses node-bench "0a:00:00:64:00:02 100.64.0.2" &&
		nbctl lsp-add ovn-default kpod -- lsp-set-addresses kpod "00:00:00:00:01:21 10.16.0.21" ||
		fail "host ports"
	# underlay: VLAN 100 on physnet1, pod1's twin upod
	nbctl ls-add u100 -- set logical_switch u100 other_config:subnet=172.20.100.0/24 &&
		nbctl lsp-add u100 ln-u100 -- lsp-set-type ln-u100 localnet \
			-- lsp-set-addresses ln-u100 unknown -- lsp-set-options ln-u100 network_name=physnet1 \
			-- set logical_switch_port ln-u100 tag=100 &&
		nbctl lsp-add u100 upod -- lsp-set-addresses upod "00:00:00:00:05:01 172.20.100.11" \
			-- lsp-set-port-security upod "00:00:00:00:05:01 172.20.100.11" || fail "underlay"
}

UPC=""	 # brintd: average cycles of a slow-path run in a warm process (a flow's first packet)
UPC0="" # the same for the first packets of a freshly started brintd (cold caches)
UPCM="" # the median of the runs UPC averages
upcall_avg() {
	ctl --json pmd stats | python3 -c "import json,sys; p=json.load(sys.stdin)[0]; print(f\"{p['upcall_cycles_avg']:.0f}\" if p['upcalls'] else 'n/a')"
}
upcall_median() {
	ctl --json pmd stats | python3 -c "import json,sys; r=json.load(sys.stdin)[0]['upcall_cycles_recent']; print(r['median'] if r['n'] else 'n/a')"
}
brintd_hook() {
	case $1 in
	begin)
		# the first packets' slow-path runs happened during the warm-up: read them first
		UPC0=$(upcall_avg)
		# then the caches emptied under traffic: the next packet of the scenario's flows
		# is a first packet again, in a process and tables that are warm
		ctl pmd stats --clear >/dev/null
		ctl flows flush >/dev/null || fail "flows flush"
		sleep 0.5
		UPC=$(upcall_avg)
		UPCM=$(upcall_median)
		ctl pmd stats --clear >/dev/null
		;;
	end)
		CPP=$(ctl --json pmd stats | python3 -c "import json,sys; print(f\"{json.load(sys.stdin)[0]['cycles_per_packet']:.1f}\")")
		;;
	esac
}

# run_brintd PCAP [OVN_DST_POD]: without a pod, pod A is cross-connected to pod B; with one,
# pod A is the logical port pod1 and pod B the given pod, and the OVN pipeline forwards.
run_brintd() {
	local pcap=$1 dst=${2:-}
	start_generator "$pcap"
	if [ -z "$dst" ]; then
		brintd_config "$T/brint.json" "[
		  {\"name\": \"pod-a\", \"type\": \"vhost-user\", \"path\": \"$T/a.sock\", \"mode\": \"client\"},
		  {\"name\": \"pod-b\", \"type\": \"vhost-user\", \"path\": \"$T/b.sock\", \"mode\": \"client\"}]" \
			'[{"from": "pod-a", "to": "pod-b"}]'
	elif [ "$dst" = host ]; then
		# pod A is pod1; pod B idles as pod2; the node's ovn0 and a tap pod for the TCP stream
		brintd_config "$T/brint.json" "[
		  {\"name\": \"pod-a\", \"type\": \"vhost-user\", \"path\": \"$T/a.sock\", \"mode\": \"client\", \"iface_id\": \"pod1\"},
		  {\"name\": \"pod-b\", \"type\": \"vhost-user\", \"path\": \"$T/b.sock\", \"mode\": \"client\", \"iface_id\": \"pod2\"},
		  {\"name\": \"ovn0\", \"type\": \"tap\", \"iface\": \"$OVN0\", \"iface_id\": \"node-bench\",
		   \"mac\": \"0a:00:00:64:00:02\", \"addresses\": [\"100.64.0.2/16\"],
		   \"routes\": [{\"dst\": \"10.16.0.0/16\", \"via\": \"100.64.0.1\"}]},
		  {\"name\": \"kpod\", \"type\": \"tap\", \"iface\": \"$KPOD_IF\", \"iface_id\": \"kpod\"}]" \
			'[]' "\"ovn\": {\"remote\": \"$OVN_SB\", \"chassis\": \"brint-bench\", \"encap_ip\": \"127.0.0.2\"}"
	elif [ "$dst" = underlay ]; then
		# pod A is upod on VLAN 100's switch; pod B is the provider NIC (a dpdk port)
		brintd_config "$T/brint.json" "[
		  {\"name\": \"pod-a\", \"type\": \"vhost-user\", \"path\": \"$T/a.sock\", \"mode\": \"client\", \"iface_id\": \"upod\"},
		  {\"name\": \"pod-b\", \"type\": \"dpdk\", \"devargs\": \"net_vhost0,iface=$T/b.sock,client=1\"}]" \
			'[]' "\"ovn\": {\"remote\": \"$OVN_SB\", \"chassis\": \"brint-bench\", \"encap_ip\": \"127.0.0.2\",
			  \"bridge_mappings\": {\"physnet1\": \"pod-b\"}}"
	else
		brintd_config "$T/brint.json" "[
		  {\"name\": \"pod-a\", \"type\": \"vhost-user\", \"path\": \"$T/a.sock\", \"mode\": \"client\", \"iface_id\": \"pod1\"},
		  {\"name\": \"pod-b\", \"type\": \"vhost-user\", \"path\": \"$T/b.sock\", \"mode\": \"client\", \"iface_id\": \"$dst\"}]" \
			'[]' "\"ovn\": {\"remote\": \"$OVN_SB\", \"chassis\": \"brint-bench\", \"encap_ip\": \"127.0.0.2\"}"
	fi
	start_brintd "$T/brint.json"
	wait_pod gen
	WAIT=20 wait_for "[ \"\$(port_link pod-a)\" = up ]" || fail "pod-a link never came up"
	WAIT=20 wait_for "[ \"\$(port_link pod-b)\" = up ]" || fail "pod-b link never came up"
	if [ -n "$dst" ]; then
		WAIT=30 wait_for timeout 25 ovn-nbctl --db="$OVN_NB" --wait=hv sync ||
			fail "brintd did not catch up with the southbound"
	fi
	[ "$dst" != host ] || COUNT_IFACE=$OVN0
	measure brintd_hook
	COUNT_IFACE=""
	if [ $SHOW_FLOWS = 1 ]; then
		ctl flows dump | head -n 8 >&2
		ctl --json pmd stats | python3 -c "import json,sys; p=json.load(sys.stdin)[0]; print('measured window: upcalls', p['upcalls'], 'cache', p['cache'], 'drops', {k: v for k, v in p['drops'].items() if v})" >&2
		local dip=10.16.0.12 dmac=00:00:00:00:01:02
		[ "$dst" != pod3 ] || dip=10.17.0.11 dmac=00:00:00:a1:00:01
		[ -z "$dst" ] || [ "$dst" = host ] || ctl --json trace pod-a "eth.src == 00:00:00:00:01:01 && eth.dst == $dmac && ip4.src == 10.16.0.11 && ip4.dst == $dip && ip.ttl == 64 && udp.src == 1024 && udp.dst == 5000" |
			python3 -c "import json,sys; t=json.load(sys.stdin); print('megaflow fields:', t['megaflow_fields'], 'actions:', t['actions'])" >&2
	fi
	[ "$dst" != host ] || host_tcp
	stop_brintd
	stop_pod gen
}

# A TCP stream between the node and a pod on a tap, through ovn0 and the router, each way for
# SECS seconds: Gbit/s as the receiver counts it (python sockets, 256 KB writes).
TCP_TO=""; TCP_FROM=""
tcp_stream() { # tcp_stream SENDER_NS|- RECEIVER_NS|- DEST_IP: prints Gbit/s
	local snd=() rcv=()
	[ "$1" = - ] || snd=(ip netns exec "$1")
	[ "$2" = - ] || rcv=(ip netns exec "$2")
	"${rcv[@]}" python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$3', 5201)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); n = 0; t0 = None
while True:
    d = c.recv(1 << 20)
    if not d: break
    if t0 is None: t0 = time.monotonic()
    n += len(d)
print(f'{n * 8 / (time.monotonic() - t0) / 1e9:.2f}')
" >"$T/tcp.out" 2>&1 &
	local r=$!
	WAIT=20 wait_for "${rcv[*]} ss -ltn | grep -q '$3:5201 '" || { echo n/a; return; }
	"${snd[@]}" python3 -c "
import socket, time
c = socket.create_connection(('$3', 5201), timeout=10); b = b'x' * (256 << 10)
end = time.monotonic() + $SECS
while time.monotonic() < end: c.sendall(b)
c.close()
" 2>/dev/null
	wait $r
	tail -n 1 "$T/tcp.out"
}
host_tcp() {
	ip link set "$KPOD_IF" netns "$KPOD_NS" &&
		ip -n "$KPOD_NS" link set "$KPOD_IF" address 00:00:00:00:01:21 &&
		ip -n "$KPOD_NS" addr add 10.16.0.21/16 dev "$KPOD_IF" &&
		ip -n "$KPOD_NS" link set "$KPOD_IF" up &&
		ip -n "$KPOD_NS" route add default via 10.16.0.1 || fail "tap pod"
	WAIT=10 wait_for ping -c 1 -W 1 10.16.0.21 || fail "node -> tap pod through ovn0"
	TCP_TO=$(tcp_stream - "$KPOD_NS" 10.16.0.21)
	TCP_FROM=$(tcp_stream "$KPOD_NS" - 100.64.0.2)
}

declare -A R
log "benchmark: $ROUNDS rounds x $SECS s per run, scenarios $SCENARIOS"
for sc in ${SCENARIOS//,/ }; do
	dst="" ceil_tap="" ceil_pcap=""
	case $sc in
	host)
		pcap=$T/host.pcap dst=host ceil_tap=bceil$$ ceil_pcap=$T/host-ceil.pcap
		ip netns add "$KPOD_NS" 2>/dev/null && NETNS+=("$KPOD_NS")
		;;
	underlay) pcap=$T/underlay.pcap dst=underlay ;;
	*) bench_scenario "$sc" || fail "unknown scenario $sc" ;;
	esac
	[ -z "$dst" ] || ovn_topology
	for r in $(seq 1 "$ROUNDS"); do
		[ -z "$ceil_tap" ] || COUNT_IFACE=$ceil_tap
		run_ceiling "${ceil_pcap:-$pcap}" "$ceil_tap"
		COUNT_IFACE=""
		R[$sc.ceil.mpps]+=" $MPPS"; R[$sc.ceil.cpp]+=" $CPP"
		log "$sc round $r: testpmd-io $MPPS Mpps ($CPP cycles/pkt)"
		run_brintd "$pcap" "$dst"
		R[$sc.brint.mpps]+=" $MPPS"; R[$sc.brint.cpp]+=" $CPP"; R[$sc.brint.upc]+=" $UPC"
		R[$sc.brint.upc0]+=" $UPC0"; R[$sc.brint.upcm]+=" $UPCM"
		log "$sc round $r: brintd     $MPPS Mpps ($CPP cycles/pkt, first packet $UPC cycles (median $UPCM), $UPC0 in a new process)"
		if [ "$sc" = host ]; then
			R[host.tcp.to]+=" $TCP_TO"; R[host.tcp.from]+=" $TCP_FROM"
			log "host round $r: TCP node -> pod $TCP_TO Gbit/s, pod -> node $TCP_FROM Gbit/s"
		fi
	done
done

printf '\n%-16s %-12s %10s %14s %10s %12s %12s %12s\n' scenario switch Mpps cycles/pkt ratio first-pkt first-p50 new-process
for sc in ${SCENARIOS//,/ }; do
	cm=$(median ${R[$sc.ceil.mpps]}); cc=$(median ${R[$sc.ceil.cpp]})
	bm=$(median ${R[$sc.brint.mpps]}); bc=$(median ${R[$sc.brint.cpp]})
	bu=$(median ${R[$sc.brint.upc]}); bu0=$(median ${R[$sc.brint.upc0]})
	bum=$(median ${R[$sc.brint.upcm]})
	ratio=$(python3 -c "print(f'{$bm / $cm:.2f}' if $cm > 0 else 'n/a')")
	printf '%-16s %-12s %10s %14s %10s %12s %12s %12s\n' "$sc" "testpmd-io" "$cm" "$cc" "1.00" "-" "-" "-"
	printf '%-16s %-12s %10s %14s %10s %12s %12s %12s\n' "$sc" "brintd" "$bm" "$bc" "$ratio" "$bu" "$bum" "$bu0"
done
if [ -n "${R[host.tcp.to]:-}" ]; then
	echo "host: TCP stream node -> pod through ovn0 $(median ${R[host.tcp.to]}) Gbit/s, pod -> node $(median ${R[host.tcp.from]}) Gbit/s (one python connection)"
fi
echo "(host: Mpps counted by the kernel's rx counter of the tap, ovn0 for brintd, a net_tap port for testpmd)"
echo "(first-pkt / first-p50: the average / median cycles of brintd's slow-path runs (pipeline and megaflow insert) after \`brintctl flows flush\` under traffic: a flow's first packet in a warm process; new-process: the average for the first packets of a freshly started brintd)"
echo "(medians of $ROUNDS interleaved rounds, $SECS s each, 64-byte frames; $(date -u +%Y-%m-%dT%H:%MZ))"
