/* SPDX-License-Identifier: Apache-2.0 */
/* The interpreter's own state (dp/pl_interp.h is its interface): what its files share and
 * nothing else includes. One run (struct plx: the key, the megaflow mask, the action list,
 * the header as the actions emitted so far leave it, packet mode's output) and one state per
 * branch (struct pls: the packet's current headers, registers, datapath), copied for clone {}
 * and each multicast member. The interpreter's files, one concern each:
 *   pl_interp.c   the entry points (key mode, check_pkt_larger's two runs, learn events)
 *   pl_walk.c     the walk: stages and their `next', ingress -> egress, multicast groups,
 *                 patch ports, delivery to local, localnet and host ports
 *   pl_lookup.c   a stage's first matching flow: the indexes (pl_index.h) or the linear scan
 *   pl_actions.c  the actions of a flow's program (and MAC binding / FDB lookups and learning)
 *   pl_psec.c     check_in_port_sec / check_out_port_sec
 *   pl_commit.c   the flat rewrites that make the packet what the actions left it
 *   pl_pktmode.c  packet mode: packets the actions generate (pl_run_packet)
 * Field reads and writes are inline here: every lookup and action uses them. */
#pragma once

#include "pl_interp.h"
#include "lfield.h"
#include "pl_index.h"

#include <stddef.h>
#include <string.h>

#define PL_MAX_DEPTH  64   /* nested pipelines, clones, non-final nexts */
#define PL_MAX_STAGES 4096 /* stage visits in one run */
#define PL_MAX_LEARNS 4	   /* distinct put_arp/put_nd/put_fdb in one run */
#define PL_LEN_ACTS   512  /* bytes: room for the second run's list (check_pkt_larger) */

/* the fields not in the key (their values live in the branch state): ct_mark .. pkt_mark,
 * icmp4.frag_mtu, icmp6.frag_mtu; any other such field shares a last slot */
#define PLX_NK_N (LF_MF_PKT_MARK - LF_MF_CT_MARK + 4)
_Static_assert(LF_MF_N <= 64, "struct pls's wr_any has a bit per field");

static inline unsigned nk_slot(enum lf_mf mf)
{
	if (mf >= LF_MF_CT_MARK && mf <= LF_MF_PKT_MARK)
		return (unsigned)(mf - LF_MF_CT_MARK);
	if (mf == LF_MF_ICMP4_FRAG_MTU)
		return PLX_NK_N - 3;
	return mf == LF_MF_ICMP6_FRAG_MTU ? PLX_NK_N - 2 : PLX_NK_N - 1;
}

struct pls {		      /* a branch's packet state */
	struct dp_key pkt;    /* headers as the logical actions left them */
	struct dp_key wrk;    /* the same written bits as the key's raw bits (kept by wr()):
			       * what the pre-decoded terms and indexes leave out of the mask */
	uint32_t reg[16];     /* reg0..reg15; flags = reg10, inport = reg14, outport = reg15 */
	uint64_t wr_any;      /* bit mf: key field mf has written bits (which: wrk) */
	lf_u128 nk[PLX_NK_N]; /* fields not in the key (ct_mark, ct_label, ...): 0 at start */
	const struct pl_datapath *dp;
}; /* copied whole for a clone, a multicast group's member, and a patch port or egress pass
    * whose caller still needs it (plx_run_stage_own: most go on with it in place) */

struct plx { /* the run */
	const struct pl_gen *g;
	const struct dp_key *key;
	struct dp_key *mask;
	struct dpa_buf *acts;
	struct pl_counters *c;
	unsigned n_out, depth, stages;
	enum brint_drop_reason fail; /* why the first branch that ended without output ended */
	bool failed, overflow;
	bool vlan_pushed;  /* the last output went to a tagged localnet port: the tag is on */
	pl_trace_fn trace; /* NULL outside `brintctl trace` */
	void *trace_arg;
	unsigned n_learns; /* learns[] below */
	/* packet mode (NULL/0 in key mode): the received packet, the result, the packet the
	 * actions run on (0: the received one, i: pm->gen[i - 1]) */
	const struct pl_pkt *pkt;
	struct pl_pm_out *pm;
	unsigned cur;
	bool slowpath;	/* key mode reached a packet-generating action: the run stops */
	bool gen_tried; /* packet mode: a packet-generating action ran */
	uint64_t deps;	/* pl_dp_bit of every datapath entered */
	/* key mode, check_pkt_larger: the answer this run gives, the length it met first */
	bool len_larger, len_seen, len_conflict;
	uint32_t len_limit;
	/* the last port looked up by (datapath, tunnel key) (plx_port): an output, the port
	 * security check before it and the egress delivery after it ask for the same one */
	bool pc_valid;
	int64_t pc_dp, pc_key;
	const struct pl_port *pc_port;
	/* last (a key-mode run clears the fields above only: pl_interp.c run_once) */
	struct dp_key committed; /* the packet as the flat actions emitted so far leave it */
	struct dp_learn learns[PL_MAX_LEARNS]; /* put_* met, emitted first (DPA_LEARN) */
};

