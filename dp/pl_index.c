/* SPDX-License-Identifier: Apache-2.0 */
/* Building a generation's lookup indexes: see pl_index.h (what they are and why the megaflow
 * mask stays right). Control thread only, once per generation. */
#include "pl_index.h"
#include "lfield.h"

#include <stdlib.h>
#include <string.h>

#define MIN_INDEXED_RULES 3  /* fewer rules are scanned */
#define MAX_INDEX_DEPTH	  5  /* index nodes on a path: the lookup follows at most 2^5 nodes */
#define MAX_CANDIDATES	  64 /* (field, mask) pairs considered per index node */

static uint64_t load64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- terms ---- */

static void fterm_build(const struct pl_term *t, struct pl_fterm *f)
{
	enum lf_mf mf = (enum lf_mf)t->mf;

	memset(f, 0, sizeof(*f));
	f->kind = PL_FT_SLOW;
	f->neg = t->neg;
	f->mf = (uint8_t)mf;
	if (mf >= LF_MF_REG0 && mf <= LF_MF_REG15) {
		if ((t->value >> 32) != 0)
			return; /* never equal to a 32-bit register: the general path says so */
		f->kind = PL_FT_REG;
		f->ofs[0] = (uint16_t)(mf - LF_MF_REG0);
		f->m[0] = (uint32_t)t->mask;
		f->v[0] = (uint32_t)t->value & (uint32_t)t->mask;
		return;
	}
	if (!lfield_in_key(mf) || mf >= 256)
		return;
	struct dp_key mk, vk;
	memset(&mk, 0, sizeof(mk));
	memset(&vk, 0, sizeof(vk));
	lfield_mask(&mk, mf, t->mask);
	lfield_set(&vk, mf, t->value, t->mask);
	/* a value with bits the field does not have: leave it to the general path */
	if (lfield_get(&vk, mf) != t->value)
		return;
	const uint8_t *mb = (const uint8_t *)&mk, *vb = (const uint8_t *)&vk;
	int lo = -1, hi = -1;
	for (int i = 0; i < (int)sizeof(mk); i++)
		if (mb[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	f->kind = PL_FT_KEY;
	if (lo < 0)
		return; /* no bit compared: always equal, nothing read */
	unsigned w0 = (unsigned)lo < sizeof(mk) - 8 ? (unsigned)lo : sizeof(mk) - 8;
	f->ofs[0] = (uint16_t)w0;
	f->m[0] = load64(mb + w0);
	f->v[0] = load64(vb + w0) & f->m[0];
	f->nw = 1;
	if ((unsigned)hi >= w0 + 8) {
		unsigned w1 = w0 + 8 < sizeof(mk) - 8 ? w0 + 8 : sizeof(mk) - 8;
		f->ofs[1] = (uint16_t)w1;
		f->m[1] = load64(mb + w1);
		f->v[1] = load64(vb + w1) & f->m[1];
		f->nw = 2;
	}
}

/* ---- growing arrays ---- */

struct arr {
	void **p;
	uint32_t *n, cap;
	size_t elem;
};

static bool push(struct arr *a, const void *e)
{
	if (*a->n == a->cap) {
		uint32_t nc = a->cap ? a->cap * 2 : 64;
		void *np = realloc(*a->p, (size_t)nc * a->elem);
		if (np == NULL)
			return false;
		*a->p = np;
		a->cap = nc;
	}
	memcpy((char *)*a->p + (size_t)*a->n * a->elem, e, a->elem);
	(*a->n)++;
	return true;
}

/* ---- stages: a tree of index nodes over the stage's rules ---- */

struct cand {
	uint8_t kind, mf;
	uint16_t ofs;
	uint64_t m;
	uint32_t bucketed, cost;
	uint32_t have, last; /* rules with a term on it (counted once per rule), the last one */
};

static bool indexable(const struct pl_fterm *f)
{
	return !f->neg && ((f->kind == PL_FT_KEY && f->nw == 1) || f->kind == PL_FT_REG);
}

static bool same_cand(const struct cand *c, const struct pl_fterm *f)
{
	return c->kind == f->kind && c->mf == f->mf && c->ofs == f->ofs[0] && c->m == f->m[0];
}

/* the rule's term on c's (field, mask), or NULL */
static const struct pl_fterm *rule_term(const struct pl_index *ix, const struct pl_sent *e,
					const struct cand *c)
{
	for (uint32_t i = 0; i < e->tn; i++) {
		const struct pl_fterm *f = &ix->fterms[e->tfirst + i];
		if (indexable(f) && same_cand(c, f))
			return f;
	}
	return NULL;
}

struct vpos {
	uint64_t v;
	uint32_t ent;
};

static int cmp_vpos(const void *a, const void *b)
{
	const struct vpos *x = a, *y = b;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->ent < y->ent ? -1 : x->ent > y->ent;
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

struct builder {
	struct pl_index *ix;
	const struct pl_gen *g;
	struct arr ents, buckets, nodes, guards;
};

static bool same_term(const struct pl_term *a, const struct pl_term *b)
{
	return a->mf == b->mf && a->neg == b->neg && a->value == b->value && a->mask == b->mask;
}

/* the terms of the first bucketed rule (besides the index term) that every other bucketed
 * rule has too; g[] gets term numbers, the count is returned */
static uint32_t guard_of(const struct pl_gen *g, const struct pl_index *ix, const struct vpos *vp,
			 uint32_t k, const struct cand *c, uint32_t *gd, uint32_t max)
{
	uint32_t n = 0;
	if (k == 0)
		return 0;
	const struct pl_sent *e0 = &ix->ents[vp[0].ent];
	const struct pl_fterm *it = rule_term(ix, e0, c);
	for (uint32_t t = 0; t < e0->tn && n < max; t++) {
		uint32_t ti = e0->tfirst + t;
		if (&ix->fterms[ti] == it)
			continue;
		bool all = true;
		for (uint32_t i = 1; i < k && all; i++) {
			const struct pl_sent *e = &ix->ents[vp[i].ent];
			bool has = false;
			for (uint32_t u = 0; u < e->tn && !has; u++)
				has = same_term(&g->terms[ti], &g->terms[e->tfirst + u]);
			all = has;
		}
		if (all)
			gd[n++] = ti;
	}
	return n;
}

static bool guard_has(const struct pl_gen *g, const uint32_t *gd, uint32_t n, enum lf_mf mf,
		      lf_u128 mask)
{
	for (uint32_t i = 0; i < n; i++)
		if (g->terms[gd[i]].mf == mf && !g->terms[gd[i]].neg &&
		    g->terms[gd[i]].mask == mask)
			return true;
	return false;
}

enum pl_prereq pl_field_prereq(unsigned mf)
{
	switch ((enum lf_mf)mf) {
	case LF_MF_IP_PROTO:
	case LF_MF_IP_DSCP:
	case LF_MF_IP_ECN:
	case LF_MF_IP_TTL:
	case LF_MF_IP_FRAG:
	case LF_MF_IP4_SRC:
	case LF_MF_IP4_DST:
	case LF_MF_IP6_SRC:
	case LF_MF_IP6_DST:
	case LF_MF_IP6_LABEL:
	case LF_MF_ARP_OP:
	case LF_MF_ARP_SPA:
	case LF_MF_ARP_TPA:
	case LF_MF_ARP_SHA:
	case LF_MF_ARP_THA: return PL_PRE_ETH_TYPE;
	case LF_MF_ND_TARGET:
	case LF_MF_ND_SLL:
	case LF_MF_ND_TLL:
	case LF_MF_ICMP_TYPE:
	case LF_MF_ICMP_CODE: return PL_PRE_IP_PROTO;
	case LF_MF_L4_SRC:
	case LF_MF_L4_DST:
	case LF_MF_TCP_FLAGS: return PL_PRE_NEVER;
	default: return PL_PRE_NONE; /* Ethernet, registers */
	}
}

/* An index field is only read where the rules under the buckets make sense of it (see
 * pl_field_prereq and pl_index.h). */
static bool guard_enough(const struct pl_gen *g, const uint32_t *gd, uint32_t n, enum lf_mf mf)
{
	switch (pl_field_prereq(mf)) {
	case PL_PRE_NONE: return true;
	case PL_PRE_ETH_TYPE: return guard_has(g, gd, n, LF_MF_ETH_TYPE, 0xffff);
	case PL_PRE_IP_PROTO:
		return guard_has(g, gd, n, LF_MF_ETH_TYPE, 0xffff) &&
		       guard_has(g, gd, n, LF_MF_IP_PROTO, 0xff);
	default: return false;
	}
}

#define MAX_GUARD 16

/* c's rules (bucketed) and their values, sorted by (value, position) */
static uint32_t values_of(const struct pl_index *ix, const uint32_t *pos, uint32_t n,
			  const struct cand *c, struct vpos *vp)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct pl_fterm *f = rule_term(ix, &ix->ents[pos[i]], c);
		if (f)
			vp[k++] = (struct vpos){f->v[0], pos[i]};
	}
	qsort(vp, k, sizeof(*vp), cmp_vpos);
	return k;
}

/* The (field, mask) that leaves the fewest candidates in the worst case (the rules without
 * it plus the largest bucket); registers first on a tie (reading them widens no mask).
 * False if none gains enough to pay for a lookup. */
static bool choose(const struct pl_gen *g, const struct pl_index *ix, const uint32_t *pos,
		   uint32_t n, struct vpos *vp, struct cand *best)
{
	struct cand cands[MAX_CANDIDATES];
	unsigned n_cands = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct pl_sent *e = &ix->ents[pos[i]];
		for (uint32_t t = 0; t < e->tn; t++) {
			const struct pl_fterm *f = &ix->fterms[e->tfirst + t];
			if (!indexable(f))
				continue;
			unsigned c = 0;
			while (c < n_cands && !same_cand(&cands[c], f))
				c++;
			if (c == n_cands && n_cands < MAX_CANDIDATES)
				cands[n_cands++] = (struct cand){
				    f->kind, f->mf, f->ofs[0], f->m[0], 0, 0, 0, UINT32_MAX};
			if (c < n_cands && cands[c].last != i) {
				cands[c].have++;
				cands[c].last = i;
			}
		}
	}
	bool have = false;
	for (unsigned c = 0; c < n_cands; c++) {
		/* its cost is at least n - have + 1 (the rules without it, a bucket of one):
		 * when that cannot replace the best so far, the same one is chosen without
		 * sorting its values */
		uint32_t lb = n - cands[c].have + 1;
		if (have && (lb > best->cost || (lb == best->cost && !(cands[c].kind == PL_FT_REG &&
								       best->kind != PL_FT_REG))))
			continue;
		uint32_t k = values_of(ix, pos, n, &cands[c], vp), run = 0, max = 0;
		for (uint32_t i = 0; i < k; i++) {
			run = i && vp[i].v == vp[i - 1].v ? run + 1 : 1;
			max = run > max ? run : max;
		}
		cands[c].bucketed = k;
		cands[c].cost = n - k + max;
		if (cands[c].cost + 2 > n)
			continue;
		uint32_t gd[MAX_GUARD];
		uint32_t ng = guard_of(g, ix, vp, k, &cands[c], gd, MAX_GUARD);
		if (!guard_enough(g, gd, ng, (enum lf_mf)cands[c].mf))
			continue;
		if (!have || cands[c].cost < best->cost ||
		    (cands[c].cost == best->cost && cands[c].kind == PL_FT_REG &&
		     best->kind != PL_FT_REG)) {
			*best = cands[c];
			have = true;
		}
	}
	return have;
}

