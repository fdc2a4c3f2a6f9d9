/* SPDX-License-Identifier: Apache-2.0 */
/* The public entry points, and the writer: at most one SB transaction in flight, built from
 * what chassis.c and binding.c find out of line after each change. */
#include "glue.h"

#include <brint/log.h>
#include <brint/util.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOD	     "ovn"
#define RETRY_MIN_MS 500
#define RETRY_MAX_MS 30000
#define SETTLE_MS    1000

struct glue glue;

static void timer_off(struct ev_timer **t)
{
	if (*t) {
		ev_timer_del(glue.loop, *t);
		*t = NULL;
	}
}

/* ---- the writer ---- */

static void round_run(void);

static void round_cb(struct ev_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	glue.round_timer = NULL;
	round_run();
}

void glue_schedule_round(void)
{
	if (glue.started && glue.round_timer == NULL)
		glue.round_timer = ev_timer_add(glue.loop, 0, 0, round_cb, NULL);
}

static void retry_cb(struct ev_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	glue.retry_timer = NULL;
	round_run();
}

static void settle_cb(struct ev_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	glue.settle_timer = NULL;
	glue.awaiting_update = false; /* the update never came (nothing changed): go on */
	round_run();
}

static bool txn_changed_rows(const json_t *results)
{
	size_t i;
	json_t *r;
	json_array_foreach (results, i, r) {
		json_t *count = json_object_get(r, "count");
		if (json_object_get(r, "uuid") ||
		    (json_is_integer(count) && json_integer_value(count)))
			return true;
	}
	return false;
}

/* Remember the rows the txn inserted ({"uuid": ["uuid", "..."]} results). */
static void note_inserts(const json_t *results)
{
	size_t i;
	json_t *r;
	glue.n_pending_inserts = 0;
	json_array_foreach (results, i, r) {
		json_t *u = json_array_get(json_object_get(r, "uuid"), 1);
		if (json_is_string(u) &&
		    glue.n_pending_inserts < ARRAY_SIZE(glue.pending_inserts) &&
		    ovs_uuid_from_string(json_string_value(u),
					 &glue.pending_inserts[glue.n_pending_inserts]))
			glue.n_pending_inserts++;
	}
}

static bool inserts_replicated(void)
{
	for (unsigned k = 0; k < glue.n_pending_inserts; k++) {
		bool found = false;
		for (unsigned i = 0; i < sb_replica_n_tables(glue.replica) && !found; i++)
			found = sb_table_find(sb_replica_table(glue.replica, i),
					      &glue.pending_inserts[k]) != NULL;
		if (!found)
			return false;
	}
	return true;
}

static void round_done(void *arg, int status, const json_t *results, const char *error)
{
	(void)arg;
	glue.txn_in_flight = false;
	if (!glue.started)
		return;
	if (status == 0) {
		glue.retry_ms = 0;
		glue.last_txn_error[0] = '\0';
		note_inserts(results);
		/* Decide nothing more until the monitor shows the result: the update may come
		 * before or after this reply. Inserted rows are waited for by uuid; for updates
		 * (all conditional, so repeating one is harmless) any update since the txn was
		 * sent is taken as the one. */
		if (glue.n_pending_inserts)
			glue.awaiting_update = !inserts_replicated();
		else
			glue.awaiting_update =
			    txn_changed_rows(results) &&
			    sb_replica_seqno(glue.replica) == glue.txn_sent_seqno;
		if (glue.awaiting_update) {
			timer_off(&glue.settle_timer);
			glue.settle_timer = ev_timer_add(glue.loop, SETTLE_MS, 0, settle_cb, NULL);
		} else {
			glue_schedule_round();
		}
		return;
	}
	if (status == -ECANCELED)
		return; /* connection lost: everything is re-evaluated after the resync */
	snprintf(glue.last_txn_error, sizeof(glue.last_txn_error), "%s", error);
	glue.retry_ms = glue.retry_ms ? glue.retry_ms * 2 : RETRY_MIN_MS;
	if (glue.retry_ms > RETRY_MAX_MS)
		glue.retry_ms = RETRY_MAX_MS;
	LOG_RL(BRINT_LOG_WARN, MOD, "southbound transaction failed: %s (retry in %u ms)", error,
	       glue.retry_ms);
	timer_off(&glue.retry_timer);
	glue.retry_timer = ev_timer_add(glue.loop, glue.retry_ms, 0, retry_cb, NULL);
}

