/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl xconnect add|del|list */
#include "ctl.h"
#include "dp.h"

static struct port *arg_port(const json_t *args, const char *key, struct ctl_reply *r)
{
	const char *name;
	struct port *p;
	if (ctl_arg_str(args, key, true, &name, r) < 0)
		return NULL;
	p = port_by_name(name);
	if (p == NULL)
		ctl_reply_err(r, "no port named '%s'", name);
	return p;
}

static void cmd_xc_add(const json_t *args, struct ctl_reply *r)
{
	struct port *a, *b;
	if ((a = arg_port(args, "from", r)) == NULL || (b = arg_port(args, "to", r)) == NULL)
		return;
	if (xconnect_set(a->id, b->id) < 0) {
		ctl_reply_err(r, "xconnect %s -> %s: %s", a->cfg.name, b->cfg.name,
			      strerror(errno));
		return;
	}
	ctl_reply_ok(r, NULL);
}

static void cmd_xc_del(const json_t *args, struct ctl_reply *r)
{
	struct port *a = arg_port(args, "from", r);
	if (a == NULL)
		return;
	if (xconnect_clear(a->id) < 0) {
		ctl_reply_err(r, "port '%s' has no cross-connect", a->cfg.name);
		return;
	}
	ctl_reply_ok(r, NULL);
}

static void cmd_xc_list(const json_t *args, struct ctl_reply *r)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++) {
		uint16_t o = xconnect_get((uint16_t)i);
		if (ports[i] == NULL || o == PORT_NONE || ports[o] == NULL)
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s}", "from", ports[i]->cfg.name, "to",
						   ports[o]->cfg.name));
	}
	ctl_reply_ok(r, a);
}

CTL_COMMAND(xc_add, "xconnect add", "PORT_A PORT_B",
	    "what PORT_A receives leaves by PORT_B (one direction)", cmd_xc_add)
CTL_COMMAND(xc_del, "xconnect del", "PORT_A", "remove PORT_A's cross-connect", cmd_xc_del)
CTL_COMMAND(xc_list, "xconnect list", "", "list cross-connects", cmd_xc_list)
