/* SPDX-License-Identifier: Apache-2.0 */
/* The neighbour buffer in the PMD (dp/nbuf_dp.h): holding from packet mode, the timeout and
 * the re-send from housekeeping, the counters. Everything here runs in the PMD that owns the
 * buffer. */
#include "nbuf_dp.h"
#include "dp.h"
#include "nbuf.h"
#include "pipeline_pub.h"
#include "pmd.h"

#include <brint/drop_reasons.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

static uint64_t now_ms(void)
{
	uint64_t hz = rte_get_tsc_hz();
	return hz >= 1000 ? rte_rdtsc() / (hz / 1000) : rte_rdtsc();
}

static struct nbuf_addr to_addr(const struct pl_pm_wait *w)
{
	struct nbuf_addr a = {
	    .dp = w->dp, .port = w->port, .ip_hi = w->ip_hi, .ip_lo = w->ip_lo, .v6 = w->v6};
	return a;
}

void dp_nbuf_hold(struct pmd *pmd, uint16_t in, struct rte_mbuf *m, const struct pl_pm_wait *w)
{
	struct nbuf_addr a = to_addr(w);
	struct nbuf_pkt ev;

	if (pmd->nbuf_reinject) {
		pmd_drop(pmd, BRINT_DROP_NBUF_UNRESOLVED, in, m);
		return;
	}
	switch (nbuf_hold(&pmd->nbuf, &a, (struct nbuf_pkt){m, in}, now_ms(), &ev)) {
	case NBUF_FULL:
		pmd->c.nbuf_overflow++;
		pmd_drop(pmd, BRINT_DROP_NBUF_OVERFLOW, in, m);
		return;
	case NBUF_HELD_EVICTED:
		pmd->c.nbuf_overflow++;
		pmd_drop(pmd, BRINT_DROP_NBUF_OVERFLOW, (uint16_t)ev.tag, ev.pkt);
		break;
	case NBUF_HELD: break;
	}
	pmd->c.nbuf_buffered++;
}

static void drop_expired(void *arg, const struct nbuf_addr *a, struct nbuf_pkt p)
{
	struct pmd *pmd = arg;
	(void)a;
	pmd->c.nbuf_expired++;
	pmd_drop(pmd, BRINT_DROP_NBUF_EXPIRED, (uint16_t)p.tag, p.pkt);
}

static bool known(void *arg, const struct nbuf_addr *a)
{
	const struct pl_gen *g = arg;
	lf_u128 ip = (lf_u128)a->ip_hi << 64 | a->ip_lo;
	return pl_neigh_get(g, a->dp, a->port, a->v6, ip) != NULL;
}

struct resend {
	unsigned n;
	struct nbuf_pkt p[NBUF_MAX_ADDRS * NBUF_QUEUE_DEPTH];
};

static void collect(void *arg, const struct nbuf_addr *a, struct nbuf_pkt p)
{
	struct resend *r = arg;
	(void)a;
	r->p[r->n++] = p;
}

void dp_nbuf_run(struct pmd *pmd)
{
	static __thread struct resend r; /* 16 KB: not on the PMD's stack */

	if (likely(pmd->nbuf.n_pkts == 0)) {
		pmd->nbuf_check = false;
		return;
	}
	nbuf_expire(&pmd->nbuf, now_ms(), drop_expired, pmd);
	if (!pmd->nbuf_check)
		return;
	pmd->nbuf_check = false;
	const struct pl_gen *g = pl_current();
	if (g == NULL)
		return;
	r.n = 0;
	nbuf_release(&pmd->nbuf, known, (void *)(uintptr_t)g, collect, &r);
	/* in the order held, each once, by its input port through the cache and slow path */
	pmd->nbuf_reinject = true;
	for (unsigned i = 0; i < r.n; i++) {
		struct rte_mbuf *m = r.p[i].pkt;
		uint16_t in = (uint16_t)r.p[i].tag;
		/* its input port went away while it waited (dp_nbuf_port_removed took those the
		 * PMD was told of; a flush of the whole cache does not say which) */
		if (ports[in] == NULL) {
			pmd->c.nbuf_expired++;
			pmd_drop(pmd, BRINT_DROP_NBUF_EXPIRED, in, m);
			continue;
		}
		pmd->c.nbuf_reinjected++;
		dp_input(pmd, in, &m, 1);
	}
	pmd->nbuf_reinject = false;
	for (uint16_t i = 0; i < pmd->n_dirty; i++)
		pmd_tx_flush_port(pmd, pmd->dirty[i]);
	pmd->n_dirty = 0;
}

void dp_nbuf_port_removed(struct pmd *pmd, uint16_t port)
{
	if (pmd->nbuf.n_pkts)
		nbuf_drop_tag(&pmd->nbuf, port, drop_expired, pmd);
}

static void drop_held(void *arg, const struct nbuf_addr *a, struct nbuf_pkt p)
{
	(void)arg;
	(void)a;
	rte_pktmbuf_free(p.pkt);
}

void dp_nbuf_fini(struct pmd *pmd)
{
	nbuf_flush(&pmd->nbuf, drop_held, NULL);
}
