/* SPDX-License-Identifier: Apache-2.0 */
/* Compiled programs as structured JSON (ovn-glue/lflow/act_json.c), as `brintctl lflow show
 * DATAPATH [STAGE] --json` prints them: each program is compiled, turned into JSON, printed
 * and parsed back as text, and the parsed document is checked instruction by instruction
 * (op, destination and source fields, operands, op parameters, nested blocks); each
 * instruction's "text" compiles back to the same instruction. */
#include "lflow/act_json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *stage_of(const void *aux, enum lflow_pipeline p, int table)
{
	(void)aux;
	if (p == LFLOW_P_INGRESS && table == 11)
		return "ls_in_acl_after_lb";
	if (p == LFLOW_P_EGRESS && table == 0)
		return "ls_out_pre_acl";
	return NULL;
}

static const struct lflow_act_params pp = {
    .pipeline = LFLOW_P_INGRESS,
    .cur_table = 10,
    .stage_name = stage_of,
};

/* Compile text, turn the program into JSON text (as the control socket sends it) and parse
 * that text back. */
static json_t *compile_json(const char *text)
{
	char *err = NULL, *dumped;
	size_t pos;
	struct lflow_prog *p = lflow_act_parse(text, &pp, &err, &pos);
	json_t *j, *back;
	json_error_t je;

	if (p == NULL)
		fail_msg("%s: %s", text, err);
	j = lflow_prog_to_json(p);
	assert_non_null(j);
	dumped = json_dumps(j, JSON_COMPACT);
	assert_non_null(dumped);
	back = json_loads(dumped, 0, &je);
	if (back == NULL)
		fail_msg("%s: the JSON does not parse: %s\n%s", text, je.text, dumped);
	assert_true(json_equal(j, back));
	free(dumped);
	json_decref(j);
	lflow_prog_free(p);
	return back;
}

static const char *str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		fail_msg("no string \"%s\" in %s", key, json_dumps(o, JSON_COMPACT));
	return json_string_value(v);
}

static json_int_t num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		fail_msg("no integer \"%s\" in %s", key, json_dumps(o, JSON_COMPACT));
	return json_integer_value(v);
}

/* Every top-level instruction's text (nested blocks included) compiles to itself: it is the
 * canonical text. (Inside a block, text may need its context: ct_mark is writable only
 * within ct_commit { }.) */
static void check_texts(const json_t *block)
{
	size_t i;
	const json_t *in;
	json_array_foreach (block, i, in) {
		const char *t = str(in, "text");
		char *err = NULL, *again;
		size_t pos;
		struct lflow_prog *p = lflow_act_parse(t, &pp, &err, &pos);
		if (p == NULL)
			fail_msg("instruction text `%s' does not compile: %s", t, err);
		again = lflow_prog_format(p);
		assert_string_equal(again, t);
		free(again);
		lflow_prog_free(p);
	}
}

static void test_basic(void **state)
{
	(void)state;
	json_t *a = compile_json("reg0[3] = 1; eth.src <-> eth.dst; outport = \"lsp1\"; "
				 "reg1 = reg2; ip.ttl--; next; next(pipeline=egress, table=0);");
	const json_t *in;

	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 7);
	in = json_array_get(a, 0);
	assert_string_equal(str(in, "op"), "load");
	assert_string_equal(str(in, "dst"), "reg0[3]");
	assert_string_equal(str(in, "text"), "reg0[3] = 1;");
	in = json_array_get(json_object_get(in, "args"), 0);
	assert_string_equal(str(in, "kind"), "const");
	assert_string_equal(str(in, "value"), "1");
	assert_string_equal(str(in, "format"), "decimal");
	in = json_array_get(a, 1);
	assert_string_equal(str(in, "op"), "exchange");
	assert_string_equal(str(in, "dst"), "eth.src");
	assert_string_equal(str(in, "src"), "eth.dst");
	in = json_array_get(a, 2);
	assert_string_equal(str(in, "dst"), "outport");
	in = json_array_get(json_object_get(in, "args"), 0);
	assert_string_equal(str(in, "kind"), "string");
	assert_string_equal(str(in, "value"), "lsp1");
	in = json_array_get(a, 3);
	assert_string_equal(str(in, "op"), "move");
	assert_string_equal(str(in, "src"), "reg2");
	in = json_array_get(a, 4);
	assert_string_equal(str(in, "op"), "ip.ttl--");
	assert_null(json_object_get(in, "dst"));
	assert_null(json_object_get(in, "args"));
	in = json_object_get(json_array_get(a, 5), "params");
	assert_string_equal(str(in, "pipeline"), "ingress");
	assert_int_equal(num(in, "table"), 11);
	assert_string_equal(str(in, "stage"), "ls_in_acl_after_lb");
	assert_true(json_is_true(json_object_get(in, "following")));
	in = json_object_get(json_array_get(a, 6), "params");
	assert_string_equal(str(in, "pipeline"), "egress");
	assert_int_equal(num(in, "table"), 0);
	assert_string_equal(str(in, "stage"), "ls_out_pre_acl");
	assert_true(json_is_true(json_object_get(in, "other_pipeline")));
	check_texts(a);
	json_decref(a);
}

