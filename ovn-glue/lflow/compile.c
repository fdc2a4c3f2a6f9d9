/* SPDX-License-Identifier: Apache-2.0 */
/* The compiler driver (see compile.h). */
#include "lflow/compile.h"

#include "ovsdb/hmap.h"
#include "sb/sb_tables.h"

#include <brint/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct flow_node {
	struct hnode node; /* by uuid */
	struct lfc_flow f;
	struct ovs_uuid dp;  /* logical_datapath, or zero */
	struct ovs_uuid dpg; /* logical_dp_group, or zero */
	char **refs;         /* "$address_set" and "@port_group" names the match used (or tried) */
	unsigned n_refs;
};

struct compile_ctx {
	const struct ltopo *topo;
	struct flow_node *n;
	enum lt_dp_kind kind; /* of the flow's datapath(s) */
	const struct ovs_uuid *dp, *dpg;
	char ***arrays;       /* member arrays of per-datapath port groups, freed after the flow */
	size_t n_arrays;
};

/* For the action parser: `next` targets are named by stage, never just numbered. */
static const char *stage_name_cb(const void *aux, enum lflow_pipeline p, int table)
{
	const struct compile_ctx *cc = aux;
	return ltopo_stage_name(cc->topo, p == LFLOW_P_EGRESS, cc->kind, table);
}

static enum lt_dp_kind row_kind(const struct ltopo *t, const struct ovs_uuid *dp,
				const struct ovs_uuid *dpg)
{
	const struct lt_datapath *d = dp ? ltopo_dp_by_uuid(t, dp) : NULL;
	if (d == NULL && dpg) {
		unsigned n;
		const struct lt_datapath *const *dps = ltopo_dp_group(t, dpg, &n);
		d = n ? dps[0] : NULL;
	}
	return d ? d->kind : LT_DP_UNKNOWN;
}

struct stage_list {
	struct hnode node;
	int64_t dp_key;
	bool egress;
	const char *stage; /* the first flow's string */
	unsigned n, cap;
	const struct lfc_flow **flows;
};

struct lfc {
	struct hmap flows;  /* flow_node by uuid */
	struct hmap stages; /* stage_list by (dp_key, egress, stage) */
	struct ltopo *topo;
	uint64_t replica_gen;
	bool have_replica_gen;
	struct lfc_stats stats;
};

struct lfc *lfc_new(void)
{
	struct lfc *c = calloc(1, sizeof(*c));
	if (c) {
		hmap_init(&c->flows);
		hmap_init(&c->stages);
	}
	return c;
}

static void flow_clear(struct lfc_flow *f)
{
	free(f->stage);
	free(f->match_text);
	free(f->actions_text);
	free(f->skip_reason);
	lf_match_free(&f->match);
	lflow_prog_free(f->prog);
	memset(f, 0, sizeof(*f));
}

static void clear_stages(struct lfc *c)
{
	struct hnode *x = hmap_first(&c->stages);
	while (x) {
		struct hnode *next = hmap_next(&c->stages, x);
		struct stage_list *s = container_of(x, struct stage_list, node);
		hmap_remove(&c->stages, x);
		free(s->flows);
		free(s);
		x = next;
	}
}

static void clear_refs(struct flow_node *n)
{
	for (unsigned i = 0; i < n->n_refs; i++)
		free(n->refs[i]);
	free(n->refs);
	n->refs = NULL;
	n->n_refs = 0;
}

static void add_ref(struct flow_node *n, char sigil, const char *name)
{
	char **r = realloc(n->refs, (n->n_refs + 1) * sizeof(*r));
	size_t len = strlen(name) + 2;
	if (r == NULL)
		return;
	n->refs = r;
	if ((r[n->n_refs] = malloc(len)) == NULL)
		return;
	snprintf(r[n->n_refs], len, "%c%s", sigil, name);
	n->n_refs++;
}

