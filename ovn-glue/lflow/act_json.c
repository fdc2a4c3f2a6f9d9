/* SPDX-License-Identifier: Apache-2.0 */
/* Compiled programs as structured JSON (see act_json.h). */
#include "lflow/act_json.h"

#include "lflow/act_int.h"

#include <stdlib.h>

static json_t *block_json(const struct lflow_prog *p, uint32_t first, uint32_t n, int depth);

static json_t *text_of(void (*fn)(struct act_buf *, const void *, const void *), const void *a,
		       const void *b)
{
	struct act_buf buf = {0};
	char *s;
	json_t *j;
	fn(&buf, a, b);
	s = act_buf_steal(&buf);
	j = json_string(s ? s : "");
	free(s);
	return j;
}

static void field_text(struct act_buf *b, const void *f, const void *unused)
{
	(void)unused;
	act_format_field(b, f);
}

static json_t *field_json(const struct lflow_fref *f)
{
	return text_of(field_text, f, NULL);
}

static json_t *value_str(lf_u128 v, enum lf_fmt f)
{
	char buf[64];
	return json_string(lf_value_format(v, f, buf, sizeof buf));
}

static json_t *str_or_null(const struct lflow_prog *p, uint32_t off)
{
	const char *s = lflow_prog_str(p, off);
	return s ? json_string(s) : json_null();
}

/* One operand (OPT consumes the values that follow it: *used says how many in all). */
static json_t *arg_json(const struct lflow_prog *p, const struct lflow_arg *a,
			const struct lflow_arg *end, unsigned *used)
{
	json_t *o = json_object();
	*used = 1;
	switch ((enum lflow_arg_kind)a->kind) {
	case LFLOW_ARG_CONST:
		json_object_set_new(o, "kind", json_string("const"));
		json_object_set_new(o, "value", value_str(a->value, (enum lf_fmt)a->fmt));
		if (a->masked)
			json_object_set_new(o, "mask", value_str(a->mask, (enum lf_fmt)a->fmt));
		json_object_set_new(o, "format", json_string(lf_fmt_name((enum lf_fmt)a->fmt)));
		break;
	case LFLOW_ARG_STR:
		json_object_set_new(o, "kind", json_string("string"));
		json_object_set_new(o, "value", str_or_null(p, a->str));
		break;
	case LFLOW_ARG_FIELD:
		json_object_set_new(o, "kind", json_string("field"));
		json_object_set_new(o, "field", field_json(&a->field));
		break;
	case LFLOW_ARG_OPT: {
		const struct lflow_opt *opt = lflow_opt_get((enum lflow_opt_table)a->fmt, a->key);
		json_t *vals = json_array();
		json_object_set_new(o, "kind", json_string("option"));
		json_object_set_new(o, "name", opt ? json_string(opt->name) : json_null());
		for (uint16_t i = 0; i < a->n && a + 1 + i < end; i++) {
			unsigned u;
			json_array_append_new(vals, arg_json(p, a + 1 + i, end, &u));
			(*used)++;
		}
		json_object_set_new(o, "values", vals);
		break;
	}
	case LFLOW_ARG_BACKEND:
		json_object_set_new(o, "kind", json_string("backend"));
		json_object_set_new(o, "address", value_str(a->value, (enum lf_fmt)a->fmt));
		if (a->key)
			json_object_set_new(o, "port", json_integer(a->key));
		break;
	case LFLOW_ARG_MEMBER:
		json_object_set_new(o, "kind", json_string("member"));
		json_object_set_new(o, "id", json_integer(a->key));
		json_object_set_new(o, "weight", json_integer(a->n));
		break;
	default: json_object_set_new(o, "kind", json_integer(a->kind));
	}
	return o;
}

