/* SPDX-License-Identifier: Apache-2.0 */
/* Lookup indexes of a pipeline generation (dp/pipeline.h), built once on the control thread
 * when the generation is finished (plb_finish) and owned by it; the slow path's interpreter
 * (dp/pl_lookup.c) reads them to find a stage's first matching flow without scanning every
 * flow, and the generation's port, multicast group and datapath lookups use their hashes.
 *
 * What is in it:
 *  - every match term pre-decoded (struct pl_fterm, parallel to gen->terms): a term on a key
 *    field becomes one or two 8-byte windows of the dp_key (offset, mask, value in the key's
 *    own byte order), so matching it is a load, an AND and a compare, and widening the
 *    megaflow mask by it is an OR into the same window; a register term is a 32-bit compare.
 *    Terms the windows cannot express exactly (fields not in the key, values wider than the
 *    field) keep the interpreter's general path.
 *  - per stage (struct pl_sidx), a small tree of index nodes (struct pl_inode) over its
 *    rules. An indexed node has one "index term", the (field, mask) that leaves the fewest
 *    candidates (rules without it plus the largest group wanting one value): eth.dst in the
 *    L2 lookup, inport in router admission, outport in egress delivery, ip4.dst prefixes of
 *    one length in routing, eth.type where nothing better splits. Its rules that compare it
 *    exactly are grouped by the value they want, one child node per value (hashed); the
 *    others go to its "rest" child; children are indexed again while it pays (depth <= 5);
 *    leaves list rules in priority order. An indexed node also keeps its "guard", the terms
 *    every rule under its buckets has besides the index term (their prerequisites:
 *    eth.type == 0x800, ip.proto == 1, ...), and is only chosen for an L3 field when its
 *    guard fixes eth.type, for an L4 field when it fixes ip.proto too: before the field is
 *    read the guard is checked, and if it fails no bucket can match and the field is not
 *    read (an ICMP type index never reads a UDP packet's source port, which shares its
 *    byte, so the megaflow of a UDP flow stays free of it). TCP/UDP ports and TCP flags are
 *    never index fields: a flow's megaflow must not come to depend on its ports where the
 *    linear scan would have stopped before reading them. A lookup merges, in priority (rule)
 *    order, the leaves it has reached, starting with the root's chain of rest children; an
 *    indexed node reached is consulted (the packet's value read once, that value's child
 *    reached) only when its first bucketed rule would come before every candidate left; it
 *    stops at the first matching rule: the linear scan's rule.
 *  - per flow (struct pl_fnext), where its final `next' goes, resolved by stage name now
 *    instead of at every packet, and what a hit on it runs (the instructions before its
 *    last step, that step a `next', an `output' or neither); per
 * stage, the chain of pass-through stages that follows (every flow's program `next;' alone
 * to the same stage, one of them matching "1": whichever matches, the packet goes on
 * unchanged, so nothing is read and the megaflow's mask leaves the stage's fields out), which
 * the interpreter crosses in one step (counting the stages, and not when tracing: a traced
 * run looks every stage up, so its mask may be wider).
 *  - per stage with at most 128 distinct tests, a decision diagram (pl_dtree.h) that the
 *    lookup follows instead of the tree: each test read once, what it implies settled, the
 *    register analysis's dead bits settled before any read; the tree serves the others (an
 *    L2 lookup with thousands of MACs) and the tests that compare the two ways.
 *  - hashes of ports and multicast groups by (datapath, tunnel key) and by (datapath, name),
 *    and of datapaths by key.
 *
 * Why the megaflow mask stays right. The interpreter's invariant: every key bit whose value
 * was read to take a decision is in the mask, so every key agreeing with this one under the
 * mask takes the same decisions. Skipping a bucket of rules is a decision taken on the index
 * field's value (under the index mask): those rules all require a different value, so none of
 * them can match this packet, and any key agreeing under the mask has the same value there and
 * skips the same rules. So the lookup unmasks exactly an index term's bits when it consults
 * that node (and not when a candidate before every rule under its buckets already matched:
 * then it never read the field), and each rule it does evaluate unmasks what it reads, as in
 * the linear scan; which rules it evaluates, and in what order, follows from values already
 * in the mask. The chosen rule is the linear scan's: the candidates are a subset of the
 * stage's rules taken in the same order, and the rules left out cannot match. The mask may
 * be narrower than the linear scan's (rules of other buckets are not evaluated, so their
 * other fields are not read) and still sound; it may also hold an index field where the
 * linear scan would have stopped at an earlier term of every rule under the buckets: more
 * specific, never wrong. When an index field was written by an earlier action in this branch
 * (eth.dst after a router's arp_resolve), the lookup and the pre-decoded terms use the
 * packet's current value and unmask only the key bits behind it, the bits no action wrote
 * (the interpreter keeps the written bits in key form too): the written bits follow from
 * earlier decisions, themselves in the mask. tests/unit/test_pl_index.c compares the indexed
 * lookup with the linear scan on random packets (same actions, and sound masks). Plain C (no
 * DPDK). */
