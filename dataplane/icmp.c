/* SPDX-License-Identifier: BSD-3-Clause
 * icmp.c — ARP, ICMP echo and Neighbour Discovery on plain buffers.
 *
 * Every function checks lengths before it reads (the frame comes from the
 * wire) and writes only inside [frame, frame + len) or, where a reply grows,
 * [frame, frame + cap). Multi-byte fields are read and written byte-wise in
 * network order, so nothing depends on alignment.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>

#include "icmp.h"

#define ETH_HLEN	14
#define ETHERTYPE_ARP	0x0806
#define ETHERTYPE_IPV6	0x86dd
#define IP4_HLEN	20
#define IP6_HLEN	40
#define PROTO_ICMP	1
#define PROTO_ICMPV6	58
#define ICMP_ECHO_REPLY		0
#define ICMP_ECHO_REQUEST	8
#define ICMP6_ECHO_REQUEST	128
#define ICMP6_ECHO_REPLY	129
#define ND_HDR_LEN	24	/* type .. target address */
#define ND_OPT_SLLA	1
#define ND_OPT_TLLA	2
#define REPLY_TTL	64

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t tmp[16];

	memcpy(tmp, a, n);
	memcpy(a, b, n);
	memcpy(b, tmp, n);
}

/* One's-complement sums (RFC 1071) through DPDK's raw checksum: the sum
 * is order-independent, so the native-endian result stored back with
 * memcpy is the right wire value. */
static uint16_t
csum_final(uint32_t sum)
{
	return (uint16_t)~__rte_raw_cksum_reduce(sum);
}

static uint32_t
ip6_pseudo_sum(const uint8_t *src, const uint8_t *dst, uint32_t ulen,
	       uint8_t nh)
{
	uint8_t tail[8] = {
		(uint8_t)(ulen >> 24), (uint8_t)(ulen >> 16),
		(uint8_t)(ulen >> 8), (uint8_t)ulen, 0, 0, 0, nh,
	};
	uint32_t sum = __rte_raw_cksum(src, 16, 0);

	sum = __rte_raw_cksum(dst, 16, sum);
	return __rte_raw_cksum(tail, sizeof(tail), sum);
}

