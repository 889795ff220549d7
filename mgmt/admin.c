/* SPDX-License-Identifier: BSD-3-Clause
 * admin.c — /config_dump and /tcp/connections (JSON), and readiness.
 */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>

#include "policy.h"
#include "proxy.h"
#include "sbuf.h"
#include "snapshot.h"
#include "worker.h"
#include "zdp_lb.h"
#include "zdp_mgmt.h"

#ifndef ZDP_VERSION
#define ZDP_VERSION "0.1.0"
#endif

static void
json_addr(struct sbuf *b, const struct zdp_addr *a)
{
	char buf[64];

	sbuf_json_str(b, zdp_addr_fmt(a, buf, sizeof(buf)));
}

static void
json_prefix(struct sbuf *b, const struct zdp_prefix *p)
{
	char buf[64], out[80];

	snprintf(out, sizeof(out), "%s/%u", zdp_addr_fmt(&p->addr, buf, sizeof(buf)), p->len);
	sbuf_json_str(b, out);
}

/*
 * net_tap moved into another network namespace (how tests and the demo wire
 * zdp to Linux peers) can no longer report its link from zdp's namespace:
 * the PMD asks the kernel by interface name. That state is "unknown", which
 * readiness accepts; a real NIC always reports.
 */
static int
port_link_state(const struct zdp_port *p)
{
	struct rte_eth_link l;
	const char *iface;

	memset(&l, 0, sizeof(l));
	if (rte_eth_link_get_nowait(p->port_id, &l) == 0 && l.link_status == RTE_ETH_LINK_UP)
		return 1;
	iface = strstr(p->device, "iface=");
	if (strncmp(p->device, "net_tap", 7) == 0 && iface != NULL) {
		char name[IF_NAMESIZE + 1];
		size_t n = strcspn(iface + 6, ",");
		if (n > IF_NAMESIZE)
			n = IF_NAMESIZE;
		memcpy(name, iface + 6, n);
		name[n] = '\0';
		if (if_nametoindex(name) == 0)
			return -1;	/* unknown: not in our namespace */
	}
	return 0;
}

bool
zdp_mgmt_ready(struct zdp_mgmt *m, char *why, size_t whylen)
{
	struct zdp_runtime *rt = m->rt;

	if (!m->config_loaded || rt->snap == NULL) {
		snprintf(why, whylen, "no configuration loaded");
		return false;
	}
	for (unsigned w = 0; w < rt->n_workers; w++) {
		if (rt->workers[w]->init_rc < 0) {
			snprintf(why, whylen, "worker %u failed to start", w);
			return false;
		}
		if (rt->workers[w]->flows == NULL) {
			snprintf(why, whylen, "worker %u starting", w);
			return false;
		}
	}
	for (unsigned p = 0; p < rt->n_ports; p++)
		if (port_link_state(&rt->ports[p]) == 0) {
			snprintf(why, whylen, "port %s link down", rt->ports[p].name);
			return false;
		}
	return true;
}

static void
dump_vips(struct sbuf *b, const struct zdp_snapshot *s, const struct zdp_config *cfg)
{
	sbuf_put(b, "\"vips\":[", 8);
	for (uint32_t i = 0; i < s->n_vips; i++) {
		const struct zdp_vip *v = &s->vips[i];
		struct zdp_addr a;
		uint32_t size = zdp_lb_table_size(v->lb), *count;

		memset(&a, 0, sizeof(a));
		a.family = v->key.family;
		memcpy(a.a, v->key.addr, 16);
		sbuf_printf(b, "%s{\"name\":", i ? "," : "");
		sbuf_json_str(b, v->name);
		sbuf_put(b, ",\"address\":", 11);
		json_addr(b, &a);
		sbuf_printf(b, ",\"port\":%u,\"protocol\":\"%s\",\"backends\":[",
			    rte_be_to_cpu_16(v->key.port), v->key.proto == 6 ? "TCP" : "UDP");
		count = calloc(v->n_backends + 1, sizeof(*count));
		if (count && v->n_backends)
			for (uint32_t e = 0; e < size; e++) {
				uint32_t id = zdp_lb_table_entry(v->lb, e);
				if (id < v->n_backends)
					count[id]++;
			}
		for (uint32_t j = 0; j < v->n_backends; j++) {
			const struct zdp_backend *be = &v->backends[j];
			const struct zdp_cfg_workload *wl = be->workload_idx < cfg->n_workloads ?
				&cfg->workloads[be->workload_idx] : NULL;

			sbuf_printf(b, "%s{\"address\":", j ? "," : "");
			json_addr(b, &be->addr);
			sbuf_printf(b, ",\"port\":%u,\"workload\":", be->port);
			sbuf_json_str(b, wl ? wl->uid : NULL);
			sbuf_printf(b, ",\"share\":%.6f,\"hbone\":%s,\"loopGuard\":%s}",
				    size && count ? (double)count[j] / size : 0.0,
				    (be->flags & ZDP_BACKEND_F_HBONE) ? "true" : "false",
				    (be->flags & ZDP_BACKEND_F_LOOP) ? "true" : "false");
		}
		free(count);
		sbuf_put(b, "]}", 2);
	}
	sbuf_put(b, "]", 1);
}

