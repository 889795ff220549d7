/* SPDX-License-Identifier: BSD-3-Clause
 * fastpath.c — the L4 fast path: flows, first-packet policy and backend
 * choice, full NAT both ways.
 *
 * Per burst:
 *   1. parse every packet (drop with a reason on any defect); ARP goes to
 *      l3.c; with software hand-off, packets owned by another worker are
 *      passed to it here.
 *   2. staged flow-table lookup of the whole burst.
 *   3. hit  -> TCP state tracking, NAT rewrite, TTL, next hop, TX.
 *      miss -> VIP:port?  first packet: policy (DENY first, then ALLOW) on
 *              the backend the LB picks, NAT binding with a source port whose
 *              reply hashes back to this worker, insert, forward.
 *              otherwise  l3.c (ND, echo, reset for a gateway address).
 *
 * The flow record copies everything forwarding needs (backend address and
 * port, SNAT address and port, both egress ports), so a config reload that
 * changes weights or removes a backend never touches an existing flow.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "fastpath.h"
#include "flow.h"
#include "l3.h"
#include "nat.h"
#include "neigh.h"
#include "parse.h"
#include "policy.h"
#include "proxy.h"
#include "route.h"
#include "symhash.h"
#include "worker.h"
#include "zdp_lb.h"
#include "zdp_lb_lookup.h"

/* Loop guard (ISTIO.md "Ports"): never forward to the capture ports. */
static inline bool
is_loop_port(uint16_t port)
{
	return port == 15001 || port == 15006 || port == 15008;
}

static void *
fp_alloc(size_t size, size_t align, void *arg)
{
	struct zdp_worker *w = arg;

	return rte_zmalloc_socket("zdp_flows", size, align, w->socket);
}

static void
fp_free(void *p, void *arg)
{
	(void)arg;
	rte_free(p);
}

static void
fp_apply_timeouts(struct zdp_worker *w, const struct zdp_snapshot *s)
{
	struct zdp_flow_timeouts to = {
		.syn = s->to_tcp_syn,
		.established = s->to_tcp_est,
		.closing = s->to_tcp_closing,
		.time_wait = s->to_tcp_closing,
		.udp = s->to_udp,
	};
	zdp_flow_set_timeouts(w->flows, &to);
}

/*
 * Next hops resolved in the current next-hop epoch, by peer address
 * (direct mapped). Within one epoch no route and no neighbour changed, so a
 * peer resolves to the same egress port and MAC for every flow: when the
 * epoch moves (every second at least), only the first flow towards each
 * peer pays the route and neighbour lookups (which also mark the neighbour
 * used and start its re-probe when it is stale); the others copy this.
 */
#define FP_NH_MEMO_SIZE 256u

struct zdp_nh_memo {
	struct zdp_addr peer;
	uint32_t epoch;
	uint8_t port;
	uint8_t mac[6];
};

static inline struct zdp_nh_memo *
fp_nh_memo_slot(struct zdp_worker *w, const struct zdp_addr *peer)
{
	uint32_t x[4], h;

	memcpy(x, peer->a, 16);
	h = (x[0] ^ x[1] ^ x[2] ^ x[3]) * 0x9e3779b1u;
	return &w->nh_memo[h >> 24];
}

int
zdp_fastpath_worker_init(struct zdp_worker *w)
{
	struct zdp_runtime *rt = w->rt;
	struct zdp_flow_params fp = {
		.capacity = rt->wp.flows,
		.seed = 0x5a17u + w->idx,
	};
	struct zdp_neigh_params np = {
		.capacity = rt->wp.neigh_entries,
		.hz = rt->tsc_hz,
		.release = zdp_l3_neigh_release,
		.ctx = w,
	};

	/* Try DPDK memory on the worker's socket first (hugepages); fall back
	 * to the heap, which first-touch on this lcore also keeps local. */
	fp.alloc = fp_alloc;
	fp.free = fp_free;
	fp.alloc_arg = w;
	w->flows = zdp_flow_table_create(&fp);
	if (w->flows == NULL) {
		fp.alloc = NULL;
		fp.free = NULL;
		w->flows = zdp_flow_table_create(&fp);
		if (w->flows != NULL)
			RTE_LOG(WARNING, USER1, "worker %u: flow table (%u flows, %zu MiB) in the "
				"process heap, not in DPDK memory (hugepages short?)\n",
				w->idx, fp.capacity, zdp_flow_table_bytes(w->flows) >> 20);
	}
	if (w->flows == NULL)
		return -ENOMEM;
	w->ctr->flows_capacity = fp.capacity;
	w->neigh = zdp_neigh_create(&np);
	if (w->neigh == NULL)
		return -ENOMEM;
	_Static_assert(FP_NH_MEMO_SIZE == 256u, "fp_nh_memo_slot uses h >> 24");
	w->nh_memo = rte_zmalloc_socket("zdp_nh_memo", FP_NH_MEMO_SIZE * sizeof(*w->nh_memo),
					RTE_CACHE_LINE_SIZE, w->socket);
	if (w->nh_memo == NULL)
		return -ENOMEM;
	if (zdp_proxy_worker_init(w) < 0)
		return -ENOMEM;
	/* Flows created in the very first loop must age with the configured
	 * timeouts, not the table's zero defaults. */
	if (rt->snap != NULL)
		fp_apply_timeouts(w, rt->snap);
	return 0;
}

void
zdp_fastpath_worker_fini(struct zdp_worker *w)
{
	zdp_proxy_worker_fini(w);
	rte_free(w->nh_memo);
	w->nh_memo = NULL;
	zdp_neigh_destroy(w->neigh);
	w->neigh = NULL;
	zdp_flow_table_destroy(w->flows);
	w->flows = NULL;
}

