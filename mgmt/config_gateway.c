/* SPDX-License-Identifier: BSD-3-Clause
 * config_gateway.c — the `gateway` part of the config file (zdp's own).
 *
 *   gateway:
 *     workers, pools{...}, timeouts{...}, natPorts, admin, metrics, readiness,
 *     ports[], routes[], trafficRoutes[]
 *
 * Keys, defaults and limits are documented in docs/config.md; the limits
 * here are the ones DPDK or the data path actually needs (mempool cache
 * <= 512 and <= n / 1.5, an Ethernet MTU between the IPv4 minimum of 68
 * and a 9600-byte jumbo frame). Decoded after the mesh part, so a traffic
 * route can be checked against the services it names.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"
#include "ring_dev.h"

#define CY_MAX_WORKERS		128		/* RTE_MAX_LCORE in Debian's DPDK */
#define CY_MAX_FLOWS		(64u << 20)
#define CY_MAX_WEIGHT		1000000		/* Gateway API backendRef weight */
#define CY_MAX_TIMEOUT		(7u * 24 * 3600)

void
cy_gateway_defaults(struct zdp_cfg_gateway *gw)
{
	memset(gw, 0, sizeof(*gw));
	gw->workers = 1;
	gw->mbufs_per_port = 16383;	/* 2^q - 1 is the mempool's sweet spot */
	gw->mbuf_cache = 256;
	gw->flows_per_core = 1u << 20;
	gw->neigh_entries = 4096;
	gw->tcp_syn_timeout = 10;
	gw->tcp_established_timeout = 3600;
	gw->tcp_closing_timeout = 10;
	gw->udp_timeout = 30;
	gw->nat_port_min = 1024;
	gw->nat_port_max = 65535;
	gw->proxy_port_min = 61000;
	gw->proxy_port_max = 65535;
	gw->tcp_conns_per_core = 65536;
	zdp_addr_parse("127.0.0.1", &gw->admin.addr);
	gw->admin.port = 15000;
	zdp_addr_parse("127.0.0.1", &gw->metrics.addr);
	gw->metrics.port = 15020;
	zdp_addr_parse("127.0.0.1", &gw->readiness.addr);
	gw->readiness.port = 15021;
}

void
cy_gateway_fini(struct zdp_cfg_gateway *gw)
{
	size_t i, j;

	for (i = 0; gw->ports && i < gw->n_ports; i++) {
		free(gw->ports[i].name);
		free(gw->ports[i].device);
		free(gw->ports[i].addresses);
	}
	free(gw->ports);
	for (i = 0; gw->routes && i < gw->n_routes; i++)
		free(gw->routes[i].port);
	free(gw->routes);
	for (i = 0; gw->traffic_routes && i < gw->n_traffic_routes; i++) {
		struct zdp_cfg_traffic_route *t = &gw->traffic_routes[i];

		free(t->name);
		for (j = 0; t->backends && j < t->n_backends; j++)
			free(t->backends[j].service);
		free(t->backends);
	}
	free(gw->traffic_routes);
	memset(gw, 0, sizeof(*gw));
}

/* ---- small helpers ----------------------------------------------------- */

struct cy_gkey {
	char *key;
	unsigned line;
	size_t idx;
};

