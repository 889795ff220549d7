/* SPDX-License-Identifier: BSD-3-Clause
 * test_tcp_timewait.c — TIME-WAIT ending early (tcp_timewait.c): connect
 * taking a TIME-WAIT 4-tuple (timestamps, params.tw_reuse_us), the new
 * incarnation's ISS and timestamps beyond the old one's, and PAWS keeping
 * the old incarnation's delayed segments out; an empty pool taking the
 * oldest TIME-WAIT's slot for connect, accept and SYN-cookie completion.
 * A SYN reopening a TIME-WAIT 4-tuple (RFC 6191) gets an ISS past the old
 * incarnation too. Time is injected (µs).
 */
#include "tcp_test_util.h"

#define MS 1000ull
#define S 1000000ull

static uint64_t
ctr(struct zdp_tcp_stack *stk, enum zdp_tcp_counter i)
{
	return zdp_tcp_stack_counters(stk)[i];
}

static void
t_leak_check(void)
{
	ZDP_CASE("no mbuf leaked");
	ZDP_CHECK_EQ(rte_mempool_in_use_count(t_pool), 0);
}

/* Four ephemeral ports, so a handful of connections exhausts them. */
static void
four_ports(struct zdp_tcp_stack_params *p)
{
	p->eph_port_lo = 40000;
	p->eph_port_hi = 40003;
}

static struct zdp_tcp_stack *
stack_with(void (*tweak)(struct zdp_tcp_stack_params *))
{
	struct zdp_tcp_stack_params p;

	t_params(&p);
	if (tweak)
		tweak(&p);
	return t_stack(&p);
}

/* What one incarnation left behind, seen on the wire. */
struct incarnation {
	struct zdp_tcp_conn *c;
	uint16_t lport;
	uint32_t iss, snd_max;		/* our ISS; SND.MAX at the end (after FIN) */
	uint32_t max_tsval;		/* highest TSval we sent (modulo 2^32) */
	bool any_ts;
	uint32_t peer_tsval;		/* the peer's last TSval */
	uint32_t peer_nxt;		/* the peer's next sequence number */
};

static uint32_t peer_clock = 5000;	/* the scripted peer's timestamp clock */

static void
note_tsvals(struct incarnation *in)
{
	for (int i = 0; i < t_nout; i++)
		if (t_outq[i].s.has_ts &&
		    (!in->any_ts || SEQ_GT(t_outq[i].s.tsval, in->max_tsval))) {
			in->max_tsval = t_outq[i].s.tsval;
			in->any_ts = true;
		}
}

/* zdp_tcp_connect(@lport) to @p's address and port 8080, the peer's
 * SYN-ACK (timestamps and a window scale of @ws when @ts): ESTABLISHED at
 * @now. Then, with @close, zdp_tcp_close() (or only zdp_tcp_shutdown()
 * with @keep: the application keeps the handle): our FIN, the peer's ACK
 * and FIN, TIME-WAIT at @now. Returns 0 with @in filled, or the connect
 * error. */
static int
open_active(struct zdp_tcp_stack *stk, struct t_peer *p, uint16_t lport, bool ts, int ws,
	    bool close, bool keep, uint64_t now, struct incarnation *in)
{
	struct zdp_tcp_conn *c = NULL;
	struct t_out syn;
	uint8_t o[40];
	unsigned n;
	uint32_t piss = 70000;
	int rc;

	memset(in, 0, sizeof(*in));
	t_out_reset();
	rc = zdp_tcp_connect(stk, &p->la, lport, &p->ra, 8080, &t_app, now, &c);
	if (rc != 0)
		return rc;
	if (!c || t_nout != 1 || t_outq[0].s.flags != TH_SYN)
		return -EPROTO;
	syn = t_outq[0];
	note_tsvals(in);
	in->c = c;
	in->lport = syn.s.sport;
	in->iss = syn.s.seq;
	p->lport = syn.s.sport;
	p->rport = 8080;
	p->ts = ts;
	p->tsval = ++peer_clock;
	p->tsecr = syn.s.tsval;
	n = t_opt_syn(o, 1460, ws, true, ts, p->tsval, syn.s.tsval);
	t_out_reset();
	t_send(stk, p, TH_SYN | TH_ACK, piss, syn.s.seq + 1, 65535, NULL, 0, o, n, now);
	zdp_tcp_poll(stk, now);
	note_tsvals(in);
	if (zdp_tcp_conn_state(c) != ZDP_TCP_ESTABLISHED)
		return -EPROTO;
	in->peer_nxt = piss + 1;
	if (!close)
		return 0;
	/* we close first: FIN; the peer ACKs it and sends its own FIN */
	t_out_reset();
	if (keep)
		zdp_tcp_shutdown(c);
	else
		zdp_tcp_close(c);
	zdp_tcp_poll(stk, now);
	note_tsvals(in);
	p->tsval = ++peer_clock;
	t_out_reset();
	t_send(stk, p, TH_FIN | TH_ACK, piss + 1, in->iss + 2, 65535, NULL, 0, NULL, 0, now);
	zdp_tcp_poll(stk, now);
	note_tsvals(in);
	if (zdp_tcp_conn_state(c) != ZDP_TCP_TIME_WAIT)
		return -EPROTO;
	in->snd_max = c->snd_max;
	in->peer_tsval = p->tsval;
	in->peer_nxt = piss + 2;
	return 0;
}

