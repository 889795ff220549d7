/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_timewait.c — TIME-WAIT: entering it, and the rules that end it
 * before its 2 MSL are over.
 *
 * RFC 9293 §3.6.1: the side that closes first keeps the 4-tuple for 2 MSL
 * (params.msl_us, 60 s by default), so that no delayed segment of the
 * connection is taken for part of a later one with the same 4-tuple, and
 * so that a retransmission of the peer's FIN still gets its ACK. A
 * TIME-WAIT connection keeps its whole pool slot. It ends early when:
 *
 *   a SYN arrives   RFC 6191 §2 with timestamps (the SYN's TSval is newer
 *                   than TS.Recent), RFC 1122 §4.2.2.13 without (its
 *                   sequence number is beyond RCV.NXT): the SYN opens a
 *                   new incarnation (zdp_tcp_tw_syn_reuses, tcp_input.c)
 *                   with an ISS past the old one (zdp_tcp_tw_iss).
 *                   Counter tcp_timewait_reused.
 *   connect takes   zdp_tcp_connect() picked the 4-tuple and the rule of
 *   the 4-tuple     zdp_tcp_tw_reusable() allows it: the new incarnation
 *                   starts beyond the old one's sequence space and
 *                   timestamps. Counter tcp_timewait_reused_outgoing.
 *   the pool is     a new connection (SYN, SYN cookie, connect) found no
 *   empty           free slot: the oldest TIME-WAIT connection gives up
 *                   its own (zdp_tcp_tw_reclaim), as a last resort.
 *                   Counter tcp_timewait_evicted.
 *
 * Without the second, a proxy that closes its upstream connections first
 * could open only (ephemeral ports / 60 s) connections per second to one
 * backend address and port: 75/s with the gateway's 4,536 ports. Without
 * the third, TIME-WAIT alone fills a pool of N slots at N / 60 s closes
 * per second (1,092/s for the gateway's 65,536), and new connections are
 * refused although most of the pool only waits out a timer.
 *
 * TIME-WAIT connections sit on a list in the order they entered it:
 *
 *   stk->tw_head --> [c] --> [c] --> ... --> [c] --> NULL
 *                  oldest                  newest   ^
 *                                                   stk->tw_tail (&its tw_next)
 *
 * linked through c->tw_next and c->tw_pprev (the address of the pointer
 * to c), so entering, leaving anywhere (2 MSL over, RST, reuse) and taking
 * the oldest are O(1). A retransmitted FIN restarts the 2 MSL but leaves
 * the connection in its place: "oldest" is by entry, which is also the
 * order in which the timers would have ended them had no FIN come again.
 */
#include "tcp_priv.h"

/* RFC 9293 §3.10.7.4: FIN-WAIT-2 or CLOSING, the peer's FIN and our own
 * acknowledged: wait 2 MSL, restarted by a retransmitted FIN. */
void
zdp_tcp_tw_enter(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;

	zdp_tcp_conn_set_state(c, ZDP_TCP_TIME_WAIT);
	zdp_tcp_timer_cancel(c, ZDP_TCP_T_RTX);
	zdp_tcp_timer_cancel(c, ZDP_TCP_T_DELACK);
	zdp_tcp_sndq_ack(c, c->snd_queued);
	zdp_tcp_reass_flush(c);
	zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_KEEP, 2ull * stk->p.msl_us);
	if (c->tw_pprev)	/* already listed */
		return;
	c->tw_next = NULL;
	c->tw_pprev = stk->tw_tail;
	*stk->tw_tail = c;
	stk->tw_tail = &c->tw_next;
}

/* Off the TIME-WAIT list (zdp_tcp_conn_terminate: every way out of
 * TIME-WAIT goes through it). A no-op for a connection not on it. */
void
zdp_tcp_tw_unlink(struct zdp_tcp_conn *c)
{
	if (!c->tw_pprev)
		return;
	*c->tw_pprev = c->tw_next;
	if (c->tw_next)
		c->tw_next->tw_pprev = c->tw_pprev;
	else
		c->stk->tw_tail = c->tw_pprev;
	c->tw_next = NULL;
	c->tw_pprev = NULL;
}

/* RFC 6191 §2: with timestamps on both the TIME-WAIT connection and the
 * SYN, a TSval newer than TS.Recent; otherwise RFC 1122 §4.2.2.13: a
 * sequence number beyond RCV.NXT. Either way no segment of the old
 * incarnation can be mistaken for one of the new. */
bool
zdp_tcp_tw_syn_reuses(const struct zdp_tcp_conn *c, const struct zdp_tcp_seg *s)
{
	if ((c->flags & F_TS) && s->has_ts)
		return SEQ_GT(s->tsval, c->ts_recent);
	return SEQ_GT(s->seq, c->rcv_nxt);
}

