/* SPDX-License-Identifier: BSD-3-Clause
 * cksum.c — the long-buffer Internet checksum (cksum.h zdp_cksum_add_bulk).
 *
 * A relayed TCP payload is summed once on receive (a tcp-proxy reuses that
 * sum to send it on), and that pass was 10 % of the worker's time in bulk
 * relaying with the SSE2 loop the compiler makes of zdp_cksum_add(). With
 * AVX2 (checked once, at run time: the build targets -march=corei7) the
 * sum takes 32 bytes per VPMADDWD without any shuffle:
 *   each 16-bit word w (memory order, loaded little-endian like the scalar
 *   loop) is biased to the signed word w - 0x8000 (XOR 0x8000), VPMADDWD
 *   with ones adds pairs of them into 32-bit lanes (|pair| <= 65536), and
 *   the two accumulators' lanes stay below 2^30 for 512 KiB (longer
 *   buffers are done in such blocks). The exact sum of the
 *   words is then sum(lanes) + 0x8000 * words. That is congruent, modulo
 *   0xffff, with the scalar loop's sum of 32-bit words (2^16 = 1 mod 0xffff),
 *   and zero only when every byte is: zdp_cksum_fold() of either is the same.
 */
#include <immintrin.h>

#include "cksum.h"

#define BULK_MIN	128	/* below this the scalar loop is as fast */
#define BLOCK		(1u << 19)

__attribute__((target("avx2"))) static uint64_t
add_avx2(const uint8_t *b, size_t len, uint64_t acc)
{
	const __m256i bias = _mm256_set1_epi16((short)0x8000);
	const __m256i ones = _mm256_set1_epi16(1);

	while (len >= 64) {
		size_t n = len < BLOCK ? len & ~(size_t)63 : BLOCK;
		__m256i a0 = _mm256_setzero_si256(), a1 = a0;
		int64_t s;

		for (size_t i = 0; i < n; i += 64) {
			__m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(b + i));
			__m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(b + i + 32));

			a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_xor_si256(x, bias), ones));
			a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_xor_si256(y, bias), ones));
		}
		a0 = _mm256_add_epi32(a0, a1);	/* |lane| <= 2 * 65536 * n / 64 */
		{
			int32_t l[8];

			_mm256_storeu_si256((__m256i *)(void *)l, a0);
			s = (int64_t)l[0] + l[1] + l[2] + l[3] + l[4] + l[5] + l[6] + l[7];
		}
		acc += (uint64_t)(s + (int64_t)0x8000 * (int64_t)(n / 2));
		b += n;
		len -= n;
	}
	return zdp_cksum_add(b, len, acc);
}

uint64_t
zdp_cksum_add_bulk(const void *p, size_t len, uint64_t acc)
{
	if (len >= BULK_MIN && __builtin_cpu_supports("avx2"))
		return add_avx2(p, len, acc);
	return zdp_cksum_add(p, len, acc);
}
