/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_input.c — segment arrival, in the order of RFC 9293 §3.10.7:
 * header validation, demultiplexing, then per state
 *   §3.10.7.1 CLOSED, §3.10.7.2 LISTEN, §3.10.7.3 SYN-SENT,
 *   §3.10.7.4 other states: (1) sequence number [+ RFC 7323 PAWS],
 *   (2) RST [RFC 5961 §3], (4) SYN [RFC 5961 §4], (5) ACK [RFC 5961 §5,
 *   RFC 5681/6582/6675 loss recovery], (7) segment text, (8) FIN.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "tcp_priv.h"

static inline uint64_t
tsc_to_us(const struct zdp_tcp_stack *stk, uint64_t now)
{
	return (uint64_t)(((unsigned __int128)now * stk->tsc_mult) >> 32);
}

void
zdp_tcp_set_now(struct zdp_tcp_stack *stk, uint64_t now)
{
	uint64_t us = tsc_to_us(stk, now);

	if (us > stk->now_us)
		stk->now_us = us;
}

/* Parse a TCP header at @p (@avail bytes readable, >= the header length).
 * Returns 0 or -EINVAL (data offset or option lengths impossible). */
int
zdp_tcp_parse(const uint8_t *p, uint32_t avail, struct zdp_tcp_seg *s)
{
	const uint8_t *o, *end;

	memset(s, 0, sizeof(*s));
	if (avail < 20)
		return -EINVAL;
	s->sport = (uint16_t)(p[0] << 8 | p[1]);
	s->dport = (uint16_t)(p[2] << 8 | p[3]);
	s->seq = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	s->ack = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	s->hlen = (uint8_t)((p[12] >> 4) * 4);
	s->flags = p[13];
	s->wnd = (uint32_t)(p[14] << 8 | p[15]);
	if (s->hlen < 20 || s->hlen > avail)
		return -EINVAL;
	o = p + 20;
	end = p + s->hlen;
	while (o < end) {
		uint8_t kind = *o, len;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			o++;
			continue;
		}
		if (end - o < 2)
			return -EINVAL;
		len = o[1];
		if (len < 2 || len > end - o)
			return -EINVAL;
		switch (kind) {
		case TCPOPT_MSS:
			if (len == 4 && (s->flags & TH_SYN)) {
				s->has_mss = true;
				s->mss = (uint16_t)(o[2] << 8 | o[3]);
			}
			break;
		case TCPOPT_WS:
			if (len == 3 && (s->flags & TH_SYN)) {
				s->has_ws = true;
				s->ws = o[2];
			}
			break;
		case TCPOPT_SACK_PERM:
			if (len == 2 && (s->flags & TH_SYN))
				s->sack_perm = true;
			break;
		case TCPOPT_TS:
			if (len == 10) {
				s->has_ts = true;
				s->tsval = (uint32_t)o[2] << 24 | (uint32_t)o[3] << 16 |
					   (uint32_t)o[4] << 8 | o[5];
				s->tsecr = (uint32_t)o[6] << 24 | (uint32_t)o[7] << 16 |
					   (uint32_t)o[8] << 8 | o[9];
			}
			break;
		case TCPOPT_SACK:
			if (len >= 10 && (len - 2) % 8 == 0) {
				unsigned n = (len - 2) / 8;

				for (unsigned i = 0; i < n && i < 4; i++) {
					const uint8_t *b = o + 2 + 8 * i;

					s->sack[i][0] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
							(uint32_t)b[2] << 8 | b[3];
					s->sack[i][1] = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
							(uint32_t)b[6] << 8 | b[7];
				}
				s->n_sack = (uint8_t)RTE_MIN(n, 4u);
			}
			break;
		default:
			break;
		}
		o += len;
	}
	return 0;
}

/* ---- helpers ---- */

static void
set_mss(struct zdp_tcp_conn *c)
{
	uint16_t m = RTE_MIN(c->peer_mss, c->adv_mss);	/* adv_mss: our path MTU */

	if (c->flags & F_TS)
		m -= 12;	/* RFC 6691: MSS excludes options; we carry TS */
	c->mss = RTE_MAX(m, (uint16_t)64);
}

/* Record what the peer's SYN offered (RFC 7323 §2.2, §3.2; RFC 2018 §2;
 * RFC 9293 §3.7.1). Options we did not offer ourselves stay off. */
