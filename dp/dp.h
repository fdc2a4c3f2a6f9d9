/* SPDX-License-Identifier: Apache-2.0 */
/* The datapath entry point a PMD calls for every received burst. */
#pragma once

#include "pmd.h"

/* Forward a burst received on `in` (a port id). Every mbuf ends in pmd_output() or pmd_drop().
 * A cross-connected port forwards untouched; any other goes through the flow cache, and a miss
 * runs the slow path (dp_upcall) in this PMD. */
void dp_input(struct pmd *pmd, uint16_t in, struct rte_mbuf **pkts, uint16_t n);

/* PMD start/stop: its flow cache. */
int dp_pmd_init(struct pmd *pmd);
void dp_pmd_fini(struct pmd *pmd);
/* PMD, once per loop: when the tables changed, flush the cache or remove the megaflows that
 * went through a changed datapath; answer a dump request. */
void dp_pmd_housekeeping(struct pmd *pmd);

/* Cross-connect (l2 xconnect): control thread only. */
int xconnect_set(uint16_t from, uint16_t to);
int xconnect_clear(uint16_t from);
/* Withdraw every cross-connect to or from `port` (before it is removed). */
void xconnect_forget_port(uint16_t port);
uint16_t xconnect_get(uint16_t from);
uint16_t xconnect_lookup(uint16_t in); /* PMD side */
int xconnect_init(void);
void xconnect_fini(void);