static int
open_then_close(struct zdp_tcp_stack *stk, struct t_peer *p, uint16_t lport, bool ts, int ws,
		uint64_t now, struct incarnation *in)
{
	return open_active(stk, p, lport, ts, ws, true, false, now, in);
}

static void
test_connect_reuses_time_wait(void)
{
	struct zdp_tcp_stack *stk = stack_with(four_ports);
	struct incarnation old[4];
	struct zdp_tcp_conn *c = NULL;
	struct t_peer p;
	uint64_t t0 = 10 * S;
	uint8_t o[40], d[100];
	unsigned n;
	struct t_out syn;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	ZDP_CASE("four connections we close first: all four ports in TIME-WAIT");
	for (int i = 0; i < 4; i++)
		ZDP_REQUIRE(open_then_close(stk, &p, 0, true, 0, t0 + i * MS, &old[i]) == 0);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 4);

	ZDP_CASE("999 ms later: no port is usable yet");
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8080, &t_app, t0 + 999 * MS, &c),
		     -EADDRNOTAVAIL);
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, old[0].lport, &p.ra, 8080, &t_app,
				     t0 + 999 * MS, &c), -EADDRINUSE);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE_OUT), 0);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 4);

	ZDP_CASE("1 s after it entered TIME-WAIT, the oldest port is taken again");
	t_out_reset();
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8080, &t_app, t0 + 1 * S, &c), 0);
	ZDP_REQUIRE(c && t_nout == 1);
	syn = t_outq[0];
	ZDP_CHECK_EQ(c->lport, old[0].lport);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE_OUT), 1);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 4);	/* one ended, one began */
	ZDP_CHECK(c == old[0].c);	/* the old slot, free at once */
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_SYN_SENT);

	ZDP_CASE("the new SYN is beyond the old sequence space and timestamps");
	ZDP_CHECK_EQ(syn.s.flags, TH_SYN);
	ZDP_CHECK(SEQ_GT(syn.s.seq, old[0].snd_max));
	ZDP_CHECK(SEQ_GT(syn.s.seq, old[0].snd_max + 65535));
	ZDP_CHECK(old[0].any_ts && syn.s.has_ts && SEQ_GT(syn.s.tsval, old[0].max_tsval));

	ZDP_CASE("an explicit port in TIME-WAIT: refused before 1 s, taken at 1 s");
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, old[1].lport, &p.ra, 8080, &t_app,
				     t0 + 1 * MS + 999 * MS, NULL), -EADDRINUSE);
	t_out_reset();
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, old[1].lport, &p.ra, 8080, &t_app,
				     t0 + 1 * MS + 1 * S, NULL), 0);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE_OUT), 2);
	ZDP_CHECK(t_nout == 1 && SEQ_GT(t_outq[0].s.seq, old[1].snd_max));
	ZDP_CHECK(t_nout == 1 && SEQ_GT(t_outq[0].s.tsval, old[1].max_tsval));

	ZDP_CASE("the reused connection completes; PAWS drops the old one's segments");
	p.lport = old[0].lport;
	p.tsval = ++peer_clock;
	p.tsecr = syn.s.tsval;
	n = t_opt_syn(o, 1460, 0, true, true, p.tsval, syn.s.tsval);
	t_out_reset();
	t_send(stk, &p, TH_SYN | TH_ACK, 900000, syn.s.seq + 1, 65535, NULL, 0, o, n,
	       t0 + 1 * S + 2 * MS);
	zdp_tcp_poll(stk, t0 + 1 * S + 2 * MS);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_ESTABLISHED);
	ZDP_CHECK_EQ(t_app.n_connected, 5);
	{
		uint32_t saved = p.tsval, drops = (uint32_t)ctr(stk, ZDP_TCP_CTR_DROP_PAWS);

		/* a delayed data segment of the old incarnation that happens to
		 * fall into the new window: its TSval is the old one's */
		memset(d, 'x', sizeof(d));
		p.tsval = old[0].peer_tsval;
		t_app.rx_len = 0;
		t_send(stk, &p, TH_ACK | TH_PSH, 900001, syn.s.seq + 1, 65535, d, sizeof(d),
		       NULL, 0, t0 + 1 * S + 3 * MS);
		zdp_tcp_poll(stk, t0 + 1 * S + 3 * MS);
		ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_DROP_PAWS), drops + 1);
		ZDP_CHECK_EQ(t_app.rx_len, 0);
		p.tsval = saved;
	}

	ZDP_CASE("a retransmitted FIN restarts the wait: 1 s from the last segment");
	t_out_reset();
	p.lport = old[2].lport;
	p.tsval = ++peer_clock;
	t_send(stk, &p, TH_FIN | TH_ACK, old[2].peer_nxt - 1, old[2].iss + 2, 65535, NULL, 0,
	       NULL, 0, t0 + 1500 * MS);
	zdp_tcp_poll(stk, t0 + 1500 * MS);
	ZDP_CHECK(t_nout == 1 && t_outq[0].s.flags == TH_ACK);
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, old[2].lport, &p.ra, 8080, &t_app,
				     t0 + 2499 * MS, NULL), -EADDRINUSE);
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, old[2].lport, &p.ra, 8080, &t_app,
				     t0 + 2500 * MS, NULL), 0);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE_OUT), 3);

	ZDP_CASE("the same ports to another peer port are free, not reused");
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8081, &t_app, t0 + 2500 * MS, NULL), 0);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE_OUT), 3);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_no_reuse_without_timestamps(void)
{
	struct zdp_tcp_stack *stk = stack_with(four_ports);
	struct incarnation old[4];
	struct zdp_tcp_conn *c = NULL;
	struct t_peer p;
	uint64_t t0 = 10 * S;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	ZDP_CASE("four connections without timestamps, all in TIME-WAIT");
	for (int i = 0; i < 4; i++)
		ZDP_REQUIRE(open_then_close(stk, &p, 0, false, 0, t0, &old[i]) == 0);
	ZDP_CHECK(!(old[0].c->flags & F_TS));
	ZDP_CASE("59 s later: still no port, explicit or ephemeral");
	zdp_tcp_poll(stk, t0 + 59 * S);
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8080, &t_app, t0 + 59 * S, &c),
		     -EADDRNOTAVAIL);
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, old[3].lport, &p.ra, 8080, &t_app, t0 + 59 * S,
				     &c), -EADDRINUSE);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE_OUT), 0);
	ZDP_CASE("after 2 MSL the ports are free again (not reused)");
	zdp_tcp_poll(stk, t0 + 60 * S + 2 * MS);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8080, &t_app, t0 + 60 * S + 3 * MS,
				     &c), 0);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE_OUT), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
