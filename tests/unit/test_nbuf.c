/* SPDX-License-Identifier: Apache-2.0 */
/* The neighbour buffer (dp/nbuf.c): OVN pinctrl's rules for the packets waiting for an ARP /
 * ND answer: 4 a next hop with the oldest evicted, a bound on the next hops, a 10 s timeout
 * restarted by each packet, release in order and once, only for the addresses known. Packets
 * are plain integers here (the buffer never looks into them). */
#include "nbuf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct nbuf_addr v4(int64_t dp, int64_t port, uint32_t ip)
{
	struct nbuf_addr a;
	memset(&a, 0, sizeof(a));
	a.dp = dp;
	a.port = port;
	a.ip_lo = ip;
	return a;
}

static struct nbuf_pkt pk(uintptr_t id)
{
	return (struct nbuf_pkt){(void *)id, (uint32_t)(id & 0xffff)};
}

/* what the callbacks were handed, in order */
struct got {
	unsigned n;
	uintptr_t id[NBUF_MAX_ADDRS * NBUF_QUEUE_DEPTH + 8];
	struct nbuf_addr a[NBUF_MAX_ADDRS * NBUF_QUEUE_DEPTH + 8];
};

static void record(void *arg, const struct nbuf_addr *a, struct nbuf_pkt p)
{
	struct got *g = arg;
	assert_int_equal(p.tag, (uint32_t)((uintptr_t)p.pkt & 0xffff));
	g->a[g->n] = *a;
	g->id[g->n++] = (uintptr_t)p.pkt;
}

/* resolved: every address whose ip is in the list */
struct known {
	unsigned n;
	uint32_t ip[8];
};
static bool is_known(void *arg, const struct nbuf_addr *a)
{
	const struct known *k = arg;
	for (unsigned i = 0; i < k->n; i++)
		if (a->ip_lo == k->ip[i])
			return true;
	return false;
}

static struct nbuf b; /* 28 KB: not on the stack */
static struct got got;

static void reset(void)
{
	nbuf_init(&b);
	memset(&got, 0, sizeof(got));
}

/* 4 a next hop: the fifth evicts the oldest; order kept; another address is apart */
static void test_queue_depth(void **state)
{
	(void)state;
	struct nbuf_addr a = v4(1, 2, 0x0a000005), c = v4(1, 2, 0x0a000006);
	struct nbuf_pkt ev = {0};
	reset();
	for (uintptr_t i = 1; i <= NBUF_QUEUE_DEPTH; i++)
		assert_int_equal(nbuf_hold(&b, &a, pk(i), 100, &ev), NBUF_HELD);
	assert_int_equal(b.n_pkts, 4);
	assert_int_equal(nbuf_hold(&b, &a, pk(5), 100, &ev), NBUF_HELD_EVICTED);
	assert_ptr_equal(ev.pkt, (void *)1);
	assert_int_equal(nbuf_hold(&b, &a, pk(6), 100, &ev), NBUF_HELD_EVICTED);
	assert_ptr_equal(ev.pkt, (void *)2);
	assert_int_equal(nbuf_hold(&b, &c, pk(7), 100, &ev), NBUF_HELD);
	assert_int_equal(b.n_pkts, 5);
	assert_int_equal(b.n_addrs, 2);
	/* the same ip on another port or datapath, or as IPv6, is another next hop */
	struct nbuf_addr d = v4(1, 3, 0x0a000005), e = v4(9, 2, 0x0a000005), f = a;
	f.v6 = true;
	assert_int_equal(nbuf_hold(&b, &d, pk(8), 100, &ev), NBUF_HELD);
	assert_int_equal(nbuf_hold(&b, &e, pk(9), 100, &ev), NBUF_HELD);
	assert_int_equal(nbuf_hold(&b, &f, pk(10), 100, &ev), NBUF_HELD);
	assert_int_equal(b.n_addrs, 5);

	struct known k = {1, {0x0a000005}};
	/* a, d, e and f all have ip .5: released in the order their entries were made */
	assert_int_equal(nbuf_release(&b, is_known, &k, record, &got), 7);
	uintptr_t want[] = {3, 4, 5, 6, 8, 9, 10};
	assert_int_equal(got.n, 7);
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(got.id[i], want[i]);
	assert_int_equal(got.a[0].port, 2);
	assert_int_equal(got.a[4].port, 3);
	assert_int_equal(got.a[5].dp, 9);
	assert_true(got.a[6].v6);
	assert_int_equal(b.n_pkts, 1);
	assert_int_equal(b.n_addrs, 1);
	assert_int_equal(b.e[0].a.ip_lo, 0x0a000006);
}

