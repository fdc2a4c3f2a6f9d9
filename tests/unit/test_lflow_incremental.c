/* SPDX-License-Identifier: Apache-2.0 */
/* The compiler's incremental passes give exactly the tables of a full recompile.
 *
 * A replica with the real OVN 23.03 SB schema (/usr/share/ovn/ovn-sb.ovsschema) is fed
 * update2 JSON: two switches and a router, ports, a datapath group, an address set of 10,000
 * addresses used by three flows, a small one, two port groups and ~40 logical flows (some
 * of them not compilable). After each change one compiler is updated incrementally and
 * another recompiles everything; their complete output (lfc_dump: every flow's stage,
 * priority, normalised rules, program or skip reason, and every stage list in order) must be
 * identical, the incrementally maintained topology must equal a fresh one (every datapath,
 * port, multicast group with its members, stage slot and count), and the incremental pass
 * must have recompiled exactly the flows that depend on the change (lfc stats
 * last_recompiled / total_recompiled). A pass in which nothing the compiler reads changed must
 * be skipped (no new generation, counted in skipped_passes). */
#include "lflow/compile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sb_test_util.h"

#define LS1	   "a0000000-0000-0000-0000-000000000001"
#define LS2	   "a0000000-0000-0000-0000-000000000002"
#define LR	   "a0000000-0000-0000-0000-000000000003"
#define DG	   "d0000000-0000-0000-0000-000000000001"
#define AS_BIG	   "e0000000-0000-0000-0000-000000000001"
#define AS_SMALL   "e0000000-0000-0000-0000-000000000002"
#define AS_MISSING "e0000000-0000-0000-0000-000000000003"
#define PG1	   "e1000000-0000-0000-0000-000000000001"
#define PG2	   "e1000000-0000-0000-0000-000000000002"
#define PGD1	   "e1000000-0000-0000-0000-000000000003"
#define LS3	   "a0000000-0000-0000-0000-000000000004"
#define MC1	   "e2000000-0000-0000-0000-000000000001"
#define BIG_N	   10000

struct fx {
	struct sb_replica *r;
	struct lfc *inc, *full;
	unsigned n_flows; /* Logical_Flow rows in the replica */
};

static void apply(struct fx *f, json_t *u)
{
	char err[512];
	if (sb_replica_apply(f->r, u, false, err, sizeof(err)) != 0)
		fail_msg("apply: %s", err);
	json_decref(u);
}

static char *flow_uuid(unsigned i, char buf[37])
{
	snprintf(buf, 37, "f0000000-0000-0000-0000-%012x", i);
	return buf;
}

/* Port_Binding uuid of port pI */
static const char *PB(unsigned i)
{
	static char buf[8][37];
	char *b = buf[i % 8];
	snprintf(b, 37, "b0000000-0000-0000-0000-%012x", i);
	return b;
}

static json_t *uuid_ref(const char *u)
{
	return json_pack("[s, s]", "uuid", u);
}

/* A Logical_Flow row: dp is a datapath uuid, or NULL with the datapath group DG. */
static json_t *lflow_row(const char *dp, const char *pipeline, int table, const char *stage,
			 int priority, const char *match, const char *actions)
{
	json_t *row = json_pack("{s:s, s:i, s:i, s:s, s:s, s:[s, [[s, s]]]}", "pipeline", pipeline,
				"table_id", table, "priority", priority, "match", match, "actions",
				actions, "external_ids", "map", "stage-name", stage);
	json_object_set_new(row, dp ? "logical_datapath" : "logical_dp_group",
			    uuid_ref(dp ? dp : DG));
	return row;
}

struct flow_spec {
	const char *dp;
	const char *pipeline;
	int table;
	const char *stage;
	int priority;
	const char *match;
	const char *actions;
};

/* Index in flows[] of the flows the checks name. */
enum {
	F_BIG1 = 4,
	F_BIG2,
	F_BIG_PG1,
	F_PG1_A,
	F_PG1_B,
	F_PG2,
	F_SMALL,
	F_MISSING,
	F_BAD_MATCH,
	F_BAD_ACTION,
	F_MODIFIED,
	F_DELETED,
	F_PGD,
	F_ARP_RESOLVE,
	F_ARP_REQUEST,
	F_NOMINAL
};

