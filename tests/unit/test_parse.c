/* SPDX-License-Identifier: BSD-3-Clause
 * test_parse.c — golden packets through zdp_pkt_parse(): every drop reason
 * of the parsing group, accepted variants with their decoded fields,
 * truncation at every byte offset (exact-size heap copies, so ASan sees any
 * over-read), Ethernet padding.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "drop.h"
#include "parse.h"
#include "pkt_build.h"
#include "zdp_test.h"

#define TCP4	.family = 4, .proto = 6
#define TCP6	.family = 6, .proto = 6
#define UDP4	.family = 4, .proto = 17
#define UDP6	.family = 6, .proto = 17
#define ICMP4	.family = 4, .proto = 1, .icmp_type = 8
#define ICMP6	.family = 6, .proto = 58, .icmp_type = 128
#define ARP	.family = 0, .ethertype = 0x0806

static unsigned fast_accepted;	/* frames zdp_pkt_parse_ip{4,6}_fast() took */

/*
 * Parse a heap copy of exactly @len bytes so ASan catches over-reads. Every
 * frame also goes through the inline fast parser, with the flags the fast
 * path passes it (TCP/UDP checksum deferred): whatever it accepts, the full
 * parser must accept with the same flags and describe identically.
 */
static int
parse_exact(const uint8_t *b, uint32_t len, unsigned flags, struct zdp_pkt_info *pi)
{
	uint8_t *c = malloc(len ? len : 1);
	struct zdp_pkt_info fast, full;
	unsigned ff = (flags & ZDP_PARSE_IP_CSUM_GOOD) | ZDP_PARSE_DEFER_L4_CSUM;
	int r;

	memcpy(c, b, len);
	r = zdp_pkt_parse(c, len, flags, pi);
	memset(&fast, 0xa5, sizeof(fast));
	if (zdp_pkt_parse_ip4_fast(c, len, ff, &fast)) {
		fast_accepted++;
		ZDP_CHECK_EQ(zdp_pkt_parse(c, len, ff, &full), 0);
		ZDP_CHECK(memcmp(&fast, &full, sizeof(full)) == 0);
	}
	memset(&fast, 0xa5, sizeof(fast));
	if (zdp_pkt_parse_ip6_fast(c, len, ff, &fast)) {
		fast_accepted++;
		ZDP_CHECK_EQ(zdp_pkt_parse(c, len, ff, &full), 0);
		ZDP_CHECK(memcmp(&fast, &full, sizeof(full)) == 0);
	}
	/* without a deferred or verified L4 checksum they never apply */
	ZDP_CHECK(!zdp_pkt_parse_ip4_fast(c, len, flags & ZDP_PARSE_IP_CSUM_GOOD, &fast));
	ZDP_CHECK(!zdp_pkt_parse_ip6_fast(c, len, flags & ZDP_PARSE_IP_CSUM_GOOD, &fast));
	free(c);
	return r;
}

/* --- mutators (applied after building; some re-fix checksums) --------- */

static void m_none(struct tb_pkt *k) { (void)k; }
static void m_trunc10(struct tb_pkt *k) { k->len = 10; }
static void m_vlan_cut(struct tb_pkt *k) { k->len = 16; }
static void m_l3_cut10(struct tb_pkt *k) { k->len = k->l3 + 10u; }
static void m_ip4_ver5(struct tb_pkt *k) { k->b[k->l3] = 0x55; tb_fix_ip4(k); }
static void m_ip4_ihl4(struct tb_pkt *k) { k->b[k->l3] = 0x44; }
static void m_ip4_ihl15(struct tb_pkt *k) { k->b[k->l3] = 0x4f; k->len = k->l3 + 40u; }
static void m_ip4_tot_lt_ihl(struct tb_pkt *k) { tb_put16(k->b + k->l3 + 2, 19); tb_fix_ip4(k); }
static void m_ip4_tot_gt_frame(struct tb_pkt *k)
{
	tb_put16(k->b + k->l3 + 2, (uint16_t)(k->l3_len + 1));
	tb_fix_ip4(k);
}
static void m_ip4_csum(struct tb_pkt *k) { k->b[k->l3 + 10] ^= 0x10; }
static void m_ip6_ver4(struct tb_pkt *k) { k->b[k->l3] = 0x40; }
static void m_ip6_plen_big(struct tb_pkt *k)
{
	tb_put16(k->b + k->l3 + 4, (uint16_t)(k->l3_len - 40 + 1));
}
static void m_l4_csum(struct tb_pkt *k) { k->b[k->pay - 1] ^= 0x01; }
static void m_tcp_doff4(struct tb_pkt *k) { k->b[k->l4 + 12] = 0x40; tb_fix_l4(k, 6); }
static void m_tcp_doff15(struct tb_pkt *k) { k->b[k->l4 + 12] = 0xf0; tb_fix_l4(k, 6); }
static void m_udp_len_big(struct tb_pkt *k)
{
	tb_put16(k->b + k->l4 + 4, (uint16_t)(tb_get16(k->b + k->l4 + 4) + 1));
	tb_fix_l4(k, 17);
}
static void m_udp_len_small(struct tb_pkt *k)
{
	tb_put16(k->b + k->l4 + 4, (uint16_t)(tb_get16(k->b + k->l4 + 4) - 1));
	tb_fix_l4(k, 17);
}
/* Relabel an opaque payload (built as protocol 253) as a short L4 header. */
static void m_proto_tcp(struct tb_pkt *k) { k->b[k->l3 + 9] = 6; tb_fix_ip4(k); }
static void m_proto_udp(struct tb_pkt *k) { k->b[k->l3 + 9] = 17; tb_fix_ip4(k); }
static void m_proto_icmp6(struct tb_pkt *k) { k->b[k->l3 + 6] = 58; }
static void m_arp_htype(struct tb_pkt *k) { k->b[k->l3 + 1] = 6; }
static void m_arp_plen(struct tb_pkt *k) { k->b[k->l3 + 5] = 16; }
static void m_arp_cut(struct tb_pkt *k) { k->len = k->l3 + 27u; }

