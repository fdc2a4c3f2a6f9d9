/* SPDX-License-Identifier: Apache-2.0 */
/* The flat rewrites of a megaflow: what the logical actions did to the packet's headers, as
 * set_field actions relative to what the actions emitted so far did (see plx.h). */
#include "plx.h"

/* the key bits of field mf that no action of the branch wrote, into the mask: what rd()
 * unmasks reading the whole field (its inline path for fields of at most 8 bytes) */
static inline void unmask_unwritten(struct plx *x, struct pls *s, enum lf_mf mf)
{
	(void)rd(x, s, mf, ~(lf_u128)0);
}

/* Emit the rewrites that make the packet what s says, relative to what the actions emitted
 * so far made of it. A value taken from the packet's own unwritten bits (e.g. a branch that
 * restores a header an earlier branch rewrote) is matched exactly in the mask. */
bool plx_commit(struct plx *x, struct pls *s)
{
	static const enum lf_mf others[] = {
	    LF_MF_ETH_TYPE,  LF_MF_VLAN_TCI,  LF_MF_IP_PROTO,  LF_MF_IP_DSCP,
	    LF_MF_IP_ECN,    LF_MF_IP_FRAG,   LF_MF_IP6_SRC,   LF_MF_IP6_DST,
	    LF_MF_IP6_LABEL, LF_MF_ND_TARGET, LF_MF_TCP_FLAGS,
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

	const struct flow_key *pk = &s->pkt.f, *cm = &c->f;
	if (pk->eth_type != cm->eth_type || pk->vlan_tci != cm->vlan_tci ||
	    pk->nw_proto != cm->nw_proto || pk->nw_tos != cm->nw_tos ||
	    pk->nw_frag != cm->nw_frag || memcmp(pk->ip6_src, cm->ip6_src, 16) != 0 ||
	    memcmp(pk->ip6_dst, cm->ip6_dst, 16) != 0 || pk->ip6_label != cm->ip6_label ||
	    memcmp(pk->nd_target, cm->nd_target, 16) != 0 || pk->tcp_flags != cm->tcp_flags) {
		/* a header no flat action rewrites (rare): which one, for the counter */
		for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
			if (lfield_get(&s->pkt, others[i]) != lfield_get(c, others[i])) {
				x->c->unsupported_rewrite[others[i]]++;
				return false;
			}
		}
	}

	if (memcmp(pk->eth_src, cm->eth_src, 6) != 0) {
		unmask_unwritten(x, s, LF_MF_ETH_SRC);
		put(x, dpa_put_eth(x->acts, DPA_SET_ETH_SRC, pk->eth_src));
	}
	if (memcmp(pk->eth_dst, cm->eth_dst, 6) != 0) {
		unmask_unwritten(x, s, LF_MF_ETH_DST);
		put(x, dpa_put_eth(x->acts, DPA_SET_ETH_DST, pk->eth_dst));
	}
	if (arp) {
		static const enum lf_mf am[] = {LF_MF_ARP_OP, LF_MF_ARP_SHA, LF_MF_ARP_THA,
						LF_MF_ARP_SPA, LF_MF_ARP_TPA};
		if (pk->arp_op != cm->arp_op || memcmp(pk->arp_sha, cm->arp_sha, 6) != 0 ||
		    memcmp(pk->arp_tha, cm->arp_tha, 6) != 0 || pk->ip4_src != cm->ip4_src ||
		    pk->ip4_dst != cm->ip4_dst) {
			struct dpa_arp a;
			memset(&a, 0, sizeof(a));
			for (size_t i = 0; i < 5; i++)
				unmask_unwritten(x, s, am[i]);
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
			if (f ? pk->ip4_dst == cm->ip4_dst : pk->ip4_src == cm->ip4_src)
				continue;
			unmask_unwritten(x, s, mf);
			put(x, dpa_put_simple(x->acts, f ? DPA_SET_IP4_DST : DPA_SET_IP4_SRC, 0,
					      f ? s->pkt.f.ip4_dst : s->pkt.f.ip4_src));
		}
		if (s->pkt.f.nw_ttl != c->f.nw_ttl) {
			/* a decrement keeps the packet's own TTL out of the mask; a set (ip.ttl =
			 * 255 for a router's echo reply) does not depend on it */
			if (s->pkt.f.nw_ttl < c->f.nw_ttl && c->f.nw_ttl - s->pkt.f.nw_ttl <= 2)
				for (unsigned t = s->pkt.f.nw_ttl; t < c->f.nw_ttl; t++)
					put(x, dpa_put_simple(x->acts, DPA_DEC_TTL, 0, 0));
			else
				put(x, dpa_put_simple(x->acts, DPA_SET_TTL, s->pkt.f.nw_ttl, 0));
		}
		for (int f = 0; f < 2; f++) {
			enum lf_mf mf = f ? LF_MF_L4_DST : LF_MF_L4_SRC;
			if (f ? pk->tp_dst == cm->tp_dst : pk->tp_src == cm->tp_src)
				continue;
			unmask_unwritten(x, s, mf);
			put(x, dpa_put_simple(x->acts, f ? DPA_SET_L4_DST : DPA_SET_L4_SRC,
					      f ? s->pkt.f.tp_dst : s->pkt.f.tp_src, 0));
		}
	}
	c->f = s->pkt.f;
	return true;
}
