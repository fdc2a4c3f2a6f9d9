/* SPDX-License-Identifier: Apache-2.0 */
/* Counters of one OVSDB client session, shown by "sb status". */
#pragma once

#include <jansson.h>
#include <stdint.h>

struct ovsdb_stats {
	/* traffic */
	uint64_t rx_bytes, tx_bytes, rx_msgs, tx_msgs;
	uint64_t max_msg_bytes; /* largest message received */
	/* connections */
	uint64_t connect_attempts, connects, connect_failures, disconnects;
	/* bad input */
	uint64_t json_errors;	  /* a message that is not valid JSON */
	uint64_t framing_errors;  /* bytes that cannot start a message */
	uint64_t oversize;	  /* a message above max_message_bytes */
	uint64_t truncated;	  /* connection closed in the middle of a message */
	uint64_t protocol_errors; /* valid JSON that is not a valid JSON-RPC/OVSDB message */
	uint64_t probe_timeouts;  /* inactivity probe unanswered */
	uint64_t rpc_errors;	  /* error replies to our requests */
	uint64_t schema_errors;	  /* schema refused (name, version, missing tables/columns) */
	uint64_t update_errors;	  /* an update that could not be applied */
	uint64_t txn_errors;	  /* transactions that failed */
	uint64_t unexpected_replies;
	/* monitor */
	uint64_t monitor_cond_since; /* monitors set up with monitor_cond_since */
	uint64_t monitor_cond;	     /* ... with the monitor_cond fallback */
	uint64_t resumes;	     /* monitor_cond_since answered found=true */
	uint64_t full_loads;	     /* complete contents received */
	uint64_t updates;	     /* update2/update3 notifications applied */
	uint64_t txns;		     /* transactions sent */
};

json_t *ovsdb_stats_to_json(const struct ovsdb_stats *s);
