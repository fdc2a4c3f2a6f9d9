/* SPDX-License-Identifier: Apache-2.0 */
/* The interpreter: see pl_interp.h. One context per run (the key, the mask, the action list,
 * the header as the actions emitted so far leave it); one state per branch (the packet's
 * current headers, registers, datapath), copied for clone {} and each multicast member. */
#include "pl_interp.h"
#include "lfield.h"
#include "pl_index.h"
#include "pktgen.h"

#include <stddef.h>
#include <string.h>

#define PL_MAX_DEPTH 64     /* nested pipelines, clones, non-final nexts */
#define PL_MAX_STAGES 4096  /* stage visits in one run */
#define PL_MAX_LEARNS 4     /* distinct put_arp/put_nd/put_fdb in one run */
#define PL_LEN_ACTS 512     /* bytes: room for the second run's list (check_pkt_larger) */

struct pls {                /* a branch's packet state */
	struct dp_key pkt;      /* headers as the logical actions left them */
	struct dp_key wrk;      /* the same written bits as the key's raw bits (kept by wr()):
				 * what the pre-decoded terms and indexes leave out of the mask */
	uint32_t reg[16];       /* reg0..reg15; flags = reg10, inport = reg14, outport = reg15 */
	lf_u128 wr[LF_MF_N];    /* bits of key fields written (read from pkt, not the key) */
	lf_u128 nk[LF_MF_N];    /* fields not in the key (ct_mark, ct_label, ...): 0 at start */
	const struct pl_datapath *dp;
};

struct plx {                /* the run */
	const struct pl_gen *g;
	const struct dp_key *key;
	struct dp_key *mask;
	struct dpa_buf *acts;
	struct pl_counters *c;
	struct dp_key committed; /* the packet as the flat actions emitted so far leave it */
	unsigned n_out, depth, stages;
	enum brint_drop_reason fail; /* why the first branch that ended without output ended */
	bool failed, overflow;
	bool vlan_pushed; /* the last output went to a tagged localnet port: the tag is on */
	pl_trace_fn trace; /* NULL outside `brintctl trace` */
	void *trace_arg;
	struct dp_learn learns[PL_MAX_LEARNS]; /* put_* met, emitted first (DPA_LEARN) */
	unsigned n_learns;
	/* packet mode (NULL/0 in key mode): the received packet, the result, the packet the
	 * actions run on (0: the received one, i: pm->gen[i - 1]) */
	const struct pl_pkt *pkt;
	struct pl_pm_out *pm;
	unsigned cur;
	bool slowpath; /* key mode reached a packet-generating action: the run stops */
	bool gen_tried; /* packet mode: a packet-generating action ran */
	uint64_t deps; /* pl_dp_bit of every datapath entered */
	/* key mode, check_pkt_larger: the answer this run gives, the length it met first */
	bool len_larger, len_seen, len_conflict;
	uint32_t len_limit;
};

enum { GO = 0, STOP = 1 }; /* STOP: this branch ends (drop, unsupported) */

static inline bool unlikely_trace(const struct plx *x)
{
	return __builtin_expect(x->trace != NULL, 0);
}

/* ---- fields ---- */

static unsigned reg_of_mf(enum lf_mf mf)
{
	return (unsigned)(mf - LF_MF_REG0);
}

static bool is_reg(enum lf_mf mf)
{
	return mf >= LF_MF_REG0 && mf <= LF_MF_REG15;
}

/* bits `bits' of base field mf (not LF_MF_REGS); unmasks the key bits read */
static lf_u128 rd(struct plx *x, struct pls *s, enum lf_mf mf, lf_u128 bits)
{
	if (is_reg(mf))
		return (lf_u128)s->reg[reg_of_mf(mf)] & bits;
	if (!lfield_in_key(mf))
		return s->nk[mf] & bits;
	lfield_mask(x->mask, mf, bits & ~s->wr[mf]);
	return lfield_get(&s->pkt, mf) & bits;
}

static void wr(struct pls *s, enum lf_mf mf, lf_u128 v, lf_u128 bits)
{
	if (is_reg(mf)) {
		uint32_t m = (uint32_t)bits;
		s->reg[reg_of_mf(mf)] = (s->reg[reg_of_mf(mf)] & ~m) | ((uint32_t)v & m);
	} else if (!lfield_in_key(mf)) {
		s->nk[mf] = (s->nk[mf] & ~bits) | (v & bits);
	} else {
		lfield_set(&s->pkt, mf, v, bits);
		s->wr[mf] |= bits;
		lfield_mask(&s->wrk, mf, bits);
	}
}

static uint32_t ones32(unsigned n)
{
	return n >= 32 ? UINT32_MAX : ((uint32_t)1 << n) - 1;
}

