/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_fp_bench.c — zdp's fast path in process, timed per burst, next to a
 * 5-tuple-swap baseline on the same packets and the same TX device.
 *
 *   zdp_fp_bench [EAL options] -- --config FILE [--flows N] [--bursts B]
 *                [--family 4|6]
 *
 * The end-to-end benchmark (run.py: zdp_gen over memif, testpmd 5tswap as
 * the ceiling) needs two quiet cores; on a shared machine a co-tenant's
 * time slices land inside zdp's busy-cycle counter. This program measures
 * the same code with the noise filtered out: it builds the worker exactly as
 * mgmt/main.c does (config -> port -> snapshot -> worker tables), calls
 * zdp_fastpath_rx() + zdp_worker_tx_flush() on ZDP_BURST-packet bursts of the
 * gen_pkt.h traffic, and reports the MEDIAN cycles per burst (a preempted
 * burst is an outlier, not a shift), divided by ZDP_BURST.
 *
 * The config's first port should be `net_null0,no-rx=1` (TX frees the mbufs;
 * no driver RX cost on either side of the comparison). Backends are resolved
 * by feeding zdp ARP requests from each backend (zdp learns the sender);
 * with --family 6, neighbour solicitations and then advertisements.
 *
 * Printed lines (key=value, for run.py):
 *   setup      first packet of every flow: LB + policy + NAT port + insert
 *   zdp        steady state, every flow known
 *   parse, lookup   the burst's parse and staged flow lookup alone
 *   route, neigh    per-packet next hop: route lookup, neighbour resolution
 *   swap       5tswap of the same burst + tx_burst (testpmd's work)
 *   housekeeping    per packet, amortised at the worker's ZDP_HOUSEKEEPING_HZ
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "drop.h"
#include "icmp.h"
#include "fastpath.h"
#include "flow.h"
#include "neigh.h"
#include "route.h"
#include "gen_pkt.h"
#include "parse.h"
#include "policy_compile.h"
#include "worker.h"
#include "zdp_config.h"
#include "zdp_mgmt.h"
#include "bench_util.h"

#define B		ZDP_BURST
#define POOL_MBUFS	8191

struct bench {
	struct zdp_runtime *rt;
	struct zdp_worker *w;
	struct zdp_snapshot *s;
	struct rte_mempool *pool;
	struct gen_flows f;
	uint32_t next_flow;
	uint64_t *samples;
	uint32_t n_bursts;
	uint64_t hk_cycles, hk_pkts;
	/* neighbours: zdp_gen answers zdp's ARP; here we confirm them often */
	uint32_t be_first, gw;
	uint8_t be_first6[16], gw6[16];	/* --family 6 */
	unsigned backends;
	uint64_t next_refresh;
	uint64_t lookup_misses, neigh_misses;
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *what, uint64_t *v, uint32_t n, uint32_t pkts_per_sample)
{
	double sum = 0;

	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (uint32_t i = 0; i < n; i++)
		sum += (double)v[i];
	printf("%s cyc_per_pkt_median=%.1f p10=%.1f p90=%.1f mean=%.1f samples=%u\n", what,
	       (double)v[n / 2] / pkts_per_sample, (double)v[n / 10] / pkts_per_sample,
	       (double)v[n * 9 / 10] / pkts_per_sample, sum / n / pkts_per_sample, n);
	fflush(stdout);
}

static uint64_t
total_drops(const struct zdp_worker *w)
{
	uint64_t d = 0;

	for (int r = 0; r < ZDP_DROP__COUNT; r++)
		d += w->ctr->drops[r];
	return d;
}

static void
print_drops(const struct zdp_worker *w)
{
	for (int r = 1; r < ZDP_DROP__COUNT; r++)
		if (w->ctr->drops[r])
			printf("drop reason=%s n=%" PRIu64 "\n",
			       zdp_drop_reason_name((enum zdp_drop_reason)r), w->ctr->drops[r]);
}

static void
fill_burst(struct bench *b, struct rte_mbuf **pkts)
{
	while (rte_pktmbuf_alloc_bulk(b->pool, pkts, B) != 0)
		;	/* only TX frees; never empty for long */
	for (unsigned i = 0; i < B; i++) {
		gen_fill(&b->f, pkts[i], gen_order(&b->f, b->next_flow));
		if (++b->next_flow == b->f.flows) {
			b->next_flow = 0;
			b->f.round++;
		}
	}
}

/* IPv6 for resolve_backends(): backend @i sends zdp an NS for zdp's
 * address (request: zdp learns it from the source link-layer option) or a
 * solicited NA (reply: confirms it), built with zdp's own ND code. */
static void
nd_frame(struct bench *b, struct rte_mbuf *m, uint16_t op, unsigned i)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t cap = rte_pktmbuf_tailroom(m);
	struct zdp_addr be, gw;
	uint32_t host;
	int len;

	memset(&be, 0, sizeof(be));
	memset(&gw, 0, sizeof(gw));
	be.family = gw.family = ZDP_AF_INET6;
	memcpy(be.a, b->be_first6, 16);
	memcpy(&host, be.a + 12, 4);
	host = htonl(ntohl(host) + i);
	memcpy(be.a + 12, &host, 4);
	memcpy(gw.a, b->gw6, 16);
	if (op == RTE_ARP_OP_REQUEST) {
		len = zdp_nd_ns_build(p, cap, b->f.src_mac.addr_bytes, &be, &gw,
				      b->rt->ports[0].mac.addr_bytes);
	} else {
		/* zdp's own NS for the backend, answered as the backend would */
		len = zdp_nd_ns_build(p, cap, b->rt->ports[0].mac.addr_bytes, &gw, &be,
				      b->f.src_mac.addr_bytes);
		if (len > 0)
			len = zdp_nd_na_from_ns(p, (uint32_t)len, cap, RTE_ETHER_HDR_LEN,
						RTE_ETHER_HDR_LEN + 40, b->f.src_mac.addr_bytes,
						false);
	}
	if (len <= 0) {
		fprintf(stderr, "zdp_fp_bench: cannot build an ND frame (%d)\n", len);
		exit(1);
	}
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
}

