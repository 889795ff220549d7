/* SPDX-License-Identifier: BSD-3-Clause
 * parse.c — frame validation and header decode (see parse.h for the
 * contract and the policy choices).
 *
 * Every read is preceded by a length check against the end of the region
 * it belongs to: `end` of the frame for L2, the IP length for L3/L4 (the
 * frame may be longer because of Ethernet padding; the IP length wins).
 */
#include <rte_branch_prediction.h>

#include "parse.h"

#define ETH_HLEN	14
#define VLAN_HLEN	4
#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_ARP	0x0806
#define ETHERTYPE_VLAN	0x8100
#define ETHERTYPE_QINQ	0x88a8	/* 802.1ad S-tag */
#define ETHERTYPE_QINQ1	0x9100	/* pre-standard QinQ */
#define ETHERTYPE_IPV6	0x86dd

#define IP6_HLEN	40
#define ARP_LEN		28	/* Ethernet/IPv4 ARP (RFC 826) */

/* IPv6 next-header values walked as extension headers (RFC 8200 §4). */
#define NH_HOPOPTS	0
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_AH		51
#define NH_DSTOPTS	60

/* Host-order value of a big-endian 16-bit field. */
static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

/* Field kept in network order (ports, ids). */
static inline uint16_t
raw16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline int
is_vlan_ethertype(uint16_t et)
{
	return et == ETHERTYPE_VLAN || et == ETHERTYPE_QINQ || et == ETHERTYPE_QINQ1;
}

/* TCP/UDP checksum over [l4, l4 + l4len) with the pseudo-header of *pi. */
static inline int
l4_csum(const uint8_t *l4, uint32_t l4len, uint8_t proto, const struct zdp_pkt_info *pi)
{
	uint64_t s = zdp_cksum_pseudo(&pi->src, &pi->dst, proto, l4len);

	if (zdp_cksum_fold(zdp_cksum_add_bulk(l4, l4len, s)) != 0xffff)
		return ZDP_DROP_L4_CSUM;
	return ZDP_DROP_NONE;
}

int
zdp_pkt_l4_csum_check(const uint8_t *p, const struct zdp_pkt_info *pi)
{
	const uint8_t *l4 = p + pi->l4_off;

	if (pi->l4_proto != ZDP_IPPROTO_TCP && pi->l4_proto != ZDP_IPPROTO_UDP)
		return ZDP_DROP_NONE;
	/* UDP checksum 0 over IPv4: none (parse_l4 refused it over IPv6). */
	if (pi->l4_proto == ZDP_IPPROTO_UDP && raw16(l4 + 6) == 0)
		return ZDP_DROP_NONE;
	return l4_csum(l4, zdp_pkt_l4_len(pi), pi->l4_proto, pi);
}

int
zdp_pkt_tcp_csum_split(const uint8_t *p, const struct zdp_pkt_info *pi,
		       uint16_t *pay_off, uint16_t *pay_len, uint16_t *pay_sum)
{
	const uint8_t *l4 = p + pi->l4_off;
	uint32_t l4len = zdp_pkt_l4_len(pi), hl = (uint32_t)(l4[12] >> 4) * 4;
	uint64_t h = zdp_cksum_add(l4, hl, zdp_cksum_pseudo(&pi->src, &pi->dst,
							    ZDP_IPPROTO_TCP, l4len));
	uint16_t ps = zdp_cksum_fold(zdp_cksum_add_bulk(l4 + hl, l4len - hl, 0));

	/* the parser checked 20 <= hl <= l4len; hl is a multiple of 4, so the
	 * payload's words line up with the segment's */
	*pay_off = (uint16_t)(pi->l4_off + hl);
	*pay_len = (uint16_t)(l4len - hl);
	*pay_sum = ps;
	return zdp_cksum_fold(h + ps) != 0xffff ? ZDP_DROP_L4_CSUM : ZDP_DROP_NONE;
}

/*
 * L4 header checks and (optionally) the checksum. [l4, l4end) is the IP
 * payload as bounded by the IP length; src/dst/family are already in *out.
 */
