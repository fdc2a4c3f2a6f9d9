/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration parsing: good files, and every kind of bad one naming its field. */
#include "config.h"

#include <brint/log.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static int load_text(const char *text, struct brint_config *cfg, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	int rc;
	assert_non_null(root);
	rc = brint_config_load_json(root, cfg, err, errlen);
	json_decref(root);
	return rc;
}

static void test_good_full(void **state)
{
	struct brint_config cfg;
	char err[512] = "";
	const char *text =
	    "{\"eal\": [\"-l\", \"0,1\", \"--file-prefix\", \"brint\", \"-m\", \"512\"],"
	    " \"pmd_cores\": [1], \"control_socket\": \"/tmp/x.sock\", \"log_level\": \"debug\","
	    " \"mbufs\": 8192,"
	    " \"ports\": ["
	    "  {\"name\": \"pod1\", \"type\": \"vhost-user\", \"path\": \"/tmp/p1.sock\","
	    "   \"mode\": \"client\", \"queues\": 2, \"iface_id\": \"pod1.default\","
	    "   \"rxq_pin\": [1, -1]},"
	    "  {\"name\": \"nic0\", \"type\": \"dpdk\", \"devargs\": \"net_null0\"},"
	    "  {\"name\": \"ovn0\", \"type\": \"tap\", \"mac\": \"00:00:00:00:00:01\","
	    "   \"mtu\": 1400}],"
	    " \"xconnects\": [{\"from\": \"pod1\", \"to\": \"nic0\"}],"
	    " \"ovn\": {\"remote\": \"unix:/tmp/sb.sock\"}}";

	(void)state;
	assert_int_equal(load_text(text, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.eal_argc, 7);
	assert_string_equal(cfg.eal_argv[0], "brintd");
	assert_string_equal(cfg.eal_argv[4], "brint");
	assert_null(cfg.eal_argv[7]);
	assert_int_equal(cfg.n_pmd_cores, 1);
	assert_int_equal(cfg.pmd_cores[0], 1);
	assert_string_equal(cfg.control_socket, "/tmp/x.sock");
	assert_int_equal(cfg.log_level, BRINT_LOG_DEBUG);
	assert_int_equal(cfg.mbufs, 8192);
	assert_int_equal(cfg.n_ports, 3);
	assert_int_equal(cfg.ports[0].type, BRINT_PORT_VHOST_USER);
	assert_int_equal(cfg.ports[0].mode, BRINT_VHOST_CLIENT);
	assert_int_equal(cfg.ports[0].queues, 2);
	assert_string_equal(cfg.ports[0].iface_id, "pod1.default");
	assert_int_equal(cfg.ports[0].rxq_pin[0], 1);
	assert_int_equal(cfg.ports[0].rxq_pin[1], -1);
	assert_int_equal(cfg.ports[1].type, BRINT_PORT_DPDK);
	assert_string_equal(cfg.ports[1].devargs, "net_null0");
	assert_int_equal(cfg.ports[1].queues, 1);
	assert_int_equal(cfg.ports[2].type, BRINT_PORT_TAP);
	assert_string_equal(cfg.ports[2].iface, "ovn0"); /* defaults to the port name */
	assert_int_equal(cfg.ports[2].mtu, 1400);
	assert_int_equal(cfg.n_xconnects, 1);
	assert_string_equal(cfg.xconnects[0].to, "nic0");
	assert_non_null(cfg.ovn);
	brint_config_free(&cfg);
}

static void test_defaults(void **state)
{
	struct brint_config cfg;
	char err[512] = "";
	(void)state;
	assert_int_equal(load_text("{\"pmd_cores\": [3]}", &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.control_socket, BRINT_DEFAULT_SOCKET);
	assert_int_equal(cfg.log_level, BRINT_LOG_INFO);
	assert_int_equal(cfg.eal_argc, 1);
	assert_int_equal(cfg.n_ports, 0);
	assert_null(cfg.ovn);
	brint_config_free(&cfg);
}

struct bad_case {
	const char *text;
	const char *expect; /* substring of the error */
};

static const struct bad_case bad_cases[] = {
    {"[]", "top level: must be an object"},
    {"{\"pmd_cores\": [1], \"bogus\": 1}", "bogus: unknown key"},
    {"{}", "pmd_cores: missing"},
    {"{\"pmd_cores\": []}", "pmd_cores: must be an array of 1 to"},
    {"{\"pmd_cores\": [1, 1]}", "pmd_cores[1]: core 1 listed twice"},
    {"{\"pmd_cores\": [\"1\"]}", "pmd_cores[0]: must be a core id"},
    {"{\"pmd_cores\": [1], \"eal\": \"-l 0\"}", "eal: must be an array of strings"},
    {"{\"pmd_cores\": [1], \"eal\": [\"-l\", 0]}", "eal[1]: must be a string"},
    {"{\"pmd_cores\": [1], \"log_level\": \"loud\"}", "log_level: must be one of"},
    {"{\"pmd_cores\": [1], \"control_socket\": \"rel.sock\"}",
     "control_socket: must be an absolute"},
    {"{\"pmd_cores\": [1], \"mbufs\": 10}", "mbufs: must be an integer in"},
    {"{\"pmd_cores\": [1], \"ports\": {}}", "ports: must be an array"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"type\": \"tap\"}]}", "ports[0].name: missing"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a b\", \"type\": \"tap\"}]}",
     "ports[0].name: 'a b' may hold only"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"veth\"}]}",
     "ports[0].type: 'veth' is not one of"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"vhost-user\"}]}",
     "ports[0].path: missing"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"dpdk\"}]}",
     "ports[0].devargs: missing"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"vhost-user\","
     " \"path\": \"/x\", \"mode\": \"both\"}]}",
     "ports[0].mode: 'both' is not one of server, client"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"vhost-user\","
     " \"path\": \"/x\", \"queues\": 0}]}",
     "ports[0].queues: must be an integer in [1, 16]"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\", \"mode\": "
     "\"server\"}]}",
     "ports[0].mode: only for vhost-user"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\", \"mac\": \"zz\"}]}",
     "ports[0].mac: 'zz' is not a MAC"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\", \"speed\": 1}]}",
     "ports[0].speed: unknown key"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\"},"
     " {\"name\": \"a\", \"type\": \"tap\", \"iface\": \"b\"}]}",
     "ports[1].name: 'a' already used by ports[0]"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"vhost-user\", \"path\": "
     "\"/s\"},"
     " {\"name\": \"b\", \"type\": \"vhost-user\", \"path\": \"/s\"}]}",
     "ports[1].path: '/s' already used by ports[0]"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"vhost-user\", \"path\": "
     "\"/s\","
     " \"rxq_pin\": [1, 1]}]}",
     "ports[0].rxq_pin: must be an array of at most 1"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\"}],"
     " \"xconnects\": [{\"from\": \"a\", \"to\": \"zz\"}]}",
     "xconnects[0].to: no port named 'zz'"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\"}],"
     " \"xconnects\": [{\"from\": \"a\"}]}",
     "xconnects[0]: must be"},
    {"{\"pmd_cores\": [1], \"ovn\": []}", "ovn: must be an object"},
    /* a tap port's kernel side */
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\","
     " \"addresses\": [\"100.64.0.2\"]}]}",
     "ports[0].addresses[0]: must be an IPv4 or IPv6 address with a prefix length"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\","
     " \"addresses\": [\"100.64.0.2/33\"]}]}",
     "ports[0].addresses[0]: must be"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\","
     " \"addresses\": \"100.64.0.2/16\"}]}",
     "ports[0].addresses: must be an array"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"dpdk\","
     " \"devargs\": \"net_null0\", \"addresses\": [\"10.0.0.1/24\"]}]}",
     "ports[0].addresses: only for tap ports"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\","
     " \"routes\": [{\"dst\": \"10.16.0.1/16\", \"via\": \"100.64.0.1\"}]}]}",
     "ports[0].routes[0].dst: '10.16.0.1/16' has host bits set"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\","
     " \"routes\": [{\"dst\": \"10.16.0.0/16\", \"via\": \"fd00::1\"}]}]}",
     "ports[0].routes[0].via: not the address family of dst"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\","
     " \"routes\": [{\"dst\": \"10.16.0.0/16\", \"gw\": \"10.0.0.1\"}]}]}",
     "ports[0].routes[0].gw: unknown key"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\","
     " \"routes\": [{\"via\": \"10.0.0.1\"}]}]}",
     "ports[0].routes[0].dst: must be a prefix"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\","
     " \"routes\": [{\"dst\": \"10.16.0.0/16\", \"via\": \"10.0.0.0/8\"}]}]}",
     "ports[0].routes[0].via: must be an IPv4 or IPv6 address"},
    /* bridge mappings name a dpdk port of the file that carries no logical port */
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\"}],"
     " \"ovn\": {\"bridge_mappings\": {\"physnet1\": \"nic9\"}}}",
     "ovn.bridge_mappings.physnet1: no port named 'nic9' in ports"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\"}],"
     " \"ovn\": {\"bridge_mappings\": {\"physnet1\": \"a\"}}}",
     "ovn.bridge_mappings.physnet1: port 'a' is a tap port; a provider NIC is a dpdk port"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"dpdk\","
     " \"devargs\": \"net_null0\", \"iface_id\": \"lp\"}],"
     " \"ovn\": {\"bridge_mappings\": {\"physnet1\": \"a\"}}}",
     "ports[0].iface_id: port 'a' is the provider NIC of physnet1"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"dpdk\","
     " \"devargs\": \"net_null0\"}, {\"name\": \"b\", \"type\": \"tap\"}],"
     " \"xconnects\": [{\"from\": \"b\", \"to\": \"a\"}],"
     " \"ovn\": {\"bridge_mappings\": {\"physnet1\": \"a\"}}}",
     "xconnects[0]: port 'a' is the provider NIC of physnet1"},
    /* the node's own interface on a NIC */
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"dpdk\","
     " \"devargs\": \"net_null0\", \"internal_of\": \"a\"}]}",
     "ports[0].internal_of: only for tap ports"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\","
     " \"internal_of\": \"nic\"}]}",
     "ports[0].internal_of: 'nic' is not a dpdk port of ports"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"a\", \"type\": \"tap\","
     " \"internal_of\": \"nic\", \"iface_id\": \"x\"}]}",
     "ports[0].internal_of: the node's interface on a NIC carries no logical port"},
    {"{\"pmd_cores\": [1], \"ports\": [{\"name\": \"nic\", \"type\": \"dpdk\","
     " \"devargs\": \"net_null0\"}, {\"name\": \"a\", \"type\": \"tap\","
     " \"internal_of\": \"nic\"}, {\"name\": \"b\", \"type\": \"tap\","
     " \"internal_of\": \"nic\"}]}",
     "ports[2].internal_of: 'nic' already has ports[1] as its internal interface"},
};

