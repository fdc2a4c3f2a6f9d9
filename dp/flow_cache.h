/* SPDX-License-Identifier: Apache-2.0 */
/* A PMD's flow cache: an exact-match cache (EMC) in front of a megaflow classifier (tuple space
 * search: one hash table per distinct mask, searched in order of recent hits).
 *
 * Each PMD owns its cache: only that PMD reads or writes it, so there are no locks and no atomic
 * operations on the lookup path. The control thread never touches it; it publishes a new table
 * generation and the PMD removes the flows that generation affects when it sees it.
 *
 * The EMC pays only when a megaflow search would probe several subtables: with the default
 * FC_EMC_AUTO it is consulted while the recent searches took more than about 1.5 probes each,
 * and filled one megaflow hit in FC_EMC_INSERT_INV (as OVS's emc-insert-inv-prob, so that many
 * short flows do not thrash it). Megaflows do not overlap (each one's mask covers every bit its
 * decision read), so a key that matches any megaflow under its mask (fc_match) has its answer:
 * the datapath tries the previous packet's flow first and looks up only when it differs.
 *
 * Plain C (no DPDK), unit-tested on its own. */
#pragma once

#include "dp_key.h"

#include <stdbool.h>
#include <stdint.h>

struct fc_subtable;

struct fc_flow {
	struct dp_key key; /* masked */
	struct dp_key mask;
	uint32_t hash; /* of the masked key, in its subtable */
	uint32_t actions_len;
	void *actions; /* owned by the flow (copied at insert) */
	uint64_t packets;
	uint64_t bytes;
	uint64_t created; /* caller's clock at insert (e.g. TSC) */
	uint64_t used;	  /* caller's clock at the last hit (the caller keeps it) */
	struct fc_subtable *st;
	/* the caller's, set after insert: what the decision depended on (the datapath: a bit per
	 * logical datapath it crossed, FC_DEPS_ALL for anything), and the output port when the
	 * actions are one output and nothing else (FC_OUT_NONE otherwise) */
	uint64_t deps;
	uint16_t out_port;
	uint8_t n_words; /* the mask's non-zero words, for fc_match */
	uint8_t dead;	 /* being removed (fc_remove_if) */
	uint8_t words[DP_KEY_WORDS];
	struct fc_flow *gc_next; /* fc_remove_if's list */
};

#define FC_DEPS_ALL UINT64_MAX
#define FC_OUT_NONE UINT16_MAX

struct fc_stats {
	uint64_t emc_hits;
	uint64_t megaflow_hits;
	uint64_t misses;
	uint64_t inserts;
	uint64_t flushes;
	uint64_t removed;	  /* flows taken out by fc_remove / fc_remove_if */
	uint64_t subtable_probes; /* subtables searched over all classifier lookups */
};

enum fc_emc_mode { FC_EMC_AUTO, FC_EMC_ON, FC_EMC_OFF };
#define FC_EMC_INSERT_INV 8

struct fc_cache;

/* emc_entries and max_flows are rounded up to powers of two; emc_entries 0 disables the EMC. */
struct fc_cache *fc_create(unsigned emc_entries, unsigned max_flows);
void fc_destroy(struct fc_cache *c);
/* The EMC's policy: mode, and insert one megaflow hit in insert_inv (1: every hit). */
void fc_set_emc(struct fc_cache *c, enum fc_emc_mode mode, unsigned insert_inv);
bool fc_emc_active(const struct fc_cache *c);

/* A hash of the whole key (the EMC's). */
uint32_t fc_hash(const struct dp_key *k);

/* Does k match f's megaflow (f->key under f->mask)? */
static inline bool fc_match(const struct fc_flow *f, const struct dp_key *k)
{
	const uint64_t *w = (const uint64_t *)(const void *)k;
	const uint64_t *m = (const uint64_t *)(const void *)&f->mask;
	const uint64_t *v = (const uint64_t *)(const void *)&f->key;
	uint64_t d = 0;
	for (unsigned i = 0; i < f->n_words; i++) {
		unsigned x = f->words[i];
		d |= (w[x] & m[x]) ^ v[x];
	}
	return d == 0;
}

/* Look k up; NULL on a miss. */
struct fc_flow *fc_lookup(struct fc_cache *c, const struct dp_key *k);

/* Install a megaflow matching k under mask with a copy of the actions; also caches k in the
 * EMC while it is active. When the cache holds max_flows flows it is flushed first. NULL if
 * out of memory. deps starts as FC_DEPS_ALL, out_port as FC_OUT_NONE. */
struct fc_flow *fc_insert(struct fc_cache *c, const struct dp_key *k, const struct dp_key *mask,
			  const void *actions, uint32_t actions_len, uint64_t now);

void fc_remove(struct fc_cache *c, struct fc_flow *f);
/* Remove every flow for which pred is true (one pass over the EMC for all of them); returns
 * how many. */
unsigned fc_remove_if(struct fc_cache *c, bool (*pred)(const struct fc_flow *f, void *arg),
		      void *arg);
void fc_flush(struct fc_cache *c);

unsigned fc_flow_count(const struct fc_cache *c);
unsigned fc_subtable_count(const struct fc_cache *c);
const struct fc_stats *fc_get_stats(const struct fc_cache *c);

/* Visit every flow (for dumps); stop early when fn returns false. */
void fc_foreach(const struct fc_cache *c, bool (*fn)(const struct fc_flow *f, void *arg),
		void *arg);
