/* SPDX-License-Identifier: BSD-3-Clause
 * test_neigh.c — neighbour table: resolution and its wait queue,
 * retransmission and failure, ageing REACHABLE -> STALE -> PROBE, the
 * learning rules of RFC 826 / RFC 4861 §7.2.3 and §7.2.5, anti-poisoning
 * (on-link only), table-full eviction, index integrity under deletion.
 *
 * Time runs in milliseconds (hz = 1000); packets are plain pointers.
 */
#include <errno.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "zdp_eal_test.h"
#include "zdp_test.h"
#include "neigh.h"
#include "route.h"

#define HZ 1000

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0, 0xaa };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0, 0xbb };
static const uint8_t MAC_MC[6] = { 0x01, 0, 0x5e, 0, 0, 1 };

static struct zdp_route_table *rt;

/* What release() was called with, in order. */
static struct {
	void *pkt;
	uint16_t port;
	bool has_mac;
	uint8_t mac[6];
} rel[64];
static unsigned n_rel;

static void
on_release(void *ctx, void *pkt, uint16_t port, const uint8_t *mac)
{
	if (n_rel < RTE_DIM(rel)) {
		rel[n_rel].pkt = pkt;
		rel[n_rel].port = port;
		rel[n_rel].has_mac = mac != NULL;
		if (mac)
			memcpy(rel[n_rel].mac, mac, 6);
	}
	n_rel++;
	(*(unsigned *)ctx)++;
}

static unsigned release_calls;

static struct zdp_neigh_table *
mk_q(uint32_t capacity, uint32_t queue_len, uint32_t held_max)
{
	struct zdp_neigh_params p = {
		.capacity = capacity,
		.hz = HZ,
		.queue_len = queue_len,
		.held_max = held_max,
		.release = on_release,
		.ctx = &release_calls,
	};

	n_rel = 0;
	return zdp_neigh_create(&p);
}

static struct zdp_neigh_table *
mk(uint32_t capacity)
{
	return mk_q(capacity, 0, 0);
}

static struct zdp_addr
A(const char *s)
{
	struct zdp_addr a;

	if (zdp_addr_parse(s, &a) != 0)
		abort();
	return a;
}

static int
state_of(struct zdp_neigh_table *t, uint16_t port, const char *ip, uint64_t now)
{
	struct zdp_neigh_info info;
	struct zdp_addr a = A(ip);

	if (zdp_neigh_lookup(t, port, &a, now, &info) != 0)
		return ZDP_NEIGH_NONE;
	return info.state;
}

static void
test_miss_queue_resolve(void)
{
	struct zdp_neigh_table *t = mk_q(0, 4, 0);	/* 4 held per neighbour */
	struct zdp_addr nh = A("198.18.0.5");
	struct zdp_neigh_out out;
	int pk[6], i;

	ZDP_REQUIRE(t != NULL);
	ZDP_CASE("miss: held, multicast solicitation");
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, &pk[0], 0, &out), ZDP_NEIGH_HELD);
	ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_MCAST);
	ZDP_CHECK_EQ(out.state, ZDP_NEIGH_INCOMPLETE);
	ZDP_CASE("queue up to the limit, no more solicitations");
	for (i = 1; i < 4; i++) {
		ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, &pk[i], 10, &out),
			     ZDP_NEIGH_HELD);
		ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_NONE);
	}
	ZDP_CASE("queue overflow");
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, &pk[4], 20, &out), -ENOBUFS);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->queue_drops, 1);
	ZDP_CHECK_EQ(n_rel, 0);
	ZDP_CASE("ARP reply resolves and releases in order");
	ZDP_CHECK_EQ(zdp_neigh_learn(t, rt, 0, &nh, MAC_A,
				     ZDP_NEIGH_F_CONFIRM | ZDP_NEIGH_F_OVERRIDE, 30), 1);
	ZDP_CHECK_EQ(n_rel, 4);
	for (i = 0; i < 4 && i < (int)n_rel; i++) {
		ZDP_CHECK(rel[i].pkt == &pk[i]);
		ZDP_CHECK(rel[i].has_mac && memcmp(rel[i].mac, MAC_A, 6) == 0);
		ZDP_CHECK_EQ(rel[i].port, 0);
	}
	ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.5", 30), ZDP_NEIGH_REACHABLE);
	ZDP_CASE("hit");
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, &pk[5], 40, &out), ZDP_NEIGH_SEND);
	ZDP_CHECK(memcmp(out.mac, MAC_A, 6) == 0);
	ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_NONE);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->hits, 1);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->misses, 5);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->resolved, 1);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->solicits, 1);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->released, 4);
	ZDP_CASE("bad family");
	memset(&nh, 0, sizeof(nh));
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, NULL, 50, &out), -EINVAL);
	zdp_neigh_destroy(t);
	ZDP_CHECK_EQ(n_rel, 4);
}