static inline int
parse_l4(const uint8_t *p, const uint8_t *l4, const uint8_t *l4end,
	 uint8_t proto, unsigned flags, struct zdp_pkt_info *out)
{
	uint32_t l4len = (uint32_t)(l4end - l4);
	unsigned no_csum = flags & (ZDP_PARSE_L4_CSUM_GOOD | ZDP_PARSE_NO_L4_CSUM |
				    ZDP_PARSE_DEFER_L4_CSUM);

	out->l4_proto = proto;
	out->l4_off = (uint16_t)(l4 - p);

	if (likely(proto == ZDP_IPPROTO_TCP)) {
		unsigned doff, fl;

		if (unlikely(l4len < 20))
			return ZDP_DROP_TRUNC_L4;
		doff = (unsigned)(l4[12] >> 4) * 4;
		if (unlikely(doff < 20 || doff > l4len))
			return ZDP_DROP_TCP_HDR;
		fl = l4[13];
		/* RFC 9293 §3.1 flag combinations no stack sends. */
		if (unlikely(!zdp_tcp_flags_valid(fl)))
			return ZDP_DROP_TCP_FLAGS;
		out->tcp_flags = (uint8_t)fl;
		out->sport = raw16(l4);
		out->dport = raw16(l4 + 2);
		out->payload_off = (uint16_t)(out->l4_off + doff);
		if (!no_csum)
			return l4_csum(l4, l4len, proto, out);
		return ZDP_DROP_NONE;
	}

	if (likely(proto == ZDP_IPPROTO_UDP)) {
		if (unlikely(l4len < 8))
			return ZDP_DROP_TRUNC_L4;
		if (unlikely(rd16(l4 + 4) != l4len))
			return ZDP_DROP_UDP_LEN;
		out->tcp_flags = 0;
		out->sport = raw16(l4);
		out->dport = raw16(l4 + 2);
		out->payload_off = (uint16_t)(out->l4_off + 8);
		if (raw16(l4 + 6) == 0) {
			/* RFC 768: no checksum (IPv4 only); RFC 8200 §8.1:
			 * mandatory over IPv6. */
			return out->family == ZDP_AF_INET ?
				ZDP_DROP_NONE : ZDP_DROP_L4_CSUM;
		}
		if (!no_csum)
			return l4_csum(l4, l4len, proto, out);
		return ZDP_DROP_NONE;
	}

	if ((proto == ZDP_IPPROTO_ICMP && out->family == ZDP_AF_INET) ||
	    (proto == ZDP_IPPROTO_ICMPV6 && out->family == ZDP_AF_INET6)) {
		uint8_t type;
		int echo;

		/* Every ICMP/ICMPv6 message has at least type, code,
		 * checksum and 4 more bytes (RFC 792, RFC 4443 §2.1). */
		if (unlikely(l4len < 8))
			return ZDP_DROP_TRUNC_L4;
		type = l4[0];
		echo = proto == ZDP_IPPROTO_ICMP ? (type == 8 || type == 0)
						 : (type == 128 || type == 129);
		out->tcp_flags = 0;
		out->sport = echo ? raw16(l4 + 4) : 0;
		out->dport = raw16(l4);		/* {type, code} */
		out->payload_off = (uint16_t)(out->l4_off + 8);
		/* NICs do not verify ICMP: only NO_L4_CSUM skips it. */
		if (!(flags & ZDP_PARSE_NO_L4_CSUM)) {
			uint64_t s = 0;

			if (proto == ZDP_IPPROTO_ICMPV6)
				s = zdp_cksum_pseudo(&out->src, &out->dst,
						     proto, l4len);
			if (zdp_cksum_fold(zdp_cksum_add(l4, l4len, s)) != 0xffff)
				return ZDP_DROP_L4_CSUM;
		}
		return ZDP_DROP_NONE;
	}
	return ZDP_DROP_L4_PROTO;
}

/* RFC 791 §3.1 option TLVs inside [o, oe). */
static int
ip4_options_ok(const uint8_t *o, const uint8_t *oe)
{
	while (o < oe) {
		uint8_t type = o[0], olen;

		if (type == 0)		/* End of Option List: rest is padding */
			return 1;
		if (type == 1) {	/* No Operation */
			o++;
			continue;
		}
		if (oe - o < 2)
			return 0;
		olen = o[1];
		if (olen < 2 || olen > oe - o)
			return 0;
		/* RFC 7126 §4.3, §4.4: drop loose/strict source routes. */
		if (type == 131 || type == 137)
			return 0;
		o += olen;
	}
	return 1;
}

