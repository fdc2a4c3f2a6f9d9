/* SPDX-License-Identifier: Apache-2.0 */
/* Selective revalidation, the control side and the interpreter's record: pl_gen_diff names
 * exactly the datapaths whose flows, ports, port security or groups changed (whatever moved
 * in the generations' pools; MAC bindings and FDB entries included), and pl_run_deps records the
 * datapaths a packet went through. Two logical switches joined by a patch port: ls-a (key 1: pod1,
 * patch a-b) and ls-b (key 2: pod2, patch b-a), flows compiled by the real match and action
 * compilers. */
#include "pl_diff.h"
#include "pl_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAC1 0x0a0000000001ULL
#define MAC2 0x0a0000000002ULL

static const struct plt_port ports[] = {
    {"pod1", 1, false}, {"pod2", 1, false}, {"a-b", 2, false},
    {"b-a", 2, false},	{"pod9", 9, false}, {NULL, 0, false},
};

static const char *stage_of(const void *aux, enum lflow_pipeline p, int table)
{
	(void)aux;
	if (table != 0)
		return NULL;
	return p == LFLOW_P_INGRESS ? "ls_in_l2_lkup" : "ls_out_apply_port_sec";
}

static void flow(struct plb *b, bool eg, int prio, const char *match, const char *actions)
{
	const struct plt_env env = {stage_of, PLT_RESOLVE(ports), false};
	plt_add_flow(b, &env, eg, 0, prio, match, actions);
}

enum variant {
	SAME,
	B_FLOW_CHANGED,	 /* another action in one of ls-b's flows */
	B_FLOW_ADDED,	 /* ls-b gains a flow */
	A_FLOW_ADDED,	 /* ls-a gains a flow: every ls-b flow moves in the pool */
	A_PORT_LOCAL,	 /* pod1 on another brint port */
	B_PSEC,		 /* pod2's port security */
	B_PORT_ADDED,	 /* ls-b gains a remote port */
	B_PORT_ORDER,	 /* the same ports, listed in another order */
	A_GROUP_MEMBER,	 /* ls-a's flood group loses a member */
	DP_ADDED,	 /* a third datapath */
	B_NEIGH_ADDED,	 /* ls-b learns a MAC binding */
	B_NEIGH_MAC,	 /* ls-b's MAC binding moves to another MAC */
	A_FDB_ADDED,	 /* ls-a learns an FDB entry */
	A_FDB_PORT,	 /* ls-a's FDB entry moves to another port */
	NEIGH_FDB_ORDER, /* the same entries, given in another order */
	B_LOCALNET_TAG,	 /* ls-b's localnet port on another VLAN */
	PROVIDER_ADDED,	 /* another brint port becomes a provider NIC */
	HOST_ADDED,	 /* the node's own interface on the provider NIC */
};

static struct pl_gen *build(enum variant v)
{
	struct plb *b = plb_new(1);
	int pod1, ab, pod2, ba, extra = -1;

	assert_int_equal(plb_dp(b, 1, "ls-a", PL_DP_SWITCH), 0);
	assert_int_equal(plb_stage(b, false, 0, "ls_in_l2_lkup"), 0);
	if (v == A_FLOW_ADDED)
		flow(b, false, 60, "eth.dst == 0a:00:00:00:00:77", "drop;");
	flow(b, false, 50, "eth.dst == 0a:00:00:00:00:01", "outport = \"pod1\"; output;");
	flow(b, false, 50, "eth.dst == 0a:00:00:00:00:02", "outport = \"a-b\"; output;");
	flow(b, false, 0, "1", "drop;");
	assert_int_equal(plb_stage(b, true, 0, "ls_out_apply_port_sec"), 0);
	flow(b, true, 0, "1", "output;");

