/* SPDX-License-Identifier: Apache-2.0 */
#include "hmap.h"

#include <stdlib.h>
#include <string.h>

void hmap_init(struct hmap *m)
{
	m->buckets = NULL;
	m->mask = 0;
	m->n = 0;
}

void hmap_destroy(struct hmap *m)
{
	free(m->buckets);
	hmap_init(m);
}

static int hmap_grow(struct hmap *m)
{
	size_t nb = m->buckets ? (m->mask + 1) * 2 : 16;
	struct hnode **b = calloc(nb, sizeof(*b));
	if (b == NULL)
		return -1;
	if (m->buckets) {
		for (size_t i = 0; i <= m->mask; i++) {
			struct hnode *n = m->buckets[i];
			while (n) {
				struct hnode *next = n->next;
				size_t j = n->hash & (nb - 1);
				n->next = b[j];
				if (b[j])
					b[j]->pprev = &n->next;
				b[j] = n;
				n->pprev = &b[j];
				n = next;
			}
		}
		free(m->buckets);
	}
	m->buckets = b;
	m->mask = nb - 1;
	return 0;
}

int hmap_insert(struct hmap *m, struct hnode *node, uint32_t hash)
{
	int rc = 0;
	if (m->buckets == NULL || m->n >= (m->mask + 1)) {
		if (hmap_grow(m) < 0) {
			rc = -1;
			if (m->buckets == NULL)
				abort(); /* not even 16 pointers: nothing sensible is left to do */
		}
	}
	struct hnode **slot = &m->buckets[hash & m->mask];
	node->hash = hash;
	node->next = *slot;
	if (*slot)
		(*slot)->pprev = &node->next;
	*slot = node;
	node->pprev = slot;
	m->n++;
	return rc;
}

void hmap_remove(struct hmap *m, struct hnode *node)
{
	if (node->pprev == NULL)
		return; /* not in a map */
	*node->pprev = node->next;
	if (node->next)
		node->next->pprev = node->pprev;
	node->next = NULL;
	node->pprev = NULL;
	m->n--;
}

struct hnode *hmap_first(const struct hmap *m)
{
	if (m->buckets == NULL)
		return NULL;
	for (size_t i = 0; i <= m->mask; i++)
		if (m->buckets[i])
			return m->buckets[i];
	return NULL;
}

struct hnode *hmap_next(const struct hmap *m, const struct hnode *node)
{
	if (node->next)
		return node->next;
	for (size_t i = (node->hash & m->mask) + 1; i <= m->mask; i++)
		if (m->buckets[i])
			return m->buckets[i];
	return NULL;
}

struct hnode *hmap_first_with_hash(const struct hmap *m, uint32_t hash)
{
	if (m->buckets == NULL)
		return NULL;
	struct hnode *n = m->buckets[hash & m->mask];
	while (n && n->hash != hash)
		n = n->next;
	return n;
}

struct hnode *hmap_next_with_hash(const struct hnode *node)
{
	uint32_t h = node->hash;
	struct hnode *n = node->next;
	while (n && n->hash != h)
		n = n->next;
	return n;
}

/* 64-bit finaliser (the murmur3 fmix64 constants), folded to 32 bits. */
static inline uint64_t mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

uint32_t hash_u64(uint64_t v, uint32_t basis)
{
	return (uint32_t)mix64(v ^ ((uint64_t)basis << 32 | basis));
}

uint32_t hash_bytes(const void *p, size_t n, uint32_t basis)
{
	const unsigned char *s = p;
	uint64_t h = 0x84222325cbf29ce4ULL ^ basis;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ mix64(w)) * 0x100000001b3ULL;
		s += 8;
		n -= 8;
	}
	if (n) {
		uint64_t w = 0;
		memcpy(&w, s, n);
		h = (h ^ mix64(w ^ n)) * 0x100000001b3ULL;
	}
	return (uint32_t)mix64(h);
}

uint32_t hash_string(const char *s, uint32_t basis)
{
	return hash_bytes(s, strlen(s), basis);
}
