/* SPDX-License-Identifier: BSD-3-Clause
 * fastpath.h — per-packet processing on a worker (called from worker.c).
 */
#ifndef ZDP_FASTPATH_H
#define ZDP_FASTPATH_H

#include <stdint.h>

struct rte_mbuf;
struct zdp_snapshot;
struct zdp_worker;

/* Allocate the worker's tables (flows, neighbours) on its own lcore, so
 * first-touch puts them on its NUMA node. Returns 0 or -ENOMEM. */
int zdp_fastpath_worker_init(struct zdp_worker *w);
void zdp_fastpath_worker_fini(struct zdp_worker *w);

/* Process @n packets received on port index @pidx. Consumes every mbuf:
 * each is transmitted, handed off, queued on a neighbour, or dropped with
 * a counted reason. @handed_off: the packets came from another worker's
 * hand-off ring and are already known to belong here. */
void zdp_fastpath_rx(struct zdp_worker *w, const struct zdp_snapshot *s,
		     uint16_t pidx, struct rte_mbuf **pkts, uint16_t n, int handed_off);

/* Timers: flow ageing and neighbour retries, bounded work per call. */
void zdp_fastpath_housekeeping(struct zdp_worker *w, const struct zdp_snapshot *s);

#endif