static void remove_flow(struct lfc *c, struct flow_node *n)
{
	hmap_remove(&c->flows, &n->node);
	flow_clear(&n->f);
	clear_refs(n);
	free(n);
}

static void clear_flows(struct lfc *c)
{
	struct hnode *x = hmap_first(&c->flows);
	while (x) {
		struct hnode *next = hmap_next(&c->flows, x);
		remove_flow(c, container_of(x, struct flow_node, node));
		x = next;
	}
}

void lfc_free(struct lfc *c)
{
	if (c == NULL)
		return;
	clear_stages(c);
	clear_flows(c);
	hmap_destroy(&c->stages);
	hmap_destroy(&c->flows);
	ltopo_free(c->topo);
	free(c);
}

static struct flow_node *find_flow(const struct lfc *c, const struct ovs_uuid *u)
{
	for (struct hnode *x = hmap_first_with_hash(&c->flows, ovs_uuid_hash(u)); x;
	     x = hmap_next_with_hash(x)) {
		struct flow_node *n = container_of(x, struct flow_node, node);
		if (ovs_uuid_equal(&n->f.uuid, u))
			return n;
	}
	return NULL;
}

static int lookup_set(const struct lt_set *s, const char *const **members, size_t *n)
{
	if (s == NULL)
		return -1;
	*members = (const char *const *)s->items;
	*n = s->n;
	return 0;
}

/* Lookups for the match parser; each records the name, so a change to the set (or its
 * appearance, for a flow skipped because it was missing) recompiles this flow. */
static int ctx_addr_set(void *arg, const char *name, const char *const **m, size_t *n)
{
	struct compile_ctx *cc = arg;
	add_ref(cc->n, '$', name);
	return lookup_set(ltopo_address_set(cc->topo, name), m, n);
}

/* Since OVN 22.12 northd writes a port group once per datapath that has its ports, named
 * "<datapath tunnel key>_<name>" in the SB: a flow's @name is the union of those of its
 * datapaths (port names are global). A bare SB name (older northd) is taken as is. */
