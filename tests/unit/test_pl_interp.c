/* SPDX-License-Identifier: Apache-2.0 */
/* The pipeline interpreter (dp/pl_interp.c) on a small hand-built generation: one logical
 * switch with OVN's port-security, ARP-responder, L2-lookup and egress stages (matches and
 * actions as northd 23.03 writes them, compiled by the real match and action compilers), two
 * local ports, one remote, a flood group. Checks the flat actions, the drop reasons, the
 * counters, and that the megaflow mask is sound: every key agreeing with a key under its mask
 * gets the same actions. */
#include "pl_index.h"
#include "pl_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAC1 0x0a0000000001ULL
#define MAC2 0x0a0000000002ULL
#define MAC3 0x0a0000000003ULL
#define MAC4 0x0a0000000004ULL

static const struct plt_stage ingress[] = {
    {"ls_in_check_port_sec",
     {{100, "eth.src[40]", "drop;"}, {50, "1", "reg0[15] = check_in_port_sec(); next;"}}},
    {"ls_in_apply_port_sec", {{50, "reg0[15] == 1", "drop;"}, {0, "1", "next;"}}},
    {"ls_in_pre_acl", {{110, "ct.est", "ct_next;"}, {0, "1", "next;"}}},
    {"ls_in_arp_rsp",
     {{100, "arp.tpa == 10.16.0.12 && arp.op == 1 && inport == \"pod2\"", "next;"},
      {50, "arp.tpa == 10.16.0.12 && arp.op == 1",
       "eth.dst = eth.src; eth.src = 0a:00:00:00:00:02; arp.op = 2; arp.tha = arp.sha; "
       "arp.sha = 0a:00:00:00:00:02; arp.tpa = arp.spa; arp.spa = 10.16.0.12; "
       "outport = inport; flags.loopback = 1; output;"},
      {0, "1", "next;"}}},
    {"ls_in_l2_lkup",
     {{110, "udp.dst == 7", "tcp_reset { output; };"},
      {70, "eth.mcast", "outport = \"_MC_flood\"; output;"},
      {50, "eth.dst == 0a:00:00:00:00:01", "outport = \"pod1\"; output;"},
      {50, "eth.dst == 0a:00:00:00:00:02", "outport = \"pod2\"; output;"},
      {50, "eth.dst == 0a:00:00:00:00:03", "outport = \"pod3\"; output;"},
      {0, "1", "outport = get_fdb(eth.dst); next;"}}},
    {"ls_in_l2_unknown", {{50, "outport == \"none\"", "drop;"}, {0, "1", "output;"}}},
};

static const struct plt_stage egress[] = {
    {"ls_out_pre_lb", {{0, "1", "next;"}}},
    {"ls_out_check_port_sec",
     {{100, "eth.mcast", "reg0[15] = 0; next;"},
      {0, "1", "reg0[15] = check_out_port_sec(); next;"}}},
    {"ls_out_apply_port_sec", {{50, "reg0[15] == 1", "drop;"}, {0, "1", "output;"}}},
};

static const char *stage_of(const void *aux, enum lflow_pipeline p, int table)
{
	(void)aux;
	if (p == LFLOW_P_INGRESS)
		return table >= 0 && table < 6 ? ingress[table].name : NULL;
	return table >= 0 && table < 3 ? egress[table].name : NULL;
}

/* pod3 is bound to another chassis */
static const struct plt_port ports[] = {
    {"pod1", 1, false},
    {"pod2", 2, false},
    {"pod3", 3, true},
    {"pod4", 4, false},
    {"_MC_flood", 32768, false},
    {"none", 0, false}, /* as ovn-controller (and pl_build) resolve it */
    {NULL, 0, false},
};

static struct pl_gen *build(void)
{
	const struct plt_env env = {stage_of, PLT_RESOLVE(ports), false};
	struct plb *b = plb_new(7);
	assert_non_null(b);
	assert_int_equal(plb_dp(b, 5, "ovn-default", PL_DP_SWITCH), 0);
	plt_add_stages(b, &env, false, ingress, 6);
	plt_add_stages(b, &env, true, egress, 3);
	int p1 = plb_port(b, "pod1", 5, 1, PL_PT_VIF, 10);
	plb_psec(b, MAC1);
	plb_psec_ip4(b, 0x0a10000b, 0xffffffff);
	int p2 = plb_port(b, "pod2", 5, 2, PL_PT_VIF, 11);
	plb_psec(b, MAC2);
	plb_psec_ip4(b, 0x0a10000c, 0xffffffff);
	int p3 = plb_port(b, "pod3", 5, 3, PL_PT_VIF, PL_PORT_NONE);
	plb_port(b, "pod4", 5, 4, PL_PT_VIF, 12); /* port security on the MAC only */
	plb_psec(b, MAC4);
	plb_mcgroup(b, "_MC_flood", 5, 32768);
	plb_mc_member(b, p1);
	plb_mc_member(b, p2);
	plb_mc_member(b, p3);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	return g;
}