static void
dump_policies(struct sbuf *b, const struct zdp_snapshot *s)
{
	size_t n = zdp_policy_set_count(s->policies);

	sbuf_put(b, "\"policies\":[", 12);
	for (size_t i = 0; i < n; i++) {
		struct zdp_policy_info pi;
		if (zdp_policy_set_info(s->policies, i, &pi) < 0)
			continue;
		sbuf_printf(b, "%s{\"id\":%u,\"name\":", i ? "," : "", pi.id);
		sbuf_json_str(b, pi.key);
		sbuf_printf(b, ",\"action\":\"%s\",\"dryRun\":%s,\"scope\":%u,\"rules\":%u}",
			    pi.action == ZDP_POLICY_DENY ? "DENY" : "ALLOW",
			    pi.dry_run ? "true" : "false", pi.scope, pi.n_rules);
	}
	sbuf_put(b, "]", 1);
}

static void
dump_workloads(struct sbuf *b, const struct zdp_config *cfg)
{
	sbuf_put(b, "\"workloads\":[", 13);
	for (size_t i = 0; i < cfg->n_workloads; i++) {
		const struct zdp_cfg_workload *w = &cfg->workloads[i];
		sbuf_printf(b, "%s{\"uid\":", i ? "," : "");
		sbuf_json_str(b, w->uid);
		sbuf_put(b, ",\"name\":", 8);
		sbuf_json_str(b, w->name);
		sbuf_put(b, ",\"namespace\":", 13);
		sbuf_json_str(b, w->namespace_);
		sbuf_put(b, ",\"serviceAccount\":", 18);
		sbuf_json_str(b, w->service_account);
		sbuf_put(b, ",\"workloadIps\":[", 16);
		for (size_t j = 0; j < w->n_ips; j++) {
			if (j)
				sbuf_put(b, ",", 1);
			json_addr(b, &w->ips[j]);
		}
		sbuf_printf(b, "],\"protocol\":\"%s\",\"capacity\":%u,\"healthy\":%s}",
			    w->protocol == ZDP_TUNNEL_HBONE ? "HBONE" : "TCP", w->capacity,
			    w->healthy ? "true" : "false");
	}
	sbuf_put(b, "]", 1);
}

static void
dump_ports(struct sbuf *b, struct zdp_mgmt *m)
{
	struct zdp_runtime *rt = m->rt;
	const struct zdp_cfg_gateway *g = &m->cfg->gateway;

	sbuf_put(b, "\"ports\":[", 9);
	for (unsigned p = 0; p < rt->n_ports; p++) {
		const struct zdp_port *pt = &rt->ports[p];
		int link = port_link_state(pt);

		sbuf_printf(b, "%s{\"name\":", p ? "," : "");
		sbuf_json_str(b, pt->name);
		sbuf_put(b, ",\"device\":", 10);
		sbuf_json_str(b, pt->device);
		sbuf_printf(b, ",\"ethdev\":%u,\"socket\":%d,\"queues\":%u,\"mtu\":%u,"
			    "\"mac\":\"" RTE_ETHER_ADDR_PRT_FMT "\",\"rss\":\"%s\",\"link\":\"%s\","
			    "\"addresses\":[", pt->port_id, pt->socket, pt->n_queues, pt->mtu,
			    RTE_ETHER_ADDR_BYTES(&pt->mac),
			    pt->rss ? (pt->rss_symmetric ? "symmetric" : "asymmetric") : "none",
			    link > 0 ? "up" : link < 0 ? "unknown" : "down");
		for (size_t a = 0; p < g->n_ports && a < g->ports[p].n_addresses; a++) {
			if (a)
				sbuf_put(b, ",", 1);
			json_prefix(b, &g->ports[p].addresses[a]);
		}
		sbuf_put(b, "]}", 2);
	}
	sbuf_put(b, "],\"routes\":[", 12);
	for (size_t r = 0; r < g->n_routes; r++) {
		sbuf_printf(b, "%s{\"prefix\":", r ? "," : "");
		json_prefix(b, &g->routes[r].prefix);
		sbuf_put(b, ",\"via\":", 7);
		if (g->routes[r].via.family)
			json_addr(b, &g->routes[r].via);
		else
			sbuf_put(b, "null", 4);
		sbuf_put(b, ",\"port\":", 8);
		sbuf_json_str(b, g->routes[r].port);
		sbuf_put(b, "}", 1);
	}
	sbuf_put(b, "]", 1);
}