static int
cy_gkey_cmp(const void *a, const void *b)
{
	const struct cy_gkey *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	if (r)
		return r;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Report later duplicates of each key; frees the keys. @path_fmt has one %zu. */
static void
cy_gdups(struct cy_ctx *c, struct cy_gkey *k, size_t n, const char *path_fmt,
	 const char *what)
{
	size_t i, m = 0, first = 0;

	for (i = 0; i < n; i++)
		if (k[i].key)
			k[m++] = k[i];
	qsort(k, m, sizeof(*k), cy_gkey_cmp);
	for (i = 1; i < m; i++) {
		char path[CY_PATH_MAX];

		if (strcmp(k[i].key, k[first].key) != 0) {
			first = i;
			continue;
		}
		snprintf(path, sizeof(path), path_fmt, k[i].idx);
		cy_err_key(c, k[i].line, path, "duplicate %s %s (first at line %u)", what,
			   k[i].key, k[first].line);
	}
	for (i = 0; i < m; i++)
		free(k[i].key);
}

static const struct cy_node *
cy_sub(struct cy_ctx *c, const struct cy_node *map, const char *key, size_t *old)
{
	*old = cy_path_key(c, key);
	return cy_map_get(map, key);
}

static bool
cy_prefix_has_host_bits(const struct zdp_prefix *p)
{
	unsigned bits = p->addr.family == ZDP_AF_INET ? 32 : 128, i;

	for (i = p->len; i < bits; i++)
		if (p->addr.a[i / 8] & (0x80u >> (i % 8)))
			return true;
	return false;
}

static const char *
cy_prefix_fmt(const struct zdp_prefix *p, char *buf, size_t len)
{
	char a[64];

	zdp_addr_fmt(&p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

/* The port whose own subnets contain @a (a directly connected next hop). */
static const struct zdp_cfg_port *
cy_port_for(const struct zdp_cfg_gateway *gw, const struct zdp_addr *a)
{
	size_t i, j;

	for (i = 0; i < gw->n_ports; i++)
		for (j = 0; j < gw->ports[i].n_addresses; j++)
			if (zdp_prefix_contains(&gw->ports[i].addresses[j], a))
				return &gw->ports[i];
	return NULL;
}

static bool
cy_port_has_subnet(const struct zdp_cfg_port *p, const struct zdp_addr *a)
{
	size_t j;

	for (j = 0; j < p->n_addresses; j++)
		if (zdp_prefix_contains(&p->addresses[j], a))
			return true;
	return false;
}

/* ---- scalars ----------------------------------------------------------- */

static void
cy_pools(struct cy_ctx *c, struct zdp_cfg_gateway *gw, const struct cy_node *map)
{
	static const char *const known[] = {
		"mbufsPerPort", "mbufCache", "flowsPerCore", "neighEntries",
		"tcpConnectionsPerCore", NULL,
	};
	size_t old;
	const struct cy_node *n = cy_sub(c, map, "pools", &old);
	uint64_t v;

	if (cy_map_check(c, n, known) == 0 && !cy_is_null(n)) {
		if (cy_uint(c, n, "mbufsPerPort", 255, 16u << 20, &v) > 0)
			gw->mbufs_per_port = (unsigned)v;
		if (cy_uint(c, n, "mbufCache", 0, 512, &v) > 0)
			gw->mbuf_cache = (unsigned)v;
		if (cy_uint(c, n, "flowsPerCore", 1, CY_MAX_FLOWS, &v) > 0)
			gw->flows_per_core = (unsigned)v;
		if (cy_uint(c, n, "neighEntries", 16, 1u << 20, &v) > 0)
			gw->neigh_entries = (unsigned)v;
		if (cy_uint(c, n, "tcpConnectionsPerCore", 64, 1u << 24, &v) > 0)
			gw->tcp_conns_per_core = (unsigned)v;
		/* rte_mempool_create() refuses cache_size * 1.5 > n. */
		if ((uint64_t)gw->mbuf_cache * 3 > (uint64_t)gw->mbufs_per_port * 2) {
			const struct cy_node *k = cy_map_get(n, "mbufCache");
			size_t o2 = cy_path_key(c, "mbufCache");

			cy_err(c, k ? k->line : n->line,
			       "must be at most mbufsPerPort / 1.5 (%u)",
			       gw->mbufs_per_port * 2 / 3);
			cy_path_pop(c, o2);
		}
	}
	cy_path_pop(c, old);
}

static void
cy_timeouts(struct cy_ctx *c, struct zdp_cfg_gateway *gw, const struct cy_node *map)
{
	static const char *const known[] = {
		"tcpSyn", "tcpEstablished", "tcpClosing", "udp", NULL,
	};
	size_t old;
	const struct cy_node *n = cy_sub(c, map, "timeouts", &old);

	if (cy_map_check(c, n, known) == 0 && !cy_is_null(n)) {
		cy_duration(c, n, "tcpSyn", 1, CY_MAX_TIMEOUT, &gw->tcp_syn_timeout);
		cy_duration(c, n, "tcpEstablished", 1, CY_MAX_TIMEOUT,
			    &gw->tcp_established_timeout);
		cy_duration(c, n, "tcpClosing", 1, CY_MAX_TIMEOUT, &gw->tcp_closing_timeout);
		cy_duration(c, n, "udp", 1, CY_MAX_TIMEOUT, &gw->udp_timeout);
	}
	cy_path_pop(c, old);
}

/* @key: "MIN-MAX", both 1..65535. 1 when set, 0 when absent, -1 on error. */
static int
cy_port_range(struct cy_ctx *c, const struct cy_node *map, const char *key,
	      uint16_t *min, uint16_t *max)
{
	size_t old;
	const struct cy_node *n = cy_sub(c, map, key, &old);
	unsigned long lo, hi;
	char *end;
	const char *dash;
	int rc = -1;

	if (cy_is_null(n)) {
		rc = 0;
		goto out;
	}
	if (n->type != CY_SCALAR || n->has_nul || n->str[0] < '0' || n->str[0] > '9' ||
	    (dash = strchr(n->str, '-')) == NULL || dash[1] < '0' || dash[1] > '9')
		goto bad;
	lo = strtoul(n->str, &end, 10);
	if (end != dash)
		goto bad;
	hi = strtoul(dash + 1, &end, 10);
	if (*end != '\0')
		goto bad;
	if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535) {
		cy_err(c, n->line, "ports must be between 1 and 65535");
		goto out;
	}
	if (lo > hi) {
		cy_err(c, n->line, "range %lu-%lu is inverted", lo, hi);
		goto out;
	}
	*min = (uint16_t)lo;
	*max = (uint16_t)hi;
	rc = 1;
	goto out;
bad:
	cy_err(c, n->line, "expected a port range MIN-MAX, got %s", cy_type_name(n));
out:
	cy_path_pop(c, old);
	return rc;
}

/*
 * natPorts (source NAT) and proxyPorts (the ephemeral ports of the workers'
 * TCP stacks, for tcp-proxy upstream connections) share the gateway
 * addresses, so they must never hand out the same port. Source NAT uses
 * natPorts minus proxyPorts, which must leave one non-empty interval.
 */
static void
cy_nat_ports(struct cy_ctx *c, struct zdp_cfg_gateway *gw, const struct cy_node *map)
{
	const struct cy_node *nn = cy_map_get(map, "natPorts");
	const struct cy_node *pn = cy_map_get(map, "proxyPorts");
	int nat = cy_port_range(c, map, "natPorts", &gw->nat_port_min, &gw->nat_port_max);
	int proxy = cy_port_range(c, map, "proxyPorts", &gw->proxy_port_min,
				  &gw->proxy_port_max);
	const struct cy_node *at = nn ? nn : pn;
	const char *key = nn ? "natPorts" : "proxyPorts";
	uint16_t lo = gw->nat_port_min, hi = gw->nat_port_max;
	size_t old;

	if (nat < 0 || proxy < 0 || (nat == 0 && proxy == 0))
		return;
	old = cy_path_key(c, key);
	if (gw->proxy_port_min > lo && gw->proxy_port_max < hi)
		cy_err(c, at->line, "proxyPorts %u-%u would split natPorts %u-%u in two; "
		       "put them at one end", gw->proxy_port_min, gw->proxy_port_max, lo, hi);
	else if (gw->proxy_port_min <= lo && gw->proxy_port_max >= hi)
		cy_err(c, at->line, "natPorts %u-%u lie inside proxyPorts %u-%u (the TCP "
		       "stack's ephemeral ports): no port is left for source NAT", lo, hi,
		       gw->proxy_port_min, gw->proxy_port_max);
	cy_path_pop(c, old);
}

/* Source NAT's share of natPorts: without proxyPorts (see cy_nat_ports). */
void
zdp_cfg_nat_range(const struct zdp_cfg_gateway *gw, uint16_t *min, uint16_t *max)
{
	*min = gw->nat_port_min;
	*max = gw->nat_port_max;
	if (gw->proxy_port_max < *min || gw->proxy_port_min > *max)
		return;		/* disjoint */
	if (gw->proxy_port_min <= *min)
		*min = (uint16_t)(gw->proxy_port_max + 1);
	else
		*max = (uint16_t)(gw->proxy_port_min - 1);
}

static unsigned
cy_sockaddr(struct cy_ctx *c, const struct cy_node *map, const char *key,
	    struct zdp_cfg_sockaddr *out)
{
	size_t old;
	const struct cy_node *n = cy_sub(c, map, key, &old);
	unsigned line = 0;

	if (!cy_is_null(n) && cy_v_sockaddr(c, n, out) == 0)
		line = n->line;
	cy_path_pop(c, old);
	return line;
}

static void
cy_listeners(struct cy_ctx *c, struct zdp_cfg_gateway *gw, const struct cy_node *n)
{
	static const char *const names[] = { "admin", "metrics", "readiness" };
	struct zdp_cfg_sockaddr *sa[] = { &gw->admin, &gw->metrics, &gw->readiness };
	unsigned lines[3];
	size_t i, j;

	for (i = 0; i < 3; i++)
		lines[i] = cy_sockaddr(c, n, names[i], sa[i]);
	/* Two listeners on one socket: the second bind() would fail at start. */
	for (i = 1; i < 3; i++)
		for (j = 0; j < i; j++)
			if (sa[i]->port && sa[i]->port == sa[j]->port &&
			    zdp_addr_eq(&sa[i]->addr, &sa[j]->addr) && (lines[i] || lines[j])) {
				size_t old = cy_path_key(c, names[i]);

				cy_err(c, lines[i] ? lines[i] : lines[j],
				       "same address and port as gateway.%s", names[j]);
				cy_path_pop(c, old);
			}
}

/* ---- ports ------------------------------------------------------------- */

static bool
cy_port_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 31 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static void
cy_port(struct cy_ctx *c, const struct cy_node *n, struct zdp_cfg_port *p)
{
	static const char *const known[] = {
		"name", "device", "mtu", "rxDesc", "txDesc", "addresses", NULL,
	};
	const struct cy_node *v;
	uint64_t u;
	size_t old, i;
	long len;

	p->line = n ? n->line : 1;
	p->mtu = 1500;
	p->rx_desc = 1024;
	p->tx_desc = 1024;
	if (cy_is_null(n)) {
		cy_err(c, p->line, "expected a mapping, got null");
		return;
	}
	if (cy_map_check(c, n, known) < 0)
		return;
	if (cy_str(c, n, "name", true, &p->name) > 0 && !cy_port_name_ok(p->name)) {
		old = cy_path_key(c, "name");
		cy_err(c, cy_map_get(n, "name")->line,
		       "must be 1 to 31 characters from A-Z a-z 0-9 _ . -");
		cy_path_pop(c, old);
	}
	if (cy_str(c, n, "device", true, &p->device) > 0 && p->device[0] == '\0') {
		old = cy_path_key(c, "device");
		cy_err(c, cy_map_get(n, "device")->line, "must not be empty");
		cy_path_pop(c, old);
	} else if (p->device != NULL && zdp_ring_dev_is(p->device)) {
		/* zdp's own syntax: checked here; vdev strings only DPDK can */
		struct zdp_ring_dev rd;
		char why[160];

		if (zdp_ring_dev_parse(p->device, &rd, why, sizeof(why)) < 0) {
			old = cy_path_key(c, "device");
			cy_err(c, cy_map_get(n, "device")->line, "%s", why);
			cy_path_pop(c, old);
		}
	}
	if (cy_uint(c, n, "mtu", 68, 9600, &u) > 0)
		p->mtu = (uint16_t)u;
	if (cy_uint(c, n, "rxDesc", 64, 16384, &u) > 0)
		p->rx_desc = (uint16_t)u;
	if (cy_uint(c, n, "txDesc", 64, 16384, &u) > 0)
		p->tx_desc = (uint16_t)u;

	v = cy_sub(c, n, "addresses", &old);
	len = cy_seq_len(c, v);
	if (len > 0)
		p->addresses = cy_calloc(c, (size_t)len, sizeof(*p->addresses));
	for (i = 0; p->addresses && len > 0 && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);
		struct zdp_prefix *a = &p->addresses[p->n_addresses];

		if (cy_v_prefix(c, v->kids[i], true, a) == 0) {
			if (a->len == 0)
				cy_err(c, v->kids[i]->line, "prefix length must not be 0");
			else
				p->n_addresses++;
		}
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);
}

/*
 * Two ports with overlapping subnets make "which port reaches this next
 * hop" ambiguous (route inference, ARP/ND).
 */
static bool
cy_prefixes_overlap(const struct zdp_prefix *x, const struct zdp_prefix *y)
{
	const struct zdp_prefix *shorter = x->len < y->len ? x : y;
	const struct zdp_prefix *longer = x->len < y->len ? y : x;

	return x->addr.family == y->addr.family && zdp_prefix_contains(shorter, &longer->addr);
}

/* Report subnets of port @j that overlap a subnet of the earlier port @i. */
static void
cy_port_pair_overlaps(struct cy_ctx *c, const struct zdp_cfg_port *pi,
		      const struct zdp_cfg_port *pj, size_t j)
{
	char path[CY_PATH_MAX], px[80], py[80];
	size_t a, b;

	snprintf(path, sizeof(path), "gateway.ports[%zu].addresses", j);
	for (b = 0; b < pj->n_addresses; b++)
		for (a = 0; a < pi->n_addresses; a++) {
			const struct zdp_prefix *x = &pi->addresses[a], *y = &pj->addresses[b];

			/* The same address is already reported as a duplicate. */
			if (zdp_addr_eq(&x->addr, &y->addr) || !cy_prefixes_overlap(x, y))
				continue;
			cy_err_key(c, pj->line, path, "subnet %s overlaps %s of port %s",
				   cy_prefix_fmt(y, py, sizeof(py)),
				   cy_prefix_fmt(x, px, sizeof(px)), pi->name ? pi->name : "?");
		}
}

static void
cy_port_overlaps(struct cy_ctx *c, const struct zdp_cfg_gateway *gw)
{
	size_t i, j, total = 0;

	for (i = 0; i < gw->n_ports; i++)
		total += gw->ports[i].n_addresses;
	if (total > 1024)
		return;	/* quadratic: only for a sane number of addresses */
	for (j = 1; j < gw->n_ports; j++)
		for (i = 0; i < j; i++)
			cy_port_pair_overlaps(c, &gw->ports[i], &gw->ports[j], j);
}

static void
cy_ports(struct cy_ctx *c, struct zdp_cfg_gateway *gw, const struct cy_node *map)
{
	size_t old, i, j, na = 0, k;
	const struct cy_node *n = cy_sub(c, map, "ports", &old);
	long len = cy_seq_len(c, n);
	struct cy_gkey *keys;

	if (len > 0)
		gw->ports = cy_calloc(c, (size_t)len, sizeof(*gw->ports));
	for (i = 0; gw->ports && len > 0 && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);

		cy_port(c, n->kids[i], &gw->ports[gw->n_ports++]);
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);

	for (i = 0; i < gw->n_ports; i++)
		na += gw->ports[i].n_addresses;
	keys = cy_calloc(c, gw->n_ports + na, sizeof(*keys));
	if (keys == NULL)
		return;
	for (i = 0; i < gw->n_ports; i++)
		keys[i] = (struct cy_gkey){ gw->ports[i].name ? cy_strdup(c, gw->ports[i].name)
							      : NULL, gw->ports[i].line, i };
	cy_gdups(c, keys, gw->n_ports, "gateway.ports[%zu].name", "port name");
	for (i = 0; i < gw->n_ports; i++)
		keys[i] = (struct cy_gkey){ gw->ports[i].device ? cy_strdup(c, gw->ports[i].device)
								: NULL, gw->ports[i].line, i };
	cy_gdups(c, keys, gw->n_ports, "gateway.ports[%zu].device", "device");
	/* An address belongs to one port, or ARP/ND answers become ambiguous. */
	for (i = 0, k = 0; i < gw->n_ports; i++)
		for (j = 0; j < gw->ports[i].n_addresses; j++) {
			char a[64];

			zdp_addr_fmt(&gw->ports[i].addresses[j].addr, a, sizeof(a));
			keys[k++] = (struct cy_gkey){ cy_strdup(c, a), gw->ports[i].line, i };
		}
	cy_gdups(c, keys, k, "gateway.ports[%zu].addresses", "address");
	free(keys);
	cy_port_overlaps(c, gw);
}

