/* SPDX-License-Identifier: BSD-3-Clause
 * test_gso.c — software TCP segmentation (dataplane/gso.c): segment
 * boundaries, headers and flags, payload bytes in order, checksums as a
 * device finishes them (checked against a from-scratch computation), the
 * error cases, and that every mbuf goes back to its pool.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "zdp_eal_test.h"
#include "zdp_test.h"
#include "gso.h"

static struct rte_mempool *pool;

#define L2	RTE_ETHER_HDR_LEN
#define TCPH	32		/* with a timestamp option */
#define SEG	1448

static uint8_t
pat(uint32_t i)
{
	return (uint8_t)(i * 13 + (i >> 8) + 1);
}

/* A TSO packet: Ethernet + IPv4/IPv6 + TCP (timestamps) in the first mbuf,
 * @inline_pay payload bytes after them there, then one mbuf per @pieces
 * entry; flags ACK|PSH|FIN|CWR; sequence 4,000,000,000 (wraps). */
static struct rte_mbuf *
tso_packet(bool v6, uint32_t inline_pay, const uint16_t *pieces, unsigned n_pieces)
{
	unsigned l3len = v6 ? 40 : 20, hl = L2 + l3len + TCPH;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(hl + inline_pay));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + L2 + l3len);
	uint32_t plen = inline_pay, k = 0;

	for (unsigned i = 0; i < n_pieces; i++)
		plen += pieces[i];
	memset(d, 0, hl);
	if (v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(d + L2);
		static const uint8_t a[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
		static const uint8_t b[16] = { 0x20, 0x01, 0, 2, 0, 0, 0, 1, [15] = 9 };

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(TCPH + plen));
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, a, 16);
		memcpy(ip->dst_addr, b, 16);
		m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV6;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + L2);

		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + TCPH + plen));
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = rte_cpu_to_be_32(0xc6120001);	/* 198.18.0.1 */
		ip->dst_addr = rte_cpu_to_be_32(0xc6130109);	/* 198.19.1.9 */
		m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	}
	th->src_port = rte_cpu_to_be_16(10000);
	th->dst_port = rte_cpu_to_be_16(9000);
	th->sent_seq = rte_cpu_to_be_32(4000000000u);
	th->recv_ack = rte_cpu_to_be_32(77);
	th->data_off = (TCPH / 4) << 4;
	th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_CWR_FLAG;
	th->rx_win = rte_cpu_to_be_16(512);
	memset(th + 1, 1, TCPH - 20);	/* NOPs standing for the option */
	for (uint32_t i = 0; i < inline_pay; i++)
		d[hl + i] = pat(k++);
	for (unsigned i = 0; i < n_pieces; i++) {
		struct rte_mbuf *s = rte_pktmbuf_alloc(pool);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(s, pieces[i]);

		for (uint32_t j = 0; j < pieces[i]; j++)
			p[j] = pat(k++);
		rte_pktmbuf_chain(m, s);
	}
	m->l2_len = L2;
	m->l3_len = l3len;
	m->l4_len = TCPH;
	m->tso_segsz = SEG;
	th->cksum = v6 ? rte_ipv6_phdr_cksum((struct rte_ipv6_hdr *)(d + L2), m->ol_flags) :
		rte_ipv4_phdr_cksum((struct rte_ipv4_hdr *)(d + L2), m->ol_flags);
	return m;
}

/* 0 and 0xffff are the same one's-complement sum */
static bool
csum_eq(uint16_t a, uint16_t b)
{
	return a == b || (a == 0 && b == 0xffff) || (a == 0xffff && b == 0);
}

/* Check one segment the way a receiver would, after doing the device's
 * part (IPv4 header checksum, and the TCP checksum from the pseudo-header
 * sum in its field). Appends its payload to @pay. */
