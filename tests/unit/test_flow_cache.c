/* SPDX-License-Identifier: Apache-2.0 */
/* The PMD flow cache: EMC and megaflow hits, masks as subtables, ranking, growth, removal
 * against a reference model, the flow limit. */
#include "flow_cache.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct dp_key key(uint32_t in_port, uint32_t dst, uint16_t sport)
{
	struct dp_key k;
	memset(&k, 0, sizeof(k));
	k.in_port = in_port;
	k.f.eth_type = 0x0800;
	k.f.ip4_dst = dst;
	k.f.ip4_src = 0x0b00100a;
	k.f.tp_src = sport;
	return k;
}

static struct dp_key mask_port_dst(void)
{
	struct dp_key m;
	memset(&m, 0, sizeof(m));
	m.in_port = UINT32_MAX;
	m.f.eth_type = UINT16_MAX;
	m.f.ip4_dst = UINT32_MAX;
	return m;
}

static struct dp_key mask_exact(void)
{
	struct dp_key m;
	memset(&m, 0xff, sizeof(m));
	return m;
}

static void test_megaflow_then_emc(void **state)
{
	struct fc_cache *c = fc_create(1024, 1024);
	struct dp_key k1 = key(1, 7, 1000), k2 = key(1, 7, 2000), k3 = key(2, 7, 1000);
	struct dp_key m = mask_port_dst();
	const char act[] = "out:3";
	struct fc_flow *f;
	(void)state;
	fc_set_emc(c, FC_EMC_ON, 1);

	assert_null(fc_lookup(c, &k1));
	assert_int_equal(fc_get_stats(c)->misses, 1);
	f = fc_insert(c, &k1, &m, act, sizeof(act), 5);
	assert_non_null(f);
	assert_memory_equal(f->actions, act, sizeof(act));
	assert_int_equal(f->key.f.tp_src, 0); /* stored masked */
	/* another source port, same in_port and destination: the megaflow, then the EMC */
	assert_ptr_equal(fc_lookup(c, &k2), f);
	assert_int_equal(fc_get_stats(c)->megaflow_hits, 1);
	assert_ptr_equal(fc_lookup(c, &k2), f);
	assert_int_equal(fc_get_stats(c)->emc_hits, 1);
	/* another in_port: a miss */
	assert_null(fc_lookup(c, &k3));
	assert_int_equal(fc_flow_count(c), 1);
	assert_int_equal(fc_subtable_count(c), 1);
	fc_destroy(c);
}

static void test_masks_and_ranking(void **state)
{
	struct fc_cache *c = fc_create(0, 1024); /* no EMC: every lookup searches subtables */
	struct dp_key mp = mask_port_dst(), me = mask_exact();
	struct dp_key a = key(1, 7, 1), b = key(2, 9, 1);
	struct fc_flow *fa, *fb;
	uint64_t before;
	(void)state;

	fa = fc_insert(c, &a, &me, "A", 1, 0);
	fb = fc_insert(c, &b, &mp, "B", 1, 0);
	assert_int_equal(fc_subtable_count(c), 2);
	/* b's megaflow lives in the second subtable: each lookup probes two */
	for (int i = 0; i < 5000; i++) {
		struct dp_key k = key(2, 9, (uint16_t)i);
		assert_ptr_equal(fc_lookup(c, &k), fb);
	}
	/* after re-ranking, b's subtable is searched first: one probe per lookup */
	before = fc_get_stats(c)->subtable_probes;
	for (int i = 0; i < 100; i++) {
		struct dp_key k = key(2, 9, (uint16_t)i);
		assert_ptr_equal(fc_lookup(c, &k), fb);
	}
	assert_int_equal(fc_get_stats(c)->subtable_probes - before, 100);
	assert_ptr_equal(fc_lookup(c, &a), fa);
	fc_destroy(c);
}

