/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_cc_cubic.c — CUBIC (RFC 9438). Windows are kept in segments as
 * doubles inside the algorithm and converted to bytes for the connection.
 *
 *   W_cubic(t) = C * (t - K)^3 + W_max                      (§4.2 eq. 1)
 *   K = cbrt((W_max - cwnd_epoch) / C)                      (§4.2 eq. 2)
 *   W_est += alpha * segments_acked / cwnd                  (§4.3 eq. 4)
 *   alpha = 3 * (1 - beta) / (1 + beta)                      (§4.3)
 */
#include <math.h>

#include "tcp_priv.h"

#define CUBIC_C 0.4
#define CUBIC_BETA 0.7

static void
cubic_init(struct zdp_tcp_conn *c)
{
	c->cwnd = u32_min(10u * c->mss, u32_max(2u * c->mss, 14600u));
	c->ssthresh = UINT32_MAX;
	c->bytes_acked = 0;
	c->cc.cubic.w_max = 0;
	c->cc.cubic.w_est = 0;
	c->cc.cubic.k = 0;
	c->cc.cubic.t_epoch_us = 0;
	c->cc.cubic.cwnd_frac = 0;
}

static void
cubic_cong_avoid(struct zdp_tcp_conn *c, uint32_t acked, uint64_t now_us)
{
	struct zdp_tcp_cubic *cu = &c->cc.cubic;
	double mss = c->mss, cwnd, t, rtt, target, w_cubic, segs, alpha;

	if (c->cwnd < c->ssthresh) {
		/* §4.10: slow start as in RFC 5681 (with RFC 3465 L = 2) */
		c->cwnd += RTE_MIN(acked, 2u * c->mss);
		return;
	}
	cwnd = c->cwnd / mss;
	segs = acked / mss;
	if (cu->t_epoch_us == 0) {
		/* §4.2: a new congestion-avoidance epoch starts */
		cu->t_epoch_us = now_us ? now_us : 1;
		if (cwnd < cu->w_max) {
			cu->k = cbrt((cu->w_max - cwnd) / CUBIC_C);
		} else {
			cu->k = 0;
			cu->w_max = cwnd;
		}
		cu->w_est = cwnd;
		cu->cwnd_frac = 0;
	}
	t = (double)(now_us - cu->t_epoch_us) / 1e6;
	rtt = c->srtt_us ? c->srtt_us / 1e6 : 0.1;

	/* §4.3: Reno-friendly region. alpha becomes 1 once W_est passes
	 * W_max (the Reno estimate has recovered the old window). */
	alpha = cu->w_est >= cu->w_max ? 1.0 : 3.0 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);
	cu->w_est += alpha * segs / cwnd;

	w_cubic = CUBIC_C * pow(t - cu->k, 3) + cu->w_max;
	if (w_cubic < cu->w_est) {
		/* §4.3: cwnd = W_est */
		if (cu->w_est > cwnd)
			c->cwnd = (uint32_t)(cu->w_est * mss);
		return;
	}
	/* §4.4/§4.5: target = W_cubic(t + RTT), clamped to [cwnd, 1.5 cwnd];
	 * cwnd grows by (target - cwnd) / cwnd per acknowledged segment. */
	target = CUBIC_C * pow(t + rtt - cu->k, 3) + cu->w_max;
	if (target < cwnd)
		target = cwnd;
	if (target > 1.5 * cwnd)
		target = 1.5 * cwnd;
	cu->cwnd_frac += (target - cwnd) / cwnd * segs;
	if (cu->cwnd_frac >= 1.0 / mss) {
		uint32_t add = (uint32_t)(cu->cwnd_frac * mss);

		c->cwnd += add;
		cu->cwnd_frac -= add / mss;
	}
}

static void
cubic_on_loss(struct zdp_tcp_conn *c, uint64_t now_us)
{
	struct zdp_tcp_cubic *cu = &c->cc.cubic;
	double mss = c->mss, cwnd = c->cwnd / mss, ss;

	/* §4.7 fast convergence: release bandwidth to newer flows. */
	if (cwnd < cu->w_max)
		cu->w_max = cwnd * (1 + CUBIC_BETA) / 2;
	else
		cu->w_max = cwnd;
	/* §4.6: ssthresh = cwnd * beta, at least 2 segments (RFC 5681). */
	ss = cwnd * CUBIC_BETA;
	if (ss < 2)
		ss = 2;
	c->ssthresh = (uint32_t)(ss * mss);
	cu->t_epoch_us = 0;
	c->bytes_acked = 0;
}

static void
cubic_on_rto(struct zdp_tcp_conn *c, uint64_t now_us)
{
	/* §4.8: on an RTO reduce as for a loss; the caller collapses cwnd to
	 * the loss window and slow start follows. */
	cubic_on_loss(c, now_us);
}

static void
cubic_on_recovery_exit(struct zdp_tcp_conn *c, uint64_t now_us)
{
	c->cc.cubic.t_epoch_us = 0;
}

const struct zdp_tcp_cc_ops zdp_tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.cong_avoid = cubic_cong_avoid,
	.on_loss = cubic_on_loss,
	.on_rto = cubic_on_rto,
	.on_recovery_exit = cubic_on_recovery_exit,
};
