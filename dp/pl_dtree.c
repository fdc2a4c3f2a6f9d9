/* SPDX-License-Identifier: Apache-2.0 */
/* Building a stage's decision diagram (see pl_dtree.h for what it is and why its lookups
 * agree with the linear scan). Control thread only, with the generation's index. */
#include "pl_dtree.h"
#include "pl_index.h"
#include "pl_adec.h"
#include "lfield.h"

#include <stdlib.h>
#include <string.h>

#define DT_WORDS      2 /* of the state: 64 atoms each */
#define DT_MAX_ATOMS  (64 * DT_WORDS)
#define DT_MAX_NODES  512 /* a stage's nodes; more: the stage keeps its index tree */
#define DT_MIN_SWITCH 3	  /* atoms of one (field, mask) a switch takes rather than tests */

struct atom {
	uint8_t kind; /* enum pl_ft_kind */
	uint8_t nw;
	uint8_t mf; /* enum lf_mf */
	uint16_t ofs[2];
	uint64_t m[2], v[2];
	uint32_t term; /* a term of it (PL_DN_TERM evaluates that term's positive side) */
};

struct state {
	uint64_t known[DT_WORDS], val[DT_WORDS];
};

static bool st_known(const struct state *s, unsigned a)
{
	return (s->known[a / 64] >> (a % 64)) & 1;
}

static bool st_val(const struct state *s, unsigned a)
{
	return (s->val[a / 64] >> (a % 64)) & 1;
}

/* what a subtree depends on: the atoms of the rules that can still match (live), and what is
 * known of them; states equal there get the same subtree */
struct mkey {
	uint64_t live[DT_WORDS], known[DT_WORDS], val[DT_WORDS];
};

struct memo {
	struct mkey k;
	uint32_t ref;
	uint32_t stamp; /* the stage's build stamp: used in this stage's build */
};

struct dtb {
	struct pl_index *ix;
	const struct pl_gen *g;
	const struct pl_sent *ents;
	uint32_t n_ents, ent0; /* the stage's entries: ix->ents[ent0 ..] */
	uint32_t term0, n_terms;
	uint8_t *atom_of;	      /* [n_terms]: the atom of term term0 + i */
	uint64_t (*eatoms)[DT_WORDS]; /* [n_ents]: the atoms of each entry's rule */
	uint32_t *lrules, n_lrules;   /* scratch: the entries that may still match at a node */
	uint32_t cap_terms, cap_ents, stamp;
	struct atom atoms[DT_MAX_ATOMS];
	unsigned n_atoms;
	struct memo *memo;
	uint32_t memo_mask, n_memo;
	uint32_t nodes0, slots0; /* where this stage's nodes and slots start */
	bool too_big, oom;
};

/* ---- atoms ---- */

static bool same_atom(const struct pl_gen *g, const struct atom *a, const struct pl_fterm *f,
		      uint32_t t)
{
	if (a->kind != f->kind)
		return false;
	if (f->kind == PL_FT_SLOW) {
		const struct pl_term *x = &g->terms[a->term], *y = &g->terms[t];
		return x->mf == y->mf && x->mask == y->mask && x->value == y->value;
	}
	unsigned nw = f->kind == PL_FT_REG ? 1 : f->nw;
	if (a->nw != nw)
		return false;
	for (unsigned w = 0; w < nw; w++)
		if (a->ofs[w] != f->ofs[w] || a->m[w] != f->m[w] || a->v[w] != f->v[w])
			return false;
	return true;
}

