/* SPDX-License-Identifier: Apache-2.0 */
/* MAC bindings and FDB in the interpreter (dp/pl_interp.c) on a hand-built generation: a router
 * with northd 23.03's neighbour stages (lookup_arp, lookup_arp_ip, lookup_nd, put_arp, put_nd,
 * get_arp, get_nd) and a switch with its FDB stages (lookup_fdb, put_fdb, get_fdb), matches and
 * actions compiled by the real compilers, neighbour and FDB tables built with plb_neigh and
 * plb_fdb. Checks the results as ovn-controller's tables give them (priorities of static and
 * learned bindings, eth.dst 00:00:00:00:00:00 for an unknown next hop, lookup_arp only on ARP),
 * the DPA_LEARN actions (first in the list, kept when the packet is dropped), and that every
 * megaflow mask is sound (keys that agree under it get the same actions) and no wider than the
 * lookups need. */
#include "pl_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define RTR_MAC 0x0a000000000bULL
#define MAC_A	0x0a00000000a1ULL
#define MAC_S	0x0a00000000a2ULL /* static, priority 50 */
#define MAC_D	0x0a00000000a3ULL /* learned, priority 100 */
#define MAC_O	0x0a00000000a4ULL /* static with override_dynamic_mac, 150 */
#define MAC_6	0x0a00000000a6ULL
#define MAC7	0x0a0000000007ULL
#define MAC8	0x0a0000000008ULL
#define MAC9	0x0a0000000009ULL
#define MAC1	0x0a0000000001ULL
#define MACF	0x0a00000000f1ULL /* in the FDB behind p2 */
#define MACX	0x0a00000000f2ULL /* in the FDB behind p3 */
#define MACG	0x0a00000000f3ULL /* nowhere */

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define V6(hi, lo)	(((lf_u128)(hi) << 64) | (lo))
#define DB8		0x20010db800000000ULL

static const struct plt_stage r_in[] = {
    {"lr_in_lookup_neighbor",
     {{100, "arp.op == 2", "reg9[2] = lookup_arp(inport, arp.spa, arp.sha); next;"},
      {100, "inport == \"lrp1\" && arp.spa == 10.0.0.0/8 && arp.op == 1",
       "reg9[2] = lookup_arp(inport, arp.spa, arp.sha); next;"},
      {100, "nd_na", "reg9[2] = lookup_nd(inport, nd.target, nd.tll); next;"},
      {60, "ip4.dst == 40.0.0.0/8", "reg9[2] = 1; reg9[3] = lookup_arp_ip(inport, ip4.src); next;"},
      /* lookup_arp matches only ARP packets (OVN's MAC_LOOKUP flows match dl_type) */
      {50, "udp && ip4.src == 10.0.0.7", "reg9[2] = lookup_arp(inport, ip4.src, eth.src); next;"},
      {0, "1", "reg9[2] = 1; next;"}}},
    {"lr_in_learn_neighbor",
     {{100, "reg9[2] == 1", "next;"},
      {90, "arp", "put_arp(inport, arp.spa, arp.sha); next;"},
      {90, "nd_na", "put_nd(inport, nd.target, nd.tll); next;"},
      {0, "1", "drop;"}}},
    {"lr_in_ip_routing",
     {{100, "ip4.dst == 20.0.0.0/8",
       "reg0 = ip4.dst; outport = \"lrp2\"; eth.src = 0a:00:00:00:00:0b; next;"},
      {90, "ip6.dst == 2001:db8::/64",
       "xxreg0 = ip6.dst; outport = \"lrp2\"; eth.src = 0a:00:00:00:00:0b; next;"},
      {50, "ip4.dst == 30.0.0.0/8 || ip4.dst == 40.0.0.0/8",
       "reg0 = 20.0.0.99; outport = \"lrp2\"; eth.src = 0a:00:00:00:00:0b; next;"},
      {0, "1", "drop;"}}},
    {"lr_in_arp_resolve",
     {{0, "ip4", "get_arp(outport, reg0); next;"}, {0, "ip6", "get_nd(outport, xxreg0); next;"}}},
    {"lr_in_arp_request",
     {{110, "reg9[3] == 1", "drop;"},
      {100, "eth.dst == 00:00:00:00:00:00", "drop;"},
      {0, "1", "output;"}}},
};
static const struct plt_stage r_out[] = {{"lr_out_delivery", {{100, "1", "output;"}}}};

