/* SPDX-License-Identifier: BSD-3-Clause
 * main.c — the zdp process: options, start-up order, the mgmt loop, shutdown.
 *
 *   zdp [EAL options] -- --config FILE     run the gateway
 *   zdp --check-config FILE                validate a config, no DPDK
 *   zdp --version | --help
 *
 * Start-up order: load config (before EAL, so a bad file never touches the
 * hardware) -> EAL -> ports -> RCU + first snapshot -> workers -> mgmt loop.
 * Shutdown (SIGINT/SIGTERM): stop flag -> join workers -> stop ports -> free.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_version.h>
#include <rte_ring.h>

#include "eal.h"
#include "policy_compile.h"
#include "port.h"
#include "worker.h"
#include "zdp_config.h"
#include "zdp_mgmt.h"

#ifndef ZDP_VERSION
#define ZDP_VERSION "0.1.0"
#endif

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: zdp [EAL options] -- --config FILE [options]\n"
		"       zdp --check-config FILE\n"
		"       zdp --version | --help\n"
		"\n"
		"  --config FILE        gateway configuration (YAML, see docs/config.md)\n"
		"  --check-config FILE  validate FILE without starting DPDK; prints every\n"
		"                       error as file:line: key: reason, exit 0 when valid\n"
		"  --version            print the version\n"
		"  --help               this text\n"
		"\n"
		"test-only options (fault injection on every RX queue):\n"
		"  --fault-drop PPM     drop PPM packets per million\n"
		"  --fault-tx-drop PPM  drop PPM per million of the packets zdp sends\n"
		"  --fault-dup PPM      duplicate PPM packets per million\n"
		"  --fault-reorder PPM  swap PPM packets per million with their successor\n"
		"  --fault-seed N       seed for the fault PRNG (default 1)\n"
		"\n"
		"Signals: SIGHUP reloads the config (so does a change of the file);\n"
		"SIGINT/SIGTERM stop cleanly.\n");
}

static void
print_errors(const struct zdp_config_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->msgs[i]);
}

static int
check_config(const char *path)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	int rc;

	rc = zdp_config_load_file(path, &cfg, &errs);
	if (rc == 0 && !cfg->has_gateway) {
		/* A plain ztunnel local config is valid input for the mesh part. */
		printf("%s: ok (mesh part only: %zu workloads, %zu services, %zu policies; "
		       "no gateway section)\n", path, cfg->n_workloads, cfg->n_services,
		       cfg->n_policies);
	} else if (rc == 0) {
		/* Compile-time checks that need no DPDK: policies. */
		struct zdp_policy_registry *reg = zdp_policy_registry_create(ZDP_POLICY_ID_MAX);
		struct zdp_policy_set *ps = NULL;
		char err[512] = "";

		if (reg == NULL || zdp_policy_compile(cfg, reg, &ps, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: policies: %s\n", path, err[0] ? err : "out of memory");
			rc = -EINVAL;
		} else {
			printf("%s: ok (%zu workloads, %zu services, %zu policies, %zu ports, "
			       "%zu traffic routes)\n", path, cfg->n_workloads, cfg->n_services,
			       cfg->n_policies, cfg->gateway.n_ports,
			       cfg->gateway.n_traffic_routes);
		}
		zdp_policy_set_destroy(ps);
		zdp_policy_registry_destroy(reg);
	} else {
		print_errors(&errs);
	}
	zdp_config_free(cfg);
	zdp_config_errors_fini(&errs);
	return rc == 0 ? 0 : 1;
}

struct app_opts {
	const char *config;
	struct zdp_fault_params fault;
};

static int
parse_app_opts(int argc, char **argv, struct app_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "fault-drop", required_argument, NULL, 'd' },
		{ "fault-tx-drop", required_argument, NULL, 'x' },
		{ "fault-dup", required_argument, NULL, 'u' },
		{ "fault-reorder", required_argument, NULL, 'r' },
		{ "fault-seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->fault.seed = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'd': o->fault.drop_ppm = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'x': o->fault.tx_drop_ppm = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'u': o->fault.dup_ppm = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'r': o->fault.reorder_ppm = (unsigned)strtoul(optarg, NULL, 0); break;
		case 's': o->fault.seed = strtoull(optarg, NULL, 0); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zdp: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->config == NULL) {
		fprintf(stderr, "zdp: no --config given; zdp needs a configuration to know "
			"its ports and addresses (see docs/config.md)\n");
		return -EINVAL;
	}
	if (o->fault.drop_ppm > 1000000 || o->fault.dup_ppm > 1000000 ||
	    o->fault.tx_drop_ppm > 1000000 ||
	    o->fault.reorder_ppm > 1000000) {
		fprintf(stderr, "zdp: fault rates are parts per million (0..1000000)\n");
		return -EINVAL;
	}
	return 0;
}

