/* SPDX-License-Identifier: Apache-2.0 */
/* Constant sets and `name = value` option lists (put_dhcp_opts, put_dhcpv6_opts,
 * put_nd_ra_opts, trigger_event), checked against the option tables of act_opts.c. */
#include <string.h>

#include "lflow/act_int.h"

/* One constant as an operand of in; *is_str gets its type (or must match it if set). */
static bool parse_const(struct act_ctx *c, struct lflow_insn *in, int *type)
{
	struct lf_lexer *lx = c->lx;
	const struct lf_token *t = &lx->tok;
	int ty;
	if (t->type == LF_T_TEMPLATE) {
		lf_lexer_error(lx, "Unexpanded template.");
		return false;
	}
	if (t->type == LF_T_STRING)
		ty = 1;
	else if (t->type == LF_T_INTEGER || t->type == LF_T_MASKED_INTEGER)
		ty = 0;
	else {
		lf_lexer_syntax_error(lx, "expecting constant");
		return false;
	}
	if (*type >= 0 && *type != ty) {
		lf_lexer_syntax_error(lx, "expecting %s", *type ? "string" : "integer");
		return false;
	}
	*type = ty;
	if (ty) {
		act_arg_add(c->b, in, LFLOW_ARG_STR)->str = act_str_add(c->b, t->s);
	} else {
		struct lflow_arg *a = act_arg_add(c->b, in, LFLOW_ARG_CONST);
		a->value = t->value;
		a->fmt = (uint8_t)t->format;
		if (t->type == LF_T_MASKED_INTEGER) {
			a->masked = 1;
			a->mask = t->mask;
		}
	}
	lf_lexer_get(lx);
	return true;
}

int act_parse_const_set(struct act_ctx *c, struct lflow_insn *in, bool *braced, bool *is_str)
{
	struct lf_lexer *lx = c->lx;
	int type = -1, n = 0;
	*braced = false;
	if (lf_lexer_match(lx, LF_T_LCURLY)) {
		*braced = true;
		do {
			if (n == UINT16_MAX) {
				lf_lexer_error(lx, "Too many values in a set.");
				return -1;
			}
			if (!parse_const(c, in, &type))
				return -1;
			n++;
			lf_lexer_match(lx, LF_T_COMMA);
		} while (!lf_lexer_match(lx, LF_T_RCURLY));
	} else {
		if (!parse_const(c, in, &type))
			return -1;
		n = 1;
	}
	*is_str = type == 1;
	return n;
}

bool act_parse_opts(struct act_ctx *c, struct lflow_insn *in, enum lflow_opt_table t,
		    const char *what)
{
	struct lf_lexer *lx = c->lx;
	while (!lf_lexer_match(lx, LF_T_RPAREN)) {
		if (lx->tok.type != LF_T_ID) {
			lf_lexer_syntax_error(lx, NULL);
			return false;
		}
		int idx = lflow_opt_find(t, lx->tok.s);
		if (idx < 0) {
			lf_lexer_syntax_error(lx, "expecting %s option name", what);
			return false;
		}
		const struct lflow_opt *o = lflow_opt_get(t, (unsigned)idx);
		lf_lexer_get(lx);
		if (!lf_lexer_force_match(lx, LF_T_EQUALS))
			return false;
		struct lflow_arg *oa = act_arg_add(c->b, in, LFLOW_ARG_OPT);
		uint32_t oi = (uint32_t)(oa - c->b->args);
		oa->fmt = (uint8_t)t;
		oa->key = (uint16_t)idx;
		bool braced, is_str;
		int n = act_parse_const_set(c, in, &braced, &is_str);
		if (n < 0)
			return false;
		if (!c->b->oom) {
			c->b->args[oi].n = (uint16_t)n;
			c->b->args[oi].braced = braced;
		}
		if (o->type == LFLOW_OT_STR || o->type == LFLOW_OT_DOMAINS) {
			if (!is_str) {
				lf_lexer_error(lx, "%s option %s requires string value.", what,
					       o->name);
				return false;
			}
		} else if (o->type != LFLOW_OT_HOST_ID && is_str) {
			lf_lexer_error(lx, "%s option %s requires numeric value.", what, o->name);
			return false;
		}
		lf_lexer_match(lx, LF_T_COMMA);
	}
	return true;
}