/* ---- routes ------------------------------------------------------------ */

static void
cy_route(struct cy_ctx *c, struct zdp_cfg_gateway *gw, const struct cy_node *n,
	 struct zdp_cfg_ip_route *r)
{
	static const char *const known[] = { "prefix", "via", "port", NULL };
	const struct cy_node *pv, *vv;
	const struct zdp_cfg_port *port = NULL;
	bool have_prefix = false, have_via = false;
	size_t old;

	r->line = n ? n->line : 1;
	if (cy_is_null(n)) {
		cy_err(c, r->line, "expected a mapping, got null");
		return;
	}
	if (cy_map_check(c, n, known) < 0)
		return;
	pv = cy_sub(c, n, "prefix", &old);
	if (cy_is_null(pv)) {
		cy_path_pop(c, old);
		cy_missing(c, n, "prefix");
	} else {
		if (cy_v_prefix(c, pv, false, &r->prefix) == 0) {
			have_prefix = true;
			if (cy_prefix_has_host_bits(&r->prefix))
				cy_err(c, pv->line, "%s has bits set after the prefix length",
				       cy_type_name(pv));
		}
		cy_path_pop(c, old);
	}
	vv = cy_sub(c, n, "via", &old);
	if (!cy_is_null(vv) && cy_v_addr(c, vv, &r->via) == 0) {
		have_via = true;
		if (have_prefix && r->via.family != r->prefix.addr.family) {
			cy_err(c, vv->line, "address family differs from the prefix");
			have_via = false;
		}
	}
	cy_path_pop(c, old);

