/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl lflow stats | lflow show DATAPATH [STAGE] [--json] (--json: the programs also as
 * structured JSON, see act_json.h; brintctl prints the result as JSON then) */
#include "ctl.h"
#include "lflow/lflow_glue.h"

static void cmd_lflow_stats(const json_t *args, struct ctl_reply *r)
{
	const struct lfc *c = lflow_glue_compiler();
	if (c == NULL) {
		ctl_reply_err(r, "no logical flows: brintd runs without the OVN southbound");
		return;
	}
	json_t *o = lfc_stats_json(c);
	json_object_set_new(o, "engine_builds", json_integer(lflow_glue_stats()->hooks));
	json_object_set_new(o, "last_engine_build_ms", json_real(lflow_glue_stats()->last_hook_ms));
	ctl_reply_ok(r, o);
}

static void cmd_lflow_show(const json_t *args, struct ctl_reply *r)
{
	const struct lfc *c = lflow_glue_compiler();
	const char *dp, *stage = NULL;
	bool structured = false;
	json_t *res;

	if (ctl_arg_str(args, "datapath", true, &dp, r) < 0 ||
	    ctl_arg_str(args, "stage", false, &stage, r) < 0 ||
	    ctl_arg_bool(args, "json", false, &structured, r) < 0)
		return;
	if (c == NULL) {
		ctl_reply_err(r, "no logical flows: brintd runs without the OVN southbound");
		return;
	}
	res = lfc_show_json(c, dp, stage, structured);
	if (res == NULL) {
		ctl_reply_err(r, "no datapath named '%s'", dp);
		return;
	}
	ctl_reply_ok(r, res);
}

CTL_COMMAND(lflow_stats, "lflow stats", "",
	    "compiled logical flows per datapath and stage; skipped flows and why", cmd_lflow_stats)
CTL_COMMAND(lflow_show, "lflow show", "DATAPATH [STAGE] [--json]",
	    "a datapath's flows by stage: match, normalised rules, compiled program (--json: "
	    "also as structured instructions)",
	    cmd_lflow_show)