static void
fp_flow_expired(struct zdp_flow *f, void *arg)
{
	struct zdp_worker *w = arg;

	(void)f;
	w->ctr->flows_expired++;
}

/* Move the next-hop epoch (see fp_forward) when routes or neighbours may
 * have changed, and at least once a second. */
static void
fp_nh_epoch_update(struct zdp_worker *w, const struct zdp_snapshot *s)
{
	const struct zdp_neigh_stats *ns = zdp_neigh_stats(w->neigh);
	uint64_t nv = ns->resolved + ns->failed + ns->updated + ns->learned + ns->table_full;
	uint64_t tick = w->now / w->rt->tsc_hz;

	if (s->generation != w->nh_gen || nv != w->nh_neigh_version || tick != w->nh_tick) {
		w->nh_gen = s->generation;
		w->nh_neigh_version = nv;
		w->nh_tick = tick;
		w->nh_epoch++;
	}
}

void
zdp_fastpath_housekeeping(struct zdp_worker *w, const struct zdp_snapshot *s)
{
	struct zdp_flow_stats st;

	if (s->generation != w->ctr->snapshot_generation)
		fp_apply_timeouts(w, s);
	zdp_flow_get_stats(w->flows, &st);
	w->ctr->flows_active = st.active;
	/* Sweep the whole table about every 2 s (1 kHz calls): each slot
	 * checked is a likely cache miss, so scan no faster than ageing needs. */
	zdp_flow_expire(w->flows, w->now, 64 + (unsigned)(st.active / 2000), fp_flow_expired, w);
	zdp_l3_timers(w, s);
	fp_nh_epoch_update(w, s);
	if (w->proxy)
		zdp_proxy_housekeeping(w);
}

void
zdp_fastpath_send(struct zdp_worker *w, const struct zdp_snapshot *s, uint8_t family,
		  const void *a, struct rte_mbuf *m)
{
	size_t len = family == ZDP_AF_INET ? 4 : 16;
	struct zdp_nh_memo *memo;
	struct zdp_route_nh nh;
	struct zdp_addr peer;
	uint32_t x[4] = { 0, 0, 0, 0 };
	uint8_t mac[6];

	/* fp_nh_memo_slot's hash, from the bytes as given: building a
	 * struct zdp_addr first and reading it back whole would wait on
	 * store forwarding (route.c nh_fill) */
	memcpy(x, a, len);
	memo = &w->nh_memo[((x[0] ^ x[1] ^ x[2] ^ x[3]) * 0x9e3779b1u) >> 24];
	if (memo->epoch == w->nh_epoch && memo->peer.family == family &&
	    (family == ZDP_AF_INET ? memcmp(memo->peer.a, a, 4) == 0 :
				     memcmp(memo->peer.a, a, 16) == 0)) {
		zdp_l3_output_mac(w, memo->port, family, memo->mac, m);
		return;
	}
	memset(&peer, 0, sizeof(peer));
	peer.family = family;
	memcpy(peer.a, a, len);
	memo->epoch = w->nh_epoch - 1;	/* invalid until resolved */
	if (unlikely(zdp_route_lookup(s->routes, &peer, &nh) < 0)) {
		zdp_worker_drop(w, m, ZDP_DROP_NO_ROUTE);
		return;
	}
	if (zdp_l3_output(w, s, nh.port, &nh.addr, m, mac)) {
		memo->peer = peer;
		memo->port = (uint8_t)nh.port;
		memcpy(memo->mac, mac, 6);
		memo->epoch = w->nh_epoch;
	}
}

/* Remove an 802.1Q tag in place: forwarded packets leave untagged. */
static inline void
fp_strip_vlan(struct rte_mbuf *m, struct zdp_pkt_info *pi)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	memmove(p + 4, p, 12);
	rte_pktmbuf_adj(m, 4);
	pi->l3_off -= 4;
	pi->l4_off -= 4;
	pi->payload_off -= 4;
	pi->has_vlan = 0;
	pi->vlan_tci = 0;
}

/* A TCP segment the receiving device coalesced from several (LRO) leaves
 * as the segments it was made of, cut again by the egress device (TSO) or
 * by the worker (gso.h), when those segments fit the egress MTU. */
static inline bool
fp_lro_resplit_ok(const struct zdp_worker *w, uint16_t port, const struct rte_mbuf *m,
		  const struct zdp_pkt_info *pi)
{
	return (m->ol_flags & RTE_MBUF_F_RX_LRO) && pi->l4_proto == ZDP_IPPROTO_TCP &&
	       m->tso_segsz &&
	       (uint32_t)m->tso_segsz + pi->payload_off - pi->l3_off <= w->rt->ports[port].mtu;
}

/* After the rewrite: hand the segment to the device to split, as the TCP
 * stack does (tcp_api.h): lengths, flags, and the pseudo-header sum
 * without the length in the checksum field. */
static void
fp_lro_to_tso(uint8_t *frame, const struct zdp_pkt_info *pi, struct rte_mbuf *m)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(frame + pi->l4_off);
	uint64_t ol = RTE_MBUF_F_TX_TCP_SEG;

	m->l2_len = pi->l3_off;
	m->l3_len = (uint16_t)(pi->l4_off - pi->l3_off);
	m->l4_len = (uint16_t)(pi->payload_off - pi->l4_off);
	if (pi->family == ZDP_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + pi->l3_off);

		ol |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		ip->hdr_checksum = 0;
		th->cksum = rte_ipv4_phdr_cksum(ip, ol);
	} else {
		ol |= RTE_MBUF_F_TX_IPV6;
		th->cksum = rte_ipv6_phdr_cksum((const struct rte_ipv6_hdr *)(frame + pi->l3_off),
						ol);
	}
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_TX_OFFLOAD_MASK) | ol;
}

