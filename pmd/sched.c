/* SPDX-License-Identifier: Apache-2.0 */
/* Rx queue placement: every port's rx queues spread over the PMDs (round robin, or pinned to a
 * core by the operator), published as new per-PMD schedules. */
#include "pmd.h"

#include <brint/log.h>
#include <brint/util.h>

#include <rte_malloc.h>

static int pmd_of_core(int core)
{
	for (unsigned i = 0; i < n_pmds; i++)
		if ((int)pmds[i]->lcore == core)
			return (int)i;
	return -1;
}

/* Which PMD polls (port, q): the operator's pin if it names a PMD core, else the least loaded
 * PMD (ties to the lowest index), which is round robin when all queues are unpinned. */
static unsigned place(const struct port *p, uint16_t q, const unsigned *load)
{
	int pinned = p->cfg.rxq_pin[q] >= 0 ? pmd_of_core(p->cfg.rxq_pin[q]) : -1;
	unsigned best = 0;

	if (pinned >= 0)
		return (unsigned)pinned;
	if (p->cfg.rxq_pin[q] >= 0)
		LOG_RL(BRINT_LOG_WARN, "sched",
		       "port %s rxq %u: pinned to core %d, which runs no PMD; placing it round robin",
		       p->cfg.name, q, p->cfg.rxq_pin[q]);
	for (unsigned i = 1; i < n_pmds; i++)
		if (load[i] < load[best])
			best = i;
	return best;
}

int pmd_reschedule(const struct port *without)
{
	unsigned load[BRINT_MAX_PMDS] = {0}, total = 0;
	struct pmd_sched *ns[BRINT_MAX_PMDS], *old[BRINT_MAX_PMDS];

	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++)
		if (ports[i] && ports[i] != without)
			total += ports[i]->n_rxq;
	for (unsigned i = 0; i < n_pmds; i++) {
		ns[i] = rte_zmalloc("pmd_sched", sizeof(struct pmd_sched) +
					       (total + 1) * sizeof(struct pmd_rxq), 0);
		if (ns[i] == NULL) {
			for (unsigned j = 0; j < i; j++)
				rte_free(ns[j]);
			return errno_set(ENOMEM);
		}
	}
	/* pinned queues first, so round robin balances what is left */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < BRINT_MAX_PORTS; i++) {
			struct port *p = ports[i];
			if (p == NULL || p == without)
				continue;
			for (uint16_t q = 0; q < p->n_rxq; q++) {
				bool is_pinned = p->cfg.rxq_pin[q] >= 0 &&
						 pmd_of_core(p->cfg.rxq_pin[q]) >= 0;
				if (is_pinned != (pass == 0))
					continue;
				unsigned t = place(p, q, load);
				ns[t]->rxq[ns[t]->n_rxq++] = (struct pmd_rxq){.port = p, .qid = q};
				load[t]++;
			}
		}
	}
	for (unsigned i = 0; i < n_pmds; i++) {
		old[i] = pmds[i]->sched;
		__atomic_store_n(&pmds[i]->sched, ns[i], __ATOMIC_RELEASE);
	}
	pmd_rcu_sync();
	for (unsigned i = 0; i < n_pmds; i++)
		rte_free(old[i]);
	return 0;
}
