/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_test_util.h — harness for the TCP unit tests: EAL with --no-huge, a
 * captured TX path that parses (and checksum-verifies) every segment the
 * stack emits, and a scripted peer that injects segments with chosen
 * fields and options. Time is injected: tsc_hz = 1e6, so now is in µs.
 */
#ifndef TCP_TEST_UTIL_H
#define TCP_TEST_UTIL_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "tcp_priv.h"
#include "zdp_test.h"
#include "../zdp_eal_test.h"

static struct rte_mempool *t_pool;

static __rte_unused int
t_eal_init(const char *name)
{
	char prefix[64];
	char *argv[] = { (char *)"test", (char *)"--no-huge", (char *)"-m", (char *)"256",
			 (char *)"--no-pci", (char *)"--file-prefix", prefix,
			 (char *)"--log-level", (char *)"lib.eal:error",
			 (char *)"--no-telemetry", NULL };

	snprintf(prefix, sizeof(prefix), "%s_%d", name, (int)getpid());
	if (rte_eal_init(10, argv) < 0)
		return -1;
	t_pool = rte_pktmbuf_pool_create("t_pool", 16383, 0, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return t_pool ? 0 : -1;
}

/* ---- captured output ---- */
struct t_out {
	struct zdp_tcp_seg s;
	uint8_t data[2048];
	uint32_t dlen;
	int family;
	bool csum_ok;
	bool offloaded;
	uint8_t l3_len, l4_len;
};
#define T_MAXOUT 512
static struct t_out t_outq[T_MAXOUT];
static int t_nout;

/* TSO packets seen, and those whose header broke DPDK's TSO contract */
static int t_tso_pkts, t_tso_bad, t_tso_segs;	/* t_tso_segs: segments cut */
static unsigned t_tso_nsegs_max;	/* most mbufs in one TSO packet */

static void t_tx(void *ctx, struct rte_mbuf *m);

/* Play a NIC with TSO: cut @m (RTE_MBUF_F_TX_TCP_SEG) into segments of
 * tso_segsz payload bytes, each with the header copied, its own sequence
 * number and IP length, PSH and FIN on the last one only, and checksums
 * (offloaded to t_tx, which fills and checks them); capture each. */
static __rte_unused void
t_tx_tso(struct rte_mbuf *m)
{
	unsigned l3 = m->l3_len, hl = m->l3_len + m->l4_len;
	uint32_t plen = m->pkt_len - hl, seg = m->tso_segsz, seq0;
	uint8_t hb[120];
	const uint8_t *h = rte_pktmbuf_read(m, 0, hl, hb);
	bool v6 = h && (h[0] >> 4) == 6;
	uint16_t ck;

	t_tso_pkts++;
	t_tso_nsegs_max = RTE_MAX(t_tso_nsegs_max, (unsigned)m->nb_segs);
	/* the checksum field: the pseudo-header sum without the length */
	memcpy(&ck, h + l3 + 16, 2);
	if (!h || hl > sizeof(hb) || seg == 0 || plen <= seg || l3 != (v6 ? 40u : 20u) ||
	    ck != (v6 ? rte_ipv6_phdr_cksum((const struct rte_ipv6_hdr *)h, m->ol_flags) :
		       rte_ipv4_phdr_cksum((const struct rte_ipv4_hdr *)h, m->ol_flags)) ||
	    !(m->ol_flags & (v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4))) {
		t_tso_bad++;
		rte_pktmbuf_free(m);
		return;
	}
	memcpy(&seq0, h + l3 + 4, 4);
	seq0 = rte_be_to_cpu_32(seq0);
	for (uint32_t off = 0; off < plen; off += seg) {
		uint32_t n = RTE_MIN(seg, plen - off);
		struct rte_mbuf *s = rte_pktmbuf_alloc(t_pool);
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(s, (uint16_t)(hl + n));
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + l3);
		const void *p;

		memcpy(d, h, hl);
		p = rte_pktmbuf_read(m, hl + off, n, d + hl);
		if (p != d + hl)
			memcpy(d + hl, p, n);
		th->sent_seq = rte_cpu_to_be_32(seq0 + off);
		if (off + n < plen)
			th->tcp_flags &= (uint8_t)~(TH_PSH | TH_FIN);
		s->l3_len = m->l3_len;
		s->l4_len = m->l4_len;
		s->ol_flags = RTE_MBUF_F_TX_TCP_CKSUM |
			(v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
		if (v6) {
			struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)d;

			ip->payload_len = rte_cpu_to_be_16((uint16_t)(hl - l3 + n));
			th->cksum = rte_ipv6_phdr_cksum(ip, s->ol_flags);
		} else {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)d;

			ip->total_length = rte_cpu_to_be_16((uint16_t)(hl + n));
			th->cksum = rte_ipv4_phdr_cksum(ip, s->ol_flags);
		}
		t_tso_segs++;
		t_tx(NULL, s);
	}
	rte_pktmbuf_free(m);
}