/* A node over the entries at positions pos (ascending rule order): a leaf listing them, or
 * an index on the best (field, mask) with a child per value and one for the rules without
 * it. *out: the node's number. */
static bool build_node(struct builder *b, const uint32_t *pos, uint32_t n, unsigned depth,
		       uint32_t *out)
{
	struct pl_index *ix = b->ix;
	struct pl_inode nd;
	struct cand best;
	bool ok = false;

	memset(&nd, 0, sizeof(nd));
	*out = ix->n_nodes;
	if (!push(&b->nodes, &nd))
		return false;
	struct vpos *vp = malloc((n ? n : 1) * sizeof(*vp));
	uint32_t *sub = malloc((n ? n : 1) * sizeof(*sub));
	if (vp == NULL || sub == NULL)
		goto done;
	if (n < MIN_INDEXED_RULES || depth >= MAX_INDEX_DEPTH ||
	    !choose(b->g, ix, pos, n, vp, &best)) {
		nd.list = ix->n_ents;
		nd.n_list = n;
		for (uint32_t i = 0; i < n; i++) {
			struct pl_sent e = ix->ents[pos[i]];
			if (!push(&b->ents, &e))
				goto done;
		}
		ix->nodes[*out] = nd;
		ok = true;
		goto done;
	}
	nd.indexed = 1;
	nd.kind = best.kind;
	nd.mf = best.mf;
	nd.ofs = best.ofs;
	nd.m = best.m;
	nd.rest = UINT32_MAX;
	nd.min_bucket_rule = UINT32_MAX;
	uint32_t k = values_of(ix, pos, n, &best, vp), n_rest = 0, n_vals = 0;
	uint32_t gd[MAX_GUARD];
	nd.n_guard = guard_of(b->g, ix, vp, k, &best, gd, MAX_GUARD);
	nd.guard = ix->n_guards;
	for (uint32_t i = 0; i < nd.n_guard; i++)
		if (!push(&b->guards, &gd[i]))
			goto done;
	for (uint32_t i = 0; i < n; i++)
		if (rule_term(ix, &ix->ents[pos[i]], &best) == NULL)
			sub[n_rest++] = pos[i];
	if (n_rest && !build_node(b, sub, n_rest, depth + 1, &nd.rest))
		goto done;
	if (n_rest && !ix->nodes[nd.rest].indexed) {
		nd.list = ix->nodes[nd.rest].list;
		nd.n_list = ix->nodes[nd.rest].n_list;
	}
	for (uint32_t i = 0; i < k; i++) {
		n_vals += i == 0 || vp[i].v != vp[i - 1].v;
		if (ix->ents[vp[i].ent].rule < nd.min_bucket_rule)
			nd.min_bucket_rule = ix->ents[vp[i].ent].rule;
	}
	nd.hmask = pow2_at_least(2 * n_vals) - 1;
	nd.buckets = ix->n_buckets;
	for (uint32_t i = 0; i <= nd.hmask; i++) {
		struct pl_bucket z = {0, UINT32_MAX, 0, 0};
		if (!push(&b->buckets, &z))
			goto done;
	}
	for (uint32_t i = 0; i < k;) {
		uint32_t j = i, m = 0;
		while (j < k && vp[j].v == vp[i].v)
			sub[m++] = vp[j++].ent; /* ascending: sorted by (value, position) */
		uint32_t child;
		if (!build_node(b, sub, m, depth + 1, &child))
			goto done;
		struct pl_bucket *t = &ix->buckets[nd.buckets];
		uint32_t h = (uint32_t)pl_index_hash(vp[i].v);
		while (t[h & nd.hmask].node != UINT32_MAX)
			h++;
		t[h & nd.hmask] = (struct pl_bucket){vp[i].v, child, ix->nodes[child].list,
						     ix->nodes[child].n_list};
		i = j;
	}
	nd.simple = nd.rest == UINT32_MAX || !ix->nodes[nd.rest].indexed;
	for (uint32_t i = 0; i <= nd.hmask && nd.simple; i++) {
		uint32_t c = ix->buckets[nd.buckets + i].node;
		nd.simple = c == UINT32_MAX || !ix->nodes[c].indexed;
	}
	ix->nodes[*out] = nd;
	ix->n_index_nodes++;
	ok = true;
done:
	free(vp);
	free(sub);
	return ok;
}

