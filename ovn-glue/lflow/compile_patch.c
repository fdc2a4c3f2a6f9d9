/* SPDX-License-Identifier: Apache-2.0 */
/* Patching a flow's compiled match with an address set's difference, instead of parsing and
 * normalising every member again (a member added to a 10,000-address set used by 8 flows
 * cost 40-76 ms recompiled; issue #4).
 *
 * The normaliser (expr_norm.c) turns `f == $S' into a list of alternatives, one per member
 * in the set's order (repeats dropped). ANDed with the rest of the match, that list becomes
 * a dimension of the rule; alone, or with other dimensions whose product stays <= 64, it is
 * expanded into one plain rule per member; otherwise it stays one dimension of a
 * conjunctive rule (each rule of the match that has it). So two shapes are patched:
 *   plain: exactly one plain rule per old member, rule i being member i's: the removed
 *     members' rules are taken out, each added member's (the flow compiled with the set =
 *     {member}) put in at its place;
 *   conjunctive: in each rule that has it, one dimension with exactly one alternative per
 *     old member: the removed members' alternatives are taken out, the added ones' put in,
 *     and the rule must stay conjunctive (product of the dimensions still > 64).
 * This is checked, not assumed; any doubt recompiles the flow:
 *   - the flow looks up one address set only, and that one once (a set used twice, or a
 *     second set that may also have changed, recompiles);
 *   - both member lists are sorted (as OVSDB keeps them), so the difference is one merge,
 *     and it is small (at most LFC_PATCH_MAX_DIFF members);
 *   - around each added or removed member, the flow is compiled again with the set = the
 *     member and its neighbours in the new list (2 or 3 members; conjunctive rules are
 *     then kept unexpanded): plain, it must give exactly their rules in order; conjunctive,
 *     the same rules as before but for one dimension per rule, holding exactly their
 *     alternatives in order. A member that conflicts with the rule's other terms (no rule,
 *     no alternative), that they already imply (the dimension vanishes), a set under `!='
 *     or `!' (one alternative per address bit), a rule or dimension out of place: all show
 *     there;
 *   - no added rule or alternative equals another one (the normaliser would drop it).
 * test_lflow_setpatch and test_lflow_incremental compare the result with a full compile. */
#include "compile_int.h"

#include <stdlib.h>
#include <string.h>

#define LFC_PATCH_MAX_DIFF 256

/* ---- the difference, once per set ---- */

static bool sorted(const struct lt_set *s)
{
	for (unsigned i = 1; i < s->n; i++)
		if (strcmp(s->items[i - 1], s->items[i]) >= 0)
			return false;
	return true;
}

bool lfc_set_diff_init(struct lfc_set_diff *d, const struct lt_set *old,
		       const struct lt_set *new)
{
	unsigned i = 0, j = 0;

	memset(d, 0, sizeof(*d));
	d->old = old;
	d->new = new;
	if (new->n == 0 || !sorted(old) || !sorted(new))
		return false;
	d->src = calloc(new->n, sizeof(*d->src));
	d->kept = calloc(old->n ? old->n : 1, 1);
	d->win = calloc(LFC_PATCH_MAX_DIFF, sizeof(*d->win));
	if (d->src == NULL || d->kept == NULL || d->win == NULL)
		goto fail;
	/* one merge: where each new member was, and a window of new members around each
	 * member added or removed (its neighbours: what a probe compiles) */
	while (i < old->n || j < new->n) {
		int k = i == old->n ? 1 : j == new->n ? -1 : strcmp(old->items[i], new->items[j]);
		unsigned lo, hi;
		if (k == 0) {
			d->kept[i] = 1;
			d->src[j++] = (int)i++;
			continue;
		}
		if (d->n_win == LFC_PATCH_MAX_DIFF)
			goto fail;
		if (k < 0) { /* removed: the new members either side */
			lo = j ? j - 1 : 0;
			hi = lo + 1;
			if (hi >= new->n)
				lo = new->n >= 2 ? new->n - 2 : 0, hi = new->n - 1;
			d->n_del++;
			i++;
		} else { /* added: with its neighbours */
			lo = j ? j - 1 : j;
			hi = j + 1 < new->n ? j + 1 : j;
			d->src[j++] = -1;
			d->n_add++;
		}
		d->win[d->n_win][0] = lo;
		d->win[d->n_win++][1] = hi;
	}
	if (d->n_win == 0)
		goto fail;
	d->ok = true;
	return true;
fail:
	lfc_set_diff_free(d);
	d->old = old;
	d->new = new;
	return false;
}

