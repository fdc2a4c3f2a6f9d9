/* SPDX-License-Identifier: Apache-2.0 */
/* The per-PMD buffer of packets waiting for a neighbour (dp/nbuf.h): a small array of
 * addresses searched linearly (holds happen in packet mode, at most DP_SLOWPATH_RATE a
 * second, and the array is empty almost always), each with its queue, oldest first. */
#include "nbuf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

void nbuf_init(struct nbuf *b)
{
	b->n_addrs = 0;
	b->n_pkts = 0;
	b->next_expire = UINT64_MAX;
}

static bool addr_eq(const struct nbuf_addr *x, const struct nbuf_addr *y)
{
	return x->dp == y->dp && x->port == y->port && x->ip_hi == y->ip_hi &&
	       x->ip_lo == y->ip_lo && x->v6 == y->v6;
}

enum nbuf_hold_res nbuf_hold(struct nbuf *b, const struct nbuf_addr *a, struct nbuf_pkt p,
			     uint64_t now_ms, struct nbuf_pkt *evicted)
{
	struct nbuf_entry *e = NULL;
	enum nbuf_hold_res r = NBUF_HELD;

	for (unsigned i = 0; i < b->n_addrs && e == NULL; i++)
		if (addr_eq(&b->e[i].a, a))
			e = &b->e[i];
	if (e == NULL) {
		if (b->n_addrs == NBUF_MAX_ADDRS)
			return NBUF_FULL;
		e = &b->e[b->n_addrs++];
		e->a = *a;
		e->n = 0;
	}
	if (e->n == NBUF_QUEUE_DEPTH) {
		*evicted = e->q[0];
		memmove(&e->q[0], &e->q[1], sizeof(e->q[0]) * (NBUF_QUEUE_DEPTH - 1));
		e->n--;
		b->n_pkts--;
		r = NBUF_HELD_EVICTED;
	}
	e->q[e->n++] = p;
	b->n_pkts++;
	/* the timeout restarts with every packet (pinctrl's timestamp); the earliest due stays
	 * a lower bound: an entry whose time moved later is found not due when checked */
	e->expire_ms = now_ms + NBUF_TIMEOUT_MS;
	if (e->expire_ms < b->next_expire)
		b->next_expire = e->expire_ms;
	return r;
}

/* hand out entry i's packets and remove it, keeping the others in their order */
static unsigned take(struct nbuf *b, unsigned i, nbuf_fn fn, void *arg)
{
	struct nbuf_entry *e = &b->e[i];
	unsigned n = e->n;
	struct nbuf_addr a = e->a;
	struct nbuf_pkt q[NBUF_QUEUE_DEPTH];

	memcpy(q, e->q, sizeof(q[0]) * n);
	memmove(&b->e[i], &b->e[i + 1], sizeof(b->e[0]) * (b->n_addrs - i - 1));
	b->n_addrs--;
	b->n_pkts -= n;
	/* removed before the callbacks run: one that holds again cannot meet its own entry */
	for (unsigned k = 0; k < n; k++)
		fn(arg, &a, q[k]);
	return n;
}

static void recompute_expire(struct nbuf *b)
{
	b->next_expire = UINT64_MAX;
	for (unsigned i = 0; i < b->n_addrs; i++)
		if (b->e[i].expire_ms < b->next_expire)
			b->next_expire = b->e[i].expire_ms;
}

unsigned nbuf_expire(struct nbuf *b, uint64_t now_ms, nbuf_fn fn, void *arg)
{
	unsigned n = 0;

	if (b->n_addrs == 0 || now_ms <= b->next_expire)
		return 0;
	for (unsigned i = 0; i < b->n_addrs;) {
		if (now_ms > b->e[i].expire_ms)
			n += take(b, i, fn, arg);
		else
			i++;
	}
	recompute_expire(b);
	return n;
}

unsigned nbuf_release(struct nbuf *b, nbuf_resolved_fn resolved, void *rarg, nbuf_fn fn, void *arg)
{
	/* the entries to release are chosen first, then handed out: fn may hold new packets
	 * (a re-injected packet meeting another unresolved hop), which must not be released by
	 * this same pass */
	bool rel[NBUF_MAX_ADDRS];
	unsigned n = 0, n_addrs = b->n_addrs;
	struct nbuf_entry e;

	for (unsigned i = 0; i < n_addrs; i++)
		rel[i] = resolved(rarg, &b->e[i].a);
	/* walk the chosen ones oldest first; each is taken out of the array before its packets
	 * go, and anything fn adds goes after the original entries */
	unsigned kept = 0;
	for (unsigned i = 0; i < n_addrs; i++) {
		if (!rel[i]) {
			kept++;
			continue;
		}
		/* the entry that was i now sits at `kept` (earlier releases closed the gaps) */
		e = b->e[kept];
		memmove(&b->e[kept], &b->e[kept + 1], sizeof(b->e[0]) * (b->n_addrs - kept - 1));
		b->n_addrs--;
		b->n_pkts -= e.n;
		for (unsigned k = 0; k < e.n; k++)
			fn(arg, &e.a, e.q[k]);
		n += e.n;
	}
	recompute_expire(b);
	return n;
}

unsigned nbuf_drop_tag(struct nbuf *b, uint32_t tag, nbuf_fn fn, void *arg)
{
	unsigned n = 0;

	for (unsigned i = 0; i < b->n_addrs;) {
		struct nbuf_entry *e = &b->e[i];
		unsigned k = 0;
		for (unsigned j = 0; j < e->n; j++) {
			if (e->q[j].tag == tag) {
				fn(arg, &e->a, e->q[j]);
				n++;
			} else {
				e->q[k++] = e->q[j]; /* the others keep their order */
			}
		}
		b->n_pkts -= e->n - k;
		e->n = k;
		if (k == 0) {
			memmove(&b->e[i], &b->e[i + 1], sizeof(b->e[0]) * (b->n_addrs - i - 1));
			b->n_addrs--;
		} else {
			i++;
		}
	}
	if (n)
		recompute_expire(b);
	return n;
}

unsigned nbuf_flush(struct nbuf *b, nbuf_fn fn, void *arg)
{
	unsigned n = 0;
	while (b->n_addrs > 0)
		n += take(b, 0, fn, arg);
	b->next_expire = UINT64_MAX;
	return n;
}

void nbuf_addr_ip_text(const struct nbuf_addr *a, char *buf, size_t len)
{
	if (!a->v6) {
		uint32_t v = (uint32_t)a->ip_lo;
		snprintf(buf, len, "%u.%u.%u.%u", v >> 24, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff);
		return;
	}
	uint8_t b[16];
	for (int i = 0; i < 8; i++) {
		b[i] = (uint8_t)(a->ip_hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(a->ip_lo >> (56 - 8 * i));
	}
	if (inet_ntop(AF_INET6, b, buf, (socklen_t)len) == NULL && len > 0)
		buf[0] = 0;
}
