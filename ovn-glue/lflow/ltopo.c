/* SPDX-License-Identifier: Apache-2.0 */
/* Building the logical topology snapshot from the SB replica (see ltopo.h). */
#include "ltopo.h"

#include "ovsdb/hmap.h"
#include "sb/sb_tables.h"

#include <stdlib.h>
#include <string.h>

struct named {
	struct hnode node;
	const char *name; /* points into the element */
	void *elem;
};

struct stage {
	struct hnode node;
	bool egress;
	enum lt_dp_kind kind;
	char *name;
	int table;
};

struct dpg {
	struct hnode node;
	struct ovs_uuid uuid;
	unsigned n;
	const struct lt_datapath **dps;
};

struct ltopo {
	struct lt_datapath *dps;
	unsigned n_dps;
	struct lt_port *ports;
	unsigned n_ports;
	struct lt_mcgroup *mcs;
	unsigned n_mcs;
	struct lt_set *asets, *pgs;
	unsigned n_asets, n_pgs;
	struct dpg *dpgs;
	unsigned n_dpgs;
	struct hmap dp_by_uuid, dp_by_key, dp_by_name, port_by_name, port_by_key, mc_by_name,
		aset_by_name, pg_by_name, dpg_by_uuid, stages;
	struct named *nodes; /* one pool for the name-keyed nodes */
	unsigned n_nodes, cap_nodes;
	struct stage *stage_pool;
	unsigned n_stages, cap_stages;
	struct lt_stats stats;
};

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

static const struct ovs_datum *col(const struct sb_row *row, const char *name)
{
	return sb_row_col(row, name);
}

static struct named *new_node(struct ltopo *t)
{
	return t->n_nodes < t->cap_nodes ? &t->nodes[t->n_nodes++] : NULL;
}

static void index_name(struct ltopo *t, struct hmap *m, const char *name, uint32_t basis,
		       void *elem)
{
	struct named *n = new_node(t);
	if (n == NULL)
		return;
	n->name = name;
	n->elem = elem;
	hmap_insert(m, &n->node, hash_string(name, basis));
}

static void *find_name(const struct hmap *m, const char *name, uint32_t basis)
{
	uint32_t h = hash_string(name, basis);
	for (struct hnode *x = hmap_first_with_hash(m, h); x; x = hmap_next_with_hash(x)) {
		struct named *n = container_of(x, struct named, node);
		if (strcmp(n->name, name) == 0)
			return n->elem;
	}
	return NULL;
}

static uint32_t key_hash(int64_t a, int64_t b)
{
	return hash_u64((uint64_t)a * 0x10001ull ^ (uint64_t)b, 7);
}

static void index_key(struct ltopo *t, struct hmap *m, uint32_t h, void *elem)
{
	struct named *n = new_node(t);
	if (n == NULL)
		return;
	n->name = NULL;
	n->elem = elem;
	hmap_insert(m, &n->node, h);
}

static void build_datapaths(struct ltopo *t, const struct sb_table *tb)
{
	t->dps = calloc(sb_table_n_rows(tb) + 1, sizeof(*t->dps));
	if (t->dps == NULL)
		return;
	for (const struct sb_row *r = sb_table_first(tb); r; r = sb_table_next(r)) {
		struct lt_datapath *d = &t->dps[t->n_dps++];
		const struct ovs_datum *ext = col(r, "external_ids");
		const char *name = ovs_datum_map_get(ext, "name");
		char u[OVS_UUID_LEN + 1];
		d->uuid = r->uuid;
		d->key = ovs_datum_int(col(r, "tunnel_key"), 0);
		if (name == NULL) {
			ovs_uuid_to_string(&r->uuid, u);
			name = u;
		}
		d->name = dup(name);
		d->kind = ovs_datum_map_get(ext, "logical-router")   ? LT_DP_ROUTER
			  : ovs_datum_map_get(ext, "logical-switch") ? LT_DP_SWITCH
								     : LT_DP_UNKNOWN;
		index_key(t, &t->dp_by_uuid, ovs_uuid_hash(&d->uuid), d);
		index_key(t, &t->dp_by_key, key_hash(d->key, 0), d);
		index_name(t, &t->dp_by_name, d->name, 1, d);
	}
}

