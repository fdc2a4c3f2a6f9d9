/* SPDX-License-Identifier: Apache-2.0 */
/* The action parser's core: action lists, nested blocks, the dispatch to the families,
 * assignments (`=`, `<->`, loads of constants) and constant sets. */
#include <stdlib.h>
#include <string.h>

#include "lflow/act_int.h"
#include "lflow/symtab.h"

void act_parse_nested(struct act_ctx *c, enum lflow_op op, const char *prereq, unsigned scope)
{
	struct lf_lexer *lx = c->lx;
	size_t brace = lx->tok.pos;
	if (!lf_lexer_force_match(lx, LF_T_LCURLY))
		return;
	if (c->depth + 1 >= LFLOW_ACT_MAX_DEPTH) {
		act_error_at(c, brace, "maximum depth of nested actions reached");
		return;
	}
	struct act_block inner = {0};
	struct act_ctx ic = *c;
	ic.blk = &inner;
	memset(&ic.prereqs, 0, sizeof ic.prereqs);
	ic.depth = c->depth + 1;
	ic.scope = scope;
	ic.n_recent = 0;
	act_parse_actions(&ic, LF_T_RCURLY);
	if (prereq) {
		/* what the generated packet needs is the action's business, not the match's */
		act_prereqs_clear(&ic.prereqs);
		act_prereqs_add(&c->prereqs, prereq);
	} else {
		act_prereqs_merge(&c->prereqs, &ic.prereqs);
	}
	uint32_t n = inner.n;
	uint32_t first = act_block_commit(c->b, &inner);
	if (lf_lexer_failed(lx))
		return;
	struct lflow_insn *in = act_block_add(c->b, c->blk, op);
	in->sub = first;
	in->n_sub = n;
}

/* A constant (for a load into dst): string for string fields, integer otherwise. */
static unsigned const_width(const struct lf_token *t)
{
	if (t->type == LF_T_MASKED_INTEGER) {
		unsigned w = 0;
		for (lf_u128 m = t->mask; m; m >>= 1)
			w++;
		return w;
	}
	switch (t->format) {
	case LF_F_IPV4: return 32;
	case LF_F_IPV6: return 128;
	case LF_F_ETHERNET: return 48;
	default: {
		unsigned w = 0;
		for (lf_u128 v = t->value; v; v >>= 1)
			w++;
		return w;
	}
	}
}

void act_parse_load(struct act_ctx *c, const struct lflow_fref *dst)
{
	struct lf_lexer *lx = c->lx;
	const struct lf_symbol *s = act_sym(dst->sym);
	if (!act_check_field(c, dst, dst->n_bits, true))
		return;
	const struct lf_token *t = &lx->tok;
	if (t->type == LF_T_TEMPLATE) {
		lf_lexer_error(lx, "Unexpanded template.");
		return;
	}
	if (t->type == LF_T_STRING) {
		if (dst->n_bits) {
			lf_lexer_error(lx,
				       "Integer field %s is not compatible with string "
				       "constant.",
				       s->name);
			return;
		}
		struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_LOAD);
		in->dst = *dst;
		act_arg_add(c->b, in, LFLOW_ARG_STR)->str = act_str_add(c->b, t->s);
		lf_lexer_get(lx);
		return;
	}
	if (t->type != LF_T_INTEGER && t->type != LF_T_MASKED_INTEGER) {
		lf_lexer_syntax_error(lx, "expecting constant");
		return;
	}
	if (!dst->n_bits) {
		lf_lexer_error(lx, "String field %s is not compatible with integer constant.",
			       s->name);
		return;
	}
	unsigned w = const_width(t);
	bool addr = t->type == LF_T_INTEGER && (t->format == LF_F_IPV4 || t->format == LF_F_IPV6 ||
						t->format == LF_F_ETHERNET);
	if (w > dst->n_bits || (addr && w != dst->n_bits)) {
		struct act_buf fb = {0};
		act_format_field(&fb, dst);
		if (addr)
			lf_lexer_error(lx, "Can't assign %u-bit %s constant to %u-bit field %s.", w,
				       lf_fmt_name(t->format), dst->n_bits, fb.s ? fb.s : "");
		else
			lf_lexer_error(lx,
				       "%u-bit constant is not compatible with %u-bit field %s.", w,
				       dst->n_bits, fb.s ? fb.s : "");
		act_buf_free(&fb);
		return;
	}
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_LOAD);
	in->dst = *dst;
	struct lflow_arg *a = act_arg_add(c->b, in, LFLOW_ARG_CONST);
	a->value = t->value;
	a->fmt = (uint8_t)t->format;
	if (t->type == LF_T_MASKED_INTEGER) {
		a->masked = 1;
		a->mask = t->mask;
	}
	lf_lexer_get(lx);
}