struct pcase {
	const char *name;
	struct tb_spec s;
	void (*mut)(struct tb_pkt *);
	unsigned flags;
	int reason;		/* expected; 0 = accepted */
};

/* Option bytes used below. */
#define OPT_NOP_EOL	{ 1, 1, 0, 0 }
#define OPT_RA		{ 148, 4, 0, 0 }		/* router alert, RFC 2113 */
#define OPT_TS		{ 68, 8, 5, 0, 0, 0, 0, 0 }	/* timestamp, empty */
#define OPT_BAD_LEN1	{ 7, 1, 0, 0 }
#define OPT_BAD_LONG	{ 7, 9, 0, 0 }
#define OPT_LSRR	{ 131, 3, 4, 0 }
#define OPT_TRUNC	{ 1, 1, 1, 7 }			/* type with no length byte */

static const struct pcase cases[] = {
	/* accepted */
	{ "tcp4 syn", { TCP4, .tcp_flags = ZDP_TCP_SYN }, m_none, 0, 0 },
	{ "tcp4 ack data odd", { TCP4, .payload = 33 }, m_none, 0, 0 },
	{ "tcp4 ttl 1", { TCP4, .ttl = 1 }, m_none, 0, 0 },
	{ "tcp4 df", { TCP4, .frag_off = 0x4000 }, m_none, 0, 0 },
	{ "tcp4 options nop eol", { TCP4, .opts = OPT_NOP_EOL, .opts_len = 4 }, m_none, 0, 0 },
	{ "tcp4 router alert", { TCP4, .opts = OPT_RA, .opts_len = 4 }, m_none, 0, 0 },
	{ "tcp4 timestamp opt", { TCP4, .opts = OPT_TS, .opts_len = 8 }, m_none, 0, 0 },
	{ "tcp4 tcp options", { TCP4, .tcp_opts_len = 12, .payload = 5 }, m_none, 0, 0 },
	{ "tcp4 vlan", { TCP4, .ntags = 1, .vlan_tci = 100 }, m_none, 0, 0 },
	{ "tcp4 padded", { TCP4, .tcp_flags = ZDP_TCP_SYN, .pad = 6 }, m_none, 0, 0 },
	{ "tcp4 fin ack", { TCP4, .tcp_flags = ZDP_TCP_FIN | ZDP_TCP_ACK }, m_none, 0, 0 },
	{ "tcp4 rst", { TCP4, .tcp_flags = ZDP_TCP_RST }, m_none, 0, 0 },
	{ "tcp4 syn ece cwr", { TCP4, .tcp_flags = ZDP_TCP_SYN | ZDP_TCP_ECE | ZDP_TCP_CWR }, m_none, 0, 0 },
	{ "tcp4 bad csum nic good", { TCP4, .payload = 4 }, m_l4_csum, ZDP_PARSE_L4_CSUM_GOOD, 0 },
	{ "tcp4 bad csum no check", { TCP4, .payload = 4 }, m_l4_csum, ZDP_PARSE_NO_L4_CSUM, 0 },
	{ "ip4 bad csum nic good", { TCP4 }, m_ip4_csum, ZDP_PARSE_IP_CSUM_GOOD, 0 },
	{ "udp4", { UDP4, .payload = 100 }, m_none, 0, 0 },
	{ "udp4 odd", { UDP4, .payload = 1 }, m_none, 0, 0 },
	{ "udp4 csum 0", { UDP4, .payload = 10, .udp_csum_zero = 1 }, m_none, 0, 0 },
	{ "udp4 padded", { UDP4, .payload = 2, .pad = 20 }, m_none, 0, 0 },
	{ "icmp4 echo", { ICMP4, .payload = 56 }, m_none, 0, 0 },
	{ "icmp4 unreach", { .family = 4, .proto = 1, .icmp_type = 3, .icmp_code = 4, .payload = 28 }, m_none, 0, 0 },
	{ "icmp4 bad csum no check", { ICMP4 }, m_l4_csum, ZDP_PARSE_NO_L4_CSUM, 0 },
	{ "tcp6", { TCP6, .payload = 3 }, m_none, 0, 0 },
	{ "tcp6 vlan padded", { TCP6, .ntags = 1, .vlan_tci = 7, .pad = 4 }, m_none, 0, 0 },
	{ "udp6", { UDP6, .payload = 17 }, m_none, 0, 0 },
	{ "icmp6 echo", { ICMP6, .payload = 8 }, m_none, 0, 0 },
	{ "icmp6 ns dad from ::", { .family = 6, .proto = 58, .icmp_type = 135, .src = "::", .payload = 16 }, m_none, 0, 0 },
	{ "tcp6 hbh dst", { TCP6, .n_ext = 2, .ext = { { 0, 8, 0, 0 }, { 60, 16, 0, 0 } } }, m_none, 0, 0 },
	{ "udp6 atomic frag", { UDP6, .payload = 9, .n_ext = 1, .ext = { { 44, 8, 0, 0 } } }, m_none, 0, 0 },
	{ "tcp6 routing segleft 0", { TCP6, .n_ext = 1, .ext = { { 43, 24, 0, 0 } } }, m_none, 0, 0 },
	{ "tcp6 ah", { TCP6, .n_ext = 1, .ext = { { 51, 24, 0, 0 } } }, m_none, 0, 0 },
	{ "icmp6 8 ext hdrs", { ICMP6, .n_ext = 8, .ext = { { 0, 8, 0, 0 }, { 60, 8, 0, 0 }, { 43, 8, 0, 0 },
	  { 60, 8, 0, 0 }, { 51, 12, 0, 0 }, { 60, 8, 0, 0 }, { 44, 8, 0, 0 }, { 60, 8, 0, 0 } } }, m_none, 0, 0 },
	{ "arp request", { ARP }, m_none, 0, 0 },
	{ "arp padded", { ARP, .pad = 18 }, m_none, 0, 0 },

	/* drops: L2 */
	{ "trunc eth", { TCP4 }, m_trunc10, 0, ZDP_DROP_TRUNC_ETH },
	{ "trunc vlan", { TCP4, .ntags = 1 }, m_vlan_cut, 0, ZDP_DROP_TRUNC_VLAN },
	{ "qinq 8100x2", { TCP4, .ntags = 2 }, m_none, 0, ZDP_DROP_VLAN_STACK },
	{ "qinq 88a8 outer", { TCP4, .ntags = 2, .tag_tpid = { 0x88a8, 0x8100 } }, m_none, 0, ZDP_DROP_VLAN_STACK },
	{ "lldp", { .family = 0, .ethertype = 0x88cc, .pad = 46 }, m_none, 0, ZDP_DROP_ETHERTYPE },
	/* IPv4 */
	{ "trunc ip4", { TCP4 }, m_l3_cut10, 0, ZDP_DROP_TRUNC_IP4 },
	{ "ip4 version 5", { TCP4 }, m_ip4_ver5, 0, ZDP_DROP_IP4_VERSION },
	{ "ip4 ihl 4", { TCP4 }, m_ip4_ihl4, 0, ZDP_DROP_IP4_IHL },
	{ "ip4 ihl beyond frame", { TCP4 }, m_ip4_ihl15, 0, ZDP_DROP_IP4_IHL },
	{ "ip4 totlen < ihl", { TCP4 }, m_ip4_tot_lt_ihl, 0, ZDP_DROP_IP4_LEN },
	{ "ip4 totlen > frame", { TCP4 }, m_ip4_tot_gt_frame, 0, ZDP_DROP_IP4_LEN },
	{ "ip4 bad csum", { TCP4 }, m_ip4_csum, 0, ZDP_DROP_IP4_CSUM },
	{ "ip4 opt len 1", { TCP4, .opts = OPT_BAD_LEN1, .opts_len = 4 }, m_none, 0, ZDP_DROP_IP4_OPTS },
	{ "ip4 opt beyond ihl", { TCP4, .opts = OPT_BAD_LONG, .opts_len = 4 }, m_none, 0, ZDP_DROP_IP4_OPTS },
	{ "ip4 opt no len byte", { TCP4, .opts = OPT_TRUNC, .opts_len = 4 }, m_none, 0, ZDP_DROP_IP4_OPTS },
	{ "ip4 lsrr", { TCP4, .opts = OPT_LSRR, .opts_len = 4 }, m_none, 0, ZDP_DROP_IP4_OPTS },
	{ "ip4 src loopback", { TCP4, .src = "127.0.0.1" }, m_none, 0, ZDP_DROP_IP4_SRC },
	{ "ip4 src multicast", { UDP4, .src = "224.0.0.5" }, m_none, 0, ZDP_DROP_IP4_SRC },
	{ "ip4 src broadcast", { UDP4, .src = "255.255.255.255" }, m_none, 0, ZDP_DROP_IP4_SRC },
	{ "ip4 src zero", { UDP4, .src = "0.0.0.0" }, m_none, 0, ZDP_DROP_IP4_SRC },
	{ "ip4 src class e", { UDP4, .src = "240.0.0.1" }, m_none, 0, ZDP_DROP_IP4_SRC },
	{ "ip4 ttl 0", { TCP4, .ttl_zero = 1 }, m_none, 0, ZDP_DROP_TTL },
	{ "ip4 mf", { UDP4, .frag_off = 0x2000 }, m_none, 0, ZDP_DROP_FRAGMENT },
	{ "ip4 offset", { UDP4, .frag_off = 0x0010 }, m_none, 0, ZDP_DROP_FRAGMENT },
	/* IPv6 */
	{ "trunc ip6", { TCP6 }, m_l3_cut10, 0, ZDP_DROP_TRUNC_IP6 },
	{ "ip6 version 4", { TCP6 }, m_ip6_ver4, 0, ZDP_DROP_IP6_VERSION },
	{ "ip6 plen > frame", { TCP6 }, m_ip6_plen_big, 0, ZDP_DROP_IP6_LEN },
	{ "ip6 hop limit 0", { TCP6, .ttl_zero = 1 }, m_none, 0, ZDP_DROP_TTL },
	{ "ip6 src multicast", { UDP6, .src = "ff02::1" }, m_none, 0, ZDP_DROP_IP6_SRC },
	{ "ip6 src loopback", { UDP6, .src = "::1" }, m_none, 0, ZDP_DROP_IP6_SRC },
	{ "ip6 src v4 mapped", { UDP6, .src = "::ffff:198.18.0.1" }, m_none, 0, ZDP_DROP_IP6_SRC },
	{ "ip6 frag offset", { UDP6, .n_ext = 1, .ext = { { 44, 8, 0x0008, 0 } } }, m_none, 0, ZDP_DROP_FRAGMENT },
	{ "ip6 frag M", { UDP6, .n_ext = 1, .ext = { { 44, 8, 0x0001, 0 } } }, m_none, 0, ZDP_DROP_FRAGMENT },
	{ "ip6 hbh second", { TCP6, .n_ext = 2, .ext = { { 60, 8, 0, 0 }, { 0, 8, 0, 0 } } }, m_none, 0, ZDP_DROP_IP6_EXTHDR },
	{ "ip6 routing segleft", { TCP6, .n_ext = 1, .ext = { { 43, 24, 0, 2 } } }, m_none, 0, ZDP_DROP_IP6_EXTHDR },
	{ "ip6 9 ext hdrs", { TCP6, .n_ext = 9, .ext = { { 0, 8, 0, 0 }, { 60, 8, 0, 0 }, { 60, 8, 0, 0 },
	  { 60, 8, 0, 0 }, { 60, 8, 0, 0 }, { 60, 8, 0, 0 }, { 60, 8, 0, 0 }, { 60, 8, 0, 0 }, { 60, 8, 0, 0 } } },
	  m_none, 0, ZDP_DROP_IP6_EXTHDR },
	{ "ip6 ext only, cut", { .family = 6, .proto = 6, .n_ext = 1, .ext = { { 60, 8, 0, 0 } } },
	  NULL /* special: see below */, 0, ZDP_DROP_IP6_EXTHDR },
	{ "ip6 esp", { .family = 6, .proto = 50, .payload = 32 }, m_none, 0, ZDP_DROP_L4_PROTO },
	{ "ip6 no next header", { .family = 6, .proto = 59 }, m_none, 0, ZDP_DROP_L4_PROTO },
	{ "ip6 icmpv4 inside", { .family = 6, .proto = 1, .payload = 8 }, m_none, 0, ZDP_DROP_L4_PROTO },
	/* L4 */
	{ "tcp4 short", { .family = 4, .proto = 253, .payload = 19 }, m_proto_tcp, 0, ZDP_DROP_TRUNC_L4 },
	{ "udp4 short", { .family = 4, .proto = 253, .payload = 7 }, m_proto_udp, 0, ZDP_DROP_TRUNC_L4 },
	{ "icmp6 short", { .family = 6, .proto = 253, .payload = 7 }, m_proto_icmp6, 0, ZDP_DROP_TRUNC_L4 },
	{ "tcp4 doff 4", { TCP4 }, m_tcp_doff4, 0, ZDP_DROP_TCP_HDR },
	{ "tcp4 doff 15", { TCP4, .payload = 20 }, m_tcp_doff15, 0, ZDP_DROP_TCP_HDR },
	{ "tcp4 no flags", { TCP4, .tcp_no_flags = 1 }, m_none, 0, ZDP_DROP_TCP_FLAGS },
	{ "tcp4 psh only", { TCP4, .tcp_flags = ZDP_TCP_PSH }, m_none, 0, ZDP_DROP_TCP_FLAGS },
	{ "tcp4 syn fin", { TCP4, .tcp_flags = ZDP_TCP_SYN | ZDP_TCP_FIN }, m_none, 0, ZDP_DROP_TCP_FLAGS },
	{ "tcp4 syn rst", { TCP4, .tcp_flags = ZDP_TCP_SYN | ZDP_TCP_RST | ZDP_TCP_ACK }, m_none, 0, ZDP_DROP_TCP_FLAGS },
	{ "tcp6 fin no ack", { TCP6, .tcp_flags = ZDP_TCP_FIN }, m_none, 0, ZDP_DROP_TCP_FLAGS },
	{ "tcp6 xmas", { TCP6, .tcp_flags = ZDP_TCP_FIN | ZDP_TCP_PSH | ZDP_TCP_URG }, m_none, 0, ZDP_DROP_TCP_FLAGS },
	{ "tcp4 bad csum", { TCP4, .payload = 4 }, m_l4_csum, 0, ZDP_DROP_L4_CSUM },
	{ "tcp6 bad csum", { TCP6, .payload = 4 }, m_l4_csum, 0, ZDP_DROP_L4_CSUM },
	{ "udp4 bad csum", { UDP4, .payload = 4 }, m_l4_csum, 0, ZDP_DROP_L4_CSUM },
	{ "udp6 bad csum", { UDP6, .payload = 4 }, m_l4_csum, 0, ZDP_DROP_L4_CSUM },
	{ "udp6 csum 0", { UDP6, .payload = 4, .udp_csum_zero = 1 }, m_none, 0, ZDP_DROP_L4_CSUM },
	{ "icmp4 bad csum", { ICMP4, .payload = 4 }, m_l4_csum, 0, ZDP_DROP_L4_CSUM },
	{ "icmp4 bad csum, L4 good flag", { ICMP4, .payload = 4 }, m_l4_csum, ZDP_PARSE_L4_CSUM_GOOD, ZDP_DROP_L4_CSUM },
	{ "icmp6 bad csum", { ICMP6, .payload = 4 }, m_l4_csum, 0, ZDP_DROP_L4_CSUM },
	{ "udp len > ip", { UDP4, .payload = 4 }, m_udp_len_big, 0, ZDP_DROP_UDP_LEN },
	{ "udp len < ip", { UDP6, .payload = 4 }, m_udp_len_small, 0, ZDP_DROP_UDP_LEN },
	{ "ip4 gre", { .family = 4, .proto = 47, .payload = 24 }, m_none, 0, ZDP_DROP_L4_PROTO },
	{ "ip4 icmpv6 inside", { .family = 4, .proto = 58, .payload = 8 }, m_none, 0, ZDP_DROP_L4_PROTO },
	/* ARP */
	{ "arp short", { ARP }, m_arp_cut, 0, ZDP_DROP_TRUNC_ARP },
	{ "arp htype 6", { ARP }, m_arp_htype, 0, ZDP_DROP_TRUNC_ARP },
	{ "arp plen 16", { ARP }, m_arp_plen, 0, ZDP_DROP_TRUNC_ARP },
};

