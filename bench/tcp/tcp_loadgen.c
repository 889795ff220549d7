/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_loadgen.c — a DPDK-native TCP load generator for zdp's tcp-proxy
 * (bench/tcp/proxy_scale.py and proxy_bench.py drive it; see bench/README.md).
 *
 *   [tcp_loadgen]                                  [zdp]
 *    clients 198.18.1.1..  --SYN-->  VIP:port  --> front half
 *    backends 198.19.1.1.. <--SYN--  gateway addr <-- back half
 *            \________ one net_memif port (we are the server) ________/
 *
 * One process, one lcore, one zdp TCP stack (the same code zdp runs) that
 * plays both ends of every relay: it opens the client connections to the
 * VIP and accepts the upstream connections zdp opens to the backend
 * addresses, which it owns (it answers ARP for them and for the client
 * addresses). Every frame goes to zdp's MAC; zdp routes both directions
 * back over the same port. No Linux sockets, no file descriptors.
 *
 * The backend side echoes what it receives (or discards it, in bulk mode).
 * A client sends a 32-byte request naming its connection index and checks
 * that exactly those bytes come back, so a verified connection proves the
 * relay reached a backend and returned to the right client. In rr mode the
 * backend instead reads a REQ-byte request (checking every byte against the
 * index its first four bytes name), answers a REPLY-byte reply derived from
 * that index (not an echo: the bytes differ from the request's), and closes
 * first; the client checks the reply and that the FIN follows it.
 *
 * Control is line-based on stdin; each command prints one result line of
 * key=value pairs on stdout (progress goes to stderr):
 *   conns N RATE WINDOW  open N client connections (RATE per second, 0 = as
 *                        fast as WINDOW handshakes+echoes in flight allow),
 *                        verify each with one echo, then hold them
 *   ping                 one more echo on every held connection (all at once,
 *                        WINDOW at a time)
 *   cps SECS WINDOW      open, request, echo, close, for SECS (after 1 s of
 *                        warm-up; prints "start" when the measured part begins)
 *   rr SECS WINDOW REQ REPLY [MAX]
 *                        like cps, but HTTP/1.0-shaped: REQ-byte request,
 *                        REPLY-byte reply, the server (backend) closes first,
 *                        the client closes on its FIN; stops after SECS or
 *                        MAX measured connections (0: no cap)
 *   bulk SECS NCONNS [CHECK]
 *                        NCONNS clients send as fast as they can, the backend
 *                        side discards (1 s warm-up, then "start", then SECS);
 *                        with CHECK=1 it prints "stop" when the measured part
 *                        ends, stops sending and waits (up to 5 s) until the
 *                        backends got every byte the clients queued
 *   stats                counters (ours, then every non-zero stack counter)
 *   quit
 * Every result includes this process's own CPU: busy cycles (loop iterations
 * that did work) and user+system seconds (getrusage) of the command.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <arpa/inet.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "tcp_api.h"
#include "bench_util.h"
#include "gso.h"

#define LG_BURST	32
#define LG_TXQ		(1u << 16)	/* frames the stack may queue per loop */
#define LG_REQ		32		/* request bytes (echoed) */
#define LG_RR_MAX	1024		/* rr request / reply bytes, at most (one mbuf) */
#define LG_REPLY_XOR	0x5a		/* rr reply bytes = request pattern ^ this */
#define LG_PORT_LO	1024		/* client source ports */
#define LG_PORT_HI	65535
#define LG_BULK_SEG	1448

enum lg_mode { LG_IDLE, LG_CONNS, LG_PING, LG_CPS, LG_RR, LG_BULK };

/* CL_WAIT_ECHO: waiting for the echo (or, rr, the reply); CL_WAIT_FIN (rr):
 * the whole reply came, the server's FIN must follow. */
enum lg_cstate { CL_FREE, CL_CONNECTING, CL_WAIT_ECHO, CL_WAIT_FIN, CL_HELD, CL_FAILED };

/* One client connection (16 bytes: 1M of them are 16 MB). */
struct lg_client {
	struct zdp_tcp_conn *c;
	uint32_t idx;		/* what the request carries */
	uint8_t state;		/* enum lg_cstate */
	uint8_t pad;
	uint16_t got;		/* echoed (rr: reply) bytes so far */
};

/* The backend end of an rr connection, from accept until it has replied
 * (or failed): the request's index, assembled from its first four bytes. */
struct lg_be {
	uint32_t idx;
	uint16_t got;		/* request bytes so far */
	uint16_t pad;
};

struct lg_ctr {
	uint64_t connects, connect_fail, established, verified, echo_bad, failed;
	uint64_t accepted, be_bytes, be_closed, be_failed, be_refused;
	uint64_t cl_bytes;	/* bulk: bytes the clients queued */
	uint64_t rx, tx, tx_drop, arp_replies, rx_other;
	uint64_t busy_cycles;
};

struct lg {
	uint16_t port;
	/* --ring: zdp's "ring:NAME" port, this process a DPDK secondary of zdp;
	 * frames go to NAME_rx0 and come from NAME_tx0 without copies */
	struct rte_ring *ring_to_zdp, *ring_from_zdp;
	bool csum_peer;		/* --checksum peer: be zdp's NIC for checksums */
	/* --segmentation tso|lro: be zdp's NIC for TSO (and LRO) too. Our
	 * stack sends TSO packets and zdp may send them. Ours become the MSS
	 * segments they would be on the wire (tso), or, as zdp's NIC would
	 * coalesce those again (lro), reach zdp as one coalesced segment in
	 * one buffer. zdp's TSO packets come to our stack whole (our own
	 * LRO: our receive costs are not what is measured). */
	bool seg_peer, lro;
	struct rte_mempool *dma_pool;	/* frames over one mbuf's room (--mtu, TSO) */
	uint16_t mtu;		/* --mtu: IP MTU (1500) */
	struct rte_mempool *pool;
	struct rte_ether_addr mac, dst_mac;
	struct zdp_tcp_stack *stk;
	struct rte_mbuf **txq;
	uint32_t n_tx;
	/* addresses (host order) */
	uint32_t cli0, n_cli, be0, n_be, vip;
	uint16_t vport, bport;
	uint32_t ports_per_cli;
	uint64_t next_tuple;	/* cycles over n_cli * ports_per_cli */
	bool spread;		/* consecutive tuples: next address, not next port */
	/* clients */
	struct lg_client *cl;
	uint32_t n_cl_max;
	uint32_t *free_cl;	/* free slot stack (cps) */
	uint32_t n_free;
	uint32_t inflight;	/* connecting or waiting for their echo */
	enum lg_mode mode;
	bool bulk_discard;
	uint16_t req_len, reply_len;	/* rr */
	/* rr backend states (allocated by the first rr command, kept: backend
	 * connections may outlive a command until their reset arrives) */
	struct lg_be *be;
	uint32_t n_be_max;
	uint32_t *free_be;
	uint32_t n_free_be;
	struct lg_ctr c;
	int backend_tag;	/* address of this = a backend connection */
	uint64_t hz;
};

