#!/usr/bin/env bash
# Differential test against ovn-trace: kube-ovn's default VPC plus a second subnet on a real
# northd, four pods on brint tap ports; a few hundred generated packets (every pod to every pod,
# gateway and unknown address, ICMP/UDP/TCP, TTL 64/2/1) traced by brintd (`brintctl trace`) and
# by Debian's ovn-trace on the same SB. Where each packet goes and its rewritten headers must be
# equal, the packets the pipeline generates (ICMP errors, TCP resets, ARP requests) included.
. "$(dirname "$0")/lib.sh"
setup
start_ovn
kube_ovn_default_vpc
kube_ovn_subnet2
declare -A SW=([pod1]=ovn-default [pod2]=ovn-default [node1]=join [pod3]=subnet2)
declare -A MAC=([pod1]=00:00:00:00:01:01 [pod2]=00:00:00:00:01:02 [node1]=00:00:00:00:64:02 [pod3]=00:00:00:00:02:01)
declare -A IP=([pod1]=10.16.0.11 [pod2]=10.16.0.12 [node1]=100.64.0.2 [pod3]=10.17.0.11)
ports=""
pods_json="{"
n=0
for p in pod1 pod2 node1 pod3; do
	n=$((n + 1))
	nbctl lsp-add "${SW[$p]}" "$p" -- lsp-set-addresses "$p" "${MAC[$p]} ${IP[$p]}" \
		-- lsp-set-port-security "$p" "${MAC[$p]} ${IP[$p]}" || fail "lsp-add $p"
	ports="$ports${ports:+,}{\"name\": \"tap-$p\", \"type\": \"tap\", \"iface\": \"bt$$$n\", \"iface_id\": \"$p\"}"
	pods_json="$pods_json\"$p\": {\"switch\": \"${SW[$p]}\", \"mac\": \"${MAC[$p]}\", \"ip\": \"${IP[$p]}\", \"port\": \"tap-$p\"},"
done
pods_json="$pods_json\"_routers\": {\"ovn-cluster\": {\"ovn-default\": [\"00:00:00:a1:00:01\", \"10.16.0.1\"],
  \"join\": [\"00:00:00:a1:00:02\", \"100.64.0.1\"], \"subnet2\": [\"00:00:00:a1:00:03\", \"10.17.0.1\"]}}}"
echo "$pods_json" >"$T/pods.json"
brintd_config "$T/brint.json" "[$ports]" '[]' \
	"\"ovn\": {\"remote\": \"$OVN_SB\", \"chassis\": \"brint-node1\", \"encap_ip\": \"127.0.0.2\"}"
start_brintd "$T/brint.json"
for p in pod1 pod2 node1 pod3; do
	WAIT=20 wait_for "[ \"\$(nbctl lsp-get-up $p)\" = up ]" || fail "$p never came up"
done
WAIT=30 wait_for timeout 25 ovn-nbctl --db="$OVN_NB" --wait=hv sync || fail "--wait=hv sync"
timeout 600 python3 "$(dirname "$0")/trace_diff.py" "$BRINTCTL" "$T/brint.sock" "$OVN_SB" \
	"$T/pods.json" >"$T/diff.out" 2>&1
rc=$?
tail -n 20 "$T/diff.out" >&2
[ $rc = 0 ] || fail "brintd and ovn-trace disagree (or too few packets compared)"
pass "$(tail -n 1 "$T/diff.out")"
