/* SPDX-License-Identifier: Apache-2.0 */
/* The generation's builder, lookups and release. */
#include "pl_gen.h"
#include "pl_index.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pl_build_times pl_build_times;

static bool prog_equal(const struct lflow_prog *a, const struct lflow_prog *b);

double pl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct plb {
	struct pl_gen *g;
	const struct pl_gen *prev;
	/* the previous generation's stage of the same (datapath, pipeline, table), whose flow
	 * at the same position gives its program when equal (NULL: none) */
	const struct pl_stage *prev_stage;
	bool failed;
	int cur_dp;
	struct pl_stage *cur_stage;
	int cur_flow, cur_rule, cur_dim, cur_alt, cur_port, cur_psec, cur_mc;
	unsigned cap_dps, cap_ports, cap_mcs, cap_flows, cap_rules, cap_terms, cap_dims, cap_alts,
	    cap_members, cap_psecs, cap_ip4, cap_ip6, cap_strings, cap_neighs, cap_fdbs;
};

/* grow *arr (of elem bytes) so that index n fits */
static bool grow(struct plb *b, void **arr, unsigned *cap, unsigned n, size_t elem)
{
	if (b->failed)
		return false;
	if (n < *cap)
		return true;
	unsigned nc = *cap ? *cap * 2 : 16;
	while (nc <= n)
		nc *= 2;
	void *p = realloc(*arr, (size_t)nc * elem);
	if (p == NULL) {
		b->failed = true;
		return false;
	}
	memset((char *)p + (size_t)*cap * elem, 0, (size_t)(nc - *cap) * elem);
	*arr = p;
	*cap = nc;
	return true;
}
#define GROW(b, field, capf, n)                                                                    \
	grow(b, (void **)&(b)->g->field, &(b)->capf, n, sizeof(*(b)->g->field))

static const char *str(struct plb *b, const char *s)
{
	struct pl_gen *g = b->g;
	if (s == NULL || !GROW(b, strings, cap_strings, g->n_strings))
		return NULL;
	char *d = strdup(s);
	if (d == NULL) {
		b->failed = true;
		return NULL;
	}
	g->strings[g->n_strings++] = d;
	return d;
}

struct plb *plb_new(uint64_t id)
{
	struct plb *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->g = calloc(1, sizeof(*b->g));
	if (b->g == NULL) {
		free(b);
		return NULL;
	}
	b->g->id = id;
	b->cur_dp = b->cur_flow = b->cur_rule = b->cur_dim = b->cur_alt = -1;
	b->cur_port = b->cur_psec = b->cur_mc = -1;
	return b;
}

void plb_set_prev(struct plb *b, const struct pl_gen *prev)
{
	struct pl_gen *g = b->g;
	b->prev = prev;
	if (prev == NULL || g->n_flows || g->n_dps)
		return;
		/* about as big as the last one: reserve a little more than it had */
#define RESERVE(field, capf, n)                                                                    \
	do {                                                                                       \
		if (n)                                                                             \
			(void)GROW(b, field, capf, (n) + (n) / 16);                                \
	} while (0)
	RESERVE(dps, cap_dps, prev->n_dps);
	RESERVE(flows, cap_flows, prev->n_flows);
	RESERVE(rules, cap_rules, prev->n_rules);
	RESERVE(terms, cap_terms, prev->n_terms);
	RESERVE(dims, cap_dims, prev->n_dims);
	RESERVE(alts, cap_alts, prev->n_alts);
	RESERVE(ports, cap_ports, prev->n_ports);
	RESERVE(strings, cap_strings, prev->n_strings);
#undef RESERVE
}

int plb_dp(struct plb *b, int64_t key, const char *name, enum pl_dp_kind kind)
{
	struct pl_gen *g = b->g;
	if (!GROW(b, dps, cap_dps, g->n_dps))
		return -1;
	struct pl_datapath *d = &g->dps[g->n_dps];
	d->key = key;
	d->name = str(b, name ? name : "");
	d->kind = kind;
	b->cur_dp = (int)g->n_dps++;
	b->cur_stage = NULL;
	b->cur_flow = b->cur_rule = -1;
	return b->cur_dp;
}

