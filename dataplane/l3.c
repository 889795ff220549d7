/* SPDX-License-Identifier: BSD-3-Clause
 * l3.c — ARP, ND, ICMP echo, RST and next-hop output on a worker.
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "icmp.h"
#include "l3.h"
#include "neigh.h"
#include "proxy.h"
#include "route.h"

static inline struct rte_ether_hdr *
eth_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
}

static void
l3_send_solicit(struct zdp_worker *w, const struct zdp_snapshot *s, uint16_t pidx,
		const struct zdp_addr *target, uint8_t kind, const uint8_t *ucast_mac)
{
	const struct zdp_port *port = &w->rt->ports[pidx];
	struct zdp_addr src;
	struct rte_mbuf *m;
	uint8_t *buf;
	int len;

	if (zdp_route_src_addr(s->routes, pidx, target, &src) < 0)
		return;		/* no address of that family on the port */
	m = rte_pktmbuf_alloc(port->pool);
	if (m == NULL) {
		w->ctr->drops[ZDP_DROP_NO_MBUF]++;
		return;
	}
	buf = rte_pktmbuf_mtod(m, uint8_t *);
	if (target->family == ZDP_AF_INET)
		len = zdp_arp_request_build(buf, rte_pktmbuf_tailroom(m), port->mac.addr_bytes,
					    &src, target,
					    kind == ZDP_NEIGH_SOLICIT_UCAST ? ucast_mac : NULL);
	else
		len = zdp_nd_ns_build(buf, rte_pktmbuf_tailroom(m), port->mac.addr_bytes,
				      &src, target,
				      kind == ZDP_NEIGH_SOLICIT_UCAST ? ucast_mac : NULL);
	if (len < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	m->data_len = m->pkt_len = (uint32_t)len;
	w->ctr->neigh_requests++;
	zdp_worker_tx(w, pidx, m);
}

void
zdp_l3_neigh_release(void *ctx, void *pkt, uint16_t port, const uint8_t *mac)
{
	struct zdp_worker *w = ctx;
	struct rte_mbuf *m = pkt;
	struct rte_ether_hdr *eth;

	if (mac == NULL) {
		zdp_worker_drop(w, m, ZDP_DROP_NEIGH_FAILED);
		return;
	}
	eth = eth_of(m);
	memcpy(eth->dst_addr.addr_bytes, mac, 6);
	zdp_worker_tx(w, port, m);
}

