/* SPDX-License-Identifier: Apache-2.0 */
/* brintd's configuration: a JSON file (libjansson), validated field by field.
 * Every error names the field ("ports[1].queues") and the reason. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BRINT_NAME_MAX	     64
#define BRINT_PATH_MAX	     108 /* sun_path */
#define BRINT_DEVARGS_MAX    512
#define BRINT_MAX_PMDS	     16
#define BRINT_MAX_QUEUES     16
#define BRINT_DEFAULT_SOCKET "/run/brint/brint.sock"
#define BRINT_MAX_KADDRS     8	/* addresses brintd sets on a tap port's kernel interface */
#define BRINT_MAX_KROUTES    16 /* routes brintd adds through it */

enum brint_port_type {
	BRINT_PORT_VHOST_USER,
	BRINT_PORT_DPDK,
	BRINT_PORT_TAP,
};

enum brint_vhost_mode {
	BRINT_VHOST_SERVER, /* brintd creates the socket */
	BRINT_VHOST_CLIENT, /* the pod creates it; brintd connects and reconnects */
};

/* An address of a tap port's kernel interface ("100.64.0.2/16"); family AF_INET or AF_INET6,
 * addr in network order. */
struct brint_kaddr {
	int family;
	uint8_t addr[16];
	uint8_t plen;
};

/* A kernel route through a tap port's interface: dst/plen, optionally via a gateway. */
struct brint_kroute {
	int family;
	uint8_t dst[16];
	uint8_t plen;
	bool has_via;
	uint8_t via[16];
};

struct brint_port_cfg {
	char name[BRINT_NAME_MAX];
	enum brint_port_type type;
	char path[BRINT_PATH_MAX];	   /* vhost-user socket */
	enum brint_vhost_mode mode;	   /* vhost-user */
	unsigned queues;		   /* rx/tx queue pairs, 1..BRINT_MAX_QUEUES */
	char iface_id[BRINT_NAME_MAX * 2]; /* OVN logical port it stands for ("" = none) */
	char devargs[BRINT_DEVARGS_MAX];   /* dpdk */
	char iface[16];			   /* tap: kernel interface name (IFNAMSIZ) */
	char mac[18];			   /* tap: optional MAC "aa:bb:cc:dd:ee:ff" */
	unsigned mtu;			   /* 0 = default */
	int rxq_pin[BRINT_MAX_QUEUES];	   /* -1 = round robin, else PMD core id */
	/* tap: what brintd configures on the kernel interface once it exists (rtnetlink) */
	struct brint_kaddr addrs[BRINT_MAX_KADDRS];
	unsigned n_addrs;
	struct brint_kroute routes[BRINT_MAX_KROUTES];
	unsigned n_routes;
	/* tap: the node's own interface on that provider NIC (a dpdk port of a bridge mapping),
	 * as OVS-DPDK's br-phy internal port: untagged frames to its MAC and broadcasts from the
	 * NIC reach it, what it sends leaves by the NIC */
	char internal_of[BRINT_NAME_MAX];
};

struct brint_xconnect_cfg {
	char from[BRINT_NAME_MAX];
	char to[BRINT_NAME_MAX];
};

struct brint_config {
	char **eal_argv; /* NULL-terminated, eal_argv[0] is "brintd" */
	int eal_argc;
	unsigned pmd_cores[BRINT_MAX_PMDS];
	unsigned n_pmd_cores;
	char control_socket[BRINT_PATH_MAX];
	int log_level;	/* enum brint_log_level */
	unsigned mbufs; /* mbufs in the pool; 0 = sized from ports */
	struct brint_port_cfg *ports;
	unsigned n_ports;
	struct brint_xconnect_cfg *xconnects;
	unsigned n_xconnects;
	json_t *ovn; /* the "ovn" object as given (validated by ovn-glue), or NULL */
};

const char *brint_port_type_name(enum brint_port_type t);

/* Fill `out` from a port object (config file entry or "port add" args). `field` prefixes
 * error messages ("ports[2]" or "args"). Returns 0, or -1 with err set. */
int brint_port_cfg_parse(const json_t *obj, const char *field, struct brint_port_cfg *out,
			 char *err, size_t errlen);

/* A tap port's "addresses" and "routes" (config/kernel_cfg.c); called by brint_port_cfg_parse. */
int brint_kernel_cfg_parse(const json_t *obj, const char *field, struct brint_port_cfg *p,
			   char *err, size_t errlen);
/* "100.64.0.2/16" or "fd00::2/64" (text of an address, for logs and `port list`). */
void brint_kaddr_format(int family, const uint8_t *addr, int plen, char *out, size_t outlen);

/* Parse a whole configuration; 0 or -1 with err ("file:line:col: ..." for JSON syntax,
 * "field: reason" for content). */
int brint_config_load_file(const char *path, struct brint_config *cfg, char *err, size_t errlen);
int brint_config_load_json(const json_t *root, struct brint_config *cfg, char *err, size_t errlen);
void brint_config_free(struct brint_config *cfg);