static const struct plt_stage s_in[] = {
    {"ls_in_lookup_fdb",
     {{100, "inport == \"p2\"", "reg0[11] = lookup_fdb(inport, eth.src); next;"},
      {0, "1", "next;"}}},
    {"ls_in_put_fdb",
     {{100, "inport == \"p2\" && reg0[11] == 0", "put_fdb(inport, eth.src); next;"},
      {0, "1", "next;"}}},
    {"ls_in_l2_lkup",
     {{50, "eth.dst == 0a:00:00:00:00:01", "outport = \"p1\"; output;"},
      {0, "1", "outport = get_fdb(eth.dst); next;"}}},
    {"ls_in_l2_unknown", {{50, "outport == \"none\"", "drop;"}, {0, "1", "output;"}}},
};
static const struct plt_stage s_out[] = {{"ls_out_delivery", {{0, "1", "output;"}}}};

struct dpdef {
	const struct plt_stage *in, *out;
	int n_in, n_out;
};
static const struct dpdef *cur;

static const char *stage_of(const void *aux, enum lflow_pipeline p, int table)
{
	(void)aux;
	if (p == LFLOW_P_INGRESS)
		return table >= 0 && table < cur->n_in ? cur->in[table].name : NULL;
	return table >= 0 && table < cur->n_out ? cur->out[table].name : NULL;
}

static const struct plt_port r_ports[] = {
    {"lrp1", 1, false}, {"lrp2", 2, false}, {"none", 0, false}, {NULL, 0, false}};
static const struct plt_port s_ports[] = {
    {"p1", 1, false}, {"p2", 2, false}, {"p3", 3, false}, {"none", 0, false}, {NULL, 0, false}};

static struct pl_gen *build(void)
{
	static const struct dpdef rd = {r_in, r_out, 5, 1}, sd = {s_in, s_out, 4, 1};
	struct plb *b = plb_new(1);
	assert_non_null(b);
	/* the compiler ANDs the actions' prerequisites into the matches */
	const struct plt_env renv = {stage_of, PLT_RESOLVE(r_ports), true};
	const struct plt_env senv = {stage_of, PLT_RESOLVE(s_ports), true};
	cur = &rd;
	assert_int_equal(plb_dp(b, 3, "lr", PL_DP_ROUTER), 0);
	plt_add_stages(b, &renv, false, r_in, 5);
	plt_add_stages(b, &renv, true, r_out, 1);
	cur = &sd;
	assert_int_equal(plb_dp(b, 5, "ls", PL_DP_SWITCH), 1);
	plt_add_stages(b, &senv, false, s_in, 4);
	plt_add_stages(b, &senv, true, s_out, 1);
	plb_port(b, "lrp1", 3, 1, PL_PT_VIF, 10);
	plb_port(b, "lrp2", 3, 2, PL_PT_VIF, 11);
	plb_port(b, "p1", 5, 1, PL_PT_VIF, 20);
	plb_port(b, "p2", 5, 2, PL_PT_VIF, 21);
	plb_port(b, "p3", 5, 3, PL_PT_VIF, PL_PORT_NONE);
	/* neighbours, in no particular order */
	assert_int_equal(plb_neigh(b, 3, 2, false, IP4(20, 0, 0, 5), MAC_D, PL_NEIGH_PRIO_DYNAMIC),
			 0);
	assert_int_equal(plb_neigh(b, 3, 2, false, IP4(20, 0, 0, 99), MAC_A, PL_NEIGH_PRIO_DYNAMIC),
			 0);
	assert_int_equal(plb_neigh(b, 3, 2, false, IP4(20, 0, 0, 5), MAC_S, PL_NEIGH_PRIO_STATIC),
			 0);
	assert_int_equal(plb_neigh(b, 3, 2, false, IP4(20, 0, 0, 6), MAC_O, PL_NEIGH_PRIO_OVERRIDE),
			 0);
	assert_int_equal(plb_neigh(b, 3, 2, false, IP4(20, 0, 0, 6), MAC_D, PL_NEIGH_PRIO_DYNAMIC),
			 0);
	assert_int_equal(plb_neigh(b, 3, 1, false, IP4(10, 0, 0, 7), MAC7, PL_NEIGH_PRIO_DYNAMIC),
			 0);
	assert_int_equal(plb_neigh(b, 3, 2, true, V6(DB8, 0x99), MAC_6, PL_NEIGH_PRIO_DYNAMIC), 0);
	assert_int_equal(plb_fdb(b, 5, 2, MACF), 0);
	assert_int_equal(plb_fdb(b, 5, 3, MACX), 0);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	return g;
}

