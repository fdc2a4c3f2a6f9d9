/* SPDX-License-Identifier: Apache-2.0 */
/* The learn filter: see learn_filter.h. */
#include "sb/learn_filter.h"

#include <stdlib.h>
#include <string.h>

struct lrn_recent {
	struct hnode node;
	struct dp_learn key; /* value fields zeroed */
	uint64_t value;	     /* the MAC (neighbour) or the port (FDB) written */
	uint64_t at_ms;
	bool deferred; /* `later' holds the newest event held down */
	struct dp_learn later;
};

static void key_of(const struct dp_learn *e, struct dp_learn *k, uint64_t *value)
{
	memset(k, 0, sizeof(*k));
	k->kind = e->kind;
	k->dp_key = e->dp_key;
	if (e->kind == DP_LEARN_FDB) {
		k->mac = e->mac;
		*value = (uint64_t)e->port_key;
	} else {
		k->port_key = e->port_key;
		memcpy(k->ip, e->ip, sizeof(k->ip));
		*value = e->mac;
	}
}

static struct lrn_recent *find(const struct lrn_filter *f, const struct dp_learn *k, uint32_t h)
{
	for (struct hnode *n = hmap_first_with_hash(&f->recent, h); n; n = hmap_next_with_hash(n)) {
		struct lrn_recent *r = container_of(n, struct lrn_recent, node);
		if (memcmp(&r->key, k, sizeof(*k)) == 0)
			return r;
	}
	return NULL;
}

void lrn_filter_init(struct lrn_filter *f, unsigned hold_ms, unsigned rate, unsigned burst,
		     unsigned max_recent)
{
	memset(f, 0, sizeof(*f));
	hmap_init(&f->recent);
	f->hold_ms = hold_ms;
	f->rate = rate;
	f->burst = burst ? burst : 1;
	f->max_recent = max_recent;
	f->tokens = f->burst;
}

void lrn_filter_destroy(struct lrn_filter *f)
{
	struct hnode *n = hmap_first(&f->recent);
	while (n) {
		struct hnode *next = hmap_next(&f->recent, n);
		hmap_remove(&f->recent, n);
		free(container_of(n, struct lrn_recent, node));
		n = next;
	}
	hmap_destroy(&f->recent);
}

void lrn_expire(struct lrn_filter *f, uint64_t now_ms)
{
	struct hnode *n = hmap_first(&f->recent);
	while (n) {
		struct hnode *next = hmap_next(&f->recent, n);
		struct lrn_recent *r = container_of(n, struct lrn_recent, node);
		if (now_ms - r->at_ms >= f->hold_ms && !r->deferred) {
			hmap_remove(&f->recent, n);
			free(r);
		}
		n = next;
	}
}

size_t lrn_n_recent(const struct lrn_filter *f)
{
	return hmap_count(&f->recent);
}

static void refill(struct lrn_filter *f, uint64_t now_ms)
{
	if (now_ms > f->last_ms) {
		f->tokens += (double)(now_ms - f->last_ms) * f->rate / 1000.0;
		if (f->tokens > f->burst)
			f->tokens = f->burst;
	}
	f->last_ms = now_ms;
}

enum lrn_verdict lrn_check(struct lrn_filter *f, const struct dp_learn *e, bool sb_has,
			   uint64_t now_ms)
{
	struct dp_learn k;
	uint64_t value;

	if (sb_has) {
		f->deduped++;
		return LRN_DEDUPED;
	}
	key_of(e, &k, &value);
	uint32_t h = hash_bytes(&k, sizeof(k), 0);
	struct lrn_recent *r = find(f, &k, h);
	if (r && now_ms - r->at_ms < f->hold_ms) {
		if (r->value == value) {
			f->deduped++;
			return LRN_DEDUPED;
		}
		f->held_down++;
		r->deferred = true;
		r->later = *e;
		return LRN_HELD_DOWN;
	}
	refill(f, now_ms);
	if (f->tokens < 1.0) {
		f->rate_limited++;
		return LRN_RATE_LIMITED;
	}
	if (r == NULL) {
		if (hmap_count(&f->recent) >= f->max_recent)
			lrn_expire(f, now_ms);
		if (hmap_count(&f->recent) >= f->max_recent ||
		    (r = calloc(1, sizeof(*r))) == NULL) {
			f->rate_limited++;
			return LRN_RATE_LIMITED;
		}
		r->key = k;
		hmap_insert(&f->recent, &r->node, h);
	}
	r->value = value;
	r->at_ms = now_ms;
	f->tokens -= 1.0;
	f->allowed++;
	return LRN_WRITE;
}

unsigned lrn_take_due(struct lrn_filter *f, uint64_t now_ms, struct dp_learn *out, unsigned max)
{
	unsigned n = 0;
	for (struct hnode *h = hmap_first(&f->recent); h && n < max; h = hmap_next(&f->recent, h)) {
		struct lrn_recent *r = container_of(h, struct lrn_recent, node);
		if (r->deferred && now_ms - r->at_ms >= f->hold_ms) {
			out[n++] = r->later;
			r->deferred = false;
		}
	}
	return n;
}

void lrn_forget(struct lrn_filter *f, const struct dp_learn *e)
{
	struct dp_learn k;
	uint64_t value;
	key_of(e, &k, &value);
	struct lrn_recent *r = find(f, &k, hash_bytes(&k, sizeof(k), 0));
	if (r) {
		hmap_remove(&f->recent, &r->node);
		free(r);
	}
}
