/* SPDX-License-Identifier: Apache-2.0 */
#include "ovsdb/session.h"

#include <brint/log.h>
#include <brint/util.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOD "ovsdb"

struct ovsdb_session {
	struct ev_loop *loop;
	struct ovsdb_session_opts o;
	struct ostream_addr *addrs;
	struct ovsdb_session_handlers h;
	void *arg;
	struct ovsdb_stats *st;

	enum ovsdb_session_state state;
	unsigned cur;	       /* remote being tried / used */
	unsigned fails_in_row; /* remotes failed since the last healthy session */
	unsigned backoff_ms;
	bool healthy;
	struct ostream *conn; /* while connecting */
	bool conn_watched;
	struct jsonrpc *rpc;	/* while connected */
	struct ev_timer *timer; /* back-off or connect timeout */
	uint64_t connected_ms;
	char last_error[256];
};

static void try_connect(struct ovsdb_session *s);

static void timer_clear(struct ovsdb_session *s)
{
	if (s->timer) {
		ev_timer_del(s->loop, s->timer);
		s->timer = NULL;
	}
}

static void close_conn(struct ovsdb_session *s)
{
	if (s->conn) {
		if (s->conn_watched)
			ev_fd_del(s->loop, ostream_fd(s->conn));
		s->conn_watched = false;
		ostream_close(s->conn);
		s->conn = NULL;
	}
}

static void backoff_cb(struct ev_timer *t, void *arg)
{
	struct ovsdb_session *s = arg;
	(void)t;
	s->timer = NULL;
	try_connect(s);
}

/* This remote failed (or a connection ended): move on to the next one. */
static void schedule_retry(struct ovsdb_session *s)
{
	unsigned delay;

	timer_clear(s);
	close_conn(s);
	s->cur = (s->cur + 1) % s->o.n_remotes;
	if (s->healthy) {
		/* a working session ended: start over, quickly */
		s->healthy = false;
		s->fails_in_row = 0;
		s->backoff_ms = s->o.backoff_min_ms;
		delay = s->o.backoff_min_ms;
	} else {
		s->fails_in_row++;
		if (s->fails_in_row < s->o.n_remotes) {
			/* other members of the cluster still untried in this round */
			delay = 0;
		} else {
			delay = s->backoff_ms;
			s->fails_in_row = 0;
			s->backoff_ms = s->backoff_ms * 2 > s->o.backoff_max_ms
					    ? s->o.backoff_max_ms
					    : s->backoff_ms * 2;
		}
	}
	s->state = OVSDB_S_BACKOFF;
	LOG_DEBUG(MOD, "next attempt: %s in %u ms", s->o.remotes[s->cur], delay);
	s->timer = ev_timer_add(s->loop, delay, 0, backoff_cb, s);
}

static void rpc_message(void *arg, const char *method, json_t *params, json_t *id)
{
	struct ovsdb_session *s = arg;
	s->h.message(s->arg, method, params, id);
}

static void rpc_error(void *arg, int err, const char *why)
{
	struct ovsdb_session *s = arg;
	(void)err;
	snprintf(s->last_error, sizeof(s->last_error), "%s", why);
	LOG_RL(BRINT_LOG_WARN, MOD, "%s: %s; reconnecting", s->o.remotes[s->cur], why);
	jsonrpc_close(s->rpc);
	s->rpc = NULL;
	s->st->disconnects++;
	s->h.disconnected(s->arg);
	schedule_retry(s);
}

static void established(struct ovsdb_session *s)
{
	struct jsonrpc_opts jo = {.max_msg = s->o.max_msg, .probe_ms = s->o.probe_ms};
	struct jsonrpc_handlers jh = {.on_message = rpc_message, .on_error = rpc_error};
	struct ostream *c = s->conn;

	timer_clear(s);
	if (s->conn_watched)
		ev_fd_del(s->loop, ostream_fd(c));
	s->conn_watched = false;
	s->conn = NULL;
	s->rpc = jsonrpc_open(s->loop, c, &jo, &jh, s, s->st);
	if (s->rpc == NULL) {
		ostream_close(c);
		snprintf(s->last_error, sizeof(s->last_error), "out of memory");
		s->st->connect_failures++;
		schedule_retry(s);
		return;
	}
	s->state = OVSDB_S_CONNECTED;
	s->connected_ms = brint_now_ms();
	s->st->connects++;
	LOG_INFO(MOD, "%s: connected", s->o.remotes[s->cur]);
	s->h.connected(s->arg, s->rpc);
}

static void connect_failed(struct ovsdb_session *s, const char *why)
{
	snprintf(s->last_error, sizeof(s->last_error), "%s", why);
	LOG_RL(BRINT_LOG_WARN, MOD, "%s: %s", s->o.remotes[s->cur], why);
	s->st->connect_failures++;
	schedule_retry(s);
}

static void conn_step(struct ovsdb_session *s)
{
	char err[256] = "";
	int rc = ostream_connect_step(s->conn, err, sizeof(err));
	if (rc == 0)
		established(s);
	else if (rc == -EAGAIN)
		ev_fd_set_events(s->loop, ostream_fd(s->conn), ostream_events(s->conn, false));
	else
		connect_failed(s, err);
}

static void conn_fd_cb(int fd, short revents, void *arg)
{
	(void)fd;
	(void)revents;
	conn_step(arg);
}