static struct dp_key ip_key(uint32_t in, uint64_t src, uint64_t dst, uint32_t sip, uint32_t dip,
			    uint8_t proto)
{
	struct dp_key k = plt_ip4_key(in, src, dst, sip, dip, proto);
	k.f.tp_src = __builtin_bswap16(proto == 1 ? 8 : 1234);
	k.f.tp_dst = __builtin_bswap16(proto == 1 ? 0 : 53);
	return k;
}

static struct dp_key arp_key(uint32_t in, uint16_t op, uint64_t sha, uint32_t spa, uint32_t tpa)
{
	return plt_arp_key(in, op, sha, op == 1 ? 0xffffffffffffULL : RTR_MAC, spa, tpa);
}

/* keys that agree with k under the mask get the same actions */
static void check_mask_sound(const struct pl_gen *g, const struct dp_key *k,
			     const struct plt_out *o)
{
	plt_check_mask_sound(g, k, o, PLT_PERTURB_MIXED);
}

#define EXPECT(g, k, c, o, s)                                                                      \
	do {                                                                                       \
		plt_run(g, &(k), &(c), &(o));                                                      \
		assert_string_equal((o).text, s);                                                  \
		check_mask_sound(g, &(k), &(o));                                                   \
	} while (0)

/* get_arp: the binding of the highest priority, or eth.dst 00:00:00:00:00:00 */
static void test_get_arp(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	struct plt_out o;
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip_key(10, MAC7, RTR_MAC, IP4(10, 0, 0, 7), IP4(20, 0, 0, 99), 1);
	EXPECT(g, k, c, o,
	       "set(eth.src=0a:00:00:00:00:0b),set(eth.dst=0a:00:00:00:00:a1),output:11");
	assert_int_equal(o.mask.f.ip4_dst, UINT32_MAX); /* reg0 = ip4.dst: the whole address */
	assert_true(c.neigh_lookups >= 1);

	k = ip_key(10, MAC7, RTR_MAC, IP4(10, 0, 0, 7), IP4(20, 0, 0, 5), 1);
	EXPECT(g, k, c, o, /* learned (100) over static (50) */
	       "set(eth.src=0a:00:00:00:00:0b),set(eth.dst=0a:00:00:00:00:a3),output:11");
	k = ip_key(10, MAC7, RTR_MAC, IP4(10, 0, 0, 7), IP4(20, 0, 0, 6), 1);
	EXPECT(g, k, c, o, /* static with override_dynamic_mac (150) over learned */
	       "set(eth.src=0a:00:00:00:00:0b),set(eth.dst=0a:00:00:00:00:a4),output:11");

	/* nothing known: eth.dst = 00:00:00:00:00:00, which lr_in_arp_request catches */
	k = ip_key(10, MAC7, RTR_MAC, IP4(10, 0, 0, 7), IP4(20, 0, 0, 77), 1);
	EXPECT(g, k, c, o, "drop(lflow_drop)");

	/* a next hop from the route (a constant): the destination is only read by the routes */
	k = ip_key(10, MAC7, RTR_MAC, IP4(10, 0, 0, 7), IP4(30, 1, 2, 3), 1);
	EXPECT(g, k, c, o,
	       "set(eth.src=0a:00:00:00:00:0b),set(eth.dst=0a:00:00:00:00:a1),output:11");
	assert_int_equal(o.mask.f.ip4_dst, __builtin_bswap32(0xff000000));
	pl_gen_free(g);
}

/* ARP: lookup_arp, then put_arp for what is not known yet; the learn action comes first and
 * stays when the packet is dropped */