/* ovn0 as kube-ovn's daemon would describe it: the join port's MAC and address, the routes to
 * the pod CIDRs through the join router port; a provider NIC mapped by the OVN object. */
static void test_host_and_provider(void **state)
{
	struct brint_config cfg;
	char err[512] = "", s[64];
	const char *text =
	    "{\"pmd_cores\": [1], \"ports\": ["
	    "  {\"name\": \"ovn0\", \"type\": \"tap\", \"iface_id\": \"node-node1\","
	    "   \"mac\": \"0a:00:00:64:00:02\", \"mtu\": 1400,"
	    "   \"addresses\": [\"100.64.0.2/16\", \"fd00:100:64::2/112\"],"
	    "   \"routes\": [{\"dst\": \"10.16.0.0/16\", \"via\": \"100.64.0.1\"},"
	    "              {\"dst\": \"0.0.0.0/0\"}]},"
	    "  {\"name\": \"phy0\", \"type\": \"dpdk\", \"devargs\": \"net_af_packet0,iface=e\"}],"
	    " \"ovn\": {\"bridge_mappings\": {\"physnet1\": \"phy0\"}}}";

	(void)state;
	assert_int_equal(load_text(text, &cfg, err, sizeof(err)), 0);
	const struct brint_port_cfg *p = &cfg.ports[0];
	assert_int_equal(p->n_addrs, 2);
	brint_kaddr_format(p->addrs[0].family, p->addrs[0].addr, p->addrs[0].plen, s, sizeof(s));
	assert_string_equal(s, "100.64.0.2/16");
	brint_kaddr_format(p->addrs[1].family, p->addrs[1].addr, p->addrs[1].plen, s, sizeof(s));
	assert_string_equal(s, "fd00:100:64::2/112");
	assert_int_equal(p->n_routes, 2);
	brint_kaddr_format(p->routes[0].family, p->routes[0].dst, p->routes[0].plen, s, sizeof(s));
	assert_string_equal(s, "10.16.0.0/16");
	assert_true(p->routes[0].has_via);
	brint_kaddr_format(p->routes[0].family, p->routes[0].via, -1, s, sizeof(s));
	assert_string_equal(s, "100.64.0.1");
	assert_int_equal(p->routes[1].plen, 0);
	assert_false(p->routes[1].has_via);
	assert_int_equal(cfg.ports[1].n_addrs, 0);
	brint_config_free(&cfg);
}

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct brint_config cfg;
		char err[512] = "";
		int rc = load_text(bad_cases[i].text, &cfg, err, sizeof(err));
		if (rc == 0 || strstr(err, bad_cases[i].expect) == NULL)
			fail_msg("case %zu: %s\n  expected error containing: %s\n  got rc=%d: %s",
				 i, bad_cases[i].text, bad_cases[i].expect, rc, err);
	}
}

