/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_reass.c — out-of-order reassembly and the receiver's SACK blocks.
 *
 * Nodes come from a per-core pool and form a list sorted by sequence
 * number with no overlap: newer data replaces what it fully covers and is
 * trimmed against its neighbours (RFC 9293 §3.10.7.4 lets either copy win;
 * both are the same bytes from a correct sender); data that continues a
 * node is chained onto it. A connection holds at most params.max_ooo_segs
 * nodes (so that many holes) and never more bytes than its window; beyond
 * that, data is dropped and counted (the sender will retransmit) — the
 * bound an attacker cannot exceed.
 */
#include "tcp_priv.h"

struct rte_mbuf *
zdp_tcp_mbuf_trim_front(struct rte_mbuf *m, uint32_t n)
{
	while (m && n) {
		if (n >= m->data_len) {
			struct rte_mbuf *next = m->next;

			n -= m->data_len;
			if (next) {
				next->pkt_len = m->pkt_len - m->data_len;
				next->nb_segs = m->nb_segs - 1;
			}
			m->next = NULL;
			m->nb_segs = 1;
			rte_pktmbuf_free_seg(m);
			m = next;
			continue;
		}
		m->data_off += n;
		m->data_len -= n;
		m->pkt_len -= n;
		n = 0;
	}
	if (m && m->pkt_len == 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

struct rte_mbuf *
zdp_tcp_mbuf_trim_to(struct rte_mbuf *m, uint32_t keep)
{
	struct rte_mbuf *s = m;
	uint32_t acc = 0;
	uint16_t nseg = 0;

	if (!m)
		return NULL;
	if (keep == 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	if (keep >= m->pkt_len)
		return m;
	for (;;) {
		nseg++;
		if (acc + s->data_len >= keep) {
			s->data_len = (uint16_t)(keep - acc);
			if (s->next) {
				rte_pktmbuf_free(s->next);
				s->next = NULL;
			}
			break;
		}
		acc += s->data_len;
		s = s->next;
	}
	m->pkt_len = keep;
	m->nb_segs = nseg;
	return m;
}

static struct zdp_tcp_ooo *
node_get(struct zdp_tcp_stack *stk)
{
	struct zdp_tcp_ooo *o = stk->free_ooo;

	if (o)
		stk->free_ooo = o->next;
	return o;
}

static void
node_put(struct zdp_tcp_stack *stk, struct zdp_tcp_ooo *o)
{
	if (o->m)
		rte_pktmbuf_free(o->m);
	o->m = NULL;
	o->next = stk->free_ooo;
	stk->free_ooo = o;
}

/* Takes ownership of @m (exactly @len bytes, may be NULL with len 0 for a
 * lone FIN). Returns 0 when queued, -ENOSPC when dropped by the limit,
 * -EALREADY when everything in it was already queued. */
int
zdp_tcp_reass_insert(struct zdp_tcp_conn *c, struct rte_mbuf *m, uint32_t seq,
		     uint32_t len, bool fin)
{
	struct zdp_tcp_stack *stk = c->stk;
	struct zdp_tcp_ooo **pp = &c->ooo, *prev = NULL, *o;
	uint32_t end = seq + len;

	while (*pp && SEQ_LEQ((*pp)->seq, seq)) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (prev) {
		uint32_t pend = prev->seq + prev->len;

		if (SEQ_GEQ(pend, end) && !(fin && pend == end && !prev->fin)) {
			rte_pktmbuf_free(m);
			return -EALREADY;
		}
		if (SEQ_GEQ(pend, end)) {	/* same bytes, now with FIN */
			prev->fin = true;
			rte_pktmbuf_free(m);
			return 0;
		}
		if (SEQ_GT(pend, seq)) {
			m = zdp_tcp_mbuf_trim_front(m, pend - seq);
			len -= pend - seq;
			seq = pend;
		}
	}
	/* drop nodes the new data covers completely */
	while (*pp && SEQ_LEQ((*pp)->seq + (*pp)->len, end)) {
		o = *pp;
		if (o->fin && o->seq + o->len == end)
			fin = true;
		*pp = o->next;
		c->ooo_n--;
		node_put(stk, o);
	}
	if (*pp && SEQ_LT((*pp)->seq, end)) {
		len = (*pp)->seq - seq;
		m = zdp_tcp_mbuf_trim_to(m, len);
		fin = false;
	}
	if (len == 0 && !fin) {
		rte_pktmbuf_free(m);
		return -EALREADY;
	}
	/* Data that continues the previous node joins its chain: a burst
	 * behind one hole costs one node, so the node limit bounds the
	 * number of holes while the window bounds the bytes. */
	if (prev && prev->seq + prev->len == seq && !prev->fin && prev->m && m &&
	    rte_pktmbuf_chain(prev->m, m) == 0) {
		prev->len += len;
		prev->fin = fin;
		c->ooo_last_seq = seq;
		c->ooo_last_end = seq + len;
		return 0;
	}
	if (c->ooo_n >= stk->p.max_ooo_segs || !(o = node_get(stk))) {
		CTR_INC(stk, DROP_OOO_LIMIT);
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	o->m = m;
	o->seq = seq;
	o->len = len;
	o->fin = fin;
	o->next = *pp;
	*pp = o;
	c->ooo_n++;
	c->ooo_last_seq = seq;
	c->ooo_last_end = seq + len;
	return 0;
}

struct rte_mbuf *
zdp_tcp_reass_pull(struct zdp_tcp_conn *c, uint32_t *len, bool *fin)
{
	struct zdp_tcp_stack *stk = c->stk;
	struct rte_mbuf *head = NULL;
	uint32_t nxt = c->rcv_nxt, total = 0;

	*fin = false;
	while (c->ooo && SEQ_LEQ(c->ooo->seq, nxt) && !*fin) {
		struct zdp_tcp_ooo *o = c->ooo;
		uint32_t oend = o->seq + o->len;

		c->ooo = o->next;
		c->ooo_n--;
		if (SEQ_LT(oend, nxt) || (oend == nxt && !o->fin)) {
			node_put(stk, o);	/* already delivered */
			continue;
		}
		if (SEQ_LT(o->seq, nxt)) {
			o->m = zdp_tcp_mbuf_trim_front(o->m, nxt - o->seq);
			o->len -= nxt - o->seq;
			o->seq = nxt;
		}
		if (o->m) {
			if (!head) {
				head = o->m;
			} else if (rte_pktmbuf_chain(head, o->m) != 0) {
				/* too many segments for one chain: stop here,
				 * the rest is pulled on the next call */
				c->ooo = o;
				c->ooo_n++;
				break;
			}
			o->m = NULL;
		}
		total += o->len;
		nxt += o->len;
		*fin = o->fin;
		node_put(stk, o);
	}
	*len = total;
	return head;
}

void
zdp_tcp_reass_flush(struct zdp_tcp_conn *c)
{
	while (c->ooo) {
		struct zdp_tcp_ooo *o = c->ooo;

		c->ooo = o->next;
		node_put(c->stk, o);
	}
	c->ooo_n = 0;
}

/* RFC 2018 §4: the first block holds the most recently received segment,
 * the others follow in sequence order; contiguous nodes form one block. */
unsigned
zdp_tcp_reass_sack_blocks(const struct zdp_tcp_conn *c, uint32_t (*blk)[2], unsigned max)
{
	uint32_t tmp[64][2];
	unsigned n = 0, out = 0, first = UINT32_MAX;
	const struct zdp_tcp_ooo *o;

	for (o = c->ooo; o && n < 64; o = o->next) {
		if (o->len == 0)
			continue;
		if (n && tmp[n - 1][1] == o->seq) {
			tmp[n - 1][1] = o->seq + o->len;
		} else {
			tmp[n][0] = o->seq;
			tmp[n][1] = o->seq + o->len;
			n++;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (SEQ_LEQ(tmp[i][0], c->ooo_last_seq) && SEQ_LT(c->ooo_last_seq, tmp[i][1]))
			first = i;
	if (first != UINT32_MAX && out < max) {
		blk[out][0] = tmp[first][0];
		blk[out][1] = tmp[first][1];
		out++;
	}
	for (unsigned i = 0; i < n && out < max; i++) {
		if (i == first)
			continue;
		blk[out][0] = tmp[i][0];
		blk[out][1] = tmp[i][1];
		out++;
	}
	return out;
}
