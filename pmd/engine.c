/* SPDX-License-Identifier: Apache-2.0 */
#include "engine.h"
#include "lflow/lflow_glue.h"
#include "lflow/pl_build.h"
#include "pipeline_pub.h"
#include "port.h"

#include <brint/log.h>

void engine_rebuild(const struct port *without)
{
	const struct lfc *c = lflow_glue_compiler();
	struct pl_local locals[BRINT_MAX_PORTS];
	unsigned n = 0;
	struct pl_gen *g;

	if (c == NULL)
		return;
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++) {
		const struct port *p = ports[i];
		if (p && p != without && p->cfg.iface_id[0])
			locals[n++] = (struct pl_local){.port_id = p->id, .iface_id = p->cfg.iface_id};
	}
	g = pl_build(c, locals, n);
	if (g == NULL) {
		LOG_ERR("engine", "cannot build the pipeline generation (out of memory): the "
			"previous one stays");
		return;
	}
	pl_publish(g);
}
