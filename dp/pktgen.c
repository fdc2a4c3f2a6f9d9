/* SPDX-License-Identifier: Apache-2.0 */
/* ARP replies and requests, ICMP/ICMPv6 echo replies and errors, neighbour advertisements and
 * TCP resets built from a received frame into a caller's buffer. Every read of the input is
 * checked against its length; every checksum of the output is computed in full. */
#include "pktgen.h"

#include <string.h>

#define ETH_P_IP     0x0800
#define ETH_P_ARP    0x0806
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_IPV6   0x86dd

enum { P_ICMP = 1, P_TCP = 6, P_ICMPV6 = 58, P_SCTP = 132 };
enum {
	SCTP_INIT = 1,
	SCTP_ABORT = 6,
	SCTP_SHUTDOWN_ACK = 8,
	SCTP_ERROR = 9,
	SCTP_COOKIE_ACK = 11,
	SCTP_SHUTDOWN_COMPLETE = 14,
	SCTP_CAUSE_STALE_COOKIE = 3,
};
enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_ACK = 0x10 };
enum { ND_NS = 135, ND_NA = 136, ND_REDIRECT = 137, ND_OPT_SLL = 1, ND_OPT_TLL = 2 };

#define IP4_HLEN	    20
#define IP6_HLEN	    40
#define ICMP_HLEN	    8
#define TCP_HLEN	    20
#define TOS_CS6		    0xc0 /* OVN's generated IPv4 packets: DSCP CS6, network control */
#define ICMP4_QUOTE_DEFAULT (576 - IP4_HLEN - ICMP_HLEN)  /* RFC 1812 4.3.2.3 */
#define ICMP6_QUOTE_DEFAULT (1280 - IP6_HLEN - ICMP_HLEN) /* RFC 4443 2.4(c) */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* a network-order value of the key, in host order */
static uint32_t h32(uint32_t be)
{
	uint8_t b[4];
	memcpy(b, &be, 4);
	return rd32(b);
}

static uint16_t h16(uint16_t be)
{
	uint8_t b[2];
	memcpy(b, &be, 2);
	return rd16(b);
}

/* RFC 1071: the one's complement sum of 16-bit big-endian words, odd byte padded with 0 */
static uint64_t sum(const uint8_t *p, size_t n, uint64_t s)
{
	size_t i;
	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint16_t csum(uint64_t s)
{
	return (uint16_t)~fold(s);
}

static uint64_t pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, size_t len)
{
	return sum(src, 4, sum(dst, 4, 0)) + proto + len;
}

static uint64_t pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t nh, size_t len)
{
	return sum(src, 16, sum(dst, 16, 0)) + (len >> 16) + (len & 0xffff) + nh;
}

static bool eth_mcast(const uint8_t m[6])
{
	return m[0] & 1; /* the group bit: multicast, broadcast included */
}

static bool eth_zero(const uint8_t m[6])
{
	static const uint8_t z[6];
	return memcmp(m, z, 6) == 0;
}

/* a source that names one host (RFC 1812 4.3.2.7, 5.3.7): not 0/8, 127/8, 224/4 or 240/4 */
static bool ip4_host(uint32_t be)
{
	uint32_t a = h32(be);
	return (a >> 24) != 0 && (a >> 24) != 127 && a < 0xe0000000u;
}

/* a destination that is not one host: multicast 224/4, 240/4 with 255.255.255.255 */
static bool ip4_group(uint32_t be)
{
	return h32(be) >= 0xe0000000u;
}

static bool ip6_mcast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

static bool ip6_unspec(const uint8_t a[16])
{
	static const uint8_t z[16];
	return memcmp(a, z, 16) == 0;
}

static bool ip6_host(const uint8_t a[16])
{
	static const uint8_t lo[16] = {[15] = 1};
	return !ip6_unspec(a) && !ip6_mcast(a) && memcmp(a, lo, 16) != 0;
}

static bool in_ok(const struct pktgen_in *in, const uint8_t *out)
{
	return in && in->pkt && in->key && in->lay && out && in->len >= 14;
}

/* ---- the input's headers, checked against its bytes ---- */

struct l2 {
	uint16_t tpid, tci; /* tpid 0: untagged */
};

static bool in_l2(const struct pktgen_in *in, struct l2 *t)
{
	uint16_t ofs = in->lay->vlan_ofs;
	t->tpid = t->tci = 0;
	if (!(in->key->vlan_tci & FLOW_VLAN_PRESENT))
		return ofs == 0;
	if (ofs != 12 || in->len < 18)
		return false;
	t->tpid = rd16(in->pkt + 12);
	t->tci = rd16(in->pkt + 14);
	return t->tpid == ETH_P_8021Q || t->tpid == ETH_P_8021AD;
}

static size_t l2_len(const struct l2 *t)
{
	return t->tpid ? 18 : 14;
}

struct ip_in {
	const uint8_t *ip; /* the IP header */
	size_t hlen;	   /* IPv4: IHL * 4; IPv6: 40 + extension headers */
	size_t tot;	   /* IPv4 total length; IPv6 40 + payload length */
	const uint8_t *l4; /* NULL if the parser found no L4 header (a later fragment) */
	size_t l4len;	   /* up to the end of the datagram */
};

static bool in_ip4(const struct pktgen_in *in, struct ip_in *v)
{
	const struct flow_layout *l = in->lay;
	size_t room;
	if (in->key->eth_type != ETH_P_IP || l->l3_ofs < 14 || l->l3_ofs >= in->len)
		return false;
	room = in->len - l->l3_ofs;
	v->ip = in->pkt + l->l3_ofs;
	if (room < IP4_HLEN || (v->ip[0] >> 4) != 4)
		return false;
	v->hlen = (size_t)(v->ip[0] & 0x0f) * 4;
	v->tot = rd16(v->ip + 2);
	if (v->hlen < IP4_HLEN || v->tot < v->hlen || v->tot > room)
		return false;
	v->l4 = NULL;
	v->l4len = 0;
	if (l->l4_ofs) {
		if (l->l4_ofs != l->l3_ofs + v->hlen)
			return false;
		v->l4 = v->ip + v->hlen;
		v->l4len = v->tot - v->hlen;
	}
	return true;
}

static bool in_ip6(const struct pktgen_in *in, struct ip_in *v)
{
	const struct flow_layout *l = in->lay;
	size_t room;
	if (in->key->eth_type != ETH_P_IPV6 || l->l3_ofs < 14 || l->l3_ofs >= in->len)
		return false;
	room = in->len - l->l3_ofs;
	v->ip = in->pkt + l->l3_ofs;
	if (room < IP6_HLEN || (v->ip[0] >> 4) != 6)
		return false;
	v->tot = IP6_HLEN + (size_t)rd16(v->ip + 4);
	v->hlen = l->l3_len;
	if (v->tot > room || v->hlen < IP6_HLEN || v->hlen > v->tot)
		return false;
	v->l4 = NULL;
	v->l4len = 0;
	if (l->l4_ofs) {
		if (l->l4_ofs != l->l3_ofs + v->hlen)
			return false;
		v->l4 = v->ip + v->hlen;
		v->l4len = v->tot - v->hlen;
	}
	return true;
}

