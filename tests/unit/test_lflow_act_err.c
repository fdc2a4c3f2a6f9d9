/* SPDX-License-Identifier: Apache-2.0 */
/* The OVN action language on bad and hostile input: unknown actions, bad fields, width and
 * type mismatches, read-only fields, missing `;`, unbalanced braces, 10,000 nested clone { },
 * huge strings and programs, every prefix of valid text. Each is a clear error with a
 * position, or a program; never a crash (this test also runs under ASan/UBSan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lflow/act.h"

static const struct lflow_act_params pp = {
    .pipeline = LFLOW_P_INGRESS,
    .cur_table = 10,
    .n_tables = 24,
};

struct bad {
	const char *in;
	const char *err; /* the whole message */
	long pos;	 /* byte offset of the error; -1: not checked */
};

static void check_bad(const struct bad *b, size_t n)
{
	size_t bad_pos = 0;
	for (size_t i = 0; i < n; i++) {
		char *err = NULL;
		size_t pos = 12345;
		struct lflow_prog *p = lflow_act_parse(b[i].in, &pp, &err, &pos);
		if (p) {
			char *s = lflow_prog_format(p);
			print_error("\"%s\" parsed (as \"%s\"), expected: %s\n", b[i].in, s,
				    b[i].err);
			free(s);
			lflow_prog_free(p);
			fail();
		}
		assert_non_null(err);
		if (strcmp(err, b[i].err))
			print_error("in:   %s\nwant: %s\ngot:  %s\n", b[i].in, b[i].err, err);
		assert_string_equal(err, b[i].err);
		if (b[i].pos >= 0 && (size_t)b[i].pos != pos) {
			print_error("%s: error at %zu, expected %ld\n", b[i].in, pos, b[i].pos);
			bad_pos++;
		}
		assert_true(pos <= strlen(b[i].in));
		free(err);
	}
	assert_int_equal(bad_pos, 0);
}

static void test_syntax(void **state)
{
	(void)state;
	static const struct bad b[] = {
	    {"xyzzy;", "Syntax error at `xyzzy' expecting action.", 0},
	    {"next; xyzzy;", "Syntax error at `xyzzy' expecting action.", 6},
	    {";", "Syntax error at `;'.", 0},
	    {"next; 123;", "Syntax error at `123'.", 6},
	    {"next", "Syntax error at end of input expecting `;'.", 4},
	    {"output next;", "Syntax error at `next' expecting `;'.", 7},
	    {"drop; next;", "Syntax error at `next' expecting end of input.", 6},
	    {"next; drop; next;", "Syntax error at `next' expecting end of input.", 12},
	    {"clone { drop; next; };", "Syntax error at `next' expecting `}'.", 14},
	    {"clone { next; drop; output; };", "Syntax error at `output' expecting `}'.", 20},
	    {"next(24);", "\"next\" action cannot advance beyond table 23.", 8},
	    {"next();", "Syntax error at `)' expecting \"pipeline\" or \"table\".", 5},
	    {"next(pipeline=sideways);",
	     "Syntax error at `sideways' expecting \"ingress\" or \"egress\".", 14},
	    {"ip.ttl", "Syntax error at end of input expecting `--'.", 6},
	    {"eth.dst[40] == 1;", "Syntax error at `==' expecting `=' or `<->'.", 12},
	    {"lookup_arp;", "Syntax error at `lookup_arp' expecting action.", 0},
	    {"get_arp;", "Syntax error at `;' expecting `('.", 7},
	    {"ct_snat_to_vip(foo);", "Syntax error at `(' expecting `;'.", 14},
	    {"outport = \"abc;", NULL, -1},
	    {"^tmpl = 1;", "Unexpanded template.", 0},
	};
	check_bad(b, 18);
	/* a truncated string: the lexer's message, at the string */
	char *err = NULL;
	size_t pos = 0;
	assert_null(lflow_act_parse(b[18].in, &pp, &err, &pos));
	assert_non_null(err);
	assert_int_equal(pos, 10);
	free(err);
	check_bad(&b[19], 1);
}