static void test_many_flows_and_removal(void **state)
{
	enum { N = 20000 };
	struct fc_cache *c = fc_create(0, 65536);
	struct dp_key me = mask_exact();
	static struct fc_flow *flows[N];
	static bool present[N];
	(void)state;

	for (uint32_t i = 0; i < N; i++) {
		struct dp_key k = key(1, i * 2654435761u, (uint16_t)i);
		flows[i] = fc_insert(c, &k, &me, &i, sizeof(i), 0);
		assert_non_null(flows[i]);
		present[i] = true;
	}
	assert_int_equal(fc_flow_count(c), N);
	/* remove a pseudo-random half, check everything against the model */
	srand(7);
	for (int r = 0; r < N / 2; r++) {
		uint32_t i = (uint32_t)rand() % N;
		if (!present[i])
			continue;
		fc_remove(c, flows[i]);
		present[i] = false;
	}
	for (uint32_t i = 0; i < N; i++) {
		struct dp_key k = key(1, i * 2654435761u, (uint16_t)i);
		struct fc_flow *f = fc_lookup(c, &k);
		if (present[i]) {
			assert_ptr_equal(f, flows[i]);
			assert_memory_equal(f->actions, &i, sizeof(i));
		} else {
			assert_null(f);
		}
	}
	fc_destroy(c);
}

static void test_removal_cleans_emc_and_empty_subtable(void **state)
{
	struct fc_cache *c = fc_create(64, 64);
	struct dp_key k = key(1, 1, 1), m = mask_port_dst();
	struct fc_flow *f;
	(void)state;
	fc_set_emc(c, FC_EMC_ON, 1);
	f = fc_insert(c, &k, &m, "x", 1, 0);
	assert_ptr_equal(fc_lookup(c, &k), f); /* from the EMC */
	fc_remove(c, f);
	assert_null(fc_lookup(c, &k));
	assert_int_equal(fc_subtable_count(c), 0);
	fc_destroy(c);
}

static void test_limit_flushes(void **state)
{
	struct fc_cache *c = fc_create(16, 8);
	struct dp_key me = mask_exact();
	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		struct dp_key k = key(1, i, 0);
		assert_non_null(fc_insert(c, &k, &me, "x", 1, 0));
	}
	assert_int_equal(fc_flow_count(c), 8);
	{
		struct dp_key k = key(1, 100, 0);
		assert_non_null(fc_insert(c, &k, &me, "y", 1, 0));
		assert_int_equal(fc_flow_count(c), 1);
		assert_int_equal(fc_get_stats(c)->flushes, 1);
		k = key(1, 0, 0);
		assert_null(fc_lookup(c, &k));
	}
	fc_destroy(c);
}

static bool count_fn(const struct fc_flow *f, void *arg)
{
	(void)f;
	(*(unsigned *)arg)++;
	return true;
}

static void test_foreach(void **state)
{
	struct fc_cache *c = fc_create(16, 64);
	struct dp_key me = mask_exact(), mp = mask_port_dst();
	unsigned n = 0;
	(void)state;
	for (uint32_t i = 0; i < 10; i++) {
		struct dp_key k = key(1, i, 0);
		fc_insert(c, &k, i % 2 ? &me : &mp, "x", 1, 0);
	}
	fc_foreach(c, count_fn, &n);
	assert_int_equal(n, 10);
	fc_destroy(c);
}

static bool deps_hit(const struct fc_flow *f, void *arg)
{
	return (f->deps & *(const uint64_t *)arg) != 0;
}

/* selective removal: only the flows whose deps meet the changed bits go, from the subtables
 * and the EMC; the others are still found (and still counting) */
