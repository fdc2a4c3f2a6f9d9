/* SPDX-License-Identifier: Apache-2.0 */
/* Localnet ports in the interpreter (dp/pl_interp.c, pl_localnet_in in dp/pipeline.h): three
 * logical switches on one provider NIC (brint port 20) - u100 with a localnet port tagged 100, u0
 * with an untagged one - and u9 whose network has no bridge mapping here. Frames from the NIC are
 * bound by VLAN (tag popped before the pipeline, which must see them untagged), frames to a
 * localnet port get its tag pushed and leave by the NIC, the tag comes off again before a
 * local port, an unmapped VLAN is dropped as unknown_vlan, a network without mapping as
 * no_provider. Every megaflow mask is checked sound. */
#include "pl_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NIC	 20
#define MAC_PA	 0x0a0000000001ULL
#define MAC_PA2	 0x0a0000000002ULL
#define MAC_PB	 0x0a0000000003ULL
#define MAC_EXT	 0x0a00000000eeULL
#define HOST	 30 /* the node's own interface on the NIC (br-phy-like tap) */
#define MAC_HOST 0x0a00000000ddULL

static const char *one_stage(const void *aux, enum lflow_pipeline p, int table)
{
	(void)aux;
	(void)p;
	return table == 0 ? "only" : NULL;
}

static const struct plt_port topo_ports[] = {
    {"pa", 1, false},	 {"pa2", 3, false},
    {"ln100", 2, false}, {"pb", 1, false},
    {"ln0", 2, false},	 {"pc", 1, false},
    {"ln9", 2, false},	 {"pr", 4, false},
    {"pu", 5, false},	 {"_MC_flood", 32768, false},
    {NULL, 0, false},
};

static void flow(struct plb *b, bool eg, int prio, const char *match, const char *act)
{
	const struct plt_env env = {one_stage, PLT_RESOLVE(topo_ports), false};
	plt_add_flow(b, &env, eg, 0, prio, match, act);
}

/* a switch: tagged frames dropped (as northd's ls_in_check_port_sec), broadcast flooded,
 * the local VIFs by MAC, anything else to the localnet port (its "unknown" address) */
static void add_switch(struct plb *b, int64_t dp, const char *name, const char *vif_macs,
		       const char *ln)
{
	char m[160], a[96];
	plb_dp(b, dp, name, PL_DP_SWITCH);
	plb_stage(b, false, 0, "only");
	flow(b, false, 200, "vlan.present", "drop;");
	flow(b, false, 100, "eth.mcast", "outport = \"_MC_flood\"; output;");
	for (const char *v = vif_macs; *v;) {
		char port[8], mac[18];
		int used;
		if (sscanf(v, "%7[^=]=%17s%n", port, mac, &used) != 2)
			break;
		snprintf(m, sizeof(m), "eth.dst == %s", mac);
		snprintf(a, sizeof(a), "outport = \"%s\"; output;", port);
		flow(b, false, 50, m, a);
		v += used;
		while (*v == ' ')
			v++;
	}
	snprintf(a, sizeof(a), "outport = \"%s\"; output;", ln);
	flow(b, false, 0, "1", a);
	plb_stage(b, true, 0, "only");
	flow(b, true, 0, "1", "output;");
}

