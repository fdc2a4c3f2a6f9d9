/* SPDX-License-Identifier: Apache-2.0 */
/* Services handled by the controller side: put_dhcp_opts, put_dhcpv6_opts, put_nd_ra_opts,
 * dns_lookup, trigger_event, log, set_queue, set_meter, bind_vport, handle_dhcpv6_reply,
 * handle_bfd_msg, fwd_group, sample. */
#include <ctype.h>
#include <string.h>

#include "brint/util.h"
#include "lflow/act_int.h"

/* The option operands of in, one option at a time: *i indexes the OPT operand. */
static const struct lflow_arg *opt_at(struct act_ctx *c, const struct lflow_insn *in, uint32_t i)
{
	return &c->b->args[in->arg + i];
}

static void parse_put_opts(struct act_ctx *c, const struct lflow_fref *dst, enum lflow_op op,
			   enum lflow_opt_table t, const char *what)
{
	struct lf_lexer *lx = c->lx;
	lf_lexer_get(lx); /* the name */
	lf_lexer_get(lx); /* ( */
	if (!act_check_field(c, dst, 1, true))
		return;
	struct lflow_insn *in = act_block_add(c->b, c->blk, op);
	in->dst = *dst;
	if (!act_parse_opts(c, in, t, what) || c->b->oom)
		return;
	if (op == LFLOW_OP_PUT_DHCPV4_OPTS) {
		for (uint32_t i = 0; i < in->n_args; i++) {
			const struct lflow_arg *a = opt_at(c, in, i);
			if (a->kind == LFLOW_ARG_OPT &&
			    lflow_opt_get(t, a->key)->code == LFLOW_DHCP_OFFERIP)
				return;
		}
		lf_lexer_error(lx, "put_dhcp_opts requires offerip to be specified.");
	}
}

static void parse_put_nd_ra_opts(struct act_ctx *c, const struct lflow_fref *dst)
{
	struct lf_lexer *lx = c->lx;
	parse_put_opts(c, dst, LFLOW_OP_PUT_ND_RA_OPTS, LFLOW_OPTS_ND_RA, "IPv6 ND RA");
	if (lf_lexer_failed(lx) || c->b->oom)
		return;
	const struct lflow_insn *in = &c->blk->v[c->blk->n - 1];
	bool stateful = false, prefix = false, slla = false;
	for (uint32_t i = 0; i < in->n_args; i++) {
		const struct lflow_arg *o = opt_at(c, in, i);
		if (o->kind != LFLOW_ARG_OPT)
			continue;
		const struct lflow_opt *opt = lflow_opt_get(LFLOW_OPTS_ND_RA, o->key);
		const struct lflow_arg *v = o + 1;
		const char *s = v->kind == LFLOW_ARG_STR ? c->b->strs.s + v->str : NULL;
		bool ok = o->n == 1;
		switch (ok ? opt->code : UINT16_MAX) {
		case LFLOW_ND_RA_ADDR_MODE:
			ok = s && (!strcmp(s, "slaac") || !strcmp(s, "dhcpv6_stateful") ||
				   !strcmp(s, "dhcpv6_stateless"));
			stateful |= ok && !strcmp(s, "dhcpv6_stateful");
			break;
		case LFLOW_ND_RA_PRF:
			ok = s && (!strcmp(s, "MEDIUM") || !strcmp(s, "HIGH") || !strcmp(s, "LOW"));
			break;
		case 1: /* slla */
			ok = v->kind == LFLOW_ARG_CONST && v->fmt == LF_F_ETHERNET && !v->masked;
			slla = true;
			break;
		case 3: /* prefix */
			ok = v->kind == LFLOW_ARG_CONST && v->fmt == LF_F_IPV6 && v->masked;
			prefix = true;
			break;
		case 5: /* mtu */
			ok = v->kind == LFLOW_ARG_CONST && v->fmt == LF_F_DECIMAL && !v->masked;
			break;
		case 25: /* rdnss */ ok = v->kind == LFLOW_ARG_CONST && v->fmt == LF_F_IPV6; break;
		case 24: /* route_info */
		case 31: /* dnssl */ ok = s != NULL; break;
		default: break;
		}
		if (!ok) {
			lf_lexer_error(lx, "Invalid value for \"%s\" option", opt->name);
			return;
		}
		i += o->n;
	}
	if (!slla)
		lf_lexer_error(lx, "slla option not present");
	else if (!stateful && !prefix)
		lf_lexer_error(lx, "prefix option needs to be set when address mode is "
				   "slaac/dhcpv6_stateless.");
	else
		act_prereqs_add(&c->prereqs, "ip6");
}