static __rte_unused void
t_tx(void *ctx, struct rte_mbuf *m)
{
	struct t_out *o = &t_outq[t_nout < T_MAXOUT ? t_nout : T_MAXOUT - 1];
	uint8_t ipb[40], thb[60];
	const uint8_t *ip = rte_pktmbuf_read(m, 0, 20, ipb);
	struct zdp_addr src, dst;
	unsigned l3;
	uint32_t l4len;
	const uint8_t *th;

	if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
		t_tx_tso(m);
		return;
	}
	memset(o, 0, sizeof(*o));
	if (m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM) {
		/* play the NIC: the field holds the pseudo-header sum */
		uint8_t *h = rte_pktmbuf_mtod(m, uint8_t *);
		uint16_t raw = 0, ck;

		o->offloaded = true;
		o->l3_len = m->l3_len;
		o->l4_len = m->l4_len;
		rte_raw_cksum_mbuf(m, m->l3_len, m->pkt_len - m->l3_len, &raw);
		ck = (uint16_t)~raw;
		memcpy(h + m->l3_len + 16, &ck, 2);
		if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
			struct rte_ipv4_hdr *ip4 = (struct rte_ipv4_hdr *)h;

			ip4->hdr_checksum = 0;
			ip4->hdr_checksum = rte_ipv4_cksum(ip4);
		}
	}
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	if ((ip[0] >> 4) == 6) {
		ip = rte_pktmbuf_read(m, 0, 40, ipb);
		l3 = 40;
		src.family = dst.family = ZDP_AF_INET6;
		memcpy(src.a, ip + 8, 16);
		memcpy(dst.a, ip + 24, 16);
		o->family = 6;
		o->csum_ok = true;
	} else {
		l3 = 20;
		src.family = dst.family = ZDP_AF_INET;
		memcpy(src.a, ip + 12, 4);
		memcpy(dst.a, ip + 16, 4);
		o->family = 4;
		o->csum_ok = rte_raw_cksum(ip, 20) == 0xffff;
	}
	l4len = m->pkt_len - l3;
	th = rte_pktmbuf_read(m, l3, RTE_MIN(l4len, 60u), thb);
	zdp_tcp_parse(th, RTE_MIN(l4len, 60u), &o->s);
	o->s.len = l4len - o->s.hlen;
	o->csum_ok = o->csum_ok && zdp_tcp_l4_sum(NULL, m, l3, l4len, &src, &dst) == 0xffff;
	o->dlen = RTE_MIN(o->s.len, (uint32_t)sizeof(o->data));
	if (o->dlen) {
		const void *d = rte_pktmbuf_read(m, l3 + o->s.hlen, o->dlen, o->data);

		if (d != o->data)
			memcpy(o->data, d, o->dlen);
	}
	if (getenv("ZDP_TCP_TRACE"))	/* debugging aid: one line per segment */
		printf("# tx %u->%u flags=%02x seq=%u ack=%u wnd=%u len=%u\n", o->s.sport,
		       o->s.dport, o->s.flags, o->s.seq, o->s.ack, o->s.wnd, o->s.len);
	if (t_nout < T_MAXOUT)
		t_nout++;
	rte_pktmbuf_free(m);
}

static __rte_unused void
t_out_reset(void)
{
	t_nout = 0;
}

/* ---- application side ---- */
struct t_app {
	struct zdp_tcp_conn *accepted, *conn;
	int n_accept, n_connected, n_writable, n_peer_closed, n_reset, n_error, last_err;
	uint8_t rx[1 << 20];
	uint32_t rx_len;
	int n_readable;
	bool refuse;
	bool auto_consume;
};
static struct t_app t_app;

