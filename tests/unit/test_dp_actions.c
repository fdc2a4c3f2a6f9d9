/* SPDX-License-Identifier: Apache-2.0 */
/* Flat datapath actions: building, validation, text; rewrites checked against checksums
 * computed from scratch. */
#include "dp_actions.h"
#include "frame_test_util.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* A UDP or TCP/IPv4 frame with correct checksums; returns its length. */
static size_t frame(uint8_t *f, uint8_t proto)
{
	size_t l4len = proto == 6 ? 20 : 12, n = 14 + 20 + l4len;
	uint32_t ps;
	uint16_t c;
	memset(f, 0, n);
	memcpy(f, "\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x01\x08\x00", 14);
	f[14] = 0x45;
	f[16] = 0;
	f[17] = (uint8_t)(20 + l4len);
	f[22] = 64;
	f[23] = proto;
	memcpy(f + 26, "\x0a\x10\x00\x0b\x0a\x11\x00\x0c", 8);
	c = (uint16_t)~sum16(f + 14, 20, 0);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	f[34] = 0x04; /* sport 1024 */
	f[37] = 0x35; /* dport 53 */
	if (proto == 17) {
		f[39] = (uint8_t)l4len;
		memcpy(f + 42, "data", 4);
	} else {
		f[46] = 0x50; /* data offset 5 */
	}
	ps = (uint32_t)sum16(f + 26, 8, 0) + proto + (uint32_t)l4len;
	c = (uint16_t)~sum16(f + 34, l4len, ps);
	f[34 + (proto == 6 ? 16 : 6)] = (uint8_t)(c >> 8);
	f[34 + (proto == 6 ? 17 : 7)] = (uint8_t)c;
	return n;
}

static void check_sums(const uint8_t *f, size_t n)
{
	uint8_t proto = f[23];
	size_t l4len = n - 34;
	uint32_t ps = (uint32_t)sum16(f + 26, 8, 0) + proto + (uint32_t)l4len;
	assert_int_equal(sum16(f + 14, 20, 0), 0xffff);
	assert_int_equal(sum16(f + 34, l4len, ps), 0xffff);
}

static void test_build_validate_format(void **state)
{
	uint8_t mem[128];
	struct dpa_buf b = {.data = mem, .cap = sizeof(mem)};
	char text[256];
	(void)state;
	assert_int_equal(
	    dpa_put_eth(&b, DPA_SET_ETH_SRC, (const uint8_t *)"\x00\x00\x00\xa1\x00\x01"), 0);
	assert_int_equal(
	    dpa_put_eth(&b, DPA_SET_ETH_DST, (const uint8_t *)"\x00\x00\x00\x00\x01\x02"), 0);
	assert_int_equal(dpa_put_simple(&b, DPA_DEC_TTL, 0, 0), 0);
	assert_int_equal(dpa_put_simple(&b, DPA_PUSH_VLAN, 0x2064, 0), 0);
	assert_int_equal(dpa_put_simple(&b, DPA_SET_IP4_DST, 0, htonl(0x0a100002)), 0);
	assert_int_equal(dpa_put_output(&b, 3), 0);
	assert_int_equal(b.len, 2 * 16 + 4 * 8);
	assert_true(dpa_valid(mem, b.len));
	assert_true(dpa_format(mem, b.len, text, sizeof(text)) > 0);
	assert_string_equal(text,
			    "set(eth.src=00:00:00:a1:00:01),set(eth.dst=00:00:00:00:01:02),"
			    "dec_ttl,push_vlan(vid=100,pcp=1),set(ip4.dst=10.16.0.2),output:3");
	/* broken lists */
	assert_false(dpa_valid(mem, b.len - 8 + 4));
	mem[0] = 99;
	assert_false(dpa_valid(mem, b.len));
	mem[0] = DPA_SET_ETH_SRC;
	mem[1] = 1; /* wrong length for its type */
	assert_false(dpa_valid(mem, b.len));
	/* a full buffer */
	b.len = b.cap;
	assert_int_equal(dpa_put_output(&b, 1), -1);
	assert_int_equal(dpa_format(NULL, 0, text, sizeof(text)), 4);
	assert_string_equal(text, "drop");
}

/* check_len(L){not larger}{larger}: built by dpa_wrap_check_len, printed nested, accepted
 * only first in a list with two non-empty flat lists filling the rest */
