/* SPDX-License-Identifier: Apache-2.0 */
/* Ethernet / 802.1Q / ARP / IPv4 / IPv6 (with extension headers) / TCP / UDP / SCTP / ICMP /
 * ICMPv6 (with ND) / IGMP into a flow_key. Every read is bounds-checked against len. */
#include "flow_key.h"

#include <stddef.h>
#include <string.h>

#define ETH_HLEN     14
#define ETH_P_IP     0x0800
#define ETH_P_ARP    0x0806
#define ETH_P_8021Q  0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_IPV6   0x86dd

enum {
	PROTO_HOPOPTS = 0,
	PROTO_ICMP = 1,
	PROTO_IGMP = 2,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	PROTO_ROUTING = 43,
	PROTO_FRAGMENT = 44,
	PROTO_AH = 51,
	PROTO_ICMPV6 = 58,
	PROTO_DSTOPTS = 60,
	PROTO_SCTP = 132,
};

enum { ND_NS = 135, ND_NA = 136, ND_OPT_SLL = 1, ND_OPT_TLL = 2 };

const char *const flow_parse_err_names[FLOW_ERR__MAX] = {
    [FLOW_OK] = "ok",
    [FLOW_ERR_SHORT_ETH] = "short_ethernet",
    [FLOW_ERR_SHORT_VLAN] = "short_vlan",
    [FLOW_ERR_SHORT_ARP] = "bad_arp",
    [FLOW_ERR_BAD_IP4] = "bad_ipv4",
    [FLOW_ERR_BAD_IP6] = "bad_ipv6",
    [FLOW_ERR_SHORT_L4] = "short_l4",
    [FLOW_ERR_BAD_ND] = "bad_nd",
};

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* value as it sits in memory (network order kept) */
static inline uint16_t raw16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t raw32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static enum flow_parse_err parse_l4(const uint8_t *p, size_t len, uint8_t proto, struct flow_key *k)
{
	switch (proto) {
	case PROTO_TCP:
		if (len < 20 || (p[12] >> 4) < 5 || (size_t)(p[12] >> 4) * 4 > len)
			return FLOW_ERR_SHORT_L4;
		k->tp_src = raw16(p);
		k->tp_dst = raw16(p + 2);
		k->tcp_flags = raw16(p + 12) & __builtin_bswap16(0x0fff);
		return FLOW_OK;
	case PROTO_UDP:
	case PROTO_SCTP:
		if (len < (proto == PROTO_UDP ? 8u : 12u))
			return FLOW_ERR_SHORT_L4;
		k->tp_src = raw16(p);
		k->tp_dst = raw16(p + 2);
		return FLOW_OK;
	case PROTO_ICMP:
		if (len < 4)
			return FLOW_ERR_SHORT_L4;
		k->tp_src = __builtin_bswap16(p[0]);
		k->tp_dst = __builtin_bswap16(p[1]);
		return FLOW_OK;
	case PROTO_IGMP:
		if (len < 8)
			return FLOW_ERR_SHORT_L4;
		k->igmp_type = p[0];
		return FLOW_OK;
	default: return FLOW_OK;
	}
}

static enum flow_parse_err parse_nd(const uint8_t *p, size_t len, struct flow_key *k)
{
	size_t off = 24; /* type, code, checksum, reserved/flags, target */

	if (len < 24)
		return FLOW_ERR_BAD_ND;
	memcpy(k->nd_target, p + 8, 16);
	while (off < len) {
		size_t olen;
		if (len - off < 2)
			return FLOW_ERR_BAD_ND;
		olen = (size_t)p[off + 1] * 8;
		if (olen == 0 || olen > len - off)
			return FLOW_ERR_BAD_ND;
		if (olen == 8 && p[off] == ND_OPT_SLL && p[0] == ND_NS)
			memcpy(k->arp_sha, p + off + 2, 6);
		else if (olen == 8 && p[off] == ND_OPT_TLL && p[0] == ND_NA)
			memcpy(k->arp_tha, p + off + 2, 6);
		off += olen;
	}
	return FLOW_OK;
}

static enum flow_parse_err parse_ip4(const uint8_t *p, size_t len, struct flow_key *k,
				     struct flow_layout *lay, size_t l3_ofs)
{
	size_t ihl, tot;
	uint16_t frag;

