/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's control-plane modules and its own commands (log level, version). */
#include "ctl.h"
#include "daemon.h"

#include <brint/log.h>

#include <stdio.h>

int daemon_modules_start(struct ev_loop *loop, const struct brint_config *cfg, char *err,
			 size_t errlen)
{
	if (cfg->ovn) {
		snprintf(err, errlen, "ovn: the OVN southbound client is not built into this brintd "
				      "yet; remove the \"ovn\" object");
		return -1;
	}
	return 0;
}

void daemon_modules_stop(void)
{
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
