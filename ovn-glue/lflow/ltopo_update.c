/* SPDX-License-Identifier: Apache-2.0 */
/* The replica's rows into the logical topology (see ltopo.h): all of them (a rebuild), or
 * only the tracked ones, each compared with what it produced before so that a row whose
 * columns of interest did not change (Port_Binding.up, northd's nb_cfg bookkeeping, ...)
 * changes nothing and is not reported. */
#include "ltopo_int.h"

#include "sb/sb_tables.h"

#include <stdlib.h>
#include <string.h>

/* The columns read, by table (-1: the server has no such column). */
struct cols {
	int dp_key, dp_ext;
	int pb_name, pb_key, pb_dp, pb_type, pb_opts, pb_tag, pb_ch, pb_mac, pb_psec;
	int mc_dp, mc_name, mc_key, mc_ports;
	int as_name, as_addrs, pg_name, pg_ports;
	int dg_dps;
	int lf_ext, lf_pipe, lf_table, lf_dp, lf_dpg;
	bool all; /* every row, whatever its tracking says */
};

struct tabs {
	const struct sb_table *dp, *pb, *mc, *as, *pg, *dg, *lf;
};

static void get_cols(const struct tabs *tb, struct cols *c)
{
	c->dp_key = sb_table_col(tb->dp, "tunnel_key");
	c->dp_ext = sb_table_col(tb->dp, "external_ids");
	c->pb_name = sb_table_col(tb->pb, "logical_port");
	c->pb_key = sb_table_col(tb->pb, "tunnel_key");
	c->pb_dp = sb_table_col(tb->pb, "datapath");
	c->pb_type = sb_table_col(tb->pb, "type");
	c->pb_opts = sb_table_col(tb->pb, "options");
	c->pb_tag = sb_table_col(tb->pb, "tag");
	c->pb_ch = sb_table_col(tb->pb, "chassis");
	c->pb_mac = sb_table_col(tb->pb, "mac");
	c->pb_psec = sb_table_col(tb->pb, "port_security");
	c->mc_dp = sb_table_col(tb->mc, "datapath");
	c->mc_name = sb_table_col(tb->mc, "name");
	c->mc_key = sb_table_col(tb->mc, "tunnel_key");
	c->mc_ports = sb_table_col(tb->mc, "ports");
	c->as_name = sb_table_col(tb->as, "name");
	c->as_addrs = sb_table_col(tb->as, "addresses");
	c->pg_name = sb_table_col(tb->pg, "name");
	c->pg_ports = sb_table_col(tb->pg, "ports");
	c->dg_dps = sb_table_col(tb->dg, "datapaths");
	c->lf_ext = sb_table_col(tb->lf, "external_ids");
	c->lf_pipe = sb_table_col(tb->lf, "pipeline");
	c->lf_table = sb_table_col(tb->lf, "table_id");
	c->lf_dp = sb_table_col(tb->lf, "logical_datapath");
	c->lf_dpg = sb_table_col(tb->lf, "logical_dp_group");
}

/* Inserted, or modified in one of the n columns (or every row is wanted). */
static bool relevant(const struct sb_row *row, const struct cols *c, const int *cols, unsigned n)
{
	if (c->all || sb_row_change(row) != SB_MODIFIED)
		return true;
	for (unsigned i = 0; i < n; i++)
		if (cols[i] >= 0 && sb_row_col_changed(row, cols[i]))
			return true;
	return false;
}

static void changed(struct ltopo *t)
{
	if (t->ch)
		t->ch->any = true;
}

/* ---- datapaths ---- */

static void dp_read(const struct sb_row *r, const struct cols *c, int64_t *key, const char **name,
		    enum lt_dp_kind *kind, char buf[OVS_UUID_LEN + 1])
{
	const struct ovs_datum *ext = sb_row_get(r, c->dp_ext);
	*key = ovs_datum_int(sb_row_get(r, c->dp_key), 0);
	*name = ovs_datum_map_get(ext, "name");
	if (*name == NULL) {
		ovs_uuid_to_string(&r->uuid, buf);
		*name = buf;
	}
	*kind = ovs_datum_map_get(ext, "logical-router")   ? LT_DP_ROUTER
		: ovs_datum_map_get(ext, "logical-switch") ? LT_DP_SWITCH
							   : LT_DP_UNKNOWN;
}

