/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Default hugepage size in kB (Hugepagesize in /proc/meminfo; 0 if unknown). */
static unsigned long
default_hugepage_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Free pages of one size, from sysfs (0 if that size does not exist). */
static unsigned long
free_hugepages(unsigned long size_kb)
{
	char path[128];
	unsigned long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%lukB/free_hugepages",
		 size_kb);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/* "pagesize=1G" and the like in a mount's options, in kB; 0 if absent. */
static unsigned long
mount_pagesize_kb(const char *opts)
{
	const char *p = strstr(opts, "pagesize=");
	char *end;
	unsigned long v;

	if (p == NULL)
		return 0;
	v = strtoul(p + 9, &end, 10);
	switch (*end) {
	case 'K': case 'k': return v;
	case 'M': case 'm': return v << 10;
	case 'G': case 'g': return v << 20;
	default: return v >> 10;	/* bytes */
	}
}

/* The next hugetlbfs mount in @*cur (text of /proc/mounts), advancing
 * it: its directory and options. False at the end. */
static bool
hugetlbfs_next(const char **cur, char dir[256], char opts[256])
{
	while (*cur != NULL && **cur != '\0') {
		const char *line = *cur, *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[512], dev[128], type[64];

		*cur = nl ? nl + 1 : NULL;
		if (len >= sizeof(buf))
			continue;
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (sscanf(buf, "%127s %255s %63s %255s", dev, dir, type, opts) == 4 &&
		    strcmp(type, "hugetlbfs") == 0)
			return true;
	}
	return false;
}

/* /proc/mounts as one string (malloc'd), or NULL. */
static char *
read_mounts(void)
{
	FILE *f = fopen("/proc/mounts", "r");
	char *text = NULL;
	size_t len = 0, n;
	char chunk[4096];

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		char *t = realloc(text, len + n + 1);

		if (t == NULL)
			break;
		text = t;
		memcpy(text + len, chunk, n);
		len += n;
		text[len] = '\0';
	}
	fclose(f);
	return text;
}

uint64_t
zdp_eal_hugepages_free_mb(const char *mounts, const char *huge_dir,
			  unsigned long default_kb,
			  unsigned long (*free_pages)(unsigned long size_kb))
{
	unsigned long seen[8];
	unsigned n_seen = 0;
	uint64_t kb = 0;
	char dir[256], opts[256];

	while (hugetlbfs_next(&mounts, dir, opts)) {
		unsigned long size;
		unsigned i;

		if (huge_dir != NULL && strcmp(dir, huge_dir) != 0)
			continue;
		size = mount_pagesize_kb(opts);
		if (size == 0)
			size = default_kb;
		for (i = 0; i < n_seen && seen[i] != size; i++)
			;
		if (size != 0 && i == n_seen && n_seen < 8) {
			seen[n_seen++] = size;
			kb += (uint64_t)free_pages(size) * size;
		}
	}
	return kb >> 10;
}

/* Free hugepage memory in MB that EAL can use here: every page size with
 * a hugetlbfs mount (EAL takes pages of each), or only the size mounted at
 * --huge-dir when given. Not just the default size: a gateway reserving
 * only 1 GiB pages must not be sent to --no-huge. */
static unsigned
hugepages_free_mb(const char *huge_dir)
{
	char *text = read_mounts();
	uint64_t mb;

	mb = text ? zdp_eal_hugepages_free_mb(text, huge_dir, default_hugepage_kb(),
					      free_hugepages) : 0;
	free(text);
	return (unsigned)mb;
}

/* The value of --huge-dir (either form), or NULL. */
static const char *
huge_dir_arg(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--huge-dir") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--huge-dir=", 11) == 0)
			return argv[i] + 11;
	}
	return NULL;
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
		unsigned have = hugepages_free_mb(huge_dir_arg(argc, argv));
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

/* Remove the entries of @dir whose names start with @start (all when
 * @start is empty); then @dir itself when @rmdir_too. */
static void
remove_entries(const char *dir, const char *start, bool rmdir_too)
{
	size_t sl = strlen(start);
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX];

		if (e->d_name[0] == '.' || strncmp(e->d_name, start, sl) != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path))
			unlink(path);
	}
	closedir(d);
	if (rmdir_too)
		rmdir(dir);
}

void
zdp_eal_fini(void)
{
	char rundir[PATH_MAX], files[PATH_MAX + 8];
	const char *prefix, *cur;
	char *mounts, dir[256], opts[256];

	snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
	prefix = strrchr(rundir, '/');
	prefix = prefix != NULL ? prefix + 1 : rundir;
	snprintf(files, sizeof(files), "%smap_", prefix);
	rte_eal_cleanup();
	/* The hugepage files of this --file-prefix, in every hugetlbfs mount:
	 * EAL keeps them after exit (unless --huge-unlink), holding the
	 * pages until the next start with the same prefix. A secondary
	 * process still attached keeps its mappings; only the names go. */
	mounts = read_mounts();
	for (cur = mounts; prefix[0] != '\0' && hugetlbfs_next(&cur, dir, opts);)
		remove_entries(dir, files, false);
	free(mounts);
	/* The runtime directory (config, fbarrays, mp socket), which DPDK
	 * 22.11 leaves behind. */
	if (strncmp(rundir, "/", 1) == 0 && prefix != rundir)
		remove_entries(rundir, "", true);
}
