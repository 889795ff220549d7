/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_cc_newreno.c — Reno window arithmetic (RFC 5681 §3.1) with
 * appropriate byte counting (RFC 3465, L = 2*SMSS). The loss-recovery
 * mechanics (RFC 6582 NewReno partial ACKs, RFC 6675 SACK pipe) live in
 * tcp_input.c; this file only decides cwnd growth and ssthresh.
 */
#include "tcp_priv.h"

static void
newreno_init(struct zdp_tcp_conn *c)
{
	/* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)). */
	c->cwnd = u32_min(10u * c->mss, u32_max(2u * c->mss, 14600u));
	c->ssthresh = UINT32_MAX;	/* RFC 5681 §3.1: arbitrarily high */
	c->bytes_acked = 0;
}

static void
newreno_cong_avoid(struct zdp_tcp_conn *c, uint32_t acked, uint64_t now_us)
{
	if (c->cwnd < c->ssthresh) {
		/* slow start, RFC 5681 eq. (2) with RFC 3465 L = 2*SMSS */
		c->cwnd += RTE_MIN(acked, 2u * c->mss);
		return;
	}
	/* congestion avoidance, RFC 5681 §3.1 byte counting: one SMSS per
	 * cwnd of acknowledged bytes. */
	c->bytes_acked += acked;
	if (c->bytes_acked >= c->cwnd) {
		c->bytes_acked -= c->cwnd;
		c->cwnd += c->mss;
	}
}

static void
newreno_on_loss(struct zdp_tcp_conn *c, uint64_t now_us)
{
	/* RFC 5681 eq. (4): ssthresh = max(FlightSize / 2, 2*SMSS) */
	c->ssthresh = RTE_MAX(tcp_flight(c) / 2, 2u * c->mss);
	c->bytes_acked = 0;
}

static void
newreno_on_recovery_exit(struct zdp_tcp_conn *c, uint64_t now_us)
{
}

const struct zdp_tcp_cc_ops zdp_tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.cong_avoid = newreno_cong_avoid,
	.on_loss = newreno_on_loss,
	.on_rto = newreno_on_loss,
	.on_recovery_exit = newreno_on_recovery_exit,
};
