/* SPDX-License-Identifier: Apache-2.0 */
/* The patch index: per patched list of a flow (its plain rules, or one rule's address-set
 * dimension), a hash set of its entries, kept with the compiled flow, so compile_patch.c's
 * repeat check (does an added rule or alternative equal one already there? the normaliser
 * would have dropped it) is one lookup instead of a walk over the 10,000 entries of a
 * 10,000-address set's list (issue #4: that walk was a third of an added member's cost).
 *
 * Built on the flow's first patch (one pass over the list), then kept up to date by each
 * patch (the removed entries taken out, the added ones put in); dropped whenever the flow is
 * recompiled or removed (lfc_pidx_clear), or when keeping it up to date fails (out of
 * memory: it is rebuilt next time). An entry is known by its terms array, which belongs to
 * the entry and does not move when the list's array is rebuilt (splice moves the structs,
 * not their terms); it is found by content (the hash of its terms, then lf_conj_cmp). The
 * index also holds how many entries it has: a list whose length differs is not the one it
 * was built for, and the index is rebuilt. Open addressing, linear probing, tombstones. */
#include "compile_int.h"

#include <stdlib.h>
#include <string.h>

struct pslot {
	const struct lf_term *terms; /* NULL: empty; TOMB: deleted */
	uint32_t n, h;
};

struct lfc_pidx {
	int rule, dim; /* -1, -1: the flow's plain rules; else that rule's dimension */
	size_t cap, used, dead;
	struct pslot *slots;
};

static const struct lf_term tomb_term;
#define TOMB (&tomb_term)

static uint32_t conj_hash(const struct lf_conj *c)
{
	uint32_t h = (uint32_t)c->n;
	for (size_t i = 0; i < c->n; i++) {
		const struct lf_term *t = &c->terms[i];
		uint64_t v[5] = {(uint64_t)t->type << 33 | (uint64_t)t->mf << 1 | t->neg,
				 (uint64_t)t->value, (uint64_t)(t->value >> 64), (uint64_t)t->mask,
				 (uint64_t)(t->mask >> 64)};
		h = hash_bytes(v, sizeof(v), h);
		if (t->name)
			h = hash_string(t->name, h);
	}
	return h;
}

static bool same(const struct pslot *s, const struct lf_conj *c)
{
	struct lf_conj o = {s->n, (struct lf_term *)s->terms};
	return s->n == c->n && lf_conj_cmp(&o, c) == 0;
}

static bool put(struct lfc_pidx *x, const struct lf_conj *c, uint32_t h)
{
	size_t i = h & (x->cap - 1);
	while (x->slots[i].terms && x->slots[i].terms != TOMB) {
		if (x->slots[i].h == h && same(&x->slots[i], c))
			return false; /* a repeat: this list is not what the normaliser gives */
		i = (i + 1) & (x->cap - 1);
	}
	x->slots[i] = (struct pslot){c->terms, (uint32_t)c->n, h};
	x->used++;
	return true;
}

/* Room for want live entries at a load of at most 3/4, the tombstones swept. */
static bool resize(struct lfc_pidx *x, size_t want)
{
	size_t cap = 16;
	struct pslot *old = x->slots;
	size_t old_cap = x->cap;
	while (cap * 3 / 4 < want)
		cap *= 2;
	if ((x->slots = calloc(cap, sizeof(*x->slots))) == NULL) {
		x->slots = old;
		return false;
	}
	x->cap = cap;
	x->used = x->dead = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].terms && old[i].terms != TOMB) {
			struct lf_conj c = {old[i].n, (struct lf_term *)old[i].terms};
			put(x, &c, old[i].h);
		}
	free(old);
	return true;
}

static void pidx_free(struct lfc_pidx *x)
{
	if (x)
		free(x->slots);
	free(x);
}

void lfc_pidx_clear(struct lfc_node *n)
{
	for (unsigned i = 0; i < n->n_pidx; i++)
		pidx_free(n->pidx[i]);
	free(n->pidx);
	n->pidx = NULL;
	n->n_pidx = 0;
}

void lfc_pidx_drop(struct lfc_node *n, struct lfc_pidx *x)
{
	for (unsigned i = 0; i < n->n_pidx; i++)
		if (n->pidx[i] == x) {
			n->pidx[i] = n->pidx[--n->n_pidx];
			pidx_free(x);
			return;
		}
}

