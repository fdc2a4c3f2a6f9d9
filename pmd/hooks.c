/* SPDX-License-Identifier: Apache-2.0 */
#include "hooks.h"

#include <stddef.h>

static const struct port_listener *listener;

void hooks_set_port_listener(const struct port_listener *l)
{
	listener = l;
}

void hooks_port_added(const struct port *p)
{
	if (listener && listener->added)
		listener->added(p);
}

void hooks_port_removed(const struct port *p)
{
	if (listener && listener->removed)
		listener->removed(p);
}

void hooks_port_link(const struct port *p, bool up)
{
	if (listener && listener->link)
		listener->link(p, up);
}