/* Outgoing reuse (what Linux's net.ipv4.tcp_tw_reuse allows, see
 * tcp_twsk_unique()): connect may take the 4-tuple of TIME-WAIT
 * connection @c when
 *
 *   (1) @c negotiated timestamps (RFC 7323), and
 *   (2) nothing arrived on @c for params.tw_reuse_us (1 s): it entered
 *       TIME-WAIT at least that long ago, and so did any retransmitted FIN
 *       (last_rx_us is set by every segment, tcp_input.c).
 *
 * The new incarnation is then safe from the old one's delayed segments:
 *
 *   - its ISS is beyond everything the old one sent and everything the
 *     peer could still have accepted for it (zdp_tcp_tw_iss), so a peer
 *     still in TIME-WAIT itself accepts the SYN (RFC 1122 §4.2.2.13);
 *   - its TSvals are newer than every TSval of the old one: tcp_ts_now()
 *     is the millisecond clock plus an offset per address pair
 *     (tcp_isn.c), the same for both incarnations, and the old one sent
 *     its last segment at least tw_reuse_us >= 1 ms ago (in TIME-WAIT it
 *     only answers what arrives; no timer runs but its end). So a peer in
 *     TIME-WAIT accepts the SYN by RFC 6191 §2, and the peer's PAWS
 *     (RFC 7323 §5) drops our old segments on the new connection;
 *   - the peer's timestamp clock ticks at least once a second (RFC 7323
 *     §5.4), so after 1 s the TSval of its SYN-ACK, which becomes the new
 *     connection's TS.Recent, is newer than that of every segment it sent
 *     on the old incarnation up to the last one that reached us, however
 *     late those arrive, and PAWS here drops them. (A peer that draws a
 *     random timestamp offset for every connection defeats this, for
 *     Linux as for zdp; Linux and the BSDs derive it from the addresses or
 *     the 4-tuple.)
 *
 * A peer still in LAST-ACK (our last ACK was lost) answers the new SYN
 * with an ACK of the old connection, which SYN-SENT resets (RFC 9293
 * §3.10.7.3); the SYN goes again after its RTO, as with Linux.
 *
 * Without timestamps there is no reuse: then only the 2 MSL wait keeps
 * duplicates of an earlier incarnation out (RFC 7323 §5.8). */
bool
zdp_tcp_tw_reusable(const struct zdp_tcp_conn *c)
{
	const struct zdp_tcp_stack *stk = c->stk;

	return c->state == ZDP_TCP_TIME_WAIT && (c->flags & F_TS) && stk->p.tw_reuse_us &&
	       stk->now_us - c->last_rx_us >= stk->p.tw_reuse_us;
}

/* ISS of a connection that takes the 4-tuple of TIME-WAIT connection
 * @tw: @isn (the RFC 6528 ISN for it) when that lies beyond the old
 * incarnation's sequence space, else the first sequence number past it:
 * past SND.MAX and past the right edge of the largest window the peer
 * offered (at least 64 KiB), which bounds what the peer could still accept
 * for the old connection. The RFC 6528 clock (250,000 per second) usually
 * keeps @isn ahead unless the old connection moved more than that. */
uint32_t
zdp_tcp_tw_iss(const struct zdp_tcp_conn *tw, uint32_t isn)
{
	return zdp_tcp_tw_iss_past(zdp_tcp_tw_edge(tw), isn);
}

uint32_t
zdp_tcp_tw_edge(const struct zdp_tcp_conn *tw)
{
	return tw->snd_max + u32_max(tw->max_snd_wnd, 65535u) + 1;
}

/* The pool is empty: end the oldest TIME-WAIT connection and return its
 * slot for a new connection (zeroed, as zdp_tcp_conn_alloc() returns
 * one), or NULL when no TIME-WAIT connection is left.
 *
 * A last resort, not a rule of RFC 9293 or RFC 6191: the evicted 4-tuple
 * loses the protection TIME-WAIT gives it. Should the same 4-tuple come
 * back within what would have been its 2 MSL, without timestamps, a
 * delayed segment of the old connection could land in the new one; and a
 * retransmission of the peer's FIN gets a RST instead of an ACK (which
 * only ends the peer's LAST-ACK early). Refusing the new connection is the
 * only alternative, so this runs only when the pool has no free slot.
 * Linux, past net.ipv4.tcp_max_tw_buckets, closes the connection that is
 * about to enter TIME-WAIT without it (TCPTimeWaitOverflow); taking the
 * oldest instead keeps TIME-WAIT for the latest closes, whose segments are
 * the likeliest still in flight, and has served the oldest for longest.
 *
 * A TIME-WAIT connection the application still holds, or with an ACK
 * waiting in the pending-output list, ends too but keeps its slot until
 * the application closes it or poll releases it; the next oldest is tried
 * then. Each connection leaves the list once, so the loop is O(1)
 * amortized. */
struct zdp_tcp_conn *
zdp_tcp_tw_reclaim(struct zdp_tcp_stack *stk)
{
	struct zdp_tcp_conn *c;

	while ((c = stk->tw_head) != NULL) {
		CTR_INC(stk, TW_EVICTED);
		c = zdp_tcp_conn_recycle(c);	/* unlinks it */
		if (c)
			return c;
	}
	return NULL;
}
