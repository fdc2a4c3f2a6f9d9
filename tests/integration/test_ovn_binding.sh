#!/usr/bin/env bash
# brintd against a real OVN (ovsdb-server + ovn-northd): it registers its chassis with a geneve
# encap, claims the Port_Binding of every port that has an iface-id (from the file and added at
# run time), reports nb_cfg so `ovn-nbctl --wait=hv sync` returns, and releases a removed port.
. "$(dirname "$0")/lib.sh"
setup
start_ovn
kube_ovn_default_vpc
nbctl lsp-add ovn-default pod1 -- lsp-set-addresses pod1 "00:00:00:00:01:01 10.16.0.11" ||
	fail "lsp-add pod1"
nbctl lsp-add ovn-default pod2 -- lsp-set-addresses pod2 "00:00:00:00:01:02 10.16.0.12" ||
	fail "lsp-add pod2"

brintd_config "$T/brint.json" "[
  {\"name\": \"p1\", \"type\": \"vhost-user\", \"path\": \"$T/p1.sock\", \"iface_id\": \"pod1\"}]" \
	'[]' "\"ovn\": {\"remote\": \"$OVN_SB\", \"chassis\": \"brint-node1\", \"hostname\": \"node1\",
   \"encap_type\": \"geneve\", \"encap_ip\": \"127.0.0.2\"}"
start_brintd "$T/brint.json"

WAIT=20 wait_for bash -c "ovn-sbctl --db=$OVN_SB show | grep -q 'Chassis brint-node1'" ||
	fail "chassis brint-node1 not in the SB: $(sbctl show)"
sbctl show | grep -A3 'Chassis brint-node1' | grep -q 'geneve' || fail "no geneve encap: $(sbctl show)"
sbctl show | grep -A4 'Chassis brint-node1' | grep -q '127.0.0.2' || fail "encap ip missing"
pass "chassis registered with a geneve encap"

WAIT=20 wait_for "[ \"\$(nbctl lsp-get-up pod1)\" = up ]" || fail "pod1 never came up"
[ "$(sbctl get port_binding pod1 chassis | tr -d '"')" != "[]" ] || fail "pod1 has no chassis"
[ "$(nbctl lsp-get-up pod2)" != up ] || fail "pod2 is up though no local port claims it"
pass "the port from the configuration file claimed its logical port"

WAIT=30 wait_for timeout 25 ovn-nbctl --db="$OVN_NB" --wait=hv sync ||
	fail "ovn-nbctl --wait=hv sync did not return"
pass "ovn-nbctl --wait=hv sync returns"

ctl port add p2 --type vhost-user --path "$T/p2.sock" --iface-id pod2 >/dev/null ||
	fail "port add p2"
WAIT=20 wait_for "[ \"\$(nbctl lsp-get-up pod2)\" = up ]" || fail "pod2 never came up"
ctl binding list | grep -q pod2 || fail "binding list lacks pod2: $(ctl binding list)"
pass "a port added at run time claimed its logical port"

ctl port del p2 >/dev/null || fail "port del p2"
WAIT=20 wait_for "[ \"\$(nbctl lsp-get-up pod2)\" = down ]" || fail "pod2 still up after port del"
WAIT=20 wait_for "[ \"\$(sbctl get port_binding pod2 chassis)\" = \"[]\" ]" ||
	fail "pod2 still bound: $(sbctl get port_binding pod2 chassis)"
pass "a removed port released its logical port"

ctl sb status >/dev/null || fail "sb status"
pass "brintctl sb status answers"

# the logical-flow compiler: every flow northd wrote compiles, stages are found by name
lstat() { ctl --json lflow stats | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"; }
WAIT=20 wait_for '[ "$(lstat "s[\"flows\"]")" -gt 100 ]' || fail "lflow stats: $(ctl lflow stats)"
[ "$(lstat 's["skipped"]')" = 0 ] ||
	fail "skipped flows: $(ctl --json lflow stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["skipped_flows"][:5])')"
[ "$(lstat 's["flows"]')" = "$(sbctl --bare --columns=_uuid list logical_flow | grep -c .)" ] ||
	fail "lflow stats counts $(lstat 's["flows"]') flows, the SB has $(sbctl --bare --columns=_uuid list logical_flow | grep -c .)"
ctl --json lflow show ovn-default ls_in_l2_lkup | python3 -c "
import json, sys
f = json.load(sys.stdin)
assert f and all(x['stage'] == 'ls_in_l2_lkup' and 'program' in x for x in f), f[:2]
assert any('10.16.0.11' in x['match'] or '00:00:00:00:01:01' in x['match'] for x in f)
" || fail "lflow show ovn-default ls_in_l2_lkup: $(ctl lflow show ovn-default ls_in_l2_lkup | head -20)"
pass "$(lstat 's["flows"]') logical flows compiled, 0 skipped; lflow show lists a stage by name"
# the programs as structured instructions: brintctl lflow show DATAPATH STAGE --json
ctl lflow show ovn-default ls_in_l2_lkup --json | python3 -c "
import json, sys
f = json.load(sys.stdin)
p = [x for x in f if 'program_json' in x]
assert p and len(p) == len([x for x in f if 'program' in x]), f[:2]
for x in p:
    insns = x['program_json']
    # the instructions' texts are the program's
    assert ' '.join(i['text'] for i in insns) == x['program'] or (not insns and x['program'] == 'drop;'), x
loads = [i for x in p for i in x['program_json'] if i['op'] == 'load' and i.get('dst') == 'outport']
assert loads and all(i['args'][0]['kind'] == 'string' for i in loads), loads[:2]
assert any(i['op'] == 'output' for x in p for i in x['program_json'])
" || fail "lflow show ovn-default ls_in_l2_lkup --json: $(ctl lflow show ovn-default ls_in_l2_lkup --json | head -c 600)"
pass "lflow show --json: each program as structured instructions (op, fields, operands)"

# a change recompiles only what changed, and --wait=hv waits for it
gen=$(lstat 's["generation"]')
tot0=$(lstat 's["total_recompiled"]')
nbctl --wait=hv acl-add ovn-default to-lport 1001 'ip4.src == 10.16.0.12 && tcp.dst == 22' drop ||
	fail "acl-add with --wait=hv"
[ "$(lstat 's["generation"]')" -gt "$gen" ] || fail "no new generation after an ACL was added"
[ "$(lstat 's["skipped"]')" = 0 ] || fail "the ACL's flows were skipped"
[ "$(lstat 's["incremental_compiles"]')" -ge 1 ] || fail "no incremental compile: $(ctl lflow stats | head)"
[ $(($(lstat 's["total_recompiled"]') - tot0)) -lt "$(lstat 's["flows"]')" ] ||
	fail "the ACL recompiled every flow: $(ctl lflow stats | head)"
ctl --json lflow show ovn-default | grep -q 'tcp.dst == 22' || fail "the ACL's flow is not shown"
pass "an ACL added with --wait=hv is compiled (incrementally) before the wait returns"

# an address set member added: only the flows using that set change, patched with the
# member's rule (ovn-glue/lflow/compile_patch.c) rather than recompiled
nbctl create address_set name=blocked addresses='"10.16.0.50"' >/dev/null || fail "create address_set"
nbctl --wait=hv acl-add ovn-default from-lport 1002 'ip4.src == $blocked' drop || fail "acl on a set"
flows=$(lstat 's["flows"]')
before=$(lstat 's["total_recompiled"]')
pbefore=$(lstat 's["total_patched"]')
nbctl --wait=hv add address_set blocked addresses '"10.16.0.51"' || fail "add a member"
# --wait=hv covers the SB transaction that carried nb_cfg; northd may write the set in a later
# one, so the member is waited for
WAIT=10 wait_for "ctl --json lflow show ovn-default | grep -q 10.16.0.51" ||
	fail "the new member is not in the compiled rules"
n=$(($(lstat 's["total_recompiled"]') - before))
p=$(($(lstat 's["total_patched"]') - pbefore))
[ "$p" -ge 1 ] && [ $((n + p)) -lt 10 ] ||
	fail "adding a set member patched $p and recompiled $n of $flows flows (expected the few using the set, patched)"
[ "$(lstat 's["skipped"]')" = 0 ] || fail "flows skipped after the set change"
pass "an address set member added: $p flow(s) patched, $n recompiled, the new member compiled in"

# ACLs on a port group: northd 23.03 writes the group per datapath ("<key>_<name>" in the SB)
nbctl pg-add pg_web pod1 || fail "pg-add"
nbctl --wait=hv acl-add pg_web to-lport 1003 'outport == @pg_web && ip4.src == $blocked' drop ||
	fail "acl on a port group"
[ "$(lstat 's["skipped"]')" = 0 ] ||
	fail "port group flows skipped: $(ctl --json lflow stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["skipped_flows"][:3])')"
before=$(lstat 's["total_recompiled"]')
nbctl --wait=hv pg-set-ports pg_web pod1 pod2 || fail "pg-set-ports"
WAIT=10 wait_for "[ \$(( \$(lstat 's[\"total_recompiled\"]') - $before )) -ge 1 ]" ||
	fail "a port group member added recompiled nothing"
[ "$(lstat 's["skipped"]')" = 0 ] || fail "skipped flows after the port group change"
pass "ACLs on a port group compile (per-datapath SB port groups), and a new member recompiles them"
