/* SPDX-License-Identifier: Apache-2.0 */
/* The logical topology snapshot, built from a replica with the real OVN 23.03 SB schema. */
#include "lflow/ltopo.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sb_test_util.h"

#define LS "a0000000-0000-0000-0000-000000000001"
#define LR "a0000000-0000-0000-0000-000000000002"
#define P1 "b0000000-0000-0000-0000-000000000001"
#define P2 "b0000000-0000-0000-0000-000000000002"
#define P3 "b0000000-0000-0000-0000-000000000003"
#define P4 "b0000000-0000-0000-0000-000000000004"
#define CH "c0000000-0000-0000-0000-000000000001"
#define DG "d0000000-0000-0000-0000-000000000001"

static const char *updates =
    "{\"Datapath_Binding\": {"
    "  \"" LS "\": {\"insert\": {\"tunnel_key\": 1, \"external_ids\": [\"map\","
    "     [[\"logical-switch\", \"x\"], [\"name\", \"ovn-default\"]]]}},"
    "  \"" LR "\": {\"insert\": {\"tunnel_key\": 2, \"external_ids\": [\"map\","
    "     [[\"logical-router\", \"y\"], [\"name\", \"ovn-cluster\"]]]}}},"
    " \"Port_Binding\": {"
    "  \"" P1 "\": {\"insert\": {\"logical_port\": \"pod1\", \"tunnel_key\": 1,"
    "     \"datapath\": [\"uuid\", \"" LS "\"], \"chassis\": [\"uuid\", \"" CH "\"],"
    "     \"mac\": \"00:00:00:00:01:01 10.16.0.11\"}},"
    "  \"" P2 "\": {\"insert\": {\"logical_port\": \"ovn-default-ovn-cluster\", \"tunnel_key\": 2,"
    "     \"datapath\": [\"uuid\", \"" LS "\"], \"type\": \"patch\","
    "     \"options\": [\"map\", [[\"peer\", \"ovn-cluster-ovn-default\"]]]}},"
    "  \"" P3 "\": {\"insert\": {\"logical_port\": \"ovn-cluster-ovn-default\", \"tunnel_key\": 1,"
    "     \"datapath\": [\"uuid\", \"" LR "\"], \"type\": \"patch\","
    "     \"options\": [\"map\", [[\"peer\", \"ovn-default-ovn-cluster\"]]]}},"
    "  \"" P4 "\": {\"insert\": {\"logical_port\": \"ln-vlan100\", \"tunnel_key\": 3,"
    "     \"datapath\": [\"uuid\", \"" LS "\"], \"type\": \"localnet\", \"tag\": 100,"
    "     \"options\": [\"map\", [[\"network_name\", \"physnet1\"]]]}},"
    "  \"b0000000-0000-0000-0000-000000000009\": {\"insert\": {\"logical_port\": \"orphan\","
    "     \"tunnel_key\": 9, \"datapath\": [\"uuid\", \"a0000000-0000-0000-0000-00000000dead\"]}}},"
    " \"Multicast_Group\": {"
    "  \"e0000000-0000-0000-0000-000000000001\": {\"insert\": {\"name\": \"_MC_flood\","
    "     \"tunnel_key\": 32768, \"datapath\": [\"uuid\", \"" LS "\"],"
    "     \"ports\": [\"set\", [[\"uuid\", \"" P1 "\"], [\"uuid\", \"" P2 "\"]]]}}},"
    " \"Address_Set\": {"
    "  \"e0000000-0000-0000-0000-000000000002\": {\"insert\": {\"name\": \"as1\","
    "     \"addresses\": [\"set\", [\"10.16.0.11\", \"10.16.0.12\"]]}}},"
    " \"Port_Group\": {"
    "  \"e0000000-0000-0000-0000-000000000003\": {\"insert\": {\"name\": \"pg1\","
    "     \"ports\": [\"set\", [\"pod1\"]]}}},"
    " \"Logical_DP_Group\": {"
    "  \"" DG "\": {\"insert\": {\"datapaths\": [\"set\", [[\"uuid\", \"" LS "\"]]]}}},"
    " \"Logical_Flow\": {"
    "  \"f0000000-0000-0000-0000-000000000001\": {\"insert\": {\"pipeline\": \"ingress\","
    "     \"table_id\": 0, \"priority\": 50, \"match\": \"1\", \"actions\": \"next;\","
    "     \"logical_datapath\": [\"uuid\", \"" LS "\"],"
    "     \"external_ids\": [\"map\", [[\"stage-name\", \"ls_in_check_port_sec\"]]]}},"
    "  \"f0000000-0000-0000-0000-000000000002\": {\"insert\": {\"pipeline\": \"egress\","
    "     \"table_id\": 3, \"priority\": 0, \"match\": \"1\", \"actions\": \"next;\","
    "     \"logical_dp_group\": [\"uuid\", \"" DG "\"],"
    "     \"external_ids\": [\"map\", [[\"stage-name\", \"ls_out_acl\"]]]}},"
    "  \"f0000000-0000-0000-0000-000000000003\": {\"insert\": {\"pipeline\": \"ingress\","
    "     \"table_id\": 0, \"priority\": 0, \"match\": \"1\", \"actions\": \"next;\","
    "     \"logical_datapath\": [\"uuid\", \"" LR "\"],"
    "     \"external_ids\": [\"map\", [[\"stage-name\", \"lr_in_admission\"]]]}},"
    "  \"f0000000-0000-0000-0000-000000000004\": {\"insert\": {\"pipeline\": \"ingress\","
    "     \"table_id\": 7, \"priority\": 0, \"match\": \"1\", \"actions\": \"next;\","
    "     \"logical_datapath\": [\"uuid\", \"" LS "\"]}},"
    "  \"f0000000-0000-0000-0000-000000000005\": {\"insert\": {\"pipeline\": \"ingress\","
    "     \"table_id\": 5, \"priority\": 0, \"match\": \"1\", \"actions\": \"next;\","
    "     \"logical_datapath\": [\"uuid\", \"" LS "\"],"
    "     \"external_ids\": [\"map\", [[\"stage-name\", \"ls_in_acl\"]]]}},"
    "  \"f0000000-0000-0000-0000-000000000006\": {\"insert\": {\"pipeline\": \"ingress\","
    "     \"table_id\": 6, \"priority\": 0, \"match\": \"1\", \"actions\": \"next;\","
    "     \"logical_datapath\": [\"uuid\", \"" LS "\"],"
    "     \"external_ids\": [\"map\", [[\"stage-name\", \"ls_in_acl\"]]]}}}"
    "}";