static void dp_insert(struct ltopo *t, const struct sb_row *r, const struct cols *c)
{
	char buf[OVS_UUID_LEN + 1];
	const char *name;
	enum lt_dp_kind kind;
	int64_t key;
	dp_read(r, c, &key, &name, &kind, buf);
	lt_dp_add(t, &r->uuid, key, name, kind);
}

/* Can the tracked datapath rows be applied without a rebuild (only insertions, or changes
 * that change nothing)? */
static bool dps_incremental(const struct ltopo *t, const struct sb_table *tb, const struct cols *c)
{
	const int cols[] = {c->dp_key, c->dp_ext};
	for (const struct sb_row *r = sb_table_tracked_first(tb); r; r = sb_row_tracked_next(r)) {
		const struct lt_datapath *d;
		char buf[OVS_UUID_LEN + 1];
		const char *name;
		enum lt_dp_kind kind;
		int64_t key;
		if (sb_row_change(r) == SB_INSERTED || !relevant(r, c, cols, 2))
			continue;
		if (sb_row_change(r) == SB_DELETED || (d = ltopo_dp_by_uuid(t, &r->uuid)) == NULL)
			return false;
		dp_read(r, c, &key, &name, &kind, buf);
		if (d->key != key || d->kind != kind || strcmp(d->name, name) != 0)
			return false;
	}
	return true;
}

/* ---- datapath groups ---- */

/* Members, resolved; NULL when out of memory. Unknown datapaths are counted dangling. */
static struct lt_dpg *dpg_read(struct ltopo *t, const struct sb_row *r, const struct cols *c)
{
	const struct ovs_datum *d = sb_row_get(r, c->dg_dps);
	struct lt_dpg *g = calloc(1, sizeof(*g));
	if (g == NULL || (g->dps = calloc(d && d->n ? d->n : 1, sizeof(*g->dps))) == NULL) {
		free(g);
		lt_fail(t);
		return NULL;
	}
	g->uuid = r->uuid;
	for (unsigned i = 0; d && i < d->n; i++) {
		const struct lt_datapath *dp = ltopo_dp_by_uuid(t, &d->keys[i].uuid);
		if (dp)
			g->dps[g->n++] = dp;
		else
			t->dangling_refs++;
	}
	g->kind = g->n ? g->dps[0]->kind : LT_DP_UNKNOWN;
	return g;
}

static void dpg_apply(struct ltopo *t, const struct sb_row *r, const struct cols *c)
{
	struct lt_dpg *old = lt_dpg_find(t, &r->uuid), *g;
	if (sb_row_change(r) == SB_DELETED) {
		if (old) {
			lt_dpg_remove(t, old);
			changed(t);
		}
		return;
	}
	if (!relevant(r, c, &c->dg_dps, 1) || (g = dpg_read(t, r, c)) == NULL)
		return;
	if (old) {
		if (old->n == g->n && memcmp(old->dps, g->dps, g->n * sizeof(*g->dps)) == 0) {
			free(g->dps);
			free(g);
			return;
		}
		if (old->kind != g->kind)
			lt_fail(t); /* its flows' stages change kind: rebuild */
		lt_dpg_remove(t, old);
		lt_note_dpg(t, &r->uuid);
	}
	hmap_insert(&t->dpg_by_uuid, &g->node, ovs_uuid_hash(&g->uuid));
	changed(t);
}

/* ---- ports ---- */

