/* SPDX-License-Identifier: Apache-2.0 */
/* The packet parser: every header it knows, on frames built byte by byte, and every way a frame
 * can be cut short or lie about its lengths. */
#include "flow_key.h"
#include "frame_test_util.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static const uint8_t MAC_A[6] = {0x00, 0x00, 0x00, 0x00, 0x01, 0x01};
static const uint8_t MAC_B[6] = {0x00, 0x00, 0x00, 0x00, 0x02, 0x02};

static void eth(struct frame *f, uint16_t type)
{
	f->n = 0;
	put(f, MAC_B, 6);
	put(f, MAC_A, 6);
	put16(f, type);
}

/* IPv4 header with total length = 20 + l4len */
static void ip4(struct frame *f, uint8_t proto, uint16_t l4len, uint16_t frag)
{
	put8(f, 0x45);
	put8(f, 0xb8); /* DSCP 46, ECN 0 */
	put16(f, (uint16_t)(20 + l4len));
	put16(f, 1);
	put16(f, frag);
	put8(f, 63);
	put8(f, proto);
	put16(f, 0);
	put32(f, 0x0a10000b); /* 10.16.0.11 */
	put32(f, 0x0a10000c); /* 10.16.0.12 */
}

static void ip6(struct frame *f, uint8_t nh, uint16_t plen, const uint8_t *src, const uint8_t *dst)
{
	put32(f, 0x6a912345); /* tclass 0xa9, label 0x12345 */
	put16(f, plen);
	put8(f, nh);
	put8(f, 255);
	put(f, src, 16);
	put(f, dst, 16);
}

static const uint8_t IP6_A[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
static const uint8_t IP6_B[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b};

static void test_udp4(void **state)
{
	struct frame f;
	struct flow_key k;
	struct flow_layout l;
	(void)state;
	eth(&f, 0x0800);
	ip4(&f, 17, 8, 0);
	put16(&f, 1024);
	put16(&f, 53);
	put16(&f, 8);
	put16(&f, 0);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_OK);
	assert_memory_equal(k.eth_dst, MAC_B, 6);
	assert_memory_equal(k.eth_src, MAC_A, 6);
	assert_int_equal(k.eth_type, 0x0800);
	assert_int_equal(k.vlan_tci, 0);
	assert_int_equal(k.nw_proto, 17);
	assert_int_equal(k.nw_ttl, 63);
	assert_int_equal(k.nw_tos, 0xb8);
	assert_int_equal(k.nw_frag, 0);
	assert_int_equal(ntohl(k.ip4_src), 0x0a10000b);
	assert_int_equal(ntohl(k.ip4_dst), 0x0a10000c);
	assert_int_equal(ntohs(k.tp_src), 1024);
	assert_int_equal(ntohs(k.tp_dst), 53);
	assert_int_equal(l.l3_ofs, 14);
	assert_int_equal(l.l4_ofs, 34);
	assert_int_equal(l.l3_len, 20);
}

static void test_vlan_tcp4(void **state)
{
	struct frame f;
	struct flow_key k;
	struct flow_layout l;
	(void)state;
	eth(&f, 0x8100);
	put16(&f, 0x6064); /* PCP 3, VID 100 */
	put16(&f, 0x0800);
	ip4(&f, 6, 20, 0);
	put16(&f, 40000);
	put16(&f, 80);
	put32(&f, 1);
	put32(&f, 0);
	put16(&f, 0x5012); /* data offset 5, SYN|ACK */
	put16(&f, 1000);
	put32(&f, 0);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_OK);
	assert_int_equal(k.vlan_tci, 0x6064 | FLOW_VLAN_PRESENT);
	assert_int_equal(l.vlan_ofs, 12);
	assert_int_equal(k.eth_type, 0x0800);
	assert_int_equal(k.nw_proto, 6);
	assert_int_equal(ntohs(k.tp_dst), 80);
	assert_int_equal(ntohs(k.tcp_flags), 0x012);
	assert_int_equal(l.l3_ofs, 18);
	assert_int_equal(l.l4_ofs, 38);
}

static void test_icmp4_and_frags(void **state)
{
	struct frame f;
	struct flow_key k;
	struct flow_layout l;
	(void)state;
	eth(&f, 0x0800);
	ip4(&f, 1, 8, 0);
	put8(&f, 8); /* echo request */
	put8(&f, 0);
	put16(&f, 0);
	put32(&f, 0);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_OK);
	assert_int_equal(ntohs(k.tp_src), 8);
	assert_int_equal(ntohs(k.tp_dst), 0);

	/* first fragment (MF): L4 parsed, marked a fragment */
	eth(&f, 0x0800);
	ip4(&f, 17, 8, 0x2000);
	put16(&f, 5);
	put16(&f, 6);
	put16(&f, 8);
	put16(&f, 0);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_OK);
	assert_int_equal(k.nw_frag, FLOW_FRAG_ANY);
	assert_int_equal(ntohs(k.tp_src), 5);

	/* later fragment: no L4 */
	eth(&f, 0x0800);
	ip4(&f, 17, 8, 0x0010);
	put32(&f, 0xdeadbeef);
	put32(&f, 0xdeadbeef);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_OK);
	assert_int_equal(k.nw_frag, FLOW_FRAG_ANY | FLOW_FRAG_LATER);
	assert_int_equal(k.tp_src, 0);
	assert_int_equal(l.l4_ofs, 0);
}