bool
zdp_l3_output(struct zdp_worker *w, const struct zdp_snapshot *s, uint16_t pidx,
	      const struct zdp_addr *nh, struct rte_mbuf *m, uint8_t *mac_out)
{
	struct rte_ether_hdr *eth = eth_of(m);
	struct zdp_neigh_out out;
	int rc;

	rte_ether_addr_copy(&w->rt->ports[pidx].mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(nh->family == ZDP_AF_INET ?
					   RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6);
	rc = zdp_neigh_resolve(w->neigh, pidx, nh, m, w->now, &out);
	if (unlikely(out.solicit != ZDP_NEIGH_SOLICIT_NONE))
		l3_send_solicit(w, s, pidx, nh, out.solicit, out.mac);
	switch (rc) {
	case ZDP_NEIGH_SEND:
		memcpy(eth->dst_addr.addr_bytes, out.mac, 6);
		if (mac_out)
			memcpy(mac_out, out.mac, 6);
		zdp_worker_tx(w, pidx, m);
		return true;
	case ZDP_NEIGH_HELD:
		return false;
	case -ENOBUFS:
		zdp_worker_drop(w, m, ZDP_DROP_NEIGH_QUEUE_FULL);
		return false;
	case -EHOSTUNREACH:
		zdp_worker_drop(w, m, ZDP_DROP_NEIGH_FAILED);
		return false;
	case -ENOSPC:
		zdp_worker_drop(w, m, ZDP_DROP_NEIGH_TABLE_FULL);
		return false;
	default:
		zdp_worker_drop(w, m, ZDP_DROP_NO_ROUTE);
		return false;
	}
}

void
zdp_l3_timers(struct zdp_worker *w, const struct zdp_snapshot *s)
{
	struct zdp_neigh_solicitation sol[16];
	unsigned n = zdp_neigh_timer(w->neigh, w->now, sol, RTE_DIM(sol));

	for (unsigned i = 0; i < n; i++)
		l3_send_solicit(w, s, sol[i].port, &sol[i].ip, sol[i].solicit, sol[i].mac);
}

bool
zdp_l3_is_neigh_msg(const struct zdp_pkt_info *pi)
{
	uint8_t type;

	if (pi->kind == ZDP_PKT_ARP)
		return true;
	if (pi->l4_proto != ZDP_IPPROTO_ICMPV6)
		return false;
	type = (uint8_t)(rte_be_to_cpu_16(pi->dport) >> 8);
	return type == ZDP_ND_NS || type == ZDP_ND_NA;
}

void
zdp_l3_arp_input(struct zdp_worker *w, const struct zdp_snapshot *s, uint16_t pidx,
		 struct rte_mbuf *m, const struct zdp_pkt_info *pi, bool learn_only)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct zdp_arp_info arp;
	uint16_t lport;
	bool ours;

	if (zdp_arp_parse(frame, rte_pktmbuf_data_len(m), pi->l3_off, &arp) < 0) {
		zdp_worker_drop(w, m, ZDP_DROP_TRUNC_ARP);
		return;
	}
	ours = zdp_route_local(s->routes, &arp.tip, &lport) && lport == pidx;
	if (ours)
		zdp_neigh_learn(w->neigh, s->routes, pidx, &arp.sip, arp.sha,
				ZDP_NEIGH_F_OVERRIDE | (arp.op == ZDP_ARP_OP_REQUEST ?
				ZDP_NEIGH_F_CREATE : ZDP_NEIGH_F_CONFIRM), w->now);
	else
		/* Gratuitous ARP or someone else's: refresh what we already know. */
		zdp_neigh_learn(w->neigh, s->routes, pidx, &arp.sip, arp.sha,
				ZDP_NEIGH_F_OVERRIDE, w->now);
	if (!ours || arp.op != ZDP_ARP_OP_REQUEST || learn_only) {
		rte_pktmbuf_free(m);	/* consumed by learning; not a drop */
		return;
	}
	if (zdp_arp_reply_inplace(frame, rte_pktmbuf_data_len(m), pi->l3_off,
				  w->rt->ports[pidx].mac.addr_bytes) < 0) {
		zdp_worker_drop(w, m, ZDP_DROP_TRUNC_ARP);
		return;
	}
	w->ctr->arp_replies++;
	zdp_worker_tx(w, pidx, m);
}

static int
icmp_errno_to_drop(int rc, int nd)
{
	switch (rc) {
	case -EBADMSG: return ZDP_DROP_L4_CSUM;
	case -EPROTO: return ZDP_DROP_ND_INVALID;
	case -ENOTSUP: return ZDP_DROP_ICMP_TYPE;
	case -EADDRNOTAVAIL: return ZDP_DROP_NOT_FOR_US;
	case -ENOSPC: return ZDP_DROP_NO_MBUF;
	default: return nd ? ZDP_DROP_ND_INVALID : ZDP_DROP_TRUNC_L4;
	}
}

