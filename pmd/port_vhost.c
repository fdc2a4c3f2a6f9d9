/* SPDX-License-Identifier: Apache-2.0 */
/* vhost-user ports for pods, on rte_vhost directly (not the net_vhost ethdev: that would cap a
 * node at RTE_MAX_ETHPORTS pods). Server mode: brintd owns the socket. Client mode: the pod
 * owns it; rte_vhost connects and reconnects.
 *
 * Threads: rte_vhost calls the callbacks below from its own thread. A PMD reads p->vid once per
 * burst; on detach the callback clears vid, then waits for an RCU grace period before returning,
 * so no PMD touches the guest's memory after rte_vhost unmaps it. */
#include "pmd.h"
#include "port.h"

#include <brint/log.h>
#include <brint/util.h>

#include <linux/virtio_net.h>
#include <rte_vhost.h>

#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_VIDS	 1024
#define VHOST_TX_RETRIES 8

/* virtqueue numbering of a virtio-net device: 2q is the guest's rx (we enqueue), 2q+1 its tx */
enum { GUEST_RXQ = 0, GUEST_TXQ = 1 };

extern pthread_mutex_t port_registry_lock;
static struct port *vid_port[MAX_VIDS]; /* under port_registry_lock */

/* Offloads we do not implement: the guest must hand us complete, checksummed frames. */
static const uint64_t disabled_features =
    (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |
    (1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_HOST_UFO) |
    (1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
    (1ULL << VIRTIO_NET_F_GUEST_TSO4) | (1ULL << VIRTIO_NET_F_GUEST_TSO6) |
    (1ULL << VIRTIO_NET_F_GUEST_ECN) | (1ULL << VIRTIO_NET_F_GUEST_UFO);

static struct port *port_by_path_locked(const char *path)
{
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++)
		if (ports[i] && ports[i]->ops == &port_vhost_ops &&
		    strcmp(ports[i]->cfg.path, path) == 0)
			return ports[i];
	return NULL;
}

static int on_new_device(int vid)
{
	char path[PATH_MAX];
	struct port *p;
	uint16_t nvq;

	if (vid < 0 || vid >= MAX_VIDS || rte_vhost_get_ifname(vid, path, sizeof(path)) < 0)
		return -1;
	pthread_mutex_lock(&port_registry_lock);
	p = port_by_path_locked(path);
	if (p)
		vid_port[vid] = p;
	pthread_mutex_unlock(&port_registry_lock);
	if (p == NULL) {
		LOG_WARN("vhost", "guest on %s: no port owns this socket", path);
		return -1;
	}
	nvq = rte_vhost_get_vring_num(vid);
	for (uint16_t q = 0; q < nvq; q++)
		rte_vhost_enable_guest_notification(vid, q, 0);
	if (nvq / 2 > p->n_rxq)
		LOG_WARN("vhost", "port %s: guest has %u queue pairs, brintd polls %u", p->cfg.name,
			 nvq / 2, p->n_rxq);
	/* vring_state_changed may have fired before the device was ready (and before we knew
	 * the port): start from every virtqueue enabled, later events narrow it */
	__atomic_store_n(&p->vring_enabled, nvq >= 32 ? UINT32_MAX : (1u << nvq) - 1,
			 __ATOMIC_RELEASE);
	__atomic_store_n(&p->vid, vid, __ATOMIC_RELEASE);
	LOG_INFO("vhost", "port %s: guest attached (vid %d, %u virtqueues)", p->cfg.name, vid, nvq);
	port_link_changed(p, true);
	return 0;
}

static void on_destroy_device(int vid)
{
	struct port *p = NULL;

	if (vid < 0 || vid >= MAX_VIDS)
		return;
	pthread_mutex_lock(&port_registry_lock);
	p = vid_port[vid];
	vid_port[vid] = NULL;
	pthread_mutex_unlock(&port_registry_lock);
	if (p == NULL)
		return;
	__atomic_store_n(&p->vid, -1, __ATOMIC_RELEASE);
	__atomic_store_n(&p->vring_enabled, 0, __ATOMIC_RELEASE);
	pmd_rcu_sync(); /* no PMD is inside rte_vhost_*_burst for this vid any more */
	port_link_changed(p, false);
	LOG_INFO("vhost", "port %s: guest detached (vid %d)", p->cfg.name, vid);
}

static int on_vring_state(int vid, uint16_t qid, int enable)
{
	struct port *p;

	if (vid < 0 || vid >= MAX_VIDS || qid >= 32)
		return 0;
	pthread_mutex_lock(&port_registry_lock);
	p = vid_port[vid];
	pthread_mutex_unlock(&port_registry_lock);
	if (p == NULL)
		return 0;
	if (enable)
		__atomic_fetch_or(&p->vring_enabled, 1u << qid, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&p->vring_enabled, ~(1u << qid), __ATOMIC_RELEASE);
	LOG_DEBUG("vhost", "port %s: virtqueue %u %s", p->cfg.name, qid,
		  enable ? "enabled" : "disabled");
	return 0;
}

static const struct rte_vhost_device_ops vhost_ops = {
    .new_device = on_new_device,
    .destroy_device = on_destroy_device,
    .vring_state_changed = on_vring_state,
};

/* Server mode: a socket file left by a previous run would make bind() fail. */
static int prepare_server_path(struct port *p, char *err, size_t errlen)
{
	struct stat st;
	char dir[BRINT_PATH_MAX];
	char *slash;

	strlcpy_chk(dir, p->cfg.path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (stat(dir, &st) < 0) {
			snprintf(err, errlen, "port %s: directory %s: %s", p->cfg.name, dir,
				 strerror(errno));
			return -1;
		}
	}
	if (lstat(p->cfg.path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "port %s: %s exists and is not a socket", p->cfg.name,
				 p->cfg.path);
			return -1;
		}
		LOG_INFO("vhost", "port %s: removing stale socket %s", p->cfg.name, p->cfg.path);
		unlink(p->cfg.path);
	}
	return 0;
}

