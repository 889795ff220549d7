/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_lb.h — weighted consistent hashing (Maglev-style), mgmt-side API.
 *
 * The mgmt thread builds one immutable table per weighted backend set
 * (zdp_lb_table_build) and publishes it inside a config snapshot; workers
 * map a flow hash to a backend with zdp_lb_table_lookup (zdp_lb_lookup.h),
 * one load, no branches on the table contents. No DPDK, no packets.
 *
 * Everything here is deterministic: the same set of (key, id, weight)
 * builds a byte-identical table on every node, whatever order the caller
 * lists the backends in, on every build and CPU. docs/lb.md explains the
 * algorithm, its disruption properties and the size/accuracy trade-off.
 */
#ifndef ZDP_LB_H
#define ZDP_LB_H

#include <stddef.h>
#include <stdint.h>

#include "zdp_addr.h"

/* Returned by a lookup on a table without any backend of weight > 0. */
#define ZDP_LB_NONE UINT32_MAX

/* Default table size: prime, ~100 entries per backend for ~650 backends,
 * 128 KiB with 16-bit entries. */
#define ZDP_LB_SIZE_DEFAULT 65537u
/* Largest accepted size (largest prime below 2^24): 64 MiB at 32 bits. */
#define ZDP_LB_SIZE_MAX 16777213u

struct zdp_lb_backend {
	/* Stable identity of the backend, e.g.
	 * "ns/reviews-v1|198.18.1.10|9080". It alone drives the backend's
	 * permutation, so it must be the same string on every node and
	 * unique within one build. The builder does not keep the pointer. */
	const char *key;
	/* Caller's index, returned by lookup. Must not be ZDP_LB_NONE. */
	uint32_t id;
	/* Route weight x endpoint capacity; 0 = excluded (key may then be
	 * NULL and is not checked for uniqueness). */
	uint64_t weight;
};

struct zdp_lb_table;

/*
 * Build a lookup table of @size entries (a prime in [2, ZDP_LB_SIZE_MAX];
 * 0 = ZDP_LB_SIZE_DEFAULT) over the @n backends in @b. Entry counts follow
 * the weights (each backend of weight > 0 gets at least one entry while
 * the number of such backends is <= size; see docs/lb.md).
 *
 * No backend of weight > 0 is not an error: *@out is then an empty table
 * whose lookups return ZDP_LB_NONE.
 *
 * Returns 0 and stores a new table in *@out (caller owns it, free with
 * zdp_lb_table_destroy), or, leaving *@out untouched:
 *   -EINVAL  @out NULL, @b NULL with @n > 0, @size not 0 and not a prime in
 *            range, a backend of weight > 0 with a NULL key, an id equal to
 *            ZDP_LB_NONE, or a key used twice;
 *   -ENOMEM  allocation failed.
 * Runs in O(size log size + n log n) expected time; mgmt side only.
 */
int zdp_lb_table_build(const struct zdp_lb_backend *b, size_t n, uint32_t size,
		       struct zdp_lb_table **out);

/* Free a table built by zdp_lb_table_build. NULL is a no-op. */
void zdp_lb_table_destroy(struct zdp_lb_table *t);

/* The accessors below take a table from zdp_lb_table_build (not NULL). */

/* Number of entries the table was built with (the prime asked for, or the
 * default); also for an empty table. */
uint32_t zdp_lb_table_size(const struct zdp_lb_table *t);

/* Number of backends of weight > 0 the table was built from (0 = empty). */
uint32_t zdp_lb_table_backends(const struct zdp_lb_table *t);

/* Id stored in entry @idx (< zdp_lb_table_size), ZDP_LB_NONE for an empty
 * table or an out-of-range index. For stats, dumps and tests. */
uint32_t zdp_lb_table_entry(const struct zdp_lb_table *t, uint32_t idx);

/* The entry array as stored (little-endian, 2 or 4 bytes per entry, no
 * padding), for dumps and for comparing tables byte for byte. *@len gets
 * the length in bytes (0 for an empty table). */
const void *zdp_lb_table_raw(const struct zdp_lb_table *t, size_t *len);

/* Bytes per entry: 2 when every id fits in 16 bits, else 4. */
unsigned zdp_lb_table_entry_bytes(const struct zdp_lb_table *t);

/* Heap bytes the table holds (header + entries + padding). */
size_t zdp_lb_table_memory(const struct zdp_lb_table *t);

/*
 * Canary weight sets: turn a route's per-group weights (one group per
 * destination service, e.g. 90/10) and per-endpoint capacities into one
 * zdp_lb_backend.weight per endpoint, so that each group receives exactly
 * its route share (whatever the groups' capacity sums) and endpoints
 * within a group share it in proportion to their capacities:
 *
 *   out[i] ~ group_weight[g] * capacity[i] / capsum(g),  g = group[i]
 *
 * scaled by the lcm of the capacity sums, then divided by the gcd of all
 * results, so the values are exact integers. If that does not fit 64 bits
 * (many groups with large coprime sums), each value is instead rounded
 * down to a 2^-32 fraction of one route-weight point (coarser only if the
 * largest value must be shifted to fit 64 bits), and no endpoint that
 * should get traffic is rounded to 0. Endpoints of a group with weight 0 or
 * capacity sum 0 get 0 (excluded); the remaining groups then share the
 * traffic in proportion to their weights, as the table build does.
 *
 * Returns 0, or -EINVAL (NULL array with n or n_groups > 0, group[i] >=
 * n_groups). @out has @n entries.
 */
int zdp_lb_weights_combine(const uint32_t *group_weight, size_t n_groups,
			   const size_t *group, const uint32_t *capacity, size_t n,
			   uint64_t *out);

/*
 * Deterministic flow hash for backend selection: SipHash-2-4 under a fixed
 * key (ZDP_LB_TUPLE_KEY in lb_hash.c) over a canonical encoding of the
 * 5-tuple, folded to 32 bits. The same on every node, build and CPU: no
 * random seed, no CRC32/AES instructions whose presence would change the
 * result. @src/@dst are struct zdp_addr (network byte order, both of the
 * same family); @sport/@dport are in HOST byte order (convert from the
 * header with rte_be_to_cpu_16 or ntohs). It is direction-dependent on
 * purpose: the lb picks a backend for the client->VIP direction only.
 * Encoding (docs/lb.md): family, proto, sport (BE), dport (BE), src, dst,
 * addresses 4 bytes for ZDP_AF_INET and 16 bytes otherwise.
 */
uint32_t zdp_lb_hash_tuple(const struct zdp_addr *src, const struct zdp_addr *dst,
			   uint16_t sport, uint16_t dport, uint8_t proto);

/* SipHash-2-4 (Aumasson & Bernstein, 2012) of @len bytes at @msg under the
 * 16-byte @key; reference-vector compatible. Used for backend keys and
 * tuples; exposed so tests can check it against the published vectors. */
uint64_t zdp_lb_siphash24(const uint8_t key[16], const void *msg, size_t len);

#endif /* ZDP_LB_H */