/* the register bank: bit b is bit b % 32 of reg (15 - b / 32) */
static lf_u128 bank_get(const struct pls *s, unsigned ofs, unsigned width)
{
	lf_u128 v = 0;
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

static void bank_set(struct pls *s, unsigned ofs, unsigned width, lf_u128 v)
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

static bool fref_loc(const struct lflow_fref *f, struct loc *l)
{
	const struct lf_symbol *sym = lf_symtab_at(f->sym);
	if (sym == NULL || sym->mf == LF_MF_NONE)
		return false;
	l->mf = sym->mf;
	l->ofs = sym->ofs + f->ofs;
	l->width = f->n_bits ? f->n_bits : sym->width;
	return l->width > 0 && l->width <= 128;
}

static lf_u128 loc_get(struct plx *x, struct pls *s, const struct loc *l)
{
	if (l->mf == LF_MF_REGS)
		return bank_get(s, l->ofs, l->width);
	return rd(x, s, l->mf, lf_u128_ones(l->width) << l->ofs) >> l->ofs;
}

static void loc_set(struct pls *s, const struct loc *l, lf_u128 v, lf_u128 m)
{
	m &= lf_u128_ones(l->width);
	if (l->mf == LF_MF_REGS) {
		lf_u128 old = bank_get(s, l->ofs, l->width);
		bank_set(s, l->ofs, l->width, (old & ~m) | (v & m));
	} else {
		wr(s, l->mf, v << l->ofs, m << l->ofs);
	}
}

static const struct lf_symbol *sym_loopback;

static bool flag_loopback(const struct pls *s)
{
	if (sym_loopback == NULL)
		sym_loopback = lf_symtab_lookup("flags.loopback");
	return sym_loopback && bank_get(s, sym_loopback->ofs, 1);
}

/* ---- the end of a branch ---- */

static int fail(struct plx *x, enum brint_drop_reason r)
{
	if (!x->failed && x->cur == 0) { /* a generated packet's end is not the packet's */
		x->fail = r;
		x->failed = true;
	}
	return STOP;
}

static int unsupported(struct plx *x, enum lflow_op op)
{
	x->c->unsupported_op[op]++;
	switch (op) {
	case LFLOW_OP_CT_NEXT: case LFLOW_OP_CT_COMMIT_V1: case LFLOW_OP_CT_COMMIT:
	case LFLOW_OP_CT_DNAT: case LFLOW_OP_CT_SNAT: case LFLOW_OP_CT_DNAT_IN_CZONE:
	case LFLOW_OP_CT_SNAT_IN_CZONE: case LFLOW_OP_CT_LB: case LFLOW_OP_CT_LB_MARK:
	case LFLOW_OP_CT_COMMIT_NAT: case LFLOW_OP_CT_SNAT_TO_VIP: case LFLOW_OP_CHK_LB_HAIRPIN:
	case LFLOW_OP_CHK_LB_HAIRPIN_REPLY: case LFLOW_OP_COMMIT_LB_AFF: case LFLOW_OP_CHK_LB_AFF:
	case LFLOW_OP_COMMIT_ECMP_NH: case LFLOW_OP_CHK_ECMP_NH: case LFLOW_OP_CHK_ECMP_NH_MAC:
		return fail(x, BRINT_DROP_UNSUPPORTED_CT);
	case LFLOW_OP_ARP: case LFLOW_OP_ICMP4: case LFLOW_OP_ICMP4_ERROR: case LFLOW_OP_ICMP6:
	case LFLOW_OP_ICMP6_ERROR: case LFLOW_OP_TCP_RESET: case LFLOW_OP_SCTP_ABORT:
	case LFLOW_OP_ND_NA: case LFLOW_OP_ND_NA_ROUTER: case LFLOW_OP_ND_NS: case LFLOW_OP_REJECT:
		return fail(x, BRINT_DROP_UNSUPPORTED_PKTGEN);
	default:
		return fail(x, BRINT_DROP_UNSUPPORTED_ACTION);
	}
}

static void put(struct plx *x, int rc)
{
	if (rc < 0)
		x->overflow = true;
}

/* Emit the rewrites that make the packet what s says, relative to what the actions emitted
 * so far made of it. A value taken from the packet's own unwritten bits (e.g. a branch that
 * restores a header an earlier branch rewrote) is matched exactly in the mask. */
static bool commit(struct plx *x, struct pls *s)
{
	static const enum lf_mf others[] = {
		LF_MF_ETH_TYPE, LF_MF_VLAN_TCI, LF_MF_IP_PROTO, LF_MF_IP_DSCP, LF_MF_IP_ECN,
		LF_MF_IP_FRAG, LF_MF_IP6_SRC, LF_MF_IP6_DST, LF_MF_IP6_LABEL, LF_MF_ND_TARGET,
		LF_MF_TCP_FLAGS,
	}; /* ct_state is metadata, not a header: never committed */
	struct dp_key *c = &x->committed;
	bool arp = s->pkt.f.eth_type == 0x0806;

	/* whether a written field still equals what the packet carries (no rewrite needed, or
	 * the refusal below) depends on the key's own bits under what was written: match them
	 * (tests/unit/test_pl_index.c found `ip.dscp = 10' passing or failing on the packet's
	 * DSCP with that byte out of the mask) */
	{
		uint64_t m[DP_KEY_WORDS], w[DP_KEY_WORDS];
		memcpy(m, x->mask, sizeof(m));
		memcpy(w, &s->wrk, sizeof(w)); /* every field's written bits, as wr() kept them */
		for (unsigned i = 0; i < DP_KEY_WORDS; i++)
			m[i] |= w[i];
		memcpy(x->mask, m, sizeof(m));
	}

	if (memcmp(&s->pkt.f, &c->f, sizeof(c->f)) == 0)
		return true; /* nothing to rewrite (the common case) */

	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		if (lfield_get(&s->pkt, others[i]) != lfield_get(c, others[i])) {
			x->c->unsupported_rewrite[others[i]]++;
			return false;
		}
	}

	for (int f = 0; f < 2; f++) {
		enum lf_mf mf = f ? LF_MF_ETH_DST : LF_MF_ETH_SRC;
		if (lfield_get(&s->pkt, mf) == lfield_get(c, mf))
			continue;
		lfield_mask(x->mask, mf, ~s->wr[mf]);
		put(x, dpa_put_eth(x->acts, f ? DPA_SET_ETH_DST : DPA_SET_ETH_SRC,
				   f ? s->pkt.f.eth_dst : s->pkt.f.eth_src));
	}
	if (arp) {
		static const enum lf_mf am[] = {LF_MF_ARP_OP, LF_MF_ARP_SHA, LF_MF_ARP_THA,
						LF_MF_ARP_SPA, LF_MF_ARP_TPA};
		bool diff = false;
		for (size_t i = 0; i < 5; i++)
			diff |= lfield_get(&s->pkt, am[i]) != lfield_get(c, am[i]);
		if (diff) {
			struct dpa_arp a;
			memset(&a, 0, sizeof(a));
			for (size_t i = 0; i < 5; i++)
				lfield_mask(x->mask, am[i], ~s->wr[am[i]]);
			a.h.u16 = (uint16_t)lfield_get(&s->pkt, LF_MF_ARP_OP);
			memcpy(a.sha, s->pkt.f.arp_sha, 6);
			memcpy(a.tha, s->pkt.f.arp_tha, 6);
			a.spa = s->pkt.f.ip4_src;
			a.tpa = s->pkt.f.ip4_dst;
			put(x, dpa_put_arp(x->acts, &a));
		}
	} else {
		for (int f = 0; f < 2; f++) {
			enum lf_mf mf = f ? LF_MF_IP4_DST : LF_MF_IP4_SRC;
			if (lfield_get(&s->pkt, mf) == lfield_get(c, mf))
				continue;
			lfield_mask(x->mask, mf, ~s->wr[mf]);
			put(x, dpa_put_simple(x->acts, f ? DPA_SET_IP4_DST : DPA_SET_IP4_SRC, 0,
					      f ? s->pkt.f.ip4_dst : s->pkt.f.ip4_src));
		}
		if (s->pkt.f.nw_ttl != c->f.nw_ttl) {
			/* a decrement keeps the packet's own TTL out of the mask; a set (ip.ttl = 255
			 * for a router's echo reply) does not depend on it */
			if (s->pkt.f.nw_ttl < c->f.nw_ttl && c->f.nw_ttl - s->pkt.f.nw_ttl <= 2)
				for (unsigned t = s->pkt.f.nw_ttl; t < c->f.nw_ttl; t++)
					put(x, dpa_put_simple(x->acts, DPA_DEC_TTL, 0, 0));
			else
				put(x, dpa_put_simple(x->acts, DPA_SET_TTL, s->pkt.f.nw_ttl, 0));
		}
		for (int f = 0; f < 2; f++) {
			enum lf_mf mf = f ? LF_MF_L4_DST : LF_MF_L4_SRC;
			if (lfield_get(&s->pkt, mf) == lfield_get(c, mf))
				continue;
			lfield_mask(x->mask, mf, ~s->wr[mf]);
			put(x, dpa_put_simple(x->acts, f ? DPA_SET_L4_DST : DPA_SET_L4_SRC,
					      f ? s->pkt.f.tp_dst : s->pkt.f.tp_src, 0));
		}
	}
	c->f = s->pkt.f;
	return true;
}

/* ---- pipelines ---- */

static int run_stage(struct plx *x, struct pls *s, bool egress, unsigned idx);
static int exec_block(struct plx *x, struct pls *s, const struct lflow_prog *p, uint32_t first,
		      uint32_t n, bool egress, unsigned stage);
static int exec_insn(struct plx *x, struct pls *s, const struct lflow_prog *p,
		     const struct lflow_insn *in, bool egress, unsigned stage);

static int pm_emit(struct plx *x, struct pls *s, uint16_t port);

/* ---- localnet: the switch's way to a provider NIC (see pl_localnet_in in dp/pipeline.h) ---- */

/* the tag a previous output to a localnet port pushed comes off before the next output */
static void vlan_unpush(struct plx *x)
{
	if (x->vlan_pushed) {
		put(x, dpa_put_simple(x->acts, DPA_POP_VLAN, 0, 0));
		x->vlan_pushed = false;
	}
}

/* Out of a localnet port: the rewrites, the port's VLAN pushed (none when untagged), out of
 * the provider NIC of its network's bridge mapping; no mapping here: no_provider. */
static int deliver_localnet(struct plx *x, struct pls *s, const struct pl_port *p)
{
	if (p->provider == PL_PORT_NONE)
		return fail(x, BRINT_DROP_NO_PROVIDER);
	if (x->pm) {
		/* packet mode rewrites headers but not a VLAN tag (pktgen_rewrite): a packet for
		 * an untagged network goes out as is, one for a tagged network is not sent yet */
		if (p->tag >= 1)
			return fail(x, BRINT_DROP_UNSUPPORTED_PKTGEN);
		return pm_emit(x, s, p->provider);
	}
	vlan_unpush(x);
	if (!commit(x, s)) {
		x->slowpath = true; /* a header write no flat action expresses: packet mode */
		return STOP;
	}
	if (p->tag >= 1) {
		put(x, dpa_put_simple(x->acts, DPA_PUSH_VLAN, (uint16_t)p->tag, 0));
		x->vlan_pushed = true;
	}
	put(x, dpa_put_output(x->acts, p->provider));
	x->n_out++;
	x->c->outputs++;
	return GO;
}

/* Into a localnet port from its provider NIC: the binding by (NIC, VLAN); the megaflow
 * matches the VLAN ID and whether there is a tag; a tag comes off before the pipeline (OVN's
 * logical flows see the frame untagged). NULL: a VLAN no localnet port takes here. */
static const struct pl_port *localnet_start(struct plx *x, const struct dp_key *k)
{
	const struct pl_port *in = pl_localnet_in(x->g, (uint16_t)k->in_port, k->f.vlan_tci);
	x->mask->f.vlan_tci = FLOW_VLAN_PRESENT | 0x0fff;
	if (in && (k->f.vlan_tci & FLOW_VLAN_PRESENT)) {
		put(x, dpa_put_simple(x->acts, DPA_POP_VLAN, 0, 0));
		x->committed.f.vlan_tci = 0;
	}
	return in;
}

/* The node's own interface on a provider NIC (struct pl_host): what it sends leaves by the
 * NIC untouched; from the NIC, untagged frames to its MAC go to it alone, untagged broadcasts
 * and multicasts to it too (a copy) and then to the localnet ports. Returns true when the
 * frame needs nothing more. */
