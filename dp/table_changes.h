/* SPDX-License-Identifier: Apache-2.0 */
/* Table generations and what each one changed: the control thread records a change (the
 * datapaths a new pipeline generation changed, a port that went away, or everything) and bumps
 * dp_table_gen; each PMD, before its next burst, gathers what happened since the generation its
 * cache follows and removes the megaflows that depend on it (or flushes when it cannot know).
 * A ring of per-generation records, each tagged with its generation: a PMD more than
 * TC_RING generations behind (never, while every change waits for a grace period) or one
 * that reads a slot being rewritten flushes everything. Plain C; the recording side is the
 * control thread's alone. */
#pragma once

#include "flow_cache.h"

#include <stdbool.h>
#include <stdint.h>

#define TC_RING	     64
#define TC_PORTS     8 /* ports removed in one PMD catch-up; more: flush */
#define TC_PORT_NONE UINT16_MAX

extern uint64_t dp_table_gen; /* starts at 1 */

/* Control thread: a new generation that changed the datapaths with these bits (pl_dp_bit;
 * FC_DEPS_ALL: anything), or removed a port (its id will be reused). */
void tc_record(uint64_t dps, uint16_t port);

/* What generations (from, to] changed, as a PMD sees it. */
struct tc_change {
	uint64_t dps;
	unsigned n_ports;
	uint16_t ports[TC_PORTS];
};
/* false: not known (a flush is due) */
bool tc_since(uint64_t from, uint64_t to, struct tc_change *ch);

/* fc_remove_if's predicate (arg: a struct tc_change): the flow went through a changed
 * datapath, or comes in on or sends to a removed port. */
bool tc_touches(const struct fc_flow *f, void *arg);
