/* SPDX-License-Identifier: Apache-2.0 */
/* The OVN action language: golden cases (action text in, canonical program text out) for
 * every action family, the compiled representation itself (instructions, operands, nested
 * blocks, prerequisites), and print/parse round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lflow/act.h"
#include "lflow/symtab.h"

/* as OVN's own tests: ingress table 10 of 24 */
static const struct lflow_act_params pp = {
    .pipeline = LFLOW_P_INGRESS,
    .cur_table = 10,
    .n_tables = 24,
};

struct golden {
	const char *in;
	const char *out;     /* NULL: same as in */
	const char *prereqs; /* NULL: not checked; "": none */
};

static struct lflow_prog *parse_ok(const char *in)
{
	char *err = NULL;
	size_t pos = 0;
	struct lflow_prog *p = lflow_act_parse(in, &pp, &err, &pos);
	if (!p) {
		print_error("parse of \"%s\" failed at %zu: %s\n", in, pos, err);
		free(err);
		fail();
	}
	assert_null(err);
	return p;
}

static void check_golden(const struct golden *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct lflow_prog *p = parse_ok(g[i].in);
		char *s = lflow_prog_format(p);
		const char *want = g[i].out ? g[i].out : g[i].in;
		if (strcmp(s, want))
			print_error("in:   %s\nwant: %s\ngot:  %s\n", g[i].in, want, s);
		assert_string_equal(s, want);
		if (g[i].prereqs) {
			const char *got = p->prereqs ? p->prereqs : "";
			if (strcmp(got, g[i].prereqs))
				print_error("prereqs of %s: want \"%s\" got \"%s\"\n", g[i].in,
					    g[i].prereqs, got);
			assert_string_equal(got, g[i].prereqs);
		}
		/* the canonical text parses to the same program text */
		struct lflow_prog *q = parse_ok(s);
		char *s2 = lflow_prog_format(q);
		assert_string_equal(s2, s);
		free(s2);
		lflow_prog_free(q);
		free(s);
		lflow_prog_free(p);
	}
}

static void test_basic(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"drop;", NULL, ""},
	    {"output;", NULL, ""},
	    {"next;", NULL, ""},
	    {"next(11);", "next;", NULL},
	    {"next(0);", NULL, NULL},
	    {"next(23);", NULL, NULL},
	    {"next(table=11);", "next;", NULL},
	    {"next(pipeline=ingress);", "next;", NULL},
	    {"next(table=11, pipeline=ingress);", "next;", NULL},
	    {"next(pipeline=egress);", "next(pipeline=egress, table=11);", NULL},
	    {"next(pipeline=egress, table=5);", NULL, NULL},
	    {"next(table=10);", "next(10);", NULL},
	    {"tcp.dst=80;", "tcp.dst = 80;", "tcp"},
	    {"eth.dst[40] = 1;", NULL, ""},
	    {"vlan.tci[13..15] = 2;", NULL, NULL},
	    {"inport = \"\";", NULL, ""},
	    {"ip.ttl=4;", "ip.ttl = 4;", "ip"},
	    {"outport=\"eth0\"; next; outport=\"LOCAL\"; next;",
	     "outport = \"eth0\"; next; outport = \"LOCAL\"; next;", NULL},
	    {"outport = \"a \\\"quoted\\\" \\\\ name\";", NULL, NULL},
	    {"reg0=reg1;", "reg0 = reg1;", ""},
	    {"reg0[10] = reg1[0];", NULL, NULL},
	    {"outport = inport;", NULL, NULL},
	    {"reg0 <-> reg1;", NULL, NULL},
	    {"outport <-> inport;", NULL, NULL},
	    {"xxreg0[0..31] = reg1;", NULL, NULL},
	    {"ip.ttl--;", NULL, "ip"},
	    {"pkt.mark=1;", "pkt.mark = 1;", NULL},
	    {"pkt.mark = 1000;", NULL, NULL},
	    {"reg0 = 0x1f;", NULL, NULL},
	    {"reg0 = 10.0.0.1;", NULL, NULL},
	    {"reg1 = 10.0.0.10; reg2[0..15] = 80;", NULL, NULL},
	    {"xxreg1 = 2001::a;", NULL, NULL},
	    {"eth.src = 00:00:00:00:ff:01;", NULL, NULL},
	    {"reg0[0..7] = 0x3/0xf;", NULL, NULL},
	    {"flags.loopback = 1;", NULL, NULL},
	    {"push(xxreg0);push(xxreg1[10..20]);push(eth.src);pop(xxreg0[0..47]);"
	     "pop(xxreg0[48..57]);pop(xxreg1);",
	     "push(xxreg0); push(xxreg1[10..20]); push(eth.src); pop(xxreg0[0..47]); "
	     "pop(xxreg0[48..57]); pop(xxreg1);",
	     NULL},
	    {"clone { ip4.dst = 255.255.255.255; output; }; next;", NULL, "ip4"},
	    {"clone { clone { outport = \"p\"; output; }; };", NULL, ""},
	    {"/* comment */ next; // line\n", "next;", NULL},
	    {"ip4.src = ip6.src[0..31];", NULL, "ip4 && ip6"},
	    /* northd 23.03 for a VIP without backends; OVN's own parser refuses it */
	    {"flags.force_snat_for_lb = 1; drop;", NULL, ""},
	    {"clone { outport = \"p\"; drop; }; next;", NULL, NULL},
	};
	check_golden(g, sizeof g / sizeof g[0]);
}

