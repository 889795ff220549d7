/* SPDX-License-Identifier: BSD-3-Clause
 * test_tcp_unit.c — arithmetic of the TCP stack's building blocks against
 * hand-computed values: SipHash vectors, ISNs (RFC 6528), SYN cookies
 * (RFC 4987), RTO (RFC 6298), the timer wheel, the SACK scoreboard
 * (RFC 6675), NewReno (RFC 5681) and CUBIC (RFC 9438) windows, option
 * parsing and the reassembly queue.
 */
#include <math.h>

#include "tcp_test_util.h"

static struct zdp_tcp_stack *
mk_stack(void)
{
	struct zdp_tcp_stack_params p;

	t_params(&p);
	return t_stack(&p);
}

static void
test_siphash_vectors(void)
{
	uint8_t key[16], msg[64];

	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	/* reference vectors from the SipHash paper / vectors.h */
	ZDP_CASE("empty");
	ZDP_CHECK(zdp_tcp_siphash(key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	ZDP_CASE("15 bytes (paper appendix A)");
	ZDP_CHECK(zdp_tcp_siphash(key, msg, 15) == 0xa129ca6149be45e5ULL);
	ZDP_CASE("8 bytes");
	ZDP_CHECK(zdp_tcp_siphash(key, msg, 8) == 0x93f5f5799a932462ULL);
}

static void
test_isn_rfc6528(void)
{
	uint8_t sec[32];
	struct zdp_addr a, b;
	uint32_t i1, i2, i3;

	memset(sec, 7, sizeof(sec));
	zdp_addr_parse("198.18.0.1", &a);
	zdp_addr_parse("198.18.0.2", &b);
	i1 = zdp_tcp_isn(sec, &a, 80, &b, 1234, 1000000);
	i2 = zdp_tcp_isn(sec, &a, 80, &b, 1234, 1000400);
	i3 = zdp_tcp_isn(sec, &a, 80, &b, 1235, 1000000);
	ZDP_CASE("M advances every 4 us");
	ZDP_CHECK_EQ(i2 - i1, 100);
	ZDP_CASE("F depends on the 4-tuple");
	ZDP_CHECK(i1 != i3);
	sec[0] ^= 1;
	ZDP_CASE("F depends on the secret");
	ZDP_CHECK(zdp_tcp_isn(sec, &a, 80, &b, 1234, 1000000) != i1);
}

static void
test_syncookie(void)
{
	uint8_t sec[32];
	struct zdp_addr a, b;
	uint64_t t0 = 1000ull * 1000 * 1000;	/* 1000 s */
	uint32_t ck;
	bool sack;
	int ws;

	memset(sec, 3, sizeof(sec));
	zdp_addr_parse("198.18.0.1", &a);
	zdp_addr_parse("2001:2::1", &b);
	zdp_addr_parse("198.18.0.2", &b);
	ck = zdp_tcp_syncookie_make(sec, &a, 80, &b, 5555, 0x12345678, 1460, t0);
	ZDP_CASE("valid now, MSS 1460 exact");
	ZDP_CHECK_EQ(zdp_tcp_syncookie_check(sec, &a, 80, &b, 5555, 0x12345678, ck, t0), 1460);
	ZDP_CASE("valid in the next period");
	ZDP_CHECK_EQ(zdp_tcp_syncookie_check(sec, &a, 80, &b, 5555, 0x12345678, ck,
					     t0 + 64ull * 1000 * 1000), 1460);
	ZDP_CASE("expired after two periods");
	ZDP_CHECK_EQ(zdp_tcp_syncookie_check(sec, &a, 80, &b, 5555, 0x12345678, ck,
					     t0 + 130ull * 1000 * 1000), 0);
	ZDP_CASE("other client ISN");
	ZDP_CHECK_EQ(zdp_tcp_syncookie_check(sec, &a, 80, &b, 5555, 0x12345679, ck, t0), 0);
	ZDP_CASE("other port");
	ZDP_CHECK_EQ(zdp_tcp_syncookie_check(sec, &a, 80, &b, 5556, 0x12345678, ck, t0), 0);
	ZDP_CASE("flipped hash bit");
	ZDP_CHECK_EQ(zdp_tcp_syncookie_check(sec, &a, 80, &b, 5555, 0x12345678, ck ^ 1, t0), 0);
	ZDP_CASE("MSS rounds down to the table");
	ck = zdp_tcp_syncookie_make(sec, &a, 80, &b, 5555, 1, 1450, t0);
	ZDP_CHECK_EQ(zdp_tcp_syncookie_check(sec, &a, 80, &b, 5555, 1, ck, t0), 1440);
	ck = zdp_tcp_syncookie_make(sec, &a, 80, &b, 5555, 1, 100, t0);
	ZDP_CHECK_EQ(zdp_tcp_syncookie_check(sec, &a, 80, &b, 5555, 1, ck, t0), 216);
	ZDP_CASE("TS-carried options");
	zdp_tcp_syncookie_tsopts(zdp_tcp_syncookie_tsval(1000, true, 7), &sack, &ws);
	ZDP_CHECK(sack);
	ZDP_CHECK_EQ(ws, 7);
	ZDP_CHECK_EQ(zdp_tcp_syncookie_tsval(1000, true, 7) & ~0x3fu, 1000 & ~0x3fu);
	zdp_tcp_syncookie_tsopts(zdp_tcp_syncookie_tsval(1000, false, -1), &sack, &ws);
	ZDP_CHECK(!sack);
	ZDP_CHECK_EQ(ws, -1);
	zdp_tcp_syncookie_tsopts(0x1000, &sack, &ws);	/* not ours */
	ZDP_CHECK(!sack);
	ZDP_CHECK_EQ(ws, -1);
}

static void
test_rto_rfc6298(void)
{
	struct zdp_tcp_stack *stk = mk_stack();
	struct zdp_tcp_conn *c;

	ZDP_REQUIRE(stk);
	c = zdp_tcp_conn_alloc(stk);
	zdp_tcp_conn_init_tcb(c);
	ZDP_CASE("initial RTO 1 s (2.1)");
	ZDP_CHECK_EQ(zdp_tcp_rto_current(c), 1000000);
	ZDP_CASE("first sample (2.2): SRTT=R, RTTVAR=R/2, RTO=SRTT+4*RTTVAR");
	zdp_tcp_rtt_sample(c, 100000);
	ZDP_CHECK_EQ(c->srtt_us, 100000);
	ZDP_CHECK_EQ(c->rttvar_us, 50000);
	ZDP_CHECK_EQ(c->rto_us, 300000);
	ZDP_CASE("second sample (2.3): RTTVAR=3/4*50+1/4*100, SRTT=7/8*100+1/8*200");
	zdp_tcp_rtt_sample(c, 200000);
	ZDP_CHECK_EQ(c->rttvar_us, 62500);
	ZDP_CHECK_EQ(c->srtt_us, 112500);
	ZDP_CHECK_EQ(c->rto_us, 112500 + 250000);
	ZDP_CASE("backoff doubles (5.5) and caps at rto_max (2.5)");
	c->backoff = 1;
	ZDP_CHECK_EQ(zdp_tcp_rto_current(c), 725000);
	c->backoff = 3;
	ZDP_CHECK_EQ(zdp_tcp_rto_current(c), 2900000);
	c->backoff = 12;
	ZDP_CHECK_EQ(zdp_tcp_rto_current(c), 60000000);
	ZDP_CASE("a fresh sample ends the backoff");
	zdp_tcp_rtt_sample(c, 112500);
	ZDP_CHECK_EQ(c->backoff, 0);
	ZDP_CASE("lower bound rto_min (2.4)");
	for (int i = 0; i < 50; i++)
		zdp_tcp_rtt_sample(c, 1000);
	ZDP_CHECK_EQ(c->rto_us, 200000);
	ZDP_CASE("G term: RTO >= SRTT + clock granularity");
	stk->p.rto_min_us = 1;
	zdp_tcp_rtt_sample(c, 1000);
	ZDP_CHECK(c->rto_us >= c->srtt_us + ZDP_TCP_TICK_US);
	zdp_tcp_stack_destroy(stk);
}

/* timer wheel: record firing order through a stack with fake conns */
static int fired_at[8];
static struct zdp_tcp_stack *wheel_stk;

static void
test_timer_wheel(void)
{
	struct zdp_tcp_stack *stk = mk_stack();
	struct zdp_tcp_conn *c[4];
	static const uint64_t delay_us[4] = { 1000, 5500, 4096000 + 3000, 10000000 };
	uint64_t t;

	ZDP_REQUIRE(stk);
	wheel_stk = stk;
	memset(fired_at, 0, sizeof(fired_at));
	for (int i = 0; i < 4; i++) {
		c[i] = zdp_tcp_conn_alloc(stk);
		zdp_tcp_conn_init_tcb(c[i]);
		/* TIME-WAIT conns: the KEEP timer terminates them */
		c[i]->state = ZDP_TCP_TIME_WAIT;
		zdp_tcp_timer_arm(stk, c[i], ZDP_TCP_T_KEEP, delay_us[i]);
	}
	ZDP_CASE("armed");
	for (int i = 0; i < 4; i++)
		ZDP_CHECK(zdp_tcp_timer_armed(c[i], ZDP_TCP_T_KEEP));
	/* advance in 500 us steps and note when each one goes CLOSED */
	for (t = 0; t <= 11000000; t += 500) {
		zdp_tcp_set_now(stk, t);
		zdp_tcp_timers_run(stk);
		for (int i = 0; i < 4; i++)
			if (!fired_at[i] && c[i]->state == ZDP_TCP_CLOSED)
				fired_at[i] = (int)(t / 1000);
	}
	ZDP_CASE("fire at the right tick, not a revolution early");
	ZDP_CHECK_EQ(fired_at[0], 1);
	ZDP_CHECK_EQ(fired_at[1], 6);		/* 5.5 ms rounds up to tick 6 */
	ZDP_CHECK_EQ(fired_at[2], 4099);	/* beyond one 4096-slot revolution */
	ZDP_CHECK_EQ(fired_at[3], 10000);
	ZDP_CASE("cancel");
	{
		struct zdp_tcp_conn *d = zdp_tcp_conn_alloc(stk);

		zdp_tcp_conn_init_tcb(d);
		d->state = ZDP_TCP_TIME_WAIT;
		zdp_tcp_timer_arm(stk, d, ZDP_TCP_T_KEEP, 2000);
		zdp_tcp_timer_cancel(d, ZDP_TCP_T_KEEP);
		zdp_tcp_set_now(stk, t + 10000);
		zdp_tcp_timers_run(stk);
		ZDP_CHECK_EQ(d->state, ZDP_TCP_TIME_WAIT);
		ZDP_CHECK(!zdp_tcp_timer_armed(d, ZDP_TCP_T_KEEP));
	}
	ZDP_CASE("a long stall fires everything once");
	{
		struct zdp_tcp_conn *d = zdp_tcp_conn_alloc(stk);

		zdp_tcp_conn_init_tcb(d);
		d->state = ZDP_TCP_TIME_WAIT;
		zdp_tcp_timer_arm(stk, d, ZDP_TCP_T_KEEP, 3000);
		zdp_tcp_set_now(stk, t + 100000000);
		zdp_tcp_timers_run(stk);
		ZDP_CHECK_EQ(d->state, ZDP_TCP_CLOSED);
	}
	zdp_tcp_stack_destroy(stk);
}

/* Timers beyond one revolution wait in level 1, untouched, and still fire
 * at their tick: a table of delays, each armed at a given time (ms) and
 * optionally followed by a stall (a poll that jumps far ahead). */
static void
test_timer_wheel_levels(void)
{
	static const struct {
		const char *name;
		uint64_t arm_ms;	/* when it is armed */
		uint64_t delay_ms;
		uint64_t stall_to_ms;	/* 0: polled every ms near the expiry */
	} cases[] = {
		{ "just under one revolution: level 0", 5, 4095, 0 },
		{ "exactly one revolution: level 1, moved down", 5, 4096, 0 },
		{ "10 s: level 1", 1234, 10000, 0 },
		{ "a revolution boundary exactly", 100, 8192 - 100, 0 },
		{ "2 h keepalive", 777, 7200000, 0 },
		{ "5 h: beyond level 1's 4.66 h, one extra round", 3, 18000000, 0 },
		{ "stall past it: fires in the stall's poll", 10, 20000, 100000 },
		{ "stall short of it: still waits, fires on time", 10, 30000, 25000 },
	};

	for (unsigned k = 0; k < RTE_DIM(cases); k++) {
		struct zdp_tcp_stack *stk = mk_stack();
		struct zdp_tcp_conn *c;
		uint64_t expire = cases[k].arm_ms + cases[k].delay_ms, t, fired = 0;

		ZDP_REQUIRE(stk);
		zdp_tcp_set_now(stk, cases[k].arm_ms * 1000);
		zdp_tcp_timers_run(stk);
		c = zdp_tcp_conn_alloc(stk);
		zdp_tcp_conn_init_tcb(c);
		c->state = ZDP_TCP_TIME_WAIT;	/* KEEP terminates it */
		zdp_tcp_timer_arm(stk, c, ZDP_TCP_T_KEEP, cases[k].delay_ms * 1000);
		ZDP_CASE(cases[k].name);
		if (cases[k].delay_ms >= ZDP_TCP_WHEEL_SLOTS)
			ZDP_CHECK(c->timer[ZDP_TCP_T_KEEP].pprev ==
				  &stk->wheel.slot1[(expire >> ZDP_TCP_WHEEL_BITS) &
						    (ZDP_TCP_WHEEL_SLOTS - 1)]);
		t = cases[k].arm_ms;
		if (cases[k].stall_to_ms) {
			t = cases[k].stall_to_ms;
			zdp_tcp_set_now(stk, t * 1000);
			zdp_tcp_timers_run(stk);
			if (c->state == ZDP_TCP_CLOSED)
				fired = t;
		}
		/* big steps far from the expiry, 1 ms steps near it */
		while (!fired && t < expire + 10) {
			t += (t + 5000 < expire) ? 1000 : 1;
			zdp_tcp_set_now(stk, t * 1000);
			zdp_tcp_timers_run(stk);
			if (c->state == ZDP_TCP_CLOSED)
				fired = t;
		}
		if (cases[k].stall_to_ms > expire)
			ZDP_CHECK_EQ(fired, cases[k].stall_to_ms);
		else
			ZDP_CHECK_EQ(fired, expire);
		zdp_tcp_stack_destroy(stk);
	}
}

static void
test_sack_scoreboard(void)
{
	struct zdp_tcp_sb sb;
	static const uint32_t b1[2][2] = { { 3000, 4000 }, { 5000, 6000 } };
	static const uint32_t b2[1][2] = { { 4000, 5000 } };
	static const uint32_t bad[3][2] = { { 100, 50 }, { 9000, 20000 }, { 0, 900 } };
	uint32_t seq, len;
	const uint16_t mss = 1000;
	const uint32_t una = 1000, max = 10000;

	zdp_tcp_sb_reset(&sb);
	ZDP_CASE("two blocks");
	zdp_tcp_sb_update(&sb, una, max, b1, 2);
	ZDP_CHECK_EQ(sb.n, 2);
	ZDP_CHECK_EQ(sb.sacked, 2000);
	ZDP_CASE("IsLost: 2 blocks, 2000 bytes above 1000 — not > 2*SMSS");
	ZDP_CHECK(!zdp_tcp_sb_is_lost(&sb, 1000, mss));
	ZDP_CASE("merge the gap: one block 3000-6000");
	zdp_tcp_sb_update(&sb, una, max, b2, 1);
	ZDP_CHECK_EQ(sb.n, 1);
	ZDP_CHECK_EQ(sb.blk[0][0], 3000);
	ZDP_CHECK_EQ(sb.blk[0][1], 6000);
	ZDP_CHECK_EQ(sb.sacked, 3000);
	ZDP_CASE("IsLost: 3000 SACKed bytes above > 2*SMSS");
	ZDP_CHECK(zdp_tcp_sb_is_lost(&sb, 1000, mss));
	ZDP_CHECK(zdp_tcp_sb_is_lost(&sb, 2999, mss));
	ZDP_CHECK(!zdp_tcp_sb_is_lost(&sb, 3000, mss));	/* SACKed */
	ZDP_CHECK(!zdp_tcp_sb_is_lost(&sb, 7000, mss));	/* nothing above */
	ZDP_CASE("invalid blocks ignored (inverted, beyond SND.MAX, below SND.UNA)");
	zdp_tcp_sb_update(&sb, una, max, bad, 3);
	ZDP_CHECK_EQ(sb.n, 1);
	ZDP_CASE("pipe: unsacked 6000 (1000-3000 lost, 6000-10000 in flight), HighRxt=una");
	sb.high_rxt = una;
	/* total unsacked = 9000-3000 = 6000; lost = 2000; rxt = 0 */
	ZDP_CHECK_EQ(zdp_tcp_sb_pipe(&sb, una, max, mss), 4000);
	ZDP_CASE("NextSeg rule 1: first lost hole, one SMSS");
	ZDP_CHECK(zdp_tcp_sb_next_hole(&sb, una, mss, &seq, &len));
	ZDP_CHECK_EQ(seq, 1000);
	ZDP_CHECK_EQ(len, 1000);
	sb.high_rxt = 2000;
	ZDP_CASE("pipe counts the retransmission");
	ZDP_CHECK_EQ(zdp_tcp_sb_pipe(&sb, una, max, mss), 5000);
	ZDP_CHECK(zdp_tcp_sb_next_hole(&sb, una, mss, &seq, &len));
	ZDP_CHECK_EQ(seq, 2000);
	ZDP_CHECK_EQ(len, 1000);
	sb.high_rxt = 3000;
	ZDP_CASE("no more lost holes");
	ZDP_CHECK(!zdp_tcp_sb_next_hole(&sb, una, mss, &seq, &len));
	ZDP_CASE("cumulative ACK trims the board");
	zdp_tcp_sb_ack(&sb, 4000);
	ZDP_CHECK_EQ(sb.n, 1);
	ZDP_CHECK_EQ(sb.blk[0][0], 4000);
	ZDP_CHECK_EQ(sb.sacked, 2000);
	zdp_tcp_sb_ack(&sb, 6000);
	ZDP_CHECK_EQ(sb.n, 0);
	ZDP_CASE("overflow keeps the lowest blocks");
	zdp_tcp_sb_reset(&sb);
	for (uint32_t i = 0; i < ZDP_TCP_SACK_BLOCKS + 3; i++) {
		uint32_t b[1][2] = { { 2000 + 2000 * i, 2500 + 2000 * i } };

		zdp_tcp_sb_update(&sb, una, 100000, (const uint32_t (*)[2])b, 1);
	}
	ZDP_CHECK_EQ(sb.n, ZDP_TCP_SACK_BLOCKS);
	ZDP_CHECK_EQ(sb.blk[0][0], 2000);
	ZDP_CHECK_EQ(sb.blk[ZDP_TCP_SACK_BLOCKS - 1][0], 2000 + 2000 * (ZDP_TCP_SACK_BLOCKS - 1));
	ZDP_CASE("IsLost by count: 3 discontiguous blocks above");
	ZDP_CHECK(zdp_tcp_sb_is_lost(&sb, 1000, mss));
	ZDP_CASE("sequence wrap");
	zdp_tcp_sb_reset(&sb);
	{
		uint32_t b[1][2] = { { 0xfffffe00u, 0x200 } };

		zdp_tcp_sb_update(&sb, 0xfffff000u, 0x1000, (const uint32_t (*)[2])b, 1);
		ZDP_CHECK_EQ(sb.n, 1);
		ZDP_CHECK_EQ(sb.sacked, 0x400);
	}
}

/* RFC 6675 §4 NextSeg() rule (4): which segment the rescue retransmission
 * takes, and when RescueRxt forbids it. Offsets are from SND.UNA. */
/* The scoreboard queries RACK (tcp_rack.c) uses: SetPipe() with a loss
 * edge raised to RACK's marks, and "is this range wholly SACKed" asked in
 * ascending order. Blocks 3000-4000 and 5000-6000, SND.UNA 1000, SND.MAX
 * 10000; everything also shifted across the 2^32 wrap. */
static void
test_sack_pipe_edge_and_covered(void)
{
	static const struct {
		const char *name;
		uint32_t high_rxt, edge, pipe;
	} pipes[] = {
		{ "nothing lost: every unSACKed byte in flight", 1000, 1000, 7000 },
		{ "RACK marked up to 5000: 3000 unSACKed bytes below it lost", 1000, 5000, 4000 },
		{ "and 1000 of them retransmitted (below HighRxt)", 2000, 5000, 5000 },
		{ "edge beyond SND.MAX counts all as lost", 1000, 20000, 0 },
		{ "edge below SND.UNA counts nothing as lost", 1000, 500, 7000 },
	};
	static const struct {
		uint32_t s, e;
		bool covered;
	} cov[] = {
		{ 1000, 2000, false }, { 2500, 3500, false }, { 3000, 3500, true },
		{ 3000, 4000, true }, { 3500, 4500, false }, { 4000, 5000, false },
		{ 5000, 6000, true }, { 5500, 6500, false }, { 7000, 8000, false },
	};
	static const uint32_t bases[] = { 0, 0xfffff000u };

	for (unsigned b = 0; b < RTE_DIM(bases); b++) {
		uint32_t base = bases[b];
		uint32_t blk[2][2] = { { base + 3000, base + 4000 }, { base + 5000, base + 6000 } };
		struct zdp_tcp_sb sb;
		unsigned i = 0;

		zdp_tcp_sb_reset(&sb);
		zdp_tcp_sb_update(&sb, base + 1000, base + 10000, (const uint32_t (*)[2])blk, 2);
		for (unsigned k = 0; k < RTE_DIM(pipes); k++) {
			ZDP_CASE(pipes[k].name);
			sb.high_rxt = base + pipes[k].high_rxt;
			ZDP_CHECK_EQ(zdp_tcp_sb_pipe_edge(&sb, base + 1000, base + 10000,
							  base + pipes[k].edge), pipes[k].pipe);
		}
		ZDP_CASE("covered: asked in ascending order");
		for (unsigned k = 0; k < RTE_DIM(cov); k++)
			ZDP_CHECK_EQ(zdp_tcp_sb_covered(&sb, &i, base + cov[k].s, base + cov[k].e),
				     cov[k].covered);
	}
}

static void
test_sack_rescue(void)
{
	static const struct {
		const char *name;
		uint32_t una;
		uint32_t max;		/* SND.MAX - SND.UNA */
		unsigned n;
		uint32_t blk[3][2];	/* SACKed, offsets from SND.UNA */
		bool rescue_set;
		uint32_t rescue_rxt;	/* offset from SND.UNA */
		bool ok;
		uint32_t seq, len;	/* expected, seq as an offset */
	} cases[] = {
		{ "lost tail above the highest SACK: the last SMSS",
		  1000, 9000, 1, { { 1000, 8000 } }, false, 0, true, 8000, 1000 },
		{ "short last segment: only up to SND.MAX",
		  1000, 8500, 1, { { 1000, 8000 } }, false, 0, true, 8000, 500 },
		{ "unSACKed tail longer than SMSS: the highest SMSS of it",
		  1000, 9000, 1, { { 1000, 4000 } }, false, 0, true, 8000, 1000 },
		{ "tail SACKed: the highest hole below it",
		  1000, 9000, 2, { { 1000, 4000 }, { 5000, 9000 } }, false, 0, true, 4000, 1000 },
		{ "highest hole shorter than SMSS: not into the SACKed range below",
		  1000, 9000, 3, { { 1000, 2000 }, { 4500, 5000 }, { 5600, 9000 } }, false, 0,
		  true, 5000, 600 },
		{ "hole at SND.UNA shorter than SMSS",
		  1000, 9000, 1, { { 500, 9000 } }, false, 0, true, 0, 500 },
		{ "no SACK information at all: the last SMSS",
		  1000, 4000, 0, { { 0, 0 } }, false, 0, true, 3000, 1000 },
		{ "everything outstanding SACKed: nothing",
		  1000, 9000, 1, { { 0, 9000 } }, false, 0, false, 0, 0 },
		{ "RescueRxt = RecoveryPoint above HighACK: once per recovery",
		  1000, 9000, 1, { { 1000, 8000 } }, true, 9000, false, 0, 0 },
		{ "RescueRxt = HighACK: still not greater, nothing",
		  1000, 9000, 1, { { 1000, 8000 } }, true, 0, false, 0, 0 },
		{ "HighACK beyond an old RescueRxt: allowed again",
		  1000, 9000, 1, { { 1000, 8000 } }, true, (uint32_t)-1, true, 8000, 1000 },
		{ "sequence wrap",
		  0xfffffc00u, 9000, 1, { { 1000, 8000 } }, false, 0, true, 8000, 1000 },
	};
	const uint16_t mss = 1000;

	for (unsigned k = 0; k < RTE_DIM(cases); k++) {
		struct zdp_tcp_sb sb;
		uint32_t una = cases[k].una, blk[3][2], seq = 0, len = 0;
		bool ok;

		ZDP_CASE(cases[k].name);
		zdp_tcp_sb_reset(&sb);
		for (unsigned i = 0; i < cases[k].n; i++) {
			blk[i][0] = una + cases[k].blk[i][0];
			blk[i][1] = una + cases[k].blk[i][1];
		}
		zdp_tcp_sb_update(&sb, una, una + cases[k].max, (const uint32_t (*)[2])blk,
				  cases[k].n);
		ZDP_CHECK_EQ(sb.n, cases[k].n);
		sb.high_rxt = una + 1000;	/* the fast retransmit went out */
		sb.rescue_set = cases[k].rescue_set;
		sb.rescue_rxt = una + cases[k].rescue_rxt;
		ok = zdp_tcp_sb_rescue(&sb, una, una + cases[k].max, mss, &seq, &len);
		ZDP_CHECK_EQ(ok, cases[k].ok);
		if (ok && cases[k].ok) {
			ZDP_CHECK_EQ(seq - una, cases[k].seq);
			ZDP_CHECK_EQ(len, cases[k].len);
		}
		ZDP_CHECK_EQ(sb.high_rxt, una + 1000);	/* never moves HighRxt */
	}
}

static struct zdp_tcp_conn *
cc_conn(struct zdp_tcp_stack *stk, uint16_t mss)
{
	struct zdp_tcp_conn *c = zdp_tcp_conn_alloc(stk);

	zdp_tcp_conn_init_tcb(c);
	c->mss = mss;
	return c;
}

static void
test_newreno_arith(void)
{
	struct zdp_tcp_stack *stk = mk_stack();
	struct zdp_tcp_conn *c;
	const struct zdp_tcp_cc_ops *cc = &zdp_tcp_cc_newreno;

	ZDP_REQUIRE(stk);
	c = cc_conn(stk, 1460);
	cc->init(c);
	ZDP_CASE("IW = min(10*MSS, max(2*MSS, 14600)) (RFC 6928)");
	ZDP_CHECK_EQ(c->cwnd, 14600);
	c = cc_conn(stk, 536);
	cc->init(c);
	ZDP_CHECK_EQ(c->cwnd, 5360);
	c = cc_conn(stk, 9000);
	cc->init(c);
	ZDP_CHECK_EQ(c->cwnd, 18000);
	ZDP_CASE("slow start: cwnd += min(N, 2*SMSS) (RFC 5681 eq. 2, RFC 3465)");
	c = cc_conn(stk, 1000);
	cc->init(c);
	cc->cong_avoid(c, 500, 0);
	ZDP_CHECK_EQ(c->cwnd, 10500);
	cc->cong_avoid(c, 5000, 0);
	ZDP_CHECK_EQ(c->cwnd, 12500);
	ZDP_CASE("congestion avoidance: +1 SMSS per cwnd of bytes acked");
	c->cwnd = 10000;
	c->ssthresh = 5000;
	for (int i = 0; i < 9; i++)
		cc->cong_avoid(c, 1000, 0);
	ZDP_CHECK_EQ(c->cwnd, 10000);
	cc->cong_avoid(c, 1000, 0);
	ZDP_CHECK_EQ(c->cwnd, 11000);
	ZDP_CASE("loss: ssthresh = max(FlightSize/2, 2*SMSS) (eq. 4)");
	c->snd_una = 100;
	c->snd_max = 100 + 20000;
	cc->on_loss(c, 0);
	ZDP_CHECK_EQ(c->ssthresh, 10000);
	c->snd_max = 100 + 1000;
	cc->on_loss(c, 0);
	ZDP_CHECK_EQ(c->ssthresh, 2000);
	zdp_tcp_stack_destroy(stk);
}

static void
test_cubic_arith(void)
{
	struct zdp_tcp_stack *stk = mk_stack();
	const struct zdp_tcp_cc_ops *cc = &zdp_tcp_cc_cubic;
	struct zdp_tcp_conn *c;
	uint64_t t0 = 50000000;

	ZDP_REQUIRE(stk);
	c = cc_conn(stk, 1000);
	cc->init(c);
	ZDP_CASE("loss at 100 segments: W_max = 100, ssthresh = 0.7 * cwnd (§4.6)");
	c->cwnd = 100000;
	cc->on_loss(c, t0);
	ZDP_CHECK(fabs(c->cc.cubic.w_max - 100.0) < 1e-9);
	ZDP_CHECK_EQ(c->ssthresh, 70000);
	c->cwnd = c->ssthresh;
	c->srtt_us = 100000;
	ZDP_CASE("epoch start: K = cbrt((100 - 70) / 0.4) = 4.2172 s (eq. 2)");
	/* t = 0: W_cubic(0) = 0.4*(-K)^3 + 100 = 70 exactly, while
	 * W_est = 70 + alpha*1/70 = 70.00756 (alpha = 0.9/1.7): W_cubic < W_est,
	 * so §4.3 (Reno-friendly region) sets cwnd = W_est = 70007 bytes. */
	cc->cong_avoid(c, 1000, t0);
	ZDP_CHECK(fabs(c->cc.cubic.k - cbrt(75.0)) < 1e-6);
	ZDP_CHECK_EQ(c->cwnd, 70007);
	ZDP_CASE("at t = K the target is W_max: growth (100-70.029)/70.029 per segment");
	c->cwnd = 70000;
	c->cc.cubic.cwnd_frac = 0;
	cc->cong_avoid(c, 1000, t0 + (uint64_t)(cbrt(75.0) * 1e6));
	/* target = 100 + 0.4*0.1^3 = 100.0004; (100.0004-70)/70*1000 = 428.58 */
	ZDP_CHECK_EQ(c->cwnd, 70428);
	ZDP_CASE("target capped at 1.5 * cwnd (§4.4)");
	c->cwnd = 70000;
	c->cc.cubic.cwnd_frac = 0;
	cc->cong_avoid(c, 1000, t0 + 20000000);	/* W(20.1) is huge */
	ZDP_CHECK_EQ(c->cwnd, 70500);		/* (105-70)/70 = 0.5 seg */
	ZDP_CASE("Reno-friendly region: W_est = cwnd + alpha*acked/cwnd (§4.3)");
	{
		struct zdp_tcp_conn *d = cc_conn(stk, 1000);
		double alpha = 3.0 * 0.3 / 1.7;

		cc->init(d);
		d->cwnd = 10000;
		d->ssthresh = 10000;
		d->srtt_us = 100000;
		/* W_max = 12: K = cbrt(2/0.4) = 1.71, W_cubic(0) = 10 exactly;
		 * W_est = 10 + alpha/10 = 10.0529 > W_cubic: cwnd = 10052 */
		d->cc.cubic.w_max = 12;
		cc->cong_avoid(d, 1000, t0);
		ZDP_CHECK(fabs(d->cc.cubic.w_est - (10.0 + alpha * 1 / 10)) < 1e-9);
		ZDP_CHECK_EQ(d->cwnd, 10052);
		ZDP_CASE("alpha = 1 once W_est >= W_max (§4.3)");
		d->cwnd = 12000;
		d->cc.cubic.t_epoch_us = 0;
		d->cc.cubic.w_max = 12;	/* cwnd >= W_max: K = 0, W_est starts at 12 */
		cc->cong_avoid(d, 1000, t0);
		ZDP_CHECK(fabs(d->cc.cubic.w_est - (12.0 + 1.0 / 12)) < 1e-9);
	}
	ZDP_CASE("fast convergence: loss below W_max sets W_max = cwnd*(1+0.7)/2 (§4.7)");
	c->cwnd = 80000;
	c->cc.cubic.w_max = 100;
	cc->on_loss(c, t0);
	ZDP_CHECK(fabs(c->cc.cubic.w_max - 68.0) < 1e-9);
	ZDP_CHECK_EQ(c->ssthresh, 56000);
	ZDP_CASE("ssthresh at least 2 segments");
	c->cwnd = 2000;
	cc->on_loss(c, t0);
	ZDP_CHECK_EQ(c->ssthresh, 2000);
	zdp_tcp_stack_destroy(stk);
}

static void
test_option_parse(void)
{
	uint8_t h[60];
	struct zdp_tcp_seg s;
	static const struct {
		const char *name;
		uint8_t opts[40];
		unsigned len;
		int rc;
	} cases[] = {
		{ "mss+sackperm+ts+ws", { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
					  1, 3, 3, 7 }, 20, 0 },
		{ "option length beyond header", { 2, 4, 5, 0xb4, 8, 30, 0, 0 }, 8, -EINVAL },
		{ "zero option length", { 1, 1, 5, 0, 0, 0, 0, 0 }, 8, -EINVAL },
		{ "EOL stops parsing", { 0, 99, 99, 99 }, 4, 0 },
		{ "bad TS length ignored", { 8, 6, 0, 0, 0, 0, 1, 1 }, 8, 0 },
	};

	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		ZDP_CASE(cases[i].name);
		memset(h, 0, sizeof(h));
		h[12] = (uint8_t)(((20 + cases[i].len) / 4) << 4);
		h[13] = TH_SYN;
		memcpy(h + 20, cases[i].opts, cases[i].len);
		ZDP_CHECK_EQ(zdp_tcp_parse(h, 20 + cases[i].len, &s), cases[i].rc);
		if (i == 0) {
			ZDP_CHECK(s.has_mss && s.mss == 1460);
			ZDP_CHECK(s.sack_perm);
			ZDP_CHECK(s.has_ts && s.tsval == 1);
			ZDP_CHECK(s.has_ws && s.ws == 7);
		}
		if (i == 4)
			ZDP_CHECK(!s.has_ts);
	}
	ZDP_CASE("data offset below 5");
	memset(h, 0, sizeof(h));
	h[12] = 4 << 4;
	ZDP_CHECK_EQ(zdp_tcp_parse(h, 20, &s), -EINVAL);
	ZDP_CASE("data offset beyond the packet");
	h[12] = 15 << 4;
	ZDP_CHECK_EQ(zdp_tcp_parse(h, 40, &s), -EINVAL);
}

static void
test_reass_overlap(void)
{
	struct zdp_tcp_stack *stk = mk_stack();
	struct zdp_tcp_conn *c;
	uint8_t out[4096];
	struct rte_mbuf *m;
	uint32_t len;
	bool fin;
	/* pieces [start, end) relative to rcv_nxt=1000, in arrival order */
	static const uint32_t pieces[][2] = {
		{ 1500, 1700 }, { 1600, 1800 }, { 1550, 1650 }, { 2000, 2100 },
		{ 1400, 2050 }, { 1900, 1950 }, { 2100, 2200 }, { 1000, 1450 },
	};

	ZDP_REQUIRE(stk);
	c = zdp_tcp_conn_alloc(stk);
	zdp_tcp_conn_init_tcb(c);
	c->rcv_nxt = 1000;
	for (unsigned i = 0; i + 1 < RTE_DIM(pieces); i++)
		zdp_tcp_reass_insert(c, t_mbuf_data(pieces[i][0] - 1000, pieces[i][1] - pieces[i][0]),
				     pieces[i][0], pieces[i][1] - pieces[i][0], false);
	ZDP_CASE("queue is sorted and disjoint");
	{
		const struct zdp_tcp_ooo *o, *prev = NULL;
		uint32_t total = 0;

		for (o = c->ooo; o; prev = o, o = o->next) {
			if (prev)
				ZDP_CHECK(SEQ_LEQ(prev->seq + prev->len, o->seq));
			ZDP_CHECK_EQ(o->m ? o->m->pkt_len : 0, o->len);
			total += o->len;
		}
		ZDP_CHECK_EQ(total, 2200 - 1400);
	}
	ZDP_CASE("SACK blocks: most recent first (RFC 2018 §4)");
	{
		uint32_t blk[4][2];
		unsigned n = zdp_tcp_reass_sack_blocks(c, blk, 4);

		ZDP_CHECK_EQ(n, 1);
		ZDP_CHECK_EQ(blk[0][0], 1400);
		ZDP_CHECK_EQ(blk[0][1], 2200);
	}
	ZDP_CASE("nothing to pull before the hole fills");
	m = zdp_tcp_reass_pull(c, &len, &fin);
	ZDP_CHECK(m == NULL);
	ZDP_CHECK_EQ(len, 0);
	ZDP_CASE("fill the hole; pull returns the rest in order");
	c->rcv_nxt = 1450;	/* as if [1000,1450) had been delivered in order */
	m = zdp_tcp_reass_pull(c, &len, &fin);
	ZDP_REQUIRE(m);
	ZDP_CHECK_EQ(len, 2200 - 1450);
	ZDP_CHECK_EQ(m->pkt_len, len);
	{
		const uint8_t *d = rte_pktmbuf_read(m, 0, len, out);
		uint8_t exp[4096];

		t_fill(exp, 450, len);
		ZDP_CHECK(memcmp(d, exp, len) == 0);
	}
	rte_pktmbuf_free(m);
	ZDP_CHECK(c->ooo == NULL);
	ZDP_CHECK_EQ(c->ooo_n, 0);
	ZDP_CASE("per-connection limit");
	stk->p.max_ooo_segs = 2;
	c->rcv_nxt = 0;
	ZDP_CHECK_EQ(zdp_tcp_reass_insert(c, t_mbuf_data(0, 10), 100, 10, false), 0);
	ZDP_CHECK_EQ(zdp_tcp_reass_insert(c, t_mbuf_data(0, 10), 200, 10, false), 0);
	ZDP_CHECK_EQ(zdp_tcp_reass_insert(c, t_mbuf_data(0, 10), 300, 10, false), -ENOSPC);
	ZDP_CASE("FIN travels with the last node");
	zdp_tcp_reass_insert(c, NULL, 210, 0, true);
	zdp_tcp_reass_flush(c);
	ZDP_CHECK_EQ(c->ooo_n, 0);
	ZDP_CHECK_EQ(rte_mempool_in_use_count(t_pool), 0);
	zdp_tcp_stack_destroy(stk);
}

/* Random arrival orders with overlaps, duplicates and trimming: every byte
 * comes out exactly once, in order, and no mbuf is lost or shared. */
static void
test_reass_random(void)
{
	struct zdp_tcp_stack *stk = mk_stack();
	struct zdp_tcp_conn *c;
	static uint8_t got[70000], exp[70000];
	uint32_t total = 60000, rcv = 0;
	uint64_t x = 88172645463325252ULL;

	ZDP_REQUIRE(stk);
	c = zdp_tcp_conn_alloc(stk);
	zdp_tcp_conn_init_tcb(c);
	stk->p.max_ooo_segs = 64;
	t_fill(exp, 0, total);
	c->rcv_nxt = 0xfffff000u;	/* wrap inside the stream */
	for (int iter = 0; iter < 20000 && rcv < total; iter++) {
		uint32_t off, len;

		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		/* mostly ahead of rcv_nxt, sometimes at it, sometimes old */
		off = rcv + (uint32_t)(x % 6000);
		if ((x >> 20) % 5 == 0)
			off = rcv;
		if ((x >> 24) % 11 == 0 && rcv > 500)
			off = rcv - 300;
		len = 1 + (uint32_t)((x >> 32) % 1400);
		if (off >= total)
			continue;
		if (off + len > total)
			len = total - off;
		if (off + len <= rcv)
			continue;
		if (off <= rcv) {
			/* in order: deliver the new part, then pull */
			struct rte_mbuf *m = t_mbuf_data(rcv, off + len - rcv), *more;
			uint32_t l2, n = off + len - rcv;
			bool fin;

			{
				const void *d = rte_pktmbuf_read(m, 0, n, got + rcv);

				if (d != got + rcv)
					memcpy(got + rcv, d, n);
			}
			rte_pktmbuf_free(m);
			rcv += n;
			c->rcv_nxt += n;
			more = zdp_tcp_reass_pull(c, &l2, &fin);
			if (more) {
				ZDP_CHECK_EQ(more->pkt_len, l2);
				{
					const void *d = rte_pktmbuf_read(more, 0, l2, got + rcv);

					if (d != got + rcv)
						memcpy(got + rcv, d, l2);
				}
				rte_pktmbuf_free(more);
			}
			rcv += l2;
			c->rcv_nxt += l2;
		} else {
			zdp_tcp_reass_insert(c, t_mbuf_data(off, len), c->rcv_nxt + (off - rcv), len,
					     false);
		}
		/* invariants: sorted, disjoint, above rcv_nxt, lengths match */
		{
			const struct zdp_tcp_ooo *o, *prev = NULL;
			unsigned n = 0;

			for (o = c->ooo; o; prev = o, o = o->next, n++) {
				if (prev)
					ZDP_CHECK(SEQ_LEQ(prev->seq + prev->len, o->seq));
				ZDP_CHECK(SEQ_GT(o->seq, c->rcv_nxt));
				ZDP_CHECK_EQ(o->m ? o->m->pkt_len : 0, o->len);
			}
			ZDP_CHECK_EQ(n, c->ooo_n);
		}
	}
	ZDP_CASE("stream reassembled exactly");
	ZDP_CHECK_EQ(rcv, total);
	ZDP_CHECK(memcmp(got, exp, total) == 0);
	zdp_tcp_reass_flush(c);
	ZDP_CHECK_EQ(rte_mempool_in_use_count(t_pool), 0);
	zdp_tcp_stack_destroy(stk);
}

/* The TCP checksum over a chain with odd segment lengths equals the one
 * over the same bytes in one segment (DPDK 22.11's rte_raw_cksum_mbuf does
 * not: it loses carries when it byte-swaps after an odd segment). */
static void
test_checksum_odd_chains(void)
{
	static const uint16_t cuts[][6] = {
		{ 1, 1447, 0 }, { 3, 5, 7, 1001, 0 }, { 1000, 1, 999, 0 },
		{ 1499, 1, 0 }, { 20, 733, 737, 9, 1, 0 },
	};
	struct zdp_addr a, b;
	uint8_t flat[4096];

	zdp_addr_parse("198.18.0.1", &a);
	zdp_addr_parse("198.18.0.2", &b);
	for (unsigned i = 0; i < sizeof(flat); i++)
		flat[i] = (uint8_t)(0xff - i * 37);	/* many carries */
	for (unsigned c = 0; c < RTE_DIM(cuts); c++) {
		struct rte_mbuf *one = rte_pktmbuf_alloc(t_pool), *chain = NULL;
		uint32_t total = 0, off = 0;

		ZDP_CASE("odd-length chain");
		for (unsigned k = 0; cuts[c][k]; k++)
			total += cuts[c][k];
		memcpy(rte_pktmbuf_append(one, (uint16_t)total), flat, total);
		for (unsigned k = 0; cuts[c][k]; k++) {
			struct rte_mbuf *s = rte_pktmbuf_alloc(t_pool);

			memcpy(rte_pktmbuf_append(s, cuts[c][k]), flat + off, cuts[c][k]);
			off += cuts[c][k];
			if (!chain)
				chain = s;
			else
				rte_pktmbuf_chain(chain, s);
		}
		ZDP_CHECK_EQ(zdp_tcp_l4_sum(NULL, chain, 0, total, &a, &b),
			     zdp_tcp_l4_sum(NULL, one, 0, total, &a, &b));
		ZDP_CHECK_EQ(zdp_tcp_l4_sum(NULL, chain, 5, total - 5, &a, &b),
			     zdp_tcp_l4_sum(NULL, one, 5, total - 5, &a, &b));
		rte_pktmbuf_free(one);
		rte_pktmbuf_free(chain);
	}
}

/* RFC 1071 from scratch: 16-bit big-endian words of the pseudo-header
 * (IPv4) and of @len bytes of @d, folded; what a receiver computes. */
static uint16_t
ref_tcp_sum(const struct zdp_addr *src, const struct zdp_addr *dst, const uint8_t *d,
	    uint32_t len)
{
	uint32_t s = IPPROTO_TCP + len;

	for (unsigned i = 0; i < 4; i += 2)
		s += (uint32_t)(src->a[i] << 8 | src->a[i + 1]) +
		     (uint32_t)(dst->a[i] << 8 | dst->a[i + 1]);
	for (uint32_t i = 0; i < len; i += 2)
		s += (uint32_t)d[i] << 8 | (i + 1 < len ? d[i + 1] : 0);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Host-order value of zdp_tcp_l4_sum(), comparable with ref_tcp_sum(). */
static uint16_t
l4_sum_host(const struct zdp_tcp_stack *stk, const struct rte_mbuf *m, uint32_t len,
	    const struct zdp_addr *a, const struct zdp_addr *b)
{
	return rte_be_to_cpu_16(zdp_tcp_l4_sum(stk, m, 0, len, a, b));
}

/* The payload sum cache (tcp_priv.h struct zdp_tcp_psum): a received
 * segment's verified payload sum is reused when the same bytes are sent on,
 * and never once the mbuf's data moved, it was cloned in part, or freed. */
static void
test_payload_sum_cache(void)
{
	struct zdp_tcp_stack *stk = mk_stack();
	static uint8_t flat[2048];
	struct zdp_addr a, b;
	struct rte_mbuf *seg, *h, *c;
	const uint32_t hl = 20, pl = 1447;	/* odd: the next piece is swapped */
	uint16_t ref;

	ZDP_REQUIRE(stk);
	ZDP_REQUIRE(stk->psum_flag != 0);
	zdp_addr_parse("198.18.0.1", &a);
	zdp_addr_parse("198.18.0.2", &b);
	for (unsigned i = 0; i < sizeof(flat); i++)
		flat[i] = (uint8_t)(0x5a + i * 91);

	ZDP_CASE("receive: verified, payload sum cached");
	seg = rte_pktmbuf_alloc(t_pool);
	memset(flat, 0, 20);
	flat[12] = 5 << 4;
	ref = ref_tcp_sum(&a, &b, flat, hl + pl);
	flat[16] = (uint8_t)(~ref >> 8);	/* header checksum field */
	flat[17] = (uint8_t)~ref;
	memcpy(rte_pktmbuf_append(seg, hl + pl), flat, hl + pl);
	ZDP_CHECK(zdp_tcp_rx_csum_ok(stk, seg, hl + pl, hl, &a, &b));
	ZDP_CHECK(seg->ol_flags & stk->psum_flag);
	rte_pktmbuf_adj(seg, hl);		/* as tcp_input trims the header */
	ref = ref_tcp_sum(&a, &b, flat + hl, pl);
	ZDP_CHECK_EQ(l4_sum_host(stk, seg, pl, &a, &b), ref);

	ZDP_CASE("receive: a corrupted segment fails, nothing cached");
	c = rte_pktmbuf_alloc(t_pool);
	flat[100] ^= 0x10;
	memcpy(rte_pktmbuf_append(c, hl + pl), flat, hl + pl);
	flat[100] ^= 0x10;
	ZDP_CHECK(!zdp_tcp_rx_csum_ok(stk, c, hl + pl, hl, &a, &b));
	ZDP_CHECK(!(c->ol_flags & stk->psum_flag));
	rte_pktmbuf_free(c);

	ZDP_CASE("send: header + whole payload attached, sum reused");
	h = rte_pktmbuf_alloc(t_pool);
	memcpy(rte_pktmbuf_append(h, 3), "xyz", 3);	/* odd: payload swapped */
	c = rte_pktmbuf_alloc(t_pool);
	rte_pktmbuf_attach(c, seg);
	rte_pktmbuf_chain(h, c);
	{
		uint8_t both[2048];

		memcpy(both, "xyz", 3);
		memcpy(both + 3, flat + hl, pl);
		ref = ref_tcp_sum(&a, &b, both, 3 + pl);
	}
	ZDP_CHECK_EQ(l4_sum_host(stk, h, 3 + pl, &a, &b), ref);
	ZDP_CHECK_EQ(l4_sum_host(NULL, h, 3 + pl, &a, &b), ref);

	ZDP_CASE("the cache is what is read (a planted wrong sum shows)");
	RTE_MBUF_DYNFIELD(c, stk->psum_off, struct zdp_tcp_psum *)->sum ^= 0x0100;
	ZDP_CHECK(l4_sum_host(stk, h, 3 + pl, &a, &b) != ref);
	ZDP_CHECK_EQ(l4_sum_host(NULL, h, 3 + pl, &a, &b), ref);

	ZDP_CASE("part of the payload attached: the wrong sum is not used");
	c->data_off++;
	c->data_len--;
	h->pkt_len--;
	{
		uint8_t both[2048];

		memcpy(both, "xyz", 3);
		memcpy(both + 3, flat + hl + 1, pl - 1);
		ref = ref_tcp_sum(&a, &b, both, 3 + pl - 1);
	}
	ZDP_CHECK_EQ(l4_sum_host(stk, h, 3 + pl - 1, &a, &b), ref);
	rte_pktmbuf_free(h);

	ZDP_CASE("trimmed in place: the tag no longer matches");
	RTE_MBUF_DYNFIELD(seg, stk->psum_off, struct zdp_tcp_psum *)->sum ^= 0x0100;
	rte_pktmbuf_adj(seg, 2);
	ref = ref_tcp_sum(&a, &b, flat + hl + 2, pl - 2);
	ZDP_CHECK_EQ(l4_sum_host(stk, seg, pl - 2, &a, &b), ref);

	ZDP_CASE("freed and allocated again: not valid");
	rte_pktmbuf_free(seg);
	seg = rte_pktmbuf_alloc(t_pool);
	ZDP_CHECK(!(seg->ol_flags & stk->psum_flag));
	rte_pktmbuf_free(seg);
	ZDP_CHECK_EQ(rte_mempool_in_use_count(t_pool), 0);
	zdp_tcp_stack_destroy(stk);
}

/* The connection table's hash spreads the 4-tuples a tcp-proxy holds: the
 * upstream side (one local address, proxy ports 10000+, 64 backends on one
 * port) and the client side (32 clients x many ports to one VIP:port).
 * With n tuples in n buckets the fullest bucket of a random hash holds
 * about 9; the old hash mixed the ports into the remote address's word
 * before any mixing, and every (lport, backend) pair with the same
 * lport ^ address byte landed in one bucket (64 deep). */
static uint32_t
be_v4(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return rte_cpu_to_be_32(a << 24 | b << 16 | c << 8 | d);
}

static void
test_tuple_hash_spread(void)
{
	static const struct {
		const char *name;
		bool upstream;
	} cases[] = {
		{ "upstream: 4096 proxy ports x 64 backends", true },
		{ "client side: 32 clients x 8192 ports", false },
	};
	struct zdp_tcp_stack_params p;
	struct zdp_tcp_stack *stk;
	const uint32_t n = 1u << 18, mask = n - 1;
	uint16_t *load = calloc(n, sizeof(*load));

	ZDP_REQUIRE(load);
	t_params(&p);
	stk = t_stack(&p);
	ZDP_REQUIRE(stk);
	for (size_t k = 0; k < RTE_DIM(cases); k++) {
		struct zdp_addr la, ra;
		unsigned max = 0;

		ZDP_CASE(cases[k].name);
		memset(load, 0, n * sizeof(*load));
		for (uint32_t i = 0; i < n; i++) {
			uint16_t lport, rport;
			uint32_t b;

			if (cases[k].upstream) {
				zdp_addr_set_v4(&la, be_v4(198, 19, 0, 1));
				zdp_addr_set_v4(&ra, be_v4(198, 19, 1, 1 + i % 64));
				lport = (uint16_t)(10000 + i / 64);
				rport = 9000;
			} else {
				zdp_addr_set_v4(&la, be_v4(198, 18, 255, 1));
				zdp_addr_set_v4(&ra, be_v4(198, 18, 1, 1 + i % 32));
				lport = 9000;
				rport = (uint16_t)(1024 + i / 32);
			}
			b = zdp_tcp_tuple_hash(stk, &la, rte_cpu_to_be_16(lport), &ra,
					       rte_cpu_to_be_16(rport)) & mask;
			if (++load[b] > max)
				max = load[b];
		}
		if (max > 16)
			printf("# fullest bucket holds %u tuples\n", max);
		ZDP_CHECK(max <= 16);
	}
	zdp_tcp_stack_destroy(stk);
	free(load);
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_siphash_vectors),
	ZDP_TEST_ENTRY(test_isn_rfc6528),
	ZDP_TEST_ENTRY(test_syncookie),
	ZDP_TEST_ENTRY(test_rto_rfc6298),
	ZDP_TEST_ENTRY(test_timer_wheel),
	ZDP_TEST_ENTRY(test_timer_wheel_levels),
	ZDP_TEST_ENTRY(test_sack_scoreboard),
	ZDP_TEST_ENTRY(test_sack_rescue),
	ZDP_TEST_ENTRY(test_sack_pipe_edge_and_covered),
	ZDP_TEST_ENTRY(test_newreno_arith),
	ZDP_TEST_ENTRY(test_cubic_arith),
	ZDP_TEST_ENTRY(test_option_parse),
	ZDP_TEST_ENTRY(test_reass_overlap),
	ZDP_TEST_ENTRY(test_reass_random),
	ZDP_TEST_ENTRY(test_checksum_odd_chains),
	ZDP_TEST_ENTRY(test_payload_sum_cache),
	ZDP_TEST_ENTRY(test_tuple_hash_spread),
	{ 0 },
};

int
main(void)
{
	int rc;

	if (t_eal_init("tcp_unit") != 0) {
		printf("1..0 # SKIP EAL init failed\n");
		return 0;
	}
	rc = zdp_test_main(tests);
	zdp_eal_cleanup();
	return rc;
}
