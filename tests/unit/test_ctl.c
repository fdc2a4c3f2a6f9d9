/* SPDX-License-Identifier: Apache-2.0 */
/* Request dispatch, replies, the registry and the argument helpers of ctl/ctl.c. */
#include <ctl/ctl.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- commands used by the tests ----------------------------------------------------------- */

static void cmd_echo(const json_t *args, struct ctl_reply *r)
{
	ctl_reply_ok(r, json_deep_copy(args));
}

static void cmd_null(const json_t *args, struct ctl_reply *r)
{
	ctl_reply_ok(r, NULL);
}

static void cmd_noreply(const json_t *args, struct ctl_reply *r)
{
}

static void cmd_twice(const json_t *args, struct ctl_reply *r)
{
	ctl_reply_ok(r, json_string("first"));
	ctl_reply_err(r, "second");
	ctl_reply_ok(r, json_string("third"));
}

static void cmd_fail(const json_t *args, struct ctl_reply *r)
{
	ctl_reply_err(r, "port %s: already exists", "p0");
}

/* queues: required integer in [1, 64]; delta: optional, any integer, default -7 */
static void cmd_int(const json_t *args, struct ctl_reply *r)
{
	long long q = 0, d = -7;

	if (ctl_arg_int(args, "queues", true, 1, 64, &q, r) < 0)
		return;
	if (ctl_arg_int(args, "delta", false, LLONG_MIN, LLONG_MAX, &d, r) < 0)
		return;
	ctl_reply_ok(r, json_pack("{s:I, s:I}", "queues", (json_int_t)q, "delta", (json_int_t)d));
}

static void cmd_min(const json_t *args, struct ctl_reply *r)
{
	long long v = 0;

	if (ctl_arg_int(args, "v", true, 0, LLONG_MAX, &v, r) < 0)
		return;
	ctl_reply_ok(r, json_integer(v));
}

static void cmd_bool(const json_t *args, struct ctl_reply *r)
{
	bool clear = false, opt = true;

	if (ctl_arg_bool(args, "clear", true, &clear, r) < 0)
		return;
	if (ctl_arg_bool(args, "opt", false, &opt, r) < 0)
		return;
	ctl_reply_ok(r, json_pack("{s:b, s:b}", "clear", clear, "opt", opt));
}

static void cmd_str(const json_t *args, struct ctl_reply *r)
{
	const char *name = NULL, *mode = "server";

	if (ctl_arg_str(args, "name", true, &name, r) < 0)
		return;
	if (ctl_arg_str(args, "mode", false, &mode, r) < 0)
		return;
	ctl_reply_ok(r, json_pack("{s:s, s:s}", "name", name, "mode", mode));
}

CTL_COMMAND(t_echo, "test echo", "[ANY]", "echo the args", cmd_echo)
CTL_COMMAND(t_null, "test null", "", "reply ok without a result", cmd_null)
CTL_COMMAND(t_noreply, "test noreply", "", "forget to reply", cmd_noreply)
CTL_COMMAND(t_twice, "test twice", "", "reply three times", cmd_twice)
CTL_COMMAND(t_fail, "test fail", "", "reply an error", cmd_fail)
CTL_COMMAND(t_int, "test int", "--queues N [--delta N]", "integer args", cmd_int)
CTL_COMMAND(t_min, "test min", "--v N", "integer >= 0", cmd_min)
CTL_COMMAND(t_bool, "test bool", "--clear B [--opt B]", "boolean args", cmd_bool)
CTL_COMMAND(t_str, "test str", "--name S [--mode S]", "string args", cmd_str)

/* ---- helpers ------------------------------------------------------------------------------ */

static json_t *dispatch(const char *line)
{
	json_t *resp = ctl_dispatch_line(line, strlen(line));
	assert_non_null(resp);
	assert_true(json_is_object(resp));
	return resp;
}

