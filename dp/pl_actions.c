/* SPDX-License-Identifier: Apache-2.0 */
/* The actions of a logical flow's program (see plx.h): loads, moves, exchanges, dec_ttl,
 * clone, next, output, ct_clear, port security checks, MAC binding and FDB lookups and learning,
 * check_pkt_larger; packet-generating actions go to packet mode (pl_pktmode.c); what is not
 * executed yet ends the branch under a named drop reason. A flow's program runs from its
 * pre-decoded form (pl_adec.h) where the generation's index has one: the common loads and
 * moves without symbol lookups, everything else here. */
#include "plx.h"

int plx_unsupported(struct plx *x, enum lflow_op op)
{
	x->c->unsupported_op[op]++;
	switch (op) {
	case LFLOW_OP_CT_NEXT:
	case LFLOW_OP_CT_COMMIT_V1:
	case LFLOW_OP_CT_COMMIT:
	case LFLOW_OP_CT_DNAT:
	case LFLOW_OP_CT_SNAT:
	case LFLOW_OP_CT_DNAT_IN_CZONE:
	case LFLOW_OP_CT_SNAT_IN_CZONE:
	case LFLOW_OP_CT_LB:
	case LFLOW_OP_CT_LB_MARK:
	case LFLOW_OP_CT_COMMIT_NAT:
	case LFLOW_OP_CT_SNAT_TO_VIP:
	case LFLOW_OP_CHK_LB_HAIRPIN:
	case LFLOW_OP_CHK_LB_HAIRPIN_REPLY:
	case LFLOW_OP_COMMIT_LB_AFF:
	case LFLOW_OP_CHK_LB_AFF:
	case LFLOW_OP_COMMIT_ECMP_NH:
	case LFLOW_OP_CHK_ECMP_NH:
	case LFLOW_OP_CHK_ECMP_NH_MAC: return fail(x, BRINT_DROP_UNSUPPORTED_CT);
	case LFLOW_OP_ARP:
	case LFLOW_OP_ICMP4:
	case LFLOW_OP_ICMP4_ERROR:
	case LFLOW_OP_ICMP6:
	case LFLOW_OP_ICMP6_ERROR:
	case LFLOW_OP_TCP_RESET:
	case LFLOW_OP_SCTP_ABORT:
	case LFLOW_OP_ND_NA:
	case LFLOW_OP_ND_NA_ROUTER:
	case LFLOW_OP_ND_NS:
	case LFLOW_OP_REJECT: return fail(x, BRINT_DROP_UNSUPPORTED_PKTGEN);
	default: return fail(x, BRINT_DROP_UNSUPPORTED_ACTION);
	}
}
/* ---- actions ---- */

/* ---- MAC bindings and FDB ----
 * As ovn-controller's tables decide them (controller/lflow.c, lib/actions.c):
 *   get_arp(P, A) / get_nd:  eth.dst = the MAC of the highest-priority binding of (datapath,
 *       port P, address A) and flags[6] = 1; eth.dst = 00:00:00:00:00:00 when there is none.
 *   R = lookup_arp_ip(P, A) / lookup_nd_ip: R = flags[6] = some binding of (P, A) exists.
 *   R = lookup_arp(P, A, M) / lookup_nd: R = flags[6] = a binding (P, A) -> M exists and the
 *       packet is ARP (lookup_nd: ICMPv6 with code 0).
 *   outport = get_fdb(M) / R = get_fdb(M): the FDB port of M on this datapath, 0 if none
 *       (outport is set either way, as OVN's encoding leaves it).
 *   R = lookup_fdb(P, M): R = flags[8] = the FDB has M on this datapath behind P.
 *   put_arp(P, A, M), put_nd, put_fdb(P, M): a learn event for the control thread
 *       (DPA_LEARN, emitted before the outputs of the megaflow, kept when it drops).
 * The tables are the generation's (dp/pipeline.h): a change to MAC_Binding or FDB publishes a
 * new generation and flushes the megaflows, so a cached result never outlives its table.
 * Every operand is read through loc_get: key fields land in the mask. */

enum { FLAG_LOOKUP_MAC = 6, FLAG_LOOKUP_FDB = 8 }; /* OVN's MLF_LOOKUP_MAC_BIT, _FDB_BIT */

