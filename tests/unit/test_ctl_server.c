/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket end to end (ctl/server.c): the test drives the event loop itself and talks
 * to the server through non-blocking client sockets, so no thread and no child is needed. */
#include <ctl/ctl.h>

#include <brint/util.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#define WAIT_MS 5000

static void cmd_echo(const json_t *args, struct ctl_reply *r)
{
	ctl_reply_ok(r, json_deep_copy(args));
}

static void cmd_stop(const json_t *args, struct ctl_reply *r)
{
	ctl_server_stop(); /* deferred by the server until this request is answered */
	ctl_reply_ok(r, json_string("stopping"));
}

/* a big answer to a small request: args.size bytes of 'a'..'z' chosen by args.tag */
static void cmd_big(const json_t *args, struct ctl_reply *r)
{
	long long size = 0, tag = 0;
	char *s;

	if (ctl_arg_int(args, "size", true, 1, 10 << 20, &size, r) < 0 ||
	    ctl_arg_int(args, "tag", true, 0, 25, &tag, r) < 0)
		return;
	s = malloc((size_t)size);
	assert_non_null(s);
	memset(s, 'a' + (int)tag, (size_t)size);
	ctl_reply_ok(r, json_stringn_nocheck(s, (size_t)size));
	free(s);
}

CTL_COMMAND(t_echo, "test echo", "", "echo the args", cmd_echo)
CTL_COMMAND(t_big, "test big", "", "a big answer", cmd_big)
CTL_COMMAND(t_stop, "test stop", "", "stop the server from a handler", cmd_stop)

struct fixture {
	char dir[64];
	char path[128];
	struct ev_loop *loop;
};

/* A test client: a non-blocking socket and what it received but did not consume yet. */
struct client {
	int fd;
	char *buf;
	size_t len, cap;
};

static struct fixture *fx;

/* ---- helpers ------------------------------------------------------------------------------ */

static void pump(int wait_ms)
{
	assert_int_equal(ev_loop_run_once(fx->loop, wait_ms), 0);
}

static int raw_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(strlcpy_chk(sa.sun_path, path, sizeof(sa.sun_path)), 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return fd;
}

static struct client *client_new(void)
{
	struct client *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->fd = raw_connect(fx->path);
	assert_true(c->fd >= 0);
	return c;
}

static void client_free(struct client *c)
{
	close(c->fd);
	free(c->buf);
	free(c);
}

/* Send everything, running the loop whenever the socket is full. Returns 0 or -errno (the server
 * may close on us, e.g. after an oversize request). */
static int client_send(struct client *c, const char *data, size_t len)
{
	uint64_t deadline = brint_now_ms() + WAIT_MS;

	while (len) {
		ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN) {
			assert_true(brint_now_ms() < deadline);
			pump(10);
			continue;
		}
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static void client_send_str(struct client *c, const char *s)
{
	assert_int_equal(client_send(c, s, strlen(s)), 0);
}

/* Read what is there. 1: got bytes, 0: nothing now, -1: end of file or error. */
static int client_recv(struct client *c)
{
	ssize_t n;

	if (c->cap - c->len < 65536) {
		c->cap = c->cap ? c->cap * 2 : 65536;
		c->buf = realloc(c->buf, c->cap);
		assert_non_null(c->buf);
	}
	n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
	if (n > 0) {
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
		return 1;
	}
	if (n < 0 && errno == EAGAIN)
		return 0;
	return -1;
}

/* The next response line, parsed; fails the test after WAIT_MS without one. */
static json_t *client_response(struct client *c)
{
	uint64_t deadline = brint_now_ms() + WAIT_MS;

	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;

		if (nl) {
			size_t len = (size_t)(nl - c->buf);
			json_error_t jerr;
			json_t *resp = json_loadb(c->buf, len, 0, &jerr);

			if (resp == NULL)
				fail_msg("bad response line: %s", jerr.text);
			/* exactly one line per response: nothing before the newline but the JSON */
			assert_null(memchr(c->buf, '\n', len));
			memmove(c->buf, nl + 1, c->len - len - 1);
			c->len -= len + 1;
			return resp;
		}
		if (brint_now_ms() > deadline)
			fail_msg("no response within %d ms", WAIT_MS);
		switch (client_recv(c)) {
		case 1: break;
		case 0: pump(10); break;
		default: fail_msg("connection closed while waiting for a response");
		}
	}
}