/* every term of the stage mapped to its atom; false: too many atoms */
static bool map_atoms(struct dtb *b)
{
	for (uint32_t i = 0; i < b->n_terms; i++) {
		uint32_t t = b->term0 + i;
		const struct pl_fterm *f = &b->ix->fterms[t];
		unsigned a;
		for (a = 0; a < b->n_atoms; a++)
			if (same_atom(b->g, &b->atoms[a], f, t))
				break;
		if (a == b->n_atoms) {
			if (b->n_atoms == DT_MAX_ATOMS)
				return false;
			struct atom *n = &b->atoms[b->n_atoms++];
			memset(n, 0, sizeof(*n));
			n->kind = f->kind;
			n->mf = f->mf;
			n->nw = f->kind == PL_FT_REG ? 1 : f->nw;
			for (unsigned w = 0; w < 2; w++) {
				n->ofs[w] = f->ofs[w];
				n->m[w] = f->m[w];
				n->v[w] = f->v[w];
			}
			n->term = t;
		}
		b->atom_of[i] = (uint8_t)a;
	}
	return true;
}

/* one window of one key field or one register: what one value settles about another */
static bool one_word(const struct atom *a)
{
	return (a->kind == PL_FT_KEY || a->kind == PL_FT_REG) && a->nw == 1;
}

static bool same_word(const struct atom *a, const struct atom *b)
{
	return one_word(a) && one_word(b) && a->kind == b->kind && a->ofs[0] == b->ofs[0];
}

static void set_atom(struct state *s, unsigned a, bool t)
{
	uint64_t bit = (uint64_t)1 << (a % 64);
	s->known[a / 64] |= bit;
	if (t)
		s->val[a / 64] |= bit;
	else
		s->val[a / 64] &= ~bit;
}

/* atom a is t: and what that settles of the atoms on the same window */
static void assign(const struct dtb *b, struct state *s, unsigned a, bool t)
{
	unsigned work[DT_MAX_ATOMS], n = 0;
	set_atom(s, a, t);
	work[n++] = a;
	while (n) {
		unsigned x = work[--n];
		const struct atom *ax = &b->atoms[x];
		bool tx = st_val(s, x);
		for (unsigned y = 0; y < b->n_atoms; y++) {
			if (st_known(s, y) || !same_word(ax, &b->atoms[y]))
				continue;
			const struct atom *ay = &b->atoms[y];
			uint64_t mx = ax->m[0], my = ay->m[0], vx = ax->v[0], vy = ay->v[0];
			int r = -1;
			if (tx && ((vx ^ vy) & mx & my) != 0)
				r = 0; /* the bits both compare differ */
			else if (tx && (my & ~mx) == 0)
				r = 1; /* y compares a part of what x fixed, and agrees */
			else if (!tx && (mx & ~my) == 0 && (vy & mx) == vx)
				r = 0; /* y would imply x */
			if (r >= 0) {
				set_atom(s, y, r == 1);
				work[n++] = y;
			}
		}
	}
}

/* ---- a rule's state ---- */

enum { F = 0, T = 1, U = 2 };

/* the terms [first, first + n): T, F, or U with *need the first unknown atom */
static int all_of(const struct dtb *b, const struct state *s, uint32_t first, uint32_t n, int *need)
{
	int r = T;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t t = first + i;
		unsigned a = b->atom_of[t - b->term0];
		if (!st_known(s, a)) {
			if (r == T) {
				r = U;
				*need = (int)a;
			}
			continue;
		}
		if ((st_val(s, a) ^ b->ix->fterms[t].neg) == 0)
			return F;
	}
	return r;
}

static int rule_state(const struct dtb *b, const struct state *s, const struct pl_sent *e,
		      int *need)
{
	int tneed = -1, r = all_of(b, s, e->tfirst, e->tn, &tneed);
	if (r == F)
		return F;
	const struct pl_rule *ru = &b->g->rules[e->rule];
	int dneed = -1;
	bool dims_true = true;
	for (uint32_t d = 0; d < ru->dims.n; d++) {
		struct pl_range dim = b->g->dims[ru->dims.first + d];
		int ds = F, aneed = -1;
		for (uint32_t k = 0; k < dim.n && ds != T; k++) {
			struct pl_range alt = b->g->alts[dim.first + k];
			int an = -1, as = all_of(b, s, alt.first, alt.n, &an);
			if (as == T)
				ds = T;
			else if (as == U && ds == F) {
				ds = U;
				aneed = an;
			}
		}
		if (ds == F)
			return F;
		if (ds == U) {
			dims_true = false;
			if (dneed < 0)
				dneed = aneed;
		}
	}
	if (r == U) { /* the rule's own terms first, as the scan reads them */
		*need = tneed;
		return U;
	}
	if (!dims_true) {
		*need = dneed;
		return U;
	}
	return T;
}