static bool
segment_ok(struct rte_mbuf *s, bool v6, bool sw, uint32_t want_seq, uint32_t want_len,
	   bool first, bool last, uint8_t *pay, uint32_t *pay_len)
{
	static uint8_t f[2048];
	unsigned l3len = v6 ? 40 : 20, hl = L2 + l3len + TCPH;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(f + L2 + l3len);
	uint8_t want_flags = RTE_TCP_ACK_FLAG | (first ? RTE_TCP_CWR_FLAG : 0) |
		(last ? RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG : 0);
	uint16_t raw;

	const void *p;

	if (s->pkt_len != hl + want_len || s->pkt_len > sizeof(f) ||
	    (p = rte_pktmbuf_read(s, 0, s->pkt_len, f)) == NULL)
		return false;
	if (p != f)
		memcpy(f, p, s->pkt_len);
	if (s->l2_len != L2 || s->l3_len != l3len || s->l4_len != TCPH ||
	    !!(s->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM) == sw || (s->ol_flags & RTE_MBUF_F_TX_TCP_SEG) ||
	    rte_be_to_cpu_32(th->sent_seq) != want_seq || th->tcp_flags != want_flags ||
	    rte_be_to_cpu_32(th->recv_ack) != 77 || rte_be_to_cpu_16(th->rx_win) != 512)
		return false;
	/* the device: sum the TCP header and payload over the field's
	 * pseudo-header sum, store the complement (computed already: sw) */
	raw = sw ? th->cksum : (uint16_t)~rte_raw_cksum(th, TCPH + want_len);
	th->cksum = 0;	/* and from scratch: */
	if (v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + L2);

		if (rte_be_to_cpu_16(ip->payload_len) != TCPH + want_len ||
		    !(s->ol_flags & RTE_MBUF_F_TX_IPV6) ||
		    !csum_eq(raw, rte_ipv6_udptcp_cksum(ip, th)))
			return false;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + L2);

		if (rte_be_to_cpu_16(ip->total_length) != 20 + TCPH + want_len ||
		    !!(s->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) == sw ||
		    (sw ? rte_raw_cksum(ip, 20) != 0xffff : ip->hdr_checksum != 0) ||
		    !csum_eq(raw, rte_ipv4_udptcp_cksum(ip, th)) ||
		    ip->fragment_offset != rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG))
			return false;
	}
	memcpy(pay + *pay_len, f + hl, want_len);
	*pay_len += want_len;
	return true;
}