static void test_topology(void **state)
{
	struct sb_replica *r = sbt_replica(updates);
	struct ltopo *t = ltopo_build(r);
	const struct lt_port *p, *peer;
	const struct lt_datapath *ls, *lr;
	const struct lt_mcgroup *mc;
	const struct lt_set *as;
	const struct lt_stats *st;
	struct ovs_uuid dg;
	unsigned n;
	(void)state;

	assert_non_null(t);
	sb_replica_free(r); /* the snapshot owns its data */

	ls = ltopo_dp_by_name(t, "ovn-default");
	lr = ltopo_dp_by_key(t, 2);
	assert_non_null(ls);
	assert_non_null(lr);
	assert_int_equal(ls->key, 1);
	assert_int_equal(ls->kind, LT_DP_SWITCH);
	assert_int_equal(lr->kind, LT_DP_ROUTER);
	assert_string_equal(lr->name, "ovn-cluster");

	p = ltopo_port(t, "pod1");
	assert_non_null(p);
	assert_ptr_equal(p->dp, ls);
	assert_int_equal(p->key, 1);
	assert_string_equal(p->type, "");
	assert_int_equal(p->n_macs, 1);
	assert_string_equal(p->macs[0], "00:00:00:00:01:01 10.16.0.11");
	assert_false(ovs_uuid_is_zero(&p->chassis));
	assert_ptr_equal(ltopo_port_by_key(t, 1, 1), p);

	/* a patch port and its peer on the router */
	p = ltopo_port_by_key(t, 1, 2);
	assert_non_null(p);
	assert_string_equal(p->type, "patch");
	peer = ltopo_port(t, p->peer);
	assert_non_null(peer);
	assert_ptr_equal(peer->dp, lr);
	assert_string_equal(peer->peer, p->name);

	p = ltopo_port(t, "ln-vlan100");
	assert_string_equal(p->type, "localnet");
	assert_string_equal(p->network, "physnet1");
	assert_int_equal(p->tag, 100);
	assert_int_equal(ltopo_port(t, "pod1")->tag, -1);
	assert_null(ltopo_port(t, "orphan")); /* its datapath does not exist */

	mc = ltopo_mcgroup(t, 1, "_MC_flood");
	assert_non_null(mc);
	assert_int_equal(mc->key, 32768);
	assert_int_equal(mc->n_ports, 2);
	assert_null(ltopo_mcgroup(t, 2, "_MC_flood"));

	as = ltopo_address_set(t, "as1");
	assert_non_null(as);
	assert_int_equal(as->n, 2);
	assert_string_equal(ltopo_port_group(t, "pg1")->items[0], "pod1");
	assert_null(ltopo_address_set(t, "nope"));

	assert_true(ovs_uuid_from_string(DG, &dg));
	assert_non_null(ltopo_dp_group(t, &dg, &n));
	assert_int_equal(n, 1);

	/* stages by name, per pipeline and datapath kind; never by number alone */
	assert_int_equal(ltopo_stage_table(t, false, LT_DP_SWITCH, "ls_in_check_port_sec"), 0);
	assert_int_equal(ltopo_stage_table(t, true, LT_DP_SWITCH, "ls_out_acl"), 3);
	assert_int_equal(ltopo_stage_table(t, false, LT_DP_ROUTER, "lr_in_admission"), 0);
	assert_int_equal(ltopo_stage_table(t, false, LT_DP_ROUTER, "ls_in_check_port_sec"), -1);
	assert_string_equal(ltopo_stage_name(t, true, LT_DP_SWITCH, 3), "ls_out_acl");

	st = ltopo_stats(t);
	assert_int_equal(st->datapaths, 2);
	assert_int_equal(st->ports, 4);
	assert_int_equal(st->flows_without_stage_name, 1);
	assert_int_equal(st->stage_conflicts, 1);
	/* ls_in_acl was seen at tables 5 and 6: not trusted */
	assert_int_equal(ltopo_stage_table(t, false, LT_DP_SWITCH, "ls_in_acl"), -1);
	assert_int_equal(st->dangling, 1);
	ltopo_free(t);
}

