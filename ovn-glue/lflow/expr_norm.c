/* SPDX-License-Identifier: Apache-2.0 */
/* Normalising expression trees into rules with conjunctive dimensions (see expr.h). */
#include "lflow/expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A normal form: a disjunction of rules. */
struct nf {
	size_t n;
	struct lf_rule *r;
};

struct nctx {
	size_t max_expand;
	size_t terms; /* terms allocated so far */
	bool overflow;
};

/* Arrays grow to the next power of two when their length reaches one. */
static void *grow(void *p, size_t n, size_t sz)
{
	if (n && (n & (n - 1)))
		return p;
	p = realloc(p, (n ? 2 * n : 1) * sz);
	if (!p)
		abort();
	return p;
}

static void *alloc_n(size_t n, size_t sz)
{
	if (!n)
		return NULL;
	size_t cap = 1;
	while (cap < n)
		cap *= 2;
	void *p = malloc(cap * sz);
	if (!p)
		abort();
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		abort();
	return d;
}

static void term_free(struct lf_term *t)
{
	free(t->name);
}

static void conj_free(struct lf_conj *c)
{
	for (size_t i = 0; i < c->n; i++)
		term_free(&c->terms[i]);
	free(c->terms);
	c->terms = NULL;
	c->n = 0;
}

static void dim_free(struct lf_dim *d)
{
	for (size_t i = 0; i < d->n; i++)
		conj_free(&d->alts[i]);
	free(d->alts);
	d->alts = NULL;
	d->n = 0;
}

static void rule_free(struct lf_rule *r)
{
	conj_free(&r->terms);
	for (size_t i = 0; i < r->n_dims; i++)
		dim_free(&r->dims[i]);
	free(r->dims);
	memset(r, 0, sizeof *r);
}

static void nf_free(struct nf *f)
{
	for (size_t i = 0; i < f->n; i++)
		rule_free(&f->r[i]);
	free(f->r);
	f->r = NULL;
	f->n = 0;
}

static struct lf_term term_copy(struct nctx *c, const struct lf_term *t)
{
	struct lf_term d = *t;
	d.name = xstrdup(t->name);
	c->terms++;
	return d;
}

static struct lf_conj conj_copy(struct nctx *c, const struct lf_conj *s)
{
	struct lf_conj d = {.n = s->n, .terms = alloc_n(s->n, sizeof *s->terms)};
	for (size_t i = 0; i < s->n; i++)
		d.terms[i] = term_copy(c, &s->terms[i]);
	return d;
}

static struct lf_dim dim_copy(struct nctx *c, const struct lf_dim *s)
{
	struct lf_dim d = {.n = s->n, .alts = alloc_n(s->n, sizeof *s->alts)};
	for (size_t i = 0; i < s->n; i++)
		d.alts[i] = conj_copy(c, &s->alts[i]);
	return d;
}

static void rule_add_dim(struct lf_rule *r, struct lf_dim d)
{
	r->dims = grow(r->dims, r->n_dims, sizeof *r->dims);
	r->dims[r->n_dims++] = d;
}

static struct lf_rule rule_copy(struct nctx *c, const struct lf_rule *s)
{
	struct lf_rule d = {.terms = conj_copy(c, &s->terms)};
	for (size_t i = 0; i < s->n_dims; i++)
		rule_add_dim(&d, dim_copy(c, &s->dims[i]));
	return d;
}

static void nf_add(struct nf *f, struct lf_rule r)
{
	f->r = grow(f->r, f->n, sizeof *f->r);
	f->r[f->n++] = r;
}

static bool str_eq(const char *a, const char *b)
{
	return !strcmp(a, b);
}

/* Terms a and b cannot both hold. */
static bool conflict(const struct lf_term *a, const struct lf_term *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case LF_TERM_FIELD: return a->mf == b->mf && ((a->value ^ b->value) & a->mask & b->mask);
	case LF_TERM_STRING:
		if (a->mf != b->mf)
			return false;
		if (!a->neg && !b->neg)
			return !str_eq(a->name, b->name);
		return a->neg != b->neg && str_eq(a->name, b->name);
	case LF_TERM_CHASSIS: return str_eq(a->name, b->name) && a->neg != b->neg;
	}
	return false;
}

