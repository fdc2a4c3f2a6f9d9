/* SPDX-License-Identifier: Apache-2.0 */
/* Rx queue placement over PMDs: round robin, pins, pins to cores without a PMD. */
#include "placement.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void test_round_robin(void **state)
{
	struct rxq_place q[5];
	unsigned cores[2] = {2, 3};
	(void)state;
	for (int i = 0; i < 5; i++)
		q[i] = (struct rxq_place){
		    .port = (uint16_t)(i / 2), .qid = (uint16_t)(i % 2), .pin_core = -1};
	rxq_place_all(q, 5, cores, 2);
	assert_int_equal(q[0].pmd, 0);
	assert_int_equal(q[1].pmd, 1);
	assert_int_equal(q[2].pmd, 0);
	assert_int_equal(q[3].pmd, 1);
	assert_int_equal(q[4].pmd, 0);
	for (int i = 0; i < 5; i++)
		assert_false(q[i].pin_ignored);
}

static void test_pins_then_balance(void **state)
{
	/* two queues pinned to core 3 (PMD 1): the unpinned ones fill PMD 0 first */
	struct rxq_place q[4] = {
	    {.port = 0, .qid = 0, .pin_core = 3},
	    {.port = 1, .qid = 0, .pin_core = -1},
	    {.port = 2, .qid = 0, .pin_core = 3},
	    {.port = 3, .qid = 0, .pin_core = -1},
	};
	unsigned cores[2] = {2, 3};
	(void)state;
	rxq_place_all(q, 4, cores, 2);
	assert_int_equal(q[0].pmd, 1);
	assert_int_equal(q[2].pmd, 1);
	assert_int_equal(q[1].pmd, 0);
	assert_int_equal(q[3].pmd, 0);
}

static void test_pin_to_non_pmd_core(void **state)
{
	struct rxq_place q[2] = {
	    {.port = 0, .qid = 0, .pin_core = 7},
	    {.port = 0, .qid = 1, .pin_core = -1},
	};
	unsigned cores[1] = {1};
	(void)state;
	rxq_place_all(q, 2, cores, 1);
	assert_true(q[0].pin_ignored);
	assert_int_equal(q[0].pmd, 0);
	assert_false(q[1].pin_ignored);
	assert_int_equal(q[1].pmd, 0);
}

static void test_single_pmd_takes_all(void **state)
{
	struct rxq_place q[3];
	unsigned cores[1] = {1};
	(void)state;
	for (int i = 0; i < 3; i++)
		q[i] = (struct rxq_place){.port = (uint16_t)i, .pin_core = -1};
	rxq_place_all(q, 3, cores, 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(q[i].pmd, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_robin),
	    cmocka_unit_test(test_pins_then_balance),
	    cmocka_unit_test(test_pin_to_non_pmd_core),
	    cmocka_unit_test(test_single_pmd_takes_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
