/* SPDX-License-Identifier: BSD-3-Clause
 * test_tcp_fsm.c — the TCP state machine driven segment by segment with
 * injected time: every case scripts a peer, feeds segments through
 * zdp_tcp_input() and checks the segments the stack emits field by field
 * (golden segments), the states it goes through and the callbacks.
 */
#include "tcp_test_util.h"

#define MS 1000ull
#define S 1000000ull

struct hs {
	uint16_t mss;
	int ws;		/* -1: not offered */
	bool sack, ts;
	uint16_t wnd;
};

static const struct hs HS_FULL = { 1460, 0, true, true, 65535 };
static const struct hs HS_PLAIN = { 1000, -1, false, false, 65535 };

static uint64_t
ctr(struct zdp_tcp_stack *stk, enum zdp_tcp_counter i)
{
	return zdp_tcp_stack_counters(stk)[i];
}

/* Passive open through the 3-way handshake; returns the accepted conn. */
static struct zdp_tcp_conn *
open_passive(struct zdp_tcp_stack *stk, struct zdp_tcp_listener **lp, struct t_peer *p,
	     uint32_t piss, const struct hs *h, uint64_t now, uint32_t *iss)
{
	uint8_t o[40];
	unsigned n;
	struct t_out *sa;

	if (lp && !*lp)
		zdp_tcp_listen(stk, &p->la, p->lport, NULL, lp);
	p->ts = h->ts;
	p->tsval = 1000;
	p->tsecr = 0;
	n = t_opt_syn(o, h->mss, h->ws, h->sack, h->ts, p->tsval, 0);
	t_out_reset();
	t_send(stk, p, TH_SYN, piss, 0, h->wnd, NULL, 0, o, n, now);
	zdp_tcp_poll(stk, now);
	sa = t_last();
	if (!sa || sa->s.flags != (TH_SYN | TH_ACK))
		return NULL;
	*iss = sa->s.seq;
	if (sa->s.has_ts)
		p->tsecr = sa->s.tsval;
	p->tsval++;
	t_out_reset();
	t_send(stk, p, TH_ACK, piss + 1, *iss + 1, h->wnd, NULL, 0, NULL, 0, now);
	zdp_tcp_poll(stk, now);
	return t_app.accepted;
}

/* Every mbuf the case allocated is back in the pool. */
static void
t_leak_check(void)
{
	ZDP_CASE("no mbuf leaked");
	ZDP_CHECK_EQ(rte_mempool_in_use_count(t_pool), 0);
}