static void
negotiate(struct zdp_tcp_conn *c, const struct zdp_tcp_seg *s)
{
	const struct zdp_tcp_stack_params *p = &c->stk->p;

	if (s->has_ws && !p->no_wscale) {
		c->flags |= F_WS;
		c->snd_wscale = RTE_MIN(s->ws, (uint8_t)ZDP_TCP_MAX_WSCALE);
	} else {
		c->flags &= ~F_WS;
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	if (s->has_ts && !p->no_timestamps) {
		c->flags |= F_TS;
		c->ts_recent = s->tsval;
		c->ts_recent_ms = tcp_now_ms(c->stk);
	} else {
		c->flags &= ~F_TS;
	}
	if (s->sack_perm && !p->no_sack)
		c->flags |= F_SACK;
	else
		c->flags &= ~F_SACK;
	c->peer_mss = s->has_mss ? s->mss :
		(c->laddr.family == ZDP_AF_INET6 ? 1220 : 536);
	set_mss(c);
}

static bool
app_alive(const struct zdp_tcp_conn *c)
{
	return (c->flags & F_APP_HELD) && !(c->flags & F_CLOSED_BY_APP);
}

/* Passive connection completed (3WHS or valid cookie): hand it to the
 * application. Returns false when it refused (conn reset and gone). */
static bool
accept_conn(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;
	struct zdp_tcp_listener *l = c->lst;
	void *u = NULL;

	if (l && !(c->flags & F_COOKIE) && l->n_halfopen)
		l->n_halfopen--;
	c->lst = NULL;
	zdp_tcp_conn_established(c);
	CTR_INC(stk, CONN_OPEN_PASSIVE);
	if (stk->p.cb.on_accept && l)
		u = stk->p.cb.on_accept(c, l->user);
	if (!u) {
		zdp_tcp_send_rst_conn(c);
		zdp_tcp_conn_terminate(c);
		return false;
	}
	c->user = u;
	c->flags |= F_APP_HELD;
	return true;
}

static void
deliver(struct zdp_tcp_conn *c, struct rte_mbuf *m, uint32_t len)
{
	struct zdp_tcp_stack *stk = c->stk;

	CTR_ADD(stk, BYTES_IN, len);
	c->bytes_in += len;
	if (app_alive(c) && stk->p.cb.on_readable) {
		c->rcv_held += len;
		stk->p.cb.on_readable(c, c->user, m, len);
	} else {
		rte_pktmbuf_free(m);
	}
}

static void
rst_for_conn_seg(struct zdp_tcp_conn *c, const struct zdp_tcp_seg *s)
{
	struct zdp_tcp_l3 l3 = { .src = c->raddr, .dst = c->laddr };

	zdp_tcp_send_rst_reply(c->stk, &l3, s);
}

/* ---- §3.10.7.3 SYN-SENT ---- */
static int
synsent_input(struct zdp_tcp_conn *c, const struct zdp_tcp_seg *s)
{
	struct zdp_tcp_stack *stk = c->stk;

	/* first: check the ACK */
	if ((s->flags & TH_ACK) &&
	    (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_max))) {
		rst_for_conn_seg(c, s);		/* unless RST (checked inside) */
		CTR_INC(stk, DROP_ACK);
		return -EPROTO;
	}
	/* second: RST — acceptable only if it ACKs our SYN (RFC 5961 §3.2) */
	if (s->flags & TH_RST) {
		if (!(s->flags & TH_ACK)) {
			CTR_INC(stk, DROP_RST);
			return -EPROTO;
		}
		CTR_INC(stk, CONN_RESET_RX);
		zdp_tcp_conn_error(c, -ECONNREFUSED);
		return 0;
	}
	/* fourth: SYN */
	if (!(s->flags & TH_SYN)) {
		CTR_INC(stk, DROP_STATE);
		return -EPROTO;
	}
	negotiate(c, s);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt + RTE_MIN(stk->p.rcv_buf, 65535u);
	c->last_ack_sent = c->rcv_nxt;
	/* RFC 7323 §2.2: the window of a SYN is never scaled */
	c->snd_wnd = s->wnd;
	c->max_snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (s->flags & TH_ACK) {
		c->snd_una = s->ack;
		if (c->rtt_start_us && !(c->flags & F_SYN_RTX))
			zdp_tcp_rtt_sample(c, (uint32_t)(stk->now_us - c->rtt_start_us));
		c->rtt_start_us = 0;
		c->retries = 0;
		zdp_tcp_timer_cancel(c, ZDP_TCP_T_RTX);
		zdp_tcp_conn_established(c);
		CTR_INC(stk, CONN_OPEN_ACTIVE);
		c->flags |= F_ACK_NOW;
		zdp_tcp_conn_pending(c);
		if (app_alive(c) && stk->p.cb.on_connected)
			stk->p.cb.on_connected(c, c->user);
		return 0;
	}
	/* simultaneous open (RFC 9293 Figure 8): answer SYN,ACK */
	zdp_tcp_conn_set_state(c, ZDP_TCP_SYN_RECEIVED);
	c->flags |= F_ACK_NOW;
	zdp_tcp_conn_pending(c);
	return 0;
}

/* RFC 2883 §4: the next ACK reports the duplicate [@seq, @seq + @len) in
 * its first SACK block (D-SACK), once. Only data counts (not a FIN or a
 * keepalive's empty segment), and only with SACK negotiated; the newest
 * duplicate replaces one not reported yet. A duplicate longer than 64 KiB
 * is reported by its first 65,535 bytes, which is still true. Duplicates
 * of part of the held out-of-order data are not reported. */
static void
dsack_note(struct zdp_tcp_conn *c, uint32_t seq, uint32_t len)
{
	if (!(c->flags & F_SACK) || len == 0)
		return;
	c->dsack_seq = seq;
	c->dsack_len = (uint16_t)RTE_MIN(len, 65535u);
}

/* ---- §3.10.7.4 fifth, ACK processing ---- */

static void
enter_recovery(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;
	uint32_t data_end = c->snd_una + c->snd_queued;
	uint32_t len = SEQ_LT(c->snd_una, data_end) ?
		RTE_MIN((uint32_t)c->mss, data_end - c->snd_una) : 1;

	c->flags |= F_IN_RECOVERY;
	c->flags &= ~F_RTO_RECOVERY;
	c->prior_cwnd = c->cwnd;
	stk->cc->on_loss(c, stk->now_us);
	c->recover = c->snd_max;
	CTR_INC(stk, FAST_RETRANS);
	if (c->flags & F_SACK) {
		/* RFC 6675 §5 step 4: cwnd = ssthresh, retransmit HighACK+1 */
		CTR_INC(stk, SACK_RECOVERIES);
		c->n_sack_rec++;
		c->cwnd = c->ssthresh;
		c->sb.high_rxt = c->snd_una;
		c->sb.rescue_set = false;	/* one rescue per entry (§4 rule 4) */
		if (zdp_tcp_retransmit_seg(c, c->snd_una, len) == 0)
			c->sb.high_rxt = c->snd_una + len;
	} else {
		/* RFC 6582 §3.2 step 3 / RFC 5681 §3.2 steps 2-3 */
		CTR_INC(stk, NEWRENO_RECOVERIES);
		zdp_tcp_retransmit_seg(c, c->snd_una, len);
		c->cwnd = c->ssthresh + ZDP_TCP_DUPTHRESH * c->mss;
	}
}

/* RFC 8985 §6.2 RACK_detect_loss() after an ACK (or §6.3 when the
 * reordering timer fires): segments it marks lost are retransmitted by
 * the RFC 6675 loop; marking any outside recovery starts fast recovery
 * (§6.2: "enter fast recovery if not already in it"), with the same guard
 * as the duplicate-ACK path (RFC 6582 §3.2 step 2: not for data sent
 * before the last recovery or RTO). When some segment will be lost once
 * its reordering window passes, the RTX timer becomes the reordering
 * timer until then; the RTO (or a probe) is re-armed when it fires. */
