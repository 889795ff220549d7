/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_flow.c — the flow table against a model: any sequence of inserts,
 * removes, lookups (single and burst) and expiry sweeps must leave the
 * table agreeing with a plain array of live flows, with full and tiny
 * bucket arrays (cuckoo moves, second-bucket keys, -ENOSPC) alike.
 *
 * Input: byte 0 is the table shape, then 2-byte operations.
 *   byte 0: capacity = 1 + (b & 63); bits 6-7: 0 = default buckets,
 *           1..3 = 2, 6 or 10 buckets (forces full buckets)
 *   op:     b0 & 7 selects insert / remove / lookup / burst / expire /
 *           advance time; b1 is its argument (a key id 0..255, a budget,
 *           a time step)
 * Key ids 0..191 are IPv4 keys, 192..255 IPv6; flow (a) has fwd key a and
 * rev key (a * 37 + 11) & 255, so flows share keys and collide in the
 * model as they would on a gateway (-EEXIST).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NKEYS 256

struct model {
	struct zdp_flow *rec[NKEYS];	/* by key id: the flow holding it */
	uint8_t dir[NKEYS];
	uint64_t expires[NKEYS];	/* by fwd key id */
	unsigned live;
	uint64_t now;
	struct zdp_flow_table *t;
};

static void
key_of(unsigned id, struct zdp_flow_key *k)
{
	uint32_t x = (id + 1) * 0x9e3779b1u;
	struct zdp_addr a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.family = b.family = id < 192 ? ZDP_AF_INET : ZDP_AF_INET6;
	memcpy(a.a, &x, 4);
	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	memcpy(b.a, &x, 4);
	if (a.family == ZDP_AF_INET6) {
		a.a[15] = (uint8_t)id;
		b.a[8] = 0x20;
	}
	zdp_flow_key_make(k, ZDP_IPPROTO_UDP, &a, (uint16_t)(1000 + id), &b,
			  (uint16_t)(x >> 16));
}

static unsigned
rev_of(unsigned a)
{
	return (a * 37u + 11u) & (NKEYS - 1);
}

/* Every live key is found, in its direction, on its flow; nothing else. */
static void
check_all(struct model *m)
{
	struct zdp_flow_stats st;

	for (unsigned id = 0; id < NKEYS; id++) {
		struct zdp_flow_key k;
		uint8_t d = 9;
		struct zdp_flow *f;

		key_of(id, &k);
		f = zdp_flow_lookup(m->t, &k, &d);
		if (f != m->rec[id] || (f != NULL && d != m->dir[id]))
			abort();
	}
	zdp_flow_get_stats(m->t, &st);
	if (st.active != m->live)
		abort();
}

static void
op_insert(struct model *m, unsigned a, unsigned slots)
{
	unsigned b = rev_of(a);
	struct zdp_flow_conn c;
	struct zdp_flow *f = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	key_of(a, &c.fwd);
	key_of(b, &c.rev);
	c.user32 = a;
	rc = zdp_flow_insert(m->t, &c, a, m->now, &f);
	if (a == b) {
		if (rc != -EINVAL)
			abort();
		return;
	}
	if (m->rec[a] != NULL || m->rec[b] != NULL) {
		if (rc != -EEXIST || f != (m->rec[a] ? m->rec[a] : m->rec[b]))
			abort();
		return;
	}
	if (rc == -ENOSPC) {
		/* Only when the records are used up, or with tiny bucket arrays
		 * (slots == 0), or above half the slots (a cuckoo search can
		 * fail there for unlucky keys; the unit tests bound the rate). */
		struct zdp_flow_stats st;

		zdp_flow_get_stats(m->t, &st);
		if (m->live < st.capacity && slots != 0 &&
		    2 * (m->live + 1) <= slots / 2)
			abort();
		if (f != NULL)
			abort();
		return;
	}
	if (rc != 0 || f == NULL || f->backend_id != a ||
	    zdp_flow_conn_of(m->t, f)->user32 != a)
		abort();
	m->rec[a] = m->rec[b] = f;
	m->dir[a] = ZDP_FLOW_DIR_FWD;
	m->dir[b] = ZDP_FLOW_DIR_REV;
	m->expires[a] = f->expires;
	m->live++;
}