/* ---- output headers ---- */

static size_t put_eth(uint8_t *o, const uint8_t dst[6], const uint8_t src[6], const struct l2 *t,
		      uint16_t type)
{
	memcpy(o, dst, 6);
	memcpy(o + 6, src, 6);
	if (t->tpid) {
		wr16(o + 12, t->tpid);
		wr16(o + 14, t->tci);
		wr16(o + 16, type);
		return 18;
	}
	wr16(o + 12, type);
	return 14;
}

static void put_ip4(uint8_t *p, uint8_t tos, size_t tot, uint8_t ttl, uint8_t proto, uint32_t src,
		    uint32_t dst)
{
	p[0] = 0x45;
	p[1] = tos;
	wr16(p + 2, (uint16_t)tot);
	wr16(p + 4, 0);	     /* ID 0: an atomic datagram (RFC 6864) */
	wr16(p + 6, 0x4000); /* DF */
	p[8] = ttl ? ttl : PKTGEN_TTL_DEFAULT;
	p[9] = proto;
	wr16(p + 10, 0);
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	wr16(p + 10, csum(sum(p, IP4_HLEN, 0)));
}

static void put_ip6(uint8_t *p, uint8_t tclass, size_t plen, uint8_t nh, uint8_t hlim,
		    const uint8_t src[16], const uint8_t dst[16])
{
	wr32(p, 6u << 28 | (uint32_t)tclass << 20); /* flow label 0 */
	wr16(p + 4, (uint16_t)plen);
	p[6] = nh;
	p[7] = hlim ? hlim : PKTGEN_TTL_DEFAULT;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

/* ---- ARP ---- */

int pktgen_arp(const struct pktgen_arp *a, uint8_t *out, size_t cap)
{
	struct l2 t;
	size_t h;
	uint8_t *p;

	if (!a || !out)
		return -1;
	if (a->vlan_tpid && a->vlan_tpid != ETH_P_8021Q && a->vlan_tpid != ETH_P_8021AD)
		return -1;
	t.tpid = a->vlan_tpid;
	t.tci = a->vlan_tci;
	if (cap < l2_len(&t) + 28)
		return -1;
	h = put_eth(out, a->eth_dst, a->eth_src, &t, ETH_P_ARP);
	p = out + h;
	wr16(p, 1); /* Ethernet */
	wr16(p + 2, ETH_P_IP);
	p[4] = 6;
	p[5] = 4;
	wr16(p + 6, a->op);
	memcpy(p + 8, a->sha, 6);
	memcpy(p + 14, &a->spa, 4);
	memcpy(p + 18, a->tha, 6);
	memcpy(p + 24, &a->tpa, 4);
	return (int)(h + 28);
}

int pktgen_arp_from_ip(const struct pktgen_in *in, struct pktgen_arp *a)
{
	const struct flow_key *k;
	struct l2 t;

	if (!in || !in->key || !in->lay || !in->pkt || !a || in->len < 14)
		return -1;
	k = in->key;
	if ((k->eth_type != ETH_P_IP && k->eth_type != ETH_P_IPV6) || !in_l2(in, &t))
		return -1;
	memset(a, 0, sizeof(*a));
	memcpy(a->eth_dst, k->eth_dst, 6);
	memcpy(a->eth_src, k->eth_src, 6);
	a->vlan_tpid = t.tpid;
	a->vlan_tci = t.tci;
	a->op = 1;
	memcpy(a->sha, k->eth_src, 6);
	if (k->eth_type == ETH_P_IP) {
		a->spa = k->ip4_src;
		a->tpa = k->ip4_dst;
	}
	return 0;
}

int pktgen_arp_reply(const struct pktgen_in *in, const uint8_t mac[6], uint8_t *out, size_t cap)
{
	const struct flow_key *k;
	struct pktgen_arp a;
	struct l2 t;

	if (!in_ok(in, out) || !mac)
		return -1;
	k = in->key;
	if (k->eth_type != ETH_P_ARP || in->lay->l3_ofs == 0 || h16(k->arp_op) != 1 ||
	    eth_mcast(k->eth_src) || !in_l2(in, &t))
		return -1;
	memcpy(a.eth_dst, k->eth_src, 6);
	memcpy(a.eth_src, mac, 6);
	a.vlan_tpid = t.tpid;
	a.vlan_tci = t.tci;
	a.op = 2;
	memcpy(a.sha, mac, 6);
	a.spa = k->ip4_dst;
	memcpy(a.tha, k->arp_sha, 6);
	a.tpa = k->ip4_src;
	return pktgen_arp(&a, out, cap);
}

/* ---- ICMP echo ---- */

int pktgen_icmp4_echo_reply(const struct pktgen_in *in, uint8_t ttl, uint8_t *out, size_t cap)
{
	const struct flow_key *k;
	struct ip_in v;
	struct l2 t;
	size_t h, n;
	uint8_t *icmp;

	if (!in_ok(in, out) || !in_ip4(in, &v) || !in_l2(in, &t))
		return -1;
	k = in->key;
	if (k->nw_proto != P_ICMP || k->nw_frag || !v.l4 || v.l4len < ICMP_HLEN || v.l4[0] != 8 ||
	    v.l4[1] != 0 || csum(sum(v.l4, v.l4len, 0)) != 0)
		return -1;
	if (!ip4_host(k->ip4_src) || ip4_group(k->ip4_dst) || eth_mcast(k->eth_src) ||
	    eth_mcast(k->eth_dst))
		return -1;
	n = l2_len(&t) + IP4_HLEN + v.l4len;
	if (n > cap)
		return -1;
	h = put_eth(out, k->eth_src, k->eth_dst, &t, ETH_P_IP);
	put_ip4(out + h, k->nw_tos & 0xfc, IP4_HLEN + v.l4len, ttl, P_ICMP, k->ip4_dst, k->ip4_src);
	icmp = out + h + IP4_HLEN;
	memcpy(icmp, v.l4, v.l4len);
	icmp[0] = 0; /* echo reply */
	wr16(icmp + 2, 0);
	wr16(icmp + 2, csum(sum(icmp, v.l4len, 0)));
	return (int)n;
}

int pktgen_icmp6_echo_reply(const struct pktgen_in *in, uint8_t ttl, uint8_t *out, size_t cap)
{
	const struct flow_key *k;
	struct ip_in v;
	struct l2 t;
	size_t h, n;
	uint8_t *ip, *icmp;

	if (!in_ok(in, out) || !in_ip6(in, &v) || !in_l2(in, &t))
		return -1;
	k = in->key;
	if (k->nw_proto != P_ICMPV6 || k->nw_frag || !v.l4 || v.l4len < ICMP_HLEN ||
	    v.l4[0] != 128 || v.l4[1] != 0 ||
	    csum(sum(v.l4, v.l4len, pseudo6(k->ip6_src, k->ip6_dst, P_ICMPV6, v.l4len))) != 0)
		return -1;
	if (!ip6_host(k->ip6_src) || ip6_mcast(k->ip6_dst) || eth_mcast(k->eth_src) ||
	    eth_mcast(k->eth_dst))
		return -1;
	n = l2_len(&t) + IP6_HLEN + v.l4len;
	if (n > cap)
		return -1;
	h = put_eth(out, k->eth_src, k->eth_dst, &t, ETH_P_IPV6);
	ip = out + h;
	put_ip6(ip, k->nw_tos & 0xfc, v.l4len, P_ICMPV6, ttl, k->ip6_dst, k->ip6_src);
	icmp = ip + IP6_HLEN;
	memcpy(icmp, v.l4, v.l4len);
	icmp[0] = 129; /* echo reply */
	wr16(icmp + 2, 0);
	wr16(icmp + 2, csum(sum(icmp, v.l4len, pseudo6(ip + 8, ip + 24, P_ICMPV6, v.l4len))));
	return (int)n;
}

/* ---- ICMP errors ---- */

/* ICMPv4 messages that are not errors (RFC 792, 950, 1256): anything else, unknown types
 * included, is not answered with an error (as Linux does) */
static bool icmp4_query(uint8_t type)
{
	switch (type) {
	case 0:
	case 8: /* echo */
	case 9:
	case 10: /* router advertisement, solicitation */
	case 13:
	case 14: /* timestamp */
	case 15:
	case 16: /* information */
	case 17:
	case 18: /* address mask */ return true;
	default: return false;
	}
}

static size_t quote_len(size_t avail, size_t want, size_t least)
{
	if (want < least)
		want = least;
	return avail < want ? avail : want;
}

int pktgen_icmp4_error(const struct pktgen_in *in, const struct pktgen_icmp_err *e, uint8_t *out,
		       size_t cap)
{
	const struct flow_key *k;
	struct ip_in v;
	struct l2 t;
	size_t h, n, q;
	uint8_t *icmp;
	const uint8_t *eth_dst;

	if (!in_ok(in, out) || !e || !in_ip4(in, &v) || !in_l2(in, &t))
		return -1;
	k = in->key;
	if (e->type == 3) {
		if (e->code > 15 || (e->code == 4 && (e->mtu < 68 || e->mtu > 0xffff)))
			return -1;
	} else if (e->type != 11 || e->code > 1) {
		return -1;
	}
	if (!ip4_host(e->ip4_src) || eth_mcast(e->eth_src) || (e->ip4_dst && !ip4_host(e->ip4_dst)))
		return -1;
	/* RFC 1122 3.2.2, RFC 1812 4.3.2.7: what is never answered with an error */
	if ((k->nw_frag & FLOW_FRAG_LATER) || ip4_group(k->ip4_dst) || eth_mcast(k->eth_dst) ||
	    !ip4_host(k->ip4_src) || eth_mcast(k->eth_src))
		return -1;
	if (k->nw_proto == P_ICMP && (!v.l4 || v.l4len < 1 || !icmp4_query(v.l4[0])))
		return -1;
	q = quote_len(v.tot, e->quote_max ? e->quote_max : ICMP4_QUOTE_DEFAULT, v.hlen + 8);
	n = l2_len(&t) + IP4_HLEN + ICMP_HLEN + q;
	if (n > cap)
		return -1;
	eth_dst = eth_zero(e->eth_dst) ? k->eth_src : e->eth_dst;
	h = put_eth(out, eth_dst, e->eth_src, &t, ETH_P_IP);
	put_ip4(out + h, TOS_CS6, IP4_HLEN + ICMP_HLEN + q, e->ttl, P_ICMP, e->ip4_src,
		e->ip4_dst ? e->ip4_dst : k->ip4_src);
	icmp = out + h + IP4_HLEN;
	icmp[0] = e->type;
	icmp[1] = e->code;
	wr16(icmp + 2, 0);
	wr32(icmp + 4, e->type == 3 && e->code == 4 ? e->mtu : 0); /* RFC 1191 */
	memcpy(icmp + ICMP_HLEN, v.ip, q);
	wr16(icmp + 2, csum(sum(icmp, ICMP_HLEN + q, 0)));
	return (int)n;
}

int pktgen_icmp6_error(const struct pktgen_in *in, const struct pktgen_icmp_err *e, uint8_t *out,
		       size_t cap)
{
	const struct flow_key *k;
	struct ip_in v;
	struct l2 t;
	size_t h, n, q;
	uint8_t *ip, *icmp;
	const uint8_t *eth_dst;
	bool ptb;

	if (!in_ok(in, out) || !e || !in_ip6(in, &v) || !in_l2(in, &t))
		return -1;
	k = in->key;
	switch (e->type) {
	case 1:
		if (e->code > 8)
			return -1;
		break;
	case 2:
		if (e->code != 0 || e->mtu < 1280)
			return -1;
		break;
	case 3:
		if (e->code > 1)
			return -1;
		break;
	default: return -1;
	}
	ptb = e->type == 2;
	if (!ip6_host(e->ip6_src) || eth_mcast(e->eth_src) ||
	    (!ip6_unspec(e->ip6_dst) && !ip6_host(e->ip6_dst)))
		return -1;
	/* RFC 4443 2.4(e): packet too big is the exception for multicast destinations */
	if ((!ptb && (ip6_mcast(k->ip6_dst) || eth_mcast(k->eth_dst))) || !ip6_host(k->ip6_src) ||
	    eth_mcast(k->eth_src))
		return -1;
	if (k->nw_proto == P_ICMPV6 && !(k->nw_frag & FLOW_FRAG_LATER) &&
	    (!v.l4 || v.l4len < 1 || v.l4[0] < 128 || v.l4[0] == ND_REDIRECT))
		return -1;
	q = quote_len(v.tot, e->quote_max ? e->quote_max : ICMP6_QUOTE_DEFAULT, IP6_HLEN + 8);
	n = l2_len(&t) + IP6_HLEN + ICMP_HLEN + q;
	if (n > cap)
		return -1;
	eth_dst = eth_zero(e->eth_dst) ? k->eth_src : e->eth_dst;
	h = put_eth(out, eth_dst, e->eth_src, &t, ETH_P_IPV6);
	ip = out + h;
	put_ip6(ip, 0, ICMP_HLEN + q, P_ICMPV6, e->ttl, e->ip6_src,
		ip6_unspec(e->ip6_dst) ? k->ip6_src : e->ip6_dst);
	icmp = ip + IP6_HLEN;
	icmp[0] = e->type;
	icmp[1] = e->code;
	wr16(icmp + 2, 0);
	wr32(icmp + 4, ptb ? e->mtu : 0);
	memcpy(icmp + ICMP_HLEN, v.ip, q);
	wr16(icmp + 2,
	     csum(sum(icmp, ICMP_HLEN + q, pseudo6(ip + 8, ip + 24, P_ICMPV6, ICMP_HLEN + q))));
	return (int)n;
}

/* ---- neighbour discovery ---- */

/* ff02::1:ff00:0/104 */
static bool ip6_solicited_node(const uint8_t a[16])
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	return memcmp(a, pfx, 13) == 0;
}

