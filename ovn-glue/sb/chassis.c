/* SPDX-License-Identifier: Apache-2.0 */
/* Chassis registration: our Chassis row (name = system-id), its Encap and Chassis_Private,
 * created once and reused after restarts; only the keys we own are written, so that what
 * others (kube-ovn, operators) put in other_config/external_ids stays. */
#include "glue.h"

#include <brint/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MOD "chassis"

const struct sb_row *chassis_row(const struct glue *g)
{
	return g->replica ? sb_chassis_by_name(g->replica, g->cfg.chassis) : NULL;
}

const struct sb_row *chassis_private_row(const struct glue *g)
{
	return g->replica ? sb_chassis_private_by_name(g->replica, g->cfg.chassis) : NULL;
}

static bool encap_matches(const struct glue *g, const struct sb_row *e)
{
	return e && strcmp(ovs_datum_str(sb_row_col(e, "type")) ?: "", g->cfg.encap_type) == 0 &&
	       strcmp(ovs_datum_str(sb_row_col(e, "ip")) ?: "", g->cfg.encap_ip) == 0;
}

/* The Encap of our Chassis with the configured type and IP. */
const struct sb_row *chassis_encap_row(const struct glue *g)
{
	const struct sb_row *ch = chassis_row(g);
	const struct ovs_datum *encaps;
	const struct sb_table *et;

	if (ch == NULL)
		return NULL;
	et = sb_replica_table(g->replica, SB_ENCAP);
	encaps = sb_row_col(ch, "encaps");
	for (uint32_t i = 0; encaps && i < encaps->n; i++) {
		const struct sb_row *e = sb_table_find(et, &encaps->keys[i].uuid);
		if (encap_matches(g, e))
			return e;
	}
	return NULL;
}

/* other_config keys we own */
static json_t *desired_other_config(const struct glue *g)
{
	char *bm = ovn_config_bridge_mappings_str(&g->cfg);
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s}", "ovn-bridge-mappings", bm ? bm : "", "datapath-type",
	    "netdev", "iface-types", "dpdk,dpdkvhostuser,dpdkvhostuserclient,geneve,tap,vxlan",
	    "is-interconn", "false", "ovn-monitor-all", "true", "port-up-notif", "true");
	free(bm);
	json_object_update(o, g->cfg.chassis_other_config);
	return o;
}

