/* SPDX-License-Identifier: Apache-2.0 */
/* Packet generation (dp/pktgen.c): each builder on frames built byte by byte, its output parsed
 * back with flow_parse, every field read and every checksum recomputed here from scratch; and
 * every input it must refuse (RFC 792/1122/1812/4443/4861/793). */
#include "frame_test_util.h"
#include "pktgen.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static const uint8_t MAC_A[6] = {0x00, 0x00, 0x00, 0x00, 0x01, 0x01}; /* a VM */
static const uint8_t MAC_B[6] = {0x00, 0x00, 0x00, 0x00, 0x02, 0x02}; /* the router port */
static const uint8_t MAC_R[6] = {0x0a, 0x00, 0x00, 0x00, 0x00, 0xfe}; /* what answers */
static const uint8_t MAC_BC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t ZERO6[6];

#define IP_A 0x0a10000b /* 10.16.0.11 */
#define IP_B 0x0a10000c /* 10.16.0.12 */
#define IP_R 0x0a100001 /* 10.16.0.1 */

static const uint8_t IP6_A[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
static const uint8_t IP6_B[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b};
static const uint8_t IP6_R[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
static const uint8_t IP6_UNSPEC[16];
static const uint8_t IP6_ALLNODES[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
/* solicited-node multicast of fd00::b */
static const uint8_t IP6_SNM_B[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0x0b};

/* ---- frames, byte by byte ---- */

static void fill(struct frame *f, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		put8(f, (uint8_t)(seed + i * 7));
}

/* Ethernet, with an 802.1Q tag when tci != 0 */
static void eth(struct frame *f, const uint8_t dst[6], const uint8_t src[6], uint16_t tci,
		uint16_t type)
{
	f->n = 0;
	put(f, dst, 6);
	put(f, src, 6);
	if (tci) {
		put16(f, 0x8100);
		put16(f, tci);
	}
	put16(f, type);
	f->l3 = f->n;
}

static void set_sum(uint8_t *at, uint32_t s)
{
	uint16_t c = (uint16_t)~sum16(NULL, 0, s);
	at[0] = (uint8_t)(c >> 8);
	at[1] = (uint8_t)c;
}

/* IPv4 header with opt_words 32-bit words of options (NOPs), total length l3 header + l4len */
static void ip4(struct frame *f, uint8_t proto, size_t l4len, uint16_t frag, uint32_t src,
		uint32_t dst, unsigned opt_words)
{
	size_t at = f->n;
	put8(f, (uint8_t)(0x45 + opt_words));
	put8(f, 0xb9); /* DSCP 46, ECN 1 */
	put16(f, (uint16_t)(20 + opt_words * 4 + l4len));
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, 63);
	put8(f, proto);
	put16(f, 0);
	put32(f, src);
	put32(f, dst);
	for (unsigned i = 0; i < opt_words * 4; i++)
		put8(f, 1);
	set_sum(f->b + at + 10, sum16(f->b + at, f->n - at, 0));
	f->l4 = f->n;
}

static void ip6(struct frame *f, uint8_t nh, size_t plen, uint8_t hlim, const uint8_t src[16],
		const uint8_t dst[16])
{
	put32(f, 0x6b912345); /* class 0xb9, label 0x12345 */
	put16(f, (uint16_t)plen);
	put8(f, nh);
	put8(f, hlim);
	put(f, src, 16);
	put(f, dst, 16);
	f->l4 = f->n;
}

static uint32_t pseudo6(const uint8_t *ip6, size_t len, uint8_t nh)
{
	return sum16(ip6 + 8, 32, 0) + (uint32_t)len + nh;
}

/* ICMPv4 checksum over l4 to the end of the frame */
static void icmp4_sum(struct frame *f)
{
	f->b[f->l4 + 2] = f->b[f->l4 + 3] = 0;
	set_sum(f->b + f->l4 + 2, sum16(f->b + f->l4, f->n - f->l4, 0));
}

static void icmp6_sum(struct frame *f)
{
	size_t len = f->n - f->l4;
	f->b[f->l4 + 2] = f->b[f->l4 + 3] = 0;
	set_sum(f->b + f->l4 + 2, sum16(f->b + f->l4, len, pseudo6(f->b + f->l3, len, 58)));
}

static void tcp_sum(struct frame *f, bool v6)
{
	size_t len = f->n - f->l4;
	uint32_t ps =
	    v6 ? pseudo6(f->b + f->l3, len, 6) : sum16(f->b + f->l3 + 12, 8, 0) + 6 + (uint32_t)len;
	f->b[f->l4 + 16] = f->b[f->l4 + 17] = 0;
	set_sum(f->b + f->l4 + 16, sum16(f->b + f->l4, len, ps));
}

/* ---- parsing a frame into a pktgen_in ---- */

struct parsed {
	struct flow_key k;
	struct flow_layout l;
	struct pktgen_in in;
};

static const struct pktgen_in *parse(struct parsed *p, const struct frame *f)
{
	assert_int_equal(flow_parse(f->b, f->n, &p->k, &p->l), FLOW_OK);
	p->in = (struct pktgen_in){.pkt = f->b, .len = f->n, .key = &p->k, .lay = &p->l};
	return &p->in;
}

/* the output, parsed: must be FLOW_OK */
static void parse_out(const uint8_t *o, int n, struct flow_key *k, struct flow_layout *l)
{
	assert_true(n > 0);
	assert_int_equal(flow_parse(o, (size_t)n, k, l), FLOW_OK);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* a generated IPv4 header: 20 bytes, DF, ID 0, length to the end of the frame, sum right */
static void check_ip4_hdr(const uint8_t *ip, size_t frame_rest, uint8_t tos, uint8_t ttl,
			  uint8_t proto, uint32_t src, uint32_t dst)
{
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[1], tos);
	assert_int_equal(rd16(ip + 2), frame_rest);
	assert_int_equal(rd16(ip + 4), 0);
	assert_int_equal(rd16(ip + 6), 0x4000);
	assert_int_equal(ip[8], ttl);
	assert_int_equal(ip[9], proto);
	assert_int_equal(rd32(ip + 12), src);
	assert_int_equal(rd32(ip + 16), dst);
	assert_int_equal(sum16(ip, 20, 0), 0xffff);
}

static void check_ip6_hdr(const uint8_t *ip, size_t frame_rest, uint8_t tclass, uint8_t nh,
			  uint8_t hlim, const uint8_t src[16], const uint8_t dst[16])
{
	assert_int_equal(rd32(ip), 0x60000000u | (uint32_t)tclass << 20);
	assert_int_equal(rd16(ip + 4) + 40, frame_rest);
	assert_int_equal(ip[6], nh);
	assert_int_equal(ip[7], hlim);
	assert_memory_equal(ip + 8, src, 16);
	assert_memory_equal(ip + 24, dst, 16);
}

/* the L4 checksums, from scratch */
static void check_icmp4_sum(const uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4, tot = rd16(ip + 2);
	assert_int_equal(sum16(ip + ihl, tot - ihl, 0), 0xffff);
}

static void check_l4_sum6(const uint8_t *ip, uint8_t nh)
{
	size_t plen = rd16(ip + 4);
	assert_int_equal(sum16(ip + 40, plen, pseudo6(ip, plen, nh)), 0xffff);
}

static void check_tcp4_sum(const uint8_t *ip)
{
	size_t tot = rd16(ip + 2);
	uint32_t ps = sum16(ip + 12, 8, 0) + 6 + (uint32_t)(tot - 20);
	assert_int_equal(sum16(ip + 20, tot - 20, ps), 0xffff);
}

/* ---- ARP ---- */

static void arp_frame(struct frame *f, uint16_t tci, uint16_t op, const uint8_t *dst)
{
	eth(f, dst, MAC_A, tci, 0x0806);
	put16(f, 1);
	put16(f, 0x0800);
	put8(f, 6);
	put8(f, 4);
	put16(f, op);
	put(f, MAC_A, 6);
	put32(f, IP_A);
	put(f, ZERO6, 6);
	put32(f, IP_R);
}

static void test_arp_reply(void **state)
{
	struct frame f;
	struct parsed p;
	uint8_t o[128];
	struct flow_key k;
	struct flow_layout l;
	int n;
	(void)state;

	for (int tagged = 0; tagged < 2; tagged++) {
		arp_frame(&f, tagged ? 0x6064 : 0, 1, MAC_BC);
		n = pktgen_arp_reply(parse(&p, &f), MAC_R, o, sizeof(o));
		assert_int_equal(n, tagged ? 46 : 42);
		parse_out(o, n, &k, &l);
		assert_memory_equal(o, MAC_A, 6);     /* eth.dst = eth.src */
		assert_memory_equal(o + 6, MAC_R, 6); /* eth.src = mac */
		assert_int_equal(k.eth_type, 0x0806);
		if (tagged) {
			assert_int_equal(rd16(o + 12), 0x8100);
			assert_int_equal(rd16(o + 14), 0x6064);
			assert_int_equal(k.vlan_tci, 0x6064 | FLOW_VLAN_PRESENT);
		} else {
			assert_int_equal(k.vlan_tci, 0);
		}
		assert_memory_equal(o + l.l3_ofs, "\x00\x01\x08\x00\x06\x04\x00\x02", 8);
		assert_int_equal(ntohs(k.arp_op), 2);
		assert_memory_equal(k.arp_sha, MAC_R, 6);
		assert_int_equal(ntohl(k.ip4_src), IP_R); /* spa = the request's tpa */
		assert_memory_equal(k.arp_tha, MAC_A, 6);
		assert_int_equal(ntohl(k.ip4_dst), IP_A);
	}
	/* a probe (RFC 5227: spa 0) is answered to 0.0.0.0 */
	arp_frame(&f, 0, 1, MAC_BC);
	memset(f.b + 28, 0, 4);
	n = pktgen_arp_reply(parse(&p, &f), MAC_R, o, sizeof(o));
	parse_out(o, n, &k, &l);
	assert_int_equal(k.ip4_dst, 0);
	assert_int_equal(ntohl(k.ip4_src), IP_R);

	/* refused: a reply, another opcode, a multicast sender, no room, not ARP */
	arp_frame(&f, 0, 2, MAC_B);
	assert_int_equal(pktgen_arp_reply(parse(&p, &f), MAC_R, o, sizeof(o)), -1);
	arp_frame(&f, 0, 3, MAC_BC);
	assert_int_equal(pktgen_arp_reply(parse(&p, &f), MAC_R, o, sizeof(o)), -1);
	arp_frame(&f, 0, 1, MAC_BC);
	f.b[6] = 0x01;
	assert_int_equal(pktgen_arp_reply(parse(&p, &f), MAC_R, o, sizeof(o)), -1);
	arp_frame(&f, 0, 1, MAC_BC);
	assert_int_equal(pktgen_arp_reply(parse(&p, &f), MAC_R, o, 41), -1);
	assert_int_equal(pktgen_arp_reply(parse(&p, &f), MAC_R, o, 42), 42);
	eth(&f, MAC_B, MAC_A, 0, 0x0800);
	ip4(&f, 17, 8, 0, IP_A, IP_B, 0);
	fill(&f, 8, 0);
	assert_int_equal(pktgen_arp_reply(parse(&p, &f), MAC_R, o, sizeof(o)), -1);
	/* a truncated ARP never parses (the builders take FLOW_OK frames only) */
	arp_frame(&f, 0, 1, MAC_BC);
	assert_int_equal(flow_parse(f.b, f.n - 1, &k, &l), FLOW_ERR_SHORT_ARP);
}

static void test_arp_request_from_ip(void **state)
{
	struct frame f;
	struct parsed p;
	struct pktgen_arp a;
	uint8_t o[128];
	struct flow_key k;
	struct flow_layout l;
	int n;
	(void)state;

	/* arp { } on a routed IPv4 packet: eth.src is already the router port's MAC */
	eth(&f, ZERO6, MAC_B, 0x2064, 0x0800);
	ip4(&f, 17, 12, 0, IP_A, 0x0a200005, 0);
	fill(&f, 12, 3);
	assert_int_equal(pktgen_arp_from_ip(parse(&p, &f), &a), 0);
	assert_memory_equal(a.eth_dst, ZERO6, 6); /* unchanged */
	assert_memory_equal(a.eth_src, MAC_B, 6);
	assert_int_equal(a.vlan_tpid, 0x8100);
	assert_int_equal(a.vlan_tci, 0x2064);
	assert_int_equal(a.op, 1);
	assert_memory_equal(a.sha, MAC_B, 6);
	assert_memory_equal(a.tha, ZERO6, 6);
	assert_int_equal(ntohl(a.spa), IP_A);
	assert_int_equal(ntohl(a.tpa), 0x0a200005);
	/* the router's nested actions: eth.dst = ff:ff:ff:ff:ff:ff; arp.spa = reg1; arp.tpa = reg0
	 */
	memcpy(a.eth_dst, MAC_BC, 6);
	a.spa = htonl(0x0a200001);
	a.tpa = htonl(0x0a200009);
	n = pktgen_arp(&a, o, sizeof(o));
	assert_int_equal(n, 46);
	parse_out(o, n, &k, &l);
	assert_memory_equal(k.eth_dst, MAC_BC, 6);
	assert_memory_equal(k.eth_src, MAC_B, 6);
	assert_int_equal(k.vlan_tci, 0x2064 | FLOW_VLAN_PRESENT);
	assert_int_equal(k.eth_type, 0x0806);
	assert_memory_equal(o + l.l3_ofs, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	assert_int_equal(ntohs(k.arp_op), 1);
	assert_memory_equal(k.arp_sha, MAC_B, 6);
	assert_memory_equal(k.arp_tha, ZERO6, 6);
	assert_int_equal(ntohl(k.ip4_src), 0x0a200001);
	assert_int_equal(ntohl(k.ip4_dst), 0x0a200009);
	assert_int_equal(pktgen_arp(&a, o, 45), -1);
	a.vlan_tpid = 0x0800; /* not a VLAN TPID */
	assert_int_equal(pktgen_arp(&a, o, sizeof(o)), -1);

	/* on an IPv6 packet: spa and tpa 0 until the nested actions set them */
	eth(&f, MAC_R, MAC_B, 0, 0x86dd);
	ip6(&f, 17, 8, 64, IP6_A, IP6_B);
	fill(&f, 8, 0);
	assert_int_equal(pktgen_arp_from_ip(parse(&p, &f), &a), 0);
	assert_int_equal(a.spa, 0);
	assert_int_equal(a.tpa, 0);
	assert_int_equal(a.vlan_tpid, 0);
	assert_memory_equal(a.eth_dst, MAC_R, 6);
	n = pktgen_arp(&a, o, sizeof(o));
	assert_int_equal(n, 42);
	parse_out(o, n, &k, &l);

	/* not on ARP */
	arp_frame(&f, 0, 1, MAC_BC);
	assert_int_equal(pktgen_arp_from_ip(parse(&p, &f), &a), -1);
}

/* ---- ICMPv4 echo ---- */

/* an echo request with dlen bytes of data and opt_words of IPv4 options */
static void echo4(struct frame *f, uint16_t tci, size_t dlen, unsigned opt_words, uint32_t dst,
		  uint16_t frag)
{
	eth(f, MAC_B, MAC_A, tci, 0x0800);
	ip4(f, 1, 8 + dlen, frag, IP_A, dst, opt_words);
	put8(f, 8);
	put8(f, 0);
	put16(f, 0);
	put16(f, 0x4242); /* identifier */
	put16(f, 7);	  /* sequence */
	fill(f, dlen, 0x30);
	icmp4_sum(f);
}

static void test_icmp4_echo_reply(void **state)
{
	struct frame f;
	struct parsed p;
	uint8_t o[2048];
	struct flow_key k;
	struct flow_layout l;
	int n;
	(void)state;

	for (int tagged = 0; tagged < 2; tagged++) {
		/* odd data length, options in the request */
		echo4(&f, tagged ? 0x0005 : 0, 57, 2, IP_R, 0);
		n = pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o));
		assert_int_equal(n, (tagged ? 18 : 14) + 20 + 8 + 57); /* options dropped */
		parse_out(o, n, &k, &l);
		assert_memory_equal(k.eth_dst, MAC_A, 6);
		assert_memory_equal(k.eth_src, MAC_B, 6);
		assert_int_equal(k.vlan_tci, tagged ? 0x0005 | FLOW_VLAN_PRESENT : 0);
		assert_int_equal(l.l3_ofs, tagged ? 18 : 14);
		check_ip4_hdr(o + l.l3_ofs, (size_t)n - l.l3_ofs, 0xb8, 255, 1, IP_R, IP_A);
		assert_int_equal(k.nw_frag, 0);
		assert_int_equal(ntohs(k.tp_src), 0); /* type: echo reply */
		assert_int_equal(ntohs(k.tp_dst), 0);
		/* identifier, sequence and data as in the request */
		assert_memory_equal(o + l.l4_ofs + 4, f.b + f.l4 + 4, 4 + 57);
		check_icmp4_sum(o + l.l3_ofs);
	}
	/* the caller's TTL, an even length */
	echo4(&f, 0, 32, 0, IP_R, 0);
	n = pktgen_icmp4_echo_reply(parse(&p, &f), 64, o, sizeof(o));
	parse_out(o, n, &k, &l);
	assert_int_equal(k.nw_ttl, 64);
	check_icmp4_sum(o + l.l3_ofs);
	/* exactly the room it needs, and one byte less */
	assert_int_equal(pktgen_icmp4_echo_reply(&p.in, 0, o, (size_t)n), n);
	assert_int_equal(pktgen_icmp4_echo_reply(&p.in, 0, o, (size_t)n - 1), -1);

	/* refused: a wrong checksum */
	echo4(&f, 0, 32, 0, IP_R, 0);
	f.b[f.n - 1] ^= 1;
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	/* an echo reply, or a code other than 0 */
	echo4(&f, 0, 32, 0, IP_R, 0);
	f.b[f.l4] = 0;
	icmp4_sum(&f);
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	echo4(&f, 0, 32, 0, IP_R, 0);
	f.b[f.l4 + 1] = 1;
	icmp4_sum(&f);
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	/* a fragment: first (MF) or later */
	echo4(&f, 0, 32, 0, IP_R, 0x2000);
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	echo4(&f, 0, 32, 0, IP_R, 0x0010);
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	/* to the broadcast or a multicast address, or as link-layer broadcast */
	echo4(&f, 0, 32, 0, 0xffffffff, 0);
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	echo4(&f, 0, 32, 0, 0xe0000000, 0);
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	echo4(&f, 0, 32, 0, 0xdfffffff, 0); /* the last address below 224/4 is a host */
	assert_true(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)) > 0);
	echo4(&f, 0, 32, 0, IP_R, 0);
	memcpy(f.b, MAC_BC, 6);
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	/* from 0.0.0.0 or 127.0.0.1 */
	echo4(&f, 0, 32, 0, IP_R, 0);
	memset(f.b + 26, 0, 4);
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	echo4(&f, 0, 32, 0, IP_R, 0);
	memcpy(f.b + 26, "\x7f\x00\x00\x01", 4);
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	/* shorter than an echo header */
	eth(&f, MAC_B, MAC_A, 0, 0x0800);
	ip4(&f, 1, 4, 0, IP_A, IP_R, 0);
	put32(&f, 0x0800f7ff);
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	/* a frame shorter than its layout says (a key for other bytes) */
	echo4(&f, 0, 32, 0, IP_R, 0);
	parse(&p, &f);
	p.in.len -= 1;
	assert_int_equal(pktgen_icmp4_echo_reply(&p.in, 0, o, sizeof(o)), -1);
	/* a layout with a VLAN tag the key has not, and the other way round */
	p.in.len += 1;
	assert_true(pktgen_icmp4_echo_reply(&p.in, 0, o, sizeof(o)) > 0);
	p.l.vlan_ofs = 12;
	assert_int_equal(pktgen_icmp4_echo_reply(&p.in, 0, o, sizeof(o)), -1);
	echo4(&f, 0x0064, 32, 0, IP_R, 0);
	parse(&p, &f);
	p.l.vlan_ofs = 0;
	assert_int_equal(pktgen_icmp4_echo_reply(&p.in, 0, o, sizeof(o)), -1);
	/* an L4 offset that is not where the IP header ends */
	echo4(&f, 0, 32, 0, IP_R, 0);
	parse(&p, &f);
	p.l.l4_ofs += 4;
	assert_int_equal(pktgen_icmp4_echo_reply(&p.in, 0, o, sizeof(o)), -1);
	/* not ICMP */
	eth(&f, MAC_B, MAC_A, 0, 0x0800);
	ip4(&f, 17, 8, 0, IP_A, IP_R, 0);
	fill(&f, 8, 0);
	assert_int_equal(pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
}

