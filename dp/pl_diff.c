/* SPDX-License-Identifier: Apache-2.0 */
/* Per-datapath difference of two pipeline generations (see pl_diff.h). Stages and flows are
 * compared datapath by datapath by content; ports and multicast groups are sorted by
 * (datapath, key) in each generation and merged, so that their order in the pools does not
 * matter. */
#include "pl_diff.h"
#include "pl_interp.h"

#include <stdlib.h>
#include <string.h>

/* Whatever a packet's decision can depend on must be compared here, or a change to it would
 * leave stale megaflows in the PMDs' caches. These fail when the generation's structures
 * change: teach pl_gen_diff the new fields (per datapath: mark that datapath's bit), then
 * update the sizes. */
_Static_assert(sizeof(struct pl_gen) == 416, "pl_gen changed: compare its new fields here");
/* (pl_gen.index and mc_key_min, pl_port.peer_dp are derived from what is compared: nothing to
 * compare there) */
_Static_assert(sizeof(struct pl_datapath) == 56, "pl_datapath changed: compare it here");
_Static_assert(sizeof(struct pl_port) == 64, "pl_port changed: compare it here");
_Static_assert(sizeof(struct pl_mcgroup) == 32, "pl_mcgroup changed: compare it here");
_Static_assert(sizeof(struct pl_flow) == 32, "pl_flow changed: compare it here");
_Static_assert(sizeof(struct pl_stage) == 16, "pl_stage changed: compare it here");
_Static_assert(sizeof(struct pl_term) == 48, "pl_term changed: compare it here");
_Static_assert(sizeof(struct pl_rule) == 16, "pl_rule changed: compare it here");
_Static_assert(sizeof(struct pl_psec) == 24, "pl_psec changed: compare it here");
_Static_assert(sizeof(struct pl_neigh) == 48, "pl_neigh changed: compare it here");
_Static_assert(sizeof(struct pl_fdb) == 24, "pl_fdb changed: compare it here");

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool prog_eq(const struct lflow_prog *a, const struct lflow_prog *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->top == b->top && a->n_top == b->n_top && a->n_insns == b->n_insns &&
	       a->n_args == b->n_args && a->strs_len == b->strs_len &&
	       memcmp(a->insns, b->insns, a->n_insns * sizeof(*a->insns)) == 0 &&
	       memcmp(a->args, b->args, a->n_args * sizeof(*a->args)) == 0 &&
	       memcmp(a->strs, b->strs, a->strs_len) == 0;
}

static bool terms_eq(const struct pl_gen *ga, struct pl_range ra, const struct pl_gen *gb,
		     struct pl_range rb)
{
	if (ra.n != rb.n)
		return false;
	for (uint32_t i = 0; i < ra.n; i++) {
		const struct pl_term *x = &ga->terms[ra.first + i], *y = &gb->terms[rb.first + i];
		if (x->value != y->value || x->mask != y->mask || x->mf != y->mf ||
		    x->neg != y->neg)
			return false;
	}
	return true;
}

static bool rule_eq(const struct pl_gen *ga, const struct pl_rule *x, const struct pl_gen *gb,
		    const struct pl_rule *y)
{
	if (!terms_eq(ga, x->terms, gb, y->terms) || x->dims.n != y->dims.n)
		return false;
	for (uint32_t d = 0; d < x->dims.n; d++) {
		struct pl_range da = ga->dims[x->dims.first + d], db = gb->dims[y->dims.first + d];
		if (da.n != db.n)
			return false;
		for (uint32_t a = 0; a < da.n; a++)
			if (!terms_eq(ga, ga->alts[da.first + a], gb, gb->alts[db.first + a]))
				return false;
	}
	return true;
}

static bool flow_eq(const struct pl_gen *ga, const struct pl_flow *x, const struct pl_gen *gb,
		    const struct pl_flow *y)
{
	if (x->priority != y->priority || x->rules.n != y->rules.n || !prog_eq(x->prog, y->prog))
		return false;
	for (uint32_t r = 0; r < x->rules.n; r++)
		if (!rule_eq(ga, &ga->rules[x->rules.first + r], gb,
			     &gb->rules[y->rules.first + r]))
			return false;
	return true;
}

static bool dp_eq(const struct pl_gen *ga, const struct pl_datapath *x, const struct pl_gen *gb,
		  const struct pl_datapath *y)
{
	if (x->kind != y->kind || !str_eq(x->name, y->name))
		return false;
	for (int p = 0; p < 2; p++) {
		if (x->pipe[p].n_stages != y->pipe[p].n_stages)
			return false;
		for (unsigned s = 0; s < x->pipe[p].n_stages; s++) {
			const struct pl_stage *u = &x->pipe[p].stages[s],
					      *v = &y->pipe[p].stages[s];
			if (!str_eq(u->name, v->name) || u->flows.n != v->flows.n)
				return false;
			for (uint32_t f = 0; f < u->flows.n; f++)
				if (!flow_eq(ga, &ga->flows[u->flows.first + f], gb,
					     &gb->flows[v->flows.first + f]))
					return false;
		}
	}
	return true;
}

