/* SPDX-License-Identifier: Apache-2.0 */
/* brintctl: send one command to brintd's control socket and print the answer. */
#include "cli_parse.h"
#include "render.h"

#include <brint/util.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/brint/brint.sock"
#define MAX_RESPONSE   (512u << 20)

/* exit codes besides EX_USAGE */
#define EXIT_FAILED	1 /* the daemon answered an error, or the exchange failed */
#define EXIT_NO_CONNECT 2 /* nobody to talk to */

struct opts {
	const char *socket;
	bool json;
	int timeout_ms;
};

static void usage(FILE *f)
{
	fputs("usage: brintctl [--socket PATH] [--json] [--timeout SEC] COMMAND [ARGS...]\n"
	      "\n"
	      "Send one command to brintd over its control socket and print the result.\n"
	      "\n"
	      "Options:\n"
	      "  --socket PATH   control socket (default: $BRINT_SOCKET, else " DEFAULT_SOCKET ")\n"
	      "  --json          print the raw JSON result instead of tables\n"
	      "  --timeout SEC   give up after SEC seconds (default: 10)\n"
	      "  -h, --help      show this help\n"
	      "  --version       show the version\n"
	      "\n",
	      f);
	cli_print_commands(f);
	fputs(
	    "\n"
	    "Exit status: 0 success, 1 the command failed, 2 cannot reach brintd, 64 bad usage.\n",
	    f);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("brintctl: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'brintctl --help'.\n", stderr);
	return EX_USAGE;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]: sets *val and advances *i. 0: not this option,
 * 1: found, -1: the value is missing. */
static int opt_with_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

static bool parse_timeout(const char *s, int *ms)
{
	char *end;
	double sec;

	errno = 0;
	sec = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(sec) || sec <= 0 || sec > 86400)
		return false;
	*ms = (int)(sec * 1000);
	if (*ms == 0)
		*ms = 1;
	return true;
}

/* Global options; returns the index of the command, or -(exit status) to stop now. */
static int parse_globals(int argc, char **argv, struct opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int rc;

		if (strcmp(a, "--") == 0)
			return i + 1;
		if (a[0] != '-')
			return i;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--version") == 0) {
			printf("brintctl %s\n", BRINT_VERSION);
			return 0;
		}
		if (strcmp(a, "--json") == 0) {
			o->json = true;
			continue;
		}
		if ((rc = opt_with_value(argc, argv, &i, "--socket", &val)) != 0) {
			if (rc < 0 || *val == '\0')
				return -usage_error("%s needs a path", "--socket");
			o->socket = val;
			continue;
		}
		if ((rc = opt_with_value(argc, argv, &i, "--timeout", &val)) != 0) {
			if (rc < 0)
				return -usage_error("%s needs a number of seconds", "--timeout");
			if (!parse_timeout(val, &o->timeout_ms))
				return -usage_error("--timeout: '%s' is not a number of seconds in "
						    "(0, 86400]",
						    val);
			continue;
		}
		return -usage_error("unknown option '%s'", a);
	}
	return i;
}

/* ---- talking to brintd -------------------------------------------------------------------- */

static int remaining_ms(uint64_t deadline)
{
	uint64_t now = brint_now_ms();
	return now >= deadline ? 0 : (int)(deadline - now);
}

/* Wait for events on fd until the deadline: 0 ready, -ETIMEDOUT, or -errno. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int rc = poll(&p, 1, remaining_ms(deadline));

		if (rc > 0)
			return 0;
		if (rc == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int connect_to(const char *path, uint64_t deadline)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, rc = 0;

	if (strlcpy_chk(sa.sun_path, path, sizeof(sa.sun_path)) < 0)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) { /* backlog full: try again shortly */
			if (remaining_ms(deadline) == 0) {
				rc = -ETIMEDOUT;
				break;
			}
			poll(NULL, 0, 10);
			continue;
		}
		if (errno == EINPROGRESS) {
			socklen_t len = sizeof(int);
			int soerr = 0;

			rc = wait_fd(fd, POLLOUT, deadline);
			if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
				rc = -errno;
			if (rc == 0 && soerr)
				rc = -soerr;
			break;
		}
		rc = -errno;
		break;
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len, uint64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			int rc = wait_fd(fd, POLLOUT, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read up to the first newline (excluded) into a new string. */
static int read_line(int fd, uint64_t deadline, char **line, size_t *line_len)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int rc;

	for (;;) {
		ssize_t n;
		char *nl;

		if (cap - len < 65536) {
			char *b;
			if (cap >= MAX_RESPONSE) {
				rc = -EMSGSIZE;
				break;
			}
			b = realloc(buf, cap ? cap * 2 : 65536);
			if (b == NULL) {
				rc = -ENOMEM;
				break;
			}
			buf = b;
			cap = cap ? cap * 2 : 65536;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			rc = wait_fd(fd, POLLIN, deadline);
			if (rc < 0)
				break;
			continue;
		}
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0) {
			rc = -ECONNRESET;
			break;
		}
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl) {
			*nl = '\0';
			*line = buf;
			*line_len = (size_t)(nl - buf);
			return 0;
		}
	}
	free(buf);
	return rc;
}

