/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket: accepts clients on the event loop, splits their input into lines,
 * dispatches each line and queues the one-line JSON responses. */
#include "ctl.h"

#include <brint/log.h>
#include <brint/util.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MOD	    "ctl"
#define MAX_CLIENTS 64
#define READ_CHUNK  65536
/* Stop reading a client's requests while this much of its output is still unsent. */
#define OUT_HIGH_WATER (4u << 20)

struct buf {
	char *data;
	size_t len, cap;
};

struct client {
	int fd;
	struct buf in;
	struct buf out;
	size_t scanned; /* leading bytes of in known to hold no newline */
	size_t out_off; /* bytes of out already sent */
	bool eof;	/* the peer sent everything it will send */
	bool closing;	/* close once out is flushed; process nothing more */
};

static struct {
	struct ev_loop *loop;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	struct client *clients[MAX_CLIENTS];
	unsigned n_clients;
	struct ev_timer *accept_retry; /* set while accepting is paused (out of fds) */
	bool running;
	bool in_callback;
	bool stop_pending;
} srv = {.fd = -1};

/* ---- buffers ------------------------------------------------------------------------------ */

static int buf_reserve(struct buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *n;

	if (b->len + extra <= b->cap)
		return 0;
	while (cap < b->len + extra)
		cap *= 2;
	n = realloc(b->data, cap);
	if (n == NULL)
		return errno_set(ENOMEM);
	b->data = n;
	b->cap = cap;
	return 0;
}

static int buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return -ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

/* Drop the first n bytes. */
static void buf_consume(struct buf *b, size_t n)
{
	if (n == 0)
		return;
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

static void buf_free(struct buf *b)
{
	free(b->data);
	*b = (struct buf){0};
}

/* ---- clients ------------------------------------------------------------------------------ */

static void client_free(struct client *c)
{
	for (unsigned i = 0; i < srv.n_clients; i++) {
		if (srv.clients[i] == c) {
			srv.clients[i] = srv.clients[--srv.n_clients];
			break;
		}
	}
	ev_fd_del(srv.loop, c->fd);
	close(c->fd);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

static size_t out_pending(const struct client *c)
{
	return c->out.len - c->out_off;
}

/* Queue one response line. */
static int client_queue(struct client *c, const json_t *resp)
{
	char *s = json_dumps(resp, JSON_COMPACT);
	int rc;

	if (s == NULL)
		return errno_set(ENOMEM);
	rc = buf_append(&c->out, s, strlen(s));
	if (rc == 0)
		rc = buf_append(&c->out, "\n", 1);
	free(s);
	return rc;
}

static void client_queue_error(struct client *c, const char *msg)
{
	json_t *resp = json_pack("{s:b, s:s}", "ok", 0, "error", msg);
	if (resp)
		client_queue(c, resp);
	json_decref(resp);
}

/* Send what can be sent now. 0: fine (maybe more pending), -1: the client is gone. */
static int client_flush(struct client *c)
{
	while (out_pending(c)) {
		ssize_t n = send(c->fd, c->out.data + c->out_off, out_pending(c),
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			LOG_RL(BRINT_LOG_INFO, MOD, "client fd %d: send: %s", c->fd,
			       strerror(errno));
			return -1;
		}
		c->out_off += (size_t)n;
	}
	if (out_pending(c) == 0) {
		c->out.len = 0;
		c->out_off = 0;
	}
	return 0;
}

static void client_oversize(struct client *c)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "request too long (more than %u bytes)", CTL_MAX_REQUEST);
	LOG_RL(BRINT_LOG_WARN, MOD, "client fd %d: %s; closing", c->fd, msg);
	client_queue_error(c, msg);
	c->in.len = 0;
	c->scanned = 0;
	c->closing = true;
}

