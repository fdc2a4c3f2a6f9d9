/* SPDX-License-Identifier: Apache-2.0 */
#include "replica.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sb_replica {
	unsigned n_tables;
	struct sb_table *tables;
	struct ovs_schema *schema; /* a private copy of the server's schema */
	uint64_t seqno, acked_seqno, generation;
	bool tracking;
	sb_replica_cb listener, ack_hook;
	void *listener_arg, *ack_arg;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

struct sb_replica *sb_replica_new(const struct sb_table_spec *specs, unsigned n_tables)
{
	struct sb_replica *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->tables = calloc(n_tables, sizeof(*r->tables));
	if (r->tables == NULL) {
		free(r);
		return NULL;
	}
	r->n_tables = n_tables;
	for (unsigned i = 0; i < n_tables; i++) {
		r->tables[i].spec = &specs[i];
		r->tables[i].r = r;
		hmap_init(&r->tables[i].rows);
		for (unsigned k = 0; k < SB_IDX_MAX; k++)
			hmap_init(&r->tables[i].idx[k].map);
	}
	return r;
}

/* ---- rows ---- */

static struct sb_row *row_alloc(struct sb_table *t)
{
	unsigned nc = t->ts->n_columns;
	size_t sz = sizeof(struct sb_row) + nc * sizeof(struct ovs_datum) +
		    SB_IDX_MAX * sizeof(struct sb_idx_node) + t->bm_words * sizeof(uint64_t);
	struct sb_row *row = calloc(1, sz);
	if (row == NULL)
		return NULL;
	row->table = t;
	row->idx = (struct sb_idx_node *)(void *)&row->cols[nc];
	row->changed = (uint64_t *)(void *)&row->idx[SB_IDX_MAX];
	for (unsigned k = 0; k < SB_IDX_MAX; k++)
		row->idx[k].row = row;
	return row;
}

static void row_free(struct sb_row *row)
{
	const struct ovs_table_schema *ts = row->table->ts;
	for (unsigned c = 0; c < ts->n_columns; c++)
		ovs_datum_destroy(&row->cols[c], &ts->columns[c].type);
	free(row);
}

static uint32_t index_hash(const struct sb_table *t, const struct sb_index *ix,
			   const struct ovs_datum *key)
{
	uint32_t h = 0x5b1d;
	for (unsigned i = 0; i < ix->n_cols; i++)
		h = ovs_datum_hash(&key[i], &t->ts->columns[ix->cols[i]].type, h);
	return h;
}

static uint32_t row_index_hash(const struct sb_row *row, const struct sb_index *ix)
{
	uint32_t h = 0x5b1d;
	for (unsigned i = 0; i < ix->n_cols; i++)
		h = ovs_datum_hash(&row->cols[ix->cols[i]],
				   &row->table->ts->columns[ix->cols[i]].type, h);
	return h;
}

static void index_add(struct sb_row *row, unsigned k)
{
	struct sb_index *ix = &row->table->idx[k];
	if (ix->active)
		hmap_insert(&ix->map, &row->idx[k].node, row_index_hash(row, ix));
}

static void index_del(struct sb_row *row, unsigned k)
{
	struct sb_index *ix = &row->table->idx[k];
	if (ix->active)
		hmap_remove(&ix->map, &row->idx[k].node);
}

static void row_link(struct sb_row *row)
{
	hmap_insert(&row->table->rows, &row->node, ovs_uuid_hash(&row->uuid));
	for (unsigned k = 0; k < SB_IDX_MAX; k++)
		index_add(row, k);
	row->linked = true;
}

static void row_unlink(struct sb_row *row)
{
	hmap_remove(&row->table->rows, &row->node);
	for (unsigned k = 0; k < SB_IDX_MAX; k++)
		index_del(row, k);
	row->linked = false;
}

static void trk_append(struct sb_table *t, struct sb_row *row)
{
	row->trk_next = NULL;
	row->trk_prev = t->trk_last;
	if (t->trk_last)
		t->trk_last->trk_next = row;
	else
		t->trk_first = row;
	t->trk_last = row;
	t->n_tracked++;
}

