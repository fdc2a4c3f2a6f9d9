/* SPDX-License-Identifier: Apache-2.0 */
/* Packet mode (see pl_interp.h pl_run_packet): the pipeline run on a packet's bytes, so that
 * the actions that make new packets (ARP, ND, ICMP errors, resets) build them (dp/pktgen.c) and
 * run their nested actions on them. */
#include "plx.h"
#include "pktgen.h"

/* ---- packet mode: generated packets (see pl_interp.h) ---- */

int plx_pm_emit(struct plx *x, struct pls *s, uint16_t port)
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
static bool pm_current(struct plx *x, const struct pls *s, struct pktgen_in *in, struct flow_key *k,
		       struct flow_layout *l)
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
	case LFLOW_OP_ICMP6: return pm_icmp(in, true, false, frag_mtu, out, cap);
	case LFLOW_OP_ICMP4_ERROR:
	case LFLOW_OP_ICMP6_ERROR: return pm_icmp(in, false, false, frag_mtu, out, cap);
	case LFLOW_OP_TCP_RESET: return pm_unswap(out, pktgen_tcp_reset(in, PM_TTL_TCP, out, cap));
	case LFLOW_OP_SCTP_ABORT:
		return pm_unswap(out, pktgen_sctp_abort(in, PM_TTL_TCP, out, cap));
	case LFLOW_OP_REJECT:
		/* by protocol, addresses already swapped ("eth.dst <-> eth.src; ip.dst <-> ip.src;
		 * is implicit"); never about a reset or a destination unreachable */
		if (k->nw_proto == 6)
			return pktgen_tcp_reset(in, PM_TTL_TCP, out, cap);
		if (k->nw_proto == 132)
			return pktgen_sctp_abort(in, PM_TTL_TCP, out, cap);
		if ((k->nw_proto == 1 && k->eth_type == 0x0800 &&
		     k->tp_src == __builtin_bswap16(3)) ||
		    (k->nw_proto == 58 && k->eth_type == 0x86dd &&
		     k->tp_src == __builtin_bswap16(1)))
			return -1;
		return pm_icmp(in, true, true, 0, out, cap);
	default: return -1;
	}
}

/* what the received packet waits for, as pinctrl keys its buffer: the datapath, the output
 * port and reg0 (arp) or xxreg0 (nd_ns, else ip6.dst as pm_build takes it) */
static void pm_wait(struct pl_pm_out *o, const struct pls *s, bool v6)
{
	struct pl_pm_wait *w = &o->wait;
	w->valid = true;
	w->v6 = v6;
	w->dp = s->dp->key;
	w->port = s->reg[15];
	if (!v6) {
		w->ip_hi = 0;
		w->ip_lo = s->reg[0];
		return;
	}
	w->ip_hi = (uint64_t)s->reg[0] << 32 | s->reg[1];
	w->ip_lo = (uint64_t)s->reg[2] << 32 | s->reg[3];
	if (w->ip_hi == 0 && w->ip_lo == 0) {
		lf_u128 d = lfield_get(&s->pkt, LF_MF_IP6_DST);
		w->ip_hi = (uint64_t)(d >> 64);
		w->ip_lo = (uint64_t)d;
	}
}

int plx_pktgen_action(struct plx *x, struct pls *s, const struct lflow_prog *p,
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
	if ((op == LFLOW_OP_ARP || op == LFLOW_OP_ND_NS) && x->cur == 0 && !o->wait.valid)
		pm_wait(o, s, op == LFLOW_OP_ND_NS);
	unsigned idx = ++o->n_gen, emits = o->n_emit, saved = x->cur;
	x->c->gen_built[op]++;
	/* the new packet, the same logical metadata (datapath, registers, stage) */
	struct pls ns = *s;
	ns.pkt.f = gp->key;
	x->cur = idx;
	plx_exec_block(x, &ns, p, in->sub, in->n_sub, egress, stage);
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
	struct plx x = {.g = g,
			.key = k,
			.mask = &mask,
			.acts = &acts,
			.c = c,
			.committed = *k,
			.trace = fn,
			.trace_arg = arg,
			.pkt = pkt,
			.pm = out};
	memset(&mask, 0, sizeof(mask));
	out->n_gen = out->n_emit = out->n_learn = 0;
	out->overflow = false;
	out->wait.valid = false;
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
	plx_run_stage_own(&x, &s, false, 0);
	for (unsigned i = 0; i < x.n_learns && out->n_learn < PL_PM_MAX_LEARN; i++)
		out->learn[out->n_learn++] = x.learns[i];
	if (x.n_out == 0)
		out->fail = x.failed	  ? x.fail
			    : x.gen_tried ? BRINT_DROP_PKTGEN_REPLACED
					  : BRINT_DROP_LFLOW_DROP;
	return 0;
}
