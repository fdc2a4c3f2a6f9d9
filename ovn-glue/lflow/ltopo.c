/* SPDX-License-Identifier: Apache-2.0 */
/* The logical topology's elements and indexes: adding and removing datapaths, ports,
 * multicast groups, sets and datapath groups, and the lookups of ltopo.h (see ltopo_int.h for
 * the storage; ltopo_update.c reads the replica). */
#include "ltopo_int.h"

#include <stdlib.h>
#include <string.h>

void lt_fail(struct ltopo *t)
{
	t->broken = true;
}

static char *dup(const char *s)
{
	return strdup(s ? s : "");
}

uint32_t lt_key_hash(int64_t a, int64_t b)
{
	return hash_u64((uint64_t)a * 0x10001ull ^ (uint64_t)b, 7);
}

#define FOR_EACH_MAP(t, m)                                                                         \
	for (struct hmap *const *mp_ =                                                             \
		 (struct hmap *const[]){&(t)->dp_by_uuid, &(t)->dp_by_key, &(t)->dp_by_name,       \
					&(t)->port_by_uuid, &(t)->port_by_name, &(t)->port_by_key, \
					&(t)->mc_by_uuid, &(t)->mc_by_name, &(t)->aset_by_uuid,    \
					&(t)->aset_by_name, &(t)->pg_by_uuid, &(t)->pg_by_name,    \
					&(t)->dpg_by_uuid, &(t)->stages, &(t)->frecs, NULL};       \
	     ((m) = *mp_) != NULL; mp_++)

struct ltopo *ltopo_new(void)
{
	struct ltopo *t = calloc(1, sizeof(*t));
	struct hmap *m;
	if (t == NULL)
		return NULL;
	FOR_EACH_MAP(t, m)
	hmap_init(m);
	return t;
}

/* ---- datapaths ---- */

struct lt_dp_node *lt_dp_add(struct ltopo *t, const struct ovs_uuid *u, int64_t key,
			     const char *name, enum lt_dp_kind kind)
{
	struct lt_dp_node *d;
	if (t->n_dps == t->cap_dps) {
		unsigned cap = t->cap_dps ? t->cap_dps * 2 : 16;
		struct lt_dp_node **a = realloc(t->dps, cap * sizeof(*a));
		if (a == NULL)
			return lt_fail(t), NULL;
		t->dps = a;
		t->cap_dps = cap;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL || (d->pub.name = dup(name)) == NULL) {
		free(d);
		return lt_fail(t), NULL;
	}
	d->pub.uuid = *u;
	d->pub.key = key;
	d->pub.kind = kind;
	d->idx = t->n_dps;
	t->dps[t->n_dps++] = d;
	hmap_insert(&t->dp_by_uuid, &d->by_uuid, ovs_uuid_hash(u));
	hmap_insert(&t->dp_by_key, &d->by_key, lt_key_hash(key, 0));
	hmap_insert(&t->dp_by_name, &d->by_name, hash_string(d->pub.name, 1));
	return d;
}

const struct lt_datapath *ltopo_dp_by_uuid(const struct ltopo *t, const struct ovs_uuid *u)
{
	for (struct hnode *x = hmap_first_with_hash(&t->dp_by_uuid, ovs_uuid_hash(u)); x;
	     x = hmap_next_with_hash(x)) {
		const struct lt_dp_node *d = container_of(x, struct lt_dp_node, by_uuid);
		if (ovs_uuid_equal(&d->pub.uuid, u))
			return &d->pub;
	}
	return NULL;
}

const struct lt_datapath *ltopo_dp_by_key(const struct ltopo *t, int64_t key)
{
	for (struct hnode *x = hmap_first_with_hash(&t->dp_by_key, lt_key_hash(key, 0)); x;
	     x = hmap_next_with_hash(x)) {
		const struct lt_dp_node *d = container_of(x, struct lt_dp_node, by_key);
		if (d->pub.key == key)
			return &d->pub;
	}
	return NULL;
}

