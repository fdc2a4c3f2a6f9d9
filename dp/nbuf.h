/* SPDX-License-Identifier: Apache-2.0 */
/* The packets waiting for a neighbour: when a router has no MAC_Binding for a next hop, OVN's
 * flows run `arp { ... }` (IPv4) or `nd_ns { ... }` (IPv6); the PMD sends the request and,
 * instead of dropping the packet that triggered it, holds it here until a pipeline generation
 * knows the binding, then sends it on (dp/nbuf_dp.c). As ovn-controller's pinctrl does it
 * (controller/pinctrl.c and, since 24.09, controller/mac-cache.c):
 *   - the key is (datapath tunnel key, logical output port key, next-hop address): the router
 *     datapath's metadata, reg15 and reg0 (arp) or xxreg0 (nd_ns) at the action;
 *   - at most NBUF_QUEUE_DEPTH packets an address (BUFFER_QUEUE_DEPTH, 4); a fifth evicts the
 *     oldest (counted as an overflow);
 *   - a bound on the addresses (pinctrl: 1000 a chassis; here NBUF_MAX_ADDRS a PMD, below);
 *     a packet for a new address over it is refused (counted as an overflow);
 *   - an address whose last packet came NBUF_TIMEOUT_MS ago (BUFFER_MAP_TIMEOUT, 10 s) is
 *     dropped with its packets (expired).
 * One per PMD, used by that PMD alone: no locks, no atomics. Plain C over opaque packet
 * pointers and a caller-given clock in milliseconds, so the unit test runs it without DPDK;
 * freeing or re-injecting the packets is the caller's (callbacks). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NBUF_QUEUE_DEPTH 4
/* Per PMD. Held packets are mbufs out of the shared pool (32,767 by default): 256 addresses
 * of 4 hold at most 1,024 of them a PMD, where pinctrl's 1000 x 4 a chassis would be 4,000
 * a PMD. A thousand unresolved next hops at once is a scan, not traffic worth keeping. */
#define NBUF_MAX_ADDRS	256
#define NBUF_TIMEOUT_MS 10000

/* what a held packet waits for */
struct nbuf_addr {
	int64_t dp;	       /* the router datapath's tunnel key */
	int64_t port;	       /* the logical output port's key (reg15) */
	uint64_t ip_hi, ip_lo; /* IPv4: the address as a number in ip_lo; IPv6: the 128 bits */
	bool v6;
};

struct nbuf_pkt {
	void *pkt;
	uint32_t tag; /* the caller's (dp/nbuf_dp.c: the input port) */
};

struct nbuf_entry {
	struct nbuf_addr a;
	uint64_t expire_ms; /* last packet's time + NBUF_TIMEOUT_MS */
	unsigned n;	    /* packets held, oldest first */
	struct nbuf_pkt q[NBUF_QUEUE_DEPTH];
};

struct nbuf {
	unsigned n_addrs;     /* entries in use: e[0..n_addrs), in the order they were created */
	unsigned n_pkts;      /* packets held in all of them */
	uint64_t next_expire; /* the earliest expire_ms of them (UINT64_MAX: none) */
	struct nbuf_entry e[NBUF_MAX_ADDRS];
};

typedef void (*nbuf_fn)(void *arg, const struct nbuf_addr *a, struct nbuf_pkt p);

void nbuf_init(struct nbuf *b);

enum nbuf_hold_res {
	NBUF_HELD,	   /* held */
	NBUF_HELD_EVICTED, /* held; *evicted, the address's oldest, is the caller's to drop */
	NBUF_FULL,	   /* a new address over NBUF_MAX_ADDRS: not held, the caller drops it */
};
/* Hold p for a at time now_ms (the address's timeout restarts). */
enum nbuf_hold_res nbuf_hold(struct nbuf *b, const struct nbuf_addr *a, struct nbuf_pkt p,
			     uint64_t now_ms, struct nbuf_pkt *evicted);

/* Remove the addresses whose timeout passed at now_ms (now > expire); fn gets each of their
 * packets. Returns the packets removed. Cheap when nothing is due. */
unsigned nbuf_expire(struct nbuf *b, uint64_t now_ms, nbuf_fn fn, void *arg);

/* Remove every address `resolved` says is known; fn gets each of its packets, oldest first,
 * addresses in the order they were created. Each packet is handed out once. Returns the
 * packets handed out. */
typedef bool (*nbuf_resolved_fn)(void *arg, const struct nbuf_addr *a);
unsigned nbuf_release(struct nbuf *b, nbuf_resolved_fn resolved, void *rarg, nbuf_fn fn, void *arg);

/* Remove every packet whose tag is `tag` (its input port went away); fn gets each, an
 * address left with none is removed. Returns the packets removed. */
unsigned nbuf_drop_tag(struct nbuf *b, uint32_t tag, nbuf_fn fn, void *arg);

/* The next-hop address as text ("10.16.0.5", "fd00::5"). */
void nbuf_addr_ip_text(const struct nbuf_addr *a, char *buf, size_t len);

/* Remove everything (PMD stop); fn gets each packet. */
unsigned nbuf_flush(struct nbuf *b, nbuf_fn fn, void *arg);
