/* SPDX-License-Identifier: Apache-2.0 */
/* OVN match expressions: golden cases (match text in, normalised rules out), the symbol
 * table, errors with positions, and hostile text (deep nesting, huge sets, blow-ups). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lflow/expr.h"

/* ---- lookups ---- */

static const char *as_clients[] = {"10.16.0.3", "10.16.0.4", "10.17.0.0/24"};
static const char *as_v6[] = {"fd00::1", "fd00:1::/64"};
static const char *as_bad[] = {"10.0.0.1", "10.0.0.1.1"};
static const char *pg_web[] = {"pod1", "pod2"};
static const char **big_a, **big_b; /* 20,000 addresses each */
static size_t n_big;

static int addr_set(void *arg, const char *name, const char *const **m, size_t *n)
{
	(void)arg;
	if (!strcmp(name, "as_clients")) {
		*m = as_clients;
		*n = 3;
	} else if (!strcmp(name, "as.v6")) {
		*m = as_v6;
		*n = 2;
	} else if (!strcmp(name, "as_empty")) {
		*m = NULL;
		*n = 0;
	} else if (!strcmp(name, "as_bad")) {
		*m = as_bad;
		*n = 2;
	} else if (!strcmp(name, "big_a")) {
		*m = big_a;
		*n = n_big;
	} else if (!strcmp(name, "big_b")) {
		*m = big_b;
		*n = n_big;
	} else {
		return -1;
	}
	return 0;
}

static int port_group(void *arg, const char *name, const char *const **m, size_t *n)
{
	(void)arg;
	if (strcmp(name, "pg_web"))
		return -1;
	*m = pg_web;
	*n = 2;
	return 0;
}

static const struct lf_expr_ctx ctx = {addr_set, port_group, NULL};

/* Compile and return the normalised text (static buffer) or "ERROR@POS: message". */
static const char *norm_opts(const char *text, const struct lf_norm_opts *o)
{
	static char out[65536];
	struct lf_match m;
	char *err = NULL;
	size_t pos = 0;
	if (lf_match_compile(text, &ctx, o, &m, &err, &pos) < 0) {
		snprintf(out, sizeof out, "ERROR@%zu: %s", pos, err);
		free(err);
		return out;
	}
	char *s = lf_match_to_string(&m);
	snprintf(out, sizeof out, "%s", s);
	free(s);
	lf_match_free(&m);
	return out;
}

static const char *norm(const char *text)
{
	return norm_opts(text, NULL);
}

struct golden {
	const char *in, *out;
};

static void run_golden(const struct golden *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *got = norm(g[i].in);
		if (strcmp(got, g[i].out)) {
			print_error("match `%s'\n  want: %s\n  got:  %s\n", g[i].in, g[i].out, got);
			fail();
		}
	}
}

#define RUN(g) run_golden(g, sizeof(g) / sizeof((g)[0]))

/* ---- golden cases ---- */

static void test_ports_and_strings(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"inport == \"lsp1\"", "reg14=\"lsp1\""},
	    /* nominal: only tested for equality, counting the enclosing `!' (OVN) */
	    {"!(outport != \"a\")", "reg15=\"a\""},
	    {"outport == \"a\" && !(outport != \"a\")", "reg15=\"a\""},
	    {"outport == \"a\" && outport == \"b\"", "0"},
	    {"inport == {\"a\", \"b\"} && outport == \"c\"",
	     "reg14=\"a\", reg15=\"c\"\nreg14=\"b\", reg15=\"c\""},
	    {"outport == @pg_web", "reg15=\"pod1\"\nreg15=\"pod2\""},
	    {"!(outport != @pg_web)", "reg15=\"pod1\"\nreg15=\"pod2\""},
	    {"is_chassis_resident(\"cr-lrp\") && !is_chassis_resident(\"x\")",
	     "is_chassis_resident(\"cr-lrp\"), !is_chassis_resident(\"x\")"},
	    {"is_chassis_resident(\"a\") && !is_chassis_resident(\"a\")", "0"},
	    {"inport == \"we\\\"ird\"", "reg14=\"we\"ird\""},
	};
	RUN(g);
}

static void test_masks_and_cidrs(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"ip4.src == 10.16.0.0/16", "eth.type=0x800, ip4.src=10.16.0.0/16"},
	    {"ip4.dst == 10.0.0.0/255.0.255.0", "eth.type=0x800, ip4.dst=10.0.0.0/255.0.255.0"},
	    {"ip6.dst == fd00::/8", "eth.type=0x86dd, ip6.dst=fd00::/8"},
	    {"eth.src == 00:00:00:00:10:00/ff:ff:ff:ff:ff:00",
	     "eth.src=00:00:00:00:10:00/ff:ff:ff:ff:ff:00"},
	    {"reg0 == 0x10/0x10", "reg0=0x10/0x10"},
	    {"reg0 == 0/0x3 && reg0[1] == 0", "reg0=0x0/0x3"},
	    {"ip4.src == 10.0.0.0/8 && ip4.src == 10.1.0.0/16",
	     "eth.type=0x800, ip4.src=10.1.0.0/16"},
	    {"ip4.src == 10.0.0.0/8 && ip4.src == 11.0.0.0/8", "0"},
	    {"ip4 && ip.frag != 2",
	     "eth.type=0x800, ip.frag=0x1/0x1\neth.type=0x800, ip.frag=0x0/0x2"},
	    {"ip4 && !(ip.ecn != 2)", "eth.type=0x800, ip.ecn=2"},
	};
	RUN(g);
}

