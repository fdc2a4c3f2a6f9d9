/* SPDX-License-Identifier: Apache-2.0 */
/* A compiled program back to canonical action text (OVN's own formatting where OVN has
 * one): used by the tests and by `brintctl lflow show`. */
#include <stdlib.h>
#include <string.h>

#include "lflow/act_int.h"

void act_print_const(struct act_buf *b, const struct lflow_arg *a, unsigned width)
{
	char v[64], m[64];
	enum lf_fmt f = (enum lf_fmt)a->fmt;
	lf_value_format(a->value, f, v, sizeof v);
	act_buf_put(b, v);
	if (!a->masked)
		return;
	int plen = lf_prefix_len(a->mask, f == LF_F_IPV4 ? 32 : f == LF_F_IPV6 ? 128 : width);
	if (plen >= 0 && (f == LF_F_IPV4 || f == LF_F_IPV6))
		act_buf_printf(b, "/%d", plen);
	else
		act_buf_printf(b, "/%s", lf_value_format(a->mask, f, m, sizeof m));
}

static void print_str(struct act_buf *b, const struct lflow_prog *p, uint32_t off)
{
	const char *s = lflow_prog_str(p, off);
	act_buf_quoted(b, s ? s : "");
}

static void print_value(struct act_buf *b, const struct lflow_prog *p, const struct lflow_arg *a)
{
	if (a->kind == LFLOW_ARG_STR)
		print_str(b, p, a->str);
	else if (a->kind == LFLOW_ARG_FIELD)
		act_format_field(b, &a->field);
	else
		act_print_const(b, a, 128);
}

/* name = value, name = {v, v}, ... of the OPT operands of in. */
static void print_opts(struct act_buf *b, const struct lflow_prog *p, const struct lflow_insn *in,
		       bool lead_comma)
{
	const struct lflow_arg *a = p->args + in->arg, *end = a + in->n_args;
	bool first = !lead_comma;
	while (a < end) {
		if (a->kind != LFLOW_ARG_OPT) {
			a++;
			continue;
		}
		const struct lflow_opt *o = lflow_opt_get((enum lflow_opt_table)a->fmt, a->key);
		act_buf_printf(b, "%s%s = ", first ? "" : ", ", o ? o->name : "?");
		first = false;
		bool braces = a->braced || a->n != 1;
		if (braces)
			act_buf_putc(b, '{');
		for (uint16_t i = 0; i < a->n && a + 1 + i < end; i++) {
			if (i)
				act_buf_put(b, ", ");
			print_value(b, p, a + 1 + i);
		}
		if (braces)
			act_buf_putc(b, '}');
		a += 1 + a->n;
	}
}

static void print_fields(struct act_buf *b, const struct lflow_prog *p, const struct lflow_insn *in)
{
	for (uint16_t i = 0; i < in->n_args; i++) {
		if (i)
			act_buf_put(b, ", ");
		print_value(b, p, &p->args[in->arg + i]);
	}
}

/* IP[:PORT]; an IPv6 address in [] if it has a port or `always`. */
static void print_addr_port(struct act_buf *b, const struct lflow_arg *a, bool always)
{
	char v[64];
	lf_value_format(a->value, (enum lf_fmt)a->fmt, v, sizeof v);
	if (a->fmt == LF_F_IPV6 && (always || a->key))
		act_buf_printf(b, "[%s]", v);
	else
		act_buf_put(b, v);
	if (a->key)
		act_buf_printf(b, ":%u", a->key);
}

static const char *proto_name(uint8_t proto)
{
	return proto == 17 ? "udp" : proto == 132 ? "sctp" : "tcp";
}

