/* SPDX-License-Identifier: BSD-3-Clause
 * flow.h — per-core connection table for the L4 fast path (both directions
 * of a connection in one table, one hot record and one connection
 * record per connection).
 *
 * Single-threaded by design: one worker owns a table; no locks, no atomics.
 *
 *   keys (40 B)            bucket array (one 64 B cache line per bucket)
 *   ------------           +-------------------------------------------+
 *   fwd: client->VIP  --h--> | sig[0..9] (16 bits, 0 = empty slot)       |
 *   rev: backend->SNAT       | ref[0..9] (record index << 1 | dir)       |
 *         \                +-------------------------------------------+
 *          `-- b2 = (c(sig) - b1) mod n -> alternative bucket (cuckoo)
 *                                    |
 *                                    | ref >> 1
 *                                    v
 *        rec[]  (struct zdp_flow, 64 B: both compact IPv4 keys and every
 *                per-packet field; an IPv4 packet reads this line only)
 *        conn[] (struct zdp_flow_conn, 128 B, same index: full keys and
 *                the NAT binding; IPv6 packets, insert, remove, ICMP)
 *        [0] unused  [1..capacity] flows  + LIFO free list
 *                                    ^
 *                      expiry clock hand sweeps [1..high_water] in chunks
 *
 * Lookup: a 64-bit hash h; b1 = its low 32 bits scaled to the bucket
 * count, sig = its top 16 bits, b2 = (c(sig) - b1) mod n (an involution:
 * an entry moves between its buckets without its key).
 * Compare the 10 signatures of b1 (one cache line), then the key in the
 * record for each signature hit (IPv4: the 16-byte compact key in the hot
 * record; IPv6: the full 40-byte key in the connection); only when that
 * fails, b2. ref's low bit tells which direction matched. The burst
 * version runs in stages like rte_cuckoo_hash's bulk lookup: hash all
 * keys and prefetch b1; scan signatures and prefetch the candidate's hot
 * record (or b2 when b1 has no candidate); for keys in b2, scan b2 and
 * prefetch their records; then compare.
 *
 * Insert puts a key in b1 unless b1 is full (so almost every hit costs one
 * bucket line), then b2; when both are full a breadth-first cuckoo path
 * search moves entries to their other buckets to make room. Buckets are
 * sized for <= 80% slot load at full capacity (2 keys per flow, 10 slots
 * per bucket): ~4% of keys then sit in b2, and insertion fails only when
 * the record pool is empty (-ENOSPC). The bucket array is kept small on
 * purpose (16 MB for 1M flows): its lines, and the hot records' (64 MB),
 * are the two random reads of every packet, and a random line costs more
 * the larger the region it falls in (docs/performance-fastpath.md).
 *
 * Expiry: records are taken LIFO from a free list that starts in index
 * order, so live records cluster at low indices; a clock hand scans up to
 * @budget record slots per zdp_flow_expire() call over [1, high_water],
 * calling the callback for each record whose expires <= now and then
 * removing it. Worst-case delay between expiry and reclaim is one sweep
 * (high_water / budget calls). zdp_flow_expire_all() is for shutdown/tests.
 *
 * The hash is two CRC32c over the key (IPv4: over its compact form) with
 * per-table seeds. It is NOT the worker-selection hash (that one is
 * symmetric; see symhash.h) and must not be used as one.
 *
 * Time: every function takes `now` in the caller's unit (TSC cycles in the
 * worker); timeouts are in the same unit.
 */
#ifndef ZDP_FLOW_H
#define ZDP_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "nat.h"
#include "parse.h"
#include "zdp_addr.h"

/*
 * Lookup key, 40 bytes: addresses in network order (IPv4 in the first 4
 * bytes, rest zero), ports network order, pad zero. Build it with
 * zdp_flow_key_make() / zdp_flow_key_from_pkt() so the padding is right.
 */
