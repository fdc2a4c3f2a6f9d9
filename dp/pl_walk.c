/* SPDX-License-Identifier: Apache-2.0 */
/* The walk through the logical pipelines (see plx.h): a stage's flow found (pl_lookup.c), its
 * program run (pl_actions.c), `next' followed; ingress `output' on to egress once per member of a
 * multicast group; egress `output' to a local port, across a patch port into the peer
 * datapath's ingress, or out of a localnet port's provider NIC; and the node's own interface
 * on a provider NIC. */
#include "plx.h"

static const struct lf_symbol *sym_loopback;

static bool flag_loopback(const struct pls *s)
{
	if (sym_loopback == NULL)
		sym_loopback = lf_symtab_lookup("flags.loopback");
	return sym_loopback && bank_get(s, sym_loopback->ofs, 1);
}

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
		return plx_pm_emit(x, s, p->provider);
	}
	vlan_unpush(x);
	if (!plx_commit(x, s)) {
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
const struct pl_port *plx_localnet_start(struct plx *x, const struct dp_key *k)
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
bool plx_host_path(struct plx *x, const struct dp_key *k)
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

/* the egress `output': the packet leaves on outport; own: s is the caller's to give away
 * (nothing reads it after this), crossing a patch port in place instead of a copy */
static int deliver(struct plx *x, struct pls *s, bool own)
{
	const struct pl_port *p = plx_port(x, s->dp->key, s->reg[15]);
	if (p == NULL)
		return fail(x, BRINT_DROP_LFLOW_DROP);
	if (p->type == PL_PT_LOCALNET)
		return deliver_localnet(x, s, p);
	if (p->local != PL_PORT_NONE && x->pm)
		return plx_pm_emit(x, s, p->local);
	if (p->local != PL_PORT_NONE) {
		vlan_unpush(x);
		if (!plx_commit(x, s)) {
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
		if (p->peer_dp < 0)
			return fail(x, BRINT_DROP_LFLOW_DROP);
		const struct pl_datapath *dp = &x->g->dps[p->peer_dp];
		/* as ovn-controller crosses a patch port: conntrack state cleared, flags,
		 * outport and every register zeroed, inport = the peer */
		struct pls copy, *n = s;
		if (!own) {
			copy = *s;
			n = &copy;
		}
		memset(n->reg, 0, sizeof(n->reg));
		wr(n, LF_MF_CT_STATE, 0, ~(lf_u128)0);
		n->nk[nk_slot(LF_MF_CT_MARK)] = n->nk[nk_slot(LF_MF_CT_LABEL)] = 0;
		n->reg[14] = (uint32_t)peer->key;
		n->dp = dp;
		x->deps |= pl_dp_bit(dp->key);
		x->c->patch_crossings++;
		return plx_run_stage_own(x, n, false, 0);
	}
	x->c->remote_outputs++;
	return fail(x, BRINT_DROP_NO_LOCAL_PORT);
}

int plx_deliver(struct plx *x, struct pls *s)
{
	return deliver(x, s, false);
}

/* the ingress `output': on to the egress pipeline, once per member of a multicast group;
 * own: as deliver() */
static int to_egress(struct plx *x, struct pls *s, bool own)
{
	const struct pl_mcgroup *mc = (int64_t)s->reg[15] < x->g->mc_key_min
					  ? NULL /* (below every group's key) */
					  : pl_mcgroup_by_key(x->g, s->dp->key, s->reg[15]);
	if (mc == NULL) {
		struct pl_port const *op = plx_port(x, s->dp->key, s->reg[15]);
		/* a remote VIF of a bridged switch: out by its localnet port (before the loopback
		 * check, so that a frame from the physical network is not sent back to it) */
		uint32_t outport = op && op->via_localnet >= 0
				       ? (uint32_t)x->g->ports[op->via_localnet].key
				       : s->reg[15];
		if (outport == s->reg[14] && !flag_loopback(s)) {
			x->c->loopback_drops++;
			return fail(x, BRINT_DROP_LFLOW_DROP);
		}
		if (own) {
			s->reg[15] = outport;
			return plx_run_stage_own(x, s, true, 0);
		}
		struct pls e = *s;
		e.reg[15] = outport;
		return plx_run_stage_own(x, &e, true, 0);
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
		plx_run_stage_own(x, &e, true, 0);
		if (x->slowpath)
			return STOP;
	}
	if (remote) { /* no tunnels yet: counted once, dropped */
		x->c->remote_outputs++;
		fail(x, BRINT_DROP_NO_LOCAL_PORT);
	}
	return GO;
}

int plx_to_egress(struct plx *x, struct pls *s)
{
	return to_egress(x, s, false);
}

bool plx_port_sec_stage(const char *name)
{
	return name && strstr(name, "port_sec") != NULL;
}

bool plx_next_target(const struct pls *s, const struct lflow_prog *p, const struct lflow_insn *in,
		     bool *egress, unsigned *stage);

/* A hit's instructions before its last step (fx->n > 0): a lone constant into registers or a
 * header, a ct_clear or a port security check (most such programs) here, anything else by
 * plx_exec_list (the same effects). Out of the walk's loop: the registers the loop keeps stay
 * its own. */
static __attribute__((noinline)) int hit_ops(struct plx *x, struct pls *s, uint32_t flow,
					     const struct pl_fnext *fx, bool eg, unsigned i)
{
	const struct pl_index *ix = x->g->index;
	const struct pl_aop *ad =
	    ix->adec && ix->fadec[flow] != UINT32_MAX ? &ix->adec[ix->fadec[flow]] : NULL;
	if (ad && fx->n == 1) {
		const struct pl_aop *op = &ad[fx->top];
		switch ((enum pl_ad_op)op->op) {
		case PL_AD_REG_SET: ad_reg_set(s, op); return GO;
		case PL_AD_KEY_SET: ad_key_set(s, op); return GO;
		case PL_AD_CT_CLEAR: ad_ct_clear(s, op); return GO;
		case PL_AD_PSEC_IN:
		case PL_AD_PSEC_OUT:
			ad_set(s, &op->u.mv.dst, plx_port_sec(x, s, op->op == PL_AD_PSEC_OUT));
			return GO;
		default: break;
		}
	}
	return plx_exec_list(x, s, x->g->flows[flow].prog, ad, fx->top, fx->n, eg, i);
}

/* The walk with the stage indexes, not traced (the common case; plx_run_stage below is the
 * reference, and the traced and linear-scan path): stages crossed by their pass-through jump
 * or by a `next;' alone in a tight loop (the lookup following a decision diagram's bridges
 * into later stages: plx_dt_lookup), and a flow that does more run from the record the
 * index keeps of it (struct pl_fnext: the instructions before its last step, and that step: a
 * `next' resolved to its stage, an `output', or none). The same actions, failures and stage
 * counts as plx_run_stage (but for how far the counter goes past the stage limit:
 * test_pl_interp test_chain_loop). own: as plx_run_stage_own. */
static int walk_indexed(struct plx *x, struct pls *s, bool eg, unsigned i, bool own)
{
	const struct pl_gen *g = x->g;
	const struct pl_index *ix = g->index;
	const struct pl_datapath *dp = s->dp;
	size_t d = (size_t)(dp - g->dps);
	unsigned n = dp->pipe[eg].n_stages;
	uint32_t k0 = ix->stage_base[2 * d + eg]; /* stage i: ix->shdr[k0 + i] */
	int rc;

	if (++x->depth > PL_MAX_DEPTH) {
		rc = fail(x, BRINT_DROP_PIPELINE_LOOP);
		goto out;
	}
	for (;;) {
		/* stage i entered from the start or by a flow's final `next' */
		if (x->slowpath) {
			rc = STOP;
			goto out;
		}
		if (++x->stages > PL_MAX_STAGES) {
			rc = fail(x, BRINT_DROP_PIPELINE_LOOP);
			goto out;
		}
		x->c->stages++;
		const struct pl_sent *e;
		for (;;) {
			if (i >= n) {
				rc = fail(x, BRINT_DROP_LFLOW_DROP);
				goto out;
			}
			const struct pl_shdr *h = &ix->shdr[k0 + i];
			if (!(h->flags & PL_SH_EXISTS)) {
				rc = fail(x, BRINT_DROP_LFLOW_DROP);
				goto out;
			}
			unsigned step;
			bool to_eg;
			int to;
			if (h->jump_n) {
				/* pass-through: counted (this one was), crossed in one step */
				step = h->jump_n;
				to_eg = (h->flags & PL_SH_JUMP_EGRESS) != 0;
				to = h->jump_stage;
			} else {
				unsigned walked = 0;
				e = h->dt != PL_DT_ABSENT && ix->dt_on
					? plx_dt_lookup(x, s, h->dt, &walked, &eg, &i)
					: plx_stage_lookup(x, s, &ix->sidx[k0 + i]);
				/* (bridges stay in the pipeline: k0 and n hold) */
				x->stages += walked;
				x->c->stages += walked;
				if (e == NULL || !e->only_next) {
					if (x->stages > PL_MAX_STAGES) {
						rc = fail(x, BRINT_DROP_PIPELINE_LOOP);
						goto out;
					}
					break;
				}
				/* `next;' alone (most stages' default flow): neither the flow nor
				 * its program touched; the next stage counted */
				step = 1;
				to_eg = e->negress;
				to = e->nstage;
			}
			x->stages += step;
			x->c->stages += step;
			if (x->stages > PL_MAX_STAGES) {
				rc = fail(x, BRINT_DROP_PIPELINE_LOOP);
				goto out;
			}
			if (to_eg != eg) {
				eg = to_eg;
				n = dp->pipe[eg].n_stages;
				k0 = ix->stage_base[2 * d + eg];
			}
			i = (unsigned)to;
		}
		const struct pl_fnext *fx = e ? &ix->fnext[e->flow] : NULL;
		if (fx == NULL || fx->kind == PL_FX_DROP) {
			rc = fail(x, plx_port_sec_stage(dp->pipe[eg].stages[i].name)
					 ? BRINT_DROP_PORT_SECURITY
					 : BRINT_DROP_LFLOW_DROP);
			goto out;
		}
		if (fx->n && hit_ops(x, s, e->flow, fx, eg, i) == STOP) {
			rc = STOP;
			goto out;
		}
		if (fx->kind == PL_FX_BLOCK) {
			rc = GO;
			goto out;
		}
		if (fx->kind == PL_FX_OUT) {
			/* the program's last step: s goes with it when the caller's to give */
			rc = eg ? deliver(x, s, own) : to_egress(x, s, own);
			goto out;
		}
		if (fx->stage < 0) { /* PL_FX_NEXT */
			rc = fail(x, BRINT_DROP_LFLOW_DROP);
			goto out;
		}
		if (fx->egress != eg) {
			eg = fx->egress;
			n = dp->pipe[eg].n_stages;
			k0 = ix->stage_base[2 * d + eg];
		}
		i = (unsigned)fx->stage;
	}
out:
	x->depth--;
	return rc;
}

/* Run stage idx of a pipeline: its first matching flow's program. A `next' that ends the
 * program (the common case) continues here, not deeper: only output, clone and actions after
 * a `next' nest. With the stage indexes and no trace: walk_indexed; this loop is the traced
 * run's and the linear scan's. */
int plx_run_stage(struct plx *x, struct pls *s, bool egress, unsigned idx)
{
	int rc = GO;

	if (x->g->index && x->g->index->stages_on && !unlikely_trace(x))
		return walk_indexed(x, s, egress, idx, false);
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
			/* (traced: every stage looked up, no pass-through jump) */
			const struct pl_sent *he = plx_stage_lookup(x, s, si);
			hit = he ? &x->g->flows[he->flow] : NULL;
		} else {
			if (st->name == NULL) {
				rc = fail(x, BRINT_DROP_LFLOW_DROP);
				goto out;
			}
			hit = plx_stage_scan(x, s, st);
		}
		if (unlikely_trace(x)) {
			struct pl_trace_ev ev = {s->dp, egress,	    idx,	st->name,
						 hit,	s->reg[14], s->reg[15], x->cur};
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
			rc = fail(x, plx_port_sec_stage(st->name) ? BRINT_DROP_PORT_SECURITY
								  : BRINT_DROP_LFLOW_DROP);
			goto out;
		}
		const struct lflow_prog *p = hit->prog;
		const struct lflow_insn *last = &p->insns[p->top + p->n_top - 1];
		/* its pre-decoded form (with the indexes: their reference, the linear scan,
		 * runs the general path) */
		const struct pl_aop *ad =
		    ix && ix->stages_on && ix->adec && ix->fadec[hit->id] != UINT32_MAX
			? &ix->adec[ix->fadec[hit->id]]
			: NULL;
		if (last->op != LFLOW_OP_NEXT) {
			rc = plx_exec_block_ad(x, s, p, ad, p->top, p->n_top, egress, idx);
			goto out;
		}
		if (plx_exec_list(x, s, p, ad, p->top, p->n_top - 1, egress, idx) == STOP) {
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
		} else if (!plx_next_target(s, p, last, &egress, &idx)) {
			rc = fail(x, BRINT_DROP_LFLOW_DROP);
			goto out;
		}
	}
out:
	x->depth--;
	return rc;
}
int plx_run_stage_own(struct plx *x, struct pls *s, bool egress, unsigned idx)
{
	if (x->g->index && x->g->index->stages_on && !unlikely_trace(x))
		return walk_indexed(x, s, egress, idx, true);
	return plx_run_stage(x, s, egress, idx);
}

/* where a `next' goes: the stage it names, else the following one or its table number */
bool plx_next_target(const struct pls *s, const struct lflow_prog *p, const struct lflow_insn *in,
		     bool *egress, unsigned *stage)
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

int plx_do_next(struct plx *x, struct pls *s, const struct lflow_prog *p,
		const struct lflow_insn *in, bool egress, unsigned stage)
{
	if (!plx_next_target(s, p, in, &egress, &stage))
		return fail(x, BRINT_DROP_LFLOW_DROP);
	return plx_run_stage(x, s, egress, stage);
}
