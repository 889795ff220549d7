/* SPDX-License-Identifier: BSD-3-Clause
 * worker.h — the runtime shared read-only by workers, and each worker's
 * private context.
 *
 * struct zdp_runtime is written by mgmt before workers launch; afterwards
 * workers only read it, except `snap`, which mgmt replaces under RCU, and
 * `stop`, which mgmt sets once at shutdown. Everything in struct zdp_worker
 * belongs to exactly one worker lcore.
 */
#ifndef ZDP_WORKER_H
#define ZDP_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "counters.h"
#include "port.h"
#include "snapshot.h"

#define ZDP_BURST	64
#define ZDP_RETA_SIZE	128	/* software default when no NIC RETA */
#define ZDP_HANDOFF_RING_SIZE	1024
/* Flow expiry, neighbour timers and the next-hop epoch run this often;
 * they need no more (expiry sweeps the whole table about every 2 s). */
#define ZDP_HOUSEKEEPING_HZ	1000
/* Timer-only polls of a worker's TCP stack (its timers are >= 1 ms). */
#define ZDP_TCP_POLL_HZ		20000
/* gateway.idleSleepMicros: empty loops in a row before a worker sleeps
 * (~1 ms of idle polling on a virtual device), so the gaps inside a burst
 * of work never put it to sleep. */
#define ZDP_IDLE_LOOPS_BEFORE_SLEEP 1024u
/* The first pause; each further one in a row doubles, up to the setting. */
#define ZDP_IDLE_SLEEP_MIN_US	10u

struct rte_rcu_qsbr;
struct rte_ring;
struct zdp_flow_table;
struct zdp_neigh_table;
struct zdp_proxy;
struct zdp_tcp_stack;

/* Test-only fault injection on RX (see fault.c); all zero in production. */
struct zdp_fault_params {
	unsigned drop_ppm;	/* drop this many packets per million (RX) */
	unsigned tx_drop_ppm;	/* drop this many per million before TX */
	unsigned dup_ppm;	/* duplicate */
	unsigned reorder_ppm;	/* hold back one packet behind its successor */
	uint64_t seed;
};

struct zdp_worker_params {
	unsigned flows;		/* flow table capacity */
	unsigned neigh_entries;
	unsigned tcp_conns;		/* TCP stack pool per worker (tcp-proxy) */
	uint16_t eph_port_min, eph_port_max;	/* the stack's ephemeral ports */
	/* TSO packets from the stack: 0 = when every port segments, 1 = also
	 * cut by the worker for ports that cannot (gso.h), 2 = never
	 * (gateway.tcpSegmentation) */
	uint8_t tcp_seg;
};

/* Packets a port's TX buffer holds, in order, while the device's queue is
 * full: a TCP window's worth of segments the stack sends at once, or a
 * short stall of the device, waits instead of being dropped (which would
 * cost the TCP connections an RTO each). Past that, new packets are dropped
 * (TX_FULL), like a full qdisc. */
#define ZDP_TX_BACKLOG	512	/* a power of two */

/* A ring: packets pkts[(head + i) % ZDP_TX_BACKLOG], i < n, oldest first. */
struct zdp_txbuf {
	uint16_t head;
	uint16_t n;		/* packets queued */
	uint16_t fresh;		/* of which: queued since the last flush */
	struct rte_mbuf *pkts[ZDP_TX_BACKLOG];
};

struct zdp_runtime {
	struct zdp_port ports[ZDP_MAX_PORTS];
	unsigned n_ports;
	unsigned n_workers;
	struct zdp_worker *workers[ZDP_MAX_WORKERS];
	struct rte_rcu_qsbr *qsbr;
	struct zdp_snapshot *snap;	/* RCU-protected; load with __ATOMIC_ACQUIRE */
	volatile bool stop;
	uint64_t tsc_hz;
	/* Owner of a flow: (symmetric hash & reta_mask) % n_workers, the same
	 * queue a NIC's RETA (programmed as entry j -> j % n) picks. */
	uint32_t reta_mask;
	bool handoff;			/* software hand-off between workers in use */
	/* handoff_ring[dst][src]: single producer (src), single consumer (dst). */
	struct rte_ring *handoff_ring[ZDP_MAX_WORKERS][ZDP_MAX_WORKERS];
	struct zdp_worker_params wp;
	struct zdp_fault_params fault;
	volatile bool workers_ready;	/* every worker finished its init */
};

struct fault_queue;

