/* SPDX-License-Identifier: BSD-3-Clause
 * proxy.c — tcp-proxy routes on a worker (see proxy.h).
 *
 *   client ──TCP──► [front half] ══ mbuf chains ══ [back half] ──TCP──► backend
 *                   accepted on the VIP            opened from the gateway
 *                                                  address of the egress port
 *
 * Each side passes the chains it receives to the other without copying. A
 * chain counts as consumed on its source (zdp_tcp_recv_consumed, which
 * reopens the source's receive window) only once the other side's send
 * queue has taken it, so a slow reader on either side closes the window of
 * the other: backpressure end to end. A FIN is passed on as shutdown()
 * after everything before it; a reset or error on one side aborts the
 * other. Both halves are released when both FINs went through.
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_malloc.h>

#include "fastpath.h"
#include "flow.h"
#include "l3.h"
#include "neigh.h"
#include "proxy.h"
#include "route.h"
#include "symhash.h"
#include "tcp_api.h"
#include "worker.h"

#include <time.h>

#define PROXY_MAX_LISTENERS	16
#define PROXY_DEFAULT_CONNS	16384	/* when the runtime sets no pool size */
#define PROXY_IDLE_SCAN		256	/* halves checked per housekeeping call */
#define PROXY_DUMP_SLOTS	8192	/* pool slots a dump step looks at */

struct zdp_proxy;

struct proxy_half {
	struct zdp_proxy *p;
	struct zdp_tcp_conn *c;
	struct proxy_half *peer;
	struct rte_mbuf *pend;		/* received here, not yet taken by peer */
	uint64_t last_active;		/* TSC of the last byte either way */
	uint64_t idle;			/* idle timeout, TSC cycles */
	bool in_use, back, connected, peer_fin, fin_fwd;
	struct proxy_half *next_free;
};

struct proxy_listener {
	struct zdp_vip_key key;
	struct zdp_tcp_listener *l;
	bool seen;
};

struct zdp_proxy {
	struct zdp_worker *w;
	const struct zdp_snapshot *s;	/* snapshot of the current loop */
	uint64_t gen;
	struct proxy_listener lst[PROXY_MAX_LISTENERS];
	unsigned n_lst;
	struct proxy_half *free;
	uint32_t scan;
	uint32_t n_halves;		/* = the stack's connection pool */
	struct proxy_half *halves;
	/* /tcp/connections: asked by mgmt, served a step per housekeeping. */
	struct {
		uint32_t state;		/* DUMP_*, atomic */
		uint32_t cursor, n, cap, in_use;
		struct zdp_proxy_conn_dump *out;
	} dump;
};

enum { DUMP_IDLE, DUMP_ASKED, DUMP_BUSY, DUMP_DONE };

static struct proxy_half *
half_new(struct zdp_proxy *p)
{
	struct proxy_half *h = p->free;

	if (h == NULL)
		return NULL;
	p->free = h->next_free;
	memset(h, 0, sizeof(*h));
	h->p = p;
	h->in_use = true;
	return h;
}

static void
half_free(struct proxy_half *h)
{
	struct zdp_proxy *p = h->p;

	rte_pktmbuf_free(h->pend);
	h->pend = NULL;
	h->in_use = false;
	h->next_free = p->free;
	p->free = h;
}

/* ---- relay -------------------------------------------------------------- */

static void relay_release(struct proxy_half *a);

/* Pass what @src holds to its peer; true when nothing is left pending. */
static bool
relay_flush(struct proxy_half *src)
{
	struct proxy_half *dst = src->peer;

	while (src->pend && dst && dst->connected) {
		struct rte_mbuf *m = src->pend;
		uint32_t len = m->pkt_len;
		int rc = zdp_tcp_send(dst->c, m);

		if (rc == -EAGAIN)
			return false;	/* dst's on_writable resumes */
		src->pend = NULL;
		if (rc != 0)
			rte_pktmbuf_free(m);
		zdp_tcp_recv_consumed(src->c, len);
	}
	if (!src->pend && src->peer_fin && !src->fin_fwd && dst && dst->connected) {
		src->fin_fwd = true;
		zdp_tcp_shutdown(dst->c);	/* half-close travels on */
	}
	return !src->pend;
}

