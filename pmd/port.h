/* SPDX-License-Identifier: Apache-2.0 */
/* Ports: the registry (control thread) and the per-type rx/tx the PMDs call.
 *
 * A port lives in `ports[id]` from `port_add` until `port_del`, which first withdraws it from
 * every table the PMDs read, waits for an RCU grace period, then closes and frees it. */
#pragma once

#include "config.h"

#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include <stdbool.h>
#include <stdint.h>

#define BRINT_MAX_PORTS 256
#define PORT_NONE	UINT16_MAX

struct port;

struct port_ops {
	const char *kind;
	int (*open)(struct port *p, char *err, size_t errlen);
	void (*close)(struct port *p);
	uint16_t (*rx)(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n);
	/* Returns how many were sent; the caller frees the rest. */
	uint16_t (*tx)(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n);
	void (*info)(struct port *p, json_t *o); /* type-specific keys for `port list` */
};

struct port {
	uint16_t id;
	struct brint_port_cfg cfg;
	const struct port_ops *ops;
	uint16_t n_rxq;	 /* queues the PMDs poll */
	uint16_t n_txq;	 /* tx queues opened; PMD i sends on i % n_txq */
	bool txq_shared; /* fewer tx queues than PMDs: take txq_lock[q] */
	rte_spinlock_t txq_lock[BRINT_MAX_QUEUES];

	/* ethdev (dpdk, tap) */
	uint16_t eth_port;
	int tap_fd; /* tap: net_tap's queue 0 descriptor (port_tap_link), -1 if unknown */
	char dev_name[128];
	bool probed; /* we probed the device (and remove it on close) */

	/* vhost-user: vid is -1 while no guest is attached; changed by the vhost thread,
	 * read by PMDs once per burst (see port_vhost.c for the grace period on detach). */
	int vid;
	uint32_t vring_enabled; /* bit per virtqueue */
	bool registered;

	bool link_up;	    /* written by any thread (port_link_changed), atomically */
	bool link_reported; /* control thread: last state logged and told to listeners */
	uint64_t link_changes;
};

extern struct port *ports[BRINT_MAX_PORTS];
extern struct rte_mempool *brint_mbuf_pool;

extern const struct port_ops port_ethdev_ops; /* dpdk and tap */
extern const struct port_ops port_vhost_ops;

int port_layer_init(unsigned n_mbufs, char *err, size_t errlen);
void port_layer_fini(void);

/* Control thread only. */
int port_add(const struct brint_port_cfg *cfg, char *err, size_t errlen);
int port_del(const char *name, char *err, size_t errlen);
void port_del_all(void);
struct port *port_by_name(const char *name);
json_t *port_to_json(struct port *p);
unsigned port_count(void);

/* Any thread (vhost callbacks, control): record a link state. */
void port_link_changed(struct port *p, bool up);
/* Control thread timer: read ethdev links, report changes to the log and listeners. */
void port_poll_links(void);
void port_ethdev_poll_links(void);
/* tap: the configured addresses and routes on the kernel interface (pmd/port_kernel.c). */
int port_kernel_configure(const struct port *p, char *err, size_t errlen);
/* tap: net_tap's descriptor of the interface named iface (-1 if none), and the interface's
 * link wherever its namespace is: 1 up, 0 down, -1 in our namespace or unknown. */
int port_tap_find_fd(const char *iface);
int port_tap_link(int tap_fd);

/* PMD fast path helpers */
static inline uint16_t port_tx_burst(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent;
	if (p->txq_shared) {
		rte_spinlock_lock(&p->txq_lock[q]);
		sent = p->ops->tx(p, q, pkts, n);
		rte_spinlock_unlock(&p->txq_lock[q]);
	} else {
		sent = p->ops->tx(p, q, pkts, n);
	}
	return sent;
}
