/* SPDX-License-Identifier: Apache-2.0 */
/* The neighbour tables of a generation built from southbound rows (ovn-glue/lflow/pl_build.c
 * pl_build_neighbours) on a replica with the real OVN 23.03 schema: MAC_Binding and
 * Static_MAC_Binding resolved through the logical port's own datapath, priorities (learned 100,
 * static 50, override_dynamic_mac 150), IPv6 and upper-case MACs, FDB rows; rows that do not
 * parse or name unknown ports or datapaths left out. */
#include "lflow/ltopo.h"
#include "lflow/pl_build.h"

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

static const char *updates =
    "{\"Datapath_Binding\": {"
    "  \"" LS "\": {\"insert\": {\"tunnel_key\": 1, \"external_ids\": [\"map\","
    "     [[\"logical-switch\", \"x\"], [\"name\", \"ovn-default\"]]]}},"
    "  \"" LR "\": {\"insert\": {\"tunnel_key\": 2, \"external_ids\": [\"map\","
    "     [[\"logical-router\", \"y\"], [\"name\", \"ovn-cluster\"]]]}}},"
    " \"Port_Binding\": {"
    "  \"b0000000-0000-0000-0000-000000000001\": {\"insert\": {\"logical_port\":"
    "     \"ovn-cluster-ovn-default\", \"tunnel_key\": 3, \"datapath\": [\"uuid\", \"" LR "\"],"
    "     \"type\": \"patch\"}},"
    "  \"b0000000-0000-0000-0000-000000000002\": {\"insert\": {\"logical_port\": \"pod4\","
    "     \"tunnel_key\": 5, \"datapath\": [\"uuid\", \"" LS "\"]}}},"
    " \"MAC_Binding\": {"
    /* the datapath column is not what counts: the port's datapath is (as ovn-controller) */
    "  \"c0000000-0000-0000-0000-000000000001\": {\"insert\": {\"logical_port\":"
    "     \"ovn-cluster-ovn-default\", \"ip\": \"10.16.0.99\", \"mac\": \"00:00:00:00:01:02\","
    "     \"datapath\": [\"uuid\", \"" LS "\"]}},"
    "  \"c0000000-0000-0000-0000-000000000002\": {\"insert\": {\"logical_port\":"
    "     \"ovn-cluster-ovn-default\", \"ip\": \"2001:db8::5\", \"mac\": \"0A:00:00:00:00:05\"}},"
    "  \"c0000000-0000-0000-0000-000000000003\": {\"insert\": {\"logical_port\":"
    "     \"ovn-cluster-ovn-default\", \"ip\": \"not-an-ip\", \"mac\": \"00:00:00:00:01:02\"}},"
    "  \"c0000000-0000-0000-0000-000000000004\": {\"insert\": {\"logical_port\": \"nope\","
    "     \"ip\": \"10.16.0.98\", \"mac\": \"00:00:00:00:01:02\"}},"
    "  \"c0000000-0000-0000-0000-000000000005\": {\"insert\": {\"logical_port\":"
    "     \"ovn-cluster-ovn-default\", \"ip\": \"10.16.0.98\", \"mac\": \"zz\"}}},"
    " \"Static_MAC_Binding\": {"
    "  \"d0000000-0000-0000-0000-000000000001\": {\"insert\": {\"logical_port\":"
    "     \"ovn-cluster-ovn-default\", \"ip\": \"10.16.0.99\", \"mac\": \"00:00:00:00:01:03\","
    "     \"override_dynamic_mac\": false}},"
    "  \"d0000000-0000-0000-0000-000000000002\": {\"insert\": {\"logical_port\":"
    "     \"ovn-cluster-ovn-default\", \"ip\": \"10.16.0.97\", \"mac\": \"00:00:00:00:01:07\","
    "     \"override_dynamic_mac\": true}}},"
    " \"FDB\": {"
    "  \"e0000000-0000-0000-0000-000000000001\": {\"insert\": {\"mac\": \"00:00:00:00:01:04\","
    "     \"dp_key\": 1, \"port_key\": 5}},"
    "  \"e0000000-0000-0000-0000-000000000002\": {\"insert\": {\"mac\": \"00:00:00:00:01:05\","
    "     \"dp_key\": 99, \"port_key\": 5}},"
    "  \"e0000000-0000-0000-0000-000000000003\": {\"insert\": {\"mac\": \"bad\","
    "     \"dp_key\": 1, \"port_key\": 6}}}"
    "}";

static void test_neighbours_from_sb(void **state)
{
	(void)state;
	struct sb_replica *r = sbt_replica(updates);
	struct ltopo *t = ltopo_build(r);
	assert_non_null(t);
	struct plb *b = plb_new(1);
	assert_int_equal(pl_build_neighbours(b, t, r), 0);
	struct pl_gen *g = plb_finish(b);
	assert_non_null(g);

	assert_int_equal(g->n_neighs, 4); /* 2 learned + 2 static; 3 bad rows left out */
	const struct pl_neigh *n = pl_neigh_get(g, 2, 3, false, 0x0a100063);
	assert_non_null(n); /* learned (100) over static (50) */
	assert_int_equal(n->mac, 0x000000000102ULL);
	assert_int_equal(n->prio, PL_NEIGH_PRIO_DYNAMIC);
	assert_true(pl_neigh_has_mac(g, 2, 3, false, 0x0a100063, 0x000000000103ULL));
	n = pl_neigh_get(g, 2, 3, false, 0x0a100061);
	assert_non_null(n);
	assert_int_equal(n->prio, PL_NEIGH_PRIO_OVERRIDE);
	lf_u128 v6 = ((lf_u128)0x20010db800000000ULL << 64) | 5;
	n = pl_neigh_get(g, 2, 3, true, v6);
	assert_non_null(n);
	assert_int_equal(n->mac, 0x0a0000000005ULL);
	assert_null(pl_neigh_get(g, 2, 3, false, 0x0a100062));
	assert_null(pl_neigh_get(g, 1, 3, false, 0x0a100063)); /* not by the row's datapath */

	assert_int_equal(g->n_fdbs, 1);
	assert_int_equal(pl_fdb_get(g, 1, 0x000000000104ULL)->port, 5);
	assert_null(pl_fdb_get(g, 99, 0x000000000105ULL));

	/* the same rows again: an equal generation (nothing republished) */
	b = plb_new(2);
	assert_int_equal(pl_build_neighbours(b, t, r), 0);
	struct pl_gen *h = plb_finish(b);
	assert_true(pl_gen_equal(g, h));
	pl_gen_free(h);

	/* without a replica: empty tables */
	b = plb_new(3);
	assert_int_equal(pl_build_neighbours(b, t, NULL), 0);
	h = plb_finish(b);
	assert_int_equal(h->n_neighs + h->n_fdbs, 0);
	assert_false(pl_gen_equal(g, h));
	pl_gen_free(h);
	pl_gen_free(g);
	ltopo_free(t);
	sb_replica_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_neighbours_from_sb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