static void test_sets(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"tcp.dst == {80, 443}",
	     "eth.type=0x800, ip.proto=6, l4.dst=80\neth.type=0x800, ip.proto=6, l4.dst=443\n"
	     "eth.type=0x86dd, ip.proto=6, l4.dst=80\neth.type=0x86dd, ip.proto=6, l4.dst=443"},
	    {"ip4.src == {10.0.0.1, 10.0.0.1}", "eth.type=0x800, ip4.src=10.0.0.1"},
	    {"ip4.src == {}", "0"},
	    {"ip4.src != {}", "eth.type=0x800"},
	    {"ip4.src == $as_clients",
	     "eth.type=0x800, ip4.src=10.16.0.3\neth.type=0x800, ip4.src=10.16.0.4\n"
	     "eth.type=0x800, ip4.src=10.17.0.0/24"},
	    {"ip4.src == $as_empty", "0"},
	    {"ip4.src != $as_empty", "eth.type=0x800"},
	    {"ip6.src == $as.v6",
	     "eth.type=0x86dd, ip6.src=fd00::1\neth.type=0x86dd, ip6.src=fd00:1::/64"},
	    {"ip4.src == {$as_clients, 10.0.0.1}",
	     "eth.type=0x800, ip4.src=10.16.0.3\neth.type=0x800, ip4.src=10.16.0.4\n"
	     "eth.type=0x800, ip4.src=10.17.0.0/24\neth.type=0x800, ip4.src=10.0.0.1"},
	    {"ip4.src != {10.0.0.0/31, 10.0.0.4/31}",
	     "eth.type=0x800, conj(ip4.src=0.0.0.2/0.0.0.2 | ip4.src=0.0.0.4/0.0.0.4 | "
	     "ip4.src=0.0.0.8/0"
	     ".0.0.8 | ip4.src=0.0.0.16/0.0.0.16 | ip4.src=0.0.0.32/0.0.0.32 | "
	     "ip4.src=0.0.0.64/0.0.0.64"
	     " | ip4.src=0.0.0.128/0.0.0.128 | ip4.src=0.0.1.0/0.0.1.0 | ip4.src=0.0.2.0/0.0.2.0 | "
	     "ip4.s"
	     "rc=0.0.4.0/0.0.4.0 | ip4.src=0.0.8.0/0.0.8.0 | ip4.src=0.0.16.0/0.0.16.0 | "
	     "ip4.src=0.0.32."
	     "0/0.0.32.0 | ip4.src=0.0.64.0/0.0.64.0 | ip4.src=0.0.128.0/0.0.128.0 | "
	     "ip4.src=0.1.0.0/0.1"
	     ".0.0 | ip4.src=0.2.0.0/0.2.0.0 | ip4.src=0.4.0.0/0.4.0.0 | ip4.src=0.8.0.0/0.8.0.0 | "
	     "ip4.s"
	     "rc=0.16.0.0/0.16.0.0 | ip4.src=0.32.0.0/0.32.0.0 | ip4.src=0.64.0.0/0.64.0.0 | "
	     "ip4.src=0.1"
	     "28.0.0/0.128.0.0 | ip4.src=1.0.0.0/1.0.0.0 | ip4.src=0.0.0.0/2.0.0.0 | "
	     "ip4.src=4.0.0.0/4.0"
	     ".0.0 | ip4.src=0.0.0.0/8.0.0.0 | ip4.src=16.0.0.0/16.0.0.0 | "
	     "ip4.src=32.0.0.0/32.0.0.0 | i"
	     "p4.src=64.0.0.0/64.0.0.0 | ip4.src=128.0.0.0/1), conj(ip4.src=0.0.0.2/0.0.0.2 | "
	     "ip4.src=0."
	     "0.0.0/0.0.0.4 | ip4.src=0.0.0.8/0.0.0.8 | ip4.src=0.0.0.16/0.0.0.16 | "
	     "ip4.src=0.0.0.32/0.0"
	     ".0.32 | ip4.src=0.0.0.64/0.0.0.64 | ip4.src=0.0.0.128/0.0.0.128 | "
	     "ip4.src=0.0.1.0/0.0.1.0 "
	     "| ip4.src=0.0.2.0/0.0.2.0 | ip4.src=0.0.4.0/0.0.4.0 | ip4.src=0.0.8.0/0.0.8.0 | "
	     "ip4.src=0."
	     "0.16.0/0.0.16.0 | ip4.src=0.0.32.0/0.0.32.0 | ip4.src=0.0.64.0/0.0.64.0 | "
	     "ip4.src=0.0.128."
	     "0/0.0.128.0 | ip4.src=0.1.0.0/0.1.0.0 | ip4.src=0.2.0.0/0.2.0.0 | "
	     "ip4.src=0.4.0.0/0.4.0.0 "
	     "| ip4.src=0.8.0.0/0.8.0.0 | ip4.src=0.16.0.0/0.16.0.0 | ip4.src=0.32.0.0/0.32.0.0 | "
	     "ip4.sr"
	     "c=0.64.0.0/0.64.0.0 | ip4.src=0.128.0.0/0.128.0.0 | ip4.src=1.0.0.0/1.0.0.0 | "
	     "ip4.src=0.0."
	     "0.0/2.0.0.0 | ip4.src=4.0.0.0/4.0.0.0 | ip4.src=0.0.0.0/8.0.0.0 | "
	     "ip4.src=16.0.0.0/16.0.0."
	     "0 | ip4.src=32.0.0.0/32.0.0.0 | ip4.src=64.0.0.0/64.0.0.0 | ip4.src=128.0.0.0/1)"},
	};
	RUN(g);
}

