/* SPDX-License-Identifier: BSD-3-Clause
 * neigh.c — per-worker ARP / ND neighbour table.
 *
 * Layout:
 *
 *   slots[]  (power of two, >= 2 x capacity, linear probing)
 *     | uint32: entry index + 1, 0 = empty
 *     v
 *   entries[capacity]   stable storage; free ones chained through tnext
 *     | INCOMPLETE / PROBE / FAILED entries are also on the timer list
 *     v  (doubly linked through tprev/tnext, unordered)
 *   timer list          walked by zdp_neigh_timer(); only entries with a
 *                       deadline are on it, usually a handful
 *
 * Entries never move, so the timer list can link them by index; deletion
 * from the probe sequence uses backward shifting (no tombstones, so lookups
 * stay short however long the table runs). Everything is allocated in
 * zdp_neigh_create().
 *
 * The key is (port, address): an IPv6 link-local next hop only means
 * something together with its port.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "neigh.h"
#include "route.h"

#define NIL UINT32_MAX
#define GC_SWEEP 64		/* entries looked at per timer call / eviction */

struct neigh_entry {
	struct zdp_addr ip;
	uint16_t port;
	uint8_t state;		/* enum zdp_neigh_state; NONE = free */
	uint8_t probes;		/* solicitations sent in this round */
	uint8_t mac[6];
	uint8_t on_timer;
	uint16_t qlen;		/* packets held, oldest at qhead */
	uint32_t qhead, qtail;	/* in zdp_neigh_table.held */
	uint32_t hash;
	uint32_t tprev, tnext;	/* timer list, or free list (tnext) */
	uint64_t confirmed;	/* REACHABLE until confirmed + reachable */
	uint64_t used;		/* last resolve or learn, for GC */
	uint64_t deadline;	/* next timer event (on the timer list) */
};

/* A held packet: one pool per table, lists per entry. */
struct neigh_held {
	void *pkt;
	uint32_t next;
};

struct zdp_neigh_table {
	uint32_t *slots;
	uint32_t mask;		/* slots - 1 */
	struct neigh_entry *e;
	uint32_t capacity, used;
	uint32_t free_head;
	uint32_t timer_head;
	uint32_t gc_cursor;
	uint64_t seed;
	/* timers in `now` units */
	uint64_t retrans, reachable, failed_hold, gc_stale;
	uint32_t max_probes;
	void (*release)(void *ctx, void *pkt, uint16_t port, const uint8_t *mac);
	void *ctx;
	struct neigh_held *held;
	uint32_t held_free;	/* free list of held[] */
	uint32_t queue_len;	/* per entry */
	struct zdp_neigh_stats st;
};

static const char *const state_names[] = {
	[ZDP_NEIGH_NONE] = "none",
#define ZDP_NEIGH_STATE_NAME_(sym, name) [ZDP_NEIGH_##sym] = name,
	ZDP_NEIGH_STATES(ZDP_NEIGH_STATE_NAME_)
#undef ZDP_NEIGH_STATE_NAME_
};

const char *
zdp_neigh_state_name(enum zdp_neigh_state s)
{
	if ((unsigned)s >= ZDP_NEIGH__STATE_COUNT)
		return "unknown";
	return state_names[s];
}

/* ms -> caller units without overflowing for TSC-sized hz. */
static uint64_t
ms_to_units(uint32_t ms, uint64_t hz)
{
	return (uint64_t)ms * (hz / 1000) + (uint64_t)ms * (hz % 1000) / 1000;
}

static uint64_t
fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

/* Seeded per table: next hops come from packet destinations on connected
 * subnets, which a remote sender chooses; a fixed hash would let it build
 * long probe chains. */
static uint32_t
neigh_hash(const struct zdp_neigh_table *t, uint16_t port,
	   const struct zdp_addr *ip)
{
	uint64_t a, b;

	memcpy(&a, ip->a, 8);
	memcpy(&b, ip->a + 8, 8);
	a = fmix64(a ^ t->seed);
	b = fmix64(b ^ a ^ ((uint64_t)port << 8 | ip->family));
	return (uint32_t)(b ^ (b >> 32));
}

