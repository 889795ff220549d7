/* SPDX-License-Identifier: BSD-3-Clause
 * test_flow.c — flow table with injected time: both directions, signature
 * collisions, full table, remove, TCP state/timeout table, budgeted expiry
 * (callback exactly once per flow), UDP idle, churn at full load,
 * allocator failures, and a 1M-flow smoke run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "flow.h"
#include "zdp_test.h"

static const struct zdp_flow_timeouts TO = {
	.syn = 10, .established = 1000, .closing = 50, .time_wait = 20, .udp = 30,
};

static struct zdp_flow_table *
mk(uint32_t cap)
{
	struct zdp_flow_params p = { .capacity = cap, .timeouts = TO, .seed = 0x1234 };

	return zdp_flow_table_create(&p);
}

/* Flow number @i: client 198.18.x.y:port -> VIP, backend -> SNAT. */
static void
mk_flow(struct zdp_flow_conn *f, uint32_t i, uint8_t proto, int v6)
{
	struct zdp_addr c, vip, be, sn;
	uint8_t a[16] = { 0x20, 0x01, 0x00, 0x02 };

	memset(f, 0, sizeof(*f));
	if (v6) {
		memcpy(a + 8, &i, 4);
		zdp_addr_set_v6(&c, a);
		a[15] ^= 0x55;
		zdp_addr_parse("2001:2:0:1::10", &vip);
		zdp_addr_parse("2001:2:0:2::20", &be);
		zdp_addr_parse("2001:2:0:3::1", &sn);
	} else {
		zdp_addr_set_v4(&c, htonl(0xc6120000u | (i >> 12)));
		zdp_addr_parse("198.19.0.10", &vip);
		zdp_addr_parse("198.19.1.20", &be);
		zdp_addr_parse("198.19.2.1", &sn);
	}
	uint16_t cport = htons((uint16_t)(1024 + (i & 0xfff)));
	uint16_t snport = htons((uint16_t)(i & 0xffff));

	zdp_flow_key_make(&f->fwd, proto, &c, cport, &vip, htons(80));
	zdp_flow_key_make(&f->rev, proto, &be, htons(8080), &sn, snport);
	/* make rev unique for large i as well (IPv4 keys are zero beyond
	 * the address's 4 bytes) */
	if (v6) {
		memcpy(f->rev.a_dst + 8, &i, 4);
	} else {
		f->rev.a_dst[2] ^= (uint8_t)(i >> 24);
		f->rev.a_dst[3] ^= (uint8_t)(i >> 16);
	}
	f->snat_addr = sn;
	f->backend_addr = be;
	f->snat_port = snport;
	f->backend_port = htons(8080);
	f->user32 = i;
}

static void
test_insert_lookup_both_dirs(void)
{
	struct zdp_flow_table *t = mk(1000);
	struct zdp_flow_conn tmpl;
	struct zdp_flow *f, *g;
	struct zdp_flow_stats st;
	uint8_t dir = 9;

	ZDP_REQUIRE(t);
	for (int v6 = 0; v6 < 2; v6++) {
		ZDP_CASE(v6 ? "v6" : "v4");
		mk_flow(&tmpl, 7 + v6, ZDP_IPPROTO_TCP, v6);
		ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 100, &f), 0);
		ZDP_REQUIRE(f);
		ZDP_CHECK_EQ(f->nh_port[0], ZDP_FLOW_NH_NONE);
		ZDP_CHECK_EQ(f->nh_port[1], ZDP_FLOW_NH_NONE);
		ZDP_CHECK_EQ(f->expires, 100 + TO.syn);
		ZDP_CHECK_EQ(f->backend_id, 7u + v6);
		g = zdp_flow_lookup(t, &tmpl.fwd, &dir);
		ZDP_CHECK(g == f);
		ZDP_CHECK_EQ(dir, ZDP_FLOW_DIR_FWD);
		g = zdp_flow_lookup(t, &tmpl.rev, &dir);
		ZDP_CHECK(g == f);
		ZDP_CHECK_EQ(dir, ZDP_FLOW_DIR_REV);
		/* either key already there -> -EEXIST with the existing flow */
		struct zdp_flow_conn dup = tmpl;
		dup.fwd.sport ^= 1;
		ZDP_CHECK_EQ(zdp_flow_insert(t, &dup, dup.user32, 100, &g), -EEXIST);
		ZDP_CHECK(g == f);
		ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 100, NULL), -EEXIST);
		/* swapped / one-bit-different key misses */
		struct zdp_flow_key k = tmpl.fwd;
		k.proto = ZDP_IPPROTO_UDP;
		ZDP_CHECK(zdp_flow_lookup(t, &k, NULL) == NULL);
		k = tmpl.fwd;
		k.a_src[v6 ? 15 : 3] ^= 0x80;
		ZDP_CHECK(zdp_flow_lookup(t, &k, NULL) == NULL);
		k = tmpl.fwd;
		k.family = v6 ? ZDP_AF_INET : ZDP_AF_INET6;
		ZDP_CHECK(zdp_flow_lookup(t, &k, NULL) == NULL);
		/* the hot record's compact keys follow the full ones */
		struct zdp_flow_key4 c;
		zdp_flow_key4_of(&c, &tmpl.fwd);
		ZDP_CHECK(memcmp(&f->fwd4, &c, sizeof(c)) == 0);
		zdp_flow_key4_of(&c, &tmpl.rev);
		ZDP_CHECK(memcmp(&f->rev4, &c, sizeof(c)) == 0);
		ZDP_CHECK_EQ(f->fwd4.proto, ZDP_IPPROTO_TCP);
	}
	ZDP_CASE("v4 key with bytes beyond the address");
	mk_flow(&tmpl, 49, ZDP_IPPROTO_UDP, 0);
	tmpl.rev.a_src[8] = 1;
	ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL), -EINVAL);
	mk_flow(&tmpl, 49, ZDP_IPPROTO_UDP, 0);
	tmpl.fwd.pad[1] = 1;
	ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL), -EINVAL);
	ZDP_CASE("same key twice");
	mk_flow(&tmpl, 50, ZDP_IPPROTO_UDP, 0);
	tmpl.rev = tmpl.fwd;
	ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL), -EINVAL);
	ZDP_CASE("udp timeout at insert");
	mk_flow(&tmpl, 51, ZDP_IPPROTO_UDP, 0);
	ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 5, &f), 0);
	ZDP_CHECK_EQ(f->expires, 5 + TO.udp);
	ZDP_CASE("remove");
	zdp_flow_remove(t, f);
	ZDP_CHECK(zdp_flow_lookup(t, &tmpl.fwd, NULL) == NULL);
	ZDP_CHECK(zdp_flow_lookup(t, &tmpl.rev, NULL) == NULL);
	zdp_flow_remove(t, f);	/* twice: no-op */
	zdp_flow_get_stats(t, &st);
	ZDP_CHECK_EQ(st.active, 2);
	ZDP_CHECK_EQ(st.created, 3);
	ZDP_CHECK_EQ(st.removed, 1);
	ZDP_CHECK_EQ(st.insert_exists, 4);
	ZDP_CHECK_EQ(st.insert_failed, 0);
	ZDP_CASE(NULL);
	zdp_flow_table_destroy(t);
	zdp_flow_table_destroy(NULL);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Random key @i (CRC is linear, so structured keys that differ in one
 * narrow field never collide; random ones do, at birthday rates). */
