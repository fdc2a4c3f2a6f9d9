/* SPDX-License-Identifier: Apache-2.0 */
/* Decoding flows' programs into pre-decoded actions: see pl_adec.h (what is decoded and why it
 * lives in the generation's index). Control thread only, once per generation. Each decoded
 * operand is checked against dp/lfield.c's own mapping (a zero key written through
 * lfield_set/lfield_mask must give the same windows); an operand that does not check out
 * stays on the general path. */
#include "pl_adec.h"
#include "plx.h"
#include "lfield.h"
#include "pl_index.h"

#include <stdlib.h>
#include <string.h>

static uint64_t load64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* an operand as the interpreter resolves it (fref_loc), inside the 512-bit register bank */
static bool dloc_of(const struct lflow_fref *f, struct loc *l)
{
	return fref_loc(f, l) && l->ofs < 512;
}

/* one 32-bit register slice: register r, its bits at sh */
static bool reg_slice(const struct loc *l, unsigned *r, unsigned *sh)
{
	if (l->mf == LF_MF_REGS && l->ofs % 32 + l->width <= 32) {
		*r = 15 - l->ofs / 32;
		*sh = l->ofs % 32;
		return true;
	}
	if (is_reg(l->mf) && l->ofs + l->width <= 32) {
		*r = (unsigned)(l->mf - LF_MF_REG0);
		*sh = l->ofs;
		return true;
	}
	return false;
}

/* the byte windows [lo, hi] of the nonzero bytes of k: 0 none, else 1 or 2 (offsets w) */
static int windows(const struct dp_key *k, uint16_t w[2])
{
	const uint8_t *b = (const uint8_t *)k;
	int lo = -1, hi = -1;
	for (int i = 0; i < (int)sizeof(*k); i++)
		if (b[i]) {
			if (lo < 0)
				lo = i;
			hi = i;
		}
	if (lo < 0)
		return 0;
	unsigned w0 = (unsigned)lo < sizeof(*k) - 8 ? (unsigned)lo : sizeof(*k) - 8;
	w[0] = (uint16_t)w0;
	if ((unsigned)hi < w0 + 8)
		return 1;
	unsigned w1 = w0 + 8 < sizeof(*k) - 8 ? w0 + 8 : sizeof(*k) - 8;
	w[1] = (uint16_t)w1;
	return (unsigned)hi < w1 + 8 ? 2 : -1;
}

