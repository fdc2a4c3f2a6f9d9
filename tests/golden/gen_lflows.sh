#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Generate the logical-flow corpus (tests/golden/lflows.json) with a real ovn-northd:
# a private NB and SB ovsdb-server and ovn-northd in a temporary directory (started and
# stopped by PID through tests/integration/ovn/ovn_lib.sh), a kube-ovn-like topology, and a
# JSON dump of every Logical_Flow plus the Address_Set and Port_Group rows and datapaths the
# matches refer to.
#
#   tests/golden/gen_lflows.sh [OUTPUT]     (default: tests/golden/lflows.json)
#
# Exit 77 (skip) if OVN is not installed. Needs ovsdb-server, ovsdb-tool, ovn-northd,
# ovn-nbctl, ovn-sbctl, python3.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/lflows.json}
# ovn_lib.sh wants the brint tools of the SB tests; this script uses none of them.
export BRINT_SB_PROBE=${BRINT_SB_PROBE:-/nonexistent} BRINTCTL=${BRINTCTL:-/nonexistent}
# shellcheck source=../integration/ovn/ovn_lib.sh
. "$HERE/../integration/ovn/ovn_lib.sh"

for p in ovsdb-server ovsdb-tool ovn-northd ovn-nbctl ovn-sbctl python3 timeout; do
	command -v "$p" >/dev/null || skip "$p not installed"
done
[ -f "$OVN_SCHEMA_DIR/ovn-sb.ovsschema" ] || skip "no $OVN_SCHEMA_DIR/ovn-sb.ovsschema"

setup_tmp
create_dbs
start_sb
start_nb_northd

# --- topology: router ovn-cluster, switches ovn-default (pods) and join (nodes)
kube_ovn_topology
nbctl set logical_switch ovn-default other_config:mcast_snoop=true \
	other_config:mcast_querier=false || fail "mcast"

# pods with port security (one dual-stack), a node port on join
add_pod pod1 10.16.0.2 00:00:00:00:10:02
add_pod pod2 10.16.0.3 00:00:00:00:10:03
nbctl lsp-add ovn-default pod3 -- lsp-set-addresses pod3 "00:00:00:00:10:04 10.16.0.4 fd00:10:16::4" \
	-- lsp-set-port-security pod3 "00:00:00:00:10:04 10.16.0.4 fd00:10:16::4" || fail "pod3"
nbctl lsp-add join node-n1 -- lsp-set-addresses node-n1 "00:00:00:00:64:02 100.64.0.2" ||
	fail "node-n1"
nbctl lrp-set-gateway-chassis ovn-cluster-join chassis-1 100 2>/dev/null || true

# an external network on a distributed gateway port (NAT with is_chassis_resident)
nbctl ls-add external || fail "ls-add external"
nbctl lsp-add external ln-external -- lsp-set-type ln-external localnet \
	-- lsp-set-addresses ln-external unknown \
	-- lsp-set-options ln-external network_name=physnet1 || fail "localnet"
nbctl lrp-add ovn-cluster ovn-cluster-external 00:00:00:a1:00:03 172.18.0.1/16 || fail "lrp ext"
nbctl lsp-add external external-ovn-cluster -- lsp-set-type external-ovn-cluster router \
	-- lsp-set-addresses external-ovn-cluster router \
	-- lsp-set-options external-ovn-cluster router-port=ovn-cluster-external || fail "lsp ext"
nbctl lrp-set-gateway-chassis ovn-cluster-external chassis-1 100 || fail "gateway chassis"
nbctl lr-nat-add ovn-cluster snat 172.18.0.100 10.16.0.0/16 || fail "snat"
nbctl lr-nat-add ovn-cluster dnat_and_snat 172.18.0.10 10.16.0.2 pod1 00:00:00:00:18:0a ||
	fail "dnat_and_snat"
nbctl lr-route-add ovn-cluster 0.0.0.0/0 100.64.0.1 || fail "route"
nbctl lr-policy-add ovn-cluster 31000 "ip4.dst == 10.16.0.0/16" allow || fail "policy"
nbctl lr-policy-add ovn-cluster 29000 "ip4.src == 10.16.0.3" reroute 100.64.0.2 || fail "reroute"

# address sets and port groups (kube-ovn security groups / network policies)
nbctl create Address_Set name=as_clients \
	addresses='"10.16.0.3","10.16.0.4","10.17.0.0/24"' >/dev/null || fail "as_clients"