static void test_relational(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"ip4 && tcp.src >= 1024", "eth.type=0x800, ip.proto=6, l4.src=1024/0xfc00\n"
				       "eth.type=0x800, ip.proto=6, l4.src=2048/0xf800\n"
				       "eth.type=0x800, ip.proto=6, l4.src=4096/0xf000\n"
				       "eth.type=0x800, ip.proto=6, l4.src=8192/0xe000\n"
				       "eth.type=0x800, ip.proto=6, l4.src=16384/0xc000\n"
				       "eth.type=0x800, ip.proto=6, l4.src=32768/0x8000"},
	    {"ip4 && 1 < udp.dst <= 4",
	     "eth.type=0x800, ip.proto=17, l4.dst=2/0xfffe\neth.type=0x800, ip.proto=17, l4.dst=4"},
	    {"ip4 && tcp.dst < 1", "eth.type=0x800, ip.proto=6, l4.dst=0"},
	    {"ip4 && tcp.dst > 65535", "0"},
	    {"ip4 && tcp.dst <= 65535", "eth.type=0x800, ip.proto=6"},
	    {"ip4 && tcp.dst < 1024", "eth.type=0x800, ip.proto=6, l4.dst=0/0xfc00"},
	    {"ip4 && !(tcp.dst < 1024)", "eth.type=0x800, ip.proto=6, l4.dst=1024/0xfc00\n"
					 "eth.type=0x800, ip.proto=6, l4.dst=2048/0xf800\n"
					 "eth.type=0x800, ip.proto=6, l4.dst=4096/0xf000\n"
					 "eth.type=0x800, ip.proto=6, l4.dst=8192/0xe000\n"
					 "eth.type=0x800, ip.proto=6, l4.dst=16384/0xc000\n"
					 "eth.type=0x800, ip.proto=6, l4.dst=32768/0x8000"},
	    {"ip4 && 80 == tcp.dst", "eth.type=0x800, ip.proto=6, l4.dst=80"},
	    {"xxreg0 > 0xfffffffffffffffffffffffffffffffe", "reg0=0xffffffff, reg1=0xffffffff, "
							    "reg2=0xffffffff, reg3=0xffffffff"},
	};
	RUN(g);
}

static void test_predicates(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"ip", "eth.type=0x800\neth.type=0x86dd"},
	    {"eth.bcast", "eth.dst=ff:ff:ff:ff:ff:ff"},
	    {"eth.mcast", "eth.dst=01:00:00:00:00:00/01:00:00:00:00:00"},
	    {"!eth.mcast", "eth.dst=00:00:00:00:00:00/01:00:00:00:00:00"},
	    {"ip4.mcast", "eth.dst=01:00:00:00:00:00/01:00:00:00:00:00, eth.type=0x800, "
			  "ip4.dst=224.0.0.0/4"},
	    {"igmp", "eth.dst=01:00:00:00:00:00/01:00:00:00:00:00, eth.type=0x800, ip.proto=2, "
		     "ip4.dst=224.0.0.0/4"},
	    {"arp && arp.op == 2", "eth.type=0x806, arp.op=2"},
	    {"nd_ns", "eth.type=0x86dd, ip.proto=58, ip.ttl=255, icmp.type=135, icmp.code=0"},
	    {"nd", "eth.type=0x86dd, ip.proto=58, ip.ttl=255, icmp.type=135, icmp.code=0\n"
		   "eth.type=0x86dd, ip.proto=58, ip.ttl=255, icmp.type=136, icmp.code=0"},
	    {"nd.target == fe80::1",
	     "eth.type=0x86dd, ip.proto=58, ip.ttl=255, nd.target=fe80::1, "
	     "icmp.type=135, icmp.code=0\neth.type=0x86dd, ip.proto=58, ip.ttl=255, "
	     "nd.target=fe80::1, icmp.type=136, icmp.code=0"},
	    {"mldv2", "eth.dst=33:33:00:00:00:00/ff:ff:00:00:00:00, eth.type=0x86dd, ip.proto=58, "
		      "ip6.dst=ff02::16, icmp.type=143"},
	    {"icmp4 && icmp4.type == 8", "eth.type=0x800, ip.proto=1, icmp.type=8"},
	    {"icmp", "eth.type=0x800, ip.proto=1\neth.type=0x86dd, ip.proto=58"},
	    {"vlan.present && vlan.vid == 100", "vlan.tci=0x1064/0x1fff"},
	    {"vlan.pcp == 5", "vlan.tci=0xb000/0xf000"},
	    {"ip4 && ip.first_frag", "eth.type=0x800, ip.frag=0x1"},
	    {"ip4 && ip.later_frag", "eth.type=0x800, ip.frag=0x2/0x2"},
	    {"tcp && udp", "0"},
	    {"ip4 && ip6", "0"},
	    {"sctp && sctp.dst == 9", "eth.type=0x800, ip.proto=132, l4.dst=9\n"
				      "eth.type=0x86dd, ip.proto=132, l4.dst=9"},
	    {"rarp && rarp.op == 3", "eth.type=0x8035, arp.op=3"},
	    {"ct.est && !ct.new", "ct_state=0x22/0x23"},
	    {"ct.trk", "ct_state=0x20/0x20"},
	    {"1", "1"},
	    {"0", "0"},
	    {"!1", "0"},
	    /* predicates compared as 1-bit fields (OVN) */
	    {"ip4 == 1", "eth.type=0x800"},
	    {"!(ip4 == 0)", "eth.type=0x800"},
	    {"!(ip4 != 1)", "eth.type=0x800"},
	    {"vlan.present == 0", "vlan.tci=0x0/0x1000"},
	    {"!(vlan.present != 0)", "vlan.tci=0x0/0x1000"},
	    {"ip4 == {}", "0"},
	    {"ip4 != {}", "1"},
	    {"!ip.later_frag", "eth.type=0x800, ip.frag=0x0/0x2\neth.type=0x86dd, ip.frag=0x0/0x2"},
	    {"ip4 && !(ip4.src == 10.0.0.1 || ip4.dst == 10.0.0.2)", NULL},
	};
	/* the last one is written out below: !(a || b) is !a && !b, each a 32-way dimension */
	run_golden(g, sizeof g / sizeof g[0] - 1);
	const char *got = norm("ip4 && !(ip4.src == 10.0.0.1 || ip4.dst == 10.0.0.2)");
	/* conjunctive (32 x 32 alternatives > 64), one rule */
	assert_non_null(strstr(got, "eth.type=0x800, conj(ip4.src=0.0.0.0/0.0.0.1 | "));
	assert_non_null(strstr(got, "conj(ip4.dst=0.0.0.1/0.0.0.1 | "));
	assert_null(strchr(got, '\n'));
}