static void test_fields(void **state)
{
	(void)state;
	static const struct bad b[] = {
	    {"foo = 1;", "Syntax error at `foo' expecting field name.", 0},
	    {"pkt.mark = foo;", "Syntax error at `foo' expecting field name.", 11},
	    {"push(abc);", "Syntax error at `abc' expecting field name.", 5},
	    {"ip = 1;", "Predicate symbol ip used where lvalue required.", 0},
	    {"reg0[0] = vlan.present;",
	     "Predicate symbol vlan.present used where lvalue "
	     "required.",
	     10},
	    {"inport[1] = 1;", "Cannot select subfield of string field inport.", 7},
	    {"reg0[32] = 1;", "Cannot select bits 32 to 32 of 32-bit field reg0.", 0},
	    /* nominal fields (OVS cannot mask them): whole or not at all (OVN parse_field()) */
	    {"eth.type[0..7] = 1;", "Cannot select subfield of nominal field eth.type.", 0},
	    {"reg0[0..7] = ip.proto[0..3];",
	     "Cannot select subfield of nominal field "
	     "ip.proto.",
	     13},
	    {"reg0[0..7] <-> ip.ttl[1..7];", "Cannot select subfield of nominal field ip.ttl.", 15},
	    {"reg0[7..3] = 1;", "Invalid bit range 7 to 3.", 0},
	    {"inport = {\"a\", \"b\"};", "Syntax error at `{' expecting constant.", 9},
	    {"pkt.mark = \"foo\";",
	     "Integer field pkt.mark is not compatible with string "
	     "constant.",
	     11},
	    {"outport = 5;", "String field outport is not compatible with integer constant.", 10},
	};
	check_bad(b, sizeof b / sizeof b[0]);
}

static void test_widths(void **state)
{
	(void)state;
	static const struct bad b[] = {
	    {"eth.src = reg0;", "Can't assign 32-bit value to 48-bit destination.", 10},
	    {"reg0 = reg1[0..10];", "Can't assign 11-bit value to 32-bit destination.", 7},
	    {"reg0 <-> eth.src;", "Can't exchange 32-bit field with 48-bit field.", 9},
	    {"inport = reg0;", "Can't assign integer field (reg0) to string field (inport).", 9},
	    {"inport <-> reg0;",
	     "Can't exchange string field (inport) with integer field "
	     "(reg0).",
	     11},
	    {"eth.src = 10.0.0.1;", "Can't assign 32-bit IPv4 constant to 48-bit field eth.src.",
	     10},
	    {"reg0 = fe80::1;", "Can't assign 128-bit IPv6 constant to 32-bit field reg0.", 7},
	    {"reg0[0..7] = 300;",
	     "9-bit constant is not compatible with 8-bit field "
	     "reg0[0..7].",
	     13},
	    {"reg0[0] = 0x3/0x3;",
	     "2-bit constant is not compatible with 1-bit field "
	     "reg0[0].",
	     10},
	    {"get_arp(inport, eth.dst);",
	     "Cannot use 48-bit field eth.dst[0..47] where 32-bit "
	     "field is required.",
	     16},
	    {"get_arp(reg0, ip4.dst);",
	     "Cannot use numeric field reg0 where string field is "
	     "required.",
	     8},
	    {"reg0 = check_pkt_larger(1500);",
	     "Cannot use 32-bit field reg0[0..31] where 1-bit "
	     "field is required.",
	     0},
	    {"reg1[0..1] = put_dhcp_opts(offerip = 1.2.3.4);",
	     "Cannot use 2-bit field "
	     "reg1[0..1] where 1-bit field is required.",
	     0},
	    {"reg0[0..14] = select(1, 2, 3);",
	     "cannot use 15-bit field reg0[0..14] for "
	     "\"select\", which requires at least 16 bits.",
	     14},
	    {"put_fdb(inport, ip4.src);",
	     "Cannot use 32-bit field ip4.src[0..31] where 48-bit "
	     "field is required.",
	     16},
	};
	check_bad(b, sizeof b / sizeof b[0]);
}

