/* SPDX-License-Identifier: Apache-2.0 */
#include "ovsdb/monitor.h"

#include <brint/log.h>
#include <brint/util.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOD	  "ovsdb"
#define ZERO_UUID "00000000-0000-0000-0000-000000000000"

struct ovsdb_mon {
	char *db;
	char monitor_id[64];
	struct ovsdb_mon_ops ops;
	void *arg;
	struct ovsdb_stats *st;
	struct ovsdb_session *session;
	struct jsonrpc *rpc;
	unsigned conn_gen; /* guards replies from an earlier connection */
	enum ovsdb_mon_state state;
	bool no_cond_since; /* this server refused monitor_cond_since */
	bool use_cond_since;
	json_t *requests;
	char last_txn[40];
	char method[24];
	char model[24];
	char schema_version[32];
	uint64_t connected_ms, sync_ms;
	uint64_t request_ms;	      /* when the monitor request was sent */
	uint64_t request_to_reply_ms; /* until its reply was received and parsed */
	uint64_t apply_ms;	      /* applying the reply to the replica */
	uint64_t reply_first_byte_ms; /* from the request to the reply's first bytes */
	bool last_resumed;
};

/* Each request carries the connection generation so that a late reply cannot act on a newer
 * connection (replies of a closed connection arrive as cancellations, but be safe). */
struct req_ctx {
	struct ovsdb_mon *m;
	unsigned gen;
};

static struct req_ctx *ctx_new(struct ovsdb_mon *m)
{
	struct req_ctx *c = malloc(sizeof(*c));
	if (c) {
		c->m = m;
		c->gen = m->conn_gen;
	}
	return c;
}

/* Returns the monitor if the reply is for the current connection, and frees the context. */
static struct ovsdb_mon *ctx_take(void *arg, json_t *result, json_t *error)
{
	struct req_ctx *c = arg;
	struct ovsdb_mon *m = c->m;
	bool current = c->gen == m->conn_gen && m->rpc != NULL;
	free(c);
	if (!current || (result == NULL && error == NULL))
		return NULL;
	return m;
}

