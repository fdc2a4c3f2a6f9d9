/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON-RPC stream reader: message boundaries across reads, several messages per read,
 * strings with braces and escapes, oversize and garbage input; and the jsonrpc layer on top
 * of it (reply dispatch, echo, malformed JSON and invalid messages). */
#include "ovsdb/framer.h"
#include "ovsdb/jsonrpc.h"

#include <brint/evloop.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Collect every message the framer returns; stops at an error (returned). */
struct got {
	char *msgs[64];
	size_t n;
};

static int drain(struct json_framer *f, struct got *g)
{
	const char *m;
	size_t len;
	int rc;
	while ((rc = json_framer_next(f, &m, &len)) == 1) {
		assert_true(g->n < 64);
		g->msgs[g->n] = strndup(m, len);
		g->n++;
	}
	return rc;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->msgs[i]);
	g->n = 0;
}

static void test_single_and_split_everywhere(void **state)
{
	const char *msg = "{\"id\":1,\"result\":{\"a\":[1,2,{\"b\":\"c\"}]},\"error\":null}";
	size_t n = strlen(msg);
	(void)state;

	/* split at every position: the message comes out whole exactly once */
	for (size_t cut = 0; cut <= n; cut++) {
		struct json_framer f;
		struct got g = {0};
		json_framer_init(&f, 1 << 20);
		assert_int_equal(json_framer_feed(&f, msg, cut), 0);
		assert_int_equal(drain(&f, &g), 0);
		assert_int_equal(g.n, cut == n ? 1 : 0);
		assert_int_equal(json_framer_feed(&f, msg + cut, n - cut), 0);
		assert_int_equal(drain(&f, &g), 0);
		assert_int_equal(g.n, 1);
		assert_string_equal(g.msgs[0], msg);
		assert_int_equal(json_framer_pending(&f), 0);
		got_free(&g);
		json_framer_fini(&f);
	}
}

static void test_byte_by_byte_many(void **state)
{
	const char *in = "{\"a\":1}\n{\"b\":[{}]}  \r\n\t{\"c\":\"x\"}{\"d\":{}}";
	struct json_framer f;
	struct got g = {0};
	(void)state;

	json_framer_init(&f, 1 << 20);
	for (size_t i = 0; in[i]; i++) {
		assert_int_equal(json_framer_feed(&f, &in[i], 1), 0);
		assert_int_equal(drain(&f, &g), 0);
	}
	assert_int_equal(g.n, 4);
	assert_string_equal(g.msgs[0], "{\"a\":1}");
	assert_string_equal(g.msgs[1], "{\"b\":[{}]}");
	assert_string_equal(g.msgs[2], "{\"c\":\"x\"}");
	assert_string_equal(g.msgs[3], "{\"d\":{}}");
	got_free(&g);
	json_framer_fini(&f);
}

