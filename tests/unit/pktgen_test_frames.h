/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the packet generation tests (test_pktgen.c: ARP, ICMP, ND; test_pktgen_l4.c: TCP
 * resets, SCTP aborts, frame limits, header rewrites, frames from keys): the addresses they
 * use, frames built byte by byte (Ethernet, IPv4 with options, IPv6, checksums) and the parse
 * of a frame into a pktgen_in. */
#pragma once

#include "frame_test_util.h"
#include "pktgen.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static const __attribute__((unused))
uint8_t MAC_A[6] = {0x00, 0x00, 0x00, 0x00, 0x01, 0x01}; /* a VM */
static const __attribute__((unused))
uint8_t MAC_B[6] = {0x00, 0x00, 0x00, 0x00, 0x02, 0x02}; /* the router port */
static const __attribute__((unused))
uint8_t MAC_R[6] = {0x0a, 0x00, 0x00, 0x00, 0x00, 0xfe}; /* what answers */
static const __attribute__((unused)) uint8_t MAC_BC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const __attribute__((unused)) uint8_t ZERO6[6];

#define IP_A 0x0a10000b /* 10.16.0.11 */
#define IP_B 0x0a10000c /* 10.16.0.12 */
#define IP_R 0x0a100001 /* 10.16.0.1 */

