/* SPDX-License-Identifier: BSD-3-Clause
 * gso.c — TCP segmentation in software (gso.h).
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "cksum.h"
#include "gso.h"

#define GSO_HDR_MAX	(RTE_ETHER_HDR_LEN + 4 + 60 + 60)	/* VLAN tag, IPv4 with options, TCP */

static void
free_all(struct rte_mbuf **out, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
}

/* One's-complement sum (folded, memory byte order) of a segment's TCP
 * header and payload, from @off bytes into its first mbuf. */
static uint16_t
chain_sum(const struct rte_mbuf *h, uint32_t off)
{
	uint64_t sum = 0;
	uint32_t done = 0;

	for (const struct rte_mbuf *s = h; s != NULL; s = s->next, off = 0) {
		uint32_t n;

		if (off >= s->data_len) {
			off -= s->data_len;
			continue;
		}
		n = s->data_len - off;
		sum = zdp_cksum_add_piece(sum, zdp_cksum_fold(zdp_cksum_add_bulk(
			rte_pktmbuf_mtod_offset(s, const void *, off), n, 0)), done);
		done += n;
	}
	return zdp_cksum_fold(sum);
}

/* Where the payload still to be cut is: @src, @off bytes in. */
struct gso_cursor {
	struct rte_mbuf *src;
	uint32_t off;
};

/* Free what is left of the packet once pieces moved out of it: its first
 * mbuf, and the pieces from the cursor on (their links are intact). */
static void
free_rest(struct rte_mbuf *first, const struct gso_cursor *cur)
{
	struct rte_mbuf *s = cur->src == first ? first->next : cur->src;

	while (s != NULL) {
		struct rte_mbuf *next = s->next;

		rte_pktmbuf_free_seg(s);
		s = next;
	}
	rte_pktmbuf_free_seg(first);
}

/* Append the next @len payload bytes to @h. Pieces after the first mbuf
 * move over whole (they are usually the stack's indirect mbufs, one per
 * send-queue piece: no new mbuf, no reference count touched); a piece that
 * crosses into the next segment, and payload in the first mbuf (the fast
 * path's coalesced segments are one buffer), are attached, one indirect
 * mbuf each. @first is the packet's first mbuf, which stays where it is. */
static int
take_payload(struct rte_mbuf *h, struct rte_mempool *pool, struct rte_mbuf *first,
	     struct gso_cursor *cur, uint32_t len)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(h);

	while (len) {
		struct rte_mbuf *s = cur->src, *mi;
		uint32_t n;

		if (s == NULL)
			return -EINVAL;
		if (cur->off >= s->data_len) {
			/* used up by attaching: what stays of the packet */
			cur->src = s->next;
			cur->off = 0;
			if (s != first)
				rte_pktmbuf_free_seg(s);
			continue;
		}
		n = RTE_MIN((uint32_t)s->data_len - cur->off, len);
		if (s != first && cur->off == 0 && n == s->data_len) {
			/* all of it, from its start: move it */
			cur->src = s->next;
			s->next = NULL;
			s->nb_segs = 1;
			s->pkt_len = n;
			mi = s;
		} else {
			mi = rte_pktmbuf_alloc(pool);
			if (mi == NULL)
				return -ENOMEM;
			rte_pktmbuf_attach(mi, s);
			mi->data_off = (uint16_t)(mi->data_off + cur->off);
			mi->data_len = (uint16_t)n;
			mi->pkt_len = n;
			cur->off += n;
		}
		last->next = mi;
		last = mi;
		h->nb_segs++;
		h->pkt_len += n;
		len -= n;
	}
	return 0;
}

int
zdp_gso_segment(struct rte_mbuf *m, struct rte_mempool *pool, struct rte_mbuf **out,
		unsigned max, bool sw_csum)
{
	unsigned l3 = m->l2_len, l4 = l3 + m->l3_len, hl = l4 + m->l4_len;
	uint32_t seg = m->tso_segsz, plen, seq0;
	const uint8_t *hdr = rte_pktmbuf_mtod(m, const uint8_t *);
	struct gso_cursor cur = { m, hl };
	bool v6 = (m->ol_flags & RTE_MBUF_F_TX_IPV6) != 0;
	uint8_t flags0;
	unsigned n = 0;
	int rc = -EINVAL;

	if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) || seg == 0 || hl > GSO_HDR_MAX ||
	    m->l4_len < sizeof(struct rte_tcp_hdr) || m->data_len < hl || m->pkt_len <= hl ||
	    m->l3_len < (v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr)) ||
	    (hdr[l3] >> 4) != (v6 ? 6 : 4) ||
	    (v6 && m->l3_len != sizeof(struct rte_ipv6_hdr)))	/* no extension headers */
		goto fail;
	plen = m->pkt_len - hl;
	if ((plen + seg - 1) / seg > max) {
		rc = -ENOSPC;
		goto fail;
	}
	seq0 = rte_be_to_cpu_32(((const struct rte_tcp_hdr *)(hdr + l4))->sent_seq);
	flags0 = ((const struct rte_tcp_hdr *)(hdr + l4))->tcp_flags;
	for (uint32_t done = 0; done < plen; done += seg) {
		uint32_t len = RTE_MIN(seg, plen - done);
		bool last = done + len == plen;
		struct rte_mbuf *h = rte_pktmbuf_alloc(pool);
		struct rte_tcp_hdr *th;
		uint8_t *d;

		if (h == NULL || (d = (uint8_t *)rte_pktmbuf_append(h, (uint16_t)hl)) == NULL) {
			rte_pktmbuf_free(h);
			rc = -ENOMEM;
			goto fail_out;
		}
		out[n++] = h;
		memcpy(d, hdr, hl);
		rc = take_payload(h, pool, m, &cur, len);
		if (rc < 0)
			goto fail_out;
		th = (struct rte_tcp_hdr *)(d + l4);
		th->sent_seq = rte_cpu_to_be_32(seq0 + done);
		/* RFC 9293 §3.1: PSH and FIN belong to the last byte; CWR
		 * (RFC 3168 §6.1.2) to the first segment that carries it */
		th->tcp_flags = (uint8_t)(flags0 &
			~((last ? 0 : RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG) |
			  (done == 0 ? 0 : RTE_TCP_CWR_FLAG)));
		h->l2_len = m->l2_len;
		h->l3_len = m->l3_len;
		h->l4_len = m->l4_len;
		if (v6) {
			struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(d + l3);

			ip->payload_len = rte_cpu_to_be_16((uint16_t)(m->l4_len + len));
			h->ol_flags = RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
			th->cksum = rte_ipv6_phdr_cksum(ip, h->ol_flags);
		} else {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + l3);

			ip->total_length = rte_cpu_to_be_16((uint16_t)(hl - l3 + len));
			ip->hdr_checksum = 0;
			h->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
				RTE_MBUF_F_TX_TCP_CKSUM;
			th->cksum = rte_ipv4_phdr_cksum(ip, h->ol_flags);
			if (sw_csum)
				ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		if (sw_csum) {
			/* the field holds the pseudo-header sum: sum over it */
			uint16_t ck = (uint16_t)~chain_sum(h, l4);

			th->cksum = ck == 0 ? 0xffff : ck;
			h->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM);
		}
	}
	free_rest(m, &cur);
	return (int)n;

fail_out:
	free_all(out, n);	/* with what moved into them */
	free_rest(m, &cur);
	return rc;
fail:
	rte_pktmbuf_free(m);
	return rc;
}
