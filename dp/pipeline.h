/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled logical pipeline as the PMDs read it: one immutable generation, built on the
 * control thread (ovn-glue/lflow/pl_build.c) from the compiler's flows, the logical topology
 * and the local ports, published through RCU (dp/pipeline_pub.c) and interpreted by the slow
 * path (dp/pl_interp.h; its files in dp/plx.h). Nothing here points outside the generation:
 * programs are copies, names are the generation's own strings. Plain C (no DPDK).
 *
 * Per datapath (tunnel key) and pipeline, an array of stages indexed by table number (stage
 * identity comes from the stage names via ltopo), each a priority-ordered list of flows; a
 * flow is a list of rules (any one matching makes the flow match) and a compiled program.
 * Match terms are resolved: port names became tunnel keys in reg14/reg15 terms, and
 * is_chassis_resident() was evaluated against this chassis (the rule kept or dropped). */
#pragma once

#include "flow_key.h"
#include "lflow/act.h"
#include "lflow/symtab.h"

#include <stdbool.h>
#include <stdint.h>

#define PL_PORT_NONE UINT16_MAX

/* (field & mask) == value, or != when neg. */
struct pl_term {
	lf_u128 value, mask;
	uint16_t mf; /* enum lf_mf; registers as LF_MF_REG0 + i */
	uint8_t neg;
};

struct pl_range {
	uint32_t first, n;
};

/* All terms must hold, and in each dimension one alternative (a range of terms). */
struct pl_rule {
	struct pl_range terms;
	struct pl_range dims; /* into gen->dims; each dim is a range of gen->alts */
};

struct pl_flow {
	int priority;
	struct pl_range rules;	       /* none: never matches */
	const struct lflow_prog *prog; /* a reference to a pl_prog_copy (maybe shared with the
					* generation before or after) */
	uint32_t id;		       /* index in gen->flows (for traces and counters) */
};

struct pl_stage {
	const char *name;      /* NULL: no stage at this table */
	struct pl_range flows; /* highest priority first */
};

struct pl_pipeline {
	unsigned n_stages;
	struct pl_stage *stages; /* index = table number */
};

enum pl_dp_kind { PL_DP_SWITCH, PL_DP_ROUTER, PL_DP_OTHER };

struct pl_datapath {
	int64_t key;
	const char *name;
	enum pl_dp_kind kind;
	struct pl_pipeline pipe[2]; /* [0] ingress, [1] egress */
};

/* Port security: one "MAC [IP...]" entry of Port_Binding.port_security. */
struct pl_psec {
	uint64_t mac;
	struct pl_range ip4; /* into gen->psec_ip4: address, mask pairs */
	struct pl_range ip6; /* into gen->psec_ip6 */
};

struct pl_prefix4 {
	uint32_t addr, mask;
};

struct pl_prefix6 {
	lf_u128 addr, mask;
};

#define PL_MAX_HOSTS 8

enum pl_port_type { PL_PT_VIF, PL_PT_PATCH, PL_PT_OTHER, PL_PT_LOCALNET };

struct pl_port {
	const char *name;
	int64_t dp, key;
	enum pl_port_type type;
	uint16_t local;	      /* brint port id, PL_PORT_NONE if not on this chassis */
	uint8_t remote;	      /* a VIF bound to another chassis (Port_Binding.chassis) */
	int32_t peer;	      /* patch: index of the peer in gen->ports, -1 if none */
	struct pl_range psec; /* into gen->psecs; none: no port security */
	/* localnet (the switch's way to a physical network, options:network_name): the brint
	 * port of that network's bridge mapping here (PL_PORT_NONE: no mapping) and the VLAN
	 * (options tag; -1: untagged). Frames come in from provider by (provider, VLAN) and
	 * go out to it with that VLAN pushed (pl_localnet_in below, dp/pl_walk.c). */
	uint16_t provider;
	int32_t tag;
	/* a remote VIF on a switch with a localnet port: that localnet port's index in
	 * gen->ports, where a unicast to it goes (as ovn-controller's physical.c redirects a
	 * remote port of a bridged switch to its localnet port); -1 otherwise */
	int32_t via_localnet;
	/* a patch port with a peer: its peer's datapath (pl_dp of its key, the index in
	 * gen->dps; -1: none), resolved at plb_finish for the interpreter's crossings */
	int32_t peer_dp;
};