static bool
app_alive_for_test(struct zdp_tcp_conn *c)
{
	return c->state == ZDP_TCP_ESTABLISHED || c->state == ZDP_TCP_CLOSE_WAIT;
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

static void
test_passive_open_golden(void)
{
	for (int v6 = 0; v6 <= 1; v6++) {
		struct zdp_tcp_stack *stk = stack_with(NULL);
		struct zdp_tcp_listener *l = NULL;
		struct t_peer p;
		uint8_t o[40];
		unsigned n;
		struct t_out *sa;

		ZDP_REQUIRE(stk);
		t_peer_init(&p, v6);
		ZDP_CHECK_EQ(zdp_tcp_listen(stk, &p.la, 80, NULL, &l), 0);
		ZDP_CHECK_EQ(zdp_tcp_listen(stk, &p.la, 80, NULL, NULL), -EADDRINUSE);
		p.ts = true;
		n = t_opt_syn(o, 1460, 7, true, true, 4242, 0);
		ZDP_CASE(v6 ? "v6 SYN -> SYN,ACK" : "v4 SYN -> SYN,ACK");
		ZDP_CHECK_EQ(t_send(stk, &p, TH_SYN, 5000, 0, 65535, NULL, 0, o, n, 1 * S), 0);
		ZDP_CHECK_EQ(t_nout, 1);	/* the SYN,ACK goes out at once */
		sa = t_last();
		ZDP_REQUIRE(sa);
		ZDP_CHECK(sa->csum_ok);
		ZDP_CHECK_EQ(sa->family, v6 ? 6 : 4);
		ZDP_CHECK_EQ(sa->s.flags, TH_SYN | TH_ACK);
		ZDP_CHECK_EQ(sa->s.ack, 5001);
		ZDP_CHECK_EQ(sa->s.sport, 80);
		ZDP_CHECK_EQ(sa->s.dport, 40000);
		ZDP_CHECK_EQ(sa->s.wnd, 65535);		/* SYN window unscaled */
		ZDP_CHECK(sa->s.has_mss);
		ZDP_CHECK_EQ(sa->s.mss, v6 ? 1440 : 1460);
		ZDP_CHECK(sa->s.has_ws);
		ZDP_CHECK_EQ(sa->s.ws, 3);	/* 256 KiB >> 3 fits 16 bits */
		ZDP_CHECK(sa->s.sack_perm);
		ZDP_CHECK(sa->s.has_ts);
		ZDP_CHECK_EQ(sa->s.tsecr, 4242);
		ZDP_CHECK_EQ(sa->s.len, 0);
		ZDP_CASE("third ACK -> ESTABLISHED, accepted, nothing sent");
		p.tsecr = sa->s.tsval;
		p.tsval = 4243;
		t_out_reset();
		t_send(stk, &p, TH_ACK, 5001, sa->s.seq + 1, 100, NULL, 0, NULL, 0, 1 * S + 10);
		zdp_tcp_poll(stk, 1 * S + 10);
		ZDP_CHECK_EQ(t_app.n_accept, 1);
		ZDP_REQUIRE(t_app.accepted);
		ZDP_CHECK_EQ(zdp_tcp_conn_state(t_app.accepted), ZDP_TCP_ESTABLISHED);
		ZDP_CHECK_EQ(t_nout, 0);
		ZDP_CHECK_EQ(t_app.accepted->snd_wnd, 100u << 7);	/* scaled now */
		ZDP_CHECK_EQ(t_app.accepted->mss, (v6 ? 1440 : 1460) - 12);
		zdp_tcp_abort(t_app.accepted);
		zdp_tcp_poll(stk, 2 * S);
		ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
		zdp_tcp_stack_destroy(stk);
	}
	t_leak_check();
}

static void
test_active_open_golden(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_conn *c = NULL;
	struct t_peer p;
	uint8_t o[40];
	unsigned n;
	struct t_out *syn, syn_copy;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	ZDP_CASE("connect -> SYN with all options");
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8080, &t_app, 1 * S, &c), 0);
	ZDP_REQUIRE(c);
	ZDP_REQUIRE(t_last());
	syn_copy = *t_last();
	syn = &syn_copy;
	ZDP_CHECK(syn->csum_ok);
	ZDP_CHECK_EQ(syn->s.flags, TH_SYN);
	ZDP_CHECK_EQ(syn->s.dport, 8080);
	ZDP_CHECK(syn->s.sport >= 32768 && syn->s.sport <= 60999);
	ZDP_CHECK(syn->s.has_mss && syn->s.mss == 1460);
	ZDP_CHECK(syn->s.has_ws && syn->s.ws == 3);
	ZDP_CHECK(syn->s.sack_perm && syn->s.has_ts);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_SYN_SENT);
	ZDP_CASE("SYN,ACK -> ACK, ESTABLISHED, on_connected");
	p.lport = syn->s.sport;
	p.rport = 8080;
	p.ts = true;
	p.tsval = 77;
	p.tsecr = syn->s.tsval;
	n = t_opt_syn(o, 1200, 2, true, true, 77, syn->s.tsval);
	t_out_reset();
	t_send(stk, &p, TH_SYN | TH_ACK, 9000, syn->s.seq + 1, 30000, NULL, 0, o, n, 1 * S + 100 * MS);
	zdp_tcp_poll(stk, 1 * S + 100 * MS);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_ESTABLISHED);
	ZDP_CHECK_EQ(t_app.n_connected, 1);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_ACK);
	ZDP_CHECK_EQ(t_outq[0].s.seq, syn->s.seq + 1);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 9001);
	ZDP_CHECK_EQ(t_outq[0].s.tsecr, 77);
	ZDP_CHECK_EQ(c->mss, 1200 - 12);
	ZDP_CHECK_EQ(c->snd_wnd, 30000);	/* SYN window never scaled */
	ZDP_CASE("RTT sampled from the SYN exchange: 100 ms");
	ZDP_CHECK_EQ(c->srtt_us, 100000);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_syn_retries_backoff(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_conn *c = NULL;
	struct t_peer p;
	uint64_t t, sent_at[10];
	int k = 0;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8080, &t_app, 0, &c);
	sent_at[k++] = 0;
	for (t = 0; t < 200 * S && k < 10; t += 10 * MS) {
		int before = t_nout;

		zdp_tcp_poll(stk, t);
		if (t_nout > before)
			sent_at[k++] = t;
		if (t_app.n_error)
			break;
	}
	ZDP_CASE("SYN retransmitted at 1, 3, 7, 15, 31, 63 s (RTO doubling, RFC 6298 §5.5)");
	ZDP_CHECK_EQ(k, 7);
	ZDP_CHECK_EQ(sent_at[1], 1 * S);
	ZDP_CHECK_EQ(sent_at[2], 3 * S);
	ZDP_CHECK_EQ(sent_at[3], 7 * S);
	ZDP_CHECK_EQ(sent_at[6], 63 * S);
	ZDP_CASE("gives up with ETIMEDOUT after syn_retries");
	ZDP_CHECK_EQ(t_app.n_error, 1);
	ZDP_CHECK_EQ(t_app.last_err, -ETIMEDOUT);
	/* the 7th expiry: 63 s + min(64 s, rto_max 60 s) */
	ZDP_CHECK_EQ(t, 123 * S);
	zdp_tcp_close(c);
	zdp_tcp_poll(stk, t + 1);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_synsent_rst_and_bad_ack(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_conn *c = NULL;
	struct t_peer p;
	uint32_t iss;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	zdp_tcp_connect(stk, &p.la, 0, &p.ra, 8080, &t_app, 0, &c);
	iss = t_last()->s.seq;
	p.lport = t_last()->s.sport;
	p.rport = 8080;
	ZDP_CASE("SYN,ACK with a bad ACK -> <SEQ=SEG.ACK><CTL=RST> (§3.10.7.3)");
	t_out_reset();
	t_send(stk, &p, TH_SYN | TH_ACK, 100, iss + 77, 1000, NULL, 0, NULL, 0, 10);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_RST);
	ZDP_CHECK_EQ(t_outq[0].s.seq, iss + 77);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_SYN_SENT);
	ZDP_CASE("RST without ACK ignored (RFC 5961 §3.2 for SYN-SENT)");
	t_send(stk, &p, TH_RST, 100, 0, 0, NULL, 0, NULL, 0, 20);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_SYN_SENT);
	ZDP_CASE("RST,ACK acking our SYN -> ECONNREFUSED");
	t_send(stk, &p, TH_RST | TH_ACK, 0, iss + 1, 0, NULL, 0, NULL, 0, 30);
	ZDP_CHECK_EQ(t_app.n_error, 1);
	ZDP_CHECK_EQ(t_app.last_err, -ECONNREFUSED);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_CLOSED);
	zdp_tcp_close(c);
	zdp_tcp_poll(stk, 40);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_closed_port_rst(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct t_peer p;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	ZDP_CASE("SYN to a closed port: <SEQ=0><ACK=SEG.SEQ+1><CTL=RST,ACK> (§3.10.7.1)");
	ZDP_CHECK_EQ(t_send(stk, &p, TH_SYN, 1000, 0, 1000, NULL, 0, NULL, 0, 1), -ENOENT);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_RST | TH_ACK);
	ZDP_CHECK_EQ(t_outq[0].s.seq, 0);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 1001);
	ZDP_CASE("ACK with data to nothing: <SEQ=SEG.ACK><CTL=RST>");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1000, 555, 1000, "abc", 3, NULL, 0, 2);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_RST);
	ZDP_CHECK_EQ(t_outq[0].s.seq, 555);
	ZDP_CASE("RST to nothing: silence");
	t_out_reset();
	t_send(stk, &p, TH_RST, 1000, 0, 0, NULL, 0, NULL, 0, 3);
	ZDP_CHECK_EQ(t_nout, 0);
	ZDP_CASE("bad checksum dropped and counted");
	{
		struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);
		uint8_t *h = (uint8_t *)rte_pktmbuf_append(m, 20);
		struct zdp_tcp_l3 l3 = { p.ra, p.la };

		memset(h, 0, 20);
		h[1] = 1;
		h[3] = 80;
		h[12] = 5 << 4;
		h[13] = TH_SYN;
		h[16] = 0x12;	/* wrong checksum */
		ZDP_CHECK_EQ(zdp_tcp_input(stk, m, &l3, 4), -EBADMSG);
		ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_DROP_CSUM), 1);
	}
	ZDP_CHECK_EQ(rte_mempool_in_use_count(t_pool), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_simultaneous_open(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_conn *c = NULL;
	struct t_peer p;
	uint8_t o[40];
	unsigned n;
	uint32_t iss;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	/* RFC 9293 Figure 8 */
	zdp_tcp_connect(stk, &p.la, 5555, &p.ra, 6666, &t_app, 0, &c);
	iss = t_last()->s.seq;
	p.lport = 5555;
	p.rport = 6666;
	p.ts = true;
	ZDP_CASE("SYN in SYN-SENT -> SYN-RECEIVED, SYN,ACK with our ISS");
	n = t_opt_syn(o, 1460, 0, true, true, 10, 0);
	t_out_reset();
	t_send(stk, &p, TH_SYN, 300, 0, 65535, NULL, 0, o, n, 100);
	zdp_tcp_poll(stk, 100);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_SYN_RECEIVED);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_SYN | TH_ACK);
	ZDP_CHECK_EQ(t_outq[0].s.seq, iss);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 301);
	ZDP_CASE("peer's SYN,ACK -> ESTABLISHED");
	p.tsval = 11;
	p.tsecr = t_outq[0].s.tsval;
	t_out_reset();
	n = t_opt_syn(o, 1460, 0, true, true, 11, p.tsecr);
	t_send(stk, &p, TH_SYN | TH_ACK, 300, iss + 1, 65535, NULL, 0, o, n, 200);
	zdp_tcp_poll(stk, 200);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_ESTABLISHED);
	ZDP_CHECK_EQ(t_app.n_connected, 1);
	ZDP_CHECK_EQ(c->rcv_nxt, 301);
	ZDP_CHECK_EQ(c->snd_una, iss + 1);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_simultaneous_close(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_PLAIN, 0, &iss);
	ZDP_REQUIRE(c);
	ZDP_CASE("close -> FIN, FIN-WAIT-1");
	t_out_reset();
	zdp_tcp_close(c);
	zdp_tcp_poll(stk, 10);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_FIN_WAIT_1);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_FIN | TH_ACK);
	ZDP_CHECK_EQ(t_outq[0].s.seq, iss + 1);
	ZDP_CASE("peer's FIN crosses ours (not acking it) -> CLOSING");
	t_out_reset();
	t_send(stk, &p, TH_FIN | TH_ACK, 1001, iss + 1, 65535, NULL, 0, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_CLOSING);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_ACK);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 1002);
	ZDP_CASE("ACK of our FIN -> TIME-WAIT");
	t_send(stk, &p, TH_ACK, 1002, iss + 2, 65535, NULL, 0, NULL, 0, 30);
	zdp_tcp_poll(stk, 30);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_TIME_WAIT);
	ZDP_CASE("TIME-WAIT lasts 2 MSL, then the conn returns to the pool");
	zdp_tcp_poll(stk, 30 + 59 * S);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 1);
	zdp_tcp_poll(stk, 30 + 60 * S + 2 * MS);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_half_close_peer_first(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_PLAIN, 0, &iss);
	ZDP_REQUIRE(c);
	ZDP_CASE("peer FIN -> CLOSE-WAIT, ACKed, on_peer_closed");
	t_out_reset();
	t_send(stk, &p, TH_FIN | TH_ACK, 1001, iss + 1, 65535, NULL, 0, NULL, 0, 10);
	zdp_tcp_poll(stk, 10);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_CLOSE_WAIT);
	ZDP_CHECK_EQ(t_app.n_peer_closed, 1);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 1002);
	ZDP_CASE("we keep sending in CLOSE-WAIT (half-close)");
	t_out_reset();
	ZDP_CHECK_EQ(zdp_tcp_send(c, t_mbuf_data(0, 2500)), 0);
	zdp_tcp_poll(stk, 20);
	ZDP_CHECK_EQ(t_nout, 3);	/* 1000 + 1000 + 500 (MSS 1000) */
	ZDP_CHECK_EQ(t_outq[0].s.seq, iss + 1);
	ZDP_CHECK_EQ(t_outq[0].dlen, 1000);
	ZDP_CHECK_EQ(t_outq[2].dlen, 500);
	ZDP_CHECK(t_outq[1].data[0] == t_pat(1000) && t_outq[2].data[499] == t_pat(2499));
	ZDP_CASE("close -> FIN after the data, LAST-ACK");
	t_out_reset();
	zdp_tcp_close(c);
	zdp_tcp_poll(stk, 30);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_LAST_ACK);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_FIN | TH_ACK);
	ZDP_CHECK_EQ(t_outq[0].s.seq, iss + 1 + 2500);
	ZDP_CASE("ACK of everything -> CLOSED and released");
	t_send(stk, &p, TH_ACK, 1002, iss + 2502, 65535, NULL, 0, NULL, 0, 40);
	zdp_tcp_poll(stk, 40);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	ZDP_CHECK_EQ(rte_mempool_in_use_count(t_pool), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_half_close_local_first(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;
	uint8_t d[300];

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_PLAIN, 0, &iss);
	ZDP_REQUIRE(c);
	ZDP_CASE("shutdown -> FIN; ACK -> FIN-WAIT-2");
	ZDP_CHECK_EQ(zdp_tcp_shutdown(c), 0);
	zdp_tcp_poll(stk, 10);
	{
		struct rte_mbuf *m = t_mbuf_data(0, 10);

		ZDP_CHECK_EQ(zdp_tcp_send(c, m), -EPIPE);	/* caller keeps @m */
		rte_pktmbuf_free(m);
	}
	t_send(stk, &p, TH_ACK, 1001, iss + 2, 65535, NULL, 0, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_FIN_WAIT_2);
	ZDP_CASE("peer data still delivered in FIN-WAIT-2");
	t_fill(d, 0, 300);
	t_send(stk, &p, TH_ACK | TH_PSH, 1001, iss + 2, 65535, d, 300, NULL, 0, 30);
	zdp_tcp_poll(stk, 30);
	ZDP_CHECK_EQ(t_app.rx_len, 300);
	ZDP_CHECK(memcmp(t_app.rx, d, 300) == 0);
	ZDP_CASE("peer FIN -> TIME-WAIT; retransmitted FIN re-ACKed");
	t_out_reset();
	t_send(stk, &p, TH_FIN | TH_ACK, 1301, iss + 2, 65535, NULL, 0, NULL, 0, 40);
	zdp_tcp_poll(stk, 40);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_TIME_WAIT);
	ZDP_CHECK_EQ(t_app.n_peer_closed, 1);
	t_out_reset();
	t_send(stk, &p, TH_FIN | TH_ACK, 1301, iss + 2, 65535, NULL, 0, NULL, 0, 30 * S);
	zdp_tcp_poll(stk, 30 * S);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_ACK);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 1302);
	ZDP_CASE("2 MSL restarted by the retransmitted FIN");
	zdp_tcp_poll(stk, 60 * S + 100 * MS);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_TIME_WAIT);
	zdp_tcp_poll(stk, 90 * S + 100 * MS);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_CLOSED);
	zdp_tcp_close(c);
	zdp_tcp_poll(stk, 91 * S);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_time_wait_reuse(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;
	uint8_t o[40];
	unsigned n;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_FULL, 0, &iss);
	ZDP_REQUIRE(c);
	zdp_tcp_close(c);
	zdp_tcp_poll(stk, 10);
	p.tsval = 2000;
	t_send(stk, &p, TH_FIN | TH_ACK, 1001, iss + 2, 65535, NULL, 0, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_TIME_WAIT);
	ZDP_CASE("SYN with an older timestamp does not reuse TIME-WAIT (RFC 6191)");
	n = t_opt_syn(o, 1460, 0, true, true, 1500, 0);
	t_out_reset();
	t_send(stk, &p, TH_SYN, 99999, 0, 65535, NULL, 0, o, n, 30);
	zdp_tcp_poll(stk, 30);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE), 0);
	ZDP_CHECK(t_nout >= 1 && !(t_outq[0].s.flags & TH_SYN));
	ZDP_CASE("SYN with a newer timestamp starts a new incarnation");
	n = t_opt_syn(o, 1460, 0, true, true, 3000, 0);
	t_out_reset();
	t_send(stk, &p, TH_SYN, 99999, 0, 65535, NULL, 0, o, n, 40);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TW_REUSE), 1);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_SYN | TH_ACK);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 100000);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_rfc5961_rst(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_PLAIN, 0, &iss);
	ZDP_REQUIRE(c);
	ZDP_CASE("RST outside the window: ignored silently (§3.2)");
	t_out_reset();
	t_send(stk, &p, TH_RST, 1001 + 10000000, 0, 0, NULL, 0, NULL, 0, 10);
	zdp_tcp_poll(stk, 10);
	ZDP_CHECK_EQ(t_nout, 0);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_ESTABLISHED);
	ZDP_CASE("RST in the window, not exact: challenge ACK (§3.2)");
	t_send(stk, &p, TH_RST, 1001 + 100, 0, 0, NULL, 0, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_ESTABLISHED);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_ACK);
	ZDP_CHECK_EQ(t_outq[0].s.seq, iss + 1);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 1001);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_CHALLENGE_ACK), 1);
	ZDP_CASE("challenge ACKs limited per second (RFC 5961 §7)");
	stk->p.challenge_ack_limit = 3;
	t_out_reset();
	for (int i = 0; i < 10; i++)
		t_send(stk, &p, TH_RST, 1001 + 200 + (uint32_t)i, 0, 0, NULL, 0, NULL, 0, 5 * S);
	zdp_tcp_poll(stk, 5 * S);
	ZDP_CHECK_EQ(t_nout, 3);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_CHALLENGE_ACK_LIMITED), 7);
	t_out_reset();
	t_send(stk, &p, TH_RST, 1001 + 300, 0, 0, NULL, 0, NULL, 0, 6 * S);
	zdp_tcp_poll(stk, 6 * S);
	ZDP_CHECK_EQ(t_nout, 1);	/* next second, new budget */
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_ESTABLISHED);
	ZDP_CASE("RST at RCV.NXT: reset");
	t_send(stk, &p, TH_RST, 1001, 0, 0, NULL, 0, NULL, 0, 7 * S);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_CLOSED);
	ZDP_CHECK_EQ(t_app.n_reset, 1);
	zdp_tcp_close(c);
	zdp_tcp_poll(stk, 8 * S);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_rfc5961_syn_and_ack(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_PLAIN, 0, &iss);
	ZDP_REQUIRE(c);
	ZDP_CASE("SYN in ESTABLISHED, in window: challenge ACK, no reset (§4.2)");
	t_out_reset();
	t_send(stk, &p, TH_SYN, 1001 + 5, 0, 65535, NULL, 0, NULL, 0, 10);
	zdp_tcp_poll(stk, 10);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_ESTABLISHED);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_ACK);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 1001);
	ZDP_CASE("SYN in ESTABLISHED, outside the window: ACK too");
	t_out_reset();
	t_send(stk, &p, TH_SYN, 1001 - 50000, 0, 65535, NULL, 0, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_ESTABLISHED);
	ZDP_CHECK_EQ(t_nout, 1);
	ZDP_CASE("ACK of data never sent: ACK back, data dropped (§5.2)");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, iss + 5000, 65535, "hello", 5, NULL, 0, 30);
	zdp_tcp_poll(stk, 30);
	ZDP_CHECK_EQ(t_app.rx_len, 0);
	ZDP_CHECK_EQ(t_nout, 1);
	ZDP_CASE("ACK too old (below SND.UNA - MAX.SND.WND): challenge ACK, dropped");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, iss - 70000, 65535, "hello", 5, NULL, 0, 40);
	zdp_tcp_poll(stk, 40);
	ZDP_CHECK_EQ(t_app.rx_len, 0);
	ZDP_CHECK_EQ(t_nout, 1);
	ZDP_CASE("a valid ACK with data is delivered");
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 65535, "hello", 5, NULL, 0, 50);
	ZDP_CHECK_EQ(t_app.rx_len, 5);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_paws(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_FULL, 0, &iss);
	ZDP_REQUIRE(c);
	p.tsval = 5000;
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 65535, "aaaa", 4, NULL, 0, 10);
	ZDP_CHECK_EQ(c->ts_recent, 5000);
	ZDP_CASE("older TSval: dropped, ACKed, counted (RFC 7323 §5.3)");
	p.tsval = 4000;
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1005, iss + 1, 65535, "bbbb", 4, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	ZDP_CHECK_EQ(t_app.rx_len, 4);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_DROP_PAWS), 1);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 1005);
	ZDP_CHECK_EQ(t_outq[0].s.tsecr, 5000);
	ZDP_CASE("segment without TS once negotiated: dropped (RFC 7323 §3.2)");
	p.ts = false;
	t_send(stk, &p, TH_ACK, 1005, iss + 1, 65535, "cccc", 4, NULL, 0, 30);
	ZDP_CHECK_EQ(t_app.rx_len, 4);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_DROP_NO_TS), 1);
	ZDP_CASE("RST is exempt from PAWS (R1)");
	p.ts = true;
	p.tsval = 1;
	t_send(stk, &p, TH_RST, 1005, 0, 0, NULL, 0, NULL, 0, 40);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(c), ZDP_TCP_CLOSED);
	zdp_tcp_close(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_ooo_and_duplicates(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;
	uint8_t d[4000];

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_FULL, 0, &iss);
	ZDP_REQUIRE(c);
	t_fill(d, 0, sizeof(d));
	ZDP_CASE("segment 2 first: held, immediate dup ACK with its SACK block");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001 + 1000, iss + 1, 65535, d + 1000, 1000, NULL, 0, 10);
	zdp_tcp_poll(stk, 10);
	ZDP_CHECK_EQ(t_app.rx_len, 0);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 1001);
	ZDP_CHECK_EQ(t_outq[0].s.n_sack, 1);
	ZDP_CHECK_EQ(t_outq[0].s.sack[0][0], 2001);
	ZDP_CHECK_EQ(t_outq[0].s.sack[0][1], 3001);
	ZDP_CASE("segment 4: two blocks, most recent first (RFC 2018 §4)");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001 + 3000, iss + 1, 65535, d + 3000, 1000, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.n_sack, 2);
	ZDP_CHECK_EQ(t_outq[0].s.sack[0][0], 4001);
	ZDP_CHECK_EQ(t_outq[0].s.sack[1][0], 2001);
	ZDP_CASE("segment overlapping 2's tail and 4's head, and a duplicate of 2");
	t_send(stk, &p, TH_ACK, 1001 + 1500, iss + 1, 65535, d + 1500, 2000, NULL, 0, 25);
	t_send(stk, &p, TH_ACK, 1001 + 1000, iss + 1, 65535, d + 1000, 1000, NULL, 0, 26);
	zdp_tcp_poll(stk, 26);
	ZDP_CHECK_EQ(t_app.rx_len, 0);
	ZDP_CASE("segment 1 fills the hole: all 4000 bytes in order, one callback");
	t_out_reset();
	t_app.n_readable = 0;
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 65535, d, 1000, NULL, 0, 30);
	zdp_tcp_poll(stk, 30);
	ZDP_CHECK_EQ(t_app.rx_len, 4000);
	ZDP_CHECK_EQ(t_app.n_readable, 1);
	ZDP_CHECK(memcmp(t_app.rx, d, 4000) == 0);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 5001);
	ZDP_CHECK_EQ(t_outq[0].s.n_sack, 0);
	ZDP_CASE("full duplicate: not delivered again, ACKed at once");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 65535, d, 1000, NULL, 0, 40);
	zdp_tcp_poll(stk, 40);
	ZDP_CHECK_EQ(t_app.rx_len, 4000);
	ZDP_CHECK_EQ(t_nout, 1);
	ZDP_CHECK(ctr(stk, ZDP_TCP_CTR_DUP_SEGS) >= 1);
	ZDP_CASE("partial duplicate: only the new tail delivered");
	t_send(stk, &p, TH_ACK, 1001 + 3500, iss + 1, 65535, d + 3500, 500, NULL, 0, 50);
	ZDP_CHECK_EQ(t_app.rx_len, 4000);
	{
		uint8_t e[1000];

		t_fill(e, 3500, 1000);
		t_send(stk, &p, TH_ACK, 1001 + 3500, iss + 1, 65535, e, 1000, NULL, 0, 60);
		ZDP_CHECK_EQ(t_app.rx_len, 4500);
		ZDP_CHECK(memcmp(t_app.rx + 4000, e + 500, 500) == 0);
	}
	zdp_tcp_abort(c);
	zdp_tcp_poll(stk, 70);
	ZDP_CHECK_EQ(rte_mempool_in_use_count(t_pool), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

/* RFC 2883 §4, receiver side: a duplicate segment is reported in the first
 * SACK block of the ACK it triggers (D-SACK), once; the other blocks follow
 * RFC 2018. The rows run in order on one connection; sequence numbers are
 * the peer's (ISN 1000, data from 1001). */
static void
test_dsack_receiver(void)
{
	static const struct {
		const char *name;
		uint32_t seq, len;
		uint32_t ack;		/* expected in the ACK; 0: no ACK checked */
		unsigned n_sack;
		uint32_t sack[3][2];
	} rows[] = {
		{ "in order", 1001, 1000, 0, 0, { { 0 } } },
		{ "in order, second segment: ACK, no blocks", 2001, 1000, 3001, 0, { { 0 } } },
		{ "full duplicate below RCV.NXT: D-SACK of it", 1001, 1000, 3001, 1,
		  { { 1001, 2001 } } },
		{ "duplicate reaching past RCV.NXT: D-SACK of the old part only", 2501, 1000,
		  3501, 1, { { 2501, 3001 } } },
		{ "out of order: its SACK block", 4501, 1000, 3501, 1, { { 4501, 5501 } } },
		{ "out of order, continuing: one block", 5501, 1000, 3501, 1,
		  { { 4501, 6501 } } },
		{ "duplicate of held data: D-SACK, then the block holding it", 5001, 1000, 3501,
		  2, { { 5001, 6001 }, { 4501, 6501 } } },
		{ "next ACK: the D-SACK is not repeated", 7501, 1000, 3501, 2,
		  { { 7501, 8501 }, { 4501, 6501 } } },
		{ "old duplicate while data is held: D-SACK first, then RFC 2018 order",
		  2001, 1000, 3501, 3, { { 2001, 3001 }, { 7501, 8501 }, { 4501, 6501 } } },
	};
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;
	static uint8_t d[8000];
	uint64_t now = 10;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_FULL, 0, &iss);
	ZDP_REQUIRE(c);
	t_fill(d, 0, sizeof(d));
	for (unsigned k = 0; k < RTE_DIM(rows); k++, now += 10) {
		struct t_out *a;

		ZDP_CASE(rows[k].name);
		t_out_reset();
		t_send(stk, &p, TH_ACK, rows[k].seq, iss + 1, 65535, d + (rows[k].seq - 1001),
		       rows[k].len, NULL, 0, now);
		zdp_tcp_poll(stk, now);
		if (!rows[k].ack)
			continue;
		a = t_last();
		ZDP_CHECK(a != NULL);
		if (!a)
			continue;
		ZDP_CHECK_EQ(a->s.ack, rows[k].ack);
		ZDP_CHECK_EQ(a->s.n_sack, rows[k].n_sack);
		for (unsigned i = 0; i < rows[k].n_sack && i < a->s.n_sack; i++) {
			ZDP_CHECK_EQ(a->s.sack[i][0], rows[k].sack[i][0]);
			ZDP_CHECK_EQ(a->s.sack[i][1], rows[k].sack[i][1]);
		}
	}
	ZDP_CASE("no D-SACK without SACK negotiated");
	zdp_tcp_abort(c);
	zdp_tcp_poll(stk, now);
	p.rport++;
	c = open_passive(stk, &l, &p, 1000, &HS_PLAIN, now, &iss);
	ZDP_REQUIRE(c);
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 65535, d, 1000, NULL, 0, now + 1);
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 65535, d, 1000, NULL, 0, now + 2);
	zdp_tcp_poll(stk, now + 2);
	ZDP_CHECK(t_nout >= 1);
	if (t_nout >= 1) {
		ZDP_CHECK_EQ(t_last()->s.ack, 2001);
		ZDP_CHECK_EQ(t_last()->s.n_sack, 0);
	}
	ZDP_CHECK_EQ(c->dsack_len, 0);
	zdp_tcp_abort(c);
	zdp_tcp_poll(stk, now + 3);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
