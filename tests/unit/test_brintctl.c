/* SPDX-License-Identifier: Apache-2.0 */
/* The brintctl binary (path in argv[1]) against the control server run by this test: exit codes,
 * messages, human and --json output, the timeout. The test spawns brintctl and keeps running the
 * event loop until it exits. */
#include <ctl/ctl.h>

#include <brint/util.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

extern char **environ;

static const char *brintctl_path;
static struct ev_loop *loop;
static char dir[64], sock[128];

static void cmd_port_list(const json_t *args, struct ctl_reply *r)
{
	ctl_reply_ok(r,
		     json_pack("[{s:s, s:s, s:i}, {s:s, s:s, s:i}]", "name", "p0", "type", "tap",
			       "rxq", 1, "name", "vm-long-name", "type", "vhost-user", "rxq", 4));
}

static void cmd_port_add(const json_t *args, struct ctl_reply *r)
{
	ctl_reply_ok(r, json_deep_copy(args));
}

static void cmd_sb_status(const json_t *args, struct ctl_reply *r)
{
	ctl_reply_ok(r, json_pack("{s:s, s:{s:i, s:i}}", "state", "connected", "tables", "rows", 10,
				  "updates", 3));
}

CTL_COMMAND(t_port_list, "port list", "", "list ports", cmd_port_list)
CTL_COMMAND(t_port_add, "port add", "NAME ...", "add a port", cmd_port_add)
CTL_COMMAND(t_sb_status, "sb status", "", "southbound state", cmd_sb_status)

struct run {
	int status; /* exit status */
	char *out, *err;
};

static void drain(int fd, char **buf, size_t *len, bool *open)
{
	char chunk[4096];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		*buf = realloc(*buf, *len + (size_t)n + 1);
		assert_non_null(*buf);
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
	if (n == 0)
		*open = false;
}

/* Run brintctl with the given arguments (NULL-terminated) and env (NULL: ours). */
static struct run run_brintctl(char **env, ...)
{
	char *argv[32] = {(char *)brintctl_path};
	int argc = 1, out[2], err[2], wstatus;
	posix_spawn_file_actions_t fa;
	struct run r = {0};
	size_t out_len = 0, err_len = 0;
	bool out_open = true, err_open = true, exited = false;
	uint64_t deadline = brint_now_ms() + 10000;
	va_list ap;
	pid_t pid;