static bool host_path(struct plx *x, const struct dp_key *k)
{
	const struct pl_gen *g = x->g;
	for (unsigned i = 0; i < g->n_hosts; i++) {
		const struct pl_host *h = &g->hosts[i];
		if (k->in_port == h->port) {
			put(x, dpa_put_output(x->acts, h->provider));
			x->n_out++;
			x->c->outputs++;
			return true;
		}
		if (k->in_port != h->provider)
			continue;
		x->mask->f.vlan_tci = FLOW_VLAN_PRESENT | 0x0fff;
		if (k->f.vlan_tci & FLOW_VLAN_PRESENT)
			return false;
		memset(x->mask->f.eth_dst, 0xff, 6);
		uint64_t dst = 0;
		for (int b = 0; b < 6; b++)
			dst = dst << 8 | k->f.eth_dst[b];
		if (dst == h->mac || (k->f.eth_dst[0] & 1)) {
			put(x, dpa_put_output(x->acts, h->port));
			x->n_out++;
			x->c->outputs++;
		}
		return dst == h->mac;
	}
	return false;
}

/* the egress `output': the packet leaves on outport */
static int deliver(struct plx *x, struct pls *s)
{
	const struct pl_port *p = pl_port_by_key(x->g, s->dp->key, s->reg[15]);
	if (p == NULL)
		return fail(x, BRINT_DROP_LFLOW_DROP);
	if (p->type == PL_PT_LOCALNET)
		return deliver_localnet(x, s, p);
	if (p->local != PL_PORT_NONE && x->pm)
		return pm_emit(x, s, p->local);
	if (p->local != PL_PORT_NONE) {
		vlan_unpush(x);
		if (!commit(x, s)) {
			/* a header write no flat action expresses (ip6.src, ...): packet mode
			 * writes any header into the packet's bytes */
			x->slowpath = true;
			return STOP;
		}
		put(x, dpa_put_output(x->acts, p->local));
		x->n_out++;
		x->c->outputs++;
		return GO;
	}
	if (p->type == PL_PT_PATCH && p->peer >= 0) {
		const struct pl_port *peer = &x->g->ports[p->peer];
		const struct pl_datapath *dp = pl_dp(x->g, peer->dp);
		if (dp == NULL)
			return fail(x, BRINT_DROP_LFLOW_DROP);
		/* as ovn-controller crosses a patch port: conntrack state cleared, flags,
		 * outport and every register zeroed, inport = the peer */
		struct pls n = *s;
		memset(n.reg, 0, sizeof(n.reg));
		wr(&n, LF_MF_CT_STATE, 0, ~(lf_u128)0);
		n.nk[LF_MF_CT_MARK] = n.nk[LF_MF_CT_LABEL] = 0;
		n.reg[14] = (uint32_t)peer->key;
		n.dp = dp;
		x->deps |= pl_dp_bit(dp->key);
		x->c->patch_crossings++;
		return run_stage(x, &n, false, 0);
	}
	x->c->remote_outputs++;
	return fail(x, BRINT_DROP_NO_LOCAL_PORT);
}

/* the ingress `output': on to the egress pipeline, once per member of a multicast group */
static int to_egress(struct plx *x, struct pls *s)
{
	const struct pl_mcgroup *mc = pl_mcgroup_by_key(x->g, s->dp->key, s->reg[15]);
	if (mc == NULL) {
		struct pl_port const *op = pl_port_by_key(x->g, s->dp->key, s->reg[15]);
		/* a remote VIF of a bridged switch: out by its localnet port (before the loopback
		 * check, so that a frame from the physical network is not sent back to it) */
		uint32_t outport = op && op->via_localnet >= 0
					   ? (uint32_t)x->g->ports[op->via_localnet].key
					   : s->reg[15];
		if (outport == s->reg[14] && !flag_loopback(s)) {
			x->c->loopback_drops++;
			return fail(x, BRINT_DROP_LFLOW_DROP);
		}
		struct pls e = *s;
		e.reg[15] = outport;
		return run_stage(x, &e, true, 0);
	}
	bool remote = false;
	for (uint32_t i = 0; i < mc->members.n; i++) {
		const struct pl_port *m = &x->g->ports[x->g->mc_members[mc->members.first + i]];
		if ((uint32_t)m->key == s->reg[14] && !flag_loopback(s))
			continue;
		if (m->type == PL_PT_VIF && m->local == PL_PORT_NONE) {
			/* bound elsewhere (or nowhere): as ovn-controller, no egress pipeline here
			 * for it (controller/physical.c consider_mc_group sends the packet once per
			 * remote chassis, whose egress pipeline runs there). A switch with
			 * thousands of remote members would otherwise run thousands of egress
			 * passes, past the stage limit and its local members with them. */
			remote = true;
			continue;
		}
		struct pls e = *s;
		e.reg[15] = (uint32_t)m->key;
		run_stage(x, &e, true, 0);
		if (x->slowpath)
			return STOP;
	}
	if (remote) { /* no tunnels yet: counted once, dropped */
		x->c->remote_outputs++;
		fail(x, BRINT_DROP_NO_LOCAL_PORT);
	}
	return GO;
}

static bool term_match(struct plx *x, struct pls *s, const struct pl_term *t)
{
	bool eq = rd(x, s, (enum lf_mf)t->mf, t->mask) == t->value;
	return t->neg ? !eq : eq;
}

static bool terms_match(struct plx *x, struct pls *s, struct pl_range r)
{
	for (uint32_t i = 0; i < r.n; i++)
		if (!term_match(x, s, &x->g->terms[r.first + i]))
			return false;
	return true;
}

/* the linear scan's rule test (the reference the indexed lookup must agree with) */
static bool rule_match(struct plx *x, struct pls *s, const struct pl_rule *r)
{
	if (!terms_match(x, s, r->terms))
		return false;
	for (uint32_t d = 0; d < r->dims.n; d++) {
		struct pl_range dim = x->g->dims[r->dims.first + d];
		bool any = false;
		for (uint32_t a = 0; a < dim.n && !any; a++)
			any = terms_match(x, s, x->g->alts[dim.first + a]);
		if (!any)
			return false;
	}
	return true;
}

/* ---- indexed lookups (dp/pl_index.h) ---- */

static inline uint64_t key_word(const struct dp_key *k, unsigned ofs)
{
	uint64_t v;
	memcpy(&v, (const uint8_t *)k + ofs, sizeof(v));
	return v;
}

static inline void mask_word(struct dp_key *m, unsigned ofs, uint64_t bits)
{
	uint64_t v;
	memcpy(&v, (uint8_t *)m + ofs, sizeof(v));
	v |= bits;
	memcpy((uint8_t *)m + ofs, &v, sizeof(v));
}

/* term i (pre-decoded): as term_match, on the packet's bytes; the key bits behind them are
 * unmasked, but not those an action wrote in this branch (s->wrk: their value follows from
 * earlier decisions, already in the mask) */
static inline bool fterm_match(struct plx *x, struct pls *s, uint32_t i)
{
	const struct pl_fterm *f = &x->g->index->fterms[i];
	bool eq;
	switch (f->kind) {
	case PL_FT_REG:
		eq = (s->reg[f->ofs[0]] & f->m[0]) == f->v[0];
		break;
	case PL_FT_KEY:
		eq = true;
		for (unsigned w = 0; w < f->nw; w++) {
			mask_word(x->mask, f->ofs[w], f->m[w] & ~key_word(&s->wrk, f->ofs[w]));
			eq &= (key_word(&s->pkt, f->ofs[w]) & f->m[w]) == f->v[w];
		}
		break;
	default:
		return term_match(x, s, &x->g->terms[i]);
	}
	return f->neg ? !eq : eq;
}

static bool fterms_match(struct plx *x, struct pls *s, uint32_t first, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!fterm_match(x, s, first + i))
			return false;
	return true;
}

static bool ent_match(struct plx *x, struct pls *s, const struct pl_sent *e)
{
	if (!fterms_match(x, s, e->tfirst, e->tn))
		return false;
	if (e->ndims == 0)
		return true;
	const struct pl_rule *r = &x->g->rules[e->rule];
	for (uint32_t d = 0; d < r->dims.n; d++) {
		struct pl_range dim = x->g->dims[r->dims.first + d];
		bool any = false;
		for (uint32_t a = 0; a < dim.n && !any; a++) {
			struct pl_range alt = x->g->alts[dim.first + a];
			any = fterms_match(x, s, alt.first, alt.n);
		}
		if (!any)
			return false;
	}
	return true;
}

static const struct pl_sent *ents_scan(struct plx *x, struct pls *s, const struct pl_sent *e,
				       uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (ent_match(x, s, &e[i]))
			return &e[i];
	return NULL;
}

/* the guard of an indexed node holds (else no rule under its buckets can match) */
static bool guard_ok(struct plx *x, struct pls *s, const struct pl_inode *nd)
{
	const struct pl_index *ix = x->g->index;
	for (uint32_t i = 0; i < nd->n_guard; i++)
		if (!fterm_match(x, s, ix->guards[nd->guard + i]))
			return false;
	return true;
}

/* Consult an indexed node: the packet's value of its field, the key bits behind that value
 * unmasked (as rd() does: bits an action wrote come from the actions, not the key), and the
 * bucket of that value (NULL if no rule wants it). */
