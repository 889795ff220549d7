/* SPDX-License-Identifier: BSD-3-Clause
 * pkt_build.h — test-only packet builder shared by test_parse.c, test_nat.c
 * and tests/fuzz/fuzz_parse.c (seed corpus). Checksums are computed here
 * with a deliberately plain, independent implementation (big-endian 16-bit
 * words) so the tests do not trust the code under test.
 */
#ifndef ZDP_TEST_PKT_BUILD_H
#define ZDP_TEST_PKT_BUILD_H

#include <stdint.h>
#include <string.h>

#include "zdp_addr.h"

struct tb_ext {			/* one IPv6 extension header */
	uint8_t type;		/* 0, 43, 44, 51, 60 */
	uint16_t len;		/* bytes (multiple of 8; AH multiple of 4) */
	uint16_t frag;		/* fragment header offset|M word (host order) */
	uint8_t segleft;	/* routing header segments left */
};

struct tb_spec {
	uint8_t ntags;		/* VLAN tags */
	uint16_t tag_tpid[2];	/* 0 = 0x8100 */
	uint16_t vlan_tci;	/* host order */
	uint16_t ethertype;	/* for non-IP frames (family 0) */
	uint8_t family;		/* 4, 6, or 0 (ARP / other ethertype) */
	uint8_t proto;		/* L4 protocol (last next header) */
	uint8_t opts[40], opts_len;	/* IPv4 options (multiple of 4) */
	struct tb_ext ext[12];
	uint8_t n_ext;
	uint8_t tcp_flags;	/* 0 = ACK */
	uint8_t tcp_no_flags;	/* really send no flags */
	uint8_t tcp_opts_len;	/* multiple of 4 */
	uint16_t payload;	/* L4 payload bytes */
	uint16_t pad;		/* Ethernet padding after the IP packet */
	uint8_t ttl;		/* 0 = 64 */
	uint8_t ttl_zero;	/* really put 0 in the TTL */
	uint16_t frag_off;	/* IPv4 flags|offset word (host order) */
	uint8_t icmp_type, icmp_code;
	uint8_t udp_csum_zero;
	const char *src, *dst;	/* NULL: defaults per family */
	uint16_t sport, dport;	/* host order; 0 = 40000 / 80 */
};

struct tb_pkt {
	uint8_t b[4096];
	uint32_t len;
	uint16_t l3, l4, pay, l3_len;
	struct zdp_addr src, dst;
};