/* Held packets: a per-neighbour limit (default ZDP_NEIGH_QUEUE_LEN) and one
 * pool for the whole table (default ZDP_NEIGH_HELD_MAX), so many unresolved
 * next hops cannot pin the mbuf pool; what one neighbour releases another
 * can use; a neighbour created when the pool is full is still solicited. */
static void
test_hold_limits(void)
{
	static int pk[ZDP_NEIGH_QUEUE_LEN + 1];
	struct zdp_addr a = A("198.18.0.5"), b = A("198.18.0.6"), c = A("198.18.0.7");
	struct zdp_neigh_table *t = mk(0);
	struct zdp_neigh_out out;
	int i, held = 0;

	ZDP_REQUIRE(t != NULL);
	ZDP_CASE("default: ZDP_NEIGH_QUEUE_LEN held per neighbour, then -ENOBUFS");
	for (i = 0; i < ZDP_NEIGH_QUEUE_LEN; i++)
		held += zdp_neigh_resolve(t, 0, &a, &pk[i], 1, &out) == ZDP_NEIGH_HELD;
	ZDP_CHECK_EQ(held, ZDP_NEIGH_QUEUE_LEN);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &a, &pk[i], 1, &out), -ENOBUFS);
	ZDP_CHECK_EQ(zdp_neigh_learn(t, rt, 0, &a, MAC_A,
				     ZDP_NEIGH_F_CONFIRM | ZDP_NEIGH_F_OVERRIDE, 2), 1);
	ZDP_CHECK_EQ(n_rel, ZDP_NEIGH_QUEUE_LEN);
	for (i = 0; i < ZDP_NEIGH_QUEUE_LEN && i < (int)n_rel; i++)
		ZDP_CHECK(rel[i].pkt == &pk[i] && rel[i].has_mac);
	zdp_neigh_destroy(t);

	ZDP_CASE("table pool of 6, 4 per neighbour: b gets the last 2");
	t = mk_q(0, 4, 6);
	ZDP_REQUIRE(t != NULL);
	for (i = 0; i < 4; i++)
		ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &a, &pk[i], 1, &out), ZDP_NEIGH_HELD);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &b, &pk[4], 1, &out), ZDP_NEIGH_HELD);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &b, &pk[5], 1, &out), ZDP_NEIGH_HELD);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &b, &pk[6], 1, &out), -ENOBUFS);
	ZDP_CASE("a new neighbour with the pool full: solicited, packet refused");
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &c, &pk[7], 1, &out), -ENOBUFS);
	ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_MCAST);
	ZDP_CHECK_EQ(out.state, ZDP_NEIGH_INCOMPLETE);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->queue_drops, 2);
	ZDP_CASE("a resolves: its 4 go out in order and c can hold again");
	ZDP_CHECK_EQ(zdp_neigh_learn(t, rt, 0, &a, MAC_A,
				     ZDP_NEIGH_F_CONFIRM | ZDP_NEIGH_F_OVERRIDE, 2), 1);
	ZDP_CHECK_EQ(n_rel, 4);
	for (i = 0; i < 4 && i < (int)n_rel; i++)
		ZDP_CHECK(rel[i].pkt == &pk[i]);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &c, &pk[8], 3, &out), ZDP_NEIGH_HELD);
	ZDP_CASE("destroy hands back what is still held (b's 2, c's 1) without a MAC");
	zdp_neigh_destroy(t);
	ZDP_CHECK_EQ(n_rel, 4 + 3);
	for (i = 4; i < (int)n_rel; i++)
		ZDP_CHECK(!rel[i].has_mac);
}