static void test_remove_if(void **state)
{
	enum { N = 3000 };
	struct fc_cache *c = fc_create(4096, 65536);
	struct dp_key me = mask_exact(), mp = mask_port_dst();
	static struct fc_flow *flows[N];
	uint64_t bits;
	(void)state;
	fc_set_emc(c, FC_EMC_ON, 1);
	for (uint32_t i = 0; i < N; i++) {
		struct dp_key k = key(1 + i % 3, i, (uint16_t)i);
		flows[i] = fc_insert(c, &k, i % 2 ? &me : &mp, &i, sizeof(i), 0);
		assert_non_null(flows[i]);
		flows[i]->deps = (uint64_t)1 << (i % 5); /* flow i went through "datapath" i % 5 */
	}
	assert_int_equal(fc_subtable_count(c), 2);
	bits = (uint64_t)1 << 2 | (uint64_t)1 << 4;
	assert_int_equal(fc_remove_if(c, deps_hit, &bits), N / 5 * 2);
	assert_int_equal(fc_flow_count(c), N - N / 5 * 2);
	for (uint32_t i = 0; i < N; i++) {
		struct dp_key k = key(1 + i % 3, i, (uint16_t)i);
		struct fc_flow *f = fc_lookup(c, &k);
		if (i % 5 == 2 || i % 5 == 4) {
			assert_null(f);
		} else {
			assert_ptr_equal(f, flows[i]);
			assert_memory_equal(f->actions, &i, sizeof(i));
		}
	}
	/* nothing matches: nothing removed; everything matches: the subtables go too */
	bits = (uint64_t)1 << 40;
	assert_int_equal(fc_remove_if(c, deps_hit, &bits), 0);
	bits = UINT64_MAX;
	assert_int_equal(fc_remove_if(c, deps_hit, &bits), N - N / 5 * 2);
	assert_int_equal(fc_flow_count(c), 0);
	assert_int_equal(fc_subtable_count(c), 0);
	fc_destroy(c);
}

/* fc_match: a key matches a megaflow when it agrees with it under the mask */
static void test_match(void **state)
{
	struct fc_cache *c = fc_create(0, 64);
	struct dp_key k = key(1, 7, 1000), m = mask_port_dst(), o;
	struct fc_flow *f = fc_insert(c, &k, &m, "x", 1, 0);
	(void)state;
	o = key(1, 7, 2000); /* the source port is not in the mask */
	assert_true(fc_match(f, &o));
	o = key(2, 7, 1000);
	assert_false(fc_match(f, &o));
	o = key(1, 8, 1000);
	assert_false(fc_match(f, &o));
	fc_destroy(c);
}

/* FC_EMC_AUTO: no EMC while searches find their flow in the first subtable; the EMC once they
 * probe several, and it then answers */
static void test_emc_auto(void **state)
{
	struct fc_cache *c = fc_create(1024, 1024);
	struct dp_key me = mask_exact(), mp = mask_port_dst();
	(void)state;
	for (uint32_t i = 0; i < 8; i++) {
		struct dp_key k = key(1, i, 0);
		fc_insert(c, &k, &mp, "p", 1, 0);
	}
	for (int i = 0; i < 10000; i++) {
		struct dp_key k = key(1, (uint32_t)i % 8, (uint16_t)i);
		assert_non_null(fc_lookup(c, &k));
	}
	assert_false(fc_emc_active(c));
	assert_int_equal(fc_get_stats(c)->emc_hits, 0);
	/* five more masks, each with its own flows: searches now probe several subtables */
	for (uint32_t s = 0; s < 5; s++) {
		struct dp_key m = me;
		m.f.tp_dst = (uint16_t)(s + 1); /* distinct masks */
		for (uint32_t i = 0; i < 4; i++) {
			struct dp_key k = key(2 + s, i, (uint16_t)i);
			k.f.tp_dst = (uint16_t)(s + 1);
			fc_insert(c, &k, &m, "q", 1, 0);
		}
	}
	assert_int_equal(fc_subtable_count(c), 6);
	for (int i = 0; i < 20000; i++) {
		uint32_t s = (uint32_t)i % 5, j = (uint32_t)(i / 5) % 4;
		struct dp_key k = key(2 + s, j, (uint16_t)j);
		k.f.tp_dst = (uint16_t)(s + 1);
		assert_non_null(fc_lookup(c, &k));
	}
	assert_true(fc_emc_active(c));
	assert_true(fc_get_stats(c)->emc_hits > 1000);
	fc_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_megaflow_then_emc),
	    cmocka_unit_test(test_masks_and_ranking),
	    cmocka_unit_test(test_many_flows_and_removal),
	    cmocka_unit_test(test_removal_cleans_emc_and_empty_subtable),
	    cmocka_unit_test(test_limit_flushes),
	    cmocka_unit_test(test_foreach),
	    cmocka_unit_test(test_remove_if),
	    cmocka_unit_test(test_match),
	    cmocka_unit_test(test_emc_auto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