/* True when the data (its checksum field included) sums to all ones. */
static bool
csum_ok(uint32_t sum)
{
	return __rte_raw_cksum_reduce(sum) == 0xffff;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for one 16-bit word m -> m'. */
static void
csum_update16(uint8_t *csum, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~rd16(csum) + (uint16_t)~old + new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	wr16(csum, (uint16_t)~sum);
}

static void
swap_macs(uint8_t *frame)
{
	swap_bytes(frame, frame + 6, 6);
}

static bool
v6_is_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static bool
v6_is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/* ---- ARP -------------------------------------------------------------------- */

int
zdp_arp_parse(const uint8_t *frame, uint32_t len, uint32_t l3_off,
	      struct zdp_arp_info *out)
{
	const uint8_t *a;
	uint32_t v;

	if (l3_off > len || len - l3_off < 28)
		return -EINVAL;
	a = frame + l3_off;
	/* htype Ethernet, ptype IPv4, hlen 6, plen 4 (RFC 826) */
	if (rd16(a) != 1 || rd16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
		return -EINVAL;
	out->op = rd16(a + 6);
	if (out->op != ZDP_ARP_OP_REQUEST && out->op != ZDP_ARP_OP_REPLY)
		return -EINVAL;
	memcpy(out->sha, a + 8, 6);
	memcpy(&v, a + 14, 4);
	zdp_addr_set_v4(&out->sip, v);
	memcpy(out->tha, a + 18, 6);
	memcpy(&v, a + 24, 4);
	zdp_addr_set_v4(&out->tip, v);
	return 0;
}

int
zdp_arp_reply_inplace(uint8_t *frame, uint32_t len, uint32_t l3_off,
		      const uint8_t our_mac[6])
{
	struct zdp_arp_info in;
	uint8_t *a;

	if (zdp_arp_parse(frame, len, l3_off, &in) != 0 ||
	    in.op != ZDP_ARP_OP_REQUEST || l3_off < ETH_HLEN)
		return -EINVAL;
	/* A requester with a group sender address cannot be answered. */
	if (in.sha[0] & 1)
		return -EINVAL;
	a = frame + l3_off;
	wr16(a + 6, ZDP_ARP_OP_REPLY);
	memcpy(a + 18, in.sha, 6);		/* THA = requester */
	memcpy(a + 24, in.sip.a, 4);		/* TPA = requester's IP */
	memcpy(a + 8, our_mac, 6);		/* SHA = us */
	memcpy(a + 14, in.tip.a, 4);		/* SPA = the address asked for */
	memcpy(frame, in.sha, 6);
	memcpy(frame + 6, our_mac, 6);
	return (int)len;
}

int
zdp_arp_request_build(uint8_t *buf, uint32_t cap, const uint8_t src_mac[6],
		      const struct zdp_addr *sip, const struct zdp_addr *tip,
		      const uint8_t *dst_mac)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = buf + ETH_HLEN;

	if (sip->family != ZDP_AF_INET || tip->family != ZDP_AF_INET)
		return -EINVAL;
	if (cap < ZDP_ARP_FRAME_LEN)
		return -ENOSPC;
	memcpy(buf, dst_mac ? dst_mac : bcast, 6);
	memcpy(buf + 6, src_mac, 6);
	wr16(buf + 12, ETHERTYPE_ARP);
	wr16(a, 1);
	wr16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, ZDP_ARP_OP_REQUEST);
	memcpy(a + 8, src_mac, 6);
	memcpy(a + 14, sip->a, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, tip->a, 4);
	return ZDP_ARP_FRAME_LEN;
}

/* ---- ICMPv4 echo ------------------------------------------------------------- */

static bool
v4_unusable(const uint8_t *a)
{
	/* multicast, limited broadcast, 0.0.0.0 */
	return (a[0] & 0xf0) == 0xe0 ||
	       (a[0] == 0xff && a[1] == 0xff && a[2] == 0xff && a[3] == 0xff) ||
	       (a[0] | a[1] | a[2] | a[3]) == 0;
}

int
zdp_icmp4_echo_reply(uint8_t *frame, uint32_t len, uint32_t l3_off,
		     uint32_t l4_off)
{
	uint8_t *ip, *icmp;
	uint32_t ihl, tot, icmp_len;
	uint16_t ck;

	if (l3_off < ETH_HLEN || l3_off > len || len - l3_off < IP4_HLEN)
		return -EINVAL;
	ip = frame + l3_off;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	tot = rd16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < IP4_HLEN || l4_off != l3_off + ihl ||
	    ip[9] != PROTO_ICMP || tot < ihl + 8 || tot > len - l3_off)
		return -EINVAL;
	/* A fragment cannot be answered without reassembly. */
	if (rd16(ip + 6) & 0x3fff)
		return -EINVAL;
	icmp = frame + l4_off;
	icmp_len = tot - ihl;
	if (icmp[0] != ICMP_ECHO_REQUEST || icmp[1] != 0)
		return -ENOTSUP;
	if (!csum_ok(__rte_raw_cksum(icmp, icmp_len, 0)))
		return -EBADMSG;
	if (v4_unusable(ip + 16) || v4_unusable(ip + 12))
		return -EADDRNOTAVAIL;

	/* RFC 792: type 0, everything else of the message echoed. */
	csum_update16(icmp + 2, ICMP_ECHO_REQUEST << 8, ICMP_ECHO_REPLY << 8);
	icmp[0] = ICMP_ECHO_REPLY;
	if (ihl > IP4_HLEN) {
		/* RFC 1122 §3.2.2.6 asks to reflect record-route/timestamp
		 * options; zdp drops all options instead (a reply without
		 * options is always valid). */
		memmove(ip + IP4_HLEN, icmp, icmp_len);
		ip[0] = 0x45;
		tot = IP4_HLEN + icmp_len;
		wr16(ip + 2, (uint16_t)tot);
	}
	swap_bytes(ip + 12, ip + 16, 4);
	ip[8] = REPLY_TTL;
	ip[10] = ip[11] = 0;
	ck = csum_final(__rte_raw_cksum(ip, IP4_HLEN, 0));
	memcpy(ip + 10, &ck, 2);
	swap_macs(frame);
	return (int)(l3_off + tot);
}

