/* SPDX-License-Identifier: Apache-2.0 */
/* The OVN logical-flow lexer (see lex.h). */
#include "lflow/lex.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *xstrndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d)
		abort();
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char *xvasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

static void tok_error(struct lf_token *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void tok_error(struct lf_token *t, const char *fmt, ...)
{
	va_list ap;
	free(t->s);
	t->type = LF_T_ERROR;
	va_start(ap, fmt);
	t->s = xvasprintf(fmt, ap);
	va_end(ap);
}

void lf_token_destroy(struct lf_token *tok)
{
	free(tok->s);
	memset(tok, 0, sizeof *tok);
}

unsigned lf_popcount128(lf_u128 v)
{
	return (unsigned)__builtin_popcountll((uint64_t)v) +
	       (unsigned)__builtin_popcountll((uint64_t)(v >> 64));
}

int lf_prefix_len(lf_u128 m, unsigned width)
{
	lf_u128 all = lf_u128_ones(width);
	m &= all;
	unsigned n = lf_popcount128(m);
	lf_u128 want = all & ~lf_u128_ones(width - n);
	return m == want ? (int)n : -1;
}

static int hexit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool parse_mac(const char *s, size_t len, lf_u128 *out)
{
	lf_u128 v = 0;
	if (len != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int h = hexit(s[3 * i]), l = hexit(s[3 * i + 1]);
		if (h < 0 || l < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return false;
		v = (v << 8) | (lf_u128)(h * 16 + l);
	}
	*out = v;
	return true;
}

/* One integer without a mask, from `p` spanning `len` bytes. */
static void parse_int_body(struct lf_token *t, const char *p, size_t len)
{
	t->type = LF_T_INTEGER;
	t->value = 0;
	t->mask = ~(lf_u128)0;
	if (len == 0) {
		tok_error(t, "Integer constant expected.");
	} else if (parse_mac(p, len, &t->value)) {
		t->format = LF_F_ETHERNET;
	} else if (strspn(p, "0123456789") >= len) {
		if (p[0] == '0' && len > 1) {
			tok_error(t, "Decimal constants must not have leading zeros.");
			return;
		}
		uint64_t v = 0;
		for (size_t i = 0; i < len; i++) {
			unsigned d = (unsigned)(p[i] - '0');
			if (v > (UINT64_MAX - d) / 10) {
				tok_error(t, "Decimal constants must be less than 2**64.");
				return;
			}
			v = v * 10 + d;
		}
		t->value = v;
		t->format = LF_F_DECIMAL;
	} else if (len >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		if (len == 2) {
			tok_error(t, "Hex digits expected following 0%c.", p[1]);
			return;
		}
		lf_u128 v = 0;
		for (size_t i = 2; i < len; i++) {
			int h = hexit(p[i]);
			if (h < 0) {
				tok_error(t, "Invalid syntax in hexadecimal constant.");
				return;
			}
			if (v >> 124) {
				tok_error(t, "Hexadecimal constant requires more than 128 bits.");
				return;
			}
			v = (v << 4) | (lf_u128)h;
		}
		t->value = v;
		t->format = LF_F_HEX;
	} else if (len < INET6_ADDRSTRLEN) {
		char copy[INET6_ADDRSTRLEN];
		unsigned char a[16];
		memcpy(copy, p, len);
		copy[len] = '\0';
		if (inet_pton(AF_INET, copy, a) == 1) {
			t->value = ((lf_u128)a[0] << 24) | ((lf_u128)a[1] << 16) |
				   ((lf_u128)a[2] << 8) | a[3];
			t->format = LF_F_IPV4;
		} else if (inet_pton(AF_INET6, copy, a) == 1) {
			lf_u128 v = 0;
			for (int i = 0; i < 16; i++)
				v = (v << 8) | a[i];
			t->value = v;
			t->format = LF_F_IPV6;
		} else {
			tok_error(t, "Invalid numeric constant `%s'.", copy);
		}
	} else {
		tok_error(t, "Invalid numeric constant (too long).");
	}
}

/* The extent of an integer-like token: alphanumerics, dots (but not "..", which is the
 * ellipsis of 1..2) and colons (but not a colon after a dot: 1.2.3.4:80 is three tokens,
 * while ::ffff:1.2.3.4 is one). */
static size_t int_extent(const char *p)
{
	const char *e = p;
	bool dot = false;
	while (isalnum((unsigned char)*e) || (*e == ':' && !dot) || (*e == '.' && e[1] != '.')) {
		if (*e == '.')
			dot = true;
		e++;
	}
	return (size_t)(e - p);
}

static const char *parse_integer(struct lf_token *t, const char *p)
{
	size_t len = int_extent(p);
	parse_int_body(t, p, len);
	p += len;
	if (t->type != LF_T_INTEGER || *p != '/')
		return p;

	struct lf_token m = {0};
	size_t mlen = int_extent(p + 1);
	parse_int_body(&m, p + 1, mlen);
	p += 1 + mlen;
	if (m.type == LF_T_ERROR) {
		tok_error(t, "%s", m.s);
		lf_token_destroy(&m);
		return p;
	}
	t->type = LF_T_MASKED_INTEGER; /* m has no string: nothing to free */
	if (t->format == m.format) {
		t->mask = m.value;
	} else if (t->format == LF_F_IPV4 && m.format == LF_F_DECIMAL && m.value <= 32) {
		t->mask = lf_u128_ones(32) & ~lf_u128_ones(32 - (unsigned)m.value);
	} else if (t->format == LF_F_IPV6 && m.format == LF_F_DECIMAL && m.value <= 128) {
		t->mask = ~lf_u128_ones(128 - (unsigned)m.value);
	} else if (t->format == LF_F_DECIMAL && m.format == LF_F_HEX && t->value == 0) {
		t->format = LF_F_HEX;
		t->mask = m.value;
	} else if ((t->format == LF_F_IPV4 || t->format == LF_F_IPV6) && m.format == LF_F_DECIMAL) {
		tok_error(t, "Invalid prefix length %llu for an %s address.",
			  (unsigned long long)m.value, lf_fmt_name(t->format));
		return p;
	} else {
		tok_error(t, "Value and mask have incompatible formats (%s and %s).",
			  lf_fmt_name(t->format), lf_fmt_name(m.format));
		return p;
	}
	if (t->value & ~t->mask)
		tok_error(t, "Value contains unmasked 1-bits.");
	return p;
}

static void put_utf8(char **o, uint32_t c)
{
	char *d = *o;
	if (c < 0x80) {
		*d++ = (char)c;
	} else if (c < 0x800) {
		*d++ = (char)(0xc0 | (c >> 6));
		*d++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*d++ = (char)(0xe0 | (c >> 12));
		*d++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*d++ = (char)(0x80 | (c & 0x3f));
	} else {
		*d++ = (char)(0xf0 | (c >> 18));
		*d++ = (char)(0x80 | ((c >> 12) & 0x3f));
		*d++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*d++ = (char)(0x80 | (c & 0x3f));
	}
	*o = d;
}

static int read_u4(const char *p, uint32_t *c)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexit(p[i]); /* stops at NUL: hexit('\0') < 0 */
		if (h < 0)
			return -1;
		v = v * 16 + (uint32_t)h;
	}
	*c = v;
	return 0;
}