int pktgen_nd_na(const struct pktgen_in *in, const uint8_t mac[6], unsigned flags, uint8_t *out,
		 size_t cap)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	const struct flow_key *k;
	struct ip_in v;
	struct l2 t;
	size_t h, n, off;
	uint8_t *ip, *na;
	bool dad, sll = false;

	if (!in_ok(in, out) || !mac || !in_ip6(in, &v) || !in_l2(in, &t))
		return -1;
	k = in->key;
	/* RFC 4861 7.1.1 */
	if (k->nw_proto != P_ICMPV6 || k->nw_frag || !v.l4 || v.l4len < 24 || v.l4[0] != ND_NS ||
	    v.l4[1] != 0 || v.ip[7] != 255 || ip6_mcast(v.l4 + 8) ||
	    csum(sum(v.l4, v.l4len, pseudo6(k->ip6_src, k->ip6_dst, P_ICMPV6, v.l4len))) != 0)
		return -1;
	for (off = 24; off < v.l4len; off += (size_t)v.l4[off + 1] * 8) {
		if (v.l4len - off < 2 || v.l4[off + 1] == 0 ||
		    (size_t)v.l4[off + 1] * 8 > v.l4len - off)
			return -1;
		if (v.l4[off] == ND_OPT_SLL)
			sll = true;
	}
	dad = ip6_unspec(k->ip6_src);
	if (dad ? !ip6_solicited_node(k->ip6_dst) || sll : !ip6_host(k->ip6_src))
		return -1;
	if (eth_mcast(k->eth_src))
		return -1;
	n = l2_len(&t) + IP6_HLEN + 32;
	if (n > cap)
		return -1;
	h = put_eth(out, dad ? all_nodes_mac : k->eth_src, mac, &t, ETH_P_IPV6);
	ip = out + h;
	put_ip6(ip, 0, 32, P_ICMPV6, 255, v.l4 + 8, dad ? all_nodes : k->ip6_src);
	na = ip + IP6_HLEN;
	na[0] = ND_NA;
	na[1] = 0;
	wr16(na + 2, 0);
	na[4] = (uint8_t)((flags & PKTGEN_NA_ROUTER ? 0x80 : 0) | (dad ? 0 : 0x40) |
			  (flags & PKTGEN_NA_OVERRIDE ? 0x20 : 0));
	na[5] = na[6] = na[7] = 0;
	memcpy(na + 8, v.l4 + 8, 16);
	na[24] = ND_OPT_TLL;
	na[25] = 1;
	memcpy(na + 26, mac, 6);
	wr16(na + 2, csum(sum(na, 32, pseudo6(ip + 8, ip + 24, P_ICMPV6, 32))));
	return (int)n;
}