/* ---- which test next ---- */

static bool live_atom(const uint64_t *live, unsigned a)
{
	return (live[a / 64] >> (a % 64)) & 1;
}

/* some term of e's own (not of its dimensions) is not known yet */
static bool rule_terms_open(const struct dtb *b, const struct state *s, const struct pl_sent *e)
{
	for (uint32_t t = e->tfirst; t < e->tfirst + e->tn; t++)
		if (!st_known(s, b->atom_of[t - b->term0]))
			return true;
	return false;
}

/* e has a term on mf (the whole field: eth.type, ip.proto) known to hold */
static bool rule_fixes(const struct dtb *b, const struct state *s, const struct pl_sent *e,
		       enum lf_mf mf)
{
	for (uint32_t t = e->tfirst; t < e->tfirst + e->tn; t++) {
		const struct pl_fterm *f = &b->ix->fterms[t];
		unsigned a = b->atom_of[t - b->term0];
		if (f->mf == mf && !f->neg && f->kind == PL_FT_KEY && st_known(s, a) &&
		    st_val(s, a))
			return true;
	}
	return false;
}

/* Atom a of rule e may be read before e's earlier terms: where e makes sense of its field
 * already (pl_field_prereq, as an index node's guard): an L3 field once e's eth.type
 * is known to hold, an L4 field once its ip.proto is too, TCP/UDP ports and flags never (a
 * flow's megaflow must not come to depend on its ports where the scan would not read them) */
static bool ready(const struct dtb *b, const struct state *s, const struct pl_sent *e, unsigned a)
{
	const struct atom *at = &b->atoms[a];
	if (at->kind == PL_FT_REG)
		return true; /* reading a register widens no mask */
	if (at->kind != PL_FT_KEY)
		return false;
	switch (pl_field_prereq(at->mf)) {
	case PL_PRE_NONE: return true;
	case PL_PRE_ETH_TYPE: return rule_fixes(b, s, e, LF_MF_ETH_TYPE);
	case PL_PRE_IP_PROTO:
		return rule_fixes(b, s, e, LF_MF_ETH_TYPE) && rule_fixes(b, s, e, LF_MF_IP_PROTO);
	default: return false;
	}
}

/* the live atoms not known yet on a's window with a's mask (a itself included) into fam, and
 * how many of the rules that may still match (live: b->lrules) compare one of them */
static unsigned family(const struct dtb *b, const struct state *s, const uint64_t *live, unsigned a)
{
	const struct atom *at = &b->atoms[a];
	uint64_t fam[DT_WORDS];
	memset(fam, 0, sizeof(fam));
	fam[a / 64] |= (uint64_t)1 << (a % 64);
	for (unsigned y = 0; one_word(at) && y < b->n_atoms; y++)
		if (!st_known(s, y) && live_atom(live, y) && same_word(at, &b->atoms[y]) &&
		    b->atoms[y].m[0] == at->m[0])
			fam[y / 64] |= (uint64_t)1 << (y % 64);
	unsigned n = 0;
	for (uint32_t i = 0; i < b->n_lrules; i++)
		for (unsigned w = 0; w < DT_WORDS; w++)
			if (b->eatoms[b->lrules[i]][w] & fam[w]) {
				n++;
				break;
			}
	return n;
}

