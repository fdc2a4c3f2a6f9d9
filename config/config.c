/* SPDX-License-Identifier: Apache-2.0 */
/* The configuration file: top-level keys, EAL arguments, PMD cores, ports, xconnects. */
#include "config.h"

#include <brint/log.h>
#include <brint/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const top_keys[] = {
    "eal", "pmd_cores", "control_socket", "log_level", "ports", "xconnects", "ovn", "mbufs",
};

void brint_config_free(struct brint_config *cfg)
{
	if (cfg->eal_argv) {
		for (int i = 0; i < cfg->eal_argc; i++)
			free(cfg->eal_argv[i]);
		free(cfg->eal_argv);
	}
	free(cfg->ports);
	free(cfg->xconnects);
	json_decref(cfg->ovn);
	memset(cfg, 0, sizeof(*cfg));
}

static int parse_eal(const json_t *root, struct brint_config *cfg, char *err, size_t errlen)
{
	const json_t *eal = json_object_get(root, "eal");
	size_t n = eal ? json_array_size(eal) : 0, i;
	const json_t *e;

	if (eal && !json_is_array(eal)) {
		snprintf(err, errlen, "eal: must be an array of strings");
		return -1;
	}
	cfg->eal_argv = calloc(n + 2, sizeof(char *));
	if (cfg->eal_argv == NULL)
		goto nomem;
	cfg->eal_argv[0] = strdup("brintd");
	if (cfg->eal_argv[0] == NULL)
		goto nomem;
	cfg->eal_argc = 1;
	json_array_foreach (eal, i, e) {
		if (!json_is_string(e)) {
			snprintf(err, errlen, "eal[%zu]: must be a string", i);
			return -1;
		}
		cfg->eal_argv[cfg->eal_argc] = strdup(json_string_value(e));
		if (cfg->eal_argv[cfg->eal_argc] == NULL)
			goto nomem;
		cfg->eal_argc++;
	}
	return 0;
nomem:
	snprintf(err, errlen, "eal: out of memory");
	return -1;
}

static int parse_pmd_cores(const json_t *root, struct brint_config *cfg, char *err, size_t errlen)
{
	const json_t *a = json_object_get(root, "pmd_cores");
	size_t i;
	const json_t *e;

	if (a == NULL) {
		snprintf(err, errlen, "pmd_cores: missing (an array of core ids, e.g. [1])");
		return -1;
	}
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > BRINT_MAX_PMDS) {
		snprintf(err, errlen, "pmd_cores: must be an array of 1 to %d core ids",
			 BRINT_MAX_PMDS);
		return -1;
	}
	json_array_foreach (a, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 0 ||
		    json_integer_value(e) >= 1024) {
			snprintf(err, errlen, "pmd_cores[%zu]: must be a core id in [0, 1023]", i);
			return -1;
		}
		cfg->pmd_cores[i] = (unsigned)json_integer_value(e);
		for (size_t j = 0; j < i; j++)
			if (cfg->pmd_cores[j] == cfg->pmd_cores[i]) {
				snprintf(err, errlen, "pmd_cores[%zu]: core %u listed twice", i,
					 cfg->pmd_cores[i]);
				return -1;
			}
	}
	cfg->n_pmd_cores = (unsigned)json_array_size(a);
	return 0;
}

static int parse_ports(const json_t *root, struct brint_config *cfg, char *err, size_t errlen)
{
	const json_t *a = json_object_get(root, "ports");
	size_t i;
	const json_t *e;
	char field[32];

	if (a == NULL)
		return 0;
	if (!json_is_array(a)) {
		snprintf(err, errlen, "ports: must be an array of port objects");
		return -1;
	}
	cfg->ports = calloc(json_array_size(a) + 1, sizeof(*cfg->ports));
	if (cfg->ports == NULL) {
		snprintf(err, errlen, "ports: out of memory");
		return -1;
	}
	json_array_foreach (a, i, e) {
		snprintf(field, sizeof(field), "ports[%zu]", i);
		if (brint_port_cfg_parse(e, field, &cfg->ports[i], err, errlen) < 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(cfg->ports[j].name, cfg->ports[i].name) == 0) {
				snprintf(err, errlen, "%s.name: '%s' already used by ports[%zu]",
					 field, cfg->ports[i].name, j);
				return -1;
			}
			if (cfg->ports[i].path[0] &&
			    strcmp(cfg->ports[j].path, cfg->ports[i].path) == 0) {
				snprintf(err, errlen, "%s.path: '%s' already used by ports[%zu]",
					 field, cfg->ports[i].path, j);
				return -1;
			}
		}
		cfg->n_ports++;
	}
	return 0;
}

