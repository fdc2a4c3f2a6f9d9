/* SPDX-License-Identifier: Apache-2.0 */
/* The stage indexes (dp/pl_index.c) against the linear scan they replace (dp/pl_interp.c,
 * kept as the reference: pl_gen_set_indexed(g, false)).
 *
 *  - a hand-built stage with indexed and unindexed rules at interleaved priorities: the same
 *    flow as the linear scan, and the index field left out of the mask when a rule before
 *    every indexed rule matched; an index field an earlier stage wrote;
 *  - the whole northd 23.03 corpus (tests/golden/lflows.json: five datapaths, every match and
 *    action compiled by the real compilers) as one generation with ports, patch peers and
 *    multicast groups; thousands of random packets built from the values the matches compare
 *    (ARP, IPv4, IPv6, TCP/UDP/ICMP, each field either a value some term wants or random):
 *    every packet visits the same stages and hits the same flows with and without the index,
 *    gets the same flat actions, and the indexed run's mask is sound (keys agreeing with it
 *    under that mask get the same actions from the linear scan);
 *  - the pre-decoded actions (dp/pl_adec.c): every decoded load, move, exchange, dec_ttl and
 *    ct_clear of the corpus run both ways (decoded, and the general path) on random branch
 *    states give the same state, megaflow mask and end; the interpreter's inline reads and
 *    writes of key fields (dp/plx.h rd/wr through lfield.h's windows) against dp/lfield.c's
 *    generic functions.
 *
 *   test_pl_index CORPUS.json */
#include "lfield.h"
#include "pl_index.h"
#include "plx.h"
#include "pl_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

static const char *corpus_path;

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* ---- running both ways ---- */

#define MAX_EV 512

struct result {
	char text[1024];
	struct dp_key mask;	 /* of the traced run (every stage looked up) */
	struct dp_key fast_mask; /* of the untraced run (pass-through stages crossed unread) */
	uint32_t ev[MAX_EV];	 /* per stage visited: flow id + 1 (0: none), with the stage */
	unsigned n_ev;
};

static void on_stage(void *arg, const struct pl_trace_ev *ev)
{
	struct result *r = arg;
	if (r->n_ev + 2 <= MAX_EV) {
		r->ev[r->n_ev++] =
		    (uint32_t)(ev->dp->key << 9 | (int64_t)ev->egress << 8 | ev->table);
		r->ev[r->n_ev++] = ev->flow ? ev->flow->id + 1 : 0;
	}
}

enum { LINEAR, TREE, DIAGRAM }; /* how run() looks stages up: the index trees, the diagrams */

static void run(struct pl_gen *g, int how, const struct dp_key *k, struct result *r)
{
	uint8_t buf[4096];
	struct dpa_buf b = {.data = buf, .cap = sizeof(buf)};
	struct pl_counters c;
	memset(&c, 0, sizeof(c));
	memset(r, 0, sizeof(*r));
	pl_gen_set_indexed(g, how != LINEAR);
	pl_gen_set_dtree(g, how == DIAGRAM);
	assert_int_equal(pl_run_traced(g, k, &r->mask, &b, &c, on_stage, r), 0);
	assert_true(dpa_valid(buf, b.len));
	assert_true(dpa_format(buf, b.len, r->text, sizeof(r->text)) >= 0);
	/* untraced (pass-through stages crossed in one step, unread): the same actions and
	 * number of stages, and a mask within the traced run's (a stage whose flows all lead
	 * to the same next stage reads nothing there) */
	uint8_t buf2[4096];
	struct dpa_buf b2 = {.data = buf2, .cap = sizeof(buf2)};
	struct pl_counters c2;
	struct dp_key m2;
	memset(&c2, 0, sizeof(c2));
	assert_int_equal(pl_run(g, k, &m2, &b2, &c2), 0);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(buf2, buf, b.len);
	for (size_t j = 0; j < sizeof(m2); j++)
		assert_int_equal(((const uint8_t *)&m2)[j] & ~((const uint8_t *)&r->mask)[j], 0);
	r->fast_mask = m2;
	assert_int_equal(c2.stages, c.stages);
}

/* k and keys agreeing with k under the indexed run's mask: same stages, flows and actions
 * both ways (and as k's linear run); both indexed ways: the index trees, and the decision
 * diagrams (pl_dtree.h) where a stage has one */
struct mstats { /* the indexed masks against the linear scan's: [0] trees, [1] diagrams */
	unsigned same[2], narrower[2], other[2];
};

static void compare_one(struct pl_gen *g, const struct dp_key *k, const struct result *lin, int how,
			unsigned perturb, struct mstats *ms)
{
	struct result idx;
	run(g, how, k, &idx);
	assert_string_equal(idx.text, lin->text);
	assert_int_equal(idx.n_ev, lin->n_ev);
	assert_memory_equal(idx.ev, lin->ev, lin->n_ev * sizeof(lin->ev[0]));
	const uint8_t *im = (const uint8_t *)&idx.mask, *lm = (const uint8_t *)&lin->mask;
	bool subset = true;
	for (size_t j = 0; j < sizeof(lin->mask); j++)
		subset &= (im[j] & ~lm[j]) == 0;
	if (k->f.nw_proto == 6 || k->f.nw_proto == 17) {
		/* a TCP or UDP flow's megaflow never comes to depend on its ports through an
		 * index or a diagram (pl_index.h, pl_dtree.h) */
		size_t p0 = offsetof(struct dp_key, f.tp_src),
		       p1 = offsetof(struct dp_key, f.tcp_flags);
		for (size_t j = p0; j < p1 + 2; j++)
			assert_int_equal(im[j] & ~lm[j], 0);
	}
	unsigned w = how == DIAGRAM;
	if (memcmp(im, lm, sizeof(lin->mask)) == 0)
		ms->same[w]++;
	else if (subset)
		ms->narrower[w]++;
	else
		ms->other[w]++;
	for (unsigned i = 0; i < perturb; i++) {
		struct dp_key v = *k;
		uint8_t *b = (uint8_t *)&v;
		/* under the mask a megaflow gets: the untraced run's */
		const uint8_t *m = (const uint8_t *)&idx.fast_mask;
		for (size_t j = offsetof(struct dp_key, f); j < sizeof(v); j++) {
			uint8_t r = (uint8_t)rnd();
			if (i % 2)
				r &= (uint8_t)rnd(); /* fewer bits changed */
			b[j] = (uint8_t)((b[j] & m[j]) | (r & ~m[j]));
		}
		struct result o;
		run(g, LINEAR, &v, &o);
		if (strcmp(o.text, lin->text) != 0) {
			/* is the linear scan's own mask sound for this pair? */
			const uint8_t *l = (const uint8_t *)&lin->mask, *kb = (const uint8_t *)k;
			bool in_lin = true;
			for (size_t j = 0; j < sizeof(v); j++)
				in_lin &= ((b[j] ^ kb[j]) & l[j]) == 0;
			fail_msg(
			    "%s mask unsound: %s vs %s (the key change is %s the linear scan's "
			    "mask)",
			    how == DIAGRAM ? "diagram" : "index tree", o.text, lin->text,
			    in_lin ? "outside" : "inside");
		}
	}
}