enum { GO = 0, STOP = 1 }; /* STOP: this branch ends (drop, unsupported) */

static inline bool unlikely_trace(const struct plx *x)
{
	return __builtin_expect(x->trace != NULL, 0);
}

/* ---- fields ---- */

static inline unsigned reg_of_mf(enum lf_mf mf)
{
	return (unsigned)(mf - LF_MF_REG0);
}

static inline bool is_reg(enum lf_mf mf)
{
	return mf >= LF_MF_REG0 && mf <= LF_MF_REG15;
}

/* ---- key fields of at most 8 bytes: their 8-byte window (lfield.h struct lfield_win) ---- */

static inline uint64_t win_ld(const void *k, unsigned ofs)
{
	uint64_t v;
	memcpy(&v, (const uint8_t *)k + ofs, sizeof(v));
	return v;
}

static inline void win_st(void *k, unsigned ofs, uint64_t v)
{
	memcpy((uint8_t *)k + ofs, &v, sizeof(v));
}

/* bits `bits' of the field as the window's integer bits, and as the key's bytes */
static inline uint64_t win_ibits(const struct lfield_win *w, lf_u128 bits)
{
	uint64_t ones = w->width >= 64 ? UINT64_MAX : ((uint64_t)1 << w->width) - 1;
	return ((uint64_t)bits & ones) << w->wsh;
}

static inline uint64_t win_kbits(const struct lfield_win *w, uint64_t ibits)
{
	return w->host ? ibits : __builtin_bswap64(ibits);
}

/* the bits of key field mf an action wrote in this branch (read from pkt, not the key) */
static inline lf_u128 wr_bits(const struct pls *s, enum lf_mf mf)
{
	if (!((s->wr_any >> mf) & 1))
		return 0;
	const struct lfield_win *w = &lfield_locs[mf].win;
	if (w->ok) {
		uint64_t x = win_ld(&s->wrk, w->wofs), all = win_ibits(w, ~(lf_u128)0);
		return ((w->host ? x : __builtin_bswap64(x)) & all) >> w->wsh;
	}
	return lfield_get(&s->wrk, mf);
}

/* rd() of a key field of at most 8 bytes (lfield_locs[mf].win.ok): its 8-byte window */
static inline uint64_t rd_win(struct plx *x, struct pls *s, enum lf_mf mf, uint64_t bits)
{
	/* as rd(): the bits read that no action of the branch wrote, unmasked */
	const struct lfield_win *w = &lfield_locs[mf].win;
	uint64_t bi = win_ibits(w, bits), bk = win_kbits(w, bi);
	uint64_t wk = (s->wr_any >> mf) & 1 ? win_ld(&s->wrk, w->wofs) : 0;
	win_st(x->mask, w->wofs, win_ld(x->mask, w->wofs) | (bk & ~wk));
	uint64_t v = win_ld(&s->pkt, w->wofs);
	return ((w->host ? v : __builtin_bswap64(v)) & bi) >> w->wsh;
}

/* bits `bits' of base field mf (not LF_MF_REGS); unmasks the key bits read */
static inline lf_u128 rd(struct plx *x, struct pls *s, enum lf_mf mf, lf_u128 bits)
{
	if (is_reg(mf))
		return (lf_u128)s->reg[reg_of_mf(mf)] & bits;
	if ((unsigned)mf < LF_MF_N && lfield_locs[mf].win.ok)
		return rd_win(x, s, mf, (uint64_t)bits); /* (win_ibits keeps 64 bits at most) */
	if (!lfield_in_key(mf))
		return s->nk[nk_slot(mf)] & bits;
	lfield_mask(x->mask, mf, bits & ~wr_bits(s, mf));
	return lfield_get(&s->pkt, mf) & bits;
}