static const struct pl_bucket *consult(struct plx *x, struct pls *s, const struct pl_inode *nd)
{
	uint64_t v;
	if (nd->kind == PL_FT_REG) {
		v = s->reg[nd->ofs] & nd->m;
	} else {
		/* written bits (eth.dst after a router's arp_resolve) stay out of the mask */
		mask_word(x->mask, nd->ofs, nd->m & ~key_word(&s->wrk, nd->ofs));
		v = key_word(&s->pkt, nd->ofs) & nd->m;
	}
	return pl_index_bucket(x->g->index, nd, v);
}

/* One indexed node over leaves (the common case): the rest leaf merged with the bucket's. */
static const struct pl_sent *simple_lookup(struct plx *x, struct pls *s,
					   const struct pl_sidx *si)
{
	const struct pl_index *ix = x->g->index;
	const struct pl_inode *nd = &si->root;
	const struct pl_sent *r = &ix->ents[nd->list], *re = r + nd->n_list, *b = NULL, *be = NULL;
	for (; r < re && r->rule < nd->min_bucket_rule; r++)
		if (ent_match(x, s, r))
			return r;
	const struct pl_bucket *c = guard_ok(x, s, nd) ? consult(x, s, nd) : NULL;
	if (c) {
		b = &ix->ents[c->list];
		be = b + c->n_list;
	}
	for (;;) {
		const struct pl_sent *e;
		if (b < be && (r == re || b->rule < r->rule))
			e = b++;
		else if (r < re)
			e = r++;
		else
			return NULL;
		if (ent_match(x, s, e))
			return e;
	}
}

/* The stage's first matching rule through its index tree: the leaves reached so far are
 * merged in rule order; an indexed node reached is consulted (its guard checked, its field
 * read, the value's child reached) only when a rule under its buckets could come before
 * every candidate left. See pl_index.h for why the mask stays sound. */
#define PL_LOOKUP_MAX 40 /* leaves and pending nodes: 2^MAX_INDEX_DEPTH (5) at most */

struct lookup {
	const struct pl_sent *p[PL_LOOKUP_MAX], *e[PL_LOOKUP_MAX];
	const struct pl_inode *pend[PL_LOOKUP_MAX];
	unsigned ns, np;
};

/* a node reached: its chain of rest children down to a leaf; false if the arrays are full */
static bool reach(const struct pl_index *ix, struct lookup *l, const struct pl_inode *nd)
{
	while (nd) {
		if (!nd->indexed) {
			if (l->ns == PL_LOOKUP_MAX)
				return false;
			l->p[l->ns] = &ix->ents[nd->list];
			l->e[l->ns++] = &ix->ents[nd->list + nd->n_list];
			return true;
		}
		if (l->np == PL_LOOKUP_MAX)
			return false;
		l->pend[l->np++] = nd;
		nd = nd->rest == UINT32_MAX ? NULL : &ix->nodes[nd->rest];
	}
	return true;
}

static const struct pl_sent *stage_lookup(struct plx *x, struct pls *s,
					  const struct pl_sidx *si)
{
	const struct pl_index *ix = x->g->index;
	struct lookup l;

	if (!si->root.indexed)
		return ents_scan(x, s, &ix->ents[si->root.list], si->root.n_list);
	if (si->root.simple)
		return simple_lookup(x, s, si);
	l.ns = l.np = 0;
	if (!reach(ix, &l, &si->root))
		return ents_scan(x, s, &ix->ents[si->all], si->n_all);
	for (;;) {
		uint32_t next = UINT32_MAX, pmin = UINT32_MAX;
		unsigned bs = 0, bp = 0;
		for (unsigned i = 0; i < l.ns; i++)
			if (l.p[i] < l.e[i] && l.p[i]->rule < next) {
				next = l.p[i]->rule;
				bs = i;
			}
		for (unsigned i = 0; i < l.np; i++)
			if (l.pend[i]->min_bucket_rule < pmin) {
				pmin = l.pend[i]->min_bucket_rule;
				bp = i;
			}
		if (pmin < next) {
			const struct pl_inode *nd = l.pend[bp];
			l.pend[bp] = l.pend[--l.np];
			if (!guard_ok(x, s, nd))
				continue; /* no rule under the buckets can match */
			const struct pl_bucket *c = consult(x, s, nd);
			if (c && !reach(ix, &l, &ix->nodes[c->node]))
				return ents_scan(x, s, &ix->ents[si->all], si->n_all);
			continue;
		}
		if (next == UINT32_MAX)
			return NULL;
		const struct pl_sent *e = l.p[bs]++;
		if (ent_match(x, s, e))
			return e;
	}
}

/* the linear scan over the stage's flows */
static const struct pl_flow *stage_scan(struct plx *x, struct pls *s, const struct pl_stage *st)
{
	for (uint32_t i = 0; i < st->flows.n; i++) {
		const struct pl_flow *f = &x->g->flows[st->flows.first + i];
		for (uint32_t r = 0; r < f->rules.n; r++)
			if (rule_match(x, s, &x->g->rules[f->rules.first + r]))
				return f;
	}
	return NULL;
}

static bool port_sec_stage(const char *name)
{
	return name && strstr(name, "port_sec") != NULL;
}

static bool next_target(const struct pls *s, const struct lflow_prog *p,
			const struct lflow_insn *in, bool *egress, unsigned *stage);

/* Run stage idx of a pipeline: its first matching flow's program. A `next' that ends the
 * program (the common case) continues here, not deeper: only output, clone and actions after
 * a `next' nest. */
static int run_stage(struct plx *x, struct pls *s, bool egress, unsigned idx)
{
	int rc = GO;

	if (++x->depth > PL_MAX_DEPTH) {
		rc = fail(x, BRINT_DROP_PIPELINE_LOOP);
		goto out;
	}
	for (;;) {
		const struct pl_pipeline *pp = &s->dp->pipe[egress];
		if (x->slowpath) {
			rc = STOP;
			goto out;
		}
		if (++x->stages > PL_MAX_STAGES) {
			rc = fail(x, BRINT_DROP_PIPELINE_LOOP);
			goto out;
		}
		x->c->stages++;
		const struct pl_index *ix = x->g->index;
		const struct pl_flow *hit;
		if (idx >= pp->n_stages) {
			rc = fail(x, BRINT_DROP_LFLOW_DROP);
			goto out;
		}
		const struct pl_stage *st = &pp->stages[idx]; /* (its name read only if needed) */
		if (ix && ix->stages_on) {
			const struct pl_sidx *si = pl_index_stage(ix, x->g, s->dp, egress, idx);
			if (!si->exists) {
				rc = fail(x, BRINT_DROP_LFLOW_DROP);
				goto out;
			}
			if (si->jump_n && !unlikely_trace(x)) {
				/* pass-through stages: counted, crossed in one step */
				x->stages += si->jump_n - 1u;
				x->c->stages += si->jump_n - 1u;
				if (x->stages > PL_MAX_STAGES) {
					rc = fail(x, BRINT_DROP_PIPELINE_LOOP);
					goto out;
				}
				egress = si->jump_egress;
				idx = (unsigned)si->jump_stage;
				continue;
			}
			const struct pl_sent *he = stage_lookup(x, s, si);
			if (he && he->only_next && !unlikely_trace(x)) {
				/* `next;' alone (most stages' default flow): straight on, neither
				 * the flow nor its program touched */
				egress = he->negress;
				idx = (unsigned)he->nstage;
				continue;
			}
			hit = he ? &x->g->flows[he->flow] : NULL;
		} else {
			if (st->name == NULL) {
				rc = fail(x, BRINT_DROP_LFLOW_DROP);
				goto out;
			}
			hit = stage_scan(x, s, st);
		}
		if (unlikely_trace(x)) {
			struct pl_trace_ev ev = {s->dp, egress, idx, st->name, hit, s->reg[14],
						 s->reg[15], x->cur};
			x->trace(x->trace_arg, &ev);
		}
		if (hit && ix && ix->stages_on && ix->fnext[hit->id].only_next &&
		    ix->fnext[hit->id].stage >= 0) {
			/* `next;' alone (most stages' default flow): straight on, the program
			 * untouched */
			egress = ix->fnext[hit->id].egress;
			idx = (unsigned)ix->fnext[hit->id].stage;
			continue;
		}
		if (hit == NULL || hit->prog == NULL || hit->prog->n_top == 0 ||
		    hit->prog->top + hit->prog->n_top > hit->prog->n_insns) {
			rc = fail(x, port_sec_stage(st->name) ? BRINT_DROP_PORT_SECURITY
							      : BRINT_DROP_LFLOW_DROP);
			goto out;
		}
		const struct lflow_prog *p = hit->prog;
		const struct lflow_insn *last = &p->insns[p->top + p->n_top - 1];
		if (last->op != LFLOW_OP_NEXT) {
			rc = exec_block(x, s, p, p->top, p->n_top, egress, idx);
			goto out;
		}
		for (uint32_t i = 0; i + 1 < p->n_top; i++)
			if (exec_insn(x, s, p, &p->insns[p->top + i], egress, idx) == STOP) {
				rc = STOP;
				goto out;
			}
		if (ix && ix->stages_on) {
			/* resolved when the generation was built */
			struct pl_fnext nx = ix->fnext[hit->id];
			if (nx.stage < 0) {
				rc = fail(x, BRINT_DROP_LFLOW_DROP);
				goto out;
			}
			egress = nx.egress;
			idx = (unsigned)nx.stage;
		} else if (!next_target(s, p, last, &egress, &idx)) {
			rc = fail(x, BRINT_DROP_LFLOW_DROP);
			goto out;
		}
	}
out:
	x->depth--;
	return rc;
}

