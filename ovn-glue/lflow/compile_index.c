/* SPDX-License-Identifier: Apache-2.0 */
/* The compiler's dependency index and its per-(datapath, pipeline, stage) flow lists (see
 * compile_int.h). Lists are kept sorted: a flow comes or goes with a binary search and one
 * memmove, so a pass never rebuilds or re-sorts the lists of flows it did not touch. */
#include "compile_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- dependencies ---- */

static struct lfc_users *users_find(const struct lfc *c, const char *key, uint32_t h)
{
	for (struct hnode *x = hmap_first_with_hash(&c->users, h); x; x = hmap_next_with_hash(x)) {
		struct lfc_users *u = container_of(x, struct lfc_users, node);
		if (strcmp(u->key, key) == 0)
			return u;
	}
	return NULL;
}

void lfc_ref_add(struct lfc *c, struct lfc_node *n, const char *key)
{
	uint32_t h = hash_string(key, 11);
	struct lfc_users *u = users_find(c, key, h);
	struct lfc_ref *r;

	if (u) {
		for (unsigned i = 0; i < n->n_refs; i++)
			if (n->refs[i].u == u)
				return; /* already recorded */
	} else {
		if ((u = calloc(1, sizeof(*u))) == NULL || (u->key = strdup(key)) == NULL) {
			free(u);
			return;
		}
		hmap_insert(&c->users, &u->node, h);
	}
	if (u->n == u->cap) {
		unsigned cap = u->cap ? u->cap * 2 : 4;
		struct lfc_node **v = realloc(u->v, cap * sizeof(*v));
		if (v == NULL)
			return;
		u->v = v;
		u->cap = cap;
	}
	if ((r = realloc(n->refs, (n->n_refs + 1) * sizeof(*r))) == NULL)
		return;
	n->refs = r;
	r[n->n_refs++] = (struct lfc_ref){u, u->n};
	u->v[u->n++] = n;
	if (key[0] == '@')
		n->pg_refs = true;
}

void lfc_refs_clear(struct lfc *c, struct lfc_node *n)
{
	for (unsigned i = 0; i < n->n_refs; i++) {
		struct lfc_users *u = n->refs[i].u;
		unsigned pos = n->refs[i].pos;
		struct lfc_node *last = u->v[--u->n];
		if (last != n) {
			u->v[pos] = last;
			for (unsigned k = 0; k < last->n_refs; k++)
				if (last->refs[k].u == u) {
					last->refs[k].pos = pos;
					break;
				}
		}
		if (u->n == 0) {
			hmap_remove(&c->users, &u->node);
			free(u->v);
			free(u->key);
			free(u);
		}
	}
	free(n->refs);
	n->refs = NULL;
	n->n_refs = 0;
	n->pg_refs = false;
}

struct lfc_node **lfc_users_of(const struct lfc *c, const char *key, unsigned *n)
{
	struct lfc_users *u = users_find(c, key, hash_string(key, 11));
	struct lfc_node **v;
	*n = 0;
	if (u == NULL || (v = malloc(u->n * sizeof(*v))) == NULL)
		return NULL;
	memcpy(v, u->v, u->n * sizeof(*v));
	*n = u->n;
	return v;
}

/* ---- lists ---- */

static uint32_t list_hash(int64_t dp_key, bool egress, const char *stage)
{
	return hash_string(stage, (uint32_t)dp_key * 2 + egress);
}

struct lfc_list *lfc_list_get(const struct lfc *c, int64_t dp_key, bool egress, const char *stage)
{
	uint32_t h = list_hash(dp_key, egress, stage);
	for (struct hnode *x = hmap_first_with_hash(&c->lists, h); x; x = hmap_next_with_hash(x)) {
		struct lfc_list *s = container_of(x, struct lfc_list, node);
		if (s->dp_key == dp_key && s->egress == egress && strcmp(s->stage, stage) == 0)
			return s;
	}
	return NULL;
}

static struct lfc_list *list_create(struct lfc *c, int64_t dp_key, bool egress, const char *stage)
{
	struct lfc_list *s = lfc_list_get(c, dp_key, egress, stage);
	if (s)
		return s;
	if ((s = calloc(1, sizeof(*s))) == NULL || (s->stage = strdup(stage)) == NULL) {
		free(s);
		return NULL;
	}
	s->dp_key = dp_key;
	s->egress = egress;
	hmap_insert(&c->lists, &s->node, list_hash(dp_key, egress, stage));
	return s;
}

