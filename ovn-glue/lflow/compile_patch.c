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
 *   - no added rule or alternative equals another one (the normaliser would drop it):
 *     looked up in the list's index (compile_pidx.c, kept with the flow), not walked.
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

bool lfc_set_diff_init(struct lfc_set_diff *d, const struct lt_set *old, const struct lt_set *new)
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
	d->add_at = calloc(LFC_PATCH_MAX_DIFF, sizeof(*d->add_at));
	d->del_at = calloc(LFC_PATCH_MAX_DIFF, sizeof(*d->del_at));
	if (!d->src || !d->kept || !d->win || !d->add_at || !d->del_at)
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
			d->del_at[d->n_del++] = i;
			i++;
		} else { /* added: with its neighbours */
			lo = j ? j - 1 : j;
			hi = j + 1 < new->n ? j + 1 : j;
			d->add_at[d->n_add] = j;
			d->src[j++] = -1 - (int)d->n_add++;
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
	free(d->add_at);
	free(d->del_at);
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
	return probe_opts(c, n, d->new->name, (const char *const *)d->new->items + lo, hi - lo + 1,
			  keep ? &keep_opts : NULL, m);
}

/* ---- repeats ---- */

static inline bool term_eq(const struct lf_term *a, const struct lf_term *b)
{
	return a->type == b->type && a->mf == b->mf && a->neg == b->neg && a->value == b->value &&
	       a->mask == b->mask &&
	       (a->name == b->name || (a->name && b->name && strcmp(a->name, b->name) == 0));
}

/* The new list of a patch without building it: kept entries where they were in the old
 * list, added ones apart (by slot). stride: bytes from one entry's conjunction to the next
 * (a rule's terms, or an alternative). */
struct view {
	const struct lfc_set_diff *d;
	const char *old, *added;
	size_t stride;
};

static const struct lf_conj *view_at(const struct view *v, size_t x)
{
	int s = v->d->src[x];
	return (const struct lf_conj *)(s >= 0 ? v->old + (size_t)s * v->stride
					       : v->added + (size_t)(-1 - s) * v->stride);
}

/* Is entry self (added) equal to another one? It differs from its neighbour at term t, so
 * only entries with its term t there can equal it: that inline test first, the full
 * comparison only then (these lists have 10,000 entries). */
static bool repeated(const struct view *v, size_t self)
{
	size_t n = v->d->new->n, t = 0;
	const struct lf_conj *x = view_at(v, self), *o;
	if (n < 2)
		return false;
	o = view_at(v, self ? self - 1 : 1);
	while (t < x->n && t < o->n && term_eq(&x->terms[t], &o->terms[t]))
		t++;
	if (t == x->n && t == o->n)
		return true; /* equal to its neighbour */
	for (size_t k = 0; k < n; k++) {
		const struct lf_conj *y = view_at(v, k);
		if (k == self || y->n != x->n)
			continue;
		if (t < x->n && !term_eq(&y->terms[t], &x->terms[t]))
			continue;
		if (lf_conj_cmp(x, y) == 0)
			return true;
	}
	return false;
}

/* The same with the list's index (compile_pidx.c), NULL: the walk above. Slot k's entry
 * repeats another if the index (the old list) holds an equal one that this patch does not
 * remove, or if an earlier added entry equals it. */
static bool repeated_ix(const struct view *v, const struct lfc_pidx *x, unsigned k)
{
	const struct lf_conj *e = view_at(v, v->d->add_at[k]);
	const struct lf_term *t;
	if (x == NULL)
		return repeated(v, v->d->add_at[k]);
	for (unsigned j = 0; j < k; j++)
		if (lf_conj_cmp(e, view_at(v, v->d->add_at[j])) == 0)
			return true;
	if ((t = lfc_pidx_find(x, e)) == NULL)
		return false;
	for (unsigned j = 0; j < v->d->n_del; j++)
		if (((const struct lf_conj *)(v->old + (size_t)v->d->del_at[j] * v->stride))
			->terms == t)
			return false; /* equal to a removed entry: not a repeat */
	return true;
}

/* Keep the index x of the list at old (stride apart) right across a patch: the removed
 * entries out (before they are freed), then (after the splice, added at the new list's
 * add_at) the added ones in. On failure the flow's index is dropped (rebuilt next time). */
static struct lfc_pidx *ix_del(struct lfc_node *n, struct lfc_pidx *x, const struct lfc_set_diff *d,
			       const char *old, size_t stride)
{
	for (unsigned k = 0; x && k < d->n_del; k++)
		if (!lfc_pidx_del(x,
				  (const struct lf_conj *)(old + (size_t)d->del_at[k] * stride))) {
			lfc_pidx_drop(n, x);
			return NULL;
		}
	return x;
}

