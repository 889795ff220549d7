/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_timer.c — the per-core timer wheel, RTT estimation (RFC 6298) and
 * what each connection timer does when it fires.
 *
 * The wheel is a hierarchical timing wheel (Varghese & Lauck scheme 7),
 * two levels of 4096 slots:
 *
 *   level 0  slot[expire % 4096]          timers due within 4096 ticks (1 ms
 *                                         each) of the cursor; the slot of
 *                                         tick t is walked when t comes
 *   level 1  slot1[(expire / 4096) % 4096] later timers (keepalive, long
 *                                         TIME-WAIT); when the cursor enters
 *                                         a revolution, its level-1 slot is
 *                                         moved down into level 0
 *
 * A timer is touched at most twice before it fires (once more per 4.66
 * hours beyond level 1's reach). With one level, a timer further out than a
 * revolution stayed in its slot and was unlinked and relinked every 4.096 s:
 * 1M keepalive timers cost ~27,000 cycles per tick (bench/tcp --idle
 * 1000000 --keepalive 7200), now they cost nothing until their revolution.
 * Arm and cancel are O(1) (intrusive doubly-linked nodes, three per
 * connection: RTX, DELACK, KEEP). Time comes from the caller
 * (zdp_tcp_poll's @now); the wheel never reads a clock.
 *
 *   RTX   retransmission (RFC 6298), SYN/SYN-ACK retries, persist (RFC 9293
 *         §3.8.6.1 zero-window probes)
 *   DELACK delayed ACK (RFC 1122 §4.2.3.2, RFC 5681 §4.2)
 *   KEEP  keepalive (RFC 1122 §4.2.3.6), FIN-WAIT-2 and TIME-WAIT lifetimes
 */
#include <stddef.h>

#include "tcp_priv.h"

void
zdp_tcp_wheel_init(struct zdp_tcp_wheel *w, uint64_t now_tick)
{
	memset(w->slot, 0, sizeof(w->slot));
	memset(w->slot1, 0, sizeof(w->slot1));
	w->now_tick = now_tick;
}

static void
node_unlink(struct zdp_tcp_tnode *n)
{
	if (!n->pprev)
		return;
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}

static void
node_link(struct zdp_tcp_tnode **head, struct zdp_tcp_tnode *n)
{
	n->next = *head;
	if (*head)
		(*head)->pprev = &n->next;
	*head = n;
	n->pprev = head;
}

/* Link @n at the level its expiry needs, seen from the cursor. A level-1
 * timer is at least one revolution away, so the cursor has yet to enter its
 * revolution and the move down will find it. */
static void
wheel_place(struct zdp_tcp_wheel *w, struct zdp_tcp_tnode *n)
{
	if (n->expire < w->now_tick + ZDP_TCP_WHEEL_SLOTS)
		node_link(&w->slot[n->expire & (ZDP_TCP_WHEEL_SLOTS - 1)], n);
	else
		node_link(&w->slot1[(n->expire >> ZDP_TCP_WHEEL_BITS) &
				    (ZDP_TCP_WHEEL_SLOTS - 1)], n);
}

/* Unlink every node of *@slot and place it again (or fire it, with @fire,
 * when it is due at @tick). The list is detached onto w->walk first so
 * handlers may arm and cancel freely, including other nodes of this very
 * list (a cancelled node unlinks itself from w->walk). */
static void
wheel_walk(struct zdp_tcp_stack *stk, struct zdp_tcp_tnode **slot, uint64_t tick, bool fire)
{
	struct zdp_tcp_wheel *w = &stk->wheel;

	if (!*slot)
		return;
	w->walk = *slot;
	*slot = NULL;
	w->walk->pprev = &w->walk;
	while (w->walk) {
		struct zdp_tcp_tnode *n = w->walk;

		node_unlink(n);
		if (fire && n->expire <= tick) {
			struct zdp_tcp_conn *c = (struct zdp_tcp_conn *)
				((char *)(n - n->kind) - offsetof(struct zdp_tcp_conn, timer));

			zdp_tcp_timer_fire(c, (enum zdp_tcp_timer_kind)n->kind);
		} else {
			wheel_place(w, n);
		}
	}
}

void
zdp_tcp_timer_arm(struct zdp_tcp_stack *stk, struct zdp_tcp_conn *c,
		  enum zdp_tcp_timer_kind k, uint64_t delay_us)
{
	struct zdp_tcp_tnode *n = &c->timer[k];
	uint64_t ticks = (delay_us + ZDP_TCP_TICK_US - 1) / ZDP_TCP_TICK_US;
	uint64_t cur = stk->now_us / ZDP_TCP_TICK_US;

	if (cur < stk->wheel.now_tick)
		cur = stk->wheel.now_tick;
	node_unlink(n);
	n->kind = (uint8_t)k;
	n->expire = cur + (ticks ? ticks : 1);
	wheel_place(&stk->wheel, n);
}

void
zdp_tcp_timer_cancel(struct zdp_tcp_conn *c, enum zdp_tcp_timer_kind k)
{
	node_unlink(&c->timer[k]);
}

bool
zdp_tcp_timer_armed(const struct zdp_tcp_conn *c, enum zdp_tcp_timer_kind k)
{
	return c->timer[k].pprev != NULL;
}

void
zdp_tcp_timers_run(struct zdp_tcp_stack *stk)
{
	struct zdp_tcp_wheel *w = &stk->wheel;
	uint64_t now_tick = stk->now_us / ZDP_TCP_TICK_US;

	if (now_tick <= w->now_tick)
		return;
	if (now_tick - w->now_tick > ZDP_TCP_WHEEL_SLOTS) {
		/* A long stall: walking the last revolution visits every
		 * level-0 slot once, so move the cursor there and bring the
		 * level-1 timers due by then down first (overdue ones fire in
		 * the walk). */
		w->now_tick = now_tick - ZDP_TCP_WHEEL_SLOTS;
		for (unsigned i = 0; i < ZDP_TCP_WHEEL_SLOTS; i++)
			wheel_walk(stk, &w->slot1[i], 0, false);
	}
	while (w->now_tick < now_tick) {
		uint64_t t = ++w->now_tick;

		if ((t & (ZDP_TCP_WHEEL_SLOTS - 1)) == 0)	/* a new revolution */
			wheel_walk(stk, &w->slot1[(t >> ZDP_TCP_WHEEL_BITS) &
						  (ZDP_TCP_WHEEL_SLOTS - 1)], t, false);
		wheel_walk(stk, &w->slot[t & (ZDP_TCP_WHEEL_SLOTS - 1)], t, true);
	}
}

/* ---- RTT estimation, RFC 6298 §2 ---- */

void
zdp_tcp_rtt_sample(struct zdp_tcp_conn *c, uint32_t r)
{
	const struct zdp_tcp_stack_params *p = &c->stk->p;
	uint64_t rto;

	if (r == 0)
		r = 1;
	if (c->srtt_us == 0) {
		/* (2.2) first measurement */
		c->srtt_us = r;
		c->rttvar_us = r / 2;
	} else {
		/* (2.3) beta = 1/4, alpha = 1/8, RTTVAR updated first */
		uint32_t delta = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;

		c->rttvar_us = (3 * c->rttvar_us + delta) / 4;
		c->srtt_us = (7 * c->srtt_us + r) / 8;
	}
	/* RTO = SRTT + max(G, K*RTTVAR), K = 4, G = clock granularity */
	rto = (uint64_t)c->srtt_us + RTE_MAX((uint64_t)ZDP_TCP_TICK_US, 4ull * c->rttvar_us);
	/* (2.4) lower bound, (2.5) upper bound */
	if (rto < p->rto_min_us)
		rto = p->rto_min_us;
	if (rto > p->rto_max_us)
		rto = p->rto_max_us;
	c->rto_us = (uint32_t)rto;
	zdp_tcp_rack_rtt(c, r);		/* RFC 8985 §6.2 step 1 */
	/* A sample from a segment that was not retransmitted (Karn) ends the
	 * backoff (§5.7 lets the next RTO use the fresh estimate). */
	c->backoff = 0;
}

/* The RTO in force: base RTO doubled per expiry (§5.5), capped (§2.5). */
uint32_t
zdp_tcp_rto_current(const struct zdp_tcp_conn *c)
{
	uint64_t rto = (uint64_t)c->rto_us << RTE_MIN(c->backoff, 20);

	return (uint32_t)RTE_MIN(rto, (uint64_t)c->stk->p.rto_max_us);
}

/* RFC 8985 §7.2: WCDelAckT, the worst-case delayed-ACK time of a peer we
 * know nothing about (Linux and the RFC both use 200 ms). Our own delack_us
 * says nothing about the peer's: with a probe due at 2*SRTT + 40 ms, every
 * quiet connection with one small segment out was probed needlessly. */
#define TLP_WC_DELACK_US 200000u

/* RFC 8985 §7.2: PTO = 2*SRTT, plus the peer's worst-case delayed ACK
 * when a single segment is out, never beyond the RTO. Only with SACK (the
 * probe's ACK must be able to reveal the loss), outside loss recovery, with
 * an RTT sample and no probe already out. Returns false (timer untouched)
 * when no probe is allowed. */
bool
zdp_tcp_arm_pto(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;
	uint32_t rto = zdp_tcp_rto_current(c);

	if ((c->flags & F_SACK) && c->srtt_us && c->backoff == 0 &&
	    !(c->flags & (F_IN_RECOVERY | F_RTO_RECOVERY | F_TLP_OUT | F_PERSIST)) &&
	    (c->state == ZDP_TCP_ESTABLISHED || c->state == ZDP_TCP_CLOSE_WAIT)) {
		uint64_t pto = 2ull * c->srtt_us;

		if (tcp_flight(c) <= c->mss)
			pto += TLP_WC_DELACK_US;
		if (pto < 10000)
			pto = 10000;	/* timer granularity and jitter */
		if (pto < rto) {
			c->flags = (c->flags & ~F_REO) | F_TLP;
			zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_RTX, pto);
			return true;
		}
	}
	return false;
}

/* Arm the RTX timer for outstanding data: a probe when allowed
 * (zdp_tcp_arm_pto), else the RTO. */
void
zdp_tcp_arm_rtx(struct zdp_tcp_conn *c)
{
	if (zdp_tcp_arm_pto(c))
		return;
	c->flags &= ~(F_TLP | F_REO);
	zdp_tcp_timer_arm(c->stk, c, ZDP_TCP_T_RTX, zdp_tcp_rto_current(c));
}

/* RFC 8985 §7.3: send one new segment if the windows allow, else
 * retransmit the last one; then the RTO guards what is left. */
static void
tlp_fire(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;
	uint32_t data_end = c->snd_una + c->snd_queued;
	uint32_t unsent = SEQ_LT(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
	uint32_t wnd_end = c->snd_una + c->snd_wnd;

	c->flags &= ~F_TLP;
	c->flags |= F_TLP_OUT;
	CTR_INC(stk, TLP);
	if (unsent && c->snd_nxt == c->snd_max &&
	    SEQ_LEQ(c->snd_nxt + u32_min(unsent, c->mss), wnd_end)) {
		/* let the send loop push one segment past cwnd */
		uint32_t cw = c->cwnd;

		c->cwnd = c->snd_max - c->snd_una + u32_min(unsent, c->mss);
		zdp_tcp_output(c);
		c->cwnd = cw;
	} else {
		uint32_t end = c->snd_max, seq, len;

		if (c->flags & F_FIN_SENT)
			end--;	/* the FIN rides with the last data (retransmit_seg) */
		len = u32_min(c->mss, end - c->snd_una);
		seq = end - len;
		if (len == 0) {	/* only a FIN is out */
			seq = end;
			len = 1;
		}
		zdp_tcp_retransmit_seg(c, seq, len);
	}
	c->tlp_high = c->snd_max;
	zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_RTX, zdp_tcp_rto_current(c));
}

/* ---- what timers do ---- */

static void
rtx_fire(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;
	const struct zdp_tcp_stack_params *p = &stk->p;

	switch (c->state) {
	case ZDP_TCP_SYN_SENT:
		if (++c->retries > p->syn_retries) {
			CTR_INC(stk, TIMEOUT);
			zdp_tcp_conn_error(c, -ETIMEDOUT);
			return;
		}
		c->backoff++;
		c->flags |= F_SYN_RTX;
		c->rtt_start_us = 0;	/* Karn: never time a retransmitted SYN */
		CTR_INC(stk, RETRANS);
		c->n_retrans++;
		zdp_tcp_send_syn(c);
		zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_RTX, zdp_tcp_rto_current(c));
		return;
	case ZDP_TCP_SYN_RECEIVED:
		if (++c->retries > p->synack_retries) {
			CTR_INC(stk, TIMEOUT);
			zdp_tcp_conn_error(c, -ETIMEDOUT);
			return;
		}
		c->backoff++;
		c->flags |= F_SYN_RTX;
		c->rtt_start_us = 0;
		CTR_INC(stk, RETRANS);
		c->n_retrans++;
		zdp_tcp_send_syn(c);
		zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_RTX, zdp_tcp_rto_current(c));
		return;
	default:
		break;
	}

	if (c->flags & F_PERSIST) {
		/* RFC 9293 §3.8.6.1 / RFC 1122 §4.2.2.17: probe the zero
		 * window, backing off like the RTO, for as long as the peer
		 * answers (retries is reset by every ACK). */
		if (++c->retries > p->data_retries) {
			CTR_INC(stk, TIMEOUT);
			zdp_tcp_conn_error(c, -ETIMEDOUT);
			return;
		}
		zdp_tcp_send_probe(c, true);
		CTR_INC(stk, ZWP);
		if (c->backoff < 16)
			c->backoff++;
		zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_RTX, zdp_tcp_rto_current(c));
		return;
	}

	if (c->snd_una == c->snd_max)
		return;		/* nothing outstanding (raced with an ACK) */
	if (c->flags & F_REO) {
		/* RFC 8985 §6.3: the reordering window of a segment passed;
		 * detect again (it may re-arm itself), then the RTO guards
		 * what is left */
		c->flags &= ~F_REO;
		CTR_INC(stk, RACK_REO_TIMEOUTS);
		zdp_tcp_arm_rtx(c);
		zdp_tcp_rack_process(c);
		zdp_tcp_output(c);
		return;
	}
	if (c->flags & F_TLP) {
		tlp_fire(c);
		return;
	}

	CTR_INC(stk, RTO_FIRES);
	c->flags &= ~F_TLP_OUT;
	c->n_rto++;
	if (++c->retries > p->data_retries) {
		CTR_INC(stk, TIMEOUT);
		zdp_tcp_conn_error(c, -ETIMEDOUT);
		return;
	}
	/* RFC 5681 §3.1 eq. (4) via the CC module, then LW = 1 SMSS. */
	stk->cc->on_rto(c, stk->now_us);
	c->cwnd = c->mss;
	c->bytes_acked = 0;
	/* RFC 2018 §8: the receiver may have reneged; forget SACK state. */
	zdp_tcp_sb_reset(&c->sb);
	c->rack.lost_hi = c->snd_una;
	c->flags &= ~F_IN_RECOVERY;
	c->dupacks = 0;
	/* RFC 6582 §3.2 step 4 analogue: no fast retransmit for data sent
	 * before the timeout. */
	c->recover = c->snd_max;
	c->flags |= F_RTO_RECOVERY;
	/* Go back N: resend from snd_una as the window allows. */
	c->snd_nxt = c->snd_una;
	c->cur_seg = NULL;
	c->rtt_start_us = 0;	/* Karn: no sample from retransmitted data */
	/* RFC 6298 §5.5 back off, §5.6 restart the timer. */
	c->backoff++;
	zdp_tcp_output(c);
	zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_RTX, zdp_tcp_rto_current(c));
}