struct zdp_worker {
	unsigned idx;			/* 0..n_workers-1; also its queue id */
	unsigned lcore;
	int socket;
	struct zdp_runtime *rt;
	struct zdp_core_counters *ctr;
	struct zdp_flow_table *flows;
	struct zdp_neigh_table *neigh;
	struct zdp_tcp_stack *tcp;	/* this worker's TCP stack (tcp-proxy) */
	struct zdp_proxy *proxy;
	bool tcp_input;			/* the stack got segments this loop */
	uint64_t next_tcp_poll;		/* TSC of the next timer-only poll */
	uint64_t now;			/* TSC at the top of this loop iteration */
	uint64_t next_housekeeping;
	uint32_t rng;			/* xorshift state for NAT port probing */
	int init_rc;			/* result of the worker's own init */
	uint32_t nh_epoch;		/* next-hop cache epoch (fastpath.c) */
	uint64_t nh_gen, nh_neigh_version, nh_tick;	/* what the epoch reflects */
	struct zdp_nh_memo *nh_memo;	/* next hops resolved in this epoch (fastpath.c) */
	uint64_t icmp_tokens_at;	/* TSC of the last ICMP error token refill */
	uint32_t icmp_tokens;		/* ICMP errors we may still send */
	struct zdp_txbuf tx[ZDP_MAX_PORTS];
	struct fault_queue *fault_tx;	/* --fault-tx-drop (tests), else NULL */
} __rte_cache_aligned;

/* Allocate worker @idx's private state on @socket. Returns NULL on ENOMEM. */
struct zdp_worker *zdp_worker_create(struct zdp_runtime *rt, unsigned idx,
				     unsigned lcore, int socket);
void zdp_worker_destroy(struct zdp_worker *w);
/* lcore entry point (rte_eal_remote_launch); arg is struct zdp_worker *. */
int zdp_worker_main(void *arg);

/* TX loss: drops (frees, counts) some of @pkts; returns how many are left,
 * compacted at the front. Worker lcore only. */
uint16_t zdp_fault_tx(struct zdp_worker *w, struct rte_mbuf **pkts, uint16_t n);

/* Send what port @pidx's TX buffer holds, oldest first; what the device
 * refuses stays for the next flush (counted in tx_held). */
void zdp_worker_tx_flush(struct zdp_worker *w, unsigned pidx);

/* Free what the TX buffers still hold (shutdown), counted as TX_FULL. */
void zdp_worker_tx_discard(struct zdp_worker *w);

/* zdp_worker_tx() for a TSO packet on a port that cannot segment: cut it
 * into its segments (gso.h) and queue those. */
void zdp_worker_tx_gso(struct zdp_worker *w, unsigned pidx, struct rte_mbuf *m);

/* Queue @m for transmission on port index @pidx; flushes once a burst of
 * new packets is queued. With ZDP_TX_BACKLOG packets already waiting for a
 * full device, @m is dropped (TX_FULL). */
static inline void
zdp_worker_tx(struct zdp_worker *w, unsigned pidx, struct rte_mbuf *m)
{
	struct zdp_txbuf *tb = &w->tx[pidx];

	/* a TSO packet for a port that cannot segment: cut it here (gso.h) */
	if (unlikely(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && !w->rt->ports[pidx].tx_tso) {
		zdp_worker_tx_gso(w, pidx, m);
		return;
	}

	if (unlikely(tb->n == ZDP_TX_BACKLOG)) {
		w->ctr->drops[ZDP_DROP_TX_FULL]++;
		w->ctr->q[pidx].tx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	if (unlikely(w->fault_tx != NULL) && zdp_fault_tx(w, &m, 1) == 0)
		return;
	tb->pkts[(tb->head + tb->n++) & (ZDP_TX_BACKLOG - 1)] = m;
	if (unlikely(++tb->fresh >= ZDP_BURST))
		zdp_worker_tx_flush(w, pidx);
}

static inline void
zdp_worker_drop(struct zdp_worker *w, struct rte_mbuf *m, enum zdp_drop_reason r)
{
	w->ctr->drops[r]++;
	rte_pktmbuf_free(m);
}

/* Owner worker of a flow given the symmetric hash of its 5-tuple. */
static inline unsigned
zdp_runtime_owner(const struct zdp_runtime *rt, uint32_t symhash)
{
	return (symhash & rt->reta_mask) % rt->n_workers;
}

/* Installs the RX fault-injection callbacks on every port queue and the
 * workers' TX loss (tests). */
int zdp_fault_install(struct zdp_runtime *rt);

#endif /* ZDP_WORKER_H */
