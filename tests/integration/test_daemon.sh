#!/usr/bin/env bash
# brintd as a daemon: command line, configuration errors (one clear message naming the field,
# never a crash), brintctl errors against a running daemon, a 2 MB garbage request, the control
# socket's mode, a second daemon on the same socket, and a clean SIGTERM (exit 0 within 5 s,
# sockets and hugepage files gone).
. "$(dirname "$0")/lib.sh"
setup

# expect_fail NAME -- CMD...: CMD must exit non-zero without dying of a signal; its stdout and
# stderr are left in $T/NAME.out and $T/NAME.err, its exit status in $RC.
RC=0
expect_fail() {
	local name=$1
	shift 2
	"$@" >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
	[ $RC -ne 0 ] || fail "$name: exited 0; expected an error (stdout: $(head -c 300 "$T/$name.out"))"
	[ $RC -lt 128 ] || fail "$name: killed by signal $((RC - 128)): $(tail -n 5 "$T/$name.err")"
}
# has NAME TEXT: the error output of NAME holds TEXT (fixed string).
has() {
	grep -qF -- "$2" "$T/$1.err" || fail "$1: expected the message '$2'; got: $(tail -n 5 "$T/$1.err")"
}
# one_line NAME: the error output is exactly one line (nothing but the message).
one_line() {
	[ "$(wc -l <"$T/$1.err")" = 1 ] || fail "$1: expected one line of error, got: $(cat "$T/$1.err")"
	[ ! -s "$T/$1.out" ] || fail "$1: printed on stdout: $(cat "$T/$1.out")"
}
# no_hugepages PREFIX: none of the process's hugepage files remain.
no_hugepages() {
	local left
	left=$(find /dev/hugepages -maxdepth 1 -name "$1*" | head -n 3)
	[ -z "$left" ] || fail "hugepage files of $1 left behind: $left"
}
# set_json FILE PYTHON-STATEMENT: edit a JSON file; the statement sees the document as c.
set_json() {
	python3 - "$1" "$2" <<'EOF' || fail "cannot edit $1"
import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=2)
EOF
}
# raw LINE: send one request line to the control socket, print the response line.
raw() {
	python3 - "$T/brint.sock" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(65536)
    if not d:
        break
    buf += d
print(buf.decode().strip())
EOF
}
# json_get JSON EXPR: evaluate a Python expression on the document r.
json_get() {
	python3 -c 'import json, sys; r = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

# ---- command line ---------------------------------------------------------------------------
"$BRINTD" --help >"$T/help.out" 2>"$T/help.err" || fail "brintd --help exited $?"
grep -q '^usage: brintd --config FILE' "$T/help.out" || fail "brintd --help: no usage line"
grep -q -- '--check' "$T/help.out" || fail "brintd --help does not mention --check"
version=$("$BRINTD" --version) || fail "brintd --version exited $?"
[[ $version =~ ^brintd\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "brintd --version printed '$version'"
expect_fail noargs -- "$BRINTD"
[ $RC = 64 ] || fail "brintd without --config exited $RC, expected 64 (usage)"
has noargs "usage: brintd --config FILE"
expect_fail badopt -- "$BRINTD" --frobnicate
[ $RC = 64 ] || fail "brintd --frobnicate exited $RC, expected 64 (usage)"
expect_fail nofile -- "$BRINTD" --config "$T/missing.json"
has nofile "brintd: $T/missing.json: unable to open"
one_line nofile
pass "--help and --version exit 0; bad usage exits 64; a missing file is named"

# ---- configuration errors before EAL: exactly one line, naming the field --------------------
brintd_config "$T/good.json" "[
  {\"name\": \"a\", \"type\": \"vhost-user\", \"path\": \"$T/a.sock\"},
  {\"name\": \"b\", \"type\": \"vhost-user\", \"path\": \"$T/b.sock\", \"mode\": \"server\"}]" \
	'[{"from": "a", "to": "b"}]'
GOOD_PREFIX=$PREFIX

# a JSON syntax error on line 4 (a doubled comma)
{
	echo '{'
	echo '  "pmd_cores": [1],'
	echo "  \"control_socket\": \"$T/brint.sock\","
	echo '  "log_level": "info",,'
	echo '  "ports": []'
	echo '}'
} >"$T/syntax.json"
expect_fail syntax -- "$BRINTD" --config "$T/syntax.json"
grep -qE "^brintd: $T/syntax.json:4:[0-9]+: " "$T/syntax.err" ||
	fail "syntax error: expected 'brintd: FILE:4:COL: ...', got: $(cat "$T/syntax.err")"
one_line syntax

cp "$T/good.json" "$T/unknown.json"
set_json "$T/unknown.json" 'c["pmd_core"] = [1]'
expect_fail unknown -- "$BRINTD" --config "$T/unknown.json"
has unknown "brintd: $T/unknown.json: pmd_core: unknown key"
one_line unknown

cp "$T/good.json" "$T/porttype.json"
set_json "$T/porttype.json" 'c["ports"][1]["type"] = "vxlan"'
expect_fail porttype -- "$BRINTD" --config "$T/porttype.json"
has porttype "ports[1].type: 'vxlan' is not one of vhost-user, dpdk, tap"
one_line porttype

cp "$T/good.json" "$T/portkey.json"
set_json "$T/portkey.json" 'c["ports"][0]["queue"] = 2'
expect_fail portkey -- "$BRINTD" --config "$T/portkey.json"
has portkey "ports[0].queue: unknown key"
one_line portkey

cp "$T/good.json" "$T/nocores.json"
set_json "$T/nocores.json" 'del c["pmd_cores"]'
expect_fail nocores -- "$BRINTD" --config "$T/nocores.json"
has nocores "pmd_cores: missing"
one_line nocores

cp "$T/good.json" "$T/xcport.json"
set_json "$T/xcport.json" 'c["xconnects"][0]["to"] = "nope"'
expect_fail xcport -- "$BRINTD" --config "$T/xcport.json"
has xcport "xconnects[0].to: no port named 'nope'"
one_line xcport

# --check validates without starting anything (and rejects what a start would reject)
"$BRINTD" --config "$T/good.json" --check >"$T/check.out" 2>"$T/check.err" ||
	fail "brintd --check on a good file exited $?: $(cat "$T/check.err")"
grep -qF "$T/good.json: OK (2 ports, 1 PMD cores)" "$T/check.out" ||
	fail "brintd --check printed: $(cat "$T/check.out")"
[ ! -e /var/run/dpdk/"$GOOD_PREFIX" ] || fail "brintd --check initialised DPDK"
expect_fail checkbad -- "$BRINTD" --config "$T/porttype.json" --check
has checkbad "ports[1].type: 'vxlan' is not one of vhost-user, dpdk, tap"
pass "JSON syntax, unknown keys, a bad port type, missing pmd_cores, an unknown xconnect port: one line each, naming the field; --check accepts the good file"

# ---- errors found once EAL is up ------------------------------------------------------------
# a PMD core outside the EAL core list
brintd_config "$T/pmdcore.json"
set_json "$T/pmdcore.json" 'c["eal"][1] = "0"'
pmdcore_prefix=$PREFIX
expect_fail pmdcore -- "$BRINTD" --config "$T/pmdcore.json"
has pmdcore "pmd_cores[0]: core 1 is not in the EAL core list (eal -l)"
[ "$(grep -c 'pmd_cores' "$T/pmdcore.err")" = 1 ] || fail "pmdcore: the message is not given once"
no_hugepages "$pmdcore_prefix"

# the PMD core is the main lcore
brintd_config "$T/mainlcore.json"
set_json "$T/mainlcore.json" 'c["pmd_cores"] = [0]'
expect_fail mainlcore -- "$BRINTD" --config "$T/mainlcore.json"
has mainlcore "pmd_cores[0]: core 0 is the EAL main lcore"

# an EAL argument DPDK rejects: DPDK names the argument, brintd names the field and the file
brintd_config "$T/ealarg.json"
set_json "$T/ealarg.json" 'c["eal"].append("--no-such-eal-option")'
expect_fail ealarg -- "$BRINTD" --config "$T/ealarg.json"
has ealarg "unrecognized option '--no-such-eal-option'"
has ealarg "brintd: eal: cannot initialise DPDK: Invalid argument (check \"eal\" in $T/ealarg.json)"
[ "$(grep -c '^brintd: eal:' "$T/ealarg.err")" = 1 ] || fail "ealarg: the message is not given once"
pass "a PMD core outside the EAL list or on the main lcore, an EAL option DPDK rejects: clear errors, exit $RC"

# ---- a running daemon -----------------------------------------------------------------------
start_brintd "$T/good.json"
[ "$(ctl version | awk '{print $NF}')" = "${version#brintd }" ] ||
	fail "brintctl version ($(ctl version)) differs from brintd --version ($version)"
mode=$(stat -c '%a %U %F' "$T/brint.sock")
[ "$mode" = "600 root socket" ] || fail "control socket: expected mode 600, owner root; got '$mode'"
[ -S "$T/a.sock" ] && [ -S "$T/b.sock" ] || fail "server-mode vhost sockets were not created"
pass "control socket is mode 0600; vhost-user sockets created"

expect_fail unknowncmd -- ctl frobnicate widgets
[ $RC = 1 ] || fail "unknown command: brintctl exited $RC, expected 1"
has unknowncmd "brintctl: unknown command 'frobnicate widgets' (try: brintctl help)"
one_line unknowncmd

# a bad type: brintctl refuses it before sending; the daemon refuses it too when sent raw
expect_fail badtype -- ctl port add x --type vxlan --path "$T/x.sock"
[ $RC = 64 ] || fail "bad type: brintctl exited $RC, expected 64"
has badtype "port add: --type must be one of vhost-user|dpdk|tap, not 'vxlan'"
resp=$(raw '{"id": 3, "cmd": "port add", "args": {"name": "x", "type": "vxlan"}}')
[ "$(json_get "$resp" '"%s|%s|%s" % (r["ok"], r["id"], r["error"])')" = "False|3|args.type: 'vxlan' is not one of vhost-user, dpdk, tap" ] ||
	fail "raw port add with a bad type: $resp"

expect_fail nopath -- ctl port add x --type vhost-user
[ $RC = 1 ] || fail "missing path: brintctl exited $RC, expected 1"
has nopath "brintctl: args.path: missing"
one_line nopath

expect_fail dupname -- ctl port add a --type vhost-user --path "$T/other.sock"
[ $RC = 1 ] || fail "duplicate name: brintctl exited $RC, expected 1"
has dupname "brintctl: port a: already exists"
[ ! -e "$T/other.sock" ] || fail "a refused port add left $T/other.sock behind"

expect_fail duppath -- ctl port add c --type vhost-user --path "$T/a.sock"
[ $RC = 1 ] || fail "duplicate path: brintctl exited $RC, expected 1"
has duppath "brintctl: port c: path $T/a.sock already used by port a"
[ -S "$T/a.sock" ] || fail "a refused port add removed port a's socket"

expect_fail delmissing -- ctl port del nope
[ $RC = 1 ] || fail "port del of a missing port: brintctl exited $RC, expected 1"
has delmissing "brintctl: no port named 'nope'"

expect_fail xcmissing -- ctl xconnect add a nope
[ $RC = 1 ] || fail "xconnect add to a missing port: brintctl exited $RC, expected 1"
has xcmissing "brintctl: no port named 'nope'"
expect_fail xcmissing2 -- ctl xconnect add nope a
has xcmissing2 "brintctl: no port named 'nope'"

ports=$(ctl --json port list | python3 -c 'import json,sys; print(" ".join(p["name"] for p in json.load(sys.stdin)))')
[ "$ports" = "a b" ] || fail "after the refused requests the ports are '$ports', expected 'a b'"
xcs=$(ctl --json xconnect list | python3 -c 'import json,sys; print(" ".join(x["from"]+">"+x["to"] for x in json.load(sys.stdin)))')
[ "$xcs" = "a>b" ] || fail "after the refused requests the xconnects are '$xcs', expected 'a>b'"
pass "brintctl: unknown command, bad type, missing path, duplicate name, used path, missing port: clear errors; nothing changed"

# ---- garbage on the control socket ----------------------------------------------------------
# one 2 MB line of garbage: answered with an error, then the connection is closed
python3 - "$T/brint.sock" >"$T/garbage1.out" 2>&1 <<'EOF' || fail "2 MB request: $(cat "$T/garbage1.out")"
import os, socket, sys
junk = os.urandom(2 << 20).replace(b"\n", b"x") + b"\n"
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
try:
    s.sendall(junk)
except (BrokenPipeError, ConnectionResetError):
    pass  # the daemon may stop reading once the line is over its limit
buf = b""
while True:
    try:
        d = s.recv(65536)
    except ConnectionResetError:
        break
    if not d:
        break
    buf += d
print(buf.decode(errors="replace").strip())
EOF
grep -qF '"ok":false' "$T/garbage1.out" && grep -qF 'request too long (more than 1048576 bytes)' "$T/garbage1.out" ||
	fail "2 MB garbage line: expected a 'request too long' error, got: $(head -c 300 "$T/garbage1.out")"
kill -0 "$BRINTD_PID" 2>/dev/null || fail "brintd died on a 2 MB garbage request"
ctl version >/dev/null || fail "brintd stopped answering after a 2 MB garbage request"

# 2 MB of random bytes, newlines included: every line gets an error, in order, and each error
# says why
python3 - "$T/brint.sock" >"$T/garbage2.out" 2>&1 <<'EOF' || fail "2 MB of garbage lines: $(tail -n 5 "$T/garbage2.out")"
import json, os, random, socket, sys, threading
random.seed(7)
junk = bytearray(os.urandom(2 << 20))
for i in range(0, len(junk), 4096):   # lines of up to 4 KB, some of them blank
    junk[i + random.randrange(4096)] = 10
junk = bytes(junk) + b"\n"
lines = [l for l in junk.split(b"\n")[:-1] if l.strip(b" \t\r")]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30)
s.connect(sys.argv[1])
def send():
    s.sendall(junk)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send)
t.start()
buf = b""
while True:
    d = s.recv(1 << 16)
    if not d:
        break
    buf += d
t.join()
resp = buf.split(b"\n")
assert resp[-1] == b"", "the last response is not newline-terminated"
resp = resp[:-1]
bad = [r for r in resp if not isinstance(json.loads(r).get("error"), str) or json.loads(r).get("ok") is not False]
print("%d lines sent, %d responses, %d without ok=false and an error message" % (len(lines), len(resp), len(bad)))
if bad:
    print("first bad response: %r" % bad[0][:300])
    sys.exit(1)
if len(resp) != len(lines):
    sys.exit(1)
EOF
kill -0 "$BRINTD_PID" 2>/dev/null || fail "brintd died on 2 MB of garbage lines"
ctl version >/dev/null || fail "brintd stopped answering after 2 MB of garbage lines"
pass "2 MB of garbage: $(head -n 1 "$T/garbage2.out"); a 2 MB line is refused as too long; brintd keeps serving"

# ---- a second brintd on the same control socket ---------------------------------------------
sock_id=$(stat -c %i "$T/brint.sock")
brintd_config "$T/second.json"
second_prefix=$PREFIX
expect_fail second -- timeout 60 "$BRINTD" --config "$T/second.json"
[ $RC != 124 ] || fail "the second brintd did not exit"
has second "$T/brint.sock: another process is listening on it; refusing to take it over"
has second "control_socket: cannot listen on $T/brint.sock"
[ "$(stat -c %i "$T/brint.sock" 2>/dev/null)" = "$sock_id" ] || fail "the second brintd replaced the control socket"
ctl version >/dev/null || fail "the first brintd stopped answering after the second one tried to start"
no_hugepages "$second_prefix"
pass "a second brintd on the same control socket refuses to start (exit $RC) and leaves the first alone"

# ---- SIGTERM --------------------------------------------------------------------------------
[ -n "$(find /dev/hugepages -maxdepth 1 -name "$GOOD_PREFIX*" | head -n 1)" ] ||
	fail "no hugepage files with prefix $GOOD_PREFIX while brintd runs (is the check looking in the right place?)"
pid=$BRINTD_PID
t0=$(date +%s%N)
kill -TERM "$pid"
for _ in $(seq 1 50); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "brintd still running 5 s after SIGTERM"
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
BRINTD_PID=""
[ $rc = 0 ] || fail "brintd exited $rc after SIGTERM, expected 0"
[ ! -e "$T/brint.sock" ] || fail "the control socket is still there after SIGTERM"
[ ! -e "$T/a.sock" ] && [ ! -e "$T/b.sock" ] || fail "server-mode vhost-user sockets left after SIGTERM"
no_hugepages "$GOOD_PREFIX"
grep -q 'brintd stopped' "$T/brintd.log" || fail "brintd did not log its shutdown"
pass "SIGTERM: brintd exited 0 in $ms ms; control and vhost-user sockets and hugepage files removed"
