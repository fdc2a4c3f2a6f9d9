/* SPDX-License-Identifier: Apache-2.0 */
/* The OVN logical-flow lexer: every token type, integer formats and masks, strings with
 * escapes, comments, positions, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lflow/lex.h"

/* Lex all of `in`, printing each token as "TYPE:text" separated by spaces. */
static char *lex_all(const char *in)
{
	static char out[8192];
	struct lf_lexer lx;
	size_t o = 0;
	lf_lexer_init(&lx, in);
	out[0] = '\0';
	for (int n = 0; n < 1000; n++) {
		char b[512];
		enum lf_tok t = lf_lexer_get(&lx);
		if (t == LF_T_END)
			break;
		lf_token_format(&lx.tok, b, sizeof b);
		o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", o ? " " : "", b);
		if (t == LF_T_ERROR)
			break;
	}
	lf_lexer_destroy(&lx);
	return out;
}

static void test_punctuation(void **state)
{
	(void)state;
	assert_string_equal(lex_all("== != < <= > >= ! && || ( ) { } [ ] , ; = <-> -> -- .. : -"),
			    "== != < <= > >= ! && || ( ) { } [ ] , ; = <-> -> -- .. : -");
	assert_string_equal(lex_all("a==b"), "a == b");
	assert_string_equal(lex_all("reg0[0..15]"), "reg0 [ 0 .. 15 ]");
	assert_string_equal(lex_all("ip.ttl--;"), "ip.ttl -- ;");
	assert_string_equal(lex_all("eth.src <-> eth.dst"), "eth.src <-> eth.dst");
}

static void test_types(void **state)
{
	(void)state;
	struct lf_lexer lx;
	lf_lexer_init(&lx, "ip4.src $as_ip4 @pg1 ^tv \"lsp 1\" 42 0x2a 10/0x1a");
	assert_int_equal(lf_lexer_get(&lx), LF_T_ID);
	assert_string_equal(lx.tok.s, "ip4.src");
	assert_int_equal(lx.tok.pos, 0);
	assert_int_equal(lx.tok.len, 7);
	assert_int_equal(lf_lexer_lookahead(&lx), LF_T_MACRO);
	assert_int_equal(lf_lexer_get(&lx), LF_T_MACRO);
	assert_string_equal(lx.tok.s, "as_ip4");
	assert_int_equal(lx.tok.pos, 8);
	assert_int_equal(lf_lexer_get(&lx), LF_T_PORT_GROUP);
	assert_string_equal(lx.tok.s, "pg1");
	assert_int_equal(lf_lexer_get(&lx), LF_T_TEMPLATE);
	assert_string_equal(lx.tok.s, "tv");
	assert_int_equal(lf_lexer_get(&lx), LF_T_STRING);
	assert_string_equal(lx.tok.s, "lsp 1");
	assert_int_equal(lf_lexer_get(&lx), LF_T_INTEGER);
	assert_true(lx.tok.value == 42);
	assert_int_equal(lx.tok.format, LF_F_DECIMAL);
	assert_true(lf_lexer_is_int(&lx));
	int v = 0;
	assert_true(lf_lexer_get_int(&lx, &v));
	assert_int_equal(v, 42);
	assert_int_equal(lx.tok.type, LF_T_INTEGER);
	assert_int_equal(lx.tok.format, LF_F_HEX);
	assert_true(lx.tok.value == 42);
	assert_int_equal(lf_lexer_get(&lx), LF_T_ERROR); /* 10/0x1a: incompatible */
	assert_string_equal(lx.tok.s,
			    "Value and mask have incompatible formats (decimal and hexadecimal).");
	lf_lexer_destroy(&lx);
}

