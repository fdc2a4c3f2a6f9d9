/* SPDX-License-Identifier: Apache-2.0 */
/* An intrusive chained hash map with a power-of-two bucket array, and a few hash functions.
 * The caller embeds a struct hnode in its element and computes the hash itself. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hnode {
	struct hnode *next;
	struct hnode **pprev; /* the pointer that points to this node: O(1) removal even in
			       * long chains (an index with many rows per key) */
	uint32_t hash;
};

struct hmap {
	struct hnode **buckets;
	size_t mask; /* n_buckets - 1 */
	size_t n;
};

#define HMAP_INITIALIZER                                                                           \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void hmap_init(struct hmap *m);
void hmap_destroy(struct hmap *m); /* frees the bucket array only, never the elements */
/* Returns -1 only when the bucket array could not grow (the node is still inserted). */
int hmap_insert(struct hmap *m, struct hnode *node, uint32_t hash);
void hmap_remove(struct hmap *m, struct hnode *node);

static inline size_t hmap_count(const struct hmap *m)
{
	return m->n;
}

/* Iteration in bucket order; removing the current node while iterating is not allowed
 * (take the next one first). */
struct hnode *hmap_first(const struct hmap *m);
struct hnode *hmap_next(const struct hmap *m, const struct hnode *node);

/* Every node whose hash equals `hash` (the caller still compares keys). */
struct hnode *hmap_first_with_hash(const struct hmap *m, uint32_t hash);
struct hnode *hmap_next_with_hash(const struct hnode *node);

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

uint32_t hash_bytes(const void *p, size_t n, uint32_t basis);
uint32_t hash_string(const char *s, uint32_t basis);
uint32_t hash_u64(uint64_t v, uint32_t basis);
static inline uint32_t hash_combine(uint32_t a, uint32_t b)
{
	return hash_u64(((uint64_t)a << 32) | b, 0x9e3779b9u);
}
