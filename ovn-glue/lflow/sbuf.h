/* SPDX-License-Identifier: Apache-2.0 */
/* A growing string for the lflow printers: append with printf formats, take the result. */
#pragma once

#include <stddef.h>

struct sbuf {
	char *s; /* NUL-terminated once anything was added; the caller frees it */
	size_t n, cap;
};

/* Append; aborts when out of memory (the printers have no other way to fail). */
void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