/* Cases with a NULL mutator need a custom tweak of the built packet. */
static void
special(const struct pcase *c, struct tb_pkt *k)
{
	if (strcmp(c->name, "ip6 ext only, cut") == 0) {
		/* Payload length covers only 4 of the 8 dst-opts bytes. */
		tb_put16(k->b + k->l3 + 4, 4);
		k->l3_len = 44;
		k->len = k->l3 + 44u;
	}
}

static void
check_fields(const struct pcase *c, const struct tb_pkt *k, const struct zdp_pkt_info *pi)
{
	const struct tb_spec *s = &c->s;

	ZDP_CHECK_EQ(pi->l3_off, k->l3);
	ZDP_CHECK_EQ(pi->l3_len, k->l3_len);
	ZDP_CHECK_EQ(pi->frame_len, k->len);
	ZDP_CHECK_EQ(zdp_pkt_end(pi), k->len - s->pad);
	ZDP_CHECK_EQ(pi->has_vlan, s->ntags == 1);
	ZDP_CHECK_EQ(pi->vlan_tci, s->ntags ? htons(s->vlan_tci) : 0);
	ZDP_CHECK(zdp_addr_eq(&pi->src, &k->src));
	ZDP_CHECK(zdp_addr_eq(&pi->dst, &k->dst));
	if (s->family == 0) {
		ZDP_CHECK_EQ(pi->kind, ZDP_PKT_ARP);
		ZDP_CHECK_EQ(pi->family, 0);
		ZDP_CHECK_EQ(pi->dport, htons(1));	/* request */
		return;
	}
	ZDP_CHECK_EQ(pi->kind, ZDP_PKT_IP);
	ZDP_CHECK_EQ(pi->family, s->family);
	ZDP_CHECK_EQ(pi->l4_proto, s->proto);
	ZDP_CHECK_EQ(pi->l4_off, k->l4);
	ZDP_CHECK_EQ(pi->payload_off, k->pay);
	ZDP_CHECK_EQ(pi->ttl, s->ttl ? s->ttl : 64);
	ZDP_CHECK_EQ(zdp_pkt_l4_len(pi), k->l3 + k->l3_len - k->l4);
	if (s->proto == 6 || s->proto == 17) {
		ZDP_CHECK_EQ(pi->sport, htons(40000));
		ZDP_CHECK_EQ(pi->dport, htons(80));
		ZDP_CHECK_EQ(pi->tcp_flags, s->proto == 6 ? (s->tcp_flags ? s->tcp_flags : ZDP_TCP_ACK) : 0);
	} else {
		int echo = s->icmp_type == 8 || s->icmp_type == 0 ||
			   s->icmp_type == 128 || s->icmp_type == 129;
		uint8_t tc[2] = { s->icmp_type, s->icmp_code };
		uint16_t want;

		memcpy(&want, tc, 2);
		ZDP_CHECK_EQ(pi->sport, echo ? htons(0x4242) : 0);
		ZDP_CHECK_EQ(pi->dport, want);
	}
}

