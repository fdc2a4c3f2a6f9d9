/* SPDX-License-Identifier: Apache-2.0 */
/* brint-lflow-probe: the southbound client plus the logical-flow compiler, without the
 * datapath, for the compiler benchmark (scripts/lflow-scale.sh).
 *
 * Connects to the SB (the "ovn" object of a JSON config, or the whole file), registers the
 * chassis, and once the replica is complete (and has been quiet for a moment) measures the
 * first full compile on its own: resident memory before, lfc_update(full), resident memory
 * after; that line is printed on stdout as JSON. From then on every replica change is
 * compiled incrementally and acked (so `ovn-nbctl --wait=hv` waits for it), and each pass is
 * recorded, with brintd's downstream step after a pass that changed something: pl_build() of
 * the whole pipeline generation (no local ports; the generation is freed, not published).
 * Control socket commands: `lflow stats` (as brintd's), `probe lflow passes [--since N]` (the
 * passes with their times: lfc_update and its phases, pl_build, whether skipped, and the
 * number of flows recompiled), `probe lflow verify` (a full recompile in a second
 * compiler compared with the incremental one: lfc_dump), `probe rss`. Exits on SIGTERM/SIGINT. */
#include "ovn-glue/lflow/compile.h"
#include "ovn-glue/lflow/pl_build.h"
#include "pl_diff.h"
#include "pl_index.h"
#include "ovn-glue/ovn_glue.h"
#include "ovn-glue/sb/replica.h"

#include <ctl/ctl.h>

#include <brint/evloop.h>
#include <brint/log.h>
#include <brint/util.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct ev_loop *loop;
static struct lfc *compiler;
static json_t *passes; /* [{"seq", "full", "skipped", "lfc_ms", "wall_ms", ...}] */
static unsigned quiet_ms = 1000;

static void on_signal(int sig)
{
	(void)sig;
	if (loop)
		ev_loop_stop(loop);
}

static long status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(field);
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* brintd's next step, timed: pl_build, then what pl_publish does with it (dp/pipeline_pub.c,
 * without the PMDs: no grace period): compare with the previous generation (pl_gen_equal,
 * then pl_gen_diff if not equal), keep the new one, free the old one. */
static struct pl_gen *published;

static void time_pl_build(json_t *pass)
{
	double t1 = now_ms(), t2, t3, t4;
	struct pl_gen *g = pl_build_from(compiler, NULL, 0, published), *old = published;
	const struct pl_build_times *bt = &pl_build_times;
	uint64_t changed = 0;
	bool same;

	t2 = now_ms();
	json_object_set_new(pass, "pl_build_ms", json_real(t2 - t1));
	if (g && g->index) {
		unsigned shared = 0;
		for (unsigned i = 0; old && i < g->n_flows; i++)
			shared += g->flows[i].prog && old->n_flows > i &&
				  g->flows[i].prog == old->flows[i].prog;
		json_object_set_new(
		    pass, "pl_reuse",
		    json_pack("{s:i, s:i, s:i, s:i}", "stages", (int)g->index->n_sidx, "reused",
			      (int)g->index->n_reused_stages, "flows", (int)g->n_flows,
			      "progs_shared_same_place", (int)shared));
	}
	t2 = now_ms();
	same = g && old && pl_gen_equal(old, g);
	t3 = now_ms();
	if (g && !same)
		changed = pl_gen_diff(old, g);
	t4 = now_ms();
	if (g && !same) {
		published = g;
		pl_gen_free(old);
	} else {
		pl_gen_free(g);
	}
	json_object_set_new(pass, "pl_phases",
			    json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:b, s:i}", "walk",
				      bt->walk_ms, "finish", bt->finish_ms, "index", bt->index_ms,
				      "equal", t3 - t2, "diff", t4 - t3, "free", now_ms() - t4,
				      "equal_gen", same, "changed_dp_bits",
				      __builtin_popcountll(changed)));
}