small_rcvbuf(struct zdp_tcp_stack_params *p)
{
	p->rcv_buf = 4096;
}

static void
test_window_trim_and_backpressure(void)
{
	struct zdp_tcp_stack *stk = stack_with(small_rcvbuf);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;
	static uint8_t d[16384];

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_PLAIN, 0, &iss);
	ZDP_REQUIRE(c);
	t_app.auto_consume = false;
	t_fill(d, 0, sizeof(d));
	ZDP_CASE("6000 bytes into a 4096 window: trimmed to 4096 (§3.10.7.4)");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 65535, d, 6000, NULL, 0, 10);
	zdp_tcp_poll(stk, 10);
	ZDP_CHECK_EQ(t_app.rx_len, 4096);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TRIMMED), 1);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 1001 + 4096);
	ZDP_CASE("window closed while the application holds the data");
	ZDP_CHECK_EQ(t_outq[0].s.wnd, 0);
	ZDP_CASE("zero window: a probe is ACKed, its byte not taken");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001 + 4096, iss + 1, 65535, d + 4096, 1, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	ZDP_CHECK_EQ(t_app.rx_len, 4096);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 1001 + 4096);
	ZDP_CHECK_EQ(t_outq[0].s.wnd, 0);
	ZDP_CASE("consumer takes the data: window update");
	t_out_reset();
	zdp_tcp_recv_consumed(c, 4096);
	zdp_tcp_poll(stk, 30);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.wnd, 4096);
	ZDP_CASE("small consumption does not reopen (receiver SWS avoidance)");
	t_send(stk, &p, TH_ACK, 1001 + 4096, iss + 1, 65535, d + 4096, 4096, NULL, 0, 40);
	zdp_tcp_poll(stk, 40);
	t_out_reset();
	zdp_tcp_recv_consumed(c, 10);
	zdp_tcp_poll(stk, 50);
	ZDP_CHECK_EQ(t_nout, 0);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