/* ---- port security (check_in_port_sec / check_out_port_sec): 1 = the check failed ----
 * As ovn-controller's port-security tables decide it from Port_Binding.port_security, entry
 * by entry ("MAC [IP...]"), a packet passing if one entry lets it through:
 *   in:  eth.src must be the entry's MAC. An entry without addresses lets everything from that
 *        MAC through, but ARP only with arp.sha == MAC and an ND NA only with nd.tll 0 or MAC.
 *        With addresses: IPv4 from a listed address (or a DHCP discover from 0.0.0.0); ARP
 *        with arp.sha == MAC and arp.spa listed (no ARP when only IPv6 is listed); IPv6 from a
 *        listed address or the MAC's EUI-64 link-local address (then NA as above, with
 *        nd.target listed or the link-local), or from :: to ff02::/16 as MLD report or DAD
 *        NS; other protocols not.
 *   out: eth.dst must be the entry's MAC. Without addresses anything passes; with addresses
 *        IPv4 only to a listed address, 255.255.255.255 or 224.0.0.0/4 (none if no IPv4 is
 *        listed), IPv6 only to a listed address, the link-local or ff00::/8 (none if no IPv6
 *        is listed), anything else passes. */

static bool ip4_in(const struct pl_gen *g, struct pl_range r, uint32_t a)
{
	for (uint32_t i = 0; i < r.n; i++)
		if ((a & g->psec_ip4[r.first + i].mask) == g->psec_ip4[r.first + i].addr)
			return true;
	return false;
}

static bool ip6_in(const struct pl_gen *g, struct pl_range r, lf_u128 a)
{
	for (uint32_t i = 0; i < r.n; i++)
		if ((a & g->psec_ip6[r.first + i].mask) == g->psec_ip6[r.first + i].addr)
			return true;
	return false;
}

/* fe80::/64 with the modified EUI-64 interface id of mac */
static lf_u128 lla_of(uint64_t mac)
{
	uint64_t hi = mac >> 24, lo = mac & 0xffffff;
	uint64_t iid = ((hi ^ 0x020000) << 40) | (0xfffeULL << 24) | lo;
	return ((lf_u128)0xfe80 << 112) | iid;
}

static bool prefix6(lf_u128 a, unsigned hi16, unsigned len)
{
	return (a >> (128 - len)) == ((lf_u128)hi16 << 112) >> (128 - len);
}

/* an ND NA (the caller read eth.type: IPv6) */
static bool is_na(struct plx *x, struct pls *s)
{
	return rd(x, s, LF_MF_IP_PROTO, 0xff) == 58 && rd(x, s, LF_MF_ICMP_TYPE, 0xff) == 136;
}

static bool in_entry_ok(struct plx *x, struct pls *s, const struct pl_psec *e)
{
	const struct pl_gen *g = x->g;
	uint16_t type = (uint16_t)rd(x, s, LF_MF_ETH_TYPE, 0xffff);
	bool has_ip = e->ip4.n || e->ip6.n;

	if (type == 0x0806) {
		if (rd(x, s, LF_MF_ARP_SHA, lf_u128_ones(48)) != e->mac)
			return false;
		if (!has_ip)
			return true;
		return e->ip4.n &&
		       ip4_in(g, e->ip4, (uint32_t)rd(x, s, LF_MF_ARP_SPA, 0xffffffff));
	}
	if (type == 0x0800) {
		if (!has_ip)
			return true;
		uint32_t src = (uint32_t)rd(x, s, LF_MF_IP4_SRC, 0xffffffff);
		if (ip4_in(g, e->ip4, src))
			return true;
		return e->ip4.n && src == 0 &&
		       rd(x, s, LF_MF_IP4_DST, 0xffffffff) == 0xffffffff &&
		       rd(x, s, LF_MF_IP_PROTO, 0xff) == 17 && rd(x, s, LF_MF_L4_SRC, 0xffff) == 68 &&
		       rd(x, s, LF_MF_L4_DST, 0xffff) == 67;
	}
	if (type == 0x86dd) {
		if (has_ip) {
			if (e->ip6.n == 0)
				return false;
			lf_u128 src = rd(x, s, LF_MF_IP6_SRC, ~(lf_u128)0);
			if (src == 0) {
				/* MLD reports and DAD from :: to ff02::/16 */
				if (!prefix6(rd(x, s, LF_MF_IP6_DST, ~(lf_u128)0), 0xff02, 16) ||
				    rd(x, s, LF_MF_IP_PROTO, 0xff) != 58 ||
				    rd(x, s, LF_MF_ICMP_CODE, 0xff) != 0)
					return false;
				unsigned t = (unsigned)rd(x, s, LF_MF_ICMP_TYPE, 0xff);
				return t == 131 || t == 143 || t == 135;
			}
			if (!ip6_in(g, e->ip6, src) && src != lla_of(e->mac))
				return false;
		}
		if (!is_na(x, s))
			return true;
		lf_u128 tll = rd(x, s, LF_MF_ND_TLL, lf_u128_ones(48));
		if (tll != 0 && tll != e->mac)
			return false;
		if (e->ip6.n == 0)
			return true;
		lf_u128 target = rd(x, s, LF_MF_ND_TARGET, ~(lf_u128)0);
		return ip6_in(g, e->ip6, target) || target == lla_of(e->mac);
	}
	return !has_ip;
}

static bool out_entry_ok(struct plx *x, struct pls *s, const struct pl_psec *e)
{
	const struct pl_gen *g = x->g;
	if (!e->ip4.n && !e->ip6.n)
		return true;
	uint16_t type = (uint16_t)rd(x, s, LF_MF_ETH_TYPE, 0xffff);
	if (type == 0x0800) {
		if (e->ip4.n == 0)
			return false;
		uint32_t dst = (uint32_t)rd(x, s, LF_MF_IP4_DST, 0xffffffff);
		return ip4_in(g, e->ip4, dst) || dst == 0xffffffff ||
		       (dst & 0xf0000000) == 0xe0000000;
	}
	if (type == 0x86dd) {
		if (e->ip6.n == 0)
			return false;
		lf_u128 dst = rd(x, s, LF_MF_IP6_DST, ~(lf_u128)0);
		return ip6_in(g, e->ip6, dst) || dst == lla_of(e->mac) || prefix6(dst, 0xff00, 8);
	}
	return true;
}

static unsigned port_sec(struct plx *x, struct pls *s, bool out)
{
	const struct pl_gen *g = x->g;
	const struct pl_port *p = pl_port_by_key(g, s->dp->key, s->reg[out ? 15 : 14]);
	if (p == NULL || p->psec.n == 0)
		return 0;
	lf_u128 mac = rd(x, s, out ? LF_MF_ETH_DST : LF_MF_ETH_SRC, lf_u128_ones(48));
	for (uint32_t i = 0; i < p->psec.n; i++) {
		const struct pl_psec *e = &g->psecs[p->psec.first + i];
		if (mac == e->mac && (out ? out_entry_ok(x, s, e) : in_entry_ok(x, s, e)))
			return 0;
	}
	return 1;
}

/* ---- actions ---- */

static int64_t port_key_by_name(struct plx *x, const struct pls *s, const char *name)
{
	const struct pl_port *p = pl_port_by_name(x->g, s->dp->key, name);
	if (p)
		return p->key;
	const struct pl_mcgroup *m = pl_mcgroup_by_name(x->g, s->dp->key, name);
	return m ? m->key : 0;
}

/* where a `next' goes: the stage it names, else the following one or its table number */
static bool next_target(const struct pls *s, const struct lflow_prog *p,
			const struct lflow_insn *in, bool *egress, unsigned *stage)
{
	bool eg = *egress;
	int idx;
	if (in->flags & LFLOW_NEXT_F_OTHER_PIPELINE)
		eg = in->u.next.pipeline == LFLOW_P_EGRESS;
	const char *name = lflow_prog_str(p, in->u.next.stage);
	const struct pl_pipeline *pp = &s->dp->pipe[eg];
	if (name) {
		/* the table number the compiler gave is ltopo's, as the stage array's index:
		 * check the name there first, search only if it differs */
		idx = in->u.next.table;
		if ((unsigned)idx >= pp->n_stages || pp->stages[idx].name == NULL ||
		    strcmp(pp->stages[idx].name, name) != 0)
			idx = pl_stage_index(pp, name);
	} else if (in->flags & LFLOW_NEXT_F_FOLLOWING)
		idx = (int)*stage + 1;
	else
		idx = in->u.next.table;
	if (idx < 0)
		return false;
	*egress = eg;
	*stage = (unsigned)idx;
	return true;
}

