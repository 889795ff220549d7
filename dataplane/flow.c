/* SPDX-License-Identifier: BSD-3-Clause
 * flow.c — per-core two-direction connection table (design in flow.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_branch_prediction.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "flow.h"

#define BUCKET_ENTRIES	10
#define BUCKET_SLOTS	((1u << BUCKET_ENTRIES) - 1)

/*
 * One cache line: 10 16-bit signatures (0 = empty slot; sig[10] and
 * sig[11] are always 0), then 10 refs (record index << 1 | dir).
 */
struct flow_bucket {
	uint16_t sig[12];
	uint32_t ref[BUCKET_ENTRIES];	/* 0 = empty (record 0 is never used) */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct flow_bucket) == 64, "bucket must be one cache line");
_Static_assert(sizeof(struct zdp_flow_key) == 40, "key layout");
_Static_assert(sizeof(struct zdp_flow_key4) == 16, "compact key layout");
_Static_assert(offsetof(struct zdp_flow_key, sport) == 32 &&
	       offsetof(struct zdp_flow_key4, sport) == 8, "compact key tail = key tail");
_Static_assert(sizeof(struct zdp_flow) == 64, "hot record must stay one line");
_Static_assert(sizeof(struct zdp_flow_conn) == 128, "connection must stay two lines");
_Static_assert(offsetof(struct zdp_flow_conn, rev) == 64, "rev key starts line 1");

/* f->tflags bits (private). */
#define TF_USED		0x80
#define TF_FIN_FWD	0x01
#define TF_FIN_REV	0x02
#define TF_FIRST_FIN_REV 0x04	/* the reverse side closed first */

struct zdp_flow_table {
	struct zdp_flow_table_hashing hashing;	/* first: flow.h's inline hash; the
					 * one copy of the count and seeds */
	struct flow_bucket *buckets;
	struct zdp_flow *rec;		/* hot records [capacity + 1], index 0 unused */
	struct zdp_flow_conn *conn;	/* connections, same indices */
	uint32_t *free_idx;		/* LIFO stack of free record indices */
	uint32_t free_top;		/* number of entries on the stack */
	uint32_t capacity;
	uint32_t high_water;		/* highest record index ever used */
	uint32_t hand;			/* expiry clock hand, in [1, high_water] */
	struct zdp_flow_timeouts to;
	struct zdp_flow_stats st;
	void *(*alloc)(size_t size, size_t align, void *arg);
	void (*free)(void *p, void *arg);
	void *alloc_arg;
	size_t sz_buckets, sz_rec, sz_conn, sz_free;
};

_Static_assert(offsetof(struct zdp_flow_table, hashing) == 0, "flow.h casts the table");

static const char *const tcp_state_names[] = {
#define ZDP_FLOW_X_(s, n) n,
	ZDP_FLOW_TCP_STATES(ZDP_FLOW_X_)
#undef ZDP_FLOW_X_
};

const char *
zdp_flow_tcp_state_name(unsigned state)
{
	return state < ZDP_FLOW_TCP__COUNT ? tcp_state_names[state] : "unknown";
}

/* --- memory ------------------------------------------------------------ */

/* Default allocator: anonymous mappings (zeroed, page aligned). */
static void *
map_zeroed(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, size, MADV_HUGEPAGE);	/* best effort */
#endif
	return p;
}

/* @align: 64, or 128 for the connections, whose two lines then form one
 * 128-byte pair (the L2's adjacent-line prefetcher fetches the second). */
static void *
tbl_alloc(struct zdp_flow_table *t, size_t size, size_t align, int prefault)
{
	void *p = t->alloc ? t->alloc(size, align, t->alloc_arg) : map_zeroed(size);

	/* Touch every page now so the packet path never takes a fault. */
	if (p && prefault && !t->alloc)
		memset(p, 0, size);
	return p;
}

static void
tbl_free(struct zdp_flow_table *t, void *p, size_t size)
{
	if (!p)
		return;
	if (t->alloc)
		t->free(p, t->alloc_arg);
	else
		munmap(p, size);
}

