/* SPDX-License-Identifier: Apache-2.0 */
/* The logical topology's storage, shared by ltopo.c (elements, indexes, lookups),
 * ltopo_stages.c (stage names counted over the flows) and ltopo_update.c (the replica's rows,
 * whole or only those changed, applied to it). Not for other files.
 *
 * Why the shapes: pl_build() numbers ports by their index in one contiguous array
 * (ltopo_port_at(t, i) - ltopo_port_at(t, 0)), so ports stay in one array of struct lt_port;
 * a removed port is replaced by the last one, and the multicast groups' member pointers are
 * fixed. Everything else is allocated per element, so pointers to datapaths and sets stay
 * valid while other elements come and go. Every element is also indexed by its row's uuid,
 * which is how a changed or deleted row finds what it produced. */
#pragma once

#include "ltopo.h"

#include "ovsdb/hmap.h"

struct lt_dp_node {
	struct lt_datapath pub;
	struct hnode by_uuid, by_key, by_name;
	unsigned idx; /* in t->dps */
};

struct lt_port_node {
	struct hnode by_uuid, by_name, by_key;
	struct ovs_uuid uuid; /* the Port_Binding row */
	unsigned idx;	      /* in t->ports (and t->pnodes) */
};

struct lt_mc_node {
	struct lt_mcgroup pub;
	struct hnode by_uuid, by_name;
	struct ovs_uuid uuid;
	unsigned idx; /* in t->mcs */
	unsigned n_members;
	struct ovs_uuid *members; /* Port_Binding uuids, to re-resolve pub.ports */
};

struct lt_set_node {
	struct lt_set pub;
	struct hnode by_uuid, by_name;
	struct ovs_uuid uuid;
};

struct lt_dpg {
	struct hnode node;
	struct ovs_uuid uuid;
	enum lt_dp_kind kind; /* of its first datapath */
	unsigned n;
	const struct lt_datapath **dps;
};

struct lt_tab_count {
	int table;
	unsigned count;
};

/* A stage name in one pipeline and datapath kind, with the table numbers its flows give it. */
struct lt_stage {
	struct hnode node;
	bool egress;
	enum lt_dp_kind kind;
	char *name;
	unsigned n_tabs;
	struct lt_tab_count *tabs;
	int table; /* the one table number, or -2 when the flows give it several */
};

/* What one Logical_Flow row contributes to the stage names. */
struct lt_frec {
	struct hnode node;
	struct ovs_uuid uuid;
	struct lt_stage *st; /* NULL: no stage-name */
	int table;
	bool dangling; /* its datapath or group is unknown */
};

#define LT_N_KINDS 3

struct lt_slots {
	unsigned n;
	char **names; /* by table number: the stage name, NULL if none */
};

struct ltopo {
	struct lt_dp_node **dps;
	unsigned n_dps, cap_dps;
	struct lt_port *ports;
	struct lt_port_node **pnodes;
	unsigned n_ports, cap_ports;
	struct lt_mc_node **mcs;
	unsigned n_mcs, cap_mcs;
	struct hmap dp_by_uuid, dp_by_key, dp_by_name, port_by_uuid, port_by_name, port_by_key,
	    mc_by_uuid, mc_by_name, aset_by_uuid, aset_by_name, pg_by_uuid, pg_by_name, dpg_by_uuid,
	    stages, frecs;
	struct lt_slots slots[2][LT_N_KINDS];
	struct lt_stats stats;
	/* dangling references met (ports and flows of unknown datapaths, groups' unknown
	 * datapaths); group members that resolve to no port are counted when settling */
	unsigned dangling_refs;
	struct lt_stage_slot *dirty; /* slots whose stage may have changed this update */
	unsigned n_dirty, cap_dirty;
	bool broken;	       /* out of memory during an update: rebuild next time */
	struct lt_changes *ch; /* the update in progress records here (may be NULL) */
};

/* ltopo.c */
void lt_clear(struct ltopo *t); /* back to empty (keeps the maps' storage) */
void lt_fail(struct ltopo *t);	/* out of memory: marks t broken */
uint32_t lt_key_hash(int64_t a, int64_t b);
struct lt_dp_node *lt_dp_add(struct ltopo *t, const struct ovs_uuid *u, int64_t key,
			     const char *name, enum lt_dp_kind kind);
struct lt_port_node *lt_port_find_uuid(const struct ltopo *t, const struct ovs_uuid *u);
/* p's strings are taken over (p is copied into the array). */
struct lt_port_node *lt_port_add(struct ltopo *t, const struct ovs_uuid *u, struct lt_port *p);
void lt_port_remove(struct ltopo *t, struct lt_port_node *n);
void lt_port_clear(struct lt_port *p);
struct lt_mc_node *lt_mc_find_uuid(const struct ltopo *t, const struct ovs_uuid *u);
struct lt_mc_node *lt_mc_add(struct ltopo *t, const struct ovs_uuid *u,
			     const struct lt_datapath *dp, const char *name, int64_t key,
			     const struct ovs_uuid *members, unsigned n_members);
void lt_mc_remove(struct ltopo *t, struct lt_mc_node *m);
/* Re-resolve a group's member pointers from their uuids. */
void lt_mc_resolve(struct ltopo *t, struct lt_mc_node *m);
struct lt_set_node *lt_set_find_uuid(const struct hmap *by_uuid, const struct ovs_uuid *u);
struct lt_set_node *lt_set_add(struct ltopo *t, struct hmap *by_uuid, struct hmap *by_name,
			       uint32_t basis, const struct ovs_uuid *u, const char *name,
			       const struct ovs_datum *items);
void lt_set_remove(struct hmap *by_uuid, struct hmap *by_name, struct lt_set_node *s);
/* Address set s (same row, same name) to the members items, in place, its old members
 * recorded in t->ch->old_sets: one merge of the two sorted lists, the kept members' strings
 * moved to the new array, only the added ones copied (not 10,000 strings copied and freed
 * for one member added). 1: modified; 0: the same members, nothing done; -1: not done (no
 * ch, a list not sorted, out of memory): replace the set instead. */
int lt_set_modify(struct ltopo *t, struct lt_set_node *s, const struct ovs_datum *items);
struct lt_dpg *lt_dpg_find(const struct ltopo *t, const struct ovs_uuid *u);
void lt_dpg_remove(struct ltopo *t, struct lt_dpg *g);
/* Change records (no-ops when t->ch is NULL). */
void lt_note_set(struct ltopo *t, char sigil, const char *name);
void lt_note_dpg(struct ltopo *t, const struct ovs_uuid *u);

/* ltopo_stages.c */
/* A flow's contribution: added (name may be NULL), removed. */
void lt_flow_add(struct ltopo *t, const struct ovs_uuid *u, bool egress, enum lt_dp_kind kind,
		 const char *name, int table, bool dangling);
void lt_flow_remove(struct ltopo *t, const struct ovs_uuid *u);
struct lt_frec *lt_flow_find(const struct ltopo *t, const struct ovs_uuid *u);
/* Recompute the table -> name slots touched since the last call, noting the changes. */
void lt_slots_settle(struct ltopo *t);
void lt_stages_clear(struct ltopo *t);
