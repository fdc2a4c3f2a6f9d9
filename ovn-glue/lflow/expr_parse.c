/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing OVN matches into expression trees (see expr.h): negation pushed to the leaves,
 * predicates expanded, sets resolved, prerequisites added. */
#include "lflow/expr.h"
#include "lflow/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pctx {
	struct lf_lexer *lx;
	const struct lf_expr_ctx *uc;
	unsigned depth;
	bool neg; /* an odd number of enclosing `!' */
};

static void *xzalloc(size_t n)
{
	void *p = calloc(1, n);
	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

void lf_expr_free(struct lf_expr *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		lf_expr_free(e->sub[i]);
	free(e->sub);
	free(e->s);
	free(e);
}

static struct lf_expr *new_bool(bool b)
{
	struct lf_expr *e = xzalloc(sizeof *e);
	e->type = LF_E_BOOL;
	e->b = b;
	return e;
}

static void add_sub(struct lf_expr *e, struct lf_expr *s)
{
	if (!(e->n & (e->n - 1)) || e->n == 0) { /* grow at powers of two */
		size_t cap = e->n ? e->n * 2 : 2;
		e->sub = realloc(e->sub, cap * sizeof *e->sub);
		if (!e->sub)
			abort();
	}
	e->sub[e->n++] = s;
}

/* a AND/OR b, flattening nested nodes of the same type. Either may be NULL (then the other
 * is returned). */
static struct lf_expr *combine(enum lf_expr_type t, struct lf_expr *a, struct lf_expr *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	struct lf_expr *e;
	if (a->type == t) {
		e = a;
	} else {
		e = xzalloc(sizeof *e);
		e->type = t;
		add_sub(e, a);
	}
	if (b->type == t) {
		for (size_t i = 0; i < b->n; i++)
			add_sub(e, b->sub[i]);
		b->n = 0;
		lf_expr_free(b);
	} else {
		add_sub(e, b);
	}
	return e;
}

static enum lf_relop relop_negate(enum lf_relop r)
{
	switch (r) {
	case LF_R_EQ: return LF_R_NE;
	case LF_R_NE: return LF_R_EQ;
	case LF_R_LT: return LF_R_GE;
	case LF_R_LE: return LF_R_GT;
	case LF_R_GT: return LF_R_LE;
	case LF_R_GE: return LF_R_LT;
	}
	return r;
}

static enum lf_relop relop_turn(enum lf_relop r) /* c < f  ==  f > c */
{
	switch (r) {
	case LF_R_LT: return LF_R_GT;
	case LF_R_LE: return LF_R_GE;
	case LF_R_GT: return LF_R_LT;
	case LF_R_GE: return LF_R_LE;
	default: return r;
	}
}

static bool relop_from_tok(enum lf_tok t, enum lf_relop *r)
{
	switch (t) {
	case LF_T_EQ: *r = LF_R_EQ; return true;
	case LF_T_NE: *r = LF_R_NE; return true;
	case LF_T_LT: *r = LF_R_LT; return true;
	case LF_T_LE: *r = LF_R_LE; return true;
	case LF_T_GT: *r = LF_R_GT; return true;
	case LF_T_GE: *r = LF_R_GE; return true;
	default: return false;
	}
}

static const char *relop_str(enum lf_relop r)
{
	static const char *const s[] = {"==", "!=", "<", "<=", ">", ">="};
	return s[r];
}

/* ---- constants ---- */

struct cval {
	bool is_str;
	bool masked;
	enum lf_fmt fmt;
	lf_u128 value, mask;
	char *s;
};

struct cset {
	size_t n, cap;
	struct cval *v;
	bool curly; /* written as a set in {}: only == and != (a $/@ reference alone is not,
		     * as in OVN: `tcp.dst > $set' holds if it holds for every member) */
	bool any_str, any_int;
};

static void cset_free(struct cset *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->v[i].s);
	free(cs->v);
	memset(cs, 0, sizeof *cs);
}

static struct cval *cset_add(struct cset *cs)
{
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 4;
		cs->v = realloc(cs->v, cs->cap * sizeof *cs->v);
		if (!cs->v)
			abort();
	}
	struct cval *c = &cs->v[cs->n++];
	memset(c, 0, sizeof *c);
	return c;
}