/*
 * Each backend sends zdp @op: a request for zdp's address creates the entry
 * (an unsolicited reply would rightly be ignored), a reply then confirms it
 * (REACHABLE). zdp_gen answers zdp's probes over memif; here nothing
 * answers what zdp sends to net_null, so neigh_refresh() keeps confirming.
 */
static void
resolve_backends(struct bench *b, uint16_t op)
{
	struct rte_mbuf *m;

	for (unsigned i = 0; i < b->backends; i++) {
		m = rte_pktmbuf_alloc(b->pool);
		if (m == NULL)
			return;
		if (b->f.v6)
			nd_frame(b, m, op, i);
		else
			gen_arp(m, op, &b->f.src_mac, b->be_first + i, &b->rt->ports[0].mac, b->gw);
		b->w->now = rte_rdtsc();
		zdp_fastpath_rx(b->w, b->s, 0, &m, 1, 0);
	}
	zdp_worker_tx_flush(b->w, 0);
}

/* Untimed: confirm every backend 4 times a second (reachable time is 30 s,
 * probes give up after 3 s). */
static inline void
neigh_refresh(struct bench *b)
{
	uint64_t now = rte_rdtsc();

	if (now < b->next_refresh)
		return;
	resolve_backends(b, RTE_ARP_OP_REPLY);
	b->next_refresh = now + b->rt->tsc_hz / 4;
}

/* What zdp_worker_main does around the fast path, minus the RX call. */
static inline uint64_t
zdp_burst(struct bench *b, struct rte_mbuf **pkts)
{
	struct zdp_worker *w = b->w;
	uint64_t t0 = rte_rdtsc(), t1;

	w->now = t0;
	zdp_fastpath_rx(w, b->s, 0, pkts, B, 0);
	zdp_worker_tx_flush(w, 0);
	t1 = rte_rdtsc();
	if (w->now >= w->next_housekeeping) {
		zdp_fastpath_housekeeping(w, b->s);
		w->ctr->snapshot_generation = b->s->generation;
		w->next_housekeeping = w->now + b->rt->tsc_hz / ZDP_HOUSEKEEPING_HZ;
		b->hk_cycles += rte_rdtsc() - t1;
	}
	b->hk_pkts += B;
	return t1 - t0;
}

static void
run_pass(struct bench *b, const char *what, uint32_t bursts, bool from_zero)
{
	struct rte_mbuf *pkts[B];
	uint32_t n = 0;

	if (from_zero)
		b->next_flow = 0;
	for (uint32_t i = 0; i < bursts; i++) {
		fill_burst(b, pkts);
		b->samples[n++] = zdp_burst(b, pkts);
		neigh_refresh(b);
	}
	if (what)
		report(what, b->samples, n, B);
}