static void
test_golden_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		struct tb_pkt k;
		struct zdp_pkt_info pi;
		int r;

		ZDP_CASE(c->name);
		ZDP_REQUIRE(tb_build(&c->s, &k) == 0);
		if (c->mut)
			c->mut(&k);
		else
			special(c, &k);
		r = parse_exact(k.b, k.len, c->flags, &pi);
		if (r != c->reason) {
			ZDP_FAIL_("got %s, want %s", zdp_drop_reason_name(r),
				  zdp_drop_reason_name(c->reason));
			continue;
		}
		if (r == 0)
			check_fields(c, &k, &pi);
	}
	ZDP_CASE(NULL);
}

/* The fast parser takes the common shapes (and only them; parse_exact()
 * checks that it agrees with the full parser on every frame of this file). */
static void
test_fast_parser_coverage(void)
{
	static const struct {
		const char *name;
		struct tb_spec s;
		bool fast;
	} rows[] = {
		{ "udp4", { UDP4, .payload = 18 }, true },
		{ "udp4 csum 0", { UDP4, .payload = 4, .udp_csum_zero = 1 }, true },
		{ "tcp4 ack", { TCP4, .payload = 6 }, true },
		{ "tcp4 syn", { TCP4, .tcp_flags = ZDP_TCP_SYN }, true },
		{ "tcp4 padded", { TCP4, .pad = 6 }, true },
		{ "udp4 vlan", { UDP4, .ntags = 1, .payload = 4 }, false },
		{ "udp6", { UDP6, .payload = 4 }, true },
		{ "tcp6 ack", { TCP6, .payload = 6 }, true },
		{ "tcp6 padded", { TCP6, .pad = 6 }, true },
		{ "udp6 vlan", { UDP6, .ntags = 1, .payload = 4 }, false },
		{ "udp6 after a dest-opts header", { UDP6, .payload = 4, .n_ext = 1,
		  .ext = { { .type = 60, .len = 8 } } }, false },
		{ "icmp6", { ICMP6, .payload = 4 }, false },
		{ "icmp4", { ICMP4, .payload = 4 }, false },
		{ "arp", { ARP }, false },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct zdp_pkt_info pi;
		struct tb_pkt k;
		unsigned before = fast_accepted;

		ZDP_CASE(rows[i].name);
		ZDP_REQUIRE(tb_build(&rows[i].s, &k) == 0);
		ZDP_CHECK_EQ(parse_exact(k.b, k.len, 0, &pi), 0);
		ZDP_CHECK_EQ(fast_accepted - before, rows[i].fast ? 1u : 0u);
	}
	ZDP_CASE(NULL);
}

