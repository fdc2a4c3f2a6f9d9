/* SPDX-License-Identifier: Apache-2.0 */
/* Packet generation (dp/pktgen.c), the rest of test_pktgen.c: TCP resets and SCTP aborts
 * (RFC 793/4960), the largest frames, header rewrites of a parsed frame and frames built from a
 * flow key; frames built byte by byte, outputs parsed back and checked field by field. */
#include "pktgen_test_frames.h"

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
	    cmocka_unit_test(test_tcp_reset), cmocka_unit_test(test_sctp_abort),
	    cmocka_unit_test(test_max_frame), cmocka_unit_test(test_rewrite),
	    cmocka_unit_test(test_from_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
