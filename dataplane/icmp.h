/* SPDX-License-Identifier: BSD-3-Clause
 * icmp.h — ARP, ICMPv4/ICMPv6 echo and Neighbour Discovery, as pure buffer
 * functions: validate, rewrite a request into its reply in place, or build a
 * request into a caller buffer. No allocation, no mbufs, no state.
 *
 * Frames start with the Ethernet header at frame[0] (the MAC addresses are
 * rewritten there); @l3_off / @l4_off are the offsets of the IP/ARP header
 * and of the ICMP header as the parser found them (an 802.1Q tag between
 * Ethernet and IP is kept as it is). Builders write untagged frames.
 *
 * Error codes and the drop reason the caller counts:
 *   -EINVAL        truncated / not what the function expects
 *                  (ZDP_DROP_TRUNC_ARP for ARP, ZDP_DROP_TRUNC_L4 otherwise)
 *   -EBADMSG       ICMP checksum wrong (ZDP_DROP_L4_CSUM)
 *   -EPROTO        Neighbour Discovery message fails RFC 4861 §7.1
 *                  validation (ZDP_DROP_ND_INVALID); for ND the checksum is
 *                  part of that validation and also gives -EPROTO
 *   -ENOTSUP       not a message this function answers (ZDP_DROP_ICMP_TYPE)
 *   -EADDRNOTAVAIL request sent to a multicast/broadcast address: not
 *                  answered by the in-place echo builders (ZDP_DROP_NOT_FOR_US)
 *   -ENOSPC        the buffer is too small for the result (ZDP_DROP_NO_MBUF)
 * Deciding that an address is ours is the caller's job (zdp_route_local).
 */
#ifndef ZDP_ICMP_H
#define ZDP_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "zdp_addr.h"

/* ---- ARP (RFC 826), Ethernet/IPv4 only ---------------------------------- */

#define ZDP_ARP_OP_REQUEST 1
#define ZDP_ARP_OP_REPLY   2
#define ZDP_ARP_FRAME_LEN  42	/* 14 + 28; NICs pad to 60 */

struct zdp_arp_info {
	uint16_t op;		/* host order: 1 request, 2 reply */
	uint8_t sha[6];		/* sender hardware address */
	uint8_t tha[6];
	struct zdp_addr sip;	/* sender IPv4 */
	struct zdp_addr tip;	/* target IPv4 */
};

/* Validate an ARP packet at @l3_off (htype 1, ptype 0x0800, hlen 6, plen 4,
 * op 1 or 2) and extract its fields. 0 or -EINVAL. */
int zdp_arp_parse(const uint8_t *frame, uint32_t len, uint32_t l3_off,
		  struct zdp_arp_info *out);

/* Rewrite an ARP request in place into the reply from @our_mac: op 2,
 * sender = (our_mac, requested target IP), target = the requester; Ethernet
 * dst = requester, src = our_mac. The frame length is unchanged (trailing
 * padding kept). Returns the frame length, -EINVAL (not a valid request). */
int zdp_arp_reply_inplace(uint8_t *frame, uint32_t len, uint32_t l3_off,
			  const uint8_t our_mac[6]);

/* Build an ARP request "who has @tip, tell @sip" from @src_mac into @buf.
 * @dst_mac NULL: broadcast (resolution); else unicast (re-probe of a STALE
 * entry). THA is zero. Returns ZDP_ARP_FRAME_LEN, -EINVAL (not IPv4),
 * -ENOSPC (@cap < 42). */
int zdp_arp_request_build(uint8_t *buf, uint32_t cap, const uint8_t src_mac[6],
			  const struct zdp_addr *sip, const struct zdp_addr *tip,
			  const uint8_t *dst_mac);

/* ---- ICMPv4 echo (RFC 792, RFC 1122 §3.2.2.6) ---------------------------- */

/* Turn an ICMP echo request (type 8 code 0) into the echo reply in place:
 * Ethernet and IP addresses swapped, TTL 64, type 0, checksum updated
 * incrementally (RFC 1624), payload and identifier/sequence untouched. IPv4
 * options are dropped (the ICMP message moves down, IHL becomes 5): zdp does
 * not record routes. The request checksum is verified first.
 * Returns the new frame length (len minus the option bytes, and minus any
 * Ethernet padding beyond the IP total length), or -EINVAL, -EBADMSG,
 * -ENOTSUP (not an echo request), -EADDRNOTAVAIL (dst multicast/broadcast). */
