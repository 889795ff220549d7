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