/* The response must be {"ok": true, "result": <expected>} (plus "id" when given). */
static void expect_ok(const char *line, const char *expected_result)
{
	json_t *resp = dispatch(line);
	json_t *want = json_loads(expected_result, JSON_DECODE_ANY, NULL);

	assert_non_null(want);
	assert_true(json_is_true(json_object_get(resp, "ok")));
	assert_null(json_object_get(resp, "error"));
	if (!json_equal(json_object_get(resp, "result"), want)) {
		char *got = json_dumps(resp, JSON_COMPACT);
		fail_msg("%s: got %s, want result %s", line, got, expected_result);
	}
	json_decref(want);
	json_decref(resp);
}

static void expect_err(const char *line, const char *expected_error)
{
	json_t *resp = dispatch(line);

	assert_true(json_is_false(json_object_get(resp, "ok")));
	assert_null(json_object_get(resp, "result"));
	assert_string_equal(json_string_value(json_object_get(resp, "error")), expected_error);
	json_decref(resp);
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_good_request(void **state)
{
	json_t *resp = dispatch("{\"cmd\": \"test echo\", \"args\": {\"a\": 1, \"b\": [true]}}");
	char *text = json_dumps(resp, JSON_COMPACT);

	/* exactly these members, in this order, and no "id" when the request had none */
	assert_string_equal(text, "{\"ok\":true,\"result\":{\"a\":1,\"b\":[true]}}");
	free(text);
	json_decref(resp);
}

static void test_args_absent_or_null_is_empty_object(void **state)
{
	expect_ok("{\"cmd\":\"test echo\"}", "{}");
	expect_ok("{\"cmd\":\"test echo\",\"args\":null}", "{}");
}

static void test_result_null(void **state)
{
	json_t *resp = dispatch("{\"cmd\":\"test null\"}");
	json_t *result = json_object_get(resp, "result");

	assert_true(json_is_true(json_object_get(resp, "ok")));
	assert_non_null(result); /* present, and null */
	assert_true(json_is_null(result));
	json_decref(resp);
}

static void test_id_echo(void **state)
{
	json_t *resp = dispatch("{\"id\": 7, \"cmd\": \"test echo\"}");
	char *text = json_dumps(resp, JSON_COMPACT);

	assert_string_equal(text, "{\"id\":7,\"ok\":true,\"result\":{}}");
	free(text);
	json_decref(resp);

	resp = dispatch("{\"cmd\": \"no such\", \"id\": \"abc\"}");
	assert_string_equal(json_string_value(json_object_get(resp, "id")), "abc");
	assert_true(json_is_false(json_object_get(resp, "ok")));
	json_decref(resp);

	/* echoed on validation errors too */
	resp = dispatch("{\"id\": 9}");
	assert_int_equal(json_integer_value(json_object_get(resp, "id")), 9);
	json_decref(resp);
}

static void test_missing_cmd(void **state)
{
	expect_err("{}", "cmd: missing");
	expect_err("{\"args\": {}}", "cmd: missing");
}

static void test_bad_cmd_and_args_types(void **state)
{
	expect_err("{\"cmd\": 3}", "cmd: must be a string");
	expect_err("{\"cmd\": null}", "cmd: must be a string");
	expect_err("{\"cmd\": \"test echo\", \"args\": [1]}", "args: must be an object");
	expect_err("{\"cmd\": \"test echo\", \"args\": \"x\"}", "args: must be an object");
}

static void test_non_object(void **state)
{
	expect_err("[1, 2]", "request must be a JSON object");
	expect_err("42", "request must be a JSON object");
	expect_err("\"help\"", "request must be a JSON object");
}

static void test_bad_json(void **state)
{
	/* the last two: bytes that are not UTF-8, which jansson's error text quotes (the error
	 * must still be a JSON string: those bytes shown as '?') */
	const char *bad[] = {"{\"cmd\":",
			     "",
			     "garbage",
			     "{\"cmd\": \"help\"} trailing",
			     "{\"cmd\": \"help\", \"cmd\": \"help\"}",
			     "\xff\xfe\x80garbage",
			     "\"\\\xd2\xa2\x31\x07"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *resp = ctl_dispatch_line(bad[i], strlen(bad[i]));
		const char *e = json_string_value(json_object_get(resp, "error"));

		assert_true(json_is_false(json_object_get(resp, "ok")));
		assert_non_null(e);
		assert_memory_equal(e, "invalid JSON: ", strlen("invalid JSON: "));
		json_decref(resp);
	}
}

static void test_len_is_honoured(void **state)
{
	/* only the first len bytes are the request */
	const char *line = "{\"cmd\":\"test echo\"}GARBAGE";
	json_t *resp = ctl_dispatch_line(line, strlen("{\"cmd\":\"test echo\"}"));

	assert_true(json_is_true(json_object_get(resp, "ok")));
	json_decref(resp);
}

static void test_unknown_command(void **state)
{
	expect_err("{\"cmd\": \"port frob\"}", "unknown command 'port frob' (try: brintctl help)");
	expect_err("{\"cmd\": \"\"}", "unknown command '' (try: brintctl help)");
}

static void test_handler_error(void **state)
{
	expect_err("{\"cmd\": \"test fail\"}", "port p0: already exists");
}

static void test_handler_without_reply(void **state)
{
	expect_err("{\"cmd\": \"test noreply\"}",
		   "internal error: command 'test noreply' did not answer");
}

static void test_reply_only_once(void **state)
{
	expect_ok("{\"cmd\": \"test twice\"}", "\"first\"");
}

static void test_help(void **state)
{
	json_t *resp = dispatch("{\"cmd\": \"help\"}");
	json_t *list = json_object_get(resp, "result"), *e;
	const char *prev = "";
	bool seen_help = false, seen_int = false;
	size_t i;

	assert_true(json_is_array(list));
	assert_int_equal(json_array_size(list), 10); /* help + the 9 test commands */
	json_array_foreach (list, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));

		assert_int_equal(json_object_size(e), 3);
		assert_non_null(name);
		assert_non_null(json_string_value(json_object_get(e, "usage")));
		assert_non_null(json_string_value(json_object_get(e, "help")));
		assert_true(strcmp(prev, name) < 0); /* sorted by name */
		prev = name;
		if (strcmp(name, "help") == 0)
			seen_help = true;
		if (strcmp(name, "test int") == 0) {
			seen_int = true;
			assert_string_equal(json_string_value(json_object_get(e, "usage")),
					    "--queues N [--delta N]");
			assert_string_equal(json_string_value(json_object_get(e, "help")),
					    "integer args");
		}
	}
	assert_true(seen_help);
	assert_true(seen_int);
	json_decref(resp);
}