/* Every reason of the parsing group has at least one case above. */
static void
test_every_parse_reason_covered(void)
{
	for (int r = ZDP_DROP_TRUNC_ETH; r <= ZDP_DROP_TRUNC_ARP; r++) {
		int seen = 0;

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			seen |= cases[i].reason == r;
		ZDP_CASE(zdp_drop_reason_name(r));
		ZDP_CHECK(seen);
	}
}

/* Expected reason when a frame is cut to @len bytes (IP length unchanged). */
static int
trunc_reason(const struct tb_spec *s, const struct tb_pkt *k, uint32_t len)
{
	if (len < 14)
		return ZDP_DROP_TRUNC_ETH;
	if (s->ntags && len < 18)
		return ZDP_DROP_TRUNC_VLAN;
	if (s->family == 0)
		return ZDP_DROP_TRUNC_ARP;
	if (s->family == 4) {
		if (len < k->l3 + 20u)
			return ZDP_DROP_TRUNC_IP4;
		if (len < k->l3 + 20u + s->opts_len)
			return ZDP_DROP_IP4_IHL;
		return ZDP_DROP_IP4_LEN;
	}
	if (len < k->l3 + 40u)
		return ZDP_DROP_TRUNC_IP6;
	return ZDP_DROP_IP6_LEN;
}

