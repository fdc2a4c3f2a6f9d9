/* SPDX-License-Identifier: Apache-2.0 */
/* The "ovn" configuration object: defaults, and an error naming the field for every bad
 * key or value (through the public ovn_glue_config_check and the parser behind it). */
#include "config_ovn.h"
#include "ovn_glue.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define BASE                                                                                       \
	"\"remote\":\"unix:/run/ovn/ovnsb_db.sock\",\"chassis\":\"c1\",\"encap_ip\":\"10.0.0.1\""

static json_t *J(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);
	if (j == NULL)
		fail_msg("bad test JSON: %s: %s", e.text, s);
	return j;
}

static void test_defaults(void **state)
{
	struct ovn_config c;
	char err[256];
	json_t *j = J("{" BASE "}");
	(void)state;

	assert_int_equal(ovn_config_parse(j, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n_remotes, 1);
	assert_string_equal(c.remotes[0], "unix:/run/ovn/ovnsb_db.sock");
	assert_string_equal(c.chassis, "c1");
	assert_string_equal(c.encap_type, "geneve");
	assert_non_null(c.hostname);
	assert_int_equal(c.probe_interval_ms, 5000);
	assert_int_equal(c.backoff_min_ms, 1000);
	assert_int_equal(c.backoff_max_ms, 8000);
	assert_int_equal(c.max_message_bytes, 512u << 20);
	assert_int_equal(json_object_size(c.bridge_mappings), 0);
	char *bm = ovn_config_bridge_mappings_str(&c);
	assert_string_equal(bm, "");
	free(bm);
	ovn_config_free(&c);
	json_decref(j);
}

static void test_full(void **state)
{
	struct ovn_config c;
	char err[256];
	json_t *j = J("{\"remote\":\"tcp:10.0.0.2:6642, tcp:10.0.0.3:6642,tcp:[fd00::4]:6642\","
		      "\"chassis\":\"c1\",\"hostname\":\"node-1\",\"encap_type\":\"vxlan\","
		      "\"encap_ip\":\"fd00::1\",\"bridge_mappings\":{\"physnet1\":\"dpdk0\","
		      "\"physnet2\":\"dpdk1\"},\"probe_interval_ms\":0,\"backoff_min_ms\":100,"
		      "\"backoff_max_ms\":200,\"max_message_bytes\":104857600,"
		      "\"release_stale_after_ms\":0,\"chassis_other_config\":{\"k\":\"v\"}}");
	(void)state;

	assert_int_equal(ovn_config_parse(j, &c, err, sizeof(err)), 0);
	assert_int_equal(c.n_remotes, 3);
	assert_string_equal(c.remotes[1], "tcp:10.0.0.3:6642"); /* spaces trimmed */
	assert_string_equal(c.remotes[2], "tcp:[fd00::4]:6642");
	assert_string_equal(c.hostname, "node-1");
	assert_string_equal(c.encap_type, "vxlan");
	assert_int_equal(c.probe_interval_ms, 0);
	assert_int_equal(c.max_message_bytes, 104857600);
	char *bm = ovn_config_bridge_mappings_str(&c);
	assert_non_null(strstr(bm, "physnet1:dpdk0"));
	assert_non_null(strstr(bm, "physnet2:dpdk1"));
	assert_non_null(strchr(bm, ','));
	free(bm);
	ovn_config_free(&c);
	json_decref(j);
}

static void expect_err(const char *obj, const char *want)
{
	char err[256] = "";
	json_t *j = J(obj);
	int rc = ovn_glue_config_check(j, err, sizeof(err));
	json_decref(j);
	if (rc != -1)
		fail_msg("accepted: %s", obj);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\" (config %s)", err, want, obj);
}