/* A quoted string with JSON escapes (\" \\ \/ \b \f \n \r \t \uXXXX). */
static const char *parse_string(struct lf_token *t, const char *p)
{
	const char *start = ++p;
	while (*p != '"') {
		if (*p == '\0') {
			tok_error(t, "Input ends inside quoted string.");
			return p;
		}
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	/* unescaped text is never longer than the escaped text */
	char *out = malloc((size_t)(p - start) + 1), *o = out;
	if (!out)
		abort();
	for (const char *s = start; s < p; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		s++;
		switch (*s) {
		case '"':
		case '\\':
		case '/': *o++ = *s; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			uint32_t c, c2;
			if (read_u4(s + 1, &c) < 0) {
				free(out);
				tok_error(t, "Malformed \\u escape in string.");
				return p + 1;
			}
			s += 4;
			if (c >= 0xd800 && c < 0xdc00) {
				if (s[1] != '\\' || s[2] != 'u' || read_u4(s + 3, &c2) < 0 ||
				    c2 < 0xdc00 || c2 >= 0xe000) {
					free(out);
					tok_error(t, "Invalid UTF-16 surrogate pair in string.");
					return p + 1;
				}
				s += 6;
				c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
			} else if ((c >= 0xdc00 && c < 0xe000) || c == 0) {
				free(out);
				tok_error(t, "Invalid \\u%04x escape in string.", c);
				return p + 1;
			}
			put_utf8(&o, c);
			break;
		}
		default:
			free(out);
			if (isprint((unsigned char)*s))
				tok_error(t, "Invalid escape `\\%c' in string.", *s);
			else
				tok_error(t, "Invalid escape in string.");
			return p + 1;
		}
	}
	*o = '\0';
	t->type = LF_T_STRING;
	t->s = out;
	return p + 1;
}