static bool arg_loc(const struct lflow_prog *p, const struct lflow_insn *in, unsigned i,
		    struct loc *l)
{
	if (i >= in->n_args || in->arg + i >= p->n_args)
		return false;
	const struct lflow_arg *a = &p->args[in->arg + i];
	return a->kind == LFLOW_ARG_FIELD && fref_loc(&a->field, l);
}

static void set_flag(struct pls *s, unsigned bit, bool v)
{
	s->reg[10] = (s->reg[10] & ~((uint32_t)1 << bit)) | ((uint32_t)v << bit);
}

static bool is_v6_op(enum lflow_op op)
{
	return op == LFLOW_OP_GET_ND || op == LFLOW_OP_PUT_ND || op == LFLOW_OP_LOOKUP_ND ||
	       op == LFLOW_OP_LOOKUP_ND_IP;
}

static int do_get_mac(struct plx *x, struct pls *s, const struct lflow_prog *p,
		      const struct lflow_insn *in)
{
	struct loc lp, la;
	if (!arg_loc(p, in, 0, &lp) || !arg_loc(p, in, 1, &la))
		return plx_unsupported(x, in->op);
	int64_t port = (int64_t)(uint32_t)loc_get(x, s, &lp);
	lf_u128 ip = loc_get(x, s, &la);
	const struct pl_neigh *n = pl_neigh_get(x->g, s->dp->key, port, is_v6_op(in->op), ip);
	wr(s, LF_MF_ETH_DST, n ? n->mac : 0, lf_u128_ones(48));
	if (n)
		set_flag(s, FLAG_LOOKUP_MAC, 1);
	x->c->neigh_lookups++;
	return GO;
}

static int do_lookup_mac(struct plx *x, struct pls *s, const struct lflow_prog *p,
			 const struct lflow_insn *in)
{
	struct loc d, lp, la, lm;
	bool v6 = is_v6_op(in->op),
	     with_mac = in->op == LFLOW_OP_LOOKUP_ARP || in->op == LFLOW_OP_LOOKUP_ND;
	if (!fref_loc(&in->dst, &d) || !arg_loc(p, in, 0, &lp) || !arg_loc(p, in, 1, &la) ||
	    (with_mac && !arg_loc(p, in, 2, &lm)))
		return plx_unsupported(x, in->op);
	int64_t port = (int64_t)(uint32_t)loc_get(x, s, &lp);
	lf_u128 ip = loc_get(x, s, &la);
	bool hit = pl_neigh_get(x->g, s->dp->key, port, v6, ip) != NULL;
	/* the MAC and the packet's type matter only when (port, address) has bindings */
	if (hit && with_mac) {
		uint64_t mac = (uint64_t)loc_get(x, s, &lm);
		hit = pl_neigh_has_mac(x->g, s->dp->key, port, v6, ip, mac);
		if (hit && !v6)
			hit = rd(x, s, LF_MF_ETH_TYPE, 0xffff) == 0x0806;
		else if (hit)
			hit = rd(x, s, LF_MF_ETH_TYPE, 0xffff) == 0x86dd &&
			      rd(x, s, LF_MF_IP_PROTO, 0xff) == 58 &&
			      rd(x, s, LF_MF_ICMP_CODE, 0xff) == 0;
	}
	set_flag(s, FLAG_LOOKUP_MAC, hit);
	loc_set(s, &d, hit, 1);
	x->c->neigh_lookups++;
	return GO;
}

static int do_fdb(struct plx *x, struct pls *s, const struct lflow_prog *p,
		  const struct lflow_insn *in)
{
	struct loc d, lp, lm;
	bool get = in->op == LFLOW_OP_GET_FDB;
	if (!fref_loc(&in->dst, &d) || !arg_loc(p, in, get ? 0 : 1, &lm) ||
	    (!get && !arg_loc(p, in, 0, &lp)))
		return plx_unsupported(x, in->op);
	int64_t port = get ? 0 : (int64_t)(uint32_t)loc_get(x, s, &lp);
	uint64_t mac = (uint64_t)loc_get(x, s, &lm);
	const struct pl_fdb *f = pl_fdb_get(x->g, s->dp->key, mac);
	x->c->fdb_lookups++;
	if (get) {
		uint32_t v = f ? (uint32_t)f->port : 0;
		s->reg[15] = v;
		loc_set(s, &d, v, ~(lf_u128)0);
		return GO;
	}
	bool hit = f && f->port == port;
	set_flag(s, FLAG_LOOKUP_FDB, hit);
	loc_set(s, &d, hit, 1);
	return GO;
}

