/* SPDX-License-Identifier: BSD-3-Clause
 * test_tcp_walk.c — zdp_tcp_conn_walk(), the bounded walk behind the admin
 * address's /tcp/connections: every live connection listed exactly once
 * whatever the step size, states and flags as negotiated, no slot budget
 * exceeded, the application's pointer withheld once it let go.
 */
#include "tcp_test_util.h"

#define S 1000000ull	/* tsc_hz = 1e6: time in µs */
#define N_PASSIVE 10
#define N_ACTIVE 3

static struct zdp_tcp_stack *
walk_stack(struct t_peer *p, struct zdp_tcp_conn **acc, struct zdp_tcp_conn **act)
{
	struct zdp_tcp_stack_params prm;
	struct zdp_tcp_stack *stk;
	uint8_t o[40];

	t_params(&prm);
	stk = t_stack(&prm);
	if (stk == NULL)
		return NULL;
	t_peer_init(p, false);
	zdp_tcp_listen(stk, &p->la, 80, NULL, NULL);
	for (unsigned k = 0; k < N_PASSIVE; k++) {
		unsigned n = t_opt_syn(o, 1460, 7, true, false, 0, 0);
		struct t_out *sa;

		p->rport = (uint16_t)(40000 + k);
		t_out_reset();
		t_send(stk, p, TH_SYN, 1000 * k, 0, 65535, NULL, 0, o, n, 1 * S);
		sa = t_last();
		if (sa == NULL)
			return stk;
		t_send(stk, p, TH_ACK, 1000 * k + 1, sa->s.seq + 1, 1000, NULL, 0, NULL, 0, 1 * S);
		acc[k] = t_app.accepted;
	}
	for (unsigned k = 0; k < N_ACTIVE; k++)
		zdp_tcp_connect(stk, &p->la, (uint16_t)(50000 + k), &p->ra, 443, &t_app, 1 * S,
				&act[k]);
	zdp_tcp_poll(stk, 1 * S + 10);
	return stk;
}

