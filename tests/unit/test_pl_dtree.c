/* SPDX-License-Identifier: Apache-2.0 */
/* The stages' decision diagrams (dp/pl_dtree.c) against the linear scan and the index trees:
 *  - a router's IP input stage (kube-ovn's lr_in_ip_input, cut down): martian sources, the
 *    router's own addresses with their protocols, TTL: random packets get the linear scan's
 *    actions through the diagram, their masks are sound, and a UDP flow through the router
 *    reads neither its protocol, fragment bits nor ports there (the switch on ip4.dst takes
 *    out the router-address rules first);
 *  - a stage whose only specific rule wants a register bit no earlier stage sets: its diagram
 *    is a single leaf (nothing read), bridged into the next stage with its register load;
 *  - a stage with more distinct tests than a diagram takes keeps its index tree, and a big
 *    switch stage (100 MACs) gets a diagram: both agree with the scan.
 * (The northd corpus runs through the diagrams too: test_pl_index compares every stage of it
 * with and without them.) */
#include "lfield.h"
#include "pl_index.h"
#include "pl_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const struct plt_port ports[] = {
    {"p1", 1, false}, {"p2", 2, false}, {"p3", 3, false}, {NULL, 0, false}};

static uint16_t be16(uint16_t v)
{
	return __builtin_bswap16(v);
}

static void add(struct plb *b, bool egress, int table, int prio, const char *match,
		const char *actions)
{
	const struct plt_env env = {NULL, PLT_RESOLVE(ports), false};
	plt_add_flow(b, &env, egress, table, prio, match, actions);
}

/* ports p1..p3 (keys and local ports 1..3) on datapath 3 */
static void add_ports(struct plb *b)
{
	for (unsigned i = 0; ports[i].name; i++)
		plb_port(b, ports[i].name, 3, ports[i].key, PL_PT_VIF, (uint16_t)ports[i].key);
}

/* the stage's diagram root (PL_DT_ABSENT: none) */
static uint32_t root_of(const struct pl_gen *g, bool egress, unsigned stage)
{
	const struct pl_sidx *si = pl_index_stage(g->index, g, &g->dps[0], egress, stage);
	return g->index->sdt[si - g->index->sidx];
}

/* k through the diagrams, the index trees and the linear scan: the same actions; the
 * diagram run's mask sound */
static void agree(struct pl_gen *g, const struct dp_key *k, struct plt_out *o)
{
	struct plt_out t, l;
	pl_gen_set_indexed(g, true);
	pl_gen_set_dtree(g, false);
	plt_run(g, k, NULL, &t);
	pl_gen_set_indexed(g, false);
	plt_run(g, k, NULL, &l);
	pl_gen_set_indexed(g, true);
	pl_gen_set_dtree(g, true);
	plt_run(g, k, NULL, o);
	assert_string_equal(o->text, l.text);
	assert_string_equal(t.text, l.text);
	plt_check_mask_sound(g, k, o, PLT_PERTURB_MIXED);
}

static struct pl_gen *router_gen(void)
{
	struct plb *b = plb_new(1);
	assert_int_equal(plb_dp(b, 3, "lr", PL_DP_ROUTER), 0);
	assert_int_equal(plb_stage(b, false, 0, "lr_in_ip_input"), 0);
	add(b, false, 0, 100, "ip4.src == {10.16.0.1, 10.16.255.255} && reg9[0] == 0", "drop;");
	add(b, false, 0, 100,
	    "ip4.src_mcast || ip4.src == 255.255.255.255 || ip4.src == 127.0.0.0/8 || "
	    "ip4.dst == 127.0.0.0/8 || ip4.src == 0.0.0.0/8 || ip4.dst == 0.0.0.0/8",
	    "drop;");
	add(b, false, 0, 90, "ip4.dst == 10.16.0.1 && icmp4.type == 8 && icmp4.code == 0",
	    "reg1 = 1; next;");
	add(b, false, 0, 90, "ip4.dst == 10.17.0.1 && icmp4.type == 8 && icmp4.code == 0",
	    "reg1 = 2; next;");
	add(b, false, 0, 85, "arp || nd", "drop;");
	add(b, false, 0, 80, "ip4 && ip4.dst == 10.16.0.1 && !ip.later_frag && tcp", "drop;");
	add(b, false, 0, 80, "ip4 && ip4.dst == 10.16.0.1 && !ip.later_frag && udp", "drop;");
	add(b, false, 0, 80, "ip4 && ip4.dst == 10.17.0.1 && !ip.later_frag && tcp", "drop;");
	add(b, false, 0, 80, "ip4 && ip4.dst == 10.17.0.1 && !ip.later_frag && udp", "drop;");
	add(b, false, 0, 60, "ip4.dst == {10.16.0.1, 10.17.0.1}", "drop;");
	add(b, false, 0, 50, "eth.bcast", "drop;");
	add(b, false, 0, 30, "ip.ttl == {0, 1}", "drop;");
	add(b, false, 0, 0, "1", "next;");
	assert_int_equal(plb_stage(b, false, 1, "lr_in_deliver"), 1);
	add(b, false, 1, 10, "reg1 == 1", "outport = \"p1\"; output;");
	add(b, false, 1, 0, "1", "outport = \"p2\"; output;");
	assert_int_equal(plb_stage(b, true, 0, "lr_out_delivery"), 0);
	add(b, true, 0, 0, "1", "output;");
	add_ports(b);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	assert_non_null(g->index);
	assert_non_null(g->index->sdt);
	return g;
}

