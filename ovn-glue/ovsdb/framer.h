/* SPDX-License-Identifier: Apache-2.0 */
/* Finds the boundaries of JSON-RPC messages in a byte stream without parsing them: counts
 * braces and brackets outside strings (honouring escapes), so that a message split across
 * reads, several messages in one read and very large messages are all handled in one pass
 * over the bytes. Each complete message is then handed to a real JSON parser. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_framer {
	char *buf;
	size_t len;   /* bytes held */
	size_t cap;   /* bytes allocated */
	size_t start; /* first byte not yet returned (start of the message being scanned) */
	size_t pos;   /* next byte to scan */
	size_t max_msg;
	uint64_t depth;
	bool in_msg, in_str, esc;
	int error; /* sticky once set, until json_framer_reset() */
};

void json_framer_init(struct json_framer *f, size_t max_msg);
void json_framer_fini(struct json_framer *f);
void json_framer_reset(struct json_framer *f); /* drop buffered bytes and any error */

/* Room for at least `want` more bytes at the end of the buffer (moving unread bytes to the
 * front first); *avail gets the room. NULL if memory ran out. */
char *json_framer_reserve(struct json_framer *f, size_t want, size_t *avail);
void json_framer_commit(struct json_framer *f, size_t n);
/* reserve + copy + commit; -1 if memory ran out. */
int json_framer_feed(struct json_framer *f, const void *data, size_t n);

/* 1: a complete message in [*msg, *msg + *len) (valid until the next reserve/feed/reset);
 * 0: more bytes needed; -EMSGSIZE: a message longer than max_msg; -EPROTO: bytes that cannot
 * start a JSON-RPC message (anything but whitespace or '{' between messages). */
int json_framer_next(struct json_framer *f, const char **msg, size_t *len);

/* Bytes held that belong to no complete message yet (a truncated message at EOF). */
static inline size_t json_framer_pending(const struct json_framer *f)
{
	return f->in_msg ? f->len - f->start : 0;
}