const struct lt_datapath *ltopo_dp_by_name(const struct ltopo *t, const char *name)
{
	for (struct hnode *x = hmap_first_with_hash(&t->dp_by_name, hash_string(name, 1)); x;
	     x = hmap_next_with_hash(x)) {
		const struct lt_dp_node *d = container_of(x, struct lt_dp_node, by_name);
		if (strcmp(d->pub.name, name) == 0)
			return &d->pub;
	}
	return NULL;
}

/* ---- ports ---- */

void lt_port_clear(struct lt_port *p)
{
	for (unsigned k = 0; k < p->n_macs; k++)
		free(p->macs[k]);
	free(p->macs);
	for (unsigned k = 0; k < p->n_port_security; k++)
		free(p->port_security[k]);
	free(p->port_security);
	free(p->name);
	free(p->type);
	free(p->peer);
	free(p->network);
	memset(p, 0, sizeof(*p));
}

struct lt_port_node *lt_port_find_uuid(const struct ltopo *t, const struct ovs_uuid *u)
{
	for (struct hnode *x = hmap_first_with_hash(&t->port_by_uuid, ovs_uuid_hash(u)); x;
	     x = hmap_next_with_hash(x)) {
		struct lt_port_node *n = container_of(x, struct lt_port_node, by_uuid);
		if (ovs_uuid_equal(&n->uuid, u))
			return n;
	}
	return NULL;
}

/* The ports array moved: every group's member pointers are re-resolved. */
static void resolve_all_groups(struct ltopo *t)
{
	for (unsigned i = 0; i < t->n_mcs; i++)
		lt_mc_resolve(t, t->mcs[i]);
}

struct lt_port_node *lt_port_add(struct ltopo *t, const struct ovs_uuid *u, struct lt_port *p)
{
	struct lt_port_node *n;
	if (t->n_ports == t->cap_ports) {
		unsigned cap = t->cap_ports ? t->cap_ports * 2 : 64;
		struct lt_port *a = malloc(cap * sizeof(*a));
		struct lt_port_node **b = realloc(t->pnodes, cap * sizeof(*b));
		if (b)
			t->pnodes = b;
		if (a == NULL || b == NULL) {
			free(a);
			lt_port_clear(p);
			return lt_fail(t), NULL;
		}
		if (t->n_ports)
			memcpy(a, t->ports, t->n_ports * sizeof(*a));
		free(t->ports);
		t->ports = a;
		t->cap_ports = cap;
		resolve_all_groups(t);
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		lt_port_clear(p);
		return lt_fail(t), NULL;
	}
	n->uuid = *u;
	n->idx = t->n_ports;
	t->ports[t->n_ports] = *p;
	t->pnodes[t->n_ports++] = n;
	p = &t->ports[n->idx];
	hmap_insert(&t->port_by_uuid, &n->by_uuid, ovs_uuid_hash(u));
	hmap_insert(&t->port_by_name, &n->by_name, hash_string(p->name, 2));
	hmap_insert(&t->port_by_key, &n->by_key, lt_key_hash(p->dp->key, p->key));
	return n;
}

/* The last port takes the place of the removed one: group members pointing at it follow;
 * those pointing at the removed port are resolved again (it is normally gone from them). */
void lt_port_remove(struct ltopo *t, struct lt_port_node *n)
{
	unsigned i = n->idx, last = t->n_ports - 1;
	const struct lt_port *gone = &t->ports[i], *moved = &t->ports[last];

	hmap_remove(&t->port_by_uuid, &n->by_uuid);
	hmap_remove(&t->port_by_name, &n->by_name);
	hmap_remove(&t->port_by_key, &n->by_key);
	for (unsigned g = 0; g < t->n_mcs; g++) {
		struct lt_mc_node *m = t->mcs[g];
		bool stale = false;
		for (unsigned k = 0; k < m->pub.n_ports; k++) {
			if (m->pub.ports[k] == gone)
				stale = true;
			else if (m->pub.ports[k] == moved)
				m->pub.ports[k] = gone; /* its new place */
		}
		if (stale)
			m->pub.n_ports = 0; /* re-resolved below, once the array is settled */
	}
	lt_port_clear(&t->ports[i]);
	if (i != last) {
		t->ports[i] = t->ports[last];
		t->pnodes[i] = t->pnodes[last];
		t->pnodes[i]->idx = i;
	}
	t->n_ports--;
	free(n);
	for (unsigned g = 0; g < t->n_mcs; g++)
		if (t->mcs[g]->pub.n_ports == 0 && t->mcs[g]->n_members)
			lt_mc_resolve(t, t->mcs[g]);
}