static void cval_from_token(struct cval *c, const struct lf_token *t)
{
	c->fmt = t->format;
	c->value = t->value;
	c->masked = t->type == LF_T_MASKED_INTEGER;
	c->mask = c->masked ? t->mask : 0;
}

static bool add_addr_set(struct pctx *c, struct cset *cs, const char *name)
{
	const char *const *m = NULL;
	size_t n = 0;
	if (!c->uc || !c->uc->addr_set || c->uc->addr_set(c->uc->arg, name, &m, &n) < 0) {
		lf_lexer_error(c->lx, "No address set named `%s'.", name);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		struct lf_token t;
		const char *end = lf_token_parse(&t, m[i], m[i]);
		bool ok = (t.type == LF_T_INTEGER || t.type == LF_T_MASKED_INTEGER);
		if (ok) {
			struct lf_token t2;
			lf_token_parse(&t2, m[i], end);
			ok = t2.type == LF_T_END;
			lf_token_destroy(&t2);
		}
		if (!ok) {
			if (t.type == LF_T_ERROR)
				lf_lexer_error(c->lx, "Address set `%s' member `%s': %s", name,
					       m[i], t.s);
			else
				lf_lexer_error(c->lx,
					       "Address set `%s' member `%s' is not a constant.",
					       name, m[i]);
			lf_token_destroy(&t);
			return false;
		}
		cval_from_token(cset_add(cs), &t);
		cs->any_int = true;
		lf_token_destroy(&t);
	}
	return true;
}

static bool add_port_group(struct pctx *c, struct cset *cs, const char *name)
{
	const char *const *m = NULL;
	size_t n = 0;
	if (!c->uc || !c->uc->port_group || c->uc->port_group(c->uc->arg, name, &m, &n) < 0) {
		lf_lexer_error(c->lx, "No port group named `%s'.", name);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		struct cval *v = cset_add(cs);
		v->is_str = true;
		v->s = xstrdup(m[i]);
		cs->any_str = true;
	}
	return true;
}

static bool parse_constant(struct pctx *c, struct cset *cs)
{
	struct lf_lexer *lx = c->lx;
	switch (lx->tok.type) {
	case LF_T_STRING: {
		struct cval *v = cset_add(cs);
		v->is_str = true;
		v->s = xstrdup(lx->tok.s);
		cs->any_str = true;
		break;
	}
	case LF_T_INTEGER:
	case LF_T_MASKED_INTEGER:
		cval_from_token(cset_add(cs), &lx->tok);
		cs->any_int = true;
		break;
	case LF_T_MACRO:
		if (!add_addr_set(c, cs, lx->tok.s))
			return false;
		break;
	case LF_T_PORT_GROUP:
		if (!add_port_group(c, cs, lx->tok.s))
			return false;
		break;
	case LF_T_TEMPLATE:
		lf_lexer_error(lx, "Template variable `^%s' is not supported.", lx->tok.s);
		return false;
	default: lf_lexer_syntax_error(lx, "expecting constant"); return false;
	}
	lf_lexer_get(lx);
	if (cs->any_int && cs->any_str) {
		lf_lexer_error(lx, "Set mixes string and integer constants.");
		return false;
	}
	return true;
}

static bool parse_constant_set(struct pctx *c, struct cset *cs)
{
	memset(cs, 0, sizeof *cs);
	if (!lf_lexer_match(c->lx, LF_T_LCURLY))
		return parse_constant(c, cs);
	cs->curly = true;
	while (!lf_lexer_match(c->lx, LF_T_RCURLY)) {
		if (!parse_constant(c, cs))
			return false;
		lf_lexer_match(c->lx, LF_T_COMMA);
	}
	return true;
}

/* ---- fields ---- */