struct lfc_pidx *lfc_pidx_get(struct lfc_node *n, int rule, int dim, const void *base,
			      size_t stride, size_t count)
{
	struct lfc_pidx *x = NULL, **v;
	for (unsigned i = 0; i < n->n_pidx; i++)
		if (n->pidx[i]->rule == rule && n->pidx[i]->dim == dim) {
			if (n->pidx[i]->used == count)
				return n->pidx[i];
			lfc_pidx_drop(n, n->pidx[i]); /* not this list any more */
			break;
		}
	if (count > UINT32_MAX || (v = realloc(n->pidx, (n->n_pidx + 1) * sizeof(*v))) == NULL)
		return NULL;
	n->pidx = v;
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	x->rule = rule;
	x->dim = dim;
	if (!resize(x, count + 16))
		goto fail;
	for (size_t i = 0; i < count; i++) {
		const struct lf_conj *c = (const struct lf_conj *)((const char *)base + i * stride);
		if (c->terms == NULL || c->n > UINT32_MAX || !put(x, c, conj_hash(c)))
			goto fail;
	}
	n->pidx[n->n_pidx++] = x;
	return x;
fail:
	pidx_free(x);
	return NULL;
}

const struct lf_term *lfc_pidx_find(const struct lfc_pidx *x, const struct lf_conj *c)
{
	uint32_t h = conj_hash(c);
	for (size_t i = h & (x->cap - 1); x->slots[i].terms; i = (i + 1) & (x->cap - 1))
		if (x->slots[i].terms != TOMB && x->slots[i].h == h && same(&x->slots[i], c))
			return x->slots[i].terms;
	return NULL;
}

bool lfc_pidx_del(struct lfc_pidx *x, const struct lf_conj *c)
{
	uint32_t h = conj_hash(c);
	for (size_t i = h & (x->cap - 1); x->slots[i].terms; i = (i + 1) & (x->cap - 1))
		if (x->slots[i].terms == c->terms) {
			x->slots[i].terms = TOMB;
			x->used--;
			x->dead++;
			return true;
		}
	return false;
}

bool lfc_pidx_add(struct lfc_pidx *x, const struct lf_conj *c)
{
	if (c->terms == NULL || c->n > UINT32_MAX)
		return false;
	if ((x->used + x->dead + 1) * 4 > x->cap * 3 && !resize(x, x->used + 1 + x->used / 2))
		return false;
	return put(x, c, conj_hash(c));
}

/* Built with the flow, for a big set: built on the first patch instead, 8 flows of a
 * 10,000-address set took 12-19 ms there (each entry's terms read from memory and hashed),
 * against about 0.4 ms for a patch with the indexes; with the flow just compiled, its
 * entries are still in the cache. Smaller lists are indexed when first patched. */
#define PIDX_PREBUILD_MIN 1000

void lfc_pidx_prebuild(struct lfc *c, struct lfc_node *n)
{
	const struct lf_match *m = &n->f.match;
	const struct lt_set *s = NULL;
	bool plain = true;

	if (n->f.skip_reason || n->f.prog == NULL)
		return;
	for (unsigned i = 0; i < n->n_refs; i++) {
		if (n->refs[i].u->key[0] != '$')
			continue;
		if (s)
			return; /* two sets: never patched */
		if ((s = ltopo_address_set(c->topo, n->refs[i].u->key + 1)) == NULL)
			return;
	}
	if (s == NULL || s->n < PIDX_PREBUILD_MIN)
		return;
	for (size_t r = 0; r < m->n && plain; r++)
		plain = m->rules[r].n_dims == 0;
	if (plain) {
		if (m->n == s->n)
			lfc_pidx_get(n, -1, -1, m->rules, sizeof(*m->rules), m->n);
		return;
	}
	/* the set's dimension is not known yet (the first patch finds it): each dimension with
	 * as many alternatives as the set has members */
	for (size_t r = 0; r < m->n; r++)
		for (size_t d = 0; d < m->rules[r].n_dims; d++)
			if (m->rules[r].dims[d].n == s->n)
				lfc_pidx_get(n, (int)r, (int)d, m->rules[r].dims[d].alts,
					     sizeof(struct lf_conj), s->n);
}