static void
test_walk_lists_each_once(void)
{
	static const uint32_t steps[][2] = { { 1, 1 }, { 5, 4 }, { 64, 64 }, { 3, 100 } };
	struct zdp_tcp_conn *acc[N_PASSIVE] = { 0 }, *act[N_ACTIVE] = { 0 };
	struct t_peer p;
	struct zdp_tcp_stack *stk = walk_stack(&p, acc, act);

	ZDP_REQUIRE(stk);
	ZDP_CHECK_EQ(t_app.n_accept, N_PASSIVE);
	ZDP_CHECK_EQ(zdp_tcp_stack_conns_in_use(stk), N_PASSIVE + N_ACTIVE);
	for (unsigned s = 0; s < RTE_DIM(steps); s++) {
		struct zdp_tcp_conn_info out[128];
		uint32_t cursor = 0, n = 0, calls = 0;
		unsigned seen_p[N_PASSIVE] = { 0 }, seen_a[N_ACTIVE] = { 0 };

		char name[64];

		snprintf(name, sizeof(name), "slots %u, max %u per call", steps[s][0], steps[s][1]);
		ZDP_CASE(name);
		while (cursor != ZDP_TCP_WALK_DONE && calls++ < 1000) {
			uint32_t before = cursor;
			uint32_t k = zdp_tcp_conn_walk(stk, &cursor, steps[s][0], out + n,
						       steps[s][1]);

			ZDP_CHECK(k <= steps[s][1]);
			if (cursor != ZDP_TCP_WALK_DONE)
				ZDP_CHECK(cursor - before <= steps[s][0]);
			n += k;
		}
		ZDP_CHECK_EQ(n, N_PASSIVE + N_ACTIVE);
		for (uint32_t i = 0; i < n; i++) {
			const struct zdp_tcp_conn_info *c = &out[i];

			if (c->flags & ZDP_TCP_INFO_PASSIVE) {
				ZDP_CHECK_EQ(c->state, ZDP_TCP_ESTABLISHED);
				ZDP_CHECK_EQ(c->lport, 80);
				ZDP_CHECK(c->rport >= 40000 && c->rport < 40000 + N_PASSIVE);
				if (c->rport >= 40000 && c->rport < 40000 + N_PASSIVE)
					seen_p[c->rport - 40000]++;
				ZDP_CHECK(c->flags & ZDP_TCP_INFO_SACK);
				ZDP_CHECK(c->flags & ZDP_TCP_INFO_WS);
				ZDP_CHECK(!(c->flags & ZDP_TCP_INFO_TS));
				ZDP_CHECK_EQ(c->snd_wscale, 7);
				ZDP_CHECK_EQ(c->st.mss, 1460);
				ZDP_CHECK(c->user == &t_app);
			} else {
				ZDP_CHECK_EQ(c->state, ZDP_TCP_SYN_SENT);
				ZDP_CHECK_EQ(c->rport, 443);
				ZDP_CHECK(c->lport >= 50000 && c->lport < 50000 + N_ACTIVE);
				if (c->lport >= 50000 && c->lport < 50000 + N_ACTIVE)
					seen_a[c->lport - 50000]++;
			}
			ZDP_CHECK(zdp_addr_eq(&c->laddr, &p.la));
			ZDP_CHECK(zdp_addr_eq(&c->raddr, &p.ra));
		}
		for (unsigned k = 0; k < N_PASSIVE; k++)
			ZDP_CHECK_EQ(seen_p[k], 1);
		for (unsigned k = 0; k < N_ACTIVE; k++)
			ZDP_CHECK_EQ(seen_a[k], 1);
	}

	ZDP_CASE("after close: listed (FIN-WAIT-1) without the app's pointer");
	{
		struct zdp_tcp_conn_info out[64];
		uint32_t cursor = 0, n;
		bool found = false;

		ZDP_REQUIRE(acc[0]);
		zdp_tcp_close(acc[0]);
		zdp_tcp_poll(stk, 1 * S + 20);
		n = zdp_tcp_conn_walk(stk, &cursor, UINT32_MAX, out, RTE_DIM(out));
		ZDP_CHECK_EQ(cursor, ZDP_TCP_WALK_DONE);
		ZDP_CHECK_EQ(n, N_PASSIVE + N_ACTIVE);
		for (uint32_t i = 0; i < n; i++)
			if (out[i].rport == 40000) {
				found = true;
				ZDP_CHECK_EQ(out[i].state, ZDP_TCP_FIN_WAIT_1);
				ZDP_CHECK(out[i].flags & ZDP_TCP_INFO_FIN_SENT);
				ZDP_CHECK(out[i].user == NULL);
			}
		ZDP_CHECK(found);
	}
	ZDP_CASE("aborted connections leave the list");
	{
		struct zdp_tcp_conn_info out[64];
		uint32_t cursor = 0;

		for (unsigned k = 1; k < N_PASSIVE; k++)
			zdp_tcp_abort(acc[k]);
		for (unsigned k = 0; k < N_ACTIVE; k++)
			zdp_tcp_abort(act[k]);
		zdp_tcp_poll(stk, 1 * S + 30);
		ZDP_CHECK_EQ(zdp_tcp_conn_walk(stk, &cursor, UINT32_MAX, out, RTE_DIM(out)), 1);
	}
	ZDP_CASE("a cursor past the pool is done at once");
	{
		struct zdp_tcp_conn_info out[1];
		uint32_t cursor = 1u << 30;

		ZDP_CHECK_EQ(zdp_tcp_conn_walk(stk, &cursor, 10, out, 1), 0);
		ZDP_CHECK_EQ(cursor, ZDP_TCP_WALK_DONE);
	}
	zdp_tcp_stack_destroy(stk);
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_walk_lists_each_once),
	{ 0 },
};

int
main(void)
{
	int rc;

	if (t_eal_init("tcp_walk") != 0) {
		printf("1..0 # SKIP EAL init failed\n");
		return 0;
	}
	rc = zdp_test_main(tests);
	zdp_eal_cleanup();
	return rc;
}