static int do_next(struct plx *x, struct pls *s, const struct lflow_prog *p,
		   const struct lflow_insn *in, bool egress, unsigned stage)
{
	if (!next_target(s, p, in, &egress, &stage))
		return fail(x, BRINT_DROP_LFLOW_DROP);
	return run_stage(x, s, egress, stage);
}

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
		return unsupported(x, in->op);
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
	bool v6 = is_v6_op(in->op), with_mac = in->op == LFLOW_OP_LOOKUP_ARP ||
						  in->op == LFLOW_OP_LOOKUP_ND;
	if (!fref_loc(&in->dst, &d) || !arg_loc(p, in, 0, &lp) || !arg_loc(p, in, 1, &la) ||
	    (with_mac && !arg_loc(p, in, 2, &lm)))
		return unsupported(x, in->op);
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
		return unsupported(x, in->op);
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
		return unsupported(x, in->op);
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

/* The learn events go first in the list (before any output takes the packet away), and stay
 * in a list that ends in a drop. */
static int put_learns(struct plx *x)
{
	struct dpa_buf *b = x->acts;
	uint32_t need = x->n_learns * (uint32_t)sizeof(struct dpa_learn);
	if (x->n_learns == 0)
		return 0;
	if (b->len + need > b->cap)
		return -1;
	memmove(b->data + need, b->data, b->len);
	struct dpa_buf front = {.data = b->data, .len = 0, .cap = need};
	for (unsigned i = 0; i < x->n_learns; i++)
		if (dpa_put_learn(&front, &x->learns[i]) < 0)
			return -1;
	b->len += need;
	return 0;
}
static int pktgen_action(struct plx *x, struct pls *s, const struct lflow_prog *p,
			 const struct lflow_insn *in, bool egress, unsigned stage);

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
		return unsupported(x, in->op);
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

static int exec_insn(struct plx *x, struct pls *s, const struct lflow_prog *p,
		     const struct lflow_insn *in, bool egress, unsigned stage)
{
	struct loc d, r;
	const struct lflow_arg *a = in->n_args ? &p->args[in->arg] : NULL;

	switch ((enum lflow_op)in->op) {
	case LFLOW_OP_NEXT:
		return do_next(x, s, p, in, egress, stage);
	case LFLOW_OP_OUTPUT:
		return egress ? deliver(x, s) : to_egress(x, s);
	case LFLOW_OP_LOAD:
		if (!fref_loc(&in->dst, &d) || a == NULL)
			return unsupported(x, in->op);
		if (a->kind == LFLOW_ARG_STR) {
			const char *name = lflow_prog_str(p, a->str);
			loc_set(s, &d, (lf_u128)(uint64_t)port_key_by_name(x, s, name ? name : ""),
				~(lf_u128)0);
		} else {
			loc_set(s, &d, a->value, a->masked ? a->mask : ~(lf_u128)0);
		}
		return GO;
	case LFLOW_OP_MOVE:
		if (!fref_loc(&in->dst, &d) || !fref_loc(&in->src, &r))
			return unsupported(x, in->op);
		loc_set(s, &d, loc_get(x, s, &r), ~(lf_u128)0);
		return GO;
	case LFLOW_OP_EXCHANGE: {
		if (!fref_loc(&in->dst, &d) || !fref_loc(&in->src, &r))
			return unsupported(x, in->op);
		lf_u128 vd = loc_get(x, s, &d), vr = loc_get(x, s, &r);
		loc_set(s, &d, vr, ~(lf_u128)0);
		loc_set(s, &r, vd, ~(lf_u128)0);
		return GO;
	}
	case LFLOW_OP_DEC_TTL: {
		uint16_t type = (uint16_t)rd(x, s, LF_MF_ETH_TYPE, 0xffff);
		if (type != 0x0800 && type != 0x86dd)
			return unsupported(x, in->op);
		lf_u128 ttl = rd(x, s, LF_MF_IP_TTL, 0xff);
		/* the datapath's dec_ttl drops at 0; the mask covers whether ttl is 0 */
		if (ttl == 0)
			return fail(x, BRINT_DROP_LFLOW_DROP);
		s->pkt.f.nw_ttl--;
		return GO;
	}
	case LFLOW_OP_CLONE: {
		struct pls c = *s;
		exec_block(x, &c, p, in->sub, in->n_sub, egress, stage);
		return x->slowpath ? STOP : GO;
	}
	case LFLOW_OP_ARP: case LFLOW_OP_ICMP4: case LFLOW_OP_ICMP4_ERROR: case LFLOW_OP_ICMP6:
	case LFLOW_OP_ICMP6_ERROR: case LFLOW_OP_TCP_RESET: case LFLOW_OP_SCTP_ABORT:
	case LFLOW_OP_ND_NA: case LFLOW_OP_ND_NA_ROUTER: case LFLOW_OP_ND_NS: case LFLOW_OP_REJECT:
		return pktgen_action(x, s, p, in, egress, stage);
	case LFLOW_OP_DROP:
		return fail(x, port_sec_stage(s->dp->pipe[egress].stages[stage].name)
				       ? BRINT_DROP_PORT_SECURITY : BRINT_DROP_LFLOW_DROP);
	case LFLOW_OP_CT_CLEAR:
		/* no conntrack has run on this pass: its state is cleared */
		wr(s, LF_MF_CT_STATE, 0, ~(lf_u128)0);
		s->nk[LF_MF_CT_MARK] = s->nk[LF_MF_CT_LABEL] = 0;
		return GO;
	case LFLOW_OP_CHECK_IN_PORT_SEC:
	case LFLOW_OP_CHECK_OUT_PORT_SEC:
		if (!fref_loc(&in->dst, &d))
			return unsupported(x, in->op);
		loc_set(s, &d, port_sec(x, s, in->op == LFLOW_OP_CHECK_OUT_PORT_SEC), 1);
		return GO;
	case LFLOW_OP_GET_ARP:
	case LFLOW_OP_GET_ND:
		return do_get_mac(x, s, p, in);
	case LFLOW_OP_LOOKUP_ARP:
	case LFLOW_OP_LOOKUP_ND:
	case LFLOW_OP_LOOKUP_ARP_IP:
	case LFLOW_OP_LOOKUP_ND_IP:
		return do_lookup_mac(x, s, p, in);
	case LFLOW_OP_GET_FDB:
	case LFLOW_OP_LOOKUP_FDB:
		return do_fdb(x, s, p, in);
	case LFLOW_OP_PUT_ARP:
	case LFLOW_OP_PUT_ND:
	case LFLOW_OP_PUT_FDB:
		return do_put(x, s, p, in);
	case LFLOW_OP_CHECK_PKT_LARGER:
		return do_check_len(x, s, in);
	default:
		return unsupported(x, in->op);
	}
}

static int exec_block(struct plx *x, struct pls *s, const struct lflow_prog *p, uint32_t first,
		      uint32_t n, bool egress, unsigned stage)
{
	if (n == 0)
		return fail(x, BRINT_DROP_LFLOW_DROP);
	for (uint32_t i = 0; i < n; i++) {
		if (first + i >= p->n_insns)
			return unsupported(x, LFLOW_OP_DROP);
		if (exec_insn(x, s, p, &p->insns[first + i], egress, stage) == STOP)
			return STOP;
	}
	return GO;
}

/* ---- packet mode: generated packets (see pl_interp.h) ---- */

static int pm_emit(struct plx *x, struct pls *s, uint16_t port)
{
	struct pl_pm_out *o = x->pm;
	if (o->n_emit == PL_PM_MAX_EMIT) {
		o->overflow = true;
		return fail(x, BRINT_DROP_UPCALL_FAILED);
	}
	struct pl_pm_emit *e = &o->emit[o->n_emit++];
	e->src = (uint16_t)x->cur;
	e->port = port;
	e->hdr = s->pkt.f;
	if (x->cur == 0) {
		x->n_out++;
		x->c->outputs++;
	} else {
		x->c->gen_outputs[o->gen[x->cur - 1].op]++;
	}
	return GO;
}

/* the packet x->cur as the actions left it in s: its bytes (scratch when rewritten), parsed */
static bool pm_current(struct plx *x, const struct pls *s, struct pktgen_in *in,
		       struct flow_key *k, struct flow_layout *l)
{
	struct pl_pm_out *o = x->pm;
	const uint8_t *data = x->pkt->data;
	size_t len = x->pkt->len;
	const struct flow_key *had = &x->key->f;
	const struct flow_layout *lay = x->pkt->lay;

