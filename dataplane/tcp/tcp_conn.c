/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_conn.c — the per-core stack object: pools, the 4-tuple hash,
 * listeners, the application calls (connect/send/shutdown/close/abort),
 * poll, counters and the debug dump.
 *
 * Connection lifetime:
 *
 *   alloc (SYN / connect / cookie) -> hashed -> ... -> terminate (CLOSED,
 *   unhashed, timers stopped, queues freed) -> released to the pool at the
 *   end of the next zdp_tcp_poll(), unless the application still holds
 *   the handle, in which case zdp_tcp_close()/abort() releases it.
 *
 * Deferring the release keeps every pointer the input path, the timer
 * wheel and the pending-output list hold valid until poll has finished.
 * Two paths hand a slot over at once instead, when nothing refers to it
 * (zdp_tcp_conn_recycle): a TIME-WAIT 4-tuple taken by connect, and the
 * oldest TIME-WAIT giving up its slot to a new connection when the pool
 * is empty (tcp_timewait.c).
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "tcp_priv.h"

static const char *const state_names[] = {
#define X(e, s) s,
	ZDP_TCP_STATES(X)
#undef X
};

static const char *const ctr_names[] = {
#define ZDP_TCP_CTR(e, name, help) name,
#include "tcp_counters.def"
#undef ZDP_TCP_CTR
};

const char *
zdp_tcp_state_name(enum zdp_tcp_state s)
{
	return (unsigned)s < ZDP_TCP_NSTATES ? state_names[s] : "?";
}

const char *
zdp_tcp_counter_name(enum zdp_tcp_counter i)
{
	return (unsigned)i < ZDP_TCP_CTR_MAX ? ctr_names[i] : "?";
}

void
zdp_tcp_stack_params_default(struct zdp_tcp_stack_params *p)
{
	memset(p, 0, sizeof(*p));
	p->socket_id = SOCKET_ID_ANY;
	p->max_conns = 16384;
	p->max_listeners = 16;
	p->reass_nodes = 16384;
	p->tsc_hz = 1000000;
	p->rcv_buf = 256 * 1024;
	p->snd_buf = 256 * 1024;
	p->mtu = 1500;
	p->rto_min_us = 200 * 1000;	/* Linux's floor; RFC 6298 §2.4 allows < 1 s */
	p->rto_max_us = 60 * 1000 * 1000;	/* RFC 6298 §2.5 */
	p->rto_init_us = 1000 * 1000;	/* RFC 6298 §2.1 */
	p->delack_us = 40 * 1000;	/* < 500 ms, RFC 1122 §4.2.3.2 */
	p->msl_us = 30 * 1000 * 1000;
	p->tw_reuse_us = 1000 * 1000;	/* Linux's tcp_tw_reuse delay */
	p->fin_wait2_us = 60 * 1000 * 1000;
	p->syn_retries = 6;
	p->synack_retries = 5;
	p->data_retries = 15;
	p->syn_backlog = 1024;
	p->challenge_ack_limit = 1000;	/* Linux's historical default */
	p->max_ooo_segs = 64;		/* holes per connection (see tcp_reass.c) */
	p->cc = ZDP_TCP_CC_CUBIC;
	p->eph_port_lo = 32768;
	p->eph_port_hi = 60999;
}

static uint32_t
pow2_at_least(uint32_t n)
{
	uint32_t v = 1;

	while (v < n && v < (1u << 30))
		v <<= 1;
	return v;
}

static void *
zalloc(const struct zdp_tcp_stack_params *p, size_t sz)
{
	return rte_zmalloc_socket("zdp_tcp", sz, RTE_CACHE_LINE_SIZE, p->socket_id);
}

