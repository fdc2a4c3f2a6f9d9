/* SPDX-License-Identifier: Apache-2.0 */
/* Ports backed by a DPDK ethdev: `dpdk` (any devargs: PCI NIC, net_af_packet, net_pcap, ...)
 * and `tap` (a kernel interface created through the net_tap PMD). */
#include "pmd.h"
#include "port.h"

#include <brint/log.h>
#include <brint/util.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include <stdio.h>

#define RX_DESC 1024
#define TX_DESC 1024

static int find_ethdev(struct port *p, const char *devargs, char *err, size_t errlen)
{
	struct rte_dev_iterator it;
	uint16_t pid;
	char name[RTE_DEV_NAME_MAX_LEN];
	const char *comma = strchr(devargs, ',');
	size_t len = comma ? (size_t)(comma - devargs) : strlen(devargs);

	RTE_ETH_FOREACH_MATCHING_DEV (pid, devargs, &it) {
		p->eth_port = pid;
		rte_eth_iterator_cleanup(&it);
		return 0;
	}
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, devargs, len);
	name[len] = '\0';
	if (rte_eth_dev_get_port_by_name(name, &pid) == 0) {
		p->eth_port = pid;
		return 0;
	}
	snprintf(err, errlen, "port %s: device '%s' probed but no ethdev port found", p->cfg.name,
		 name);
	return -1;
}

static int setup_queues(struct port *p, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nrx, ntx, rxd = RX_DESC, txd = TX_DESC;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(p->eth_port, &info);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: cannot read device info: %s", p->cfg.name,
			 rte_strerror(-rc));
		return -1;
	}
	snprintf(p->dev_name, sizeof(p->dev_name), "%s", rte_dev_name(info.device));
	nrx = (uint16_t)RTE_MIN(p->cfg.queues, info.max_rx_queues);
	ntx = (uint16_t)RTE_MIN(n_pmds ? n_pmds : 1u, info.max_tx_queues);
	if (nrx < p->cfg.queues)
		LOG_WARN("port", "port %s: device offers %u rx queues, using %u of %u asked",
			 p->cfg.name, info.max_rx_queues, nrx, p->cfg.queues);
	rc = rte_eth_dev_configure(p->eth_port, nrx, ntx, &conf);
	if (rc < 0 && nrx != ntx) {
		/* some PMDs (net_tap) want as many rx as tx queues: poll the extra rx queues */
		uint16_t n = RTE_MAX(nrx, ntx);
		if (n <= info.max_rx_queues && n <= info.max_tx_queues &&
		    rte_eth_dev_configure(p->eth_port, n, n, &conf) == 0) {
			LOG_INFO("port", "port %s: device needs equal rx and tx queues: %u of each",
				 p->cfg.name, n);
			nrx = ntx = n;
			rc = 0;
		}
	}
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->eth_port, &rxd, &txd);
	for (uint16_t q = 0; rc == 0 && q < nrx; q++)
		rc = rte_eth_rx_queue_setup(p->eth_port, q, rxd,
					    (unsigned)rte_eth_dev_socket_id(p->eth_port), NULL,
					    brint_mbuf_pool);
	for (uint16_t q = 0; rc == 0 && q < ntx; q++)
		rc = rte_eth_tx_queue_setup(p->eth_port, q, txd,
					    (unsigned)rte_eth_dev_socket_id(p->eth_port), NULL);
	if (rc == 0 && p->cfg.mtu)
		rc = rte_eth_dev_set_mtu(p->eth_port, (uint16_t)p->cfg.mtu);
	if (rc == 0)
		rc = rte_eth_dev_start(p->eth_port);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: cannot start device %s: %s", p->cfg.name,
			 p->dev_name, rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_promiscuous_enable(p->eth_port);
	if (rc < 0 && rc != -ENOTSUP)
		LOG_WARN("port", "port %s: cannot enable promiscuous mode: %s", p->cfg.name,
			 rte_strerror(-rc));
	p->n_rxq = nrx;
	p->n_txq = ntx;
	p->txq_shared = ntx < n_pmds;
	{
		struct rte_eth_link link;
		if (rte_eth_link_get_nowait(p->eth_port, &link) == 0)
			port_link_changed(p, link.link_status == RTE_ETH_LINK_UP);
	}
	return 0;
}

