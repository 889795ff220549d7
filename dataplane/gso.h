/* SPDX-License-Identifier: BSD-3-Clause
 * gso.h — TCP segmentation in software, for ports whose device does not
 * segment (net_tap, memif, NICs without TSO).
 *
 * The TCP stack sends new data in TSO packets (tcp_api.h, params.tso_max)
 * when every port can either segment or fill checksums; the NAT fast path
 * forwards a coalesced (LRO) segment the same way. On a port that cannot
 * segment, the worker cuts such a packet into its segments just before the
 * TX queue, as Linux's GSO does: the stack's per-packet work (options,
 * windows, timers, RACK stamps, the next-hop lookup) is paid once per
 * packet, and each segment costs a header copy (payload pieces move over
 * or are attached: zero copy). The device fills each segment's checksums
 * when it can; otherwise they are computed here.
 */
#ifndef ZDP_GSO_H
#define ZDP_GSO_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

/*
 * Cut @m — Ethernet + IPv4/IPv6 + TCP, flagged RTE_MBUF_F_TX_TCP_SEG with
 * l2_len, l3_len, l4_len and tso_segsz set, all headers in its first mbuf —
 * into segments of tso_segsz payload bytes: header copied (from @pool),
 * payload attached (indirect mbufs from @pool), sequence number, IP length,
 * PSH and FIN on the last segment only, CWR on the first only, and each
 * flagged RTE_MBUF_F_TX_TCP_CKSUM (+ IPv4 header checksum) with the
 * pseudo-header sum in its checksum field, for the device to finish — or,
 * with @sw_csum, with both checksums computed here and no checksum flags.
 * Consumes @m. Returns the number of segments stored in @out (at most
 * @max), or a negative errno with nothing stored and @m freed: -EINVAL for
 * a packet that is not such a TSO packet, -ENOMEM when @pool ran out,
 * -ENOSPC when @max is too small.
 */
int zdp_gso_segment(struct rte_mbuf *m, struct rte_mempool *pool, struct rte_mbuf **out,
		    unsigned max, bool sw_csum);

/* Segments a TSO packet of at most 64 KiB cut at the smallest segment size
 * the stack uses (64 bytes) becomes: a bound for @out. */
#define ZDP_GSO_MAX_SEGS	1024

#endif /* ZDP_GSO_H */
