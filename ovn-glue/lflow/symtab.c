/* SPDX-License-Identifier: Apache-2.0 */
/* The OVN 23.03 logical-flow symbol table (see symtab.h). */
#include "lflow/symtab.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	unsigned width;
	enum lf_fmt fmt;
} mf_info[LF_MF_N] = {
    [LF_MF_NONE] = {"none", 0, LF_F_HEX},
    [LF_MF_REGS] = {"regs", 512, LF_F_HEX},
    [LF_MF_REG0 + 0] = {"reg0", 32, LF_F_HEX},
    [LF_MF_REG0 + 1] = {"reg1", 32, LF_F_HEX},
    [LF_MF_REG0 + 2] = {"reg2", 32, LF_F_HEX},
    [LF_MF_REG0 + 3] = {"reg3", 32, LF_F_HEX},
    [LF_MF_REG0 + 4] = {"reg4", 32, LF_F_HEX},
    [LF_MF_REG0 + 5] = {"reg5", 32, LF_F_HEX},
    [LF_MF_REG0 + 6] = {"reg6", 32, LF_F_HEX},
    [LF_MF_REG0 + 7] = {"reg7", 32, LF_F_HEX},
    [LF_MF_REG0 + 8] = {"reg8", 32, LF_F_HEX},
    [LF_MF_REG0 + 9] = {"reg9", 32, LF_F_HEX},
    [LF_MF_REG0 + 10] = {"reg10", 32, LF_F_HEX},
    [LF_MF_REG0 + 11] = {"reg11", 32, LF_F_HEX},
    [LF_MF_REG0 + 12] = {"reg12", 32, LF_F_HEX},
    [LF_MF_REG0 + 13] = {"reg13", 32, LF_F_HEX},
    [LF_MF_REG0 + 14] = {"reg14", 32, LF_F_HEX},
    [LF_MF_REG0 + 15] = {"reg15", 32, LF_F_HEX},
    [LF_MF_CT_STATE] = {"ct_state", 32, LF_F_HEX},
    [LF_MF_CT_MARK] = {"ct_mark", 32, LF_F_HEX},
    [LF_MF_CT_LABEL] = {"ct_label", 128, LF_F_HEX},
    [LF_MF_CT_NW_SRC] = {"ct_nw_src", 32, LF_F_IPV4},
    [LF_MF_CT_NW_DST] = {"ct_nw_dst", 32, LF_F_IPV4},
    [LF_MF_CT_IP6_SRC] = {"ct_ipv6_src", 128, LF_F_IPV6},
    [LF_MF_CT_IP6_DST] = {"ct_ipv6_dst", 128, LF_F_IPV6},
    [LF_MF_CT_NW_PROTO] = {"ct_nw_proto", 8, LF_F_DECIMAL},
    [LF_MF_CT_TP_SRC] = {"ct_tp_src", 16, LF_F_DECIMAL},
    [LF_MF_CT_TP_DST] = {"ct_tp_dst", 16, LF_F_DECIMAL},
    [LF_MF_PKT_MARK] = {"pkt.mark", 32, LF_F_HEX},
    [LF_MF_ETH_SRC] = {"eth.src", 48, LF_F_ETHERNET},
    [LF_MF_ETH_DST] = {"eth.dst", 48, LF_F_ETHERNET},
    [LF_MF_ETH_TYPE] = {"eth.type", 16, LF_F_HEX},
    [LF_MF_VLAN_TCI] = {"vlan.tci", 16, LF_F_HEX},
    [LF_MF_IP_PROTO] = {"ip.proto", 8, LF_F_DECIMAL},
    [LF_MF_IP_DSCP] = {"ip.dscp", 6, LF_F_DECIMAL},
    [LF_MF_IP_ECN] = {"ip.ecn", 2, LF_F_DECIMAL},
    [LF_MF_IP_TTL] = {"ip.ttl", 8, LF_F_DECIMAL},
    [LF_MF_IP_FRAG] = {"ip.frag", 2, LF_F_HEX},
    [LF_MF_IP4_SRC] = {"ip4.src", 32, LF_F_IPV4},
    [LF_MF_IP4_DST] = {"ip4.dst", 32, LF_F_IPV4},
    [LF_MF_IP6_SRC] = {"ip6.src", 128, LF_F_IPV6},
    [LF_MF_IP6_DST] = {"ip6.dst", 128, LF_F_IPV6},
    [LF_MF_IP6_LABEL] = {"ip6.label", 20, LF_F_HEX},
    [LF_MF_ARP_OP] = {"arp.op", 16, LF_F_DECIMAL},
    [LF_MF_ARP_SPA] = {"arp.spa", 32, LF_F_IPV4},
    [LF_MF_ARP_TPA] = {"arp.tpa", 32, LF_F_IPV4},
    [LF_MF_ARP_SHA] = {"arp.sha", 48, LF_F_ETHERNET},
    [LF_MF_ARP_THA] = {"arp.tha", 48, LF_F_ETHERNET},
    [LF_MF_ND_TARGET] = {"nd.target", 128, LF_F_IPV6},
    [LF_MF_ND_SLL] = {"nd.sll", 48, LF_F_ETHERNET},
    [LF_MF_ND_TLL] = {"nd.tll", 48, LF_F_ETHERNET},
    [LF_MF_L4_SRC] = {"l4.src", 16, LF_F_DECIMAL},
    [LF_MF_L4_DST] = {"l4.dst", 16, LF_F_DECIMAL},
    [LF_MF_TCP_FLAGS] = {"tcp.flags", 12, LF_F_HEX},
    [LF_MF_ICMP_TYPE] = {"icmp.type", 8, LF_F_DECIMAL},
    [LF_MF_ICMP_CODE] = {"icmp.code", 8, LF_F_DECIMAL},
    [LF_MF_ICMP4_FRAG_MTU] = {"icmp4.frag_mtu", 16, LF_F_DECIMAL},
    [LF_MF_ICMP6_FRAG_MTU] = {"icmp6.frag_mtu", 32, LF_F_DECIMAL},
};