static void test_errors_name_the_field(void **state)
{
	(void)state;
	expect_err("[]", "ovn: must be an object");
	expect_err("{\"chassis\":\"c1\",\"encap_ip\":\"10.0.0.1\"}", "ovn.remote: missing");
	expect_err("{" BASE ",\"bogus\":1}", "ovn.bogus: unknown key");
	expect_err("{\"remote\":5,\"chassis\":\"c1\",\"encap_ip\":\"10.0.0.1\"}",
		   "ovn.remote: must be a string");
	expect_err("{\"remote\":\"\",\"chassis\":\"c1\",\"encap_ip\":\"10.0.0.1\"}",
		   "ovn.remote: must not be empty");
	expect_err("{\"remote\":\"http://x\",\"chassis\":\"c1\",\"encap_ip\":\"10.0.0.1\"}",
		   "ovn.remote:");
	expect_err("{\"remote\":\"tcp:ovn-central:6642\",\"chassis\":\"c1\","
		   "\"encap_ip\":\"10.0.0.1\"}",
		   "not an IP address");
	expect_err("{\"remote\":\"tcp:10.0.0.1\",\"chassis\":\"c1\",\"encap_ip\":\"10.0.0.1\"}",
		   "ovn.remote:");
	expect_err("{\"remote\":\"tcp:10.0.0.1:70000\",\"chassis\":\"c1\","
		   "\"encap_ip\":\"10.0.0.1\"}",
		   "port must be 1-65535");
	expect_err("{\"remote\":\"unix:/a,,unix:/b\",\"chassis\":\"c1\",\"encap_ip\":\"1.2.3.4\"}",
		   "ovn.remote: empty entry");
	expect_err("{\"remote\":\"unix:/a\",\"encap_ip\":\"10.0.0.1\"}", "ovn.chassis: missing");
	expect_err("{\"remote\":\"unix:/a\",\"chassis\":\"c1\"}", "ovn.encap_ip: missing");
	expect_err("{\"remote\":\"unix:/a\",\"chassis\":\"c1\",\"encap_ip\":\"10.0.0.300\"}",
		   "ovn.encap_ip: \"10.0.0.300\" is not");
	expect_err("{" BASE ",\"encap_type\":\"stt\"}", "ovn.encap_type: \"stt\" not supported");
	expect_err("{" BASE ",\"hostname\":\"a\\nb\"}", "ovn.hostname: must be printable");
	expect_err("{" BASE ",\"bridge_mappings\":[\"physnet1:dpdk0\"]}",
		   "ovn.bridge_mappings: must be an object");
	expect_err("{" BASE ",\"bridge_mappings\":{\"physnet1\":3}}",
		   "ovn.bridge_mappings.physnet1: must be a string");
	expect_err("{" BASE ",\"bridge_mappings\":{\"phys:net\":\"dpdk0\"}}",
		   "ovn.bridge_mappings.phys:net");
	expect_err("{" BASE ",\"probe_interval_ms\":50}", "ovn.probe_interval_ms");
	expect_err("{" BASE ",\"probe_interval_ms\":\"5000\"}", "ovn.probe_interval_ms");
	expect_err("{" BASE ",\"backoff_min_ms\":2000,\"backoff_max_ms\":1000}",
		   "ovn.backoff_max_ms: below backoff_min_ms");
	expect_err("{" BASE ",\"max_message_bytes\":100}", "ovn.max_message_bytes");
	expect_err("{" BASE ",\"release_stale_after_ms\":-1}", "ovn.release_stale_after_ms");
	expect_err("{" BASE ",\"chassis_other_config\":{\"k\":1}}", "ovn.chassis_other_config.k");
	expect_err(
	    "{\"remote\":\"ssl:10.0.0.2:6642\",\"chassis\":\"c1\",\"encap_ip\":\"10.0.0.1\"}",
	    "ovn.ssl_key: required");
	expect_err("{\"remote\":\"ssl:10.0.0.2:6642\",\"chassis\":\"c1\",\"encap_ip\":\"10.0.0.1\","
		   "\"ssl_key\":\"/nonexistent/k\",\"ssl_cert\":\"/nonexistent/c\","
		   "\"ssl_ca_cert\":\"/nonexistent/ca\"}",
		   "ovn.ssl_key: cannot read");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_errors_name_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
