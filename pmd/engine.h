/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's control side: rebuild and publish the pipeline generation after every compile
 * and whenever a local port with an iface-id comes or goes. Control thread only. */
#pragma once

struct port;

#include <jansson.h>
#include <stdbool.h>

/* The bridge mappings ({physnet: brint port}, the "ovn" object's bridge_mappings): the
 * provider NIC of each physical network, for localnet ports. Copied; NULL clears. */
void engine_set_bridge_mappings(const json_t *bm);
/* The port is the provider NIC of a mapping. */
bool engine_is_provider(const char *port_name);

/* Rebuild from the compiler's current state and the local ports, leaving `without' out (a
 * port being removed; may be NULL). Nothing happens while no compiler runs. */
void engine_rebuild(const struct port *without);
