/* SPDX-License-Identifier: Apache-2.0 */
#include "lflow/lflow_glue.h"

#include "ovn_glue.h"

#include <brint/log.h>

static struct lfc *compiler;
static void (*compiled_hook)(void);

void lflow_glue_set_compiled_hook(void (*fn)(void))
{
	compiled_hook = fn;
}

static void on_change(struct sb_replica *r, void *arg)
{
	(void)arg;
	if (compiler == NULL)
		return;
	lfc_update(compiler, r, false);
	if (compiled_hook)
		compiled_hook(); /* before the ack: --wait=hv waits for the datapath too */
	sb_replica_ack(r);
}

int lflow_glue_start(void)
{
	compiler = lfc_new();
	if (compiler == NULL)
		return -1;
	ovn_glue_set_change_handler(on_change, NULL);
	return 0;
}

void lflow_glue_stop(void)
{
	ovn_glue_set_change_handler(NULL, NULL);
	lfc_free(compiler);
	compiler = NULL;
}

const struct lfc *lflow_glue_compiler(void)
{
	return compiler;
}