static void apply_json(struct sb_replica *r, const char *text)
{
	json_error_t je;
	json_t *u = json_loads(text, 0, &je);
	char err[512];
	if (u == NULL)
		fail_msg("test JSON at %d: %s", je.position, je.text);
	if (sb_replica_apply(r, u, false, err, sizeof(err)) != 0)
		fail_msg("apply: %s", err);
	json_decref(u);
}

static bool noted(const struct lt_changes *ch, const char *key)
{
	for (unsigned i = 0; i < ch->n_sets; i++)
		if (strcmp(ch->sets[i], key) == 0)
			return true;
	return false;
}

/* An address set modified in place (lt_set_modify): the live set has the new members, the
 * kept members' strings moved (the same pointers), the record the old members, the removed
 * ones' strings with it; a port group modified is replaced, without a record. */
static void test_set_modified(void **state)
{
	struct sb_replica *r;
	struct ltopo *t = ltopo_new();
	struct lt_changes ch = {0};
	const struct lt_set *as;
	const char *kept;
	(void)state;

	r = sbt_replica(updates);
	sb_replica_set_tracking(r, true);
	assert_non_null(t);
	/* no dangling port (that forces a rebuild on every update) */
	apply_json(r, "{\"Port_Binding\": {\"b0000000-0000-0000-0000-000000000009\": "
		      "{\"delete\": null}}}");
	ltopo_update(t, r, true, NULL);
	sb_replica_ack(r);
	as = ltopo_address_set(t, "as1");
	assert_non_null(as);
	assert_int_equal(as->n, 2);
	kept = as->items[0]; /* 10.16.0.11 */

	/* 10.16.0.12 removed, 10.16.0.2 and 10.16.0.10 added (modify toggles members) */
	apply_json(
	    r, "{\"Address_Set\": {\"e0000000-0000-0000-0000-000000000002\": {\"modify\":"
	       " {\"addresses\": [\"set\", [\"10.16.0.12\", \"10.16.0.2\", \"10.16.0.10\"]]}}}}");
	ltopo_update(t, r, false, &ch);
	sb_replica_ack(r);
	as = ltopo_address_set(t, "as1");
	assert_non_null(as);
	assert_int_equal(as->n, 3);
	assert_string_equal(as->items[0], "10.16.0.10");
	assert_string_equal(as->items[1], "10.16.0.11");
	assert_string_equal(as->items[2], "10.16.0.2");
	assert_ptr_equal(as->items[1], kept);
	assert_true(noted(&ch, "$as1"));
	assert_int_equal(ch.n_old_sets, 1);
	assert_string_equal(ch.old_sets[0].name, "as1");
	assert_int_equal(ch.old_sets[0].n, 2);
	assert_ptr_equal(ch.old_sets[0].items[0], kept);
	assert_string_equal(ch.old_sets[0].items[1], "10.16.0.12");
	assert_int_equal(ch.n_removed, 1);
	assert_ptr_equal(ch.removed[0], ch.old_sets[0].items[1]);
	lt_changes_free(&ch);

	/* the port group: replaced, noted, no record */
	apply_json(r, "{\"Port_Group\": {\"e0000000-0000-0000-0000-000000000003\": {\"modify\":"
		      " {\"ports\": [\"set\", [\"pod2\"]]}}}}");
	ltopo_update(t, r, false, &ch);
	sb_replica_ack(r);
	assert_true(noted(&ch, "@pg1"));
	assert_int_equal(ch.n_old_sets, 0);
	assert_int_equal(ltopo_port_group(t, "pg1")->n, 2);
	lt_changes_free(&ch);

	/* everything removed */
	apply_json(
	    r, "{\"Address_Set\": {\"e0000000-0000-0000-0000-000000000002\": {\"modify\":"
	       " {\"addresses\": [\"set\", [\"10.16.0.10\", \"10.16.0.11\", \"10.16.0.2\"]]}}}}");
	ltopo_update(t, r, false, &ch);
	sb_replica_ack(r);
	assert_int_equal(ltopo_address_set(t, "as1")->n, 0);
	assert_int_equal(ch.n_old_sets, 1);
	assert_int_equal(ch.old_sets[0].n, 3);
	assert_int_equal(ch.n_removed, 3);
	assert_false(ch.rebuilt);
	lt_changes_free(&ch);

	/* a member added, and a port without its datapath: rebuilt; the record (it borrowed
	 * strings of the set the rebuild replaced) dropped */
	apply_json(r, "{\"Address_Set\": {\"e0000000-0000-0000-0000-000000000002\": {\"modify\":"
		      " {\"addresses\": [\"set\", [\"10.16.0.7\"]]}}},"
		      " \"Port_Binding\": {\"b0000000-0000-0000-0000-000000000009\": {\"insert\":"
		      " {\"logical_port\": \"orphan\", \"tunnel_key\": 9, \"datapath\": [\"uuid\","
		      " \"a0000000-0000-0000-0000-00000000dead\"]}}}}");
	ltopo_update(t, r, false, &ch);
	sb_replica_ack(r);
	assert_true(ch.rebuilt);
	assert_int_equal(ch.n_old_sets, 0);
	assert_int_equal(ltopo_address_set(t, "as1")->n, 1);
	lt_changes_free(&ch);
	ltopo_free(t);
	sb_replica_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_topology),
	    cmocka_unit_test(test_set_modified),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
