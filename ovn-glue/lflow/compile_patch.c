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

static bool sorted(const struct lt_set *s)
{
	for (unsigned i = 1; i < s->n; i++)
		if (strcmp(s->items[i - 1], s->items[i]) >= 0)
			return false;
	return true;
}

static bool one_set_ref(const struct lfc_node *n)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n->n_refs; i++)
		k += n->refs[i].u->key[0] == '$';
	return k == 1;
}

/* The flow compiled with the set = members, looked up once, conjunctive rules never
 * expanded (a probe of 2 or 3 members keeps the shape the whole set gives). */
static bool probe_any(struct lfc *c, const struct lfc_node *n, const char *set,
		      const char *const *members, size_t n_members, struct lf_match *m)
{
	static const struct lf_norm_opts keep = {.max_expand = 1};
	unsigned hits = 0;
	if (lfc_probe_match(c, n, set, members, n_members, &keep, m, &hits) < 0 || hits != 1) {
		lf_match_free(m);
		return false;
	}
	return true;
}

/* The same, plain rules only. */
static bool probe(struct lfc *c, const struct lfc_node *n, const char *set,
		  const char *const *members, size_t n_members, struct lf_match *m)
{
	unsigned hits = 0;
	if (lfc_probe_match(c, n, set, members, n_members, NULL, m, &hits) < 0 || hits != 1) {
		lf_match_free(m);
		return false;
	}
	for (size_t i = 0; i < m->n; i++)
		if (m->rules[i].n_dims) {
			lf_match_free(m);
			return false;
		}
	return true;
}

/* The two neighbouring members i < j, compiled together, give exactly rules[i], rules[j]. */
static bool pair_ok(struct lfc *c, const struct lfc_node *n, const struct lt_set *s,
		    const struct lf_rule *rules, unsigned i, unsigned j)
{
	const char *m[2] = {s->items[i], s->items[j]};
	struct lf_match p;
	bool ok;
	if (!probe(c, n, s->name, m, 2, &p))
		return false;
	ok = p.n == 2 && lf_rule_cmp(&p.rules[0], &rules[i]) == 0 &&
	     lf_rule_cmp(&p.rules[1], &rules[j]) == 0;
	lf_match_free(&p);
	return ok;
}