static void compare(struct pl_gen *g, const struct dp_key *k, unsigned perturb, struct mstats *ms)
{
	struct result lin;
	run(g, LINEAR, k, &lin);
	compare_one(g, k, &lin, TREE, perturb, ms);
	compare_one(g, k, &lin, DIAGRAM, perturb, ms);
}

static void print_mstats(const char *what, const struct mstats *ms)
{
	printf("%s: the index trees' masks equal to the linear scan's %u times, narrower %u, "
	       "neither %u; the diagrams' %u, %u, %u\n",
	       what, ms->same[0], ms->narrower[0], ms->other[0], ms->same[1], ms->narrower[1],
	       ms->other[1]);
}

/* ---- a hand-built stage ---- */

static const struct plt_port small_ports[] = {
    {"p1", 1, false}, {"p2", 2, false}, {"p3", 3, false}, {NULL, 0, false}};

static void add_flow(struct plb *b, int prio, const char *match, const char *actions, int table,
		     bool egress)
{
	const struct plt_env env = {NULL, PLT_RESOLVE(small_ports), false};
	plt_add_flow(b, &env, egress, table, prio, match, actions);
}

static struct pl_gen *small_gen(void)
{
	struct plb *b = plb_new(1);
	assert_int_equal(plb_dp(b, 7, "ls", PL_DP_SWITCH), 0);
	assert_int_equal(plb_stage(b, false, 0, "ls_in_l2_lkup"), 0);
	/* indexed on eth.dst (four rules), the others interleaved */
	add_flow(b, 110, "arp && arp.tpa == 10.0.0.9", "outport = \"p3\"; output;", 0, false);
	add_flow(b, 100, "eth.dst == 0a:00:00:00:00:01", "outport = \"p1\"; output;", 0, false);
	add_flow(b, 90, "ip4.src == 10.0.0.7", "drop;", 0, false);
	add_flow(b, 80, "eth.dst == 0a:00:00:00:00:02 && ip4", "outport = \"p2\"; output;", 0,
		 false);
	add_flow(b, 70, "eth.dst == 0a:00:00:00:00:02 || eth.dst == 0a:00:00:00:00:03",
		 "outport = \"p3\"; output;", 0, false);
	add_flow(b, 60, "inport == \"p1\" && eth.src == 0a:00:00:00:00:07",
		 "outport = \"p2\"; output;", 0, false);
	add_flow(b, 0, "1", "drop;", 0, false);
	assert_int_equal(plb_stage(b, true, 0, "ls_out_apply_port_sec"), 0);
	add_flow(b, 0, "1", "output;", 0, true);
	plb_port(b, "p1", 7, 1, PL_PT_VIF, 1);
	plb_port(b, "p2", 7, 2, PL_PT_VIF, 2);
	plb_port(b, "p3", 7, 3, PL_PT_VIF, 3);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	assert_non_null(g->index);
	return g;
}

/* UDP to 10.0.0.99 */
static struct dp_key ip4_key(uint32_t in, uint64_t src, uint64_t dst, uint32_t sip)
{
	return plt_ip4_key(in, src, dst, sip, 0x0a000063, 17);
}

static void test_interleaved(void **state)
{
	(void)state;
	struct pl_gen *g = small_gen();
	struct mstats ms = {{0, 0}, {0, 0}, {0, 0}};
	struct result r;
	static const uint8_t zero6[6];
	const struct pl_sidx *si = pl_index_stage(g->index, g, &g->dps[0], false, 0);
	const struct pl_inode *root = &si->root;
	assert_true(root->indexed);
	assert_int_equal(root->mf, LF_MF_ETH_DST);

	/* the ARP rule comes before every indexed rule: eth.dst never read */
	struct dp_key k;
	memset(&k, 0, sizeof(k));
	k.in_port = 2;
	plt_mac(k.f.eth_src, 0x0a0000000002ULL);
	plt_mac(k.f.eth_dst, 0x0a0000000001ULL);
	k.f.eth_type = 0x0806;
	k.f.ip4_dst = __builtin_bswap32(0x0a000009);
	run(g, TREE, &k, &r);
	assert_string_equal(r.text, "output:3");
	assert_memory_equal(r.mask.f.eth_dst, zero6, 6);
	compare(g, &k, 50, &ms);

	/* the bucket of 0a:..:01 (priority 100), before the rest's ip4.src rule */
	k = ip4_key(2, 0x0a0000000002ULL, 0x0a0000000001ULL, 0x0a000007);
	run(g, TREE, &k, &r);
	assert_string_equal(r.text, "output:1");
	compare(g, &k, 50, &ms);
	/* the rest's rule at 90 before the bucket of 0a:..:02 (80, 70) */
	k = ip4_key(1, 0x0a0000000001ULL, 0x0a0000000002ULL, 0x0a000007);
	run(g, TREE, &k, &r);
	assert_string_equal(r.text, "drop(lflow_drop)");
	compare(g, &k, 50, &ms);
	/* 80 needs ip4: an IPv6 packet to 0a:..:02 takes the second rule of its bucket (70) */
	k = ip4_key(1, 0x0a0000000001ULL, 0x0a0000000002ULL, 0x0a000001);
	k.f.eth_type = 0x86dd;
	run(g, TREE, &k, &r);
	assert_string_equal(r.text, "output:3");
	compare(g, &k, 50, &ms);
	/* no bucket: the rest's inport/eth.src rule (60), then the default */
	k = ip4_key(1, 0x0a0000000007ULL, 0x0a00000000aaULL, 0x0a000001);
	run(g, TREE, &k, &r);
	assert_string_equal(r.text, "output:2");
	compare(g, &k, 50, &ms);
	k = ip4_key(2, 0x0a0000000007ULL, 0x0a00000000aaULL, 0x0a000001);
	run(g, TREE, &k, &r);
	assert_string_equal(r.text, "drop(lflow_drop)");
	compare(g, &k, 50, &ms);
	/* random keys over the values the stage knows */
	for (int i = 0; i < 2000; i++) {
		static const uint64_t macs[] = {0x0a0000000001ULL, 0x0a0000000002ULL,
						0x0a0000000003ULL, 0x0a0000000007ULL};
		k = ip4_key(1 + (uint32_t)(rnd() % 3), macs[rnd() % 4], macs[rnd() % 4],
			    rnd() % 2 ? 0x0a000007 : 0x0a000001);
		if (rnd() % 3 == 0) {
			k.f.eth_type = 0x0806;
			k.f.ip4_dst = __builtin_bswap32(rnd() % 2 ? 0x0a000009 : 0x0a000001);
		}
		compare(g, &k, 3, &ms);
	}
	print_mstats("interleaved", &ms);
	/* in this stage every rule reads the fields in the same order through the index tree
	 * as in the scan (a diagram may read less: narrower is fine, sound is checked) */
	assert_int_equal(ms.narrower[0] + ms.other[0], 0);
	pl_gen_free(g);
}

