/* SPDX-License-Identifier: Apache-2.0 */
/* State shared by the ovn-glue modules (one instance per process). */
#pragma once

#include "config_ovn.h"
#include "ovn_glue.h"
#include "ovsdb/monitor.h"
#include "ovsdb/session.h"
#include "ovsdb/stats.h"
#include "ovsdb/txn.h"
#include "sb/sb_tables.h"

#define SB_DB "OVN_Southbound"

struct glue {
	bool started;
	struct ev_loop *loop;
	struct ovn_config cfg;
	struct ovsdb_stats stats;
	struct ovsdb_session *session;
	struct ovsdb_mon *mon;
	struct sb_replica *replica;

	/* the writer: one transaction in flight at a time */
	bool txn_in_flight;
	bool awaiting_update;		    /* a committed txn whose update has not been seen yet */
	uint64_t txn_sent_seqno;	    /* replica seqno when the txn in flight was sent */
	struct ovs_uuid pending_inserts[8]; /* rows our last txn inserted, not yet replicated */
	unsigned n_pending_inserts;
	struct ev_timer *round_timer, *retry_timer, *settle_timer, *stale_timer;
	unsigned retry_ms;
	bool ever_synced;
	bool stale_grace_over; /* release_stale_after_ms elapsed since the first sync */
	bool stale_check_due;  /* look for stale bindings in the next round */

	/* nb_cfg (ovn-nbctl --wait=hv) */
	int64_t nb_cfg_seen;	    /* SB_Global.nb_cfg last replicated */
	uint64_t nb_cfg_seen_seqno; /* replica seqno when it changed */
	int64_t nb_cfg_reported;    /* last value written to Chassis_Private.nb_cfg */

	ovn_glue_change_fn change_fn;
	void *change_arg;

	/* counters beyond the OVSDB ones */
	uint64_t claims, releases, stale_releases, conflicts, up_updates, nb_cfg_updates,
	    chassis_writes;
	char last_txn_error[256];
};

extern struct glue glue;

void glue_schedule_round(void);

/* chassis.c: ops that make Chassis, Encap and Chassis_Private match the configuration and
 * report nb_cfg; our rows (NULL until registered). */
void chassis_build_ops(struct glue *g, struct ovsdb_txn *t);
const struct sb_row *chassis_row(const struct glue *g);
const struct sb_row *chassis_encap_row(const struct glue *g);
const struct sb_row *chassis_private_row(const struct glue *g);
bool chassis_nb_cfg_allowed(const struct glue *g);

/* binding.c: local ports and their Port_Bindings. */
void binding_build_ops(struct glue *g, struct ovsdb_txn *t, const struct ovs_uuid *chassis,
		       const struct ovs_uuid *encap);
void binding_refresh_states(struct glue *g); /* without writing (disconnected) */
json_t *binding_list_json(const struct glue *g);
size_t binding_n_ports(void);

/* learn_sb.c: the same, for `learn stats`. */
void learn_sb_link(void);

/* ctl_sb.c: called by ovn_glue_start so that the object file (whose CTL_COMMAND
 * constructors register the commands) is linked in from the static library. */
void ctl_sb_link(void);