/* Independent RFC 1071 sum over big-endian 16-bit words. */
static inline uint32_t
tb_sum(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static inline uint16_t
tb_fin(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline void
tb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t
tb_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Pseudo-header sum (independent of parse.h). */
static inline uint32_t
tb_pseudo(const struct tb_pkt *k, uint8_t proto, uint32_t l4len)
{
	const uint8_t *l3 = k->b + k->l3;
	uint32_t s = 0;

	if ((l3[0] >> 4) == 4) {
		s = tb_sum(l3 + 12, 8, 0);
	} else {
		s = tb_sum(l3 + 8, 32, 0);
	}
	return s + proto + (l4len >> 16) + (l4len & 0xffff);
}

/* Recompute the IPv4 header checksum in place. */
static inline void
tb_fix_ip4(struct tb_pkt *k)
{
	uint8_t *l3 = k->b + k->l3;
	unsigned hl = (l3[0] & 0xf) * 4u;

	tb_put16(l3 + 10, 0);
	tb_put16(l3 + 10, tb_fin(tb_sum(l3, hl, 0)));
}

/* Recompute the L4 checksum in place over [l4, l3 + l3_len) (always: the
 * caller decides about "UDP checksum 0"). */
static inline void
tb_fix_l4(struct tb_pkt *k, uint8_t proto)
{
	uint8_t *l4 = k->b + k->l4;
	uint32_t l4len = (uint32_t)k->l3 + k->l3_len - k->l4;
	unsigned off = proto == 6 ? 16 : proto == 17 ? 6 : 2;
	uint32_t s = 0;
	uint16_t c;

	tb_put16(l4 + off, 0);
	if (proto != 1)
		s = tb_pseudo(k, proto, l4len);
	c = tb_fin(tb_sum(l4, l4len, s));
	if (proto == 17 && c == 0)
		c = 0xffff;
	tb_put16(l4 + off, c);
}

/* Build a frame from @s. Returns 0, -1 if it does not fit. */
static inline int
tb_build(const struct tb_spec *s, struct tb_pkt *k)
{
	uint8_t *b = k->b, *l3, *q;
	uint32_t off = 12, hl, l4hl = 0, i, tot;
	static const uint8_t dmac[6] = { 0x02, 0, 0, 0, 0, 1 };
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 2 };
	uint16_t et;
	uint8_t proto = s->proto;
	uint16_t sport = s->sport ? s->sport : 40000, dport = s->dport ? s->dport : 80;

	memset(k, 0, sizeof(*k));
	memcpy(b, dmac, 6);
	memcpy(b + 6, smac, 6);
	for (i = 0; i < s->ntags; i++) {
		tb_put16(b + off, s->tag_tpid[i] ? s->tag_tpid[i] : 0x8100);
		tb_put16(b + off + 2, (uint16_t)(s->vlan_tci + i));
		off += 4;
	}
	et = s->family == 4 ? 0x0800 : s->family == 6 ? 0x86dd : s->ethertype;
	tb_put16(b + off, et);
	off += 2;
	k->l3 = (uint16_t)off;
	l3 = b + off;

	if (s->family == 0) {
		if (et == 0x0806) {	/* ARP request */
			static const uint8_t arp[28] = {
				0, 1, 8, 0, 6, 4, 0, 1,
				0x02, 0, 0, 0, 0, 2, 198, 18, 0, 1,
				0, 0, 0, 0, 0, 0, 198, 18, 0, 2,
			};
			memcpy(l3, arp, 28);
			k->l3_len = 28;
			k->l4 = k->pay = (uint16_t)(off + 28);
			zdp_addr_parse("198.18.0.1", &k->src);
			zdp_addr_parse("198.18.0.2", &k->dst);
		}
		k->len = off + k->l3_len + s->pad;
		return 0;
	}

	zdp_addr_parse(s->src ? s->src : s->family == 4 ? "198.18.0.1" : "2001:2::1", &k->src);
	zdp_addr_parse(s->dst ? s->dst : s->family == 4 ? "198.18.1.1" : "2001:2:0:1::1", &k->dst);
	if (s->family == 4) {
		hl = 20u + s->opts_len;
		l3[0] = (uint8_t)(0x40 | hl / 4);
		tb_put16(l3 + 6, s->frag_off);
		l3[8] = s->ttl_zero ? 0 : s->ttl ? s->ttl : 64;
		l3[9] = proto;
		memcpy(l3 + 12, k->src.a, 4);
		memcpy(l3 + 16, k->dst.a, 4);
		memcpy(l3 + 20, s->opts, s->opts_len);
		q = l3 + hl;
	} else {
		uint8_t *nhp = l3 + 6;

		l3[0] = 0x60;
		l3[7] = s->ttl_zero ? 0 : s->ttl ? s->ttl : 64;
		memcpy(l3 + 8, k->src.a, 16);
		memcpy(l3 + 24, k->dst.a, 16);
		q = l3 + 40;
		for (i = 0; i < s->n_ext; i++) {
			const struct tb_ext *e = &s->ext[i];

			*nhp = e->type;
			nhp = q;
			memset(q, 0, e->len);
			if (e->type == 51)
				q[1] = (uint8_t)(e->len / 4 - 2);
			else if (e->type != 44)
				q[1] = (uint8_t)(e->len / 8 - 1);
			if (e->type == 44)
				tb_put16(q + 2, e->frag);
			if (e->type == 43)
				q[3] = e->segleft;
			if (e->type == 0 || e->type == 60)	/* PadN filling */
				if (e->len > 2) {
					q[2] = 1;
					q[3] = (uint8_t)(e->len - 4);
				}
			q += e->len;
		}
		*nhp = proto;
	}
	k->l4 = (uint16_t)(q - b);
	switch (proto) {
	case 6:
		l4hl = 20u + s->tcp_opts_len;
		tb_put16(q, sport);
		tb_put16(q + 2, dport);
		q[12] = (uint8_t)(l4hl / 4 << 4);
		q[13] = s->tcp_no_flags ? 0 : s->tcp_flags ? s->tcp_flags : 0x10;
		tb_put16(q + 14, 65535);
		for (i = 20; i < l4hl; i++)
			q[i] = 1;	/* NOP options */
		break;
	case 17:
		l4hl = 8;
		tb_put16(q, sport);
		tb_put16(q + 2, dport);
		tb_put16(q + 4, (uint16_t)(8 + s->payload));
		break;
	case 1:
	case 58:
		l4hl = 8;
		q[0] = s->icmp_type;
		q[1] = s->icmp_code;
		tb_put16(q + 4, 0x4242);	/* id */
		tb_put16(q + 6, 1);		/* seq */
		break;
	default:
		l4hl = 0;
		break;
	}
	k->pay = (uint16_t)(k->l4 + l4hl);
	for (i = 0; i < s->payload; i++)
		b[k->pay + i] = (uint8_t)(i * 7 + 1);
	tot = (uint32_t)(k->pay + s->payload - k->l3);
	if (k->l3 + tot + s->pad > sizeof(k->b))
		return -1;
	k->l3_len = (uint16_t)tot;
	if (s->family == 4) {
		tb_put16(l3 + 2, (uint16_t)tot);
		tb_fix_ip4(k);
	} else {
		tb_put16(l3 + 4, (uint16_t)(tot - 40));
	}
	if (proto == 17 && s->udp_csum_zero)
		tb_put16(b + k->l4 + 6, 0);
	else if (proto == 6 || proto == 17 || proto == 1 || proto == 58)
		tb_fix_l4(k, proto);
	k->len = k->l3 + tot + s->pad;
	for (i = 0; i < s->pad; i++)
		b[k->l3 + tot + i] = 0xee;	/* padding garbage must be ignored */
	return 0;
}

#endif /* ZDP_TEST_PKT_BUILD_H */