static void test_read_only(void **state)
{
	(void)state;
	static const struct bad b[] = {
	    {"ct_state = 1;", "Field ct_state is not modifiable.", 0},
	    {"ct_mark = 12345;", "Field ct_mark is not modifiable.", 0},
	    {"ct_label.blocked = 1;", "Field ct_label.blocked is not modifiable.", 0},
	    {"ct_commit { ip4.dst = 192.168.0.1; };", "Field ip4.dst is not modifiable.", 12},
	    {"reg0[0..7] = ct_nw_proto; ct_nw_proto = reg0[0..7];",
	     "Field ct_nw_proto is not modifiable.", 26},
	    {"reg0[0..7] <-> ct_nw_proto;", "Field ct_nw_proto is not modifiable.", 15},
	    {"pop(ct_nw_proto);", "Field ct_nw_proto is not modifiable.", 4},
	    {"ct_nw_src = select(1, 2);", "Field ct_nw_src is not modifiable.", 0},
	    {"ct_commit { clone { ct_mark = 1; }; };", "Field ct_mark is not modifiable.", 20},
	};
	check_bad(b, sizeof b / sizeof b[0]);
	/* writable inside ct_commit { } only */
	struct lflow_prog *p =
	    lflow_act_parse("ct_commit { ct_mark = 1; ct_label.blocked = 1; };", &pp, NULL, NULL);
	assert_non_null(p);
	lflow_prog_free(p);
}

static void test_braces(void **state)
{
	(void)state;
	static const struct bad b[] = {
	    {"clone { next; ", "Syntax error at end of input expecting `}'.", 14},
	    {"clone { next; };};", "Syntax error at `}'.", 16},
	    {"next; }", "Syntax error at `}'.", 6},
	    {"clone next; };", "Syntax error at `next' expecting `{'.", 6},
	    {"clone { next }; ", "Syntax error at `}' expecting `;'.", 13},
	    {"clone { next; }", "Syntax error at end of input expecting `;'.", 15},
	    {"arp { { next; }; };", "Syntax error at `{'.", 6},
	};
	check_bad(b, sizeof b / sizeof b[0]);
}

static char *nested(int depth, const char *kw)
{
	size_t kl = strlen(kw);
	char *s = malloc((size_t)depth * (kl + 8) + 16);
	if (!s)
		abort();
	char *q = s;
	for (int i = 0; i < depth; i++) {
		memcpy(q, kw, kl);
		q += kl;
		memcpy(q, " { ", 3);
		q += 3;
	}
	q += sprintf(q, "next;");
	for (int i = 0; i < depth; i++)
		q += sprintf(q, " };");
	return s;
}

static void test_deep_nesting(void **state)
{
	(void)state;
	/* 31 levels are allowed (as OVN), 32 are not; 10,000 fail cleanly at level 32 */
	char *ok = nested(LFLOW_ACT_MAX_DEPTH - 1, "clone");
	char *err = NULL;
	size_t pos;
	struct lflow_prog *p = lflow_act_parse(ok, &pp, &err, &pos);
	assert_non_null(p);
	assert_int_equal(p->n_insns, LFLOW_ACT_MAX_DEPTH);
	char *s = lflow_prog_format(p);
	assert_string_equal(s, ok);
	free(s);
	lflow_prog_free(p);
	free(ok);

	const char *kws[] = {"clone", "arp", "ct_commit"};
	for (size_t k = 0; k < 3; k++) {
		for (int depth = LFLOW_ACT_MAX_DEPTH; depth <= 10000;
		     depth = depth == LFLOW_ACT_MAX_DEPTH ? 10000 : depth + 1) {
			char *deep = nested(depth, kws[k]);
			err = NULL;
			p = lflow_act_parse(deep, &pp, &err, &pos);
			assert_null(p);
			assert_non_null(err);
			if (k == 2)
				/* only the outermost ct_commit may write ct_mark; nesting itself is
				 * fine */
				assert_non_null(strstr(err, "maximum depth"));
			else
				assert_string_equal(err, "maximum depth of nested actions reached");
			/* at the 32nd `{` */
			size_t want = (strlen(kws[k]) + 3) * LFLOW_ACT_MAX_DEPTH - 2;
			assert_int_equal(pos, want);
			free(err);
			free(deep);
		}
	}
}

