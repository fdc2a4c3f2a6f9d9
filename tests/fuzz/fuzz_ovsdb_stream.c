/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the JSON-RPC stream reader: the input is a byte stream from the
 * server. (1) Differential: fed whole or in chunks of input-derived sizes, the framer must
 * return the same messages and end in the same state. (2) The same bytes through jsonrpc
 * (framing, JSON parsing, message checks, reply dispatch), with update2/update3
 * notifications applied to an SB replica whose invariants are then checked. */
#include "fuzz_common.h"
#include "ovsdb/framer.h"
#include "ovsdb/jsonrpc.h"

#include <brint/evloop.h>
#include <brint/log.h>

#include <stdint.h>
#include <string.h>

#define MAX_MSG (64u << 10)

static struct ev_loop *loop;
static struct sb_replica *replica;

struct msgs {
	uint64_t hash[256];
	size_t len[256];
	size_t n;
	int end; /* 0 or the error */
};

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	while (n--)
		h = (h ^ (unsigned char)*p++) * 1099511628211ULL;
	return h;
}

static void drain(struct json_framer *f, struct msgs *m)
{
	const char *msg;
	size_t len;
	int rc;
	while (m->end == 0 && (rc = json_framer_next(f, &msg, &len)) != 0) {
		if (rc < 0) {
			m->end = rc;
			break;
		}
		if (len > MAX_MSG || msg[0] != '{' || (msg[len - 1] != '}' && msg[len - 1] != ']'))
			abort();
		if (m->n < 256) {
			m->hash[m->n] = fnv(msg, len);
			m->len[m->n] = len;
		}
		m->n++;
	}
}

static void on_message(void *arg, const char *method, json_t *params, json_t *id)
{
	char err[256];
	json_t *updates = NULL;
	(void)arg;
	(void)id;
	if (strcmp(method, "update3") == 0)
		updates = json_array_get(params, 2);
	else if (strcmp(method, "update2") == 0)
		updates = json_array_get(params, 1);
	else if (strcmp(method, "initial") == 0) /* not OVSDB: lets inputs reach full loads */
		updates = json_array_get(params, 0);
	if (updates) {
		sb_replica_apply(replica, updates, strcmp(method, "initial") == 0, err,
				 sizeof(err));
		fuzz_replica_check(replica);
	}
}

static int errors;
static void on_error(void *arg, int err, const char *why)
{
	(void)arg;
	(void)err;
	(void)why;
	errors++;
}

static void on_reply(void *arg, json_t *result, json_t *error)
{
	(void)arg;
	(void)result;
	(void)error;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	brint_log_set_level(BRINT_LOG_ERR);
	loop = ev_loop_new();
	replica = fuzz_replica_new();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_framer whole, chunked;
	struct msgs a = {0}, b = {0};
	size_t off = 0, i = 0;

	/* (1) whole vs chunked */
	json_framer_init(&whole, MAX_MSG);
	json_framer_init(&chunked, MAX_MSG);
	json_framer_feed(&whole, data, size);
	drain(&whole, &a);
	if (a.end == 0 && json_framer_pending(&whole) > MAX_MSG)
		abort();
	while (off < size) {
		size_t k = 1 + (size ? data[i++ % size] % 61 : 0);
		if (k > size - off)
			k = size - off;
		json_framer_feed(&chunked, data + off, k);
		off += k;
		drain(&chunked, &b);
	}
	if (a.n != b.n || a.end != b.end)
		abort();
	for (size_t k = 0; k < a.n && k < 256; k++)
		if (a.hash[k] != b.hash[k] || a.len[k] != b.len[k])
			abort();
	json_framer_fini(&whole);
	json_framer_fini(&chunked);

	/* (2) through jsonrpc into the replica */
	struct ovsdb_stats st = {0};
	struct jsonrpc_opts o = {.max_msg = MAX_MSG, .probe_ms = 0};
	struct jsonrpc_handlers h = {.on_message = on_message, .on_error = on_error};
	struct jsonrpc *j = jsonrpc_open(loop, NULL, &o, &h, NULL, &st);
	for (int k = 0; k < 3; k++) /* replies with ids 1..3 are expected */
		jsonrpc_request(j, "transact", json_array(), on_reply, NULL);
	off = 0;
	i = 0;
	while (off < size && !jsonrpc_failed(j)) {
		size_t k = 1 + data[(i++ * 7) % size] % 200;
		if (k > size - off)
			k = size - off;
		jsonrpc_receive_bytes(j, data + off, k);
		off += k;
	}
	ev_loop_run_once(loop, 0); /* delivers on_error */
	jsonrpc_close(j);
	sb_replica_ack(replica);
	if (sb_replica_seqno(replica) > 1000)
		sb_replica_clear(replica), sb_replica_ack(replica);
	return 0;
}
