/* SPDX-License-Identifier: Apache-2.0 */
/* brint-pl-bench: the cost of a flow's first packet (the slow path: dp/pl_interp.c pl_run)
 * on a pipeline generation built from a real OVN southbound database, without DPDK or pods.
 *
 *   brint-pl-bench SNAPSHOT.json [--schema FILE] [--runs N] [--local IFACE=ID ...]
 *                  [--key NAME:SPEC ...] [--linear] [--cold N] [--rebuild N]
 *
 * SNAPSHOT is the SB's rows as one OVSDB update2 message ({table: {uuid: {"insert": row}}};
 * scripts/bench-first-packet.sh makes it with ovsdb-client from a northd-built SB). The rows
 * go into the SB replica (ovn-glue/sb), the compiler compiles every Logical_Flow, and
 * pl_build() builds the generation with the given local ports (logical port name = brint port
 * id), exactly as brintd does. Each key is a frame built from SPEC and parsed by flow_parse():
 *   udp,IN,SMAC,DMAC,SIP,DIP        an IPv4 UDP packet (TTL 64, ports 1024 -> 5001)
 *   arp,IN,SMAC,SIP,TIP             an ARP request (broadcast)
 * For each key: the flat actions and the megaflow mask's fields, then pl_run's cycles
 * (rdtsc) over N runs: min, median, mean; the megaflow insert that follows (fc_insert, as
 * dp.c's upcall does); with --cold N, N more runs each after writing 64 MB elsewhere
 * (--evict-mb: caches cold, as for a PMD meeting a new flow between bursts; 4 MB empties
 * this machine's L1 and L2 and leaves most of its L3). --linear disables the stage indexes
 * (the linear scan the interpreter falls back to), for before/after in one binary. --rebuild N
 * builds the generation N more times from the same compiled flows with the previous one
 * given (as brintd after each change) and prints each build's phases.
 * --explain lists the stages each key visits, their index and the flow hit; --verify checks
 * each key against the linear scan (same actions, and keys agreeing under the indexed mask
 * get them too; exit 1 otherwise). */
#include "dp_actions.h"
#include "flow_cache.h"
#include "flow_key.h"
#include "lflow/compile.h"
#include "lflow/pl_build.h"
#include "pl_index.h"
#include "pl_interp.h"
#include "sb/sb_tables.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#define MAX_LOCALS 64
#define MAX_KEYS   32
#define EVICT_MB   64 /* default: twice this machine's L3 */

struct bkey {
	char name[64];
	struct dp_key k;
};

