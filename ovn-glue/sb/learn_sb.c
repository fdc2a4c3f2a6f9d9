/* SPDX-License-Identifier: Apache-2.0 */
/* The learn writer: what the PMDs learn (put_arp, put_nd, put_fdb, drained from their queue
 * every LEARN_TICK_MS on the control thread) becomes southbound MAC_Binding and FDB rows, as
 * ovn-controller's pinctrl writes them:
 *   MAC_Binding: logical_port = the Port_Binding with (datapath, port) tunnel keys, ip as text
 *     (IPv4 dotted, IPv6 as inet_ntop writes it), mac as "xx:xx:xx:xx:xx:xx", datapath = that
 *     port's datapath; the row of (logical_port, ip) is updated when the MAC changed (with
 *     timestamp = wall clock ms when the schema has the column), inserted when there is none;
 *   FDB: (dp_key, mac) -> port_key; an existing row's port_key is updated, except that a
 *     localnet port never takes a MAC over from a VIF.
 * Nothing is written when the replica already holds the binding; the rest goes through the
 * filter (sb/learn_filter.h: hold-down per key, rate limit). At most one learn transaction is
 * in flight; what the filter lets through meanwhile waits for the next one (up to
 * LEARN_MAX_PENDING rows, beyond that it is counted as rate limited and forgotten: the next
 * packet posts it again). `brintctl learn stats` shows the counters. */
#include "glue.h"
#include "sb/learn_filter.h"
#include "dp/learn_queue.h"

#include <ctl/ctl.h>

#include <brint/log.h>
#include <brint/util.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MOD		  "learn"
#define LEARN_TICK_MS	  10
#define LEARN_BURST	  256  /* events drained per call of the source */
#define LEARN_MAX_DRAIN	  8192 /* events per tick */
#define LEARN_MAX_PENDING 512
#define LEARN_HOLD_MS	  2000
#define LEARN_RATE	  500 /* rows per second */
#define LEARN_RATE_BURST  500
#define LEARN_MAX_RECENT  65536

static struct {
	bool started;
	struct ovn_learn_source src;
	struct ev_timer *tick;
	struct lrn_filter filter;
	struct ovsdb_txn *pending; /* ops waiting for the transaction in flight */
	struct dp_learn pending_ev[LEARN_MAX_PENDING];
	unsigned n_pending;
	bool in_flight;
	unsigned in_flight_rows;
	uint64_t last_expire_ms;
	uint64_t drained, not_synced, unknown_port, overflow, written, failed, cancelled, txns;
	uint64_t written_arp, written_nd, written_fdb;
	char last_error[256];
} L;

void learn_sb_link(void)
{
}

static void mac_text(uint64_t mac, char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(mac >> 40) & 0xff,
		 (unsigned)(mac >> 32) & 0xff, (unsigned)(mac >> 24) & 0xff,
		 (unsigned)(mac >> 16) & 0xff, (unsigned)(mac >> 8) & 0xff, (unsigned)mac & 0xff);
}

