/* SPDX-License-Identifier: Apache-2.0 */
/* The ring of table changes (see table_changes.h). A slot is written as a tiny seqlock: its
 * tag is cleared, the change stored, then the tag set to the generation; a reader that sees the
 * same tag before and after the change took a whole one. */
#include "table_changes.h"
#include "dp_actions.h"

uint64_t dp_table_gen = 1;

static struct {
	uint64_t gen;
	uint64_t dps;
	uint64_t port; /* TC_PORT_NONE, or a port id removed */
} ring[TC_RING];

void tc_record(uint64_t dps, uint16_t port)
{
	uint64_t gen = __atomic_load_n(&dp_table_gen, __ATOMIC_RELAXED) + 1;
	unsigned i = (unsigned)(gen % TC_RING);

	__atomic_store_n(&ring[i].gen, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&ring[i].dps, dps, __ATOMIC_RELAXED);
	__atomic_store_n(&ring[i].port, port, __ATOMIC_RELAXED);
	__atomic_store_n(&ring[i].gen, gen, __ATOMIC_RELEASE);
	__atomic_store_n(&dp_table_gen, gen, __ATOMIC_RELEASE);
}

bool tc_since(uint64_t from, uint64_t to, struct tc_change *ch)
{
	ch->dps = 0;
	ch->n_ports = 0;
	if (to - from > TC_RING)
		return false;
	for (uint64_t g = from + 1; g <= to; g++) {
		unsigned i = (unsigned)(g % TC_RING);
		uint64_t t1 = __atomic_load_n(&ring[i].gen, __ATOMIC_ACQUIRE), d, p, t2;
		d = __atomic_load_n(&ring[i].dps, __ATOMIC_RELAXED);
		p = __atomic_load_n(&ring[i].port, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		t2 = __atomic_load_n(&ring[i].gen, __ATOMIC_RELAXED);
		if (t1 != g || t2 != g || d == FC_DEPS_ALL)
			return false;
		ch->dps |= d;
		if (p != TC_PORT_NONE) {
			if (ch->n_ports == TC_PORTS)
				return false;
			ch->ports[ch->n_ports++] = (uint16_t)p;
		}
	}
	return true;
}

bool tc_touches(const struct fc_flow *f, void *arg)
{
	const struct tc_change *ch = arg;
	if (f->deps & ch->dps)
		return true;
	for (unsigned i = 0; i < ch->n_ports; i++) {
		const uint8_t *p = f->actions, *end = p + f->actions_len;
		if (f->key.in_port == ch->ports[i])
			return true;
		while (p < end) {
			const struct dpa_hdr *a = (const struct dpa_hdr *)(const void *)p;
			if (a->type == DPA_OUTPUT && a->u16 == ch->ports[i])
				return true;
			if (a->len8 == 0)
				break; /* not a valid list (dpa_valid refuses it): never loop */
			p += a->len8 * 8u;
		}
	}
	return false;
}