static void test_pktgen(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"arp { eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;", NULL, "ip4"},
	    {"arp { };", "arp { drop; };", "ip4"},
	    {"nd_ns { nd.target = xxreg0; output; };", NULL, "ip6"},
	    {"nd_ns { };", "nd_ns { drop; };", NULL},
	    {"nd_na { eth.src = 12:34:56:78:9a:bc; nd.tll = 12:34:56:78:9a:bc; outport = inport;"
	     " inport = \"\"; /* Allow sending out inport. */ output; };",
	     "nd_na { eth.src = 12:34:56:78:9a:bc; nd.tll = 12:34:56:78:9a:bc; outport = inport;"
	     " inport = \"\"; output; };",
	     "nd_ns"},
	    {"nd_na_router { eth.src = 12:34:56:78:9a:bc; outport = inport; output; };", NULL,
	     "nd_ns"},
	    {"icmp4 { eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;", NULL, "ip4"},
	    {"icmp4 { };", "icmp4 { drop; };", NULL},
	    {"icmp4 { eth.dst = ff:ff:ff:ff:ff:ff; icmp4.frag_mtu = 1500; output; }; output;", NULL,
	     "ip4"},
	    {"icmp4_error { eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;", NULL, "ip4"},
	    {"icmp4_error { };", "icmp4_error { drop; };", NULL},
	    {"icmp6 { eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;", NULL, "ip6"},
	    {"icmp6_error { eth.dst = ff:ff:ff:ff:ff:ff; icmp6.frag_mtu = 1500; output; }; "
	     "output;",
	     NULL, "ip6"},
	    {"tcp_reset { eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;", NULL, "tcp"},
	    {"tcp_reset { };", "tcp_reset { drop; };", NULL},
	    {"sctp_abort {eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;",
	     "sctp_abort { eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;", "sctp"},
	    {"reject { eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;", NULL, ""},
	    {"reject { };", "reject { drop; };", NULL},
	    {"igmp;", NULL, ""},
	    /* northd's router ICMP reply, as 23.03 writes it */
	    {"icmp4 { eth.dst <-> eth.src; ip4.dst = ip4.src; ip4.src = 10.0.0.1; ip.ttl = 254; "
	     "icmp4.type = 3; icmp4.code = 1; next(pipeline=ingress, table=0); };",
	     "icmp4 { eth.dst <-> eth.src; ip4.dst = ip4.src; ip4.src = 10.0.0.1; ip.ttl = 254; "
	     "icmp4.type = 3; icmp4.code = 1; next(0); };",
	     "ip4"},
	};
	check_golden(g, sizeof g / sizeof g[0]);
}