/* The test for rule e, the first that may match, whose own terms are not all known: of its
 * unknown atoms that are ready (its prerequisites known: eth.type before an L3 field, ip.proto
 * before an L4 one, whatever the order of its terms), the one that settles most of the rules
 * left (the largest family: one switch on ip4.dst takes out every rule for another of the
 * router's addresses before their protocol is read), registers on a tie; none ready (ports,
 * general terms): its first unknown term, as the linear scan reads it. */
static int pick(const struct dtb *b, const struct state *s, const struct pl_sent *e,
		const uint64_t *live)
{
	int best = -1, first = -1;
	unsigned best_n = 0;
	for (uint32_t t = e->tfirst; t < e->tfirst + e->tn; t++) {
		unsigned a = b->atom_of[t - b->term0];
		if (st_known(s, a))
			continue;
		if (first < 0)
			first = (int)a;
		if (!ready(b, s, e, a))
			continue;
		unsigned n = family(b, s, live, a);
		if (best < 0 || n > best_n ||
		    (n == best_n && b->atoms[a].kind == PL_FT_REG &&
		     b->atoms[best].kind != PL_FT_REG)) {
			best = (int)a;
			best_n = n;
		}
	}
	return best >= 0 ? best : first; /* nothing ready (ports, general terms): in order */
}

/* ---- the diagram ---- */

static uint64_t key_hash(const struct mkey *k)
{
	uint64_t h = 0;
	for (unsigned w = 0; w < DT_WORDS; w++)
		h = pl_index_hash(h ^ k->live[w] ^ pl_index_hash(k->known[w]) * 31 ^
				  pl_index_hash(k->val[w]));
	return h;
}

static struct memo *memo_find(struct dtb *b, const struct mkey *k)
{
	for (uint32_t h = (uint32_t)key_hash(k);; h++) {
		struct memo *m = &b->memo[h & b->memo_mask];
		if (m->stamp != b->stamp || memcmp(&m->k, k, sizeof(*k)) == 0)
			return m;
	}
}

/* the atoms of term range [first, first + n) into w */
static void atoms_of(const struct dtb *b, uint32_t first, uint32_t n, uint64_t *w)
{
	for (uint32_t t = first; t < first + n; t++) {
		unsigned a = b->atom_of[t - b->term0];
		w[a / 64] |= (uint64_t)1 << (a % 64);
	}
}

static void rule_atoms(struct dtb *b)
{
	for (uint32_t i = 0; i < b->n_ents; i++) {
		const struct pl_sent *e = &b->ents[i];
		const struct pl_rule *ru = &b->g->rules[e->rule];
		memset(b->eatoms[i], 0, sizeof(b->eatoms[i]));
		atoms_of(b, e->tfirst, e->tn, b->eatoms[i]);
		for (uint32_t d = 0; d < ru->dims.n; d++) {
			struct pl_range dim = b->g->dims[ru->dims.first + d];
			for (uint32_t k = 0; k < dim.n; k++) {
				struct pl_range alt = b->g->alts[dim.first + k];
				atoms_of(b, alt.first, alt.n, b->eatoms[i]);
			}
		}
	}
}

/* n appended to ix->dnodes: its index, PL_DT_NONE when out of memory */
static uint32_t push_node(struct pl_index *ix, const struct pl_dnode *n)
{
	if (ix->n_dnodes == ix->cap_dnodes) {
		uint32_t nc = ix->cap_dnodes ? ix->cap_dnodes * 2 : 256;
		struct pl_dnode *p = realloc(ix->dnodes, nc * sizeof(*p));
		if (p == NULL)
			return PL_DT_NONE;
		ix->dnodes = p;
		ix->cap_dnodes = nc;
	}
	ix->dnodes[ix->n_dnodes] = *n;
	return ix->n_dnodes++;
}

static uint32_t new_node(struct dtb *b, const struct pl_dnode *n)
{
	if (b->ix->n_dnodes - b->nodes0 >= DT_MAX_NODES) {
		b->too_big = true;
		return PL_DT_NONE;
	}
	uint32_t id = push_node(b->ix, n);
	b->oom |= id == PL_DT_NONE;
	return id;
}

