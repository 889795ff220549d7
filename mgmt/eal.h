/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef ZDP_EAL_H
#define ZDP_EAL_H

#include "zdp_config.h"

/*
 * Initialise EAL with the user's EAL arguments, adding what zdp needs when
 * the user did not say: lcores for the configured workers (-l 0-N), and
 * --no-huge with a computed -m when no hugepages are free for the configured
 * pools (logged, so an operator sees why throughput is lower).
 * Returns 0 or a negative errno with a message on stderr.
 */
int zdp_eal_init(int argc, char **argv, const struct zdp_config *cfg);

/* Megabytes of DPDK memory the configured ports and tables need. */
unsigned zdp_eal_memory_mb(const struct zdp_config *cfg);

#endif
