/* SPDX-License-Identifier: Apache-2.0 */
/* The control thread's event loop: file descriptors and timers, poll(2) based.
 * Everything that is not a PMD (control socket, OVSDB sessions, compiler) runs on it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;
struct ev_timer;

typedef void (*ev_fd_cb)(int fd, short revents, void *arg);
typedef void (*ev_timer_cb)(struct ev_timer *t, void *arg);

struct ev_loop *ev_loop_new(void);
void ev_loop_free(struct ev_loop *l);

/* Watch fd for `events` (POLLIN/POLLOUT); one watcher per fd. */
int ev_fd_add(struct ev_loop *l, int fd, short events, ev_fd_cb cb, void *arg);
int ev_fd_set_events(struct ev_loop *l, int fd, short events);
void ev_fd_del(struct ev_loop *l, int fd);

/* One-shot (period_ms == 0) or periodic timer first firing after delay_ms. */
struct ev_timer *ev_timer_add(struct ev_loop *l, uint64_t delay_ms, uint64_t period_ms,
			      ev_timer_cb cb, void *arg);
void ev_timer_del(struct ev_loop *l, struct ev_timer *t);

/* Run one iteration, waiting at most max_wait_ms (-1: until something happens). */
int ev_loop_run_once(struct ev_loop *l, int max_wait_ms);
/* Run until ev_loop_stop() (safe from a signal handler). */
void ev_loop_run(struct ev_loop *l);
void ev_loop_stop(struct ev_loop *l);
bool ev_loop_stopped(const struct ev_loop *l);
