/* SPDX-License-Identifier: Apache-2.0 */
/* Pre-decoded actions: the common instructions of every flow's program, decoded once when a
 * generation's index is built (dp/pl_index.c calls pl_adec_build) into a form the interpreter
 * (dp/pl_actions.c plx_exec_list) executes without a symbol-table lookup per operand and
 * without the 128-bit generic field paths of dp/lfield.c:
 *  - a constant (or a port or group name, resolved to its tunnel key on the flow's datapath)
 *    loaded into a register slice of one or two 32-bit registers: reg = (reg & ~m) | v;
 *  - a constant loaded into a key field: one or two 8-byte windows of the dp_key (offset,
 *    mask, value in the key's own byte order, as pl_fterm for match terms), written into the
 *    packet's headers and marked written (s->wrk, s->wr_any) exactly as wr() does;
 *  - a move or an exchange between register slices and key fields of at most 64 bits (one
 *    window): a key field read unmasks, in the megaflow mask, exactly the bits rd() does (the
 *    bits read that no action of the branch wrote);
 *  - clone (its block decoded too), output, dec_ttl, ct_clear, and the port security checks
 *    into a 1-bit register slice, dispatched without the general path's frame.
 * Everything else (next, lookups, fields not in the key, 128-bit or
 * multi-register operands) stays PL_AD_GENERAL: the interpreter's general path.
 * Programs are shared between generations (pl_prog_ref) while the port and group names they
 * load resolve per generation: the decoded form lives in the generation's index, one entry
 * per instruction of each flow's program (index->adec, from index->fadec[flow]). Plain C. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct pl_gen;
struct pl_index;

enum pl_ad_op {
	PL_AD_GENERAL,	/* the general path (plx_exec_insn) */
	PL_AD_REG_SET,	/* per register r = ofs[i] (i < nw): reg[r] = (reg[r] & ~m) | v */
	PL_AD_KEY_SET,	/* windows of pkt: (w & ~m) | v; of wrk: w | m; wr_any bit mf */
	PL_AD_MOVE,	/* dst = src */
	PL_AD_EXCHANGE, /* dst <-> src */
	PL_AD_CLONE,	/* clone { sub block } */
	PL_AD_OUTPUT,	/* output */
	PL_AD_PSEC_IN,	/* dst (a 1-bit register slice) = check_in_port_sec() */
	PL_AD_PSEC_OUT, /* dst = check_out_port_sec() */
	PL_AD_DEC_TTL,	/* src: eth.type, dst: ip.ttl (not IP: the general path) */
	PL_AD_CT_CLEAR, /* ct_state = 0 as KEY_SET, ct_mark and ct_label 0 */
};

enum pl_al_kind {
	PL_AL_REG, /* bits [sh, sh + width) of reg[ofs] */
	PL_AL_KEY, /* bits mi of the window at byte ofs read as an integer (host order, or
		    * network: byte-swapped), value bit 0 at bit sh */
};

struct pl_aloc { /* a move's operand */
	uint8_t kind;
	uint8_t mf;   /* KEY: the field (its wr_any bit) */
	uint8_t host; /* KEY: the window read as a host integer, else byte-swapped */
	uint8_t sh;
	uint16_t ofs;  /* REG: register; KEY: window's byte offset in struct dp_key */
	uint8_t width; /* bits, 1..64 */
	uint64_t m;  /* REG: the slice's bits in the register; KEY: the window's bits, key order */
	uint64_t mi; /* KEY: the same bits in the integer the window is read as */
};

struct pl_aop {
	uint8_t op;	 /* enum pl_ad_op */
	uint8_t nw;	 /* KEY_SET: windows (1 or 2) */
	uint8_t mf;	 /* KEY_SET: the field */
	uint16_t ofs[2]; /* REG_SET: the registers; KEY_SET: the windows' byte offsets */
	union {
		struct {
			uint64_t m[2], v[2];
		} set;
		struct {
			struct pl_aloc src, dst;
		} mv;
	} u;
};

/* Decode every flow's program of g into g->index (adec, fadec, n_adec*), taking what prev
 * (NULL: none; the generation g is built after, its index complete) decoded of the same
 * program on the same datapath; false when out of memory (g->index->adec stays NULL:
 * every program takes the general path). */
bool pl_adec_build(struct pl_gen *g, const struct pl_gen *prev);
void pl_adec_free(struct pl_index *ix);