struct zdp_flow_key {
	uint8_t  a_src[16];
	uint8_t  a_dst[16];
	uint16_t sport, dport;	/* network order; ICMP echo: sport = id, dport 0 */
	uint8_t  proto;		/* ZDP_IPPROTO_* */
	uint8_t  family;	/* ZDP_AF_INET / ZDP_AF_INET6 */
	uint8_t  pad[2];	/* must be zero */
};

/* TCP tracking states (coarse: no sequence-number tracking). */
#define ZDP_FLOW_TCP_STATES(X)						\
	X(NONE,        "none")        /* created, nothing seen yet / UDP */ \
	X(SYN_SENT,    "syn_sent")    /* client SYN seen */		\
	X(SYN_RCVD,    "syn_rcvd")    /* backend SYN-ACK seen */		\
	X(ESTABLISHED, "established") /* client ACK after SYN-ACK */	\
	X(FIN_WAIT,    "fin_wait")    /* one side sent FIN */		\
	X(CLOSING,     "closing")     /* both sides sent FIN */		\
	X(TIME_WAIT,   "time_wait")   /* last ACK after both FINs */	\
	X(CLOSED,      "closed")      /* RST seen */

enum zdp_flow_tcp_state {
#define ZDP_FLOW_X_(s, n) ZDP_FLOW_TCP_##s,
	ZDP_FLOW_TCP_STATES(ZDP_FLOW_X_)
#undef ZDP_FLOW_X_
	ZDP_FLOW_TCP__COUNT
};

const char *zdp_flow_tcp_state_name(unsigned state);

/* Directions: which key of the record a packet matched. */
#define ZDP_FLOW_NH_NONE 0xff	/* nh_port[] value: nothing cached */

#define ZDP_FLOW_DIR_FWD 0	/* client -> VIP, as first received */
#define ZDP_FLOW_DIR_REV 1	/* backend -> SNAT address (reply) */

/*
 * The 16 bytes of a key that differ between IPv4 keys: the first 4 bytes of
 * each address and the last 8 bytes of the key (ports, protocol, family,
 * pad), in the same order. An IPv4 key is all zero elsewhere, so two IPv4
 * keys are equal exactly when their compact forms are. For IPv6 flows the
 * compact form still carries the ports, protocol and family (the expiry
 * and TCP tracking read the protocol from here); their lookups compare the
 * full key.
 */
struct zdp_flow_key4 {
	uint8_t  a_src[4];
	uint8_t  a_dst[4];
	uint16_t sport, dport;
	uint8_t  proto;
	uint8_t  family;
	uint8_t  pad[2];
};

/*
 * One connection, in two parts at the same index of two arrays, so that
 * the array every packet reads holds nothing else (a packet's cost at 1M
 * flows grows with the size of the region its random lines fall in,
 * docs/performance-fastpath.md):
 *
 * struct zdp_flow, the hot record (64 B, one cache line). A packet of an
 * IPv4 flow, in either direction, touches this line only: the lookup
 * compares the compact form of its key here, and the rewrite data of one
 * direction IS the other direction's key (rev = backend:bport ->
 * snat:nport, so a forward packet gets src = rev.a_dst, dst = rev.a_src; a
 * reply gets src = fwd.a_dst, dst = fwd.a_src). It holds the compact keys,
 * the next-hop cache of both directions, TCP state, next-hop epoch,
 * backend id and expires (the expiry sweep reads this line only). Lookups
 * return it; the pointer is stable while the flow lives.
 *
 * struct zdp_flow_conn, the connection (128 B, two lines; zdp_flow_conn_of()):
 * the full keys and the NAT binding, written once at insert. IPv6 packets
 * read it (compare and rewrite), as do insert, remove, the next-hop
 * resolution of IPv6 flows and ICMP errors.
 *
 * Keys of NAT flows must be consistent with the binding:
 *   TCP/UDP: rev = (backend_addr, backend_port) -> (snat_addr, snat_port);
 *   ICMP echo: rev = (backend_addr, id snat_port) -> (snat_addr, 0).
 * zdp_flow_insert() derives the compact keys from the full ones.
 */
