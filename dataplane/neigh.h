/* SPDX-License-Identifier: BSD-3-Clause
 * neigh.h — per-worker ARP / IPv6 Neighbour Discovery table.
 *
 * One table per worker lcore, owned by it: no locks, no atomics, no
 * allocation after zdp_neigh_create(). The table never touches packets or
 * sends anything itself; it tells the caller what to do:
 *
 *   route lookup -> (port, next hop)
 *   zdp_neigh_resolve(t, port, nh, pkt, now, &out)
 *     ZDP_NEIGH_SEND   out.mac valid: set the Ethernet dst, transmit pkt
 *     ZDP_NEIGH_HELD   the table keeps pkt (opaque pointer) until the
 *                      neighbour resolves or fails; it comes back through
 *                      params.release()
 *     < 0              drop pkt, reason from the code (see resolve)
 *     and independently, out.solicit says whether to send an ARP request /
 *     Neighbour Solicitation now (broadcast/multicast, or unicast to out.mac)
 *
 *   zdp_neigh_timer(t, now, sol, n)   once per loop or every few ms: returns
 *     the retransmissions due (the caller builds and sends them), fails
 *     neighbours after max_probes (held packets released with mac == NULL),
 *     forgets FAILED entries after failed_hold and idle STALE ones after
 *     gc_stale.
 *
 *   zdp_neigh_learn(t, rt, port, ip, mac, flags, now)   from received ARP,
 *     NS and NA (flags below); resolving an INCOMPLETE entry releases its
 *     held packets through params.release() with the new MAC.
 *
 * States (RFC 4861 §7.3.2, simplified; ARP uses the same machine):
 *
 *            miss: solicit mcast                 reply / solicited NA
 *   (none) ----------------------> INCOMPLETE --------------------> REACHABLE
 *     ^                             | max_probes unanswered           |
 *     | failed_hold                 v                                 | reachable
 *     +------------------------- FAILED                               v  time
 *     ^                                           used: solicit ucast
 *     | max_probes unanswered   PROBE <-------------------------- STALE
 *     +------------------------ (sends with cached MAC,   ----->  (still used)
 *                                re-probes unicast)    confirmation -> REACHABLE
 *
 * Choice for STALE (documented in docs/l3.md): RFC 4861's DELAY state is
 * skipped (upper-layer hints, zdp_neigh_confirm(), come only from the
 * tcp-proxy's connections) — so the first use of a
 * STALE entry sends the packet with the cached MAC and asks for a unicast
 * probe at once (PROBE). max_probes unanswered unicast probes delete the
 * entry (§7.3.3); the next packet starts a fresh multicast resolution.
 *
 * Time: `now` is in caller units, `params.hz` of them per second (TSC cycles
 * with rte_get_tsc_hz(), or milliseconds with hz = 1000 in tests).
 */
#ifndef ZDP_NEIGH_H
#define ZDP_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "zdp_addr.h"

struct zdp_neigh_table;
struct zdp_route_table;

/* Packets held while a neighbour resolves (defaults of the params below):
 * at most ZDP_NEIGH_QUEUE_LEN per INCOMPLETE neighbour (Linux holds about a
 * hundred: unres_qlen) and ZDP_NEIGH_HELD_MAX in the whole table, so
 * unresolved next hops can never take the mbuf pool. One more ->
 * -ENOBUFS. A burst of new flows towards a new backend (a canary step, a
 * new pod) is held, not dropped past its fourth packet. */
#define ZDP_NEIGH_QUEUE_LEN	64
#define ZDP_NEIGH_HELD_MAX	1024

#define ZDP_NEIGH_STATES(X)	\
	X(INCOMPLETE, "incomplete")	\
	X(REACHABLE,  "reachable")	\
	X(STALE,      "stale")		\
	X(PROBE,      "probe")		\
	X(FAILED,     "failed")

enum zdp_neigh_state {
	ZDP_NEIGH_NONE = 0,	/* no entry */
#define ZDP_NEIGH_STATE_ENUM_(sym, name) ZDP_NEIGH_##sym,
	ZDP_NEIGH_STATES(ZDP_NEIGH_STATE_ENUM_)
#undef ZDP_NEIGH_STATE_ENUM_
	ZDP_NEIGH__STATE_COUNT
};

/* "reachable" etc.; "none" for NONE, "unknown" out of range. Never NULL. */
const char *zdp_neigh_state_name(enum zdp_neigh_state s);

