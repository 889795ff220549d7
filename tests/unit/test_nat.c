/* SPDX-License-Identifier: BSD-3-Clause
 * test_nat.c — incremental checksum rewrite vs. from-scratch recomputation
 * (tests/unit/pkt_build.h, written independently of nat.c/parse.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "flow.h"
#include "nat.h"
#include "parse.h"
#include "pkt_build.h"
#include "zdp_test.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	/* xorshift64*: fixed seed, reproducible */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void
rnd_addr(struct zdp_addr *a, uint8_t family)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	for (int i = 0; i < (family == ZDP_AF_INET ? 4 : 16); i++)
		a->a[i] = (uint8_t)rnd();
	/* keep the parser happy: no martian sources */
	a->a[0] = family == ZDP_AF_INET ? (uint8_t)(1 + rnd() % 120) : 0x20;
}

/* Write addresses into a built packet and refresh every checksum. */
static void
set_addrs(struct tb_pkt *k, const struct zdp_addr *s, const struct zdp_addr *d)
{
	uint8_t *l3 = k->b + k->l3;

	if (s->family == ZDP_AF_INET) {
		memcpy(l3 + 12, s->a, 4);
		memcpy(l3 + 16, d->a, 4);
	} else {
		memcpy(l3 + 8, s->a, 16);
		memcpy(l3 + 24, d->a, 16);
	}
	k->src = *s;
	k->dst = *d;
}

static void
fix_all(struct tb_pkt *k, uint8_t proto)
{
	if ((k->b[k->l3] >> 4) == 4)
		tb_fix_ip4(k);
	tb_fix_l4(k, proto);
}

static void
test_rfc1624_example(void)
{
	/* RFC 1624 §4: HC 0xdd2f, m 0x5555 -> m' 0x3285 gives HC' 0x0000. */
	const uint8_t hc[2] = { 0xdd, 0x2f }, m[2] = { 0x55, 0x55 }, m2[2] = { 0x32, 0x85 };
	uint16_t c, r;

	memcpy(&c, hc, 2);
	r = zdp_cksum_adjust(c, m, m2, 2);
	ZDP_CHECK_EQ(ntohs(r), 0x0000);
}

