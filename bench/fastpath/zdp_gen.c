/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_gen.c — a small many-flow UDP traffic generator for the fast-path
 * benchmark (bench/fastpath/run.py drives it; see bench/README.md).
 *
 * One DPDK port (usually net_memif, role=server), one queue, one lcore. It
 * sends the 64-byte UDP frames of gen_pkt.h, cycling over N flows, each
 * built in a freshly allocated mbuf (one cache line copy and a few adds).
 * Whatever comes back is counted and freed, except
 * ARP requests and IPv6 neighbour solicitations, which are answered with
 * the generator's own MAC for any target address (so zdp resolves its
 * clients and backends to us); a reply the full TX ring refuses waits and
 * goes out before any new data. IPv6 frames: --src-net and --dst given as
 * IPv6 addresses (both).
 *
 * Control is line-based on stdin so one process serves a whole case:
 *   pass           send flows 0..N-1 once, then stop; prints "pass ..."
 *   run SECONDS [MPPS [drop]]
 *                  send for SECONDS, at full rate or paced to MPPS million
 *                  packets per second (a TSC token bucket); with "drop",
 *                  what the device refuses is dropped and counted
 *                  (tx_dropped) instead of retried, as a NIC drops on a
 *                  full ring; prints "run ..."
 *   stats          prints the cumulative counters
 *   quit
 * Between commands it only polls RX (ARP) and sleeps 1 ms per loop.
 * TX never drops unless told to: what the device refuses is retried, so
 * when the receiver is the bottleneck the generator waits for ring space
 * (and its retries contend for the ring's cache lines with the receiver).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "gen_pkt.h"
#include "icmp.h"
#include "bench_util.h"

#define GEN_BURST	32
#define GEN_MBUFS	8191
#define GEN_MBUF_CACHE	256

struct gen_counters {
	uint64_t tx, rx, rx_arp, arp_replies, tx_retry_polls, tx_dropped;
};

struct gen {
	struct gen_flows f;
	uint16_t port;
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
	uint32_t next_flow;
	struct gen_counters c;
	struct rte_mbuf *pending[GEN_BURST];
	uint16_t n_pending, pending_off;
	bool drop;	/* drop what the device refuses (like a NIC on a full ring) */
	/* ARP replies the full TX ring refused: sent before any new data. A
	 * forwarder that runs behind keeps this ring full, and dropping its
	 * probes' answers made it declare healthy next hops unreachable. */
	struct rte_mbuf *arp_q[GEN_BURST];
	uint16_t n_arp_q;
};

/* Send queued ARP replies first; false while some are still waiting. */
static bool
gen_arp_flush(struct gen *g)
{
	uint16_t sent;

	if (g->n_arp_q == 0)
		return true;
	sent = rte_eth_tx_burst(g->port, 0, g->arp_q, g->n_arp_q);
	g->c.arp_replies += sent;
	memmove(g->arp_q, g->arp_q + sent, (size_t)(g->n_arp_q - sent) * sizeof(g->arp_q[0]));
	g->n_arp_q = (uint16_t)(g->n_arp_q - sent);
	return g->n_arp_q == 0;
}

/* Turn an ARP request into our reply in place (RFC 826): we own every address. */
static bool
gen_arp_reply(struct gen *g, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	uint32_t tip;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*a) ||
	    a->arp_opcode != htons(RTE_ARP_OP_REQUEST) ||
	    a->arp_hardware != htons(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != htons(RTE_ETHER_TYPE_IPV4))
		return false;
	eth->dst_addr = a->arp_data.arp_sha;
	eth->src_addr = g->mac;
	a->arp_opcode = htons(RTE_ARP_OP_REPLY);
	tip = a->arp_data.arp_tip;
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = g->mac;
	a->arp_data.arp_sip = tip;
	return true;
}

/* Turn a neighbour solicitation into our advertisement in place (zdp's own
 * ND code, RFC 4861 §7.2.4): we own every address. */
static bool
gen_nd_reply(struct gen *g, struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	int len;

	if (eth->ether_type != htons(RTE_ETHER_TYPE_IPV6) ||
	    rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + 40 + 8 ||
	    p[RTE_ETHER_HDR_LEN + 6] != IPPROTO_ICMPV6 || p[RTE_ETHER_HDR_LEN + 40] != 135)
		return false;
	len = zdp_nd_na_from_ns(p, rte_pktmbuf_data_len(m),
				rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m),
				RTE_ETHER_HDR_LEN, RTE_ETHER_HDR_LEN + 40, g->mac.addr_bytes, false);
	if (len < 0)
		return false;
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	return true;
}