static void round_run(void)
{
	struct jsonrpc *rpc;
	struct ovsdb_txn *t;
	const struct sb_row *ch, *encap;

	if (!glue.started || !ovsdb_mon_synced(glue.mon)) {
		if (glue.started)
			binding_refresh_states(&glue);
		return;
	}
	if (glue.txn_in_flight || glue.awaiting_update || glue.retry_timer)
		return;
	rpc = ovsdb_session_rpc(glue.session);
	if (rpc == NULL)
		return;
	t = ovsdb_txn_new(SB_DB);
	if (t == NULL)
		return;
	chassis_build_ops(&glue, t);
	ch = chassis_row(&glue);
	encap = chassis_encap_row(&glue);
	if (ch)
		binding_build_ops(&glue, t, &ch->uuid, encap ? &encap->uuid : NULL);
	else
		binding_refresh_states(&glue);
	if (ovsdb_txn_n_ops(t) == 0) {
		ovsdb_txn_free(t);
		return;
	}
	ovsdb_txn_add(t, ovsdb_op_comment("brint chassis update"));
	glue.txn_sent_seqno = sb_replica_seqno(glue.replica);
	if (ovsdb_txn_commit(t, rpc, &glue.stats, round_done, NULL) == 0)
		glue.txn_in_flight = true;
}

/* ---- monitor callbacks ---- */

static json_t *on_schema(void *arg, const struct ovs_schema *s, bool *reset, char *err,
			 size_t errlen)
{
	unsigned v[3];
	(void)arg;
	if (ovs_version_parse(s->version, v) < 0 || v[0] != 20) {
		snprintf(err, errlen, "%s schema version \"%s\" not supported (20.x expected)",
			 s->name, s->version);
		return NULL;
	}
	if (sb_replica_set_schema(glue.replica, s, reset, err, errlen) < 0)
		return NULL;
	if (*reset)
		LOG_INFO(MOD, "southbound replica set up for schema %s", s->version);
	return sb_replica_monitor_requests(glue.replica);
}

static int on_apply(void *arg, const json_t *updates, bool full, char *err, size_t errlen)
{
	(void)arg;
	return sb_replica_apply(glue.replica, updates, full, err, errlen);
}

static void stale_cb(struct ev_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	glue.stale_timer = NULL;
	glue.stale_grace_over = true;
	glue.stale_check_due = true;
	glue_schedule_round();
}

static void on_synced(void *arg, bool resumed)
{
	(void)arg;
	(void)resumed;
	if (!glue.ever_synced) {
		glue.ever_synced = true;
		if (glue.cfg.release_stale_after_ms)
			glue.stale_timer = ev_timer_add(glue.loop, glue.cfg.release_stale_after_ms,
							0, stale_cb, NULL);
	} else if (glue.stale_grace_over) {
		glue.stale_check_due = true;
	}
	glue.awaiting_update = false;
	timer_off(&glue.settle_timer);
	glue_schedule_round();
}

static void on_lost(void *arg)
{
	(void)arg;
	glue.awaiting_update = false;
	timer_off(&glue.settle_timer);
}

/* every commit to the replica */
static void on_replica_change(struct sb_replica *r, void *arg)
{
	const struct sb_row *sbg = sb_sb_global(r);
	int64_t nb_cfg = sbg ? ovs_datum_int(sb_row_col(sbg, "nb_cfg"), 0) : 0;
	(void)arg;
	if (nb_cfg != glue.nb_cfg_seen) {
		glue.nb_cfg_seen = nb_cfg;
		glue.nb_cfg_seen_seqno = sb_replica_seqno(r);
	}
	if (glue.awaiting_update && (glue.n_pending_inserts == 0 || inserts_replicated())) {
		glue.awaiting_update = false;
		timer_off(&glue.settle_timer);
	}
	glue_schedule_round();
	if (glue.change_fn)
		glue.change_fn(r, glue.change_arg);
}

static void on_replica_ack(struct sb_replica *r, void *arg)
{
	(void)r;
	(void)arg;
	glue_schedule_round(); /* nb_cfg may now be reported */
}

/* ---- session callbacks: the monitor drives the protocol ---- */

static void s_connected(void *arg, struct jsonrpc *rpc)
{
	(void)arg;
	ovsdb_mon_connected(glue.mon, rpc);
}

static void s_disconnected(void *arg)
{
	(void)arg;
	ovsdb_mon_disconnected(glue.mon);
	glue.txn_in_flight = false;
}

static void s_message(void *arg, const char *method, json_t *params, json_t *id)
{
	(void)arg;
	ovsdb_mon_message(glue.mon, method, params, id);
}

/* ---- public API ---- */

