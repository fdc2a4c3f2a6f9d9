/* SPDX-License-Identifier: Apache-2.0 */
/* Address-set changes patched into the compiled flows (ovn-glue/lflow/compile_patch.c) give
 * exactly what a full recompile gives.
 *
 * A replica with the real OVN 23.03 SB schema holds one switch, big address sets (5,000
 * IPv4 addresses and prefixes, 2,000 IPv6 addresses, 2,000 MACs, the `_ip4' / `_ip6' halves
 * northd writes for a mixed set) and small ones, and flows that use them in the ways the
 * patch handles (the set alone or ANDed with other terms) and the ways it must not (a set
 * twice in one match, under `!=' or `!', two sets in one match, a member that the rule's
 * other terms imply, a repeated member, a member of the wrong family). After each change one
 * compiler is updated incrementally and another recompiles everything: their complete output
 * (lfc_dump) must be identical, and the incremental pass must have patched and recompiled
 * exactly the expected flows (lfc stats last_patched / last_recompiled). */
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

#define LS1	 "a0000000-0000-0000-0000-000000000001"
#define AS_V4	 "e0000000-0000-0000-0000-000000000001"
#define AS_V6	 "e0000000-0000-0000-0000-000000000002"
#define AS_MAC	 "e0000000-0000-0000-0000-000000000003"
#define AS_P4	 "e0000000-0000-0000-0000-000000000004"
#define AS_P6	 "e0000000-0000-0000-0000-000000000005"
#define AS_NEG	 "e0000000-0000-0000-0000-000000000006"
#define AS_SAT	 "e0000000-0000-0000-0000-000000000007"
#define AS_TWICE "e0000000-0000-0000-0000-000000000008"
#define AS_CS	 "e0000000-0000-0000-0000-000000000009"
#define V4_N	 5000
#define V6_N	 2000
#define MAC_N	 2000

struct fx {
	struct sb_replica *r;
	struct lfc *inc, *full;
};

/* Index in flows[] of the flows the checks name. */
enum {
	F_V4,
	F_V6,
	F_MAC,
	F_P4,
	F_P6,
	F_V4_TWICE,
	F_NEG,
	F_NOT,
	F_TWO_SETS,
	F_SAT,
	F_TWICE,
	F_CONJ,
	F_CONJ_CT,
	F_CONJ_SMALL,
	F_CONJ6
};

static const char *const flows[] = {
    [F_V4] = "ip4.src == $v4 && tcp.dst == 80",
    [F_V6] = "ip6.dst == $v6 && udp",
    [F_MAC] = "eth.src == $macs",
    [F_P4] = "ip4.src == $pods_ip4",
    [F_P6] = "ip6.src == $pods_ip6 && icmp6",
    [F_V4_TWICE] = "ip4.src == $v4 || ip4.dst == $v4",
    [F_NEG] = "ip4.src != $neg && tcp",
    [F_NOT] = "ip4 && !(ip4.dst == $neg)",
    [F_TWO_SETS] = "ip4.src == $v4 && ip4.dst == $pods_ip4",
    [F_SAT] = "ip4.src == 10.0.0.0/8 && ip4.src == $sat",
    [F_TWICE] = "ip4.src == $twice && ip4.dst == $twice",
    /* conjunctive rules: the set is one dimension (5,002 x 2 > 64, kept conjunctive) */
    [F_CONJ] = "ip4.src == $v4 && tcp.dst == {80, 443}",
    /* as northd writes an allow-related ACL: three dimensions */
    [F_CONJ_CT] = "(!ct.est || (ct.est && ct_mark.blocked == 1)) && ip4.src == $v4 && "
		  "udp.dst == {53, 5353}",
    /* 4 x 20 > 64: conjunctive; with 3 members 60 <= 64: expanded into plain rules */
    [F_CONJ_SMALL] = "ip4.src == $cs && tcp.dst == {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "
		     "13, 14, 15, 16, 17, 18, 19, 20}",
    [F_CONJ6] = "ip6.dst == $v6 && tcp.dst == {80, 443}",
};
#define N_FLOWS (sizeof(flows) / sizeof(flows[0]))

static void apply(struct fx *f, json_t *u)
{
	char err[512];
	if (sb_replica_apply(f->r, u, false, err, sizeof(err)) != 0)
		fail_msg("apply: %s", err);
	json_decref(u);
}