static void test_integers(void **state)
{
	(void)state;
	assert_string_equal(lex_all("0 1 18446744073709551615"), "0 1 18446744073709551615");
	assert_string_equal(lex_all("0xffffffffffffffffffffffffffffffff"),
			    "0xffffffffffffffffffffffffffffffff");
	assert_string_equal(lex_all("0x000000000000000000000000000000000001"), "0x1");
	assert_string_equal(lex_all("10.16.0.1 100.64.0.0/16 0.0.0.0/0"),
			    "10.16.0.1 100.64.0.0/16 0.0.0.0/0");
	assert_string_equal(lex_all("10.0.0.0/255.255.0.255"), "10.0.0.0/255.255.0.255");
	assert_string_equal(lex_all("fe80::1 ::/0 fd00:10:16::/64 ::ffff:1.2.3.4"),
			    "fe80::1 ::/0 fd00:10:16::/64 ::ffff:1.2.3.4");
	assert_string_equal(lex_all("00:00:00:00:00:01 ff:ff:ff:ff:ff:ff AA:bb:CC:dd:EE:ff"),
			    "00:00:00:00:00:01 ff:ff:ff:ff:ff:ff aa:bb:cc:dd:ee:ff");
	assert_string_equal(lex_all("01:00:00:00:00:00/01:00:00:00:00:00"),
			    "01:00:00:00:00:00/01:00:00:00:00:00");
	assert_string_equal(lex_all("0/0x3 0x4/0x6"), "0x0/0x3 0x4/0x6");
	/* 1.2.3.4:80 is three tokens; 1..2 is three tokens */
	assert_string_equal(lex_all("1.2.3.4:80"), "1.2.3.4 : 80");
	assert_string_equal(lex_all("1..2"), "1 .. 2");

	struct lf_token t;
	lf_token_parse(&t, "fe80::/10", "fe80::/10");
	assert_int_equal(t.type, LF_T_MASKED_INTEGER);
	assert_int_equal(t.format, LF_F_IPV6);
	assert_true(t.value == (lf_u128)0xfe80 << 112);
	assert_true(t.mask == (lf_u128)0xffc0 << 112);
	lf_token_destroy(&t);
	lf_token_parse(&t, "x", "192.168.1.0/24");
	assert_int_equal(t.type, LF_T_MASKED_INTEGER);
	assert_true(t.value == 0xc0a80100u);
	assert_true(t.mask == 0xffffff00u);
	lf_token_destroy(&t);
}

static void test_bad_integers(void **state)
{
	(void)state;
	assert_string_equal(lex_all("18446744073709551616"),
			    "error(Decimal constants must be less than 2**64.)");
	assert_string_equal(lex_all("99999999999999999999999999999999999999999999999999"),
			    "error(Decimal constants must be less than 2**64.)");
	assert_string_equal(lex_all("0x1ffffffffffffffffffffffffffffffff"),
			    "error(Hexadecimal constant requires more than 128 bits.)");
	assert_string_equal(lex_all("0x"), "error(Hex digits expected following 0x.)");
	assert_string_equal(lex_all("0xfg"), "error(Invalid syntax in hexadecimal constant.)");
	assert_string_equal(lex_all("012"),
			    "error(Decimal constants must not have leading zeros.)");
	assert_string_equal(lex_all("1.2.3.256"), "error(Invalid numeric constant `1.2.3.256'.)");
	assert_string_equal(lex_all("1.2.3"), "error(Invalid numeric constant `1.2.3'.)");
	assert_string_equal(lex_all("fe80:::1"), "error(Invalid numeric constant `fe80:::1'.)");
	assert_string_equal(lex_all("00:11:22:33:44:5g"),
			    "error(Invalid numeric constant `00:11:22:33:44:5g'.)");
	assert_string_equal(lex_all("10.0.0.0/33"),
			    "error(Invalid prefix length 33 for an IPv4 address.)");
	assert_string_equal(lex_all("::/129"),
			    "error(Invalid prefix length 129 for an IPv6 address.)");
	assert_string_equal(lex_all("10.0.0.1/8"), "error(Value contains unmasked 1-bits.)");
	assert_string_equal(lex_all("10.0.0.0/fe80::"),
			    "error(Value and mask have incompatible formats (IPv4 and IPv6).)");
	assert_string_equal(lex_all("10.0.0.0/"), "error(Integer constant expected.)");
	char big[200];
	memset(big, '1', sizeof big - 1);
	big[0] = '1';
	big[3] = '.';
	big[sizeof big - 1] = '\0';
	assert_string_equal(lex_all(big), "error(Invalid numeric constant (too long).)");
}