	assert_int_equal(plb_dp(b, 2, "ls-b", PL_DP_SWITCH), 1);
	assert_int_equal(plb_stage(b, false, 0, "ls_in_l2_lkup"), 0);
	if (v == B_FLOW_ADDED)
		flow(b, false, 60, "eth.dst == 0a:00:00:00:00:77", "drop;");
	flow(b, false, 50, "eth.dst == 0a:00:00:00:00:02",
	     v == B_FLOW_CHANGED ? "outport = \"pod2\"; reg0 = 1; output;"
				 : "outport = \"pod2\"; output;");
	flow(b, false, 0, "1", "drop;");
	assert_int_equal(plb_stage(b, true, 0, "ls_out_apply_port_sec"), 0);
	flow(b, true, 0, "1", "output;");
	if (v == DP_ADDED) {
		assert_int_equal(plb_dp(b, 3, "ls-c", PL_DP_SWITCH), 2);
		assert_int_equal(plb_stage(b, false, 0, "ls_in_l2_lkup"), 0);
		flow(b, false, 0, "1", "drop;");
	}

	if (v == B_PORT_ORDER) {
		pod2 = plb_port(b, "pod2", 2, 1, PL_PT_VIF, 11);
		plb_psec(b, MAC2);
		ba = plb_port(b, "b-a", 2, 2, PL_PT_PATCH, PL_PORT_NONE);
		pod1 = plb_port(b, "pod1", 1, 1, PL_PT_VIF, 10);
		ab = plb_port(b, "a-b", 1, 2, PL_PT_PATCH, PL_PORT_NONE);
	} else {
		pod1 = plb_port(b, "pod1", 1, 1, PL_PT_VIF, v == A_PORT_LOCAL ? 12 : 10);
		ab = plb_port(b, "a-b", 1, 2, PL_PT_PATCH, PL_PORT_NONE);
		pod2 = plb_port(b, "pod2", 2, 1, PL_PT_VIF, 11);
		plb_psec(b, MAC2);
		if (v == B_PSEC)
			plb_psec_ip4(b, 0x0a10000c, 0xffffffff);
		ba = plb_port(b, "b-a", 2, 2, PL_PT_PATCH, PL_PORT_NONE);
	}
	if (v == B_PORT_ADDED)
		extra = plb_port(b, "pod9", 2, 9, PL_PT_VIF, PL_PORT_NONE);
	/* ls-b's localnet port on provider NIC 20 */
	plb_port(b, "ln-b", 2, 3, PL_PT_LOCALNET, PL_PORT_NONE);
	plb_port_localnet(b, 20, v == B_LOCALNET_TAG ? 200 : 100);
	plb_provider(b, 20);
	if (v == PROVIDER_ADDED)
		plb_provider(b, 21);
	if (v == HOST_ADDED)
		plb_host(b, 20, 22, 0x0a00000000c1ULL);
	(void)extra;
	plb_port_peer(b, ab, ba);
	plb_port_peer(b, ba, ab);
	/* MAC bindings on ls-b's pod2 port, an FDB entry on ls-a */
	if (v == NEIGH_FDB_ORDER) {
		plb_fdb(b, 1, 1, 0x0a00000000f1ULL);
		plb_neigh(b, 2, 1, false, 0x0a110002, 0x0a00000000e2ULL, PL_NEIGH_PRIO_DYNAMIC);
		plb_neigh(b, 2, 1, false, 0x0a110001, 0x0a00000000e1ULL, PL_NEIGH_PRIO_DYNAMIC);
	} else {
		plb_neigh(b, 2, 1, false, 0x0a110001,
			  v == B_NEIGH_MAC ? 0x0a00000000e9ULL : 0x0a00000000e1ULL,
			  PL_NEIGH_PRIO_DYNAMIC);
		plb_neigh(b, 2, 1, false, 0x0a110002, 0x0a00000000e2ULL, PL_NEIGH_PRIO_DYNAMIC);
		plb_fdb(b, 1, v == A_FDB_PORT ? 2 : 1, 0x0a00000000f1ULL);
	}
	if (v == B_NEIGH_ADDED)
		plb_neigh(b, 2, 1, false, 0x0a110003, 0x0a00000000e3ULL, PL_NEIGH_PRIO_DYNAMIC);
	if (v == A_FDB_ADDED)
		plb_fdb(b, 1, 1, 0x0a00000000f2ULL);
	plb_mcgroup(b, "_MC_flood", 1, 32768);
	plb_mc_member(b, pod1);
	if (v != A_GROUP_MEMBER)
		plb_mc_member(b, ab);
	(void)pod2;
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	return g;
}