/*
 * The parts on their own: parse; key build + staged lookup; then, per hit,
 * what fp_forward()/zdp_l3_output() do per packet to find the next hop:
 * route lookup and neighbour resolution of the backend address.
 */
static void
parts_chunk(struct bench *b, uint32_t bursts, uint64_t *parse_s, uint64_t *lookup_s,
	    uint64_t *route_s, uint64_t *neigh_s)
{
	struct zdp_route_nh nh[B];
	struct zdp_neigh_out no;
	struct rte_mbuf *pkts[B];
	struct zdp_pkt_info pi[B];
	struct zdp_flow_key keys[B];
	const struct zdp_flow_key *kp[B];
	struct zdp_flow *hits[B];
	uint8_t dirs[B];

	for (uint32_t i = 0; i < bursts; i++) {
		uint64_t t0, t1, t2, t3, t4;

		fill_burst(b, pkts);
		t0 = rte_rdtsc();
		for (unsigned j = 0; j < B; j++)
			zdp_pkt_parse(rte_pktmbuf_mtod(pkts[j], const uint8_t *),
				      rte_pktmbuf_data_len(pkts[j]), 0, &pi[j]);
		t1 = rte_rdtsc();
		for (unsigned j = 0; j < B; j++) {
			zdp_flow_key_from_pkt(&keys[j], &pi[j]);
			kp[j] = &keys[j];
		}
		b->lookup_misses += B - zdp_flow_lookup_burst(b->w->flows, kp, B, hits, dirs);
		t2 = rte_rdtsc();
		for (unsigned j = 0; j < B; j++)
			if (hits[j] == NULL ||
			    zdp_route_lookup(b->s->routes,
					     &zdp_flow_conn_of(b->w->flows, hits[j])->backend_addr,
					     &nh[j]) < 0)
				nh[j].port = UINT16_MAX;
		t3 = rte_rdtsc();
		for (unsigned j = 0; j < B; j++)
			if (nh[j].port != UINT16_MAX &&
			    zdp_neigh_resolve(b->w->neigh, nh[j].port, &nh[j].addr, NULL,
					      b->w->now, &no) != ZDP_NEIGH_SEND)
				b->neigh_misses++;
		t4 = rte_rdtsc();
		parse_s[i] = t1 - t0;
		lookup_s[i] = t2 - t1;
		route_s[i] = t3 - t2;
		neigh_s[i] = t4 - t3;
		rte_pktmbuf_free_bulk(pkts, B);
	}
}

/* testpmd's 5tswap (app/test-pmd/5tswap.c) on the same burst, same TX. */
static void
swap_chunk(struct bench *b, uint32_t bursts, uint64_t *out)
{
	struct rte_mbuf *pkts[B];
	uint16_t port = b->rt->ports[0].port_id;

	for (uint32_t i = 0; i < bursts; i++) {
		uint64_t t0;
		uint16_t sent;

		fill_burst(b, pkts);
		t0 = rte_rdtsc();
		for (unsigned j = 0; j < B; j++) {
			struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[j],
								     struct rte_ether_hdr *);
			struct rte_ether_addr ea = eth->src_addr;
			struct rte_udp_hdr *udp;
			uint16_t p;

			if (j + 1 < B)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[j + 1], void *));
			eth->src_addr = eth->dst_addr;
			eth->dst_addr = ea;
			if (b->f.v6) {
				struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);
				uint8_t a6[16];

				memcpy(a6, ip6->src_addr, 16);
				memcpy(ip6->src_addr, ip6->dst_addr, 16);
				memcpy(ip6->dst_addr, a6, 16);
				udp = (struct rte_udp_hdr *)(ip6 + 1);
			} else {
				struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
				uint32_t a = ip->src_addr;

				ip->src_addr = ip->dst_addr;
				ip->dst_addr = a;
				udp = (struct rte_udp_hdr *)(ip + 1);
			}
			p = udp->src_port;
			udp->src_port = udp->dst_port;
			udp->dst_port = p;
		}
		sent = rte_eth_tx_burst(port, 0, pkts, B);
		if (sent < B)
			rte_pktmbuf_free_bulk(pkts + sent, B - sent);
		out[i] = rte_rdtsc() - t0;
	}
}

/*
 * Steady state: zdp, the parts and the 5tswap baseline in alternating
 * chunks of CHUNK bursts (a few ms each), so a slow phase of a shared
 * machine hits all of them alike and their ratio stays meaningful.
 */
#define CHUNK 1000u

