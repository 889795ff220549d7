/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_eal_test.h — main() for unit tests that need EAL; teardown with
 * zdp_eal_cleanup() (zdp_eal_cleanup.h), so tests leave nothing in
 * /var/run/dpdk.
 */
#ifndef ZDP_EAL_TEST_H
#define ZDP_EAL_TEST_H

#include <stdio.h>

#include <rte_eal.h>

#include "zdp_eal_cleanup.h"
#include "zdp_test.h"

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
	zdp_eal_cleanup();
	return rc;
}

#endif
