/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the packet builders (dp/pktgen.c) on whatever the parser accepts. The input is a
 * frame, either taken as it is or written over one of a few well-formed frames (so that the
 * deep paths are reached without a seed corpus), and the builders' parameters. ASan catches a
 * read past the input (it sits in a buffer of exactly its length) or a write past the output
 * (likewise, of the room the builder is given); the checks below catch an output that does not
 * parse, has a wrong checksum, or is longer than PKTGEN_MAX_FRAME or the room. */
#include "pktgen.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i++)
		s += i & 1 ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- well-formed frames to write over ---- */

static size_t hdr_eth(uint8_t *f, uint16_t type, bool tagged)
{
	static const uint8_t macs[12] = {0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 1};
	memcpy(f, macs, 12);
	if (tagged) {
		f[12] = 0x81;
		f[13] = 0x00;
		f[14] = 0x00;
		f[15] = 0x64;
	}
	f[tagged ? 16 : 12] = (uint8_t)(type >> 8);
	f[tagged ? 17 : 13] = (uint8_t)type;
	return tagged ? 18 : 14;
}

static size_t hdr_ip4(uint8_t *p, uint8_t proto, size_t l4len)
{
	static const uint8_t h[20] = {0x45, 0, 0,  0,  0, 1,  0x40, 0,	64, 0,
				      0,    0, 10, 16, 0, 11, 10,   16, 0,  1};
	memcpy(p, h, 20);
	p[2] = (uint8_t)((20 + l4len) >> 8);
	p[3] = (uint8_t)(20 + l4len);
	p[9] = proto;
	return 20;
}

static size_t hdr_ip6(uint8_t *p, uint8_t nh, size_t plen, uint8_t hlim)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (uint8_t)(plen >> 8);
	p[5] = (uint8_t)plen;
	p[6] = nh;
	p[7] = hlim;
	p[8] = p[24] = 0xfd;
	p[23] = 0x0a;
	p[39] = 0x0b;
	return 40;
}

/* a template frame; returns its length */
static size_t template(uint8_t *f, unsigned which, bool tagged)
{
	size_t n = hdr_eth(f, 0, tagged), l3 = n;
	uint8_t *ip = f + l3;
	switch (which % 8) {
	case 0: /* ARP request */
		f[n - 2] = 0x08, f[n - 1] = 0x06;
		memcpy(ip,
		       "\x00\x01\x08\x00\x06\x04\x00\x01\x00\x00\x00\x00\x01\x01\x0a\x10\x00\x0b"
		       "\x00\x00\x00\x00\x00\x00\x0a\x10\x00\x01",
		       28);
		return n + 28;
	case 1: /* ICMPv4 echo request */
	case 2: /* UDP/IPv4 */
	case 3: /* TCP/IPv4 SYN */
		f[n - 2] = 0x08, f[n - 1] = 0x00;
		if (which % 8 == 1) {
			n += hdr_ip4(ip, 1, 24);
			memset(f + n, 0x5a, 24);
			f[n] = 8, f[n + 1] = 0;
			return n + 24;
		}
		if (which % 8 == 2) {
			n += hdr_ip4(ip, 17, 40);
			memset(f + n, 0x11, 40);
			return n + 40;
		}
		n += hdr_ip4(ip, 6, 20);
		memset(f + n, 0, 20);
		f[n + 12] = 0x50, f[n + 13] = 0x02;
		return n + 20;
	case 4: /* ICMPv6 echo request */
		f[n - 2] = 0x86, f[n - 1] = 0xdd;
		n += hdr_ip6(ip, 58, 24, 64);
		memset(f + n, 0x6b, 24);
		f[n] = 128, f[n + 1] = 0;
		return n + 24;
	case 5: /* neighbour solicitation with a source link-layer address */
		f[n - 2] = 0x86, f[n - 1] = 0xdd;
		n += hdr_ip6(ip, 58, 32, 255);
		memset(f + n, 0, 32);
		f[n] = 135;
		memcpy(f + n + 8, ip + 24, 16);
		f[n + 24] = 1, f[n + 25] = 1, f[n + 31] = 1;
		return n + 32;
	case 6: /* SCTP/IPv4 INIT, tag 0 */
		f[n - 2] = 0x08, f[n - 1] = 0x00;
		n += hdr_ip4(ip, 132, 32);
		memset(f + n, 0, 32);
		f[n + 1] = 9, f[n + 3] = 80;
		memcpy(f + n + 12, "\x01\x00\x00\x14\x11\x22\x33\x44", 8);
		return n + 32;
	default: /* TCP/IPv6 with ACK and data */
		f[n - 2] = 0x86, f[n - 1] = 0xdd;
		n += hdr_ip6(ip, 6, 30, 64);
		memset(f + n, 0x33, 30);
		f[n + 12] = 0x50, f[n + 13] = 0x18;
		return n + 30;
	}
}