/* Term a implies term b. */
static bool implies(const struct lf_term *a, const struct lf_term *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case LF_TERM_FIELD:
		return a->mf == b->mf && !(b->mask & ~a->mask) &&
		       !((a->value ^ b->value) & b->mask);
	case LF_TERM_STRING:
		if (a->mf != b->mf)
			return false;
		if (!b->neg)
			return !a->neg && str_eq(a->name, b->name);
		return a->neg ? str_eq(a->name, b->name) : !str_eq(a->name, b->name);
	case LF_TERM_CHASSIS: return str_eq(a->name, b->name) && a->neg == b->neg;
	}
	return false;
}

/* Add t (owned) to conjunction c. false if it contradicts c (t is freed either way).
 * Field terms on one base field merge into one term; a port name or chassis test already
 * implied is dropped, and one implied by t is replaced. */
static bool conj_add(struct nctx *ctx, struct lf_conj *c, struct lf_term t)
{
	(void)ctx;
	if (t.type == LF_TERM_FIELD) {
		for (size_t i = 0; i < c->n; i++) {
			struct lf_term *e = &c->terms[i];
			if (e->type != LF_TERM_FIELD || e->mf != t.mf)
				continue;
			if (conflict(e, &t))
				return false;
			e->value |= t.value;
			e->mask |= t.mask;
			return true;
		}
	} else {
		for (size_t i = 0; i < c->n; i++) {
			if (conflict(&c->terms[i], &t)) {
				term_free(&t);
				return false;
			}
		}
		for (size_t i = 0; i < c->n; i++) {
			if (implies(&c->terms[i], &t)) {
				term_free(&t);
				return true;
			}
		}
		size_t k = 0;
		for (size_t i = 0; i < c->n; i++) {
			if (implies(&t, &c->terms[i]))
				term_free(&c->terms[i]);
			else
				c->terms[k++] = c->terms[i];
		}
		c->n = k;
	}
	c->terms = grow(c->terms, c->n, sizeof *c->terms);
	c->terms[c->n++] = t;
	return true;
}

static bool conj_merge(struct nctx *ctx, struct lf_conj *c, const struct lf_conj *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (!conj_add(ctx, c, term_copy(ctx, &s->terms[i])))
			return false;
	return true;
}

static bool conj_conflicts(const struct lf_conj *a, const struct lf_conj *b)
{
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			if (conflict(&a->terms[i], &b->terms[j]))
				return true;
	return false;
}

/* Every term of b is implied by some term of a. */
static bool conj_implies(const struct lf_conj *a, const struct lf_conj *b)
{
	for (size_t j = 0; j < b->n; j++) {
		size_t i;
		for (i = 0; i < a->n; i++)
			if (implies(&a->terms[i], &b->terms[j]))
				break;
		if (i == a->n) {
			/* field terms split over several of a's terms cannot happen: a has one
			 * term per base field */
			return false;
		}
	}
	return true;
}

/* ---- leaves ---- */

static struct lf_rule rule_of_term(struct lf_term t)
{
	struct lf_rule r = {0};
	r.terms.terms = grow(NULL, 0, sizeof t);
	r.terms.terms[0] = t;
	r.terms.n = 1;
	return r;
}