static int ethdev_open(struct port *p, char *err, size_t errlen)
{
	char devargs[BRINT_DEVARGS_MAX + 64];
	int rc;

	if (p->cfg.type == BRINT_PORT_TAP)
		snprintf(devargs, sizeof(devargs), "net_tap_brint%u,iface=%s%s%s", p->id,
			 p->cfg.iface, p->cfg.mac[0] ? ",mac=" : "", p->cfg.mac);
	else
		snprintf(devargs, sizeof(devargs), "%s", p->cfg.devargs);

	rc = rte_dev_probe(devargs);
	if (rc == 0) {
		p->probed = true;
	} else if (rc != -EEXIST) {
		snprintf(err, errlen, "port %s: cannot probe '%s': %s", p->cfg.name, devargs,
			 rte_strerror(-rc));
		return -1;
	}
	p->tap_fd = -1;
	if (find_ethdev(p, devargs, err, errlen) < 0 || setup_queues(p, err, errlen) < 0 ||
	    port_kernel_configure(p, err, errlen) < 0) {
		if (p->probed) {
			struct rte_eth_dev_info info;
			if (rte_eth_dev_info_get(p->eth_port, &info) == 0 && info.device) {
				rte_eth_dev_stop(
				    p->eth_port); /* started if only the kernel side failed */
				rte_eth_dev_close(p->eth_port);
				rte_dev_remove(info.device);
			}
		}
		return -1;
	}
	if (p->cfg.type == BRINT_PORT_TAP)
		p->tap_fd = port_tap_find_fd(p->cfg.iface);
	return 0;
}

static void ethdev_close(struct port *p)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;
	int rc;

	if (rte_eth_dev_info_get(p->eth_port, &info) == 0)
		dev = info.device;
	rc = rte_eth_dev_stop(p->eth_port);
	if (rc < 0)
		LOG_WARN("port", "port %s: stop: %s", p->cfg.name, rte_strerror(-rc));
	rte_eth_dev_close(p->eth_port);
	if (p->probed && dev) {
		rc = rte_dev_remove(dev);
		if (rc < 0)
			LOG_WARN("port", "port %s: cannot remove device %s: %s", p->cfg.name,
				 p->dev_name, rte_strerror(-rc));
	}
}

static uint16_t ethdev_rx(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(p->eth_port, q, pkts, n);
}

static uint16_t ethdev_tx(struct port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(p->eth_port, q, pkts, n);
}

static void ethdev_info(struct port *p, json_t *o)
{
	struct rte_eth_stats st;
	json_object_set_new(o, "device", json_string(p->dev_name));
	json_object_set_new(o, "ethdev", json_integer(p->eth_port));
	if (p->cfg.type == BRINT_PORT_TAP) {
		char a[64], v[64], t[160];
		json_t *addrs = json_array(), *routes = json_array();
		json_object_set_new(o, "iface", json_string(p->cfg.iface));
		for (unsigned i = 0; i < p->cfg.n_addrs; i++) {
			brint_kaddr_format(p->cfg.addrs[i].family, p->cfg.addrs[i].addr,
					   p->cfg.addrs[i].plen, a, sizeof(a));
			json_array_append_new(addrs, json_string(a));
		}
		for (unsigned i = 0; i < p->cfg.n_routes; i++) {
			const struct brint_kroute *r = &p->cfg.routes[i];
			brint_kaddr_format(r->family, r->dst, r->plen, a, sizeof(a));
			if (r->has_via)
				brint_kaddr_format(r->family, r->via, -1, v, sizeof(v));
			snprintf(t, sizeof(t), "%s%s%s", a, r->has_via ? " via " : "",
				 r->has_via ? v : "");
			json_array_append_new(routes, json_string(t));
		}
		json_object_set_new(o, "addresses", addrs);
		json_object_set_new(o, "routes", routes);
	} else
		json_object_set_new(o, "devargs", json_string(p->cfg.devargs));
	if (rte_eth_stats_get(p->eth_port, &st) == 0) {
		json_object_set_new(o, "hw_rx_missed", json_integer((json_int_t)st.imissed));
		json_object_set_new(o, "hw_rx_errors", json_integer((json_int_t)st.ierrors));
		json_object_set_new(o, "hw_rx_nombuf", json_integer((json_int_t)st.rx_nombuf));
	}
}

/* Control thread timer: ethdev link state (no LSC interrupt needed). */
void port_ethdev_poll_links(void)
{
	for (unsigned i = 0; i < BRINT_MAX_PORTS; i++) {
		struct port *p = ports[i];
		struct rte_eth_link link;
		int tap;
		if (p == NULL || p->ops != &port_ethdev_ops)
			continue;
		/* a tap interface in another namespace (a pod's): its flags read there */
		tap = p->cfg.type == BRINT_PORT_TAP ? port_tap_link(p->tap_fd) : -1;
		if (tap >= 0)
			port_link_changed(p, tap == 1);
		else if (rte_eth_link_get_nowait(p->eth_port, &link) == 0)
			port_link_changed(p, link.link_status == RTE_ETH_LINK_UP);
	}
}

const struct port_ops port_ethdev_ops = {
    .kind = "ethdev",
    .open = ethdev_open,
    .close = ethdev_close,
    .rx = ethdev_rx,
    .tx = ethdev_tx,
    .info = ethdev_info,
};