#pragma once

#include "pipeline.h"
#include "pl_adec.h"
#include "pl_dtree.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum pl_ft_kind {
	PL_FT_KEY,  /* windows of the dp_key */
	PL_FT_REG,  /* reg[ofs[0]] & m[0] == v[0] */
	PL_FT_SLOW, /* the interpreter's general term evaluation */
};

struct pl_fterm {
	uint8_t kind; /* enum pl_ft_kind */
	uint8_t neg;
	uint8_t mf; /* enum lf_mf */
	uint8_t nw; /* windows used (0..2) */
	uint16_t ofs[2];
	uint64_t m[2], v[2]; /* as the key's bytes at ofs read by an unaligned 64-bit load */
};

/* A candidate rule of a stage lookup, with what its flow does when it is `next;' alone (so
 * the common hit needs nothing else). */
struct pl_sent {
	uint32_t rule;	 /* index in gen->rules: the order of the linear scan */
	uint32_t flow;	 /* index in gen->flows */
	uint32_t tfirst; /* its terms (gen->terms / index->fterms) */
	uint16_t tn, ndims;
	int32_t nstage; /* only_next: where it goes (index->fnext[flow]) */
	uint8_t negress;
	uint8_t only_next; /* the flow's program is `next;' alone, to an existing target */
};

struct pl_bucket {
	uint64_t v;	       /* the index field's value */
	uint32_t node;	       /* the node of the rules wanting it; UINT32_MAX: empty slot */
	uint32_t list, n_list; /* that node's rules when it is a leaf (index->ents) */
};

/* A node of a stage's index: a leaf lists rules; an indexed node hashes the rules that
 * compare (mf, mask) exactly by the value they want (one child node per value) and keeps the
 * others in its rest child. */
struct pl_inode {
	uint32_t list, n_list;	  /* leaf: rules in order (into index->ents); indexed: those
				   * of its rest child when that is a leaf (n_list 0: none) */
	uint32_t rest;		  /* indexed: node of the rules without the term, UINT32_MAX */
	uint32_t buckets, hmask;  /* indexed: hmask + 1 slots in index->buckets */
	uint32_t min_bucket_rule; /* the first rule under the buckets: consult before it */
	/* indexed: terms every bucketed rule has (index->guards: term numbers), checked before
	 * the field is read */
	uint32_t guard, n_guard;
	uint8_t indexed;
	uint8_t simple; /* indexed, its rest child and bucket children all leaves */
	uint8_t kind;	/* PL_FT_KEY or PL_FT_REG */
	uint8_t mf;
	uint16_t ofs;
	uint64_t m;
};

struct pl_sidx {
	struct pl_inode root; /* its index tree's root (children in index->nodes) */
	uint32_t all, n_all;  /* every rule, in order (into index->ents) */
	/* jump_n > 0: this stage and the jump_n - 1 after it are pass-through (every flow
	 * `next;' alone to one stage, one matching "1": nothing read, nothing done): go
	 * straight to (jump_egress, jump_stage) */
	uint16_t jump_n;
	uint8_t jump_egress;
	uint8_t exists; /* the stage has a name (else a `next' to it drops) */
	int32_t jump_stage;
} __attribute__((aligned(64))); /* what a lookup reads first: one cache line */

