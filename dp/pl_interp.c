/* SPDX-License-Identifier: Apache-2.0 */
/* The interpreter's entry points in key mode (see pl_interp.h; its files are listed in plx.h):
 * one run from the input port's datapath, a second one when the first met check_pkt_larger,
 * and the learn events first in the action list. */
#include "plx.h"

/* The learn events go first in the list (before any output takes the packet away), and stay
 * in a list that ends in a drop. */
static int put_learns(struct plx *x)
{
	struct dpa_buf *b = x->acts;
	uint32_t need = x->n_learns * (uint32_t)sizeof(struct dpa_learn);
	if (x->n_learns == 0)
		return 0;
	if (b->len + need > b->cap)
		return -1;
	memmove(b->data + need, b->data, b->len);
	struct dpa_buf front = {.data = b->data, .len = 0, .cap = need};
	for (unsigned i = 0; i < x->n_learns; i++)
		if (dpa_put_learn(&front, &x->learns[i]) < 0)
			return -1;
	b->len += need;
	return 0;
}
static int run(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
	       struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg,
	       uint64_t *deps);

int pl_run(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
	   struct dpa_buf *acts, struct pl_counters *c)
{
	return run(g, k, mask, acts, c, NULL, NULL, NULL);
}

int pl_run_deps(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
		struct dpa_buf *acts, struct pl_counters *c, uint64_t *deps)
{
	return run(g, k, mask, acts, c, NULL, NULL, deps);
}

int pl_run_traced(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
		  struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg)
{
	return run(g, k, mask, acts, c, fn, arg, NULL);
}

/* what a key-mode run met of check_pkt_larger */
struct len_seen {
	bool seen, conflict;
	uint32_t limit;
};

static int run_once(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
		    struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg,
		    uint64_t *deps, bool larger, struct len_seen *ls);
static int run_body(struct plx *x, const struct dp_key *k, uint64_t *deps);

/* One run answering check_pkt_larger "not larger"; if it met one, a second answering
 * "larger", and the two lists put under one check_len (one list if both are the same). */
static int run(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
	       struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg,
	       uint64_t *deps)
{
	struct len_seen l1 = {0}, l2 = {0};
	uint64_t buf2[PL_LEN_ACTS / 8];
	struct dpa_buf acts2 = {.data = (uint8_t *)buf2, .cap = sizeof(buf2)};
	struct dp_key mask2;
	uint64_t deps2 = 0;
	int rc = run_once(g, k, mask, acts, c, fn, arg, deps, false, &l1);

	if (rc < 0 || !l1.seen)
		return rc;
	if (l1.conflict) {
		c->len_conflicts++;
		return rc; /* the run ended in DPA_SLOWPATH */
	}
	if (acts2.cap > acts->cap)
		acts2.cap = acts->cap;
	rc = run_once(g, k, &mask2, &acts2, c, NULL, NULL, deps ? &deps2 : NULL, true, &l2);
	/* every key bit either run read: a key under the union takes both runs' decisions */
	for (size_t i = 0; i < sizeof(*mask); i++)
		((uint8_t *)mask)[i] |= ((const uint8_t *)&mask2)[i];
	if (deps)
		*deps |= deps2;
	if (rc < 0)
		return rc;
	if (l2.conflict) {
		c->len_conflicts++;
		acts->len = 0;
		return dpa_put_simple(acts, DPA_SLOWPATH, 0, 0) < 0 ? -1 : 0;
	}
	if (acts2.len == acts->len && memcmp(acts2.data, acts->data, acts->len) == 0)
		return 0; /* the length changes nothing (e.g. both send to packet mode) */
	c->len_flows++;
	return dpa_wrap_check_len(acts, l1.limit, acts2.data, acts2.len);
}

static int run_once(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
		    struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg,
		    uint64_t *deps, bool larger, struct len_seen *ls)
{
	struct plx x; /* zeros but the packet as emitted (the key) and the learn events (none) */
	memset(&x, 0, offsetof(struct plx, committed));
	x.g = g;
	x.key = k;
	x.mask = mask;
	x.acts = acts;
	x.c = c;
	x.committed = *k;
	x.trace = fn;
	x.trace_arg = arg;
	x.len_larger = larger;
	int rc = run_body(&x, k, deps);
	ls->seen = x.len_seen;
	ls->conflict = x.len_conflict;
	ls->limit = x.len_limit;
	return rc;
}

static int run_body(struct plx *x, const struct dp_key *k, uint64_t *deps)
{
	const struct pl_gen *g = x->g;
	struct dp_key *mask = x->mask;
	struct dpa_buf *acts = x->acts;
	struct pl_counters *c = x->c;
	const struct pl_port *in;

	memset(mask, 0, sizeof(*mask));
	mask->in_port = UINT32_MAX;
	mask->recirc = UINT32_MAX;
	acts->len = 0;
	c->runs++;
	if (deps)
		*deps = UINT64_MAX; /* unbound input port: any binding may change the answer */
	if (g->n_hosts && plx_host_path(x, k))
		return x->overflow ? -1 : 0;
	in = k->in_port <= UINT16_MAX ? pl_port_local(g, (uint16_t)k->in_port) : NULL;
	if (in == NULL && k->in_port <= UINT16_MAX && pl_is_provider(g, (uint16_t)k->in_port)) {
		in = plx_localnet_start(x, k);
		if (in == NULL && x->n_out)
			return x->overflow ? -1
					   : 0; /* a broadcast only the node's interface takes */
		if (in == NULL)
			return dpa_put_simple(acts, DPA_DROP, BRINT_DROP_UNKNOWN_VLAN, 0);
	}
	const struct pl_datapath *dp = in ? pl_dp(g, in->dp) : NULL;
	if (dp == NULL) {
		c->no_binding++;
		acts->len = 0;
		return dpa_put_simple(acts, DPA_DROP, BRINT_DROP_NO_PIPELINE, 0);
	}
	struct pls s; /* the key, and zeros (field by field: no copy of a zero state) */
	s.pkt = *k;
	memset(&s.wrk, 0, sizeof(s.wrk));
	memset(s.reg, 0, sizeof(s.reg));
	s.wr_any = 0;
	memset(s.nk, 0, sizeof(s.nk));
	s.pkt.f.vlan_tci = x->committed.f.vlan_tci; /* a localnet's tag is off */
	s.dp = dp;
	s.reg[14] = (uint32_t)in->key;
	x->deps = pl_dp_bit(dp->key);
	plx_run_stage_own(x, &s, false, 0);
	if (deps)
		*deps = x->deps;
	if (x->slowpath) {
		/* the mask read up to the action: every packet under it reaches it; the learn
		 * events met on the way go first, as in any megaflow */
		acts->len = 0;
		c->slowpath_flows++;
		/* no DPA_LEARN here: packet mode runs every packet through the whole pipeline
		 * again and posts all the learn events it meets (before the action or after) */
		return dpa_put_simple(acts, DPA_SLOWPATH, 0, 0) < 0 ? -1 : 0;
	}
	if (x->overflow)
		return -1;
	if (x->n_out == 0) {
		acts->len = 0;
		if (put_learns(x) < 0)
			return -1;
		return dpa_put_simple(acts, DPA_DROP, x->failed ? x->fail : BRINT_DROP_LFLOW_DROP,
				      0);
	}
	return put_learns(x);
}
