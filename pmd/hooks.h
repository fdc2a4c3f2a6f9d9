/* SPDX-License-Identifier: Apache-2.0 */
/* Who is told when ports come and go (the OVN binding layer, later the pipeline). The daemon
 * installs listeners; the port layer calls them on the control thread, except link changes,
 * which come from the vhost thread or an ethdev interrupt thread. */
#pragma once

#include <stdbool.h>

struct port;

struct port_listener {
	void (*added)(const struct port *p);
	void (*removed)(const struct port *p);
	void (*link)(const struct port *p, bool up);
};

void hooks_set_port_listener(const struct port_listener *l);
void hooks_port_added(const struct port *p);
void hooks_port_removed(const struct port *p);
void hooks_port_link(const struct port *p, bool up);