static struct pl_gen *build_host(bool host)
{
	struct plb *b = plb_new(1);
	add_switch(b, 1, "u100",
		   "pa=0a:00:00:00:00:01 pa2=0a:00:00:00:00:02 pr=0a:00:00:00:00:04 "
		   "pu=0a:00:00:00:00:05",
		   "ln100");
	add_switch(b, 2, "u0", "pb=0a:00:00:00:00:03", "ln0");
	add_switch(b, 3, "u9", "", "ln9");
	int ln100 = plb_port(b, "ln100", 1, 2, PL_PT_LOCALNET, PL_PORT_NONE);
	plb_port_localnet(b, NIC, 100);
	int pa = plb_port(b, "pa", 1, 1, PL_PT_VIF, 10);
	int pa2 = plb_port(b, "pa2", 1, 3, PL_PT_VIF, 13);
	/* pr: a pod of u100 bound to another chassis; pu: one bound nowhere */
	plb_port(b, "pr", 1, 4, PL_PT_VIF, PL_PORT_NONE);
	plb_port_remote(b);
	plb_port(b, "pu", 1, 5, PL_PT_VIF, PL_PORT_NONE);
	int pb = plb_port(b, "pb", 2, 1, PL_PT_VIF, 11);
	int ln0 = plb_port(b, "ln0", 2, 2, PL_PT_LOCALNET, PL_PORT_NONE);
	plb_port_localnet(b, NIC, -1);
	int pc = plb_port(b, "pc", 3, 1, PL_PT_VIF, 12);
	int ln9 = plb_port(b, "ln9", 3, 2, PL_PT_LOCALNET, PL_PORT_NONE);
	plb_port_localnet(b, PL_PORT_NONE, 9);
	plb_provider(b, NIC);
	if (host)
		plb_host(b, NIC, HOST, MAC_HOST);
	plb_mcgroup(b, "_MC_flood", 1, 32768);
	plb_mc_member(b, pa);
	plb_mc_member(b, ln100);
	plb_mc_member(b, pa2);
	plb_mcgroup(b, "_MC_flood", 2, 32768);
	plb_mc_member(b, pb);
	plb_mc_member(b, ln0);
	plb_mcgroup(b, "_MC_flood", 3, 32768);
	plb_mc_member(b, pc);
	plb_mc_member(b, ln9);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	return g;
}

static struct pl_gen *build(void)
{
	return build_host(false);
}

static struct dp_key key(uint32_t in, uint16_t tci, uint64_t src, uint64_t dst)
{
	struct dp_key k = plt_eth_key(in, src, dst, 0x0800);
	k.f.vlan_tci = tci;
	k.f.nw_proto = 1;
	k.f.nw_ttl = 64;
	return k;
}

static void expect(const struct pl_gen *g, struct dp_key k, const char *want)
{
	struct plt_out o;
	plt_run(g, &k, NULL, &o);
	assert_string_equal(o.text, want);
	plt_check_mask_sound(g, &k, &o, PLT_PERTURB_ALL);
}

#define TAG(v) ((uint16_t)(0x1000 | (v)))

static void test_from_provider(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	struct plt_out o;
	/* VLAN 100 to pa: the tag comes off, then into u100 (which drops vlan.present) */
	struct dp_key k = key(NIC, TAG(100), MAC_EXT, MAC_PA);
	plt_run(g, &k, NULL, &o);
	assert_string_equal(o.text, "pop_vlan,output:10");
	assert_int_equal(o.mask.f.vlan_tci, 0x1fff); /* VID and presence, not the PCP */
	plt_check_mask_sound(g, &k, &o, PLT_PERTURB_ALL);
	expect(g, key(NIC, (uint16_t)(TAG(100) | 0xa000), MAC_EXT, MAC_PA2),
	       "pop_vlan,output:13"); /* any PCP */
	/* untagged, and priority-tagged (VID 0): u0's untagged localnet */
	expect(g, key(NIC, 0, MAC_EXT, MAC_PB), "output:11");
	expect(g, key(NIC, TAG(0), MAC_EXT, MAC_PB), "pop_vlan,output:11");
	/* a broadcast on VLAN 100: u100's VIFs, not back out of the NIC */
	expect(g, key(NIC, TAG(100), MAC_EXT, 0xffffffffffffULL), "pop_vlan,output:10,output:13");
	/* VLANs nobody maps */
	expect(g, key(NIC, TAG(300), MAC_EXT, MAC_PA), "drop(unknown_vlan)");
	expect(g, key(NIC, TAG(9), MAC_EXT, MAC_PA), "drop(unknown_vlan)"); /* u9: no mapping */
	pl_gen_free(g);
}