static void
run_steady(struct bench *b, uint32_t bursts, bool only_zdp)
{
	uint64_t *z = malloc(sizeof(uint64_t) * bursts);
	uint64_t *ps = malloc(sizeof(uint64_t) * bursts);
	uint64_t *lk = malloc(sizeof(uint64_t) * bursts);
	uint64_t *sw = malloc(sizeof(uint64_t) * bursts);
	uint64_t *rt = malloc(sizeof(uint64_t) * bursts);
	uint64_t *ng = malloc(sizeof(uint64_t) * bursts);
	struct rte_mbuf *pkts[B];

	if (z == NULL || ps == NULL || lk == NULL || sw == NULL || rt == NULL || ng == NULL) {
		fprintf(stderr, "zdp_fp_bench: out of memory\n");
		exit(1);
	}
	b->hk_cycles = b->hk_pkts = 0;
	for (uint32_t done = 0; done < bursts;) {
		uint32_t n = RTE_MIN(CHUNK, bursts - done);

		for (uint32_t i = 0; i < n; i++) {
			fill_burst(b, pkts);
			z[done + i] = zdp_burst(b, pkts);
			neigh_refresh(b);
		}
		if (!only_zdp) {
			parts_chunk(b, n, ps + done, lk + done, rt + done, ng + done);
			swap_chunk(b, n, sw + done);
		}
		done += n;
	}
	report("zdp", z, bursts, B);
	printf("housekeeping cyc_per_pkt=%.2f\n",
	       b->hk_pkts ? (double)b->hk_cycles / (double)b->hk_pkts : 0.0);
	if (!only_zdp) {
		report("parse", ps, bursts, B);
		report("lookup", lk, bursts, B);
		report("route", rt, bursts, B);
		report("neigh", ng, bursts, B);
		report("swap", sw, bursts, B);
	}
	if (b->neigh_misses)
		printf("warning neigh_not_sendable=%" PRIu64 "\n", b->neigh_misses);
	if (b->lookup_misses)
		printf("warning lookup_misses=%" PRIu64 "\n", b->lookup_misses);
	free(z);
	free(ps);
	free(lk);
	free(sw);
	free(rt);
	free(ng);
}

