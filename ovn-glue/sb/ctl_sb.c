/* SPDX-License-Identifier: Apache-2.0 */
/* Operator commands: "sb status", "sb dump TABLE", "binding list". */
#include "glue.h"

#include <ctl/ctl.h>

#include <brint/util.h>

#include <string.h>
#include <strings.h>

void ctl_sb_link(void)
{
}

static json_t *tables_json(void)
{
	json_t *o = json_object();
	for (unsigned i = 0; i < sb_replica_n_tables(glue.replica); i++) {
		const struct sb_table *t = sb_replica_table(glue.replica, i);
		if (sb_table_present(t))
			json_object_set_new(o, sb_table_name(t),
					    json_integer((json_int_t)sb_table_n_rows(t)));
	}
	return o;
}

static void cmd_sb_status(const json_t *args, struct ctl_reply *r)
{
	const struct sb_row *ch, *cp, *sbg;
	json_t *res, *remotes, *chassis, *binding;
	uint64_t now = brint_now_ms();
	(void)args;

	if (!glue.started) {
		ctl_reply_err(r, "ovn: not configured");
		return;
	}
	remotes = json_array();
	for (unsigned i = 0; i < glue.cfg.n_remotes; i++)
		json_array_append_new(remotes, json_string(glue.cfg.remotes[i]));
	ch = chassis_row(&glue);
	cp = chassis_private_row(&glue);
	sbg = sb_sb_global(glue.replica);
	chassis = json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", glue.cfg.chassis, "hostname",
			    glue.cfg.hostname, "encap_type", glue.cfg.encap_type, "encap_ip",
			    glue.cfg.encap_ip, "registered", ch != NULL);
	if (cp)
		json_object_set_new(chassis, "nb_cfg",
				    json_integer(ovs_datum_int(sb_row_col(cp, "nb_cfg"), 0)));
	if (sbg)
		json_object_set_new(chassis, "sb_nb_cfg",
				    json_integer(ovs_datum_int(sb_row_col(sbg, "nb_cfg"), 0)));
	binding = json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "ports", (json_int_t)binding_n_ports(), "claims",
	    (json_int_t)glue.claims, "releases", (json_int_t)glue.releases, "stale_releases",
	    (json_int_t)glue.stale_releases, "conflicts", (json_int_t)glue.conflicts, "up_updates",
	    (json_int_t)glue.up_updates, "chassis_writes", (json_int_t)glue.chassis_writes);
	res = json_pack(
	    "{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:b, s:I}", "state",
	    ovsdb_session_state_name(ovsdb_session_state(glue.session)), "monitor",
	    ovsdb_mon_state_name(ovsdb_mon_state(glue.mon)), "remote",
	    ovsdb_session_remote(glue.session), "remotes", remotes, "server_model",
	    ovsdb_mon_server_model(glue.mon), "schema_version", ovsdb_mon_schema_version(glue.mon),
	    "method", ovsdb_mon_method(glue.mon), "last_txn_id", ovsdb_mon_last_txn_id(glue.mon),
	    "last_error", ovsdb_session_last_error(glue.session), "last_sync_resumed",
	    ovsdb_mon_last_resumed(glue.mon), "sync_ms", (json_int_t)ovsdb_mon_sync_ms(glue.mon));
	json_object_set_new(res, "sync_reply_ms",
			    json_integer((json_int_t)ovsdb_mon_reply_ms(glue.mon)));
	json_object_set_new(res, "sync_first_byte_ms",
			    json_integer((json_int_t)ovsdb_mon_first_byte_ms(glue.mon)));
	json_object_set_new(res, "sync_apply_ms",
			    json_integer((json_int_t)ovsdb_mon_apply_ms(glue.mon)));
	if (ovsdb_session_state(glue.session) == OVSDB_S_CONNECTED)
		json_object_set_new(
		    res, "connected_for_ms",
		    json_integer((json_int_t)(now - ovsdb_session_connected_ms(glue.session))));
	json_object_set_new(res, "chassis", chassis);
	json_object_set_new(res, "binding", binding);
	json_object_set_new(res, "tables", tables_json());
	json_object_set_new(
	    res, "replica",
	    json_pack("{s:I, s:I, s:I, s:b}", "seqno", (json_int_t)sb_replica_seqno(glue.replica),
		      "generation", (json_int_t)sb_replica_generation(glue.replica), "acked_seqno",
		      (json_int_t)sb_replica_acked_seqno(glue.replica), "tracking",
		      sb_replica_tracking(glue.replica)));
	json_object_set_new(res, "counters", ovsdb_stats_to_json(&glue.stats));
	if (glue.last_txn_error[0])
		json_object_set_new(res, "last_txn_error", json_string(glue.last_txn_error));
	ctl_reply_ok(r, res);
}

static void cmd_sb_dump(const json_t *args, struct ctl_reply *r)
{
	const char *name;
	const struct sb_table *t;
	json_t *rows;

	if (ctl_arg_str(args, "table", true, &name, r) < 0)
		return;
	if (!glue.started) {
		ctl_reply_err(r, "ovn: not configured");
		return;
	}
	t = sb_replica_table_by_name(glue.replica, name);
	if (t == NULL) {
		/* be kind to case: "port_binding" */
		for (unsigned i = 0; i < sb_replica_n_tables(glue.replica) && !t; i++)
			if (strcasecmp(sb_table_name(sb_replica_table(glue.replica, i)), name) == 0)
				t = sb_replica_table(glue.replica, i);
	}
	if (t == NULL) {
		ctl_reply_err(r, "sb dump: no replicated table \"%s\"", name);
		return;
	}
	if (!sb_table_present(t)) {
		ctl_reply_err(r, "sb dump: table %s not received from the server (yet)",
			      sb_table_name(t));
		return;
	}
	rows = json_array();
	for (const struct sb_row *row = sb_table_first(t); row; row = sb_table_next(row))
		json_array_append_new(rows, sb_row_to_json(row));
	ctl_reply_ok(r, json_pack("{s:s, s:I, s:o}", "table", sb_table_name(t), "n_rows",
				  (json_int_t)sb_table_n_rows(t), "rows", rows));
}

static void cmd_binding_list(const json_t *args, struct ctl_reply *r)
{
	(void)args;
	ctl_reply_ok(r, json_pack("{s:s?, s:o}", "chassis", glue.started ? glue.cfg.chassis : NULL,
				  "bindings", binding_list_json(&glue)));
}

CTL_COMMAND(sb_status, "sb status", "",
	    "show the OVN southbound connection: remote, state, last txn id, rows per table",
	    cmd_sb_status)
CTL_COMMAND(sb_dump, "sb dump", "TABLE", "dump one table of the local southbound replica",
	    cmd_sb_dump)
CTL_COMMAND(binding_list, "binding list", "",
	    "list the local ports, their logical ports, tunnel keys and binding state",
	    cmd_binding_list)
