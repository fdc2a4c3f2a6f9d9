/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl's argv -> request translation (ctl/cli_parse.c). */
#include <ctl/cli_parse.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_ARGS 32

/* argv from a NULL-terminated list */
static int collect(va_list ap, char *argv[MAX_ARGS])
{
	int argc = 0;
	char *a;

	while ((a = va_arg(ap, char *)) != NULL) {
		assert_true(argc < MAX_ARGS);
		argv[argc++] = a;
	}
	return argc;
}

/* The request for argv must equal the JSON `want` exactly (same members, same order). */
static void parses_to(const char *want, ...)
{
	char *argv[MAX_ARGS], *got, *wtext;
	struct cli_error err;
	json_t *req, *w;
	va_list ap;
	int argc;

	va_start(ap, want);
	argc = collect(ap, argv);
	va_end(ap);
	req = cli_parse(argc, argv, &err);
	if (req == NULL)
		fail_msg("%s: unexpected error: %s", argv[0], err.msg);
	w = json_loads(want, 0, NULL);
	assert_non_null(w);
	wtext = json_dumps(w, JSON_COMPACT);
	got = json_dumps(req, JSON_COMPACT);
	if (strcmp(got, wtext) != 0)
		fail_msg("got %s, want %s", got, wtext);
	free(wtext);
	free(got);
	json_decref(w);
	json_decref(req);
}

/* Parsing argv must fail with message msg; cmd/usage as given (NULL: no command). */
static void fails_with(const char *msg, const char *cmd, const char *usage, ...)
{
	char *argv[MAX_ARGS];
	struct cli_error err;
	json_t *req;
	va_list ap;
	int argc;

	va_start(ap, usage);
	argc = collect(ap, argv);
	va_end(ap);
	req = cli_parse(argc, argv, &err);
	if (req != NULL) {
		char *got = json_dumps(req, JSON_COMPACT);
		fail_msg("expected '%s', got request %s", msg, got);
	}
	assert_string_equal(err.msg, msg);
	if (cmd == NULL) {
		assert_null(err.cmd);
		assert_string_equal(err.usage, "");
	} else {
		assert_non_null(err.cmd);
		assert_string_equal(err.cmd, cmd);
		if (usage)
			assert_string_equal(err.usage, usage);
	}
}

#define PORT_ADD_USAGE                                                                             \
	"NAME --type vhost-user|dpdk|tap [--path SOCK] [--mode server|client] [--queues N] "       \
	"[--iface-id ID] [--devargs ARGS] [--iface IFNAME]"

static void test_help_and_lists(void **state)
{
	parses_to("{\"cmd\":\"help\",\"args\":{}}", "help", NULL);
	parses_to("{\"cmd\":\"port list\",\"args\":{}}", "port", "list", NULL);
	parses_to("{\"cmd\":\"xconnect list\",\"args\":{}}", "xconnect", "list", NULL);
	parses_to("{\"cmd\":\"pmd rxq\",\"args\":{}}", "pmd", "rxq", NULL);
	parses_to("{\"cmd\":\"sb status\",\"args\":{}}", "sb", "status", NULL);
	parses_to("{\"cmd\":\"binding list\",\"args\":{}}", "binding", "list", NULL);
	parses_to("{\"cmd\":\"lflow stats\",\"args\":{}}", "lflow", "stats", NULL);
	parses_to("{\"cmd\":\"flows dump\",\"args\":{}}", "flows", "dump", NULL);
}