static bool
family_ok(const struct zdp_addr *ip)
{
	return ip != NULL &&
	       (ip->family == ZDP_AF_INET || ip->family == ZDP_AF_INET6);
}

struct zdp_neigh_table *
zdp_neigh_create(const struct zdp_neigh_params *p)
{
	struct zdp_neigh_table *t;
	uint32_t cap, nslots, i, held;

	if (p == NULL || p->hz == 0 || p->capacity > (1u << 24) || p->held_max > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	cap = p->capacity ? p->capacity : 4096;
	for (nslots = 16; nslots < 2 * cap; nslots <<= 1)
		;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	t->slots = calloc(nslots, sizeof(*t->slots));
	t->e = calloc(cap, sizeof(*t->e));
	held = p->held_max ? p->held_max : ZDP_NEIGH_HELD_MAX;
	t->held = calloc(held, sizeof(*t->held));
	if (t->slots == NULL || t->e == NULL || t->held == NULL)
		goto nomem;
	for (i = 0; i < held; i++)
		t->held[i].next = i + 1 < held ? i + 1 : NIL;
	t->held_free = 0;
	t->queue_len = p->queue_len ? p->queue_len : ZDP_NEIGH_QUEUE_LEN;
	if (t->queue_len > UINT16_MAX)
		t->queue_len = UINT16_MAX;
	t->mask = nslots - 1;
	t->capacity = cap;
	for (i = 0; i < cap; i++)
		t->e[i].tnext = i + 1 < cap ? i + 1 : NIL;
	t->free_head = 0;
	t->timer_head = NIL;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)(uintptr_t)t ^ p->hz;
	t->retrans = ms_to_units(p->retrans_ms ? p->retrans_ms : 1000, p->hz);
	t->reachable = ms_to_units(p->reachable_ms ? p->reachable_ms : 30000, p->hz);
	t->failed_hold = ms_to_units(p->failed_hold_ms ? p->failed_hold_ms : 10000,
				     p->hz);
	t->gc_stale = ms_to_units(p->gc_stale_ms ? p->gc_stale_ms : 60000, p->hz);
	t->max_probes = p->max_probes ? p->max_probes : 3;
	if (t->max_probes > 255)
		t->max_probes = 255;
	t->release = p->release;
	t->ctx = p->ctx;
	return t;

nomem:
	if (t) {
		free(t->slots);
		free(t->e);
		free(t->held);
		free(t);
	}
	errno = ENOMEM;
	return NULL;
}

/* ---- index ---------------------------------------------------------------- */

static uint32_t
slot_find(const struct zdp_neigh_table *t, uint16_t port,
	  const struct zdp_addr *ip, uint32_t h)
{
	uint32_t i, v;

	for (i = h & t->mask; (v = t->slots[i]) != 0; i = (i + 1) & t->mask) {
		const struct neigh_entry *e = &t->e[v - 1];

		if (e->hash == h && e->port == port && zdp_addr_eq(&e->ip, ip))
			return i;
	}
	return NIL;
}

static struct neigh_entry *
entry_find(const struct zdp_neigh_table *t, uint16_t port,
	   const struct zdp_addr *ip)
{
	uint32_t h = neigh_hash(t, port, ip);
	uint32_t s = slot_find(t, port, ip, h);

	return s == NIL ? NULL : &t->e[t->slots[s] - 1];
}

/* Backward-shift deletion (Knuth 6.4 Algorithm R): pull later members of
 * the probe run into the hole when their home slot allows it. */
static void
slot_remove(struct zdp_neigh_table *t, uint32_t hole)
{
	uint32_t j = hole, v, home;

	for (;;) {
		j = (j + 1) & t->mask;
		v = t->slots[j];
		if (v == 0)
			break;
		home = t->e[v - 1].hash & t->mask;
		if (((j - home) & t->mask) >= ((j - hole) & t->mask)) {
			t->slots[hole] = v;
			hole = j;
		}
	}
	t->slots[hole] = 0;
}

/* ---- timer list ------------------------------------------------------------ */

