/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the fuzz targets: an SB replica set up with the OVN_Southbound schema (the file
 * shipped with OVN, or FUZZ_SB_SCHEMA), and an invariant check of the replica. */
#pragma once

#include "ovsdb/schema.h"
#include "sb/replica.h"
#include "sb/sb_tables.h"

#include <stdio.h>
#include <stdlib.h>

static inline struct sb_replica *fuzz_replica_new(void)
{
	const char *path = getenv("FUZZ_SB_SCHEMA");
	json_error_t je;
	json_t *sj = json_load_file(path ? path : "/usr/share/ovn/ovn-sb.ovsschema", 0, &je);
	char err[256];
	bool rebuilt;
	struct ovs_schema *s;
	struct sb_replica *r;

	if (sj == NULL) {
		fprintf(stderr, "fuzz: cannot load the SB schema (set FUZZ_SB_SCHEMA): %s\n",
			je.text);
		abort();
	}
	s = ovs_schema_from_json(sj, err, sizeof(err));
	json_decref(sj);
	if (s == NULL)
		abort();
	r = sb_tables_replica_new();
	if (r == NULL || sb_replica_set_schema(r, s, &rebuilt, err, sizeof(err)) < 0)
		abort();
	ovs_schema_free(s);
	sb_replica_set_tracking(r, true);
	return r;
}

/* Every row is found by its uuid and through every index it belongs to; tracked rows are
 * consistent with the tables. */
static inline void fuzz_replica_check(struct sb_replica *r)
{
	for (unsigned i = 0; i < sb_replica_n_tables(r); i++) {
		const struct sb_table *t = sb_replica_table(r, i);
		size_t n = 0;
		if (!sb_table_present(t))
			continue;
		for (const struct sb_row *row = sb_table_first(t); row; row = sb_table_next(row)) {
			n++;
			if (sb_table_find(t, &row->uuid) != row)
				abort();
			for (unsigned k = 0; k < SB_IDX_MAX; k++) {
				const struct sb_index *ix = &t->idx[k];
				struct ovs_datum key[SB_IDX_COLS];
				const struct sb_row *x;
				if (!ix->active)
					continue;
				for (unsigned c = 0; c < ix->n_cols; c++)
					key[c] = row->cols[ix->cols[c]];
				for (x = sb_index_first(t, k, key); x && x != row;
				     x = sb_index_next(t, k, x, key))
					;
				if (x != row)
					abort();
			}
		}
		if (n != sb_table_n_rows(t))
			abort();
		for (const struct sb_row *row = sb_table_tracked_first(t); row;
		     row = sb_row_tracked_next(row)) {
			bool found = sb_table_find(t, &row->uuid) == row;
			if (sb_row_change(row) == SB_DELETED ? found : !found)
				abort();
		}
	}
}