/* an index field written by an earlier stage: the lookup uses the written value and keeps
 * the key's field out of the mask where the write decided it (eth.dst here) */
static void test_written_field(void **state)
{
	(void)state;
	struct plb *b = plb_new(2);
	assert_int_equal(plb_dp(b, 7, "ls", PL_DP_SWITCH), 0);
	assert_int_equal(plb_stage(b, false, 0, "ls_in_rewrite"), 0);
	add_flow(b, 10, "ip4", "eth.dst = 0a:00:00:00:00:02; next;", 0, false);
	add_flow(b, 0, "1", "next;", 0, false);
	assert_int_equal(plb_stage(b, false, 1, "ls_in_l2_lkup"), 1);
	add_flow(b, 100, "eth.dst == 0a:00:00:00:00:01", "outport = \"p1\"; output;", 1, false);
	add_flow(b, 100, "eth.dst == 0a:00:00:00:00:02", "outport = \"p2\"; output;", 1, false);
	add_flow(b, 100, "eth.dst == 0a:00:00:00:00:03", "outport = \"p3\"; output;", 1, false);
	add_flow(b, 0, "1", "drop;", 1, false);
	assert_int_equal(plb_stage(b, true, 0, "ls_out_apply_port_sec"), 0);
	add_flow(b, 0, "1", "output;", 0, true);
	plb_port(b, "p1", 7, 1, PL_PT_VIF, 1);
	plb_port(b, "p2", 7, 2, PL_PT_VIF, 2);
	plb_port(b, "p3", 7, 3, PL_PT_VIF, 3);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	const struct pl_sidx *si = pl_index_stage(g->index, g, &g->dps[0], false, 1);
	assert_true(si->root.indexed);
	assert_int_equal(si->root.mf, LF_MF_ETH_DST);

	struct mstats ms = {{0, 0}, {0, 0}, {0, 0}};
	struct result r;
	static const uint8_t zero6[6];
	struct dp_key k = ip4_key(1, 0x0a0000000001ULL, 0x0a0000000003ULL, 0x0a000001);
	run(g, TREE, &k, &r);
	assert_string_equal(r.text, "set(eth.dst=0a:00:00:00:00:02),output:2");
	compare(g, &k, 50, &ms);
	/* an ARP is not rewritten: its eth.dst is read */
	k.f.eth_type = 0x0806;
	run(g, TREE, &k, &r);
	assert_string_equal(r.text, "output:3");
	assert_memory_not_equal(r.mask.f.eth_dst, zero6, 6);
	compare(g, &k, 50, &ms);
	/* IPv4 packets to any eth.dst: the lookup goes by the rewritten value (the key's
	 * eth.dst is still matched, by commit(): it decides whether set(eth.dst) is needed) */
	for (int i = 0; i < 200; i++) {
		k = ip4_key(1 + (uint32_t)(rnd() % 3), 0x0a0000000007ULL,
			    0x0a0000000000ULL + rnd() % 5, 0x0a000001);
		compare(g, &k, 5, &ms);
	}
	assert_int_equal(ms.other[0], 0);
	pl_gen_free(g);
}

/* A flood to a group of many members bound elsewhere and one local member listed last: the
 * local member gets its copy (remote members run no egress pipeline here, as in
 * ovn-controller; they used to run one each, past the stage limit), the remote ones are
 * counted once. */
/* Pass-through stages: a stage whose flows all go on with a bare `next;' (one of them "1") is
 * crossed unread; so is one whose other flows need a register bit that no earlier stage of the
 * pipeline can set (they can never match there), and not once an earlier flow sets it. */
static struct pl_gen *regs_gen(bool set_reg0_2)
{
	struct plb *b = plb_new(3);
	assert_int_equal(plb_dp(b, 7, "ls", PL_DP_SWITCH), 0);
	assert_int_equal(plb_stage(b, false, 0, "ls_in_pre_lb"), 0);
	add_flow(b, 110, "ip && inport == \"p2\"", "next;", 0, false);
	add_flow(b, 100, "ip4.dst == 10.0.0.99",
		 set_reg0_2 ? "reg0[2] = 1; next;" : "reg0[3] = 1; next;", 0, false);
	add_flow(b, 0, "1", "next;", 0, false);
	assert_int_equal(plb_stage(b, false, 1, "ls_in_pre_stateful"), 1);
	add_flow(b, 110, "reg0[2] == 1", "drop;", 1, false);
	add_flow(b, 0, "1", "next;", 1, false);
	assert_int_equal(plb_stage(b, false, 2, "ls_in_l2_lkup"), 2);
	add_flow(b, 0, "1", "outport = \"p2\"; output;", 2, false);
	assert_int_equal(plb_stage(b, true, 0, "ls_out_apply_port_sec"), 0);
	add_flow(b, 0, "1", "output;", 0, true);
	plb_port(b, "p1", 7, 1, PL_PT_VIF, 1);
	plb_port(b, "p2", 7, 2, PL_PT_VIF, 2);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	return g;
}