const char *lf_mf_name(enum lf_mf mf)
{
	return (unsigned)mf < LF_MF_N ? mf_info[mf].name : "?";
}

unsigned lf_mf_width(enum lf_mf mf)
{
	return (unsigned)mf < LF_MF_N ? mf_info[mf].width : 0;
}

enum lf_fmt lf_mf_format(enum lf_mf mf)
{
	return (unsigned)mf < LF_MF_N ? mf_info[mf].fmt : LF_F_HEX;
}

enum lf_mf lf_mf_from_name(const char *name)
{
	for (unsigned i = 1; i < LF_MF_N; i++)
		if (!strcmp(mf_info[i].name, name))
			return (enum lf_mf)i;
	return LF_MF_NONE;
}

/* Definitions. Fields name their base field; subfields and predicates are text. */
#define F(n, m, fm, pre, w)                                                                        \
	{                                                                                          \
		.name = n, .type = LF_SYM_FIELD, .mf = m, .fmt = fm, .prereqs = pre, .wr = w       \
	}
#define SUB(n, fm, pre, exp, w)                                                                    \
	{                                                                                          \
		.name = n, .type = LF_SYM_SUBFIELD, .fmt = fm, .prereqs = pre, .expansion = exp,   \
		.wr = w                                                                            \
	}
#define PRED(n, exp)                                                                               \
	{                                                                                          \
		.name = n, .type = LF_SYM_PREDICATE, .expansion = exp                              \
	}