static void test_arp(void **state)
{
	struct frame f;
	struct flow_key k;
	struct flow_layout l;
	(void)state;
	eth(&f, 0x0806);
	put16(&f, 1);
	put16(&f, 0x0800);
	put8(&f, 6);
	put8(&f, 4);
	put16(&f, 1); /* request */
	put(&f, MAC_A, 6);
	put32(&f, 0x0a10000b);
	put(&f, (const uint8_t[6]){0}, 6);
	put32(&f, 0x0a100001);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_OK);
	assert_int_equal(k.eth_type, 0x0806);
	assert_int_equal(ntohs(k.arp_op), 1);
	assert_int_equal(k.nw_proto, 1);
	assert_memory_equal(k.arp_sha, MAC_A, 6);
	assert_int_equal(ntohl(k.ip4_src), 0x0a10000b);
	assert_int_equal(ntohl(k.ip4_dst), 0x0a100001);

	f.n -= 1; /* truncated */
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_ERR_SHORT_ARP);
}

static void test_ip6_ext_udp(void **state)
{
	struct frame f;
	struct flow_key k;
	struct flow_layout l;
	(void)state;
	eth(&f, 0x86dd);
	ip6(&f, 0 /* hop-by-hop */, 8 + 8 + 8, IP6_A, IP6_B);
	put8(&f, 44); /* next: fragment */
	put8(&f, 0);  /* 8 bytes */
	put16(&f, 0);
	put32(&f, 0);
	put8(&f, 17); /* fragment header, offset 0, M=1 */
	put8(&f, 0);
	put16(&f, 0x0001);
	put32(&f, 7);
	put16(&f, 546);
	put16(&f, 547);
	put16(&f, 8);
	put16(&f, 0);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_OK);
	assert_int_equal(k.eth_type, 0x86dd);
	assert_memory_equal(k.ip6_src, IP6_A, 16);
	assert_memory_equal(k.ip6_dst, IP6_B, 16);
	assert_int_equal(k.nw_tos, 0xa9);
	assert_int_equal(ntohl(k.ip6_label), 0x12345);
	assert_int_equal(k.nw_ttl, 255);
	assert_int_equal(k.nw_proto, 17);
	assert_int_equal(k.nw_frag, FLOW_FRAG_ANY);
	assert_int_equal(ntohs(k.tp_src), 546);
	assert_int_equal(l.l3_len, 56);
	assert_int_equal(l.l4_ofs, 14 + 56);
}

static void nd_frame(struct frame *f, uint8_t type, uint8_t opt, uint8_t opt_units)
{
	eth(f, 0x86dd);
	ip6(f, 58, (uint16_t)(24 + opt_units * 8), IP6_A, IP6_B);
	put8(f, type);
	put8(f, 0);
	put16(f, 0);
	put32(f, type == 136 ? 0x60000000 : 0);
	put(f, IP6_B, 16); /* target */
	if (opt_units) {
		put8(f, opt);
		put8(f, opt_units);
		put(f, MAC_A, 6);
		for (int i = 1; i < opt_units; i++)
			put(f, (const uint8_t[8]){0}, 8);
	}
}

static void test_nd(void **state)
{
	struct frame f;
	struct flow_key k;
	struct flow_layout l;
	(void)state;
	nd_frame(&f, 135, 1, 1); /* NS with source link-layer address */
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_OK);
	assert_int_equal(k.nw_proto, 58);
	assert_int_equal(ntohs(k.tp_src), 135);
	assert_memory_equal(k.nd_target, IP6_B, 16);
	assert_memory_equal(k.arp_sha, MAC_A, 6);

	nd_frame(&f, 136, 2, 1); /* NA with target link-layer address */
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_OK);
	assert_memory_equal(k.arp_tha, MAC_A, 6);

	/* an option claiming more bytes than there are, or of zero length */
	nd_frame(&f, 135, 1, 1);
	f.b[f.n - 7] = 3;
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_ERR_BAD_ND);
	nd_frame(&f, 135, 1, 1);
	f.b[f.n - 7] = 0;
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_ERR_BAD_ND);
}