const struct lt_port *ltopo_port(const struct ltopo *t, const char *name)
{
	for (struct hnode *x = hmap_first_with_hash(&t->port_by_name, hash_string(name, 2)); x;
	     x = hmap_next_with_hash(x)) {
		const struct lt_port_node *n = container_of(x, struct lt_port_node, by_name);
		if (strcmp(t->ports[n->idx].name, name) == 0)
			return &t->ports[n->idx];
	}
	return NULL;
}

const struct lt_port *ltopo_port_by_key(const struct ltopo *t, int64_t dp_key, int64_t key)
{
	for (struct hnode *x = hmap_first_with_hash(&t->port_by_key, lt_key_hash(dp_key, key)); x;
	     x = hmap_next_with_hash(x)) {
		const struct lt_port *p =
		    &t->ports[container_of(x, struct lt_port_node, by_key)->idx];
		if (p->dp->key == dp_key && p->key == key)
			return p;
	}
	return NULL;
}

/* ---- multicast groups ---- */

struct lt_mc_node *lt_mc_find_uuid(const struct ltopo *t, const struct ovs_uuid *u)
{
	for (struct hnode *x = hmap_first_with_hash(&t->mc_by_uuid, ovs_uuid_hash(u)); x;
	     x = hmap_next_with_hash(x)) {
		struct lt_mc_node *m = container_of(x, struct lt_mc_node, by_uuid);
		if (ovs_uuid_equal(&m->uuid, u))
			return m;
	}
	return NULL;
}

void lt_mc_resolve(struct ltopo *t, struct lt_mc_node *m)
{
	m->pub.n_ports = 0;
	for (unsigned k = 0; k < m->n_members; k++) {
		const struct lt_port_node *n = lt_port_find_uuid(t, &m->members[k]);
		if (n)
			m->pub.ports[m->pub.n_ports++] = &t->ports[n->idx];
	}
}

struct lt_mc_node *lt_mc_add(struct ltopo *t, const struct ovs_uuid *u,
			     const struct lt_datapath *dp, const char *name, int64_t key,
			     const struct ovs_uuid *members, unsigned n_members)
{
	struct lt_mc_node *m;
	if (t->n_mcs == t->cap_mcs) {
		unsigned cap = t->cap_mcs ? t->cap_mcs * 2 : 16;
		struct lt_mc_node **a = realloc(t->mcs, cap * sizeof(*a));
		if (a == NULL)
			return lt_fail(t), NULL;
		t->mcs = a;
		t->cap_mcs = cap;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL || (m->pub.name = dup(name)) == NULL ||
	    (m->pub.ports = calloc(n_members + 1, sizeof(*m->pub.ports))) == NULL ||
	    (m->members = calloc(n_members + 1, sizeof(*m->members))) == NULL) {
		if (m) {
			free(m->pub.name);
			free(m->pub.ports);
		}
		free(m);
		return lt_fail(t), NULL;
	}
	m->uuid = *u;
	m->pub.dp = dp;
	m->pub.key = key;
	if (n_members)
		memcpy(m->members, members, n_members * sizeof(*members));
	m->n_members = n_members;
	lt_mc_resolve(t, m);
	m->idx = t->n_mcs;
	t->mcs[t->n_mcs++] = m;
	hmap_insert(&t->mc_by_uuid, &m->by_uuid, ovs_uuid_hash(u));
	hmap_insert(&t->mc_by_name, &m->by_name, hash_string(m->pub.name, (uint32_t)dp->key));
	return m;
}