/* at most NBUF_MAX_ADDRS next hops: a new one over it is refused, an existing one still
 * takes packets; a released address frees its place */
static void test_address_bound(void **state)
{
	(void)state;
	struct nbuf_pkt ev = {0};
	reset();
	for (uint32_t i = 0; i < NBUF_MAX_ADDRS; i++) {
		struct nbuf_addr a = v4(1, 2, 0x0a000000 + i);
		assert_int_equal(nbuf_hold(&b, &a, pk(i + 1), 0, &ev), NBUF_HELD);
	}
	struct nbuf_addr over = v4(1, 2, 0x0b000000), first = v4(1, 2, 0x0a000000);
	assert_int_equal(nbuf_hold(&b, &over, pk(5000), 0, &ev), NBUF_FULL);
	assert_int_equal(b.n_pkts, NBUF_MAX_ADDRS);
	assert_int_equal(nbuf_hold(&b, &first, pk(5001), 0, &ev), NBUF_HELD);
	struct known k = {1, {0x0a000000}};
	assert_int_equal(nbuf_release(&b, is_known, &k, record, &got), 2);
	assert_int_equal(got.id[0], 1);
	assert_int_equal(got.id[1], 5001);
	assert_int_equal(nbuf_hold(&b, &over, pk(5000), 0, &ev), NBUF_HELD);
	assert_int_equal(b.n_addrs, NBUF_MAX_ADDRS);
	got.n = 0;
	assert_int_equal(nbuf_flush(&b, record, &got), NBUF_MAX_ADDRS);
	assert_int_equal(got.n, NBUF_MAX_ADDRS);
	assert_int_equal(b.n_pkts, 0);
	assert_int_equal(b.n_addrs, 0);
}

/* NBUF_TIMEOUT_MS after an address's last packet (not its first) its packets expire;
 * nothing is due before */
static void test_timeout(void **state)
{
	(void)state;
	struct nbuf_addr a = v4(1, 2, 5), c = v4(1, 2, 6);
	struct nbuf_pkt ev = {0};
	reset();
	assert_int_equal(nbuf_hold(&b, &a, pk(1), 1000, &ev), NBUF_HELD);
	assert_int_equal(nbuf_hold(&b, &c, pk(2), 2000, &ev), NBUF_HELD);
	assert_int_equal(nbuf_hold(&b, &a, pk(3), 5000, &ev), NBUF_HELD); /* restarts a's */
	assert_int_equal(nbuf_expire(&b, 1000 + NBUF_TIMEOUT_MS, record, &got), 0);
	assert_int_equal(nbuf_expire(&b, 2000 + NBUF_TIMEOUT_MS, record, &got), 0);
	/* c's time is up (now > last + timeout), a's not: a's last packet came at 5000 */
	assert_int_equal(nbuf_expire(&b, 2001 + NBUF_TIMEOUT_MS, record, &got), 1);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.id[0], 2);
	assert_int_equal(nbuf_expire(&b, 5000 + NBUF_TIMEOUT_MS, record, &got), 0);
	assert_int_equal(nbuf_expire(&b, 5001 + NBUF_TIMEOUT_MS, record, &got), 2);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.id[1], 1);
	assert_int_equal(got.id[2], 3);
	assert_int_equal(b.n_pkts, 0);
	assert_int_equal(b.n_addrs, 0);
	assert_int_equal(nbuf_expire(&b, UINT64_MAX, record, &got), 0);
}

/* released once: a second release, or an expiry, hands out nothing; an address not known
 * stays held; a release that finds nothing known changes nothing */
static void test_release_once(void **state)
{
	(void)state;
	struct nbuf_addr a = v4(1, 2, 5), c = v4(1, 2, 6);
	struct nbuf_pkt ev = {0};
	reset();
	struct known none = {0, {0}}, k5 = {1, {5}};
	assert_int_equal(nbuf_hold(&b, &a, pk(1), 0, &ev), NBUF_HELD);
	assert_int_equal(nbuf_hold(&b, &c, pk(2), 0, &ev), NBUF_HELD);
	assert_int_equal(nbuf_hold(&b, &a, pk(3), 0, &ev), NBUF_HELD);
	assert_int_equal(nbuf_release(&b, is_known, &none, record, &got), 0);
	assert_int_equal(b.n_pkts, 3);
	assert_int_equal(nbuf_release(&b, is_known, &k5, record, &got), 2);
	assert_int_equal(nbuf_release(&b, is_known, &k5, record, &got), 0);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.id[0], 1);
	assert_int_equal(got.id[1], 3);
	/* held again after the release: a new entry, a new timeout */
	assert_int_equal(nbuf_hold(&b, &a, pk(4), 20000, &ev), NBUF_HELD);
	assert_int_equal(nbuf_expire(&b, 1 + NBUF_TIMEOUT_MS, record, &got), 1); /* c */
	assert_int_equal(got.id[2], 2);
	assert_int_equal(b.n_pkts, 1);
	assert_int_equal(nbuf_release(&b, is_known, &k5, record, &got), 1);
	assert_int_equal(got.id[3], 4);
	assert_int_equal(got.n, 4);
	assert_int_equal(b.n_pkts, 0);
}