	if (cy_str(c, n, "port", false, &r->port) > 0) {
		const struct cy_node *k = cy_map_get(n, "port");

		old = cy_path_key(c, "port");
		port = zdp_config_find_port(c->cfg, r->port);
		if (port == NULL)
			cy_err(c, k->line, "unknown port \"%.64s\"", r->port);
		else if (have_via && !cy_port_has_subnet(port, &r->via))
			cy_err(c, k->line, "via %s is not on a subnet of port \"%.64s\"",
			       cy_type_name(vv), r->port);
		cy_path_pop(c, old);
	} else if (have_via) {
		/* Infer the egress port from the connected subnet of the next hop. */
		port = cy_port_for(gw, &r->via);
		if (port == NULL || port->name == NULL) {
			old = cy_path_key(c, "port");
			cy_err(c, r->line, "required: via %s is not on any port's subnet",
			       cy_type_name(vv));
			cy_path_pop(c, old);
		} else {
			r->port = cy_strdup(c, port->name);
		}
	} else if (have_prefix) {
		cy_missing(c, n, "port");
	}
}

static void
cy_routes(struct cy_ctx *c, struct zdp_cfg_gateway *gw, const struct cy_node *map)
{
	size_t old, i;
	const struct cy_node *n = cy_sub(c, map, "routes", &old);
	long len = cy_seq_len(c, n);
	struct cy_gkey *keys;

	if (len > 0)
		gw->routes = cy_calloc(c, (size_t)len, sizeof(*gw->routes));
	for (i = 0; gw->routes && len > 0 && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);

		cy_route(c, gw, n->kids[i], &gw->routes[gw->n_routes++]);
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);

	keys = cy_calloc(c, gw->n_routes, sizeof(*keys));
	if (keys == NULL)
		return;
	for (i = 0; i < gw->n_routes; i++) {
		char b[80];

		if (gw->routes[i].prefix.addr.family)
			keys[i] = (struct cy_gkey){
				cy_strdup(c, cy_prefix_fmt(&gw->routes[i].prefix, b, sizeof(b))),
				gw->routes[i].line, i };
	}
	cy_gdups(c, keys, gw->n_routes, "gateway.routes[%zu].prefix", "route");
	free(keys);
}