const struct lt_datapath *ltopo_dp_by_uuid(const struct ltopo *t, const struct ovs_uuid *u)
{
	for (struct hnode *x = hmap_first_with_hash(&t->dp_by_uuid, ovs_uuid_hash(u)); x;
	     x = hmap_next_with_hash(x)) {
		const struct lt_datapath *d = container_of(x, struct named, node)->elem;
		if (ovs_uuid_equal(&d->uuid, u))
			return d;
	}
	return NULL;
}

const struct lt_datapath *ltopo_dp_by_key(const struct ltopo *t, int64_t key)
{
	for (struct hnode *x = hmap_first_with_hash(&t->dp_by_key, key_hash(key, 0)); x;
	     x = hmap_next_with_hash(x)) {
		const struct lt_datapath *d = container_of(x, struct named, node)->elem;
		if (d->key == key)
			return d;
	}
	return NULL;
}

const struct lt_datapath *ltopo_dp_by_name(const struct ltopo *t, const char *name)
{
	return find_name(&t->dp_by_name, name, 1);
}

static void build_ports(struct ltopo *t, const struct sb_table *tb)
{
	t->ports = calloc(sb_table_n_rows(tb) + 1, sizeof(*t->ports));
	if (t->ports == NULL)
		return;
	for (const struct sb_row *r = sb_table_first(tb); r; r = sb_table_next(r)) {
		const struct ovs_uuid *dpu = ovs_datum_uuid(col(r, "datapath"));
		const struct ovs_uuid *ch = ovs_datum_uuid(col(r, "chassis"));
		const struct ovs_datum *opts = col(r, "options"), *macs = col(r, "mac");
		const struct ovs_datum *psec = col(r, "port_security");
		const char *peer = ovs_datum_map_get(opts, "peer");
		const char *net = ovs_datum_map_get(opts, "network_name");
		struct lt_port *p = &t->ports[t->n_ports];
		p->dp = dpu ? ltopo_dp_by_uuid(t, dpu) : NULL;
		if (p->dp == NULL) {
			t->stats.dangling++;
			continue;
		}
		t->n_ports++;
		p->name = dup(ovs_datum_str(col(r, "logical_port")));
		p->key = ovs_datum_int(col(r, "tunnel_key"), 0);
		p->type = dup(ovs_datum_str(col(r, "type")));
		p->peer = peer ? dup(peer) : NULL;
		p->network = net ? dup(net) : NULL;
		p->tag = ovs_datum_int(col(r, "tag"), -1);
		if (ch)
			p->chassis = *ch;
		if (macs && macs->n) {
			p->macs = calloc(macs->n, sizeof(char *));
			for (unsigned i = 0; p->macs && i < macs->n; i++)
				p->macs[p->n_macs++] = dup(macs->keys[i].string);
		}
		if (psec && psec->n) {
			p->port_security = calloc(psec->n, sizeof(char *));
			for (unsigned i = 0; p->port_security && i < psec->n; i++)
				p->port_security[p->n_port_security++] = dup(psec->keys[i].string);
		}
		index_name(t, &t->port_by_name, p->name, 2, p);
		index_key(t, &t->port_by_key, key_hash(p->dp->key, p->key), p);
	}
}

const struct lt_port *ltopo_port(const struct ltopo *t, const char *name)
{
	return find_name(&t->port_by_name, name, 2);
}

const struct lt_port *ltopo_port_by_key(const struct ltopo *t, int64_t dp_key, int64_t key)
{
	for (struct hnode *x = hmap_first_with_hash(&t->port_by_key, key_hash(dp_key, key)); x;
	     x = hmap_next_with_hash(x)) {
		const struct lt_port *p = container_of(x, struct named, node)->elem;
		if (p->dp->key == dp_key && p->key == key)
			return p;
	}
	return NULL;
}

static const struct lt_port *port_by_uuid(const struct ltopo *t, const struct sb_table *pbt,
					  const struct ovs_uuid *u)
{
	const struct sb_row *r = sb_table_find(pbt, u);
	const char *name = r ? ovs_datum_str(col(r, "logical_port")) : NULL;
	return name ? ltopo_port(t, name) : NULL;
}