static void
rnd_key(struct zdp_flow_key *k, uint32_t i, int v6)
{
	uint64_t x = 0x9e3779b97f4a7c15ull * (i + 1);

	memset(k, 0, sizeof(*k));
	for (int j = 0; j < (v6 ? 16 : 4); j++) {
		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ull;
		x ^= x >> 32;
		k->a_src[j] = (uint8_t)x;
		k->a_dst[j] = (uint8_t)(x >> 8);
	}
	k->sport = (uint16_t)(x >> 16);
	k->dport = (uint16_t)(x >> 32);
	k->proto = ZDP_IPPROTO_TCP;
	k->family = v6 ? ZDP_AF_INET6 : ZDP_AF_INET;
}

/* Two different keys with the same signature and the same low 16 bits of
 * the bucket hash (birthday search over 32 bits) share both their buckets
 * in a table of <= 65536 buckets: both must resolve by key compare (the
 * compact one for IPv4, the full one for IPv6). */
static uint32_t
slot_id(uint64_t h)
{
	return (uint32_t)(h >> 48) << 16 | (uint32_t)(h & 0xffff);
}

static void
test_signature_collision_family(int v6)
{
	struct zdp_flow_table *t = mk(64);
	enum { N = 400000 };
	uint64_t *hv = malloc(N * sizeof(*hv));
	struct zdp_flow_conn a, b;
	struct zdp_flow *fa, *fb;
	int found = 0;

	ZDP_REQUIRE(t && hv);
	for (uint32_t i = 0; i < N; i++) {
		rnd_key(&a.fwd, i, v6);
		hv[i] = (uint64_t)slot_id(zdp_flow_key_hash(t, &a.fwd)) << 32 | i;
	}
	qsort(hv, N, sizeof(*hv), cmp_u64);
	for (uint32_t i = 1; i < N && !found; i++) {
		if ((hv[i] >> 32) != (hv[i - 1] >> 32))
			continue;
		found = 1;
		mk_flow(&a, 1, ZDP_IPPROTO_TCP, v6);
		mk_flow(&b, 2, ZDP_IPPROTO_TCP, v6);
		rnd_key(&a.fwd, (uint32_t)hv[i - 1], v6);
		rnd_key(&b.fwd, (uint32_t)hv[i], v6);
		ZDP_CHECK(!zdp_flow_key_eq(&a.fwd, &b.fwd));
		ZDP_CHECK_EQ(slot_id(zdp_flow_key_hash(t, &a.fwd)),
			     slot_id(zdp_flow_key_hash(t, &b.fwd)));
		ZDP_CHECK_EQ(zdp_flow_insert(t, &a, a.user32, 0, &fa), 0);
		ZDP_CHECK(zdp_flow_lookup(t, &b.fwd, NULL) == NULL);
		ZDP_CHECK_EQ(zdp_flow_insert(t, &b, b.user32, 0, &fb), 0);
		ZDP_CHECK(zdp_flow_lookup(t, &a.fwd, NULL) == fa);
		ZDP_CHECK(zdp_flow_lookup(t, &b.fwd, NULL) == fb);
		zdp_flow_remove(t, fa);
		ZDP_CHECK(zdp_flow_lookup(t, &a.fwd, NULL) == NULL);
		ZDP_CHECK(zdp_flow_lookup(t, &b.fwd, NULL) == fb);
	}
	ZDP_CHECK(found);
	free(hv);
	zdp_flow_table_destroy(t);
}