struct zdp_flow {
	struct zdp_flow_key4 fwd4;	/* compact fwd (set by zdp_flow_insert) */
	struct zdp_flow_key4 rev4;	/* compact rev (set by zdp_flow_insert) */
	/* Next-hop cache, one per direction, owned by the caller (fastpath.c):
	 * egress port index (ZDP_FLOW_NH_NONE = not cached) and destination
	 * MAC, valid while nh_epoch equals the caller's current epoch. It saves
	 * a route and a neighbour lookup per packet. */
	uint8_t  nh_mac[2][6];
	uint8_t  nh_port[2];
	uint8_t  tcp_state;		/* enum zdp_flow_tcp_state */
	uint8_t  tflags;		/* internal: tracking bits, do not touch */
	uint32_t nh_epoch;
	uint32_t backend_id;		/* opaque id given to zdp_flow_insert() */
	uint64_t expires;		/* absolute, caller's time unit */
} __attribute__((aligned(64)));

struct zdp_flow_conn {
	/* line 0 */
	struct zdp_flow_key fwd;	/* client -> VIP as received */
	struct zdp_addr snat_addr;	/* forward rewrite: src -> snat_addr:snat_port */
	uint16_t snat_port, backend_port;	/* network order */
	/* line 1 */
	struct zdp_flow_key rev;	/* backend -> SNAT addr as it will be received */
	struct zdp_addr backend_addr;	/* forward rewrite: dst -> backend_addr:backend_port;
					 * reverse restores src = VIP (fwd.a_dst/dport),
					 * dst = client (fwd.a_src/sport) */
	uint32_t user32;		/* free for the caller */
} __attribute__((aligned(64)));

struct zdp_flow_timeouts {
	uint64_t syn;		/* NONE (TCP), SYN_SENT, SYN_RCVD */
	uint64_t established;	/* ESTABLISHED */
	uint64_t closing;	/* FIN_WAIT, CLOSING */
	uint64_t time_wait;	/* TIME_WAIT, CLOSED (after RST) */
	uint64_t udp;		/* UDP / ICMP flows, refreshed per packet */
};

#define ZDP_FLOW_F_NO_ZERO	0x1u	/* don't pre-fault memory at create */

struct zdp_flow_params {
	uint32_t capacity;		/* max connections (records); keys = 2x */
	unsigned flags;			/* ZDP_FLOW_F_* */
	uint32_t seed;			/* hash seed (0 is fine) */
	struct zdp_flow_timeouts timeouts;
	/* Optional allocator (e.g. rte_zmalloc_socket wrapper for NUMA
	 * placement). NULL: aligned_alloc + memset. Must return memory
	 * aligned to @align and zeroed. */
	void *(*alloc)(size_t size, size_t align, void *arg);
	void (*free)(void *p, void *arg);
	void *alloc_arg;
	/* Bucket count override (even, >= 2); 0 = automatic, sized for
	 * <= 80% slot load. Tests use a tiny value to force full buckets. */
	uint32_t buckets;
};

struct zdp_flow_stats {
	uint64_t active;	/* flows in the table now */
	uint64_t created;	/* successful inserts */
	uint64_t expired;	/* removed by zdp_flow_expire*() */
	uint64_t removed;	/* removed by zdp_flow_remove() */
	uint64_t insert_failed;	/* -ENOSPC */
	uint64_t insert_exists;	/* -EEXIST */
	uint64_t cuckoo_moves;	/* inserts that moved other keys to make room */
	uint64_t capacity;
};

struct zdp_flow_table;

/*
 * Create a table. Returns NULL with errno = EINVAL (capacity 0 or > 2^30,
 * buckets odd or 1, alloc without free) or ENOMEM. Memory:
 * 64 B (hot record) + 128 B (connection) + 4 B (free list) per flow and
 * 64 B per bucket, buckets = capacity / 4 rounded up to even (<= 80% slot
 * load at full capacity; about 212 MB for 1M flows, 16 MB of it buckets).
 */