static void test_pass_through(void **state)
{
	(void)state;
	struct mstats ms = {{0, 0}, {0, 0}, {0, 0}};
	struct result r;
	/* nothing sets reg0[2]: stage 1 is pass-through, and stage 0 is not (it writes reg0[3]) */
	struct pl_gen *g = regs_gen(false);
	const struct pl_sidx *s0 = pl_index_stage(g->index, g, &g->dps[0], false, 0);
	const struct pl_sidx *s1 = pl_index_stage(g->index, g, &g->dps[0], false, 1);
	assert_int_equal(s0->jump_n, 0);
	assert_int_equal(s1->jump_n, 1);
	assert_int_equal(s1->jump_stage, 2);
	struct dp_key k = ip4_key(1, 0x0a0000000001ULL, 0x0a0000000002ULL, 0x0a000063);
	run(g, TREE, &k, &r);
	assert_string_equal(r.text, "output:2");
	compare(g, &k, 50, &ms);
	pl_gen_free(g);
	/* stage 0 may set reg0[2]: stage 1 is looked up, and drops what stage 0 marked */
	g = regs_gen(true);
	s1 = pl_index_stage(g->index, g, &g->dps[0], false, 1);
	assert_int_equal(s1->jump_n, 0);
	run(g, TREE, &k, &r);
	assert_string_equal(r.text, "drop(lflow_drop)");
	compare(g, &k, 50, &ms);
	k = plt_ip4_key(1, 0x0a0000000001ULL, 0x0a0000000002ULL, 0x0a000001, 0x0a000064, 17);
	run(g, TREE, &k, &r);
	assert_string_equal(r.text, "output:2");
	compare(g, &k, 50, &ms);
	assert_int_equal(ms.other[0], 0);
	pl_gen_free(g);
}

static void test_big_flood(void **state)
{
	(void)state;
	enum { N_REMOTE = 1000 };
	struct plb *b = plb_new(3);
	assert_int_equal(plb_dp(b, 9, "ls", PL_DP_SWITCH), 0);
	assert_int_equal(plb_stage(b, false, 0, "ls_in_l2_lkup"), 0);
	add_flow(b, 0, "1", "outport = \"_MC_flood\"; output;", 0, false);
	for (unsigned t = 0; t < 8; t++) {
		char name[32];
		snprintf(name, sizeof(name), "ls_out_stage%u", t);
		assert_int_equal(plb_stage(b, true, t, name), (int)t);
		add_flow(b, 10, "ip4", t < 7 ? "next;" : "output;", (int)t, true);
		add_flow(b, 0, "1", t < 7 ? "next;" : "output;", (int)t, true);
	}
	int in = plb_port(b, "p1", 9, 1, PL_PT_VIF, 1);
	int members[N_REMOTE + 2];
	members[0] = in;
	for (unsigned i = 0; i < N_REMOTE; i++) {
		char name[32];
		snprintf(name, sizeof(name), "remote%u", i);
		members[1 + i] = plb_port(b, name, 9, 100 + i, PL_PT_VIF, PL_PORT_NONE);
	}
	members[N_REMOTE + 1] = plb_port(b, "p3", 9, 3, PL_PT_VIF, 3);
	plb_mcgroup(b, "_MC_flood", 9, 32768);
	for (unsigned i = 0; i < N_REMOTE + 2; i++)
		assert_int_equal(plb_mc_member(b, members[i]), 0);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);

	struct dp_key k = ip4_key(1, 0x0a0000000001ULL, 0xffffffffffffULL, 0x0a000001);
	uint8_t buf[512];
	char text[256];
	struct dpa_buf a = {.data = buf, .cap = sizeof(buf)};
	struct pl_counters c;
	struct dp_key mask;
	memset(&c, 0, sizeof(c));
	assert_int_equal(pl_run(g, &k, &mask, &a, &c), 0);
	assert_true(dpa_format(buf, a.len, text, sizeof(text)) >= 0);
	assert_string_equal(text, "output:3");
	assert_int_equal(c.remote_outputs, 1);
	assert_true(c.stages < 64);
	struct mstats ms = {{0, 0}, {0, 0}, {0, 0}};
	compare(g, &k, 10, &ms);
	pl_gen_free(g);
}

/* ---- the corpus as one generation ---- */

static json_t *corpus;

struct cport {
	const char *name, *dp, *peer;
	uint16_t local;
};

/* the corpus topology (tests/golden/gen_lflows.sh): logical ports by datapath, router ports'
 * peers, which ones are on this chassis */
static const struct cport cports[] = {
    {"pod1", "ovn-default", NULL, 1},
    {"pod2", "ovn-default", NULL, 2},
    {"pod3", "ovn-default", NULL, 3},
    {"pod4", "ovn-default", NULL, 4},
    {"pod4-c1", "ovn-default", NULL, PL_PORT_NONE},
    {"vm1", "ovn-default", NULL, PL_PORT_NONE},
    {"mdport", "ovn-default", NULL, 5},
    {"ovn-default-ovn-cluster", "ovn-default", "ovn-cluster-ovn-default", PL_PORT_NONE},
    {"node-n1", "join", NULL, 6},
    {"join-ovn-cluster", "join", "ovn-cluster-join", PL_PORT_NONE},
    {"join-gw1", "join", "gw1-join", PL_PORT_NONE},
    {"ln-external", "external", NULL, 7},
    {"ln-vlan", "external", NULL, PL_PORT_NONE},
    {"external-ovn-cluster", "external", "ovn-cluster-external", PL_PORT_NONE},
    {"ovn-cluster-ovn-default", "ovn-cluster", "ovn-default-ovn-cluster", PL_PORT_NONE},
    {"ovn-cluster-join", "ovn-cluster", "join-ovn-cluster", PL_PORT_NONE},
    {"ovn-cluster-external", "ovn-cluster", "external-ovn-cluster", PL_PORT_NONE},
    {"cr-ovn-cluster-external", "ovn-cluster", NULL, PL_PORT_NONE},
    {"cr-ovn-cluster-join", "ovn-cluster", NULL, PL_PORT_NONE},
    {"gw1-join", "gw1", "join-gw1", PL_PORT_NONE},
};
#define N_CPORTS (sizeof(cports) / sizeof(cports[0]))
static const char *const groups[] = {"_MC_flood",	  "_MC_flood_l2",	"_MC_unknown",
				     "_MC_mrouter_flood", "_MC_mrouter_static", "_MC_static"};
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

static int64_t dp_key_of(const char *name)
{
	size_t i;
	json_t *d;
	json_array_foreach (json_object_get(corpus, "datapaths"), i, d)
		if (!strcmp(json_string_value(json_object_get(d, "name")), name))
			return json_integer_value(json_object_get(d, "key"));
	return -1;
}

struct cctx {
	json_t *flow;
	int64_t dp;
	const char **buf;
	bool router;
};

