/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_syncookie.c — SYN cookies (RFC 4987 §3.6).
 *
 * When a listener's SYN backlog is full the SYN-ACK carries all the state
 * the stack needs in its ISN, and no connection is created until the ACK
 * proves the peer saw it:
 *
 *    31     27 26  24 23                                      0
 *   +---------+------+-----------------------------------------+
 *   | t mod 32| MSS  |  SipHash(secret, 4-tuple, client ISN, t) |
 *   +---------+------+-----------------------------------------+
 *
 * t counts 64-second periods; a cookie is accepted for the current and the
 * previous period. Window scale and SACK-permitted do not fit; when the
 * client sent timestamps they travel in the low 6 bits of our TSval and
 * come back in TSecr (the scheme Linux uses), otherwise they are dropped.
 */
#include <string.h>

#include "tcp_priv.h"

#define COOKIE_PERIOD_US (64ull * 1000 * 1000)

static const uint16_t cookie_mss[8] = { 216, 536, 1220, 1300, 1400, 1440, 1460, 8960 };

static uint32_t
cookie_hash(const uint8_t secret[32], const struct zdp_addr *laddr, uint16_t lport,
	    const struct zdp_addr *raddr, uint16_t rport, uint32_t client_isn,
	    uint32_t t, unsigned mss_idx)
{
	struct {
		uint8_t l[16], r[16];
		uint16_t lp, rp;
		uint32_t isn, t, idx;
	} b;

	memset(&b, 0, sizeof(b));
	memcpy(b.l, laddr->a, 16);
	memcpy(b.r, raddr->a, 16);
	b.lp = lport;
	b.rp = rport;
	b.isn = client_isn;
	b.t = t;
	b.idx = mss_idx;
	/* second half of the secret: cookies and ISNs use different keys */
	return (uint32_t)zdp_tcp_siphash(secret + 16, &b, sizeof(b)) & 0xffffff;
}

uint32_t
zdp_tcp_syncookie_make(const uint8_t secret[32], const struct zdp_addr *laddr,
		       uint16_t lport, const struct zdp_addr *raddr, uint16_t rport,
		       uint32_t client_isn, uint16_t mss, uint64_t now_us)
{
	uint32_t t = (uint32_t)(now_us / COOKIE_PERIOD_US);
	unsigned idx = 0, i;

	for (i = 0; i < 8; i++)
		if (cookie_mss[i] <= mss)
			idx = i;
	return ((t & 0x1f) << 27) | (idx << 24) |
	       cookie_hash(secret, laddr, lport, raddr, rport, client_isn, t, idx);
}

uint16_t
zdp_tcp_syncookie_check(const uint8_t secret[32], const struct zdp_addr *laddr,
			uint16_t lport, const struct zdp_addr *raddr, uint16_t rport,
			uint32_t client_isn, uint32_t cookie, uint64_t now_us)
{
	uint32_t now_t = (uint32_t)(now_us / COOKIE_PERIOD_US);
	uint32_t age = (now_t - (cookie >> 27)) & 0x1f;
	unsigned idx = (cookie >> 24) & 7;

	/* RFC 4987 §3.6: the counter bounds how long a cookie stays valid. */
	if (age > 1)
		return 0;
	if (cookie_hash(secret, laddr, lport, raddr, rport, client_isn, now_t - age,
			idx) != (cookie & 0xffffff))
		return 0;
	return cookie_mss[idx];
}

uint32_t
zdp_tcp_syncookie_tsval(uint32_t ts_now, bool sack, int wscale)
{
	uint32_t opt = 0x20 | (sack ? 0x10 : 0) | (wscale < 0 ? 0xf : (uint32_t)wscale);

	/* Round down so the encoded value never runs ahead of the clock:
	 * later TSvals stay monotonic (RFC 7323 §5.4). */
	return (ts_now & ~0x3fu) | opt;
}

void
zdp_tcp_syncookie_tsopts(uint32_t tsecr, bool *sack, int *wscale)
{
	unsigned ws = tsecr & 0xf;

	if (!(tsecr & 0x20)) {	/* not one of our encoded values */
		*sack = false;
		*wscale = -1;
		return;
	}
	*sack = (tsecr & 0x10) != 0;
	*wscale = ws > ZDP_TCP_MAX_WSCALE ? -1 : (int)ws;
}