struct zdp_flow_table *zdp_flow_table_create(const struct zdp_flow_params *p);
/* Frees everything; does not call any callback. NULL is a no-op. */
void zdp_flow_table_destroy(struct zdp_flow_table *t);

/* Memory the table holds, in bytes. */
size_t zdp_flow_table_bytes(const struct zdp_flow_table *t);
/* Number of buckets (10 key slots each). */
uint32_t zdp_flow_table_buckets(const struct zdp_flow_table *t);

void zdp_flow_set_timeouts(struct zdp_flow_table *t,
			   const struct zdp_flow_timeouts *to);
void zdp_flow_get_stats(const struct zdp_flow_table *t, struct zdp_flow_stats *st);

/* Hash of a key as the table computes it (for tests and debugging). */
uint64_t zdp_flow_key_hash(const struct zdp_flow_table *t,
			   const struct zdp_flow_key *k);

/*
 * Single lookup. Returns the flow or NULL; *dir (may be NULL) gets
 * ZDP_FLOW_DIR_FWD or ZDP_FLOW_DIR_REV.
 */
struct zdp_flow *zdp_flow_lookup(struct zdp_flow_table *t,
				 const struct zdp_flow_key *key, uint8_t *dir);

/*
 * Staged bulk lookup of @n keys (any n; processed in groups of ZDP_FLOW_BURST_MAX).
 * out[i] = flow or NULL, dir[i] = direction when found.
 * Returns the number of hits.
 */
#define ZDP_FLOW_BURST_MAX 64
unsigned zdp_flow_lookup_burst(struct zdp_flow_table *t,
			       const struct zdp_flow_key *const keys[],
			       unsigned n, struct zdp_flow *out[], uint8_t dir[]);

/*
 * The same lookup split in two so the caller can overlap the bucket miss
 * with its own work: zdp_flow_hash_prefetch() hashes a key and prefetches
 * its first bucket (call it as soon as the key is built), and
 * zdp_flow_lookup_burst_hashed() runs the remaining stages with those
 * hashes (hashes[i] must be zdp_flow_hash_prefetch(t, keys[i])).
 * zdp_flow_hash_prefetch() is inline (below): it runs once per packet in
 * the receive loop, where a call cost more than the hash.
 */
unsigned zdp_flow_lookup_burst_hashed(struct zdp_flow_table *t,
				      const struct zdp_flow_key *const keys[],
				      const uint64_t hashes[], unsigned n,
				      struct zdp_flow *out[], uint8_t dir[]);

/*
 * Insert a connection: copies *c, derives the hot record's compact keys,
 * sets backend_id, tcp_state NONE, an empty next-hop cache and expires =
 * now + the timeout of that state (TCP) or the UDP timeout. Both keys go
 * into the table.
 * Returns 0 and *out (may be NULL) = the hot record;
 *   -EEXIST  either key is already present (*out = that existing flow);
 *   -ENOSPC  the table is full (no crash, counted in insert_failed);
 *   -EINVAL  fwd and rev are the same key, or a key is malformed (non-zero
 *            pad, or an IPv4 key with bytes beyond its 4-byte addresses).
 * The record pointer is stable until the flow is removed or expires.
 */
int zdp_flow_insert(struct zdp_flow_table *t, const struct zdp_flow_conn *c,
		    uint32_t backend_id, uint64_t now, struct zdp_flow **out);

/* The connection (full keys, NAT binding) of a flow of @t. */
const struct zdp_flow_conn *zdp_flow_conn_of(const struct zdp_flow_table *t,
					     const struct zdp_flow *f);

/* Remove a flow (both keys) and free its record. No callback is called. */
void zdp_flow_remove(struct zdp_flow_table *t, struct zdp_flow *f);

