/* SPDX-License-Identifier: Apache-2.0 */
/* Keeps a replica of one database current over an ovsdb_session:
 *   1. _Server check: the database exists and, when clustered, this member is connected to
 *      the cluster (otherwise the next remote is tried);
 *   2. get_schema, handed to the owner (which checks it and says what to monitor);
 *   3. monitor_cond_since with the last transaction id seen (so a reconnect resumes instead
 *      of reloading), or monitor_cond when the server does not know monitor_cond_since;
 *   4. update3 / update2 notifications applied as they come.
 * Any failure (error reply, bad schema, update that does not apply) resets the session;
 * after an update failed to apply, the next monitor asks for everything (no txn id). */
#pragma once

#include "ovsdb/schema.h"
#include "ovsdb/session.h"
#include "ovsdb/stats.h"

#include <jansson.h>
#include <stdbool.h>

struct ovsdb_mon_ops {
	/* The server's schema: check it and return the monitor-cond-requests object (new
	 * reference), or NULL with err to refuse it. *reset: the replica was emptied (the
	 * last txn id is dropped). */
	json_t *(*schema)(void *arg, const struct ovs_schema *s, bool *reset, char *err,
			  size_t errlen);
	/* Apply table-updates2; full: complete contents. 0, or -1 with err. */
	int (*apply)(void *arg, const json_t *updates, bool full, char *err, size_t errlen);
	/* The monitor reply was applied: the replica is current. */
	void (*synced)(void *arg, bool resumed);
	/* The connection is gone: the replica stays as it is (stale until synced again). */
	void (*lost)(void *arg);
};

enum ovsdb_mon_state {
	OVSDB_M_DISCONNECTED,
	OVSDB_M_SERVER_CHECK,
	OVSDB_M_SCHEMA,
	OVSDB_M_MONITORING, /* request sent */
	OVSDB_M_SYNCED,
};

struct ovsdb_mon;

struct ovsdb_mon *ovsdb_mon_new(const char *db, const struct ovsdb_mon_ops *ops, void *arg,
				struct ovsdb_stats *stats);
void ovsdb_mon_free(struct ovsdb_mon *m);
/* Session plumbing: the owner forwards its session callbacks here. */
void ovsdb_mon_attach(struct ovsdb_mon *m, struct ovsdb_session *s);
void ovsdb_mon_connected(struct ovsdb_mon *m, struct jsonrpc *rpc);
void ovsdb_mon_disconnected(struct ovsdb_mon *m);
void ovsdb_mon_message(struct ovsdb_mon *m, const char *method, json_t *params, json_t *id);

enum ovsdb_mon_state ovsdb_mon_state(const struct ovsdb_mon *m);
const char *ovsdb_mon_state_name(enum ovsdb_mon_state st);
bool ovsdb_mon_synced(const struct ovsdb_mon *m);
/* Last transaction id applied ("" if none or unknown). */
const char *ovsdb_mon_last_txn_id(const struct ovsdb_mon *m);
const char *ovsdb_mon_method(const struct ovsdb_mon *m); /* "monitor_cond_since"/"monitor_cond" */
const char *ovsdb_mon_server_model(const struct ovsdb_mon *m); /* "clustered", "standalone"... */
const char *ovsdb_mon_schema_version(const struct ovsdb_mon *m);
/* ms from connection to the replica being current, for the last sync (0 if none). */
uint64_t ovsdb_mon_sync_ms(const struct ovsdb_mon *m);
bool ovsdb_mon_last_resumed(const struct ovsdb_mon *m);
/* Of the last sync: from sending the monitor request to having its reply parsed (the
 * server composing and sending it, and brint reading and parsing it), and applying it. */
uint64_t ovsdb_mon_reply_ms(const struct ovsdb_mon *m);
uint64_t ovsdb_mon_apply_ms(const struct ovsdb_mon *m);
uint64_t ovsdb_mon_first_byte_ms(const struct ovsdb_mon *m); /* request to first reply bytes */
