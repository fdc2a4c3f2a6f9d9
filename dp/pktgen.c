/* SPDX-License-Identifier: Apache-2.0 */
/* ARP replies and requests, ICMP/ICMPv6 echo replies and errors, neighbour advertisements and
 * TCP resets built from a received frame into a caller's buffer. Every read of the input is
 * checked against its length; every checksum of the output is computed in full. */
#include "pktgen.h"

#include <string.h>

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_IPV6 0x86dd

enum { P_ICMP = 1, P_TCP = 6, P_ICMPV6 = 58, P_SCTP = 132 };
enum {
	SCTP_INIT = 1, SCTP_ABORT = 6, SCTP_SHUTDOWN_ACK = 8, SCTP_ERROR = 9, SCTP_COOKIE_ACK = 11,
	SCTP_SHUTDOWN_COMPLETE = 14, SCTP_CAUSE_STALE_COOKIE = 3,
};
enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_ACK = 0x10 };
enum { ND_NS = 135, ND_NA = 136, ND_REDIRECT = 137, ND_OPT_SLL = 1, ND_OPT_TLL = 2 };

#define IP4_HLEN 20
#define IP6_HLEN 40
#define ICMP_HLEN 8
#define TCP_HLEN 20
#define TOS_CS6 0xc0 /* OVN's generated IPv4 packets: DSCP CS6, network control */
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
	size_t hlen;       /* IPv4: IHL * 4; IPv6: 40 + extension headers */
	size_t tot;        /* IPv4 total length; IPv6 40 + payload length */
	const uint8_t *l4; /* NULL if the parser found no L4 header (a later fragment) */
	size_t l4len;      /* up to the end of the datagram */
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

static void put_ip4(uint8_t *p, uint8_t tos, size_t tot, uint8_t ttl, uint8_t proto,
		    uint32_t src, uint32_t dst)
{
	p[0] = 0x45;
	p[1] = tos;
	wr16(p + 2, (uint16_t)tot);
	wr16(p + 4, 0);      /* ID 0: an atomic datagram (RFC 6864) */
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

int pktgen_arp_reply(const struct pktgen_in *in, const uint8_t mac[6], uint8_t *out,
		     size_t cap)
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
	if (k->nw_proto != P_ICMP || k->nw_frag || !v.l4 || v.l4len < ICMP_HLEN ||
	    v.l4[0] != 8 || v.l4[1] != 0 || csum(sum(v.l4, v.l4len, 0)) != 0)
		return -1;
	if (!ip4_host(k->ip4_src) || ip4_group(k->ip4_dst) || eth_mcast(k->eth_src) ||
	    eth_mcast(k->eth_dst))
		return -1;
	n = l2_len(&t) + IP4_HLEN + v.l4len;
	if (n > cap)
		return -1;
	h = put_eth(out, k->eth_src, k->eth_dst, &t, ETH_P_IP);
	put_ip4(out + h, k->nw_tos & 0xfc, IP4_HLEN + v.l4len, ttl, P_ICMP, k->ip4_dst,
		k->ip4_src);
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
	case 0: case 8:   /* echo */
	case 9: case 10:  /* router advertisement, solicitation */
	case 13: case 14: /* timestamp */
	case 15: case 16: /* information */
	case 17: case 18: /* address mask */
		return true;
	default:
		return false;
	}
}

static size_t quote_len(size_t avail, size_t want, size_t least)
{
	if (want < least)
		want = least;
	return avail < want ? avail : want;
}

int pktgen_icmp4_error(const struct pktgen_in *in, const struct pktgen_icmp_err *e,
		       uint8_t *out, size_t cap)
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

int pktgen_icmp6_error(const struct pktgen_in *in, const struct pktgen_icmp_err *e,
		       uint8_t *out, size_t cap)
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
	case 1: if (e->code > 8) return -1; break;
	case 2: if (e->code != 0 || e->mtu < 1280) return -1; break;
	case 3: if (e->code > 1) return -1; break;
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
	wr16(icmp + 2, csum(sum(icmp, ICMP_HLEN + q,
				pseudo6(ip + 8, ip + 24, P_ICMPV6, ICMP_HLEN + q))));
	return (int)n;
}

/* ---- neighbour discovery ---- */

/* ff02::1:ff00:0/104 */
static bool ip6_solicited_node(const uint8_t a[16])
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	return memcmp(a, pfx, 13) == 0;
}

int pktgen_nd_na(const struct pktgen_in *in, const uint8_t mac[6], unsigned flags,
		 uint8_t *out, size_t cap)
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

int pktgen_nd_ns(const struct pktgen_in *in, const uint8_t target[16], uint8_t *out,
		 size_t cap)
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
		case SCTP_COOKIE_ACK:
			return -1;
		case SCTP_ERROR:
			if (clen >= 8 && rd16(c + 4) == SCTP_CAUSE_STALE_COOKIE)
				return -1;
			break;
		default:
			break;
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
