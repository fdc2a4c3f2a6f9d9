/* SPDX-License-Identifier: Apache-2.0 */
/* Packet generation (dp/pktgen.c), ARP, ICMP and ND: each builder on frames built byte by byte,
 * its output parsed back with flow_parse, every field read and every checksum recomputed here
 * from scratch; and every input it must refuse (RFC 792/1122/1812/4443/4861). TCP resets,
 * SCTP aborts and the rest: test_pktgen_l4.c. */
#include "pktgen_test_frames.h"

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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