void
zdp_tcp_rack_process(struct zdp_tcp_conn *c)
{
	unsigned n;
	uint32_t timeout;

	if (!(c->flags & F_SACK) || (c->flags & F_PERSIST) ||
	    (!c->sb.n && !(c->flags & F_IN_RECOVERY)))
		return;
	timeout = zdp_tcp_rack_detect_loss(c, &n);
	if (n) {
		if (!(c->flags & F_IN_RECOVERY) && SEQ_GEQ(c->snd_una, c->recover) &&
		    !(c->flags & F_RTO_RECOVERY))
			enter_recovery(c);
		zdp_tcp_conn_pending(c);
	}
	if (timeout && c->snd_una != c->snd_max && timeout < zdp_tcp_rto_current(c)) {
		c->flags = (c->flags & ~F_TLP) | F_REO;
		zdp_tcp_timer_arm(c->stk, c, ZDP_TCP_T_RTX, timeout);
	}
}

/* Returns false when the connection is gone (LAST-ACK completed). */
static bool
new_ack(struct zdp_tcp_conn *c, const struct zdp_tcp_seg *s)
{
	struct zdp_tcp_stack *stk = c->stk;
	uint32_t ack = s->ack, acked = ack - c->snd_una;
	uint32_t data_end = c->snd_una + c->snd_queued;
	bool fin_acked = (c->flags & F_FIN_SENT) && SEQ_GT(ack, data_end);
	uint32_t data_acked = fin_acked ? acked - 1 : acked;

	/* RTT: a timed segment (Karn: never a retransmitted one, the timing
	 * is cancelled on retransmission), else the echoed timestamp (RFC
	 * 7323 §4.1 — valid for retransmissions too). */
	if (c->rtt_start_us && SEQ_GEQ(ack, c->rtt_seq)) {
		zdp_tcp_rtt_sample(c, (uint32_t)(stk->now_us - c->rtt_start_us));
		c->rtt_start_us = 0;
	} else if ((c->flags & F_TS) && s->has_ts && s->tsecr) {
		uint32_t d = tcp_ts_now(c) - s->tsecr;

		if (d < 600000u)
			zdp_tcp_rtt_sample(c, d * 1000u);
	}

	zdp_tcp_sndq_ack(c, data_acked);
	c->snd_una = ack;
	if (stk->p.confirm && data_acked && (uint32_t)(stk->now_us >> 20) != c->confirm_tick) {
		c->confirm_tick = (uint32_t)(stk->now_us >> 20);
		stk->p.confirm(stk->p.confirm_ctx, &c->raddr);
	}
	if (SEQ_LT(c->snd_nxt, ack))
		c->snd_nxt = ack;
	zdp_tcp_sb_ack(&c->sb, ack);
	if (SEQ_LT(c->rack.lost_hi, ack))	/* keep it within the window */
		c->rack.lost_hi = ack;
	c->retries = 0;

	if (c->flags & F_IN_RECOVERY) {
		if (SEQ_GEQ(ack, c->recover)) {
			/* full ACK: RFC 6582 §3.2 step 6, option (1) */
			uint32_t flight = tcp_flight(c);

			c->flags &= ~F_IN_RECOVERY;
			c->cwnd = u32_min(c->ssthresh, u32_max(flight, c->mss) + c->mss);
			c->dupacks = 0;
			stk->cc->on_recovery_exit(c, stk->now_us);
		} else if (!(c->flags & F_SACK)) {
			/* partial ACK: RFC 6582 §3.2 step 5 */
			uint32_t de = c->snd_una + c->snd_queued;
			uint32_t len = SEQ_LT(ack, de) ? RTE_MIN((uint32_t)c->mss, de - ack) : 1;

			zdp_tcp_retransmit_seg(c, ack, len);
			c->cwnd = c->cwnd > data_acked ? c->cwnd - data_acked : c->mss;
			if (data_acked >= c->mss)
				c->cwnd += c->mss;
			if (c->cwnd < c->mss)
				c->cwnd = c->mss;
		}
		/* SACK partial ACK: RFC 6675 keeps cwnd; output continues */
	} else {
		if ((c->flags & F_RTO_RECOVERY) && SEQ_GEQ(ack, c->recover))
			c->flags &= ~F_RTO_RECOVERY;
		stk->cc->cong_avoid(c, data_acked, stk->now_us);
		c->dupacks = 0;
	}

	/* RFC 8985 §7.4: the probe is answered once SND.UNA passes it */
	if ((c->flags & F_TLP_OUT) && SEQ_GEQ(ack, c->tlp_high))
		c->flags &= ~F_TLP_OUT;
	/* RFC 6298 §5.2 / §5.3 (or a new PTO, RFC 8985 §7.2) */
	if (c->snd_una == c->snd_max) {
		if (!(c->flags & F_PERSIST)) {
			zdp_tcp_timer_cancel(c, ZDP_TCP_T_RTX);
			c->flags &= ~(F_TLP | F_REO);
		}
		/* nothing outstanding: the next delivery starts RACK afresh
		 * (no stale 32-bit time or sequence after a long idle) */
		c->rack.valid = false;
	} else if (!(c->flags & F_PERSIST)) {
		zdp_tcp_arm_rtx(c);
	}

	if (fin_acked) {
		switch (c->state) {
		case ZDP_TCP_FIN_WAIT_1:
			zdp_tcp_conn_set_state(c, ZDP_TCP_FIN_WAIT_2);
			if (c->flags & F_CLOSED_BY_APP)
				zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_KEEP, stk->p.fin_wait2_us);
			break;
		case ZDP_TCP_CLOSING:
			zdp_tcp_tw_enter(c);
			break;
		case ZDP_TCP_LAST_ACK:
			zdp_tcp_conn_terminate(c);
			return false;
		default:
			break;
		}
	}
	if ((c->flags & F_WANT_WRITABLE) && zdp_tcp_send_space(c) > 0 && app_alive(c)) {
		c->flags &= ~F_WANT_WRITABLE;
		if (stk->p.cb.on_writable)
			stk->p.cb.on_writable(c, c->user);
	}
	return c->state != ZDP_TCP_CLOSED;
}