static int do_put(struct plx *x, struct pls *s, const struct lflow_prog *p,
		  const struct lflow_insn *in)
{
	struct loc lp, la, lm;
	bool fdb = in->op == LFLOW_OP_PUT_FDB;
	struct dp_learn e;
	if (!arg_loc(p, in, 0, &lp) || !arg_loc(p, in, fdb ? 1 : 2, &lm) ||
	    (!fdb && !arg_loc(p, in, 1, &la)))
		return plx_unsupported(x, in->op);
	memset(&e, 0, sizeof(e));
	e.kind = fdb ? DP_LEARN_FDB : in->op == LFLOW_OP_PUT_ND ? DP_LEARN_ND : DP_LEARN_ARP;
	e.dp_key = s->dp->key;
	e.port_key = (int64_t)(uint32_t)loc_get(x, s, &lp);
	e.mac = (uint64_t)loc_get(x, s, &lm) & 0xffffffffffffULL;
	if (!fdb) {
		lf_u128 ip = loc_get(x, s, &la);
		unsigned n = e.kind == DP_LEARN_ND ? 16 : 4;
		for (unsigned i = 0; i < n; i++)
			e.ip[i] = (uint8_t)(ip >> (8 * (n - 1 - i)));
	}
	for (unsigned i = 0; i < x->n_learns; i++)
		if (memcmp(&x->learns[i], &e, sizeof(e)) == 0)
			return GO;
	if (x->n_learns == PL_MAX_LEARNS) {
		x->c->learns_dropped++;
		return GO;
	}
	x->learns[x->n_learns++] = e;
	x->c->learns++;
	return GO;
}

/* dst = check_pkt_larger(L): packet mode compares the frame the actions run on (the
 * received one whole, or the generated one); key mode answers what this run was told to and
 * records L (run() interprets the key again with the other answer). A second, different L in
 * one key-mode run cannot be expressed by one check_len: the megaflow goes to packet mode. */
static int do_check_len(struct plx *x, struct pls *s, const struct lflow_insn *in)
{
	uint32_t limit = in->u.check_pkt_larger.pkt_len;
	struct loc d;
	bool larger;

	if (!fref_loc(&in->dst, &d))
		return plx_unsupported(x, in->op);
	if (x->pm != NULL) {
		size_t len = x->pkt->wire_len ? x->pkt->wire_len : x->pkt->len;
		if (x->cur)
			len = x->pm->gen[x->cur - 1].len;
		larger = len > limit;
	} else {
		if (x->len_seen && x->len_limit != limit) {
			x->len_conflict = true;
			x->slowpath = true;
			return STOP;
		}
		x->len_seen = true;
		x->len_limit = limit;
		larger = x->len_larger;
	}
	loc_set(s, &d, larger, 1);
	return GO;
}

/* (an instruction executed here that writes a register must be known to pl_index.c
 * insn_writes: stages whose rules need a register bit no earlier stage can set are crossed
 * unread) */
