/* SPDX-License-Identifier: BSD-3-Clause
 * nat.h — rewrite addresses/ports of a parsed packet in place, with
 * incremental checksum updates (RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')).
 *
 * What gets updated:
 *   IPv4:  header checksum (addresses), L4 checksum (pseudo header + ports)
 *   IPv6:  L4 checksum only (no header checksum)
 *   TCP:   always (checksum covers the pseudo header)
 *   UDP:   IPv4 checksum 0 means "no checksum" and stays 0; a computed 0
 *          is sent as 0xffff (RFC 768). IPv6 UDP always carries one.
 *   ICMP:  echo request/reply identifier (sport slot); ICMPv4 has no pseudo
 *          header so an address change leaves its checksum alone; ICMPv6
 *          covers the pseudo header (RFC 8200 §8.1) so it is adjusted too.
 *          Other ICMP types: addresses only (error payloads are the icmp
 *          module's business).
 *
 * The frame must have passed zdp_pkt_parse() with the same @pi, and the
 * bytes between l3_off and l4_off+8/20 must still be in place (they are
 * written through @frame). Checksums are updated even when the NIC verified
 * them on receive, so the result is correct without TX offload. A packet
 * whose L4 checksum was already wrong stays wrong (incremental update keeps
 * the error), which is what a transparent NAT must do.
 */
#ifndef ZDP_NAT_H
#define ZDP_NAT_H

#include <stdint.h>
#include <string.h>

#include "parse.h"
#include "zdp_addr.h"

/*
 * Rewrite source and/or destination of the packet described by @pi.
 * @new_src / @new_dst: NULL keeps the address; otherwise its family must be
 *   pi->family (no NAT46/64).
 * @new_sport / @new_dport: network byte order; 0 keeps the port. For ICMP
 *   echo, @new_sport is the new identifier and @new_dport is ignored.
 * Returns 0, or -EINVAL (family mismatch, or @pi is not an IP packet);
 * on error nothing is written.
 * @pi itself is not updated (it is const): callers that keep using it
 * should copy the new values in.
 */
int zdp_nat_rewrite(uint8_t *frame, const struct zdp_pkt_info *pi,
		    const struct zdp_addr *new_src, uint16_t new_sport,
		    const struct zdp_addr *new_dst, uint16_t new_dport);

/*
 * Forwarding TTL/hop-limit decrement (RFC 1812 §5.2.1 / RFC 8200 §3), with
 * the IPv4 header checksum adjusted incrementally (RFC 1624).
 * Returns 0, or -ETIMEDOUT when the TTL is <= 1 (the packet must not be
 * forwarded; send ICMP time exceeded) — the frame is then left unchanged.
 * -EINVAL when @pi is not an IP packet.
 */
int zdp_nat_ttl_dec(uint8_t *frame, const struct zdp_pkt_info *pi);

/*
 * RFC 1624 eqn. 3 on a checksum field value (memory byte order, as read
 * with memcpy from the packet): the field after the bytes @old (len @len,
 * even) became @new. Exposed for the icmp module and the tests.
 */
uint16_t zdp_cksum_adjust(uint16_t csum, const void *old, const void *new_,
			  size_t len);

/*
 * The fast path's common case in one pass: zdp_nat_ttl_dec() followed by
 * zdp_nat_rewrite(frame, pi, src, sport, dst, dport) for an IPv4 TCP or
 * UDP packet, with the same results (one update of each checksum instead
 * of three, no struct zdp_addr to build). @new_src/@new_dst: 4 address
 * bytes in network order; ports in network order, both rewritten. The
 * caller has checked pi->family == ZDP_AF_INET, pi->l4_proto TCP or UDP,
 * and pi->ttl > 1.
 */