static void
timer_arm(struct zdp_neigh_table *t, struct neigh_entry *e, uint64_t deadline)
{
	uint32_t idx = (uint32_t)(e - t->e);

	e->deadline = deadline;
	if (e->on_timer)
		return;
	e->on_timer = 1;
	e->tprev = NIL;
	e->tnext = t->timer_head;
	if (t->timer_head != NIL)
		t->e[t->timer_head].tprev = idx;
	t->timer_head = idx;
}

static void
timer_cancel(struct zdp_neigh_table *t, struct neigh_entry *e)
{
	if (!e->on_timer)
		return;
	if (e->tprev != NIL)
		t->e[e->tprev].tnext = e->tnext;
	else
		t->timer_head = e->tnext;
	if (e->tnext != NIL)
		t->e[e->tnext].tprev = e->tprev;
	e->on_timer = 0;
	e->tprev = e->tnext = NIL;
}

/* ---- entries --------------------------------------------------------------- */

/* Hand every held packet back, oldest first. The queue is emptied before
 * the first callback so the entry is consistent whatever release() does. */
static void
queue_release(struct zdp_neigh_table *t, struct neigh_entry *e,
	      const uint8_t *mac)
{
	uint32_t i = e->qhead;
	uint16_t port = e->port;
	uint8_t m[6];

	if (e->qlen == 0)
		return;
	if (mac)
		memcpy(m, mac, 6);
	t->st.released += e->qlen;
	e->qlen = 0;
	e->qhead = e->qtail = NIL;
	while (i != NIL) {
		struct neigh_held *h = &t->held[i];
		void *pkt = h->pkt;
		uint32_t next = h->next;

		h->pkt = NULL;
		h->next = t->held_free;
		t->held_free = i;
		i = next;
		if (t->release)
			t->release(t->ctx, pkt, port, mac ? m : NULL);
	}
}

/* Hold @pkt on @e, oldest first; false when @e or the table is full. */
static bool
queue_add(struct zdp_neigh_table *t, struct neigh_entry *e, void *pkt)
{
	uint32_t i = t->held_free;

	if (e->qlen >= t->queue_len || i == NIL) {
		t->st.queue_drops++;
		return false;
	}
	t->held_free = t->held[i].next;
	t->held[i].pkt = pkt;
	t->held[i].next = NIL;
	if (e->qlen++ == 0)
		e->qhead = i;
	else
		t->held[e->qtail].next = i;
	e->qtail = i;
	return true;
}

static void
entry_delete(struct zdp_neigh_table *t, struct neigh_entry *e)
{
	uint32_t s = slot_find(t, e->port, &e->ip, e->hash);

	queue_release(t, e, NULL);
	timer_cancel(t, e);
	if (s != NIL)
		slot_remove(t, s);
	e->state = ZDP_NEIGH_NONE;
	e->tnext = t->free_head;
	t->free_head = (uint32_t)(e - t->e);
	t->used--;
}

/* REACHABLE ages into STALE lazily, on the next look at the entry: no timer
 * runs for the common state. */
static void
entry_age(const struct zdp_neigh_table *t, struct neigh_entry *e, uint64_t now)
{
	if (e->state == ZDP_NEIGH_REACHABLE && now - e->confirmed >= t->reachable)
		e->state = ZDP_NEIGH_STALE;
}

static bool
entry_evictable(const struct zdp_neigh_table *t, const struct neigh_entry *e,
		uint64_t now)
{
	switch (e->state) {
	case ZDP_NEIGH_STALE:
	case ZDP_NEIGH_FAILED:
		return true;
	case ZDP_NEIGH_REACHABLE:
		return now - e->confirmed >= t->reachable;
	default:
		return false;
	}
}

/* Table full: make room by forgetting the least recently used STALE or
 * FAILED entry among the next GC_SWEEP (bounded work). An address scan of a
 * connected /64 thus cannot lock out new neighbours for longer than it
 * takes its INCOMPLETE entries to fail (RFC 6583 §7.1). */
static bool
entry_evict(struct zdp_neigh_table *t, uint64_t now)
{
	struct neigh_entry *victim = NULL;
	uint32_t i, idx = t->gc_cursor;

	for (i = 0; i < GC_SWEEP && i < t->capacity; i++) {
		struct neigh_entry *e = &t->e[idx];

		if (entry_evictable(t, e, now) &&
		    (victim == NULL || e->used < victim->used))
			victim = e;
		if (++idx == t->capacity)
			idx = 0;
	}
	t->gc_cursor = idx;
	if (victim == NULL)
		return false;
	entry_delete(t, victim);
	return true;
}