nbctl create Address_Set name=ovn.sg.web.associated.v4 \
	addresses='"10.16.0.2","10.16.0.3"' >/dev/null || fail "as dots"
nbctl create Address_Set name=as_v6 addresses='"fd00:10:16::4","fd00:10:17::/64"' \
	>/dev/null || fail "as_v6"
nbctl create Address_Set name=as_empty >/dev/null || fail "as_empty"
nbctl pg-add pg_web pod1 pod2 || fail "pg_web"
nbctl pg-add pg_db pod3 || fail "pg_db"

# ACLs: allow-related, drop, with address sets and port groups, on switches and groups
acl() { nbctl --type="$1" acl-add "$2" "$3" "$4" "$5" "$6" || fail "acl $*"; }
acl port-group pg_web to-lport 2001 'outport == @pg_web && ip4.src == $as_clients && tcp.dst == {80, 443}' allow-related
acl port-group pg_web to-lport 2000 'outport == @pg_web && ip4.src == $pg_web_ip4 && icmp4' allow-related
acl port-group pg_web to-lport 1000 'outport == @pg_web && ip' drop
acl port-group pg_web from-lport 1500 'inport == @pg_web && ip4.dst == 169.254.0.0/16' drop
acl port-group pg_web from-lport 1400 'inport == @pg_web && ip4.dst == $ovn.sg.web.associated.v4 && udp.dst >= 30000 && udp.dst <= 32767' allow
acl port-group pg_db to-lport 2002 'outport == @pg_db && ip6.src == $as_v6 && tcp.dst == 5432' allow-related
acl port-group pg_db to-lport 2001 'outport == @pg_db && ip4.src == $as_empty' allow
acl port-group pg_db to-lport 1001 'outport == @pg_db && ip4.src != 10.16.0.0/16 && !(tcp.dst == 22)' drop
acl switch ovn-default from-lport 1200 'ip4.src == 10.16.0.4 && tcp.src < 1024' allow
acl switch ovn-default to-lport 1100 'eth.src == 00:00:00:00:10:00/ff:ff:ff:ff:ff:00 && reg0[15] == 0 && ip4.dst == {10.16.0.2, 10.16.0.3} && sctp' allow-related

# load balancers: a ClusterIP service, a DNS service over UDP, a NodePort-like VIP
nbctl lb-add svc-kubernetes 10.96.0.1:443 100.64.0.2:6443 tcp || fail "lb1"
nbctl lb-add svc-dns 10.96.0.10:53 10.16.0.2:53,10.16.0.3:53 udp || fail "lb2"
nbctl lb-add svc-nodeport 172.18.0.10:30080 10.16.0.2:8080,10.16.0.3:8080 tcp || fail "lb3"
for lb in svc-kubernetes svc-dns svc-nodeport; do
	nbctl ls-lb-add ovn-default "$lb" || fail "ls-lb-add $lb"
	nbctl lr-lb-add ovn-cluster "$lb" || fail "lr-lb-add $lb"
done
nbctl ls-lb-add join svc-kubernetes || fail "ls-lb-add join"

# IPv6 on the pod subnet's router port with router advertisements, an IPv6 service, DNS,
# QoS, a localport, a port with unknown addresses and logged ACLs
nbctl lrp-del ovn-cluster-ovn-default -- lrp-add ovn-cluster ovn-cluster-ovn-default \
	00:00:00:a1:00:01 10.16.0.1/16 fd00:10:16::1/64 || fail "dual-stack lrp"
nbctl set logical_router_port ovn-cluster-ovn-default ipv6_ra_configs:address_mode=dhcpv6_stateful \
	ipv6_ra_configs:send_periodic=true ipv6_ra_configs:max_interval=30 || fail "ra"
nbctl lb-add svc-v6 "[fd00:10:96::1]:443" "[fd00:10:16::4]:8443" tcp || fail "lb v6"
nbctl ls-lb-add ovn-default svc-v6 || fail "ls-lb-add v6"
dns=$(nbctl create DNS records='"svc.cluster.local"="10.96.0.10"') || fail "dns"
nbctl add logical_switch ovn-default dns_records "$dns" || fail "dns add"
nbctl qos-add ovn-default from-lport 100 'inport == "pod2" && ip4' dscp=10 || fail "qos dscp"
nbctl qos-add ovn-default to-lport 100 'outport == "pod2" && ip4' rate=1000 burst=100 || fail "qos rate"
nbctl lsp-add ovn-default mdport -- lsp-set-type mdport localport \
	-- lsp-set-addresses mdport "00:00:00:00:10:fe 10.16.0.254" || fail "localport"