	if (x->cur) {
		const struct pl_pm_gen *gp = &o->gen[x->cur - 1];
		data = gp->frame;
		len = gp->len;
		had = &gp->key;
		lay = &gp->lay;
	}
	if (memcmp(had, &s->pkt.f, sizeof(*had)) != 0) {
		if (len > sizeof(o->scratch))
			return false;
		memcpy(o->scratch, data, len);
		if (pktgen_rewrite(o->scratch, len, lay, had, &s->pkt.f) < 0)
			return false;
		data = o->scratch;
	}
	if (flow_parse(data, len, k, l) != FLOW_OK)
		return false;
	*in = (struct pktgen_in){data, len, k, l};
	return true;
}

/* OVN's pinctrl builds the ICMP packet of icmp4/icmp6 { } and icmp4_error/icmp6_error { } with
 * the input's addresses in place (the nested actions swap them), reject's with them swapped;
 * type destination unreachable, code 1 (host), or port unreachable (3, ICMPv6 4) for UDP when
 * the action is icmp4/icmp6/reject; TTL 255; as much of the datagram as fits in 576 bytes
 * (ICMPv4) or 1280 (ICMPv6), its Ethernet header counted; with frag_mtu, "fragmentation
 * needed" (3/4) or "packet too big" (ICMPv6 2/0) carrying that MTU. */
static int pm_icmp(const struct pktgen_in *in, bool port_code, bool swap, uint32_t frag_mtu,
		   uint8_t *out, size_t cap)
{
	const struct flow_key *k = in->key;
	struct pktgen_icmp_err e;
	bool udp = k->nw_proto == 17;

	memset(&e, 0, sizeof(e));
	e.ttl = 255;
	memcpy(e.eth_src, swap ? k->eth_dst : k->eth_src, 6);
	memcpy(e.eth_dst, swap ? k->eth_src : k->eth_dst, 6);
	if (k->eth_type == 0x0800) {
		e.type = 3;
		e.code = port_code && udp ? 3 : 1;
		e.ip4_src = swap ? k->ip4_dst : k->ip4_src;
		e.ip4_dst = swap ? k->ip4_src : k->ip4_dst;
		e.quote_max = 576 - 14 - 20 - 8;
		if (frag_mtu) {
			e.code = 4;
			e.mtu = frag_mtu;
		}
		return pktgen_icmp4_error(in, &e, out, cap);
	}
	if (k->eth_type != 0x86dd)
		return -1;
	e.type = 1;
	e.code = port_code && udp ? 4 : 1;
	memcpy(e.ip6_src, swap ? k->ip6_dst : k->ip6_src, 16);
	memcpy(e.ip6_dst, swap ? k->ip6_src : k->ip6_dst, 16);
	e.quote_max = 1280 - 14 - 40 - 8;
	if (frag_mtu) {
		e.type = 2;
		e.code = 0;
		e.mtu = frag_mtu;
	}
	return pktgen_icmp6_error(in, &e, out, cap);
}

/* tcp_reset { } and sctp_abort { }: pinctrl keeps the input's addresses (the nested actions
 * swap them) and swaps the ports; pktgen builds the answer with both swapped: put the
 * addresses back (an exchange changes no checksum) */
static int pm_unswap(uint8_t *f, int n)
{
	struct flow_key k, u;
	struct flow_layout l;
	if (n < 0 || flow_parse(f, (size_t)n, &k, &l) != FLOW_OK)
		return -1;
	u = k;
	memcpy(u.eth_src, k.eth_dst, 6);
	memcpy(u.eth_dst, k.eth_src, 6);
	u.ip4_src = k.ip4_dst;
	u.ip4_dst = k.ip4_src;
	memcpy(u.ip6_src, k.ip6_dst, 16);
	memcpy(u.ip6_dst, k.ip6_src, 16);
	return pktgen_rewrite(f, (size_t)n, &l, &k, &u) < 0 ? -1 : n;
}

#define PM_TTL_TCP 63 /* pinctrl's tcp_reset and sctp_abort */

/* icmp4.frag_mtu / icmp6.frag_mtu = N in the nested block (check_pkt_larger's flows): pinctrl
 * reads it from the actions before it builds the packet, and makes a "fragmentation needed"
 * (type 3 code 4) or "packet too big" (type 2) with that MTU; 0 if none */
static uint32_t pm_frag_mtu(const struct lflow_prog *p, const struct lflow_insn *in)
{
	for (uint32_t i = 0; i < in->n_sub && in->sub + i < p->n_insns; i++) {
		const struct lflow_insn *n = &p->insns[in->sub + i];
		struct loc d;
		if (n->op == LFLOW_OP_LOAD && n->n_args && n->arg < p->n_args &&
		    fref_loc(&n->dst, &d) &&
		    (d.mf == LF_MF_ICMP4_FRAG_MTU || d.mf == LF_MF_ICMP6_FRAG_MTU) &&
		    p->args[n->arg].kind == LFLOW_ARG_CONST)
			return (uint32_t)p->args[n->arg].value;
	}
	return 0;
}

static int pm_build(const struct pls *s, enum lflow_op op, const struct pktgen_in *in,
		    uint32_t frag_mtu, uint8_t *out, size_t cap)
{
	const struct flow_key *k = in->key;

	switch (op) {
	case LFLOW_OP_ARP: {
		struct pktgen_arp a;
		return pktgen_arp_from_ip(in, &a) < 0 ? -1 : pktgen_arp(&a, out, cap);
	}
	case LFLOW_OP_ND_NS: {
		/* the next hop the router's flow put in xxreg0 (reg0 its top 32 bits), else
		 * ip6.dst, as pinctrl reads it */
		uint8_t t[16];
		bool any = false;
		for (int i = 0; i < 16; i++) {
			t[i] = (uint8_t)(s->reg[i / 4] >> (24 - 8 * (i % 4)));
			any |= t[i] != 0;
		}
		return pktgen_nd_ns(in, any ? t : NULL, out, cap);
	}
	case LFLOW_OP_ND_NA:
	case LFLOW_OP_ND_NA_ROUTER:
		/* pinctrl: from the solicitation's eth.dst (the nested actions set eth.src and
		 * nd.tll), S and O set, R for nd_na_router */
		return pktgen_nd_na(in, k->eth_dst,
				    PKTGEN_NA_OVERRIDE |
					    (op == LFLOW_OP_ND_NA_ROUTER ? PKTGEN_NA_ROUTER : 0),
				    out, cap);
	case LFLOW_OP_ICMP4:
	case LFLOW_OP_ICMP6:
		return pm_icmp(in, true, false, frag_mtu, out, cap);
	case LFLOW_OP_ICMP4_ERROR:
	case LFLOW_OP_ICMP6_ERROR:
		return pm_icmp(in, false, false, frag_mtu, out, cap);
	case LFLOW_OP_TCP_RESET:
		return pm_unswap(out, pktgen_tcp_reset(in, PM_TTL_TCP, out, cap));
	case LFLOW_OP_SCTP_ABORT:
		return pm_unswap(out, pktgen_sctp_abort(in, PM_TTL_TCP, out, cap));
	case LFLOW_OP_REJECT:
		/* by protocol, addresses already swapped ("eth.dst <-> eth.src; ip.dst <-> ip.src;
		 * is implicit"); never about a reset or a destination unreachable */
		if (k->nw_proto == 6)
			return pktgen_tcp_reset(in, PM_TTL_TCP, out, cap);
		if (k->nw_proto == 132)
			return pktgen_sctp_abort(in, PM_TTL_TCP, out, cap);
		if ((k->nw_proto == 1 && k->eth_type == 0x0800 && k->tp_src == __builtin_bswap16(3)) ||
		    (k->nw_proto == 58 && k->eth_type == 0x86dd && k->tp_src == __builtin_bswap16(1)))
			return -1;
		return pm_icmp(in, true, true, 0, out, cap);
	default:
		return -1;
	}
}

