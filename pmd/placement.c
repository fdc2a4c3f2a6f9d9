/* SPDX-License-Identifier: Apache-2.0 */
#include "placement.h"

static int pmd_of_core(const unsigned *cores, unsigned n, int core)
{
	for (unsigned i = 0; i < n; i++)
		if ((int)cores[i] == core)
			return (int)i;
	return -1;
}

void rxq_place_all(struct rxq_place *q, unsigned n, const unsigned *pmd_cores, unsigned n_pmds)
{
	unsigned load[64] = {0};

	if (n_pmds == 0 || n_pmds > 64)
		return;
	for (unsigned i = 0; i < n; i++) {
		int p = q[i].pin_core >= 0 ? pmd_of_core(pmd_cores, n_pmds, q[i].pin_core) : -1;
		q[i].pmd = p;
		q[i].pin_ignored = q[i].pin_core >= 0 && p < 0;
		if (p >= 0)
			load[p]++;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned best = 0;
		if (q[i].pmd >= 0)
			continue;
		for (unsigned k = 1; k < n_pmds; k++)
			if (load[k] < load[best])
				best = k;
		q[i].pmd = (int)best;
		load[best]++;
	}
}