static void ix_add(struct lfc_node *n, struct lfc_pidx *x, const struct lfc_set_diff *d,
		   const char *new, size_t stride)
{
	for (unsigned k = 0; x && k < d->n_add; k++)
		if (!lfc_pidx_add(x,
				  (const struct lf_conj *)(new + (size_t)d->add_at[k] * stride))) {
			lfc_pidx_drop(n, x);
			return;
		}
}

/* Rebuild the array *arr of the old list into the new one in place: the removed entries
 * (already freed) dropped, the kept ones moved by runs (those going left in order, those
 * going right in reverse order: a run never lands on a run not yet moved), the added ones
 * (added[slot]) copied in. The array was grown first (grow()). */
static void splice(char *a, size_t esz, const struct lfc_set_diff *d, const char *added)
{
	const int *src = d->src;
	size_t n = d->new->n;
	for (size_t x = 0; x < n;) {
		size_t x0 = x, s0;
		if (src[x] < 0) {
			x++;
			continue;
		}
		s0 = (size_t)src[x];
		while (x < n && src[x] >= 0 && (size_t)src[x] == s0 + (x - x0))
			x++;
		if (x0 < s0)
			memmove(a + x0 * esz, a + s0 * esz, (x - x0) * esz);
	}
	for (size_t x = n; x > 0;) {
		size_t x1 = x, e, s0;
		if (src[x - 1] < 0) {
			x--;
			continue;
		}
		e = (size_t)src[x - 1];
		while (x > 0 && src[x - 1] >= 0 && (size_t)src[x - 1] + (x1 - x) == e)
			x--;
		s0 = e + 1 - (x1 - x);
		if (x > s0)
			memmove(a + x * esz, a + s0 * esz, (x1 - x) * esz);
	}
	for (unsigned k = 0; k < d->n_add; k++)
		memcpy(a + (size_t)d->add_at[k] * esz, added + k * esz, esz);
}

/* Room for the larger of the two lists (realloc: an mmap'd array grows without a copy). */
static bool grow(void **arr, size_t esz, const struct lfc_set_diff *d)
{
	size_t n = d->old->n > d->new->n ? d->old->n : d->new->n;
	void *a = realloc(*arr, (n ? n : 1) * esz);
	if (a == NULL)
		return false;
	*arr = a;
	return true;
}

/* ---- one plain rule per member ---- */

static bool patch_plain(struct lfc *c, struct lfc_node *n, const struct lfc_set_diff *d)
{
	struct lf_match *m = &n->f.match;
	struct lf_rule *added = calloc(d->n_add + 1, sizeof(*added));
	unsigned char *filled = calloc(d->n_add + 1, 1); /* an added member's rule taken */
	struct view v = {d, NULL, (const char *)added, sizeof(struct lf_rule)};
	struct lfc_pidx *x = NULL;
	size_t n_terms = m->n_terms;
	bool ok = false;

	if (added == NULL || filled == NULL)
		goto out;
	v.old = (const char *)m->rules;
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
			int s = d->src[lo + k];
			if (p.rules[k].n_dims) {
				same = false;
			} else if (s >= 0) {
				same = lf_rule_cmp(&p.rules[k], &m->rules[s]) == 0;
			} else if (filled[-1 - s]) {
				same = lf_rule_cmp(&p.rules[k], &added[-1 - s]) == 0;
			} else {
				added[-1 - s] = p.rules[k];
				memset(&p.rules[k], 0, sizeof(p.rules[k]));
				filled[-1 - s] = 1;
			}
		}
		lf_match_free(&p);
		if (!same)
			goto out;
	}
	/* no added rule repeats another (plain rules: their terms are all of them) */
	for (unsigned k = 0; k < d->n_add; k++)
		if (!filled[k])
			goto out;
	x = lfc_pidx_get(n, -1, -1, m->rules, sizeof(*m->rules), d->old->n);
	for (unsigned k = 0; k < d->n_add; k++) {
		if (repeated_ix(&v, x, k))
			goto out;
		n_terms += added[k].terms.n;
	}
	if (!grow((void **)&m->rules, sizeof(*m->rules), d))
		goto out;
	/* free the removed members' rules, the list rebuilt in place */
	x = ix_del(n, x, d, (const char *)m->rules, sizeof(*m->rules));
	for (unsigned k = 0; k < d->n_del; k++) {
		n_terms -= m->rules[d->del_at[k]].terms.n;
		lf_rule_free(&m->rules[d->del_at[k]]);
	}
	splice((char *)m->rules, sizeof(*m->rules), d, (const char *)added);
	ix_add(n, x, d, (const char *)m->rules, sizeof(*m->rules));
	m->n = d->new->n;
	m->n_terms = n_terms;
	memset(filled, 0, d->n_add); /* the rules own them now */
	ok = true;