struct pl_mcgroup {
	const char *name;
	int64_t dp, key;
	struct pl_range members; /* into gen->mc_members: indexes in gen->ports */
};

/* A neighbour (SB MAC_Binding or Static_MAC_Binding) as ovn-controller's MAC-binding tables
 * hold it: the logical port resolved to its (datapath, port) tunnel keys. Priorities as
 * ovn-controller installs them: learned 100, static 50, static with override_dynamic_mac
 * 150; get_arp/get_nd take the highest, lookup_arp/lookup_nd match any. */
enum {
	PL_NEIGH_PRIO_STATIC = 50,
	PL_NEIGH_PRIO_DYNAMIC = 100,
	PL_NEIGH_PRIO_OVERRIDE = 150,
};

struct pl_neigh {
	int64_t dp, port;
	lf_u128 ip;   /* IPv4: the address as a number in the low 32 bits */
	uint64_t mac; /* 48 bits, as lf fields hold it */
	uint16_t prio;
	uint8_t v6;
	uint8_t pad[5];
};

/* An SB FDB row: on datapath dp, mac lives behind logical port `port`. */
struct pl_fdb {
	int64_t dp, port;
	uint64_t mac;
};

struct pl_gen {
	uint64_t id; /* the compiler generation it was built from */
	unsigned n_dps, n_ports, n_mcgroups;
	struct pl_datapath *dps;
	struct pl_port *ports;
	struct pl_mcgroup *mcgroups;
	/* the smallest multicast group key (INT64_MAX: none; 0 if unknown): an outport below it
	 * names no group, and the interpreter's output skips the group lookup */
	int64_t mc_key_min;
	/* brint port id -> index in ports, -1 if none (BRINT_MAX_PORTS entries) */
	int32_t *by_local;
	unsigned n_local;

	/* pools the structures above index */
	unsigned n_flows, n_rules, n_terms, n_dims, n_alts;
	struct pl_flow *flows;
	struct pl_rule *rules;
	struct pl_term *terms;
	struct pl_range *dims; /* a dim: a range of alts */
	struct pl_range *alts; /* an alternative: a range of terms */
	uint32_t *mc_members;
	struct pl_psec *psecs;
	struct pl_prefix4 *psec_ip4;
	struct pl_prefix6 *psec_ip6;
	unsigned n_mc_members, n_psecs, n_psec_ip4, n_psec_ip6;
	char **strings; /* names owned by the generation */
	unsigned n_strings;

	/* neighbours and FDB, sorted; open-addressing hash indexes of (index + 1), 0 empty,
	 * keyed by (dp, port, v6, ip) and (dp, mac); the slow path looks them up */
	struct pl_neigh *neighs;
	struct pl_fdb *fdbs;
	unsigned n_neighs, n_fdbs;
	uint32_t *neigh_idx, *fdb_idx;
	uint32_t neigh_idx_mask, fdb_idx_mask;

	/* lookup indexes built by plb_finish (dp/pl_index.h); NULL: linear lookups */
	struct pl_index *index;
	/* brint ports that are provider NICs (a bridge mapping names them), bit per port id */
	uint64_t providers[256 / 64];
	/* the node's own interfaces on provider NICs (tap ports, as OVS's br-phy internal port) */
	struct pl_host {
		uint16_t provider, port;
		uint8_t pad[4];
		uint64_t mac; /* 48 bits, first byte most significant */
	} hosts[PL_MAX_HOSTS];
	unsigned n_hosts;
};

#define PL_MAX_LOCAL_PORTS 256
_Static_assert(sizeof(((struct pl_gen *)0)->providers) * 8 == PL_MAX_LOCAL_PORTS,
	       "a provider bit per local port");

void pl_gen_free(struct pl_gen *g);
/* The two generations make every packet do the same (same tables, ports, groups; the id
 * aside): publishing b over a would only flush the caches for nothing. False negatives are
 * possible (programs compared byte by byte), false positives not. */