void lt_mc_remove(struct ltopo *t, struct lt_mc_node *m)
{
	unsigned i = m->idx;
	hmap_remove(&t->mc_by_uuid, &m->by_uuid);
	hmap_remove(&t->mc_by_name, &m->by_name);
	t->mcs[i] = t->mcs[--t->n_mcs];
	t->mcs[i]->idx = i;
	free(m->pub.name);
	free(m->pub.ports);
	free(m->members);
	free(m);
}

const struct lt_mcgroup *ltopo_mcgroup(const struct ltopo *t, int64_t dp_key, const char *name)
{
	for (struct hnode *x =
		 hmap_first_with_hash(&t->mc_by_name, hash_string(name, (uint32_t)dp_key));
	     x; x = hmap_next_with_hash(x)) {
		const struct lt_mc_node *m = container_of(x, struct lt_mc_node, by_name);
		if (m->pub.dp->key == dp_key && strcmp(m->pub.name, name) == 0)
			return &m->pub;
	}
	return NULL;
}

/* ---- address sets and port groups ---- */

struct lt_set_node *lt_set_find_uuid(const struct hmap *by_uuid, const struct ovs_uuid *u)
{
	for (struct hnode *x = hmap_first_with_hash(by_uuid, ovs_uuid_hash(u)); x;
	     x = hmap_next_with_hash(x)) {
		struct lt_set_node *s = container_of(x, struct lt_set_node, by_uuid);
		if (ovs_uuid_equal(&s->uuid, u))
			return s;
	}
	return NULL;
}

static void set_free(struct lt_set_node *s)
{
	for (unsigned k = 0; k < s->pub.n; k++)
		free(s->pub.items[k]);
	free(s->pub.items);
	free(s->pub.name);
	free(s);
}

struct lt_set_node *lt_set_add(struct ltopo *t, struct hmap *by_uuid, struct hmap *by_name,
			       uint32_t basis, const struct ovs_uuid *u, const char *name,
			       const struct ovs_datum *items)
{
	struct lt_set_node *s = calloc(1, sizeof(*s));
	unsigned n = items ? items->n : 0;
	if (s == NULL || (s->pub.name = dup(name)) == NULL ||
	    (s->pub.items = calloc(n + 1, sizeof(char *))) == NULL) {
		if (s)
			free(s->pub.name);
		free(s);
		return lt_fail(t), NULL;
	}
	for (unsigned i = 0; i < n; i++)
		if ((s->pub.items[s->pub.n] = dup(items->keys[i].string)) != NULL)
			s->pub.n++;
	if (s->pub.n != n)
		lt_fail(t);
	s->uuid = *u;
	hmap_insert(by_uuid, &s->by_uuid, ovs_uuid_hash(u));
	hmap_insert(by_name, &s->by_name, hash_string(s->pub.name, basis));
	return s;
}

void lt_set_remove(struct hmap *by_uuid, struct hmap *by_name, struct lt_set_node *s)
{
	hmap_remove(by_uuid, &s->by_uuid);
	hmap_remove(by_name, &s->by_name);
	set_free(s);
}

