/* SPDX-License-Identifier: Apache-2.0 */
/* The compiler attached to the southbound replica (see lflow_glue.h). */
#include "lflow/lflow_glue.h"

#include "ovn_glue.h"

#include <brint/log.h>

#include <time.h>

static struct lfc *compiler;
static void (*compiled_hook)(void);
static struct lflow_glue_stats gstats;

void lflow_glue_set_compiled_hook(void (*fn)(void))
{
	compiled_hook = fn;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void on_change(struct sb_replica *r, void *arg)
{
	(void)arg;
	if (compiler == NULL)
		return;
	/* a skipped pass (nothing the compiler reads changed) leaves the generation the engine
	 * has: no rebuild downstream either */
	if (lfc_update(compiler, r, false) && compiled_hook) {
		double t0 = now_ms();
		compiled_hook(); /* before the ack: --wait=hv waits for the datapath too */
		gstats.last_hook_ms = now_ms() - t0;
		gstats.hooks++;
	}
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

const struct lflow_glue_stats *lflow_glue_stats(void)
{
	return &gstats;
}