/* ---- ICMPv4 errors ---- */

static void udp4(struct frame *f, size_t dlen, uint16_t frag, uint32_t dst, unsigned opt_words)
{
	eth(f, MAC_B, MAC_A, 0, 0x0800);
	ip4(f, 17, 8 + dlen, frag, IP_A, dst, opt_words);
	put16(f, 5000);
	put16(f, 53);
	put16(f, (uint16_t)(8 + dlen));
	put16(f, 0);
	fill(f, dlen, 0x11);
}

static struct pktgen_icmp_err err4(uint8_t type, uint8_t code)
{
	struct pktgen_icmp_err e = {.type = type, .code = code, .ip4_src = htonl(IP_R)};
	memcpy(e.eth_src, MAC_R, 6);
	return e;
}

/* an ICMPv4 error: headers, the quote (q bytes of the input's IP datagram), the sums */
static void check_err4(const uint8_t *o, int n, const struct frame *in, size_t q, uint8_t type,
		       uint8_t code, uint32_t rest, uint8_t ttl)
{
	struct flow_key k;
	struct flow_layout l;
	const uint8_t *icmp;
	parse_out(o, n, &k, &l);
	assert_int_equal((size_t)n, 14 + 20 + 8 + q);
	assert_memory_equal(k.eth_dst, MAC_A, 6);
	assert_memory_equal(k.eth_src, MAC_R, 6);
	assert_int_equal(k.eth_type, 0x0800);
	check_ip4_hdr(o + 14, (size_t)n - 14, 0xc0, ttl, 1, IP_R, IP_A);
	icmp = o + l.l4_ofs;
	assert_int_equal(l.l4_ofs, 34);
	assert_int_equal(icmp[0], type);
	assert_int_equal(icmp[1], code);
	assert_int_equal(ntohs(k.tp_src), type);
	assert_int_equal(ntohs(k.tp_dst), code);
	assert_int_equal(rd32(icmp + 4), rest);
	assert_memory_equal(icmp + 8, in->b + in->l3, q);
	check_icmp4_sum(o + 14);
}

