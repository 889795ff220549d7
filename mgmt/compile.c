/* SPDX-License-Identifier: BSD-3-Clause
 * compile.c — config model -> immutable worker snapshot.
 *
 * What a VIP:port/proto leads to:
 *   - a gateway.trafficRoutes entry: its weighted services. Each service's
 *     route weight is split over the service's endpoints in proportion to
 *     their capacity, so "90% v1 / 10% v2" holds however many pods each
 *     version has;
 *   - otherwise, every service VIP x service port (TCP and UDP): the
 *     service's endpoints weighted by capacity, as ztunnel picks them.
 * Endpoints are the workloads whose `services` map names the service;
 * unhealthy ones and those without an address of the VIP's family are left
 * out; the target port comes from the workload's map, else the service's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "policy_compile.h"
#include "route.h"
#include "snapshot.h"
#include "worker.h"
#include "zdp_lb.h"
#include "zdp_mgmt.h"

#define EPSILON_SHARE (1u << 20)	/* fixed-point scale for weight splits */

/* A VIP under construction. */
struct vip_build {
	struct zdp_vip_key key;
	char *name;
	uint8_t mode;
	uint32_t idle_timeout_s;
	struct zdp_backend *be;
	struct zdp_lb_backend *lbb;
	char **lbkeys;
	size_t n, cap;
	unsigned line;
};

struct build {
	struct zdp_mgmt *m;
	const struct zdp_config *cfg;
	struct zdp_config_errors *errs;
	struct vip_build *v;
	size_t n, cap;
	unsigned n_proxy;
	int rc;
};

static void
vip_key_make(struct zdp_vip_key *k, const struct zdp_addr *a, uint16_t port, uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, a->a, 16);
	k->port = rte_cpu_to_be_16(port);
	k->proto = proto;
	k->family = a->family;
}

static struct vip_build *
vip_find(struct build *b, const struct zdp_vip_key *k)
{
	for (size_t i = 0; i < b->n; i++)
		if (memcmp(&b->v[i].key, k, sizeof(*k)) == 0)
			return &b->v[i];
	return NULL;
}

static struct vip_build *
vip_new(struct build *b, const struct zdp_vip_key *k, const char *name, unsigned line)
{
	struct vip_build *v;

	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 16;
		struct vip_build *nv = realloc(b->v, nc * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		b->v = nv;
		b->cap = nc;
	}
	v = &b->v[b->n++];
	memset(v, 0, sizeof(*v));
	v->key = *k;
	v->name = strdup(name);
	v->line = line;
	return v->name ? v : NULL;
}

static int
vip_add_backend(struct build *b, struct vip_build *v, const char *route,
		const char *service, const struct zdp_cfg_workload *wl, uint32_t wl_idx,
		const struct zdp_addr *addr, uint16_t port, uint64_t weight)
{
	char key[512], addrbuf[64];
	struct zdp_backend *be;
	int id;

	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 8;
		struct zdp_backend *nb = realloc(v->be, nc * sizeof(*nb));
		struct zdp_lb_backend *nl;
		char **nk;
		if (nb == NULL)
			return -ENOMEM;
		v->be = nb;
		nl = realloc(v->lbb, nc * sizeof(*nl));
		if (nl == NULL)
			return -ENOMEM;
		v->lbb = nl;
		nk = realloc(v->lbkeys, nc * sizeof(*nk));
		if (nk == NULL)
			return -ENOMEM;
		v->lbkeys = nk;
		v->cap = nc;
	}
	zdp_addr_fmt(addr, addrbuf, sizeof(addrbuf));
	/* Identity of the endpoint for the Maglev permutation: the same on
	 * every node with the same config. */
	snprintf(key, sizeof(key), "%s|%s|%s|%u", service, wl->uid, addrbuf, port);
	v->lbkeys[v->n] = strdup(key);
	if (v->lbkeys[v->n] == NULL)
		return -ENOMEM;
	/* Counter identity: route, service, workload, endpoint (tab-separated
	 * so metrics can split it back into labels). */
	snprintf(key, sizeof(key), "%s\t%s\t%s\t%s:%u", route, service, wl->uid, addrbuf, port);
	id = zdp_registry_id(b->m->backend_reg, key);
	if (id < 0)
		return id;
	be = &v->be[v->n];
	memset(be, 0, sizeof(*be));
	be->addr = *addr;
	be->port = port;
	be->workload_idx = wl_idx;
	be->stat_id = (uint32_t)id;
	if (wl->protocol == ZDP_TUNNEL_HBONE)
		be->flags |= ZDP_BACKEND_F_HBONE;
	if (port == 15001 || port == 15006 || port == 15008)
		be->flags |= ZDP_BACKEND_F_LOOP;
	v->lbb[v->n].key = v->lbkeys[v->n];
	v->lbb[v->n].id = (uint32_t)v->n;
	v->lbb[v->n].weight = weight;
	v->n++;
	return 0;
}