static void test_strings(void **state)
{
	(void)state;
	struct lf_token t;
	const char *in = "\"a\\\"b\\\\c\\/\\n\\t\\u00e9\\ud83d\\ude00\"";
	lf_token_parse(&t, in, in);
	assert_int_equal(t.type, LF_T_STRING);
	assert_string_equal(t.s, "a\"b\\c/\n\t\xc3\xa9\xf0\x9f\x98\x80");
	assert_int_equal(t.len, strlen(in));
	lf_token_destroy(&t);
	assert_string_equal(lex_all("\"abc"), "error(Input ends inside quoted string.)");
	assert_string_equal(lex_all("\"abc\\"), "error(Input ends inside quoted string.)");
	assert_string_equal(lex_all("\"a\\q\""), "error(Invalid escape `\\q' in string.)");
	assert_string_equal(lex_all("\"\\u12\""), "error(Malformed \\u escape in string.)");
	assert_string_equal(lex_all("\"\\u0000\""), "error(Invalid \\u0000 escape in string.)");
	assert_string_equal(lex_all("\"\\ud800x\""),
			    "error(Invalid UTF-16 surrogate pair in string.)");
	assert_string_equal(lex_all("\"\\ude00\""), "error(Invalid \\ude00 escape in string.)");
	assert_string_equal(lex_all("inport == \"lsp1\""), "inport == \"lsp1\"");
}

static void test_comments_and_errors(void **state)
{
	(void)state;
	assert_string_equal(lex_all("a // comment\n b /* c */ c"), "a b c");
	assert_string_equal(lex_all("a /* open"), "a error(`/*' without matching `*/'.)");
	assert_string_equal(
	    lex_all("a / b"),
	    "a error(`/' is only valid as part of `//' or `/*' (or after a number).)");
	assert_string_equal(lex_all("a & b"), "a error(`&' is only valid as part of `&&'.)");
	assert_string_equal(lex_all("a | b"), "a error(`|' is only valid as part of `||'.)");
	assert_string_equal(lex_all("$ x"), "error(`$' must be followed by a valid identifier.)");
	assert_string_equal(lex_all("@1"), "error(`@' must be followed by a valid identifier.)");
	assert_string_equal(lex_all("a # b"), "a error(Invalid character `#' in input.)");
	assert_string_equal(lex_all("a \x01"), "a error(Invalid byte 0x01 in input.)");
	assert_string_equal(lex_all("a \xff"), "a error(Invalid byte 0xff in input.)");
	assert_string_equal(lex_all(". x"),
			    "error(`.' is only valid as part of `..' or a number.)");
}

static void test_parser_helpers(void **state)
{
	(void)state;
	struct lf_lexer lx;
	lf_lexer_init(&lx, "next ( 3 ) ;");
	lf_lexer_get(&lx);
	assert_true(lf_lexer_is_id(&lx, "next"));
	assert_false(lf_lexer_match_id(&lx, "output"));
	assert_true(lf_lexer_match_id(&lx, "next"));
	assert_true(lf_lexer_force_match(&lx, LF_T_LPAREN));
	assert_false(lf_lexer_force_match(&lx, LF_T_RPAREN));
	assert_true(lf_lexer_failed(&lx));
	assert_int_equal(lx.error_pos, 7);
	char *e = lf_lexer_steal_error(&lx);
	assert_string_equal(e, "Syntax error at `3' expecting `)'.");
	free(e);
	lf_lexer_get(&lx);
	lf_lexer_get(&lx);
	assert_false(lf_lexer_force_end(&lx));
	e = lf_lexer_steal_error(&lx);
	assert_string_equal(e, "Syntax error at `;' expecting end of input.");
	free(e);
	lf_lexer_get(&lx);
	assert_true(lf_lexer_force_end(&lx));
	/* first error wins */
	lf_lexer_error(&lx, "one %d", 1);
	lf_lexer_error(&lx, "two");
	e = lf_lexer_steal_error(&lx);
	assert_string_equal(e, "one 1");
	free(e);
	assert_null(lf_lexer_steal_error(&lx));
	lf_lexer_destroy(&lx);

	/* a syntax error on an error token reports the lexer's message */
	lf_lexer_init(&lx, "  \"abc");
	lf_lexer_get(&lx);
	lf_lexer_syntax_error(&lx, "expecting a string");
	assert_int_equal(lx.error_pos, 2);
	assert_string_equal(lx.error, "Input ends inside quoted string.");
	lf_lexer_destroy(&lx);
}

