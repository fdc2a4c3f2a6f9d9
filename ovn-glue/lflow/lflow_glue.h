/* SPDX-License-Identifier: Apache-2.0 */
/* The compiler attached to the southbound replica: every change the replica applies is
 * compiled, then acked (so `ovn-nbctl --wait=hv` waits for compilation). The compiled hook
 * (the engine's pipeline build and publication) runs only after a pass that produced a new
 * generation, and is timed for `lflow stats`. */
#pragma once

#include "lflow/compile.h"

/* Start compiling (after ovn_glue_start). */
int lflow_glue_start(void);
void lflow_glue_stop(void);
/* NULL when not started. */
const struct lfc *lflow_glue_compiler(void);
/* Called on the control thread after every compile that changed something, before the
 * replica is acked. */
void lflow_glue_set_compiled_hook(void (*fn)(void));

struct lflow_glue_stats {
	unsigned hooks;	     /* compiled-hook runs */
	double last_hook_ms; /* the last one's duration (the engine's build and publication) */
};
const struct lflow_glue_stats *lflow_glue_stats(void);