/* ---- traffic routes ---------------------------------------------------- */

static const struct cy_enum cy_l4_protocols[] = {
	{ "TCP", IPPROTO_TCP }, { "UDP", IPPROTO_UDP },
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
	{ NULL, 0 },
};

static const struct cy_enum cy_route_modes[] = {
	{ "nat", ZDP_ROUTE_NAT }, { "tcp-proxy", ZDP_ROUTE_TCP_PROXY },
	{ NULL, 0 },
};

static bool
cy_service_has_port(const struct zdp_cfg_service *s, uint16_t port)
{
	size_t i;

	for (i = 0; i < s->n_ports; i++)
		if (s->ports[i].service_port == port)
			return true;
	return false;
}

static void
cy_backend(struct cy_ctx *c, const struct cy_node *n, const struct zdp_cfg_traffic_route *t,
	   bool have_port, struct zdp_cfg_backend_ref *b)
{
	static const char *const known[] = { "service", "port", "weight", NULL };
	const struct zdp_cfg_service *svc = NULL;
	uint64_t u;
	size_t old;
	int pr;

	b->line = n ? n->line : 1;
	b->weight = 1;
	if (cy_is_null(n)) {
		cy_err(c, b->line, "expected a mapping, got null");
		return;
	}
	if (cy_map_check(c, n, known) < 0)
		return;
	if (cy_str(c, n, "service", true, &b->service) > 0) {
		const struct cy_node *k = cy_map_get(n, "service");

		old = cy_path_key(c, "service");
		if (strchr(b->service, '/') == NULL)
			cy_err(c, k->line, "expected \"namespace/hostname\", got %s",
			       cy_type_name(k));
		else if ((svc = zdp_config_find_service(c->cfg, b->service)) == NULL)
			cy_err(c, k->line, "unknown service \"%.100s\"", b->service);
		cy_path_pop(c, old);
	}
	pr = cy_uint(c, n, "port", 0, 65535, &u);
	if (pr > 0)
		b->port = (uint16_t)u;
	if (cy_uint(c, n, "weight", 0, CY_MAX_WEIGHT, &u) > 0)
		b->weight = (uint32_t)u;
	if (svc && pr >= 0 && (b->port || have_port)) {
		uint16_t sp = b->port ? b->port : t->port;

		if (!cy_service_has_port(svc, sp)) {
			const struct cy_node *k = cy_map_get(n, b->port ? "port" : "service");

			old = cy_path_key(c, b->port ? "port" : "service");
			cy_err(c, k ? k->line : b->line, "service \"%.100s\" has no port %u",
			       b->service, sp);
			cy_path_pop(c, old);
		}
	}
}