static void test_registry(void **state)
{
	static struct ctl_command dup = {
	    .name = "test echo", .usage = "", .help = "duplicate", .fn = cmd_null};
	static struct ctl_command late = {
	    .name = "test late", .usage = "", .help = "late", .fn = cmd_null};
	const struct ctl_command *c;
	unsigned n = 0;

	c = ctl_lookup("test echo");
	assert_non_null(c);
	assert_ptr_equal(c->fn, cmd_echo);
	assert_null(ctl_lookup("test"));
	assert_null(ctl_lookup(NULL));

	ctl_register(&dup); /* the first registration stays */
	assert_ptr_equal(ctl_lookup("test echo")->fn, cmd_echo);

	ctl_register(&late);
	assert_ptr_equal(ctl_lookup("test late"), &late);
	for (c = ctl_commands(); c; c = c->next) {
		if (c->next)
			assert_true(strcmp(c->name, c->next->name) < 0);
		n++;
	}
	assert_int_equal(n, 11);
	expect_ok("{\"cmd\": \"test late\"}", "null");
}

static void test_arg_int(void **state)
{
	expect_ok("{\"cmd\":\"test int\",\"args\":{\"queues\":4}}", "{\"queues\":4,\"delta\":-7}");
	expect_ok("{\"cmd\":\"test int\",\"args\":{\"queues\":\"64\",\"delta\":\"-3\"}}",
		  "{\"queues\":64,\"delta\":-3}");
	expect_ok("{\"cmd\":\"test int\",\"args\":{\"queues\":1,\"delta\":null}}",
		  "{\"queues\":1,\"delta\":-7}");
	expect_ok("{\"cmd\":\"test int\",\"args\":{\"queues\":\"+2\"}}",
		  "{\"queues\":2,\"delta\":-7}");
}