/*
 * TCP tracking for ageing: advance f->tcp_state for a segment with
 * @tcp_flags (ZDP_TCP_*) seen in direction @dir, and set
 * f->expires = now + timeout(new state). Returns the new state.
 *   NONE/CLOSED/TIME_WAIT + fwd SYN -> SYN_SENT  (port reuse restarts)
 *   SYN_SENT + rev SYN|ACK          -> SYN_RCVD
 *   SYN_RCVD + fwd ACK              -> ESTABLISHED
 *   SYN_SENT/SYN_RCVD/ESTABLISHED + FIN -> FIN_WAIT
 *   FIN_WAIT + FIN from the other side -> CLOSING
 *   CLOSING + ACK (no FIN) from the side that closed first -> TIME_WAIT
 *   any + RST                       -> CLOSED
 * Anything else keeps the state (and refreshes its timeout).
 */
uint8_t zdp_flow_tcp_update(struct zdp_flow_table *t, struct zdp_flow *f,
			    uint8_t dir, uint8_t tcp_flags, uint64_t now);

/* UDP/ICMP (or any non-TCP) activity: expires = now + timeouts.udp. */
void zdp_flow_refresh(struct zdp_flow_table *t, struct zdp_flow *f, uint64_t now);

/*
 * Incremental expiry: scan at most @budget record slots from the clock
 * hand; for each flow with expires <= now call cb(f, arg) (if cb is not
 * NULL) — the caller frees its NAT port there; the record (and its keys)
 * is valid and still in the table during the call — then remove it. The
 * callback should not insert; removing @f itself is tolerated.
 * Returns the number of flows expired. Each flow is reported exactly once.
 */
typedef void (*zdp_flow_expire_cb)(struct zdp_flow *f, void *arg);
unsigned zdp_flow_expire(struct zdp_flow_table *t, uint64_t now,
			 unsigned budget, zdp_flow_expire_cb cb, void *arg);
/* Remove every flow (calling cb for each); for shutdown. Returns count. */
unsigned zdp_flow_expire_all(struct zdp_flow_table *t,
			     zdp_flow_expire_cb cb, void *arg);

/*
 * What the inline hash needs of a table: the first member of struct
 * zdp_flow_table (flow.c), a copy of its bucket array, mask and seeds.
 */
struct zdp_flow_table_hashing {
	const void *buckets;		/* 64-byte buckets */
	uint32_t n_buckets;		/* even, >= 2; any, not only powers of two */
	uint32_t seed, seed2;
};

/* A hash's first bucket: the low 32 bits scaled to [0, n) (multiply and
 * shift, no division; Lemire's fastrange). */
static inline uint32_t
zdp_flow_bucket_of(uint64_t h, uint32_t n)
{
	return (uint32_t)(((uint64_t)(uint32_t)h * n) >> 32);
}

/*
 * 64-bit hash of an IPv4 key (flow.c key_hash): two CRC32c chains over its
 * compact form (an IPv4 key is zero elsewhere), the second over the words
 * in the opposite order with another seed, a different linear function of
 * the key rather than the first plus a constant. Bucket from the low bits,
 * signature from the top 16.
 */
static inline uint64_t
zdp_flow_key_hash4(const struct zdp_flow_table_hashing *th, const struct zdp_flow_key *k)
{
	uint32_t s, d, lo, hi;
	uint64_t addrs, tail;

	memcpy(&s, k->a_src, 4);
	memcpy(&d, k->a_dst, 4);
	memcpy(&tail, &k->sport, 8);
	addrs = (uint64_t)s | (uint64_t)d << 32;
	lo = rte_hash_crc_8byte(tail, rte_hash_crc_8byte(addrs, th->seed));
	hi = rte_hash_crc_8byte(addrs, rte_hash_crc_8byte(tail, th->seed2));
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t
zdp_flow_hash_prefetch(const struct zdp_flow_table *t, const struct zdp_flow_key *key)
{
	const struct zdp_flow_table_hashing *th = (const struct zdp_flow_table_hashing *)t;
	uint64_t h = likely(key->family == ZDP_AF_INET) ? zdp_flow_key_hash4(th, key)
							: zdp_flow_key_hash(t, key);

	rte_prefetch0((const uint8_t *)th->buckets + (size_t)zdp_flow_bucket_of(h, th->n_buckets) * 64);
	return h;
}

/* Key builders: zero the padding and the unused IPv6 bytes for IPv4. */
static inline void
zdp_flow_key_make(struct zdp_flow_key *k, uint8_t proto,
		  const struct zdp_addr *src, uint16_t sport,
		  const struct zdp_addr *dst, uint16_t dport)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->a_src, src->a, 16);
	memcpy(k->a_dst, dst->a, 16);
	k->sport = sport;
	k->dport = dport;
	k->proto = proto;
	k->family = src->family;
}