/* ---- ICMPv6 ------------------------------------------------------------------ */

/* Common IPv6 checks: header present, payload inside the frame, ICMPv6
 * header (at least @min bytes) inside the payload. Returns the ICMPv6
 * length or a negative code. */
static int
ip6_icmp_bounds(const uint8_t *frame, uint32_t len, uint32_t l3_off,
		uint32_t l4_off, uint32_t min)
{
	const uint8_t *ip;
	uint32_t end;

	if (l3_off < ETH_HLEN || l3_off > len || len - l3_off < IP6_HLEN)
		return -EINVAL;
	ip = frame + l3_off;
	if ((ip[0] >> 4) != 6)
		return -EINVAL;
	end = l3_off + IP6_HLEN + rd16(ip + 4);
	if (end > len || l4_off < l3_off + IP6_HLEN || l4_off > end ||
	    end - l4_off < min)
		return -EINVAL;
	/* Without extension headers the next header must be ICMPv6; with
	 * them, the parser that found l4_off walked the chain. */
	if (l4_off == l3_off + IP6_HLEN && ip[6] != PROTO_ICMPV6)
		return -EINVAL;
	return (int)(end - l4_off);
}

static uint32_t
icmp6_sum(const uint8_t *ip, const uint8_t *icmp, uint32_t icmp_len)
{
	return __rte_raw_cksum(icmp, icmp_len,
			       ip6_pseudo_sum(ip + 8, ip + 24, icmp_len,
					      PROTO_ICMPV6));
}

int
zdp_icmp6_echo_reply(uint8_t *frame, uint32_t len, uint32_t l3_off,
		     uint32_t l4_off)
{
	uint8_t *ip, *icmp;
	uint32_t icmp_len;
	int rc;

	rc = ip6_icmp_bounds(frame, len, l3_off, l4_off, 8);
	if (rc < 0)
		return rc;
	icmp_len = (uint32_t)rc;
	ip = frame + l3_off;
	icmp = frame + l4_off;
	if (icmp[0] != ICMP6_ECHO_REQUEST || icmp[1] != 0)
		return -ENOTSUP;
	if (!csum_ok(icmp6_sum(ip, icmp, icmp_len)))
		return -EBADMSG;
	/* RFC 4443 §4.2: a reply to a multicast request must come from a
	 * unicast address of ours; which one is the caller's choice. */
	if (v6_is_multicast(ip + 24) || v6_is_multicast(ip + 8) ||
	    v6_is_unspecified(ip + 8))
		return -EADDRNOTAVAIL;

	/* The pseudo-header sum does not change when src and dst swap, so
	 * the type change is the only checksum delta. */
	csum_update16(icmp + 2, ICMP6_ECHO_REQUEST << 8, ICMP6_ECHO_REPLY << 8);
	icmp[0] = ICMP6_ECHO_REPLY;
	if (l4_off != l3_off + IP6_HLEN) {
		memmove(ip + IP6_HLEN, icmp, icmp_len);
		ip[6] = PROTO_ICMPV6;
		wr16(ip + 4, (uint16_t)icmp_len);
	}
	swap_bytes(ip + 8, ip + 24, 16);
	ip[7] = REPLY_TTL;
	swap_macs(frame);
	return (int)(l3_off + IP6_HLEN + icmp_len);
}