static void test_subfields(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"reg0[15] == 1", "reg0=0x8000/0x8000"},
	    {"reg0[15]", "reg0=0x8000/0x8000"},
	    {"!reg0[15]", "reg0=0x0/0x8000"},
	    {"!reg0", "reg0=0x0"},
	    {"reg0[15] == 1 && xxreg0[96..127] == 5", "0"},
	    {"xxreg0[96..127] == 5", "reg0=0x5"},
	    {"xreg1[0..31] == 1", "reg3=0x1"},
	    {"xxreg1 == 0x1", "reg4=0x0, reg5=0x0, reg6=0x0, reg7=0x1"},
	    {"xxreg0[30..33] == 0xf", "reg2=0x3/0x3, reg3=0xc0000000/0xc0000000"},
	    {"reg9[4] == 1 && reg9[5..6] == 2", "reg9=0x50/0x70"},
	    {"eth.src[40]", "eth.src=01:00:00:00:00:00/01:00:00:00:00:00"},
	    {"ct_label.label == 5",
	     "ct_label=0x5000000000000000000000000/0xffffffff000000000000000000000000"},
	    {"ct_mark.blocked == 1", "ct_mark=0x1/0x1"},
	    {"ct_mark.natted == 0 && ct_mark.blocked == 1", "ct_mark=0x1/0x3"},
	    {"flags.loopback == 1", "reg10=0x1/0x1"},
	    {"flags.use_snat_zone == 1 && flags[0] == 0", "reg10=0x800/0x801"},
	    {"ip6.dst[120..127] == 0xff", "eth.type=0x86dd, ip6.dst=ff00::/8"},
	    {"xreg4 == 0x100000002", "reg8=0x1, reg9=0x2"},
	};
	RUN(g);
}

static void test_conjunctions(void **state)
{
	(void)state;
	static const char *m =
	    "ip4.src == {1.1.1.1, 2.2.2.2, 3.3.3.3} && "
	    "ip4.dst == {4.4.4.4, 5.5.5.5, 6.6.6.6} && tcp.dst == {1, 2, 3, 4, 5, 6, 7, 8}";
	assert_string_equal(norm(m), "eth.type=0x800, ip.proto=6, conj(ip4.src=1.1.1.1 | "
				     "ip4.src=2.2.2.2 | ip4.src=3.3.3.3), "
				     "conj(ip4.dst=4.4.4.4 | ip4.dst=5.5.5.5 | ip4.dst=6.6.6.6), "
				     "conj(l4.dst=1 | l4.dst=2 | l4.dst=3 | l4.dst=4 | l4.dst=5 | "
				     "l4.dst=6 | l4.dst=7 | l4.dst=8)");
	/* the same, expanded when allowed: 72 rules */
	struct lf_norm_opts o = {.max_expand = 100};
	const char *x = norm_opts(m, &o);
	size_t lines = 1;
	for (const char *p = x; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 72);
	assert_non_null(
	    strstr(x, "eth.type=0x800, ip.proto=6, ip4.src=3.3.3.3, ip4.dst=6.6.6.6, l4.dst=8"));
	/* port groups and address sets, as northd writes ACLs (3 x 2 x 2 > 4: kept) */
	o.max_expand = 4;
	assert_string_equal(
	    norm_opts("reg0[7] == 1 && (outport == @pg_web && ip4.src == $as_clients && "
		      "tcp.dst == {80, 443})",
		      &o),
	    "reg0=0x80/0x80, eth.type=0x800, ip.proto=6, conj(reg15=\"pod1\" | reg15=\"pod2\"), "
	    "conj(ip4.src=10.16.0.3 | ip4.src=10.16.0.4 | ip4.src=10.17.0.0/24), "
	    "conj(l4.dst=80 | l4.dst=443)");
	/* a dimension decided by the rule's other terms disappears */
	assert_string_equal(norm("ip4.src == {10.0.0.1, 10.0.0.2} && ip4.src == 10.0.0.2 && "
				 "tcp.dst == {1, 2, 3}"),
			    "eth.type=0x800, ip.proto=6, ip4.src=10.0.0.2, l4.dst=1\n"
			    "eth.type=0x800, ip.proto=6, ip4.src=10.0.0.2, l4.dst=2\n"
			    "eth.type=0x800, ip.proto=6, ip4.src=10.0.0.2, l4.dst=3");
	/* an OR of ANDs inside an AND becomes a dimension of multi-term alternatives */
	assert_string_equal(
	    norm("ip4 && ((ip4.src == 10.16.0.2 && tcp.src == 8080) || "
		 "(ip4.src == 10.16.0.3 && tcp.src == 8080)) && outport == \"p\""),
	    "eth.type=0x800, ip.proto=6, ip4.src=10.16.0.2, l4.src=8080, reg15=\"p\"\n"
	    "eth.type=0x800, ip.proto=6, ip4.src=10.16.0.3, l4.src=8080, reg15=\"p\"");
}