static struct lg G;

/* ---- addresses ---------------------------------------------------------- */

static void
addr4(struct zdp_addr *a, uint32_t host_order)
{
	uint32_t be = htonl(host_order);

	memset(a, 0, sizeof(*a));
	a->family = ZDP_AF_INET;
	memcpy(a->a, &be, 4);
}

static bool
owns(uint32_t ip)
{
	return (ip - G.cli0 < G.n_cli) || (ip - G.be0 < G.n_be);
}

/* ---- port --------------------------------------------------------------- */

/* A frame too long for its first mbuf (jumbo MTU, an LRO segment): into
 * one buffer of the DMA pool, as a NIC with buffers that large would
 * receive it. */
static int
lg_dma(struct rte_mbuf **mp)
{
	struct rte_mbuf *m = *mp, *n;
	char *d;

	if (G.dma_pool == NULL || (n = rte_pktmbuf_alloc(G.dma_pool)) == NULL)
		return -ENOMEM;
	d = rte_pktmbuf_append(n, (uint16_t)m->pkt_len);
	if (d == NULL || rte_pktmbuf_read(m, 0, m->pkt_len, d) != d) {
		rte_pktmbuf_free(n);
		return -ENOSPC;
	}
	rte_pktmbuf_free(m);
	*mp = n;
	return 0;
}

/* --checksum peer: what a NIC with checksum offloads does to a frame
 * between the two stacks. Each leaves the checksums it may leave to the
 * device (TX_*_CKSUM) unfilled, and the receiver is told they are good, as
 * a NIC would after filling (sender) and verifying (receiver) them. */
static inline void
lg_as_nic(struct rte_mbuf *m)
{
	m->ol_flags = (m->ol_flags & ~(RTE_MBUF_F_TX_OFFLOAD_MASK | RTE_MBUF_F_RX_IP_CKSUM_MASK |
				       RTE_MBUF_F_RX_L4_CKSUM_MASK)) |
		RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

/* --segmentation tso: a NIC's TSO. Cut the frame @m (Ethernet + IPv4 +
 * TCP, RTE_MBUF_F_TX_TCP_SEG) into its segments (zdp's own software
 * segmentation, dataplane/gso.h), each copied into one receive buffer with
 * its checksums flagged good (lg_as_nic), and queue them. */
static void
lg_tso_split(struct rte_mbuf *m)
{
	struct rte_mbuf *seg[ZDP_GSO_MAX_SEGS];
	int n;

	m->l2_len = RTE_ETHER_HDR_LEN;
	n = zdp_gso_segment(m, G.pool, seg, RTE_DIM(seg), false);
	for (int i = 0; i < n; i++) {
		struct rte_mbuf *f = seg[i];

		if (G.n_tx == LG_TXQ ||
		    (rte_pktmbuf_linearize(f) < 0 && lg_dma(&f) < 0)) {
			G.c.tx_drop++;
			rte_pktmbuf_free(f);
			continue;
		}
		lg_as_nic(f);
		G.txq[G.n_tx++] = f;
	}
	if (n < 0)
		G.c.tx_drop++;
}

/* The stack's output: m starts at the IP header. Prepend Ethernet towards
 * zdp and queue it; the queue is flushed once per loop. */
static void
lg_tx(void *ctx, struct rte_mbuf *m)
{
	struct rte_ether_hdr *e;

	(void)ctx;
	e = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	if (e == NULL || G.n_tx == LG_TXQ) {
		G.c.tx_drop++;
		rte_pktmbuf_free(m);
		return;
	}
	e->dst_addr = G.dst_mac;
	e->src_addr = G.mac;
	e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	if (G.ring_to_zdp) {
		uint16_t segsz = (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) ? m->tso_segsz : 0;

		if (segsz && !G.lro) {
			lg_tso_split(m);
			return;
		}
		/* a NIC's DMA puts a frame in one receive buffer: the copy the
		 * memif PMD would make, made here, on the peer's core */
		if (m->nb_segs > 1 && rte_pktmbuf_linearize(m) < 0 && lg_dma(&m) < 0) {
			G.c.tx_drop++;
			rte_pktmbuf_free(m);
			return;
		}
		if (G.csum_peer)
			lg_as_nic(m);
		if (segsz) {	/* TSO here, LRO at zdp: one coalesced segment */
			m->ol_flags |= RTE_MBUF_F_RX_LRO;
			m->tso_segsz = segsz;
		}
	}
	G.txq[G.n_tx++] = m;
}

/* Send what is queued; what the ring refuses waits for the next loop (zdp
 * drains it), so nothing is dropped here. */
static void
lg_flush(void)
{
	uint32_t off = 0;

	while (off < G.n_tx) {
		uint16_t n = (uint16_t)RTE_MIN(G.n_tx - off, 256u);
		uint16_t s = G.ring_to_zdp ?
			(uint16_t)rte_ring_sp_enqueue_burst(G.ring_to_zdp, (void **)(G.txq + off),
							    n, NULL) :
			rte_eth_tx_burst(G.port, 0, G.txq + off, n);

		off += s;
		G.c.tx += s;
		if (s < n)
			break;
	}
	if (off && off < G.n_tx)
		memmove(G.txq, G.txq + off, (G.n_tx - off) * sizeof(*G.txq));
	G.n_tx -= off;
}

/* RFC 826 reply, in place, for the addresses we own. */
static bool
lg_arp(struct rte_mbuf *m)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);
	uint32_t tip;

	if (rte_pktmbuf_data_len(m) < sizeof(*e) + sizeof(*a) ||
	    a->arp_opcode != htons(RTE_ARP_OP_REQUEST) ||
	    a->arp_protocol != htons(RTE_ETHER_TYPE_IPV4) ||
	    !owns(ntohl(a->arp_data.arp_tip)))
		return false;
	e->dst_addr = a->arp_data.arp_sha;
	e->src_addr = G.mac;
	a->arp_opcode = htons(RTE_ARP_OP_REPLY);
	tip = a->arp_data.arp_tip;
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = G.mac;
	a->arp_data.arp_sip = tip;
	return true;
}