static void test_several_in_one_read(void **state)
{
	struct json_framer f;
	struct got g = {0};
	char buf[4096] = "";
	(void)state;

	for (int i = 0; i < 40; i++) {
		char one[64];
		snprintf(one, sizeof(one), "{\"id\":%d,\"result\":[%d]}", i, i);
		strcat(buf, one);
	}
	strcat(buf, "{\"id\":99,\"res"); /* and the start of one more */
	json_framer_init(&f, 1 << 20);
	assert_int_equal(json_framer_feed(&f, buf, strlen(buf)), 0);
	assert_int_equal(drain(&f, &g), 0);
	assert_int_equal(g.n, 40);
	assert_string_equal(g.msgs[7], "{\"id\":7,\"result\":[7]}");
	assert_int_equal(json_framer_pending(&f), strlen("{\"id\":99,\"res"));
	got_free(&g);
	assert_int_equal(json_framer_feed(&f, "ult\":0}", 7), 0);
	assert_int_equal(drain(&f, &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.msgs[0], "{\"id\":99,\"result\":0}");
	got_free(&g);
	json_framer_fini(&f);
}

static void test_strings_with_braces_and_escapes(void **state)
{
	/* braces, brackets, escaped quotes and backslashes inside strings must not count */
	const char *msgs[] = {
	    "{\"m\":\"}}}]]]\"}",	   "{\"m\":\"{{{[[[\",\"n\":\"\\\"}\"}",
	    "{\"m\":\"a\\\\\"}",	  /* string ends after an escaped backslash */
	    "{\"m\":\"a\\\\\\\"}\"}",	  /* \\ then \" then } inside the string */
	    "{\"m\":\"\\u007b\\u007d\"}", /* unicode escapes */
	    "{\"k}\":{\"[\":[\"]\",{}]}}",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		struct json_framer f;
		struct got g = {0};
		size_t n = strlen(msgs[i]);
		json_framer_init(&f, 1 << 20);
		/* whole, then again split at every byte */
		assert_int_equal(json_framer_feed(&f, msgs[i], n), 0);
		for (size_t cut = 0; cut <= n; cut++) {
			assert_int_equal(json_framer_feed(&f, msgs[i], cut), 0);
			assert_int_equal(json_framer_feed(&f, msgs[i] + cut, n - cut), 0);
		}
		assert_int_equal(drain(&f, &g), 0);
		assert_int_equal(g.n, n + 2);
		for (size_t k = 0; k < g.n; k++)
			assert_string_equal(g.msgs[k], msgs[i]);
		got_free(&g);
		json_framer_fini(&f);
	}
}

static void test_oversize(void **state)
{
	struct json_framer f;
	struct got g = {0};
	char big[200];
	(void)state;

	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"a\":\"", 6);

	/* a complete message above the limit */
	json_framer_init(&f, 64);
	assert_int_equal(json_framer_feed(&f, "{\"ok\":1}", 8), 0);
	assert_int_equal(json_framer_feed(&f, big, 100), 0);
	assert_int_equal(json_framer_feed(&f, "\"}", 2), 0);
	assert_int_equal(drain(&f, &g), -EMSGSIZE);
	assert_int_equal(g.n, 1); /* the message before it came out */
	assert_int_equal(json_framer_next(&f, &(const char *){0}, &(size_t){0}), -EMSGSIZE);
	got_free(&g);

	/* detected while still incomplete: nothing is buffered beyond the limit */
	json_framer_reset(&f);
	assert_int_equal(json_framer_feed(&f, big, 50), 0);
	assert_int_equal(drain(&f, &g), 0);
	assert_int_equal(json_framer_feed(&f, big + 50, 50), 0);
	assert_int_equal(drain(&f, &g), -EMSGSIZE);
	assert_int_equal(g.n, 0);

	/* exactly at the limit is fine */
	json_framer_reset(&f);
	char exact[64];
	memset(exact, ' ', sizeof(exact));
	memcpy(exact, "{\"a\":\"", 6);
	memset(exact + 6, 'y', 64 - 8);
	memcpy(exact + 62, "\"}", 2);
	assert_int_equal(json_framer_feed(&f, exact, 64), 0);
	assert_int_equal(drain(&f, &g), 0);
	assert_int_equal(g.n, 1);
	got_free(&g);
	json_framer_fini(&f);
}

static void test_garbage(void **state)
{
	const char *bad[] = {"x{}", "[1,2]", "]", "\"str\"", "123", "\x00{}", "{}}"};
	const size_t len[] = {3, 5, 1, 5, 3, 3, 3};
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_framer f;
		struct got g = {0};
		json_framer_init(&f, 1 << 20);
		assert_int_equal(json_framer_feed(&f, bad[i], len[i]), 0);
		assert_int_equal(drain(&f, &g), -EPROTO);
		/* sticky until reset */
		assert_int_equal(json_framer_feed(&f, "{}", 2), 0);
		assert_int_equal(drain(&f, &g), -EPROTO);
		got_free(&g);
		json_framer_reset(&f);
		assert_int_equal(json_framer_feed(&f, "{}", 2), 0);
		assert_int_equal(drain(&f, &g), 0);
		assert_int_equal(g.n, 1);
		got_free(&g);
		json_framer_fini(&f);
	}
}