static bool is_id1(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}

static bool is_idn(unsigned char c)
{
	return is_id1(c) || (c >= '0' && c <= '9');
}

static const char *parse_id(struct lf_token *t, const char *p, enum lf_tok type)
{
	const char *s = p;
	while (is_idn((unsigned char)*p))
		p++;
	t->type = type;
	t->s = xstrndup(s, (size_t)(p - s));
	return p;
}

static const char *parse_sigil(struct lf_token *t, const char *p, enum lf_tok type)
{
	char c = *p++;
	if (!is_id1((unsigned char)*p)) {
		tok_error(t, "`%c' must be followed by a valid identifier.", c);
		return p;
	}
	return parse_id(t, p, type);
}

static const char *bare(struct lf_token *t, const char *p, enum lf_tok type, size_t n)
{
	t->type = type;
	return p + n;
}

const char *lf_token_parse(struct lf_token *t, const char *base, const char *p)
{
	memset(t, 0, sizeof *t);
	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' ||
		    *p == '\f') {
			p++;
		} else if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *c = p;
			p += 2;
			while (*p && !(p[0] == '*' && p[1] == '/'))
				p++;
			if (!*p) {
				t->pos = (size_t)(c - base);
				t->len = (size_t)(p - c);
				tok_error(t, "`/*' without matching `*/'.");
				return p;
			}
			p += 2;
		} else {
			break;
		}
	}
	const char *s = p;
	t->pos = (size_t)(p - base);
	switch (*p) {
	case '\0': t->type = LF_T_END; break;
	case '(': p = bare(t, p, LF_T_LPAREN, 1); break;
	case ')': p = bare(t, p, LF_T_RPAREN, 1); break;
	case '{': p = bare(t, p, LF_T_LCURLY, 1); break;
	case '}': p = bare(t, p, LF_T_RCURLY, 1); break;
	case '[': p = bare(t, p, LF_T_LSQUARE, 1); break;
	case ']': p = bare(t, p, LF_T_RSQUARE, 1); break;
	case ',': p = bare(t, p, LF_T_COMMA, 1); break;
	case ';': p = bare(t, p, LF_T_SEMICOLON, 1); break;
	case '=': p = p[1] == '=' ? bare(t, p, LF_T_EQ, 2) : bare(t, p, LF_T_EQUALS, 1); break;
	case '!': p = p[1] == '=' ? bare(t, p, LF_T_NE, 2) : bare(t, p, LF_T_LOG_NOT, 1); break;
	case '>': p = p[1] == '=' ? bare(t, p, LF_T_GE, 2) : bare(t, p, LF_T_GT, 1); break;
	case '<':
		if (p[1] == '=')
			p = bare(t, p, LF_T_LE, 2);
		else if (p[1] == '-' && p[2] == '>')
			p = bare(t, p, LF_T_EXCHANGE, 3);
		else
			p = bare(t, p, LF_T_LT, 1);
		break;
	case '-':
		if (p[1] == '-')
			p = bare(t, p, LF_T_DECREMENT, 2);
		else if (p[1] == '>')
			p = bare(t, p, LF_T_ARROW, 2);
		else
			p = bare(t, p, LF_T_HYPHEN, 1);
		break;
	case '&':
		if (p[1] == '&') {
			p = bare(t, p, LF_T_LOG_AND, 2);
		} else {
			tok_error(t, "`&' is only valid as part of `&&'.");
			p++;
		}
		break;
	case '|':
		if (p[1] == '|') {
			p = bare(t, p, LF_T_LOG_OR, 2);
		} else {
			tok_error(t, "`|' is only valid as part of `||'.");
			p++;
		}
		break;
	case '.':
		if (p[1] == '.') {
			p = bare(t, p, LF_T_ELLIPSIS, 2);
		} else {
			tok_error(t, "`.' is only valid as part of `..' or a number.");
			p++;
		}
		break;
	case '/':
		tok_error(t, "`/' is only valid as part of `//' or `/*' (or after a number).");
		p++;
		break;
	case '$': p = parse_sigil(t, p, LF_T_MACRO); break;
	case '@': p = parse_sigil(t, p, LF_T_PORT_GROUP); break;
	case '^': p = parse_sigil(t, p, LF_T_TEMPLATE); break;
	case '"': p = parse_string(t, p); break;
	case ':':
		if (p[1] != ':') {
			p = bare(t, p, LF_T_COLON, 1);
			break;
		}
		p = parse_integer(t, p); /* IPv6 address starting with "::" */
		break;
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9': p = parse_integer(t, p); break;
	case 'a':
	case 'b':
	case 'c':
	case 'd':
	case 'e':
	case 'f':
	case 'A':
	case 'B':
	case 'C':
	case 'D':
	case 'E':
	case 'F':
		/* A MAC or IPv6 address starting with a letter has hex digits then a colon;
		 * an identifier never does. */
		if (p[strspn(p, "0123456789abcdefABCDEF")] == ':')
			p = parse_integer(t, p);
		else
			p = parse_id(t, p, LF_T_ID);
		break;
	default:
		if (is_id1((unsigned char)*p)) {
			p = parse_id(t, p, LF_T_ID);
		} else {
			if (isprint((unsigned char)*p))
				tok_error(t, "Invalid character `%c' in input.", *p);
			else
				tok_error(t, "Invalid byte 0x%02x in input.", (unsigned char)*p);
			p++;
		}
		break;
	}
	t->len = (size_t)(p - s);
	return p;
}