static void test_file_errors(void **state)
{
	struct brint_config cfg;
	char err[512] = "", path[] = "/tmp/brint-test-config-XXXXXX";
	int fd = mkstemp(path);
	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"pmd_cores\": [1],\n  \"eal\": [\"-l\" \"0\"]}\n", 40), 40);
	close(fd);
	assert_int_equal(brint_config_load_file(path, &cfg, err, sizeof(err)), -1);
	/* syntax errors carry file:line:column */
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ":2:"));
	unlink(path);

	assert_int_equal(brint_config_load_file("/nonexistent/brint.json", &cfg, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "/nonexistent/brint.json"));
}

static void test_port_cfg_from_cli_strings(void **state)
{
	/* the CLI sends every option as a string: queues "4" must parse, "4x" must not */
	struct brint_port_cfg p;
	char err[256];
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", "p", "type", "vhost-user", "path",
			      "/tmp/p.sock", "queues", "4");
	(void)state;
	assert_int_equal(brint_port_cfg_parse(o, "args", &p, err, sizeof(err)), 0);
	assert_int_equal(p.queues, 4);
	json_object_set_new(o, "queues", json_string("4x"));
	assert_int_equal(brint_port_cfg_parse(o, "args", &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "args.queues"));
	json_decref(o);
}

static void test_examples_parse(void **state)
{
	/* the shipped examples stay valid */
	const char *files[] = {"xconnect.json", "node.json"};
	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct brint_config cfg;
		char path[512], err[512] = "";
		snprintf(path, sizeof(path), "%s/config/examples/%s", BRINT_SOURCE_DIR, files[i]);
		if (brint_config_load_file(path, &cfg, err, sizeof(err)) != 0)
			fail_msg("%s: %s", path, err);
		assert_true(cfg.n_ports > 0);
		brint_config_free(&cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_full),	   cmocka_unit_test(test_host_and_provider),
	    cmocka_unit_test(test_defaults),	   cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_file_errors),	   cmocka_unit_test(test_port_cfg_from_cli_strings),
	    cmocka_unit_test(test_examples_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