static const struct flow_spec flows[] = {
    {LS1, "ingress", 0, "ls_in_check_port_sec", 0, "1", "next;"},
    {LS2, "ingress", 0, "ls_in_check_port_sec", 0, "1", "next;"},
    {NULL, "ingress", 1, "ls_in_acl", 0, "1", "next;"},
    {NULL, "egress", 0, "ls_out_pre_acl", 0, "1", "next;"},
    [F_BIG1] = {LS1, "ingress", 1, "ls_in_acl", 2001, "ip4.src == $big && tcp.dst == 80", "drop;"},
    [F_BIG2] = {LS2, "egress", 1, "ls_out_acl", 2001, "outport == \"p3\" && ip4.dst == $big",
		"reg0[1] = 1; next;"},
    [F_BIG_PG1] = {LS1, "ingress", 1, "ls_in_acl", 2002,
		   "inport == @pg1 && ip4 && ip4.src == $big && udp.dst == {53, 5353}",
		   "ct_commit { ct_mark.blocked = 1; }; next;"},
    [F_PG1_A] = {LS1, "ingress", 1, "ls_in_acl", 1001, "inport == @pg1 && ip4", "next;"},
    [F_PG1_B] = {LS1, "egress", 1, "ls_out_acl", 1001, "outport == @pg1 && ip6", "drop;"},
    [F_PG2] = {LS2, "ingress", 1, "ls_in_acl", 1002, "inport == @pg2 && arp", "next;"},
    [F_SMALL] = {NULL, "ingress", 1, "ls_in_acl", 1003, "ip4.dst == $small && icmp4", "next;"},
    [F_MISSING] = {LS2, "ingress", 1, "ls_in_acl", 1004, "ip4.src == $missing", "drop;"},
    [F_BAD_MATCH] = {LS1, "ingress", 1, "ls_in_acl", 1005, "ip4.src == 10.0.0.0/33", "next;"},
    [F_BAD_ACTION] = {LS1, "ingress", 1, "ls_in_acl", 1006, "ip4", "frobnicate;"},
    [F_MODIFIED] = {LS1, "ingress", 2, "ls_in_l2_lkup", 50, "eth.dst == 00:00:00:00:00:01",
		    "outport = \"p1\"; output;"},
    [F_DELETED] = {LS1, "ingress", 2, "ls_in_l2_lkup", 50, "eth.dst == 00:00:00:00:00:02",
		   "outport = \"p2\"; output;"},
    /* on the group, with a per-datapath port group ("<key>_pgd" in the SB) */
    [F_PGD] = {NULL, "ingress", 1, "ls_in_acl", 1010, "inport == @pgd && ip4", "next;"},
    /* its next names table 3 of the router's ingress: lr_in_arp_request */
    [F_ARP_RESOLVE] = {LR, "ingress", 2, "lr_in_arp_resolve", 0, "ip4",
		       "get_arp(outport, reg0); next;"},
    [F_ARP_REQUEST] = {LR, "ingress", 3, "lr_in_arp_request", 0, "1", "output;"},
    /* refused as OVN refuses it: a nominal field is only tested for equality */
    [F_NOMINAL] = {LS2, "egress", 1, "ls_out_acl", 1007, "outport != \"p4\" && ip4", "next;"},
    {LS1, "ingress", 2, "ls_in_l2_lkup", 0, "1", "outport = \"_MC_flood\"; output;"},
    {LS2, "ingress", 2, "ls_in_l2_lkup", 50, "eth.dst == 00:00:00:00:00:03",
     "outport = \"p3\"; output;"},
    {LS2, "ingress", 2, "ls_in_l2_lkup", 0, "1", "outport = \"_MC_flood\"; output;"},
    {NULL, "ingress", 2, "ls_in_l2_lkup", 110, "eth.dst == ff:ff:ff:ff:ff:ff && arp",
     "outport = \"_MC_flood\"; output;"},
    {NULL, "egress", 1, "ls_out_acl", 0, "1", "next;"},
    {NULL, "egress", 2, "ls_out_check_port_sec", 0, "1", "output;"},
    {NULL, "egress", 2, "ls_out_check_port_sec", 100, "eth.mcast", "output;"},
    {LR, "ingress", 0, "lr_in_admission", 50, "eth.dst == 00:00:00:00:ff:01 && inport == \"lrp1\"",
     "xreg0[0..47] = 00:00:00:00:ff:01; next;"},
    {LR, "ingress", 0, "lr_in_admission", 0, "1", "drop;"},
    {LR, "ingress", 1, "lr_in_ip_routing", 74, "ip4.dst == 10.1.0.0/16",
     "ip.ttl--; reg8[0..15] = 0; reg0 = ip4.dst; reg1 = 10.1.0.1; "
     "eth.src = 00:00:00:00:ff:01; outport = \"lrp1\"; flags.loopback = 1; next;"},
    {LR, "ingress", 1, "lr_in_ip_routing", 74, "ip4.dst == 10.2.0.0/16",
     "ip.ttl--; reg8[0..15] = 0; reg0 = ip4.dst; reg1 = 10.2.0.1; "
     "eth.src = 00:00:00:00:ff:02; outport = \"lrp2\"; flags.loopback = 1; next;"},
};
#define N_FLOWS (sizeof(flows) / sizeof(flows[0]))

