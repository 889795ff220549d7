/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "eal.h"

static bool
has_arg(int argc, char **argv, const char *const *names)
{
	for (int i = 0; i < argc; i++)
		for (const char *const *n = names; *n; n++) {
			size_t l = strlen(*n);
			if (strncmp(argv[i], *n, l) == 0 &&
			    (argv[i][l] == '\0' || argv[i][l] == '='))
				return true;
		}
	return false;
}

unsigned
zdp_eal_memory_mb(const struct zdp_config *cfg)
{
	const struct zdp_cfg_gateway *g = &cfg->gateway;
	/* mbuf: 2176-byte data room + 128 header + mempool object overhead. */
	uint64_t bytes = (uint64_t)g->n_ports * g->mbufs_per_port * 2432;
	/* Hand-off rings, VIP hashes, route tables and LB tables of two
	 * snapshots alive at once during a reload. */
	bytes += (uint64_t)g->n_traffic_routes * 2 * 300 * 1024;
	bytes += (uint64_t)(cfg->n_services + 16) * 2 * 300 * 1024;
	/* rte_fib route tables: up to 32 MiB (IPv4) + 32 MiB (IPv6), two
	 * snapshots alive during a reload. */
	bytes += 128ull << 20;
	/* TCP stack (tcp-proxy) per worker: connection state, its hash slot,
	 * the relay half and slack (docs/tcp.md: 576 B per connection). */
	bytes += (uint64_t)g->workers * g->tcp_conns_per_core * 768;
	return (unsigned)(bytes >> 20) + 256;
}

/* Free hugepage memory in MB according to /proc/meminfo (0 if unknown). */
static unsigned
hugepages_free_mb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long free_pages = 0, size_kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %lu", &free_pages);
		sscanf(line, "Hugepagesize: %lu kB", &size_kb);
	}
	fclose(f);
	return (unsigned)(free_pages * size_kb / 1024);
}

static bool
hugetlbfs_mounted(void)
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[512];
	bool found = false;

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " hugetlbfs ") != NULL;
	fclose(f);
	return found;
}

int
zdp_eal_init(int argc, char **argv, const struct zdp_config *cfg)
{
	static const char *const lcore_opts[] = { "-l", "-c", "--lcores", NULL };
	static const char *const huge_opts[] = { "--no-huge", NULL };
	static const char *const mem_opts[] = { "-m", "--socket-mem", NULL };
	static char lcores[32], mem[32];	/* EAL may keep pointers into argv */
	char **av;
	int ac = 0, rc;
	unsigned need = zdp_eal_memory_mb(cfg);

	av = calloc((size_t)argc + 8, sizeof(*av));
	if (av == NULL)
		return -ENOMEM;
	for (int i = 0; i < argc; i++)
		av[ac++] = argv[i];

	if (!has_arg(argc, argv, lcore_opts)) {
		snprintf(lcores, sizeof(lcores), "0-%u", cfg->gateway.workers);
		av[ac++] = (char *)"-l";
		av[ac++] = lcores;
	}
	if (!has_arg(argc, argv, huge_opts)) {
		unsigned have = hugetlbfs_mounted() ? hugepages_free_mb() : 0;
		if (have < need) {
			fprintf(stderr, "zdp: %u MB of hugepages free, %u MB needed: "
				"falling back to --no-huge (slower; reserve hugepages "
				"with `echo N > /proc/sys/vm/nr_hugepages`)\n", have, need);
			av[ac++] = (char *)"--no-huge";
			if (!has_arg(argc, argv, mem_opts)) {
				snprintf(mem, sizeof(mem), "%u", need);
				av[ac++] = (char *)"-m";
				av[ac++] = mem;
			}
		} else if (!has_arg(argc, argv, mem_opts)) {
			snprintf(mem, sizeof(mem), "%u", need);
			av[ac++] = (char *)"-m";
			av[ac++] = mem;
		}
	}
	av[ac] = NULL;

	rc = rte_eal_init(ac, av);
	free(av);
	if (rc < 0) {
		fprintf(stderr, "zdp: EAL init failed: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}
