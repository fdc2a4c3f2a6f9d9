/* SPDX-License-Identifier: Apache-2.0 */
/* A reconnecting session to one of a list of OVSDB remotes (e.g. the members of a RAFT
 * cluster): tries them in turn; after every remote failed in a row, waits with exponential
 * back-off (backoff_min_ms doubling up to backoff_max_ms); a session that reached "healthy"
 * (the owner says so once its protocol is established) starts the back-off over. */
#pragma once

#include "ovsdb/jsonrpc.h"
#include "ovsdb/stats.h"
#include "ovsdb/stream.h"

#include <brint/evloop.h>
#include <stdbool.h>
#include <stdint.h>

struct ovsdb_session_opts {
	char **remotes; /* "unix:...", "tcp:IP:PORT", "ssl:IP:PORT" */
	unsigned n_remotes;
	struct ostream_ssl_cfg ssl;
	unsigned backoff_min_ms, backoff_max_ms;
	unsigned probe_ms;
	unsigned connect_timeout_ms;
	size_t max_msg;
};

struct ovsdb_session_handlers {
	void (*connected)(void *arg, struct jsonrpc *rpc); /* start the protocol on rpc */
	void (*disconnected)(void *arg);		   /* rpc is gone */
	void (*message)(void *arg, const char *method, json_t *params, json_t *id);
};

enum ovsdb_session_state {
	OVSDB_S_IDLE,
	OVSDB_S_BACKOFF,
	OVSDB_S_CONNECTING,
	OVSDB_S_CONNECTED,
};

struct ovsdb_session;

/* opts is copied. -1 (NULL) if a remote does not parse. */
struct ovsdb_session *ovsdb_session_new(struct ev_loop *loop, const struct ovsdb_session_opts *o,
					const struct ovsdb_session_handlers *h, void *arg,
					struct ovsdb_stats *stats, char *err, size_t errlen);
void ovsdb_session_start(struct ovsdb_session *s);
void ovsdb_session_free(struct ovsdb_session *s);

/* The owner's protocol failed on this connection (bad schema, bad update, ...): drop it and
 * go on with the next remote after the back-off. Safe from inside any callback. */
void ovsdb_session_reset(struct ovsdb_session *s, const char *why);
/* The owner's protocol is fully up: back-off starts over at the next failure. */
void ovsdb_session_healthy(struct ovsdb_session *s);

struct jsonrpc *ovsdb_session_rpc(const struct ovsdb_session *s); /* NULL unless connected */
enum ovsdb_session_state ovsdb_session_state(const struct ovsdb_session *s);
const char *ovsdb_session_state_name(enum ovsdb_session_state st);
const char *ovsdb_session_remote(const struct ovsdb_session *s); /* current or next remote */
const char *ovsdb_session_last_error(const struct ovsdb_session *s);
uint64_t ovsdb_session_connected_ms(const struct ovsdb_session *s); /* when (monotonic ms) */
unsigned ovsdb_session_backoff_ms(const struct ovsdb_session *s);