static void
test_random_rewrites(void)
{
	static const uint8_t protos[] = { 6, 17, 1 };
	unsigned fails = 0;

	for (int it = 0; it < 20000 && fails < 5; it++) {
		uint8_t family = (rnd() & 1) ? ZDP_AF_INET : ZDP_AF_INET6;
		uint8_t proto = protos[rnd() % 3];
		struct tb_spec s = { 0 };
		struct tb_pkt k, want;
		struct zdp_pkt_info pi;
		struct zdp_addr osrc, odst, nsrc, ndst;
		uint16_t nsport = 0, ndport = 0;
		int use_src = rnd() & 1, use_dst = rnd() & 1;
		int r;

		if (proto == 1 && family == ZDP_AF_INET6)
			proto = 58;
		s.family = family == ZDP_AF_INET ? 4 : 6;
		s.proto = proto;
		s.payload = (uint16_t)(rnd() % 300);	/* odd and even */
		s.ntags = (uint8_t)(rnd() % 4 == 0);
		s.udp_csum_zero = proto == 17 && family == ZDP_AF_INET && rnd() % 4 == 0;
		s.icmp_type = proto == 1 ? ((rnd() & 1) ? 8 : 0)
			    : proto == 58 ? ((rnd() & 1) ? 128 : 129) : 0;
		if (proto == 6)
			s.tcp_opts_len = (uint8_t)(4 * (rnd() % 4));
		s.sport = (uint16_t)(1 + rnd() % 65535);
		s.dport = (uint16_t)(1 + rnd() % 65535);
		ZDP_REQUIRE(tb_build(&s, &k) == 0);
		for (uint32_t i = k.pay; i < k.l3 + (uint32_t)k.l3_len; i++)
			k.b[i] = (uint8_t)rnd();
		rnd_addr(&osrc, family);
		rnd_addr(&odst, family);
		set_addrs(&k, &osrc, &odst);
		if (proto == 1 || proto == 58)
			tb_put16(k.b + k.l4 + 4, (uint16_t)rnd());
		if (!s.udp_csum_zero)
			fix_all(&k, proto);
		else
			tb_fix_ip4(&k);
		ZDP_CASE("random packet parses");
		r = zdp_pkt_parse(k.b, k.len, 0, &pi);
		if (r) {
			ZDP_FAIL_("it %d: parse %d", it, r);
			fails++;
			continue;
		}

		rnd_addr(&nsrc, family);
		rnd_addr(&ndst, family);
		if (rnd() & 1)
			nsport = (uint16_t)(1 + rnd() % 65535);
		if (rnd() & 1)
			ndport = (uint16_t)(1 + rnd() % 65535);

		/* expected: set fields, recompute from scratch */
		want = k;
		set_addrs(&want, use_src ? &nsrc : &osrc, use_dst ? &ndst : &odst);
		if (proto == 6 || proto == 17) {
			if (nsport)
				memcpy(want.b + want.l4, &nsport, 2);
			if (ndport)
				memcpy(want.b + want.l4 + 2, &ndport, 2);
		} else if (nsport) {
			memcpy(want.b + want.l4 + 4, &nsport, 2);
		}
		if (s.udp_csum_zero)
			tb_fix_ip4(&want);
		else
			fix_all(&want, proto);

		ZDP_CHECK_EQ(zdp_nat_rewrite(k.b, &pi, use_src ? &nsrc : NULL, nsport,
					     use_dst ? &ndst : NULL, ndport), 0);
		ZDP_CASE("incremental == from scratch");
		if (memcmp(k.b, want.b, k.len) != 0) {
			ZDP_FAIL_("it %d fam %u proto %u pay %u csum0 %u: frames differ",
				  it, family, proto, s.payload, s.udp_csum_zero);
			fails++;
			continue;
		}
		ZDP_CASE("rewritten packet still parses");
		ZDP_CHECK_EQ(zdp_pkt_parse(k.b, k.len, 0, &pi), 0);
		if (s.udp_csum_zero)
			ZDP_CHECK_EQ(tb_get16(k.b + k.l4 + 6), 0);
	}
	ZDP_CASE(NULL);
}

/* zdp_flow_key_from_pkt() (whole-word builders for both families) ==
 * zdp_flow_key_make() with the ICMP echo rule (dport 0), on random IPv4
 * and IPv6 TCP, UDP and ICMP echo packets. */
static void
test_key_from_pkt_same_as_make(void)
{
	static const uint8_t protos[][2] = { { 4, 6 }, { 4, 17 }, { 4, 1 },
					     { 6, 6 }, { 6, 17 }, { 6, 58 } };
	unsigned fails = 0;

	for (int it = 0; it < 6000 && fails < 5; it++) {
		const uint8_t *fp = protos[it % 6];
		struct tb_spec s = { 0 };
		struct tb_pkt a;
		struct zdp_pkt_info pi;
		struct zdp_addr src, dst;
		struct zdp_flow_key k1, k2;

		s.family = fp[0];
		s.proto = fp[1];
		s.icmp_type = fp[1] == 1 ? 8 : fp[1] == 58 ? 128 : 0;
		s.payload = (uint16_t)(rnd() % 64);
		s.sport = (uint16_t)(1 + rnd() % 65535);
		s.dport = (uint16_t)(1 + rnd() % 65535);
		ZDP_REQUIRE(tb_build(&s, &a) == 0);
		rnd_addr(&src, s.family == 4 ? ZDP_AF_INET : ZDP_AF_INET6);
		rnd_addr(&dst, s.family == 4 ? ZDP_AF_INET : ZDP_AF_INET6);
		set_addrs(&a, &src, &dst);
		fix_all(&a, fp[1]);
		ZDP_CASE("random packet parses");
		if (zdp_pkt_parse(a.b, a.len, ZDP_PARSE_NO_L4_CSUM, &pi) != 0) {
			ZDP_FAIL_("it %d: parse", it);
			fails++;
			continue;
		}
		ZDP_CASE("key from packet == zdp_flow_key_make");
		memset(&k1, 0xa5, sizeof(k1));	/* every byte must be written */
		zdp_flow_key_from_pkt(&k1, &pi);
		zdp_flow_key_make(&k2, pi.l4_proto, &pi.src, pi.sport, &pi.dst,
				  fp[1] == 1 || fp[1] == 58 ? 0 : pi.dport);
		if (memcmp(&k1, &k2, sizeof(k1)) != 0) {
			ZDP_FAIL_("it %d (IPv%u proto %u): keys differ", it, fp[0], fp[1]);
			fails++;
		}
	}
	ZDP_CASE(NULL);
}

