/* SPDX-License-Identifier: Apache-2.0 */
/* Exact-match cache + tuple-space-search megaflow classifier, owned by one PMD (see the header).
 * Hash tables use open addressing with linear probing and backward-shift deletion. */
#include "flow_cache.h"

#include <stdlib.h>
#include <string.h>

#define RESORT_EVERY 4096u /* lookups between re-ranking subtables by hits */

struct fc_slot {
	uint32_t hash;
	struct fc_flow *flow; /* NULL: empty */
};

struct fc_subtable {
	struct dp_key mask;
	uint8_t words[DP_KEY_WORDS]; /* indexes of the mask's non-zero words */
	uint8_t n_words;
	uint64_t hits;
	unsigned n_flows;
	unsigned cap; /* power of two */
	struct fc_slot *slots;
};

struct emc_entry {
	uint32_t hash;
	struct fc_flow *flow;
	struct dp_key key;
};

struct fc_cache {
	struct emc_entry *emc;
	unsigned emc_mask;
	enum fc_emc_mode emc_mode;
	bool emc_on; /* consulted and filled now */
	unsigned emc_insert_inv;
	unsigned emc_insert_ctr;
	struct fc_subtable **sts;
	unsigned n_sts, cap_sts;
	unsigned n_flows, max_flows;
	uint64_t lookups;    /* megaflow searches */
	uint64_t win_probes; /* subtables probed since the last re-ranking */
	struct fc_stats stats;
};