static void test_icmp4_error(void **state)
{
	struct frame f;
	struct parsed p;
	uint8_t o[2048];
	struct pktgen_icmp_err e;
	int n;
	(void)state;

	/* time exceeded about a large datagram: 548 bytes quoted, the error is 576 bytes */
	udp4(&f, 1000, 0, IP_B, 0);
	e = err4(11, 0);
	n = pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o));
	check_err4(o, n, &f, 548, 11, 0, 0, 255);
	assert_int_equal(rd16(o + 16), 576);
	/* fragmentation needed with the next-hop MTU (RFC 1191), TTL 254, OVN's quote */
	e = err4(3, 4);
	e.mtu = 1400;
	e.ttl = 254;
	e.quote_max = 534;
	n = pktgen_icmp4_error(&p.in, &e, o, sizeof(o));
	check_err4(o, n, &f, 534, 3, 4, 1400, 254);
	/* the RFC 792 minimum: the IP header and 8 bytes, never less */
	e = err4(11, 0);
	e.mtu = 1400; /* only for fragmentation needed */
	n = pktgen_icmp4_error(&p.in, &e, o, sizeof(o));
	check_err4(o, n, &f, 548, 11, 0, 0, 255);
	e = err4(3, 3);
	e.quote_max = 28;
	n = pktgen_icmp4_error(&p.in, &e, o, sizeof(o));
	check_err4(o, n, &f, 28, 3, 3, 0, 255);
	e.quote_max = 10;
	n = pktgen_icmp4_error(&p.in, &e, o, sizeof(o));
	check_err4(o, n, &f, 28, 3, 3, 0, 255);
	/* with IPv4 options: the header with its options and 8 bytes */
	udp4(&f, 100, 0, IP_B, 3);
	n = pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o));
	check_err4(o, n, &f, 32 + 8, 3, 3, 0, 255);
	/* a short datagram is quoted whole, Ethernet padding left out */
	udp4(&f, 3, 0, IP_B, 0);
	memset(f.b + f.n, 0xee, 60 - f.n);
	f.n = 60;
	e = err4(3, 1);
	n = pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o));
	check_err4(o, n, &f, 31, 3, 1, 0, 255);
	/* a first fragment is answered; queries (an echo request) are */
	udp4(&f, 200, 0x2000, IP_B, 0);
	e = err4(11, 1);
	n = pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o));
	check_err4(o, n, &f, 228, 11, 1, 0, 255);
	echo4(&f, 0, 20, 0, IP_B, 0);
	e = err4(11, 0);
	n = pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o));
	check_err4(o, n, &f, 48, 11, 0, 0, 255);
	/* given destinations: OVN's need-frag flow sends to the router's own MAC */
	udp4(&f, 100, 0, IP_B, 0);
	e = err4(3, 4);
	e.mtu = 1300;
	memcpy(e.eth_dst, MAC_B, 6);
	e.ip4_dst = htonl(0x0a100063);
	n = pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o));
	assert_true(n > 0);
	assert_memory_equal(o, MAC_B, 6);
	assert_int_equal(rd32(o + 30), 0x0a100063);
	assert_int_equal(sum16(o + 14, 20, 0), 0xffff);
	check_icmp4_sum(o + 14);
	/* the room it needs, and one byte less */
	e = err4(11, 0);
	n = pktgen_icmp4_error(&p.in, &e, o, sizeof(o));
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, (size_t)n), n);
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, (size_t)n - 1), -1);
	/* a VLAN tag is kept */
	eth(&f, MAC_B, MAC_A, 0x0123, 0x0800);
	ip4(&f, 17, 8, 0, IP_A, IP_B, 0);
	fill(&f, 8, 0);
	n = pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o));
	assert_int_equal(n, 18 + 20 + 8 + 28);
	assert_int_equal(rd16(o + 12), 0x8100);
	assert_int_equal(rd16(o + 14), 0x0123);
	assert_int_equal(sum16(o + 18, 20, 0), 0xffff);
	check_icmp4_sum(o + 18);
	assert_memory_equal(o + 18 + 28, f.b + 18, 28);
}

static void test_icmp4_error_refused(void **state)
{
	static const uint8_t err_types[] = {3, 4, 5, 11, 12, 42};
	struct frame f;
	struct parsed p;
	uint8_t o[2048];
	struct pktgen_icmp_err e = err4(3, 1);
	(void)state;

	/* no error about an ICMP error (or an ICMP message of unknown type) */
	for (size_t i = 0; i < sizeof(err_types); i++) {
		echo4(&f, 0, 28, 0, IP_B, 0);
		f.b[f.l4] = err_types[i];
		icmp4_sum(&f);
		assert_int_equal(pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	}
	/* nor about a non-first fragment */
	udp4(&f, 100, 0x0020, IP_B, 0);
	assert_int_equal(pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	/* nor to the broadcast, a multicast address or a link-layer broadcast or multicast */
	udp4(&f, 100, 0, 0xffffffff, 0);
	assert_int_equal(pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	udp4(&f, 100, 0, 0xe00000fb, 0);
	assert_int_equal(pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	udp4(&f, 100, 0, IP_B, 0);
	memcpy(f.b, MAC_BC, 6);
	assert_int_equal(pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	udp4(&f, 100, 0, IP_B, 0);
	memcpy(f.b, "\x01\x00\x5e\x00\x00\xfb", 6);
	assert_int_equal(pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	/* nor from an address that is not one host, or a multicast MAC */
	static const uint32_t bad_src[] = {0,	       0x00000001, 0x7f000001,
					   0xe0000001, 0xf0000001, 0xffffffff};
	for (size_t i = 0; i < sizeof(bad_src) / sizeof(bad_src[0]); i++) {
		udp4(&f, 100, 0, IP_B, 0);
		uint32_t s = htonl(bad_src[i]);
		memcpy(f.b + 26, &s, 4);
		assert_int_equal(pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	}
	udp4(&f, 100, 0, IP_B, 0);
	f.b[6] |= 1;
	assert_int_equal(pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	/* bad parameters: another type, a code out of range, an MTU out of range, no source */
	udp4(&f, 100, 0, IP_B, 0);
	parse(&p, &f);
	e = err4(5, 0);
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)), -1);
	e = err4(0, 0);
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)), -1);
	e = err4(3, 16);
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)), -1);
	e = err4(11, 2);
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)), -1);
	e = err4(3, 4);
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)), -1); /* MTU 0 */
	e.mtu = 67;
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)), -1);
	e.mtu = 65536;
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)), -1);
	e.mtu = 68;
	assert_true(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)) > 0);
	e = err4(11, 0);
	e.ip4_src = 0;
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)), -1);
	e = err4(11, 0);
	e.ip4_dst = htonl(0xe0000001);
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)), -1);
	e = err4(11, 0);
	e.eth_src[0] = 1;
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)), -1);
	/* not IPv4; a layout pointing past the frame; NULLs */
	e = err4(11, 0);
	arp_frame(&f, 0, 1, MAC_BC);
	assert_int_equal(pktgen_icmp4_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	udp4(&f, 100, 0, IP_B, 0);
	parse(&p, &f);
	p.in.len = 40;
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, o, sizeof(o)), -1);
	p.in.len = f.n;
	assert_int_equal(pktgen_icmp4_error(&p.in, NULL, o, sizeof(o)), -1);
	assert_int_equal(pktgen_icmp4_error(NULL, &e, o, sizeof(o)), -1);
	assert_int_equal(pktgen_icmp4_error(&p.in, &e, NULL, sizeof(o)), -1);
}

