/* SPDX-License-Identifier: Apache-2.0 */
/* Building and sending "transact" requests (RFC 7047 section 4.1.3, 5.2). */
#pragma once

#include "ovsdb/datum.h"
#include "ovsdb/jsonrpc.h"
#include "ovsdb/stats.h"

#include <jansson.h>

struct ovsdb_txn;

/* status 0: committed, results[i] is op i's result; -1: failed, error says why (the op or the
 * commit that failed); -ECANCELED: the connection closed before the reply (outcome unknown). */
typedef void (*ovsdb_txn_cb)(void *arg, int status, const json_t *results, const char *error);

struct ovsdb_txn *ovsdb_txn_new(const char *db);
void ovsdb_txn_free(struct ovsdb_txn *t); /* only if never committed */
/* Adds op (stolen); returns its index. */
size_t ovsdb_txn_add(struct ovsdb_txn *t, json_t *op);
size_t ovsdb_txn_n_ops(const struct ovsdb_txn *t);
/* Sends it and frees t. -1 if it could not be sent (cb is not called then). */
int ovsdb_txn_commit(struct ovsdb_txn *t, struct jsonrpc *rpc, struct ovsdb_stats *st,
		     ovsdb_txn_cb cb, void *arg);

/* Operations (all arguments stolen). */
json_t *ovsdb_op_insert(const char *table, json_t *row, const char *uuid_name);
json_t *ovsdb_op_update(const char *table, json_t *where, json_t *row);
json_t *ovsdb_op_mutate(const char *table, json_t *where, json_t *mutations);
json_t *ovsdb_op_delete(const char *table, json_t *where);
json_t *ovsdb_op_comment(const char *text);

/* Conditions and values. */
json_t *ovsdb_where_uuid(const struct ovs_uuid *u);		    /* [["_uuid","==",uuid]] */
json_t *ovsdb_cond(const char *col, const char *fn, json_t *value); /* [col, fn, value] */
json_t *ovsdb_uuid_json(const struct ovs_uuid *u);		    /* ["uuid", "..."] */
json_t *ovsdb_named_uuid_json(const char *name);		    /* ["named-uuid", name] */
json_t *ovsdb_empty_set(void);					    /* ["set", []] */
json_t *ovsdb_smap_json(json_t *obj); /* {"k":"v"} -> ["map", [...]] */