int pktgen_nd_ns(const struct pktgen_in *in, const uint8_t target[16], uint8_t *out, size_t cap)
{
	const struct flow_key *k;
	struct l2 t;
	size_t h, n;
	uint8_t *ip, *ns, lla[16] = {0xfe, 0x80}, snm[16] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};
	uint8_t mac[6] = {0x33, 0x33};

	if (!in_ok(in, out) || !in_l2(in, &t))
		return -1;
	k = in->key;
	if (k->eth_type != ETH_P_IP && k->eth_type != ETH_P_IPV6)
		return -1;
	if (!target) {
		if (k->eth_type != ETH_P_IPV6)
			return -1;
		target = k->ip6_dst;
	}
	if (!ip6_host(target) || eth_mcast(k->eth_src))
		return -1;
	n = l2_len(&t) + IP6_HLEN + 32;
	if (n > cap)
		return -1;
	/* RFC 4291 2.7.1, RFC 2464 7 */
	memcpy(snm + 13, target + 13, 3);
	memcpy(mac + 2, snm + 12, 4);
	/* RFC 4291 2.5.1, appendix A: the modified EUI-64 of the MAC */
	lla[8] = k->eth_src[0] ^ 0x02;
	lla[9] = k->eth_src[1];
	lla[10] = k->eth_src[2];
	lla[11] = 0xff;
	lla[12] = 0xfe;
	memcpy(lla + 13, k->eth_src + 3, 3);
	h = put_eth(out, mac, k->eth_src, &t, ETH_P_IPV6);
	ip = out + h;
	put_ip6(ip, 0, 32, P_ICMPV6, 255, lla, snm);
	ns = ip + IP6_HLEN;
	ns[0] = ND_NS;
	ns[1] = 0;
	wr16(ns + 2, 0);
	wr32(ns + 4, 0);
	memcpy(ns + 8, target, 16);
	ns[24] = ND_OPT_SLL;
	ns[25] = 1;
	memcpy(ns + 26, k->eth_src, 6);
	wr16(ns + 2, csum(sum(ns, 32, pseudo6(ip + 8, ip + 24, P_ICMPV6, 32))));
	return (int)n;
}

/* ---- TCP ---- */

