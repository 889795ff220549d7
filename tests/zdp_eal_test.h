/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_eal_test.h — EAL teardown for test programs.
 */
#ifndef ZDP_EAL_TEST_H
#define ZDP_EAL_TEST_H

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

/* rte_eal_cleanup() leaves the --file-prefix runtime directory behind in
 * DPDK 22.11: remove it too, so test runs leave nothing in /var/run/dpdk. */
static inline void
zdp_test_eal_cleanup(void)
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

#endif