static json_t *set_row(const char *name, json_t *members)
{
	return json_pack("{s:{s:s, s:[s, o]}}", "insert", "name", name, "addresses", "set",
			 members);
}

static json_t *strings(unsigned n, const char *fmt, unsigned (*a)(unsigned),
		       unsigned (*b)(unsigned))
{
	json_t *v = json_array();
	for (unsigned i = 0; i < n; i++) {
		char s[64];
		snprintf(s, sizeof(s), fmt, a(i), b(i));
		json_array_append_new(v, json_string(s));
	}
	return v;
}

static unsigned hi(unsigned i)
{
	return i / 256;
}
static unsigned lo(unsigned i)
{
	return i % 256;
}
static unsigned x(unsigned i)
{
	return i;
}
static unsigned zero(unsigned i)
{
	(void)i;
	return 0;
}

static json_t *initial_updates(void)
{
	json_t *u = json_object(), *lf = json_object(), *as = json_object();
	json_t *v4 = strings(V4_N, "10.%u.%u.1", hi, lo);

	json_array_append_new(v4, json_string("172.16.0.0/16"));
	json_array_append_new(v4, json_string("192.168.1.0/24"));
	json_object_set_new(u, "Datapath_Binding",
			    json_pack("{s:{s:{s:i, s:[s, [[s, s], [s, s]]]}}}", LS1, "insert",
				      "tunnel_key", 1, "external_ids", "map", "logical-switch", "x",
				      "name", "ls1"));
	json_object_set_new(as, AS_V4, set_row("v4", v4));
	json_object_set_new(as, AS_V6, set_row("v6", strings(V6_N, "fd00::%x:%x", x, zero)));
	json_object_set_new(as, AS_MAC,
			    set_row("macs", strings(MAC_N, "0a:00:00:00:%02x:%02x", hi, lo)));
	json_object_set_new(
	    as, AS_P4,
	    set_row("pods_ip4", json_pack("[s, s, s]", "10.16.0.2", "10.16.0.3", "10.16.0.4")));
	json_object_set_new(
	    as, AS_P6, set_row("pods_ip6", json_pack("[s, s]", "fd00:10:16::2", "fd00:10:16::3")));
	json_object_set_new(as, AS_NEG,
			    set_row("neg", json_pack("[s, s]", "10.1.0.1", "10.1.0.2")));
	json_object_set_new(as, AS_SAT,
			    set_row("sat", json_pack("[s, s]", "10.1.0.1", "10.1.0.2")));
	json_object_set_new(
	    as, AS_TWICE,
	    set_row("twice", json_pack("[s, s, s]", "10.3.0.1", "10.3.0.2", "10.3.0.3")));
	json_object_set_new(as, AS_CS,
			    set_row("cs", json_pack("[s, s, s, s]", "10.5.0.1", "10.5.0.2",
						    "10.5.0.3", "10.5.0.4")));
	json_object_set_new(u, "Address_Set", as);
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
	apply(f, initial_updates());
	assert_true(lfc_update(f->inc, f->r, true));
	sb_replica_ack(f->r);
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

/* Toggle members of an address set (update2 "modify": a member present goes, one absent
 * comes), then compare the incremental pass with a full recompile. The dump is returned. */
static char *change(struct fx *f, const char *what, const char *set_uuid, json_t *members,
		    unsigned recompiled, unsigned patched)
{
	const struct lfc_stats *si = lfc_get_stats(f->inc);
	char *a, *b;

	apply(f, json_pack("{s:{s:{s:{s:[s, o]}}}}", "Address_Set", set_uuid, "modify", "addresses",
			   "set", members));
	if (!lfc_update(f->inc, f->r, false))
		fail_msg("%s: the pass was skipped", what);
	assert_true(lfc_update(f->full, f->r, true));
	sb_replica_ack(f->r);
	a = lfc_dump(f->inc);
	b = lfc_dump(f->full);
	assert_non_null(a);
	assert_non_null(b);
	if (strcmp(a, b) != 0) {
		report_diff(a, b);
		fail_msg("%s: the incremental compile differs from the full recompile", what);
	}
	free(b);
	assert_int_equal(si->rules, lfc_get_stats(f->full)->rules);
	if (si->last_recompiled != recompiled || si->last_patched != patched)
		fail_msg("%s: %u flows recompiled and %u patched, expected %u and %u", what,
			 si->last_recompiled, si->last_patched, recompiled, patched);
	return a;
}

/* Does flow i's section of a dump (up to the next flow, or the stage lists) contain
 * needle? */
static bool flow_has(const char *dump, unsigned i, const char *needle)
{
	char uu[64];
	const char *s, *e, *st;
	snprintf(uu, sizeof(uu), "flow f0000000-0000-0000-0000-%012x", i);
	s = strstr(dump, uu);
	assert_non_null(s);
	e = strstr(s + 1, "\nflow ");
	st = strstr(s + 1, "\nstage ");
	if (e == NULL || (st && st < e))
		e = st;
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		if (e == NULL || p < e)
			return true;
	return false;
}

static void test_ipv4(void **state)
{
	struct fx *f = *state;
	char *d;

	/* F_V4, F_CONJ, F_CONJ_CT patched; F_V4_TWICE (the set twice) and F_TWO_SETS (two
	 * sets) recompiled */
	d = change(f, "v4 member added", AS_V4, json_pack("[s]", "10.250.0.7"), 2, 3);
	assert_true(flow_has(d, F_V4, "ip4.src=10.250.0.7"));
	assert_true(flow_has(d, F_CONJ, "ip4.src=10.250.0.7 |"));
	assert_true(flow_has(d, F_CONJ_CT, "ip4.src=10.250.0.7 |"));
	free(d);
	d = change(f, "v4 prefix added first", AS_V4, json_pack("[s]", "1.2.0.0/16"), 2, 3);
	assert_true(flow_has(d, F_V4, "ip4.src=1.2.0.0/255.255.0.0") ||
		    flow_has(d, F_V4, "ip4.src=1.2.0.0/16"));
	free(d);
	d = change(f, "v4 last member removed", AS_V4, json_pack("[s]", "192.168.1.0/24"), 2, 3);
	free(d);
	d = change(f, "v4 first member removed", AS_V4, json_pack("[s]", "1.2.0.0/16"), 2, 3);
	free(d);
	/* several at once: two added, three removed (first, middle, last of the rest) */
	d = change(f, "v4 members added and removed", AS_V4,
		   json_pack("[s, s, s, s, s]", "10.0.0.1", "10.9.9.1", "172.16.0.0/16", "9.9.9.9",
			     "10.200.0.3"),
		   2, 3);
	assert_false(flow_has(d, F_V4, "ip4.src=10.0.0.1,"));
	assert_true(flow_has(d, F_V4, "ip4.src=9.9.9.9"));
	free(d);
	/* a member already there in another form: its rule would repeat: recompiled */
	d = change(f, "v4 repeated member", AS_V4, json_pack("[s]", "10.0.1.1/32"), 5, 0);
	free(d);
	d = change(f, "v4 repeated member removed", AS_V4, json_pack("[s]", "10.0.1.1/32"), 5, 0);
	free(d);
	/* a member of the wrong family: the flows do not compile, recompiled and skipped */
	d = change(f, "v4 IPv6 member", AS_V4, json_pack("[s]", "fd00::1"), 5, 0);
	assert_true(flow_has(d, F_V4, "skipped"));
	free(d);
	d = change(f, "v4 IPv6 member removed", AS_V4, json_pack("[s]", "fd00::1"), 5, 0);
	assert_false(flow_has(d, F_V4, "skipped"));
	free(d);
}

static void test_ipv6_macs(void **state)
{
	struct fx *f = *state;
	char *d;

	d = change(f, "v6 member added", AS_V6, json_pack("[s]", "fd00::ffff:1"), 0, 2);
	assert_true(flow_has(d, F_V6, "fd00::ffff:1"));
	free(d);
	d = change(f, "v6 members added and removed", AS_V6,
		   json_pack("[s, s, s]", "fd00::ffff:1", "fd00::7:0", "2001:db8::/64"), 0, 2);
	assert_false(flow_has(d, F_V6, "fd00::ffff:1"));
	free(d);
	/* fd00::5:0 written another way, far from it in the set's order: its rule (F_V6), its
	 * alternative (F_CONJ6) would repeat that of fd00::5:0: recompiled */
	d = change(f, "v6 repeated member", AS_V6, json_pack("[s]", "fd00:0:0::5:0"), 2, 0);
	free(d);
	d = change(f, "v6 repeated member removed", AS_V6, json_pack("[s]", "fd00:0:0::5:0"), 2, 0);
	free(d);
	d = change(f, "mac added", AS_MAC, json_pack("[s]", "0a:00:00:00:ff:01"), 0, 1);
	assert_true(flow_has(d, F_MAC, "0a:00:00:00:ff:01"));
	free(d);
	d = change(
	    f, "macs added and removed", AS_MAC,
	    json_pack("[s, s, s]", "0a:00:00:00:ff:01", "0a:00:00:00:00:00", "02:00:00:00:00:01"),
	    0, 1);
	assert_false(flow_has(d, F_MAC, "0a:00:00:00:ff:01"));
	free(d);
}

static void test_ip4_ip6_halves(void **state)
{
	struct fx *f = *state;
	char *d;

	/* F_P4 patched, F_TWO_SETS recompiled (it uses two sets) */
	d = change(f, "pods_ip4 added", AS_P4, json_pack("[s]", "10.16.0.9"), 1, 1);
	free(d);
	d = change(f, "pods_ip4 removed", AS_P4, json_pack("[s, s]", "10.16.0.2", "10.16.0.9"), 1,
		   1);
	free(d);
	d = change(f, "pods_ip6 added", AS_P6, json_pack("[s]", "fd00:10:16::9"), 0, 1);
	free(d);
	d = change(f, "pods_ip6 removed", AS_P6, json_pack("[s]", "fd00:10:16::2"), 0, 1);
	free(d);
	/* down to one member, to none (recompiled), back to one */
	d = change(f, "pods_ip6 to one", AS_P6, json_pack("[s]", "fd00:10:16::3"), 0, 1);
	free(d);
	d = change(f, "pods_ip6 emptied", AS_P6, json_pack("[s]", "fd00:10:16::9"), 1, 0);
	free(d);
	d = change(f, "pods_ip6 refilled", AS_P6, json_pack("[s]", "fd00:10:16::5"), 0, 1);
	free(d);
}

static void test_fallbacks(void **state)
{
	struct fx *f = *state;
	char *d;

	/* under != and !: one alternative per bit: recompiled */
	d = change(f, "neg member added", AS_NEG, json_pack("[s]", "10.1.0.3"), 2, 0);
	free(d);
	d = change(f, "neg member removed", AS_NEG, json_pack("[s]", "10.1.0.1"), 2, 0);
	free(d);
	/* twice in one match */
	d = change(f, "twice member added", AS_TWICE, json_pack("[s]", "10.3.0.4"), 1, 0);
	free(d);
	/* a member the rule's terms imply (10.0.0.0/8): the dimension vanishes: recompiled;
	 * then every rule is that one, removing it recompiles too */
	d = change(f, "implied member added", AS_SAT, json_pack("[s]", "10.0.0.0/8"), 1, 0);
	free(d);
	d = change(f, "implied member removed", AS_SAT, json_pack("[s]", "10.0.0.0/8"), 1, 0);
	free(d);
	/* a member that contradicts the rule's terms gives no rule: recompiled */
	d = change(f, "contradicting member added", AS_SAT, json_pack("[s]", "11.0.0.1"), 1, 0);
	free(d);
	/* ... and as long as it is there (fewer rules than members) */
	d = change(f, "member added beside a contradicting one", AS_SAT,
		   json_pack("[s]", "10.1.0.9"), 1, 0);
	free(d);
	d = change(f, "contradicting member removed", AS_SAT, json_pack("[s]", "11.0.0.1"), 1, 0);
	free(d);
	d = change(f, "sat member added", AS_SAT, json_pack("[s]", "10.1.0.10"), 0, 1);
	free(d);
}

/* The set as one dimension of a conjunctive rule: alternatives added and removed, and
 * recompiled when the rule would no longer stay conjunctive. */
static void test_conjunctive(void **state)
{
	struct fx *f = *state;
	char *d;

	d = change(f, "cs member added", AS_CS, json_pack("[s]", "10.5.0.9"), 0, 1);
	assert_true(flow_has(d, F_CONJ_SMALL, "conj("));
	free(d);
	d = change(f, "cs member removed", AS_CS, json_pack("[s]", "10.5.0.1"), 0, 1);
	free(d);
	/* 3 members x 20 ports: expanded by a full compile: recompiled */
	d = change(f, "cs down to 3", AS_CS, json_pack("[s]", "10.5.0.2"), 1, 0);
	assert_false(flow_has(d, F_CONJ_SMALL, "conj("));
	free(d);
	/* back to 4: conjunctive again, from plain rules: recompiled */
	d = change(f, "cs up to 4", AS_CS, json_pack("[s]", "10.5.0.7"), 1, 0);
	assert_true(flow_has(d, F_CONJ_SMALL, "conj("));
	free(d);
	/* first and last members replaced */
	d = change(f, "cs first and last replaced", AS_CS,
		   json_pack("[s, s, s, s]", "10.5.0.3", "10.5.0.9", "10.4.0.1", "10.6.0.1"), 0, 1);
	free(d);
	/* a member the conjunctive rules already have in another form: recompiled */
	d = change(f, "v4 repeated alternative", AS_V4, json_pack("[s]", "10.0.2.1/32"), 5, 0);
	free(d);
	d = change(f, "v4 repeated alternative removed", AS_V4, json_pack("[s]", "10.0.2.1/32"), 5,
		   0);
	free(d);
}

/* The repeat check's index (compile_pidx.c), kept with each flow between patches, follows
 * them: a removed member's entry leaves it (the member added back in another form is
 * patched), an added one's enters it (added again in another form: a repeat, recompiled);
 * an entry equal to one removed by the same change is no repeat. IPv6 members: the other
 * form (fd00:0:0::...) sorts far from the first (fd00::...), so the neighbour check cannot
 * see the repeat; only the index can. F_V6 (plain rules) and F_CONJ6 (conjunctive) patched,
 * or both recompiled. */
static void test_index(void **state)
{
	struct fx *f = *state;
	char *d;

	d = change(f, "A added", AS_V6, json_pack("[s]", "fd00::ffff:1"), 0, 2);
	free(d);
	d = change(f, "B removed", AS_V6, json_pack("[s]", "fd00::3:0"), 0, 2);
	free(d);
	d = change(f, "B added back in another form", AS_V6, json_pack("[s]", "fd00:0:0::3:0"), 0,
		   2);
	assert_true(flow_has(d, F_V6, "fd00::3:0"));
	free(d);
	d = change(f, "A removed", AS_V6, json_pack("[s]", "fd00::ffff:1"), 0, 2);
	free(d);
	d = change(f, "A added again", AS_V6, json_pack("[s]", "fd00::ffff:1"), 0, 2);
	free(d);
	d = change(f, "C replaced by its other form in one change", AS_V6,
		   json_pack("[s, s]", "fd00::5:0", "fd00:0:0::5:0"), 0, 2);
	free(d);
	/* A, added two changes ago, in another form: a repeat */
	d = change(f, "A added in another form", AS_V6, json_pack("[s]", "fd00:0:0::ffff:1"), 2, 0);
	free(d);
	d = change(f, "A's other form removed", AS_V6, json_pack("[s]", "fd00:0:0::ffff:1"), 2, 0);
	free(d);
	d = change(f, "D added", AS_V6, json_pack("[s]", "fd00::ffff:2"), 0, 2);
	free(d);
	d = change(f, "E added", AS_V6, json_pack("[s]", "fd00::ffff:3"), 0, 2);
	free(d);
	/* D, added two changes ago, in another form */
	d = change(f, "D added in another form", AS_V6, json_pack("[s]", "fd00:0:0::ffff:2"), 2, 0);
	free(d);
}

/* A big difference (more than compile_patch.c patches) is recompiled. */
static void test_big_difference(void **state)
{
	struct fx *f = *state;
	json_t *v = json_array();
	char *d;
	for (unsigned i = 0; i < 300; i++) {
		char s[32];
		snprintf(s, sizeof(s), "fd00::%x:0", i);
		json_array_append_new(v, json_string(s));
	}
	d = change(f, "300 v6 members removed", AS_V6, v, 2, 0);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ipv4, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ipv6_macs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ip4_ip6_halves, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fallbacks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conjunctive, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_big_difference, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
