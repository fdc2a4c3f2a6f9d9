/* SPDX-License-Identifier: Apache-2.0 */
/* Connection tracking and load balancing: ct_next, ct_commit (v1 and { }), ct_dnat,
 * ct_snat, ct_dnat_in_czone, ct_snat_in_czone, ct_commit_nat, ct_clear, ct_snat_to_vip,
 * ct_lb, ct_lb_mark, select, commit_lb_aff, chk_lb_aff. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lflow/act_int.h"

/* ct_commit(ct_mark=V[/M], ct_label=V[/M]): the legacy form. */
static void parse_ct_commit_v1(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_CT_COMMIT_V1);
	while (!lf_lexer_match(lx, LF_T_RPAREN)) {
		bool mark = lf_lexer_match_id(lx, "ct_mark");
		if (!mark && !lf_lexer_match_id(lx, "ct_label")) {
			lf_lexer_syntax_error(lx, NULL);
			return;
		}
		if (!lf_lexer_force_match(lx, LF_T_EQUALS))
			return;
		const struct lf_token *t = &lx->tok;
		if (t->type != LF_T_INTEGER && t->type != LF_T_MASKED_INTEGER) {
			lf_lexer_syntax_error(lx, "expecting integer");
			return;
		}
		lf_u128 m =
		    t->type == LF_T_MASKED_INTEGER ? t->mask : lf_u128_ones(mark ? 32 : 128);
		if (mark) {
			if ((t->value | m) >> 32) {
				lf_lexer_error(lx, "ct_mark is 32 bits wide.");
				return;
			}
			in->u.ct_commit_v1.mark = (uint32_t)t->value;
			in->u.ct_commit_v1.mark_mask = (uint32_t)m;
		} else {
			struct lflow_arg *a;
			if (in->u.ct_commit_v1.has_label) {
				a = (struct lflow_arg *)&c->b->args[in->arg];
			} else {
				a = act_arg_add(c->b, in, LFLOW_ARG_CONST);
				in->u.ct_commit_v1.has_label = 1;
			}
			a->value = t->value;
			a->mask = m;
			a->masked = t->type == LF_T_MASKED_INTEGER;
			a->fmt = LF_F_HEX;
		}
		lf_lexer_get(lx);
		if (lf_lexer_failed(lx))
			return;
		lf_lexer_match(lx, LF_T_COMMA);
	}
	act_prereqs_add(&c->prereqs, "ip");
}

static void parse_ct_commit(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	if (lx->tok.type == LF_T_LCURLY) {
		act_parse_nested(c, LFLOW_OP_CT_COMMIT, "ip", ACT_WR_CT_COMMIT);
	} else if (lf_lexer_match(lx, LF_T_LPAREN)) {
		parse_ct_commit_v1(c);
	} else {
		act_block_add(c->b, c->blk, LFLOW_OP_CT_COMMIT);
		act_prereqs_add(&c->prereqs, "ip");
	}
}

/* ct_dnat / ct_snat / *_in_czone [(IP[, LO[-HI]])] */
static void parse_ct_nat(struct act_ctx *c, enum lflow_op op)
{
	struct lf_lexer *lx = c->lx;
	act_prereqs_add(&c->prereqs, "ip");
	struct lflow_insn *in = act_block_add(c->b, c->blk, op);
	if (!lf_lexer_match(lx, LF_T_LPAREN))
		return;
	const struct lf_token *t = &lx->tok;
	if (t->type != LF_T_INTEGER || (t->format != LF_F_IPV4 && t->format != LF_F_IPV6)) {
		lf_lexer_syntax_error(lx, "expecting IPv4 or IPv6 address");
		return;
	}
	in->u.nat.family = t->format == LF_F_IPV4 ? 4 : 6;
	struct lflow_arg *a = act_arg_add(c->b, in, LFLOW_ARG_CONST);
	a->value = t->value;
	a->fmt = (uint8_t)t->format;
	lf_lexer_get(lx);
	if (lf_lexer_match(lx, LF_T_COMMA)) {
		if (t->type != LF_T_INTEGER || t->format != LF_F_DECIMAL || t->value > 65535) {
			lf_lexer_syntax_error(lx, "expecting Integer for port range");
			return;
		}
		if (t->value == 0) {
			lf_lexer_syntax_error(lx, "range can't be 0");
			return;
		}
		in->u.nat.port_lo = (uint16_t)t->value;
		in->u.nat.has_range = 1;
		lf_lexer_get(lx);
		if (lf_lexer_match(lx, LF_T_HYPHEN)) {
			if (t->type != LF_T_INTEGER || t->format != LF_F_DECIMAL ||
			    t->value > 65535) {
				lf_lexer_syntax_error(lx, "expecting Integer for port range");
				return;
			}
			if (t->value <= in->u.nat.port_lo) {
				lf_lexer_syntax_error(lx, "range high should be greater than range "
							  "low");
				return;
			}
			in->u.nat.port_hi = (uint16_t)t->value;
			lf_lexer_get(lx);
		}
	}
	lf_lexer_force_match(lx, LF_T_RPAREN);
}