/* make the input's ICMP/ICMPv6/TCP checksum right, so that the builders that check it go on */
static void fix_sums(uint8_t *f, size_t len)
{
	struct flow_key k;
	struct flow_layout l;
	uint8_t *l4;
	size_t l4len;
	uint32_t s;
	uint16_t c;
	unsigned at;

	if (flow_parse(f, len, &k, &l) != FLOW_OK || !l.l4_ofs)
		return;
	l4 = f + l.l4_ofs;
	if (k.eth_type == 0x0800) {
		l4len = rd16(f + l.l3_ofs + 2) - l.l3_len;
		s = k.nw_proto == 6 ? sum16(f + l.l3_ofs + 12, 8, 0) + 6 + (uint32_t)l4len : 0;
	} else {
		l4len = (size_t)rd16(f + l.l3_ofs + 4) + 40 - l.l3_len;
		s = sum16(f + l.l3_ofs + 8, 32, 0) + (uint32_t)l4len + k.nw_proto;
	}
	if (k.nw_proto == 1 || k.nw_proto == 58)
		at = 2;
	else if (k.nw_proto == 6)
		at = 16;
	else
		return;
	if (l4len < at + 2)
		return;
	l4[at] = l4[at + 1] = 0;
	c = (uint16_t)~sum16(l4, l4len, s);
	l4[at] = (uint8_t)(c >> 8);
	l4[at + 1] = (uint8_t)c;
}

/* ---- checks of an output ---- */

/* the CRC32c of an SCTP packet, least significant byte first at offset 8 */
static bool sctp_crc_ok(const uint8_t *sh, size_t n)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		crc ^= i >= 8 && i < 12 ? 0 : sh[i];
		for (int b = 0; b < 8; b++)
			crc = crc & 1 ? crc >> 1 ^ 0x82f63b78u : crc >> 1;
	}
	crc = ~crc;
	return n >= 12 && sh[8] == (uint8_t)crc && sh[9] == (uint8_t)(crc >> 8) &&
	       sh[10] == (uint8_t)(crc >> 16) && sh[11] == (uint8_t)(crc >> 24);
}

static void check_out(const uint8_t *o, int n, size_t cap, size_t in_len)
{
	struct flow_key k;
	struct flow_layout l;
	const uint8_t *ip;

	if (n < 0)
		return;
	if (n < 14 || (size_t)n > cap || (size_t)n > PKTGEN_MAX_FRAME(in_len))
		abort();
	if (flow_parse(o, (size_t)n, &k, &l) != FLOW_OK)
		abort();
	ip = o + l.l3_ofs;
	if (k.eth_type == 0x0800) {
		size_t tot = rd16(ip + 2);
		if (l.l3_len != 20 || l.l3_ofs + tot != (size_t)n || sum16(ip, 20, 0) != 0xffff)
			abort();
		if (k.nw_proto == 1 && sum16(ip + 20, tot - 20, 0) != 0xffff)
			abort();
		if (k.nw_proto == 6 &&
		    sum16(ip + 20, tot - 20, sum16(ip + 12, 8, 0) + 6 + (uint32_t)(tot - 20)) !=
			0xffff)
			abort();
		if (k.nw_proto == 132 && !sctp_crc_ok(ip + 20, tot - 20))
			abort();
	} else if (k.eth_type == 0x86dd) {
		size_t plen = rd16(ip + 4);
		if (l.l3_len != 40 || l.l3_ofs + 40 + plen != (size_t)n)
			abort();
		if (k.nw_proto == 132
			? !sctp_crc_ok(ip + 40, plen)
			: sum16(ip + 40, plen,
				sum16(ip + 8, 32, 0) + (uint32_t)plen + k.nw_proto) != 0xffff)
			abort();
	} else if (k.eth_type != 0x0806 || (size_t)n != l.l3_ofs + 28u) {
		abort();
	}
}