/* ---- §3.10.7.4 other states ---- */
static int
conn_input(struct zdp_tcp_conn *c, struct zdp_tcp_seg *s, struct rte_mbuf **mp)
{
	struct zdp_tcp_stack *stk = c->stk;
	uint8_t flags = s->flags;
	uint32_t seq = s->seq, len = s->len;
	bool syn = flags & TH_SYN, fin = flags & TH_FIN;
	bool zwnd_ack_only = false, acceptable;
	uint32_t rcv_wnd, seglen;
	struct rte_mbuf *m = *mp;

	c->segs_in++;
	c->last_rx_us = stk->now_us;
	if (c->state == ZDP_TCP_SYN_SENT)
		return synsent_input(c, s);

	if (c->state == ZDP_TCP_SYN_RECEIVED && syn && seq == c->irs) {
		if (!(flags & (TH_ACK | TH_RST))) {
			/* the peer retransmitted its SYN: repeat our SYN,ACK */
			c->flags |= F_ACK_NOW;
			zdp_tcp_conn_pending(c);
			return 0;
		}
		if ((flags & TH_ACK) && !(flags & TH_RST)) {
			/* simultaneous open: the peer's SYN,ACK. Its SYN is
			 * already counted; the ACK completes our handshake. */
			syn = false;
			seq++;
		}
	}

	/* RFC 7323 §3.2: with timestamps negotiated, a non-RST segment
	 * without one is dropped. */
	if ((c->flags & F_TS) && !s->has_ts && !(flags & TH_RST)) {
		CTR_INC(stk, DROP_NO_TS);
		return -EPROTO;
	}
	/* RFC 7323 §5.3 PAWS (R1-R3) */
	if ((c->flags & F_TS) && s->has_ts && !(flags & TH_RST) &&
	    SEQ_LT(s->tsval, c->ts_recent)) {
		if (tcp_now_ms(stk) - c->ts_recent_ms > ZDP_TCP_PAWS_IDLE_MS) {
			c->ts_recent = s->tsval;	/* R3: TS.Recent too old */
		} else {
			CTR_INC(stk, DROP_PAWS);
			c->flags |= F_ACK_NOW;
			zdp_tcp_conn_pending(c);
			return -EPROTO;
		}
	}

	/* first: sequence number acceptability (four cases) */
	rcv_wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	seglen = len + syn + fin;
	if (seglen == 0)
		acceptable = rcv_wnd == 0 ? seq == c->rcv_nxt :
			SEQ_GEQ(seq, c->rcv_nxt) && SEQ_LT(seq, c->rcv_nxt + rcv_wnd);
	else
		acceptable = rcv_wnd != 0 &&
			((SEQ_GEQ(seq, c->rcv_nxt) && SEQ_LT(seq, c->rcv_nxt + rcv_wnd)) ||
			 (SEQ_GEQ(seq + seglen - 1, c->rcv_nxt) &&
			  SEQ_LT(seq + seglen - 1, c->rcv_nxt + rcv_wnd)));
	if (!acceptable) {
		if (rcv_wnd == 0 && seq == c->rcv_nxt) {
			/* zero window: still take ACK and RST (§3.10.7.4) */
			zwnd_ack_only = true;
		} else {
			if (flags & TH_RST) {
				CTR_INC(stk, DROP_RST);	/* RFC 5961 §3.2: silently */
				return -EPROTO;
			}
			if (SEQ_LEQ(seq + seglen, c->rcv_nxt)) {
				CTR_INC(stk, DUP_SEGS);
				dsack_note(c, seq, len);
			} else
				CTR_INC(stk, DROP_SEQ);
			if (c->state == ZDP_TCP_TIME_WAIT && fin)	/* restart 2 MSL */
				zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_KEEP, 2ull * stk->p.msl_us);
			c->flags |= F_ACK_NOW;
			zdp_tcp_conn_pending(c);
			return -EPROTO;
		}
	}

	/* RFC 7323 §4.3 (2): remember TSval of the segment at the left edge */
	if ((c->flags & F_TS) && s->has_ts && SEQ_GEQ(s->tsval, c->ts_recent) &&
	    SEQ_LEQ(seq, c->last_ack_sent)) {
		c->ts_recent = s->tsval;
		c->ts_recent_ms = tcp_now_ms(stk);
	}

	/* second: RST (RFC 5961 §3.2) */
	if (flags & TH_RST) {
		if (seq != c->rcv_nxt) {
			zdp_tcp_send_challenge_ack(c);
			return -EPROTO;
		}
		CTR_INC(stk, CONN_RESET_RX);
		switch (c->state) {
		case ZDP_TCP_SYN_RECEIVED:
			if (c->flags & F_PASSIVE) {	/* back to LISTEN: forget it */
				zdp_tcp_conn_terminate(c);
				return 0;
			}
			zdp_tcp_conn_error(c, -ECONNREFUSED);
			return 0;
		case ZDP_TCP_ESTABLISHED:
		case ZDP_TCP_FIN_WAIT_1:
		case ZDP_TCP_FIN_WAIT_2:
		case ZDP_TCP_CLOSE_WAIT: {
			bool tell = app_alive(c);

			zdp_tcp_conn_terminate(c);
			if (tell && stk->p.cb.on_reset)
				stk->p.cb.on_reset(c, c->user);
			return 0;
		}
		default:	/* CLOSING, LAST-ACK, TIME-WAIT */
			zdp_tcp_conn_terminate(c);
			return 0;
		}
	}

	if (zwnd_ack_only) {
		len = 0;
		fin = false;
		c->flags |= F_ACK_NOW;
	}

	/* trim to the window (§3.10.7.4 first, "trimmed ... only the data
	 * within the window is accepted") */
	if (SEQ_LT(seq, c->rcv_nxt) && !syn) {
		uint32_t d = RTE_MIN(c->rcv_nxt - seq, len);

		dsack_note(c, seq, d);	/* the part we already had */
		m = zdp_tcp_mbuf_trim_front(m, d);
		len -= d;
		seq += d;
		c->flags |= F_ACK_NOW;	/* partial duplicate: tell the sender */
	}
	if (len && SEQ_GT(seq + len, c->rcv_nxt + rcv_wnd)) {
		uint32_t keep = SEQ_GT(c->rcv_nxt + rcv_wnd, seq) ? c->rcv_nxt + rcv_wnd - seq : 0;

		m = zdp_tcp_mbuf_trim_to(m, keep);
		len = keep;
		fin = false;
		CTR_INC(stk, TRIMMED);
		c->flags |= F_ACK_NOW;
	}
	if (fin && SEQ_GEQ(seq + len, c->rcv_nxt + rcv_wnd) && rcv_wnd)
		fin = false;	/* FIN itself outside the window */
	*mp = m;

	/* fourth: SYN in a synchronized state (RFC 5961 §4.2) */
	if (syn) {
		zdp_tcp_send_challenge_ack(c);
		return -EPROTO;
	}

	/* fifth: ACK */
	if (!(flags & TH_ACK)) {
		CTR_INC(stk, DROP_STATE);
		return -EPROTO;
	}
	if (c->state == ZDP_TCP_SYN_RECEIVED) {
		if (SEQ_GT(s->ack, c->snd_una) && SEQ_LEQ(s->ack, c->snd_max)) {
			c->snd_wnd = s->wnd << c->snd_wscale;
			c->max_snd_wnd = RTE_MAX(c->max_snd_wnd, c->snd_wnd);
			c->snd_wl1 = s->seq;
			c->snd_wl2 = s->ack;
			/* our SYN is acknowledged: it is not data for cwnd */
			c->snd_una = s->ack;
			if ((c->flags & F_TS) && s->has_ts && s->tsecr &&
			    tcp_ts_now(c) - s->tsecr < 600000u && !(c->flags & F_SYN_RTX))
				zdp_tcp_rtt_sample(c, (tcp_ts_now(c) - s->tsecr) * 1000u);
			if (c->flags & F_PASSIVE) {
				if (!accept_conn(c))
					return 0;
			} else {
				zdp_tcp_conn_established(c);
				CTR_INC(stk, CONN_OPEN_ACTIVE);
				if (app_alive(c) && stk->p.cb.on_connected)
					stk->p.cb.on_connected(c, c->user);
			}
			if (c->state == ZDP_TCP_CLOSED)
				return 0;
		} else {
			rst_for_conn_seg(c, s);	/* <SEQ=SEG.ACK><CTL=RST> */
			CTR_INC(stk, DROP_ACK);
			return -EPROTO;
		}
	}
	/* RFC 5961 §5.2: valid if SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT */
	if (SEQ_GT(s->ack, c->snd_max)) {
		CTR_INC(stk, DROP_ACK);
		c->flags |= F_ACK_NOW;
		zdp_tcp_conn_pending(c);
		return -EPROTO;
	}
	if (SEQ_LT(s->ack, c->snd_una - RTE_MAX(c->max_snd_wnd, 1u))) {
		CTR_INC(stk, DROP_ACK);
		zdp_tcp_send_challenge_ack(c);
		return -EPROTO;
	}
	if (c->state != ZDP_TCP_TIME_WAIT) {
		uint32_t wnd = s->wnd << c->snd_wscale;
		uint32_t sacked_before = c->sb.sacked;
		bool is_dup, rack = false;

		if ((c->flags & F_SACK) && s->n_sack) {
			struct zdp_tcp_sb old = c->sb;

			zdp_tcp_sb_update(&c->sb, c->snd_una, c->snd_max,
					  (const uint32_t (*)[2])s->sack, s->n_sack);
			/* RFC 8985 §6.2 steps 1-3, while the mbufs are queued */
			zdp_tcp_rack_on_ack(c, s, &old);
			rack = true;
		} else if ((c->flags & F_SACK) && SEQ_GT(s->ack, c->snd_una)) {
			zdp_tcp_rack_on_ack(c, s, NULL);
			rack = true;
		}
		/* Duplicate ACK: RFC 5681 §2 (no data, no FIN, same window)
		 * without SACK; with SACK, RFC 6675 §2: any ACK at SND.UNA
		 * that SACKs new data — the receiver's window may move and the
		 * ACK may carry data (a peer that talks back). */
		if (c->flags & F_SACK)
			is_dup = s->ack == c->snd_una && c->snd_max != c->snd_una &&
				c->sb.sacked > sacked_before;
		else
			is_dup = s->ack == c->snd_una && s->len == 0 && !(flags & TH_FIN) &&
				wnd == c->snd_wnd && c->snd_max != c->snd_una;
		if (SEQ_GT(s->ack, c->snd_una)) {
			if (!new_ack(c, s))
				return 0;
			zdp_tcp_conn_pending(c);
		} else if (is_dup) {
			/* RFC 5681 §3.2 / RFC 6675 §5 */
			c->dupacks++;
			if (!(c->flags & F_IN_RECOVERY)) {
				uint32_t flight = tcp_flight(c);
				uint32_t oseg = (flight + c->mss - 1) / c->mss;
				bool unsent = SEQ_LT(c->snd_max, c->snd_una + c->snd_queued);
				bool lost = c->dupacks >= ZDP_TCP_DUPTHRESH ||
					((c->flags & F_SACK) &&
					 zdp_tcp_sb_is_lost(&c->sb, c->snd_una, c->mss));

				/* RFC 5827 early retransmit: fewer than four
				 * segments out and nothing new to send — three
				 * duplicate ACKs can never come. */
				if (!lost && oseg < 4 && oseg > 1 && !unsent &&
				    c->dupacks >= oseg - 1)
					lost = true;

				if (lost && SEQ_GEQ(s->ack, c->recover))
					enter_recovery(c);
			} else if (!(c->flags & F_SACK)) {
				c->cwnd += c->mss;	/* RFC 5681 §3.2 step 4 */
			}
			zdp_tcp_conn_pending(c);
		}
		/* RFC 8985 §6.2 steps 4-5 */
		if (rack)
			zdp_tcp_rack_process(c);
		/* window update (§3.10.7.4 fifth, ESTABLISHED) */
		if (SEQ_LT(c->snd_wl1, s->seq) ||
		    (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack))) {
			bool opened = wnd > c->snd_wnd;

			c->snd_wnd = wnd;
			c->snd_wl1 = s->seq;
			c->snd_wl2 = s->ack;
			if (wnd > c->max_snd_wnd)
				c->max_snd_wnd = wnd;
			if (wnd && (c->flags & F_PERSIST)) {
				c->flags &= ~F_PERSIST;
				c->backoff = 0;
				zdp_tcp_timer_cancel(c, ZDP_TCP_T_RTX);
				if (c->snd_max != c->snd_una)
					zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_RTX,
							  zdp_tcp_rto_current(c));
			}
			if (opened)
				zdp_tcp_conn_pending(c);
		}
	}

	/* seventh: segment text */
	if (len) {
		switch (c->state) {
		case ZDP_TCP_ESTABLISHED:
		case ZDP_TCP_FIN_WAIT_1:
		case ZDP_TCP_FIN_WAIT_2:
			break;
		default:
			/* after the peer's FIN: ignore the text */
			len = 0;
			break;
		}
	}
	if (len && (c->flags & F_CLOSED_BY_APP)) {
		/* RFC 1122 §4.2.2.13: data after close() — reset */
		CTR_INC(stk, DROP_AFTER_CLOSE);
		zdp_tcp_send_rst_conn(c);
		zdp_tcp_conn_terminate(c);
		return 0;
	}
	if (len) {
		if (seq == c->rcv_nxt) {
			uint32_t total = len;
			bool ofin = false;

			c->rcv_nxt += len;
			if (c->ooo) {
				uint32_t l2;
				struct rte_mbuf *more = zdp_tcp_reass_pull(c, &l2, &ofin);

				if (more && rte_pktmbuf_chain(m, more) != 0) {
					/* cannot chain: deliver in two calls */
					deliver(c, m, len);
					m = more;
					total = l2;
				} else {
					total += l2;
				}
				c->rcv_nxt += l2;
				/* RFC 5681 §4.2: ACK at once when a hole fills */
				c->flags |= F_ACK_NOW;
			}
			*mp = NULL;
			/* RFC 5681 §4.2: ACK every 2nd full segment; a
			 * segment the NIC coalesced (LRO) is at least two */
			c->segs_since_ack += len > c->adv_mss ? 2 : 1;
			if (c->segs_since_ack >= 2)
				c->flags |= F_ACK_NOW;
			deliver(c, m, total);
			if (c->state == ZDP_TCP_CLOSED)
				return 0;
			if (ofin) {
				fin = true;
				seq = c->rcv_nxt;
				len = 0;
			} else if (fin) {
				seq = c->rcv_nxt;
				len = 0;
			}
			zdp_tcp_conn_pending(c);
		} else {
			/* out of order: hold it, duplicate-ACK at once */
			CTR_INC(stk, OOO_SEGS);
			c->n_ooo++;
			*mp = NULL;
			if (zdp_tcp_reass_insert(c, m, seq, len, fin) == -EALREADY) {
				/* all of it was held already: D-SACK it, and
				 * let the block holding it come second
				 * (RFC 2883 §4) */
				dsack_note(c, seq, len);
				c->ooo_last_seq = seq;
			}
			fin = false;
			c->flags |= F_ACK_NOW;
			zdp_tcp_conn_pending(c);
		}
	} else if (fin && seq != c->rcv_nxt) {
		/* a FIN beyond a hole: remember where it is */
		zdp_tcp_reass_insert(c, NULL, seq, 0, true);
		fin = false;
		c->flags |= F_ACK_NOW;
		zdp_tcp_conn_pending(c);
	}

	/* eighth: FIN */
	if (fin && seq == c->rcv_nxt && !(c->flags & F_FIN_RCVD)) {
		bool tell;

		c->rcv_nxt++;
		c->flags |= F_FIN_RCVD | F_ACK_NOW;
		zdp_tcp_reass_flush(c);
		switch (c->state) {
		case ZDP_TCP_SYN_RECEIVED:
		case ZDP_TCP_ESTABLISHED:
			zdp_tcp_conn_set_state(c, ZDP_TCP_CLOSE_WAIT);
			break;
		case ZDP_TCP_FIN_WAIT_1:
			if ((c->flags & F_FIN_SENT) && c->snd_una == c->snd_max)
				zdp_tcp_tw_enter(c);
			else
				zdp_tcp_conn_set_state(c, ZDP_TCP_CLOSING);
			break;
		case ZDP_TCP_FIN_WAIT_2:
			zdp_tcp_tw_enter(c);
			break;
		default:
			break;
		}
		tell = app_alive(c);
		zdp_tcp_conn_pending(c);
		if (tell && stk->p.cb.on_peer_closed)
			stk->p.cb.on_peer_closed(c, c->user);
	} else if (fin && c->state == ZDP_TCP_TIME_WAIT) {
		c->flags |= F_ACK_NOW;
		zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_KEEP, 2ull * stk->p.msl_us);
		zdp_tcp_conn_pending(c);
	}
	if (zwnd_ack_only)
		zdp_tcp_conn_pending(c);
	return 0;
}