static bool reserve_slots(struct dtb *b, uint32_t n)
{
	struct pl_index *ix = b->ix;
	if (ix->n_dslots + n <= ix->cap_dslots)
		return true;
	uint32_t nc = ix->cap_dslots ? ix->cap_dslots : 256;
	while (nc < ix->n_dslots + n)
		nc *= 2;
	struct pl_dslot *p = realloc(ix->dslots, nc * sizeof(*p));
	if (p == NULL) {
		b->oom = true;
		return false;
	}
	ix->dslots = p;
	ix->cap_dslots = nc;
	return true;
}

static uint32_t build(struct dtb *b, struct state s);

/* a switch on atom a's (window, mask): one child per value its atoms not yet known want */
static uint32_t build_switch(struct dtb *b, struct state s, unsigned a, const unsigned *fam,
			     unsigned n)
{
	const struct atom *at = &b->atoms[a];
	uint32_t size = 4;
	while (size < 2 * n)
		size *= 2;
	struct pl_dnode nd = {.op = at->kind == PL_FT_REG ? PL_DN_SW_REG : PL_DN_SW_KEY,
			      .ofs = at->ofs[0],
			      .c = size - 1,
			      .m = at->m[0]};
	uint32_t kids[DT_MAX_ATOMS];
	for (unsigned i = 0; i < n; i++) {
		struct state c = s;
		assign(b, &c, fam[i], true);
		kids[i] = build(b, c);
		if (b->too_big || b->oom)
			return PL_DT_NONE;
	}
	struct state d = s;
	for (unsigned i = 0; i < n; i++)
		if (!st_known(&d, fam[i]))
			assign(b, &d, fam[i], false);
	nd.a = build(b, d);
	if (b->too_big || b->oom || !reserve_slots(b, size))
		return PL_DT_NONE;
	nd.b = b->ix->n_dslots;
	struct pl_dslot *t = &b->ix->dslots[nd.b];
	for (uint32_t i = 0; i < size; i++)
		t[i] = (struct pl_dslot){0, PL_DT_ABSENT, 0};
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = b->atoms[fam[i]].v[0];
		uint32_t h = (uint32_t)pl_index_hash(v);
		while (t[h & (size - 1)].child != PL_DT_ABSENT)
			h++;
		t[h & (size - 1)] = (struct pl_dslot){v, kids[i], 0};
	}
	b->ix->n_dslots += size;
	return new_node(b, &nd);
}

static uint32_t build(struct dtb *b, struct state s)
{
	if (b->too_big || b->oom)
		return PL_DT_NONE;
	int need = -1;
	uint32_t leaf = PL_DT_NONE, first;
	for (first = 0; first < b->n_ents; first++) {
		int r = rule_state(b, &s, &b->ents[first], &need);
		if (r == F)
			continue;
		if (r == T)
			leaf = PL_DT_LEAF | (b->ent0 + first);
		break;
	}
	if (need < 0)
		return leaf; /* a rule every packet here matches, or none */
	struct mkey key;
	memset(&key, 0, sizeof(key));
	b->n_lrules = 0;
	for (uint32_t i = first; i < b->n_ents; i++) {
		int ignored;
		if (i != first && rule_state(b, &s, &b->ents[i], &ignored) == F)
			continue;
		b->lrules[b->n_lrules++] = i;
		for (unsigned w = 0; w < DT_WORDS; w++)
			key.live[w] |= b->eatoms[i][w];
	}
	for (unsigned w = 0; w < DT_WORDS; w++) {
		key.known[w] = s.known[w] & key.live[w];
		key.val[w] = s.val[w] & key.known[w];
	}
	struct memo *m = memo_find(b, &key);
	if (m->stamp == b->stamp)
		return m->ref;

	if (rule_terms_open(b, &s, &b->ents[first]))
		need = pick(b, &s, &b->ents[first], key.live);
	unsigned a = (unsigned)need, fam[DT_MAX_ATOMS], n = 0;
	const struct atom *at = &b->atoms[a];
	if (one_word(at))
		for (unsigned y = 0; y < b->n_atoms; y++)
			if (!st_known(&s, y) && ((key.live[y / 64] >> (y % 64)) & 1) &&
			    same_word(at, &b->atoms[y]) && b->atoms[y].m[0] == at->m[0])
				fam[n++] = y;
	uint32_t ref;
	if (n >= DT_MIN_SWITCH) {
		ref = build_switch(b, s, a, fam, n);
	} else {
		struct state t = s, f = s;
		assign(b, &t, a, true);
		assign(b, &f, a, false);
		struct pl_dnode nd = {.ofs = at->ofs[0], .m = at->m[0], .v = at->v[0]};
		nd.op = at->kind == PL_FT_REG ? PL_DN_REG : one_word(at) ? PL_DN_KEY : PL_DN_TERM;
		nd.c = at->term;
		nd.a = build(b, t);
		nd.b = build(b, f);
		ref = b->too_big || b->oom ? PL_DT_NONE : new_node(b, &nd);
	}
	if (b->too_big || b->oom)
		return PL_DT_NONE;
	/* (the table holds every node's state: at most DT_MAX_NODES, under half full) */
	m = memo_find(b, &key);
	*m = (struct memo){key, ref, b->stamp};
	b->n_memo++;
	return ref;
}

