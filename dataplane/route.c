/* SPDX-License-Identifier: BSD-3-Clause
 * route.c — LPM route table: built and sealed on the mgmt thread, read by
 * workers through a published snapshot. See route.h for the life cycle.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_memory.h>

#include "route.h"

#define ROUTE_DEFAULT_MAX 1024
#define ROUTE_MAX_ROUTES (1u << 20)

struct route_entry {
	struct zdp_prefix dst;	/* host bits cleared */
	struct zdp_addr via;	/* family 0: connected */
	uint16_t port;
	uint8_t connected;
};

struct route_local {
	struct zdp_prefix pfx;	/* our address (host bits kept) and its length */
	uint16_t port;
};

struct zdp_route_table {
	/* Created on the first route of the family, so a single-stack
	 * configuration does not pay for the other family's tbl24. */
	struct rte_fib *fib4;
	struct rte_fib6 *fib6;
	uint64_t no_route;		/* fib default_nh: "miss" */
	enum rte_fib_dir24_8_nh_sz nh4;
	enum rte_fib_trie_nh_sz nh6;
	uint32_t seq;			/* for the fib names */
	int socket_id;
	struct route_entry *routes;	/* fib next hop = index here */
	uint32_t n_routes, max_routes;
	int32_t def4, def6;		/* index of the /0 route, -1 if none */
	struct route_local *local;
	uint32_t n_local;		/* bounded by max_routes too */
	bool sealed;
	int error_idx;
};

/* rte_fib names are global to the process (they name memzones), and the
 * mgmt thread builds a new table for every configuration while the previous
 * one may still be alive: number them. Only the mgmt thread creates tables,
 * the atomic is for safety with tests that build from several threads. */
static uint32_t route_name_seq;

static unsigned
family_bits(uint8_t family)
{
	return family == ZDP_AF_INET ? 32 : family == ZDP_AF_INET6 ? 128 : 0;
}

static void
prefix_mask(struct zdp_prefix *p)
{
	unsigned i, bits = p->len;

	for (i = 0; i < 16; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		p->addr.a[i] &= (uint8_t)(0xff00 >> bits);
		bits = 0;
	}
}

static bool
prefix_eq(const struct zdp_prefix *x, const struct zdp_prefix *y)
{
	return x->len == y->len && zdp_addr_eq(&x->addr, &y->addr);
}

struct zdp_route_table *
zdp_route_table_create(int socket_id, uint32_t max_routes)
{
	struct zdp_route_table *t;

	if (max_routes == 0)
		max_routes = ROUTE_DEFAULT_MAX;
	if (max_routes > ROUTE_MAX_ROUTES) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto fail;
	t->max_routes = max_routes;
	t->socket_id = socket_id;
	t->def4 = t->def6 = -1;
	t->error_idx = -1;
	t->seq = __atomic_fetch_add(&route_name_seq, 1, __ATOMIC_RELAXED);
	/* The next-hop width sets the tbl24 size (2^24 entries): 1 byte
	 * (16 MiB) holds indexes up to 126 plus the miss value 127, 2 bytes
	 * (32 MiB) up to 32766. IPv6 tries start at 2 bytes. */
	if (max_routes < 127) {
		t->nh4 = RTE_FIB_DIR24_8_1B;
		t->nh6 = RTE_FIB6_TRIE_2B;
		t->no_route = 127;
	} else if (max_routes < 32767) {
		t->nh4 = RTE_FIB_DIR24_8_2B;
		t->nh6 = RTE_FIB6_TRIE_2B;
		t->no_route = 32767;
	} else {
		t->nh4 = RTE_FIB_DIR24_8_4B;
		t->nh6 = RTE_FIB6_TRIE_4B;
		t->no_route = ROUTE_MAX_ROUTES;
	}
	t->routes = calloc(max_routes, sizeof(*t->routes));
	t->local = calloc(max_routes, sizeof(*t->local));
	if (t->routes == NULL || t->local == NULL)
		goto fail;
	return t;
fail:
	zdp_route_table_destroy(t);
	errno = ENOMEM;
	return NULL;
}

static int
route_fib4(struct zdp_route_table *t)
{
	char name[32];
	uint32_t tbl8 = t->max_routes;

	if (t->fib4 != NULL)
		return 0;
	/* A route longer than /24 takes one tbl8 group; dir24_8 caps the
	 * group count at the largest next-hop value. */
	if (tbl8 > t->no_route)
		tbl8 = (uint32_t)t->no_route;
	snprintf(name, sizeof(name), "zdp_rt4_%u", t->seq);
	t->fib4 = rte_fib_create(name, t->socket_id, &(struct rte_fib_conf){
		.type = RTE_FIB_DIR24_8,
		.default_nh = t->no_route,
		.max_routes = (int)t->max_routes,
		.dir24_8 = { .nh_sz = t->nh4, .num_tbl8 = tbl8 },
	});
	return t->fib4 ? 0 : -(rte_errno ? rte_errno : ENOMEM);
}