static void test_huge(void **state)
{
	(void)state;
	/* a 1 MB port name */
	size_t n = 1 << 20;
	char *big = malloc(n + 32);
	if (!big)
		abort();
	strcpy(big, "outport = \"");
	memset(big + 11, 'x', n);
	strcpy(big + 11 + n, "\"; output;");
	struct lflow_prog *p = lflow_act_parse(big, &pp, NULL, NULL);
	assert_non_null(p);
	assert_int_equal(p->n_top, 2);
	assert_int_equal(strlen(lflow_prog_str(p, p->args[p->insns[p->top].arg].str)), n);
	char *s = lflow_prog_format(p);
	assert_string_equal(s, big);
	free(s);
	lflow_prog_free(p);
	/* the same string unterminated */
	big[11 + n] = '\0';
	char *err = NULL;
	size_t pos;
	assert_null(lflow_act_parse(big, &pp, &err, &pos));
	assert_non_null(err);
	assert_int_equal(pos, 10);
	free(err);
	free(big);

	/* a log name over 63 bytes is refused, as OVN does */
	char name[128];
	memset(name, 'n', 64);
	name[64] = '\0';
	char text[256];
	snprintf(text, sizeof text, "log(name=\"%s\", verdict=drop);", name);
	err = NULL;
	assert_null(lflow_act_parse(text, &pp, &err, &pos));
	assert_string_equal(err,
			    "Syntax error at `\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
			    "nnnnnnnnnnnnnnn\"' name must be shorter than 64 characters.");
	free(err);

	/* 100,000 actions in one flow */
	size_t count = 100000;
	char *many = malloc(count * 10 + 1);
	if (!many)
		abort();
	char *q = many;
	for (size_t i = 0; i < count; i++)
		q += sprintf(q, "reg%zu = 1;", i % 10);
	p = lflow_act_parse(many, &pp, NULL, NULL);
	assert_non_null(p);
	assert_int_equal(p->n_top, count);
	lflow_prog_free(p);
	free(many);

	/* a DHCP option with 10,000 values, a ct_lb with 10,000 backends */
	struct {
		const char *head, *item, *tail;
		size_t n_args;
	} sets[] = {
	    {"reg0[0] = put_dhcp_opts(offerip = 10.0.0.2, dns_server = {", "10.0.0.1, ", "});",
	     10003},
	    {"ct_lb_mark(backends=", "10.0.0.1:80,", ");", 10000},
	};
	for (size_t k = 0; k < 2; k++) {
		char *t = malloc(strlen(sets[k].head) + 10000 * strlen(sets[k].item) + 8);
		if (!t)
			abort();
		q = t + sprintf(t, "%s", sets[k].head);
		for (int i = 0; i < 10000; i++)
			q += sprintf(q, "%s", sets[k].item);
		strcpy(q, sets[k].tail);
		p = lflow_act_parse(t, &pp, &err, &pos);
		if (!p)
			print_error("%s\n", err);
		assert_non_null(p);
		assert_int_equal(p->insns[p->top].n_args, sets[k].n_args);
		lflow_prog_free(p);
		free(t);
	}
}

/* Every prefix, and every single-byte corruption, of valid texts: a program or an error
 * inside the text, nothing else. */
static void test_prefixes_and_corruption(void **state)
{
	(void)state;
	static const char *const texts[] = {
	    "reg0[15] = put_dhcp_opts(offerip = 10.0.0.4, router = 10.0.0.1, dns_server = "
	    "{8.8.8.8, 7.7.7.7}, classless_static_route = {30.0.0.0/24, 10.0.0.4}, "
	    "domain_name = \"ovn.org\");",
	    "ct_lb_mark(backends=[2001::3]:80,10.0.0.3:80; hash_fields=\"ip_dst,ip_src\"; "
	    "skip_snat);",
	    "clone { ct_clear; inport = outport; outport = \"\"; eth.dst <-> eth.src; "
	    "flags.loopback = 1; next(pipeline=egress, table=0); };",
	    "reg1[0] = put_nd_ra_opts(addr_mode = \"slaac\", mtu = 1500, prefix = aef0::/64, "
	    "slla = ae:01:02:03:04:05); log(name=\"x\", verdict=drop, severity=info);",
	    "commit_lb_aff(vip = \"[::1]:8080\", backend = \"[::2]:8080\", proto = tcp, "
	    "timeout = 30); trigger_event(event = \"empty_lb_backends\", vip = \"10.0.0.1:80\", "
	    "protocol = \"tcp\", load_balancer = \"12345678-abcd-9876-fedc-11119f8e7d6c\");",
	    "sample(probability=1,obs_point=$cookie); reg9[16..31] = select(1=50, 2); "
	    "ct_commit(ct_mark=0x1/0x1, ct_label=0x2);",
	};
	static const char junk[] = "{}()[];,=\"'-<>.:/$@^\\\x01\xff 0aZ";
	size_t n_ok = 0, n_err = 0;
	for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		size_t len = strlen(texts[t]);
		char *buf = malloc(len + 1);
		if (!buf)
			abort();
		struct lflow_prog *whole = lflow_act_parse(texts[t], &pp, NULL, NULL);
		assert_non_null(whole);
		lflow_prog_free(whole);
		for (size_t cut = 0; cut <= len; cut++) {
			memcpy(buf, texts[t], cut);
			buf[cut] = '\0';
			char *err = NULL;
			size_t pos = 0;
			struct lflow_prog *p = lflow_act_parse(buf, &pp, &err, &pos);
			if (p) {
				n_ok++;
				lflow_prog_free(p);
			} else {
				n_err++;
				assert_non_null(err);
				assert_true(pos <= cut);
				free(err);
			}
		}
		for (size_t at = 0; at < len; at++) {
			for (size_t j = 0; j < sizeof junk - 1; j++) {
				memcpy(buf, texts[t], len + 1);
				buf[at] = junk[j];
				char *err = NULL;
				size_t pos = 0;
				struct lflow_prog *p = lflow_act_parse(buf, &pp, &err, &pos);
				if (p) {
					char *s = lflow_prog_format(p);
					free(s);
					lflow_prog_free(p);
				} else {
					assert_non_null(err);
					assert_true(pos <= len);
					free(err);
				}
			}
		}
		free(buf);
	}
	assert_true(n_err > 0 && n_ok > 0);
}