/* the register atoms the analysis settles: bits that cannot be set are 0 */
static void settle_regs(struct dtb *b, struct state *s, const uint32_t *mw)
{
	for (unsigned a = 0; a < b->n_atoms; a++) {
		const struct atom *at = &b->atoms[a];
		if (at->kind == PL_FT_KEY && at->nw == 0)
			set_atom(s, a, true); /* no bit compared: always equal */
		if (at->kind != PL_FT_REG || mw == NULL || at->ofs[0] >= 16)
			continue;
		uint64_t may = mw[at->ofs[0]];
		if ((at->v[0] & ~may) != 0)
			set_atom(s, a, false); /* wants a bit that is 0 */
		else if ((at->m[0] & may) == 0)
			set_atom(s, a, at->v[0] == 0); /* every bit compared is 0 */
	}
}

/* one stage: false when out of memory */
static bool build_stage(struct dtb *b, uint32_t k, const uint32_t *mw)
{
	struct pl_index *ix = b->ix;
	const struct pl_sidx *si = &ix->sidx[k];
	const struct pl_srange *sr = &ix->sranges[k];
	ix->sdt[k] = PL_DT_ABSENT;
	if (!si->exists || si->n_all >= PL_DT_NONE - PL_DT_LEAF ||
	    si->all >= PL_DT_NONE - PL_DT_LEAF - si->n_all)
		return true;
	b->ents = &ix->ents[si->all];
	b->n_ents = si->n_all;
	b->ent0 = si->all;
	b->term0 = sr->term0;
	b->n_terms = sr->n_terms;
	b->n_atoms = 0;
	b->nodes0 = ix->n_dnodes;
	b->slots0 = ix->n_dslots;
	b->too_big = false;
	if (b->n_terms > b->cap_terms) {
		free(b->atom_of);
		b->atom_of = malloc(b->n_terms);
		b->cap_terms = b->atom_of ? b->n_terms : 0;
		if (b->atom_of == NULL)
			return false;
	}
	if (!map_atoms(b))
		return true; /* too many tests: the index tree */
	if (b->n_ents > b->cap_ents) {
		free(b->eatoms);
		free(b->lrules);
		b->eatoms = malloc(b->n_ents * sizeof(*b->eatoms));
		b->lrules = malloc(b->n_ents * sizeof(*b->lrules));
		b->cap_ents = b->eatoms && b->lrules ? b->n_ents : 0;
		if (b->cap_ents == 0)
			return false;
	}
	rule_atoms(b);
	if (++b->stamp == 0) { /* (wrapped: every entry old again) */
		memset(b->memo, 0, (b->memo_mask + 1) * sizeof(*b->memo));
		b->stamp = 1;
	}
	struct state s;
	memset(&s, 0, sizeof(s));
	settle_regs(b, &s, mw);
	uint32_t root = build(b, s);
	if (b->oom)
		return false;
	if (b->too_big) {
		ix->n_dnodes = b->nodes0; /* what it built is dropped */
		ix->n_dslots = b->slots0;
		return true;
	}
	ix->sdt[k] = root;
	ix->n_dt_stages++;
	return true;
}

