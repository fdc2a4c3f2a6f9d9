/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled action program: building it (blocks, operands, string pool, prerequisites)
 * and laying it out as one allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lflow/act_int.h"

static const char *const op_names[LFLOW_OP_N] = {
#define LFLOW_OP_NAME(e, s) [LFLOW_OP_##e] = s,
    LFLOW_OPS(LFLOW_OP_NAME)
#undef LFLOW_OP_NAME
};

const char *lflow_op_name(enum lflow_op op)
{
	return (unsigned)op < LFLOW_OP_N ? op_names[op] : "?";
}

/* --- strings --- */

static bool buf_reserve(struct act_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s)
		return false;
	b->s = s;
	b->cap = cap;
	return true;
}

void act_buf_put(struct act_buf *b, const char *s)
{
	size_t l = strlen(s);
	if (!buf_reserve(b, l))
		return;
	memcpy(b->s + b->len, s, l + 1);
	b->len += l;
}

void act_buf_putc(struct act_buf *b, char c)
{
	if (!buf_reserve(b, 1))
		return;
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void act_buf_printf(struct act_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		act_buf_put(b, tmp);
		return;
	}
	if (!buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void act_buf_quoted(struct act_buf *b, const char *s)
{
	act_buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': act_buf_put(b, "\\\""); break;
		case '\\': act_buf_put(b, "\\\\"); break;
		case '\n': act_buf_put(b, "\\n"); break;
		case '\t': act_buf_put(b, "\\t"); break;
		case '\r': act_buf_put(b, "\\r"); break;
		case '\b': act_buf_put(b, "\\b"); break;
		case '\f': act_buf_put(b, "\\f"); break;
		default:
			if (*p < 0x20)
				act_buf_printf(b, "\\u%04x", *p);
			else
				act_buf_putc(b, (char)*p);
		}
	}
	act_buf_putc(b, '"');
}

