/* SPDX-License-Identifier: Apache-2.0 */
#include "ovsdb/jsonrpc.h"

#include "ovsdb/framer.h"
#include "ovsdb/hmap.h"
#include "ovsdb/jalloc.h"

#include <brint/log.h>
#include <brint/util.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOD		 "ovsdb"
#define READ_CHUNK	 (1u << 20)
#define READS_PER_WAKEUP 64
#define MAX_OUT_BYTES	 (256u << 20)

struct pending {
	struct hnode node;
	json_int_t id;
	jsonrpc_reply_fn cb;
	void *arg;
};

struct jsonrpc {
	struct ev_loop *loop;
	struct ostream *s;
	struct json_framer fr;
	char *out;
	size_t out_len, out_off, out_cap;
	struct hmap pending;
	json_int_t next_id;
	struct jsonrpc_opts o;
	struct jsonrpc_handlers h;
	void *arg;
	struct ovsdb_stats *st;
	struct ev_timer *probe_timer, *err_timer, *kick_timer;
	uint64_t last_rx_ms, echo_sent_ms;
	uint64_t msg_start_ms; /* when the first bytes of the message being read arrived */
	bool echo_sent;
	bool fd_watched;
	bool failed;
	int err;
	char why[256];
};

static void on_fd(int fd, short revents, void *arg);
static void kick_cb(struct ev_timer *t, void *arg);

static void err_timer_cb(struct ev_timer *t, void *arg)
{
	struct jsonrpc *j = arg;
	(void)t;
	j->err_timer = NULL; /* one-shot: freed by the loop */
	j->h.on_error(j->arg, j->err, j->why);
}

static void vfail(struct jsonrpc *j, int err, const char *fmt, va_list ap)
{
	if (j->failed)
		return;
	j->failed = true;
	j->err = err;
	vsnprintf(j->why, sizeof(j->why), fmt, ap);
	if (j->fd_watched) {
		ev_fd_del(j->loop, ostream_fd(j->s));
		j->fd_watched = false;
	}
	j->err_timer = ev_timer_add(j->loop, 0, 0, err_timer_cb, j);
}

void jsonrpc_fail(struct jsonrpc *j, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(j, err, fmt, ap);
	va_end(ap);
}

bool jsonrpc_failed(const struct jsonrpc *j)
{
	return j->failed;
}

size_t jsonrpc_n_pending(const struct jsonrpc *j)
{
	return hmap_count(&j->pending);
}

static void update_events(struct jsonrpc *j)
{
	if (j->fd_watched)
		ev_fd_set_events(j->loop, ostream_fd(j->s),
				 ostream_events(j->s, j->out_len > j->out_off));
}

static void flush(struct jsonrpc *j)
{
	if (j->s == NULL) { /* detached (tests): output is dropped */
		j->out_len = j->out_off = 0;
		return;
	}
	while (!j->failed && j->out_off < j->out_len) {
		ssize_t n = ostream_send(j->s, j->out + j->out_off, j->out_len - j->out_off);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			jsonrpc_fail(j, (int)-n, "send: %s", strerror((int)-n));
			return;
		}
		j->out_off += (size_t)n;
		j->st->tx_bytes += (uint64_t)n;
	}
	if (j->out_off == j->out_len)
		j->out_off = j->out_len = 0;
	update_events(j);
}

static int send_msg(struct jsonrpc *j, json_t *msg)
{
	char *s;
	size_t n;

	if (j->failed) {
		json_decref(msg);
		return -1;
	}
	s = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (s == NULL) {
		jsonrpc_fail(j, ENOMEM, "cannot serialise a message");
		return -1;
	}
	n = strlen(s);
	if (j->out_len + n > MAX_OUT_BYTES) {
		free(s);
		jsonrpc_fail(j, ENOBUFS, "output backlog above %u bytes", MAX_OUT_BYTES);
		return -1;
	}
	if (j->out_cap - j->out_len < n) {
		if (j->out_off) {
			memmove(j->out, j->out + j->out_off, j->out_len - j->out_off);
			j->out_len -= j->out_off;
			j->out_off = 0;
		}
		if (j->out_cap - j->out_len < n) {
			size_t cap = j->out_cap ? j->out_cap : 4096;
			while (cap - j->out_len < n)
				cap *= 2;
			char *nb = realloc(j->out, cap);
			if (nb == NULL) {
				free(s);
				jsonrpc_fail(j, ENOMEM, "out of memory");
				return -1;
			}
			j->out = nb;
			j->out_cap = cap;
		}
	}
	memcpy(j->out + j->out_len, s, n);
	j->out_len += n;
	free(s);
	j->st->tx_msgs++;
	flush(j);
	return j->failed ? -1 : 0;
}

