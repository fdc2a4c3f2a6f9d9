/* SPDX-License-Identifier: Apache-2.0 */
/* A stage's first matching flow (see plx.h): through the stage's index (dp/pl_index.h, where
 * the argument for the megaflow mask's soundness is) or, as the reference the tests compare
 * with, the linear scan over its rules. Every key bit a decision read lands in the mask. */
#include "plx.h"

static bool term_match(struct plx *x, struct pls *s, const struct pl_term *t)
{
	bool eq = rd(x, s, (enum lf_mf)t->mf, t->mask) == t->value;
	return t->neg ? !eq : eq;
}

static bool terms_match(struct plx *x, struct pls *s, struct pl_range r)
{
	for (uint32_t i = 0; i < r.n; i++)
		if (!term_match(x, s, &x->g->terms[r.first + i]))
			return false;
	return true;
}

/* the linear scan's rule test (the reference the indexed lookup must agree with) */
static bool rule_match(struct plx *x, struct pls *s, const struct pl_rule *r)
{
	if (!terms_match(x, s, r->terms))
		return false;
	for (uint32_t d = 0; d < r->dims.n; d++) {
		struct pl_range dim = x->g->dims[r->dims.first + d];
		bool any = false;
		for (uint32_t a = 0; a < dim.n && !any; a++)
			any = terms_match(x, s, x->g->alts[dim.first + a]);
		if (!any)
			return false;
	}
	return true;
}

/* ---- indexed lookups (dp/pl_index.h) ---- */

/* term i (pre-decoded): as term_match, on the packet's bytes; the key bits behind them are
 * unmasked, but not those an action wrote in this branch (s->wrk: their value follows from
 * earlier decisions, already in the mask) */
#define PLX_HOT static inline __attribute__((always_inline))

PLX_HOT bool fterm_match(struct plx *x, struct pls *s, uint32_t i)
{
	const struct pl_fterm *f = &x->g->index->fterms[i];
	bool eq;
	switch (f->kind) {
	case PL_FT_REG: eq = (s->reg[f->ofs[0]] & f->m[0]) == f->v[0]; break;
	case PL_FT_KEY:
		eq = true;
		for (unsigned w = 0; w < f->nw; w++) {
			plx_mask_read(x, s, f->ofs[w], f->m[w]);
			eq &= (win_ld(&s->pkt, f->ofs[w]) & f->m[w]) == f->v[w];
		}
		break;
	default: return term_match(x, s, &x->g->terms[i]);
	}
	return f->neg ? !eq : eq;
}

PLX_HOT bool fterms_match(struct plx *x, struct pls *s, uint32_t first, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!fterm_match(x, s, first + i))
			return false;
	return true;
}

/* the rule's dimensions (an OR of alternatives each): one must hold in every one */
static __attribute__((noinline)) bool dims_match(struct plx *x, struct pls *s,
						 const struct pl_sent *e)
{
	const struct pl_rule *r = &x->g->rules[e->rule];
	for (uint32_t d = 0; d < r->dims.n; d++) {
		struct pl_range dim = x->g->dims[r->dims.first + d];
		bool any = false;
		for (uint32_t a = 0; a < dim.n && !any; a++) {
			struct pl_range alt = x->g->alts[dim.first + a];
			any = fterms_match(x, s, alt.first, alt.n);
		}
		if (!any)
			return false;
	}
	return true;
}

PLX_HOT bool ent_match(struct plx *x, struct pls *s, const struct pl_sent *e)
{
	if (!fterms_match(x, s, e->tfirst, e->tn))
		return false;
	return e->ndims == 0 || dims_match(x, s, e);
}

static const struct pl_sent *ents_scan(struct plx *x, struct pls *s, const struct pl_sent *e,
				       uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (ent_match(x, s, &e[i]))
			return &e[i];
	return NULL;
}

/* the guard of an indexed node holds (else no rule under its buckets can match) */
PLX_HOT bool guard_ok(struct plx *x, struct pls *s, const struct pl_inode *nd)
{
	const struct pl_index *ix = x->g->index;
	for (uint32_t i = 0; i < nd->n_guard; i++)
		if (!fterm_match(x, s, ix->guards[nd->guard + i]))
			return false;
	return true;
}

/* Consult an indexed node: the packet's value of its field, the key bits behind that value
 * unmasked (as rd() does: bits an action wrote come from the actions, not the key), and the
 * bucket of that value (NULL if no rule wants it). */
PLX_HOT const struct pl_bucket *consult(struct plx *x, struct pls *s, const struct pl_inode *nd)
{
	uint64_t v;
	if (nd->kind == PL_FT_REG) {
		v = s->reg[nd->ofs] & nd->m;
	} else {
		/* written bits (eth.dst after a router's arp_resolve) stay out of the mask */
		plx_mask_read(x, s, nd->ofs, nd->m);
		v = win_ld(&s->pkt, nd->ofs) & nd->m;
	}
	return pl_index_bucket(x->g->index, nd, v);
}

