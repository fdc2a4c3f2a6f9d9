/* SPDX-License-Identifier: Apache-2.0 */
/* Control-plane modules the daemon starts after its ports (OVN southbound, ...). */
#pragma once

#include "config.h"

#include <brint/evloop.h>

/* Validate what the modules own in the configuration (the "ovn" object). */
int daemon_config_check(const struct brint_config *cfg, char *err, size_t errlen);
/* Before the first port: tell the modules about ports as they come and go. */
void daemon_hooks_install(void);
int daemon_modules_start(struct ev_loop *loop, const struct brint_config *cfg, char *err,
			 size_t errlen);
void daemon_modules_stop(void);