nbctl lsp-add ovn-default vm1 -- lsp-set-addresses vm1 "00:00:00:00:10:05 10.16.0.5" unknown ||
	fail "unknown"
nbctl --log --severity=warning --name=drop_web --type=port-group acl-add pg_web \
	to-lport 900 'outport == @pg_web && ip6 && icmp6' drop || fail "logged acl"
nbctl --label=1234 --type=port-group acl-add pg_db from-lport 1800 \
	'inport == @pg_db && ip6.dst == $pg_web_ip6' allow-related || fail "labelled acl"
nbctl --apply-after-lb --type=switch acl-add ovn-default from-lport 1300 \
	'ip4 && ip4.dst == 10.96.0.0/12 && !ct.rel' allow || fail "after-lb acl"

# more of what northd can generate: a nested container port (VLAN tag), a virtual port, an
# external port with an HA chassis group, a localnet port with a VLAN, a centralised
# gateway router with ECMP routes, a stateless NAT and NAT limited by an address set,
# load balancers with affinity, hairpin SNAT and skip_snat, a reject ACL, multicast relay
nbctl lsp-add ovn-default pod4 -- lsp-set-addresses pod4 "00:00:00:00:10:06 10.16.0.6" || fail "pod4"
nbctl lsp-add ovn-default pod4-c1 pod4 42 -- lsp-set-addresses pod4-c1 "00:00:00:00:10:07 10.16.0.7" \
	-- lsp-set-port-security pod4-c1 "00:00:00:00:10:07 10.16.0.7" || fail "container port"
nbctl lsp-add ovn-default vip1 -- lsp-set-type vip1 virtual \
	-- lsp-set-options vip1 virtual-ip=10.16.0.100 virtual-parents=pod1,pod2 || fail "virtual"
nbctl ha-chassis-group-add hag1 -- ha-chassis-group-add-chassis hag1 chassis-1 10 || fail "hag"
nbctl lsp-add ovn-default ext1 -- lsp-set-type ext1 external \
	-- lsp-set-addresses ext1 "00:00:00:00:10:08 10.16.0.8" || fail "external port"
nbctl set logical_switch_port ext1 ha_chassis_group="$(nbctl --bare --columns=_uuid find ha_chassis_group name=hag1)" ||
	fail "ext1 hag"
nbctl lsp-add ovn-default ln-vlan -- lsp-set-type ln-vlan localnet -- lsp-set-addresses ln-vlan unknown \
	-- lsp-set-options ln-vlan network_name=physnet2 -- set logical_switch_port ln-vlan tag_request=100 ||
	fail "vlan localnet"
nbctl lr-add gw1 -- set logical_router gw1 options:chassis=chassis-1 \
	options:lb_force_snat_ip=router_ip options:mcast_relay=true || fail "gw1"
nbctl lrp-add gw1 gw1-join 00:00:00:a2:00:01 100.64.0.254/16 || fail "gw1 lrp"
nbctl lsp-add join join-gw1 -- lsp-set-type join-gw1 router -- lsp-set-addresses join-gw1 router \
	-- lsp-set-options join-gw1 router-port=gw1-join || fail "join-gw1"
nbctl --ecmp lr-route-add gw1 10.16.0.0/16 100.64.0.1 || fail "ecmp1"
nbctl --ecmp lr-route-add gw1 10.16.0.0/16 100.64.0.2 || fail "ecmp2"
nbctl --stateless lr-nat-add gw1 dnat_and_snat 100.64.10.1 10.16.0.5 || fail "stateless nat"
nbctl lr-nat-add gw1 snat 100.64.10.2 10.16.0.0/24 || fail "snat gw1"
nbctl set nat "$(nbctl --bare --columns=_uuid find nat external_ip=100.64.10.2)" \
	allowed_ext_ips="$(nbctl --bare --columns=_uuid find address_set name=as_clients)" ||
	fail "allowed_ext_ips"
nbctl lb-add svc-aff 10.96.0.20:80 10.16.0.2:80,10.16.0.3:80 tcp || fail "lb aff"
nbctl set load_balancer svc-aff options:affinity_timeout=60 options:hairpin_snat_ip=169.254.0.1 ||
	fail "lb aff opts"
