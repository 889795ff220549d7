/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_output.c — building segments (IPv4/IPv6 + TCP + options), the send
 * loop (windows, SWS avoidance, SACK-based recovery), ACKs, RSTs, probes.
 *
 * A segment is one header mbuf from params.pool (IP + TCP header, and the
 * payload copied in when small) followed by indirect mbufs attached to the
 * application's send-queue mbufs (zero copy for bulk data). The IP header
 * is complete; the worker prepends L2.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "cksum.h"
#include "tcp_priv.h"

#define COPY_BELOW 512		/* payloads this small are copied, not attached */

struct tx_tuple {
	const struct zdp_addr *laddr, *raddr;
	uint16_t lport, rport;
};

uint16_t
zdp_tcp_mss_for_mtu(const struct zdp_addr *a, uint16_t mtu)
{
	unsigned hdr = (a->family == ZDP_AF_INET6 ? 40 : 20) + 20;

	return mtu > hdr + 64 ? (uint16_t)(mtu - hdr) : 64;
}

void
zdp_tcp_psum_register(struct zdp_tcp_stack *stk)
{
	static const struct rte_mbuf_dynfield field = {
		.name = "zdp_tcp_psum",
		.size = sizeof(struct zdp_tcp_psum),
		.align = __alignof__(struct zdp_tcp_psum),
	};
	static const struct rte_mbuf_dynflag flag = { .name = "zdp_tcp_psum_valid" };
	int bit;

	/* idempotent: the same name gets the same offset and bit */
	stk->psum_off = rte_mbuf_dynfield_register(&field);
	bit = stk->psum_off >= 0 ? rte_mbuf_dynflag_register(&flag) : -1;
	stk->psum_flag = bit >= 0 ? UINT64_C(1) << bit : 0;
}

void
zdp_tcp_psum_set(const struct zdp_tcp_stack *stk, struct rte_mbuf *m,
		 uint16_t data_off, uint16_t len, uint16_t sum)
{
	struct zdp_tcp_psum *ps;

	if (!stk->psum_flag)
		return;
	ps = RTE_MBUF_DYNFIELD(m, stk->psum_off, struct zdp_tcp_psum *);
	ps->data_off = data_off;
	ps->len = len;
	ps->sum = sum;
	m->ol_flags |= stk->psum_flag;
}

/* The cached payload sum of all of @m's data, if it has a valid one. */
static inline bool
psum_get(const struct zdp_tcp_stack *stk, const struct rte_mbuf *m, uint16_t *sum)
{
	const struct zdp_tcp_psum *ps;

	if (!stk || !(m->ol_flags & stk->psum_flag))
		return false;
	ps = RTE_MBUF_DYNFIELD(m, stk->psum_off, const struct zdp_tcp_psum *);
	if (ps->data_off != m->data_off || ps->len != m->data_len)
		return false;
	*sum = ps->sum;
	return true;
}

/* One's-complement sum of @len bytes at @off of a chain, folded, in memory
 * byte order (cksum.h). A piece that is a whole segment with a cached
 * payload sum (@stk non-NULL) is not read. Not rte_raw_cksum_mbuf(): in
 * DPDK 22.11 it truncates a segment's 32-bit partial sum to 16 bits before
 * byte-swapping it after an odd-length segment, so chains with odd segment
 * lengths (a relay forwarding received segments does that) got wrong
 * checksums. */
static uint16_t
cksum_chain(const struct zdp_tcp_stack *stk, const struct rte_mbuf *m, uint32_t off,
	    uint32_t len)
{
	uint64_t sum = 0;
	uint32_t done = 0;

	while (m && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m && done < len) {
		uint32_t n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		uint16_t part;

		if (off != 0 || n != m->data_len || !psum_get(stk, m, &part))
			part = zdp_cksum_fold(zdp_cksum_add_bulk(
				rte_pktmbuf_mtod_offset(m, const void *, off), n, 0));
		sum = zdp_cksum_add_piece(sum, part, done);
		done += n;
		off = 0;
		m = m->next;
	}
	return zdp_cksum_fold(sum);
}

/* Checksum sum of TCP header+payload at @off in @m with the pseudo-header
 * (RFC 9293 §3.1, RFC 8200 §8.1), folded, in memory byte order: 0xffff
 * when a received segment is intact; store ~result in the header (whose
 * checksum field was 0) to send one. @stk (may be NULL) lends its payload
 * sum cache. */
uint16_t
zdp_tcp_l4_sum(const struct zdp_tcp_stack *stk, const struct rte_mbuf *m, uint32_t off,
	       uint32_t len, const struct zdp_addr *src, const struct zdp_addr *dst)
{
	return zdp_cksum_fold(zdp_cksum_pseudo(src, dst, IPPROTO_TCP, len) +
			      cksum_chain(stk, m, off, len));
}