static json_t *encap_row_json(const struct glue *g)
{
	return json_pack("{s:s, s:s, s:o, s:s}", "type", g->cfg.encap_type, "ip", g->cfg.encap_ip,
			 "options", ovsdb_smap_json(json_pack("{s:s}", "csum", "true")),
			 "chassis_name", g->cfg.chassis);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool chassis_nb_cfg_allowed(const struct glue *g)
{
	/* with a consumer (the flow compiler), only once it has handled that update */
	return g->change_fn == NULL || sb_replica_acked_seqno(g->replica) >= g->nb_cfg_seen_seqno;
}

static void register_new(struct glue *g, struct ovsdb_txn *t, const struct sb_row *cp)
{
	json_t *row;

	LOG_INFO(MOD, "registering chassis %s (%s %s)", g->cfg.chassis, g->cfg.encap_type,
		 g->cfg.encap_ip);
	ovsdb_txn_add(t, ovsdb_op_insert("Encap", encap_row_json(g), "brint_encap"));
	row = json_pack("{s:s, s:s, s:o, s:o, s:o}", "name", g->cfg.chassis, "hostname",
			g->cfg.hostname, "encaps", ovsdb_named_uuid_json("brint_encap"),
			"other_config", ovsdb_smap_json(desired_other_config(g)), "external_ids",
			ovsdb_smap_json(json_pack("{s:s}", "brint-version", BRINT_VERSION)));
	ovsdb_txn_add(t, ovsdb_op_insert("Chassis", row, "brint_chassis"));
	if (cp == NULL)
		ovsdb_txn_add(
		    t, ovsdb_op_insert("Chassis_Private",
				       json_pack("{s:s, s:o}", "name", g->cfg.chassis, "chassis",
						 ovsdb_named_uuid_json("brint_chassis")),
				       NULL));
	else
		ovsdb_txn_add(t,
			      ovsdb_op_update("Chassis_Private", ovsdb_where_uuid(&cp->uuid),
					      json_pack("{s:o}", "chassis",
							ovsdb_named_uuid_json("brint_chassis"))));
	g->chassis_writes++;
}

/* Bring an existing Chassis row in line: hostname, our other_config keys, the encap. */
static void update_existing(struct glue *g, struct ovsdb_txn *t, const struct sb_row *ch)
{
	json_t *want = desired_other_config(g), *v;
	const struct ovs_datum *oc = sb_row_col(ch, "other_config");
	json_t *del = json_array(), *ins = json_array(), *row = json_object();
	const struct sb_row *e = chassis_encap_row(g);
	const struct ovs_datum *encaps = sb_row_col(ch, "encaps");
	const char *k;
	bool changed = false;

	if (strcmp(ovs_datum_str(sb_row_col(ch, "hostname")) ?: "", g->cfg.hostname) != 0)
		json_object_set_new(row, "hostname", json_string(g->cfg.hostname));
	json_object_foreach (want, k, v) {
		const char *cur = ovs_datum_map_get(oc, k);
		if (cur && strcmp(cur, json_string_value(v)) == 0)
			continue;
		if (cur)
			json_array_append_new(del, json_string(k));
		json_array_append_new(ins, json_pack("[s, O]", k, v));
	}
	json_decref(want);

	if (e == NULL) {
		/* no encap with our type and IP: a new one replaces whatever was there */
		ovsdb_txn_add(t, ovsdb_op_insert("Encap", encap_row_json(g), "brint_encap"));
		json_object_set_new(row, "encaps", ovsdb_named_uuid_json("brint_encap"));
		LOG_INFO(MOD, "chassis %s: encap set to %s %s", g->cfg.chassis, g->cfg.encap_type,
			 g->cfg.encap_ip);
	} else {
		const char *csum = ovs_datum_map_get(sb_row_col(e, "options"), "csum");
		const char *cn = ovs_datum_str(sb_row_col(e, "chassis_name"));
		if (!csum || strcmp(csum, "true") || !cn || strcmp(cn, g->cfg.chassis)) {
			ovsdb_txn_add(
			    t, ovsdb_op_update(
				   "Encap", ovsdb_where_uuid(&e->uuid),
				   json_pack("{s:o, s:s}", "options",
					     ovsdb_smap_json(json_pack("{s:s}", "csum", "true")),
					     "chassis_name", g->cfg.chassis)));
			changed = true;
		}
		if (encaps && encaps->n != 1)
			json_object_set_new(row, "encaps", ovsdb_uuid_json(&e->uuid));
	}
	if (json_object_size(row)) {
		ovsdb_txn_add(
		    t, ovsdb_op_update("Chassis", ovsdb_where_uuid(&ch->uuid), json_incref(row)));
		changed = true;
	}
	json_decref(row);
	if (json_array_size(ins)) {
		json_t *muts = json_array();
		if (json_array_size(del))
			json_array_append_new(muts, json_pack("[s, s, [s, O]]", "other_config",
							      "delete", "set", del));
		json_array_append_new(
		    muts, json_pack("[s, s, [s, O]]", "other_config", "insert", "map", ins));
		ovsdb_txn_add(t, ovsdb_op_mutate("Chassis", ovsdb_where_uuid(&ch->uuid), muts));
		changed = true;
	}
	json_decref(del);
	json_decref(ins);
	if (changed)
		g->chassis_writes++;
}

void chassis_build_ops(struct glue *g, struct ovsdb_txn *t)
{
	const struct sb_row *ch = chassis_row(g), *cp = chassis_private_row(g), *sbg;

	if (ch == NULL) {
		register_new(g, t, cp);
		return;
	}
	update_existing(g, t, ch);
	if (cp == NULL) {
		ovsdb_txn_add(t, ovsdb_op_insert("Chassis_Private",
						 json_pack("{s:s, s:o}", "name", g->cfg.chassis,
							   "chassis", ovsdb_uuid_json(&ch->uuid)),
						 NULL));
		return;
	}
	{
		const struct ovs_uuid *ref = ovs_datum_uuid(sb_row_col(cp, "chassis"));
		if (ref == NULL || !ovs_uuid_equal(ref, &ch->uuid))
			ovsdb_txn_add(t, ovsdb_op_update("Chassis_Private",
							 ovsdb_where_uuid(&cp->uuid),
							 json_pack("{s:o}", "chassis",
								   ovsdb_uuid_json(&ch->uuid))));
	}
	/* nb_cfg: tell northd (and ovn-nbctl --wait=hv) we are at SB_Global.nb_cfg */
	sbg = sb_sb_global(g->replica);
	if (sbg) {
		int64_t want = ovs_datum_int(sb_row_col(sbg, "nb_cfg"), 0);
		int64_t have = ovs_datum_int(sb_row_col(cp, "nb_cfg"), 0);
		if (want != have && chassis_nb_cfg_allowed(g)) {
			ovsdb_txn_add(t, ovsdb_op_update(
					     "Chassis_Private", ovsdb_where_uuid(&cp->uuid),
					     json_pack("{s:I, s:I}", "nb_cfg", (json_int_t)want,
						       "nb_cfg_timestamp", (json_int_t)wall_ms())));
			g->nb_cfg_reported = want;
			g->nb_cfg_updates++;
		}
	}
}