/* ---- ICMPv6 echo ---- */

static void echo6(struct frame *f, uint16_t tci, size_t dlen, const uint8_t dst[16])
{
	eth(f, MAC_B, MAC_A, tci, 0x86dd);
	ip6(f, 58, 8 + dlen, 64, IP6_A, dst);
	put8(f, 128);
	put8(f, 0);
	put16(f, 0);
	put16(f, 0x0bad);
	put16(f, 3);
	fill(f, dlen, 0x51);
	icmp6_sum(f);
}

static void test_icmp6_echo_reply(void **state)
{
	struct frame f;
	struct parsed p;
	uint8_t o[2048];
	struct flow_key k;
	struct flow_layout l;
	int n;
	(void)state;

	for (int tagged = 0; tagged < 2; tagged++) {
		echo6(&f, tagged ? 0xe00a : 0, 101, IP6_R);
		n = pktgen_icmp6_echo_reply(parse(&p, &f), 0, o, sizeof(o));
		assert_int_equal(n, (int)f.n);
		parse_out(o, n, &k, &l);
		assert_memory_equal(k.eth_dst, MAC_A, 6);
		assert_memory_equal(k.eth_src, MAC_B, 6);
		assert_int_equal(k.vlan_tci, tagged ? 0xe00a | FLOW_VLAN_PRESENT : 0);
		check_ip6_hdr(o + l.l3_ofs, (size_t)n - l.l3_ofs, 0xb8, 58, 255, IP6_R, IP6_A);
		assert_int_equal(k.ip6_label, 0);
		assert_int_equal(ntohs(k.tp_src), 129);
		assert_int_equal(ntohs(k.tp_dst), 0);
		assert_memory_equal(o + l.l4_ofs + 4, f.b + f.l4 + 4, 4 + 101);
		check_l4_sum6(o + l.l3_ofs, 58);
	}
	/* the request's extension headers are dropped */
	eth(&f, MAC_B, MAC_A, 0, 0x86dd);
	ip6(&f, 0, 8 + 8 + 8, 64, IP6_A, IP6_R);
	put(&f, "\x3a\x00\x01\x04\x00\x00\x00\x00", 8); /* hop-by-hop: PadN */
	f.l4 = f.n;
	put32(&f, 0x80000000);
	put32(&f, 0x00010002);
	fill(&f, 8, 9);
	icmp6_sum(&f);
	n = pktgen_icmp6_echo_reply(parse(&p, &f), 32, o, sizeof(o));
	assert_int_equal(n, (int)f.n - 8);
	parse_out(o, n, &k, &l);
	check_ip6_hdr(o + 14, (size_t)n - 14, 0xb8, 58, 32, IP6_R, IP6_A);
	assert_int_equal(l.l4_ofs, 54);
	check_l4_sum6(o + 14, 58);
	assert_int_equal(pktgen_icmp6_echo_reply(&p.in, 0, o, (size_t)n), n);
	assert_int_equal(pktgen_icmp6_echo_reply(&p.in, 0, o, (size_t)n - 1), -1);

	/* refused: a wrong checksum (the pseudo-header counts), a reply, a multicast destination,
	 * a fragment, an unspecified source, not ICMPv6 */
	echo6(&f, 0, 16, IP6_R);
	f.b[f.l3 + 39] ^= 0x40; /* ip6.dst changed under the checksum */
	assert_int_equal(pktgen_icmp6_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	echo6(&f, 0, 16, IP6_R);
	f.b[f.l4] = 129;
	icmp6_sum(&f);
	assert_int_equal(pktgen_icmp6_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	echo6(&f, 0, 16, IP6_R);
	f.b[f.l4 + 1] = 1; /* code 1 */
	icmp6_sum(&f);
	assert_int_equal(pktgen_icmp6_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	echo6(&f, 0, 16, IP6_ALLNODES);
	assert_int_equal(pktgen_icmp6_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	eth(&f, MAC_B, MAC_A, 0, 0x86dd);
	ip6(&f, 44, 8 + 8 + 8, 64, IP6_A, IP6_R);
	put(&f, "\x3a\x00\x00\x01\x00\x00\x00\x07", 8); /* fragment header, offset 0, M */
	f.l4 = f.n;
	put32(&f, 0x80000000);
	put32(&f, 0x00010002);
	fill(&f, 8, 9);
	icmp6_sum(&f);
	assert_int_equal(pktgen_icmp6_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	echo6(&f, 0, 16, IP6_R);
	memset(f.b + 22, 0, 16);
	icmp6_sum(&f);
	assert_int_equal(pktgen_icmp6_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
	echo4(&f, 0, 16, 0, IP_R, 0);
	assert_int_equal(pktgen_icmp6_echo_reply(parse(&p, &f), 0, o, sizeof(o)), -1);
}

/* ---- ICMPv6 errors ---- */

static void udp6(struct frame *f, size_t dlen, const uint8_t src[16], const uint8_t dst[16])
{
	eth(f, MAC_B, MAC_A, 0, 0x86dd);
	ip6(f, 17, 8 + dlen, 64, src, dst);
	put16(f, 5000);
	put16(f, 53);
	put16(f, (uint16_t)(8 + dlen));
	put16(f, 0);
	fill(f, dlen, 0x21);
}

static struct pktgen_icmp_err err6(uint8_t type, uint8_t code, uint32_t mtu)
{
	struct pktgen_icmp_err e = {.type = type, .code = code, .mtu = mtu};
	memcpy(e.eth_src, MAC_R, 6);
	memcpy(e.ip6_src, IP6_R, 16);
	return e;
}

static void check_err6(const uint8_t *o, int n, const struct frame *in, size_t q, uint8_t type,
		       uint8_t code, uint32_t rest)
{
	struct flow_key k;
	struct flow_layout l;
	const uint8_t *icmp;
	parse_out(o, n, &k, &l);
	assert_int_equal((size_t)n, 14 + 40 + 8 + q);
	assert_memory_equal(k.eth_dst, MAC_A, 6);
	assert_memory_equal(k.eth_src, MAC_R, 6);
	check_ip6_hdr(o + 14, (size_t)n - 14, 0, 58, 255, IP6_R, IP6_A);
	assert_int_equal(l.l4_ofs, 54);
	icmp = o + 54;
	assert_int_equal(icmp[0], type);
	assert_int_equal(icmp[1], code);
	assert_int_equal(ntohs(k.tp_src), type);
	assert_int_equal(rd32(icmp + 4), rest);
	assert_memory_equal(icmp + 8, in->b + in->l3, q);
	check_l4_sum6(o + 14, 58);
}

static void test_icmp6_error(void **state)
{
	struct frame f;
	struct parsed p;
	uint8_t o[2048];
	struct pktgen_icmp_err e;
	int n;
	(void)state;

	/* packet too big about a 1500-byte packet: 1232 bytes quoted, the error is 1280 */
	udp6(&f, 1500 - 48, IP6_A, IP6_B);
	e = err6(2, 0, 1400);
	n = pktgen_icmp6_error(parse(&p, &f), &e, o, sizeof(o));
	check_err6(o, n, &f, 1232, 2, 0, 1400);
	assert_int_equal(n - 14, 1280);
	/* time exceeded, OVN's quote (1218); hop limit given */
	e = err6(3, 0, 9999); /* the MTU is only for packet too big */
	e.quote_max = 1218;
	n = pktgen_icmp6_error(&p.in, &e, o, sizeof(o));
	check_err6(o, n, &f, 1218, 3, 0, 0);
	e.ttl = 254;
	n = pktgen_icmp6_error(&p.in, &e, o, sizeof(o));
	assert_int_equal(o[14 + 7], 254);
	/* a short packet whole; destination unreachable, port (4) */
	udp6(&f, 5, IP6_A, IP6_B);
	e = err6(1, 4, 0);
	n = pktgen_icmp6_error(parse(&p, &f), &e, o, sizeof(o));
	check_err6(o, n, &f, 40 + 13, 1, 4, 0);
	/* packet too big about a multicast packet is the exception (RFC 4443 2.4(e.3)) */
	udp6(&f, 100, IP6_A, IP6_ALLNODES);
	memcpy(f.b, "\x33\x33\x00\x00\x00\x01", 6);
	e = err6(2, 0, 1280);
	n = pktgen_icmp6_error(parse(&p, &f), &e, o, sizeof(o));
	check_err6(o, n, &f, 148, 2, 0, 1280);
	/* an informational ICMPv6 message is answered */
	echo6(&f, 0, 16, IP6_B);
	e = err6(3, 0, 0);
	n = pktgen_icmp6_error(parse(&p, &f), &e, o, sizeof(o));
	check_err6(o, n, &f, 40 + 24, 3, 0, 0);
	/* a non-first fragment: RFC 4443 has no rule against it, it is quoted as it is */
	eth(&f, MAC_B, MAC_A, 0, 0x86dd);
	ip6(&f, 44, 8 + 64, 64, IP6_A, IP6_B);
	put(&f, "\x3a\x00\x00\xa8\x00\x00\x00\x07", 8); /* offset 21 * 8, ICMPv6 */
	fill(&f, 64, 1);
	e = err6(3, 1, 0);
	n = pktgen_icmp6_error(parse(&p, &f), &e, o, sizeof(o));
	assert_int_equal(p.k.nw_frag, FLOW_FRAG_ANY | FLOW_FRAG_LATER);
	check_err6(o, n, &f, 40 + 72, 3, 1, 0);
	/* the room it needs, and one byte less */
	assert_int_equal(pktgen_icmp6_error(&p.in, &e, o, (size_t)n), n);
	assert_int_equal(pktgen_icmp6_error(&p.in, &e, o, (size_t)n - 1), -1);
	/* a given destination */
	udp6(&f, 10, IP6_A, IP6_B);
	e = err6(1, 0, 0);
	memcpy(e.ip6_dst, IP6_B, 16);
	memcpy(e.eth_dst, MAC_B, 6);
	n = pktgen_icmp6_error(parse(&p, &f), &e, o, sizeof(o));
	assert_true(n > 0);
	assert_memory_equal(o, MAC_B, 6);
	assert_memory_equal(o + 14 + 24, IP6_B, 16);
	check_l4_sum6(o + 14, 58);
}

static void test_icmp6_error_refused(void **state)
{
	static const uint8_t err_types[] = {1, 2, 3, 4, 100, 127, 137};
	struct frame f;
	struct parsed p;
	uint8_t o[2048];
	struct pktgen_icmp_err e = err6(1, 0, 0), ptb = err6(2, 0, 1400);
	(void)state;

	/* no error about an ICMPv6 error or a redirect, packet too big included */
	for (size_t i = 0; i < sizeof(err_types); i++) {
		echo6(&f, 0, 28, IP6_B);
		f.b[f.l4] = err_types[i];
		icmp6_sum(&f);
		assert_int_equal(pktgen_icmp6_error(parse(&p, &f), &e, o, sizeof(o)), -1);
		assert_int_equal(pktgen_icmp6_error(&p.in, &ptb, o, sizeof(o)), -1);
	}
	/* to a multicast address or as link-layer multicast, except packet too big */
	udp6(&f, 100, IP6_A, IP6_ALLNODES);
	assert_int_equal(pktgen_icmp6_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	assert_true(pktgen_icmp6_error(&p.in, &ptb, o, sizeof(o)) > 0);
	udp6(&f, 100, IP6_A, IP6_B);
	memcpy(f.b, MAC_BC, 6);
	assert_int_equal(pktgen_icmp6_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	assert_true(pktgen_icmp6_error(&p.in, &ptb, o, sizeof(o)) > 0);
	/* from ::, ::1 or a multicast address, or a multicast MAC */
	static const uint8_t lo[16] = {[15] = 1};
	udp6(&f, 100, IP6_UNSPEC, IP6_B);
	assert_int_equal(pktgen_icmp6_error(parse(&p, &f), &ptb, o, sizeof(o)), -1);
	udp6(&f, 100, lo, IP6_B);
	assert_int_equal(pktgen_icmp6_error(parse(&p, &f), &ptb, o, sizeof(o)), -1);
	udp6(&f, 100, IP6_ALLNODES, IP6_B);
	assert_int_equal(pktgen_icmp6_error(parse(&p, &f), &ptb, o, sizeof(o)), -1);
	udp6(&f, 100, IP6_A, IP6_B);
	f.b[6] = 0x33;
	assert_int_equal(pktgen_icmp6_error(parse(&p, &f), &ptb, o, sizeof(o)), -1);
	/* bad parameters */
	udp6(&f, 100, IP6_A, IP6_B);
	parse(&p, &f);
	e = err6(2, 0, 1279); /* below the IPv6 minimum MTU */
	assert_int_equal(pktgen_icmp6_error(&p.in, &e, o, sizeof(o)), -1);
	e = err6(2, 1, 1400);
	assert_int_equal(pktgen_icmp6_error(&p.in, &e, o, sizeof(o)), -1);
	e = err6(1, 9, 0);
	assert_int_equal(pktgen_icmp6_error(&p.in, &e, o, sizeof(o)), -1);
	e = err6(3, 2, 0);
	assert_int_equal(pktgen_icmp6_error(&p.in, &e, o, sizeof(o)), -1);
	e = err6(4, 0, 0);
	assert_int_equal(pktgen_icmp6_error(&p.in, &e, o, sizeof(o)), -1);
	e = err6(128, 0, 0);
	assert_int_equal(pktgen_icmp6_error(&p.in, &e, o, sizeof(o)), -1);
	e = err6(3, 0, 0);
	memset(e.ip6_src, 0, 16);
	assert_int_equal(pktgen_icmp6_error(&p.in, &e, o, sizeof(o)), -1);
	e = err6(3, 0, 0);
	memcpy(e.ip6_dst, IP6_ALLNODES, 16);
	assert_int_equal(pktgen_icmp6_error(&p.in, &e, o, sizeof(o)), -1);
	/* not IPv6, or a frame shorter than its header says */
	e = err6(3, 0, 0);
	udp4(&f, 10, 0, IP_B, 0);
	assert_int_equal(pktgen_icmp6_error(parse(&p, &f), &e, o, sizeof(o)), -1);
	udp6(&f, 100, IP6_A, IP6_B);
	parse(&p, &f);
	p.in.len -= 1;
	assert_int_equal(pktgen_icmp6_error(&p.in, &e, o, sizeof(o)), -1);
}

/* ---- neighbour discovery ---- */

/* a solicitation for target, with a source link-layer address option if sll */
static void ns_frame(struct frame *f, const uint8_t src[16], const uint8_t dst[16],
		     const uint8_t target[16], bool sll)
{
	eth(f, (const uint8_t *)"\x33\x33\xff\x00\x00\x0b", MAC_A, 0, 0x86dd);
	ip6(f, 58, 24 + (sll ? 8 : 0), 255, src, dst);
	put8(f, 135);
	put8(f, 0);
	put16(f, 0);
	put32(f, 0);
	put(f, target, 16);
	if (sll) {
		put8(f, 1);
		put8(f, 1);
		put(f, MAC_A, 6);
	}
	icmp6_sum(f);
}

static void check_na(const uint8_t *o, int n, const uint8_t eth_dst[6], const uint8_t dst[16],
		     uint8_t flags)
{
	struct flow_key k;
	struct flow_layout l;
	const uint8_t *na;
	parse_out(o, n, &k, &l);
	assert_int_equal(n, 14 + 40 + 32);
	assert_memory_equal(k.eth_dst, eth_dst, 6);
	assert_memory_equal(k.eth_src, MAC_R, 6);
	check_ip6_hdr(o + 14, (size_t)n - 14, 0, 58, 255, IP6_B, dst);
	na = o + l.l4_ofs;
	assert_int_equal(na[0], 136);
	assert_int_equal(na[1], 0);
	assert_int_equal(na[4], flags);
	assert_int_equal(na[5] | na[6] | na[7], 0);
	assert_memory_equal(k.nd_target, IP6_B, 16);
	assert_memory_equal(k.arp_tha, MAC_R, 6); /* the target link-layer address option */
	assert_memory_equal(na + 24, "\x02\x01", 2);
	check_l4_sum6(o + 14, 58);
}

static void test_nd_na(void **state)
{
	struct frame f;
	struct parsed p;
	uint8_t o[256];
	int n;
	(void)state;

	/* address resolution: to the solicitation's source, S set */
	ns_frame(&f, IP6_A, IP6_SNM_B, IP6_B, true);
	n = pktgen_nd_na(parse(&p, &f), MAC_R, PKTGEN_NA_OVERRIDE, o, sizeof(o));
	check_na(o, n, MAC_A, IP6_A, 0x60);
	n = pktgen_nd_na(&p.in, MAC_R, PKTGEN_NA_ROUTER | PKTGEN_NA_OVERRIDE, o, sizeof(o));
	check_na(o, n, MAC_A, IP6_A, 0xe0);
	n = pktgen_nd_na(&p.in, MAC_R, 0, o, sizeof(o));
	check_na(o, n, MAC_A, IP6_A, 0x40);
	/* unicast (neighbour unreachability detection), without an option */
	ns_frame(&f, IP6_A, IP6_B, IP6_B, false);
	n = pktgen_nd_na(parse(&p, &f), MAC_R, PKTGEN_NA_ROUTER, o, sizeof(o));
	check_na(o, n, MAC_A, IP6_A, 0xc0);
	/* duplicate address detection: to all-nodes, S clear */
	ns_frame(&f, IP6_UNSPEC, IP6_SNM_B, IP6_B, false);
	n = pktgen_nd_na(parse(&p, &f), MAC_R, PKTGEN_NA_OVERRIDE, o, sizeof(o));
	check_na(o, n, (const uint8_t *)"\x33\x33\x00\x00\x00\x01", IP6_ALLNODES, 0x20);
	/* the VLAN tag is kept */
	ns_frame(&f, IP6_A, IP6_SNM_B, IP6_B, true);
	{
		struct frame g = f;
		g.n = 0;
		eth(&g, f.b, MAC_A, 0x0064, 0x86dd);
		memcpy(g.b + 18, f.b + 14, f.n - 14);
		g.n = f.n + 4;
		n = pktgen_nd_na(parse(&p, &g), MAC_R, 0, o, sizeof(o));
		assert_int_equal(n, 18 + 40 + 32);
		assert_int_equal(rd16(o + 12), 0x8100);
		assert_int_equal(rd16(o + 14), 0x0064);
		check_l4_sum6(o + 18, 58);
	}
	/* room */
	ns_frame(&f, IP6_A, IP6_SNM_B, IP6_B, true);
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, 86), 86);
	assert_int_equal(pktgen_nd_na(&p.in, MAC_R, 0, o, 85), -1);

	/* refused (RFC 4861 7.1.1): hop limit not 255 */
	ns_frame(&f, IP6_A, IP6_SNM_B, IP6_B, true);
	f.b[21] = 254;
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)), -1);
	/* a wrong checksum */
	ns_frame(&f, IP6_A, IP6_SNM_B, IP6_B, true);
	f.b[f.n - 1] ^= 0x10;
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)), -1);
	/* a multicast target */
	ns_frame(&f, IP6_A, IP6_SNM_B, IP6_ALLNODES, true);
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)), -1);
	/* from :: with a source link-layer address, or not to a solicited-node address */
	ns_frame(&f, IP6_UNSPEC, IP6_SNM_B, IP6_B, true);
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)), -1);
	ns_frame(&f, IP6_UNSPEC, IP6_B, IP6_B, false);
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)), -1);
	/* a code other than 0, an advertisement */
	ns_frame(&f, IP6_A, IP6_SNM_B, IP6_B, true);
	f.b[f.l4 + 1] = 1;
	icmp6_sum(&f);
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)), -1);
	ns_frame(&f, IP6_A, IP6_SNM_B, IP6_B, false);
	f.b[f.l4] = 136;
	icmp6_sum(&f);
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)), -1);
	/* from a multicast source, or a multicast MAC */
	ns_frame(&f, IP6_ALLNODES, IP6_SNM_B, IP6_B, false);
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)), -1);
	ns_frame(&f, IP6_A, IP6_SNM_B, IP6_B, true);
	f.b[6] = 1;
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)), -1);
	/* an ICMPv6 message that is not ND, IPv4 */
	echo6(&f, 0, 16, IP6_B);
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)), -1);
	udp4(&f, 10, 0, IP_B, 0);
	assert_int_equal(pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)), -1);
	/* a truncated solicitation never parses */
	ns_frame(&f, IP6_A, IP6_SNM_B, IP6_B, true);
	{
		struct flow_key k;
		struct flow_layout l;
		f.b[f.l3 + 5] -= 1;
		assert_int_equal(flow_parse(f.b, f.n - 1, &k, &l), FLOW_ERR_BAD_ND);
	}
}