/* Verifies a received segment's checksum (@plen bytes from @m's start,
 * @hlen of them header). When the segment is one mbuf, the payload's sum is
 * taken apart from the header's and cached for a relay (zdp_tcp_psum_set). */
bool
zdp_tcp_rx_csum_ok(const struct zdp_tcp_stack *stk, struct rte_mbuf *m, uint32_t plen,
		   uint32_t hlen, const struct zdp_addr *src, const struct zdp_addr *dst)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t h;
	uint16_t p;

	if (m->data_len != plen || hlen >= plen || (hlen & 1))
		return zdp_tcp_l4_sum(NULL, m, 0, plen, src, dst) == 0xffff;
	h = zdp_cksum_add(d, hlen, zdp_cksum_pseudo(src, dst, IPPROTO_TCP, plen));
	p = zdp_cksum_fold(zdp_cksum_add_bulk(d + hlen, plen - hlen, 0));
	if (zdp_cksum_fold(h + p) != 0xffff)
		return false;
	zdp_tcp_psum_set(stk, m, (uint16_t)(m->data_off + hlen), (uint16_t)(plen - hlen), p);
	return true;
}

/* Appends options for a SYN or SYN-ACK. Linux order, 4-byte aligned. */
static unsigned
opts_syn(uint8_t *o, uint16_t mss, bool sack, bool ts, uint32_t tsval,
	 uint32_t tsecr, int wscale)
{
	unsigned n = 0;

	o[n++] = TCPOPT_MSS;
	o[n++] = 4;
	o[n++] = mss >> 8;
	o[n++] = mss & 0xff;
	if (sack && ts) {
		o[n++] = TCPOPT_SACK_PERM;
		o[n++] = 2;
	} else if (sack) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_SACK_PERM;
		o[n++] = 2;
	} else if (ts) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
	}
	if (ts) {
		o[n++] = TCPOPT_TS;
		o[n++] = 10;
		tsval = rte_cpu_to_be_32(tsval);
		tsecr = rte_cpu_to_be_32(tsecr);
		memcpy(o + n, &tsval, 4);
		memcpy(o + n + 4, &tsecr, 4);
		n += 8;
	}
	if (wscale >= 0) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_WS;
		o[n++] = 3;
		o[n++] = (uint8_t)wscale;
	}
	return n;
}

static unsigned
opts_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = TCPOPT_NOP;
	o[1] = TCPOPT_NOP;
	o[2] = TCPOPT_TS;
	o[3] = 10;
	tsval = rte_cpu_to_be_32(tsval);
	tsecr = rte_cpu_to_be_32(tsecr);
	memcpy(o + 4, &tsval, 4);
	memcpy(o + 8, &tsecr, 4);
	return 12;
}

static unsigned
opts_sack(uint8_t *o, const uint32_t (*blk)[2], unsigned n)
{
	unsigned k = 0;

	o[k++] = TCPOPT_NOP;
	o[k++] = TCPOPT_NOP;
	o[k++] = TCPOPT_SACK;
	o[k++] = (uint8_t)(2 + 8 * n);
	for (unsigned i = 0; i < n; i++) {
		uint32_t s = rte_cpu_to_be_32(blk[i][0]), e = rte_cpu_to_be_32(blk[i][1]);

		memcpy(o + k, &s, 4);
		memcpy(o + k + 4, &e, 4);
		k += 8;
	}
	return k;
}

/* Find the send-queue mbuf holding sequence number @seq (>= snd_una) and
 * the offset inside it. Uses and refreshes the cursor. NULL when @seq is
 * beyond the queued data. */
struct rte_mbuf *
zdp_tcp_sndq_find(struct zdp_tcp_conn *c, uint32_t seq, uint32_t *off)
{
	struct rte_mbuf *s;
	uint32_t sseq;

	if (c->cur_seg && SEQ_LEQ(c->cur_seq, seq)) {
		s = c->cur_seg;
		sseq = c->cur_seq;
	} else {
		s = c->sndq_head;
		sseq = c->snd_una - c->sndq_off;
	}
	while (s && SEQ_GEQ(seq, sseq + s->data_len)) {
		sseq += s->data_len;
		s = s->next;
	}
	if (!s)
		return NULL;
	c->cur_seg = s;
	c->cur_seq = sseq;
	*off = seq - sseq;
	return s;
}