/* Target port of @wl for service @svc_name's port @sp; 0 if it has none. */
static uint16_t
endpoint_port(const struct zdp_cfg_workload *wl, const struct zdp_cfg_wl_service *ws,
	      const struct zdp_cfg_service *svc, uint16_t sp)
{
	for (size_t i = 0; i < ws->n_ports; i++)
		if (ws->ports[i].service_port == sp)
			return ws->ports[i].target_port ? ws->ports[i].target_port : sp;
	if (svc != NULL)
		for (size_t i = 0; i < svc->n_ports; i++)
			if (svc->ports[i].service_port == sp)
				return svc->ports[i].target_port ? svc->ports[i].target_port : sp;
	/* ztunnel: a workload listed for a service without port lists
	 * serves the service port itself. */
	return (ws->n_ports == 0 && (svc == NULL || svc->n_ports == 0)) ? sp : 0;
}

static const struct zdp_addr *
workload_addr(const struct zdp_cfg_workload *wl, uint8_t family)
{
	for (size_t i = 0; i < wl->n_ips; i++)
		if (wl->ips[i].family == family)
			return &wl->ips[i];
	return NULL;
}

/* Add the endpoints of @service (namespace/hostname) to @v, sharing @share
 * (fixed-point) between them by capacity. */
static int
vip_add_service(struct build *b, struct vip_build *v, const char *route,
		const char *service, uint16_t sp, uint64_t share)
{
	const struct zdp_config *cfg = b->cfg;
	const struct zdp_cfg_service *svc = zdp_config_find_service(cfg, service);
	uint64_t cap_sum = 0;
	int pass, rc;

	/* Pass 0 sums capacities of usable endpoints, pass 1 adds them. */
	for (pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < cfg->n_workloads; i++) {
			const struct zdp_cfg_workload *wl = &cfg->workloads[i];
			const struct zdp_addr *a;
			uint16_t tp = 0;
			size_t j;

			if (!wl->healthy || wl->capacity == 0)
				continue;
			for (j = 0; j < wl->n_services; j++)
				if (strcmp(wl->services[j].service, service) == 0)
					break;
			if (j == wl->n_services)
				continue;
			tp = endpoint_port(wl, &wl->services[j], svc, sp);
			a = workload_addr(wl, v->key.family);
			if (tp == 0 || a == NULL)
				continue;
			if (pass == 0) {
				cap_sum += wl->capacity;
				continue;
			}
			rc = vip_add_backend(b, v, route, service, wl, (uint32_t)i, a, tp,
					     share * wl->capacity / cap_sum + 1);
			if (rc < 0)
				return rc;
		}
		if (cap_sum == 0)
			return 0;
	}
	return 0;
}

static void
build_error(struct build *b, unsigned line, const char *key, const char *msg)
{
	zdp_config_errors_add(b->errs, b->cfg->path ? b->cfg->path : "config", line, key,
			      "%s", msg);
	if (b->rc == 0)
		b->rc = -EINVAL;
}