/* Neighbour Discovery: learn from NS/NA, answer NS for our addresses. */
static void
l3_nd_input(struct zdp_worker *w, const struct zdp_snapshot *s, uint16_t pidx,
	    struct rte_mbuf *m, const struct zdp_pkt_info *pi, uint8_t type, bool learn_only)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	struct zdp_nd_info nd;
	uint16_t lport;
	int rc;

	rc = zdp_nd_parse(frame, len, pi->l3_off, pi->l4_off, &nd);
	if (rc < 0) {
		zdp_worker_drop(w, m, (enum zdp_drop_reason)icmp_errno_to_drop(rc, 1));
		return;
	}
	if (type == ZDP_ND_NA) {
		unsigned f = 0;
		if (nd.flags & ZDP_ND_NA_F_SOLICITED)
			f |= ZDP_NEIGH_F_CONFIRM;
		if (nd.flags & ZDP_ND_NA_F_OVERRIDE)
			f |= ZDP_NEIGH_F_OVERRIDE;
		zdp_neigh_learn(w->neigh, s->routes, pidx, &nd.target,
				nd.has_lla ? nd.lla : NULL, f, w->now);
		rte_pktmbuf_free(m);
		return;
	}
	/* NS: only for our own addresses on this port. */
	if (!zdp_route_local(s->routes, &nd.target, &lport) || lport != pidx) {
		if (learn_only)
			rte_pktmbuf_free(m);
		else
			zdp_worker_drop(w, m, ZDP_DROP_NOT_FOR_US);
		return;
	}
	if (nd.has_lla && nd.src.family == ZDP_AF_INET6) {
		static const uint8_t unspec[16];
		if (memcmp(nd.src.a, unspec, 16) != 0)
			zdp_neigh_learn(w->neigh, s->routes, pidx, &nd.src, nd.lla,
					ZDP_NEIGH_F_CREATE | ZDP_NEIGH_F_OVERRIDE, w->now);
	}
	if (learn_only) {
		rte_pktmbuf_free(m);
		return;
	}
	rc = zdp_nd_na_from_ns(frame, len, (uint32_t)(len + rte_pktmbuf_tailroom(m)),
			       pi->l3_off, pi->l4_off, w->rt->ports[pidx].mac.addr_bytes,
			       false);
	if (rc < 0) {
		zdp_worker_drop(w, m, (enum zdp_drop_reason)icmp_errno_to_drop(rc, 1));
		return;
	}
	m->data_len = m->pkt_len = (uint32_t)rc;
	w->ctr->nd_adverts++;
	zdp_worker_tx(w, pidx, m);
}

void
zdp_l3_local_input(struct zdp_worker *w, const struct zdp_snapshot *s, uint16_t pidx,
		   struct rte_mbuf *m, const struct zdp_pkt_info *pi, bool learn_only)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint8_t icmp_type = (uint8_t)(rte_be_to_cpu_16(pi->dport) >> 8);
	uint16_t lport;
	bool local;
	int rc;

	if (pi->l4_proto == ZDP_IPPROTO_ICMPV6 &&
	    (icmp_type == ZDP_ND_NS || icmp_type == ZDP_ND_NA)) {
		l3_nd_input(w, s, pidx, m, pi, icmp_type, learn_only);
		return;
	}
	if (learn_only) {
		rte_pktmbuf_free(m);
		return;
	}
	local = zdp_route_local(s->routes, &pi->dst, &lport) ||
		zdp_snapshot_is_vip_addr(s, &pi->dst);
	if (!local) {
		zdp_worker_drop(w, m, ZDP_DROP_NOT_FOR_US);
		return;
	}
	switch (pi->l4_proto) {
	case ZDP_IPPROTO_ICMP:
		rc = zdp_icmp4_echo_reply(frame, len, pi->l3_off, pi->l4_off);
		break;
	case ZDP_IPPROTO_ICMPV6:
		rc = zdp_icmp6_echo_reply(frame, len, pi->l3_off, pi->l4_off);
		break;
	case ZDP_IPPROTO_TCP:
		/* The worker's TCP stack: replies to its connections towards
		 * backends; anything else it refuses with a RST itself. */
		if (w->tcp != NULL && zdp_route_local(s->routes, &pi->dst, &lport)) {
			struct zdp_pkt_info copy = *pi;
			zdp_proxy_input(w, s, m, &copy);
			return;
		}
		if (pi->tcp_flags & ZDP_TCP_RST) {
			rte_pktmbuf_free(m);
			return;
		}
		zdp_l3_send_rst(w, pidx, m, pi);
		return;
	default:
		zdp_worker_drop(w, m, ZDP_DROP_NOT_FOR_US);
		return;
	}
	if (rc < 0) {
		zdp_worker_drop(w, m, (enum zdp_drop_reason)icmp_errno_to_drop(rc, 0));
		return;
	}
	m->data_len = m->pkt_len = (uint32_t)rc;
	w->ctr->icmp_echo_replies++;
	zdp_worker_tx(w, pidx, m);
}