reuse_off(struct zdp_tcp_stack_params *p)
{
	four_ports(p);
	p->tw_reuse_us = 0;
}

static void
reuse_100ms(struct zdp_tcp_stack_params *p)
{
	four_ports(p);
	p->tw_reuse_us = 100 * 1000;
}

static void
test_reuse_threshold_param(void)
{
	struct zdp_tcp_stack_params prm;
	struct zdp_tcp_stack *stk;
	struct incarnation old[4];
	struct t_peer p;
	uint64_t t0 = 10 * S;

	t_peer_init(&p, false);
	ZDP_CASE("tw_reuse_us below one timestamp tick is refused");
	t_params(&prm);
	prm.tw_reuse_us = 999;
	ZDP_CHECK(zdp_tcp_stack_create(&prm) == NULL && errno == EINVAL);
	ZDP_CASE("default: 1 s");
	zdp_tcp_stack_params_default(&prm);
	ZDP_CHECK_EQ(prm.tw_reuse_us, 1000000);

	ZDP_CASE("tw_reuse_us 0: never");
	stk = stack_with(reuse_off);
	ZDP_REQUIRE(stk);
	for (int i = 0; i < 4; i++)
		ZDP_REQUIRE(open_then_close(stk, &p, 0, true, 0, t0, &old[i]) == 0);
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8080, &t_app, t0 + 30 * S, NULL),
		     -EADDRNOTAVAIL);
	zdp_tcp_stack_destroy(stk);

	ZDP_CASE("tw_reuse_us 100 ms");
	stk = stack_with(reuse_100ms);
	ZDP_REQUIRE(stk);
	for (int i = 0; i < 4; i++)
		ZDP_REQUIRE(open_then_close(stk, &p, 0, true, 0, t0, &old[i]) == 0);
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8080, &t_app, t0 + 99 * MS, NULL),
		     -EADDRNOTAVAIL);
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8080, &t_app, t0 + 100 * MS, NULL), 0);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE_OUT), 1);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