static struct zdp_runtime *
setup_runtime(const struct zdp_config *cfg)
{
	const struct zdp_cfg_gateway *g = &cfg->gateway;
	const struct zdp_cfg_port *cp = &g->ports[0];
	struct zdp_port_params pp = {
		.name = cp->name, .device = cp->device, .n_queues = 1, .mtu = cp->mtu,
		.rx_desc = cp->rx_desc, .tx_desc = cp->tx_desc,
		.mbufs = g->mbufs_per_port, .mbuf_cache = g->mbuf_cache,
	};
	struct zdp_runtime *rt = rte_zmalloc("zdp_runtime", sizeof(*rt), RTE_CACHE_LINE_SIZE);

	if (rt == NULL)
		return NULL;
	rt->tsc_hz = rte_get_tsc_hz();
	rt->wp.flows = g->flows_per_core;
	rt->wp.neigh_entries = g->neigh_entries;
	rt->n_workers = 1;
	if (zdp_port_open(&pp, &rt->ports[0]) < 0)
		return NULL;
	rt->n_ports = 1;
	return rt;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "flows", required_argument, NULL, 'f' },
		{ "bursts", required_argument, NULL, 'b' },
		{ "backends", required_argument, NULL, 'n' },
		{ "only-zdp", no_argument, NULL, 'z' },
		{ "random-order", no_argument, NULL, 'r' },
		{ "family", required_argument, NULL, '6' },
		{ NULL, 0, NULL, 0 },
	};
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	struct zdp_mgmt m;
	struct bench b;
	const char *cfgpath = NULL;
	uint32_t bursts = 200000;
	bool only_zdp = false;	/* for profiling the steady state alone */
	int rc, c;

	memset(&b, 0, sizeof(b));
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "zdp_fp_bench: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	b.f.flows = 1000;
	b.f.hosts = 16384;
	b.f.sport_base = 1024;
	b.f.dport = 5353;
	bench_parse_ip4("198.18.0.0", &b.f.src_net);
	bench_parse_ip4("198.18.255.1", &b.f.dst);
	b.backends = 64;
	bench_parse_ip4("198.18.254.10", &b.be_first);
	bench_parse_ip4("198.18.254.1", &b.gw);
	rte_ether_unformat_addr("02:00:00:00:00:02", &b.f.src_mac);
	/* --family 6: the same topology in 2001:2::/48 (run.py's config) */
	inet_pton(AF_INET6, "2001:2::", b.f.src_net6);
	inet_pton(AF_INET6, "2001:2:ff::1", b.f.dst6);
	inet_pton(AF_INET6, "2001:2:fe::10", b.be_first6);
	inet_pton(AF_INET6, "2001:2:fe::1", b.gw6);
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'c': cfgpath = optarg; break;
		case 'f': b.f.flows = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'b': bursts = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'n': b.backends = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'z': only_zdp = true; break;
		case 'r': b.f.random_order = 1; break;
		case '6': b.f.v6 = strcmp(optarg, "6") == 0; break;
		default:
			fprintf(stderr, "usage: zdp_fp_bench [EAL] -- --config FILE "
				"[--flows N] [--bursts B] [--backends K] [--only-zdp] "
				"[--random-order] [--family 4|6]\n");
			return 2;
		}
	}
	if (cfgpath == NULL || b.f.flows == 0 || bursts == 0) {
		fprintf(stderr, "zdp_fp_bench: --config FILE is required\n");
		return 2;
	}
	if (zdp_config_load_file(cfgpath, &cfg, &errs) < 0 || !cfg->has_gateway ||
	    cfg->gateway.n_ports == 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "zdp_fp_bench: %s: unusable config\n", cfgpath);
		return 2;
	}
	b.rt = setup_runtime(cfg);
	if (b.rt == NULL) {
		fprintf(stderr, "zdp_fp_bench: port setup failed\n");
		return 1;
	}
	memset(&m, 0, sizeof(m));
	m.rt = b.rt;
	m.policy_reg = zdp_policy_registry_create(ZDP_POLICY_ID_MAX);
	m.backend_reg = zdp_registry_create(ZDP_BACKEND_STAT_MAX);
	if (m.policy_reg == NULL || m.backend_reg == NULL ||
	    zdp_compile(&m, cfg, &b.s, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "zdp_fp_bench: cannot compile the snapshot\n");
		return 1;
	}
	b.rt->snap = b.s;
	b.w = zdp_worker_create(b.rt, 0, rte_lcore_id(), (int)rte_socket_id());
	if (b.w == NULL || zdp_fastpath_worker_init(b.w) < 0) {
		fprintf(stderr, "zdp_fp_bench: cannot allocate the worker's tables\n");
		return 1;
	}
	b.rt->workers[0] = b.w;
	b.pool = rte_pktmbuf_pool_create("bench_pool", POOL_MBUFS, 256, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	b.f.dst_mac = b.rt->ports[0].mac;
	gen_flows_init(&b.f);
	b.n_bursts = RTE_MAX(bursts, (b.f.flows + B - 1) / B);
	b.samples = malloc(sizeof(uint64_t) * b.n_bursts);
	if (b.pool == NULL || b.samples == NULL) {
		fprintf(stderr, "zdp_fp_bench: out of memory\n");
		return 1;
	}

	/* Neighbours first (zdp learns from requests), then one pass that
	 * creates every flow: the setup cost. */
	/* The worker applies the snapshot's timeouts in housekeeping; run it
	 * once first so no flow is created with the table's zero defaults. */
	b.w->now = rte_rdtsc();
	zdp_fastpath_housekeeping(b.w, b.s);
	b.w->ctr->snapshot_generation = b.s->generation;
	resolve_backends(&b, RTE_ARP_OP_REQUEST);
	neigh_refresh(&b);
	run_pass(&b, "setup", (b.f.flows + B - 1) / B, true);
	zdp_fastpath_housekeeping(b.w, b.s);
	printf("state flows_active=%" PRIu64 " flows_created=%" PRIu64 " tx=%" PRIu64
	       " drops=%" PRIu64 "\n", b.w->ctr->flows_active, b.w->ctr->flows_created,
	       b.w->ctr->q[0].tx_packets, total_drops(b.w));
	/* Settle (caches, branch predictors), then measure. */
	run_pass(&b, NULL, RTE_MIN(bursts, 20000u), false);
	run_steady(&b, bursts, only_zdp);
	printf("end flows_active=%" PRIu64 " tx=%" PRIu64 " drops=%" PRIu64 " tsc_hz=%" PRIu64
	       "\n", b.w->ctr->flows_active, b.w->ctr->q[0].tx_packets, total_drops(b.w),
	       b.rt->tsc_hz);
	print_drops(b.w);
	fflush(stdout);
	/* Process exit releases the rest; tables of this size take a while to
	 * free one by one. */
	rte_eal_cleanup();
	return 0;
}