static void
forget(struct model *m, struct zdp_flow *f)
{
	unsigned a = zdp_flow_conn_of(m->t, f)->user32;

	if (a >= NKEYS || m->rec[a] != f || m->rec[rev_of(a)] != f)
		abort();
	m->rec[a] = m->rec[rev_of(a)] = NULL;
	m->live--;
}

static void
op_remove(struct model *m, unsigned id)
{
	struct zdp_flow *f = m->rec[id];

	if (f == NULL) {
		zdp_flow_remove(m->t, NULL);
		return;
	}
	forget(m, f);
	zdp_flow_remove(m->t, f);
}

static void
op_burst(struct model *m, unsigned id)
{
	enum { N = 19 };
	struct zdp_flow_key keys[N];
	const struct zdp_flow_key *kp[N];
	struct zdp_flow *out[N];
	uint8_t dir[N];
	unsigned hits = 0, want = 0;

	for (unsigned i = 0; i < N; i++) {
		key_of((id + i * 29u) & (NKEYS - 1), &keys[i]);
		kp[i] = &keys[i];
	}
	hits = zdp_flow_lookup_burst(m->t, kp, N, out, dir);
	for (unsigned i = 0; i < N; i++) {
		unsigned k = (id + i * 29u) & (NKEYS - 1);

		if (out[i] != m->rec[k] || (out[i] != NULL && dir[i] != m->dir[k]))
			abort();
		want += m->rec[k] != NULL;
	}
	if (hits != want)
		abort();
}

struct expire_ctx {
	struct model *m;
	unsigned n;
};

static void
expired(struct zdp_flow *f, void *arg)
{
	struct expire_ctx *x = arg;
	unsigned a = zdp_flow_conn_of(x->m->t, f)->user32;

	if (a >= NKEYS || x->m->expires[a] > x->m->now)
		abort();
	forget(x->m, f);
	x->n++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t forced[] = { 0, 2, 6, 10 };
	struct zdp_flow_params p = {
		.timeouts = { .syn = 10, .established = 100, .closing = 20,
			      .time_wait = 20, .udp = 30 },
		.seed = 0xf1,
	};
	struct model m;
	unsigned slots;

	if (size < 1)
		return 0;
	memset(&m, 0, sizeof(m));
	p.capacity = 1u + (data[0] & 63u);
	p.buckets = forced[data[0] >> 6];
	m.t = zdp_flow_table_create(&p);
	if (m.t == NULL)
		abort();
	/* default sizing: 10 slots per bucket, capacity / 4 rounded up to even */
	slots = p.buckets ? 0 : 10u * zdp_flow_table_buckets(m.t);
	for (size_t i = 1; i + 1 < size; i += 2) {
		unsigned arg = data[i + 1];

		switch (data[i] & 7) {
		case 0:
		case 1:
			op_insert(&m, arg, slots);
			break;
		case 2:
			op_remove(&m, arg);
			break;
		case 3:
		case 4: {
			struct zdp_flow_key k;
			uint8_t d;

			key_of(arg, &k);
			if (zdp_flow_lookup(m.t, &k, &d) != m.rec[arg])
				abort();
			break;
		}
		case 5:
			op_burst(&m, arg);
			break;
		case 6: {
			struct expire_ctx x = { .m = &m };
			unsigned before = m.live;

			if (zdp_flow_expire(m.t, m.now, arg & 31u, expired, &x) != x.n ||
			    m.live != before - x.n)
				abort();
			break;
		}
		default:
			m.now += arg;
			break;
		}
		if ((i & 15) == 1)
			check_all(&m);
	}
	check_all(&m);
	if (zdp_flow_expire_all(m.t, NULL, NULL) != m.live)
		abort();
	zdp_flow_table_destroy(m.t);
	return 0;
}
