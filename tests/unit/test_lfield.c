/* SPDX-License-Identifier: Apache-2.0 */
/* The OVN base field mapping over dp_key (dp/lfield.c): values read from parsed frames, writes
 * land in the right bytes, and a read's mask sets exactly the key bits it consulted. */
#include "dp_key.h"
#include "lfield.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static const uint8_t
    icmp_frame[] =
	{
	    0x00, 0x00, 0x00, 0x00, 0x01, 0x02, /* dst */
	    0x00, 0x00, 0x00, 0x00, 0x01, 0x01, /* src */
	    0x08, 0x00, 0x45, 0xb9, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x3f,
	    0x01, 0x00, 0x00, 10,   16,	  0,	11,   10,   16,	  0,	12,
	    0x08, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* echo request type 8, code 3 */
};

static const uint8_t arp_frame[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01,
    10,	  16,	0,    11,   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 10,   16,   0,	  12,
};

static const uint8_t tcp_frame[] = {
    0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10,	  16,
    0,	  11,	10,   16,   0,	  12,	0x9c, 0x40, 0x00, 0x50, 0,    0,    0,	  1,
    0,	  0,	0,    0,    0x50, 0x12, 0xff, 0xff, 0,	  0,	0,    0,
};

static void key_of(struct dp_key *k, const uint8_t *p, size_t n)
{
	struct flow_layout lay;
	memset(k, 0, sizeof(*k));
	assert_int_equal(flow_parse(p, n, &k->f, &lay), FLOW_OK);
}

static unsigned mask_bits(const struct dp_key *m)
{
	unsigned n = 0;
	const uint8_t *b = (const uint8_t *)m;
	for (size_t i = 0; i < sizeof(*m); i++)
		n += (unsigned)__builtin_popcount(b[i]);
	return n;
}

static void test_reads(void **state)
{
	struct dp_key k;
	(void)state;
	key_of(&k, icmp_frame, sizeof(icmp_frame));
	assert_true(lfield_get(&k, LF_MF_ETH_SRC) == 0x000000000101);
	assert_true(lfield_get(&k, LF_MF_ETH_DST) == 0x000000000102);
	assert_true(lfield_get(&k, LF_MF_ETH_TYPE) == 0x0800);
	assert_true(lfield_get(&k, LF_MF_IP4_SRC) == 0x0a10000b);
	assert_true(lfield_get(&k, LF_MF_IP4_DST) == 0x0a10000c);
	assert_true(lfield_get(&k, LF_MF_IP_PROTO) == 1);
	assert_true(lfield_get(&k, LF_MF_IP_TTL) == 0x3f);
	assert_true(lfield_get(&k, LF_MF_IP_DSCP) == 46);
	assert_true(lfield_get(&k, LF_MF_IP_ECN) == 1);
	assert_true(lfield_get(&k, LF_MF_ICMP_TYPE) == 8);
	assert_true(lfield_get(&k, LF_MF_ICMP_CODE) == 3);
	assert_true(lfield_get(&k, LF_MF_VLAN_TCI) == 0);
	assert_false(lfield_in_key(LF_MF_CT_MARK));
	assert_true(lfield_get(&k, LF_MF_CT_MARK) == 0);

	key_of(&k, arp_frame, sizeof(arp_frame));
	assert_true(lfield_get(&k, LF_MF_ETH_TYPE) == 0x0806);
	assert_true(lfield_get(&k, LF_MF_ARP_OP) == 1);
	assert_true(lfield_get(&k, LF_MF_ARP_SPA) == 0x0a10000b);
	assert_true(lfield_get(&k, LF_MF_ARP_TPA) == 0x0a10000c);
	assert_true(lfield_get(&k, LF_MF_ARP_SHA) == 0x000000000101);
	assert_true(lfield_get(&k, LF_MF_ARP_THA) == 0);
	assert_true(lfield_get(&k, LF_MF_ETH_DST) == 0xffffffffffffULL);

	key_of(&k, tcp_frame, sizeof(tcp_frame));
	assert_true(lfield_get(&k, LF_MF_L4_SRC) == 40000);
	assert_true(lfield_get(&k, LF_MF_L4_DST) == 80);
	assert_true(lfield_get(&k, LF_MF_TCP_FLAGS) == 0x012);
	assert_true(lfield_get(&k, LF_MF_IP_FRAG) == 0);
}