/* Drop @acked bytes from the front of the send queue. */
void
zdp_tcp_sndq_ack(struct zdp_tcp_conn *c, uint32_t acked)
{
	struct rte_mbuf *s = c->sndq_head;

	if (acked > c->snd_queued)
		acked = c->snd_queued;
	c->snd_queued -= acked;
	acked += c->sndq_off;
	while (s && acked >= s->data_len && (s->data_len || s->next)) {
		struct rte_mbuf *next = s->next;

		acked -= s->data_len;
		if (s == c->cur_seg)
			c->cur_seg = NULL;
		s->next = NULL;
		s->nb_segs = 1;
		rte_pktmbuf_free_seg(s);
		s = next;
	}
	c->sndq_head = s;
	c->sndq_off = acked;
	if (!s) {
		c->sndq_tail = NULL;
		c->sndq_off = 0;
		c->cur_seg = NULL;
	}
}

/* Attach @len payload bytes from the send queue at @seq to @h. */
static int
payload_attach(struct zdp_tcp_conn *c, struct rte_mbuf *h, uint32_t seq, uint32_t len)
{
	struct zdp_tcp_stack *stk = c->stk;
	uint32_t off;
	struct rte_mbuf *s = zdp_tcp_sndq_find(c, seq, &off), *last = h;

	if (len <= COPY_BELOW || stk->p.tx_copy) {
		if (rte_pktmbuf_tailroom(h) >= len) {
			char *d = rte_pktmbuf_append(h, (uint16_t)len);

			while (len && s) {
				uint32_t n = RTE_MIN((uint32_t)s->data_len - off, len);

				memcpy(d, rte_pktmbuf_mtod_offset(s, char *, off), n);
				d += n;
				len -= n;
				s = s->next;
				off = 0;
			}
			return len ? -EINVAL : 0;
		}
	}
	while (len && s) {
		uint32_t n = RTE_MIN((uint32_t)s->data_len - off, len);
		struct rte_mbuf *mi;

		if (n == 0) {
			s = s->next;
			off = 0;
			continue;
		}
		mi = rte_pktmbuf_alloc(stk->p.pool);
		if (!mi)
			return -ENOMEM;
		rte_pktmbuf_attach(mi, s);
		mi->data_off = (uint16_t)(mi->data_off + off);
		mi->data_len = (uint16_t)n;
		mi->pkt_len = n;
		last->next = mi;
		last = mi;
		h->nb_segs++;
		h->pkt_len += n;
		len -= n;
		s = s->next;
		off = 0;
	}
	return len ? -EINVAL : 0;
}

/* Build and emit one segment. @c may be NULL (RST replies, cookie SYN-ACKs)
 * in which case no payload can be attached. */
static int
xmit(struct zdp_tcp_stack *stk, struct zdp_tcp_conn *c, const struct tx_tuple *t,
     uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
     const uint8_t *opts, unsigned optlen, uint32_t plen)
{
	bool v6 = t->laddr->family == ZDP_AF_INET6;
	unsigned l3 = v6 ? 40 : 20, l4 = 20 + optlen;
	/* segments on the wire: more than one only for a TSO packet */
	uint32_t nseg = c && plen > c->mss ? (plen + c->mss - 1) / c->mss : 1;
	struct rte_mbuf *h = rte_pktmbuf_alloc(stk->p.pool);
	struct rte_tcp_hdr *th;
	uint8_t *p;

	if (!h) {
		CTR_INC(stk, DROP_NO_MBUF);
		return -ENOMEM;
	}
	p = (uint8_t *)rte_pktmbuf_append(h, (uint16_t)(l3 + l4));
	if (!p) {
		rte_pktmbuf_free(h);
		return -ENOMEM;
	}
	if (plen && payload_attach(c, h, seq, plen) != 0) {
		rte_pktmbuf_free(h);
		CTR_INC(stk, DROP_NO_MBUF);
		return -ENOMEM;
	}
	th = (struct rte_tcp_hdr *)(p + l3);
	th->src_port = rte_cpu_to_be_16(t->lport);
	th->dst_port = rte_cpu_to_be_16(t->rport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((l4 / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (optlen)
		memcpy(th + 1, opts, optlen);

	if (v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(l4 + plen));
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, t->laddr->a, 16);
		memcpy(ip->dst_addr, t->raddr->a, 16);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->version_ihl = 0x45;
		ip->type_of_service = 0;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3 + l4 + plen));
		ip->packet_id = 0;
		/* DF: we do PMTU discovery (MSS clamp), never fragment */
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->hdr_checksum = 0;
		memcpy(&ip->src_addr, t->laddr->a, 4);
		memcpy(&ip->dst_addr, t->raddr->a, 4);
	}
	h->l3_len = l3;
	h->l4_len = l4;
	if (nseg > 1) {
		/* TSO (only send_new sends more than an MSS, and only with
		 * params.tso_max): the device, or the worker (gso.h), cuts
		 * tso_segsz-byte segments and fills each one's lengths and
		 * checksums from this pseudo-header sum without length */
		h->ol_flags |= RTE_MBUF_F_TX_TCP_SEG |
			(v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
		h->tso_segsz = c->mss;
		th->cksum = zdp_cksum_fold(zdp_cksum_pseudo(t->laddr, t->raddr, IPPROTO_TCP, 0));
		CTR_INC(stk, TSO_OUT);
		CTR_ADD(stk, SEGS_OUT, nseg - 1);
	} else if (stk->p.tx_csum_offload) {
		h->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM |
			(v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
		th->cksum = zdp_cksum_fold(zdp_cksum_pseudo(t->laddr, t->raddr, IPPROTO_TCP,
							     l4 + plen));
	} else {
		if (!v6) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

			/* from the values just stored, not by reading the
			 * header back: a 16-byte load over those narrower
			 * stores cannot be forwarded and stalls */
			ip->hdr_checksum = (uint16_t)~zdp_cksum_fold(
				zdp_cksum_add(t->laddr->a, 4, zdp_cksum_add(t->raddr->a, 4, 0)) +
				rte_cpu_to_be_16(0x4500) + ip->total_length +
				rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) +
				rte_cpu_to_be_16(64 << 8 | IPPROTO_TCP));
		}
		th->cksum = (uint16_t)~zdp_tcp_l4_sum(stk, h, l3, l4 + plen, t->laddr,
						      t->raddr);
	}
	CTR_INC(stk, SEGS_OUT);
	CTR_ADD(stk, BYTES_OUT, plen);
	if (c) {
		c->segs_out += nseg;
		c->bytes_out += plen;
		if (flags & TH_ACK) {
			c->last_ack_sent = ack;
			c->segs_since_ack = 0;
			c->flags &= ~F_ACK_NOW;
			zdp_tcp_timer_cancel(c, ZDP_TCP_T_DELACK);
		}
	}
	stk->p.tx(stk->p.tx_ctx, h);
	return 0;
}