/* Forward one packet of an existing flow in direction @dir. Consumes @m.
 *
 * The flow caches, per direction, the egress port and next-hop MAC it was
 * last sent with, tagged with the worker's next-hop epoch; a new snapshot
 * (routes), any neighbour change, or the one-second tick (so stale
 * neighbours get re-probed) moves the epoch and the next packet resolves
 * afresh. A hit skips both the route and the neighbour lookup.
 * Inlined into the receive loop (~2 cycles per packet in process at 1k
 * flows, docs/performance-fastpath.md); other callers use
 * fp_forward_first(). */
static inline __attribute__((always_inline)) void
fp_forward(struct zdp_worker *w, const struct zdp_snapshot *s, struct rte_mbuf *m,
	   struct zdp_pkt_info *pi, struct zdp_flow *f, uint8_t dir)
{
	struct zdp_nh_memo *memo = NULL;
	struct zdp_route_nh nh;
	struct zdp_addr peer;
	uint8_t *frame;
	uint16_t port;
	bool cached, resplit = false;

	if (pi->l4_proto == ZDP_IPPROTO_TCP)
		zdp_flow_tcp_update(w->flows, f, dir, pi->tcp_flags, w->now);
	else
		zdp_flow_refresh(w->flows, f, w->now);

	if (unlikely(pi->has_vlan))
		fp_strip_vlan(m, pi);
	/* Ethernet padding of short frames must not travel with the packet. */
	if (rte_pktmbuf_pkt_len(m) > zdp_pkt_end(pi))
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - zdp_pkt_end(pi));
	frame = rte_pktmbuf_mtod(m, uint8_t *);

	cached = f->nh_epoch == w->nh_epoch && f->nh_port[dir] != ZDP_FLOW_NH_NONE;
	if (likely(cached)) {
		port = f->nh_port[dir];
	} else {
		/* Once per flow per epoch, i.e. often: one packet in
		 * (rate x 1 s / active flows) takes this path. */
		zdp_flow_peer(w->flows, f, dir, &peer);
		memo = fp_nh_memo_slot(w, &peer);
		if (memo->epoch == w->nh_epoch && zdp_addr_eq(&memo->peer, &peer)) {
			port = memo->port;
		} else {
			memo->epoch = w->nh_epoch - 1;	/* invalid until resolved */
			/* Route per (uncached) packet rather than pinning the
			 * flow's egress port: a route change in a reload
			 * applies to existing flows too. */
			if (unlikely(zdp_route_lookup(s->routes, &peer, &nh) < 0)) {
				zdp_worker_drop(w, m, ZDP_DROP_NO_ROUTE);
				return;
			}
			port = nh.port;
		}
	}
	if (unlikely(pi->l3_len > w->rt->ports[port].mtu)) {
		if (!fp_lro_resplit_ok(w, port, m, pi)) {
			/* Checked before any rewrite: the error quotes the
			 * packet as its sender sent it. A coalesced segment
			 * gets here only when the segments it was made of do
			 * not fit either. */
			zdp_l3_send_too_big(w, s, m, pi, w->rt->ports[port].mtu);
			return;
		}
		resplit = true;
	}
	if (likely(pi->family == ZDP_AF_INET &&
		   (pi->l4_proto == ZDP_IPPROTO_UDP || pi->l4_proto == ZDP_IPPROTO_TCP))) {
		if (unlikely(pi->ttl <= 1)) {
			zdp_worker_drop(w, m, ZDP_DROP_TTL);
			return;
		}
		zdp_flow_nat4_ttl(frame, pi, f, dir);
	} else if (pi->family == ZDP_AF_INET6 &&
		   (pi->l4_proto == ZDP_IPPROTO_UDP || pi->l4_proto == ZDP_IPPROTO_TCP)) {
		if (unlikely(pi->ttl <= 1)) {
			zdp_worker_drop(w, m, ZDP_DROP_TTL);
			return;
		}
		zdp_flow_nat6_ttl(frame, pi, zdp_flow_conn_of(w->flows, f), dir);
	} else {
		if (unlikely(zdp_nat_ttl_dec(frame, pi) < 0)) {
			zdp_worker_drop(w, m, ZDP_DROP_TTL);
			return;
		}
		zdp_flow_rewrite(frame, pi, zdp_flow_conn_of(w->flows, f), dir);
	}
	if (unlikely(resplit))
		fp_lro_to_tso(frame, pi, m);
	if (dir == ZDP_FLOW_DIR_FWD)
		w->ctr->backend_bytes[f->backend_id] += pi->l3_len;
	if (likely(cached)) {
		zdp_l3_output_mac(w, port, pi->family, f->nh_mac[dir], m);
		return;
	}
	if (memo->epoch == w->nh_epoch) {
		memcpy(f->nh_mac[dir], memo->mac, 6);
		zdp_l3_output_mac(w, port, pi->family, f->nh_mac[dir], m);
	} else if (zdp_l3_output(w, s, port, &nh.addr, m, f->nh_mac[dir])) {
		memo->peer = peer;
		memo->port = (uint8_t)port;
		memcpy(memo->mac, f->nh_mac[dir], 6);
		memo->epoch = w->nh_epoch;
	} else {
		return;
	}
	if (f->nh_epoch != w->nh_epoch) {
		/* The other direction's entry is from an older epoch. */
		f->nh_epoch = w->nh_epoch;
		f->nh_port[dir ^ 1] = ZDP_FLOW_NH_NONE;
	}
	f->nh_port[dir] = (uint8_t)port;
}