#define CTBIT(n, b)                                                                                \
	SUB("ct." n, LF_F_DECIMAL, b == 5 ? NULL : "ct.trk", "ct_state[" #b "]", LF_WR_NO)
#define FLAG(n, b) SUB("flags." n, LF_F_DECIMAL, NULL, "flags[" #b "]", LF_WR_YES)

static const struct lf_symbol defs[] = {
    /* conntrack */
    F("ct_state", LF_MF_CT_STATE, LF_F_HEX, NULL, LF_WR_NO),
    CTBIT("new", 0),
    CTBIT("est", 1),
    CTBIT("rel", 2),
    CTBIT("rpl", 3),
    CTBIT("inv", 4),
    CTBIT("trk", 5),
    CTBIT("snat", 6),
    CTBIT("dnat", 7),
    F("ct_mark", LF_MF_CT_MARK, LF_F_HEX, NULL, LF_WR_CT_COMMIT),
    SUB("ct_mark.blocked", LF_F_DECIMAL, NULL, "ct_mark[0]", LF_WR_CT_COMMIT),
    SUB("ct_mark.natted", LF_F_DECIMAL, NULL, "ct_mark[1]", LF_WR_CT_COMMIT),
    SUB("ct_mark.skip_snat", LF_F_DECIMAL, NULL, "ct_mark[2]", LF_WR_CT_COMMIT),
    SUB("ct_mark.force_snat", LF_F_DECIMAL, NULL, "ct_mark[3]", LF_WR_CT_COMMIT),
    SUB("ct_mark.ecmp_reply_port", LF_F_DECIMAL, NULL, "ct_mark[16..31]", LF_WR_CT_COMMIT),
    F("ct_label", LF_MF_CT_LABEL, LF_F_HEX, NULL, LF_WR_CT_COMMIT),
    SUB("ct_label.blocked", LF_F_DECIMAL, NULL, "ct_label[0]", LF_WR_CT_COMMIT),
    SUB("ct_label.natted", LF_F_DECIMAL, NULL, "ct_label[1]", LF_WR_CT_COMMIT),
    SUB("ct_label.ecmp_reply_eth", LF_F_ETHERNET, NULL, "ct_label[32..79]", LF_WR_CT_COMMIT),
    SUB("ct_label.ecmp_reply_port", LF_F_DECIMAL, NULL, "ct_label[80..95]", LF_WR_CT_COMMIT),
    SUB("ct_label.label", LF_F_DECIMAL, NULL, "ct_label[96..127]", LF_WR_CT_COMMIT),
    F("ct_nw_src", LF_MF_CT_NW_SRC, LF_F_IPV4, "ct.trk && ip4", LF_WR_NO),
    F("ct_nw_dst", LF_MF_CT_NW_DST, LF_F_IPV4, "ct.trk && ip4", LF_WR_NO),
    F("ct_ipv6_src", LF_MF_CT_IP6_SRC, LF_F_IPV6, "ct.trk && ip6", LF_WR_NO),
    F("ct_ipv6_dst", LF_MF_CT_IP6_DST, LF_F_IPV6, "ct.trk && ip6", LF_WR_NO),
    F("ct_nw_proto", LF_MF_CT_NW_PROTO, LF_F_DECIMAL, "ct.trk", LF_WR_NO),
    F("ct_tp_src", LF_MF_CT_TP_SRC, LF_F_DECIMAL, "ct.trk", LF_WR_NO),
    F("ct_tp_dst", LF_MF_CT_TP_DST, LF_F_DECIMAL, "ct.trk", LF_WR_NO),

    /* logical metadata in the register bank (see registers in build()) */
    SUB("flags", LF_F_HEX, NULL, "reg10[0..31]", LF_WR_YES),
    FLAG("loopback", 0),
    FLAG("force_snat_for_dnat", 2),
    FLAG("force_snat_for_lb", 3),
    FLAG("skip_snat_for_lb", 9),
    FLAG("use_snat_zone", 11),
    FLAG("localnet", 15),
    FLAG("tunnel_rx", 16),
    FLAG("icmp_snat", 17),
    FLAG("from_ctrl", 19),
    F("pkt.mark", LF_MF_PKT_MARK, LF_F_HEX, NULL, LF_WR_YES),

    /* Ethernet and VLAN */
    F("eth.src", LF_MF_ETH_SRC, LF_F_ETHERNET, NULL, LF_WR_YES),
    F("eth.dst", LF_MF_ETH_DST, LF_F_ETHERNET, NULL, LF_WR_YES),
    F("eth.type", LF_MF_ETH_TYPE, LF_F_HEX, NULL, LF_WR_YES),
    PRED("eth.bcast", "eth.dst == ff:ff:ff:ff:ff:ff"),
    SUB("eth.mcast", LF_F_DECIMAL, NULL, "eth.dst[40]", LF_WR_NO),
    PRED("eth.mcastv6", "eth.dst[32..47] == 0x3333"),
    F("vlan.tci", LF_MF_VLAN_TCI, LF_F_HEX, NULL, LF_WR_YES),
    PRED("vlan.present", "vlan.tci[12]"),
    SUB("vlan.pcp", LF_F_DECIMAL, "vlan.present", "vlan.tci[13..15]", LF_WR_YES),
    SUB("vlan.vid", LF_F_DECIMAL, "vlan.present", "vlan.tci[0..11]", LF_WR_YES),

    /* IP */
    PRED("ip4", "eth.type == 0x800"),
    PRED("ip6", "eth.type == 0x86dd"),
    PRED("ip", "ip4 || ip6"),
    F("ip.proto", LF_MF_IP_PROTO, LF_F_DECIMAL, "ip", LF_WR_YES),
    F("ip.dscp", LF_MF_IP_DSCP, LF_F_DECIMAL, "ip", LF_WR_YES),
    F("ip.ecn", LF_MF_IP_ECN, LF_F_DECIMAL, "ip", LF_WR_YES),
    F("ip.ttl", LF_MF_IP_TTL, LF_F_DECIMAL, "ip", LF_WR_YES),
    F("ip.frag", LF_MF_IP_FRAG, LF_F_HEX, "ip", LF_WR_NO),
    PRED("ip.is_frag", "ip.frag[0]"),
    PRED("ip.later_frag", "ip.frag[1]"),
    PRED("ip.first_frag", "ip.is_frag && !ip.later_frag"),
    F("ip4.src", LF_MF_IP4_SRC, LF_F_IPV4, "ip4", LF_WR_YES),
    F("ip4.dst", LF_MF_IP4_DST, LF_F_IPV4, "ip4", LF_WR_YES),
    PRED("ip4.src_mcast", "ip4.src[28..31] == 0xe"),
    PRED("ip4.mcast", "eth.mcast && ip4.dst[28..31] == 0xe"),
    F("ip6.src", LF_MF_IP6_SRC, LF_F_IPV6, "ip6", LF_WR_YES),
    F("ip6.dst", LF_MF_IP6_DST, LF_F_IPV6, "ip6", LF_WR_YES),
    F("ip6.label", LF_MF_IP6_LABEL, LF_F_HEX, "ip6", LF_WR_YES),
    PRED("ip6.mcast_rsvd", "ip6.dst[116..127] == 0xff0 && ip6.dst[0..111] == 0x0"),
    PRED("ip6.mcast_all_nodes", "ip6.dst == ff01::1 || ip6.dst == ff02::1"),
    PRED("ip6.mcast_all_rtrs", "ip6.dst == ff01::2 || ip6.dst == ff02::2 || ip6.dst == ff05::2"),
    PRED("ip6.mcast_sol_node", "ip6.dst == ff02::1:ff00:0000/104"),
    PRED("ip6.mcast_flood", "eth.mcastv6 && (ip6.mcast_rsvd || ip6.mcast_all_nodes || "
			    "ip6.mcast_all_rtrs || ip6.mcast_sol_node)"),
    PRED("ip6.mcast", "eth.mcastv6 && ip6.dst[120..127] == 0xff"),

    /* ICMP, IGMP, MLD, ND */
    PRED("icmp4", "ip4 && ip.proto == 1"),
    F("icmp4.type", LF_MF_ICMP_TYPE, LF_F_DECIMAL, "icmp4", LF_WR_YES),
    F("icmp4.code", LF_MF_ICMP_CODE, LF_F_DECIMAL, "icmp4", LF_WR_YES),
    F("icmp4.frag_mtu", LF_MF_ICMP4_FRAG_MTU, LF_F_DECIMAL, "icmp4", LF_WR_YES),
    PRED("igmp", "ip4.mcast && ip.proto == 2"),
    PRED("icmp6", "ip6 && ip.proto == 58"),
    F("icmp6.type", LF_MF_ICMP_TYPE, LF_F_DECIMAL, "icmp6", LF_WR_YES),
    F("icmp6.code", LF_MF_ICMP_CODE, LF_F_DECIMAL, "icmp6", LF_WR_YES),
    F("icmp6.frag_mtu", LF_MF_ICMP6_FRAG_MTU, LF_F_DECIMAL, "icmp6", LF_WR_YES),
    PRED("icmp", "icmp4 || icmp6"),
    PRED("nd", "icmp6.type == {135, 136} && icmp6.code == 0 && ip.ttl == 255"),
    PRED("nd_ns", "icmp6.type == 135 && icmp6.code == 0 && ip.ttl == 255"),
    PRED("nd_ns_mcast", "ip6.mcast && icmp6.type == 135 && icmp6.code == 0 && ip.ttl == 255"),
    PRED("nd_na", "icmp6.type == 136 && icmp6.code == 0 && ip.ttl == 255"),
    PRED("nd_rs", "icmp6.type == 133 && icmp6.code == 0 && ip.ttl == 255"),
    PRED("nd_ra", "icmp6.type == 134 && icmp6.code == 0 && ip.ttl == 255"),
    F("nd.target", LF_MF_ND_TARGET, LF_F_IPV6, "nd", LF_WR_YES),
    F("nd.sll", LF_MF_ND_SLL, LF_F_ETHERNET, "nd_ns", LF_WR_YES),
    F("nd.tll", LF_MF_ND_TLL, LF_F_ETHERNET, "nd_na", LF_WR_YES),
    PRED("mldv1", "eth.mcastv6 && ip6.src == fe80::/10 && icmp6.type == {130, 131, 132}"),
    PRED("mldv2", "eth.mcastv6 && ip6.dst == ff02::16 && icmp6.type == 143"),

    /* ARP and RARP (same layout, same base fields) */
    PRED("arp", "eth.type == 0x806"),
    F("arp.op", LF_MF_ARP_OP, LF_F_DECIMAL, "arp", LF_WR_YES),
    F("arp.spa", LF_MF_ARP_SPA, LF_F_IPV4, "arp", LF_WR_YES),
    F("arp.sha", LF_MF_ARP_SHA, LF_F_ETHERNET, "arp", LF_WR_YES),
    F("arp.tpa", LF_MF_ARP_TPA, LF_F_IPV4, "arp", LF_WR_YES),
    F("arp.tha", LF_MF_ARP_THA, LF_F_ETHERNET, "arp", LF_WR_YES),
    PRED("rarp", "eth.type == 0x8035"),
    F("rarp.op", LF_MF_ARP_OP, LF_F_DECIMAL, "rarp", LF_WR_YES),
    F("rarp.spa", LF_MF_ARP_SPA, LF_F_IPV4, "rarp", LF_WR_YES),
    F("rarp.sha", LF_MF_ARP_SHA, LF_F_ETHERNET, "rarp", LF_WR_YES),
    F("rarp.tpa", LF_MF_ARP_TPA, LF_F_IPV4, "rarp", LF_WR_YES),
    F("rarp.tha", LF_MF_ARP_THA, LF_F_ETHERNET, "rarp", LF_WR_YES),

    /* L4 */
    PRED("tcp", "ip.proto == 6"),
    F("tcp.src", LF_MF_L4_SRC, LF_F_DECIMAL, "tcp", LF_WR_YES),
    F("tcp.dst", LF_MF_L4_DST, LF_F_DECIMAL, "tcp", LF_WR_YES),
    F("tcp.flags", LF_MF_TCP_FLAGS, LF_F_HEX, "tcp", LF_WR_NO),
    PRED("udp", "ip.proto == 17"),
    F("udp.src", LF_MF_L4_SRC, LF_F_DECIMAL, "udp", LF_WR_YES),
    F("udp.dst", LF_MF_L4_DST, LF_F_DECIMAL, "udp", LF_WR_YES),
    PRED("sctp", "ip.proto == 132"),
    F("sctp.src", LF_MF_L4_SRC, LF_F_DECIMAL, "sctp", LF_WR_YES),
    F("sctp.dst", LF_MF_L4_DST, LF_F_DECIMAL, "sctp", LF_WR_YES),
};

#define N_REG_SYMS (4 + 8 + 16 + 2)
#define N_SYMS	   (sizeof defs / sizeof defs[0] + N_REG_SYMS)

static struct lf_symbol syms[N_SYMS];
static const struct lf_symbol *sorted[N_SYMS];
static char reg_names[N_REG_SYMS][8];
static char reg_exps[N_REG_SYMS][24];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int cmp_sym(const void *a, const void *b)
{
	return strcmp((*(const struct lf_symbol *const *)a)->name,
		      (*(const struct lf_symbol *const *)b)->name);
}

static const struct lf_symbol *find(const char *name, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(syms[i].name, name))
			return &syms[i];
	return NULL;
}

