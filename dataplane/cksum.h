/* SPDX-License-Identifier: BSD-3-Clause
 * cksum.h — Internet checksum arithmetic (RFC 1071, RFC 1624), header-only
 * and without DPDK, so the parser, NAT and the TCP stack sum the same way.
 */
#ifndef ZDP_CKSUM_H
#define ZDP_CKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "zdp_addr.h"

/*
 * Internet checksum helpers (RFC 1071), shared by the parser, nat.c and the TCP stack.
 * zdp_cksum_add() sums @len bytes at @p into a 64-bit accumulator in native
 * byte order (32-bit loads, so 4x fewer adds than a 16-bit loop and no carry
 * handling until the fold); zdp_cksum_fold() folds to 16 bits. The result
 * is in the same (memory) byte order as the checksum field, so
 * "stored == (uint16_t)~fold(sum over header with csum 0)" holds on any host.
 * @p may be unaligned. An odd trailing byte is padded with zero on the right
 * as RFC 1071 requires: only the LAST call of a chain may have an odd @len.
 */
static inline uint64_t
zdp_cksum_add(const void *p, size_t len, uint64_t acc)
{
	const uint8_t *b = p;
	uint32_t w;

	while (len >= 16) {
		uint64_t x, y;

		memcpy(&x, b, 8);
		memcpy(&y, b + 8, 8);
		acc += (x & 0xffffffffu) + (x >> 32) + (y & 0xffffffffu) + (y >> 32);
		b += 16;
		len -= 16;
	}
	while (len >= 4) {
		memcpy(&w, b, 4);
		acc += w;
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;

		memcpy(&h, b, 2);
		acc += h;
		b += 2;
		len -= 2;
	}
	if (len) {
		uint16_t h = 0;

		memcpy(&h, b, 1);	/* {byte, 0} in memory order */
		acc += h;
	}
	return acc;
}

/* zdp_cksum_add() for long buffers (payloads): AVX2 where the CPU has it
 * (cksum.c), the same result after zdp_cksum_fold(). Same rules for @len. */
uint64_t zdp_cksum_add_bulk(const void *p, size_t len, uint64_t acc);

/* Fold with end-around carry, one rotate-add per halving: the upper half
 * of x + rotate(x, half) is hi + lo + carry(hi + lo), the one's-complement
 * sum of the two halves. Equal to the step-by-step fold for every input. */
static inline uint16_t
zdp_cksum_fold(uint64_t acc)
{
	uint32_t a;

	acc += acc >> 32 | acc << 32;
	a = (uint32_t)(acc >> 32);
	a += a >> 16 | a << 16;
	return (uint16_t)(a >> 16);
}

/* Add @part, the folded sum of one piece of a longer message that starts
 * @at bytes into it, to @acc: a piece starting on an odd byte has its sum
 * byte-swapped (RFC 1071 §2(B)), which a per-piece sum that restarts word
 * alignment gets wrong. Sum the pieces with this, fold at the end. */
static inline uint64_t
zdp_cksum_add_piece(uint64_t acc, uint16_t part, uint32_t at)
{
	return acc + (at & 1 ? (uint16_t)(part << 8 | part >> 8) : part);
}

/*
 * Pseudo-header sum for TCP/UDP/ICMPv6 (RFC 9293 §3.1, RFC 768,
 * RFC 8200 §8.1): addresses, protocol, L4 length. @l4_len host order.
 */
static inline uint64_t
zdp_cksum_pseudo(const struct zdp_addr *src, const struct zdp_addr *dst,
		 uint8_t proto, uint32_t l4_len)
{
	size_t alen = src->family == ZDP_AF_INET ? 4 : 16;
	uint64_t acc = zdp_cksum_add(src->a, alen, 0);
	uint8_t tail[4];

	acc = zdp_cksum_add(dst->a, alen, acc);
	/* {0, proto} and the length as 16-bit big-endian words; for IPv6 the
	 * 32-bit length and 24 zero bits sum to the same thing. */
	tail[0] = 0;
	tail[1] = proto;
	tail[2] = (uint8_t)(l4_len >> 8);
	tail[3] = (uint8_t)l4_len;
	return zdp_cksum_add(tail, 4, acc);
}

#endif /* ZDP_CKSUM_H */