static void
test_signature_collision(void)
{
	ZDP_CASE("v4");
	test_signature_collision_family(0);
	ZDP_CASE("v6");
	test_signature_collision_family(1);
	ZDP_CASE(NULL);
}

/* Fill to capacity, then -ENOSPC (never a crash); everything still found;
 * one removal makes room for exactly one more. Small tables stress the
 * two-choice + cuckoo-step placement. */
static void
test_full_table(void)
{
	static const uint32_t caps[] = { 1, 2, 7, 64, 1000, 4096 };

	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint32_t cap = caps[c], i;
		struct zdp_flow_table *t = mk(cap);
		struct zdp_flow_conn tmpl;
		struct zdp_flow *f = NULL;
		struct zdp_flow_stats st;
		char name[32];

		snprintf(name, sizeof(name), "capacity %u", cap);
		ZDP_CASE(name);
		ZDP_REQUIRE(t);
		for (i = 0; i < cap; i++) {
			mk_flow(&tmpl, i, ZDP_IPPROTO_UDP, (int)(i & 1));
			if (zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL) != 0) {
				ZDP_FAIL_("insert %u of %u failed", i, cap);
				break;
			}
		}
		mk_flow(&tmpl, cap, ZDP_IPPROTO_UDP, 0);
		ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 0, &f), -ENOSPC);
		ZDP_CHECK(f == NULL);
		ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL), -ENOSPC);
		for (i = 0; i < cap; i++) {
			struct zdp_flow_conn k;
			uint8_t d;

			mk_flow(&k, i, ZDP_IPPROTO_UDP, (int)(i & 1));
			f = zdp_flow_lookup(t, &k.fwd, &d);
			ZDP_CHECK(f && d == 0 && zdp_flow_conn_of(t, f)->user32 == i);
			ZDP_CHECK(zdp_flow_lookup(t, &k.rev, &d) == f && d == 1);
		}
		zdp_flow_get_stats(t, &st);
		ZDP_CHECK_EQ(st.active, cap);
		ZDP_CHECK_EQ(st.insert_failed, 2);
		mk_flow(&tmpl, 0, ZDP_IPPROTO_UDP, 0);
		zdp_flow_remove(t, zdp_flow_lookup(t, &tmpl.fwd, NULL));
		mk_flow(&tmpl, cap, ZDP_IPPROTO_UDP, 0);
		ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL), 0);
		mk_flow(&tmpl, cap + 1, ZDP_IPPROTO_UDP, 0);
		ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL), -ENOSPC);
		zdp_flow_table_destroy(t);
	}
	ZDP_CASE(NULL);
}

/* Far more keys than bucket slots (2 buckets = 20 slots, 300 records):
 * inserts fill both buckets, exercise the cuckoo path search, then fail with
 * -ENOSPC without leaking a record; everything inserted stays findable. */
static void
simple_flow(struct zdp_flow_conn *f, uint32_t i)
{
	uint32_t v = i + 1;	/* fwd != rev even for i = 0 */

	memset(f, 0, sizeof(*f));
	f->fwd.family = f->rev.family = ZDP_AF_INET;
	f->fwd.proto = f->rev.proto = ZDP_IPPROTO_UDP;
	memcpy(f->fwd.a_src, &v, 4);
	memcpy(f->rev.a_dst, &v, 4);
	f->user32 = i;
}

