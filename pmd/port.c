/* SPDX-License-Identifier: Apache-2.0 */
/* The port registry: add, remove, look up. Control thread only, except the lookups the vhost
 * thread makes under registry_lock. */
#include "port.h"
#include "dp.h"
#include "hooks.h"
#include "pmd.h"

#include <brint/log.h>
#include <brint/util.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <pthread.h>
#include <stdio.h>

struct port *ports[BRINT_MAX_PORTS];
struct rte_mempool *brint_mbuf_pool;
pthread_mutex_t port_registry_lock = PTHREAD_MUTEX_INITIALIZER;

#define DEFAULT_MBUFS 32767u

int port_layer_init(unsigned n_mbufs, char *err, size_t errlen)
{
	if (n_mbufs == 0)
		n_mbufs = DEFAULT_MBUFS;
	brint_mbuf_pool = rte_pktmbuf_pool_create("brint_mbufs", n_mbufs, 256, 0,
						  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (brint_mbuf_pool == NULL) {
		snprintf(err, errlen,
			 "mbufs: cannot create a pool of %u mbufs: %s (give EAL more memory with "
			 "-m, or lower \"mbufs\")",
			 n_mbufs, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void port_layer_fini(void)
{
	rte_mempool_free(brint_mbuf_pool);
	brint_mbuf_pool = NULL;
}

struct port *port_by_name(const char *name)
{
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++)
		if (ports[i] && strcmp(ports[i]->cfg.name, name) == 0)
			return ports[i];
	return NULL;
}

unsigned port_count(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++)
		n += ports[i] != NULL;
	return n;
}

static const struct port_ops *ops_for(enum brint_port_type t)
{
	return t == BRINT_PORT_VHOST_USER ? &port_vhost_ops : &port_ethdev_ops;
}

int port_add(const struct brint_port_cfg *cfg, char *err, size_t errlen)
{
	struct port *p;
	int id = -1;

	if (port_by_name(cfg->name)) {
		snprintf(err, errlen, "port %s: already exists", cfg->name);
		return errno_set(EEXIST);
	}
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++) {
		if (ports[i] == NULL && id < 0)
			id = (int)i;
		if (ports[i] && cfg->path[0] && strcmp(ports[i]->cfg.path, cfg->path) == 0) {
			snprintf(err, errlen, "port %s: path %s already used by port %s", cfg->name,
				 cfg->path, ports[i]->cfg.name);
			return errno_set(EEXIST);
		}
		if (ports[i] && cfg->iface[0] && strcmp(ports[i]->cfg.iface, cfg->iface) == 0) {
			snprintf(err, errlen, "port %s: interface %s already used by port %s",
				 cfg->name, cfg->iface, ports[i]->cfg.name);
			return errno_set(EEXIST);
		}
	}
	if (id < 0) {
		snprintf(err, errlen, "port %s: too many ports (at most %d)", cfg->name,
			 BRINT_MAX_PORTS);
		return errno_set(ENOSPC);
	}
	p = rte_zmalloc("port", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL) {
		snprintf(err, errlen, "port %s: out of memory", cfg->name);
		return errno_set(ENOMEM);
	}
	p->id = (uint16_t)id;
	pmd_counters_forget_port(p->id);
	p->cfg = *cfg;
	p->ops = ops_for(cfg->type);
	p->vid = -1;
	for (unsigned q = 0; q < BRINT_MAX_QUEUES; q++)
		rte_spinlock_init(&p->txq_lock[q]);

	/* visible to the vhost thread's lookups before the socket exists; PMDs see the port
	 * only once it is in a schedule or a forwarding table */
	pthread_mutex_lock(&port_registry_lock);
	ports[id] = p;
	pthread_mutex_unlock(&port_registry_lock);

	if (p->ops->open(p, err, errlen) < 0) {
		pthread_mutex_lock(&port_registry_lock);
		ports[id] = NULL;
		pthread_mutex_unlock(&port_registry_lock);
		rte_free(p);
		return -1;
	}
	if (pmd_reschedule(NULL) < 0) {
		snprintf(err, errlen, "port %s: cannot place rx queues: %s", cfg->name,
			 strerror(errno));
		p->ops->close(p);
		pthread_mutex_lock(&port_registry_lock);
		ports[id] = NULL;
		pthread_mutex_unlock(&port_registry_lock);
		rte_free(p);
		return -1;
	}
	LOG_INFO("port", "port %s added: id %u, type %s, %u rxq, %u txq%s", cfg->name, p->id,
		 brint_port_type_name(cfg->type), p->n_rxq, p->n_txq,
		 p->txq_shared ? " (shared, locked)" : "");
	hooks_port_added(p);
	return 0;
}

static void port_destroy(struct port *p)
{
	hooks_port_removed(p);
	xconnect_forget_port(p->id);
	pmd_reschedule(p);
	pthread_mutex_lock(&port_registry_lock);
	ports[p->id] = NULL;
	pthread_mutex_unlock(&port_registry_lock);
	dp_port_removed(p->id); /* cached flows from or to this port id, which will be reused */
	pmd_rcu_sync();
	p->ops->close(p);
	LOG_INFO("port", "port %s removed", p->cfg.name);
	rte_free(p);
}

int port_del(const char *name, char *err, size_t errlen)
{
	struct port *p = port_by_name(name);
	if (p == NULL) {
		snprintf(err, errlen, "no port named '%s'", name);
		return errno_set(ENOENT);
	}
	port_destroy(p);
	return 0;
}

void port_del_all(void)
{
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++)
		if (ports[i])
			port_destroy(ports[i]);
}

/* Any thread: record the link state; the control thread reports it (port_poll_links). */
void port_link_changed(struct port *p, bool up)
{
	__atomic_store_n(&p->link_up, up, __ATOMIC_RELEASE);
}

/* Control thread, periodically: query ethdev links, then log and tell listeners of changes. */
void port_poll_links(void)
{
	port_ethdev_poll_links();
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++) {
		struct port *p = ports[i];
		bool up;
		if (p == NULL)
			continue;
		up = __atomic_load_n(&p->link_up, __ATOMIC_ACQUIRE);
		if (up == p->link_reported)
			continue;
		p->link_reported = up;
		p->link_changes++;
		LOG_INFO("port", "port %s: link %s", p->cfg.name, up ? "up" : "down");
		hooks_port_link(p, up);
	}
}

json_t *port_to_json(struct port *p)
{
	json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:i, s:i, s:b, s:I}", "name", p->cfg.name, "id",
			      p->id, "type", brint_port_type_name(p->cfg.type), "link",
			      __atomic_load_n(&p->link_up, __ATOMIC_ACQUIRE) ? "up" : "down", "rxq",
			      p->n_rxq, "txq", p->n_txq, "txq_shared", p->txq_shared,
			      "link_changes", (json_int_t)p->link_changes);
	if (p->cfg.iface_id[0])
		json_object_set_new(o, "iface_id", json_string(p->cfg.iface_id));
	if (p->ops->info)
		p->ops->info(p, o);
	return o;
}