void lfc_set_diff_free(struct lfc_set_diff *d)
{
	free(d->src);
	free(d->kept);
	free(d->win);
	memset(d, 0, sizeof(*d));
}

static bool one_set_ref(const struct lfc_node *n)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n->n_refs; i++)
		k += n->refs[i].u->key[0] == '$';
	return k == 1;
}

/* The flow compiled with the set = members, looked up once; opts NULL: as flows are. */
static bool probe_opts(struct lfc *c, const struct lfc_node *n, const char *set,
		       const char *const *members, size_t n_members,
		       const struct lf_norm_opts *opts, struct lf_match *m)
{
	unsigned hits = 0;
	if (lfc_probe_match(c, n, set, members, n_members, opts, m, &hits) < 0 || hits != 1) {
		lf_match_free(m);
		return false;
	}
	return true;
}

/* The new members of window w, compiled: conjunctive rules never expanded (keep: a probe
 * of 2 or 3 members then has the shape the whole set gives), or as flows are. */
static bool probe_window(struct lfc *c, const struct lfc_node *n, const struct lfc_set_diff *d,
			 unsigned w, bool keep, struct lf_match *m)
{
	static const struct lf_norm_opts keep_opts = {.max_expand = 1};
	unsigned lo = d->win[w][0], hi = d->win[w][1];
	return probe_opts(c, n, d->new->name, (const char *const *)d->new->items + lo,
			  hi - lo + 1, keep ? &keep_opts : NULL, m);
}

/* ---- repeats ---- */

static inline bool term_eq(const struct lf_term *a, const struct lf_term *b)
{
	return a->type == b->type && a->mf == b->mf && a->neg == b->neg && a->value == b->value &&
	       a->mask == b->mask &&
	       (a->name == b->name || (a->name && b->name && strcmp(a->name, b->name) == 0));
}

/* Is conjunction x equal to one of v[0..n) other than v[self]? x differs from v[other] (a
 * neighbour) at term t, so only the conjunctions with x's term t there can equal it: that
 * inline test first, the full comparison only then (these lists have 10,000 entries). */
static bool conj_repeated(const struct lf_conj *x, const struct lf_conj *(*at)(const void *, size_t),
			  const void *v, size_t n, size_t self, size_t other)
{
	const struct lf_conj *o = at(v, other);
	size_t t = 0;
	while (t < x->n && t < o->n && term_eq(&x->terms[t], &o->terms[t]))
		t++;
	if (t == x->n && t == o->n)
		return true; /* equal to its neighbour */
	for (size_t k = 0; k < n; k++) {
		const struct lf_conj *y = at(v, k);
		if (k == self || y->n != x->n)
			continue;
		if (t < x->n && !term_eq(&y->terms[t], &x->terms[t]))
			continue;
		if (lf_conj_cmp(x, y) == 0)
			return true;
	}
	return false;
}

static const struct lf_conj *rule_terms_at(const void *v, size_t k)
{
	return &((const struct lf_rule *)v)[k].terms;
}

static const struct lf_conj *conj_at(const void *v, size_t k)
{
	return &((const struct lf_conj *)v)[k];
}

/* ---- one plain rule per member ---- */