static void reset(struct ovsdb_mon *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reset(struct ovsdb_mon *m, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* logged (rate-limited) by the session, with the remote */
	LOG_DEBUG(MOD, "%s: %s", m->db, why);
	ovsdb_session_reset(m->session, why);
}

static const char *err_text(json_t *error, char *buf, size_t n)
{
	const char *e = json_string_value(json_object_get(error, "error"));
	const char *d = json_string_value(json_object_get(error, "details"));
	if (e == NULL && json_is_string(error))
		e = json_string_value(error);
	if (d && *d == '\0')
		d = NULL;
	snprintf(buf, n, "%s%s%s", e ? e : "error", d ? ": " : "", d ? d : "");
	return buf;
}

static void send_monitor(struct ovsdb_mon *m);

static void monitor_reply(void *arg, json_t *result, json_t *error)
{
	struct ovsdb_mon *m = ctx_take(arg, result, error);
	const json_t *updates = result;
	bool found = false, full = true;
	char err[512], eb[256];

	if (m == NULL)
		return;
	if (error) {
		if (m->use_cond_since) {
			LOG_INFO(MOD, "%s: monitor_cond_since refused (%s); using monitor_cond",
				 m->db, err_text(error, eb, sizeof(eb)));
			m->no_cond_since = true;
			send_monitor(m);
			return;
		}
		reset(m, "monitor_cond failed: %s", err_text(error, eb, sizeof(eb)));
		return;
	}
	if (m->use_cond_since) {
		const json_t *f = json_array_get(result, 0), *id = json_array_get(result, 1);
		if (!json_is_array(result) || json_array_size(result) != 3 || !json_is_boolean(f) ||
		    !json_is_string(id)) {
			m->st->protocol_errors++;
			reset(m, "monitor_cond_since reply is not [found, last-txn-id, updates]");
			return;
		}
		found = json_is_true(f);
		full = !found;
		updates = json_array_get(result, 2);
	}
	uint64_t t0 = brint_now_ms();
	int rc = m->ops.apply(m->arg, updates, full, err, sizeof(err));
	m->apply_ms = brint_now_ms() - t0;
	m->request_to_reply_ms = t0 - m->request_ms;
	m->reply_first_byte_ms = jsonrpc_msg_start_ms(m->rpc) - m->request_ms;
	if (rc < 0) {
		m->st->update_errors++;
		m->last_txn[0] = '\0'; /* next time: everything */
		reset(m, "monitor reply not applied: %s", err);
		return;
	}
	if (m->use_cond_since) {
		const char *id = json_string_value(json_array_get(result, 1));
		snprintf(m->last_txn, sizeof(m->last_txn), "%s", strcmp(id, ZERO_UUID) ? id : "");
		m->st->monitor_cond_since++;
	} else {
		m->last_txn[0] = '\0';
		m->st->monitor_cond++;
	}
	if (found)
		m->st->resumes++;
	else
		m->st->full_loads++;
	m->last_resumed = found;
	m->state = OVSDB_M_SYNCED;
	m->sync_ms = brint_now_ms() - m->connected_ms;
	LOG_INFO(MOD, "%s: %s with %s in %llu ms (last txn %s)", m->db,
		 found ? "resumed" : "loaded", m->method, (unsigned long long)m->sync_ms,
		 m->last_txn[0] ? m->last_txn : "none");
	ovsdb_session_healthy(m->session);
	m->ops.synced(m->arg, found);
}

static void send_monitor(struct ovsdb_mon *m)
{
	json_t *params;
	struct req_ctx *c = ctx_new(m);

	if (c == NULL) {
		reset(m, "out of memory");
		return;
	}
	m->use_cond_since = !m->no_cond_since;
	params = json_pack("[s, s, O]", m->db, m->monitor_id, m->requests);
	if (m->use_cond_since) {
		json_array_append_new(params,
				      json_string(m->last_txn[0] ? m->last_txn : ZERO_UUID));
		snprintf(m->method, sizeof(m->method), "monitor_cond_since");
	} else {
		snprintf(m->method, sizeof(m->method), "monitor_cond");
	}
	m->state = OVSDB_M_MONITORING;
	m->request_ms = brint_now_ms();
	LOG_DEBUG(MOD, "%s: %s from %s", m->db, m->method,
		  m->use_cond_since && m->last_txn[0] ? m->last_txn : "scratch");
	if (jsonrpc_request(m->rpc, m->method, params, monitor_reply, c) < 0)
		free(c); /* the failure is reported by the session */
}

static void schema_reply(void *arg, json_t *result, json_t *error)
{
	struct ovsdb_mon *m = ctx_take(arg, result, error);
	struct ovs_schema *s;
	bool rebuilt = false;
	char err[512], eb[256];

	if (m == NULL)
		return;
	if (error) {
		reset(m, "get_schema failed: %s", err_text(error, eb, sizeof(eb)));
		return;
	}
	s = ovs_schema_from_json(result, err, sizeof(err));
	if (s == NULL) {
		m->st->schema_errors++;
		reset(m, "unusable schema: %s", err);
		return;
	}
	if (strcmp(s->name, m->db) != 0) {
		m->st->schema_errors++;
		reset(m, "get_schema returned database \"%.64s\"", s->name);
		ovs_schema_free(s);
		return;
	}
	snprintf(m->schema_version, sizeof(m->schema_version), "%s", s->version);
	json_decref(m->requests);
	m->requests = m->ops.schema(m->arg, s, &rebuilt, err, sizeof(err));
	ovs_schema_free(s);
	if (m->requests == NULL) {
		m->st->schema_errors++;
		reset(m, "schema refused: %s", err);
		return;
	}
	if (rebuilt)
		m->last_txn[0] = '\0';
	send_monitor(m);
}

static void send_get_schema(struct ovsdb_mon *m)
{
	struct req_ctx *c = ctx_new(m);
	if (c == NULL) {
		reset(m, "out of memory");
		return;
	}
	m->state = OVSDB_M_SCHEMA;
	if (jsonrpc_request(m->rpc, "get_schema", json_pack("[s]", m->db), schema_reply, c) < 0)
		free(c);
}

/* _Server.Database tells whether this server has the database and, for a cluster member,
 * whether it is part of the cluster right now (a disconnected member serves stale data). */
static void server_reply(void *arg, json_t *result, json_t *error)
{
	struct ovsdb_mon *m = ctx_take(arg, result, error);
	json_t *rows, *row, *model, *connected;

	if (m == NULL)
		return;
	if (error) { /* a server without _Server (very old): go on without the check */
		snprintf(m->model, sizeof(m->model), "unknown");
		send_get_schema(m);
		return;
	}
	rows = json_object_get(json_array_get(result, 0), "rows");
	if (!json_is_array(rows)) {
		m->st->protocol_errors++;
		reset(m, "_Server.Database select: unexpected reply");
		return;
	}
	row = json_array_get(rows, 0);
	if (row == NULL) {
		m->st->schema_errors++;
		reset(m, "server does not serve database %s", m->db);
		return;
	}
	model = json_object_get(row, "model");
	connected = json_object_get(row, "connected");
	snprintf(m->model, sizeof(m->model), "%s",
		 json_is_string(model) ? json_string_value(model) : "unknown");
	if (json_is_string(model) && strcmp(json_string_value(model), "clustered") == 0 &&
	    json_is_false(connected)) {
		reset(m, "this cluster member is not connected to the cluster");
		return;
	}
	send_get_schema(m);
}

void ovsdb_mon_connected(struct ovsdb_mon *m, struct jsonrpc *rpc)
{
	struct req_ctx *c;
	json_t *params;

	m->rpc = rpc;
	m->conn_gen++;
	m->no_cond_since = false; /* another server (of a cluster) may know it */
	m->connected_ms = brint_now_ms();
	m->state = OVSDB_M_SERVER_CHECK;
	c = ctx_new(m);
	if (c == NULL) {
		reset(m, "out of memory");
		return;
	}
	params = json_pack("[s, {s:s, s:s, s:[[s, s, s]], s:[s, s, s]}]", "_Server", "op", "select",
			   "table", "Database", "where", "name", "==", m->db, "columns", "name",
			   "model", "connected");
	if (jsonrpc_request(rpc, "transact", params, server_reply, c) < 0)
		free(c);
}

void ovsdb_mon_disconnected(struct ovsdb_mon *m)
{
	m->rpc = NULL;
	m->conn_gen++;
	m->state = OVSDB_M_DISCONNECTED;
	if (m->ops.lost)
		m->ops.lost(m->arg);
}

static void apply_update(struct ovsdb_mon *m, const char *method, json_t *params)
{
	const json_t *updates;
	const char *txn = NULL;
	char err[512];

	if (!json_is_string(json_array_get(params, 0)) ||
	    strcmp(json_string_value(json_array_get(params, 0)), m->monitor_id) != 0) {
		m->st->protocol_errors++;
		reset(m, "%s for an unknown monitor", method);
		return;
	}
	if (m->state != OVSDB_M_SYNCED) {
		m->st->protocol_errors++;
		reset(m, "%s before the monitor reply", method);
		return;
	}
	if (strcmp(method, "update3") == 0) {
		if (json_array_size(params) != 3 || !json_is_string(json_array_get(params, 1))) {
			m->st->protocol_errors++;
			reset(m, "update3 params must be [monitor-id, last-txn-id, updates]");
			return;
		}
		txn = json_string_value(json_array_get(params, 1));
		updates = json_array_get(params, 2);
	} else {
		if (json_array_size(params) != 2) {
			m->st->protocol_errors++;
			reset(m, "update2 params must be [monitor-id, updates]");
			return;
		}
		updates = json_array_get(params, 1);
	}
	if (m->ops.apply(m->arg, updates, false, err, sizeof(err)) < 0) {
		m->st->update_errors++;
		m->last_txn[0] = '\0';
		reset(m, "%s not applied: %s", method, err);
		return;
	}
	m->st->updates++;
	if (txn)
		snprintf(m->last_txn, sizeof(m->last_txn), "%s", txn);
}

void ovsdb_mon_message(struct ovsdb_mon *m, const char *method, json_t *params, json_t *id)
{
	if (strcmp(method, "update3") == 0 || strcmp(method, "update2") == 0) {
		apply_update(m, method, params);
	} else if (strcmp(method, "monitor_canceled") == 0) {
		/* the database was converted or removed: start again, schema first */
		reset(m, "the server cancelled the monitor");
	} else if (id) {
		/* a request we do not implement: answer with an error as JSON-RPC wants */
		LOG_RL(BRINT_LOG_WARN, MOD, "%s: server request \"%.32s\" not supported", m->db,
		       method);
		jsonrpc_reply_error(m->rpc, id, "unknown method");
	} else {
		LOG_RL(BRINT_LOG_DEBUG, MOD, "%s: notification \"%.32s\" ignored", m->db, method);
	}
}

struct ovsdb_mon *ovsdb_mon_new(const char *db, const struct ovsdb_mon_ops *ops, void *arg,
				struct ovsdb_stats *stats)
{
	struct ovsdb_mon *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->db = strdup(db);
	if (m->db == NULL) {
		free(m);
		return NULL;
	}
	snprintf(m->monitor_id, sizeof(m->monitor_id), "brint-%s", db);
	m->ops = *ops;
	m->arg = arg;
	m->st = stats;
	snprintf(m->method, sizeof(m->method), "none");
	return m;
}

void ovsdb_mon_attach(struct ovsdb_mon *m, struct ovsdb_session *s)
{
	m->session = s;
}

void ovsdb_mon_free(struct ovsdb_mon *m)
{
	if (m == NULL)
		return;
	json_decref(m->requests);
	free(m->db);
	free(m);
}

enum ovsdb_mon_state ovsdb_mon_state(const struct ovsdb_mon *m)
{
	return m->state;
}

const char *ovsdb_mon_state_name(enum ovsdb_mon_state st)
{
	switch (st) {
	case OVSDB_M_DISCONNECTED: return "disconnected";
	case OVSDB_M_SERVER_CHECK: return "server-check";
	case OVSDB_M_SCHEMA: return "schema";
	case OVSDB_M_MONITORING: return "monitoring";
	case OVSDB_M_SYNCED: return "synced";
	}
	return "?";
}

bool ovsdb_mon_synced(const struct ovsdb_mon *m)
{
	return m->state == OVSDB_M_SYNCED;
}

const char *ovsdb_mon_last_txn_id(const struct ovsdb_mon *m)
{
	return m->last_txn;
}

const char *ovsdb_mon_method(const struct ovsdb_mon *m)
{
	return m->method;
}

const char *ovsdb_mon_server_model(const struct ovsdb_mon *m)
{
	return m->model;
}

const char *ovsdb_mon_schema_version(const struct ovsdb_mon *m)
{
	return m->schema_version;
}

uint64_t ovsdb_mon_sync_ms(const struct ovsdb_mon *m)
{
	return m->sync_ms;
}

bool ovsdb_mon_last_resumed(const struct ovsdb_mon *m)
{
	return m->last_resumed;
}

uint64_t ovsdb_mon_reply_ms(const struct ovsdb_mon *m)
{
	return m->request_to_reply_ms;
}

uint64_t ovsdb_mon_apply_ms(const struct ovsdb_mon *m)
{
	return m->apply_ms;
}

uint64_t ovsdb_mon_first_byte_ms(const struct ovsdb_mon *m)
{
	return m->reply_first_byte_ms;
}