/* a move's operand: a register slice, or a key field's slice of at most 64 bits */
static bool aloc_at(struct loc l, struct pl_aloc *a)
{
	unsigned r, sh;
	struct lfield_where w;

	memset(a, 0, sizeof(*a));
	if (l.width > 64)
		return false;
	a->width = (uint8_t)l.width;
	if (reg_slice(&l, &r, &sh)) {
		a->kind = PL_AL_REG;
		a->ofs = (uint16_t)r;
		a->sh = (uint8_t)sh;
		a->m = (uint32_t)(lf_u128_ones(l.width) << sh);
		return true;
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (!lfield_where(l.mf, &w) || w.nbytes > 8 || l.ofs + l.width > w.width || l.mf >= 64)
		return false;
	unsigned w0 = w.ofs < sizeof(struct dp_key) - 8 ? w.ofs : sizeof(struct dp_key) - 8;
	unsigned bit0 =
	    w.host ? 8 * (w.ofs - w0) + w.shift : 8 * (w0 + 8 - w.ofs - w.nbytes) + w.shift;
	if (bit0 + l.ofs + l.width > 64)
		return false;
	a->kind = PL_AL_KEY;
	a->mf = (uint8_t)l.mf;
	a->host = w.host;
	a->sh = (uint8_t)(bit0 + l.ofs);
	a->ofs = (uint16_t)w0;
	a->mi = (uint64_t)lf_u128_ones(l.width) << a->sh;
	a->m = w.host ? a->mi : __builtin_bswap64(a->mi);
	/* check against lfield.c: the bits a read unmasks, and a value's place */
	struct dp_key mk, vk;
	lf_u128 bits = lf_u128_ones(l.width) << l.ofs, v = 0x0123456789abcdefULL;
	memset(&mk, 0, sizeof(mk));
	memset(&vk, 0, sizeof(vk));
	lfield_mask(&mk, l.mf, bits);
	lfield_set(&vk, l.mf, v << l.ofs, bits);
	uint16_t wo[2];
	if (windows(&mk, wo) != 1 || load64((const uint8_t *)&mk + w0) != a->m)
		return false;
	uint64_t t = ((uint64_t)v << a->sh) & a->mi;
	if (load64((const uint8_t *)&vk + w0) != (w.host ? t : __builtin_bswap64(t)))
		return false;
	return true;
#else
	(void)w;
	return false;
#endif
}

static bool aloc_of(const struct lflow_fref *f, struct pl_aloc *a)
{
	struct loc l;
	return dloc_of(f, &l) && aloc_at(l, a);
}

/* dst = constant v (mask mm) */
static bool dec_set_at(struct loc l, lf_u128 v, lf_u128 mm, struct pl_aop *op)
{
	unsigned r, sh;
	lf_u128 m = mm & lf_u128_ones(l.width);
	if (reg_slice(&l, &r, &sh)) {
		uint32_t m32 = (uint32_t)(m << sh);
		op->op = PL_AD_REG_SET;
		op->nw = 1;
		op->ofs[0] = (uint16_t)r;
		op->u.set.m[0] = m32;
		op->u.set.v[0] = (uint32_t)(v << sh) & m32;
		return true;
	}
	if (l.mf == LF_MF_REGS && l.width <= 64 && l.ofs + l.width <= 512) {
		/* across two registers (xreg0[0..47] = a MAC): as loc_set's bank_get/bank_set,
		 * each register's piece of the slice */
		unsigned nw = 0;
		for (unsigned i = 0; i < l.width;) {
			unsigned b = l.ofs + i,
				 n = 32 - b % 32 < l.width - i ? 32 - b % 32 : l.width - i;
			if (nw == 2)
				return false;
			uint32_t m32 = (uint32_t)((m >> i) & lf_u128_ones(n)) << (b % 32);
			op->ofs[nw] = (uint16_t)(15 - b / 32);
			op->u.set.m[nw] = m32;
			op->u.set.v[nw] = ((uint32_t)(v >> i) << (b % 32)) & m32;
			nw++;
			i += n;
		}
		op->op = PL_AD_REG_SET;
		op->nw = (uint8_t)nw;
		return true;
	}
	if (is_reg(l.mf) || !lfield_in_key(l.mf) || l.mf >= 64 || l.ofs >= 128)
		return false;
	struct dp_key mk, vk;
	memset(&mk, 0, sizeof(mk));
	memset(&vk, 0, sizeof(vk));
	lfield_mask(&mk, l.mf, m << l.ofs);
	lfield_set(&vk, l.mf, v << l.ofs, m << l.ofs);
	int nw = windows(&mk, op->ofs);
	if (nw < 0)
		return false;
	op->op = PL_AD_KEY_SET;
	op->mf = (uint8_t)l.mf;
	op->nw = (uint8_t)nw;
	for (int i = 0; i < nw; i++) {
		op->u.set.m[i] = load64((const uint8_t *)&mk + op->ofs[i]);
		op->u.set.v[i] = load64((const uint8_t *)&vk + op->ofs[i]) & op->u.set.m[i];
	}
	return true;
}

static bool dec_set(const struct lflow_fref *f, lf_u128 v, lf_u128 mm, struct pl_aop *op)
{
	struct loc l;
	return dloc_of(f, &l) && dec_set_at(l, v, mm, op);
}

static void dec_insn(const struct pl_gen *g, int64_t dp, const struct lflow_prog *p,
		     const struct lflow_insn *in, struct pl_aop *op)
{
	memset(op, 0, sizeof(*op));
	op->op = PL_AD_GENERAL;
	const struct lflow_arg *a = in->n_args && in->arg < p->n_args ? &p->args[in->arg] : NULL;
	switch ((enum lflow_op)in->op) {
	case LFLOW_OP_LOAD:
		if (a == NULL)
			return;
		if (a->kind == LFLOW_ARG_STR) {
			const char *name = lflow_prog_str(p, a->str);
			int64_t key = pl_name_key(g, dp, name ? name : "");
			if (!dec_set(&in->dst, (lf_u128)(uint64_t)key, ~(lf_u128)0, op))
				op->op = PL_AD_GENERAL;
		} else if (a->kind == LFLOW_ARG_CONST) {
			if (!dec_set(&in->dst, a->value, a->masked ? a->mask : ~(lf_u128)0, op))
				op->op = PL_AD_GENERAL;
		}
		return;
	case LFLOW_OP_MOVE:
	case LFLOW_OP_EXCHANGE:
		if (aloc_of(&in->dst, &op->u.mv.dst) && aloc_of(&in->src, &op->u.mv.src))
			op->op = in->op == LFLOW_OP_MOVE ? PL_AD_MOVE : PL_AD_EXCHANGE;
		else
			memset(op, 0, sizeof(*op));
		return;
	case LFLOW_OP_CLONE: op->op = PL_AD_CLONE; return;
	case LFLOW_OP_OUTPUT: op->op = PL_AD_OUTPUT; return;
	case LFLOW_OP_CHECK_IN_PORT_SEC:
	case LFLOW_OP_CHECK_OUT_PORT_SEC:
		/* loc_set(dst, result, 1): bit 0 of the slice, which is all of it */
		if (aloc_of(&in->dst, &op->u.mv.dst) && op->u.mv.dst.kind == PL_AL_REG &&
		    op->u.mv.dst.width == 1)
			op->op =
			    in->op == LFLOW_OP_CHECK_IN_PORT_SEC ? PL_AD_PSEC_IN : PL_AD_PSEC_OUT;
		else
			memset(op, 0, sizeof(*op));
		return;
	case LFLOW_OP_DEC_TTL: /* rd(eth.type, 0xffff), rd(ip.ttl, 0xff) */
		if (aloc_at((struct loc){LF_MF_ETH_TYPE, 0, 16}, &op->u.mv.src) &&
		    aloc_at((struct loc){LF_MF_IP_TTL, 0, 8}, &op->u.mv.dst) &&
		    op->u.mv.src.kind == PL_AL_KEY && op->u.mv.dst.kind == PL_AL_KEY)
			op->op = PL_AD_DEC_TTL;
		else
			memset(op, 0, sizeof(*op));
		return;
	case LFLOW_OP_CT_CLEAR: /* wr(ct_state, 0, all ones) */
		if (dec_set_at((struct loc){LF_MF_CT_STATE, 0, 32}, 0, ~(lf_u128)0, op) &&
		    op->op == PL_AD_KEY_SET)
			op->op = PL_AD_CT_CLEAR;
		else
			memset(op, 0, sizeof(*op));
		return;
	default: return;
	}
}

/* ---- the previous generation's decoded programs, by (program, datapath) ---- */

struct pslot {
	const struct lflow_prog *p; /* NULL: empty */
	int64_t dp;
	uint32_t off;
};

struct pmap {
	struct pslot *t;
	uint32_t mask;
};

static uint32_t pslot_hash(const struct lflow_prog *p, int64_t dp)
{
	return (uint32_t)pl_index_hash((uint64_t)(uintptr_t)p * 31 + (uint64_t)dp);
}

/* every decoded flow of prev: (its program, its datapath) -> where its decoded form is */
static bool pmap_build(struct pmap *m, const struct pl_gen *prev)
{
	uint32_t size = 16;
	while (size < 2 * prev->n_flows + 2)
		size *= 2;
	m->t = calloc(size, sizeof(*m->t));
	m->mask = size - 1;
	if (m->t == NULL)
		return false;
	const struct pl_index *pix = prev->index;
	for (unsigned d = 0; d < prev->n_dps; d++)
		for (int eg = 0; eg < 2; eg++) {
			const struct pl_pipeline *pp = &prev->dps[d].pipe[eg];
			for (unsigned st = 0; st < pp->n_stages; st++)
				for (uint32_t f = pp->stages[st].flows.first;
				     f < pp->stages[st].flows.first + pp->stages[st].flows.n &&
				     f < prev->n_flows;
				     f++) {
					const struct lflow_prog *p = prev->flows[f].prog;
					if (p == NULL || pix->fadec[f] == UINT32_MAX)
						continue;
					int64_t dp = prev->dps[d].key;
					for (uint32_t h = pslot_hash(p, dp);; h++) {
						struct pslot *e = &m->t[h & m->mask];
						if (e->p == NULL) {
							*e = (struct pslot){p, dp, pix->fadec[f]};
							break;
						}
						if (e->p == p && e->dp == dp)
							break;
					}
				}
		}
	return true;
}

static const struct pslot *pmap_find(const struct pmap *m, const struct lflow_prog *p, int64_t dp)
{
	if (m->t == NULL)
		return NULL;
	for (uint32_t h = pslot_hash(p, dp);; h++) {
		const struct pslot *e = &m->t[h & m->mask];
		if (e->p == NULL)
			return NULL;
		if (e->p == p && e->dp == dp)
			return e;
	}
}

bool pl_adec_build(struct pl_gen *g, const struct pl_gen *prev)
{
	struct pl_index *ix = g->index;
	size_t n = 0;
	for (uint32_t f = 0; f < g->n_flows; f++)
		if (g->flows[f].prog)
			n += g->flows[f].prog->n_insns;
	ix->fadec = malloc((g->n_flows ? g->n_flows : 1) * sizeof(*ix->fadec));
	ix->adec = malloc((n ? n : 1) * sizeof(*ix->adec));
	if (ix->fadec == NULL || ix->adec == NULL || n >= UINT32_MAX) {
		pl_adec_free(ix);
		return false;
	}
	/* a program the previous generation decoded on the same datapath decodes the same
	 * (programs are immutable and shared, pl_prog_ref) except for the port and group names
	 * it loads, resolved in this generation's tables: copied, and those decoded again */
	struct pmap pm = {NULL, 0};
	if (prev && prev->index && prev->index->adec && !pmap_build(&pm, prev))
		pm.t = NULL; /* out of memory: every program decoded */
	for (uint32_t f = 0; f < g->n_flows; f++)
		ix->fadec[f] = UINT32_MAX;
	uint32_t at = 0;
	for (unsigned d = 0; d < g->n_dps; d++)
		for (int eg = 0; eg < 2; eg++) {
			const struct pl_pipeline *pp = &g->dps[d].pipe[eg];
			for (unsigned s = 0; s < pp->n_stages; s++) {
				const struct pl_stage *st = &pp->stages[s];
				for (uint32_t f = st->flows.first;
				     f < st->flows.first + st->flows.n && f < g->n_flows; f++) {
					const struct lflow_prog *p = g->flows[f].prog;
					if (p == NULL || ix->fadec[f] != UINT32_MAX)
						continue;
					int64_t dp = g->dps[d].key;
					const struct pslot *e = pmap_find(&pm, p, dp);
					ix->fadec[f] = at;
					if (e)
						memcpy(&ix->adec[at], &prev->index->adec[e->off],
						       p->n_insns * sizeof(*ix->adec));
					for (uint32_t i = 0; i < p->n_insns; i++) {
						struct pl_aop *op = &ix->adec[at + i];
						const struct lflow_insn *in = &p->insns[i];
						if (!e || (in->op == LFLOW_OP_LOAD && in->n_args &&
							   in->arg < p->n_args &&
							   p->args[in->arg].kind == LFLOW_ARG_STR))
							dec_insn(g, dp, p, in, op);
						ix->n_adec_fast += op->op != PL_AD_GENERAL;
					}
					at += p->n_insns;
					ix->n_adec += p->n_insns;
				}
			}
		}
	free(pm.t);
	return true;
}

void pl_adec_free(struct pl_index *ix)
{
	free(ix->adec);
	free(ix->fadec);
	ix->adec = NULL;
	ix->fadec = NULL;
}