struct zdp_flow_table *
zdp_flow_table_create(const struct zdp_flow_params *p)
{
	struct zdp_flow_table *t;
	int prefault;
	uint32_t nb, i;

	if (!p || p->capacity == 0 || p->capacity > (1u << 30) ||
	    (p->alloc && !p->free) ||
	    (p->buckets && (p->buckets < 2 || (p->buckets & 1)))) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	t->alloc = p->alloc;
	t->free = p->free;
	t->alloc_arg = p->alloc_arg;
	t->hashing.seed = p->seed;
	t->hashing.seed2 = p->seed * 0x9e3779b1u + 0x7f4a7c15u;
	t->to = p->timeouts;
	t->capacity = p->capacity;
	prefault = !(p->flags & ZDP_FLOW_F_NO_ZERO);

	/* 2 keys per flow at <= 80% slot load: 2.5 slots per flow, 10 per
	 * bucket, rounded up to an even count (bucket_alt()); any count, not a
	 * power of two, so the array every lookup reads first stays as small
	 * as the capacity allows (16 MB for 1M flows; its lines cost less the
	 * smaller it is). */
	nb = p->buckets ? p->buckets : (uint32_t)(((uint64_t)p->capacity + 3) / 4);
	nb += nb & 1;
	if (nb < 2)
		nb = 2;
	t->hashing.n_buckets = nb;
	t->sz_buckets = (size_t)nb * sizeof(struct flow_bucket);
	t->sz_rec = ((size_t)p->capacity + 1) * sizeof(struct zdp_flow);
	t->sz_conn = ((size_t)p->capacity + 1) * sizeof(struct zdp_flow_conn);
	t->sz_free = (size_t)p->capacity * sizeof(uint32_t);
	t->buckets = tbl_alloc(t, t->sz_buckets, 64, prefault);
	if (!t->buckets)
		goto fail;
	t->hashing.buckets = t->buckets;
	t->rec = tbl_alloc(t, t->sz_rec, 64, prefault);
	if (!t->rec)
		goto fail_buckets;
	t->conn = tbl_alloc(t, t->sz_conn, 128, prefault);
	if (!t->conn)
		goto fail_rec;
	t->free_idx = tbl_alloc(t, t->sz_free, 64, 1);
	if (!t->free_idx)
		goto fail_conn;
	/* Pop order 1, 2, 3...: live records cluster at low indices. */
	for (i = 0; i < p->capacity; i++)
		t->free_idx[i] = p->capacity - i;
	t->free_top = p->capacity;
	t->hand = 1;
	t->st.capacity = p->capacity;
	return t;

fail_conn:
	tbl_free(t, t->conn, t->sz_conn);
fail_rec:
	tbl_free(t, t->rec, t->sz_rec);
fail_buckets:
	tbl_free(t, t->buckets, t->sz_buckets);
fail:
	free(t);
	errno = ENOMEM;
	return NULL;
}

void
zdp_flow_table_destroy(struct zdp_flow_table *t)
{
	if (!t)
		return;
	tbl_free(t, t->free_idx, t->sz_free);
	tbl_free(t, t->conn, t->sz_conn);
	tbl_free(t, t->rec, t->sz_rec);
	tbl_free(t, t->buckets, t->sz_buckets);
	free(t);
}

size_t
zdp_flow_table_bytes(const struct zdp_flow_table *t)
{
	return t->sz_buckets + t->sz_rec + t->sz_conn + t->sz_free;
}

uint32_t
zdp_flow_table_buckets(const struct zdp_flow_table *t)
{
	return t->hashing.n_buckets;
}

void
zdp_flow_set_timeouts(struct zdp_flow_table *t, const struct zdp_flow_timeouts *to)
{
	t->to = *to;
}

void
zdp_flow_get_stats(const struct zdp_flow_table *t, struct zdp_flow_stats *st)
{
	*st = t->st;
}

/* --- hashing and buckets ---------------------------------------------- */

/*
 * 64-bit hash of a key, as zdp_flow_key_hash4() (flow.h) computes it for
 * IPv4: two CRC32c, the second over the key's 8-byte words in the opposite
 * order with another seed; the low 32 bits pick the first bucket, the top
 * 16 are the signature. IPv6 (and any non-IPv4) keys hash all 40 bytes,
 * out of line so that the IPv4 hash stays small enough to inline into the
 * packet loop.
 */
