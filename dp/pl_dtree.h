/* SPDX-License-Identifier: Apache-2.0 */
/* A stage's decision diagram: its first matching rule found by a chain of tests, each read
 * once, instead of by a scan or an index tree (dp/pl_index.h).
 *
 * Built on the control thread with the generation's index (pl_index_build), for each stage
 * whose rules use at most 128 distinct tests ("atoms": a key window, a register or a general
 * term compared with a value; a negated term is its atom's other side) and whose diagram
 * stays small. A node tests one atom (two children) or switches on one (key window or
 * register, mask) that several atoms compare with different values (a hashed child per value,
 * and a default child where the packet has none of them). Which atom a node tests follows the
 * linear scan: the first rule not yet known false, its first term not yet known, so a lookup
 * reads no field that the linear scan, reaching that rule, would not read (a UDP packet's
 * ports stay out of the megaflow where an ICMP rule's protocol test fails first). What a test
 * learns also settles the atoms it implies: eth.type == 0x800 known makes eth.type == 0x806
 * false; ip4.dst in 10.16.0.0/16 known false makes ip4.dst == 10.16.0.12 false; the register
 * analysis (bits no earlier stage can set) settles register atoms before any test. A leaf is
 * the first rule every packet reaching it matches (or none).
 *
 * Why the megaflow mask stays right: a test unmasks the key bits it reads (less those an action
 * wrote in this branch, as the terms do), and a packet's path through the diagram depends only
 * on the values read along it; any key agreeing under the mask follows the same path to the
 * same leaf. The leaf is the linear scan's rule: every rule before it is false given the atoms
 * known on the path, and it is true.
 *
 * Bridges: a leaf whose flow is `next;' alone, or a constant loaded into registers or a header
 * (or ct_clear, or a port security check) and `next;', to a later stage of the same pipeline that
 * has a diagram (after the pass-through stages that follow it, if any), also says where the walk
 * goes on: an untraced walk runs that one instruction and follows it into that stage's diagram
 * without leaving the lookup (the stages counted as the walk would count them); a lookup of one
 * stage (a traced run) stops at the leaf. Bridges only go forward, so a lookup ends.
 * tests/unit/test_pl_index.c and test_pl_dtree.c compare lookups with the linear scan on random
 * packets (same actions, sound masks). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct pl_gen;
struct pl_index;

/* A reference to a node or a leaf: a leaf carries its entry (index->ents), or none. */
#define PL_DT_LEAF   0x80000000u
#define PL_DT_NONE   0xfffffffeu /* the leaf of no rule: nothing matches */
#define PL_DT_ABSENT 0xffffffffu /* index->sdt: the stage has no diagram */

enum pl_dn_op {
	PL_DN_KEY,    /* (key window at ofs & m) == v ? a : b */
	PL_DN_REG,    /* (reg[ofs] & m) == v ? a : b */
	PL_DN_TERM,   /* index term c's atom (its positive side) holds ? a : b */
	PL_DN_SW_KEY, /* the child of (window & m) among slots [b, b + c], else a */
	PL_DN_SW_REG, /* the same on reg[ofs] & m */
	/* a flow that is `next;' alone, or one constant into registers or a header (or
	 * ct_clear, or a port security check) and `next;', to a later stage of the same pipeline
	 * with a diagram: b is its leaf (what a lookup of this stage alone returns); the walk runs
	 * instruction v of index->adec (UINT64_MAX: none) and goes on at stage ofs of pipeline pad
	 * (the target, or the end of the pass-through chain after it), whose root is a, having
	 * entered c stages on the way */
	PL_DN_BRIDGE,
};

struct pl_dnode {
	uint8_t op; /* enum pl_dn_op */
	uint8_t pad;
	uint16_t ofs;
	uint32_t a, b, c;
	uint64_t m, v;
};

struct pl_dslot {
	uint64_t v;
	uint32_t child; /* PL_DT_ABSENT: empty slot */
	uint32_t pad;
};

/* Build every stage's diagram into ix->dnodes / ix->dslots and set ix->sdt (allocated, one per
 * sidx); mw[k]: the register bits that may be non-zero on entry to stage k (NULL: any). A
 * stage whose rules have too many atoms or whose diagram grows too large keeps PL_DT_ABSENT
 * (the index tree serves it). False when out of memory (then every stage has PL_DT_ABSENT). */
bool pl_dtree_build_all(struct pl_index *ix, const struct pl_gen *g, const uint32_t (*mw)[16]);
/* The bridges, once the index (its flow records, ix->fnext) and the decoded programs
 * (ix->adec, pl_adec.h) are built; false when out of memory (the bridges made stay). */
bool pl_dtree_bridge(struct pl_index *ix, const struct pl_gen *g);
