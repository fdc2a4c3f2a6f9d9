/* SPDX-License-Identifier: Apache-2.0 */
/* brint-sb-probe: the OVN southbound side of brint without the datapath, for tests and the
 * benchmark. Runs the control loop with ovn_glue_start() on a JSON config file (its "ovn"
 * object, or the whole file if it has none), claims the given iface-ids as if local ports
 * existed, serves the control socket, and exits on SIGTERM/SIGINT. */
#include "ovn-glue/ovn_glue.h"
#include "ovn-glue/sb/replica.h"

#include <ctl/ctl.h>

#include <brint/evloop.h>
#include <brint/log.h>
#include <brint/util.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct ev_loop *loop;
static json_t *ovn_cfg;
static bool exit_on_sync;
static uint64_t start_ms;

static void on_signal(int sig)
{
	(void)sig;
	if (loop)
		ev_loop_stop(loop);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: brint-sb-probe --config FILE [--socket PATH] [--pidfile PATH]\n"
		"                      [--claim IFACE_ID[=PORT]]... [--log-level LEVEL]\n"
		"                      [--exit-on-sync]\n"
		"  --claim        behave as if a local port PORT (default: the iface-id) existed\n"
		"  --exit-on-sync once the replica is complete, print the time from connect to\n"
		"                 a complete replica (sync_ms), rows, resident memory (rss_kb)\n"
		"                 and its peak (hwm_kb) as JSON, and exit\n");
}

static long status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(field);
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* --exit-on-sync: once the replica is complete (and the memory of the load given back, which
 * happens in the round after the sync), print the figures and stop. */
static void sync_check(struct ev_timer *t, void *arg)
{
	static uint64_t synced_at;
	json_t *resp, *st;
	(void)t;
	(void)arg;
	if (!ovn_glue_sb_synced())
		return;
	if (synced_at == 0) {
		synced_at = brint_now_ms();
		return;
	}
	if (brint_now_ms() - synced_at < 200)
		return;
	static const char req[] = "{\"id\":1,\"cmd\":\"sb status\"}";
	resp = ctl_dispatch_line(req, sizeof(req) - 1);
	st = json_object_get(resp, "result");
	struct sb_replica *r = ovn_glue_replica();
	size_t rows = 0;
	for (unsigned i = 0; i < sb_replica_n_tables(r); i++)
		rows += sb_table_n_rows(sb_replica_table(r, i));
	printf(
	    "{\"sync_ms\": %lld, \"sync_first_byte_ms\": %lld, \"sync_reply_ms\": %lld, "
	    "\"sync_apply_ms\": %lld, "
	    "\"start_to_sync_ms\": %llu, \"rows\": %zu, "
	    "\"lflows\": %zu, \"port_bindings\": %zu, \"rx_bytes\": %lld, "
	    "\"max_msg_bytes\": %lld, \"rss_kb\": %ld, \"hwm_kb\": %ld}\n",
	    json_integer_value(json_object_get(st, "sync_ms")),
	    json_integer_value(json_object_get(st, "sync_first_byte_ms")),
	    json_integer_value(json_object_get(st, "sync_reply_ms")),
	    json_integer_value(json_object_get(st, "sync_apply_ms")),
	    (unsigned long long)(synced_at - start_ms), rows,
	    sb_table_n_rows(sb_replica_table_by_name(r, "Logical_Flow")),
	    sb_table_n_rows(sb_replica_table_by_name(r, "Port_Binding")),
	    json_integer_value(json_object_get(json_object_get(st, "counters"), "rx_bytes")),
	    json_integer_value(json_object_get(json_object_get(st, "counters"), "max_msg_bytes")),
	    status_kb("VmRSS"), status_kb("VmHWM"));
	fflush(stdout);
	json_decref(resp);
	ev_loop_stop(loop);
}

/* ---- test commands: simulate the port layer ---- */

static void cmd_port_add(const json_t *args, struct ctl_reply *r)
{
	const char *name, *iface;
	if (ctl_arg_str(args, "name", true, &name, r) < 0 ||
	    ctl_arg_str(args, "iface_id", true, &iface, r) < 0)
		return;
	ovn_glue_port_added(name, iface);
	ctl_reply_ok(r, NULL);
}

static void cmd_port_del(const json_t *args, struct ctl_reply *r)
{
	const char *name;
	if (ctl_arg_str(args, "name", true, &name, r) < 0)
		return;
	ovn_glue_port_removed(name);
	ctl_reply_ok(r, NULL);
}

