/* SPDX-License-Identifier: Apache-2.0 */
/* Rx queue placement, pure: which PMD polls each rx queue. No DPDK, so unit-testable. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct rxq_place {
	uint16_t port;
	uint16_t qid;
	int pin_core;	  /* operator's pin, -1 = none */
	int pmd;	  /* out: index into the PMD core list */
	bool pin_ignored; /* out: pinned to a core that runs no PMD */
};

/* Pinned queues go to the PMD on their core; the rest, in the order given, each to the least
 * loaded PMD (lowest index on ties): round robin when nothing is pinned. */
void rxq_place_all(struct rxq_place *q, unsigned n, const unsigned *pmd_cores, unsigned n_pmds);
