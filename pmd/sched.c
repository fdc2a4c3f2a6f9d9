/* SPDX-License-Identifier: Apache-2.0 */
/* Publishing rx queue schedules: every port's rx queues placed over the PMDs (placement.c),
 * each PMD's new list published through RCU, the old ones freed after a grace period. */
#include "placement.h"
#include "pmd.h"

#include <brint/log.h>
#include <brint/util.h>

#include <rte_malloc.h>

#include <stdlib.h>

int pmd_reschedule(const struct port *without)
{
	struct pmd_sched *ns[BRINT_MAX_PMDS], *old[BRINT_MAX_PMDS];
	unsigned cores[BRINT_MAX_PMDS], total = 0, k = 0;
	struct rxq_place *q;

	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++)
		if (ports[i] && ports[i] != without)
			total += ports[i]->n_rxq;
	q = calloc(total + 1, sizeof(*q));
	if (q == NULL)
		return errno_set(ENOMEM);
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++) {
		struct port *p = ports[i];
		if (p == NULL || p == without)
			continue;
		for (uint16_t qid = 0; qid < p->n_rxq; qid++)
			q[k++] = (struct rxq_place){
			    .port = p->id, .qid = qid, .pin_core = p->cfg.rxq_pin[qid]};
	}
	for (unsigned i = 0; i < n_pmds; i++)
		cores[i] = pmds[i]->lcore;
	rxq_place_all(q, total, cores, n_pmds);

	for (unsigned i = 0; i < n_pmds; i++) {
		ns[i] =
		    rte_zmalloc("pmd_sched",
				sizeof(struct pmd_sched) + (total + 1) * sizeof(struct pmd_rxq), 0);
		if (ns[i] == NULL) {
			for (unsigned j = 0; j < i; j++)
				rte_free(ns[j]);
			free(q);
			return errno_set(ENOMEM);
		}
	}
	for (unsigned i = 0; i < total; i++) {
		struct pmd_sched *s = ns[q[i].pmd];
		if (q[i].pin_ignored)
			LOG_RL(BRINT_LOG_WARN, "sched",
			       "port %s rxq %u: pinned to core %d, which runs no PMD; placed round "
			       "robin",
			       ports[q[i].port]->cfg.name, q[i].qid, q[i].pin_core);
		s->rxq[s->n_rxq++] = (struct pmd_rxq){.port = ports[q[i].port], .qid = q[i].qid};
	}
	free(q);
	for (unsigned i = 0; i < n_pmds; i++) {
		old[i] = pmds[i]->sched;
		__atomic_store_n(&pmds[i]->sched, ns[i], __ATOMIC_RELEASE);
	}
	pmd_rcu_sync();
	for (unsigned i = 0; i < n_pmds; i++)
		rte_free(old[i]);
	return 0;
}