int ovn_glue_config_check(const json_t *ovn_cfg, char *err, size_t errlen)
{
	struct ovn_config c;
	if (ovn_config_parse(ovn_cfg, &c, err, errlen) < 0)
		return -1;
	ovn_config_free(&c);
	return 0;
}

int ovn_glue_start(struct ev_loop *loop, const json_t *ovn_cfg, char *err, size_t errlen)
{
	static const struct ovsdb_mon_ops mon_ops = {
	    .schema = on_schema,
	    .apply = on_apply,
	    .synced = on_synced,
	    .lost = on_lost,
	};
	static const struct ovsdb_session_handlers sh = {
	    .connected = s_connected,
	    .disconnected = s_disconnected,
	    .message = s_message,
	};
	struct ovsdb_session_opts so;
	struct sigaction sa;

	ctl_sb_link();
	learn_sb_link();
	if (glue.started) {
		snprintf(err, errlen, "ovn: already started");
		return -1;
	}
	ovn_glue_change_fn fn = glue.change_fn;
	void *fn_arg = glue.change_arg;
	memset(&glue, 0, sizeof(glue));
	glue.change_fn = fn;
	glue.change_arg = fn_arg;
	if (ovn_config_parse(ovn_cfg, &glue.cfg, err, errlen) < 0)
		return -1;
	glue.loop = loop;
	glue.nb_cfg_reported = -1;

	/* a peer closing the socket must not kill the daemon (OpenSSL writes with write(2)) */
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);

	glue.replica = sb_tables_replica_new();
	glue.mon = ovsdb_mon_new(SB_DB, &mon_ops, NULL, &glue.stats);
	if (glue.replica == NULL || glue.mon == NULL) {
		snprintf(err, errlen, "ovn: out of memory");
		goto error;
	}
	sb_replica_set_listener(glue.replica, on_replica_change, NULL);
	sb_replica_set_ack_hook(glue.replica, on_replica_ack, NULL);
	sb_replica_set_tracking(glue.replica, glue.change_fn != NULL);

	memset(&so, 0, sizeof(so));
	so.remotes = glue.cfg.remotes;
	so.n_remotes = glue.cfg.n_remotes;
	so.ssl.key = glue.cfg.ssl_key;
	so.ssl.cert = glue.cfg.ssl_cert;
	so.ssl.ca = glue.cfg.ssl_ca_cert;
	so.backoff_min_ms = glue.cfg.backoff_min_ms;
	so.backoff_max_ms = glue.cfg.backoff_max_ms;
	so.probe_ms = glue.cfg.probe_interval_ms;
	so.connect_timeout_ms = glue.cfg.connect_timeout_ms;
	so.max_msg = glue.cfg.max_message_bytes;
	glue.session = ovsdb_session_new(loop, &so, &sh, NULL, &glue.stats, err, errlen);
	if (glue.session == NULL)
		goto error;
	ovsdb_mon_attach(glue.mon, glue.session);
	glue.started = true;
	LOG_INFO(MOD, "chassis %s (%s), southbound %s%s", glue.cfg.chassis, glue.cfg.hostname,
		 glue.cfg.remotes[0], glue.cfg.n_remotes > 1 ? " and others" : "");
	ovsdb_session_start(glue.session);
	return 0;
error:
	ovsdb_mon_free(glue.mon);
	sb_replica_free(glue.replica);
	ovn_config_free(&glue.cfg);
	glue.mon = NULL;
	glue.replica = NULL;
	return -1;
}

void ovn_glue_stop(void)
{
	if (!glue.started)
		return;
	timer_off(&glue.round_timer);
	timer_off(&glue.retry_timer);
	timer_off(&glue.settle_timer);
	timer_off(&glue.stale_timer);
	ovsdb_session_free(glue.session); /* a txn in flight is cancelled (-ECANCELED) */
	glue.session = NULL;
	glue.started = false;
	ovsdb_mon_free(glue.mon);
	glue.mon = NULL;
	sb_replica_free(glue.replica);
	glue.replica = NULL;
	ovn_config_free(&glue.cfg);
	LOG_INFO(MOD, "southbound session closed (bindings kept)");
}

struct sb_replica *ovn_glue_replica(void)
{
	return glue.started ? glue.replica : NULL;
}

bool ovn_glue_sb_synced(void)
{
	return glue.started && ovsdb_mon_synced(glue.mon);
}

void ovn_glue_set_change_handler(ovn_glue_change_fn fn, void *arg)
{
	glue.change_fn = fn;
	glue.change_arg = arg;
	if (glue.replica)
		sb_replica_set_tracking(glue.replica, fn != NULL);
}
