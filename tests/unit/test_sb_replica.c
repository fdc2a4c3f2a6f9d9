/* SPDX-License-Identifier: Apache-2.0 */
/* The replica: schema checks, update2/update3 application (initial, insert, modify diffs of
 * sets, maps and optional values, delete), atomicity of bad updates, full-reload
 * reconciliation, indexes, and per-row change tracking with coalescing and ack. */
#include "ovsdb/datum.h"
#include "ovsdb/schema.h"
#include "sb/replica.h"
#include "sb/sb_tables.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* a small database shaped like the SB tables used below */
static const char *schema_json =
    "{\"name\":\"T\",\"version\":\"1.2.3\",\"tables\":{"
    " \"Port_Binding\":{\"columns\":{"
    "  \"logical_port\":{\"type\":\"string\"},"
    "  \"tunnel_key\":{\"type\":{\"key\":{\"type\":\"integer\",\"minInteger\":1}}},"
    "  \"datapath\":{\"type\":{\"key\":{\"type\":\"uuid\",\"refTable\":\"Datapath_Binding\"}}},"
    "  \"chassis\":{\"type\":{\"key\":{\"type\":\"uuid\"},\"min\":0,\"max\":1}},"
    "  \"up\":{\"type\":{\"key\":\"boolean\",\"min\":0,\"max\":1}},"
    "  \"mac\":{\"type\":{\"key\":\"string\",\"min\":0,\"max\":\"unlimited\"}},"
    "  \"options\":{\"type\":{\"key\":\"string\",\"value\":\"string\",\"min\":0,"
    "\"max\":\"unlimited\"}}}},"
    " \"Datapath_Binding\":{\"columns\":{"
    "  \"tunnel_key\":{\"type\":\"integer\"},"
    "  \"external_ids\":{\"type\":{\"key\":\"string\",\"value\":\"string\",\"min\":0,"
    "\"max\":\"unlimited\"}}}},"
    " \"Other\":{\"columns\":{\"x\":{\"type\":\"real\"}}}"
    "}}";

static const char *const pb_required[] = {"logical_port", "chassis", NULL};

static const struct sb_table_spec specs[] = {
    {"Port_Binding",
     true,
     pb_required,
     {{.cols = {"logical_port"}}, {.cols = {"datapath", "tunnel_key"}}}},
    {"Datapath_Binding", true, NULL, {{.cols = {"tunnel_key"}}}},
    {"Missing_Table", false, NULL, {{{0}}}},
};
enum { PB, DP, MISSING };

#define U1 "11111111-1111-1111-1111-111111111111"
#define U2 "22222222-2222-2222-2222-222222222222"
#define U3 "33333333-3333-3333-3333-333333333333"
#define D1 "dddddddd-0000-0000-0000-000000000001"
#define C1 "cccccccc-0000-0000-0000-000000000001"
#define C2 "cccccccc-0000-0000-0000-000000000002"

struct fx {
	struct sb_replica *r;
	int c_lp, c_key, c_dp, c_ch, c_up, c_mac, c_opt;
	int changes; /* listener calls */
};

static void listener(struct sb_replica *r, void *arg)
{
	(void)r;
	((struct fx *)arg)->changes++;
}

static json_t *J(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);
	if (j == NULL)
		fail_msg("bad test JSON at %d: %s: %s", e.position, e.text, s);
	return j;
}

static int apply(struct fx *f, const char *updates, bool full, char *err, size_t errlen)
{
	json_t *u = J(updates);
	int rc = sb_replica_apply(f->r, u, full, err, errlen);
	json_decref(u);
	return rc;
}

static void apply_ok(struct fx *f, const char *updates, bool full)
{
	char err[256] = "";
	if (apply(f, updates, full, err, sizeof(err)) != 0)
		fail_msg("apply failed: %s", err);
}