/* The new ISS: the RFC 6528 one when it is past the old connection's
 * sequence space (SND.MAX plus the peer's largest window), else the
 * first sequence number past it; modulo 2^32. */
static void
test_reuse_iss(void)
{
	static const struct {
		const char *name;
		uint32_t snd_max, max_wnd, isn, want;
	} cases[] = {
		{ "ISN ahead of the old space", 1000, 0, 100000, 100000 },
		{ "ISN behind: just past SND.MAX + 64 KiB", 1000, 0, 5000, 1000 + 65536 },
		{ "ISN on the edge", 1000, 0, 1000 + 65536, 1000 + 65536 },
		{ "ISN one short of the edge", 1000, 0, 1000 + 65535, 1000 + 65536 },
		{ "small window: still 64 KiB", 1000, 1000, 2000, 1000 + 65536 },
		{ "scaled window 8 MiB", 1000, 8u << 20, 1000 + (4u << 20),
		  1000 + (8u << 20) + 1 },
		{ "edge wraps, ISN behind", 0xfffff000u, 65535, 0xffffff00u, 0x0000f000u },
		{ "edge wraps, ISN ahead", 0xfffff000u, 65535, 0x00100000u, 0x00100000u },
		{ "ISN equal to SND.MAX", 77, 0, 77, 77 + 65536 },
	};
	struct zdp_tcp_conn tw;

	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		ZDP_CASE(cases[i].name);
		memset(&tw, 0, sizeof(tw));
		tw.snd_max = cases[i].snd_max;
		tw.max_snd_wnd = cases[i].max_wnd;
		ZDP_CHECK_EQ(zdp_tcp_tw_iss(&tw, cases[i].isn), cases[i].want);
	}
	ZDP_CASE(NULL);
}

/* End to end, where the RFC 6528 clock has not outrun the old space:
 * the peer offered an 8 MiB window (scale 7), so the new ISS is exactly
 * SND.MAX + 8 MiB + 1. */
static void
test_reuse_iss_past_large_window(void)
{
	struct zdp_tcp_stack *stk = stack_with(four_ports);
	struct incarnation old[4];
	struct zdp_tcp_conn *c = NULL;
	struct t_peer p;
	uint64_t t0 = 10 * S;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	for (int i = 0; i < 4; i++)
		ZDP_REQUIRE(open_then_close(stk, &p, 0, true, 7, t0, &old[i]) == 0);
	ZDP_CHECK_EQ(old[0].c->max_snd_wnd, 65535u << 7);
	t_out_reset();
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8080, &t_app, t0 + 1 * S, &c), 0);
	ZDP_REQUIRE(c && t_nout == 1);
	for (int i = 0; i < 4; i++)
		if (old[i].lport == c->lport) {
			ZDP_CHECK_EQ(t_outq[0].s.seq, old[i].snd_max + (65535u << 7) + 1);
			ZDP_CHECK(SEQ_GT(t_outq[0].s.tsval, old[i].max_tsval));
		}
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
five_conns(struct zdp_tcp_stack_params *p)
{
	p->max_conns = 5;
}

static bool
in_time_wait(struct zdp_tcp_stack *stk, const struct t_peer *p, const struct incarnation *in)
{
	struct zdp_tcp_conn *c = zdp_tcp_conn_lookup(stk, &p->la, in->lport, &p->ra, 8080);

	return c && c == in->c && zdp_tcp_conn_state(c) == ZDP_TCP_TIME_WAIT;
}