/* bits [ofs, ofs+width) of a base field (or the register bank) == value/mask, as terms */
static bool field_terms(struct nctx *c, struct lf_conj *out, enum lf_mf mf, unsigned ofs,
			unsigned width, lf_u128 value, lf_u128 mask)
{
	if (!mask)
		return true;
	if (mf != LF_MF_REGS) {
		struct lf_term t = {
		    .type = LF_TERM_FIELD, .mf = mf, .value = value << ofs, .mask = mask << ofs};
		c->terms++;
		return conj_add(c, out, t);
	}
	for (unsigned w = ofs / 32; w <= (ofs + width - 1) / 32; w++) {
		unsigned wlo = w * 32;
		unsigned from = ofs > wlo ? ofs : wlo; /* bank bit */
		unsigned to = ofs + width < wlo + 32 ? ofs + width : wlo + 32;
		unsigned n = to - from, sh = from - ofs;
		lf_u128 m = (mask >> sh) & lf_u128_ones(n);
		if (!m)
			continue;
		struct lf_term t = {.type = LF_TERM_FIELD,
				    .mf = (enum lf_mf)(LF_MF_REG0 + 15 - w),
				    .value = ((value >> sh) & m) << (from - wlo),
				    .mask = m << (from - wlo)};
		c->terms++;
		if (!conj_add(c, out, t))
			return false;
	}
	return true;
}

static void add_field_rule(struct nctx *c, struct nf *f, const struct lf_expr *e, lf_u128 v,
			   lf_u128 m)
{
	struct lf_rule r = {0};
	if (field_terms(c, &r.terms, e->mf, e->ofs, e->width, v, m))
		nf_add(f, r);
	else
		rule_free(&r);
}

/* The range [lo, hi] of a width-bit field as prefix-aligned blocks. */
static void range_rules(struct nctx *c, struct nf *f, const struct lf_expr *e, lf_u128 lo,
			lf_u128 hi)
{
	while (lo <= hi && !c->overflow) {
		unsigned k = 0; /* largest block 2^k aligned at lo within [lo, hi] */
		while (k < e->width && !(lo & ((lf_u128)1 << k))) {
			lf_u128 end = lo + lf_u128_ones(k + 1);
			if (end > hi || end < lo)
				break;
			k++;
		}
		add_field_rule(c, f, e, lo, lf_u128_ones(e->width) & ~lf_u128_ones(k));
		lf_u128 next = lo + lf_u128_ones(k) + 1;
		if (next <= lo || k >= e->width) /* wrapped: done */
			break;
		lo = next;
	}
}

static struct nf leaf_cmp(struct nctx *c, const struct lf_expr *e)
{
	struct nf f = {0};
	lf_u128 max = lf_u128_ones(e->width), v = e->value & e->mask;
	switch (e->op) {
	case LF_R_EQ: add_field_rule(c, &f, e, v, e->mask); break;
	case LF_R_NE: /* some masked bit differs */
		for (unsigned b = 0; b < e->width; b++) {
			lf_u128 bit = (lf_u128)1 << b;
			if (e->mask & bit)
				add_field_rule(c, &f, e, ~v & bit, bit);
		}
		break;
	case LF_R_LT:
		if (v > 0)
			range_rules(c, &f, e, 0, v - 1);
		break;
	case LF_R_LE: range_rules(c, &f, e, 0, v); break;
	case LF_R_GT:
		if (v < max)
			range_rules(c, &f, e, v + 1, max);
		break;
	case LF_R_GE: range_rules(c, &f, e, v, max); break;
	}
	return f;
}

/* ---- AND / OR ---- */

static struct nf normalize(struct nctx *c, const struct lf_expr *e);

static int term_cmp(const void *pa, const void *pb)
{
	const struct lf_term *a = pa, *b = pb;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->mf != b->mf)
		return a->mf < b->mf ? -1 : 1;
	if (a->type == LF_TERM_FIELD) {
		if (a->value != b->value)
			return a->value < b->value ? -1 : 1;
		return a->mask == b->mask ? 0 : a->mask < b->mask ? -1 : 1;
	}
	int k = strcmp(a->name, b->name);
	return k ? k : (int)a->neg - (int)b->neg;
}

static void conj_sort(struct lf_conj *c)
{
	if (c->n > 1)
		qsort(c->terms, c->n, sizeof *c->terms, term_cmp);
}

static int conj_cmp(const struct lf_conj *a, const struct lf_conj *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (size_t i = 0; i < a->n; i++) {
		int k = term_cmp(&a->terms[i], &b->terms[i]);
		if (k)
			return k;
	}
	return 0;
}