static __attribute__((noinline)) uint64_t
key_hash_full(const struct zdp_flow_table *t, const struct zdp_flow_key *k)
{
	uint64_t w[5];
	uint32_t lo, hi;

	memcpy(w, k, sizeof(w));
	lo = rte_hash_crc(k, sizeof(*k), t->hashing.seed);
	hi = t->hashing.seed2;
	for (int i = 4; i >= 0; i--)
		hi = rte_hash_crc_8byte(w[i], hi);
	return (uint64_t)hi << 32 | lo;
}

static inline __attribute__((always_inline)) uint64_t
key_hash(const struct zdp_flow_table *t, const struct zdp_flow_key *k)
{
	if (unlikely(k->family != ZDP_AF_INET))
		return key_hash_full(t, k);
	return zdp_flow_key_hash4(&t->hashing, k);
}

uint64_t
zdp_flow_key_hash(const struct zdp_flow_table *t, const struct zdp_flow_key *k)
{
	return key_hash(t, k);
}

/* Signature of a hash: never 0, which marks an empty slot. */
static inline uint16_t
hash_sig(uint64_t h)
{
	uint16_t s = (uint16_t)(h >> 48);

	return s ? s : 1;
}

static inline uint32_t
bucket1(const struct zdp_flow_table *t, uint64_t h)
{
	return zdp_flow_bucket_of(h, t->hashing.n_buckets);
}

/*
 * A key's other bucket from either of its buckets and its signature, so an
 * entry can move between its two buckets without its key: b2 = (c - b1)
 * mod n with c = c(sig), an involution (c - (c - b) = b). c is odd and n
 * even, so c - b never equals b: every key has two distinct buckets.
 */
static inline uint32_t
bucket_alt(const struct zdp_flow_table *t, uint32_t b, uint16_t sig)
{
	uint32_t n = t->hashing.n_buckets;
	uint32_t c = 2 * (uint32_t)(((uint64_t)((uint32_t)sig * 0x9e3779b1u) * (n / 2)) >> 32) + 1;

	return c >= b ? c - b : c + n - b;
}

/* Bit i set when sig[i] == s (s == 0: the free slots). */
static inline unsigned
sig_match(const struct flow_bucket *b, uint16_t s)
{
#ifdef __SSE2__
	__m128i v = _mm_set1_epi16((short)s);
	__m128i lo = _mm_cmpeq_epi16(_mm_load_si128((const __m128i *)b->sig), v);
	__m128i hi = _mm_cmpeq_epi16(_mm_loadl_epi64((const __m128i *)(b->sig + 8)), v);

	return (unsigned)_mm_movemask_epi8(_mm_packs_epi16(lo, hi)) & BUCKET_SLOTS;
#else
	unsigned m = 0, i;

	for (i = 0; i < BUCKET_ENTRIES; i++)
		m |= (unsigned)(b->sig[i] == s) << i;
	return m;
#endif
}

/* Bit i set when slot i is free. */
static inline unsigned
free_slots(const struct flow_bucket *b)
{
	return sig_match(b, 0);
}

static inline int
key_eq(const struct zdp_flow_key *x, const struct zdp_flow_key *y)
{
	uint64_t a[5], b[5];

	memcpy(a, x, 40);
	memcpy(b, y, 40);
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) |
		(a[3] ^ b[3]) | (a[4] ^ b[4])) == 0;
}

/* Does record key @ref equal @k? IPv4 keys compare their compact form in
 * the hot record (equal iff the full keys are: flow.h), IPv6 keys the full
 * key in the connection. */