static void
test_pool_empty_connect_takes_oldest_time_wait(void)
{
	struct zdp_tcp_stack *stk = stack_with(five_conns);
	struct incarnation old[4], est;
	struct zdp_tcp_conn *c[4] = { 0 };
	struct t_peer p;
	uint64_t t0 = 10 * S, t = t0 + 10 * MS;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	ZDP_CASE("pool of 5: four TIME-WAITs (the oldest still held) and one ESTABLISHED");
	ZDP_REQUIRE(open_active(stk, &p, 0, true, 0, true, true, t0, &old[0]) == 0);
	for (int i = 1; i < 4; i++)
		ZDP_REQUIRE(open_then_close(stk, &p, 0, true, 0, t0 + i * MS, &old[i]) == 0);
	ZDP_REQUIRE(open_active(stk, &p, 0, true, 0, false, false, t0 + 5 * MS, &est) == 0);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 5);
	for (int i = 0; i < 4; i++)
		ZDP_CHECK(in_time_wait(stk, &p, &old[i]));

	ZDP_CASE("one leaves TIME-WAIT from the middle of the list (RST)");
	p.lport = old[2].lport;
	t_send(stk, &p, TH_RST, old[2].peer_nxt, 0, 0, NULL, 0, NULL, 0, t);
	zdp_tcp_poll(stk, t);
	ZDP_CHECK(!zdp_tcp_conn_lookup(stk, &p.la, old[2].lport, &p.ra, 8080));
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 4);

	ZDP_CASE("a free slot is used before any TIME-WAIT");
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8081, &t_app, t, &c[0]), 0);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_EVICTED), 0);

	ZDP_CASE("pool empty: the oldest TIME-WAITs end; a held one keeps its slot");
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8081, &t_app, t, &c[1]), 0);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_EVICTED), 2);
	ZDP_REQUIRE(c[1]);
	ZDP_CHECK(c[1] == old[1].c);			/* its slot, at once */
	ZDP_CHECK_EQ(zdp_tcp_conn_state(old[0].c), ZDP_TCP_CLOSED);	/* still held */
	ZDP_CHECK(!zdp_tcp_conn_lookup(stk, &p.la, old[0].lport, &p.ra, 8080));
	ZDP_CHECK(!zdp_tcp_conn_lookup(stk, &p.la, old[1].lport, &p.ra, 8080));
	ZDP_CHECK(in_time_wait(stk, &p, &old[3]));
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c[1]), ZDP_TCP_SYN_SENT);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 5);

	ZDP_CASE("the next one takes the next oldest (the RST one is not counted twice)");
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8081, &t_app, t, &c[2]), 0);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_EVICTED), 3);
	ZDP_REQUIRE(c[2]);
	ZDP_CHECK(c[2] == old[3].c);

	ZDP_CASE("no TIME-WAIT left: -ENOMEM as before");
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8081, &t_app, t, &c[3]), -ENOMEM);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_DROP_NO_CONN_MEM), 1);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_EVICTED), 3);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(est.c), ZDP_TCP_ESTABLISHED);

	ZDP_CASE("the application lets go of the held one: its slot comes back");
	zdp_tcp_close(old[0].c);
	zdp_tcp_poll(stk, t + 1);
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8081, &t_app, t + 2, &c[3]), 0);
	for (int i = 0; i < 4; i++)
		zdp_tcp_abort(c[i]);
	zdp_tcp_abort(est.c);
	zdp_tcp_poll(stk, t + 3);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
two_conns(struct zdp_tcp_stack_params *p)
{
	p->max_conns = 2;
}

/* The peer's SYN from @rport to our listener; returns what we answered. */
static struct t_out
peer_syn(struct zdp_tcp_stack *stk, struct t_peer *p, uint16_t rport, uint32_t piss,
	 uint64_t now)
{
	uint8_t o[40];
	unsigned n;
	struct t_out none = { 0 };

	p->lport = 80;
	p->rport = rport;
	p->ts = true;
	p->tsval = ++peer_clock;
	p->tsecr = 0;
	n = t_opt_syn(o, 1460, 0, true, true, p->tsval, 0);
	t_out_reset();
	t_send(stk, p, TH_SYN, piss, 0, 65535, NULL, 0, o, n, now);
	zdp_tcp_poll(stk, now);
	return t_nout ? t_outq[t_nout - 1] : none;
}