static int rule_cmp(const struct lf_rule *a, const struct lf_rule *b)
{
	int k = conj_cmp(&a->terms, &b->terms);
	if (k)
		return k;
	if (a->n_dims != b->n_dims)
		return a->n_dims < b->n_dims ? -1 : 1;
	for (size_t d = 0; d < a->n_dims; d++) {
		if (a->dims[d].n != b->dims[d].n)
			return a->dims[d].n < b->dims[d].n ? -1 : 1;
		for (size_t i = 0; i < a->dims[d].n; i++) {
			k = conj_cmp(&a->dims[d].alts[i], &b->dims[d].alts[i]);
			if (k)
				return k;
		}
	}
	return 0;
}

/* Removing duplicates while keeping the first occurrences in order: sort indexes. */
struct dd {
	const void *base;
	size_t sz;
	int (*cmp)(const void *, const void *);
};
static __thread const struct dd *dd_cur;

static int dd_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const char *base = dd_cur->base;
	int k = dd_cur->cmp(base + a * dd_cur->sz, base + b * dd_cur->sz);
	return k ? k : (a < b ? -1 : a > b);
}

/* Returns a malloc'ed array of n flags: 1 for an element equal to an earlier one. */
static unsigned char *find_dups(const void *base, size_t n, size_t sz,
				int (*cmp)(const void *, const void *))
{
	size_t *idx = malloc(n * sizeof *idx);
	unsigned char *dup = calloc(n, 1);
	if (!idx || !dup)
		abort();
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	struct dd d = {base, sz, cmp};
	dd_cur = &d;
	qsort(idx, n, sizeof *idx, dd_cmp);
	dd_cur = NULL;
	for (size_t i = 1; i < n; i++)
		if (!cmp((const char *)base + idx[i - 1] * sz, (const char *)base + idx[i] * sz))
			dup[idx[i]] = 1;
	free(idx);
	return dup;
}

static int conj_cmp_v(const void *a, const void *b)
{
	return conj_cmp(a, b);
}

static int rule_cmp_v(const void *a, const void *b)
{
	return rule_cmp(a, b);
}

/* Sort the alternatives' terms and drop repeated alternatives. */
static void dim_dedupe(struct lf_dim *d)
{
	for (size_t i = 0; i < d->n; i++)
		conj_sort(&d->alts[i]);
	if (d->n < 2)
		return;
	unsigned char *dup = find_dups(d->alts, d->n, sizeof *d->alts, conj_cmp_v);
	size_t k = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (dup[i])
			conj_free(&d->alts[i]);
		else
			d->alts[k++] = d->alts[i];
	}
	d->n = k;
	free(dup);
}

/* Finalise one rule into out: fold dimensions decided by the rule's terms, then expand
 * a single dimension, or several whose product is small. Consumes r. */
static void finalize(struct nctx *c, struct lf_rule r, struct nf *out)
{
	for (size_t d = 0; d < r.n_dims; d++)
		dim_dedupe(&r.dims[d]);
	bool changed = true;
	while (changed) {
		changed = false;
		for (size_t d = 0; d < r.n_dims; d++) {
			struct lf_dim *dim = &r.dims[d];
			size_t k = 0;
			bool satisfied = false;
			for (size_t i = 0; i < dim->n; i++) {
				if (conj_conflicts(&r.terms, &dim->alts[i])) {
					conj_free(&dim->alts[i]);
					continue;
				}
				if (conj_implies(&r.terms, &dim->alts[i]))
					satisfied = true;
				dim->alts[k++] = dim->alts[i];
			}
			dim->n = k;
			if (!satisfied && k > 1)
				continue;
			/* decided: drop it (folding its single alternative into the terms) */
			struct lf_dim gone = *dim;
			r.dims[d] = r.dims[--r.n_dims];
			if (k == 0 && !satisfied) {
				dim_free(&gone);
				rule_free(&r);
				return;
			}
			bool ok = satisfied || conj_merge(c, &r.terms, &gone.alts[0]);
			dim_free(&gone);
			if (!ok) {
				rule_free(&r);
				return;
			}
			changed = true;
			break;
		}
	}
	size_t product = 1;
	for (size_t d = 0; d < r.n_dims && product <= c->max_expand; d++)
		product *= r.dims[d].n;
	if (r.n_dims == 0 || (r.n_dims > 1 && product > c->max_expand)) {
		nf_add(out, r);
		return;
	}
	/* expand: odometer over the dimensions */
	size_t *idx = calloc(r.n_dims, sizeof *idx);
	if (!idx)
		abort();
	for (;;) {
		struct lf_rule x = {.terms = conj_copy(c, &r.terms)};
		bool ok = true;
		for (size_t d = 0; d < r.n_dims && ok; d++)
			ok = conj_merge(c, &x.terms, &r.dims[d].alts[idx[d]]);
		if (ok)
			nf_add(out, x);
		else
			rule_free(&x);
		size_t d = 0;
		while (d < r.n_dims && ++idx[d] == r.dims[d].n)
			idx[d++] = 0;
		if (d == r.n_dims)
			break;
	}
	free(idx);
	rule_free(&r);
}