static __rte_unused void *
t_on_accept(struct zdp_tcp_conn *c, void *lu)
{
	if (t_app.refuse)
		return NULL;
	t_app.accepted = c;
	t_app.n_accept++;
	return &t_app;
}

static __rte_unused void
t_on_connected(struct zdp_tcp_conn *c, void *u)
{
	t_app.n_connected++;
}

static __rte_unused void
t_on_readable(struct zdp_tcp_conn *c, void *u, struct rte_mbuf *m, uint32_t len)
{
	uint32_t room = sizeof(t_app.rx) - t_app.rx_len;
	uint32_t n = RTE_MIN(len, room);

	if (m->pkt_len != len)
		printf("# readable: pkt_len %u != len %u\n", m->pkt_len, len);
	if (n) {
		const void *p = rte_pktmbuf_read(m, 0, n, t_app.rx + t_app.rx_len);

		if (p != t_app.rx + t_app.rx_len)
			memcpy(t_app.rx + t_app.rx_len, p, n);
	}
	t_app.rx_len += n;
	t_app.n_readable++;
	rte_pktmbuf_free(m);
	if (t_app.auto_consume)
		zdp_tcp_recv_consumed(c, len);
}

static __rte_unused void
t_on_writable(struct zdp_tcp_conn *c, void *u)
{
	t_app.n_writable++;
}

static __rte_unused void
t_on_peer_closed(struct zdp_tcp_conn *c, void *u)
{
	t_app.n_peer_closed++;
}

static __rte_unused void
t_on_reset(struct zdp_tcp_conn *c, void *u)
{
	t_app.n_reset++;
}

static __rte_unused void
t_on_error(struct zdp_tcp_conn *c, void *u, int err)
{
	t_app.n_error++;
	t_app.last_err = err;
}

static __rte_unused void
t_params(struct zdp_tcp_stack_params *p)
{
	zdp_tcp_stack_params_default(p);
	p->max_conns = 64;
	p->reass_nodes = 256;
	p->pool = t_pool;
	p->tx = t_tx;
	p->cb.on_accept = t_on_accept;
	p->cb.on_connected = t_on_connected;
	p->cb.on_readable = t_on_readable;
	p->cb.on_writable = t_on_writable;
	p->cb.on_peer_closed = t_on_peer_closed;
	p->cb.on_reset = t_on_reset;
	p->cb.on_error = t_on_error;
	memset(p->secret, 0x5a, sizeof(p->secret));
	p->cc = ZDP_TCP_CC_NEWRENO;
}

static __rte_unused struct zdp_tcp_stack *
t_stack(const struct zdp_tcp_stack_params *p)
{
	memset(&t_app, 0, sizeof(t_app));
	t_app.auto_consume = true;
	t_out_reset();
	return zdp_tcp_stack_create(p);
}

/* ---- scripted peer ---- */
struct t_peer {
	struct zdp_addr la, ra;		/* stack address, peer address */
	uint16_t lport, rport;
	bool ts;
	uint32_t tsval, tsecr;
	bool v6;
};

static __rte_unused void
t_peer_init(struct t_peer *p, bool v6)
{
	memset(p, 0, sizeof(*p));
	if (v6) {
		zdp_addr_parse("2001:2:0:200::1", &p->la);
		zdp_addr_parse("2001:2:0:200::2", &p->ra);
	} else {
		zdp_addr_parse("198.18.200.1", &p->la);
		zdp_addr_parse("198.18.200.2", &p->ra);
	}
	p->lport = 80;
	p->rport = 40000;
	p->v6 = v6;
}

static __rte_unused unsigned
t_opt_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	o[4] = tsval >> 24; o[5] = tsval >> 16; o[6] = tsval >> 8; o[7] = tsval;
	o[8] = tsecr >> 24; o[9] = tsecr >> 16; o[10] = tsecr >> 8; o[11] = tsecr;
	return 12;
}

