/* SPDX-License-Identifier: Apache-2.0 */
#include "engine.h"
#include "lflow/lflow_glue.h"
#include "lflow/pl_build.h"
#include "pipeline_pub.h"
#include "port.h"

#include <brint/log.h>

#include <rte_ethdev.h>

#include <string.h>

static json_t *bridge_mappings;

void engine_set_bridge_mappings(const json_t *bm)
{
	json_decref(bridge_mappings);
	bridge_mappings = bm ? json_deep_copy(bm) : NULL;
}

/* the physnet the port is the provider NIC of, NULL if none */
static const char *provider_network(const char *port_name)
{
	const char *net;
	json_t *v;
	json_object_foreach (bridge_mappings, net, v)
		if (json_is_string(v) && strcmp(json_string_value(v), port_name) == 0)
			return net;
	return NULL;
}

bool engine_is_provider(const char *port_name)
{
	return provider_network(port_name) != NULL;
}

void engine_rebuild(const struct port *without)
{
	const struct lfc *c = lflow_glue_compiler();
	struct pl_local locals[BRINT_MAX_PORTS * 2];
	const unsigned cap = sizeof(locals) / sizeof(locals[0]);
	unsigned n = 0;
	struct pl_gen *g;

	if (c == NULL)
		return;
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++) {
		const struct port *p = ports[i];
		const char *net;
		if (p == NULL || p == without || n + 2 > cap)
			continue;
		if (p->cfg.iface_id[0])
			locals[n++] =
			    (struct pl_local){.port_id = p->id, .iface_id = p->cfg.iface_id};
		if (p->cfg.internal_of[0]) {
			/* the node's interface on a NIC: its MAC as the kernel has it */
			const struct port *nic = port_by_name(p->cfg.internal_of);
			struct rte_ether_addr ea;
			if (nic && nic != without && rte_eth_macaddr_get(p->eth_port, &ea) == 0) {
				uint64_t mac = 0;
				for (int b = 0; b < 6; b++)
					mac = mac << 8 | ea.addr_bytes[b];
				locals[n++] = (struct pl_local){
				    .port_id = p->id, .host = true, .host_of = nic->id, .mac = mac};
			}
		}
		/* a mapping may name several physnets' NIC; each is an entry */
		json_t *v;
		json_object_foreach (bridge_mappings, net, v)
			if (json_is_string(v) && strcmp(json_string_value(v), p->cfg.name) == 0 &&
			    n < cap)
				locals[n++] = (struct pl_local){.port_id = p->id, .network = net};
	}
	/* the published generation stays until pl_publish replaces it: the new one takes its
	 * unchanged stage indexes */
	g = pl_build_from(c, locals, n, pl_current());
	if (g == NULL) {
		LOG_ERR("engine", "cannot build the pipeline generation (out of memory): the "
				  "previous one stays");
		return;
	}
	pl_publish(g);
}