/* Random programs from action templates with random fields and constants, some with a
 * token dropped or swapped: never a crash, errors inside the text, and whatever parses
 * prints to text that parses back to the same text. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

#define PICK(a) (a)[rnd((unsigned)(sizeof(a) / sizeof((a)[0])))]

static const char *const t_fields[] = {
    "reg0",
    "reg1",
    "reg9[16..31]",
    "reg0[0]",
    "reg2[5]",
    "xxreg1",
    "xxreg0[0..31]",
    "eth.src",
    "eth.dst",
    "ip4.src",
    "ip4.dst",
    "ip6.dst",
    "inport",
    "outport",
    "ct_mark",
    "ct_label",
    "ct_label.blocked",
    "ct_mark.blocked",
    "nd.target",
    "arp.sha",
    "arp.spa",
    "flags.loopback",
    "tcp.dst",
    "ct_state",
    "icmp4.frag_mtu",
    "pkt.mark",
    "xreg0[0..47]",
    "reg8[0..15]",
};
static const char *const t_values[] = {
    "0",
    "1",
    "80",
    "65535",
    "0x1f",
    "0xffffffff",
    "10.0.0.1",
    "10.0.0.0/8",
    "fe80::1",
    "aef0::/64",
    "00:11:22:33:44:55",
    "\"s\"",
    "\"\"",
    "4294967296",
    "0/0x3",
    "1/1",
    "18446744073709551615",
};
static const char *const t_actions[] = {
    "F = V;",
    "F = F;",
    "F <-> F;",
    "next;",
    "next(N);",
    "next(pipeline=egress, table=N);",
    "output;",
    "ip.ttl--;",
    "clone { A };",
    "arp { A };",
    "icmp6_error { A };",
    "reject { A };",
    "ct_commit { ct_mark.blocked = 1; A };",
    "ct_commit { F = V; };",
    "ct_commit(ct_mark=V, ct_label=V);",
    "ct_dnat(I);",
    "ct_snat(I, N-N);",
    "ct_snat(I,N);",
    "ct_lb_mark(backends=I:N,I; hash_fields=\"ip_src\"; skip_snat);",
    "ct_lb(backends=I);",
    "F = select(N, N=N);",
    "F = lookup_arp(F, F, F);",
    "F = lookup_nd_ip(F, F);",
    "get_arp(F, F);",
    "put_nd(F, F, F);",
    "F = get_fdb(F);",
    "put_fdb(F, F);",
    "F = put_dhcp_opts(offerip = I, router = I, dns_server = {I, I}, domain_name = \"x\");",
    "F = put_dhcpv6_opts(ia_addr = fe80::2, server_id = V);",
    "F = put_nd_ra_opts(addr_mode = \"slaac\", slla = V, prefix = V, mtu = N);",
    "log(name=\"n\", verdict=drop, severity=info, meter=\"m\");",
    "log(verdict=allow);",
    "set_meter(N, N);",
    "set_queue(N);",
    "F = check_pkt_larger(N);",
    "push(F); pop(F);",
    "sample(probability=N, obs_point=$cookie);",
    "fwd_group(liveness=true, childports=\"a\");",
    "commit_lb_aff(vip = \"10.0.0.1:80\", backend = \"10.0.0.2:N\", proto = udp, timeout = N);",
    "commit_ecmp_nh(ipv6 = false, proto = tcp);",
    "F = chk_lb_hairpin();",
    "F = dns_lookup();",
    "trigger_event(event = \"empty_lb_backends\", vip = \"1.1.1.1:80\", protocol = \"tcp\");",
    "bind_vport(\"p\", F);",
    "handle_svc_check(F);",
    "ct_clear;",
    "ct_next;",
    "igmp;",
    "drop;",
};
static const char *const t_ips[] = {"10.0.0.1", "192.168.1.2", "fd0f::2", "[fd0f::3]", "0.0.0.0"};
static const char *const t_nums[] = {"0",  "1",	 "2",	 "5",	  "11",
				     "23", "80", "1000", "65535", "70000"};

static void expand(char *buf, size_t cap, size_t *len, const char *t, int depth)
{
	for (; *t && *len < cap - 80; t++) {
		const char *sub = NULL;
		char one[2] = {*t, '\0'};
		switch (*t) {
		case 'F': sub = PICK(t_fields); break;
		case 'V': sub = PICK(t_values); break;
		case 'I': sub = PICK(t_ips); break;
		case 'N': sub = PICK(t_nums); break;
		case 'A':
			if (depth < 3) {
				int n = (int)rnd(3);
				for (int i = 0; i < n; i++) {
					expand(buf, cap, len, PICK(t_actions), depth + 1);
					if (*len < cap - 1)
						buf[(*len)++] = ' ';
				}
			}
			continue;
		default: sub = one; break;
		}
		size_t l = strlen(sub);
		if (*len + l < cap - 1) {
			memcpy(buf + *len, sub, l);
			*len += l;
		}
	}
	buf[*len] = '\0';
}

static void test_random_programs(void **state)
{
	(void)state;
	char buf[4096];
	size_t n_ok = 0, n = 100000;
	const char *seed = getenv("BRINT_TEST_SEED"); /* to explore: BRINT_TEST_SEED=N */
	if (seed && strtoull(seed, NULL, 0))
		rng_state = strtoull(seed, NULL, 0);
	for (size_t iter = 0; iter < n; iter++) {
		size_t len = 0;
		int n_act = 1 + (int)rnd(4);
		for (int i = 0; i < n_act; i++) {
			expand(buf, sizeof buf, &len, PICK(t_actions), 0);
			if (len < sizeof buf - 1)
				buf[len++] = ' ';
			buf[len] = '\0';
		}
		/* a third of them damaged: one byte removed or changed */
		if (rnd(3) == 0 && len > 1) {
			size_t at = rnd((unsigned)len);
			if (rnd(2))
				memmove(buf + at, buf + at + 1, len - at);
			else
				buf[at] = "{}();,=\"-:[]x0 "[rnd(15)];
			len = strlen(buf);
		}
		char *err = NULL;
		size_t pos = 0;
		struct lflow_prog *p = lflow_act_parse(buf, &pp, &err, &pos);
		if (!p) {
			assert_non_null(err);
			assert_true(pos <= len);
			free(err);
			continue;
		}
		n_ok++;
		char *s = lflow_prog_format(p);
		struct lflow_prog *q = lflow_act_parse(s, &pp, &err, &pos);
		if (!q)
			print_error("\"%s\" printed as \"%s\", which fails: %s\n", buf, s, err);
		assert_non_null(q);
		char *s2 = lflow_prog_format(q);
		if (strcmp(s, s2))
			print_error("\"%s\": \"%s\" then \"%s\"\n", buf, s, s2);
		assert_string_equal(s, s2);
		assert_int_equal(p->n_insns, q->n_insns);
		assert_int_equal(p->n_args, q->n_args);
		free(s2);
		free(s);
		lflow_prog_free(q);
		lflow_prog_free(p);
	}
	print_message("random programs: %zu of %zu parsed\n", n_ok, n);
	assert_true(n_ok > n / 50);
}