void
zdp_l3_send_rst(struct zdp_worker *w, uint16_t pidx, struct rte_mbuf *m,
		const struct zdp_pkt_info *pi)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(frame + pi->l4_off);
	uint32_t seg_len = zdp_pkt_l4_len(pi) - (uint32_t)(pi->payload_off - pi->l4_off);
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
	uint32_t ack = rte_be_to_cpu_32(th->recv_ack);
	uint16_t sport = th->src_port;
	struct rte_ether_addr tmp;
	uint32_t l3_len;
	uint64_t acc;

	/* RFC 9293 §3.10.7.1: if the incoming segment has ACK, the reset
	 * takes its sequence number from SEG.ACK; otherwise SEQ = 0 and
	 * ACK = SEG.SEQ + SEG.LEN (SYN and FIN count one each). */
	if (pi->tcp_flags & ZDP_TCP_SYN)
		seg_len++;
	if (pi->tcp_flags & ZDP_TCP_FIN)
		seg_len++;
	if (pi->tcp_flags & ZDP_TCP_ACK) {
		th->sent_seq = rte_cpu_to_be_32(ack);
		th->recv_ack = 0;
		th->tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		th->sent_seq = 0;
		th->recv_ack = rte_cpu_to_be_32(seq + seg_len);
		th->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	th->src_port = th->dst_port;
	th->dst_port = sport;
	th->data_off = 5 << 4;
	th->rx_win = 0;
	th->cksum = 0;
	th->tcp_urp = 0;

	rte_ether_addr_copy(&eth->src_addr, &tmp);
	rte_ether_addr_copy(&eth->dst_addr, &eth->src_addr);
	rte_ether_addr_copy(&tmp, &eth->dst_addr);

	if (pi->family == ZDP_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + pi->l3_off);
		uint32_t a = ip->src_addr;
		uint32_t ihl = (uint32_t)(pi->l4_off - pi->l3_off);

		ip->src_addr = ip->dst_addr;
		ip->dst_addr = a;
		l3_len = ihl + 20;
		ip->total_length = rte_cpu_to_be_16((uint16_t)l3_len);
		ip->time_to_live = 64;
		ip->fragment_offset = 0;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		acc = zdp_cksum_add(&ip->src_addr, 8, 0);
		{
			uint8_t t[4] = { 0, ZDP_IPPROTO_TCP, 0, 20 };
			acc = zdp_cksum_add(t, 4, acc);
		}
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(frame + pi->l3_off);
		uint8_t a[16];

		/* Extension headers are not echoed: the RST follows the fixed header. */
		if (pi->l4_off != pi->l3_off + 40) {
			memmove(frame + pi->l3_off + 40, th, 20);
			th = (struct rte_tcp_hdr *)(frame + pi->l3_off + 40);
		}
		memcpy(a, ip6->src_addr, 16);
		memcpy(ip6->src_addr, ip6->dst_addr, 16);
		memcpy(ip6->dst_addr, a, 16);
		ip6->proto = ZDP_IPPROTO_TCP;
		ip6->hop_limits = 64;
		ip6->payload_len = rte_cpu_to_be_16(20);
		l3_len = 60;
		acc = zdp_cksum_add(ip6->src_addr, 32, 0);
		{
			uint8_t t[4] = { 0, ZDP_IPPROTO_TCP, 0, 20 };
			acc = zdp_cksum_add(t, 4, acc);
		}
	}
	acc = zdp_cksum_add(th, 20, acc);
	th->cksum = (uint16_t)~zdp_cksum_fold(acc);
	m->data_len = m->pkt_len = pi->l3_off + l3_len;
	w->ctr->tcp_resets_sent++;
	zdp_worker_tx(w, pidx, m);
}