static inline int
ref_key_eq(const struct zdp_flow_table *t, uint32_t ref, const struct zdp_flow_key *k)
{
	if (likely(k->family == ZDP_AF_INET)) {
		const struct zdp_flow *f = &t->rec[ref >> 1];
		const struct zdp_flow_key4 *c = (ref & 1) ? &f->rev4 : &f->fwd4;
		uint32_t cs, cd, ks, kd;
		uint64_t ct, kt;

		memcpy(&cs, c->a_src, 4);
		memcpy(&cd, c->a_dst, 4);
		memcpy(&ct, &c->sport, 8);
		memcpy(&ks, k->a_src, 4);
		memcpy(&kd, k->a_dst, 4);
		memcpy(&kt, &k->sport, 8);
		return ((cs ^ ks) | (cd ^ kd) | (ct ^ kt)) == 0;
	} else {
		const struct zdp_flow_conn *c = &t->conn[ref >> 1];

		return key_eq((ref & 1) ? &c->rev : &c->fwd, k);
	}
}

/* Prefetch what a hit on @ref will touch: the hot record and, for IPv6,
 * both lines of the connection (compare and rewrite). */
static inline void
ref_prefetch(const struct zdp_flow_table *t, uint32_t ref, const struct zdp_flow_key *k)
{
	rte_prefetch0(&t->rec[ref >> 1]);
	if (unlikely(k->family != ZDP_AF_INET)) {
		const uint8_t *c = (const uint8_t *)&t->conn[ref >> 1];

		rte_prefetch0(c);
		rte_prefetch0(c + 64);
	}
}

/* Search one bucket; returns the ref or 0. */
static inline uint32_t
bucket_find(const struct zdp_flow_table *t, const struct flow_bucket *b,
	    uint16_t sig, const struct zdp_flow_key *k)
{
	unsigned m = sig_match(b, sig);

	while (m) {
		unsigned i = (unsigned)__builtin_ctz(m);
		uint32_t ref = b->ref[i];

		if (likely(ref_key_eq(t, ref, k)))
			return ref;
		m &= m - 1;
	}
	return 0;
}

static inline uint32_t
table_find(const struct zdp_flow_table *t, uint64_t h, const struct zdp_flow_key *k)
{
	uint16_t sig = hash_sig(h);
	uint32_t b1 = bucket1(t, h);
	uint32_t ref = bucket_find(t, &t->buckets[b1], sig, k);

	if (ref)
		return ref;
	return bucket_find(t, &t->buckets[bucket_alt(t, b1, sig)], sig, k);
}

static inline void
slot_set(struct flow_bucket *b, unsigned i, uint16_t sig, uint32_t ref)
{
	b->sig[i] = sig;
	b->ref[i] = ref;
}

/*
 * Cuckoo path search for a key whose two buckets are full: breadth first
 * over "entry i of bucket B could move to its other bucket", up to
 * CUCKOO_NODES buckets, never through a bucket already on the path (a
 * path that visited a bucket twice could move one entry twice). On
 * success the entries along the path move one step, from the end, and the
 * slot freed in b1 or b2 is returned as *bi, *si. Runs only on insert,
 * when both buckets are full (rare below ~90% slot load).
 */
#define CUCKOO_NODES 256u

struct cuckoo_node {
	uint32_t bucket;
	int16_t parent;		/* index in the queue; -1 for b1 and b2 */
	uint8_t pslot;		/* the parent's slot whose entry moves here */
};

static bool
cuckoo_on_path(const struct cuckoo_node *q, int n, uint32_t bucket)
{
	for (; n >= 0; n = q[n].parent)
		if (q[n].bucket == bucket)
			return true;
	return false;
}

static bool
cuckoo_free_path(struct zdp_flow_table *t, uint32_t b1, uint32_t b2, uint32_t *bi,
		 unsigned *si)
{
	struct cuckoo_node q[CUCKOO_NODES];
	unsigned head = 0, tail = 0;

	q[tail++] = (struct cuckoo_node){ .bucket = b1, .parent = -1 };
	q[tail++] = (struct cuckoo_node){ .bucket = b2, .parent = -1 };
	while (head < tail) {
		int n = (int)head++;
		struct flow_bucket *b = &t->buckets[q[n].bucket];

		for (unsigned i = 0; i < BUCKET_ENTRIES; i++) {
			uint32_t alt = bucket_alt(t, q[n].bucket, b->sig[i]);
			unsigned fa = free_slots(&t->buckets[alt]);

			if (fa) {
				/* Move along the path from its end. */
				uint32_t fb = alt;
				unsigned fs = (unsigned)__builtin_ctz(fa);
				unsigned slot = i;

				for (;;) {
					struct flow_bucket *from = &t->buckets[q[n].bucket];

					slot_set(&t->buckets[fb], fs, from->sig[slot],
						 from->ref[slot]);
					slot_set(from, slot, 0, 0);
					fb = q[n].bucket;
					fs = slot;
					if (q[n].parent < 0)
						break;
					slot = q[n].pslot;
					n = q[n].parent;
				}
				*bi = fb;
				*si = fs;
				return true;
			}
			if (tail < CUCKOO_NODES && !cuckoo_on_path(q, n, alt))
				q[tail++] = (struct cuckoo_node){
					.bucket = alt, .parent = (int16_t)n, .pslot = (uint8_t)i,
				};
		}
	}
	return false;
}