int plb_stage(struct plb *b, bool egress, unsigned table, const char *name)
{
	if (b->failed || b->cur_dp < 0 || table > 255)
		return b->failed = true, -1;
	struct pl_pipeline *p = &b->g->dps[b->cur_dp].pipe[egress];
	if (table >= p->n_stages) {
		struct pl_stage *s = realloc(p->stages, (table + 1) * sizeof(*s));
		if (s == NULL)
			return b->failed = true, -1;
		memset(s + p->n_stages, 0, (table + 1 - p->n_stages) * sizeof(*s));
		p->stages = s;
		p->n_stages = table + 1;
	}
	b->cur_stage = &p->stages[table];
	b->cur_stage->name = str(b, name);
	b->prev_stage = NULL;
	if (b->prev) {
		const struct pl_datapath *pd = pl_dp(b->prev, b->g->dps[b->cur_dp].key);
		if (pd && table < pd->pipe[egress].n_stages)
			b->prev_stage = &pd->pipe[egress].stages[table];
	}
	b->cur_stage->flows.first = b->g->n_flows;
	b->cur_stage->flows.n = 0;
	b->cur_flow = b->cur_rule = -1;
	return (int)table;
}

int plb_flow(struct plb *b, int priority, const struct lflow_prog *prog)
{
	struct pl_gen *g = b->g;
	if (b->cur_stage == NULL || !GROW(b, flows, cap_flows, g->n_flows))
		return b->failed = true, -1;
	struct pl_flow *f = &g->flows[g->n_flows];
	f->priority = priority;
	f->id = g->n_flows;
	f->rules.first = g->n_rules;
	f->rules.n = 0;
	f->prog = NULL;
	if (prog && b->prev_stage && b->cur_stage->flows.n < b->prev_stage->flows.n) {
		/* the same program as the previous generation's flow there: share its copy */
		const struct lflow_prog *q =
		    b->prev->flows[b->prev_stage->flows.first + b->cur_stage->flows.n].prog;
		if (q && prog_equal(q, prog))
			f->prog = pl_prog_ref(q);
	}
	if (prog && f->prog == NULL && (f->prog = pl_prog_copy(prog)) == NULL)
		return b->failed = true, -1;
	b->cur_stage->flows.n++;
	b->cur_flow = (int)g->n_flows++;
	b->cur_rule = -1;
	return b->cur_flow;
}

int plb_rule(struct plb *b)
{
	struct pl_gen *g = b->g;
	if (b->cur_flow < 0 || !GROW(b, rules, cap_rules, g->n_rules))
		return b->failed = true, -1;
	struct pl_rule *r = &g->rules[g->n_rules];
	r->terms.first = g->n_terms;
	r->terms.n = 0;
	r->dims.first = g->n_dims;
	r->dims.n = 0;
	g->flows[b->cur_flow].rules.n++;
	b->cur_rule = (int)g->n_rules++;
	b->cur_dim = b->cur_alt = -1;
	return b->cur_rule;
}

void plb_rule_cancel(struct plb *b)
{
	struct pl_gen *g = b->g;
	if (b->failed || b->cur_rule < 0 || (unsigned)b->cur_rule != g->n_rules - 1)
		return;
	struct pl_rule *r = &g->rules[b->cur_rule];
	g->n_terms = r->terms.first;
	g->n_dims = r->dims.first;
	if (r->dims.n)
		g->n_alts = g->dims[r->dims.first].first;
	g->n_rules--;
	g->flows[b->cur_flow].rules.n--;
	b->cur_rule = b->cur_dim = b->cur_alt = -1;
}

int plb_term(struct plb *b, enum lf_mf mf, lf_u128 value, lf_u128 mask, bool neg)
{
	struct pl_gen *g = b->g;
	if (b->cur_rule < 0 || !GROW(b, terms, cap_terms, g->n_terms))
		return b->failed = true, -1;
	if (b->cur_alt >= 0)
		g->alts[b->cur_alt].n++;
	else if (b->cur_dim < 0)
		g->rules[b->cur_rule].terms.n++;
	else
		return b->failed = true, -1; /* a dimension's terms go into an alternative */
	struct pl_term *t = &g->terms[g->n_terms++];
	memset(t, 0, sizeof(*t)); /* padding too: generations are compared byte by byte */
	t->value = value & mask;
	t->mask = mask;
	t->mf = (uint16_t)mf;
	t->neg = neg;
	return 0;
}

int plb_dim(struct plb *b)
{
	struct pl_gen *g = b->g;
	if (b->cur_rule < 0 || !GROW(b, dims, cap_dims, g->n_dims))
		return b->failed = true, -1;
	g->dims[g->n_dims] = (struct pl_range){.first = g->n_alts, .n = 0};
	g->rules[b->cur_rule].dims.n++;
	b->cur_dim = (int)g->n_dims++;
	b->cur_alt = -1;
	return b->cur_dim;
}