static void test_check_len(void **state)
{
	(void)state;
	uint64_t mem[16], big[16];
	uint8_t *m = (uint8_t *)mem;
	struct dpa_buf b = {.data = m, .cap = sizeof(mem)};
	struct dpa_buf l = {.data = (uint8_t *)big, .cap = sizeof(big)};
	char text[256];

	assert_int_equal(dpa_put_simple(&l, DPA_SLOWPATH, 0, 0), 0);
	/* an empty "not larger" list cannot be wrapped */
	assert_int_equal(dpa_wrap_check_len(&b, 1414, big, l.len), -1);
	assert_int_equal(dpa_put_simple(&b, DPA_DEC_TTL, 0, 0), 0);
	assert_int_equal(dpa_put_output(&b, 3), 0);
	assert_int_equal(dpa_wrap_check_len(&b, 1414, big, l.len), 0);
	assert_int_equal(b.len, 32);
	assert_true(dpa_valid(m, b.len));
	assert_true(dpa_format(m, b.len, text, sizeof(text)) > 0);
	assert_string_equal(text, "check_len(1414){dec_ttl,output:3}{slowpath}");
	/* too small an output buffer is refused, not overrun */
	assert_int_equal(dpa_format(m, b.len, text, 20), -1);
	/* the "larger" list is missing: the split leaves nothing after it */
	assert_false(dpa_valid(m, 24));
	/* the split beyond the list, zero, not whole words */
	struct dpa_hdr *h = (struct dpa_hdr *)(void *)m;
	h->u16 = 32;
	assert_false(dpa_valid(m, b.len));
	h->u16 = 0;
	assert_false(dpa_valid(m, b.len));
	h->u16 = 12;
	assert_false(dpa_valid(m, b.len));
	h->u16 = 16;
	assert_true(dpa_valid(m, b.len));
	/* nested check_len, or one not first */
	struct dpa_hdr *t = (struct dpa_hdr *)(void *)(m + 24);
	t->type = DPA_CHECK_LEN;
	assert_false(dpa_valid(m, b.len));
	t->type = DPA_SLOWPATH;
	struct dpa_buf c = {.data = m, .cap = sizeof(mem)};
	assert_int_equal(dpa_put_output(&c, 1), 0);
	assert_int_equal(dpa_put_simple(&c, DPA_CHECK_LEN, 8, 1414), 0);
	assert_int_equal(dpa_put_output(&c, 2), 0);
	assert_int_equal(dpa_put_output(&c, 3), 0);
	assert_false(dpa_valid(m, c.len));
	/* no room */
	struct dpa_buf d = {.data = m, .len = 0, .cap = 16};
	assert_int_equal(dpa_put_output(&d, 1), 0);
	assert_int_equal(dpa_wrap_check_len(&d, 1414, big, l.len), -1);
	assert_int_equal(d.len, 8);
}

static void test_dec_ttl(void **state)
{
	uint8_t f[128];
	size_t n = frame(f, 17);
	struct flow_key k;
	struct flow_layout l;
	(void)state;
	assert_int_equal(flow_parse(f, n, &k, &l), FLOW_OK);
	assert_true(dpa_dec_ttl(f, n, &l));
	assert_int_equal(f[22], 63);
	check_sums(f, n);
	f[22] = 1;
	assert_false(dpa_dec_ttl(f, n, &l)); /* would reach 0: the pipeline sends ICMP instead */
}

static void test_set_ip4_updates_l3_and_l4_sums(void **state)
{
	uint8_t f[128];
	struct flow_key k;
	struct flow_layout l;
	(void)state;
	for (int proto = 6; proto <= 17; proto += 11) {
		size_t n = frame(f, (uint8_t)proto);
		assert_int_equal(flow_parse(f, n, &k, &l), FLOW_OK);
		check_sums(f, n);
		assert_true(dpa_set_ip4(f, n, &l, false, htonl(0xc0a8fe01)));
		assert_true(dpa_set_ip4(f, n, &l, true, htonl(0x64400001)));
		assert_memory_equal(f + 26, "\xc0\xa8\xfe\x01\x64\x40\x00\x01", 8);
		check_sums(f, n);
	}
	/* UDP without a checksum keeps none */
	{
		size_t n = frame(f, 17);
		f[40] = f[41] = 0;
		assert_int_equal(flow_parse(f, n, &k, &l), FLOW_OK);
		assert_true(dpa_set_ip4(f, n, &l, true, htonl(0x01020304)));
		assert_int_equal(f[40] | f[41], 0);
	}
}

static void test_set_eth(void **state)
{
	uint8_t f[128];
	size_t n = frame(f, 17);
	(void)state;
	assert_true(dpa_set_eth(f, n, true, (const uint8_t *)"\x0a\x0b\x0c\x0d\x0e\x0f"));
	assert_true(dpa_set_eth(f, n, false, (const uint8_t *)"\x01\x02\x03\x04\x05\x06"));
	assert_memory_equal(f, "\x0a\x0b\x0c\x0d\x0e\x0f\x01\x02\x03\x04\x05\x06", 12);
	assert_false(dpa_set_eth(f, 10, true, (const uint8_t *)"\x0a\x0b\x0c\x0d\x0e\x0f"));
}

