/* SPDX-License-Identifier: BSD-3-Clause
 * fault.c — loss, duplication and reordering injected on RX, and loss on
 * TX, for tests.
 *
 * This machine has no qdisc modules (no netem), so tests that must prove
 * behaviour under loss ask zdp itself to misbehave: an ethdev RX callback on
 * every (port, queue) runs on the worker that polls that queue, so its state
 * is per queue and needs no locking. Enabled only by --fault-* options.
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "worker.h"

struct fault_queue {
	struct zdp_fault_params p;
	uint64_t state;			/* xorshift64* */
	struct rte_mbuf *held;		/* packet held back for reordering */
	struct zdp_worker *w;		/* for the drop counter */
} __rte_cache_aligned;

static inline uint32_t
fault_rand_ppm(struct fault_queue *fq)
{
	uint64_t x = fq->state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	fq->state = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32) % 1000000u;
}

static uint16_t
fault_rx_cb(uint16_t port_id, uint16_t queue, struct rte_mbuf *pkts[], uint16_t nb,
	    uint16_t max, void *arg)
{
	struct fault_queue *fq = arg;
	struct rte_mbuf *out[ZDP_BURST * 2];
	uint16_t i, n = 0, cap = RTE_MIN(max, (uint16_t)RTE_DIM(out));

	(void)port_id;
	(void)queue;
	/* Built in a separate array: duplicates and a released held packet
	 * make the output longer than the input read so far, and writing them
	 * in place would overwrite packets not yet looked at. */
	for (i = 0; i < nb; i++) {
		struct rte_mbuf *m = pkts[i];

		if (fq->p.drop_ppm && fault_rand_ppm(fq) < fq->p.drop_ppm) {
			fq->w->ctr->drops[ZDP_DROP_FAULT_INJECT]++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (fq->p.reorder_ppm && fq->held == NULL &&
		    fault_rand_ppm(fq) < fq->p.reorder_ppm) {
			fq->held = m;	/* goes out after the next packet */
			continue;
		}
		out[n++] = m;
		/* Extras only where they leave room for every packet still to
		 * come in this burst (nb <= max, so real packets always fit). */
		if (fq->held && n + (nb - i - 1) < cap) {
			out[n++] = fq->held;
			fq->held = NULL;
		}
		if (fq->p.dup_ppm && n + (nb - i - 1) < cap &&
		    fault_rand_ppm(fq) < fq->p.dup_ppm) {
			struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (c != NULL)
				out[n++] = c;
		}
	}
	/* Nothing else arrived: let a held packet go rather than hold it forever. */
	if (fq->held && nb == 0 && n < cap) {
		out[n++] = fq->held;
		fq->held = NULL;
	}
	memcpy(pkts, out, n * sizeof(out[0]));
	return n;
}

uint16_t
zdp_fault_tx(struct zdp_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct fault_queue *fq = w->fault_tx;
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (fault_rand_ppm(fq) < fq->p.tx_drop_ppm) {
			w->ctr->drops[ZDP_DROP_FAULT_INJECT]++;
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		pkts[k++] = pkts[i];
	}
	return k;
}

int
zdp_fault_install(struct zdp_runtime *rt)
{
	if (rt->fault.tx_drop_ppm)
		for (unsigned q = 0; q < rt->n_workers; q++) {
			struct fault_queue *fq = rte_zmalloc("zdp_fault_tx", sizeof(*fq),
							     RTE_CACHE_LINE_SIZE);
			if (fq == NULL)
				return -ENOMEM;
			fq->p = rt->fault;
			fq->state = rt->fault.seed * 0xD1B54A32D192ED03ULL + q + 1;
			fq->w = rt->workers[q];
			rt->workers[q]->fault_tx = fq;
		}
	if (!rt->fault.drop_ppm && !rt->fault.dup_ppm && !rt->fault.reorder_ppm)
		goto done;
	for (unsigned p = 0; p < rt->n_ports; p++)
		for (unsigned q = 0; q < rt->n_workers; q++) {
			struct fault_queue *fq = rte_zmalloc("zdp_fault", sizeof(*fq),
							     RTE_CACHE_LINE_SIZE);
			if (fq == NULL)
				return -ENOMEM;
			fq->p = rt->fault;
			fq->state = rt->fault.seed * 0x9E3779B97F4A7C15ULL + p * 131 + q + 1;
			fq->w = rt->workers[q];
			if (rte_eth_add_rx_callback(rt->ports[p].port_id, (uint16_t)q,
						    fault_rx_cb, fq) == NULL)
				return -rte_errno;
		}
done:
	RTE_LOG(WARNING, USER1, "fault injection ON: RX drop %u ppm, dup %u ppm, reorder %u "
		"ppm; TX drop %u ppm (test option; never use in production)\n",
		rt->fault.drop_ppm, rt->fault.dup_ppm, rt->fault.reorder_ppm,
		rt->fault.tx_drop_ppm);
	return 0;
}