void act_print_insn(struct act_buf *b, const struct lflow_prog *p, const struct lflow_insn *in)
{
	enum lflow_op op = (enum lflow_op)in->op;
	const char *name = lflow_op_name(op);
	const struct lflow_arg *args = p->args + in->arg;
	switch (op) {
	case LFLOW_OP_NEXT:
		if (in->flags & LFLOW_NEXT_F_OTHER_PIPELINE)
			act_buf_printf(b, "next(pipeline=%s, table=%u);",
				       in->u.next.pipeline == LFLOW_P_EGRESS ? "egress" : "ingress",
				       in->u.next.table);
		else if (in->flags & LFLOW_NEXT_F_FOLLOWING)
			act_buf_put(b, "next;");
		else
			act_buf_printf(b, "next(%u);", in->u.next.table);
		return;
	case LFLOW_OP_LOAD:
		act_format_field(b, &in->dst);
		act_buf_put(b, " = ");
		if (in->n_args && args->kind == LFLOW_ARG_STR)
			print_str(b, p, args->str);
		else if (in->n_args)
			act_print_const(b, args, in->dst.n_bits);
		act_buf_putc(b, ';');
		return;
	case LFLOW_OP_MOVE:
	case LFLOW_OP_EXCHANGE:
		act_format_field(b, &in->dst);
		act_buf_put(b, op == LFLOW_OP_MOVE ? " = " : " <-> ");
		act_format_field(b, &in->src);
		act_buf_putc(b, ';');
		return;
	case LFLOW_OP_PUSH:
	case LFLOW_OP_POP:
		act_buf_printf(b, "%s(", name);
		act_format_field(b, &in->dst);
		act_buf_put(b, ");");
		return;
	case LFLOW_OP_CT_COMMIT_V1: {
		bool any = false;
		act_buf_put(b, "ct_commit(");
		if (in->u.ct_commit_v1.mark_mask) {
			act_buf_printf(b, "ct_mark=%#x", in->u.ct_commit_v1.mark);
			if (in->u.ct_commit_v1.mark_mask != UINT32_MAX)
				act_buf_printf(b, "/%#x", in->u.ct_commit_v1.mark_mask);
			any = true;
		}
		if (in->u.ct_commit_v1.has_label && in->n_args && args->mask) {
			char v[64];
			act_buf_printf(b, "%sct_label=%s", any ? ", " : "",
				       lf_value_format(args->value, LF_F_HEX, v, sizeof v));
			if (args->mask != ~(lf_u128)0)
				act_buf_printf(b, "/%s",
					       lf_value_format(args->mask, LF_F_HEX, v, sizeof v));
			any = true;
		}
		if (any) {
			act_buf_put(b, ");");
		} else {
			b->len -= 1; /* "(" */
			b->s[b->len] = '\0';
			act_buf_putc(b, ';');
		}
		return;
	}
	case LFLOW_OP_CT_COMMIT:
		if (!in->n_sub) {
			act_buf_put(b, "ct_commit;");
			return;
		}
		/* fall through */
	case LFLOW_OP_CLONE:
	case LFLOW_OP_ARP:
	case LFLOW_OP_ICMP4:
	case LFLOW_OP_ICMP4_ERROR:
	case LFLOW_OP_ICMP6:
	case LFLOW_OP_ICMP6_ERROR:
	case LFLOW_OP_TCP_RESET:
	case LFLOW_OP_SCTP_ABORT:
	case LFLOW_OP_ND_NA:
	case LFLOW_OP_ND_NA_ROUTER:
	case LFLOW_OP_ND_NS:
	case LFLOW_OP_REJECT:
		act_buf_printf(b, "%s { ", name);
		act_print_block(b, p, in->sub, in->n_sub);
		act_buf_put(b, " };");
		return;
	case LFLOW_OP_CT_DNAT:
	case LFLOW_OP_CT_SNAT:
	case LFLOW_OP_CT_DNAT_IN_CZONE:
	case LFLOW_OP_CT_SNAT_IN_CZONE:
		act_buf_put(b, name);
		if (in->u.nat.family && in->n_args) {
			act_buf_putc(b, '(');
			act_print_const(b, args, 128);
			if (in->u.nat.has_range) {
				act_buf_printf(b, ",%u", in->u.nat.port_lo);
				if (in->u.nat.port_hi)
					act_buf_printf(b, "-%u", in->u.nat.port_hi);
			}
			act_buf_putc(b, ')');
		}
		act_buf_putc(b, ';');
		return;
	case LFLOW_OP_CT_LB:
	case LFLOW_OP_CT_LB_MARK: {
		act_buf_put(b, name);
		const char *hash = lflow_prog_str(p, in->u.ct_lb.hash_fields);
		if (in->n_args || hash || in->u.ct_lb.flag) {
			act_buf_put(b, "(backends=");
			for (uint16_t i = 0; i < in->n_args; i++) {
				if (i)
					act_buf_putc(b, ',');
				print_addr_port(b, &args[i], false);
			}
			if (hash) {
				act_buf_put(b, "; hash_fields=");
				act_buf_quoted(b, hash);
			}
			if (in->u.ct_lb.flag == LFLOW_CT_LB_SKIP_SNAT)
				act_buf_put(b, "; skip_snat");
			else if (in->u.ct_lb.flag == LFLOW_CT_LB_FORCE_SNAT)
				act_buf_put(b, "; force_snat");
			act_buf_putc(b, ')');
		}
		act_buf_putc(b, ';');
		return;
	}
	case LFLOW_OP_SELECT:
		act_format_field(b, &in->dst);
		act_buf_put(b, " = select(");
		for (uint16_t i = 0; i < in->n_args; i++)
			act_buf_printf(b, "%s%u=%u", i ? ", " : "", args[i].key, args[i].n);
		act_buf_put(b, ");");
		return;
	case LFLOW_OP_GET_ARP:
	case LFLOW_OP_PUT_ARP:
	case LFLOW_OP_GET_ND:
	case LFLOW_OP_PUT_ND:
	case LFLOW_OP_PUT_FDB:
	case LFLOW_OP_HANDLE_SVC_CHECK:
		act_buf_printf(b, "%s(", name);
		print_fields(b, p, in);
		act_buf_put(b, ");");
		return;
	case LFLOW_OP_LOOKUP_ARP:
	case LFLOW_OP_LOOKUP_ARP_IP:
	case LFLOW_OP_LOOKUP_ND:
	case LFLOW_OP_LOOKUP_ND_IP:
	case LFLOW_OP_GET_FDB:
	case LFLOW_OP_LOOKUP_FDB:
		act_format_field(b, &in->dst);
		act_buf_printf(b, " = %s(", name);
		print_fields(b, p, in);
		act_buf_put(b, ");");
		return;
	case LFLOW_OP_DNS_LOOKUP:
	case LFLOW_OP_CHK_LB_HAIRPIN:
	case LFLOW_OP_CHK_LB_HAIRPIN_REPLY:
	case LFLOW_OP_CHECK_IN_PORT_SEC:
	case LFLOW_OP_CHECK_OUT_PORT_SEC:
	case LFLOW_OP_CHK_ECMP_NH_MAC:
	case LFLOW_OP_CHK_ECMP_NH:
	case LFLOW_OP_CHK_LB_AFF:
		act_format_field(b, &in->dst);
		act_buf_printf(b, " = %s();", name);
		return;
	case LFLOW_OP_CHECK_PKT_LARGER:
		act_format_field(b, &in->dst);
		act_buf_printf(b, " = check_pkt_larger(%u);", in->u.check_pkt_larger.pkt_len);
		return;
	case LFLOW_OP_PUT_DHCPV4_OPTS:
	case LFLOW_OP_PUT_DHCPV6_OPTS:
	case LFLOW_OP_PUT_ND_RA_OPTS:
		act_format_field(b, &in->dst);
		act_buf_printf(b, " = %s(", name);
		print_opts(b, p, in, false);
		act_buf_put(b, ");");
		return;
	case LFLOW_OP_TRIGGER_EVENT:
		act_buf_put(b, "trigger_event(event = \"empty_lb_backends\"");
		print_opts(b, p, in, true);
		act_buf_put(b, ");");
		return;
	case LFLOW_OP_SET_QUEUE:
		act_buf_printf(b, "set_queue(%u);", in->u.set_queue.queue_id);
		return;
	case LFLOW_OP_SET_METER:
		if (in->u.set_meter.burst)
			act_buf_printf(b, "set_meter(%llu, %llu);",
				       (unsigned long long)in->u.set_meter.rate,
				       (unsigned long long)in->u.set_meter.burst);
		else
			act_buf_printf(b, "set_meter(%llu);",
				       (unsigned long long)in->u.set_meter.rate);
		return;
	case LFLOW_OP_LOG: {
		static const char *const verdicts[] = {"allow", "drop", "reject"};
		static const char *const sev[8] = {
		    [1] = "alert", [4] = "warning", [5] = "notice", [6] = "info", [7] = "debug"};
		act_buf_put(b, "log(");
		if (lflow_prog_str(p, in->u.log.name)) {
			act_buf_put(b, "name=");
			print_str(b, p, in->u.log.name);
			act_buf_put(b, ", ");
		}
		act_buf_printf(b, "verdict=%s, severity=%s",
			       in->u.log.verdict < 3 ? verdicts[in->u.log.verdict] : "?",
			       in->u.log.severity < 8 && sev[in->u.log.severity]
				   ? sev[in->u.log.severity]
				   : "?");
		if (lflow_prog_str(p, in->u.log.meter)) {
			act_buf_put(b, ", meter=");
			print_str(b, p, in->u.log.meter);
		}
		act_buf_put(b, ");");
		return;
	}
	case LFLOW_OP_BIND_VPORT:
		act_buf_put(b, "bind_vport(");
		print_str(b, p, in->u.bind_vport.vport);
		act_buf_put(b, ", ");
		act_format_field(b, &in->dst);
		act_buf_put(b, ");");
		return;
	case LFLOW_OP_FWD_GROUP:
		if (!in->n_args && !in->u.fwd_group.liveness) {
			act_buf_put(b, "fwd_group;");
			return;
		}
		act_buf_put(b, "fwd_group(");
		if (in->u.fwd_group.liveness)
			act_buf_put(b, "liveness=\"true\", ");
		act_buf_put(b, "childports=");
		print_fields(b, p, in);
		act_buf_put(b, ");");
		return;
	case LFLOW_OP_BFD_MSG: act_buf_put(b, "handle_bfd_msg();"); return;
	case LFLOW_OP_COMMIT_ECMP_NH:
		act_buf_printf(b, "commit_ecmp_nh(ipv6 = %s, proto = %s);",
			       in->u.commit_ecmp_nh.ipv6 ? "true" : "false",
			       proto_name(in->u.commit_ecmp_nh.proto));
		return;
	case LFLOW_OP_COMMIT_LB_AFF:
		if (in->n_args < 2)
			break;
		act_buf_put(b, "commit_lb_aff(vip = \"");
		print_addr_port(b, &args[0], true);
		act_buf_put(b, "\", backend = \"");
		print_addr_port(b, &args[1], true);
		act_buf_putc(b, '"');
		if (in->u.lb_aff.proto)
			act_buf_printf(b, ", proto = %s", proto_name(in->u.lb_aff.proto));
		act_buf_printf(b, ", timeout = %u);", in->u.lb_aff.timeout);
		return;
	case LFLOW_OP_SAMPLE:
		act_buf_printf(b, "sample(probability=%u,collector_set=%u,obs_domain=%u,",
			       in->u.sample.probability, in->u.sample.collector_set,
			       in->u.sample.obs_domain);
		if (in->u.sample.use_cookie)
			act_buf_put(b, "obs_point=$cookie);");
		else
			act_buf_printf(b, "obs_point=%u);", in->u.sample.obs_point);
		return;
	case LFLOW_OP_OUTPUT:
	case LFLOW_OP_DEC_TTL:
	case LFLOW_OP_CT_NEXT:
	case LFLOW_OP_CT_CLEAR:
	case LFLOW_OP_CT_COMMIT_NAT:
	case LFLOW_OP_CT_SNAT_TO_VIP:
	case LFLOW_OP_IGMP:
	case LFLOW_OP_DHCP6_REPLY:
	case LFLOW_OP_DROP: act_buf_printf(b, "%s;", name); return;
	case LFLOW_OP_N: break;
	}
	act_buf_printf(b, "<bad op %u>;", in->op);
}

void act_print_block(struct act_buf *b, const struct lflow_prog *p, uint32_t first, uint32_t n)
{
	if (!n || first > p->n_insns || n > p->n_insns - first) {
		act_buf_put(b, "drop;");
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			act_buf_putc(b, ' ');
		act_print_insn(b, p, &p->insns[first + i]);
	}
}

char *lflow_prog_format(const struct lflow_prog *prog)
{
	struct act_buf b = {0};
	if (prog)
		act_print_block(&b, prog, prog->top, prog->n_top);
	else
		act_buf_put(&b, "drop;");
	return act_buf_steal(&b);
}
