/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl trace PORT 'MICROFLOW': run the published pipeline generation for a packet that
 * arrives on PORT with the headers the microflow gives (ovn-trace's syntax: `eth.src == ... &&
 * ip4.dst == ...`; the match parser adds what the fields imply, e.g. eth.type for ip4.*), and
 * show every stage it passes with the flow that matched, the megaflow mask's fields, and the
 * flat actions a megaflow would get. Nothing is installed. Control thread. */
#include "ctl.h"
#include "dp.h"
#include "dp_actions.h"
#include "lfield.h"
#include "pipeline_pub.h"
#include "pl_interp.h"

#include "lflow/expr.h"
#include "lflow/symtab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct trace_ctx {
	json_t *stages;
};

static void on_stage(void *arg, const struct pl_trace_ev *ev)
{
	struct trace_ctx *t = arg;
	char *prog = ev->flow && ev->flow->prog ? lflow_prog_format(ev->flow->prog) : NULL;
	json_t *o = json_pack("{s:s, s:s, s:i, s:s}", "datapath", ev->dp->name, "pipeline",
			      ev->egress ? "egress" : "ingress", "table", (int)ev->table, "stage",
			      ev->stage ? ev->stage : "?");
	if (ev->flow) {
		json_object_set_new(o, "priority", json_integer(ev->flow->priority));
		json_object_set_new(o, "actions", json_string(prog ? prog : "?"));
	} else {
		json_object_set_new(o, "actions", json_string("(no flow matched: dropped)"));
	}
	json_array_append_new(t->stages, o);
	free(prog);
}

/* Fill k from the microflow's terms; an error text when it is not one plain conjunction. */
static const char *key_from_microflow(const char *text, struct dp_key *k, char *err, size_t n)
{
	struct lf_match m;
	char *e = NULL;
	size_t pos = 0;

	memset(&m, 0, sizeof(m));
	if (lf_match_compile(text, NULL, NULL, &m, &e, &pos) < 0) {
		snprintf(err, n, "microflow: %s (at byte %zu)", e ? e : "error", pos);
		free(e);
		return err;
	}
	if (m.n != 1 || m.rules[0].n_dims) {
		lf_match_free(&m);
		snprintf(err, n, "microflow: must be one conjunction of field == value tests");
		return err;
	}
	for (size_t i = 0; i < m.rules[0].terms.n; i++) {
		const struct lf_term *t = &m.rules[0].terms.terms[i];
		if (t->type != LF_TERM_FIELD)
			continue; /* inport: the PORT argument says where the packet arrives */
		if (!lfield_in_key(t->mf)) {
			lf_match_free(&m);
			snprintf(err, n, "microflow: %s is not a header field", lf_mf_name(t->mf));
			return err;
		}
		lfield_set(k, t->mf, t->value, t->mask);
	}
	lf_match_free(&m);
	return NULL;
}

static json_t *mask_fields(const struct dp_key *mask)
{
	json_t *a = json_array();
	if (mask->in_port)
		json_array_append_new(a, json_string("in_port"));
	for (int mf = 0; mf < LF_MF_N; mf++) {
		struct dp_key probe;
		if (!lfield_in_key((enum lf_mf)mf))
			continue;
		memset(&probe, 0, sizeof(probe));
		lfield_mask(&probe, (enum lf_mf)mf, ~(lf_u128)0);
		dp_key_mask(&probe, &probe, mask);
		if (memcmp(&probe.f, &((struct dp_key){0}).f, sizeof(probe.f)) != 0)
			json_array_append_new(a, json_string(lf_mf_name((enum lf_mf)mf)));
	}
	return a;
}

static void cmd_trace(const json_t *args, struct ctl_reply *r)
{
	const char *port_name, *flow;
	const struct pl_gen *g = pl_current();
	struct port *p;
	struct dp_key k, mask;
	uint8_t abuf[512] __attribute__((aligned(8)));
	struct dpa_buf acts = {.data = abuf, .cap = sizeof(abuf)};
	struct pl_counters c;
	struct trace_ctx t;
	char err[256], text[1024];
	json_t *res;

	if (ctl_arg_str(args, "port", true, &port_name, r) < 0 ||
	    ctl_arg_str(args, "flow", true, &flow, r) < 0)
		return;
	if ((p = port_by_name(port_name)) == NULL) {
		ctl_reply_err(r, "no port named '%s'", port_name);
		return;
	}
	if (g == NULL) {
		ctl_reply_err(r, "no pipeline is published (is brintd connected to the OVN southbound?)");
		return;
	}
	memset(&k, 0, sizeof(k));
	if (key_from_microflow(flow, &k, err, sizeof(err))) {
		ctl_reply_err(r, "%s", err);
		return;
	}
	k.in_port = p->id;
	memset(&c, 0, sizeof(c));
	t.stages = json_array();
	if (pl_run_traced(g, &k, &mask, &acts, &c, on_stage, &t) < 0) {
		json_decref(t.stages);
		ctl_reply_err(r, "the actions did not fit in %zu bytes", sizeof(abuf));
		return;
	}
	if (dpa_format(abuf, acts.len, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "(%u bytes of actions)", acts.len);
	res = json_pack("{s:s, s:o, s:o, s:s}", "port", port_name, "stages", t.stages,
			"megaflow_fields", mask_fields(&mask), "actions", text);
	for (const struct dpa_hdr *a = acts.len ? (const void *)abuf : NULL; a;
	     a = dpa_next(abuf, acts.len, a))
		if (a->type == DPA_OUTPUT && a->u16 < BRINT_MAX_PORTS && ports[a->u16])
			json_object_set_new(res, "output_port",
					    json_string(ports[a->u16]->cfg.name));
	ctl_reply_ok(r, res);
}

CTL_COMMAND(trace, "trace", "PORT MICROFLOW",
	    "run the pipeline for a packet on PORT: stages, flows hit, megaflow fields, actions",
	    cmd_trace)