/* fp_forward() for the first packet of a new flow (not the hot path). */
static __attribute__((noinline)) void
fp_forward_first(struct zdp_worker *w, const struct zdp_snapshot *s, struct rte_mbuf *m,
		 struct zdp_pkt_info *pi, struct zdp_flow *f, uint8_t dir)
{
	fp_forward(w, s, m, pi, f, dir);
}

/*
 * Choose the source port of a new NAT binding (snat -> backend). The reply
 * (backend:bport -> snat:port) must hash to this worker, and the binding
 * must be unused: the flow table is the record of used ports, so a reverse
 * key that is not in it is free. Start at a random point of the range and
 * probe forward; give up after a bounded number of candidates so a nearly
 * exhausted range costs a bounded amount per new flow.
 */
static int
fp_pick_nat_port(struct zdp_worker *w, const struct zdp_snapshot *s,
		 struct zdp_flow_key *rev, const struct zdp_addr *backend,
		 uint16_t be_bport, const struct zdp_addr *snat, uint8_t proto)
{
	const struct zdp_runtime *rt = w->rt;
	/* The snapshot's range excludes the TCP stack's ephemeral ports
	 * (gateway.proxyPorts). The random start is uniform over it: starting
	 * in a skipped region would funnel picks onto the few ports after it
	 * (linear probing clusters) and exhaust them. */
	uint32_t hi = s->nat_port_max;
	uint32_t range, start, i, tries = 0;
	uint8_t dir;

	if (hi < s->nat_port_min)
		return -ENOSPC;
	range = hi - s->nat_port_min + 1;
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 17;
	w->rng ^= w->rng << 5;
	start = w->rng % range;
	for (i = 0; i < range && tries < 64; i++) {
		uint16_t port = (uint16_t)(s->nat_port_min + (start + i) % range);
		uint16_t be_port = rte_cpu_to_be_16(port);
		if (rt->n_workers > 1 &&
		    zdp_runtime_owner(rt, zdp_symhash(backend, snat, be_bport, be_port,
						      proto)) != w->idx)
			continue;	/* not a candidate for this worker; not a try */
		tries++;
		w->ctr->nat_port_attempts++;
		zdp_flow_key_make(rev, proto, backend, be_bport, snat, be_port);
		if (zdp_flow_lookup(w->flows, rev, &dir) == NULL)
			return be_port;
	}
	return -ENOSPC;
}

static void
fp_refuse(struct zdp_worker *w, uint16_t pidx, struct rte_mbuf *m,
	  const struct zdp_pkt_info *pi, enum zdp_drop_reason r)
{
	w->ctr->drops[r]++;
	if (pi->l4_proto == ZDP_IPPROTO_TCP && !(pi->tcp_flags & ZDP_TCP_RST))
		zdp_l3_send_rst(w, pidx, m, pi);
	else
		rte_pktmbuf_free(m);
}

enum zdp_drop_reason
zdp_vip_pick(struct zdp_worker *w, const struct zdp_snapshot *s, const struct zdp_vip *vip,
	     const struct zdp_addr *src, const struct zdp_addr *dst, uint16_t sport,
	     uint16_t dport, uint8_t proto, const struct zdp_backend **out)
{
	const struct zdp_backend *be;
	struct zdp_policy_conn conn;
	struct zdp_policy_result pr;
	uint32_t bidx;

	bidx = zdp_lb_table_lookup(vip->lb, zdp_lb_hash_tuple(src, dst, sport, dport, proto));
	if (bidx == ZDP_LB_NONE || bidx >= vip->n_backends)
		return ZDP_DROP_NO_BACKEND;
	be = &vip->backends[bidx];
	if (unlikely(be->flags & ZDP_BACKEND_F_HBONE))
		return ZDP_DROP_HBONE_REQUIRED;
	if (unlikely(be->flags & ZDP_BACKEND_F_LOOP))
		return ZDP_DROP_LOOP_PORT;

	/* Istio L4 authorization for the chosen destination workload. */
	conn.src = *src;
	conn.dst = be->addr;
	conn.dst_port = be->port;
	conn.src_id = NULL;	/* plaintext carries no identity */
	zdp_policy_eval(s->policies, be->workload_idx, &conn, &pr);
	for (uint32_t i = 0; i < pr.n_dry_run; i++)
		if (pr.dry_run_ids[i] < ZDP_POLICY_STAT_MAX)
			w->ctr->policy[pr.dry_run_ids[i]].dry_run_match++;
	if (pr.policy_id < ZDP_POLICY_STAT_MAX) {
		if (pr.verdict == ZDP_POLICY_DENY)
			w->ctr->policy[pr.policy_id].deny++;
		else
			w->ctr->policy[pr.policy_id].allow++;
	}
	if (pr.verdict == ZDP_POLICY_DENY)
		return ZDP_DROP_POLICY_DENY;
	*out = be;
	return ZDP_DROP_NONE;
}