void act_parse_assignment(struct act_ctx *c, const struct lflow_fref *dst, bool exchange)
{
	struct lflow_fref src;
	if (!act_field_parse(c, &src))
		return;
	const struct lf_symbol *ls = act_sym(dst->sym), *rs = act_sym(src.sym);
	bool lstr = ls->type == LF_SYM_STRING, rstr = rs->type == LF_SYM_STRING;
	size_t at = act_field_pos(c, &src);
	if (lstr != rstr) {
		if (exchange)
			act_error_at(c, at, "Can't exchange %s field (%s) with %s field (%s).",
				     lstr ? "string" : "integer", ls->name,
				     rstr ? "string" : "integer", rs->name);
		else
			act_error_at(c, at, "Can't assign %s field (%s) to %s field (%s).",
				     rstr ? "string" : "integer", rs->name,
				     lstr ? "string" : "integer", ls->name);
		return;
	}
	if (dst->n_bits != src.n_bits) {
		if (exchange)
			act_error_at(c, at, "Can't exchange %u-bit field with %u-bit field.",
				     dst->n_bits, src.n_bits);
		else
			act_error_at(c, at, "Can't assign %u-bit value to %u-bit destination.",
				     src.n_bits, dst->n_bits);
		return;
	}
	if (lstr && ls->width != rs->width) {
		act_error_at(c, at, "String fields %s and %s are incompatible for %s.", ls->name,
			     rs->name, exchange ? "exchange" : "assignment");
		return;
	}
	if (!act_check_field(c, dst, dst->n_bits, true) ||
	    !act_check_field(c, &src, src.n_bits, exchange))
		return;
	struct lflow_insn *in =
	    act_block_add(c->b, c->blk, exchange ? LFLOW_OP_EXCHANGE : LFLOW_OP_MOVE);
	in->dst = *dst;
	in->src = src;
}

/* `dst = ...`, `dst <-> ...`, `dst = fn(...)`. */
static void parse_set_action(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	struct lflow_fref dst;
	if (!act_field_parse(c, &dst))
		return;
	if (lf_lexer_match(lx, LF_T_EXCHANGE)) {
		act_parse_assignment(c, &dst, true);
	} else if (lf_lexer_match(lx, LF_T_EQUALS)) {
		if (lx->tok.type != LF_T_ID) {
			act_parse_load(c, &dst);
		} else if (lf_lexer_lookahead(lx) == LF_T_LPAREN &&
			   (act_ct_result(c, &dst) || act_lookup_result(c, &dst) ||
			    act_service_result(c, &dst))) {
			/* parsed */
		} else {
			act_parse_assignment(c, &dst, false);
		}
	} else {
		lf_lexer_syntax_error(lx, "expecting `=' or `<->'");
	}
}