static int64_t corpus_port(void *aux, const char *name)
{
	const struct cctx *c = aux;
	for (size_t i = 0; i < N_CPORTS; i++)
		if (strcmp(cports[i].name, name) == 0)
			return dp_key_of(cports[i].dp) == c->dp ? (int64_t)i + 1 : -1;
	for (size_t i = 0; i < N_GROUPS; i++)
		if (strcmp(groups[i], name) == 0)
			return 32768 + (int64_t)i;
	return -1;
}

static bool corpus_resident(void *aux, const char *name)
{
	(void)aux;
	return strcmp(name, "cr-ovn-cluster-join") != 0; /* one gateway port elsewhere */
}

static int members(struct cctx *c, json_t *arr, const char *const **m, size_t *n)
{
	size_t k = json_array_size(arr);
	free(c->buf);
	c->buf = calloc(k ? k : 1, sizeof(*c->buf));
	for (size_t i = 0; i < k; i++)
		c->buf[i] = json_string_value(json_array_get(arr, i));
	*m = c->buf;
	*n = k;
	return 0;
}

static int addr_set(void *arg, const char *name, const char *const **m, size_t *n)
{
	json_t *as = json_object_get(json_object_get(corpus, "address_sets"), name);
	return as ? members(arg, as, m, n) : -1;
}

static int port_group(void *arg, const char *name, const char *const **m, size_t *n)
{
	struct cctx *c = arg;
	char full[512];
	snprintf(full, sizeof(full), "%lld_%s", (long long)c->dp, name);
	json_t *pg = json_object_get(json_object_get(corpus, "port_groups"), full);
	if (pg == NULL)
		pg = json_object_get(json_object_get(corpus, "port_groups"), name);
	return pg ? members(c, pg, m, n) : -1;
}

/* stage names by (router?, pipeline, table), from the corpus */
static const char *stage_names[2][2][64];

static const char *stage_of(const void *aux, enum lflow_pipeline p, int table)
{
	const struct cctx *c = aux;
	if (table < 0 || table >= 64)
		return NULL;
	return stage_names[c->router][p == LFLOW_P_EGRESS][table];
}

static bool flow_on(json_t *f, const char *dp)
{
	size_t i;
	json_t *d;
	json_array_foreach (json_object_get(f, "datapaths"), i, d)
		if (strcmp(json_string_value(d), dp) == 0)
			return true;
	return false;
}

static int cmp_prio(const void *a, const void *b)
{
	int pa = (int)json_integer_value(json_object_get(*(json_t *const *)a, "priority"));
	int pb = (int)json_integer_value(json_object_get(*(json_t *const *)b, "priority"));
	return pb - pa;
}

/* corpus_gen's generation replaces corpus_prev (plb_set_prev) and leaves out its flow number
 * corpus_skip (counted over the flows it adds; -1: none) */
static const struct pl_gen *corpus_prev;
static long corpus_skip = -1;

static struct pl_gen *corpus_gen(unsigned *n_flows)
{
	long seq = 0;
	json_t *flows = json_object_get(corpus, "flows"), *f, *d;
	size_t i, j;
	*n_flows = 0;
	json_array_foreach (flows, i, f) {
		const char *st = json_string_value(json_object_get(f, "stage"));
		int t = (int)json_integer_value(json_object_get(f, "table"));
		bool eg = strcmp(json_string_value(json_object_get(f, "pipeline")), "egress") == 0;
		if (t >= 0 && t < 64)
			stage_names[strncmp(st, "lr_", 3) == 0][eg][t] = st;
	}
	struct plb *b = plb_new(1);
	assert_non_null(b);
	plb_set_prev(b, corpus_prev);
	json_t **sel = calloc(json_array_size(flows), sizeof(*sel));
	assert_non_null(sel);
	json_array_foreach (json_object_get(corpus, "datapaths"), j, d) {
		const char *dpn = json_string_value(json_object_get(d, "name"));
		struct cctx c = {.dp = json_integer_value(json_object_get(d, "key"))};
		json_array_foreach (flows, i, f)
			if (flow_on(f, dpn)) {
				c.router = strncmp(json_string_value(json_object_get(f, "stage")),
						   "lr_", 3) == 0;
				break;
			}
		assert_true(plb_dp(b, c.dp, dpn, c.router ? PL_DP_ROUTER : PL_DP_SWITCH) >= 0);
		for (int eg = 0; eg < 2; eg++)
			for (int t = 0; t < 64; t++) {
				const char *name = stage_names[c.router][eg][t];
				if (name == NULL)
					continue;
				assert_true(plb_stage(b, eg, (unsigned)t, name) >= 0);
				size_t n = 0;
				json_array_foreach (flows, i, f)
					if (flow_on(f, dpn) &&
					    strcmp(json_string_value(json_object_get(f, "stage")),
						   name) == 0)
						sel[n++] = f;
				qsort(sel, n, sizeof(*sel), cmp_prio);
				for (size_t k = 0; k < n; k++) {
					struct lflow_act_params pp = {
					    .pipeline = eg ? LFLOW_P_EGRESS : LFLOW_P_INGRESS,
					    .cur_table = t,
					    .stage_name = stage_of,
					    .aux = &c};
					struct lf_expr_ctx ec = {.addr_set = addr_set,
								 .port_group = port_group,
								 .arg = &c};
					struct plb_resolve r = {corpus_port, corpus_resident, &c};
					char *err = NULL;
					size_t pos;
					struct lf_match m;
					const char *act =
					    json_string_value(json_object_get(sel[k], "actions"));
					const char *mt =
					    json_string_value(json_object_get(sel[k], "match"));
					struct lflow_prog *p =
					    lflow_act_parse(act, &pp, &err, &pos);
					if (p == NULL) {
						free(err);
						continue; /* brintd skips it too */
					}
					if (seq++ == corpus_skip) {
						lflow_prog_free(p);
						continue;
					}
					if (lf_match_compile(mt, &ec, NULL, &m, &err, &pos) < 0)
						fail_msg("%s: %s", mt, err);
					assert_true(
					    plb_flow(b,
						     (int)json_integer_value(
							 json_object_get(sel[k], "priority")),
						     p) >= 0);
					assert_int_equal(plb_match(b, &m, &r), 0);
					lf_match_free(&m);
					lflow_prog_free(p);
					(*n_flows)++;
				}
			}
		free(c.buf);
	}
	free(sel);
	for (size_t i2 = 0; i2 < N_CPORTS; i2++) {
		int p = plb_port(b, cports[i2].name, dp_key_of(cports[i2].dp), (int64_t)i2 + 1,
				 cports[i2].peer ? PL_PT_PATCH : PL_PT_VIF, cports[i2].local);
		assert_true(p >= 0);
		if (strncmp(cports[i2].name, "pod", 3) == 0) {
			plb_psec(b, 0x000000001002ULL + i2);
			plb_psec_ip4(b, 0x0a100002 + (uint32_t)i2, 0xffffffff);
		}
	}
	for (size_t i2 = 0; i2 < N_CPORTS; i2++)
		for (size_t k = 0; cports[i2].peer && k < N_CPORTS; k++)
			if (strcmp(cports[k].name, cports[i2].peer) == 0)
				plb_port_peer(b, (int)i2, (int)k);
	json_array_foreach (json_object_get(corpus, "datapaths"), j, d) {
		const char *dpn = json_string_value(json_object_get(d, "name"));
		for (size_t gi = 0; gi < N_GROUPS; gi++) {
			assert_true(
			    plb_mcgroup(b, groups[gi], dp_key_of(dpn), 32768 + (int64_t)gi) >= 0);
			for (size_t i2 = 0; i2 < N_CPORTS; i2++)
				if (strcmp(cports[i2].dp, dpn) == 0)
					assert_int_equal(plb_mc_member(b, (int)i2), 0);
		}
	}
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);
	assert_non_null(g->index);
	return g;
}

