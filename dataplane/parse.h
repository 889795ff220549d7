/* SPDX-License-Identifier: BSD-3-Clause
 * parse.h — validate and decode one Ethernet frame (L2..L4 headers).
 *
 * zdp_pkt_parse() runs on every received packet, before any table lookup.
 * It accepts exactly what the fast path can handle and names everything else
 * with a drop reason (drop_reasons.def, "parsing" group):
 *
 *   Ethernet [802.1Q] -+- ARP (Ethernet/IPv4 only)
 *                      +- IPv4 [options] -+- TCP | UDP | ICMP
 *                      +- IPv6 [ext hdrs]-+- TCP | UDP | ICMPv6
 *
 * Conventions
 *  - Return value: 0 (ZDP_DROP_NONE) when the frame is good and *out is
 *    filled, otherwise a positive enum zdp_drop_reason (drop.h) and *out is
 *    partially filled (undefined). This is the one place in zdp that returns
 *    a positive code, so the caller can count it directly:
 *        r = zdp_pkt_parse(p, len, fl, &pi);
 *        if (r) { ctx->drops[r]++; rte_pktmbuf_free(m); continue; }
 *  - Offsets are from the start of the frame. Every multi-byte field that
 *    comes from the wire (sport, dport, vlan_tci, addresses) stays in network
 *    byte order; only lengths/offsets are host order.
 *  - The frame may carry Ethernet padding after the IP packet: the parser
 *    trims to the IP length. The packet ends at l3_off + l3_len; nothing
 *    beyond that is read or meant to be forwarded (the caller trims the mbuf
 *    to zdp_pkt_end(pi) when it forwards).
 *  - The parser never reads outside [p, p + len).
 *
 * Policy choices (why):
 *  - TTL/hop limit 0 is dropped here; 1 is accepted because a packet for a
 *    local address is still deliverable — the forwarding path decides about
 *    ICMP time exceeded (zdp_nat_ttl_dec() returns -ETIMEDOUT).
 *  - Fragments are dropped (no reassembly on the fast path). An IPv6 atomic
 *    fragment (offset 0, M=0; RFC 6946 §4) is not a fragment and is accepted.
 *  - UDP length must equal the IP payload length (no trailing bytes between
 *    UDP end and IP end: NAT and the L4 code then agree on one length).
 *    UDP checksum 0 means "none" on IPv4 only (RFC 768); on IPv6 it is a
 *    checksum error (RFC 8200 §8.1).
 *  - TCP flags rejected: none, SYN+FIN, SYN+RST, FIN without ACK
 *    (RFC 9293 §3.10.7: every segment after the SYN carries ACK; FIN-only,
 *    Xmas and null scans are not traffic we owe a reply).
 *  - Martian sources: IPv4 0/8, 127/8, 224/4, 240/4 (incl. broadcast);
 *    IPv6 ff00::/8, ::1, ::ffff:0:0/96. The IPv6 unspecified source (::) is
 *    allowed because Neighbour Solicitations for DAD use it (RFC 4861 §7.2.2).
 *  - IPv6 extension headers: at most ZDP_PARSE_MAX_EXT_HDRS; hop-by-hop only
 *    first (RFC 8200 §4.1); routing header with segments left != 0 dropped
 *    (we are not a routing-header endpoint; type 0 is deprecated, RFC 5095);
 *    ESP and "no next header" are L4_PROTO.
 *
 * Performance: the common case (untagged IPv4 TCP/UDP, no options, NIC
 * checksum flags set) is straight-line code with no loop; the only loops are
 * the IPv4 option walk, the IPv6 extension-header walk (bounded) and the
 * software checksum.
 */
#ifndef ZDP_PARSE_H
#define ZDP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cksum.h"
#include "drop.h"
#include "zdp_addr.h"

enum zdp_pkt_kind {
	ZDP_PKT_NONE = 0,
	ZDP_PKT_ARP,
	ZDP_PKT_IP,
};

/* Parse flags (mbuf offload results, or caller policy). Map only the
 * *_CKSUM_GOOD mbuf flags here; when the NIC says BAD or UNKNOWN pass
 * nothing, so the software check decides and names the reason. */