/* One loop: RX burst into the stack, timers and output, TX. Returns the
 * number of frames received (busy-ness). */
static unsigned
lg_loop(void)
{
	struct rte_mbuf *pkts[LG_BURST];
	uint64_t t0 = rte_rdtsc();
	uint16_t n = G.ring_from_zdp ?
		(uint16_t)rte_ring_sc_dequeue_burst(G.ring_from_zdp, (void **)pkts, LG_BURST, NULL) :
		rte_eth_rx_burst(G.port, 0, pkts, LG_BURST);

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		uint16_t et = rte_be_to_cpu_16(e->ether_type);

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (G.csum_peer) {
			/* zdp's TSO packet, taken whole: our own LRO */
			bool tso = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG;

			lg_as_nic(m);
			if (tso)
				m->ol_flags |= RTE_MBUF_F_RX_LRO;
		}
		if (et == RTE_ETHER_TYPE_IPV4 && m->data_len >= RTE_ETHER_HDR_LEN + 20) {
			const struct rte_ipv4_hdr *ip;
			uint16_t tl;

			rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
			ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
			tl = rte_be_to_cpu_16(ip->total_length);
			if (ip->next_proto_id == IPPROTO_TCP && tl <= m->pkt_len) {
				if (m->pkt_len > tl)
					rte_pktmbuf_trim(m, m->pkt_len - tl);
				G.c.rx++;
				zdp_tcp_input_ip(G.stk, m, t0);
				continue;
			}
		} else if (et == RTE_ETHER_TYPE_ARP && lg_arp(m)) {
			if (G.n_tx < LG_TXQ) {
				G.txq[G.n_tx++] = m;
				G.c.arp_replies++;
				continue;
			}
		}
		G.c.rx_other++;
		rte_pktmbuf_free(m);
	}
	zdp_tcp_poll(G.stk, rte_rdtsc());
	if (G.n_tx)
		lg_flush();
	if (n)
		G.c.busy_cycles += rte_rdtsc() - t0;
	return n;
}

/* ---- clients ------------------------------------------------------------ */

/* Byte @i of connection @idx's request: its first four bytes give @idx
 * (little endian, byte i xor i), so a backend can recover it. */
static inline uint8_t
lg_pattern(uint32_t idx, uint32_t i)
{
	return (uint8_t)(idx >> (8 * (i & 3))) ^ (uint8_t)i;
}

/* @len bytes (at most one mbuf's worth) of lg_pattern(@idx) ^ @xor. */
static struct rte_mbuf *
lg_payload(uint32_t idx, uint16_t len, uint8_t xor)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(G.pool);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	for (uint32_t i = 0; i < len; i++)
		p[i] = lg_pattern(idx, i) ^ xor;
	return m;
}

static struct rte_mbuf *
lg_request(uint32_t idx)
{
	return lg_payload(idx, G.mode == LG_RR ? G.req_len : LG_REQ, 0);
}

/* Whether the @len bytes of @m are bytes @off.. of lg_pattern(@idx) ^ @xor. */
static bool
lg_check(const struct rte_mbuf *m, uint32_t len, uint32_t idx, uint32_t off, uint8_t xor)
{
	uint8_t buf[LG_RR_MAX];
	const uint8_t *got;

	if (len > sizeof(buf))
		return false;
	got = rte_pktmbuf_read(m, 0, len, buf);
	if (got == NULL)
		return false;
	for (uint32_t i = 0; i < len; i++)
		if (got[i] != (lg_pattern(idx, off + i) ^ xor))
			return false;
	return true;
}

static void
client_fail(struct lg_client *k)
{
	G.c.failed++;
	if (k->state == CL_CONNECTING || k->state == CL_WAIT_ECHO || k->state == CL_WAIT_FIN)
		G.inflight--;
	k->state = CL_FAILED;
	zdp_tcp_close(k->c);
	k->c = NULL;
	if (G.free_cl)
		G.free_cl[G.n_free++] = (uint32_t)(k - G.cl);
}

static void
client_send_req(struct lg_client *k)
{
	struct rte_mbuf *m = lg_request(k->idx);

	k->got = 0;
	k->state = CL_WAIT_ECHO;
	if (m == NULL || zdp_tcp_send(k->c, m) != 0) {
		rte_pktmbuf_free(m);
		client_fail(k);
	}
}

/* Active open of client slot @slot; the tuple comes from the next source
 * address/port in sequence (skipping ones still in use): all ports of one
 * address, then the next address, or with --spread-clients each address in
 * turn, so that the first n_cli connections already made zdp resolve every
 * client address (zdp queues only a few frames per unresolved neighbour: a
 * window of connections reaching a new address mid-run loses SYN-ACKs). */
static int
client_open(uint32_t slot, uint32_t idx)
{
	struct lg_client *k = &G.cl[slot];
	struct zdp_addr la, ra;
	uint64_t tuples = (uint64_t)G.n_cli * G.ports_per_cli;
	int rc = -EADDRINUSE;

	addr4(&ra, G.vip);
	for (unsigned tries = 0; tries < 64 && rc == -EADDRINUSE; tries++) {
		uint64_t t = G.next_tuple++ % tuples;

		uint32_t ai = (uint32_t)(G.spread ? t % G.n_cli : t / G.ports_per_cli);
		uint32_t pi = (uint32_t)(G.spread ? t / G.n_cli : t % G.ports_per_cli);

		addr4(&la, G.cli0 + ai);
		rc = zdp_tcp_connect(G.stk, &la, (uint16_t)(LG_PORT_LO + pi), &ra, G.vport, k,
				     rte_rdtsc(), &k->c);
	}
	G.c.connects++;
	if (rc != 0) {
		G.c.connect_fail++;
		return rc;
	}
	k->idx = idx;
	k->state = CL_CONNECTING;
	k->got = 0;
	G.inflight++;
	return 0;
}

static void
client_connected(struct lg_client *k)
{
	G.c.established++;
	if (G.mode == LG_BULK) {
		k->state = CL_HELD;
		G.inflight--;
		return;
	}
	client_send_req(k);
}

/* Echo (or rr reply) bytes for client @k: they must continue exactly what
 * its index predicts; past the end, or in another state, they fail it. */