static int pktgen_action(struct plx *x, struct pls *s, const struct lflow_prog *p,
			 const struct lflow_insn *in, bool egress, unsigned stage)
{
	struct pl_pm_out *o = x->pm;
	enum lflow_op op = (enum lflow_op)in->op;
	struct pktgen_in pin;
	struct flow_key ck;
	struct flow_layout cl;

	if (o == NULL) {
		/* key mode: the megaflow sends its packets to packet mode */
		x->slowpath = true;
		return STOP;
	}
	x->gen_tried = true;
	struct pl_pm_gen *gp = &o->gen[o->n_gen];
	int n = -1;
	if (o->n_gen < PL_PM_MAX_GEN && pm_current(x, s, &pin, &ck, &cl))
		n = pm_build(s, op, &pin, pm_frag_mtu(p, in), gp->frame, sizeof(gp->frame));
	if (n < 0 || flow_parse(gp->frame, (size_t)n, &gp->key, &gp->lay) != FLOW_OK) {
		/* nothing made; the actions after it go on with the packet (as after any) */
		x->c->gen_refused[op]++;
		return GO;
	}
	gp->op = (uint16_t)op;
	gp->len = (uint16_t)n;
	unsigned idx = ++o->n_gen, emits = o->n_emit, saved = x->cur;
	x->c->gen_built[op]++;
	/* the new packet, the same logical metadata (datapath, registers, stage) */
	struct pls ns = *s;
	ns.pkt.f = gp->key;
	x->cur = idx;
	exec_block(x, &ns, p, in->sub, in->n_sub, egress, stage);
	x->cur = saved;
	bool out = false;
	for (unsigned i = emits; i < o->n_emit && !out; i++)
		out = o->emit[i].src == idx;
	if (!out)
		x->c->gen_no_output[op]++;
	return GO;
}

int pl_run_packet(const struct pl_gen *g, const struct dp_key *k, const struct pl_pkt *pkt,
		  struct pl_pm_out *out, struct pl_counters *c, pl_trace_fn fn, void *arg)
{
	uint64_t abuf[1];
	struct dpa_buf acts = {.data = (uint8_t *)abuf, .cap = sizeof(abuf)};
	struct dp_key mask; /* packet mode installs nothing: the mask is not used */
	const struct pl_port *in;

	if (!g || !k || !pkt || !pkt->data || !pkt->lay || !out || !c)
		return -1;
	struct plx x = {.g = g, .key = k, .mask = &mask, .acts = &acts, .c = c, .committed = *k,
			.trace = fn, .trace_arg = arg, .pkt = pkt, .pm = out};
	memset(&mask, 0, sizeof(mask));
	out->n_gen = out->n_emit = out->n_learn = 0;
	out->overflow = false;
	out->fail = BRINT_DROP_LFLOW_DROP;
	c->packet_runs++;
	in = k->in_port <= UINT16_MAX ? pl_port_local(g, (uint16_t)k->in_port) : NULL;
	const struct pl_datapath *dp = in ? pl_dp(g, in->dp) : NULL;
	if (dp == NULL) {
		out->fail = BRINT_DROP_NO_PIPELINE;
		return 0;
	}
	static struct pls zero;
	struct pls s = zero;
	s.pkt = *k;
	s.dp = dp;
	s.reg[14] = (uint32_t)in->key;
	run_stage(&x, &s, false, 0);
	for (unsigned i = 0; i < x.n_learns && out->n_learn < PL_PM_MAX_LEARN; i++)
		out->learn[out->n_learn++] = x.learns[i];
	if (x.n_out == 0)
		out->fail = x.failed ? x.fail
				     : x.gen_tried ? BRINT_DROP_PKTGEN_REPLACED : BRINT_DROP_LFLOW_DROP;
	return 0;
}

static int run(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
	       struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg,
	       uint64_t *deps);

int pl_run(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
	   struct dpa_buf *acts, struct pl_counters *c)
{
	return run(g, k, mask, acts, c, NULL, NULL, NULL);
}

int pl_run_deps(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
		struct dpa_buf *acts, struct pl_counters *c, uint64_t *deps)
{
	return run(g, k, mask, acts, c, NULL, NULL, deps);
}

int pl_run_traced(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
		  struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg)
{
	return run(g, k, mask, acts, c, fn, arg, NULL);
}

/* what a key-mode run met of check_pkt_larger */
struct len_seen {
	bool seen, conflict;
	uint32_t limit;
};

static int run_once(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
		    struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg,
		    uint64_t *deps, bool larger, struct len_seen *ls);
static int run_body(struct plx *x, const struct dp_key *k, uint64_t *deps);

/* One run answering check_pkt_larger "not larger"; if it met one, a second answering
 * "larger", and the two lists put under one check_len (one list if both are the same). */
static int run(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
	       struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg,
	       uint64_t *deps)
{
	struct len_seen l1 = {0}, l2 = {0};
	uint64_t buf2[PL_LEN_ACTS / 8];
	struct dpa_buf acts2 = {.data = (uint8_t *)buf2, .cap = sizeof(buf2)};
	struct dp_key mask2;
	uint64_t deps2 = 0;
	int rc = run_once(g, k, mask, acts, c, fn, arg, deps, false, &l1);

	if (rc < 0 || !l1.seen)
		return rc;
	if (l1.conflict) {
		c->len_conflicts++;
		return rc; /* the run ended in DPA_SLOWPATH */
	}
	if (acts2.cap > acts->cap)
		acts2.cap = acts->cap;
	rc = run_once(g, k, &mask2, &acts2, c, NULL, NULL, deps ? &deps2 : NULL, true, &l2);
	/* every key bit either run read: a key under the union takes both runs' decisions */
	for (size_t i = 0; i < sizeof(*mask); i++)
		((uint8_t *)mask)[i] |= ((const uint8_t *)&mask2)[i];
	if (deps)
		*deps |= deps2;
	if (rc < 0)
		return rc;
	if (l2.conflict) {
		c->len_conflicts++;
		acts->len = 0;
		return dpa_put_simple(acts, DPA_SLOWPATH, 0, 0) < 0 ? -1 : 0;
	}
	if (acts2.len == acts->len && memcmp(acts2.data, acts->data, acts->len) == 0)
		return 0; /* the length changes nothing (e.g. both send to packet mode) */
	c->len_flows++;
	return dpa_wrap_check_len(acts, l1.limit, acts2.data, acts2.len);
}

static int run_once(const struct pl_gen *g, const struct dp_key *k, struct dp_key *mask,
		    struct dpa_buf *acts, struct pl_counters *c, pl_trace_fn fn, void *arg,
		    uint64_t *deps, bool larger, struct len_seen *ls)
{
	struct plx x = {.g = g, .key = k, .mask = mask, .acts = acts, .c = c, .committed = *k,
			.trace = fn, .trace_arg = arg, .len_larger = larger};
	int rc = run_body(&x, k, deps);
	ls->seen = x.len_seen;
	ls->conflict = x.len_conflict;
	ls->limit = x.len_limit;
	return rc;
}

static int run_body(struct plx *x, const struct dp_key *k, uint64_t *deps)
{
	const struct pl_gen *g = x->g;
	struct dp_key *mask = x->mask;
	struct dpa_buf *acts = x->acts;
	struct pl_counters *c = x->c;
	const struct pl_port *in;

	memset(mask, 0, sizeof(*mask));
	mask->in_port = UINT32_MAX;
	mask->recirc = UINT32_MAX;
	acts->len = 0;
	c->runs++;
	if (deps)
		*deps = UINT64_MAX; /* unbound input port: any binding may change the answer */
	if (g->n_hosts && host_path(x, k))
		return x->overflow ? -1 : 0;
	in = k->in_port <= UINT16_MAX ? pl_port_local(g, (uint16_t)k->in_port) : NULL;
	if (in == NULL && k->in_port <= UINT16_MAX && pl_is_provider(g, (uint16_t)k->in_port)) {
		in = localnet_start(x, k);
		if (in == NULL && x->n_out)
			return x->overflow ? -1 : 0; /* a broadcast only the node's interface takes */
		if (in == NULL)
			return dpa_put_simple(acts, DPA_DROP, BRINT_DROP_UNKNOWN_VLAN, 0);
	}
	const struct pl_datapath *dp = in ? pl_dp(g, in->dp) : NULL;
	if (dp == NULL) {
		c->no_binding++;
		acts->len = 0;
		return dpa_put_simple(acts, DPA_DROP, BRINT_DROP_NO_PIPELINE, 0);
	}
	static struct pls zero; /* the initial state is mostly zeros: copy, do not rebuild */
	struct pls s = zero;
	s.pkt = *k;
	s.pkt.f.vlan_tci = x->committed.f.vlan_tci; /* a localnet's tag is off */
	s.dp = dp;
	s.reg[14] = (uint32_t)in->key;
	x->deps = pl_dp_bit(dp->key);
	run_stage(x, &s, false, 0);
	if (deps)
		*deps = x->deps;
	if (x->slowpath) {
		/* the mask read up to the action: every packet under it reaches it; the learn
		 * events met on the way go first, as in any megaflow */
		acts->len = 0;
		c->slowpath_flows++;
		/* no DPA_LEARN here: packet mode runs every packet through the whole pipeline
		 * again and posts all the learn events it meets (before the action or after) */
		return dpa_put_simple(acts, DPA_SLOWPATH, 0, 0) < 0 ? -1 : 0;
	}
	if (x->overflow)
		return -1;
	if (x->n_out == 0) {
		acts->len = 0;
		if (put_learns(x) < 0)
			return -1;
		return dpa_put_simple(acts, DPA_DROP, x->failed ? x->fail : BRINT_DROP_LFLOW_DROP, 0);
	}
	return put_learns(x);
}