static void test_conntrack(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"ct_next;", NULL, "ip"},
	    {"ct_commit;", NULL, "ip"},
	    {"ct_commit { };", "ct_commit;", NULL},
	    {"ct_commit { ct_mark=1; };", "ct_commit { ct_mark = 1; };", NULL},
	    {"ct_commit { ct_mark=1/1; };", "ct_commit { ct_mark = 1/1; };", NULL},
	    {"ct_commit { ct_label=0x01020304050607080910111213141516; };",
	     "ct_commit { ct_label = 0x1020304050607080910111213141516; };", NULL},
	    {"ct_commit { ct_label=18446744073709551615; };",
	     "ct_commit { ct_label = 18446744073709551615; };", NULL},
	    {"ct_commit { ct_label[0..47] = 0x00000f040201; ct_label[48..63] = 0x0002; };",
	     "ct_commit { ct_label[0..47] = 0xf040201; ct_label[48..63] = 0x2; };", NULL},
	    {"ct_commit { ct_mark.blocked = 0; ct_label.label = 12; };", NULL, "ip"},
	    {"ct_commit { ct_label.ecmp_reply_eth = eth.src; ct_mark.ecmp_reply_port = 5; };", NULL,
	     NULL},
	    {"ct_commit();", "ct_commit;", NULL},
	    {"ct_commit(ct_mark=1);", "ct_commit(ct_mark=0x1);", NULL},
	    {"ct_commit(ct_mark=1/1);", "ct_commit(ct_mark=0x1/0x1);", NULL},
	    {"ct_commit(ct_mark=1, ct_label=2);", "ct_commit(ct_mark=0x1, ct_label=0x2);", NULL},
	    {"ct_commit(ct_label=18446744073709551615);", "ct_commit(ct_label=0xffffffffffffffff);",
	     NULL},
	    {"ct_dnat;", NULL, "ip"},
	    {"ct_dnat(192.168.1.2);", NULL, NULL},
	    {"ct_dnat(fd11::2);", NULL, NULL},
	    {"ct_dnat(192.168.1.2, 1-3000);", "ct_dnat(192.168.1.2,1-3000);", NULL},
	    {"ct_dnat(192.168.1.2, 1000);", "ct_dnat(192.168.1.2,1000);", NULL},
	    {"ct_snat(192.168.1.2);", NULL, "ip"},
	    {"ct_snat(fd11::2,100-200);", NULL, NULL},
	    {"ct_dnat_in_czone(192.168.1.2);", NULL, NULL},
	    {"ct_snat_in_czone(fd11::2);", NULL, NULL},
	    {"ct_clear;", NULL, ""},
	    {"ct_commit_nat;", NULL, "ip"},
	    {"ct_snat_to_vip;", NULL, ""},
	    {"ct_lb;", NULL, "ip"},
	    {"ct_lb();", "ct_lb;", NULL},
	    {"ct_lb(backends=192.168.1.2:80,192.168.1.3:80);", NULL, NULL},
	    {"ct_lb(backends=192.168.1.2, 192.168.1.3, );",
	     "ct_lb(backends=192.168.1.2,192.168.1.3);", NULL},
	    {"ct_lb(backends=fd0f::2, fd0f::3, );", "ct_lb(backends=fd0f::2,fd0f::3);", NULL},
	    {"ct_lb(backends=fd0f::2,fd0f::3; hash_fields=\"eth_src,eth_dst,ip_src\"; skip_snat);",
	     NULL, NULL},
	    {"ct_lb_mark(backends=192.168.1.2:80,192.168.1.3:80; force_snat);", NULL, NULL},
	    {"ct_lb_mark(backends=10.0.0.3:80,20.0.0.3:80; "
	     "hash_fields=\"ip_dst,ip_src,tcp_dst,tcp_src\");",
	     NULL, "ip"},
	    {"ct_lb_mark(backends=[2001::3]:80,[2002::3]:80; "
	     "hash_fields=\"ip_dst,ip_src,tcp_dst,tcp_src\");",
	     NULL, NULL},
	    {"reg0[1] = 0; ct_lb_mark(backends=10.0.0.3:80);", NULL, NULL},
	    {"reg9[16..31] = select(1=50, 2=100, 3, );",
	     "reg9[16..31] = select(1=50, 2=100, 3=100);", NULL},
	    {"reg0 = select(1, 2);", "reg0 = select(1=100, 2=100);", NULL},
	    {"commit_lb_aff(vip = \"172.16.0.123:8080\", backend = \"10.0.0.3:8080\", "
	     "proto = tcp, timeout = 30);",
	     NULL, NULL},
	    {"commit_lb_aff(vip = \"172.16.0.123\", backend = \"10.0.0.3\", timeout = 30);", NULL,
	     NULL},
	    {"commit_lb_aff(vip = \"[::1]:8080\", backend = \"[::2]:8080\", proto = udp, "
	     "timeout = 30);",
	     NULL, NULL},
	    {"reg9[6] = chk_lb_aff();", NULL, ""},
	};
	check_golden(g, sizeof g / sizeof g[0]);
}