int jsonrpc_request(struct jsonrpc *j, const char *method, json_t *params, jsonrpc_reply_fn cb,
		    void *arg)
{
	struct pending *p;
	json_int_t id;

	if (j->failed) {
		json_decref(params);
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		json_decref(params);
		jsonrpc_fail(j, ENOMEM, "out of memory");
		return -1;
	}
	id = ++j->next_id;
	p->id = id;
	p->cb = cb;
	p->arg = arg;
	hmap_insert(&j->pending, &p->node, hash_u64((uint64_t)id, 0));
	if (send_msg(j, json_pack("{s:s, s:o, s:I}", "method", method, "params", params, "id",
				  (json_int_t)id)) < 0) {
		/* not sent: the callback will never be called */
		hmap_remove(&j->pending, &p->node);
		free(p);
		return -1;
	}
	return 0;
}

int jsonrpc_reply(struct jsonrpc *j, json_t *id, json_t *result)
{
	return send_msg(j, json_pack("{s:O, s:o, s:n}", "id", id, "result", result, "error"));
}

int jsonrpc_reply_error(struct jsonrpc *j, json_t *id, const char *error)
{
	return send_msg(j, json_pack("{s:O, s:n, s:s}", "id", id, "result", "error", error));
}

static struct pending *pending_take(struct jsonrpc *j, json_int_t id)
{
	for (struct hnode *n = hmap_first_with_hash(&j->pending, hash_u64((uint64_t)id, 0)); n;
	     n = hmap_next_with_hash(n)) {
		struct pending *p = container_of(n, struct pending, node);
		if (p->id == id) {
			hmap_remove(&j->pending, n);
			return p;
		}
	}
	return NULL;
}

static void protocol_error(struct jsonrpc *j, const char *what)
{
	j->st->protocol_errors++;
	jsonrpc_fail(j, EPROTO, "invalid JSON-RPC message: %s", what);
}

static void handle_msg(struct jsonrpc *j, const char *buf, size_t len)
{
	json_error_t e;
	json_t *m, *method, *id, *params;

	jalloc_begin();
	m = json_loadb(buf, len, 0, &e);
	jalloc_end();
	if (m == NULL) {
		jalloc_release();
		j->st->json_errors++;
		jsonrpc_fail(j, EPROTO, "malformed JSON in a %zu-byte message at offset %d: %s",
			     len, e.position, e.text);
		return;
	}
	j->st->rx_msgs++;
	if (len > j->st->max_msg_bytes)
		j->st->max_msg_bytes = len;
	method = json_object_get(m, "method");
	id = json_object_get(m, "id");
	if (method) {
		params = json_object_get(m, "params");
		if (!json_is_string(method))
			protocol_error(j, "\"method\" is not a string");
		else if (!json_is_array(params))
			protocol_error(j, "\"params\" is not an array");
		else if (strcmp(json_string_value(method), "echo") == 0 && id && !json_is_null(id))
			jsonrpc_reply(j, id, json_incref(params));
		else
			j->h.on_message(j->arg, json_string_value(method), params,
					(id && !json_is_null(id)) ? id : NULL);
	} else if (id) {
		json_t *result = json_object_get(m, "result");
		json_t *error = json_object_get(m, "error");
		struct pending *p =
		    json_is_integer(id) ? pending_take(j, json_integer_value(id)) : NULL;
		if (error && json_is_null(error))
			error = NULL;
		if (p == NULL) {
			j->st->unexpected_replies++;
			LOG_RL(BRINT_LOG_WARN, MOD, "reply to an unknown request id; ignored");
		} else {
			if (error)
				j->st->rpc_errors++;
			if (p->cb)
				p->cb(p->arg, error ? NULL : (result ? result : json_null()),
				      error);
			free(p);
		}
	} else {
		protocol_error(j, "neither \"method\" nor \"id\"");
	}
	json_decref(m);
	jalloc_release();
}

static void process(struct jsonrpc *j)
{
	const char *msg;
	size_t len;
	int rc = 0;

	while (!j->failed && (rc = json_framer_next(&j->fr, &msg, &len)) == 1)
		handle_msg(j, msg, len);
	if (j->failed)
		return;
	if (rc == -EMSGSIZE) {
		j->st->oversize++;
		jsonrpc_fail(j, EMSGSIZE, "message larger than max_message_bytes (%zu)",
			     j->o.max_msg);
	} else if (rc == -EPROTO) {
		j->st->framing_errors++;
		jsonrpc_fail(j, EPROTO, "byte 0x%02x cannot start a JSON-RPC message",
			     (unsigned char)j->fr.buf[j->fr.pos]);
	}
}

void jsonrpc_receive_bytes(struct jsonrpc *j, const void *data, size_t n)
{
	if (j->failed)
		return;
	if (json_framer_feed(&j->fr, data, n) < 0) {
		jsonrpc_fail(j, ENOMEM, "out of memory");
		return;
	}
	j->st->rx_bytes += n;
	j->last_rx_ms = brint_now_ms();
	j->echo_sent = false;
	process(j);
}