static void
test_retrans_then_failed(void)
{
	struct zdp_neigh_table *t = mk(0);
	struct zdp_addr nh = A("2001:2::5");
	struct zdp_neigh_solicitation sol[4];
	struct zdp_neigh_out out;
	int pkt;

	ZDP_REQUIRE(t != NULL);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, &pkt, 0, &out), ZDP_NEIGH_HELD);
	ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_MCAST);
	ZDP_CASE("not yet due");
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 999, sol, 4), 0);
	ZDP_CASE("retransmission 2 at 1 s");
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 1000, sol, 4), 1);
	ZDP_CHECK_EQ(sol[0].solicit, ZDP_NEIGH_SOLICIT_MCAST);
	ZDP_CHECK(zdp_addr_eq(&sol[0].ip, &nh));
	ZDP_CHECK_EQ(sol[0].port, 0);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 1500, sol, 4), 0);
	ZDP_CASE("retransmission 3 at 2 s");
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 2000, sol, 4), 1);
	ZDP_CASE("FAILED at 3 s, held packet released without MAC");
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 3000, sol, 4), 0);
	ZDP_CHECK_EQ(state_of(t, 0, "2001:2::5", 3000), ZDP_NEIGH_FAILED);
	ZDP_CHECK_EQ(n_rel, 1);
	ZDP_CHECK(n_rel == 1 && rel[0].pkt == &pkt && !rel[0].has_mac);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->failed, 1);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->solicits, 3);
	ZDP_CASE("FAILED drops without soliciting");
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, &pkt, 5000, &out), -EHOSTUNREACH);
	ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_NONE);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->failed_drops, 1);
	ZDP_CASE("FAILED forgotten after the hold time");
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 12999, sol, 4), 0);
	ZDP_CHECK_EQ(state_of(t, 0, "2001:2::5", 12999), ZDP_NEIGH_FAILED);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 13000, sol, 4), 0);
	ZDP_CHECK_EQ(state_of(t, 0, "2001:2::5", 13000), ZDP_NEIGH_NONE);
	ZDP_CHECK_EQ(zdp_neigh_count(t), 0);
	ZDP_CASE("then a new resolution");
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, NULL, 13001, &out), ZDP_NEIGH_HELD);
	ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_MCAST);
	ZDP_CASE("a late reply revives a FAILED entry");
	{
		struct zdp_addr nh2 = A("198.18.0.9");

		zdp_neigh_resolve(t, 0, &nh2, NULL, 20000, &out);
		zdp_neigh_timer(t, 21000, sol, 4);
		zdp_neigh_timer(t, 22000, sol, 4);
		zdp_neigh_timer(t, 23000, sol, 4);
		ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.9", 23000), ZDP_NEIGH_FAILED);
		ZDP_CHECK_EQ(zdp_neigh_learn(t, rt, 0, &nh2, MAC_B,
					     ZDP_NEIGH_F_CONFIRM | ZDP_NEIGH_F_OVERRIDE,
					     23500), 1);
		ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.9", 23500), ZDP_NEIGH_REACHABLE);
		ZDP_CHECK_EQ(zdp_neigh_timer(t, 53500, sol, 4), 0);
		ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.9", 53500), ZDP_NEIGH_STALE);
	}
	zdp_neigh_destroy(t);
}

static void
test_stale_probe(void)
{
	struct zdp_neigh_table *t = mk(0);
	struct zdp_addr nh = A("198.18.0.7");
	struct zdp_neigh_solicitation sol[4];
	struct zdp_neigh_out out;

	ZDP_REQUIRE(t != NULL);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, NULL, 0, &out), ZDP_NEIGH_HELD);
	ZDP_CHECK_EQ(zdp_neigh_learn(t, rt, 0, &nh, MAC_A,
				     ZDP_NEIGH_F_CONFIRM | ZDP_NEIGH_F_OVERRIDE, 0), 1);
	ZDP_CASE("reachable for 30 s");
	ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.7", 29999), ZDP_NEIGH_REACHABLE);
	ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.7", 30000), ZDP_NEIGH_STALE);
	ZDP_CASE("first use of STALE: send + unicast probe");
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, NULL, 30000, &out), ZDP_NEIGH_SEND);
	ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_UCAST);
	ZDP_CHECK_EQ(out.state, ZDP_NEIGH_PROBE);
	ZDP_CHECK(memcmp(out.mac, MAC_A, 6) == 0);
	ZDP_CASE("PROBE keeps sending, no second solicitation");
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, NULL, 30500, &out), ZDP_NEIGH_SEND);
	ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_NONE);
	ZDP_CASE("unicast retransmissions");
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 31000, sol, 4), 1);
	ZDP_CHECK_EQ(sol[0].solicit, ZDP_NEIGH_SOLICIT_UCAST);
	ZDP_CHECK(memcmp(sol[0].mac, MAC_A, 6) == 0);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 32000, sol, 4), 1);
	ZDP_CASE("unanswered probes delete the entry");
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 33000, sol, 4), 0);
	ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.7", 33000), ZDP_NEIGH_NONE);

	ZDP_CASE("a reply during PROBE confirms");
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, NULL, 40000, &out), ZDP_NEIGH_HELD);
	zdp_neigh_learn(t, rt, 0, &nh, MAC_A, ZDP_NEIGH_F_CONFIRM, 40000);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, NULL, 70000, &out), ZDP_NEIGH_SEND);
	ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_UCAST);
	ZDP_CHECK_EQ(zdp_neigh_learn(t, rt, 0, &nh, MAC_A, ZDP_NEIGH_F_CONFIRM,
				     70100), 1);
	ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.7", 70100), ZDP_NEIGH_REACHABLE);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 71000, sol, 4), 0);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 74000, sol, 4), 0);
	ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.7", 74000), ZDP_NEIGH_REACHABLE);
	zdp_neigh_destroy(t);
}