char *
zdp_admin_config_dump(struct zdp_mgmt *m, size_t *len)
{
	const struct zdp_snapshot *s = m->rt->snap;	/* mgmt is the only writer */
	struct sbuf b = { 0 };

	sbuf_printf(&b, "{\"version\":\"%s\",\"configFile\":", ZDP_VERSION);
	sbuf_json_str(&b, m->config_path);
	sbuf_printf(&b, ",\"generation\":%" PRIu64 ",\"workers\":%u,\"reloads\":{\"ok\":%" PRIu64
		    ",\"failed\":%" PRIu64 ",\"lastError\":", m->generation, m->rt->n_workers,
		    m->reloads_ok, m->reloads_failed);
	sbuf_json_str(&b, m->last_reload_error[0] ? m->last_reload_error : NULL);
	{
		const struct zdp_cfg_gateway *g = &m->cfg->gateway;
		static const char *const seg[] = { "device", "software", "off" };
		uint16_t lo, hi;

		zdp_cfg_nat_range(g, &lo, &hi);
		sbuf_printf(&b, "},\"sourceNatPorts\":\"%u-%u\",\"proxyPorts\":\"%u-%u\","
			    "\"tcpConnectionsPerCore\":%u,\"verifyForwardedChecksums\":%s,"
			    "\"idleSleepMicros\":%u,\"tcpSegmentation\":\"%s\",",
			    lo, hi, g->proxy_port_min, g->proxy_port_max, g->tcp_conns_per_core,
			    g->verify_forwarded_checksums ? "true" : "false", g->idle_sleep_us,
			    seg[g->tcp_segmentation % 3]);
	}
	dump_ports(&b, m);
	sbuf_put(&b, ",", 1);
	dump_workloads(&b, m->cfg);
	sbuf_put(&b, ",", 1);
	if (s) {
		dump_vips(&b, s, m->cfg);
		sbuf_put(&b, ",", 1);
		dump_policies(&b, s);
	} else {
		sbuf_put(&b, "\"vips\":[],\"policies\":[]", 23);
	}
	sbuf_put(&b, "}\n", 2);
	return sbuf_finish(&b, len);
}

/* ---- /tcp/connections ---------------------------------------------------- */

#define TCP_DUMP_DEFAULT	1000
#define TCP_DUMP_MAX		(1u << 20)
#define TCP_DUMP_TIMEOUT_MS	2000

/* "name=value" in a query string; -1 absent, -2 not a number <= max. */
static long
query_uint(const char *q, const char *name, unsigned long max)
{
	size_t nl = strlen(name);

	for (const char *p = q; p && *p; p = strchr(p, '&'), p = p ? p + 1 : NULL) {
		char *end;
		unsigned long v;

		if (strncmp(p, name, nl) != 0 || p[nl] != '=')
			continue;
		if (p[nl + 1] < '0' || p[nl + 1] > '9')
			return -2;
		v = strtoul(p + nl + 1, &end, 10);
		if ((*end != '\0' && *end != '&') || v > max)
			return -2;
		return (long)v;
	}
	return -1;
}

static const char *
role_name(uint8_t role)
{
	switch (role) {
	case ZDP_PROXY_ROLE_CLIENT:
		return "client";
	case ZDP_PROXY_ROLE_UPSTREAM:
		return "upstream";
	default:
		return NULL;
	}
}