/* a random packet: a base of a random kind, then fields set to values the terms compare */
static void random_key(const struct pl_gen *g, struct dp_key *k)
{
	static const uint16_t locals[] = {1, 2, 3, 4, 5, 6, 7, 99};
	memset(k, 0, sizeof(*k));
	k->in_port = locals[rnd() % 8];
	uint8_t *b = (uint8_t *)&k->f;
	for (size_t i = 0; i < sizeof(k->f); i++)
		b[i] = (uint8_t)rnd();
	k->f.vlan_tci = 0;
	k->f.nw_frag = 0;
	switch (rnd() % 4) {
	case 0:
		k->f.eth_type = 0x0806;
		k->f.nw_proto = 1;
		k->f.arp_op = __builtin_bswap16(1);
		break;
	case 1:
		k->f.eth_type = 0x86dd;
		k->f.nw_proto = rnd() % 2 ? 58 : 17;
		break;
	default:
		k->f.eth_type = 0x0800;
		k->f.nw_proto = (uint8_t[]){1, 6, 17}[rnd() % 3];
		break;
	}
	k->f.nw_ttl = (uint8_t)(rnd() % 3 ? 64 : rnd() % 2);
	if (k->in_port >= 1 && k->in_port <= 4 && rnd() % 4) {
		/* mostly through the pods' port security (corpus_gen: MAC and IPv4 by index) */
		unsigned i = k->in_port - 1;
		plt_mac(k->f.eth_src, 0x000000001002ULL + i);
		k->f.ip4_src = __builtin_bswap32(0x0a100002 + i);
		plt_mac(k->f.arp_sha, 0x000000001002ULL + i);
	}
	unsigned n = (unsigned)(rnd() % 24);
	for (unsigned i = 0; i < n && g->n_terms; i++) {
		const struct pl_term *t = &g->terms[rnd() % g->n_terms];
		if (lfield_in_key((enum lf_mf)t->mf) && t->mf != LF_MF_ETH_TYPE &&
		    t->mf != LF_MF_VLAN_TCI)
			lfield_set(k, (enum lf_mf)t->mf, t->value, t->mask);
	}
}

static void test_corpus(void **state)
{
	(void)state;
	json_error_t je;
	corpus = json_load_file(corpus_path, 0, &je);
	if (corpus == NULL)
		fail_msg("%s: %s", corpus_path, je.text);
	unsigned n_flows, outputs = 0;
	struct mstats ms = {{0, 0}, {0, 0}, {0, 0}};
	struct pl_gen *g = corpus_gen(&n_flows);
	assert_true(n_flows > 400);
	assert_true(g->index->n_indexed_stages > 10);
	/* the hashed port, group and datapath lookups find what a linear search finds */
	for (unsigned i = 0; i < g->n_ports; i++) {
		const struct pl_port *p = &g->ports[i];
		assert_ptr_equal(pl_port_by_key(g, p->dp, p->key), p);
		assert_ptr_equal(pl_port_by_name(g, p->dp, p->name), p);
		assert_null(pl_port_by_name(g, p->dp + 100, p->name));
	}
	for (unsigned i = 0; i < g->n_mcgroups; i++) {
		const struct pl_mcgroup *m = &g->mcgroups[i];
		assert_ptr_equal(pl_mcgroup_by_key(g, m->dp, m->key), m);
		assert_ptr_equal(pl_mcgroup_by_name(g, m->dp, m->name), m);
	}
	for (unsigned i = 0; i < g->n_dps; i++)
		assert_ptr_equal(pl_dp(g, g->dps[i].key), &g->dps[i]);
	assert_null(pl_dp(g, 999));
	assert_null(pl_port_by_name(g, g->dps[0].key, "no-such-port"));
	assert_null(pl_port_by_key(g, g->dps[0].key, 4242));
	assert_null(pl_mcgroup_by_name(g, g->dps[0].key, "_MC_none"));
	printf("corpus: %u flows, %u rules, %u terms; %u of %u stages indexed\n", g->n_flows,
	       g->n_rules, g->n_terms, g->index->n_indexed_stages, g->index->n_sidx);
	for (unsigned i = 0; i < 6000; i++) {
		struct dp_key k;
		struct result r;
		random_key(g, &k);
		compare(g, &k, i % 10 == 0 ? 8 : 1, &ms);
		run(g, TREE, &k, &r);
		outputs += strstr(r.text, "output:") != NULL;
	}
	printf("6000 packets: %u with an output\n", outputs);
	print_mstats("corpus", &ms);
	assert_true(outputs > 100); /* the random packets do go places */
	pl_gen_free(g);
	json_decref(corpus);
}

