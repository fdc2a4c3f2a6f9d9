/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl port add|del|list */
#include "ctl.h"
#include "port.h"

#include <stdio.h>

static void cmd_port_add(const json_t *args, struct ctl_reply *r)
{
	struct brint_port_cfg cfg;
	char err[512];

	if (brint_port_cfg_parse(args, "args", &cfg, err, sizeof(err)) < 0 ||
	    port_add(&cfg, err, sizeof(err)) < 0) {
		ctl_reply_err(r, "%s", err);
		return;
	}
	ctl_reply_ok(r, port_to_json(port_by_name(cfg.name)));
}

static void cmd_port_del(const json_t *args, struct ctl_reply *r)
{
	const char *name;
	char err[256];

	if (ctl_arg_str(args, "name", true, &name, r) < 0)
		return;
	if (port_del(name, err, sizeof(err)) < 0) {
		ctl_reply_err(r, "%s", err);
		return;
	}
	ctl_reply_ok(r, NULL);
}

static void cmd_port_list(const json_t *args, struct ctl_reply *r)
{
	json_t *a = json_array();
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++)
		if (ports[i])
			json_array_append_new(a, port_to_json(ports[i]));
	ctl_reply_ok(r, a);
}

CTL_COMMAND(port_add, "port add",
	    "NAME --type vhost-user|dpdk|tap [--path SOCK] [--mode server|client] [--queues N] "
	    "[--iface-id ID] [--devargs ARGS] [--iface IFNAME]",
	    "add a port; PMDs keep forwarding between the others", cmd_port_add)
CTL_COMMAND(port_del, "port del", "NAME", "remove a port", cmd_port_del)
CTL_COMMAND(port_list, "port list", "", "list ports with link state and queues", cmd_port_list)