static void
test_bucket_overflow(void)
{
	enum { CAP = 300 };
	static const uint32_t nbs[] = { 2, 4, 6, 8, 10, 16, 30 };
	uint64_t moves = 0;

	for (size_t c = 0; c < sizeof(nbs) / sizeof(nbs[0]); c++) {
		struct zdp_flow_params p = { .capacity = CAP, .timeouts = TO,
					     .buckets = nbs[c] };
		struct zdp_flow_table *t = zdp_flow_table_create(&p);
		struct zdp_flow_conn tmpl;
		struct zdp_flow_stats st;
		uint8_t ok[CAP] = { 0 };
		unsigned n_ok = 0, n_fail = 0, again = 0, lost = 0;
		char name[32];

		snprintf(name, sizeof(name), "%u buckets", nbs[c]);
		ZDP_CASE(name);
		ZDP_REQUIRE(t);
		for (uint32_t i = 0; i < CAP; i++) {
			simple_flow(&tmpl, i);
			int rc = zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL);

			ZDP_CHECK(rc == 0 || rc == -ENOSPC);
			ok[i] = rc == 0;
			n_ok += rc == 0;
			n_fail += rc == -ENOSPC;
			/* a cuckoo move must never lose an entry */
			for (uint32_t j = 0; j <= i; j++) {
				struct zdp_flow_conn k;
				uint8_t d;

				simple_flow(&k, j);
				struct zdp_flow *f = zdp_flow_lookup(t, &k.fwd, &d);
				lost += (f != NULL) != ok[j] ||
					(f && (zdp_flow_conn_of(t, f)->user32 != j || d != 0 ||
					       zdp_flow_lookup(t, &k.rev, &d) != f || d != 1));
			}
		}
		ZDP_CHECK_EQ(lost, 0);
		/* 10 slots per bucket, 2 keys per flow: at least 80% usable */
		ZDP_CHECK(n_ok <= nbs[c] * 5 && n_ok >= nbs[c] * 4);
		zdp_flow_get_stats(t, &st);
		moves += st.cuckoo_moves;
		ZDP_CHECK_EQ(st.active, n_ok);
		ZDP_CHECK_EQ(st.insert_failed, n_fail);
		/* no record leaked by failed inserts: after freeing everything
		 * the same flows fit again */
		ZDP_CHECK_EQ(zdp_flow_expire_all(t, NULL, NULL), n_ok);
		for (uint32_t i = 0; i < CAP; i++) {
			simple_flow(&tmpl, i);
			again += zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL) == 0;
		}
		ZDP_CHECK_EQ(again, n_ok);
		zdp_flow_table_destroy(t);
	}
	ZDP_CASE("the cuckoo path search ran");
	ZDP_CHECK(moves > 0);
	ZDP_CASE("odd bucket count");
	struct zdp_flow_params bad = { .capacity = 100, .buckets = 3 };
	ZDP_CHECK(zdp_flow_table_create(&bad) == NULL);
	ZDP_CASE(NULL);
}

/* Each row is a segment sequence; after the last step the state and the
 * timeout it earns are checked (every step is checked for the state). */
#define F ZDP_FLOW_DIR_FWD
#define R ZDP_FLOW_DIR_REV
#define S(x) ZDP_FLOW_TCP_##x
struct seg { uint8_t dir, flags, state; };
static const struct {
	const char *name;
	struct seg seg[8];
	unsigned n;
	uint64_t timeout;
} tcp_rows[] = {
	{ "syn", { { F, ZDP_TCP_SYN, S(SYN_SENT) } }, 1, 10 },
	{ "syn, syn-ack", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_RCVD) } }, 2, 10 },
	{ "3-way handshake", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_RCVD) },
	  { F, ZDP_TCP_ACK, S(ESTABLISHED) } }, 3, 1000 },
	{ "data keeps established", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_RCVD) },
	  { F, ZDP_TCP_ACK, S(ESTABLISHED) }, { R, ZDP_TCP_ACK | ZDP_TCP_PSH, S(ESTABLISHED) },
	  { F, ZDP_TCP_ACK, S(ESTABLISHED) } }, 5, 1000 },
	{ "syn-ack from client ignored", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { F, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_SENT) } }, 2, 10 },
	{ "client closes first", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_RCVD) }, { F, ZDP_TCP_ACK, S(ESTABLISHED) },
	  { F, ZDP_TCP_FIN | ZDP_TCP_ACK, S(FIN_WAIT) }, { R, ZDP_TCP_ACK, S(FIN_WAIT) },
	  { F, ZDP_TCP_FIN | ZDP_TCP_ACK, S(FIN_WAIT) },	/* retransmitted FIN */
	  { R, ZDP_TCP_FIN | ZDP_TCP_ACK, S(CLOSING) }, { F, ZDP_TCP_ACK, S(TIME_WAIT) } }, 8, 20 },
	{ "server closes first", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_RCVD) }, { F, ZDP_TCP_ACK, S(ESTABLISHED) },
	  { R, ZDP_TCP_FIN | ZDP_TCP_ACK, S(FIN_WAIT) }, { F, ZDP_TCP_FIN | ZDP_TCP_ACK, S(CLOSING) },
	  { F, ZDP_TCP_ACK, S(CLOSING) },		/* wrong side's ACK */
	  { R, ZDP_TCP_ACK, S(TIME_WAIT) } }, 7, 20 },
	{ "half close waits", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_RCVD) }, { F, ZDP_TCP_ACK, S(ESTABLISHED) },
	  { F, ZDP_TCP_FIN | ZDP_TCP_ACK, S(FIN_WAIT) } }, 4, 50 },
	{ "both fins", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_RCVD) }, { F, ZDP_TCP_ACK, S(ESTABLISHED) },
	  { F, ZDP_TCP_FIN | ZDP_TCP_ACK, S(FIN_WAIT) }, { R, ZDP_TCP_FIN | ZDP_TCP_ACK, S(CLOSING) } }, 5, 50 },
	{ "rst from backend", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_RST | ZDP_TCP_ACK, S(CLOSED) } }, 2, 20 },
	{ "rst established", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_RCVD) }, { F, ZDP_TCP_ACK, S(ESTABLISHED) },
	  { F, ZDP_TCP_RST, S(CLOSED) } }, 4, 20 },
	{ "syn after rst reopens", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { F, ZDP_TCP_RST, S(CLOSED) }, { F, ZDP_TCP_SYN, S(SYN_SENT) } }, 3, 10 },
	{ "syn reuse from time_wait", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_RCVD) }, { F, ZDP_TCP_ACK, S(ESTABLISHED) },
	  { F, ZDP_TCP_FIN | ZDP_TCP_ACK, S(FIN_WAIT) }, { R, ZDP_TCP_FIN | ZDP_TCP_ACK, S(CLOSING) },
	  { F, ZDP_TCP_ACK, S(TIME_WAIT) }, { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_RCVD) } }, 8, 10 },
	{ "fin during handshake", { { F, ZDP_TCP_SYN, S(SYN_SENT) },
	  { R, ZDP_TCP_SYN | ZDP_TCP_ACK, S(SYN_RCVD) },
	  { F, ZDP_TCP_FIN | ZDP_TCP_ACK, S(FIN_WAIT) } }, 3, 50 },
	{ "mid-stream ack stays none", { { F, ZDP_TCP_ACK, S(NONE) } }, 1, 10 },
};
#undef F
#undef R
#undef S

