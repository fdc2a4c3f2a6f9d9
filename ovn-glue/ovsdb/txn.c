/* SPDX-License-Identifier: Apache-2.0 */
#include "ovsdb/txn.h"

#include <brint/log.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct ovsdb_txn {
	json_t *params; /* [db, op...] */
};

struct txn_ctx {
	ovsdb_txn_cb cb;
	void *arg;
	size_t n_ops;
	struct ovsdb_stats *st;
};

struct ovsdb_txn *ovsdb_txn_new(const char *db)
{
	struct ovsdb_txn *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->params = json_pack("[s]", db);
	return t;
}

void ovsdb_txn_free(struct ovsdb_txn *t)
{
	if (t) {
		json_decref(t->params);
		free(t);
	}
}

size_t ovsdb_txn_add(struct ovsdb_txn *t, json_t *op)
{
	json_array_append_new(t->params, op);
	return json_array_size(t->params) - 2;
}

size_t ovsdb_txn_n_ops(const struct ovsdb_txn *t)
{
	return json_array_size(t->params) - 1;
}

static void txn_reply(void *arg, json_t *result, json_t *error)
{
	struct txn_ctx *c = arg;
	char buf[512];

	if (result == NULL && error == NULL) {
		if (c->cb)
			c->cb(c->arg, -ECANCELED, NULL, "connection closed");
		free(c);
		return;
	}
	if (error) {
		const char *e = json_string_value(json_object_get(error, "error"));
		snprintf(buf, sizeof(buf), "%s", e ? e : "error reply");
		c->st->txn_errors++;
		if (c->cb)
			c->cb(c->arg, -1, NULL, buf);
		free(c);
		return;
	}
	if (!json_is_array(result)) {
		c->st->txn_errors++;
		if (c->cb)
			c->cb(c->arg, -1, NULL, "malformed transact reply");
		free(c);
		return;
	}
	/* an op that failed has {"error": ..., "details": ...} in its place; a commit failure
	 * is one more element after the ops */
	for (size_t i = 0; i < json_array_size(result); i++) {
		json_t *r = json_array_get(result, i);
		const char *e = json_string_value(json_object_get(r, "error"));
		if (e) {
			const char *d = json_string_value(json_object_get(r, "details"));
			if (i < c->n_ops)
				snprintf(buf, sizeof(buf), "op %zu: %s%s%s", i, e, d ? ": " : "",
					 d ? d : "");
			else
				snprintf(buf, sizeof(buf), "commit: %s%s%s", e, d ? ": " : "",
					 d ? d : "");
			c->st->txn_errors++;
			if (c->cb)
				c->cb(c->arg, -1, result, buf);
			free(c);
			return;
		}
	}
	if (json_array_size(result) < c->n_ops) {
		c->st->txn_errors++;
		if (c->cb)
			c->cb(c->arg, -1, NULL,
			      "transact reply with fewer results than operations");
		free(c);
		return;
	}
	if (c->cb)
		c->cb(c->arg, 0, result, NULL);
	free(c);
}

int ovsdb_txn_commit(struct ovsdb_txn *t, struct jsonrpc *rpc, struct ovsdb_stats *st,
		     ovsdb_txn_cb cb, void *arg)
{
	struct txn_ctx *c = calloc(1, sizeof(*c));
	json_t *params = t->params;
	size_t n = ovsdb_txn_n_ops(t);

	t->params = NULL;
	ovsdb_txn_free(t);
	if (c == NULL || rpc == NULL) {
		free(c);
		json_decref(params);
		return -1;
	}
	c->cb = cb;
	c->arg = arg;
	c->n_ops = n;
	c->st = st;
	st->txns++;
	if (jsonrpc_request(rpc, "transact", params, txn_reply, c) < 0) {
		free(c);
		return -1;
	}
	return 0;
}

json_t *ovsdb_op_insert(const char *table, json_t *row, const char *uuid_name)
{
	json_t *op = json_pack("{s:s, s:s, s:o}", "op", "insert", "table", table, "row", row);
	if (uuid_name)
		json_object_set_new(op, "uuid-name", json_string(uuid_name));
	return op;
}

json_t *ovsdb_op_update(const char *table, json_t *where, json_t *row)
{
	return json_pack("{s:s, s:s, s:o, s:o}", "op", "update", "table", table, "where", where,
			 "row", row);
}

json_t *ovsdb_op_mutate(const char *table, json_t *where, json_t *mutations)
{
	return json_pack("{s:s, s:s, s:o, s:o}", "op", "mutate", "table", table, "where", where,
			 "mutations", mutations);
}

json_t *ovsdb_op_delete(const char *table, json_t *where)
{
	return json_pack("{s:s, s:s, s:o}", "op", "delete", "table", table, "where", where);
}

json_t *ovsdb_op_comment(const char *text)
{
	return json_pack("{s:s, s:s}", "op", "comment", "comment", text);
}

json_t *ovsdb_uuid_json(const struct ovs_uuid *u)
{
	char s[OVS_UUID_LEN + 1];
	ovs_uuid_to_string(u, s);
	return json_pack("[s, s]", "uuid", s);
}

json_t *ovsdb_named_uuid_json(const char *name)
{
	return json_pack("[s, s]", "named-uuid", name);
}

json_t *ovsdb_where_uuid(const struct ovs_uuid *u)
{
	return json_pack("[[s, s, o]]", "_uuid", "==", ovsdb_uuid_json(u));
}

json_t *ovsdb_cond(const char *col, const char *fn, json_t *value)
{
	return json_pack("[s, s, o]", col, fn, value);
}

json_t *ovsdb_empty_set(void)
{
	return json_pack("[s, []]", "set");
}

json_t *ovsdb_smap_json(json_t *obj)
{
	json_t *pairs = json_array(), *v;
	const char *k;
	json_object_foreach (obj, k, v)
		json_array_append_new(pairs, json_pack("[s, O]", k, v));
	json_decref(obj);
	return json_pack("[s, o]", "map", pairs);
}