/* frames */
static struct dp_key icmp_key(uint32_t in, uint64_t src, uint64_t dst, uint32_t sip, uint32_t dip)
{
	struct dp_key k = plt_ip4_key(in, src, dst, sip, dip, 1);
	k.f.tp_src = __builtin_bswap16(8);
	return k;
}

static struct dp_key arp_key(uint32_t in, uint64_t src, uint32_t spa, uint32_t tpa)
{
	return plt_arp_key(in, 1, src, 0xffffffffffffULL, spa, tpa);
}

static char *drop_text(enum brint_drop_reason r)
{
	static char s[32];
	snprintf(s, sizeof(s), "drop(%s)", brint_drop_names[r]);
	return s;
}

/* keys that agree with k under the mask get the same actions */
static void check_mask_sound(const struct pl_gen *g, const struct dp_key *k,
			     const struct plt_out *o)
{
	plt_check_mask_sound(g, k, o, PLT_PERTURB_MIXED);
}

static void test_unicast(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	struct plt_out o;
	memset(&c, 0, sizeof(c));
	struct dp_key k = icmp_key(10, MAC1, MAC2, 0x0a10000b, 0x0a10000c);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, "output:11");
	assert_int_equal(c.outputs, 1);
	/* consulted: in_port, eth.src (port security), eth.dst, eth.type, ip4.src and ip4.dst
	 * (port security both ways); not the TTL, not the ICMP type */
	assert_int_equal(o.mask.in_port, UINT32_MAX);
	assert_int_equal(o.mask.f.nw_ttl, 0);
	assert_int_equal(o.mask.f.tp_src, 0);
	assert_int_equal(o.mask.f.ip4_src, UINT32_MAX);
	assert_int_equal(o.mask.f.eth_type, 0xffff);
	static const uint8_t ones[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_memory_equal(o.mask.f.eth_dst, ones, 6);
	check_mask_sound(g, &k, &o);

	k = icmp_key(11, MAC2, MAC1, 0x0a10000c, 0x0a10000b);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, "output:10");
	check_mask_sound(g, &k, &o);
	pl_gen_free(g);
}

static void test_arp_responder(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	struct plt_out o;
	memset(&c, 0, sizeof(c));
	struct dp_key k = arp_key(10, MAC1, 0x0a10000b, 0x0a10000c);
	plt_run(g, &k, &c, &o);
	/* answered to the inport (flags.loopback), MACs and ARP body rewritten */
	assert_string_equal(o.text, "set(eth.src=0a:00:00:00:00:02),set(eth.dst=0a:00:00:00:00:01),"
				    "set(arp.op=2,arp.sha=0a:00:00:00:00:02,arp.spa=10.16.0.12,"
				    "arp.tha=0a:00:00:00:00:01,arp.tpa=10.16.0.11),output:10");
	check_mask_sound(g, &k, &o);

	/* the ARP from pod2 for its own address is not answered: flooded (not back to pod2,
	 * pod3 is not on this chassis) */
	k = arp_key(11, MAC2, 0x0a10000c, 0x0a10000c);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, "output:10");
	assert_int_equal(c.remote_outputs, 1);
	check_mask_sound(g, &k, &o);

	/* an ARP for an unknown address floods to the other local port */
	k = arp_key(10, MAC1, 0x0a10000b, 0x0a100063);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, "output:11");
	check_mask_sound(g, &k, &o);
	pl_gen_free(g);
}