static void build_mcgroups(struct ltopo *t, const struct sb_table *tb, const struct sb_table *pbt)
{
	t->mcs = calloc(sb_table_n_rows(tb) + 1, sizeof(*t->mcs));
	if (t->mcs == NULL)
		return;
	for (const struct sb_row *r = sb_table_first(tb); r; r = sb_table_next(r)) {
		const struct ovs_uuid *dpu = ovs_datum_uuid(col(r, "datapath"));
		const struct ovs_datum *ps = col(r, "ports");
		struct lt_mcgroup *m = &t->mcs[t->n_mcs];
		m->dp = dpu ? ltopo_dp_by_uuid(t, dpu) : NULL;
		if (m->dp == NULL) {
			t->stats.dangling++;
			continue;
		}
		t->n_mcs++;
		m->name = dup(ovs_datum_str(col(r, "name")));
		m->key = ovs_datum_int(col(r, "tunnel_key"), 0);
		m->ports = calloc(ps && ps->n ? ps->n : 1, sizeof(*m->ports));
		for (unsigned i = 0; m->ports && ps && i < ps->n; i++) {
			const struct lt_port *p = port_by_uuid(t, pbt, &ps->keys[i].uuid);
			if (p)
				m->ports[m->n_ports++] = p;
			else
				t->stats.dangling++;
		}
		index_key(t, &t->mc_by_name, hash_string(m->name, (uint32_t)m->dp->key), m);
	}
}

const struct lt_mcgroup *ltopo_mcgroup(const struct ltopo *t, int64_t dp_key, const char *name)
{
	for (struct hnode *x = hmap_first_with_hash(&t->mc_by_name,
						    hash_string(name, (uint32_t)dp_key));
	     x; x = hmap_next_with_hash(x)) {
		const struct lt_mcgroup *m = container_of(x, struct named, node)->elem;
		if (m->dp->key == dp_key && strcmp(m->name, name) == 0)
			return m;
	}
	return NULL;
}

static void build_sets(struct ltopo *t, const struct sb_table *tb, const char *items_col,
		       struct lt_set **out, unsigned *n_out, struct hmap *idx, uint32_t basis)
{
	*out = calloc(sb_table_n_rows(tb) + 1, sizeof(**out));
	if (*out == NULL)
		return;
	for (const struct sb_row *r = sb_table_first(tb); r; r = sb_table_next(r)) {
		const struct ovs_datum *items = col(r, items_col);
		struct lt_set *s = &(*out)[(*n_out)++];
		s->name = dup(ovs_datum_str(col(r, "name")));
		s->items = calloc(items && items->n ? items->n : 1, sizeof(char *));
		for (unsigned i = 0; s->items && items && i < items->n; i++)
			s->items[s->n++] = dup(items->keys[i].string);
		index_name(t, idx, s->name, basis, s);
	}
}

const struct lt_set *ltopo_address_set(const struct ltopo *t, const char *name)
{
	return find_name(&t->aset_by_name, name, 3);
}

const struct lt_set *ltopo_port_group(const struct ltopo *t, const char *name)
{
	return find_name(&t->pg_by_name, name, 4);
}

static void build_dp_groups(struct ltopo *t, const struct sb_table *tb)
{
	t->dpgs = calloc(sb_table_n_rows(tb) + 1, sizeof(*t->dpgs));
	if (t->dpgs == NULL)
		return;
	for (const struct sb_row *r = sb_table_first(tb); r; r = sb_table_next(r)) {
		const struct ovs_datum *d = col(r, "datapaths");
		struct dpg *g = &t->dpgs[t->n_dpgs++];
		g->uuid = r->uuid;
		g->dps = calloc(d && d->n ? d->n : 1, sizeof(*g->dps));
		for (unsigned i = 0; g->dps && d && i < d->n; i++) {
			const struct lt_datapath *dp = ltopo_dp_by_uuid(t, &d->keys[i].uuid);
			if (dp)
				g->dps[g->n++] = dp;
			else
				t->stats.dangling++;
		}
		hmap_insert(&t->dpg_by_uuid, &g->node, ovs_uuid_hash(&g->uuid));
	}
}

const struct lt_datapath *const *ltopo_dp_group(const struct ltopo *t, const struct ovs_uuid *u,
						unsigned *n)
{
	for (struct hnode *x = hmap_first_with_hash(&t->dpg_by_uuid, ovs_uuid_hash(u)); x;
	     x = hmap_next_with_hash(x)) {
		const struct dpg *g = container_of(x, struct dpg, node);
		if (ovs_uuid_equal(&g->uuid, u)) {
			*n = g->n;
			return g->dps;
		}
	}
	*n = 0;
	return NULL;
}