/* The tree after parsing: negation pushed to the leaves, prerequisites added positively. */
static void test_tree(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"tcp.dst == 80",
	     "(tcp.dst == 80 && ip.proto == 6 && (eth.type == 0x800 || eth.type == 0x86dd))"},
	    {"!(ip4.src == 10.0.0.0/8 && reg0[3])",
	     "((ip4.src != 10.0.0.0/8 && eth.type == 0x800) || reg0[3] == 0x0)"},
	    {"!(1 < reg1 < 5)", "(reg1 <= 1 || reg1 >= 5)"},
	    {"!is_chassis_resident(\"p\") && !(inport != \"a\")",
	     "(!is_chassis_resident(\"p\") && inport == \"a\")"},
	    {"outport == @pg_web", "(outport == \"pod1\" || outport == \"pod2\")"},
	    {"!eth.bcast", "eth.dst != ff:ff:ff:ff:ff:ff"},
	    {"!!ip4", "eth.type == 0x800"},
	    {"!0", "1"},
	};
	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
		char *err = NULL;
		struct lf_expr *e = lf_expr_parse_string(g[i].in, &ctx, &err, NULL);
		if (!e)
			fail_msg("%s: %s", g[i].in, err);
		char *t = lf_expr_to_string(e);
		if (strcmp(t, g[i].out))
			fail_msg("`%s'\n  want %s\n  got  %s", g[i].in, g[i].out, t);
		free(t);
		lf_expr_free(e);
	}
}

/* ---- the symbol table ---- */

static void test_symtab(void **state)
{
	(void)state;
	const struct lf_symbol *s;
	size_t n = lf_symtab_count();
	assert_true(n > 120);
	for (size_t i = 0; i < n; i++) {
		s = lf_symtab_at(i);
		assert_ptr_equal(lf_symtab_lookup(s->name), s);
		if (s->type == LF_SYM_PREDICATE) {
			/* every predicate's definition compiles */
			const char *got = norm(s->name);
			if (!strncmp(got, "ERROR", 5))
				fail_msg("predicate %s: %s", s->name, got);
		} else {
			assert_true(s->width >= 1 && s->width <= 128);
			assert_true(s->mf != LF_MF_NONE);
		}
		if (s->prereqs) {
			const char *got = norm(s->prereqs);
			if (!strncmp(got, "ERROR", 5) || !strcmp(got, "0"))
				fail_msg("prereqs of %s: %s", s->name, got);
		}
	}
	assert_null(lf_symtab_lookup("nonexistent"));
	s = lf_symtab_lookup("reg0");
	assert_int_equal(s->type, LF_SYM_SUBFIELD);
	assert_int_equal(s->mf, LF_MF_REGS);
	assert_int_equal(s->ofs, 480);
	assert_int_equal(s->width, 32);
	assert_string_equal(s->parent->name, "xxreg0");
	s = lf_symtab_lookup("xreg7");
	assert_int_equal(s->ofs, 0);
	assert_int_equal(s->width, 64);
	s = lf_symtab_lookup("inport");
	assert_int_equal(s->type, LF_SYM_STRING);
	assert_int_equal(s->ofs, lf_reg_bank_ofs(14));
	assert_int_equal(s->wr, LF_WR_YES);
	s = lf_symtab_lookup("ct_label.label");
	assert_int_equal(s->mf, LF_MF_CT_LABEL);
	assert_int_equal(s->ofs, 96);
	assert_int_equal(s->wr, LF_WR_CT_COMMIT);
	s = lf_symtab_lookup("ct.new");
	assert_string_equal(s->prereqs, "ct.trk");
	assert_int_equal(s->wr, LF_WR_NO);
	s = lf_symtab_lookup("tcp.dst");
	assert_int_equal(s->mf, LF_MF_L4_DST);
	assert_string_equal(s->prereqs, "tcp");
	assert_int_equal(lf_symtab_lookup("ip4")->type, LF_SYM_PREDICATE);
	assert_int_equal(lf_mf_from_name("eth.src"), LF_MF_ETH_SRC);
	assert_int_equal(lf_mf_width(LF_MF_REG0 + 3), 32);

	/* field references for the action parser */
	struct lf_lexer lx;
	struct lf_field_ref f;
	lf_lexer_init(&lx, "reg0[1..3] = 5");
	lf_lexer_get(&lx);
	assert_true(lf_parse_field(&lx, &f));
	assert_string_equal(f.sym->name, "reg0");
	assert_int_equal(f.ofs, 1);
	assert_int_equal(f.width, 3);
	assert_int_equal(lf_field_ref_ofs(&f), 481);
	assert_int_equal(lx.tok.type, LF_T_EQUALS);
	lf_lexer_destroy(&lx);
	lf_lexer_init(&lx, "ip4");
	lf_lexer_get(&lx);
	assert_false(lf_parse_field(&lx, &f));
	assert_string_equal(lx.error, "Syntax error at `ip4' expecting field name.");
	lf_lexer_destroy(&lx);
}