static void test_drops(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	struct plt_out o;
	memset(&c, 0, sizeof(c));

	/* spoofed source MAC, spoofed source IP, spoofed ARP sender */
	struct dp_key k = icmp_key(10, MAC3, MAC2, 0x0a10000b, 0x0a10000c);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_PORT_SECURITY));
	check_mask_sound(g, &k, &o);
	k = icmp_key(10, MAC1, MAC2, 0x0a100063, 0x0a10000c);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_PORT_SECURITY));
	check_mask_sound(g, &k, &o);
	k = arp_key(10, MAC1, 0x0a100063, 0x0a10000c);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_PORT_SECURITY));
	/* egress port security: pod2's MAC with another IP */
	k = icmp_key(10, MAC1, MAC2, 0x0a10000b, 0x0a100063);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_PORT_SECURITY));
	check_mask_sound(g, &k, &o);
	/* a multicast source MAC: the priority-100 drop */
	k = icmp_key(10, 0x010000000001ULL, MAC2, 0x0a10000b, 0x0a10000c);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_PORT_SECURITY));

	/* to a port on another chassis */
	k = icmp_key(10, MAC1, MAC3, 0x0a10000b, 0x0a10000d);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_NO_LOCAL_PORT));

	/* unknown destination: get_fdb finds nothing (outport "none"), ls_in_l2_unknown drops */
	k = icmp_key(10, MAC1, 0x0a00000000ffULL, 0x0a10000b, 0x0a10000c);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_LFLOW_DROP));
	assert_int_equal(c.unsupported_op[LFLOW_OP_GET_FDB], 0);
	assert_int_equal(c.fdb_lookups, 1);
	check_mask_sound(g, &k, &o);

	/* conntrack: a named reason, counted by action */
	k = icmp_key(10, MAC1, MAC2, 0x0a10000b, 0x0a10000c);
	k.ct_state = 0x22; /* est|trk */
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_UNSUPPORTED_CT));
	assert_int_equal(c.unsupported_op[LFLOW_OP_CT_NEXT], 1);
	assert_int_equal(o.mask.ct_state, 0x22); /* ct.est and its prerequisite ct.trk */
	k = icmp_key(10, MAC1, MAC2, 0x0a10000b, 0x0a10000c);
	k.f.nw_proto = 17;
	k.f.tp_dst = __builtin_bswap16(7);
	plt_run(g, &k, &c, &o);
	/* packet generation: the megaflow sends its packets to packet mode */
	assert_string_equal(o.text, "slowpath");
	assert_int_equal(c.unsupported_op[LFLOW_OP_TCP_RESET], 0);
	assert_int_equal(c.slowpath_flows, 1);
	check_mask_sound(g, &k, &o);

	/* a port bound to nothing */
	k = icmp_key(13, MAC1, MAC2, 0x0a10000b, 0x0a10000c);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_NO_PIPELINE));
	assert_int_equal(c.no_binding, 1);
	pl_gen_free(g);
}

/* port security as ovn-controller decides it from Port_Binding.port_security */
static void test_port_security(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	struct plt_out o;
	memset(&c, 0, sizeof(c));
	lf_u128 lla1 = ((lf_u128)0xfe80 << 112) | 0x080000fffe000001ULL; /* of 0a:00:00:00:00:01 */
	lf_u128 lla2 = ((lf_u128)0xfe80 << 112) | 0x080000fffe000002ULL;

	/* pod1 lists IPv4 only: no IPv6 at all, not even from its link-local address */
	struct dp_key k = plt_icmp6_key(10, MAC1, MAC2, lla1, lla2, 128);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_PORT_SECURITY));
	check_mask_sound(g, &k, &o);

	/* pod4 lists its MAC only: any IPv4 source; pod2 takes it (broadcast destination) */
	k = icmp_key(12, MAC4, MAC2, 0x01020304, 0xffffffff);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, "output:11");
	check_mask_sound(g, &k, &o);
	/* but not to an address pod2 does not list */
	k = icmp_key(12, MAC4, MAC2, 0x01020304, 0x01020305);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_PORT_SECURITY));
	/* and IPv6 from pod4 to pod2 is refused on the way out (pod2 lists no IPv6) */
	k = plt_icmp6_key(12, MAC4, MAC2, lla1, lla2, 128);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_PORT_SECURITY));
	/* pod4's ARP must carry its MAC as sender */
	k = arp_key(12, MAC4, 0x01020304, 0x0a100063);
	plt_mac(k.f.arp_sha, MAC1);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_PORT_SECURITY));
	k = arp_key(12, MAC4, 0x01020304, 0x0a100063);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, "output:10,output:11"); /* flooded to pod1 and pod2 */
	check_mask_sound(g, &k, &o);
	pl_gen_free(g);
}