/* ---- §3.10.7.2 LISTEN ---- */
/* A SYN that ended a TIME-WAIT connection to reopen its 4-tuple
 * (tcp_timewait.c): where the old incarnation's sequence space ends, and
 * its slot when it was free at once (else NULL). */
struct tw_reopen {
	uint32_t edge;
	struct zdp_tcp_conn *slot;
};

/* @tw: set when this SYN just ended a TIME-WAIT connection, else NULL. */
static int
listen_input(struct zdp_tcp_stack *stk, struct zdp_tcp_listener *l,
	     const struct zdp_tcp_l3 *l3, struct zdp_tcp_seg *s, struct rte_mbuf **mp,
	     struct tw_reopen *tw)
{
	const struct zdp_tcp_stack_params *p = &stk->p;
	struct zdp_tcp_conn *c, *slot = tw ? tw->slot : NULL;

	/* (only a lone SYN ends a TIME-WAIT: the slot is for the fourth
	 * step, and goes back to the pool if that takes no state) */
	if (slot && (s->flags & (TH_RST | TH_ACK))) {
		zdp_tcp_conn_unalloc(slot);
		slot = NULL;
	}
	/* first: RST — ignore */
	if (s->flags & TH_RST)
		return -EPROTO;
	/* second: ACK — a SYN cookie, or <SEQ=SEG.ACK><CTL=RST> */
	if (s->flags & TH_ACK) {
		uint16_t mss = 0;

		if (!(s->flags & TH_SYN) && l->cookie_until_us > stk->now_us)
			mss = zdp_tcp_syncookie_check(p->secret, &l3->dst, s->dport, &l3->src,
						      s->sport, s->seq - 1, s->ack - 1,
						      stk->now_us);
		if (!mss) {
			if (l->cookie_until_us > stk->now_us)
				CTR_INC(stk, SYNCOOKIE_BAD);
			CTR_INC(stk, DROP_NO_CONN);
			zdp_tcp_send_rst_reply(stk, l3, s);
			return -ENOENT;
		}
		c = zdp_tcp_conn_alloc(stk);
		if (!c) {
			CTR_INC(stk, DROP_NO_CONN_MEM);
			return -ENOMEM;
		}
		c->laddr = l3->dst;
		c->raddr = l3->src;
		c->lport = s->dport;
		c->rport = s->sport;
		zdp_tcp_conn_init_tcb(c);
		c->flags |= F_PASSIVE | F_COOKIE;
		c->irs = s->seq - 1;
		c->rcv_nxt = s->seq;
		c->rcv_adv = c->rcv_nxt + RTE_MIN(p->rcv_buf, 65535u);
		c->last_ack_sent = c->rcv_nxt;
		c->iss = s->ack - 1;
		c->snd_una = c->snd_nxt = c->snd_max = s->ack;
		c->recover = c->iss;
		c->peer_mss = mss;
		if (s->has_ts && !p->no_timestamps) {
			bool sack;
			int ws;

			zdp_tcp_syncookie_tsopts(s->tsecr, &sack, &ws);
			c->flags |= F_TS;
			c->ts_recent = s->tsval;
			c->ts_recent_ms = tcp_now_ms(stk);
			if (sack && !p->no_sack)
				c->flags |= F_SACK;
			if (ws >= 0 && !p->no_wscale) {
				c->flags |= F_WS;
				c->snd_wscale = (uint8_t)ws;
			} else {
				c->rcv_wscale = 0;
			}
		} else {
			c->rcv_wscale = 0;
		}
		set_mss(c);
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		c->lst = l;
		zdp_tcp_conn_hash(c);
		CTR_INC(stk, SYNCOOKIE_OK);
		if (!accept_conn(c))
			return 0;
		return conn_input(c, s, mp);
	}
	/* third: security (not used); fourth: SYN */
	if (!(s->flags & TH_SYN)) {
		CTR_INC(stk, DROP_STATE);
		return -EPROTO;
	}
	c = NULL;
	if (l->n_halfopen < p->syn_backlog) {
		/* the slot of the TIME-WAIT this SYN ended, when it is free:
		 * with a full pool, allocating would end another TIME-WAIT */
		c = slot ? slot : zdp_tcp_conn_alloc(stk);
		slot = NULL;
		if (!c)
			CTR_INC(stk, DROP_NO_CONN_MEM);
	}
	if (slot)
		zdp_tcp_conn_unalloc(slot);
	if (!c) {
		/* RFC 4987 §3.6: backlog full (or pool empty) — answer with a
		 * cookie and keep no state */
		uint16_t mss = s->has_mss ? s->mss :
			(l3->dst.family == ZDP_AF_INET6 ? 1220 : 536);
		uint32_t cookie;

		mss = RTE_MIN(mss, zdp_tcp_mss_for_mtu(&l3->dst, zdp_tcp_path_mtu(stk, &l3->src)));
		cookie = zdp_tcp_syncookie_make(p->secret, &l3->dst, s->dport, &l3->src,
						 s->sport, s->seq, mss, stk->now_us);
		l->cookie_until_us = stk->now_us + 128ull * 1000 * 1000;
		zdp_tcp_send_synack_cookie(stk, l3, s, cookie, mss);
		return 0;
	}
	c->laddr = l3->dst;
	c->raddr = l3->src;
	c->lport = s->dport;
	c->rport = s->sport;
	zdp_tcp_conn_init_tcb(c);
	c->flags |= F_PASSIVE;
	negotiate(c, s);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt + RTE_MIN(p->rcv_buf, 65535u);
	c->last_ack_sent = c->rcv_nxt;
	c->iss = zdp_tcp_isn(p->secret, &c->laddr, c->lport, &c->raddr, c->rport,
			     stk->now_us);
	/* RFC 1122 §4.2.2.13 (1): a SYN that reopened a TIME-WAIT 4-tuple
	 * gets an ISS above every sequence number of the old incarnation
	 * (tcp_timewait.c). A SYN answered with a cookie gets the cookie. */
	if (tw)
		c->iss = zdp_tcp_tw_iss_past(tw->edge, c->iss);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->recover = c->iss;
	c->snd_wnd = s->wnd;	/* unscaled in a SYN */
	c->max_snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = c->iss;
	c->lst = l;
	l->n_halfopen++;
	zdp_tcp_conn_set_state(c, ZDP_TCP_SYN_RECEIVED);
	zdp_tcp_conn_hash(c);
	/* data in the SYN is not kept: it is not acknowledged and the peer
	 * sends it again (RFC 9293 §3.10.7.2 allows queueing or not) */
	zdp_tcp_send_syn(c);
	zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_RTX, zdp_tcp_rto_current(c));
	return 0;
}