static void check_ns(const uint8_t *o, int n, size_t l2, const uint8_t target[16])
{
	static const uint8_t lla_b[16] = {0xfe, 0x80, 0,    0,	  0,	0,    0,    0,
					  0x02, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x02, 0x02};
	uint8_t snm[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	struct flow_key k;
	struct flow_layout l;
	memcpy(snm + 13, target + 13, 3);
	parse_out(o, n, &k, &l);
	assert_int_equal((size_t)n, l2 + 40 + 32);
	assert_memory_equal(k.eth_dst, "\x33\x33\xff", 3);
	assert_memory_equal(k.eth_dst + 3, target + 13, 3);
	assert_memory_equal(k.eth_src, MAC_B, 6);
	check_ip6_hdr(o + l2, (size_t)n - l2, 0, 58, 255, lla_b, snm);
	assert_int_equal(ntohs(k.tp_src), 135);
	assert_int_equal(ntohs(k.tp_dst), 0);
	assert_int_equal(rd32(o + l.l4_ofs + 4), 0);
	assert_memory_equal(k.nd_target, target, 16);
	assert_memory_equal(k.arp_sha, MAC_B, 6); /* the source link-layer address option */
	assert_memory_equal(o + l.l4_ofs + 24, "\x01\x01", 2);
	check_l4_sum6(o + l2, 58);
}

static void test_nd_ns(void **state)
{
	static const uint8_t next_hop[16] = {0xfd, 0, 0, 0, 0, 0,    0,	   0,
					     0,	   0, 0, 0, 0, 0xab, 0xcd, 0xef};
	struct frame f;
	struct parsed p, q;
	uint8_t o[256], o2[256];
	int n, n2;
	(void)state;

	/* nd_ns { } on a routed IPv6 packet: the target is its destination, or the next hop */
	eth(&f, ZERO6, MAC_B, 0, 0x86dd);
	ip6(&f, 17, 8, 63, IP6_A, IP6_B);
	fill(&f, 8, 0);
	n = pktgen_nd_ns(parse(&p, &f), NULL, o, sizeof(o));
	check_ns(o, n, 14, IP6_B);
	n = pktgen_nd_ns(&p.in, next_hop, o, sizeof(o));
	check_ns(o, n, 14, next_hop);
	assert_int_equal(pktgen_nd_ns(&p.in, next_hop, o, (size_t)n), n);
	assert_int_equal(pktgen_nd_ns(&p.in, next_hop, o, (size_t)n - 1), -1);
	/* the solicitation is one the NA builder answers */
	{
		struct frame g = {.n = (size_t)n, .l3 = 14};
		memcpy(g.b, o, (size_t)n);
		n2 = pktgen_nd_na(parse(&q, &g), MAC_R, PKTGEN_NA_ROUTER, o2, sizeof(o2));
		assert_int_equal(n2, 86);
		assert_memory_equal(o2, MAC_B, 6);
		assert_memory_equal(o2 + 14 + 8, next_hop, 16);	   /* from the target */
		assert_memory_equal(o2 + 14 + 24, o + 14 + 8, 16); /* to the link-local source */
		assert_int_equal(o2[54 + 4], 0xc0);
	}
	/* on an IPv4 packet (an IPv4 route with an IPv6 next hop), with the VLAN tag */
	eth(&f, ZERO6, MAC_B, 0x0fff, 0x0800);
	ip4(&f, 17, 8, 0, IP_A, IP_B, 0);
	fill(&f, 8, 0);
	n = pktgen_nd_ns(parse(&p, &f), next_hop, o, sizeof(o));
	check_ns(o, n, 18, next_hop);
	assert_int_equal(rd16(o + 14), 0x0fff);
	/* refused: no target on IPv4, a multicast, unspecified or loopback target, a multicast
	 * eth.src, ARP */
	assert_int_equal(pktgen_nd_ns(&p.in, NULL, o, sizeof(o)), -1);
	assert_int_equal(pktgen_nd_ns(&p.in, IP6_ALLNODES, o, sizeof(o)), -1);
	assert_int_equal(pktgen_nd_ns(&p.in, IP6_UNSPEC, o, sizeof(o)), -1);
	{
		static const uint8_t lo[16] = {[15] = 1};
		assert_int_equal(pktgen_nd_ns(&p.in, lo, o, sizeof(o)), -1);
	}
	eth(&f, ZERO6, MAC_B, 0, 0x86dd);
	ip6(&f, 17, 8, 63, IP6_A, IP6_SNM_B);
	fill(&f, 8, 0);
	assert_int_equal(pktgen_nd_ns(parse(&p, &f), NULL, o, sizeof(o)), -1);
	eth(&f, ZERO6, MAC_BC, 0, 0x86dd);
	ip6(&f, 17, 8, 63, IP6_A, IP6_B);
	fill(&f, 8, 0);
	assert_int_equal(pktgen_nd_ns(parse(&p, &f), NULL, o, sizeof(o)), -1);
	arp_frame(&f, 0, 1, MAC_BC);
	assert_int_equal(pktgen_nd_ns(parse(&p, &f), next_hop, o, sizeof(o)), -1);
}

/* ---- TCP reset ---- */

/* a segment with seq, ack, flags, opt_words of options (NOPs) and dlen bytes of data */
static void tcp_frame(struct frame *f, bool v6, uint8_t flags, uint32_t seq, uint32_t ack,
		      unsigned opt_words, size_t dlen)
{
	size_t l4len = 20 + opt_words * 4 + dlen;
	eth(f, MAC_B, MAC_A, 0, v6 ? 0x86dd : 0x0800);
	if (v6)
		ip6(f, 6, l4len, 64, IP6_A, IP6_B);
	else
		ip4(f, 6, l4len, 0x4000, IP_A, IP_B, 0);
	put16(f, 40000);
	put16(f, 80);
	put32(f, seq);
	put32(f, ack);
	put8(f, (uint8_t)((5 + opt_words) << 4));
	put8(f, flags);
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
	for (unsigned i = 0; i < opt_words * 4; i++)
		put8(f, 1);
	fill(f, dlen, 0x77);
	tcp_sum(f, v6);
}

static void check_rst(const uint8_t *o, int n, bool v6, uint32_t seq, uint32_t ack, uint8_t flags,
		      uint8_t ttl)
{
	struct flow_key k;
	struct flow_layout l;
	const uint8_t *th;
	parse_out(o, n, &k, &l);
	assert_int_equal(n, 14 + (v6 ? 40 : 20) + 20);
	assert_memory_equal(k.eth_dst, MAC_A, 6);
	assert_memory_equal(k.eth_src, MAC_B, 6);
	if (v6) {
		check_ip6_hdr(o + 14, (size_t)n - 14, 0, 6, ttl, IP6_B, IP6_A);
		check_l4_sum6(o + 14, 6);
	} else {
		check_ip4_hdr(o + 14, (size_t)n - 14, 0xc0, ttl, 6, IP_B, IP_A);
		check_tcp4_sum(o + 14);
	}
	th = o + l.l4_ofs;
	assert_int_equal(ntohs(k.tp_src), 80);
	assert_int_equal(ntohs(k.tp_dst), 40000);
	assert_int_equal(rd32(th + 4), seq);
	assert_int_equal(rd32(th + 8), ack);
	assert_int_equal(th[12], 0x50);
	assert_int_equal(th[13], flags);
	assert_int_equal(ntohs(k.tcp_flags), flags);
	assert_int_equal(rd16(th + 14), 0);
	assert_int_equal(rd16(th + 18), 0);
}

static void test_tcp_reset(void **state)
{
	struct frame f;
	struct parsed p;
	uint8_t o[256];
	int n;
	(void)state;

	for (int v6 = 0; v6 < 2; v6++) {
		/* a SYN: seq 0, ack = its seq + 1, RST|ACK (options are not data) */
		tcp_frame(&f, v6, 0x02, 1000, 0, 3, 0);
		n = pktgen_tcp_reset(parse(&p, &f), 0, o, sizeof(o));
		check_rst(o, n, v6, 0, 1001, 0x14, 255);
		/* a segment with ACK: seq = its ack, RST only */
		tcp_frame(&f, v6, 0x18, 5000, 0xfffffff0, 0, 100);
		n = pktgen_tcp_reset(parse(&p, &f), 63, o, sizeof(o));
		check_rst(o, n, v6, 0xfffffff0, 0, 0x04, 63);
		/* data with FIN, no ACK: ack = seq + data + 1, wrapping */
		tcp_frame(&f, v6, 0x01, 0xfffffffa, 0, 1, 10);
		n = pktgen_tcp_reset(parse(&p, &f), 0, o, sizeof(o));
		check_rst(o, n, v6, 0, 5, 0x14, 255);
		/* SYN and FIN, no data */
		tcp_frame(&f, v6, 0x03, 7, 0, 0, 0);
		n = pktgen_tcp_reset(parse(&p, &f), 0, o, sizeof(o));
		check_rst(o, n, v6, 0, 9, 0x14, 255);
		/* room */
		assert_int_equal(pktgen_tcp_reset(&p.in, 0, o, (size_t)n), n);
		assert_int_equal(pktgen_tcp_reset(&p.in, 0, o, (size_t)n - 1), -1);
		/* refused: a reset, with or without ACK */
		tcp_frame(&f, v6, 0x04, 1, 0, 0, 0);
		assert_int_equal(pktgen_tcp_reset(parse(&p, &f), 0, o, sizeof(o)), -1);
		tcp_frame(&f, v6, 0x14, 1, 2, 0, 0);
		assert_int_equal(pktgen_tcp_reset(parse(&p, &f), 0, o, sizeof(o)), -1);
		/* link-layer broadcast */
		tcp_frame(&f, v6, 0x02, 1, 0, 0, 0);
		memcpy(f.b, MAC_BC, 6);
		assert_int_equal(pktgen_tcp_reset(parse(&p, &f), 0, o, sizeof(o)), -1);
		/* a multicast destination */
		tcp_frame(&f, v6, 0x02, 1, 0, 0, 0);
		if (v6)
			memcpy(f.b + 14 + 24, IP6_ALLNODES, 16);
		else
			memcpy(f.b + 30, "\xff\xff\xff\xff", 4);
		assert_int_equal(pktgen_tcp_reset(parse(&p, &f), 0, o, sizeof(o)), -1);
		/* a source that is not one host */
		tcp_frame(&f, v6, 0x02, 1, 0, 0, 0);
		if (v6)
			memset(f.b + 14 + 8, 0, 16);
		else
			memset(f.b + 26, 0, 4);
		assert_int_equal(pktgen_tcp_reset(parse(&p, &f), 0, o, sizeof(o)), -1);
		/* a frame shorter than its headers say */
		tcp_frame(&f, v6, 0x02, 1, 0, 0, 0);
		parse(&p, &f);
		p.in.len -= 1;
		assert_int_equal(pktgen_tcp_reset(&p.in, 0, o, sizeof(o)), -1);
	}
	/* a fragment: its length is unknown */
	tcp_frame(&f, false, 0x02, 1, 0, 0, 0);
	f.b[20] = 0x20; /* MF */
	f.b[24] = f.b[25] = 0;
	set_sum(f.b + 24, sum16(f.b + 14, 20, 0));
	assert_int_equal(pktgen_tcp_reset(parse(&p, &f), 0, o, sizeof(o)), -1);
	/* not TCP */
	udp4(&f, 10, 0, IP_B, 0);
	assert_int_equal(pktgen_tcp_reset(parse(&p, &f), 0, o, sizeof(o)), -1);
	arp_frame(&f, 0, 1, MAC_BC);
	assert_int_equal(pktgen_tcp_reset(parse(&p, &f), 0, o, sizeof(o)), -1);
}

/* ---- SCTP abort ---- */

/* the test's CRC32c: the non-reflected polynomial 0x1edc6f41 over bit-reversed bytes */
static uint8_t rev8(uint8_t b)
{
	uint8_t r = 0;
	for (int i = 0; i < 8; i++)
		r = (uint8_t)(r | ((b >> i) & 1) << (7 - i));
	return r;
}

static uint32_t rev32(uint32_t v)
{
	uint32_t r = 0;
	for (int i = 0; i < 32; i++)
		r |= ((v >> i) & 1) << (31 - i);
	return r;
}

static uint32_t crc32c_ref(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		crc ^= (uint32_t)rev8(p[i]) << 24;
		for (int b = 0; b < 8; b++)
			crc = crc & 0x80000000u ? crc << 1 ^ 0x1edc6f41u : crc << 1;
	}
	return rev32(~crc);
}