/* One lfc_update, recorded; with_pl: then time pl_build if the pass changed something. */
static void compile_pass(struct sb_replica *r, bool full, bool with_pl)
{
	double t0 = now_ms(), wall;
	const struct lfc_stats *s = lfc_get_stats(compiler);
	unsigned fulls = s->full_compiles;
	bool changed = lfc_update(compiler, r, full);
	json_t *p;

	wall = now_ms() - t0;
	s = lfc_get_stats(compiler);
	p = json_pack("{s:I, s:b, s:b, s:f, s:f, s:i, s:i, s:i}", "seq",
		      (json_int_t)json_array_size(passes), "full", s->full_compiles != fulls,
		      "skipped_pass", !changed, "lfc_ms", s->last_ms, "wall_ms", wall, "recompiled",
		      s->last_recompiled, "flows", s->flows, "skipped", s->skipped);
	json_object_set_new(p, "patched", json_integer(s->last_patched));
	json_object_set_new(p, "topo_ms", json_real(s->last_topo_ms));
	json_object_set_new(p, "compile_ms", json_real(s->last_compile_ms));
	json_object_set_new(p, "lists_ms", json_real(s->last_lists_ms));
	json_object_set_new(p, "pl_build_ms", json_real(0));
	if (changed && with_pl)
		time_pl_build(p);
	json_array_append_new(passes, p);
}

static void on_change(struct sb_replica *r, void *arg)
{
	(void)arg;
	compile_pass(r, false, true);
	sb_replica_ack(r);
}

/* Once the replica is complete and quiet: the first full compile, measured alone. */
static void sync_check(struct ev_timer *t, void *arg)
{
	static uint64_t synced_at, last_seqno;
	struct sb_replica *r = ovn_glue_replica();
	const struct lfc_stats *s;
	long rss0, rss1, hwm;
	(void)arg;

	if (compiler || !ovn_glue_sb_synced() || r == NULL)
		return;
	if (synced_at == 0 || sb_replica_seqno(r) != last_seqno) {
		synced_at = brint_now_ms(); /* northd may still be writing: wait for quiet */
		last_seqno = sb_replica_seqno(r);
		return;
	}
	if (brint_now_ms() - synced_at < quiet_ms)
		return;
	compiler = lfc_new();
	if (compiler == NULL) {
		fprintf(stderr, "brint-lflow-probe: out of memory\n");
		ev_loop_stop(loop);
		return;
	}
	rss0 = status_kb("VmRSS");
	/* tracking starts now; the first update is a full compile whatever is tracked */
	ovn_glue_set_change_handler(on_change, NULL);
	compile_pass(r, true, false);
	sb_replica_ack(r);
	rss1 = status_kb("VmRSS"); /* the compiled flows, before pl_build's transient memory */
	hwm = status_kb("VmHWM");
	s = lfc_get_stats(compiler);
	json_t *p = json_array_get(passes, json_array_size(passes) - 1);
	time_pl_build(p);
	printf("{\"flows\": %u, \"compiled\": %u, \"skipped\": %u, \"rules\": %u, "
	       "\"full_lfc_ms\": %.1f, \"full_wall_ms\": %.1f, \"full_topo_ms\": %.1f, "
	       "\"full_lists_ms\": %.1f, \"full_pl_build_ms\": %.1f, \"rss_before_kb\": %ld, "
	       "\"rss_after_kb\": %ld, \"hwm_kb\": %ld}\n",
	       s->flows, s->compiled, s->skipped, s->rules, s->last_ms,
	       json_real_value(json_object_get(p, "wall_ms")), s->last_topo_ms, s->last_lists_ms,
	       json_real_value(json_object_get(p, "pl_build_ms")), rss0, rss1, hwm);
	fflush(stdout);
	(void)t; /* keeps firing, returns at once */
}

static void cmd_stats(const json_t *args, struct ctl_reply *r)
{
	(void)args;
	if (compiler == NULL) {
		ctl_reply_err(r, "not compiled yet (the replica is not complete)");
		return;
	}
	ctl_reply_ok(r, lfc_stats_json(compiler));
}

static void cmd_passes(const json_t *args, struct ctl_reply *r)
{
	long long since = 0;
	json_t *a = json_array();
	if (ctl_arg_int(args, "since", false, 0, 1LL << 40, &since, r) < 0) {
		json_decref(a);
		return;
	}
	for (size_t i = (size_t)since; i < json_array_size(passes); i++)
		json_array_append(a, json_array_get(passes, i));
	ctl_reply_ok(r, a);
}

/* Compile the replica again from scratch in a second compiler and compare everything
 * (lfc_dump) with the incrementally maintained one. */
