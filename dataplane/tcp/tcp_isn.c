/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_isn.c — SipHash-2-4, initial sequence numbers (RFC 6528) and
 * per-connection timestamp offsets (RFC 7323 §5.4).
 */
#include <string.h>

#include "tcp_priv.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* SipHash-2-4 (Aumasson & Bernstein), the PRF RFC 6528 §3 suggests a
 * keyed hash for. Reference test vectors are in tests/tcp/test_tcp_unit.c. */
uint64_t
zdp_tcp_siphash(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = ((uint64_t)len) << 56, m;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < left; j++)
		b |= ((uint64_t)in[i + j]) << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

struct tuple_buf {
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	uint32_t extra;
	uint64_t extra2;
};

static void
tuple_fill(struct tuple_buf *t, const struct zdp_addr *laddr, uint16_t lport,
	   const struct zdp_addr *raddr, uint16_t rport)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->laddr, laddr->a, 16);
	memcpy(t->raddr, raddr->a, 16);
	t->lport = lport;
	t->rport = rport;
}

/* RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a 4 µs timer. The first 16 bytes of the secret key F. */
uint32_t
zdp_tcp_isn(const uint8_t secret[32], const struct zdp_addr *laddr, uint16_t lport,
	    const struct zdp_addr *raddr, uint16_t rport, uint64_t now_us)
{
	struct tuple_buf t;

	tuple_fill(&t, laddr, lport, raddr, rport);
	return (uint32_t)zdp_tcp_siphash(secret, &t, sizeof(t)) + (uint32_t)(now_us >> 2);
}

/* RFC 7323 §5.4 / §7.1: a per-connection-pair random offset keeps TSval
 * from revealing the host clock. Ports are left out (as Linux does) so one
 * peer sees monotonic values across connections, which RFC 6191 TIME-WAIT
 * reuse relies on. */
uint32_t
zdp_tcp_ts_offset(const uint8_t secret[32], const struct zdp_addr *laddr,
		  const struct zdp_addr *raddr)
{
	struct tuple_buf t;

	tuple_fill(&t, laddr, 0, raddr, 0);
	t.extra = 0x7473;	/* "ts": domain separation from the ISN */
	return (uint32_t)zdp_tcp_siphash(secret + 16, &t, sizeof(t));
}
