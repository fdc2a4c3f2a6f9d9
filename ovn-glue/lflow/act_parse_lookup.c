/* SPDX-License-Identifier: Apache-2.0 */
/* Lookups and checks: get_arp, put_arp, lookup_arp, lookup_arp_ip, get_nd, put_nd,
 * lookup_nd, lookup_nd_ip, put_fdb, get_fdb, lookup_fdb, check_in_port_sec,
 * check_out_port_sec, chk_lb_hairpin, chk_lb_hairpin_reply, check_pkt_larger,
 * handle_svc_check, commit_ecmp_nh, chk_ecmp_nh, chk_ecmp_nh_mac. */
#include <string.h>

#include "brint/util.h"
#include "lflow/act_int.h"

/* Fields of the given widths (0: a string field), separated by commas, then `)`; each one
 * becomes a FIELD operand of in. The `(` has been consumed. */
static bool parse_field_list(struct act_ctx *c, struct lflow_insn *in, const unsigned *widths,
			     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct lflow_fref f;
		if (i && !lf_lexer_force_match(c->lx, LF_T_COMMA))
			return false;
		if (!act_parse_field_arg(c, widths[i], &f))
			return false;
		act_arg_add(c->b, in, LFLOW_ARG_FIELD)->field = f;
	}
	return lf_lexer_force_match(c->lx, LF_T_RPAREN);
}

void act_parse_result(struct act_ctx *c, const struct lflow_fref *dst, enum lflow_op op,
		      const char *prereq)
{
	struct lf_lexer *lx = c->lx;
	lf_lexer_get(lx); /* the name */
	lf_lexer_get(lx); /* ( */
	if (!lf_lexer_match(lx, LF_T_RPAREN)) {
		lf_lexer_error(lx, "%s doesn't take any parameters", lflow_op_name(op));
		return;
	}
	if (!act_check_field(c, dst, 1, true))
		return;
	act_block_add(c->b, c->blk, op)->dst = *dst;
	act_prereqs_add(&c->prereqs, prereq);
}

static const unsigned port_ip4[] = {0, 32}, port_ip4_mac[] = {0, 32, 48};
static const unsigned port_ip6[] = {0, 128}, port_ip6_mac[] = {0, 128, 48};
static const unsigned port_mac[] = {0, 48}, port_only[] = {0}, mac_only[] = {48};

static bool parse_bool_word(struct act_ctx *c, uint8_t *v)
{
	struct lf_lexer *lx = c->lx;
	const char *w = lx->tok.type == LF_T_ID || lx->tok.type == LF_T_STRING ? lx->tok.s : NULL;
	if (w && !strcmp(w, "true"))
		*v = 1;
	else if (w && !strcmp(w, "false"))
		*v = 0;
	else {
		lf_lexer_syntax_error(lx, "expecting true or false");
		return false;
	}
	lf_lexer_get(lx);
	return true;
}

/* commit_ecmp_nh(ipv6 = true|false, proto = tcp|udp|sctp) */
static void parse_commit_ecmp_nh(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_COMMIT_ECMP_NH);
	if (!lf_lexer_force_match(lx, LF_T_LPAREN))
		return;
	if (!lf_lexer_match_id(lx, "ipv6") || !lf_lexer_match(lx, LF_T_EQUALS)) {
		lf_lexer_syntax_error(lx, "invalid parameter");
		return;
	}
	if (!parse_bool_word(c, &in->u.commit_ecmp_nh.ipv6) ||
	    !lf_lexer_force_match(lx, LF_T_COMMA))
		return;
	if (!lf_lexer_match_id(lx, "proto") || !lf_lexer_match(lx, LF_T_EQUALS)) {
		lf_lexer_syntax_error(lx, "invalid parameter");
		return;
	}
	if (lf_lexer_match_id(lx, "tcp"))
		in->u.commit_ecmp_nh.proto = 6;
	else if (lf_lexer_match_id(lx, "udp"))
		in->u.commit_ecmp_nh.proto = 17;
	else if (lf_lexer_match_id(lx, "sctp"))
		in->u.commit_ecmp_nh.proto = 132;
	else {
		lf_lexer_syntax_error(lx, "invalid protocol");
		return;
	}
	lf_lexer_force_match(lx, LF_T_RPAREN);
}