/* ---- bridges ---- */

struct brb { /* the bridge pass */
	struct pl_index *ix;
	const struct pl_gen *g;
	uint32_t *bridge_of;   /* [n_ents]: the entry's bridge node, PL_DT_ABSENT: not yet */
	uint32_t *ent_k;       /* [n_ents]: the entry's stage (sidx) */
	uint32_t *k_dp, *k_st; /* [n_sidx]: a stage's datapath and table */
	uint8_t *k_eg;
	bool oom;
};

/* the one instruction a bridge may run on the way: a constant into registers or a header,
 * ct_clear, or a port security check into a register bit (as the walk's hit_ops runs them) */
static bool bridge_op(const struct pl_aop *op)
{
	return op->op == PL_AD_REG_SET || op->op == PL_AD_KEY_SET || op->op == PL_AD_CT_CLEAR ||
	       op->op == PL_AD_PSEC_IN || op->op == PL_AD_PSEC_OUT;
}

/* a leaf ref: its bridge (a new node, one per entry), or ref itself */
static uint32_t bridged(struct brb *b, uint32_t ref)
{
	struct pl_index *ix = b->ix;
	if (!(ref & PL_DT_LEAF) || ref == PL_DT_NONE)
		return ref;
	uint32_t ei = ref & ~PL_DT_LEAF;
	if (b->bridge_of[ei] != PL_DT_ABSENT)
		return b->bridge_of[ei];
	const struct pl_sent *e = &ix->ents[ei];
	const struct pl_fnext *fx = &ix->fnext[e->flow];
	uint32_t k = b->ent_k[ei];
	unsigned d = b->k_dp[k], st = b->k_st[k];
	bool eg = b->k_eg[k];
	const struct pl_datapath *dp = &b->g->dps[d];
	uint64_t op = UINT64_MAX; /* the instruction on the way (ix->adec), none */
	if (fx->kind != PL_FX_NEXT || fx->egress != eg || fx->stage < 0 ||
	    (unsigned)fx->stage <= st || fx->n > 1)
		return ref;
	if (fx->n == 1) {
		if (ix->adec == NULL || ix->fadec[e->flow] == UINT32_MAX ||
		    !bridge_op(&ix->adec[ix->fadec[e->flow] + fx->top]))
			return ref;
		op = ix->fadec[e->flow] + fx->top;
	}
	unsigned cur = (unsigned)fx->stage, count = 1, n = dp->pipe[eg].n_stages;
	uint32_t kt;
	for (;;) { /* the pass-through chain after the target, forward in this pipeline */
		if (cur >= n || cur > UINT16_MAX)
			return ref;
		kt = ix->stage_base[2 * d + eg] + cur;
		const struct pl_sidx *si = &ix->sidx[kt];
		if (!si->exists)
			return ref;
		if (si->jump_n == 0)
			break;
		if (si->jump_egress != eg || si->jump_stage <= (int32_t)cur)
			return ref;
		count += si->jump_n;
		cur = (unsigned)si->jump_stage;
	}
	if (ix->sdt[kt] == PL_DT_ABSENT)
		return ref;
	struct pl_dnode nd = {.op = PL_DN_BRIDGE,
			      .pad = (uint8_t)eg,
			      .ofs = (uint16_t)cur,
			      .a = ix->sdt[kt],
			      .b = ref,
			      .c = count,
			      .v = op};
	uint32_t id = push_node(ix, &nd);
	if (id == PL_DT_NONE) {
		b->oom = true;
		return ref;
	}
	b->bridge_of[ei] = id;
	return id;
}