small_sndbuf(struct zdp_tcp_stack_params *p)
{
	p->snd_buf = 4000;
}

static void
test_zero_window_persist(void)
{
	struct zdp_tcp_stack *stk = stack_with(small_sndbuf);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;
	struct hs h = HS_PLAIN;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	h.wnd = 0;
	c = open_passive(stk, &l, &p, 1000, &h, 0, &iss);
	ZDP_REQUIRE(c);
	ZDP_CASE("peer window 0: nothing sent");
	t_out_reset();
	ZDP_CHECK_EQ(zdp_tcp_send(c, t_mbuf_data(0, 3000)), 0);
	ZDP_CHECK_EQ(zdp_tcp_send(c, t_mbuf_data(3000, 3000)), 0);
	{
		struct rte_mbuf *m = t_mbuf_data(6000, 10);

		ZDP_CHECK_EQ(zdp_tcp_send(c, m), -EAGAIN);
		rte_pktmbuf_free(m);
	}
	zdp_tcp_poll(stk, 10);
	ZDP_CHECK_EQ(t_nout, 0);
	ZDP_CASE("persist timer: 1-byte probes at RTO, then 2*RTO (RFC 9293 §3.8.6.1)");
	zdp_tcp_poll(stk, 10 + 1 * S + 1 * MS);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.seq, iss + 1);
	ZDP_CHECK_EQ(t_outq[0].dlen, 1);
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 0, NULL, 0, NULL, 0, 1 * S + 5 * MS);
	zdp_tcp_poll(stk, 2 * S + 100 * MS);
	ZDP_CHECK_EQ(t_nout, 1);
	zdp_tcp_poll(stk, 3 * S + 20 * MS);
	ZDP_CHECK_EQ(t_nout, 2);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_ZWP), 2);
	ZDP_CASE("window opens: data flows, writable fires after the ACK");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 65535, NULL, 0, NULL, 0, 3 * S + 30 * MS);
	zdp_tcp_poll(stk, 3 * S + 30 * MS);
	ZDP_CHECK_EQ(t_nout, 6);
	ZDP_CHECK_EQ(t_outq[0].s.seq, iss + 1);
	t_send(stk, &p, TH_ACK, 1001, iss + 1 + 6000, 65535, NULL, 0, NULL, 0, 3 * S + 40 * MS);
	ZDP_CHECK_EQ(t_app.n_writable, 1);
	ZDP_CHECK_EQ(zdp_tcp_send_space(c), 4000);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
no_ts(struct zdp_tcp_stack_params *p)
{
	p->no_timestamps = true;
}

static void
test_rto_karn_backoff(void)
{
	struct zdp_tcp_stack *stk = stack_with(no_ts);
	struct zdp_tcp_conn *c = NULL;
	struct t_peer p;
	uint8_t o[40];
	unsigned n;
	uint32_t iss;
	uint64_t t;
	int k = 0;
	uint64_t at[8] = { 0 };

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	zdp_tcp_connect(stk, &p.la, 7000, &p.ra, 80, &t_app, 1 * S, &c);
	iss = t_last()->s.seq;
	p.lport = 7000;
	p.rport = 80;
	n = t_opt_syn(o, 1000, -1, false, false, 0, 0);
	t_send(stk, &p, TH_SYN | TH_ACK, 500, iss + 1, 65535, NULL, 0, o, n, 1 * S + 100 * MS);
	zdp_tcp_poll(stk, 1 * S + 100 * MS);
	ZDP_CASE("SRTT 100 ms, RTO 300 ms");
	ZDP_CHECK_EQ(c->srtt_us, 100000);
	ZDP_CHECK_EQ(c->rto_us, 300000);
	t_out_reset();
	zdp_tcp_send(c, t_mbuf_data(0, 1000));
	zdp_tcp_poll(stk, 2 * S);
	ZDP_CHECK_EQ(t_nout, 1);
	for (t = 2 * S; t < 5 * S && k < 8; t += MS) {
		int before = t_nout;

		zdp_tcp_poll(stk, t);
		if (t_nout > before)
			at[k++] = t - 2 * S;
	}
	ZDP_CASE("retransmissions at +300, +900, +2100 ms (backoff)");
	ZDP_CHECK_EQ(k, 3);
	ZDP_CHECK_EQ(at[0], 300 * MS);
	ZDP_CHECK_EQ(at[1], 900 * MS);
	ZDP_CHECK_EQ(at[2], 2100 * MS);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_RTO_FIRES), 3);
	ZDP_CHECK_EQ(t_outq[3].s.seq, iss + 1);
	ZDP_CASE("Karn: the ACK of a retransmitted segment gives no sample, backoff stays");
	t_send(stk, &p, TH_ACK, 501, iss + 1001, 65535, NULL, 0, NULL, 0, 5 * S);
	zdp_tcp_poll(stk, 5 * S);
	ZDP_CHECK_EQ(c->srtt_us, 100000);
	ZDP_CHECK_EQ(c->backoff, 3);
	ZDP_CASE("a fresh segment's ACK is sampled and ends the backoff");
	zdp_tcp_send(c, t_mbuf_data(1000, 1000));
	zdp_tcp_poll(stk, 5 * S + 1);
	t_send(stk, &p, TH_ACK, 501, iss + 2001, 65535, NULL, 0, NULL, 0, 5 * S + 1 + 180 * MS);
	ZDP_CHECK_EQ(c->srtt_us, (7 * 100000 + 180000) / 8);
	ZDP_CHECK_EQ(c->backoff, 0);
	ZDP_CASE("after RTO: cwnd = 1 SMSS, ssthresh = max(FlightSize/2, 2 SMSS)");
	ZDP_CHECK_EQ(c->ssthresh, 2000);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
msl_1ms(struct zdp_tcp_stack_params *p)
{
	p->msl_us = 1000;
}

/* The ACK of the FIN that ends FIN-WAIT-2 goes out even when the worker
 * polls only after 2 MSL have passed (a loaded machine, a short MSL): the
 * pending output is flushed before the timers end TIME-WAIT. (Found by the
 * tcp_loadgen with a 1 ms MSL: ~0.1 % of those FINs went unanswered.) */
static void
test_time_wait_ack_outlives_a_late_poll(void)
{
	struct zdp_tcp_stack *stk = stack_with(msl_1ms);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_PLAIN, 0, &iss);
	ZDP_REQUIRE(c);
	zdp_tcp_close(c);
	zdp_tcp_poll(stk, 10);
	t_send(stk, &p, TH_ACK, 1001, iss + 2, 65535, NULL, 0, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	ZDP_CASE("peer FIN in FIN-WAIT-2, the next poll 5 ms later (2 MSL = 2 ms)");
	t_out_reset();
	t_send(stk, &p, TH_FIN | TH_ACK, 1001, iss + 2, 65535, NULL, 0, NULL, 0, 30);
	zdp_tcp_poll(stk, 30 + 5 * MS);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_ACK);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 1002);
	ZDP_CASE("and TIME-WAIT is over");
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static struct zdp_tcp_conn *
open_for_sending(struct zdp_tcp_stack *stk, struct t_peer *p, const struct hs *h, uint32_t *iss)
{
	struct zdp_tcp_listener *l = NULL;

	return open_passive(stk, &l, p, 1000, h, 0, iss);
}

/* An ICMP error (IPv4 type/code, or ICMPv6 type 2 when @p is IPv6) quoting
 * the first @qtcp bytes of the TCP header of a segment the stack sent to
 * @p with sequence number @seq. Returns its length. */
static unsigned
mk_icmp(uint8_t *b, const struct t_peer *p, uint8_t type, uint8_t code, uint32_t mtu,
	uint32_t seq, unsigned qtcp)
{
	unsigned ihl = p->v6 ? 40 : 20;
	uint8_t *q = b + 8, *t = q + ihl;

	memset(b, 0, 8 + ihl + 20);
	b[0] = type;
	b[1] = code;
	if (p->v6) {
		b[4] = (uint8_t)(mtu >> 24);
		b[5] = (uint8_t)(mtu >> 16);
		q[0] = 0x60;
		q[6] = 6;
		memcpy(q + 8, p->la.a, 16);
		memcpy(q + 24, p->ra.a, 16);
	} else {
		q[0] = 0x45;
		q[9] = 6;
		memcpy(q + 12, p->la.a, 4);
		memcpy(q + 16, p->ra.a, 4);
	}
	b[6] = (uint8_t)(mtu >> 8);
	b[7] = (uint8_t)mtu;
	t[0] = (uint8_t)(p->lport >> 8);
	t[1] = (uint8_t)p->lport;
	t[2] = (uint8_t)(p->rport >> 8);
	t[3] = (uint8_t)p->rport;
	t[4] = (uint8_t)(seq >> 24);
	t[5] = (uint8_t)(seq >> 16);
	t[6] = (uint8_t)(seq >> 8);
	t[7] = (uint8_t)seq;
	return 8 + ihl + qtcp;
}

/* Path MTU discovery from ICMP (RFC 1191 §6.3, RFC 8201 §5.2), validated as
 * RFC 5927 §4.1 asks: only a message quoting a sequence number in flight
 * acts, the MSS only goes down, what was in flight is resent in segments
 * that fit and cwnd is not touched. */
static void
test_icmp_pmtu(void)
{
	static const struct {
		const char *what;
		bool v6;
		uint8_t type, code;
		uint32_t mtu;
		int seq_off;		/* from SND.UNA; 1 << 20: SND.MAX */
		unsigned qtcp;
		uint16_t lport_delta;
		int rc;
		uint16_t mss;		/* after */
	} cases[] = {
		{ "v4 host unreachable: soft error, ignored", false, 3, 1, 1000, 0, 8, 0,
		  -EOPNOTSUPP, 1448 },
		{ "v4 seq before SND.UNA (RFC 5927 §4.1)", false, 3, 4, 1000, -1000, 8, 0,
		  -ERANGE, 1448 },
		{ "v4 seq at SND.MAX: not in flight", false, 3, 4, 1000, 1 << 20, 8, 0,
		  -ERANGE, 1448 },
		{ "v4 no such connection", false, 3, 4, 1000, 0, 8, 1, -ENOENT, 1448 },
		{ "v4 quote shorter than 8 TCP bytes", false, 3, 4, 1000, 0, 4, 0, -EINVAL, 1448 },
		{ "v4 MTU 0 (router before RFC 1191)", false, 3, 4, 0, 0, 8, 0, -EINVAL, 1448 },
		{ "v4 MTU 1000 quoting the 2nd segment in flight", false, 3, 4, 1000, 1448, 8, 0,
		  0, 1000 - 20 - 20 - 12 },
		{ "v4 a larger MTU never raises it", false, 3, 4, 1400, 0, 8, 0, -EALREADY,
		  1000 - 52 },
		{ "v4 MTU 300 is clamped to 552", false, 3, 4, 300, 0, 20, 0, 0, 552 - 52 },
		{ "v6 Packet Too Big below 1280 is clamped to 1280 (RFC 8201 §4)", true, 2, 0,
		  1000, 0, 8, 0, 0, 1280 - 40 - 20 - 12 },
		{ "v6 destination unreachable: ignored", true, 1, 4, 1000, 0, 8, 0, -EOPNOTSUPP,
		  1280 - 72 },
	};
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_conn *c4, *c6, *c;
	struct t_peer p4, p6;
	uint32_t iss4, iss6;
	uint64_t ignored = 0;
	uint8_t b[128];

	ZDP_REQUIRE(stk);
	t_peer_init(&p4, false);
	t_peer_init(&p6, true);
	p6.rport = 40001;
	c4 = open_for_sending(stk, &p4, &HS_FULL, &iss4);
	c6 = open_for_sending(stk, &p6, &HS_FULL, &iss6);
	ZDP_REQUIRE(c4 && c6);
	ZDP_CHECK_EQ(c4->mss, 1448);
	zdp_tcp_send(c4, t_mbuf_data(0, 6000));
	zdp_tcp_send(c6, t_mbuf_data(0, 6000));
	zdp_tcp_poll(stk, 1 * MS);
	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		struct t_peer q;
		uint32_t cwnd, seq, lim;
		unsigned n;
		int rc;

		ZDP_CASE(cases[i].what);
		c = cases[i].v6 ? c6 : c4;
		q = cases[i].v6 ? p6 : p4;
		q.lport = (uint16_t)(q.lport + cases[i].lport_delta);
		seq = cases[i].seq_off == 1 << 20 ? c->snd_max :
			c->snd_una + (uint32_t)cases[i].seq_off;
		n = mk_icmp(b, &q, cases[i].type, cases[i].code, cases[i].mtu, seq,
			    cases[i].qtcp);
		cwnd = c->cwnd;
		t_out_reset();
		rc = zdp_tcp_icmp_input(stk, cases[i].v6 ? ZDP_AF_INET6 : ZDP_AF_INET, b, n);
		zdp_tcp_poll(stk, 2 * MS);
		ZDP_CHECK_EQ(rc, cases[i].rc);
		ZDP_CHECK_EQ(c->mss, cases[i].mss);
		ZDP_CHECK_EQ(c->cwnd, cwnd);
		if (rc != 0) {
			ignored++;
			ZDP_CHECK_EQ(t_nout, 0);
			continue;
		}
		/* resent from SND.UNA, every segment within the new MTU */
		lim = cases[i].mss;
		ZDP_CHECK(t_nout >= 1);
		ZDP_CHECK_EQ(t_outq[0].s.seq, c->snd_una);
		for (int k = 0; k < t_nout; k++)
			ZDP_CHECK(t_outq[k].s.len <= lim);
		ZDP_CHECK_EQ(t_outq[0].s.len, lim);
	}
	ZDP_CASE("counters");
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_PMTU_UPDATES), 3);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_ICMP_IGNORED), ignored);
	zdp_tcp_abort(c4);
	zdp_tcp_abort(c6);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static struct {
	int n;
	struct zdp_addr last;
} confirms;