int lt_set_modify(struct ltopo *t, struct lt_set_node *s, const struct ovs_datum *items)
{
	struct lt_changes *ch = t->ch;
	const struct lt_set *o = &s->pub;
	unsigned n = items ? items->n : 0, i = 0, j = 0, x = 0, n_rm = 0, n_dup = 0, ci = 0, cj = 0;
	char **v = NULL, **rm = NULL, *name = NULL;
	struct lt_set *a;
	unsigned char *duped = NULL;

	if (ch == NULL || (v = calloc(n + 1, sizeof(*v))) == NULL ||
	    (duped = calloc(n + 1, 1)) == NULL)
		goto fail;
	while (i < o->n || j < n) {
		const char *nj = j < n ? items->keys[j].string : NULL;
		int k;
		if (j < n && !nj)
			goto fail;
		/* strictly sorted, each member checked against the one before once */
		if (i > ci && i < o->n) {
			if (strcmp(o->items[i - 1], o->items[i]) >= 0)
				goto fail;
			ci = i;
		}
		if (j > cj && j < n) {
			if (strcmp(items->keys[j - 1].string, nj) >= 0)
				goto fail;
			cj = j;
		}
		k = i == o->n ? 1 : j == n ? -1 : strcmp(o->items[i], nj);
		if (k == 0) {
			v[x++] = o->items[i++];
			j++;
		} else if (k < 0) {
			if (n_rm % 16 == 0) {
				char **g = realloc(rm, (n_rm + 16) * sizeof(*rm));
				if (g == NULL)
					goto fail;
				rm = g;
			}
			rm[n_rm++] = o->items[i++];
		} else {
			if ((v[x] = strdup(nj)) == NULL)
				goto fail;
			duped[x++] = 1, n_dup++, j++;
		}
	}
	if (n_rm == 0 && n_dup == 0) {
		free(v);
		free(duped);
		free(rm);
		return 0;
	}
	if ((name = strdup(o->name)) == NULL ||
	    (a = realloc(ch->old_sets, (ch->n_old_sets + 1) * sizeof(*a))) == NULL)
		goto fail;
	ch->old_sets = a;
	if (n_rm) {
		char **r = realloc(ch->removed, (ch->n_removed + n_rm) * sizeof(*r));
		if (r == NULL)
			goto fail;
		ch->removed = r;
	}
	/* committed: the removed members' strings go with the record (none: ch->removed may
	 * still be NULL, and memcpy must not see it) */
	if (n_rm) {
		memcpy(ch->removed + ch->n_removed, rm, n_rm * sizeof(*rm));
		ch->n_removed += n_rm;
	}
	free(rm);
	a[ch->n_old_sets++] = (struct lt_set){name, o->n, o->items};
	s->pub.items = v;
	s->pub.n = n;
	free(duped);
	return 1;
fail:
	for (x = 0; v && duped && x <= n; x++)
		if (duped[x])
			free(v[x]);
	free(v);
	free(duped);
	free(rm);
	free(name);
	return -1;
}

static const struct lt_set *find_set(const struct hmap *m, const char *name, uint32_t basis)
{
	for (struct hnode *x = hmap_first_with_hash(m, hash_string(name, basis)); x;
	     x = hmap_next_with_hash(x)) {
		const struct lt_set_node *s = container_of(x, struct lt_set_node, by_name);
		if (strcmp(s->pub.name, name) == 0)
			return &s->pub;
	}
	return NULL;
}

const struct lt_set *ltopo_address_set(const struct ltopo *t, const char *name)
{
	return find_set(&t->aset_by_name, name, 3);
}

const struct lt_set *ltopo_port_group(const struct ltopo *t, const char *name)
{
	return find_set(&t->pg_by_name, name, 4);
}

/* ---- datapath groups ---- */

struct lt_dpg *lt_dpg_find(const struct ltopo *t, const struct ovs_uuid *u)
{
	for (struct hnode *x = hmap_first_with_hash(&t->dpg_by_uuid, ovs_uuid_hash(u)); x;
	     x = hmap_next_with_hash(x)) {
		struct lt_dpg *g = container_of(x, struct lt_dpg, node);
		if (ovs_uuid_equal(&g->uuid, u))
			return g;
	}
	return NULL;
}

void lt_dpg_remove(struct ltopo *t, struct lt_dpg *g)
{
	hmap_remove(&t->dpg_by_uuid, &g->node);
	free(g->dps);
	free(g);
}

const struct lt_datapath *const *ltopo_dp_group(const struct ltopo *t, const struct ovs_uuid *u,
						unsigned *n)
{
	const struct lt_dpg *g = lt_dpg_find(t, u);
	*n = g ? g->n : 0;
	return g ? g->dps : NULL;
}

/* ---- change records ---- */

void lt_note_set(struct ltopo *t, char sigil, const char *name)
{
	struct lt_changes *ch = t->ch;
	size_t len = strlen(name) + 2;
	char **a, *s;
	if (ch == NULL)
		return;
	ch->any = true;
	a = realloc(ch->sets, (ch->n_sets + 1) * sizeof(*a));
	if (a == NULL || (s = malloc(len)) == NULL) {
		if (a)
			ch->sets = a;
		lt_fail(t);
		return;
	}
	ch->sets = a;
	s[0] = sigil;
	memcpy(s + 1, name, len - 1);
	a[ch->n_sets++] = s;
}

