/* SPDX-License-Identifier: Apache-2.0 */
/* The compiler's operator views (see compile.h): `lflow stats', `lflow show' (text and
 * structured programs) and lfc_dump. */
#include "compile_int.h"

#include "lflow/act_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *lfc_stats_json(const struct lfc *c)
{
	json_t *o = json_pack(
	    "{s:I, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f}", "generation",
	    (json_int_t)c->stats.generation, "flows", c->stats.flows, "compiled", c->stats.compiled,
	    "skipped", c->stats.skipped, "rules", c->stats.rules, "full_compiles",
	    c->stats.full_compiles, "incremental_compiles", c->stats.incremental_compiles,
	    "last_recompiled", c->stats.last_recompiled, "last_ms", c->stats.last_ms);
	json_t *stages = json_array(), *skipped = json_array();

	json_object_set_new(o, "total_recompiled",
			    json_integer((json_int_t)c->stats.total_recompiled));
	json_object_set_new(o, "last_patched", json_integer(c->stats.last_patched));
	json_object_set_new(o, "total_patched", json_integer((json_int_t)c->stats.total_patched));
	json_object_set_new(o, "skipped_passes", json_integer(c->stats.skipped_passes));
	json_object_set_new(o, "last_topo_ms", json_real(c->stats.last_topo_ms));
	json_object_set_new(o, "last_compile_ms", json_real(c->stats.last_compile_ms));
	json_object_set_new(o, "last_lists_ms", json_real(c->stats.last_lists_ms));
	for (struct hnode *x = hmap_first(&c->lists); x; x = hmap_next(&c->lists, x)) {
		const struct lfc_list *s = container_of(x, struct lfc_list, node);
		const struct lt_datapath *d = c->topo ? ltopo_dp_by_key(c->topo, s->dp_key) : NULL;
		unsigned nskip = 0;
		for (unsigned i = 0; i < s->n; i++)
			nskip += s->flows[i]->skip_reason != NULL;
		json_array_append_new(stages, json_pack("{s:s, s:s, s:s, s:i, s:i}", "datapath",
							d ? d->name : "?", "pipeline",
							s->egress ? "egress" : "ingress", "stage",
							s->stage, "flows", s->n, "skipped", nskip));
	}
	for (struct hnode *x = hmap_first(&c->flows); x; x = hmap_next(&c->flows, x)) {
		const struct lfc_flow *f = &container_of(x, struct lfc_node, node)->f;
		char u[OVS_UUID_LEN + 1];
		if (f->skip_reason == NULL)
			continue;
		ovs_uuid_to_string(&f->uuid, u);
		json_array_append_new(skipped,
				      json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "uuid", u,
						"stage", f->stage ? f->stage : "", "priority",
						f->priority, "match", f->match_text, "actions",
						f->actions_text, "reason", f->skip_reason));
	}
	if (c->topo) {
		const struct lt_stats *t = ltopo_stats(c->topo);
		json_object_set_new(
		    o, "topology",
		    json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
			      "datapaths", t->datapaths, "ports", t->ports, "mcgroups", t->mcgroups,
			      "address_sets", t->address_sets, "port_groups", t->port_groups,
			      "dp_groups", t->dp_groups, "stages", t->stages,
			      "flows_without_stage_name", t->flows_without_stage_name,
			      "stage_conflicts", t->stage_conflicts, "dangling", t->dangling,
			      "rebuilds", t->rebuilds, "forced_rebuilds", t->forced_rebuilds));
	}
	json_object_set_new(o, "stages", stages);
	json_object_set_new(o, "skipped_flows", skipped);
	return o;
}

static json_t *flow_json(const struct lfc_flow *f, bool structured)
{
	json_t *o = json_pack("{s:s, s:i, s:s, s:s}", "stage", f->stage, "priority", f->priority,
			      "match", f->match_text, "actions", f->actions_text);
	if (f->skip_reason) {
		json_object_set_new(o, "skipped", json_string(f->skip_reason));
	} else {
		char *m = lf_match_to_string(&f->match), *p = lflow_prog_format(f->prog);
		json_object_set_new(o, "rules", json_string(m ? m : "?"));
		json_object_set_new(o, "program", json_string(p ? p : "?"));
		if (structured)
			json_object_set_new(o, "program_json", lflow_prog_to_json(f->prog));
		free(m);
		free(p);
	}
	return o;
}

json_t *lfc_show_json(const struct lfc *c, const char *dp_name, const char *stage, bool structured)
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
				json_array_append_new(a, flow_json(fl[i], structured));
		}
	}
	return a;
}

/* ---- lfc_dump ---- */

static int by_uuid(const void *a, const void *b)
{
	const struct lfc_node *x = *(const struct lfc_node *const *)a;
	const struct lfc_node *y = *(const struct lfc_node *const *)b;
	return memcmp(&x->f.uuid, &y->f.uuid, sizeof(x->f.uuid));
}

static int by_stage_key(const void *a, const void *b)
{
	const struct lfc_list *x = *(const struct lfc_list *const *)a;
	const struct lfc_list *y = *(const struct lfc_list *const *)b;
	if (x->dp_key != y->dp_key)
		return x->dp_key < y->dp_key ? -1 : 1;
	if (x->egress != y->egress)
		return x->egress - y->egress;
	return strcmp(x->stage, y->stage);
}

char *lfc_dump(const struct lfc *c)
{
	size_t nf = hmap_count(&c->flows), ns = hmap_count(&c->lists), i = 0, len = 0;
	const struct lfc_node **fl = malloc((nf + 1) * sizeof(*fl));
	const struct lfc_list **sl = malloc((ns + 1) * sizeof(*sl));
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
		fl[i++] = container_of(x, struct lfc_node, node);
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
	for (struct hnode *x = hmap_first(&c->lists); x; x = hmap_next(&c->lists, x))
		sl[i++] = container_of(x, struct lfc_list, node);
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