static struct neigh_entry *
entry_new(struct zdp_neigh_table *t, uint16_t port, const struct zdp_addr *ip,
	  uint64_t now)
{
	struct neigh_entry *e;
	uint32_t idx, h, s;

	if (t->free_head == NIL && !entry_evict(t, now)) {
		t->st.table_full++;
		return NULL;
	}
	idx = t->free_head;
	e = &t->e[idx];
	t->free_head = e->tnext;
	h = neigh_hash(t, port, ip);
	memset(e, 0, sizeof(*e));
	e->qhead = e->qtail = NIL;
	e->ip = *ip;
	e->port = port;
	e->hash = h;
	e->tprev = e->tnext = NIL;
	e->used = now;
	for (s = h & t->mask; t->slots[s] != 0; s = (s + 1) & t->mask)
		;
	t->slots[s] = idx + 1;
	t->used++;
	return e;
}

/* ---- resolve ---------------------------------------------------------------- */

int
zdp_neigh_resolve(struct zdp_neigh_table *t, uint16_t port,
		  const struct zdp_addr *ip, void *pkt, uint64_t now,
		  struct zdp_neigh_out *out)
{
	struct neigh_entry *e;

	out->solicit = ZDP_NEIGH_SOLICIT_NONE;
	out->state = ZDP_NEIGH_NONE;
	if (!family_ok(ip))
		return -EINVAL;

	e = entry_find(t, port, ip);
	if (e == NULL) {
		/* RFC 4861 §7.2.2: create INCOMPLETE, queue, solicit. */
		e = entry_new(t, port, ip, now);
		if (e == NULL)
			return -ENOSPC;
		e->state = ZDP_NEIGH_INCOMPLETE;
		e->probes = 1;
		timer_arm(t, e, now + t->retrans);
		t->st.misses++;
		t->st.solicits++;
		out->solicit = ZDP_NEIGH_SOLICIT_MCAST;
		out->state = ZDP_NEIGH_INCOMPLETE;
		if (pkt && !queue_add(t, e, pkt))
			return -ENOBUFS;	/* the table's pool is full */
		return ZDP_NEIGH_HELD;
	}

	entry_age(t, e, now);
	out->state = e->state;
	switch (e->state) {
	case ZDP_NEIGH_INCOMPLETE:
		t->st.misses++;
		if (pkt == NULL)
			return ZDP_NEIGH_HELD;
		if (!queue_add(t, e, pkt))
			return -ENOBUFS;
		return ZDP_NEIGH_HELD;
	case ZDP_NEIGH_FAILED:
		t->st.failed_drops++;
		return -EHOSTUNREACH;
	case ZDP_NEIGH_STALE:
		/* §7.3.3 without DELAY: keep sending with the cached MAC and
		 * verify it with unicast probes at once. */
		e->state = ZDP_NEIGH_PROBE;
		e->probes = 1;
		timer_arm(t, e, now + t->retrans);
		t->st.solicits++;
		out->solicit = ZDP_NEIGH_SOLICIT_UCAST;
		out->state = ZDP_NEIGH_PROBE;
		/* fall through */
	default:	/* REACHABLE, PROBE */
		t->st.hits++;
		e->used = now;
		memcpy(out->mac, e->mac, 6);
		return ZDP_NEIGH_SEND;
	}
}

/* ---- learn ------------------------------------------------------------------ */

static bool
mac_ok(const uint8_t *mac)
{
	static const uint8_t zero[6];

	/* group bit set: multicast/broadcast is never a neighbour's address */
	return !(mac[0] & 1) && memcmp(mac, zero, 6) != 0;
}