static void test_port_add(void **state)
{
	parses_to("{\"cmd\":\"port add\",\"args\":{\"name\":\"p0\",\"type\":\"tap\"}}", "port",
		  "add", "p0", "--type", "tap", NULL);
	parses_to("{\"cmd\":\"port add\",\"args\":{\"name\":\"vm1\",\"type\":\"vhost-user\","
		  "\"path\":\"/run/vm1.sock\",\"mode\":\"client\",\"queues\":4,"
		  "\"iface_id\":\"lsp-vm1\",\"devargs\":\"x=1\",\"iface\":\"eth9\"}}",
		  "port", "add", "vm1", "--iface", "eth9", "--type", "vhost-user", "--queues", "4",
		  "--path", "/run/vm1.sock", "--mode", "client", "--iface-id", "lsp-vm1",
		  "--devargs", "x=1", NULL);
	/* --opt=value, options before the positional */
	parses_to("{\"cmd\":\"port add\",\"args\":{\"name\":\"d0\",\"type\":\"dpdk\",\"queues\":2,"
		  "\"devargs\":\"0000:01:00.0,a=b\"}}",
		  "port", "add", "--type=dpdk", "--devargs=0000:01:00.0,a=b", "d0", "--queues=2",
		  NULL);
	/* "--" ends options */
	parses_to("{\"cmd\":\"port add\",\"args\":{\"name\":\"--odd\",\"type\":\"tap\"}}", "port",
		  "add", "--type", "tap", "--", "--odd", NULL);
}

static void test_port_add_errors(void **state)
{
	fails_with("port add: missing --type", "port add", PORT_ADD_USAGE, "port", "add", "p0",
		   NULL);
	fails_with("port add: missing NAME", "port add", PORT_ADD_USAGE, "port", "add", "--type",
		   "tap", NULL);
	fails_with("port add: --type must be one of vhost-user|dpdk|tap, not 'veth'", "port add",
		   PORT_ADD_USAGE, "port", "add", "p0", "--type", "veth", NULL);
	fails_with("port add: --mode must be one of server|client, not 'both'", "port add", NULL,
		   "port", "add", "p0", "--type", "tap", "--mode", "both", NULL);
	fails_with("port add: --queues must be an integer, not 'four'", "port add", NULL, "port",
		   "add", "p0", "--type", "tap", "--queues", "four", NULL);
	fails_with("port add: --queues must be an integer, not '4x'", "port add", NULL, "port",
		   "add", "p0", "--type", "tap", "--queues=4x", NULL);
	fails_with("port add: unknown option '--colour'", "port add", PORT_ADD_USAGE, "port", "add",
		   "p0", "--type", "tap", "--colour", "red", NULL);
	fails_with("port add: unknown option '--colour'", "port add", NULL, "port", "add", "p0",
		   "--type", "tap", "--colour=red", NULL);
	fails_with("port add: unexpected argument 'p1'", "port add", NULL, "port", "add", "p0",
		   "p1", "--type", "tap", NULL);
	fails_with("port add: option --type given twice", "port add", NULL, "port", "add", "p0",
		   "--type", "tap", "--type", "dpdk", NULL);
	fails_with("port add: option --path needs a value", "port add", NULL, "port", "add", "p0",
		   "--type", "tap", "--path", NULL);
	fails_with("port add: option --path needs a value", "port add", NULL, "port", "add", "p0",
		   "--path", "--type", "tap", NULL);
}

static void test_port_del(void **state)
{
	parses_to("{\"cmd\":\"port del\",\"args\":{\"name\":\"p0\"}}", "port", "del", "p0", NULL);
	fails_with("port del: missing NAME", "port del", "NAME", "port", "del", NULL);
	fails_with("port del: unexpected argument 'p1'", "port del", "NAME", "port", "del", "p0",
		   "p1", NULL);
	fails_with("port del: unknown option '--force'", "port del", "NAME", "port", "del", "p0",
		   "--force", NULL);
	fails_with("port list: unexpected argument 'all'", "port list", "", "port", "list", "all",
		   NULL);
}