static bool parse_action(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	if (lx->tok.type == LF_T_TEMPLATE) {
		lf_lexer_error(lx, "Unexpanded template.");
		return false;
	}
	if (lx->tok.type != LF_T_ID) {
		lf_lexer_syntax_error(lx, NULL);
		return false;
	}
	enum lf_tok la = lf_lexer_lookahead(lx);
	if (la == LF_T_EQUALS || la == LF_T_EXCHANGE || la == LF_T_LSQUARE)
		parse_set_action(c);
	else if (la == LF_T_SEMICOLON && lf_lexer_match_id(lx, "drop"))
		act_block_add(c->b, c->blk, LFLOW_OP_DROP);
	else if (!act_parse_basic(c) && !act_parse_pktgen(c) && !act_parse_ct(c) &&
		 !act_parse_lookup(c) && !act_parse_service(c))
		lf_lexer_syntax_error(lx, "expecting action");
	if (c->b->oom && !lf_lexer_failed(lx))
		lf_lexer_error(lx, "out of memory");
	lf_lexer_force_match(lx, LF_T_SEMICOLON);
	return !lf_lexer_failed(lx);
}

static bool match_sentinel(struct lf_lexer *lx, enum lf_tok sentinel)
{
	if (sentinel == LF_T_END)
		return lx->tok.type == LF_T_END;
	return lf_lexer_match(lx, sentinel);
}

void act_parse_actions(struct act_ctx *c, enum lf_tok sentinel)
{
	struct lf_lexer *lx = c->lx;
	/* "drop;" alone is the empty action list; it does not combine with others */
	if (lf_lexer_is_id(lx, "drop") && lf_lexer_lookahead(lx) == LF_T_SEMICOLON) {
		lf_lexer_get(lx);
		lf_lexer_get(lx);
		if (sentinel == LF_T_END)
			lf_lexer_force_end(lx);
		else
			lf_lexer_force_match(lx, sentinel);
		return;
	}
	while (!match_sentinel(lx, sentinel)) {
		if (lx->tok.type == LF_T_END && sentinel != LF_T_END) {
			lf_lexer_syntax_error(lx, "expecting `%s'", lf_tok_name(sentinel));
			return;
		}
		if (!parse_action(c))
			return;
		/* a drop after other actions ends the list */
		if (c->blk->n && c->blk->v[c->blk->n - 1].op == LFLOW_OP_DROP &&
		    lx->tok.type != sentinel) {
			lf_lexer_syntax_error(lx, sentinel == LF_T_END ? "expecting end of input"
								       : "expecting `}'");
			return;
		}
	}
}

struct lflow_prog *lflow_act_parse(const char *text, const struct lflow_act_params *pp, char **errp,
				   size_t *err_pos)
{
	struct lf_lexer lx;
	struct act_builder b;
	struct act_block top = {0};
	memset(&b, 0, sizeof b);
	lf_lexer_init(&lx, text ? text : "");
	lf_lexer_get(&lx);
	struct act_ctx c = {
	    .lx = &lx,
	    .pp = pp,
	    .b = &b,
	    .blk = &top,
	    .depth = 0,
	    .scope = ACT_WR_DEFAULT,
	};
	act_parse_actions(&c, LF_T_END);
	uint32_t n_top = top.n;
	uint32_t first = act_block_commit(&b, &top);
	if (b.oom && !lf_lexer_failed(&lx))
		lf_lexer_error(&lx, "out of memory");

	struct lflow_prog *prog = NULL;
	if (!lf_lexer_failed(&lx)) {
		char *pre = act_prereqs_join(&c.prereqs);
		prog = act_builder_finish(&b, first, n_top, pre);
		free(pre);
		if (!prog)
			lf_lexer_error(&lx, "out of memory");
	}
	if (!prog) {
		if (err_pos)
			*err_pos = lx.error_pos;
		if (errp)
			*errp = lf_lexer_steal_error(&lx);
	} else {
		if (errp)
			*errp = NULL;
		if (err_pos)
			*err_pos = 0;
	}
	act_prereqs_clear(&c.prereqs);
	act_builder_destroy(&b);
	lf_lexer_destroy(&lx);
	return prog;
}
