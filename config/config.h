/* SPDX-License-Identifier: Apache-2.0 */
/* brintd's configuration: a JSON file (libjansson), validated field by field.
 * Every error names the field ("ports[1].queues") and the reason. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define BRINT_NAME_MAX 64
#define BRINT_PATH_MAX 108 /* sun_path */
#define BRINT_DEVARGS_MAX 512
#define BRINT_MAX_PMDS 16
#define BRINT_MAX_QUEUES 16
#define BRINT_DEFAULT_SOCKET "/run/brint/brint.sock"

enum brint_port_type {
	BRINT_PORT_VHOST_USER,
	BRINT_PORT_DPDK,
	BRINT_PORT_TAP,
};

enum brint_vhost_mode {
	BRINT_VHOST_SERVER, /* brintd creates the socket */
	BRINT_VHOST_CLIENT, /* the pod creates it; brintd connects and reconnects */
};

struct brint_port_cfg {
	char name[BRINT_NAME_MAX];
	enum brint_port_type type;
	char path[BRINT_PATH_MAX];       /* vhost-user socket */
	enum brint_vhost_mode mode;      /* vhost-user */
	unsigned queues;                 /* rx/tx queue pairs, 1..BRINT_MAX_QUEUES */
	char iface_id[BRINT_NAME_MAX * 2]; /* OVN logical port it stands for ("" = none) */
	char devargs[BRINT_DEVARGS_MAX]; /* dpdk */
	char iface[16];                  /* tap: kernel interface name (IFNAMSIZ) */
	char mac[18];                    /* tap: optional MAC "aa:bb:cc:dd:ee:ff" */
	unsigned mtu;                    /* 0 = default */
	int rxq_pin[BRINT_MAX_QUEUES];   /* -1 = round robin, else PMD core id */
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
	int log_level;          /* enum brint_log_level */
	unsigned mbufs;         /* mbufs in the pool; 0 = sized from ports */
	struct brint_port_cfg *ports;
	unsigned n_ports;
	struct brint_xconnect_cfg *xconnects;
	unsigned n_xconnects;
	json_t *ovn;            /* the "ovn" object as given (validated by ovn-glue), or NULL */
};

const char *brint_port_type_name(enum brint_port_type t);

/* Fill `out` from a port object (config file entry or "port add" args). `field` prefixes
 * error messages ("ports[2]" or "args"). Returns 0, or -1 with err set. */
int brint_port_cfg_parse(const json_t *obj, const char *field, struct brint_port_cfg *out,
			 char *err, size_t errlen);

/* Parse a whole configuration; 0 or -1 with err ("file:line:col: ..." for JSON syntax,
 * "field: reason" for content). */
int brint_config_load_file(const char *path, struct brint_config *cfg, char *err, size_t errlen);
int brint_config_load_json(const json_t *root, struct brint_config *cfg, char *err, size_t errlen);
void brint_config_free(struct brint_config *cfg);