int
zdp_tcp_input(struct zdp_tcp_stack *stk, struct rte_mbuf *m,
	      const struct zdp_tcp_l3 *l3, uint64_t now)
{
	uint8_t hb[60];
	const uint8_t *th;
	struct zdp_tcp_seg s;
	struct zdp_tcp_conn *c;
	struct tw_reopen reopen, *tw;
	struct zdp_tcp_listener *l;
	uint32_t plen = m->pkt_len;
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	int rc;

	zdp_tcp_set_now(stk, now);
	CTR_INC(stk, SEGS_IN);
	if (plen < 20 || l3->src.family != l3->dst.family)
		goto malformed;
	th = rte_pktmbuf_read(m, 0, RTE_MIN(plen, 60u), hb);
	if (!th || zdp_tcp_parse(th, RTE_MIN(plen, 60u), &s) != 0)
		goto malformed;
	if (stk->p.rx_csum_trust && ck == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
		goto bad_csum;
	} else if (!(stk->p.rx_csum_trust && ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD)) {
		if (!zdp_tcp_rx_csum_ok(stk, m, plen, s.hlen, &l3->src, &l3->dst))
			goto bad_csum;
	}
	/* impossible flag combinations */
	if ((s.flags & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN) ||
	    (s.flags & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) ||
	    s.sport == 0 || s.dport == 0)
		goto malformed;
	s.len = plen - s.hlen;
	if (unlikely(m->ol_flags & RTE_MBUF_F_RX_LRO))
		CTR_INC(stk, LRO_IN);
	m = zdp_tcp_mbuf_trim_front(m, s.hlen);

	c = zdp_tcp_conn_lookup(stk, &l3->dst, s.dport, &l3->src, s.sport);
	tw = NULL;
	if (c && c->state == ZDP_TCP_TIME_WAIT &&
	    (s.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
	    zdp_tcp_tw_syn_reuses(c, &s)) {
		/* a new incarnation of a TIME-WAIT 4-tuple (tcp_timewait.c),
		 * in the old one's slot when that is free at once */
		CTR_INC(stk, TW_REUSE);
		reopen.edge = zdp_tcp_tw_edge(c);
		reopen.slot = zdp_tcp_conn_recycle(c);
		tw = &reopen;
		c = NULL;
	}
	if (c) {
		rc = conn_input(c, &s, &m);
	} else if ((l = zdp_tcp_listener_lookup(stk, &l3->dst, s.dport)) != NULL) {
		rc = listen_input(stk, l, l3, &s, &m, tw);
	} else {
		/* §3.10.7.1 CLOSED */
		if (tw && tw->slot)	/* its listener is gone */
			zdp_tcp_conn_unalloc(tw->slot);
		CTR_INC(stk, DROP_NO_CONN);
		zdp_tcp_send_rst_reply(stk, l3, &s);
		rc = -ENOENT;
	}
	rte_pktmbuf_free(m);
	return rc;

malformed:
	CTR_INC(stk, DROP_MALFORMED);
	rte_pktmbuf_free(m);
	return -EINVAL;
bad_csum:
	CTR_INC(stk, DROP_CSUM);
	rte_pktmbuf_free(m);
	return -EBADMSG;
}

/* Minimal L3 validation for callers that hand us the IP packet. */
int
zdp_tcp_input_ip(struct zdp_tcp_stack *stk, struct rte_mbuf *m, uint64_t now)
{
	struct zdp_tcp_l3 l3;
	uint8_t buf[60];
	const uint8_t *ip;
	uint32_t plen = m->pkt_len, hl, tot;

	ip = rte_pktmbuf_read(m, 0, RTE_MIN(plen, 40u), buf);
	if (!ip || plen < 20)
		goto bad;
	if ((ip[0] >> 4) == 4) {
		hl = (ip[0] & 0xf) * 4u;
		tot = (uint32_t)ip[2] << 8 | ip[3];
		if (hl < 20 || tot < hl || tot > plen || ip[9] != IPPROTO_TCP)
			goto bad;
		/* fragments are not reassembled here */
		if (((uint32_t)ip[6] << 8 | ip[7]) & 0x3fff)
			goto bad;
		ip = rte_pktmbuf_read(m, 0, hl, buf);
		if (!ip)
			goto bad;
		if (!(stk->p.rx_csum_trust &&
		      (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD) &&
		    rte_raw_cksum(ip, hl) != 0xffff)
			goto bad;
		uint32_t s4, d4;

		memcpy(&s4, ip + 12, 4);
		memcpy(&d4, ip + 16, 4);
		zdp_addr_set_v4(&l3.src, s4);
		zdp_addr_set_v4(&l3.dst, d4);
	} else if ((ip[0] >> 4) == 6) {
		uint8_t nh;
		int guard;

		if (plen < 40)
			goto bad;
		tot = 40 + ((uint32_t)ip[4] << 8 | ip[5]);
		if (tot > plen)
			goto bad;
		memset(&l3, 0, sizeof(l3));
		l3.src.family = l3.dst.family = ZDP_AF_INET6;
		memcpy(l3.src.a, ip + 8, 16);
		memcpy(l3.dst.a, ip + 24, 16);
		nh = ip[6];
		hl = 40;
		/* skip hop-by-hop, routing and destination options (RFC 8200 §4) */
		for (guard = 0; guard < 4 && (nh == 0 || nh == 43 || nh == 60); guard++) {
			uint8_t eh[2];
			const uint8_t *e = rte_pktmbuf_read(m, hl, 2, eh);

			if (!e)
				goto bad;
			nh = e[0];
			hl += (e[1] + 1u) * 8;
			if (hl > tot)
				goto bad;
		}
		if (nh != IPPROTO_TCP)
			goto bad;
	} else {
		goto bad;
	}
	m = zdp_tcp_mbuf_trim_to(m, tot);
	m = zdp_tcp_mbuf_trim_front(m, hl);
	if (!m) {
		zdp_tcp_set_now(stk, now);
		CTR_INC(stk, DROP_MALFORMED);
		return -EINVAL;
	}
	return zdp_tcp_input(stk, m, &l3, now);
bad:
	zdp_tcp_set_now(stk, now);
	CTR_INC(stk, DROP_MALFORMED);
	rte_pktmbuf_free(m);
	return -EINVAL;
}
