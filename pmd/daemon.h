/* SPDX-License-Identifier: Apache-2.0 */
/* Control-plane modules the daemon starts after its ports (OVN southbound, ...). */
#pragma once

#include "config.h"

#include <brint/evloop.h>

int daemon_modules_start(struct ev_loop *loop, const struct brint_config *cfg, char *err,
			 size_t errlen);
void daemon_modules_stop(void);
