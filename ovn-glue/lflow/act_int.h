/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the action compiler: growable buffers, the program builder, the parse
 * context shared by the act_parse_*.c files, and the adapter to the symbol table. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lflow/act.h"
#include "lflow/lex.h"

/* A growable NUL-terminated string. */
struct act_buf {
	char *s;
	size_t len, cap;
};
void act_buf_put(struct act_buf *b, const char *s);
void act_buf_putc(struct act_buf *b, char c);
void act_buf_printf(struct act_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void act_buf_quoted(struct act_buf *b, const char *s); /* "s" with JSON escapes */
void act_buf_free(struct act_buf *b);
char *act_buf_steal(struct act_buf *b); /* "" if empty; caller frees */

/* A list of instructions (one block while it is being parsed). */
struct act_block {
	struct lflow_insn *v;
	uint32_t n, cap;
};

/* The whole program while it is being built: finished blocks are appended to insns, in
 * the order they close (a nested block before the one holding it). */
struct act_builder {
	struct lflow_insn *insns;
	uint32_t n_insns, cap_insns;
	struct lflow_arg *args;
	uint32_t n_args, cap_args;
	struct act_buf strs;
	bool oom;
	struct lflow_insn dummy_insn; /* handed out after an allocation failure */
	struct lflow_arg dummy_arg;
};
/* Append to the current block / operands / string pool; indexes returned. On allocation
 * failure they set b->oom and return 0 (the parse then fails with "out of memory"). */
struct lflow_insn *act_block_add(struct act_builder *b, struct act_block *blk, enum lflow_op op);
struct lflow_arg *act_arg_add(struct act_builder *b, struct lflow_insn *insn,
			      enum lflow_arg_kind kind);
uint32_t act_str_add(struct act_builder *b, const char *s);
/* Move a finished block into the program; returns its first index. */
uint32_t act_block_commit(struct act_builder *b, struct act_block *blk);
/* The program as one allocation. */
struct lflow_prog *act_builder_finish(struct act_builder *b, uint32_t top, uint32_t n_top,
				      const char *prereqs);
void act_builder_destroy(struct act_builder *b);

/* Write scopes: where a field may be assigned (OVN's rw flags). */
#define ACT_WR_DEFAULT	 0x1
#define ACT_WR_CT_COMMIT 0x2

/* Prerequisites collected while parsing: distinct expression strings. */
struct act_prereqs {
	char **v;
	size_t n, cap;
};
void act_prereqs_add(struct act_prereqs *p, const char *expr);
void act_prereqs_merge(struct act_prereqs *dst, struct act_prereqs *src); /* empties src */
void act_prereqs_clear(struct act_prereqs *p);
char *act_prereqs_join(const struct act_prereqs *p); /* "a && b", or NULL if none */

struct act_ctx {
	struct lf_lexer *lx;
	const struct lflow_act_params *pp;
	struct act_builder *b;
	struct act_block *blk; /* the block being parsed */
	struct act_prereqs prereqs;
	int depth;
	unsigned scope; /* ACT_WR_* */
	/* where the last fields parsed start, so errors about them point at them */
	struct lflow_fref recent[2];
	size_t recent_pos[2];
	unsigned n_recent;
};
/* Where field f starts in the input, if it is one of the last two fields parsed (else the
 * current token's position). */
size_t act_field_pos(const struct act_ctx *c, const struct lflow_fref *f);
/* Records an error at byte offset pos. */
void act_error_at(struct act_ctx *c, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Symbols (lflow/symtab.h) by id: the id is the symbol's index in lf_symtab_at(). */
const struct lf_symbol *act_sym(uint16_t id);
int act_sym_id(const struct lf_symbol *sym); /* -1 if not in the table */
/* Parses a field at the current token (`reg0`, `reg0[3]`, `xxreg0[10..20]`,
 * `ct_label.blocked`) and adds its prerequisites. False with an error recorded if the
 * token is not a field (predicates, unknown names, bad subscripts). */
bool act_field_parse(struct act_ctx *c, struct lflow_fref *f);
/* The field must be n_bits wide (0: a string field) and, if rw, writable in c's scope. */
bool act_check_field(struct act_ctx *c, const struct lflow_fref *f, unsigned n_bits, bool rw);
/* act_field_parse + act_check_field(n_bits, read-only use). */
bool act_parse_field_arg(struct act_ctx *c, unsigned n_bits, struct lflow_fref *f);
/* A decimal integer token in [0, max]; "Syntax error at ... expecting <what>." otherwise. */
bool act_parse_uint(struct act_ctx *c, uint64_t max, const char *what, uint64_t *v);
/* The text of a field reference: name, name[b] or name[lo..hi]. */
void act_format_field(struct act_buf *b, const struct lflow_fref *f);
/* Width of a field reference's symbol (0 for strings). */
unsigned act_field_sym_width(const struct lflow_fref *f);

/* Parses a nested `{ actions }` block into a new instruction of type op. prereq: what the
 * action requires of the outer match (NULL: the inner block's prerequisites carry over). */
void act_parse_nested(struct act_ctx *c, enum lflow_op op, const char *prereq, unsigned scope);
/* Parses actions up to (and including) the sentinel token. */
void act_parse_actions(struct act_ctx *c, enum lf_tok sentinel);

/* The families (act_parse_<family>.c). act_parse_<family>() is called with an identifier
 * that is not followed by `=`, `<->` or `[`; it returns true if the keyword is its own (and
 * parsed it, possibly recording an error), false if not. act_<family>_result() is called
 * for `dst = NAME(` with the current token NAME; it returns false if NAME is not its own. */
bool act_parse_basic(struct act_ctx *c);
bool act_parse_pktgen(struct act_ctx *c);
bool act_parse_ct(struct act_ctx *c);
bool act_parse_lookup(struct act_ctx *c);
bool act_parse_service(struct act_ctx *c);
bool act_ct_result(struct act_ctx *c, const struct lflow_fref *dst);
bool act_lookup_result(struct act_ctx *c, const struct lflow_fref *dst);
bool act_service_result(struct act_ctx *c, const struct lflow_fref *dst);
/* `dst = NAME()` actions that take no parameters and set a 1-bit flag (the current token
 * is NAME, followed by `(`). */
void act_parse_result(struct act_ctx *c, const struct lflow_fref *dst, enum lflow_op op,
		      const char *prereq);
/* `dst = constant`, `dst = src`, `dst <-> src` (act_parse_basic.c). */
void act_parse_assignment(struct act_ctx *c, const struct lflow_fref *dst, bool exchange);
void act_parse_load(struct act_ctx *c, const struct lflow_fref *dst);
/* A constant or {set} of constants as operands of insn (OPT values); returns count or -1.
 * *braced tells whether it was written in {}; *is_str whether the values are strings. */
int act_parse_const_set(struct act_ctx *c, struct lflow_insn *insn, bool *braced, bool *is_str);
/* `name = value, ...)` option lists of put_*_opts and trigger_event, up to the `)`. */
bool act_parse_opts(struct act_ctx *c, struct lflow_insn *insn, enum lflow_opt_table t,
		    const char *what);

/* Printing (act_print.c). */
void act_print_block(struct act_buf *b, const struct lflow_prog *p, uint32_t first, uint32_t n);
/* One instruction (with its nested block, if any) as action text. */
void act_print_insn(struct act_buf *b, const struct lflow_prog *p, const struct lflow_insn *in);
void act_print_const(struct act_buf *b, const struct lflow_arg *a, unsigned width);
