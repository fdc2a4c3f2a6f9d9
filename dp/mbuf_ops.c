/* SPDX-License-Identifier: Apache-2.0 */
/* Rewrites that change a packet's length, on mbufs. */
#include "mbuf_ops.h"

#include <string.h>

/* 802.1Q tag after the MACs; later header offsets move by 4 bytes. */
bool dp_push_vlan(struct rte_mbuf *m, uint16_t tci, struct flow_layout *lay)
{
	uint8_t *p = (uint8_t *)rte_pktmbuf_prepend(m, 4);
	if (p == NULL || rte_pktmbuf_data_len(m) < 18)
		return false;
	memmove(p, p + 4, 12);
	p[12] = 0x81;
	p[13] = 0x00;
	p[14] = (uint8_t)(tci >> 8);
	p[15] = (uint8_t)tci;
	lay->vlan_ofs = 12;
	if (lay->l3_ofs)
		lay->l3_ofs += 4;
	if (lay->l4_ofs)
		lay->l4_ofs += 4;
	return true;
}

bool dp_pop_vlan(struct rte_mbuf *m, struct flow_layout *lay)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	if (rte_pktmbuf_data_len(m) < 18 || p[12] != 0x81 || p[13] != 0x00)
		return false;
	memmove(p + 4, p, 12);
	rte_pktmbuf_adj(m, 4);
	lay->vlan_ofs = 0;
	if (lay->l3_ofs >= 4)
		lay->l3_ofs -= 4;
	if (lay->l4_ofs >= 4)
		lay->l4_ofs -= 4;
	return true;
}