/* The semantic checks of the service actions. */
static void test_services(void **state)
{
	(void)state;
	static const struct bad b[] = {
	    {"reg1[0] = put_dhcp_opts();", "put_dhcp_opts requires offerip to be specified.", 25},
	    {"reg1[0] = put_dhcp_opts(x = 1.2.3.4);",
	     "Syntax error at `x' expecting DHCPv4 option name.", 24},
	    {"reg1[0] = put_dhcp_opts(offerip=\"xyzzy\");",
	     "DHCPv4 option offerip requires numeric value.", 39},
	    {"reg1[0] = put_dhcp_opts(offerip=1.2.3.4, domain_name=1.2.3.4);",
	     "DHCPv4 option domain_name requires string value.", 60},
	    {"reg1[0] = put_dhcp_opts(offerip=1.2.3.4, dns_server={1.2.3.4, \"a\"});",
	     "Syntax error at `\"a\"' expecting integer.", 62},
	    {"reg1[0] = put_dhcpv6_opts(ia_addr=ae70::4, domain_search=ae70::1);",
	     "DHCPv6 option domain_search requires string value.", 64},
	    {"reg1[0] = put_nd_ra_opts(addr_mode = \"slaac\", mtu = 1500, prefix = aef0::/64);",
	     "slla option not present", 77},
	    {"reg1[0] = put_nd_ra_opts(addr_mode = \"slaac\", slla = ae:01:02:03:04:10);",
	     "prefix option needs to be set when address mode is slaac/dhcpv6_stateless.", 71},
	    {"reg1[0] = put_nd_ra_opts(addr_mode = \"foo\", slla = ae:01:02:03:04:10);",
	     "Invalid value for \"addr_mode\" option", 69},
	    {"reg1[0] = dns_lookup(\"foo\");", "dns_lookup doesn't take any parameters", 21},
	    {"set_queue(65535);",
	     "Queue ID 65535 for set_queue is not in valid range 0 to "
	     "61440.",
	     16},
	    {"set_meter(0);", "Rate 0 for set_meter is not in valid.", 12},
	    {"log(severity=notice);", "Syntax error at `;' expecting verdict.", 20},
	    {"log(verdict=bad, severity=info);", "Syntax error at `bad' unknown verdict.", 12},
	    {"trigger_event(event = \"empty_lb_backends\", protocol = \"aarp\");",
	     "Load balancer protocol 'aarp' is not 'tcp', 'udp', or 'sctp'", 61},
	    {"trigger_event(event = \"empty_lb_backends\", load_balancer = \"bacon\");",
	     "Load balancer 'bacon' is not a UUID", 67},
	    {"trigger_event(event = \"nope\");", "Syntax error at `\"nope\"' Unknown event.", 22},
	    {"ct_lb(backends=192.168.1.2:123456);",
	     "Syntax error at `123456' expecting port number.", 27},
	    {"ct_lb(backends=[fd0f::2:80);", "Syntax error at `)' no closing square bracket.", 26},
	    {"ct_dnat(192.168.1.2, 1000-100);",
	     "Syntax error at `100' range high should be greater than range low.", 26},
	    {"reg0 = select(123);", "Syntax error at `;' expecting at least 2 group members.", 18},
	    {"commit_lb_aff(vip = \"1.2.3.4:80\", backend = \"[::2]:80\", proto = tcp, "
	     "timeout = 1);",
	     "Syntax error at `\"[::2]:80\"' invalid protocol family.", 44},
	    {"commit_ecmp_nh(proto = sctp);", "Syntax error at `proto' invalid parameter.", 15},
	    {"sample(probability=0);", "probability must be greater than zero", 21},
	    {"bind_vport(\"xyzzy\", inport;", "Syntax error at `;' expecting `)'.", 26},
	    {"fwd_group(childports=eth0);", "Syntax error at `eth0' expecting logical switch port.",
	     21},
	};
	check_bad(b, sizeof b / sizeof b[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_syntax),   cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_widths),   cmocka_unit_test(test_read_only),
	    cmocka_unit_test(test_braces),   cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_huge),     cmocka_unit_test(test_prefixes_and_corruption),
	    cmocka_unit_test(test_services), cmocka_unit_test(test_random_programs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