/* the unicast back to the inport is dropped unless flags.loopback */
static void test_loopback(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct pl_counters c;
	struct plt_out o;
	memset(&c, 0, sizeof(c));
	struct dp_key k = icmp_key(10, MAC1, MAC1, 0x0a10000b, 0x0a10000b);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_LFLOW_DROP));
	assert_int_equal(c.loopback_drops, 1);
	pl_gen_free(g);
}

/* a long chain of stages ending in `next' does not nest: 200 stages pass, a loop is cut */
static const char *chain_stage(const void *aux, enum lflow_pipeline p, int table)
{
	static char names[200][8];
	(void)aux;
	if (p == LFLOW_P_EGRESS)
		return table == 0 ? "out" : NULL;
	if (table < 0 || table >= 200)
		return NULL;
	snprintf(names[table], sizeof(names[table]), "s%d", table);
	return names[table];
}

static struct pl_gen *chain(bool loop)
{
	const struct plt_env env = {chain_stage, PLT_RESOLVE(ports), false};
	struct plb *b = plb_new(1);
	plb_dp(b, 5, "ls", PL_DP_SWITCH);
	for (int t = 0; t < 200; t++) {
		const char *act = t < 199 ? "reg1 = reg1; next;"
				  : loop  ? "next(0);"
					  : "outport = \"pod2\"; output;";
		plb_stage(b, false, (unsigned)t, chain_stage(NULL, LFLOW_P_INGRESS, t));
		plt_add_flow(b, &env, false, t, 0, "1", act);
	}
	plb_stage(b, true, 0, "out");
	plt_add_flow(b, &env, true, 0, 0, "1", "output;");
	plb_port(b, "pod1", 5, 1, PL_PT_VIF, 10);
	plb_port(b, "pod2", 5, 2, PL_PT_VIF, 11);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	return g;
}

static void test_long_chain(void **state)
{
	(void)state;
	struct pl_counters c;
	struct plt_out o;
	struct dp_key k = icmp_key(10, MAC1, MAC2, 0x0a10000b, 0x0a10000c);
	struct pl_gen *g = chain(false);
	memset(&c, 0, sizeof(c));
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, "output:11");
	assert_int_equal(c.stages, 201);
	pl_gen_free(g);
	g = chain(true);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_PIPELINE_LOOP));
	pl_gen_free(g);
}

/* switch A -> patch -> router -> patch -> switch B: registers, flags and outport are reset at
 * each patch port (the router sees none of switch A's), the TTL and MACs are rewritten once */
static const char *one_stage(const void *aux, enum lflow_pipeline p, int table)
{
	(void)aux;
	(void)p;
	return table == 0 ? "only" : table == 1 ? "two" : NULL;
}

static const struct plt_port topo_ports[] = {
    {"pa", 1, false},  {"a-r", 9, false}, {"r-a", 1, false}, {"r-b", 2, false},
    {"b-r", 9, false}, {"pb", 1, false},  {NULL, 0, false},
};

/* a flow of the current stage, its port names resolved from ports */
static void flow_on(struct plb *b, const struct plt_port *ports, bool eg, unsigned table, int prio,
		    const char *match, const char *act)
{
	const struct plt_env env = {one_stage, PLT_RESOLVE(ports), false};
	plt_add_flow(b, &env, eg, (int)table, prio, match, act);
}

static void flow(struct plb *b, bool eg, unsigned table, int prio, const char *match,
		 const char *act)
{
	flow_on(b, topo_ports, eg, table, prio, match, act);
}