static void
relay_maybe_done(struct proxy_half *a)
{
	struct proxy_half *b = a->peer;

	if (b && a->fin_fwd && b->fin_fwd) {
		a->p->w->ctr->proxy_closed++;
		relay_release(b);
		relay_release(a);
	}
}

static void
relay_release(struct proxy_half *a)
{
	if (a->peer)
		a->peer->peer = NULL;
	a->peer = NULL;
	zdp_tcp_close(a->c);
	half_free(a);
}

/* One side failed: reset the other, release both. */
static void
relay_fail(struct proxy_half *a)
{
	struct proxy_half *b = a->peer;

	if (b) {
		b->peer = NULL;
		zdp_tcp_abort(b->c);
		half_free(b);
	}
	a->peer = NULL;
	zdp_tcp_close(a->c);
	half_free(a);
}

/* ---- stack callbacks ---------------------------------------------------- */

static void *
proxy_refuse(struct zdp_worker *w, enum zdp_drop_reason r)
{
	w->ctr->drops[r]++;
	w->ctr->proxy_refused++;
	return NULL;
}

/*
 * A client completed its handshake with a tcp-proxy VIP: choose the backend
 * with the fast path's first-packet decision (zdp_vip_pick), then open the
 * upstream connection. NULL refuses (the stack resets).
 */
static void *
on_accept(struct zdp_tcp_conn *c, void *lu)
{
	struct zdp_proxy *p = lu;
	struct zdp_worker *w = p->w;
	const struct zdp_snapshot *s = p->s;
	const struct zdp_backend *be;
	const struct zdp_vip *vip;
	enum zdp_drop_reason r;
	struct zdp_route_nh nh;
	struct zdp_addr la, ra, snat;
	struct proxy_half *a, *b;
	uint16_t lp, rp;
	int rc;

	zdp_tcp_conn_addrs(c, &la, &lp, &ra, &rp);
	vip = zdp_snapshot_vip_lookup(s, &la, rte_cpu_to_be_16(lp), ZDP_IPPROTO_TCP);
	if (vip == NULL || vip->mode != ZDP_VIP_TCP_PROXY)
		return proxy_refuse(w, ZDP_DROP_NO_BACKEND);	/* route removed */
	r = zdp_vip_pick(w, s, vip, &ra, &la, rp, lp, ZDP_IPPROTO_TCP, &be);
	if (r != ZDP_DROP_NONE)
		return proxy_refuse(w, r);
	if (zdp_route_lookup(s->routes, &be->addr, &nh) < 0 ||
	    zdp_route_src_addr(s->routes, nh.port, &be->addr, &snat) < 0)
		return proxy_refuse(w, ZDP_DROP_NO_ROUTE);

	a = half_new(p);
	b = a ? half_new(p) : NULL;
	if (b == NULL) {
		if (a)
			half_free(a);
		return proxy_refuse(w, ZDP_DROP_FLOW_TABLE_FULL);
	}
	rc = zdp_tcp_connect(w->tcp, &snat, 0, &be->addr, be->port, b, w->now, &b->c);
	if (rc != 0) {
		half_free(b);
		half_free(a);
		/* -EADDRNOTAVAIL: every proxy port to this backend is in use
		 * (TIME-WAITs younger than the reuse delay included);
		 * -ENOMEM: the connection pool is full */
		return proxy_refuse(w, rc == -ENOMEM ? ZDP_DROP_TCP_CONNS : ZDP_DROP_NAT_PORTS);
	}
	a->c = c;
	a->connected = true;
	b->back = true;
	a->peer = b;
	b->peer = a;
	a->idle = b->idle = (uint64_t)vip->idle_timeout_s * w->rt->tsc_hz;
	a->last_active = b->last_active = w->now;
	w->ctr->proxy_accepted++;
	w->ctr->backend_picks[be->stat_id]++;
	return a;
}

static void
on_connected(struct zdp_tcp_conn *c, void *u)
{
	struct proxy_half *b = u;

	(void)c;
	b->connected = true;
	b->p->w->ctr->proxy_connected++;
	if (b->peer)
		relay_flush(b->peer);	/* what the client sent before we were up */
}