static const struct {
	const char *name;
	struct tb_spec s;
} trunc_bases[] = {
	{ "tcp4", { TCP4, .payload = 9, .tcp_opts_len = 8 } },
	{ "tcp4 ip options", { TCP4, .opts = OPT_TS, .opts_len = 8, .payload = 2 } },
	{ "tcp4 vlan", { TCP4, .ntags = 1, .payload = 3 } },
	{ "tcp6", { TCP6, .payload = 5 } },
	{ "tcp6 ext", { TCP6, .n_ext = 3, .ext = { { 0, 8, 0, 0 }, { 44, 8, 0, 0 }, { 60, 16, 0, 0 } }, .payload = 1 } },
	{ "udp4", { UDP4, .payload = 7 } },
	{ "udp6 vlan", { UDP6, .ntags = 1, .payload = 6 } },
	{ "icmp4", { ICMP4, .payload = 12 } },
	{ "icmp6", { ICMP6, .payload = 11 } },
	{ "arp", { ARP } },
	{ "arp vlan", { ARP, .ntags = 1 } },
};

/* Cut a valid frame at every byte offset: never an over-read (ASan), always
 * the truncation reason of the layer that was cut. */
static void
test_truncate_every_offset(void)
{
	for (size_t i = 0; i < sizeof(trunc_bases) / sizeof(trunc_bases[0]); i++) {
		const struct tb_spec *s = &trunc_bases[i].s;
		struct zdp_pkt_info pi;
		struct tb_pkt k;

		ZDP_CASE(trunc_bases[i].name);
		ZDP_REQUIRE(tb_build(s, &k) == 0);
		ZDP_CHECK_EQ(parse_exact(k.b, k.len, 0, &pi), 0);
		for (uint32_t len = 0; len < k.len; len++) {
			int r = parse_exact(k.b, len, 0, &pi);
			int want = trunc_reason(s, &k, len);

			if (r != want)
				ZDP_FAIL_("len %u: got %s, want %s", len,
					  zdp_drop_reason_name(r),
					  zdp_drop_reason_name(want));
		}
	}
	ZDP_CASE(NULL);
}

/* Shrink the IP length consistently (header checksum fixed) so the cut
 * lands inside the L4 header / IPv6 ext headers: the L4 or ext-header
 * reason, never a read beyond the IP length (the frame keeps its bytes,
 * so this also proves the IP length is the bound, not the frame). */
