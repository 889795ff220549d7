/* SPDX-License-Identifier: BSD-3-Clause
 * lb_maglev_build.c — mgmt side: build a weighted Maglev table.
 *
 * Maglev (Eisenbud et al., NSDI 2016, §3.4): every backend owns a
 * permutation of the M slots, slot_j = (offset + j * skip) mod M with M
 * prime and skip in [1, M-1], so the permutation visits every slot. Backends
 * take turns claiming the next still-free slot of their own permutation
 * until the table is full. Because a backend's preferred slots depend only
 * on its key, removing or adding one backend mostly leaves the others'
 * slots where they were.
 *
 * Weights decide how many turns each backend gets, not its permutation:
 *
 * 1. Apportionment (lb_apportion): backend i gets c_i entries, its share
 *    M * w_i / W rounded by largest remainder (Hamilton), except that a
 *    backend whose share is below one entry gets exactly one and the others
 *    split the rest. So every backend with weight > 0 owns an entry while
 *    n <= M, and every other backend is within one entry of its quota.
 *    Exact integer arithmetic (128-bit), so any uint64_t weight works.
 *    (A divisor method such as Sainte-Lague, i.e. "every round add
 *    w_i / w_max credit and claim per whole credit", lets a heavy backend
 *    lose ~n/6 entries when n equal small backends tie at the end; the
 *    unit test "one backend half the weight" catches that.)
 * 2. Turn order (lb_populate): backend i takes its k-th turn at virtual
 *    time (k + 1/2) / c_i, k = 0 .. c_i - 1, served in time order (ties:
 *    more entries first, then key order) from a min-heap, O(log n) a turn.
 *    Turns are spread evenly, as in the credit scheme, so a backend whose
 *    weight changes a little only gains or loses its last few claims —
 *    this is what keeps weight changes and removals close to minimal.
 *
 * Determinism: backends are sorted by key first, so the table depends only
 * on the set of (key, id, weight), never on the caller's order, the
 * platform's endianness or qsort's stability (keys are unique, and every
 * comparator ends on the key-order index).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lb_hash.h"
#include "zdp_lb.h"
#include "zdp_lb_lookup.h"

__extension__ typedef unsigned __int128 lb_u128;

/* Builder state per backend of weight > 0, in key order. */
struct lb_member {
	const char *key;
	uint32_t id;
	uint64_t weight;
	uint32_t slot;		/* next slot of its permutation to try */
	uint32_t skip;
	uint32_t count;		/* entries it gets (apportionment) */
	uint32_t turns;		/* turns taken so far */
};

/* Sort record for the apportionment. */
struct lb_rank {
	lb_u128 rem;		/* remainder of M' * w / W' */
	uint64_t weight;
	uint32_t idx;		/* member index = key order */
};

static bool
lb_is_prime(uint32_t v)
{
	uint32_t d;

	if (v < 2)
		return false;
	if (v % 2 == 0)
		return v == 2;
	for (d = 3; (uint64_t)d * d <= v; d += 2)
		if (v % d == 0)
			return false;
	return true;
}

static int
lb_member_cmp_key(const void *a, const void *b)
{
	const struct lb_member *x = a, *y = b;

	return strcmp(x->key, y->key);
}

/* True when member @a's next turn comes before member @b's: times
 * (2k + 1) / (2c) compare as (2k_a + 1) c_b < (2k_b + 1) c_a, < 2^50. */
static bool
lb_turn_before(const struct lb_member *m, uint32_t a, uint32_t b)
{
	uint64_t ta = (2 * (uint64_t)m[a].turns + 1) * m[b].count;
	uint64_t tb = (2 * (uint64_t)m[b].turns + 1) * m[a].count;

	if (ta != tb)
		return ta < tb;
	if (m[a].count != m[b].count)
		return m[a].count > m[b].count;
	return a < b;
}

static void
lb_heap_down(const struct lb_member *m, uint32_t *heap, uint32_t n, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, best = i, tmp;

		if (l < n && lb_turn_before(m, heap[l], heap[best]))
			best = l;
		if (r < n && lb_turn_before(m, heap[r], heap[best]))
			best = r;
		if (best == i)
			return;
		tmp = heap[i];
		heap[i] = heap[best];
		heap[best] = tmp;
		i = best;
	}
}