struct zdp_tcp_stack *
zdp_tcp_stack_create(const struct zdp_tcp_stack_params *p)
{
	struct zdp_tcp_stack *stk;
	uint32_t i;
	static const uint8_t zero[32];

	if (!p || !p->pool || !p->tx || !p->tsc_hz || !p->max_conns || !p->rcv_buf ||
	    !p->snd_buf || p->mtu < 128 || p->eph_port_lo > p->eph_port_hi ||
	    !p->max_listeners || (p->tw_reuse_us && p->tw_reuse_us < 1000)) {
		errno = EINVAL;
		return NULL;
	}
	stk = zalloc(p, sizeof(*stk));
	if (!stk)
		goto nomem;
	stk->p = *p;
	/* a TSO packet's payload is attached, never copied */
	stk->p.tso_max = !p->tx_copy ? RTE_MIN(p->tso_max, ZDP_TCP_TSO_MAX) : 0;
	if (memcmp(p->secret, zero, sizeof(zero)) == 0)
		for (i = 0; i < 4; i++) {
			uint64_t r = rte_rand();

			memcpy(stk->p.secret + 8 * i, &r, 8);
		}
	stk->hseed = zdp_tcp_siphash(stk->p.secret, "hash", 4);
	/* RFC 8985 per-segment transmit times; without them RACK is off and
	 * loss detection is RFC 6675's alone */
	stk->txs_off = zdp_tcp_rack_register();
	zdp_tcp_psum_register(stk);
	stk->cc = p->cc == ZDP_TCP_CC_NEWRENO ? &zdp_tcp_cc_newreno : &zdp_tcp_cc_cubic;
	stk->tsc_mult = (uint64_t)(((unsigned __int128)1000000 << 32) / p->tsc_hz);
	stk->conns = zalloc(p, sizeof(*stk->conns) * p->max_conns);
	stk->hmask = pow2_at_least(p->max_conns) - 1;
	stk->htab = zalloc(p, sizeof(*stk->htab) * (stk->hmask + 1));
	stk->lst = zalloc(p, sizeof(*stk->lst) * p->max_listeners);
	if (p->reass_nodes)
		stk->ooo_pool = zalloc(p, sizeof(*stk->ooo_pool) * p->reass_nodes);
	if (!stk->conns || !stk->htab || !stk->lst || (p->reass_nodes && !stk->ooo_pool))
		goto nomem;
	for (i = p->max_conns; i-- > 0;) {
		stk->conns[i].pnext = stk->free_conns;
		stk->free_conns = &stk->conns[i];
	}
	for (i = p->reass_nodes; i-- > 0;) {
		stk->ooo_pool[i].next = stk->free_ooo;
		stk->free_ooo = &stk->ooo_pool[i];
	}
	/* Start the ephemeral search at a random point of the range (RFC 6056
	 * §3.2): a restarted zdp must not walk the same ports as its
	 * predecessor, whose connections may still be in TIME-WAIT at the
	 * peers (each collision costs a refused SYN and a 1 s retry). */
	stk->next_eph = (uint16_t)(p->eph_port_lo +
				   rte_rand() % ((uint32_t)p->eph_port_hi - p->eph_port_lo + 1));
	stk->chack_sec = UINT64_MAX;	/* first challenge ACK opens a budget */
	stk->tw_tail = &stk->tw_head;
	zdp_tcp_wheel_init(&stk->wheel, 0);
	return stk;
nomem:
	zdp_tcp_stack_destroy(stk);
	errno = ENOMEM;
	return NULL;
}

static void
conn_free_queues(struct zdp_tcp_conn *c)
{
	zdp_tcp_sndq_ack(c, c->snd_queued);
	if (c->sndq_head) {	/* zero-length leftovers */
		rte_pktmbuf_free(c->sndq_head);
		c->sndq_head = c->sndq_tail = NULL;
	}
	zdp_tcp_reass_flush(c);
}

void
zdp_tcp_stack_destroy(struct zdp_tcp_stack *stk)
{
	if (!stk)
		return;
	if (stk->conns)
		for (uint32_t i = 0; i < stk->p.max_conns; i++)
			if (stk->conns[i].stk)
				conn_free_queues(&stk->conns[i]);
	rte_free(stk->conns);
	rte_free(stk->htab);
	rte_free(stk->lst);
	rte_free(stk->ooo_pool);
	rte_free(stk);
}

/* ---- hash of the 4-tuple ---- */