static void
count_confirm(void *ctx, const struct zdp_addr *raddr)
{
	(void)ctx;
	confirms.n++;
	confirms.last = *raddr;
}

static void
with_confirm(struct zdp_tcp_stack_params *p)
{
	p->confirm = count_confirm;
}

/* RFC 4861 §7.3.1 reachability hints: an ACK of new data tells the host
 * that the path to the peer works, at most once per ~1 s (now >> 20 µs)
 * per connection and never in the connection's first such tick, so short
 * connections cost nothing; a duplicate ACK proves nothing. */
static void
test_neighbour_confirmation(void)
{
	struct zdp_tcp_stack *stk = stack_with(with_confirm);
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;

	ZDP_REQUIRE(stk);
	memset(&confirms, 0, sizeof(confirms));
	t_peer_init(&p, false);
	c = open_for_sending(stk, &p, &HS_PLAIN, &iss);
	ZDP_REQUIRE(c);
	zdp_tcp_send(c, t_mbuf_data(0, 4000));
	zdp_tcp_poll(stk, 100 * MS);
	ZDP_CASE("new data ACKed in the connection's first tick: no hint");
	t_send(stk, &p, TH_ACK, 1001, iss + 1 + 1000, 65535, NULL, 0, NULL, 0, 500 * MS);
	ZDP_CHECK_EQ(confirms.n, 0);
	ZDP_CASE("new data ACKed in the next tick: one hint, for the peer");
	t_send(stk, &p, TH_ACK, 1001, iss + 1 + 2000, 65535, NULL, 0, NULL, 0, 1100 * MS);
	ZDP_CHECK_EQ(confirms.n, 1);
	ZDP_CHECK(zdp_addr_eq(&confirms.last, &p.ra));
	ZDP_CASE("more in the same tick: none");
	t_send(stk, &p, TH_ACK, 1001, iss + 1 + 3000, 65535, NULL, 0, NULL, 0, 1200 * MS);
	ZDP_CHECK_EQ(confirms.n, 1);
	ZDP_CASE("a duplicate ACK in a later tick: none");
	t_send(stk, &p, TH_ACK, 1001, iss + 1 + 3000, 65535, NULL, 0, NULL, 0, 2200 * MS);
	ZDP_CHECK_EQ(confirms.n, 1);
	ZDP_CASE("new data in a later tick: the second");
	t_send(stk, &p, TH_ACK, 1001, iss + 1 + 4000, 65535, NULL, 0, NULL, 0, 2300 * MS);
	ZDP_CHECK_EQ(confirms.n, 2);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_fast_retransmit_newreno(void)
{
	struct zdp_tcp_stack *stk = stack_with(no_ts);
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss, una;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_for_sending(stk, &p, &HS_PLAIN, &iss);
	ZDP_REQUIRE(c);
	una = iss + 1;
	t_out_reset();
	zdp_tcp_send(c, t_mbuf_data(0, 10000));
	zdp_tcp_poll(stk, 10);
	ZDP_CASE("IW 10 segments of 1000");
	ZDP_CHECK_EQ(t_nout, 10);
	t_send(stk, &p, TH_ACK, 1001, una + 1000, 65535, NULL, 0, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	t_out_reset();
	ZDP_CASE("2 dupACKs: nothing (no limited transmit: no new data)");
	for (int i = 0; i < 2; i++)
		t_send(stk, &p, TH_ACK, 1001, una + 1000, 65535, NULL, 0, NULL, 0, 30 + i);
	zdp_tcp_poll(stk, 40);
	ZDP_CHECK_EQ(t_nout, 0);
	ZDP_CASE("3rd dupACK: fast retransmit of SND.UNA, cwnd = ssthresh + 3 SMSS (RFC 5681 §3.2)");
	t_send(stk, &p, TH_ACK, 1001, una + 1000, 65535, NULL, 0, NULL, 0, 50);
	zdp_tcp_poll(stk, 50);
	ZDP_REQUIRE(t_nout >= 1);
	ZDP_CHECK_EQ(t_outq[0].s.seq, una + 1000);
	ZDP_CHECK_EQ(t_outq[0].dlen, 1000);
	/* flight = 9000 -> ssthresh 4500, cwnd 7500; a larger cwnd would send
	 * new data, but there is none */
	ZDP_CHECK_EQ(c->ssthresh, 4500);
	ZDP_CHECK_EQ(c->cwnd, 7500);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_NEWRENO_RECOVERIES), 1);
	ZDP_CASE("partial ACK: retransmit the next hole, deflate (RFC 6582 §3.2 step 5)");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, una + 3000, 65535, NULL, 0, NULL, 0, 60);
	zdp_tcp_poll(stk, 60);
	ZDP_REQUIRE(t_nout >= 1);
	ZDP_CHECK_EQ(t_outq[0].s.seq, una + 3000);
	ZDP_CHECK_EQ(c->cwnd, 7500 - 2000 + 1000);
	ZDP_CASE("full ACK: recovery ends, cwnd = min(ssthresh, FlightSize + SMSS)");
	t_send(stk, &p, TH_ACK, 1001, una + 10000, 65535, NULL, 0, NULL, 0, 70);
	ZDP_CHECK(!(c->flags & F_IN_RECOVERY));
	ZDP_CHECK_EQ(c->cwnd, 2000);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_limited_transmit_early_retransmit(void)
{
	struct zdp_tcp_stack *stk = stack_with(no_ts);
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss, una;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_for_sending(stk, &p, &HS_PLAIN, &iss);
	ZDP_REQUIRE(c);
	una = iss + 1;
	t_out_reset();
	zdp_tcp_send(c, t_mbuf_data(0, 12000));
	zdp_tcp_poll(stk, 10);
	ZDP_CHECK_EQ(t_nout, 10);	/* cwnd-limited at IW */
	ZDP_CASE("RFC 3042: each of the first two dupACKs sends one new segment");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, una, 65535, NULL, 0, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.seq, una + 10000);
	t_send(stk, &p, TH_ACK, 1001, una, 65535, NULL, 0, NULL, 0, 30);
	zdp_tcp_poll(stk, 30);
	ZDP_REQUIRE(t_nout == 2);
	ZDP_CHECK_EQ(t_outq[1].s.seq, una + 11000);
	ZDP_CHECK_EQ(c->cwnd, 10000);	/* cwnd itself unchanged */
	zdp_tcp_abort(c);
	zdp_tcp_poll(stk, 40);

	ZDP_CASE("RFC 5827: two segments out, nothing more to send: one dupACK suffices");
	c = open_for_sending(stk, &p, &HS_PLAIN, &iss);
	ZDP_REQUIRE(c);
	una = iss + 1;
	t_out_reset();
	zdp_tcp_send(c, t_mbuf_data(0, 2000));
	zdp_tcp_poll(stk, 50);
	ZDP_CHECK_EQ(t_nout, 2);
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, una, 65535, NULL, 0, NULL, 0, 60);
	zdp_tcp_poll(stk, 60);
	ZDP_REQUIRE(t_nout >= 1);
	ZDP_CHECK_EQ(t_outq[0].s.seq, una);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_FAST_RETRANS), 1);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_sack_blocks_fit_the_mss(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;
	struct hs h = HS_FULL;
	uint8_t d[1000];

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	h.mss = 1012;	/* 1000 payload bytes with timestamps */
	c = open_for_sending(stk, &p, &h, &iss);
	ZDP_REQUIRE(c);
	t_fill(d, 0, sizeof(d));
	/* out-of-order data from the peer: we owe it SACK blocks */
	t_send(stk, &p, TH_ACK, 1001 + 1000, iss + 1, 65535, d, 1000, NULL, 0, 10);
	t_out_reset();
	zdp_tcp_send(c, t_mbuf_data(0, 3000));
	zdp_tcp_poll(stk, 20);
	ZDP_CASE("full-size data segments carry no SACK blocks (RFC 6691)");
	ZDP_REQUIRE(t_nout >= 4);
	for (int i = 0; i < t_nout; i++) {
		ZDP_CHECK(t_outq[i].s.hlen - 20 + t_outq[i].s.len <= 1012);
		if (t_outq[i].s.len == 1000)
			ZDP_CHECK_EQ(t_outq[i].s.n_sack, 0);
	}
	ZDP_CASE("a pure ACK carries them");
	ZDP_CHECK_EQ(t_outq[t_nout - 1].s.len, 0);
	ZDP_CHECK_EQ(t_outq[t_nout - 1].s.n_sack, 1);
	ZDP_CHECK_EQ(t_outq[t_nout - 1].s.sack[0][0], 2001);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_tail_loss_probe(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss, una;
	uint64_t t;
	int k = 0;
	uint64_t at[4] = { 0 };

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_for_sending(stk, &p, &HS_FULL, &iss);
	ZDP_REQUIRE(c);
	ZDP_CHECK(c->srtt_us > 0);	/* sampled from TSecr on the third ACK */
	una = iss + 1;
	t_out_reset();
	zdp_tcp_send(c, t_mbuf_data(0, 3000));
	zdp_tcp_poll(stk, 1 * S);
	ZDP_CHECK_EQ(t_nout, 3);
	for (t = 1 * S; t < 2 * S && k < 4; t += MS) {
		int before = t_nout;

		zdp_tcp_poll(stk, t);
		if (t_nout > before)
			at[k++] = t - 1 * S;
	}
	ZDP_CASE("RFC 8985 §7: after PTO (>= 10 ms) the last segment is probed");
	ZDP_REQUIRE(k >= 2);
	ZDP_CHECK(at[0] >= 10 * MS && at[0] <= 12 * MS);
	ZDP_CHECK_EQ(t_outq[3].s.seq, una + 3000 - 1448);
	ZDP_CHECK_EQ(t_outq[3].dlen, 1448);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TLP), 1);
	ZDP_CASE("one probe per episode: the RTO follows");
	ZDP_CHECK(at[1] >= 200 * MS);
	ZDP_CHECK(ctr(stk, ZDP_TCP_CTR_RTO_FIRES) >= 1);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TLP), 1);
	ZDP_CHECK_EQ(t_outq[4].s.seq, una);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);

	ZDP_CASE("RFC 8985 §7.2: one segment out -> PTO includes WCDelAckT (200 ms), "
		 "so the RTO comes first: no probe while a peer may still be delaying its ACK");
	stk = stack_with(NULL);
	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_for_sending(stk, &p, &HS_FULL, &iss);
	ZDP_REQUIRE(c);
	t_out_reset();
	zdp_tcp_send(c, t_mbuf_data(0, 100));
	zdp_tcp_poll(stk, 1 * S);
	ZDP_CHECK_EQ(t_nout, 1);
	for (t = 1 * S; t < 1 * S + 199 * MS; t += MS)
		zdp_tcp_poll(stk, t);
	ZDP_CHECK_EQ(t_nout, 1);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TLP), 0);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);

	ZDP_CASE("RFC 8985 §7.2: new data sent while that RTO runs restarts the PTO "
		 "(2*SRTT, more than one segment out): a probe, not the RTO, guards it");
	stk = stack_with(NULL);
	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_for_sending(stk, &p, &HS_FULL, &iss);
	ZDP_REQUIRE(c);
	t_out_reset();
	zdp_tcp_send(c, t_mbuf_data(0, 100));
	zdp_tcp_poll(stk, 1 * S);
	zdp_tcp_send(c, t_mbuf_data(100, 3000));
	zdp_tcp_poll(stk, 1 * S + 5 * MS);
	ZDP_CHECK(t_nout >= 3);
	for (t = 1 * S + 5 * MS; t < 1 * S + 40 * MS; t += MS)
		zdp_tcp_poll(stk, t);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TLP), 1);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_RTO_FIRES), 0);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_sack_recovery(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss, una;
	struct hs h = HS_FULL;
	uint8_t o[40];
	unsigned n;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	h.mss = 1012;	/* 1000-byte segments with timestamps */
	c = open_for_sending(stk, &p, &h, &iss);
	ZDP_REQUIRE(c);
	ZDP_CHECK_EQ(c->mss, 1000);
	una = iss + 1;
	t_out_reset();
	zdp_tcp_send(c, t_mbuf_data(0, 10000));
	zdp_tcp_poll(stk, 10);
	ZDP_CHECK_EQ(t_nout, 10);
	ZDP_CASE("one dupACK SACKing 3 segments above a hole: IsLost, retransmit at once (RFC 6675 §5)");
	{
		uint32_t b[1][2] = { { una + 1000, una + 4000 } };

		n = t_opt_ts(o, ++p.tsval, p.tsecr);
		n += t_opt_sack(o + n, (const uint32_t (*)[2])b, 1);
	}
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, una, 60000, NULL, 0, o, n, 20);	/* window moved */
	zdp_tcp_poll(stk, 20);
	ZDP_CHECK(c->flags & F_IN_RECOVERY);
	ZDP_REQUIRE(t_nout >= 1);
	ZDP_CHECK_EQ(t_outq[0].s.seq, una);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_SACK_RECOVERIES), 1);
	ZDP_CHECK_EQ(c->cwnd, c->ssthresh);
	ZDP_CASE("SACK dupACKs count even when the peer's window moves (RFC 6675 §2)");
	ZDP_CHECK(c->dupacks >= 1);
	ZDP_CASE("second hole reported: retransmitted from the scoreboard, not go-back-N");
	{
		uint32_t b[2][2] = { { una + 5000, una + 8000 }, { una + 1000, una + 4000 } };

		n = t_opt_ts(o, ++p.tsval, p.tsecr);
		n += t_opt_sack(o + n, (const uint32_t (*)[2])b, 2);
	}
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, una, 65535, NULL, 0, o, n, 30);
	zdp_tcp_poll(stk, 30);
	{
		bool saw4000 = false, saw1000 = false;

		for (int i = 0; i < t_nout; i++) {
			if (t_outq[i].s.seq == una + 4000)
				saw4000 = true;
			if (t_outq[i].s.seq == una + 1000)
				saw1000 = true;
		}
		ZDP_CHECK(saw4000);
		ZDP_CHECK(!saw1000);	/* SACKed data is not resent */
	}
	ZDP_CASE("full ACK ends recovery");
	n = t_opt_ts(o, ++p.tsval, p.tsecr);
	t_send(stk, &p, TH_ACK, 1001, una + 10000, 65535, NULL, 0, o, n, 40);
	ZDP_CHECK(!(c->flags & F_IN_RECOVERY));
	ZDP_CHECK_EQ(c->snd_una, una + 10000);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