/* First packet to a VIP:port: decide and create the flow. Consumes @m. */
static void
fp_new_flow(struct zdp_worker *w, const struct zdp_snapshot *s, uint16_t pidx,
	    struct rte_mbuf *m, struct zdp_pkt_info *pi, const struct zdp_vip *vip,
	    const struct zdp_flow_key *fwd)
{
	const struct zdp_backend *be;
	enum zdp_drop_reason r;
	struct zdp_route_nh nh;
	struct zdp_flow_conn tmpl;
	struct zdp_flow *f;
	struct zdp_addr snat;
	int port, rc;

	if (pi->l4_proto == ZDP_IPPROTO_TCP &&
	    (pi->tcp_flags & (ZDP_TCP_SYN | ZDP_TCP_ACK | ZDP_TCP_RST)) != ZDP_TCP_SYN) {
		/* Not a connection opening: a flow we never saw or already
		 * expired. Dropping (rather than resetting) lets a flow that
		 * lives on after a restart of the peer time out quietly. */
		zdp_worker_drop(w, m, ZDP_DROP_NO_FLOW);
		return;
	}

	r = zdp_vip_pick(w, s, vip, &pi->src, &pi->dst, rte_be_to_cpu_16(pi->sport),
			 rte_be_to_cpu_16(pi->dport), pi->l4_proto, &be);
	if (r != ZDP_DROP_NONE) {
		fp_refuse(w, pidx, m, pi, r);
		return;
	}

	if (zdp_route_lookup(s->routes, &be->addr, &nh) < 0 ||
	    zdp_route_src_addr(s->routes, nh.port, &be->addr, &snat) < 0) {
		fp_refuse(w, pidx, m, pi, ZDP_DROP_NO_ROUTE);
		return;
	}
	memset(&tmpl, 0, sizeof(tmpl));
	port = fp_pick_nat_port(w, s, &tmpl.rev, &be->addr, rte_cpu_to_be_16(be->port),
				&snat, pi->l4_proto);
	if (port < 0) {
		fp_refuse(w, pidx, m, pi, ZDP_DROP_NAT_PORTS);
		return;
	}
	tmpl.fwd = *fwd;
	tmpl.snat_addr = snat;
	tmpl.snat_port = (uint16_t)port;
	tmpl.backend_addr = be->addr;
	tmpl.backend_port = rte_cpu_to_be_16(be->port);
	rc = zdp_flow_insert(w->flows, &tmpl, be->stat_id, w->now, &f);
	if (rc == -EEXIST) {
		uint8_t dir;
		/* A retransmitted SYN in the same burst as the first one. */
		f = zdp_flow_lookup(w->flows, fwd, &dir);
		if (f == NULL) {
			zdp_worker_drop(w, m, ZDP_DROP_FLOW_TABLE_FULL);
			return;
		}
		fp_forward_first(w, s, m, pi, f, dir);
		return;
	}
	if (rc < 0) {
		fp_refuse(w, pidx, m, pi, ZDP_DROP_FLOW_TABLE_FULL);
		return;
	}
	w->ctr->flows_created++;
	if (pi->l4_proto == ZDP_IPPROTO_TCP)
		w->ctr->flows_tcp_created++;
	else
		w->ctr->flows_udp_created++;
	w->ctr->backend_picks[be->stat_id]++;
	fp_forward_first(w, s, m, pi, f, ZDP_FLOW_DIR_FWD);
}

/* ICMP errors that carry a packet of one of our flows (RFC 792 types 3,
 * 11, 12; RFC 4443 types 1-4). */
static inline bool
fp_is_icmp_error(const struct zdp_pkt_info *pi)
{
	uint8_t type = (uint8_t)(rte_be_to_cpu_16(pi->dport) >> 8);

	if (pi->l4_proto == ZDP_IPPROTO_ICMP)
		return type == 3 || type == 11 || type == 12;
	if (pi->l4_proto == ZDP_IPPROTO_ICMPV6)
		return type >= 1 && type <= 4;
	return false;
}

/* Parse the packet an ICMP error quotes (after the 8-byte ICMP header):
 * IP header and the full TCP/UDP header, which translation rewrites.
 * Fills @in as the parser would for that packet. False if it is not a
 * TCP/UDP packet quoted in full. */
static bool
fp_icmp_inner(const uint8_t *frame, const struct zdp_pkt_info *pi, struct zdp_pkt_info *in)
{
	uint32_t end = zdp_pkt_end(pi), ioff = pi->l4_off + 8u, ihl, l4len;

	memset(in, 0, sizeof(*in));
	in->kind = ZDP_PKT_IP;
	in->family = pi->family;
	in->l3_off = (uint16_t)ioff;
	if (pi->family == ZDP_AF_INET) {
		if (end < ioff + 20 || (frame[ioff] >> 4) != 4)
			return false;
		ihl = (frame[ioff] & 0xfu) * 4u;
		if (ihl < 20)
			return false;
		in->l4_proto = frame[ioff + 9];
		in->src.family = in->dst.family = ZDP_AF_INET;
		memcpy(in->src.a, frame + ioff + 12, 4);
		memcpy(in->dst.a, frame + ioff + 16, 4);
	} else {
		ihl = 40;
		if (end < ioff + 40 || (frame[ioff] >> 4) != 6)
			return false;
		in->l4_proto = frame[ioff + 6];	/* extension headers: not ours */
		in->src.family = in->dst.family = ZDP_AF_INET6;
		memcpy(in->src.a, frame + ioff + 8, 16);
		memcpy(in->dst.a, frame + ioff + 24, 16);
	}
	l4len = in->l4_proto == ZDP_IPPROTO_TCP ? 20 : in->l4_proto == ZDP_IPPROTO_UDP ? 8 : 0;
	/* The whole embedded L4 header must be there: we rewrite its ports and
	 * checksum. (Linux quotes up to 576 / 1280 bytes, so it is.) */
	if (l4len == 0 || end < ioff + ihl + l4len)
		return false;
	in->l4_off = (uint16_t)(ioff + ihl);
	in->l3_len = (uint16_t)(end - ioff);
	memcpy(&in->sport, frame + in->l4_off, 2);
	memcpy(&in->dport, frame + in->l4_off + 2, 2);
	return true;
}

