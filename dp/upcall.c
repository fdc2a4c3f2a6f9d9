/* SPDX-License-Identifier: Apache-2.0 */
/* The slow path. Today no logical pipeline is compiled yet (the OVN compiler and engine come
 * next): a packet on a port without a cross-connect gets a megaflow that drops everything from
 * that port, counted as no_pipeline. The mask covers the input port only, so one flow serves
 * every packet of the port. */
#include "upcall.h"

#include <brint/drop_reasons.h>

#include <string.h>

int dp_upcall(struct pmd *pmd, struct dp_upcall *u)
{
	(void)pmd;
	memset(&u->mask, 0, sizeof(u->mask));
	u->mask.in_port = UINT32_MAX;
	u->mask.recirc = UINT32_MAX;
	return dpa_put_simple(&u->acts, DPA_DROP, BRINT_DROP_NO_PIPELINE, 0);
}