static void
cy_traffic_route(struct cy_ctx *c, const struct cy_node *n, struct zdp_cfg_traffic_route *t)
{
	static const char *const known[] = {
		"name", "vip", "port", "protocol", "mode", "idleTimeout", "backends", NULL,
	};
	const struct cy_node *v;
	bool have_vip = false, have_port = false;
	uint64_t u;
	size_t old, i, j;
	long len;
	int e;

	t->line = n ? n->line : 1;
	t->proto = IPPROTO_TCP;
	if (cy_is_null(n)) {
		cy_err(c, t->line, "expected a mapping, got null");
		return;
	}
	if (cy_map_check(c, n, known) < 0)
		return;
	cy_str(c, n, "name", false, &t->name);
	v = cy_sub(c, n, "vip", &old);
	cy_path_pop(c, old);
	if (cy_is_null(v)) {
		cy_missing(c, n, "vip");
	} else {
		old = cy_path_key(c, "vip");
		have_vip = cy_v_addr(c, v, &t->vip) == 0;
		cy_path_pop(c, old);
	}
	if (cy_is_null(cy_map_get(n, "port")))
		cy_missing(c, n, "port");
	else if (cy_uint(c, n, "port", 1, 65535, &u) > 0) {
		t->port = (uint16_t)u;
		have_port = true;
	}
	if (cy_enum(c, n, "protocol", cy_l4_protocols, "must be TCP or UDP", &e) > 0)
		t->proto = (uint8_t)e;
	t->idle_timeout = 3600;
	if (cy_enum(c, n, "mode", cy_route_modes, "must be nat or tcp-proxy", &e) > 0)
		t->mode = (enum zdp_route_mode)e;
	cy_duration(c, n, "idleTimeout", 1, CY_MAX_TIMEOUT, &t->idle_timeout);
	if (t->mode == ZDP_ROUTE_TCP_PROXY && t->proto != IPPROTO_TCP) {
		old = cy_path_key(c, "mode");
		cy_err(c, cy_map_get(n, "mode")->line, "tcp-proxy needs protocol TCP");
		cy_path_pop(c, old);
	}

	v = cy_sub(c, n, "backends", &old);
	len = cy_seq_len(c, v);
	if (len == 0 && cy_is_null(v)) {
		cy_path_pop(c, old);
		cy_missing(c, n, "backends");
		old = cy_path_key(c, "backends");
	} else if (len == 0) {
		cy_err(c, v->line, "must list at least one backend");
	}
	if (len > 0)
		t->backends = cy_calloc(c, (size_t)len, sizeof(*t->backends));
	for (i = 0; t->backends && len > 0 && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);

		cy_backend(c, v->kids[i], t, have_port, &t->backends[t->n_backends++]);
		cy_path_pop(c, o2);
	}
	if (t->n_backends > 0) {
		uint64_t sum = 0;

		for (i = 0; i < t->n_backends; i++)
			sum += t->backends[i].weight;
		if (sum == 0)
			cy_err(c, v->line, "all weights are zero");
		/* Same service and port twice would double-count its weight. */
		for (i = 1; i < t->n_backends && t->n_backends <= 1024; i++)
			for (j = 0; j < i; j++) {
				const struct zdp_cfg_backend_ref *a = &t->backends[i];
				const struct zdp_cfg_backend_ref *b = &t->backends[j];

				if (cy_streq(a->service, b->service) && a->port == b->port) {
					size_t o2 = cy_path_idx(c, i);

					cy_err(c, a->line,
					       "duplicate backend \"%.100s\" (first at line %u)",
					       a->service, b->line);
					cy_path_pop(c, o2);
					break;
				}
			}
	}
	cy_path_pop(c, old);

	if (t->name == NULL && have_vip && have_port) {
		char a[64];

		zdp_addr_fmt(&t->vip, a, sizeof(a));
		t->name = cy_printf(c, t->vip.family == ZDP_AF_INET6 ? "[%s]:%u/%s" : "%s:%u/%s",
				    a, t->port, t->proto == IPPROTO_UDP ? "UDP" : "TCP");
	}
}

