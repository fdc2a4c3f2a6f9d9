/* SPDX-License-Identifier: Apache-2.0 */
/* The slow path: given a packet's key, decide what every packet matching a wildcarded version
 * of it does. Runs in the PMD that missed, on the packet's own key; its answer is a mask (the
 * fields it consulted) and a flat action list, installed as a megaflow.
 *
 * Its second half, packet mode: a megaflow whose action is DPA_SLOWPATH (the pipeline reached
 * an action that generates a packet: ICMP error, TCP reset, ARP request, ND advertisement, ...)
 * sends each of its packets here, in the same PMD, to be interpreted again on its bytes
 * (pl_run_packet): the packet's own outputs and the generated packets are written and sent
 * from this PMD, no other thread involved. A per-PMD token bucket bounds the packets
 * interpreted this way; those over it are dropped as slowpath_limit. */
#pragma once

#include "dp_actions.h"
#include "dp_key.h"

#include <stdbool.h>
#include <stdint.h>

struct pmd;
struct rte_mbuf;

struct dp_upcall {
	const struct dp_key *key;
	struct dp_key mask;  /* out: every bit the decision depended on */
	struct dpa_buf acts; /* out: the flat actions */
	uint64_t deps;	     /* out: a bit per logical datapath the decision went through
			      * (pl_dp_bit), all ones when it depends on anything */
};

/* 0, or -1 if no flow could be built (the packet is dropped as upcall_failed). */
int dp_upcall(struct pmd *pmd, struct dp_upcall *u);

/* Packets per second and burst a PMD interprets in packet mode (OVN's pinctrl has no fixed
 * limit; OVS meters controller traffic per logical-flow action): enough for ICMP errors,
 * resets and ARP requests at human rates, not for a flood to turn into one of work. */
#define DP_SLOWPATH_RATE  1000
#define DP_SLOWPATH_BURST 200

/* the token bucket, in TSC cycles of credit (a packet costs hz / DP_SLOWPATH_RATE) */
struct dp_slowpath_bucket {
	uint64_t last; /* TSC at the last refill; 0: full */
	uint64_t credit;
};

/* A packet whose megaflow says DPA_SLOWPATH, received on in: interpret it in packet mode and
 * send what the pipeline makes of it (its own outputs, the generated packets). m ends in
 * pmd_output() or pmd_drop(). */
void dp_slowpath(struct pmd *pmd, uint16_t in, struct rte_mbuf *m);

/* The bucket alone (plain integers, unit-tested): may a run start at TSC `now` (hz cycles a
 * second)? */
static inline bool dp_slowpath_admit(struct dp_slowpath_bucket *b, uint64_t now, uint64_t hz)
{
	uint64_t cost = hz / DP_SLOWPATH_RATE ? hz / DP_SLOWPATH_RATE : 1;
	uint64_t cap = cost * DP_SLOWPATH_BURST;
	if (b->last == 0 || now < b->last) {
		b->credit = cap;
	} else {
		uint64_t add = now - b->last;
		b->credit = add >= cap - b->credit ? cap : b->credit + add;
	}
	b->last = now ? now : 1;
	if (b->credit < cost)
		return false;
	b->credit -= cost;
	return true;
}