static void
split_and_check(const char *name, bool v6, bool sw, uint32_t inline_pay,
		const uint16_t *pieces, unsigned n_pieces)
{
	static uint8_t pay[65536];
	struct rte_mbuf *out[ZDP_GSO_MAX_SEGS];
	unsigned avail = rte_mempool_avail_count(pool);
	uint32_t plen = inline_pay, got = 0, want_n;
	bool ok = true;
	int n;

	for (unsigned i = 0; i < n_pieces; i++)
		plen += pieces[i];
	want_n = (plen + SEG - 1) / SEG;
	ZDP_CASE(name);
	n = zdp_gso_segment(tso_packet(v6, inline_pay, pieces, n_pieces), pool, out,
			    RTE_DIM(out), sw);
	ZDP_REQUIRE(n == (int)want_n);
	for (int i = 0; i < n; i++) {
		uint32_t len = RTE_MIN((uint32_t)SEG, plen - (uint32_t)i * SEG);

		ok = ok && segment_ok(out[i], v6, sw, 4000000000u + (uint32_t)i * SEG, len, i == 0,
				      i == n - 1, pay, &got);
	}
	ZDP_CHECK(ok);
	ZDP_CHECK_EQ(got, plen);
	for (uint32_t i = 0; i < got && ok; i++)
		ok = pay[i] == pat(i);
	ZDP_CHECK(ok);
	for (int i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	ZDP_CHECK_EQ(rte_mempool_avail_count(pool), avail);	/* all returned */
}

static void
test_segments(void)
{
	static const uint16_t odd[] = { 700, 1500, 1500, 333, 1801 };
	static const uint16_t odd_len[] = { 701, 1499, 1500, 333, 1800 };
	static const uint16_t whole[] = { 1448, 1448, 1448 };
	static const uint16_t one[] = { 1449 };

	split_and_check("v4: pieces across segment boundaries, a short last segment", false,
			false, 0, odd, RTE_DIM(odd));
	split_and_check("v6: the same", true, false, 0, odd, RTE_DIM(odd));
	split_and_check("v4: pieces of exactly one segment each", false, false, 0, whole,
			RTE_DIM(whole));
	split_and_check("v4: payload partly in the header's mbuf", false, false, 300, odd,
			RTE_DIM(odd));
	split_and_check("v6: one byte over one segment", true, false, 0, one, RTE_DIM(one));
	/* checksums computed here: pieces of odd length inside a segment are
	 * what a per-piece sum gets wrong (net_tap's did) */
	split_and_check("v4, checksums in software: odd-length pieces", false, true, 0,
			odd_len, RTE_DIM(odd_len));
	split_and_check("v6, checksums in software: odd-length pieces", true, true, 0,
			odd_len, RTE_DIM(odd_len));
	split_and_check("v4, checksums in software: odd payload in the header's mbuf", false,
			true, 301, odd_len, RTE_DIM(odd_len));
}

static void
test_errors(void)
{
	static const uint16_t odd[] = { 700, 1500, 1500, 333, 1801 };
	struct rte_mbuf *out[ZDP_GSO_MAX_SEGS], *m;
	unsigned avail = rte_mempool_avail_count(pool);
	struct rte_mempool *tiny;

	ZDP_CASE("not flagged TX_TCP_SEG");
	m = tso_packet(false, 0, odd, RTE_DIM(odd));
	m->ol_flags &= ~RTE_MBUF_F_TX_TCP_SEG;
	ZDP_CHECK_EQ(zdp_gso_segment(m, pool, out, RTE_DIM(out), false), -EINVAL);
	ZDP_CASE("no segment size");
	m = tso_packet(false, 0, odd, RTE_DIM(odd));
	m->tso_segsz = 0;
	ZDP_CHECK_EQ(zdp_gso_segment(m, pool, out, RTE_DIM(out), false), -EINVAL);
	ZDP_CASE("TCP header shorter than 20 bytes");
	m = tso_packet(false, 0, odd, RTE_DIM(odd));
	m->l4_len = 16;
	ZDP_CHECK_EQ(zdp_gso_segment(m, pool, out, RTE_DIM(out), false), -EINVAL);
	ZDP_CASE("headers longer than the first mbuf");
	m = tso_packet(false, 0, odd, RTE_DIM(odd));
	m->data_len = L2 + 20 + 24;	/* the TCP header runs into the next mbuf */
	ZDP_CHECK_EQ(zdp_gso_segment(m, pool, out, RTE_DIM(out), false), -EINVAL);
	ZDP_CASE("IPv4 flagged IPv6");
	m = tso_packet(false, 0, odd, RTE_DIM(odd));
	m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV6;
	m->l3_len = 40;
	ZDP_CHECK_EQ(zdp_gso_segment(m, pool, out, RTE_DIM(out), false), -EINVAL);
	ZDP_CASE("too many segments for the output array");
	m = tso_packet(false, 0, odd, RTE_DIM(odd));
	ZDP_CHECK_EQ(zdp_gso_segment(m, pool, out, 4, false), -ENOSPC);
	ZDP_CASE("errors free the packet");
	ZDP_CHECK_EQ(rte_mempool_avail_count(pool), avail);

	ZDP_CASE("pool exhausted part way: -ENOMEM, nothing leaked");
	tiny = rte_pktmbuf_pool_create("gso_tiny", 8, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	ZDP_REQUIRE(tiny != NULL);
	m = tso_packet(false, 0, odd, RTE_DIM(odd));
	ZDP_CHECK_EQ(zdp_gso_segment(m, tiny, out, RTE_DIM(out), true), -ENOMEM);
	ZDP_CHECK_EQ(rte_mempool_avail_count(tiny), 8);
	ZDP_CHECK_EQ(rte_mempool_avail_count(pool), avail);
	rte_mempool_free(tiny);
}

static void
setup(void)
{
	pool = rte_pktmbuf_pool_create("gso_test", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(setup),
	ZDP_TEST_ENTRY(test_segments),
	ZDP_TEST_ENTRY(test_errors),
	{ 0 },
};

int
main(void)
{
	return zdp_test_eal_main("zdp_test_gso", "error", tests);
}
