/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_tap_echo.c — interop harness: zdp's TCP stack on one lcore behind a
 * net_tap port, so Linux programs in a test namespace can talk to it.
 *
 *   tcp_tap_echo [EAL: --vdev net_tap0,iface=X --no-pci ...] -- \
 *       --ip4 198.18.200.1 --ip6 2001:2:0:200::1 [--loss PCT] [--reorder PCT]
 *       [--dup PCT] [--seed N] [--cc cubic|newreno] [--max-conns N]
 *       [--rcv-buf BYTES] [--backlog N]
 *
 * Services (IPv4 and IPv6, any local address):
 *   7   echo, with backpressure (the receive window follows the echo's
 *       send queue), FIN answered with FIN once everything is echoed
 *   9   sink: SHA-256 of everything received, sent back as 64 hex digits +
 *       "\n" after the peer's FIN, then close
 *   19  source: reads "N\n", sends N pattern bytes, shuts down its write
 *       side (half-close) and keeps reading; prints what arrived after
 *   13  reset: aborts (RST) on the first data
 * (The relay that proved the tcp-proxy plumbing here now lives in zdp
 * itself, dataplane/proxy.c; tests/integration/test_tcp_proxy.py drives it.)
 * Commands on stdin (one per line):
 *   connect ADDR PORT NBYTES ID   active open; sends NBYTES pattern bytes,
 *                                 shuts down, reads to EOF, prints
 *                                 "CLIENT ID sent=.. sent_sha=.. rcvd=.. rcvd_sha=.. end=.."
 *   stats                         prints "STAT name value" lines and "STATS END"
 *   dump                          zdp_tcp_dump() of live connections
 *   quit
 * Fault injection (ethdev RX/TX callbacks, TCP frames only): --loss drops
 * in both directions, --dup duplicates received frames, --reorder holds a
 * received frame back behind later ones.
 * Neighbours: ARP and ND for our addresses are answered; the peer MAC is
 * learned from what arrives (a tap link has exactly one peer).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "tcp_api.h"

#define BURST 32
#define TXQ 1024

static struct rte_mempool *pool;
static uint16_t port;
static struct rte_ether_addr my_mac, peer_mac;
static bool peer_known;
static struct zdp_addr my4, my6;
static struct zdp_tcp_stack *stk;
static struct rte_mbuf *txbuf[TXQ];
static unsigned ntx;
static uint64_t tx_dropped;
static volatile bool stop;
static double p_loss, p_dup, p_reorder;
static uint64_t f_lost, f_dup, f_reord;

/* ---------- fault injection ---------- */

static bool
is_tcp_frame(struct rte_mbuf *m)
{
	const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const uint8_t *ip = (const uint8_t *)(e + 1);

	if (m->data_len < 14 + 40)
		return false;
	if (e->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return ip[9] == IPPROTO_TCP;
	if (e->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
		return ip[6] == IPPROTO_TCP;
	return false;
}

static bool
chance(double pct)
{
	return pct > 0 && (double)(rte_rand() % 1000000) < pct * 10000.0;
}

#define HOLD_MAX 8
static struct rte_mbuf *held[HOLD_MAX];
static unsigned nheld;
static unsigned held_age;

static uint16_t
rx_fault(uint16_t p, uint16_t q, struct rte_mbuf **pkts, uint16_t n, uint16_t max, void *u)
{
	struct rte_mbuf *out[BURST * 2 + HOLD_MAX];
	unsigned k = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (!is_tcp_frame(m)) {
			out[k++] = m;
			continue;
		}
		if (chance(p_loss)) {
			f_lost++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (nheld < HOLD_MAX && chance(p_reorder)) {
			f_reord++;
			held[nheld++] = m;
			held_age = 0;
			continue;
		}
		out[k++] = m;
		if (chance(p_dup)) {
			struct rte_mbuf *d = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);

			if (d) {
				f_dup++;
				out[k++] = d;
			}
		}
	}
	/* release held frames behind at least one later frame, or after a
	 * while so they are delayed, not lost */
	if (nheld && (k > 0 || ++held_age > 2000)) {
		for (unsigned i = 0; i < nheld; i++)
			out[k++] = held[i];
		nheld = 0;
	}
	if (k > max) {
		for (unsigned i = max; i < k; i++)
			rte_pktmbuf_free(out[i]);
		k = max;
	}
	memcpy(pkts, out, k * sizeof(out[0]));
	return (uint16_t)k;
}

/* A TX callback must not free what it drops: rte_eth_tx_burst's caller
 * owns every packet past the returned count. Dropped frames are moved to
 * the end of the array, so tx_flush() frees them with the unsent ones. */
static uint16_t
tx_fault(uint16_t p, uint16_t q, struct rte_mbuf **pkts, uint16_t n, void *u)
{
	struct rte_mbuf *drop[TXQ];
	uint16_t k = 0, d = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (is_tcp_frame(pkts[i]) && chance(p_loss)) {
			f_lost++;
			drop[d++] = pkts[i];
			continue;
		}
		pkts[k++] = pkts[i];
	}
	memcpy(pkts + k, drop, d * sizeof(drop[0]));
	return k;
}