static int
route_fib6(struct zdp_route_table *t)
{
	char name[32];
	uint64_t tbl8 = (uint64_t)t->max_routes * 14;

	if (t->fib6 != NULL)
		return 0;
	/* A /128 can take up to 13 tbl8 groups (one per byte past the
	 * 24-bit first level). */
	if (tbl8 > t->no_route)
		tbl8 = t->no_route;
	snprintf(name, sizeof(name), "zdp_rt6_%u", t->seq);
	t->fib6 = rte_fib6_create(name, t->socket_id, &(struct rte_fib6_conf){
		.type = RTE_FIB6_TRIE,
		.default_nh = t->no_route,
		.max_routes = (int)t->max_routes,
		.trie = { .nh_sz = t->nh6, .num_tbl8 = (uint32_t)tbl8 },
	});
	return t->fib6 ? 0 : -(rte_errno ? rte_errno : ENOMEM);
}

void
zdp_route_table_destroy(struct zdp_route_table *t)
{
	if (t == NULL)
		return;
	rte_fib_free(t->fib4);
	rte_fib6_free(t->fib6);
	free(t->routes);
	free(t->local);
	free(t);
}

static int
route_insert(struct zdp_route_table *t, const struct zdp_prefix *dst,
	     const struct zdp_addr *via, uint16_t port, bool connected)
{
	struct route_entry *e;
	struct zdp_prefix p = *dst;
	uint32_t i, idx;
	int rc;

	prefix_mask(&p);
	for (i = 0; i < t->n_routes; i++)
		if (prefix_eq(&t->routes[i].dst, &p))
			return -EEXIST;
	if (t->n_routes == t->max_routes)
		return -ENOSPC;
	idx = t->n_routes;

	if (p.len == 0) {
		/* The default route sits beside the FIB: a FIB miss (its
		 * default_nh) falls back to it, so /0 never fills tbl24. */
		if (p.addr.family == ZDP_AF_INET)
			t->def4 = (int32_t)idx;
		else
			t->def6 = (int32_t)idx;
		rc = 0;
	} else if (p.addr.family == ZDP_AF_INET) {
		rc = route_fib4(t);
		if (rc == 0)
			rc = rte_fib_add(t->fib4,
					 rte_be_to_cpu_32(zdp_addr_v4(&p.addr)),
					 p.len, idx);
	} else {
		rc = route_fib6(t);
		if (rc == 0)
			rc = rte_fib6_add(t->fib6, p.addr.a, p.len, idx);
	}
	if (rc < 0)
		return rc == -EINVAL ? -EINVAL : -ENOSPC;

	e = &t->routes[idx];
	e->dst = p;
	e->port = port;
	e->connected = connected;
	if (connected)
		memset(&e->via, 0, sizeof(e->via));
	else
		e->via = *via;
	t->n_routes++;
	return 0;
}

static bool
prefix_valid(const struct zdp_prefix *p)
{
	unsigned bits = family_bits(p->addr.family);

	return bits != 0 && p->len <= bits;
}

int
zdp_route_add(struct zdp_route_table *t, const struct zdp_prefix *dst,
	      const struct zdp_addr *via, uint16_t port)
{
	bool connected = via == NULL || via->family == 0;

	if (t == NULL || dst == NULL || !prefix_valid(dst))
		return -EINVAL;
	if (t->sealed)
		return -EPERM;
	if (!connected && via->family != dst->addr.family)
		return -EINVAL;
	return route_insert(t, dst, via, port, connected);
}

int
zdp_route_add_connected(struct zdp_route_table *t, uint16_t port,
			const struct zdp_prefix *port_addr)
{
	struct zdp_prefix p;
	struct route_local *l;
	uint32_t i;
	int rc;

	if (t == NULL || port_addr == NULL || !prefix_valid(port_addr) ||
	    port_addr->len == 0)
		return -EINVAL;
	if (t->sealed)
		return -EPERM;
	for (i = 0; i < t->n_local; i++)
		if (zdp_addr_eq(&t->local[i].pfx.addr, &port_addr->addr))
			return -EEXIST;
	if (t->n_local == t->max_routes)
		return -ENOSPC;

	p = *port_addr;
	prefix_mask(&p);
	rc = route_insert(t, &p, NULL, port, true);
	if (rc == -EEXIST) {
		/* A second address in a subnet already connected on this same
		 * port is fine; the subnet on another port, or as a via route,
		 * is a configuration conflict. */
		for (i = 0; i < t->n_routes; i++)
			if (prefix_eq(&t->routes[i].dst, &p))
				break;
		if (!t->routes[i].connected || t->routes[i].port != port)
			return -EEXIST;
	} else if (rc < 0) {
		return rc;
	}
	l = &t->local[t->n_local++];
	l->pfx = *port_addr;
	l->port = port;
	return 0;
}

static bool
is_link_local6(const struct zdp_addr *a)
{
	return a->family == ZDP_AF_INET6 && a->a[0] == 0xfe &&
	       (a->a[1] & 0xc0) == 0x80;
}