static bool uses_dst(enum lflow_op op)
{
	switch (op) {
	case LFLOW_OP_LOAD:
	case LFLOW_OP_MOVE:
	case LFLOW_OP_EXCHANGE:
	case LFLOW_OP_PUSH:
	case LFLOW_OP_POP:
	case LFLOW_OP_SELECT:
	case LFLOW_OP_LOOKUP_ARP:
	case LFLOW_OP_LOOKUP_ARP_IP:
	case LFLOW_OP_LOOKUP_ND:
	case LFLOW_OP_LOOKUP_ND_IP:
	case LFLOW_OP_GET_FDB:
	case LFLOW_OP_LOOKUP_FDB:
	case LFLOW_OP_PUT_DHCPV4_OPTS:
	case LFLOW_OP_PUT_DHCPV6_OPTS:
	case LFLOW_OP_PUT_ND_RA_OPTS:
	case LFLOW_OP_DNS_LOOKUP:
	case LFLOW_OP_CHK_LB_HAIRPIN:
	case LFLOW_OP_CHK_LB_HAIRPIN_REPLY:
	case LFLOW_OP_CHECK_IN_PORT_SEC:
	case LFLOW_OP_CHECK_OUT_PORT_SEC:
	case LFLOW_OP_CHK_ECMP_NH_MAC:
	case LFLOW_OP_CHK_ECMP_NH:
	case LFLOW_OP_CHK_LB_AFF:
	case LFLOW_OP_CHECK_PKT_LARGER:
	case LFLOW_OP_BIND_VPORT: return true;
	default: return false;
	}
}

static bool has_block(enum lflow_op op)
{
	switch (op) {
	case LFLOW_OP_CT_COMMIT:
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
	case LFLOW_OP_REJECT: return true;
	default: return false;
	}
}

static const char *const ct_lb_flags[] = {"none", "skip_snat", "force_snat"};
static const char *const verdicts[] = {"allow", "drop", "reject"};

static json_t *params_json(const struct lflow_prog *p, const struct lflow_insn *in)
{
	switch ((enum lflow_op)in->op) {
	case LFLOW_OP_NEXT:
		return json_pack("{s:s, s:i, s:o, s:b, s:b}", "pipeline",
				 in->u.next.pipeline == LFLOW_P_EGRESS ? "egress" : "ingress",
				 "table", in->u.next.table, "stage",
				 str_or_null(p, in->u.next.stage), "following",
				 (in->flags & LFLOW_NEXT_F_FOLLOWING) != 0, "other_pipeline",
				 (in->flags & LFLOW_NEXT_F_OTHER_PIPELINE) != 0);
	case LFLOW_OP_CT_DNAT:
	case LFLOW_OP_CT_SNAT:
	case LFLOW_OP_CT_DNAT_IN_CZONE:
	case LFLOW_OP_CT_SNAT_IN_CZONE: {
		json_t *o = json_pack("{s:i}", "family", in->u.nat.family);
		if (in->u.nat.has_range) {
			json_object_set_new(o, "port_lo", json_integer(in->u.nat.port_lo));
			json_object_set_new(o, "port_hi", json_integer(in->u.nat.port_hi));
		}
		return o;
	}
	case LFLOW_OP_CT_LB:
	case LFLOW_OP_CT_LB_MARK:
		return json_pack("{s:o, s:s}", "hash_fields",
				 str_or_null(p, in->u.ct_lb.hash_fields), "flag",
				 in->u.ct_lb.flag < 3 ? ct_lb_flags[in->u.ct_lb.flag] : "?");
	case LFLOW_OP_CT_COMMIT_V1:
		return json_pack("{s:I, s:I, s:b}", "mark", (json_int_t)in->u.ct_commit_v1.mark,
				 "mark_mask", (json_int_t)in->u.ct_commit_v1.mark_mask, "has_label",
				 in->u.ct_commit_v1.has_label != 0);
	case LFLOW_OP_SET_QUEUE: return json_pack("{s:i}", "queue_id", in->u.set_queue.queue_id);
	case LFLOW_OP_SET_METER:
		return json_pack("{s:I, s:I}", "rate", (json_int_t)in->u.set_meter.rate, "burst",
				 (json_int_t)in->u.set_meter.burst);
	case LFLOW_OP_CHECK_PKT_LARGER:
		return json_pack("{s:I}", "pkt_len", (json_int_t)in->u.check_pkt_larger.pkt_len);
	case LFLOW_OP_LOG:
		return json_pack("{s:o, s:o, s:s, s:i}", "name", str_or_null(p, in->u.log.name),
				 "meter", str_or_null(p, in->u.log.meter), "verdict",
				 in->u.log.verdict < 3 ? verdicts[in->u.log.verdict] : "?",
				 "severity", in->u.log.severity);
	case LFLOW_OP_TRIGGER_EVENT: return json_pack("{s:s}", "event", "empty_lb_backends");
	case LFLOW_OP_BIND_VPORT:
		return json_pack("{s:o}", "vport", str_or_null(p, in->u.bind_vport.vport));
	case LFLOW_OP_FWD_GROUP:
		return json_pack("{s:b}", "liveness", in->u.fwd_group.liveness != 0);
	case LFLOW_OP_COMMIT_ECMP_NH:
		return json_pack("{s:b, s:i}", "ipv6", in->u.commit_ecmp_nh.ipv6 != 0, "proto",
				 in->u.commit_ecmp_nh.proto);
	case LFLOW_OP_COMMIT_LB_AFF:
		return json_pack("{s:i, s:i, s:b}", "timeout", in->u.lb_aff.timeout, "proto",
				 in->u.lb_aff.proto, "ipv6", in->u.lb_aff.ipv6 != 0);
	case LFLOW_OP_SAMPLE:
		return json_pack("{s:I, s:I, s:i, s:i, s:b}", "collector_set",
				 (json_int_t)in->u.sample.collector_set, "obs_point",
				 (json_int_t)in->u.sample.obs_point, "probability",
				 in->u.sample.probability, "obs_domain", in->u.sample.obs_domain,
				 "use_cookie", in->u.sample.use_cookie != 0);
	default: return NULL;
	}
}