/* every IP and L4 checksum of a frame is right (those that cannot be checked count as right) */
static bool sums_ok(const uint8_t *f, size_t len)
{
	struct flow_key k;
	struct flow_layout l;
	const uint8_t *ip;
	size_t l4len;
	uint32_t ps;
	if (flow_parse(f, len, &k, &l) != FLOW_OK || !l.l3_ofs)
		return true;
	ip = f + l.l3_ofs;
	if (k.eth_type == 0x0800) {
		if (sum16(ip, l.l3_len, 0) != 0xffff)
			return false;
		l4len = rd16(ip + 2) - l.l3_len;
		ps = sum16(ip + 12, 8, 0) + k.nw_proto + (uint32_t)l4len;
	} else if (k.eth_type == 0x86dd) {
		l4len = (size_t)rd16(ip + 4) + 40 - l.l3_len;
		ps = sum16(ip + 8, 32, 0) + k.nw_proto + (uint32_t)l4len;
	} else {
		return true;
	}
	if (!l.l4_ofs || k.nw_frag)
		return true;
	const uint8_t *l4 = f + l.l4_ofs;
	switch (l.l4_proto) {
	case 6: return l4len < 20 || sum16(l4, l4len, ps) == 0xffff;
	case 17:
		return l4len < 8 || (k.eth_type == 0x0800 && rd16(l4 + 6) == 0) ||
		       sum16(l4, l4len, ps) == 0xffff;
	case 1: return l4len < 4 || sum16(l4, l4len, 0) == 0xffff;
	case 58: return k.eth_type != 0x86dd || l4len < 4 || sum16(l4, l4len, ps) == 0xffff;
	case 132: return l4len < 12 || sctp_crc_ok(l4, l4len);
	default: return true;
	}
}