uint32_t
zdp_tcp_tuple_hash(const struct zdp_tcp_stack *stk, const struct zdp_addr *laddr,
		   uint16_t lport, const struct zdp_addr *raddr, uint16_t rport)
{
	uint64_t h = stk->hseed, w[5];

	/* Each word gets its own mixing round. The ports once shared the
	 * first round with the remote address, and a proxy's upstream
	 * tuples (lport varies, the backend's last address byte varies at
	 * the same bits) collided whenever lport ^ address matched: chains
	 * of dozens, half of a worker's time in lookups at 100k conn/s. */
	w[0] = (uint64_t)lport << 16 | rport;
	memcpy(w + 1, raddr->a, 16);
	memcpy(w + 3, laddr->a, 16);
	for (int i = 0; i < 5; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdULL;	/* murmur3 fmix64 */
		h ^= h >> 33;
	}
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

static struct zdp_tcp_conn **
bucket(struct zdp_tcp_stack *stk, const struct zdp_addr *laddr, uint16_t lport,
       const struct zdp_addr *raddr, uint16_t rport)
{
	return &stk->htab[zdp_tcp_tuple_hash(stk, laddr, lport, raddr, rport) & stk->hmask];
}

void
zdp_tcp_prefetch(const struct zdp_tcp_stack *stk, const struct zdp_addr *laddr,
		 uint16_t lport, const struct zdp_addr *raddr, uint16_t rport)
{
	rte_prefetch0(&stk->htab[zdp_tcp_tuple_hash(stk, laddr, lport, raddr, rport) &
				 stk->hmask]);
}

void
zdp_tcp_conn_hash(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_conn **b = bucket(c->stk, &c->laddr, c->lport, &c->raddr, c->rport);

	c->hnext = *b;
	*b = c;
	c->flags |= F_HASHED;
}

void
zdp_tcp_conn_unhash(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_conn **b;

	if (!(c->flags & F_HASHED))
		return;
	b = bucket(c->stk, &c->laddr, c->lport, &c->raddr, c->rport);
	while (*b && *b != c)
		b = &(*b)->hnext;
	if (*b)
		*b = c->hnext;
	c->hnext = NULL;
	c->flags &= ~F_HASHED;
}

struct zdp_tcp_conn *
zdp_tcp_conn_lookup(struct zdp_tcp_stack *stk, const struct zdp_addr *laddr, uint16_t lport,
		    const struct zdp_addr *raddr, uint16_t rport)
{
	struct zdp_tcp_conn *c = *bucket(stk, laddr, lport, raddr, rport);

	for (; c; c = c->hnext)
		if (c->lport == lport && c->rport == rport &&
		    zdp_addr_eq(&c->raddr, raddr) && zdp_addr_eq(&c->laddr, laddr))
			return c;
	return NULL;
}

/* ---- pool ---- */

struct zdp_tcp_conn *
zdp_tcp_conn_alloc(struct zdp_tcp_stack *stk)
{
	struct zdp_tcp_conn *c = stk->free_conns;

	if (!c)		/* the oldest TIME-WAIT's slot, if any (tcp_timewait.c) */
		return zdp_tcp_tw_reclaim(stk);
	stk->free_conns = c->pnext;
	memset(c, 0, sizeof(*c));
	c->stk = stk;
	stk->n_conns++;
	return c;
}

struct zdp_tcp_conn *
zdp_tcp_conn_recycle(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;
	bool now = !(c->flags & (F_APP_HELD | F_PENDING | F_FREE));

	if (now)
		c->flags |= F_FREE;	/* terminate must not queue it for release */
	zdp_tcp_conn_terminate(c);
	if (!now)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->stk = stk;
	return c;
}

void
zdp_tcp_conn_unalloc(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;

	memset(c, 0, sizeof(*c));
	c->pnext = stk->free_conns;
	stk->free_conns = c;
	stk->n_conns--;
}

static void
conn_release(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;

	if (c->flags & F_FREE)
		return;
	c->flags |= F_FREE;
	c->pnext = stk->release;
	stk->release = c;
}

static void
release_all(struct zdp_tcp_stack *stk)
{
	while (stk->release) {
		struct zdp_tcp_conn *c = stk->release;

		stk->release = c->pnext;
		memset(c, 0, sizeof(*c));
		c->pnext = stk->free_conns;
		stk->free_conns = c;
		stk->n_conns--;
	}
}

void
zdp_tcp_conn_init_tcb(struct zdp_tcp_conn *c)
{
	const struct zdp_tcp_stack_params *p = &c->stk->p;

	c->rto_us = p->rto_init_us;
	c->adv_mss = zdp_tcp_mss_for_mtu(&c->laddr, zdp_tcp_path_mtu(c->stk, &c->raddr));
	c->confirm_tick = (uint32_t)(c->stk->now_us >> 20);	/* none in the first tick */
	c->peer_mss = c->laddr.family == ZDP_AF_INET6 ? 1220 : 536;
	c->mss = c->peer_mss;
	c->rcv_wscale = 0;
	if (!p->no_wscale)	/* RFC 7323 §2.3: smallest shift that covers the buffer */
		while (c->rcv_wscale < ZDP_TCP_MAX_WSCALE && (p->rcv_buf >> c->rcv_wscale) > 65535)
			c->rcv_wscale++;
	c->ts_off = zdp_tcp_ts_offset(p->secret, &c->laddr, &c->raddr);
	c->cwnd = c->mss;
	c->ssthresh = UINT32_MAX;
	for (int k = 0; k < ZDP_TCP_T_MAX; k++)
		c->timer[k].kind = (uint8_t)k;
}

void
zdp_tcp_conn_set_state(struct zdp_tcp_conn *c, enum zdp_tcp_state s)
{
	c->state = (uint8_t)s;
}

void
zdp_tcp_conn_established(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;

	zdp_tcp_conn_set_state(c, ZDP_TCP_ESTABLISHED);
	zdp_tcp_timer_cancel(c, ZDP_TCP_T_RTX);
	c->retries = 0;
	c->backoff = 0;
	c->rack.lost_hi = c->snd_una;	/* nothing marked lost (tcp_rack.c) */
	stk->cc->init(c);
	if (c->flags & F_SYN_RTX) {
		/* RFC 5681 §3.1 / RFC 6928 §2: IW is one segment after a lost
		 * SYN; RFC 6298 §5.7: RTO restarts from 3 s. */
		c->cwnd = c->mss;
		if (c->rto_us < 3000000 && c->srtt_us == 0)
			c->rto_us = RTE_MIN(3000000u, stk->p.rto_max_us);
	}
	c->last_rx_us = stk->now_us;
	if (c->ka_idle_us)
		zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_KEEP, c->ka_idle_us);
}