static const struct sb_row *row(struct fx *f, unsigned t, const char *u)
{
	struct ovs_uuid id;
	assert_true(ovs_uuid_from_string(u, &id));
	return sb_table_find(sb_replica_table(f->r, t), &id);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];
	bool rebuilt;
	json_t *sj = J(schema_json);
	struct ovs_schema *s = ovs_schema_from_json(sj, err, sizeof(err));
	json_decref(sj);
	assert_non_null(s);
	f->r = sb_replica_new(specs, 3);
	assert_int_equal(sb_replica_set_schema(f->r, s, &rebuilt, err, sizeof(err)), 0);
	assert_true(rebuilt);
	ovs_schema_free(s);
	struct sb_table *pb = sb_replica_table(f->r, PB);
	f->c_lp = sb_table_col(pb, "logical_port");
	f->c_key = sb_table_col(pb, "tunnel_key");
	f->c_dp = sb_table_col(pb, "datapath");
	f->c_ch = sb_table_col(pb, "chassis");
	f->c_up = sb_table_col(pb, "up");
	f->c_mac = sb_table_col(pb, "mac");
	f->c_opt = sb_table_col(pb, "options");
	assert_true(f->c_lp >= 0 && f->c_opt >= 0 && f->c_mac >= 0);
	sb_replica_set_listener(f->r, listener, f);
	/* two ports and a datapath to start from */
	apply_ok(f,
		 "{\"Port_Binding\":{"
		 "\"" U1 "\":{\"initial\":{\"logical_port\":\"p1\",\"tunnel_key\":1,"
		 "\"datapath\":[\"uuid\",\"" D1 "\"],\"mac\":\"aa 10.0.0.1\","
		 "\"options\":[\"map\",[[\"a\",\"1\"],[\"b\",\"2\"]]]}},"
		 "\"" U2 "\":{\"initial\":{\"logical_port\":\"p2\",\"tunnel_key\":2,"
		 "\"datapath\":[\"uuid\",\"" D1 "\"],\"chassis\":[\"uuid\",\"" C1 "\"]}}},"
		 "\"Datapath_Binding\":{\"" D1 "\":{\"initial\":{\"tunnel_key\":7,"
		 "\"external_ids\":[\"map\",[[\"name\",\"ls1\"]]]}}}}",
		 true);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sb_replica_free(f->r);
	free(f);
	return 0;
}