/* Upper-layer confirmation (RFC 4861 §7.3.1): forward progress keeps a
 * neighbour that stopped answering probes (an overloaded peer dropping its
 * ARP) from being failed; it never creates or completes an entry. */
static void
test_upper_layer_confirm(void)
{
	struct zdp_neigh_table *t = mk(0);
	struct zdp_addr nh = A("198.18.0.8"), other = A("198.18.0.9");
	struct zdp_neigh_solicitation sol[4];
	struct zdp_neigh_out out;

	ZDP_REQUIRE(t != NULL);
	ZDP_CASE("no entry, or one without a MAC: nothing to confirm");
	ZDP_CHECK_EQ(zdp_neigh_confirm(t, 0, &other, 0), -ENOENT);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, NULL, 0, &out), ZDP_NEIGH_HELD);
	ZDP_CHECK_EQ(zdp_neigh_confirm(t, 0, &nh, 10), -EAGAIN);
	ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.8", 10), ZDP_NEIGH_INCOMPLETE);
	ZDP_CHECK_EQ(zdp_neigh_learn(t, rt, 0, &nh, MAC_A,
				     ZDP_NEIGH_F_CONFIRM | ZDP_NEIGH_F_OVERRIDE, 20), 1);
	ZDP_CASE("STALE -> REACHABLE for another 30 s");
	ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.8", 30020), ZDP_NEIGH_STALE);
	ZDP_CHECK_EQ(zdp_neigh_confirm(t, 0, &nh, 30020), 0);
	ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.8", 60019), ZDP_NEIGH_REACHABLE);
	ZDP_CASE("PROBE with unanswered probes: confirmation stops them, no failure");
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, NULL, 60020, &out), ZDP_NEIGH_SEND);
	ZDP_CHECK_EQ(out.state, ZDP_NEIGH_PROBE);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 61020, sol, 4), 1);	/* 2nd probe, unanswered */
	ZDP_CHECK_EQ(zdp_neigh_confirm(t, 0, &nh, 61500), 0);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 62020, sol, 4), 0);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 65000, sol, 4), 0);
	ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.8", 65000), ZDP_NEIGH_REACHABLE);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, NULL, 65000, &out), ZDP_NEIGH_SEND);
	ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_NONE);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->confirmed, 2);
	ZDP_CASE("without it the same probes fail the entry");
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &nh, NULL, 95000, &out), ZDP_NEIGH_SEND);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 96000, sol, 4), 1);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 97000, sol, 4), 1);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 98000, sol, 4), 0);
	ZDP_CHECK_EQ(state_of(t, 0, "198.18.0.8", 98000), ZDP_NEIGH_NONE);
	zdp_neigh_destroy(t);
}

/* One row: the entry's state before (NONE/INCOMPLETE/REACHABLE/STALE, MAC_A
 * cached), the message, and what must follow. */
