/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_dump.c — a bounded walk over the live connections of one stack, for
 * the admin address's /tcp/connections (see tcp_api.h).
 *
 * The walk runs on the stack's own lcore (nothing here is safe to call from
 * another thread): the worker advances a cursor over the connection pool a
 * bounded number of slots at a time, so a dump of a million connections
 * never stalls forwarding for more than one step.
 */
#include <string.h>

#include "tcp_priv.h"

static uint32_t
info_flags(const struct zdp_tcp_conn *c)
{
	uint32_t f = 0;

	if (c->flags & F_PASSIVE)
		f |= ZDP_TCP_INFO_PASSIVE;
	if (c->flags & F_TS)
		f |= ZDP_TCP_INFO_TS;
	if (c->flags & F_SACK)
		f |= ZDP_TCP_INFO_SACK;
	if (c->flags & F_WS)
		f |= ZDP_TCP_INFO_WS;
	if (c->flags & (F_IN_RECOVERY | F_RTO_RECOVERY))
		f |= ZDP_TCP_INFO_RECOVERY;
	if (c->flags & F_COOKIE)
		f |= ZDP_TCP_INFO_COOKIE;
	if (c->flags & F_FIN_SENT)
		f |= ZDP_TCP_INFO_FIN_SENT;
	if (c->flags & F_FIN_RCVD)
		f |= ZDP_TCP_INFO_FIN_RCVD;
	if (c->flags & F_PERSIST)
		f |= ZDP_TCP_INFO_PERSIST;
	return f;
}

uint32_t
zdp_tcp_conn_walk(const struct zdp_tcp_stack *stk, uint32_t *cursor, uint32_t slots,
		  struct zdp_tcp_conn_info *out, uint32_t max)
{
	uint32_t i = *cursor, end, n = 0;

	if (i >= stk->p.max_conns) {
		*cursor = ZDP_TCP_WALK_DONE;
		return 0;
	}
	end = stk->p.max_conns - i > slots ? i + slots : stk->p.max_conns;
	for (; i < end && n < max; i++) {
		const struct zdp_tcp_conn *c = &stk->conns[i];
		struct zdp_tcp_conn_info *o = &out[n];

		/* A free slot is zeroed (stk == NULL); F_FREE ones wait for
		 * release at the end of this poll. */
		if (c->stk == NULL || (c->flags & F_FREE))
			continue;
		memset(o, 0, sizeof(*o));
		o->laddr = c->laddr;
		o->raddr = c->raddr;
		o->lport = c->lport;
		o->rport = c->rport;
		o->state = c->state;
		o->snd_wscale = c->snd_wscale;
		o->rcv_wscale = c->rcv_wscale;
		o->flags = info_flags(c);
		o->snd_queued = c->snd_queued;
		o->snd_inflight = c->snd_max - c->snd_una;
		o->rcv_held = c->rcv_held;
		o->ooo_blocks = c->ooo_n;
		o->rx_idle_us = stk->now_us > c->last_rx_us ? stk->now_us - c->last_rx_us : 0;
		zdp_tcp_conn_get_stats(c, &o->st);
		/* The application's pointer only while it holds the handle:
		 * after close/abort it may point at something reused. */
		o->user = (c->flags & F_APP_HELD) ? c->user : NULL;
		n++;
	}
	*cursor = i >= stk->p.max_conns ? ZDP_TCP_WALK_DONE : i;
	return n;
}