/* ---- Neighbour Discovery ------------------------------------------------------- */

static bool
v6_is_solicited_node(const uint8_t *a)
{
	static const uint8_t pfx[13] = {
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff,
	};

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

void
zdp_nd_solicited_node(const struct zdp_addr *a, struct zdp_addr *snm,
		      uint8_t mac[6])
{
	uint8_t s[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };

	memcpy(s + 13, a->a + 13, 3);
	zdp_addr_set_v6(snm, s);
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, s + 12, 4);
}

int
zdp_nd_parse(const uint8_t *frame, uint32_t len, uint32_t l3_off,
	     uint32_t l4_off, struct zdp_nd_info *out)
{
	const uint8_t *ip, *icmp, *o, *end;
	uint32_t icmp_len;
	uint8_t want_opt;
	int rc;

	rc = ip6_icmp_bounds(frame, len, l3_off, l4_off, 4);
	if (rc < 0)
		return rc;
	icmp_len = (uint32_t)rc;
	ip = frame + l3_off;
	icmp = frame + l4_off;
	if (icmp[0] != ZDP_ND_NS && icmp[0] != ZDP_ND_NA)
		return -EINVAL;

	/* RFC 4861 §7.1.1 (NS) / §7.1.2 (NA) validity checks. */
	if (ip[7] != 255)		/* hop limit: came from on-link */
		return -EPROTO;
	if (icmp[1] != 0 || icmp_len < ND_HDR_LEN)
		return -EPROTO;
	if (!csum_ok(icmp6_sum(ip, icmp, icmp_len)))
		return -EPROTO;
	if (v6_is_multicast(icmp + 8))
		return -EPROTO;

	memset(out, 0, sizeof(*out));
	out->type = icmp[0];
	zdp_addr_set_v6(&out->target, icmp + 8);
	zdp_addr_set_v6(&out->src, ip + 8);
	zdp_addr_set_v6(&out->dst, ip + 24);
	want_opt = out->type == ZDP_ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;

	/* Options: type, length in units of 8 bytes; length 0 is invalid,
	 * an option running past the message is invalid, unknown types are
	 * skipped (§4.6, §7.1). */
	o = icmp + ND_HDR_LEN;
	end = icmp + icmp_len;
	while (o < end) {
		uint32_t olen;

		if (end - o < 2)
			return -EPROTO;
		olen = (uint32_t)o[1] * 8;
		if (olen == 0 || olen > (uint32_t)(end - o))
			return -EPROTO;
		if (o[0] == want_opt && !out->has_lla) {
			out->has_lla = 1;
			memcpy(out->lla, o + 2, 6);
		}
		o += olen;
	}

	if (out->type == ZDP_ND_NS) {
		/* DAD probe: to the solicited-node group, no SLLA. */
		if (v6_is_unspecified(ip + 8) &&
		    (!v6_is_solicited_node(ip + 24) || out->has_lla))
			return -EPROTO;
	} else {
		out->flags = icmp[4] & (ZDP_ND_NA_F_ROUTER |
					ZDP_ND_NA_F_SOLICITED |
					ZDP_ND_NA_F_OVERRIDE);
		if (v6_is_multicast(ip + 24) &&
		    (out->flags & ZDP_ND_NA_F_SOLICITED))
			return -EPROTO;
	}
	return 0;
}

/* Write the 32-byte NA/NS body (header, target, one link-layer option) at
 * @icmp and its checksum; @ip must already hold src and dst. */
static void
nd_write(uint8_t *ip, uint8_t type, uint8_t flags, const uint8_t *target,
	 uint8_t opt, const uint8_t mac[6])
{
	uint8_t *icmp = ip + IP6_HLEN;
	uint16_t ck;

	icmp[0] = type;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	icmp[4] = flags;
	icmp[5] = icmp[6] = icmp[7] = 0;
	memmove(icmp + 8, target, 16);
	icmp[24] = opt;
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	ck = csum_final(icmp6_sum(ip, icmp, ND_HDR_LEN + 8));
	memcpy(icmp + 2, &ck, 2);
}