/*
 * Place (h, ref) in b1 if it has room, else b2 (keeps hits to one bucket
 * line); when both are full, make room along a cuckoo path. Returns 0 or
 * -ENOSPC.
 */
static int
bucket_add(struct zdp_flow_table *t, uint64_t h, uint32_t ref)
{
	uint16_t sig = hash_sig(h);
	uint32_t b1 = bucket1(t, h), b2 = bucket_alt(t, b1, sig), bi;
	unsigned f1 = free_slots(&t->buckets[b1]), f2, si;

	if (f1) {
		slot_set(&t->buckets[b1], (unsigned)__builtin_ctz(f1), sig, ref);
		return 0;
	}
	f2 = free_slots(&t->buckets[b2]);
	if (f2) {
		slot_set(&t->buckets[b2], (unsigned)__builtin_ctz(f2), sig, ref);
		return 0;
	}
	if (!cuckoo_free_path(t, b1, b2, &bi, &si))
		return -ENOSPC;
	t->st.cuckoo_moves++;
	slot_set(&t->buckets[bi], si, sig, ref);
	return 0;
}

/* Clear the slot holding @ref for hash @h (must exist). */
static void
bucket_del(struct zdp_flow_table *t, uint64_t h, uint32_t ref)
{
	uint32_t b1 = bucket1(t, h);
	struct flow_bucket *bs[2] = {
		&t->buckets[b1], &t->buckets[bucket_alt(t, b1, hash_sig(h))],
	};

	for (int s = 0; s < 2; s++) {
		for (unsigned i = 0; i < BUCKET_ENTRIES; i++) {
			if (bs[s]->ref[i] == ref) {
				slot_set(bs[s], i, 0, 0);
				return;
			}
		}
	}
}

/* --- lookup ------------------------------------------------------------ */

struct zdp_flow *
zdp_flow_lookup(struct zdp_flow_table *t, const struct zdp_flow_key *key,
		uint8_t *dir)
{
	uint32_t ref = table_find(t, key_hash(t, key), key);

	if (!ref)
		return NULL;
	if (dir)
		*dir = (uint8_t)(ref & 1);
	return &t->rec[ref >> 1];
}

/*
 * Three stages per group so memory latency overlaps across the burst
 * (cf. rte_cuckoo_hash __bulk_lookup_prefetching_loop):
 *   1. hash every key, prefetch its primary bucket;
 *   2. match signatures in b1, prefetch the first candidate's record
 *      (ref_prefetch()); with no candidate in b1, prefetch b2 instead;
 *   2b. for those keys only, match signatures in b2 and prefetch the
 *      candidate's record: a key that lives in b2 (a few percent at full
 *      load) would otherwise wait for two misses in a row in stage 3,
 *      which at 1M flows costs more than all the other lookups together;
 *   3. compare full keys (hits are now in cache); fall back to b2.
 */