/* RFC 6675 §4 NextSeg() rule (4): the first and the last of ten segments
 * are lost. The SACK above the first makes it IsLost(); the last is above
 * every SACK block, so rule 1 never offers it and, without the rescue
 * retransmission, only the RTO would. */
static void
test_sack_rescue_retransmission(void)
{
	static const struct {
		const char *name;
		uint32_t bytes;		/* queued by the application */
		uint16_t wnd;		/* the peer's window */
	} cases[] = {
		{ "nothing new to send: rescue the tail at once", 10000, 65535 },
		{ "new data held back by the peer's window (rule 2 fails): rescue", 12000, 10000 },
	};

	for (unsigned k = 0; k < RTE_DIM(cases); k++) {
		struct zdp_tcp_stack *stk = stack_with(NULL);
		struct zdp_tcp_conn *c;
		struct t_peer p;
		uint32_t iss, una;
		struct hs h = HS_FULL;
		uint8_t o[40];
		unsigned n, rescues = 0;

		ZDP_REQUIRE(stk);
		t_peer_init(&p, false);
		h.mss = 1012;	/* 1000-byte segments with timestamps */
		h.wnd = cases[k].wnd;
		c = open_for_sending(stk, &p, &h, &iss);
		ZDP_REQUIRE(c);
		una = iss + 1;
		t_out_reset();
		zdp_tcp_send(c, t_mbuf_data(0, cases[k].bytes));
		zdp_tcp_poll(stk, 10);
		ZDP_CASE(cases[k].name);
		ZDP_CHECK_EQ(t_nout, 10);
		{
			uint32_t b[1][2] = { { una + 1000, una + 9000 } };

			n = t_opt_ts(o, ++p.tsval, p.tsecr);
			n += t_opt_sack(o + n, (const uint32_t (*)[2])b, 1);
		}
		t_out_reset();
		t_send(stk, &p, TH_ACK, 1001, una, cases[k].wnd, NULL, 0, o, n, 20);
		zdp_tcp_poll(stk, 20);
		ZDP_CHECK(c->flags & F_IN_RECOVERY);
		ZDP_CHECK(t_nout >= 2);	/* (no REQUIRE: clean up below either way) */
		ZDP_CHECK_EQ(t_outq[0].s.seq, una);	/* rule 1 / fast retransmit */
		for (int i = 1; i < t_nout; i++)
			if (t_outq[i].s.seq == una + 9000 && t_outq[i].dlen == 1000)
				rescues++;
		ZDP_CHECK_EQ(rescues, 1);
		ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_RESCUE_RETRANS), 1);
		ZDP_CHECK_EQ(c->sb.high_rxt, una + 1000);	/* (C.2): not moved */
		ZDP_CHECK_EQ(c->sb.rescue_rxt, c->recover);
		ZDP_CASE("one rescue per recovery: a partial ACK brings no second one");
		n = t_opt_ts(o, ++p.tsval, p.tsecr);
		t_out_reset();
		t_send(stk, &p, TH_ACK, 1001, una + 9000, cases[k].wnd, NULL, 0, o, n, 30);
		zdp_tcp_poll(stk, 30);
		for (int i = 0; i < t_nout; i++)
			ZDP_CHECK(t_outq[i].s.seq != una + 9000);
		ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_RESCUE_RETRANS), 1);
		ZDP_CASE("the rescued tail's ACK ends recovery, no RTO");
		n = t_opt_ts(o, ++p.tsval, p.tsecr);
		t_send(stk, &p, TH_ACK, 1001, una + 10000, cases[k].wnd, NULL, 0, o, n, 40);
		zdp_tcp_poll(stk, 40);
		ZDP_CHECK(!(c->flags & F_IN_RECOVERY));
		ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_RTO_FIRES), 0);
		zdp_tcp_abort(c);
		zdp_tcp_stack_destroy(stk);
		t_leak_check();
	}
}

/* RACK (RFC 8985 §6): losses RFC 6675 alone leaves to the RTO. Ten
 * segments of @seg bytes go out at t=10 from 1500-byte send-queue mbufs
 * (1000-byte segments do not line up with them); the peer's first ACK
 * (t=20) and, in some cases, a second one (t=30) report what arrived; by
 * @t_check the segment at @expect must have been sent again (after the
 * second ACK when there is one), with no RTO and no tail loss probe. */
static void
test_rack_loss_detection(void)
{
	static const struct {
		const char *name;
		uint16_t seg;
		uint32_t ack1, blk1[2][2];
		unsigned nb1;
		uint32_t ack2, blk2[2][2];
		unsigned nb2;		/* 0: no second ACK */
		uint64_t t_check;
		uint32_t expect;	/* offset of the segment resent by t_check */
	} cases[] = {
		{ "retransmission lost again: a later retransmission is SACKed (§6.2)", 1000,
		  0, { { 1000, 5000 }, { 6000, 10000 } }, 2,
		  0, { { 1000, 10000 } }, 1, 30, 0 },
		{ "tail: one segment SACKed above a hole, no three SACKs to come", 1500,
		  10500, { { 12000, 13500 } }, 1, 0, { { 0 } }, 0, 2500, 10500 },
	};

	for (unsigned k = 0; k < RTE_DIM(cases); k++) {
		struct zdp_tcp_stack *stk = stack_with(NULL);
		struct zdp_tcp_conn *c;
		struct t_peer p;
		uint32_t iss, una;
		struct hs h = HS_FULL;
		uint8_t o[40];
		unsigned n;
		bool resent = false;

		ZDP_REQUIRE(stk);
		t_peer_init(&p, false);
		h.mss = (uint16_t)(cases[k].seg + 12);	/* with timestamps */
		c = open_for_sending(stk, &p, &h, &iss);
		ZDP_REQUIRE(c);
		una = iss + 1;
		t_out_reset();
		/* more than the initial window: no early retransmit (RFC 5827) */
		zdp_tcp_send(c, t_mbuf_data(0, 14u * cases[k].seg));
		zdp_tcp_poll(stk, 10);
		ZDP_CASE(cases[k].name);
		ZDP_CHECK_EQ(t_nout, 10);
		{
			uint32_t b[2][2];

			for (unsigned i = 0; i < cases[k].nb1; i++) {
				b[i][0] = una + cases[k].blk1[i][0];
				b[i][1] = una + cases[k].blk1[i][1];
			}
			n = t_opt_ts(o, ++p.tsval, p.tsecr);
			n += t_opt_sack(o + n, (const uint32_t (*)[2])b, cases[k].nb1);
		}
		if (!cases[k].nb2)
			t_out_reset();
		t_send(stk, &p, TH_ACK, 1001, una + cases[k].ack1, 65535, NULL, 0, o, n, 20);
		zdp_tcp_poll(stk, 20);
		if (cases[k].nb2) {
			uint32_t b[2][2];

			for (unsigned i = 0; i < cases[k].nb2; i++) {
				b[i][0] = una + cases[k].blk2[i][0];
				b[i][1] = una + cases[k].blk2[i][1];
			}
			n = t_opt_ts(o, ++p.tsval, p.tsecr);
			n += t_opt_sack(o + n, (const uint32_t (*)[2])b, cases[k].nb2);
			t_out_reset();	/* only what follows the second ACK counts */
			t_send(stk, &p, TH_ACK, 1001, una + cases[k].ack2, 65535, NULL, 0, o, n, 30);
		}
		zdp_tcp_poll(stk, cases[k].t_check);
		for (int i = 0; i < t_nout; i++)
			if (t_outq[i].s.seq == una + cases[k].expect && t_outq[i].dlen > 0)
				resent = true;
		ZDP_CHECK(resent);
		ZDP_CHECK(ctr(stk, ZDP_TCP_CTR_RACK_LOST) >= 1);
		ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_RTO_FIRES), 0);
		ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_TLP), 0);
		zdp_tcp_abort(c);
		zdp_tcp_stack_destroy(stk);
		t_leak_check();
	}
}