static int vhost_open(struct port *p, char *err, size_t errlen)
{
	uint64_t flags = 0;
	int rc;

	if (p->cfg.mode == BRINT_VHOST_CLIENT)
		flags |= RTE_VHOST_USER_CLIENT;
	else if (prepare_server_path(p, err, errlen) < 0)
		return -1;
	rc = rte_vhost_driver_register(p->cfg.path, flags);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: cannot register vhost-user socket %s", p->cfg.name,
			 p->cfg.path);
		return -1;
	}
	p->registered = true;
	if (rte_vhost_driver_disable_features(p->cfg.path, disabled_features) < 0 ||
	    rte_vhost_driver_callback_register(p->cfg.path, &vhost_ops) < 0) {
		snprintf(err, errlen, "port %s: cannot set up vhost-user socket %s", p->cfg.name,
			 p->cfg.path);
		goto fail;
	}
	p->n_rxq = (uint16_t)p->cfg.queues;
	p->n_txq = (uint16_t)p->cfg.queues;
	p->txq_shared = false; /* rte_vhost serialises each virtqueue itself */
	if (rte_vhost_driver_start(p->cfg.path) < 0) {
		snprintf(err, errlen, "port %s: cannot %s vhost-user socket %s", p->cfg.name,
			 p->cfg.mode == BRINT_VHOST_CLIENT ? "connect to" : "listen on",
			 p->cfg.path);
		goto fail;
	}
	if (p->cfg.mode == BRINT_VHOST_SERVER)
		chmod(p->cfg.path, 0660);
	return 0;
fail:
	rte_vhost_driver_unregister(p->cfg.path);
	p->registered = false;
	return -1;
}

static void vhost_close(struct port *p)
{
	if (!p->registered)
		return;
	/* tears the connection down (calling on_destroy_device) and, in server mode, removes
	 * the socket file */
	if (rte_vhost_driver_unregister(p->cfg.path) < 0)
		LOG_WARN("vhost", "port %s: cannot unregister %s", p->cfg.name, p->cfg.path);
	p->registered = false;
	if (p->cfg.mode == BRINT_VHOST_SERVER)
		unlink(p->cfg.path);
}

static uint16_t vhost_rx(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	int vid = __atomic_load_n(&p->vid, __ATOMIC_ACQUIRE);
	if (vid < 0)
		return 0;
	return rte_vhost_dequeue_burst(vid, (uint16_t)(q * 2 + GUEST_TXQ), brint_mbuf_pool, pkts,
				       n);
}

static uint16_t vhost_tx(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	int vid = __atomic_load_n(&p->vid, __ATOMIC_ACQUIRE);
	uint32_t en = __atomic_load_n(&p->vring_enabled, __ATOMIC_ACQUIRE);
	uint16_t vq = (uint16_t)(q * 2 + GUEST_RXQ), sent;

	if (vid < 0)
		return 0;
	if (unlikely(!(en & (1u << vq)))) {
		/* the guest enabled fewer queues than we have PMDs: use any enabled one */
		uint32_t rxqs = en & 0x55555555u;
		if (rxqs == 0)
			return 0;
		vq = (uint16_t)__builtin_ctz(rxqs);
	}
	sent = rte_vhost_enqueue_burst(vid, vq, pkts, n);
	/* a guest that is a little behind gets a few more chances while it makes progress
	 * (as OVS's vhost tx-retries): a full ring is often a ring being drained right now */
	for (unsigned retry = 0; sent < n && retry < VHOST_TX_RETRIES; retry++) {
		uint16_t more = rte_vhost_enqueue_burst(vid, vq, pkts + sent, n - sent);
		if (more == 0)
			break;
		sent += more;
	}
	rte_pktmbuf_free_bulk(pkts, sent); /* enqueue copies; the mbufs are ours to free */
	return sent;
}

static void vhost_info(struct port *p, json_t *o)
{
	json_object_set_new(o, "path", json_string(p->cfg.path));
	json_object_set_new(o, "mode",
			    json_string(p->cfg.mode == BRINT_VHOST_CLIENT ? "client" : "server"));
	json_object_set_new(o, "vid", json_integer(__atomic_load_n(&p->vid, __ATOMIC_ACQUIRE)));
	json_object_set_new(
	    o, "vrings_enabled",
	    json_integer(__builtin_popcount(__atomic_load_n(&p->vring_enabled, __ATOMIC_ACQUIRE))));
}

const struct port_ops port_vhost_ops = {
    .kind = "vhost-user",
    .open = vhost_open,
    .close = vhost_close,
    .rx = vhost_rx,
    .tx = vhost_tx,
    .info = vhost_info,
};