/* One indexed node over leaves (the common case): the rest leaf merged with the bucket's. */
static const struct pl_sent *simple_lookup(struct plx *x, struct pls *s, const struct pl_sidx *si)
{
	const struct pl_index *ix = x->g->index;
	const struct pl_inode *nd = &si->root;
	const struct pl_sent *r = &ix->ents[nd->list], *re = r + nd->n_list, *b = NULL, *be = NULL;
	for (; r < re && r->rule < nd->min_bucket_rule; r++)
		if (ent_match(x, s, r))
			return r;
	const struct pl_bucket *c = guard_ok(x, s, nd) ? consult(x, s, nd) : NULL;
	if (c) {
		b = &ix->ents[c->list];
		be = b + c->n_list;
	}
	for (;;) {
		const struct pl_sent *e;
		if (b < be && (r == re || b->rule < r->rule))
			e = b++;
		else if (r < re)
			e = r++;
		else
			return NULL;
		if (ent_match(x, s, e))
			return e;
	}
}

/* The stage's first matching rule through its index tree: the leaves reached so far are
 * merged in rule order; an indexed node reached is consulted (its guard checked, its field
 * read, the value's child reached) only when a rule under its buckets could come before
 * every candidate left. See pl_index.h for why the mask stays sound. */
#define PL_LOOKUP_MAX 40 /* leaves and pending nodes: 2^MAX_INDEX_DEPTH (5) at most */

struct lookup {
	const struct pl_sent *p[PL_LOOKUP_MAX], *e[PL_LOOKUP_MAX];
	const struct pl_inode *pend[PL_LOOKUP_MAX];
	unsigned ns, np;
};

/* a node reached: its chain of rest children down to a leaf; false if the arrays are full */
static bool reach(const struct pl_index *ix, struct lookup *l, const struct pl_inode *nd)
{
	while (nd) {
		if (!nd->indexed) {
			if (l->ns == PL_LOOKUP_MAX)
				return false;
			l->p[l->ns] = &ix->ents[nd->list];
			l->e[l->ns++] = &ix->ents[nd->list + nd->n_list];
			return true;
		}
		if (l->np == PL_LOOKUP_MAX)
			return false;
		l->pend[l->np++] = nd;
		nd = nd->rest == UINT32_MAX ? NULL : &ix->nodes[nd->rest];
	}
	return true;
}

/* ---- decision diagrams (pl_dtree.h; the walk through them: plx.h plx_dt_lookup) ---- */

bool plx_dt_term(struct plx *x, struct pls *s, uint32_t t)
{
	return fterm_match(x, s, t) != x->g->index->fterms[t].neg;
}

const struct pl_sent *plx_stage_lookup(struct plx *x, struct pls *s, const struct pl_sidx *si)
{
	const struct pl_index *ix = x->g->index;
	struct lookup l;

	if (ix->sdt && ix->dt_on) {
		uint32_t root = ix->sdt[si - ix->sidx];
		if (root != PL_DT_ABSENT)
			return plx_dt_lookup(x, s, root, NULL, NULL, NULL);
	}
	if (!si->root.indexed)
		return ents_scan(x, s, &ix->ents[si->root.list], si->root.n_list);
	if (si->root.simple)
		return simple_lookup(x, s, si);
	l.ns = l.np = 0;
	if (!reach(ix, &l, &si->root))
		return ents_scan(x, s, &ix->ents[si->all], si->n_all);
	for (;;) {
		uint32_t next = UINT32_MAX, pmin = UINT32_MAX;
		unsigned bs = 0, bp = 0;
		for (unsigned i = 0; i < l.ns; i++)
			if (l.p[i] < l.e[i] && l.p[i]->rule < next) {
				next = l.p[i]->rule;
				bs = i;
			}
		for (unsigned i = 0; i < l.np; i++)
			if (l.pend[i]->min_bucket_rule < pmin) {
				pmin = l.pend[i]->min_bucket_rule;
				bp = i;
			}
		if (pmin < next) {
			const struct pl_inode *nd = l.pend[bp];
			l.pend[bp] = l.pend[--l.np];
			if (!guard_ok(x, s, nd))
				continue; /* no rule under the buckets can match */
			const struct pl_bucket *c = consult(x, s, nd);
			if (c && !reach(ix, &l, &ix->nodes[c->node]))
				return ents_scan(x, s, &ix->ents[si->all], si->n_all);
			continue;
		}
		if (next == UINT32_MAX)
			return NULL;
		const struct pl_sent *e = l.p[bs]++;
		if (ent_match(x, s, e))
			return e;
	}
}

/* the linear scan over the stage's flows */
const struct pl_flow *plx_stage_scan(struct plx *x, struct pls *s, const struct pl_stage *st)
{
	for (uint32_t i = 0; i < st->flows.n; i++) {
		const struct pl_flow *f = &x->g->flows[st->flows.first + i];
		for (uint32_t r = 0; r < f->rules.n; r++)
			if (rule_match(x, s, &x->g->rules[f->rules.first + r]))
				return f;
	}
	return NULL;
}
