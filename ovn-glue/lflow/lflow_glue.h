/* SPDX-License-Identifier: Apache-2.0 */
/* The compiler attached to the southbound replica: every change the replica applies is
 * compiled, then acked (so `ovn-nbctl --wait=hv` waits for compilation). */
#pragma once

#include "lflow/compile.h"

/* Start compiling (after ovn_glue_start). */
int lflow_glue_start(void);
void lflow_glue_stop(void);
/* NULL when not started. */
const struct lfc *lflow_glue_compiler(void);
/* Called on the control thread after every compile, before the replica is acked. */
void lflow_glue_set_compiled_hook(void (*fn)(void));
