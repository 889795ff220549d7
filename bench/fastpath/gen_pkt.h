/* SPDX-License-Identifier: BSD-3-Clause
 * gen_pkt.h — the fast-path benchmark's packets, shared by zdp_gen (over
 * memif) and zdp_fp_bench (in process), so both measure the same traffic.
 *
 * 64-byte IPv4/UDP or IPv6/UDP frames (Ethernet frame without FCS)
 * src -> dst:dport, over N flows that differ in source address and source
 * port:
 *
 *   flow i: src = src_net + 2 + (i % hosts), sport = sport_base + i / hosts
 *
 * (IPv6, `v6`: src_net6 with the host number in its last 32 bits, dst6.)
 *
 * Flows are sent in rounds, each flow once per round: either in index
 * order (as Pktgen's range mode steps its fields) or, with `random_order`,
 * in a pseudo-random permutation that changes every round (gen_order()):
 * consecutive packets belong to unrelated flows and no round repeats the
 * order the flows were created in, as on a real gateway, so a table laid
 * out in creation order gets no help from the CPU's sequential
 * prefetchers.
 *
 * A frame is one 64-byte template copy plus the source address, source port
 * and both checksums patched from partial sums computed once.
 */
#ifndef ZDP_BENCH_GEN_PKT_H
#define ZDP_BENCH_GEN_PKT_H

#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define GEN_FRAME_LEN	64	/* Ethernet frame without FCS */

struct gen_flows {
	uint32_t flows;
	uint32_t hosts;		/* distinct source addresses */
	uint32_t src_net;	/* host order */
	uint16_t sport_base;
	uint32_t dst;		/* host order */
	uint16_t dport;
	int v6;			/* IPv6 frames: src_net6, dst6 instead */
	uint8_t src_net6[16];	/* last 4 bytes zero: the host number goes there */
	uint8_t dst6[16];
	struct rte_ether_addr src_mac, dst_mac;
	int random_order;	/* see gen_order() */
	uint32_t round;		/* rounds sent so far (callers count them) */
	/* filled by gen_flows_init() */
	uint32_t order_bits;	/* log2 of the permuted domain (>= flows) */
	uint8_t tmpl[GEN_FRAME_LEN];
	uint32_t ip_sum;	/* IPv4 header sum without src and checksum */
	uint32_t udp_sum;	/* pseudo header + UDP without saddr (IPv6: its last
				 * 4 bytes), sport, csum */
};

static inline uint32_t
gen_sum16(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)b[len - 1] << 8;
	return s;
}

static inline uint16_t
gen_fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* IPv6 template: 14 + 40 + 8 + 2 bytes of payload = 64. */
static inline void
gen_flows_init6(struct gen_flows *g)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)g->tmpl;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *payload = (uint8_t *)(udp + 1);
	uint16_t udp_len = (uint16_t)(GEN_FRAME_LEN - RTE_ETHER_HDR_LEN - sizeof(*ip));

	eth->ether_type = htons(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = htonl(6u << 28);
	ip->payload_len = htons(udp_len);
	ip->proto = IPPROTO_UDP;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, g->src_net6, 16);
	memcpy(ip->dst_addr, g->dst6, 16);
	udp->dst_port = htons(g->dport);
	udp->dgram_len = htons(udp_len);
	for (size_t i = 0; i < (size_t)(g->tmpl + GEN_FRAME_LEN - payload); i++)
		payload[i] = (uint8_t)('a' + i % 26);
	/* The last 4 bytes of src, sport and the checksum are zero here. */
	g->udp_sum = gen_sum16(ip->src_addr, 32) + IPPROTO_UDP + udp_len +
		     gen_sum16(udp, udp_len);
}

