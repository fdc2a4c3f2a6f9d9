/* SPDX-License-Identifier: Apache-2.0 */
/* Publishing pipeline generations; `brintctl engine stats`. */
#include "ctl.h"
#include "dp.h"
#include "pipeline_pub.h"
#include "pl_diff.h"
#include "pl_gen.h"
#include "pl_interp.h"

#include <brint/log.h>

#include <string.h>

static struct pl_gen *current;
static uint64_t published;

const struct pl_gen *pl_current(void)
{
	return __atomic_load_n(&current, __ATOMIC_ACQUIRE);
}

static uint64_t unchanged;
static uint64_t last_changed_dps; /* the datapath bits the last publication invalidated */

void pl_publish(struct pl_gen *g)
{
	struct pl_gen *old = current;
	uint64_t changed;
	struct pl_build_times *bt = &pl_build_times;
	double t0 = pl_now_ms(), t1;

	bt->equal_ms = bt->diff_ms = bt->sync_ms = bt->free_ms = 0;
	if (old && g && pl_gen_equal(old, g)) {
		/* nothing a packet sees changed: keep the caches */
		t1 = pl_now_ms();
		bt->equal_ms = t1 - t0;
		pl_gen_free(g);
		bt->free_ms = pl_now_ms() - t1;
		unchanged++;
		return;
	}
	t1 = pl_now_ms();
	bt->equal_ms = t1 - t0;
	/* the PMDs drop only the megaflows that went through a datapath that changed (all of
	 * them when there was no pipeline before or there is none now) */
	changed = pl_gen_diff(old, g);
	t0 = pl_now_ms();
	bt->diff_ms = t0 - t1;
	__atomic_store_n(&current, g, __ATOMIC_RELEASE);
	last_changed_dps = changed;
	if (changed)
		dp_tables_changed_dps(changed);
	if (brint_rcu)
		pmd_rcu_sync();
	t1 = pl_now_ms();
	bt->sync_ms = t1 - t0;
	pl_gen_free(old);
	bt->free_ms = pl_now_ms() - t1;
	published++;
	if (g)
		LOG_INFO("engine",
			 "pipeline generation %llu published: %u datapaths, %u flows, "
			 "%u ports (%u local), %u MAC bindings, %u FDB entries",
			 (unsigned long long)g->id, g->n_dps, g->n_flows, g->n_ports, g->n_local,
			 g->n_neighs, g->n_fdbs);
}

static void sum(struct pl_counters *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < n_pmds; i++) {
		const volatile uint64_t *s = (const volatile uint64_t *)&pmds[i]->plc;
		uint64_t *d = (uint64_t *)t;
		for (size_t w = 0; w < sizeof(*t) / sizeof(uint64_t); w++)
			d[w] += s[w];
	}
}