static void
cy_traffic_routes(struct cy_ctx *c, struct zdp_cfg_gateway *gw, const struct cy_node *map)
{
	size_t old, i;
	const struct cy_node *n = cy_sub(c, map, "trafficRoutes", &old);
	long len = cy_seq_len(c, n);
	struct cy_gkey *keys;

	if (len > 0)
		gw->traffic_routes = cy_calloc(c, (size_t)len, sizeof(*gw->traffic_routes));
	for (i = 0; gw->traffic_routes && len > 0 && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);

		cy_traffic_route(c, n->kids[i], &gw->traffic_routes[gw->n_traffic_routes++]);
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);

	keys = cy_calloc(c, gw->n_traffic_routes, sizeof(*keys));
	if (keys == NULL)
		return;
	for (i = 0; i < gw->n_traffic_routes; i++) {
		const struct zdp_cfg_traffic_route *t = &gw->traffic_routes[i];
		char a[64];

		if (t->vip.family == 0 || t->port == 0)
			continue;
		zdp_addr_fmt(&t->vip, a, sizeof(a));
		keys[i] = (struct cy_gkey){
			cy_printf(c, t->vip.family == ZDP_AF_INET6 ? "[%s]:%u/%s" : "%s:%u/%s", a,
				  t->port, t->proto == IPPROTO_UDP ? "UDP" : "TCP"),
			t->line, i };
	}
	cy_gdups(c, keys, gw->n_traffic_routes, "gateway.trafficRoutes[%zu]", "VIP");
	free(keys);
	for (i = 0; i < gw->n_traffic_routes; i++)
		if (gw->traffic_routes[i].name == NULL)
			gw->traffic_routes[i].name = cy_strdup(c, "");
}

/* ---- entry ------------------------------------------------------------- */