static void test_writes(void **state)
{
	struct dp_key k, orig;
	(void)state;
	key_of(&k, icmp_frame, sizeof(icmp_frame));
	orig = k;
	lfield_set(&k, LF_MF_ETH_DST, 0x0a0b0c0d0e0f, lf_u128_ones(48));
	static const uint8_t want[6] = {0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
	assert_memory_equal(k.f.eth_dst, want, 6);
	lfield_set(&k, LF_MF_IP_DSCP, 10, lf_u128_ones(6));
	assert_int_equal(k.f.nw_tos, (10 << 2) | 1);	       /* ECN kept */
	lfield_set(&k, LF_MF_IP4_DST, 0xc0a80000, 0xffff0000); /* only the top 16 bits */
	assert_true(lfield_get(&k, LF_MF_IP4_DST) == 0xc0a8000c);
	lfield_set(&k, LF_MF_ETH_TYPE, 0x86dd, 0xffff);
	assert_int_equal(k.f.eth_type, 0x86dd);
	/* nothing else moved */
	k.f.eth_type = orig.f.eth_type;
	memcpy(k.f.eth_dst, orig.f.eth_dst, 6);
	k.f.nw_tos = orig.f.nw_tos;
	k.f.ip4_dst = orig.f.ip4_dst;
	assert_memory_equal(&k, &orig, sizeof(k));
	/* not in the key: a no-op */
	lfield_set(&k, LF_MF_PKT_MARK, 5, 0xff);
	assert_memory_equal(&k, &orig, sizeof(k));
}

static void test_masks(void **state)
{
	struct dp_key m;
	(void)state;
	memset(&m, 0, sizeof(m));
	lfield_mask(&m, LF_MF_IP4_SRC, 0xff000000); /* 10.0.0.0/8 */
	assert_int_equal(mask_bits(&m), 8);
	assert_int_equal(((const uint8_t *)&m.f.ip4_src)[0], 0xff);

	memset(&m, 0, sizeof(m));
	lfield_mask(&m, LF_MF_ETH_SRC, (lf_u128)1 << 40); /* eth.src[40]: the multicast bit */
	assert_int_equal(mask_bits(&m), 1);
	assert_int_equal(m.f.eth_src[0], 0x01);

	memset(&m, 0, sizeof(m));
	lfield_mask(&m, LF_MF_ETH_TYPE, 0xffff);
	assert_int_equal(m.f.eth_type, 0xffff);
	assert_int_equal(mask_bits(&m), 16);

	memset(&m, 0, sizeof(m));
	lfield_mask(&m, LF_MF_IP_DSCP, 0x3f);
	assert_int_equal(m.f.nw_tos, 0xfc);
	lfield_mask(&m, LF_MF_IP_ECN, 0x3);
	assert_int_equal(m.f.nw_tos, 0xff);
	assert_int_equal(mask_bits(&m), 8);

	memset(&m, 0, sizeof(m));
	lfield_mask(&m, LF_MF_ICMP_TYPE, 0xff);
	assert_int_equal(((const uint8_t *)&m.f.tp_src)[1], 0xff);
	assert_int_equal(mask_bits(&m), 8);

	memset(&m, 0, sizeof(m));
	lfield_mask(&m, LF_MF_IP6_LABEL, lf_u128_ones(20));
	assert_int_equal(mask_bits(&m), 20);
	lfield_mask(&m, LF_MF_CT_STATE, 0x20); /* ct.trk */
	assert_int_equal(m.ct_state, 0x20);
	lfield_mask(&m, LF_MF_CT_LABEL, 1); /* not in the key: nothing */
	assert_int_equal(mask_bits(&m), 21);

	/* the ARP and ND views share the key bytes with IPv4 and each other */
	memset(&m, 0, sizeof(m));
	lfield_mask(&m, LF_MF_ARP_SPA, 0xffffffff);
	assert_int_equal(m.f.ip4_src, 0xffffffff);
	lfield_mask(&m, LF_MF_ND_SLL, lf_u128_ones(48));
	static const uint8_t ones[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_memory_equal(m.f.arp_sha, ones, 6);
	assert_int_equal(mask_bits(&m), 80);
}

/* every field the key carries: set all ones through the mask, read back the field's width */
static void test_every_field(void **state)
{
	(void)state;
	for (int mf = 0; mf < LF_MF_N; mf++) {
		struct dp_key k;
		if (!lfield_in_key((enum lf_mf)mf))
			continue;
		memset(&k, 0, sizeof(k));
		lfield_mask(&k, (enum lf_mf)mf, ~(lf_u128)0);
		unsigned w = (unsigned)lf_popcount128(lfield_get(&k, (enum lf_mf)mf));
		assert_int_equal(mask_bits(&k), w);
		assert_int_equal(w, lf_mf_width((enum lf_mf)mf));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reads),
	    cmocka_unit_test(test_writes),
	    cmocka_unit_test(test_masks),
	    cmocka_unit_test(test_every_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