static inline unsigned
lookup_group(struct zdp_flow_table *t, const struct zdp_flow_key *const keys[],
	     const uint64_t *hashes, unsigned n, struct zdp_flow *out[], uint8_t dir[])
{
	uint64_t h[ZDP_FLOW_BURST_MAX];
	const struct flow_bucket *b1[ZDP_FLOW_BURST_MAX], *b2[ZDP_FLOW_BURST_MAX];
	unsigned m1[ZDP_FLOW_BURST_MAX];
	uint8_t in_b2[ZDP_FLOW_BURST_MAX];
	unsigned i, n2 = 0, hits = 0;

	if (hashes != NULL) {
		/* stage 1 done by the caller (zdp_flow_hash_prefetch) */
		for (i = 0; i < n; i++) {
			h[i] = hashes[i];
			b1[i] = &t->buckets[bucket1(t, h[i])];
		}
	} else {
		for (i = 0; i < n; i++) {
			h[i] = key_hash(t, keys[i]);
			b1[i] = &t->buckets[bucket1(t, h[i])];
			rte_prefetch0(b1[i]);
		}
	}
	for (i = 0; i < n; i++) {
		m1[i] = sig_match(b1[i], hash_sig(h[i]));
		if (m1[i]) {
			/* Every line a hit touches (flow.h), not just the key's:
			 * the caller's misses then overlap with the lookup's. */
			ref_prefetch(t, b1[i]->ref[__builtin_ctz(m1[i])], keys[i]);
		} else {
			b2[i] = &t->buckets[bucket_alt(t, bucket1(t, h[i]), hash_sig(h[i]))];
			rte_prefetch0(b2[i]);
			in_b2[n2++] = (uint8_t)i;
		}
	}
	for (unsigned j = 0; j < n2; j++) {
		unsigned m;

		i = in_b2[j];
		m = sig_match(b2[i], hash_sig(h[i]));
		if (m)
			ref_prefetch(t, b2[i]->ref[__builtin_ctz(m)], keys[i]);
	}
	for (i = 0; i < n; i++) {
		uint32_t ref = 0;
		unsigned m;

		for (m = m1[i]; m && !ref; m &= m - 1) {
			uint32_t r = b1[i]->ref[__builtin_ctz(m)];

			if (likely(ref_key_eq(t, r, keys[i])))
				ref = r;
		}
		if (!ref)
			ref = bucket_find(t, m1[i] ? &t->buckets[bucket_alt(t, bucket1(t, h[i]),
									    hash_sig(h[i]))]
						   : b2[i],
					  hash_sig(h[i]), keys[i]);
		if (ref) {
			out[i] = &t->rec[ref >> 1];
			dir[i] = (uint8_t)(ref & 1);
			hits++;
		} else {
			out[i] = NULL;
			dir[i] = 0;
		}
	}
	return hits;
}

unsigned
zdp_flow_lookup_burst(struct zdp_flow_table *t,
		      const struct zdp_flow_key *const keys[], unsigned n,
		      struct zdp_flow *out[], uint8_t dir[])
{
	unsigned done = 0, hits = 0;

	while (done < n) {
		unsigned k = n - done > ZDP_FLOW_BURST_MAX ? ZDP_FLOW_BURST_MAX
							   : n - done;

		hits += lookup_group(t, keys + done, NULL, k, out + done, dir + done);
		done += k;
	}
	return hits;
}

unsigned
zdp_flow_lookup_burst_hashed(struct zdp_flow_table *t,
			     const struct zdp_flow_key *const keys[], const uint64_t hashes[],
			     unsigned n, struct zdp_flow *out[], uint8_t dir[])
{
	unsigned done = 0, hits = 0;

	while (done < n) {
		unsigned k = n - done > ZDP_FLOW_BURST_MAX ? ZDP_FLOW_BURST_MAX
							   : n - done;

		hits += lookup_group(t, keys + done, hashes + done, k, out + done, dir + done);
		done += k;
	}
	return hits;
}

/* --- insert / remove --------------------------------------------------- */

static inline uint64_t
state_timeout(const struct zdp_flow_table *t, const struct zdp_flow *f)
{
	if (f->fwd4.proto != ZDP_IPPROTO_TCP)
		return t->to.udp;
	switch (f->tcp_state) {
	case ZDP_FLOW_TCP_ESTABLISHED:
		return t->to.established;
	case ZDP_FLOW_TCP_FIN_WAIT:
	case ZDP_FLOW_TCP_CLOSING:
		return t->to.closing;
	case ZDP_FLOW_TCP_TIME_WAIT:
	case ZDP_FLOW_TCP_CLOSED:
		return t->to.time_wait;
	default:
		return t->to.syn;
	}
}

