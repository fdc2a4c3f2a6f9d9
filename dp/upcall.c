/* SPDX-License-Identifier: Apache-2.0 */
/* The slow path: the published pipeline generation interpreted for the packet's key
 * (dp/pl_interp.c). Before any generation exists (no OVN, or not compiled yet) a packet on a
 * port without a cross-connect gets a megaflow that drops everything from that port, counted
 * as no_pipeline; the mask covers the input port only. */
#include "upcall.h"
#include "pipeline_pub.h"
#include "pl_interp.h"
#include "pmd.h"

#include <brint/drop_reasons.h>

#include <string.h>

int dp_upcall(struct pmd *pmd, struct dp_upcall *u)
{
	const struct pl_gen *g = pl_current();

	if (g != NULL)
		return pl_run(g, u->key, &u->mask, &u->acts, &pmd->plc);
	memset(&u->mask, 0, sizeof(u->mask));
	u->mask.in_port = UINT32_MAX;
	u->mask.recirc = UINT32_MAX;
	return dpa_put_simple(&u->acts, DPA_DROP, BRINT_DROP_NO_PIPELINE, 0);
}