	if (len < 20 || (p[0] >> 4) != 4)
		return FLOW_ERR_BAD_IP4;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	tot = rd16(p + 2);
	if (ihl < 20 || ihl > len || tot < ihl || tot > len)
		return FLOW_ERR_BAD_IP4;
	k->nw_tos = p[1];
	k->nw_ttl = p[8];
	k->nw_proto = p[9];
	k->ip4_src = raw32(p + 12);
	k->ip4_dst = raw32(p + 16);
	lay->l3_ofs = (uint16_t)l3_ofs;
	lay->l3_len = (uint16_t)ihl;
	frag = rd16(p + 6);
	if (frag & 0x3fff) { /* MF or an offset */
		k->nw_frag = FLOW_FRAG_ANY;
		if (frag & 0x1fff) {
			k->nw_frag |= FLOW_FRAG_LATER;
			return FLOW_OK;
		}
	}
	lay->l4_ofs = (uint16_t)(l3_ofs + ihl);
	lay->l4_proto = k->nw_proto;
	return parse_l4(p + ihl, tot - ihl, k->nw_proto, k);
}

static enum flow_parse_err parse_ip6(const uint8_t *p, size_t len, struct flow_key *k,
				     struct flow_layout *lay, size_t l3_ofs)
{
	size_t off = 40, plen;
	uint8_t nh;
	enum flow_parse_err e;

	if (len < 40 || (p[0] >> 4) != 6)
		return FLOW_ERR_BAD_IP6;
	plen = rd16(p + 4);
	if (plen > len - 40)
		return FLOW_ERR_BAD_IP6;
	len = 40 + plen; /* ignore Ethernet padding */
	k->nw_tos = (uint8_t)((p[0] & 0x0f) << 4 | p[1] >> 4);
	k->ip6_label = raw32(p) & __builtin_bswap32(0x000fffff);
	k->nw_ttl = p[7];
	memcpy(k->ip6_src, p + 8, 16);
	memcpy(k->ip6_dst, p + 24, 16);
	lay->l3_ofs = (uint16_t)l3_ofs;
	nh = p[6];
	for (;;) {
		if (nh == PROTO_HOPOPTS || nh == PROTO_ROUTING || nh == PROTO_DSTOPTS) {
			size_t ext;
			if (len - off < 8)
				return FLOW_ERR_BAD_IP6;
			ext = ((size_t)p[off + 1] + 1) * 8;
			if (ext > len - off)
				return FLOW_ERR_BAD_IP6;
			nh = p[off];
			off += ext;
		} else if (nh == PROTO_AH) {
			size_t ext;
			if (len - off < 8)
				return FLOW_ERR_BAD_IP6;
			ext = ((size_t)p[off + 1] + 2) * 4;
			if (ext > len - off)
				return FLOW_ERR_BAD_IP6;
			nh = p[off];
			off += ext;
		} else if (nh == PROTO_FRAGMENT) {
			uint16_t fo;
			if (len - off < 8)
				return FLOW_ERR_BAD_IP6;
			fo = rd16(p + off + 2);
			nh = p[off];
			off += 8;
			k->nw_frag = FLOW_FRAG_ANY;
			if (fo & 0xfff8) {
				k->nw_frag |= FLOW_FRAG_LATER;
				k->nw_proto = nh;
				lay->l3_len = (uint16_t)off;
				return FLOW_OK;
			}
		} else {
			break;
		}
	}
	k->nw_proto = nh;
	lay->l3_len = (uint16_t)off;
	lay->l4_ofs = (uint16_t)(l3_ofs + off);
	lay->l4_proto = nh;
	if (nh == PROTO_ICMPV6) {
		if (len - off < 4)
			return FLOW_ERR_SHORT_L4;
		k->tp_src = __builtin_bswap16(p[off]);
		k->tp_dst = __builtin_bswap16(p[off + 1]);
		if ((p[off] == ND_NS || p[off] == ND_NA) && p[off + 1] == 0) {
			e = parse_nd(p + off, len - off, k);
			return e;
		}
		return FLOW_OK;
	}
	return parse_l4(p + off, len - off, nh, k);
}

static enum flow_parse_err parse_arp(const uint8_t *p, size_t len, struct flow_key *k,
				     struct flow_layout *lay, size_t l3_ofs)
{
	/* Ethernet/IPv4 ARP only: htype 1, ptype 0x0800, hlen 6, plen 4 */
	if (len < 28 || rd16(p) != 1 || rd16(p + 2) != ETH_P_IP || p[4] != 6 || p[5] != 4)
		return FLOW_ERR_SHORT_ARP;
	k->arp_op = raw16(p + 6);
	k->nw_proto = p[7];
	memcpy(k->arp_sha, p + 8, 6);
	k->ip4_src = raw32(p + 14);
	memcpy(k->arp_tha, p + 18, 6);
	k->ip4_dst = raw32(p + 24);
	lay->l3_ofs = (uint16_t)l3_ofs;
	lay->l3_len = 28;
	return FLOW_OK;
}

