/* SPDX-License-Identifier: Apache-2.0 */
/* The "ovn" object of brintd's configuration. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ovn_config {
	char **remotes; /* "remote", split at commas */
	unsigned n_remotes;
	char *chassis;	  /* system-id */
	char *hostname;	  /* default: gethostname() */
	char *encap_type; /* "geneve" (default) or "vxlan" */
	char *encap_ip;
	json_t *bridge_mappings;      /* object physnet -> brint port (never NULL) */
	json_t *chassis_other_config; /* extra Chassis.other_config keys (never NULL) */
	char *ssl_key, *ssl_cert, *ssl_ca_cert;
	unsigned probe_interval_ms;	 /* default 5000, 0: off */
	unsigned backoff_min_ms;	 /* default 1000 */
	unsigned backoff_max_ms;	 /* default 8000 */
	unsigned connect_timeout_ms;	 /* default 5000 */
	size_t max_message_bytes;	 /* default 512 MiB */
	unsigned release_stale_after_ms; /* default 30000; 0: never release stale bindings */
};

/* Validate and load. -1 with err naming the field ("ovn.encap_ip: ..."); c is then empty. */
int ovn_config_parse(const json_t *obj, struct ovn_config *c, char *err, size_t errlen);
void ovn_config_free(struct ovn_config *c);
/* "physnet1:port1,physnet2:port2" (for Chassis.other_config:ovn-bridge-mappings); free() it. */
char *ovn_config_bridge_mappings_str(const struct ovn_config *c);