/* From a parsed packet; ICMP/ICMPv6 keys use the echo id as sport and 0 as
 * dport so a request and its reply build matching (reversed) keys. */
static inline void
zdp_flow_key_from_pkt(struct zdp_flow_key *k, const struct zdp_pkt_info *pi)
{
	uint16_t dport = pi->dport;

	if (pi->l4_proto == ZDP_IPPROTO_ICMP || pi->l4_proto == ZDP_IPPROTO_ICMPV6)
		dport = 0;
	if (pi->family == ZDP_AF_INET) {
		/* Whole 8-byte words, built in registers: the key is hashed
		 * and compared 8 bytes at a time right away, and a load that
		 * spans several smaller pending stores (memset + 4-byte
		 * copies) cannot be forwarded from the store buffer and
		 * stalls. The parser wrote the addresses with 4-byte stores,
		 * so read them that way. */
		uint32_t s4, d4;
		uint64_t w[5];

		memcpy(&s4, pi->src.a, 4);
		memcpy(&d4, pi->dst.a, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w[0] = s4;
		w[2] = d4;
		w[4] = (uint64_t)pi->sport | (uint64_t)dport << 16 |
		       (uint64_t)pi->l4_proto << 32 | (uint64_t)ZDP_AF_INET << 40;
#else
		w[0] = (uint64_t)s4 << 32;
		w[2] = (uint64_t)d4 << 32;
		w[4] = (uint64_t)pi->sport << 48 | (uint64_t)dport << 32 |
		       (uint64_t)pi->l4_proto << 24 | (uint64_t)ZDP_AF_INET << 16;
#endif
		w[1] = w[3] = 0;
		memcpy(k, w, sizeof(w));
		return;
	}
	{
		/* IPv6: the same, whole words (the hash reads 8 at a time). */
		uint64_t w[5];

		memcpy(w, pi->src.a, 16);
		memcpy(w + 2, pi->dst.a, 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		w[4] = (uint64_t)pi->sport | (uint64_t)dport << 16 |
		       (uint64_t)pi->l4_proto << 32 | (uint64_t)pi->src.family << 40;
#else
		w[4] = (uint64_t)pi->sport << 48 | (uint64_t)dport << 32 |
		       (uint64_t)pi->l4_proto << 24 | (uint64_t)pi->src.family << 16;
#endif
		memcpy(k, w, sizeof(w));
	}
}

/* Addresses of a key as struct zdp_addr. */
static inline void
zdp_flow_key_addrs(const struct zdp_flow_key *k, struct zdp_addr *src,
		   struct zdp_addr *dst)
{
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	src->family = dst->family = k->family;
	memcpy(src->a, k->a_src, 16);
	memcpy(dst->a, k->a_dst, 16);
}

/*
 * Apply the flow's NAT to a packet that matched it in direction @dir:
 *   FWD: src -> snat_addr:snat_port, dst -> backend_addr:backend_port
 *   REV: src -> VIP (fwd.a_dst:fwd.dport), dst -> client (fwd.a_src:fwd.sport)
 * ICMP echo: the id is rewritten (snat_port forward, the client's id back).
 * Both directions read the addresses and ports from the other direction's
 * key (see struct zdp_flow), so only the connection's two lines are
 * touched. Returns zdp_nat_rewrite()'s result (0 or -EINVAL).
 */
static inline int
zdp_flow_rewrite(uint8_t *frame, const struct zdp_pkt_info *pi,
		 const struct zdp_flow_conn *c, uint8_t dir)
{
	/* The key a reply to this packet would carry: its source is our new
	 * destination and its destination our new source. */
	const struct zdp_flow_key *k = dir == ZDP_FLOW_DIR_FWD ? &c->rev : &c->fwd;
	struct zdp_addr src, dst;

	zdp_flow_key_addrs(k, &dst, &src);
	if (pi->l4_proto == ZDP_IPPROTO_ICMP || pi->l4_proto == ZDP_IPPROTO_ICMPV6)
		/* the echo id travels in the sport slot both ways */
		return zdp_nat_rewrite(frame, pi, &src, k->sport, &dst, 0);
	return zdp_nat_rewrite(frame, pi, &src, k->dport, &dst, k->sport);
}

/*
 * zdp_nat_ttl_dec() + zdp_flow_rewrite() for an IPv4 TCP/UDP packet (the
 * caller checks family, protocol and TTL > 1; see zdp_nat_rewrite4_ttl()).
 * Reads the compact keys of the hot record only.
 */
static inline void
zdp_flow_nat4_ttl(uint8_t *frame, const struct zdp_pkt_info *pi,
		  const struct zdp_flow *f, uint8_t dir)
{
	const struct zdp_flow_key4 *k = dir == ZDP_FLOW_DIR_FWD ? &f->rev4 : &f->fwd4;

	zdp_nat_rewrite4_ttl(frame, pi, k->a_dst, k->dport, k->a_src, k->sport);
}

/*
 * zdp_nat_ttl_dec() + zdp_flow_rewrite() for an IPv6 TCP/UDP packet (the
 * caller checks family, protocol and hop limit > 1; see
 * zdp_nat_rewrite6_ttl()). Reads the connection's other key.
 */
static inline void
zdp_flow_nat6_ttl(uint8_t *frame, const struct zdp_pkt_info *pi,
		  const struct zdp_flow_conn *c, uint8_t dir)
{
	const struct zdp_flow_key *k = dir == ZDP_FLOW_DIR_FWD ? &c->rev : &c->fwd;

	zdp_nat_rewrite6_ttl(frame, pi, k->a_dst, k->dport, k->a_src, k->sport);
}

/*
 * The peer a packet matched in direction @dir goes to: the source of the
 * other direction's key (the backend for FWD, the client for REV). IPv4
 * flows read the hot record only.
 */
static inline void
zdp_flow_peer(const struct zdp_flow_table *t, const struct zdp_flow *f, uint8_t dir,
	      struct zdp_addr *peer)
{
	const struct zdp_flow_key4 *c = dir == ZDP_FLOW_DIR_FWD ? &f->rev4 : &f->fwd4;

	memset(peer, 0, sizeof(*peer));
	peer->family = c->family;
	if (c->family == ZDP_AF_INET)
		memcpy(peer->a, c->a_src, 4);
	else
	{
		const struct zdp_flow_conn *cn = zdp_flow_conn_of(t, f);

		memcpy(peer->a, (dir == ZDP_FLOW_DIR_FWD ? &cn->rev : &cn->fwd)->a_src, 16);
	}
}

/* The compact form of a key (struct zdp_flow_key4). */
static inline void
zdp_flow_key4_of(struct zdp_flow_key4 *c, const struct zdp_flow_key *k)
{
	memcpy(c->a_src, k->a_src, 4);
	memcpy(c->a_dst, k->a_dst, 4);
	memcpy(&c->sport, &k->sport, 8);	/* sport .. pad, as in the key */
}

static inline bool
zdp_flow_key_eq(const struct zdp_flow_key *x, const struct zdp_flow_key *y)
{
	return memcmp(x, y, sizeof(*x)) == 0;
}

#endif /* ZDP_FLOW_H */
