/* SPDX-License-Identifier: Apache-2.0 */
/* OVN logical-flow matches: parsing into an expression tree, and normalising into
 * classifier rules.
 *
 * Parsing (lf_expr_parse*) resolves every identifier through the symbol table (symtab.h),
 * pushes `!' down to the leaves (De Morgan; `!(a == 1)' becomes `a != 1'), expands
 * predicates to their definitions, resolves `$address_set' and `@port_group' through the
 * caller's lookups, and ANDs each field's prerequisites to it (`tcp.dst == 80' becomes
 * `tcp.dst == 80 && ip.proto == 6 && (eth.type == 0x800 || eth.type == 0x86dd)').
 *
 * Normalising (lf_match_normalize) turns the tree into a list of rules. A rule is a
 * conjunction of terms: (base field, value, mask) for integer fields (registers split into
 * their 32-bit words), port names for inport/outport (the engine maps them to keys), and
 * is_chassis_resident() tests, which stay symbolic. `!=' becomes one single-bit term per
 * masked bit, relational operators become prefix-aligned masked ranges.
 *
 * Conjunctive match. `ip4.src == $A && tcp.dst == $B' with |A| = |B| = 1000 has a million
 * disjuncts. Instead a rule also carries dimensions: a dimension is a list of alternatives
 * (each a conjunction of terms) of which at least one must match, as OVS's conjunction()
 * action does. A rule with one dimension is expanded into one rule per alternative (that
 * costs no more than the set); a rule with two or more dimensions is kept as a conjunctive
 * rule unless the product of the dimension sizes is at most opts->max_expand, so memory
 * stays linear in the size of the sets. Terms that contradict make a rule or an
 * alternative vanish; alternatives implied by the rule's terms make their dimension vanish.
 *
 * Errors carry the byte position in the match text and a reason. Nothing here keeps state
 * between calls; it is safe to use from several threads with separate contexts. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lflow/lex.h"
#include "lflow/symtab.h"

/* ---- expression tree ---- */

enum lf_relop { LF_R_EQ, LF_R_NE, LF_R_LT, LF_R_LE, LF_R_GT, LF_R_GE };

enum lf_expr_type {
	LF_E_CMP,     /* integer field (bits of a base field) relop value/mask */
	LF_E_STR,     /* string field (inport/outport) == or != a port name */
	LF_E_CHASSIS, /* is_chassis_resident("port"), maybe negated */
	LF_E_AND,
	LF_E_OR,
	LF_E_BOOL, /* constant true or false */
};

struct lf_expr {
	enum lf_expr_type type;
	enum lf_relop op;	     /* CMP, STR (EQ/NE) */
	const struct lf_symbol *sym; /* CMP, STR: the symbol as written */
	enum lf_mf mf;		     /* CMP, STR: base field (LF_MF_REGS for registers) */
	unsigned ofs, width;	     /* CMP, STR: bits within mf */
	enum lf_fmt fmt;	     /* CMP: how the constant was written */
	lf_u128 value, mask;	     /* CMP: relative to bit ofs (mask within width bits) */
	char *s;		     /* STR, CHASSIS: the port name */
	bool neg;		     /* CHASSIS: !is_chassis_resident(...) */
	bool b;			     /* BOOL */
	size_t n;		     /* AND, OR: children */
	struct lf_expr **sub;
};

/* Caller's lookups for `$name' and `@name'. Each returns 0 and the members (strings owned
 * by the caller, valid until the call returns), or -1 if there is no such set. Address
 * set members are written like match constants ("10.0.0.1", "10.0.0.0/8", "fe80::1",
 * "00:00:00:00:00:01"); port group members are logical port names. Either may be NULL
 * (then every `$'/`@' reference is an error). They are called once per reference, so a
 * caller can record which sets a flow depends on (for incremental recompilation).
 * Template variables (`^name') are expanded before parsing: see lf_template_expand(). */
struct lf_expr_ctx {
	int (*addr_set)(void *arg, const char *name, const char *const **members, size_t *n);
	int (*port_group)(void *arg, const char *name, const char *const **members, size_t *n);
	void *arg;
};

/* Limits against hostile text. */
#define LF_EXPR_MAX_DEPTH  256	   /* nesting of (), !, and predicate expansions */
#define LF_MATCH_MAX_TERMS 4000000 /* terms in one normalised match */

/* Parse a whole match. NULL on error with *err (malloc'ed, caller frees) set to
 * "MESSAGE" and *err_pos to the byte offset; err and err_pos may be NULL. */