int
zdp_neigh_learn(struct zdp_neigh_table *t, const struct zdp_route_table *rt,
		uint16_t port, const struct zdp_addr *ip, const uint8_t *mac,
		unsigned flags, uint64_t now)
{
	struct neigh_entry *e;
	bool differs;

	if (!family_ok(ip) || (mac != NULL && !mac_ok(mac)))
		return -EINVAL;
	/* Anti-poisoning: a message may only speak for an address on one of
	 * the port's connected subnets (and never for our own). */
	if (rt == NULL || !zdp_route_onlink(rt, port, ip)) {
		t->st.refused++;
		return -EPERM;
	}

	e = entry_find(t, port, ip);
	if (e == NULL) {
		/* RFC 826: only a request aimed at us creates an entry; RFC
		 * 4861 §7.2.3: an NS with SLLA creates it STALE; §7.2.5: an
		 * NA without an entry is dropped. */
		if (!(flags & ZDP_NEIGH_F_CREATE) || mac == NULL)
			return 0;
		e = entry_new(t, port, ip, now);
		if (e == NULL)
			return -ENOSPC;
		memcpy(e->mac, mac, 6);
		if (flags & ZDP_NEIGH_F_CONFIRM) {
			e->state = ZDP_NEIGH_REACHABLE;
			e->confirmed = now;
		} else {
			e->state = ZDP_NEIGH_STALE;
		}
		t->st.learned++;
		return 1;
	}

	entry_age(t, e, now);
	if (e->state == ZDP_NEIGH_INCOMPLETE || e->state == ZDP_NEIGH_FAILED) {
		/* §7.2.5: an NA without TLLA cannot complete an entry. */
		if (mac == NULL)
			return 0;
		memcpy(e->mac, mac, 6);
		e->probes = 0;
		timer_cancel(t, e);
		if (flags & ZDP_NEIGH_F_CONFIRM) {
			e->state = ZDP_NEIGH_REACHABLE;
			e->confirmed = now;
		} else {
			e->state = ZDP_NEIGH_STALE;
		}
		e->used = now;
		t->st.resolved++;
		queue_release(t, e, e->mac);
		return 1;
	}

	/* REACHABLE, STALE, PROBE: §7.2.5 second half. */
	differs = mac != NULL && memcmp(mac, e->mac, 6) != 0;
	if (differs && !(flags & ZDP_NEIGH_F_OVERRIDE)) {
		/* Another MAC without the right to override: do not switch,
		 * but stop trusting the cached one blindly. */
		if (e->state == ZDP_NEIGH_REACHABLE) {
			e->state = ZDP_NEIGH_STALE;
			return 1;
		}
		return 0;
	}
	if (differs) {
		memcpy(e->mac, mac, 6);
		t->st.updated++;
	}
	if (flags & ZDP_NEIGH_F_CONFIRM) {
		timer_cancel(t, e);
		e->probes = 0;
		e->state = ZDP_NEIGH_REACHABLE;
		e->confirmed = now;
		return 1;
	}
	if (differs) {
		timer_cancel(t, e);
		e->probes = 0;
		e->state = ZDP_NEIGH_STALE;
		return 1;
	}
	return 0;
}

/* ---- timers ----------------------------------------------------------------- */

static void
emit(struct zdp_neigh_solicitation *s, const struct neigh_entry *e,
     uint8_t kind)
{
	s->ip = e->ip;
	s->port = e->port;
	s->solicit = kind;
	if (kind == ZDP_NEIGH_SOLICIT_UCAST)
		memcpy(s->mac, e->mac, 6);
	else
		memset(s->mac, 0, 6);
}

unsigned
zdp_neigh_timer(struct zdp_neigh_table *t, uint64_t now,
		struct zdp_neigh_solicitation *out, unsigned max)
{
	uint32_t idx, next, i;
	unsigned n = 0;