void lf_lexer_init(struct lf_lexer *lx, const char *input)
{
	memset(lx, 0, sizeof *lx);
	lx->input = input;
	lx->next = input;
	lx->tok.type = LF_T_END;
}

void lf_lexer_destroy(struct lf_lexer *lx)
{
	lf_token_destroy(&lx->tok);
	free(lx->error);
	lx->error = NULL;
}

enum lf_tok lf_lexer_get(struct lf_lexer *lx)
{
	lf_token_destroy(&lx->tok);
	lx->next = lf_token_parse(&lx->tok, lx->input, lx->next);
	return lx->tok.type;
}

enum lf_tok lf_lexer_lookahead(const struct lf_lexer *lx)
{
	struct lf_token t;
	lf_token_parse(&t, lx->input, lx->next);
	enum lf_tok type = t.type;
	lf_token_destroy(&t);
	return type;
}

bool lf_lexer_match(struct lf_lexer *lx, enum lf_tok type)
{
	if (lx->tok.type != type)
		return false;
	lf_lexer_get(lx);
	return true;
}

bool lf_lexer_is_id(const struct lf_lexer *lx, const char *id)
{
	return lx->tok.type == LF_T_ID && !strcmp(lx->tok.s, id);
}

bool lf_lexer_match_id(struct lf_lexer *lx, const char *id)
{
	if (!lf_lexer_is_id(lx, id))
		return false;
	lf_lexer_get(lx);
	return true;
}

bool lf_lexer_force_match(struct lf_lexer *lx, enum lf_tok type)
{
	if (type == LF_T_END)
		return lf_lexer_force_end(lx);
	if (lf_lexer_match(lx, type))
		return true;
	lf_lexer_syntax_error(lx, "expecting `%s'", lf_tok_name(type));
	return false;
}

bool lf_lexer_is_int(const struct lf_lexer *lx)
{
	return lx->tok.type == LF_T_INTEGER && lx->tok.format == LF_F_DECIMAL &&
	       lx->tok.value < ((lf_u128)1 << 31);
}

bool lf_lexer_get_int(struct lf_lexer *lx, int *value)
{
	if (!lf_lexer_is_int(lx))
		return false;
	*value = (int)lx->tok.value;
	lf_lexer_get(lx);
	return true;
}

bool lf_lexer_force_end(struct lf_lexer *lx)
{
	if (lx->tok.type == LF_T_END)
		return true;
	lf_lexer_syntax_error(lx, "expecting end of input");
	return false;
}

void lf_lexer_verror_at(struct lf_lexer *lx, size_t pos, const char *fmt, va_list ap)
{
	if (lx->error)
		return;
	lx->error = xvasprintf(fmt, ap);
	lx->error_pos = pos;
}

void lf_lexer_error(struct lf_lexer *lx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lf_lexer_verror_at(lx, lx->tok.pos, fmt, ap);
	va_end(ap);
}