int zdp_icmp4_echo_reply(uint8_t *frame, uint32_t len, uint32_t l3_off,
			 uint32_t l4_off);

/* ---- ICMPv6 echo (RFC 4443 §4) and Neighbour Discovery (RFC 4861) -------- */

/* Turn an ICMPv6 echo request (128) into the reply (129) in place: addresses
 * swapped, hop limit 64, checksum over the new pseudo-header. Extension
 * headers between IPv6 and ICMPv6 are dropped (the message moves to
 * l3_off + 40). Returns the new frame length, or -EINVAL, -EBADMSG,
 * -ENOTSUP, -EADDRNOTAVAIL (dst multicast: a reply needs our unicast
 * source, the caller decides). */
int zdp_icmp6_echo_reply(uint8_t *frame, uint32_t len, uint32_t l3_off,
			 uint32_t l4_off);

#define ZDP_ND_NS 135
#define ZDP_ND_NA 136

#define ZDP_ND_NA_F_ROUTER	0x80	/* R */
#define ZDP_ND_NA_F_SOLICITED	0x40	/* S */
#define ZDP_ND_NA_F_OVERRIDE	0x20	/* O */

#define ZDP_ND_FRAME_LEN 86	/* 14 + 40 + 24 + 8 (one link-layer option) */

struct zdp_nd_info {
	uint8_t type;		/* ZDP_ND_NS or ZDP_ND_NA */
	uint8_t flags;		/* NA: ZDP_ND_NA_F_*; NS: 0 */
	uint8_t has_lla;	/* NS: source LLA option; NA: target LLA */
	uint8_t lla[6];
	struct zdp_addr target;	/* target address field */
	struct zdp_addr src;	/* IPv6 source (:: for DAD probes) */
	struct zdp_addr dst;	/* IPv6 destination */
};

/* Validate a received NS or NA per RFC 4861 §7.1.1 / §7.1.2 and extract it:
 * hop limit 255, code 0, checksum, ICMP length >= 24, target not multicast,
 * every option length > 0 and inside the message; NS from :: only to a
 * solicited-node address and without SLLA; NA to multicast without S.
 * Returns 0, -EINVAL (not NS/NA or header cut short before ICMP), -EPROTO
 * (ND_INVALID). */
int zdp_nd_parse(const uint8_t *frame, uint32_t len, uint32_t l3_off,
		 uint32_t l4_off, struct zdp_nd_info *out);

/* Turn a valid NS for one of our addresses into the NA in place (RFC 4861
 * §7.2.4): IPv6 src = target, dst = NS source (solicited, S|O) or ff02::1
 * for a DAD probe from :: (O only); R set when @router; hop limit 255; one
 * target link-layer option with @our_mac; Ethernet dst = the NS SLLA or else
 * the frame's source MAC (33:33:00:00:00:01 for ff02::1), src = @our_mac.
 * Extension headers are dropped. The NA is 8 bytes longer than an NS
 * without options: @cap is the room in the buffer from frame[0].
 * Validates with zdp_nd_parse first. Returns the new frame length, -EINVAL,
 * -EPROTO, -ENOTSUP (not an NS), -ENOSPC (cap too small). */
int zdp_nd_na_from_ns(uint8_t *frame, uint32_t len, uint32_t cap,
		      uint32_t l3_off, uint32_t l4_off,
		      const uint8_t our_mac[6], bool router);

/* Build an NS for @target from @src_ip / @src_mac with a source link-layer
 * option (§7.2.2). @dst_mac NULL: to the solicited-node multicast address
 * ff02::1:ffXX:XXXX of @target and MAC 33:33:ff:XX:XX:XX (resolution); else
 * unicast to @target at @dst_mac (re-probe). Hop limit 255.
 * Returns ZDP_ND_FRAME_LEN, -EINVAL (not IPv6, target multicast), -ENOSPC. */
int zdp_nd_ns_build(uint8_t *buf, uint32_t cap, const uint8_t src_mac[6],
		    const struct zdp_addr *src_ip, const struct zdp_addr *target,
		    const uint8_t *dst_mac);

/* Solicited-node multicast address of @a (RFC 4291 §2.7.1) and its MAC
 * (RFC 2464 §7). */
void zdp_nd_solicited_node(const struct zdp_addr *a, struct zdp_addr *snm,
			   uint8_t mac[6]);

#endif /* ZDP_ICMP_H */