static bool patch_plain(struct lfc *c, struct lfc_node *n, const struct lfc_set_diff *d)
{
	const struct lt_set *old = d->old, *new = d->new;
	struct lf_match *m = &n->f.match;
	struct lf_rule *rules = calloc(new->n, sizeof(*rules));
	unsigned char *filled = calloc(new->n, 1); /* an added member's rule taken */
	size_t n_terms = m->n_terms;
	unsigned j;
	bool ok = false;

	if (rules == NULL || filled == NULL)
		goto out;
	for (j = 0; j < new->n; j++)
		if (d->src[j] >= 0)
			rules[j] = m->rules[d->src[j]]; /* moved at the end */
	/* each window gives exactly one plain rule per member, in order: the kept members' as
	 * they were; the added members' are taken from it */
	for (unsigned w = 0; w < d->n_win; w++) {
		unsigned lo = d->win[w][0], hi = d->win[w][1];
		struct lf_match p;
		bool same;
		if (!probe_window(c, n, d, w, false, &p))
			goto out;
		same = p.n == hi - lo + 1;
		for (unsigned k = 0; same && k < p.n; k++) {
			unsigned x = lo + k;
			if (p.rules[k].n_dims) {
				same = false;
			} else if (d->src[x] >= 0 || filled[x]) {
				same = lf_rule_cmp(&p.rules[k], &rules[x]) == 0;
			} else {
				rules[x] = p.rules[k];
				memset(&p.rules[k], 0, sizeof(p.rules[k]));
				filled[x] = 1;
			}
		}
		lf_match_free(&p);
		if (!same)
			goto out;
	}
	/* no added rule repeats another (plain rules: their terms are all of them) */
	for (j = 0; j < new->n; j++) {
		if (d->src[j] >= 0)
			continue;
		if (!filled[j] || (new->n > 1 && conj_repeated(&rules[j].terms, rule_terms_at, rules,
							       new->n, j, j ? j - 1 : 1)))
			goto out;
		n_terms += rules[j].terms.n;
	}
	ok = true;
out:
	if (!ok) {
		for (j = 0; filled && j < new->n; j++)
			if (filled[j])
				lf_rule_free(&rules[j]);
		free(rules);
		free(filled);
		return false;
	}
	/* free the removed members' rules, install the new list */
	for (unsigned i = 0; i < old->n; i++)
		if (!d->kept[i]) {
			n_terms -= m->rules[i].terms.n;
			lf_rule_free(&m->rules[i]);
		}
	free(m->rules);
	free(filled);
	m->rules = rules;
	m->n = new->n;
	m->n_terms = n_terms;
	return true;
}

/* ---- the set as one dimension of conjunctive rules ---- */

static bool conj_dup(struct lf_conj *d, const struct lf_conj *s)
{
	d->n = 0;
	if ((d->terms = calloc(s->n ? s->n : 1, sizeof(*d->terms))) == NULL)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		d->terms[i] = s->terms[i];
		if (s->terms[i].name && (d->terms[i].name = strdup(s->terms[i].name)) == NULL)
			return lf_conj_free(d), false;
		d->n++;
	}
	return true;
}

static bool dim_eq(const struct lf_dim *a, const struct lf_dim *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (lf_conj_cmp(&a->alts[i], &b->alts[i]) != 0)
			return false;
	return true;
}

/* Which dimension of each rule of m is the set's, seen from p (m compiled with the set =
 * np members instead of the old nm): p must have the same rules but for exactly that
 * dimension, which has nm alternatives in m and np in p. ds[r] = -1: rule r without it. */
static bool set_dims(const struct lf_match *m, const struct lf_match *p, size_t nm, size_t np,
		     int *ds)
{
	bool any = false;
	if (m->n != p->n)
		return false;
	for (size_t r = 0; r < m->n; r++) {
		const struct lf_rule *a = &m->rules[r], *b = &p->rules[r];
		ds[r] = -1;
		if (a->n_dims != b->n_dims || lf_conj_cmp(&a->terms, &b->terms) != 0)
			return false;
		for (size_t d = 0; d < a->n_dims; d++) {
			if (dim_eq(&a->dims[d], &b->dims[d]))
				continue;
			if (ds[r] >= 0 || a->dims[d].n != nm || b->dims[d].n != np)
				return false;
			ds[r] = (int)d;
		}
		any |= ds[r] >= 0;
	}
	return any;
}