void
cy_decode_gateway(struct cy_ctx *c, const struct cy_node *n)
{
	static const char *const known[] = {
		"workers", "pools", "timeouts", "natPorts", "proxyPorts",
		"verifyForwardedChecksums", "idleSleepMicros", "admin", "metrics", "readiness", "ports", "routes",
		"trafficRoutes", "tcpSegmentation", NULL,
	};
	static const struct cy_enum seg_modes[] = {
		{ "device", ZDP_TCP_SEG_DEVICE }, { "software", ZDP_TCP_SEG_SOFTWARE },
		{ "off", ZDP_TCP_SEG_OFF }, { NULL, 0 },
	};
	int e;
	struct zdp_cfg_gateway *gw = &c->cfg->gateway;
	uint64_t v;
	size_t i;

	gw->line = n ? n->line : 1;
	if (cy_map_check(c, n, known) < 0 || cy_is_null(n))
		return;
	if (cy_uint(c, n, "workers", 1, CY_MAX_WORKERS, &v) > 0)
		gw->workers = (unsigned)v;
	cy_pools(c, gw, n);
	cy_timeouts(c, gw, n);
	cy_nat_ports(c, gw, n);
	cy_bool(c, n, "verifyForwardedChecksums", &gw->verify_forwarded_checksums);
	if (cy_enum(c, n, "tcpSegmentation", seg_modes, "must be device, software or off",
		    &e) > 0)
		gw->tcp_segmentation = (enum zdp_tcp_seg_mode)e;
	if (cy_uint(c, n, "idleSleepMicros", 0, 100000, &v) > 0)
		gw->idle_sleep_us = (uint32_t)v;
	cy_listeners(c, gw, n);
	/* Ports before routes: a route names its egress port. */
	cy_ports(c, gw, n);
	cy_routes(c, gw, n);
	cy_traffic_routes(c, gw, n);

	for (i = 0; i < gw->n_ports; i++) {
		if (gw->ports[i].name == NULL)
			gw->ports[i].name = cy_strdup(c, "");
		if (gw->ports[i].device == NULL)
			gw->ports[i].device = cy_strdup(c, "");
	}
	for (i = 0; i < gw->n_routes; i++)
		if (gw->routes[i].port == NULL)
			gw->routes[i].port = cy_strdup(c, "");
}

/* ---- reload ------------------------------------------------------------ */

static bool
cy_sa_eq(const struct zdp_cfg_sockaddr *a, const struct zdp_cfg_sockaddr *b)
{
	return a->port == b->port && zdp_addr_eq(&a->addr, &b->addr);
}

static bool
cy_restart(char *why, size_t len, const char *fmt, size_t i)
{
	if (why && len)
		snprintf(why, len, fmt, i);
	return true;
}

bool
zdp_config_needs_restart(const struct zdp_config *cur, const struct zdp_config *next,
			 char *why, size_t len)
{
	const struct zdp_cfg_gateway *a, *b;
	size_t i;

	if (why && len)
		why[0] = '\0';
	if (cur == NULL || next == NULL)
		return cur != next ? cy_restart(why, len, "gateway", 0) : false;
	a = &cur->gateway;
	b = &next->gateway;
	if (cur->has_gateway != next->has_gateway)
		return cy_restart(why, len, "gateway", 0);
	if (a->workers != b->workers)
		return cy_restart(why, len, "gateway.workers", 0);
	if (a->mbufs_per_port != b->mbufs_per_port || a->mbuf_cache != b->mbuf_cache ||
	    a->flows_per_core != b->flows_per_core || a->neigh_entries != b->neigh_entries ||
	    a->tcp_conns_per_core != b->tcp_conns_per_core)
		return cy_restart(why, len, "gateway.pools", 0);
	if (a->proxy_port_min != b->proxy_port_min || a->proxy_port_max != b->proxy_port_max)
		return cy_restart(why, len, "gateway.proxyPorts", 0);
	if (a->tcp_segmentation != b->tcp_segmentation)
		return cy_restart(why, len, "gateway.tcpSegmentation", 0);
	/* timeouts, natPorts, verifyForwardedChecksums and idleSleepMicros
	 * live in the
	 * snapshot: reloadable (existing flows keep their NAT port; workers
	 * adopt new timeouts at once). */
	if (!cy_sa_eq(&a->admin, &b->admin))
		return cy_restart(why, len, "gateway.admin", 0);
	if (!cy_sa_eq(&a->metrics, &b->metrics))
		return cy_restart(why, len, "gateway.metrics", 0);
	if (!cy_sa_eq(&a->readiness, &b->readiness))
		return cy_restart(why, len, "gateway.readiness", 0);
	if (a->n_ports != b->n_ports)
		return cy_restart(why, len, "gateway.ports", 0);
	for (i = 0; i < a->n_ports; i++) {
		const struct zdp_cfg_port *p = &a->ports[i], *q = &b->ports[i];

		if (!cy_streq(p->name, q->name))
			return cy_restart(why, len, "gateway.ports[%zu].name", i);
		if (!cy_streq(p->device, q->device))
			return cy_restart(why, len, "gateway.ports[%zu].device", i);
		if (p->mtu != q->mtu)
			return cy_restart(why, len, "gateway.ports[%zu].mtu", i);
		if (p->rx_desc != q->rx_desc)
			return cy_restart(why, len, "gateway.ports[%zu].rxDesc", i);
		if (p->tx_desc != q->tx_desc)
			return cy_restart(why, len, "gateway.ports[%zu].txDesc", i);
		/* addresses are in the snapshot (routes, local addresses, SNAT
		 * source): reloadable; flows keep the SNAT address they got. */
	}
	return false;
}