/* Resolve "parent[lo..hi]" or "parent[b]" of a subfield (definitions are trusted). */
static void resolve_subfield(struct lf_symbol *s, size_t n_known)
{
	char parent[64];
	unsigned lo, hi;
	const char *br = strchr(s->expansion, '[');
	size_t pl = (size_t)(br - s->expansion);
	memcpy(parent, s->expansion, pl);
	parent[pl] = '\0';
	if (sscanf(br, "[%u..%u]", &lo, &hi) != 2) {
		sscanf(br, "[%u]", &lo);
		hi = lo;
	}
	const struct lf_symbol *p = find(parent, n_known);
	if (!p || hi < lo || hi >= p->width)
		abort(); /* a bug in the table above */
	s->parent = p;
	s->mf = p->mf;
	s->ofs = p->ofs + lo;
	s->width = hi - lo + 1;
}

/* Base fields OVS cannot mask (meta-flow's "Maskable: no"), and OVN's own fields: nominal. */
static bool mf_nominal(enum lf_mf mf)
{
	switch (mf) {
	case LF_MF_ETH_TYPE:
	case LF_MF_IP_PROTO:
	case LF_MF_IP_DSCP:
	case LF_MF_IP_ECN:
	case LF_MF_IP_TTL:
	case LF_MF_ARP_OP:
	case LF_MF_ICMP_TYPE:
	case LF_MF_ICMP_CODE:
	case LF_MF_CT_NW_PROTO:
	case LF_MF_ICMP4_FRAG_MTU:
	case LF_MF_ICMP6_FRAG_MTU: return true;
	default: return false;
	}
}

