/* SPDX-License-Identifier: Apache-2.0 */
/* JSON-RPC 1.0 as OVSDB uses it (RFC 7047 section 4) over an ostream, on the control loop:
 * message framing, request ids and reply dispatch, answering the server's echo requests, and
 * the inactivity probe (after probe_ms without receiving anything an echo is sent; without
 * anything received for another probe_ms the connection is declared dead).
 *
 * Failure is always reported through handlers->on_error, from a timer (never from inside a
 * call made by the owner), exactly once; the owner then calls jsonrpc_close(). */
#pragma once

#include "ovsdb/stats.h"
#include "ovsdb/stream.h"

#include <brint/evloop.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct jsonrpc;

struct jsonrpc_handlers {
	/* A notification (id NULL) or a request (id set) other than "echo"; params borrowed. */
	void (*on_message)(void *arg, const char *method, json_t *params, json_t *id);
	void (*on_error)(void *arg, int err, const char *why);
};

/* result or error is set (borrowed); both NULL: cancelled because the connection closed
 * (then the callback must not call into this jsonrpc). */
typedef void (*jsonrpc_reply_fn)(void *arg, json_t *result, json_t *error);

struct jsonrpc_opts {
	size_t max_msg;	   /* bytes in one received message */
	unsigned probe_ms; /* 0: no inactivity probe */
};

/* Takes ownership of s (closed by jsonrpc_close). */
struct jsonrpc *jsonrpc_open(struct ev_loop *loop, struct ostream *s, const struct jsonrpc_opts *o,
			     const struct jsonrpc_handlers *h, void *arg,
			     struct ovsdb_stats *stats);
/* Cancels pending requests (their callbacks get NULL, NULL), closes the stream. */
void jsonrpc_close(struct jsonrpc *j);

/* Send a request; params is stolen (must be an array). 0: cb will be called exactly once
 * (reply, error or cancellation); -1: the connection failed and cb will never be called. */
int jsonrpc_request(struct jsonrpc *j, const char *method, json_t *params, jsonrpc_reply_fn cb,
		    void *arg);
/* Reply to a request of the server; result stolen. */
int jsonrpc_reply(struct jsonrpc *j, json_t *id, json_t *result);
int jsonrpc_reply_error(struct jsonrpc *j, json_t *id, const char *error);
/* The owner found the peer's input unacceptable: fail the connection (reported via
 * on_error, later). */
void jsonrpc_fail(struct jsonrpc *j, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool jsonrpc_failed(const struct jsonrpc *j);
size_t jsonrpc_n_pending(const struct jsonrpc *j);
/* During a callback: when the first bytes of the message being handled arrived (monotonic
 * ms; approximate when several messages came in one read). */
uint64_t jsonrpc_msg_start_ms(const struct jsonrpc *j);

/* Feed raw bytes as if received (unit tests and fuzzing use this with a NULL stream). */
void jsonrpc_receive_bytes(struct jsonrpc *j, const void *data, size_t n);