static void test_to_provider(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	expect(g, key(10, 0, MAC_PA, MAC_EXT), "push_vlan(vid=100,pcp=0),output:20");
	expect(g, key(11, 0, MAC_PB, MAC_EXT), "output:20");
	/* flood from pa: the NIC with the tag, then pa2 without it */
	expect(g, key(10, 0, MAC_PA, 0xffffffffffffULL),
	       "push_vlan(vid=100,pcp=0),output:20,pop_vlan,output:13");
	/* local VIF to VIF: no tag at all */
	expect(g, key(10, 0, MAC_PA, MAC_PA2), "output:13");
	/* u9's network has no bridge mapping here */
	expect(g, key(12, 0, 0x0a0000000009ULL, MAC_EXT), "drop(no_provider)");
	pl_gen_free(g);
}

/* a pod of the bridged switch on another chassis is reached through the localnet port (as
 * ovn-controller redirects a remote port of a switch with a localnet port); a frame from the
 * physical network for it is not sent back there (the loopback check after the redirect); a
 * port bound nowhere is not reached */
static void test_remote_port(void **state)
{
	(void)state;
	struct pl_gen *g = build();
	const uint64_t MAC_PR = 0x0a0000000004ULL, MAC_PU = 0x0a0000000005ULL;
	expect(g, key(10, 0, MAC_PA, MAC_PR), "push_vlan(vid=100,pcp=0),output:20");
	expect(g, key(NIC, TAG(100), MAC_EXT, MAC_PR), "drop(lflow_drop)");
	expect(g, key(10, 0, MAC_PA, MAC_PU), "drop(no_local_port)");
	pl_gen_free(g);
}

/* the node's own interface on the NIC: its frames leave by the NIC untouched; untagged frames
 * to its MAC reach it alone, untagged broadcasts reach it and the untagged network, tagged
 * frames never */
static void test_host(void **state)
{
	(void)state;
	struct pl_gen *g = build_host(true);
	struct plt_out o;
	expect(g, key(HOST, 0, MAC_HOST, MAC_EXT), "output:20");
	expect(g, key(HOST, 0, MAC_HOST, 0xffffffffffffULL), "output:20");
	struct dp_key k = key(NIC, 0, MAC_EXT, MAC_HOST);
	plt_run(g, &k, NULL, &o);
	assert_string_equal(o.text, "output:30");
	static const uint8_t ones[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_memory_equal(o.mask.f.eth_dst, ones, 6);
	plt_check_mask_sound(g, &k, &o, PLT_PERTURB_ALL);
	expect(g, key(NIC, 0, MAC_EXT, 0xffffffffffffULL), "output:30,output:11");
	expect(g, key(NIC, 0, MAC_EXT, MAC_PB), "output:11"); /* a pod's frame: not the node's */
	expect(g, key(NIC, TAG(100), MAC_EXT, 0xffffffffffffULL), "pop_vlan,output:10,output:13");
	expect(g, key(NIC, TAG(300), MAC_EXT, 0xffffffffffffULL), "drop(unknown_vlan)");
	pl_gen_free(g);

	/* no untagged network on the NIC: the node's interface still gets the broadcasts */
	struct plb *b = plb_new(2);
	plb_provider(b, NIC);
	plb_host(b, NIC, HOST, MAC_HOST);
	g = plb_finish(b);
	assert_non_null(g);
	expect(g, key(NIC, 0, MAC_EXT, 0xffffffffffffULL), "output:30");
	expect(g, key(NIC, 0, MAC_EXT, MAC_PB), "drop(unknown_vlan)");
	pl_gen_free(g);
}

static void test_equal(void **state)
{
	(void)state;
	struct pl_gen *a = build(), *b = build();
	assert_true(pl_gen_equal(a, b));
	b->ports[0].tag = 200;
	assert_false(pl_gen_equal(a, b));
	b->ports[0].tag = 100;
	b->ports[0].provider = 21;
	assert_false(pl_gen_equal(a, b));
	b->ports[0].provider = NIC;
	b->providers[0] = 0;
	assert_false(pl_gen_equal(a, b));
	assert_true(pl_is_provider(a, NIC));
	assert_false(pl_is_provider(a, 10));
	assert_false(pl_is_provider(a, 65535));
	pl_gen_free(a);
	pl_gen_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_from_provider), cmocka_unit_test(test_to_provider),
	    cmocka_unit_test(test_remote_port),	  cmocka_unit_test(test_host),
	    cmocka_unit_test(test_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