static void
test_tcp_states(void)
{
	struct zdp_flow_table *t = mk(16);

	ZDP_REQUIRE(t);
	for (size_t r = 0; r < sizeof(tcp_rows) / sizeof(tcp_rows[0]); r++) {
		struct zdp_flow_conn tmpl;
		struct zdp_flow *f;
		uint64_t now = 1000;

		ZDP_CASE(tcp_rows[r].name);
		mk_flow(&tmpl, (uint32_t)r, ZDP_IPPROTO_TCP, 0);
		ZDP_REQUIRE(zdp_flow_insert(t, &tmpl, tmpl.user32, now, &f) == 0);
		ZDP_CHECK_EQ(f->tcp_state, ZDP_FLOW_TCP_NONE);
		for (unsigned i = 0; i < tcp_rows[r].n; i++) {
			const struct seg *s = &tcp_rows[r].seg[i];
			uint8_t st;

			now += 3;
			st = zdp_flow_tcp_update(t, f, s->dir, s->flags, now);
			if (st != s->state || f->tcp_state != s->state)
				ZDP_FAIL_("step %u: got %s, want %s", i,
					  zdp_flow_tcp_state_name(st),
					  zdp_flow_tcp_state_name(s->state));
		}
		ZDP_CHECK_EQ(f->expires, now + tcp_rows[r].timeout);
		zdp_flow_remove(t, f);
	}
	ZDP_CASE(NULL);
	ZDP_CHECK_STR(zdp_flow_tcp_state_name(ZDP_FLOW_TCP_TIME_WAIT), "time_wait");
	ZDP_CHECK_STR(zdp_flow_tcp_state_name(99), "unknown");
	zdp_flow_table_destroy(t);
}

struct exp_ctx {
	uint8_t *seen;		/* per user32 */
	unsigned calls, dup;
	struct zdp_flow_table *t;
};

static void
exp_cb(struct zdp_flow *f, void *arg)
{
	struct exp_ctx *c = arg;

	c->calls++;
	if (c->seen[zdp_flow_conn_of(c->t, f)->user32]++)
		c->dup++;
	/* the record is still valid and still findable during the callback */
	if (zdp_flow_lookup(c->t, &zdp_flow_conn_of(c->t, f)->fwd, NULL) != f)
		c->dup += 1000;
}

static void
test_expire_budget(void)
{
	enum { N = 1000 };
	struct zdp_flow_table *t = mk(N);
	struct exp_ctx c = { .seen = calloc(N, 1), .t = t };
	struct zdp_flow_conn tmpl;
	struct zdp_flow *f;
	struct zdp_flow_stats st;
	unsigned total = 0, n;

	ZDP_REQUIRE(t && c.seen);
	for (uint32_t i = 0; i < N; i++) {
		mk_flow(&tmpl, i, ZDP_IPPROTO_UDP, 0);
		ZDP_REQUIRE(zdp_flow_insert(t, &tmpl, tmpl.user32, i % 2 ? 0 : 100, &f) == 0);
	}
	ZDP_CASE("nothing due");
	ZDP_CHECK_EQ(zdp_flow_expire(t, 29, 5000, exp_cb, &c), 0);
	ZDP_CASE("budget bounds each call");
	/* at now = 30 only the odd half (inserted at 0) is due */
	for (int k = 0; k < 20; k++) {
		n = zdp_flow_expire(t, 30, 64, exp_cb, &c);
		ZDP_CHECK(n <= 64);
		ZDP_CHECK(n <= 32);	/* only every other slot is due */
		total += n;
	}
	ZDP_CHECK_EQ(total, N / 2);
	ZDP_CASE("even half later");
	while ((n = zdp_flow_expire(t, 130, 100, exp_cb, &c)) != 0 || total < N) {
		total += n;
		if (n == 0 && total < N) {
			/* one more full sweep must find the rest */
			n = zdp_flow_expire(t, 130, N, exp_cb, &c);
			total += n;
			break;
		}
	}
	ZDP_CHECK_EQ(total, N);
	ZDP_CHECK_EQ(c.calls, N);
	ZDP_CHECK_EQ(c.dup, 0);
	for (uint32_t i = 0; i < N; i++)
		ZDP_CHECK_EQ(c.seen[i], 1);
	zdp_flow_get_stats(t, &st);
	ZDP_CHECK_EQ(st.active, 0);
	ZDP_CHECK_EQ(st.expired, N);
	ZDP_CHECK_EQ(zdp_flow_expire(t, 1000000, 5000, exp_cb, &c), 0);
	ZDP_CHECK_EQ(c.calls, N);
	ZDP_CASE(NULL);
	free(c.seen);
	zdp_flow_table_destroy(t);
}