/* ---- errors ---- */

static void test_errors(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"foo == 1", "ERROR@0: Unknown field `foo'."},
	    {"ip4.src == 1.2.3.4/33", "ERROR@11: Invalid prefix length 33 for an IPv4 address."},
	    {"ip4.src == 10.0.0.300", "ERROR@11: Invalid numeric constant `10.0.0.300'."},
	    {"inport == \"abc", "ERROR@10: Input ends inside quoted string."},
	    {"ip4.src == fe80::1",
	     "ERROR@18: 128-bit constant is not compatible with 32-bit field ip4.src."},
	    {"tcp.dst == 65536",
	     "ERROR@16: 17-bit constant is not compatible with 16-bit field tcp.dst."},
	    {"reg0[5..40] == 1", "ERROR@0: Cannot select bits 5 to 40 of 32-bit field reg0."},
	    {"reg0[9..3] == 1", "ERROR@0: Invalid bit range 9 to 3."},
	    {"reg0[x] == 1", "ERROR@5: Syntax error at `x' expecting small integer."},
	    {"tcp.dst == {80, 443", "ERROR@19: Syntax error at end of input expecting constant."},
	    {"tcp.dst < {80}", "ERROR@14: Only == and != operators may be used with value sets."},
	    {"ip4.src < 10.0.0.0/8",
	     "ERROR@20: Only == and != operators may be used with masked "
	     "constants.  Consider using subfields instead (e.g. eth.src[0..15] > 0x1111 in place "
	     "of eth.src > 00:00:00:00:11:11/00:00:00:00:ff:ff)."},
	    {"inport < \"a\"",
	     "ERROR@12: Only == and != operators may be used with nominal field inport."},
	    {"reg0", "ERROR@4: Explicit `!= 0' is required for inequality test of multibit field "
		     "against 0."},
	    {"ip4 && tcp || udp", "ERROR@11: && and || must be parenthesized when used together."},
	    {"inport == 5",
	     "ERROR@11: String field inport is not compatible with integer constant."},
	    {"ip4.src == \"x\"",
	     "ERROR@14: Integer field ip4.src is not compatible with string constant."},
	    {"ip4.src == {1.1.1.1, \"x\"}", "ERROR@24: Set mixes string and integer constants."},
	    {"ip4.src == $nope", "ERROR@11: No address set named `nope'."},
	    {"ip4.src == $as_bad", "ERROR@11: Address set `as_bad' member `10.0.0.1.1': "
				   "Invalid numeric constant `10.0.0.1.1'."},
	    {"outport == @nope", "ERROR@11: No port group named `nope'."},
	    {"ip4 == 2", "ERROR@8: 2-bit constant is not compatible with 1-bit field ip4."},
	    {"ip4 == \"x\"", "ERROR@10: Integer field ip4 is not compatible with string constant."},
	    {"ip4 = 1", "ERROR@4: Syntax error at `=' expecting relational operator."},
	    {"(((ip4)", "ERROR@7: Syntax error at end of input expecting `)'."},
	    {"ip4 &&",
	     "ERROR@6: Syntax error at end of input expecting a field, a constant, `(' or `!'."},
	    {"ip4 ip6", "ERROR@4: Syntax error at `ip6' expecting end of input."},
	    {"",
	     "ERROR@0: Syntax error at end of input expecting a field, a constant, `(' or `!'."},
	    {"inport", "ERROR@6: Syntax error at end of input expecting relational operator."},
	    {"inport[0] == 1", "ERROR@0: Cannot select subfield of string field inport."},
	    {"is_chassis_resident(5)",
	     "ERROR@20: Syntax error at `5' expecting a port name string."},
	    {"1 == tcp.dst == 2",
	     "ERROR@13: Range expressions must have the form `x < field < y' or `x > field > y'."},
	    {"ip4.src == ^tv", "ERROR@11: Template variable `^tv' is not supported."},
	    {"2", "ERROR@1: Syntax error at end of input expecting relational operator."},
	    {"ip4.src == 10.0.0.1 # x", "ERROR@20: Invalid character `#' in input."},
	};
	RUN(g);
}

/* OVN's restrictions on nominal and Boolean fields (lib/expr.c make_cmp() and parse_field()):
 * a flow violating them is refused as ovn-controller refuses it, with its words. */
