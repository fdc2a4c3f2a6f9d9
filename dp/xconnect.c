/* SPDX-License-Identifier: Apache-2.0 */
/* L2 cross-connect: what port A receives leaves by port B, untouched.
 * The table is immutable once published; the control thread copies, edits, publishes,
 * waits for a grace period and frees the old copy. */
#include "dp.h"

#include <brint/util.h>

#include <rte_malloc.h>

struct xc_table {
	uint16_t out[BRINT_MAX_PORTS];
};

static struct xc_table *xc_cur;

int xconnect_init(void)
{
	struct xc_table *t = rte_zmalloc("xconnect", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return errno_set(ENOMEM);
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++)
		t->out[i] = PORT_NONE;
	__atomic_store_n(&xc_cur, t, __ATOMIC_RELEASE);
	return 0;
}

void xconnect_fini(void)
{
	rte_free(xc_cur);
	xc_cur = NULL;
}

static int publish(struct xc_table *t)
{
	struct xc_table *old = xc_cur;
	__atomic_store_n(&xc_cur, t, __ATOMIC_RELEASE);
	dp_tables_changed();
	pmd_rcu_sync();
	rte_free(old);
	return 0;
}

static struct xc_table *copy_cur(void)
{
	struct xc_table *t = rte_malloc("xconnect", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t != NULL)
		memcpy(t, xc_cur, sizeof(*t));
	return t;
}

int xconnect_set(uint16_t from, uint16_t to)
{
	struct xc_table *t;
	if (from >= BRINT_MAX_PORTS || to >= BRINT_MAX_PORTS)
		return errno_set(EINVAL);
	t = copy_cur();
	if (t == NULL)
		return errno_set(ENOMEM);
	t->out[from] = to;
	return publish(t);
}

int xconnect_clear(uint16_t from)
{
	struct xc_table *t;
	if (from >= BRINT_MAX_PORTS)
		return errno_set(EINVAL);
	if (xc_cur->out[from] == PORT_NONE)
		return errno_set(ENOENT);
	t = copy_cur();
	if (t == NULL)
		return errno_set(ENOMEM);
	t->out[from] = PORT_NONE;
	return publish(t);
}

void xconnect_forget_port(uint16_t port)
{
	struct xc_table *t;
	bool used = xc_cur->out[port] != PORT_NONE;

	for (unsigned i = 0; i < BRINT_MAX_PORTS && !used; i++)
		used = xc_cur->out[i] == port;
	if (!used || (t = copy_cur()) == NULL)
		return;
	t->out[port] = PORT_NONE;
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++)
		if (t->out[i] == port)
			t->out[i] = PORT_NONE;
	publish(t);
}

uint16_t xconnect_get(uint16_t from)
{
	return from < BRINT_MAX_PORTS ? xc_cur->out[from] : PORT_NONE;
}

/* PMD: the port a cross-connect sends `in` to, or PORT_NONE. */
uint16_t xconnect_lookup(uint16_t in)
{
	const struct xc_table *t = __atomic_load_n(&xc_cur, __ATOMIC_ACQUIRE);
	return t->out[in];
}