static inline int
parse_ip4(const uint8_t *p, const uint8_t *l3, const uint8_t *end,
	  unsigned flags, struct zdp_pkt_info *out)
{
	uint32_t avail = (uint32_t)(end - l3), hl, tot;

	if (unlikely(avail < 20))
		return ZDP_DROP_TRUNC_IP4;
	if (unlikely((l3[0] >> 4) != 4))
		return ZDP_DROP_IP4_VERSION;
	hl = (uint32_t)(l3[0] & 0xf) * 4;
	if (unlikely(hl < 20 || hl > avail))
		return ZDP_DROP_IP4_IHL;
	tot = rd16(l3 + 2);
	if (unlikely(tot < hl || tot > avail))
		return ZDP_DROP_IP4_LEN;
	if (!(flags & ZDP_PARSE_IP_CSUM_GOOD) &&
	    unlikely(zdp_cksum_fold(zdp_cksum_add(l3, hl, 0)) != 0xffff))
		return ZDP_DROP_IP4_CSUM;
	if (unlikely(hl > 20) && !ip4_options_ok(l3 + 20, l3 + hl))
		return ZDP_DROP_IP4_OPTS;
	/* MF set or offset != 0 (RFC 791 §3.1); DF is fine. */
	if (unlikely(rd16(l3 + 6) & 0x3fff))
		return ZDP_DROP_FRAGMENT;
	if (unlikely(l3[8] == 0))
		return ZDP_DROP_TTL;
	if (unlikely(zdp_ip4_src_martian(l3[12])))
		return ZDP_DROP_IP4_SRC;

	out->kind = ZDP_PKT_IP;
	out->family = ZDP_AF_INET;
	out->ttl = l3[8];
	out->l3_len = (uint16_t)tot;
	memset(&out->src, 0, sizeof(out->src));
	memset(&out->dst, 0, sizeof(out->dst));
	out->src.family = ZDP_AF_INET;
	out->dst.family = ZDP_AF_INET;
	memcpy(out->src.a, l3 + 12, 4);
	memcpy(out->dst.a, l3 + 16, 4);
	return parse_l4(p, l3 + hl, l3 + tot, l3[9], flags, out);
}

static int
parse_ip6(const uint8_t *p, const uint8_t *l3, const uint8_t *end,
	  unsigned flags, struct zdp_pkt_info *out)
{
	uint32_t avail = (uint32_t)(end - l3), tot;
	const uint8_t *q, *l3end;
	uint8_t nh;
	unsigned i;

	if (unlikely(avail < IP6_HLEN))
		return ZDP_DROP_TRUNC_IP6;
	if (unlikely((l3[0] >> 4) != 6))
		return ZDP_DROP_IP6_VERSION;
	tot = IP6_HLEN + (uint32_t)rd16(l3 + 4);
	if (unlikely(tot > avail))
		return ZDP_DROP_IP6_LEN;
	if (unlikely(l3[7] == 0))
		return ZDP_DROP_TTL;
	if (unlikely(zdp_ip6_src_martian(l3 + 8)))
		return ZDP_DROP_IP6_SRC;

	out->kind = ZDP_PKT_IP;
	out->family = ZDP_AF_INET6;
	out->ttl = l3[7];
	/* Offsets in zdp_pkt_info are 16-bit: the whole packet must end
	 * within 64 KiB of the frame start (no jumbograms, RFC 2675). */
	if (unlikely((uint32_t)(l3 - p) + tot > 0xffff))
		return ZDP_DROP_IP6_LEN;
	out->l3_len = (uint16_t)tot;
	memset(&out->src, 0, sizeof(out->src));
	memset(&out->dst, 0, sizeof(out->dst));
	out->src.family = ZDP_AF_INET6;
	out->dst.family = ZDP_AF_INET6;
	memcpy(out->src.a, l3 + 8, 16);
	memcpy(out->dst.a, l3 + 24, 16);

	nh = l3[6];
	q = l3 + IP6_HLEN;
	l3end = l3 + tot;
	if (likely(nh == ZDP_IPPROTO_TCP || nh == ZDP_IPPROTO_UDP))
		return parse_l4(p, q, l3end, nh, flags, out);

	/* RFC 8200 §4: walk at most ZDP_PARSE_MAX_EXT_HDRS headers. */
	for (i = 0;; i++) {
		uint32_t hl;

		switch (nh) {
		case ZDP_IPPROTO_TCP:
		case ZDP_IPPROTO_UDP:
		case ZDP_IPPROTO_ICMPV6:
			return parse_l4(p, q, l3end, nh, flags, out);
		case NH_HOPOPTS:
		case NH_DSTOPTS:
		case NH_ROUTING:
		case NH_FRAGMENT:
		case NH_AH:
			break;
		default:	/* ESP, no next header, ICMPv4-in-v6, others */
			return ZDP_DROP_L4_PROTO;
		}
		/* Hop-by-hop only right after the IPv6 header (§4.1). */
		if (i >= ZDP_PARSE_MAX_EXT_HDRS || (nh == NH_HOPOPTS && i != 0))
			return ZDP_DROP_IP6_EXTHDR;
		if (l3end - q < 8)	/* every ext header is >= 8 bytes */
			return ZDP_DROP_IP6_EXTHDR;
		if (nh == NH_FRAGMENT) {
			/* offset (13 bits) | res (2) | M: an atomic fragment
			 * (all zero, RFC 6946 §4) is processed as unfragmented. */
			if (rd16(q + 2) & 0xfff9)
				return ZDP_DROP_FRAGMENT;
			hl = 8;
		} else {
			hl = nh == NH_AH ? ((uint32_t)q[1] + 2) * 4	/* RFC 4302 §2.2 */
					 : ((uint32_t)q[1] + 1) * 8;
			if (hl > (uint32_t)(l3end - q))
				return ZDP_DROP_IP6_EXTHDR;
			/* Routing header with segments left: we would have to
			 * act as its endpoint (§4.4); type 0 is deprecated
			 * anyway (RFC 5095). Segments left 0: ignore it. */
			if (nh == NH_ROUTING && q[3] != 0)
				return ZDP_DROP_IP6_EXTHDR;
		}
		nh = q[0];
		q += hl;
	}
}