/* zdp_nat_rewrite{4,6}_ttl() == zdp_nat_ttl_dec() + zdp_nat_rewrite(), byte
 * for byte, on random TCP/UDP packets: IPv4 with and without a UDP
 * checksum, IPv6 with and without an extension header, VLAN tags, TCP
 * options, random payloads, a wrong L4 checksum now and then (it must
 * stay wrong). */
static void
rewrite_ttl_same_as_generic(int v6)
{
	unsigned fails = 0;
	uint8_t fam = v6 ? ZDP_AF_INET6 : ZDP_AF_INET;

	for (int it = 0; it < 20000 && fails < 5; it++) {
		uint8_t proto = (rnd() & 1) ? 6 : 17;
		struct tb_spec s = { 0 };
		struct tb_pkt a, b;
		struct zdp_pkt_info pi;
		struct zdp_addr osrc, odst, nsrc, ndst;
		uint16_t nsport = (uint16_t)(1 + rnd() % 65535);
		uint16_t ndport = (uint16_t)(1 + rnd() % 65535);

		s.family = v6 ? 6 : 4;
		s.proto = proto;
		s.payload = (uint16_t)(rnd() % 300);
		s.ntags = (uint8_t)(rnd() % 4 == 0);
		s.ttl = (uint8_t)(2 + rnd() % 254);
		s.udp_csum_zero = !v6 && proto == 17 && rnd() % 4 == 0;
		if (v6 && rnd() % 4 == 0) {
			s.n_ext = 1;
			s.ext[0].type = 60;	/* destination options */
			s.ext[0].len = 8;
		}
		if (proto == 6)
			s.tcp_opts_len = (uint8_t)(4 * (rnd() % 4));
		s.sport = (uint16_t)(1 + rnd() % 65535);
		s.dport = (uint16_t)(1 + rnd() % 65535);
		ZDP_REQUIRE(tb_build(&s, &a) == 0);
		for (uint32_t i = a.pay; i < a.l3 + (uint32_t)a.l3_len; i++)
			a.b[i] = (uint8_t)rnd();
		rnd_addr(&osrc, fam);
		rnd_addr(&odst, fam);
		set_addrs(&a, &osrc, &odst);
		if (!s.udp_csum_zero)
			fix_all(&a, proto);
		else
			tb_fix_ip4(&a);
		if (rnd() % 8 == 0)	/* a wrong L4 checksum must stay wrong */
			a.b[a.l3 + a.l3_len - 1] ^= 0x10;
		ZDP_CASE("random packet parses");
		if (zdp_pkt_parse(a.b, a.len, ZDP_PARSE_NO_L4_CSUM, &pi) != 0) {
			ZDP_FAIL_("it %d: parse", it);
			fails++;
			continue;
		}
		rnd_addr(&nsrc, fam);
		rnd_addr(&ndst, fam);
		b = a;
		ZDP_CHECK_EQ(zdp_nat_ttl_dec(a.b, &pi), 0);
		ZDP_CHECK_EQ(zdp_nat_rewrite(a.b, &pi, &nsrc, nsport, &ndst, ndport), 0);
		if (v6)
			zdp_nat_rewrite6_ttl(b.b, &pi, nsrc.a, nsport, ndst.a, ndport);
		else
			zdp_nat_rewrite4_ttl(b.b, &pi, nsrc.a, nsport, ndst.a, ndport);
		ZDP_CASE("one pass == ttl_dec + rewrite");
		if (memcmp(a.b, b.b, a.len) != 0) {
			ZDP_FAIL_("it %d IPv%d proto %u pay %u csum0 %u: frames differ",
				  it, v6 ? 6 : 4, proto, s.payload, s.udp_csum_zero);
			fails++;
		}
	}
	ZDP_CASE(NULL);
}