#define ZDP_PARSE_IP_CSUM_GOOD	0x1u	/* NIC verified the IPv4 header checksum */
#define ZDP_PARSE_L4_CSUM_GOOD	0x2u	/* NIC verified the TCP/UDP checksum */
#define ZDP_PARSE_NO_L4_CSUM	0x4u	/* do not verify L4 checksums at all */
/* Do not verify TCP/UDP checksums here: the caller checks them later with
 * zdp_pkt_l4_csum_check() where it needs them (the fast path defers the
 * check until it knows whether the packet belongs to an established NAT
 * flow; see docs/performance-fastpath.md). ICMP/ICMPv6 are still verified
 * (neighbour discovery and ICMP errors are consumed or rebuilt by zdp). */
#define ZDP_PARSE_DEFER_L4_CSUM	0x8u

#define ZDP_PARSE_MAX_EXT_HDRS	8	/* IPv6 extension headers walked at most */

/* IP protocol numbers the parser knows (avoid netinet/ includes). */
#define ZDP_IPPROTO_ICMP	1
#define ZDP_IPPROTO_TCP		6
#define ZDP_IPPROTO_UDP		17
#define ZDP_IPPROTO_ICMPV6	58

/* TCP flag bits as in the header's 14th byte. */
#define ZDP_TCP_FIN	0x01
#define ZDP_TCP_SYN	0x02
#define ZDP_TCP_RST	0x04
#define ZDP_TCP_PSH	0x08
#define ZDP_TCP_ACK	0x10
#define ZDP_TCP_URG	0x20
#define ZDP_TCP_ECE	0x40
#define ZDP_TCP_CWR	0x80

struct zdp_pkt_info {
	uint16_t l3_off;	/* IP (or ARP) header */
	uint16_t l4_off;	/* TCP/UDP/ICMP header (after IPv6 ext headers) */
	uint16_t payload_off;	/* first byte after the L4 header */
	uint16_t l3_len;	/* IP packet length: v4 total_len, v6 40+payload_len;
				 * ARP: 28. The packet ends at l3_off + l3_len. */
	uint16_t vlan_tci;	/* network order, 0 if untagged */
	uint8_t  has_vlan;
	uint8_t  family;	/* ZDP_AF_INET / ZDP_AF_INET6; 0 for ARP */
	uint8_t  l4_proto;	/* final protocol after IPv6 ext headers */
	uint8_t  tcp_flags;	/* TCP only: ZDP_TCP_* bits */
	uint8_t  kind;		/* enum zdp_pkt_kind */
	uint8_t  ttl;		/* TTL or hop limit */
	uint16_t sport, dport;	/* network order. ICMP/ICMPv6: sport = echo id
				 * (0 for non-echo types), dport = type<<8|code
				 * in network order (i.e. bytes {type, code}).
				 * ARP: sport 0, dport = opcode (network order). */
	uint32_t frame_len;	/* len as passed in, padding included */
	struct zdp_addr src, dst; /* ARP: sender / target protocol address */
};

/*
 * Validate the frame [p, p+len) and fill *out.
 * @flags: ZDP_PARSE_* bits.
 * Returns 0, or a positive enum zdp_drop_reason from the parsing group.
 */
int zdp_pkt_parse(const uint8_t *p, uint32_t len, unsigned flags,
		  struct zdp_pkt_info *out);

/*
 * TCP/UDP checksum of a packet zdp_pkt_parse() accepted (typically with
 * ZDP_PARSE_DEFER_L4_CSUM): 0 when it is right (or a UDP-over-IPv4 checksum
 * of 0, "none"), ZDP_DROP_L4_CSUM when it is wrong. Other protocols: 0 (the
 * parser has checked them). @p is the frame the packet was parsed from.
 */
int zdp_pkt_l4_csum_check(const uint8_t *p, const struct zdp_pkt_info *pi);
/* The same for a TCP segment, and also the payload's own sum (folded, memory
 * byte order) with its offset from @p and its length, for a TCP stack that
 * sends the payload on (tcp_api.h zdp_tcp_psum_set). */
int zdp_pkt_tcp_csum_split(const uint8_t *p, const struct zdp_pkt_info *pi,
			   uint16_t *pay_off, uint16_t *pay_len, uint16_t *pay_sum);

/* RFC 9293 §3.1: false for flag combinations no stack sends (no SYN, FIN,
 * RST or ACK at all; SYN+FIN; SYN+RST; FIN without ACK). */
