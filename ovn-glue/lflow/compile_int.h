/* SPDX-License-Identifier: Apache-2.0 */
/* The compiler's state, shared by compile.c (the passes), compile_index.c (who depends on
 * what; the per-stage lists) and compile_json.c (the operator's views). Not for other files.
 *
 * Dependencies are an index from a key to the flows that looked it up while compiling:
 *   "$name" / "@name"  an address set / port group (found or not),
 *   "#E K T"           the stage name of table T of pipeline E for datapath kind K (a `next'),
 *   "G<uuid>"          the flow's datapath group (its datapaths decide where it is listed).
 * A flow holds its position in each key's vector, so dropping it is O(1) per key even when
 * thousands of flows share a key (every `next;' of a stage names the same table). */
#pragma once

#include "lflow/compile.h"
#include "ovsdb/hmap.h"

struct lfc_users {
	struct hnode node;
	char *key;
	unsigned n, cap;
	struct lfc_node **v;
};

struct lfc_ref {
	struct lfc_users *u;
	unsigned pos; /* in u->v */
};

struct lfc_list {
	struct hnode node;
	int64_t dp_key;
	bool egress;
	char *stage;
	unsigned n, cap;
	const struct lfc_flow **flows; /* priority descending, then uuid */
};

struct lfc_node {
	struct hnode node; /* by uuid */
	struct lfc_flow f;
	struct ovs_uuid dp;  /* logical_datapath, or zero */
	struct ovs_uuid dpg; /* logical_dp_group, or zero */
	struct lfc_ref *refs;
	unsigned n_refs;
	bool pg_refs;		 /* its match names a port group (depends on its datapaths' keys) */
	struct lfc_list **lists; /* where it is listed */
	unsigned n_lists;
	uint64_t mark;		/* pass that last compiled it */
	struct lfc_pidx **pidx; /* its patched lists' indexes (compile_pidx.c) */
	unsigned n_pidx;
};

struct lfc {
	struct hmap flows; /* lfc_node by uuid */
	struct hmap lists; /* lfc_list by (dp_key, egress, stage) */
	struct hmap users; /* lfc_users by key */
	struct ltopo *topo;
	uint64_t replica_gen;
	bool have_replica_gen;
	uint64_t pass;
	struct lfc_stats stats;
};

/* compile_index.c */
void lfc_ref_add(struct lfc *c, struct lfc_node *n, const char *key);
void lfc_refs_clear(struct lfc *c, struct lfc_node *n);
/* The flows that depend on key (a copy: recompiling changes the index); *n set. */
struct lfc_node **lfc_users_of(const struct lfc *c, const char *key, unsigned *n);
/* List n under each of its datapaths (sorted insertion), or unlist it. */
void lfc_list_flow(struct lfc *c, struct lfc_node *n);
void lfc_unlist_flow(struct lfc *c, struct lfc_node *n);
/* A full compile: list every flow appended, then sort each list once. */
void lfc_list_all(struct lfc *c);
void lfc_lists_clear(struct lfc *c);
struct lfc_list *lfc_list_get(const struct lfc *c, int64_t dp_key, bool egress, const char *stage);

/* compile.c: the flow's match compiled again with address set `set' = members (nothing
 * recorded), normalised with opts (NULL: as the flows are); *hits: how many times the match
 * looked `set' up. 0 or -1 (out is empty). */
int lfc_probe_match(struct lfc *c, const struct lfc_node *n, const char *set,
		    const char *const *members, size_t n_members, const struct lf_norm_opts *opts,
		    struct lf_match *out, unsigned *hits);

/* compile_patch.c. An address set's difference, computed once for all its users: the old
 * and new members (sorted, as the replica keeps them), where each new member was, and a
 * window of new members around each member added or removed. */
struct lfc_set_diff {
	const struct lt_set *old, *new;
	bool ok;	     /* false: not patchable (not sorted, emptied, too big) */
	int *src;	     /* per new member: its index in old; added: -1 - its slot */
	unsigned char *kept; /* per old member */
	unsigned n_add, n_del, n_win;
	unsigned *add_at;   /* per slot: the added member's index in new (increasing) */
	unsigned *del_at;   /* the removed members' indexes in old */
	unsigned (*win)[2]; /* [lo, hi] indexes in new */
};
bool lfc_set_diff_init(struct lfc_set_diff *d, const struct lt_set *old, const struct lt_set *new);
void lfc_set_diff_free(struct lfc_set_diff *d);
/* Patch n's match with the difference; false (n untouched) when that cannot be shown to
 * equal a recompile: then recompile it. */
bool lfc_patch_set(struct lfc *c, struct lfc_node *n, const struct lfc_set_diff *d);

/* compile_pidx.c: a hash set of the entries (struct lf_conj, one every stride bytes from
 * base: plain rules or a dimension's alternatives) of one list of n, kept with n between
 * patches. rule, dim: which list (-1, -1: the plain rules). */
struct lfc_pidx;
/* The list's index, built if n has none or one of another length; NULL: none (out of
 * memory, or the list repeats an entry). */
struct lfc_pidx *lfc_pidx_get(struct lfc_node *n, int rule, int dim, const void *base,
			      size_t stride, size_t count);
/* The terms of the entry equal to c, or NULL. */
const struct lf_term *lfc_pidx_find(const struct lfc_pidx *x, const struct lf_conj *c);
bool lfc_pidx_del(struct lfc_pidx *x, const struct lf_conj *c); /* c: that very entry */
bool lfc_pidx_add(struct lfc_pidx *x, const struct lf_conj *c); /* false: drop the index */
void lfc_pidx_drop(struct lfc_node *n, struct lfc_pidx *x);
void lfc_pidx_clear(struct lfc_node *n); /* n's match is going: all its indexes */
/* Just compiled: index n's lists if it uses one big address set (compile_pidx.c). */
void lfc_pidx_prebuild(struct lfc *c, struct lfc_node *n);