/* The server must close the connection (after everything it had to say was read). */
static void client_expect_eof(struct client *c)
{
	uint64_t deadline = brint_now_ms() + WAIT_MS;

	for (;;) {
		int rc;

		pump(10);
		rc = client_recv(c);
		if (rc < 0)
			break;
		if (rc > 0)
			fail_msg("unexpected data before EOF: %.*s", (int)c->len, c->buf);
		if (brint_now_ms() > deadline)
			fail_msg("connection not closed within %d ms", WAIT_MS);
	}
}

/* Nothing arrives while the loop runs a few rounds. */
static void client_expect_silence(struct client *c)
{
	for (int i = 0; i < 5; i++) {
		pump(5);
		assert_int_equal(client_recv(c), 0);
	}
}

static void assert_ok_id(json_t *resp, json_int_t id)
{
	assert_int_equal(json_integer_value(json_object_get(resp, "id")), id);
	assert_true(json_is_true(json_object_get(resp, "ok")));
	json_decref(resp);
}

static void assert_err(json_t *resp, const char *error)
{
	assert_true(json_is_false(json_object_get(resp, "ok")));
	assert_string_equal(json_string_value(json_object_get(resp, "error")), error);
	json_decref(resp);
}

/* A socket file nobody listens on, as a crashed daemon leaves it. */
static void make_stale_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(strlcpy_chk(sa.sun_path, path, sizeof(sa.sun_path)), 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
}

/* ---- fixture ------------------------------------------------------------------------------ */