static void test_xconnect(void **state)
{
	parses_to("{\"cmd\":\"xconnect add\",\"args\":{\"from\":\"a\",\"to\":\"b\"}}", "xconnect",
		  "add", "a", "b", NULL);
	parses_to("{\"cmd\":\"xconnect del\",\"args\":{\"from\":\"a\"}}", "xconnect", "del", "a",
		  NULL);
	fails_with("xconnect add: missing PORT_B", "xconnect add", "PORT_A PORT_B", "xconnect",
		   "add", "a", NULL);
	fails_with("xconnect add: missing PORT_A", "xconnect add", "PORT_A PORT_B", "xconnect",
		   "add", NULL);
	fails_with("xconnect del: unexpected argument 'b'", "xconnect del", "PORT_A", "xconnect",
		   "del", "a", "b", NULL);
}

static void test_pmd(void **state)
{
	parses_to("{\"cmd\":\"pmd stats\",\"args\":{}}", "pmd", "stats", NULL);
	parses_to("{\"cmd\":\"pmd stats\",\"args\":{\"clear\":true}}", "pmd", "stats", "--clear",
		  NULL);
	fails_with("pmd stats: option --clear takes no value", "pmd stats", "[--clear]", "pmd",
		   "stats", "--clear=yes", NULL);
	fails_with("pmd stats: unexpected argument 'now'", "pmd stats", "[--clear]", "pmd", "stats",
		   "--clear", "now", NULL);
	parses_to("{\"cmd\":\"pmd rxq-pin\",\"args\":{\"port\":\"p0\",\"queue\":1,\"core\":3}}",
		  "pmd", "rxq-pin", "p0", "1", "3", NULL);
	fails_with("pmd rxq-pin: QUEUE must be an integer, not 'one'", "pmd rxq-pin",
		   "PORT QUEUE CORE", "pmd", "rxq-pin", "p0", "one", "3", NULL);
	fails_with("pmd rxq-pin: CORE must be an integer, not '3.5'", "pmd rxq-pin", NULL, "pmd",
		   "rxq-pin", "p0", "1", "3.5", NULL);
	fails_with("pmd rxq-pin: missing CORE", "pmd rxq-pin", "PORT QUEUE CORE", "pmd", "rxq-pin",
		   "p0", "1", NULL);
}

static void test_log_sb_lflow_trace(void **state)
{
	parses_to("{\"cmd\":\"log level\",\"args\":{}}", "log", "level", NULL);
	parses_to("{\"cmd\":\"log level\",\"args\":{\"level\":\"debug\"}}", "log", "level", "debug",
		  NULL);
	fails_with("log level: unexpected argument 'ovsdb'", "log level", "[LEVEL]", "log", "level",
		   "debug", "ovsdb", NULL);
	parses_to("{\"cmd\":\"sb dump\",\"args\":{\"table\":\"Port_Binding\"}}", "sb", "dump",
		  "Port_Binding", NULL);
	fails_with("sb dump: missing TABLE", "sb dump", "TABLE", "sb", "dump", NULL);
	parses_to("{\"cmd\":\"lflow show\",\"args\":{\"datapath\":\"ls1\"}}", "lflow", "show",
		  "ls1", NULL);
	parses_to(
	    "{\"cmd\":\"lflow show\",\"args\":{\"datapath\":\"ls1\",\"stage\":\"ls_in_acl\"}}",
	    "lflow", "show", "ls1", "ls_in_acl", NULL);
	parses_to("{\"cmd\":\"lflow show\",\"args\":{\"datapath\":\"ls1\",\"stage\":"
		  "\"ls_in_acl\",\"json\":true}}",
		  "lflow", "show", "ls1", "ls_in_acl", "--json", NULL);
	fails_with("lflow show: missing DATAPATH", "lflow show", "DATAPATH [STAGE] [--json]",
		   "lflow", "show", NULL);
	parses_to(
	    "{\"cmd\":\"trace\",\"args\":{\"port\":\"vm1\",\"flow\":\"ip4 && tcp.dst == 80\"}}",
	    "trace", "vm1", "ip4 && tcp.dst == 80", NULL);
	fails_with("trace: missing MICROFLOW", "trace", "PORT MICROFLOW", "trace", "vm1", NULL);
}

