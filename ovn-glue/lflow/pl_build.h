/* SPDX-License-Identifier: Apache-2.0 */
/* Building the datapath's pipeline generation (dp/pipeline.h) from the compiler's flows, its
 * logical topology, the ports on this chassis and the southbound neighbour tables
 * (MAC_Binding, Static_MAC_Binding, FDB: every replica change rebuilds, see pmd/engine.c). Control
 * thread only; compiled into brintd (it needs both the compiler and the datapath's structures). */
#pragma once

#include "lflow/compile.h"
#include "pl_gen.h"

/* A local port: brint port id and its iface-id (= the logical port it carries), or, with
 * iface_id NULL, the provider NIC of a bridge mapping: network is its physnet (localnet ports
 * with options:network_name == network go out of it). */
struct pl_local {
	uint16_t port_id;
	const char *iface_id;
	const char *network;
	/* host: port_id is the node's own interface on the provider NIC host_of, MAC mac */
	bool host;
	uint16_t host_of;
	uint64_t mac;
};

/* NULL when out of memory. Datapaths of unknown kind are left out; flows the compiler
 * skipped are left out (lflow stats lists them). is_chassis_resident(P) holds when P is
 * carried by a local port. */
struct pl_gen *pl_build(const struct lfc *c, const struct pl_local *locals, unsigned n_locals);
/* The same, prev being the generation it will replace (plb_set_prev: its unchanged stage
 * indexes are taken over, its sizes reserve the pools); prev is only read. */
struct pl_gen *pl_build_from(const struct lfc *c, const struct pl_local *locals, unsigned n_locals,
			     const struct pl_gen *prev);

/* The neighbour tables of the generation being built: SB MAC_Binding, Static_MAC_Binding and
 * FDB rows of r (pl_build takes them from the running southbound replica). -1 when out of
 * memory. */
int pl_build_neighbours(struct plb *b, const struct ltopo *t, const struct sb_replica *r);
