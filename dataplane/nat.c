/* SPDX-License-Identifier: BSD-3-Clause
 * nat.c — in-place address/port rewrite with incremental checksums.
 *
 * All changes of one rewrite are summed into one delta
 *     D = sum(~m_i) + sum(m'_i)        (16-bit one's complement words)
 * and each affected checksum gets HC' = ~(~HC + D) (RFC 1624 eqn. 3),
 * which, unlike eqn. 2, never produces the -0 that a receiver would
 * mis-verify. 32-bit words are summed whole into a 64-bit accumulator: the
 * fold at the end makes that equal to summing their 16-bit halves.
 * All sums are in memory byte order, so no byte swapping is needed.
 */
#include <errno.h>
#include <string.h>

#include "nat.h"

static inline uint64_t
delta_add(uint64_t acc, const uint8_t *old, const uint8_t *new_, size_t len)
{
	uint32_t a, b;
	uint16_t x, y;

	for (; len >= 4; len -= 4, old += 4, new_ += 4) {
		memcpy(&a, old, 4);
		memcpy(&b, new_, 4);
		acc += (uint32_t)~a;
		acc += b;
	}
	if (len >= 2) {
		memcpy(&x, old, 2);
		memcpy(&y, new_, 2);
		acc += (uint16_t)~x;
		acc += y;
	}
	return acc;
}

static inline uint16_t
csum_apply(uint16_t csum, uint64_t delta)
{
	return (uint16_t)~zdp_cksum_fold((uint64_t)(uint16_t)~csum + delta);
}

/* Apply @delta to the 16-bit checksum field at @field. */
static inline void
field_apply(uint8_t *field, uint64_t delta, int udp)
{
	uint16_t c;

	memcpy(&c, field, 2);
	c = csum_apply(c, delta);
	if (udp && c == 0)
		c = 0xffff;	/* RFC 768: a computed 0 is sent as all ones */
	memcpy(field, &c, 2);
}

uint16_t
zdp_cksum_adjust(uint16_t csum, const void *old, const void *new_, size_t len)
{
	return csum_apply(csum, delta_add(0, old, new_, len));
}

int
zdp_nat_rewrite(uint8_t *frame, const struct zdp_pkt_info *pi,
		const struct zdp_addr *new_src, uint16_t new_sport,
		const struct zdp_addr *new_dst, uint16_t new_dport)
{
	uint8_t *l3 = frame + pi->l3_off, *l4 = frame + pi->l4_off;
	uint64_t da = 0, dp = 0;	/* address delta, port/id delta */
	size_t alen, soff, doff;
	uint16_t c;

	if (pi->kind != ZDP_PKT_IP ||
	    (new_src && new_src->family != pi->family) ||
	    (new_dst && new_dst->family != pi->family))
		return -EINVAL;
	if (pi->family == ZDP_AF_INET) {
		alen = 4;
		soff = 12;
		doff = 16;
	} else {
		alen = 16;
		soff = 8;
		doff = 24;
	}
	if (new_src) {
		da = delta_add(da, l3 + soff, new_src->a, alen);
		memcpy(l3 + soff, new_src->a, alen);
	}
	if (new_dst) {
		da = delta_add(da, l3 + doff, new_dst->a, alen);
		memcpy(l3 + doff, new_dst->a, alen);
	}
	if (pi->family == ZDP_AF_INET && (new_src || new_dst))
		field_apply(l3 + 10, da, 0);

	switch (pi->l4_proto) {
	case ZDP_IPPROTO_TCP:
	case ZDP_IPPROTO_UDP:
		if (new_sport) {
			dp = delta_add(dp, l4, (const uint8_t *)&new_sport, 2);
			memcpy(l4, &new_sport, 2);
		}
		if (new_dport) {
			dp = delta_add(dp, l4 + 2, (const uint8_t *)&new_dport, 2);
			memcpy(l4 + 2, &new_dport, 2);
		}
		if (pi->l4_proto == ZDP_IPPROTO_TCP) {
			field_apply(l4 + 16, da + dp, 0);
			break;
		}
		memcpy(&c, l4 + 6, 2);
		if (c == 0 && pi->family == ZDP_AF_INET)
			break;		/* no checksum stays no checksum */
		field_apply(l4 + 6, da + dp, 1);
		break;
	case ZDP_IPPROTO_ICMP:
	case ZDP_IPPROTO_ICMPV6: {
		int v6 = pi->l4_proto == ZDP_IPPROTO_ICMPV6;
		int echo = v6 ? (l4[0] == 128 || l4[0] == 129)
			      : (l4[0] == 8 || l4[0] == 0);

		if (echo && new_sport) {
			dp = delta_add(dp, l4 + 4, (const uint8_t *)&new_sport, 2);
			memcpy(l4 + 4, &new_sport, 2);
		}
		/* ICMPv4 has no pseudo header (RFC 792). */
		if (v6)
			dp += da;
		if (dp)
			field_apply(l4 + 2, dp, 0);
		break;
	}
	default:
		break;
	}
	return 0;
}

int
zdp_nat_ttl_dec(uint8_t *frame, const struct zdp_pkt_info *pi)
{
	uint8_t *l3 = frame + pi->l3_off;

	if (pi->kind != ZDP_PKT_IP)
		return -EINVAL;
	if (pi->family == ZDP_AF_INET) {
		uint8_t old[2] = { l3[8], l3[9] }, nw[2];

		if (old[0] <= 1)
			return -ETIMEDOUT;
		nw[0] = (uint8_t)(old[0] - 1);
		nw[1] = old[1];
		l3[8] = nw[0];
		field_apply(l3 + 10, delta_add(0, old, nw, 2), 0);
		return 0;
	}
	if (l3[7] <= 1)
		return -ETIMEDOUT;
	l3[7]--;
	return 0;
}