static void ip_text(const struct dp_learn *e, char out[INET6_ADDRSTRLEN])
{
	if (inet_ntop(e->kind == DP_LEARN_ND ? AF_INET6 : AF_INET, e->ip, out, INET6_ADDRSTRLEN) ==
	    NULL)
		snprintf(out, INET6_ADDRSTRLEN, "?");
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* the Port_Binding with those tunnel keys */
static const struct sb_row *pb_by_keys(const struct sb_replica *r, int64_t dp_key, int64_t port_key,
				       const struct sb_row **dp)
{
	*dp = sb_dp_by_tunnel_key(r, dp_key);
	if (*dp == NULL)
		return NULL;
	union ovs_atom a[2] = {{.uuid = (*dp)->uuid}, {.integer = port_key}};
	struct ovs_datum k[2] = {ovs_datum_of(&a[0]), ovs_datum_of(&a[1])};
	return sb_index_first(sb_replica_table(r, SB_PORT_BINDING), SB_PB_BY_DP_KEY, k);
}

static const struct sb_row *mac_binding(const struct sb_replica *r, const char *lp, const char *ip)
{
	union ovs_atom a[2] = {{.string = (char *)lp}, {.string = (char *)ip}};
	struct ovs_datum k[2] = {ovs_datum_of(&a[0]), ovs_datum_of(&a[1])};
	return sb_index_first(sb_replica_table(r, SB_MAC_BINDING), SB_MAC_BINDING_BY_PORT_IP, k);
}

static const struct sb_row *fdb_row(const struct sb_replica *r, int64_t dp_key, const char *mac)
{
	union ovs_atom a[2] = {{.integer = dp_key}, {.string = (char *)mac}};
	struct ovs_datum k[2] = {ovs_datum_of(&a[0]), ovs_datum_of(&a[1])};
	return sb_index_first(sb_replica_table(r, SB_FDB), SB_FDB_BY_DP_MAC, k);
}

static bool same_mac(const char *s, uint64_t mac)
{
	unsigned m[6];
	uint64_t v = 0;
	if (s == NULL ||
	    sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		v = (v << 8) | (m[i] & 0xff);
	return v == mac;
}

static bool add_op(json_t *op, const struct dp_learn *e)
{
	if (L.pending == NULL && (L.pending = ovsdb_txn_new(SB_DB)) == NULL) {
		json_decref(op);
		return false;
	}
	ovsdb_txn_add(L.pending, op);
	L.pending_ev[L.n_pending++] = *e;
	return true;
}

/* One event: the op to write it, or nothing (counted). */
static void handle(const struct sb_replica *r, const struct dp_learn *e, uint64_t now)
{
	char mac[18], ip[INET6_ADDRSTRLEN];
	const struct sb_row *dp, *pb = NULL, *row;
	bool sb_has;

	mac_text(e->mac, mac);
	if (e->kind == DP_LEARN_FDB) {
		dp = sb_dp_by_tunnel_key(r, e->dp_key);
		if (dp == NULL || e->port_key <= 0) {
			L.unknown_port++;
			LOG_RL(BRINT_LOG_WARN, MOD, "put_fdb on unknown datapath %lld (port %lld)",
			       (long long)e->dp_key, (long long)e->port_key);
			return;
		}
		row = fdb_row(r, e->dp_key, mac);
		int64_t cur = row ? ovs_datum_int(sb_row_col(row, "port_key"), -1) : -1;
		sb_has = cur == e->port_key;
		if (row && !sb_has) {
			/* a localnet port does not take a MAC over from a VIF (as pinctrl) */
			const struct sb_row *old = pb_by_keys(r, e->dp_key, cur, &dp);
			const struct sb_row *new = pb_by_keys(r, e->dp_key, e->port_key, &dp);
			const char *ot = old ? ovs_datum_str(sb_row_col(old, "type")) : NULL;
			const char *nt = new ? ovs_datum_str(sb_row_col(new, "type")) : NULL;
			if (old && new && (ot == NULL || *ot == '\0') && nt &&
			    !strcmp(nt, "localnet"))
				sb_has = true;
		}
	} else {
		pb = pb_by_keys(r, e->dp_key, e->port_key, &dp);
		const char *lp = pb ? ovs_datum_str(sb_row_col(pb, "logical_port")) : NULL;
		if (lp == NULL) {
			L.unknown_port++;
			LOG_RL(BRINT_LOG_WARN, MOD,
			       "put_%s from unknown logical port (datapath %lld, port %lld)",
			       e->kind == DP_LEARN_ND ? "nd" : "arp", (long long)e->dp_key,
			       (long long)e->port_key);
			return;
		}
		ip_text(e, ip);
		row = mac_binding(r, lp, ip);
		sb_has = row && same_mac(ovs_datum_str(sb_row_col(row, "mac")), e->mac);
	}

	if (lrn_check(&L.filter, e, sb_has, now) != LRN_WRITE)
		return;
	if (L.n_pending >= LEARN_MAX_PENDING) {
		lrn_forget(&L.filter, e); /* never sent: the next packet may try again */
		L.overflow++;
		return;
	}

	json_t *op;
	if (e->kind == DP_LEARN_FDB) {
		op = row ? ovsdb_op_update("FDB", ovsdb_where_uuid(&row->uuid),
					   json_pack("{s:I}", "port_key", (json_int_t)e->port_key))
			 : ovsdb_op_insert("FDB",
					   json_pack("{s:s, s:I, s:I}", "mac", mac, "dp_key",
						     (json_int_t)e->dp_key, "port_key",
						     (json_int_t)e->port_key),
					   NULL);
	} else {
		json_t *cols = json_pack("{s:s}", "mac", mac);
		if (sb_table_col(sb_replica_table(r, SB_MAC_BINDING), "timestamp") >= 0)
			json_object_set_new(cols, "timestamp", json_integer(wall_ms()));
		if (row) {
			op = ovsdb_op_update("MAC_Binding", ovsdb_where_uuid(&row->uuid), cols);
		} else {
			json_object_set_new(
			    cols, "logical_port",
			    json_string(ovs_datum_str(sb_row_col(pb, "logical_port"))));
			json_object_set_new(cols, "ip", json_string(ip));
			json_object_set_new(cols, "datapath", ovsdb_uuid_json(&dp->uuid));
			op = ovsdb_op_insert("MAC_Binding", cols, NULL);
		}
	}
	if (!add_op(op, e)) {
		lrn_forget(&L.filter, e);
		L.overflow++;
	}
}

static void count_written(const struct dp_learn *ev, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (ev[i].kind == DP_LEARN_ARP)
			L.written_arp++;
		else if (ev[i].kind == DP_LEARN_ND)
			L.written_nd++;
		else
			L.written_fdb++;
	}
}

static struct dp_learn in_flight_ev[LEARN_MAX_PENDING];

static void flush(void);

static void txn_done(void *arg, int status, const json_t *results, const char *error)
{
	(void)arg;
	(void)results;
	L.in_flight = false;
	if (status == 0) {
		L.written += L.in_flight_rows;
		count_written(in_flight_ev, L.in_flight_rows);
	} else if (status == -ECANCELED) {
		L.cancelled += L.in_flight_rows;
	} else {
		L.failed += L.in_flight_rows;
		snprintf(L.last_error, sizeof(L.last_error), "%s", error ? error : "?");
		LOG_RL(BRINT_LOG_WARN, MOD, "writing %u learned binding(s) failed: %s",
		       L.in_flight_rows, L.last_error);
		/* the keys stay held: they are tried again after the hold-down */
	}
	L.in_flight_rows = 0;
	if (L.started)
		flush();
}

static void flush(void)
{
	if (L.in_flight || L.pending == NULL)
		return;
	struct jsonrpc *rpc = glue.started ? ovsdb_session_rpc(glue.session) : NULL;
	if (rpc == NULL)
		return;
	struct ovsdb_txn *t = L.pending;
	unsigned n = L.n_pending;
	L.pending = NULL;
	L.n_pending = 0;
	memcpy(in_flight_ev, L.pending_ev, n * sizeof(*in_flight_ev));
	ovsdb_txn_add(t, ovsdb_op_comment("brint: learned MAC bindings / FDB"));
	if (ovsdb_txn_commit(t, rpc, &glue.stats, txn_done, NULL) < 0) {
		L.failed += n;
		LOG_RL(BRINT_LOG_WARN, MOD, "cannot send the learn transaction (%u rows)", n);
		return;
	}
	L.in_flight = true;
	L.in_flight_rows = n;
	L.txns++;
}

static void tick(struct ev_timer *t, void *arg)
{
	struct dp_learn ev[LEARN_BURST];
	uint64_t now = brint_now_ms();
	unsigned total = 0, n;
	(void)t;
	(void)arg;

	bool synced = glue.started && ovsdb_mon_synced(glue.mon) && glue.replica;
	while (total < LEARN_MAX_DRAIN && (n = L.src.drain(ev, LEARN_BURST)) > 0) {
		total += n;
		L.drained += n;
		if (!synced) {
			/* the replica cannot tell what the SB holds: drop, the packets post again
			 */
			L.not_synced += n;
			continue;
		}
		for (unsigned i = 0; i < n; i++)
			handle(glue.replica, &ev[i], now);
	}
	if (synced && now - L.last_expire_ms >= LEARN_HOLD_MS / 4) {
		/* the moves held down meanwhile, then forget what is old */
		while ((n = lrn_take_due(&L.filter, now, ev, LEARN_BURST)) > 0)
			for (unsigned i = 0; i < n; i++)
				handle(glue.replica, &ev[i], now);
		lrn_expire(&L.filter, now);
		L.last_expire_ms = now;
	}
	flush();
}

int ovn_glue_learn_start(const struct ovn_learn_source *src)
{
	if (L.started || src == NULL || src->drain == NULL || !glue.started)
		return -1;
	if (L.filter.hold_ms == 0)
		lrn_filter_init(&L.filter, LEARN_HOLD_MS, LEARN_RATE, LEARN_RATE_BURST,
				LEARN_MAX_RECENT);
	L.src = *src;
	L.tick = ev_timer_add(glue.loop, LEARN_TICK_MS, LEARN_TICK_MS, tick, NULL);
	if (L.tick == NULL)
		return -1;
	L.started = true;
	LOG_INFO(MOD,
		 "learning neighbours and MACs into the southbound (hold-down %u ms, at "
		 "most %u rows/s)",
		 LEARN_HOLD_MS, LEARN_RATE);
	return 0;
}

void ovn_glue_learn_stop(void)
{
	if (!L.started)
		return;
	ev_timer_del(glue.loop, L.tick);
	L.tick = NULL;
	L.started = false;
	ovsdb_txn_free(L.pending);
	L.pending = NULL;
	L.n_pending = 0;
	/* a transaction in flight is cancelled with the session (txn_done sees !started) */
}

static void cmd_learn_stats(const json_t *args, struct ctl_reply *r)
{
	struct dp_learn_queue_stats q;
	(void)args;
	memset(&q, 0, sizeof(q));
	if (L.src.stats)
		L.src.stats(&q);
	json_t *o = json_pack("{s:b, s:I, s:I, s:I, s:i, s:I}", "running", L.started, "posted",
			      (json_int_t)q.posted, "queue_full", (json_int_t)q.queue_full,
			      "not_running", (json_int_t)q.not_running, "queue_depth", (int)q.depth,
			      "drained", (json_int_t)L.drained);
	json_object_set_new(o, "deduped", json_integer((json_int_t)L.filter.deduped));
	json_object_set_new(o, "held_down", json_integer((json_int_t)L.filter.held_down));
	json_object_set_new(o, "rate_limited",
			    json_integer((json_int_t)(L.filter.rate_limited + L.overflow)));
	json_object_set_new(o, "not_synced", json_integer((json_int_t)L.not_synced));
	json_object_set_new(o, "unknown_port", json_integer((json_int_t)L.unknown_port));
	json_object_set_new(o, "written", json_integer((json_int_t)L.written));
	json_object_set_new(o, "failed", json_integer((json_int_t)L.failed));
	json_object_set_new(o, "cancelled", json_integer((json_int_t)L.cancelled));
	json_object_set_new(o, "written_by_kind",
			    json_pack("{s:I, s:I, s:I}", "arp", (json_int_t)L.written_arp, "nd",
				      (json_int_t)L.written_nd, "fdb", (json_int_t)L.written_fdb));
	json_object_set_new(o, "transactions", json_integer((json_int_t)L.txns));
	json_object_set_new(o, "in_flight", json_boolean(L.in_flight));
	json_object_set_new(o, "pending", json_integer(L.n_pending));
	json_object_set_new(o, "held_keys", json_integer((json_int_t)lrn_n_recent(&L.filter)));
	json_object_set_new(o, "hold_ms", json_integer(LEARN_HOLD_MS));
	json_object_set_new(o, "max_rows_per_s", json_integer(LEARN_RATE));
	if (L.last_error[0])
		json_object_set_new(o, "last_error", json_string(L.last_error));
	ctl_reply_ok(r, o);
}

CTL_COMMAND(learn_stats, "learn stats", "",
	    "put_arp/put_nd/put_fdb learning: events posted by the PMDs, deduplicated, held "
	    "down, rate limited, written to the southbound MAC_Binding/FDB, failed",
	    cmd_learn_stats)
