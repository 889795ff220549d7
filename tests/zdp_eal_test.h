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

#include "zdp_test.h"

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

/* main() of a unit test that needs EAL memory: --no-huge with 128 MB under
 * --file-prefix @prefix, EAL logs at error level (and USER1, zdp's own, at
 * @user1_level), then @tests; "1..0 # SKIP" when EAL cannot start. */
static inline int
zdp_test_eal_main(const char *prefix, const char *user1_level, const struct zdp_test *tests)
{
	char user1[32];
	char *argv[] = { "test", "--no-huge", "-m", "128", "--no-pci", "--file-prefix",
			 (char *)prefix, "--log-level", "lib.eal:error", "--log-level", user1,
			 NULL };
	int rc;

	snprintf(user1, sizeof(user1), "user1:%s", user1_level);
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		printf("1..0 # SKIP rte_eal_init failed\n");
		return 1;
	}
	rc = zdp_test_main(tests);
	zdp_test_eal_cleanup();
	return rc;
}

#endif