int plb_alt(struct plb *b)
{
	struct pl_gen *g = b->g;
	if (b->cur_dim < 0 || !GROW(b, alts, cap_alts, g->n_alts))
		return b->failed = true, -1;
	g->alts[g->n_alts] = (struct pl_range){.first = g->n_terms, .n = 0};
	g->dims[b->cur_dim].n++;
	b->cur_alt = (int)g->n_alts++;
	return b->cur_alt;
}

int plb_port(struct plb *b, const char *name, int64_t dp, int64_t key, enum pl_port_type type,
	     uint16_t local)
{
	struct pl_gen *g = b->g;
	if (!GROW(b, ports, cap_ports, g->n_ports))
		return -1;
	struct pl_port *p = &g->ports[g->n_ports];
	p->name = str(b, name);
	p->dp = dp;
	p->key = key;
	p->type = type;
	p->local = local;
	p->peer = -1;
	p->psec = (struct pl_range){.first = g->n_psecs, .n = 0};
	p->provider = PL_PORT_NONE;
	p->tag = -1;
	p->remote = 0;
	p->via_localnet = -1;
	p->peer_dp = -1;
	b->cur_port = (int)g->n_ports++;
	b->cur_psec = -1;
	return b->cur_port;
}

void plb_port_peer(struct plb *b, int port, int peer)
{
	if (!b->failed && port >= 0 && (unsigned)port < b->g->n_ports && peer >= -1 &&
	    peer < (int)b->g->n_ports)
		b->g->ports[port].peer = peer;
}

void plb_port_localnet(struct plb *b, uint16_t provider, int32_t tag)
{
	if (!b->failed && b->cur_port >= 0) {
		b->g->ports[b->cur_port].provider = provider;
		b->g->ports[b->cur_port].tag = tag;
	}
}

void plb_port_remote(struct plb *b)
{
	if (!b->failed && b->cur_port >= 0)
		b->g->ports[b->cur_port].remote = 1;
}

/* Each remote VIF of a switch with a localnet port gets that port (the first, if several). */
static void link_localnets(struct pl_gen *g)
{
	for (unsigned i = 0; i < g->n_ports; i++) {
		if (g->ports[i].type != PL_PT_LOCALNET)
			continue;
		for (unsigned j = 0; j < g->n_ports; j++) {
			struct pl_port *p = &g->ports[j];
			if (p->type == PL_PT_VIF && p->remote && p->via_localnet < 0 &&
			    p->local == PL_PORT_NONE && p->dp == g->ports[i].dp)
				p->via_localnet = (int32_t)i;
		}
	}
}

void plb_provider(struct plb *b, uint16_t port_id)
{
	if (port_id < PL_MAX_LOCAL_PORTS)
		b->g->providers[port_id / 64] |= (uint64_t)1 << (port_id % 64);
}

void plb_host(struct plb *b, uint16_t provider, uint16_t port_id, uint64_t mac)
{
	struct pl_gen *g = b->g;
	if (g->n_hosts < PL_MAX_HOSTS)
		g->hosts[g->n_hosts++] =
		    (struct pl_host){.provider = provider, .port = port_id, .mac = mac};
}

int plb_psec(struct plb *b, uint64_t mac)
{
	struct pl_gen *g = b->g;
	if (b->cur_port < 0 || !GROW(b, psecs, cap_psecs, g->n_psecs))
		return b->failed = true, -1;
	g->psecs[g->n_psecs] =
	    (struct pl_psec){.mac = mac, .ip4 = {g->n_psec_ip4, 0}, .ip6 = {g->n_psec_ip6, 0}};
	g->ports[b->cur_port].psec.n++;
	b->cur_psec = (int)g->n_psecs++;
	return b->cur_psec;
}

int plb_psec_ip4(struct plb *b, uint32_t addr, uint32_t mask)
{
	struct pl_gen *g = b->g;
	if (b->cur_psec < 0 || !GROW(b, psec_ip4, cap_ip4, g->n_psec_ip4))
		return b->failed = true, -1;
	g->psec_ip4[g->n_psec_ip4++] = (struct pl_prefix4){addr & mask, mask};
	g->psecs[b->cur_psec].ip4.n++;
	return 0;
}

int plb_psec_ip6(struct plb *b, lf_u128 addr, lf_u128 mask)
{
	struct pl_gen *g = b->g;
	if (b->cur_psec < 0 || !GROW(b, psec_ip6, cap_ip6, g->n_psec_ip6))
		return b->failed = true, -1;
	g->psec_ip6[g->n_psec_ip6++] = (struct pl_prefix6){addr & mask, mask};
	g->psecs[b->cur_psec].ip6.n++;
	return 0;
}

