/* SPDX-License-Identifier: Apache-2.0 */
/* The compiler driver (see compile.h): the full and incremental passes. */
#include "compile_int.h"

#include "sb/sb_tables.h"

#include <brint/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct compile_ctx {
	struct lfc *c;
	const struct ltopo *topo;
	struct lfc_node *n;
	enum lt_dp_kind kind; /* of the flow's datapath(s) */
	const struct ovs_uuid *dp, *dpg;
	char ***arrays; /* member arrays of per-datapath port groups, freed after the flow */
	size_t n_arrays;
	/* a probe (lfc_probe_match): no references recorded; set `probe' has these members */
	const char *probe;
	const char *const *probe_m;
	size_t probe_n;
	unsigned probe_hits; /* lookups of `probe' */
};

static void ref(struct compile_ctx *cc, char sigil, const char *name)
{
	char key[600];
	if (cc->probe)
		return;
	snprintf(key, sizeof(key), "%c%s", sigil, name);
	lfc_ref_add(cc->c, cc->n, key);
}

/* For the action parser: `next` targets are named by stage, never just numbered. The slot is
 * recorded: if its name changes, this flow is recompiled. */
static const char *stage_name_cb(const void *aux, enum lflow_pipeline p, int table)
{
	struct compile_ctx *cc = (struct compile_ctx *)aux;
	char key[64];
	snprintf(key, sizeof(key), "#%d %d %d", p == LFLOW_P_EGRESS, (int)cc->kind, table);
	if (cc->probe == NULL)
		lfc_ref_add(cc->c, cc->n, key);
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

struct lfc *lfc_new(void)
{
	struct lfc *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	hmap_init(&c->flows);
	hmap_init(&c->lists);
	hmap_init(&c->users);
	if ((c->topo = ltopo_new()) == NULL) {
		free(c);
		return NULL;
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

static void stats_add(struct lfc *c, const struct lfc_flow *f, int sign)
{
	c->stats.flows += sign;
	if (f->skip_reason) {
		c->stats.skipped += sign;
	} else {
		c->stats.compiled += sign;
		c->stats.rules += sign * (int)f->match.n;
	}
}

static void remove_flow(struct lfc *c, struct lfc_node *n)
{
	lfc_unlist_flow(c, n);
	stats_add(c, &n->f, -1);
	hmap_remove(&c->flows, &n->node);
	lfc_refs_clear(c, n);
	lfc_pidx_clear(n);
	flow_clear(&n->f);
	free(n);
}

static void clear_flows(struct lfc *c)
{
	struct hnode *x = hmap_first(&c->flows);
	lfc_lists_clear(c);
	while (x) {
		struct hnode *next = hmap_next(&c->flows, x);
		remove_flow(c, container_of(x, struct lfc_node, node));
		x = next;
	}
}

void lfc_free(struct lfc *c)
{
	if (c == NULL)
		return;
	clear_flows(c);
	hmap_destroy(&c->lists);
	hmap_destroy(&c->flows);
	hmap_destroy(&c->users);
	ltopo_free(c->topo);
	free(c);
}

static struct lfc_node *find_flow(const struct lfc *c, const struct ovs_uuid *u)
{
	for (struct hnode *x = hmap_first_with_hash(&c->flows, ovs_uuid_hash(u)); x;
	     x = hmap_next_with_hash(x)) {
		struct lfc_node *n = container_of(x, struct lfc_node, node);
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
	ref(cc, '$', name);
	if (cc->probe && strcmp(cc->probe, name) == 0) {
		cc->probe_hits++;
		*m = cc->probe_m;
		*n = cc->probe_n;
		return 0;
	}
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

	ref(cc, '@', name);
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
		ref(cc, '@', sbname);
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

static void compile_flow(struct lfc_node *n, const struct sb_row *row, struct compile_ctx *ccp);

/* The match as compiled: the flow's, and its actions' prerequisites. Malloc'd. */
static char *full_match_text(const struct lfc_flow *f)
{
	char *text;
	if (f->prog->prereqs && f->prog->prereqs[0]) {
		size_t len = strlen(f->match_text) + strlen(f->prog->prereqs) + 16;
		text = malloc(len);
		if (text)
			snprintf(text, len, "(%s) && (%s)", f->match_text, f->prog->prereqs);
	} else {
		text = strdup(f->match_text);
	}
	return text;
}

int lfc_probe_match(struct lfc *c, const struct lfc_node *n, const char *set,
		    const char *const *members, size_t n_members, const struct lf_norm_opts *opts,
		    struct lf_match *out, unsigned *hits)
{
	const struct ovs_uuid *dp = ovs_uuid_is_zero(&n->dp) ? NULL : &n->dp;
	const struct ovs_uuid *dpg = ovs_uuid_is_zero(&n->dpg) ? NULL : &n->dpg;
	struct compile_ctx cc = {c,
				 c->topo,
				 (struct lfc_node *)n,
				 row_kind(c->topo, dp, dpg),
				 dp,
				 dpg,
				 NULL,
				 0,
				 set,
				 members,
				 n_members,
				 0};
	struct lf_expr_ctx ctx = {ctx_addr_set, ctx_port_group, &cc};
	char *err = NULL, *text;
	size_t pos = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (n->f.skip_reason || n->f.prog == NULL || (text = full_match_text(&n->f)) == NULL)
		return -1;
	rc = lf_match_compile(text, &ctx, opts, out, &err, &pos);
	free(err);
	free(text);
	for (size_t i = 0; i < cc.n_arrays; i++)
		free(cc.arrays[i]);
	free(cc.arrays);
	*hits = cc.probe_hits;
	return rc;
}

/* Compile one Logical_Flow row into n (cleared, unlisted; its references are replaced). */
static void compile_row(struct lfc *c, struct lfc_node *n, const struct sb_row *row)
{
	const struct ovs_uuid *dp = ovs_datum_uuid(sb_row_col(row, "logical_datapath"));
	const struct ovs_uuid *dpg = ovs_datum_uuid(sb_row_col(row, "logical_dp_group"));
	struct compile_ctx cc = {
	    c, c->topo, n, row_kind(c->topo, dp, dpg), dp, dpg, NULL, 0, NULL, NULL, 0, 0};

	lfc_refs_clear(c, n);
	compile_flow(n, row, &cc);
	for (size_t i = 0; i < cc.n_arrays; i++)
		free(cc.arrays[i]);
	free(cc.arrays);
	lfc_pidx_prebuild(c, n);
	n->mark = c->pass;
}

static void compile_flow(struct lfc_node *n, const struct sb_row *row, struct compile_ctx *ccp)
{
	struct lfc_flow *f = &n->f;
	const char *pipe = ovs_datum_str(sb_row_col(row, "pipeline"));
	const char *stage = ovs_datum_map_get(sb_row_col(row, "external_ids"), "stage-name");
	const struct ovs_uuid *dp = ccp->dp, *dpg = ccp->dpg;
	struct lflow_act_params pp;
	struct lf_expr_ctx ctx = {ctx_addr_set, ctx_port_group, ccp};
	char *err = NULL, *text;
	size_t pos = 0;

	f->uuid = row->uuid;
	f->egress = pipe && strcmp(pipe, "egress") == 0;
	f->stage = stage ? strdup(stage) : NULL;
	f->table = (int)ovs_datum_int(sb_row_col(row, "table_id"), -1);
	f->priority = (int)ovs_datum_int(sb_row_col(row, "priority"), 0);
	f->match_text = dup_or_empty(ovs_datum_str(sb_row_col(row, "match")));
	f->actions_text = dup_or_empty(ovs_datum_str(sb_row_col(row, "actions")));
	memset(&n->dp, 0, sizeof(n->dp));
	memset(&n->dpg, 0, sizeof(n->dpg));
	if (dp) {
		n->dp = *dp;
	} else if (dpg) {
		char key[OVS_UUID_LEN + 2];
		n->dpg = *dpg;
		key[0] = 'G';
		ovs_uuid_to_string(dpg, key + 1);
		lfc_ref_add(ccp->c, n, key);
	}

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
	text = full_match_text(f);
	if (text == NULL || lf_match_compile(text, &ctx, NULL, &f->match, &err, &pos) < 0) {
		skip(f, "match", text ? err : "out of memory", pos);
		free(err);
		lflow_prog_free(f->prog);
		f->prog = NULL;
	}
	free(text);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Recompile a known flow from its row: out of its lists, compiled, back in. */
static void recompile(struct lfc *c, struct lfc_node *n, const struct sb_row *row, double *list_ms)
{
	double t = now_ms();
	lfc_unlist_flow(c, n);
	*list_ms += now_ms() - t;
	stats_add(c, &n->f, -1);
	lfc_pidx_clear(n);
	flow_clear(&n->f);
	compile_row(c, n, row);
	stats_add(c, &n->f, 1);
	t = now_ms();
	lfc_list_flow(c, n);
	*list_ms += now_ms() - t;
}

/* Does a modified Logical_Flow row change what the compiler made of it? */
static bool flow_row_changed(const struct sb_row *row, const struct lfc_node *n)
{
	static const char *const read[] = {"logical_datapath", "logical_dp_group", "pipeline",
					   "table_id",	       "priority",	   "match",
					   "actions"};
	const struct sb_table *t = row->table;
	int ext = sb_table_col(t, "external_ids");
	const char *stage;

	if (sb_row_change(row) != SB_MODIFIED)
		return true;
	for (unsigned i = 0; i < sizeof(read) / sizeof(read[0]); i++) {
		int col = sb_table_col(t, read[i]);
		if (col >= 0 && sb_row_col_changed(row, col))
			return true;
	}
	if (ext < 0 || !sb_row_col_changed(row, ext))
		return false;
	stage = ovs_datum_map_get(sb_row_get(row, ext), "stage-name");
	return !(stage == n->f.stage || (stage && n->f.stage && strcmp(stage, n->f.stage) == 0));
}

/* Recompile (or relist) the flows that depend on key; those already compiled in this pass
 * are left. relist_only: flows without port-group references are only listed again. */
static unsigned recompile_users(struct lfc *c, const struct sb_table *lf, const char *key,
				bool relist_only, double *list_ms)
{
	unsigned n, done = 0;
	struct lfc_node **v = lfc_users_of(c, key, &n);

	for (unsigned i = 0; i < n; i++) {
		const struct sb_row *row;
		if (v[i]->mark == c->pass || (row = sb_table_find(lf, &v[i]->f.uuid)) == NULL)
			continue;
		if (relist_only && !v[i]->pg_refs) {
			double t = now_ms();
			lfc_unlist_flow(c, v[i]);
			lfc_list_flow(c, v[i]);
			*list_ms += now_ms() - t;
			continue;
		}
		recompile(c, v[i], row, list_ms);
		done++;
	}
	free(v);
	return done;
}

static unsigned full_pass(struct lfc *c, const struct sb_table *lf, double *list_ms)
{
	unsigned done = 0;
	double t;
	clear_flows(c);
	for (const struct sb_row *row = sb_table_first(lf); row; row = sb_table_next(row)) {
		struct lfc_node *n = calloc(1, sizeof(*n));
		if (n == NULL)
			break;
		hmap_insert(&c->flows, &n->node, ovs_uuid_hash(&row->uuid));
		compile_row(c, n, row);
		stats_add(c, &n->f, 1);
		done++;
	}
	t = now_ms();
	lfc_list_all(c);
	*list_ms += now_ms() - t;
	c->stats.full_compiles++;
	return done;
}

/* The members before this update of address set key ("$name") if it was modified in place
 * (and only once), else NULL. */
static const struct lt_set *old_set(const struct lt_changes *ch, const char *key)
{
	const struct lt_set *found = NULL;
	if (key[0] != '$')
		return NULL;
	for (unsigned i = 0; i < ch->n_old_sets; i++) {
		if (strcmp(ch->old_sets[i].name, key + 1) != 0)
			continue;
		if (found)
			return NULL;
		found = &ch->old_sets[i];
	}
	return found;
}

static unsigned incremental_pass(struct lfc *c, const struct sb_table *lf,
				 const struct lt_changes *ch, bool *changed, double *list_ms,
				 unsigned *patched)
{
	unsigned done = 0;

	for (const struct sb_row *row = sb_table_tracked_first(lf); row;
	     row = sb_row_tracked_next(row)) {
		struct lfc_node *n = find_flow(c, &row->uuid);
		if (sb_row_change(row) == SB_DELETED) {
			if (n) {
				double t = now_ms();
				remove_flow(c, n);
				*list_ms += now_ms() - t;
				*changed = true;
			}
			continue;
		}
		if (n && !flow_row_changed(row, n))
			continue;
		*changed = true;
		if (n == NULL) {
			double t;
			if ((n = calloc(1, sizeof(*n))) == NULL)
				continue;
			hmap_insert(&c->flows, &n->node, ovs_uuid_hash(&row->uuid));
			compile_row(c, n, row);
			stats_add(c, &n->f, 1);
			t = now_ms();
			lfc_list_flow(c, n);
			*list_ms += now_ms() - t;
		} else {
			recompile(c, n, row, list_ms);
		}
		done++;
	}
	for (unsigned i = 0; i < ch->n_sets; i++)
		if (old_set(ch, ch->sets[i]) == NULL)
			done += recompile_users(c, lf, ch->sets[i], false, list_ms);
	for (unsigned i = 0; i < ch->n_slots; i++) {
		char key[64];
		snprintf(key, sizeof(key), "#%d %d %d", ch->slots[i].egress, (int)ch->slots[i].kind,
			 ch->slots[i].table);
		done += recompile_users(c, lf, key, false, list_ms);
	}
	for (unsigned i = 0; i < ch->n_dpgs; i++) {
		char key[OVS_UUID_LEN + 2];
		key[0] = 'G';
		ovs_uuid_to_string(&ch->dpgs[i], key + 1);
		done += recompile_users(c, lf, key, true, list_ms);
	}
	/* last, address sets modified in place: patch their users not recompiled above */
	for (unsigned i = 0; i < ch->n_sets; i++) {
		const struct lt_set *old = old_set(ch, ch->sets[i]);
		const struct lt_set *new = old ? ltopo_address_set(c->topo, old->name) : NULL;
		struct lfc_set_diff d = {0};
		unsigned n;
		struct lfc_node **v;
		if (old == NULL)
			continue;
		if (new)
			lfc_set_diff_init(&d, old, new);
		v = lfc_users_of(c, ch->sets[i], &n);
		for (unsigned k = 0; k < n; k++) {
			const struct sb_row *row;
			if (v[k]->mark == c->pass ||
			    (row = sb_table_find(lf, &v[k]->f.uuid)) == NULL)
				continue;
			if (d.ok) {
				size_t before = v[k]->f.match.n;
				if (lfc_patch_set(c, v[k], &d)) {
					c->stats.rules +=
					    (unsigned)v[k]->f.match.n - (unsigned)before;
					v[k]->mark = c->pass;
					(*patched)++;
					continue;
				}
			}
			recompile(c, v[k], row, list_ms);
			done++;
		}
		free(v);
		lfc_set_diff_free(&d);
	}
	return done;
}

/* Rows changed in tables the compiler does not read, except the nb_cfg bookkeeping
 * (SB_Global, Chassis_Private: every chassis writes there after every change). The engine's
 * build may read them (MAC bindings, FDB, load balancers, ...): such a pass is not skipped. */
static bool other_tables_changed(const struct sb_replica *r)
{
	for (unsigned id = 0; id < SB_N_TABLES; id++) {
		const struct sb_table *t;
		switch (id) {
		case SB_SB_GLOBAL:
		case SB_CHASSIS_PRIVATE:
		case SB_DATAPATH_BINDING:
		case SB_PORT_BINDING:
		case SB_LOGICAL_FLOW:
		case SB_LOGICAL_DP_GROUP:
		case SB_MULTICAST_GROUP:
		case SB_ADDRESS_SET:
		case SB_PORT_GROUP: continue; /* bookkeeping, or read here: compared row by row */
		default: break;
		}
		if ((t = sb_replica_table(r, id)) != NULL && sb_table_tracked_first(t) != NULL)
			return true;
	}
	return false;
}

bool lfc_update(struct lfc *c, const struct sb_replica *r, bool full)
{
	const struct sb_table *lf = sb_replica_table(r, SB_LOGICAL_FLOW);
	struct lt_changes ch = {0};
	double t0 = now_ms(), t1, list_ms = 0;
	unsigned done, patched = 0;
	bool changed, whole;

	/* a new replica generation (schema change) means a rebuilt replica: start again */
	if (!c->have_replica_gen || c->replica_gen != sb_replica_generation(r))
		full = true;
	c->replica_gen = sb_replica_generation(r);
	c->have_replica_gen = true;
	ltopo_update(c->topo, r, full, &ch);
	t1 = now_ms();
	c->pass++;
	/* a rebuilt topology (datapaths changed, ...): recompile everything (rare) */
	whole = full || ch.rebuilt;
	if (whole) {
		done = full_pass(c, lf, &list_ms);
		changed = true;
	} else {
		changed = ch.any || other_tables_changed(r);
		done = incremental_pass(c, lf, &ch, &changed, &list_ms, &patched);
	}
	lt_changes_free(&ch);
	c->stats.last_topo_ms = t1 - t0;
	c->stats.last_lists_ms = list_ms;
	c->stats.last_compile_ms = now_ms() - t1 - list_ms;
	c->stats.last_ms = now_ms() - t0;
	c->stats.last_recompiled = done;
	c->stats.total_recompiled += done;
	c->stats.last_patched = patched;
	c->stats.total_patched += patched;
	if (!changed) {
		c->stats.skipped_passes++;
		LOG_DEBUG("lflow",
			  "nothing the compiler reads changed: generation %llu stays "
			  "(%.3f ms)",
			  (unsigned long long)c->stats.generation, c->stats.last_ms);
		return false;
	}
	if (!whole)
		c->stats.incremental_compiles++;
	c->stats.generation++;
	LOG_INFO("lflow",
		 "generation %llu: %u flows compiled (%s), %u patched, %u skipped in "
		 "all, %.3f ms",
		 (unsigned long long)c->stats.generation, done, whole ? "full" : "incremental",
		 patched, c->stats.skipped, c->stats.last_ms);
	return true;
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
	struct lfc_list *s = lfc_list_get(c, dp_key, egress, stage);
	*n = s ? s->n : 0;
	return s ? s->flows : NULL;
}
