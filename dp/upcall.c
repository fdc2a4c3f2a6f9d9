/* SPDX-License-Identifier: Apache-2.0 */
/* The slow path: the published pipeline generation interpreted for the packet's key
 * (dp/pl_interp.c). Before any generation exists (no OVN, or not compiled yet) a packet on a
 * port without a cross-connect gets a megaflow that drops everything from that port, counted
 * as no_pipeline; the mask covers the input port only. u->deps says which datapaths the
 * decision went through (any change at all for the no-pipeline drop).
 * Packet mode (dp_slowpath): the same pipeline on one packet's bytes, and the packets it
 * outputs and generates written (pktgen_rewrite: the headers the logical actions left, with
 * their checksums) into mbufs and sent. A packet that met arp/nd_ns and has no output waits
 * for its next hop's binding in the PMD's neighbour buffer (dp/nbuf_dp.h). */
#include "upcall.h"
#include "learn.h"
#include "nbuf_dp.h"
#include "pipeline_pub.h"
#include "pktgen.h"
#include "pl_interp.h"
#include "pmd.h"

#include <brint/drop_reasons.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <stddef.h>
#include <string.h>

int dp_upcall(struct pmd *pmd, struct dp_upcall *u)
{
	const struct pl_gen *g = pl_current();

	u->deps = UINT64_MAX;
	if (g != NULL)
		return pl_run_deps(g, u->key, &u->mask, &u->acts, &pmd->plc, &u->deps);
	memset(&u->mask, 0, sizeof(u->mask));
	u->mask.in_port = UINT32_MAX;
	u->mask.recirc = UINT32_MAX;
	return dpa_put_simple(&u->acts, DPA_DROP, BRINT_DROP_NO_PIPELINE, 0);
}

/* a copy of the received packet (all its segments), or a new mbuf holding a generated frame */
static struct rte_mbuf *frame_mbuf(struct rte_mbuf *m, const uint8_t *frame, uint16_t len)
{
	struct rte_mbuf *c;
	if (frame == NULL)
		return rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
	c = rte_pktmbuf_alloc(m->pool);
	if (c == NULL)
		return NULL;
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(c, len);
	if (d == NULL) {
		rte_pktmbuf_free(c);
		return NULL;
	}
	memcpy(d, frame, len);
	return c;
}

void dp_slowpath(struct pmd *pmd, uint16_t in, struct rte_mbuf *m)
{
	const struct pl_gen *g = pl_current();
	struct pl_pm_out out;
	struct dp_key k;
	struct flow_layout lay;
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	size_t len = rte_pktmbuf_data_len(m);
	int last = -1;

	uint64_t t0 = rte_rdtsc();

	if (!dp_slowpath_admit(&pmd->slowpath, t0, rte_get_tsc_hz())) {
		pmd_drop(pmd, BRINT_DROP_SLOWPATH_LIMIT, in, m);
		return;
	}
	memset(&k, 0, offsetof(struct dp_key, f));
	k.in_port = in;
	if (g == NULL || flow_parse(data, len, &k.f, &lay) != FLOW_OK) {
		pmd_drop(pmd, g ? BRINT_DROP_MALFORMED : BRINT_DROP_NO_PIPELINE, in, m);
		return;
	}
	struct pl_pkt pkt = {data, len, &lay, rte_pktmbuf_pkt_len(m)};
	if (pl_run_packet(g, &k, &pkt, &out, &pmd->plc, NULL, NULL) < 0) {
		pmd_drop(pmd, BRINT_DROP_UPCALL_FAILED, in, m);
		return;
	}
	for (unsigned i = 0; i < out.n_learn; i++)
		dp_learn_post(&out.learn[i]);
	for (unsigned i = 0; i < out.n_emit; i++)
		if (out.emit[i].src == 0)
			last = (int)i;
	for (unsigned i = 0; i < out.n_emit; i++) {
		const struct pl_pm_emit *e = &out.emit[i];
		const struct pl_pm_gen *gp = e->src ? &out.gen[e->src - 1] : NULL;
		/* the received packet's last output takes the packet itself */
		struct rte_mbuf *c =
		    (int)i == last ? m : frame_mbuf(m, gp ? gp->frame : NULL, gp ? gp->len : 0);
		if (c == NULL) {
			pmd_drop(pmd, BRINT_DROP_NO_MBUF, in, NULL);
			continue;
		}
		if (pktgen_rewrite(rte_pktmbuf_mtod(c, uint8_t *), rte_pktmbuf_data_len(c),
				   gp ? &gp->lay : &lay, gp ? &gp->key : &k.f, &e->hdr) < 0) {
			pmd_drop(pmd, BRINT_DROP_UNSUPPORTED_REWRITE, in, c);
			continue;
		}
		pmd_output(pmd, e->port, c);
	}
	if (last < 0 && out.wait.valid && out.fail == BRINT_DROP_PKTGEN_REPLACED)
		dp_nbuf_hold(pmd, in, m, &out.wait); /* the ARP request / NS went; it waits */
	else if (last < 0)
		pmd_drop(pmd, out.fail, in, m);
	pmd->plc.packet_cycles += rte_rdtsc() - t0;
}