static void error_at(struct lf_lexer *lx, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void error_at(struct lf_lexer *lx, size_t pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lf_lexer_verror_at(lx, pos, fmt, ap);
	va_end(ap);
}

void lf_lexer_syntax_error(struct lf_lexer *lx, const char *fmt, ...)
{
	if (lx->error)
		return;
	if (lx->tok.type == LF_T_ERROR) {
		error_at(lx, lx->tok.pos, "%s", lx->tok.s);
		return;
	}
	char tb[128], *msg = NULL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		msg = xvasprintf(fmt, ap);
		va_end(ap);
	}
	if (lx->tok.type == LF_T_END)
		error_at(lx, lx->tok.pos, "Syntax error at end of input%s%s.", msg ? " " : "",
			 msg ? msg : "");
	else
		error_at(lx, lx->tok.pos, "Syntax error at `%s'%s%s.",
			 lf_token_format(&lx->tok, tb, sizeof tb), msg ? " " : "", msg ? msg : "");
	free(msg);
}

bool lf_lexer_failed(const struct lf_lexer *lx)
{
	return lx->error != NULL;
}

char *lf_lexer_steal_error(struct lf_lexer *lx)
{
	char *e = lx->error;
	lx->error = NULL;
	return e;
}

static const char *const tok_names[LF_T_N_TYPES] = {
    [LF_T_END] = "end of input",
    [LF_T_ID] = "an identifier",
    [LF_T_STRING] = "a quoted string",
    [LF_T_INTEGER] = "an integer",
    [LF_T_MASKED_INTEGER] = "a masked integer",
    [LF_T_MACRO] = "an address set",
    [LF_T_PORT_GROUP] = "a port group",
    [LF_T_TEMPLATE] = "a template variable",
    [LF_T_ERROR] = "an error",
    [LF_T_LPAREN] = "(",
    [LF_T_RPAREN] = ")",
    [LF_T_LCURLY] = "{",
    [LF_T_RCURLY] = "}",
    [LF_T_LSQUARE] = "[",
    [LF_T_RSQUARE] = "]",
    [LF_T_EQ] = "==",
    [LF_T_NE] = "!=",
    [LF_T_LT] = "<",
    [LF_T_LE] = "<=",
    [LF_T_GT] = ">",
    [LF_T_GE] = ">=",
    [LF_T_LOG_NOT] = "!",
    [LF_T_LOG_AND] = "&&",
    [LF_T_LOG_OR] = "||",
    [LF_T_ELLIPSIS] = "..",
    [LF_T_COMMA] = ",",
    [LF_T_SEMICOLON] = ";",
    [LF_T_EQUALS] = "=",
    [LF_T_EXCHANGE] = "<->",
    [LF_T_ARROW] = "->",
    [LF_T_DECREMENT] = "--",
    [LF_T_COLON] = ":",
    [LF_T_HYPHEN] = "-",
};

const char *lf_tok_name(enum lf_tok t)
{
	return (unsigned)t < LF_T_N_TYPES && tok_names[t] ? tok_names[t] : "?";
}

const char *lf_fmt_name(enum lf_fmt f)
{
	switch (f) {
	case LF_F_DECIMAL: return "decimal";
	case LF_F_HEX: return "hexadecimal";
	case LF_F_IPV4: return "IPv4";
	case LF_F_IPV6: return "IPv6";
	case LF_F_ETHERNET: return "Ethernet";
	}
	return "?";
}

static void hex128(lf_u128 v, char *buf, size_t n)
{
	uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
	if (hi)
		snprintf(buf, n, "0x%llx%016llx", (unsigned long long)hi, (unsigned long long)lo);
	else
		snprintf(buf, n, "0x%llx", (unsigned long long)lo);
}

char *lf_value_format(lf_u128 v, enum lf_fmt f, char *buf, size_t n)
{
	if (!n)
		return buf;
	switch (f) {
	case LF_F_DECIMAL:
		if (v >> 64)
			hex128(v, buf, n);
		else
			snprintf(buf, n, "%llu", (unsigned long long)v);
		break;
	case LF_F_IPV4:
		if (v >> 32) {
			hex128(v, buf, n);
			break;
		}
		snprintf(buf, n, "%u.%u.%u.%u", (unsigned)(v >> 24) & 255,
			 (unsigned)(v >> 16) & 255, (unsigned)(v >> 8) & 255, (unsigned)v & 255);
		break;
	case LF_F_IPV6: {
		unsigned char a[16];
		char s[INET6_ADDRSTRLEN];
		for (int i = 15; i >= 0; i--, v >>= 8)
			a[i] = (unsigned char)v;
		inet_ntop(AF_INET6, a, s, sizeof s);
		snprintf(buf, n, "%s", s);
		break;
	}
	case LF_F_ETHERNET:
		if (v >> 48) {
			hex128(v, buf, n);
			break;
		}
		snprintf(buf, n, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(v >> 40) & 255,
			 (unsigned)(v >> 32) & 255, (unsigned)(v >> 24) & 255,
			 (unsigned)(v >> 16) & 255, (unsigned)(v >> 8) & 255, (unsigned)v & 255);
		break;
	case LF_F_HEX:
	default: hex128(v, buf, n); break;
	}
	return buf;
}