struct lf_expr *lf_expr_parse_string(const char *text, const struct lf_expr_ctx *ctx, char **err,
				     size_t *err_pos);
/* Parse a match from a lexer positioned at its first token; stops before the first token
 * that cannot continue it. NULL on error (recorded in the lexer). */
struct lf_expr *lf_expr_parse(struct lf_lexer *lx, const struct lf_expr_ctx *ctx);
void lf_expr_free(struct lf_expr *e);
/* The tree as text (for debugging and tests), e.g. "(ip.proto == 6 && eth.type == 0x800)".
 * Returns a malloc'ed string. */
char *lf_expr_to_string(const struct lf_expr *e);

/* A field reference as written, e.g. `reg0[1..3]', `eth.src', `outport' (for the action
 * parser): the symbol and the bits of it selected. */
struct lf_field_ref {
	const struct lf_symbol *sym;
	unsigned ofs, width; /* within the symbol */
};
/* Parse one, from an identifier token. Predicates are rejected ("expecting field name").
 * false with the error recorded in the lexer. */
bool lf_parse_field(struct lf_lexer *lx, struct lf_field_ref *f);
/* Where the referenced bits live: base field and offset within it. */
static inline enum lf_mf lf_field_ref_mf(const struct lf_field_ref *f)
{
	return f->sym->mf;
}
static inline unsigned lf_field_ref_ofs(const struct lf_field_ref *f)
{
	return f->sym->ofs + f->ofs;
}

/* ---- normalised rules ---- */

enum lf_term_type {
	LF_TERM_FIELD,	 /* (mf, value, mask) */
	LF_TERM_STRING,	 /* mf (a register word) holds the key of port `name' (or not: neg) */
	LF_TERM_CHASSIS, /* is_chassis_resident(name) (or not: neg) */
};

struct lf_term {
	enum lf_term_type type;
	enum lf_mf mf;	     /* FIELD, STRING: a base field, never LF_MF_REGS */
	bool neg;	     /* STRING, CHASSIS */
	lf_u128 value, mask; /* FIELD: within lf_mf_width(mf) bits, value & ~mask == 0 */
	char *name;	     /* STRING, CHASSIS */
};

struct lf_conj { /* a conjunction of terms, sorted by (type, mf, value, name) */
	size_t n;
	struct lf_term *terms;
};

struct lf_dim { /* at least one alternative must match */
	size_t n;
	struct lf_conj *alts;
};

struct lf_rule {
	struct lf_conj terms; /* all must match */
	size_t n_dims;	      /* 0 for a plain rule; otherwise >= 2 */
	struct lf_dim *dims;
};

/* The match holds iff at least one rule matches. No rules: never matches. */
struct lf_match {
	size_t n;
	struct lf_rule *rules;
	size_t n_terms; /* terms in all rules and dimensions (memory measure) */
};

struct lf_norm_opts {
	size_t max_expand; /* expand a multi-dimension rule if the product is <= this */
};
#define LF_NORM_MAX_EXPAND_DEFAULT 64

/* Normalise an expression. 0 on success; -1 with *err set (malloc'ed) when the result
 * would exceed LF_MATCH_MAX_TERMS. opts may be NULL (defaults). */
int lf_match_normalize(const struct lf_expr *e, const struct lf_norm_opts *opts,
		       struct lf_match *out, char **err);
/* Parse and normalise in one go; errors as in lf_expr_parse_string. */
int lf_match_compile(const char *text, const struct lf_expr_ctx *ctx,
		     const struct lf_norm_opts *opts, struct lf_match *out, char **err,
		     size_t *err_pos);
void lf_match_free(struct lf_match *m);
/* The order the normaliser sorts rules by (0: equal rules); free one rule's contents. */
int lf_rule_cmp(const struct lf_rule *a, const struct lf_rule *b);
void lf_rule_free(struct lf_rule *r);
int lf_conj_cmp(const struct lf_conj *a, const struct lf_conj *b);
void lf_conj_free(struct lf_conj *c);

/* Text forms (malloc'ed): a term "ip4.src=10.0.0.0/8", "reg14=\"lsp1\"",
 * "is_chassis_resident(\"cr-lrp\")"; a rule: terms joined by ", ", then each dimension as
 * "conj(ALT | ALT ...)" with an ALT's terms joined by " & "; an empty rule is "1"; a match:
 * one rule per line ("0" for a match with no rules). */
char *lf_term_to_string(const struct lf_term *t);
char *lf_rule_to_string(const struct lf_rule *r);
char *lf_match_to_string(const struct lf_match *m);