/* IPv4 keys must be zero beyond their addresses (lookups compare the
 * compact form, which cannot see those bytes); every key its zero pad. */
static bool
key_valid(const struct zdp_flow_key *k)
{
	static const uint8_t zero[12];

	if (k->pad[0] || k->pad[1])
		return false;
	return k->family != ZDP_AF_INET ||
	       (memcmp(k->a_src + 4, zero, 12) == 0 && memcmp(k->a_dst + 4, zero, 12) == 0);
}

int
zdp_flow_insert(struct zdp_flow_table *t, const struct zdp_flow_conn *c,
		uint32_t backend_id, uint64_t now, struct zdp_flow **out)
{
	uint64_t hf, hr;
	uint32_t idx, ref;
	struct zdp_flow *f;
	int rc;

	if (key_eq(&c->fwd, &c->rev) || !key_valid(&c->fwd) || !key_valid(&c->rev))
		return -EINVAL;
	hf = key_hash(t, &c->fwd);
	hr = key_hash(t, &c->rev);
	ref = table_find(t, hf, &c->fwd);
	if (!ref)
		ref = table_find(t, hr, &c->rev);
	if (ref) {
		t->st.insert_exists++;
		if (out)
			*out = &t->rec[ref >> 1];
		return -EEXIST;
	}
	if (unlikely(t->free_top == 0))
		goto full;
	idx = t->free_idx[t->free_top - 1];
	if (unlikely(bucket_add(t, hf, idx << 1 | ZDP_FLOW_DIR_FWD) != 0))
		goto full;
	if (unlikely(bucket_add(t, hr, idx << 1 | ZDP_FLOW_DIR_REV) != 0)) {
		bucket_del(t, hf, idx << 1 | ZDP_FLOW_DIR_FWD);
		goto full;
	}
	t->free_top--;
	if (idx > t->high_water)
		t->high_water = idx;
	t->conn[idx] = *c;
	f = &t->rec[idx];
	memset(f, 0, sizeof(*f));
	zdp_flow_key4_of(&f->fwd4, &c->fwd);
	zdp_flow_key4_of(&f->rev4, &c->rev);
	f->tflags = TF_USED;
	f->tcp_state = ZDP_FLOW_TCP_NONE;
	f->backend_id = backend_id;
	f->nh_port[0] = f->nh_port[1] = ZDP_FLOW_NH_NONE;
	f->expires = now + state_timeout(t, f);
	t->st.created++;
	t->st.active++;
	if (out)
		*out = f;
	return 0;
full:
	t->st.insert_failed++;
	rc = -ENOSPC;
	if (out)
		*out = NULL;
	return rc;
}

const struct zdp_flow_conn *
zdp_flow_conn_of(const struct zdp_flow_table *t, const struct zdp_flow *f)
{
	return &t->conn[f - t->rec];
}

static void
flow_free(struct zdp_flow_table *t, struct zdp_flow *f)
{
	uint32_t idx = (uint32_t)(f - t->rec);
	const struct zdp_flow_conn *c = &t->conn[idx];

	bucket_del(t, key_hash(t, &c->fwd), idx << 1 | ZDP_FLOW_DIR_FWD);
	bucket_del(t, key_hash(t, &c->rev), idx << 1 | ZDP_FLOW_DIR_REV);
	f->tflags = 0;
	f->tcp_state = ZDP_FLOW_TCP_NONE;
	t->free_idx[t->free_top++] = idx;
	t->st.active--;
}

void
zdp_flow_remove(struct zdp_flow_table *t, struct zdp_flow *f)
{
	if (!f || !(f->tflags & TF_USED))
		return;
	flow_free(t, f);
	t->st.removed++;
}

/* --- state and ageing -------------------------------------------------- */