static void client_dispatch(struct client *c, const char *line, size_t len)
{
	json_t *resp;
	size_t i;

	if (len && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
		;
	if (i == len)
		return; /* blank lines are ignored */
	resp = ctl_dispatch_line(line, len);
	if (resp == NULL || client_queue(c, resp) < 0) {
		LOG_RL(BRINT_LOG_WARN, MOD, "client fd %d: out of memory; closing", c->fd);
		c->closing = true;
	}
	json_decref(resp);
}

/* Dispatch the complete lines of the input buffer (and, after EOF, an unterminated last one).
 * Returns true when it stopped because too much output is pending and lines may remain. */
static bool client_process(struct client *c)
{
	size_t start = 0;
	bool partial = false, more = false;

	while (!c->closing) {
		size_t from = start > c->scanned ? start : c->scanned;
		char *nl =
		    from < c->in.len ? memchr(c->in.data + from, '\n', c->in.len - from) : NULL;
		size_t len;

		if (out_pending(c) >= OUT_HIGH_WATER) {
			more = true;
			break;
		}
		if (nl == NULL) {
			partial = true;
			break;
		}
		len = (size_t)(nl - (c->in.data + start));
		if (len > CTL_MAX_REQUEST) {
			client_oversize(c);
			return false;
		}
		client_dispatch(c, c->in.data + start, len);
		start += len + 1;
	}
	if (c->closing)
		return false;
	buf_consume(&c->in, start);
	c->scanned = partial ? c->in.len : 0;
	if (partial && c->in.len > CTL_MAX_REQUEST) {
		client_oversize(c);
	} else if (partial && c->eof && c->in.len) {
		client_dispatch(c, c->in.data, c->in.len);
		c->in.len = 0;
		c->scanned = 0;
	}
	return more;
}

/* Read one chunk. 0: data or nothing yet, 1: end of file, -1: error (the client must go). */
static int client_read(struct client *c)
{
	ssize_t n;

	if (buf_reserve(&c->in, READ_CHUNK) < 0) {
		LOG_RL(BRINT_LOG_WARN, MOD, "client fd %d: out of memory; closing", c->fd);
		return -1;
	}
	do
		n = recv(c->fd, c->in.data + c->in.len, READ_CHUNK, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		c->in.len += (size_t)n;
		return 0;
	}
	if (n == 0)
		return 1;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	LOG_RL(BRINT_LOG_INFO, MOD, "client fd %d: recv: %s", c->fd, strerror(errno));
	return -1;
}

static void client_handle(struct client *c, short revents)
{
	bool more;
	short events = 0;

	if (revents & (POLLERR | POLLNVAL)) {
		client_free(c);
		return;
	}
	if (revents & POLLIN) {
		int rc = client_read(c);
		if (rc < 0) {
			client_free(c);
			return;
		}
		if (rc > 0)
			c->eof = true;
	} else if (revents & POLLHUP) {
		client_free(c); /* gone for good: nothing we queue can be delivered */
		return;
	}
	do {
		more = client_process(c);
		if (client_flush(c) < 0) {
			client_free(c);
			return;
		}
	} while (more && out_pending(c) < OUT_HIGH_WATER);

	if (out_pending(c) == 0 && (c->closing || (c->eof && !more))) {
		client_free(c);
		return;
	}
	if (!c->closing && !c->eof && !more)
		events |= POLLIN;
	if (out_pending(c))
		events |= POLLOUT;
	ev_fd_set_events(srv.loop, c->fd, events);
}

static void on_client(int fd, short revents, void *arg)
{
	srv.in_callback = true;
	client_handle(arg, revents);
	srv.in_callback = false;
	if (srv.stop_pending)
		ctl_server_stop();
}

/* ---- listening ---------------------------------------------------------------------------- */

static void on_accept(int fd, short revents, void *arg);

static void accept_resume(struct ev_timer *t, void *arg)
{
	srv.accept_retry = NULL;
	ev_fd_set_events(srv.loop, srv.fd, POLLIN);
}

static void accept_pause(void)
{
	/* out of descriptors: poll would report the pending connection forever; retry later */
	ev_fd_set_events(srv.loop, srv.fd, 0);
	srv.accept_retry = ev_timer_add(srv.loop, 200, 0, accept_resume, NULL);
	if (srv.accept_retry == NULL)
		ev_fd_set_events(srv.loop, srv.fd, POLLIN);
}

static void refuse_client(int cfd)
{
	static const char msg[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";

	LOG_RL(BRINT_LOG_WARN, MOD, "refusing a client: already %u connected", MAX_CLIENTS);
	if (send(cfd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		LOG_DEBUG(MOD, "refused client: send: %s", strerror(errno));
	close(cfd);
}

static void on_accept(int fd, short revents, void *arg)
{
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *c;

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			LOG_RL(BRINT_LOG_WARN, MOD, "accept on %s: %s", srv.path, strerror(errno));
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				accept_pause();
			return;
		}
		if (srv.n_clients >= MAX_CLIENTS) {
			refuse_client(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL || ev_fd_add(srv.loop, cfd, POLLIN, on_client, c) < 0) {
			LOG_RL(BRINT_LOG_WARN, MOD, "cannot take a client: %s", strerror(errno));
			free(c);
			close(cfd);
			continue;
		}
		c->fd = cfd;
		srv.clients[srv.n_clients++] = c;
		LOG_DEBUG(MOD, "client fd %d connected", cfd);
	}
}

/* mkdir -p of the directory holding path. */
static int make_parent_dirs(const char *path)
{
	char *dir = strdup(path), *slash, *p;
	int rc = 0;

	if (dir == NULL)
		return errno_set(ENOMEM);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		goto out;
	*slash = '\0';
	for (p = dir + 1;; p++) {
		bool last = *p == '\0';
		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		if (last)
			break;
		*p = '/';
	}
out:
	free(dir);
	return rc < 0 ? errno_set(-rc) : 0;
}

/* An existing socket file: refuse if something answers on it, remove it if it is stale. */
static int clear_stale_socket(const struct sockaddr_un *sa)
{
	struct stat st;
	int probe, rc, e;

	if (lstat(sa->sun_path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		e = errno;
		LOG_ERR(MOD, "%s: %s", sa->sun_path, strerror(e));
		return errno_set(e);
	}
	if (!S_ISSOCK(st.st_mode)) {
		LOG_ERR(MOD, "%s exists and is not a socket; not replacing it", sa->sun_path);
		return errno_set(EEXIST);
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (probe < 0) {
		e = errno;
		LOG_ERR(MOD, "socket: %s", strerror(e));
		return errno_set(e);
	}
	rc = connect(probe, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	close(probe);
	if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
		LOG_ERR(MOD, "%s: another process is listening on it; refusing to take it over",
			sa->sun_path);
		return errno_set(EADDRINUSE);
	}
	if (e != ECONNREFUSED && e != ENOENT) {
		LOG_ERR(MOD, "%s: cannot tell whether it is in use: %s", sa->sun_path, strerror(e));
		return errno_set(e);
	}
	if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
		e = errno;
		LOG_ERR(MOD, "cannot remove stale socket %s: %s", sa->sun_path, strerror(e));
		return errno_set(e);
	}
	LOG_INFO(MOD, "removed stale socket %s", sa->sun_path);
	return 0;
}

static int listen_on(const struct sockaddr_un *sa)
{
	struct stat st;
	mode_t old_mask;
	int fd, rc, e;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = errno;
		LOG_ERR(MOD, "socket: %s", strerror(e));
		return errno_set(e);
	}
	old_mask = umask(0177); /* no window where the socket is reachable by others */
	rc = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	umask(old_mask);
	if (rc < 0) {
		LOG_ERR(MOD, "bind %s: %s", sa->sun_path, strerror(e));
		close(fd);
		return errno_set(e);
	}
	if (chmod(sa->sun_path, 0600) < 0 || stat(sa->sun_path, &st) < 0 || listen(fd, 64) < 0) {
		e = errno;
		LOG_ERR(MOD, "%s: %s", sa->sun_path, strerror(e));
		close(fd);
		unlink(sa->sun_path);
		return errno_set(e);
	}
	srv.dev = st.st_dev;
	srv.ino = st.st_ino;
	return fd;
}

int ctl_server_start(struct ev_loop *loop, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, rc;

	if (loop == NULL || path == NULL || *path == '\0')
		return errno_set(EINVAL);
	if (srv.running) {
		LOG_ERR(MOD, "control server already listening on %s", srv.path);
		return errno_set(EALREADY);
	}
	if (strlcpy_chk(sa.sun_path, path, sizeof(sa.sun_path)) < 0) {
		LOG_ERR(MOD, "socket path too long (max %zu bytes): %s", sizeof(sa.sun_path) - 1,
			path);
		return errno_set(ENAMETOOLONG);
	}
	rc = make_parent_dirs(path);
	if (rc < 0) {
		LOG_ERR(MOD, "cannot create the directory of %s: %s", path, strerror(-rc));
		return rc;
	}
	rc = clear_stale_socket(&sa);
	if (rc < 0)
		return rc;
	fd = listen_on(&sa);
	if (fd < 0)
		return fd;
	if (ev_fd_add(loop, fd, POLLIN, on_accept, NULL) < 0) {
		rc = -errno;
		LOG_ERR(MOD, "cannot watch %s: %s", path, strerror(-rc));
		close(fd);
		unlink(path);
		return errno_set(-rc);
	}
	srv.loop = loop;
	srv.fd = fd;
	memcpy(srv.path, sa.sun_path, sizeof(srv.path));
	srv.running = true;
	LOG_INFO(MOD, "listening on %s", path);
	return 0;
}

void ctl_server_stop(void)
{
	struct stat st;

	if (srv.in_callback) {
		srv.stop_pending = true; /* a handler asked: finish the callback first */
		return;
	}
	srv.stop_pending = false;
	if (!srv.running)
		return;
	while (srv.n_clients)
		client_free(srv.clients[0]);
	if (srv.accept_retry)
		ev_timer_del(srv.loop, srv.accept_retry);
	ev_fd_del(srv.loop, srv.fd);
	close(srv.fd);
	/* only our own socket: another daemon may have replaced it meanwhile */
	if (lstat(srv.path, &st) == 0 && st.st_dev == srv.dev && st.st_ino == srv.ino)
		unlink(srv.path);
	LOG_INFO(MOD, "stopped listening on %s", srv.path);
	srv = (typeof(srv)){.fd = -1};
}
