/* SPDX-License-Identifier: BSD-3-Clause
 * lb_hash.c — the hashes behind backend selection: SipHash-2-4 and the
 * canonical 5-tuple encoding.
 *
 * Why SipHash-2-4: it is fully specified (Aumasson & Bernstein, "SipHash: a
 * fast short-input PRF", 2012) with published test vectors, byte-order
 * independent when words are read as little-endian (done explicitly below),
 * and mixes well enough that Maglev offsets/skips and flow slots are
 * uniform. It runs once per new flow (the flow table caches the backend),
 * so its ~25 ns on a 14-byte IPv4 tuple is not on the per-packet path.
 * The keys are fixed constants, not secrets: every node must agree.
 */
#include "lb_hash.h"

#include <string.h>

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND do {							\
	v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32);	\
	v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32);	\
} while (0)

static inline uint64_t
load_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	       (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	       (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

uint64_t
zdp_lb_siphash24(const uint8_t key[16], const void *msg, size_t len)
{
	const uint8_t *p = msg;
	const uint8_t *end = p + (len & ~(size_t)7);
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t b = (uint64_t)len << 56, m;
	size_t left = len & 7;

	/* Compression: 2 SipRounds per 8-byte little-endian word. */
	for (; p != end; p += 8) {
		m = load_le64(p);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	/* Last word: remaining bytes, length mod 256 in the top byte. */
	while (left--)
		b |= (uint64_t)p[left] << (8 * left);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	/* Finalisation: 4 SipRounds. */
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* 15 ASCII characters + NUL: documented in docs/lb.md; changing any of
 * them changes every table and every flow placement, on purpose only. */
const uint8_t zdp_lb_key_tuple[16] = "zdp/lb/tuple/v1";
const uint8_t zdp_lb_key_offset[16] = "zdp/lb/offset/1";
const uint8_t zdp_lb_key_skip[16] = "zdp/lb/skip/v01";

uint32_t
zdp_lb_hash_tuple(const struct zdp_addr *src, const struct zdp_addr *dst,
		  uint16_t sport, uint16_t dport, uint8_t proto)
{
	/* family, proto, sport BE, dport BE, src, dst: 14 bytes for IPv4,
	 * 38 for IPv6. Only the address bytes of the family are read, so
	 * stray bytes after an IPv4 address cannot change the result. */
	uint8_t buf[6 + 16 + 16];
	size_t alen = src->family == ZDP_AF_INET ? 4 : 16;
	uint64_t h;

	buf[0] = src->family;
	buf[1] = proto;
	buf[2] = (uint8_t)(sport >> 8);
	buf[3] = (uint8_t)sport;
	buf[4] = (uint8_t)(dport >> 8);
	buf[5] = (uint8_t)dport;
	memcpy(buf + 6, src->a, alen);
	memcpy(buf + 6 + alen, dst->a, alen);
	h = zdp_lb_siphash24(zdp_lb_key_tuple, buf, 6 + 2 * alen);
	/* Fold so both halves of the PRF output count. */
	return (uint32_t)(h ^ (h >> 32));
}