int pktgen_tcp_reset(const struct pktgen_in *in, uint8_t ttl, uint8_t *out, size_t cap)
{
	const struct flow_key *k;
	struct ip_in v;
	struct l2 t;
	size_t h, n, doff;
	uint8_t *ip, *th, fl;
	uint32_t seq, ack, seglen;
	bool v6;

	if (!in_ok(in, out) || !in_l2(in, &t))
		return -1;
	k = in->key;
	v6 = k->eth_type == ETH_P_IPV6;
	if (!(v6 ? in_ip6(in, &v) : in_ip4(in, &v)))
		return -1;
	if (k->nw_proto != P_TCP || k->nw_frag || !v.l4 || v.l4len < TCP_HLEN)
		return -1;
	doff = (size_t)(v.l4[12] >> 4) * 4;
	fl = v.l4[13];
	if (doff < TCP_HLEN || doff > v.l4len || (fl & TCP_RST))
		return -1;
	if (v6 ? !ip6_host(k->ip6_src) || ip6_mcast(k->ip6_dst)
	       : !ip4_host(k->ip4_src) || ip4_group(k->ip4_dst))
		return -1;
	if (eth_mcast(k->eth_src) || eth_mcast(k->eth_dst))
		return -1;
	/* RFC 793, Reset Generation, CLOSED */
	seglen = (uint32_t)(v.l4len - doff) + !!(fl & TCP_SYN) + !!(fl & TCP_FIN);
	if (fl & TCP_ACK) {
		seq = rd32(v.l4 + 8);
		ack = 0;
		fl = TCP_RST;
	} else {
		seq = 0;
		ack = rd32(v.l4 + 4) + seglen;
		fl = TCP_RST | TCP_ACK;
	}
	n = l2_len(&t) + (v6 ? IP6_HLEN : IP4_HLEN) + TCP_HLEN;
	if (n > cap)
		return -1;
	h = put_eth(out, k->eth_src, k->eth_dst, &t, v6 ? ETH_P_IPV6 : ETH_P_IP);
	ip = out + h;
	if (v6)
		put_ip6(ip, 0, TCP_HLEN, P_TCP, ttl, k->ip6_dst, k->ip6_src);
	else
		put_ip4(ip, TOS_CS6, IP4_HLEN + TCP_HLEN, ttl, P_TCP, k->ip4_dst, k->ip4_src);
	th = ip + (v6 ? IP6_HLEN : IP4_HLEN);
	memcpy(th, v.l4 + 2, 2); /* source port: the segment's destination */
	memcpy(th + 2, v.l4, 2);
	wr32(th + 4, seq);
	wr32(th + 8, ack);
	th[12] = (TCP_HLEN / 4) << 4;
	th[13] = fl;
	wr16(th + 14, 0); /* window */
	wr16(th + 16, 0);
	wr16(th + 18, 0); /* urgent pointer */
	wr16(th + 16, csum(sum(th, TCP_HLEN,
			       v6 ? pseudo6(ip + 8, ip + 24, P_TCP, TCP_HLEN)
				  : pseudo4(ip + 12, ip + 16, P_TCP, TCP_HLEN))));
	return (int)n;
}

/* ---- SCTP ---- */

/* CRC32c (Castagnoli, reflected polynomial 0x82f63b78), RFC 4960 appendix B; bit by bit: it
 * only ever covers the 16 bytes of an ABORT, and needs no table to set up */
static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = crc & 1 ? crc >> 1 ^ 0x82f63b78u : crc >> 1;
	}
	return ~crc;
}

int pktgen_sctp_abort(const struct pktgen_in *in, uint8_t ttl, uint8_t *out, size_t cap)
{
	const struct flow_key *k;
	struct ip_in v;
	struct l2 t;
	size_t h, n, off, nchunks = 0;
	uint8_t *ip, *sh, first = 0;
	uint32_t vtag, crc;
	bool v6, reflect;

	if (!in_ok(in, out) || !in_l2(in, &t))
		return -1;
	k = in->key;
	v6 = k->eth_type == ETH_P_IPV6;
	if (!(v6 ? in_ip6(in, &v) : in_ip4(in, &v)))
		return -1;
	if (k->nw_proto != P_SCTP || k->nw_frag || !v.l4 || v.l4len < 12 + 4)
		return -1;
	if (v6 ? !ip6_host(k->ip6_src) || ip6_mcast(k->ip6_dst)
	       : !ip4_host(k->ip4_src) || ip4_group(k->ip4_dst))
		return -1;
	if (eth_mcast(k->eth_src) || eth_mcast(k->eth_dst))
		return -1;
	/* the chunks: each at least its 4-byte header, within the packet, padded to 4 */
	for (off = 12; off < v.l4len; nchunks++) {
		const uint8_t *c = v.l4 + off;
		size_t clen;
		if (v.l4len - off < 4)
			return -1;
		clen = rd16(c + 2);
		if (clen < 4 || clen > v.l4len - off)
			return -1;
		if (nchunks == 0)
			first = c[0];
		switch (c[0]) {
		case SCTP_ABORT:
		case SCTP_SHUTDOWN_ACK:
		case SCTP_SHUTDOWN_COMPLETE:
		case SCTP_COOKIE_ACK: return -1;
		case SCTP_ERROR:
			if (clen >= 8 && rd16(c + 4) == SCTP_CAUSE_STALE_COOKIE)
				return -1;
			break;
		default: break;
		}
		off += (clen + 3) & ~(size_t)3;
	}
	vtag = rd32(v.l4 + 4);
	reflect = vtag != 0;
	if (!reflect) {
		/* RFC 4960 8.5.1: tag 0 only on a packet with a lone INIT */
		if (nchunks != 1 || first != SCTP_INIT || rd16(v.l4 + 12 + 2) < 20)
			return -1;
		vtag = rd32(v.l4 + 12 + 4); /* the initiate tag */
	}
	n = l2_len(&t) + (v6 ? IP6_HLEN : IP4_HLEN) + 16;
	if (n > cap)
		return -1;
	h = put_eth(out, k->eth_src, k->eth_dst, &t, v6 ? ETH_P_IPV6 : ETH_P_IP);
	ip = out + h;
	if (v6)
		put_ip6(ip, 0, 16, P_SCTP, ttl, k->ip6_dst, k->ip6_src);
	else
		put_ip4(ip, TOS_CS6, IP4_HLEN + 16, ttl, P_SCTP, k->ip4_dst, k->ip4_src);
	sh = ip + (v6 ? IP6_HLEN : IP4_HLEN);
	memcpy(sh, v.l4 + 2, 2);
	memcpy(sh + 2, v.l4, 2);
	wr32(sh + 4, vtag);
	wr32(sh + 8, 0);
	sh[12] = SCTP_ABORT;
	sh[13] = reflect ? 1 : 0; /* T */
	wr16(sh + 14, 4);
	crc = crc32c(sh, 16);
	/* the CRC goes on the wire least significant byte first (RFC 4960 appendix B) */
	sh[8] = (uint8_t)crc;
	sh[9] = (uint8_t)(crc >> 8);
	sh[10] = (uint8_t)(crc >> 16);
	sh[11] = (uint8_t)(crc >> 24);
	return (int)n;
}

/* ---- rewriting a frame's headers ---- */

