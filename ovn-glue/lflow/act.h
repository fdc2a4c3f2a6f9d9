/* SPDX-License-Identifier: Apache-2.0 */
/* OVN logical-flow actions (the action language of OVN 23.03) compiled into a flat program.
 *
 * A program is one immutable block of memory: an array of instructions, an array of
 * operands and a string pool. The top-level action list is the instruction range
 * [top, top + n_top); an instruction with a nested block (clone {}, arp {}, ct_commit {},
 * ...) names its block as another range [sub, sub + n_sub) of the same array, and an
 * instruction's variable-length operands (ct_lb backends, DHCP options, select members,
 * ...) are the range [arg, arg + n_args) of the operand array. Nothing in a program is a
 * pointer, so it can be copied or shared between threads as is, and executing it per
 * packet needs no allocation.
 *
 * Fields are referenced by symbol-table id and bit range relative to that symbol (as
 * written: `ct_label.blocked`, `reg0[10]`); constants are 128-bit values with a mask and
 * the format they were written in, so a program prints back to canonical text. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lflow/lex.h"

/* Every action of OVN 23.03 (lib/actions.c and ovn-sb.xml). */
#define LFLOW_OPS(X)                                                                               \
	X(NEXT, "next")                                                                            \
	X(OUTPUT, "output")                                                                        \
	X(LOAD, "load")		/* dst = constant */                                               \
	X(MOVE, "move")		/* dst = src */                                                    \
	X(EXCHANGE, "exchange") /* dst <-> src */                                                  \
	X(PUSH, "push")                                                                            \
	X(POP, "pop")                                                                              \
	X(DEC_TTL, "ip.ttl--")                                                                     \
	X(CT_NEXT, "ct_next")                                                                      \
	X(CT_COMMIT_V1, "ct_commit") /* ct_commit(ct_mark=..., ct_label=...) */                    \
	X(CT_COMMIT, "ct_commit")    /* ct_commit; ct_commit { ... } */                            \
	X(CT_DNAT, "ct_dnat")                                                                      \
	X(CT_SNAT, "ct_snat")                                                                      \
	X(CT_DNAT_IN_CZONE, "ct_dnat_in_czone")                                                    \
	X(CT_SNAT_IN_CZONE, "ct_snat_in_czone")                                                    \
	X(CT_LB, "ct_lb")                                                                          \
	X(CT_LB_MARK, "ct_lb_mark")                                                                \
	X(SELECT, "select")                                                                        \
	X(CT_CLEAR, "ct_clear")                                                                    \
	X(CT_COMMIT_NAT, "ct_commit_nat")                                                          \
	X(CT_SNAT_TO_VIP, "ct_snat_to_vip")                                                        \
	X(CLONE, "clone")                                                                          \
	X(ARP, "arp")                                                                              \
	X(ICMP4, "icmp4")                                                                          \
	X(ICMP4_ERROR, "icmp4_error")                                                              \
	X(ICMP6, "icmp6")                                                                          \
	X(ICMP6_ERROR, "icmp6_error")                                                              \
	X(IGMP, "igmp")                                                                            \
	X(TCP_RESET, "tcp_reset")                                                                  \
	X(SCTP_ABORT, "sctp_abort")                                                                \
	X(ND_NA, "nd_na")                                                                          \
	X(ND_NA_ROUTER, "nd_na_router")                                                            \
	X(ND_NS, "nd_ns")                                                                          \
	X(REJECT, "reject")                                                                        \
	X(GET_ARP, "get_arp")                                                                      \
	X(PUT_ARP, "put_arp")                                                                      \
	X(LOOKUP_ARP, "lookup_arp")                                                                \
	X(LOOKUP_ARP_IP, "lookup_arp_ip")                                                          \
	X(GET_ND, "get_nd")                                                                        \
	X(PUT_ND, "put_nd")                                                                        \
	X(LOOKUP_ND, "lookup_nd")                                                                  \
	X(LOOKUP_ND_IP, "lookup_nd_ip")                                                            \
	X(PUT_DHCPV4_OPTS, "put_dhcp_opts")                                                        \
	X(PUT_DHCPV6_OPTS, "put_dhcpv6_opts")                                                      \
	X(PUT_ND_RA_OPTS, "put_nd_ra_opts")                                                        \
	X(DNS_LOOKUP, "dns_lookup")                                                                \
	X(SET_QUEUE, "set_queue")                                                                  \
	X(LOG, "log")                                                                              \
	X(SET_METER, "set_meter")                                                                  \
	X(CHECK_PKT_LARGER, "check_pkt_larger")                                                    \
	X(TRIGGER_EVENT, "trigger_event")                                                          \
	X(BIND_VPORT, "bind_vport")                                                                \
	X(HANDLE_SVC_CHECK, "handle_svc_check")                                                    \
	X(FWD_GROUP, "fwd_group")                                                                  \
	X(DHCP6_REPLY, "handle_dhcpv6_reply")                                                      \
	X(BFD_MSG, "handle_bfd_msg")                                                               \
	X(CHK_LB_HAIRPIN, "chk_lb_hairpin")                                                        \
	X(CHK_LB_HAIRPIN_REPLY, "chk_lb_hairpin_reply")                                            \
	X(PUT_FDB, "put_fdb")                                                                      \
	X(GET_FDB, "get_fdb")                                                                      \
	X(LOOKUP_FDB, "lookup_fdb")                                                                \
	X(CHECK_IN_PORT_SEC, "check_in_port_sec")                                                  \
	X(CHECK_OUT_PORT_SEC, "check_out_port_sec")                                                \
	X(COMMIT_ECMP_NH, "commit_ecmp_nh")                                                        \
	X(CHK_ECMP_NH_MAC, "chk_ecmp_nh_mac")                                                      \
	X(CHK_ECMP_NH, "chk_ecmp_nh")                                                              \
	X(COMMIT_LB_AFF, "commit_lb_aff")                                                          \
	X(CHK_LB_AFF, "chk_lb_aff")                                                                \
	X(SAMPLE, "sample")                                                                        \
	X(DROP, "drop") /* `...; drop;`: northd writes it after other actions                      \
			 * (LB VIPs without backends); OVN's parser refuses it */

