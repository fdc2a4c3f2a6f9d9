/* SPDX-License-Identifier: Apache-2.0 */
/* The slow path: given a packet's key, decide what every packet matching a wildcarded version
 * of it does. Runs in the PMD that missed, on the packet's own key; its answer is a mask (the
 * fields it consulted) and a flat action list, installed as a megaflow. */
#pragma once

#include "dp_actions.h"
#include "dp_key.h"

struct pmd;

struct dp_upcall {
	const struct dp_key *key;
	struct dp_key mask;  /* out: every bit the decision depended on */
	struct dpa_buf acts; /* out: the flat actions */
};

/* 0, or -1 if no flow could be built (the packet is dropped as upcall_failed). */
int dp_upcall(struct pmd *pmd, struct dp_upcall *u);