static void
test_learn_rules(void)
{
	enum { NOMAC, A_, B_, MC };
	static const struct {
		const char *name;
		int before;
		uint16_t port;
		const char *ip;
		int mac;
		unsigned flags;
		int rc, after, after_mac;	/* after_mac: A_/B_ */
	} cases[] = {
		{ "NA for unknown neighbour ignored", ZDP_NEIGH_NONE, 0,
		  "198.18.0.20", A_, ZDP_NEIGH_F_CONFIRM | ZDP_NEIGH_F_OVERRIDE,
		  0, ZDP_NEIGH_NONE, 0 },
		{ "ARP request to us creates STALE", ZDP_NEIGH_NONE, 0,
		  "198.18.0.20", A_, ZDP_NEIGH_F_CREATE | ZDP_NEIGH_F_OVERRIDE,
		  1, ZDP_NEIGH_STALE, A_ },
		{ "NS with SLLA creates STALE (v6)", ZDP_NEIGH_NONE, 0,
		  "2001:2::20", A_, ZDP_NEIGH_F_CREATE | ZDP_NEIGH_F_OVERRIDE,
		  1, ZDP_NEIGH_STALE, A_ },
		{ "create needs a MAC", ZDP_NEIGH_NONE, 0,
		  "198.18.0.20", NOMAC, ZDP_NEIGH_F_CREATE, 0, ZDP_NEIGH_NONE, 0 },
		{ "off-link address refused", ZDP_NEIGH_NONE, 0,
		  "203.0.113.1", A_, ZDP_NEIGH_F_CREATE | ZDP_NEIGH_F_OVERRIDE,
		  -EPERM, ZDP_NEIGH_NONE, 0 },
		{ "subnet of the other port refused", ZDP_NEIGH_NONE, 1,
		  "198.18.0.20", A_, ZDP_NEIGH_F_CREATE | ZDP_NEIGH_F_OVERRIDE,
		  -EPERM, ZDP_NEIGH_NONE, 0 },
		{ "our own address refused", ZDP_NEIGH_NONE, 0,
		  "198.18.0.1", A_, ZDP_NEIGH_F_CREATE | ZDP_NEIGH_F_OVERRIDE,
		  -EPERM, ZDP_NEIGH_NONE, 0 },
		{ "poisoning an existing entry off-link port refused",
		  ZDP_NEIGH_REACHABLE, 1, "198.18.0.20", B_,
		  ZDP_NEIGH_F_OVERRIDE, -EPERM, ZDP_NEIGH_NONE, 0 },
		{ "multicast MAC refused", ZDP_NEIGH_NONE, 0,
		  "198.18.0.20", MC, ZDP_NEIGH_F_CREATE, -EINVAL, ZDP_NEIGH_NONE, 0 },
		{ "NA without TLLA cannot complete", ZDP_NEIGH_INCOMPLETE, 0,
		  "2001:2::20", NOMAC, ZDP_NEIGH_F_CONFIRM, 0,
		  ZDP_NEIGH_INCOMPLETE, 0 },
		{ "unsolicited NA completes as STALE", ZDP_NEIGH_INCOMPLETE, 0,
		  "2001:2::20", B_, ZDP_NEIGH_F_OVERRIDE, 1, ZDP_NEIGH_STALE, B_ },
		{ "NS with SLLA completes as STALE", ZDP_NEIGH_INCOMPLETE, 0,
		  "2001:2::20", B_, ZDP_NEIGH_F_CREATE | ZDP_NEIGH_F_OVERRIDE, 1,
		  ZDP_NEIGH_STALE, B_ },
		{ "NA S=1 O=0 other MAC: REACHABLE -> STALE, MAC kept",
		  ZDP_NEIGH_REACHABLE, 0, "2001:2::20", B_, ZDP_NEIGH_F_CONFIRM,
		  1, ZDP_NEIGH_STALE, A_ },
		{ "NA S=1 O=0 other MAC on STALE: ignored",
		  ZDP_NEIGH_STALE, 0, "2001:2::20", B_, ZDP_NEIGH_F_CONFIRM,
		  0, ZDP_NEIGH_STALE, A_ },
		{ "NA S=1 O=0 same MAC confirms", ZDP_NEIGH_STALE, 0,
		  "2001:2::20", A_, ZDP_NEIGH_F_CONFIRM, 1, ZDP_NEIGH_REACHABLE, A_ },
		{ "NA S=0 O=1 other MAC: update, STALE", ZDP_NEIGH_REACHABLE, 0,
		  "2001:2::20", B_, ZDP_NEIGH_F_OVERRIDE, 1, ZDP_NEIGH_STALE, B_ },
		{ "NA S=1 without TLLA confirms", ZDP_NEIGH_STALE, 0,
		  "2001:2::20", NOMAC, ZDP_NEIGH_F_CONFIRM, 1,
		  ZDP_NEIGH_REACHABLE, A_ },
		{ "NA S=0 O=0 same MAC: nothing", ZDP_NEIGH_STALE, 0,
		  "2001:2::20", A_, 0, 0, ZDP_NEIGH_STALE, A_ },
		{ "gratuitous ARP moves the MAC", ZDP_NEIGH_REACHABLE, 0,
		  "198.18.0.20", B_, ZDP_NEIGH_F_OVERRIDE, 1, ZDP_NEIGH_STALE, B_ },
		{ "ARP reply confirms with a new MAC", ZDP_NEIGH_STALE, 0,
		  "198.18.0.20", B_, ZDP_NEIGH_F_CONFIRM | ZDP_NEIGH_F_OVERRIDE, 1,
		  ZDP_NEIGH_REACHABLE, B_ },
		{ "link-local v6 neighbour on port 1", ZDP_NEIGH_NONE, 1,
		  "fe80::20", A_, ZDP_NEIGH_F_CREATE | ZDP_NEIGH_F_OVERRIDE, 1,
		  ZDP_NEIGH_STALE, A_ },
	};
	size_t i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		struct zdp_neigh_table *t = mk(16);
		struct zdp_addr ip = A(cases[i].ip);
		struct zdp_neigh_info info;
		struct zdp_neigh_out out;
		const uint8_t *mac;
		int rc, pkt;

		ZDP_CASE(cases[i].name);
		ZDP_REQUIRE(t != NULL);
		/* set the "before" state on port 0 */
		if (cases[i].before != ZDP_NEIGH_NONE)
			zdp_neigh_resolve(t, 0, &ip, &pkt, 0, &out);
		if (cases[i].before == ZDP_NEIGH_REACHABLE ||
		    cases[i].before == ZDP_NEIGH_STALE)
			zdp_neigh_learn(t, rt, 0, &ip, MAC_A,
					ZDP_NEIGH_F_CONFIRM | ZDP_NEIGH_F_OVERRIDE, 0);
		{
			uint64_t now = cases[i].before == ZDP_NEIGH_STALE ? 31000 : 100;

			ZDP_CHECK_EQ(state_of(t, 0, cases[i].ip, now), cases[i].before);
			mac = cases[i].mac == A_ ? MAC_A : cases[i].mac == B_ ? MAC_B :
			      cases[i].mac == MC ? MAC_MC : NULL;
			rc = zdp_neigh_learn(t, rt, cases[i].port, &ip, mac,
					     cases[i].flags, now);
			ZDP_CHECK_EQ(rc, cases[i].rc);
			if (cases[i].after == ZDP_NEIGH_NONE) {
				ZDP_CHECK_EQ(zdp_neigh_lookup(t, cases[i].port, &ip,
							      now, &info), -ENOENT);
			} else {
				ZDP_CHECK_EQ(zdp_neigh_lookup(t, cases[i].port, &ip,
							      now, &info), 0);
				ZDP_CHECK_EQ(info.state, cases[i].after);
				if (cases[i].after_mac)
					ZDP_CHECK(memcmp(info.mac, cases[i].after_mac == A_ ?
							 MAC_A : MAC_B, 6) == 0);
			}
			if (cases[i].rc == -EPERM)
				ZDP_CHECK_EQ(zdp_neigh_stats(t)->refused, 1);
		}
		zdp_neigh_destroy(t);
	}
}