static void insn_text(struct act_buf *b, const void *p, const void *in)
{
	act_print_insn(b, p, in);
}

static json_t *insn_json(const struct lflow_prog *p, const struct lflow_insn *in, int depth)
{
	enum lflow_op op = (enum lflow_op)in->op;
	json_t *o = json_pack("{s:s}", "op", op < LFLOW_OP_N ? lflow_op_name(op) : "?"), *params;

	json_object_set_new(o, "text", text_of(insn_text, p, in));
	if (uses_dst(op))
		json_object_set_new(o, "dst", field_json(&in->dst));
	if (op == LFLOW_OP_MOVE || op == LFLOW_OP_EXCHANGE)
		json_object_set_new(o, "src", field_json(&in->src));
	if (in->n_args && in->arg <= p->n_args && in->n_args <= p->n_args - in->arg) {
		const struct lflow_arg *a = p->args + in->arg, *end = a + in->n_args;
		json_t *args = json_array();
		while (a < end) {
			unsigned used;
			json_array_append_new(args, arg_json(p, a, end, &used));
			a += used;
		}
		json_object_set_new(o, "args", args);
	}
	if ((params = params_json(p, in)) != NULL)
		json_object_set_new(o, "params", params);
	if (has_block(op) || in->n_sub)
		json_object_set_new(o, "block", block_json(p, in->sub, in->n_sub, depth + 1));
	return o;
}

static json_t *block_json(const struct lflow_prog *p, uint32_t first, uint32_t n, int depth)
{
	json_t *a = json_array();
	if (depth > LFLOW_ACT_MAX_DEPTH + 1 || first > p->n_insns || n > p->n_insns - first)
		return a;
	for (uint32_t i = 0; i < n; i++)
		json_array_append_new(a, insn_json(p, &p->insns[first + i], depth));
	return a;
}

json_t *lflow_prog_to_json(const struct lflow_prog *prog)
{
	return prog ? block_json(prog, prog->top, prog->n_top, 0) : json_array();
}
