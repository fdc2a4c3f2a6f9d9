/* SPDX-License-Identifier: Apache-2.0 */
/* Text forms of normalised matches (see expr.h). */
#include "lflow/expr.h"
#include "lflow/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void term_print(struct sbuf *b, const struct lf_term *t)
{
	char v[128];
	switch (t->type) {
	case LF_TERM_FIELD: {
		unsigned w = lf_mf_width(t->mf);
		enum lf_fmt f = lf_mf_format(t->mf);
		if (t->mask == lf_u128_ones(w))
			lf_value_format(t->value, f, v, sizeof v);
		else
			lf_masked_format(t->value, t->mask, f, w, v, sizeof v);
		sb_add(b, "%s=%s", lf_mf_name(t->mf), v);
		break;
	}
	case LF_TERM_STRING:
		sb_add(b, "%s%s\"%s\"", lf_mf_name(t->mf), t->neg ? "!=" : "=", t->name);
		break;
	case LF_TERM_CHASSIS:
		sb_add(b, "%sis_chassis_resident(\"%s\")", t->neg ? "!" : "", t->name);
		break;
	}
}

static void conj_print(struct sbuf *b, const struct lf_conj *c, const char *sep)
{
	for (size_t i = 0; i < c->n; i++) {
		if (i)
			sb_add(b, "%s", sep);
		term_print(b, &c->terms[i]);
	}
}

static void rule_print(struct sbuf *b, const struct lf_rule *r)
{
	if (!r->terms.n && !r->n_dims) {
		sb_add(b, "1");
		return;
	}
	conj_print(b, &r->terms, ", ");
	for (size_t d = 0; d < r->n_dims; d++) {
		sb_add(b, "%sconj(", d || r->terms.n ? ", " : "");
		for (size_t a = 0; a < r->dims[d].n; a++) {
			if (a)
				sb_add(b, " | ");
			conj_print(b, &r->dims[d].alts[a], " & ");
		}
		sb_add(b, ")");
	}
}

char *lf_term_to_string(const struct lf_term *t)
{
	struct sbuf b = {0};
	sb_add(&b, "%s", "");
	term_print(&b, t);
	return b.s;
}

char *lf_rule_to_string(const struct lf_rule *r)
{
	struct sbuf b = {0};
	sb_add(&b, "%s", "");
	rule_print(&b, r);
	return b.s;
}

char *lf_match_to_string(const struct lf_match *m)
{
	struct sbuf b = {0};
	sb_add(&b, "%s", "");
	if (!m->n)
		sb_add(&b, "0");
	for (size_t i = 0; i < m->n; i++) {
		if (i)
			sb_add(&b, "\n");
		rule_print(&b, &m->rules[i]);
	}
	return b.s;
}