bool pl_gen_equal(const struct pl_gen *a, const struct pl_gen *b);

/* Lookups (hashed when the generation has its index, else linear; the slow path only). */
const struct pl_datapath *pl_dp(const struct pl_gen *g, int64_t key);
const struct pl_port *pl_port_by_key(const struct pl_gen *g, int64_t dp, int64_t key);
const struct pl_port *pl_port_by_name(const struct pl_gen *g, int64_t dp, const char *name);
const struct pl_mcgroup *pl_mcgroup_by_key(const struct pl_gen *g, int64_t dp, int64_t key);
const struct pl_mcgroup *pl_mcgroup_by_name(const struct pl_gen *g, int64_t dp, const char *name);
/* The tunnel key a name loaded into inport/outport stands for on datapath dp: the port's, else
 * the multicast group's, else 0 (as ovn-controller loads a name that resolves to nothing). */
int64_t pl_name_key(const struct pl_gen *g, int64_t dp, const char *name);
const struct pl_port *pl_port_local(const struct pl_gen *g, uint16_t port_id);
/* get_arp / get_nd: the neighbour of the highest priority for (dp, port, ip), NULL if none. */
const struct pl_neigh *pl_neigh_get(const struct pl_gen *g, int64_t dp, int64_t port, bool v6,
				    lf_u128 ip);
/* lookup_arp / lookup_nd: a neighbour (dp, port, ip) with that MAC exists. */
bool pl_neigh_has_mac(const struct pl_gen *g, int64_t dp, int64_t port, bool v6, lf_u128 ip,
		      uint64_t mac);
/* get_fdb / lookup_fdb: the FDB entry of mac on dp, NULL if none. */
const struct pl_fdb *pl_fdb_get(const struct pl_gen *g, int64_t dp, uint64_t mac);
/* The stage of a pipeline with that name, -1 if none. */
int pl_stage_index(const struct pl_pipeline *p, const char *name);

/* Localnet ports: which logical switch a frame received on a provider NIC belongs to. As
 * ovn-controller does it (controller/physical.c): a localnet port with a tag takes the frames
 * with that VLAN ID (the tag is stripped before the logical pipeline); an untagged one takes
 * frames without an 802.1Q header and priority-tagged ones (VID 0). Several localnet ports
 * share one NIC, one per VLAN (and one untagged). Slow path only: a scan over the ports. */

/* port_id is the provider NIC of a bridge mapping */
static inline bool pl_is_provider(const struct pl_gen *g, uint16_t port_id)
{
	return port_id < PL_MAX_LOCAL_PORTS &&
	       (g->providers[port_id / 64] >> (port_id % 64) & 1) != 0;
}

/* the localnet port a frame with vlan_tci (as in flow_key) received on port_id belongs to,
 * NULL if none (unknown_vlan) */
static inline const struct pl_port *pl_localnet_in(const struct pl_gen *g, uint16_t port_id,
						   uint16_t vlan_tci)
{
	int32_t vid = (vlan_tci & FLOW_VLAN_PRESENT) ? (int32_t)(vlan_tci & 0x0fff) : 0;
	for (unsigned i = 0; i < g->n_ports; i++) {
		const struct pl_port *p = &g->ports[i];
		if (p->type == PL_PT_LOCALNET && p->provider == port_id &&
		    (p->tag >= 1 ? p->tag == vid : vid == 0))
			return p;
	}
	return NULL;
}

/* Copy a compiled program into one block of its own, with a reference count of 1: a later
 * generation whose flow at the same place has the same program shares the copy
 * (pl_prog_ref) instead of copying it again; pl_gen_free drops its references
 * (pl_prog_unref). Control thread only (the counts are not atomic: only the control thread
 * builds and frees generations; PMDs only read the programs). */
struct lflow_prog *pl_prog_copy(const struct lflow_prog *p);
const struct lflow_prog *pl_prog_ref(const struct lflow_prog *p);
void pl_prog_unref(const struct lflow_prog *p);