static void test_generic_fallback(void **state)
{
	parses_to("{\"cmd\":\"mac show\",\"args\":{}}", "mac", "show", NULL);
	/* a known group with an unknown subcommand is the daemon's business */
	parses_to("{\"cmd\":\"port show p0\",\"args\":{}}", "port", "show", "p0", NULL);
	parses_to("{\"cmd\":\"vlan add\",\"args\":{\"port\":\"p0\",\"vlan_id\":\"5\","
		  "\"trunk\":true,\"argv\":[\"extra\",\"more\"]}}",
		  "vlan", "add", "--port", "p0", "--vlan-id=5", "--trunk", "--", "extra", "more",
		  NULL);
	parses_to("{\"cmd\":\"foo bar\",\"args\":{\"x\":\"1\",\"argv\":[\"baz\"]}}", "foo", "bar",
		  "--x", "1", "baz", NULL);
	parses_to("{\"cmd\":\"foo\",\"args\":{\"verbose\":true,\"y\":\"\"}}", "foo", "--verbose",
		  "--y=", NULL);
	parses_to("{\"cmd\":\"foo\",\"args\":{\"argv\":[\"a\",\"--b\"]}}", "foo", "--", "a", "--b",
		  NULL);
	/* one word that is a prefix of a known command is not that command */
	parses_to("{\"cmd\":\"port\",\"args\":{}}", "port", NULL);
}

static void test_generic_errors(void **state)
{
	fails_with("option '--x' given twice", NULL, NULL, "foo", "--x", "1", "--x=2", NULL);
	fails_with("option '--argv' is reserved", NULL, NULL, "foo", "--argv", "1", NULL);
	fails_with("option '--=1': empty name", NULL, NULL, "foo", "--=1", NULL);
	fails_with("missing command", NULL, NULL, "--", "a", NULL);
}

static void test_missing_command(void **state)
{
	struct cli_error err;
	char *argv[] = {"--x", NULL};

	assert_null(cli_parse(0, argv, &err));
	assert_string_equal(err.msg, "missing command");
	assert_null(err.cmd);
	assert_null(cli_parse(1, argv, &err));
	assert_string_equal(err.msg, "missing command");
}

static void test_print_commands(void **state)
{
	static const char *const lines[] = {
	    "  help\n      list the commands the daemon knows\n",
	    "  port add " PORT_ADD_USAGE "\n",
	    "  port del NAME\n",
	    "  port list\n",
	    "  xconnect add PORT_A PORT_B\n",
	    "  xconnect del PORT_A\n",
	    "  xconnect list\n",
	    "  pmd stats [--clear]\n",
	    "  pmd rxq\n",
	    "  pmd rxq-pin PORT QUEUE CORE\n",
	    "  log level [LEVEL]\n",
	    "  sb status\n",
	    "  sb dump TABLE\n",
	    "  binding list\n",
	    "  lflow stats\n",
	    "  lflow show DATAPATH [STAGE] [--json]\n",
	    "  trace PORT MICROFLOW\n",
	    "  flows dump\n",
	    "  WORD... [--KEY VALUE | --FLAG]... [-- ARG...]\n",
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *at;

	assert_non_null(f);
	cli_print_commands(f);
	fclose(f);
	assert_memory_equal(text, "Commands:\n", strlen("Commands:\n"));
	at = text;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *p = strstr(at, lines[i]);
		if (p == NULL)
			fail_msg("missing or out of order: %s", lines[i]);
		at = p + strlen(lines[i]);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_help_and_lists),     cmocka_unit_test(test_port_add),
	    cmocka_unit_test(test_port_add_errors),    cmocka_unit_test(test_port_del),
	    cmocka_unit_test(test_xconnect),	       cmocka_unit_test(test_pmd),
	    cmocka_unit_test(test_log_sb_lflow_trace), cmocka_unit_test(test_generic_fallback),
	    cmocka_unit_test(test_generic_errors),     cmocka_unit_test(test_missing_command),
	    cmocka_unit_test(test_print_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