static inline void wr(struct pls *s, enum lf_mf mf, lf_u128 v, lf_u128 bits)
{
	if (is_reg(mf)) {
		uint32_t m = (uint32_t)bits;
		s->reg[reg_of_mf(mf)] = (s->reg[reg_of_mf(mf)] & ~m) | ((uint32_t)v & m);
	} else if ((unsigned)mf < LF_MF_N && lfield_locs[mf].win.ok) {
		/* as below: the packet's bits, the written bits, wr_any */
		const struct lfield_win *w = &lfield_locs[mf].win;
		uint64_t bi = win_ibits(w, bits), bk = win_kbits(w, bi);
		uint64_t t = win_kbits(w, ((uint64_t)v << w->wsh) & bi);
		win_st(&s->pkt, w->wofs, (win_ld(&s->pkt, w->wofs) & ~bk) | t);
		win_st(&s->wrk, w->wofs, win_ld(&s->wrk, w->wofs) | bk);
		s->wr_any |= (uint64_t)1 << mf;
	} else if (!lfield_in_key(mf)) {
		unsigned i = nk_slot(mf);
		s->nk[i] = (s->nk[i] & ~bits) | (v & bits);
	} else {
		lfield_set(&s->pkt, mf, v, bits);
		s->wr_any |= (uint64_t)1 << mf;
		lfield_mask(&s->wrk, mf, bits);
	}
}

static inline uint32_t ones32(unsigned n)
{
	return n >= 32 ? UINT32_MAX : ((uint32_t)1 << n) - 1;
}

/* the register bank: bit b is bit b % 32 of reg (15 - b / 32) */
static inline lf_u128 bank_get(const struct pls *s, unsigned ofs, unsigned width)
{
	lf_u128 v = 0;
	if (ofs % 32 + width <= 32 && ofs < 512) /* within one register (most): one load */
		return (s->reg[15 - ofs / 32] >> (ofs % 32)) & ones32(width);
	for (unsigned i = 0; i < width;) {
		unsigned b = ofs + i, w = b / 32, sh = b % 32;
		unsigned n = 32 - sh < width - i ? 32 - sh : width - i;
		if (w > 15)
			break;
		v |= (lf_u128)((s->reg[15 - w] >> sh) & ones32(n)) << i;
		i += n;
	}
	return v;
}

static inline void bank_set(struct pls *s, unsigned ofs, unsigned width, lf_u128 v)
{
	for (unsigned i = 0; i < width;) {
		unsigned b = ofs + i, w = b / 32, sh = b % 32;
		unsigned n = 32 - sh < width - i ? 32 - sh : width - i;
		if (w > 15)
			break;
		uint32_t m = ones32(n) << sh;
		s->reg[15 - w] = (s->reg[15 - w] & ~m) | (((uint32_t)(v >> i) << sh) & m);
		i += n;
	}
}

struct loc {
	enum lf_mf mf;
	unsigned ofs, width;
};

static inline bool fref_loc(const struct lflow_fref *f, struct loc *l)
{
	const struct lf_symbol *sym = lf_symtab_at(f->sym);
	if (sym == NULL || sym->mf == LF_MF_NONE)
		return false;
	l->mf = sym->mf;
	l->ofs = sym->ofs + f->ofs;
	l->width = f->n_bits ? f->n_bits : sym->width;
	return l->width > 0 && l->width <= 128;
}

static inline __attribute__((always_inline)) lf_u128 loc_get(struct plx *x, struct pls *s,
							     const struct loc *l)
{
	if (l->mf == LF_MF_REGS)
		return bank_get(s, l->ofs, l->width);
	return rd(x, s, l->mf, lf_u128_ones(l->width) << l->ofs) >> l->ofs;
}

static inline __attribute__((always_inline)) void loc_set(struct pls *s, const struct loc *l,
							  lf_u128 v, lf_u128 m)
{
	m &= lf_u128_ones(l->width);
	if (l->mf == LF_MF_REGS && l->ofs % 32 + l->width <= 32 && l->ofs < 512) {
		/* within one register (most) */
		uint32_t *r = &s->reg[15 - l->ofs / 32], wm = (uint32_t)m << (l->ofs % 32);
		*r = (*r & ~wm) | (((uint32_t)v << (l->ofs % 32)) & wm);
	} else if (l->mf == LF_MF_REGS) {
		lf_u128 old = bank_get(s, l->ofs, l->width);
		bank_set(s, l->ofs, l->width, (old & ~m) | (v & m));
	} else {
		wr(s, l->mf, v << l->ofs, m << l->ofs);
	}
}
/* ---- pre-decoded actions (pl_adec.h): their field accesses, the same effects as the general
 * path's (pl_actions.c runs them; pl_walk.c runs a hit's lone simple one itself) ---- */

