/* SPDX-License-Identifier: BSD-3-Clause
 * worker.c — the burst loop of a worker lcore (DESIGN.md "Threads").
 *
 *   for (;;) {
 *     now  = rdtsc
 *     snap = load-acquire(rt->snap)        one snapshot for the whole loop
 *     for each port: rx_burst(queue = my index) -> fastpath
 *     hand-off rings from other workers   -> fastpath
 *     housekeeping (flow ageing, neighbour timers), bounded
 *     flush TX buffers
 *     rcu quiescent                        after this, snap may be freed
 *     idle 1024 loops in a row and gateway.idleSleepMicros: sleep
 *   }
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "fastpath.h"
#include "gso.h"
#include "proxy.h"
#include "worker.h"

struct zdp_worker *
zdp_worker_create(struct zdp_runtime *rt, unsigned idx, unsigned lcore, int socket)
{
	struct zdp_worker *w;

	w = rte_zmalloc_socket("zdp_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		return NULL;
	w->ctr = rte_zmalloc_socket("zdp_counters", sizeof(*w->ctr), RTE_CACHE_LINE_SIZE,
				    socket);
	if (w->ctr == NULL) {
		rte_free(w);
		return NULL;
	}
	w->idx = idx;
	w->lcore = lcore;
	w->socket = socket;
	w->rt = rt;
	w->rng = 0x9e3779b9u ^ (idx * 0x85ebca6bu) ^ (uint32_t)rte_rdtsc();
	if (w->rng == 0)
		w->rng = 1;
	return w;
}

void
zdp_worker_destroy(struct zdp_worker *w)
{
	if (w == NULL)
		return;
	zdp_fastpath_worker_fini(w);
	rte_free(w->ctr);
	rte_free(w);
}

void
zdp_worker_tx_gso(struct zdp_worker *w, unsigned pidx, struct rte_mbuf *m)
{
	struct rte_mbuf *seg[ZDP_GSO_MAX_SEGS];
	const struct zdp_port *p = &w->rt->ports[pidx];
	int n = zdp_gso_segment(m, m->pool, seg, RTE_DIM(seg),
				!(p->tx_l4_cksum && p->tx_ip_cksum));

	if (n < 0) {
		w->ctr->drops[n == -ENOMEM ? ZDP_DROP_NO_MBUF : ZDP_DROP_GSO]++;
		return;
	}
	w->ctr->q[pidx].tx_gso++;
	for (int i = 0; i < n; i++)
		zdp_worker_tx(w, pidx, seg[i]);
}

void
zdp_worker_tx_flush(struct zdp_worker *w, unsigned pidx)
{
	struct zdp_txbuf *tb = &w->tx[pidx];
	const struct zdp_port *port = &w->rt->ports[pidx];
	uint64_t bytes = 0;
	uint16_t sent = 0;

	if (tb->n == 0)
		return;
	tb->fresh = 0;
	/* at most two runs: up to the end of the array, then from its start */
	while (sent < tb->n) {
		uint16_t at = (uint16_t)((tb->head + sent) & (ZDP_TX_BACKLOG - 1));
		uint16_t run = (uint16_t)RTE_MIN(tb->n - sent, ZDP_TX_BACKLOG - at);
		uint16_t k = rte_eth_tx_burst(port->port_id, (uint16_t)w->idx, tb->pkts + at, run);

		for (uint16_t i = 0; i < k; i++)
			bytes += tb->pkts[at + i]->pkt_len;
		sent = (uint16_t)(sent + k);
		if (k < run)
			break;
	}
	w->ctr->q[pidx].tx_packets += sent;
	w->ctr->q[pidx].tx_bytes += bytes;
	tb->head = (uint16_t)((tb->head + sent) & (ZDP_TX_BACKLOG - 1));
	tb->n = (uint16_t)(tb->n - sent);
	/* The device is full: the rest stays, in order, for the next flush. */
	w->ctr->q[pidx].tx_held += tb->n;
}

void
zdp_worker_tx_discard(struct zdp_worker *w)
{
	for (unsigned p = 0; p < w->rt->n_ports; p++) {
		struct zdp_txbuf *tb = &w->tx[p];

		for (uint16_t i = 0; i < tb->n; i++)
			rte_pktmbuf_free(tb->pkts[(tb->head + i) & (ZDP_TX_BACKLOG - 1)]);
		w->ctr->drops[ZDP_DROP_TX_FULL] += tb->n;
		w->ctr->q[p].tx_dropped += tb->n;
		tb->head = tb->n = tb->fresh = 0;
	}
}

/* Drain what other workers handed to us. Each mbuf carries its RX port index
 * in m->port (the ethdev port id), mapped back to a port index here. */