static void test_patch_ports(void **state)
{
	(void)state;
	struct plb *b = plb_new(1);
	plb_dp(b, 1, "A", PL_DP_SWITCH);
	plb_stage(b, false, 0, "only");
	flow(b, false, 0, 100, "eth.dst == 0a:00:00:00:00:aa",
	     "reg3 = 7; flags.loopback = 1; outport = \"a-r\"; output;");
	plb_stage(b, true, 0, "only");
	flow(b, true, 0, 0, "1", "output;");
	plb_dp(b, 2, "R", PL_DP_ROUTER);
	plb_stage(b, false, 0, "only");
	flow(b, false, 0, 100,
	     "inport == \"r-a\" && reg3 == 0 && flags.loopback == 0 && "
	     "reg15 == 0 && ip4.dst == 10.2.0.0/16",
	     "ip.ttl--; eth.src = 0a:00:00:00:00:bb; eth.dst = 0a:00:00:00:00:02; next;");
	plb_stage(b, false, 1, "two");
	flow(b, false, 1, 0, "1", "outport = \"r-b\"; output;");
	plb_stage(b, true, 0, "only");
	flow(b, true, 0, 0, "1", "output;");
	plb_dp(b, 3, "B", PL_DP_SWITCH);
	plb_stage(b, false, 0, "only");
	flow(b, false, 0, 100, "inport == \"b-r\" && reg3 == 0", "outport = \"pb\"; output;");
	plb_stage(b, true, 0, "only");
	flow(b, true, 0, 0, "1", "output;");
	int pa = plb_port(b, "pa", 1, 1, PL_PT_VIF, 10);
	int ar = plb_port(b, "a-r", 1, 9, PL_PT_PATCH, PL_PORT_NONE);
	int ra = plb_port(b, "r-a", 2, 1, PL_PT_PATCH, PL_PORT_NONE);
	int rb = plb_port(b, "r-b", 2, 2, PL_PT_PATCH, PL_PORT_NONE);
	int br = plb_port(b, "b-r", 3, 9, PL_PT_PATCH, PL_PORT_NONE);
	int pb = plb_port(b, "pb", 3, 1, PL_PT_VIF, 11);
	(void)pa;
	(void)pb;
	plb_port_peer(b, ar, ra);
	plb_port_peer(b, ra, ar);
	plb_port_peer(b, rb, br);
	plb_port_peer(b, br, rb);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);

	struct pl_counters c;
	struct plt_out o;
	memset(&c, 0, sizeof(c));
	struct dp_key k = icmp_key(10, MAC1, 0x0a00000000aaULL, 0x0a01000b, 0x0a02000c);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, "set(eth.src=0a:00:00:00:00:bb),set(eth.dst=0a:00:00:00:00:02),"
				    "dec_ttl,output:11");
	assert_int_equal(c.patch_crossings, 2);
	assert_int_equal(o.mask.f.ip4_dst, __builtin_bswap32(0xffff0000)); /* the /16 only */
	assert_int_equal(o.mask.f.nw_ttl, 0xff); /* dec_ttl looked at it (0 would not pass) */
	check_mask_sound(g, &k, &o);
	/* another /16: the router has no route */
	k = icmp_key(10, MAC1, 0x0a00000000aaULL, 0x0a01000b, 0x0a03000c);
	plt_run(g, &k, &c, &o);
	assert_string_equal(o.text, drop_text(BRINT_DROP_LFLOW_DROP));
	check_mask_sound(g, &k, &o);
	pl_gen_free(g);
}

/* A loop through a pass-through chain: stage 0's `next;' lands on the chain s1..s3, s4 goes
 * back to stage 0; the stage limit cuts it (819 rounds of 5 stages, then stage 0: 4,096). How
 * far the counter goes past the limit depends on how the walk crosses the chain: the linear
 * scan counts up to the stage before the one over the limit (4,096), the index trees count s1
 * too (4,097), a decision diagram's bridge (pl_dtree.h) counts its 4 stages at once (4,100). */
static struct pl_gen *chain_loop(void)
{
	const struct plt_env env = {chain_stage, PLT_RESOLVE(ports), false};
	struct plb *b = plb_new(1);
	plb_dp(b, 5, "ls", PL_DP_SWITCH);
	for (int t = 0; t < 5; t++) {
		plb_stage(b, false, (unsigned)t, chain_stage(NULL, LFLOW_P_INGRESS, t));
		if (t == 0)
			plt_add_flow(b, &env, false, t, 100, "ip4.src == 1.2.3.4", "drop;");
		plt_add_flow(b, &env, false, t, 0, "1", t < 4 ? "next;" : "reg1 = reg1; next(0);");
	}
	plb_stage(b, true, 0, "out");
	plt_add_flow(b, &env, true, 0, 0, "1", "output;");
	plb_port(b, "pod1", 5, 1, PL_PT_VIF, 10);
	plb_port(b, "pod2", 5, 2, PL_PT_VIF, 11);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	return g;
}