static void
on_readable(struct zdp_tcp_conn *c, void *u, struct rte_mbuf *m, uint32_t len)
{
	struct proxy_half *a = u;

	(void)c;
	(void)len;
	a->last_active = a->p->w->now;
	if (a->peer)
		a->peer->last_active = a->last_active;
	if (a->pend == NULL) {
		a->pend = m;
	} else if (rte_pktmbuf_chain(a->pend, m) != 0) {
		/* Chain too long to hold: fail the relay rather than lose data. */
		rte_pktmbuf_free(m);
		relay_fail(a);
		return;
	}
	relay_flush(a);
}

static void
on_writable(struct zdp_tcp_conn *c, void *u)
{
	struct proxy_half *a = u;

	(void)c;
	if (a->peer && relay_flush(a->peer))
		relay_maybe_done(a);
}

static void
on_peer_closed(struct zdp_tcp_conn *c, void *u)
{
	struct proxy_half *a = u;

	(void)c;
	a->peer_fin = true;
	if (a->peer == NULL) {		/* the other side is gone already */
		relay_release(a);
		return;
	}
	if (relay_flush(a))
		relay_maybe_done(a);
}

static void
on_reset(struct zdp_tcp_conn *c, void *u)
{
	struct proxy_half *a = u;

	(void)c;
	a->p->w->ctr->proxy_reset++;
	relay_fail(a);
}

static void
on_error(struct zdp_tcp_conn *c, void *u, int err)
{
	struct proxy_half *a = u;

	(void)c;
	(void)err;
	a->p->w->ctr->proxy_failed++;
	relay_fail(a);
}

/* Segments from the stack start at the IP header: route, add L2, send. */
static void
proxy_tx(void *ctx, struct rte_mbuf *m)
{
	struct zdp_worker *w = ctx;
	const struct zdp_snapshot *s = w->proxy->s;
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	bool v4 = (ip[0] >> 4) == 4;
	const uint8_t *dst = ip + (v4 ? 16 : 24);

	if (rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN) == NULL) {
		zdp_worker_drop(w, m, ZDP_DROP_NO_MBUF);
		return;
	}
	m->l2_len = RTE_ETHER_HDR_LEN;	/* for TX checksum offload */
	zdp_fastpath_send(w, s, v4 ? ZDP_AF_INET : ZDP_AF_INET6, dst, m);
}

/* The MTU of the port the route to @raddr leaves by: a connection's MSS
 * fits the link it uses, not ports[0]'s. */
static uint16_t
proxy_path_mtu(void *ctx, const struct zdp_addr *raddr)
{
	struct zdp_worker *w = ctx;
	struct zdp_route_nh nh;

	if (w->proxy->s == NULL || zdp_route_lookup(w->proxy->s->routes, raddr, &nh) < 0)
		return 0;
	return w->rt->ports[nh.port].mtu;
}

/* An ACK of new data from @raddr: the neighbour its route goes through is
 * reachable (neigh.h zdp_neigh_confirm), whether or not it still answers
 * our probes. */
static void
proxy_confirm(void *ctx, const struct zdp_addr *raddr)
{
	struct zdp_worker *w = ctx;
	struct zdp_route_nh nh;

	if (w->proxy->s != NULL && zdp_route_lookup(w->proxy->s->routes, raddr, &nh) >= 0)
		zdp_neigh_confirm(w->neigh, nh.port, &nh.addr, w->now);
}

/* Connections the stack opens must have their replies come to this worker
 * and must not take a source-NAT binding's 4-tuple. */
static bool
proxy_port_ok(void *ctx, const struct zdp_addr *laddr, uint16_t lport,
	      const struct zdp_addr *raddr, uint16_t rport)
{
	struct zdp_worker *w = ctx;
	struct zdp_flow_key k;
	uint8_t dir;

	if (w->rt->n_workers > 1 &&
	    zdp_runtime_owner(w->rt, zdp_symhash(raddr, laddr, rte_cpu_to_be_16(rport),
						 rte_cpu_to_be_16(lport),
						 ZDP_IPPROTO_TCP)) != w->idx)
		return false;
	zdp_flow_key_make(&k, ZDP_IPPROTO_TCP, raddr, rte_cpu_to_be_16(rport), laddr,
			  rte_cpu_to_be_16(lport));
	return zdp_flow_lookup(w->flows, &k, &dir) == NULL;
}