/* A refreshed UDP flow survives, an idle one expires. */
static void
test_udp_idle(void)
{
	struct zdp_flow_table *t = mk(8);
	struct zdp_flow_conn a, b;
	struct zdp_flow *fa, *fb;
	struct exp_ctx c = { .seen = calloc(8, 1), .t = t };

	ZDP_REQUIRE(t && c.seen);
	mk_flow(&a, 1, ZDP_IPPROTO_UDP, 1);
	mk_flow(&b, 2, ZDP_IPPROTO_UDP, 1);
	ZDP_REQUIRE(zdp_flow_insert(t, &a, a.user32, 0, &fa) == 0);
	ZDP_REQUIRE(zdp_flow_insert(t, &b, b.user32, 0, &fb) == 0);
	for (uint64_t now = 10; now <= 100; now += 10) {
		zdp_flow_refresh(t, fa, now);
		zdp_flow_expire(t, now, 8, exp_cb, &c);
	}
	ZDP_CHECK(zdp_flow_lookup(t, &a.fwd, NULL) == fa);
	ZDP_CHECK(zdp_flow_lookup(t, &b.fwd, NULL) == NULL);
	ZDP_CHECK_EQ(c.seen[2], 1);
	ZDP_CHECK_EQ(c.seen[1], 0);
	ZDP_CHECK_EQ(fa->expires, 130);
	ZDP_CHECK_EQ(zdp_flow_expire(t, 129, 8, exp_cb, &c), 0);
	ZDP_CHECK_EQ(zdp_flow_expire(t, 130, 8, exp_cb, &c), 1);
	ZDP_CHECK_EQ(zdp_flow_expire_all(t, exp_cb, &c), 0);
	free(c.seen);
	zdp_flow_table_destroy(t);
}

static void
remove_cb(struct zdp_flow *f, void *arg)
{
	zdp_flow_remove(arg, f);
}

/* A callback that removes the flow itself does not double-free it. */
static void
test_expire_cb_removes(void)
{
	struct zdp_flow_table *t = mk(16);
	struct zdp_flow_conn tmpl;
	struct zdp_flow_stats st;

	ZDP_REQUIRE(t);
	for (uint32_t i = 0; i < 10; i++) {
		mk_flow(&tmpl, i, ZDP_IPPROTO_UDP, 0);
		ZDP_REQUIRE(zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL) == 0);
	}
	ZDP_CHECK_EQ(zdp_flow_expire(t, 100, 5, remove_cb, t), 5);
	ZDP_CHECK_EQ(zdp_flow_expire_all(t, remove_cb, t), 5);
	zdp_flow_get_stats(t, &st);
	ZDP_CHECK_EQ(st.active, 0);
	for (uint32_t i = 0; i < 16; i++) {
		mk_flow(&tmpl, 100 + i, ZDP_IPPROTO_UDP, 0);
		ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL), 0);
	}
	ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL), -EEXIST);
	mk_flow(&tmpl, 200, ZDP_IPPROTO_UDP, 0);
	ZDP_CHECK_EQ(zdp_flow_insert(t, &tmpl, tmpl.user32, 0, NULL), -ENOSPC);
	zdp_flow_table_destroy(t);
}

/*
 * Churn at full load (80% of the bucket slots, the default sizing): fill
 * the table, then replace random flows (remove one, insert a new one) for
 * four times the capacity. Every insert must succeed while a record is
 * free (the cuckoo path search must always find room), and every live
 * flow must stay findable in both directions (moves must not lose or
 * corrupt an entry).
 */
/* Insert flow @id (random IPv4 keys 2 id, 2 id + 1) into slot @slot. */
static int
churn_put(struct zdp_flow_table *t, uint32_t id, uint32_t slot, struct zdp_flow **out)
{
	struct zdp_flow_conn c;

	memset(&c, 0, sizeof(c));
	rnd_key(&c.fwd, 2 * id, 0);
	rnd_key(&c.rev, 2 * id + 1, 0);
	c.user32 = slot;
	return zdp_flow_insert(t, &c, 0, 0, out);
}