/* the ARP responder's rewrite: the whole body, re-parsed */
static void test_set_arp(void **state)
{
	(void)state;
	uint8_t f[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1,  1,	 0x08, 0x06,
			 0,    1,    0x08, 0x00, 6,    4,    0, 1, 0, 0, 0,  0,	 1,    1,
			 10,   16,   0,	   11,	 0,    0,    0, 0, 0, 0, 10, 16, 0,    12};
	struct flow_key k;
	struct flow_layout l;
	struct dpa_arp a;
	uint8_t buf[64] __attribute__((aligned(8)));
	struct dpa_buf b = {.data = buf, .cap = sizeof(buf)};
	char txt[256];

	assert_int_equal(flow_parse(f, sizeof(f), &k, &l), FLOW_OK);
	memset(&a, 0, sizeof(a));
	a.h.u16 = 2;
	memcpy(a.sha, (uint8_t[6]){0, 0, 0, 0, 1, 2}, 6);
	memcpy(a.tha, (uint8_t[6]){0, 0, 0, 0, 1, 1}, 6);
	memcpy(&a.spa, (uint8_t[4]){10, 16, 0, 12}, 4);
	memcpy(&a.tpa, (uint8_t[4]){10, 16, 0, 11}, 4);
	assert_int_equal(dpa_put_arp(&b, &a), 0);
	assert_int_equal(b.len, 32);
	assert_true(dpa_valid(buf, b.len));
	assert_true(dpa_format(buf, b.len, txt, sizeof(txt)) > 0);
	assert_string_equal(txt, "set(arp.op=2,arp.sha=00:00:00:00:01:02,arp.spa=10.16.0.12,"
				 "arp.tha=00:00:00:00:01:01,arp.tpa=10.16.0.11)");
	assert_true(dpa_set_arp(f, sizeof(f), &l, &a));
	assert_int_equal(flow_parse(f, sizeof(f), &k, &l), FLOW_OK);
	assert_int_equal(k.arp_op, htons(2));
	assert_memory_equal(k.arp_sha, a.sha, 6);
	assert_memory_equal(k.arp_tha, a.tha, 6);
	assert_int_equal(k.ip4_src, a.spa);
	assert_int_equal(k.ip4_dst, a.tpa);
	/* not an ARP frame: refused */
	uint8_t ip[34] = {0,  0, 0, 0, 0, 2,  0,   0, 0, 0,  0, 1, 0x08, 0x00, 0x45, 0, 0,
			  20, 0, 0, 0, 0, 64, 253, 0, 0, 10, 0, 0, 1,	 10,   0,    0, 2};
	assert_int_equal(flow_parse(ip, sizeof(ip), &k, &l), FLOW_OK);
	assert_false(dpa_set_arp(ip, sizeof(ip), &l, &a));
}

static void test_set_ttl_and_l4(void **state)
{
	uint8_t f[128];
	struct flow_key k;
	struct flow_layout l;
	(void)state;
	for (int proto = 6; proto <= 17; proto += 11) {
		size_t n = frame(f, (uint8_t)proto);
		assert_int_equal(flow_parse(f, n, &k, &l), FLOW_OK);
		assert_int_equal(l.l4_proto, proto);
		assert_true(dpa_set_ttl(f, n, &l, 255));
		assert_int_equal(f[22], 255);
		assert_true(dpa_set_l4(f, n, &l, false, htons(40000)));
		assert_true(dpa_set_l4(f, n, &l, true, htons(8080)));
		assert_int_equal(f[34] << 8 | f[35], 40000);
		assert_int_equal(f[36] << 8 | f[37], 8080);
		check_sums(f, n);
		assert_false(dpa_set_ttl(f, n, &l, 0));
	}
}

static void test_set_icmp_type(void **state)
{
	/* an echo request turned into an echo reply (type 8 -> 0), as a router's flow does */
	uint8_t f[128];
	size_t n = frame(f, 17), l4len = n - 34;
	struct flow_key k;
	struct flow_layout l;
	uint16_t c;
	(void)state;
	f[23] = 1;
	f[24] = f[25] = 0;
	c = (uint16_t)~sum16(f + 14, 20, 0);
	f[24] = (uint8_t)(c >> 8);
	f[25] = (uint8_t)c;
	memset(f + 34, 0, l4len);
	f[34] = 8;
	memcpy(f + 38, "\x12\x34\x00\x01pingdata", 12);
	c = (uint16_t)~sum16(f + 34, l4len, 0);
	f[36] = (uint8_t)(c >> 8);
	f[37] = (uint8_t)c;
	assert_int_equal(flow_parse(f, n, &k, &l), FLOW_OK);
	assert_int_equal(l.l4_proto, 1);
	assert_true(dpa_set_l4(f, n, &l, false, htons(0)));
	assert_int_equal(f[34], 0);
	assert_int_equal(f[35], 0);
	assert_int_equal(sum16(f + 34, l4len, 0), 0xffff);
	assert_int_equal(sum16(f + 14, 20, 0), 0xffff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_validate_format),
	    cmocka_unit_test(test_check_len),
	    cmocka_unit_test(test_dec_ttl),
	    cmocka_unit_test(test_set_ip4_updates_l3_and_l4_sums),
	    cmocka_unit_test(test_set_eth),
	    cmocka_unit_test(test_set_arp),
	    cmocka_unit_test(test_set_ttl_and_l4),
	    cmocka_unit_test(test_set_icmp_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