static void
test_port_is_part_of_key(void)
{
	struct zdp_neigh_table *t = mk(0);
	struct zdp_addr ll = A("fe80::1");
	struct zdp_neigh_out out;

	ZDP_REQUIRE(t != NULL);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &ll, NULL, 0, &out), ZDP_NEIGH_HELD);
	ZDP_CHECK_EQ(zdp_neigh_resolve(t, 1, &ll, NULL, 0, &out), ZDP_NEIGH_HELD);
	ZDP_CHECK_EQ(out.solicit, ZDP_NEIGH_SOLICIT_MCAST);
	ZDP_CHECK_EQ(zdp_neigh_count(t), 2);
	ZDP_CHECK_EQ(zdp_neigh_learn(t, rt, 1, &ll, MAC_B,
				     ZDP_NEIGH_F_CONFIRM | ZDP_NEIGH_F_OVERRIDE, 5), 1);
	ZDP_CHECK_EQ(state_of(t, 1, "fe80::1", 5), ZDP_NEIGH_REACHABLE);
	ZDP_CHECK_EQ(state_of(t, 0, "fe80::1", 5), ZDP_NEIGH_INCOMPLETE);
	zdp_neigh_destroy(t);
}

static void
test_table_full_and_eviction(void)
{
	struct zdp_neigh_table *t = mk(8);
	struct zdp_neigh_solicitation sol[16];
	struct zdp_neigh_out out;
	char buf[32];
	int i;

	ZDP_REQUIRE(t != NULL);
	for (i = 0; i < 8; i++) {
		struct zdp_addr a;

		snprintf(buf, sizeof(buf), "198.18.1.%d", i + 1);
		a = A(buf);
		ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &a, NULL, 0, &out), ZDP_NEIGH_HELD);
	}
	ZDP_CASE("full of INCOMPLETE: refused");
	{
		struct zdp_addr a = A("198.18.2.1");

		ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &a, NULL, 0, &out), -ENOSPC);
		ZDP_CHECK_EQ(zdp_neigh_stats(t)->table_full, 1);
		ZDP_CHECK_EQ(zdp_neigh_learn(t, rt, 0, &a, MAC_A,
					     ZDP_NEIGH_F_CREATE, 0), -ENOSPC);
	}
	ZDP_CASE("timer output bounded by max");
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 1000, sol, 3), 3);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 1000, sol, 3), 3);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 1000, sol, 3), 2);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 1000, sol, 3), 0);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 2000, sol, 16), 8);
	ZDP_CHECK_EQ(zdp_neigh_timer(t, 3000, sol, 16), 0);
	ZDP_CHECK_EQ(zdp_neigh_stats(t)->failed, 8);
	ZDP_CASE("FAILED entries make room for a new neighbour");
	{
		struct zdp_addr a = A("198.18.2.1");

		ZDP_CHECK_EQ(zdp_neigh_resolve(t, 0, &a, NULL, 3001, &out),
			     ZDP_NEIGH_HELD);
		ZDP_CHECK_EQ(zdp_neigh_count(t), 8);
	}
	zdp_neigh_destroy(t);
}