static void
test_rewrite_ttl_same_as_generic(void)
{
	rewrite_ttl_same_as_generic(0);
	rewrite_ttl_same_as_generic(1);
}

/* A UDP checksum that comes out as 0 must be sent as 0xffff (RFC 768;
 * over IPv6 a zero is invalid, RFC 8200 §8.1): generic and IPv6 one-pass. */
static void
test_udp_zero_becomes_ffff(void)
{
	int found = 0;

	for (uint32_t p = 1; p < 2 * 65536 && found < 2; p++) {
		int v6 = p >= 65536;	/* then zdp_nat_rewrite6_ttl() */
		struct tb_spec s = { .family = v6 ? 6 : 4, .proto = 17, .payload = 2 };
		struct tb_pkt k;
		struct zdp_pkt_info pi;
		uint16_t np = htons((uint16_t)(p & 0xffff)), odp;

		if (v6 && (p & 0xffff) == 0)
			continue;
		if ((unsigned)found != (unsigned)v6)
			continue;	/* one of each */
		ZDP_REQUIRE(tb_build(&s, &k) == 0);
		ZDP_REQUIRE(zdp_pkt_parse(k.b, k.len, 0, &pi) == 0);
		memcpy(&odp, k.b + k.l4 + 2, 2);
		if (v6)
			zdp_nat_rewrite6_ttl(k.b, &pi, k.b + k.l3 + 8, np, k.b + k.l3 + 24, odp);
		else
			zdp_nat_rewrite(k.b, &pi, NULL, np, NULL, 0);
		/* Recompute the raw value to see whether this port hits 0. */
		struct tb_pkt t = k;
		uint32_t l4len = 8 + 2;

		tb_put16(t.b + t.l4 + 6, 0);
		if (tb_fin(tb_sum(t.b + t.l4, l4len, tb_pseudo(&t, 17, l4len))) == 0) {
			found++;
			ZDP_CHECK_EQ(tb_get16(k.b + k.l4 + 6), 0xffff);
			ZDP_CHECK_EQ(zdp_pkt_parse(k.b, k.len, 0, &pi), 0);
		}
	}
	ZDP_CHECK_EQ(found, 2);
}

static void
test_ttl_dec(void)
{
	for (int it = 0; it < 2000; it++) {
		uint8_t ttl = (uint8_t)(1 + rnd() % 255);
		struct tb_spec s = { .family = (rnd() & 1) ? 4 : 6, .proto = 17,
				     .payload = (uint16_t)(rnd() % 50), .ttl = ttl };
		struct tb_pkt k, want;
		struct zdp_pkt_info pi;

		if (s.family == 4 && (rnd() & 1)) {
			static const uint8_t ts[8] = { 68, 8, 5, 0 };
			memcpy(s.opts, ts, 8);
			s.opts_len = 8;
		}
		ZDP_REQUIRE(tb_build(&s, &k) == 0);
		ZDP_REQUIRE(zdp_pkt_parse(k.b, k.len, 0, &pi) == 0);
		want = k;
		if (ttl <= 1) {
			ZDP_CASE("ttl 1");
			ZDP_CHECK_EQ(zdp_nat_ttl_dec(k.b, &pi), -ETIMEDOUT);
		} else {
			ZDP_CASE("ttl dec");
			want.b[want.l3 + (s.family == 4 ? 8 : 7)] = (uint8_t)(ttl - 1);
			if (s.family == 4)
				tb_fix_ip4(&want);
			ZDP_CHECK_EQ(zdp_nat_ttl_dec(k.b, &pi), 0);
		}
		ZDP_CHECK(memcmp(k.b, want.b, k.len) == 0);
	}
	ZDP_CASE(NULL);
}