static bool parse_backend(struct act_ctx *c, struct lflow_insn *in)
{
	struct lf_lexer *lx = c->lx;
	const struct lf_token *t = &lx->tok;
	uint64_t port = 0;
	lf_u128 ip;
	enum lf_fmt fmt;
	if (lf_lexer_match(lx, LF_T_LSQUARE)) {
		if (t->type != LF_T_INTEGER || t->format != LF_F_IPV6) {
			lf_lexer_syntax_error(lx, "expecting IPv6 address");
			return false;
		}
		ip = t->value;
		fmt = LF_F_IPV6;
		lf_lexer_get(lx);
		if (!lf_lexer_match(lx, LF_T_RSQUARE)) {
			lf_lexer_syntax_error(lx, "no closing square bracket");
			return false;
		}
		if (lf_lexer_match(lx, LF_T_COLON) &&
		    !act_parse_uint(c, 65535, "port number", &port))
			return false;
	} else {
		if (t->type != LF_T_INTEGER || (t->format != LF_F_IPV4 && t->format != LF_F_IPV6)) {
			lf_lexer_syntax_error(lx, "expecting IP address");
			return false;
		}
		ip = t->value;
		fmt = t->format;
		lf_lexer_get(lx);
		if (lf_lexer_match(lx, LF_T_COLON)) {
			if (fmt == LF_F_IPV6) {
				lf_lexer_syntax_error(lx, "IPv6 address needs square brackets if "
							  "port is included");
				return false;
			}
			if (!act_parse_uint(c, 65535, "port number", &port))
				return false;
		}
	}
	struct lflow_arg *a = act_arg_add(c->b, in, LFLOW_ARG_BACKEND);
	a->value = ip;
	a->fmt = (uint8_t)fmt;
	a->key = (uint16_t)port;
	return true;
}

/* ct_lb[_mark][(backends=IP[:PORT],...[; hash_fields="..."][; skip_snat|force_snat])] */
static void parse_ct_lb(struct act_ctx *c, enum lflow_op op)
{
	struct lf_lexer *lx = c->lx;
	act_prereqs_add(&c->prereqs, "ip");
	struct lflow_insn *in = act_block_add(c->b, c->blk, op);
	in->u.ct_lb.hash_fields = LFLOW_STR_NONE;
	if (!lf_lexer_match(lx, LF_T_LPAREN) || lf_lexer_match(lx, LF_T_RPAREN))
		return;
	if (!lf_lexer_match_id(lx, "backends") || !lf_lexer_match(lx, LF_T_EQUALS)) {
		lf_lexer_syntax_error(lx, "expecting backends");
		return;
	}
	bool more = false;
	for (;;) {
		if (lf_lexer_match(lx, LF_T_SEMICOLON)) {
			more = true;
			break;
		}
		if (lf_lexer_match(lx, LF_T_RPAREN))
			break;
		if (!parse_backend(c, in))
			return;
		lf_lexer_match(lx, LF_T_COMMA);
	}
	while (more) {
		if (lf_lexer_match_id(lx, "hash_fields")) {
			if (!lf_lexer_match(lx, LF_T_EQUALS) || lx->tok.type != LF_T_STRING) {
				lf_lexer_syntax_error(lx, "invalid hash_fields");
				return;
			}
			in->u.ct_lb.hash_fields = act_str_add(c->b, lx->tok.s);
			lf_lexer_get(lx);
		} else if (lf_lexer_match_id(lx, "skip_snat")) {
			in->u.ct_lb.flag = LFLOW_CT_LB_SKIP_SNAT;
		} else if (lf_lexer_match_id(lx, "force_snat")) {
			in->u.ct_lb.flag = LFLOW_CT_LB_FORCE_SNAT;
		} else {
			lf_lexer_syntax_error(lx, "expecting hash_fields, skip_snat or force_snat");
			return;
		}
		if (lf_lexer_match(lx, LF_T_RPAREN))
			break;
		if (!lf_lexer_force_match(lx, LF_T_SEMICOLON))
			return;
	}
}