static void
test_pool_empty_accept_takes_oldest_time_wait(void)
{
	struct zdp_tcp_stack *stk = stack_with(two_conns);
	struct zdp_tcp_listener *l = NULL;
	struct incarnation old[2];
	struct t_out sa, ck;
	struct zdp_tcp_conn *acc;
	struct t_peer p;
	uint64_t t0 = 10 * S, t = t0 + 10 * MS;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	ZDP_REQUIRE(zdp_tcp_listen(stk, &p.la, 80, NULL, &l) == 0);
	ZDP_CASE("pool of 2, both in TIME-WAIT");
	for (int i = 0; i < 2; i++)
		ZDP_REQUIRE(open_then_close(stk, &p, 0, true, 0, t0 + i * MS, &old[i]) == 0);

	ZDP_CASE("a SYN takes the oldest TIME-WAIT's slot: a real SYN-RECEIVED, no cookie");
	sa = peer_syn(stk, &p, 50000, 1000, t);
	ZDP_CHECK_EQ(sa.s.flags, TH_SYN | TH_ACK);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_EVICTED), 1);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_SYNCOOKIE_SENT), 0);
	ZDP_CHECK(!zdp_tcp_conn_lookup(stk, &p.la, old[0].lport, &p.ra, 8080));
	ZDP_CHECK(in_time_wait(stk, &p, &old[1]));
	ZDP_CASE("the handshake completes: accepted");
	p.tsecr = sa.s.tsval;
	p.tsval = ++peer_clock;
	t_send(stk, &p, TH_ACK, 1001, sa.s.seq + 1, 65535, NULL, 0, NULL, 0, t);
	zdp_tcp_poll(stk, t);
	ZDP_REQUIRE(t_app.n_accept == 1);
	acc = t_app.accepted;
	ZDP_REQUIRE(acc && zdp_tcp_conn_state(acc) == ZDP_TCP_ESTABLISHED);

	ZDP_CASE("the pool is full of live and TIME-WAIT: the next SYN takes the other one");
	sa = peer_syn(stk, &p, 50001, 2000, t + 1);
	ZDP_CHECK_EQ(sa.s.flags, TH_SYN | TH_ACK);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_EVICTED), 2);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 2);

	ZDP_CASE("no TIME-WAIT left: a SYN gets a cookie and no state, as before");
	ck = peer_syn(stk, &p, 50002, 3000, t + 2);
	ZDP_CHECK_EQ(ck.s.flags, TH_SYN | TH_ACK);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_SYNCOOKIE_SENT), 1);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_DROP_NO_CONN_MEM), 1);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_EVICTED), 2);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 2);

	ZDP_CASE("the accepted one is closed by us: TIME-WAIT (a passive open closing first)");
	p.rport = 50000;
	zdp_tcp_close(acc);
	t_out_reset();
	zdp_tcp_poll(stk, t + 3);
	ZDP_REQUIRE(t_nout == 1 && (t_outq[0].s.flags & TH_FIN));
	p.tsval = ++peer_clock;
	t_send(stk, &p, TH_FIN | TH_ACK, 1001, t_outq[0].s.seq + 1, 65535, NULL, 0, NULL, 0,
	       t + 4);
	zdp_tcp_poll(stk, t + 4);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(acc), ZDP_TCP_TIME_WAIT);

	ZDP_CASE("the cookie's ACK completes in the TIME-WAIT's slot");
	p.rport = 50002;
	p.tsval = ++peer_clock;
	p.tsecr = ck.s.tsval;
	t_send(stk, &p, TH_ACK, 3001, ck.s.seq + 1, 65535, NULL, 0, NULL, 0, t + 5);
	zdp_tcp_poll(stk, t + 5);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_SYNCOOKIE_OK), 1);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_EVICTED), 3);
	ZDP_REQUIRE(t_app.n_accept == 2);
	ZDP_CHECK(t_app.accepted == acc);	/* the same slot */
	ZDP_CHECK_EQ(zdp_tcp_conn_state(t_app.accepted), ZDP_TCP_ESTABLISHED);

	ZDP_CASE("no TIME-WAIT left: a valid cookie's ACK finds no slot, as before");
	ck = peer_syn(stk, &p, 50003, 4000, t + 6);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_SYNCOOKIE_SENT), 2);
	p.tsval = ++peer_clock;
	p.tsecr = ck.s.tsval;
	t_send(stk, &p, TH_ACK, 4001, ck.s.seq + 1, 65535, NULL, 0, NULL, 0, t + 7);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_SYNCOOKIE_OK), 1);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_DROP_NO_CONN_MEM), 3);
	ZDP_CHECK_EQ(t_app.n_accept, 2);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