static void
client_readable(struct lg_client *k, struct rte_mbuf *m, uint32_t len)
{
	bool rr = G.mode == LG_RR;
	uint32_t want = rr ? G.reply_len : LG_REQ;
	bool ok = k->state == CL_WAIT_ECHO && k->got + len <= want &&
		  lg_check(m, len, k->idx, k->got, rr ? LG_REPLY_XOR : 0);

	rte_pktmbuf_free(m);
	zdp_tcp_recv_consumed(k->c, len);
	if (!ok) {
		G.c.echo_bad++;
		client_fail(k);
		return;
	}
	k->got = (uint16_t)(k->got + len);
	if (k->got < want)
		return;
	if (rr) {
		k->state = CL_WAIT_FIN;	/* verified once the server's FIN comes */
		return;
	}
	G.c.verified++;
	G.inflight--;
	if (G.mode == LG_CPS) {
		zdp_tcp_close(k->c);	/* client closes first: TIME-WAIT is ours */
		k->c = NULL;
		k->state = CL_FREE;
		G.free_cl[G.n_free++] = (uint32_t)(k - G.cl);
	} else {
		k->state = CL_HELD;
	}
}

/* rr: the client got its whole reply and now the server's FIN, in that
 * order: the connection is verified; close our half (no TIME-WAIT here,
 * the server closed first). */
static void
client_rr_done(struct lg_client *k)
{
	G.c.verified++;
	G.inflight--;
	zdp_tcp_close(k->c);
	k->c = NULL;
	k->state = CL_FREE;
	G.free_cl[G.n_free++] = (uint32_t)(k - G.cl);
}

/* ---- rr backends -------------------------------------------------------- */

/* The rr backend state @u points to, or NULL (echo/discard backend, client). */
static struct lg_be *
be_of(void *u)
{
	struct lg_be *b = u;

	return G.be != NULL && b >= G.be && b < G.be + G.n_be_max ? b : NULL;
}

static void
be_put(struct lg_be *b)
{
	G.free_be[G.n_free_be++] = (uint32_t)(b - G.be);
}

/* Request bytes on rr backend @b: bytes 0-3 give the index, the rest must
 * match it. With the whole request in, reply and close (server first).
 * Anything wrong (more bytes than the request, a mismatch, no mbuf for the
 * reply) resets the connection, counted in be_failed. */
static void
be_rr_readable(struct zdp_tcp_conn *c, struct lg_be *b, struct rte_mbuf *m, uint32_t len)
{
	uint8_t buf[LG_RR_MAX];
	const uint8_t *p = NULL;
	struct rte_mbuf *r;
	bool ok = b->got + len <= G.req_len;

	if (ok)
		p = rte_pktmbuf_read(m, 0, len, buf);
	for (uint32_t i = 0; ok && p != NULL && i < len; i++) {
		uint32_t at = b->got + i;

		if (at < 4)
			b->idx |= (uint32_t)(p[i] ^ (uint8_t)at) << (8 * at);
		else if (p[i] != lg_pattern(b->idx, at))
			ok = false;
	}
	ok = ok && p != NULL;
	rte_pktmbuf_free(m);
	zdp_tcp_recv_consumed(c, len);
	if (ok) {
		b->got = (uint16_t)(b->got + len);
		if (b->got < G.req_len)
			return;
		r = lg_payload(b->idx, G.reply_len, LG_REPLY_XOR);
		if (r != NULL && zdp_tcp_send(c, r) == 0) {
			zdp_tcp_close(c);	/* FIN after the reply */
			be_put(b);
			return;
		}
		rte_pktmbuf_free(r);
	}
	G.c.be_failed++;
	zdp_tcp_abort(c);
	be_put(b);
}

/* ---- stack callbacks ---------------------------------------------------- */

static bool
is_backend(void *u)
{
	return u == &G.backend_tag || be_of(u) != NULL;
}

static void *
cb_accept(struct zdp_tcp_conn *c, void *lu)
{
	struct lg_be *b;

	(void)c;
	(void)lu;
	G.c.accepted++;
	if (G.mode != LG_RR)
		return &G.backend_tag;
	if (G.n_free_be == 0) {
		G.c.be_refused++;	/* the stack resets it */
		return NULL;
	}
	b = &G.be[G.free_be[--G.n_free_be]];
	b->idx = 0;
	b->got = 0;
	return b;
}

static void
cb_connected(struct zdp_tcp_conn *c, void *u)
{
	(void)c;
	client_connected(u);
}

static void
cb_readable(struct zdp_tcp_conn *c, void *u, struct rte_mbuf *m, uint32_t len)
{
	struct lg_be *b = be_of(u);

	if (!is_backend(u)) {
		client_readable(u, m, len);
		return;
	}
	G.c.be_bytes += len;
	if (b != NULL) {
		be_rr_readable(c, b, m, len);
		return;
	}
	if (G.bulk_discard) {
		rte_pktmbuf_free(m);
	} else if (zdp_tcp_send(c, m) != 0) {	/* echo, zero copy */
		rte_pktmbuf_free(m);
		G.c.be_failed++;
	}
	zdp_tcp_recv_consumed(c, len);
}

static void
cb_peer_closed(struct zdp_tcp_conn *c, void *u)
{
	struct lg_client *k = u;

	if (is_backend(u)) {
		G.c.be_closed++;
		if (be_of(u) != NULL) {		/* rr: FIN before the whole request */
			G.c.be_failed++;
			be_put(be_of(u));
		}
		zdp_tcp_close(c);
		return;
	}
	if (G.mode == LG_RR && k->state == CL_WAIT_FIN) {
		client_rr_done(k);
		return;
	}
	client_fail(k);		/* otherwise a client never expects the proxy to close */
}

static void
cb_reset(struct zdp_tcp_conn *c, void *u)
{
	if (is_backend(u)) {
		G.c.be_failed++;
		if (be_of(u) != NULL)
			be_put(be_of(u));
		zdp_tcp_close(c);
		return;
	}
	client_fail(u);
}

static void
cb_error(struct zdp_tcp_conn *c, void *u, int err)
{
	(void)err;
	cb_reset(c, u);
}

/* ---- commands ----------------------------------------------------------- */

struct lg_mark {
	uint64_t tsc;
	struct lg_ctr c;
	struct rusage ru;
};

