/* SPDX-License-Identifier: Apache-2.0 */
/* Localnet ports in a pipeline generation: which logical switch a frame received on a provider
 * NIC belongs to. As ovn-controller does it (controller/physical.c): a localnet port with a
 * tag takes the frames with that VLAN ID (the tag is stripped before the logical pipeline);
 * an untagged one takes frames without an 802.1Q header and priority-tagged ones (VID 0).
 * Several localnet ports share one NIC, one per VLAN (and one untagged). Slow path only: a
 * linear scan over the generation's ports. Plain C. */
#include "pipeline.h"
#include "flow_key.h"

bool pl_is_provider(const struct pl_gen *g, uint16_t port_id)
{
	return port_id < PL_MAX_LOCAL_PORTS &&
	       (g->providers[port_id / 64] >> (port_id % 64) & 1) != 0;
}

const struct pl_port *pl_localnet_in(const struct pl_gen *g, uint16_t port_id, uint16_t vlan_tci)
{
	int32_t vid = (vlan_tci & FLOW_VLAN_PRESENT) ? (int32_t)(vlan_tci & 0x0fff) : 0;

	for (unsigned i = 0; i < g->n_ports; i++) {
		const struct pl_port *p = &g->ports[i];
		if (p->type != PL_PT_LOCALNET || p->provider != port_id)
			continue;
		if (p->tag >= 1 ? p->tag == vid : vid == 0)
			return p;
	}
	return NULL;
}
