#!/usr/bin/env bash
# The datapath's flow-cache path, on a port without a cross-connect (no logical pipeline is
# compiled yet): good frames miss once, the slow path installs one megaflow for the input port,
# every later frame hits it and is dropped as no_pipeline; malformed frames are dropped and
# counted by reason before any lookup; `flows dump` shows the megaflow with its hit count;
# `flows flush` empties the cache (the next frames miss once again); a cross-connect added later
# takes effect at once.
. "$(dirname "$0")/lib.sh"
setup
GOOD=160
python3 - "$T/mixed.pcap" $GOOD <<'PY'
import struct, sys
out, good = sys.argv[1], int(sys.argv[2])
def eth(t): return bytes.fromhex('000000000202000000000101') + struct.pack('!H', t)
def udp(sport, iplen_lie=0):
    ip = bytearray.fromhex('4500002e00010000401100000a10000b0a10000c')
    if iplen_lie: ip[2:4] = struct.pack('!H', iplen_lie)
    return eth(0x0800) + bytes(ip) + struct.pack('!HHHH', sport, 5000, 26, 0) + bytes(18)
frames = [udp(1024 + i % 16) for i in range(good)]
frames += [udp(7, iplen_lie=1500)] * 10          # IPv4 total length beyond the frame
frames += [eth(0x86dd) + bytes.fromhex('60000000')] * 5  # truncated IPv6 header
with open(out, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack('<IIII', 0, i, len(fr), len(fr)) + fr)
PY
brintd_config "$T/brint.json" "[
  {\"name\": \"pod-a\", \"type\": \"vhost-user\", \"path\": \"$T/a.sock\"},
  {\"name\": \"pod-b\", \"type\": \"vhost-user\", \"path\": \"$T/b.sock\"}]" '[]'
start_brintd "$T/brint.json"
start_pod pods 0,1 1 "--vdev net_pcap0,rx_pcap=$T/mixed.pcap \
	--vdev net_virtio_user1,path=$T/a.sock,queue_size=1024 \
	--vdev net_virtio_user2,path=$T/b.sock,queue_size=4096 \
	--vdev net_null0,no-rx=1" "--port-topology=paired --no-flush-rx --rxd=4096"
pod_cmd pods "set fwd io retry"
pod_cmd pods "set burst tx delay 10 retry 100000"
wait_for '[ "$(port_link pod-a)" = up ] && [ "$(port_link pod-b)" = up ]' || fail "pods never attached"
ctl pmd stats --clear >/dev/null

stat() { # stat PY_EXPR over the first PMD's stats object `p`
	ctl --json pmd stats | python3 -c "import json,sys; p=json.load(sys.stdin)[0]; print($1)"
}
pod_cmd pods start
WAIT=20 wait_for "[ \"\$(stat \"p['rx_packets']\")\" -ge $((GOOD + 15)) ]" ||
	fail "brintd received $(stat "p['rx_packets']") of $((GOOD + 15))"
[ "$(stat "p['drops']['no_pipeline']")" = $GOOD ] ||
	fail "no_pipeline drops: $(stat "p['drops']['no_pipeline']"), expected $GOOD"
[ "$(stat "p['drops']['malformed']")" = 15 ] || fail "malformed: $(stat "p['drops']")"
[ "$(stat "p['malformed']['bad_ipv4']")" = 10 ] || fail "bad_ipv4: $(stat "p['malformed']")"
[ "$(stat "p['malformed']['bad_ipv6']")" = 5 ] || fail "bad_ipv6: $(stat "p['malformed']")"
[ "$(stat "p['upcalls']")" = 1 ] || fail "upcalls: $(stat "p['upcalls']"), expected 1 (one megaflow per input port)"
pass "$GOOD frames: 1 upcall, $GOOD no_pipeline drops; 15 malformed frames counted by reason"

flows=$(ctl --json flows dump)
echo "$flows" | python3 -c "
import json, sys
f = [x for pmd in json.load(sys.stdin) for x in pmd['flows']]
assert len(f) == 1, f
assert f[0]['packets'] == $GOOD and f[0]['actions'].startswith('drop('), f[0]
" || fail "flows dump: $flows"
ctl flows dump >/dev/null || fail "flows dump (text)"
pass "flows dump shows the megaflow: $GOOD packets, a drop action"

# `flows flush`: each PMD empties its cache itself (answered once done); the same frames
# again take the slow path once and install the megaflow again
ctl pmd stats --clear >/dev/null
out=$(ctl --json flows flush) || fail "flows flush: $out"
[ "$(echo "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['pmds'])")" = 1 ] ||
	fail "flows flush answered $out"
[ "$(ctl --json flows dump | python3 -c "import json,sys; print(sum(len(p['flows']) for p in json.load(sys.stdin)))")" = 0 ] ||
	fail "flows dump after flows flush: $(ctl flows dump)"
[ "$(stat "p['cache']['flushes']")" = 1 ] || fail "cache flushes: $(stat "p['cache']")"
pod_cmd pods stop
pod_cmd pods "port stop 0"
pod_cmd pods "port start 0"
pod_cmd pods start
WAIT=20 wait_for "[ \"\$(stat \"p['rx_packets']\")\" -ge $((GOOD + 15)) ]" ||
	fail "after flows flush brintd received $(stat "p['rx_packets']") of $((GOOD + 15))"
[ "$(stat "p['upcalls']")" = 1 ] || fail "upcalls after flows flush: $(stat "p['upcalls']"), expected 1"
# the slow-path run's cycles, as the average and in the recent runs' distribution
[ "$(stat "p['upcall_cycles_recent']['n']")" = 1 ] &&
	[ "$(stat "p['upcall_cycles_recent']['median'] > 0 and p['upcall_cycles_recent']['median'] == p['upcall_cycles_recent']['max']")" = True ] &&
	[ "$(stat "abs(p['upcall_cycles_recent']['median'] - p['upcall_cycles_avg']) < 1")" = True ] ||
	fail "upcall_cycles_recent: $(stat "p['upcall_cycles_recent'], p['upcall_cycles_avg']")"
[ "$(ctl --json flows dump | python3 -c "import json,sys; print(sum(len(p['flows']) for p in json.load(sys.stdin)))")" = 1 ] ||
	fail "no megaflow after flows flush and traffic: $(ctl flows dump)"
pass "flows flush: cache emptied by the PMD (1 flush counted), the next frames took the slow path once"

# a cross-connect now: the cache is flushed, the same frames reach pod B
ctl xconnect add pod-a pod-b >/dev/null || fail "xconnect add"
ctl pmd stats --clear >/dev/null
before=$(pod_port_counter pods 2 rx)
pod_cmd pods stop
pod_cmd pods "port stop 0"
pod_cmd pods "port start 0"
pod_cmd pods start
WAIT=20 wait_for "[ \"\$(pod_port_counter pods 2 rx)\" -ge $((before + GOOD + 15)) ]" ||
	fail "after xconnect add pod B got $(($(pod_port_counter pods 2 rx) - before)) of $((GOOD + 15))"
[ "$(ctl --json flows dump | python3 -c "import json,sys; print(sum(len(p['flows']) for p in json.load(sys.stdin)))")" = 0 ] ||
	fail "the cache was not flushed when the cross-connect appeared"
pass "xconnect added: cache flushed, all $((GOOD + 15)) frames forwarded untouched"