/* ports[].internal_of: a dpdk port of the file, one internal interface per NIC */
static int check_internal_of(const struct brint_config *cfg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const char *of = cfg->ports[i].internal_of;
		unsigned j;
		if (of[0] == '\0')
			continue;
		for (j = 0; j < cfg->n_ports; j++)
			if (strcmp(cfg->ports[j].name, of) == 0)
				break;
		if (j == cfg->n_ports || cfg->ports[j].type != BRINT_PORT_DPDK) {
			snprintf(err, errlen,
				 "ports[%u].internal_of: '%s' is not a dpdk port of ports", i, of);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(cfg->ports[j].internal_of, of) == 0) {
				snprintf(err, errlen,
					 "ports[%u].internal_of: '%s' already has ports[%u] as its "
					 "internal interface",
					 i, of, j);
				return -1;
			}
	}
	return 0;
}

static int port_known(const struct brint_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return 1;
	return 0;
}

static int parse_xconnects(const json_t *root, struct brint_config *cfg, char *err, size_t errlen)
{
	const json_t *a = json_object_get(root, "xconnects");
	size_t i;
	const json_t *e;

	if (a == NULL)
		return 0;
	if (!json_is_array(a)) {
		snprintf(err, errlen,
			 "xconnects: must be an array of {\"from\": PORT, \"to\": PORT}");
		return -1;
	}
	cfg->xconnects = calloc(json_array_size(a) + 1, sizeof(*cfg->xconnects));
	if (cfg->xconnects == NULL) {
		snprintf(err, errlen, "xconnects: out of memory");
		return -1;
	}
	json_array_foreach (a, i, e) {
		const char *keys[2] = {"from", "to"};
		char *dst[2] = {cfg->xconnects[i].from, cfg->xconnects[i].to};
		if (!json_is_object(e) || json_object_size(e) != 2) {
			snprintf(err, errlen,
				 "xconnects[%zu]: must be {\"from\": PORT, \"to\": PORT}", i);
			return -1;
		}
		for (int k = 0; k < 2; k++) {
			const json_t *v = json_object_get(e, keys[k]);
			if (!json_is_string(v) ||
			    strlcpy_chk(dst[k], json_string_value(v), BRINT_NAME_MAX) < 0) {
				snprintf(err, errlen, "xconnects[%zu].%s: must be a port name", i,
					 keys[k]);
				return -1;
			}
			if (!port_known(cfg, dst[k])) {
				snprintf(err, errlen, "xconnects[%zu].%s: no port named '%s'", i,
					 keys[k], dst[k]);
				return -1;
			}
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(cfg->xconnects[j].from, cfg->xconnects[i].from) == 0) {
				snprintf(
				    err, errlen,
				    "xconnects[%zu].from: port '%s' is already cross-connected", i,
				    cfg->xconnects[i].from);
				return -1;
			}
		cfg->n_xconnects++;
	}
	return 0;
}

/* ovn.bridge_mappings {physnet: port}: each port a dpdk port of this file (the provider NIC),
 * carrying no logical port itself. The rest of the "ovn" object is ovn-glue's to check. */