static void error_at(struct lf_lexer *lx, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void error_at(struct lf_lexer *lx, size_t pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lf_lexer_verror_at(lx, pos, fmt, ap);
	va_end(ap);
}

bool lf_parse_field(struct lf_lexer *lx, struct lf_field_ref *f)
{
	const struct lf_symbol *s = lx->tok.type == LF_T_ID ? lf_symtab_lookup(lx->tok.s) : NULL;
	if (!s || s->type == LF_SYM_PREDICATE) {
		if (lx->tok.type == LF_T_ID && !s)
			lf_lexer_error(lx, "Unknown field `%s'.", lx->tok.s);
		else
			lf_lexer_syntax_error(lx, "expecting field name");
		return false;
	}
	size_t pos = lx->tok.pos;
	lf_lexer_get(lx);
	f->sym = s;
	f->ofs = 0;
	f->width = s->width;
	if (!lf_lexer_match(lx, LF_T_LSQUARE))
		return true;
	if (s->type == LF_SYM_STRING) {
		error_at(lx, pos, "Cannot select subfield of string field %s.", s->name);
		return false;
	}
	int lo, hi;
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
		error_at(lx, pos, "Invalid bit range %d to %d.", lo, hi);
		return false;
	}
	if ((unsigned)hi >= s->width) {
		error_at(lx, pos, "Cannot select bits %d to %d of %u-bit field %s.", lo, hi,
			 s->width, s->name);
		return false;
	}
	if (s->level == LF_L_NOMINAL && (lo != 0 || (unsigned)hi != s->width - 1)) {
		error_at(lx, pos, "Cannot select subfield of nominal field %s.", s->name);
		return false;
	}
	f->ofs = (unsigned)lo;
	f->width = (unsigned)(hi - lo + 1);
	return true;
}

/* ---- leaves, prerequisites, predicates ---- */

static struct lf_expr *parse_or_and(struct pctx *c);

/* Parse text from the symbol table (a prerequisite or a predicate's definition) with the
 * given negation. The definitions are trusted, but nesting still counts toward the depth. */
static struct lf_expr *parse_definition(struct pctx *c, const char *text, bool neg,
					const char *what)
{
	if (++c->depth > LF_EXPR_MAX_DEPTH) {
		c->depth--;
		lf_lexer_error(c->lx, "Expression nesting too deep (more than %d levels).",
			       LF_EXPR_MAX_DEPTH);
		return NULL;
	}
	struct lf_lexer sub;
	lf_lexer_init(&sub, text);
	lf_lexer_get(&sub);
	struct pctx sc = {.lx = &sub, .uc = c->uc, .depth = c->depth, .neg = neg};
	struct lf_expr *e = parse_or_and(&sc);
	if (e && !lf_lexer_force_end(&sub)) {
		lf_expr_free(e);
		e = NULL;
	}
	if (!e)
		lf_lexer_error(c->lx, "Error in definition of %s: %s", what,
			       sub.error ? sub.error : "?");
	lf_lexer_destroy(&sub);
	c->depth--;
	return e;
}

/* e AND the prerequisites of sym and of every symbol it is bits of (never negated). */
static struct lf_expr *add_prereqs(struct pctx *c, struct lf_expr *e, const struct lf_symbol *s)
{
	for (; s && e; s = s->parent) {
		if (!s->prereqs)
			continue;
		struct lf_expr *p = parse_definition(c, s->prereqs, false, s->name);
		if (!p) {
			lf_expr_free(e);
			return NULL;
		}
		e = combine(LF_E_AND, e, p);
	}
	return e;
}

static unsigned u128_bits(lf_u128 v)
{
	unsigned n = 0;
	while (v) {
		n++;
		v >>= 1;
	}
	return n;
}

static unsigned cval_width(const struct cval *v)
{
	if (v->masked)
		return u128_bits(v->mask);
	switch (v->fmt) {
	case LF_F_IPV4: return 32;
	case LF_F_IPV6: return 128;
	case LF_F_ETHERNET: return 48;
	default: return u128_bits(v->value);
	}
}

/* OVN's checks of `f r cs' (lib/expr.c type_check() and make_cmp()), in its order: constant
 * types and widths, relational operators only on ordinal fields with single unmasked
 * constants, nominal fields only tested for equality (r is as written; c->neg tells the
 * enclosing `!'). false with the error recorded. */