static uint64_t diff_of(enum variant v)
{
	struct pl_gen *a = build(SAME), *b = build(v);
	uint64_t d = pl_gen_diff(a, b);
	assert_int_equal(pl_gen_diff(b, a), d); /* symmetric */
	pl_gen_free(a);
	pl_gen_free(b);
	return d;
}

static void test_diff_by_datapath(void **state)
{
	const uint64_t A = pl_dp_bit(1), B = pl_dp_bit(2);
	(void)state;
	assert_int_equal(diff_of(SAME), 0);
	assert_int_equal(diff_of(B_FLOW_CHANGED), B);
	assert_int_equal(diff_of(B_FLOW_ADDED), B);
	assert_int_equal(diff_of(A_FLOW_ADDED), A); /* ls-b's flows moved, not changed */
	assert_int_equal(diff_of(A_PORT_LOCAL), A);
	assert_int_equal(diff_of(B_PSEC), B);
	assert_int_equal(diff_of(B_PORT_ADDED), B);
	assert_int_equal(diff_of(B_PORT_ORDER), 0);
	assert_int_equal(diff_of(A_GROUP_MEMBER), A);
	assert_int_equal(diff_of(DP_ADDED), pl_dp_bit(3));
	assert_int_equal(diff_of(B_NEIGH_ADDED), B);
	assert_int_equal(diff_of(B_NEIGH_MAC), B);
	assert_int_equal(diff_of(A_FDB_ADDED), A);
	assert_int_equal(diff_of(A_FDB_PORT), A);
	assert_int_equal(diff_of(NEIGH_FDB_ORDER), 0);
	assert_int_equal(diff_of(B_LOCALNET_TAG), B);
	/* decided before any datapath: everything */
	assert_int_equal(diff_of(PROVIDER_ADDED), UINT64_MAX);
	assert_int_equal(diff_of(HOST_ADDED), UINT64_MAX);
	/* no generation before or after: everything */
	struct pl_gen *a = build(SAME);
	assert_int_equal(pl_gen_diff(NULL, a), UINT64_MAX);
	assert_int_equal(pl_gen_diff(a, NULL), UINT64_MAX);
	pl_gen_free(a);
}

static struct dp_key eth_key(uint32_t in, uint64_t dst)
{
	return plt_eth_key(in, MAC1, dst, 0x0800);
}

/* the datapaths a decision went through: the input port's, and every one a patch port led to */
static void test_run_records_datapaths(void **state)
{
	struct pl_gen *g = build(SAME);
	struct pl_counters c;
	struct dp_key mask, k;
	uint8_t buf[256] __attribute__((aligned(8)));
	struct dpa_buf acts = {.data = buf, .cap = sizeof(buf)};
	char text[256];
	uint64_t deps = 0;
	(void)state;
	memset(&c, 0, sizeof(c));

	k = eth_key(10, MAC2); /* pod1 -> MAC2: ls-a, patch, ls-b, pod2 */
	assert_int_equal(pl_run_deps(g, &k, &mask, &acts, &c, &deps), 0);
	assert_true(dpa_format(buf, acts.len, text, sizeof(text)) >= 0);
	assert_string_equal(text, "output:11");
	assert_int_equal(deps, pl_dp_bit(1) | pl_dp_bit(2));

	k = eth_key(10, 0x0a0000000055ULL); /* unknown: dropped in ls-a */
	assert_int_equal(pl_run_deps(g, &k, &mask, &acts, &c, &deps), 0);
	assert_int_equal(deps, pl_dp_bit(1));

	k = eth_key(11, 0x0a0000000055ULL); /* from pod2: ls-b only */
	assert_int_equal(pl_run_deps(g, &k, &mask, &acts, &c, &deps), 0);
	assert_int_equal(deps, pl_dp_bit(2));

	k = eth_key(99, MAC2); /* a port bound to nothing: any binding may change that */
	assert_int_equal(pl_run_deps(g, &k, &mask, &acts, &c, &deps), 0);
	assert_int_equal(deps, UINT64_MAX);
	pl_gen_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_diff_by_datapath),
	    cmocka_unit_test(test_run_records_datapaths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