static void
json_tcp_conn(struct sbuf *b, const struct zdp_proxy_conn_dump *d)
{
	static const struct { uint32_t bit; const char *name; } fl[] = {
		{ ZDP_TCP_INFO_PASSIVE, "passive" }, { ZDP_TCP_INFO_TS, "timestamps" },
		{ ZDP_TCP_INFO_SACK, "sack" }, { ZDP_TCP_INFO_WS, "windowScaling" },
		{ ZDP_TCP_INFO_RECOVERY, "recovery" }, { ZDP_TCP_INFO_COOKIE, "synCookie" },
		{ ZDP_TCP_INFO_FIN_SENT, "finSent" }, { ZDP_TCP_INFO_FIN_RCVD, "finReceived" },
		{ ZDP_TCP_INFO_PERSIST, "persist" },
	};
	const struct zdp_tcp_conn_info *t = &d->tcp;
	const struct zdp_tcp_conn_stats *st = &t->st;
	unsigned nf = 0;

	sbuf_put(b, "{\"local\":", 9);
	json_addr(b, &t->laddr);
	sbuf_printf(b, ",\"localPort\":%u,\"remote\":", t->lport);
	json_addr(b, &t->raddr);
	sbuf_printf(b, ",\"remotePort\":%u,\"state\":", t->rport);
	sbuf_json_str(b, zdp_tcp_state_name((enum zdp_tcp_state)t->state));
	sbuf_put(b, ",\"role\":", 8);
	sbuf_json_str(b, role_name(d->role));
	sbuf_put(b, ",\"flags\":[", 10);
	for (unsigned i = 0; i < RTE_DIM(fl); i++)
		if (t->flags & fl[i].bit) {
			sbuf_printf(b, "%s", nf++ ? "," : "");
			sbuf_json_str(b, fl[i].name);
		}
	sbuf_printf(b, "],\"mss\":%u,\"sndWscale\":%u,\"rcvWscale\":%u,"
		    "\"srttUs\":%u,\"rttvarUs\":%u,\"rtoUs\":%u,\"cwnd\":%u,\"ssthresh\":%u,"
		    "\"sndWnd\":%u,\"rcvWnd\":%u,\"sndQueued\":%u,\"inFlight\":%u,"
		    "\"rcvHeld\":%u,\"oooBlocks\":%u,\"relayPending\":%u,"
		    "\"segsIn\":%" PRIu64 ",\"segsOut\":%" PRIu64 ",\"bytesIn\":%" PRIu64
		    ",\"bytesOut\":%" PRIu64 ",\"retransmits\":%u,\"rtoFires\":%u,"
		    "\"oooSegments\":%u,\"sackRecoveries\":%u,\"rxIdleMs\":%" PRIu64
		    ",\"relayIdleMs\":%" PRIu64 "}",
		    st->mss, t->snd_wscale, t->rcv_wscale, st->srtt_us, st->rttvar_us,
		    st->rto_us, st->cwnd, st->ssthresh, st->snd_wnd, st->rcv_wnd, t->snd_queued,
		    t->snd_inflight, t->rcv_held, t->ooo_blocks, d->pending_bytes, st->segs_in,
		    st->segs_out, st->bytes_in, st->bytes_out, st->retransmits, st->rto_fires,
		    st->ooo_segs, st->sack_recoveries, t->rx_idle_us / 1000, d->relay_idle_ms);
}

char *
zdp_admin_tcp_connections(struct zdp_mgmt *m, const char *query, size_t *len, int *status)
{
	struct zdp_runtime *rt = m->rt;
	long limit = query_uint(query, "limit", TCP_DUMP_MAX);
	long only = query_uint(query, "worker", rt->n_workers ? rt->n_workers - 1 : 0);
	struct zdp_proxy_conn_dump *buf;
	struct sbuf b = { 0 };
	unsigned first = 0;

	*status = 200;
	if (limit == -2 || only == -2) {
		*status = 400;
		sbuf_printf(&b, "{\"error\":\"query: limit=0..%u, worker=0..%u\"}\n",
			    TCP_DUMP_MAX, rt->n_workers ? rt->n_workers - 1 : 0);
		return sbuf_finish(&b, len);
	}
	if (limit < 0)
		limit = TCP_DUMP_DEFAULT;
	buf = limit ? malloc((size_t)limit * sizeof(*buf)) : NULL;
	if (limit && buf == NULL)
		return NULL;
	sbuf_printf(&b, "{\"limitPerWorker\":%ld,\"workers\":[", limit);
	for (unsigned w = 0; w < rt->n_workers; w++) {
		uint32_t in_use = 0;
		int n;

		if (only >= 0 && (unsigned)only != w)
			continue;
		n = rt->workers[w]->init_rc < 0 ? 0 :
		    zdp_proxy_dump(rt->workers[w], buf, (uint32_t)limit, TCP_DUMP_TIMEOUT_MS,
				   &in_use);
		sbuf_printf(&b, "%s{\"worker\":%u,", first++ ? "," : "", w);
		if (n < 0) {
			sbuf_printf(&b, "\"error\":\"%s\",\"connections\":[]}",
				    n == -ETIMEDOUT ? "worker did not answer" : strerror(-n));
			continue;
		}
		sbuf_printf(&b, "\"inUse\":%u,\"listed\":%d,\"truncated\":%s,"
			    "\"connections\":[", in_use, n, (uint32_t)n < in_use ? "true" : "false");
		for (int i = 0; i < n; i++) {
			if (i)
				sbuf_put(&b, ",", 1);
			json_tcp_conn(&b, &buf[i]);
		}
		sbuf_put(&b, "]}", 2);
	}
	sbuf_put(&b, "]}\n", 3);
	free(buf);
	return sbuf_finish(&b, len);
}
