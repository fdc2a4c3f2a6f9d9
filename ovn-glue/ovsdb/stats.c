/* SPDX-License-Identifier: Apache-2.0 */
#include "ovsdb/stats.h"

json_t *ovsdb_stats_to_json(const struct ovsdb_stats *s)
{
	json_t *o = json_object();
#define C(f) json_object_set_new(o, #f, json_integer((json_int_t)s->f))
	C(rx_bytes);
	C(tx_bytes);
	C(rx_msgs);
	C(tx_msgs);
	C(max_msg_bytes);
	C(connect_attempts);
	C(connects);
	C(connect_failures);
	C(disconnects);
	C(json_errors);
	C(framing_errors);
	C(oversize);
	C(truncated);
	C(protocol_errors);
	C(probe_timeouts);
	C(rpc_errors);
	C(schema_errors);
	C(update_errors);
	C(txn_errors);
	C(unexpected_replies);
	C(monitor_cond_since);
	C(monitor_cond);
	C(resumes);
	C(full_loads);
	C(updates);
	C(txns);
#undef C
	return o;
}
