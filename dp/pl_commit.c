/* SPDX-License-Identifier: Apache-2.0 */
/* The flat rewrites of a megaflow: what the logical actions did to the packet's headers, as
 * set_field actions relative to what the actions emitted so far did (see plx.h). */
#include "plx.h"

/* Emit the rewrites that make the packet what s says, relative to what the actions emitted
 * so far made of it. A value taken from the packet's own unwritten bits (e.g. a branch that
 * restores a header an earlier branch rewrote) is matched exactly in the mask. */
bool plx_commit(struct plx *x, struct pls *s)
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
