/* SPDX-License-Identifier: Apache-2.0 */
/* The ring of table changes a PMD catches up on (dp/table_changes.c): the union of what the
 * generations since its cache's changed, a flush when it cannot know (a change of everything,
 * too far behind, a torn slot, too many ports), and which megaflows a change touches. */
#include "dp_actions.h"
#include "flow_cache.h"
#include "table_changes.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_union_since(void **state)
{
	struct tc_change ch;
	uint64_t g0 = dp_table_gen;
	(void)state;

	assert_true(tc_since(g0, g0, &ch)); /* nothing happened */
	assert_int_equal(ch.dps, 0);
	assert_int_equal(ch.n_ports, 0);
	tc_record(1u << 2, TC_PORT_NONE);
	tc_record(1u << 5, TC_PORT_NONE);
	tc_record(0, 7);
	assert_int_equal(dp_table_gen, g0 + 3);
	assert_true(tc_since(g0, dp_table_gen, &ch));
	assert_int_equal(ch.dps, 1u << 2 | 1u << 5);
	assert_int_equal(ch.n_ports, 1);
	assert_int_equal(ch.ports[0], 7);
	/* a PMD that already saw the first two sees only the port */
	assert_true(tc_since(g0 + 2, dp_table_gen, &ch));
	assert_int_equal(ch.dps, 0);
	assert_int_equal(ch.n_ports, 1);
	/* a change of everything in between: flush */
	g0 = dp_table_gen;
	tc_record(1, TC_PORT_NONE);
	tc_record(FC_DEPS_ALL, TC_PORT_NONE);
	tc_record(2, TC_PORT_NONE);
	assert_false(tc_since(g0, dp_table_gen, &ch));
	assert_true(tc_since(g0 + 2, dp_table_gen, &ch));
	assert_int_equal(ch.dps, 2);
}

static void test_flush_when_unknown(void **state)
{
	struct tc_change ch;
	uint64_t g0 = dp_table_gen;
	(void)state;

	/* further behind than the ring holds */
	for (int i = 0; i < TC_RING + 1; i++)
		tc_record(1, TC_PORT_NONE);
	assert_false(tc_since(g0, dp_table_gen, &ch));
	assert_true(tc_since(dp_table_gen - TC_RING, dp_table_gen, &ch));
	/* more removed ports than one catch-up tracks */
	g0 = dp_table_gen;
	for (uint16_t p = 0; p < TC_PORTS + 1; p++)
		tc_record(0, p);
	assert_false(tc_since(g0, dp_table_gen, &ch));
	assert_true(tc_since(g0 + 1, dp_table_gen, &ch));
	assert_int_equal(ch.n_ports, TC_PORTS);
	/* a slot the reader wants was overwritten by a later generation (its tag differs) */
	g0 = dp_table_gen;
	tc_record(4, TC_PORT_NONE);
	for (int i = 0; i < TC_RING; i++)
		tc_record(8, TC_PORT_NONE);
	assert_false(tc_since(g0, g0 + 1, &ch));
}

static void test_touches(void **state)
{
	struct fc_cache *c = fc_create(0, 64);
	struct dp_key k, m;
	uint8_t buf[64] __attribute__((aligned(8)));
	struct dpa_buf acts = {.data = buf, .cap = sizeof(buf)};
	struct tc_change ch = {0};
	struct fc_flow *f;
	(void)state;

	memset(&k, 0, sizeof(k));
	memset(&m, 0, sizeof(m));
	k.in_port = 3;
	m.in_port = UINT32_MAX;
	dpa_put_simple(&acts, DPA_DEC_TTL, 0, 0);
	dpa_put_output(&acts, 9);
	dpa_put_output(&acts, 4);
	f = fc_insert(c, &k, &m, buf, acts.len, 0);
	assert_non_null(f);
	f->deps = 1u << 1 | 1u << 6; /* went through datapaths 1 and 6 */

	assert_false(tc_touches(f, &ch));
	ch.dps = 1u << 2;
	assert_false(tc_touches(f, &ch));
	ch.dps = 1u << 6;
	assert_true(tc_touches(f, &ch));
	ch.dps = 0;
	ch.n_ports = 1;
	ch.ports[0] = 5; /* neither its input nor an output */
	assert_false(tc_touches(f, &ch));
	ch.ports[0] = 3; /* its input port */
	assert_true(tc_touches(f, &ch));
	ch.ports[0] = 9; /* an output before the last */
	assert_true(tc_touches(f, &ch));
	ch.ports[0] = 4; /* the last output */
	assert_true(tc_touches(f, &ch));
	fc_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_union_since),
	    cmocka_unit_test(test_flush_when_unknown),
	    cmocka_unit_test(test_touches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