void act_buf_free(struct act_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

char *act_buf_steal(struct act_buf *b)
{
	char *s = b->s ? b->s : strdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

/* --- builder --- */

struct lflow_insn *act_block_add(struct act_builder *b, struct act_block *blk, enum lflow_op op)
{
	if (blk->n == blk->cap) {
		uint32_t cap = blk->cap ? blk->cap * 2 : 8;
		struct lflow_insn *v = realloc(blk->v, cap * sizeof *v);
		if (!v) {
			b->oom = true;
			memset(&b->dummy_insn, 0, sizeof b->dummy_insn);
			return &b->dummy_insn;
		}
		blk->v = v;
		blk->cap = cap;
	}
	struct lflow_insn *in = &blk->v[blk->n++];
	memset(in, 0, sizeof *in);
	in->op = (uint8_t)op;
	in->arg = b->n_args;
	return in;
}

struct lflow_arg *act_arg_add(struct act_builder *b, struct lflow_insn *insn,
			      enum lflow_arg_kind kind)
{
	if (insn->n_args == UINT16_MAX || b->n_args == UINT32_MAX)
		goto oom;
	if (b->n_args == b->cap_args) {
		uint32_t cap = b->cap_args ? b->cap_args * 2 : 16;
		struct lflow_arg *v = realloc(b->args, cap * sizeof *v);
		if (!v)
			goto oom;
		b->args = v;
		b->cap_args = cap;
	}
	if (insn->n_args == 0)
		insn->arg = b->n_args;
	insn->n_args++;
	struct lflow_arg *a = &b->args[b->n_args++];
	memset(a, 0, sizeof *a);
	a->kind = (uint8_t)kind;
	a->mask = ~(lf_u128)0;
	a->str = LFLOW_STR_NONE;
	return a;
oom:
	b->oom = true;
	memset(&b->dummy_arg, 0, sizeof b->dummy_arg);
	return &b->dummy_arg;
}

uint32_t act_str_add(struct act_builder *b, const char *s)
{
	size_t l = strlen(s);
	if (b->strs.len + l + 1 >= UINT32_MAX) {
		b->oom = true;
		return LFLOW_STR_NONE;
	}
	uint32_t off = (uint32_t)b->strs.len;
	if (!buf_reserve(&b->strs, l + 1)) {
		b->oom = true;
		return LFLOW_STR_NONE;
	}
	memcpy(b->strs.s + b->strs.len, s, l + 1);
	b->strs.len += l + 1; /* keep each string's NUL */
	return off;
}

uint32_t act_block_commit(struct act_builder *b, struct act_block *blk)
{
	uint32_t first = b->n_insns;
	if (blk->n && !b->oom) {
		if (b->n_insns + blk->n > b->cap_insns) {
			uint32_t cap = b->cap_insns ? b->cap_insns : 16;
			while (cap < b->n_insns + blk->n)
				cap *= 2;
			struct lflow_insn *v = realloc(b->insns, cap * sizeof *v);
			if (!v) {
				b->oom = true;
				goto out;
			}
			b->insns = v;
			b->cap_insns = cap;
		}
		memcpy(b->insns + b->n_insns, blk->v, blk->n * sizeof *blk->v);
		b->n_insns += blk->n;
	}
out:
	free(blk->v);
	blk->v = NULL;
	blk->cap = 0;
	return first;
}

void act_builder_destroy(struct act_builder *b)
{
	free(b->insns);
	free(b->args);
	act_buf_free(&b->strs);
	memset(b, 0, sizeof *b);
}

/* Layout: [struct lflow_prog | pad to 16][args][insns][strings][prereqs]. */
struct lflow_prog *act_builder_finish(struct act_builder *b, uint32_t top, uint32_t n_top,
				      const char *prereqs)
{
	size_t hdr = (sizeof(struct lflow_prog) + 15) & ~(size_t)15;
	size_t args_sz = (size_t)b->n_args * sizeof(struct lflow_arg);
	size_t insns_sz = (size_t)b->n_insns * sizeof(struct lflow_insn);
	size_t pre_sz = prereqs ? strlen(prereqs) + 1 : 0;
	char *mem =
	    aligned_alloc(16, (hdr + args_sz + insns_sz + b->strs.len + pre_sz + 15) & ~(size_t)15);
	if (!mem)
		return NULL;
	struct lflow_prog *p = (struct lflow_prog *)mem;
	char *q = mem + hdr;
	memset(p, 0, sizeof *p);
	p->top = top;
	p->n_top = n_top;
	p->n_insns = b->n_insns;
	p->n_args = b->n_args;
	p->strs_len = (uint32_t)b->strs.len;
	if (args_sz)
		memcpy(q, b->args, args_sz);
	p->args = (const struct lflow_arg *)q;
	q += args_sz;
	if (insns_sz)
		memcpy(q, b->insns, insns_sz);
	p->insns = (const struct lflow_insn *)q;
	q += insns_sz;
	if (b->strs.len)
		memcpy(q, b->strs.s, b->strs.len);
	p->strs = q;
	q += b->strs.len;
	if (prereqs) {
		memcpy(q, prereqs, pre_sz);
		p->prereqs = q;
	}
	return p;
}

void lflow_prog_free(struct lflow_prog *prog)
{
	free(prog);
}

/* --- prerequisites --- */

void act_prereqs_add(struct act_prereqs *p, const char *expr)
{
	if (!expr || !*expr)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i], expr))
			return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;
		char **v = realloc(p->v, cap * sizeof *v);
		if (!v)
			return;
		p->v = v;
		p->cap = cap;
	}
	char *s = strdup(expr);
	if (s)
		p->v[p->n++] = s;
}

void act_prereqs_merge(struct act_prereqs *dst, struct act_prereqs *src)
{
	for (size_t i = 0; i < src->n; i++)
		act_prereqs_add(dst, src->v[i]);
	act_prereqs_clear(src);
}

void act_prereqs_clear(struct act_prereqs *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	memset(p, 0, sizeof *p);
}

char *act_prereqs_join(const struct act_prereqs *p)
{
	if (!p->n)
		return NULL;
	struct act_buf b = {0};
	for (size_t i = 0; i < p->n; i++) {
		if (i)
			act_buf_put(&b, " && ");
		bool paren = strpbrk(p->v[i], "|&") != NULL;
		if (paren)
			act_buf_putc(&b, '(');
		act_buf_put(&b, p->v[i]);
		if (paren)
			act_buf_putc(&b, ')');
	}
	return act_buf_steal(&b);
}