/* As OVN: a predicate is nominal if its definition (without prerequisites) names a nominal
 * field or predicate, else Boolean. Definitions are trusted and refer only to earlier
 * symbols or to predicates, resolved here recursively (depth-bounded). */
static enum lf_level level_of(const struct lf_symbol *s, size_t n, int depth)
{
	const char *p;
	if (s->type == LF_SYM_STRING)
		return LF_L_NOMINAL;
	if (s->type == LF_SYM_FIELD)
		return mf_nominal(s->mf) ? LF_L_NOMINAL : LF_L_ORDINAL;
	if (s->type == LF_SYM_SUBFIELD)
		return s->parent ? level_of(s->parent, n, depth) : LF_L_ORDINAL;
	if (depth > 8)
		abort(); /* a loop in the table above */
	for (p = s->expansion; *p;) {
		char id[64];
		size_t k = 0;
		const struct lf_symbol *t;
		if (!(isalpha((unsigned char)*p) || *p == '_')) {
			p++;
			continue;
		}
		while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '.') &&
		       k < sizeof(id) - 1)
			id[k++] = *p++;
		id[k] = '\0';
		if ((t = find(id, n)) != NULL && level_of(t, n, depth + 1) == LF_L_NOMINAL)
			return LF_L_NOMINAL;
	}
	return LF_L_BOOLEAN;
}