static void trk_remove(struct sb_table *t, struct sb_row *row)
{
	if (row->trk_prev)
		row->trk_prev->trk_next = row->trk_next;
	else
		t->trk_first = row->trk_next;
	if (row->trk_next)
		row->trk_next->trk_prev = row->trk_prev;
	else
		t->trk_last = row->trk_prev;
	row->trk_next = row->trk_prev = NULL;
	t->n_tracked--;
}

static void track_insert(struct sb_row *row)
{
	if (!row->table->r->tracking)
		return;
	row->change = SB_INSERTED;
	trk_append(row->table, row);
}

static void track_modify(struct sb_row *row, const uint64_t *mask)
{
	struct sb_table *t = row->table;
	if (!t->r->tracking)
		return;
	if (row->change == SB_UNCHANGED) {
		row->change = SB_MODIFIED;
		memset(row->changed, 0, t->bm_words * sizeof(uint64_t));
		trk_append(t, row);
	}
	if (row->change == SB_MODIFIED)
		for (unsigned w = 0; w < t->bm_words; w++)
			row->changed[w] |= mask[w];
}

static void row_delete(struct sb_row *row)
{
	struct sb_table *t = row->table;
	row_unlink(row);
	if (!t->r->tracking) {
		row_free(row);
		return;
	}
	switch (row->change) {
	case SB_INSERTED:
		trk_remove(t, row);
		row_free(row);
		break;
	case SB_UNCHANGED:
		row->change = SB_DELETED;
		trk_append(t, row);
		break;
	case SB_MODIFIED: row->change = SB_DELETED; break;
	default: break;
	}
}

static void table_drop_rows(struct sb_table *t, bool track)
{
	struct hnode *n, *next;
	if (t->ts == NULL)
		return;
	for (n = hmap_first(&t->rows); n; n = next) {
		struct sb_row *row = container_of(n, struct sb_row, node);
		next = hmap_next(&t->rows, n); /* removal never resizes the bucket array */
		if (track) {
			row_delete(row);
		} else {
			row_unlink(row);
			if (row->change != SB_UNCHANGED)
				trk_remove(t, row);
			row_free(row);
		}
	}
	if (!track) {
		while (t->trk_first) { /* tombstones */
			struct sb_row *row = t->trk_first;
			trk_remove(t, row);
			row_free(row);
		}
	}
}

static void table_fini(struct sb_table *t)
{
	table_drop_rows(t, false);
	hmap_destroy(&t->rows);
	for (unsigned k = 0; k < SB_IDX_MAX; k++) {
		hmap_destroy(&t->idx[k].map);
		t->idx[k].active = false;
	}
	ovs_table_schema_free(t->ts);
	t->ts = NULL;
}

void sb_replica_free(struct sb_replica *r)
{
	if (r == NULL)
		return;
	for (unsigned i = 0; i < r->n_tables; i++)
		table_fini(&r->tables[i]);
	free(r->tables);
	ovs_schema_free(r->schema);
	free(r);
}

/* ---- schema ---- */

static struct ovs_schema *schema_copy(const struct ovs_schema *s)
{
	/* keep only the name and version: tables are cloned per sb_table */
	struct ovs_schema *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->name = strdup(s->name);
	c->version = strdup(s->version);
	if (c->name == NULL || c->version == NULL) {
		ovs_schema_free(c);
		return NULL;
	}
	return c;
}