static void cmd_port_link(const json_t *args, struct ctl_reply *r)
{
	const char *name;
	const json_t *v = json_object_get(args, "up");
	bool up;
	if (ctl_arg_str(args, "name", true, &name, r) < 0)
		return;
	/* brintctl's generic form passes "--up false" as a string */
	if (json_is_boolean(v)) {
		up = json_is_true(v);
	} else if (json_is_string(v) &&
		   (!strcmp(json_string_value(v), "true") || !strcmp(json_string_value(v), "up"))) {
		up = true;
	} else if (json_is_string(v) && (!strcmp(json_string_value(v), "false") ||
					 !strcmp(json_string_value(v), "down"))) {
		up = false;
	} else {
		ctl_reply_err(r, "args.up: must be true or false");
		return;
	}
	ovn_glue_port_link(name, up);
	ctl_reply_ok(r, NULL);
}

/* what a daemon does on a configuration reload: stop, start again */
static void cmd_ovn_restart(const json_t *args, struct ctl_reply *r)
{
	char err[512];
	(void)args;
	ovn_glue_stop();
	if (ovn_glue_start(loop, ovn_cfg, err, sizeof(err)) < 0) {
		ctl_reply_err(r, "%s", err);
		return;
	}
	ctl_reply_ok(r, NULL);
}

CTL_COMMAND(probe_ovn_restart, "probe ovn restart", "",
	    "(brint-sb-probe) ovn_glue_stop() then ovn_glue_start() with the same config",
	    cmd_ovn_restart)
CTL_COMMAND(probe_port_add, "probe port add", "--name PORT --iface-id ID",
	    "(brint-sb-probe) act as if local port PORT with iface-id ID appeared", cmd_port_add)
CTL_COMMAND(probe_port_del, "probe port del", "--name PORT",
	    "(brint-sb-probe) act as if local port PORT went away", cmd_port_del)
CTL_COMMAND(probe_port_link, "probe port link", "--name PORT --up true|false",
	    "(brint-sb-probe) set the link state of local port PORT", cmd_port_link)

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"socket", required_argument, NULL, 's'},
	    {"pidfile", required_argument, NULL, 'p'},
	    {"claim", required_argument, NULL, 'C'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"exit-on-sync", no_argument, NULL, 'x'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = NULL, *sock = NULL, *pidfile = NULL;
	char **claims = NULL;
	int n_claims = 0, c, rc = 0;
	json_error_t je;
	json_t *cfg, *ovn;
	char err[512];

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 's': sock = optarg; break;
		case 'p': pidfile = optarg; break;
		case 'C':
			claims = realloc(claims, (size_t)(n_claims + 1) * sizeof(char *));
			if (claims == NULL)
				return 1;
			claims[n_claims++] = optarg;
			break;
		case 'l': {
			int l = brint_log_level_parse(optarg);
			if (l < 0) {
				fprintf(stderr, "brint-sb-probe: unknown log level \"%s\"\n",
					optarg);
				return 2;
			}
			brint_log_set_level((enum brint_log_level)l);
			break;
		}
		case 'x': exit_on_sync = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (config == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	cfg = json_load_file(config, 0, &je);
	if (cfg == NULL) {
		fprintf(stderr, "brint-sb-probe: %s:%d: %s\n", config, je.line, je.text);
		return 2;
	}
	ovn = json_object_get(cfg, "ovn");
	if (ovn == NULL)
		ovn = cfg;
	ovn_cfg = ovn;

	loop = ev_loop_new();
	if (loop == NULL)
		return 1;
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	for (int i = 0; i < n_claims; i++) {
		char *eq = strchr(claims[i], '=');
		if (eq) {
			*eq = '\0';
			ovn_glue_port_added(eq + 1, claims[i]);
		} else {
			ovn_glue_port_added(claims[i], claims[i]);
		}
	}
	start_ms = brint_now_ms();
	if (ovn_glue_start(loop, ovn, err, sizeof(err)) < 0) {
		fprintf(stderr, "brint-sb-probe: %s\n", err);
		return 2;
	}
	if (sock && ctl_server_start(loop, sock) < 0) {
		fprintf(stderr, "brint-sb-probe: control socket %s: %s\n", sock, strerror(errno));
		ovn_glue_stop();
		return 1;
	}
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (f == NULL) {
			fprintf(stderr, "brint-sb-probe: %s: %s\n", pidfile, strerror(errno));
			return 1;
		}
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}
	if (exit_on_sync)
		ev_timer_add(loop, 5, 5, sync_check, NULL);
	LOG_INFO("probe", "running (pid %ld)", (long)getpid());
	ev_loop_run(loop);
	LOG_INFO("probe", "stopping");
	if (sock)
		ctl_server_stop();
	ovn_glue_stop();
	if (pidfile)
		unlink(pidfile);
	ev_loop_free(loop);
	json_decref(cfg);
	free(claims);
	return rc;
}