/* the sum of n bytes at p with the 16-bit word at offset skip (even) taken as zero */
static uint64_t sum_skip(const uint8_t *p, size_t n, size_t skip)
{
	if (skip + 2 > n)
		return sum(p, n, 0);
	return sum(p + skip + 2, n - skip - 2, sum(p, skip, 0));
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), m and m' the sums of what the checksum covers
 * before and after */
static uint16_t csum_adjust(uint16_t hc, uint64_t m_old, uint64_t m_new)
{
	uint64_t s = (uint16_t)~hc + (uint64_t)(uint16_t)~fold(m_old) + fold(m_new);
	return (uint16_t)~fold(s);
}

/* the L4 protocol as flow_parse reads it (ICMPv6 only under IPv6; 0: one it does not) */
static uint8_t l4_kind(const struct flow_key *k, const struct flow_layout *lay)
{
	switch (lay->l4_proto) {
	case P_ICMPV6: return k->eth_type == ETH_P_IPV6 ? P_ICMPV6 : 0;
	case P_ICMP:
	case P_TCP:
	case 17:
	case P_SCTP: return lay->l4_proto;
	default: return 0;
	}
}

struct l4_view {
	uint8_t *l4;
	size_t len;  /* bytes of the L4 datagram present in the frame */
	size_t csum; /* offset of the checksum (SIZE_MAX: none / CRC32c) */
	bool pseudo; /* the pseudo-header is covered */
};

static bool l4_view(uint8_t *f, size_t len, const struct flow_layout *lay, const struct flow_key *k,
		    struct l4_view *v)
{
	const uint8_t *ip = f + lay->l3_ofs;
	size_t end;
	memset(v, 0, sizeof(*v));
	v->csum = SIZE_MAX;
	if (lay->l4_ofs == 0 || lay->l4_ofs >= len)
		return false;
	end = k->eth_type == ETH_P_IP ? lay->l3_ofs + (size_t)rd16(ip + 2)
				      : lay->l3_ofs + IP6_HLEN + (size_t)rd16(ip + 4);
	if (end > len || end < lay->l4_ofs)
		return false;
	v->l4 = f + lay->l4_ofs;
	v->len = end - lay->l4_ofs;
	switch (l4_kind(k, lay)) {
	case P_TCP:
		v->csum = 16;
		v->pseudo = true;
		break;
	case 17:
		v->csum = 6;
		v->pseudo = true;
		break;
	case P_ICMP: v->csum = 2; break;
	case P_ICMPV6:
		v->csum = 2;
		v->pseudo = true;
		break;
	default: break;
	}
	if (v->csum != SIZE_MAX && v->csum + 2 > v->len)
		v->csum = SIZE_MAX; /* truncated: nothing to update */
	return true;
}

/* what the L4 checksum covers, its own field as zero */
static uint64_t l4_sum(const uint8_t *f, const struct flow_layout *lay, const struct flow_key *k,
		       const struct l4_view *v)
{
	uint64_t s = sum_skip(v->l4, v->len, v->csum);
	const uint8_t *ip = f + lay->l3_ofs;
	if (!v->pseudo)
		return s;
	if (k->eth_type == ETH_P_IP)
		return s + pseudo4(ip + 12, ip + 16, lay->l4_proto, v->len);
	return s + pseudo6(ip + 8, ip + 24, lay->l4_proto, v->len);
}

/* the option of type t of an ND message (its 6-byte address), or NULL */
static uint8_t *nd_opt(uint8_t *nd, size_t len, uint8_t t)
{
	for (size_t off = 24; off + 8 <= len && nd[off + 1];) {
		size_t olen = (size_t)nd[off + 1] * 8;
		if (olen > len - off)
			break;
		if (nd[off] == t && olen == 8)
			return nd + off + 2;
		off += olen;
	}
	return NULL;
}

static bool key_eq(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n) == 0;
}

static bool nd_msg(uint8_t proto, const struct flow_key *k)
{
	uint8_t t = ((const uint8_t *)&k->tp_src)[1];
	return proto == P_ICMPV6 && (t == ND_NS || t == ND_NA) && k->tp_dst == 0;
}

static int rewrite_l4(uint8_t *f, size_t len, const struct flow_layout *lay,
		      const struct flow_key *from, const struct flow_key *to, bool l3_changed)
{
	bool ports = from->tp_src != to->tp_src || from->tp_dst != to->tp_dst;
	bool nd = !key_eq(from->nd_target, to->nd_target, 16) ||
		  !key_eq(from->arp_sha, to->arp_sha, 6) || !key_eq(from->arp_tha, to->arp_tha, 6);
	struct l4_view v;
	uint64_t before = 0;
	uint32_t crc_ok = 0;

	if (!l4_view(f, len, lay, from, &v)) {
		/* no L4 header (a later fragment, an unknown protocol): only L3 may change */
		return ports || nd ? -1 : 0;
	}
	if (!ports && !nd && !(l3_changed && v.pseudo))
		return 0;
	if (lay->l4_proto == P_SCTP) {
		if (nd || v.len < 12)
			return nd || ports ? -1 : 0;
		if (ports && from->nw_frag)
			return -1; /* the CRC covers what this fragment does not hold */
		uint8_t c[4];
		memcpy(c, v.l4 + 8, 4);
		memset(v.l4 + 8, 0, 4);
		uint32_t crc = crc32c(v.l4, v.len);
		crc_ok = c[0] == (uint8_t)crc && c[1] == (uint8_t)(crc >> 8) &&
			 c[2] == (uint8_t)(crc >> 16) && c[3] == (uint8_t)(crc >> 24);
		memcpy(v.l4 + 8, c, 4);
	} else if (v.csum != SIZE_MAX) {
		before = l4_sum(f, lay, from, &v);
	}
	switch (l4_kind(from, lay)) {
	case P_TCP:
	case 17:
	case P_SCTP:
		if (nd || v.len < 4)
			return nd ? -1 : (ports ? -1 : 0);
		memcpy(v.l4, &to->tp_src, 2);
		memcpy(v.l4 + 2, &to->tp_dst, 2);
		break;
	case P_ICMP:
	case P_ICMPV6:
		/* type and code are one byte each, the low byte of tp_src / tp_dst */
		if (v.len < 4 || ((const uint8_t *)&to->tp_src)[0] ||
		    ((const uint8_t *)&to->tp_dst)[0])
			return -1;
		/* an ND message stays the same ND message (its fields come from its type) */
		if ((nd_msg(lay->l4_proto, from) || nd_msg(lay->l4_proto, to)) &&
		    (from->tp_src != to->tp_src || from->tp_dst != to->tp_dst))
			return -1;
		v.l4[0] = ((const uint8_t *)&to->tp_src)[1];
		v.l4[1] = ((const uint8_t *)&to->tp_dst)[1];
		if (nd) {
			uint8_t t = v.l4[0];
			if (lay->l4_proto != P_ICMPV6 || (t != ND_NS && t != ND_NA) || v.l4[1] ||
			    v.len < 24)
				return -1;
			memcpy(v.l4 + 8, to->nd_target, 16);
			const uint8_t *want = t == ND_NS ? to->arp_sha : to->arp_tha;
			const uint8_t *had = t == ND_NS ? from->arp_sha : from->arp_tha;
			/* the other one is not in such a message: it must stay 0 */
			if (!eth_zero(t == ND_NS ? to->arp_tha : to->arp_sha))
				return -1;
			if (!key_eq(want, had, 6)) {
				uint8_t *o =
				    nd_opt(v.l4, v.len, t == ND_NS ? ND_OPT_SLL : ND_OPT_TLL);
				if (o == NULL)
					return -1;
				memcpy(o, want, 6);
			}
		}
		break;
	default:
		if (ports || nd)
			return -1;
		break;
	}
	if (lay->l4_proto == P_SCTP) {
		if (crc_ok && ports) {
			memset(v.l4 + 8, 0, 4);
			uint32_t crc = crc32c(v.l4, v.len);
			v.l4[8] = (uint8_t)crc;
			v.l4[9] = (uint8_t)(crc >> 8);
			v.l4[10] = (uint8_t)(crc >> 16);
			v.l4[11] = (uint8_t)(crc >> 24);
		}
		return 0;
	}
	if (v.csum == SIZE_MAX)
		return 0;
	uint16_t hc = rd16(v.l4 + v.csum);
	if (lay->l4_proto == 17 && hc == 0 && from->eth_type == ETH_P_IP)
		return 0; /* UDP over IPv4 without a checksum */
	hc = csum_adjust(hc, before, l4_sum(f, lay, to, &v));
	if (lay->l4_proto == 17 && hc == 0)
		hc = 0xffff;
	wr16(v.l4 + v.csum, hc);
	return 0;
}

