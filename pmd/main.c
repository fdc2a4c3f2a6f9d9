/* SPDX-License-Identifier: Apache-2.0 */
/* brintd: configuration, EAL, PMD threads, ports, and the control thread's event loop. */
#include "config.h"
#include "ctl.h"
#include "daemon.h"
#include "dp.h"
#include "pmd.h"
#include "port.h"

#include <brint/evloop.h>
#include <brint/log.h>
#include <brint/util.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: brintd --config FILE [--check] [--pidfile PATH] [--log-level LEVEL]\n"
		"\n"
		"brint: the OVN integration bridge (br-int) in userspace, on DPDK.\n"
		"\n"
		"  -c, --config FILE     JSON configuration (see config/examples/)\n"
		"      --check           validate the configuration and exit\n"
		"      --pidfile PATH    write the process id to PATH (removed on exit)\n"
		"      --log-level L     err, warn, info or debug (overrides the file)\n"
		"  -h, --help            this text\n"
		"  -V, --version         print the version\n"
		"\n"
		"Control it with brintctl (socket: \"control_socket\" in the file, default %s).\n",
		BRINT_DEFAULT_SOCKET);
}

static void on_signal(int fd, short revents, void *arg)
{
	struct signalfd_siginfo si;
	struct ev_loop *loop = arg;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		LOG_INFO("main", "signal %u received, shutting down", si.ssi_signo);
		ev_loop_stop(loop);
	}
}

static void on_link_timer(struct ev_timer *t, void *arg)
{
	port_poll_links();
}

static int add_config_ports(const struct brint_config *cfg)
{
	char err[512];
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (port_add(&cfg->ports[i], err, sizeof(err)) < 0) {
			LOG_ERR("main", "ports[%u]: %s", i, err);
			return -1;
		}
	for (unsigned i = 0; i < cfg->n_xconnects; i++) {
		struct port *a = port_by_name(cfg->xconnects[i].from);
		struct port *b = port_by_name(cfg->xconnects[i].to);
		if (xconnect_set(a->id, b->id) < 0) {
			LOG_ERR("main", "xconnects[%u]: %s", i, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static char **copy_argv(const struct brint_config *cfg)
{
	char **v = calloc((size_t)cfg->eal_argc + 1, sizeof(char *));
	for (int i = 0; v && i < cfg->eal_argc; i++)
		v[i] = cfg->eal_argv[i];
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'k'},
	    {"pidfile", required_argument, NULL, 'p'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	const char *config_path = NULL, *pidfile = NULL, *level = NULL;
	struct brint_config cfg;
	struct ev_loop *loop = NULL;
	char err[1024];
	char **eal_argv;
	bool check = false;
	sigset_t sigs;
	int c, sfd = -1, rc = 1;

	while ((c = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'k': check = true; break;
		case 'p': pidfile = optarg; break;
		case 'l': level = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("brintd %s\n", BRINT_VERSION); return 0;
		default: usage(stderr); return 64;
		}
	}
	if (config_path == NULL || optind != argc) {
		usage(stderr);
		return 64;
	}
	if (brint_config_load_file(config_path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "brintd: %s\n", err);
		return 1;
	}
	if (level) {
		cfg.log_level = brint_log_level_parse(level);
		if (cfg.log_level < 0) {
			fprintf(stderr,
				"brintd: --log-level: must be one of err, warn, info, debug\n");
			brint_config_free(&cfg);
			return 64;
		}
	}
	if (daemon_config_check(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "brintd: %s: %s\n", config_path, err);
		brint_config_free(&cfg);
		return 1;
	}
	if (check) {
		printf("%s: OK (%u ports, %u PMD cores)\n", config_path, cfg.n_ports,
		       cfg.n_pmd_cores);
		brint_config_free(&cfg);
		return 0;
	}
	brint_log_set_level((enum brint_log_level)cfg.log_level);

	/* every thread EAL creates inherits this mask: signals reach the control thread only,
	 * through a signalfd on its event loop */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	eal_argv = copy_argv(&cfg);
	if (eal_argv == NULL || rte_eal_init(cfg.eal_argc, eal_argv) < 0) {
		fprintf(stderr, "brintd: eal: cannot initialise DPDK: %s (check \"eal\" in %s)\n",
			rte_strerror(rte_errno), config_path);
		free(eal_argv);
		brint_config_free(&cfg);
		return 1;
	}
	free(eal_argv);
	rte_log_set_global_level(cfg.log_level >= BRINT_LOG_DEBUG ? RTE_LOG_DEBUG : RTE_LOG_NOTICE);

	if (pmd_init(cfg.pmd_cores, cfg.n_pmd_cores, err, sizeof(err)) < 0 ||
	    port_layer_init(cfg.mbufs, err, sizeof(err)) < 0) {
		LOG_ERR("main", "%s", err);
		goto out_eal;
	}
	if (xconnect_init() < 0) {
		LOG_ERR("main", "out of memory");
		goto out_eal;
	}
	loop = ev_loop_new();
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (loop == NULL || sfd < 0 || ev_fd_add(loop, sfd, POLLIN, on_signal, loop) < 0) {
		LOG_ERR("main", "cannot set up the event loop: %s", strerror(errno));
		goto out_eal;
	}
	if (ctl_server_start(loop, cfg.control_socket) < 0) {
		LOG_ERR("main", "control_socket: cannot listen on %s: %s", cfg.control_socket,
			strerror(errno));
		goto out_eal;
	}
	if (pmd_start() < 0)
		goto out_ctl;
	daemon_hooks_install();
	if (add_config_ports(&cfg) < 0)
		goto out_pmd;
	if (daemon_modules_start(loop, &cfg, err, sizeof(err)) < 0) {
		LOG_ERR("main", "%s", err);
		goto out_pmd;
	}
	ev_timer_add(loop, 100, 200, on_link_timer, NULL);
	if (pidfile) {
		FILE *f = fopen(pidfile, "w");
		if (f == NULL || fprintf(f, "%d\n", (int)getpid()) < 0) {
			LOG_ERR("main", "--pidfile %s: %s", pidfile, strerror(errno));
			if (f)
				fclose(f);
			goto out_mods;
		}
		fclose(f);
	}
	LOG_INFO("main", "brintd %s ready: %u PMD(s), %u port(s), control socket %s", BRINT_VERSION,
		 n_pmds, port_count(), cfg.control_socket);
	ev_loop_run(loop);
	rc = 0;

out_mods:
	daemon_modules_stop();
out_pmd:
	pmd_stop_all();
	port_del_all();
out_ctl:
	ctl_server_stop();
out_eal:
	if (pidfile)
		unlink(pidfile);
	if (sfd >= 0)
		close(sfd);
	ev_loop_free(loop);
	xconnect_fini();
	pmd_fini();
	port_layer_fini();
	rte_eal_cleanup();
	brint_config_free(&cfg);
	LOG_INFO("main", "brintd stopped");
	return rc;
}
