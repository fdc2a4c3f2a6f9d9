/* SPDX-License-Identifier: Apache-2.0 */
/* What changed between two pipeline generations, per logical datapath: the control thread
 * compares the old and the new generation before publishing the new one, and the PMDs then
 * remove only the cached megaflows whose decision went through a changed datapath (the
 * interpreter records those, pl_run_deps), instead of flushing their whole caches.
 *
 * A datapath counts as changed when anything a packet crossing it could see differs: its
 * name or kind, its stages and their flows (priority, rules, terms, programs), its ports
 * (key, name, type, local brint port, patch peer, port security), its multicast groups and
 * their members, its MAC bindings (get_arp/get_nd, lookup_arp/lookup_nd) or its FDB
 * entries; a datapath present in only one of the two counts as changed. Positions in the
 * generations' pools do not matter (a change in one datapath shifts every later one's
 * flows). Comparing errs on the side of "changed" (programs byte by byte). Plain C. */
#pragma once

#include "pipeline.h"

#include <stdint.h>

/* The pl_dp_bit (dp/pl_interp.h) of every datapath that differs between a and b; 0: every
 * packet gets the same decision from both. All ones if either is NULL or out of memory. */
uint64_t pl_gen_diff(const struct pl_gen *a, const struct pl_gen *b);