static void test_large_message_in_chunks(void **state)
{
	/* 16 MB in uneven chunks: one message, scanned once */
	size_t n = 16u << 20, off = 0, chunk = 1;
	char *m = malloc(n);
	struct json_framer f;
	const char *out;
	size_t outlen;
	(void)state;

	assert_non_null(m);
	memcpy(m, "{\"rows\":[", 9);
	size_t p = 9;
	while (p + 40 < n) {
		memcpy(m + p, "{\"s\":\"}]\\\"[{\"},", 15);
		p += 15;
	}
	m[p - 1] = ']'; /* replace the last comma */
	m[p++] = '}';
	n = p;
	json_framer_init(&f, 32u << 20);
	while (off < n) {
		size_t k = chunk < n - off ? chunk : n - off;
		assert_int_equal(json_framer_feed(&f, m + off, k), 0);
		off += k;
		if (off < n)
			assert_int_equal(json_framer_next(&f, &out, &outlen), 0);
		chunk = chunk * 3 + 7;
		if (chunk > (1u << 20))
			chunk = 4093;
	}
	assert_int_equal(json_framer_next(&f, &out, &outlen), 1);
	assert_int_equal(outlen, n);
	assert_memory_equal(out, m, n);
	assert_int_equal(json_framer_next(&f, &out, &outlen), 0);
	json_framer_fini(&f);
	free(m);
}

/* ---- jsonrpc on the framer (no socket) ---- */

struct rpc_seen {
	int errors;
	int err;
	char why[256];
	int notifications;
	char method[64];
	int replies, cancels;
	json_t *result;
};

static void on_message(void *arg, const char *method, json_t *params, json_t *id)
{
	struct rpc_seen *s = arg;
	(void)params;
	(void)id;
	s->notifications++;
	snprintf(s->method, sizeof(s->method), "%s", method);
}

static void on_error(void *arg, int err, const char *why)
{
	struct rpc_seen *s = arg;
	s->errors++;
	s->err = err;
	snprintf(s->why, sizeof(s->why), "%s", why);
}

static void on_reply(void *arg, json_t *result, json_t *error)
{
	struct rpc_seen *s = arg;
	if (result == NULL && error == NULL) {
		s->cancels++;
		return;
	}
	s->replies++;
	json_decref(s->result);
	s->result = json_incref(result ? result : error);
}

static struct jsonrpc *rpc_new(struct ev_loop *l, struct rpc_seen *s, struct ovsdb_stats *st,
			       size_t max)
{
	struct jsonrpc_opts o = {.max_msg = max, .probe_ms = 0};
	struct jsonrpc_handlers h = {.on_message = on_message, .on_error = on_error};
	return jsonrpc_open(l, NULL, &o, &h, s, st);
}

static void feed(struct jsonrpc *j, const char *s)
{
	jsonrpc_receive_bytes(j, s, strlen(s));
}