static void test_schema_checks(void **state)
{
	struct fx *f = *state;
	char err[256];
	bool rebuilt;
	(void)f;

	/* required column missing */
	json_t *sj = J("{\"name\":\"T\",\"version\":\"1\",\"tables\":{"
		       "\"Port_Binding\":{\"columns\":{\"logical_port\":{\"type\":\"string\"}}},"
		       "\"Datapath_Binding\":{\"columns\":{}}}}");
	struct ovs_schema *s = ovs_schema_from_json(sj, err, sizeof(err));
	json_decref(sj);
	assert_non_null(s);
	struct sb_replica *r = sb_replica_new(specs, 3);
	assert_int_equal(sb_replica_set_schema(r, s, &rebuilt, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Port_Binding has no column chassis"));
	ovs_schema_free(s);

	/* required table missing */
	sj = J("{\"name\":\"T\",\"version\":\"1\",\"tables\":{\"Datapath_Binding\":"
	       "{\"columns\":{}}}}");
	s = ovs_schema_from_json(sj, err, sizeof(err));
	json_decref(sj);
	assert_int_equal(sb_replica_set_schema(r, s, &rebuilt, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no table Port_Binding"));
	ovs_schema_free(s);

	/* malformed schemas */
	const char *bad[] = {
	    "[]",
	    "{\"name\":\"T\"}",
	    "{\"name\":\"T\",\"tables\":{\"A\":{\"columns\":{\"c\":{\"type\":\"bogus\"}}}}}",
	    ("{\"name\":\"T\",\"tables\":{\"A\":{\"columns\":{\"c\":{\"type\":{\"key\":"
	     "\"string\",\"min\":2}}}}}}"),
	    "{\"name\":\"T\",\"tables\":{\"A\":{}}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sj = J(bad[i]);
		assert_null(ovs_schema_from_json(sj, err, sizeof(err)));
		json_decref(sj);
	}
	sb_replica_free(r);
}

static void test_same_schema_keeps_rows_new_schema_rebuilds(void **state)
{
	struct fx *f = *state;
	char err[256];
	bool rebuilt;
	json_t *sj = J(schema_json);
	struct ovs_schema *s = ovs_schema_from_json(sj, err, sizeof(err));
	uint64_t gen = sb_replica_generation(f->r);

	assert_int_equal(sb_replica_set_schema(f->r, s, &rebuilt, err, sizeof(err)), 0);
	assert_false(rebuilt);
	assert_int_equal(sb_table_n_rows(sb_replica_table(f->r, PB)), 2);
	ovs_schema_free(s);
	json_decref(sj);

	/* a column added to a monitored table: rebuilt, empty, new generation */
	sj = J("{\"name\":\"T\",\"version\":\"1.3.0\",\"tables\":{"
	       "\"Port_Binding\":{\"columns\":{\"logical_port\":{\"type\":\"string\"},"
	       "\"chassis\":{\"type\":{\"key\":\"uuid\",\"min\":0,\"max\":1}},"
	       "\"new_col\":{\"type\":\"string\"}}},"
	       "\"Datapath_Binding\":{\"columns\":{\"tunnel_key\":{\"type\":\"integer\"}}}}}");
	s = ovs_schema_from_json(sj, err, sizeof(err));
	int changes = f->changes;
	assert_int_equal(sb_replica_set_schema(f->r, s, &rebuilt, err, sizeof(err)), 0);
	assert_true(rebuilt);
	assert_int_equal(sb_replica_generation(f->r), gen + 1);
	assert_int_equal(f->changes, changes + 1); /* the consumer is told at once */
	assert_int_equal(sb_table_n_rows(sb_replica_table(f->r, PB)), 0);
	assert_true(sb_table_col(sb_replica_table(f->r, PB), "new_col") >= 0);
	/* the Datapath_Binding index is on an existing column, so it is still usable */
	ovs_schema_free(s);
	json_decref(sj);
}

static void test_initial_values_and_defaults(void **state)
{
	struct fx *f = *state;
	const struct sb_row *p1 = row(f, PB, U1), *p2 = row(f, PB, U2);

	assert_non_null(p1);
	assert_non_null(p2);
	assert_string_equal(ovs_datum_str(sb_row_get(p1, f->c_lp)), "p1");
	assert_int_equal(ovs_datum_int(sb_row_get(p1, f->c_key), 0), 1);
	/* a single-element set may come as a bare atom */
	assert_int_equal(sb_row_get(p1, f->c_mac)->n, 1);
	assert_string_equal(sb_row_get(p1, f->c_mac)->keys[0].string, "aa 10.0.0.1");
	assert_string_equal(ovs_datum_map_get(sb_row_get(p1, f->c_opt), "b"), "2");
	/* columns the server left out have their defaults */
	assert_int_equal(sb_row_get(p1, f->c_ch)->n, 0);
	assert_int_equal(sb_row_get(p1, f->c_up)->n, 0);
	assert_int_equal(sb_row_get(p2, f->c_mac)->n, 0);
	/* dump form */
	json_t *j = sb_row_to_json(p1);
	assert_string_equal(json_string_value(json_object_get(j, "_uuid")), U1);
	assert_true(json_is_null(json_object_get(j, "chassis")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "options"), "a")),
			    "1");
	json_decref(j);
}

static void test_indexes(void **state)
{
	struct fx *f = *state;
	struct sb_table *pb = sb_replica_table(f->r, PB);
	union ovs_atom a = {.string = "p2"};
	struct ovs_datum k = ovs_datum_of(&a);
	union ovs_atom ka[2];
	struct ovs_datum k2[2];

	assert_ptr_equal(sb_index_first(pb, 0, &k), row(f, PB, U2));
	a.string = "nope";
	assert_null(sb_index_first(pb, 0, &k));
	assert_true(ovs_uuid_from_string(D1, &ka[0].uuid));
	ka[1].integer = 1;
	k2[0] = ovs_datum_of(&ka[0]);
	k2[1] = ovs_datum_of(&ka[1]);
	assert_ptr_equal(sb_index_first(pb, 1, k2), row(f, PB, U1));

	/* the index follows a renamed port */
	apply_ok(f, "{\"Port_Binding\":{\"" U2 "\":{\"modify\":{\"logical_port\":\"p2b\"}}}}",
		 false);
	a.string = "p2";
	assert_null(sb_index_first(pb, 0, &k));
	a.string = "p2b";
	assert_ptr_equal(sb_index_first(pb, 0, &k), row(f, PB, U2));

	/* several rows with one key */
	apply_ok(f, "{\"Port_Binding\":{\"" U3 "\":{\"insert\":{\"logical_port\":\"p2b\"}}}}",
		 false);
	int n = 0;
	for (const struct sb_row *r = sb_index_first(pb, 0, &k); r; r = sb_index_next(pb, 0, r, &k))
		n++;
	assert_int_equal(n, 2);
	/* deleted rows leave the index */
	apply_ok(f, "{\"Port_Binding\":{\"" U2 "\":{\"delete\":null}}}", false);
	assert_ptr_equal(sb_index_first(pb, 0, &k), row(f, PB, U3));
	assert_null(sb_index_next(pb, 0, row(f, PB, U3), &k));

	/* SB helper on the real spec list would need the real schema: see test_real_schema */
	union ovs_atom dk = {.integer = 7};
	struct ovs_datum d = ovs_datum_of(&dk);
	assert_ptr_equal(sb_index_first(sb_replica_table(f->r, DP), 0, &d), row(f, DP, D1));
}

static void test_modify_diffs(void **state)
{
	struct fx *f = *state;
	const struct sb_row *p1 = row(f, PB, U1);

	/* map: add c, remove a (same value), change b; set: toggle; optional: replace */
	apply_ok(f,
		 "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{"
		 "\"options\":[\"map\",[[\"a\",\"1\"],[\"b\",\"3\"],[\"c\",\"4\"]]],"
		 "\"mac\":[\"set\",[\"aa 10.0.0.1\",\"bb 10.0.0.2\"]],"
		 "\"chassis\":[\"uuid\",\"" C1 "\"],\"up\":true,\"tunnel_key\":9}}}}",
		 false);
	const struct ovs_datum *opt = sb_row_get(p1, f->c_opt);
	assert_int_equal(opt->n, 2);
	assert_null(ovs_datum_map_get(opt, "a"));
	assert_string_equal(ovs_datum_map_get(opt, "b"), "3");
	assert_string_equal(ovs_datum_map_get(opt, "c"), "4");
	assert_int_equal(sb_row_get(p1, f->c_mac)->n, 1);
	assert_string_equal(sb_row_get(p1, f->c_mac)->keys[0].string, "bb 10.0.0.2");
	assert_int_equal(sb_row_get(p1, f->c_ch)->n, 1);
	assert_true(sb_row_get(p1, f->c_up)->keys[0].boolean);
	assert_int_equal(ovs_datum_int(sb_row_get(p1, f->c_key), 0), 9);

	/* an optional value is replaced by the new value, and cleared by an empty set */
	apply_ok(f,
		 "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"chassis\":[\"uuid\",\"" C2 "\"]}}}}",
		 false);
	struct ovs_uuid c2;
	ovs_uuid_from_string(C2, &c2);
	assert_true(ovs_uuid_equal(ovs_datum_uuid(sb_row_get(p1, f->c_ch)), &c2));
	apply_ok(f, "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"chassis\":[\"set\",[]]}}}}",
		 false);
	assert_int_equal(sb_row_get(p1, f->c_ch)->n, 0);
}

static void test_bad_updates_change_nothing(void **state)
{
	struct fx *f = *state;
	char err[256];
	uint64_t seq = sb_replica_seqno(f->r);
	int changes = f->changes;
	const char *bad[] = {
	    /* each starts with a valid change that must not be applied either */
	    "{\"Port_Binding\":{\"" U3 "\":{\"insert\":{\"logical_port\":\"p3\"}},"
	    "\"" U1 "\":{\"modify\":{\"no_such_column\":1}}}}",
	    "{\"Port_Binding\":{\"" U3 "\":{\"insert\":{\"logical_port\":\"p3\"}},"
	    "\"" U1 "\":{\"modify\":{\"tunnel_key\":\"x\"}}}}",
	    "{\"Port_Binding\":{\"" U3 "\":{\"insert\":{\"logical_port\":\"p3\"}}},"
	    "\"No_Table\":{}}",
	    "{\"Port_Binding\":{\"" U3 "\":{\"insert\":{\"logical_port\":\"p3\"}},"
	    "\"not-a-uuid\":{\"delete\":null}}}",
	    "{\"Port_Binding\":{\"" U3 "\":{\"insert\":{\"logical_port\":\"p3\"}},"
	    "\"44444444-4444-4444-4444-444444444444\":{\"modify\":{}}}}",
	    "{\"Port_Binding\":{\"" U3 "\":{\"insert\":{\"logical_port\":\"p3\"}},"
	    "\"44444444-4444-4444-4444-444444444444\":{\"delete\":null}}}",
	    "{\"Port_Binding\":{\"" U1 "\":{\"insert\":{\"logical_port\":\"again\"}}}}",
	    "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{},\"delete\":null}}}",
	    "{\"Port_Binding\":{\"" U1 "\":{\"upsert\":{}}}}",
	    "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"options\":[\"set\",[]]}}}}",
	    "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"mac\":[\"set\",[\"x\",\"x\"]]}}}}",
	    "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"chassis\":[\"uuid\",\"zz\"]}}}}",
	    "{\"Port_Binding\":{\"" U1 "\":{\"modify\":{\"tunnel_key\":[\"set\",[]]}}}}",
	    "{\"Port_Binding\":{\"" U3 "\":{\"insert\":{\"tunnel_key\":[\"set\",[1,2]]}}}}",
	    "{\"Port_Binding\":[]}",
	    "[]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (apply(f, bad[i], false, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0] != '\0');
		assert_null(row(f, PB, U3));
		assert_string_equal(ovs_datum_str(sb_row_get(row(f, PB, U1), f->c_lp)), "p1");
		assert_int_equal(ovs_datum_int(sb_row_get(row(f, PB, U1), f->c_key), 0), 1);
	}
	assert_int_equal(sb_replica_seqno(f->r), seq);
	assert_int_equal(f->changes, changes);
	/* the error names what is wrong */
	apply(f, bad[0], false, err, sizeof(err));
	assert_non_null(strstr(err, "no_such_column"));
}

static int count_tracked(struct fx *f, unsigned t, enum sb_change kind)
{
	int n = 0;
	for (const struct sb_row *r = sb_table_tracked_first(sb_replica_table(f->r, t)); r;
	     r = sb_row_tracked_next(r))
		n += sb_row_change(r) == kind;
	return n;
}

static void test_tracking(void **state)
{
	struct fx *f = *state;
	const struct sb_row *r;

	sb_replica_set_tracking(f->r, true);
	assert_false(sb_replica_has_changes(f->r));

	/* insert U3, modify U1 (options), delete U2: one transaction */
	apply_ok(f,
		 "{\"Port_Binding\":{\"" U3 "\":{\"insert\":{\"logical_port\":\"p3\"}},"
		 "\"" U1 "\":{\"modify\":{\"options\":[\"map\",[[\"z\",\"9\"]]]}},"
		 "\"" U2 "\":{\"delete\":null}}}",
		 false);
	assert_true(sb_replica_has_changes(f->r));
	assert_int_equal(count_tracked(f, PB, SB_INSERTED), 1);
	assert_int_equal(count_tracked(f, PB, SB_MODIFIED), 1);
	assert_int_equal(count_tracked(f, PB, SB_DELETED), 1);
	assert_int_equal(count_tracked(f, DP, SB_MODIFIED), 0);
	r = row(f, PB, U1);
	assert_int_equal(sb_row_change(r), SB_MODIFIED);
	assert_true(sb_row_col_changed(r, f->c_opt));
	assert_false(sb_row_col_changed(r, f->c_lp));
	/* the deleted row is gone from lookups but readable in the tracked list */
	assert_null(row(f, PB, U2));
	for (r = sb_table_tracked_first(sb_replica_table(f->r, PB)); r; r = sb_row_tracked_next(r))
		if (sb_row_change(r) == SB_DELETED)
			assert_string_equal(ovs_datum_str(sb_row_get(r, f->c_lp)), "p2");

	/* a second transaction before the ack coalesces: U3 inserted+modified = inserted,
	 * U1 modified twice = union of columns */
	apply_ok(f,
		 "{\"Port_Binding\":{\"" U3 "\":{\"modify\":{\"tunnel_key\":5}},"
		 "\"" U1 "\":{\"modify\":{\"up\":false}}}}",
		 false);
	assert_int_equal(sb_row_change(row(f, PB, U3)), SB_INSERTED);
	assert_true(sb_row_col_changed(row(f, PB, U1), f->c_opt));
	assert_true(sb_row_col_changed(row(f, PB, U1), f->c_up));
	assert_int_equal(count_tracked(f, PB, SB_INSERTED) + count_tracked(f, PB, SB_MODIFIED) +
			     count_tracked(f, PB, SB_DELETED),
			 3);

	sb_replica_ack(f->r);
	assert_false(sb_replica_has_changes(f->r));
	assert_int_equal(sb_replica_acked_seqno(f->r), sb_replica_seqno(f->r));
	assert_int_equal(sb_row_change(row(f, PB, U1)), SB_UNCHANGED);

	/* inserted then deleted before the ack: never seen */
	apply_ok(f, "{\"Port_Binding\":{\"" U2 "\":{\"insert\":{\"logical_port\":\"p2\"}}}}",
		 false);
	apply_ok(f, "{\"Port_Binding\":{\"" U2 "\":{\"delete\":null}}}", false);
	assert_false(sb_replica_has_changes(f->r));

	/* modified then deleted: deleted */
	apply_ok(f, "{\"Port_Binding\":{\"" U3 "\":{\"modify\":{\"tunnel_key\":6}}}}", false);
	apply_ok(f, "{\"Port_Binding\":{\"" U3 "\":{\"delete\":null}}}", false);
	assert_int_equal(count_tracked(f, PB, SB_DELETED), 1);
	assert_int_equal(count_tracked(f, PB, SB_MODIFIED), 0);
	sb_replica_ack(f->r);
	assert_int_equal(sb_table_n_rows(sb_replica_table(f->r, PB)), 1);
}

static void test_full_reload_reconciles(void **state)
{
	struct fx *f = *state;
	int c_dpk = sb_table_col(sb_replica_table(f->r, DP), "tunnel_key");

	sb_replica_set_tracking(f->r, true);
	/* the server's complete contents after a reconnect without history: U1 unchanged,
	 * U2 gone, U3 new, the datapath with another key */
	apply_ok(f,
		 "{\"Port_Binding\":{"
		 "\"" U1 "\":{\"initial\":{\"logical_port\":\"p1\",\"tunnel_key\":1,"
		 "\"datapath\":[\"uuid\",\"" D1 "\"],\"mac\":\"aa 10.0.0.1\","
		 "\"options\":[\"map\",[[\"b\",\"2\"],[\"a\",\"1\"]]]}},"
		 "\"" U3 "\":{\"initial\":{\"logical_port\":\"p3\"}}},"
		 "\"Datapath_Binding\":{\"" D1 "\":{\"initial\":{\"tunnel_key\":8,"
		 "\"external_ids\":[\"map\",[[\"name\",\"ls1\"]]]}}}}",
		 true);
	assert_int_equal(sb_row_change(row(f, PB, U1)), SB_UNCHANGED);
	assert_int_equal(sb_row_change(row(f, PB, U3)), SB_INSERTED);
	assert_null(row(f, PB, U2));
	assert_int_equal(count_tracked(f, PB, SB_DELETED), 1);
	const struct sb_row *d = row(f, DP, D1);
	assert_int_equal(sb_row_change(d), SB_MODIFIED);
	assert_true(sb_row_col_changed(d, c_dpk));
	assert_false(
	    sb_row_col_changed(d, sb_table_col(sb_replica_table(f->r, DP), "external_ids")));
	assert_int_equal(ovs_datum_int(sb_row_get(d, c_dpk), 0), 8);
	union ovs_atom k = {.integer = 8};
	struct ovs_datum kd = ovs_datum_of(&k);
	assert_ptr_equal(sb_index_first(sb_replica_table(f->r, DP), 0, &kd), d);

	/* a full reload that is empty removes everything */
	sb_replica_ack(f->r);
	apply_ok(f, "{}", true);
	assert_int_equal(sb_table_n_rows(sb_replica_table(f->r, PB)), 0);
	assert_int_equal(count_tracked(f, PB, SB_DELETED), 2);
	sb_replica_set_tracking(f->r, false); /* frees the tombstones */
	assert_false(sb_replica_has_changes(f->r));
}

static void test_monitor_requests(void **state)
{
	struct fx *f = *state;
	json_t *req = sb_replica_monitor_requests(f->r);
	json_t *pb = json_object_get(req, "Port_Binding");
	assert_true(json_is_array(pb));
	assert_int_equal(json_array_size(json_object_get(json_array_get(pb, 0), "columns")), 7);
	assert_null(json_object_get(req, "Missing_Table")); /* the server has none */
	assert_null(json_object_get(req, "Other"));	    /* we did not ask for it */
	json_decref(req);
	assert_false(sb_table_present(sb_replica_table(f->r, MISSING)));
}

/* the real OVN_Southbound schema shipped with OVN, with the real table specs */
static void test_real_schema(void **state)
{
	json_error_t je;
	json_t *sj = json_load_file("/usr/share/ovn/ovn-sb.ovsschema", 0, &je);
	char err[256];
	bool rebuilt;
	(void)state;

	if (sj == NULL)
		skip();
	struct ovs_schema *s = ovs_schema_from_json(sj, err, sizeof(err));
	assert_non_null(s);
	struct sb_replica *r = sb_tables_replica_new();
	assert_int_equal(sb_replica_set_schema(r, s, &rebuilt, err, sizeof(err)), 0);
	for (unsigned i = 0; i < SB_N_TABLES; i++)
		if (!sb_table_present(sb_replica_table(r, i)))
			fail_msg("table %s not in the schema", sb_table_specs[i].name);
	json_t *u = J("{\"Chassis\":{\"" C1 "\":{\"initial\":{\"name\":\"ch1\",\"encaps\":"
		      "[\"uuid\",\"" U1 "\"]}}},"
		      "\"Datapath_Binding\":{\"" D1 "\":{\"initial\":{\"tunnel_key\":3}}},"
		      "\"Logical_Flow\":{\"" U2 "\":{\"initial\":{\"logical_datapath\":"
		      "[\"uuid\",\"" D1 "\"],\"pipeline\":\"ingress\",\"table_id\":4,"
		      "\"priority\":100,\"match\":\"1\",\"actions\":\"next;\"}}},"
		      "\"Port_Binding\":{\"" U3 "\":{\"initial\":{\"logical_port\":\"pod1\","
		      "\"datapath\":[\"uuid\",\"" D1 "\"],\"tunnel_key\":1}}}}");
	assert_int_equal(sb_replica_apply(r, u, true, err, sizeof(err)), 0);
	json_decref(u);
	assert_non_null(sb_chassis_by_name(r, "ch1"));
	assert_non_null(sb_pb_by_logical_port(r, "pod1"));
	assert_ptr_equal(sb_dp_by_tunnel_key(r, 3)->table,
			 sb_replica_table(r, SB_DATAPATH_BINDING));
	struct ovs_uuid dp;
	ovs_uuid_from_string(D1, &dp);
	assert_non_null(sb_lflow_first(r, false, &dp, "ingress", 4));
	assert_null(sb_lflow_first(r, false, &dp, "egress", 4));
	sb_replica_free(r);
	ovs_schema_free(s);

	/* an SB schema without Port_Binding.up is refused */
	json_object_del(
	    json_object_get(json_object_get(json_object_get(sj, "tables"), "Port_Binding"),
			    "columns"),
	    "up");
	s = ovs_schema_from_json(sj, err, sizeof(err));
	r = sb_tables_replica_new();
	assert_int_equal(sb_replica_set_schema(r, s, &rebuilt, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Port_Binding has no column up"));
	sb_replica_free(r);
	ovs_schema_free(s);
	json_decref(sj);
}

static void test_datum_round_trip(void **state)
{
	struct ovs_type t = {OVS_STRING, OVS_INTEGER, 0, OVS_UNLIMITED};
	struct ovs_datum d, d2;
	char err[128];
	json_t *j = J("[\"map\",[[\"b\",2],[\"a\",1],[\"c\",3]]]");
	(void)state;

	assert_int_equal(ovs_datum_from_json(&d, j, &t, false, err, sizeof(err)), 0);
	assert_string_equal(d.keys[0].string, "a"); /* sorted */
	json_t *back = ovs_datum_to_json(&d, &t);
	assert_int_equal(ovs_datum_from_json(&d2, back, &t, false, err, sizeof(err)), 0);
	assert_true(ovs_datum_equal(&d, &d2, &t));
	assert_int_equal(ovs_datum_hash(&d, &t, 0), ovs_datum_hash(&d2, &t, 0));
	ovs_datum_destroy(&d, &t);
	ovs_datum_destroy(&d2, &t);
	json_decref(back);
	json_decref(j);

	/* duplicate map keys are refused */
	j = J("[\"map\",[[\"a\",2],[\"a\",1]]]");
	assert_int_equal(ovs_datum_from_json(&d, j, &t, false, err, sizeof(err)), -1);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_schema_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_schema_keeps_rows_new_schema_rebuilds, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_initial_values_and_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_indexes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_modify_diffs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_updates_change_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tracking, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_reload_reconciles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_monitor_requests, setup, teardown),
	    cmocka_unit_test(test_real_schema),
	    cmocka_unit_test(test_datum_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