/*
 * Translate an ICMP error about a NATed packet (RFC 5508 §4.2, RFC 5382
 * REQ-9), so path-MTU discovery and "unreachable" reach the endpoint that
 * sent the packet:
 *   from the backend side, about snat:nport -> backend:bport: becomes an
 *     error to the client about client:cport -> VIP:vport;
 *   from the client side, about VIP:vport -> client:cport: becomes an error
 *     to the backend about backend:bport -> snat:nport.
 * The outer source is rewritten only when it is the NATed endpoint itself
 * (a router's address stays). Returns false when the embedded packet is not
 * one of our flows (the caller then treats the packet as local).
 */
static bool
fp_icmp_error(struct zdp_worker *w, const struct zdp_snapshot *s, struct rte_mbuf *m,
	      struct zdp_pkt_info *pi)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t end = zdp_pkt_end(pi);
	struct zdp_pkt_info in;
	struct zdp_flow_key k;
	struct zdp_addr vip, client, peer;
	const struct zdp_addr *osrc = NULL;
	struct zdp_route_nh nh;
	const struct zdp_flow_conn *c;
	struct zdp_flow *f;
	uint8_t dir;
	uint64_t acc;
	uint16_t zero = 0;

	if (!fp_icmp_inner(frame, pi, &in))
		return false;

	/* The quoted packet went out of zdp; its reply direction is a key. */
	zdp_flow_key_make(&k, in.l4_proto, &in.dst, in.dport, &in.src, in.sport);
	f = zdp_flow_lookup(w->flows, &k, &dir);
	if (f == NULL)
		return false;
	c = zdp_flow_conn_of(w->flows, f);
	zdp_flow_key_addrs(&c->fwd, &client, &vip);
	if (dir == ZDP_FLOW_DIR_REV) {
		zdp_nat_rewrite(frame, &in, &client, c->fwd.sport, &vip, c->fwd.dport);
		if (zdp_addr_eq(&pi->src, &c->backend_addr))
			osrc = &vip;
		peer = client;
	} else {
		zdp_nat_rewrite(frame, &in, &c->backend_addr, c->backend_port,
				&c->snat_addr, c->snat_port);
		if (zdp_addr_eq(&pi->src, &client))
			osrc = &c->snat_addr;
		peer = c->backend_addr;
	}
	if (zdp_nat_ttl_dec(frame, pi) < 0) {
		zdp_worker_drop(w, m, ZDP_DROP_TTL);
		return true;
	}
	zdp_nat_rewrite(frame, pi, osrc, 0, &peer, 0);
	/* The quoted bytes changed: recompute the ICMP checksum over the
	 * whole message (and the IPv6 pseudo-header, RFC 4443 §2.3). */
	memcpy(frame + pi->l4_off + 2, &zero, 2);
	acc = 0;
	if (pi->family == ZDP_AF_INET6) {
		struct zdp_addr src6, dst6;
		memset(&src6, 0, sizeof(src6));
		memset(&dst6, 0, sizeof(dst6));
		src6.family = dst6.family = ZDP_AF_INET6;
		memcpy(src6.a, frame + pi->l3_off + 8, 16);
		memcpy(dst6.a, frame + pi->l3_off + 24, 16);
		acc = zdp_cksum_pseudo(&src6, &dst6, ZDP_IPPROTO_ICMPV6, end - pi->l4_off);
	}
	acc = zdp_cksum_add(frame + pi->l4_off, end - pi->l4_off, acc);
	{
		uint16_t sum = (uint16_t)~zdp_cksum_fold(acc);
		memcpy(frame + pi->l4_off + 2, &sum, 2);
	}
	w->ctr->icmp_errors_translated++;
	if (zdp_route_lookup(s->routes, &peer, &nh) < 0) {
		zdp_worker_drop(w, m, ZDP_DROP_NO_ROUTE);
		return true;
	}
	zdp_l3_output(w, s, nh.port, &nh.addr, m, NULL);
	return true;
}

/*
 * An ICMP error that is about none of the NAT flows may be about one of the
 * tcp-proxy's connections: "fragmentation needed" / "packet too big" lowers
 * that connection's path MTU (the stack validates it, tcp_api.h
 * zdp_tcp_icmp_input). True when the stack took the message. The parser has
 * verified the ICMP checksum.
 */
static bool
fp_icmp_to_tcp(struct zdp_worker *w, struct rte_mbuf *m, const struct zdp_pkt_info *pi)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	uint8_t type = (uint8_t)(rte_be_to_cpu_16(pi->dport) >> 8);
	bool pmtu = pi->l4_proto == ZDP_IPPROTO_ICMP ?
		rte_be_to_cpu_16(pi->dport) == (3 << 8 | 4) : type == 2;

	if (!pmtu)
		return false;
	zdp_tcp_icmp_input(w->tcp, pi->family, frame + pi->l4_off,
			   zdp_pkt_end(pi) - pi->l4_off);
	rte_pktmbuf_free(m);
	return true;
}

/* The NIC's checksum verdicts (BAD was dropped already); without an L4
 * verdict the TCP/UDP checksum is left to fp_l4_csum_bad(). */
static inline unsigned
fp_parse_flags(const struct rte_mbuf *m)
{
	unsigned f = 0;

	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		f |= ZDP_PARSE_IP_CSUM_GOOD;
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		f |= ZDP_PARSE_L4_CSUM_GOOD;
	else
		f |= ZDP_PARSE_DEFER_L4_CSUM;
	return f;
}