static void test_router_input(void **state)
{
	(void)state;
	struct pl_gen *g = router_gen();
	struct plt_out o;
	assert_int_not_equal(root_of(g, false, 0), PL_DT_ABSENT);

	/* UDP through the router: on, and neither the protocol, the fragment bits nor the
	 * ports were read to decide it */
	struct dp_key k =
	    plt_ip4_key(3, 0x0a0000000001ULL, 0x0a00000000feULL, 0x0a10000b, 0x0a11000b, 17);
	k.f.tp_src = be16(4000);
	agree(g, &k, &o);
	assert_string_equal(o.text, "output:2");
	assert_int_equal(o.mask.f.nw_proto, 0);
	assert_int_equal(o.mask.f.nw_frag, 0);
	assert_int_equal(o.mask.f.tp_src, 0);
	assert_int_equal(o.mask.f.tp_dst, 0);
	assert_int_not_equal(o.mask.f.ip4_dst, 0);
	assert_int_not_equal(o.mask.f.nw_ttl, 0);

	/* to the router: ICMP echo goes on (reg1), UDP and TCP dropped; TTL 1 dropped; a
	 * martian source dropped */
	k = plt_ip4_key(3, 0x0a0000000001ULL, 0x0a00000000feULL, 0x0a10000b, 0x0a100001, 1);
	k.f.tp_src = be16(8);
	agree(g, &k, &o);
	assert_string_equal(o.text, "output:1");
	k.f.nw_proto = 6;
	agree(g, &k, &o);
	assert_string_equal(o.text, "drop(lflow_drop)");
	k = plt_ip4_key(3, 0x0a0000000001ULL, 0x0a00000000feULL, 0x0a10000b, 0x0a11000b, 17);
	k.f.nw_ttl = 1;
	agree(g, &k, &o);
	assert_string_equal(o.text, "drop(lflow_drop)");
	k = plt_ip4_key(3, 0x0a0000000001ULL, 0x0a00000000feULL, 0x7f000001, 0x0a11000b, 17);
	agree(g, &k, &o);
	assert_string_equal(o.text, "drop(lflow_drop)");

	/* random packets over the values the stage compares */
	static const uint32_t addrs[] = {0x0a100001, 0x0a110001, 0x0a10ffff, 0x0a10000b,
					 0x7f000001, 0x00000001, 0xe0000001, 0xffffffff};
	static const uint8_t protos[] = {1, 6, 17, 132};
	for (int i = 0; i < 400; i++) {
		k = plt_ip4_key(3, 0x0a0000000001ULL,
				rnd() % 8 ? 0x0a00000000feULL : 0xffffffffffffULL, addrs[rnd() % 8],
				addrs[rnd() % 8], protos[rnd() % 4]);
		k.f.nw_ttl = (uint8_t)(rnd() % 3);
		k.f.nw_frag = (uint8_t)(rnd() % 4);
		k.f.tp_src = be16((uint16_t)(rnd() % 3 == 0 ? 8 : rnd()));
		k.f.tp_dst = be16((uint16_t)(rnd() % 3 == 0 ? 0 : rnd()));
		if (rnd() % 8 == 0)
			k.f.eth_type = rnd() % 2 ? 0x0806 : 0x86dd;
		agree(g, &k, &o);
	}
	pl_gen_free(g);
}