static void test_lookups(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"get_arp(outport, ip4.dst);", NULL, "ip4"},
	    {"get_arp(inport, reg0);", NULL, ""},
	    {"put_arp(inport, arp.spa, arp.sha);", NULL, "arp"},
	    {"reg0[0] = lookup_arp(inport, ip4.dst, eth.src);", NULL, "ip4"},
	    {"reg1[1] = lookup_arp(inport, arp.spa, arp.sha);", NULL, NULL},
	    {"reg0[0] = lookup_arp_ip(inport, ip4.dst);", NULL, NULL},
	    {"get_nd(outport, ip6.dst);", NULL, "ip6"},
	    {"get_nd(inport, xxreg0);", NULL, NULL},
	    {"put_nd(inport, nd.target, nd.sll);", NULL, NULL},
	    {"reg2[0] = lookup_nd(inport, ip6.dst, eth.src);", NULL, NULL},
	    {"reg3[0] = lookup_nd_ip(inport, nd.target);", NULL, NULL},
	    {"put_fdb(inport, arp.sha);", NULL, "arp"},
	    {"put_fdb(inport, eth.src);", NULL, ""},
	    {"outport = get_fdb(eth.dst);", NULL, NULL},
	    {"inport = get_fdb(arp.sha);", NULL, NULL},
	    {"reg0 = get_fdb(arp.tha);", NULL, NULL},
	    {"reg0[0] = lookup_fdb(inport, eth.src);", NULL, NULL},
	    {"reg1[4] = lookup_fdb(outport, eth.dst);", NULL, NULL},
	    {"reg0[0] = check_in_port_sec();", NULL, ""},
	    {"reg0[0] = check_out_port_sec();", NULL, NULL},
	    {"reg0[0] = chk_lb_hairpin();", NULL, NULL},
	    {"reg0[0] = chk_lb_hairpin_reply();", NULL, NULL},
	    {"reg0[0] = check_pkt_larger(1500);", NULL, ""},
	    {"handle_svc_check(inport);", NULL, NULL},
	    {"commit_ecmp_nh(ipv6 = \"false\", proto = tcp);",
	     "commit_ecmp_nh(ipv6 = false, proto = tcp);", NULL},
	    {"commit_ecmp_nh(ipv6 = true, proto = sctp);", NULL, NULL},
	    {"reg9[5] = chk_ecmp_nh_mac();", NULL, NULL},
	    {"reg9[5] = chk_ecmp_nh();", NULL, NULL},
	};
	check_golden(g, sizeof g / sizeof g[0]);
}

