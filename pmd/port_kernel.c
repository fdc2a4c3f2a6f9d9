/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel side of a tap port: the addresses and routes of its configuration ("addresses",
 * "routes"; config/kernel_cfg.c) set on the interface over rtnetlink, right after net_tap
 * created it and brought it up. This is how a tap port becomes the node's ovn0: the join
 * port's address and kube-ovn's routes to the pod CIDRs through the join router port.
 * Control thread only; one request at a time, each acknowledged (errors are the kernel's). */
#include "port.h"

#include <brint/log.h>

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct nlreq {
	struct nlmsghdr h;
	union {
		struct ifaddrmsg ifa;
		struct rtmsg rt;
	};
	char attrs[256];
};

static void add_attr(struct nlreq *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(void *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

/* Send one request and wait for its acknowledgement: 0 or -errno. */
static int transact(int fd, struct nlreq *r, uint32_t seq)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	char buf[4096];
	ssize_t n;

	r->h.nlmsg_seq = seq;
	if (sendto(fd, r, r->h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)(void *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = NLMSG_DATA(h);
			return e->error; /* 0: the acknowledgement */
		}
	}
}

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int add_address(int fd, unsigned ifindex, const struct brint_kaddr *a, uint32_t seq)
{
	struct nlreq r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	r.h.nlmsg_type = RTM_NEWADDR;
	r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	r.ifa.ifa_family = (unsigned char)a->family;
	r.ifa.ifa_prefixlen = a->plen;
	r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	r.ifa.ifa_index = ifindex;
	if (a->family == AF_INET6)
		r.ifa.ifa_flags = IFA_F_NODAD; /* usable at once: the logical network answers */
	add_attr(&r, IFA_LOCAL, a->addr, alen(a->family));
	add_attr(&r, IFA_ADDRESS, a->addr, alen(a->family));
	return transact(fd, &r, seq);
}

static int add_route(int fd, unsigned ifindex, const struct brint_kroute *rt, uint32_t seq)
{
	struct nlreq r;
	uint32_t oif = ifindex;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	r.h.nlmsg_type = RTM_NEWROUTE;
	r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	r.rt.rtm_family = (unsigned char)rt->family;
	r.rt.rtm_dst_len = rt->plen;
	r.rt.rtm_table = RT_TABLE_MAIN;
	r.rt.rtm_protocol = RTPROT_STATIC;
	r.rt.rtm_scope = rt->has_via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	r.rt.rtm_type = RTN_UNICAST;
	if (rt->plen)
		add_attr(&r, RTA_DST, rt->dst, alen(rt->family));
	if (rt->has_via)
		add_attr(&r, RTA_GATEWAY, rt->via, alen(rt->family));
	add_attr(&r, RTA_OIF, &oif, sizeof(oif));
	return transact(fd, &r, seq);
}

int port_kernel_configure(const struct port *p, char *err, size_t errlen)
{
	const struct brint_port_cfg *c = &p->cfg;
	struct sockaddr_nl local = {.nl_family = AF_NETLINK};
	char a[64], v[64];
	unsigned ifindex;
	int fd, rc = 0;
	uint32_t seq = 1;

	if (c->type != BRINT_PORT_TAP || (c->n_addrs == 0 && c->n_routes == 0))
		return 0;
	ifindex = if_nametoindex(c->iface);
	if (ifindex == 0) {
		snprintf(err, errlen, "port %s: interface %s not found: %s", c->name, c->iface,
			 strerror(errno));
		return -1;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		snprintf(err, errlen, "port %s: rtnetlink socket: %s", c->name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (unsigned i = 0; i < c->n_addrs && rc == 0; i++) {
		brint_kaddr_format(c->addrs[i].family, c->addrs[i].addr, c->addrs[i].plen, a,
				   sizeof(a));
		rc = add_address(fd, ifindex, &c->addrs[i], seq++);
		if (rc < 0)
			snprintf(err, errlen, "port %s: addresses[%u]: cannot add %s to %s: %s",
				 c->name, i, a, c->iface, strerror(-rc));
		else
			LOG_INFO("port", "port %s: address %s on %s", c->name, a, c->iface);
	}
	for (unsigned i = 0; i < c->n_routes && rc == 0; i++) {
		const struct brint_kroute *r = &c->routes[i];
		brint_kaddr_format(r->family, r->dst, r->plen, a, sizeof(a));
		if (r->has_via)
			brint_kaddr_format(r->family, r->via, -1, v, sizeof(v));
		rc = add_route(fd, ifindex, r, seq++);
		if (rc < 0)
			snprintf(err, errlen, "port %s: routes[%u]: cannot add %s%s%s dev %s: %s",
				 c->name, i, a, r->has_via ? " via " : "", r->has_via ? v : "",
				 c->iface, strerror(-rc));
		else
			LOG_INFO("port", "port %s: route %s%s%s dev %s", c->name, a,
				 r->has_via ? " via " : "", r->has_via ? v : "", c->iface);
	}
	close(fd);
	return rc < 0 ? -1 : 0;
}

/* ---- link state of a tap interface moved to another network namespace ----
 * net_tap reads the link by interface name in brintd's namespace: once the interface is moved
 * into a pod's namespace (and maybe renamed there) it reads "down". The tap's own file
 * descriptor knows better: TUNGETIFF gives the interface's current name, TUNGETDEVNETNS its
 * namespace; a socket opened in that namespace reads its flags. The descriptor is net_tap's
 * (found once by name when the port opens, never closed or duplicated here: a duplicate would
 * keep the interface alive after net_tap closes it). Control thread only. */

#include <dirent.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

int port_tap_find_fd(const char *iface)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = -1;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL && found < 0) {
		char path[64], target[64];
		struct ifreq ifr;
		int fd = atoi(e->d_name);
		ssize_t n;
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, "/dev/net/tun") != 0)
			continue;
		memset(&ifr, 0, sizeof(ifr));
		if (ioctl(fd, TUNGETIFF, &ifr) == 0 && strncmp(ifr.ifr_name, iface, IFNAMSIZ) == 0)
			found = fd;
	}
	closedir(d);
	return found;
}

/* 1 up, 0 down, -1: in our own namespace or unknown (ask DPDK) */
int port_tap_link(int tap_fd)
{
	static int self_ns = -1;
	struct ifreq ifr;
	struct stat a, b;
	int ns, s = -1, up = -1;

	if (tap_fd < 0)
		return -1;
	if (self_ns < 0)
		self_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	memset(&ifr, 0, sizeof(ifr));
	if (self_ns < 0 || ioctl(tap_fd, TUNGETIFF, &ifr) < 0)
		return -1;
	ns = ioctl(tap_fd, TUNGETDEVNETNS);
	if (ns < 0)
		return -1;
	if (fstat(ns, &a) == 0 && fstat(self_ns, &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev) {
		close(ns);
		return -1;
	}
	if (setns(ns, CLONE_NEWNET) == 0) {
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (setns(self_ns, CLONE_NEWNET) < 0) {
			/* cannot happen (we came from there); stay safe: report, do not use it */
			LOG_ERR("port", "cannot return to brintd's network namespace: %s",
				strerror(errno));
			if (s >= 0)
				close(s);
			s = -1;
		}
	}
	close(ns);
	if (s < 0)
		return -1;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
		up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	close(s);
	return up;
}