enum lflow_op {
#define LFLOW_OP_ENUM(e, s) LFLOW_OP_##e,
	LFLOW_OPS(LFLOW_OP_ENUM)
#undef LFLOW_OP_ENUM
	    LFLOW_OP_N
};
const char *lflow_op_name(enum lflow_op op); /* the action's keyword: "ct_lb_mark" */

enum lflow_pipeline { LFLOW_P_INGRESS, LFLOW_P_EGRESS };

/* A field: symbol id (in the lflow symbol table) and bits [ofs, ofs + n_bits) of that
 * symbol. A string field (inport, outport) has n_bits == 0. */
struct lflow_fref {
	uint16_t sym;
	uint8_t ofs;
	uint8_t n_bits;
};

/* Operand kinds. */
enum lflow_arg_kind {
	LFLOW_ARG_CONST,   /* value (/mask) in format fmt */
	LFLOW_ARG_STR,	   /* str: offset in the string pool */
	LFLOW_ARG_FIELD,   /* field */
	LFLOW_ARG_OPT,	   /* option `key` of table `fmt` (enum lflow_opt_table); its `n`
			    * values are the operands that follow; `braced`: written as {...} */
	LFLOW_ARG_BACKEND, /* ct_lb backend: value is an IPv4 or IPv6 address (fmt), key the
			    * port (0 = none) */
	LFLOW_ARG_MEMBER,  /* select member: key = id, n = weight */
};

#define LFLOW_STR_NONE UINT32_MAX

struct lflow_arg {
	lf_u128 value;
	lf_u128 mask;	/* all ones unless masked */
	uint8_t kind;	/* enum lflow_arg_kind */
	uint8_t fmt;	/* CONST/BACKEND: enum lf_fmt; OPT: enum lflow_opt_table */
	uint8_t masked; /* CONST: written with a mask */
	uint8_t braced; /* OPT: values written in {} */
	uint16_t key;
	uint16_t n;
	uint32_t str; /* STR: offset in the string pool (NUL-terminated) */
	struct lflow_fref field;
};

/* Flags of NEXT. */
#define LFLOW_NEXT_F_FOLLOWING	    0x01 /* the stage after this one in the same pipeline */
#define LFLOW_NEXT_F_OTHER_PIPELINE 0x02 /* u.next.pipeline is not the flow's own */
/* ct_lb flags. */
enum lflow_ct_lb_flag { LFLOW_CT_LB_NONE, LFLOW_CT_LB_SKIP_SNAT, LFLOW_CT_LB_FORCE_SNAT };
enum lflow_log_verdict { LFLOW_LOG_ALLOW, LFLOW_LOG_DROP, LFLOW_LOG_REJECT };
enum lflow_log_severity {
	LFLOW_LOG_ALERT = 1,
	LFLOW_LOG_WARNING = 4,
	LFLOW_LOG_NOTICE = 5,
	LFLOW_LOG_INFO = 6,
	LFLOW_LOG_DEBUG = 7, /* syslog numbers, as OVN */
};
enum lflow_event { LFLOW_EVENT_EMPTY_LB_BACKENDS };

