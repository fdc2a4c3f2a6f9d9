/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for update application: the input is a table-updates2 object applied to
 * an SB replica that already holds rows (incremental or full reload, per the first byte);
 * the replica's invariants (uuid map, every index, tracked lists) must hold after every
 * attempt, accepted or refused. */
#include "fuzz_common.h"

#include <brint/log.h>

#include <stdint.h>

static struct sb_replica *replica;

static const char *seed_rows =
    "{\"Datapath_Binding\":{\"d0000000-0000-4000-8000-000000000001\":{\"initial\":"
    "{\"tunnel_key\":1,\"external_ids\":[\"map\",[[\"name\",\"ls1\"]]]}}},"
    "\"Port_Binding\":{\"b0000000-0000-4000-8000-000000000001\":{\"initial\":"
    "{\"logical_port\":\"p1\",\"tunnel_key\":1,\"datapath\":[\"uuid\","
    "\"d0000000-0000-4000-8000-000000000001\"],\"mac\":\"00:00:00:00:00:01 10.0.0.1\"}}},"
    "\"Logical_Flow\":{\"f0000000-0000-4000-8000-000000000001\":{\"initial\":"
    "{\"logical_datapath\":[\"uuid\",\"d0000000-0000-4000-8000-000000000001\"],"
    "\"pipeline\":\"ingress\",\"table_id\":1,\"priority\":10,\"match\":\"1\","
    "\"actions\":\"next;\"}}}}";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	brint_log_set_level(BRINT_LOG_ERR);
	replica = fuzz_replica_new();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	json_t *seed, *u;

	if (size < 1)
		return 0;
	/* a known starting point for every input */
	sb_replica_clear(replica);
	sb_replica_ack(replica);
	seed = json_loads(seed_rows, 0, NULL);
	if (sb_replica_apply(replica, seed, true, err, sizeof(err)) < 0)
		abort();
	json_decref(seed);
	sb_replica_ack(replica);

	u = json_loadb((const char *)data + 1, size - 1, 0, NULL);
	if (u == NULL)
		return 0;
	sb_replica_apply(replica, u, data[0] & 1, err, sizeof(err));
	fuzz_replica_check(replica);
	/* and once more on top (modify/delete of what the first pass inserted) */
	sb_replica_apply(replica, u, false, err, sizeof(err));
	fuzz_replica_check(replica);
	json_decref(u);
	return 0;
}
