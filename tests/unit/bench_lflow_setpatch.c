/* SPDX-License-Identifier: Apache-2.0 */
/* Timing harness (a benchmark, not a test: `meson test -C build --benchmark lflow_setpatch'
 * or run build/tests/unit/bench_lflow_setpatch [N]): one member added to, then removed
 * from, a 10,000-address set used by 8 flows (as scripts/lflow-scale.sh's as_all: ACLs
 * allowing from the set, plain and conjunctive), each pass an incremental lfc_update;
 * prints min and median over N rounds of the whole pass and of its topology and compile
 * phases, and checks every pass patched the 8 flows (exit 1 otherwise). Noisy on a shared
 * machine: read the minimum. */
#include "lflow/compile.h"
#include "ovsdb/schema.h"
#include "sb/replica.h"
#include "sb/sb_tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LS1    "a0000000-0000-0000-0000-000000000001"
#define AS_ALL "e0000000-0000-0000-0000-000000000001"
#define N_ADDR 10000

static const char *const flows[] = {
    "outport == \"p1\" && ip4 && ip4.src == $all",
    "outport == \"p2\" && ip4 && ip4.src == $all",
    "outport == \"p3\" && ip4 && ip4.src == $all",
    "inport == \"p1\" && ip4 && ip4.src == $all && tcp.dst == 8080",
    "inport == \"p2\" && ip4 && ip4.src == $all && tcp.dst == 8080",
    "inport == \"p3\" && ip4 && ip4.src == $all && tcp.dst == 8080",
    "reg0[7] == 1 && (outport == \"p1\" && ip4 && ip4.src == $all)",
    "ip4.src == $all && tcp.dst == {80, 443, 8080}",
};
#define N_FLOWS (sizeof(flows) / sizeof(flows[0]))

static void apply(struct sb_replica *r, json_t *u)
{
	char err[512];
	if (sb_replica_apply(r, u, false, err, sizeof(err)) != 0) {
		fprintf(stderr, "apply: %s\n", err);
		exit(2);
	}
	json_decref(u);
}

static json_t *initial(void)
{
	json_t *u = json_object(), *lf = json_object(), *v = json_array();
	for (unsigned i = 0; i < N_ADDR; i++) {
		char s[32];
		snprintf(s, sizeof(s), "10.%u.%u.%u", i / 250 + 1, i % 250 + 2, 5);
		json_array_append_new(v, json_string(s));
	}
	json_object_set_new(u, "Datapath_Binding",
			    json_pack("{s:{s:{s:i, s:[s, [[s, s], [s, s]]]}}}", LS1, "insert",
				      "tunnel_key", 1, "external_ids", "map", "logical-switch", "x",
				      "name", "ls1"));
	json_object_set_new(u, "Address_Set",
			    json_pack("{s:{s:{s:s, s:[s, o]}}}", AS_ALL, "insert", "name", "all",
				      "addresses", "set", v));
	for (unsigned i = 0; i < N_FLOWS; i++) {
		char uu[37];
		snprintf(uu, sizeof(uu), "f0000000-0000-0000-0000-%012x", i);
		json_object_set_new(
		    lf, uu,
		    json_pack("{s:{s:s, s:i, s:i, s:s, s:s, s:[s, [[s, s]]], s:[s, s]}}", "insert",
			      "pipeline", "ingress", "table_id", 1, "priority", 1000 + (int)i,
			      "match", flows[i], "actions", "drop;", "external_ids", "map",
			      "stage-name", "ls_in_acl", "logical_datapath", "uuid", LS1));
	}
	json_object_set_new(u, "Logical_Flow", lf);
	return u;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void show(const char *what, double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	printf("  %-8s min %.3f ms, median %.3f ms\n", what, v[0], v[n / 2]);
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 50;
	json_error_t je;
	json_t *sj = json_load_file("/usr/share/ovn/ovn-sb.ovsschema", 0, &je);
	struct ovs_schema *s;
	struct sb_replica *r;
	struct lfc *c;
	char err[512];
	bool rebuilt;
	double *t[2][3];
	int bad = 0;

	if (sj == NULL || rounds == 0 || (s = ovs_schema_from_json(sj, err, sizeof(err))) == NULL) {
		fprintf(stderr, "no OVN SB schema\n");
		return 2;
	}
	json_decref(sj);
	r = sb_tables_replica_new();
	if (sb_replica_set_schema(r, s, &rebuilt, err, sizeof(err)) != 0)
		return 2;
	ovs_schema_free(s);
	sb_replica_set_tracking(r, true);
	c = lfc_new();
	apply(r, initial());
	lfc_update(c, r, true);
	sb_replica_ack(r);
	for (unsigned a = 0; a < 2; a++)
		for (unsigned p = 0; p < 3; p++)
			t[a][p] = calloc(rounds, sizeof(double));
	for (unsigned i = 0; i < rounds; i++) {
		for (unsigned a = 0; a < 2; a++) { /* 0: added, 1: removed again */
			const struct lfc_stats *st = lfc_get_stats(c);
			char m[32];
			snprintf(m, sizeof(m), "10.250.%u.%u", i / 250, i % 250 + 1);
			apply(r, json_pack("{s:{s:{s:{s:[s, [s]]}}}}", "Address_Set", AS_ALL,
					   "modify", "addresses", "set", m));
			lfc_update(c, r, false);
			sb_replica_ack(r);
			if (st->last_patched != N_FLOWS || st->last_recompiled != 0)
				bad = 1;
			t[a][0][i] = st->last_ms;
			if (i == 0 && a == 0)
				printf("first member added after the full compile: %.3f ms "
				       "(topology %.3f, compile %.3f)\n",
				       st->last_ms, st->last_topo_ms, st->last_compile_ms);
			t[a][1][i] = st->last_topo_ms;
			t[a][2][i] = st->last_compile_ms;
		}
	}
	printf("%u flows on a %u-address set, %u rounds%s\n", (unsigned)N_FLOWS, N_ADDR, rounds,
	       bad ? " (NOT ALL PATCHED)" : "");
	for (unsigned a = 0; a < 2; a++) {
		printf("member %s:\n", a ? "removed" : "added");
		show("pass", t[a][0], rounds);
		show("topology", t[a][1], rounds);
		show("compile", t[a][2], rounds);
	}
	lfc_free(c);
	sb_replica_free(r);
	return bad;
}
