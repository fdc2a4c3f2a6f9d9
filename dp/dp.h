/* SPDX-License-Identifier: Apache-2.0 */
/* The datapath entry point a PMD calls for every received burst. */
#pragma once

#include "pmd.h"

/* Forward a burst received on `in` (a port id). Every mbuf ends in pmd_output() or pmd_drop(). */
void dp_input(struct pmd *pmd, uint16_t in, struct rte_mbuf **pkts, uint16_t n);

/* Cross-connect (l2 xconnect): control thread only. */
int xconnect_set(uint16_t from, uint16_t to);
int xconnect_clear(uint16_t from);
/* Withdraw every cross-connect to or from `port` (before it is removed). */
void xconnect_forget_port(uint16_t port);
uint16_t xconnect_get(uint16_t from);
int xconnect_init(void);
void xconnect_fini(void);