static void
test_ip_length_cut_inside_l4(void)
{
	for (size_t i = 0; i < sizeof(trunc_bases) / sizeof(trunc_bases[0]); i++) {
		const struct tb_spec *s = &trunc_bases[i].s;
		struct tb_pkt k0;

		if (s->family == 0)
			continue;
		ZDP_CASE(trunc_bases[i].name);
		ZDP_REQUIRE(tb_build(s, &k0) == 0);
		for (uint32_t l3len = (s->family == 4 ? 20u + s->opts_len : 40u);
		     l3len < k0.l3_len; l3len++) {
			struct tb_pkt k = k0;
			struct zdp_pkt_info pi;
			uint32_t l4have = k.l3 + l3len > k.l4 ? k.l3 + l3len - k.l4 : 0;
			int want, r;

			if (s->family == 4) {
				tb_put16(k.b + k.l3 + 2, (uint16_t)l3len);
				tb_fix_ip4(&k);
			} else {
				tb_put16(k.b + k.l3 + 4, (uint16_t)(l3len - 40));
			}
			if (k.l3 + l3len < k.l4)
				want = ZDP_DROP_IP6_EXTHDR;
			else if (l4have < (s->proto == 6 ? 20u : 8u))
				want = ZDP_DROP_TRUNC_L4;
			else if (s->proto == 6 && l4have < 20u + s->tcp_opts_len)
				want = ZDP_DROP_TCP_HDR;
			else if (s->proto == 17)
				want = ZDP_DROP_UDP_LEN;
			else
				want = ZDP_DROP_L4_CSUM;
			r = parse_exact(k.b, k.len, 0, &pi);
			if (r != want)
				ZDP_FAIL_("ip len %u: got %s, want %s", l3len,
					  zdp_drop_reason_name(r),
					  zdp_drop_reason_name(want));
		}
	}
	ZDP_CASE(NULL);
}

/* Padding bytes are never part of the checksum or the lengths. */
static void
test_padding_trimmed(void)
{
	static const struct tb_spec specs[] = {
		{ TCP4, .tcp_flags = ZDP_TCP_SYN, .pad = 6 },	/* 54 + 6 = 60 */
		{ UDP4, .payload = 1, .pad = 17 },
		{ ICMP4, .pad = 18 },
		{ TCP6, .pad = 1 },
	};
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct tb_pkt k;
		struct zdp_pkt_info pi;

		ZDP_CASE("padding");
		ZDP_REQUIRE(tb_build(&specs[i], &k) == 0);
		ZDP_CHECK_EQ(parse_exact(k.b, k.len, 0, &pi), 0);
		ZDP_CHECK_EQ(zdp_pkt_end(&pi), k.len - specs[i].pad);
		/* Changing padding bytes changes nothing. */
		k.b[k.len - 1] ^= 0xff;
		ZDP_CHECK_EQ(parse_exact(k.b, k.len, 0, &pi), 0);
	}
	ZDP_CASE(NULL);
}

/* The library checksum helpers agree with the independent ones. */
static void
test_cksum_helpers(void)
{
	uint8_t buf[301];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		uint16_t mine = (uint16_t)~zdp_cksum_fold(zdp_cksum_add(buf, len, 0));
		uint16_t ref = tb_fin(tb_sum(buf, len, 0));

		ZDP_CASE("cksum");
		ZDP_CHECK_EQ(ntohs(mine), ref);
		if (ntohs(mine) != ref)
			break;
	}
	ZDP_CASE(NULL);
}

/* zdp_cksum_add_bulk() (AVX2 where the CPU has it) against the independent
 * sum: every length up to 3000 at every alignment mod 32, a nonzero
 * starting accumulator, the extremes (all 0x00, all 0xff, all 0x80 words:
 * the bias edge) and buffers past its 512 KiB block. */
static void
test_cksum_bulk(void)
{
	static uint8_t buf[(3u << 19) + 64];
	uint64_t x = 0x2545f4914f6cdd1dull;
	static const uint8_t fills[] = { 0x00, 0xff, 0x80 };

	for (size_t i = 0; i < 4096; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	ZDP_CASE("random bytes, every length and alignment");
	for (size_t len = 0; len <= 3000; len++) {
		size_t off = len % 32;
		uint16_t ref = tb_fin(tb_sum(buf + off, len, 0x1234));
		uint16_t got = ntohs((uint16_t)~zdp_cksum_fold(
			zdp_cksum_add_bulk(buf + off, len, htons(0x1234))));

		if (got != ref) {
			ZDP_CHECK_EQ(got, ref);
			break;
		}
	}
	for (size_t f = 0; f < sizeof(fills); f++) {
		static const size_t lens[] = { 128, 1448, 9000, 1u << 19, (1u << 19) + 64,
					       3u << 19, (3u << 19) + 63 };

		memset(buf, fills[f], sizeof(buf));
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			uint16_t ref = zdp_cksum_fold(zdp_cksum_add(buf, lens[k], 0));
			uint16_t got = zdp_cksum_fold(zdp_cksum_add_bulk(buf, lens[k], 0));

			ZDP_CASE(fills[f] == 0 ? "all 0x00" : fills[f] == 0xff ? "all 0xff" : "all 0x80");
			ZDP_CHECK_EQ(got, ref);
		}
	}
	ZDP_CASE(NULL);
}

/* Step-by-step end-around-carry fold, the definition zdp_cksum_fold()'s
 * rotate-add form must match for every 64-bit accumulator. */
static uint16_t
fold_ref(uint64_t a)
{
	while (a >> 16)
		a = (a & 0xffff) + (a >> 16);
	return (uint16_t)a;
}