static void
backlog0(struct zdp_tcp_stack_params *p)
{
	p->syn_backlog = 0;
}

static void
test_syn_cookies(void)
{
	struct zdp_tcp_stack *stk = stack_with(backlog0);
	struct zdp_tcp_listener *l = NULL;
	struct t_peer p;
	uint8_t o[40];
	unsigned n;
	struct t_out sa;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	zdp_tcp_listen(stk, &p.la, 80, NULL, &l);
	ZDP_CASE("backlog full: SYN,ACK with a cookie and no state (RFC 4987 §3.6)");
	n = t_opt_syn(o, 1460, 9, true, true, 800, 0);
	t_send(stk, &p, TH_SYN, 7000, 0, 65535, NULL, 0, o, n, 5 * S);
	ZDP_REQUIRE(t_nout == 1);
	sa = t_outq[0];
	ZDP_CHECK_EQ(sa.s.flags, TH_SYN | TH_ACK);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_SYNCOOKIE_SENT), 1);
	ZDP_CHECK(sa.s.has_ws && sa.s.sack_perm && sa.s.has_ts);
	ZDP_CASE("forged ACK: RST, no connection");
	p.ts = true;
	p.tsval = 801;
	p.tsecr = sa.s.tsval;
	t_out_reset();
	t_send(stk, &p, TH_ACK, 7001, sa.s.seq + 2, 100, NULL, 0, NULL, 0, 5 * S + 1);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	ZDP_CHECK_EQ(t_nout, 1);
	ZDP_CHECK_EQ(t_outq[0].s.flags, TH_RST);
	ZDP_CASE("valid ACK: connection built from the cookie, options restored");
	t_send(stk, &p, TH_ACK, 7001, sa.s.seq + 1, 100, "hi", 2, NULL, 0, 5 * S + 2);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_SYNCOOKIE_OK), 1);
	ZDP_CHECK_EQ(t_app.n_accept, 1);
	ZDP_REQUIRE(t_app.accepted);
	ZDP_CHECK_EQ(zdp_tcp_conn_state(t_app.accepted), ZDP_TCP_ESTABLISHED);
	ZDP_CHECK_EQ(t_app.accepted->snd_wscale, 9);
	ZDP_CHECK(t_app.accepted->flags & F_SACK);
	ZDP_CHECK_EQ(t_app.accepted->mss, 1460 - 12);
	ZDP_CHECK_EQ(t_app.rx_len, 2);
	zdp_tcp_abort(t_app.accepted);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_data_after_close_and_abort(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_PLAIN, 0, &iss);
	ZDP_REQUIRE(c);
	zdp_tcp_close(c);
	zdp_tcp_poll(stk, 10);
	ZDP_CASE("data after close(): RST (RFC 1122 §4.2.2.13)");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 65535, "xx", 2, NULL, 0, 20);
	zdp_tcp_poll(stk, 20);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK(t_outq[0].s.flags & TH_RST);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	ZDP_CASE("abort: RST <SEQ=SND.NXT>");
	c = open_passive(stk, &l, &p, 5000, &HS_PLAIN, 30, &iss);
	ZDP_REQUIRE(c);
	t_out_reset();
	zdp_tcp_abort(c);
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK(t_outq[0].s.flags & TH_RST);
	ZDP_CHECK_EQ(t_outq[0].s.seq, iss + 1);
	zdp_tcp_poll(stk, 40);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_keepalive(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_PLAIN, 0, &iss);
	ZDP_REQUIRE(c);
	zdp_tcp_set_keepalive(c, 10 * S, 1 * S, 2);
	t_out_reset();
	zdp_tcp_poll(stk, 10 * S + 2 * MS);
	ZDP_CASE("probe <SEQ=SND.UNA-1> after idle (RFC 1122 §4.2.3.6)");
	ZDP_REQUIRE(t_nout == 1);
	ZDP_CHECK_EQ(t_outq[0].s.seq, iss);
	ZDP_CHECK_EQ(t_outq[0].dlen, 0);
	ZDP_CASE("an answer resets the count");
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 65535, NULL, 0, NULL, 0, 10 * S + 5 * MS);
	zdp_tcp_poll(stk, 11 * S + 10 * MS);
	ZDP_CHECK_EQ(t_app.n_error, 0);
	ZDP_CASE("no answer: ETIMEDOUT after the probes");
	zdp_tcp_poll(stk, 21 * S);
	zdp_tcp_poll(stk, 22 * S);
	zdp_tcp_poll(stk, 23 * S);
	zdp_tcp_poll(stk, 24 * S);
	ZDP_CHECK_EQ(t_app.n_error, 1);
	ZDP_CHECK_EQ(t_app.last_err, -ETIMEDOUT);
	zdp_tcp_close(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
test_delayed_ack(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;
	uint8_t d[2000];

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	c = open_passive(stk, &l, &p, 1000, &HS_PLAIN, 0, &iss);
	ZDP_REQUIRE(c);
	t_fill(d, 0, sizeof(d));
	ZDP_CASE("one segment: ACK delayed by delack_us (RFC 1122 §4.2.3.2)");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1001, iss + 1, 65535, d, 500, NULL, 0, 10);
	zdp_tcp_poll(stk, 10);
	ZDP_CHECK_EQ(t_nout, 0);
	zdp_tcp_poll(stk, 10 + 41 * MS);
	ZDP_CHECK_EQ(t_nout, 1);
	ZDP_CHECK_EQ(ctr(stk, ZDP_TCP_CTR_DELACK), 1);
	ZDP_CASE("two segments: ACK at once (RFC 5681 §4.2)");
	t_out_reset();
	t_send(stk, &p, TH_ACK, 1501, iss + 1, 65535, d, 500, NULL, 0, 100 * MS);
	t_send(stk, &p, TH_ACK, 2001, iss + 1, 65535, d, 500, NULL, 0, 100 * MS);
	zdp_tcp_poll(stk, 100 * MS);
	ZDP_CHECK_EQ(t_nout, 1);
	ZDP_CHECK_EQ(t_outq[0].s.ack, 2501);
	zdp_tcp_abort(c);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

/* Robustness: a storm of mutated segments (random flags, sequence and
 * acknowledgment numbers around the live window, random option bytes,
 * lengths, truncated and garbage IP packets) against live connections in
 * every state the storm drives them into. Nothing may crash (run under
 * ASan/UBSan in CI), and every mbuf comes back. */
static void
test_input_storm(void)
{
	struct zdp_tcp_stack *stk = stack_with(NULL);
	struct zdp_tcp_listener *l = NULL;
	struct t_peer p;
	uint64_t x = 0x9e3779b97f4a7c15ULL, now = 1000;
	uint32_t iss = 0;
	uint8_t data[1500], opts[40];

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	zdp_tcp_listen(stk, &p.la, 80, NULL, &l);
	t_fill(data, 0, sizeof(data));
	for (int round = 0; round < 40; round++) {
		struct zdp_tcp_conn *c;

		p.rport = (uint16_t)(40000 + round);
		c = open_passive(stk, &l, &p, 1000u * (unsigned)round, (round & 1) ? &HS_FULL : &HS_PLAIN,
				 now, &iss);
		for (int i = 0; i < 2000; i++) {
			uint8_t flags;
			uint32_t seq, ack, len, ol;

			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			flags = (uint8_t)x;
			seq = 1000u * (unsigned)round + 1 + (uint32_t)((x >> 8) % 200000) - 100000;
			ack = iss + 1 + (uint32_t)((x >> 24) % 200000) - 100000;
			len = (uint32_t)((x >> 40) % 1400);
			ol = (uint32_t)((x >> 52) % 41);
			for (uint32_t k = 0; k < ol; k++) {
				x ^= x << 13; x ^= x >> 7; x ^= x << 17;
				opts[k] = (uint8_t)(x % 12);	/* mostly real option kinds */
			}
			p.tsval += (uint32_t)(x & 3) - 1;
			t_send(stk, &p, flags, seq, ack, (uint16_t)(x >> 33), data, len,
			       (x & 0x100) ? opts : NULL, (x & 0x100) ? ol : 0, now);
			if ((i & 63) == 0) {
				now += (x >> 20) % 300000;
				zdp_tcp_poll(stk, now);
			}
			if (c && app_alive_for_test(c) && (i % 500) == 7)
				zdp_tcp_send(c, t_mbuf_data(0, 3000));
		}
		/* garbage IP packets */
		for (int i = 0; i < 200; i++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);
			uint32_t n;
			uint8_t *d;

			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			n = (uint32_t)(x % 200);
			d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
			for (uint32_t k = 0; k < n; k++)
				d[k] = (uint8_t)(x >> (k % 56));
			if (n)
				d[0] = (uint8_t)((i & 1) ? 0x45 : 0x60);
			zdp_tcp_input_ip(stk, m, now);
		}
		if (c && t_app.accepted == c)
			zdp_tcp_abort(c);
		now += 200 * S;
		zdp_tcp_poll(stk, now);
		t_app.accepted = NULL;
	}
	ZDP_CASE("storm survived");
	ZDP_CHECK(zdp_tcp_stack_counters(stk)[ZDP_TCP_CTR_SEGS_IN] > 80000);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
offload(struct zdp_tcp_stack_params *p)
{
	p->tx_csum_offload = true;
}

static void
test_checksum_offload_and_unlisten(void)
{
	struct zdp_tcp_stack *stk = stack_with(offload);
	struct zdp_tcp_listener *l = NULL;
	struct zdp_tcp_conn *c;
	struct t_peer p;
	uint32_t iss;
	uint8_t o[40];
	unsigned n;

	ZDP_REQUIRE(stk);
	for (int v6 = 0; v6 <= 1; v6++) {
		t_peer_init(&p, v6);
		l = NULL;
		c = open_passive(stk, &l, &p, 1000, &HS_FULL, 0, &iss);
		ZDP_REQUIRE(c);
		t_out_reset();
		zdp_tcp_send(c, t_mbuf_data(0, 3000));
		zdp_tcp_poll(stk, 10);
		ZDP_CASE(v6 ? "v6 offload: flags, lengths, pseudo-header sum completes" :
			 "v4 offload: flags, lengths, pseudo-header sum completes");
		ZDP_REQUIRE(t_nout == 3);
		for (int i = 0; i < 3; i++) {
			ZDP_CHECK(t_outq[i].offloaded);
			ZDP_CHECK(t_outq[i].csum_ok);
			ZDP_CHECK_EQ(t_outq[i].l3_len, v6 ? 40 : 20);
			ZDP_CHECK_EQ(t_outq[i].l4_len, t_outq[i].s.hlen);
		}
		zdp_tcp_abort(c);
		zdp_tcp_poll(stk, 15);	/* released at the end of poll */
		ZDP_CASE("unlisten resets half-open connections and refuses new SYNs");
		n = t_opt_syn(o, 1460, 0, true, true, 1, 0);
		p.rport = 41000;
		t_send(stk, &p, TH_SYN, 5000, 0, 65535, NULL, 0, o, n, 20);
		ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 1);
		t_out_reset();
		zdp_tcp_unlisten(stk, l);
		ZDP_REQUIRE(t_nout == 1);
		ZDP_CHECK(t_outq[0].s.flags & TH_RST);
		zdp_tcp_poll(stk, 30);
		ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
		t_out_reset();
		p.rport = 41001;
		ZDP_CHECK_EQ(t_send(stk, &p, TH_SYN, 6000, 0, 65535, NULL, 0, o, n, 40), -ENOENT);
		ZDP_CHECK(t_nout == 1 && (t_outq[0].s.flags & TH_RST));
	}
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static void
tso_on(struct zdp_tcp_stack_params *p)
{
	p->tx_csum_offload = true;
	p->tso_max = ZDP_TCP_TSO_MAX;
}

static void
tso_on_4segs(struct zdp_tcp_stack_params *p)
{
	tso_on(p);
	p->tso_max_segs = 4;
}

/* params.tso_max: new data leaves in packets of whole MSS the device cuts
 * (tcp_test_util.h t_tx_tso plays it); retransmissions stay one MSS. And a
 * received segment the device coalesced (LRO) is ACKed at once, as two
 * full segments would be (RFC 5681 §4.2). */
static void
test_tso_and_coalesced(void)
{
	static const char *const run_name[] = { "v4", "v6", "v4, 4 mbufs a packet" };
	static char cn[96];

	for (int run = 0; run < 3; run++) {
		bool v6 = run == 1;
		struct zdp_tcp_stack *stk = stack_with(run == 2 ? tso_on_4segs : tso_on);
		struct zdp_tcp_listener *l = NULL;
		struct zdp_tcp_conn *c;
		struct t_peer p;
		uint32_t iss, next, total = 0, mss;
		uint64_t now = 10;
		bool pat_ok = true, seq_ok = true, small_ok = true, csum_ok = true;
		int n_psh = 0, n_data = 0;
		static uint8_t buf[4000];
		int tso0, rounds = 0;

		ZDP_REQUIRE(stk);
		t_peer_init(&p, v6);
		c = open_passive(stk, &l, &p, 1000, &HS_FULL, 0, &iss);
		ZDP_REQUIRE(c);
		mss = c->mss;
		t_tso_pkts = t_tso_bad = t_tso_segs = 0;
		t_tso_nsegs_max = 0;
		zdp_tcp_send(c, t_mbuf_data(0, 40000));
		next = iss + 1;
		while (total < 40000 && rounds++ < 20) {
			t_out_reset();
			zdp_tcp_poll(stk, now);
			for (int i = 0; i < t_nout; i++) {
				const struct t_out *o = &t_outq[i];

				seq_ok = seq_ok && o->s.seq == next;
				small_ok = small_ok && o->s.len <= mss;
				csum_ok = csum_ok && o->csum_ok;
				n_psh += !!(o->s.flags & TH_PSH);
				n_data += o->s.len > 0;
				for (uint32_t k = 0; k < o->dlen; k++)
					pat_ok = pat_ok && o->data[k] == t_pat(next - iss - 1 + k);
				next += o->s.len;
				total += o->s.len;
			}
			now += 1000;
			/* ACK all of it: the window slides, cwnd grows */
			t_send(stk, &p, TH_ACK, 1001, next, 65535, NULL, 0, NULL, 0, now);
		}
		snprintf(cn, sizeof(cn), "%s TSO: whole segments, in order, intact", run_name[run]);
		ZDP_CASE(cn);
		ZDP_CHECK_EQ(total, 40000);
		ZDP_CHECK_EQ(t_tso_bad, 0);
		ZDP_CHECK(t_tso_pkts >= 2);
		ZDP_CHECK_EQ((int)ctr(stk, ZDP_TCP_CTR_TSO_OUT), t_tso_pkts);
		ZDP_CHECK(seq_ok);
		ZDP_CHECK(small_ok);
		ZDP_CHECK(csum_ok);
		ZDP_CHECK(pat_ok);
		/* PSH rides only on the segment that ends the queued data
		 * (the device leaves a TSO packet's PSH on its last segment):
		 * the 40000 bytes were queued at once */
		ZDP_CHECK_EQ(n_psh, 1);
		if (run == 2)	/* the device's limit, header included */
			ZDP_CHECK(t_tso_nsegs_max <= 4);
		else		/* that limit meant something */
			ZDP_CHECK(t_tso_nsegs_max > 4);

		snprintf(cn, sizeof(cn), "%s a coalesced segment is ACKed at once, a small one is not", run_name[run]);
		ZDP_CASE(cn);
		t_fill(buf, 0, sizeof(buf));
		t_app.auto_consume = false;	/* no window-update ACK either */
		t_out_reset();
		t_send(stk, &p, TH_ACK | TH_PSH, 1001, next, 65535, buf, sizeof(buf), NULL, 0, now);
		zdp_tcp_poll(stk, now);
		ZDP_CHECK(t_nout >= 1 && t_last()->s.ack == 1001 + sizeof(buf));
		t_out_reset();
		t_send(stk, &p, TH_ACK | TH_PSH, 1001 + sizeof(buf), next, 65535, buf, 100, NULL,
		       0, now);
		zdp_tcp_poll(stk, now);
		ZDP_CHECK(t_nout == 0 || t_last()->s.ack != 1001 + sizeof(buf) + 100);
		t_app.auto_consume = true;
		snprintf(cn, sizeof(cn), "%s TSO: a retransmission is one MSS", run_name[run]);
		ZDP_CASE(cn);
		zdp_tcp_send(c, t_mbuf_data(40000, 20 * mss));
		t_out_reset();
		zdp_tcp_poll(stk, now);
		ZDP_CHECK(t_nout >= 2);
		tso0 = t_tso_pkts;
		/* nothing is ACKed: the tail loss probe, then the RTO, resend */
		{
			bool head = false;

			small_ok = true;
			for (int i = 0; i < 50 && !head; i++) {
				t_out_reset();
				now += 100 * 1000;
				zdp_tcp_poll(stk, now);
				for (int k = 0; k < t_nout; k++) {
					head = head || (t_outq[k].s.seq == next &&
							t_outq[k].s.len == mss);
					small_ok = small_ok && t_outq[k].s.len <= mss;
				}
			}
			ZDP_CHECK(head);
		}
		ZDP_CHECK(small_ok);
		ZDP_CHECK_EQ(t_tso_pkts, tso0);

		zdp_tcp_abort(c);
		zdp_tcp_poll(stk, now + 1);
		zdp_tcp_stack_destroy(stk);
	}
	t_leak_check();
}

static bool
odd_ports_only(void *ctx, const struct zdp_addr *la, uint16_t lport,
	       const struct zdp_addr *ra, uint16_t rport)
{
	(*(int *)ctx)++;
	return lport & 1;
}

static int port_ok_calls;

static void
rss_hook(struct zdp_tcp_stack_params *p)
{
	p->port_ok = odd_ports_only;
	p->port_ok_ctx = &port_ok_calls;
	p->eph_port_lo = 40000;
	p->eph_port_hi = 40009;
}

static void
test_port_choice_and_pmtu(void)
{
	struct zdp_tcp_stack *stk = stack_with(rss_hook);
	struct zdp_tcp_conn *c[6] = { 0 };
	struct t_peer p;

	ZDP_REQUIRE(stk);
	t_peer_init(&p, false);
	ZDP_CASE("connect picks only ports the RSS hook accepts");
	for (int i = 0; i < 5; i++) {
		ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 443, &t_app, 1, &c[i]), 0);
		ZDP_CHECK(c[i] && (c[i]->lport & 1));
	}
	ZDP_CHECK(port_ok_calls >= 5);
	ZDP_CASE("range exhausted: -EADDRNOTAVAIL");
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, 0, &p.ra, 443, &t_app, 1, &c[5]), -EADDRNOTAVAIL);
	ZDP_CASE("explicit port in use: -EADDRINUSE");
	ZDP_CHECK_EQ(zdp_tcp_connect(stk, &p.la, c[0]->lport, &p.ra, 443, &t_app, 1, &c[5]),
		     -EADDRINUSE);
	ZDP_CASE("set_pmtu clamps the MSS");
	c[0]->mss = 1448;
	c[0]->flags |= F_TS;
	zdp_tcp_set_pmtu(c[0], 1280);
	ZDP_CHECK_EQ(c[0]->mss, 1280 - 40 - 12);
	zdp_tcp_set_pmtu(c[0], 1500);	/* never grows back on its own */
	ZDP_CHECK_EQ(c[0]->mss, 1280 - 40 - 12);
	for (int i = 0; i < 5; i++)
		zdp_tcp_close(c[i]);
	zdp_tcp_poll(stk, 2);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), 0);
	zdp_tcp_stack_destroy(stk);
	t_leak_check();
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_passive_open_golden),
	ZDP_TEST_ENTRY(test_active_open_golden),
	ZDP_TEST_ENTRY(test_syn_retries_backoff),
	ZDP_TEST_ENTRY(test_synsent_rst_and_bad_ack),
	ZDP_TEST_ENTRY(test_closed_port_rst),
	ZDP_TEST_ENTRY(test_simultaneous_open),
	ZDP_TEST_ENTRY(test_simultaneous_close),
	ZDP_TEST_ENTRY(test_half_close_peer_first),
	ZDP_TEST_ENTRY(test_half_close_local_first),
	ZDP_TEST_ENTRY(test_time_wait_reuse),
	ZDP_TEST_ENTRY(test_rfc5961_rst),
	ZDP_TEST_ENTRY(test_rfc5961_syn_and_ack),
	ZDP_TEST_ENTRY(test_paws),
	ZDP_TEST_ENTRY(test_ooo_and_duplicates),
	ZDP_TEST_ENTRY(test_dsack_receiver),
	ZDP_TEST_ENTRY(test_window_trim_and_backpressure),
	ZDP_TEST_ENTRY(test_zero_window_persist),
	ZDP_TEST_ENTRY(test_rto_karn_backoff),
	ZDP_TEST_ENTRY(test_icmp_pmtu),
	ZDP_TEST_ENTRY(test_time_wait_ack_outlives_a_late_poll),
	ZDP_TEST_ENTRY(test_neighbour_confirmation),
	ZDP_TEST_ENTRY(test_fast_retransmit_newreno),
	ZDP_TEST_ENTRY(test_limited_transmit_early_retransmit),
	ZDP_TEST_ENTRY(test_sack_recovery),
	ZDP_TEST_ENTRY(test_sack_rescue_retransmission),
	ZDP_TEST_ENTRY(test_rack_loss_detection),
	ZDP_TEST_ENTRY(test_sack_blocks_fit_the_mss),
	ZDP_TEST_ENTRY(test_tail_loss_probe),
	ZDP_TEST_ENTRY(test_syn_cookies),
	ZDP_TEST_ENTRY(test_data_after_close_and_abort),
	ZDP_TEST_ENTRY(test_keepalive),
	ZDP_TEST_ENTRY(test_delayed_ack),
	ZDP_TEST_ENTRY(test_checksum_offload_and_unlisten),
	ZDP_TEST_ENTRY(test_tso_and_coalesced),
	ZDP_TEST_ENTRY(test_port_choice_and_pmtu),
	ZDP_TEST_ENTRY(test_input_storm),
	{ 0 },
};

int
main(void)
{
	int rc;

	if (t_eal_init("tcp_fsm") != 0) {
		printf("1..0 # SKIP EAL init failed\n");
		return 0;
	}
	rc = zdp_test_main(tests);
	zdp_eal_cleanup();
	return rc;
}