static void test_services(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"reg1[0] = put_dhcp_opts(offerip = 1.2.3.4, router = 10.0.0.1);", NULL, ""},
	    {"reg2[5] = put_dhcp_opts(offerip=10.0.0.4,router=10.0.0.1,netmask=255.255.254.0,"
	     "mtu=1400,domain_name=\"ovn.org\",wpad=\"https://example.org\","
	     "bootfile_name=\"https://127.0.0.1/boot.ipxe\",path_prefix=\"/tftpboot\", "
	     "next_server=10.0.0.9);",
	     "reg2[5] = put_dhcp_opts(offerip = 10.0.0.4, router = 10.0.0.1, "
	     "netmask = 255.255.254.0, mtu = 1400, domain_name = \"ovn.org\", "
	     "wpad = \"https://example.org\", bootfile_name = \"https://127.0.0.1/boot.ipxe\", "
	     "path_prefix = \"/tftpboot\", next_server = 10.0.0.9);",
	     NULL},
	    {"reg0[15] = put_dhcp_opts(offerip=10.0.0.4,dns_server={8.8.8.8,7.7.7.7},"
	     "classless_static_route={30.0.0.0/24,10.0.0.4,0.0.0.0/0,10.0.0.1},"
	     "tftp_server=\"tftp_server_test\",lease_time=3600,T1=1800);",
	     "reg0[15] = put_dhcp_opts(offerip = 10.0.0.4, dns_server = {8.8.8.8, 7.7.7.7}, "
	     "classless_static_route = {30.0.0.0/24, 10.0.0.4, 0.0.0.0/0, 10.0.0.1}, "
	     "tftp_server = \"tftp_server_test\", lease_time = 3600, T1 = 1800);",
	     NULL},
	    {"reg0[15] = put_dhcp_opts(offerip = 10.0.0.4, dns_server = {8.8.8.8});", NULL, NULL},
	    {"reg1[0] = put_dhcpv6_opts(ia_addr = ae70::4, server_id = 00:00:00:00:10:02);", NULL,
	     NULL},
	    {"reg1[0] = put_dhcpv6_opts();", NULL, NULL},
	    {"reg1[0] = put_dhcpv6_opts(dns_server={ae70::1,ae70::2});",
	     "reg1[0] = put_dhcpv6_opts(dns_server = {ae70::1, ae70::2});", NULL},
	    {"reg1[0] = put_dhcpv6_opts(domain_search = \"ovn.org\");", NULL, NULL},
	    {"reg1[0] = put_nd_ra_opts(addr_mode = \"slaac\", mtu = 1500, router_preference = "
	     "\"HIGH\", prefix = aef0::/64, slla = ae:01:02:03:04:05);",
	     NULL, "ip6"},
	    {"reg1[0] = put_nd_ra_opts(addr_mode = \"dhcpv6_stateful\", mtu = 1450, prefix = "
	     "aef0::/64, prefix = bef0::/64, slla = ae:01:02:03:04:10);",
	     NULL, NULL},
	    {"reg1[0] = put_nd_ra_opts(addr_mode = \"dhcpv6_stateless\", slla = "
	     "ae:01:02:03:04:06, prefix = aef0::/64, rdnss = aef0::1, dnssl = \"a.org\");",
	     NULL, NULL},
	    {"reg1[0] = dns_lookup();", NULL, "udp"},
	    {"set_queue(0);", NULL, NULL},
	    {"set_queue(61440);", NULL, NULL},
	    {"set_meter(1);", NULL, NULL},
	    {"set_meter(100, 1000);", NULL, NULL},
	    {"set_meter(4294967295, 4294967295);", NULL, NULL},
	    {"log(verdict=allow, severity=warning);", NULL, NULL},
	    {"log(name=\"test1\", verdict=drop, severity=info, meter=\"meter1\");", NULL, NULL},
	    {"log(verdict=drop);", "log(verdict=drop, severity=info);", NULL},
	    {"log(severity=alert, verdict=reject, name=\"acl-x\");",
	     "log(name=\"acl-x\", verdict=reject, severity=alert);", NULL},
	    {"trigger_event(event = \"empty_lb_backends\", vip = \"10.0.0.1:80\", protocol = "
	     "\"tcp\", load_balancer = \"12345678-abcd-9876-fedc-11119f8e7d6c\");",
	     NULL, NULL},
	    {"bind_vport(\"lsp1\", inport);", NULL, NULL},
	    {"handle_dhcpv6_reply;", NULL, NULL},
	    {"handle_bfd_msg();", NULL, NULL},
	    {"fwd_group(liveness=true, childports=\"eth0\", \"lsp1\");",
	     "fwd_group(liveness=\"true\", childports=\"eth0\", \"lsp1\");", NULL},
	    {"fwd_group(childports=\"eth0\", \"lsp1\");", NULL, NULL},
	    {"sample(probability=100,collector_set=200,obs_domain=0,obs_point=1000);", NULL, NULL},
	    {"sample(probability=100,collector_set=200,obs_domain=10,obs_point=$cookie);", NULL,
	     NULL},
	    {"sample(probability=10);",
	     "sample(probability=10,collector_set=0,obs_domain=0,obs_point=0);", NULL},
	};
	check_golden(g, sizeof g / sizeof g[0]);
}