nbctl lb-add svc-skip 10.96.0.30:8080 10.16.0.4:8080 tcp || fail "lb skip"
nbctl set load_balancer svc-skip options:skip_snat=true || fail "skip_snat"
for lb in svc-aff svc-skip; do
	nbctl ls-lb-add ovn-default "$lb" && nbctl lr-lb-add gw1 "$lb" || fail "lb attach $lb"
done
nbctl --type=port-group acl-add pg_db to-lport 1700 'outport == @pg_db && udp' reject || fail "reject"
nbctl lr-policy-add ovn-cluster 28000 "ip4.src == \$as_clients && ip4.dst != 10.16.0.0/16" \
	reroute 100.64.0.2,100.64.0.254 || fail "ecmp policy"

# DHCP options on pod1 (v4) and pod3 (v6)
d4=$(nbctl create DHCP_Options cidr=10.16.0.0/16 \
	options='"lease_time"="3600" "router"="10.16.0.1" "server_id"="10.16.0.1" "server_mac"="00:00:00:a1:00:01" "dns_server"="{10.96.0.10}"') ||
	fail "dhcp4"
nbctl lsp-set-dhcpv4-options pod1 "$d4" || fail "dhcp4 set"
d6=$(nbctl create DHCP_Options cidr='"fd00:10:16::/64"' \
	options='"server_id"="00:00:00:a1:00:01"') || fail "dhcp6"
nbctl lsp-set-dhcpv6-options pod3 "$d6" || fail "dhcp6 set"

# wait for northd to have computed everything
timeout 60 ovn-nbctl --db="unix:$T/nb.sock" --wait=sb sync || fail "nbctl --wait=sb sync"

for t in Logical_Flow Logical_DP_Group Datapath_Binding Address_Set Port_Group; do
	sbctl --format=json list "$t" >"$T/$t.json" || fail "dump $t"
done

python3 - "$T" "$OUT" <<'PY' || fail "python dump"
import json, sys, os
t, out = sys.argv[1], sys.argv[2]

def rows(name):
    d = json.load(open(os.path.join(t, name + ".json")))
    hd = d["headings"]
    return [dict(zip(hd, r)) for r in d["data"]]

def val(v):  # OVSDB JSON value to Python
    if isinstance(v, list) and v and v[0] == "set":
        return [val(x) for x in v[1]]
    if isinstance(v, list) and v and v[0] == "map":
        return {val(k): val(x) for k, x in v[1]}
    if isinstance(v, list) and v and v[0] == "uuid":
        return v[1]
    return v

dps = {}
for r in rows("Datapath_Binding"):
    ext = val(r["external_ids"])
    dps[val(r["_uuid"])] = {"name": ext.get("name", ""), "key": val(r["tunnel_key"])}
groups = {val(r["_uuid"]): sorted(val(r["datapaths"]) if isinstance(val(r["datapaths"]), list)
                                  else [val(r["datapaths"])]) for r in rows("Logical_DP_Group")}
flows = []
for r in rows("Logical_Flow"):
    ext = val(r["external_ids"])
    dp = val(r["logical_datapath"])
    g = val(r["logical_dp_group"])
    ids = ([dp] if isinstance(dp, str) else []) + (groups.get(g, []) if isinstance(g, str) else [])
    flows.append({
        "datapaths": sorted(dps[i]["name"] for i in ids),
        "pipeline": val(r["pipeline"]),
        "table": val(r["table_id"]),
        "stage": ext.get("stage-name", ""),
        "priority": val(r["priority"]),
        "match": val(r["match"]),
        "actions": val(r["actions"]),
    })
flows.sort(key=lambda f: (f["datapaths"], f["pipeline"], f["table"], -f["priority"],
                          f["match"], f["actions"]))
def members(v):
    v = val(v)
    return sorted(v if isinstance(v, list) else [v])
doc = {
    "generator": "tests/golden/gen_lflows.sh",
    "ovn_version": os.popen("ovn-northd --version | head -1").read().strip(),
    "datapaths": sorted(dps.values(), key=lambda d: d["key"]),
    "address_sets": {val(r["name"]): members(r["addresses"]) for r in rows("Address_Set")},
    "port_groups": {val(r["name"]): members(r["ports"]) for r in rows("Port_Group")},
    "flows": flows,
}
with open(out + ".tmp", "w") as f:
    json.dump(doc, f, indent=1, sort_keys=True)
    f.write("\n")
os.rename(out + ".tmp", out)
print(f"{len(flows)} logical flows written to {out}", file=sys.stderr)
PY
