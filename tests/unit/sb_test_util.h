/* SPDX-License-Identifier: Apache-2.0 */
/* A southbound replica for the unit tests that compile from SB rows (test_lflow_ltopo.c,
 * test_pl_build_neigh.c, test_lflow_incremental.c, test_lflow_setpatch.c): the replica with the
 * OVN SB schema Debian installs (/usr/share/ovn/ovn-sb.ovsschema, the one the integration
 * tests' ovsdb-server serves), and update2 text applied to it as a monitor reply would be.
 * Failures go through cmocka (include <cmocka.h> first). Header only (static inline). */
#pragma once

#include "ovsdb/schema.h"
#include "sb/replica.h"
#include "sb/sb_tables.h"

#include <jansson.h>
#include <stdbool.h>

#define SBT_SCHEMA "/usr/share/ovn/ovn-sb.ovsschema"

/* apply an update2 message given as JSON text */
static inline void sbt_apply_text(struct sb_replica *r, const char *updates)
{
	json_error_t je;
	char err[512];
	json_t *u = json_loads(updates, 0, &je);
	if (u == NULL)
		fail_msg("test JSON at %d: %s", je.position, je.text);
	if (sb_replica_apply(r, u, false, err, sizeof(err)) != 0)
		fail_msg("apply: %s", err);
	json_decref(u);
}

/* a replica with the SB schema, and the update2 message `updates' (JSON text) applied when it
 * is not NULL */
static inline struct sb_replica *sbt_replica(const char *updates)
{
	json_error_t je;
	json_t *sj = json_load_file(SBT_SCHEMA, 0, &je);
	char err[512];
	bool rebuilt;

	if (sj == NULL)
		fail_msg("no OVN SB schema at " SBT_SCHEMA ": %s", je.text);
	struct ovs_schema *s = ovs_schema_from_json(sj, err, sizeof(err));
	json_decref(sj);
	assert_non_null(s);
	struct sb_replica *r = sb_tables_replica_new();
	assert_int_equal(sb_replica_set_schema(r, s, &rebuilt, err, sizeof(err)), 0);
	ovs_schema_free(s);
	if (updates)
		sbt_apply_text(r, updates);
	return r;
}
