/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_eal_cleanup.h — EAL teardown that leaves nothing behind.
 */
#ifndef ZDP_EAL_CLEANUP_H
#define ZDP_EAL_CLEANUP_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

/* rte_eal_cleanup(), and then remove the --file-prefix runtime directory
 * (/var/run/dpdk/PREFIX), which DPDK 22.11 leaves behind. For programs
 * that are the only process of their prefix (tests, bench tools). */
static inline void
zdp_eal_cleanup(void)
{
	char dir[PATH_MAX];
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char p[PATH_MAX + 256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

#endif /* ZDP_EAL_CLEANUP_H */