static unsigned pow2(unsigned n)
{
	unsigned p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

/* 64-bit words of a key, hashed with CRC32C where the CPU has it */
static inline uint32_t mix(uint32_t h, uint64_t w)
{
#ifdef __SSE4_2__
	return (uint32_t)__builtin_ia32_crc32di(h, w);
#else
	uint64_t x = (w ^ h) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(x ^ (x >> 29) ^ (x >> 47));
#endif
}

static inline const uint64_t *words_of(const struct dp_key *k)
{
	return (const uint64_t *)(const void *)k;
}

/* four independent chains (CRC32C has a latency of 3 cycles and a throughput of 1) */
uint32_t fc_hash(const struct dp_key *k)
{
	const uint64_t *w = words_of(k);
	uint32_t h0 = 0, h1 = 1, h2 = 2, h3 = 3;
	for (unsigned i = 0; i < DP_KEY_WORDS; i += 4) {
		h0 = mix(h0, w[i]);
		h1 = mix(h1, w[i + 1]);
		h2 = mix(h2, w[i + 2]);
		h3 = mix(h3, w[i + 3]);
	}
	return mix(h0, (uint64_t)h1 << 32 | h2) ^ (h3 * 0x9e3779b1u);
}

static uint32_t masked_hash(const struct fc_subtable *st, const struct dp_key *k)
{
	const uint64_t *w = words_of(k), *m = words_of(&st->mask);
	uint32_t h = st->n_words;
	for (unsigned i = 0; i < st->n_words; i++)
		h = mix(h, w[st->words[i]] & m[st->words[i]]);
	return h;
}

struct fc_cache *fc_create(unsigned emc_entries, unsigned max_flows)
{
	struct fc_cache *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (emc_entries) {
		unsigned n = pow2(emc_entries);
		c->emc = calloc(n, sizeof(*c->emc));
		if (c->emc == NULL) {
			free(c);
			return NULL;
		}
		c->emc_mask = n - 1;
	}
	c->emc_mode = FC_EMC_AUTO;
	c->emc_insert_inv = FC_EMC_INSERT_INV;
	c->max_flows = pow2(max_flows ? max_flows : 1);
	return c;
}

static void free_flow(struct fc_flow *f)
{
	free(f->actions);
	free(f);
}

static void free_subtable(struct fc_subtable *st)
{
	for (unsigned i = 0; i < st->cap; i++)
		if (st->slots[i].flow)
			free_flow(st->slots[i].flow);
	free(st->slots);
	free(st);
}

void fc_set_emc(struct fc_cache *c, enum fc_emc_mode mode, unsigned insert_inv)
{
	c->emc_mode = mode;
	c->emc_insert_inv = insert_inv ? insert_inv : 1;
	c->emc_on = c->emc != NULL && mode == FC_EMC_ON;
	if (c->emc)
		memset(c->emc, 0, (size_t)(c->emc_mask + 1) * sizeof(*c->emc));
}

bool fc_emc_active(const struct fc_cache *c)
{
	return c->emc_on;
}

void fc_flush(struct fc_cache *c)
{
	for (unsigned i = 0; i < c->n_sts; i++)
		free_subtable(c->sts[i]);
	c->n_sts = 0;
	c->n_flows = 0;
	/* an EMC not in use is cleared when it is turned on again (rank_subtables, fc_set_emc) */
	if (c->emc_on)
		memset(c->emc, 0, (size_t)(c->emc_mask + 1) * sizeof(*c->emc));
	if (c->emc_mode == FC_EMC_AUTO)
		c->emc_on = false;
	c->stats.flushes++;
}

void fc_destroy(struct fc_cache *c)
{
	if (c == NULL)
		return;
	fc_flush(c);
	free(c->sts);
	free(c->emc);
	free(c);
}

static struct fc_flow *subtable_find(struct fc_subtable *st, const struct dp_key *k)
{
	uint32_t h = masked_hash(st, k);
	unsigned m = st->cap - 1;
	for (unsigned i = h & m;; i = (i + 1) & m) {
		struct fc_slot *s = &st->slots[i];
		if (s->flow == NULL)
			return NULL;
		if (s->hash == h && fc_match(s->flow, k))
			return s->flow;
	}
}

static void rank_subtables(struct fc_cache *c)
{
	/* the EMC pays when a search probes more than one subtable on average */
	if (c->emc_mode == FC_EMC_AUTO && c->emc) {
		bool on = c->win_probes * 2 > (uint64_t)RESORT_EVERY * 3;
		if (on && !c->emc_on)
			memset(c->emc, 0, (size_t)(c->emc_mask + 1) * sizeof(*c->emc));
		c->emc_on = on;
	}
	c->win_probes = 0;
	/* insertion sort by hits (few subtables), then decay so ranks follow recent traffic */
	for (unsigned i = 1; i < c->n_sts; i++) {
		struct fc_subtable *x = c->sts[i];
		unsigned j = i;
		for (; j > 0 && c->sts[j - 1]->hits < x->hits; j--)
			c->sts[j] = c->sts[j - 1];
		c->sts[j] = x;
	}
	for (unsigned i = 0; i < c->n_sts; i++)
		c->sts[i]->hits >>= 1;
}

static bool keys_equal(const struct dp_key *a, const struct dp_key *b)
{
	const uint64_t *x = words_of(a), *y = words_of(b);
	uint64_t d = 0;
	for (unsigned i = 0; i < DP_KEY_WORDS; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

static void emc_put(struct fc_cache *c, uint32_t hash, const struct dp_key *k, struct fc_flow *f)
{
	struct emc_entry *e = &c->emc[hash & c->emc_mask];
	e->hash = hash;
	e->flow = f;
	e->key = *k;
}

struct fc_flow *fc_lookup(struct fc_cache *c, const struct dp_key *k)
{
	uint32_t hash = 0;

	if (c->emc_on) {
		hash = fc_hash(k);
		struct emc_entry *e = &c->emc[hash & c->emc_mask];
		if (e->flow && e->hash == hash && keys_equal(&e->key, k)) {
			c->stats.emc_hits++;
			return e->flow;
		}
	}
	if (++c->lookups % RESORT_EVERY == 0)
		rank_subtables(c);
	for (unsigned i = 0; i < c->n_sts; i++) {
		struct fc_flow *f;
		c->stats.subtable_probes++;
		c->win_probes++;
		f = subtable_find(c->sts[i], k);
		if (f) {
			c->sts[i]->hits++;
			c->stats.megaflow_hits++;
			if (c->emc_on && ++c->emc_insert_ctr >= c->emc_insert_inv) {
				c->emc_insert_ctr = 0;
				emc_put(c, hash, k, f);
			}
			return f;
		}
	}
	c->stats.misses++;
	return NULL;
}

static struct fc_subtable *subtable_get(struct fc_cache *c, const struct dp_key *mask)
{
	struct fc_subtable *st;
	const uint64_t *m = words_of(mask);

	for (unsigned i = 0; i < c->n_sts; i++)
		if (keys_equal(&c->sts[i]->mask, mask))
			return c->sts[i];
	if (c->n_sts == c->cap_sts) {
		unsigned cap = c->cap_sts ? c->cap_sts * 2 : 8;
		struct fc_subtable **n = realloc(c->sts, cap * sizeof(*n));
		if (n == NULL)
			return NULL;
		c->sts = n;
		c->cap_sts = cap;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return NULL;
	st->mask = *mask;
	for (unsigned i = 0; i < DP_KEY_WORDS; i++)
		if (m[i])
			st->words[st->n_words++] = (uint8_t)i;
	st->cap = 16;
	st->slots = calloc(st->cap, sizeof(*st->slots));
	if (st->slots == NULL) {
		free(st);
		return NULL;
	}
	c->sts[c->n_sts++] = st;
	return st;
}

static void slot_put(struct fc_slot *slots, unsigned cap, uint32_t h, struct fc_flow *f)
{
	unsigned m = cap - 1, i = h & m;
	while (slots[i].flow)
		i = (i + 1) & m;
	slots[i].hash = h;
	slots[i].flow = f;
}

static int subtable_grow(struct fc_subtable *st)
{
	unsigned cap = st->cap * 2;
	struct fc_slot *n = calloc(cap, sizeof(*n));
	if (n == NULL)
		return -1;
	for (unsigned i = 0; i < st->cap; i++)
		if (st->slots[i].flow)
			slot_put(n, cap, st->slots[i].hash, st->slots[i].flow);
	free(st->slots);
	st->slots = n;
	st->cap = cap;
	return 0;
}

struct fc_flow *fc_insert(struct fc_cache *c, const struct dp_key *k, const struct dp_key *mask,
			  const void *actions, uint32_t actions_len, uint64_t now)
{
	struct fc_subtable *st;
	struct fc_flow *f;

	if (c->n_flows >= c->max_flows)
		fc_flush(c);
	st = subtable_get(c, mask);
	if (st == NULL)
		return NULL;
	if ((st->n_flows + 1) * 2 > st->cap && subtable_grow(st) < 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->actions = malloc(actions_len ? actions_len : 1);
	if (f->actions == NULL) {
		free(f);
		return NULL;
	}
	memcpy(f->actions, actions, actions_len);
	f->actions_len = actions_len;
	dp_key_mask(&f->key, k, mask);
	f->mask = *mask;
	f->hash = masked_hash(st, k);
	f->created = f->used = now;
	f->st = st;
	f->deps = FC_DEPS_ALL;
	f->out_port = FC_OUT_NONE;
	f->n_words = st->n_words;
	memcpy(f->words, st->words, sizeof(f->words));
	slot_put(st->slots, st->cap, f->hash, f);
	st->n_flows++;
	c->n_flows++;
	c->stats.inserts++;
	if (c->emc_on)
		emc_put(c, fc_hash(k), k, f);
	return f;
}

/* take f out of its subtable (and the subtable out of the cache when it empties) */
static void unlink_flow(struct fc_cache *c, struct fc_flow *f)
{
	struct fc_subtable *st = f->st;
	unsigned m = st->cap - 1, i = f->hash & m;

	while (st->slots[i].flow != f)
		i = (i + 1) & m;
	/* backward-shift: pull later entries of the run into the hole when their home allows */
	for (unsigned j = (i + 1) & m; st->slots[j].flow; j = (j + 1) & m) {
		unsigned home = st->slots[j].hash & m;
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		st->slots[i] = st->slots[j];
		i = j;
	}
	st->slots[i].flow = NULL;
	st->n_flows--;
	c->n_flows--;
	if (st->n_flows == 0) { /* an empty subtable would still cost a probe per lookup */
		unsigned k = 0;
		while (c->sts[k] != st)
			k++;
		memmove(&c->sts[k], &c->sts[k + 1], (c->n_sts - k - 1) * sizeof(*c->sts));
		c->n_sts--;
		free(st->slots);
		free(st);
	}
	c->stats.removed++;
}

void fc_remove(struct fc_cache *c, struct fc_flow *f)
{
	unlink_flow(c, f);
	if (c->emc_on)
		for (unsigned e = 0; e <= c->emc_mask; e++)
			if (c->emc[e].flow == f)
				c->emc[e].flow = NULL;
	free_flow(f);
}

unsigned fc_remove_if(struct fc_cache *c, bool (*pred)(const struct fc_flow *f, void *arg),
		      void *arg)
{
	struct fc_flow *dead = NULL;
	unsigned n = 0;

	/* mark and chain first (unlinking shifts slots under a scan), then unlink each, then
	 * clear the EMC's entries to any of them in one pass, then free */
	for (unsigned i = 0; i < c->n_sts; i++) {
		struct fc_subtable *st = c->sts[i];
		for (unsigned s = 0; s < st->cap; s++) {
			struct fc_flow *f = st->slots[s].flow;
			if (f && pred(f, arg)) {
				f->dead = 1;
				f->gc_next = dead;
				dead = f;
				n++;
			}
		}
	}
	for (struct fc_flow *f = dead; f; f = f->gc_next)
		unlink_flow(c, f);
	if (c->emc_on && n)
		for (unsigned e = 0; e <= c->emc_mask; e++)
			if (c->emc[e].flow && c->emc[e].flow->dead)
				c->emc[e].flow = NULL;
	while (dead) {
		struct fc_flow *next = dead->gc_next;
		free_flow(dead);
		dead = next;
	}
	return n;
}

unsigned fc_flow_count(const struct fc_cache *c)
{
	return c->n_flows;
}

unsigned fc_subtable_count(const struct fc_cache *c)
{
	return c->n_sts;
}

const struct fc_stats *fc_get_stats(const struct fc_cache *c)
{
	return &c->stats;
}

void fc_foreach(const struct fc_cache *c, bool (*fn)(const struct fc_flow *f, void *arg), void *arg)
{
	for (unsigned i = 0; i < c->n_sts; i++) {
		const struct fc_subtable *st = c->sts[i];
		for (unsigned s = 0; s < st->cap; s++)
			if (st->slots[s].flow && !fn(st->slots[s].flow, arg))
				return;
	}
}