/* ---- the answer --------------------------------------------------------------------------- */

static int print_result(const json_t *result, bool raw)
{
	if (raw) {
		char *s =
		    json_dumps(result ? result : json_null(), JSON_INDENT(2) | JSON_ENCODE_ANY);
		if (s == NULL) {
			fputs("brintctl: out of memory\n", stderr);
			return EXIT_FAILED;
		}
		printf("%s\n", s);
		free(s);
	} else {
		render_result(stdout, result);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "brintctl: writing the output: %s\n", strerror(errno));
		return EXIT_FAILED;
	}
	return 0;
}

static int handle_response(const char *line, size_t len, bool raw)
{
	json_error_t jerr;
	json_t *resp = json_loadb(line, len, 0, &jerr);
	const json_t *ok = NULL;
	int rc;

	if (resp == NULL || !json_is_boolean(ok = json_object_get(resp, "ok"))) {
		fprintf(stderr, "brintctl: malformed response from brintd: %s\n",
			resp ? "no \"ok\" member" : jerr.text);
		json_decref(resp);
		return EXIT_FAILED;
	}
	if (json_is_true(ok)) {
		rc = print_result(json_object_get(resp, "result"), raw);
	} else {
		const char *e = json_string_value(json_object_get(resp, "error"));
		fprintf(stderr, "brintctl: %s\n", e ? e : "command failed (no error message)");
		rc = EXIT_FAILED;
	}
	json_decref(resp);
	return rc;
}

static int exchange(const struct opts *o, json_t *req)
{
	uint64_t deadline = brint_now_ms() + (uint64_t)o->timeout_ms;
	char *text = json_dumps(req, JSON_COMPACT), *line = NULL;
	size_t line_len = 0;
	int fd, rc, rrc;

	if (text == NULL) {
		fputs("brintctl: out of memory\n", stderr);
		return EXIT_FAILED;
	}
	fd = connect_to(o->socket, deadline);
	if (fd < 0) {
		fprintf(stderr, "brintctl: cannot connect to %s: %s (is brintd running?)\n",
			o->socket, strerror(-fd));
		free(text);
		return EXIT_NO_CONNECT;
	}
	rc = send_all(fd, text, strlen(text), deadline);
	if (rc == 0)
		rc = send_all(fd, "\n", 1, deadline);
	free(text);
	/* even when sending failed, the daemon may have said why before closing */
	rrc = read_line(fd, deadline, &line, &line_len);
	if (rrc == 0 || rc == 0)
		rc = rrc;
	close(fd);
	if (line == NULL) {
		if (rc == -ETIMEDOUT)
			fprintf(stderr, "brintctl: no answer from %s within %d ms\n", o->socket,
				o->timeout_ms);
		else if (rc == -ECONNRESET || rc == -EPIPE)
			fprintf(stderr,
				"brintctl: %s: brintd closed the connection without answering\n",
				o->socket);
		else
			fprintf(stderr, "brintctl: %s: %s\n", o->socket, strerror(-rc));
		return EXIT_FAILED;
	}
	rc = handle_response(line, line_len, o->json);
	free(line);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {.socket = getenv("BRINT_SOCKET"), .timeout_ms = 10000};
	struct cli_error err;
	json_t *parsed, *req;
	int first, rc;

	if (o.socket == NULL || *o.socket == '\0')
		o.socket = DEFAULT_SOCKET;
	first = parse_globals(argc, argv, &o);
	if (first <= 0)
		return -first;
	if (first >= argc)
		return usage_error("%s", "missing command");
	parsed = cli_parse(argc - first, argv + first, &err);
	if (parsed == NULL) {
		fprintf(stderr, "brintctl: %s\n", err.msg);
		if (err.cmd)
			fprintf(stderr, "usage: brintctl %s%s%s\n", err.cmd, *err.usage ? " " : "",
				err.usage);
		else
			fputs("Try 'brintctl --help'.\n", stderr);
		return EX_USAGE;
	}
	/* a command's own --json flag (lflow show) asks for JSON output too */
	if (json_is_true(json_object_get(json_object_get(parsed, "args"), "json")))
		o.json = true;
	req = json_pack("{s:i}", "id", 1);
	json_object_update(req, parsed);
	json_decref(parsed);
	rc = exchange(&o, req);
	json_decref(req);
	return rc;
}