/* One instruction: 40 bytes. What each op uses (args are the operands [arg, arg + n_args);
 * "dst" is a 1-bit flag field for the `dst = f()` checks and lookups):
 *   NEXT               u.next (flags LFLOW_NEXT_F_*)
 *   LOAD               dst; args[0] CONST (numeric dst) or STR (port name for inport/outport)
 *   MOVE, EXCHANGE     dst, src (same width, both numeric or both strings)
 *   PUSH, POP          dst
 *   CT_COMMIT          nested block (ct_mark/ct_label writes), n_sub 0 for `ct_commit;`
 *   CT_COMMIT_V1       u.ct_commit_v1; label value/mask in args[0] if has_label
 *   CT_DNAT.._IN_CZONE u.nat; args[0] CONST address if family
 *   CT_LB, CT_LB_MARK  args BACKEND (address, key = port); u.ct_lb
 *   SELECT             dst (>= 16 bits); args MEMBER (key = id, n = weight)
 *   clone, arp, icmp*, tcp_reset, sctp_abort, nd_na*, nd_ns, reject: nested block
 *   GET_ARP/GET_ND     args FIELD port, FIELD ip
 *   PUT_ARP/PUT_ND     args FIELD port, FIELD ip, FIELD mac
 *   LOOKUP_ARP/_ND     dst; args FIELD port, ip, mac    LOOKUP_*_IP: dst; port, ip
 *   PUT_FDB            args FIELD port, FIELD mac       LOOKUP_FDB: dst; port, mac
 *   GET_FDB            dst (32 bits or a string field); args FIELD mac
 *   PUT_DHCPV4/V6_OPTS, PUT_ND_RA_OPTS, TRIGGER_EVENT: dst (not for events); args OPT
 *                      each followed by its n values (CONST or STR)
 *   DNS_LOOKUP, CHK_LB_HAIRPIN(_REPLY), CHECK_IN/OUT_PORT_SEC, CHK_ECMP_NH(_MAC),
 *   CHK_LB_AFF         dst
 *   CHECK_PKT_LARGER   dst; u.check_pkt_larger
 *   HANDLE_SVC_CHECK   args FIELD port               BIND_VPORT: u.bind_vport; dst = parent
 *   FWD_GROUP          u.fwd_group; args STR child ports
 *   COMMIT_LB_AFF      u.lb_aff; args[0] vip, args[1] backend (BACKEND: address, key port)
 *   LOG, SET_QUEUE, SET_METER, COMMIT_ECMP_NH, SAMPLE: their union member
 *   OUTPUT, DEC_TTL, CT_NEXT, CT_CLEAR, CT_COMMIT_NAT, CT_SNAT_TO_VIP, IGMP, DHCP6_REPLY,
 *   BFD_MSG, DROP      nothing */
struct lflow_insn {
	uint8_t op; /* enum lflow_op */
	uint8_t flags;
	uint16_t n_args; /* operands [arg, arg + n_args) */
	uint32_t arg;
	struct lflow_fref dst; /* destination / result / first field operand */
	struct lflow_fref src; /* source / second field operand */
	uint32_t sub;	       /* nested block [sub, sub + n_sub); n_sub == 0: empty (drop) */
	uint32_t n_sub;
	union {
		/* next: stage is the name of the target table (string; LFLOW_STR_NONE unless the
		 * parse params can name tables), so the engine links by name, not number */
		struct {
			uint8_t pipeline;
			uint8_t pad;
			uint16_t table;
			uint32_t stage;
		} next;
		/* ct_dnat, ct_snat, *_in_czone: family 0 (no address), 4 or 6; the address is
		 * args[0] when family != 0; port range lo..hi (hi 0: single port, lo 0: none) */
		struct {
			uint8_t family;
			uint8_t has_range;
			uint16_t port_lo, port_hi;
		} nat;
		struct {
			uint32_t hash_fields;
			uint8_t flag;
		} ct_lb; /* flag: lflow_ct_lb_flag;
			  * hash_fields: string */
		struct {
			uint32_t mark, mark_mask;
			uint8_t has_label;
		} ct_commit_v1; /* label:
				 * args[0] */
		struct {
			uint16_t queue_id;
		} set_queue;
		struct {
			uint64_t rate, burst;
		} set_meter;
		struct {
			uint32_t pkt_len;
		} check_pkt_larger;
		struct {
			uint32_t name, meter;
			uint8_t verdict, severity;
		} log; /* strings */
		struct {
			uint8_t event;
		} trigger_event; /* options: OPT operands */
		struct {
			uint32_t vport;
		} bind_vport; /* string; parent: dst */
		struct {
			uint8_t liveness;
		} fwd_group; /* child ports: STR operands */
		struct {
			uint8_t ipv6;
			uint8_t proto;
		} commit_ecmp_nh;
		/* commit_lb_aff: vip args[0], backend args[1] (IPv4 or IPv6, key port) */
		struct {
			uint16_t timeout;
			uint8_t proto;
			uint8_t ipv6;
		} lb_aff;
		struct {
			uint32_t collector_set, obs_point;
			uint16_t probability;
			uint8_t obs_domain, use_cookie;
		} sample;
		uint64_t raw[2];
	} u;
};