/* The stage's rules, flows and terms: the first of each and the end of its terms (the
 * rules' own terms and their alternatives' terms are one range per stage, as plb builds). */
static void stage_span(const struct pl_gen *g, const struct pl_stage *st, uint32_t *rule0,
		       uint32_t *n_rules, uint32_t *term0, uint32_t *n_terms)
{
	uint32_t r0 = UINT32_MAX, r1 = 0, t0 = UINT32_MAX, t1 = 0;
	for (uint32_t i = 0; i < st->flows.n; i++) {
		const struct pl_flow *f = &g->flows[st->flows.first + i];
		if (f->rules.n == 0)
			continue;
		if (f->rules.first < r0)
			r0 = f->rules.first;
		if (f->rules.first + f->rules.n > r1)
			r1 = f->rules.first + f->rules.n;
	}
	for (uint32_t r = r0; r0 != UINT32_MAX && r < r1; r++) {
		const struct pl_rule *ru = &g->rules[r];
		/* (an empty rule's position too: its entry keeps it) */
		t0 = ru->terms.first < t0 ? ru->terms.first : t0;
		t1 = ru->terms.first + ru->terms.n > t1 ? ru->terms.first + ru->terms.n : t1;
		for (uint32_t d = 0; d < ru->dims.n; d++) {
			const struct pl_range *dm = &g->dims[ru->dims.first + d];
			for (uint32_t a = 0; a < dm->n; a++) {
				const struct pl_range *al = &g->alts[dm->first + a];
				if (al->n == 0)
					continue;
				t0 = al->first < t0 ? al->first : t0;
				t1 = al->first + al->n > t1 ? al->first + al->n : t1;
			}
		}
	}
	*rule0 = r0 == UINT32_MAX ? 0 : r0;
	*n_rules = r0 == UINT32_MAX ? 0 : r1 - r0;
	*term0 = t0 == UINT32_MAX ? 0 : t0;
	*n_terms = t0 == UINT32_MAX ? 0 : t1 - t0;
}

/* The previous generation's stage (its index part recorded) has the same rules as st:
 * same flows with the same rule counts, the same rules (term and dimension counts) at the
 * same positions relative to the stage's first rule and term, the same terms. */