static inline uint64_t raw64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* The key as 13 whole words: the cache reads it by words, and words read back from smaller
 * stores would stall (no store-to-load forwarding across them). */
#define FK_WORDS (sizeof(struct flow_key) / 8)
_Static_assert(sizeof(struct flow_key) == 104, "flow_key is 13 words");
_Static_assert(offsetof(struct flow_key, eth_type) == 12 &&
		   offsetof(struct flow_key, nw_proto) == 16 &&
		   offsetof(struct flow_key, ip4_src) == 20 &&
		   offsetof(struct flow_key, ip4_dst) == 24 &&
		   offsetof(struct flow_key, tp_src) == 64 &&
		   offsetof(struct flow_key, tcp_flags) == 68,
	       "the word layout parse_fast writes");

/* Untagged IPv4 (not a fragment) with a whole TCP or UDP header, the frames nearly all
 * traffic is: the key's words built in registers and stored whole. Exactly what the general
 * parser gives such a frame (tests/unit/test_parse.c compares them); false for anything
 * else, with nothing written. */
static bool parse_fast(const uint8_t *pkt, size_t len, struct flow_key *k, struct flow_layout *lay)
{
	const uint8_t *ip = pkt + ETH_HLEN, *l4;
	size_t ihl, tot;
	uint64_t w[FK_WORDS] = {0}, ports;
	uint8_t proto;

	if (len < ETH_HLEN + 20 || rd16(pkt + 12) != ETH_P_IP || (ip[0] >> 4) != 4)
		return false;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = rd16(ip + 2);
	proto = ip[9];
	if (ihl < 20 || tot < ihl || tot > len - ETH_HLEN || (rd16(ip + 6) & 0x3fff))
		return false;
	l4 = ip + ihl;
	if (proto == PROTO_UDP) {
		if (tot - ihl < 8)
			return false;
		ports = raw32(l4);
	} else if (proto == PROTO_TCP) {
		if (tot - ihl < 20 || (l4[12] >> 4) < 5 || (size_t)(l4[12] >> 4) * 4 > tot - ihl)
			return false;
		ports = raw32(l4) | (uint64_t)(raw16(l4 + 12) & __builtin_bswap16(0x0fff)) << 32;
	} else {
		return false;
	}
	w[0] = raw64(pkt);				  /* eth_dst, eth_src[0..1] */
	w[1] = raw32(pkt + 8) | (uint64_t)ETH_P_IP << 32; /* eth_src[2..5], type, tci 0 */
	w[2] =
	    proto | (uint64_t)ip[8] << 8 | (uint64_t)ip[1] << 16 | (uint64_t)raw32(ip + 12) << 32;
	w[3] = raw32(ip + 16); /* ip4_dst */
	w[8] = ports;	       /* tp_src, tp_dst, tcp_flags */
	memcpy(k, w, sizeof(w));
	*lay = (struct flow_layout){.l3_ofs = ETH_HLEN,
				    .l4_ofs = (uint16_t)(ETH_HLEN + ihl),
				    .l3_len = (uint16_t)ihl,
				    .l4_proto = proto};
	return true;
}

enum flow_parse_err flow_parse(const uint8_t *pkt, size_t len, struct flow_key *k,
			       struct flow_layout *lay)
{
	if (parse_fast(pkt, len, k, lay))
		return FLOW_OK;
	return flow_parse_generic(pkt, len, k, lay);
}

enum flow_parse_err flow_parse_generic(const uint8_t *pkt, size_t len, struct flow_key *k,
				       struct flow_layout *lay)
{
	size_t off = ETH_HLEN;
	uint16_t type;

	memset(k, 0, sizeof(*k));
	memset(lay, 0, sizeof(*lay));
	if (len < ETH_HLEN)
		return FLOW_ERR_SHORT_ETH;
	memcpy(k->eth_dst, pkt, 6);
	memcpy(k->eth_src, pkt + 6, 6);
	type = rd16(pkt + 12);
	if (type == ETH_P_8021Q || type == ETH_P_8021AD) {
		if (len < ETH_HLEN + 4)
			return FLOW_ERR_SHORT_VLAN;
		lay->vlan_ofs = 12;
		k->vlan_tci = (uint16_t)(rd16(pkt + 14) | FLOW_VLAN_PRESENT);
		type = rd16(pkt + 16);
		off += 4;
	}
	k->eth_type = type;
	switch (type) {
	case ETH_P_IP: return parse_ip4(pkt + off, len - off, k, lay, off);
	case ETH_P_IPV6: return parse_ip6(pkt + off, len - off, k, lay, off);
	case ETH_P_ARP: return parse_arp(pkt + off, len - off, k, lay, off);
	default: return FLOW_OK;
	}
}