/* g's index, taken partly from the previous generation's, is the one built from scratch */
static void assert_index_fresh(struct pl_gen *g)
{
	struct pl_index *a = g->index, *b;
	g->index = NULL;
	assert_true(pl_index_build(g));
	b = g->index;
	assert_int_equal(b->n_reused_stages, 0);
	assert_int_equal(a->n_sidx, b->n_sidx);
	assert_int_equal(a->n_ents, b->n_ents);
	assert_int_equal(a->n_nodes, b->n_nodes);
	assert_int_equal(a->n_buckets, b->n_buckets);
	assert_int_equal(a->n_guards, b->n_guards);
	assert_int_equal(a->n_index_nodes, b->n_index_nodes);
	assert_int_equal(a->n_indexed_stages, b->n_indexed_stages);
	for (uint32_t i = 0; i < a->n_ents; i++) {
		const struct pl_sent *x = &a->ents[i], *y = &b->ents[i];
		assert_int_equal(x->rule, y->rule);
		assert_int_equal(x->flow, y->flow);
		assert_int_equal(x->tfirst, y->tfirst);
		assert_int_equal(x->tn, y->tn);
		assert_int_equal(x->ndims, y->ndims);
		assert_int_equal(x->nstage, y->nstage);
		assert_int_equal(x->negress, y->negress);
		assert_int_equal(x->only_next, y->only_next);
	}
	for (uint32_t i = 0; i < a->n_buckets; i++) {
		const struct pl_bucket *x = &a->buckets[i], *y = &b->buckets[i];
		assert_true(x->v == y->v && x->node == y->node && x->list == y->list &&
			    x->n_list == y->n_list);
	}
	assert_memory_equal(a->nodes, b->nodes, a->n_nodes * sizeof(*a->nodes));
	if (g->n_terms) /* the decoded terms too */
		assert_memory_equal(a->fterms, b->fterms, g->n_terms * sizeof(*a->fterms));
	if (a->n_guards)
		assert_memory_equal(a->guards, b->guards, a->n_guards * sizeof(*a->guards));
	for (uint32_t i = 0; i < a->n_sidx; i++) {
		const struct pl_sidx *x = &a->sidx[i], *y = &b->sidx[i];
		assert_memory_equal(&x->root, &y->root, sizeof(x->root));
		assert_true(x->all == y->all && x->n_all == y->n_all && x->jump_n == y->jump_n &&
			    x->jump_egress == y->jump_egress && x->exists == y->exists &&
			    x->jump_stage == y->jump_stage);
	}
	/* the decoded actions too (taken from the previous generation, or decoded) */
	assert_int_equal(a->n_adec, b->n_adec);
	assert_int_equal(a->n_adec_fast, b->n_adec_fast);
	assert_memory_equal(a->fadec, b->fadec, g->n_flows * sizeof(*a->fadec));
	if (a->n_adec)
		assert_memory_equal(a->adec, b->adec, a->n_adec * sizeof(*a->adec));
	pl_index_free(b);
	g->index = a;
}

/* A generation built over the previous one takes the stages whose rules did not change
 * from its index, and the result is the index built from scratch; the packets see the same. */
/* one instruction both ways from the same state: the same state, mask, result and end */
static void adec_both(struct pl_gen *g, const struct pl_datapath *dp, const struct pl_flow *fl,
		      const struct pl_aop *ad, uint32_t i, bool egress)
{
	struct pls s0;
	struct dp_key k, m0;
	memset(&s0, 0, sizeof(s0));
	random_key(g, &k);
	s0.pkt = k;
	for (unsigned r = 0; r < 16; r++)
		s0.reg[r] = (uint32_t)rnd();
	uint8_t *w = (uint8_t *)&s0.wrk, *m = (uint8_t *)&m0;
	for (size_t b = 0; b < sizeof(s0.wrk); b++) {
		w[b] = rnd() % 3 ? 0 : (uint8_t)rnd();
		m[b] = rnd() % 2 ? 0 : (uint8_t)rnd();
	}
	s0.wr_any = rnd() & rnd();
	for (unsigned n = 0; n < PLX_NK_N; n++)
		s0.nk[n] = rnd();
	s0.dp = dp;
	struct pls s[2];
	struct dp_key mask[2];
	struct plx x[2];
	struct pl_counters c[2];
	int rc[2];
	for (int j = 0; j < 2; j++) {
		memcpy(&s[j], &s0, sizeof(s0));
		mask[j] = m0;
		memset(&x[j], 0, sizeof(x[j]));
		memset(&c[j], 0, sizeof(c[j]));
		x[j].g = g;
		x[j].key = &k;
		x[j].mask = &mask[j];
		x[j].c = &c[j];
		rc[j] = plx_exec_list(&x[j], &s[j], fl->prog, j ? ad : NULL, i, 1, egress, 0);
	}
	assert_int_equal(rc[0], rc[1]);
	assert_memory_equal(&s[0], &s[1], sizeof(s[0]));
	assert_memory_equal(&mask[0], &mask[1], sizeof(mask[0]));
	assert_int_equal(x[0].failed, x[1].failed);
	assert_int_equal(x[0].fail, x[1].fail);
	assert_memory_equal(&c[0], &c[1], sizeof(c[0]));
}

static void test_corpus_adec(void **state)
{
	(void)state;
	json_error_t je;
	corpus = json_load_file(corpus_path, 0, &je);
	if (corpus == NULL)
		fail_msg("%s: %s", corpus_path, je.text);
	unsigned n_flows, n_ops[16] = {0};
	struct pl_gen *g = corpus_gen(&n_flows);
	const struct pl_index *ix = g->index;
	assert_non_null(ix->adec);
	for (unsigned d = 0; d < g->n_dps; d++)
		for (int eg = 0; eg < 2; eg++) {
			const struct pl_pipeline *pp = &g->dps[d].pipe[eg];
			for (unsigned st = 0; st < pp->n_stages; st++)
				for (uint32_t f = pp->stages[st].flows.first;
				     f < pp->stages[st].flows.first + pp->stages[st].flows.n; f++) {
					const struct pl_flow *fl = &g->flows[f];
					if (fl->prog == NULL)
						continue;
					assert_int_not_equal(ix->fadec[f], UINT32_MAX);
					const struct pl_aop *ad = &ix->adec[ix->fadec[f]];
					for (uint32_t i = 0; i < fl->prog->n_insns; i++) {
						n_ops[ad[i].op % 16]++;
						switch (ad[i].op) {
						case PL_AD_REG_SET:
						case PL_AD_KEY_SET:
						case PL_AD_MOVE:
						case PL_AD_EXCHANGE:
						case PL_AD_DEC_TTL:
						case PL_AD_CT_CLEAR:
							for (int t = 0; t < 8; t++)
								adec_both(g, &g->dps[d], fl, ad, i,
									  eg);
							break;
						default: break;
						}
					}
				}
		}
	printf("decoded: %u of %u instructions (reg loads %u, key loads %u, moves %u, "
	       "exchanges %u, outputs %u, port security %u, dec_ttl %u, ct_clear %u)\n",
	       ix->n_adec_fast, ix->n_adec, n_ops[PL_AD_REG_SET], n_ops[PL_AD_KEY_SET],
	       n_ops[PL_AD_MOVE], n_ops[PL_AD_EXCHANGE], n_ops[PL_AD_OUTPUT],
	       n_ops[PL_AD_PSEC_IN] + n_ops[PL_AD_PSEC_OUT], n_ops[PL_AD_DEC_TTL],
	       n_ops[PL_AD_CT_CLEAR]);
	/* the corpus has each kind the interpreter meets most */
	assert_true(n_ops[PL_AD_REG_SET] > 100 && n_ops[PL_AD_KEY_SET] > 10 &&
		    n_ops[PL_AD_MOVE] > 10 && n_ops[PL_AD_OUTPUT] > 0 && n_ops[PL_AD_DEC_TTL] > 0);
	pl_gen_free(g);
	json_decref(corpus);
}