void
zdp_tcp_conn_pending(struct zdp_tcp_conn *c)
{
	if (c->flags & F_PENDING)
		return;
	c->flags |= F_PENDING;
	c->pnext = c->stk->pending;
	c->stk->pending = c;
}

void
zdp_tcp_conn_terminate(struct zdp_tcp_conn *c)
{
	if (c->state == ZDP_TCP_SYN_RECEIVED && c->lst && c->lst->n_halfopen)
		c->lst->n_halfopen--;
	c->lst = NULL;
	zdp_tcp_conn_unhash(c);
	zdp_tcp_tw_unlink(c);
	for (int k = 0; k < ZDP_TCP_T_MAX; k++)
		zdp_tcp_timer_cancel(c, (enum zdp_tcp_timer_kind)k);
	conn_free_queues(c);
	zdp_tcp_conn_set_state(c, ZDP_TCP_CLOSED);
	if (!(c->flags & F_APP_HELD) && !(c->flags & F_PENDING))
		conn_release(c);
}

void
zdp_tcp_conn_error(struct zdp_tcp_conn *c, int err)
{
	bool tell = (c->flags & F_APP_HELD) && !(c->flags & F_CLOSED_BY_APP);

	zdp_tcp_conn_terminate(c);
	if (tell && c->stk->p.cb.on_error)
		c->stk->p.cb.on_error(c, c->user, err);
}

/* ---- listeners ---- */

struct zdp_tcp_listener *
zdp_tcp_listener_lookup(struct zdp_tcp_stack *stk, const struct zdp_addr *addr, uint16_t port)
{
	struct zdp_tcp_listener *wild = NULL;
	static const uint8_t any[16];

	for (uint32_t i = 0; i < stk->p.max_listeners; i++) {
		struct zdp_tcp_listener *l = &stk->lst[i];

		if (!l->used || l->port != port || l->addr.family != addr->family)
			continue;
		if (memcmp(l->addr.a, addr->a, 16) == 0)
			return l;
		if (memcmp(l->addr.a, any, 16) == 0)
			wild = l;
	}
	return wild;
}

int
zdp_tcp_listen(struct zdp_tcp_stack *stk, const struct zdp_addr *addr, uint16_t port,
	       void *user, struct zdp_tcp_listener **out)
{
	struct zdp_tcp_listener *free_l = NULL;

	if (!addr || (addr->family != ZDP_AF_INET && addr->family != ZDP_AF_INET6) || !port)
		return -EINVAL;
	for (uint32_t i = 0; i < stk->p.max_listeners; i++) {
		struct zdp_tcp_listener *l = &stk->lst[i];

		if (l->used && l->port == port && zdp_addr_eq(&l->addr, addr))
			return -EADDRINUSE;
		if (!l->used && !free_l)
			free_l = l;
	}
	if (!free_l)
		return -ENOSPC;
	memset(free_l, 0, sizeof(*free_l));
	free_l->addr = *addr;
	free_l->port = port;
	free_l->user = user;
	free_l->used = true;
	if (out)
		*out = free_l;
	return 0;
}

void
zdp_tcp_unlisten(struct zdp_tcp_stack *stk, struct zdp_tcp_listener *l)
{
	if (!l)
		return;
	for (uint32_t i = 0; i < stk->p.max_conns; i++) {
		struct zdp_tcp_conn *c = &stk->conns[i];

		if (c->stk && c->lst == l && c->state == ZDP_TCP_SYN_RECEIVED) {
			zdp_tcp_send_rst_conn(c);
			zdp_tcp_conn_terminate(c);
		}
	}
	l->used = false;
}

/* ---- active open ---- */

/* May an active open take this 4-tuple? Yes when no connection holds it,
 * or only a TIME-WAIT one that may be reused (*@tw, else NULL), and no
 * listener has the port, and params.port_ok agrees. */
static bool
tuple_usable(struct zdp_tcp_stack *stk, const struct zdp_addr *laddr, uint16_t lport,
	     const struct zdp_addr *raddr, uint16_t rport, struct zdp_tcp_conn **tw)
{
	struct zdp_tcp_conn *c = zdp_tcp_conn_lookup(stk, laddr, lport, raddr, rport);

	*tw = NULL;
	if (c && !zdp_tcp_tw_reusable(c))
		return false;
	if (zdp_tcp_listener_lookup(stk, laddr, lport))
		return false;
	if (stk->p.port_ok && !stk->p.port_ok(stk->p.port_ok_ctx, laddr, lport, raddr, rport))
		return false;
	*tw = c;
	return true;
}

int
zdp_tcp_connect(struct zdp_tcp_stack *stk, const struct zdp_addr *laddr, uint16_t lport,
		const struct zdp_addr *raddr, uint16_t rport, void *user, uint64_t now,
		struct zdp_tcp_conn **out)
{
	const struct zdp_tcp_stack_params *p = &stk->p;
	struct zdp_tcp_conn *c = NULL, *tw = NULL;
	uint32_t iss;