/* what a hit on a flow runs (struct pl_fnext kind), decided once for the interpreter's walk */
enum pl_fx_kind {
	PL_FX_DROP,  /* nothing (no program, an empty one or one out of range): a drop */
	PL_FX_NEXT,  /* instructions [top, top + n), then the final `next' (stage, egress) */
	PL_FX_OUT,   /* instructions [top, top + n), then the final `output' */
	PL_FX_BLOCK, /* instructions [top, top + n) (n > 0), ending otherwise */
};

/* What the untraced walk reads of a stage (pl_walk.c walk_indexed), packed so that a
 * pipeline's stages share a few cache lines instead of one line per stage (struct pl_sidx):
 * its diagram's root (PL_DT_ABSENT: the index tree, ix->sidx) and its pass-through jump. */
struct pl_shdr {
	uint32_t dt;
	int32_t jump_stage; /* jump_n, jump_stage: as struct pl_sidx */
	uint16_t jump_n;
	uint8_t flags; /* PL_SH_* */
};

enum { PL_SH_EXISTS = 1, PL_SH_JUMP_EGRESS = 2 };

struct pl_fnext {
	int32_t stage; /* -1: the final `next' has no target (or the flow ends otherwise) */
	uint8_t egress;
	uint8_t only_next; /* the program is that `next' alone: the stage needs nothing else */
	uint8_t kind;	   /* enum pl_fx_kind */
	uint32_t top, n;   /* the program's instructions a hit runs before its last step */
};

struct pl_hslot {
	int64_t dp, key;
	int32_t i; /* -1: empty */
};

struct pl_index {
	bool stages_on;		 /* the interpreter uses the stage indexes */
	struct pl_fterm *fterms; /* [gen->n_terms] */
	struct pl_fnext *fnext;	 /* [gen->n_flows] */
	struct pl_sidx *sidx;	 /* per (datapath, pipeline, stage) */
	uint32_t *stage_base;	 /* [2 * n_dps]: sidx of stage 0 of dps[i].pipe[eg] */
	struct pl_sent *ents;
	struct pl_bucket *buckets;
	struct pl_inode *nodes;
	uint32_t *guards;
	uint32_t n_sidx, n_ents, n_buckets, n_nodes, n_guards;
	/* (dp, key) -> index in gen->ports / gen->mcgroups; key -> index in gen->dps;
	 * (dp, name hash) -> index in gen->ports / gen->mcgroups (key: the name's hash) */
	struct pl_hslot *ports, *mcgroups, *dps, *port_names, *mcgroup_names;
	uint32_t ports_mask, mcgroups_mask, dps_mask, port_names_mask, mcgroup_names_mask;
	/* what the build found, for tests and the bench */
	uint32_t n_indexed_stages, n_index_nodes;
	/* per sidx: where its stage's part of ents, nodes, buckets and guards starts and ends
	 * and which rules, flows and terms it covers, so that the next generation can take a
	 * stage whose rules did not change instead of building it again (pl_index_build_from) */
	struct pl_srange *sranges;
	uint32_t n_reused_stages; /* stages taken from the previous generation's index */
	/* pre-decoded actions (pl_adec.h): flow f's program instruction i is
	 * adec[fadec[f] + i] (fadec[f] UINT32_MAX, or adec NULL: the general path) */
	struct pl_aop *adec;
	uint32_t *fadec;
	uint32_t n_adec, n_adec_fast; /* instructions decoded, not PL_AD_GENERAL among them */
	/* decision diagrams (pl_dtree.h): per sidx its root (PL_DT_ABSENT: the index tree) */
	uint32_t *sdt;
	struct pl_shdr *shdr; /* [n_sidx] */
	bool dt_on;	      /* the lookups use them (tests and the bench turn them off) */
	struct pl_dnode *dnodes;
	struct pl_dslot *dslots;
	uint32_t n_dnodes, cap_dnodes, n_dslots, cap_dslots, n_dt_stages;
};

struct pl_srange {
	uint32_t ents, nodes, buckets, guards; /* first of each */
	uint32_t n_ents, n_nodes, n_buckets, n_guards;
	uint32_t rule0, flow0, term0, n_terms; /* the stage's rules, flows, terms */
	uint32_t n_index_nodes;		       /* indexed nodes among its nodes */
	uint8_t valid;
};