static inline uint64_t ld64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void st64(void *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* a constant into a key field's windows, marked written as wr() does */
static inline void ad_key_set(struct pls *s, const struct pl_aop *op)
{
	for (unsigned i = 0; i < op->nw; i++) {
		uint8_t *pp = (uint8_t *)&s->pkt + op->ofs[i];
		uint8_t *wp = (uint8_t *)&s->wrk + op->ofs[i];
		st64(pp, (ld64(pp) & ~op->u.set.m[i]) | op->u.set.v[i]);
		st64(wp, ld64(wp) | op->u.set.m[i]);
	}
	s->wr_any |= (uint64_t)1 << op->mf;
}

/* as loc_set(.., v, all ones) then wr(): the packet's bits, the written bits, wr_any */
static inline void ad_set(struct pls *s, const struct pl_aloc *l, uint64_t v)
{
	if (l->kind == PL_AL_REG) {
		uint32_t m = (uint32_t)l->m;
		s->reg[l->ofs] = (s->reg[l->ofs] & ~m) | ((uint32_t)(v << l->sh) & m);
		return;
	}
	uint64_t t = (v << l->sh) & l->mi;
	uint8_t *pp = (uint8_t *)&s->pkt + l->ofs, *wp = (uint8_t *)&s->wrk + l->ofs;
	st64(pp, (ld64(pp) & ~l->m) | (l->host ? t : __builtin_bswap64(t)));
	st64(wp, ld64(wp) | l->m);
	s->wr_any |= (uint64_t)1 << l->mf;
}

/* ct_clear: ct_state 0 as a key constant, ct_mark and ct_label 0 */
static inline void ad_ct_clear(struct pls *s, const struct pl_aop *op)
{
	ad_key_set(s, op);
	s->nk[nk_slot(LF_MF_CT_MARK)] = s->nk[nk_slot(LF_MF_CT_LABEL)] = 0;
}

/* a constant into one or two register slices */
static inline void ad_reg_set(struct pls *s, const struct pl_aop *op)
{
	uint32_t *r = &s->reg[op->ofs[0]];
	*r = (*r & ~(uint32_t)op->u.set.m[0]) | (uint32_t)op->u.set.v[0];
	if (op->nw > 1) {
		r = &s->reg[op->ofs[1]];
		*r = (*r & ~(uint32_t)op->u.set.m[1]) | (uint32_t)op->u.set.v[1];
	}
}

/* ---- the end of a branch ---- */

static inline int fail(struct plx *x, enum brint_drop_reason r)
{
	if (!x->failed && x->cur == 0) { /* a generated packet's end is not the packet's */
		x->fail = r;
		x->failed = true;
	}
	return STOP;
}

static inline void put(struct plx *x, int rc)
{
	if (rc < 0)
		x->overflow = true;
}

/* pl_port_by_key, the last answer kept (the generation does not change during a run) */
static inline const struct pl_port *plx_port(struct plx *x, int64_t dp, int64_t key)
{
	if (x->pc_valid && x->pc_key == key && x->pc_dp == dp)
		return x->pc_port;
	x->pc_port = pl_port_by_key(x->g, dp, key);
	x->pc_dp = dp;
	x->pc_key = key;
	x->pc_valid = true;
	return x->pc_port;
}

/* pl_walk.c */
int plx_run_stage(struct plx *x, struct pls *s, bool egress, unsigned idx);
/* the same when s is the caller's to give away (nothing reads it after the call: its own copy,
 * a run's start): a crossing at the pipeline's last step (ingress -> egress, a patch port)
 * goes on with s itself instead of a copy (a `next' with actions after it keeps plx_run_stage:
 * they see what the stages it ran did to s) */
int plx_run_stage_own(struct plx *x, struct pls *s, bool egress, unsigned idx);
int plx_deliver(struct plx *x, struct pls *s);
int plx_to_egress(struct plx *x, struct pls *s);
int plx_do_next(struct plx *x, struct pls *s, const struct lflow_prog *p,
		const struct lflow_insn *in, bool egress, unsigned stage);
bool plx_next_target(const struct pls *s, const struct lflow_prog *p, const struct lflow_insn *in,
		     bool *egress, unsigned *stage);
bool plx_port_sec_stage(const char *name);
const struct pl_port *plx_localnet_start(struct plx *x, const struct dp_key *k);
bool plx_host_path(struct plx *x, const struct dp_key *k);
/* pl_lookup.c */
bool plx_dt_term(struct plx *x, struct pls *s, uint32_t t); /* a PL_DN_TERM node's test */
const struct pl_sent *plx_stage_lookup(struct plx *x, struct pls *s, const struct pl_sidx *si);
const struct pl_flow *plx_stage_scan(struct plx *x, struct pls *s, const struct pl_stage *st);
/* pl_actions.c */
int plx_exec_insn(struct plx *x, struct pls *s, const struct lflow_prog *p,
		  const struct lflow_insn *in, bool egress, unsigned stage);
int plx_exec_block(struct plx *x, struct pls *s, const struct lflow_prog *p, uint32_t first,
		   uint32_t n, bool egress, unsigned stage);
/* the same with p's pre-decoded form ad (NULL: the general path); plx_exec_list runs n
 * instructions, none being nothing (exec_block: n == 0 is a drop) */
int plx_exec_block_ad(struct plx *x, struct pls *s, const struct lflow_prog *p,
		      const struct pl_aop *ad, uint32_t first, uint32_t n, bool egress,
		      unsigned stage);
int plx_exec_list(struct plx *x, struct pls *s, const struct lflow_prog *p, const struct pl_aop *ad,
		  uint32_t first, uint32_t n, bool egress, unsigned stage);
int plx_unsupported(struct plx *x, enum lflow_op op);
/* pl_psec.c: 1 = the check failed */
unsigned plx_port_sec(struct plx *x, struct pls *s, bool out);
/* pl_commit.c */
bool plx_commit(struct plx *x, struct pls *s);
/* pl_pktmode.c */
int plx_pm_emit(struct plx *x, struct pls *s, uint16_t port);
int plx_pktgen_action(struct plx *x, struct pls *s, const struct lflow_prog *p,
		      const struct lflow_insn *in, bool egress, unsigned stage);

/* ---- a stage's decision diagram (pl_dtree.h): inline, the walk's lookup ---- */

/* key window bits read: into the mask, less those an action wrote in this branch */
static inline void plx_mask_read(struct plx *x, const struct pls *s, unsigned ofs, uint64_t m)
{
	win_st(x->mask, ofs, win_ld(x->mask, ofs) | (m & ~win_ld(&s->wrk, ofs)));
}

/* the child of value v at a switch node */
static inline __attribute__((always_inline)) uint32_t
plx_dt_switch(const struct pl_index *ix, const struct pl_dnode *d, uint64_t v)
{
	const struct pl_dslot *t = &ix->dslots[d->b];
	for (uint32_t h = (uint32_t)pl_index_hash(v);; h++) {
		const struct pl_dslot *sl = &t[h & d->c];
		if (sl->child == PL_DT_ABSENT)
			return d->a;
		if (sl->v == v)
			return sl->child;
	}
}

/* From ref down to a leaf: each node's test unmasks what it reads, as a term does. walk NULL:
 * one stage's lookup (a bridge is its leaf); else the walk's, following bridges into later
 * stages (*walk: the stages entered on the way; *eg / *stage: where the leaf was found). */
static inline __attribute__((always_inline)) const struct pl_sent *
plx_dt_lookup(struct plx *x, struct pls *s, uint32_t ref, unsigned *walk, bool *eg, unsigned *stage)
{
	const struct pl_index *ix = x->g->index;
	while (!(ref & PL_DT_LEAF)) {
		const struct pl_dnode *d = &ix->dnodes[ref];
		uint64_t v;
		switch ((enum pl_dn_op)d->op) {
		case PL_DN_KEY:
			plx_mask_read(x, s, d->ofs, d->m);
			ref = (win_ld(&s->pkt, d->ofs) & d->m) == d->v ? d->a : d->b;
			continue;
		case PL_DN_REG: ref = (s->reg[d->ofs] & d->m) == d->v ? d->a : d->b; continue;
		case PL_DN_TERM: ref = plx_dt_term(x, s, d->c) ? d->a : d->b; continue;
		case PL_DN_BRIDGE:
			if (walk == NULL) {
				ref = d->b;
				continue;
			}
			if (d->v != UINT64_MAX) { /* the flow's one instruction (pl_dtree.h) */
				const struct pl_aop *op = &ix->adec[d->v];
				if (op->op == PL_AD_REG_SET)
					ad_reg_set(s, op);
				else if (op->op == PL_AD_KEY_SET)
					ad_key_set(s, op);
				else if (op->op == PL_AD_CT_CLEAR)
					ad_ct_clear(s, op);
				else
					ad_set(s, &op->u.mv.dst,
					       plx_port_sec(x, s, op->op == PL_AD_PSEC_OUT));
			}
			*walk += d->c;
			*eg = d->pad;
			*stage = d->ofs;
			ref = d->a;
			continue;
		case PL_DN_SW_KEY:
			plx_mask_read(x, s, d->ofs, d->m);
			v = win_ld(&s->pkt, d->ofs) & d->m;
			break;
		default: v = s->reg[d->ofs] & d->m; break;
		}
		ref = plx_dt_switch(ix, d, v);
	}
	return ref == PL_DT_NONE ? NULL : &ix->ents[ref & ~PL_DT_LEAF];
}