bool act_service_result(struct act_ctx *c, const struct lflow_fref *dst)
{
	struct lf_lexer *lx = c->lx;
	if (lf_lexer_is_id(lx, "put_dhcp_opts"))
		parse_put_opts(c, dst, LFLOW_OP_PUT_DHCPV4_OPTS, LFLOW_OPTS_DHCPV4, "DHCPv4");
	else if (lf_lexer_is_id(lx, "put_dhcpv6_opts"))
		parse_put_opts(c, dst, LFLOW_OP_PUT_DHCPV6_OPTS, LFLOW_OPTS_DHCPV6, "DHCPv6");
	else if (lf_lexer_is_id(lx, "put_nd_ra_opts"))
		parse_put_nd_ra_opts(c, dst);
	else if (lf_lexer_is_id(lx, "dns_lookup"))
		act_parse_result(c, dst, LFLOW_OP_DNS_LOOKUP, "udp");
	else
		return false;
	return true;
}

static bool is_uuid(const char *s)
{
	static const int groups[] = {8, 4, 4, 4, 12};
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		for (int i = 0; i < groups[g]; i++, s++)
			if (!isxdigit((unsigned char)*s))
				return false;
		if (g + 1 < ARRAY_SIZE(groups) && *s++ != '-')
			return false;
	}
	return *s == '\0';
}

/* trigger_event(event = "empty_lb_backends", vip = "...", protocol = "...",
 * load_balancer = "UUID") */
static void parse_trigger_event(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	if (!lf_lexer_force_match(lx, LF_T_LPAREN))
		return;
	if (!lf_lexer_match_id(lx, "event")) {
		lf_lexer_syntax_error(lx, "Expecting 'event' option");
		return;
	}
	if (!lf_lexer_force_match(lx, LF_T_EQUALS))
		return;
	if (lx->tok.type != LF_T_STRING || strlen(lx->tok.s) >= 64) {
		lf_lexer_syntax_error(lx, "Expecting string");
		return;
	}
	if (strcmp(lx->tok.s, "empty_lb_backends")) {
		lf_lexer_syntax_error(lx, "Unknown event");
		return;
	}
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_TRIGGER_EVENT);
	in->u.trigger_event.event = LFLOW_EVENT_EMPTY_LB_BACKENDS;
	lf_lexer_get(lx);
	lf_lexer_match(lx, LF_T_COMMA);
	if (!act_parse_opts(c, in, LFLOW_OPTS_EVENT_EMPTY_LB, "empty_lb_backends") || c->b->oom)
		return;
	for (uint32_t i = 0; i < in->n_args; i++) {
		const struct lflow_arg *o = opt_at(c, in, i);
		if (o->kind != LFLOW_ARG_OPT)
			continue;
		const struct lflow_opt *opt = lflow_opt_get(LFLOW_OPTS_EVENT_EMPTY_LB, o->key);
		if (o->n != 1) {
			lf_lexer_error(lx, "Invalid value for \"%s\" option", opt->name);
			return;
		}
		const char *s = c->b->strs.s + o[1].str;
		if (opt->code == LFLOW_EVENT_OPT_PROTOCOL && strcmp(s, "tcp") && strcmp(s, "udp") &&
		    strcmp(s, "sctp")) {
			lf_lexer_error(lx,
				       "Load balancer protocol '%s' is not 'tcp', 'udp', or "
				       "'sctp'",
				       s);
			return;
		}
		if (opt->code == LFLOW_EVENT_OPT_LOAD_BALANCER && !is_uuid(s)) {
			lf_lexer_error(lx, "Load balancer '%s' is not a UUID", s);
			return;
		}
		if (opt->code == LFLOW_EVENT_OPT_VIP && !*s) {
			lf_lexer_error(lx, "Invalid load balancer VIP '%s'", s);
			return;
		}
		i += o->n;
	}
}