static void test_arp_learn(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	struct plt_out o;
	memset(&c, 0, sizeof(c));

	/* a new neighbour: learned, then the ARP is dropped (by the routing stage) */
	struct dp_key k = arp_key(10, 1, MAC8, IP4(10, 0, 0, 8), IP4(10, 0, 0, 1));
	EXPECT(g, k, c, o,
	       "learn(arp,dp=3,port=1,ip=10.0.0.8,mac=0a:00:00:00:00:08),drop(lflow_drop)");
	static const uint8_t ones[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_int_equal(o.mask.f.ip4_src, UINT32_MAX); /* arp.spa */
	assert_memory_equal(o.mask.f.arp_sha, ones, 6);
	assert_int_equal(c.learns, 1);

	/* known with this MAC: nothing to learn */
	k = arp_key(10, 1, MAC7, IP4(10, 0, 0, 7), IP4(10, 0, 0, 1));
	EXPECT(g, k, c, o, "drop(lflow_drop)");
	/* known with another MAC: learned again (the SB row gets the new MAC) */
	k = arp_key(10, 1, MAC9, IP4(10, 0, 0, 7), IP4(10, 0, 0, 1));
	EXPECT(g, k, c, o,
	       "learn(arp,dp=3,port=1,ip=10.0.0.7,mac=0a:00:00:00:00:09),drop(lflow_drop)");
	/* an ARP reply on the other port: the binding (lrp2, 20.0.0.99) exists */
	k = arp_key(11, 2, MAC_A, IP4(20, 0, 0, 99), IP4(20, 0, 0, 1));
	EXPECT(g, k, c, o, "drop(lflow_drop)");
	k = arp_key(11, 2, MAC9, IP4(20, 0, 0, 100), IP4(20, 0, 0, 1));
	EXPECT(g, k, c, o,
	       "learn(arp,dp=3,port=2,ip=20.0.0.100,mac=0a:00:00:00:00:09),drop(lflow_drop)");

	/* lookup_arp on a packet that is not ARP finds nothing, even with the right address and
	 * MAC (OVN's flows match the ARP ethertype): the learn stage drops it */
	k = ip_key(10, MAC7, RTR_MAC, IP4(10, 0, 0, 7), IP4(20, 0, 0, 99), 17);
	EXPECT(g, k, c, o, "drop(lflow_drop)");
	pl_gen_free(g);
}

/* lookup_arp_ip: any binding of the address on that port */
static void test_lookup_arp_ip(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	struct plt_out o;
	memset(&c, 0, sizeof(c));
	struct dp_key k = ip_key(10, MAC9, RTR_MAC, IP4(10, 0, 0, 7), IP4(40, 0, 0, 1), 1);
	EXPECT(g, k, c, o, "drop(lflow_drop)"); /* (lrp1, 10.0.0.7) is known: reg9[3] = 1 */
	k = ip_key(10, MAC9, RTR_MAC, IP4(10, 0, 0, 8), IP4(40, 0, 0, 1), 1);
	EXPECT(g, k, c, o,
	       "set(eth.src=0a:00:00:00:00:0b),set(eth.dst=0a:00:00:00:00:a1),output:11");
	pl_gen_free(g);
}

/* IPv6: get_nd from the binding, lookup_nd / put_nd on neighbour advertisements */
static void test_nd(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	struct plt_out o;
	memset(&c, 0, sizeof(c));
	struct dp_key k =
	    plt_icmp6_key(10, MAC7, RTR_MAC, V6(0x20010db800010000ULL, 7), V6(DB8, 0x99), 128);
	EXPECT(g, k, c, o,
	       "set(eth.src=0a:00:00:00:00:0b),set(eth.dst=0a:00:00:00:00:a6),output:11");
	k = plt_icmp6_key(10, MAC7, RTR_MAC, V6(0x20010db800010000ULL, 7), V6(DB8, 0x98), 128);
	EXPECT(g, k, c, o, "drop(lflow_drop)"); /* eth.dst 00:00:00:00:00:00 */

	/* a neighbour advertisement: learned from nd.target and nd.tll */
	k = plt_icmp6_key(11, MAC9, RTR_MAC, V6(DB8, 0x55), V6(DB8, 1), 136);
	plt_ip6(k.f.nd_target, V6(DB8, 0x55));
	plt_mac(k.f.arp_tha, MAC9);
	EXPECT(g, k, c, o,
	       "learn(nd,dp=3,port=2,ip=2001:db8:0:0:0:0:0:55,mac=0a:00:00:00:00:09),"
	       "drop(lflow_drop)");
	/* the known one: nothing learned */
	k = plt_icmp6_key(11, MAC_6, RTR_MAC, V6(DB8, 0x99), V6(DB8, 1), 136);
	plt_ip6(k.f.nd_target, V6(DB8, 0x99));
	plt_mac(k.f.arp_tha, MAC_6);
	plt_run(g, &k, &c, &o);
	assert_null(strstr(o.text, "learn"));
	check_mask_sound(g, &k, &o);
	pl_gen_free(g);
}

/* FDB: lookup_fdb / put_fdb on the "unknown" port, get_fdb for destinations */
static void test_fdb(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	struct plt_out o;
	memset(&c, 0, sizeof(c));
	/* from p2 with its FDB MAC: nothing to learn */
	struct dp_key k = ip_key(21, MACF, MAC1, IP4(1, 1, 1, 1), IP4(1, 1, 1, 2), 1);
	EXPECT(g, k, c, o, "output:20");
	/* a new MAC behind p2: learned, and the packet still goes */
	k = ip_key(21, MACG, MAC1, IP4(1, 1, 1, 1), IP4(1, 1, 1, 2), 1);
	EXPECT(g, k, c, o, "learn(fdb,dp=5,port=2,mac=0a:00:00:00:00:f3),output:20");
	/* a MAC the FDB has behind p3 seen on p2: it moved, learned again */
	k = ip_key(21, MACX, MAC1, IP4(1, 1, 1, 1), IP4(1, 1, 1, 2), 1);
	EXPECT(g, k, c, o, "learn(fdb,dp=5,port=2,mac=0a:00:00:00:00:f2),output:20");
	/* from p1 (no FDB flows there) to the MAC behind p2: get_fdb */
	k = ip_key(20, MAC1, MACF, IP4(1, 1, 1, 2), IP4(1, 1, 1, 1), 1);
	EXPECT(g, k, c, o, "output:21");
	/* to a MAC nobody has: outport "none", dropped */
	k = ip_key(20, MAC1, MACG, IP4(1, 1, 1, 2), IP4(1, 1, 1, 1), 1);
	EXPECT(g, k, c, o, "drop(lflow_drop)");
	/* to the MAC behind p3, not on this chassis */
	k = ip_key(20, MAC1, MACX, IP4(1, 1, 1, 2), IP4(1, 1, 1, 1), 1);
	EXPECT(g, k, c, o, "drop(no_local_port)");
	assert_true(c.fdb_lookups >= 6);
	pl_gen_free(g);
}

/* the tables' own lookups, and generations compared with their neighbours */
static void test_tables(void **state)
{
	(void)state;
	struct pl_gen *g = build(), *h = build();
	const struct pl_neigh *n = pl_neigh_get(g, 3, 2, false, IP4(20, 0, 0, 5));
	assert_non_null(n);
	assert_int_equal(n->mac, MAC_D);
	assert_true(pl_neigh_has_mac(g, 3, 2, false, IP4(20, 0, 0, 5), MAC_S));
	assert_false(pl_neigh_has_mac(g, 3, 2, false, IP4(20, 0, 0, 5), MAC_A));
	assert_null(pl_neigh_get(g, 3, 1, false, IP4(20, 0, 0, 5))); /* another port */
	assert_null(pl_neigh_get(g, 5, 2, false, IP4(20, 0, 0, 5))); /* another datapath */
	assert_null(pl_neigh_get(g, 3, 2, true, IP4(20, 0, 0, 5)));  /* not an IPv6 binding */
	assert_int_equal(pl_fdb_get(g, 5, MACF)->port, 2);
	assert_null(pl_fdb_get(g, 3, MACF));
	assert_true(pl_gen_equal(g, h));
	pl_gen_free(h);

	/* one more binding: not equal (published, caches flushed) */
	struct plb *b = plb_new(1);
	plb_neigh(b, 3, 2, false, IP4(20, 0, 0, 5), MAC_D, PL_NEIGH_PRIO_DYNAMIC);
	struct pl_gen *e1 = plb_finish(b);
	b = plb_new(1);
	plb_neigh(b, 3, 2, false, IP4(20, 0, 0, 5), MAC_A, PL_NEIGH_PRIO_DYNAMIC);
	struct pl_gen *e2 = plb_finish(b);
	assert_false(pl_gen_equal(e1, e2));
	assert_false(pl_gen_equal(g, e1));
	pl_gen_free(e1);
	pl_gen_free(e2);

	/* many entries: every one found through the index */
	b = plb_new(2);
	for (uint32_t i = 0; i < 5000; i++) {
		plb_neigh(b, 1 + i % 3, i % 7, false, i * 2654435761u, i, PL_NEIGH_PRIO_DYNAMIC);
		plb_fdb(b, 1 + i % 5, i % 11, 0x020000000000ULL + i);
	}
	struct pl_gen *big = plb_finish(b);
	assert_non_null(big);
	for (uint32_t i = 0; i < 5000; i++) {
		n = pl_neigh_get(big, 1 + i % 3, i % 7, false, i * 2654435761u);
		assert_non_null(n);
		assert_int_equal(n->mac, i);
		assert_int_equal(pl_fdb_get(big, 1 + i % 5, 0x020000000000ULL + i)->port, i % 11);
	}
	assert_null(pl_fdb_get(big, 1, 0x030000000000ULL));
	pl_gen_free(big);
	pl_gen_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_arp),	  cmocka_unit_test(test_arp_learn),
	    cmocka_unit_test(test_lookup_arp_ip), cmocka_unit_test(test_nd),
	    cmocka_unit_test(test_fdb),		  cmocka_unit_test(test_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