int pktgen_rewrite(uint8_t *f, size_t len, const struct flow_layout *lay,
		   const struct flow_key *from, const struct flow_key *to)
{
	bool l3_changed = false;

	if (!f || !lay || !from || !to || len < 14)
		return -1;
	if (key_eq(from, to, sizeof(*from)))
		return 0;
	if (from->eth_type != to->eth_type || from->vlan_tci != to->vlan_tci ||
	    from->nw_frag != to->nw_frag || from->igmp_type != to->igmp_type)
		return -1;
	memcpy(f, to->eth_dst, 6);
	memcpy(f + 6, to->eth_src, 6);

	if (from->eth_type == ETH_P_ARP) {
		uint8_t *p = f + lay->l3_ofs;
		/* only the body's fields exist (nw_proto is the opcode's low byte) */
		struct flow_key a = *from, b = *to;
		memcpy(&b, &a, offsetof(struct flow_key, eth_type));
		b.nw_proto = a.nw_proto;
		b.ip4_src = a.ip4_src;
		b.ip4_dst = a.ip4_dst;
		b.arp_op = a.arp_op;
		memcpy(b.arp_sha, a.arp_sha, 6);
		memcpy(b.arp_tha, a.arp_tha, 6);
		if (!key_eq(&a, &b, sizeof(a)))
			return -1;
		if (lay->l3_ofs == 0 || (size_t)lay->l3_ofs + 28 > len)
			return -1;
		memcpy(p + 6, &to->arp_op, 2);
		memcpy(p + 8, to->arp_sha, 6);
		memcpy(p + 14, &to->ip4_src, 4);
		memcpy(p + 18, to->arp_tha, 6);
		memcpy(p + 24, &to->ip4_dst, 4);
		return 0;
	}
	if (from->eth_type != ETH_P_IP && from->eth_type != ETH_P_IPV6) {
		/* nothing above Ethernet is known: the rest of the key must not change */
		struct flow_key a = *from, b = *to;
		memset(a.eth_dst, 0, 12); /* eth_dst, eth_src */
		memset(b.eth_dst, 0, 12);
		return key_eq(&a, &b, sizeof(a)) ? 0 : -1;
	}
	if (from->nw_proto != to->nw_proto || from->tcp_flags != to->tcp_flags || lay->l3_ofs == 0)
		return -1;
	uint8_t *ip = f + lay->l3_ofs;
	struct l4_view v;
	uint64_t l4_before = 0;
	bool have_l4 =
	    l4_view(f, len, lay, from, &v) && v.csum != SIZE_MAX && lay->l4_proto != P_SCTP;
	if (from->eth_type == ETH_P_IP) {
		size_t ihl;
		if ((size_t)lay->l3_ofs + IP4_HLEN > len)
			return -1;
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		if (ihl < IP4_HLEN || (size_t)lay->l3_ofs + ihl > len)
			return -1;
		if (!key_eq(from->ip6_src, to->ip6_src, 16) ||
		    !key_eq(from->ip6_dst, to->ip6_dst, 16) || from->ip6_label != to->ip6_label)
			return -1;
		l3_changed = from->ip4_src != to->ip4_src || from->ip4_dst != to->ip4_dst;
		if (l3_changed && have_l4)
			l4_before = l4_sum(f, lay, from, &v);
		uint64_t h0 = sum_skip(ip, ihl, 10);
		ip[1] = to->nw_tos;
		ip[8] = to->nw_ttl;
		memcpy(ip + 12, &to->ip4_src, 4);
		memcpy(ip + 16, &to->ip4_dst, 4);
		wr16(ip + 10, csum_adjust(rd16(ip + 10), h0, sum_skip(ip, ihl, 10)));
	} else {
		if ((size_t)lay->l3_ofs + IP6_HLEN > len || from->ip4_src != to->ip4_src ||
		    from->ip4_dst != to->ip4_dst)
			return -1;
		l3_changed = !key_eq(from->ip6_src, to->ip6_src, 16) ||
			     !key_eq(from->ip6_dst, to->ip6_dst, 16);
		if (l3_changed && have_l4)
			l4_before = l4_sum(f, lay, from, &v);
		uint32_t label;
		memcpy(&label, &to->ip6_label, 4);
		wr32(ip, 6u << 28 | (uint32_t)to->nw_tos << 20 | (h32(label) & 0xfffff));
		ip[7] = to->nw_ttl;
		memcpy(ip + 8, to->ip6_src, 16);
		memcpy(ip + 24, to->ip6_dst, 16);
	}
	if (l3_changed && have_l4) {
		/* fold the pseudo-header change into the L4 checksum first, then the L4 fields */
		uint16_t hc = rd16(v.l4 + v.csum);
		if (!(lay->l4_proto == 17 && hc == 0 && from->eth_type == ETH_P_IP)) {
			hc = csum_adjust(hc, l4_before, l4_sum(f, lay, to, &v));
			wr16(v.l4 + v.csum, lay->l4_proto == 17 && hc == 0 ? 0xffff : hc);
		}
	}
	/* the L4 step sees the new addresses on both sides: only its own fields count */
	struct flow_key mid = *from;
	memcpy(mid.ip6_src, to->ip6_src, 16);
	memcpy(mid.ip6_dst, to->ip6_dst, 16);
	mid.ip4_src = to->ip4_src;
	mid.ip4_dst = to->ip4_dst;
	return rewrite_l4(f, len, lay, &mid, to, false);
}