/* an SCTP packet: vtag, then chunks given as bytes */
static void sctp_frame(struct frame *f, bool v6, uint32_t vtag, const void *chunks, size_t clen)
{
	eth(f, MAC_B, MAC_A, 0, v6 ? 0x86dd : 0x0800);
	if (v6)
		ip6(f, 132, 12 + clen, 64, IP6_A, IP6_B);
	else
		ip4(f, 132, 12 + clen, 0x4000, IP_A, IP_B, 0);
	put16(f, 40000);
	put16(f, 3868);
	put32(f, vtag);
	put32(f, 0); /* the input's CRC is not checked */
	put(f, chunks, clen);
}

static void check_abort(const uint8_t *o, int n, bool v6, uint32_t vtag, uint8_t flags)
{
	struct flow_key k;
	struct flow_layout l;
	uint8_t sh[16];
	parse_out(o, n, &k, &l);
	assert_int_equal(n, 14 + (v6 ? 40 : 20) + 16);
	assert_memory_equal(k.eth_dst, MAC_A, 6);
	assert_memory_equal(k.eth_src, MAC_B, 6);
	if (v6)
		check_ip6_hdr(o + 14, (size_t)n - 14, 0, 132, 255, IP6_B, IP6_A);
	else
		check_ip4_hdr(o + 14, (size_t)n - 14, 0xc0, 255, 132, IP_B, IP_A);
	assert_int_equal(ntohs(k.tp_src), 3868);
	assert_int_equal(ntohs(k.tp_dst), 40000);
	memcpy(sh, o + l.l4_ofs, 16);
	assert_int_equal(rd32(sh + 4), vtag);
	assert_int_equal(sh[12], 6); /* ABORT */
	assert_int_equal(sh[13], flags);
	assert_int_equal(rd16(sh + 14), 4);
	/* the CRC32c, least significant byte first */
	{
		uint32_t crc;
		memset(sh + 8, 0, 4);
		crc = crc32c_ref(sh, 16);
		assert_int_equal(o[l.l4_ofs + 8], crc & 0xff);
		assert_int_equal(o[l.l4_ofs + 9], (crc >> 8) & 0xff);
		assert_int_equal(o[l.l4_ofs + 10], (crc >> 16) & 0xff);
		assert_int_equal(o[l.l4_ofs + 11], crc >> 24);
	}
}

