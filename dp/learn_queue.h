/* SPDX-License-Identifier: Apache-2.0 */
/* The control thread's side of the learn queue (dp/learn.h is the PMDs' side): set it up,
 * drain it, read its counters. The queue is an rte_ring (multi-producer, single-consumer) of
 * struct dp_learn in ordinary memory: it needs no EAL, so the unit tests run it as is. The
 * one consumer is the control thread (ovn-glue/sb/learn_sb.c drains it on a timer). */
#pragma once

#include "learn.h"

#include <stdbool.h>
#include <stdint.h>

#define DP_LEARN_QUEUE_SIZE 4096 /* events; a power of two */

/* Allocate the queue (once; later calls only return 0). -1 when out of memory. */
int dp_learn_init(void);
/* Accept posts (true) or refuse them as not running (false, the initial state). */
void dp_learn_set_running(bool on);
/* Take up to max events, oldest first. Control thread only. */
unsigned dp_learn_drain(struct dp_learn *out, unsigned max);

struct dp_learn_queue_stats {
	uint64_t posted;      /* queued */
	uint64_t queue_full;  /* refused: the queue was full */
	uint64_t not_running; /* refused: learning not running */
	unsigned depth;	      /* in the queue now */
};
void dp_learn_queue_stats(struct dp_learn_queue_stats *st);