#define ICMP_ERR_RATE	1000	/* per second per worker */
#define ICMP_ERR_BURST	100

static bool
l3_icmp_token(struct zdp_worker *w)
{
	uint64_t hz = w->rt->tsc_hz, per = hz / ICMP_ERR_RATE;
	uint64_t n = per ? (w->now - w->icmp_tokens_at) / per : ICMP_ERR_BURST;

	if (n) {
		w->icmp_tokens = (uint32_t)RTE_MIN((uint64_t)ICMP_ERR_BURST, w->icmp_tokens + n);
		w->icmp_tokens_at = w->now;
	}
	if (w->icmp_tokens == 0) {
		w->ctr->icmp_rate_limited++;
		return false;
	}
	w->icmp_tokens--;
	return true;
}

void
zdp_l3_send_too_big(struct zdp_worker *w, const struct zdp_snapshot *s,
		    struct rte_mbuf *m, const struct zdp_pkt_info *pi, uint16_t mtu)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	bool v4 = pi->family == ZDP_AF_INET;
	uint32_t ip_len = v4 ? 20 : 40, quote, max_quote;
	struct zdp_route_nh back;
	struct zdp_addr src;
	uint8_t *p, *icmp;
	uint64_t acc;
	uint16_t c;

	w->ctr->drops[ZDP_DROP_MTU]++;
	/* IPv4 without DF may be fragmented by a router; zdp does not
	 * fragment, and must not send "fragmentation needed" for it. */
	if ((v4 && !(frame[pi->l3_off + 6] & 0x40)) || !l3_icmp_token(w) ||
	    zdp_route_lookup(s->routes, &pi->src, &back) < 0 ||
	    zdp_route_src_addr(s->routes, back.port, &pi->src, &src) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	/* Quote as much as fits the minimum MTU (RFC 1812 §4.3.2.3, RFC 4443 §2.4). */
	max_quote = v4 ? 576 - 20 - 8 : 1280 - 40 - 8;
	quote = RTE_MIN((uint32_t)pi->l3_len, max_quote);
	rte_pktmbuf_adj(m, pi->l3_off);
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - quote);
	p = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)(RTE_ETHER_HDR_LEN + ip_len + 8));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	icmp = p + RTE_ETHER_HDR_LEN + ip_len;
	memset(icmp, 0, 8);
	if (v4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);

		memset(ip, 0, 20);
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + 8 + quote));
		ip->time_to_live = 64;
		ip->next_proto_id = ZDP_IPPROTO_ICMP;
		memcpy(&ip->src_addr, src.a, 4);
		memcpy(&ip->dst_addr, pi->src.a, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		icmp[0] = 3;	/* destination unreachable */
		icmp[1] = 4;	/* fragmentation needed and DF set */
		icmp[6] = (uint8_t)(mtu >> 8);
		icmp[7] = (uint8_t)mtu;
		acc = 0;
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(p + RTE_ETHER_HDR_LEN);

		memset(ip6, 0, 40);
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(8 + quote));
		ip6->proto = ZDP_IPPROTO_ICMPV6;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, src.a, 16);
		memcpy(ip6->dst_addr, pi->src.a, 16);
		icmp[0] = 2;	/* packet too big */
		icmp[6] = (uint8_t)(mtu >> 8);
		icmp[7] = (uint8_t)mtu;
		acc = zdp_cksum_pseudo(&src, &pi->src, ZDP_IPPROTO_ICMPV6, 8 + quote);
	}
	acc = zdp_cksum_add(icmp, 8 + quote, acc);
	c = (uint16_t)~zdp_cksum_fold(acc);
	memcpy(icmp + 2, &c, 2);
	w->ctr->icmp_too_big_sent++;
	zdp_l3_output(w, s, back.port, &back.addr, m, NULL);
}