static void
mark(struct lg_mark *m)
{
	m->tsc = rte_rdtsc();
	m->c = G.c;
	getrusage(RUSAGE_SELF, &m->ru);
}

static double
tv(const struct timeval *t)
{
	return (double)t->tv_sec + (double)t->tv_usec / 1e6;
}

/* Common tail of every result line: time and our own CPU from @a to @bm,
 * counters. */
static void
print_tail_at(const struct lg_mark *a, const struct lg_mark *bm)
{
	const uint64_t *ctr = zdp_tcp_stack_counters(G.stk);
	struct lg_mark b = *bm;
	double cpu;

	cpu = tv(&b.ru.ru_utime) - tv(&a->ru.ru_utime) + tv(&b.ru.ru_stime) - tv(&a->ru.ru_stime);
	printf(" secs=%.6f lg_busy_cycles=%" PRIu64 " lg_cpu_s=%.3f conns_in_use=%u"
	       " tx=%" PRIu64 " rx=%" PRIu64 " tx_drop=%" PRIu64 " arp_replies=%" PRIu64
	       " failed_total=%" PRIu64 " echo_bad=%" PRIu64 " be_failed=%" PRIu64
	       " retransmits=%" PRIu64 " rto_fires=%" PRIu64 " tlp=%" PRIu64 " dup_segs=%" PRIu64
	       " resets_rx=%" PRIu64 "\n",
	       (double)(b.tsc - a->tsc) / (double)G.hz, b.c.busy_cycles - a->c.busy_cycles, cpu,
	       zdp_tcp_stack_conns_in_use(G.stk), b.c.tx - a->c.tx, b.c.rx - a->c.rx,
	       b.c.tx_drop, b.c.arp_replies, b.c.failed, b.c.echo_bad, b.c.be_failed,
	       ctr[ZDP_TCP_CTR_RETRANS], ctr[ZDP_TCP_CTR_RTO_FIRES], ctr[ZDP_TCP_CTR_TLP],
	       ctr[ZDP_TCP_CTR_DUP_SEGS], ctr[ZDP_TCP_CTR_CONN_RESET_RX]);
	fflush(stdout);
}

static void
print_tail(const struct lg_mark *a)
{
	struct lg_mark b;

	mark(&b);
	print_tail_at(a, &b);
}

static void
progress(const char *what, uint64_t *next, uint64_t done, uint64_t total)
{
	uint64_t now = rte_rdtsc();

	if (now < *next)
		return;
	*next = now + G.hz;
	fprintf(stderr, "%s: %" PRIu64 "/%" PRIu64 " inflight=%u failed=%" PRIu64
		" in_use=%u\n", what, done, total, G.inflight, G.c.failed,
		zdp_tcp_stack_conns_in_use(G.stk));
}

/* Open @n connections (slots 0..n-1), at most @window unverified at once and
 * at most @rate per second; each sends one request and must get it back. */
static void
cmd_conns(uint32_t n, double rate, uint32_t window)
{
	struct lg_mark a;
	uint64_t t0, per = rate > 0 ? (uint64_t)((double)G.hz / rate) : 0, nextp = 0;
	uint64_t last_change, seen = 0, full_at = 0;
	uint32_t opened = 0;

	if (n > G.n_cl_max)
		n = G.n_cl_max;
	G.mode = LG_CONNS;
	G.bulk_discard = false;
	mark(&a);
	t0 = last_change = a.tsc;
	for (;;) {
		uint64_t now = rte_rdtsc(), done = G.c.verified - a.c.verified + G.c.failed - a.c.failed;

		while (opened < n && G.inflight < window &&
		       (per == 0 || now - t0 >= per * opened)) {
			if (client_open(opened, opened) != 0) {
				G.cl[opened].state = CL_FAILED;
				G.c.failed++;
			}
			opened++;
		}
		lg_loop();
		if (done != seen) {
			seen = done;
			last_change = now;
		}
		if (opened == n && G.inflight == 0) {
			full_at = now;
			break;
		}
		if (now - last_change > 30 * G.hz)
			break;	/* stuck: report what we have */
		progress("conns", &nextp, done, n);
	}
	printf("conns opened=%u verified=%" PRIu64 " failed=%" PRIu64 " stuck=%u"
	       " open_secs=%.6f", opened, G.c.verified - a.c.verified, G.c.failed - a.c.failed,
	       G.inflight, (double)((full_at ? full_at : rte_rdtsc()) - t0) / (double)G.hz);
	print_tail(&a);
	G.mode = LG_IDLE;
}

/* One more request on every held connection. */
static void
cmd_ping(uint32_t window)
{
	struct lg_mark a;
	uint64_t nextp = 0, last_change, seen = 0;
	uint32_t next = 0, held = 0;

	G.mode = LG_PING;
	mark(&a);
	last_change = a.tsc;
	for (;;) {
		uint64_t now = rte_rdtsc(), done = G.c.verified - a.c.verified;

		while (next < G.n_cl_max && G.inflight < window) {
			struct lg_client *k = &G.cl[next++];

			if (k->state != CL_HELD)
				continue;
			held++;
			G.inflight++;
			client_send_req(k);
		}
		lg_loop();
		if (done != seen) {
			seen = done;
			last_change = now;
		}
		if (next == G.n_cl_max && G.inflight == 0)
			break;
		if (now - last_change > 30 * G.hz)
			break;
		progress("ping", &nextp, done, held);
	}
	printf("ping held=%u verified=%" PRIu64 " failed=%" PRIu64 " stuck=%u", held,
	       G.c.verified - a.c.verified, G.c.failed - a.c.failed, G.inflight);
	print_tail(&a);
	G.mode = LG_IDLE;
}

/* Drain: run the loop until nothing is in flight or @secs passed. */
static void
drain(double secs)
{
	uint64_t end = rte_rdtsc() + (uint64_t)(secs * (double)G.hz);

	while (G.inflight > 0 && rte_rdtsc() < end)
		lg_loop();
}

/* Close (abort) every held client connection; backends see resets. */
static void
close_all(void)
{
	for (uint32_t i = 0; i < G.n_cl_max; i++) {
		struct lg_client *k = &G.cl[i];

		if (k->c != NULL)
			zdp_tcp_abort(k->c);
		k->c = NULL;
		k->state = CL_FREE;
	}
	G.inflight = 0;
	for (int i = 0; i < 1000; i++)
		lg_loop();
}