static bool patch_conj(struct lfc *c, struct lfc_node *n, const struct lfc_set_diff *d)
{
	const struct lt_set *old = d->old, *new = d->new;
	struct lf_match *m = &n->f.match;
	size_t nr = m->n;
	int *ds = calloc(nr ? nr : 1, sizeof(*ds)), *pds = calloc(nr ? nr : 1, sizeof(*pds));
	struct lf_conj **alts = calloc(nr ? nr : 1, sizeof(*alts)); /* per rule: new alts */
	unsigned char *filled = calloc(nr * new->n + 1, 1); /* rule x added member: alt set */
	bool ok = false;
	unsigned j;

	if (old->n < 2 || new->n < 2 || nr == 0 || !ds || !pds || !alts || !filled)
		goto out;
	for (unsigned w = 0; w < d->n_win; w++) {
		unsigned lo = d->win[w][0], hi = d->win[w][1];
		struct lf_match p;
		bool same;
		if (!probe_window(c, n, d, w, true, &p))
			goto out;
		same = set_dims(m, &p, old->n, hi - lo + 1, w ? pds : ds);
		if (same && w == 0) { /* the kept members' alternatives: moved at the end */
			for (size_t r = 0; r < nr && same; r++) {
				const struct lf_dim *od;
				if (ds[r] < 0)
					continue;
				od = &m->rules[r].dims[ds[r]];
				same = (alts[r] = calloc(new->n, sizeof(**alts))) != NULL;
				for (j = 0; same && j < new->n; j++)
					if (d->src[j] >= 0)
						alts[r][j] = od->alts[d->src[j]];
			}
		} else if (same) {
			same = memcmp(ds, pds, nr * sizeof(*ds)) == 0;
		}
		/* the window's alternatives: the kept ones as they were, the added ones taken */
		for (size_t r = 0; r < nr && same; r++) {
			const struct lf_dim *pd;
			if (ds[r] < 0)
				continue;
			pd = &p.rules[r].dims[ds[r]];
			for (unsigned k = 0; same && k <= hi - lo; k++) {
				unsigned x = lo + k;
				unsigned char *f = &filled[r * new->n + x];
				if (d->src[x] >= 0 || *f)
					same = lf_conj_cmp(&pd->alts[k], &alts[r][x]) == 0;
				else
					same = (*f = conj_dup(&alts[r][x], &pd->alts[k])) != 0;
			}
		}
		lf_match_free(&p);
		if (!same)
			goto out;
	}
	/* no added alternative repeats another; the rule stays conjunctive */
	for (size_t r = 0; r < nr; r++) {
		size_t product = 1;
		if (ds[r] < 0)
			continue;
		for (j = 0; j < new->n; j++)
			if (d->src[j] < 0 &&
			    conj_repeated(&alts[r][j], conj_at, alts[r], new->n, j, j ? j - 1 : 1))
				goto out;
		if (m->rules[r].n_dims < 2)
			goto out;
		for (size_t x = 0; x < m->rules[r].n_dims && product <= LF_NORM_MAX_EXPAND_DEFAULT; x++)
			product *= (int)x == ds[r] ? new->n : m->rules[r].dims[x].n;
		if (product <= LF_NORM_MAX_EXPAND_DEFAULT)
			goto out;
	}
	ok = true;
	/* install: the removed members' alternatives freed, the new lists in */
	for (size_t r = 0; r < nr; r++) {
		struct lf_dim *od;
		if (ds[r] < 0)
			continue;
		od = &m->rules[r].dims[ds[r]];
		for (unsigned i = 0; i < old->n; i++)
			if (!d->kept[i]) {
				m->n_terms -= od->alts[i].n;
				lf_conj_free(&od->alts[i]);
			}
		for (j = 0; j < new->n; j++)
			if (d->src[j] < 0)
				m->n_terms += alts[r][j].n;
		free(od->alts);
		od->alts = alts[r];
		od->n = new->n;
		alts[r] = NULL;
		memset(filled + r * new->n, 0, new->n); /* owned by the rule now */
	}
out:
	for (size_t r = 0; alts && r < nr; r++) {
		for (j = 0; alts[r] && j < new->n; j++)
			if (filled[r * new->n + j])
				lf_conj_free(&alts[r][j]);
		free(alts[r]);
	}
	free(alts);
	free(filled);
	free(ds);
	free(pds);
	return ok;
}

bool lfc_patch_set(struct lfc *c, struct lfc_node *n, const struct lfc_set_diff *d)
{
	const struct lf_match *m = &n->f.match;
	bool plain = m->n == d->old->n;

	if (!d->ok || n->f.skip_reason || n->f.prog == NULL || !one_set_ref(n))
		return false;
	for (size_t r = 0; r < m->n && plain; r++)
		plain = m->rules[r].n_dims == 0;
	return plain ? patch_plain(c, n, d) : patch_conj(c, n, d);
}