bool pl_dtree_bridge(struct pl_index *ix, const struct pl_gen *g)
{
	struct brb b = {.ix = ix, .g = g};
	size_t ne = ix->n_ents ? ix->n_ents : 1, ns = ix->n_sidx ? ix->n_sidx : 1;
	b.bridge_of = malloc(ne * sizeof(uint32_t));
	b.ent_k = malloc(ne * sizeof(uint32_t));
	b.k_dp = malloc(ns * sizeof(uint32_t));
	b.k_st = malloc(ns * sizeof(uint32_t));
	b.k_eg = malloc(ns);
	bool ok = b.bridge_of && b.ent_k && b.k_dp && b.k_st && b.k_eg;
	if (ok && ix->sdt) {
		for (uint32_t i = 0; i < ix->n_ents; i++) {
			b.bridge_of[i] = PL_DT_ABSENT;
			b.ent_k[i] = 0;
		}
		for (unsigned d = 0; d < g->n_dps; d++)
			for (unsigned eg = 0; eg < 2; eg++)
				for (unsigned st = 0; st < g->dps[d].pipe[eg].n_stages; st++) {
					uint32_t k = ix->stage_base[2 * d + eg] + st;
					const struct pl_sidx *si = &ix->sidx[k];
					b.k_dp[k] = d;
					b.k_st[k] = st;
					b.k_eg[k] = (uint8_t)eg;
					for (uint32_t e = si->all; e < si->all + si->n_all; e++)
						b.ent_k[e] = k;
				}
		/* every child of every diagram node there is now (the bridges made here are
		 * appended after them), every switch slot, every root */
		uint32_t n_nodes = ix->n_dnodes;
		for (uint32_t n = 0; n < n_nodes && !b.oom; n++) {
			/* (bridged() may move ix->dnodes: indexed each time) */
			uint32_t r = bridged(&b, ix->dnodes[n].a);
			ix->dnodes[n].a = r;
			if (ix->dnodes[n].op <= PL_DN_TERM) {
				r = bridged(&b, ix->dnodes[n].b);
				ix->dnodes[n].b = r;
			}
		}
		for (uint32_t sl = 0; sl < ix->n_dslots && !b.oom; sl++)
			if (ix->dslots[sl].child != PL_DT_ABSENT)
				ix->dslots[sl].child = bridged(&b, ix->dslots[sl].child);
		for (uint32_t k = 0; k < ix->n_sidx && !b.oom; k++)
			if (ix->sdt[k] != PL_DT_ABSENT)
				ix->sdt[k] = bridged(&b, ix->sdt[k]);
	}
	free(b.bridge_of);
	free(b.ent_k);
	free(b.k_dp);
	free(b.k_st);
	free(b.k_eg);
	return ok && !b.oom; /* (bridges made before running out stay: each is whole) */
}

bool pl_dtree_build_all(struct pl_index *ix, const struct pl_gen *g, const uint32_t (*mw)[16])
{
	struct dtb b;
	memset(&b, 0, sizeof(b));
	b.ix = ix;
	b.g = g;
	b.memo_mask = 2 * DT_MAX_NODES - 1;
	b.memo = calloc(b.memo_mask + 1, sizeof(*b.memo));
	bool ok = b.memo != NULL;
	for (uint32_t k = 0; ok && k < ix->n_sidx; k++)
		ok = build_stage(&b, k, mw ? mw[k] : NULL);
	free(b.memo);
	free(b.atom_of);
	free(b.eatoms);
	free(b.lrules);
	if (!ok) {
		for (uint32_t k = 0; k < ix->n_sidx; k++)
			ix->sdt[k] = PL_DT_ABSENT;
		ix->n_dt_stages = 0;
	}
	return ok;
}