	if (!laddr || !raddr || laddr->family != raddr->family || !rport ||
	    (laddr->family != ZDP_AF_INET && laddr->family != ZDP_AF_INET6))
		return -EINVAL;
	zdp_tcp_set_now(stk, now);
	if (lport) {
		tw = zdp_tcp_conn_lookup(stk, laddr, lport, raddr, rport);
		if (tw && !zdp_tcp_tw_reusable(tw))
			return -EADDRINUSE;
	} else {
		uint32_t range = (uint32_t)p->eph_port_hi - p->eph_port_lo + 1, i;

		/* The first candidate from the cursor that is free or whose
		 * TIME-WAIT may be reused, as Linux's __inet_hash_connect()
		 * takes it, rather than a free port first: the cursor goes
		 * round the range, so the port it reaches is the one used
		 * longest ago and a TIME-WAIT there is the oldest of the range
		 * (and already past the reuse rule, tcp_timewait.c). Looking
		 * for a free one instead would cost a walk over the whole
		 * range (4,536 lookups and port_ok hashes with the gateway's
		 * default range) per connect exactly when the range is busy,
		 * to spare a TIME-WAIT whose protection timestamps provide. */
		for (i = 0; i < range; i++) {
			uint16_t cand = stk->next_eph;

			stk->next_eph = cand >= p->eph_port_hi ? p->eph_port_lo : cand + 1;
			if (tuple_usable(stk, laddr, cand, raddr, rport, &tw)) {
				lport = cand;
				break;
			}
		}
		if (!lport)
			return -EADDRNOTAVAIL;
	}
	iss = zdp_tcp_isn(p->secret, laddr, lport, raddr, rport, stk->now_us);
	if (tw) {
		/* a new incarnation of the TIME-WAIT 4-tuple: beyond the old
		 * sequence space, in the old connection's slot when it is
		 * free at once (tcp_timewait.c) */
		iss = zdp_tcp_tw_iss(tw, iss);
		CTR_INC(stk, TW_REUSE_OUT);
		c = zdp_tcp_conn_recycle(tw);
	}
	if (!c)
		c = zdp_tcp_conn_alloc(stk);
	if (!c) {
		CTR_INC(stk, DROP_NO_CONN_MEM);
		return -ENOMEM;
	}
	c->laddr = *laddr;
	c->raddr = *raddr;
	c->lport = lport;
	c->rport = rport;
	c->user = user;
	c->flags |= F_APP_HELD;
	zdp_tcp_conn_init_tcb(c);
	c->iss = iss;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->recover = c->iss;
	c->rtt_start_us = stk->now_us ? stk->now_us : 1;
	c->rtt_seq = c->iss + 1;
	zdp_tcp_conn_set_state(c, ZDP_TCP_SYN_SENT);
	zdp_tcp_conn_hash(c);
	zdp_tcp_send_syn(c);
	zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_RTX, zdp_tcp_rto_current(c));
	if (out)
		*out = c;
	return 0;
}

/* ---- data ---- */

uint32_t
zdp_tcp_send_space(struct zdp_tcp_conn *c)
{
	uint32_t buf = c->stk->p.snd_buf;

	if (c->snd_queued < buf)
		return buf - c->snd_queued;
	c->flags |= F_WANT_WRITABLE;
	return 0;
}