static json_t *initial_updates(void)
{
	json_t *u = json_object(), *lf = json_object(), *as = json_object(), *pb = json_object();
	json_t *big = json_array();
	char uu[37];

	json_object_set_new(
	    u, "Datapath_Binding",
	    json_pack("{s:{s:{s:i, s:[s, [[s, s], [s, s]]]}}, s:{s:{s:i, s:[s, [[s, s], [s, s]]]}},"
		      " s:{s:{s:i, s:[s, [[s, s], [s, s]]]}}}",
		      LS1, "insert", "tunnel_key", 1, "external_ids", "map", "logical-switch", "x",
		      "name", "ls1", LS2, "insert", "tunnel_key", 2, "external_ids", "map",
		      "logical-switch", "y", "name", "ls2", LR, "insert", "tunnel_key", 3,
		      "external_ids", "map", "logical-router", "z", "name", "lr"));
	json_object_set_new(u, "Logical_DP_Group",
			    json_pack("{s:{s:{s:[s, [o, o]]}}}", DG, "insert", "datapaths", "set",
				      uuid_ref(LS1), uuid_ref(LS2)));
	for (unsigned i = 1; i <= 6; i++) {
		char name[16], mac[64];
		snprintf(name, sizeof(name), "p%u", i);
		snprintf(mac, sizeof(mac), "00:00:00:00:00:%02x 10.%u.0.%u", i, i <= 3 ? 1 : 2,
			 10 + i);
		json_object_set_new(pb, PB(i),
				    json_pack("{s:{s:s, s:i, s:o, s:s}}", "insert", "logical_port",
					      name, "tunnel_key", i, "datapath",
					      uuid_ref(i <= 3 ? LS1 : LS2), "mac", mac));
	}
	json_object_set_new(u, "Port_Binding", pb);
	for (unsigned i = 0; i < BIG_N; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.%u.%u.%u", 100 + i / 65536, (i / 256) % 256, i % 256);
		json_array_append_new(big, json_string(a));
	}
	json_object_set_new(
	    as, AS_BIG,
	    json_pack("{s:{s:s, s:[s, o]}}", "insert", "name", "big", "addresses", "set", big));
	json_object_set_new(as, AS_SMALL,
			    json_pack("{s:{s:s, s:[s, [s, s]]}}", "insert", "name", "small",
				      "addresses", "set", "10.1.0.11", "10.2.0.14"));
	json_object_set_new(u, "Address_Set", as);
	json_object_set_new(u, "Port_Group",
			    json_pack("{s:{s:{s:s, s:[s, [s, s]]}}, s:{s:{s:s, s:[s, [s]]}},"
				      " s:{s:{s:s, s:[s, [s]]}}}",
				      PG1, "insert", "name", "pg1", "ports", "set", "p1", "p2", PG2,
				      "insert", "name", "pg2", "ports", "set", "p4", PGD1, "insert",
				      "name", "1_pgd", "ports", "set", "p1"));
	json_object_set_new(u, "Multicast_Group",
			    json_pack("{s:{s:{s:s, s:i, s:o, s:[s, [o, o, o]]}}}", MC1, "insert",
				      "name", "_MC_flood", "tunnel_key", 32768, "datapath",
				      uuid_ref(LS1), "ports", "set", uuid_ref(PB(1)),
				      uuid_ref(PB(2)), uuid_ref(PB(3))));
	for (unsigned i = 0; i < N_FLOWS; i++) {
		const struct flow_spec *s = &flows[i];
		json_object_set_new(lf, flow_uuid(i, uu),
				    json_pack("{s:o}", "insert",
					      lflow_row(s->dp, s->pipeline, s->table, s->stage,
							s->priority, s->match, s->actions)));
	}
	json_object_set_new(u, "Logical_Flow", lf);
	return u;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->r = sbt_replica(NULL);
	sb_replica_set_tracking(f->r, true);
	f->inc = lfc_new();
	f->full = lfc_new();
	assert_non_null(f->inc);
	assert_non_null(f->full);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	lfc_free(f->inc);
	lfc_free(f->full);
	sb_replica_free(f->r);
	free(f);
	return 0;
}