static void connect_timeout_cb(struct ev_timer *t, void *arg)
{
	struct ovsdb_session *s = arg;
	char why[64];
	(void)t;
	s->timer = NULL;
	snprintf(why, sizeof(why), "connection not established within %u ms",
		 s->o.connect_timeout_ms);
	connect_failed(s, why);
}

static void try_connect(struct ovsdb_session *s)
{
	char err[256];

	s->st->connect_attempts++;
	s->state = OVSDB_S_CONNECTING;
	s->conn = ostream_open(&s->addrs[s->cur], &s->o.ssl, err, sizeof(err));
	if (s->conn == NULL) {
		connect_failed(s, err);
		return;
	}
	if (ev_fd_add(s->loop, ostream_fd(s->conn), ostream_events(s->conn, false), conn_fd_cb, s) <
	    0) {
		connect_failed(s, "cannot watch the socket");
		return;
	}
	s->conn_watched = true;
	s->timer = ev_timer_add(s->loop, s->o.connect_timeout_ms, 0, connect_timeout_cb, s);
	conn_step(s);
}

struct ovsdb_session *ovsdb_session_new(struct ev_loop *loop, const struct ovsdb_session_opts *o,
					const struct ovsdb_session_handlers *h, void *arg,
					struct ovsdb_stats *stats, char *err, size_t errlen)
{
	struct ovsdb_session *s;

	if (o->n_remotes == 0) {
		snprintf(err, errlen, "no remote");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->loop = loop;
	s->o = *o;
	s->h = *h;
	s->arg = arg;
	s->st = stats;
	s->o.remotes = calloc(o->n_remotes, sizeof(char *));
	s->addrs = calloc(o->n_remotes, sizeof(*s->addrs));
	if (s->o.remotes == NULL || s->addrs == NULL)
		goto error;
	s->o.n_remotes = 0;
	for (unsigned i = 0; i < o->n_remotes; i++) {
		if (ostream_parse(o->remotes[i], &s->addrs[i], err, errlen) < 0)
			goto error;
		s->o.remotes[i] = strdup(o->remotes[i]);
		if (s->o.remotes[i] == NULL)
			goto error;
		s->o.n_remotes++;
	}
	s->o.ssl.key = o->ssl.key ? strdup(o->ssl.key) : NULL;
	s->o.ssl.cert = o->ssl.cert ? strdup(o->ssl.cert) : NULL;
	s->o.ssl.ca = o->ssl.ca ? strdup(o->ssl.ca) : NULL;
	if (s->o.backoff_min_ms == 0)
		s->o.backoff_min_ms = 1000;
	if (s->o.backoff_max_ms < s->o.backoff_min_ms)
		s->o.backoff_max_ms = s->o.backoff_min_ms;
	if (s->o.connect_timeout_ms == 0)
		s->o.connect_timeout_ms = 5000;
	s->backoff_ms = s->o.backoff_min_ms;
	s->state = OVSDB_S_IDLE;
	return s;
error:
	ovsdb_session_free(s);
	return NULL;
}

void ovsdb_session_start(struct ovsdb_session *s)
{
	if (s->state == OVSDB_S_IDLE)
		try_connect(s);
}

void ovsdb_session_free(struct ovsdb_session *s)
{
	if (s == NULL)
		return;
	timer_clear(s);
	close_conn(s);
	if (s->rpc) {
		jsonrpc_close(s->rpc);
		s->rpc = NULL;
		s->h.disconnected(s->arg);
	}
	for (unsigned i = 0; i < s->o.n_remotes; i++)
		free(s->o.remotes[i]);
	free(s->o.remotes);
	free(s->addrs);
	free((char *)s->o.ssl.key);
	free((char *)s->o.ssl.cert);
	free((char *)s->o.ssl.ca);
	free(s);
}

void ovsdb_session_reset(struct ovsdb_session *s, const char *why)
{
	if (s->rpc)
		jsonrpc_fail(s->rpc, EPROTO, "%s", why);
}

void ovsdb_session_healthy(struct ovsdb_session *s)
{
	s->healthy = true;
	s->fails_in_row = 0;
	s->backoff_ms = s->o.backoff_min_ms;
}

struct jsonrpc *ovsdb_session_rpc(const struct ovsdb_session *s)
{
	return s->state == OVSDB_S_CONNECTED && s->rpc && !jsonrpc_failed(s->rpc) ? s->rpc : NULL;
}

enum ovsdb_session_state ovsdb_session_state(const struct ovsdb_session *s)
{
	return s->state;
}

const char *ovsdb_session_state_name(enum ovsdb_session_state st)
{
	switch (st) {
	case OVSDB_S_IDLE: return "idle";
	case OVSDB_S_BACKOFF: return "backoff";
	case OVSDB_S_CONNECTING: return "connecting";
	case OVSDB_S_CONNECTED: return "connected";
	}
	return "?";
}

const char *ovsdb_session_remote(const struct ovsdb_session *s)
{
	return s->o.remotes[s->cur];
}

const char *ovsdb_session_last_error(const struct ovsdb_session *s)
{
	return s->last_error;
}

uint64_t ovsdb_session_connected_ms(const struct ovsdb_session *s)
{
	return s->connected_ms;
}

unsigned ovsdb_session_backoff_ms(const struct ovsdb_session *s)
{
	return s->backoff_ms;
}