/* acc AND rule s (copied): false if they contradict */
static bool rule_and(struct nctx *c, struct lf_rule *acc, const struct lf_rule *s)
{
	if (!conj_merge(c, &acc->terms, &s->terms))
		return false;
	for (size_t i = 0; i < s->n_dims; i++)
		rule_add_dim(acc, dim_copy(c, &s->dims[i]));
	return true;
}

static struct nf and_of(struct nctx *c, const struct lf_expr *e)
{
	struct nf acc = {0};
	nf_add(&acc, (struct lf_rule){0});
	for (size_t i = 0; i < e->n && acc.n && !c->overflow; i++) {
		struct nf ch = normalize(c, e->sub[i]);
		bool plain = true;
		for (size_t j = 0; j < ch.n && plain; j++)
			plain = ch.r[j].n_dims == 0;
		struct nf next = {0};
		if (ch.n == 1 || (ch.n > 1 && plain)) {
			struct lf_dim dim = {0};
			if (ch.n > 1) { /* the child becomes a dimension */
				dim.n = ch.n;
				dim.alts = alloc_n(ch.n, sizeof *dim.alts);
				for (size_t j = 0; j < ch.n; j++) {
					dim.alts[j] = ch.r[j].terms;
					ch.r[j].terms = (struct lf_conj){0};
				}
			}
			for (size_t a = 0; a < acc.n; a++) {
				struct lf_rule r = acc.r[a];
				acc.r[a] = (struct lf_rule){0};
				bool ok = ch.n == 1 ? rule_and(c, &r, &ch.r[0]) : true;
				if (ok && ch.n > 1)
					rule_add_dim(&r, a + 1 == acc.n ? dim : dim_copy(c, &dim));
				else if (ch.n > 1 && a + 1 == acc.n)
					dim_free(&dim);
				if (ok)
					nf_add(&next, r);
				else
					rule_free(&r);
			}
			if (!acc.n)
				dim_free(&dim);
		} else { /* distribute */
			for (size_t a = 0; a < acc.n && !c->overflow; a++) {
				for (size_t j = 0; j < ch.n; j++) {
					struct lf_rule r = rule_copy(c, &acc.r[a]);
					if (rule_and(c, &r, &ch.r[j]))
						nf_add(&next, r);
					else
						rule_free(&r);
					if (c->terms > LF_MATCH_MAX_TERMS) {
						c->overflow = true;
						break;
					}
				}
			}
		}
		nf_free(&ch);
		nf_free(&acc);
		acc = next;
		if (c->terms > LF_MATCH_MAX_TERMS)
			c->overflow = true;
	}
	struct nf out = {0};
	for (size_t a = 0; a < acc.n; a++) {
		finalize(c, acc.r[a], &out);
		acc.r[a] = (struct lf_rule){0};
	}
	nf_free(&acc);
	return out;
}