/* A passive connection from @rport that we close first: TIME-WAIT. */
static struct zdp_tcp_conn *
passive_time_wait(struct zdp_tcp_stack *stk, struct t_peer *p, uint16_t rport, uint64_t t)
{
	struct zdp_tcp_conn *c;
	struct t_out sa;

	sa = peer_syn(stk, p, rport, 1000, t);
	if (sa.s.flags != (TH_SYN | TH_ACK))
		return NULL;
	p->tsecr = sa.s.tsval;
	p->tsval = ++peer_clock;
	t_send(stk, p, TH_ACK, 1001, sa.s.seq + 1, 65535, NULL, 0, NULL, 0, t + 1);
	zdp_tcp_poll(stk, t + 1);
	c = t_app.accepted;
	if (!c || zdp_tcp_conn_state(c) != ZDP_TCP_ESTABLISHED)
		return NULL;
	zdp_tcp_close(c);
	zdp_tcp_poll(stk, t + 2);
	p->tsval = ++peer_clock;
	t_send(stk, p, TH_FIN | TH_ACK, 1001, sa.s.seq + 2, 65535, NULL, 0, NULL, 0, t + 3);
	zdp_tcp_poll(stk, t + 3);
	return zdp_tcp_conn_state(c) == ZDP_TCP_TIME_WAIT ? c : NULL;
}

/* With the pool full, a SYN that reopens a TIME-WAIT 4-tuple takes that
 * connection's own slot: no other TIME-WAIT is evicted for it (before,
 * the old one's slot came free only at the next poll, so the new
 * connection took the oldest other TIME-WAIT's). */
static void
test_incoming_reuse_takes_own_slot(void)
{
	struct zdp_tcp_stack *stk = stack_with(two_conns);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *tw[2], *c;
	struct t_out sa;
	struct t_peer p;
	uint64_t t = 10 * S;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	ZDP_REQUIRE(zdp_tcp_listen(stk, &p.la, 80, NULL, &l) == 0);
	ZDP_CASE("pool of 2, both in TIME-WAIT after passive opens we closed");
	tw[0] = passive_time_wait(stk, &p, 40000, t);
	tw[1] = passive_time_wait(stk, &p, 40001, t + 10 * MS);
	ZDP_REQUIRE(tw[0] && tw[1]);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 2);

	ZDP_CASE("client port 40001 comes back: its TIME-WAIT's slot, nothing evicted");
	sa = peer_syn(stk, &p, 40001, 900000, t + 20 * MS);
	ZDP_CHECK_EQ(sa.s.flags, TH_SYN | TH_ACK);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE), 1);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_EVICTED), 0);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_SYNCOOKIE_SENT), 0);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 2);
	c = zdp_tcp_conn_lookup(stk, &p.la, 80, &p.ra, 40001);
	ZDP_CHECK(c == tw[1]);		/* the same slot */
	ZDP_CHECK(c && zdp_tcp_conn_state(c) == ZDP_TCP_SYN_RECEIVED);
	c = zdp_tcp_conn_lookup(stk, &p.la, 80, &p.ra, 40000);
	ZDP_CHECK(c == tw[0] && zdp_tcp_conn_state(c) == ZDP_TCP_TIME_WAIT);

	ZDP_CASE("the handshake completes in it");
	p.tsecr = sa.s.tsval;
	p.tsval = ++peer_clock;
	t_send(stk, &p, TH_ACK, 900001, sa.s.seq + 1, 65535, NULL, 0, NULL, 0, t + 21 * MS);
	zdp_tcp_poll(stk, t + 21 * MS);
	ZDP_CHECK(t_app.accepted == tw[1]);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(tw[1]), ZDP_TCP_ESTABLISHED);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

/* RFC 1122 §4.2.2.13 (1): the SYN-ACK to a SYN that reopens a TIME-WAIT
 * 4-tuple starts above every sequence number of the old incarnation, also
 * when the RFC 6528 clock has not got there: a table of a peer with
 * timestamps and an 8 MiB window (RFC 6191 §2 lets its SYN in), and one
 * without timestamps (its SYN's sequence number is beyond RCV.NXT). */