static unsigned
worker_handoff_poll(struct zdp_worker *w, const struct zdp_snapshot *s)
{
	struct zdp_runtime *rt = w->rt;
	struct rte_mbuf *pkts[ZDP_BURST];
	unsigned total = 0;

	for (unsigned src = 0; src < rt->n_workers; src++) {
		struct rte_ring *r = rt->handoff_ring[w->idx][src];
		unsigned n, i, j;

		if (r == NULL)
			continue;
		n = rte_ring_sc_dequeue_burst(r, (void **)pkts, ZDP_BURST, NULL);
		if (n == 0)
			continue;
		w->ctr->handoff_in += n;
		total += n;
		/* Group consecutive packets with the same port and flags. */
		for (i = 0; i < n; i = j) {
			uint32_t tag = pkts[i]->hash.usr;
			for (j = i + 1; j < n && pkts[j]->hash.usr == tag; j++)
				;
			zdp_fastpath_rx(w, s, (uint16_t)(tag >> 16), &pkts[i],
					(uint16_t)(j - i), tag & 0xffff);
		}
	}
	return total;
}

int
zdp_worker_main(void *arg)
{
	struct zdp_worker *w = arg;
	struct zdp_runtime *rt = w->rt;
	struct rte_mbuf *pkts[ZDP_BURST];
	uint64_t t_prev;
	unsigned idle_streak;
	uint32_t sleep_us = ZDP_IDLE_SLEEP_MIN_US;

	w->init_rc = zdp_fastpath_worker_init(w);
	if (w->init_rc < 0) {
		RTE_LOG(ERR, USER1, "worker %u: cannot allocate its tables: %s\n", w->idx,
			strerror(-w->init_rc));
		return w->init_rc;
	}
	rte_rcu_qsbr_thread_register(rt->qsbr, w->idx);
	rte_rcu_qsbr_thread_online(rt->qsbr, w->idx);

	idle_streak = 0;
	t_prev = rte_rdtsc();
	while (!rt->stop) {
		const struct zdp_snapshot *s;
		unsigned work = 0;
		uint32_t idle_sleep_us;
		uint64_t t_now;

		w->now = t_prev;
		s = __atomic_load_n(&rt->snap, __ATOMIC_ACQUIRE);
		for (unsigned p = 0; p < rt->n_ports; p++) {
			uint16_t n = rte_eth_rx_burst(rt->ports[p].port_id, (uint16_t)w->idx,
						      pkts, ZDP_BURST);
			if (n == 0)
				continue;
			work += n;
			zdp_fastpath_rx(w, s, (uint16_t)p, pkts, n, 0);
		}
		if (rt->handoff)
			work += worker_handoff_poll(w, s);
		/* The TCP stack needs its poll after it got segments (to flush
		 * what they triggered) and for its timers, whose granularity is
		 * far coarser than a loop: skip it otherwise, it is not free. */
		if (w->tcp != NULL && (w->tcp_input || w->now >= w->next_tcp_poll)) {
			zdp_proxy_poll(w, s);
			w->tcp_input = false;
			w->next_tcp_poll = w->now + rt->tsc_hz / ZDP_TCP_POLL_HZ;
		}
		if (w->now >= w->next_housekeeping) {
			zdp_fastpath_housekeeping(w, s);
			w->next_housekeeping = w->now + rt->tsc_hz / ZDP_HOUSEKEEPING_HZ;
		}
		for (unsigned p = 0; p < rt->n_ports; p++)
			zdp_worker_tx_flush(w, p);
		w->ctr->snapshot_generation = s ? s->generation : 0;
		idle_sleep_us = s ? s->idle_sleep_us : 0;
		/* Past this point we hold no reference into s. */
		rte_rcu_qsbr_quiescent(rt->qsbr, w->idx);
		/* gateway.idleSleepMicros: a worker sharing its core (tests,
		 * small VMs) starts to pause after ZDP_IDLE_LOOPS_BEFORE_SLEEP
		 * empty loops in a row, so idle pollers leave the core to
		 * whoever has work; counted as idle. The pause doubles from
		 * ZDP_IDLE_SLEEP_MIN_US up to idleSleepMicros while nothing
		 * comes: a worker between two bursts wakes soon, one idle for
		 * long costs ~1/idleSleepMicros polls per microsecond. */
		if (work) {
			idle_streak = 0;
			sleep_us = ZDP_IDLE_SLEEP_MIN_US;
		} else if (unlikely(idle_sleep_us != 0) &&
			   ++idle_streak >= ZDP_IDLE_LOOPS_BEFORE_SLEEP) {
			rte_delay_us_sleep(RTE_MIN(sleep_us, idle_sleep_us));
			if (sleep_us < idle_sleep_us)
				sleep_us *= 2;
		}

		t_now = rte_rdtsc();
		w->ctr->loops++;
		if (work) {
			w->ctr->busy_cycles += t_now - t_prev;
		} else {
			w->ctr->idle_cycles += t_now - t_prev;
			w->ctr->idle_polls++;
		}
		t_prev = t_now;
	}

	for (unsigned p = 0; p < rt->n_ports; p++)
		zdp_worker_tx_flush(w, p);
	zdp_worker_tx_discard(w);
	rte_rcu_qsbr_thread_offline(rt->qsbr, w->idx);
	rte_rcu_qsbr_thread_unregister(rt->qsbr, w->idx);
	return 0;
}
