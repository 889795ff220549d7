/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_lb_lookup.h — worker-side lookup in a Maglev table.
 *
 * The table layout lives here only so the lookup can be inlined into the
 * worker's fast path; nothing outside lb/ may touch the fields.
 *
 *   +--------------------- 64 B header ---------------------+
 *   | nslots | mask | shift | size | nbackends | mem        |
 *   +--------------------------------------------------------+
 *   | data: nslots entries, little-endian, 2 or 4 bytes each |
 *   | + 2 bytes of zero padding (see below), 64 B aligned    |
 *   +--------------------------------------------------------+
 *
 * Lookup is branch-free and one load:
 *   idx   = (hash * nslots) >> 32        multiply-shift range reduction
 *                                        (Lemire 2019) instead of a
 *                                        division by the prime;
 *   entry = le32(load32(data + (idx << shift))) & mask.
 * A 16-bit table loads 4 bytes and masks the upper half off, which is why
 * the data has 2 bytes of padding after the last entry; the same code
 * therefore serves both entry widths without a branch on the width.
 * An empty table (no backend of weight > 0) is stored as nslots = 1,
 * shift = 2, mask = ~0 and one entry 0xffffffff = ZDP_LB_NONE, so it needs
 * no branch either. The only branch is the NULL check, for callers that
 * keep NULL for "no table" (it is perfectly predicted).
 */
#ifndef ZDP_LB_LOOKUP_H
#define ZDP_LB_LOOKUP_H

#include <stdint.h>
#include <string.h>

#include "zdp_lb.h"

struct zdp_lb_table {
	uint32_t nslots;	/* entries the lookup maps onto (1 if empty) */
	uint32_t mask;		/* 0xffff for 16-bit entries, else ~0 */
	uint32_t shift;		/* log2(bytes per entry): 1 or 2 */
	uint32_t size;		/* size as requested / defaulted */
	uint32_t nbackends;	/* backends of weight > 0 */
	uint32_t pad_;
	size_t mem;		/* bytes allocated, header included */
	uint8_t data[] __attribute__((aligned(64)));
};

static inline uint32_t
zdp_lb_le32_(uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap32(v);
#else
	return v;
#endif
}

/* Slot a hash maps to; exposed for the bulk lookup's prefetch stage. */
static inline const uint8_t *
zdp_lb_table_slot_(const struct zdp_lb_table *t, uint32_t hash)
{
	uint32_t idx = (uint32_t)(((uint64_t)hash * t->nslots) >> 32);

	return t->data + ((size_t)idx << t->shift);
}

/*
 * Backend id for a flow @hash (zdp_lb_hash_tuple, or any uniformly
 * distributed 32-bit hash); ZDP_LB_NONE for an empty or NULL table.
 * O(1), safe on any worker while the table is published (read-only).
 */
static inline uint32_t
zdp_lb_table_lookup(const struct zdp_lb_table *t, uint32_t hash)
{
	uint32_t v;

	if (t == NULL)
		return ZDP_LB_NONE;
	memcpy(&v, zdp_lb_table_slot_(t, hash), sizeof(v));
	return zdp_lb_le32_(v) & t->mask;
}

/*
 * Staged lookup for a burst: computes every slot and prefetches it, then
 * loads, so the cache misses of a large table overlap (the same idea as
 * rte_hash's bulk lookup). @out[i] = zdp_lb_table_lookup(t, hash[i]).
 * In lb_maglev_lookup.c.
 */
void zdp_lb_table_lookup_bulk(const struct zdp_lb_table *t, const uint32_t *hash,
			      uint32_t *out, unsigned n);

#endif /* ZDP_LB_LOOKUP_H */