/* --- the representation itself --- */

static const struct lf_symbol *sym_of(const struct lflow_fref *f)
{
	return lf_symtab_at(f->sym);
}

static void test_repr_flat_and_nested(void **state)
{
	(void)state;
	struct lflow_prog *p =
	    parse_ok("reg0 = 5; clone { outport = \"p1\"; arp { output; }; }; next;");
	assert_int_equal(p->n_top, 3);
	const struct lflow_insn *top = &p->insns[p->top];
	assert_int_equal(top[0].op, LFLOW_OP_LOAD);
	assert_string_equal(sym_of(&top[0].dst)->name, "reg0");
	assert_int_equal(top[0].dst.ofs, 0);
	assert_int_equal(top[0].dst.n_bits, 32);
	assert_int_equal(top[0].n_args, 1);
	assert_int_equal(p->args[top[0].arg].kind, LFLOW_ARG_CONST);
	assert_true(p->args[top[0].arg].value == 5);
	assert_int_equal(top[1].op, LFLOW_OP_CLONE);
	assert_int_equal(top[1].n_sub, 2);
	const struct lflow_insn *clone = &p->insns[top[1].sub];
	assert_int_equal(clone[0].op, LFLOW_OP_LOAD);
	assert_int_equal(p->args[clone[0].arg].kind, LFLOW_ARG_STR);
	assert_string_equal(lflow_prog_str(p, p->args[clone[0].arg].str), "p1");
	assert_int_equal(clone[1].op, LFLOW_OP_ARP);
	assert_int_equal(clone[1].n_sub, 1);
	assert_int_equal(p->insns[clone[1].sub].op, LFLOW_OP_OUTPUT);
	assert_int_equal(top[2].op, LFLOW_OP_NEXT);
	assert_true(top[2].flags & LFLOW_NEXT_F_FOLLOWING);
	assert_int_equal(top[2].u.next.table, 11);
	assert_int_equal(p->n_insns, 6);
	/* every nested range lies inside the instruction array */
	for (uint32_t i = 0; i < p->n_insns; i++) {
		assert_true(p->insns[i].sub + p->insns[i].n_sub <= p->n_insns);
		assert_true(p->insns[i].arg + p->insns[i].n_args <= p->n_args);
	}
	assert_string_equal(p->prereqs, "ip4");
	lflow_prog_free(p);
}

static void test_repr_operands(void **state)
{
	(void)state;
	struct lflow_prog *p =
	    parse_ok("xxreg0[10..20] <-> reg1[0..10]; "
		     "ct_lb_mark(backends=10.0.0.3:80,[2001::3]:8080; skip_snat); "
		     "ct_snat(10.1.2.3,1000-2000);");
	const struct lflow_insn *in = &p->insns[p->top];
	assert_int_equal(in[0].op, LFLOW_OP_EXCHANGE);
	assert_string_equal(sym_of(&in[0].dst)->name, "xxreg0");
	assert_int_equal(in[0].dst.ofs, 10);
	assert_int_equal(in[0].dst.n_bits, 11);
	assert_string_equal(sym_of(&in[0].src)->name, "reg1");
	assert_int_equal(in[1].op, LFLOW_OP_CT_LB_MARK);
	assert_int_equal(in[1].n_args, 2);
	const struct lflow_arg *b = &p->args[in[1].arg];
	assert_int_equal(b[0].kind, LFLOW_ARG_BACKEND);
	assert_int_equal(b[0].fmt, LF_F_IPV4);
	assert_true(b[0].value == 0x0a000003);
	assert_int_equal(b[0].key, 80);
	assert_int_equal(b[1].fmt, LF_F_IPV6);
	assert_true((uint64_t)(b[1].value >> 112) == 0x2001 && (uint64_t)b[1].value == 3);
	assert_int_equal(b[1].key, 8080);
	assert_int_equal(in[1].u.ct_lb.flag, LFLOW_CT_LB_SKIP_SNAT);
	assert_null(lflow_prog_str(p, in[1].u.ct_lb.hash_fields));
	assert_int_equal(in[2].op, LFLOW_OP_CT_SNAT);
	assert_int_equal(in[2].u.nat.family, 4);
	assert_int_equal(in[2].u.nat.port_lo, 1000);
	assert_int_equal(in[2].u.nat.port_hi, 2000);
	assert_true(p->args[in[2].arg].value == 0x0a010203);
	lflow_prog_free(p);
}