int plb_mcgroup(struct plb *b, const char *name, int64_t dp, int64_t key)
{
	struct pl_gen *g = b->g;
	if (!GROW(b, mcgroups, cap_mcs, g->n_mcgroups))
		return -1;
	g->mcgroups[g->n_mcgroups] = (struct pl_mcgroup){
	    .name = str(b, name), .dp = dp, .key = key, .members = {g->n_mc_members, 0}};
	b->cur_mc = (int)g->n_mcgroups++;
	return b->cur_mc;
}

int plb_mc_member(struct plb *b, int port)
{
	struct pl_gen *g = b->g;
	if (b->cur_mc < 0 || port < 0 || (unsigned)port >= g->n_ports ||
	    !GROW(b, mc_members, cap_members, g->n_mc_members))
		return b->failed = true, -1;
	g->mc_members[g->n_mc_members++] = (uint32_t)port;
	g->mcgroups[b->cur_mc].members.n++;
	return 0;
}

/* ---- neighbours and FDB ---- */

int plb_neigh(struct plb *b, int64_t dp, int64_t port, bool v6, lf_u128 ip, uint64_t mac,
	      uint16_t prio)
{
	struct pl_gen *g = b->g;
	if (!GROW(b, neighs, cap_neighs, g->n_neighs))
		return -1;
	struct pl_neigh *n = &g->neighs[g->n_neighs++];
	memset(n, 0, sizeof(*n)); /* padding too: generations are compared byte by byte */
	n->dp = dp;
	n->port = port;
	n->ip = v6 ? ip : (ip & 0xffffffff);
	n->mac = mac & 0xffffffffffffULL;
	n->prio = prio;
	n->v6 = v6;
	return 0;
}

int plb_fdb(struct plb *b, int64_t dp, int64_t port, uint64_t mac)
{
	struct pl_gen *g = b->g;
	if (!GROW(b, fdbs, cap_fdbs, g->n_fdbs))
		return -1;
	g->fdbs[g->n_fdbs++] =
	    (struct pl_fdb){.dp = dp, .port = port, .mac = mac & 0xffffffffffffULL};
	return 0;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
}

static uint64_t neigh_hash(int64_t dp, int64_t port, bool v6, lf_u128 ip)
{
	uint64_t h = mix(mix(0, (uint64_t)dp), (uint64_t)port);
	return mix(mix(h, (uint64_t)ip ^ v6), (uint64_t)(ip >> 64));
}