	va_start(ap, env);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	assert_int_equal(pipe2(out, O_CLOEXEC | O_NONBLOCK), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC | O_NONBLOCK), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	assert_int_equal(posix_spawn(&pid, brintctl_path, &fa, NULL, argv, env ? env : environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(err[1]);
	r.out = strdup("");
	r.err = strdup("");
	while (!exited || out_open || err_open) {
		assert_true(brint_now_ms() < deadline);
		assert_int_equal(ev_loop_run_once(loop, 5), 0);
		drain(out[0], &r.out, &out_len, &out_open);
		drain(err[0], &r.err, &err_len, &err_open);
		if (!exited && waitpid(pid, &wstatus, WNOHANG) == pid)
			exited = true;
	}
	close(out[0]);
	close(err[0]);
	assert_true(WIFEXITED(wstatus));
	r.status = WEXITSTATUS(wstatus);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

#define SOCK_OPT "--socket", sock

static void test_version_and_help(void **state)
{
	struct run r = run_brintctl(NULL, "--version", NULL);

	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "brintctl " BRINT_VERSION "\n");
	run_free(&r);

	r = run_brintctl(NULL, "-h", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: brintctl [--socket PATH]"));
	assert_non_null(
	    strstr(r.out, "\n  port add NAME --type vhost-user|dpdk|tap [--path SOCK]"));
	assert_non_null(strstr(r.out, "\n  trace PORT MICROFLOW\n"));
	assert_string_equal(r.err, "");
	run_free(&r);
}

static void test_usage_errors(void **state)
{
	struct run r = run_brintctl(NULL, SOCK_OPT, "port", "add", "--type", "tap", NULL);

	assert_int_equal(r.status, 64);
	assert_string_equal(r.err,
			    "brintctl: port add: missing NAME\n"
			    "usage: brintctl port add NAME --type vhost-user|dpdk|tap "
			    "[--path SOCK] [--mode server|client] [--queues N] [--iface-id ID] "
			    "[--devargs ARGS] [--iface IFNAME]\n");
	assert_string_equal(r.out, "");
	run_free(&r);

	r = run_brintctl(NULL, "--frob", "port", "list", NULL);
	assert_int_equal(r.status, 64);
	assert_string_equal(r.err, "brintctl: unknown option '--frob'\nTry 'brintctl --help'.\n");
	run_free(&r);

	r = run_brintctl(NULL, SOCK_OPT, NULL);
	assert_int_equal(r.status, 64);
	assert_string_equal(r.err, "brintctl: missing command\nTry 'brintctl --help'.\n");
	run_free(&r);

	r = run_brintctl(NULL, "--timeout", "soon", "port", "list", NULL);
	assert_int_equal(r.status, 64);
	run_free(&r);

	r = run_brintctl(NULL, "--socket", NULL);
	assert_int_equal(r.status, 64);
	run_free(&r);
}

static void test_cannot_connect(void **state)
{
	char none[160], want[320];
	struct run r;

	snprintf(none, sizeof(none), "%s/none.sock", dir);
	r = run_brintctl(NULL, "--socket", none, "port", "list", NULL);
	assert_int_equal(r.status, 2);
	snprintf(want, sizeof(want),
		 "brintctl: cannot connect to %s: No such file or directory (is brintd running?)\n",
		 none);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	run_free(&r);
}

static void test_table_output(void **state)
{
	struct run r = run_brintctl(NULL, SOCK_OPT, "port", "list", NULL);

	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "name          type        rxq\n"
				   "p0            tap         1\n"
				   "vm-long-name  vhost-user  4\n");
	assert_string_equal(r.err, "");
	run_free(&r);

	r = run_brintctl(NULL, SOCK_OPT, "sb", "status", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "state: connected\ntables:\n  rows: 10\n  updates: 3\n");
	run_free(&r);
}

static void test_json_output(void **state)
{
	struct run r = run_brintctl(NULL, "--json", SOCK_OPT, "port", "add", "p0", "--type", "tap",
				    "--queues", "2", NULL);

	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
			    "{\n  \"name\": \"p0\",\n  \"type\": \"tap\",\n  \"queues\": 2\n}\n");
	run_free(&r);
}

static void test_env_socket_and_server_error(void **state)
{
	char envvar[160];
	char *env[] = {envvar, NULL};
	struct run r;

	snprintf(envvar, sizeof(envvar), "BRINT_SOCKET=%s", sock);
	r = run_brintctl(env, "frob", "--x", "1", NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "brintctl: unknown command 'frob' (try: brintctl help)\n");
	assert_string_equal(r.out, "");
	run_free(&r);

	/* help goes to the server, rendered as a table */
	r = run_brintctl(env, "help", NULL);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "name       usage"));
	assert_non_null(strstr(r.out, "\nport list            list ports\n"));
	run_free(&r);
}

static void test_timeout(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char mute[160], want[320];
	uint64_t t0;
	struct run r;
	int fd;

	/* something that accepts connections (in the backlog) and never answers */
	snprintf(mute, sizeof(mute), "%s/mute.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	strlcpy_chk(sa.sun_path, mute, sizeof(sa.sun_path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	t0 = brint_now_ms();
	r = run_brintctl(NULL, "--socket", mute, "--timeout", "0.3", "port", "list", NULL);
	assert_true(brint_now_ms() - t0 < 3000);
	assert_int_equal(r.status, 1);
	snprintf(want, sizeof(want), "brintctl: no answer from %s within 300 ms\n", mute);
	assert_string_equal(r.err, want);
	run_free(&r);
	close(fd);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/brintctl-test-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sock, sizeof(sock), "%s/brint.sock", dir);
	loop = ev_loop_new();
	return loop && ctl_server_start(loop, sock) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	ctl_server_stop();
	ev_loop_free(loop);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version_and_help),
	    cmocka_unit_test(test_usage_errors),
	    cmocka_unit_test(test_cannot_connect),
	    cmocka_unit_test(test_table_output),
	    cmocka_unit_test(test_json_output),
	    cmocka_unit_test(test_env_socket_and_server_error),
	    cmocka_unit_test(test_timeout),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-BRINTCTL\n", argv[0]);
		return 2;
	}
	brintctl_path = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
