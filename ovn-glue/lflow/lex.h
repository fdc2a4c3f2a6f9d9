/* SPDX-License-Identifier: Apache-2.0 */
/* The lexer of OVN's logical-flow match and action languages (the token set of OVN 23.03).
 *
 * Tokens carry their byte position in the input, so every error can say where it is.
 * Integers are 128-bit values with the format they were written in (decimal, hex, IPv4,
 * IPv6, Ethernet) and, after a '/', a mask: a CIDR prefix length for IPv4/IPv6, or a full
 * mask in the same format as the value (0/0xff is also accepted, as OVN does). Hostile input
 * (truncated strings, numbers that do not fit, bad addresses, invalid bytes) yields an
 * LF_T_ERROR token with a message; the lexer never reads past the terminating NUL. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 128-bit unsigned integer; IPv4 values sit in the low 32 bits, MACs in the low 48,
 * IPv6 addresses use all 128 (network byte order folded into the integer: ::1 == 1). */
__extension__ typedef unsigned __int128 lf_u128;

enum lf_tok {
	LF_T_END, /* end of input */
	/* tokens with data */
	LF_T_ID,	     /* foo, ip4.src, ct_label.label: s */
	LF_T_STRING,	     /* "lsp1": s, unescaped */
	LF_T_INTEGER,	     /* 123, 0x1f, 10.0.0.1, fe80::1, 00:11:22:33:44:55: value, format */
	LF_T_MASKED_INTEGER, /* 10.0.0.0/8, 0/0x3, fe80::/64: value, mask, format */
	LF_T_MACRO,	     /* $addrset: s (without '$') */
	LF_T_PORT_GROUP,     /* @pg: s (without '@') */
	LF_T_TEMPLATE,	     /* ^var (chassis template variable): s (without '^') */
	LF_T_ERROR,	     /* invalid input: s is the message */
	/* bare tokens */
	LF_T_LPAREN,	/* ( */
	LF_T_RPAREN,	/* ) */
	LF_T_LCURLY,	/* { */
	LF_T_RCURLY,	/* } */
	LF_T_LSQUARE,	/* [ */
	LF_T_RSQUARE,	/* ] */
	LF_T_EQ,	/* == */
	LF_T_NE,	/* != */
	LF_T_LT,	/* < */
	LF_T_LE,	/* <= */
	LF_T_GT,	/* > */
	LF_T_GE,	/* >= */
	LF_T_LOG_NOT,	/* ! */
	LF_T_LOG_AND,	/* && */
	LF_T_LOG_OR,	/* || */
	LF_T_ELLIPSIS,	/* .. */
	LF_T_COMMA,	/* , */
	LF_T_SEMICOLON, /* ; */
	LF_T_EQUALS,	/* = */
	LF_T_EXCHANGE,	/* <-> */
	LF_T_ARROW,	/* -> */
	LF_T_DECREMENT, /* -- */
	LF_T_COLON,	/* : */
	LF_T_HYPHEN,	/* - (port ranges in ct_snat/ct_dnat) */
	LF_T_N_TYPES
};

/* How an integer was written (only affects how it is printed back). */
enum lf_fmt {
	LF_F_DECIMAL,
	LF_F_HEX,
	LF_F_IPV4,
	LF_F_IPV6,
	LF_F_ETHERNET,
};

struct lf_token {
	enum lf_tok type;
	enum lf_fmt format; /* INTEGER, MASKED_INTEGER */
	lf_u128 value;	    /* INTEGER, MASKED_INTEGER */
	lf_u128 mask;	    /* MASKED_INTEGER (all ones for INTEGER) */
	char *s;	    /* ID, STRING, MACRO, PORT_GROUP, TEMPLATE, ERROR; owned; else NULL */
	size_t pos;	    /* byte offset of the token's first character in the input */
	size_t len;	    /* bytes the token spans */
};

/* A lexer over a NUL-terminated input that the caller keeps alive while lexing. */
struct lf_lexer {
	const char *input;   /* the whole input */
	const char *next;    /* where the next token starts (after this one) */
	struct lf_token tok; /* the current token (owned) */
	char *error;	     /* first error recorded by the parser or lexer (owned), or NULL */
	size_t error_pos;    /* its byte offset */
};

