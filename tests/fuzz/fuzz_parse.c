/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_parse.c — libFuzzer target for zdp_pkt_parse() (and, on accepted
 * packets, the NAT rewrite and TTL decrement that run right after it).
 *
 * Input: byte 0 selects ZDP_PARSE_* flags (low 3 bits), the rest is the
 * frame. Properties checked (abort() on violation so the fuzzer reports it):
 *  - the parser never reads outside the frame (ASan: the frame is copied to
 *    an exact-size heap buffer);
 *  - the result is 0 or a reason of the parsing group;
 *  - on success every offset is ordered and inside the frame, and the
 *    decoded fields agree with the kind/family;
 *  - what the inline fast parsers (zdp_pkt_parse_ip{4,6}_fast) accept, the full
 *    parser accepts with the same flags and describes identically;
 *  - an accepted packet (checksums verified in software) that is NAT
 *    rewritten or TTL-decremented still parses with the same verdict, i.e.
 *    the incremental checksum updates are right for any packet the parser
 *    lets through.
 *
 * Build (integrator): clang -fsanitize=fuzzer,address,undefined with
 * dataplane/{parse,nat,drop}.c and zdp_addr.c. Without libFuzzer, define
 * ZDP_FUZZ_STANDALONE to get a main() that runs files given as arguments.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drop.h"
#include "nat.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { \
	fprintf(stderr, "fuzz_parse: property failed: %s (line %d)\n", #c, __LINE__); \
	abort(); } } while (0)

static void
check_info(const struct zdp_pkt_info *pi, uint32_t len)
{
	CHECK(pi->frame_len == len);
	CHECK(zdp_pkt_end(pi) <= len);
	CHECK(pi->l3_off == 14 + (pi->has_vlan ? 4 : 0));
	CHECK(pi->l3_off <= pi->l4_off);
	CHECK(pi->l4_off <= pi->payload_off);
	CHECK(pi->payload_off <= zdp_pkt_end(pi));
	if (pi->kind == ZDP_PKT_ARP) {
		CHECK(pi->family == 0 && pi->l3_len == 28);
		return;
	}
	CHECK(pi->kind == ZDP_PKT_IP);
	CHECK(pi->family == ZDP_AF_INET || pi->family == ZDP_AF_INET6);
	CHECK(pi->src.family == pi->family && pi->dst.family == pi->family);
	CHECK(pi->ttl != 0);
	CHECK(pi->l4_proto == ZDP_IPPROTO_TCP || pi->l4_proto == ZDP_IPPROTO_UDP ||
	      pi->l4_proto == (pi->family == ZDP_AF_INET ? ZDP_IPPROTO_ICMP
							: ZDP_IPPROTO_ICMPV6));
	CHECK(pi->payload_off - pi->l4_off >= (pi->l4_proto == ZDP_IPPROTO_TCP ? 20 : 8));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zdp_pkt_info pi, pi2;
	unsigned flags;
	uint8_t *buf;
	uint32_t len;
	int r;

	if (size < 1 || size > 65536 + 1)
		return 0;
	flags = data[0] & 7u;
	len = (uint32_t)(size - 1);
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);

	r = zdp_pkt_parse(buf, len, flags, &pi);
	CHECK(r >= 0 && r <= ZDP_DROP_TRUNC_ARP);
	if (r == 0)
		check_info(&pi, len);
	/* Same bytes, same flags: same verdict (no hidden state). */
	CHECK(zdp_pkt_parse(buf, len, flags, &pi2) == r);
	/* The inline fast parser accepts a subset, described identically. */
	if (zdp_pkt_parse_ip4_fast(buf, len, flags | ZDP_PARSE_DEFER_L4_CSUM, &pi2) ||
	    zdp_pkt_parse_ip6_fast(buf, len, flags | ZDP_PARSE_DEFER_L4_CSUM, &pi2)) {
		struct zdp_pkt_info full;

		CHECK(zdp_pkt_parse(buf, len, flags | ZDP_PARSE_DEFER_L4_CSUM, &full) == 0);
		CHECK(memcmp(&pi2, &full, sizeof(full)) == 0);
	}

	if (r == 0 && flags == 0 && pi.kind == ZDP_PKT_IP) {
		struct zdp_addr a = pi.dst, b = pi.src;
		uint16_t p1 = (uint16_t)(pi.sport ^ 0x5a5a), p2 = (uint16_t)(pi.dport + 77);

		a.a[0] ^= 0x01;	/* keep it a non-martian source: flip low bit */
		if (pi.family == ZDP_AF_INET6 && a.a[0] == 0xff)
			a.a[0] = 0x20;
		if (pi.family == ZDP_AF_INET && (a.a[0] == 0 || a.a[0] == 127 || a.a[0] >= 224))
			a.a[0] = 198;
		b.a[3] ^= 0x80;
		CHECK(zdp_nat_rewrite(buf, &pi, &a, p1 ? p1 : 1, &b, p2 ? p2 : 1) == 0);
		CHECK(zdp_pkt_parse(buf, len, 0, &pi2) == 0);
		CHECK(zdp_addr_eq(&pi2.src, &a) && zdp_addr_eq(&pi2.dst, &b));
		r = zdp_nat_ttl_dec(buf, &pi2);
		CHECK(r == 0 || (r < 0 && pi2.ttl <= 1));
		if (r == 0)
			CHECK(zdp_pkt_parse(buf, len, 0, &pi2) == 0);
	}
	free(buf);
	return 0;
}

#ifdef ZDP_FUZZ_STANDALONE
int
main(int argc, char **argv)
{
	static uint8_t in[65537 + 1];

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		n = fread(in, 1, sizeof(in), f);
		fclose(f);
		LLVMFuzzerTestOneInput(in, n);
	}
	return 0;
}
#endif