/* Standard SYN options: MSS, SACK-permitted, TS, WS. */
static __rte_unused unsigned
t_opt_syn(uint8_t *o, uint16_t mss, int ws, bool sack, bool ts, uint32_t tsval, uint32_t tsecr)
{
	unsigned n = 0;

	o[n++] = 2; o[n++] = 4; o[n++] = mss >> 8; o[n++] = mss & 0xff;
	if (sack) {
		o[n++] = 1; o[n++] = 1; o[n++] = 4; o[n++] = 2;
	}
	if (ts)
		n += t_opt_ts(o + n, tsval, tsecr);
	if (ws >= 0) {
		o[n++] = 1; o[n++] = 3; o[n++] = 3; o[n++] = (uint8_t)ws;
	}
	return n;
}

static __rte_unused unsigned
t_opt_sack(uint8_t *o, const uint32_t (*b)[2], unsigned n)
{
	unsigned k = 0;

	o[k++] = 1; o[k++] = 1; o[k++] = 5; o[k++] = (uint8_t)(2 + 8 * n);
	for (unsigned i = 0; i < n; i++)
		for (int j = 0; j < 2; j++) {
			uint32_t v = b[i][j];

			o[k++] = v >> 24; o[k++] = v >> 16; o[k++] = v >> 8; o[k++] = v;
		}
	return k;
}

/* Inject one segment. With opts NULL and p->ts, a TS option is added. */
static __rte_unused int
t_send(struct zdp_tcp_stack *stk, struct t_peer *p, uint8_t flags, uint32_t seq, uint32_t ack,
       uint16_t wnd, const void *data, uint32_t len, const uint8_t *opts, unsigned optlen,
       uint64_t now)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);
	uint8_t tso[12];
	struct rte_tcp_hdr *th;
	struct zdp_tcp_l3 l3;
	unsigned hl;

	if (!opts && p->ts) {
		optlen = t_opt_ts(tso, p->tsval, p->tsecr);
		opts = tso;
	}
	hl = 20 + ((optlen + 3) & ~3u);
	/* header + up to 1024 payload bytes in the first mbuf, the rest in a
	 * chain of 1500-byte segments: input must cope with chains */
	th = (struct rte_tcp_hdr *)rte_pktmbuf_append(m, (uint16_t)(hl + RTE_MIN(len, 1024u)));
	memset(th, 0, hl);
	th->src_port = rte_cpu_to_be_16(p->rport);
	th->dst_port = rte_cpu_to_be_16(p->lport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((hl / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	if (optlen) {
		memcpy(th + 1, opts, optlen);
		memset((uint8_t *)(th + 1) + optlen, 1, hl - 20 - optlen);	/* NOP pad */
	}
	if (len) {
		uint32_t first = RTE_MIN(len, 1024u), off = first;

		memcpy((uint8_t *)th + hl, data, first);
		while (off < len) {
			struct rte_mbuf *s = rte_pktmbuf_alloc(t_pool);
			uint32_t k = RTE_MIN(len - off, 1500u);

			memcpy(rte_pktmbuf_append(s, (uint16_t)k), (const uint8_t *)data + off, k);
			rte_pktmbuf_chain(m, s);
			off += k;
		}
	}
	l3.src = p->ra;
	l3.dst = p->la;
	th->cksum = (uint16_t)~zdp_tcp_l4_sum(NULL, m, 0, hl + len, &l3.src, &l3.dst);
	return zdp_tcp_input(stk, m, &l3, now);
}

static __rte_unused uint8_t
t_pat(uint32_t off)
{
	return (uint8_t)(off * 7 + 3 + (off >> 11));
}

static __rte_unused void
t_fill(uint8_t *b, uint32_t off, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		b[i] = t_pat(off + i);
}

static __rte_unused struct rte_mbuf *
t_mbuf_data(uint32_t off, uint32_t n)
{
	struct rte_mbuf *head = NULL;

	while (n) {
		uint32_t k = RTE_MIN(n, 1500u);
		struct rte_mbuf *m = rte_pktmbuf_alloc(t_pool);
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)k);

		t_fill(d, off, k);
		if (!head)
			head = m;
		else
			rte_pktmbuf_chain(head, m);
		off += k;
		n -= k;
	}
	return head;
}

/* Last captured segment (or NULL). */
static __rte_unused struct t_out *
t_last(void)
{
	return t_nout ? &t_outq[t_nout - 1] : NULL;
}

#endif /* TCP_TEST_UTIL_H */
