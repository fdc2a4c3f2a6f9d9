/* SPDX-License-Identifier: Apache-2.0 */
/* The learn filter (ovn-glue/sb/learn_filter.c): what the SB has is not written, a key just
 * written is not written again while held down, a move within the hold-down is kept and handed
 * back when it ends, the rate limit, forgetting, expiry and the size cap. */
#include "sb/learn_filter.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static struct dp_learn arp(int64_t port, uint8_t last, uint64_t mac)
{
	struct dp_learn e;
	memset(&e, 0, sizeof(e));
	e.kind = DP_LEARN_ARP;
	e.dp_key = 3;
	e.port_key = port;
	e.ip[0] = 10;
	e.ip[3] = last;
	e.mac = mac;
	return e;
}

static struct dp_learn fdb(int64_t port, uint64_t mac)
{
	struct dp_learn e;
	memset(&e, 0, sizeof(e));
	e.kind = DP_LEARN_FDB;
	e.dp_key = 5;
	e.port_key = port;
	e.mac = mac;
	return e;
}

static void test_dedup_and_hold(void **state)
{
	(void)state;
	struct lrn_filter f;
	struct dp_learn out[4];
	lrn_filter_init(&f, 1000, 1000, 1000, 100);

	struct dp_learn a = arp(1, 5, 0xa1);
	assert_int_equal(lrn_check(&f, &a, true, 0), LRN_DEDUPED); /* the SB has it */
	assert_int_equal(lrn_check(&f, &a, false, 0), LRN_WRITE);
	assert_int_equal(lrn_check(&f, &a, false, 10), LRN_DEDUPED); /* on its way */
	assert_int_equal(lrn_check(&f, &a, false, 999), LRN_DEDUPED);
	/* another port, another address: other keys */
	struct dp_learn b = arp(2, 5, 0xa1), c = arp(1, 6, 0xa1);
	assert_int_equal(lrn_check(&f, &b, false, 20), LRN_WRITE);
	assert_int_equal(lrn_check(&f, &c, false, 20), LRN_WRITE);
	/* an FDB key is (datapath, MAC): the same MAC on another port is the same key */
	struct dp_learn f1 = fdb(2, 0xf1), f2 = fdb(3, 0xf1);
	assert_int_equal(lrn_check(&f, &f1, false, 20), LRN_WRITE);
	assert_int_equal(lrn_check(&f, &f2, false, 30), LRN_HELD_DOWN);

	/* the address moves within the hold-down: held, kept, handed back when it ends */
	struct dp_learn moved = arp(1, 5, 0xa2), moved2 = arp(1, 5, 0xa3);
	assert_int_equal(lrn_check(&f, &moved, false, 500), LRN_HELD_DOWN);
	assert_int_equal(lrn_check(&f, &moved2, false, 600), LRN_HELD_DOWN); /* newest kept */
	assert_int_equal(f.held_down, 3);
	assert_int_equal(lrn_take_due(&f, 900, out, 4), 0);
	unsigned n = lrn_take_due(&f, 1000, out, 4);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].mac, 0xa3);
	assert_int_equal(lrn_take_due(&f, 1001, out, 4), 0); /* handed back once */
	assert_int_equal(lrn_check(&f, &out[0], false, 1000), LRN_WRITE);
	n = lrn_take_due(&f, 1020, out, 4); /* the FDB move */
	assert_int_equal(n, 1);
	assert_int_equal(out[0].port_key, 3);

	/* expiry keeps nothing older than the hold-down; forget lets a key be written again */
	lrn_expire(&f, 1500);
	assert_int_equal(lrn_n_recent(&f), 1); /* only a, rewritten at 1000 */
	assert_int_equal(lrn_check(&f, &f2, false, 1500), LRN_WRITE);
	lrn_expire(&f, 2600);
	assert_int_equal(lrn_n_recent(&f), 0);
	assert_int_equal(lrn_check(&f, &b, false, 2600), LRN_WRITE);
	lrn_forget(&f, &b);
	assert_int_equal(lrn_check(&f, &b, false, 2601), LRN_WRITE);
	assert_true(f.deduped >= 3);
	lrn_filter_destroy(&f);
}

static void test_rate_limit(void **state)
{
	(void)state;
	struct lrn_filter f;
	lrn_filter_init(&f, 1000, 10, 5, 100); /* 10 per second, bursts of 5 */
	unsigned w = 0, rl = 0;
	for (uint8_t i = 0; i < 8; i++) {
		struct dp_learn e = arp(1, i, 0xa0);
		enum lrn_verdict v = lrn_check(&f, &e, false, 0);
		w += v == LRN_WRITE;
		rl += v == LRN_RATE_LIMITED;
	}
	assert_int_equal(w, 5);
	assert_int_equal(rl, 3);
	assert_int_equal(f.rate_limited, 3);
	struct dp_learn e = arp(1, 7, 0xa0);
	assert_int_equal(lrn_check(&f, &e, false, 50), LRN_RATE_LIMITED); /* half a token */
	assert_int_equal(lrn_check(&f, &e, false, 100), LRN_WRITE);	  /* one token */
	/* a refused event holds nothing: the same key later is written */
	struct dp_learn e6 = arp(1, 6, 0xa0);
	assert_int_equal(lrn_check(&f, &e6, false, 200), LRN_WRITE);
	lrn_filter_destroy(&f);

	/* the table of recent writes is bounded */
	lrn_filter_init(&f, 1000, 1000000, 1000000, 4);
	for (uint8_t i = 0; i < 4; i++) {
		e = arp(1, i, 1);
		assert_int_equal(lrn_check(&f, &e, false, 0), LRN_WRITE);
	}
	e = arp(1, 9, 1);
	assert_int_equal(lrn_check(&f, &e, false, 10), LRN_RATE_LIMITED);
	assert_int_equal(lrn_check(&f, &e, false, 1000), LRN_WRITE); /* the old ones expired */
	lrn_filter_destroy(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dedup_and_hold),
	    cmocka_unit_test(test_rate_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
