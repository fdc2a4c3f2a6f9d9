/* SPDX-License-Identifier: Apache-2.0 */
/* Building a pipeline generation (dp/pipeline.h) piece by piece: the control thread's builder
 * (ovn-glue/lflow/pl_build.c) and the unit tests use it. Order: a datapath, then its stages in
 * any order, each followed by its flows in priority order, each flow by its rules, each rule
 * by its terms and then its dimensions (each dimension by its alternatives and their terms);
 * ports each followed by their port-security entries (each by its addresses); multicast
 * groups each followed by their members. Every call returns -1 when out of memory or out of
 * order; the builder then fails at the end. Plain C. */
#pragma once

#include "pipeline.h"
#include "lflow/expr.h"

struct plb;

struct plb *plb_new(uint64_t id);
/* The generation (NULL if anything failed); the builder is freed either way. */
struct pl_gen *plb_finish(struct plb *b);
void plb_abort(struct plb *b);
/* The generation this one will replace (the published one; NULL: none), read by plb_finish
 * and never written: its index's unchanged stages are taken over (pl_index_build_from), and
 * its sizes reserve the pools now instead of growing them. It must stay alive until
 * plb_finish returns. */
void plb_set_prev(struct plb *b, const struct pl_gen *prev);

int plb_dp(struct plb *b, int64_t key, const char *name, enum pl_dp_kind kind);
int plb_stage(struct plb *b, bool egress, unsigned table, const char *name);
/* prog is copied; NULL or an empty program is `drop;` */
int plb_flow(struct plb *b, int priority, const struct lflow_prog *prog);
int plb_rule(struct plb *b);
int plb_term(struct plb *b, enum lf_mf mf, lf_u128 value, lf_u128 mask, bool neg);
int plb_dim(struct plb *b);
int plb_alt(struct plb *b);
/* Take back the rule (or alternative) just begun: it can never match */
void plb_rule_cancel(struct plb *b);
void plb_alt_cancel(struct plb *b);

/* A normalised match (ovn-glue/lflow/expr.h) as the current flow's rules: port names become
 * tunnel keys (a name that resolves to nothing makes `==' false and `!=' true),
 * is_chassis_resident() is decided now. */
struct plb_resolve {
	int64_t (*port_key)(void *aux, const char *name); /* port or group key, -1 if none */
	bool (*resident)(void *aux, const char *name);
	void *aux;
};
int plb_match(struct plb *b, const struct lf_match *m, const struct plb_resolve *r);

int plb_port(struct plb *b, const char *name, int64_t dp, int64_t key, enum pl_port_type type,
	     uint16_t local);
void plb_port_peer(struct plb *b, int port, int peer);
/* The port just added is a localnet port: its provider NIC (PL_PORT_NONE: no bridge mapping
 * for its network here) and VLAN tag (-1: untagged). */
void plb_port_localnet(struct plb *b, uint16_t provider, int32_t tag);
/* The port just added is a VIF bound to another chassis. */
void plb_port_remote(struct plb *b);
/* A brint port is the provider NIC of a bridge mapping. */
void plb_provider(struct plb *b, uint16_t port_id);
/* port_id (a tap) is the node's own interface on the provider NIC, with that MAC */
void plb_host(struct plb *b, uint16_t provider, uint16_t port_id, uint64_t mac);
int plb_psec(struct plb *b, uint64_t mac);
int plb_psec_ip4(struct plb *b, uint32_t addr, uint32_t mask);
int plb_psec_ip6(struct plb *b, lf_u128 addr, lf_u128 mask);
int plb_mcgroup(struct plb *b, const char *name, int64_t dp, int64_t key);
int plb_mc_member(struct plb *b, int port);
/* Neighbours (MAC_Binding, Static_MAC_Binding) and FDB entries, in any order and at any
 * point: plb_finish sorts them and builds their indexes. ip: IPv4 as a number (v6 false). */
int plb_neigh(struct plb *b, int64_t dp, int64_t port, bool v6, lf_u128 ip, uint64_t mac,
	      uint16_t prio);
int plb_fdb(struct plb *b, int64_t dp, int64_t port, uint64_t mac);

/* Where the last generation's build and publication went, in ms (control thread only; `brintctl
 * engine stats` shows them): walk = pl_build's walk over the compiled flows, ports and
 * neighbours up to plb_finish; finish = plb_finish's neighbour/FDB sort and hashes and the
 * local port map; index = pl_index_build; then pl_publish's compare with the published
 * generation (equal, diff), its grace period (sync) and the old generation's release (free). */
struct pl_build_times {
	double walk_ms, finish_ms, index_ms, equal_ms, diff_ms, sync_ms, free_ms;
	uint64_t builds;
};
extern struct pl_build_times pl_build_times;
double pl_now_ms(void);