/* Tokens, one at a time. lf_lexer_init() does not read: call lf_lexer_get() for the first. */
void lf_lexer_init(struct lf_lexer *lx, const char *input);
void lf_lexer_destroy(struct lf_lexer *lx);
enum lf_tok lf_lexer_get(struct lf_lexer *lx);
enum lf_tok lf_lexer_lookahead(const struct lf_lexer *lx); /* type of the token after tok */
/* If the current token is `type` (or the identifier `id`), consume it and return true. */
bool lf_lexer_match(struct lf_lexer *lx, enum lf_tok type);
bool lf_lexer_match_id(struct lf_lexer *lx, const char *id);
bool lf_lexer_is_id(const struct lf_lexer *lx, const char *id);
/* Like match, but records "Syntax error at `X' expecting `Y'." when it does not match. */
bool lf_lexer_force_match(struct lf_lexer *lx, enum lf_tok type);
/* The current token is a plain non-negative decimal integer below 2^31. */
bool lf_lexer_is_int(const struct lf_lexer *lx);
bool lf_lexer_get_int(struct lf_lexer *lx, int *value); /* consume it if lf_lexer_is_int */
bool lf_lexer_force_end(struct lf_lexer *lx);		/* error unless at LF_T_END */

/* Errors. The first one wins (later ones are dropped), at the current token's position.
 * lf_lexer_syntax_error() prefixes "Syntax error at `TOKEN'" (or "at end of input") and,
 * when the token itself is an error token, reports the lexer's message instead. */
void lf_lexer_error(struct lf_lexer *lx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void lf_lexer_syntax_error(struct lf_lexer *lx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void lf_lexer_verror_at(struct lf_lexer *lx, size_t pos, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
bool lf_lexer_failed(const struct lf_lexer *lx);
/* Take the error message (caller frees); NULL if none. */
char *lf_lexer_steal_error(struct lf_lexer *lx);

/* Parse one token from `p` (white space and comments skipped). Returns where the next token
 * starts. tok->pos is relative to `base` (pass p itself if there is no larger input). */
const char *lf_token_parse(struct lf_token *tok, const char *base, const char *p);
void lf_token_destroy(struct lf_token *tok);

/* Chassis template variables (OVN 23.03 Chassis_Template_Var): replace every `^name' token
 * of text by the value lookup() gives for name, before the text is parsed (as
 * ovn-controller does). Everything else is copied unchanged, comments included; lexical
 * errors are left for the parser to report. Returns the new text (caller frees), or NULL
 * with *err (caller frees) and *err_pos set when lookup() returns < 0 for a name. */
typedef int (*lf_template_lookup_fn)(void *arg, const char *name, const char **value);
char *lf_template_expand(const char *text, lf_template_lookup_fn lookup, void *arg, char **err,
			 size_t *err_pos);

/* Printing. Each writes into buf (always NUL-terminated, truncated if needed) and returns
 * buf. lf_tok_name gives the spelling of bare tokens ("==") or a description ("an integer"). */
const char *lf_tok_name(enum lf_tok t);
const char *lf_fmt_name(enum lf_fmt f); /* "decimal", "hexadecimal", "IPv4", "IPv6", "Ethernet" */
char *lf_token_format(const struct lf_token *tok, char *buf, size_t n);
/* A value in a format: 10, 0x1f, 10.0.0.1, fe80::1, 00:11:22:33:44:55. */
char *lf_value_format(lf_u128 v, enum lf_fmt f, char *buf, size_t n);
/* A value and mask: uses the CIDR form when the mask is a prefix of `width` bits
 * (10.0.0.0/8, fe80::/64), else value/mask; width says how many bits the field has. */
char *lf_masked_format(lf_u128 v, lf_u128 m, enum lf_fmt f, unsigned width, char *buf, size_t n);

/* Helpers on 128-bit values. */
static inline lf_u128 lf_u128_ones(unsigned bits) /* low `bits` bits set, 0..128 */
{
	return bits >= 128 ? ~(lf_u128)0 : (((lf_u128)1 << bits) - 1);
}
/* If m (within `width` bits) is a prefix mask (ones from the top), its length; else -1. */
int lf_prefix_len(lf_u128 m, unsigned width);
unsigned lf_popcount128(lf_u128 v);
