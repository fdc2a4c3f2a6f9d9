/* SPDX-License-Identifier: Apache-2.0 */
/* A monitor reply above 100 MB (what a large OVN_Southbound sends as one message), arriving in
 * 64 KiB reads through the stream reader and jsonrpc, applied to an SB replica with the real
 * schema: every row must arrive, indexed, within the default max_message_bytes. */
#include "ovsdb/jsonrpc.h"
#include "ovsdb/schema.h"
#include "sb/replica.h"
#include "sb/sb_tables.h"

#include <brint/evloop.h>
#include <brint/util.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define TARGET_BYTES (110u << 20)

struct ctx {
	struct sb_replica *r;
	int applied;
	char err[256];
};

static void on_reply(void *arg, json_t *result, json_t *error)
{
	struct ctx *c = arg;
	assert_non_null(result);
	assert_null(error);
	assert_int_equal(
	    sb_replica_apply(c->r, json_array_get(result, 2), true, c->err, sizeof(c->err)), 0);
	c->applied++;
}

static void on_message(void *arg, const char *method, json_t *params, json_t *id)
{
	(void)arg;
	(void)params;
	(void)id;
	fail_msg("unexpected %s", method);
}

static void on_error(void *arg, int err, const char *why)
{
	(void)arg;
	(void)err;
	fail_msg("connection failed: %s", why);
}

struct buf {
	char *p;
	size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void test_110mb_monitor_reply(void **state)
{
	json_error_t je;
	json_t *sj = json_load_file("/usr/share/ovn/ovn-sb.ovsschema", 0, &je);
	struct ctx c = {0};
	struct buf b = {0};
	char row[1024], err[256];
	bool rebuilt;
	size_t n_rows = 0;
	uint64_t t0, t1;
	(void)state;

	if (sj == NULL)
		skip();
	struct ovs_schema *s = ovs_schema_from_json(sj, err, sizeof(err));
	json_decref(sj);
	c.r = sb_tables_replica_new();
	assert_int_equal(sb_replica_set_schema(c.r, s, &rebuilt, err, sizeof(err)), 0);
	ovs_schema_free(s);

	/* {"id":1,"result":[false,"<txn>",{"Datapath_Binding":{..},"Logical_Flow":{...}}],...} */
	const char *head = "{\"id\":1,\"result\":[false,\"0badc0de-0000-4000-8000-000000000001\","
			   "{\"Datapath_Binding\":{\"d0000000-0000-4000-8000-000000000001\":"
			   "{\"initial\":{\"tunnel_key\":1,\"external_ids\":[\"map\",[[\"name\","
			   "\"ovn-default\"]]]}}},\"Logical_Flow\":{";
	put(&b, head, strlen(head));
	while (b.n < TARGET_BYTES) {
		int n = snprintf(
		    row, sizeof(row),
		    "%s\"%08zx-0000-4000-8000-000000000000\":{\"initial\":{\"logical_datapath\":"
		    "[\"uuid\",\"d0000000-0000-4000-8000-000000000001\"],\"pipeline\":\"ingress\","
		    "\"table_id\":%zu,\"priority\":%zu,\"match\":\"inport == \\\"pod%zu.default\\\""
		    " && eth.src == {00:00:00:%02zx:%02zx:%02zx} && ip4.src == {10.16.%zu.%zu}\","
		    "\"actions\":\"next;\",\"external_ids\":[\"map\",[[\"source\","
		    "\"northd.c:5678\"],[\"stage-name\",\"ls_in_port_sec_ip\"]]]}}",
		    n_rows ? "," : "", n_rows, n_rows % 30, n_rows % 65536, n_rows,
		    n_rows >> 16 & 255, n_rows >> 8 & 255, n_rows & 255, n_rows / 256 % 256,
		    n_rows % 256);
		put(&b, row, (size_t)n);
		n_rows++;
	}
	put(&b, "}}],\"error\":null}", 17);

	struct ev_loop *l = ev_loop_new();
	struct ovsdb_stats st = {0};
	struct jsonrpc_opts o = {.max_msg = 512u << 20, .probe_ms = 0};
	struct jsonrpc_handlers h = {.on_message = on_message, .on_error = on_error};
	struct jsonrpc *j = jsonrpc_open(l, NULL, &o, &h, NULL, &st);
	assert_int_equal(jsonrpc_request(j, "monitor_cond_since", json_array(), on_reply, &c), 0);
	t0 = brint_now_ms();
	for (size_t off = 0; off < b.n; off += 65536)
		jsonrpc_receive_bytes(j, b.p + off, b.n - off < 65536 ? b.n - off : 65536);
	t1 = brint_now_ms();
	ev_loop_run_once(l, 0);
	if (c.applied != 1)
		fail_msg("reply not applied: %s", c.err);
	assert_false(jsonrpc_failed(j));
	assert_int_equal(st.max_msg_bytes, b.n);
	assert_int_equal(sb_table_n_rows(sb_replica_table(c.r, SB_LOGICAL_FLOW)), n_rows);
	struct ovs_uuid dp;
	ovs_uuid_from_string("d0000000-0000-4000-8000-000000000001", &dp);
	size_t n = 0;
	for (const struct sb_row *x = sb_lflow_first(c.r, false, &dp, "ingress", 7); x;
	     x = sb_lflow_next(c.r, false, x, &dp, "ingress", 7))
		n++;
	assert_int_equal(n, n_rows / 30 + (n_rows % 30 > 7));
	print_message("%zu bytes, %zu logical flows: framed, parsed and applied in %llu ms\n", b.n,
		      n_rows, (unsigned long long)(t1 - t0));
	jsonrpc_close(j);
	ev_loop_free(l);
	sb_replica_free(c.r);
	free(b.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_110mb_monitor_reply),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