/* ---- worker entry points ------------------------------------------------ */

int
zdp_proxy_worker_init(struct zdp_worker *w)
{
	struct zdp_tcp_stack_params tp;
	struct zdp_proxy *p;

	p = rte_zmalloc_socket("zdp_proxy", sizeof(*p), RTE_CACHE_LINE_SIZE, w->socket);
	if (p == NULL)
		return -ENOMEM;
	p->w = w;
	p->n_halves = w->rt->wp.tcp_conns ? w->rt->wp.tcp_conns : PROXY_DEFAULT_CONNS;
	p->halves = rte_zmalloc_socket("zdp_proxy_halves", sizeof(*p->halves) * p->n_halves,
				       RTE_CACHE_LINE_SIZE, w->socket);
	if (p->halves == NULL) {
		rte_free(p);
		return -ENOMEM;
	}
	for (uint32_t i = p->n_halves; i-- > 0;) {
		p->halves[i].next_free = p->free;
		p->free = &p->halves[i];
	}
	zdp_tcp_stack_params_default(&tp);
	tp.socket_id = w->socket;
	tp.max_conns = p->n_halves;
	tp.max_listeners = PROXY_MAX_LISTENERS;
	tp.tsc_hz = w->rt->tsc_hz;
	tp.pool = w->rt->ports[0].pool;
	/* Every segment reaches the stack through the fast path, which drops
	 * bad checksums and flags the rest good (fastpath.c fp_l4_csum_bad). */
	tp.rx_csum_trust = true;
	/* The NIC fills TCP and IPv4 checksums when every port can: a segment
	 * may leave by any of them. */
	tp.tx_csum_offload = w->rt->n_ports > 0;
	for (unsigned i = 0; i < w->rt->n_ports; i++)
		if (!w->rt->ports[i].tx_l4_cksum || !w->rt->ports[i].tx_ip_cksum)
			tp.tx_csum_offload = false;
	/* TSO packets (gateway.tcpSegmentation): when every device segments
	 * ("device"), or, with "software", also for ports whose device
	 * cannot: the worker cuts them (gso.h). Measured on the ring peer,
	 * the worker's cutting saved nothing per byte and cost ~10 % per
	 * connection (docs/tcp.md): not the default. They keep to the
	 * smallest mbufs-per-packet limit of the devices that segment. */
	tp.tso_max = w->rt->wp.tcp_seg != 2 ? ZDP_TCP_TSO_MAX : 0;
	for (unsigned i = 0; i < w->rt->n_ports; i++) {
		uint16_t ms = w->rt->ports[i].tx_max_segs;

		if (!w->rt->ports[i].tx_tso && w->rt->wp.tcp_seg != 1)
			tp.tso_max = 0;
		if (w->rt->ports[i].tx_tso && ms && (!tp.tso_max_segs || ms < tp.tso_max_segs))
			tp.tso_max_segs = ms;
	}
	tp.tx = proxy_tx;
	tp.tx_ctx = w;
	tp.port_ok = proxy_port_ok;
	tp.port_ok_ctx = w;
	tp.path_mtu = proxy_path_mtu;
	tp.path_mtu_ctx = w;
	tp.confirm = proxy_confirm;
	tp.confirm_ctx = w;
	tp.eph_port_lo = w->rt->wp.eph_port_min ? w->rt->wp.eph_port_min : 61000;
	tp.eph_port_hi = w->rt->wp.eph_port_max ? w->rt->wp.eph_port_max : 65535;
	tp.mtu = w->rt->ports[0].mtu;
	tp.cb = (struct zdp_tcp_callbacks){
		.on_accept = on_accept,
		.on_connected = on_connected,
		.on_readable = on_readable,
		.on_writable = on_writable,
		.on_peer_closed = on_peer_closed,
		.on_reset = on_reset,
		.on_error = on_error,
	};
	w->tcp = zdp_tcp_stack_create(&tp);
	if (w->tcp == NULL) {
		rte_free(p->halves);
		rte_free(p);
		return -ENOMEM;
	}
	w->proxy = p;
	return 0;
}