static bool check_cmp(struct pctx *c, const struct lf_field_ref *f, enum lf_relop r,
		      const struct cset *cs)
{
	const struct lf_symbol *s = f->sym;
	bool is_str = s->type == LF_SYM_STRING;

	if (cs->n && cs->any_str != is_str) {
		lf_lexer_error(c->lx, "%s field %s is not compatible with %s constant.",
			       is_str ? "String" : "Integer", s->name,
			       is_str ? "integer" : "string");
		return false;
	}
	for (size_t i = 0; !is_str && i < cs->n; i++)
		if (cval_width(&cs->v[i]) > f->width) {
			lf_lexer_error(c->lx,
				       "%u-bit constant is not compatible with %u-bit field %s.",
				       cval_width(&cs->v[i]), f->width, s->name);
			return false;
		}
	if (r != LF_R_EQ && r != LF_R_NE) {
		if (cs->curly) {
			lf_lexer_error(c->lx,
				       "Only == and != operators may be used with value sets.");
			return false;
		}
		if (s->level != LF_L_ORDINAL) {
			lf_lexer_error(c->lx,
				       "Only == and != operators may be used with %s field %s.",
				       lf_level_name(s->level), s->name);
			return false;
		}
		if (cs->n == 0) {
			lf_lexer_error(c->lx,
				       "Only == and != operators may be used to compare a field "
				       "against an empty value set.");
			return false;
		}
		if (cs->v[0].masked) {
			lf_lexer_error(c->lx, "Only == and != operators may be used with masked "
					      "constants.  Consider using subfields instead (e.g. "
					      "eth.src[0..15] > 0x1111 in place of eth.src > "
					      "00:00:00:00:11:11/00:00:00:00:ff:ff).");
			return false;
		}
	}
	if (s->level == LF_L_NOMINAL && s->type != LF_SYM_PREDICATE &&
	    r != (c->neg ? LF_R_NE : LF_R_EQ)) {
		lf_lexer_error(c->lx,
			       "Nominal field %s may only be tested for equality (taking "
			       "enclosing `!' operators into account).",
			       s->name);
		return false;
	}
	return true;
}

/* f relop each constant of cs (consumed): OR of them for ==, AND for != (after applying the
 * enclosing negation), then AND the prerequisites. */
static struct lf_expr *make_cmp(struct pctx *c, const struct lf_field_ref *f, enum lf_relop r,
				struct cset *cs)
{
	struct lf_expr *e = NULL;
	const struct lf_symbol *s = f->sym;
	bool is_str = s->type == LF_SYM_STRING;

	/* OVN: `==' against several constants is their OR, any other operator their AND */
	bool any = (r == LF_R_EQ) != c->neg;

	if (!check_cmp(c, f, r, cs))
		goto out;
	if (c->neg)
		r = relop_negate(r);
	for (size_t i = 0; i < cs->n; i++) {
		struct cval *v = &cs->v[i];
		struct lf_expr *l = xzalloc(sizeof *l);
		l->type = is_str ? LF_E_STR : LF_E_CMP;
		l->op = r;
		l->sym = s;
		l->mf = s->mf;
		l->ofs = s->ofs + f->ofs;
		l->width = f->width;
		l->fmt = v->fmt;
		l->value = v->value;
		l->mask = v->masked ? v->mask : lf_u128_ones(f->width);
		if (is_str) {
			l->s = v->s;
			v->s = NULL;
		}
		e = combine(any ? LF_E_OR : LF_E_AND, e, l);
	}
	if (!e) /* empty set: == is false, != is true */
		e = new_bool(r == LF_R_NE);
	e = add_prereqs(c, e, s);
out:
	cset_free(cs);
	return e;
}

static struct lf_expr *parse_chassis_resident(struct pctx *c)
{
	struct lf_lexer *lx = c->lx;
	if (!lf_lexer_force_match(lx, LF_T_LPAREN))
		return NULL;
	if (lx->tok.type != LF_T_STRING) {
		lf_lexer_syntax_error(lx, "expecting a port name string");
		return NULL;
	}
	struct lf_expr *e = xzalloc(sizeof *e);
	e->type = LF_E_CHASSIS;
	e->s = xstrdup(lx->tok.s);
	e->neg = c->neg;
	lf_lexer_get(lx);
	if (!lf_lexer_force_match(lx, LF_T_RPAREN)) {
		lf_expr_free(e);
		return NULL;
	}
	return e;
}