const char *lf_level_name(enum lf_level l)
{
	return l == LF_L_NOMINAL ? "nominal" : l == LF_L_BOOLEAN ? "Boolean" : "ordinal";
}

static void build(void)
{
	size_t n = 0, r = 0;
	/* registers first: subfields refer to them */
	for (unsigned k = 0; k < 4; k++, r++) {
		snprintf(reg_names[r], sizeof reg_names[r], "xxreg%u", k);
		syms[n++] = (struct lf_symbol){.name = reg_names[r],
					       .type = LF_SYM_FIELD,
					       .wr = LF_WR_YES,
					       .fmt = LF_F_HEX,
					       .mf = LF_MF_REGS,
					       .ofs = lf_reg_bank_ofs(4 * k + 3),
					       .width = 128};
	}
	for (unsigned k = 0; k < 8; k++, r++) {
		snprintf(reg_names[r], sizeof reg_names[r], "xreg%u", k);
		snprintf(reg_exps[r], sizeof reg_exps[r], "xxreg%u[%u..%u]", k / 2,
			 64 * (1 - k % 2), 64 * (1 - k % 2) + 63);
		syms[n] = (struct lf_symbol){.name = reg_names[r],
					     .type = LF_SYM_SUBFIELD,
					     .wr = LF_WR_YES,
					     .fmt = LF_F_HEX,
					     .expansion = reg_exps[r]};
		resolve_subfield(&syms[n], n);
		n++;
	}
	for (unsigned k = 0; k < 16; k++, r++) {
		snprintf(reg_names[r], sizeof reg_names[r], "reg%u", k);
		snprintf(reg_exps[r], sizeof reg_exps[r], "xxreg%u[%u..%u]", k / 4,
			 32 * (3 - k % 4), 32 * (3 - k % 4) + 31);
		syms[n] = (struct lf_symbol){.name = reg_names[r],
					     .type = LF_SYM_SUBFIELD,
					     .wr = LF_WR_YES,
					     .fmt = LF_F_HEX,
					     .expansion = reg_exps[r]};
		resolve_subfield(&syms[n], n);
		n++;
	}
	/* the logical ports: strings stored in reg14 and reg15 */
	syms[n++] = (struct lf_symbol){.name = "inport",
				       .type = LF_SYM_STRING,
				       .wr = LF_WR_YES,
				       .fmt = LF_F_DECIMAL,
				       .mf = LF_MF_REGS,
				       .ofs = lf_reg_bank_ofs(14),
				       .width = 32};
	r++;
	syms[n++] = (struct lf_symbol){.name = "outport",
				       .type = LF_SYM_STRING,
				       .wr = LF_WR_YES,
				       .fmt = LF_F_DECIMAL,
				       .mf = LF_MF_REGS,
				       .ofs = lf_reg_bank_ofs(15),
				       .width = 32};
	r++;
	for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
		struct lf_symbol *s = &syms[n];
		*s = defs[i];
		if (s->type == LF_SYM_FIELD)
			s->width = lf_mf_width(s->mf);
		else if (s->type == LF_SYM_SUBFIELD)
			resolve_subfield(s, n);
		n++;
	}
	for (size_t i = 0; i < n; i++)
		syms[i].level = level_of(&syms[i], n, 0);
	for (size_t i = 0; i < n; i++)
		sorted[i] = &syms[i];
	qsort(sorted, n, sizeof sorted[0], cmp_sym);
}

static void init(void)
{
	pthread_once(&once, build);
}

const struct lf_symbol *lf_symtab_lookup(const char *name)
{
	init();
	size_t lo = 0, hi = N_SYMS;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, sorted[mid]->name);
		if (!c)
			return sorted[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t lf_symtab_count(void)
{
	init();
	return N_SYMS;
}

const struct lf_symbol *lf_symtab_at(size_t i)
{
	init();
	return i < N_SYMS ? &syms[i] : NULL;
}