/* Many inserts and deletions in a small index: every survivor must stay
 * reachable (backward-shift deletion keeps probe runs intact). */
static void
test_index_integrity(void)
{
	struct zdp_neigh_table *t = mk(1024);
	struct zdp_neigh_info info;
	char buf[48];
	int i, round, bad = 0;

	ZDP_REQUIRE(t != NULL);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 1000; i++) {
			struct zdp_addr a;

			snprintf(buf, sizeof(buf), "2001:2::1%x:%x:5", round, i);
			a = A(buf);
			if (zdp_neigh_learn(t, rt, 0, &a, MAC_A,
					    ZDP_NEIGH_F_CREATE, 0) != 1)
				bad++;
		}
		for (i = 0; i < 1000; i += (i % 3) + 1) {
			struct zdp_addr a;

			snprintf(buf, sizeof(buf), "2001:2::1%x:%x:5", round, i);
			a = A(buf);
			if (zdp_neigh_delete(t, 0, &a) != 0)
				bad++;
		}
		for (i = 0; i < 1000; i++) {
			struct zdp_addr a;
			bool deleted = false;
			int j;

			for (j = 0; j <= i; j += (j % 3) + 1)
				if (j == i)
					deleted = true;
			snprintf(buf, sizeof(buf), "2001:2::1%x:%x:5", round, i);
			a = A(buf);
			if ((zdp_neigh_lookup(t, 0, &a, 0, &info) == 0) == deleted)
				bad++;
		}
		/* empty it for the next round */
		zdp_neigh_flush(t, 0);
		if (zdp_neigh_count(t) != 0)
			bad++;
	}
	ZDP_CHECK_EQ(bad, 0);
	zdp_neigh_destroy(t);
}