static void test_chain_loop(void **state)
{
	(void)state;
	struct pl_counters c;
	struct plt_out o;
	struct dp_key k = icmp_key(10, MAC1, MAC2, 0x0a10000b, 0x0a10000c);
	struct pl_gen *g = chain_loop();
	assert_int_equal(pl_index_stage(g->index, g, &g->dps[0], false, 1)->jump_n, 3);
	static const struct {
		bool indexed, dtree;
		uint64_t stages;
	} ways[] = {{true, true, 4100}, {true, false, 4097}, {false, false, 4096}};
	for (size_t w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
		pl_gen_set_indexed(g, ways[w].indexed);
		pl_gen_set_dtree(g, ways[w].dtree);
		memset(&c, 0, sizeof(c));
		plt_run(g, &k, &c, &o);
		assert_string_equal(o.text, drop_text(BRINT_DROP_PIPELINE_LOOP));
		assert_int_equal(c.stages, ways[w].stages);
	}
	pl_gen_free(g);
}

/* An output with actions after it runs the egress pipeline on a copy of the branch state: what
 * that pass writes (reg3 here) is not what the actions after it see, so the second output's
 * egress pass starts from the ingress's reg3 = 5 (a leak would meet reg3 == 6 and drop). The
 * program's last output goes on with the state itself (pl_walk.c plx_run_stage_own): the same
 * answer, with the stage indexes and with the linear scan. */
static const struct plt_port copy_ports[] = {
    {"p1", 1, false}, {"p2", 2, false}, {"p3", 3, false}, {NULL, 0, false}};

static void copy_flow(struct plb *b, bool eg, unsigned table, int prio, const char *match,
		      const char *act)
{
	flow_on(b, copy_ports, eg, table, prio, match, act);
}

static void test_output_then_more(void **state)
{
	(void)state;
	struct plb *b = plb_new(1);
	plb_dp(b, 1, "A", PL_DP_SWITCH);
	plb_stage(b, false, 0, "only");
	copy_flow(b, false, 0, 0, "1",
		  "reg3 = 5; outport = \"p2\"; output; outport = \"p3\"; output;");
	plb_stage(b, true, 0, "only");
	copy_flow(b, true, 0, 100, "reg3 == 5", "reg3 = 6; next;");
	copy_flow(b, true, 0, 50, "1", "drop;");
	plb_stage(b, true, 1, "two");
	copy_flow(b, true, 1, 100, "reg3 == 6", "output;");
	plb_port(b, "p1", 1, 1, PL_PT_VIF, 10);
	plb_port(b, "p2", 1, 2, PL_PT_VIF, 11);
	plb_port(b, "p3", 1, 3, PL_PT_VIF, 12);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);

	struct pl_counters c;
	struct plt_out o;
	struct dp_key k = icmp_key(10, MAC1, MAC2, 0x0a10000b, 0x0a10000c);
	for (int indexed = 1; indexed >= 0; indexed--) {
		pl_gen_set_indexed(g, indexed);
		memset(&c, 0, sizeof(c));
		plt_run(g, &k, &c, &o);
		assert_string_equal(o.text, "output:11,output:12");
		assert_int_equal(c.stages, 5); /* ingress 1, two egress passes of 2 */
		check_mask_sound(g, &k, &o);
	}
	pl_gen_free(g);
}

/* a rebuild that changes nothing is recognised (publishing it would flush caches for nothing) */
static void test_equal(void **state)
{
	(void)state;
	struct pl_gen *a = build(), *b = build();
	assert_true(pl_gen_equal(a, b));
	assert_true(pl_gen_equal(b, a));
	pl_gen_free(b);
	b = build();
	b->ports[0].local = 13; /* pod1 on another brint port */
	assert_false(pl_gen_equal(a, b));
	b->ports[0].local = a->ports[0].local;
	b->psec_ip4[0].addr ^= 1;
	assert_false(pl_gen_equal(a, b));
	b->psec_ip4[0].addr ^= 1;
	b->terms[3].value ^= 1;
	assert_false(pl_gen_equal(a, b));
	b->terms[3].value ^= 1;
	b->flows[2].priority++;
	assert_false(pl_gen_equal(a, b));
	b->flows[2].priority--;
	assert_true(pl_gen_equal(a, b));
	pl_gen_free(a);
	pl_gen_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unicast),
	    cmocka_unit_test(test_arp_responder),
	    cmocka_unit_test(test_drops),
	    cmocka_unit_test(test_loopback),
	    cmocka_unit_test(test_port_security),
	    cmocka_unit_test(test_equal),
	    cmocka_unit_test(test_long_chain),
	    cmocka_unit_test(test_patch_ports),
	    cmocka_unit_test(test_output_then_more),
	    cmocka_unit_test(test_chain_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