/* ---------- L2 ---------- */

static void
tx_queue(struct rte_mbuf *m)
{
	if (ntx == TXQ) {
		tx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	txbuf[ntx++] = m;
}

static void
tx_flush(void)
{
	unsigned off = 0;

	/* one call per burst: what the PMD (or the fault hook) did not take
	 * is ours to free — never resubmitted */
	while (off < ntx) {
		unsigned n = RTE_MIN(ntx - off, 512u);
		unsigned sent = rte_eth_tx_burst(port, 0, txbuf + off, (uint16_t)n);

		for (unsigned i = sent; i < n; i++)
			rte_pktmbuf_free(txbuf[off + i]);
		tx_dropped += n - sent;	/* fault-injected drops included */
		off += n;
	}
	ntx = 0;
}

/* The stack's output: a complete IP packet; add Ethernet. */
static void
stack_tx(void *ctx, struct rte_mbuf *m)
{
	struct rte_ether_hdr *e;
	uint8_t v = *rte_pktmbuf_mtod(m, uint8_t *) >> 4;

	if (!peer_known) {
		tx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	e = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*e));
	if (!e) {
		tx_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	e->dst_addr = peer_mac;
	e->src_addr = my_mac;
	e->ether_type = rte_cpu_to_be_16(v == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	m->l2_len = sizeof(*e);
	tx_queue(m);
}

static void
handle_arp(struct rte_mbuf *m)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);
	uint32_t tip;

	if (m->data_len < sizeof(*e) + sizeof(*a) ||
	    a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		rte_pktmbuf_free(m);
		return;
	}
	tip = a->arp_data.arp_tip;
	if (tip != zdp_addr_v4(&my4)) {
		rte_pktmbuf_free(m);
		return;
	}
	peer_mac = a->arp_data.arp_sha;
	peer_known = true;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = my_mac;
	a->arp_data.arp_sip = tip;
	e->dst_addr = e->src_addr;
	e->src_addr = my_mac;
	tx_queue(m);
}