static int check_bridge_mappings(const struct brint_config *cfg, char *err, size_t errlen)
{
	const json_t *bm = json_object_get(cfg->ovn, "bridge_mappings");
	const char *net;
	const json_t *v;

	if (!json_is_object(bm))
		return 0; /* absent, or refused by ovn-glue with its own message */
	json_object_foreach ((json_t *)bm, net, v) {
		const char *name = json_string_value(v);
		unsigned i;
		if (name == NULL)
			continue; /* ovn-glue: "must be a string" */
		for (i = 0; i < cfg->n_ports; i++)
			if (strcmp(cfg->ports[i].name, name) == 0)
				break;
		if (i == cfg->n_ports) {
			snprintf(
			    err, errlen,
			    "ovn.bridge_mappings.%s: no port named '%s' in ports (the provider "
			    "NIC: a dpdk port)",
			    net, name);
			return -1;
		}
		if (cfg->ports[i].type != BRINT_PORT_DPDK) {
			snprintf(
			    err, errlen,
			    "ovn.bridge_mappings.%s: port '%s' is a %s port; a provider NIC is a "
			    "dpdk port",
			    net, name, brint_port_type_name(cfg->ports[i].type));
			return -1;
		}
		if (cfg->ports[i].iface_id[0]) {
			snprintf(err, errlen,
				 "ports[%u].iface_id: port '%s' is the provider NIC of %s "
				 "(ovn.bridge_mappings) and carries no logical port itself",
				 i, name, net);
			return -1;
		}
		for (unsigned x = 0; x < cfg->n_xconnects; x++)
			if (strcmp(cfg->xconnects[x].from, name) == 0 ||
			    strcmp(cfg->xconnects[x].to, name) == 0) {
				snprintf(err, errlen,
					 "xconnects[%u]: port '%s' is the provider NIC of %s "
					 "(ovn.bridge_mappings)",
					 x, name, net);
				return -1;
			}
	}
	return 0;
}

int brint_config_load_json(const json_t *root, struct brint_config *cfg, char *err, size_t errlen)
{
	const char *key;
	const json_t *val, *v;

	memset(cfg, 0, sizeof(*cfg));
	if (!json_is_object(root)) {
		snprintf(err, errlen, "top level: must be an object");
		return -1;
	}
	json_object_foreach ((json_t *)root, key, val) {
		bool known = false;
		for (unsigned i = 0; i < ARRAY_SIZE(top_keys); i++)
			known = known || strcmp(key, top_keys[i]) == 0;
		if (!known) {
			snprintf(err, errlen, "%s: unknown key", key);
			goto fail;
		}
	}
	if (parse_eal(root, cfg, err, errlen) < 0 || parse_pmd_cores(root, cfg, err, errlen) < 0)
		goto fail;

	v = json_object_get(root, "control_socket");
	if (v && !json_is_string(v)) {
		snprintf(err, errlen, "control_socket: must be a path string");
		goto fail;
	}
	if (strlcpy_chk(cfg->control_socket, v ? json_string_value(v) : BRINT_DEFAULT_SOCKET,
			sizeof(cfg->control_socket)) < 0 ||
	    cfg->control_socket[0] != '/') {
		snprintf(err, errlen,
			 "control_socket: must be an absolute path under %zu characters",
			 sizeof(cfg->control_socket));
		goto fail;
	}

	cfg->log_level = BRINT_LOG_INFO;
	v = json_object_get(root, "log_level");
	if (v) {
		cfg->log_level =
		    json_is_string(v) ? brint_log_level_parse(json_string_value(v)) : -1;
		if (cfg->log_level < 0) {
			snprintf(err, errlen, "log_level: must be one of err, warn, info, debug");
			goto fail;
		}
	}

	v = json_object_get(root, "mbufs");
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1024 ||
		    json_integer_value(v) > (1 << 24)) {
			snprintf(err, errlen, "mbufs: must be an integer in [1024, 16777216]");
			goto fail;
		}
		cfg->mbufs = (unsigned)json_integer_value(v);
	}

	if (parse_ports(root, cfg, err, errlen) < 0 ||
	    parse_xconnects(root, cfg, err, errlen) < 0 || check_internal_of(cfg, err, errlen) < 0)
		goto fail;

	v = json_object_get(root, "ovn");
	if (v) {
		if (!json_is_object(v)) {
			snprintf(err, errlen, "ovn: must be an object");
			goto fail;
		}
		cfg->ovn = json_incref((json_t *)v);
		if (check_bridge_mappings(cfg, err, errlen) < 0)
			goto fail;
	}
	return 0;
fail:
	brint_config_free(cfg);
	return -1;
}

int brint_config_load_file(const char *path, struct brint_config *cfg, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	char inner[512];
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (root == NULL) {
		if (jerr.line < 0)
			snprintf(err, errlen, "%s: %s", path, jerr.text);
		else
			snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
				 jerr.text);
		return -1;
	}
	rc = brint_config_load_json(root, cfg, inner, sizeof(inner));
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, inner);
	json_decref(root);
	return rc;
}