static void
test_rewrite_errors(void)
{
	struct tb_spec s4 = { .family = 4, .proto = 6 };
	struct tb_spec arp = { .family = 0, .ethertype = 0x0806 };
	struct tb_pkt k, orig;
	struct zdp_pkt_info pi;
	struct zdp_addr v6;

	zdp_addr_parse("2001:2::5", &v6);
	ZDP_REQUIRE(tb_build(&s4, &k) == 0);
	ZDP_REQUIRE(zdp_pkt_parse(k.b, k.len, 0, &pi) == 0);
	orig = k;
	ZDP_CASE("family mismatch");
	ZDP_CHECK_EQ(zdp_nat_rewrite(k.b, &pi, &v6, 0, NULL, 0), -EINVAL);
	ZDP_CHECK_EQ(zdp_nat_rewrite(k.b, &pi, NULL, htons(5), &v6, 0), -EINVAL);
	ZDP_CHECK(memcmp(k.b, orig.b, k.len) == 0);
	ZDP_CASE("arp");
	ZDP_REQUIRE(tb_build(&arp, &k) == 0);
	ZDP_REQUIRE(zdp_pkt_parse(k.b, k.len, 0, &pi) == 0);
	ZDP_CHECK_EQ(zdp_nat_rewrite(k.b, &pi, NULL, htons(5), NULL, 0), -EINVAL);
	ZDP_CHECK_EQ(zdp_nat_ttl_dec(k.b, &pi), -EINVAL);
	ZDP_CASE(NULL);
}

/* Full NAT round trip through a flow record: client -> VIP is rewritten
 * to SNAT -> backend, the backend's reply to VIP -> client; every packet
 * still verifies and the reply's key matches the record's rev key. */