static void do_read(struct jsonrpc *j)
{
	for (unsigned i = 0; i < READS_PER_WAKEUP && !j->failed; i++) {
		size_t avail;
		char *buf = json_framer_reserve(&j->fr, 65536, &avail);
		ssize_t n;

		if (buf == NULL) {
			jsonrpc_fail(j, ENOMEM, "out of memory for a %zu-byte message",
				     json_framer_pending(&j->fr));
			return;
		}
		bool fresh = json_framer_pending(&j->fr) == 0;
		n = ostream_recv(j->s, buf, avail < READ_CHUNK ? avail : READ_CHUNK);
		if (n == -EAGAIN)
			return;
		if (fresh)
			j->msg_start_ms = brint_now_ms();
		if (n == 0) {
			size_t part = json_framer_pending(&j->fr);
			if (part) {
				j->st->truncated++;
				jsonrpc_fail(
				    j, ECONNRESET,
				    "connection closed by peer inside a message (%zu bytes "
				    "received)",
				    part);
			} else {
				jsonrpc_fail(j, ECONNRESET, "connection closed by peer");
			}
			return;
		}
		if (n < 0) {
			jsonrpc_fail(j, (int)-n, "recv: %s", strerror((int)-n));
			return;
		}
		json_framer_commit(&j->fr, (size_t)n);
		j->st->rx_bytes += (uint64_t)n;
		j->last_rx_ms = brint_now_ms();
		j->echo_sent = false;
		process(j);
	}
	/* still more to read: poll(2) reports readable sockets again, but not bytes already
	 * decrypted inside the TLS layer */
	if (!j->failed && ostream_has_pending(j->s) && j->kick_timer == NULL)
		j->kick_timer = ev_timer_add(j->loop, 0, 0, kick_cb, j);
}

static void kick_cb(struct ev_timer *t, void *arg)
{
	struct jsonrpc *j = arg;
	(void)t;
	j->kick_timer = NULL;
	if (!j->failed) {
		do_read(j);
		if (!j->failed)
			flush(j);
	}
}

static void on_fd(int fd, short revents, void *arg)
{
	struct jsonrpc *j = arg;
	(void)fd;
	(void)revents;
	/* read first (also catches POLLHUP/POLLERR as EOF or an error), then write */
	do_read(j);
	if (!j->failed)
		flush(j);
}

static void echo_reply(void *arg, json_t *result, json_t *error)
{
	(void)arg;
	(void)result;
	(void)error;
}

static void probe_cb(struct ev_timer *t, void *arg)
{
	struct jsonrpc *j = arg;
	uint64_t now = brint_now_ms();
	(void)t;
	if (j->failed)
		return;
	if (j->echo_sent) {
		if (now - j->echo_sent_ms >= j->o.probe_ms) {
			j->st->probe_timeouts++;
			jsonrpc_fail(j, ETIMEDOUT, "no reply to the inactivity probe for %u ms",
				     j->o.probe_ms);
		}
	} else if (now - j->last_rx_ms >= j->o.probe_ms) {
		j->echo_sent = true;
		j->echo_sent_ms = now;
		jsonrpc_request(j, "echo", json_array(), echo_reply, NULL);
	}
}

struct jsonrpc *jsonrpc_open(struct ev_loop *loop, struct ostream *s, const struct jsonrpc_opts *o,
			     const struct jsonrpc_handlers *h, void *arg, struct ovsdb_stats *stats)
{
	struct jsonrpc *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return NULL;
	j->loop = loop;
	j->s = s;
	j->o = *o;
	j->h = *h;
	j->arg = arg;
	j->st = stats;
	j->last_rx_ms = brint_now_ms();
	json_framer_init(&j->fr, o->max_msg);
	/* address space for the trees of messages up to max_msg (jansson needs about 7 times
	 * the text); beyond it, or if the reservation fails, blocks come from malloc */
	jalloc_init(o->max_msg > (1ull << 30) ? (8ull << 30) : o->max_msg * 8 + (64u << 20));
	hmap_init(&j->pending);
	if (s) {
		if (ev_fd_add(loop, ostream_fd(s), ostream_events(s, false), on_fd, j) < 0) {
			json_framer_fini(&j->fr);
			free(j);
			return NULL;
		}
		j->fd_watched = true;
		if (o->probe_ms) {
			unsigned period = o->probe_ms / 4 < 50 ? 50 : o->probe_ms / 4;
			j->probe_timer = ev_timer_add(loop, period, period, probe_cb, j);
		}
	}
	return j;
}

void jsonrpc_close(struct jsonrpc *j)
{
	struct hnode *n;

	if (j == NULL)
		return;
	if (j->fd_watched)
		ev_fd_del(j->loop, ostream_fd(j->s));
	ev_timer_del(j->loop, j->probe_timer);
	ev_timer_del(j->loop, j->err_timer);
	ev_timer_del(j->loop, j->kick_timer);
	j->failed = true; /* cancelled callbacks cannot send */
	while ((n = hmap_first(&j->pending)) != NULL) {
		struct pending *p = container_of(n, struct pending, node);
		hmap_remove(&j->pending, n);
		if (p->cb)
			p->cb(p->arg, NULL, NULL);
		free(p);
	}
	hmap_destroy(&j->pending);
	json_framer_fini(&j->fr);
	free(j->out);
	ostream_close(j->s);
	free(j);
}

uint64_t jsonrpc_msg_start_ms(const struct jsonrpc *j)
{
	return j->msg_start_ms;
}