char *lf_masked_format(lf_u128 v, lf_u128 m, enum lf_fmt f, unsigned width, char *buf, size_t n)
{
	char a[64], b[64];
	int plen = lf_prefix_len(m, width);
	lf_value_format(v, f, a, sizeof a);
	if (plen >= 0 && (f == LF_F_IPV4 || f == LF_F_IPV6))
		snprintf(buf, n, "%s/%d", a, plen);
	else
		snprintf(buf, n, "%s/%s", a,
			 lf_value_format(m, f == LF_F_DECIMAL ? LF_F_HEX : f, b, sizeof b));
	return buf;
}

char *lf_token_format(const struct lf_token *t, char *buf, size_t n)
{
	switch (t->type) {
	case LF_T_ID: snprintf(buf, n, "%s", t->s); break;
	case LF_T_STRING: {
		/* re-escape " and \ and control bytes */
		size_t o = 0;
		if (n < 3) {
			if (n)
				buf[0] = '\0';
			break;
		}
		buf[o++] = '"';
		for (const char *s = t->s; *s && o + 7 < n; s++) {
			unsigned char c = (unsigned char)*s;
			if (c == '"' || c == '\\') {
				buf[o++] = '\\';
				buf[o++] = (char)c;
			} else if (c < 0x20) {
				o += (size_t)snprintf(buf + o, n - o, "\\u%04x", c);
			} else {
				buf[o++] = (char)c;
			}
		}
		buf[o++] = '"';
		buf[o] = '\0';
		break;
	}
	case LF_T_INTEGER: lf_value_format(t->value, t->format, buf, n); break;
	case LF_T_MASKED_INTEGER: {
		unsigned w = t->format == LF_F_IPV4 ? 32 : t->format == LF_F_ETHERNET ? 48 : 128;
		lf_masked_format(t->value, t->mask, t->format, w, buf, n);
		break;
	}
	case LF_T_MACRO: snprintf(buf, n, "$%s", t->s); break;
	case LF_T_PORT_GROUP: snprintf(buf, n, "@%s", t->s); break;
	case LF_T_TEMPLATE: snprintf(buf, n, "^%s", t->s); break;
	case LF_T_ERROR: snprintf(buf, n, "error(%s)", t->s); break;
	default: snprintf(buf, n, "%s", lf_tok_name(t->type)); break;
	}
	return buf;
}

char *lf_template_expand(const char *text, lf_template_lookup_fn lookup, void *arg, char **err,
			 size_t *err_pos)
{
	size_t cap = strlen(text) + 64, n = 0, done = 0;
	char *out = malloc(cap);
	if (!out)
		abort();
	const char *p = text;
	for (;;) {
		struct lf_token t;
		p = lf_token_parse(&t, text, p);
		if (t.type == LF_T_END || t.type == LF_T_ERROR) {
			lf_token_destroy(&t);
			break;
		}
		if (t.type != LF_T_TEMPLATE) {
			lf_token_destroy(&t);
			continue;
		}
		const char *v = NULL;
		if (lookup(arg, t.s, &v) < 0 || !v) {
			if (err && asprintf(err, "No template variable named `%s'.", t.s) < 0)
				abort();
			if (err_pos)
				*err_pos = t.pos;
			lf_token_destroy(&t);
			free(out);
			return NULL;
		}
		/* copy the text before the variable, then its value */
		size_t before = t.pos - done, vl = strlen(v);
		while (n + before + vl + 1 > cap) {
			cap *= 2;
			out = realloc(out, cap);
			if (!out)
				abort();
		}
		memcpy(out + n, text + done, before);
		n += before;
		memcpy(out + n, v, vl);
		n += vl;
		done = t.pos + t.len;
		lf_token_destroy(&t);
	}
	size_t rest = strlen(text + done);
	if (n + rest + 1 > cap) {
		out = realloc(out, n + rest + 1);
		if (!out)
			abort();
	}
	memcpy(out + n, text + done, rest + 1);
	return out;
}