/* A predicate, bare (`ip4', `!ip4') or compared as a 1-bit field (`ip4 == 1', `ip4 != 0',
 * `ip4 == {0, 1}'), as OVN allows; each constant selects the definition or its negation. A
 * nominal predicate may only be tested positively (OVN). */
static struct lf_expr *parse_predicate(struct pctx *c, const struct lf_symbol *s)
{
	struct lf_lexer *lx = c->lx;
	struct lf_field_ref f = {s, 0, 1};
	struct lf_expr *e = NULL;
	enum lf_relop r;
	struct cset cs;

	lf_lexer_get(lx);
	memset(&cs, 0, sizeof cs);
	if (!relop_from_tok(lx->tok.type, &r)) {
		if (lx->tok.type == LF_T_EQUALS) {
			lf_lexer_syntax_error(lx, "expecting relational operator");
			return NULL;
		}
		r = LF_R_NE; /* `p' is `p != 0' */
		cset_add(&cs)->fmt = LF_F_HEX;
		cs.any_int = true;
	} else {
		lf_lexer_get(lx);
		if (!parse_constant_set(c, &cs)) {
			cset_free(&cs);
			return NULL;
		}
	}
	if (!check_cmp(c, &f, r, &cs))
		goto out;
	for (size_t i = 0; s->level == LF_L_NOMINAL && i < cs.n; i++) {
		bool positive = ((cs.v[i].value & 1) != 0) ^ (r == LF_R_NE) ^ c->neg;
		if (!positive) {
			lf_lexer_error(lx,
				       "Nominal predicate %s may only be tested positively, e.g. "
				       "`%s' or `%s == 1' but not `!%s' or `%s == 0'.",
				       s->name, s->name, s->name, s->name, s->name);
			goto out;
		}
	}
	if (c->neg)
		r = relop_negate(r);
	for (size_t i = 0; i < cs.n; i++) {
		/* `p == v' holds when p is v (its low bit), `p != v' when it is not */
		bool holds_when_true = ((cs.v[i].value & 1) != 0) ^ (r == LF_R_NE);
		struct lf_expr *d = parse_definition(c, s->expansion, !holds_when_true, s->name);
		if (d == NULL) {
			lf_expr_free(e);
			e = NULL;
			goto out;
		}
		e = combine(r == LF_R_NE ? LF_E_AND : LF_E_OR, e, d);
	}
	if (!e) /* empty set: == is false, != is true */
		e = new_bool(r == LF_R_NE);
out:
	cset_free(&cs);
	return e;
}

/* An identifier that starts a primary: a field comparison, a bare 1-bit field, a
 * predicate, or is_chassis_resident(). */
static struct lf_expr *parse_id_primary(struct pctx *c)
{
	struct lf_lexer *lx = c->lx;
	if (lf_lexer_is_id(lx, "is_chassis_resident") && lf_lexer_lookahead(lx) == LF_T_LPAREN) {
		lf_lexer_get(lx);
		return parse_chassis_resident(c);
	}
	const struct lf_symbol *s = lf_symtab_lookup(lx->tok.s);
	if (s && s->type == LF_SYM_PREDICATE)
		return parse_predicate(c, s);

	struct lf_field_ref f;
	if (!lf_parse_field(lx, &f))
		return NULL;
	enum lf_relop r;
	struct cset cs;
	if (!relop_from_tok(lx->tok.type, &r)) {
		if (f.sym->type == LF_SYM_STRING || lx->tok.type == LF_T_EQUALS) {
			lf_lexer_syntax_error(lx, "expecting relational operator");
			return NULL;
		}
		if (f.width > 1 && !c->neg) {
			lf_lexer_error(lx, "Explicit `!= 0' is required for inequality test of "
					   "multibit field against 0.");
			return NULL;
		}
		memset(&cs, 0, sizeof cs);
		cset_add(&cs)->fmt = LF_F_HEX;
		cs.any_int = true;
		return make_cmp(c, &f, LF_R_NE, &cs);
	}
	lf_lexer_get(lx);
	if (!parse_constant_set(c, &cs)) {
		cset_free(&cs);
		return NULL;
	}
	return make_cmp(c, &f, r, &cs);
}