static void test_repr_dhcp_options(void **state)
{
	(void)state;
	struct lflow_prog *p = parse_ok("reg0[3] = put_dhcp_opts(offerip = 10.0.0.4, "
					"router = 10.0.0.1, dns_server = {8.8.8.8, 1.1.1.1}, "
					"domain_name = \"x.org\", mtu = 1400);");
	const struct lflow_insn *in = &p->insns[p->top];
	assert_int_equal(in->op, LFLOW_OP_PUT_DHCPV4_OPTS);
	assert_int_equal(in->dst.ofs, 3);
	assert_int_equal(in->dst.n_bits, 1);
	const struct {
		const char *name;
		uint16_t code;
		uint8_t type;
		unsigned n;
	} want[] = {
	    {"offerip", 0, LFLOW_OT_IPV4, 1},	 {"router", 3, LFLOW_OT_IPV4, 1},
	    {"dns_server", 6, LFLOW_OT_IPV4, 2}, {"domain_name", 15, LFLOW_OT_STR, 1},
	    {"mtu", 26, LFLOW_OT_UINT16, 1},
	};
	const struct lflow_arg *a = &p->args[in->arg], *end = a + in->n_args;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_true(a < end);
		assert_int_equal(a->kind, LFLOW_ARG_OPT);
		const struct lflow_opt *o = lflow_opt_get(LFLOW_OPTS_DHCPV4, a->key);
		assert_non_null(o);
		assert_string_equal(o->name, want[i].name);
		assert_int_equal(o->code, want[i].code);
		assert_int_equal(o->type, want[i].type);
		assert_int_equal(a->n, want[i].n);
		a += 1 + a->n;
	}
	assert_true(a == end);
	/* the dns_server values */
	const struct lflow_arg *dns = &p->args[in->arg + 4];
	assert_true(dns[1].value == 0x08080808 && dns[2].value == 0x01010101);
	lflow_prog_free(p);

	/* the table is complete for what northd 23.03 offers, and lookups agree */
	assert_int_equal(lflow_opt_count(LFLOW_OPTS_DHCPV4), 38);
	assert_int_equal(lflow_opt_count(LFLOW_OPTS_DHCPV6), 4);
	assert_int_equal(lflow_opt_find(LFLOW_OPTS_DHCPV4, "nope"), -1);
	for (int t = 0; t < LFLOW_OPTS_N; t++)
		for (unsigned i = 0; i < lflow_opt_count((enum lflow_opt_table)t); i++)
			assert_int_equal(
			    lflow_opt_find((enum lflow_opt_table)t,
					   lflow_opt_get((enum lflow_opt_table)t, i)->name),
			    (int)i);
	assert_int_equal(
	    lflow_opt_get(LFLOW_OPTS_DHCPV4,
			  (unsigned)lflow_opt_find(LFLOW_OPTS_DHCPV4, "classless_static_route"))
		->code,
	    121);
	assert_int_equal(
	    lflow_opt_get(LFLOW_OPTS_DHCPV4,
			  (unsigned)lflow_opt_find(LFLOW_OPTS_DHCPV4, "ms_classless_static_route"))
		->code,
	    249);
	assert_int_equal(
	    lflow_opt_get(LFLOW_OPTS_DHCPV6, (unsigned)lflow_opt_find(LFLOW_OPTS_DHCPV6, "ia_addr"))
		->code,
	    5);
}