static int
build_routes(struct build *b)
{
	const struct zdp_cfg_gateway *g = &b->cfg->gateway;

	for (size_t r = 0; r < g->n_traffic_routes; r++) {
		const struct zdp_cfg_traffic_route *tr = &g->traffic_routes[r];
		struct zdp_vip_key k;
		struct vip_build *v;
		uint64_t wsum = 0;
		char key[96];

		vip_key_make(&k, &tr->vip, tr->port, tr->proto);
		if (vip_find(b, &k)) {
			snprintf(key, sizeof(key), "gateway.trafficRoutes[%zu]", r);
			build_error(b, tr->line, key, "same VIP, port and protocol as an earlier route");
			continue;
		}
		v = vip_new(b, &k, tr->name ? tr->name : "route", tr->line);
		if (v == NULL)
			return -ENOMEM;
		if (tr->mode == ZDP_ROUTE_TCP_PROXY) {
			if (++b->n_proxy > 16) {
				snprintf(key, sizeof(key), "gateway.trafficRoutes[%zu].mode", r);
				build_error(b, tr->line, key, "at most 16 tcp-proxy routes");
			}
			v->mode = ZDP_VIP_TCP_PROXY;
			v->idle_timeout_s = tr->idle_timeout;
		}
		for (size_t i = 0; i < tr->n_backends; i++)
			wsum += tr->backends[i].weight;
		for (size_t i = 0; i < tr->n_backends && wsum; i++) {
			const struct zdp_cfg_backend_ref *br = &tr->backends[i];
			uint64_t share = (uint64_t)br->weight * EPSILON_SHARE;
			int rc;

			if (br->weight == 0)
				continue;
			rc = vip_add_service(b, v, v->name, br->service,
					     br->port ? br->port : tr->port, share);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int
build_services(struct build *b)
{
	static const uint8_t protos[2] = { 6, 17 };
	const struct zdp_config *cfg = b->cfg;

	for (size_t s = 0; s < cfg->n_services; s++) {
		const struct zdp_cfg_service *svc = &cfg->services[s];
		char name[512];

		snprintf(name, sizeof(name), "%s/%s", svc->namespace_ ? svc->namespace_ : "",
			 svc->hostname ? svc->hostname : "");
		for (size_t i = 0; i < svc->n_vips; i++)
			for (size_t p = 0; p < svc->n_ports; p++)
				for (int pr = 0; pr < 2; pr++) {
					struct zdp_vip_key k;
					struct vip_build *v;
					int rc;

					vip_key_make(&k, &svc->vips[i].addr,
						     svc->ports[p].service_port, protos[pr]);
					if (vip_find(b, &k))
						continue;	/* a traffic route owns it */
					v = vip_new(b, &k, name, svc->line);
					if (v == NULL)
						return -ENOMEM;
					rc = vip_add_service(b, v, name, name,
							     svc->ports[p].service_port,
							     EPSILON_SHARE);
					if (rc < 0)
						return rc;
				}
	}
	return 0;
}

static void
build_free(struct build *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct vip_build *v = &b->v[i];
		for (size_t j = 0; j < v->n; j++)
			free(v->lbkeys[j]);
		free(v->lbkeys);
		free(v->lbb);
		free(v->be);
		free(v->name);
	}
	free(b->v);
}

void
zdp_snapshot_free(struct zdp_snapshot *s)
{
	if (s == NULL)
		return;
	for (uint32_t i = 0; i < s->n_vips; i++) {
		zdp_lb_table_destroy(s->vips[i].lb);
		free(s->vips[i].backends);
		free((char *)s->vips[i].name);
	}
	free(s->vips);
	rte_hash_free(s->vip_hash);
	zdp_policy_set_destroy(s->policies);
	zdp_route_table_destroy(s->routes);
	free(s->local);
	free(s);
}

static int
compile_routes(struct build *b, struct zdp_snapshot *s)
{
	const struct zdp_cfg_gateway *g = &b->cfg->gateway;
	uint32_t max = 16, nl = 0;
	char key[96];

	for (size_t p = 0; p < g->n_ports; p++)
		max += (uint32_t)g->ports[p].n_addresses;
	max += (uint32_t)g->n_routes;
	s->routes = zdp_route_table_create(SOCKET_ID_ANY, max);
	if (s->routes == NULL)
		return -ENOMEM;
	s->local = calloc(max, sizeof(*s->local));
	if (s->local == NULL)
		return -ENOMEM;
	for (size_t p = 0; p < g->n_ports && p < ZDP_MAX_PORTS; p++) {
		s->ports[p].present = true;
		for (size_t a = 0; a < g->ports[p].n_addresses; a++) {
			const struct zdp_prefix *pf = &g->ports[p].addresses[a];
			if (zdp_route_add_connected(s->routes, (uint16_t)p, pf) < 0) {
				snprintf(key, sizeof(key), "gateway.ports[%zu].addresses[%zu]", p, a);
				build_error(b, g->ports[p].line, key, "cannot add connected route");
			}
			s->local[nl].pfx = *pf;
			s->local[nl].port_id = (uint16_t)p;
			nl++;
			if (pf->addr.family == ZDP_AF_INET && s->ports[p].snat4.family == 0)
				s->ports[p].snat4 = pf->addr;
			if (pf->addr.family == ZDP_AF_INET6 && s->ports[p].snat6.family == 0)
				s->ports[p].snat6 = pf->addr;
		}
	}
	s->n_local = nl;
	for (size_t r = 0; r < g->n_routes; r++) {
		const struct zdp_cfg_ip_route *rt = &g->routes[r];
		size_t p;
		int rc;

		for (p = 0; p < g->n_ports; p++)
			if (strcmp(g->ports[p].name, rt->port) == 0)
				break;
		snprintf(key, sizeof(key), "gateway.routes[%zu]", r);
		if (p == g->n_ports) {
			build_error(b, rt->line, key, "unknown port");
			continue;
		}
		rc = zdp_route_add(s->routes, &rt->prefix, rt->via.family ? &rt->via : NULL,
				   (uint16_t)p);
		if (rc < 0)
			build_error(b, rt->line, key, rc == -EEXIST ? "duplicate prefix" :
				    "cannot add route (family mismatch or table full)");
	}
	if (zdp_route_table_seal(s->routes) < 0)
		build_error(b, g->line, "gateway.routes", "route table build failed");
	return 0;
}

static int
compile_vips(struct build *b, struct zdp_snapshot *s)
{
	struct rte_hash_parameters hp;
	char name[RTE_HASH_NAMESIZE];
	uint32_t entries;
	int rc;

	rc = build_routes(b);
	if (rc == 0)
		rc = build_services(b);
	if (rc < 0)
		return rc;

	s->vips = calloc(b->n ? b->n : 1, sizeof(*s->vips));
	if (s->vips == NULL)
		return -ENOMEM;
	entries = (uint32_t)(b->n * 2 + 64);
	memset(&hp, 0, sizeof(hp));
	snprintf(name, sizeof(name), "zdp_vip_%" PRIu64, s->generation);
	hp.name = name;
	hp.entries = entries < 8 ? 8 : entries;
	hp.key_len = sizeof(struct zdp_vip_key);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = SOCKET_ID_ANY;
	s->vip_hash = rte_hash_create(&hp);
	if (s->vip_hash == NULL)
		return -ENOMEM;

	for (size_t i = 0; i < b->n; i++) {
		struct vip_build *vb = &b->v[i];
		struct zdp_vip *v = &s->vips[i];
		struct zdp_vip_key ak;

		v->key = vb->key;
		v->mode = vb->mode;
		v->idle_timeout_s = vb->idle_timeout_s;
		v->name = vb->name;
		vb->name = NULL;
		v->backends = vb->be;
		vb->be = NULL;
		v->n_backends = (uint32_t)vb->n;
		v->n_healthy = (uint32_t)vb->n;
		rc = zdp_lb_table_build(vb->lbb, vb->n, 0, &v->lb);
		s->n_vips = (uint32_t)i + 1;
		if (rc < 0)
			return rc;
		if (rte_hash_add_key_data(s->vip_hash, &v->key, (void *)(uintptr_t)(i + 1)) < 0)
			return -ENOSPC;
		/* Address-only key: "this is a VIP address" (answers ping). */
		memset(&ak, 0, sizeof(ak));
		memcpy(ak.addr, v->key.addr, 16);
		ak.family = v->key.family;
		if (rte_hash_lookup(s->vip_hash, &ak) < 0 &&
		    rte_hash_add_key_data(s->vip_hash, &ak, NULL) < 0)
			return -ENOSPC;
	}
	return 0;
}

int
zdp_compile(struct zdp_mgmt *m, const struct zdp_config *cfg, struct zdp_snapshot **out,
	    struct zdp_config_errors *errs)
{
	const struct zdp_cfg_gateway *g = &cfg->gateway;
	uint64_t hz = rte_get_tsc_hz();
	struct build b = { .m = m, .cfg = cfg, .errs = errs };
	struct zdp_snapshot *s;
	char err[512] = "";
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->generation = m->generation + 1;
	s->to_tcp_syn = g->tcp_syn_timeout * hz;
	s->to_tcp_est = g->tcp_established_timeout * hz;
	s->to_tcp_closing = g->tcp_closing_timeout * hz;
	s->to_udp = g->udp_timeout * hz;
	zdp_cfg_nat_range(g, &s->nat_port_min, &s->nat_port_max);
	s->verify_fwd_l4_csum = g->verify_forwarded_checksums;
	s->idle_sleep_us = g->idle_sleep_us;

	rc = zdp_policy_compile(cfg, m->policy_reg, &s->policies, err, sizeof(err));
	if (rc < 0) {
		zdp_config_errors_add(errs, cfg->path ? cfg->path : "config", 0, "policies",
				      "%s", err[0] ? err : strerror(-rc));
		goto fail;
	}
	rc = compile_routes(&b, s);
	if (rc == 0)
		rc = compile_vips(&b, s);
	if (rc == 0)
		rc = b.rc;
	if (rc < 0) {
		if (rc == -ENOSPC)
			zdp_config_errors_add(errs, cfg->path ? cfg->path : "config", 0, "gateway",
					      "too many VIPs or backends for the tables");
		else if (rc == -ENOMEM)
			zdp_config_errors_add(errs, cfg->path ? cfg->path : "config", 0, "gateway",
					      "out of memory while compiling");
		goto fail;
	}
	build_free(&b);
	m->generation = s->generation;
	*out = s;
	return 0;

fail:
	build_free(&b);
	zdp_snapshot_free(s);
	return rc < 0 ? rc : -EINVAL;
}