/* constant relop field [relop constant], or a bare 0 or 1. */
static struct lf_expr *parse_const_primary(struct pctx *c)
{
	struct lf_lexer *lx = c->lx;
	struct cset c1, c2;
	enum lf_relop r1, r2;
	struct lf_field_ref f;
	if (!parse_constant_set(c, &c1)) {
		cset_free(&c1);
		return NULL;
	}
	if (!relop_from_tok(lx->tok.type, &r1)) {
		if (c1.n == 1 && !c1.curly && !c1.any_str && !c1.v[0].masked &&
		    c1.v[0].fmt == LF_F_DECIMAL && c1.v[0].value <= 1) {
			bool b = c1.v[0].value == 1;
			cset_free(&c1);
			return new_bool(b != c->neg);
		}
		cset_free(&c1);
		lf_lexer_syntax_error(lx, "expecting relational operator");
		return NULL;
	}
	lf_lexer_get(lx);
	if (!lf_parse_field(lx, &f)) {
		cset_free(&c1);
		return NULL;
	}
	if (!relop_from_tok(lx->tok.type, &r2))
		return make_cmp(c, &f, relop_turn(r1), &c1);
	size_t r2_pos = lx->tok.pos;
	lf_lexer_get(lx);
	if (!parse_constant_set(c, &c2)) {
		cset_free(&c1);
		cset_free(&c2);
		return NULL;
	}
	bool up = (r1 == LF_R_LT || r1 == LF_R_LE) && (r2 == LF_R_LT || r2 == LF_R_LE);
	bool down = (r1 == LF_R_GT || r1 == LF_R_GE) && (r2 == LF_R_GT || r2 == LF_R_GE);
	if (!up && !down) {
		error_at(lx, r2_pos,
			 "Range expressions must have the form `x < field < y' or "
			 "`x > field > y'.");
		cset_free(&c1);
		cset_free(&c2);
		return NULL;
	}
	/* under `!', x < f < y is !(f > x) || !(f < y) */
	struct lf_expr *e1 = make_cmp(c, &f, relop_turn(r1), &c1);
	struct lf_expr *e2 = e1 ? make_cmp(c, &f, r2, &c2) : (cset_free(&c2), NULL);
	if (!e1 || !e2) {
		lf_expr_free(e1);
		lf_expr_free(e2);
		return NULL;
	}
	return combine(c->neg ? LF_E_OR : LF_E_AND, e1, e2);
}

static struct lf_expr *parse_not(struct pctx *c);

static struct lf_expr *parse_primary(struct pctx *c, bool *atomic)
{
	struct lf_lexer *lx = c->lx;
	*atomic = false;
	if (lx->tok.type == LF_T_LPAREN) {
		if (++c->depth > LF_EXPR_MAX_DEPTH) {
			lf_lexer_error(lx, "Expression nesting too deep (more than %d levels).",
				       LF_EXPR_MAX_DEPTH);
			return NULL;
		}
		lf_lexer_get(lx);
		struct lf_expr *e = parse_or_and(c);
		c->depth--;
		if (e && !lf_lexer_force_match(lx, LF_T_RPAREN)) {
			lf_expr_free(e);
			return NULL;
		}
		*atomic = true;
		return e;
	}
	if (lx->tok.type == LF_T_ID) {
		*atomic = true;
		return parse_id_primary(c);
	}
	if (lx->tok.type == LF_T_INTEGER || lx->tok.type == LF_T_MASKED_INTEGER ||
	    lx->tok.type == LF_T_STRING || lx->tok.type == LF_T_LCURLY ||
	    lx->tok.type == LF_T_MACRO || lx->tok.type == LF_T_PORT_GROUP) {
		*atomic = true;
		return parse_const_primary(c);
	}
	lf_lexer_syntax_error(lx, "expecting a field, a constant, `(' or `!'");
	return NULL;
}

static struct lf_expr *parse_not(struct pctx *c)
{
	bool atomic;
	if (c->lx->tok.type != LF_T_LOG_NOT)
		return parse_primary(c, &atomic);
	if (++c->depth > LF_EXPR_MAX_DEPTH) {
		lf_lexer_error(c->lx, "Expression nesting too deep (more than %d levels).",
			       LF_EXPR_MAX_DEPTH);
		return NULL;
	}
	lf_lexer_get(c->lx);
	c->neg = !c->neg;
	struct lf_expr *e =
	    c->lx->tok.type == LF_T_LOG_NOT ? parse_not(c) : parse_primary(c, &atomic);
	c->neg = !c->neg;
	c->depth--;
	return e;
}