static bool parse_log_arg(struct act_ctx *c, struct lflow_insn *in)
{
	struct lf_lexer *lx = c->lx;
	if (lf_lexer_match_id(lx, "verdict")) {
		if (!lf_lexer_force_match(lx, LF_T_EQUALS))
			return false;
		if (lf_lexer_match_id(lx, "drop"))
			in->u.log.verdict = LFLOW_LOG_DROP;
		else if (lf_lexer_match_id(lx, "reject"))
			in->u.log.verdict = LFLOW_LOG_REJECT;
		else if (lf_lexer_match_id(lx, "allow"))
			in->u.log.verdict = LFLOW_LOG_ALLOW;
		else {
			lf_lexer_syntax_error(lx, "unknown verdict");
			return false;
		}
		return true;
	}
	if (lf_lexer_match_id(lx, "severity")) {
		static const struct {
			const char *n;
			uint8_t v;
		} sev[] = {
		    {"alert", LFLOW_LOG_ALERT},	  {"warning", LFLOW_LOG_WARNING},
		    {"notice", LFLOW_LOG_NOTICE}, {"info", LFLOW_LOG_INFO},
		    {"debug", LFLOW_LOG_DEBUG},
		};
		if (!lf_lexer_force_match(lx, LF_T_EQUALS))
			return false;
		for (size_t i = 0; lx->tok.type == LF_T_ID && i < ARRAY_SIZE(sev); i++) {
			if (lf_lexer_match_id(lx, sev[i].n)) {
				in->u.log.severity = sev[i].v;
				return true;
			}
		}
		lf_lexer_syntax_error(lx, lx->tok.type == LF_T_ID ? "unknown severity"
								  : "expecting severity");
		return false;
	}
	bool name = lf_lexer_match_id(lx, "name");
	if (name || lf_lexer_match_id(lx, "meter")) {
		if (!lf_lexer_force_match(lx, LF_T_EQUALS))
			return false;
		if (lx->tok.type != LF_T_STRING) {
			lf_lexer_syntax_error(lx, "expecting string");
			return false;
		}
		if (name && strlen(lx->tok.s) >= 64) {
			lf_lexer_syntax_error(lx, "name must be shorter than 64 characters");
			return false;
		}
		uint32_t s = act_str_add(c->b, lx->tok.s);
		if (name)
			in->u.log.name = s;
		else
			in->u.log.meter = s;
		lf_lexer_get(lx);
		return true;
	}
	lf_lexer_syntax_error(lx, NULL);
	return false;
}

static void parse_log(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_LOG);
	in->u.log.name = in->u.log.meter = LFLOW_STR_NONE;
	in->u.log.severity = LFLOW_LOG_INFO;
	in->u.log.verdict = UINT8_MAX;
	if (lf_lexer_match(lx, LF_T_LPAREN)) {
		while (!lf_lexer_match(lx, LF_T_RPAREN)) {
			if (!parse_log_arg(c, in))
				return;
			lf_lexer_match(lx, LF_T_COMMA);
		}
	}
	if (in->u.log.verdict == UINT8_MAX)
		lf_lexer_syntax_error(lx, "expecting verdict");
}

static void parse_set_queue(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	uint64_t q;
	if (!lf_lexer_force_match(lx, LF_T_LPAREN) ||
	    !act_parse_uint(c, INT32_MAX, "queue id", &q) || !lf_lexer_force_match(lx, LF_T_RPAREN))
		return;
	if (q > 61440) {
		lf_lexer_error(lx, "Queue ID %llu for set_queue is not in valid range 0 to 61440.",
			       (unsigned long long)q);
		return;
	}
	act_block_add(c->b, c->blk, LFLOW_OP_SET_QUEUE)->u.set_queue.queue_id = (uint16_t)q;
}

static void parse_set_meter(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	uint64_t rate, burst = 0;
	if (!lf_lexer_force_match(lx, LF_T_LPAREN) || !act_parse_uint(c, UINT32_MAX, "rate", &rate))
		return;
	if (lf_lexer_match(lx, LF_T_COMMA) && !act_parse_uint(c, UINT32_MAX, "burst", &burst))
		return;
	if (!lf_lexer_force_match(lx, LF_T_RPAREN))
		return;
	if (!rate) {
		lf_lexer_error(lx, "Rate 0 for set_meter is not in valid.");
		return;
	}
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_SET_METER);
	in->u.set_meter.rate = rate;
	in->u.set_meter.burst = burst;
}

static void parse_bind_vport(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	if (!lf_lexer_force_match(lx, LF_T_LPAREN))
		return;
	if (lx->tok.type != LF_T_STRING) {
		lf_lexer_syntax_error(lx, "expecting port name string");
		return;
	}
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_BIND_VPORT);
	in->u.bind_vport.vport = act_str_add(c->b, lx->tok.s);
	lf_lexer_get(lx);
	if (lf_lexer_force_match(lx, LF_T_COMMA) && act_parse_field_arg(c, 0, &in->dst))
		lf_lexer_force_match(lx, LF_T_RPAREN);
}

static bool parse_bool(struct act_ctx *c, uint8_t *v)
{
	struct lf_lexer *lx = c->lx;
	const char *w = lx->tok.type == LF_T_ID || lx->tok.type == LF_T_STRING ? lx->tok.s : "";
	if (strcmp(w, "true") && strcmp(w, "false")) {
		lf_lexer_syntax_error(lx, "expecting true or false");
		return false;
	}
	*v = !strcmp(w, "true");
	lf_lexer_get(lx);
	return true;
}