/* Print the first line where a and b differ (the dumps can be megabytes). */
static void report_diff(const char *a, const char *b)
{
	size_t line = 1, i = 0, start = 0;
	while (a[i] && a[i] == b[i]) {
		if (a[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	print_error("dumps differ at line %zu:\n incremental: %.300s\n full:        %.300s\n", line,
		    a + start, b + start);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The topology as sorted text lines (so that two built in different orders compare equal),
 * after checking its indexes against its arrays. */
static char *topo_dump(const struct ltopo *t)
{
	char **lines = NULL, *out = NULL, buf[2048];
	size_t n = 0, len = 0;
	const struct lt_port *base = ltopo_port_at(t, 0);
	const struct lt_stats *st = ltopo_stats(t);
	FILE *o;

#define LINE(...)                                                                                  \
	do {                                                                                       \
		snprintf(buf, sizeof(buf), __VA_ARGS__);                                           \
		lines = realloc(lines, (n + 1) * sizeof(*lines));                                  \
		assert_non_null(lines);                                                            \
		lines[n++] = strdup(buf);                                                          \
	} while (0)
	for (unsigned i = 0; i < ltopo_n_datapaths(t); i++) {
		const struct lt_datapath *d = ltopo_dp_at(t, i);
		assert_ptr_equal(ltopo_dp_by_key(t, d->key), d);
		assert_ptr_equal(ltopo_dp_by_uuid(t, &d->uuid), d);
		LINE("dp %lld %s %d", (long long)d->key, d->name, (int)d->kind);
	}
	for (unsigned i = 0; i < ltopo_n_ports(t); i++) {
		const struct lt_port *p = ltopo_port_at(t, i);
		char macs[512] = "";
		for (unsigned k = 0; k < p->n_macs; k++)
			strncat(macs, p->macs[k], sizeof(macs) - strlen(macs) - 1);
		assert_ptr_equal(ltopo_port(t, p->name), p);
		assert_ptr_equal(ltopo_port_by_key(t, p->dp->key, p->key), p);
		LINE("port %s dp %lld key %lld type %s peer %s tag %lld macs %s psec %u", p->name,
		     (long long)p->dp->key, (long long)p->key, p->type, p->peer ? p->peer : "-",
		     (long long)p->tag, macs, p->n_port_security);
	}
	for (unsigned i = 0; i < ltopo_n_mcgroups(t); i++) {
		const struct lt_mcgroup *m = ltopo_mcgroup_at(t, i);
		char members[1024] = "";
		char **names = calloc(m->n_ports + 1, sizeof(char *));
		assert_ptr_equal(ltopo_mcgroup(t, m->dp->key, m->name), m);
		for (unsigned k = 0; k < m->n_ports; k++) {
			/* members point into the ports array */
			assert_true(m->ports[k] >= base && m->ports[k] < base + ltopo_n_ports(t));
			names[k] = m->ports[k]->name;
		}
		qsort(names, m->n_ports, sizeof(char *), cmp_lines);
		for (unsigned k = 0; k < m->n_ports; k++) {
			strncat(members, " ", sizeof(members) - strlen(members) - 1);
			strncat(members, names[k], sizeof(members) - strlen(members) - 1);
		}
		free(names);
		LINE("mc %lld %s %lld:%s", (long long)m->dp->key, m->name, (long long)m->key,
		     members);
	}
	for (int e = 0; e < 2; e++)
		for (int k = 0; k < 3; k++)
			for (int tb = 0; tb < 64; tb++) {
				const char *name = ltopo_stage_name(t, e, (enum lt_dp_kind)k, tb);
				if (name)
					LINE("slot %d %d %02d %s -> %d", e, k, tb, name,
					     ltopo_stage_table(t, e, (enum lt_dp_kind)k, name));
			}
	LINE("stats dps %u ports %u mcs %u as %u pg %u dpg %u stages %u nostage %u conflicts %u "
	     "dangling %u",
	     st->datapaths, st->ports, st->mcgroups, st->address_sets, st->port_groups,
	     st->dp_groups, st->stages, st->flows_without_stage_name, st->stage_conflicts,
	     st->dangling);
#undef LINE
	qsort(lines, n, sizeof(*lines), cmp_lines);
	o = open_memstream(&out, &len);
	for (size_t i = 0; i < n; i++) {
		fprintf(o, "%s\n", lines[i]);
		free(lines[i]);
	}
	fclose(o);
	free(lines);
	return out;
}

static void check_topology(struct fx *f, const char *what)
{
	char *a = topo_dump(lfc_topology(f->inc)), *b = topo_dump(lfc_topology(f->full));
	if (strcmp(a, b) != 0) {
		print_error("incremental topology:\n%s\nfresh topology:\n%s\n", a, b);
		fail_msg("%s: the incremental topology differs from a fresh one", what);
	}
	free(a);
	free(b);
}

/* Update both compilers, ack, compare everything; the incremental pass must have recompiled
 * exactly `expect` flows (-1: a full recompile of every flow). Returns the incremental dump. */
/* expect: flows recompiled (-1: a full recompile); patched: flows patched with an address
 * set's difference (compile_patch.c) */
static char *step_p(struct fx *f, const char *what, int expect, unsigned patched)
{
	const struct lfc_stats *si = lfc_get_stats(f->inc), *sf = lfc_get_stats(f->full);
	uint64_t tot = si->total_recompiled, gen = si->generation;
	unsigned incs = si->incremental_compiles, fulls = si->full_compiles;
	unsigned skips = si->skipped_passes;
	char *a, *b;

	if (!lfc_update(f->inc, f->r, false))
		fail_msg("%s: the pass was skipped", what);
	assert_true(lfc_update(f->full, f->r, true));
	sb_replica_ack(f->r);
	assert_int_equal(si->generation, gen + 1);
	assert_int_equal(si->skipped_passes, skips);
	check_topology(f, what);
	f->n_flows = (unsigned)sb_table_n_rows(sb_replica_table(f->r, SB_LOGICAL_FLOW));

	a = lfc_dump(f->inc);
	b = lfc_dump(f->full);
	assert_non_null(a);
	assert_non_null(b);
	if (strcmp(a, b) != 0) {
		report_diff(a, b);
		fail_msg("%s: the incremental compile differs from the full recompile", what);
	}
	free(b);
	assert_int_equal(sf->flows, f->n_flows);
	assert_int_equal(si->flows, f->n_flows);
	assert_int_equal(sf->last_recompiled, f->n_flows);
	if (expect < 0) {
		assert_int_equal(si->full_compiles, fulls + 1);
		assert_int_equal(si->last_recompiled, f->n_flows);
	} else {
		if (si->last_recompiled != (unsigned)expect)
			fail_msg("%s: %u flows recompiled, expected %d", what, si->last_recompiled,
				 expect);
		assert_int_equal(si->incremental_compiles, incs + 1);
		assert_int_equal(si->full_compiles, fulls);
	}
	assert_int_equal(si->total_recompiled, tot + si->last_recompiled);
	if (si->last_patched != patched)
		fail_msg("%s: %u flows patched, expected %u", what, si->last_patched, patched);
	return a;
}

static char *step(struct fx *f, const char *what, int expect)
{
	return step_p(f, what, expect, 0);
}

/* A change the compiler does not read: the pass is skipped (no new generation, nothing
 * recompiled, counted), and the tables are still those of a full recompile. */
static void step_skipped(struct fx *f, const char *what)
{
	const struct lfc_stats *si = lfc_get_stats(f->inc);
	uint64_t gen = si->generation, tot = si->total_recompiled;
	unsigned skips = si->skipped_passes, incs = si->incremental_compiles;
	char *a, *b;

	if (lfc_update(f->inc, f->r, false))
		fail_msg("%s: the pass was not skipped", what);
	assert_true(lfc_update(f->full, f->r, true));
	sb_replica_ack(f->r);
	assert_int_equal(si->skipped_passes, skips + 1);
	assert_int_equal(si->generation, gen);
	assert_int_equal(si->incremental_compiles, incs);
	assert_int_equal(si->last_recompiled, 0);
	assert_int_equal(si->total_recompiled, tot);
	check_topology(f, what);
	a = lfc_dump(f->inc);
	b = lfc_dump(f->full);
	if (strcmp(a, b) != 0) {
		report_diff(a, b);
		fail_msg("%s: the tables differ from a full recompile", what);
	}
	free(a);
	free(b);
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The dump section of one flow ("flow UUID ..." up to the next "flow " line). */
static char *flow_section(const char *dump, unsigned i)
{
	char uu[37], key[64];
	const char *p, *e;
	snprintf(key, sizeof(key), "flow %s ", flow_uuid(i, uu));
	p = strstr(dump, key);
	if (p == NULL)
		return NULL;
	e = strstr(p + 1, "\nflow ");
	if (e == NULL)
		e = strstr(p + 1, "\nstage ");
	return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

static void assert_flow_has(const char *dump, unsigned i, const char *needle, bool has)
{
	char *s = flow_section(dump, i);
	assert_non_null(s);
	if ((strstr(s, needle) != NULL) != has)
		fail_msg("flow %u %s \"%s\":\n%.600s", i, has ? "lacks" : "still has", needle, s);
	free(s);
}

static json_t *modify(const char *table, const char *uuid, json_t *cols)
{
	return json_pack("{s:{s:{s:o}}}", table, uuid, "modify", cols);
}

static void test_incremental_equals_full(void **state)
{
	struct fx *f = *state;
	const struct lfc_stats *si = lfc_get_stats(f->inc);
	char uu[37], *d;

	/* the initial load: both compile everything */
	apply(f, initial_updates());
	d = step(f, "initial", -1);
	assert_int_equal(f->n_flows, N_FLOWS);
	assert_int_equal(si->skipped, 4); /* $missing, the /33, frobnicate, outport != */
	assert_flow_has(d, F_MISSING, "skipped: match", true);
	assert_flow_has(d, F_BAD_MATCH, "skipped: match", true);
	assert_flow_has(d, F_BAD_ACTION, "skipped: actions", true);
	assert_flow_has(d, F_NOMINAL,
			"skipped: match: Nominal field outport may only be tested "
			"for equality (taking enclosing `!' operators into account). (at byte 16)",
			true);
	assert_flow_has(d, F_BIG1, "10.100.39.15", true); /* member 9999 */
	assert_flow_has(d, F_PG1_A, "p2", true);
	free(d);

	/* Logical_Flows: one modified (match and actions), one added, one deleted */
	{
		char um[37], ud[37];
		json_t *u = json_pack("{s:{s:{s:{s:s, s:s}}, s:{s:o}, s:{s:n}}}", "Logical_Flow",
				      flow_uuid(F_MODIFIED, um), "modify", "match",
				      "eth.dst == 00:00:00:00:00:01 && vlan.present", "actions",
				      "outport = \"p1\"; reg0[3] = 1; output;",
				      "f0000000-0000-0000-0000-0000000000ff", "insert",
				      lflow_row(LS2, "ingress", 2, "ls_in_l2_lkup", 50,
						"eth.dst == 00:00:00:00:00:06",
						"outport = \"p6\"; output;"),
				      flow_uuid(F_DELETED, ud), "delete");
		assert_non_null(u);
		apply(f, u);
	}
	d = step(f, "flows modified, added, deleted", 2);
	assert_flow_has(d, F_MODIFIED, "vlan.present", true);
	assert_null(flow_section(d, F_DELETED));
	assert_non_null(strstr(d, "00:00:00:00:00:06"));
	free(d);

	/* the 10,000-address set gains a member: only its three users change, all patched
	 * (compile_patch.c): two with the member's rule, the third (a conjunctive rule: port
	 * group x set x udp.dst == {53, 5353}) with its alternative */
	apply(f, modify("Address_Set", AS_BIG,
			json_pack("{s:[s, [s]]}", "addresses", "set", "192.168.77.7")));
	d = step_p(f, "address set member added", 0, 3);
	assert_flow_has(d, F_BIG1, "192.168.77.7", true);
	assert_flow_has(d, F_BIG2, "192.168.77.7", true);
	assert_flow_has(d, F_BIG_PG1, "192.168.77.7", true);
	assert_int_equal(count(d, "192.168.77.7"), 3);
	free(d);

	/* ... and loses one */
	apply(f, modify("Address_Set", AS_BIG,
			json_pack("{s:[s, [s]]}", "addresses", "set", "10.100.39.15")));
	d = step_p(f, "address set member removed", 0, 3);
	assert_int_equal(count(d, "10.100.39.15"), 0);
	free(d);

	/* the small set changes: its one user (on the datapath group), patched */
	apply(f, modify("Address_Set", AS_SMALL,
			json_pack("{s:[s, [s]]}", "addresses", "set", "10.2.0.99")));
	d = step_p(f, "small address set member added", 0, 1);
	assert_flow_has(d, F_SMALL, "10.2.0.99", true);
	free(d);

	/* a port group gains a member, then loses one: its three users each time */
	apply(f, modify("Port_Group", PG1, json_pack("{s:[s, [s]]}", "ports", "set", "p3")));
	d = step(f, "port group member added", 3);
	assert_flow_has(d, F_PG1_A, "\"p3\"", true);
	assert_flow_has(d, F_PG1_B, "\"p3\"", true);
	free(d);
	apply(f, modify("Port_Group", PG1, json_pack("{s:[s, [s]]}", "ports", "set", "p1")));
	d = step(f, "port group member removed", 3);
	assert_flow_has(d, F_PG1_A, "\"p1\"", false);
	assert_flow_has(d, F_PG1_B, "\"p1\"", false);
	assert_flow_has(d, F_BIG_PG1, "\"p1\"", false);
	free(d);

	/* the other port group: one user */
	apply(f, modify("Port_Group", PG2, json_pack("{s:[s, [s]]}", "ports", "set", "p5")));
	d = step(f, "second port group member added", 1);
	assert_flow_has(d, F_PG2, "\"p5\"", true);
	free(d);

	/* the set a skipped flow looked for appears: that flow is recompiled and compiles */
	apply(f, json_pack("{s:{s:{s:{s:s, s:[s, [s]]}}}}", "Address_Set", AS_MISSING, "insert",
			   "name", "missing", "addresses", "set", "10.9.9.9"));
	d = step(f, "missing address set created", 1);
	assert_int_equal(si->skipped, 3);
	assert_flow_has(d, F_MISSING, "10.9.9.9", true);
	free(d);

	/* ... and disappears again: skipped again */
	apply(f, json_pack("{s:{s:{s:n}}}", "Address_Set", AS_MISSING, "delete"));
	d = step(f, "address set deleted", 1);
	assert_int_equal(si->skipped, 4);
	assert_flow_has(d, F_MISSING, "skipped: match", true);
	free(d);

	/* a bad flow fixed in place, and a good one broken */
	apply(f,
	      json_pack("{s:{s:{s:{s:s}}, s:{s:{s:s}}}}", "Logical_Flow",
			flow_uuid(F_BAD_ACTION, uu), "modify", "actions", "drop;",
			"f0000000-0000-0000-0000-000000000000", "modify", "match", "inport == "));
	d = step(f, "a skipped flow fixed, a compiled flow broken", 2);
	assert_flow_has(d, F_BAD_ACTION, "skipped", false);
	assert_flow_has(d, 0, "skipped: match", true);
	assert_int_equal(si->skipped, 4);
	free(d);

	/* a new port: ports stay symbolic in matches, nothing is recompiled */
	apply(f, json_pack("{s:{s:{s:{s:s, s:i, s:o, s:s}}}}", "Port_Binding",
			   "b0000000-0000-0000-0000-000000000077", "insert", "logical_port", "p7",
			   "tunnel_key", 7, "datapath", uuid_ref(LS2), "mac",
			   "00:00:00:00:00:07 10.2.0.17"));
	free(step(f, "port added", 0));

	/* a port changed in place (its MACs): the topology only */
	apply(f, json_pack("{s:{s:{s:{s:[s, [s, s]]}}}}", "Port_Binding", PB(4), "modify", "mac",
			   "set", "00:00:00:00:00:04 10.2.0.14", "00:00:00:00:00:44 10.2.0.44"));
	free(step(f, "port modified", 0));
	assert_string_equal(ltopo_port(lfc_topology(f->inc), "p4")->macs[0],
			    "00:00:00:00:00:44 10.2.0.44");

	/* a port removed (and so from its multicast group): nothing recompiled; the last port
	 * takes its place in the array and the group's members follow */
	apply(f, json_pack("{s:{s:{s:n}}, s:{s:{s:{s:[s, [o]]}}}}", "Port_Binding", PB(2), "delete",
			   "Multicast_Group", MC1, "modify", "ports", "set", uuid_ref(PB(2))));
	free(step(f, "port removed", 0));
	assert_null(ltopo_port(lfc_topology(f->inc), "p2"));
	assert_int_equal(ltopo_mcgroup(lfc_topology(f->inc), 1, "_MC_flood")->n_ports, 2);
	/* ... and one removed whose group is not updated in the same transaction: the topology
	 * cannot resolve the member, so it is rebuilt (and the compiler recompiles all) */
	apply(f, json_pack("{s:{s:{s:n}}}", "Port_Binding", PB(3), "delete"));
	{
		unsigned forced = ltopo_stats(lfc_topology(f->inc))->forced_rebuilds;
		d = step(f, "port removed, its group left dangling", -1);
		assert_int_equal(ltopo_stats(lfc_topology(f->inc))->forced_rebuilds, forced + 1);
	}
	assert_int_equal(ltopo_stats(lfc_topology(f->inc))->dangling, 1);
	free(d);
	apply(f, json_pack("{s:{s:{s:{s:[s, [o]]}}}}", "Multicast_Group", MC1, "modify", "ports",
			   "set", uuid_ref(PB(3))));
	d = step(f, "dangling member removed", -1); /* a rebuild while anything dangled */
	assert_int_equal(ltopo_stats(lfc_topology(f->inc))->dangling, 0);
	free(d);

	/* a datapath added (a new subnet), with its port, its per-datapath port group, one flow of
	 * its own, and added to the datapath group: no full recompile; the group's flows are
	 * listed under it, and the one group flow with a port group is recompiled (the new
	 * datapath's "4_pgd" is now part of its @pgd) */
	{
		json_t *u = json_pack(
		    "{s:{s:{s:{s:i, s:[s, [[s, s], [s, s]]]}}}, s:{s:{s:{s:[s, [o]]}}},"
		    " s:{s:{s:{s:s, s:i, s:o, s:s}}}, s:{s:{s:{s:s, s:[s, [s]]}}},"
		    " s:{s:{s:o}}}",
		    "Datapath_Binding", LS3, "insert", "tunnel_key", 4, "external_ids", "map",
		    "logical-switch", "w", "name", "ls3", "Logical_DP_Group", DG, "modify",
		    "datapaths", "set", uuid_ref(LS3), "Port_Binding", PB(8), "insert",
		    "logical_port", "p8", "tunnel_key", 1, "datapath", uuid_ref(LS3), "mac",
		    "00:00:00:00:00:08 10.4.0.18", "Port_Group",
		    "e1000000-0000-0000-0000-000000000004", "insert", "name", "4_pgd", "ports",
		    "set", "p8", "Logical_Flow", flow_uuid(0x200, uu), "insert",
		    lflow_row(LS3, "ingress", 2, "ls_in_l2_lkup", 50,
			      "eth.dst == 00:00:00:00:00:08", "outport = \"p8\"; output;"));
		assert_non_null(u);
		apply(f, u);
	}
	d = step(f, "datapath added", 2); /* its own flow, and F_PGD */
	assert_non_null(strstr(d, "stage 4 ingress ls_in_acl:"));
	assert_non_null(strstr(d, "stage 4 egress ls_out_check_port_sec:"));
	assert_flow_has(d, F_PGD, "\"p8\"", true);
	assert_flow_has(d, F_PGD, "\"p1\"", true);
	free(d);

	/* a stage renamed (a newer northd): the flow itself, and the flow whose `next' names that
	 * table (its program names the stage) */
	apply(f, modify("Logical_Flow", flow_uuid(F_ARP_REQUEST, uu),
			json_pack("{s:[s, [[s, s]]]}", "external_ids", "map", "stage-name",
				  "lr_in_arp_request_v2")));
	d = step(f, "stage renamed", 2);
	assert_non_null(strstr(d, "stage 3 ingress lr_in_arp_request_v2:"));
	assert_null(strstr(d, "stage 3 ingress lr_in_arp_request:"));
	assert_string_equal(ltopo_stage_name(lfc_topology(f->inc), false, LT_DP_ROUTER, 3),
			    "lr_in_arp_request_v2");
	free(d);

	/* nothing the compiler reads: SB_Global.nb_cfg (northd's second transaction for
	 * --wait), a port's `up', a flow's other external_ids: the pass is skipped */
	apply(f, json_pack("{s:{s:{s:{s:i}}}}", "SB_Global", "90000000-0000-0000-0000-000000000001",
			   "insert", "nb_cfg", 7));
	step_skipped(f, "nb_cfg");
	apply(f, json_pack("{s:{s:{s:{s:i}}}, s:{s:{s:{s:b}}}}", "SB_Global",
			   "90000000-0000-0000-0000-000000000001", "modify", "nb_cfg", 8,
			   "Port_Binding", PB(1), "modify", "up", true));
	step_skipped(f, "nb_cfg and Port_Binding.up");
	apply(f, modify("Logical_Flow", flow_uuid(F_PG2, uu),
			json_pack("{s:[s, [[s, s]]]}", "external_ids", "map", "stage-hint",
				  "0a1b2c3d")));
	step_skipped(f, "a flow's stage-hint");
	/* a MAC removed and put back before the compiler ran: the column is marked changed,
	 * the values are those the topology has */
	apply(f, json_pack("{s:{s:{s:{s:s}}}}", "Port_Binding", PB(1), "modify", "mac",
			   "00:00:00:00:00:01 10.1.0.11"));
	apply(f, json_pack("{s:{s:{s:{s:s}}}}", "Port_Binding", PB(1), "modify", "mac",
			   "00:00:00:00:00:01 10.1.0.11"));
	step_skipped(f, "a port rewritten with its own values");
	/* Chassis_Private.nb_cfg (every chassis, after every change): skipped too */
	apply(f, json_pack("{s:{s:{s:{s:s, s:i}}}}", "Chassis_Private",
			   "91000000-0000-0000-0000-000000000001", "insert", "name", "ch1",
			   "nb_cfg", 8));
	step_skipped(f, "Chassis_Private.nb_cfg");
	/* a table the compiler does not read but the engine may (MAC_Binding): not skipped,
	 * a new generation with nothing recompiled */
	apply(f,
	      json_pack("{s:{s:{s:{s:s, s:s, s:s, s:o}}}}", "MAC_Binding",
			"92000000-0000-0000-0000-000000000001", "insert", "logical_port", "lrp1",
			"ip", "10.1.0.99", "mac", "00:00:00:00:99:99", "datapath", uuid_ref(LR)));
	free(step(f, "a MAC_Binding learnt", 0));

	/* a changed datapath recompiles everything */
	apply(f, modify("Datapath_Binding", LS2, json_pack("{s:i}", "tunnel_key", 12)));
	d = step(f, "datapath tunnel key changed", -1);
	assert_non_null(strstr(d, "stage 12 ingress ls_in_l2_lkup:"));
	assert_null(strstr(d, "stage 2 ingress"));
	free(d);

	/* nothing changed: the pass is skipped, same tables */
	step_skipped(f, "no change");

	/* `lflow show ls1 ls_in_acl --json': the programs as structured JSON too */
	{
		json_t *show = lfc_show_json(f->inc, "ls1", "ls_in_acl", true), *back, *prog;
		json_t *plain = lfc_show_json(f->inc, "ls1", "ls_in_acl", false);
		char *text = json_dumps(show, JSON_COMPACT);
		json_error_t je;
		size_t i;
		const json_t *fl, *found = NULL;

		assert_non_null(text);
		back = json_loads(text, 0, &je);
		assert_non_null(back);
		json_array_foreach (back, i, fl)
			if (json_integer_value(json_object_get(fl, "priority")) == 2002)
				found = fl;
		assert_non_null(found); /* F_BIG_PG1: ct_commit { ct_mark.blocked = 1; }; next; */
		prog = json_object_get(found, "program_json");
		assert_int_equal(json_array_size(prog), 2);
		assert_string_equal(
		    json_string_value(json_object_get(json_array_get(prog, 0), "op")), "ct_commit");
		assert_string_equal(
		    json_string_value(json_object_get(
			json_array_get(json_object_get(json_array_get(prog, 0), "block"), 0),
			"dst")),
		    "ct_mark.blocked");
		assert_string_equal(
		    json_string_value(json_object_get(
			json_object_get(json_array_get(prog, 1), "params"), "stage")),
		    "ls_in_l2_lkup");
		assert_null(json_object_get(json_array_get(plain, 0), "program_json"));
		assert_null(lfc_show_json(f->inc, "no-such-dp", NULL, true));
		free(text);
		json_decref(back);
		json_decref(show);
		json_decref(plain);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_incremental_equals_full, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
