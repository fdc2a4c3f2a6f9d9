#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# ssl: and tcp: remotes, and trying the remotes of the list in turn: the SB ovsdb-server
# listens on pssl with a test CA; brint-sb-probe is given a dead tcp: remote first, then the
# ssl: one, and must end registered. A second probe that does not trust the server's CA must
# fail the TLS handshake cleanly (logged, counted, retried) and stay up.
. "$(dirname "$0")/ovn_lib.sh"

require_ovn
command -v openssl >/dev/null || skip "openssl not installed"
command -v python3 >/dev/null || skip "python3 not installed"
setup_tmp

# a CA, the server's and brint's certificates, and another CA brint does not know
cd "$T" || fail "cd"
gen() { # NAME CA
	openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" \
		2>/dev/null &&
		openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
			-out "$1.pem" -days 2 2>/dev/null
}
for ca in ca otherca; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout $ca.key -out $ca.pem -days 2 \
		-subj "/CN=brint-test-$ca" 2>/dev/null || fail "openssl CA"
done
gen sb ca || fail "server certificate"
gen brint ca || fail "client certificate"
cd - >/dev/null || fail "cd"

# two free TCP ports on loopback: one for the server, one that nobody listens on
read -r PORT DEAD < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

create_dbs
ovsdb-server --detach --no-chdir --pidfile="$T/sb.pid" --log-file="$T/sb.log" \
	--remote="punix:$T/sb.sock" --remote="pssl:$PORT:127.0.0.1" --unixctl="$T/sb.ctl" \
	--private-key="$T/sb.key" --certificate="$T/sb.pem" --ca-cert="$T/ca.pem" \
	"$T/sb.db" 2>>"$T/sb.err" || fail "start SB ovsdb-server"
wait_pidfile sb "$T/sb.pid"

cat >"$T/brint.json" <<JSON
{"ovn": {"remote": "tcp:127.0.0.1:$DEAD, ssl:127.0.0.1:$PORT", "chassis": "ssl-chassis",
         "encap_ip": "192.168.52.10", "ssl_key": "$T/brint.key", "ssl_cert": "$T/brint.pem",
         "ssl_ca_cert": "$T/ca.pem", "backoff_min_ms": 100, "backoff_max_ms": 400,
         "release_stale_after_ms": 0}}
JSON
start_probe "$T/brint.json"
wait_until 30 "synced over ssl" status_is .monitor synced
[ "$(status .remote)" = "ssl:127.0.0.1:$PORT" ] || fail "remote $(status .remote)"
[ "$(status .counters.connect_failures)" -ge 1 ] || fail "the dead tcp remote was not tried"
grep -q "tcp:127.0.0.1:$DEAD: connect: Connection refused" "$T/probe.log" ||
	fail "tcp failure not logged"
wait_until 20 "chassis registered over ssl" sh -c \
	"timeout 10 ovn-sbctl --db=unix:$T/sb.sock show | grep -q 'Chassis ssl-chassis'"

log "a client that does not trust the server's CA"
sed -e "s#$T/ca.pem#$T/otherca.pem#" -e 's/ssl-chassis/untrusting-chassis/' \
	-e "s#tcp:127.0.0.1:$DEAD, ##" "$T/brint.json" >"$T/untrusting.json"
FIRST=$PROBE_PID
"$BRINT_SB_PROBE" --config "$T/untrusting.json" --pidfile "$T/probe2.pid" \
	>>"$T/probe2.log" 2>&1 &
wait_pidfile probe2 "$T/probe2.pid"
PROBE2=$LAST_PID
wait_until 20 "handshake failure logged" grep -q "TLS handshake: .*certificate verify failed" \
	"$T/probe2.log"
sleep 1
kill -0 "$PROBE2" 2>/dev/null || fail "the untrusting probe died"
[ "$(grep -c 'TLS handshake' "$T/probe2.log")" -ge 2 ] || fail "not retried"
sbctl show | grep -q untrusting-chassis && fail "registered without trusting the server"
stop_pid probe2 "$PROBE2"
forget_pid "$PROBE2"
PROBE_PID=$FIRST
probe_alive || fail "the first probe died"
status_is .monitor synced || fail "the first probe lost its session"
stop_probe
grep -E "Sanitizer|runtime error:" "$T/probe.log" "$T/probe2.log" && fail "sanitizer report"
log "PASS"