static const __attribute__((unused))
uint8_t IP6_A[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
static const __attribute__((unused))
uint8_t IP6_B[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b};
static const __attribute__((unused))
uint8_t IP6_R[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
static const __attribute__((unused)) uint8_t IP6_UNSPEC[16];
static const __attribute__((unused))
uint8_t IP6_ALLNODES[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/* solicited-node multicast of fd00::b */
static const __attribute__((unused))
uint8_t IP6_SNM_B[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0x0b};

static inline void fill(struct frame *f, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		put8(f, (uint8_t)(seed + i * 7));
}

/* Ethernet, with an 802.1Q tag when tci != 0 */
static inline void eth(struct frame *f, const uint8_t dst[6], const uint8_t src[6], uint16_t tci,
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

static inline void set_sum(uint8_t *at, uint32_t s)
{
	uint16_t c = (uint16_t)~sum16(NULL, 0, s);
	at[0] = (uint8_t)(c >> 8);
	at[1] = (uint8_t)c;
}

/* IPv4 header with opt_words 32-bit words of options (NOPs), total length l3 header + l4len */
static inline void ip4(struct frame *f, uint8_t proto, size_t l4len, uint16_t frag, uint32_t src,
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

static inline void ip6(struct frame *f, uint8_t nh, size_t plen, uint8_t hlim,
		       const uint8_t src[16], const uint8_t dst[16])
{
	put32(f, 0x6b912345); /* class 0xb9, label 0x12345 */
	put16(f, (uint16_t)plen);
	put8(f, nh);
	put8(f, hlim);
	put(f, src, 16);
	put(f, dst, 16);
	f->l4 = f->n;
}

static inline uint32_t pseudo6(const uint8_t *ip6, size_t len, uint8_t nh)
{
	return sum16(ip6 + 8, 32, 0) + (uint32_t)len + nh;
}

/* ICMPv4 checksum over l4 to the end of the frame */
static inline void icmp4_sum(struct frame *f)
{
	f->b[f->l4 + 2] = f->b[f->l4 + 3] = 0;
	set_sum(f->b + f->l4 + 2, sum16(f->b + f->l4, f->n - f->l4, 0));
}

static inline void icmp6_sum(struct frame *f)
{
	size_t len = f->n - f->l4;
	f->b[f->l4 + 2] = f->b[f->l4 + 3] = 0;
	set_sum(f->b + f->l4 + 2, sum16(f->b + f->l4, len, pseudo6(f->b + f->l3, len, 58)));
}

static inline void tcp_sum(struct frame *f, bool v6)
{
	size_t len = f->n - f->l4;
	uint32_t ps =
	    v6 ? pseudo6(f->b + f->l3, len, 6) : sum16(f->b + f->l3 + 12, 8, 0) + 6 + (uint32_t)len;
	f->b[f->l4 + 16] = f->b[f->l4 + 17] = 0;
	set_sum(f->b + f->l4 + 16, sum16(f->b + f->l4, len, ps));
}

struct parsed {
	struct flow_key k;
	struct flow_layout l;
	struct pktgen_in in;
};

static inline const struct pktgen_in *parse(struct parsed *p, const struct frame *f)
{
	assert_int_equal(flow_parse(f->b, f->n, &p->k, &p->l), FLOW_OK);
	p->in = (struct pktgen_in){.pkt = f->b, .len = f->n, .key = &p->k, .lay = &p->l};
	return &p->in;
}

/* the output, parsed: must be FLOW_OK */
static inline void parse_out(const uint8_t *o, int n, struct flow_key *k, struct flow_layout *l)
{
	assert_true(n > 0);
	assert_int_equal(flow_parse(o, (size_t)n, k, l), FLOW_OK);
}

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* a generated IPv4 header: 20 bytes, DF, ID 0, length to the end of the frame, sum right */
static inline void check_ip4_hdr(const uint8_t *ip, size_t frame_rest, uint8_t tos, uint8_t ttl,
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

static inline void check_ip6_hdr(const uint8_t *ip, size_t frame_rest, uint8_t tclass, uint8_t nh,
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
static inline void check_icmp4_sum(const uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4, tot = rd16(ip + 2);
	assert_int_equal(sum16(ip + ihl, tot - ihl, 0), 0xffff);
}

static inline void check_l4_sum6(const uint8_t *ip, uint8_t nh)
{
	size_t plen = rd16(ip + 4);
	assert_int_equal(sum16(ip + 40, plen, pseudo6(ip, plen, nh)), 0xffff);
}

static inline void check_tcp4_sum(const uint8_t *ip)
{
	size_t tot = rd16(ip + 2);
	uint32_t ps = sum16(ip + 12, 8, 0) + 6 + (uint32_t)(tot - 20);
	assert_int_equal(sum16(ip + 20, tot - 20, ps), 0xffff);
}

static inline void arp_frame(struct frame *f, uint16_t tci, uint16_t op, const uint8_t *dst)
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

/* an echo request with dlen bytes of data and opt_words of IPv4 options */
static inline void echo4(struct frame *f, uint16_t tci, size_t dlen, unsigned opt_words,
			 uint32_t dst, uint16_t frag)
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

static inline void udp4(struct frame *f, size_t dlen, uint16_t frag, uint32_t dst,
			unsigned opt_words)
{
	eth(f, MAC_B, MAC_A, 0, 0x0800);
	ip4(f, 17, 8 + dlen, frag, IP_A, dst, opt_words);
	put16(f, 5000);
	put16(f, 53);
	put16(f, (uint16_t)(8 + dlen));
	put16(f, 0);
	fill(f, dlen, 0x11);
}

static inline struct pktgen_icmp_err err4(uint8_t type, uint8_t code)
{
	struct pktgen_icmp_err e = {.type = type, .code = code, .ip4_src = htonl(IP_R)};
	memcpy(e.eth_src, MAC_R, 6);
	return e;
}

/* an ICMPv4 error: headers, the quote (q bytes of the input's IP datagram), the sums */
static inline void check_err4(const uint8_t *o, int n, const struct frame *in, size_t q,
			      uint8_t type, uint8_t code, uint32_t rest, uint8_t ttl)
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

static inline void echo6(struct frame *f, uint16_t tci, size_t dlen, const uint8_t dst[16])
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

static inline void udp6(struct frame *f, size_t dlen, const uint8_t src[16], const uint8_t dst[16])
{
	eth(f, MAC_B, MAC_A, 0, 0x86dd);
	ip6(f, 17, 8 + dlen, 64, src, dst);
	put16(f, 5000);
	put16(f, 53);
	put16(f, (uint16_t)(8 + dlen));
	put16(f, 0);
	fill(f, dlen, 0x21);
}

static inline struct pktgen_icmp_err err6(uint8_t type, uint8_t code, uint32_t mtu)
{
	struct pktgen_icmp_err e = {.type = type, .code = code, .mtu = mtu};
	memcpy(e.eth_src, MAC_R, 6);
	memcpy(e.ip6_src, IP6_R, 16);
	return e;
}

static inline void check_err6(const uint8_t *o, int n, const struct frame *in, size_t q,
			      uint8_t type, uint8_t code, uint32_t rest)
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

/* a solicitation for target, with a source link-layer address option if sll */
static inline void ns_frame(struct frame *f, const uint8_t src[16], const uint8_t dst[16],
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

static inline void check_na(const uint8_t *o, int n, const uint8_t eth_dst[6],
			    const uint8_t dst[16], uint8_t flags)
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

static inline void check_ns(const uint8_t *o, int n, size_t l2, const uint8_t target[16])
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

/* a segment with seq, ack, flags, opt_words of options (NOPs) and dlen bytes of data */
static inline void tcp_frame(struct frame *f, bool v6, uint8_t flags, uint32_t seq, uint32_t ack,
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

static inline void check_rst(const uint8_t *o, int n, bool v6, uint32_t seq, uint32_t ack,
			     uint8_t flags, uint8_t ttl)
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

/* the test's CRC32c: the non-reflected polynomial 0x1edc6f41 over bit-reversed bytes */
static inline uint8_t rev8(uint8_t b)
{
	uint8_t r = 0;
	for (int i = 0; i < 8; i++)
		r = (uint8_t)(r | ((b >> i) & 1) << (7 - i));
	return r;
}

static inline uint32_t rev32(uint32_t v)
{
	uint32_t r = 0;
	for (int i = 0; i < 32; i++)
		r |= ((v >> i) & 1) << (31 - i);
	return r;
}

static inline uint32_t crc32c_ref(const uint8_t *p, size_t n)
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
static inline void sctp_frame(struct frame *f, bool v6, uint32_t vtag, const void *chunks,
			      size_t clen)
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

static inline void check_abort(const uint8_t *o, int n, bool v6, uint32_t vtag, uint8_t flags)
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