static void test_rpc_dispatch(void **state)
{
	struct ev_loop *l = ev_loop_new();
	struct rpc_seen s = {0};
	struct ovsdb_stats st = {0};
	struct jsonrpc *j = rpc_new(l, &s, &st, 1 << 20);
	(void)state;

	assert_int_equal(jsonrpc_request(j, "get_schema", json_pack("[s]", "X"), on_reply, &s), 0);
	assert_int_equal(jsonrpc_request(j, "transact", json_pack("[s]", "X"), on_reply, &s), 0);
	assert_int_equal(jsonrpc_n_pending(j), 2);
	/* reply 2 split in two reads, then reply 1, an echo request and a notification */
	feed(j, "{\"id\":2,\"result\":[{\"cou");
	feed(j, "nt\":1}],\"error\":null}{\"id\":1,\"result\":null,\"error\":{\"error\":\"x\"}}"
		"{\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}"
		"{\"method\":\"update3\",\"params\":[\"m\",\"t\",{}],\"id\":null}");
	assert_int_equal(s.replies, 2);
	assert_int_equal(jsonrpc_n_pending(j), 0);
	assert_int_equal(st.rpc_errors, 1);
	assert_int_equal(s.notifications, 1); /* echo answered inside, not passed on */
	assert_string_equal(s.method, "update3");
	assert_int_equal(st.tx_msgs, 3); /* two requests and the echo reply */
	/* a reply nobody waits for: counted, not fatal */
	feed(j, "{\"id\":77,\"result\":{},\"error\":null}");
	assert_int_equal(st.unexpected_replies, 1);
	assert_false(jsonrpc_failed(j));
	/* a request pending at close is cancelled */
	assert_int_equal(jsonrpc_request(j, "x", json_array(), on_reply, &s), 0);
	jsonrpc_close(j);
	assert_int_equal(s.cancels, 1);
	assert_int_equal(s.errors, 0);
	json_decref(s.result);
	ev_loop_free(l);
}

static void expect_failure(const char *input, size_t max, int err, const char *why_part,
			   size_t struct_off)
{
	struct ev_loop *l = ev_loop_new();
	struct rpc_seen s = {0};
	struct ovsdb_stats st = {0};
	struct jsonrpc *j = rpc_new(l, &s, &st, max);

	feed(j, input);
	assert_true(jsonrpc_failed(j));
	assert_int_equal(s.errors, 0); /* reported from the loop, not from inside the call */
	ev_loop_run_once(l, 100);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.err, err);
	if (strstr(s.why, why_part) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", s.why, why_part);
	assert_int_equal(*(uint64_t *)((char *)&st + struct_off), 1);
	/* nothing more is processed after a failure */
	feed(j, "{\"method\":\"update3\",\"params\":[]}");
	assert_int_equal(s.notifications, 0);
	jsonrpc_close(j);
	ev_loop_free(l);
}

static void test_rpc_bad_input(void **state)
{
	(void)state;
	expect_failure("{\"id\":1,\"result\":tru}", 1 << 20, EPROTO, "malformed JSON",
		       offsetof(struct ovsdb_stats, json_errors));
	expect_failure("{\"a\":\"\\x\"}", 1 << 20, EPROTO, "malformed JSON",
		       offsetof(struct ovsdb_stats, json_errors));
	expect_failure("{\"a\":1,}", 1 << 20, EPROTO, "malformed JSON",
		       offsetof(struct ovsdb_stats, json_errors));
	expect_failure("{\"x\":1}", 1 << 20, EPROTO, "neither",
		       offsetof(struct ovsdb_stats, protocol_errors));
	expect_failure("{\"method\":7,\"params\":[]}", 1 << 20, EPROTO, "method",
		       offsetof(struct ovsdb_stats, protocol_errors));
	expect_failure("{\"method\":\"update3\",\"params\":{}}", 1 << 20, EPROTO, "params",
		       offsetof(struct ovsdb_stats, protocol_errors));
	expect_failure("{\"a\":\"0123456789012345678901234567890123456789\"}", 32, EMSGSIZE,
		       "max_message_bytes", offsetof(struct ovsdb_stats, oversize));
	expect_failure("garbage", 1 << 20, EPROTO, "cannot start",
		       offsetof(struct ovsdb_stats, framing_errors));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_single_and_split_everywhere),
	    cmocka_unit_test(test_byte_by_byte_many),
	    cmocka_unit_test(test_several_in_one_read),
	    cmocka_unit_test(test_strings_with_braces_and_escapes),
	    cmocka_unit_test(test_oversize),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_large_message_in_chunks),
	    cmocka_unit_test(test_rpc_dispatch),
	    cmocka_unit_test(test_rpc_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
