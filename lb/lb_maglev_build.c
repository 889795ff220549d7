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
 * Weights change the turn order, not the permutations. Every backend takes
 * its first turn at virtual time 0 (heaviest first, then key order), and
 * its k-th further turn (k = 1, 2, ...) at time (k + 1/2) / w_i; turns are
 * served in time order (ties: heavier first, then key order). Read as
 * credits: each round every backend earns w_i / w_max of a turn, starting
 * with half a turn in hand, and claims one entry per whole credit — with
 * exact rational arithmetic. Apart from the free first turn this is the
 * Sainte-Lague (Webster) apportionment: entry counts are the weight share
 * of the table rounded to the nearest integer (within about one entry per
 * backend, no bias towards small or large backends), and every backend with
 * weight > 0 owns at least one entry whenever there are no more backends
 * than slots — at the price of over-serving only backends whose share is
 * below half an entry. A min-heap over backends serves turns in O(log n)
 * each, so skewed weights (1 vs 10^4) or thousands of backends cost no more
 * than uniform ones; times compare as num_a * w_b vs num_b * w_a in 128
 * bits (num = 0 or 2k + 1), so any uint64_t weight is exact.
 *
 * Determinism: backends are sorted by key first, so the table depends only
 * on the set of (key, id, weight), never on the caller's order, the
 * platform's endianness or qsort's stability (keys are unique).
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
	uint64_t turns;		/* turns taken so far */
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

/* Numerator of a member's next turn time over 2 * weight: 0 for the free
 * first turn, then 2k + 1 for turn k (time (k + 1/2) / w). */
static inline uint64_t
lb_turn_num(const struct lb_member *b)
{
	return b->turns ? 2 * b->turns + 1 : 0;
}

/* True when member @a's next turn comes before member @b's (indices into
 * @m, which is in key order, so the index is the final tie-break). */
static bool
lb_turn_before(const struct lb_member *m, uint32_t a, uint32_t b)
{
	lb_u128 ta = (lb_u128)lb_turn_num(&m[a]) * m[b].weight;
	lb_u128 tb = (lb_u128)lb_turn_num(&m[b]) * m[a].weight;

	if (ta != tb)
		return ta < tb;
	if (m[a].weight != m[b].weight)
		return m[a].weight > m[b].weight;
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

/* Fill @owner (M slots, member index per slot) by weighted Maglev turns. */
static int
lb_populate(struct lb_member *m, uint32_t n, uint32_t size, uint32_t *owner)
{
	uint32_t *heap = malloc((size_t)n * sizeof(*heap));
	uint32_t filled = 0, i;

	if (heap == NULL)
		return -ENOMEM;
	for (i = 0; i < size; i++)
		owner[i] = UINT32_MAX;
	for (i = 0; i < n; i++)
		heap[i] = i;
	for (i = n / 2; i-- > 0;)
		lb_heap_down(m, heap, n, i);

	while (filled < size) {
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
		b->turns++;
		lb_heap_down(m, heap, n, 0);
	}
	free(heap);
	return 0;
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
