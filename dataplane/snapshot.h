/* SPDX-License-Identifier: BSD-3-Clause
 * snapshot.h — the immutable, compiled configuration that workers read.
 *
 *   mgmt thread                                   worker k
 *   -----------                                   --------
 *   YAML / xDS -> struct zdp_config
 *   zdp_compile() -> struct zdp_snapshot (new)
 *   zdp_snapshot_publish(): one release store ---> loads the pointer once per
 *                                                  loop, uses it for the whole
 *                                                  burst, then reports quiescent
 *   rte_rcu_qsbr_synchronize(): waits until every worker has passed a
 *   quiescent state after the store, then frees the old snapshot.
 *
 * Nothing in a snapshot changes after publication. A flow created under an
 * old snapshot keeps its backend (the flow record copies the backend address
 * and port), so a reload never moves an existing flow.
 */
#ifndef ZDP_SNAPSHOT_H
#define ZDP_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "zdp_addr.h"
#include "counters.h"

struct rte_hash;
struct zdp_lb_table;
struct zdp_policy_set;
struct zdp_route_table;

#define ZDP_BACKEND_F_HBONE	0x1	/* workload speaks HBONE only */
#define ZDP_BACKEND_F_LOOP	0x2	/* target port is a capture port (loop guard) */

/* One endpoint a VIP can send to: a workload address and its target port. */
struct zdp_backend {
	struct zdp_addr addr;
	uint16_t port;		/* host order */
	uint16_t flags;		/* ZDP_BACKEND_F_* */
	uint32_t workload_idx;	/* index into cfg->workloads, for policy */
	uint32_t stat_id;	/* stable id for per-backend counters */
};

/* Key of the VIP map. Zero the struct before filling it (hashing covers pad). */
struct zdp_vip_key {
	uint8_t addr[16];
	uint16_t port;		/* network order */
	uint8_t proto;
	uint8_t family;
};

#define ZDP_VIP_NAT		0	/* L4 fast path, full NAT */
#define ZDP_VIP_TCP_PROXY	1	/* terminated by the worker's TCP stack */

/* What a VIP:port/proto leads to: a weighted set of backends. */
struct zdp_vip {
	struct zdp_vip_key key;
	const char *name;		/* route or service name (for dumps) */
	uint8_t mode;			/* ZDP_VIP_* */
	uint32_t idle_timeout_s;	/* tcp-proxy: close after this long idle */
	struct zdp_lb_table *lb;	/* lookup returns an index into backends */
	struct zdp_backend *backends;
	uint32_t n_backends;
	uint32_t n_healthy;
};

struct zdp_local_addr {
	struct zdp_prefix pfx;		/* address and its connected prefix */
	uint16_t port_id;
};

struct zdp_snapshot_port {
	bool present;
	struct zdp_addr snat4, snat6;	/* source-NAT address per family (family 0 = none) */
};

struct zdp_snapshot {
	uint64_t generation;
	struct rte_hash *vip_hash;	/* struct zdp_vip_key -> index into vips */
	struct zdp_vip *vips;
	uint32_t n_vips;
	struct zdp_policy_set *policies;
	struct zdp_route_table *routes;
	struct zdp_local_addr *local;	/* gateway's own addresses */
	uint32_t n_local;
	struct zdp_snapshot_port ports[ZDP_MAX_PORTS];
	/* Ageing, in TSC cycles. */
	uint64_t to_tcp_syn, to_tcp_est, to_tcp_closing, to_udp;
	uint16_t nat_port_min, nat_port_max;
	/* Verify TCP/UDP checksums of established NAT flows' packets too
	 * (gateway.verifyForwardedChecksums; fastpath.c fp_l4_csum_bad). */
	bool verify_fwd_l4_csum;
	/* gateway.idleSleepMicros: pause of an idle worker (worker.c). */
	uint32_t idle_sleep_us;
	void *priv;			/* mgmt-side bookkeeping (names, dumps) */
};

/* Find the VIP entry for dst:port/proto, or NULL. Worker side, lock-free. */
const struct zdp_vip *zdp_snapshot_vip_lookup(const struct zdp_snapshot *s,
					      const struct zdp_addr *dst,
					      uint16_t be_port, uint8_t proto);

/* True when @dst is a VIP address (any port). */
bool zdp_snapshot_is_vip_addr(const struct zdp_snapshot *s, const struct zdp_addr *dst);

/* Index into s->local of the gateway address equal to @a, or -1. */
int zdp_snapshot_local_lookup(const struct zdp_snapshot *s, const struct zdp_addr *a);

#endif /* ZDP_SNAPSHOT_H */