static void test_sctp_abort(void **state)
{
	/* INIT: initiate tag 0x11223344, a_rwnd, streams, initial TSN */
	static const uint8_t init[20] = {1, 0, 0, 20, 0x11, 0x22, 0x33, 0x44, 0, 1,
					 0, 0, 0, 10, 0,    10,	  0,	0,    0, 1};
	/* DATA (3 bytes of data, padded) then a HEARTBEAT */
	static const uint8_t data_hb[24] = {0, 3, 0, 19, 0,   0,   0,	1, 0, 0, 0, 0,
					    0, 0, 0, 0,	 'a', 'b', 'c', 0, 4, 0, 0, 4};
	struct frame f;
	struct parsed p;
	uint8_t o[256], c[32];
	int n;
	(void)state;

	assert_int_equal(crc32c_ref((const uint8_t *)"123456789", 9), 0xe3069283);
	for (int v6 = 0; v6 < 2; v6++) {
		/* an INIT with tag 0: the initiate tag, T clear */
		sctp_frame(&f, v6, 0, init, sizeof(init));
		n = pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o));
		check_abort(o, n, v6, 0x11223344, 0);
		assert_int_equal(pktgen_sctp_abort(&p.in, 0, o, (size_t)n), n);
		assert_int_equal(pktgen_sctp_abort(&p.in, 0, o, (size_t)n - 1), -1);
		/* anything else: the packet's tag reflected, T set */
		sctp_frame(&f, v6, 0xcafef00d, data_hb, sizeof(data_hb));
		n = pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o));
		check_abort(o, n, v6, 0xcafef00d, 1);
		/* refused: an ABORT (alone or after DATA), SHUTDOWN COMPLETE, COOKIE ACK, a stale
		 * cookie ERROR, SHUTDOWN ACK */
		memcpy(c, data_hb, 20);
		memcpy(c + 20, "\x06\x00\x00\x04", 4);
		sctp_frame(&f, v6, 5, c, 24);
		assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
		static const uint8_t never[][8] = {
		    {6, 1, 0, 4}, {14, 0, 0, 4}, {11, 0, 0, 4}, {9, 0, 0, 8, 0, 3, 0, 4},
		    {8, 0, 0, 4},
		};
		for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
			sctp_frame(&f, v6, 5, never[i], never[i][3]);
			assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
			/* while a HEARTBEAT alone is answered */
			sctp_frame(&f, v6, 5, "\x04\x00\x00\x04", 4);
			assert_true(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)) > 0);
		}
		/* an ERROR with another cause is answered */
		sctp_frame(&f, v6, 5, "\x09\x00\x00\x08\x00\x01\x00\x04", 8);
		check_abort(o, pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), v6, 5, 1);
		/* tag 0 without a lone INIT; a truncated INIT */
		sctp_frame(&f, v6, 0, data_hb, sizeof(data_hb));
		assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
		memcpy(c, init, 20);
		memcpy(c + 20, "\x04\x00\x00\x04", 4);
		sctp_frame(&f, v6, 0, c, 24);
		assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
		sctp_frame(&f, v6, 0, "\x01\x00\x00\x08\x11\x22\x33\x44", 8);
		assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
		/* malformed chunks: length below 4, past the packet, a stray byte; no chunk */
		sctp_frame(&f, v6, 5, "\x00\x00\x00\x02", 4);
		assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
		sctp_frame(&f, v6, 5, "\x00\x00\x00\x09\x00\x00\x00\x00", 8);
		assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
		sctp_frame(&f, v6, 5, "\x04\x00\x00\x04\x04", 5);
		assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
		sctp_frame(&f, v6, 5, "", 0);
		assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
		/* to a multicast address, a link-layer broadcast, from an unspecified source */
		sctp_frame(&f, v6, 5, data_hb, sizeof(data_hb));
		if (v6)
			memcpy(f.b + 14 + 24, IP6_ALLNODES, 16);
		else
			memcpy(f.b + 30, "\xe0\x00\x00\x12", 4);
		assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
		sctp_frame(&f, v6, 5, data_hb, sizeof(data_hb));
		memcpy(f.b, MAC_BC, 6);
		assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
		sctp_frame(&f, v6, 5, data_hb, sizeof(data_hb));
		memset(f.b + (v6 ? 22 : 26), 0, v6 ? 16 : 4);
		assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
	}
	/* a fragment; not SCTP */
	sctp_frame(&f, false, 5, data_hb, sizeof(data_hb));
	f.b[20] = 0x20;
	assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
	tcp_frame(&f, false, 0x02, 1, 0, 0, 0);
	assert_int_equal(pktgen_sctp_abort(parse(&p, &f), 0, o, sizeof(o)), -1);
	/* the TTL given */
	sctp_frame(&f, true, 5, data_hb, sizeof(data_hb));
	n = pktgen_sctp_abort(parse(&p, &f), 63, o, sizeof(o));
	assert_int_equal(o[14 + 7], 63);
}

