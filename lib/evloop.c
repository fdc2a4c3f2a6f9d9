/* SPDX-License-Identifier: Apache-2.0 */
#include <brint/evloop.h>
#include <brint/util.h>

#include <poll.h>
#include <signal.h>
#include <stdlib.h>

struct ev_fd {
	int fd;
	short events;
	ev_fd_cb cb;
	void *arg;
	bool dead;
};

struct ev_timer {
	uint64_t due_ms;
	uint64_t period_ms;
	ev_timer_cb cb;
	void *arg;
	bool dead;
	struct ev_timer *next;
};

struct ev_loop {
	struct ev_fd *fds;
	unsigned n_fds, cap_fds;
	struct ev_timer *timers;
	volatile sig_atomic_t stop;
	bool in_dispatch;
};

struct ev_loop *ev_loop_new(void)
{
	return calloc(1, sizeof(struct ev_loop));
}

void ev_loop_free(struct ev_loop *l)
{
	if (l == NULL)
		return;
	while (l->timers) {
		struct ev_timer *t = l->timers;
		l->timers = t->next;
		free(t);
	}
	free(l->fds);
	free(l);
}

static struct ev_fd *find_fd(struct ev_loop *l, int fd)
{
	for (unsigned i = 0; i < l->n_fds; i++)
		if (l->fds[i].fd == fd && !l->fds[i].dead)
			return &l->fds[i];
	return NULL;
}

int ev_fd_add(struct ev_loop *l, int fd, short events, ev_fd_cb cb, void *arg)
{
	if (fd < 0 || cb == NULL)
		return errno_set(EINVAL);
	if (find_fd(l, fd))
		return errno_set(EEXIST);
	if (l->n_fds == l->cap_fds) {
		unsigned cap = l->cap_fds ? l->cap_fds * 2 : 16;
		struct ev_fd *n = realloc(l->fds, cap * sizeof(*n));
		if (n == NULL)
			return errno_set(ENOMEM);
		l->fds = n;
		l->cap_fds = cap;
	}
	l->fds[l->n_fds++] = (struct ev_fd){.fd = fd, .events = events, .cb = cb, .arg = arg};
	return 0;
}

int ev_fd_set_events(struct ev_loop *l, int fd, short events)
{
	struct ev_fd *f = find_fd(l, fd);
	if (f == NULL)
		return errno_set(ENOENT);
	f->events = events;
	return 0;
}

static void compact_fds(struct ev_loop *l)
{
	unsigned j = 0;
	for (unsigned i = 0; i < l->n_fds; i++)
		if (!l->fds[i].dead)
			l->fds[j++] = l->fds[i];
	l->n_fds = j;
}

void ev_fd_del(struct ev_loop *l, int fd)
{
	struct ev_fd *f = find_fd(l, fd);
	if (f == NULL)
		return;
	f->dead = true;
	if (!l->in_dispatch)
		compact_fds(l);
}

struct ev_timer *ev_timer_add(struct ev_loop *l, uint64_t delay_ms, uint64_t period_ms,
			      ev_timer_cb cb, void *arg)
{
	struct ev_timer *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->due_ms = brint_now_ms() + delay_ms;
	t->period_ms = period_ms;
	t->cb = cb;
	t->arg = arg;
	t->next = l->timers;
	l->timers = t;
	return t;
}

void ev_timer_del(struct ev_loop *l, struct ev_timer *t)
{
	if (t == NULL)
		return;
	t->dead = true;
	(void)l;
}

static void reap_timers(struct ev_loop *l)
{
	struct ev_timer **pp = &l->timers;
	while (*pp) {
		if ((*pp)->dead) {
			struct ev_timer *d = *pp;
			*pp = d->next;
			free(d);
		} else {
			pp = &(*pp)->next;
		}
	}
}

static int next_timeout(struct ev_loop *l, int max_wait_ms)
{
	uint64_t now = brint_now_ms();
	int wait = max_wait_ms;
	for (struct ev_timer *t = l->timers; t; t = t->next) {
		if (t->dead)
			continue;
		int d = t->due_ms <= now ? 0 : (int)(t->due_ms - now);
		if (wait < 0 || d < wait)
			wait = d;
	}
	return wait;
}

static void run_timers(struct ev_loop *l)
{
	uint64_t now = brint_now_ms();
	for (struct ev_timer *t = l->timers; t; t = t->next) {
		if (t->dead || t->due_ms > now)
			continue;
		if (t->period_ms)
			t->due_ms = now + t->period_ms;
		else
			t->dead = true;
		t->cb(t, t->arg);
	}
	reap_timers(l);
}

int ev_loop_run_once(struct ev_loop *l, int max_wait_ms)
{
	unsigned n = l->n_fds;
	struct pollfd pfd[n ? n : 1];
	int rc;

	for (unsigned i = 0; i < n; i++)
		pfd[i] = (struct pollfd){.fd = l->fds[i].fd, .events = l->fds[i].events};
	rc = poll(pfd, n, next_timeout(l, max_wait_ms));
	if (rc < 0 && errno != EINTR)
		return -errno;
	l->in_dispatch = true;
	for (unsigned i = 0; rc > 0 && i < n; i++) {
		/* the array may have grown (realloc) in a callback: index, never keep pointers */
		if (pfd[i].revents == 0 || l->fds[i].dead)
			continue;
		l->fds[i].cb(l->fds[i].fd, pfd[i].revents, l->fds[i].arg);
	}
	l->in_dispatch = false;
	compact_fds(l);
	run_timers(l);
	return 0;
}

void ev_loop_run(struct ev_loop *l)
{
	while (!l->stop)
		ev_loop_run_once(l, 1000);
}

void ev_loop_stop(struct ev_loop *l)
{
	l->stop = 1;
}

bool ev_loop_stopped(const struct ev_loop *l)
{
	return l->stop;
}