static void test_arg_int_errors(void **state)
{
	static const char *const bad[] = {
	    "0",       "65",  "-1",  "\"0\"", "\"4x\"", "\"\"", "\" 4\"",
	    "\"4 \"",  "1.0", "2.5", "true",  "[4]",	"{}",	"\"99999999999999999999\"",
	    "\"0x10\""};
	char line[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "{\"cmd\":\"test int\",\"args\":{\"queues\":%s}}",
			 bad[i]);
		expect_err(line, "args.queues: must be an integer in [1, 64]");
	}
	expect_err("{\"cmd\":\"test int\"}", "args.queues: missing");
	expect_err("{\"cmd\":\"test int\",\"args\":{\"queues\":null}}", "args.queues: missing");
	expect_err("{\"cmd\":\"test int\",\"args\":{\"queues\":2,\"delta\":\"x\"}}",
		   "args.delta: must be an integer");
	expect_err("{\"cmd\":\"test min\",\"args\":{\"v\":-1}}", "args.v: must be an integer >= 0");
	expect_ok("{\"cmd\":\"test min\",\"args\":{\"v\":9223372036854775807}}",
		  "9223372036854775807");
}

static void test_arg_bool(void **state)
{
	expect_ok("{\"cmd\":\"test bool\",\"args\":{\"clear\":true}}",
		  "{\"clear\":true,\"opt\":true}");
	expect_ok("{\"cmd\":\"test bool\",\"args\":{\"clear\":\"true\",\"opt\":\"false\"}}",
		  "{\"clear\":true,\"opt\":false}");
	expect_ok("{\"cmd\":\"test bool\",\"args\":{\"clear\":false,\"opt\":false}}",
		  "{\"clear\":false,\"opt\":false}");
	expect_err("{\"cmd\":\"test bool\",\"args\":{\"clear\":1}}",
		   "args.clear: must be a boolean (true or false)");
	expect_err("{\"cmd\":\"test bool\",\"args\":{\"clear\":\"yes\"}}",
		   "args.clear: must be a boolean (true or false)");
	expect_err("{\"cmd\":\"test bool\",\"args\":{\"clear\":\"TRUE\"}}",
		   "args.clear: must be a boolean (true or false)");
	expect_err("{\"cmd\":\"test bool\",\"args\":{\"clear\":true,\"opt\":0}}",
		   "args.opt: must be a boolean (true or false)");
	expect_err("{\"cmd\":\"test bool\"}", "args.clear: missing");
}

static void test_arg_str(void **state)
{
	expect_ok("{\"cmd\":\"test str\",\"args\":{\"name\":\"p0\"}}",
		  "{\"name\":\"p0\",\"mode\":\"server\"}");
	expect_ok("{\"cmd\":\"test str\",\"args\":{\"name\":\"p0\",\"mode\":\"client\"}}",
		  "{\"name\":\"p0\",\"mode\":\"client\"}");
	expect_err("{\"cmd\":\"test str\",\"args\":{\"name\":5}}", "args.name: must be a string");
	expect_err("{\"cmd\":\"test str\",\"args\":{\"name\":\"p0\",\"mode\":true}}",
		   "args.mode: must be a string");
	expect_err("{\"cmd\":\"test str\",\"args\":{}}", "args.name: missing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_request),
	    cmocka_unit_test(test_args_absent_or_null_is_empty_object),
	    cmocka_unit_test(test_result_null),
	    cmocka_unit_test(test_id_echo),
	    cmocka_unit_test(test_missing_cmd),
	    cmocka_unit_test(test_bad_cmd_and_args_types),
	    cmocka_unit_test(test_non_object),
	    cmocka_unit_test(test_bad_json),
	    cmocka_unit_test(test_len_is_honoured),
	    cmocka_unit_test(test_unknown_command),
	    cmocka_unit_test(test_handler_error),
	    cmocka_unit_test(test_handler_without_reply),
	    cmocka_unit_test(test_reply_only_once),
	    cmocka_unit_test(test_help),
	    cmocka_unit_test(test_arg_int),
	    cmocka_unit_test(test_arg_int_errors),
	    cmocka_unit_test(test_arg_bool),
	    cmocka_unit_test(test_arg_str),
	    /* last: it registers one more command */
	    cmocka_unit_test(test_registry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
