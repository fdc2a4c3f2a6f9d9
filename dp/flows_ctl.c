/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl flows dump [--max N]: every PMD's cached megaflows, read by the PMD itself.
 * brintctl flows flush: every PMD empties its flow cache (exact-match and megaflows) itself;
 * the next packet of every flow takes the slow path (as after a table change that cannot be
 * revalidated): for debugging, and for measuring a flow's first packet in a warm process. */
#include "ctl.h"
#include "dp.h"

#include <brint/log.h>

#include <stdlib.h>
#include <unistd.h>

/* Ask one PMD for its flows and wait for the answer (a PMD loop iteration is microseconds). */
static int dump_pmd(struct pmd *pmd, json_t *flows, unsigned max)
{
	struct pmd_dump_req *req = calloc(1, sizeof(*req));
	if (req == NULL)
		return -1;
	req->flows = flows;
	req->max = max;
	__atomic_store_n(&pmd->dump_req, req, __ATOMIC_RELEASE);
	for (int i = 0; i < 5000 && !__atomic_load_n(&req->done, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	if (!__atomic_load_n(&req->done, __ATOMIC_ACQUIRE)) {
		/* the PMD may still answer: the request must outlive this call */
		LOG_ERR("flows", "pmd %u did not answer a flow dump within 5 s", pmd->idx);
		return -1;
	}
	free(req);
	return 0;
}

static void cmd_flows_dump(const json_t *args, struct ctl_reply *r)
{
	long long max = 1000;
	json_t *all;

	if (ctl_arg_int(args, "max", false, 1, 1000000, &max, r) < 0)
		return;
	all = json_array();
	for (unsigned i = 0; i < n_pmds; i++) {
		json_t *flows = json_array();
		if (!pmds[i]->running || dump_pmd(pmds[i], flows, (unsigned)max) < 0) {
			if (pmds[i]->running) {
				/* flows now belongs to the PMD's pending request: do not free it */
				ctl_reply_err(r, "pmd %u did not answer", i);
				json_decref(all);
				return;
			}
		}
		json_array_append_new(all, json_pack("{s:i, s:i, s:o}", "pmd", i, "core",
						     pmds[i]->lcore, "flows", flows));
	}
	ctl_reply_ok(r, all);
}

CTL_COMMAND(flows_dump, "flows dump", "[--max N]",
	    "each PMD's cached megaflows with hit counts, ages and actions", cmd_flows_dump)

static void cmd_flows_flush(const json_t *args, struct ctl_reply *r)
{
	(void)args;
	unsigned n = 0;
	for (unsigned i = 0; i < n_pmds; i++) {
		struct pmd *pmd = pmds[i];
		if (!pmd->running)
			continue;
		uint64_t want = __atomic_add_fetch(&pmd->flush_req, 1, __ATOMIC_ACQ_REL);
		int t;
		for (t = 0; t < 5000 && __atomic_load_n(&pmd->flush_done, __ATOMIC_ACQUIRE) != want;
		     t++)
			usleep(1000);
		if (t == 5000) {
			ctl_reply_err(r, "pmd %u did not flush within 5 s", i);
			return;
		}
		n++;
	}
	ctl_reply_ok(r, json_pack("{s:i}", "pmds", (int)n));
}

CTL_COMMAND(flows_flush, "flows flush", "",
	    "every PMD empties its flow cache (the next packet of each flow takes the slow path)",
	    cmd_flows_flush)