/* One plain rule per member: rules taken out and put in. */
static bool patch_plain(struct lfc *c, struct lfc_node *n, const struct lt_set *old,
			const struct lt_set *new)
{
	struct lf_match *m = &n->f.match;
	struct lf_rule *rules = NULL;
	unsigned char *added = NULL; /* per new member */
	unsigned i, j;
	bool ok = false;

	if ((rules = calloc(new->n, sizeof(*rules))) == NULL ||
	    (added = calloc(new->n, 1)) == NULL)
		goto out;
	/* the new rules: the kept members' (moved), the added members' (compiled alone) */
	for (i = j = 0; j < new->n;) {
		int k = i == old->n ? 1 : strcmp(old->items[i], new->items[j]);
		if (k < 0) {
			i++;
		} else if (k == 0) {
			rules[j++] = m->rules[i++];
		} else {
			const char *one = new->items[j];
			struct lf_match p;
			if (!probe(c, n, new->name, &one, 1, &p))
				goto out;
			if (p.n != 1) {
				lf_match_free(&p);
				goto out;
			}
			rules[j] = p.rules[0];
			free(p.rules);
			added[j++] = 1;
		}
	}
	/* no added rule repeats another */
	for (j = 0; j < new->n; j++)
		for (unsigned k = 0; added[j] && k < new->n; k++)
			if (k != j && lf_rule_cmp(&rules[j], &rules[k]) == 0)
				goto out;
	/* neighbours of each added member, and of each place a member was removed from */
	for (i = j = 0; new->n > 1 && (i < old->n || j < new->n);) {
		int k = i == old->n ? 1 : j == new->n ? -1 : strcmp(old->items[i], new->items[j]);
		if (k < 0) { /* removed: between new j-1 and j */
			unsigned a = j ? j - 1 : 0, b = j ? j : 1;
			if (b >= new->n)
				a = new->n - 2, b = new->n - 1;
			if (!pair_ok(c, n, new, rules, a, b))
				goto out;
			i++;
			continue;
		}
		if (k > 0) {
			unsigned a = j ? j - 1 : 0, b = j ? j : 1;
			if (!pair_ok(c, n, new, rules, a, b))
				goto out;
		}
		i += k == 0;
		j++;
	}
	ok = true;
out:
	if (!ok) {
		for (j = 0; rules && added && j < new->n; j++)
			if (added[j])
				lf_rule_free(&rules[j]);
		free(rules);
		free(added);
		return false;
	}
	/* free the removed members' rules, install the new list */
	for (i = j = 0; i < old->n; i++) {
		while (j < new->n && strcmp(new->items[j], old->items[i]) < 0)
			j++;
		if (j == new->n || strcmp(new->items[j], old->items[i]) != 0)
			lf_rule_free(&m->rules[i]);
	}
	free(m->rules);
	m->rules = rules;
	m->n = new->n;
	m->n_terms = 0;
	for (j = 0; j < new->n; j++)
		m->n_terms += rules[j].terms.n;
	free(added);
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

struct cpatch {
	const struct lt_set *old, *new;
	const struct lf_match *m;
	int *src;                /* per new member: its old index, -1 when added */
	int *ds;                 /* per rule: the set's dimension, -1 none */
	struct lf_conj **alts;   /* per rule with one: new->n alternatives */
	unsigned char *filled;   /* per rule x new member: an added member's alternative set */
};

/* Probe with the new members lo..hi and check or take their alternatives. */
static bool window(struct lfc *c, const struct lfc_node *n, struct cpatch *cp, bool first,
		   unsigned lo, unsigned hi)
{
	const char *mem[3];
	size_t np = hi - lo + 1, nr = cp->m->n;
	struct lf_match p;
	int *ds = calloc(nr, sizeof(*ds));
	bool ok = false;

	for (unsigned k = 0; k < np; k++)
		mem[k] = cp->new->items[lo + k];
	if (ds == NULL || !probe_any(c, n, cp->new->name, mem, np, &p)) {
		free(ds);
		return false;
	}
	if (!set_dims(cp->m, &p, cp->old->n, np, ds))
		goto out;
	if (first)
		memcpy(cp->ds, ds, nr * sizeof(*ds));
	else if (memcmp(cp->ds, ds, nr * sizeof(*ds)) != 0)
		goto out;
	for (size_t r = 0; r < nr; r++) {
		const struct lf_dim *pd;
		if (ds[r] < 0)
			continue;
		pd = &p.rules[r].dims[ds[r]];
		for (unsigned k = 0; k < np; k++) {
			unsigned j = lo + k;
			unsigned char *f = &cp->filled[r * cp->new->n + j];
			if (cp->src[j] >= 0 || *f) {
				if (lf_conj_cmp(&pd->alts[k], &cp->alts[r][j]) != 0)
					goto out;
			} else {
				if (!conj_dup(&cp->alts[r][j], &pd->alts[k]))
					goto out;
				*f = 1;
			}
		}
	}
	ok = true;
out:
	lf_match_free(&p);
	free(ds);
	return ok;
}

static bool patch_conj(struct lfc *c, struct lfc_node *n, const struct lt_set *old,
		       const struct lt_set *new)
{
	struct lf_match *m = &n->f.match;
	size_t nr = m->n;
	struct cpatch cp = {old, new, m, NULL, NULL, NULL, NULL};
	unsigned i, j;
	bool ok = false, first = true;

	if (old->n < 2 || new->n < 2 || nr == 0)
		return false;
	cp.src = calloc(new->n, sizeof(*cp.src));
	cp.ds = calloc(nr, sizeof(*cp.ds));
	cp.alts = calloc(nr, sizeof(*cp.alts));
	cp.filled = calloc(nr * new->n, 1);
	if (!cp.src || !cp.ds || !cp.alts || !cp.filled)
		goto out;
	for (i = j = 0; j < new->n;) {
		int k = i == old->n ? 1 : strcmp(old->items[i], new->items[j]);
		if (k < 0) {
			i++;
			continue;
		}
		cp.src[j++] = k == 0 ? (int)i++ : -1;
	}
	/* the set's dimension in each rule, from a first window, then every window */
	for (i = j = 0; i < old->n || j < new->n;) {
		int k = i == old->n ? 1 : j == new->n ? -1 : strcmp(old->items[i], new->items[j]);
		unsigned lo, hi;
		if (k == 0) {
			i++, j++;
			continue;
		}
		if (k < 0) { /* removed: the new members either side */
			lo = j ? j - 1 : 0;
			hi = lo + 1;
			if (hi >= new->n)
				lo = new->n - 2, hi = new->n - 1;
			i++;
		} else { /* added: with its neighbours */
			lo = j ? j - 1 : j;
			hi = j + 1 < new->n ? j + 1 : j;
			j++;
		}
		if (first) {
			/* learn the dimensions; then the kept members' alternatives are known */
			struct lf_match p;
			const char *mem[3];
			for (unsigned q = 0; q <= hi - lo; q++)
				mem[q] = new->items[lo + q];
			if (!probe_any(c, n, new->name, mem, hi - lo + 1, &p))
				goto out;
			ok = set_dims(m, &p, old->n, hi - lo + 1, cp.ds);
			lf_match_free(&p);
			if (!ok)
				goto out;
			ok = false;
			for (size_t r = 0; r < nr; r++) {
				const struct lf_dim *od;
				if (cp.ds[r] < 0)
					continue;
				od = &m->rules[r].dims[cp.ds[r]];
				if ((cp.alts[r] = calloc(new->n, sizeof(**cp.alts))) == NULL)
					goto out;
				for (unsigned q = 0; q < new->n; q++)
					if (cp.src[q] >= 0)
						cp.alts[r][q] = od->alts[cp.src[q]]; /* moved at the end */
			}
		}
		if (!window(c, n, &cp, first, lo, hi))
			goto out;
		first = false;
	}
	/* no added alternative repeats another; the rule stays conjunctive */
	for (size_t r = 0; r < nr; r++) {
		size_t product = 1;
		if (cp.ds[r] < 0)
			continue;
		for (j = 0; j < new->n; j++)
			for (unsigned k = 0; cp.src[j] < 0 && k < new->n; k++)
				if (k != j && lf_conj_cmp(&cp.alts[r][j], &cp.alts[r][k]) == 0)
					goto out;
		if (m->rules[r].n_dims < 2)
			goto out;
		for (size_t d = 0; d < m->rules[r].n_dims && product <= LF_NORM_MAX_EXPAND_DEFAULT; d++)
			product *= (int)d == cp.ds[r] ? new->n : m->rules[r].dims[d].n;
		if (product <= LF_NORM_MAX_EXPAND_DEFAULT)
			goto out;
	}
	ok = true;
	/* install: the removed members' alternatives freed, the new lists in */
	for (size_t r = 0; r < nr; r++) {
		struct lf_dim *od;
		if (cp.ds[r] < 0)
			continue;
		od = &m->rules[r].dims[cp.ds[r]];
		for (i = j = 0; i < old->n; i++) {
			while (j < new->n && strcmp(new->items[j], old->items[i]) < 0)
				j++;
			if (j == new->n || strcmp(new->items[j], old->items[i]) != 0)
				lf_conj_free(&od->alts[i]);
		}
		free(od->alts);
		od->alts = cp.alts[r];
		od->n = new->n;
		cp.alts[r] = NULL;
	}
	m->n_terms = 0;
	for (size_t r = 0; r < nr; r++) {
		m->n_terms += m->rules[r].terms.n;
		for (size_t d = 0; d < m->rules[r].n_dims; d++)
			for (size_t a = 0; a < m->rules[r].dims[d].n; a++)
				m->n_terms += m->rules[r].dims[d].alts[a].n;
	}
out:
	for (size_t r = 0; cp.alts && r < nr; r++) {
		for (j = 0; cp.alts[r] && j < new->n; j++)
			if (cp.filled[r * new->n + j])
				lf_conj_free(&cp.alts[r][j]);
		free(cp.alts[r]);
	}
	free(cp.alts);
	free(cp.filled);
	free(cp.ds);
	free(cp.src);
	return ok;
}

bool lfc_patch_set(struct lfc *c, struct lfc_node *n, const struct lt_set *old,
		   const struct lt_set *new)
{
	const struct lf_match *m = &n->f.match;
	unsigned i = 0, j = 0, n_add = 0, n_del = 0;
	bool plain = m->n == old->n;

	if (n->f.skip_reason || n->f.prog == NULL || new->n == 0 || !one_set_ref(n) ||
	    !sorted(old) || !sorted(new))
		return false;
	/* the difference, by merging the two sorted lists */
	while (i < old->n || j < new->n) {
		int k = i == old->n ? 1 : j == new->n ? -1 : strcmp(old->items[i], new->items[j]);
		n_del += k < 0;
		n_add += k > 0;
		i += k <= 0;
		j += k >= 0;
	}
	if (n_add + n_del == 0 || n_add + n_del > LFC_PATCH_MAX_DIFF)
		return false;
	for (size_t r = 0; r < m->n && plain; r++)
		plain = m->rules[r].n_dims == 0;
	return plain ? patch_plain(c, n, old, new) : patch_conj(c, n, old, new);
}
