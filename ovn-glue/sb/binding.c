/* SPDX-License-Identifier: Apache-2.0 */
/* Port binding: local ports (reported by the port layer with their iface-id) claim the
 * Port_Binding whose logical_port is that iface-id. Claims are conditional on the binding
 * being free (chassis empty), so brint never takes a port another chassis holds: that is
 * logged and counted, and the claim happens once the other chassis lets go. */
#include "glue.h"

#include <brint/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOD "binding"

enum bstate {
	B_NO_LOGICAL_PORT, /* no Port_Binding with that logical_port (yet) */
	B_CLAIMING,
	B_BOUND,
	B_OTHER_CHASSIS,       /* bound to another chassis: not fought */
	B_REQUESTED_ELSEWHERE, /* requested-chassis names another chassis */
	B_NOT_VIF,	       /* a type brint does not claim (localnet, patch, ...) */
	B_DUPLICATE,	       /* another local port has the same iface-id */
	B_UNKNOWN,	       /* not evaluated yet (not connected) */
};

static const char *const bstate_names[] = {
    [B_NO_LOGICAL_PORT] = "no-logical-port",
    [B_CLAIMING] = "claiming",
    [B_BOUND] = "bound",
    [B_OTHER_CHASSIS] = "other-chassis",
    [B_REQUESTED_ELSEWHERE] = "requested-elsewhere",
    [B_NOT_VIF] = "not-claimable",
    [B_DUPLICATE] = "duplicate-iface-id",
    [B_UNKNOWN] = "unknown",
};

struct lport {
	struct lport *next;
	char *name;
	char *iface_id;
	bool link_up;
	enum bstate state;
	char detail[128];      /* other chassis name, port type, ... */
	struct ovs_uuid owner; /* the chassis we saw holding it (conflict counted once) */
	bool conflict_counted;
};

/* logical ports whose local port went away: released unless claimed again meanwhile */
struct release {
	struct release *next;
	char *iface_id;
};

static struct lport *ports;
static struct release *releases;

size_t binding_n_ports(void)
{
	size_t n = 0;
	for (struct lport *p = ports; p; p = p->next)
		n++;
	return n;
}

