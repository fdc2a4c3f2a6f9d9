/* SPDX-License-Identifier: Apache-2.0 */
#include "framer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void json_framer_init(struct json_framer *f, size_t max_msg)
{
	memset(f, 0, sizeof(*f));
	f->max_msg = max_msg;
}

void json_framer_fini(struct json_framer *f)
{
	free(f->buf);
	json_framer_init(f, f->max_msg);
}

void json_framer_reset(struct json_framer *f)
{
	f->len = f->start = f->pos = 0;
	f->depth = 0;
	f->in_msg = f->in_str = f->esc = false;
	f->error = 0;
	/* a buffer grown for a huge message is not kept around */
	if (f->cap > (1u << 20)) {
		free(f->buf);
		f->buf = NULL;
		f->cap = 0;
	}
}

char *json_framer_reserve(struct json_framer *f, size_t want, size_t *avail)
{
	if (f->start) {
		memmove(f->buf, f->buf + f->start, f->len - f->start);
		f->len -= f->start;
		f->pos -= f->start;
		f->start = 0;
	}
	if (f->buf == NULL || f->cap - f->len < want) {
		size_t ncap = f->cap ? f->cap : 4096;
		while (ncap - f->len < want)
			ncap *= 2;
		char *nb = realloc(f->buf, ncap);
		if (nb == NULL)
			return NULL;
		f->buf = nb;
		f->cap = ncap;
	} else if (f->len == 0 && f->cap > (4u << 20)) {
		/* nothing buffered and a big buffer left over from a big message: shrink */
		char *nb = realloc(f->buf, 65536);
		if (nb) {
			f->buf = nb;
			f->cap = 65536;
		}
	}
	*avail = f->cap - f->len;
	return f->buf + f->len;
}

void json_framer_commit(struct json_framer *f, size_t n)
{
	f->len += n;
}

int json_framer_feed(struct json_framer *f, const void *data, size_t n)
{
	size_t avail;
	char *p = json_framer_reserve(f, n, &avail);
	if (p == NULL)
		return -1;
	memcpy(p, data, n);
	json_framer_commit(f, n);
	return 0;
}

static inline bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int json_framer_next(struct json_framer *f, const char **msg, size_t *len)
{
	const char *b = f->buf;
	size_t p = f->pos, end = f->len;

	if (f->error)
		return f->error;
	while (p < end) {
		if (!f->in_msg) {
			char c = b[p];
			if (is_ws(c)) {
				f->start = ++p;
				continue;
			}
			if (c != '{') {
				f->pos = p;
				f->start = p;
				return f->error = -EPROTO;
			}
			f->in_msg = true;
			f->depth = 1;
			f->start = p++;
			continue;
		}
		if (f->in_str) {
			/* fast path through the body of a string */
			while (p < end && !f->esc && b[p] != '"' && b[p] != '\\')
				p++;
			if (p == end)
				break;
			if (f->esc)
				f->esc = false;
			else if (b[p] == '\\')
				f->esc = true;
			else
				f->in_str = false;
			p++;
			continue;
		}
		switch (b[p++]) {
		case '"': f->in_str = true; break;
		case '{':
		case '[': f->depth++; break;
		case '}':
		case ']':
			if (--f->depth == 0) {
				size_t n = p - f->start;
				f->in_msg = false;
				if (n > f->max_msg) {
					f->pos = p;
					return f->error = -EMSGSIZE;
				}
				*msg = b + f->start;
				*len = n;
				f->start = f->pos = p;
				return 1;
			}
			break;
		default: break;
		}
	}
	f->pos = p;
	if (f->in_msg && f->len - f->start > f->max_msg)
		return f->error = -EMSGSIZE;
	return 0;
}