static void test_lies_and_truncations(void **state)
{
	struct frame f;
	struct flow_key k;
	struct flow_layout l;
	(void)state;
	eth(&f, 0x0800);
	assert_int_equal(flow_parse(f.b, 13, &k, &l), FLOW_ERR_SHORT_ETH);

	eth(&f, 0x8100);
	put8(&f, 0);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_ERR_SHORT_VLAN);

	/* IPv4 total length beyond the frame */
	eth(&f, 0x0800);
	ip4(&f, 17, 100, 0);
	put32(&f, 0);
	put32(&f, 0);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_ERR_BAD_IP4);
	/* IHL below 5 */
	eth(&f, 0x0800);
	ip4(&f, 17, 8, 0);
	put32(&f, 0);
	put32(&f, 0);
	f.b[14] = 0x44;
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_ERR_BAD_IP4);
	/* version 6 in an IPv4 ethertype */
	f.b[14] = 0x65;
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_ERR_BAD_IP4);
	/* UDP header cut by the IPv4 total length */
	eth(&f, 0x0800);
	ip4(&f, 17, 4, 0);
	put32(&f, 0);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_ERR_SHORT_L4);
	/* TCP data offset beyond the segment */
	eth(&f, 0x0800);
	ip4(&f, 6, 20, 0);
	for (int i = 0; i < 5; i++)
		put32(&f, 0);
	f.b[34 + 12] = 0xf0;
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_ERR_SHORT_L4);
	/* IPv6 payload length beyond the frame, and an extension header running off the end */
	eth(&f, 0x86dd);
	ip6(&f, 17, 200, IP6_A, IP6_B);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_ERR_BAD_IP6);
	eth(&f, 0x86dd);
	ip6(&f, 60, 8, IP6_A, IP6_B);
	put8(&f, 17);
	put8(&f, 5); /* 48 bytes claimed, 8 present */
	put16(&f, 0);
	put32(&f, 0);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_ERR_BAD_IP6);
}

static void test_unknown_ethertype_is_fine(void **state)
{
	struct frame f;
	struct flow_key k;
	struct flow_layout l;
	(void)state;
	eth(&f, 0x88cc); /* LLDP */
	put32(&f, 0);
	assert_int_equal(flow_parse(f.b, f.n, &k, &l), FLOW_OK);
	assert_int_equal(k.eth_type, 0x88cc);
	assert_int_equal(l.l3_ofs, 0);
}

/* flow_parse's shortcut for untagged IPv4 TCP/UDP builds the key in whole words: on valid
 * frames and on many corrupted ones (lengths, IHL, fragments, protocol, TCP offset, VLAN,
 * truncation) it must give exactly what the general parser gives. */
static void test_fast_path_agrees(void **state)
{
	uint32_t seed = 12345;
	unsigned fast_ok = 0;
	(void)state;
	for (int it = 0; it < 200000; it++) {
		struct frame f;
		struct flow_key k1, k2;
		struct flow_layout l1, l2;
		enum flow_parse_err e1, e2;
		bool tcp = it & 1;

		eth(&f, 0x0800);
		ip4(&f, tcp ? 6 : 17, tcp ? 20 : 8, 0);
		put16(&f, (uint16_t)(1024 + it));
		put16(&f, 80);
		if (tcp) {
			put32(&f, 1);
			put32(&f, 2);
			put16(&f, 0x5012); /* offset 5, SYN|ACK */
			put16(&f, 512);
			put32(&f, 0);
		} else {
			put16(&f, 8);
			put16(&f, 0);
		}
		put32(&f, 0xdeadbeef); /* trailing bytes (Ethernet padding) */
		/* corrupt up to three bytes of the headers, or cut the frame */
		for (int c = 0; c < 3; c++) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 3 == 0)
				continue;
			unsigned at = (seed >> 8) % (unsigned)f.n;
			seed = seed * 1103515245u + 12345u;
			f.b[at] = (uint8_t)(seed >> 16);
		}
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 4 == 0)
			f.n = (seed >> 4) % f.n;
		memset(&k1, 0xaa, sizeof(k1));
		memset(&k2, 0x55, sizeof(k2));
		memset(&l1, 0xaa, sizeof(l1));
		memset(&l2, 0x55, sizeof(l2));
		e1 = flow_parse(f.b, f.n, &k1, &l1);
		e2 = flow_parse_generic(f.b, f.n, &k2, &l2);
		assert_int_equal(e1, e2);
		assert_memory_equal(&k1, &k2, sizeof(k1));
		assert_memory_equal(&l1, &l2, sizeof(l1));
		fast_ok += e1 == FLOW_OK && k1.eth_type == 0x0800 && !k1.nw_frag;
	}
	assert_true(fast_ok > 10000); /* the shortcut's frames were among them */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_udp4),
	    cmocka_unit_test(test_vlan_tcp4),
	    cmocka_unit_test(test_icmp4_and_frags),
	    cmocka_unit_test(test_arp),
	    cmocka_unit_test(test_ip6_ext_udp),
	    cmocka_unit_test(test_nd),
	    cmocka_unit_test(test_lies_and_truncations),
	    cmocka_unit_test(test_unknown_ethertype_is_fine),
	    cmocka_unit_test(test_fast_path_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
