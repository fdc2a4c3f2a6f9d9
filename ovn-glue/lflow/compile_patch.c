/* SPDX-License-Identifier: Apache-2.0 */
/* Patching a flow's compiled match with an address set's difference, instead of parsing and
 * normalising every member again (a member added to a 10,000-address set used by 8 flows
 * cost 40-76 ms recompiled; issue #4).
 *
 * When it applies. The normaliser (expr_norm.c) turns `f == $S' (alone, or ANDed with other
 * terms) into one plain rule per member, in the set's order, repeated rules dropped: the
 * set's alternatives become a single dimension, which is always expanded. So when the flow's
 * match has exactly one plain rule per old member, each member made its own distinct rule,
 * rule i being member i's; the new match is then the old one with the removed members'
 * rules taken out and each added member's rule (the flow compiled with the set = {member})
 * put at the member's place. This is checked, not assumed; any doubt recompiles the flow:
 *   - the flow looks up one address set only, and that one once (a set used twice, or a
 *     second set that may also have changed, recompiles);
 *   - the old match has as many rules as the old set has members, all plain (a set under
 *     `!=' / `!' gives one alternative per address bit, a conjunctive rule, or more rules);
 *   - both member lists are sorted (as OVSDB keeps them), so the difference is one merge;
 *   - each added member alone gives exactly one plain rule, equal to no other rule (the
 *     normaliser would have dropped a repeat);
 *   - around each added or removed member, the flow compiled with the set = the two
 *     neighbouring members gives exactly their two rules, in order: a member that the
 *     rule's other terms already imply (which makes the whole dimension vanish) or a rule
 *     out of place shows there;
 *   - the difference is small (at most LFC_PATCH_MAX_DIFF members).
 * test_lflow_incremental compares the patched output with a full compile after each change. */
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

/* The flow compiled with the set = members (0 rules if it does not compile). */
static bool probe(struct lfc *c, const struct lfc_node *n, const char *set,
		  const char *const *members, size_t n_members, struct lf_match *m)
{
	unsigned hits = 0;
	if (lfc_probe_match(c, n, set, members, n_members, m, &hits) < 0 || hits != 1) {
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

bool lfc_patch_set(struct lfc *c, struct lfc_node *n, const struct lt_set *old,
		   const struct lt_set *new)
{
	struct lf_match *m = &n->f.match;
	struct lf_rule *rules = NULL;
	unsigned char *added = NULL; /* per new member */
	unsigned i = 0, j = 0, n_add = 0, n_del = 0;
	bool ok = false;

	if (n->f.skip_reason || n->f.prog == NULL || new->n == 0 || m->n != old->n ||
	    !one_set_ref(n) || !sorted(old) || !sorted(new))
		return false;
	for (size_t r = 0; r < m->n; r++)
		if (m->rules[r].n_dims)
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