void
zdp_proxy_worker_fini(struct zdp_worker *w)
{
	if (w->proxy == NULL)
		return;
	for (uint32_t i = 0; i < w->proxy->n_halves; i++)
		rte_pktmbuf_free(w->proxy->halves[i].pend);
	zdp_tcp_stack_destroy(w->tcp);
	w->tcp = NULL;
	rte_free(w->proxy->halves);
	rte_free(w->proxy);
	w->proxy = NULL;
}

void
zdp_proxy_input(struct zdp_worker *w, const struct zdp_snapshot *s, struct rte_mbuf *m,
		struct zdp_pkt_info *pi)
{
	w->proxy->s = s;
	w->tcp_input = true;
	/* The stack takes the packet at its IP header, without padding. */
	rte_pktmbuf_adj(m, pi->l3_off);
	if (rte_pktmbuf_pkt_len(m) > pi->l3_len)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - pi->l3_len);
	zdp_tcp_input_ip(w->tcp, m, w->now);
}

/* Listen on every tcp-proxy VIP of @s; stop listening on the others. */
static void
proxy_sync_listeners(struct zdp_proxy *p, const struct zdp_snapshot *s)
{
	struct zdp_worker *w = p->w;

	for (unsigned i = 0; i < p->n_lst; i++)
		p->lst[i].seen = false;
	for (uint32_t v = 0; v < s->n_vips; v++) {
		const struct zdp_vip *vip = &s->vips[v];
		struct zdp_addr a;
		unsigned i;

		if (vip->mode != ZDP_VIP_TCP_PROXY)
			continue;
		for (i = 0; i < p->n_lst; i++)
			if (memcmp(&p->lst[i].key, &vip->key, sizeof(vip->key)) == 0)
				break;
		if (i < p->n_lst) {
			p->lst[i].seen = true;
			continue;
		}
		if (p->n_lst == PROXY_MAX_LISTENERS)
			continue;	/* the compiler caps tcp-proxy routes */
		memset(&a, 0, sizeof(a));
		a.family = vip->key.family;
		memcpy(a.a, vip->key.addr, 16);
		if (zdp_tcp_listen(w->tcp, &a, rte_be_to_cpu_16(vip->key.port), p,
				   &p->lst[p->n_lst].l) == 0) {
			p->lst[p->n_lst].key = vip->key;
			p->lst[p->n_lst].seen = true;
			p->n_lst++;
		}
	}
	for (unsigned i = 0; i < p->n_lst;) {
		if (p->lst[i].seen) {
			i++;
			continue;
		}
		zdp_tcp_unlisten(w->tcp, p->lst[i].l);
		p->lst[i] = p->lst[--p->n_lst];
	}
	p->gen = s->generation;
}

void
zdp_proxy_poll(struct zdp_worker *w, const struct zdp_snapshot *s)
{
	struct zdp_proxy *p = w->proxy;

	p->s = s;
	if (unlikely(p->gen != s->generation))
		proxy_sync_listeners(p, s);
	zdp_tcp_poll(w->tcp, w->now);
}

/* ---- /tcp/connections ---------------------------------------------------- */