static void cmd_verify(const json_t *args, struct ctl_reply *r)
{
	struct sb_replica *rep = ovn_glue_replica();
	struct lfc *fresh;
	char *a, *b;
	json_t *res;
	double t0 = now_ms();
	(void)args;

	if (compiler == NULL || rep == NULL) {
		ctl_reply_err(r, "not compiled yet (the replica is not complete)");
		return;
	}
	if (sb_replica_has_changes(rep)) {
		ctl_reply_err(r, "the replica has changes not compiled yet; try again");
		return;
	}
	if ((fresh = lfc_new()) == NULL) {
		ctl_reply_err(r, "out of memory");
		return;
	}
	lfc_update(fresh, rep, true);
	a = lfc_dump(compiler);
	b = lfc_dump(fresh);
	if (a == NULL || b == NULL) {
		ctl_reply_err(r, "out of memory");
	} else {
		size_t i = 0, line = 1, start = 0;
		while (a[i] && a[i] == b[i]) {
			if (a[i] == '\n') {
				line++;
				start = i + 1;
			}
			i++;
		}
		res = json_pack("{s:b, s:i, s:I, s:f}", "equal", a[i] == b[i], "flows",
				lfc_get_stats(fresh)->flows, "dump_bytes", (json_int_t)strlen(a),
				"ms", now_ms() - t0);
		if (a[i] != b[i]) {
			json_object_set_new(res, "line", json_integer((json_int_t)line));
			json_object_set_new(res, "incremental",
					    json_stringn(a + start, strcspn(a + start, "\n")));
			json_object_set_new(res, "full",
					    json_stringn(b + start, strcspn(b + start, "\n")));
		}
		ctl_reply_ok(r, res);
	}
	free(a);
	free(b);
	lfc_free(fresh);
}

static void cmd_rss(const json_t *args, struct ctl_reply *r)
{
	(void)args;
	ctl_reply_ok(r, json_pack("{s:i, s:i}", "rss_kb", (int)status_kb("VmRSS"), "hwm_kb",
				  (int)status_kb("VmHWM")));
}

CTL_COMMAND(lflow_probe_stats, "lflow stats", "",
	    "compiled logical flows per datapath and stage; skipped flows and why", cmd_stats)
CTL_COMMAND(lflow_probe_passes, "probe lflow passes", "[--since N]",
	    "(brint-lflow-probe) every compile pass: times (lfc, topology, lists, pl_build), "
	    "recompiled, full, skipped",
	    cmd_passes)
CTL_COMMAND(lflow_probe_verify, "probe lflow verify", "",
	    "(brint-lflow-probe) recompile everything in a second compiler and compare all of it "
	    "with the incrementally maintained tables",
	    cmd_verify)
CTL_COMMAND(lflow_probe_rss, "probe rss", "", "(brint-lflow-probe) VmRSS and VmHWM in kB", cmd_rss)

static void usage(FILE *f)
{
	fprintf(f, "usage: brint-lflow-probe --config FILE [--socket PATH] [--pidfile PATH]\n"
		   "                         [--quiet-ms MS] [--log-level LEVEL]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"socket", required_argument, NULL, 's'},
	    {"pidfile", required_argument, NULL, 'p'},
	    {"quiet-ms", required_argument, NULL, 'q'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *sock = NULL, *pidfile = NULL;
	json_error_t je;
	json_t *cfg, *ovn;
	char err[512];
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 's': sock = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'q': quiet_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': {
			int l = brint_log_level_parse(optarg);
			if (l < 0) {
				fprintf(stderr, "brint-lflow-probe: unknown log level \"%s\"\n",
					optarg);
				return 2;
			}
			brint_log_set_level((enum brint_log_level)l);
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (config == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	cfg = json_load_file(config, 0, &je);
	if (cfg == NULL) {
		fprintf(stderr, "brint-lflow-probe: %s:%d: %s\n", config, je.line, je.text);
		return 2;
	}
	ovn = json_object_get(cfg, "ovn");
	if (ovn == NULL)
		ovn = cfg;
	passes = json_array();
	loop = ev_loop_new();
	if (loop == NULL || passes == NULL)
		return 1;
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (ovn_glue_start(loop, ovn, err, sizeof(err)) < 0) {
		fprintf(stderr, "brint-lflow-probe: %s\n", err);
		return 2;
	}
	if (sock && ctl_server_start(loop, sock) < 0) {
		fprintf(stderr, "brint-lflow-probe: control socket %s: %s\n", sock,
			strerror(errno));
		ovn_glue_stop();
		return 1;
	}
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (f == NULL) {
			fprintf(stderr, "brint-lflow-probe: %s: %s\n", pidfile, strerror(errno));
			return 1;
		}
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}
	ev_timer_add(loop, 100, 100, sync_check, NULL);
	ev_loop_run(loop);
	if (sock)
		ctl_server_stop();
	ovn_glue_set_change_handler(NULL, NULL);
	ovn_glue_stop();
	lfc_free(compiler);
	if (pidfile)
		unlink(pidfile);
	ev_loop_free(loop);
	json_decref(passes);
	json_decref(cfg);
	return 0;
}