static struct zdp_lb_table *
lb_table_alloc(uint32_t size, uint32_t nslots, unsigned shift)
{
	/* + 2 bytes: a 16-bit table's last lookup loads 4 bytes. */
	size_t data = ((size_t)nslots << shift) + 2;
	size_t total = sizeof(struct zdp_lb_table) + data;
	struct zdp_lb_table *t;

	total = (total + 63) & ~(size_t)63;
	t = aligned_alloc(64, total);
	if (t == NULL)
		return NULL;
	memset(t, 0, total);
	t->nslots = nslots;
	t->shift = shift;
	t->mask = shift == 1 ? 0xffffu : 0xffffffffu;
	t->size = size;
	t->mem = total;
	return t;
}

static void
lb_store_le(uint8_t *p, uint32_t v, unsigned bytes)
{
	unsigned i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int
lb_rank_by_weight_asc(const void *x, const void *y)
{
	const struct lb_rank *a = x, *b = y;

	if (a->weight != b->weight)
		return a->weight < b->weight ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Largest remainder first; ties: heavier, then key order. Also orders
 * "heaviest first" when every remainder is zero. */
static int
lb_rank_by_remainder_desc(const void *x, const void *y)
{
	const struct lb_rank *a = x, *b = y;

	if (a->rem != b->rem)
		return a->rem > b->rem ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Set m[i].count for every member so the counts sum to @size (step 1 in
 * the comment at the top). */
static int
lb_apportion(struct lb_member *m, uint32_t n, uint32_t size)
{
	struct lb_rank *r = malloc((size_t)n * sizeof(*r));
	lb_u128 total = 0, small_w = 0, rest_w;
	uint32_t p = 0, i, left;

	if (r == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		r[i].rem = 0;
		r[i].weight = m[i].weight;
		r[i].idx = i;
		m[i].count = 0;
		total += m[i].weight;
	}
	if (n >= size) {
		/* One entry each for the @size heaviest (then key order). */
		qsort(r, n, sizeof(*r), lb_rank_by_remainder_desc);
		for (i = 0; i < size; i++)
			m[r[i].idx].count = 1;
		free(r);
		return 0;
	}

	/* Backends below one entry's share get one; that lowers everyone
	 * else's share, so take them lightest first until the next one's
	 * share of what remains, (size - p) * w / (total - small_w), is at
	 * least one. Lighter backends always go first, so a prefix of the
	 * weight order is exactly the set below one entry. */
	qsort(r, n, sizeof(*r), lb_rank_by_weight_asc);
	while (p < n && (lb_u128)r[p].weight * (size - p) < total - small_w) {
		m[r[p].idx].count = 1;
		small_w += r[p].weight;
		p++;
	}

	/* Hamilton on the rest: floor of the share, then one more for the
	 * largest remainders until the counts add up. */
	left = size - p;
	rest_w = total - small_w;
	for (i = p; i < n; i++) {
		lb_u128 q = (lb_u128)left * r[i].weight;
		uint32_t c = (uint32_t)(q / rest_w);

		m[r[i].idx].count = c;
		r[i].rem = q % rest_w;
	}
	for (i = p; i < n; i++)
		left -= m[r[i].idx].count;
	/* left < n - p: the fractional parts sum to less than their count. */
	qsort(r + p, n - p, sizeof(*r), lb_rank_by_remainder_desc);
	for (i = p; left > 0; i++, left--)
		m[r[i].idx].count++;
	free(r);
	return 0;
}

static void
lb_heap_pop(const struct lb_member *m, uint32_t *heap, uint32_t *n)
{
	heap[0] = heap[--*n];
	lb_heap_down(m, heap, *n, 0);
}

/* Fill @owner (M slots, member index per slot) by weighted Maglev turns
 * (step 2 in the comment at the top). */
static int
lb_populate(struct lb_member *m, uint32_t n, uint32_t size, uint32_t *owner)
{
	uint32_t *heap = malloc((size_t)n * sizeof(*heap));
	uint32_t filled = 0, nh = 0, i;

	if (heap == NULL)
		return -ENOMEM;
	for (i = 0; i < size; i++)
		owner[i] = UINT32_MAX;
	for (i = 0; i < n; i++)
		if (m[i].count > 0)
			heap[nh++] = i;
	for (i = nh / 2; i-- > 0;)
		lb_heap_down(m, heap, nh, i);

	/* The counts sum to @size, so the heap empties as the table fills. */
	while (nh > 0) {
		struct lb_member *b = &m[heap[0]];

		/* The permutation visits every slot and a free one exists,
		 * so this ends; each member's cursor only moves forward. */
		while (owner[b->slot] != UINT32_MAX) {
			b->slot += b->skip;
			if (b->slot >= size)
				b->slot -= size;
		}
		owner[b->slot] = heap[0];
		filled++;
		if (++b->turns == b->count)
			lb_heap_pop(m, heap, &nh);
		else
			lb_heap_down(m, heap, nh, 0);
	}
	free(heap);
	return filled == size ? 0 : -EINVAL;	/* cannot happen */
}

int
zdp_lb_table_build(const struct zdp_lb_backend *b, size_t n, uint32_t size,
		   struct zdp_lb_table **out)
{
	struct zdp_lb_table *t;
	struct lb_member *m = NULL;
	uint32_t *owner = NULL;
	uint32_t nm = 0, max_id = 0, i;
	unsigned shift;
	size_t j;
	int rc;

	if (out == NULL || (b == NULL && n > 0))
		return -EINVAL;
	if (size == 0)
		size = ZDP_LB_SIZE_DEFAULT;
	if (size > ZDP_LB_SIZE_MAX || !lb_is_prime(size))
		return -EINVAL;
	for (j = 0; j < n; j++) {
		if (b[j].weight == 0)
			continue;
		if (b[j].key == NULL || b[j].id == ZDP_LB_NONE)
			return -EINVAL;
		if (nm == UINT32_MAX - 1)
			return -EINVAL;
		nm++;
	}

	if (nm == 0) {
		/* Empty: one slot holding ZDP_LB_NONE, so lookups need no
		 * branch (zdp_lb_lookup.h). */
		t = lb_table_alloc(size, 1, 2);
		if (t == NULL)
			return -ENOMEM;
		lb_store_le(t->data, ZDP_LB_NONE, 4);
		*out = t;
		return 0;
	}

	m = malloc((size_t)nm * sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	for (j = 0, i = 0; j < n; j++) {
		if (b[j].weight == 0)
			continue;
		m[i].key = b[j].key;
		m[i].id = b[j].id;
		m[i].weight = b[j].weight;
		m[i].turns = 0;
		m[i].count = 0;
		i++;
	}
	qsort(m, nm, sizeof(*m), lb_member_cmp_key);
	for (i = 0; i < nm; i++) {
		size_t klen = strlen(m[i].key);

		if (i > 0 && strcmp(m[i - 1].key, m[i].key) == 0) {
			rc = -EINVAL;
			goto out_members;
		}
		/* Two independent hashes of the key (different SipHash
		 * keys), so offset and skip are unrelated. */
		m[i].slot = (uint32_t)(zdp_lb_siphash24(zdp_lb_key_offset, m[i].key, klen) % size);
		m[i].skip = (uint32_t)(zdp_lb_siphash24(zdp_lb_key_skip, m[i].key, klen) % (size - 1)) + 1;
		if (m[i].id > max_id)
			max_id = m[i].id;
	}

	owner = malloc((size_t)size * sizeof(*owner));
	if (owner == NULL) {
		rc = -ENOMEM;
		goto out_members;
	}
	rc = lb_apportion(m, nm, size);
	if (rc == 0)
		rc = lb_populate(m, nm, size, owner);
	if (rc)
		goto out_owner;

	/* 16-bit entries halve the cache footprint; docs/lb.md. */
	shift = max_id <= 0xffff ? 1 : 2;
	t = lb_table_alloc(size, size, shift);
	if (t == NULL) {
		rc = -ENOMEM;
		goto out_owner;
	}
	t->nbackends = nm;
	for (i = 0; i < size; i++)
		lb_store_le(t->data + ((size_t)i << shift), m[owner[i]].id, 1u << shift);
	*out = t;
	rc = 0;

out_owner:
	free(owner);
out_members:
	free(m);
	return rc;
}

void
zdp_lb_table_destroy(struct zdp_lb_table *t)
{
	free(t);
}

uint32_t
zdp_lb_table_size(const struct zdp_lb_table *t)
{
	return t->size;
}

uint32_t
zdp_lb_table_backends(const struct zdp_lb_table *t)
{
	return t->nbackends;
}

uint32_t
zdp_lb_table_entry(const struct zdp_lb_table *t, uint32_t idx)
{
	uint32_t v;

	if (t->nbackends == 0 || idx >= t->nslots)
		return ZDP_LB_NONE;
	memcpy(&v, t->data + ((size_t)idx << t->shift), sizeof(v));
	return zdp_lb_le32_(v) & t->mask;
}

const void *
zdp_lb_table_raw(const struct zdp_lb_table *t, size_t *len)
{
	*len = t->nbackends ? (size_t)t->nslots << t->shift : 0;
	return t->data;
}

unsigned
zdp_lb_table_entry_bytes(const struct zdp_lb_table *t)
{
	return 1u << t->shift;
}

size_t
zdp_lb_table_memory(const struct zdp_lb_table *t)
{
	return t->mem;
}
