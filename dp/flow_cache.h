/* SPDX-License-Identifier: Apache-2.0 */
/* A PMD's flow cache: an exact-match cache (EMC) in front of a megaflow classifier (tuple space
 * search: one hash table per distinct mask, searched in order of recent hits).
 *
 * Each PMD owns its cache: only that PMD reads or writes it, so there are no locks and no atomic
 * operations on the lookup path. The control thread never touches it; it publishes a new table
 * generation and the PMD flushes (or later revalidates) its own cache when it sees it.
 *
 * Plain C (no DPDK), unit-tested on its own. */
#pragma once

#include "dp_key.h"

#include <stdbool.h>
#include <stdint.h>

struct fc_subtable;

struct fc_flow {
	struct dp_key key;  /* masked */
	struct dp_key mask;
	uint32_t hash;      /* of the masked key */
	uint32_t actions_len;
	void *actions;      /* owned by the flow (copied at insert) */
	uint64_t packets;
	uint64_t bytes;
	uint64_t created;   /* caller's clock at insert (e.g. TSC) */
	uint64_t used;      /* caller's clock at the last hit */
	struct fc_subtable *st;
};

struct fc_stats {
	uint64_t emc_hits;
	uint64_t megaflow_hits;
	uint64_t misses;
	uint64_t inserts;
	uint64_t flushes;
	uint64_t subtable_probes; /* subtables searched over all classifier lookups */
};

struct fc_cache;

/* emc_entries and max_flows are rounded up to powers of two; emc_entries 0 disables the EMC. */
struct fc_cache *fc_create(unsigned emc_entries, unsigned max_flows);
void fc_destroy(struct fc_cache *c);

uint32_t fc_hash(const struct dp_key *k);

/* Look k up (hash = fc_hash(k)); NULL on a miss. */
struct fc_flow *fc_lookup(struct fc_cache *c, const struct dp_key *k, uint32_t hash);

/* Install a megaflow matching k under mask with a copy of the actions; also caches k in the
 * EMC. When the cache holds max_flows flows it is flushed first. NULL if out of memory. */
struct fc_flow *fc_insert(struct fc_cache *c, const struct dp_key *k, uint32_t hash,
			  const struct dp_key *mask, const void *actions, uint32_t actions_len,
			  uint64_t now);

void fc_remove(struct fc_cache *c, struct fc_flow *f);
void fc_flush(struct fc_cache *c);

unsigned fc_flow_count(const struct fc_cache *c);
unsigned fc_subtable_count(const struct fc_cache *c);
const struct fc_stats *fc_get_stats(const struct fc_cache *c);

/* Visit every flow (for dumps); stop early when fn returns false. */
void fc_foreach(const struct fc_cache *c, bool (*fn)(const struct fc_flow *f, void *arg),
		void *arg);
