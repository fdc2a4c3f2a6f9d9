/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's control-plane modules (the OVN southbound side) and its own commands. */
#include "ctl.h"
#include "daemon.h"
#include "engine.h"
#include "hooks.h"
#include "learn_queue.h"
#include "lflow/lflow_glue.h"
#include "ovn_glue.h"
#include "pipeline_pub.h"
#include "port.h"

#include <brint/log.h>

#include <stdio.h>

static void on_port_added(const struct port *p)
{
	if (p->cfg.iface_id[0]) {
		ovn_glue_port_added(p->cfg.name, p->cfg.iface_id);
		engine_rebuild(NULL);
	} else if (engine_is_provider(p->cfg.name) || p->cfg.internal_of[0]) {
		/* a bridge mapping's NIC (its localnet ports go out of it), or the node's own
		 * interface on a NIC */
		engine_rebuild(NULL);
	}
}

static void on_port_removed(const struct port *p)
{
	if (p->cfg.iface_id[0]) {
		ovn_glue_port_removed(p->cfg.name);
		engine_rebuild(p);
	} else if (engine_is_provider(p->cfg.name) || p->cfg.internal_of[0]) {
		engine_rebuild(p);
	}
}

static void on_port_link(const struct port *p, bool up)
{
	if (p->cfg.iface_id[0])
		ovn_glue_port_link(p->cfg.name, up);
}

static const struct port_listener ovn_listener = {
    .added = on_port_added,
    .removed = on_port_removed,
    .link = on_port_link,
};

static bool ovn_started;

static void on_compiled(void)
{
	engine_rebuild(NULL);
}

int daemon_config_check(const struct brint_config *cfg, char *err, size_t errlen)
{
	return cfg->ovn ? ovn_glue_config_check(cfg->ovn, err, errlen) : 0;
}

int daemon_modules_start(struct ev_loop *loop, const struct brint_config *cfg, char *err,
			 size_t errlen)
{
	/* ports added before (from the file) were reported already: the glue remembers them */
	if (cfg->ovn == NULL) {
		LOG_INFO("main", "no \"ovn\" object: running without the OVN southbound");
		return 0;
	}
	if (ovn_glue_start(loop, cfg->ovn, err, errlen) < 0)
		return -1;
	engine_set_bridge_mappings(json_object_get(cfg->ovn, "bridge_mappings"));
	ovn_started = true;
	if (lflow_glue_start() < 0) {
		snprintf(err, errlen,
			 "lflow: cannot start the logical-flow compiler (out of memory)");
		return -1;
	}
	lflow_glue_set_compiled_hook(on_compiled);
	/* put_arp / put_nd / put_fdb: the PMDs' queue, drained into the southbound */
	static const struct ovn_learn_source learn_src = {dp_learn_drain, dp_learn_queue_stats};
	if (dp_learn_init() < 0 || ovn_glue_learn_start(&learn_src) < 0) {
		snprintf(err, errlen, "learn: cannot start learning (out of memory)");
		return -1;
	}
	dp_learn_set_running(true);
	return 0;
}

void daemon_modules_stop(void)
{
	if (ovn_started) {
		dp_learn_set_running(false);
		ovn_glue_learn_stop();
		lflow_glue_set_compiled_hook(NULL);
		pl_publish(NULL); /* the generation's programs are copies: this only drops it */
		lflow_glue_stop();
		ovn_glue_stop();
		engine_set_bridge_mappings(NULL);
	}
	ovn_started = false;
}

void daemon_hooks_install(void)
{
	hooks_set_port_listener(&ovn_listener);
}

static void cmd_log_level(const json_t *args, struct ctl_reply *r)
{
	const char *lvl = NULL;
	if (ctl_arg_str(args, "level", false, &lvl, r) < 0)
		return;
	if (lvl) {
		int l = brint_log_level_parse(lvl);
		if (l < 0) {
			ctl_reply_err(r, "level '%s': must be one of err, warn, info, debug", lvl);
			return;
		}
		brint_log_set_level((enum brint_log_level)l);
	}
	ctl_reply_ok(r, json_pack("{s:s}", "level", brint_log_level_name(brint_log_get_level())));
}

static void cmd_version(const json_t *args, struct ctl_reply *r)
{
	ctl_reply_ok(r, json_pack("{s:s}", "version", BRINT_VERSION));
}

CTL_COMMAND(log_level, "log level", "[LEVEL]", "show or set the log level", cmd_log_level)
CTL_COMMAND(version, "version", "", "brintd's version", cmd_version)