/* runs one builder with the room it may need, then with one byte less than it used */
#define RUN(call_with_cap)                                                                         \
	do {                                                                                       \
		size_t cap = room;                                                                 \
		int n = (call_with_cap);                                                           \
		check_out(out, n, cap, in.len);                                                    \
		if (n > 0) {                                                                       \
			cap = (size_t)n - 1;                                                       \
			if ((call_with_cap) != -1)                                                 \
				abort();                                                           \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t tmp[4096], *pkt, *out;
	size_t len, room;
	struct flow_key k;
	struct flow_layout l;
	struct pktgen_in in;
	struct pktgen_icmp_err e4, e6;
	struct pktgen_arp a;
	const uint8_t *prm;

	/* 12 bytes of parameters, then the frame or what to write over a template */
	if (size < 12 || size > 12 + 2048)
		return 0;
	prm = data;
	data += 12;
	size -= 12;
	if (prm[0] & 0x80) {
		len = size;
		memcpy(tmp, data, len);
	} else {
		size_t at = prm[1];
		len = template(tmp, prm[0], prm[0] & 0x40);
		if (at > len)
			at = len;
		if (size > sizeof(tmp) - at)
			size = sizeof(tmp) - at;
		memcpy(tmp + at, data, size);
		if (prm[0] & 0x20)
			len = at + size; /* the input's end is the frame's */
		else if (at + size > len)
			len = at + size;
		if (prm[0] & 0x10)
			fix_sums(tmp, len);
	}
	pkt = malloc(len ? len : 1);
	memcpy(pkt, tmp, len);
	if (flow_parse(pkt, len, &k, &l) != FLOW_OK) {
		free(pkt);
		return 0;
	}
	in = (struct pktgen_in){.pkt = pkt, .len = len, .key = &k, .lay = &l};
	room = PKTGEN_MAX_FRAME(len);
	out = malloc(room);

	memset(&e4, 0, sizeof(e4));
	e4.type = prm[2] & 1 ? 11 : 3;
	e4.code = prm[3] & 0x1f;
	e4.ttl = prm[4];
	e4.mtu = rd16(prm + 5);
	e4.quote_max = (uint16_t)(prm[7] << 4);
	memcpy(e4.eth_src, "\x0a\x00\x00\x00\x00\xfe", 6);
	memcpy(&e4.ip4_src, "\x0a\x10\x00\x01", 4);
	if (prm[2] & 2)
		memcpy(e4.eth_dst, "\x00\x00\x00\x00\x02\x02", 6);
	e6 = e4;
	e6.type = (uint8_t)(1 + prm[2] % 3);
	e6.code = prm[3] & 7;
	e6.mtu = (uint32_t)rd16(prm + 5) << (prm[2] & 4 ? 1 : 0);
	e6.ip6_src[0] = 0xfd;
	e6.ip6_src[15] = 1;

	RUN(pktgen_arp_reply(&in, e4.eth_src, out, cap));
	if (pktgen_arp_from_ip(&in, &a) == 0) {
		if (prm[2] & 8)
			memset(a.eth_dst, 0xff, 6);
		RUN(pktgen_arp(&a, out, cap));
	}
	RUN(pktgen_icmp4_echo_reply(&in, prm[4], out, cap));
	RUN(pktgen_icmp6_echo_reply(&in, prm[4], out, cap));
	RUN(pktgen_icmp4_error(&in, &e4, out, cap));
	RUN(pktgen_icmp6_error(&in, &e6, out, cap));
	RUN(pktgen_nd_na(&in, e4.eth_src, prm[8], out, cap));
	RUN(pktgen_nd_ns(&in, prm[2] & 16 ? e6.ip6_src : NULL, out, cap));
	RUN(pktgen_tcp_reset(&in, prm[4], out, cap));
	RUN(pktgen_sctp_abort(&in, prm[4], out, cap));

	/* pktgen_rewrite: headers changed as the parameters say; on success the frame parses
	 * back to exactly the key asked for (ARP: its opcode's low byte is nw_proto) and its
	 * checksums, if they were right, are still right */
	{
		struct flow_key to = k, got;
		struct flow_layout gl;
		uint8_t *cp = malloc(len ? len : 1);
		memcpy(cp, pkt, len);
		if (prm[10] & 1) {
			memcpy(to.eth_src, k.eth_dst, 6);
			memcpy(to.eth_dst, k.eth_src, 6);
		}
		if (prm[10] & 2) {
			to.ip4_src = k.ip4_dst;
			to.ip4_dst = k.ip4_src;
			memcpy(to.ip6_src, k.ip6_dst, 16);
			memcpy(to.ip6_dst, k.ip6_src, 16);
		}
		if (prm[10] & 4)
			to.nw_ttl = prm[11];
		if (prm[10] & 8)
			to.tp_src = (uint16_t)(prm[11] | prm[4] << 8);
		if (prm[10] & 16)
			to.tp_dst = (uint16_t)(prm[3] | prm[11] << 8);
		if (prm[10] & 32)
			to.nd_target[15] ^= prm[11];
		if (prm[10] & 64)
			to.arp_sha[5] ^= prm[11];
		if (prm[10] & 128)
			to.nw_tos = prm[11];
		bool was_ok = sums_ok(pkt, len);
		if (pktgen_rewrite(cp, len, &l, &k, &to) == 0) {
			if (flow_parse(cp, len, &got, &gl) != FLOW_OK)
				abort();
			if (was_ok && !sums_ok(cp, len))
				abort(); /* a right checksum stays right */
			if (to.eth_type == 0x0806)
				to.nw_proto = got.nw_proto;
			if (memcmp(&got, &to, sizeof(to)) != 0)
				abort();
		}
		free(cp);
	}

	/* the same frame cut short under the same key and layout: refused or still in bounds */
	if (prm[9] && prm[9] < len) {
		free(pkt);
		in.len = len - prm[9];
		pkt = malloc(in.len);
		memcpy(pkt, tmp, in.len);
		in.pkt = pkt;
		RUN(pktgen_arp_reply(&in, e4.eth_src, out, cap));
		RUN(pktgen_icmp4_echo_reply(&in, prm[4], out, cap));
		RUN(pktgen_icmp6_echo_reply(&in, prm[4], out, cap));
		RUN(pktgen_icmp4_error(&in, &e4, out, cap));
		RUN(pktgen_icmp6_error(&in, &e6, out, cap));
		RUN(pktgen_nd_na(&in, e4.eth_src, prm[8], out, cap));
		RUN(pktgen_tcp_reset(&in, prm[4], out, cap));
		RUN(pktgen_sctp_abort(&in, prm[4], out, cap));
	}
	free(out);
	free(pkt);
	return 0;
}