/* rr: the backend states, once; 0 or -ENOMEM. Sized to the clients a
 * command may have (each has at most one backend connection waiting for its
 * request) plus slack for backends whose client failed and whose reset is
 * still on its way. */
static int
be_alloc(void)
{
	if (G.be != NULL)
		return 0;
	G.n_be_max = G.n_cl_max + 1024;
	G.be = calloc(G.n_be_max, sizeof(*G.be));
	G.free_be = malloc(sizeof(*G.free_be) * G.n_be_max);
	if (G.be == NULL || G.free_be == NULL) {
		free(G.be);
		free(G.free_be);
		G.be = NULL;
		G.free_be = NULL;
		return -ENOMEM;
	}
	G.n_free_be = 0;
	for (uint32_t i = G.n_be_max; i-- > 0;)
		G.free_be[G.n_free_be++] = i;
	return 0;
}

/* cps and rr: keep @window client connections cycling (open, request,
 * answer, close) for @secs after 1 s of warm-up, or until @max were
 * verified in the measured part (0: no cap). */
static void
cmd_cycle(enum lg_mode mode, double secs, uint32_t window, uint64_t max)
{
	struct lg_mark a;
	uint64_t end, warm, nextp = 0;
	uint32_t idx = 0;
	bool started = false;
	const char *name = mode == LG_RR ? "rr" : "cps";

	if (window > G.n_cl_max)
		window = G.n_cl_max;
	close_all();
	if (mode == LG_RR && be_alloc() != 0) {
		printf("error no memory\n");
		return;
	}
	G.free_cl = malloc(sizeof(*G.free_cl) * window);
	if (G.free_cl == NULL) {
		printf("error no memory\n");
		return;
	}
	G.n_free = 0;
	for (uint32_t i = window; i-- > 0;)
		G.free_cl[G.n_free++] = i;
	G.mode = mode;
	G.bulk_discard = false;
	mark(&a);
	warm = a.tsc + G.hz;
	end = warm + (uint64_t)(secs * (double)G.hz);
	for (;;) {
		uint64_t now = rte_rdtsc();

		if (!started && now >= warm) {
			started = true;
			mark(&a);
			printf("start\n");
			fflush(stdout);
		}
		if (now >= end || (started && max && G.c.verified - a.c.verified >= max))
			break;
		while (G.n_free > 0) {
			uint32_t slot = G.free_cl[--G.n_free];

			if (client_open(slot, idx++) != 0) {
				G.free_cl[G.n_free++] = slot;
				break;
			}
		}
		lg_loop();
		progress(name, &nextp, G.c.verified - a.c.verified, 0);
	}
	printf("%s done=%" PRIu64 " failed=%" PRIu64 " connects=%" PRIu64 " cps=%.1f", name,
	       G.c.verified - a.c.verified, G.c.failed - a.c.failed,
	       G.c.connects - a.c.connects,
	       (double)(G.c.verified - a.c.verified) * (double)G.hz / (double)(rte_rdtsc() - a.tsc));
	if (mode == LG_RR)
		printf(" req=%u reply=%u be_refused=%" PRIu64 " be_failed_cmd=%" PRIu64,
		       G.req_len, G.reply_len, G.c.be_refused - a.c.be_refused,
		       G.c.be_failed - a.c.be_failed);
	print_tail(&a);
	drain(5);
	G.mode = LG_IDLE;
	close_all();
	free(G.free_cl);
	G.free_cl = NULL;
}

/* Send as much as the send buffer takes, in chains of full segments. */
static void
bulk_fill(struct lg_client *k)
{
	while (zdp_tcp_send_space(k->c) > 0) {
		struct rte_mbuf *head = NULL;

		for (int i = 0; i < 16; i++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(G.pool);

			if (m == NULL)
				break;
			rte_pktmbuf_append(m, LG_BULK_SEG);
			if (head == NULL)
				head = m;
			else if (rte_pktmbuf_chain(head, m) != 0) {
				rte_pktmbuf_free(m);
				break;
			}
		}
		if (head == NULL)
			return;
		uint32_t len = rte_pktmbuf_pkt_len(head);

		if (zdp_tcp_send(k->c, head) != 0) {
			rte_pktmbuf_free(head);
			return;
		}
		G.c.cl_bytes += len;
	}
}

/* @check: see the bulk command (top of file). */
static void
cmd_bulk(double secs, uint32_t nconns, bool check)
{
	struct lg_mark a, a0, b;
	uint64_t end, warm, queued, got;
	bool started = false;

	if (nconns > G.n_cl_max)
		nconns = G.n_cl_max;
	close_all();
	G.mode = LG_BULK;
	G.bulk_discard = true;
	mark(&a0);
	for (uint32_t i = 0; i < nconns; i++)
		client_open(i, i);
	drain(5);
	mark(&a);
	warm = a.tsc + G.hz;
	end = warm + (uint64_t)(secs * (double)G.hz);
	for (;;) {
		uint64_t now = rte_rdtsc();

		if (!started && now >= warm) {
			started = true;
			mark(&a);
			printf("start\n");
			fflush(stdout);
		}
		if (now >= end)
			break;
		for (uint32_t i = 0; i < nconns; i++)
			if (G.cl[i].state == CL_HELD)
				bulk_fill(&G.cl[i]);
		lg_loop();
	}
	mark(&b);
	if (check) {
		uint64_t stop = rte_rdtsc() + 5 * G.hz;

		printf("stop\n");
		fflush(stdout);
		while (G.c.be_bytes - a0.c.be_bytes < G.c.cl_bytes - a0.c.cl_bytes &&
		       rte_rdtsc() < stop)
			lg_loop();
	}
	queued = G.c.cl_bytes - a0.c.cl_bytes;
	got = G.c.be_bytes - a0.c.be_bytes;
	{
		double s = (double)(b.tsc - a.tsc) / (double)G.hz;
		uint64_t bytes = b.c.be_bytes - a.c.be_bytes;

		printf("bulk conns=%u bytes=%" PRIu64 " gbps=%.4f", nconns, bytes,
		       (double)bytes * 8 / s / 1e9);
	}
	if (check)
		printf(" queued=%" PRIu64 " delivered=%" PRIu64 " check_ok=%d", queued, got,
		       queued == got);
	print_tail_at(&a, &b);
	G.mode = LG_IDLE;
	close_all();
	G.bulk_discard = false;
}