static int setup(void **state)
{
	fx = calloc(1, sizeof(*fx));
	if (fx == NULL)
		return -1;
	umask(022);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/brint-ctl-test-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	/* the parent directories do not exist yet: the server creates them */
	snprintf(fx->path, sizeof(fx->path), "%s/run/brint/ctl.sock", fx->dir);
	fx->loop = ev_loop_new();
	if (fx->loop == NULL || ctl_server_start(fx->loop, fx->path) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	ctl_server_stop();
	ev_loop_free(fx->loop);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	fx = NULL;
	return 0;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_socket_file(void **state)
{
	char dir[160];
	struct stat st;

	assert_int_equal(stat(fx->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(dir, sizeof(dir), "%s/run/brint", fx->dir);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0755);
	/* a second server cannot start while this one runs */
	assert_int_equal(ctl_server_start(fx->loop, fx->path), -EALREADY);
	/* stopping removes the socket */
	ctl_server_stop();
	assert_int_equal(stat(fx->path, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_request_response(void **state)
{
	struct client *c = client_new();
	json_t *resp;

	client_send_str(c, "{\"id\": 1, \"cmd\": \"help\"}\n");
	resp = client_response(c);
	assert_true(json_is_array(json_object_get(resp, "result")));
	assert_ok_id(resp, 1);
	/* the connection stays open for more requests, errors included */
	client_send_str(c, "not json\n");
	resp = client_response(c);
	assert_true(json_is_false(json_object_get(resp, "ok")));
	json_decref(resp);
	client_send_str(c, "{\"id\": 2, \"cmd\": \"nope\"}\r\n");
	assert_err(client_response(c), "unknown command 'nope' (try: brintctl help)");
	client_send_str(c, "{\"id\": 3, \"cmd\": \"test echo\", \"args\": {\"a\": \"b\"}}\n");
	resp = client_response(c);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(resp, "result"), "a")), "b");
	assert_ok_id(resp, 3);
	client_free(c);
}

static void test_two_requests_in_one_write(void **state)
{
	struct client *c = client_new();

	client_send_str(c, "{\"id\": 10, \"cmd\": \"help\"}\n{\"id\": 11, \"cmd\": \"x\"}\n");
	assert_ok_id(client_response(c), 10);
	assert_err(client_response(c), "unknown command 'x' (try: brintctl help)");
	client_expect_silence(c);
	client_free(c);
}

static void test_request_split_across_writes(void **state)
{
	struct client *c = client_new();

	client_send_str(c, "{\"id\": 20, \"cm");
	client_expect_silence(c);
	client_send_str(c, "d\": \"test echo\"}");
	client_expect_silence(c);
	client_send_str(c, "\n");
	assert_ok_id(client_response(c), 20);
	client_free(c);
}

static void test_blank_lines_ignored(void **state)
{
	struct client *c = client_new();

	client_send_str(c, "\n\r\n  \n{\"id\": 30, \"cmd\": \"help\"}\n\n");
	assert_ok_id(client_response(c), 30);
	client_expect_silence(c);
	client_free(c);
}

/* A request of exactly CTL_MAX_REQUEST bytes passes (and its 1 MiB echo needs partial writes). */
static void test_max_size_request(void **state)
{
	static const char head[] = "{\"id\": 40, \"cmd\": \"test echo\", \"args\": {\"pad\": \"";
	static const char tail[] = "\"}}";
	size_t pad = CTL_MAX_REQUEST - (sizeof(head) - 1) - (sizeof(tail) - 1);
	char *req = malloc(CTL_MAX_REQUEST + 1);
	struct client *c = client_new();
	json_t *resp;

	assert_non_null(req);
	memcpy(req, head, sizeof(head) - 1);
	memset(req + sizeof(head) - 1, 'x', pad);
	memcpy(req + sizeof(head) - 1 + pad, tail, sizeof(tail) - 1);
	req[CTL_MAX_REQUEST] = '\n';
	assert_int_equal(client_send(c, req, CTL_MAX_REQUEST + 1), 0);
	resp = client_response(c);
	assert_int_equal(
	    json_string_length(json_object_get(json_object_get(resp, "result"), "pad")), pad);
	assert_ok_id(resp, 40);
	free(req);
	client_free(c);
}

/* Many requests with big answers, sent without reading: the server stops reading while too much
 * output is pending, then resumes as the client drains it. Every answer arrives, in order. */
static void test_backpressure(void **state)
{
	enum { N = 80, PAD = 100000 };
	size_t one = 0, total, sent = 0;
	struct client *c = client_new();
	char *req = malloc(PAD + 128), *all;
	unsigned stuck = 0, got = 0;
	uint64_t deadline = brint_now_ms() + 4 * WAIT_MS;
	bool reading = false;

	assert_non_null(req);
	all = malloc((size_t)N * (PAD + 128));
	assert_non_null(all);
	total = 0;
	for (int i = 0; i < N; i++) {
		one = (size_t)snprintf(
		    req, PAD + 128,
		    "{\"id\": %d, \"cmd\": \"test echo\", \"args\": {\"pad\": \"%0*d\"}}\n", i, PAD,
		    i);
		memcpy(all + total, req, one);
		total += one;
	}
	while (got < N) {
		assert_true(brint_now_ms() < deadline);
		if (sent < total) {
			ssize_t n = send(c->fd, all + sent, total - sent, MSG_NOSIGNAL);
			if (n > 0) {
				sent += (size_t)n;
				stuck = 0;
			} else {
				assert_true(n < 0 && errno == EAGAIN);
				stuck++;
			}
		}
		pump(1);
		/* read only once the server stopped reading from us */
		if (stuck > 50)
			reading = true;
		if (!reading)
			continue;
		while (client_recv(c) > 0)
			;
		while (got < N && c->len && memchr(c->buf, '\n', c->len)) {
			json_t *resp = client_response(c);
			const char *pad = json_string_value(
			    json_object_get(json_object_get(resp, "result"), "pad"));
			assert_non_null(pad);
			assert_int_equal(strlen(pad), PAD);
			assert_int_equal(atoi(pad), got);
			assert_ok_id(resp, got);
			got++;
		}
	}
	assert_true(reading);
	client_expect_silence(c);
	free(all);
	free(req);
	client_free(c);
}

/* Small requests with big answers, all in one write: the server parks the lines it cannot
 * answer yet (too much output pending) and answers them as the client drains its output. */
static void test_backpressure_parked_lines(void **state)
{
	enum { N = 100, SIZE = 100000 };
	struct client *c = client_new();
	char line[128];

	for (int i = 0; i < N; i++) {
		snprintf(
		    line, sizeof(line),
		    "{\"id\": %d, \"cmd\": \"test big\", \"args\": {\"size\": %d, \"tag\": %d}}\n",
		    i, SIZE, i % 26);
		client_send_str(c, line);
	}
	for (int i = 0; i < 50; i++)
		pump(1); /* let the server go as far as it will without us reading */
	for (int i = 0; i < N; i++) {
		json_t *resp = client_response(c);
		const char *s = json_string_value(json_object_get(resp, "result"));

		assert_non_null(s);
		assert_int_equal(strlen(s), SIZE);
		assert_int_equal(s[0], 'a' + i % 26);
		assert_int_equal(s[SIZE - 1], 'a' + i % 26);
		assert_ok_id(resp, i);
	}
	client_expect_silence(c);
	client_free(c);
}

static void test_oversize_line(void **state)
{
	size_t len = CTL_MAX_REQUEST + 100;
	char *junk = malloc(len);
	struct client *c = client_new();
	int rc;

	assert_non_null(junk);
	memset(junk, 'a', len);
	rc = client_send(c, junk, len);
	assert_true(rc == 0 || rc == -EPIPE || rc == -ECONNRESET);
	assert_err(client_response(c), "request too long (more than 1048576 bytes)");
	client_expect_eof(c);
	free(junk);
	client_free(c);

	/* the server lives on */
	c = client_new();
	client_send_str(c, "{\"id\": 41, \"cmd\": \"help\"}\n");
	assert_ok_id(client_response(c), 41);
	client_free(c);
}

static void test_oversize_complete_line(void **state)
{
	size_t len = CTL_MAX_REQUEST + 2;
	char *junk = malloc(len);
	struct client *c = client_new();
	int rc;

	assert_non_null(junk);
	memset(junk, ' ', len);
	junk[len - 1] = '\n'; /* a complete line one byte over the limit */
	rc = client_send(c, junk, len);
	assert_true(rc == 0 || rc == -EPIPE || rc == -ECONNRESET);
	assert_err(client_response(c), "request too long (more than 1048576 bytes)");
	client_expect_eof(c);
	free(junk);
	client_free(c);
}

static void test_eof_closes(void **state)
{
	struct client *c = client_new();

	/* the last request may lack its newline when the client shuts its side down */
	client_send_str(c, "{\"id\": 50, \"cmd\": \"help\"}\n{\"id\": 51, \"cmd\": \"help\"}");
	assert_int_equal(shutdown(c->fd, SHUT_WR), 0);
	assert_ok_id(client_response(c), 50);
	assert_ok_id(client_response(c), 51);
	client_expect_eof(c);
	client_free(c);
}

static void test_client_limit(void **state)
{
	struct client *cs[64], *extra;

	for (int i = 0; i < 64; i++) {
		cs[i] = client_new();
		pump(0);
	}
	extra = client_new();
	assert_err(client_response(extra), "too many clients");
	client_expect_eof(extra);
	client_free(extra);
	/* all 64 are served */
	for (int i = 0; i < 64; i++) {
		char req[64];
		snprintf(req, sizeof(req), "{\"id\": %d, \"cmd\": \"help\"}\n", i);
		client_send_str(cs[i], req);
	}
	for (int i = 0; i < 64; i++)
		assert_ok_id(client_response(cs[i]), i);
	/* one leaves, another gets in */
	client_free(cs[0]);
	pump(10);
	cs[0] = client_new();
	client_send_str(cs[0], "{\"id\": 99, \"cmd\": \"help\"}\n");
	assert_ok_id(client_response(cs[0]), 99);
	for (int i = 0; i < 64; i++)
		client_free(cs[i]);
}

static void test_stale_socket_replaced(void **state)
{
	struct client *c;
	struct stat st;

	ctl_server_stop();
	make_stale_socket(fx->path);
	assert_int_equal(raw_connect(fx->path), -ECONNREFUSED);
	assert_int_equal(ctl_server_start(fx->loop, fx->path), 0);
	assert_int_equal(stat(fx->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	c = client_new();
	client_send_str(c, "{\"id\": 60, \"cmd\": \"help\"}\n");
	assert_ok_id(client_response(c), 60);
	client_free(c);
}

static void test_live_socket_refused(void **state)
{
	char other[160];
	int fd;

	/* our own server holds fx->path: pretend to be a second daemon */
	ctl_server_stop();
	snprintf(other, sizeof(other), "%s/other.sock", fx->dir);
	assert_int_equal(ctl_server_start(fx->loop, other), 0);
	assert_int_equal(ctl_server_start(fx->loop, fx->path), -EALREADY);
	ctl_server_stop();

	/* a foreign listener on the path */
	{
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_true(fd >= 0);
		strlcpy_chk(sa.sun_path, fx->path, sizeof(sa.sun_path));
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(listen(fd, 4), 0);
	}
	assert_int_equal(ctl_server_start(fx->loop, fx->path), -EADDRINUSE);
	assert_int_equal(errno, EADDRINUSE);
	/* the other listener's socket is intact */
	{
		int probe = raw_connect(fx->path);
		assert_true(probe >= 0);
		close(probe);
	}
	close(fd);
	unlink(fx->path);
}

static void test_not_a_socket_refused(void **state)
{
	char path[160];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/file", fx->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("keep me\n", f);
	fclose(f);
	ctl_server_stop();
	assert_int_equal(ctl_server_start(fx->loop, path), -EEXIST);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 8);
}

static void test_bad_paths(void **state)
{
	char longpath[200];

	ctl_server_stop();
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(ctl_server_start(fx->loop, longpath), -ENAMETOOLONG);
	assert_int_equal(ctl_server_start(fx->loop, ""), -EINVAL);
	assert_int_equal(ctl_server_start(NULL, fx->path), -EINVAL);
}

static void test_stop_from_handler(void **state)
{
	struct client *c = client_new(), *other = client_new();
	json_t *resp;
	struct stat st;

	pump(10);
	client_send_str(c, "{\"id\": 70, \"cmd\": \"test stop\"}\n");
	resp = client_response(c);
	assert_string_equal(json_string_value(json_object_get(resp, "result")), "stopping");
	assert_ok_id(resp, 70);
	client_expect_eof(c);
	client_expect_eof(other);
	assert_int_equal(stat(fx->path, &st), -1);
	client_free(c);
	client_free(other);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_socket_file),
	    T(test_request_response),
	    T(test_two_requests_in_one_write),
	    T(test_request_split_across_writes),
	    T(test_blank_lines_ignored),
	    T(test_max_size_request),
	    T(test_backpressure),
	    T(test_backpressure_parked_lines),
	    T(test_oversize_line),
	    T(test_oversize_complete_line),
	    T(test_eof_closes),
	    T(test_client_limit),
	    T(test_stale_socket_replaced),
	    T(test_live_socket_refused),
	    T(test_not_a_socket_refused),
	    T(test_bad_paths),
	    T(test_stop_from_handler),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
