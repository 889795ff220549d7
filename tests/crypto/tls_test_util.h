/* SPDX-License-Identifier: BSD-3-Clause
 * tls_test_util.h — helpers for the crypto tests: hex, a fixed-seed PRNG,
 * and rte_mbuf chains built over static memory (no EAL needed: the mbuf
 * accessors used by the record layer are plain inline field arithmetic).
 */
#ifndef ZDP_TLS_TEST_UTIL_H
#define ZDP_TLS_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "../zdp_eal_test.h"

static inline size_t
tu_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < cap)
				out[n] = (uint8_t)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

/* xorshift64*: deterministic across runs and machines. */
static inline uint64_t
tu_rand(uint64_t *st)
{
	uint64_t x = *st;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline void
tu_fill(uint64_t *st, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)tu_rand(st);
}

#define TU_MAX_SEGS 64
#define TU_HEADROOM 64
#define TU_TAILROOM 128

/* A chain over malloc'ed buffers: each segment gets headroom/tailroom. */
struct tu_chain {
	struct rte_mbuf m[TU_MAX_SEGS];
	uint8_t *buf[TU_MAX_SEGS];
	unsigned n;
};

/* Build a chain holding @data split at the given segment lengths. */
static inline struct rte_mbuf *
tu_chain_build(struct tu_chain *c, const uint8_t *data, const uint32_t *lens, unsigned n)
{
	uint32_t off = 0, total = 0;
	unsigned i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++)
		total += lens[i];
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = &c->m[i];
		uint16_t blen = (uint16_t)(TU_HEADROOM + lens[i] + TU_TAILROOM);

		c->buf[i] = malloc(blen);
		m->buf_addr = c->buf[i];
		m->buf_len = blen;
		m->data_off = TU_HEADROOM;
		m->data_len = (uint16_t)lens[i];
		m->nb_segs = 1;
		m->next = i + 1 < n ? &c->m[i + 1] : NULL;
		memcpy(c->buf[i] + TU_HEADROOM, data + off, lens[i]);
		off += lens[i];
	}
	c->m[0].nb_segs = (uint16_t)n;
	c->m[0].pkt_len = total;
	c->n = n;
	return &c->m[0];
}

static inline void
tu_chain_free(struct tu_chain *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		free(c->buf[i]);
	c->n = 0;
}

/* Copy @len bytes at chain offset @off out. */
static inline void
tu_chain_read(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *out)
{
	while (m && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m && len) {
		uint32_t take = m->data_len - off;

		if (take > len)
			take = len;
		memcpy(out, (const uint8_t *)m->buf_addr + m->data_off + off, take);
		out += take;
		len -= take;
		off = 0;
		m = m->next;
	}
}

/* Random segment split of @total bytes into at most @max segments. */
static inline unsigned
tu_random_split(uint64_t *st, uint32_t total, uint32_t *lens, unsigned max)
{
	unsigned n = 0;

	while (total && n < max - 1) {
		uint32_t l = 1 + (uint32_t)(tu_rand(st) % (total < 3000 ? total : 3000));

		lens[n++] = l;
		total -= l;
	}
	if (total || n == 0)
		lens[n++] = total;
	return n;
}

#endif