static void
cmd_stats(void)
{
	struct lg_mark z;

	memset(&z, 0, sizeof(z));
	z.tsc = rte_rdtsc();
	getrusage(RUSAGE_SELF, &z.ru);
	printf("stats connects=%" PRIu64 " established=%" PRIu64 " verified=%" PRIu64
	       " failed=%" PRIu64 " accepted=%" PRIu64 " be_bytes=%" PRIu64 " be_closed=%" PRIu64,
	       G.c.connects, G.c.established, G.c.verified, G.c.failed, G.c.accepted,
	       G.c.be_bytes, G.c.be_closed);
	for (int i = 0; i < ZDP_TCP_CTR_MAX; i++) {	/* every stack counter that moved */
		uint64_t v = zdp_tcp_stack_counters(G.stk)[i];

		if (v != 0)
			printf(" %s=%" PRIu64, zdp_tcp_counter_name((enum zdp_tcp_counter)i), v);
	}
	print_tail(&z);
}

/* ---- set-up ------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
		"usage: tcp_loadgen [EAL options] -- --dst-mac MAC [--vip A --vport P]\n"
		"       [--clients A --n-clients N] [--backends A --n-backends N --bport P]\n"
		"       [--max-clients N] [--max-conns N] [--mbufs N] [--desc N] [--spread-clients]\n"
		"       [--msl-us N] [--ring NAME --mac MAC [--checksum software|peer]\n"
		"        [--segmentation none|tso|lro] [--mtu N]]\n"
		"defaults: --vip 198.18.255.1 --vport 9000 --clients 198.18.1.1 --n-clients 32\n"
		"          --backends 198.19.1.1 --n-backends 64 --bport 9000\n"
		"          --max-clients 1048576 --max-conns 2*max-clients+65536 --msl-us 1000\n"
		"--ring: a DPDK secondary process (--proc-type=secondary, zdp's --file-prefix,\n"
		"        an --lcores id zdp does not use) on zdp's port ring:NAME; --mac is ours\n"
		"stdin: conns N RATE WINDOW | ping WINDOW | cps SECS WINDOW\n"
		"       | rr SECS WINDOW REQ REPLY [MAX] | bulk SECS NCONNS [CHECK] | stats | quit\n");
}

struct lg_opts {
	uint32_t max_conns, mbufs, desc, msl_us;
	const char *ring;	/* --ring NAME */
	bool have_own_mac;
};

static int
parse_opts(int argc, char **argv, struct lg_opts *o)
{
	static const struct option lo[] = {
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "vip", required_argument, NULL, 'v' },
		{ "vport", required_argument, NULL, 'V' },
		{ "clients", required_argument, NULL, 'c' },
		{ "n-clients", required_argument, NULL, 'C' },
		{ "backends", required_argument, NULL, 'b' },
		{ "n-backends", required_argument, NULL, 'B' },
		{ "bport", required_argument, NULL, 'P' },
		{ "max-clients", required_argument, NULL, 'x' },
		{ "max-conns", required_argument, NULL, 'X' },
		{ "mbufs", required_argument, NULL, 'M' },
		{ "desc", required_argument, NULL, 'd' },
		{ "spread-clients", no_argument, NULL, 's' },
		{ "msl-us", required_argument, NULL, 'T' },
		{ "ring", required_argument, NULL, 'r' },
		{ "mac", required_argument, NULL, 'a' },
		{ "checksum", required_argument, NULL, 'k' },
		{ "mtu", required_argument, NULL, 'u' },
		{ "segmentation", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_mac = false;
	int c;

	bench_parse_ip4("198.18.255.1", &G.vip);
	bench_parse_ip4("198.18.1.1", &G.cli0);
	bench_parse_ip4("198.19.1.1", &G.be0);
	G.vport = G.bport = 9000;
	G.n_cli = 32;
	G.n_be = 64;
	G.n_cl_max = 1u << 20;
	o->max_conns = 0;
	o->mbufs = 131071;
	o->desc = 1024;
	o->msl_us = 1000;
	o->ring = NULL;
	G.mtu = 1500;
	o->have_own_mac = false;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (rte_ether_unformat_addr(optarg, &G.dst_mac) < 0)
				return -EINVAL;
			have_mac = true;
			break;
		case 'v': if (bench_parse_ip4(optarg, &G.vip) < 0) return -EINVAL; break;
		case 'c': if (bench_parse_ip4(optarg, &G.cli0) < 0) return -EINVAL; break;
		case 'b': if (bench_parse_ip4(optarg, &G.be0) < 0) return -EINVAL; break;
		case 'V': G.vport = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'P': G.bport = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'C': G.n_cli = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'B': G.n_be = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'x': G.n_cl_max = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'X': o->max_conns = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'M': o->mbufs = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'd': o->desc = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': G.spread = true; break;
		case 'T': o->msl_us = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'r': o->ring = optarg; break;
		case 'u': G.mtu = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'a':
			if (rte_ether_unformat_addr(optarg, &G.mac) < 0)
				return -EINVAL;
			o->have_own_mac = true;
			break;
		case 'k':
			if (strcmp(optarg, "peer") != 0 && strcmp(optarg, "software") != 0)
				return -EINVAL;
			G.csum_peer = strcmp(optarg, "peer") == 0;
			break;
		case 'g':
			if (strcmp(optarg, "tso") != 0 && strcmp(optarg, "lro") != 0 &&
			    strcmp(optarg, "none") != 0)
				return -EINVAL;
			G.seg_peer = strcmp(optarg, "none") != 0;
			G.lro = strcmp(optarg, "lro") == 0;
			break;
		default: return -EINVAL;
		}
	}
	if (!have_mac || (o->ring != NULL) != o->have_own_mac || (G.csum_peer && !o->ring) ||
	    (G.seg_peer && !G.csum_peer) ||
	    G.mtu < 576 || G.mtu > 9600 || (G.mtu > 1500 && !o->ring) ||
	    !G.n_cli || !G.n_be || !G.vport || !G.bport || !G.n_cl_max ||
	    !o->msl_us)
		return -EINVAL;
	if (o->max_conns == 0)
		o->max_conns = 2 * G.n_cl_max + 65536;
	G.ports_per_cli = LG_PORT_HI - LG_PORT_LO + 1;
	return 0;
}