int
zdp_tcp_send(struct zdp_tcp_conn *c, struct rte_mbuf *m)
{
	struct rte_mbuf *last;

	if (!m)
		return -EINVAL;
	switch (c->state) {
	case ZDP_TCP_ESTABLISHED:
	case ZDP_TCP_CLOSE_WAIT:
		break;
	case ZDP_TCP_SYN_SENT:
	case ZDP_TCP_SYN_RECEIVED:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
	if (c->flags & (F_FIN_QUEUED | F_CLOSED_BY_APP))
		return -EPIPE;
	if (c->snd_queued >= c->stk->p.snd_buf) {
		c->flags |= F_WANT_WRITABLE;
		return -EAGAIN;
	}
	if (m->pkt_len == 0) {
		rte_pktmbuf_free(m);
		return 0;
	}
	c->snd_queued += m->pkt_len;
	for (last = m;; last = last->next) {
		if (c->stk->txs_off >= 0)	/* not sent yet (tcp_rack.c) */
			tcp_txs(c->stk, last)->flags = 0;
		if (!last->next)
			break;
	}
	if (c->sndq_tail)
		c->sndq_tail->next = m;
	else
		c->sndq_head = m;
	c->sndq_tail = last;
	zdp_tcp_conn_pending(c);
	return 0;
}

void
zdp_tcp_recv_consumed(struct zdp_tcp_conn *c, uint32_t bytes)
{
	uint32_t before, after;

	if (bytes > c->rcv_held)
		bytes = c->rcv_held;
	before = c->stk->p.rcv_buf - c->rcv_held;
	c->rcv_held -= bytes;
	after = c->stk->p.rcv_buf - c->rcv_held;
	/* Window update when the edge can move by a worthwhile amount
	 * (RFC 9293 §3.8.6.2.2), or the window was (nearly) closed. */
	if (c->state >= ZDP_TCP_ESTABLISHED && c->state != ZDP_TCP_TIME_WAIT &&
	    (after - before >= RTE_MIN(c->stk->p.rcv_buf / 2, 2u * c->adv_mss) ||
	     SEQ_LEQ(c->rcv_adv, c->rcv_nxt + c->adv_mss))) {
		uint32_t edge = c->rcv_nxt + after;

		if (SEQ_GT(edge, c->rcv_adv) && edge - c->rcv_adv >= c->adv_mss) {
			c->flags |= F_ACK_NOW;
			zdp_tcp_conn_pending(c);
		}
	}
}

int
zdp_tcp_shutdown(struct zdp_tcp_conn *c)
{
	switch (c->state) {
	case ZDP_TCP_ESTABLISHED:
		zdp_tcp_conn_set_state(c, ZDP_TCP_FIN_WAIT_1);
		break;
	case ZDP_TCP_CLOSE_WAIT:
		zdp_tcp_conn_set_state(c, ZDP_TCP_LAST_ACK);
		break;
	case ZDP_TCP_FIN_WAIT_1:
	case ZDP_TCP_FIN_WAIT_2:
	case ZDP_TCP_CLOSING:
	case ZDP_TCP_LAST_ACK:
	case ZDP_TCP_TIME_WAIT:
		return 0;
	default:
		return -ENOTCONN;
	}
	c->flags |= F_FIN_QUEUED;
	zdp_tcp_conn_pending(c);
	return 0;
}

void
zdp_tcp_close(struct zdp_tcp_conn *c)
{
	c->flags &= ~F_APP_HELD;
	c->flags |= F_CLOSED_BY_APP;
	switch (c->state) {
	case ZDP_TCP_CLOSED:
		if (!(c->flags & F_PENDING))
			conn_release(c);
		return;
	case ZDP_TCP_SYN_SENT:
		zdp_tcp_conn_terminate(c);
		return;
	case ZDP_TCP_SYN_RECEIVED:
	case ZDP_TCP_ESTABLISHED:
		zdp_tcp_conn_set_state(c, ZDP_TCP_FIN_WAIT_1);
		c->flags |= F_FIN_QUEUED;
		break;
	case ZDP_TCP_CLOSE_WAIT:
		zdp_tcp_conn_set_state(c, ZDP_TCP_LAST_ACK);
		c->flags |= F_FIN_QUEUED;
		break;
	case ZDP_TCP_FIN_WAIT_2:
		zdp_tcp_timer_arm(c->stk, c, ZDP_TCP_T_KEEP, c->stk->p.fin_wait2_us);
		break;
	default:
		break;
	}
	zdp_tcp_conn_pending(c);
}

void
zdp_tcp_abort(struct zdp_tcp_conn *c)
{
	c->flags &= ~F_APP_HELD;
	c->flags |= F_CLOSED_BY_APP;
	switch (c->state) {
	case ZDP_TCP_SYN_RECEIVED:
	case ZDP_TCP_ESTABLISHED:
	case ZDP_TCP_FIN_WAIT_1:
	case ZDP_TCP_FIN_WAIT_2:
	case ZDP_TCP_CLOSE_WAIT:
	case ZDP_TCP_CLOSING:
	case ZDP_TCP_LAST_ACK:
		/* RFC 9293 §3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST> */
		zdp_tcp_send_rst_conn(c);
		break;
	default:
		break;
	}
	if (c->state == ZDP_TCP_CLOSED) {
		if (!(c->flags & F_PENDING))
			conn_release(c);
		return;
	}
	zdp_tcp_conn_terminate(c);
}

void
zdp_tcp_set_keepalive(struct zdp_tcp_conn *c, uint32_t idle_us, uint32_t intvl_us,
		      uint8_t probes)
{
	c->ka_idle_us = idle_us;
	c->ka_intvl_us = intvl_us ? intvl_us : 75 * 1000 * 1000;
	c->ka_probes = probes ? probes : 9;
	c->ka_sent = 0;
	if (idle_us && (c->state == ZDP_TCP_ESTABLISHED || c->state == ZDP_TCP_CLOSE_WAIT))
		zdp_tcp_timer_arm(c->stk, c, ZDP_TCP_T_KEEP, idle_us);
	else if (!idle_us && c->state == ZDP_TCP_ESTABLISHED)
		zdp_tcp_timer_cancel(c, ZDP_TCP_T_KEEP);
}

void
zdp_tcp_set_pmtu(struct zdp_tcp_conn *c, uint16_t mtu)
{
	uint16_t m = zdp_tcp_mss_for_mtu(&c->laddr, mtu);

	if (c->flags & F_TS)
		m -= 12;
	if (m < c->mss)
		c->mss = RTE_MAX(m, (uint16_t)64);
}

/*
 * Path MTU discovery from ICMP (RFC 1191 §6.3, RFC 8201 §5.2), hardened as
 * RFC 5927 says: an ICMP error is unauthenticated, so it acts only when it
 * quotes a segment this connection has in flight (§4.1: SND.UNA <= SEG.SEQ
 * < SND.NXT; SND.MAX here, the highest sent) and only ever lowers the MSS.
 * Other errors are soft (RFC 5461) and ignored.
 */
static int
icmp_pmtu(struct zdp_tcp_stack *stk, const struct zdp_addr *laddr, uint16_t lport,
	  const struct zdp_addr *raddr, uint16_t rport, uint32_t seq, uint32_t mtu)
{
	struct zdp_tcp_conn *c = zdp_tcp_conn_lookup(stk, laddr, lport, raddr, rport);
	/* RFC 8201 §4: IPv6 links carry 1280; for IPv4, Linux's min_pmtu */
	uint32_t floor = laddr->family == ZDP_AF_INET6 ? 1280 : 552;
	uint16_t old;

	if (!c)
		return -ENOENT;
	if (SEQ_LT(seq, c->snd_una) || SEQ_GEQ(seq, c->snd_max))
		return -ERANGE;
	if (mtu < 68)		/* 0: a router older than RFC 1191 */
		return -EINVAL;
	old = c->mss;
	if (mtu < floor)
		mtu = floor;
	zdp_tcp_set_pmtu(c, (uint16_t)RTE_MIN(mtu, 65535u));
	if (c->mss >= old)
		return -EALREADY;
	CTR_INC(stk, PMTU_UPDATES);
	/* The segments that did not fit are gone. That is no congestion
	 * signal (RFC 1191 §6.5): resend what is in flight in segments that
	 * fit, as after an RTO but with cwnd and the RTO left alone; what the
	 * peer has SACKed is skipped (tcp_output.c). */
	if (c->state != ZDP_TCP_SYN_SENT && c->state != ZDP_TCP_SYN_RECEIVED &&
	    c->snd_una != c->snd_max) {
		c->flags &= ~(F_IN_RECOVERY | F_TLP_OUT);
		c->flags |= F_RTO_RECOVERY;
		c->recover = c->snd_max;
		c->rack.lost_hi = c->snd_una;
		c->dupacks = 0;
		c->snd_nxt = c->snd_una;
		c->cur_seg = NULL;
		c->rtt_start_us = 0;	/* Karn */
		zdp_tcp_output(c);
	}
	return 0;
}

static inline uint32_t
be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
zdp_tcp_icmp_input(struct zdp_tcp_stack *stk, int family, const uint8_t *icmp, uint32_t len)
{
	const uint8_t *q = icmp + 8;
	uint32_t mtu, ihl, qlen = len >= 8 ? len - 8 : 0;
	struct zdp_addr src, dst;
	uint8_t proto;
	int rc;

	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	src.family = dst.family = (uint8_t)family;
	if (family == ZDP_AF_INET) {
		if (len < 8 || icmp[0] != 3 || icmp[1] != 4) {	/* frag. needed, DF set */
			rc = -EOPNOTSUPP;
			goto out;
		}
		mtu = (uint32_t)icmp[6] << 8 | icmp[7];
		ihl = qlen >= 20 ? (q[0] & 0xfu) * 4u : 0;
		if (qlen < 20 || (q[0] >> 4) != 4 || ihl < 20 || qlen < ihl + 8) {
			rc = -EINVAL;
			goto out;
		}
		proto = q[9];
		memcpy(src.a, q + 12, 4);
		memcpy(dst.a, q + 16, 4);
	} else if (family == ZDP_AF_INET6) {
		if (len < 8 || icmp[0] != 2) {			/* Packet Too Big */
			rc = -EOPNOTSUPP;
			goto out;
		}
		mtu = be32_at(icmp + 4);
		ihl = 40;
		if (qlen < 48 || (q[0] >> 4) != 6) {
			rc = -EINVAL;
			goto out;
		}
		proto = q[6];		/* extension headers: never on our segments */
		memcpy(src.a, q + 8, 16);
		memcpy(dst.a, q + 24, 16);
	} else {
		rc = -EINVAL;
		goto out;
	}
	if (proto != 6) {	/* TCP */
		rc = -EINVAL;
		goto out;
	}
	/* RFC 792 / RFC 4443 quote at least the first 8 bytes: ports, SEQ */
	rc = icmp_pmtu(stk, &src, (uint16_t)(q[ihl] << 8 | q[ihl + 1]), &dst,
		       (uint16_t)(q[ihl + 2] << 8 | q[ihl + 3]), be32_at(q + ihl + 4), mtu);
out:
	if (rc != 0)
		CTR_INC(stk, ICMP_IGNORED);
	return rc;
}

void
zdp_tcp_set_nagle(struct zdp_tcp_conn *c, bool on)
{
	if (on)
		c->flags |= F_NAGLE;
	else
		c->flags &= ~F_NAGLE;
}

/* ---- poll ---- */

static void
flush_pending(struct zdp_tcp_stack *stk)
{
	while (stk->pending) {
		struct zdp_tcp_conn *c = stk->pending;

		stk->pending = c->pnext;
		c->flags &= ~F_PENDING;
		if (c->state != ZDP_TCP_CLOSED)
			zdp_tcp_output(c);
		else if (!(c->flags & F_APP_HELD))
			conn_release(c);
	}
}

/* Output the input left pending goes first: a timer due by now must not
 * end a connection before it sent what it owes (the ACK of the FIN that
 * started a TIME-WAIT shorter than the gap between two polls). Then the
 * timers, then what they queued. */
void
zdp_tcp_poll(struct zdp_tcp_stack *stk, uint64_t now)
{
	zdp_tcp_set_now(stk, now);
	flush_pending(stk);
	zdp_tcp_timers_run(stk);
	flush_pending(stk);
	release_all(stk);
}

/* ---- introspection ---- */

enum zdp_tcp_state
zdp_tcp_conn_state(const struct zdp_tcp_conn *c)
{
	return (enum zdp_tcp_state)c->state;
}

void *
zdp_tcp_conn_user(const struct zdp_tcp_conn *c)
{
	return c->user;
}

void
zdp_tcp_conn_set_user(struct zdp_tcp_conn *c, void *user)
{
	c->user = user;
}

void
zdp_tcp_conn_addrs(const struct zdp_tcp_conn *c, struct zdp_addr *laddr, uint16_t *lport,
		   struct zdp_addr *raddr, uint16_t *rport)
{
	if (laddr)
		*laddr = c->laddr;
	if (lport)
		*lport = c->lport;
	if (raddr)
		*raddr = c->raddr;
	if (rport)
		*rport = c->rport;
}

const uint64_t *
zdp_tcp_stack_counters(const struct zdp_tcp_stack *stk)
{
	return stk->ctr;
}

uint32_t
zdp_tcp_stack_conns_in_use(const struct zdp_tcp_stack *stk)
{
	return stk->n_conns;
}

size_t
zdp_tcp_conn_state_size(void)
{
	return sizeof(struct zdp_tcp_conn) + sizeof(struct zdp_tcp_conn *);
}

void
zdp_tcp_conn_get_stats(const struct zdp_tcp_conn *c, struct zdp_tcp_conn_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->segs_in = c->segs_in;
	st->segs_out = c->segs_out;
	st->bytes_in = c->bytes_in;
	st->bytes_out = c->bytes_out;
	st->retransmits = c->n_retrans;
	st->rto_fires = c->n_rto;
	st->ooo_segs = c->n_ooo;
	st->sack_recoveries = c->n_sack_rec;
	st->srtt_us = c->srtt_us;
	st->rttvar_us = c->rttvar_us;
	st->rto_us = zdp_tcp_rto_current(c);
	st->cwnd = c->cwnd;
	st->ssthresh = c->ssthresh;
	st->snd_wnd = c->snd_wnd;
	st->rcv_wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	st->mss = c->mss;
}

void
zdp_tcp_dump(const struct zdp_tcp_stack *stk, FILE *f)
{
	for (uint32_t i = 0; i < stk->p.max_conns; i++) {
		const struct zdp_tcp_conn *c = &stk->conns[i];
		char l[64], r[64];

		if (!c->stk || (c->flags & F_FREE))
			continue;
		zdp_addr_fmt(&c->laddr, l, sizeof(l));
		zdp_addr_fmt(&c->raddr, r, sizeof(r));
		fprintf(f, "%s:%u %s:%u %s una=%u nxt=%u max=%u queued=%u rcv_nxt=%u "
			"held=%u cwnd=%u ssthresh=%u wnd=%u srtt=%uus rto=%uus "
			"mss=%u rtx=%u ooo=%u%s%s%s\n",
			l, c->lport, r, c->rport, zdp_tcp_state_name(c->state),
			c->snd_una - c->iss, c->snd_nxt - c->iss, c->snd_max - c->iss,
			c->snd_queued, c->rcv_nxt - c->irs, c->rcv_held, c->cwnd,
			c->ssthresh, c->snd_wnd, c->srtt_us, zdp_tcp_rto_current(c),
			c->mss, c->n_retrans, c->ooo_n,
			(c->flags & F_TS) ? " ts" : "", (c->flags & F_SACK) ? " sack" : "",
			(c->flags & F_IN_RECOVERY) ? " recovery" : "");
	}
}