static void
churn_full_load(uint32_t cap)
{
	enum { CHECK_EVERY = 16384 };
	const uint32_t rounds = 4 * cap;
	struct zdp_flow_params p = { .capacity = cap, .timeouts = TO, .seed = 0x77 };
	struct zdp_flow_table *t = zdp_flow_table_create(&p);
	uint32_t *live = malloc(sizeof(*live) * cap);	/* flow id per slot */
	struct zdp_flow **rec = malloc(sizeof(*rec) * cap);
	struct zdp_flow_stats st;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	uint32_t next_id = 0, bad_insert = 0, lost = 0;

	ZDP_REQUIRE(t && live && rec);
	for (uint32_t i = 0; i < cap; i++) {
		live[i] = next_id;
		bad_insert += churn_put(t, next_id++, i, &rec[i]) != 0;
	}
	ZDP_CHECK_EQ(bad_insert, 0);
	for (uint32_t r = 0; r < rounds; r++) {
		uint32_t i;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		i = (uint32_t)(rng % cap);
		zdp_flow_remove(t, rec[i]);
		live[i] = next_id;
		bad_insert += churn_put(t, next_id++, i, &rec[i]) != 0;
		if ((r + 1) % CHECK_EVERY != 0)
			continue;
		for (uint32_t j = 0; j < cap; j++) {
			struct zdp_flow_key k;
			uint8_t d = 9;

			rnd_key(&k, 2 * live[j], 0);
			lost += zdp_flow_lookup(t, &k, &d) != rec[j] || d != ZDP_FLOW_DIR_FWD;
			rnd_key(&k, 2 * live[j] + 1, 0);
			lost += zdp_flow_lookup(t, &k, &d) != rec[j] || d != ZDP_FLOW_DIR_REV;
			lost += zdp_flow_conn_of(t, rec[j])->user32 != j;
		}
	}
	ZDP_CHECK_EQ(bad_insert, 0);
	ZDP_CHECK_EQ(lost, 0);
	zdp_flow_get_stats(t, &st);
	ZDP_CHECK_EQ(st.active, cap);
	ZDP_CHECK(st.cuckoo_moves > 0);
	/* full: the next insert is refused, and counted */
	ZDP_CHECK_EQ(churn_put(t, next_id, 0, NULL), -ENOSPC);
	zdp_flow_get_stats(t, &st);
	ZDP_CHECK_EQ(st.insert_failed, 1);
	free(live);
	free(rec);
	zdp_flow_table_destroy(t);
}

/* A power-of-two capacity, and one whose bucket count is not (25,000). */
static void
test_churn_full_load(void)
{
	ZDP_CASE("65536 flows");
	churn_full_load(1u << 16);
	ZDP_CASE("100000 flows");
	churn_full_load(100000);
	ZDP_CASE(NULL);
}

/* Burst lookup (both entry points) agrees with single lookups, for hits,
 * misses, any n; in a table at its default size and in one with 78% of
 * its bucket slots used, where many keys live in their second bucket. */
static void
test_lookup_burst_buckets(uint32_t buckets)
{
	enum { N = 500, Q = 77 };
	struct zdp_flow_params p = { .capacity = N, .timeouts = TO, .buckets = buckets };
	struct zdp_flow_table *t = zdp_flow_table_create(&p);
	struct zdp_flow_conn tm[2 * N / 2];
	const struct zdp_flow_key *keys[Q];
	struct zdp_flow *out[Q], *out2[Q];
	uint64_t hashes[Q];
	uint8_t dir[Q], dir2[Q];

	ZDP_REQUIRE(t);
	for (uint32_t i = 0; i < N; i++) {
		mk_flow(&tm[i], i, ZDP_IPPROTO_TCP, (int)(i % 3 == 0));
		if (i % 2 == 0)		/* odd ones stay absent */
			ZDP_REQUIRE(zdp_flow_insert(t, &tm[i], tm[i].user32, 0, NULL) == 0);
	}
	for (unsigned n = 0; n <= Q; n += 11) {
		unsigned hits, want = 0;

		for (unsigned i = 0; i < n; i++) {
			uint32_t j = (i * 37 + n) % N;
			keys[i] = (i & 1) ? &tm[j].rev : &tm[j].fwd;
		}
		hits = zdp_flow_lookup_burst(t, keys, n, out, dir);
		for (unsigned i = 0; i < n; i++)
			hashes[i] = zdp_flow_hash_prefetch(t, keys[i]);
		ZDP_CHECK_EQ(zdp_flow_lookup_burst_hashed(t, keys, hashes, n, out2, dir2), hits);
		for (unsigned i = 0; i < n; i++) {
			uint8_t d = 7;
			struct zdp_flow *f = zdp_flow_lookup(t, keys[i], &d);

			ZDP_CASE("burst vs single");
			ZDP_CHECK(f == out[i]);
			ZDP_CHECK(f == out2[i]);
			ZDP_CHECK(!f || dir2[i] == dir[i]);
			if (f) {
				ZDP_CHECK_EQ(d, dir[i]);
				ZDP_CHECK_EQ(dir[i], i & 1);
				want++;
			}
		}
		ZDP_CHECK_EQ(hits, want);
	}
	ZDP_CASE(NULL);
	zdp_flow_table_destroy(t);
}

static void
test_lookup_burst(void)
{
	ZDP_CASE("default buckets");
	test_lookup_burst_buckets(0);
	/* 250 flows = 500 keys in 64 buckets of 10 slots */
	ZDP_CASE("78% slot load");
	test_lookup_burst_buckets(64);
	ZDP_CASE(NULL);
}

/* Allocation failure at each step of create: NULL + ENOMEM, no leak. */
static int alloc_fail_at, alloc_count, live;

static void *
t_alloc(size_t size, size_t align, void *arg)
{
	void *p;

	(void)arg;
	if (alloc_count++ == alloc_fail_at)
		return NULL;
	size = (size + align - 1) / align * align;
	p = aligned_alloc(align, size);
	if (p) {
		memset(p, 0, size);
		live++;
	}
	return p;
}

