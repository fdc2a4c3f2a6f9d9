/* SPDX-License-Identifier: Apache-2.0 */
/* Rewrites that change a packet's length, on mbufs: VLAN push and pop. They keep the frame's
 * layout (header offsets) current for the rewrites that follow. */
#pragma once

#include "flow_key.h"

#include <rte_mbuf.h>

#include <stdbool.h>
#include <stdint.h>

/* Insert an 802.1Q tag with tci (host order) after the MAC addresses. */
bool dp_push_vlan(struct rte_mbuf *m, uint16_t tci, struct flow_layout *lay);
/* Remove the outer 802.1Q tag; false if the frame has none. */
bool dp_pop_vlan(struct rte_mbuf *m, struct flow_layout *lay);