/* Receive window to announce (unscaled bytes), RFC 9293 §3.8.6.2.2:
 * never shrink the right edge, only move it right by a worthwhile amount
 * (receiver-side SWS avoidance). Updates rcv_adv. */
uint32_t
zdp_tcp_rcv_window(struct zdp_tcp_conn *c)
{
	uint32_t buf = c->stk->p.rcv_buf;
	uint32_t space = buf > c->rcv_held ? buf - c->rcv_held : 0;
	uint32_t edge = c->rcv_nxt + space;
	uint32_t thresh = RTE_MIN(buf / 2, (uint32_t)c->adv_mss);
	uint32_t wnd;

	if (SEQ_LT(edge, c->rcv_adv) || (SEQ_GT(edge, c->rcv_adv) &&
	    edge - c->rcv_adv < thresh && SEQ_GT(c->rcv_adv, c->rcv_nxt)))
		edge = c->rcv_adv;	/* hold the edge */
	wnd = edge - c->rcv_nxt;
	if (SEQ_LT(edge, c->rcv_nxt))
		wnd = 0;
	/* round up to the scale unit so the edge never moves left */
	wnd = (wnd + (1u << c->rcv_wscale) - 1) >> c->rcv_wscale;
	if (wnd > 65535)
		wnd = 65535;
	wnd <<= c->rcv_wscale;
	if (SEQ_GT(c->rcv_nxt + wnd, c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + wnd;
	return wnd;
}

static void
conn_tuple(const struct zdp_tcp_conn *c, struct tx_tuple *t)
{
	t->laddr = &c->laddr;
	t->raddr = &c->raddr;
	t->lport = c->lport;
	t->rport = c->rport;
}

/* A segment of an established connection: ACK, timestamps, SACK. */
static int
xmit_conn(struct zdp_tcp_conn *c, uint32_t seq, uint8_t flags, uint32_t plen)
{
	uint8_t opts[40];
	unsigned optlen = 0;
	struct tx_tuple t;
	uint32_t wnd = 0;
	bool sack_deferred = false, dsack = false;
	int rc;

	conn_tuple(c, &t);
	if (c->flags & F_TS)
		optlen += opts_ts(opts, tcp_ts_now(c), c->ts_recent);
	if ((c->flags & F_SACK) && (c->ooo || c->dsack_len) && !(flags & TH_RST)) {
		uint32_t blk[4][2];
		/* RFC 9293 §3.7.1 / RFC 6691: options count against the
		 * segment size. c->mss already leaves room for timestamps;
		 * SACK blocks only ride where the payload leaves room. */
		uint32_t room = c->mss + ((c->flags & F_TS) ? 12u : 0u) - optlen;
		unsigned max = room > plen + 4 ? (room - plen - 4) / 8 : 0;
		unsigned n;

		max = RTE_MIN(max, (c->flags & F_TS) ? 3u : 4u);
		n = 0;
		if (max && c->dsack_len) {
			/* RFC 2883 §4: a D-SACK goes first */
			blk[0][0] = c->dsack_seq;
			blk[0][1] = c->dsack_seq + c->dsack_len;
			n = 1;
			dsack = true;
		}
		if (max > n)
			n += zdp_tcp_reass_sack_blocks(c, blk + n, max - n);
		n = RTE_MIN(n, max);	/* also tells the compiler opts[] fits */
		if (n)
			optlen += opts_sack(opts + optlen, (const uint32_t (*)[2])blk, n);
		else
			sack_deferred = true;
	}
	if (flags & TH_ACK)
		wnd = zdp_tcp_rcv_window(c) >> c->rcv_wscale;
	rc = xmit(c->stk, c, &t, seq, (flags & TH_ACK) ? c->rcv_nxt : 0, flags,
		  (uint16_t)wnd, opts, optlen, plen);
	if (dsack && rc == 0)	/* each duplicate is reported once (§4) */
		c->dsack_len = 0;
	if (sack_deferred)	/* a pure ACK carries the blocks (zdp_tcp_output) */
		c->flags |= F_ACK_NOW;
	return rc;
}

int
zdp_tcp_send_ack(struct zdp_tcp_conn *c)
{
	return xmit_conn(c, c->snd_nxt, TH_ACK, 0);
}

/* RFC 5961 §3.2, §4.2, §5.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, at most
 * params.challenge_ack_limit per second per core (§7). */
void
zdp_tcp_send_challenge_ack(struct zdp_tcp_conn *c)
{
	struct zdp_tcp_stack *stk = c->stk;
	uint64_t sec = stk->now_us / 1000000;

	if (stk->p.challenge_ack_limit) {
		/* §7: bound the ACKs an off-path attacker can make us send
		 * (and count from) — a per-core budget per second */
		if (sec != stk->chack_sec) {
			stk->chack_sec = sec;
			stk->chack_tokens = stk->p.challenge_ack_limit;
		}
		if (!stk->chack_tokens) {
			CTR_INC(stk, CHALLENGE_ACK_LIMITED);
			return;
		}
		stk->chack_tokens--;
	}
	CTR_INC(stk, CHALLENGE_ACK);
	zdp_tcp_send_ack(c);
}

/* SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), with our options. */
int
zdp_tcp_send_syn(struct zdp_tcp_conn *c)
{
	const struct zdp_tcp_stack_params *p = &c->stk->p;
	bool synack = c->state == ZDP_TCP_SYN_RECEIVED;
	bool ts, sack, ws;
	uint8_t opts[40];
	unsigned optlen;
	struct tx_tuple t;
	uint32_t wnd = RTE_MIN(p->rcv_buf, 65535u);

	if (synack) {
		ts = c->flags & F_TS;
		sack = c->flags & F_SACK;
		ws = c->flags & F_WS;
	} else {
		ts = !p->no_timestamps;
		sack = !p->no_sack;
		ws = !p->no_wscale;
	}
	optlen = opts_syn(opts, c->adv_mss, sack, ts, tcp_ts_now(c),
			  synack ? c->ts_recent : 0, ws ? c->rcv_wscale : -1);
	conn_tuple(c, &t);
	/* RFC 7323 §2.2: the window in a SYN is never scaled. */
	return xmit(c->stk, c, &t, c->iss, synack ? c->rcv_nxt : 0,
		    TH_SYN | (synack ? TH_ACK : 0), (uint16_t)wnd, opts, optlen, 0);
}

void
zdp_tcp_send_rst_conn(struct zdp_tcp_conn *c)
{
	struct tx_tuple t;

	conn_tuple(c, &t);
	CTR_INC(c->stk, RST_TX);
	xmit(c->stk, c, &t, c->snd_nxt, c->rcv_nxt, TH_RST | TH_ACK, 0, NULL, 0, 0);
}

/* RFC 9293 §3.10.7.1: reply to a segment for no connection.
 * If ACK: <SEQ=SEG.ACK><CTL=RST>, else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
 * @l3 is as received (src = remote). */
void
zdp_tcp_send_rst_reply(struct zdp_tcp_stack *stk, const struct zdp_tcp_l3 *l3,
		       const struct zdp_tcp_seg *s)
{
	struct tx_tuple t = { &l3->dst, &l3->src, s->dport, s->sport };

	if (s->flags & TH_RST)
		return;
	CTR_INC(stk, RST_TX);
	if (s->flags & TH_ACK)
		xmit(stk, NULL, &t, s->ack, 0, TH_RST, 0, NULL, 0, 0);
	else
		xmit(stk, NULL, &t, 0, s->seq + s->len + !!(s->flags & TH_SYN) +
		     !!(s->flags & TH_FIN), TH_RST | TH_ACK, 0, NULL, 0, 0);
}

int
zdp_tcp_send_synack_cookie(struct zdp_tcp_stack *stk, const struct zdp_tcp_l3 *l3,
			   const struct zdp_tcp_seg *s, uint32_t cookie, uint16_t mss)
{
	const struct zdp_tcp_stack_params *p = &stk->p;
	struct tx_tuple t = { &l3->dst, &l3->src, s->dport, s->sport };
	bool ts = s->has_ts && !p->no_timestamps;
	bool sack = ts && s->sack_perm && !p->no_sack;
	int ws = -1;
	uint8_t opts[40];
	unsigned optlen;
	uint32_t tsval = 0;

	if (ts && s->has_ws && !p->no_wscale) {
		ws = 0;
		while (ws < ZDP_TCP_MAX_WSCALE && (p->rcv_buf >> ws) > 65535)
			ws++;
	}
	/* the peer's options ride in our TSval and come back in TSecr */
	if (ts)
		tsval = zdp_tcp_syncookie_tsval(tcp_now_ms(stk) +
						zdp_tcp_ts_offset(p->secret, &l3->dst, &l3->src),
						sack, ws >= 0 ? RTE_MIN(s->ws, (uint8_t)ZDP_TCP_MAX_WSCALE) : -1);
	optlen = opts_syn(opts, mss, sack, ts, tsval, s->tsval, ts ? ws : -1);
	CTR_INC(stk, SYNCOOKIE_SENT);
	return xmit(stk, NULL, &t, cookie, s->seq + 1, TH_SYN | TH_ACK,
		    (uint16_t)RTE_MIN(p->rcv_buf, 65535u), opts, optlen, 0);
}

/* Retransmit [seq, seq+len) (len may cover the FIN). */
int
zdp_tcp_retransmit_seg(struct zdp_tcp_conn *c, uint32_t seq, uint32_t len)
{
	uint32_t data_end = c->snd_una + c->snd_queued;
	uint32_t dlen = SEQ_LT(seq, data_end) ? RTE_MIN(len, data_end - seq) : 0;
	uint8_t flags = TH_ACK;

	if ((c->flags & F_FIN_SENT) && SEQ_GEQ(seq + len, data_end + 1) &&
	    SEQ_LEQ(seq, data_end))
		flags |= TH_FIN;
	if (!dlen && !(flags & TH_FIN))
		return -EINVAL;
	CTR_INC(c->stk, RETRANS);
	c->n_retrans++;
	c->rtt_start_us = 0;	/* Karn's rule */
	/* PSH as on the first transmission: on the segment that ends the
	 * queued data (send_new) */
	if (xmit_conn(c, seq, flags | (dlen && seq + dlen == data_end ? TH_PSH : 0), dlen) != 0)
		return -ENOMEM;
	zdp_tcp_rack_sent(c, seq, dlen, true);
	return 0;
}

/* Zero-window probe (@zwp: one byte of new data beyond the window, RFC
 * 9293 §3.8.6.1) or keepalive (<SEQ=SND.UNA-1>, no data, RFC 1122
 * §4.2.3.6). Either forces the peer to answer with an ACK. */
void
zdp_tcp_send_probe(struct zdp_tcp_conn *c, bool zwp)
{
	uint32_t data_end = c->snd_una + c->snd_queued;

	if (zwp && SEQ_LT(c->snd_nxt, data_end)) {
		xmit_conn(c, c->snd_nxt, TH_ACK, 1);
		if (SEQ_GT(c->snd_nxt + 1, c->snd_max))
			c->snd_max = c->snd_nxt + 1;
		return;
	}
	xmit_conn(c, c->snd_una - 1, TH_ACK, 0);
}

/* TSO: how much of [@seq, @seq + @len) one packet of at most
 * params.tso_max_segs mbufs (the header and one per send-queue piece) can
 * carry, in whole segments; at least one MSS. */
static uint32_t
tso_fit(struct zdp_tcp_conn *c, uint32_t seq, uint32_t len)
{
	uint16_t max = c->stk->p.tso_max_segs;
	uint32_t off, got = 0;
	struct rte_mbuf *s;
	unsigned n = 1;

	if (max == 0 || len <= c->mss)
		return len;
	for (s = zdp_tcp_sndq_find(c, seq, &off); s && got < len && n < max; s = s->next) {
		got += s->data_len - off;
		off = 0;
		n++;
	}
	if (got >= len)
		return len;
	return RTE_MAX(got - got % c->mss, (uint32_t)c->mss);
}

/* Send new data (or FIN) at snd_nxt: @len bytes. */
static int
send_new(struct zdp_tcp_conn *c, uint32_t len, bool fin)
{
	/* PSH only on the segment that carries the last byte queued (RFC
	 * 9293 §3.9.1, as BSD does): a receiver's GRO/LRO closes its
	 * coalesced packet at a PSH, so PSH on every segment would undo
	 * receive coalescing at every Linux peer. */
	uint8_t flags = TH_ACK | (len && c->snd_nxt + len == c->snd_una + c->snd_queued ? TH_PSH : 0) |
			(fin ? TH_FIN : 0);
	bool rtx = SEQ_LT(c->snd_nxt, c->snd_max);
	int rc;

	if (rtx) {
		uint32_t nseg = len > c->mss ? (len + c->mss - 1) / c->mss : 1;

		CTR_ADD(c->stk, RETRANS, nseg);
		c->n_retrans += nseg;
	}
	rc = xmit_conn(c, c->snd_nxt, flags, len);
	if (rc)
		return rc;
	zdp_tcp_rack_sent(c, c->snd_nxt, len, rtx);
	if (!rtx && !c->rtt_start_us && len) {
		c->rtt_seq = c->snd_nxt + len;
		c->rtt_start_us = c->stk->now_us ? c->stk->now_us : 1;
	}
	c->snd_nxt += len + (fin ? 1 : 0);
	if (fin)
		c->flags |= F_FIN_SENT;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	return 0;
}

static bool
can_send_data(const struct zdp_tcp_conn *c)
{
	switch (c->state) {
	case ZDP_TCP_ESTABLISHED:
	case ZDP_TCP_CLOSE_WAIT:
	case ZDP_TCP_FIN_WAIT_1:
	case ZDP_TCP_CLOSING:
	case ZDP_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* RFC 6675 §5 (C): while cwnd - pipe >= 1 SMSS, send NextSeg(). Segments
 * RACK marked lost (RFC 8985 §6.2) count as lost in both (tcp_rack.c). */
static unsigned
output_sack_recovery(struct zdp_tcp_conn *c, uint32_t data_end, bool fin)
{
	unsigned n = 0;

	for (int guard = 0; guard < 64; guard++) {
		uint32_t pipe = zdp_tcp_sb_pipe_edge(&c->sb, c->snd_una, c->snd_max,
						     zdp_tcp_rack_edge(c));
		uint32_t seq, len;

		if (pipe + c->mss > c->cwnd)
			break;
		/* rule 1: a lost hole above HighRxt; (C.2) moves HighRxt */
		if (zdp_tcp_rack_next_seg(c, &seq, &len)) {
			if (zdp_tcp_retransmit_seg(c, seq, len) != 0)
				break;
			c->sb.high_rxt = seq + len;
			n++;
			continue;
		}
		/* rule 2: new data, if the receive window allows */
		if (SEQ_LT(c->snd_nxt, data_end)) {
			uint32_t wnd_end = c->snd_una + c->snd_wnd;

			len = RTE_MIN((uint32_t)c->mss, data_end - c->snd_nxt);
			if (SEQ_LEQ(c->snd_nxt + len, wnd_end)) {
				if (send_new(c, len, fin && c->snd_nxt + len == data_end) != 0)
					break;
				n++;
				continue;
			}
		}
		/* rule 4: one rescue retransmission per recovery, ending at
		 * the highest unSACKed octet; RescueRxt = RecoveryPoint, and
		 * (C.2) HighRxt stays where it is. */
		if (zdp_tcp_sb_rescue(&c->sb, c->snd_una, c->snd_max, c->mss, &seq, &len)) {
			if (zdp_tcp_retransmit_seg(c, seq, len) != 0)
				break;
			c->sb.rescue_rxt = c->recover;
			c->sb.rescue_set = true;
			CTR_INC(c->stk, RESCUE_RETRANS);
			n++;
			continue;
		}
		break;
	}
	return n;
}

static unsigned
output_data(struct zdp_tcp_conn *c)
{
	uint32_t data_end = c->snd_una + c->snd_queued;
	bool fin = c->flags & F_FIN_QUEUED;
	uint32_t end = data_end + (fin ? 1 : 0), max0 = c->snd_max;
	unsigned n = 0;

	if ((c->flags & (F_IN_RECOVERY | F_SACK)) == (F_IN_RECOVERY | F_SACK)) {
		n = output_sack_recovery(c, data_end, fin);
	} else {
		while (SEQ_LT(c->snd_nxt, end)) {
			uint32_t unsent = SEQ_LT(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
			uint32_t flight = c->snd_nxt - c->snd_una;
			uint32_t wnd = c->cwnd, len;

			/* RFC 3042 limited transmit: each of the first two
			 * duplicate ACKs lets one new segment out */
			if (!(c->flags & F_IN_RECOVERY) && c->dupacks && c->dupacks < ZDP_TCP_DUPTHRESH)
				wnd += c->dupacks * c->mss;
			wnd = RTE_MIN(wnd, c->snd_wnd);

			if (c->flags & F_IN_RECOVERY)	/* NewReno: FlightSize vs inflated cwnd */
				flight = c->snd_max - c->snd_una;
			/* go-back-N after an RTO: do not resend what the
			 * receiver has SACKed since (RFC 6675 §5.1) */
			if ((c->flags & F_RTO_RECOVERY) && c->sb.n &&
			    SEQ_LT(c->snd_nxt, c->snd_max)) {
				uint32_t sk = c->snd_nxt;

				for (unsigned i = 0; i < c->sb.n; i++)
					if (SEQ_GEQ(sk, c->sb.blk[i][0]) && SEQ_LT(sk, c->sb.blk[i][1]))
						sk = c->sb.blk[i][1];
				if (sk != c->snd_nxt) {
					c->snd_nxt = SEQ_MIN(sk, c->snd_max);
					c->cur_seg = NULL;
					continue;
				}
			}
			if (unsent == 0) {
				/* only the FIN is left; it is sent even into a
				 * closed window (it carries no data) */
				if (send_new(c, 0, true) == 0)
					n++;
				break;
			}
			if (flight >= wnd)
				break;
			len = u32_min(u32_min(c->mss, unsent), wnd - flight);
			if (c->stk->p.tso_max > c->mss && len == c->mss) {
				/* TSO: as many whole segments as the windows
				 * allow, or all that is queued */
				uint32_t big = u32_min(u32_min(c->stk->p.tso_max, unsent), wnd - flight);

				len = big == unsent ? big : big - big % c->mss;
				len = tso_fit(c, c->snd_nxt, len);
			}
			/* RFC 9293 §3.8.6.2.1 sender SWS avoidance: send a
			 * full segment, or all that is queued (subject to
			 * Nagle), or at least half the largest window seen. */
			if (len < c->mss && len < unsent && len < c->max_snd_wnd / 2)
				break;
			if (len < c->mss && len == unsent && (c->flags & F_NAGLE) &&
			    c->snd_max != c->snd_una)
				break;
			if (send_new(c, len, fin && len == unsent) != 0)
				break;
			n++;
		}
	}
	if (n) {
		if (!zdp_tcp_timer_armed(c, ZDP_TCP_T_RTX) || (c->flags & F_PERSIST)) {
			c->flags &= ~F_PERSIST;
			zdp_tcp_arm_rtx(c);
		} else if (SEQ_GT(c->snd_max, max0) && !(c->flags & F_REO)) {
			/* RFC 8985 §7.2: (re)start the PTO after new data.
			 * The RTO armed when an ACK left one segment out
			 * (PTO then includes WCDelAckT and exceeds it) would
			 * otherwise guard the segments sent since. */
			zdp_tcp_arm_pto(c);
		}
	} else if (c->snd_nxt == c->snd_una && SEQ_LT(c->snd_nxt, data_end) &&
		   !zdp_tcp_timer_armed(c, ZDP_TCP_T_RTX)) {
		/* data waiting, nothing in flight, window too small: the
		 * persist timer guarantees progress (RFC 9293 §3.8.6.1). */
		c->flags |= F_PERSIST;
		zdp_tcp_timer_arm(c->stk, c, ZDP_TCP_T_RTX, zdp_tcp_rto_current(c));
	}
	return n;
}

/* Flush what the connection owes the network: data, FIN, an ACK. */
void
zdp_tcp_output(struct zdp_tcp_conn *c)
{
	unsigned sent = 0;

	switch (c->state) {
	case ZDP_TCP_CLOSED:
	case ZDP_TCP_LISTEN:
	case ZDP_TCP_SYN_SENT:
		return;
	case ZDP_TCP_SYN_RECEIVED:
		if (c->flags & F_ACK_NOW) {
			c->flags &= ~F_ACK_NOW;
			zdp_tcp_send_syn(c);
		}
		return;
	default:
		break;
	}
	if (can_send_data(c))
		sent = output_data(c);
	if (sent && !(c->flags & F_ACK_NOW))
		return;
	if (c->flags & F_ACK_NOW) {
		zdp_tcp_send_ack(c);
	} else if (c->rcv_nxt != c->last_ack_sent &&
		   !zdp_tcp_timer_armed(c, ZDP_TCP_T_DELACK)) {
		/* RFC 5681 §4.2 / RFC 1122 §4.2.3.2: delay, but bounded */
		zdp_tcp_timer_arm(c->stk, c, ZDP_TCP_T_DELACK, c->stk->p.delack_us);
	}
}