static int
stack_init(const struct lg_opts *o)
{
	struct zdp_tcp_stack_params p;
	struct zdp_addr any;

	zdp_tcp_stack_params_default(&p);
	p.max_conns = o->max_conns;
	p.max_listeners = 4;
	p.reass_nodes = 65536;
	p.tsc_hz = G.hz;
	p.pool = G.pool;
	p.tx = lg_tx;
	p.syn_backlog = 65535;
	p.msl_us = o->msl_us;	/* our TIME-WAITs (cps clients) end quickly */
	p.mtu = G.mtu;
	p.tx_csum_offload = G.csum_peer;	/* lg_as_nic() */
	/* lg_tx: a TSO packet must fit one DMA buffer with its L2 header */
	p.tso_max = G.seg_peer ? UINT16_MAX - RTE_PKTMBUF_HEADROOM - RTE_ETHER_HDR_LEN - 120 : 0;
	p.rx_csum_trust = G.csum_peer;
	p.cb = (struct zdp_tcp_callbacks){
		.on_accept = cb_accept,
		.on_connected = cb_connected,
		.on_readable = cb_readable,
		.on_peer_closed = cb_peer_closed,
		.on_reset = cb_reset,
		.on_error = cb_error,
	};
	G.stk = zdp_tcp_stack_create(&p);
	if (G.stk == NULL)
		return -ENOMEM;
	memset(&any, 0, sizeof(any));
	any.family = ZDP_AF_INET;	/* every backend address */
	return zdp_tcp_listen(G.stk, &any, G.bport, NULL, NULL);
}

/* --ring: zdp's queue 0 rings (dataplane/port.c: zdp receives on NAME_rx0). */
static int
ring_attach(const char *name)
{
	char rn[RTE_RING_NAMESIZE];

	if (rte_eal_process_type() != RTE_PROC_SECONDARY) {
		fprintf(stderr, "tcp_loadgen: --ring needs --proc-type=secondary with zdp's "
			"--file-prefix\n");
		rte_errno = EINVAL;
		return -1;
	}
	snprintf(rn, sizeof(rn), "%s_rx0", name);
	G.ring_to_zdp = rte_ring_lookup(rn);
	snprintf(rn, sizeof(rn), "%s_tx0", name);
	G.ring_from_zdp = rte_ring_lookup(rn);
	if (G.ring_to_zdp == NULL || G.ring_from_zdp == NULL) {
		fprintf(stderr, "tcp_loadgen: no rings %s_rx0/%s_tx0 in zdp\n", name, name);
		rte_errno = ENOENT;
		return -1;
	}
	return 0;
}

static bool quit;

static void
lg_cmd(char *line, void *arg)
{
	unsigned n, w, q, r, x = 0;
	double d;
	int k;

	(void)arg;
	if (sscanf(line, "conns %u %lf %u", &n, &d, &w) == 3)
		cmd_conns(n, d, w ? w : 1);
	else if (sscanf(line, "ping %u", &w) == 1)
		cmd_ping(w ? w : 1);
	else if (sscanf(line, "cps %lf %u", &d, &w) == 2)
		cmd_cycle(LG_CPS, d, w ? w : 1, 0);
	else if ((k = sscanf(line, "rr %lf %u %u %u %u", &d, &w, &q, &r, &x)) >= 4) {
		if (q < 4 || q > LG_RR_MAX || r < 1 || r > LG_RR_MAX) {
			printf("error rr: REQ must be 4..%u and REPLY 1..%u bytes\n",
			       LG_RR_MAX, LG_RR_MAX);
			return;
		}
		G.req_len = (uint16_t)q;
		G.reply_len = (uint16_t)r;
		cmd_cycle(LG_RR, d, w ? w : 1, k == 5 ? x : 0);
	} else if ((k = sscanf(line, "bulk %lf %u %u", &d, &n, &x)) >= 2)
		cmd_bulk(d, n ? n : 1, k == 3 && x != 0);
	else if (strcmp(line, "stats") == 0)
		cmd_stats();
	else if (strcmp(line, "quit") == 0)
		quit = true;
	else if (line[0] != '\0')
		printf("error unknown command: %s\n", line);
}

int
main(int argc, char **argv)
{
	struct lg_opts o;
	struct bench_cmdline cl = { .len = 0 };
	unsigned got = 0;
	int rc;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "tcp_loadgen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	if (parse_opts(argc, argv, &o) < 0) {
		usage();
		rte_eal_cleanup();
		return 2;
	}
	G.hz = rte_get_tsc_hz();
	G.txq = calloc(LG_TXQ, sizeof(*G.txq));
	G.cl = calloc(G.n_cl_max, sizeof(*G.cl));
	G.pool = rte_pktmbuf_pool_create("lg_pool", o.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 rte_socket_id());
	if (G.lro)		/* 64 KiB buffers: fewer, they are held a window each */
		G.dma_pool = rte_pktmbuf_pool_create("lg_dma", 4095, 256, 0, UINT16_MAX,
						     rte_socket_id());
	else if (o.ring && G.mtu + RTE_ETHER_HDR_LEN > RTE_MBUF_DEFAULT_DATAROOM)
		G.dma_pool = rte_pktmbuf_pool_create("lg_dma", 16383, 256, 0,
						     (uint16_t)(RTE_PKTMBUF_HEADROOM +
								RTE_ETHER_HDR_LEN + G.mtu),
						     rte_socket_id());
	if (G.txq == NULL || G.cl == NULL || G.pool == NULL ||
	    ((G.lro || G.mtu + RTE_ETHER_HDR_LEN > RTE_MBUF_DEFAULT_DATAROOM) &&
	     G.dma_pool == NULL) ||
	    (o.ring ? ring_attach(o.ring) :
	     bench_port_start("tcp_loadgen", G.pool, (uint16_t)o.desc, &G.port, &G.mac)) < 0 ||
	    stack_init(&o) < 0) {
		fprintf(stderr, "tcp_loadgen: cannot set up: %s\n", rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	printf("ready mac=" RTE_ETHER_ADDR_PRT_FMT " tsc_hz=%" PRIu64 " max_conns=%u"
	       " conn_state_bytes=%zu\n", RTE_ETHER_ADDR_BYTES(&G.mac), G.hz, o.max_conns,
	       zdp_tcp_conn_state_size());
	fflush(stdout);

	while (!quit && bench_cmdline_poll(&cl, got ? 0 : 1, lg_cmd, NULL) == 0)
		got = lg_loop();
	close_all();
	if (!o.ring) {
		rte_eth_dev_stop(G.port);
		rte_eth_dev_close(G.port);
	}
	zdp_tcp_stack_destroy(G.stk);
	rte_eal_cleanup();
	return 0;
}
