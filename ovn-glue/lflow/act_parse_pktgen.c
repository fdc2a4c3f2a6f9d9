/* SPDX-License-Identifier: Apache-2.0 */
/* Packet generation: arp { }, nd_na { }, nd_na_router { }, nd_ns { }, icmp4 { },
 * icmp4_error { }, icmp6 { }, icmp6_error { }, tcp_reset { }, sctp_abort { }, reject { },
 * igmp. Each nested block runs on the generated packet. */
#include "brint/util.h"
#include "lflow/act_int.h"

static const struct {
	const char *name;
	enum lflow_op op;
	const char *prereq; /* added to the flow's match; NULL: the block's own carry over */
} nested[] = {
    {"arp", LFLOW_OP_ARP, "ip4"},
    {"icmp4", LFLOW_OP_ICMP4, "ip4"},
    {"icmp4_error", LFLOW_OP_ICMP4_ERROR, "ip4"},
    {"icmp6", LFLOW_OP_ICMP6, "ip6"},
    {"icmp6_error", LFLOW_OP_ICMP6_ERROR, "ip6"},
    {"tcp_reset", LFLOW_OP_TCP_RESET, "tcp"},
    {"sctp_abort", LFLOW_OP_SCTP_ABORT, "sctp"},
    {"nd_na", LFLOW_OP_ND_NA, "nd_ns"},
    {"nd_na_router", LFLOW_OP_ND_NA_ROUTER, "nd_ns"},
    {"nd_ns", LFLOW_OP_ND_NS, "ip6"},
    {"reject", LFLOW_OP_REJECT, NULL},
};

bool act_parse_pktgen(struct act_ctx *c)
{
	struct lf_lexer *lx = c->lx;
	for (size_t i = 0; i < ARRAY_SIZE(nested); i++) {
		if (lf_lexer_match_id(lx, nested[i].name)) {
			act_parse_nested(c, nested[i].op, nested[i].prereq, c->scope);
			return true;
		}
	}
	if (lf_lexer_match_id(lx, "igmp")) {
		act_block_add(c->b, c->blk, LFLOW_OP_IGMP);
		return true;
	}
	return false;
}
