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
 *                   new incarnation (zdp_tcp_tw_syn_reuses, tcp_input.c).
 *                   Counter tcp_timewait_reused.
 *   connect takes   zdp_tcp_connect() picked the 4-tuple and the rule of
 *   the 4-tuple     zdp_tcp_tw_reusable() allows it: the new incarnation
 *                   starts beyond the old one's sequence space and
 *                   timestamps. Counter tcp_timewait_reused_outgoing.
 *
 * Without the second, a proxy that closes its upstream connections first
 * could open only (ephemeral ports / 60 s) connections per second to one
 * backend address and port: 75/s with the gateway's 4,536 ports.
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
 *     connection's TS.Recent, is newer than that of any segment of the old
 *     incarnation still on its way here, and PAWS here drops those. (A
 *     peer that draws a random timestamp offset for every connection
 *     defeats this, for Linux as for zdp; Linux and the BSDs derive it from
 *     the addresses or the 4-tuple.)
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
	uint32_t edge = tw->snd_max + u32_max(tw->max_snd_wnd, 65535u) + 1;

	return SEQ_LT(isn, edge) ? edge : isn;
}
