/* SPDX-License-Identifier: Apache-2.0 */
/* The logical-flow compiler's driver: every Logical_Flow of the SB replica compiled into
 * per-(datapath, pipeline, stage) lists of rules (normalised match + compiled actions), in
 * priority order, identified by stage-name. Logical_DP_Group flows are compiled once and
 * listed under each of their datapaths. A flow that cannot be compiled is skipped, counted and
 * kept with its reason for `brintctl lflow stats`; it never stops the others.
 *
 * Incremental: after a replica change the topology (ltopo) applies only the changed rows and
 * says what changed; then only the Logical_Flow rows that changed are recompiled, plus the
 * flows that looked up something that changed: an address set or port group (found or not),
 * the stage name of a table their `next' names, the datapaths of their datapath group (a flow
 * without port groups is then only listed under the new datapaths, not recompiled). Each
 * flow records those lookups (compile_int.h). The per-(datapath, pipeline, stage) lists are
 * kept sorted and updated in place. Port names stay symbolic in matches, so port changes
 * recompile nothing. A datapath changed or deleted (rare) recompiles everything. A flow that
 * uses an address set whose members changed is patched with the difference (rules of the
 * members added and removed) when its match allows (compile_patch.c), else recompiled.
 *
 * A pass in which nothing the compiler reads changed (northd's SB_Global.nb_cfg, the
 * chassis' Chassis_Private.nb_cfg, a Port_Binding's `up', a column no one reads) is skipped:
 * no new generation, counted in skipped_passes. A change to a table the compiler does not
 * read (MAC_Binding, FDB, Load_Balancer, ...) is not skipped: the engine's build may read it.
 * Any pass not skipped produces a new generation number.
 * Control thread only. */
#pragma once

#include "lflow/act.h"
#include "lflow/expr.h"
#include "lflow/ltopo.h"
#include "sb/replica.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct lfc_flow {
	struct ovs_uuid uuid;
	bool egress;
	char *stage; /* external_ids:stage-name */
	int table;   /* table_id as northd numbered it (informational) */
	int priority;
	char *match_text;
	char *actions_text;
	struct lf_match match;
	struct lflow_prog *prog;
	char *skip_reason; /* non-NULL: not compiled (match and prog unusable) */
};

struct lfc_stats {
	uint64_t generation;
	unsigned flows; /* Logical_Flow rows */
	unsigned compiled;
	unsigned skipped;
	unsigned rules; /* normalised rules over all compiled flows */
	unsigned full_compiles, incremental_compiles;
	unsigned skipped_passes;   /* passes that found nothing relevant changed */
	unsigned last_recompiled;  /* flows compiled by the last pass */
	uint64_t total_recompiled; /* flows compiled by all passes */
	unsigned last_patched;	   /* flows the last pass patched with an address set's
				    * difference instead of recompiling (compile_patch.c) */
	uint64_t total_patched;
	double last_ms;		/* the last pass, all of it: */
	double last_topo_ms;	/*   bringing the topology up to date */
	double last_compile_ms; /*   compiling flows */
	double last_lists_ms;	/*   updating the per-stage lists */
};

struct lfc;

struct lfc *lfc_new(void);
void lfc_free(struct lfc *c);

/* Bring the compiled flows up to date with r (which must have change tracking on; the caller
 * acks the replica afterwards). full forces a recompile of everything. true when something
 * changed (a new generation); false when the pass was skipped. */
bool lfc_update(struct lfc *c, const struct sb_replica *r, bool full);

const struct lfc_stats *lfc_get_stats(const struct lfc *c);
const struct ltopo *lfc_topology(const struct lfc *c);

/* The flows of one datapath (tunnel key), pipeline and stage, highest priority first (skipped
 * flows included, with their reason). *n set; NULL if none. */
const struct lfc_flow *const *lfc_stage_flows(const struct lfc *c, int64_t dp_key, bool egress,
					      const char *stage, unsigned *n);

/* For the operator view. */
json_t *lfc_stats_json(const struct lfc *c); /* per datapath/stage counts, skips */
/* The flows of a datapath (or one stage of it) in table then priority order: stage, priority,
 * match and actions text, then the normalised rules and the program as text, or the skip
 * reason; structured adds "program_json", the program as lflow_prog_to_json() gives it.
 * NULL: no such datapath. */
json_t *lfc_show_json(const struct lfc *c, const char *dp, const char *stage, bool structured);

/* Everything compiled, as canonical text (for comparing two compilers, e.g. incremental
 * against full): every flow sorted by uuid (pipeline, stage, table, priority, match and
 * actions text, then the normalised rules and the program, or the skip reason), then every
 * (datapath key, pipeline, stage) list in key order with its flows' uuids in their order.
 * Malloc'd; NULL when out of memory. */
char *lfc_dump(const struct lfc *c);