static void cmd_engine_stats(const json_t *args, struct ctl_reply *r)
{
	const struct pl_gen *g = current;
	struct pl_counters c;
	json_t *ops = json_object(), *rw = json_object(), *o;

	sum(&c);
	for (unsigned i = 0; i < LFLOW_OP_N; i++)
		if (c.unsupported_op[i])
			json_object_set_new(ops, lflow_op_name((enum lflow_op)i),
					    json_integer((json_int_t)c.unsupported_op[i]));
	/* packet generation, per action: built, refused, outputs, output nowhere */
	json_t *gen = json_object();
	for (unsigned i = 0; i < LFLOW_OP_N; i++)
		if (c.gen_built[i] || c.gen_refused[i])
			json_object_set_new(gen, lflow_op_name((enum lflow_op)i),
					    json_pack("{s:I, s:I, s:I, s:I}", "built",
						      (json_int_t)c.gen_built[i], "refused",
						      (json_int_t)c.gen_refused[i], "outputs",
						      (json_int_t)c.gen_outputs[i], "no_output",
						      (json_int_t)c.gen_no_output[i]));
	for (unsigned i = 0; i < LF_MF_N; i++)
		if (c.unsupported_rewrite[i])
			json_object_set_new(rw, lf_mf_name((enum lf_mf)i),
					    json_integer((json_int_t)c.unsupported_rewrite[i]));
	o = json_pack("{s:I, s:I, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:s}",
		      "generations_published", (json_int_t)published, "generations_unchanged",
		      (json_int_t)unchanged, "pipeline", g != NULL, "generation",
		      (json_int_t)(g ? g->id : 0), "runs", (json_int_t)c.runs, "no_binding",
		      (json_int_t)c.no_binding, "stages", (json_int_t)c.stages, "outputs",
		      (json_int_t)c.outputs, "patch_crossings", (json_int_t)c.patch_crossings,
		      "remote_outputs", (json_int_t)c.remote_outputs, "loopback_drops",
		      (json_int_t)c.loopback_drops, "unsupported_actions", ops,
		      "unsupported_rewrites", rw, "last_invalidated_datapaths", "");
	json_object_set_new(o, "neigh_lookups", json_integer((json_int_t)c.neigh_lookups));
	json_object_set_new(o, "fdb_lookups", json_integer((json_int_t)c.fdb_lookups));
	json_object_set_new(o, "learn_actions", json_integer((json_int_t)c.learns));
	json_object_set_new(o, "learn_actions_dropped", json_integer((json_int_t)c.learns_dropped));
	json_object_set_new(o, "slowpath_flows", json_integer((json_int_t)c.slowpath_flows));
	json_object_set_new(o, "len_flows", json_integer((json_int_t)c.len_flows));
	json_object_set_new(o, "len_conflicts", json_integer((json_int_t)c.len_conflicts));
	json_object_set_new(o, "packet_mode_runs", json_integer((json_int_t)c.packet_runs));
	json_object_set_new(
	    o, "packet_mode_cycles_avg",
	    json_real(c.packet_runs ? (double)c.packet_cycles / (double)c.packet_runs : 0.0));
	json_object_set_new(o, "generated", gen);
	{ /* the last build and publication, per phase */
		const struct pl_build_times *bt = &pl_build_times;
		json_object_set_new(o, "last_build_ms",
				    json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I}", "walk",
					      bt->walk_ms, "finish", bt->finish_ms, "index",
					      bt->index_ms, "equal", bt->equal_ms, "diff",
					      bt->diff_ms, "sync", bt->sync_ms, "free", bt->free_ms,
					      "builds", (json_int_t)bt->builds));
	}
	{ /* which datapath bits (tunnel key % 64) the last publication told the PMDs to drop */
		char bits[64 * 4 + 8];
		size_t n = 0;
		bits[0] = 0;
		if (last_changed_dps == UINT64_MAX)
			snprintf(bits, sizeof(bits), "all");
		else
			for (unsigned b = 0; b < 64; b++)
				if (last_changed_dps >> b & 1)
					n += (size_t)snprintf(bits + n, sizeof(bits) - n, "%s%u",
							      n ? "," : "", b);
		json_object_set_new(o, "last_invalidated_datapaths", json_string(bits));
	}
	if (g)
		json_object_set_new(
		    o, "tables",
		    json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "datapaths", (int)g->n_dps, "flows",
			      (int)g->n_flows, "rules", (int)g->n_rules, "ports", (int)g->n_ports,
			      "local_ports", (int)g->n_local, "mcgroups", (int)g->n_mcgroups));
	if (g) {
		json_t *t = json_object_get(o, "tables");
		json_object_set_new(t, "mac_bindings", json_integer((json_int_t)g->n_neighs));
		json_object_set_new(t, "fdb", json_integer((json_int_t)g->n_fdbs));
	}
	ctl_reply_ok(r, o);
}

CTL_COMMAND(engine_stats, "engine stats", "",
	    "the published pipeline generation and the interpreter's counters (slow-path runs, "
	    "outputs, actions not executed yet by name, packets generated per action)",
	    cmd_engine_stats)