static void
test_flow_rewrite_round_trip(void)
{
	static const struct {
		const char *name;
		uint8_t family, proto, type;
	} rows[] = {
		{ "tcp4", 4, 6, 0 }, { "udp4", 4, 17, 0 }, { "tcp6", 6, 6, 0 },
		{ "udp6", 6, 17, 0 }, { "icmp4 echo", 4, 1, 8 }, { "icmp6 echo", 6, 58, 128 },
	};
	struct zdp_flow_params fp = { .capacity = 16, .timeouts = { 10, 10, 10, 10, 10 } };
	struct zdp_flow_table *t = zdp_flow_table_create(&fp);

	ZDP_REQUIRE(t);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int v4 = rows[i].family == 4;
		struct tb_spec s = { .family = rows[i].family, .proto = rows[i].proto,
				     .icmp_type = rows[i].type, .payload = 11,
				     .tcp_flags = ZDP_TCP_SYN, .sport = 40001, .dport = 443,
				     .src = v4 ? "198.18.0.7" : "2001:2::7",
				     .dst = v4 ? "198.18.100.1" : "2001:2:100::1" };
		struct tb_spec rs = s;
		struct tb_pkt k, r;
		struct zdp_pkt_info pi, rpi;
		struct zdp_flow_conn tmpl;
		const struct zdp_flow_conn *conn;
		struct zdp_flow *f;
		struct zdp_flow_key key;
		uint8_t dir;
		int icmp = rows[i].type != 0;

		ZDP_CASE(rows[i].name);
		ZDP_REQUIRE(tb_build(&s, &k) == 0);
		ZDP_REQUIRE(zdp_pkt_parse(k.b, k.len, 0, &pi) == 0);
		memset(&tmpl, 0, sizeof(tmpl));
		zdp_flow_key_from_pkt(&tmpl.fwd, &pi);
		zdp_addr_parse(v4 ? "198.18.200.1" : "2001:2:200::1", &tmpl.snat_addr);
		zdp_addr_parse(v4 ? "198.18.50.5" : "2001:2:50::5", &tmpl.backend_addr);
		tmpl.snat_port = htons(61000);
		tmpl.backend_port = icmp ? 0 : htons(8443);
		zdp_flow_key_make(&tmpl.rev, pi.l4_proto, &tmpl.backend_addr,
				  icmp ? tmpl.snat_port : tmpl.backend_port,
				  &tmpl.snat_addr, icmp ? 0 : tmpl.snat_port);
		ZDP_REQUIRE(zdp_flow_insert(t, &tmpl, 0, 0, &f) == 0);
		conn = zdp_flow_conn_of(t, f);

		/* forward (IPv4 TCP/UDP: the fast path's one-pass variant
		 * must produce the same frame) */
		if (v4 && !icmp) {
			struct tb_pkt k2 = k;

			zdp_flow_nat4_ttl(k2.b, &pi, f, ZDP_FLOW_DIR_FWD);
			ZDP_CHECK_EQ(zdp_nat_ttl_dec(k.b, &pi), 0);
			ZDP_CHECK_EQ(zdp_flow_rewrite(k.b, &pi, conn, ZDP_FLOW_DIR_FWD), 0);
			ZDP_CHECK(memcmp(k.b, k2.b, k.len) == 0);
		} else {
			ZDP_CHECK_EQ(zdp_flow_rewrite(k.b, &pi, conn, ZDP_FLOW_DIR_FWD), 0);
		}
		ZDP_CHECK_EQ(zdp_pkt_parse(k.b, k.len, 0, &pi), 0);
		ZDP_CHECK(zdp_addr_eq(&pi.src, &conn->snat_addr));
		ZDP_CHECK(zdp_addr_eq(&pi.dst, &conn->backend_addr));
		ZDP_CHECK_EQ(pi.sport, conn->snat_port);
		if (!icmp)
			ZDP_CHECK_EQ(pi.dport, conn->backend_port);

		/* the backend answers: swap addresses/ports of what it got */
		rs.src = v4 ? "198.18.50.5" : "2001:2:50::5";
		rs.dst = v4 ? "198.18.200.1" : "2001:2:200::1";
		rs.sport = 8443;
		rs.dport = 61000;
		rs.tcp_flags = ZDP_TCP_SYN | ZDP_TCP_ACK;
		rs.icmp_type = rows[i].proto == 1 ? 0 : 129;
		ZDP_REQUIRE(tb_build(&rs, &r) == 0);
		if (icmp) {	/* echo reply carries the (translated) id */
			tb_put16(r.b + r.l4 + 4, 61000);
			tb_fix_l4(&r, rows[i].proto);
		}
		ZDP_REQUIRE(zdp_pkt_parse(r.b, r.len, 0, &rpi) == 0);
		zdp_flow_key_from_pkt(&key, &rpi);
		ZDP_CHECK(zdp_flow_lookup(t, &key, &dir) == f);
		ZDP_CHECK_EQ(dir, ZDP_FLOW_DIR_REV);
		if (v4 && !icmp) {
			struct tb_pkt r2 = r;

			zdp_flow_nat4_ttl(r2.b, &rpi, f, ZDP_FLOW_DIR_REV);
			ZDP_CHECK_EQ(zdp_nat_ttl_dec(r.b, &rpi), 0);
			ZDP_CHECK_EQ(zdp_flow_rewrite(r.b, &rpi, conn, ZDP_FLOW_DIR_REV), 0);
			ZDP_CHECK(memcmp(r.b, r2.b, r.len) == 0);
		} else {
			ZDP_CHECK_EQ(zdp_flow_rewrite(r.b, &rpi, conn, ZDP_FLOW_DIR_REV), 0);
		}
		ZDP_CHECK_EQ(zdp_pkt_parse(r.b, r.len, 0, &rpi), 0);
		ZDP_CHECK(zdp_addr_eq(&rpi.src, &k.dst));	/* VIP */
		ZDP_CHECK(zdp_addr_eq(&rpi.dst, &k.src));	/* client */
		if (icmp) {
			ZDP_CHECK_EQ(rpi.sport, htons(0x4242));	/* client's id back */
		} else {
			ZDP_CHECK_EQ(rpi.sport, htons(443));
			ZDP_CHECK_EQ(rpi.dport, htons(40001));
		}
		zdp_flow_remove(t, f);
	}
	ZDP_CASE(NULL);
	zdp_flow_table_destroy(t);
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_rfc1624_example),
	ZDP_TEST_ENTRY(test_random_rewrites),
	ZDP_TEST_ENTRY(test_rewrite_ttl_same_as_generic),
	ZDP_TEST_ENTRY(test_key_from_pkt_same_as_make),
	ZDP_TEST_ENTRY(test_udp_zero_becomes_ffff),
	ZDP_TEST_ENTRY(test_ttl_dec),
	ZDP_TEST_ENTRY(test_rewrite_errors),
	ZDP_TEST_ENTRY(test_flow_rewrite_round_trip),
	{ 0 },
};

int
main(void)
{
	return zdp_test_main(tests);
}