static bool psec_eq(const struct pl_gen *ga, const struct pl_port *x, const struct pl_gen *gb,
		    const struct pl_port *y)
{
	if (x->psec.n != y->psec.n)
		return false;
	for (uint32_t i = 0; i < x->psec.n; i++) {
		const struct pl_psec *a = &ga->psecs[x->psec.first + i];
		const struct pl_psec *b = &gb->psecs[y->psec.first + i];
		if (a->mac != b->mac || a->ip4.n != b->ip4.n || a->ip6.n != b->ip6.n)
			return false;
		for (uint32_t k = 0; k < a->ip4.n; k++) {
			const struct pl_prefix4 *p = &ga->psec_ip4[a->ip4.first + k];
			const struct pl_prefix4 *q = &gb->psec_ip4[b->ip4.first + k];
			if (p->addr != q->addr || p->mask != q->mask)
				return false;
		}
		for (uint32_t k = 0; k < a->ip6.n; k++) {
			const struct pl_prefix6 *p = &ga->psec_ip6[a->ip6.first + k];
			const struct pl_prefix6 *q = &gb->psec_ip6[b->ip6.first + k];
			if (p->addr != q->addr || p->mask != q->mask)
				return false;
		}
	}
	return true;
}

static bool port_eq(const struct pl_gen *ga, const struct pl_port *x, const struct pl_gen *gb,
		    const struct pl_port *y)
{
	if (x->type != y->type || x->local != y->local || !str_eq(x->name, y->name) ||
	    (x->peer < 0) != (y->peer < 0) || x->provider != y->provider || x->tag != y->tag ||
	    x->remote != y->remote || (x->via_localnet < 0) != (y->via_localnet < 0))
		return false;
	if (x->via_localnet >= 0 &&
	    ga->ports[x->via_localnet].key != gb->ports[y->via_localnet].key)
		return false;
	if (x->peer >= 0) {
		const struct pl_port *px = &ga->ports[x->peer], *py = &gb->ports[y->peer];
		if (px->dp != py->dp || px->key != py->key)
			return false;
	}
	return psec_eq(ga, x, gb, y);
}

static bool mcgroup_eq(const struct pl_gen *ga, const struct pl_mcgroup *x, const struct pl_gen *gb,
		       const struct pl_mcgroup *y)
{
	if (!str_eq(x->name, y->name) || x->members.n != y->members.n)
		return false;
	for (uint32_t i = 0; i < x->members.n; i++) {
		const struct pl_port *a = &ga->ports[ga->mc_members[x->members.first + i]];
		const struct pl_port *b = &gb->ports[gb->mc_members[y->members.first + i]];
		if (a->dp != b->dp || a->key != b->key)
			return false;
	}
	return true;
}

/* ---- ports and groups: sorted by (datapath, key), then merged ---- */

struct ref {
	int64_t dp, key;
	uint32_t idx;
};

static int ref_cmp(const void *pa, const void *pb)
{
	const struct ref *a = pa, *b = pb;
	if (a->dp != b->dp)
		return a->dp < b->dp ? -1 : 1;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static struct ref *sorted_ports(const struct pl_gen *g)
{
	struct ref *r = malloc((g->n_ports + 1) * sizeof(*r));
	if (r == NULL)
		return NULL;
	for (uint32_t i = 0; i < g->n_ports; i++)
		r[i] = (struct ref){g->ports[i].dp, g->ports[i].key, i};
	qsort(r, g->n_ports, sizeof(*r), ref_cmp);
	return r;
}

static struct ref *sorted_groups(const struct pl_gen *g)
{
	struct ref *r = malloc((g->n_mcgroups + 1) * sizeof(*r));
	if (r == NULL)
		return NULL;
	for (uint32_t i = 0; i < g->n_mcgroups; i++)
		r[i] = (struct ref){g->mcgroups[i].dp, g->mcgroups[i].key, i};
	qsort(r, g->n_mcgroups, sizeof(*r), ref_cmp);
	return r;
}

/* Merge two sorted lists: an entry in one only, or two that differ, marks its datapath. */
static uint64_t merge(const struct pl_gen *ga, const struct ref *ra, unsigned na,
		      const struct pl_gen *gb, const struct ref *rb, unsigned nb,
		      bool (*eq)(const struct pl_gen *, uint32_t, const struct pl_gen *, uint32_t))
{
	uint64_t changed = 0;
	unsigned i = 0, j = 0;
	while (i < na || j < nb) {
		int c = i == na	  ? 1
			: j == nb ? -1
				  : ref_cmp(&(struct ref){ra[i].dp, ra[i].key, 0},
					    &(struct ref){rb[j].dp, rb[j].key, 0});
		if (c < 0) {
			changed |= pl_dp_bit(ra[i++].dp);
		} else if (c > 0) {
			changed |= pl_dp_bit(rb[j++].dp);
		} else {
			if (!eq(ga, ra[i].idx, gb, rb[j].idx))
				changed |= pl_dp_bit(ra[i].dp);
			i++;
			j++;
		}
	}
	return changed;
}

static bool port_eq_idx(const struct pl_gen *ga, uint32_t a, const struct pl_gen *gb, uint32_t b)
{
	return port_eq(ga, &ga->ports[a], gb, &gb->ports[b]);
}

static bool group_eq_idx(const struct pl_gen *ga, uint32_t a, const struct pl_gen *gb, uint32_t b)
{
	return mcgroup_eq(ga, &ga->mcgroups[a], gb, &gb->mcgroups[b]);
}

/* ---- neighbours (MAC bindings) and FDB entries: sorted by their whole content, merged; an
 * entry in one generation only (or changed: then in both, differently) marks its datapath ---- */

static int neigh_cmp(const struct pl_neigh *x, const struct pl_neigh *y)
{
	if (x->dp != y->dp)
		return x->dp < y->dp ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->v6 != y->v6)
		return x->v6 < y->v6 ? -1 : 1;
	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	if (x->mac != y->mac)
		return x->mac < y->mac ? -1 : 1;
	return x->prio < y->prio ? -1 : x->prio > y->prio;
}

