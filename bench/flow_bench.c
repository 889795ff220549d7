/* SPDX-License-Identifier: BSD-3-Clause
 * flow_bench.c — micro-benchmark of the per-core flow table and the parser
 * (not wired into meson; build by hand):
 *
 *   gcc -O2 -std=gnu11 $(pkg-config --cflags libdpdk) -Idataplane -Itests/unit \
 *       bench/flow_bench.c dataplane/flow.c dataplane/parse.c dataplane/drop.c \
 *       dataplane/zdp_addr.c dataplane/cksum.c $(pkg-config --libs libdpdk) -o /tmp/flow_bench
 *   /tmp/flow_bench [flows]
 *
 * Keys are prepared up front and looked up in a random order so every
 * lookup misses the CPU caches like a real mix of flows would (the table
 * for 1M flows is ~224 MB). Prints ns per operation; the ratio burst/single
 * shows what the staged prefetching buys on this machine.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "flow.h"
#include "parse.h"
#include "pkt_build.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rs = 88172645463325252ull;

static uint32_t
rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)rs;
}

int
main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)atoi(argv[1]) : 1u << 20;
	struct zdp_flow_params p = { .capacity = n,
		.timeouts = { 10, 1000, 50, 20, 30 } };
	struct zdp_flow_table *t = zdp_flow_table_create(&p);
	struct zdp_flow_key *keys = malloc(sizeof(*keys) * 2 * (size_t)n);
	uint32_t *order = malloc(sizeof(*order) * 2 * (size_t)n);
	double t0, t1;
	uint64_t hits = 0;
	unsigned i;

	if (!t || !keys || !order)
		return 1;
	for (i = 0; i < n; i++) {
		struct zdp_flow_conn f;
		struct zdp_addr c, v;

		memset(&f, 0, sizeof(f));
		zdp_addr_set_v4(&c, htonl(0xc6120000u + (i >> 10)));
		zdp_addr_set_v4(&v, htonl(0xc6130000u + (i & 1023)));
		zdp_flow_key_make(&f.fwd, 6, &c, htons((uint16_t)(i * 7)), &v, htons(443));
		zdp_flow_key_make(&f.rev, 6, &v, htons(8443), &c, htons((uint16_t)i));
		f.rev.a_dst[1] ^= (uint8_t)(i >> 16);	/* unique rev keys */
		keys[2 * i] = f.fwd;
		keys[2 * i + 1] = f.rev;
	}
	t0 = now_s();
	for (i = 0; i < n; i++) {
		struct zdp_flow_conn f = { .fwd = keys[2 * i], .rev = keys[2 * i + 1] };

		if (zdp_flow_insert(t, &f, 0, 0, NULL) != 0) {
			fprintf(stderr, "insert %u failed\n", i);
			return 1;
		}
	}
	t1 = now_s();
	printf("insert:        %6.1f ns/flow (%u flows)\n", (t1 - t0) * 1e9 / n, n);
	for (i = 0; i < 2 * n; i++)
		order[i] = i;
	for (i = 2 * n - 1; i > 0; i--) {
		uint32_t j = rnd() % (i + 1), x = order[i];
		order[i] = order[j];
		order[j] = x;
	}
	t0 = now_s();
	for (i = 0; i < 2 * n; i++)
		hits += zdp_flow_lookup(t, &keys[order[i]], NULL) != NULL;
	t1 = now_s();
	printf("lookup single: %6.1f ns/key\n", (t1 - t0) * 1e9 / (2.0 * n));
	for (unsigned b = 8; b <= 32; b *= 2) {
		t0 = now_s();
		for (i = 0; i + b <= 2 * n; i += b) {
			const struct zdp_flow_key *kp[32];
			struct zdp_flow *out[32];
			uint8_t dir[32];

			for (unsigned j = 0; j < b; j++)
				kp[j] = &keys[order[i + j]];
			hits += zdp_flow_lookup_burst(t, kp, b, out, dir);
		}
		t1 = now_s();
		printf("lookup burst%-2u %6.1f ns/key\n", b, (t1 - t0) * 1e9 / (2.0 * n));
	}
	t0 = now_s();
	unsigned ex = 0;
	while (ex < n)
		ex += zdp_flow_expire(t, 100, 1024, NULL, NULL);
	t1 = now_s();
	printf("expire:        %6.1f ns/flow\n", (t1 - t0) * 1e9 / n);
	zdp_flow_table_destroy(t);

	/* parser, cache-hot */
	static const struct tb_spec specs[] = {
		{ .family = 4, .proto = 6, .payload = 0 },
		{ .family = 4, .proto = 6, .payload = 1400 },
		{ .family = 6, .proto = 17, .payload = 1200 },
	};
	static const char *names[] = { "tcp4 64B", "tcp4 1454B", "udp6 1262B" };
	for (unsigned s = 0; s < 3; s++) {
		struct tb_pkt k;
		struct zdp_pkt_info pi;
		unsigned flags[2] = { ZDP_PARSE_IP_CSUM_GOOD | ZDP_PARSE_L4_CSUM_GOOD, 0 };

		tb_build(&specs[s], &k);
		for (unsigned fl = 0; fl < 2; fl++) {
			unsigned iters = 2000000, bad = 0;

			t0 = now_s();
			for (i = 0; i < iters; i++) {
				bad += zdp_pkt_parse(k.b, k.len, flags[fl], &pi) != 0;
				__asm__ volatile("" ::: "memory");
			}
			t1 = now_s();
			printf("parse %-11s %s: %6.1f ns/pkt%s\n", names[s],
			       fl ? "sw csum " : "nic csum", (t1 - t0) * 1e9 / iters,
			       bad ? " (FAILED)" : "");
		}
	}
	return hits == 0;
}