static inline void
zdp_nat_rewrite4_ttl(uint8_t *frame, const struct zdp_pkt_info *pi,
		     const uint8_t *new_src, uint16_t new_sport,
		     const uint8_t *new_dst, uint16_t new_dport)
{
	uint8_t *l3 = frame + pi->l3_off, *l4 = frame + pi->l4_off;
	uint8_t *l4c = l4 + (pi->l4_proto == ZDP_IPPROTO_TCP ? 16 : 6);
	uint8_t ttlw[2] = { (uint8_t)(l3[8] - 1), l3[9] };	/* {ttl, proto} */
	uint32_t os, od, ns, nd;
	uint16_t osp, odp, ow, nw, c;
	uint64_t da;

	memcpy(&os, l3 + 12, 4);
	memcpy(&od, l3 + 16, 4);
	memcpy(&ns, new_src, 4);
	memcpy(&nd, new_dst, 4);
	memcpy(&osp, l4, 2);
	memcpy(&odp, l4 + 2, 2);
	memcpy(&ow, l3 + 8, 2);
	memcpy(&nw, ttlw, 2);
	/* RFC 1624 eqn. 3, all sums in memory byte order. */
	da = (uint64_t)(uint32_t)~os + (uint32_t)~od + ns + nd;
	memcpy(&c, l3 + 10, 2);
	c = (uint16_t)~zdp_cksum_fold((uint64_t)(uint16_t)~c + da + (uint16_t)~ow + nw);
	memcpy(l3 + 10, &c, 2);
	memcpy(l3 + 8, ttlw, 1);
	memcpy(l3 + 12, &ns, 4);
	memcpy(l3 + 16, &nd, 4);
	memcpy(&c, l4c, 2);
	/* UDP over IPv4 without a checksum (0) keeps none. */
	if (pi->l4_proto == ZDP_IPPROTO_TCP || c != 0) {
		c = (uint16_t)~zdp_cksum_fold((uint64_t)(uint16_t)~c + da +
					      (uint16_t)~osp + (uint16_t)~odp +
					      new_sport + new_dport);
		if (c == 0 && pi->l4_proto == ZDP_IPPROTO_UDP)
			c = 0xffff;	/* RFC 768 */
		memcpy(l4c, &c, 2);
	}
	memcpy(l4, &new_sport, 2);
	memcpy(l4 + 2, &new_dport, 2);
}

/*
 * The same for an IPv6 TCP or UDP packet: hop limit decrement (no header
 * checksum) and both addresses and ports with one update of the L4
 * checksum. @new_src/@new_dst: 16 address bytes. The caller has checked
 * pi->family == ZDP_AF_INET6, pi->l4_proto TCP or UDP, and pi->ttl > 1
 * (the parser has refused a zero UDP checksum over IPv6).
 */
static inline void
zdp_nat_rewrite6_ttl(uint8_t *frame, const struct zdp_pkt_info *pi,
		     const uint8_t *new_src, uint16_t new_sport,
		     const uint8_t *new_dst, uint16_t new_dport)
{
	uint8_t *l3 = frame + pi->l3_off, *l4 = frame + pi->l4_off;
	uint8_t *l4c = l4 + (pi->l4_proto == ZDP_IPPROTO_TCP ? 16 : 6);
	uint32_t o[8], n[8];
	uint16_t osp, odp, c;
	uint64_t da = 0;

	memcpy(o, l3 + 8, 32);		/* source, then destination */
	memcpy(n, new_src, 16);
	memcpy(n + 4, new_dst, 16);
	memcpy(&osp, l4, 2);
	memcpy(&odp, l4 + 2, 2);
	for (int i = 0; i < 8; i++)
		da += (uint64_t)(uint32_t)~o[i] + n[i];
	l3[7]--;
	memcpy(l3 + 8, n, 32);
	memcpy(&c, l4c, 2);
	/* RFC 1624 eqn. 3, in memory byte order */
	c = (uint16_t)~zdp_cksum_fold((uint64_t)(uint16_t)~c + da + (uint16_t)~osp +
				      (uint16_t)~odp + new_sport + new_dport);
	if (c == 0 && pi->l4_proto == ZDP_IPPROTO_UDP)
		c = 0xffff;	/* RFC 768, RFC 8200 §8.1 */
	memcpy(l4c, &c, 2);
	memcpy(l4, &new_sport, 2);
	memcpy(l4 + 2, &new_dport, 2);
}

#endif /* ZDP_NAT_H */