static void
gen_rx(struct gen *g)
{
	struct rte_mbuf *pkts[GEN_BURST], *fr[GEN_BURST];
	uint16_t n, nf = 0;

	n = rte_eth_rx_burst(g->port, 0, pkts, GEN_BURST);
	if (n == 0)
		return;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

		if (unlikely(eth->ether_type == htons(RTE_ETHER_TYPE_ARP) ||
			     gen_nd_reply(g, pkts[i]))) {
			g->c.rx_arp++;
			if ((eth->ether_type != htons(RTE_ETHER_TYPE_ARP) ||
			     gen_arp_reply(g, pkts[i])) && g->n_arp_q < GEN_BURST) {
				g->arp_q[g->n_arp_q++] = pkts[i];
				gen_arp_flush(g);
				continue;
			}
		} else {
			g->c.rx++;
		}
		fr[nf++] = pkts[i];
	}
	if (nf)
		rte_pktmbuf_free_bulk(fr, nf);
}

/* Send up to @limit more new packets (plus whatever is pending). Returns how
 * many new packets were taken from the flow sequence. */
static uint32_t
gen_tx(struct gen *g, uint32_t limit)
{
	uint32_t taken = 0;
	uint16_t sent;

	if (!gen_arp_flush(g))
		return 0;
	if (g->n_pending == 0 && limit > 0) {
		uint16_t n = (uint16_t)RTE_MIN((uint32_t)GEN_BURST, limit);

		if (rte_pktmbuf_alloc_bulk(g->pool, g->pending, n) != 0)
			return 0;
		for (uint16_t i = 0; i < n; i++) {
			gen_fill(&g->f, g->pending[i], gen_order(&g->f, g->next_flow));
			if (++g->next_flow == g->f.flows) {
				g->next_flow = 0;
				g->f.round++;
			}
		}
		g->n_pending = n;
		g->pending_off = 0;
		taken = n;
	}
	if (g->n_pending == 0)
		return taken;
	sent = rte_eth_tx_burst(g->port, 0, g->pending + g->pending_off, g->n_pending);
	g->c.tx += sent;
	g->n_pending = (uint16_t)(g->n_pending - sent);
	g->pending_off = (uint16_t)(g->pending_off + sent);
	if (g->n_pending && g->drop) {
		rte_pktmbuf_free_bulk(g->pending + g->pending_off, g->n_pending);
		g->c.tx_dropped += g->n_pending;
		g->n_pending = 0;
	} else if (g->n_pending) {
		g->c.tx_retry_polls++;
	}
	return taken;
}

static void
gen_print(const char *what, const struct gen_counters *a, const struct gen_counters *b,
	  uint64_t cycles)
{
	double s = (double)cycles / (double)rte_get_tsc_hz();

	printf("%s tx=%" PRIu64 " rx=%" PRIu64 " secs=%.6f tx_mpps=%.4f rx_mpps=%.4f "
	       "tx_retry_polls=%" PRIu64 " tx_dropped=%" PRIu64 " arp_replies=%" PRIu64 "\n",
	       what, b->tx - a->tx,
	       b->rx - a->rx, s, s > 0 ? (double)(b->tx - a->tx) / s / 1e6 : 0.0,
	       s > 0 ? (double)(b->rx - a->rx) / s / 1e6 : 0.0,
	       b->tx_retry_polls - a->tx_retry_polls, b->tx_dropped - a->tx_dropped,
	       b->arp_replies);
	fflush(stdout);
}

/* Drain pending TX so a phase ends with every taken packet sent. */
static void
gen_drain(struct gen *g)
{
	while (g->n_pending) {
		gen_tx(g, 0);
		gen_rx(g);
	}
}

static void
gen_pass(struct gen *g)
{
	struct gen_counters c0 = g->c;
	uint64_t t0 = rte_rdtsc();
	uint32_t left = g->f.flows;

	g->next_flow = 0;
	while (left > 0) {
		left -= gen_tx(g, left);
		gen_rx(g);
	}
	gen_drain(g);
	gen_print("pass", &c0, &g->c, rte_rdtsc() - t0);
}

/* Send for @secs seconds: at full rate (@mpps == 0), or paced so that by
 * any moment t at most mpps * t packets have been taken. Paced runs let two
 * forwarders be compared at the same offered load, below both capacities:
 * at saturation the receive ring stays full and the generator's retries
 * contend for the ring's cache lines, which inflates the forwarder's driver
 * cost by an amount that depends on how saturated it is. */
static void
gen_run(struct gen *g, double secs, double mpps)
{
	struct gen_counters c0 = g->c;
	uint64_t t0 = rte_rdtsc();
	uint64_t hz = rte_get_tsc_hz();
	uint64_t end = t0 + (uint64_t)(secs * (double)hz);
	double per_cycle = mpps * 1e6 / (double)hz;
	uint64_t taken = 0, t;
	unsigned k = 0;

	for (;;) {
		uint32_t limit = UINT32_MAX;

		if (mpps > 0) {
			double due = (double)(rte_rdtsc() - t0) * per_cycle;

			/* whole bursts only, so burst sizes match full-rate runs */
			limit = due - (double)taken >= GEN_BURST ? GEN_BURST : 0;
		}
		taken += gen_tx(g, limit);
		gen_rx(g);
		if ((++k & 255) == 0 && rte_rdtsc() >= end)
			break;
	}
	gen_drain(g);
	t = rte_rdtsc();
	gen_print("run", &c0, &g->c, t - t0);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: zdp_gen [EAL options] -- --flows N --dst-mac MAC [--hosts H]\n"
		"       [--src-net ADDR] [--sport-base P] [--dst ADDR] [--dport P]\n"
		"       [--random-order]\n"
		"defaults: --hosts 16384 --src-net 198.18.0.0 --sport-base 1024\n"
		"          --dst 198.18.255.1 --dport 5353\n"
		"IPv6: --src-net and --dst both IPv6 (the host number goes in the last\n"
		"      32 bits of --src-net)\n"
		"stdin commands: pass | run SECONDS [MPPS [drop]] | stats | quit\n");
}