static bool stage_same(const struct pl_gen *g, const struct pl_stage *st,
		       const struct pl_srange *nr, const struct pl_gen *p,
		       const struct pl_stage *ps, const struct pl_srange *pr)
{
	if (!pr->valid || st->flows.n != ps->flows.n || nr->n_terms != pr->n_terms)
		return false;
	uint32_t n_rules = 0;
	for (uint32_t i = 0; i < st->flows.n; i++) {
		const struct pl_flow *f = &g->flows[st->flows.first + i];
		const struct pl_flow *q = &p->flows[ps->flows.first + i];
		if (f->rules.n != q->rules.n ||
		    (f->rules.n && f->rules.first - nr->rule0 != q->rules.first - pr->rule0))
			return false;
		n_rules += f->rules.n;
	}
	for (uint32_t i = 0; i < n_rules; i++) {
		const struct pl_rule *x = &g->rules[nr->rule0 + i], *y = &p->rules[pr->rule0 + i];
		if (x->terms.n != y->terms.n || x->dims.n != y->dims.n ||
		    x->terms.first - nr->term0 != y->terms.first - pr->term0)
			return false;
	}
	return nr->n_terms == 0 || memcmp(&g->terms[nr->term0], &p->terms[pr->term0],
					  (size_t)nr->n_terms * sizeof(*g->terms)) == 0;
}

/* a node's positions moved from pr's part of the arrays to nr's (what build_node leaves
 * at 0 stays 0: a leaf's buckets and guard, an indexed node's list without a leaf rest) */
static void move_node(struct pl_inode *nd, const struct pl_srange *pr, const struct pl_srange *nr)
{
	if (!nd->indexed || nd->n_list)
		nd->list = nd->list - pr->ents + nr->ents;
	if (nd->indexed) {
		if (nd->rest != UINT32_MAX)
			nd->rest = nd->rest - pr->nodes + nr->nodes;
		nd->buckets = nd->buckets - pr->buckets + nr->buckets;
		nd->guard = nd->guard - pr->guards + nr->guards;
		if (nd->min_bucket_rule != UINT32_MAX)
			nd->min_bucket_rule = nd->min_bucket_rule - pr->rule0 + nr->rule0;
	}
}

/* st's index part copied from the previous generation's (stage_same holds) */
static bool reuse_stage(struct builder *b, const struct pl_index *pix, const struct pl_srange *pr,
			struct pl_srange *nr, struct pl_sidx *si)
{
	struct pl_index *ix = b->ix;
	nr->ents = ix->n_ents;
	nr->nodes = ix->n_nodes;
	nr->buckets = ix->n_buckets;
	nr->guards = ix->n_guards;
	for (uint32_t i = 0; i < pr->n_ents; i++) {
		struct pl_sent e = pix->ents[pr->ents + i];
		e.rule = e.rule - pr->rule0 + nr->rule0;
		e.flow = e.flow - pr->flow0 + nr->flow0;
		e.tfirst = e.tfirst - pr->term0 + nr->term0;
		const struct pl_fnext *nx = &ix->fnext[e.flow];
		e.nstage = nx->stage;
		e.negress = nx->egress;
		e.only_next = nx->only_next && nx->stage >= 0;
		if (!push(&b->ents, &e))
			return false;
	}
	for (uint32_t i = 0; i < pr->n_guards; i++) {
		uint32_t t = pix->guards[pr->guards + i] - pr->term0 + nr->term0;
		if (!push(&b->guards, &t))
			return false;
	}
	for (uint32_t i = 0; i < pr->n_buckets; i++) {
		struct pl_bucket k = pix->buckets[pr->buckets + i];
		/* (an empty slot stays {0, UINT32_MAX, 0, 0}, an indexed child's list without
		 * a leaf rest 0) */
		if (k.node != UINT32_MAX)
			k.node = k.node - pr->nodes + nr->nodes;
		if (k.n_list)
			k.list = k.list - pr->ents + nr->ents;
		if (!push(&b->buckets, &k))
			return false;
	}
	for (uint32_t i = 0; i < pr->n_nodes; i++) {
		struct pl_inode nd = pix->nodes[pr->nodes + i];
		move_node(&nd, pr, nr);
		if (!push(&b->nodes, &nd))
			return false;
	}
	const struct pl_sidx *ps = &pix->sidx[pr - pix->sranges];
	memset(si, 0, sizeof(*si));
	si->all = ps->all - pr->ents + nr->ents;
	si->n_all = ps->n_all;
	si->root = ps->root;
	move_node(&si->root, pr, nr);
	nr->n_ents = pr->n_ents;
	nr->n_nodes = pr->n_nodes;
	nr->n_buckets = pr->n_buckets;
	nr->n_guards = pr->n_guards;
	nr->n_index_nodes = pr->n_index_nodes;
	ix->n_index_nodes += pr->n_index_nodes;
	if (pr->n_index_nodes)
		ix->n_indexed_stages++;
	ix->n_reused_stages++;
	return true;
}

static bool build_stage(struct builder *b, const struct pl_gen *g, const struct pl_stage *st,
			struct pl_sidx *si)
{
	struct pl_index *ix = b->ix;
	memset(si, 0, sizeof(*si));
	si->all = ix->n_ents;
	for (uint32_t i = 0; i < st->flows.n; i++) {
		uint32_t fi = st->flows.first + i;
		const struct pl_flow *f = &g->flows[fi];
		for (uint32_t r = 0; r < f->rules.n; r++) {
			const struct pl_rule *ru = &g->rules[f->rules.first + r];
			if (ru->terms.n > UINT16_MAX || ru->dims.n > UINT16_MAX)
				return false;
			const struct pl_fnext *nx = &ix->fnext[fi];
			struct pl_sent e = {.rule = f->rules.first + r,
					    .flow = fi,
					    .tfirst = ru->terms.first,
					    .tn = (uint16_t)ru->terms.n,
					    .ndims = (uint16_t)ru->dims.n,
					    .nstage = nx->stage,
					    .negress = nx->egress,
					    .only_next = nx->only_next && nx->stage >= 0};
			if (!push(&b->ents, &e))
				return false;
		}
	}
	si->n_all = ix->n_ents - si->all;
	uint32_t *pos = malloc((si->n_all ? si->n_all : 1) * sizeof(*pos));
	if (pos == NULL)
		return false;
	for (uint32_t i = 0; i < si->n_all; i++)
		pos[i] = si->all + i;
	uint32_t before = ix->n_index_nodes, root;
	bool ok = build_node(b, pos, si->n_all, 0, &root);
	free(pos);
	if (ok)
		si->root = ix->nodes[root];
	if (ok && ix->n_index_nodes > before)
		ix->n_indexed_stages++;
	return ok;
}