static uint16_t
icmp6_csum(const uint8_t *src, const uint8_t *dst, const uint8_t *icmp, uint32_t len)
{
	uint32_t sum = 0;

	for (int i = 0; i < 16; i += 2)
		sum += (uint32_t)(src[i] << 8 | src[i + 1]) + (uint32_t)(dst[i] << 8 | dst[i + 1]);
	sum += len + 58;
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(icmp[i] << 8 | icmp[i + 1]);
	if (len & 1)
		sum += (uint32_t)icmp[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Neighbour Solicitation for our address -> Neighbour Advertisement. */
static void
handle_nd(struct rte_mbuf *m)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint8_t *ip = (uint8_t *)(e + 1), *icmp = ip + 40;
	struct rte_mbuf *r;
	uint8_t *p, *ri;
	uint16_t ck;

	if (m->data_len < 14 + 40 + 24 || icmp[0] != 135 || memcmp(icmp + 8, my6.a, 16) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	peer_mac = e->src_addr;
	peer_known = true;
	r = rte_pktmbuf_alloc(pool);
	if (!r) {
		rte_pktmbuf_free(m);
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(r, 14 + 40 + 32);
	if (!p) {
		rte_pktmbuf_free(r);
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(p, &e->src_addr, 6);
	memcpy(p + 6, &my_mac, 6);
	p[12] = 0x86;
	p[13] = 0xdd;
	ri = p + 14;
	memset(ri, 0, 40);
	ri[0] = 0x60;
	ri[5] = 32;
	ri[6] = 58;
	ri[7] = 255;
	memcpy(ri + 8, my6.a, 16);
	/* reply to the solicitor, or all-nodes for DAD */
	if (ip[8] == 0 && memcmp(ip + 8, ip + 9, 15) == 0) {
		static const uint8_t all[16] = { 0xff, 0x02, [15] = 1 };

		memcpy(ri + 24, all, 16);
	} else {
		memcpy(ri + 24, ip + 8, 16);
	}
	p = ri + 40;
	memset(p, 0, 32);
	p[0] = 136;
	p[4] = 0x60;	/* Solicited | Override */
	memcpy(p + 8, my6.a, 16);
	p[24] = 2;	/* target link-layer address */
	p[25] = 1;
	memcpy(p + 26, &my_mac, 6);
	ck = icmp6_csum(ri + 8, ri + 24, p, 32);
	p[2] = ck >> 8;
	p[3] = ck & 0xff;
	rte_pktmbuf_free(m);
	tx_queue(r);
}

static void
rx_one(struct rte_mbuf *m, uint64_t now)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint16_t et = rte_be_to_cpu_16(e->ether_type);
	const uint8_t *ip = (const uint8_t *)(e + 1);

	if (et == RTE_ETHER_TYPE_ARP) {
		handle_arp(m);
		return;
	}
	if (et == RTE_ETHER_TYPE_IPV4 && m->data_len >= 34 && ip[9] == IPPROTO_TCP &&
	    memcmp(ip + 16, my4.a, 4) == 0) {
		peer_mac = e->src_addr;
		peer_known = true;
		rte_pktmbuf_adj(m, 14);
		zdp_tcp_input_ip(stk, m, now);
		return;
	}
	/* ICMP errors for the stack (path MTU): checksum verified here, as
	 * zdp_tcp_icmp_input() expects */
	if (et == RTE_ETHER_TYPE_IPV4 && m->data_len >= 14 + 20 + 8 && ip[9] == IPPROTO_ICMP &&
	    memcmp(ip + 16, my4.a, 4) == 0) {
		uint32_t hl = (ip[0] & 0xfu) * 4u, tot = (uint32_t)ip[2] << 8 | ip[3];

		if (hl >= 20 && tot > hl + 8 && 14 + tot <= m->data_len &&
		    rte_raw_cksum(ip + hl, tot - hl) == 0xffff)
			zdp_tcp_icmp_input(stk, ZDP_AF_INET, ip + hl, tot - hl);
		rte_pktmbuf_free(m);
		return;
	}
	if (et == RTE_ETHER_TYPE_IPV6 && m->data_len >= 54) {
		if (ip[6] == 58 && m->data_len >= 14 + 40 + 1 && ip[40] == 135) {
			handle_nd(m);
			return;
		}
		if (ip[6] == 58 && ip[40] == 2 && memcmp(ip + 24, my6.a, 16) == 0) {
			uint32_t plen = (uint32_t)ip[4] << 8 | ip[5];

			if (plen >= 8 && 14 + 40 + plen <= m->data_len &&
			    icmp6_csum(ip + 8, ip + 24, ip + 40, plen) == 0)
				zdp_tcp_icmp_input(stk, ZDP_AF_INET6, ip + 40, plen);
			rte_pktmbuf_free(m);
			return;
		}
		if (ip[6] == IPPROTO_TCP && memcmp(ip + 24, my6.a, 16) == 0) {
			peer_mac = e->src_addr;
			peer_known = true;
			rte_pktmbuf_adj(m, 14);
			zdp_tcp_input_ip(stk, m, now);
			return;
		}
	}
	rte_pktmbuf_free(m);
}

/* ---------- applications ---------- */

enum app_kind { APP_ECHO, APP_SINK, APP_SOURCE, APP_RESET, APP_CLIENT };

struct app {
	enum app_kind kind;
	struct zdp_tcp_conn *c;
	struct rte_mbuf *pend;		/* echo: data not yet accepted by send */
	uint32_t pend_len;
	bool peer_fin, closed;
	EVP_MD_CTX *rx_md, *tx_md;
	uint64_t rx_bytes, tx_bytes, tx_total;
	char line[64];
	unsigned line_len;
	bool tx_done;
	int id;
	char after[64];
	unsigned after_len;
};

#define MAX_APPS 65536
static struct app apps[MAX_APPS];
static struct app *free_apps[MAX_APPS];
static unsigned n_free_apps;

static struct app *
app_new(enum app_kind k)
{
	struct app *a;

	if (!n_free_apps)
		return NULL;
	a = free_apps[--n_free_apps];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	return a;
}

static void
hex(const unsigned char *d, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void
md_final(EVP_MD_CTX **md, char out[65])
{
	unsigned char d[32];
	unsigned n = 0;

	if (!*md) {
		*md = EVP_MD_CTX_new();
		EVP_DigestInit_ex(*md, EVP_sha256(), NULL);
	}
	EVP_DigestFinal_ex(*md, d, &n);
	EVP_MD_CTX_free(*md);
	*md = NULL;
	hex(d, 32, out);
}

static void
md_update_chain(EVP_MD_CTX **md, const struct rte_mbuf *m)
{
	if (!*md) {
		*md = EVP_MD_CTX_new();
		EVP_DigestInit_ex(*md, EVP_sha256(), NULL);
	}
	for (; m; m = m->next)
		EVP_DigestUpdate(*md, rte_pktmbuf_mtod(m, const void *), m->data_len);
}

static void
app_free(struct app *a)
{
	if (a->pend)
		rte_pktmbuf_free(a->pend);
	if (a->rx_md)
		EVP_MD_CTX_free(a->rx_md);
	if (a->tx_md)
		EVP_MD_CTX_free(a->tx_md);
	a->pend = NULL;
	a->rx_md = a->tx_md = NULL;
	free_apps[n_free_apps++] = a;
}

static void
app_close(struct app *a)
{
	if (a->closed)
		return;
	a->closed = true;
	zdp_tcp_close(a->c);
	app_free(a);
}

static void print_client(struct app *a, const char *end);

static uint8_t
pat(uint64_t off)
{
	return (uint8_t)(off * 131 + (off >> 9) + (off >> 17));
}

/* Source/client: queue pattern bytes until the send buffer pushes back. */
static void
pump(struct app *a)
{
	while (a->tx_bytes < a->tx_total) {
		uint32_t room = zdp_tcp_send_space(a->c);
		struct rte_mbuf *head = NULL;
		uint32_t chunk = 0;

		if (!room)
			return;
		while (chunk < 64 * 1024 && a->tx_bytes + chunk < a->tx_total) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
			uint32_t n = (uint32_t)RTE_MIN((uint64_t)2048,
						       a->tx_total - a->tx_bytes - chunk);
			uint8_t *d;

			if (!m)
				break;
			d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
			for (uint32_t i = 0; i < n; i++)
				d[i] = pat(a->tx_bytes + chunk + i);
			if (!head)
				head = m;
			else if (rte_pktmbuf_chain(head, m) != 0) {
				rte_pktmbuf_free(m);
				break;
			}
			chunk += n;
		}
		if (!head)
			return;
		{
			struct rte_mbuf *keep = head;
			int rc;

			if (!a->tx_md) {
				a->tx_md = EVP_MD_CTX_new();
				EVP_DigestInit_ex(a->tx_md, EVP_sha256(), NULL);
			}
			rc = zdp_tcp_send(a->c, head);
			if (rc == -EAGAIN) {
				rte_pktmbuf_free(keep);
				return;
			}
			if (rc != 0) {
				rte_pktmbuf_free(keep);
				return;
			}
			/* hash what was queued (the stack owns it now, but it
			 * is not freed before it is acknowledged) */
			(void)keep;
			for (uint64_t i = 0; i < chunk;) {
				uint8_t b[2048];
				uint32_t n = (uint32_t)RTE_MIN((uint64_t)sizeof(b), chunk - i);

				for (uint32_t j = 0; j < n; j++)
					b[j] = pat(a->tx_bytes + i + j);
				EVP_DigestUpdate(a->tx_md, b, n);
				i += n;
			}
			a->tx_bytes += chunk;
		}
	}
	if (!a->tx_done) {
		a->tx_done = true;
		zdp_tcp_shutdown(a->c);
	}
	/* the peer closed first (half-close): finish once our side is out */
	if (a->kind == APP_CLIENT && a->peer_fin && !a->closed) {
		print_client(a, "eof");
		app_close(a);
	}
}

static void
echo_flush(struct app *a)
{
	while (a->pend) {
		struct rte_mbuf *m = a->pend;
		uint32_t len = m->pkt_len;
		int rc = zdp_tcp_send(a->c, m);

		if (rc == -EAGAIN)
			return;
		a->pend = NULL;
		a->pend_len = 0;
		if (rc != 0)
			rte_pktmbuf_free(m);
		zdp_tcp_recv_consumed(a->c, len);
	}
	if (a->peer_fin)
		app_close(a);
}

static void *
on_accept(struct zdp_tcp_conn *c, void *lu)
{
	struct app *a = app_new((enum app_kind)(uintptr_t)lu);

	if (!a)
		return NULL;
	a->c = c;
	return a;
}

static void
print_client(struct app *a, const char *end)
{
	char rs[65], ts[65];

	md_final(&a->rx_md, rs);
	md_final(&a->tx_md, ts);
	printf("CLIENT %d sent=%" PRIu64 " sent_sha=%s rcvd=%" PRIu64 " rcvd_sha=%s end=%s\n",
	       a->id, a->tx_bytes, ts, a->rx_bytes, rs, end);
	fflush(stdout);
}

static void
on_connected(struct zdp_tcp_conn *c, void *u)
{
	(void)c;
	pump(u);
}

static void
on_readable(struct zdp_tcp_conn *c, void *u, struct rte_mbuf *m, uint32_t len)
{
	struct app *a = u;

	a->rx_bytes += len;
	switch (a->kind) {
	case APP_ECHO:
		if (!a->pend) {
			a->pend = m;
		} else if (rte_pktmbuf_chain(a->pend, m) != 0) {
			/* chain full: drop the connection rather than data */
			rte_pktmbuf_free(m);
			zdp_tcp_abort(c);
			app_free(a);
			return;
		}
		echo_flush(a);
		return;
	case APP_SINK:
		md_update_chain(&a->rx_md, m);
		break;
	case APP_RESET:
		rte_pktmbuf_free(m);
		printf("RESET sent\n");
		fflush(stdout);
		a->closed = true;
		zdp_tcp_abort(c);
		app_free(a);
		return;
	case APP_SOURCE:
		for (const struct rte_mbuf *s = m; s; s = s->next) {
			const char *d = rte_pktmbuf_mtod(s, const char *);

			for (unsigned i = 0; i < s->data_len; i++) {
				if (!a->tx_total && !a->tx_done) {
					if (d[i] == '\n' || a->line_len == sizeof(a->line) - 1) {
						a->line[a->line_len] = 0;
						a->tx_total = strtoull(a->line, NULL, 10);
						if (!a->tx_total) {
							a->tx_done = true;
							zdp_tcp_shutdown(c);
						}
					} else {
						a->line[a->line_len++] = d[i];
					}
				} else if (a->after_len < sizeof(a->after) - 1) {
					a->after[a->after_len++] = d[i];
				}
			}
		}
		rte_pktmbuf_free(m);
		zdp_tcp_recv_consumed(c, len);
		if (a->tx_total && !a->tx_done)
			pump(a);
		return;
	case APP_CLIENT:
		md_update_chain(&a->rx_md, m);
		break;
	}
	rte_pktmbuf_free(m);
	zdp_tcp_recv_consumed(c, len);
}

static void
on_writable(struct zdp_tcp_conn *c, void *u)
{
	struct app *a = u;

	if (a->kind == APP_ECHO)
		echo_flush(a);
	else if (a->kind == APP_SOURCE || a->kind == APP_CLIENT)
		pump(a);
}

static void
on_peer_closed(struct zdp_tcp_conn *c, void *u)
{
	struct app *a = u;
	char sha[66];

	a->peer_fin = true;
	switch (a->kind) {
	case APP_ECHO:
		if (!a->pend)
			app_close(a);
		return;
	case APP_SINK: {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		md_final(&a->rx_md, sha);
		printf("SINK bytes=%" PRIu64 " sha=%s\n", a->rx_bytes, sha);
		fflush(stdout);
		if (m) {
			sha[64] = '\n';
			memcpy(rte_pktmbuf_append(m, 65), sha, 65);
			if (zdp_tcp_send(c, m) != 0)
				rte_pktmbuf_free(m);
		}
		app_close(a);
		return;
	}
	case APP_SOURCE:
		a->after[a->after_len] = 0;
		md_final(&a->tx_md, sha);
		printf("SOURCE sent=%" PRIu64 " sha=%s after_eof=\"%s\"\n", a->tx_bytes, sha,
		       a->after);
		fflush(stdout);
		app_close(a);
		return;
	case APP_CLIENT:
		if (a->tx_done) {
			print_client(a, "eof");
			app_close(a);
		}
		return;
	default:
		app_close(a);
	}
}

static void
on_reset(struct zdp_tcp_conn *c, void *u)
{
	struct app *a = u;

	if (a->kind == APP_CLIENT)
		print_client(a, "reset");
	app_close(a);
}

static void
on_error(struct zdp_tcp_conn *c, void *u, int err)
{
	struct app *a = u;
	char end[32];

	if (a->kind == APP_CLIENT) {
		snprintf(end, sizeof(end), "error:%d", -err);
		print_client(a, end);
	}
	app_close(a);
}

/* ---------- control ---------- */

static void
print_stats(void)
{
	const uint64_t *ctr = zdp_tcp_stack_counters(stk);

	for (int i = 0; i < ZDP_TCP_CTR_MAX; i++)
		printf("STAT %s %" PRIu64 "\n", zdp_tcp_counter_name(i), ctr[i]);
	printf("STAT conns_in_use %u\n", zdp_tcp_stack_conns_in_use(stk));
	printf("STAT fault_lost %" PRIu64 "\nSTAT fault_dup %" PRIu64 "\nSTAT fault_reordered %" PRIu64 "\n",
	       f_lost, f_dup, f_reord);
	printf("STAT tx_dropped %" PRIu64 "\n", tx_dropped);
	{
		struct rte_eth_stats es;

		if (rte_eth_stats_get(port, &es) == 0)
			printf("STAT port_opackets %" PRIu64 "\nSTAT port_oerrors %" PRIu64
			       "\nSTAT port_ipackets %" PRIu64 "\nSTAT port_imissed %" PRIu64
			       "\nSTAT port_ierrors %" PRIu64 "\n", es.opackets, es.oerrors,
			       es.ipackets, es.imissed, es.ierrors);
	}
	printf("STAT mbufs_in_use %u\n", rte_mempool_in_use_count(pool));
	printf("STATS END\n");
	fflush(stdout);
}

static void
command(char *line, uint64_t now)
{
	char addr[64];
	unsigned port_no;
	unsigned long long n;
	int id;

	if (sscanf(line, "connect %63s %u %llu %d", addr, &port_no, &n, &id) == 4) {
		struct zdp_addr ra;
		struct app *a = app_new(APP_CLIENT);
		int rc;

		if (!a || zdp_addr_parse(addr, &ra) != 0) {
			printf("CLIENT %d end=error:bad-args\n", id);
			if (a)
				free_apps[n_free_apps++] = a;
			fflush(stdout);
			return;
		}
		a->id = id;
		a->tx_total = n;
		rc = zdp_tcp_connect(stk, ra.family == ZDP_AF_INET6 ? &my6 : &my4, 0, &ra,
				     (uint16_t)port_no, a, now, &a->c);
		if (rc) {
			printf("CLIENT %d end=error:connect%d\n", id, rc);
			free_apps[n_free_apps++] = a;
			fflush(stdout);
		}
		if (!n && !rc)
			a->tx_done = false;
	} else if (strncmp(line, "stats", 5) == 0) {
		print_stats();
	} else if (strncmp(line, "dump", 4) == 0) {
		zdp_tcp_dump(stk, stdout);
		printf("DUMP END\n");
		fflush(stdout);
	} else if (strncmp(line, "quit", 4) == 0) {
		stop = true;
	}
}

static char cmdbuf[4096];
static size_t cmdlen;

static void
poll_stdin(uint64_t now)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	ssize_t r;
	char *nl;

	if (poll(&pfd, 1, 0) <= 0)
		return;
	r = read(0, cmdbuf + cmdlen, sizeof(cmdbuf) - 1 - cmdlen);
	if (r <= 0) {
		stop = true;	/* stdin closed: the test is gone */
		return;
	}
	cmdlen += (size_t)r;
	cmdbuf[cmdlen] = 0;
	while ((nl = strchr(cmdbuf, '\n')) != NULL) {
		*nl = 0;
		command(cmdbuf, now);
		cmdlen -= (size_t)(nl + 1 - cmdbuf);
		memmove(cmdbuf, nl + 1, cmdlen + 1);
	}
}

static void
on_signal(int s)
{
	stop = true;
}

int
main(int argc, char **argv)
{
	struct rte_eth_conf conf;
	struct zdp_tcp_stack_params p;
	struct zdp_tcp_listener *l;
	static const struct { uint16_t port; enum app_kind k; } svc[] = {
		{ 7, APP_ECHO }, { 9, APP_SINK }, { 19, APP_SOURCE }, { 13, APP_RESET },
	};
	const char *cc = "cubic";
	uint32_t max_conns = 32768, rcv_buf = 1024 * 1024;
	uint16_t backlog = 256;
	bool tx_copy = false;
	uint64_t seed = 1, last_cmd = 0, hz;
	int ret, opt;
	static const struct option lopts[] = {
		{ "ip4", 1, 0, '4' }, { "ip6", 1, 0, '6' }, { "loss", 1, 0, 'l' },
		{ "dup", 1, 0, 'd' }, { "reorder", 1, 0, 'r' }, { "seed", 1, 0, 's' },
		{ "cc", 1, 0, 'c' }, { "max-conns", 1, 0, 'm' }, { "rcv-buf", 1, 0, 'b' },
		{ "backlog", 1, 0, 'k' }, { "tx-copy", 0, 0, 'y' }, { 0, 0, 0, 0 },
	};

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	zdp_addr_parse("198.18.200.1", &my4);
	zdp_addr_parse("2001:2:0:200::1", &my6);
	while ((opt = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (opt) {
		case '4': zdp_addr_parse(optarg, &my4); break;
		case '6': zdp_addr_parse(optarg, &my6); break;
		case 'l': p_loss = atof(optarg); break;
		case 'd': p_dup = atof(optarg); break;
		case 'r': p_reorder = atof(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'c': cc = optarg; break;
		case 'm': max_conns = (uint32_t)atoi(optarg); break;
		case 'b': rcv_buf = (uint32_t)atoi(optarg); break;
		case 'k': backlog = (uint16_t)atoi(optarg); break;
		case 'y': tx_copy = true; break;
		default:
			fprintf(stderr, "bad option\n");
			return 1;
		}
	}
	rte_srand(seed);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, "no port (need --vdev net_tap0,iface=...)\n");
		return 1;
	}
	port = 0;
	pool = rte_pktmbuf_pool_create("mb", 65535, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (!pool) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), NULL, pool) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, 1024, rte_eth_dev_socket_id(port), NULL) < 0 ||
	    rte_eth_dev_start(port) < 0) {
		fprintf(stderr, "port setup failed\n");
		return 1;
	}
	rte_eth_macaddr_get(port, &my_mac);
	rte_eth_add_rx_callback(port, 0, rx_fault, NULL);
	rte_eth_add_tx_callback(port, 0, tx_fault, NULL);

	for (unsigned i = 0; i < MAX_APPS; i++)
		free_apps[n_free_apps++] = &apps[MAX_APPS - 1 - i];
	hz = rte_get_tsc_hz();
	zdp_tcp_stack_params_default(&p);
	p.socket_id = (int)rte_socket_id();
	p.max_conns = max_conns;
	p.reass_nodes = 65536;
	p.tsc_hz = hz;
	p.pool = pool;
	p.tx = stack_tx;
	p.cc = strcmp(cc, "newreno") == 0 ? ZDP_TCP_CC_NEWRENO : ZDP_TCP_CC_CUBIC;
	p.cb.on_accept = on_accept;
	p.cb.on_connected = on_connected;
	p.cb.on_readable = on_readable;
	p.cb.on_writable = on_writable;
	p.cb.on_peer_closed = on_peer_closed;
	p.cb.on_reset = on_reset;
	p.cb.on_error = on_error;
	p.rcv_buf = rcv_buf;
	p.snd_buf = 1024 * 1024;
	p.syn_backlog = backlog;
	p.tx_copy = tx_copy;
	stk = zdp_tcp_stack_create(&p);
	if (!stk) {
		fprintf(stderr, "stack create failed\n");
		return 1;
	}
	for (unsigned i = 0; i < RTE_DIM(svc); i++) {
		struct zdp_addr any4 = { .family = ZDP_AF_INET }, any6 = { .family = ZDP_AF_INET6 };

		zdp_tcp_listen(stk, &any4, svc[i].port, (void *)(uintptr_t)svc[i].k, &l);
		zdp_tcp_listen(stk, &any6, svc[i].port, (void *)(uintptr_t)svc[i].k, &l);
	}
	printf("READY mac=%02x:%02x:%02x:%02x:%02x:%02x\n", my_mac.addr_bytes[0],
	       my_mac.addr_bytes[1], my_mac.addr_bytes[2], my_mac.addr_bytes[3],
	       my_mac.addr_bytes[4], my_mac.addr_bytes[5]);
	fflush(stdout);

	while (!stop) {
		struct rte_mbuf *pk[BURST];
		uint64_t now = rte_rdtsc();
		uint16_t n = rte_eth_rx_burst(port, 0, pk, BURST);

		for (uint16_t i = 0; i < n; i++)
			rx_one(pk[i], now);
		zdp_tcp_poll(stk, now);
		tx_flush();
		if (now - last_cmd > hz / 1000) {
			last_cmd = now;
			poll_stdin(now);
		}
		if (!n && !ntx)
			rte_pause();
	}
	print_stats();
	zdp_tcp_stack_destroy(stk);
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	rte_eal_cleanup();
	return 0;
}