static int
parse_opts(int argc, char **argv, struct gen_flows *o)
{
	static const struct option lo[] = {
		{ "flows", required_argument, NULL, 'f' },
		{ "hosts", required_argument, NULL, 'h' },
		{ "src-net", required_argument, NULL, 's' },
		{ "sport-base", required_argument, NULL, 'p' },
		{ "dst", required_argument, NULL, 'd' },
		{ "dport", required_argument, NULL, 'P' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "random-order", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_mac = false, v6_src = false, v6_dst = false;
	int c;

	o->flows = 1000;
	o->hosts = 16384;
	o->sport_base = 1024;
	bench_parse_ip4("198.18.0.0", &o->src_net);
	bench_parse_ip4("198.18.255.1", &o->dst);
	o->dport = 5353;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'f': o->flows = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'h': o->hosts = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'p': o->sport_base = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'P': o->dport = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 's':
			if (strchr(optarg, ':') != NULL) {
				if (inet_pton(AF_INET6, optarg, o->src_net6) != 1)
					return -EINVAL;
				v6_src = true;
			} else if (bench_parse_ip4(optarg, &o->src_net) < 0) {
				return -EINVAL;
			}
			break;
		case 'd':
			if (strchr(optarg, ':') != NULL) {
				if (inet_pton(AF_INET6, optarg, o->dst6) != 1)
					return -EINVAL;
				v6_dst = true;
			} else if (bench_parse_ip4(optarg, &o->dst) < 0) {
				return -EINVAL;
			}
			break;
		case 'm':
			if (rte_ether_unformat_addr(optarg, &o->dst_mac) < 0)
				return -EINVAL;
			have_mac = true;
			break;
		case 'r':
			o->random_order = 1;
			break;
		default:
			return -EINVAL;
		}
	}
	if (v6_src != v6_dst)
		return -EINVAL;	/* both of one family */
	o->v6 = v6_src;
	if (!have_mac || o->flows == 0 || o->hosts == 0 ||
	    (uint64_t)o->sport_base + (o->flows - 1) / o->hosts > 65535)
		return -EINVAL;
	return 0;
}

static bool quit;

static void
gen_cmd(char *line, void *arg)
{
	struct gen *g = arg;
	double secs, mpps = 0;
	char mode[8] = "";

	if (strcmp(line, "pass") == 0) {
		gen_pass(g);
	} else if (sscanf(line, "run %lf %lf %7s", &secs, &mpps, mode) >= 1 && secs > 0 &&
		   mpps >= 0) {
		g->drop = strcmp(mode, "drop") == 0;
		gen_run(g, secs, mpps);
		g->drop = false;
	} else if (strcmp(line, "stats") == 0) {
		gen_print("stats", &(struct gen_counters){ 0 }, &g->c, 0);
	} else if (strcmp(line, "quit") == 0) {
		quit = true;
	} else if (line[0] != '\0') {
		printf("error unknown command: %s\n", line);
	}
}

int
main(int argc, char **argv)
{
	static struct gen g;
	struct bench_cmdline cl = { .len = 0 };
	int rc;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "zdp_gen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	if (parse_opts(argc, argv, &g.f) < 0) {
		usage();
		rte_eal_cleanup();
		return 2;
	}
	g.pool = rte_pktmbuf_pool_create("gen_pool", GEN_MBUFS, GEN_MBUF_CACHE, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (g.pool == NULL || bench_port_start("zdp_gen", g.pool, 1024, &g.port, &g.mac) < 0) {
		fprintf(stderr, "zdp_gen: cannot set up: %s\n", rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	g.f.src_mac = g.mac;
	gen_flows_init(&g.f);
	printf("ready mac=" RTE_ETHER_ADDR_PRT_FMT " flows=%u tsc_hz=%" PRIu64 "\n",
	       RTE_ETHER_ADDR_BYTES(&g.mac), g.f.flows, rte_get_tsc_hz());
	fflush(stdout);

	while (!quit && bench_cmdline_poll(&cl, 1, gen_cmd, &g) == 0)
		gen_rx(&g);
	rte_eth_dev_stop(g.port);
	rte_eth_dev_close(g.port);
	rte_eal_cleanup();
	return 0;
}