static struct lport *find_port(const char *name)
{
	for (struct lport *p = ports; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static struct lport *first_with_iface(const char *iface_id)
{
	struct lport *first = NULL;
	for (struct lport *p = ports; p; p = p->next)
		if (strcmp(p->iface_id, iface_id) == 0)
			first = p; /* ports are prepended: the last match is the oldest */
	return first;
}

static void add_release(const char *iface_id)
{
	for (struct release *r = releases; r; r = r->next)
		if (strcmp(r->iface_id, iface_id) == 0)
			return;
	struct release *r = calloc(1, sizeof(*r));
	if (r == NULL || (r->iface_id = strdup(iface_id)) == NULL) {
		free(r);
		LOG_ERR(MOD, "out of memory: %s will not be released", iface_id);
		return;
	}
	r->next = releases;
	releases = r;
}

static void port_free(struct lport *p)
{
	free(p->name);
	free(p->iface_id);
	free(p);
}

void ovn_glue_port_added(const char *port_name, const char *iface_id)
{
	struct lport *p;

	if (port_name == NULL || iface_id == NULL || *port_name == '\0' || *iface_id == '\0')
		return;
	p = find_port(port_name);
	if (p && strcmp(p->iface_id, iface_id) == 0)
		return;
	if (p) {
		LOG_INFO(MOD, "port %s: iface-id %s -> %s", port_name, p->iface_id, iface_id);
		add_release(p->iface_id);
		char *n = strdup(iface_id);
		if (n == NULL)
			return;
		free(p->iface_id);
		p->iface_id = n;
		p->state = B_UNKNOWN;
		p->conflict_counted = false;
	} else {
		p = calloc(1, sizeof(*p));
		if (p == NULL || (p->name = strdup(port_name)) == NULL ||
		    (p->iface_id = strdup(iface_id)) == NULL) {
			if (p)
				port_free(p);
			LOG_ERR(MOD, "out of memory: port %s not bound", port_name);
			return;
		}
		p->link_up = true;
		p->state = B_UNKNOWN;
		p->next = ports;
		ports = p;
		LOG_INFO(MOD, "port %s: iface-id %s", port_name, iface_id);
	}
	glue_schedule_round();
}

void ovn_glue_port_removed(const char *port_name)
{
	for (struct lport **pp = &ports; *pp; pp = &(*pp)->next) {
		struct lport *p = *pp;
		if (strcmp(p->name, port_name) != 0)
			continue;
		*pp = p->next;
		LOG_INFO(MOD, "port %s removed: releasing %s", port_name, p->iface_id);
		add_release(p->iface_id);
		port_free(p);
		glue_schedule_round();
		return;
	}
}

void ovn_glue_port_link(const char *port_name, bool up)
{
	struct lport *p = find_port(port_name);
	if (p && p->link_up != up) {
		p->link_up = up;
		glue_schedule_round();
	}
}

static bool uuid_is(const struct ovs_datum *d, const struct ovs_uuid *u)
{
	return d && d->n == 1 && ovs_uuid_equal(&d->keys[0].uuid, u);
}

static const char *chassis_name_of(const struct glue *g, const struct ovs_uuid *u)
{
	const struct sb_row *ch = sb_table_find(sb_replica_table(g->replica, SB_CHASSIS), u);
	const char *n = ch ? ovs_datum_str(sb_row_col(ch, "name")) : NULL;
	return n ? n : "?";
}

/* requested-chassis (the column, or options:requested-chassis with a name or hostname;
 * with several, comma separated, the first is the main chassis). */
static bool requested_elsewhere(const struct glue *g, const struct sb_row *pb,
				const struct ovs_uuid *us, char *who, size_t n)
{
	const struct ovs_datum *rc = sb_row_col(pb, "requested_chassis");
	const char *opt = ovs_datum_map_get(sb_row_col(pb, "options"), "requested-chassis");

	if (rc && rc->n == 1) {
		if (ovs_uuid_equal(&rc->keys[0].uuid, us))
			return false;
		snprintf(who, n, "%s", chassis_name_of(g, &rc->keys[0].uuid));
		return true;
	}
	if (opt && *opt) {
		size_t l = strcspn(opt, ",");
		if ((strlen(g->cfg.chassis) == l && strncmp(opt, g->cfg.chassis, l) == 0) ||
		    (strlen(g->cfg.hostname) == l && strncmp(opt, g->cfg.hostname, l) == 0))
			return false;
		snprintf(who, n, "%.*s", (int)l, opt);
		return true;
	}
	return false;
}

static json_t *where_pb(const struct ovs_uuid *pb, json_t *chassis_value)
{
	json_t *w = ovsdb_where_uuid(pb);
	json_array_append_new(w, ovsdb_cond("chassis", "==", chassis_value));
	return w;
}

static void release_op(struct ovsdb_txn *t, const struct sb_row *pb, const struct ovs_uuid *us)
{
	ovsdb_txn_add(t, ovsdb_op_update("Port_Binding", where_pb(&pb->uuid, ovsdb_uuid_json(us)),
					 json_pack("{s:o, s:o, s:b}", "chassis", ovsdb_empty_set(),
						   "encap", ovsdb_empty_set(), "up", 0)));
}

static void evaluate(struct glue *g, struct lport *p, struct ovsdb_txn *t,
		     const struct ovs_uuid *us, const struct ovs_uuid *encap)
{
	const struct sb_row *pb = sb_pb_by_logical_port(g->replica, p->iface_id);
	const struct ovs_datum *chassis, *up, *enc;
	const char *type;
	enum bstate old = p->state;
	char who[80];

	p->detail[0] = '\0';
	if (first_with_iface(p->iface_id) != p) {
		p->state = B_DUPLICATE;
		snprintf(p->detail, sizeof(p->detail), "%s", first_with_iface(p->iface_id)->name);
		return;
	}
	if (pb == NULL) {
		p->state = B_NO_LOGICAL_PORT;
		return;
	}
	chassis = sb_row_col(pb, "chassis");
	bool ours = uuid_is(chassis, us);
	type = ovs_datum_str(sb_row_col(pb, "type")) ?: "";
	if (*type) {
		/* localnet, patch, l3gateway, chassisredirect, localport, virtual, external,
		 * l2gateway, vtep, remote: not bound by a local VIF */
		p->state = B_NOT_VIF;
		snprintf(p->detail, sizeof(p->detail), "type %s", type);
		if (ours && t)
			release_op(t, pb, us);
		return;
	}
	if (requested_elsewhere(g, pb, us, who, sizeof(who))) {
		p->state = B_REQUESTED_ELSEWHERE;
		snprintf(p->detail, sizeof(p->detail), "requested-chassis %s", who);
		if (ours && t) {
			LOG_INFO(MOD, "%s: requested on %s, releasing", p->iface_id, who);
			release_op(t, pb, us);
			g->releases++;
		}
		return;
	}
	if (chassis && chassis->n == 1 && !ours) {
		const struct ovs_uuid *other = &chassis->keys[0].uuid;
		p->state = B_OTHER_CHASSIS;
		snprintf(p->detail, sizeof(p->detail), "%s", chassis_name_of(g, other));
		if (!p->conflict_counted || !ovs_uuid_equal(&p->owner, other)) {
			p->conflict_counted = true;
			p->owner = *other;
			g->conflicts++;
			LOG_RL(BRINT_LOG_WARN, MOD,
			       "%s (port %s) is bound to chassis %s: not claiming it while it is",
			       p->iface_id, p->name, p->detail);
		}
		return;
	}
	p->conflict_counted = false;
	if (t == NULL) { /* disconnected: describe, do not write */
		p->state = ours ? B_BOUND : old;
		return;
	}
	up = sb_row_col(pb, "up");
	enc = sb_row_col(pb, "encap");
	if (!ours) {
		ovsdb_txn_add(
		    t, ovsdb_op_update("Port_Binding", where_pb(&pb->uuid, ovsdb_empty_set()),
				       json_pack("{s:o, s:o, s:b}", "chassis", ovsdb_uuid_json(us),
						 "encap",
						 encap ? ovsdb_uuid_json(encap) : ovsdb_empty_set(),
						 "up", p->link_up)));
		p->state = B_CLAIMING;
		g->claims++;
		LOG_INFO(MOD, "claiming %s for port %s", p->iface_id, p->name);
		return;
	}
	p->state = B_BOUND;
	bool up_now = up && up->n == 1 && up->keys[0].boolean;
	bool enc_ok = encap ? uuid_is(enc, encap) : (enc == NULL || enc->n == 0);
	if (up_now != p->link_up || !enc_ok) {
		json_t *row = json_pack("{s:b}", "up", p->link_up);
		if (!enc_ok)
			json_object_set_new(row, "encap",
					    encap ? ovsdb_uuid_json(encap) : ovsdb_empty_set());
		ovsdb_txn_add(t, ovsdb_op_update("Port_Binding",
						 where_pb(&pb->uuid, ovsdb_uuid_json(us)), row));
		g->up_updates++;
	}
}

static bool iface_is_local(const char *iface_id)
{
	return first_with_iface(iface_id) != NULL;
}

void binding_build_ops(struct glue *g, struct ovsdb_txn *t, const struct ovs_uuid *us,
		       const struct ovs_uuid *encap)
{
	for (struct lport *p = ports; p; p = p->next)
		evaluate(g, p, t, us, encap);

	/* releases of removed ports (dropped once the replica shows they are not ours) */
	for (struct release **rp = &releases; *rp;) {
		struct release *r = *rp;
		const struct sb_row *pb = sb_pb_by_logical_port(g->replica, r->iface_id);
		if (pb == NULL || !uuid_is(sb_row_col(pb, "chassis"), us) ||
		    iface_is_local(r->iface_id)) {
			*rp = r->next;
			free(r->iface_id);
			free(r);
			continue;
		}
		release_op(t, pb, us);
		g->releases++;
		LOG_INFO(MOD, "releasing %s", r->iface_id);
		rp = &r->next;
	}

	/* bindings of ours with no local port (left from before a restart): released once
	 * the port layer had release_stale_after_ms to report its ports */
	if (g->stale_check_due) {
		const struct sb_table *pbt = sb_replica_table(g->replica, SB_PORT_BINDING);
		int c_chassis = sb_table_col(pbt, "chassis"),
		    c_lp = sb_table_col(pbt, "logical_port");
		int c_type = sb_table_col(pbt, "type");
		g->stale_check_due = false;
		for (const struct sb_row *pb = sb_table_first(pbt); pb; pb = sb_table_next(pb)) {
			const char *lp = ovs_datum_str(sb_row_get(pb, c_lp));
			const char *type = ovs_datum_str(sb_row_get(pb, c_type));
			if (!uuid_is(sb_row_get(pb, c_chassis), us) || (type && *type) ||
			    lp == NULL || iface_is_local(lp))
				continue;
			LOG_INFO(MOD,
				 "releasing %s: bound here but no local port has that iface-id",
				 lp);
			release_op(t, pb, us);
			g->stale_releases++;
		}
	}
}

void binding_refresh_states(struct glue *g)
{
	const struct sb_row *ch = chassis_row(g);
	for (struct lport *p = ports; p; p = p->next) {
		if (ch == NULL)
			p->state = B_UNKNOWN;
		else
			evaluate(g, p, NULL, &ch->uuid, NULL);
	}
}

json_t *binding_list_json(const struct glue *g)
{
	json_t *a = json_array();
	for (struct lport *p = ports; p; p = p->next) {
		const struct sb_row *pb =
		    g->replica ? sb_pb_by_logical_port(g->replica, p->iface_id) : NULL;
		json_t *o =
		    json_pack("{s:s, s:s, s:s, s:b}", "port", p->name, "logical_port", p->iface_id,
			      "state", bstate_names[p->state], "link_up", p->link_up);
		if (p->detail[0])
			json_object_set_new(o, "detail", json_string(p->detail));
		if (pb) {
			const struct ovs_uuid *dpu = ovs_datum_uuid(sb_row_col(pb, "datapath"));
			const struct sb_row *dp =
			    dpu ? sb_table_find(sb_replica_table(g->replica, SB_DATAPATH_BINDING),
						dpu)
				: NULL;
			const struct ovs_datum *up = sb_row_col(pb, "up");
			json_object_set_new(
			    o, "port_key",
			    json_integer(ovs_datum_int(sb_row_col(pb, "tunnel_key"), 0)));
			if (dp) {
				const char *name =
				    ovs_datum_map_get(sb_row_col(dp, "external_ids"), "name");
				json_object_set_new(
				    o, "datapath_key",
				    json_integer(ovs_datum_int(sb_row_col(dp, "tunnel_key"), 0)));
				if (name)
					json_object_set_new(o, "datapath", json_string(name));
			}
			json_object_set_new(o, "sb_up",
					    json_boolean(up && up->n == 1 && up->keys[0].boolean));
		}
		json_array_append_new(a, o);
	}
	return a;
}