int sb_replica_set_schema(struct sb_replica *r, const struct ovs_schema *s, bool *rebuilt,
			  char *err, size_t errlen)
{
	bool same = r->schema != NULL;

	*rebuilt = false;
	for (unsigned i = 0; i < r->n_tables; i++) {
		const struct sb_table_spec *sp = r->tables[i].spec;
		const struct ovs_table_schema *ts = ovs_schema_table(s, sp->name);
		if (ts == NULL) {
			if (sp->required)
				return fail(err, errlen, "schema %s %s has no table %s", s->name,
					    s->version, sp->name);
		} else {
			for (const char *const *c = sp->required_columns; c && *c; c++)
				if (ovs_table_column(ts, *c) < 0)
					return fail(err, errlen,
						    "schema %s %s: table %s has no column %s",
						    s->name, s->version, sp->name, *c);
		}
		if (!ovs_table_schema_equal(r->tables[i].ts, ts))
			same = false;
	}
	if (same) {
		free(r->schema->version);
		r->schema->version = strdup(s->version);
		return 0;
	}

	/* (re)build: everything goes, the consumer rescans (new generation) */
	struct ovs_schema *copy = schema_copy(s);
	if (copy == NULL)
		return fail(err, errlen, "out of memory");
	for (unsigned i = 0; i < r->n_tables; i++) {
		struct sb_table *t = &r->tables[i];
		const struct ovs_table_schema *ts = ovs_schema_table(s, t->spec->name);
		table_fini(t);
		if (ts == NULL)
			continue;
		t->ts = ovs_table_schema_clone(ts);
		if (t->ts == NULL) {
			ovs_schema_free(copy);
			return fail(err, errlen, "out of memory");
		}
		t->bm_words = (t->ts->n_columns + 63) / 64;
		for (unsigned k = 0; k < SB_IDX_MAX; k++) {
			struct sb_index *ix = &t->idx[k];
			const struct sb_index_spec *is = &t->spec->idx[k];
			ix->n_cols = 0;
			ix->active = is->cols[0] != NULL;
			for (unsigned c = 0; c < SB_IDX_COLS && is->cols[c]; c++) {
				ix->cols[c] = ovs_table_column(t->ts, is->cols[c]);
				if (ix->cols[c] < 0)
					ix->active = false; /* an older server: no such index */
				ix->n_cols++;
			}
		}
	}
	ovs_schema_free(r->schema);
	bool had_schema = r->schema != NULL;
	r->schema = copy;
	r->generation++;
	*rebuilt = true;
	/* a consumer must not keep rows of the old generation: tell it now */
	if (had_schema && r->listener)
		r->listener(r, r->listener_arg);
	return 0;
}

json_t *sb_replica_monitor_requests(const struct sb_replica *r)
{
	json_t *req = json_object();
	for (unsigned i = 0; i < r->n_tables; i++) {
		const struct sb_table *t = &r->tables[i];
		if (t->ts == NULL)
			continue;
		json_t *cols = json_array();
		for (unsigned c = 0; c < t->ts->n_columns; c++)
			json_array_append_new(cols, json_string(t->ts->columns[c].name));
		json_object_set_new(req, t->spec->name, json_pack("[{so}]", "columns", cols));
	}
	return req;
}

/* ---- applying updates ---- */

enum stage_kind { ST_INSERT, ST_MODIFY, ST_DELETE, ST_KEEP };

struct stage {
	enum stage_kind kind;
	struct sb_row *row;	/* existing row, or the new one for ST_INSERT */
	struct ovs_datum *vals; /* ST_MODIFY: new values, for columns in mask */
	uint64_t *mask;
};

struct stages {
	struct stage *v;
	size_t n, cap;
};

static void stage_free(struct stage *st)
{
	if (st->kind == ST_INSERT) {
		row_free(st->row);
	} else if (st->kind == ST_MODIFY) {
		const struct ovs_table_schema *ts = st->row->table->ts;
		for (unsigned c = 0; c < ts->n_columns; c++)
			if (st->mask[c / 64] >> (c % 64) & 1)
				ovs_datum_destroy(&st->vals[c], &ts->columns[c].type);
		free(st->vals);
	}
}