static void
keep_fire(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;
	uint64_t idle;

	switch (c->state) {
	case ZDP_TCP_TIME_WAIT:		/* RFC 9293 §3.6: 2 MSL elapsed */
	case ZDP_TCP_FIN_WAIT_2:	/* orphan timeout (app closed) */
		zdp_tcp_conn_terminate(c);
		return;
	case ZDP_TCP_ESTABLISHED:
	case ZDP_TCP_CLOSE_WAIT:
		break;
	default:
		return;
	}
	if (!c->ka_idle_us)
		return;
	idle = stk->now_us - c->last_rx_us;
	if (idle < c->ka_idle_us) {
		c->ka_sent = 0;
		zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_KEEP, c->ka_idle_us - idle);
		return;
	}
	if (c->ka_sent >= c->ka_probes) {
		CTR_INC(stk, TIMEOUT);
		zdp_tcp_conn_error(c, -ETIMEDOUT);
		return;
	}
	c->ka_sent++;
	CTR_INC(stk, KEEPALIVE_PROBES);
	zdp_tcp_send_probe(c, false);
	zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_KEEP, c->ka_intvl_us);
}

void
zdp_tcp_timer_fire(struct zdp_tcp_conn *c, enum zdp_tcp_timer_kind k)
{
	switch (k) {
	case ZDP_TCP_T_RTX:
		rtx_fire(c);
		break;
	case ZDP_TCP_T_DELACK:
		if (c->rcv_nxt != c->last_ack_sent || c->segs_since_ack) {
			CTR_INC(c->stk, DELACK);
			zdp_tcp_send_ack(c);
		}
		break;
	case ZDP_TCP_T_KEEP:
		keep_fire(c);
		break;
	default:
		break;
	}
}