int
zdp_route_table_seal(struct zdp_route_table *t)
{
	uint32_t i;

	if (t == NULL)
		return -EINVAL;
	if (t->sealed)
		return 0;
	for (i = 0; i < t->n_routes; i++) {
		const struct route_entry *e = &t->routes[i];

		if (e->connected || is_link_local6(&e->via))
			continue;
		if (!zdp_route_onlink(t, e->port, &e->via)) {
			t->error_idx = (int)i;
			return -EHOSTUNREACH;
		}
	}
	t->error_idx = -1;
	/* Publication is the caller's release store of the snapshot pointer;
	 * this fence only documents that nothing is written after sealing. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	t->sealed = true;
	return 0;
}

int
zdp_route_table_error(const struct zdp_route_table *t)
{
	return t ? t->error_idx : -1;
}

/* The route for IPv4 @dst (network byte order), or NULL. */
static const struct route_entry *
route_find4(const struct zdp_route_table *t, uint32_t dst)
{
	uint64_t idx = t->no_route;
	uint32_t ip = rte_be_to_cpu_32(dst);

	/* rte_fib lookups only read the table; their prototypes are not
	 * const-qualified, the fib pointers in a const table are usable. */
	if (t->fib4 != NULL)
		rte_fib_lookup_bulk(t->fib4, &ip, &idx, 1);
	if (idx != t->no_route)
		return &t->routes[idx];
	return t->def4 >= 0 ? &t->routes[t->def4] : NULL;
}

static const struct route_entry *
route_find(const struct zdp_route_table *t, const struct zdp_addr *dst)
{
	uint64_t idx = t->no_route;
	uint8_t ip[1][RTE_FIB6_IPV6_ADDR_SIZE];

	if (dst->family == ZDP_AF_INET)
		return route_find4(t, zdp_addr_v4(dst));
	memcpy(ip[0], dst->a, 16);
	if (t->fib6 != NULL)
		rte_fib6_lookup_bulk(t->fib6, ip, &idx, 1);
	if (idx != t->no_route)
		return &t->routes[idx];
	return t->def6 >= 0 ? &t->routes[t->def6] : NULL;
}

/* The next hop of @e for a destination of @family whose address is @a
 * (@len bytes). Field by field: a caller that has just built the address
 * (family byte, then the bytes) would otherwise have its stores read back
 * as one wider load, which store forwarding cannot serve. */
static void
nh_fill(struct zdp_route_nh *nh, const struct route_entry *e, uint8_t family, const void *a,
	size_t len)
{
	if (e->connected) {
		memset(&nh->addr, 0, sizeof(nh->addr));
		nh->addr.family = family;
		memcpy(nh->addr.a, a, len);
	} else {
		nh->addr = e->via;
	}
	nh->port = e->port;
	nh->connected = e->connected;
	nh->pad = 0;
}

int
zdp_route_lookup(const struct zdp_route_table *t, const struct zdp_addr *dst,
		 struct zdp_route_nh *nh)
{
	const struct route_entry *e;

	if (dst->family != ZDP_AF_INET && dst->family != ZDP_AF_INET6)
		return -EINVAL;
	e = route_find(t, dst);
	if (e == NULL)
		return -ENETUNREACH;
	nh_fill(nh, e, dst->family, dst->a, dst->family == ZDP_AF_INET ? 4 : 16);
	return 0;
}

bool
zdp_route_local(const struct zdp_route_table *t, const struct zdp_addr *a,
		uint16_t *port)
{
	uint32_t i;

	/* Linear: a gateway has a handful of addresses, and this runs for
	 * ARP/ND and configuration checks, not per forwarded packet. */
	for (i = 0; i < t->n_local; i++) {
		if (zdp_addr_eq(&t->local[i].pfx.addr, a)) {
			if (port)
				*port = t->local[i].port;
			return true;
		}
	}
	return false;
}

bool
zdp_route_onlink(const struct zdp_route_table *t, uint16_t port,
		 const struct zdp_addr *a)
{
	const struct route_entry *e;

	if (a->family != ZDP_AF_INET && a->family != ZDP_AF_INET6)
		return false;
	/* The most specific route decides: an address covered by a via route
	 * carved out of a connected subnet is not a neighbour. */
	e = route_find(t, a);
	if (e == NULL || !e->connected || e->port != port)
		return false;
	return !zdp_route_local(t, a, NULL);
}

int
zdp_route_src_addr(const struct zdp_route_table *t, uint16_t port,
		   const struct zdp_addr *target, struct zdp_addr *src)
{
	const struct route_local *first = NULL, *ll = NULL;
	uint32_t i;

	for (i = 0; i < t->n_local; i++) {
		const struct route_local *l = &t->local[i];

		if (l->port != port || l->pfx.addr.family != target->family)
			continue;
		if (zdp_prefix_contains(&l->pfx, target)) {
			*src = l->pfx.addr;
			return 0;
		}
		if (first == NULL)
			first = l;
		if (ll == NULL && is_link_local6(&l->pfx.addr))
			ll = l;
	}
	if (ll != NULL)
		first = ll;
	if (first == NULL)
		return -EADDRNOTAVAIL;
	*src = first->pfx.addr;
	return 0;
}

uint32_t
zdp_route_count(const struct zdp_route_table *t)
{
	return t ? t->n_routes : 0;
}