/*
 * Deferred TCP/UDP checksum verification (parse.h ZDP_PARSE_DEFER_L4_CSUM).
 * Verified in software, when the NIC did not, for every packet that zdp
 * consumes or that opens or changes a flow: first packets, local traffic,
 * tcp-proxy, ICMP errors' carriers, and TCP segments with SYN, FIN or RST
 * (they move the flow's state and timeout). Plain packets of an established
 * NAT flow are forwarded without it unless the snapshot asks for it
 * (gateway.verifyForwardedChecksums): NAT updates their checksum
 * incrementally (RFC 1624), which keeps a wrong checksum wrong, so the end
 * host still drops the packet — as VPP's NAT44 does. True when @m must be
 * dropped with ZDP_DROP_L4_CSUM. A verified packet is flagged good, so the
 * TCP stack (tcp-proxy) does not sum it again, and a TCP payload's own sum
 * goes with it for the stack to reuse when it relays those bytes.
 */
static inline bool
fp_l4_csum_bad(struct zdp_worker *w, struct rte_mbuf *m, const struct zdp_pkt_info *pi)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t poff, plen, psum;

	if (w->tcp != NULL && pi->l4_proto == ZDP_IPPROTO_TCP) {
		if (zdp_pkt_tcp_csum_split(d, pi, &poff, &plen, &psum) != 0)
			return true;
		if (plen != 0)
			zdp_tcp_psum_set(w->tcp, m, (uint16_t)(m->data_off + poff), plen, psum);
	} else if (zdp_pkt_l4_csum_check(d, pi) != 0) {
		return true;
	}
	/* the parser verified the IPv4 header unless the NIC had */
	m->ol_flags = (m->ol_flags & ~(RTE_MBUF_F_RX_L4_CKSUM_MASK | RTE_MBUF_F_RX_IP_CKSUM_MASK)) |
		RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	return false;
}

/*
 * Neighbour tables are per worker, but an ARP reply or NA arrives at one
 * worker only: share a copy with every other worker so all of them learn
 * (and release the packets they hold for that neighbour).
 */
static void
fp_share_neigh_msg(struct zdp_worker *w, uint16_t pidx, struct rte_mbuf *m)
{
	struct zdp_runtime *rt = w->rt;

	for (unsigned o = 0; o < rt->n_workers; o++) {
		struct rte_mbuf *c;

		if (o == w->idx)
			continue;
		c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		if (c == NULL) {
			w->ctr->drops[ZDP_DROP_NO_MBUF]++;
			continue;
		}
		c->hash.usr = ((uint32_t)pidx << 16) | ZDP_HANDOFF_LEARN;
		if (rte_ring_sp_enqueue(rt->handoff_ring[o][w->idx], c) != 0)
			zdp_worker_drop(w, c, ZDP_DROP_HANDOFF_FULL);
		else
			w->ctr->handoff_out++;
	}
}

/* Hand @m to the worker that owns its flow. True when it left this worker. */
static inline bool
fp_handoff(struct zdp_worker *w, uint16_t pidx, struct rte_mbuf *m,
	   const struct zdp_pkt_info *pi)
{
	struct zdp_runtime *rt = w->rt;
	struct zdp_pkt_info in;
	unsigned owner;

	/* An ICMP error belongs to the flow it quotes, which the symmetric
	 * hash of the quoted header names. */
	if (unlikely(fp_is_icmp_error(pi)) &&
	    fp_icmp_inner(rte_pktmbuf_mtod(m, const uint8_t *), pi, &in))
		owner = zdp_runtime_owner(rt, zdp_symhash(&in.src, &in.dst, in.sport, in.dport,
							  in.l4_proto));
	else
		owner = zdp_runtime_owner(rt, zdp_symhash(&pi->src, &pi->dst, pi->sport,
							  pi->dport, pi->l4_proto));
	if (owner == w->idx)
		return false;
	m->hash.usr = ((uint32_t)pidx << 16) | ZDP_HANDOFF_OWNED;
	if (rte_ring_sp_enqueue(rt->handoff_ring[owner][w->idx], m) != 0) {
		zdp_worker_drop(w, m, ZDP_DROP_HANDOFF_FULL);
		return true;
	}
	w->ctr->handoff_out++;
	return true;
}

/* Packets whose header miss is in flight ahead of the one being parsed:
 * 8 measured best over memif zero-copy at 1M flows (2: 221-232 cycles per
 * packet, 8: 200-216, 16 and 32: 195-238, docs/performance-fastpath.md).
 * -DFP_PREFETCH_AHEAD=N to tune for another NIC. */
#ifndef FP_PREFETCH_AHEAD
#define FP_PREFETCH_AHEAD 8
#endif

void
zdp_fastpath_rx(struct zdp_worker *w, const struct zdp_snapshot *s, uint16_t pidx,
		struct rte_mbuf **pkts, uint16_t n, unsigned handed_off)
{
	bool learn_only = handed_off & ZDP_HANDOFF_LEARN;
	struct zdp_pkt_info pi[ZDP_BURST];
	struct zdp_flow_key keys[ZDP_BURST];
	const struct zdp_flow_key *kp[ZDP_BURST];
	uint64_t kh[ZDP_BURST];
	struct rte_mbuf *ip[ZDP_BURST];
	struct zdp_flow *hits[ZDP_BURST];
	uint8_t dirs[ZDP_BURST];
	uint8_t csum_todo[ZDP_BURST];	/* TCP/UDP checksum not verified yet */
	unsigned n_ip = 0;
	uint64_t bytes = 0;