struct zdp_neigh_params {
	uint32_t capacity;	/* entries; 0 -> 4096 (cfg neigh_entries) */
	uint64_t hz;		/* units of `now` per second; required (> 0) */
	uint32_t retrans_ms;	/* between solicitations; 0 -> 1000 */
	uint32_t max_probes;	/* solicitations before giving up; 0 -> 3 */
	uint32_t reachable_ms;	/* REACHABLE -> STALE; 0 -> 30000 */
	uint32_t failed_hold_ms; /* FAILED kept (drops, no new ARP); 0 -> 10000 */
	uint32_t gc_stale_ms;	/* idle STALE entries forgotten; 0 -> 60000 */
	uint32_t queue_len;	/* packets held per neighbour; 0 -> ZDP_NEIGH_QUEUE_LEN */
	uint32_t held_max;	/* packets held in the table; 0 -> ZDP_NEIGH_HELD_MAX */
	/* Held packet comes back: @mac != NULL -> resolved, transmit @pkt on
	 * @port with Ethernet dst @mac; @mac == NULL -> resolution failed (or
	 * flush/destroy): free @pkt, count ZDP_DROP_NEIGH_FAILED. Called from
	 * inside learn / timer / flush / destroy; it must not call back into
	 * the same table. May be NULL only if no packet is ever held. */
	void (*release)(void *ctx, void *pkt, uint16_t port, const uint8_t *mac);
	void *ctx;
};

/* What the caller should send besides the packet itself. */
enum zdp_neigh_solicit {
	ZDP_NEIGH_SOLICIT_NONE = 0,
	ZDP_NEIGH_SOLICIT_MCAST,	/* ARP request to ff:ff:ff:ff:ff:ff / NS to
					 * the solicited-node multicast address */
	ZDP_NEIGH_SOLICIT_UCAST,	/* ARP request / NS unicast to mac (re-probe
					 * of a STALE entry) */
};

/* Verdicts of zdp_neigh_resolve() that keep the packet. */
#define ZDP_NEIGH_SEND	0	/* transmit now with out->mac */
#define ZDP_NEIGH_HELD	1	/* the table holds the packet */

struct zdp_neigh_out {
	uint8_t mac[6];		/* valid for ZDP_NEIGH_SEND and SOLICIT_UCAST */
	uint8_t solicit;	/* enum zdp_neigh_solicit */
	uint8_t state;		/* enum zdp_neigh_state after the call */
};

/* One solicitation the caller must build and send (from zdp_neigh_timer). */
struct zdp_neigh_solicitation {
	struct zdp_addr ip;	/* whom to ask for (target) */
	uint16_t port;
	uint8_t solicit;	/* SOLICIT_MCAST or SOLICIT_UCAST */
	uint8_t mac[6];		/* unicast destination for SOLICIT_UCAST */
};

/* Learning flags: what a received message proves (RFC 826 merge rule,
 * RFC 4861 §7.2.3 NS and §7.2.5 NA). The caller maps messages to flags:
 *   ARP request whose target is ours           CREATE | OVERRIDE
 *   ARP reply whose target is ours             CONFIRM | OVERRIDE
 *   other ARP (gratuitous, not for us)         OVERRIDE    (existing only)
 *   NS for our address with SLLA option        CREATE | OVERRIDE
 *   NA                                          (S ? CONFIRM : 0) |
 *                                               (O ? OVERRIDE : 0), mac =
 *                                               TLLA option or NULL */
#define ZDP_NEIGH_F_CREATE	0x1	/* may create a missing entry (STALE) */
#define ZDP_NEIGH_F_CONFIRM	0x2	/* reachability confirmed -> REACHABLE */
#define ZDP_NEIGH_F_OVERRIDE	0x4	/* may replace a different cached MAC */

struct zdp_neigh_stats {
	uint64_t hits;		/* resolve found a usable MAC */
	uint64_t misses;	/* resolve found no MAC (new or INCOMPLETE) */
	uint64_t solicits;	/* solicitations requested (resolve + timer) */
	uint64_t resolved;	/* INCOMPLETE/FAILED -> usable by learning */
	uint64_t failed;	/* INCOMPLETE -> FAILED */
	uint64_t queue_drops;	/* resolve returned -ENOBUFS (either limit) */
	uint64_t failed_drops;	/* resolve returned -EHOSTUNREACH */
	uint64_t table_full;	/* resolve/learn found no free entry */
	uint64_t learned;	/* entries created by learn */
	uint64_t updated;	/* MAC changed by learn */
	uint64_t refused;	/* learn for an address not on-link */
	uint64_t released;	/* held packets handed back (either way) */
	uint64_t confirmed;	/* zdp_neigh_confirm() refreshed an entry */
};

/* Snapshot of one entry, for tests and dumps. */
struct zdp_neigh_info {
	struct zdp_addr ip;
	uint16_t port;
	uint8_t state;		/* enum zdp_neigh_state, timers applied */
	uint8_t probes;		/* solicitations sent in this round */
	uint8_t mac[6];
	uint8_t queued;		/* packets held */
};