out:
	for (unsigned k = 0; filled && k < d->n_add; k++)
		if (filled[k])
			lf_rule_free(&added[k]);
	free(added);
	free(filled);
	return ok;
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
	size_t nr = m->n, na = d->n_add;
	int *ds = calloc(nr ? nr : 1, sizeof(*ds)), *pds = calloc(nr ? nr : 1, sizeof(*pds));
	struct lf_conj *added = calloc(nr * na + 1, sizeof(*added)); /* rule x slot */
	struct lfc_pidx **ix = calloc(nr ? nr : 1, sizeof(*ix));
	unsigned char *filled = calloc(nr * na + 1, 1);
	bool ok = false;

	if (old->n < 2 || new->n < 2 || nr == 0 || !ds || !pds || !added || !filled || !ix)
		goto out;
	for (unsigned w = 0; w < d->n_win; w++) {
		unsigned lo = d->win[w][0], hi = d->win[w][1];
		struct lf_match p;
		bool same;
		if (!probe_window(c, n, d, w, true, &p))
			goto out;
		same = set_dims(m, &p, old->n, hi - lo + 1, w ? pds : ds);
		if (same && w)
			same = memcmp(ds, pds, nr * sizeof(*ds)) == 0;
		/* the window's alternatives: the kept ones as they were, the added ones taken */
		for (size_t r = 0; r < nr && same; r++) {
			const struct lf_dim *pd, *od;
			if (ds[r] < 0)
				continue;
			pd = &p.rules[r].dims[ds[r]];
			od = &m->rules[r].dims[ds[r]];
			for (unsigned k = 0; same && k <= hi - lo; k++) {
				int s = d->src[lo + k];
				struct lf_conj *a =
				    s < 0 ? &added[r * na + (size_t)(-1 - s)] : NULL;
				if (s >= 0)
					same = lf_conj_cmp(&pd->alts[k], &od->alts[s]) == 0;
				else if (filled[a - added])
					same = lf_conj_cmp(&pd->alts[k], a) == 0;
				else
					same = (filled[a - added] = conj_dup(a, &pd->alts[k])) != 0;
			}
		}
		lf_match_free(&p);
		if (!same)
			goto out;
	}
	/* no added alternative repeats another; the rule stays conjunctive */
	for (size_t r = 0; r < nr; r++) {
		struct view v = {d, NULL, (const char *)&added[r * na], sizeof(struct lf_conj)};
		size_t product = 1;
		if (ds[r] < 0)
			continue;
		v.old = (const char *)m->rules[r].dims[ds[r]].alts;
		for (unsigned k = 0; k < na; k++)
			if (!filled[r * na + k])
				goto out;
		ix[r] = lfc_pidx_get(n, (int)r, ds[r], v.old, sizeof(struct lf_conj), old->n);
		for (unsigned k = 0; k < na; k++)
			if (repeated_ix(&v, ix[r], k))
				goto out;
		if (m->rules[r].n_dims < 2)
			goto out;
		for (size_t x = 0; x < m->rules[r].n_dims && product <= LF_NORM_MAX_EXPAND_DEFAULT;
		     x++)
			product *= (int)x == ds[r] ? new->n : m->rules[r].dims[x].n;
		if (product <= LF_NORM_MAX_EXPAND_DEFAULT)
			goto out;
		if (!grow((void **)&m->rules[r].dims[ds[r]].alts, sizeof(struct lf_conj), d))
			goto out;
	}
	/* install: the removed members' alternatives freed, the lists rebuilt in place */
	for (size_t r = 0; r < nr; r++) {
		struct lf_dim *od;
		if (ds[r] < 0)
			continue;
		od = &m->rules[r].dims[ds[r]];
		ix[r] = ix_del(n, ix[r], d, (const char *)od->alts, sizeof(*od->alts));
		for (unsigned k = 0; k < d->n_del; k++) {
			m->n_terms -= od->alts[d->del_at[k]].n;
			lf_conj_free(&od->alts[d->del_at[k]]);
		}
		for (unsigned k = 0; k < na; k++)
			m->n_terms += added[r * na + k].n;
		splice((char *)od->alts, sizeof(*od->alts), d, (const char *)&added[r * na]);
		ix_add(n, ix[r], d, (const char *)od->alts, sizeof(*od->alts));
		od->n = new->n;
		memset(filled + r * na, 0, na); /* owned by the rule now */
	}
	ok = true;
out:
	for (size_t k = 0; filled && added && k < nr * na; k++)
		if (filled[k])
			lf_conj_free(&added[k]);
	free(added);
	free(filled);
	free(ix);
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