int plx_exec_insn(struct plx *x, struct pls *s, const struct lflow_prog *p,
		  const struct lflow_insn *in, bool egress, unsigned stage)
{
	struct loc d, r;
	const struct lflow_arg *a = in->n_args ? &p->args[in->arg] : NULL;

	switch ((enum lflow_op)in->op) {
	case LFLOW_OP_NEXT: return plx_do_next(x, s, p, in, egress, stage);
	case LFLOW_OP_OUTPUT: return egress ? plx_deliver(x, s) : plx_to_egress(x, s);
	case LFLOW_OP_LOAD:
		if (!fref_loc(&in->dst, &d) || a == NULL)
			return plx_unsupported(x, in->op);
		if (a->kind == LFLOW_ARG_STR) {
			/* (a decoded program has the name resolved: pl_adec.c) */
			const char *name = lflow_prog_str(p, a->str);
			int64_t key = pl_name_key(x->g, s->dp->key, name ? name : "");
			loc_set(s, &d, (lf_u128)(uint64_t)key, ~(lf_u128)0);
		} else {
			loc_set(s, &d, a->value, a->masked ? a->mask : ~(lf_u128)0);
		}
		return GO;
	case LFLOW_OP_MOVE:
		if (!fref_loc(&in->dst, &d) || !fref_loc(&in->src, &r))
			return plx_unsupported(x, in->op);
		loc_set(s, &d, loc_get(x, s, &r), ~(lf_u128)0);
		return GO;
	case LFLOW_OP_EXCHANGE: {
		if (!fref_loc(&in->dst, &d) || !fref_loc(&in->src, &r))
			return plx_unsupported(x, in->op);
		lf_u128 vd = loc_get(x, s, &d), vr = loc_get(x, s, &r);
		loc_set(s, &d, vr, ~(lf_u128)0);
		loc_set(s, &r, vd, ~(lf_u128)0);
		return GO;
	}
	case LFLOW_OP_DEC_TTL: {
		uint16_t type = (uint16_t)rd(x, s, LF_MF_ETH_TYPE, 0xffff);
		if (type != 0x0800 && type != 0x86dd)
			return plx_unsupported(x, in->op);
		lf_u128 ttl = rd(x, s, LF_MF_IP_TTL, 0xff);
		/* the datapath's dec_ttl drops at 0; the mask covers whether ttl is 0 */
		if (ttl == 0)
			return fail(x, BRINT_DROP_LFLOW_DROP);
		s->pkt.f.nw_ttl--;
		return GO;
	}
	case LFLOW_OP_CLONE: {
		struct pls c = *s;
		plx_exec_block(x, &c, p, in->sub, in->n_sub, egress, stage);
		return x->slowpath ? STOP : GO;
	}
	case LFLOW_OP_ARP:
	case LFLOW_OP_ICMP4:
	case LFLOW_OP_ICMP4_ERROR:
	case LFLOW_OP_ICMP6:
	case LFLOW_OP_ICMP6_ERROR:
	case LFLOW_OP_TCP_RESET:
	case LFLOW_OP_SCTP_ABORT:
	case LFLOW_OP_ND_NA:
	case LFLOW_OP_ND_NA_ROUTER:
	case LFLOW_OP_ND_NS:
	case LFLOW_OP_REJECT: return plx_pktgen_action(x, s, p, in, egress, stage);
	case LFLOW_OP_DROP:
		return fail(x, plx_port_sec_stage(s->dp->pipe[egress].stages[stage].name)
				   ? BRINT_DROP_PORT_SECURITY
				   : BRINT_DROP_LFLOW_DROP);
	case LFLOW_OP_CT_CLEAR:
		/* no conntrack has run on this pass: its state is cleared */
		wr(s, LF_MF_CT_STATE, 0, ~(lf_u128)0);
		s->nk[nk_slot(LF_MF_CT_MARK)] = s->nk[nk_slot(LF_MF_CT_LABEL)] = 0;
		return GO;
	case LFLOW_OP_CHECK_IN_PORT_SEC:
	case LFLOW_OP_CHECK_OUT_PORT_SEC:
		if (!fref_loc(&in->dst, &d))
			return plx_unsupported(x, in->op);
		loc_set(s, &d, plx_port_sec(x, s, in->op == LFLOW_OP_CHECK_OUT_PORT_SEC), 1);
		return GO;
	case LFLOW_OP_GET_ARP:
	case LFLOW_OP_GET_ND: return do_get_mac(x, s, p, in);
	case LFLOW_OP_LOOKUP_ARP:
	case LFLOW_OP_LOOKUP_ND:
	case LFLOW_OP_LOOKUP_ARP_IP:
	case LFLOW_OP_LOOKUP_ND_IP: return do_lookup_mac(x, s, p, in);
	case LFLOW_OP_GET_FDB:
	case LFLOW_OP_LOOKUP_FDB: return do_fdb(x, s, p, in);
	case LFLOW_OP_PUT_ARP:
	case LFLOW_OP_PUT_ND:
	case LFLOW_OP_PUT_FDB: return do_put(x, s, p, in);
	case LFLOW_OP_CHECK_PKT_LARGER: return do_check_len(x, s, in);
	default: return plx_unsupported(x, in->op);
	}
}

/* ---- pre-decoded actions (pl_adec.h): the same effects as the general path ---- */

/* as loc_get: a key field's read unmasks the bits read that no action of the branch wrote */
static inline uint64_t ad_get(struct plx *x, struct pls *s, const struct pl_aloc *l)
{
	if (l->kind == PL_AL_REG)
		return (s->reg[l->ofs] & l->m) >> l->sh;
	uint64_t wk = (s->wr_any >> l->mf) & 1 ? ld64((const uint8_t *)&s->wrk + l->ofs) : 0;
	uint8_t *mp = (uint8_t *)x->mask + l->ofs;
	st64(mp, ld64(mp) | (l->m & ~wk));
	uint64_t w = ld64((const uint8_t *)&s->pkt + l->ofs);
	return ((l->host ? w : __builtin_bswap64(w)) & l->mi) >> l->sh;
}