static void
test_cksum_fold(void)
{
	static const uint64_t edge[] = {
		0, 1, 0xfffe, 0xffff, 0x10000, 0x1fffe, 0x1ffff, 0xffffffffu,
		0x100000000ull, 0xffffffff00000000ull, 0xffff0000ffff0000ull,
		0xfffffffffffeffffull, 0xffffffffffffffffull,
	};
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		ZDP_CHECK_EQ(zdp_cksum_fold(edge[i]), fold_ref(edge[i]));
	for (unsigned i = 0; i < 1000000; i++) {
		uint64_t v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = x >> (x & 63);	/* every magnitude */
		if (zdp_cksum_fold(v) != fold_ref(v)) {
			ZDP_CHECK_EQ(zdp_cksum_fold(v), fold_ref(v));
			break;
		}
	}
}

/* ZDP_PARSE_DEFER_L4_CSUM leaves TCP/UDP to zdp_pkt_l4_csum_check(), which
 * must agree with the parser's own check; ICMP is still checked in parse. */
static void
test_deferred_l4_csum(void)
{
	static const struct {
		const char *name;
		struct tb_spec s;
		int bad, want_parse, want_check;
	} rows[] = {
		{ "tcp4 good", { .family = 4, .proto = 6, .payload = 5 }, 0, 0, 0 },
		{ "tcp4 bad", { .family = 4, .proto = 6, .payload = 5 }, 1, 0, ZDP_DROP_L4_CSUM },
		{ "tcp6 bad", { .family = 6, .proto = 6, .payload = 4 }, 1, 0, ZDP_DROP_L4_CSUM },
		{ "udp4 good odd", { .family = 4, .proto = 17, .payload = 3 }, 0, 0, 0 },
		{ "udp4 bad", { .family = 4, .proto = 17, .payload = 18 }, 1, 0, ZDP_DROP_L4_CSUM },
		{ "udp4 csum 0", { .family = 4, .proto = 17, .payload = 4, .udp_csum_zero = 1 }, 0, 0, 0 },
		{ "udp6 good", { .family = 6, .proto = 17, .payload = 9 }, 0, 0, 0 },
		{ "udp6 bad", { .family = 6, .proto = 17, .payload = 9 }, 1, 0, ZDP_DROP_L4_CSUM },
		{ "udp6 csum 0 still refused", { .family = 6, .proto = 17, .payload = 4, .udp_csum_zero = 1 },
		  0, ZDP_DROP_L4_CSUM, 0 },
		{ "tcp4 vlan padded bad", { .family = 4, .proto = 6, .ntags = 1, .pad = 8, .payload = 2 },
		  1, 0, ZDP_DROP_L4_CSUM },
		{ "icmp4 bad still in parse", { .family = 4, .proto = 1, .icmp_type = 8, .payload = 4 },
		  1, ZDP_DROP_L4_CSUM, 0 },
		{ "icmp6 good", { .family = 6, .proto = 58, .icmp_type = 128, .payload = 4 }, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tb_pkt k;
		struct zdp_pkt_info pi;
		int r;

		ZDP_CASE(rows[i].name);
		ZDP_REQUIRE(tb_build(&rows[i].s, &k) == 0);
		if (rows[i].bad)
			m_l4_csum(&k);
		r = parse_exact(k.b, k.len, ZDP_PARSE_DEFER_L4_CSUM, &pi);
		ZDP_CHECK_EQ(r, rows[i].want_parse);
		if (r != 0)
			continue;
		ZDP_CHECK_EQ(zdp_pkt_l4_csum_check(k.b, &pi), rows[i].want_check);
		/* the same verdict as the parser's own check */
		ZDP_CHECK_EQ(parse_exact(k.b, k.len, 0, &pi), rows[i].want_check);
	}
	ZDP_CASE(NULL);
}

static void
test_drop_names(void)
{
	ZDP_CHECK_STR(zdp_drop_reason_name(ZDP_DROP_NONE), "none");
	ZDP_CHECK_STR(zdp_drop_reason_name(ZDP_DROP_TRUNC_ETH), "truncated_ethernet");
	ZDP_CHECK_STR(zdp_drop_reason_name(ZDP_DROP_FAULT_INJECT), "fault_injected");
	ZDP_CHECK_STR(zdp_drop_reason_name(ZDP_DROP__COUNT), "unknown");
	ZDP_CHECK_EQ(ZDP_DROP_TRUNC_ETH, 1);
	for (int r = 1; r < ZDP_DROP__COUNT; r++) {
		ZDP_CHECK(zdp_drop_reason_name(r)[0] != 0);
		ZDP_CHECK(zdp_drop_reason_help(r)[0] != 0);
	}
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_golden_cases),
	ZDP_TEST_ENTRY(test_fast_parser_coverage),
	ZDP_TEST_ENTRY(test_every_parse_reason_covered),
	ZDP_TEST_ENTRY(test_truncate_every_offset),
	ZDP_TEST_ENTRY(test_ip_length_cut_inside_l4),
	ZDP_TEST_ENTRY(test_padding_trimmed),
	ZDP_TEST_ENTRY(test_cksum_helpers),
	ZDP_TEST_ENTRY(test_cksum_fold),
	ZDP_TEST_ENTRY(test_cksum_bulk),
	ZDP_TEST_ENTRY(test_deferred_l4_csum),
	ZDP_TEST_ENTRY(test_drop_names),
	{ 0 },
};

int
main(void)
{
	return zdp_test_main(tests);
}