/* ---- a frame from a key ---- */

int pktgen_from_key(const struct flow_key *k, uint8_t *out, size_t cap)
{
	struct l2 t = {0, 0};
	size_t h, l4len = 0;
	uint8_t *ip, *l4;
	bool v6;

	if (!k || !out || cap < 256)
		return -1;
	memset(out, 0, 256);
	if (k->vlan_tci & FLOW_VLAN_PRESENT) {
		t.tpid = ETH_P_8021Q;
		t.tci = k->vlan_tci & (uint16_t)~FLOW_VLAN_PRESENT;
	}
	h = put_eth(out, k->eth_dst, k->eth_src, &t, k->eth_type);
	if (k->eth_type == ETH_P_ARP) {
		uint8_t *p = out + h;
		wr16(p, 1);
		wr16(p + 2, ETH_P_IP);
		p[4] = 6;
		p[5] = 4;
		memcpy(p + 6, &k->arp_op, 2);
		memcpy(p + 8, k->arp_sha, 6);
		memcpy(p + 14, &k->ip4_src, 4);
		memcpy(p + 18, k->arp_tha, 6);
		memcpy(p + 24, &k->ip4_dst, 4);
		return (int)(h + 28);
	}
	if (k->eth_type != ETH_P_IP && k->eth_type != ETH_P_IPV6)
		return (int)(h + 46);
	v6 = k->eth_type == ETH_P_IPV6;
	ip = out + h;
	l4 = ip + (v6 ? IP6_HLEN + (k->nw_frag ? 8 : 0) : IP4_HLEN);
	if (!(k->nw_frag & FLOW_FRAG_LATER)) {
		switch (k->nw_proto) {
		case P_TCP:
			memcpy(l4, &k->tp_src, 2);
			memcpy(l4 + 2, &k->tp_dst, 2);
			wr32(l4 + 4, 1);
			l4[12] = (TCP_HLEN / 4) << 4 | (uint8_t)(h16(k->tcp_flags) >> 8 & 0x0f);
			l4[13] = (uint8_t)h16(k->tcp_flags);
			wr16(l4 + 14, 65535);
			l4len = TCP_HLEN;
			break;
		case 17:
			memcpy(l4, &k->tp_src, 2);
			memcpy(l4 + 2, &k->tp_dst, 2);
			l4len = 16;
			wr16(l4 + 4, (uint16_t)l4len);
			break;
		case P_SCTP:
			memcpy(l4, &k->tp_src, 2);
			memcpy(l4 + 2, &k->tp_dst, 2);
			wr32(l4 + 4, 1);
			l4[12] = 0; /* DATA, 4 bytes of user data */
			l4[13] = 3;
			wr16(l4 + 14, 20);
			l4len = 32;
			break;
		case P_ICMP:
		case P_ICMPV6:
			l4[0] = ((const uint8_t *)&k->tp_src)[1];
			l4[1] = ((const uint8_t *)&k->tp_dst)[1];
			l4len = 16;
			if (v6 && (l4[0] == ND_NS || l4[0] == ND_NA) && l4[1] == 0) {
				const uint8_t *ll = l4[0] == ND_NS ? k->arp_sha : k->arp_tha;
				memcpy(l4 + 8, k->nd_target, 16);
				l4len = 24;
				if (l4[0] == ND_NA)
					l4[4] = 0x60; /* S, O */
				if (!eth_zero(ll)) {
					l4[24] = l4[0] == ND_NS ? ND_OPT_SLL : ND_OPT_TLL;
					l4[25] = 1;
					memcpy(l4 + 26, ll, 6);
					l4len = 32;
				}
			}
			break;
		default: l4len = 8; break;
		}
	} else {
		l4len = 8;
	}
	if (v6) {
		size_t ext = k->nw_frag ? 8 : 0;
		put_ip6(ip, k->nw_tos, ext + l4len, ext ? 44 : k->nw_proto, 1, k->ip6_src,
			k->ip6_dst);
		ip[7] = k->nw_ttl; /* 0 included: the key's own */
		uint32_t label;
		memcpy(&label, &k->ip6_label, 4);
		wr32(ip, rd32(ip) | (h32(label) & 0xfffff));
		if (ext) {
			ip[IP6_HLEN] = k->nw_proto;
			wr16(ip + IP6_HLEN + 2,
			     (uint16_t)((k->nw_frag & FLOW_FRAG_LATER ? 8 : 0) | 1));
			wr32(ip + IP6_HLEN + 4, 1);
		}
	} else {
		put_ip4(ip, k->nw_tos, IP4_HLEN + l4len, 1, k->nw_proto, k->ip4_src, k->ip4_dst);
		ip[8] = k->nw_ttl; /* 0 included: the key's own */
		if (k->nw_frag)
			wr16(ip + 6, (uint16_t)(0x2000 | (k->nw_frag & FLOW_FRAG_LATER ? 1 : 0)));
		wr16(ip + 10, 0);
		wr16(ip + 10, csum(sum(ip, IP4_HLEN, 0)));
	}
	if (!(k->nw_frag & FLOW_FRAG_LATER)) {
		uint64_t ps = v6 ? pseudo6(ip + 8, ip + 24, k->nw_proto, l4len)
				 : pseudo4(ip + 12, ip + 16, k->nw_proto, l4len);
		switch (k->nw_proto) {
		case P_TCP: wr16(l4 + 16, csum(sum(l4, l4len, ps))); break;
		case 17: wr16(l4 + 6, csum(sum(l4, l4len, ps)) ?: 0xffff); break;
		case P_ICMP: wr16(l4 + 2, csum(sum(l4, l4len, v6 ? ps : 0))); break;
		case P_ICMPV6: wr16(l4 + 2, csum(sum(l4, l4len, ps))); break;
		case P_SCTP: {
			uint32_t crc = crc32c(l4, l4len);
			l4[8] = (uint8_t)crc;
			l4[9] = (uint8_t)(crc >> 8);
			l4[10] = (uint8_t)(crc >> 16);
			l4[11] = (uint8_t)(crc >> 24);
			break;
		}
		default: break;
		}
	}
	return (int)(l4 + l4len - out);
}