/* What must be known before a field is read outside the linear scan's order (an index node,
 * a diagram's test chosen ahead of a rule's earlier terms): an L3 field needs eth.type fixed,
 * an L4 field ip.proto too; TCP/UDP ports and flags are never read so (a TCP or UDP flow's
 * megaflow must not depend on its ports where the linear scan would not have read them:
 * DHCP's udp.src == 68 behind an inport test would make every UDP source port a megaflow of
 * its own); Ethernet fields and registers need nothing. */
enum pl_prereq { PL_PRE_NONE, PL_PRE_ETH_TYPE, PL_PRE_IP_PROTO, PL_PRE_NEVER };
enum pl_prereq pl_field_prereq(unsigned mf);

/* Build g's index (g->index); false when out of memory (g->index stays NULL: every lookup
 * falls back to the linear scans). */
bool pl_index_build(struct pl_gen *g);
/* The same, taking from prev's index (NULL: none) every stage of the same datapath (key),
 * pipeline and table whose rules are the same, term for term, at the same relative
 * positions: its nodes, buckets, guards and entries are copied with their positions moved;
 * only the entries' `next' targets are recomputed (they depend on the flows' programs and
 * the stage names, not on the rules). The result is what pl_index_build gives. */
bool pl_index_build_from(struct pl_gen *g, const struct pl_gen *prev);
void pl_index_free(struct pl_index *ix);

/* The stage lookups on or off (off: the linear scan, the reference the tests compare with).
 * Tests and the bench only: never on a published generation (PMDs read it). */
void pl_gen_set_indexed(struct pl_gen *g, bool on);
/* The decision diagrams (pl_dtree.h) on or off (off: the index trees serve every stage); the
 * same restrictions. */
void pl_gen_set_dtree(struct pl_gen *g, bool on);

static inline const struct pl_sidx *pl_index_stage(const struct pl_index *ix,
						   const struct pl_gen *g,
						   const struct pl_datapath *dp, bool egress,
						   unsigned stage)
{
	return &ix->sidx[ix->stage_base[2 * (size_t)(dp - g->dps) + egress] + stage];
}

static inline uint64_t pl_index_hash(uint64_t v)
{
	v ^= v >> 29;
	v *= 0x9e3779b97f4a7c15ULL;
	return v ^ (v >> 32);
}

/* The bucket of the rules wanting value v at an indexed node; NULL if none. */
static inline const struct pl_bucket *pl_index_bucket(const struct pl_index *ix,
						      const struct pl_inode *nd, uint64_t v)
{
	const struct pl_bucket *t = &ix->buckets[nd->buckets];
	for (uint32_t h = (uint32_t)pl_index_hash(v);; h++) {
		const struct pl_bucket *b = &t[h & nd->hmask];
		if (b->node == UINT32_MAX)
			return NULL;
		if (b->v == v)
			return b;
	}
}

/* A name's hash for the name tables (FNV-1a). */
static inline int64_t pl_index_name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return (int64_t)(h & INT64_MAX);
}

/* Lookups in a hash of (dp, key) pairs: the index, -1 if none. */
static inline int32_t pl_index_find(const struct pl_hslot *t, uint32_t mask, int64_t dp,
				    int64_t key)
{
	for (uint32_t h = (uint32_t)pl_index_hash((uint64_t)key * 31 + (uint64_t)dp);; h++) {
		const struct pl_hslot *s = &t[h & mask];
		if (s->i < 0)
			return -1;
		if (s->key == key && s->dp == dp)
			return s->i;
	}
}

/* The same in a name table: the first entry with that (dp, name hash) whose name(i) is name;
 * -1 if none. */
static inline int32_t pl_index_find_name(const struct pl_hslot *t, uint32_t mask, int64_t dp,
					 const char *name,
					 const char *(*name_of)(const void *, int32_t),
					 const void *arg)
{
	int64_t key = pl_index_name_hash(name);
	for (uint32_t h = (uint32_t)pl_index_hash((uint64_t)key * 31 + (uint64_t)dp);; h++) {
		const struct pl_hslot *s = &t[h & mask];
		if (s->i < 0)
			return -1;
		if (s->key == key && s->dp == dp && strcmp(name_of(arg, s->i), name) == 0)
			return s->i;
	}
}