static struct stage *stage_push(struct stages *ss)
{
	if (ss->n == ss->cap) {
		size_t cap = ss->cap ? ss->cap * 2 : 64;
		struct stage *v = realloc(ss->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		ss->v = v;
		ss->cap = cap;
	}
	memset(&ss->v[ss->n], 0, sizeof(ss->v[0]));
	return &ss->v[ss->n++];
}

/* Parse the columns of an "initial"/"insert" row into a fresh row with defaults elsewhere. */
static struct sb_row *parse_full_row(struct sb_table *t, const json_t *cols, char *err,
				     size_t errlen)
{
	const struct ovs_table_schema *ts = t->ts;
	struct sb_row *row;
	const char *name;
	json_t *v;
	char e[200];

	if (!json_is_object(cols)) {
		fail(err, errlen, "table %s: row must be an object", ts->name);
		return NULL;
	}
	row = row_alloc(t);
	if (row == NULL) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	/* every datum starts empty: row_free() is safe at any point */
	json_object_foreach ((json_t *)cols, name, v) {
		int c = ovs_table_column(ts, name);
		if (c < 0) {
			fail(err, errlen, "table %s: unknown column %.64s", ts->name, name);
			goto error;
		}
		if (ovs_datum_from_json(&row->cols[c], v, &ts->columns[c].type, false, e,
					sizeof(e)) < 0) {
			fail(err, errlen, "table %s column %s: %s", ts->name, name, e);
			goto error;
		}
	}
	/* defaults for absent columns (the server omits default values) */
	for (unsigned c = 0; c < ts->n_columns; c++)
		if (json_object_get(cols, ts->columns[c].name) == NULL &&
		    ovs_datum_init_default(&row->cols[c], &ts->columns[c].type) < 0) {
			fail(err, errlen, "out of memory");
			goto error;
		}
	return row;
error:
	row_free(row);
	return NULL;
}

static int stage_modify(struct stage *st, struct sb_row *row, const json_t *cols, char *err,
			size_t errlen)
{
	struct sb_table *t = row->table;
	const struct ovs_table_schema *ts = t->ts;
	const char *name;
	json_t *v;
	char e[200];

	if (!json_is_object(cols))
		return fail(err, errlen, "table %s: modify must be an object", ts->name);
	st->row = row;
	st->vals =
	    calloc(1, ts->n_columns * sizeof(struct ovs_datum) + t->bm_words * sizeof(uint64_t));
	if (st->vals == NULL)
		return fail(err, errlen, "out of memory");
	st->kind = ST_MODIFY;
	st->mask = (uint64_t *)(void *)&st->vals[ts->n_columns];
	json_object_foreach ((json_t *)cols, name, v) {
		int c = ovs_table_column(ts, name);
		const struct ovs_type *ty;
		struct ovs_datum diff;
		int rc;
		if (c < 0)
			return fail(err, errlen, "table %s: unknown column %.64s", ts->name, name);
		ty = &ts->columns[c].type;
		if (ovs_datum_from_json(&diff, v, ty, true, e, sizeof(e)) < 0)
			return fail(err, errlen, "table %s column %s: %s", ts->name, name, e);
		rc = ovs_datum_apply_diff(&st->vals[c], &row->cols[c], &diff, ty, e, sizeof(e));
		ovs_datum_destroy(&diff, ty);
		if (rc < 0)
			return fail(err, errlen, "table %s column %s: %s", ts->name, name, e);
		st->mask[c / 64] |= 1ull << (c % 64);
	}
	return 0;
}

/* A full-reload row for an existing uuid: keep only the columns that differ. */
static int stage_reconcile(struct stage *st, struct sb_row *row, struct sb_row *fresh, char *err,
			   size_t errlen)
{
	struct sb_table *t = row->table;
	const struct ovs_table_schema *ts = t->ts;
	bool any = false;

	st->row = row;
	st->kind = ST_KEEP;
	for (unsigned c = 0; c < ts->n_columns; c++) {
		const struct ovs_type *ty = &ts->columns[c].type;
		if (ovs_datum_equal(&row->cols[c], &fresh->cols[c], ty))
			continue;
		if (!any) {
			st->vals = calloc(1, ts->n_columns * sizeof(struct ovs_datum) +
						 t->bm_words * sizeof(uint64_t));
			if (st->vals == NULL) {
				row_free(fresh);
				return fail(err, errlen, "out of memory");
			}
			st->mask = (uint64_t *)(void *)&st->vals[ts->n_columns];
			st->kind = ST_MODIFY;
			any = true;
		}
		st->vals[c] = fresh->cols[c]; /* move */
		ovs_datum_init_empty(&fresh->cols[c]);
		st->mask[c / 64] |= 1ull << (c % 64);
	}
	row_free(fresh);
	return 0;
}

static int stage_row(struct stages *ss, struct sb_table *t, const char *uuid_s, const json_t *ru,
		     bool full, char *err, size_t errlen)
{
	struct ovs_uuid uuid;
	struct sb_row *row;
	const char *op;
	json_t *body;
	struct stage *st;

	if (!ovs_uuid_from_string(uuid_s, &uuid))
		return fail(err, errlen, "table %s: malformed row uuid \"%.40s\"", t->spec->name,
			    uuid_s);
	if (!json_is_object(ru) || json_object_size(ru) != 1)
		return fail(err, errlen,
			    "table %s row %s: row update must have exactly one "
			    "of initial/insert/modify/delete",
			    t->spec->name, uuid_s);
	op = json_object_iter_key(json_object_iter((json_t *)ru));
	body = json_object_get(ru, op);
	row = (struct sb_row *)sb_table_find(t, &uuid);
	st = stage_push(ss);
	if (st == NULL)
		return fail(err, errlen, "out of memory");
	st->kind = ST_KEEP; /* harmless if we fail below */

	if (strcmp(op, "delete") == 0) {
		if (row == NULL)
			return fail(err, errlen, "table %s: delete of unknown row %s",
				    t->spec->name, uuid_s);
		st->kind = ST_DELETE;
		st->row = row;
		return 0;
	}
	if (strcmp(op, "modify") == 0) {
		if (row == NULL)
			return fail(err, errlen, "table %s: modify of unknown row %s",
				    t->spec->name, uuid_s);
		return stage_modify(st, row, body, err, errlen);
	}
	if (strcmp(op, "initial") == 0 || strcmp(op, "insert") == 0) {
		struct sb_row *fresh = parse_full_row(t, body, err, errlen);
		if (fresh == NULL)
			return -1;
		fresh->uuid = uuid;
		if (row == NULL) {
			st->kind = ST_INSERT;
			st->row = fresh;
			return 0;
		}
		if (!full) {
			row_free(fresh);
			return fail(err, errlen, "table %s: %s of existing row %s", t->spec->name,
				    op, uuid_s);
		}
		return stage_reconcile(st, row, fresh, err, errlen);
	}
	return fail(err, errlen, "table %s row %s: unknown row update \"%.20s\"", t->spec->name,
		    uuid_s, op);
}

static void commit_modify(struct stage *st)
{
	struct sb_row *row = st->row;
	struct sb_table *t = row->table;
	const struct ovs_table_schema *ts = t->ts;
	bool reindex[SB_IDX_MAX] = {false};

	for (unsigned k = 0; k < SB_IDX_MAX; k++) {
		const struct sb_index *ix = &t->idx[k];
		for (unsigned i = 0; ix->active && i < ix->n_cols; i++)
			if (st->mask[ix->cols[i] / 64] >> (ix->cols[i] % 64) & 1)
				reindex[k] = true;
		if (reindex[k])
			index_del(row, k);
	}
	for (unsigned c = 0; c < ts->n_columns; c++) {
		if (!(st->mask[c / 64] >> (c % 64) & 1))
			continue;
		ovs_datum_destroy(&row->cols[c], &ts->columns[c].type);
		row->cols[c] = st->vals[c];
	}
	for (unsigned k = 0; k < SB_IDX_MAX; k++)
		if (reindex[k])
			index_add(row, k);
	track_modify(row, st->mask);
	free(st->vals);
	st->vals = NULL;
	st->kind = ST_KEEP;
}

int sb_replica_apply(struct sb_replica *r, const json_t *updates, bool full, char *err,
		     size_t errlen)
{
	struct stages ss = {0};
	const char *tname, *uuid_s;
	json_t *tu, *ru;
	int rc = -1;

	if (r->schema == NULL) {
		fail(err, errlen, "update before schema");
		return -1;
	}
	if (!json_is_object(updates)) {
		fail(err, errlen, "table-updates must be an object");
		return -1;
	}
	json_object_foreach ((json_t *)updates, tname, tu) {
		struct sb_table *t = sb_replica_table_by_name(r, tname);
		if (t == NULL || t->ts == NULL) {
			fail(err, errlen, "update for unmonitored table %.64s", tname);
			goto out;
		}
		if (!json_is_object(tu)) {
			fail(err, errlen, "table %s: table-update must be an object", tname);
			goto out;
		}
		json_object_foreach (tu, uuid_s, ru) {
			if (stage_row(&ss, t, uuid_s, ru, full, err, errlen) < 0)
				goto out;
		}
	}

	/* commit: nothing below can fail */
	if (full)
		for (unsigned i = 0; i < r->n_tables; i++)
			for (const struct sb_row *row = sb_table_first(&r->tables[i]); row;
			     row = sb_table_next(row))
				((struct sb_row *)row)->seen = false;
	for (size_t i = 0; i < ss.n; i++) {
		struct stage *st = &ss.v[i];
		switch (st->kind) {
		case ST_INSERT:
			row_link(st->row);
			track_insert(st->row);
			st->row->seen = true;
			st->kind = ST_KEEP;
			break;
		case ST_MODIFY:
			commit_modify(st);
			st->row->seen = true;
			break;
		case ST_KEEP: st->row->seen = true; break;
		case ST_DELETE:
			row_delete(st->row);
			st->kind = ST_KEEP;
			break;
		}
	}
	if (full) {
		for (unsigned i = 0; i < r->n_tables; i++) {
			struct sb_table *t = &r->tables[i];
			struct hnode *n = hmap_first(&t->rows);
			while (n) {
				struct hnode *next = hmap_next(&t->rows, n);
				struct sb_row *row = container_of(n, struct sb_row, node);
				if (!row->seen)
					row_delete(row);
				n = next;
			}
		}
	}
	r->seqno++;
	rc = 0;
out:
	for (size_t i = 0; i < ss.n; i++)
		stage_free(&ss.v[i]);
	free(ss.v);
	if (rc == 0 && r->listener)
		r->listener(r, r->listener_arg);
	return rc;
}

void sb_replica_clear(struct sb_replica *r)
{
	for (unsigned i = 0; i < r->n_tables; i++)
		table_drop_rows(&r->tables[i], r->tracking);
	r->seqno++;
	if (r->listener)
		r->listener(r, r->listener_arg);
}

void sb_replica_set_listener(struct sb_replica *r, sb_replica_cb fn, void *arg)
{
	r->listener = fn;
	r->listener_arg = arg;
}

void sb_replica_set_ack_hook(struct sb_replica *r, sb_replica_cb fn, void *arg)
{
	r->ack_hook = fn;
	r->ack_arg = arg;
}

uint64_t sb_replica_seqno(const struct sb_replica *r)
{
	return r->seqno;
}

uint64_t sb_replica_generation(const struct sb_replica *r)
{
	return r->generation;
}

const struct ovs_schema *sb_replica_schema(const struct sb_replica *r)
{
	return r->schema;
}

/* ---- reading ---- */

unsigned sb_replica_n_tables(const struct sb_replica *r)
{
	return r->n_tables;
}

struct sb_table *sb_replica_table(const struct sb_replica *r, unsigned id)
{
	return id < r->n_tables ? &r->tables[id] : NULL;
}

struct sb_table *sb_replica_table_by_name(const struct sb_replica *r, const char *name)
{
	for (unsigned i = 0; i < r->n_tables; i++)
		if (strcmp(r->tables[i].spec->name, name) == 0)
			return &r->tables[i];
	return NULL;
}

int sb_table_col(const struct sb_table *t, const char *name)
{
	return ovs_table_column(t->ts, name);
}

const struct ovs_type *sb_table_col_type(const struct sb_table *t, int col)
{
	if (t->ts == NULL || col < 0 || (unsigned)col >= t->ts->n_columns)
		return NULL;
	return &t->ts->columns[col].type;
}

const struct sb_row *sb_table_first(const struct sb_table *t)
{
	struct hnode *n = hmap_first(&t->rows);
	return n ? container_of(n, struct sb_row, node) : NULL;
}

const struct sb_row *sb_table_next(const struct sb_row *row)
{
	struct hnode *n = hmap_next(&row->table->rows, &row->node);
	return n ? container_of(n, struct sb_row, node) : NULL;
}

const struct sb_row *sb_table_find(const struct sb_table *t, const struct ovs_uuid *uuid)
{
	for (struct hnode *n = hmap_first_with_hash(&t->rows, ovs_uuid_hash(uuid)); n;
	     n = hmap_next_with_hash(n)) {
		struct sb_row *row = container_of(n, struct sb_row, node);
		if (ovs_uuid_equal(&row->uuid, uuid))
			return row;
	}
	return NULL;
}

const struct ovs_datum *sb_row_col(const struct sb_row *row, const char *col)
{
	return sb_row_get(row, sb_table_col(row->table, col));
}

json_t *sb_row_to_json(const struct sb_row *row)
{
	const struct ovs_table_schema *ts = row->table->ts;
	char u[OVS_UUID_LEN + 1];
	json_t *o = json_object();

	ovs_uuid_to_string(&row->uuid, u);
	json_object_set_new(o, "_uuid", json_string(u));
	for (unsigned c = 0; c < ts->n_columns; c++)
		json_object_set_new(o, ts->columns[c].name,
				    ovs_datum_to_plain_json(&row->cols[c], &ts->columns[c].type));
	return o;
}

static bool index_match(const struct sb_table *t, const struct sb_index *ix,
			const struct sb_row *row, const struct ovs_datum *key)
{
	for (unsigned i = 0; i < ix->n_cols; i++)
		if (!ovs_datum_equal(&row->cols[ix->cols[i]], &key[i],
				     &t->ts->columns[ix->cols[i]].type))
			return false;
	return true;
}

static const struct sb_row *index_scan(const struct sb_table *t, unsigned k, const struct hnode *n,
				       const struct ovs_datum *key)
{
	for (; n; n = hmap_next_with_hash(n)) {
		const struct sb_row *row = container_of(n, struct sb_idx_node, node)->row;
		if (index_match(t, &t->idx[k], row, key))
			return row;
	}
	return NULL;
}

const struct sb_row *sb_index_first(const struct sb_table *t, unsigned k,
				    const struct ovs_datum *key)
{
	if (k >= SB_IDX_MAX || !t->idx[k].active || t->ts == NULL)
		return NULL;
	return index_scan(
	    t, k, hmap_first_with_hash(&t->idx[k].map, index_hash(t, &t->idx[k], key)), key);
}

const struct sb_row *sb_index_next(const struct sb_table *t, unsigned k, const struct sb_row *prev,
				   const struct ovs_datum *key)
{
	if (k >= SB_IDX_MAX || !t->idx[k].active)
		return NULL;
	return index_scan(t, k, hmap_next_with_hash(&prev->idx[k].node), key);
}

/* ---- change tracking ---- */

void sb_replica_set_tracking(struct sb_replica *r, bool on)
{
	if (r->tracking && !on)
		sb_replica_ack(r);
	r->tracking = on;
}

bool sb_replica_tracking(const struct sb_replica *r)
{
	return r->tracking;
}

bool sb_replica_has_changes(const struct sb_replica *r)
{
	for (unsigned i = 0; i < r->n_tables; i++)
		if (r->tables[i].n_tracked)
			return true;
	return false;
}

const struct sb_row *sb_table_tracked_first(const struct sb_table *t)
{
	return t->trk_first;
}

const struct sb_row *sb_row_tracked_next(const struct sb_row *row)
{
	return row->trk_next;
}

bool sb_row_col_changed(const struct sb_row *row, int col)
{
	if (col < 0)
		return false;
	switch (row->change) {
	case SB_INSERTED: return true;
	case SB_MODIFIED: return row->changed[col / 64] >> (col % 64) & 1;
	default: return false;
	}
}

void sb_replica_ack(struct sb_replica *r)
{
	for (unsigned i = 0; i < r->n_tables; i++) {
		struct sb_table *t = &r->tables[i];
		while (t->trk_first) {
			struct sb_row *row = t->trk_first;
			trk_remove(t, row);
			if (row->change == SB_DELETED)
				row_free(row);
			else
				row->change = SB_UNCHANGED;
		}
	}
	r->acked_seqno = r->seqno;
	if (r->ack_hook)
		r->ack_hook(r, r->ack_arg);
}

uint64_t sb_replica_acked_seqno(const struct sb_replica *r)
{
	return r->acked_seqno;
}