static void list_free(struct lfc *c, struct lfc_list *s)
{
	hmap_remove(&c->lists, &s->node);
	free(s->flows);
	free(s->stage);
	free(s);
}

static int cmp_flows(const struct lfc_flow *x, const struct lfc_flow *y)
{
	if (x->priority != y->priority)
		return y->priority < x->priority ? -1 : 1;
	return memcmp(&x->uuid, &y->uuid, sizeof(x->uuid)); /* stable across rebuilds */
}

static int by_priority(const void *a, const void *b)
{
	return cmp_flows(*(const struct lfc_flow *const *)a, *(const struct lfc_flow *const *)b);
}

/* First index whose flow does not sort before f. */
static unsigned lower_bound(const struct lfc_list *s, const struct lfc_flow *f)
{
	unsigned lo = 0, hi = s->n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (cmp_flows(s->flows[mid], f) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The datapath keys n is listed under; *k set (a group's may be many). */
static void for_each_dp(struct lfc *c, struct lfc_node *n,
			void (*fn)(struct lfc *c, struct lfc_node *n, int64_t key, bool sorted),
			bool sorted)
{
	if (!ovs_uuid_is_zero(&n->dp)) {
		const struct lt_datapath *d = ltopo_dp_by_uuid(c->topo, &n->dp);
		if (d)
			fn(c, n, d->key, sorted);
	} else if (!ovs_uuid_is_zero(&n->dpg)) {
		unsigned k;
		const struct lt_datapath *const *dps = ltopo_dp_group(c->topo, &n->dpg, &k);
		for (unsigned i = 0; dps && i < k; i++)
			fn(c, n, dps[i]->key, sorted);
	}
}

static void list_one(struct lfc *c, struct lfc_node *n, int64_t key, bool sorted)
{
	struct lfc_list *s = list_create(c, key, n->f.egress, n->f.stage);
	struct lfc_list **l;
	unsigned at;

	if (s == NULL)
		return;
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 8;
		const struct lfc_flow **nf = realloc(s->flows, cap * sizeof(*nf));
		if (nf == NULL)
			return;
		s->flows = nf;
		s->cap = cap;
	}
	if ((l = realloc(n->lists, (n->n_lists + 1) * sizeof(*l))) == NULL)
		return;
	n->lists = l;
	l[n->n_lists++] = s;
	at = sorted ? lower_bound(s, &n->f) : s->n;
	memmove(&s->flows[at + 1], &s->flows[at], (s->n - at) * sizeof(*s->flows));
	s->flows[at] = &n->f;
	s->n++;
}

void lfc_list_flow(struct lfc *c, struct lfc_node *n)
{
	if (n->f.stage)
		for_each_dp(c, n, list_one, true);
}

void lfc_unlist_flow(struct lfc *c, struct lfc_node *n)
{
	for (unsigned i = 0; i < n->n_lists; i++) {
		struct lfc_list *s = n->lists[i];
		unsigned at = lower_bound(s, &n->f);
		if (at < s->n && s->flows[at] == &n->f) {
			memmove(&s->flows[at], &s->flows[at + 1],
				(s->n - at - 1) * sizeof(*s->flows));
			s->n--;
		}
		if (s->n == 0)
			list_free(c, s);
	}
	free(n->lists);
	n->lists = NULL;
	n->n_lists = 0;
}

void lfc_list_all(struct lfc *c)
{
	for (struct hnode *x = hmap_first(&c->flows); x; x = hmap_next(&c->flows, x)) {
		struct lfc_node *n = container_of(x, struct lfc_node, node);
		if (n->f.stage)
			for_each_dp(c, n, list_one, false);
	}
	for (struct hnode *x = hmap_first(&c->lists); x; x = hmap_next(&c->lists, x)) {
		struct lfc_list *s = container_of(x, struct lfc_list, node);
		qsort(s->flows, s->n, sizeof(*s->flows), by_priority);
	}
}

void lfc_lists_clear(struct lfc *c)
{
	struct hnode *x = hmap_first(&c->lists), *next;
	for (; x; x = next) {
		next = hmap_next(&c->lists, x);
		list_free(c, container_of(x, struct lfc_list, node));
	}
	for (x = hmap_first(&c->flows); x; x = hmap_next(&c->flows, x)) {
		struct lfc_node *n = container_of(x, struct lfc_node, node);
		free(n->lists);
		n->lists = NULL;
		n->n_lists = 0;
	}
}