static void
test_flush_and_gc(void)
{
	struct zdp_neigh_table *t = mk(64);
	struct zdp_neigh_solicitation sol[4];
	struct zdp_addr a = A("198.18.0.30"), b = A("198.19.0.30");
	struct zdp_neigh_out out;
	int p1, p2, i;

	ZDP_REQUIRE(t != NULL);
	ZDP_CASE("flush of one port releases its packets without MAC");
	zdp_neigh_resolve(t, 0, &a, &p1, 0, &out);
	zdp_neigh_resolve(t, 1, &b, &p2, 0, &out);
	zdp_neigh_flush(t, 1);
	ZDP_CHECK_EQ(n_rel, 1);
	ZDP_CHECK(rel[0].pkt == &p2 && !rel[0].has_mac && rel[0].port == 1);
	ZDP_CHECK_EQ(zdp_neigh_count(t), 1);
	ZDP_CASE("idle STALE entries are collected");
	zdp_neigh_learn(t, rt, 1, &b, MAC_A, ZDP_NEIGH_F_CREATE, 100);
	ZDP_CHECK_EQ(state_of(t, 1, "198.19.0.30", 100), ZDP_NEIGH_STALE);
	zdp_neigh_timer(t, 50000, sol, 4);
	ZDP_CHECK_EQ(state_of(t, 1, "198.19.0.30", 50000), ZDP_NEIGH_STALE);
	/* the sweep covers 64 entries per call: one call passes them all */
	zdp_neigh_timer(t, 60100, sol, 4);
	ZDP_CHECK_EQ(state_of(t, 1, "198.19.0.30", 60100), ZDP_NEIGH_NONE);
	ZDP_CASE("destroy releases the rest");
	for (i = 0; i < 2; i++)
		zdp_neigh_resolve(t, 0, &a, &p1, 60200, &out);
	zdp_neigh_destroy(t);
	zdp_neigh_destroy(NULL);
	ZDP_CHECK_EQ(n_rel, 4);	/* p2 at flush; p1 and two more at destroy */
}

static void
test_create_params(void)
{
	struct zdp_neigh_params p = { .hz = 0 };

	ZDP_CHECK(zdp_neigh_create(&p) == NULL);
	ZDP_CHECK_EQ(errno, EINVAL);
	ZDP_CHECK_STR(zdp_neigh_state_name(ZDP_NEIGH_PROBE), "probe");
	ZDP_CHECK_STR(zdp_neigh_state_name(ZDP_NEIGH_NONE), "none");
	ZDP_CHECK_STR(zdp_neigh_state_name(99), "unknown");
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_miss_queue_resolve),
	ZDP_TEST_ENTRY(test_hold_limits),
	ZDP_TEST_ENTRY(test_upper_layer_confirm),
	ZDP_TEST_ENTRY(test_retrans_then_failed),
	ZDP_TEST_ENTRY(test_stale_probe),
	ZDP_TEST_ENTRY(test_learn_rules),
	ZDP_TEST_ENTRY(test_port_is_part_of_key),
	ZDP_TEST_ENTRY(test_table_full_and_eviction),
	ZDP_TEST_ENTRY(test_index_integrity),
	ZDP_TEST_ENTRY(test_flush_and_gc),
	ZDP_TEST_ENTRY(test_create_params),
	{ 0 },
};

static struct zdp_route_table *
build_routes(void)
{
	static const struct {
		const char *pfx;
		uint16_t port;
	} addrs[] = {
		{ "198.18.0.1/16", 0 },
		{ "2001:2::1/64", 0 },
		{ "198.19.0.1/24", 1 },
		{ "2001:2:0:1::1/64", 1 },
		{ "fe80::1:1/64", 1 },
	};
	struct zdp_route_table *t = zdp_route_table_create(SOCKET_ID_ANY, 16);
	size_t i;

	if (t == NULL)
		return NULL;
	for (i = 0; i < RTE_DIM(addrs); i++) {
		struct zdp_prefix p;

		if (zdp_prefix_parse(addrs[i].pfx, &p) != 0 ||
		    zdp_route_add_connected(t, addrs[i].port, &p) != 0)
			goto fail;
	}
	if (zdp_route_table_seal(t) != 0)
		goto fail;
	return t;
fail:
	zdp_route_table_destroy(t);
	return NULL;
}

int
main(void)
{
	char *argv[] = { "test", "--no-huge", "-m", "128", "--no-pci",
			 "--file-prefix", "zdp_test_neigh", "--log-level",
			 "lib.eal:error", NULL };
	int rc;

	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		printf("1..0 # SKIP rte_eal_init failed\n");
		return 1;
	}
	rt = build_routes();
	if (rt == NULL) {
		printf("Bail out! route table\n");
		return 1;
	}
	rc = zdp_test_main(tests);
	zdp_route_table_destroy(rt);
	zdp_eal_cleanup();
	return rc;
}
