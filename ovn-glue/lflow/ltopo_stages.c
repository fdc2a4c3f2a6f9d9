/* SPDX-License-Identifier: Apache-2.0 */
/* Stage names counted over the flows (see ltopo.h). Each Logical_Flow row with an
 * external_ids:stage-name counts one for (pipeline, datapath kind, name, table number); a name
 * is trusted while all its flows give it one number. Counting (rather than scanning the
 * flows) is what lets a flow come or go without looking at the other 40,000, and the
 * table -> name slots are recomputed only for the numbers whose stages changed; a slot whose
 * name changed is reported (lt_changes.slots) so the compiler recompiles the flows whose
 * `next' named it. */
#include "ltopo_int.h"

#include <stdlib.h>
#include <string.h>

#define LT_MAX_TABLE 65535

static uint32_t stage_hash(bool egress, enum lt_dp_kind kind, const char *name)
{
	return hash_string(name, (uint32_t)(egress * 4 + kind));
}

static struct lt_stage *find_stage(const struct ltopo *t, bool egress, enum lt_dp_kind kind,
				   const char *name)
{
	for (struct hnode *x = hmap_first_with_hash(&t->stages, stage_hash(egress, kind, name)); x;
	     x = hmap_next_with_hash(x)) {
		struct lt_stage *s = container_of(x, struct lt_stage, node);
		if (s->egress == egress && s->kind == kind && strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

int ltopo_stage_table(const struct ltopo *t, bool egress, enum lt_dp_kind kind,
		      const char *stage_name)
{
	const struct lt_stage *s = find_stage(t, egress, kind, stage_name);
	return s && s->table >= 0 ? s->table : -1;
}

const char *ltopo_stage_name(const struct ltopo *t, bool egress, enum lt_dp_kind kind, int table)
{
	const struct lt_slots *sl;
	if ((unsigned)kind >= LT_N_KINDS || table < 0)
		return NULL;
	sl = &t->slots[egress][kind];
	return (unsigned)table < sl->n ? sl->names[table] : NULL;
}

static void mark_dirty(struct ltopo *t, bool egress, enum lt_dp_kind kind, int table)
{
	if (table < 0 || table > LT_MAX_TABLE)
		return;
	if (t->n_dirty == t->cap_dirty) {
		unsigned cap = t->cap_dirty ? t->cap_dirty * 2 : 16;
		struct lt_stage_slot *a = realloc(t->dirty, cap * sizeof(*a));
		if (a == NULL) {
			lt_fail(t);
			return;
		}
		t->dirty = a;
		t->cap_dirty = cap;
	}
	t->dirty[t->n_dirty++] = (struct lt_stage_slot){egress, kind, table};
}

/* The stage's table: its one number, -2 if several. Conflicts and slots follow. */
static void settle_stage(struct ltopo *t, struct lt_stage *s)
{
	int old = s->table, now = s->n_tabs == 1 ? s->tabs[0].table : s->n_tabs ? -2 : -1;
	if (old == now)
		return;
	if (old == -2)
		t->stats.stage_conflicts--;
	if (now == -2)
		t->stats.stage_conflicts++;
	mark_dirty(t, s->egress, s->kind, old);
	mark_dirty(t, s->egress, s->kind, now);
	s->table = now;
}

struct lt_frec *lt_flow_find(const struct ltopo *t, const struct ovs_uuid *u)
{
	for (struct hnode *x = hmap_first_with_hash(&t->frecs, ovs_uuid_hash(u)); x;
	     x = hmap_next_with_hash(x)) {
		struct lt_frec *f = container_of(x, struct lt_frec, node);
		if (ovs_uuid_equal(&f->uuid, u))
			return f;
	}
	return NULL;
}

void lt_flow_add(struct ltopo *t, const struct ovs_uuid *u, bool egress, enum lt_dp_kind kind,
		 const char *name, int table, bool dangling)
{
	struct lt_frec *f = calloc(1, sizeof(*f));
	struct lt_stage *s = NULL;
	unsigned i;

	if (f == NULL) {
		lt_fail(t);
		return;
	}
	f->uuid = *u;
	f->table = table;
	f->dangling = dangling;
	t->dangling_refs += dangling;
	if (name == NULL) {
		t->stats.flows_without_stage_name++;
	} else if ((s = find_stage(t, egress, kind, name)) == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL || (s->name = strdup(name)) == NULL) {
			free(s);
			free(f);
			lt_fail(t);
			return;
		}
		s->egress = egress;
		s->kind = kind;
		s->table = -1;
		hmap_insert(&t->stages, &s->node, stage_hash(egress, kind, name));
		t->stats.stages++;
	}
	if (s) {
		for (i = 0; i < s->n_tabs && s->tabs[i].table != table; i++)
			continue;
		if (i == s->n_tabs) {
			struct lt_tab_count *a = realloc(s->tabs, (i + 1) * sizeof(*a));
			if (a == NULL) {
				free(f);
				lt_fail(t);
				return;
			}
			s->tabs = a;
			s->tabs[s->n_tabs++] = (struct lt_tab_count){table, 0};
		}
		s->tabs[i].count++;
		settle_stage(t, s);
	}
	f->st = s;
	hmap_insert(&t->frecs, &f->node, ovs_uuid_hash(u));
}

static void stage_free(struct lt_stage *s)
{
	free(s->tabs);
	free(s->name);
	free(s);
}

void lt_flow_remove(struct ltopo *t, const struct ovs_uuid *u)
{
	struct lt_frec *f = lt_flow_find(t, u);
	struct lt_stage *s;

	if (f == NULL)
		return;
	hmap_remove(&t->frecs, &f->node);
	t->dangling_refs -= f->dangling;
	if ((s = f->st) == NULL) {
		t->stats.flows_without_stage_name--;
	} else {
		for (unsigned i = 0; i < s->n_tabs; i++) {
			if (s->tabs[i].table != f->table)
				continue;
			if (--s->tabs[i].count == 0)
				s->tabs[i] = s->tabs[--s->n_tabs];
			break;
		}
		settle_stage(t, s);
		if (s->n_tabs == 0) {
			hmap_remove(&t->stages, &s->node);
			t->stats.stages--;
			stage_free(s);
		}
	}
	free(f);
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static void note_slot(struct ltopo *t, const struct lt_stage_slot *sl)
{
	struct lt_changes *ch = t->ch;
	struct lt_stage_slot *a;
	if (ch == NULL)
		return;
	ch->any = true;
	if ((a = realloc(ch->slots, (ch->n_slots + 1) * sizeof(*a))) == NULL) {
		lt_fail(t);
		return;
	}
	ch->slots = a;
	a[ch->n_slots++] = *sl;
}

void lt_slots_settle(struct ltopo *t)
{
	for (unsigned d = 0; d < t->n_dirty; d++) {
		const struct lt_stage_slot *sl = &t->dirty[d];
		struct lt_slots *s = &t->slots[sl->egress][sl->kind];
		const char *best = NULL;
		char *copy = NULL;

		for (struct hnode *x = hmap_first(&t->stages); x; x = hmap_next(&t->stages, x)) {
			const struct lt_stage *st = container_of(x, struct lt_stage, node);
			if (st->egress == sl->egress && st->kind == sl->kind &&
			    st->table == sl->table && (best == NULL || strcmp(st->name, best) < 0))
				best = st->name;
		}
		if ((unsigned)sl->table >= s->n) {
			unsigned n = (unsigned)sl->table + 1;
			char **a;
			if (best == NULL)
				continue; /* nothing there before either */
			if ((a = realloc(s->names, n * sizeof(*a))) == NULL) {
				lt_fail(t);
				continue;
			}
			memset(a + s->n, 0, (n - s->n) * sizeof(*a));
			s->names = a;
			s->n = n;
		}
		if (same(s->names[sl->table], best))
			continue;
		if (best && (copy = strdup(best)) == NULL) {
			lt_fail(t);
			continue;
		}
		free(s->names[sl->table]);
		s->names[sl->table] = copy;
		note_slot(t, sl);
	}
	t->n_dirty = 0;
}

void lt_stages_clear(struct ltopo *t)
{
	struct hnode *x, *next;
	for (x = hmap_first(&t->frecs); x; x = next) {
		next = hmap_next(&t->frecs, x);
		free(container_of(x, struct lt_frec, node));
	}
	for (x = hmap_first(&t->stages); x; x = next) {
		next = hmap_next(&t->stages, x);
		stage_free(container_of(x, struct lt_stage, node));
	}
	for (unsigned e = 0; e < 2; e++)
		for (unsigned k = 0; k < LT_N_KINDS; k++) {
			struct lt_slots *s = &t->slots[e][k];
			for (unsigned i = 0; i < s->n; i++)
				free(s->names[i]);
			free(s->names);
			s->names = NULL;
			s->n = 0;
		}
	t->n_dirty = 0;
}