/* Allocate a table on the calling thread (call it on the worker's lcore
 * so first touch places the memory on its NUMA node). Returns NULL with
 * errno = EINVAL (hz 0, capacity > 2^24) or ENOMEM. */
struct zdp_neigh_table *zdp_neigh_create(const struct zdp_neigh_params *p);

/* Release every held packet (mac NULL) and free. NULL is a no-op. */
void zdp_neigh_destroy(struct zdp_neigh_table *t);

/* Resolve next hop @ip on @port for @pkt (may be NULL: resolve without
 * holding anything). Fills @out and returns:
 *   ZDP_NEIGH_SEND (0)  out->mac is valid (REACHABLE, STALE or PROBE); the
 *                       caller keeps and sends pkt
 *   ZDP_NEIGH_HELD (1)  pkt is queued on the INCOMPLETE entry (or pkt was
 *                       NULL); the table owns pkt until release()
 *   -ENOBUFS            wait queue full: drop, ZDP_DROP_NEIGH_QUEUE_FULL
 *   -EHOSTUNREACH       neighbour FAILED: drop, ZDP_DROP_NEIGH_FAILED
 *   -ENOSPC             table full: drop, ZDP_DROP_NEIGH_TABLE_FULL
 *   -EINVAL             ip family not 4/6
 * In every case out->solicit tells whether to send a solicitation now
 * (a miss: MCAST; first use of a STALE entry: UCAST to out->mac). */
int zdp_neigh_resolve(struct zdp_neigh_table *t, uint16_t port,
		      const struct zdp_addr *ip, void *pkt, uint64_t now,
		      struct zdp_neigh_out *out);

/* Learn @mac (may be NULL: an NA without TLLA) for @ip on @port from a
 * received ARP/NS/NA, with ZDP_NEIGH_F_* @flags. @ip must be on-link on
 * @port according to @rt (zdp_route_onlink), else nothing changes. Resolving
 * an INCOMPLETE (or FAILED) entry calls release() for each held packet, in
 * arrival order, before returning. Returns:
 *   1          an entry was created or changed state / MAC
 *   0          nothing to do (no entry and no CREATE, same MAC, NA rules)
 *   -EPERM     @ip not on-link on @port (counted as refused)
 *   -ENOSPC    no free entry for a CREATE
 *   -EINVAL    bad family, or mac is multicast/broadcast/zero */
int zdp_neigh_learn(struct zdp_neigh_table *t, const struct zdp_route_table *rt,
		    uint16_t port, const struct zdp_addr *ip, const uint8_t *mac,
		    unsigned flags, uint64_t now);

/* Run due timers. Writes up to @max solicitations to send into @out and
 * returns how many; entries whose turn did not fit are served by the next
 * call. Releases held packets of neighbours that failed (mac NULL).
 * Cost: O(entries with a running timer) + a bounded sweep of 64 entries for
 * idle STALE garbage collection. Call at least every retrans/4. */
unsigned zdp_neigh_timer(struct zdp_neigh_table *t, uint64_t now,
			 struct zdp_neigh_solicitation *out, unsigned max);

/* Upper-layer reachability confirmation (RFC 4861 §7.3.1: "forward
 * progress", e.g. an ACK of new data from a host the path goes through):
 * a neighbour with a MAC (REACHABLE, STALE, PROBE) becomes REACHABLE again,
 * and a running unicast probe stops. So a neighbour too loaded to answer
 * ARP/NS while it still moves our traffic is not failed. INCOMPLETE and
 * FAILED entries are left alone. 0, -ENOENT (no entry) or -EAGAIN (no
 * MAC to confirm). */
int zdp_neigh_confirm(struct zdp_neigh_table *t, uint16_t port,
		      const struct zdp_addr *ip, uint64_t now);

/* Current state of one entry; 0 or -ENOENT. */
int zdp_neigh_lookup(const struct zdp_neigh_table *t, uint16_t port,
		     const struct zdp_addr *ip, uint64_t now,
		     struct zdp_neigh_info *info);

/* Forget one entry (its held packets released with mac NULL): 0 or -ENOENT. */
int zdp_neigh_delete(struct zdp_neigh_table *t, uint16_t port,
		     const struct zdp_addr *ip);

/* Forget every entry of @port (port down, address change), or all entries
 * when @port is UINT16_MAX; held packets are released with mac NULL. */
void zdp_neigh_flush(struct zdp_neigh_table *t, uint16_t port);

/* Entries in use (any state). */
uint32_t zdp_neigh_count(const struct zdp_neigh_table *t);

const struct zdp_neigh_stats *zdp_neigh_stats(const struct zdp_neigh_table *t);

#endif /* ZDP_NEIGH_H */
