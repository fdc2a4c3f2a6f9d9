/* SPDX-License-Identifier: Apache-2.0 */
/* PMD worker threads: the poll loop, tx buffering, RCU quiescence, cycle accounting. */
#include "pmd.h"
#include "dp.h"

#include <brint/log.h>
#include <brint/util.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <stdio.h>

struct pmd *pmds[BRINT_MAX_PMDS];
unsigned n_pmds;
struct rte_rcu_qsbr *brint_rcu;

int pmd_init(const unsigned *cores, unsigned n, char *err, size_t errlen)
{
	size_t sz;

	for (unsigned i = 0; i < n; i++) {
		if (!rte_lcore_is_enabled(cores[i])) {
			snprintf(err, errlen,
				 "pmd_cores[%u]: core %u is not in the EAL core list (eal -l)", i,
				 cores[i]);
			return -1;
		}
		if (cores[i] == rte_get_main_lcore()) {
			snprintf(err, errlen,
				 "pmd_cores[%u]: core %u is the EAL main lcore, which runs the "
				 "control thread; pick another (or set --main-lcore)",
				 i, cores[i]);
			return -1;
		}
	}
	sz = rte_rcu_qsbr_get_memsize(BRINT_MAX_PMDS);
	brint_rcu = rte_zmalloc("brint_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (brint_rcu == NULL || rte_rcu_qsbr_init(brint_rcu, BRINT_MAX_PMDS) < 0) {
		snprintf(err, errlen, "rcu: cannot allocate (%s)", rte_strerror(rte_errno));
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		struct pmd *p = rte_zmalloc_socket("pmd", sizeof(*p), RTE_CACHE_LINE_SIZE,
						   (int)rte_lcore_to_socket_id(cores[i]));
		if (p == NULL) {
			snprintf(err, errlen, "pmd %u: out of memory", cores[i]);
			return -1;
		}
		p->idx = i;
		p->lcore = cores[i];
		p->sched = rte_zmalloc("pmd_sched", sizeof(struct pmd_sched), 0);
		if (p->sched == NULL) {
			snprintf(err, errlen, "pmd %u: out of memory", cores[i]);
			return -1;
		}
		if (dp_pmd_init(p) < 0) {
			snprintf(err, errlen, "pmd %u: cannot allocate its flow cache", cores[i]);
			return -1;
		}
		rte_rcu_qsbr_thread_register(brint_rcu, i);
		pmds[i] = p;
	}
	n_pmds = n;
	return 0;
}

void pmd_tx_flush_port(struct pmd *pmd, uint16_t out)
{
	struct pmd_txbuf *b = &pmd->txbuf[out];
	struct port *p = ports[out];
	uint16_t sent = 0, n = b->n;

	if (n == 0)
		return;
	b->n = 0;
	if (likely(p != NULL && p->n_txq)) {
		uint16_t q = (uint16_t)(pmd->idx % p->n_txq);
		sent = port_tx_burst(p, q, b->pkts, n);
	}
	pmd->c.tx_pkts += sent;
	pmd->c.port_tx[out] += sent;
	if (unlikely(sent < n)) {
		enum brint_drop_reason r = BRINT_DROP_TX_FULL;
		if (p == NULL || !p->link_up)
			r = BRINT_DROP_TX_PORT_DOWN;
		pmd->c.drops[r] += n - sent;
		pmd->c.port_drop[out] += n - sent;
		rte_pktmbuf_free_bulk(b->pkts + sent, n - sent);
	}
}

static inline void flush_all(struct pmd *pmd)
{
	for (uint16_t i = 0; i < pmd->n_dirty; i++)
		pmd_tx_flush_port(pmd, pmd->dirty[i]);
	pmd->n_dirty = 0;
}

static int pmd_main(void *arg)
{
	struct pmd *pmd = arg;
	struct rte_mbuf *pkts[PMD_BURST];

	LOG_INFO("pmd", "pmd %u running on core %u", pmd->idx, pmd->lcore);
	rte_rcu_qsbr_thread_online(brint_rcu, pmd->idx);
	uint64_t start = rte_rdtsc();
	while (likely(!pmd->stop)) {
		const struct pmd_sched *s = __atomic_load_n(&pmd->sched, __ATOMIC_ACQUIRE);
		uint64_t now, end, cycles;
		uint64_t got = 0;

		for (unsigned i = 0; i < s->n_rxq; i++) {
			struct port *p = s->rxq[i].port;
			uint16_t n = p->ops->rx(p, s->rxq[i].qid, pkts, PMD_BURST);
			if (n == 0)
				continue;
			got += n;
			pmd->c.port_rx[p->id] += n;
			dp_input(pmd, p->id, pkts, n);
			flush_all(pmd);
		}
		now = rte_rdtsc();
		cycles = now - start;
		pmd->c.iterations++;
		if (got) {
			pmd->c.rx_pkts += got;
			pmd->c.busy_cycles += cycles;
			pmd->c.busy_iterations++;
		} else {
			pmd->c.idle_cycles += cycles;
		}
		if (unlikely(pmd->max_reset_req != pmd->max_reset_done)) {
			pmd->c.max_busy_cycles = 0;
			pmd->c.max_housekeeping_cycles = 0;
			__atomic_store_n(&pmd->max_reset_done, pmd->max_reset_req,
					 __ATOMIC_RELEASE);
		}
		dp_pmd_housekeeping(pmd);
		/* tx buffers are empty and the flow cache follows the current tables here: a port
		 * withdrawn before this point is no longer referenced by this PMD once the control
		 * thread sees this report. */
		rte_rcu_qsbr_quiescent(brint_rcu, pmd->idx);
		/* the loop gap: the whole iteration, housekeeping (cache flush or revalidation)
		 * included, is how long the rx queues waited */
		end = rte_rdtsc();
		if (end - now > pmd->c.max_housekeeping_cycles)
			pmd->c.max_housekeeping_cycles = end - now;
		if (end - start > pmd->c.max_busy_cycles)
			pmd->c.max_busy_cycles = end - start;
		start = end;
	}
	rte_rcu_qsbr_thread_offline(brint_rcu, pmd->idx);
	LOG_INFO("pmd", "pmd %u stopped", pmd->idx);
	return 0;
}

int pmd_start(void)
{
	for (unsigned i = 0; i < n_pmds; i++) {
		pmds[i]->stop = false;
		if (rte_eal_remote_launch(pmd_main, pmds[i], pmds[i]->lcore) < 0) {
			LOG_ERR("pmd", "cannot launch pmd on core %u", pmds[i]->lcore);
			return -1;
		}
		pmds[i]->running = true;
	}
	return 0;
}

void pmd_stop_all(void)
{
	for (unsigned i = 0; i < n_pmds; i++)
		pmds[i]->stop = true;
	for (unsigned i = 0; i < n_pmds; i++) {
		if (pmds[i]->running)
			rte_eal_wait_lcore(pmds[i]->lcore);
		pmds[i]->running = false;
	}
}

void pmd_rcu_sync(void)
{
	rte_rcu_qsbr_synchronize(brint_rcu, RTE_QSBR_THRID_INVALID);
}

void pmd_fini(void)
{
	for (unsigned i = 0; i < n_pmds; i++) {
		dp_pmd_fini(pmds[i]);
		rte_free(pmds[i]->sched);
		rte_free(pmds[i]);
		pmds[i] = NULL;
	}
	n_pmds = 0;
	rte_free(brint_rcu);
	brint_rcu = NULL;
}
