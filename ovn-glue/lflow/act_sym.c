/* SPDX-License-Identifier: Apache-2.0 */
/* Fields in actions: symbol ids, field references with bit ranges, their type and width
 * checks (with OVN's messages), and small shared parsing helpers. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lflow/act_int.h"
#include "lflow/symtab.h"

const struct lf_symbol *act_sym(uint16_t id)
{
	return id < lf_symtab_count() ? lf_symtab_at(id) : NULL;
}

int act_sym_id(const struct lf_symbol *sym)
{
	size_t n = lf_symtab_count();
	if (!sym || !n)
		return -1;
	/* The table is normally one array: try the index the address gives, then search. */
	uintptr_t base = (uintptr_t)lf_symtab_at(0), a = (uintptr_t)sym;
	if (a >= base && (a - base) % sizeof *sym == 0) {
		size_t i = (a - base) / sizeof *sym;
		if (i < n && i <= UINT16_MAX && lf_symtab_at(i) == sym)
			return (int)i;
	}
	for (size_t i = 0; i < n && i <= UINT16_MAX; i++)
		if (lf_symtab_at(i) == sym)
			return (int)i;
	return -1;
}

static unsigned sym_width(const struct lf_symbol *s)
{
	return s->type == LF_SYM_STRING ? 0 : s->width;
}

unsigned act_field_sym_width(const struct lflow_fref *f)
{
	const struct lf_symbol *s = act_sym(f->sym);
	return s ? sym_width(s) : 0;
}

void act_error_at(struct act_ctx *c, size_t pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lf_lexer_verror_at(c->lx, pos, fmt, ap);
	va_end(ap);
}

/* Where field f starts in the input, if it is one of the last fields parsed; else the
 * current token. */
size_t act_field_pos(const struct act_ctx *c, const struct lflow_fref *f)
{
	for (unsigned i = 0; i < 2 && i < c->n_recent; i++) {
		unsigned k = (c->n_recent - 1 - i) % 2;
		if (!memcmp(&c->recent[k], f, sizeof *f))
			return c->recent_pos[k];
	}
	return c->lx->tok.pos;
}

bool act_field_parse(struct act_ctx *c, struct lflow_fref *f)
{
	struct lf_lexer *lx = c->lx;
	if (lf_lexer_failed(lx))
		return false;
	size_t start = lx->tok.pos;
	if (lx->tok.type != LF_T_ID) {
		lf_lexer_syntax_error(lx, "expecting field name");
		return false;
	}
	const struct lf_symbol *s = lf_symtab_lookup(lx->tok.s);
	if (!s) {
		lf_lexer_syntax_error(lx, "expecting field name");
		return false;
	}
	if (s->type == LF_SYM_PREDICATE) {
		lf_lexer_error(lx, "Predicate symbol %s used where lvalue required.", s->name);
		return false;
	}
	int id = act_sym_id(s);
	if (id < 0) {
		lf_lexer_error(lx, "Symbol %s is not in the symbol table.", s->name);
		return false;
	}
	lf_lexer_get(lx);
	unsigned w = sym_width(s);
	f->sym = (uint16_t)id;
	f->ofs = 0;
	f->n_bits = (uint8_t)w;
	if (lf_lexer_match(lx, LF_T_LSQUARE)) {
		int lo, hi;
		if (!w) {
			lf_lexer_error(lx, "Cannot select subfield of string field %s.", s->name);
			return false;
		}
		if (!lf_lexer_get_int(lx, &lo)) {
			lf_lexer_syntax_error(lx, "expecting small integer");
			return false;
		}
		hi = lo;
		if (lf_lexer_match(lx, LF_T_ELLIPSIS) && !lf_lexer_get_int(lx, &hi)) {
			lf_lexer_syntax_error(lx, "expecting small integer");
			return false;
		}
		if (!lf_lexer_force_match(lx, LF_T_RSQUARE))
			return false;
		if (lo > hi) {
			act_error_at(c, start, "Invalid bit range %d to %d.", lo, hi);
			return false;
		}
		if ((unsigned)hi >= w) {
			act_error_at(c, start, "Cannot select bits %d to %d of %u-bit field %s.",
				     lo, hi, w, s->name);
			return false;
		}
		if (s->level == LF_L_NOMINAL && (lo != 0 || (unsigned)hi != w - 1)) {
			act_error_at(c, start, "Cannot select subfield of nominal field %s.",
				     s->name);
			return false;
		}
		f->ofs = (uint8_t)lo;
		f->n_bits = (uint8_t)(hi - lo + 1);
	}
	act_prereqs_add(&c->prereqs, s->prereqs);
	c->recent[c->n_recent % 2] = *f;
	c->recent_pos[c->n_recent % 2] = start;
	c->n_recent++;
	return true;
}

static unsigned scope_of(enum lf_write wr)
{
	switch (wr) {
	case LF_WR_YES: return ACT_WR_DEFAULT; /* not inside ct_commit { } (as OVN) */
	case LF_WR_CT_COMMIT: return ACT_WR_CT_COMMIT;
	case LF_WR_NO:
	default: return 0;
	}
}

bool act_check_field(struct act_ctx *c, const struct lflow_fref *f, unsigned n_bits, bool rw)
{
	const struct lf_symbol *s = act_sym(f->sym);
	size_t pos = act_field_pos(c, f);
	if (!s) {
		act_error_at(c, pos, "Unknown symbol id %u.", f->sym);
		return false;
	}
	if (n_bits != f->n_bits) {
		if (n_bits && f->n_bits)
			act_error_at(c, pos,
				     "Cannot use %u-bit field %s[%u..%u] where %u-bit "
				     "field is required.",
				     f->n_bits, s->name, f->ofs, f->ofs + f->n_bits - 1u, n_bits);
		else if (n_bits)
			act_error_at(c, pos,
				     "Cannot use string field %s where numeric field is "
				     "required.",
				     s->name);
		else
			act_error_at(c, pos,
				     "Cannot use numeric field %s where string field is "
				     "required.",
				     s->name);
		return false;
	}
	if (rw && !(scope_of(s->wr) & c->scope)) {
		act_error_at(c, pos, "Field %s is not modifiable.", s->name);
		return false;
	}
	return true;
}

bool act_parse_field_arg(struct act_ctx *c, unsigned n_bits, struct lflow_fref *f)
{
	return act_field_parse(c, f) && act_check_field(c, f, n_bits, false);
}

bool act_parse_uint(struct act_ctx *c, uint64_t max, const char *what, uint64_t *v)
{
	struct lf_lexer *lx = c->lx;
	if (lf_lexer_failed(lx))
		return false;
	if (lx->tok.type != LF_T_INTEGER || lx->tok.format != LF_F_DECIMAL || lx->tok.value > max) {
		lf_lexer_syntax_error(lx, "expecting %s", what);
		return false;
	}
	*v = (uint64_t)lx->tok.value;
	lf_lexer_get(lx);
	return true;
}

void act_format_field(struct act_buf *b, const struct lflow_fref *f)
{
	const struct lf_symbol *s = act_sym(f->sym);
	if (!s) {
		act_buf_printf(b, "<sym%u>", f->sym);
		return;
	}
	act_buf_put(b, s->name);
	unsigned w = sym_width(s);
	if (!w || (f->ofs == 0 && f->n_bits == w))
		return;
	if (f->n_bits == 1)
		act_buf_printf(b, "[%u]", f->ofs);
	else
		act_buf_printf(b, "[%u..%u]", f->ofs, f->ofs + f->n_bits - 1u);
}