bool act_parse_lookup(struct act_ctx *c)
{
	static const struct {
		const char *name;
		enum lflow_op op;
		const unsigned *widths;
		size_t n;
	} calls[] = {
	    {"get_arp", LFLOW_OP_GET_ARP, port_ip4, 2},
	    {"put_arp", LFLOW_OP_PUT_ARP, port_ip4_mac, 3},
	    {"get_nd", LFLOW_OP_GET_ND, port_ip6, 2},
	    {"put_nd", LFLOW_OP_PUT_ND, port_ip6_mac, 3},
	    {"put_fdb", LFLOW_OP_PUT_FDB, port_mac, 2},
	    {"handle_svc_check", LFLOW_OP_HANDLE_SVC_CHECK, port_only, 1},
	};
	struct lf_lexer *lx = c->lx;
	for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
		if (lf_lexer_match_id(lx, calls[i].name)) {
			struct lflow_insn *in = act_block_add(c->b, c->blk, calls[i].op);
			if (lf_lexer_force_match(lx, LF_T_LPAREN))
				parse_field_list(c, in, calls[i].widths, calls[i].n);
			return true;
		}
	}
	if (lf_lexer_match_id(lx, "commit_ecmp_nh")) {
		parse_commit_ecmp_nh(c);
		return true;
	}
	return false;
}

/* dst = lookup_arp(...) and the other lookups with arguments. */
static void parse_lookup_call(struct act_ctx *c, const struct lflow_fref *dst, enum lflow_op op,
			      unsigned dst_bits, const unsigned *widths, size_t n)
{
	if (!act_check_field(c, dst, dst_bits, true))
		return;
	lf_lexer_get(c->lx); /* the name */
	lf_lexer_get(c->lx); /* ( */
	struct lflow_insn *in = act_block_add(c->b, c->blk, op);
	in->dst = *dst;
	parse_field_list(c, in, widths, n);
}

static void parse_check_pkt_larger(struct act_ctx *c, const struct lflow_fref *dst)
{
	struct lf_lexer *lx = c->lx;
	uint64_t len;
	if (!act_check_field(c, dst, 1, true))
		return;
	lf_lexer_get(lx); /* check_pkt_larger */
	if (!lf_lexer_force_match(lx, LF_T_LPAREN) ||
	    !act_parse_uint(c, INT32_MAX, "packet length", &len) ||
	    !lf_lexer_force_match(lx, LF_T_RPAREN))
		return;
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_CHECK_PKT_LARGER);
	in->dst = *dst;
	in->u.check_pkt_larger.pkt_len = (uint32_t)len;
}

bool act_lookup_result(struct act_ctx *c, const struct lflow_fref *dst)
{
	static const struct {
		const char *name;
		enum lflow_op op;
	} flags[] = {
	    {"check_in_port_sec", LFLOW_OP_CHECK_IN_PORT_SEC},
	    {"check_out_port_sec", LFLOW_OP_CHECK_OUT_PORT_SEC},
	    {"chk_lb_hairpin", LFLOW_OP_CHK_LB_HAIRPIN},
	    {"chk_lb_hairpin_reply", LFLOW_OP_CHK_LB_HAIRPIN_REPLY},
	    {"chk_ecmp_nh_mac", LFLOW_OP_CHK_ECMP_NH_MAC},
	    {"chk_ecmp_nh", LFLOW_OP_CHK_ECMP_NH},
	};
	struct lf_lexer *lx = c->lx;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		if (lf_lexer_is_id(lx, flags[i].name)) {
			act_parse_result(c, dst, flags[i].op, NULL);
			return true;
		}
	}
	if (lf_lexer_is_id(lx, "lookup_arp"))
		parse_lookup_call(c, dst, LFLOW_OP_LOOKUP_ARP, 1, port_ip4_mac, 3);
	else if (lf_lexer_is_id(lx, "lookup_arp_ip"))
		parse_lookup_call(c, dst, LFLOW_OP_LOOKUP_ARP_IP, 1, port_ip4, 2);
	else if (lf_lexer_is_id(lx, "lookup_nd"))
		parse_lookup_call(c, dst, LFLOW_OP_LOOKUP_ND, 1, port_ip6_mac, 3);
	else if (lf_lexer_is_id(lx, "lookup_nd_ip"))
		parse_lookup_call(c, dst, LFLOW_OP_LOOKUP_ND_IP, 1, port_ip6, 2);
	else if (lf_lexer_is_id(lx, "lookup_fdb"))
		parse_lookup_call(c, dst, LFLOW_OP_LOOKUP_FDB, 1, port_mac, 2);
	else if (lf_lexer_is_id(lx, "get_fdb"))
		parse_lookup_call(c, dst, LFLOW_OP_GET_FDB, dst->n_bits ? 32 : 0, mac_only, 1);
	else if (lf_lexer_is_id(lx, "check_pkt_larger"))
		parse_check_pkt_larger(c, dst);
	else
		return false;
	return true;
}
