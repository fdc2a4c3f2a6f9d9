/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl trace PORT 'MICROFLOW': run the published pipeline generation for a packet that
 * arrives on PORT with the headers the microflow gives (ovn-trace's syntax: `eth.src == ... &&
 * ip4.dst == ...`; the match parser adds what the fields imply, e.g. eth.type for ip4.*), and
 * show every stage it passes with the flow that matched, the megaflow mask's fields, and the
 * flat actions a megaflow would get. When those are `slowpath` (the pipeline generates a
 * packet), a frame is made from the key (pktgen_from_key) and run in packet mode as the PMD
 * would: the stages of the packet and of each generated one, the generated packets' headers,
 * and every output with the headers it leaves with. Nothing is installed or sent. Control
 * thread. */
#include "ctl.h"
#include "dp.h"
#include "dp_actions.h"
#include "lfield.h"
#include "nbuf.h"
#include "pipeline_pub.h"
#include "pktgen.h"
#include "pl_interp.h"

#include "lflow/expr.h"
#include "lflow/symtab.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct trace_ctx {
	json_t *stages;
	bool packet_mode;
};

static void on_stage(void *arg, const struct pl_trace_ev *ev)
{
	struct trace_ctx *t = arg;
	char *prog = ev->flow && ev->flow->prog ? lflow_prog_format(ev->flow->prog) : NULL;
	json_t *o = json_pack("{s:s, s:s, s:i, s:s}", "datapath", ev->dp->name, "pipeline",
			      ev->egress ? "egress" : "ingress", "table", (int)ev->table, "stage",
			      ev->stage ? ev->stage : "?");
	if (t->packet_mode)
		json_object_set_new(o, "packet", json_integer((json_int_t)ev->pkt));
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

/* a packet's headers as text: "eth 0a:..->0a:.. ip4 10.16.0.11->10.16.0.1 ttl 64 icmp 8/0" */
static void key_text(const struct flow_key *k, char *b, size_t n)
{
	const uint8_t *s = k->eth_src, *d = k->eth_dst;
	const uint8_t *a = (const uint8_t *)&k->ip4_src, *z = (const uint8_t *)&k->ip4_dst;
	unsigned ty = ((const uint8_t *)&k->tp_src)[1], co = ((const uint8_t *)&k->tp_dst)[1];
	char ip6s[48], ip6d[48];
	int w = snprintf(b, n, "eth %02x:%02x:%02x:%02x:%02x:%02x->%02x:%02x:%02x:%02x:%02x:%02x",
			 s[0], s[1], s[2], s[3], s[4], s[5], d[0], d[1], d[2], d[3], d[4], d[5]);
	if (w < 0 || (size_t)w >= n)
		return;
	b += w;
	n -= (size_t)w;
	if (k->eth_type == 0x0806) {
		const uint8_t *h = k->arp_sha;
		snprintf(b, n,
			 " arp op %u %02x:%02x:%02x:%02x:%02x:%02x %u.%u.%u.%u -> %u.%u.%u.%u",
			 (unsigned)(k->arp_op >> 8 | (k->arp_op & 0xff) << 8), h[0], h[1], h[2],
			 h[3], h[4], h[5], a[0], a[1], a[2], a[3], z[0], z[1], z[2], z[3]);
		return;
	}
	if (k->eth_type == 0x0800) {
		w = snprintf(b, n, " ip4 %u.%u.%u.%u->%u.%u.%u.%u ttl %u proto %u", a[0], a[1],
			     a[2], a[3], z[0], z[1], z[2], z[3], k->nw_ttl, k->nw_proto);
	} else if (k->eth_type == 0x86dd) {
		if (!inet_ntop(AF_INET6, k->ip6_src, ip6s, sizeof(ip6s)) ||
		    !inet_ntop(AF_INET6, k->ip6_dst, ip6d, sizeof(ip6d)))
			return;
		w = snprintf(b, n, " ip6 %s->%s hlim %u proto %u", ip6s, ip6d, k->nw_ttl,
			     k->nw_proto);
	} else {
		snprintf(b, n, " type 0x%04x", k->eth_type);
		return;
	}
	if (w < 0 || (size_t)w >= n)
		return;
	b += w;
	n -= (size_t)w;
	if (k->nw_proto == 1 || k->nw_proto == 58)
		snprintf(b, n, " icmp type %u code %u", ty, co);
	else if (k->nw_proto == 6 || k->nw_proto == 17 || k->nw_proto == 132)
		snprintf(b, n, " ports %u->%u%s", (unsigned)__builtin_bswap16(k->tp_src),
			 (unsigned)__builtin_bswap16(k->tp_dst),
			 k->nw_proto == 6 && (__builtin_bswap16(k->tcp_flags) & 0x04) ? " RST"
										      : "");
}

static const char *port_name_of(uint16_t id)
{
	return id < BRINT_MAX_PORTS && ports[id] ? ports[id]->cfg.name : "?";
}

/* the megaflow says slowpath: run packet mode on a frame made from the key */
static json_t *trace_packet_mode(const struct pl_gen *g, const struct dp_key *k,
				 const char **out_port)
{
	static struct pl_pm_out out; /* control thread only; too big for its stack */
	uint8_t frame[256];
	struct flow_key fk;
	struct flow_layout lay;
	struct pl_counters c;
	struct trace_ctx t = {json_array(), true};
	char text[256];
	int n = pktgen_from_key(&k->f, frame, sizeof(frame));
	json_t *res = json_object(), *gens = json_array(), *outs = json_array();

	if (n < 0 || flow_parse(frame, (size_t)n, &fk, &lay) != FLOW_OK) {
		json_decref(gens);
		json_decref(outs);
		json_decref(t.stages);
		json_object_set_new(res, "error",
				    json_string("no frame could be made from the key"));
		return res;
	}
	struct dp_key pk = *k;
	pk.f = fk;
	if (memcmp(&fk, &k->f, sizeof(fk)) != 0)
		json_object_set_new(
		    res, "note",
		    json_string("the frame made from the microflow does not carry "
				"every field it gives; packet mode ran on the frame"));
	struct pl_pkt pkt = {frame, (size_t)n, &lay, (size_t)n};
	memset(&c, 0, sizeof(c));
	pl_run_packet(g, &pk, &pkt, &out, &c, on_stage, &t);
	for (unsigned i = 0; i < out.n_gen; i++) {
		key_text(&out.gen[i].key, text, sizeof(text));
		json_array_append_new(gens,
				      json_pack("{s:i, s:s, s:i, s:s}", "packet", (int)i + 1,
						"action", lflow_op_name(out.gen[i].op), "length",
						(int)out.gen[i].len, "built", text));
	}
	for (unsigned i = 0; i < out.n_emit; i++) {
		const struct pl_pm_emit *e = &out.emit[i];
		key_text(&e->hdr, text, sizeof(text));
		json_array_append_new(
		    outs, json_pack("{s:i, s:s, s:s, s:s}", "packet", (int)e->src, "what",
				    e->src ? lflow_op_name(out.gen[e->src - 1].op) : "received",
				    "port", port_name_of(e->port), "headers", text));
		if (e->src == 0 && *out_port == NULL)
			*out_port = port_name_of(e->port);
	}
	json_object_set_new(res, "stages", t.stages);
	json_object_set_new(res, "generated", gens);
	json_object_set_new(res, "outputs", outs);
	for (unsigned i = 0; i < out.n_emit; i++)
		if (out.emit[i].src == 0)
			return res;
	if (out.wait.valid && out.fail == BRINT_DROP_PKTGEN_REPLACED) {
		/* what dp_slowpath does with it (dp/nbuf_dp.h) */
		struct nbuf_addr a = {.dp = out.wait.dp,
				      .port = out.wait.port,
				      .ip_hi = out.wait.ip_hi,
				      .ip_lo = out.wait.ip_lo,
				      .v6 = out.wait.v6};
		char ip[64], msg[256];
		nbuf_addr_ip_text(&a, ip, sizeof(ip));
		snprintf(msg, sizeof(msg),
			 "buffered: waits for the MAC binding of %s (datapath %lld, port %lld), "
			 "then sent again from its input port; dropped after %u s",
			 ip, (long long)a.dp, (long long)a.port, NBUF_TIMEOUT_MS / 1000);
		json_object_set_new(res, "received_packet", json_string(msg));
		return res;
	}
	json_object_set_new(res, "received_packet", json_string(brint_drop_names[out.fail]));
	return res;
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
		ctl_reply_err(
		    r, "no pipeline is published (is brintd connected to the OVN southbound?)");
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
	t.packet_mode = false;
	if (pl_run_traced(g, &k, &mask, &acts, &c, on_stage, &t) < 0) {
		json_decref(t.stages);
		ctl_reply_err(r, "the actions did not fit in %zu bytes", sizeof(abuf));
		return;
	}
	{
		/* the megaflow's fields as the datapath's own (untraced) run reads them: it
		 * crosses pass-through stages without reading anything there, the traced run
		 * looks every stage up (same actions) */
		uint8_t fbuf[sizeof(abuf)];
		struct dpa_buf facts = {.data = fbuf, .cap = sizeof(fbuf)};
		struct dp_key fmask;
		memset(&c, 0, sizeof(c));
		if (pl_run(g, &k, &fmask, &facts, &c) == 0)
			mask = fmask;
	}
	if (dpa_format(abuf, acts.len, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "(%u bytes of actions)", acts.len);
	res = json_pack("{s:s, s:o, s:o, s:s}", "port", port_name, "stages", t.stages,
			"megaflow_fields", mask_fields(&mask), "actions", text);
	for (const struct dpa_hdr *a = acts.len ? (const void *)abuf : NULL; a;
	     a = dpa_next(abuf, acts.len, a)) {
		if (a->type == DPA_OUTPUT && a->u16 < BRINT_MAX_PORTS && ports[a->u16])
			json_object_set_new(res, "output_port",
					    json_string(ports[a->u16]->cfg.name));
		if (a->type == DPA_CHECK_LEN)
			json_object_set_new(
			    res, "check_len",
			    json_string(
				"the list depends on the frame's length (check_pkt_larger): "
				"stages show the run of a frame not larger; a packet_mode run "
				"uses the frame made from the key, of its own length"));
		if (a->type == DPA_SLOWPATH) {
			const char *op = NULL;
			json_object_set_new(res, "packet_mode", trace_packet_mode(g, &k, &op));
			if (op)
				json_object_set_new(res, "output_port", json_string(op));
		}
	}
	ctl_reply_ok(r, res);
}

CTL_COMMAND(trace, "trace", "PORT MICROFLOW",
	    "run the pipeline for a packet on PORT: stages, flows hit, megaflow fields, actions",
	    cmd_trace)
