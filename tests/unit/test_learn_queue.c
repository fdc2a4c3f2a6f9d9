/* SPDX-License-Identifier: Apache-2.0 */
/* The learn queue (dp/learn.c): refusals before it runs, order, a full ring counted, several
 * producer threads at once against one consumer (every event arrives exactly once). The ring
 * is in ordinary memory: no EAL needed. */
#include "learn_queue.h"

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct dp_learn ev(uint64_t i)
{
	struct dp_learn e;
	memset(&e, 0, sizeof(e));
	e.kind = DP_LEARN_ARP;
	e.dp_key = 1;
	e.port_key = (int64_t)(i >> 32);
	e.mac = i;
	return e;
}

static void drain_all(void)
{
	struct dp_learn out[64];
	while (dp_learn_drain(out, 64) > 0)
		;
}

static void test_order_and_full(void **state)
{
	(void)state;
	struct dp_learn_queue_stats st;
	struct dp_learn e = ev(1), out[16];

	/* before init, and initialised but not running: refused, counted */
	assert_false(dp_learn_post(&e));
	assert_int_equal(dp_learn_drain(out, 16), 0);
	assert_int_equal(dp_learn_init(), 0);
	assert_int_equal(dp_learn_init(), 0); /* once */
	assert_false(dp_learn_post(&e));
	dp_learn_queue_stats(&st);
	assert_int_equal(st.not_running, 2);
	assert_int_equal(st.posted, 0);

	dp_learn_set_running(true);
	for (uint64_t i = 0; i < 10; i++) {
		e = ev(i);
		assert_true(dp_learn_post(&e));
	}
	dp_learn_queue_stats(&st);
	assert_int_equal(st.posted, 10);
	assert_int_equal(st.depth, 10);
	assert_int_equal(dp_learn_drain(out, 4), 4);
	assert_int_equal(dp_learn_drain(out + 4, 16), 6);
	for (uint64_t i = 0; i < 10; i++)
		assert_int_equal(out[i].mac, i); /* oldest first, whole records */

	/* full: the ring holds DP_LEARN_QUEUE_SIZE - 1, the rest is refused and counted */
	unsigned ok = 0, refused = 0;
	for (uint64_t i = 0; i < DP_LEARN_QUEUE_SIZE + 100; i++) {
		e = ev(i);
		if (dp_learn_post(&e))
			ok++;
		else
			refused++;
	}
	assert_int_equal(ok, DP_LEARN_QUEUE_SIZE - 1);
	assert_int_equal(refused, 101);
	dp_learn_queue_stats(&st);
	assert_int_equal(st.queue_full, 101);
	assert_int_equal(st.depth, DP_LEARN_QUEUE_SIZE - 1);
	drain_all();
	dp_learn_queue_stats(&st);
	assert_int_equal(st.depth, 0);
	assert_true(dp_learn_post(&e)); /* room again */
	drain_all();
}

/* Few producers, few events: rte_ring's multi-producer enqueue makes a producer wait for one
 * preempted between its reservation and its commit, and on this 2-core machine (CI, or
 * shared with builds) oversubscribed threads would make that wait scheduler-bound. */
#define PRODUCERS    3
#define PER_PRODUCER 5000

static void *producer(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;
	for (uint64_t i = 0; i < PER_PRODUCER;) {
		struct dp_learn e = ev(id << 32 | i);
		if (dp_learn_post(&e))
			i++;
		else
			sched_yield(); /* a full ring refuses: post again once the consumer drained
					*/
	}
	return NULL;
}

static void test_producers(void **state)
{
	(void)state;
	pthread_t t[PRODUCERS];
	uint64_t next[PRODUCERS] = {0};
	unsigned got = 0;
	struct dp_learn out[128];

	assert_int_equal(dp_learn_init(), 0);
	dp_learn_set_running(true);
	drain_all();
	for (uintptr_t i = 0; i < PRODUCERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, producer, (void *)i), 0);
	while (got < PRODUCERS * PER_PRODUCER) {
		unsigned n = dp_learn_drain(out, 128);
		for (unsigned i = 0; i < n; i++) {
			uint64_t p = (uint64_t)out[i].port_key, seq = out[i].mac & 0xffffffff;
			assert_true(p < PRODUCERS);
			assert_int_equal(seq, next[p]); /* each producer's events in its order */
			next[p]++;
		}
		got += n;
		if (n == 0)
			sched_yield();
	}
	for (unsigned i = 0; i < PRODUCERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(dp_learn_drain(out, 128), 0);
	for (unsigned i = 0; i < PRODUCERS; i++)
		assert_int_equal(next[i], PER_PRODUCER);
	dp_learn_set_running(false);
	struct dp_learn e = ev(0);
	assert_false(dp_learn_post(&e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_and_full),
	    cmocka_unit_test(test_producers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