/* Worker: copy the next bounded part of the pool into mgmt's buffer. */
static void
proxy_dump_step(struct zdp_proxy *p)
{
	uint32_t expect = DUMP_ASKED, slots = PROXY_DUMP_SLOTS;
	struct zdp_tcp_conn_info tmp[32];

	if (!__atomic_compare_exchange_n(&p->dump.state, &expect, DUMP_BUSY, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;		/* mgmt gave up in between */
	while (slots > 0 && p->dump.n < p->dump.cap && p->dump.cursor != ZDP_TCP_WALK_DONE) {
		uint32_t before = p->dump.cursor, k;
		uint32_t want = RTE_MIN((uint32_t)RTE_DIM(tmp), p->dump.cap - p->dump.n);

		k = zdp_tcp_conn_walk(p->w->tcp, &p->dump.cursor, slots, tmp, want);
		for (uint32_t i = 0; i < k; i++) {
			struct zdp_proxy_conn_dump *d = &p->dump.out[p->dump.n++];
			const struct proxy_half *h = tmp[i].user;

			d->tcp = tmp[i];
			d->tcp.user = NULL;
			d->role = ZDP_PROXY_ROLE_NONE;
			d->relay_idle_ms = 0;
			d->pending_bytes = 0;
			/* The walk gives user only while the relay holds
			 * the connection (until close/abort). */
			if (h != NULL && h >= p->halves && h < p->halves + p->n_halves &&
			    h->in_use) {
				d->role = h->back ? ZDP_PROXY_ROLE_UPSTREAM : ZDP_PROXY_ROLE_CLIENT;
				d->relay_idle_ms = (p->w->now - h->last_active) * 1000 /
						   p->w->rt->tsc_hz;
				d->pending_bytes = h->pend ? h->pend->pkt_len : 0;
			}
		}
		if (p->dump.cursor == ZDP_TCP_WALK_DONE)
			break;
		slots -= RTE_MIN(slots, p->dump.cursor - before);
	}
	if (p->dump.n == p->dump.cap || p->dump.cursor == ZDP_TCP_WALK_DONE) {
		p->dump.in_use = zdp_tcp_stack_conns_in_use(p->w->tcp);
		__atomic_store_n(&p->dump.state, DUMP_DONE, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&p->dump.state, DUMP_ASKED, __ATOMIC_RELEASE);
	}
}

int
zdp_proxy_dump(struct zdp_worker *w, struct zdp_proxy_conn_dump *out, uint32_t cap,
	       unsigned timeout_ms, uint32_t *in_use)
{
	struct zdp_proxy *p = w->proxy;
	const struct timespec tick = { .tv_sec = 0, .tv_nsec = 1000000 };
	uint32_t st;

	*in_use = 0;
	if (p == NULL || w->tcp == NULL)
		return 0;	/* no stack on this worker: nothing to list */
	if (__atomic_load_n(&p->dump.state, __ATOMIC_ACQUIRE) != DUMP_IDLE)
		return -EBUSY;	/* mgmt is one thread: a leftover, see below */
	p->dump.out = out;
	p->dump.cap = cap;
	p->dump.n = 0;
	p->dump.cursor = 0;
	__atomic_store_n(&p->dump.state, DUMP_ASKED, __ATOMIC_RELEASE);
	for (unsigned t = 0; t < timeout_ms; t++) {
		if (__atomic_load_n(&p->dump.state, __ATOMIC_ACQUIRE) == DUMP_DONE)
			break;
		nanosleep(&tick, NULL);
	}
	/* Take the request back unless the worker holds it mid-step: it
	 * never touches @out once the state is IDLE. */
	for (;;) {
		st = __atomic_load_n(&p->dump.state, __ATOMIC_ACQUIRE);
		if (st == DUMP_DONE || st == DUMP_ASKED) {
			if (__atomic_compare_exchange_n(&p->dump.state, &st, DUMP_IDLE, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				break;
		}
		nanosleep(&tick, NULL);
	}
	if (st != DUMP_DONE)
		return -ETIMEDOUT;
	*in_use = p->dump.in_use;
	return (int)p->dump.n;
}

void
zdp_proxy_housekeeping(struct zdp_worker *w)
{
	struct zdp_proxy *p = w->proxy;

	if (unlikely(__atomic_load_n(&p->dump.state, __ATOMIC_RELAXED) == DUMP_ASKED))
		proxy_dump_step(p);

	for (unsigned n = 0; n < PROXY_IDLE_SCAN; n++) {
		struct proxy_half *h = &p->halves[p->scan];

		p->scan = p->scan + 1 == p->n_halves ? 0 : p->scan + 1;
		/* Each relay is checked through its front half. */
		if (!h->in_use || h->back || h->peer == NULL || h->idle == 0)
			continue;
		if (w->now - h->last_active > h->idle) {
			w->ctr->proxy_idle_timeouts++;
			relay_fail(h);	/* the client sees a reset, as with ztunnel */
		}
	}
}
