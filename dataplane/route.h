/* SPDX-License-Identifier: BSD-3-Clause
 * route.h — IPv4/IPv6 longest-prefix-match route table.
 *
 *   mgmt thread (build)                        worker (read-only)
 *   -------------------                        ------------------
 *   t = zdp_route_table_create(socket, n)
 *   zdp_route_add_connected(t, port, addr/len)   per port address
 *   zdp_route_add(t, prefix, via, port)          static routes
 *   zdp_route_table_seal(t)   -> 0: complete, frozen
 *   snapshot->routes = t; publish (RCU)  ---->  zdp_route_lookup(t, dst, &nh)
 *   ... after the grace period:                 zdp_route_onlink(t, port, a)
 *   zdp_route_table_destroy(old)                zdp_route_local(t, a, &port)
 *
 * A table is built completely and sealed before it is published; nothing
 * modifies it afterwards (every mutator refuses a sealed table with -EPERM),
 * so workers read it without locks and never see a half-built table. A new
 * configuration builds a new table; the old one is destroyed by mgmt after
 * the RCU grace period (DESIGN.md, "Configuration is read-only on workers").
 *
 * The LPM engines are DPDK rte_fib (IPv4, DIR24_8) and rte_fib6 (IPv6,
 * TRIE), created on the first route of their family. Their next hop is an
 * index into the table's own array of routes, so a lookup returns port and
 * gateway with one more array access. The default route of each family is
 * kept beside the FIB and used on a miss. FIB names are unique per process
 * ("zdp_rt4_<n>" / "zdp_rt6_<n>" from a process-wide counter), so old and
 * new tables coexist during a grace period.
 *
 * Memory: each family's FIB has a 2^24-entry first level, 1 byte per entry
 * for IPv4 when max_routes < 127 (16 MiB), else 2 bytes (32 MiB; IPv6 is
 * always 2 bytes or more). Size max_routes to the configuration, and keep
 * the previous table in the new snapshot when the routes did not change.
 *
 * create/add/seal/destroy need the EAL (rte_malloc memory) and run on the
 * mgmt thread only; lookups are safe from any number of lcores at once.
 */
#ifndef ZDP_ROUTE_H
#define ZDP_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "zdp_addr.h"

struct zdp_route_table;

/* Result of a lookup. */
struct zdp_route_nh {
	struct zdp_addr addr;	/* next hop to resolve: the gateway of a via
				 * route, the destination itself for a
				 * connected route */
	uint16_t port;		/* egress port id */
	uint8_t connected;	/* 1: destination is on-link (connected) */
	uint8_t pad;
};

/* Create an empty table for up to @max_routes routes (connected + static,
 * both families together; 0 -> 1024). @socket_id: NUMA socket for the LPM
 * memory (SOCKET_ID_ANY allowed). Returns NULL on failure with errno set
 * (ENOMEM, EINVAL, or the rte_errno of rte_lpm_create). */
struct zdp_route_table *zdp_route_table_create(int socket_id, uint32_t max_routes);

/* Free a table that no worker can reach any more. NULL is a no-op. */
void zdp_route_table_destroy(struct zdp_route_table *t);

/* Add a gateway address on @port, e.g. 198.18.0.1/24: records 198.18.0.1 as
 * a local address of the port and 198.18.0.0/24 as a connected route via
 * @port (unless the same connected prefix is already present on that port,
 * as for a second address in one subnet). A /32 or /128 gives a local address
 * and a host route to itself only.
 * Returns 0, -EINVAL (family/len/port), -EEXIST (same address twice, or the
 * prefix already routed elsewhere), -ENOSPC (table full), -EPERM (sealed). */
int zdp_route_add_connected(struct zdp_route_table *t, uint16_t port,
			    const struct zdp_prefix *port_addr);

/* Add a route to @dst (host bits are ignored) via gateway @via on @port.
 * @via NULL or family 0: @dst is directly connected on @port (no local
 * address is recorded). A prefix length of 0 is the default route.
 * Returns 0, -EINVAL (family mismatch, len out of range), -EEXIST (prefix
 * already present), -ENOSPC (table full), -EPERM (sealed). */
int zdp_route_add(struct zdp_route_table *t, const struct zdp_prefix *dst,
		  const struct zdp_addr *via, uint16_t port);

/* Check and freeze the table. Every via gateway must be on-link on its port
 * (inside a connected prefix of that port, or an IPv6 link-local address);
 * otherwise -EHOSTUNREACH and the table stays unsealed (the caller reports
 * the offending route; zdp_route_table_error() names it). Returns 0 or
 * -EHOSTUNREACH. Sealing twice is a no-op. */
int zdp_route_table_seal(struct zdp_route_table *t);

/* After a failed seal: the index (in insertion order over all add calls) of
 * the first route whose gateway is not on-link, or -1. */
int zdp_route_table_error(const struct zdp_route_table *t);

/* Longest-prefix match of @dst. Fills @nh and returns 0, or returns
 * -ENETUNREACH (no route, including a family with no routes at all; the
 * caller drops with ZDP_DROP_NO_ROUTE) or -EINVAL (family 0). Read-only,
 * lock-free, any lcore. */
int zdp_route_lookup(const struct zdp_route_table *t, const struct zdp_addr *dst,
		     struct zdp_route_nh *nh);

/* True when @a lies inside a connected prefix of @port and is not one of
 * the gateway's own addresses. The neighbour table learns only such
 * addresses (anti-poisoning), and ARP/ND is answered only on-link. */
bool zdp_route_onlink(const struct zdp_route_table *t, uint16_t port,
		      const struct zdp_addr *a);

/* True when @a is one of the gateway's own addresses (added with
 * zdp_route_add_connected); *port (optional) receives its port. */
bool zdp_route_local(const struct zdp_route_table *t, const struct zdp_addr *a,
		     uint16_t *port);

/* Source address for an ARP request / Neighbour Solicitation for @target on
 * @port: our address on @port whose connected prefix contains @target, else
 * our first address of the same family on @port (for IPv6, a link-local one
 * is preferred then). Returns 0 or -EADDRNOTAVAIL. */
int zdp_route_src_addr(const struct zdp_route_table *t, uint16_t port,
		       const struct zdp_addr *target, struct zdp_addr *src);

/* Number of routes added (connected + static), for dumps and tests. */
uint32_t zdp_route_count(const struct zdp_route_table *t);

#endif /* ZDP_ROUTE_H */
