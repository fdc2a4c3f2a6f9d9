/* SPDX-License-Identifier: Apache-2.0 */
/* The logical topology as the compiler sees it, built from the SB replica: datapaths (switches
 * and routers with their tunnel keys), logical ports (tunnel key, type, peer of patch/router
 * ports, chassis), multicast groups, address sets, port groups, datapath groups, and the
 * pipeline stages by name (Logical_Flow external_ids:stage-name -> table number per pipeline and
 * datapath kind, so nothing depends on OVN's numbering).
 *
 * A snapshot owns copies of everything it holds: it stays valid whatever the replica does
 * next. Control thread only. */
#pragma once

#include "sb/replica.h"

#include <stdbool.h>
#include <stdint.h>

struct ltopo;

enum lt_dp_kind { LT_DP_SWITCH, LT_DP_ROUTER, LT_DP_UNKNOWN };

struct lt_datapath {
	struct ovs_uuid uuid;
	int64_t key; /* tunnel_key */
	char *name;  /* external_ids:name (or the uuid) */
	enum lt_dp_kind kind;
};

struct lt_port {
	char *name;  /* logical_port */
	int64_t key; /* tunnel_key within its datapath */
	const struct lt_datapath *dp;
	char *type;		 /* "" for a VIF, "patch", "router", "localnet", "l3gateway", ... */
	char *peer;		 /* options:peer of patch ports, NULL otherwise */
	char *network;		 /* options:network_name of localnet ports, NULL otherwise */
	int64_t tag;		 /* localnet VLAN tag, -1 if none */
	struct ovs_uuid chassis; /* zero if unbound */
	unsigned n_macs;
	char **macs; /* the "mac" column: "MAC IP..." strings */
	unsigned n_port_security;
	char **port_security; /* the "port_security" column: "MAC [IP...]" strings */
};

struct lt_mcgroup {
	const struct lt_datapath *dp;
	char *name;
	int64_t key;
	unsigned n_ports;
	const struct lt_port **ports;
};

struct lt_set {
	char *name;
	unsigned n;
	char **items; /* address set: addresses; port group: logical port names */
};

struct lt_stats {
	unsigned datapaths, ports, mcgroups, address_sets, port_groups, dp_groups, stages;
	unsigned flows_without_stage_name; /* counted, their stage cannot be known by name */
	unsigned stage_conflicts; /* one name on two table numbers in one pipeline and kind */
	unsigned
	    dangling; /* references to rows that do not exist (ports of unknown datapaths...) */
	unsigned rebuilds; /* updates that rebuilt everything (asked, or could not apply rows) */
	unsigned forced_rebuilds; /* of which not asked for (a datapath changed, dangling refs) */
};

/* A table slot whose stage name changed: (pipeline, datapath kind, table number). */
struct lt_stage_slot {
	bool egress;
	enum lt_dp_kind kind;
	int table;
};

/* What one ltopo_update() changed. */
struct lt_changes {
	bool rebuilt; /* rebuilt from scratch: assume everything changed */
	bool any;     /* anything at all changed (else the topology is as it was) */
	unsigned n_sets;
	char **sets; /* "$name" / "@name": address sets and port groups inserted,
		      * modified or deleted (a renamed one under both names) */
	unsigned n_dpgs;
	struct ovs_uuid *dpgs; /* datapath groups whose datapaths changed (not new or deleted
				* groups: their flows change with them) */
	unsigned n_slots;
	struct lt_stage_slot *slots; /* table slots whose stage name changed */
	unsigned dps_added;
	unsigned n_old_sets;
	struct lt_set *old_sets; /* address sets modified in place (same row, same name): their
				  * members before the update, so the compiler can patch with
				  * the difference. Each array is the record's; the strings of
				  * the members kept are the live set's (valid until the next
				  * update), those of the removed ones are in removed */
	unsigned n_removed;
	char **removed;
};
void lt_changes_free(struct lt_changes *ch); /* frees the arrays, zeroes *ch */

/* An empty topology. NULL when out of memory. */
struct ltopo *ltopo_new(void);
/* Bring t up to date with r: full (or see above) rebuilds it from every row; otherwise only
 * r's tracked rows (since the last ack) are applied, so t must have been up to date with r as
 * of that ack. ch (may be NULL) receives what changed (zero it first; lt_changes_free after). */
void ltopo_update(struct ltopo *t, const struct sb_replica *r, bool full, struct lt_changes *ch);
/* A fresh topology of r (any state, even partial). NULL only when out of memory. */
struct ltopo *ltopo_build(const struct sb_replica *r);
void ltopo_free(struct ltopo *t);

const struct lt_stats *ltopo_stats(const struct ltopo *t);
const struct lt_datapath *ltopo_dp_by_uuid(const struct ltopo *t, const struct ovs_uuid *u);
const struct lt_datapath *ltopo_dp_by_key(const struct ltopo *t, int64_t key);
const struct lt_datapath *ltopo_dp_by_name(const struct ltopo *t, const char *name);
const struct lt_port *ltopo_port(const struct ltopo *t, const char *name);
const struct lt_port *ltopo_port_by_key(const struct ltopo *t, int64_t dp_key, int64_t key);
const struct lt_mcgroup *ltopo_mcgroup(const struct ltopo *t, int64_t dp_key, const char *name);
const struct lt_set *ltopo_address_set(const struct ltopo *t, const char *name);
const struct lt_set *ltopo_port_group(const struct ltopo *t, const char *name);
/* The datapaths of a Logical_DP_Group; *n set, NULL if unknown. */
const struct lt_datapath *const *ltopo_dp_group(const struct ltopo *t, const struct ovs_uuid *u,
						unsigned *n);
/* Table number of a stage: pipeline "ingress"/"egress", datapath kind, stage-name; -1 if no
 * flow of that stage was seen, or if flows give it two different numbers (counted in
 * stage_conflicts: such a stage is not trusted). */
int ltopo_stage_table(const struct ltopo *t, bool egress, enum lt_dp_kind kind,
		      const char *stage_name);
/* The name of a stage from its table number (for traces); NULL if unknown. If flows give two
 * names one table, the smaller name (strcmp) is the answer, whatever order they came in. */
const char *ltopo_stage_name(const struct ltopo *t, bool egress, enum lt_dp_kind kind, int table);

/* Iteration. Ports: index i is stable until a port is removed (the last one then takes its
 * place); multicast group members point into the same array. */
unsigned ltopo_n_ports(const struct ltopo *t);
const struct lt_port *ltopo_port_at(const struct ltopo *t, unsigned i);
unsigned ltopo_n_datapaths(const struct ltopo *t);
const struct lt_datapath *ltopo_dp_at(const struct ltopo *t, unsigned i);
unsigned ltopo_n_mcgroups(const struct ltopo *t);
const struct lt_mcgroup *ltopo_mcgroup_at(const struct ltopo *t, unsigned i);