static void
ip6_header(uint8_t *ip, uint16_t plen)
{
	ip[0] = 0x60;
	ip[1] = ip[2] = ip[3] = 0;
	wr16(ip + 4, plen);
	ip[6] = PROTO_ICMPV6;
	ip[7] = 255;	/* §7.1: ND is only valid with hop limit 255 */
}

int
zdp_nd_na_from_ns(uint8_t *frame, uint32_t len, uint32_t cap,
		  uint32_t l3_off, uint32_t l4_off,
		  const uint8_t our_mac[6], bool router)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 0x01 };
	struct zdp_nd_info ns;
	uint8_t *ip;
	uint8_t flags;
	bool dad;
	uint32_t out_len = l3_off + IP6_HLEN + ND_HDR_LEN + 8;
	int rc;

	rc = zdp_nd_parse(frame, len, l3_off, l4_off, &ns);
	if (rc < 0)
		return rc;
	if (ns.type != ZDP_ND_NS)
		return -ENOTSUP;
	if (cap < out_len)
		return -ENOSPC;
	ip = frame + l3_off;
	dad = v6_is_unspecified(ns.src.a);

	/* §7.2.4: to the soliciting node (S set) or, for a DAD probe from
	 * ::, to all-nodes (S clear). O is set: the target is our unicast
	 * address, never anycast. */
	flags = ZDP_ND_NA_F_OVERRIDE | (router ? ZDP_ND_NA_F_ROUTER : 0);
	if (dad) {
		memcpy(frame, all_nodes_mac, 6);
		memcpy(ip + 24, all_nodes, 16);
	} else {
		flags |= ZDP_ND_NA_F_SOLICITED;
		memcpy(frame, ns.has_lla ? ns.lla : frame + 6, 6);
		memcpy(ip + 24, ns.src.a, 16);
	}
	memcpy(frame + 6, our_mac, 6);
	memcpy(ip + 8, ns.target.a, 16);
	ip6_header(ip, ND_HDR_LEN + 8);
	nd_write(ip, ZDP_ND_NA, flags, ns.target.a, ND_OPT_TLLA, our_mac);
	return (int)out_len;
}

int
zdp_nd_ns_build(uint8_t *buf, uint32_t cap, const uint8_t src_mac[6],
		const struct zdp_addr *src_ip, const struct zdp_addr *target,
		const uint8_t *dst_mac)
{
	struct zdp_addr snm;
	uint8_t snm_mac[6];
	uint8_t *ip = buf + ETH_HLEN;

	if (src_ip->family != ZDP_AF_INET6 || target->family != ZDP_AF_INET6 ||
	    v6_is_multicast(target->a) || v6_is_unspecified(src_ip->a))
		return -EINVAL;
	if (cap < ZDP_ND_FRAME_LEN)
		return -ENOSPC;
	/* §7.2.2: resolution goes to the solicited-node group; a re-probe
	 * of a known neighbour goes to its cached address. */
	zdp_nd_solicited_node(target, &snm, snm_mac);
	memcpy(buf, dst_mac ? dst_mac : snm_mac, 6);
	memcpy(buf + 6, src_mac, 6);
	wr16(buf + 12, ETHERTYPE_IPV6);
	ip6_header(ip, ND_HDR_LEN + 8);
	memcpy(ip + 8, src_ip->a, 16);
	memcpy(ip + 24, dst_mac ? target->a : snm.a, 16);
	nd_write(ip, ZDP_ND_NS, 0, target->a, ND_OPT_SLLA, src_mac);
	return ZDP_ND_FRAME_LEN;
}