/* out of line: the branch's copy stays out of exec_ad's callers' frames */
static __attribute__((noinline)) int exec_clone(struct plx *x, const struct pls *s,
						const struct lflow_prog *p, const struct pl_aop *ad,
						const struct lflow_insn *in, bool egress,
						unsigned stage)
{
	struct pls c = *s;
	plx_exec_block_ad(x, &c, p, ad, in->sub, in->n_sub, egress, stage);
	return x->slowpath ? STOP : GO;
}

/* instruction in of p, decoded as op (ad: the program's decoded form); GENERAL:
 * plx_exec_insn */
static inline __attribute__((always_inline)) int
exec_ad(struct plx *x, struct pls *s, const struct lflow_prog *p, const struct pl_aop *ad,
	const struct pl_aop *op, const struct lflow_insn *in, bool egress, unsigned stage)
{
	switch ((enum pl_ad_op)op->op) {
	case PL_AD_REG_SET: ad_reg_set(s, op); return GO;
	case PL_AD_KEY_SET: ad_key_set(s, op); return GO;
	case PL_AD_MOVE: ad_set(s, &op->u.mv.dst, ad_get(x, s, &op->u.mv.src)); return GO;
	case PL_AD_EXCHANGE: {
		uint64_t vd = ad_get(x, s, &op->u.mv.dst), vr = ad_get(x, s, &op->u.mv.src);
		ad_set(s, &op->u.mv.dst, vr);
		ad_set(s, &op->u.mv.src, vd);
		return GO;
	}
	case PL_AD_CLONE: return exec_clone(x, s, p, ad, in, egress, stage);
	case PL_AD_OUTPUT: return egress ? plx_deliver(x, s) : plx_to_egress(x, s);
	case PL_AD_PSEC_IN:
	case PL_AD_PSEC_OUT:
		ad_set(s, &op->u.mv.dst, plx_port_sec(x, s, op->op == PL_AD_PSEC_OUT));
		return GO;
	case PL_AD_DEC_TTL: {
		uint64_t type = ad_get(x, s, &op->u.mv.src);
		if (type != 0x0800 && type != 0x86dd)
			break; /* the general path's answer */
		/* the datapath's dec_ttl drops at 0; the mask covers whether ttl is 0 */
		if (ad_get(x, s, &op->u.mv.dst) == 0)
			return fail(x, BRINT_DROP_LFLOW_DROP);
		s->pkt.f.nw_ttl--;
		return GO;
	}
	case PL_AD_CT_CLEAR: ad_ct_clear(s, op); return GO;
	case PL_AD_GENERAL:
	default: break;
	}
	return plx_exec_insn(x, s, p, in, egress, stage);
}

int plx_exec_list(struct plx *x, struct pls *s, const struct lflow_prog *p, const struct pl_aop *ad,
		  uint32_t first, uint32_t n, bool egress, unsigned stage)
{
	uint32_t avail = first < p->n_insns ? p->n_insns - first : 0;
	if (n > avail) { /* the instructions there are, then the end of the program */
		if (plx_exec_list(x, s, p, ad, first, avail, egress, stage) == STOP)
			return STOP;
		return plx_unsupported(x, LFLOW_OP_DROP);
	}
	const struct lflow_insn *in = &p->insns[first], *end = in + n;
	if (ad == NULL) {
		for (; in < end; in++)
			if (plx_exec_insn(x, s, p, in, egress, stage) == STOP)
				return STOP;
		return GO;
	}
	for (const struct pl_aop *op = &ad[first]; in < end; in++, op++)
		if (exec_ad(x, s, p, ad, op, in, egress, stage) == STOP)
			return STOP;
	return GO;
}

int plx_exec_block_ad(struct plx *x, struct pls *s, const struct lflow_prog *p,
		      const struct pl_aop *ad, uint32_t first, uint32_t n, bool egress,
		      unsigned stage)
{
	if (n == 0)
		return fail(x, BRINT_DROP_LFLOW_DROP);
	return plx_exec_list(x, s, p, ad, first, n, egress, stage);
}

int plx_exec_block(struct plx *x, struct pls *s, const struct lflow_prog *p, uint32_t first,
		   uint32_t n, bool egress, unsigned stage)
{
	return plx_exec_block_ad(x, s, p, NULL, first, n, egress, stage);
}