static void test_format_helpers(void **state)
{
	(void)state;
	char b[80];
	assert_int_equal(lf_prefix_len(0xffffff00u, 32), 24);
	assert_int_equal(lf_prefix_len(0xff00ff00u, 32), -1);
	assert_int_equal(lf_prefix_len(0, 32), 0);
	assert_int_equal(lf_prefix_len(~(lf_u128)0, 128), 128);
	assert_string_equal(lf_masked_format(0x0a000000, 0xff000000, LF_F_IPV4, 32, b, sizeof b),
			    "10.0.0.0/8");
	assert_string_equal(lf_masked_format(0x8, 0xf8, LF_F_DECIMAL, 16, b, sizeof b), "8/0xf8");
	assert_string_equal(lf_value_format((lf_u128)1 << 100, LF_F_DECIMAL, b, sizeof b),
			    "0x10000000000000000000000000");
}

/* Every byte value at every position of a few seeds must lex without crashing. */
static void test_hostile_bytes(void **state)
{
	(void)state;
	const char *seeds[] = {"ip4.src == 10.0.0.0/8 && \"x\\u00e9\"", "fe80::1/64 $a @b",
			       "00:11:22:33:44:55/ff:ff:ff:00:00:00 /* c */"};
	for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
		size_t n = strlen(seeds[s]);
		char *buf = malloc(n + 1);
		for (size_t i = 0; i < n; i++) {
			for (int c = 1; c < 256; c += 7) {
				memcpy(buf, seeds[s], n + 1);
				buf[i] = (char)c;
				struct lf_lexer lx;
				lf_lexer_init(&lx, buf);
				for (int k = 0; k < 100 && lf_lexer_get(&lx) != LF_T_END; k++)
					assert_true(lx.tok.pos + lx.tok.len <= n);
				lf_lexer_destroy(&lx);
				buf[i + 1] = '\0'; /* and truncated there */
				lf_lexer_init(&lx, buf);
				while (lf_lexer_get(&lx) != LF_T_END)
					;
				lf_lexer_destroy(&lx);
			}
		}
		free(buf);
	}
}

static int tv_lookup(void *arg, const char *name, const char **value)
{
	(void)arg;
	if (!strcmp(name, "vip"))
		*value = "10.96.0.1";
	else if (!strcmp(name, "port"))
		*value = "8080";
	else if (!strcmp(name, "ports"))
		*value = "{80, 443}";
	else
		return -1;
	return 0;
}

static void test_templates(void **state)
{
	(void)state;
	char *err = NULL;
	size_t pos = 0;
	char *s = lf_template_expand("ip4.dst == ^vip && tcp.dst == ^port /* ^x */ && x == \"^y\"",
				     tv_lookup, NULL, &err, &pos);
	assert_string_equal(s, "ip4.dst == 10.96.0.1 && tcp.dst == 8080 /* ^x */ && x == \"^y\"");
	free(s);
	s = lf_template_expand("tcp.dst == ^ports", tv_lookup, NULL, &err, &pos);
	assert_string_equal(s, "tcp.dst == {80, 443}");
	free(s);
	s = lf_template_expand("no templates here", tv_lookup, NULL, &err, &pos);
	assert_string_equal(s, "no templates here");
	free(s);
	/* lexical errors are left for the parser */
	s = lf_template_expand("^vip \"open", tv_lookup, NULL, &err, &pos);
	assert_string_equal(s, "10.96.0.1 \"open");
	free(s);
	assert_null(lf_template_expand("a == ^vip || b == ^nope", tv_lookup, NULL, &err, &pos));
	assert_string_equal(err, "No template variable named `nope'.");
	assert_int_equal(pos, 18);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_punctuation),	   cmocka_unit_test(test_types),
	    cmocka_unit_test(test_integers),	   cmocka_unit_test(test_bad_integers),
	    cmocka_unit_test(test_strings),	   cmocka_unit_test(test_comments_and_errors),
	    cmocka_unit_test(test_parser_helpers), cmocka_unit_test(test_format_helpers),
	    cmocka_unit_test(test_hostile_bytes),  cmocka_unit_test(test_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
