/* SPDX-License-Identifier: BSD-3-Clause
 * l3.h — what a worker does for the gateway's own addresses: ARP, Neighbour
 * Discovery, ICMP echo, resets for refused TCP, and sending through a
 * resolved next hop. Internal to dataplane/.
 */
#ifndef ZDP_L3_H
#define ZDP_L3_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "parse.h"
#include "snapshot.h"
#include "worker.h"

/* ARP packet received on @pidx: learn, answer requests for our addresses.
 * @learn_only: a copy another worker shared so every neighbour table learns
 * (DESIGN.md: each worker owns its table); learn from it, answer nothing. */
void zdp_l3_arp_input(struct zdp_worker *w, const struct zdp_snapshot *s, uint16_t pidx,
		      struct rte_mbuf *m, const struct zdp_pkt_info *pi, bool learn_only);

/* IP packet that is not part of a flow and not for a VIP:port: ND, echo to a
 * gateway or VIP address, TCP to a local address (reset). Consumes @m. */
void zdp_l3_local_input(struct zdp_worker *w, const struct zdp_snapshot *s, uint16_t pidx,
			struct rte_mbuf *m, const struct zdp_pkt_info *pi, bool learn_only);

/* True for packets every worker's neighbour table must see: ARP, NS, NA. */
bool zdp_l3_is_neigh_msg(const struct zdp_pkt_info *pi);

/* Turn the TCP segment in @m into the RST that refuses it (RFC 9293
 * §3.10.7.1 "If the state is CLOSED") and send it back to the L2 sender on
 * @pidx. Consumes @m. */
void zdp_l3_send_rst(struct zdp_worker *w, uint16_t pidx, struct rte_mbuf *m,
		     const struct zdp_pkt_info *pi);

/* @m (VLAN tag already removed) does not fit the egress @mtu: turn it into
 * the ICMP "fragmentation needed" (RFC 1191; IPv4 with DF) or "packet too
 * big" (RFC 8201) error to its sender, quoting its start, rate-limited per
 * worker (RFC 1812 §4.3.2.8). Counts mtu_exceeded either way. Consumes @m. */
void zdp_l3_send_too_big(struct zdp_worker *w, const struct zdp_snapshot *s,
			 struct rte_mbuf *m, const struct zdp_pkt_info *pi, uint16_t mtu);

/* Send the IP packet in @m (Ethernet header present, L3 at offset 14) out of
 * port index @pidx towards next hop @nh: fill the MACs and transmit, or park
 * it on the neighbour entry while ARP/ND resolves. Consumes @m. Returns true
 * when it was sent at once to a known MAC, copied to @mac_out (may be NULL)
 * so the caller can cache it. */
bool zdp_l3_output(struct zdp_worker *w, const struct zdp_snapshot *s, uint16_t pidx,
		   const struct zdp_addr *nh, struct rte_mbuf *m, uint8_t *mac_out);

/* Fill the Ethernet header of an IP packet for port @pidx and @mac, queue it. */
static inline void
zdp_l3_output_mac(struct zdp_worker *w, uint16_t pidx, uint8_t family, const uint8_t *mac,
		  struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	memcpy(eth->dst_addr.addr_bytes, mac, 6);
	rte_ether_addr_copy(&w->rt->ports[pidx].mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(family == ZDP_AF_INET ?
					   RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	zdp_worker_tx(w, pidx, m);
}

/* Neighbour callbacks and timers. */
void zdp_l3_neigh_release(void *ctx, void *pkt, uint16_t port, const uint8_t *mac);
void zdp_l3_timers(struct zdp_worker *w, const struct zdp_snapshot *s);

#endif