static char **dup_strings(const struct ovs_datum *d, unsigned *n)
{
	char **a;
	*n = 0;
	if (d == NULL || d->n == 0 || (a = calloc(d->n, sizeof(char *))) == NULL)
		return NULL;
	for (unsigned i = 0; i < d->n; i++)
		if ((a[*n] = strdup(d->keys[i].string)) != NULL)
			(*n)++;
	return a;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The port of a row; false if its datapath is unknown (counted dangling). */
static bool port_read(struct ltopo *t, const struct sb_row *r, const struct cols *c,
		      struct lt_port *p)
{
	const struct ovs_uuid *dpu = ovs_datum_uuid(sb_row_get(r, c->pb_dp));
	const struct ovs_uuid *ch = ovs_datum_uuid(sb_row_get(r, c->pb_ch));
	const struct ovs_datum *opts = sb_row_get(r, c->pb_opts);
	const char *name = ovs_datum_str(sb_row_get(r, c->pb_name));
	const char *type = ovs_datum_str(sb_row_get(r, c->pb_type));

	memset(p, 0, sizeof(*p));
	p->dp = dpu ? ltopo_dp_by_uuid(t, dpu) : NULL;
	if (p->dp == NULL) {
		t->dangling_refs++;
		return false;
	}
	p->name = strdup(name ? name : "");
	p->key = ovs_datum_int(sb_row_get(r, c->pb_key), 0);
	p->type = strdup(type ? type : "");
	p->peer = dup_or_null(ovs_datum_map_get(opts, "peer"));
	p->network = dup_or_null(ovs_datum_map_get(opts, "network_name"));
	p->tag = ovs_datum_int(sb_row_get(r, c->pb_tag), -1);
	if (ch)
		p->chassis = *ch;
	p->macs = dup_strings(sb_row_get(r, c->pb_mac), &p->n_macs);
	p->port_security = dup_strings(sb_row_get(r, c->pb_psec), &p->n_port_security);
	if (p->name == NULL || p->type == NULL)
		lt_fail(t);
	return true;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool strs_eq(char *const *a, unsigned na, char *const *b, unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool port_eq(const struct lt_port *a, const struct lt_port *b)
{
	return a->dp == b->dp && a->key == b->key && a->tag == b->tag &&
	       ovs_uuid_equal(&a->chassis, &b->chassis) && str_eq(a->name, b->name) &&
	       str_eq(a->type, b->type) && str_eq(a->peer, b->peer) &&
	       str_eq(a->network, b->network) && strs_eq(a->macs, a->n_macs, b->macs, b->n_macs) &&
	       strs_eq(a->port_security, a->n_port_security, b->port_security, b->n_port_security);
}

static void port_apply(struct ltopo *t, const struct sb_row *r, const struct cols *c)
{
	const int cols[] = {c->pb_name, c->pb_key, c->pb_dp,  c->pb_type, c->pb_opts,
			    c->pb_tag,	c->pb_ch,  c->pb_mac, c->pb_psec};
	struct lt_port_node *n = lt_port_find_uuid(t, &r->uuid);
	struct lt_port p, *cur;

	if (sb_row_change(r) == SB_DELETED) {
		if (n) {
			lt_port_remove(t, n);
			changed(t);
		}
		return;
	}
	if (!relevant(r, c, cols, sizeof(cols) / sizeof(cols[0])) || !port_read(t, r, c, &p))
		return;
	if (n) {
		cur = &t->ports[n->idx];
		if (port_eq(cur, &p)) {
			lt_port_clear(&p);
			return;
		}
		changed(t);
		if (cur->dp == p.dp && cur->key == p.key && strcmp(cur->name, p.name) == 0) {
			lt_port_clear(cur); /* same place in every index: replaced in place */
			*cur = p;
			return;
		}
		lt_port_remove(t, n);
	}
	changed(t);
	lt_port_add(t, &r->uuid, &p);
}

/* ---- multicast groups ---- */

static void mc_apply(struct ltopo *t, const struct sb_row *r, const struct cols *c)
{
	const int cols[] = {c->mc_dp, c->mc_name, c->mc_key, c->mc_ports};
	struct lt_mc_node *m = lt_mc_find_uuid(t, &r->uuid);
	const struct ovs_uuid *dpu;
	const struct lt_datapath *dp;
	const struct ovs_datum *ps;
	const char *name;
	struct ovs_uuid *members;
	int64_t key;

	if (sb_row_change(r) == SB_DELETED) {
		if (m) {
			lt_mc_remove(t, m);
			changed(t);
		}
		return;
	}
	if (!relevant(r, c, cols, 4))
		return;
	dpu = ovs_datum_uuid(sb_row_get(r, c->mc_dp));
	if ((dp = dpu ? ltopo_dp_by_uuid(t, dpu) : NULL) == NULL) {
		t->dangling_refs++;
		return;
	}
	name = ovs_datum_str(sb_row_get(r, c->mc_name));
	name = name ? name : "";
	key = ovs_datum_int(sb_row_get(r, c->mc_key), 0);
	ps = sb_row_get(r, c->mc_ports);
	members = calloc(ps && ps->n ? ps->n : 1, sizeof(*members));
	if (members == NULL) {
		lt_fail(t);
		return;
	}
	for (unsigned i = 0; ps && i < ps->n; i++)
		members[i] = ps->keys[i].uuid;
	if (m && m->pub.dp == dp && m->pub.key == key && strcmp(m->pub.name, name) == 0 &&
	    m->n_members == (ps ? ps->n : 0) &&
	    memcmp(m->members, members, m->n_members * sizeof(*members)) == 0) {
		free(members);
		return;
	}
	if (m)
		lt_mc_remove(t, m);
	lt_mc_add(t, &r->uuid, dp, name, key, members, ps ? ps->n : 0);
	free(members);
	changed(t);
}

/* ---- address sets and port groups ---- */

struct set_kind {
	char sigil;
	struct hmap *by_uuid, *by_name;
	uint32_t basis;
	int name_col, items_col;
	const struct cols *c;
};

static bool set_eq(const struct lt_set *s, const char *name, const struct ovs_datum *items)
{
	unsigned n = items ? items->n : 0;
	if (strcmp(s->name, name) != 0 || s->n != n)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (strcmp(s->items[i], items->keys[i].string) != 0)
			return false;
	return true;
}

static void set_apply(struct ltopo *t, const struct sb_row *r, const struct set_kind *k)
{
	const int cols[] = {k->name_col, k->items_col};
	struct lt_set_node *s = lt_set_find_uuid(k->by_uuid, &r->uuid);
	const struct ovs_datum *items;
	const char *name;

	if (sb_row_change(r) == SB_DELETED) {
		if (s) {
			lt_note_set(t, k->sigil, s->pub.name);
			lt_set_remove(k->by_uuid, k->by_name, s);
		}
		return;
	}
	if (!relevant(r, k->c, cols, 2))
		return;
	name = ovs_datum_str(sb_row_get(r, k->name_col));
	name = name ? name : "";
	items = sb_row_get(r, k->items_col);
	if (s && k->sigil == '$' && strcmp(s->pub.name, name) == 0) {
		int m = lt_set_modify(t, s, items);
		if (m == 0)
			return;
		if (m > 0) {
			lt_note_set(t, k->sigil, name);
			return;
		}
	}
	if (s) {
		if (set_eq(&s->pub, name, items))
			return;
		if (strcmp(s->pub.name, name) != 0)
			lt_note_set(t, k->sigil, s->pub.name);
		lt_set_remove(k->by_uuid, k->by_name, s);
	}
	lt_note_set(t, k->sigil, name);
	lt_set_add(t, k->by_uuid, k->by_name, k->basis, &r->uuid, name, items);
}

/* ---- flows (their stage names) ---- */

static void flow_apply(struct ltopo *t, const struct sb_row *r, const struct cols *c)
{
	const int cols[] = {c->lf_ext, c->lf_pipe, c->lf_table, c->lf_dp, c->lf_dpg};
	const struct ovs_uuid *dpu, *dgu;
	const struct lt_datapath *d = NULL;
	const struct lt_frec *old;
	const char *name, *pipe;
	enum lt_dp_kind kind = LT_DP_UNKNOWN;
	bool egress, dangling = false;
	int table;

	if (sb_row_change(r) == SB_DELETED) {
		lt_flow_remove(t, &r->uuid);
		return;
	}
	if (!relevant(r, c, cols, 5))
		return;
	name = ovs_datum_map_get(sb_row_get(r, c->lf_ext), "stage-name");
	pipe = ovs_datum_str(sb_row_get(r, c->lf_pipe));
	egress = pipe && strcmp(pipe, "egress") == 0;
	table = (int)ovs_datum_int(sb_row_get(r, c->lf_table), -1);
	dpu = ovs_datum_uuid(sb_row_get(r, c->lf_dp));
	dgu = ovs_datum_uuid(sb_row_get(r, c->lf_dpg));
	if (dpu && (d = ltopo_dp_by_uuid(t, dpu)) != NULL) {
		kind = d->kind;
	} else if (dgu && !dpu) {
		const struct lt_dpg *g = lt_dpg_find(t, dgu);
		kind = g ? g->kind : LT_DP_UNKNOWN;
		dangling = g == NULL;
	} else {
		dangling = true;
	}
	old = lt_flow_find(t, &r->uuid);
	if (old && old->table == table && old->dangling == dangling &&
	    (old->st ? name && old->st->egress == egress && old->st->kind == kind &&
			   strcmp(old->st->name, name) == 0
		     : name == NULL))
		return;
	if (old)
		lt_flow_remove(t, &r->uuid);
	lt_flow_add(t, &r->uuid, egress, kind, name, table, dangling);
}

/* ---- the update ---- */

static void get_tabs(const struct sb_replica *r, struct tabs *tb)
{
	tb->dp = sb_replica_table(r, SB_DATAPATH_BINDING);
	tb->pb = sb_replica_table(r, SB_PORT_BINDING);
	tb->mc = sb_replica_table(r, SB_MULTICAST_GROUP);
	tb->as = sb_replica_table(r, SB_ADDRESS_SET);
	tb->pg = sb_replica_table(r, SB_PORT_GROUP);
	tb->dg = sb_replica_table(r, SB_LOGICAL_DP_GROUP);
	tb->lf = sb_replica_table(r, SB_LOGICAL_FLOW);
}

typedef void (*apply_fn)(struct ltopo *t, const struct sb_row *r, const struct cols *c);

/* Every row (all) or the tracked ones, deletions first. */
static void each(struct ltopo *t, const struct sb_table *tb, bool all, apply_fn fn,
		 const struct cols *c)
{
	if (tb == NULL)
		return;
	if (all) {
		for (const struct sb_row *r = sb_table_first(tb); r; r = sb_table_next(r))
			fn(t, r, c);
		return;
	}
	for (int pass = 0; pass < 2; pass++)
		for (const struct sb_row *r = sb_table_tracked_first(tb); r;
		     r = sb_row_tracked_next(r))
			if ((sb_row_change(r) == SB_DELETED) == (pass == 0))
				fn(t, r, c);
}

static const struct set_kind *set_kinds(struct ltopo *t, const struct cols *c, struct set_kind k[2])
{
	k[0] = (struct set_kind){
	    '$', &t->aset_by_uuid, &t->aset_by_name, 3, c->as_name, c->as_addrs, c};
	k[1] =
	    (struct set_kind){'@', &t->pg_by_uuid, &t->pg_by_name, 4, c->pg_name, c->pg_ports, c};
	return k;
}

static void sets_each(struct ltopo *t, const struct sb_table *tb, bool all,
		      const struct set_kind *k)
{
	if (tb == NULL)
		return;
	if (all) {
		for (const struct sb_row *r = sb_table_first(tb); r; r = sb_table_next(r))
			set_apply(t, r, k);
		return;
	}
	for (int pass = 0; pass < 2; pass++)
		for (const struct sb_row *r = sb_table_tracked_first(tb); r;
		     r = sb_row_tracked_next(r))
			if ((sb_row_change(r) == SB_DELETED) == (pass == 0))
				set_apply(t, r, k);
}

static void apply(struct ltopo *t, const struct tabs *tb, struct cols *c, bool all)
{
	struct set_kind k[2];
	c->all = all;
	if (all) {
		each(t, tb->dp, true, dp_insert, c);
	} else {
		for (const struct sb_row *r = tb->dp ? sb_table_tracked_first(tb->dp) : NULL; r;
		     r = sb_row_tracked_next(r))
			if (sb_row_change(r) == SB_INSERTED) {
				dp_insert(t, r, c);
				if (t->ch)
					t->ch->dps_added++;
				changed(t);
			}
	}
	each(t, tb->dg, all, dpg_apply, c);
	each(t, tb->pb, all, port_apply, c);
	each(t, tb->mc, all, mc_apply, c);
	set_kinds(t, c, k);
	sets_each(t, tb->as, all, &k[0]);
	sets_each(t, tb->pg, all, &k[1]);
	each(t, tb->lf, all, flow_apply, c);
	lt_slots_settle(t);
}

static unsigned dangling_members(const struct ltopo *t)
{
	unsigned n = 0;
	for (unsigned i = 0; i < t->n_mcs; i++)
		n += t->mcs[i]->n_members - t->mcs[i]->pub.n_ports;
	return n;
}

static void rebuild(struct ltopo *t, const struct tabs *tb, struct cols *c)
{
	struct lt_changes *ch = t->ch;
	t->ch = NULL; /* everything changed: nothing to list */
	lt_clear(t);
	apply(t, tb, c, true);
	t->ch = ch;
	if (ch) {
		ch->rebuilt = ch->any = true;
		/* the records of sets modified before the rebuild borrowed the kept members'
		 * strings from sets now gone: dropped (the removed ones stay, to be freed) */
		for (unsigned i = 0; i < ch->n_old_sets; i++) {
			free(ch->old_sets[i].items);
			free(ch->old_sets[i].name);
		}
		free(ch->old_sets);
		ch->old_sets = NULL;
		ch->n_old_sets = 0;
	}
}

void ltopo_update(struct ltopo *t, const struct sb_replica *r, bool full, struct lt_changes *ch)
{
	struct tabs tb;
	struct cols c;

	get_tabs(r, &tb);
	get_cols(&tb, &c);
	c.all = false;
	/* kept across rebuilds (lt_clear zeroes the stats) */
	unsigned rebuilds = t->stats.rebuilds, forced = t->stats.forced_rebuilds;
	bool whole = full, forced_now = false;

	t->ch = ch;
	if (!whole &&
	    (t->broken || t->stats.dangling > 0 || (tb.dp && !dps_incremental(t, tb.dp, &c))))
		whole = forced_now = true;
	if (!whole) {
		apply(t, &tb, &c, false);
		/* something could not be applied row by row: start again from every row */
		if (t->broken || t->dangling_refs > 0 || dangling_members(t) > 0)
			whole = forced_now = true;
	}
	if (whole)
		rebuild(t, &tb, &c);
	t->stats.rebuilds = rebuilds + whole;
	t->stats.forced_rebuilds = forced + forced_now;
	t->ch = NULL;
	t->stats.datapaths = t->n_dps;
	t->stats.ports = t->n_ports;
	t->stats.mcgroups = t->n_mcs;
	t->stats.address_sets = (unsigned)hmap_count(&t->aset_by_uuid);
	t->stats.port_groups = (unsigned)hmap_count(&t->pg_by_uuid);
	t->stats.dp_groups = (unsigned)hmap_count(&t->dpg_by_uuid);
	t->stats.dangling = t->dangling_refs + dangling_members(t);
}

struct ltopo *ltopo_build(const struct sb_replica *r)
{
	struct ltopo *t = ltopo_new();
	if (t == NULL)
		return NULL;
	ltopo_update(t, r, true, NULL);
	if (t->broken) {
		ltopo_free(t);
		return NULL;
	}
	return t;
}