/* a release callback that holds again (a re-sent packet meeting another unresolved next hop)
 * does not get its new packet released by the same pass */
struct rehold {
	struct nbuf *b;
	struct got *g;
};
static void rehold(void *arg, const struct nbuf_addr *a, struct nbuf_pkt p)
{
	struct rehold *r = arg;
	struct nbuf_pkt ev;
	record(r->g, a, p);
	struct nbuf_addr again = *a;
	again.port = 77;
	assert_int_equal(nbuf_hold(r->b, &again, pk((uintptr_t)p.pkt + 100), 0, &ev), NBUF_HELD);
}
static void test_release_rehold(void **state)
{
	(void)state;
	struct nbuf_addr a = v4(1, 2, 5), c = v4(1, 2, 6);
	struct nbuf_pkt ev = {0};
	reset();
	assert_int_equal(nbuf_hold(&b, &a, pk(1), 0, &ev), NBUF_HELD);
	assert_int_equal(nbuf_hold(&b, &c, pk(2), 0, &ev), NBUF_HELD);
	struct known k5 = {1, {5}};
	struct rehold r = {&b, &got};
	assert_int_equal(nbuf_release(&b, is_known, &k5, rehold, &r), 1);
	assert_int_equal(got.n, 1);
	assert_int_equal(b.n_addrs, 2); /* c, and the new (port 77) one */
	assert_int_equal(b.e[0].a.ip_lo, 6);
	assert_int_equal(b.e[1].a.port, 77);
	assert_ptr_equal(b.e[1].q[0].pkt, (void *)101);
}

/* a removed input port takes its packets out of every queue; the others keep their order,
 * an address left empty goes */
static void test_drop_tag(void **state)
{
	(void)state;
	struct nbuf_addr a = v4(1, 2, 5), c = v4(1, 2, 6);
	struct nbuf_pkt ev = {0};
	reset();
	/* pk(id): tag = id & 0xffff; 0x10001 and 0x20001 share tag 1 */
	assert_int_equal(nbuf_hold(&b, &a, pk(0x10001), 0, &ev), NBUF_HELD);
	assert_int_equal(nbuf_hold(&b, &a, pk(2), 0, &ev), NBUF_HELD);
	assert_int_equal(nbuf_hold(&b, &a, pk(0x20001), 0, &ev), NBUF_HELD);
	assert_int_equal(nbuf_hold(&b, &a, pk(3), 0, &ev), NBUF_HELD);
	assert_int_equal(nbuf_hold(&b, &c, pk(0x30001), 0, &ev), NBUF_HELD);
	assert_int_equal(nbuf_drop_tag(&b, 1, record, &got), 3);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.id[0], 0x10001);
	assert_int_equal(got.id[1], 0x20001);
	assert_int_equal(got.id[2], 0x30001);
	assert_int_equal(b.n_pkts, 2);
	assert_int_equal(b.n_addrs, 1);
	assert_int_equal(nbuf_drop_tag(&b, 1, record, &got), 0);
	struct known k5 = {1, {5}};
	assert_int_equal(nbuf_release(&b, is_known, &k5, record, &got), 2);
	assert_int_equal(got.id[3], 2);
	assert_int_equal(got.id[4], 3);
	assert_int_equal(b.n_pkts, 0);
}

static void test_addr_text(void **state)
{
	(void)state;
	char t[64];
	struct nbuf_addr a = v4(1, 2, 0x0a100063), c;
	nbuf_addr_ip_text(&a, t, sizeof(t));
	assert_string_equal(t, "10.16.0.99");
	memset(&c, 0, sizeof(c));
	c.v6 = true;
	c.ip_hi = 0xfd00000000000000ULL;
	c.ip_lo = 0x99;
	nbuf_addr_ip_text(&c, t, sizeof(t));
	assert_string_equal(t, "fd00::99");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_queue_depth),	   cmocka_unit_test(test_address_bound),
	    cmocka_unit_test(test_timeout),	   cmocka_unit_test(test_release_once),
	    cmocka_unit_test(test_release_rehold), cmocka_unit_test(test_drop_tag),
	    cmocka_unit_test(test_addr_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