/* "IP", "IP:PORT", "[IP6]" or "[IP6]:PORT" of a load balancer key. */
static bool parse_lb_key(const char *s, lf_u128 *ip, bool *v6, uint16_t *port)
{
	char buf[64];
	const char *addr = s, *ps = NULL;
	size_t len;
	if (*s == '[') {
		const char *e = strchr(s, ']');
		if (!e)
			return false;
		addr = s + 1;
		len = (size_t)(e - addr);
		if (e[1] == ':')
			ps = e + 2;
		else if (e[1])
			return false;
		*v6 = true;
	} else {
		const char *colon = strchr(s, ':');
		*v6 = colon && strchr(colon + 1, ':');
		if (colon && !*v6) {
			len = (size_t)(colon - s);
			ps = colon + 1;
		} else {
			len = strlen(s);
		}
	}
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, addr, len);
	buf[len] = '\0';
	unsigned char a[16];
	if (*v6) {
		if (inet_pton(AF_INET6, buf, a) != 1)
			return false;
		*ip = 0;
		for (int i = 0; i < 16; i++)
			*ip = (*ip << 8) | a[i];
	} else {
		if (inet_pton(AF_INET, buf, a) != 1)
			return false;
		*ip = ((lf_u128)a[0] << 24) | ((lf_u128)a[1] << 16) | ((lf_u128)a[2] << 8) | a[3];
	}
	*port = 0;
	if (ps) {
		char *end;
		unsigned long p = strtoul(ps, &end, 10);
		if (!*ps || *end || p == 0 || p > 65535)
			return false;
		*port = (uint16_t)p;
	}
	return true;
}

static bool parse_proto(struct act_ctx *c, uint8_t *proto)
{
	if (lf_lexer_match_id(c->lx, "tcp"))
		*proto = 6;
	else if (lf_lexer_match_id(c->lx, "udp"))
		*proto = 17;
	else if (lf_lexer_match_id(c->lx, "sctp"))
		*proto = 132;
	else {
		lf_lexer_syntax_error(c->lx, "invalid protocol");
		return false;
	}
	return true;
}

static bool parse_param(struct act_ctx *c, const char *name)
{
	if (!lf_lexer_match_id(c->lx, name) || !lf_lexer_match(c->lx, LF_T_EQUALS)) {
		lf_lexer_syntax_error(c->lx, "invalid parameter");
		return false;
	}
	return true;
}

/* commit_lb_aff(vip = "IP[:PORT]", backend = "IP[:PORT]"[, proto = P], timeout = N) */
static void parse_commit_lb_aff(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_COMMIT_LB_AFF);
	bool vip6 = false;
	if (!lf_lexer_force_match(lx, LF_T_LPAREN))
		return;
	for (int i = 0; i < 2; i++) {
		lf_u128 ip;
		bool v6;
		uint16_t port;
		if (!parse_param(c, i ? "backend" : "vip"))
			return;
		if (lx->tok.type != LF_T_STRING || !parse_lb_key(lx->tok.s, &ip, &v6, &port)) {
			lf_lexer_syntax_error(lx, "invalid parameter");
			return;
		}
		if (i && v6 != vip6) {
			lf_lexer_syntax_error(lx, "invalid protocol family");
			return;
		}
		vip6 = v6;
		struct lflow_arg *a = act_arg_add(c->b, in, LFLOW_ARG_BACKEND);
		a->value = ip;
		a->fmt = v6 ? LF_F_IPV6 : LF_F_IPV4;
		a->key = port;
		lf_lexer_get(lx);
		if (!lf_lexer_force_match(lx, LF_T_COMMA))
			return;
	}
	in->u.lb_aff.ipv6 = vip6;
	if (c->b->args[in->arg].key) {
		if (!parse_param(c, "proto") || !parse_proto(c, &in->u.lb_aff.proto) ||
		    !lf_lexer_force_match(lx, LF_T_COMMA))
			return;
	}
	uint64_t timeout;
	if (!parse_param(c, "timeout") || !act_parse_uint(c, 65535, "affinity timeout", &timeout))
		return;
	in->u.lb_aff.timeout = (uint16_t)timeout;
	lf_lexer_force_match(lx, LF_T_RPAREN);
}