static void
t_free(void *p, void *arg)
{
	(void)arg;
	live--;
	free(p);
}

static void
test_alloc_failures(void)
{
	struct zdp_flow_params p = { .capacity = 100, .timeouts = TO,
				     .alloc = t_alloc, .free = t_free };
	struct zdp_flow_table *t;
	int n;

	alloc_fail_at = -1;
	alloc_count = 0;
	t = zdp_flow_table_create(&p);
	ZDP_REQUIRE(t);
	n = alloc_count;
	ZDP_CHECK(n >= 3);
	/* 26 buckets of 64 B (100 / 4 rounded up to even), 101 hot records
	 * of 64 B and connections of 128 B, a 4-byte free index each */
	ZDP_CHECK_EQ(zdp_flow_table_buckets(t), 26u);
	ZDP_CHECK_EQ(zdp_flow_table_bytes(t), 26 * 64 + 101 * (64 + 128) + 100 * 4);
	zdp_flow_table_destroy(t);
	ZDP_CHECK_EQ(live, 0);
	for (alloc_fail_at = 0; alloc_fail_at < n; alloc_fail_at++) {
		alloc_count = 0;
		errno = 0;
		ZDP_CASE("fail one allocation");
		ZDP_CHECK(zdp_flow_table_create(&p) == NULL);
		ZDP_CHECK_EQ(errno, ENOMEM);
		ZDP_CHECK_EQ(live, 0);
	}
	ZDP_CASE("bad params");
	p.capacity = 0;
	ZDP_CHECK(zdp_flow_table_create(&p) == NULL);
	ZDP_CHECK_EQ(errno, EINVAL);
	ZDP_CHECK(zdp_flow_table_create(NULL) == NULL);
	ZDP_CASE(NULL);
}

static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 1M flows (2M keys): insert, burst-lookup both directions, expire. */
static void
test_1m_smoke(void)
{
	enum { N = 1 << 20, B = 32 };
	struct zdp_flow_params p = { .capacity = N, .timeouts = TO,
				     .flags = ZDP_FLOW_F_NO_ZERO };
	struct zdp_flow_table *t = zdp_flow_table_create(&p);
	struct zdp_flow_conn *tm = malloc(sizeof(*tm) * B);
	struct zdp_flow *out[B];
	const struct zdp_flow_key *keys[B];
	uint8_t dir[B];
	struct zdp_flow_stats st;
	unsigned hits = 0, expired = 0;
	double t0, t1, t2, t3;

	ZDP_REQUIRE(t && tm);
	t0 = secs();
	for (uint32_t i = 0; i < N; i++) {
		struct zdp_flow_conn f;

		mk_flow(&f, i, (i & 1) ? ZDP_IPPROTO_UDP : ZDP_IPPROTO_TCP, (int)(i & 2));
		if (zdp_flow_insert(t, &f, f.user32, i & 1, NULL) != 0) {
			ZDP_FAIL_("insert %u failed", i);
			break;
		}
	}
	t1 = secs();
	for (uint32_t i = 0; i < N; i += B) {
		for (unsigned j = 0; j < B; j++) {
			mk_flow(&tm[j], i + j, ((i + j) & 1) ? ZDP_IPPROTO_UDP
							     : ZDP_IPPROTO_TCP,
				(int)((i + j) & 2));
			keys[j] = (j & 1) ? &tm[j].rev : &tm[j].fwd;
		}
		hits += zdp_flow_lookup_burst(t, keys, B, out, dir);
	}
	t2 = secs();
	ZDP_CHECK_EQ(hits, N);
	for (int k = 0; k < 10000 && expired < N; k++)
		expired += zdp_flow_expire(t, 1000, 4096, NULL, NULL);
	t3 = secs();
	ZDP_CHECK_EQ(expired, N);
	zdp_flow_get_stats(t, &st);
	ZDP_CHECK_EQ(st.active, 0);
	ZDP_CHECK_EQ(st.insert_failed, 0);
	printf("# 1M flows: insert %.0f ns/flow, burst lookup %.0f ns/key (incl. key build),"
	       " expire %.0f ns/flow\n", (t1 - t0) * 1e9 / N, (t2 - t1) * 1e9 / N,
	       (t3 - t2) * 1e9 / N);
	free(tm);
	zdp_flow_table_destroy(t);
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_insert_lookup_both_dirs),
	ZDP_TEST_ENTRY(test_signature_collision),
	ZDP_TEST_ENTRY(test_full_table),
	ZDP_TEST_ENTRY(test_bucket_overflow),
	ZDP_TEST_ENTRY(test_tcp_states),
	ZDP_TEST_ENTRY(test_expire_budget),
	ZDP_TEST_ENTRY(test_udp_idle),
	ZDP_TEST_ENTRY(test_expire_cb_removes),
	ZDP_TEST_ENTRY(test_lookup_burst),
	ZDP_TEST_ENTRY(test_churn_full_load),
	ZDP_TEST_ENTRY(test_alloc_failures),
	ZDP_TEST_ENTRY(test_1m_smoke),
	{ 0 },
};

int
main(void)
{
	return zdp_test_main(tests);
}
