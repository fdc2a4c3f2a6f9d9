/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl's generic human rendering (ctl/render.c), compared byte for byte. */
#include <ctl/render.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Render the JSON text `in` and compare with `want`. */
static void renders(const char *in, const char *want)
{
	json_error_t jerr;
	json_t *v = json_loads(in, JSON_DECODE_ANY, &jerr);
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (v == NULL)
		fail_msg("bad test input %s: %s", in, jerr.text);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	render_result(f, v);
	fclose(f);
	if (strcmp(out, want) != 0)
		fail_msg("input %s\n--- got:\n%s--- want:\n%s---", in, out, want);
	free(out);
	json_decref(v);
}

static void test_table(void **state)
{
	renders("[{\"name\": \"p0\", \"type\": \"tap\", \"rxq\": 1},"
		" {\"name\": \"vhost-long\", \"type\": \"vhost-user\", \"rxq\": 12, \"extra\": 1}]",
		"name        type        rxq\n"
		"p0          tap         1\n"
		"vhost-long  vhost-user  12\n");
}

static void test_table_odd_cells(void **state)
{
	/* null and missing keys show "-", nested plain arrays compact JSON, a header can be the
	 * widest */
	renders("[{\"a\": null, \"bbbbbbbbbb\": [3], \"c\": true},"
		" {\"bbbbbbbbbb\": [1, 2], \"c\": \"tab\\there\"}]",
		"a  bbbbbbbbbb  c\n"
		"-  [3]         true\n"
		"-  [1,2]       \"tab\\there\"\n");
}

static void test_deep_rows_as_blocks(void **state)
{
	/* rows holding objects or tables (pmd stats) render as blocks, one per row */
	renders(
	    "[{\"pmd\": 0, \"drops\": {\"tx_full\": 2}, \"ports\": [{\"port\": \"a\", \"rx\": 1}]},"
	    " {\"pmd\": 1, \"drops\": {}}]",
	    "pmd: 0\n"
	    "drops:\n"
	    "  tx_full: 2\n"
	    "ports:\n"
	    "  port  rx\n"
	    "  a     1\n"
	    "\n"
	    "pmd: 1\n"
	    "drops: {}\n");
}

static void test_table_utf8_width(void **state)
{
	renders("[{\"k\": \"\xc3\xa9t\xc3\xa9\", \"v\": 1}, {\"k\": \"abcd\", \"v\": 2}]",
		"k     v\n"
		"\xc3\xa9t\xc3\xa9   1\n"
		"abcd  2\n");
}

static void test_object(void **state)
{
	renders(
	    "{\"state\": \"connected\", \"remote\": \"tcp:192.0.2.1:6642\","
	    " \"stats\": {\"rx\": 1, \"tx\": {\"ok\": 2, \"drop\": 0}},"
	    " \"ports\": [{\"name\": \"p0\", \"up\": true}, {\"name\": \"p10\", \"up\": false}],"
	    " \"tags\": [\"a\", \"b\"], \"empty\": {}, \"none\": [], \"unset\": null,"
	    " \"ratio\": 0.5, \"text\": \"line1\\nline2\\n\"}",
	    "state: connected\n"
	    "remote: tcp:192.0.2.1:6642\n"
	    "stats:\n"
	    "  rx: 1\n"
	    "  tx:\n"
	    "    ok: 2\n"
	    "    drop: 0\n"
	    "ports:\n"
	    "  name  up\n"
	    "  p0    true\n"
	    "  p10   false\n"
	    "tags: [\"a\",\"b\"]\n"
	    "empty: {}\n"
	    "none: []\n"
	    "unset: -\n"
	    "ratio: 0.5\n"
	    "text:\n"
	    "  line1\n"
	    "  line2\n");
}

static void test_table_nested_in_object(void **state)
{
	renders("{\"pmd\": {\"core\": 3, \"rxqs\": [{\"port\": \"p0\", \"queue\": 0},"
		" {\"port\": \"vm1\", \"queue\": 11}]}}",
		"pmd:\n"
		"  core: 3\n"
		"  rxqs:\n"
		"    port  queue\n"
		"    p0    0\n"
		"    vm1   11\n");
}

static void test_scalars(void **state)
{
	renders("null", "");
	renders("\"port p0 added\"", "port p0 added\n");
	renders("\"already ends\\n\"", "already ends\n");
	renders("\"two\\nlines\"", "two\nlines\n");
	renders("\"\"", "");
	renders("42", "42\n");
	renders("true", "true\n");
	renders("{}", "");
	renders("[]", "");
}

static void test_plain_arrays(void **state)
{
	renders("[\"info\", \"debug\"]", "info\ndebug\n");
	renders("[1, null, {\"a\": 1}, [2]]", "1\n-\n{\"a\":1}\n[2]\n");
	/* objects mixed with other things are not a table */
	renders("[{\"a\": 1}, 2]", "{\"a\":1}\n2\n");
	/* objects without keys are not a table either */
	renders("[{}, {}]", "{}\n{}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_table_odd_cells),
	    cmocka_unit_test(test_table_utf8_width),
	    cmocka_unit_test(test_object),
	    cmocka_unit_test(test_table_nested_in_object),
	    cmocka_unit_test(test_deep_rows_as_blocks),
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_plain_arrays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