/* Template frame and the checksum parts that do not depend on the flow. */
static inline void
gen_flows_init(struct gen_flows *g)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)g->tmpl;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *payload = (uint8_t *)(udp + 1);
	uint16_t ip_len = GEN_FRAME_LEN - RTE_ETHER_HDR_LEN;
	uint16_t udp_len = (uint16_t)(ip_len - sizeof(*ip));
	uint32_t dst = htonl(g->dst);

	memset(g->tmpl, 0, sizeof(g->tmpl));
	eth->dst_addr = g->dst_mac;
	eth->src_addr = g->src_mac;
	for (g->order_bits = 1; (1ull << g->order_bits) < g->flows; g->order_bits++)
		;
	if (g->v6) {
		memset(g->src_net6 + 12, 0, 4);
		gen_flows_init6(g);
		return;
	}
	eth->ether_type = htons(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = htons(ip_len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->dst_addr = dst;
	udp->dst_port = htons(g->dport);
	udp->dgram_len = htons(udp_len);
	for (size_t i = 0; i < (size_t)(g->tmpl + GEN_FRAME_LEN - payload); i++)
		payload[i] = (uint8_t)('a' + i % 26);

	/* src_addr, sport and checksums are still zero in the template. */
	g->ip_sum = gen_sum16(ip, sizeof(*ip));
	g->udp_sum = gen_sum16(&dst, 4) + IPPROTO_UDP + udp_len + gen_sum16(udp, udp_len);
}

/*
 * The flow sent at position @i of the current round: @i itself, or with
 * random_order its image under a bijection of [0, 2^order_bits) that
 * depends on the round (odd multiplications, an added constant and
 * xor-shifts, each invertible there), walked until it lands below `flows`
 * (cycle walking keeps it a permutation of [0, flows)).
 */
static inline uint32_t
gen_order(const struct gen_flows *g, uint32_t i)
{
	uint32_t mask = (uint32_t)((1ull << g->order_bits) - 1), sh = (g->order_bits + 1) / 2;
	uint32_t k = g->round * 0x6a09e667u, x = i;

	if (!g->random_order)
		return i;
	do {
		x = (x * (0x9e3779b1u + 2 * k)) & mask;
		x = (x + k) & mask;
		x ^= x >> sh;
		x = (x * 0x85ebca6bu) & mask;
		x ^= x >> sh;
	} while (x >= g->flows);
	return x;
}

/* Make @m the frame of flow @flow. */
static inline void
gen_fill(const struct gen_flows *g, struct rte_mbuf *m, uint32_t flow)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint32_t src = g->src_net + 2 + flow % g->hosts;
	uint16_t sport = (uint16_t)(g->sport_base + flow / g->hosts);
	uint32_t ssum = (src >> 16) + (src & 0xffff);
	uint16_t uc;

	memcpy(p, g->tmpl, GEN_FRAME_LEN);
	m->data_len = GEN_FRAME_LEN;
	m->pkt_len = GEN_FRAME_LEN;
	if (g->v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + RTE_ETHER_HDR_LEN);
		struct rte_udp_hdr *u6 = (struct rte_udp_hdr *)(ip6 + 1);
		uint32_t h = 2 + flow % g->hosts, hn = htonl(h);

		memcpy(ip6->src_addr + 12, &hn, 4);
		u6->src_port = htons(sport);
		uc = (uint16_t)~gen_fold(g->udp_sum + (h >> 16) + (h & 0xffff) + sport);
		u6->dgram_cksum = htons(uc == 0 ? 0xffff : uc);
		return;
	}
	ip->src_addr = htonl(src);
	ip->hdr_checksum = htons((uint16_t)~gen_fold(g->ip_sum + ssum));
	udp->src_port = htons(sport);
	uc = (uint16_t)~gen_fold(g->udp_sum + ssum + sport);
	udp->dgram_cksum = htons(uc == 0 ? 0xffff : uc);	/* RFC 768 */
}

/* Make @m an ARP frame (RFC 826) from @sha/@sip to @tha/@tip, host-order IPs. */
static inline void
gen_arp(struct rte_mbuf *m, uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
	const struct rte_ether_addr *tha, uint32_t tip)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);

	memset(eth, 0, GEN_FRAME_LEN);
	eth->dst_addr = *tha;
	eth->src_addr = *sha;
	eth->ether_type = htons(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = htons(RTE_ARP_HRD_ETHER);
	a->arp_protocol = htons(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = htons(op);
	a->arp_data.arp_sha = *sha;
	a->arp_data.arp_sip = htonl(sip);
	a->arp_data.arp_tha = *tha;
	a->arp_data.arp_tip = htonl(tip);
	m->data_len = 60;	/* minimum frame without FCS */
	m->pkt_len = 60;
}

#endif /* ZDP_BENCH_GEN_PKT_H */