static void test_nominal(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    /* nominal fields: strings and fields OVS cannot mask; only ==, counting `!' */
	    {"outport != \"a\"", "ERROR@14: Nominal field outport may only be tested for "
				 "equality (taking enclosing `!' operators into account)."},
	    {"!(outport == \"a\")", "ERROR@16: Nominal field outport may only be tested for "
				    "equality (taking enclosing `!' operators into account)."},
	    {"outport != @pg_web", "ERROR@18: Nominal field outport may only be tested for "
				   "equality (taking enclosing `!' operators into account)."},
	    {"eth.type != 0x800", "ERROR@17: Nominal field eth.type may only be tested for "
				  "equality (taking enclosing `!' operators into account)."},
	    {"!(ip.proto == 6)", "ERROR@15: Nominal field ip.proto may only be tested for "
				 "equality (taking enclosing `!' operators into account)."},
	    {"ip4 && ip.ecn != 2", "ERROR@18: Nominal field ip.ecn may only be tested for "
				   "equality (taking enclosing `!' operators into account)."},
	    {"ct_nw_proto != 6", "ERROR@16: Nominal field ct_nw_proto may only be tested for "
				 "equality (taking enclosing `!' operators into account)."},
	    {"!(eth.type == {0x800, 0x86dd})",
	     "ERROR@29: Nominal field eth.type may only be "
	     "tested for equality (taking enclosing `!' operators into account)."},
	    {"!(eth.type != {0x800, 0x86dd})", "eth.type=0x800\neth.type=0x86dd"},
	    /* no relational operators on nominal or Boolean fields */
	    {"eth.type > 0x800",
	     "ERROR@16: Only == and != operators may be used with nominal field eth.type."},
	    {"ip.ttl < 2",
	     "ERROR@10: Only == and != operators may be used with nominal field ip.ttl."},
	    {"icmp4.type > 3",
	     "ERROR@14: Only == and != operators may be used with nominal field icmp4.type."},
	    {"eth.bcast > 0",
	     "ERROR@13: Only == and != operators may be used with Boolean field eth.bcast."},
	    {"tcp.dst > $as_empty", "ERROR@19: Only == and != operators may be used to compare a "
				    "field against an empty value set."},
	    /* no subfields of nominal fields, except the whole field */
	    {"eth.type[0..7] == 1", "ERROR@0: Cannot select subfield of nominal field eth.type."},
	    {"ip.proto[0] == 1", "ERROR@0: Cannot select subfield of nominal field ip.proto."},
	    {"eth.type[0..15] == 0x800", "eth.type=0x800"},
	    /* nominal predicates (defined on nominal fields): only tested positively */
	    {"!ip4", "ERROR@4: Nominal predicate ip4 may only be tested positively, e.g. `ip4' or "
		     "`ip4 == 1' but not `!ip4' or `ip4 == 0'."},
	    {"!(ip4 || ip6)", "ERROR@6: Nominal predicate ip4 may only be tested positively, e.g. "
			      "`ip4' or `ip4 == 1' but not `!ip4' or `ip4 == 0'."},
	    {"tcp == 0", "ERROR@8: Nominal predicate tcp may only be tested positively, e.g. `tcp' "
			 "or `tcp == 1' but not `!tcp' or `tcp == 0'."},
	    {"!(tcp != 0)", "ERROR@10: Nominal predicate tcp may only be tested positively, e.g. "
			    "`tcp' or `tcp == 1' but not `!tcp' or `tcp == 0'."},
	    {"ip4 && !nd_ns", "ERROR@13: Nominal predicate nd_ns may only be tested positively, "
			      "e.g. `nd_ns' or `nd_ns == 1' but not `!nd_ns' or `nd_ns == 0'."},
	    {"!(tcp == 0)", "eth.type=0x800, ip.proto=6\neth.type=0x86dd, ip.proto=6"},
	    /* Boolean predicates (ordinal fields only) may be negated */
	    {"!vlan.present", "vlan.tci=0x0/0x1000"},
	    {"!eth.mcast", "eth.dst=00:00:00:00:00:00/01:00:00:00:00:00"},
	};
	RUN(g);
}

/* ---- hostile text ---- */

static char *repeat(const char *a, size_t n, const char *mid, const char *b)
{
	size_t la = strlen(a), lm = strlen(mid), lb = strlen(b);
	char *s = malloc(n * (la + lb) + lm + 1), *p = s;
	for (size_t i = 0; i < n; i++, p += la)
		memcpy(p, a, la);
	memcpy(p, mid, lm);
	p += lm;
	for (size_t i = 0; i < n; i++, p += lb)
		memcpy(p, b, lb);
	*p = '\0';
	return s;
}

static void test_deep_nesting(void **state)
{
	(void)state;
	char *s = repeat("(", 10000, "ip4", ")");
	assert_string_equal(norm(s),
			    "ERROR@256: Expression nesting too deep (more than 256 levels).");
	free(s);
	s = repeat("!", 10000, "ip4", "");
	assert_string_equal(norm(s),
			    "ERROR@256: Expression nesting too deep (more than 256 levels).");
	free(s);
	s = repeat("!(", 5000, "ip4", ")");
	assert_true(!strncmp(norm(s), "ERROR@", 6));
	assert_non_null(strstr(norm(s), "nesting too deep"));
	free(s);
	s = repeat("(", 10000, "", "");
	assert_non_null(strstr(norm(s), "nesting too deep"));
	free(s);
	/* 200 levels are fine */
	s = repeat("(", 200, "ip4", ")");
	assert_string_equal(norm(s), "eth.type=0x800");
	free(s);
	s = repeat("!!", 100, "ip4", "");
	assert_string_equal(norm(s), "eth.type=0x800");
	free(s);
}

static void test_huge_sets(void **state)
{
	(void)state;
	/* a literal set of 60,000 ports */
	size_t n = 60000, cap = n * 8 + 64, o = 0;
	char *s = malloc(cap);
	o += (size_t)snprintf(s + o, cap - o, "ip4 && tcp.dst == {");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, cap - o, "%zu,", i + 1);
	snprintf(s + o, cap - o, "}");
	struct lf_match m;
	char *err = NULL;
	assert_int_equal(lf_match_compile(s, &ctx, NULL, &m, &err, NULL), 0);
	assert_int_equal(m.n, n);
	lf_match_free(&m);
	free(s);

	/* two address sets of 20,000: one conjunctive rule, memory linear in the sets */
	assert_int_equal(lf_match_compile("ip4.src == $big_a && ip4.dst == $big_b && tcp", &ctx,
					  NULL, &m, &err, NULL),
			 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.rules[0].n_dims, 2);
	assert_int_equal(m.rules[0].dims[0].n, n_big);
	assert_int_equal(m.rules[0].dims[1].n, n_big);
	assert_true(m.n_terms < 2 * n_big + 10);
	lf_match_free(&m);

	/* != on a large set: one dimension of 32 single bits per excluded address */
	assert_int_equal(lf_match_compile("ip4.src != {10.0.0.1, 10.0.0.2, 10.0.0.3}", &ctx, NULL,
					  &m, &err, NULL),
			 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.rules[0].n_dims, 3);
	lf_match_free(&m);

	/* a blow-up that cannot be kept linear is refused, not allocated */
	o = 0;
	cap = 1 << 16;
	s = malloc(cap);
	for (int k = 0; k < 24; k++)
		o += (size_t)snprintf(s + o, cap - o,
				      "%s((reg%d == {1,2,3,4,5,6,7,8,9} && "
				      "reg%d == {1,2,3,4,5,6,7,8,9}) || pkt.mark[%d] == 1)",
				      k ? " && " : "", k % 10, 10 + k % 5, k);
	assert_int_equal(lf_match_compile(s, &ctx, NULL, &m, &err, NULL), -1);
	assert_string_equal(err, "Match too complex: more than 4000000 terms after normalisation.");
	free(err);
	free(s);
}