static void test_repr_next_and_ops(void **state)
{
	(void)state;
	struct lflow_prog *p =
	    parse_ok("next(pipeline=egress, table=3); next(2); log(verdict=drop, "
		     "name=\"n\", meter=\"m\", severity=debug); "
		     "set_meter(7, 8); reg5[16..31] = select(4=10, 9);");
	const struct lflow_insn *in = &p->insns[p->top];
	assert_int_equal(in[0].flags, LFLOW_NEXT_F_OTHER_PIPELINE);
	assert_int_equal(in[0].u.next.pipeline, LFLOW_P_EGRESS);
	assert_int_equal(in[0].u.next.table, 3);
	assert_int_equal(in[1].flags, 0);
	assert_int_equal(in[1].u.next.table, 2);
	assert_int_equal(in[2].u.log.verdict, LFLOW_LOG_DROP);
	assert_int_equal(in[2].u.log.severity, LFLOW_LOG_DEBUG);
	assert_string_equal(lflow_prog_str(p, in[2].u.log.name), "n");
	assert_string_equal(lflow_prog_str(p, in[2].u.log.meter), "m");
	assert_true(in[3].u.set_meter.rate == 7 && in[3].u.set_meter.burst == 8);
	assert_int_equal(in[4].op, LFLOW_OP_SELECT);
	assert_int_equal(in[4].n_args, 2);
	assert_int_equal(p->args[in[4].arg].key, 4);
	assert_int_equal(p->args[in[4].arg].n, 10);
	assert_int_equal(p->args[in[4].arg + 1].n, 100);
	for (int op = 0; op < LFLOW_OP_N; op++)
		assert_string_not_equal(lflow_op_name((enum lflow_op)op), "?");
	assert_int_equal(sizeof(struct lflow_insn), 40);
	lflow_prog_free(p);
}

static const char *stage_of(const void *aux, enum lflow_pipeline p, int table)
{
	static const char *const in[] = {"ls_in_check_port_sec", "ls_in_apply_port_sec",
					 "ls_in_lookup_fdb"};
	static const char *const out[] = {"ls_out_pre_lb", "ls_out_pre_acl"};
	assert_string_equal((const char *)aux, "switch");
	if (p == LFLOW_P_INGRESS)
		return table >= 0 && table < 3 ? in[table] : NULL;
	return table >= 0 && table < 2 ? out[table] : NULL;
}

/* With a stage resolver, every next names its target stage. */
static void test_next_stage_names(void **state)
{
	(void)state;
	struct lflow_act_params sp = {
	    .pipeline = LFLOW_P_INGRESS,
	    .cur_table = 1,
	    .n_tables = 3,
	    .stage_name = stage_of,
	    .aux = "switch",
	};
	char *err = NULL;
	size_t pos;
	struct lflow_prog *p = lflow_act_parse("next; clone { next(pipeline=egress, table=1); "
					       "}; next(0);",
					       &sp, &err, &pos);
	assert_non_null(p);
	const struct lflow_insn *top = &p->insns[p->top];
	assert_string_equal(lflow_prog_str(p, top[0].u.next.stage), "ls_in_lookup_fdb");
	const struct lflow_insn *inner = &p->insns[top[1].sub];
	assert_string_equal(lflow_prog_str(p, inner->u.next.stage), "ls_out_pre_acl");
	assert_string_equal(lflow_prog_str(p, top[2].u.next.stage), "ls_in_check_port_sec");
	char *s = lflow_prog_format(p);
	assert_string_equal(s, "next; clone { next(pipeline=egress, table=1); }; next(0);");
	free(s);
	lflow_prog_free(p);

	assert_null(lflow_act_parse("output; next(pipeline=egress, table=2);", &sp, &err, &pos));
	assert_string_equal(err, "\"next\" action names table 2 of the egress pipeline, which "
				 "has no stage.");
	assert_int_equal(pos, 38);
	free(err);
	/* without a resolver there is no name */
	p = parse_ok("next;");
	assert_null(lflow_prog_str(p, p->insns[p->top].u.next.stage));
	lflow_prog_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_pktgen),
	    cmocka_unit_test(test_conntrack),
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_services),
	    cmocka_unit_test(test_repr_flat_and_nested),
	    cmocka_unit_test(test_repr_operands),
	    cmocka_unit_test(test_repr_dhcp_options),
	    cmocka_unit_test(test_repr_next_and_ops),
	    cmocka_unit_test(test_next_stage_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