static inline bool
zdp_tcp_flags_valid(unsigned fl)
{
	return !((fl & (ZDP_TCP_SYN | ZDP_TCP_FIN | ZDP_TCP_RST | ZDP_TCP_ACK)) == 0 ||
		 (fl & (ZDP_TCP_SYN | ZDP_TCP_FIN)) == (ZDP_TCP_SYN | ZDP_TCP_FIN) ||
		 (fl & (ZDP_TCP_SYN | ZDP_TCP_RST)) == (ZDP_TCP_SYN | ZDP_TCP_RST) ||
		 (fl & (ZDP_TCP_FIN | ZDP_TCP_ACK)) == ZDP_TCP_FIN);
}

/* 0/8 "this network", 127/8 loopback, 224/4 multicast, 240/4 reserved +
 * limited broadcast (RFC 1812 §5.3.7, RFC 6890): never a source. @a0 is the
 * address's first byte. */
static inline bool
zdp_ip4_src_martian(uint8_t a0)
{
	return a0 == 0 || a0 == 127 || a0 >= 224;
}

/*
 * What the fast parsers share once the IP header has been checked: the UDP
 * or TCP header at frame offset @l4_off (the rest of @l3_len; UDP
 * over IPv6 must carry a checksum), then every field of *out. @l3 is the IP
 * header, @alen the address length (4 or 16) and @aoff the source
 * address's offset in it (the destination follows). False when the L4
 * header is not valid: the full parser names the reason.
 */
static inline __attribute__((always_inline)) bool
zdp_pkt_fast_l4_fill(const uint8_t *p, uint32_t len, const uint8_t *l3, uint16_t l3_len,
		     uint16_t l4_off, uint8_t proto, uint8_t family, uint8_t ttl,
		     size_t aoff, size_t alen, struct zdp_pkt_info *out)
{
	const uint8_t *l4 = p + l4_off;
	uint32_t l4len = (uint32_t)l3_len - (uint32_t)(l4_off - 14);

	if (proto == ZDP_IPPROTO_UDP) {
		if (l4len < 8 || ((uint32_t)l4[4] << 8 | l4[5]) != l4len ||
		    (family == ZDP_AF_INET6 && l4[6] == 0 && l4[7] == 0))
			return false;
		out->tcp_flags = 0;
		out->payload_off = (uint16_t)(l4_off + 8);
	} else {
		unsigned doff;

		if (l4len < 20)
			return false;
		doff = (unsigned)(l4[12] >> 4) * 4;
		if (doff < 20 || doff > l4len || !zdp_tcp_flags_valid(l4[13]))
			return false;
		out->tcp_flags = l4[13];
		out->payload_off = (uint16_t)(l4_off + doff);
	}
	out->l3_off = 14;
	out->l4_off = l4_off;
	out->l3_len = l3_len;
	out->vlan_tci = 0;
	out->has_vlan = 0;
	out->family = family;
	out->l4_proto = proto;
	out->kind = ZDP_PKT_IP;
	out->ttl = ttl;
	memcpy(&out->sport, l4, 2);
	memcpy(&out->dport, l4 + 2, 2);
	out->frame_len = len;
	memset(&out->src, 0, sizeof(out->src));
	memset(&out->dst, 0, sizeof(out->dst));
	out->src.family = family;
	out->dst.family = family;
	memcpy(out->src.a, l3 + aoff, alen);
	memcpy(out->dst.a, l3 + aoff + alen, alen);
	return true;
}

/*
 * zdp_pkt_parse() for the frames a gateway forwards most, inline: untagged
 * Ethernet, IPv4 without options or fragmentation, UDP or TCP, the TCP/UDP
 * checksum not verified here (@flags has ZDP_PARSE_L4_CSUM_GOOD,
 * ZDP_PARSE_NO_L4_CSUM or ZDP_PARSE_DEFER_L4_CSUM). Returns true when the
 * frame has that shape and is valid: *out is then exactly what
 * zdp_pkt_parse() would fill (tests/fuzz check this). False for anything
 * else, valid or not, with *out undefined: call zdp_pkt_parse(), which
 * names the drop reason.
 */
