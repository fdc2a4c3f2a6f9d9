/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's control side: rebuild and publish the pipeline generation after every compile
 * and whenever a local port with an iface-id comes or goes. Control thread only. */
#pragma once

struct port;

/* Rebuild from the compiler's current state and the local ports, leaving `without' out (a
 * port being removed; may be NULL). Nothing happens while no compiler runs. */
void engine_rebuild(const struct port *without);