/* fwd_group([liveness = true|false,] childports = "p1", "p2", ...) */
static void parse_fwd_group(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_FWD_GROUP);
	if (!lf_lexer_match(lx, LF_T_LPAREN))
		return;
	if (lf_lexer_match_id(lx, "liveness")) {
		if (!lf_lexer_force_match(lx, LF_T_EQUALS) ||
		    !parse_bool(c, &in->u.fwd_group.liveness) ||
		    !lf_lexer_force_match(lx, LF_T_COMMA))
			return;
	}
	if (!lf_lexer_match_id(lx, "childports")) {
		lf_lexer_syntax_error(lx, "expecting `childports'");
		return;
	}
	if (!lf_lexer_force_match(lx, LF_T_EQUALS))
		return;
	while (!lf_lexer_match(lx, LF_T_RPAREN)) {
		if (lx->tok.type != LF_T_STRING) {
			lf_lexer_syntax_error(lx, "expecting logical switch port");
			return;
		}
		act_arg_add(c->b, in, LFLOW_ARG_STR)->str = act_str_add(c->b, lx->tok.s);
		lf_lexer_get(lx);
		lf_lexer_match(lx, LF_T_COMMA);
	}
}

static bool parse_sample_arg(struct act_ctx *c, struct lflow_insn *in)
{
	struct lf_lexer *lx = c->lx;
	uint64_t v;
	if (lf_lexer_match_id(lx, "probability")) {
		if (!lf_lexer_force_match(lx, LF_T_EQUALS) ||
		    !act_parse_uint(c, 65535, "probability", &v))
			return false;
		in->u.sample.probability = (uint16_t)v;
	} else if (lf_lexer_match_id(lx, "obs_point")) {
		if (!lf_lexer_force_match(lx, LF_T_EQUALS))
			return false;
		if (lx->tok.type == LF_T_MACRO && !strcmp(lx->tok.s, "cookie")) {
			in->u.sample.use_cookie = 1;
			lf_lexer_get(lx);
		} else if (lx->tok.type == LF_T_INTEGER && lx->tok.format == LF_F_DECIMAL &&
			   lx->tok.value <= UINT32_MAX) {
			in->u.sample.obs_point = (uint32_t)lx->tok.value;
			lf_lexer_get(lx);
		} else {
			lf_lexer_syntax_error(lx, "malformed sample observation_point_id");
			return false;
		}
	} else if (lf_lexer_match_id(lx, "obs_domain")) {
		if (!lf_lexer_force_match(lx, LF_T_EQUALS))
			return false;
		if (lx->tok.type == LF_T_INTEGER && lx->tok.format == LF_F_DECIMAL &&
		    lx->tok.value > UINT8_MAX) {
			lf_lexer_syntax_error(lx, "obs_domain must be 8-bit long");
			return false;
		}
		if (!act_parse_uint(c, UINT8_MAX, "obs_domain", &v))
			return false;
		in->u.sample.obs_domain = (uint8_t)v;
	} else if (lf_lexer_match_id(lx, "collector_set")) {
		if (!lf_lexer_force_match(lx, LF_T_EQUALS) ||
		    !act_parse_uint(c, UINT32_MAX, "collector_set", &v))
			return false;
		in->u.sample.collector_set = (uint32_t)v;
	} else {
		lf_lexer_syntax_error(lx, "unknown argument");
		return false;
	}
	return true;
}

static void parse_sample(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	struct lflow_insn *in = act_block_add(c->b, c->blk, LFLOW_OP_SAMPLE);
	if (lf_lexer_match(lx, LF_T_LPAREN)) {
		while (!lf_lexer_match(lx, LF_T_RPAREN)) {
			if (!parse_sample_arg(c, in))
				return;
			lf_lexer_match(lx, LF_T_COMMA);
		}
	}
	if (!in->u.sample.probability)
		lf_lexer_error(lx, "probability must be greater than zero");
}

bool act_parse_service(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	if (lf_lexer_match_id(lx, "trigger_event"))
		parse_trigger_event(c);
	else if (lf_lexer_match_id(lx, "log"))
		parse_log(c);
	else if (lf_lexer_match_id(lx, "set_queue"))
		parse_set_queue(c);
	else if (lf_lexer_match_id(lx, "set_meter"))
		parse_set_meter(c);
	else if (lf_lexer_match_id(lx, "bind_vport"))
		parse_bind_vport(c);
	else if (lf_lexer_match_id(lx, "fwd_group"))
		parse_fwd_group(c);
	else if (lf_lexer_match_id(lx, "sample"))
		parse_sample(c);
	else if (lf_lexer_match_id(lx, "handle_dhcpv6_reply"))
		act_block_add(c->b, c->blk, LFLOW_OP_DHCP6_REPLY);
	else if (lf_lexer_match_id(lx, "handle_bfd_msg")) {
		if (lf_lexer_force_match(lx, LF_T_LPAREN) && lf_lexer_force_match(lx, LF_T_RPAREN))
			act_block_add(c->b, c->blk, LFLOW_OP_BFD_MSG);
	} else
		return false;
	return true;
}