uint8_t
zdp_flow_tcp_update(struct zdp_flow_table *t, struct zdp_flow *f, uint8_t dir,
		    uint8_t tcp_flags, uint64_t now)
{
	uint8_t st = f->tcp_state, tf = f->tflags;
	uint8_t syn_ack = tcp_flags & (ZDP_TCP_SYN | ZDP_TCP_ACK);
	uint8_t fin_bit = dir ? TF_FIN_REV : TF_FIN_FWD;

	if (tcp_flags & ZDP_TCP_RST) {
		st = ZDP_FLOW_TCP_CLOSED;
		goto out;
	}
	switch (st) {
	case ZDP_FLOW_TCP_NONE:
	case ZDP_FLOW_TCP_CLOSED:
	case ZDP_FLOW_TCP_TIME_WAIT:
		/* A new SYN on the same 5-tuple reopens (RFC 9293 §3.6.1
		 * allows reuse out of TIME-WAIT). */
		if (dir == ZDP_FLOW_DIR_FWD && syn_ack == ZDP_TCP_SYN) {
			st = ZDP_FLOW_TCP_SYN_SENT;
			tf &= (uint8_t)~(TF_FIN_FWD | TF_FIN_REV | TF_FIRST_FIN_REV);
		}
		goto out;
	case ZDP_FLOW_TCP_SYN_SENT:
		if (dir == ZDP_FLOW_DIR_REV && syn_ack == (ZDP_TCP_SYN | ZDP_TCP_ACK))
			st = ZDP_FLOW_TCP_SYN_RCVD;
		break;
	case ZDP_FLOW_TCP_SYN_RCVD:
		if (dir == ZDP_FLOW_DIR_FWD && syn_ack == ZDP_TCP_ACK)
			st = ZDP_FLOW_TCP_ESTABLISHED;
		break;
	case ZDP_FLOW_TCP_CLOSING:
		/* The ACK of the second FIN comes from the side that closed
		 * first (RFC 9293 §3.6, case 1). */
		if (!(tcp_flags & ZDP_TCP_FIN) && (tcp_flags & ZDP_TCP_ACK) &&
		    dir == ((tf & TF_FIRST_FIN_REV) ? ZDP_FLOW_DIR_REV
						    : ZDP_FLOW_DIR_FWD))
			st = ZDP_FLOW_TCP_TIME_WAIT;
		goto out;
	default:
		break;
	}
	if (tcp_flags & ZDP_TCP_FIN) {
		if (st == ZDP_FLOW_TCP_FIN_WAIT) {
			if (!(tf & fin_bit))
				st = ZDP_FLOW_TCP_CLOSING;
		} else {
			st = ZDP_FLOW_TCP_FIN_WAIT;
			if (dir == ZDP_FLOW_DIR_REV)
				tf |= TF_FIRST_FIN_REV;
		}
		tf |= fin_bit;
	}
out:
	f->tcp_state = st;
	f->tflags = tf;
	f->expires = now + state_timeout(t, f);
	return st;
}

void
zdp_flow_refresh(struct zdp_flow_table *t, struct zdp_flow *f, uint64_t now)
{
	f->expires = now + t->to.udp;
}

unsigned
zdp_flow_expire(struct zdp_flow_table *t, uint64_t now, unsigned budget,
		zdp_flow_expire_cb cb, void *arg)
{
	unsigned n = 0;

	/* Never scan a slot twice in one call. */
	if (budget > t->high_water)
		budget = t->high_water;
	while (budget--) {
		struct zdp_flow *f;

		if (t->hand == 0 || t->hand > t->high_water)
			t->hand = 1;
		f = &t->rec[t->hand++];
		if ((f->tflags & TF_USED) && f->expires <= now) {
			if (cb)
				cb(f, arg);
			/* tolerate a callback that removed it itself */
			if (f->tflags & TF_USED)
				flow_free(t, f);
			t->st.expired++;
			n++;
		}
	}
	return n;
}

unsigned
zdp_flow_expire_all(struct zdp_flow_table *t, zdp_flow_expire_cb cb, void *arg)
{
	unsigned n = 0;
	uint32_t i;

	for (i = 1; i <= t->high_water; i++) {
		struct zdp_flow *f = &t->rec[i];

		if (!(f->tflags & TF_USED))
			continue;
		if (cb)
			cb(f, arg);
		if (f->tflags & TF_USED)
			flow_free(t, f);
		t->st.expired++;
		n++;
	}
	return n;
}