static int ctx_port_group(void *arg, const char *name, const char *const **m, size_t *n)
{
	struct compile_ctx *cc = arg;
	const struct lt_set *bare = ltopo_port_group(cc->topo, name);
	const struct lt_datapath *one = cc->dp ? ltopo_dp_by_uuid(cc->topo, cc->dp) : NULL;
	const struct lt_datapath *const *dps = &one;
	unsigned n_dps = one ? 1 : 0;
	bool found = false;

	add_ref(cc->n, '@', name);
	if (bare)
		return lookup_set(bare, m, n);
	if (one == NULL && cc->dpg)
		dps = ltopo_dp_group(cc->topo, cc->dpg, &n_dps);
	char **members = NULL, ***arrays;
	size_t count = 0;
	for (unsigned d = 0; dps && d < n_dps; d++) {
		char sbname[512];
		const struct lt_set *s;
		char **grown;
		snprintf(sbname, sizeof(sbname), "%lld_%s", (long long)dps[d]->key, name);
		add_ref(cc->n, '@', sbname);
		if ((s = ltopo_port_group(cc->topo, sbname)) == NULL)
			continue;
		found = true;
		grown = realloc(members, (count + s->n + 1) * sizeof(char *));
		if (grown == NULL) {
			free(members);
			return -1;
		}
		members = grown;
		for (unsigned i = 0; i < s->n; i++)
			members[count++] = s->items[i]; /* strings owned by the topology */
	}
	arrays = found ? realloc(cc->arrays, (cc->n_arrays + 1) * sizeof(*arrays)) : NULL;
	if (arrays == NULL) {
		free(members);
		return -1;
	}
	cc->arrays = arrays;
	cc->arrays[cc->n_arrays++] = members;
	*m = (const char *const *)members;
	*n = count;
	return 0;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static void skip(struct lfc_flow *f, const char *what, const char *err, size_t pos)
{
	char buf[512];
	char u[OVS_UUID_LEN + 1];
	snprintf(buf, sizeof(buf), "%s: %s (at byte %zu)", what, err ? err : "error", pos);
	f->skip_reason = strdup(buf);
	ovs_uuid_to_string(&f->uuid, u);
	LOG_RL(BRINT_LOG_WARN, "lflow", "flow %s (%s, priority %d) skipped: %s", u,
	       f->stage ? f->stage : "?", f->priority, buf);
}

static void compile_row_ctx(struct lfc *c, struct flow_node *n, const struct sb_row *row,
			    struct compile_ctx *ccp);

/* Compile one Logical_Flow row into n (whose previous contents are gone). */
static void compile_row(struct lfc *c, struct flow_node *n, const struct sb_row *row)
{
	const struct ovs_uuid *dp = ovs_datum_uuid(sb_row_col(row, "logical_datapath"));
	const struct ovs_uuid *dpg = ovs_datum_uuid(sb_row_col(row, "logical_dp_group"));
	struct compile_ctx cc = {c->topo, n, row_kind(c->topo, dp, dpg), dp, dpg, NULL, 0};

	compile_row_ctx(c, n, row, &cc);
	for (size_t i = 0; i < cc.n_arrays; i++)
		free(cc.arrays[i]);
	free(cc.arrays);
}

static void compile_row_ctx(struct lfc *c, struct flow_node *n, const struct sb_row *row,
			    struct compile_ctx *ccp)
{
	struct lfc_flow *f = &n->f;
	const char *pipe = ovs_datum_str(sb_row_col(row, "pipeline"));
	const char *stage = ovs_datum_map_get(sb_row_col(row, "external_ids"), "stage-name");
	const struct ovs_uuid *dp = ccp->dp, *dpg = ccp->dpg;
	struct lflow_act_params pp;
	struct lf_expr_ctx ctx = {ctx_addr_set, ctx_port_group, ccp};
	char *err = NULL, *text;
	size_t pos = 0;

	clear_refs(n);
	f->uuid = row->uuid;
	f->egress = pipe && strcmp(pipe, "egress") == 0;
	f->stage = stage ? strdup(stage) : NULL;
	f->table = (int)ovs_datum_int(sb_row_col(row, "table_id"), -1);
	f->priority = (int)ovs_datum_int(sb_row_col(row, "priority"), 0);
	f->match_text = dup_or_empty(ovs_datum_str(sb_row_col(row, "match")));
	f->actions_text = dup_or_empty(ovs_datum_str(sb_row_col(row, "actions")));
	memset(&n->dp, 0, sizeof(n->dp));
	memset(&n->dpg, 0, sizeof(n->dpg));
	if (dp)
		n->dp = *dp;
	if (dpg)
		n->dpg = *dpg;

	if (stage == NULL) {
		skip(f, "stage", "no external_ids:stage-name", 0);
		return;
	}
	pp = (struct lflow_act_params){.pipeline = f->egress ? LFLOW_P_EGRESS : LFLOW_P_INGRESS,
				       .cur_table = f->table,
				       .stage_name = stage_name_cb,
				       .aux = ccp};
	f->prog = lflow_act_parse(f->actions_text, &pp, &err, &pos);
	if (f->prog == NULL) {
		skip(f, "actions", err, pos);
		free(err);
		return;
	}
	if (f->prog->prereqs && f->prog->prereqs[0]) {
		size_t len = strlen(f->match_text) + strlen(f->prog->prereqs) + 16;
		text = malloc(len);
		if (text)
			snprintf(text, len, "(%s) && (%s)", f->match_text, f->prog->prereqs);
	} else {
		text = strdup(f->match_text);
	}
	if (text == NULL || lf_match_compile(text, &ctx, NULL, &f->match, &err, &pos) < 0) {
		skip(f, "match", text ? err : "out of memory", pos);
		free(err);
		lflow_prog_free(f->prog);
		f->prog = NULL;
	}
	free(text);
}

static uint32_t stage_hash(int64_t dp_key, bool egress, const char *stage)
{
	return hash_string(stage, (uint32_t)dp_key * 2 + egress);
}

static struct stage_list *stage_get(struct lfc *c, int64_t dp_key, bool egress,
				    const char *stage, bool create)
{
	uint32_t h = stage_hash(dp_key, egress, stage);
	struct stage_list *s;
	for (struct hnode *x = hmap_first_with_hash(&c->stages, h); x; x = hmap_next_with_hash(x)) {
		s = container_of(x, struct stage_list, node);
		if (s->dp_key == dp_key && s->egress == egress && strcmp(s->stage, stage) == 0)
			return s;
	}
	if (!create || (s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->dp_key = dp_key;
	s->egress = egress;
	s->stage = stage;
	hmap_insert(&c->stages, &s->node, h);
	return s;
}

static void stage_add(struct lfc *c, int64_t dp_key, const struct lfc_flow *f)
{
	struct stage_list *s = stage_get(c, dp_key, f->egress, f->stage, true);
	if (s == NULL)
		return;
	if (s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 8;
		const struct lfc_flow **nf = realloc(s->flows, cap * sizeof(*nf));
		if (nf == NULL)
			return;
		s->flows = nf;
		s->cap = cap;
	}
	s->flows[s->n++] = f;
}

static int by_priority(const void *a, const void *b)
{
	const struct lfc_flow *x = *(const struct lfc_flow *const *)a;
	const struct lfc_flow *y = *(const struct lfc_flow *const *)b;
	if (x->priority != y->priority)
		return y->priority - x->priority;
	return memcmp(&x->uuid, &y->uuid, sizeof(x->uuid)); /* stable across rebuilds */
}

static void rebuild_stages(struct lfc *c)
{
	clear_stages(c);
	c->stats.flows = c->stats.compiled = c->stats.skipped = c->stats.rules = 0;
	for (struct hnode *x = hmap_first(&c->flows); x; x = hmap_next(&c->flows, x)) {
		struct flow_node *n = container_of(x, struct flow_node, node);
		const struct lfc_flow *f = &n->f;
		c->stats.flows++;
		if (f->skip_reason) {
			c->stats.skipped++;
		} else {
			c->stats.compiled++;
			c->stats.rules += (unsigned)f->match.n;
		}
		if (f->stage == NULL)
			continue;
		if (!ovs_uuid_is_zero(&n->dp)) {
			const struct lt_datapath *d = ltopo_dp_by_uuid(c->topo, &n->dp);
			if (d)
				stage_add(c, d->key, f);
		} else if (!ovs_uuid_is_zero(&n->dpg)) {
			unsigned k;
			const struct lt_datapath *const *dps = ltopo_dp_group(c->topo, &n->dpg, &k);
			for (unsigned i = 0; dps && i < k; i++)
				stage_add(c, dps[i]->key, f);
		}
	}
	for (struct hnode *x = hmap_first(&c->stages); x; x = hmap_next(&c->stages, x)) {
		struct stage_list *s = container_of(x, struct stage_list, node);
		qsort(s->flows, s->n, sizeof(*s->flows), by_priority);
	}
}

static bool table_touched(const struct sb_replica *r, unsigned id)
{
	const struct sb_table *t = sb_replica_table(r, id);
	return t && sb_table_tracked_first(t) != NULL;
}

/* Names ("$x", "@y") of the address sets and port groups changed since the last ack. */
static unsigned changed_sets(const struct sb_replica *r, char ***out)
{
	static const struct {
		unsigned table;
		char sigil;
	} src[] = {{SB_ADDRESS_SET, '$'}, {SB_PORT_GROUP, '@'}};
	unsigned n = 0;
	*out = NULL;
	for (unsigned k = 0; k < 2; k++) {
		const struct sb_table *t = sb_replica_table(r, src[k].table);
		for (const struct sb_row *row = t ? sb_table_tracked_first(t) : NULL; row;
		     row = sb_row_tracked_next(row)) {
			const char *name = ovs_datum_str(sb_row_col(row, "name"));
			char **o = realloc(*out, (n + 1) * sizeof(*o));
			size_t len;
			if (name == NULL || o == NULL)
				continue;
			*out = o;
			len = strlen(name) + 2;
			if ((o[n] = malloc(len)) == NULL)
				continue;
			snprintf(o[n], len, "%c%s", src[k].sigil, name);
			n++;
		}
	}
	return n;
}

/* Recompile the flows whose match used a changed address set or port group. */
static unsigned recompile_set_users(struct lfc *c, const struct sb_replica *r,
				    const struct sb_table *lf)
{
	char **names;
	unsigned n = changed_sets(r, &names), done = 0;

	for (struct hnode *x = n ? hmap_first(&c->flows) : NULL; x; x = hmap_next(&c->flows, x)) {
		struct flow_node *fn = container_of(x, struct flow_node, node);
		const struct sb_row *row;
		bool uses = false;
		for (unsigned i = 0; i < fn->n_refs && !uses; i++)
			for (unsigned k = 0; k < n && !uses; k++)
				uses = strcmp(fn->refs[i], names[k]) == 0;
		if (!uses || (row = sb_table_find(lf, &fn->f.uuid)) == NULL)
			continue;
		flow_clear(&fn->f);
		compile_row(c, fn, row);
		done++;
	}
	for (unsigned k = 0; k < n; k++)
		free(names[k]);
	free(names);
	return done;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void lfc_update(struct lfc *c, const struct sb_replica *r, bool full)
{
	const struct sb_table *lf = sb_replica_table(r, SB_LOGICAL_FLOW);
	struct ltopo *topo = ltopo_build(r);
	double t0 = now_ms();
	unsigned done = 0;

	if (topo == NULL) {
		LOG_RL(BRINT_LOG_ERR, "lflow", "out of memory building the logical topology");
		return;
	}
	ltopo_free(c->topo);
	c->topo = topo;
	/* datapaths and their groups decide where flows are listed: recompile all (rare); port
	 * names stay symbolic in matches, so port changes need nothing here */
	if (!c->have_replica_gen || c->replica_gen != sb_replica_generation(r) ||
	    table_touched(r, SB_LOGICAL_DP_GROUP) || table_touched(r, SB_DATAPATH_BINDING))
		full = true;
	c->replica_gen = sb_replica_generation(r);
	c->have_replica_gen = true;

	clear_stages(c); /* its lists point at flows about to change */
	if (full) {
		clear_flows(c);
		for (const struct sb_row *row = sb_table_first(lf); row; row = sb_table_next(row)) {
			struct flow_node *n = calloc(1, sizeof(*n));
			if (n == NULL)
				break;
			compile_row(c, n, row);
			hmap_insert(&c->flows, &n->node, ovs_uuid_hash(&n->f.uuid));
			done++;
		}
		c->stats.full_compiles++;
	} else {
		for (const struct sb_row *row = sb_table_tracked_first(lf); row;
		     row = sb_row_tracked_next(row)) {
			struct flow_node *n = find_flow(c, &row->uuid);
			if (sb_row_change(row) == SB_DELETED) {
				if (n)
					remove_flow(c, n);
				continue;
			}
			if (n) {
				flow_clear(&n->f);
			} else {
				n = calloc(1, sizeof(*n));
				if (n == NULL)
					continue;
				hmap_insert(&c->flows, &n->node, ovs_uuid_hash(&row->uuid));
			}
			compile_row(c, n, row);
			done++;
		}
		done += recompile_set_users(c, r, lf);
		c->stats.incremental_compiles++;
	}
	rebuild_stages(c);
	c->stats.generation++;
	c->stats.last_recompiled = done;
	c->stats.total_recompiled += done;
	c->stats.last_ms = now_ms() - t0;
	LOG_INFO("lflow", "generation %llu: %u flows compiled (%s), %u skipped in all, %.1f ms",
		 (unsigned long long)c->stats.generation, done, full ? "full" : "incremental",
		 c->stats.skipped, c->stats.last_ms);
}

const struct lfc_stats *lfc_get_stats(const struct lfc *c)
{
	return &c->stats;
}

const struct ltopo *lfc_topology(const struct lfc *c)
{
	return c->topo;
}

const struct lfc_flow *const *lfc_stage_flows(const struct lfc *c, int64_t dp_key, bool egress,
					       const char *stage, unsigned *n)
{
	struct stage_list *s = stage_get((struct lfc *)c, dp_key, egress, stage, false);
	*n = s ? s->n : 0;
	return s ? s->flows : NULL;
}

json_t *lfc_stats_json(const struct lfc *c)
{
	json_t *o = json_pack("{s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f}", "generation",
			      (json_int_t)c->stats.generation, "flows", c->stats.flows, "compiled",
			      c->stats.compiled, "skipped", c->stats.skipped, "rules",
			      c->stats.rules, "full_compiles", c->stats.full_compiles,
			      "incremental_compiles", c->stats.incremental_compiles,
			      "last_recompiled", c->stats.last_recompiled, "last_ms",
			      c->stats.last_ms);
	json_t *stages = json_array(), *skipped = json_array();

	json_object_set_new(o, "total_recompiled", json_integer((json_int_t)c->stats.total_recompiled));
	for (struct hnode *x = hmap_first(&c->stages); x; x = hmap_next(&c->stages, x)) {
		const struct stage_list *s = container_of(x, struct stage_list, node);
		const struct lt_datapath *d = c->topo ? ltopo_dp_by_key(c->topo, s->dp_key) : NULL;
		unsigned nskip = 0;
		for (unsigned i = 0; i < s->n; i++)
			nskip += s->flows[i]->skip_reason != NULL;
		json_array_append_new(stages,
				      json_pack("{s:s, s:s, s:s, s:i, s:i}", "datapath",
						d ? d->name : "?", "pipeline",
						s->egress ? "egress" : "ingress", "stage", s->stage,
						"flows", s->n, "skipped", nskip));
	}
	for (struct hnode *x = hmap_first(&c->flows); x; x = hmap_next(&c->flows, x)) {
		const struct lfc_flow *f = &container_of(x, struct flow_node, node)->f;
		char u[OVS_UUID_LEN + 1];
		if (f->skip_reason == NULL)
			continue;
		ovs_uuid_to_string(&f->uuid, u);
		json_array_append_new(skipped,
				      json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "uuid", u, "stage",
						f->stage ? f->stage : "", "priority", f->priority,
						"match", f->match_text, "actions", f->actions_text,
						"reason", f->skip_reason));
	}
	json_object_set_new(o, "stages", stages);
	json_object_set_new(o, "skipped_flows", skipped);
	return o;
}

static json_t *flow_json(const struct lfc_flow *f)
{
	json_t *o = json_pack("{s:s, s:i, s:s, s:s}", "stage", f->stage, "priority", f->priority,
			      "match", f->match_text, "actions", f->actions_text);
	if (f->skip_reason) {
		json_object_set_new(o, "skipped", json_string(f->skip_reason));
	} else {
		char *m = lf_match_to_string(&f->match), *p = lflow_prog_format(f->prog);
		json_object_set_new(o, "rules", json_string(m ? m : "?"));
		json_object_set_new(o, "program", json_string(p ? p : "?"));
		free(m);
		free(p);
	}
	return o;
}

json_t *lfc_show_json(const struct lfc *c, const char *dp_name, const char *stage)
{
	const struct lt_datapath *d = c->topo ? ltopo_dp_by_name(c->topo, dp_name) : NULL;
	json_t *a;

	if (d == NULL)
		return NULL;
	a = json_array();
	for (int eg = 0; eg < 2; eg++) {
		/* stages in table order, as northd numbered them (the names identify them) */
		for (int table = 0; table < 256; table++) {
			const char *name = ltopo_stage_name(c->topo, eg, d->kind, table);
			unsigned n;
			const struct lfc_flow *const *fl;
			if (name == NULL || (stage && strcmp(stage, name) != 0))
				continue;
			fl = lfc_stage_flows(c, d->key, eg, name, &n);
			for (unsigned i = 0; i < n; i++)
				json_array_append_new(a, flow_json(fl[i]));
		}
	}
	return a;
}

/* ---- lfc_dump ---- */

static int by_uuid(const void *a, const void *b)
{
	const struct flow_node *x = *(const struct flow_node *const *)a;
	const struct flow_node *y = *(const struct flow_node *const *)b;
	return memcmp(&x->f.uuid, &y->f.uuid, sizeof(x->f.uuid));
}

static int by_stage_key(const void *a, const void *b)
{
	const struct stage_list *x = *(const struct stage_list *const *)a;
	const struct stage_list *y = *(const struct stage_list *const *)b;
	if (x->dp_key != y->dp_key)
		return x->dp_key < y->dp_key ? -1 : 1;
	if (x->egress != y->egress)
		return x->egress - y->egress;
	return strcmp(x->stage, y->stage);
}

char *lfc_dump(const struct lfc *c)
{
	size_t nf = hmap_count(&c->flows), ns = hmap_count(&c->stages), i = 0, len = 0;
	const struct flow_node **fl = malloc((nf + 1) * sizeof(*fl));
	const struct stage_list **sl = malloc((ns + 1) * sizeof(*sl));
	char *buf = NULL, u[OVS_UUID_LEN + 1];
	FILE *out = open_memstream(&buf, &len);

	if (fl == NULL || sl == NULL || out == NULL) {
		free(fl);
		free(sl);
		if (out)
			fclose(out);
		free(buf);
		return NULL;
	}
	for (struct hnode *x = hmap_first(&c->flows); x; x = hmap_next(&c->flows, x))
		fl[i++] = container_of(x, struct flow_node, node);
	qsort(fl, nf, sizeof(*fl), by_uuid);
	fprintf(out, "flows %u compiled %u skipped %u rules %u\n", c->stats.flows,
		c->stats.compiled, c->stats.skipped, c->stats.rules);
	for (i = 0; i < nf; i++) {
		const struct lfc_flow *f = &fl[i]->f;
		ovs_uuid_to_string(&f->uuid, u);
		fprintf(out, "flow %s %s %s table %d priority %d\n  match: %s\n  actions: %s\n", u,
			f->egress ? "egress" : "ingress", f->stage ? f->stage : "-", f->table,
			f->priority, f->match_text, f->actions_text);
		if (f->skip_reason) {
			fprintf(out, "  skipped: %s\n", f->skip_reason);
		} else {
			char *m = lf_match_to_string(&f->match), *p = lflow_prog_format(f->prog);
			fprintf(out, "  rules: %s\n  program: %s\n", m ? m : "?", p ? p : "?");
			free(m);
			free(p);
		}
	}
	i = 0;
	for (struct hnode *x = hmap_first(&c->stages); x; x = hmap_next(&c->stages, x))
		sl[i++] = container_of(x, struct stage_list, node);
	qsort(sl, ns, sizeof(*sl), by_stage_key);
	for (i = 0; i < ns; i++) {
		fprintf(out, "stage %lld %s %s:", (long long)sl[i]->dp_key,
			sl[i]->egress ? "egress" : "ingress", sl[i]->stage);
		for (unsigned k = 0; k < sl[i]->n; k++) {
			ovs_uuid_to_string(&sl[i]->flows[k]->uuid, u);
			fprintf(out, " %s", u);
		}
		fputc('\n', out);
	}
	free(fl);
	free(sl);
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

