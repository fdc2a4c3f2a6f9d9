/* SPDX-License-Identifier: Apache-2.0 */
/* Basic actions: next, output, push/pop, ip.ttl--, clone { }. (Assignments are in
 * act_parse.c; drop is the empty action list.) */
#include "lflow/act_int.h"

static void parse_next(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	int cur = c->pp ? c->pp->cur_table : 0;
	int n_tables = c->pp ? c->pp->n_tables : 0;
	enum lflow_pipeline own = c->pp ? c->pp->pipeline : LFLOW_P_INGRESS;
	enum lflow_pipeline pipeline = own;
	int table = cur + 1;

	if (lf_lexer_match(lx, LF_T_LPAREN)) {
		if (lf_lexer_is_int(lx)) {
			lf_lexer_get_int(lx, &table);
		} else {
			do {
				if (lf_lexer_match_id(lx, "pipeline")) {
					if (!lf_lexer_force_match(lx, LF_T_EQUALS))
						return;
					if (lf_lexer_match_id(lx, "ingress")) {
						pipeline = LFLOW_P_INGRESS;
					} else if (lf_lexer_match_id(lx, "egress")) {
						pipeline = LFLOW_P_EGRESS;
					} else {
						lf_lexer_syntax_error(lx,
								      "expecting \"ingress\" or "
								      "\"egress\"");
						return;
					}
				} else if (lf_lexer_match_id(lx, "table")) {
					if (!lf_lexer_force_match(lx, LF_T_EQUALS))
						return;
					if (!lf_lexer_get_int(lx, &table)) {
						lf_lexer_syntax_error(lx,
								      "expecting small integer");
						return;
					}
				} else {
					lf_lexer_syntax_error(
					    lx, "expecting \"pipeline\" or \"table\"");
					return;
				}
			} while (lf_lexer_match(lx, LF_T_COMMA));
		}
		if (!lf_lexer_force_match(lx, LF_T_RPAREN))
			return;
	}
	if ((n_tables > 0 && table >= n_tables) || table > UINT16_MAX) {
		lf_lexer_error(lx, "\"next\" action cannot advance beyond table %d.",
			       n_tables > 0 ? n_tables - 1 : UINT16_MAX);
		return;
	}
	uint32_t stage = LFLOW_STR_NONE;
	if (c->pp && c->pp->stage_name) {
		const char *name = c->pp->stage_name(c->pp->aux, pipeline, table);
		if (!name) {
			lf_lexer_error(lx,
				       "\"next\" action names table %d of the %s pipeline, which "
				       "has no stage.",
				       table, pipeline == LFLOW_P_EGRESS ? "egress" : "ingress");
			return;
		}
		stage = act_str_add(c->b, name);
	}
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_NEXT);
	in->u.next.stage = stage;
	in->u.next.pipeline = (uint8_t)pipeline;
	in->u.next.table = (uint16_t)table;
	if (pipeline != own)
		in->flags |= LFLOW_NEXT_F_OTHER_PIPELINE;
	else if (table == cur + 1)
		in->flags |= LFLOW_NEXT_F_FOLLOWING;
}

static void parse_push_pop(struct act_ctx *c, bool push)
{
	struct lf_lexer *lx = c->lx;
	struct lflow_fref f;
	if (!lf_lexer_force_match(lx, LF_T_LPAREN) || !act_field_parse(c, &f) ||
	    !act_check_field(c, &f, f.n_bits, !push) || !lf_lexer_force_match(lx, LF_T_RPAREN))
		return;
	act_block_add(c->b, c->blk, push ? LFLOW_OP_PUSH : LFLOW_OP_POP)->dst = f;
}

bool act_parse_basic(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	if (lf_lexer_match_id(lx, "next")) {
		parse_next(c);
	} else if (lf_lexer_match_id(lx, "output")) {
		act_block_add(c->b, c->blk, LFLOW_OP_OUTPUT);
	} else if (lf_lexer_match_id(lx, "push")) {
		parse_push_pop(c, true);
	} else if (lf_lexer_match_id(lx, "pop")) {
		parse_push_pop(c, false);
	} else if (lf_lexer_match_id(lx, "ip.ttl")) {
		if (lf_lexer_force_match(lx, LF_T_DECREMENT)) {
			act_block_add(c->b, c->blk, LFLOW_OP_DEC_TTL);
			act_prereqs_add(&c->prereqs, "ip");
		}
	} else if (lf_lexer_match_id(lx, "clone")) {
		act_parse_nested(c, LFLOW_OP_CLONE, NULL, ACT_WR_DEFAULT);
	} else {
		return false;
	}
	return true;
}