static struct lf_expr *parse_or_and(struct pctx *c)
{
	struct lf_lexer *lx = c->lx;
	struct lf_expr *e = parse_not(c);
	if (!e)
		return NULL;
	enum lf_tok op = lx->tok.type;
	if (op != LF_T_LOG_AND && op != LF_T_LOG_OR)
		return e;
	/* under `!', a && b is !a || !b */
	enum lf_expr_type t = (op == LF_T_LOG_AND) != c->neg ? LF_E_AND : LF_E_OR;
	while (lf_lexer_match(lx, op)) {
		struct lf_expr *e2 = parse_not(c);
		if (!e2) {
			lf_expr_free(e);
			return NULL;
		}
		e = combine(t, e, e2);
	}
	if (lx->tok.type == LF_T_LOG_AND || lx->tok.type == LF_T_LOG_OR) {
		lf_lexer_error(lx, "&& and || must be parenthesized when used together.");
		lf_expr_free(e);
		return NULL;
	}
	return e;
}

struct lf_expr *lf_expr_parse(struct lf_lexer *lx, const struct lf_expr_ctx *ctx)
{
	struct pctx c = {.lx = lx, .uc = ctx};
	struct lf_expr *e = parse_or_and(&c);
	if (e && lf_lexer_failed(lx)) { /* an error recorded without failing the parse */
		lf_expr_free(e);
		e = NULL;
	}
	return e;
}

struct lf_expr *lf_expr_parse_string(const char *text, const struct lf_expr_ctx *ctx, char **err,
				     size_t *err_pos)
{
	struct lf_lexer lx;
	lf_lexer_init(&lx, text);
	lf_lexer_get(&lx);
	struct lf_expr *e = lf_expr_parse(&lx, ctx);
	if (e && !lf_lexer_force_end(&lx)) {
		lf_expr_free(e);
		e = NULL;
	}
	if (!e && !lx.error)
		lf_lexer_syntax_error(&lx, NULL);
	if (err)
		*err = e ? NULL : lf_lexer_steal_error(&lx);
	if (err_pos)
		*err_pos = e ? 0 : lx.error_pos;
	lf_lexer_destroy(&lx);
	return e;
}

/* ---- printing ---- */

static void expr_print(struct sbuf *b, const struct lf_expr *e)
{
	char v[128];
	switch (e->type) {
	case LF_E_CMP: {
		unsigned rel = e->ofs - e->sym->ofs;
		sb_add(b, "%s", e->sym->name);
		if (rel || e->width != e->sym->width)
			sb_add(b, e->width == 1 ? "[%u]" : "[%u..%u]", rel, rel + e->width - 1);
		if (e->mask == lf_u128_ones(e->width))
			lf_value_format(e->value, e->fmt, v, sizeof v);
		else
			lf_masked_format(e->value, e->mask, e->fmt, e->width, v, sizeof v);
		sb_add(b, " %s %s", relop_str(e->op), v);
		break;
	}
	case LF_E_STR: sb_add(b, "%s %s \"%s\"", e->sym->name, relop_str(e->op), e->s); break;
	case LF_E_CHASSIS:
		sb_add(b, "%sis_chassis_resident(\"%s\")", e->neg ? "!" : "", e->s);
		break;
	case LF_E_BOOL: sb_add(b, "%d", e->b); break;
	case LF_E_AND:
	case LF_E_OR:
		sb_add(b, "(");
		for (size_t i = 0; i < e->n; i++) {
			if (i)
				sb_add(b, e->type == LF_E_AND ? " && " : " || ");
			expr_print(b, e->sub[i]);
		}
		sb_add(b, ")");
		break;
	}
}

char *lf_expr_to_string(const struct lf_expr *e)
{
	struct sbuf b = {0};
	sb_add(&b, "%s", "");
	expr_print(&b, e);
	return b.s;
}
