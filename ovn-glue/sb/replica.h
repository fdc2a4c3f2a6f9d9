/* SPDX-License-Identifier: Apache-2.0 */
/* An in-memory replica of the monitored tables of an OVSDB database (here: OVN_Southbound):
 * rows by UUID, secondary indexes, and per-row change tracking since the consumer's last ack.
 *
 * Updates are applied atomically: a table-updates2 object is first parsed and checked whole
 * (unknown tables or columns, malformed values, modify/delete of missing rows), and only then
 * committed; a bad update leaves the replica exactly as it was.
 *
 * Change tracking (off until sb_replica_set_tracking(r, true)): after each commit, every row
 * touched since the last sb_replica_ack() is on its table's tracked list, coalesced:
 *   inserted (then possibly modified)     -> SB_INSERTED
 *   modified (any number of times)        -> SB_MODIFIED, with the union of changed columns
 *   deleted                               -> SB_DELETED (the row keeps its last values until ack;
 *                                            it is no longer found by uuid or index)
 *   inserted then deleted                 -> not listed at all
 * A full reload (monitor reply without a usable txn id) is reconciled against the existing
 * rows, so it shows up as the real differences, not as "delete everything, insert everything".
 * If the server's schema for a monitored table changes, the replica is rebuilt and its
 * generation number increases: a consumer seeing a new generation must rescan everything. */
#pragma once

#include "ovsdb/datum.h"
#include "ovsdb/hmap.h"
#include "ovsdb/schema.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define SB_IDX_MAX  3 /* indexes per table */
#define SB_IDX_COLS 3 /* columns per index */

struct sb_index_spec {
	const char *cols[SB_IDX_COLS]; /* unused slots NULL; an index with no column is unused */
};

struct sb_table_spec {
	const char *name;
	bool required; /* a server schema without this table (or required_columns) is refused */
	const char *const *required_columns; /* NULL-terminated list, or NULL */
	struct sb_index_spec idx[SB_IDX_MAX];
};

enum sb_change {
	SB_UNCHANGED = 0,
	SB_INSERTED,
	SB_MODIFIED,
	SB_DELETED,
};

struct sb_replica;
struct sb_table;

struct sb_idx_node {
	struct hnode node;
	struct sb_row *row;
};

struct sb_row {
	struct hnode node; /* in table->rows, by uuid */
	struct ovs_uuid uuid;
	struct sb_table *table;
	struct sb_row *trk_next, *trk_prev;
	uint8_t change; /* enum sb_change */
	bool seen;	/* scratch for full reloads */
	bool linked;	/* in table->rows and the indexes */
	struct sb_idx_node *idx;
	uint64_t *changed; /* column bitmap, meaningful for SB_MODIFIED */
	struct ovs_datum cols[];
};

struct sb_index {
	bool active;
	unsigned n_cols;
	int cols[SB_IDX_COLS];
	struct hmap map;
};

struct sb_table {
	const struct sb_table_spec *spec;
	struct sb_replica *r;
	struct ovs_table_schema *ts; /* NULL when the server has no such table */
	struct hmap rows;
	struct sb_index idx[SB_IDX_MAX];
	struct sb_row *trk_first, *trk_last;
	size_t n_tracked;
	unsigned bm_words;
};

typedef void (*sb_replica_cb)(struct sb_replica *r, void *arg);

struct sb_replica *sb_replica_new(const struct sb_table_spec *specs, unsigned n_tables);
void sb_replica_free(struct sb_replica *r);

/* Check the server's schema against the specs; build or keep the tables. *rebuilt is true when
 * the replica was emptied (first schema, or a monitored table changed): then any last txn id
 * kept by the caller must be dropped. -1 with err on a schema that lacks required parts. */
int sb_replica_set_schema(struct sb_replica *r, const struct ovs_schema *s, bool *rebuilt,
			  char *err, size_t errlen);