bool act_parse_ct(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	static const struct {
		const char *name;
		enum lflow_op op;
	} nat[] = {
	    {"ct_dnat", LFLOW_OP_CT_DNAT},
	    {"ct_snat", LFLOW_OP_CT_SNAT},
	    {"ct_dnat_in_czone", LFLOW_OP_CT_DNAT_IN_CZONE},
	    {"ct_snat_in_czone", LFLOW_OP_CT_SNAT_IN_CZONE},
	};
	for (size_t i = 0; i < sizeof nat / sizeof nat[0]; i++) {
		if (lf_lexer_match_id(lx, nat[i].name)) {
			parse_ct_nat(c, nat[i].op);
			return true;
		}
	}
	if (lf_lexer_match_id(lx, "ct_next")) {
		act_block_add(c->b, c->blk, LFLOW_OP_CT_NEXT);
		act_prereqs_add(&c->prereqs, "ip");
	} else if (lf_lexer_match_id(lx, "ct_commit")) {
		parse_ct_commit(c);
	} else if (lf_lexer_match_id(lx, "ct_lb")) {
		parse_ct_lb(c, LFLOW_OP_CT_LB);
	} else if (lf_lexer_match_id(lx, "ct_lb_mark")) {
		parse_ct_lb(c, LFLOW_OP_CT_LB_MARK);
	} else if (lf_lexer_match_id(lx, "ct_clear")) {
		act_block_add(c->b, c->blk, LFLOW_OP_CT_CLEAR);
	} else if (lf_lexer_match_id(lx, "ct_commit_nat")) {
		act_block_add(c->b, c->blk, LFLOW_OP_CT_COMMIT_NAT);
		act_prereqs_add(&c->prereqs, "ip");
	} else if (lf_lexer_match_id(lx, "ct_snat_to_vip")) {
		act_block_add(c->b, c->blk, LFLOW_OP_CT_SNAT_TO_VIP);
	} else if (lf_lexer_match_id(lx, "commit_lb_aff")) {
		parse_commit_lb_aff(c);
	} else {
		return false;
	}
	return true;
}

/* dst = select(ID[=WEIGHT], ...) */
static void parse_select(struct act_ctx *c, const struct lflow_fref *dst)
{
	struct lf_lexer *lx = c->lx;
	if (!act_check_field(c, dst, dst->n_bits, true))
		return;
	if (dst->n_bits < 16) {
		struct act_buf fb = {0};
		act_format_field(&fb, dst);
		lf_lexer_error(lx,
			       "cannot use %u-bit field %s for \"select\", which requires at "
			       "least 16 bits.",
			       dst->n_bits, fb.s ? fb.s : "");
		act_buf_free(&fb);
		return;
	}
	lf_lexer_get(lx); /* select */
	lf_lexer_get(lx); /* ( */
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_SELECT);
	in->dst = *dst;
	while (!lf_lexer_match(lx, LF_T_RPAREN)) {
		uint64_t id, weight = 0;
		if (!act_parse_uint(c, 65535, "id", &id))
			return;
		if (lf_lexer_match(lx, LF_T_EQUALS)) {
			if (!act_parse_uint(c, 65535, "weight", &weight))
				return;
			if (!weight) {
				lf_lexer_syntax_error(lx, "weight can't be 0");
				return;
			}
		}
		struct lflow_arg *a = act_arg_add(c->b, in, LFLOW_ARG_MEMBER);
		a->key = (uint16_t)id;
		a->n = weight ? (uint16_t)weight : 100;
		lf_lexer_match(lx, LF_T_COMMA);
	}
	if (in->n_args < 2)
		lf_lexer_syntax_error(lx, "expecting at least 2 group members");
}

bool act_ct_result(struct act_ctx *c, const struct lflow_fref *dst)
{
	if (lf_lexer_is_id(c->lx, "select"))
		parse_select(c, dst);
	else if (lf_lexer_is_id(c->lx, "chk_lb_aff"))
		act_parse_result(c, dst, LFLOW_OP_CHK_LB_AFF, NULL);
	else
		return false;
	return true;
}