/* rd() and wr() on every key field, random states, bits and values, against lfield.c */
static void test_rd_wr_windows(void **state)
{
	(void)state;
	unsigned n_win = 0;
	for (int mf = 0; mf < LF_MF_N; mf++) {
		if (!lfield_in_key((enum lf_mf)mf))
			continue;
		n_win += lfield_locs[mf].win.ok;
		for (int t = 0; t < 2000; t++) {
			struct pls s, r;
			struct dp_key m, mr;
			struct plx x;
			memset(&s, 0, sizeof(s));
			uint8_t *a = (uint8_t *)&s.pkt, *w = (uint8_t *)&s.wrk, *mb = (uint8_t *)&m;
			for (size_t b = 0; b < sizeof(s.pkt); b++) {
				a[b] = (uint8_t)rnd();
				w[b] = rnd() % 2 ? 0 : (uint8_t)rnd();
				mb[b] = rnd() % 2 ? 0 : (uint8_t)rnd();
			}
			s.wr_any = rnd();
			r = s;
			mr = m;
			memset(&x, 0, sizeof(x));
			x.mask = &m;
			lf_u128 bits = (lf_u128)rnd() << 64 | rnd(),
				v = (lf_u128)rnd() << 64 | rnd();
			if (t % 3 == 0)
				bits = ~(lf_u128)0;
			/* the reference: lfield.c's generic functions */
			lf_u128 wb = (r.wr_any >> mf) & 1 ? lfield_get(&r.wrk, (enum lf_mf)mf) : 0;
			assert_true(wr_bits(&s, (enum lf_mf)mf) == wb);
			lfield_mask(&mr, (enum lf_mf)mf, bits & ~wb);
			lf_u128 want = lfield_get(&r.pkt, (enum lf_mf)mf) & bits;
			assert_true(rd(&x, &s, (enum lf_mf)mf, bits) == want);
			assert_memory_equal(&m, &mr, sizeof(m));
			wr(&s, (enum lf_mf)mf, v, bits);
			lfield_set(&r.pkt, (enum lf_mf)mf, v, bits);
			r.wr_any |= (uint64_t)1 << mf;
			lfield_mask(&r.wrk, (enum lf_mf)mf, bits);
			assert_memory_equal(&s, &r, sizeof(s));
		}
	}
	assert_true(n_win >= 20); /* every field but the 16-byte ones */
}

static void test_corpus_reuse(void **state)
{
	(void)state;
	json_error_t je;
	corpus = json_load_file(corpus_path, 0, &je);
	if (corpus == NULL)
		fail_msg("%s: %s", corpus_path, je.text);
	unsigned n_flows, n2;
	struct mstats ms = {{0, 0}, {0, 0}, {0, 0}};
	corpus_prev = NULL;
	corpus_skip = -1;
	struct pl_gen *g1 = corpus_gen(&n_flows);
	assert_int_equal(g1->index->n_reused_stages, 0);
	/* the same flows: every stage taken over */
	corpus_prev = g1;
	struct pl_gen *g2 = corpus_gen(&n2);
	assert_int_equal(n2, n_flows);
	assert_int_equal(g2->index->n_reused_stages, g2->index->n_sidx);
	assert_true(pl_gen_equal(g1, g2));
	assert_index_fresh(g2);
	for (unsigned i = 0; i < g2->n_flows; i++) /* the program copies are shared */
		assert_ptr_equal(g2->flows[i].prog, g1->flows[i].prog);
	/* a flow left out in the middle: its stage built again, the others (later ones at
	 * other positions) taken over */
	for (long skip = 1; skip < (long)n_flows; skip += (long)n_flows / 7) {
		corpus_prev = g2;
		corpus_skip = skip;
		struct pl_gen *g3 = corpus_gen(&n2);
		assert_int_equal(n2 + 1, n_flows);
		assert_true(g3->index->n_reused_stages > 0);
		assert_true(g3->index->n_reused_stages < g3->index->n_sidx);
		assert_index_fresh(g3);
		/* and back: built over g3, the stage that lost its flow is built again */
		corpus_prev = g3;
		corpus_skip = -1;
		struct pl_gen *g4 = corpus_gen(&n2);
		assert_true(g4->index->n_reused_stages < g4->index->n_sidx);
		assert_index_fresh(g4);
		assert_true(pl_gen_equal(g4, g1));
		for (unsigned i = 0; i < 300; i++) {
			struct dp_key k;
			random_key(g3, &k);
			compare(g3, &k, 1, &ms);
		}
		/* g4 shares programs with g3 and g2: they stay when g3 goes */
		pl_gen_free(g3);
		for (unsigned i = 0; i < 300; i++) {
			struct dp_key k;
			random_key(g4, &k);
			compare(g4, &k, 1, &ms);
		}
		pl_gen_free(g4);
	}
	corpus_prev = NULL;
	corpus_skip = -1;
	pl_gen_free(g2);
	pl_gen_free(g1);
	json_decref(corpus);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_pl_index CORPUS.json\n");
		return 2;
	}
	corpus_path = argv[1];
	if (getenv("BRINT_TEST_SEED")) /* other packets than the default run's */
		rng = strtoull(getenv("BRINT_TEST_SEED"), NULL, 0) | 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_interleaved),	  cmocka_unit_test(test_written_field),
	    cmocka_unit_test(test_big_flood),	  cmocka_unit_test(test_corpus),
	    cmocka_unit_test(test_corpus_reuse),  cmocka_unit_test(test_corpus_adec),
	    cmocka_unit_test(test_rd_wr_windows), cmocka_unit_test(test_pass_through),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