/* The monitor-cond-requests object: every column of every table the server has. */
json_t *sb_replica_monitor_requests(const struct sb_replica *r);
/* Apply a table-updates2 object. full: the server's complete contents (monitor reply without
 * a usable txn id); rows not mentioned are deleted. 0, or -1 with err and nothing changed. */
int sb_replica_apply(struct sb_replica *r, const json_t *updates, bool full, char *err,
		     size_t errlen);
/* Forget every row (tracked as deletions when tracking is on). */
void sb_replica_clear(struct sb_replica *r);

/* Called after each successful sb_replica_apply() / sb_replica_clear(), and when a schema
 * change rebuilt (emptied) the replica. */
void sb_replica_set_listener(struct sb_replica *r, sb_replica_cb fn, void *arg);
/* Called at the end of each sb_replica_ack(). */
void sb_replica_set_ack_hook(struct sb_replica *r, sb_replica_cb fn, void *arg);

uint64_t sb_replica_seqno(const struct sb_replica *r);			/* commits so far */
uint64_t sb_replica_generation(const struct sb_replica *r);		/* schema rebuilds so far */
const struct ovs_schema *sb_replica_schema(const struct sb_replica *r); /* NULL before */

/* ---- reading ---- */
unsigned sb_replica_n_tables(const struct sb_replica *r);
struct sb_table *sb_replica_table(const struct sb_replica *r, unsigned id);
struct sb_table *sb_replica_table_by_name(const struct sb_replica *r, const char *name);
static inline const char *sb_table_name(const struct sb_table *t)
{
	return t->spec->name;
}
static inline bool sb_table_present(const struct sb_table *t)
{
	return t->ts != NULL;
}
static inline size_t sb_table_n_rows(const struct sb_table *t)
{
	return hmap_count(&t->rows);
}
/* Column index by name, -1 if the server's table has no such column (or no such table). */
int sb_table_col(const struct sb_table *t, const char *name);
const struct ovs_type *sb_table_col_type(const struct sb_table *t, int col);

const struct sb_row *sb_table_first(const struct sb_table *t);
const struct sb_row *sb_table_next(const struct sb_row *row);
const struct sb_row *sb_table_find(const struct sb_table *t, const struct ovs_uuid *uuid);

/* The datum of a column (NULL if col < 0: a column the server does not have). */
static inline const struct ovs_datum *sb_row_get(const struct sb_row *row, int col)
{
	return col < 0 ? NULL : &row->cols[col];
}
/* Column by name: slower (a lookup per call), for code outside hot loops. */
const struct ovs_datum *sb_row_col(const struct sb_row *row, const char *col);
json_t *sb_row_to_json(const struct sb_row *row); /* {"_uuid": "...", column: value...} */

/* Index lookups: key[] has one datum per index column (in the spec's order); every row whose
 * columns equal the key, in no particular order. */
const struct sb_row *sb_index_first(const struct sb_table *t, unsigned idx,
				    const struct ovs_datum *key);
const struct sb_row *sb_index_next(const struct sb_table *t, unsigned idx,
				   const struct sb_row *prev, const struct ovs_datum *key);

/* ---- change tracking ---- */
void sb_replica_set_tracking(struct sb_replica *r, bool on);
bool sb_replica_tracking(const struct sb_replica *r);
bool sb_replica_has_changes(const struct sb_replica *r);
const struct sb_row *sb_table_tracked_first(const struct sb_table *t);
const struct sb_row *sb_row_tracked_next(const struct sb_row *row);
static inline enum sb_change sb_row_change(const struct sb_row *row)
{
	return (enum sb_change)row->change;
}
/* For SB_MODIFIED rows: did column col change since the last ack? */
bool sb_row_col_changed(const struct sb_row *row, int col);
/* The consumer has handled every tracked change: forget them (frees deleted rows). */
void sb_replica_ack(struct sb_replica *r);
uint64_t sb_replica_acked_seqno(const struct sb_replica *r);