static void test_wrong_widths(void **state)
{
	(void)state;
	static const struct golden g[] = {
	    {"eth.src == 10.0.0.1", "eth.src=00:00:0a:00:00:01"},
	    {"ip4.src == 00:00:00:00:00:01",
	     "ERROR@28: 48-bit constant is not compatible with 32-bit field ip4.src."},
	    {"reg0[0..3] == 16",
	     "ERROR@16: 5-bit constant is not compatible with 4-bit field reg0."},
	    {"ct.new == 2", "ERROR@11: 2-bit constant is not compatible with 1-bit field ct.new."},
	    {"reg0 == 0x1ffffffff",
	     "ERROR@19: 33-bit constant is not compatible with 32-bit field reg0."},
	    {"reg0 == 0/0x100000000",
	     "ERROR@21: 33-bit constant is not compatible with 32-bit field reg0."},
	    {"xxreg0 == 0xffffffffffffffffffffffffffffffff", "reg0=0xffffffff, reg1=0xffffffff, "
							     "reg2=0xffffffff, reg3=0xffffffff"},
	};
	RUN(g);
}

/* Mutations of realistic matches (each byte replaced, deleted, or the text cut there):
 * whatever the result, no crash, no leak (ASan), and errors carry a position inside the
 * text. */
static void test_mutations(void **state)
{
	(void)state;
	static const char *seeds[] = {
	    "reg0[7] == 1 && (outport == @pg_web && ip4.src == $as_clients && tcp.dst == {80, "
	    "443})",
	    "ct.new && !ct.rel && ip4 && ip4.dst == 10.96.0.10 && udp && udp.dst == 53 && "
	    "is_chassis_resident(\"cr-x\")",
	    "inport == \"p\" && ip6.dst == {fe80::200:ff:fea1:3, ff02::1:ffa1:3} && nd_ns && "
	    "nd.target == fe80::200:ff:fea1:3",
	    "eth.src == 00:00:00:00:10:00/ff:ff:ff:ff:ff:00 && !(tcp.dst < 1024) && "
	    "xxreg0[96..127] == 0x5 /* c */",
	};
	static const char subst[] = "(){}[]!&|=<>\"$@.:/,x0 9\\\x01";
	size_t ok = 0, bad = 0;
	for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
		size_t n = strlen(seeds[k]);
		char *buf = malloc(n + 1);
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < sizeof subst; j++) {
				memcpy(buf, seeds[k], n + 1);
				if (j == sizeof subst - 1)
					memmove(buf + i, buf + i + 1, n - i); /* delete */
				else
					buf[i] = subst[j];
				for (int cut = 0; cut < 2; cut++) {
					if (cut)
						buf[i] = '\0';
					struct lf_match m;
					char *err = NULL;
					size_t pos = 0;
					if (lf_match_compile(buf, &ctx, NULL, &m, &err, &pos) ==
					    0) {
						ok++;
						lf_match_free(&m);
					} else {
						bad++;
						assert_non_null(err);
						assert_true(pos <= strlen(buf));
						free(err);
					}
				}
			}
		}
		free(buf);
	}
	assert_true(ok > 100);
	assert_true(bad > 1000);
}

int main(void)
{
	n_big = 20000;
	big_a = calloc(n_big, sizeof *big_a);
	big_b = calloc(n_big, sizeof *big_b);
	for (size_t i = 0; i < n_big; i++) {
		char b[32];
		snprintf(b, sizeof b, "10.%zu.%zu.1", i / 256, i % 256);
		big_a[i] = strdup(b);
		snprintf(b, sizeof b, "fd00::%zx", i);
		snprintf(b, sizeof b, "172.%zu.%zu.0/24", 16 + i / 256, i % 256);
		big_b[i] = strdup(b);
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ports_and_strings),
	    cmocka_unit_test(test_masks_and_cidrs),
	    cmocka_unit_test(test_sets),
	    cmocka_unit_test(test_relational),
	    cmocka_unit_test(test_predicates),
	    cmocka_unit_test(test_subfields),
	    cmocka_unit_test(test_conjunctions),
	    cmocka_unit_test(test_tree),
	    cmocka_unit_test(test_symtab),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_nominal),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_huge_sets),
	    cmocka_unit_test(test_wrong_widths),
	    cmocka_unit_test(test_mutations),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	for (size_t i = 0; i < n_big; i++) {
		free((char *)big_a[i]);
		free((char *)big_b[i]);
	}
	free(big_a);
	free(big_b);
	return rc;
}
