/* SPDX-License-Identifier: BSD-3-Clause
 * counters.h — per-core counters, written only by their worker.
 *
 * Each worker owns one struct zdp_core_counters, cache-line aligned, and
 * increments plain uint64_t fields: no atomics on the packet path (DESIGN.md).
 * The mgmt thread sums them when it serves /stats/prometheus. A 64-bit
 * aligned load on x86-64 never tears, so a reader sees each counter either
 * before or after an increment — good enough for monotonic counters.
 *
 * Policy and backend counters are indexed by stable ids that the mgmt-side
 * registries hand out (a policy or backend keeps its id across reloads), so
 * counters survive config changes without any coordination with workers.
 */
#ifndef ZDP_COUNTERS_H
#define ZDP_COUNTERS_H

#include <stdint.h>

#include <rte_common.h>

#include "drop.h"

#define ZDP_MAX_PORTS		8
#define ZDP_MAX_WORKERS		64
#define ZDP_POLICY_STAT_MAX	16384	/* stable policy ids */
#define ZDP_BACKEND_STAT_MAX	16384	/* stable (route, backend) ids */

struct zdp_queue_counters {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_dropped;	/* refused with ZDP_TX_BACKLOG already waiting */
	uint64_t tx_held;	/* refused by the device, kept for a later flush */
	uint64_t tx_gso;	/* TSO packets cut into segments in software */
};

struct zdp_policy_counters {
	uint64_t allow, deny, dry_run_match;
};

struct zdp_core_counters {
	uint64_t drops[ZDP_DROP__COUNT];
	struct zdp_queue_counters q[ZDP_MAX_PORTS];	/* this worker's queue on each port */
	uint64_t flows_created, flows_expired, flows_active;
	uint64_t flows_capacity;	/* this worker's flow table (pools.flowsPerCore) */
	uint64_t flows_udp_created, flows_tcp_created;
	uint64_t nat_port_attempts;
	uint64_t handoff_out, handoff_in;
	uint64_t arp_replies, nd_adverts, icmp_echo_replies;
	uint64_t neigh_requests;
	uint64_t tcp_resets_sent;
	uint64_t icmp_errors_translated;
	uint64_t icmp_too_big_sent, icmp_rate_limited;
	uint64_t proxy_accepted, proxy_connected, proxy_refused, proxy_closed;
	uint64_t proxy_reset, proxy_failed, proxy_idle_timeouts;
	/* Loop accounting: cycles spent in iterations that had work vs polls that found none. */
	uint64_t busy_cycles, idle_cycles, loops, idle_polls;
	uint64_t snapshot_generation;	/* generation this worker last used */
	struct zdp_policy_counters policy[ZDP_POLICY_STAT_MAX];
	uint64_t backend_picks[ZDP_BACKEND_STAT_MAX];
	uint64_t backend_bytes[ZDP_BACKEND_STAT_MAX];
} __rte_cache_aligned;

#endif /* ZDP_COUNTERS_H */