static void
test_incoming_reuse_iss(void)
{
	static const struct {
		const char *name;
		bool ts;
		int ws;
		uint32_t wnd;		/* the largest window the peer offered */
	} cases[] = {
		{ "timestamps, window scale 7", true, 7, 65535u << 7 },
		{ "no timestamps, no window scale", false, -1, 65535 },
	};

	for (size_t k = 0; k < RTE_DIM(cases); k++) {
		struct zdp_tcp_stack *stk = stack_with(NULL);
		struct zdp_tcp_listener *l = NULL;
		struct zdp_tcp_conn *c;
		struct t_out sa;
		struct t_peer p;
		uint8_t o[40];
		unsigned n;
		uint32_t snd_max;
		uint64_t t = 10 * S;

		ZDP_CASE(cases[k].name);
		ZDP_REQUIRE(stk);
		t_peer_init(&p, false);
		ZDP_REQUIRE(zdp_tcp_listen(stk, &p.la, 80, NULL, &l) == 0);
		/* passive open from client port 40000 */
		p.ts = cases[k].ts;
		p.tsval = ++peer_clock;
		n = t_opt_syn(o, 1460, cases[k].ws, true, cases[k].ts, p.tsval, 0);
		t_out_reset();
		t_send(stk, &p, TH_SYN, 1000, 0, 65535, NULL, 0, o, n, t);
		zdp_tcp_poll(stk, t);
		ZDP_REQUIRE(t_nout == 1);
		sa = t_outq[0];
		ZDP_REQUIRE(sa.s.flags == (TH_SYN | TH_ACK));
		p.tsecr = sa.s.tsval;
		p.tsval = ++peer_clock;
		t_send(stk, &p, TH_ACK, 1001, sa.s.seq + 1, 65535, NULL, 0, NULL, 0, t + 2);
		zdp_tcp_poll(stk, t + 2);
		c = t_app.accepted;
		ZDP_REQUIRE(c && zdp_tcp_conn_state(c) == ZDP_TCP_ESTABLISHED);
		ZDP_CHECK_EQ(c->max_snd_wnd, cases[k].wnd);
		/* we close first: TIME-WAIT */
		zdp_tcp_close(c);
		zdp_tcp_poll(stk, t + 3);
		p.tsval = ++peer_clock;
		t_send(stk, &p, TH_FIN | TH_ACK, 1001, sa.s.seq + 2, 65535, NULL, 0, NULL, 0, t + 4);
		zdp_tcp_poll(stk, t + 4);
		ZDP_REQUIRE(zdp_tcp_conn_state(c) == ZDP_TCP_TIME_WAIT);
		snd_max = c->snd_max;
		/* 10 ms later the same client port comes back with a new SYN */
		p.tsval = ++peer_clock;
		n = t_opt_syn(o, 1460, cases[k].ws, true, cases[k].ts, p.tsval, 0);
		t_out_reset();
		t_send(stk, &p, TH_SYN, 500000, 0, 65535, NULL, 0, o, n, t + 10 * MS);
		zdp_tcp_poll(stk, t + 10 * MS);
		ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE), 1);
		ZDP_REQUIRE(t_nout == 1);
		ZDP_CHECK_EQ(t_outq[0].s.flags, TH_SYN | TH_ACK);
		ZDP_CHECK_EQ(t_outq[0].s.ack, 500001);
		ZDP_CHECK_EQ(t_outq[0].s.seq, snd_max + u32_max(cases[k].wnd, 65535) + 1);
		zdp_tcp_stack_destroy(stk);
		t_leak_check();
	}
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_connect_reuses_time_wait),
	ZDP_TEST_ENTRY(test_no_reuse_without_timestamps),
	ZDP_TEST_ENTRY(test_reuse_threshold_param),
	ZDP_TEST_ENTRY(test_reuse_iss),
	ZDP_TEST_ENTRY(test_reuse_iss_past_large_window),
	ZDP_TEST_ENTRY(test_pool_empty_connect_takes_oldest_time_wait),
	ZDP_TEST_ENTRY(test_pool_empty_accept_takes_oldest_time_wait),
	ZDP_TEST_ENTRY(test_incoming_reuse_iss),
	ZDP_TEST_ENTRY(test_incoming_reuse_takes_own_slot),
	{ 0 },
};

int
main(void)
{
	int rc;

	if (t_eal_init("tcp_timewait") != 0) {
		printf("1..0 # SKIP EAL init failed\n");
		return 0;
	}
	rc = zdp_test_main(tests);
	zdp_eal_cleanup();
	return rc;
}