static int
parse_arp(const uint8_t *l3, const uint8_t *end, struct zdp_pkt_info *out)
{
	if ((uint32_t)(end - l3) < ARP_LEN)
		return ZDP_DROP_TRUNC_ARP;
	/* htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4 (RFC 826). */
	if (rd16(l3) != 1 || rd16(l3 + 2) != ETHERTYPE_IPV4 ||
	    l3[4] != 6 || l3[5] != 4)
		return ZDP_DROP_TRUNC_ARP;
	out->kind = ZDP_PKT_ARP;
	out->family = 0;
	out->l3_len = ARP_LEN;
	out->l4_off = (uint16_t)(out->l3_off + ARP_LEN);
	out->payload_off = out->l4_off;
	out->l4_proto = 0;
	out->tcp_flags = 0;
	out->ttl = 0;
	out->sport = 0;
	out->dport = raw16(l3 + 6);
	memset(&out->src, 0, sizeof(out->src));
	memset(&out->dst, 0, sizeof(out->dst));
	out->src.family = ZDP_AF_INET;
	out->dst.family = ZDP_AF_INET;
	memcpy(out->src.a, l3 + 14, 4);	/* sender protocol address */
	memcpy(out->dst.a, l3 + 24, 4);	/* target protocol address */
	return ZDP_DROP_NONE;
}

int
zdp_pkt_parse(const uint8_t *p, uint32_t len, unsigned flags,
	      struct zdp_pkt_info *out)
{
	const uint8_t *end = p + len, *l3 = p + ETH_HLEN;
	uint16_t et;

	out->frame_len = len;
	out->has_vlan = 0;
	out->vlan_tci = 0;
	if (unlikely(len < ETH_HLEN))
		return ZDP_DROP_TRUNC_ETH;
	et = rd16(p + 12);
	if (unlikely(is_vlan_ethertype(et))) {
		/* One 802.1Q C-tag; an S-tag (802.1ad) means stacking. */
		if (et != ETHERTYPE_VLAN)
			return ZDP_DROP_VLAN_STACK;
		if (len < ETH_HLEN + VLAN_HLEN)
			return ZDP_DROP_TRUNC_VLAN;
		out->has_vlan = 1;
		out->vlan_tci = raw16(p + 14);
		et = rd16(p + 16);
		if (is_vlan_ethertype(et))
			return ZDP_DROP_VLAN_STACK;
		l3 += VLAN_HLEN;
	}
	out->l3_off = (uint16_t)(l3 - p);
	if (likely(et == ETHERTYPE_IPV4))
		return parse_ip4(p, l3, end, flags, out);
	if (et == ETHERTYPE_IPV6)
		return parse_ip6(p, l3, end, flags, out);
	if (et == ETHERTYPE_ARP)
		return parse_arp(l3, end, out);
	return ZDP_DROP_ETHERTYPE;
}