static void test_settled_register(void **state)
{
	(void)state;
	struct plb *b = plb_new(1);
	assert_int_equal(plb_dp(b, 3, "ls", PL_DP_SWITCH), 0);
	assert_int_equal(plb_stage(b, false, 0, "ls_in_mark"), 0);
	add(b, false, 0, 100, "reg0[2] == 1 && eth.src == 0a:00:00:00:00:01", "drop;");
	add(b, false, 0, 0, "1", "reg1 = 7; next;");
	assert_int_equal(plb_stage(b, false, 1, "ls_in_out"), 1);
	add(b, false, 1, 10, "reg1 == 7", "outport = \"p2\"; output;");
	add(b, false, 1, 0, "1", "drop;");
	assert_int_equal(plb_stage(b, true, 0, "ls_out_delivery"), 0);
	add(b, true, 0, 0, "1", "output;");
	add_ports(b);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	/* nothing before stage 0 sets reg0[2]: the first rule cannot match, the diagram is
	 * the default rule's leaf (nothing read: eth.src stays out of the mask), a bridge that
	 * loads reg1 = 7 on the way into stage 1's diagram (which wants it) */
	uint32_t r = root_of(g, false, 0);
	assert_false(r & PL_DT_LEAF);
	const struct pl_dnode *br = &g->index->dnodes[r];
	assert_int_equal(br->op, PL_DN_BRIDGE);
	assert_int_equal(br->ofs, 1);
	assert_int_equal(br->c, 1);
	assert_true(br->v != UINT64_MAX);
	assert_true(br->b & PL_DT_LEAF);
	assert_int_not_equal(br->b, PL_DT_NONE);
	struct plt_out o;
	struct dp_key k = plt_ip4_key(3, 0x0a0000000001ULL, 0x0a0000000002ULL, 1, 2, 17);
	agree(g, &k, &o);
	assert_string_equal(o.text, "output:2");
	static const uint8_t zero6[6];
	assert_memory_equal(o.mask.f.eth_src, zero6, 6);
	pl_gen_free(g);
}

/* a stage of n rules eth.dst == 0a:00:00:00:xx:xx -> p1 / p2, and a default drop */
static struct pl_gen *macs_gen(unsigned n)
{
	struct plb *b = plb_new(1);
	char m[64];
	assert_int_equal(plb_dp(b, 3, "ls", PL_DP_SWITCH), 0);
	assert_int_equal(plb_stage(b, false, 0, "ls_in_l2_lkup"), 0);
	add(b, false, 0, 110, "eth.mcast", "outport = \"p1\"; output;");
	for (unsigned i = 0; i < n; i++) {
		snprintf(m, sizeof(m), "eth.dst == 0a:00:00:00:%02x:%02x", i / 256, i % 256);
		add(b, false, 0, 50, m,
		    i % 2 ? "outport = \"p1\"; output;" : "outport = \"p2\"; output;");
	}
	add(b, false, 0, 0, "1", "drop;");
	assert_int_equal(plb_stage(b, true, 0, "ls_out_delivery"), 0);
	add(b, true, 0, 0, "1", "output;");
	add_ports(b);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	return g;
}

static void test_sizes(void **state)
{
	(void)state;
	struct plt_out o;
	for (unsigned n = 100; n <= 200; n += 100) {
		struct pl_gen *g = macs_gen(n);
		/* 100 MACs and eth.mcast: one switch; 200: more tests than a diagram takes */
		if (n == 100)
			assert_int_not_equal(root_of(g, false, 0), PL_DT_ABSENT);
		else
			assert_int_equal(root_of(g, false, 0), PL_DT_ABSENT);
		for (int i = 0; i < 300; i++) {
			uint64_t dst = 0x0a0000000000ULL + rnd() % (n + 20);
			if (i % 10 == 0)
				dst |= 0x010000000000ULL;
			struct dp_key k = plt_eth_key(3, 0x0a00000000ffULL, dst, 0x0800);
			agree(g, &k, &o);
			uint64_t low = dst & 0xffff;
			if (dst & 0x010000000000ULL)
				assert_string_equal(o.text, "output:1");
			else if (low >= n)
				assert_string_equal(o.text, "drop(lflow_drop)");
			else
				assert_string_equal(o.text, low % 2 ? "output:1" : "output:2");
		}
		pl_gen_free(g);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_router_input),
	    cmocka_unit_test(test_settled_register),
	    cmocka_unit_test(test_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