struct lflow_prog {
	uint32_t top, n_top; /* the top-level action list */
	uint32_t n_insns, n_args, strs_len;
	const struct lflow_insn *insns;
	const struct lflow_arg *args;
	const char *strs;    /* string pool */
	const char *prereqs; /* what the actions require of the match ("ip4 && tcp"), or
			      * NULL; the match compiler ANDs it with the flow's match */
};

static inline const char *lflow_prog_str(const struct lflow_prog *p, uint32_t off)
{
	return off == LFLOW_STR_NONE || off >= p->strs_len ? NULL : p->strs + off;
}

/* Where the flow sits: `next;` means table cur_table + 1 of `pipeline`. n_tables (0 = not
 * checked) bounds the tables `next(N)` and `next(pipeline=P, table=N)` may name, in either
 * pipeline (one bound for both, as OVN); stage_name, when set, checks each target exactly. */
struct lflow_act_params {
	enum lflow_pipeline pipeline;
	int cur_table;
	int n_tables;
	/* Optional: the stage name (external_ids:stage-name) of a table of a pipeline, or NULL
	 * if there is none. When set, every next names its target stage, and a next to a
	 * table without a stage is an error. */
	const char *(*stage_name)(const void *aux, enum lflow_pipeline p, int table);
	const void *aux;
};

/* Maximum nesting of nested action blocks (as OVN). */
#define LFLOW_ACT_MAX_DEPTH 32

/* Parses `text`. On success returns the program (free with lflow_prog_free()); on failure
 * returns NULL, sets *errp to a message (caller frees) and *err_pos to its byte offset. */
struct lflow_prog *lflow_act_parse(const char *text, const struct lflow_act_params *pp, char **errp,
				   size_t *err_pos);
void lflow_prog_free(struct lflow_prog *prog);

/* Canonical text of a program ("drop;" for an empty one), as OVN formats actions.
 * Returns a malloc'd string. */
char *lflow_prog_format(const struct lflow_prog *prog);

/* Options of put_dhcp_opts, put_dhcpv6_opts, put_nd_ra_opts and trigger_event. */
enum lflow_opt_table {
	LFLOW_OPTS_DHCPV4,
	LFLOW_OPTS_DHCPV6,
	LFLOW_OPTS_ND_RA,
	LFLOW_OPTS_EVENT_EMPTY_LB,
	LFLOW_OPTS_N
};
enum lflow_opt_type {
	LFLOW_OT_IPV4,
	LFLOW_OT_IPV6,
	LFLOW_OT_MAC,
	LFLOW_OT_BOOL,
	LFLOW_OT_UINT8,
	LFLOW_OT_UINT16,
	LFLOW_OT_UINT32,
	LFLOW_OT_STR,
	LFLOW_OT_DOMAINS,
	LFLOW_OT_HOST_ID, /* an IPv4 address or a host name string */
	LFLOW_OT_STATIC_ROUTES,
};
struct lflow_opt {
	const char *name;
	uint16_t code; /* DHCP/ND option code, or OVN's pseudo-code */
	uint8_t type;  /* enum lflow_opt_type */
};
/* Option `idx` of a table, or NULL; lookup by name returns the index or -1. */
const struct lflow_opt *lflow_opt_get(enum lflow_opt_table t, unsigned idx);
int lflow_opt_find(enum lflow_opt_table t, const char *name);
unsigned lflow_opt_count(enum lflow_opt_table t);
/* Pseudo-codes of OVN for options that are not on the wire. */
#define LFLOW_DHCP_OFFERIP	      0
#define LFLOW_ND_RA_ADDR_MODE	      0
#define LFLOW_ND_RA_PRF		      255
#define LFLOW_EVENT_OPT_VIP	      1
#define LFLOW_EVENT_OPT_PROTOCOL      2
#define LFLOW_EVENT_OPT_LOAD_BALANCER 3