void lt_note_dpg(struct ltopo *t, const struct ovs_uuid *u)
{
	struct lt_changes *ch = t->ch;
	struct ovs_uuid *a;
	if (ch == NULL)
		return;
	ch->any = true;
	if ((a = realloc(ch->dpgs, (ch->n_dpgs + 1) * sizeof(*a))) == NULL) {
		lt_fail(t);
		return;
	}
	ch->dpgs = a;
	a[ch->n_dpgs++] = *u;
}

void lt_changes_free(struct lt_changes *ch)
{
	for (unsigned i = 0; i < ch->n_sets; i++)
		free(ch->sets[i]);
	free(ch->sets);
	free(ch->dpgs);
	free(ch->slots);
	for (unsigned i = 0; i < ch->n_old_sets; i++) {
		free(ch->old_sets[i].items);
		free(ch->old_sets[i].name);
	}
	free(ch->old_sets);
	for (unsigned i = 0; i < ch->n_removed; i++)
		free(ch->removed[i]);
	free(ch->removed);
	memset(ch, 0, sizeof(*ch));
}

/* ---- whole ---- */

void lt_clear(struct ltopo *t)
{
	struct hnode *x, *next;

	for (unsigned i = 0; i < t->n_mcs; i++) {
		free(t->mcs[i]->pub.name);
		free(t->mcs[i]->pub.ports);
		free(t->mcs[i]->members);
		free(t->mcs[i]);
	}
	for (unsigned i = 0; i < t->n_ports; i++) {
		lt_port_clear(&t->ports[i]);
		free(t->pnodes[i]);
	}
	for (unsigned i = 0; i < t->n_dps; i++) {
		free(t->dps[i]->pub.name);
		free(t->dps[i]);
	}
	t->n_mcs = t->n_ports = t->n_dps = 0;
	struct hmap *sets[] = {&t->aset_by_uuid, &t->pg_by_uuid};
	for (unsigned k = 0; k < 2; k++)
		for (x = hmap_first(sets[k]); x; x = next) {
			next = hmap_next(sets[k], x);
			set_free(container_of(x, struct lt_set_node, by_uuid));
		}
	for (x = hmap_first(&t->dpg_by_uuid); x; x = next) {
		struct lt_dpg *g = container_of(x, struct lt_dpg, node);
		next = hmap_next(&t->dpg_by_uuid, x);
		free(g->dps);
		free(g);
	}
	lt_stages_clear(t);
	struct hmap *m;
	FOR_EACH_MAP(t, m)
	{
		hmap_destroy(m);
		hmap_init(m);
	}
	memset(&t->stats, 0, sizeof(t->stats));
	t->dangling_refs = 0;
	t->broken = false;
}

void ltopo_free(struct ltopo *t)
{
	struct hmap *m;
	if (t == NULL)
		return;
	lt_clear(t);
	FOR_EACH_MAP(t, m)
	hmap_destroy(m);
	free(t->dps);
	free(t->ports);
	free(t->pnodes);
	free(t->mcs);
	free(t->dirty);
	free(t);
}

const struct lt_stats *ltopo_stats(const struct ltopo *t)
{
	return &t->stats;
}

unsigned ltopo_n_ports(const struct ltopo *t)
{
	return t->n_ports;
}

const struct lt_port *ltopo_port_at(const struct ltopo *t, unsigned i)
{
	return i < t->n_ports ? &t->ports[i] : NULL;
}

unsigned ltopo_n_datapaths(const struct ltopo *t)
{
	return t->n_dps;
}

const struct lt_datapath *ltopo_dp_at(const struct ltopo *t, unsigned i)
{
	return i < t->n_dps ? &t->dps[i]->pub : NULL;
}

unsigned ltopo_n_mcgroups(const struct ltopo *t)
{
	return t->n_mcs;
}

const struct lt_mcgroup *ltopo_mcgroup_at(const struct ltopo *t, unsigned i)
{
	return i < t->n_mcs ? &t->mcs[i]->pub : NULL;
}