static uint32_t stage_hash(bool egress, enum lt_dp_kind kind, const char *name)
{
	return hash_string(name, (uint32_t)(egress * 4 + kind));
}

static struct stage *find_stage(const struct ltopo *t, bool egress, enum lt_dp_kind kind,
				const char *name)
{
	for (struct hnode *x = hmap_first_with_hash(&t->stages, stage_hash(egress, kind, name)); x;
	     x = hmap_next_with_hash(x)) {
		struct stage *s = container_of(x, struct stage, node);
		if (s->egress == egress && s->kind == kind && strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

static enum lt_dp_kind flow_kind(const struct ltopo *t, const struct sb_row *r)
{
	const struct ovs_uuid *u = ovs_datum_uuid(col(r, "logical_datapath"));
	const struct lt_datapath *d = u ? ltopo_dp_by_uuid(t, u) : NULL;
	if (d == NULL && (u = ovs_datum_uuid(col(r, "logical_dp_group"))) != NULL) {
		unsigned n;
		const struct lt_datapath *const *dps = ltopo_dp_group(t, u, &n);
		d = n ? dps[0] : NULL;
	}
	return d ? d->kind : LT_DP_UNKNOWN;
}

static void build_stages(struct ltopo *t, const struct sb_table *tb)
{
	for (const struct sb_row *r = sb_table_first(tb); r; r = sb_table_next(r)) {
		const char *name = ovs_datum_map_get(col(r, "external_ids"), "stage-name");
		const char *pipe = ovs_datum_str(col(r, "pipeline"));
		bool egress = pipe && strcmp(pipe, "egress") == 0;
		int table = (int)ovs_datum_int(col(r, "table_id"), -1);
		enum lt_dp_kind kind;
		struct stage *s;

		if (name == NULL) {
			t->stats.flows_without_stage_name++;
			continue;
		}
		kind = flow_kind(t, r);
		s = find_stage(t, egress, kind, name);
		if (s) {
			/* one name on two numbers: neither can be trusted (-2: ambiguous) */
			if (s->table != table && s->table != -2) {
				t->stats.stage_conflicts++;
				s->table = -2;
			}
			continue;
		}
		if (t->n_stages == t->cap_stages)
			continue; /* cap_stages is sized from the flows: cannot happen */
		s = &t->stage_pool[t->n_stages++];
		s->egress = egress;
		s->kind = kind;
		s->name = dup(name);
		s->table = table;
		hmap_insert(&t->stages, &s->node, stage_hash(egress, kind, name));
	}
}

int ltopo_stage_table(const struct ltopo *t, bool egress, enum lt_dp_kind kind,
		      const char *stage_name)
{
	const struct stage *s = find_stage(t, egress, kind, stage_name);
	return s && s->table >= 0 ? s->table : -1;
}

const char *ltopo_stage_name(const struct ltopo *t, bool egress, enum lt_dp_kind kind,
			     int table)
{
	for (unsigned i = 0; i < t->n_stages; i++) {
		const struct stage *s = &t->stage_pool[i];
		if (s->egress == egress && s->kind == kind && s->table == table)
			return s->name;
	}
	return NULL;
}

struct ltopo *ltopo_build(const struct sb_replica *r)
{
	struct ltopo *t = calloc(1, sizeof(*t));
	const struct sb_table *dp, *pb, *mc, *as, *pg, *dg, *lf;
	size_t n_nodes;

	if (t == NULL)
		return NULL;
	dp = sb_replica_table(r, SB_DATAPATH_BINDING);
	pb = sb_replica_table(r, SB_PORT_BINDING);
	mc = sb_replica_table(r, SB_MULTICAST_GROUP);
	as = sb_replica_table(r, SB_ADDRESS_SET);
	pg = sb_replica_table(r, SB_PORT_GROUP);
	dg = sb_replica_table(r, SB_LOGICAL_DP_GROUP);
	lf = sb_replica_table(r, SB_LOGICAL_FLOW);
	struct hmap *maps[] = {&t->dp_by_uuid, &t->dp_by_key,   &t->dp_by_name,
			       &t->port_by_name, &t->port_by_key, &t->mc_by_name,
			       &t->aset_by_name, &t->pg_by_name,  &t->dpg_by_uuid,
			       &t->stages};
	for (unsigned i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		hmap_init(maps[i]);
	n_nodes = 3 * sb_table_n_rows(dp) + 2 * sb_table_n_rows(pb) + sb_table_n_rows(mc) +
		  sb_table_n_rows(as) + sb_table_n_rows(pg) + 1;
	t->nodes = calloc(n_nodes, sizeof(*t->nodes));
	t->cap_nodes = (unsigned)n_nodes;
	t->cap_stages = (unsigned)sb_table_n_rows(lf) + 1;
	t->stage_pool = calloc(t->cap_stages, sizeof(*t->stage_pool));
	if (t->nodes == NULL || t->stage_pool == NULL) {
		ltopo_free(t);
		return NULL;
	}
	build_datapaths(t, dp);
	build_ports(t, pb);
	build_mcgroups(t, mc, pb);
	build_sets(t, as, "addresses", &t->asets, &t->n_asets, &t->aset_by_name, 3);
	build_sets(t, pg, "ports", &t->pgs, &t->n_pgs, &t->pg_by_name, 4);
	build_dp_groups(t, dg);
	build_stages(t, lf);
	t->stats.datapaths = t->n_dps;
	t->stats.ports = t->n_ports;
	t->stats.mcgroups = t->n_mcs;
	t->stats.address_sets = t->n_asets;
	t->stats.port_groups = t->n_pgs;
	t->stats.dp_groups = t->n_dpgs;
	t->stats.stages = t->n_stages;
	return t;
}

static void free_sets(struct lt_set *s, unsigned n)
{
	for (unsigned i = 0; s && i < n; i++) {
		for (unsigned k = 0; k < s[i].n; k++)
			free(s[i].items[k]);
		free(s[i].items);
		free(s[i].name);
	}
	free(s);
}

void ltopo_free(struct ltopo *t)
{
	if (t == NULL)
		return;
	for (unsigned i = 0; t->dps && i < t->n_dps; i++)
		free(t->dps[i].name);
	for (unsigned i = 0; t->ports && i < t->n_ports; i++) {
		struct lt_port *p = &t->ports[i];
		for (unsigned k = 0; k < p->n_macs; k++)
			free(p->macs[k]);
		free(p->macs);
		for (unsigned k = 0; k < p->n_port_security; k++)
			free(p->port_security[k]);
		free(p->port_security);
		free(p->name);
		free(p->type);
		free(p->peer);
		free(p->network);
	}
	for (unsigned i = 0; t->mcs && i < t->n_mcs; i++) {
		free(t->mcs[i].name);
		free(t->mcs[i].ports);
	}
	for (unsigned i = 0; t->dpgs && i < t->n_dpgs; i++)
		free(t->dpgs[i].dps);
	for (unsigned i = 0; t->stage_pool && i < t->n_stages; i++)
		free(t->stage_pool[i].name);
	free_sets(t->asets, t->n_asets);
	free_sets(t->pgs, t->n_pgs);
	free(t->dps);
	free(t->ports);
	free(t->mcs);
	free(t->dpgs);
	free(t->stage_pool);
	free(t->nodes);
	struct hmap *maps[] = {&t->dp_by_uuid, &t->dp_by_key,   &t->dp_by_name,
			       &t->port_by_name, &t->port_by_key, &t->mc_by_name,
			       &t->aset_by_name, &t->pg_by_name,  &t->dpg_by_uuid,
			       &t->stages};
	for (unsigned i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		hmap_destroy(maps[i]);
	free(t);
}

const struct lt_stats *ltopo_stats(const struct ltopo *t)
{
	return &t->stats;
}

unsigned ltopo_n_ports(const struct ltopo *t)
{
	return t->n_ports;
}

const struct lt_port *ltopo_port_at(const struct ltopo *t, unsigned i)
{
	return i < t->n_ports ? &t->ports[i] : NULL;
}

unsigned ltopo_n_datapaths(const struct ltopo *t)
{
	return t->n_dps;
}

const struct lt_datapath *ltopo_dp_at(const struct ltopo *t, unsigned i)
{
	return i < t->n_dps ? &t->dps[i] : NULL;
}

unsigned ltopo_n_mcgroups(const struct ltopo *t)
{
	return t->n_mcs;
}

const struct lt_mcgroup *ltopo_mcgroup_at(const struct ltopo *t, unsigned i)
{
	return i < t->n_mcs ? &t->mcs[i] : NULL;
}