static struct nf normalize(struct nctx *c, const struct lf_expr *e)
{
	struct nf f = {0};
	if (c->overflow || c->terms > LF_MATCH_MAX_TERMS) {
		c->overflow = true;
		return f;
	}
	switch (e->type) {
	case LF_E_BOOL:
		if (e->b)
			nf_add(&f, (struct lf_rule){0});
		break;
	case LF_E_CMP: f = leaf_cmp(c, e); break;
	case LF_E_STR: {
		unsigned w = e->ofs / 32;
		struct lf_term t = {.type = LF_TERM_STRING,
				    .mf = (enum lf_mf)(LF_MF_REG0 + 15 - w),
				    .neg = e->op == LF_R_NE,
				    .name = xstrdup(e->s)};
		c->terms++;
		nf_add(&f, rule_of_term(t));
		break;
	}
	case LF_E_CHASSIS: {
		struct lf_term t = {.type = LF_TERM_CHASSIS, .neg = e->neg, .name = xstrdup(e->s)};
		c->terms++;
		nf_add(&f, rule_of_term(t));
		break;
	}
	case LF_E_OR:
		for (size_t i = 0; i < e->n && !c->overflow; i++) {
			struct nf ch = normalize(c, e->sub[i]);
			for (size_t j = 0; j < ch.n; j++)
				nf_add(&f, ch.r[j]);
			free(ch.r);
		}
		break;
	case LF_E_AND: f = and_of(c, e); break;
	}
	return f;
}

int lf_match_normalize(const struct lf_expr *e, const struct lf_norm_opts *opts,
		       struct lf_match *out, char **err)
{
	struct nctx c = {.max_expand = opts ? opts->max_expand : LF_NORM_MAX_EXPAND_DEFAULT};
	struct nf f = normalize(&c, e);
	memset(out, 0, sizeof *out);
	if (err)
		*err = NULL;
	if (c.overflow) {
		nf_free(&f);
		if (err &&
		    asprintf(err, "Match too complex: more than %d terms after normalisation.",
			     LF_MATCH_MAX_TERMS) < 0)
			abort();
		return -1;
	}
	for (size_t i = 0; i < f.n; i++)
		conj_sort(&f.r[i].terms);
	if (f.n > 1) { /* drop repeated rules (keeping the first of each) */
		unsigned char *dup = find_dups(f.r, f.n, sizeof *f.r, rule_cmp_v);
		size_t k = 0;
		for (size_t i = 0; i < f.n; i++) {
			if (dup[i])
				rule_free(&f.r[i]);
			else
				f.r[k++] = f.r[i];
		}
		f.n = k;
		free(dup);
	}
	out->n = f.n;
	out->rules = f.r;
	for (size_t i = 0; i < f.n; i++) {
		struct lf_rule *r = &f.r[i];
		out->n_terms += r->terms.n;
		for (size_t d = 0; d < r->n_dims; d++)
			for (size_t a = 0; a < r->dims[d].n; a++) {
				conj_sort(&r->dims[d].alts[a]);
				out->n_terms += r->dims[d].alts[a].n;
			}
	}
	return 0;
}

int lf_rule_cmp(const struct lf_rule *a, const struct lf_rule *b)
{
	return rule_cmp(a, b);
}

void lf_rule_free(struct lf_rule *r)
{
	rule_free(r);
}

int lf_conj_cmp(const struct lf_conj *a, const struct lf_conj *b)
{
	return conj_cmp(a, b);
}

void lf_conj_free(struct lf_conj *c)
{
	conj_free(c);
}

void lf_match_free(struct lf_match *m)
{
	struct nf f = {.n = m->n, .r = m->rules};
	nf_free(&f);
	memset(m, 0, sizeof *m);
}

int lf_match_compile(const char *text, const struct lf_expr_ctx *ctx,
		     const struct lf_norm_opts *opts, struct lf_match *out, char **err,
		     size_t *err_pos)
{
	memset(out, 0, sizeof *out);
	struct lf_expr *e = lf_expr_parse_string(text, ctx, err, err_pos);
	if (!e)
		return -1;
	int rc = lf_match_normalize(e, opts, out, err);
	if (rc && err_pos)
		*err_pos = 0;
	lf_expr_free(e);
	return rc;
}
