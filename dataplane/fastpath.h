/* SPDX-License-Identifier: BSD-3-Clause
 * fastpath.h — per-packet processing on a worker (called from worker.c).
 */
#ifndef ZDP_FASTPATH_H
#define ZDP_FASTPATH_H

#include <stdint.h>

#include "drop.h"

struct rte_mbuf;
struct zdp_snapshot;
struct zdp_worker;

/* Allocate the worker's tables (flows, neighbours) on its own lcore, so
 * first-touch puts them on its NUMA node. Returns 0 or -ENOMEM. */
int zdp_fastpath_worker_init(struct zdp_worker *w);
void zdp_fastpath_worker_fini(struct zdp_worker *w);

/* Hand-off flags, carried in the low bits of mbuf hash.usr (port index in
 * the high 16 bits) when a packet moves between workers. */
#define ZDP_HANDOFF_OWNED	0x1	/* this worker owns the packet's flow */
#define ZDP_HANDOFF_LEARN	0x2	/* neighbour message copy: learn only */

/* Process @n packets received on port index @pidx. Consumes every mbuf:
 * each is transmitted, handed off, queued on a neighbour, or dropped with
 * a counted reason. @handoff: 0 for packets from the NIC queue, else the
 * ZDP_HANDOFF_* flags they came with from another worker's ring. */
void zdp_fastpath_rx(struct zdp_worker *w, const struct zdp_snapshot *s,
		     uint16_t pidx, struct rte_mbuf **pkts, uint16_t n, unsigned handoff);

struct zdp_addr;
struct zdp_backend;
struct zdp_vip;

/* The first-packet decision shared by the NAT fast path and tcp-proxy:
 * lb pick on the 5-tuple (ports in host order), HBONE and loop-guard
 * refusals, Istio L4 authorization for the chosen workload (counted per
 * policy). Returns ZDP_DROP_NONE and *@out, or the refusal's drop reason
 * (the caller counts it and refuses). */
enum zdp_drop_reason zdp_vip_pick(struct zdp_worker *w, const struct zdp_snapshot *s,
				  const struct zdp_vip *vip, const struct zdp_addr *src,
				  const struct zdp_addr *dst, uint16_t sport, uint16_t dport,
				  uint8_t proto, const struct zdp_backend **out);

/* Timers: flow ageing and neighbour retries, bounded work per call. */
void zdp_fastpath_housekeeping(struct zdp_worker *w, const struct zdp_snapshot *s);

/* Send the IP packet in @m (room for the Ethernet header at its start) to
 * its destination @a (@family, network byte order: 4 or 16 bytes), for
 * packets zdp originates (the tcp-proxy's segments). The egress port and
 * next-hop MAC come from the worker's next-hop memo while its epoch holds,
 * as for forwarded flows, else from the route and neighbour tables (and
 * are memoized); no route: dropped (no_route). Consumes @m. */
void zdp_fastpath_send(struct zdp_worker *w, const struct zdp_snapshot *s, uint8_t family,
		       const void *a, struct rte_mbuf *m);

#endif
