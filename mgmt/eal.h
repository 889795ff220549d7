/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ZDP_EAL_H
#define ZDP_EAL_H

#include <stdint.h>

#include "zdp_config.h"

/*
 * Initialise EAL with the user's EAL arguments, adding what zdp needs when
 * the user did not say: lcores for the configured workers (-l 0-N), and
 * --no-huge with a computed -m when no hugepages are free for the configured
 * pools (logged, so an operator sees why throughput is lower).
 * Returns 0 or a negative errno with a message on stderr.
 */
int zdp_eal_init(int argc, char **argv, const struct zdp_config *cfg);

/*
 * Free hugepage memory in MB that EAL can use, from @mounts (the text of
 * /proc/mounts): pages of every size that has a hugetlbfs mount (a mount
 * without a pagesize= option has @default_kb pages), or only the size of
 * the mount at @huge_dir when it is not NULL (EAL --huge-dir). @free_pages
 * gives the free pages of a size in kB. Exposed for the unit test.
 */
uint64_t zdp_eal_hugepages_free_mb(const char *mounts, const char *huge_dir,
				   unsigned long default_kb,
				   unsigned long (*free_pages)(unsigned long size_kb));

/*
 * rte_eal_cleanup(), then remove what EAL leaves of this process: its
 * hugepage files (in every hugetlbfs mount) and its runtime directory, so
 * a stopped gateway gives its hugepages back. Call once, at exit.
 */
void zdp_eal_fini(void);

/* Megabytes of DPDK memory the configured ports and tables need. */
unsigned zdp_eal_memory_mb(const struct zdp_config *cfg);

#endif