	if (!handed_off) {
		for (uint16_t i = 0; i < n; i++)
			bytes += pkts[i]->pkt_len;
		w->ctr->q[pidx].rx_packets += n;
		w->ctr->q[pidx].rx_bytes += bytes;
	}

	/* Stage 1: parse and classify. The headers were written by the NIC
	 * (or by another core): keep FP_PREFETCH_AHEAD of their misses in
	 * flight, next to the flow-bucket misses started below. */
	for (uint16_t i = 0; i < RTE_MIN(n, FP_PREFETCH_AHEAD); i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct zdp_pkt_info *p = &pi[n_ip];
		const uint8_t *frame;
		unsigned pf;
		int r;

		if (i + FP_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + FP_PREFETCH_AHEAD], void *));
		if (unlikely(m->nb_segs > 1) && rte_pktmbuf_linearize(m) < 0) {
			zdp_worker_drop(w, m, ZDP_DROP_NO_MBUF);
			continue;
		}
		if (unlikely((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
			     RTE_MBUF_F_RX_L4_CKSUM_BAD)) {
			zdp_worker_drop(w, m, ZDP_DROP_L4_CSUM);
			continue;
		}
		pf = fp_parse_flags(m);
		frame = rte_pktmbuf_mtod(m, const uint8_t *);
		r = likely(zdp_pkt_parse_ip4_fast(frame, m->data_len, pf, p)) ||
		    zdp_pkt_parse_ip6_fast(frame, m->data_len, pf, p) ? 0 :
			zdp_pkt_parse(frame, m->data_len, pf, p);
		if (unlikely(r != 0)) {
			zdp_worker_drop(w, m, (enum zdp_drop_reason)r);
			continue;
		}
		csum_todo[n_ip] = (pf & ZDP_PARSE_DEFER_L4_CSUM) &&
				  (p->l4_proto == ZDP_IPPROTO_TCP || p->l4_proto == ZDP_IPPROTO_UDP);
		if (unlikely(w->rt->handoff) && !handed_off && zdp_l3_is_neigh_msg(p))
			fp_share_neigh_msg(w, pidx, m);
		if (unlikely(p->kind == ZDP_PKT_ARP)) {
			zdp_l3_arp_input(w, s, pidx, m, p, learn_only);
			continue;
		}
		if (unlikely(learn_only)) {
			if (csum_todo[n_ip] && fp_l4_csum_bad(w, m, p)) {
				zdp_worker_drop(w, m, ZDP_DROP_L4_CSUM);
				continue;
			}
			zdp_l3_local_input(w, s, pidx, m, p, true);
			continue;
		}
		if (w->rt->handoff && !handed_off && !zdp_l3_is_neigh_msg(p) &&
		    fp_handoff(w, pidx, m, p))
			continue;
		zdp_flow_key_from_pkt(&keys[n_ip], p);
		/* Start the bucket miss now: it overlaps with parsing the
		 * rest of the burst. */
		kh[n_ip] = zdp_flow_hash_prefetch(w->flows, &keys[n_ip]);
		kp[n_ip] = &keys[n_ip];
		ip[n_ip++] = m;
	}
	if (n_ip == 0)
		return;

	/* Stage 2: the rest of the staged lookup of the whole burst (it
	 * prefetches every record line a hit touches, so their misses
	 * overlap). Segments for this worker's TCP stack (tcp-proxy) have no
	 * flow: start their connection-table misses before stage 3 reaches
	 * them. */
	if (zdp_flow_lookup_burst_hashed(w->flows, kp, kh, n_ip, hits, dirs) < n_ip &&
	    w->tcp != NULL)
		for (unsigned j = 0; j < n_ip; j++)
			if (hits[j] == NULL && pi[j].l4_proto == ZDP_IPPROTO_TCP)
				zdp_tcp_prefetch(w->tcp, &pi[j].dst, rte_be_to_cpu_16(pi[j].dport),
						 &pi[j].src, rte_be_to_cpu_16(pi[j].sport));

	/* Stage 3: act. */
	for (unsigned j = 0; j < n_ip; j++) {
		struct rte_mbuf *m = ip[j];
		struct zdp_pkt_info *p = &pi[j];
		const struct zdp_vip *vip;

		if (csum_todo[j] &&
		    (hits[j] == NULL || s->verify_fwd_l4_csum ||
		     (p->tcp_flags & (ZDP_TCP_SYN | ZDP_TCP_FIN | ZDP_TCP_RST))) &&
		    fp_l4_csum_bad(w, m, p)) {
			zdp_worker_drop(w, m, ZDP_DROP_L4_CSUM);
			continue;
		}
		if (likely(hits[j] != NULL)) {
			fp_forward(w, s, m, p, hits[j], dirs[j]);
			continue;
		}
		if (p->l4_proto == ZDP_IPPROTO_TCP || p->l4_proto == ZDP_IPPROTO_UDP) {
			vip = zdp_snapshot_vip_lookup(s, &p->dst, p->dport, p->l4_proto);
			if (vip != NULL && vip->mode == ZDP_VIP_TCP_PROXY) {
				zdp_proxy_input(w, s, m, p);
				continue;
			}
			if (vip != NULL) {
				fp_new_flow(w, s, pidx, m, p, vip, &keys[j]);
				continue;
			}
		} else if (fp_is_icmp_error(p)) {
			if (unlikely(p->has_vlan))
				fp_strip_vlan(m, p);
			if (fp_icmp_error(w, s, m, p))
				continue;
			if (w->tcp != NULL && fp_icmp_to_tcp(w, m, p))
				continue;
		}
		zdp_l3_local_input(w, s, pidx, m, p, false);
	}
}