	for (idx = t->timer_head; idx != NIL; idx = next) {
		struct neigh_entry *e = &t->e[idx];

		next = e->tnext;
		if ((int64_t)(now - e->deadline) < 0)
			continue;
		switch (e->state) {
		case ZDP_NEIGH_INCOMPLETE:
		case ZDP_NEIGH_PROBE:
			if (e->probes < t->max_probes) {
				if (n == max)
					break;	/* stays due: next call */
				emit(&out[n++], e,
				     e->state == ZDP_NEIGH_PROBE ?
				     ZDP_NEIGH_SOLICIT_UCAST :
				     ZDP_NEIGH_SOLICIT_MCAST);
				e->probes++;
				e->deadline = now + t->retrans;
				t->st.solicits++;
			} else if (e->state == ZDP_NEIGH_INCOMPLETE) {
				/* §7.3.3: no answer -> unreachable; hold the
				 * verdict so traffic does not re-trigger ARP
				 * storms. */
				e->state = ZDP_NEIGH_FAILED;
				e->deadline = now + t->failed_hold;
				t->st.failed++;
				queue_release(t, e, NULL);
			} else {
				/* PROBE unanswered: delete (§7.3.3); the next
				 * packet resolves afresh by multicast. */
				entry_delete(t, e);
			}
			break;
		case ZDP_NEIGH_FAILED:
			entry_delete(t, e);
			break;
		default:
			timer_cancel(t, e);
			break;
		}
	}

	/* Idle STALE entries: bounded sweep, round robin. */
	idx = t->gc_cursor;
	for (i = 0; i < GC_SWEEP && i < t->capacity; i++) {
		struct neigh_entry *e = &t->e[idx];

		if ((e->state == ZDP_NEIGH_STALE ||
		     e->state == ZDP_NEIGH_REACHABLE) &&
		    now - e->used >= t->gc_stale &&
		    now - e->confirmed >= t->gc_stale)
			entry_delete(t, e);
		if (++idx == t->capacity)
			idx = 0;
	}
	t->gc_cursor = idx;
	return n;
}

/* ---- misc ------------------------------------------------------------------- */

int
zdp_neigh_lookup(const struct zdp_neigh_table *t, uint16_t port,
		 const struct zdp_addr *ip, uint64_t now,
		 struct zdp_neigh_info *info)
{
	const struct neigh_entry *e;

	if (!family_ok(ip))
		return -ENOENT;
	e = entry_find(t, port, ip);
	if (e == NULL)
		return -ENOENT;
	info->ip = e->ip;
	info->port = e->port;
	info->state = e->state;
	if (e->state == ZDP_NEIGH_REACHABLE && now - e->confirmed >= t->reachable)
		info->state = ZDP_NEIGH_STALE;
	info->probes = e->probes;
	memcpy(info->mac, e->mac, 6);
	info->queued = e->qlen;
	return 0;
}

int
zdp_neigh_confirm(struct zdp_neigh_table *t, uint16_t port, const struct zdp_addr *ip,
		  uint64_t now)
{
	struct neigh_entry *e = family_ok(ip) ? entry_find(t, port, ip) : NULL;

	if (e == NULL)
		return -ENOENT;
	if (e->state != ZDP_NEIGH_REACHABLE && e->state != ZDP_NEIGH_STALE &&
	    e->state != ZDP_NEIGH_PROBE)
		return -EAGAIN;
	if (e->state == ZDP_NEIGH_PROBE) {
		timer_cancel(t, e);
		e->probes = 0;
	}
	e->state = ZDP_NEIGH_REACHABLE;
	e->confirmed = now;
	e->used = now;
	t->st.confirmed++;
	return 0;
}

int
zdp_neigh_delete(struct zdp_neigh_table *t, uint16_t port,
		 const struct zdp_addr *ip)
{
	struct neigh_entry *e;

	if (!family_ok(ip))
		return -ENOENT;
	e = entry_find(t, port, ip);
	if (e == NULL)
		return -ENOENT;
	entry_delete(t, e);
	return 0;
}

void
zdp_neigh_flush(struct zdp_neigh_table *t, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < t->capacity; i++) {
		struct neigh_entry *e = &t->e[i];

		if (e->state != ZDP_NEIGH_NONE &&
		    (port == UINT16_MAX || e->port == port))
			entry_delete(t, e);
	}
}

void
zdp_neigh_destroy(struct zdp_neigh_table *t)
{
	if (t == NULL)
		return;
	zdp_neigh_flush(t, UINT16_MAX);
	free(t->slots);
	free(t->e);
	free(t->held);
	free(t);
}

uint32_t
zdp_neigh_count(const struct zdp_neigh_table *t)
{
	return t->used;
}

const struct zdp_neigh_stats *
zdp_neigh_stats(const struct zdp_neigh_table *t)
{
	return &t->st;
}
