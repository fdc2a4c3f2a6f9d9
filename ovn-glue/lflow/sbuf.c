/* SPDX-License-Identifier: Apache-2.0 */
#include "lflow/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0)
			abort();
		if (b->s && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		b->cap = (b->cap + (size_t)k + 64) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			abort();
	}
}