static int fdb_cmp(const struct pl_fdb *x, const struct pl_fdb *y)
{
	if (x->dp != y->dp)
		return x->dp < y->dp ? -1 : 1;
	if (x->mac != y->mac)
		return x->mac < y->mac ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

static int neigh_qcmp(const void *a, const void *b)
{
	return neigh_cmp(a, b);
}

static int fdb_qcmp(const void *a, const void *b)
{
	return fdb_cmp(a, b);
}

static int64_t neigh_dp(const void *e)
{
	return ((const struct pl_neigh *)e)->dp;
}

static int64_t fdb_dp(const void *e)
{
	return ((const struct pl_fdb *)e)->dp;
}

/* Two tables of entries (esz bytes each), sorted by copies with cmp and merged: an entry in one
 * only marks its datapath (dp_of). Allocation failure: everything changed. */
static uint64_t entries_diff(const void *ea, size_t na, const void *eb, size_t nb, size_t esz,
			     int (*cmp)(const void *, const void *), int64_t (*dp_of)(const void *))
{
	uint8_t *x = malloc((na + 1) * esz), *y = malloc((nb + 1) * esz);
	uint64_t changed = 0;
	size_t i = 0, j = 0;

	if (x == NULL || y == NULL) {
		free(x);
		free(y);
		return UINT64_MAX;
	}
	if (na)
		memcpy(x, ea, na * esz);
	if (nb)
		memcpy(y, eb, nb * esz);
	qsort(x, na, esz, cmp);
	qsort(y, nb, esz, cmp);
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : cmp(x + i * esz, y + j * esz);
		if (c < 0)
			changed |= pl_dp_bit(dp_of(x + i++ * esz));
		else if (c > 0)
			changed |= pl_dp_bit(dp_of(y + j++ * esz));
		else
			i++, j++;
	}
	free(x);
	free(y);
	return changed;
}

uint64_t pl_gen_diff(const struct pl_gen *a, const struct pl_gen *b)
{
	uint64_t changed = 0;
	struct ref *pa, *pb, *ma, *mb;

	if (a == NULL || b == NULL)
		return UINT64_MAX;
	/* provider NICs and the node's interfaces on them decide before any datapath (which
	 * localnet port a frame starts at, or none): a change there changes everything */
	if (memcmp(a->providers, b->providers, sizeof(a->providers)) != 0 ||
	    a->n_hosts != b->n_hosts ||
	    memcmp(a->hosts, b->hosts, a->n_hosts * sizeof(a->hosts[0])) != 0)
		return UINT64_MAX;
	for (unsigned i = 0; i < a->n_dps; i++) {
		const struct pl_datapath *y = pl_dp(b, a->dps[i].key);
		if (y == NULL || !dp_eq(a, &a->dps[i], b, y))
			changed |= pl_dp_bit(a->dps[i].key);
	}
	for (unsigned i = 0; i < b->n_dps; i++)
		if (pl_dp(a, b->dps[i].key) == NULL)
			changed |= pl_dp_bit(b->dps[i].key);

	pa = sorted_ports(a);
	pb = sorted_ports(b);
	ma = sorted_groups(a);
	mb = sorted_groups(b);
	if (pa == NULL || pb == NULL || ma == NULL || mb == NULL) {
		changed = UINT64_MAX;
	} else {
		changed |= merge(a, pa, a->n_ports, b, pb, b->n_ports, port_eq_idx);
		changed |= merge(a, ma, a->n_mcgroups, b, mb, b->n_mcgroups, group_eq_idx);
		changed |= entries_diff(a->neighs, a->n_neighs, b->neighs, b->n_neighs,
					sizeof(struct pl_neigh), neigh_qcmp, neigh_dp);
		changed |= entries_diff(a->fdbs, a->n_fdbs, b->fdbs, b->n_fdbs,
					sizeof(struct pl_fdb), fdb_qcmp, fdb_dp);
	}
	free(pa);
	free(pb);
	free(ma);
	free(mb);
	return changed;
}