/* ---- where a flow's final `next' goes (as pl_walk.c plx_next_target decides it) ---- */

/* where the `next' in goes from stage (egress, stage): false if nowhere */
static bool next_of(const struct pl_datapath *dp, bool egress, unsigned stage,
		    const struct lflow_prog *p, const struct lflow_insn *in, bool *to_eg, int *to)
{
	bool eg = egress;
	int idx;
	if (in->flags & LFLOW_NEXT_F_OTHER_PIPELINE)
		eg = in->u.next.pipeline == LFLOW_P_EGRESS;
	const char *name = lflow_prog_str(p, in->u.next.stage);
	const struct pl_pipeline *pp = &dp->pipe[eg];
	if (name) {
		idx = in->u.next.table;
		if ((unsigned)idx >= pp->n_stages || pp->stages[idx].name == NULL ||
		    strcmp(pp->stages[idx].name, name) != 0)
			idx = pl_stage_index(pp, name);
	} else if (in->flags & LFLOW_NEXT_F_FOLLOWING) {
		idx = (int)stage + 1;
	} else {
		idx = in->u.next.table;
	}
	if (idx < 0)
		return false;
	*to_eg = eg;
	*to = idx;
	return true;
}

static struct pl_fnext flow_next(const struct pl_datapath *dp, bool egress, unsigned stage,
				 const struct pl_flow *fl)
{
	struct pl_fnext n = {-1, 0, 0, PL_FX_DROP, 0, 0};
	const struct lflow_prog *p = fl->prog;
	bool eg;
	int idx;
	if (p == NULL || p->n_top == 0 || p->top + p->n_top > p->n_insns)
		return n;
	const struct lflow_insn *in = &p->insns[p->top + p->n_top - 1];
	n.top = p->top;
	n.n = p->n_top - 1;
	n.kind = in->op == LFLOW_OP_NEXT     ? PL_FX_NEXT
		 : in->op == LFLOW_OP_OUTPUT ? PL_FX_OUT
					     : PL_FX_BLOCK;
	if (n.kind == PL_FX_BLOCK)
		n.n = p->n_top;
	if (in->op != LFLOW_OP_NEXT)
		return n;
	if (next_of(dp, egress, stage, p, in, &eg, &idx)) {
		n.stage = idx;
		n.egress = eg;
	}
	n.only_next = p->n_top == 1;
	return n;
}

/* ---- register bits that may be non-zero when a stage is entered ----
 * A datapath's ingress pipeline starts with every register zero but inport (reg14): a packet
 * from a port, a patch port or a localnet port enters it so. Its egress pipeline starts with
 * what the ingress left and outport (reg15). So, when every `next' of the datapath's programs
 * goes forward (a later stage, or from ingress to egress), the bits that may be non-zero at a
 * stage are inport's, outport's in egress, and those an instruction of an earlier stage may
 * write (insn_writes: its destination, a lookup's flag; nested instructions included, a
 * constant 0 not: more than can happen, never less). A rule that needs such a bit to be 1
 * where none can be is dead there (rule_dead), one that only compares such bits with 0 always
 * matches (rule_always). With a `next' backwards, or one this cannot place, every bit may be
 * anything. */

static void bank_bits(uint32_t *w, unsigned ofs, unsigned width)
{
	for (unsigned b = ofs; b < ofs + width && b < 512; b++)
		w[15 - b / 32] |= (uint32_t)1 << (b % 32);
}

static void fref_bits(const struct lflow_fref *f, uint32_t *w)
{
	const struct lf_symbol *sym = lf_symtab_at(f->sym);
	if (sym == NULL)
		return;
	unsigned ofs = sym->ofs + f->ofs, width = f->n_bits ? f->n_bits : sym->width;
	if (sym->mf == LF_MF_REGS)
		bank_bits(w, ofs, width);
	else if (sym->mf >= LF_MF_REG0 && sym->mf <= LF_MF_REG15)
		w[sym->mf - LF_MF_REG0] |=
		    width >= 32 ? UINT32_MAX : (((uint32_t)1 << width) - 1) << (ofs % 32);
}

/* the register bits an instruction may write, as pl_actions.c plx_exec_insn executes it (its
 * nested blocks are instructions of the same program, seen on their own); an instruction it
 * does not execute ends its branch there (unsupported_*), so it writes nothing a later stage
 * sees. Keep in step with plx_exec_insn. */
static void insn_writes(const struct lflow_prog *p, const struct lflow_insn *in, uint32_t *w)
{
	switch ((enum lflow_op)in->op) {
	case LFLOW_OP_LOAD:
		/* a constant 0 (reg8[0..15] = 0) leaves zero bits zero */
		if (in->n_args && in->arg < p->n_args && p->args[in->arg].kind == LFLOW_ARG_CONST &&
		    (p->args[in->arg].value &
		     (p->args[in->arg].masked ? p->args[in->arg].mask : ~(lf_u128)0)) == 0)
			break;
		fref_bits(&in->dst, w);
		break;
	case LFLOW_OP_MOVE:
	case LFLOW_OP_CHECK_IN_PORT_SEC:
	case LFLOW_OP_CHECK_OUT_PORT_SEC:
	case LFLOW_OP_CHECK_PKT_LARGER: fref_bits(&in->dst, w); break;
	case LFLOW_OP_EXCHANGE:
		fref_bits(&in->dst, w);
		fref_bits(&in->src, w);
		break;
	case LFLOW_OP_GET_FDB: /* outport too */
		w[15] = UINT32_MAX;
		/* fall through */
	case LFLOW_OP_LOOKUP_ARP:
	case LFLOW_OP_LOOKUP_ND:
	case LFLOW_OP_LOOKUP_ARP_IP:
	case LFLOW_OP_LOOKUP_ND_IP:
	case LFLOW_OP_LOOKUP_FDB: /* and a flag */
		fref_bits(&in->dst, w);
		/* fall through */
	case LFLOW_OP_GET_ARP:
	case LFLOW_OP_GET_ND: w[10] = UINT32_MAX; break; /* flags */
	default: break;
	}
}