static int parse_mac(const char *s, uint8_t m[6])
{
	unsigned v[6];
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return 0;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* a frame from the spec, parsed into k */
static int make_key(const char *spec, struct bkey *bk)
{
	char buf[256], *f[8], *save = NULL;
	int n = 0;
	uint8_t fr[128];
	size_t len;
	struct flow_layout lay;

	snprintf(buf, sizeof(buf), "%s", spec);
	char *colon = strchr(buf, ':');
	if (colon == NULL)
		return -1;
	*colon = '\0';
	snprintf(bk->name, sizeof(bk->name), "%.63s", buf);
	for (char *t = strtok_r(colon + 1, ",", &save); t && n < 8; t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	memset(fr, 0, sizeof(fr));
	memset(&bk->k, 0, sizeof(bk->k));
	if (n == 6 && strcmp(f[0], "udp") == 0) {
		struct in_addr s, d;
		if (parse_mac(f[2], fr + 6) || parse_mac(f[3], fr) || !inet_aton(f[4], &s) ||
		    !inet_aton(f[5], &d))
			return -1;
		fr[12] = 0x08;
		uint8_t *ip = fr + 14;
		ip[0] = 0x45;
		ip[3] = 28 + 18;
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, &s, 4);
		memcpy(ip + 16, &d, 4);
		uint16_t c = csum(ip, 20);
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
		uint8_t *udp = ip + 20;
		udp[0] = 1024 >> 8;
		udp[2] = 5001 >> 8;
		udp[3] = 5001 & 0xff;
		udp[5] = 8 + 18;
		len = 14 + 20 + 8 + 18;
	} else if (n == 5 && strcmp(f[0], "arp") == 0) {
		struct in_addr s, t;
		if (parse_mac(f[2], fr + 6) || !inet_aton(f[3], &s) || !inet_aton(f[4], &t))
			return -1;
		memset(fr, 0xff, 6);
		fr[12] = 0x08;
		fr[13] = 0x06;
		uint8_t *a = fr + 14;
		a[1] = 1;    /* Ethernet */
		a[2] = 0x08; /* IPv4 */
		a[4] = 6;
		a[5] = 4;
		a[7] = 1; /* request */
		memcpy(a + 8, fr + 6, 6);
		memcpy(a + 14, &s, 4);
		memcpy(a + 24, &t, 4);
		len = 60;
	} else {
		return -1;
	}
	if (flow_parse(fr, len, &bk->k.f, &lay) != FLOW_OK)
		return -1;
	bk->k.in_port = (uint32_t)atoi(f[1]);
	return 0;
}

/* --explain: each stage a key visits, its index (the root's chain of index fields; "diagram":
 * the lookup follows the stage's decision diagram, pl_dtree.h) and the flow hit */
static void on_stage(void *arg, const struct pl_trace_ev *ev)
{
	const struct pl_gen *g = arg;
	const struct pl_index *ix = g->index;
	printf("    %-11s %s %2u %-26s", ev->dp->name, ev->egress ? "out" : "in ", ev->table,
	       ev->stage);
	if (ix) {
		const struct pl_sidx *si = pl_index_stage(ix, g, ev->dp, ev->egress, ev->table);
		const struct pl_inode *nd = &si->root;
		printf(" rules %3u", si->n_all);
		for (unsigned d = 0; nd->indexed; d++) {
			printf("%s%s", d ? "," : " on ", lf_mf_name((enum lf_mf)nd->mf));
			if (nd->rest == UINT32_MAX)
				break;
			nd = &ix->nodes[nd->rest];
		}
		if (si->jump_n)
			printf(" pass-through");
		else if (ix->sdt && ix->sdt[si - ix->sidx] != PL_DT_ABSENT)
			printf(" diagram");
	}
	if (ev->flow) {
		char *t = lflow_prog_format(ev->flow->prog);
		printf(" -> %d: %.50s", ev->flow->priority, t ? t : "");
		free(t);
	}
	printf("\n");
}

/* --verify: the indexed run gives the linear scan's actions, and keys agreeing with it under
 * the indexed run's mask get those actions from the linear scan too */
static int verify(struct pl_gen *g, const struct bkey *bk)
{
	uint8_t b1[2048], b2[2048];
	char t1[1024], t2[1024];
	struct dpa_buf a1 = {.data = b1, .cap = sizeof(b1)}, a2 = {.data = b2, .cap = sizeof(b2)};
	struct pl_counters c;
	struct dp_key m1, m2;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int bad = 0;

	memset(&c, 0, sizeof(c));
	pl_gen_set_indexed(g, true);
	pl_run(g, &bk->k, &m1, &a1, &c);
	dpa_format(b1, a1.len, t1, sizeof(t1));
	pl_gen_set_indexed(g, false);
	pl_run(g, &bk->k, &m2, &a2, &c);
	dpa_format(b2, a2.len, t2, sizeof(t2));
	if (strcmp(t1, t2) != 0) {
		printf("  VERIFY: indexed %s, linear %s\n", t1, t2);
		bad = 1;
	}
	for (int i = 0; i < 2000 && !bad; i++) {
		struct dp_key v = bk->k;
		uint8_t *vb = (uint8_t *)&v;
		const uint8_t *mb = (const uint8_t *)&m1;
		for (size_t j = offsetof(struct dp_key, f); j < sizeof(v); j++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint8_t r = (uint8_t)(seed >> 56);
			vb[j] = (uint8_t)((vb[j] & mb[j]) | (r & ~mb[j]));
		}
		a2.len = 0;
		pl_run(g, &v, &m2, &a2, &c);
		dpa_format(b2, a2.len, t2, sizeof(t2));
		if (strcmp(t1, t2) != 0) {
			printf("  VERIFY: mask unsound: %s for a key under the mask, %s\n", t2, t1);
			bad = 1;
		}
	}
	pl_gen_set_indexed(g, true);
	if (!bad)
		printf("  verify: the linear scan's actions; 2000 keys under the mask agree\n");
	return bad;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* the megaflow insert that follows a slow-path run (dp/flow_cache.c fc_insert, as dp.c's
 * upcall() calls it, in a cache sized as dp.c's): N inserts of distinct keys (in_port
 * varied) under the key's mask; the first one also creates the subtable */
static void time_insert(const struct dp_key *k, const struct dp_key *mask, const uint8_t *acts,
			uint32_t len, unsigned runs, uint64_t *t)
{
	struct fc_cache *c = fc_create(8192, 65536);
	if (c == NULL)
		return;
	for (unsigned r = 0; r < runs; r++) {
		struct dp_key v = *k;
		v.in_port = 1000 + r % 60000;
		if (r && r % 60000 == 0)
			fc_flush(c);
		uint64_t t0 = __rdtsc();
		fc_insert(c, &v, mask, acts, len, t0); /* hashes the key itself if its EMC is on */
		t[r] = __rdtsc() - t0;
	}
	fc_destroy(c);
	uint64_t first = t[0];
	qsort(t, runs, sizeof(*t), cmp_u64);
	printf("  megaflow insert cycles: first %llu (with its subtable), min %llu  median %llu\n",
	       (unsigned long long)first, (unsigned long long)t[0],
	       (unsigned long long)t[runs / 2]);
}

/* the key fields the mask covers (any bit) */
static void print_mask(const struct dp_key *m)
{
	static const struct {
		const char *name;
		size_t ofs, n;
	} fl[] = {
#define F(x) {#x, offsetof(struct dp_key, f.x), sizeof(((struct flow_key *)0)->x)}
	    F(eth_dst),	  F(eth_src),	F(eth_type),  F(vlan_tci),  F(nw_proto), F(nw_ttl),
	    F(nw_tos),	  F(nw_frag),	F(ip4_src),   F(ip4_dst),   F(ip6_src),	 F(ip6_dst),
	    F(ip6_label), F(tp_src),	F(tp_dst),    F(tcp_flags), F(arp_op),	 F(arp_sha),
	    F(arp_tha),	  F(nd_target), F(igmp_type),
#undef F
	};
	printf("  mask:");
	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		const uint8_t *b = (const uint8_t *)m + fl[i].ofs;
		bool any = false, all = true;
		for (size_t j = 0; j < fl[i].n; j++) {
			any |= b[j] != 0;
			all &= b[j] == 0xff;
		}
		if (any)
			printf(" %s%s", fl[i].name, all ? "" : "(partial)");
	}
	printf("\n");
}

static struct pl_gen *load(const char *snap, const char *schema, const struct pl_local *locals,
			   unsigned n_locals, unsigned rebuilds)
{
	json_error_t je;
	char err[512];
	bool rebuilt;
	json_t *sj = json_load_file(schema, 0, &je);
	if (sj == NULL) {
		fprintf(stderr, "pl-bench: %s: %s\n", schema, je.text);
		return NULL;
	}
	struct ovs_schema *s = ovs_schema_from_json(sj, err, sizeof(err));
	json_decref(sj);
	if (s == NULL) {
		fprintf(stderr, "pl-bench: schema: %s\n", err);
		return NULL;
	}
	struct sb_replica *r = sb_tables_replica_new();
	if (sb_replica_set_schema(r, s, &rebuilt, err, sizeof(err)) != 0) {
		fprintf(stderr, "pl-bench: schema: %s\n", err);
		return NULL;
	}
	ovs_schema_free(s);
	sb_replica_set_tracking(r, true);
	json_t *u = json_load_file(snap, 0, &je);
	if (u == NULL) {
		fprintf(stderr, "pl-bench: %s: %s\n", snap, je.text);
		return NULL;
	}
	if (sb_replica_apply(r, u, false, err, sizeof(err)) != 0) {
		fprintf(stderr, "pl-bench: %s: %s\n", snap, err);
		return NULL;
	}
	json_decref(u);
	struct lfc *c = lfc_new();
	lfc_update(c, r, true);
	sb_replica_ack(r);
	const struct lfc_stats *st = lfc_get_stats(c);
	printf("compiled %u flows (%u skipped)\n", st->compiled, st->skipped);
	struct pl_gen *g = pl_build(c, locals, n_locals);
	/* --rebuild: the generation built again from the same compiled flows with the previous
	 * one given, as brintd does after every change (its unchanged stages and programs taken
	 * over); the phases of each build */
	for (unsigned i = 0; g && i < rebuilds; i++) {
		struct pl_gen *n = pl_build_from(c, locals, n_locals, g);
		printf("rebuild %u: walk %.2f ms, finish %.2f ms, index %.2f ms\n", i + 1,
		       pl_build_times.walk_ms, pl_build_times.finish_ms, pl_build_times.index_ms);
		pl_gen_free(g);
		g = n;
	}
	lfc_free(c);
	sb_replica_free(r);
	return g;
}

int main(int argc, char **argv)
{
	const char *snap = NULL, *schema = "/usr/share/ovn/ovn-sb.ovsschema";
	struct pl_local locals[MAX_LOCALS];
	struct bkey keys[MAX_KEYS];
	unsigned n_locals = 0, n_keys = 0, runs = 2000, cold = 0, evict_mb = EVICT_MB, rebuilds = 0;
	bool linear = false, explain = false, check = false;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--schema") == 0 && i + 1 < argc) {
			schema = argv[++i];
		} else if (strcmp(a, "--runs") == 0 && i + 1 < argc) {
			runs = (unsigned)atoi(argv[++i]);
		} else if (strcmp(a, "--rebuild") == 0 && i + 1 < argc) {
			rebuilds = (unsigned)atoi(argv[++i]);
		} else if (strcmp(a, "--evict-mb") == 0 && i + 1 < argc) {
			evict_mb = (unsigned)atoi(argv[++i]);
		} else if (strcmp(a, "--cold") == 0 && i + 1 < argc) {
			cold = (unsigned)atoi(argv[++i]);
		} else if (strcmp(a, "--explain") == 0) {
			explain = true;
		} else if (strcmp(a, "--verify") == 0) {
			check = true;
		} else if (strcmp(a, "--linear") == 0) {
			linear = true;
		} else if (strcmp(a, "--local") == 0 && i + 1 < argc && n_locals < MAX_LOCALS) {
			char *eq = strchr(argv[++i], '=');
			if (eq == NULL)
				goto usage;
			*eq = '\0';
			locals[n_locals++] = (struct pl_local){.port_id = (uint16_t)atoi(eq + 1),
							       .iface_id = argv[i]};
		} else if (strcmp(a, "--key") == 0 && i + 1 < argc && n_keys < MAX_KEYS) {
			if (make_key(argv[++i], &keys[n_keys]) < 0) {
				fprintf(stderr, "pl-bench: bad key %s\n", argv[i]);
				return 2;
			}
			n_keys++;
		} else if (a[0] != '-' && snap == NULL) {
			snap = a;
		} else {
			goto usage;
		}
	}
	if (snap == NULL || runs == 0)
		goto usage;
	struct pl_gen *g = load(snap, schema, locals, n_locals, rebuilds);
	if (g == NULL)
		return 1;
	printf("generation: %u datapaths, %u flows, %u rules, %u terms, %u ports (%u local), "
	       "%u groups%s\n",
	       g->n_dps, g->n_flows, g->n_rules, g->n_terms, g->n_ports, g->n_local, g->n_mcgroups,
	       linear ? "; linear scan" : "");
	if (g->index) { /* the index's build time (plb_finish built it once already) */
		struct timespec t0, t1;
		pl_index_free(g->index);
		g->index = NULL;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (!pl_index_build(g))
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("index build: %.2f ms\n", (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
						     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
	if (linear)
		pl_gen_set_indexed(g, false);
	else if (g->index)
		printf("stage indexes: %u of %u stages, %u index nodes; decision diagrams: %u "
		       "stages, %u nodes\n",
		       g->index->n_indexed_stages, g->index->n_sidx, g->index->n_index_nodes,
		       g->index->n_dt_stages, g->index->n_dnodes);
	uint64_t *t = calloc(runs, sizeof(*t));
	size_t evict_bytes = (size_t)evict_mb << 20;
	uint8_t *evict = cold ? calloc(1, evict_bytes) : NULL;
	if (t == NULL || (cold && evict == NULL))
		return 1;
	for (unsigned i = 0; i < n_keys; i++) {
		struct pl_counters c;
		struct dp_key mask;
		uint8_t buf[2048];
		char text[1024];
		struct dpa_buf b = {.data = buf, .cap = sizeof(buf)};
		memset(&c, 0, sizeof(c));
		uint64_t tf = __rdtsc();
		if (pl_run(g, &keys[i].k, &mask, &b, &c) < 0) {
			fprintf(stderr, "pl-bench: %s: action overflow\n", keys[i].name);
			return 1;
		}
		uint64_t first = __rdtsc() - tf;
		dpa_format(buf, b.len, text, sizeof(text));
		printf("%s: %s (%llu stages)\n", keys[i].name, text, (unsigned long long)c.stages);
		if (i == 0) /* the process's first run: its code never ran (page faults, lazy
			     * lookups), as a daemon's first upcall */
			printf("  first run of the process: %llu cycles\n",
			       (unsigned long long)first);
		print_mask(&mask);
		if (explain) {
			b.len = 0;
			pl_run_traced(g, &keys[i].k, &mask, &b, &c, on_stage, g);
		}
		if (check && verify(g, &keys[i]))
			failed = 1;
		for (unsigned r = 0; r < runs; r++) {
			uint64_t t0 = __rdtsc();
			b.len = 0;
			pl_run(g, &keys[i].k, &mask, &b, &c);
			t[r] = __rdtsc() - t0;
		}
		uint64_t sum = 0;
		for (unsigned r = 0; r < runs; r++)
			sum += t[r];
		qsort(t, runs, sizeof(*t), cmp_u64);
		printf("  cycles: min %llu  median %llu  mean %llu  (%u runs)\n",
		       (unsigned long long)t[0], (unsigned long long)t[runs / 2],
		       (unsigned long long)(sum / runs), runs);
		b.len = 0;
		pl_run(g, &keys[i].k, &mask, &b, &c);
		time_insert(&keys[i].k, &mask, buf, b.len, runs, t);
		/* cold: the caches filled with other data before each run, as when a PMD that
		 * was forwarding meets a new flow */
		unsigned cruns = cold < runs ? cold : runs;
		for (unsigned r = 0; r < cruns; r++) {
			for (size_t j = 0; j < evict_bytes; j += 64)
				evict[j]++;
			uint64_t t0 = __rdtsc();
			b.len = 0;
			pl_run(g, &keys[i].k, &mask, &b, &c);
			t[r] = __rdtsc() - t0;
		}
		if (cruns) {
			qsort(t, cruns, sizeof(*t), cmp_u64);
			printf("  cold cycles (%u MB evicted): min %llu  median %llu  (%u runs)\n",
			       evict_mb, (unsigned long long)t[0], (unsigned long long)t[cruns / 2],
			       cruns);
		}
	}
	free(t);
	free(evict);
	pl_gen_free(g);
	return failed;
usage:
	fprintf(stderr, "usage: brint-pl-bench SNAPSHOT.json [--schema FILE] [--runs N] "
			"[--cold N] [--evict-mb N] [--explain] [--verify] [--local IFACE=ID ...] "
			"[--key NAME:udp,IN,SMAC,DMAC,SIP,DIP | "
			"NAME:arp,IN,SMAC,SIP,TIP ...] [--linear] [--rebuild N]\n");
	return 2;
}