static int
setup_ports(struct zdp_runtime *rt, const struct zdp_config *cfg)
{
	const struct zdp_cfg_gateway *g = &cfg->gateway;

	if (g->n_ports > ZDP_MAX_PORTS) {
		fprintf(stderr, "zdp: at most %d ports\n", ZDP_MAX_PORTS);
		return -EINVAL;
	}
	for (size_t i = 0; i < g->n_ports; i++) {
		struct zdp_port_params p = {
			.name = g->ports[i].name,
			.device = g->ports[i].device,
			.n_queues = (uint16_t)g->workers,
			.mtu = g->ports[i].mtu,
			.rx_desc = g->ports[i].rx_desc,
			.tx_desc = g->ports[i].tx_desc,
			.mbufs = g->mbufs_per_port,
			.mbuf_cache = g->mbuf_cache,
		};
		int rc = zdp_port_open(&p, &rt->ports[i]);
		if (rc < 0)
			return rc;
		rt->n_ports++;
		if (g->workers > 1 && !rt->ports[i].rss_symmetric)
			rt->handoff = true;
	}
	return 0;
}

static int
setup_workers(struct zdp_runtime *rt, const struct zdp_config *cfg)
{
	unsigned lcore, idx = 0;
	size_t sz;

	rt->n_workers = cfg->gateway.workers;
	if (rte_lcore_count() < rt->n_workers + 1) {
		fprintf(stderr, "zdp: %u workers need %u lcores (1 for mgmt); EAL has %u\n",
			rt->n_workers, rt->n_workers + 1, rte_lcore_count());
		return -EINVAL;
	}
	rt->reta_mask = ZDP_RETA_SIZE - 1;
	for (unsigned p = 0; p < rt->n_ports; p++)
		if (rt->ports[p].reta_size)
			rt->reta_mask = rt->ports[p].reta_size - 1u;

	sz = rte_rcu_qsbr_get_memsize(rt->n_workers);
	rt->qsbr = rte_zmalloc("zdp_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (rt->qsbr == NULL || rte_rcu_qsbr_init(rt->qsbr, rt->n_workers) != 0)
		return -ENOMEM;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (idx == rt->n_workers)
			break;
		rt->workers[idx] = zdp_worker_create(rt, idx, lcore,
						     (int)rte_lcore_to_socket_id(lcore));
		if (rt->workers[idx] == NULL)
			return -ENOMEM;
		idx++;
	}
	if (rt->handoff) {
		for (unsigned d = 0; d < rt->n_workers; d++)
			for (unsigned s = 0; s < rt->n_workers; s++) {
				char name[RTE_RING_NAMESIZE];
				if (s == d)
					continue;
				snprintf(name, sizeof(name), "zdp_ho_%u_%u", d, s);
				rt->handoff_ring[d][s] = rte_ring_create(name,
					ZDP_HANDOFF_RING_SIZE, rt->workers[d]->socket,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
				if (rt->handoff_ring[d][s] == NULL)
					return -ENOMEM;
			}
		RTE_LOG(NOTICE, USER1, "%u workers without symmetric RSS: software hand-off "
			"to the owning worker enabled\n", rt->n_workers);
	}
	return 0;
}

static int
run(int argc, char **argv)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	struct zdp_runtime *rt = NULL;
	struct zdp_snapshot *snap = NULL;
	struct zdp_http *http = NULL;
	struct zdp_mgmt m;
	struct app_opts opts;
	sigset_t sigs;
	int sfd = -1, rc, eal_argc, i;
	unsigned lcore;

	/* Split "EAL args -- app args". */
	for (eal_argc = 1; eal_argc < argc && strcmp(argv[eal_argc], "--") != 0; eal_argc++)
		;
	if (eal_argc == argc) {
		/* No "--": everything is ours (e.g. `zdp --config x` with default EAL). */
		eal_argc = 1;
		argv[0] = argv[0];
		rc = parse_app_opts(argc, argv, &opts);
	} else {
		char **app = argv + eal_argc;
		app[0] = argv[0];
		rc = parse_app_opts(argc - eal_argc, app, &opts);
	}
	if (rc < 0)
		return 2;

	rc = zdp_config_load_file(opts.config, &cfg, &errs);
	if (rc < 0) {
		print_errors(&errs);
		fprintf(stderr, "zdp: %s: configuration rejected\n", opts.config);
		zdp_config_errors_fini(&errs);
		return 2;
	}
	if (!cfg->has_gateway || cfg->gateway.n_ports == 0) {
		fprintf(stderr, "zdp: %s: no gateway.ports: zdp needs at least one port\n",
			opts.config);
		zdp_config_free(cfg);
		return 2;
	}

	/* Signals are taken through a signalfd in the mgmt loop; block them
	 * before EAL starts lcore threads so those inherit the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	rc = zdp_eal_init(eal_argc, argv, cfg);
	if (rc < 0) {
		zdp_config_free(cfg);
		return 1;
	}

	memset(&m, 0, sizeof(m));
	m.config_path = strdup(opts.config);
	zdp_config_file_changed(&m);
	rt = rte_zmalloc("zdp_runtime", sizeof(*rt), RTE_CACHE_LINE_SIZE);
	if (rt == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	m.rt = rt;
	rt->tsc_hz = rte_get_tsc_hz();
	rt->fault = opts.fault;
	rt->wp.flows = cfg->gateway.flows_per_core;
	rt->wp.neigh_entries = cfg->gateway.neigh_entries;
	rt->wp.tcp_conns = cfg->gateway.tcp_conns_per_core;
	rt->wp.eph_port_min = cfg->gateway.proxy_port_min;
	rt->wp.eph_port_max = cfg->gateway.proxy_port_max;
	rt->wp.tcp_seg = (uint8_t)cfg->gateway.tcp_segmentation;

	m.policy_reg = zdp_policy_registry_create(ZDP_POLICY_ID_MAX);
	m.backend_reg = zdp_registry_create(ZDP_BACKEND_STAT_MAX);
	if (m.policy_reg == NULL || m.backend_reg == NULL) {
		rc = -ENOMEM;
		goto out;
	}

	rc = setup_ports(rt, cfg);
	if (rc < 0)
		goto out;
	rc = setup_workers(rt, cfg);
	if (rc < 0)
		goto out;
	if (rt->fault.drop_ppm || rt->fault.dup_ppm || rt->fault.reorder_ppm ||
	    rt->fault.tx_drop_ppm) {
		rc = zdp_fault_install(rt);
		if (rc < 0)
			goto out;
	}

	rc = zdp_compile(&m, cfg, &snap, &errs);
	if (rc < 0) {
		print_errors(&errs);
		fprintf(stderr, "zdp: %s: configuration rejected\n", opts.config);
		goto out;
	}
	m.cfg = cfg;
	cfg = NULL;
	zdp_snapshot_publish(&m, snap);
	m.config_loaded = true;
	m.last_reload = time(NULL);

	http = zdp_http_create(&m);
	if (http == NULL) {
		rc = -EADDRINUSE;
		goto out;
	}

	zdp_telemetry_register(rt);
	for (i = 0; i < (int)rt->n_workers; i++)
		rte_eal_remote_launch(zdp_worker_main, rt->workers[i], rt->workers[i]->lcore);

	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	RTE_LOG(NOTICE, USER1, "zdp %s running: %u worker(s), %u port(s), config %s\n",
		ZDP_VERSION, rt->n_workers, rt->n_ports, m.config_path);

	for (;;) {
		struct signalfd_siginfo si;
		bool sig_ready = false;

		zdp_http_poll(http, 250, sfd, &sig_ready);
		if (sig_ready && read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				zdp_reload(&m, "SIGHUP");
				continue;
			}
			RTE_LOG(NOTICE, USER1, "signal %u: shutting down\n", si.ssi_signo);
			break;
		}
		if (zdp_config_file_changed(&m))
			zdp_reload(&m, "file change");
	}
	rc = 0;

out:
	if (rt != NULL) {
		rt->stop = true;
		RTE_LCORE_FOREACH_WORKER(lcore)
			rte_eal_wait_lcore(lcore);
		/* Free every mbuf still in flight before the pools go: hand-off
		 * rings, then packets parked on neighbours (worker destroy). */
		for (unsigned d = 0; d < ZDP_MAX_WORKERS; d++)
			for (unsigned s = 0; s < ZDP_MAX_WORKERS; s++) {
				struct rte_ring *r = rt->handoff_ring[d][s];
				void *obj;

				while (r != NULL && rte_ring_dequeue(r, &obj) == 0)
					rte_pktmbuf_free(obj);
				rte_ring_free(r);
			}
		for (i = 0; i < (int)rt->n_workers; i++)
			zdp_worker_destroy(rt->workers[i]);
		for (i = 0; i < (int)rt->n_ports; i++)
			zdp_port_close(&rt->ports[i]);
		zdp_snapshot_free(rt->snap);
		rte_free(rt->qsbr);
		rte_free(rt);
	}
	if (sfd >= 0)
		close(sfd);
	zdp_http_destroy(http);
	zdp_policy_registry_destroy(m.policy_reg);
	zdp_registry_destroy(m.backend_reg);
	zdp_config_free(m.cfg);
	zdp_config_free(cfg);
	zdp_config_errors_fini(&errs);
	free(m.config_path);
	zdp_eal_fini();
	return rc < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("zdp %s (DPDK %s)\n", ZDP_VERSION, rte_version());
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--check-config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "zdp: --check-config needs a file\n");
				return 2;
			}
			return check_config(argv[i + 1]);
		}
	}
	return run(argc, argv);
}