/* PKTGEN_MAX_FRAME is enough for every builder on every frame of this file's kinds */
static void test_max_frame(void **state)
{
	struct frame f;
	struct parsed p;
	uint8_t o[4096];
	struct pktgen_icmp_err e4 = err4(11, 0), e6 = err6(3, 0, 0);
	(void)state;
	e4.quote_max = e6.quote_max = 0xffff;
	udp4(&f, 1400, 0, IP_B, 10);
	assert_true((size_t)pktgen_icmp4_error(parse(&p, &f), &e4, o, sizeof(o)) <=
		    PKTGEN_MAX_FRAME(f.n));
	udp6(&f, 1400, IP6_A, IP6_B);
	assert_true((size_t)pktgen_icmp6_error(parse(&p, &f), &e6, o, sizeof(o)) <=
		    PKTGEN_MAX_FRAME(f.n));
	echo4(&f, 0x10, 0, 0, IP_B, 0);
	assert_true((size_t)pktgen_icmp4_echo_reply(parse(&p, &f), 0, o, sizeof(o)) <=
		    PKTGEN_MAX_FRAME(f.n));
	ns_frame(&f, IP6_A, IP6_B, IP6_B, false);
	assert_true((size_t)pktgen_nd_na(parse(&p, &f), MAC_R, 0, o, sizeof(o)) <=
		    PKTGEN_MAX_FRAME(f.n));
}

/* ---- pktgen_rewrite and pktgen_from_key ---- */

static void test_rewrite(void **state)
{
	(void)state;
	struct frame f;
	struct parsed p;
	struct flow_key to, got;
	struct flow_layout gl;

	/* TCP/IPv4 and TCP/IPv6: addresses, ports, TTL and MACs; checksums stay right */
	for (int v6 = 0; v6 < 2; v6++) {
		memset(&f, 0, sizeof(f));
		tcp_frame(&f, v6, 0x18, 1000, 2000, 1, 33);
		parse(&p, &f);
		to = p.k;
		memcpy(to.eth_src, MAC_R, 6);
		memcpy(to.eth_dst, MAC_A, 6);
		if (v6) {
			memcpy(to.ip6_src, IP6_R, 16);
		} else {
			to.ip4_src = p.k.ip4_dst;
			to.ip4_dst = p.k.ip4_src;
		}
		to.tp_src = htons(8080);
		to.nw_ttl = 9;
		assert_int_equal(pktgen_rewrite(f.b, f.n, &p.l, &p.k, &to), 0);
		assert_int_equal(flow_parse(f.b, f.n, &got, &gl), FLOW_OK);
		assert_memory_equal(&got, &to, sizeof(to));
		if (v6) {
			check_l4_sum6(f.b + f.l3, 6);
		} else {
			assert_int_equal(sum16(f.b + f.l3, 20, 0), 0xffff);
			check_tcp4_sum(f.b + f.l3);
		}
	}

	/* a wrong TCP checksum stays wrong by as much */
	memset(&f, 0, sizeof(f));
	tcp_frame(&f, false, 0x18, 1000, 2000, 0, 10);
	f.b[f.l4 + 16] ^= 0x01;
	parse(&p, &f);
	uint32_t before = sum16(f.b + f.l4, f.n - f.l4,
				sum16(f.b + f.l3 + 12, 8, 0) + 6 + (uint32_t)(f.n - f.l4));
	to = p.k;
	to.ip4_src = htonl(IP_R);
	to.tp_dst = htons(443);
	assert_int_equal(pktgen_rewrite(f.b, f.n, &p.l, &p.k, &to), 0);
	uint32_t after = sum16(f.b + f.l4, f.n - f.l4,
			       sum16(f.b + f.l3 + 12, 8, 0) + 6 + (uint32_t)(f.n - f.l4));
	assert_int_not_equal(after, 0xffff);
	assert_int_equal(after, before);

	/* what a field write cannot express is refused */
	memset(&f, 0, sizeof(f));
	tcp_frame(&f, false, 0x18, 1000, 2000, 0, 0);
	parse(&p, &f);
	to = p.k;
	to.nw_proto = 17;
	assert_int_equal(pktgen_rewrite(f.b, f.n, &p.l, &p.k, &to), -1);
	to = p.k;
	to.tcp_flags = htons(0x004);
	assert_int_equal(pktgen_rewrite(f.b, f.n, &p.l, &p.k, &to), -1);
	to = p.k;
	to.nd_target[0] = 1;
	assert_int_equal(pktgen_rewrite(f.b, f.n, &p.l, &p.k, &to), -1);

	/* an NA: nd.target and the target link-layer option, ICMPv6 checksum right */
	uint8_t o[256];
	memset(&f, 0, sizeof(f));
	eth(&f, MAC_BC, MAC_A, 0, 0x86dd);
	ip6(&f, 58, 32, 255, IP6_A, IP6_B);
	put8(&f, 135);
	put8(&f, 0);
	put16(&f, 0);
	put32(&f, 0);
	put(&f, IP6_B, 16);
	put8(&f, 1);
	put8(&f, 1);
	put(&f, MAC_A, 6);
	icmp6_sum(&f);
	int n = pktgen_nd_na(parse(&p, &f), MAC_B, PKTGEN_NA_ROUTER, o, sizeof(o));
	struct flow_key k;
	struct flow_layout l;
	parse_out(o, n, &k, &l);
	to = k;
	memcpy(to.nd_target, IP6_R, 16);
	memcpy(to.ip6_src, IP6_R, 16);
	memcpy(to.arp_tha, MAC_R, 6);
	memcpy(to.eth_src, MAC_R, 6);
	assert_int_equal(pktgen_rewrite(o, (size_t)n, &l, &k, &to), 0);
	assert_int_equal(flow_parse(o, (size_t)n, &got, &gl), FLOW_OK);
	assert_memory_equal(&got, &to, sizeof(to));
	check_l4_sum6(o + 14, 58);
	/* an SLL option an NA does not carry */
	to = k;
	to.arp_sha[5] = 1;
	assert_int_equal(pktgen_rewrite(o, (size_t)n, &l, &k, &to), -1);

	/* ARP: the body's fields; not a TTL */
	memset(&f, 0, sizeof(f));
	arp_frame(&f, 0, 1, MAC_BC);
	parse(&p, &f);
	to = p.k;
	to.arp_op = htons(2);
	to.ip4_src = htonl(IP_R);
	memcpy(to.arp_sha, MAC_R, 6);
	assert_int_equal(pktgen_rewrite(f.b, f.n, &p.l, &p.k, &to), 0);
	assert_int_equal(flow_parse(f.b, f.n, &got, &gl), FLOW_OK);
	to.nw_proto = 2;
	assert_memory_equal(&got, &to, sizeof(to));
	to = got;
	to.nw_ttl = 3;
	assert_int_equal(pktgen_rewrite(f.b, f.n, &gl, &got, &to), -1);
}

/* a frame made from a key parses back to that key, checksums right */
static void test_from_key(void **state)
{
	(void)state;
	static const uint8_t protos[] = {1, 6, 17, 132, 58};
	uint8_t o[256];
	for (int v6 = 0; v6 < 2; v6++) {
		for (size_t i = 0; i < sizeof(protos); i++) {
			struct flow_key k, got;
			struct flow_layout l;
			memset(&k, 0, sizeof(k));
			memcpy(k.eth_src, MAC_A, 6);
			memcpy(k.eth_dst, MAC_B, 6);
			k.eth_type = v6 ? 0x86dd : 0x0800;
			k.nw_proto = protos[i];
			if (!v6 && k.nw_proto == 58)
				continue;
			k.nw_ttl = (uint8_t)(i == 0 ? 0 : 7); /* a TTL of 0 stays 0 */
			k.nw_tos = 0x20;
			if (v6) {
				memcpy(k.ip6_src, IP6_A, 16);
				memcpy(k.ip6_dst, IP6_B, 16);
			} else {
				k.ip4_src = htonl(IP_A);
				k.ip4_dst = htonl(IP_B);
			}
			if (k.nw_proto == 1 || k.nw_proto == 58) {
				k.tp_src = htons(v6 ? 128 : 8);
			} else {
				k.tp_src = htons(1234);
				k.tp_dst = htons(80);
			}
			if (k.nw_proto == 6)
				k.tcp_flags = htons(0x012);
			int n = pktgen_from_key(&k, o, sizeof(o));
			assert_true(n > 0);
			assert_int_equal(flow_parse(o, (size_t)n, &got, &l), FLOW_OK);
			assert_memory_equal(&got, &k, sizeof(k));
			if (v6 && k.nw_proto != 132)
				check_l4_sum6(o + 14, k.nw_proto);
			if (!v6) {
				assert_int_equal(sum16(o + 14, 20, 0), 0xffff);
				if (k.nw_proto == 1)
					check_icmp4_sum(o + 14);
				if (k.nw_proto == 6)
					check_tcp4_sum(o + 14);
			}
		}
	}
	assert_int_equal(pktgen_from_key(NULL, o, sizeof(o)), -1);
	assert_int_equal(pktgen_from_key((const struct flow_key *)o, o, 100), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arp_reply),
	    cmocka_unit_test(test_arp_request_from_ip),
	    cmocka_unit_test(test_icmp4_echo_reply),
	    cmocka_unit_test(test_icmp4_error),
	    cmocka_unit_test(test_icmp4_error_refused),
	    cmocka_unit_test(test_icmp6_echo_reply),
	    cmocka_unit_test(test_icmp6_error),
	    cmocka_unit_test(test_icmp6_error_refused),
	    cmocka_unit_test(test_nd_na),
	    cmocka_unit_test(test_nd_ns),
	    cmocka_unit_test(test_tcp_reset),
	    cmocka_unit_test(test_sctp_abort),
	    cmocka_unit_test(test_max_frame),
	    cmocka_unit_test(test_rewrite),
	    cmocka_unit_test(test_from_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