static inline bool
zdp_pkt_parse_ip4_fast(const uint8_t *p, uint32_t len, unsigned flags,
		       struct zdp_pkt_info *out)
{
	const uint8_t *l3 = p + 14;
	uint32_t tot;
	uint8_t proto;

	if (len < 14 + 20 + 8 ||
	    !(flags & (ZDP_PARSE_L4_CSUM_GOOD | ZDP_PARSE_NO_L4_CSUM |
		       ZDP_PARSE_DEFER_L4_CSUM)))
		return false;
	proto = l3[9];
	tot = (uint32_t)l3[2] << 8 | l3[3];
	/* ethertype 0x0800; no MF flag, fragment offset 0 */
	if (p[12] != 0x08 || p[13] != 0x00 || l3[0] != 0x45 || (l3[6] & 0x3f) || l3[7] ||
	    l3[8] == 0 || tot < 20 + 8 || tot > len - 14 ||
	    (proto != ZDP_IPPROTO_UDP && proto != ZDP_IPPROTO_TCP))
		return false;
	if (zdp_ip4_src_martian(l3[12]) ||
	    (!(flags & ZDP_PARSE_IP_CSUM_GOOD) && zdp_cksum_fold(zdp_cksum_add(l3, 20, 0)) != 0xffff))
		return false;
	return zdp_pkt_fast_l4_fill(p, len, l3, (uint16_t)tot, 14 + 20, proto, ZDP_AF_INET,
				    l3[8], 12, 4, out);
}

/* Multicast, ::1 and IPv4-mapped (::ffff:0:0/96): never an IPv6 source
 * (RFC 4291 §2.5.3, §2.7; RFC 4038 §4.2). */
static inline bool
zdp_ip6_src_martian(const uint8_t *a)
{
	static const uint8_t zero[10];

	if (a[0] == 0xff)
		return true;
	if (memcmp(a, zero, 10) != 0)
		return false;
	if (a[10] == 0xff && a[11] == 0xff)
		return true;
	return a[10] == 0 && a[11] == 0 && a[12] == 0 && a[13] == 0 &&
	       a[14] == 0 && a[15] == 1;
}

/*
 * zdp_pkt_parse_ip4_fast() for IPv6: untagged Ethernet, IPv6 with UDP or
 * TCP right after the fixed header (no extension headers), checksum not
 * verified here. Same contract: true and *out exactly as zdp_pkt_parse()
 * fills it, or false (anything else, valid or not) with *out undefined.
 */
static inline bool
zdp_pkt_parse_ip6_fast(const uint8_t *p, uint32_t len, unsigned flags,
		       struct zdp_pkt_info *out)
{
	const uint8_t *l3 = p + 14;
	uint32_t tot;
	uint8_t proto;

	if (len < 14 + 40 + 8 ||
	    !(flags & (ZDP_PARSE_L4_CSUM_GOOD | ZDP_PARSE_NO_L4_CSUM |
		       ZDP_PARSE_DEFER_L4_CSUM)))
		return false;
	proto = l3[6];
	tot = 40 + ((uint32_t)l3[4] << 8 | l3[5]);
	/* ethertype 0x86dd, version 6, hop limit > 0, the packet within the
	 * frame and within 64 KiB of its start (16-bit offsets) */
	if (p[12] != 0x86 || p[13] != 0xdd || (l3[0] >> 4) != 6 || l3[7] == 0 ||
	    tot > len - 14 || tot > 0xffff - 14 ||
	    (proto != ZDP_IPPROTO_UDP && proto != ZDP_IPPROTO_TCP) ||
	    zdp_ip6_src_martian(l3 + 8))
		return false;
	return zdp_pkt_fast_l4_fill(p, len, l3, (uint16_t)tot, 14 + 40, proto, ZDP_AF_INET6,
				    l3[7], 8, 16, out);
}

/* Frame length with Ethernet padding removed (what to transmit). */
static inline uint32_t
zdp_pkt_end(const struct zdp_pkt_info *pi)
{
	return (uint32_t)pi->l3_off + pi->l3_len;
}

/* Length of the L4 segment (header + payload). */
static inline uint32_t
zdp_pkt_l4_len(const struct zdp_pkt_info *pi)
{
	return (uint32_t)pi->l3_off + pi->l3_len - pi->l4_off;
}

#endif /* ZDP_PARSE_H */