/* the bits the stage's programs may write; false if one of its `next's goes back or nowhere
 * known */
static bool stage_writes(const struct pl_datapath *dp, bool egress, unsigned stage,
			 const struct pl_gen *g, const struct pl_stage *st, uint32_t *w)
{
	for (uint32_t f = st->flows.first; f < st->flows.first + st->flows.n; f++) {
		const struct lflow_prog *p = g->flows[f].prog;
		for (uint32_t i = 0; p && i < p->n_insns; i++) {
			const struct lflow_insn *in = &p->insns[i];
			bool eg;
			int to;
			if (in->op == LFLOW_OP_NEXT &&
			    (!next_of(dp, egress, stage, p, in, &eg, &to) ||
			     (eg == egress && (unsigned)to <= stage) || (egress && !eg)))
				return false;
			insn_writes(p, in, w);
		}
	}
	return true;
}

/* mw[k]: the bits of stage k (ix->sidx order) */
static void may_written(const struct pl_gen *g, const struct pl_index *ix, uint32_t (*mw)[16])
{
	for (unsigned d = 0; d < g->n_dps; d++) {
		const struct pl_datapath *dp = &g->dps[d];
		uint32_t acc[16];
		bool ok = true;
		memset(acc, 0, sizeof(acc));
		acc[14] = UINT32_MAX;
		for (int eg = 0; eg < 2 && ok; eg++) {
			if (eg)
				acc[15] = UINT32_MAX;
			for (unsigned s = 0; s < dp->pipe[eg].n_stages && ok; s++) {
				memcpy(mw[ix->stage_base[2 * d + eg] + s], acc, sizeof(acc));
				ok = stage_writes(dp, eg, s, g, &dp->pipe[eg].stages[s], acc);
			}
		}
		if (ok)
			continue;
		for (int eg = 0; eg < 2; eg++)
			for (unsigned s = 0; s < dp->pipe[eg].n_stages; s++)
				memset(mw[ix->stage_base[2 * d + eg] + s], 0xff, sizeof(acc));
	}
}

/* every packet matches the rule here: no terms, or only register bits compared with 0 that
 * cannot be anything else (mw: what may be non-zero) */
static bool rule_always(const struct pl_index *ix, const struct pl_sent *e, const uint32_t *mw)
{
	if (e->ndims)
		return false;
	for (uint32_t t = e->tfirst; t < e->tfirst + e->tn; t++) {
		const struct pl_fterm *f = &ix->fterms[t];
		if (mw == NULL || f->kind != PL_FT_REG || f->neg || f->v[0] != 0 ||
		    (f->m[0] & mw[f->ofs[0]]) != 0)
			return false;
	}
	return true;
}

/* the rule needs a register bit to be 1 that cannot be (mw: what may be non-zero) */
static bool rule_dead(const struct pl_index *ix, const struct pl_sent *e, const uint32_t *mw)
{
	for (uint32_t t = e->tfirst; mw && t < e->tfirst + e->tn; t++) {
		const struct pl_fterm *f = &ix->fterms[t];
		if (f->kind == PL_FT_REG && !f->neg && (f->v[0] & ~(uint64_t)mw[f->ofs[0]]) != 0)
			return true;
	}
	return false;
}

/* where a stage goes when nothing can happen in it: the flows that can match there, in
 * priority order up to the first that every packet matches, are all `next;' alone to the
 * same stage, so which one matches changes nothing and nothing needs to be read (a stage of
 * one flow "1" is the common case; kube-ovn's ACL, load-balancer and conntrack stages of a
 * switch with no policy or VIP are others, and a router's ECMP stages without ECMP routes) */
static bool pass_through(const struct pl_index *ix, const struct pl_pipeline *pp,
			 const struct pl_sidx *si, unsigned st, const uint32_t *mw,
			 struct pl_fnext *to)
{
	bool first = true;
	if (st >= pp->n_stages || pp->stages[st].name == NULL)
		return false;
	for (uint32_t i = 0; i < si->n_all; i++) { /* in priority order */
		const struct pl_sent *e = &ix->ents[si->all + i];
		const struct pl_fnext *nx = &ix->fnext[e->flow];
		if (rule_dead(ix, e, mw))
			continue; /* it never matches here */
		if (!nx->only_next || nx->stage < 0)
			return false;
		if (!first && (nx->stage != to->stage || nx->egress != to->egress))
			return false;
		*to = *nx;
		first = false;
		if (rule_always(ix, e, mw))
			return true; /* the rules after it never decide */
	}
	return false; /* some packets may match nothing: dropped */
}

#define MAX_JUMP 1024

static void set_jump(struct pl_index *ix, const struct pl_gen *g, uint32_t (*mw)[16], unsigned d,
		     int eg, unsigned st)
{
	struct pl_sidx *si = &ix->sidx[ix->stage_base[2 * d + eg] + st];
	struct pl_fnext to;
	unsigned n = 0;
	int ce = eg;
	unsigned cs = st;
	for (;;) {
		const struct pl_pipeline *pp = &g->dps[d].pipe[ce];
		const struct pl_sidx *c =
		    cs < pp->n_stages ? &ix->sidx[ix->stage_base[2 * d + ce] + cs] : NULL;
		if (c == NULL || n == MAX_JUMP ||
		    !pass_through(ix, pp, c, cs, mw ? mw[c - ix->sidx] : NULL, &to))
			break; /* (a loop of pass-through stages ends at the bound: the
				* interpreter's stage limit catches it) */
		n++;
		ce = to.egress;
		cs = (unsigned)to.stage;
	}
	if (n) {
		si->jump_n = (uint16_t)n;
		si->jump_egress = (uint8_t)ce;
		si->jump_stage = (int32_t)cs;
	}
}

