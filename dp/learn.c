/* SPDX-License-Identifier: Apache-2.0 */
/* The learn queue: PMDs post put_arp / put_nd / put_fdb events (DPA_LEARN actions, one per
 * packet of such a megaflow) into one rte_ring, multi-producer, and the control thread drains
 * it (single consumer). Posting is one lock-free enqueue and a counter in the poster's own
 * cache line: no lock, no syscall, no wait on the fast path. A full ring refuses the event
 * (counted): the next packet of that neighbour posts it again, and the control thread
 * de-duplicates what it drains, so losing some under a flood costs nothing but that count.
 * The ring lives as long as the process (PMDs may post at any time). */
#include "learn_queue.h"

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(struct dp_learn) % 4 == 0, "rte_ring elements are whole 32-bit words");

struct poster {
	uint64_t posted, full, not_running;
} __rte_cache_aligned;

/* one slot per lcore; threads that are no lcore (tests, the control thread) share the last,
 * with atomic increments */
static struct poster posters[RTE_MAX_LCORE + 1];
static struct rte_ring *ring;
static bool running;

int dp_learn_init(void)
{
	if (__atomic_load_n(&ring, __ATOMIC_ACQUIRE))
		return 0;
	ssize_t sz = rte_ring_get_memsize_elem(sizeof(struct dp_learn), DP_LEARN_QUEUE_SIZE);
	if (sz < 0)
		return -1;
	struct rte_ring *r =
	    aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL((size_t)sz, RTE_CACHE_LINE_SIZE));
	if (r == NULL)
		return -1;
	memset(r, 0, (size_t)sz);
	if (rte_ring_init(r, "brint_learn", DP_LEARN_QUEUE_SIZE, RING_F_SC_DEQ) < 0) {
		free(r);
		return -1;
	}
	__atomic_store_n(&ring, r, __ATOMIC_RELEASE);
	return 0;
}

void dp_learn_set_running(bool on)
{
	__atomic_store_n(&running, on, __ATOMIC_RELEASE);
}

static void count(uint64_t *local, bool shared)
{
	if (shared)
		__atomic_fetch_add(local, 1, __ATOMIC_RELAXED);
	else
		__atomic_store_n(local, *local + 1, __ATOMIC_RELAXED); /* one writer per slot */
}

bool dp_learn_post(const struct dp_learn *e)
{
	unsigned lc = rte_lcore_id();
	bool shared = lc >= RTE_MAX_LCORE;
	struct poster *p = &posters[shared ? RTE_MAX_LCORE : lc];
	struct rte_ring *r = __atomic_load_n(&ring, __ATOMIC_ACQUIRE);

	if (r == NULL || !__atomic_load_n(&running, __ATOMIC_ACQUIRE)) {
		count(&p->not_running, shared);
		return false;
	}
	if (rte_ring_mp_enqueue_elem(r, (void *)(uintptr_t)e, sizeof(*e)) != 0) {
		count(&p->full, shared);
		return false;
	}
	count(&p->posted, shared);
	return true;
}

unsigned dp_learn_drain(struct dp_learn *out, unsigned max)
{
	struct rte_ring *r = __atomic_load_n(&ring, __ATOMIC_ACQUIRE);
	if (r == NULL || max == 0)
		return 0;
	return rte_ring_sc_dequeue_burst_elem(r, out, sizeof(*out), max, NULL);
}

void dp_learn_queue_stats(struct dp_learn_queue_stats *st)
{
	struct rte_ring *r = __atomic_load_n(&ring, __ATOMIC_ACQUIRE);
	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i <= RTE_MAX_LCORE; i++) {
		st->posted += __atomic_load_n(&posters[i].posted, __ATOMIC_RELAXED);
		st->queue_full += __atomic_load_n(&posters[i].full, __ATOMIC_RELAXED);
		st->not_running += __atomic_load_n(&posters[i].not_running, __ATOMIC_RELAXED);
	}
	st->depth = r ? rte_ring_count(r) : 0;
}