static void test_nested(void **state)
{
	(void)state;
	json_t *a = compile_json("ct_commit { ct_mark.blocked = 1; ct_label[0..47] = "
				 "00:00:00:00:00:01; }; clone { arp { eth.dst = ff:ff:ff:ff:ff:ff; "
				 "output; }; }; reject { };");
	const json_t *in, *blk;

	assert_int_equal(json_array_size(a), 3);
	in = json_array_get(a, 0);
	assert_string_equal(str(in, "op"), "ct_commit");
	blk = json_object_get(in, "block");
	assert_int_equal(json_array_size(blk), 2);
	assert_string_equal(str(json_array_get(blk, 0), "dst"), "ct_mark.blocked");
	in = json_array_get(json_object_get(json_array_get(blk, 1), "args"), 0);
	assert_string_equal(str(in, "format"), "Ethernet");
	assert_string_equal(str(in, "value"), "00:00:00:00:00:01");
	/* two levels: clone { arp { ... } } */
	blk = json_object_get(json_array_get(a, 1), "block");
	assert_int_equal(json_array_size(blk), 1);
	in = json_array_get(blk, 0);
	assert_string_equal(str(in, "op"), "arp");
	blk = json_object_get(in, "block");
	assert_int_equal(json_array_size(blk), 2);
	assert_string_equal(str(json_array_get(blk, 1), "op"), "output");
	/* an empty block is there, empty */
	blk = json_object_get(json_array_get(a, 2), "block");
	assert_true(json_is_array(blk));
	assert_int_equal(json_array_size(blk), 0);
	check_texts(a);
	json_decref(a);
}

static void test_operands(void **state)
{
	(void)state;
	json_t *a = compile_json(
	    "ct_lb_mark(backends=10.0.0.3:80,20.0.0.3:8080; hash_fields=\"ip_src,ip_dst\"); "
	    "reg0[3] = put_dhcp_opts(offerip = 10.0.0.2, router = 10.0.0.1, "
	    "dns_server = {8.8.8.8, 7.7.7.7}, domain_name = \"ovn.org\"); "
	    "reg0 = select(1=50, 2=50); get_arp(outport, reg0); ip4.src = 10.0.0.0/8; "
	    "log(name=\"acl1\", verdict=drop, severity=warning); ct_dnat(10.0.0.1, 100-200);");
	const json_t *in, *args, *o;

	assert_int_equal(json_array_size(a), 7);
	in = json_array_get(a, 0);
	assert_string_equal(str(in, "op"), "ct_lb_mark");
	args = json_object_get(in, "args");
	assert_int_equal(json_array_size(args), 2);
	o = json_array_get(args, 1);
	assert_string_equal(str(o, "kind"), "backend");
	assert_string_equal(str(o, "address"), "20.0.0.3");
	assert_int_equal(num(o, "port"), 8080);
	assert_string_equal(str(json_object_get(in, "params"), "hash_fields"), "ip_src,ip_dst");

	in = json_array_get(a, 1);
	assert_string_equal(str(in, "op"), "put_dhcp_opts");
	assert_string_equal(str(in, "dst"), "reg0[3]");
	args = json_object_get(in, "args");
	assert_int_equal(json_array_size(args), 4); /* options, their values nested */
	o = json_array_get(args, 2);
	assert_string_equal(str(o, "kind"), "option");
	assert_string_equal(str(o, "name"), "dns_server");
	assert_int_equal(json_array_size(json_object_get(o, "values")), 2);
	assert_string_equal(str(json_array_get(json_object_get(o, "values"), 1), "value"),
			    "7.7.7.7");
	o = json_array_get(args, 3);
	assert_string_equal(str(json_array_get(json_object_get(o, "values"), 0), "kind"), "string");

	in = json_array_get(a, 2);
	assert_string_equal(str(in, "op"), "select");
	o = json_array_get(json_object_get(in, "args"), 1);
	assert_string_equal(str(o, "kind"), "member");
	assert_int_equal(num(o, "id"), 2);
	assert_int_equal(num(o, "weight"), 50);

	in = json_array_get(a, 3);
	args = json_object_get(in, "args");
	assert_string_equal(str(json_array_get(args, 0), "kind"), "field");
	assert_string_equal(str(json_array_get(args, 0), "field"), "outport");
	assert_string_equal(str(json_array_get(args, 1), "field"), "reg0");

	o = json_array_get(json_object_get(json_array_get(a, 4), "args"), 0);
	assert_string_equal(str(o, "value"), "10.0.0.0");
	assert_string_equal(str(o, "mask"), "255.0.0.0");

	in = json_object_get(json_array_get(a, 5), "params");
	assert_string_equal(str(in, "name"), "acl1");
	assert_string_equal(str(in, "verdict"), "drop");
	assert_int_equal(num(in, "severity"), 4);

	in = json_array_get(a, 6);
	assert_int_equal(num(json_object_get(in, "params"), "family"), 4);
	assert_int_equal(num(json_object_get(in, "params"), "port_lo"), 100);
	assert_int_equal(num(json_object_get(in, "params"), "port_hi"), 200);
	check_texts(a);
	json_decref(a);
}

static void test_drop(void **state)
{
	(void)state;
	json_t *a = lflow_prog_to_json(NULL);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	a = compile_json("drop;");
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_nested),
	    cmocka_unit_test(test_operands),
	    cmocka_unit_test(test_drop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