/* ---- (dp, key) hashes ---- */

static struct pl_hslot *hash_new(uint32_t n, uint32_t *mask)
{
	uint32_t size = pow2_at_least(2 * n + 2);
	struct pl_hslot *t = malloc(size * sizeof(*t));
	if (t == NULL)
		return NULL;
	for (uint32_t i = 0; i < size; i++)
		t[i] = (struct pl_hslot){0, 0, -1};
	*mask = size - 1;
	return t;
}

static void hash_put(struct pl_hslot *t, uint32_t mask, int64_t dp, int64_t key, int32_t i)
{
	uint32_t h = (uint32_t)pl_index_hash((uint64_t)key * 31 + (uint64_t)dp);
	while (t[h & mask].i >= 0)
		h++;
	t[h & mask] = (struct pl_hslot){dp, key, i};
}

/* the first entry with a given (dp, key) wins, as the linear lookups */
static void hash_add(struct pl_hslot *t, uint32_t mask, int64_t dp, int64_t key, int32_t i)
{
	if (pl_index_find(t, mask, dp, key) < 0)
		hash_put(t, mask, dp, key, i);
}

/* the previous generation's sidx of (dp key, pipeline, table), NULL if none */
static const struct pl_srange *prev_stage(const struct pl_gen *p, int64_t key, int eg, unsigned s,
					  const struct pl_stage **ps)
{
	if (p == NULL || p->index == NULL || p->index->sranges == NULL)
		return NULL;
	const struct pl_datapath *d = pl_dp(p, key);
	if (d == NULL || s >= d->pipe[eg].n_stages)
		return NULL;
	*ps = &d->pipe[eg].stages[s];
	return &p->index->sranges[p->index->stage_base[2 * (size_t)(d - p->dps) + eg] + s];
}

bool pl_index_build(struct pl_gen *g)
{
	return pl_index_build_from(g, NULL);
}