static uint64_t fdb_hash(int64_t dp, uint64_t mac)
{
	return mix(mix(1, (uint64_t)dp), mac);
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

static int neigh_cmp(const void *pa, const void *pb)
{
	const struct pl_neigh *a = pa, *b = pb;
	int c;
	if ((c = CMP(a->dp, b->dp)) || (c = CMP(a->port, b->port)) || (c = CMP(a->v6, b->v6)) ||
	    (c = CMP(a->ip, b->ip)) || (c = CMP(b->prio, a->prio)))
		return c;
	return CMP(a->mac, b->mac);
}

static int fdb_cmp(const void *pa, const void *pb)
{
	const struct pl_fdb *a = pa, *b = pb;
	int c;
	if ((c = CMP(a->dp, b->dp)) || (c = CMP(a->mac, b->mac)))
		return c;
	return CMP(a->port, b->port);
}

/* a table of at least twice n slots (a power of two); NULL for n == 0 */
static uint32_t *index_alloc(unsigned n, uint32_t *mask, bool *failed)
{
	uint32_t size = 8;
	*mask = 0;
	if (n == 0)
		return NULL;
	while (size < 2 * (uint64_t)n)
		size *= 2;
	uint32_t *t = calloc(size, sizeof(*t));
	if (t == NULL) {
		*failed = true;
		return NULL;
	}
	*mask = size - 1;
	return t;
}

static void index_put(uint32_t *t, uint32_t mask, uint64_t h, uint32_t i)
{
	uint32_t s = (uint32_t)h & mask;
	while (t[s])
		s = (s + 1) & mask;
	t[s] = i + 1;
}

static void build_indexes(struct plb *b)
{
	struct pl_gen *g = b->g;
	if (g->n_neighs)
		qsort(g->neighs, g->n_neighs, sizeof(*g->neighs), neigh_cmp);
	if (g->n_fdbs)
		qsort(g->fdbs, g->n_fdbs, sizeof(*g->fdbs), fdb_cmp);
	g->neigh_idx = index_alloc(g->n_neighs, &g->neigh_idx_mask, &b->failed);
	g->fdb_idx = index_alloc(g->n_fdbs, &g->fdb_idx_mask, &b->failed);
	if (b->failed)
		return;
	for (unsigned i = 0; i < g->n_neighs; i++) {
		const struct pl_neigh *n = &g->neighs[i];
		index_put(g->neigh_idx, g->neigh_idx_mask, neigh_hash(n->dp, n->port, n->v6, n->ip),
			  i);
	}
	for (unsigned i = 0; i < g->n_fdbs; i++)
		index_put(g->fdb_idx, g->fdb_idx_mask, fdb_hash(g->fdbs[i].dp, g->fdbs[i].mac), i);
}

/* The entries of (dp, port, v6, ip): the one with that MAC, or (any_mac) the highest priority. */
static const struct pl_neigh *neigh_walk(const struct pl_gen *g, int64_t dp, int64_t port, bool v6,
					 lf_u128 ip, uint64_t mac, bool any_mac)
{
	const struct pl_neigh *best = NULL;
	if (g->neigh_idx == NULL)
		return NULL;
	if (!v6)
		ip &= 0xffffffff;
	uint32_t s = (uint32_t)neigh_hash(dp, port, v6, ip) & g->neigh_idx_mask;
	for (; g->neigh_idx[s]; s = (s + 1) & g->neigh_idx_mask) {
		const struct pl_neigh *n = &g->neighs[g->neigh_idx[s] - 1];
		if (n->dp != dp || n->port != port || n->v6 != v6 || n->ip != ip)
			continue;
		if (!any_mac && n->mac == mac)
			return n;
		if (any_mac && (best == NULL || n->prio > best->prio))
			best = n;
	}
	return best;
}

const struct pl_neigh *pl_neigh_get(const struct pl_gen *g, int64_t dp, int64_t port, bool v6,
				    lf_u128 ip)
{
	return neigh_walk(g, dp, port, v6, ip, 0, true);
}

bool pl_neigh_has_mac(const struct pl_gen *g, int64_t dp, int64_t port, bool v6, lf_u128 ip,
		      uint64_t mac)
{
	return neigh_walk(g, dp, port, v6, ip, mac, false) != NULL;
}

const struct pl_fdb *pl_fdb_get(const struct pl_gen *g, int64_t dp, uint64_t mac)
{
	if (g->fdb_idx == NULL)
		return NULL;
	uint32_t s = (uint32_t)fdb_hash(dp, mac) & g->fdb_idx_mask;
	for (; g->fdb_idx[s]; s = (s + 1) & g->fdb_idx_mask) {
		const struct pl_fdb *f = &g->fdbs[g->fdb_idx[s] - 1];
		if (f->dp == dp && f->mac == mac)
			return f;
	}
	return NULL;
}

/* what the interpreter's crossings need, looked up once (pipeline.h mc_key_min, peer_dp) */
static void resolve_crossings(struct pl_gen *g)
{
	g->mc_key_min = INT64_MAX;
	for (unsigned i = 0; i < g->n_mcgroups; i++)
		if (g->mcgroups[i].key < g->mc_key_min)
			g->mc_key_min = g->mcgroups[i].key;
	for (unsigned i = 0; i < g->n_ports; i++) {
		struct pl_port *p = &g->ports[i];
		if (p->type == PL_PT_PATCH && p->peer >= 0) {
			const struct pl_datapath *d = pl_dp(g, g->ports[p->peer].dp);
			p->peer_dp = d ? (int32_t)(d - g->dps) : -1;
		}
	}
}

struct pl_gen *plb_finish(struct plb *b)
{
	struct pl_gen *g = b->g;
	double t0 = pl_now_ms(), t1;
	if (!b->failed) {
		g->by_local = malloc(PL_MAX_LOCAL_PORTS * sizeof(*g->by_local));
		if (g->by_local == NULL)
			b->failed = true;
	}
	if (!b->failed) {
		link_localnets(g);
		build_indexes(b);
	}
	if (b->failed) {
		plb_abort(b);
		return NULL;
	}
	for (unsigned i = 0; i < PL_MAX_LOCAL_PORTS; i++)
		g->by_local[i] = -1;
	for (unsigned i = 0; i < g->n_ports; i++) {
		uint16_t l = g->ports[i].local;
		if (l < PL_MAX_LOCAL_PORTS && g->by_local[l] < 0) {
			g->by_local[l] = (int32_t)i;
			g->n_local++;
		}
	}
	const struct pl_gen *prev = b->prev;
	free(b);
	t1 = pl_now_ms();
	pl_index_build_from(g, prev); /* without it (out of memory) every lookup is linear */
	resolve_crossings(g);
	pl_build_times.finish_ms = t1 - t0;
	pl_build_times.index_ms = pl_now_ms() - t1;
	pl_build_times.builds++;
	return g;
}

void plb_abort(struct plb *b)
{
	if (b == NULL)
		return;
	pl_gen_free(b->g);
	free(b);
}

void pl_gen_free(struct pl_gen *g)
{
	if (g == NULL)
		return;
	pl_index_free(g->index);
	for (unsigned i = 0; i < g->n_dps; i++) {
		free(g->dps[i].pipe[0].stages);
		free(g->dps[i].pipe[1].stages);
	}
	for (unsigned i = 0; i < g->n_flows; i++)
		pl_prog_unref(g->flows[i].prog);
	for (unsigned i = 0; i < g->n_strings; i++)
		free(g->strings[i]);
	free(g->strings);
	free(g->dps);
	free(g->ports);
	free(g->mcgroups);
	free(g->by_local);
	free(g->flows);
	free(g->rules);
	free(g->terms);
	free(g->dims);
	free(g->alts);
	free(g->mc_members);
	free(g->psecs);
	free(g->psec_ip4);
	free(g->psec_ip6);
	free(g->neighs);
	free(g->fdbs);
	free(g->neigh_idx);
	free(g->fdb_idx);
	free(g);
}

const struct pl_datapath *pl_dp(const struct pl_gen *g, int64_t key)
{
	if (g->index) {
		int32_t i = pl_index_find(g->index->dps, g->index->dps_mask, 0, key);
		return i < 0 ? NULL : &g->dps[i];
	}
	for (unsigned i = 0; i < g->n_dps; i++)
		if (g->dps[i].key == key)
			return &g->dps[i];
	return NULL;
}

const struct pl_port *pl_port_by_key(const struct pl_gen *g, int64_t dp, int64_t key)
{
	if (g->index) {
		int32_t i = pl_index_find(g->index->ports, g->index->ports_mask, dp, key);
		return i < 0 ? NULL : &g->ports[i];
	}
	for (unsigned i = 0; i < g->n_ports; i++)
		if (g->ports[i].dp == dp && g->ports[i].key == key)
			return &g->ports[i];
	return NULL;
}

static const char *port_name(const void *g, int32_t i)
{
	return ((const struct pl_gen *)g)->ports[i].name;
}

static const char *mcgroup_name(const void *g, int32_t i)
{
	return ((const struct pl_gen *)g)->mcgroups[i].name;
}

const struct pl_port *pl_port_by_name(const struct pl_gen *g, int64_t dp, const char *name)
{
	if (g->index) {
		int32_t i = pl_index_find_name(g->index->port_names, g->index->port_names_mask, dp,
					       name, port_name, g);
		return i < 0 ? NULL : &g->ports[i];
	}
	for (unsigned i = 0; i < g->n_ports; i++)
		if (g->ports[i].dp == dp && strcmp(g->ports[i].name, name) == 0)
			return &g->ports[i];
	return NULL;
}

const struct pl_mcgroup *pl_mcgroup_by_key(const struct pl_gen *g, int64_t dp, int64_t key)
{
	if (g->index) {
		int32_t i = pl_index_find(g->index->mcgroups, g->index->mcgroups_mask, dp, key);
		return i < 0 ? NULL : &g->mcgroups[i];
	}
	for (unsigned i = 0; i < g->n_mcgroups; i++)
		if (g->mcgroups[i].dp == dp && g->mcgroups[i].key == key)
			return &g->mcgroups[i];
	return NULL;
}

const struct pl_mcgroup *pl_mcgroup_by_name(const struct pl_gen *g, int64_t dp, const char *name)
{
	if (g->index) {
		int32_t i =
		    pl_index_find_name(g->index->mcgroup_names, g->index->mcgroup_names_mask, dp,
				       name, mcgroup_name, g);
		return i < 0 ? NULL : &g->mcgroups[i];
	}
	for (unsigned i = 0; i < g->n_mcgroups; i++)
		if (g->mcgroups[i].dp == dp && strcmp(g->mcgroups[i].name, name) == 0)
			return &g->mcgroups[i];
	return NULL;
}

int64_t pl_name_key(const struct pl_gen *g, int64_t dp, const char *name)
{
	const struct pl_port *p = pl_port_by_name(g, dp, name);
	if (p)
		return p->key;
	const struct pl_mcgroup *m = pl_mcgroup_by_name(g, dp, name);
	return m ? m->key : 0;
}

const struct pl_port *pl_port_local(const struct pl_gen *g, uint16_t port_id)
{
	if (port_id >= PL_MAX_LOCAL_PORTS || g->by_local == NULL || g->by_local[port_id] < 0)
		return NULL;
	return &g->ports[g->by_local[port_id]];
}

int pl_stage_index(const struct pl_pipeline *p, const char *name)
{
	for (unsigned i = 0; i < p->n_stages; i++)
		if (p->stages[i].name && strcmp(p->stages[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A copy is one block: a 16-byte reference count, then the program. */
#define PROG_REF_HDR 16

const struct lflow_prog *pl_prog_ref(const struct lflow_prog *p)
{
	(*(uint32_t *)((char *)(uintptr_t)p - PROG_REF_HDR))++;
	return p;
}

void pl_prog_unref(const struct lflow_prog *p)
{
	if (p == NULL)
		return;
	uint32_t *rc = (uint32_t *)((char *)(uintptr_t)p - PROG_REF_HDR);
	if (--*rc == 0)
		free(rc);
}

struct lflow_prog *pl_prog_copy(const struct lflow_prog *p)
{
	size_t hdr = (sizeof(struct lflow_prog) + 15) & ~(size_t)15;
	size_t args_sz = (size_t)p->n_args * sizeof(struct lflow_arg);
	size_t insns_sz = (size_t)p->n_insns * sizeof(struct lflow_insn);
	size_t pre_sz = p->prereqs ? strlen(p->prereqs) + 1 : 0;
	char *mem = aligned_alloc(
	    16,
	    (PROG_REF_HDR + hdr + args_sz + insns_sz + p->strs_len + pre_sz + 15) & ~(size_t)15);
	if (mem == NULL)
		return NULL;
	*(uint32_t *)mem = 1;
	mem += PROG_REF_HDR;
	struct lflow_prog *c = (struct lflow_prog *)mem;
	char *q = mem + hdr;
	*c = *p;
	if (args_sz)
		memcpy(q, p->args, args_sz);
	c->args = (const struct lflow_arg *)q;
	q += args_sz;
	if (insns_sz)
		memcpy(q, p->insns, insns_sz);
	c->insns = (const struct lflow_insn *)q;
	q += insns_sz;
	if (p->strs_len)
		memcpy(q, p->strs, p->strs_len);
	c->strs = q;
	q += p->strs_len;
	c->prereqs = NULL;
	if (pre_sz) {
		memcpy(q, p->prereqs, pre_sz);
		c->prereqs = q;
	}
	return c;
}

void plb_alt_cancel(struct plb *b)
{
	struct pl_gen *g = b->g;
	if (b->failed || b->cur_alt < 0 || (unsigned)b->cur_alt != g->n_alts - 1)
		return;
	g->n_terms = g->alts[b->cur_alt].first;
	g->n_alts--;
	g->dims[b->cur_dim].n--;
	b->cur_alt = -1;
}

/* the terms of a conjunction; false if it can never hold */
static bool add_conj(struct plb *b, const struct lf_conj *c, const struct plb_resolve *r)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct lf_term *t = &c->terms[i];
		switch (t->type) {
		case LF_TERM_FIELD:
			if (plb_term(b, t->mf, t->value, t->mask, false) < 0)
				return false;
			break;
		case LF_TERM_STRING: {
			int64_t key = r->port_key(r->aux, t->name);
			if (key < 0) {
				if (!t->neg)
					return false;
				break; /* != a port that does not exist: always true */
			}
			if (plb_term(b, t->mf, (lf_u128)(uint64_t)key, 0xffffffff, t->neg) < 0)
				return false;
			break;
		}
		case LF_TERM_CHASSIS:
			if (r->resident(r->aux, t->name) == t->neg)
				return false;
			break;
		}
	}
	return true;
}

int plb_match(struct plb *b, const struct lf_match *m, const struct plb_resolve *r)
{
	for (size_t i = 0; i < m->n && !b->failed; i++) {
		const struct lf_rule *rule = &m->rules[i];
		bool ok;
		if (plb_rule(b) < 0)
			return -1;
		ok = add_conj(b, &rule->terms, r);
		for (size_t d = 0; ok && d < rule->n_dims; d++) {
			const struct lf_dim *dim = &rule->dims[d];
			if (plb_dim(b) < 0)
				return -1;
			for (size_t a = 0; a < dim->n; a++) {
				if (plb_alt(b) < 0)
					return -1;
				if (!add_conj(b, &dim->alts[a], r))
					plb_alt_cancel(b);
			}
			ok = b->g->dims[b->g->n_dims - 1].n > 0;
		}
		if (!ok)
			plb_rule_cancel(b);
	}
	return b->failed ? -1 : 0;
}

static bool prog_equal(const struct lflow_prog *a, const struct lflow_prog *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	/* every field (the prerequisites too: a shared copy must be the same program) */
	return a->top == b->top && a->n_top == b->n_top && a->n_insns == b->n_insns &&
	       a->n_args == b->n_args && a->strs_len == b->strs_len &&
	       (a->prereqs == b->prereqs ||
		(a->prereqs && b->prereqs && strcmp(a->prereqs, b->prereqs) == 0)) &&
	       memcmp(a->insns, b->insns, a->n_insns * sizeof(*a->insns)) == 0 &&
	       memcmp(a->args, b->args, a->n_args * sizeof(*a->args)) == 0 &&
	       memcmp(a->strs, b->strs, a->strs_len) == 0;
}

static bool str_equal(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

#define SAME_ARRAY(a, b, field, n)                                                                 \
	((n) == 0 || memcmp((a)->field, (b)->field, (size_t)(n) * sizeof(*(a)->field)) == 0)

bool pl_gen_equal(const struct pl_gen *a, const struct pl_gen *b)
{
	if (a->n_dps != b->n_dps || a->n_ports != b->n_ports || a->n_mcgroups != b->n_mcgroups ||
	    a->n_flows != b->n_flows || a->n_rules != b->n_rules || a->n_terms != b->n_terms ||
	    a->n_dims != b->n_dims || a->n_alts != b->n_alts ||
	    a->n_mc_members != b->n_mc_members || a->n_psecs != b->n_psecs ||
	    a->n_psec_ip4 != b->n_psec_ip4 || a->n_psec_ip6 != b->n_psec_ip6 ||
	    a->n_neighs != b->n_neighs || a->n_fdbs != b->n_fdbs)
		return false;
	/* sorted at plb_finish: the same entries are the same arrays */
	if (!SAME_ARRAY(a, b, neighs, a->n_neighs) || !SAME_ARRAY(a, b, fdbs, a->n_fdbs))
		return false;
	if (!SAME_ARRAY(a, b, rules, a->n_rules) || !SAME_ARRAY(a, b, terms, a->n_terms) ||
	    !SAME_ARRAY(a, b, dims, a->n_dims) || !SAME_ARRAY(a, b, alts, a->n_alts) ||
	    !SAME_ARRAY(a, b, mc_members, a->n_mc_members) ||
	    !SAME_ARRAY(a, b, psecs, a->n_psecs) || !SAME_ARRAY(a, b, psec_ip4, a->n_psec_ip4) ||
	    !SAME_ARRAY(a, b, psec_ip6, a->n_psec_ip6))
		return false;
	for (unsigned i = 0; i < a->n_flows; i++) {
		const struct pl_flow *x = &a->flows[i], *y = &b->flows[i];
		if (x->priority != y->priority || x->rules.first != y->rules.first ||
		    x->rules.n != y->rules.n || !prog_equal(x->prog, y->prog))
			return false;
	}
	for (unsigned i = 0; i < a->n_dps; i++) {
		const struct pl_datapath *x = &a->dps[i], *y = &b->dps[i];
		if (x->key != y->key || x->kind != y->kind || !str_equal(x->name, y->name))
			return false;
		for (int p = 0; p < 2; p++) {
			if (x->pipe[p].n_stages != y->pipe[p].n_stages)
				return false;
			for (unsigned s = 0; s < x->pipe[p].n_stages; s++) {
				const struct pl_stage *u = &x->pipe[p].stages[s];
				const struct pl_stage *v = &y->pipe[p].stages[s];
				if (!str_equal(u->name, v->name) ||
				    u->flows.first != v->flows.first || u->flows.n != v->flows.n)
					return false;
			}
		}
	}
	for (unsigned i = 0; i < a->n_ports; i++) {
		const struct pl_port *x = &a->ports[i], *y = &b->ports[i];
		if (x->dp != y->dp || x->key != y->key || x->type != y->type ||
		    x->local != y->local || x->peer != y->peer || x->psec.first != y->psec.first ||
		    x->psec.n != y->psec.n || !str_equal(x->name, y->name) ||
		    x->provider != y->provider || x->tag != y->tag || x->remote != y->remote ||
		    x->via_localnet != y->via_localnet)
			return false;
	}
	if (memcmp(a->providers, b->providers, sizeof(a->providers)) != 0 ||
	    a->n_hosts != b->n_hosts || memcmp(a->hosts, b->hosts, sizeof(a->hosts)) != 0)
		return false;
	for (unsigned i = 0; i < a->n_mcgroups; i++) {
		const struct pl_mcgroup *x = &a->mcgroups[i], *y = &b->mcgroups[i];
		if (x->dp != y->dp || x->key != y->key || x->members.first != y->members.first ||
		    x->members.n != y->members.n || !str_equal(x->name, y->name))
			return false;
	}
	return true;
}
