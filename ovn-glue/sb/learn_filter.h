/* SPDX-License-Identifier: Apache-2.0 */
/* What the control thread does with a learn event (put_arp, put_nd, put_fdb drained from the
 * PMDs' queue) before anything reaches the southbound: the decision alone, plain C with no
 * OVSDB, so it is unit-tested by itself (ovn-glue/sb/learn_sb.c does the SB side).
 *
 * A key is what the SB indexes: (datapath, port, address) for a neighbour, (datapath, MAC) for
 * an FDB entry; its value the MAC, or the port. An event is
 *   deduped      when the SB already holds that key with that value, or when this key with
 *                this value was written less than hold_ms ago (the write is on its way: the
 *                replica has not shown it yet, and a second insert would break the SB index);
 *   held_down    when the key was written less than hold_ms ago with another value: the
 *                newest such value is kept and handed back by lrn_take_due() once the
 *                hold-down is over (a MAC moving between hosts is written at most once per
 *                hold_ms, and the last move is not lost even if its packet was the only one);
 *   rate_limited when more than `rate` writes per second (burst `burst`) were let through,
 *                or the table of recent writes is full;
 *   written otherwise (the key is held from now on).
 * Events are posted per packet: whatever is refused comes again with the next packet. */
#pragma once

#include "dp/learn.h"
#include "ovsdb/hmap.h"

#include <stdbool.h>
#include <stdint.h>

enum lrn_verdict {
	LRN_WRITE,
	LRN_DEDUPED,
	LRN_HELD_DOWN,
	LRN_RATE_LIMITED,
};

struct lrn_filter {
	struct hmap recent; /* struct lrn_recent by key */
	unsigned hold_ms;
	unsigned rate, burst; /* writes per second, bucket size */
	unsigned max_recent;
	double tokens;
	uint64_t last_ms;
	uint64_t deduped, held_down, rate_limited, allowed;
};

void lrn_filter_init(struct lrn_filter *f, unsigned hold_ms, unsigned rate, unsigned burst,
		     unsigned max_recent);
void lrn_filter_destroy(struct lrn_filter *f);
/* sb_has: the southbound already holds e's key with e's value. */
enum lrn_verdict lrn_check(struct lrn_filter *f, const struct dp_learn *e, bool sb_has,
			   uint64_t now_ms);
/* Forget a write that did not happen (it was never sent): the key may be written again. */
void lrn_forget(struct lrn_filter *f, const struct dp_learn *e);
/* The events held down whose hold-down is over (at most max): check them again. */
unsigned lrn_take_due(struct lrn_filter *f, uint64_t now_ms, struct dp_learn *out, unsigned max);
/* Drop the keys held for longer than hold_ms (not those with an event still to hand back). */
void lrn_expire(struct lrn_filter *f, uint64_t now_ms);
size_t lrn_n_recent(const struct lrn_filter *f);