bool pl_index_build_from(struct pl_gen *g, const struct pl_gen *prev)
{
	struct pl_index *ix = calloc(1, sizeof(*ix));
	if (ix == NULL)
		return false;
	struct builder b = {ix,
			    g,
			    {(void **)&ix->ents, &ix->n_ents, 0, sizeof(struct pl_sent)},
			    {(void **)&ix->buckets, &ix->n_buckets, 0, sizeof(struct pl_bucket)},
			    {(void **)&ix->nodes, &ix->n_nodes, 0, sizeof(struct pl_inode)},
			    {(void **)&ix->guards, &ix->n_guards, 0, sizeof(uint32_t)}};
	ix->stages_on = true;
	ix->fterms = calloc(g->n_terms ? g->n_terms : 1, sizeof(*ix->fterms));
	ix->fnext = calloc(g->n_flows ? g->n_flows : 1, sizeof(*ix->fnext));
	ix->stage_base = calloc(2 * (size_t)g->n_dps + 1, sizeof(*ix->stage_base));
	if (ix->fterms == NULL || ix->fnext == NULL || ix->stage_base == NULL)
		goto fail;
	/* the decoded terms: per stage below (copied for a stage taken over), then any term
	 * no stage covered */
	uint8_t *decoded = calloc(g->n_terms ? g->n_terms : 1, 1);
	if (decoded == NULL)
		goto fail;
	for (uint32_t i = 0; i < g->n_flows; i++)
		ix->fnext[i] = (struct pl_fnext){-1, 0, 0, PL_FX_DROP, 0, 0};

	for (unsigned d = 0; d < g->n_dps; d++)
		for (int eg = 0; eg < 2; eg++) {
			ix->stage_base[2 * d + eg] = ix->n_sidx;
			ix->n_sidx += g->dps[d].pipe[eg].n_stages;
		}
	ix->sidx = aligned_alloc(64, (ix->n_sidx ? ix->n_sidx : 1) * sizeof(*ix->sidx));
	if (ix->sidx == NULL)
		goto fail;
	memset(ix->sidx, 0, (ix->n_sidx ? ix->n_sidx : 1) * sizeof(*ix->sidx));
	ix->sranges = calloc(ix->n_sidx ? ix->n_sidx : 1, sizeof(*ix->sranges));
	if (ix->sranges == NULL)
		goto fail;
	for (unsigned d = 0; d < g->n_dps; d++)
		for (int eg = 0; eg < 2; eg++) {
			const struct pl_pipeline *pp = &g->dps[d].pipe[eg];
			for (unsigned s = 0; s < pp->n_stages; s++) {
				const struct pl_stage *st = &pp->stages[s], *ps = NULL;
				uint32_t k = ix->stage_base[2 * d + eg] + s, n_rules;
				struct pl_sidx *si = &ix->sidx[k];
				struct pl_srange *nr = &ix->sranges[k];
				const struct pl_srange *pr =
				    prev_stage(prev, g->dps[d].key, eg, s, &ps);
				for (uint32_t f = 0; f < st->flows.n; f++)
					ix->fnext[st->flows.first + f] = flow_next(
					    &g->dps[d], eg, s, &g->flows[st->flows.first + f]);
				stage_span(g, st, &nr->rule0, &n_rules, &nr->term0, &nr->n_terms);
				nr->flow0 = st->flows.first;
				bool same = pr && stage_same(g, st, nr, prev, ps, pr);
				if (same && nr->n_terms)
					memcpy(&ix->fterms[nr->term0],
					       &prev->index->fterms[pr->term0],
					       nr->n_terms * sizeof(*ix->fterms));
				for (uint32_t t = nr->term0; t < nr->term0 + nr->n_terms; t++) {
					if (!same && !decoded[t])
						fterm_build(&g->terms[t], &ix->fterms[t]);
					decoded[t] = 1;
				}
				if (same) {
					if (!reuse_stage(&b, prev->index, pr, nr, si)) {
						free(decoded);
						goto fail;
					}
				} else {
					uint32_t e0 = ix->n_ents, n0 = ix->n_nodes;
					uint32_t b0 = ix->n_buckets, g0 = ix->n_guards;
					uint32_t i0 = ix->n_index_nodes;
					if (!build_stage(&b, g, st, si)) {
						free(decoded);
						goto fail;
					}
					*nr = (struct pl_srange){e0,
								 n0,
								 b0,
								 g0,
								 ix->n_ents - e0,
								 ix->n_nodes - n0,
								 ix->n_buckets - b0,
								 ix->n_guards - g0,
								 nr->rule0,
								 nr->flow0,
								 nr->term0,
								 nr->n_terms,
								 ix->n_index_nodes - i0,
								 0};
				}
				nr->valid = 1;
				si->exists = st->name != NULL;
			}
		}
	for (uint32_t t = 0; t < g->n_terms; t++)
		if (!decoded[t])
			fterm_build(&g->terms[t], &ix->fterms[t]);
	free(decoded);

	uint32_t(*mw)[16] = calloc(ix->n_sidx ? ix->n_sidx : 1, sizeof(*mw));
	if (mw)
		may_written(g, ix, mw); /* (without it: no stage is known to have dead rules) */
	for (unsigned d = 0; d < g->n_dps; d++)
		for (int eg = 0; eg < 2; eg++)
			for (unsigned st = 0; st < g->dps[d].pipe[eg].n_stages; st++)
				set_jump(ix, g, mw, d, eg, st);
	ix->sdt = malloc((ix->n_sidx ? ix->n_sidx : 1) * sizeof(*ix->sdt));
	ix->dt_on = true;
	for (uint32_t k = 0; ix->sdt && k < ix->n_sidx; k++)
		ix->sdt[k] = PL_DT_ABSENT;
	if (ix->sdt && !pl_dtree_build_all(ix, g, (const uint32_t(*)[16])mw)) {
		free(ix->sdt); /* out of memory: the index trees serve every stage */
		ix->sdt = NULL;
	}
	free(mw);
	ix->ports = hash_new(g->n_ports, &ix->ports_mask);
	ix->mcgroups = hash_new(g->n_mcgroups, &ix->mcgroups_mask);
	ix->dps = hash_new(g->n_dps, &ix->dps_mask);
	ix->port_names = hash_new(g->n_ports, &ix->port_names_mask);
	ix->mcgroup_names = hash_new(g->n_mcgroups, &ix->mcgroup_names_mask);
	if (ix->ports == NULL || ix->mcgroups == NULL || ix->dps == NULL ||
	    ix->port_names == NULL || ix->mcgroup_names == NULL)
		goto fail;
	/* names: every entry goes in (equal hashes of different names are told apart by the
	 * lookup's strcmp; the first entry of a name is found first, as the linear lookups) */
	for (unsigned i = 0; i < g->n_ports; i++)
		if (g->ports[i].name)
			hash_put(ix->port_names, ix->port_names_mask, g->ports[i].dp,
				 pl_index_name_hash(g->ports[i].name), (int32_t)i);
	for (unsigned i = 0; i < g->n_mcgroups; i++)
		if (g->mcgroups[i].name)
			hash_put(ix->mcgroup_names, ix->mcgroup_names_mask, g->mcgroups[i].dp,
				 pl_index_name_hash(g->mcgroups[i].name), (int32_t)i);
	for (unsigned i = 0; i < g->n_ports; i++)
		hash_add(ix->ports, ix->ports_mask, g->ports[i].dp, g->ports[i].key, (int32_t)i);
	for (unsigned i = 0; i < g->n_mcgroups; i++)
		hash_add(ix->mcgroups, ix->mcgroups_mask, g->mcgroups[i].dp, g->mcgroups[i].key,
			 (int32_t)i);
	for (unsigned i = 0; i < g->n_dps; i++)
		hash_add(ix->dps, ix->dps_mask, 0, g->dps[i].key, (int32_t)i);
	g->index = ix;
	pl_adec_build(g, prev); /* out of memory: every program takes the general path */
	pl_dtree_bridge(ix, g); /* out of memory: fewer bridges */
	/* the walk's packed stage headers (after the bridges: a root may be one) */
	ix->shdr = calloc(ix->n_sidx ? ix->n_sidx : 1, sizeof(*ix->shdr));
	if (ix->shdr == NULL) {
		g->index = NULL;
		goto fail;
	}
	for (uint32_t k = 0; k < ix->n_sidx; k++) {
		const struct pl_sidx *si = &ix->sidx[k];
		struct pl_shdr *h = &ix->shdr[k];
		h->dt = ix->sdt ? ix->sdt[k] : PL_DT_ABSENT;
		h->flags = (uint8_t)((si->exists ? PL_SH_EXISTS : 0) |
				     (si->jump_egress ? PL_SH_JUMP_EGRESS : 0));
		h->jump_n = si->jump_n;
		h->jump_stage = si->jump_stage;
	}
	return true;
fail:
	pl_index_free(ix);
	return false;
}

void pl_index_free(struct pl_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->fterms);
	free(ix->fnext);
	free(ix->sidx);
	free(ix->stage_base);
	free(ix->ents);
	free(ix->buckets);
	free(ix->nodes);
	free(ix->guards);
	free(ix->ports);
	free(ix->mcgroups);
	free(ix->dps);
	free(ix->port_names);
	free(ix->mcgroup_names);
	free(ix->sranges);
	free(ix->sdt);
	free(ix->shdr);
	free(ix->dnodes);
	free(ix->dslots);
	pl_adec_free(ix);
	free(ix);
}

void pl_gen_set_indexed(struct pl_gen *g, bool on)
{
	if (g->index)
		g->index->stages_on = on;
}

void pl_gen_set_dtree(struct pl_gen *g, bool on)
{
	if (g->index)
		g->index->dt_on = on;
}
