/* SPDX-License-Identifier: BSD-3-Clause
 * metrics.c — Prometheus text exposition (version 0.0.4) of per-core
 * counters, summed at scrape time on the mgmt thread.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "counters.h"
#include "drop.h"
#include "neigh.h"
#include "policy.h"
#include "policy_compile.h"
#include "sbuf.h"
#include "tcp_api.h"
#include "worker.h"
#include "zdp_mgmt.h"

#ifndef ZDP_VERSION
#define ZDP_VERSION "0.1.0"
#endif

#define SUM(field) ({						\
	uint64_t s_ = 0;					\
	for (unsigned w_ = 0; w_ < rt->n_workers; w_++)		\
		s_ += rt->workers[w_]->ctr->field;		\
	s_; })

static void
head(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
render_ports(struct sbuf *b, struct zdp_runtime *rt)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} st[] = {
		{ "zdp_port_rx_packets_total", "Packets received by the device",
		  offsetof(struct rte_eth_stats, ipackets) },
		{ "zdp_port_tx_packets_total", "Packets sent by the device",
		  offsetof(struct rte_eth_stats, opackets) },
		{ "zdp_port_rx_bytes_total", "Bytes received by the device",
		  offsetof(struct rte_eth_stats, ibytes) },
		{ "zdp_port_tx_bytes_total", "Bytes sent by the device",
		  offsetof(struct rte_eth_stats, obytes) },
		{ "zdp_port_rx_missed_total", "Packets the device dropped for lack of RX descriptors",
		  offsetof(struct rte_eth_stats, imissed) },
		{ "zdp_port_rx_errors_total", "Erroneous packets received",
		  offsetof(struct rte_eth_stats, ierrors) },
		{ "zdp_port_tx_errors_total", "Failed transmissions",
		  offsetof(struct rte_eth_stats, oerrors) },
		{ "zdp_port_rx_nombuf_total", "RX mbuf allocation failures",
		  offsetof(struct rte_eth_stats, rx_nombuf) },
	};
	struct rte_eth_stats es[ZDP_MAX_PORTS];

	for (unsigned p = 0; p < rt->n_ports; p++)
		if (rte_eth_stats_get(rt->ports[p].port_id, &es[p]) != 0)
			memset(&es[p], 0, sizeof(es[p]));
	for (size_t i = 0; i < RTE_DIM(st); i++) {
		head(b, st[i].name, "counter", st[i].help);
		for (unsigned p = 0; p < rt->n_ports; p++)
			sbuf_printf(b, "%s{port=\"%s\"} %" PRIu64 "\n", st[i].name,
				    rt->ports[p].name,
				    *(const uint64_t *)((const char *)&es[p] + st[i].off));
	}
	head(b, "zdp_port_link_up", "gauge", "1 when the device reports link up");
	for (unsigned p = 0; p < rt->n_ports; p++) {
		struct rte_eth_link l;
		memset(&l, 0, sizeof(l));
		rte_eth_link_get_nowait(rt->ports[p].port_id, &l);
		sbuf_printf(b, "zdp_port_link_up{port=\"%s\"} %d\n", rt->ports[p].name,
			    l.link_status == RTE_ETH_LINK_UP);
	}
	/* Read while the workers run: per-lcore caches make it approximate,
	 * good enough to see a pool running dry or leaking. */
	head(b, "zdp_port_mbufs", "gauge",
	     "Mbufs of each port's pool: available (ring and per-core caches) or in use "
	     "(in queues, in flight, held by the TCP stack)");
	for (unsigned p = 0; p < rt->n_ports; p++) {
		const struct rte_mempool *mp = rt->ports[p].pool;

		if (mp == NULL)
			continue;
		sbuf_printf(b, "zdp_port_mbufs{port=\"%s\",state=\"available\"} %u\n",
			    rt->ports[p].name, rte_mempool_avail_count(mp));
		sbuf_printf(b, "zdp_port_mbufs{port=\"%s\",state=\"in_use\"} %u\n",
			    rt->ports[p].name, rte_mempool_in_use_count(mp));
	}

	/* Per queue = per worker: what each worker saw and sent. */
	static const struct {
		const char *name, *help;
		size_t off;
	} qs[] = {
		{ "zdp_queue_rx_packets_total", "Packets a worker received on its queue",
		  offsetof(struct zdp_queue_counters, rx_packets) },
		{ "zdp_queue_rx_bytes_total", "Bytes a worker received on its queue",
		  offsetof(struct zdp_queue_counters, rx_bytes) },
		{ "zdp_queue_tx_packets_total", "Packets a worker sent on its queue",
		  offsetof(struct zdp_queue_counters, tx_packets) },
		{ "zdp_queue_tx_bytes_total", "Bytes a worker sent on its queue",
		  offsetof(struct zdp_queue_counters, tx_bytes) },
		{ "zdp_queue_tx_dropped_total",
		  "Packets dropped because the TX queue was full and 512 more were waiting",
		  offsetof(struct zdp_queue_counters, tx_dropped) },
		{ "zdp_queue_tx_held_total",
		  "Packets the TX queue refused at first, kept and sent on a later try",
		  offsetof(struct zdp_queue_counters, tx_held) },
		{ "zdp_queue_tx_gso_total",
		  "TSO packets the worker cut into segments itself (the port cannot segment)",
		  offsetof(struct zdp_queue_counters, tx_gso) },
	};
	for (size_t i = 0; i < RTE_DIM(qs); i++) {
		head(b, qs[i].name, "counter", qs[i].help);
		for (unsigned p = 0; p < rt->n_ports; p++)
			for (unsigned w = 0; w < rt->n_workers; w++)
				sbuf_printf(b, "%s{port=\"%s\",queue=\"%u\"} %" PRIu64 "\n",
					    qs[i].name, rt->ports[p].name, w,
					    *(const uint64_t *)((const char *)
						&rt->workers[w]->ctr->q[p] + qs[i].off));
	}
}

static void
render_backends(struct sbuf *b, struct zdp_mgmt *m)
{
	struct zdp_runtime *rt = m->rt;
	uint32_t n = zdp_registry_count(m->backend_reg);
	static const char *const names[2] = { "zdp_backend_picks_total",
					      "zdp_backend_bytes_total" };

	head(b, names[0], "counter", "New flows sent to each backend (route, service, workload, endpoint)");
	head(b, names[1], "counter", "IP bytes forwarded client->backend per backend");
	for (int k = 0; k < 2; k++)
		for (uint32_t id = 0; id < n && id < ZDP_BACKEND_STAT_MAX; id++) {
			char tmp[1024], *f[4] = { 0 }, *save = NULL, *t;
			int i = 0;
			uint64_t v = 0;

			snprintf(tmp, sizeof(tmp), "%s", zdp_registry_name(m->backend_reg, id));
			for (t = strtok_r(tmp, "\t", &save); t && i < 4;
			     t = strtok_r(NULL, "\t", &save))
				f[i++] = t;
			for (unsigned w = 0; w < rt->n_workers; w++)
				v += k ? rt->workers[w]->ctr->backend_bytes[id]
				       : rt->workers[w]->ctr->backend_picks[id];
			sbuf_printf(b, "%s{route=\"", names[k]);
			sbuf_prom_label(b, f[0]);
			sbuf_put(b, "\",service=\"", 11);
			sbuf_prom_label(b, f[1]);
			sbuf_put(b, "\",workload=\"", 12);
			sbuf_prom_label(b, f[2]);
			sbuf_put(b, "\",endpoint=\"", 12);
			sbuf_prom_label(b, f[3]);
			sbuf_printf(b, "\"} %" PRIu64 "\n", v);
		}
}

static void
render_policies(struct sbuf *b, struct zdp_mgmt *m)
{
	struct zdp_runtime *rt = m->rt;
	uint32_t n = zdp_policy_registry_count(m->policy_reg);

	head(b, "zdp_policy_decisions_total", "counter",
	     "Flows decided by each authorization policy (dry_run: would have matched)");
	for (uint32_t id = 0; id < n && id < ZDP_POLICY_STAT_MAX; id++) {
		uint64_t allow = 0, deny = 0, dry = 0;
		const char *name = zdp_policy_registry_name(m->policy_reg, id);

		for (unsigned w = 0; w < rt->n_workers; w++) {
			allow += rt->workers[w]->ctr->policy[id].allow;
			deny += rt->workers[w]->ctr->policy[id].deny;
			dry += rt->workers[w]->ctr->policy[id].dry_run_match;
		}
		sbuf_put(b, "zdp_policy_decisions_total{policy=\"", 35);
		sbuf_prom_label(b, name);
		sbuf_printf(b, "\",decision=\"allow\"} %" PRIu64 "\n", allow);
		sbuf_put(b, "zdp_policy_decisions_total{policy=\"", 35);
		sbuf_prom_label(b, name);
		sbuf_printf(b, "\",decision=\"deny\"} %" PRIu64 "\n", deny);
		sbuf_put(b, "zdp_policy_decisions_total{policy=\"", 35);
		sbuf_prom_label(b, name);
		sbuf_printf(b, "\",decision=\"dry_run\"} %" PRIu64 "\n", dry);
	}
}

/* Flow-table occupancy, total and per worker, from one read of each
 * worker's gauge so the per-worker lines add up to the total. One worker's
 * table fills first when RSS spreads flows unevenly: alert on the fullest
 * worker, not on the sum. */
static void
render_flow_tables(struct sbuf *b, const struct zdp_runtime *rt)
{
	uint64_t active[ZDP_MAX_WORKERS], sum = 0, cap = 0;

	for (unsigned w = 0; w < rt->n_workers; w++) {
		active[w] = rt->workers[w]->ctr->flows_active;
		sum += active[w];
		cap += rt->workers[w]->ctr->flows_capacity;
	}
	head(b, "zdp_flows_active", "gauge", "Flows in the per-core flow tables");
	sbuf_printf(b, "zdp_flows_active %" PRIu64 "\n", sum);
	head(b, "zdp_flows_capacity", "gauge", "Flows the per-core flow tables hold, all workers");
	sbuf_printf(b, "zdp_flows_capacity %" PRIu64 "\n", cap);
	head(b, "zdp_worker_flows_active", "gauge", "Flows in this worker's flow table");
	for (unsigned w = 0; w < rt->n_workers; w++)
		sbuf_printf(b, "zdp_worker_flows_active{worker=\"%u\"} %" PRIu64 "\n", w, active[w]);
	head(b, "zdp_worker_flows_capacity", "gauge", "Flows this worker's flow table holds");
	for (unsigned w = 0; w < rt->n_workers; w++)
		sbuf_printf(b, "zdp_worker_flows_capacity{worker=\"%u\"} %" PRIu64 "\n", w,
			    rt->workers[w]->ctr->flows_capacity);
}

char *
zdp_metrics_render(struct zdp_mgmt *m, size_t *len)
{
	struct zdp_runtime *rt = m->rt;
	struct sbuf b = { 0 };

	head(&b, "istio_build", "gauge", "Build of this proxy");
	sbuf_printf(&b, "istio_build{component=\"zdp\",tag=\"%s\"} 1\n", ZDP_VERSION);

	render_ports(&b, rt);

	head(&b, "zdp_drops_total", "counter", "Packets dropped or refused, by reason");
	for (int r = 1; r < ZDP_DROP__COUNT; r++)
		sbuf_printf(&b, "zdp_drops_total{reason=\"%s\"} %" PRIu64 "\n",
			    zdp_drop_reason_name((enum zdp_drop_reason)r), SUM(drops[r]));

	render_flow_tables(&b, rt);
	head(&b, "zdp_flows_created_total", "counter", "Flows created, by protocol");
	sbuf_printf(&b, "zdp_flows_created_total{protocol=\"tcp\"} %" PRIu64 "\n",
		    SUM(flows_tcp_created));
	sbuf_printf(&b, "zdp_flows_created_total{protocol=\"udp\"} %" PRIu64 "\n",
		    SUM(flows_udp_created));
	head(&b, "zdp_flows_expired_total", "counter", "Flows removed by ageing");
	sbuf_printf(&b, "zdp_flows_expired_total %" PRIu64 "\n", SUM(flows_expired));
	head(&b, "zdp_nat_port_probes_total", "counter", "Source-NAT port candidates probed");
	sbuf_printf(&b, "zdp_nat_port_probes_total %" PRIu64 "\n", SUM(nat_port_attempts));

	render_policies(&b, m);
	render_backends(&b, m);

	head(&b, "zdp_handoff_packets_total", "counter",
	     "Packets passed between workers because the device's queue choice was not symmetric");
	sbuf_printf(&b, "zdp_handoff_packets_total{direction=\"out\"} %" PRIu64 "\n",
		    SUM(handoff_out));
	sbuf_printf(&b, "zdp_handoff_packets_total{direction=\"in\"} %" PRIu64 "\n",
		    SUM(handoff_in));
	head(&b, "zdp_local_replies_total", "counter", "Packets zdp answered itself");
	sbuf_printf(&b, "zdp_local_replies_total{kind=\"arp_reply\"} %" PRIu64 "\n", SUM(arp_replies));
	sbuf_printf(&b, "zdp_local_replies_total{kind=\"nd_advert\"} %" PRIu64 "\n", SUM(nd_adverts));
	sbuf_printf(&b, "zdp_local_replies_total{kind=\"icmp_echo\"} %" PRIu64 "\n",
		    SUM(icmp_echo_replies));
	sbuf_printf(&b, "zdp_local_replies_total{kind=\"tcp_reset\"} %" PRIu64 "\n",
		    SUM(tcp_resets_sent));
	sbuf_printf(&b, "zdp_local_replies_total{kind=\"neigh_solicit\"} %" PRIu64 "\n",
		    SUM(neigh_requests));
	sbuf_printf(&b, "zdp_local_replies_total{kind=\"icmp_too_big\"} %" PRIu64 "\n",
		    SUM(icmp_too_big_sent));
	head(&b, "zdp_icmp_errors_rate_limited_total", "counter",
	     "ICMP errors zdp did not send because of its per-worker rate limit (1000/s)");
	sbuf_printf(&b, "zdp_icmp_errors_rate_limited_total %" PRIu64 "\n",
		    SUM(icmp_rate_limited));
	head(&b, "zdp_icmp_errors_translated_total", "counter",
	     "ICMP errors about NATed packets forwarded to the flow's other side");
	sbuf_printf(&b, "zdp_icmp_errors_translated_total %" PRIu64 "\n",
		    SUM(icmp_errors_translated));

	head(&b, "zdp_proxy_connections_total", "counter",
	     "tcp-proxy relays by event (accepted, connected upstream, refused, closed, reset, failed, idle_timeout)");
	sbuf_printf(&b, "zdp_proxy_connections_total{event=\"accepted\"} %" PRIu64 "\n", SUM(proxy_accepted));
	sbuf_printf(&b, "zdp_proxy_connections_total{event=\"connected\"} %" PRIu64 "\n", SUM(proxy_connected));
	sbuf_printf(&b, "zdp_proxy_connections_total{event=\"refused\"} %" PRIu64 "\n", SUM(proxy_refused));
	sbuf_printf(&b, "zdp_proxy_connections_total{event=\"closed\"} %" PRIu64 "\n", SUM(proxy_closed));
	sbuf_printf(&b, "zdp_proxy_connections_total{event=\"reset\"} %" PRIu64 "\n", SUM(proxy_reset));
	sbuf_printf(&b, "zdp_proxy_connections_total{event=\"failed\"} %" PRIu64 "\n", SUM(proxy_failed));
	sbuf_printf(&b, "zdp_proxy_connections_total{event=\"idle_timeout\"} %" PRIu64 "\n",
		    SUM(proxy_idle_timeouts));
	head(&b, "zdp_tcp_stack_total", "counter", "Per-core TCP stack counters (dataplane/tcp/tcp_counters.def)");
	for (int i = 0; i < ZDP_TCP_CTR_MAX; i++) {
		uint64_t v = 0;
		for (unsigned w = 0; w < rt->n_workers; w++)
			if (rt->workers[w]->tcp)
				v += zdp_tcp_stack_counters(rt->workers[w]->tcp)[i];
		sbuf_printf(&b, "zdp_tcp_stack_total{counter=\"%s\"} %" PRIu64 "\n",
			    zdp_tcp_counter_name((enum zdp_tcp_counter)i), v);
	}

	head(&b, "zdp_neigh_total", "counter",
	     "ARP/ND neighbour tables of the workers (dataplane/neigh.h struct zdp_neigh_stats)");
	{
		static const struct {
			const char *name;
			size_t off;
		} nf[] = {
#define NF_(f) { #f, offsetof(struct zdp_neigh_stats, f) }
			NF_(hits), NF_(misses), NF_(solicits), NF_(resolved), NF_(failed),
			NF_(queue_drops), NF_(failed_drops), NF_(table_full), NF_(learned),
			NF_(updated), NF_(refused), NF_(released), NF_(confirmed),
#undef NF_
		};

		for (size_t i = 0; i < sizeof(nf) / sizeof(nf[0]); i++) {
			uint64_t v = 0;

			for (unsigned w = 0; w < rt->n_workers; w++)
				if (rt->workers[w]->neigh) {
					const struct zdp_neigh_stats *ns = zdp_neigh_stats(rt->workers[w]->neigh);
					uint64_t x;

					memcpy(&x, (const char *)ns + nf[i].off, sizeof(x));
					v += x;
				}
			sbuf_printf(&b, "zdp_neigh_total{counter=\"%s\"} %" PRIu64 "\n", nf[i].name, v);
		}
	}

	head(&b, "zdp_worker_busy_cycles_total", "counter", "TSC cycles in loop iterations that found packets");
	for (unsigned w = 0; w < rt->n_workers; w++)
		sbuf_printf(&b, "zdp_worker_busy_cycles_total{worker=\"%u\"} %" PRIu64 "\n", w,
			    rt->workers[w]->ctr->busy_cycles);
	head(&b, "zdp_worker_idle_cycles_total", "counter", "TSC cycles in loop iterations that found nothing");
	for (unsigned w = 0; w < rt->n_workers; w++)
		sbuf_printf(&b, "zdp_worker_idle_cycles_total{worker=\"%u\"} %" PRIu64 "\n", w,
			    rt->workers[w]->ctr->idle_cycles);
	head(&b, "zdp_worker_idle_polls_total", "counter", "Loop iterations that found no packet");
	for (unsigned w = 0; w < rt->n_workers; w++)
		sbuf_printf(&b, "zdp_worker_idle_polls_total{worker=\"%u\"} %" PRIu64 "\n", w,
			    rt->workers[w]->ctr->idle_polls);
	head(&b, "zdp_worker_loops_total", "counter", "Loop iterations");
	for (unsigned w = 0; w < rt->n_workers; w++)
		sbuf_printf(&b, "zdp_worker_loops_total{worker=\"%u\"} %" PRIu64 "\n", w,
			    rt->workers[w]->ctr->loops);
	head(&b, "zdp_tsc_hz", "gauge", "TSC frequency, to turn cycle counters into time");
	sbuf_printf(&b, "zdp_tsc_hz %" PRIu64 "\n", rt->tsc_hz);

	head(&b, "zdp_config_reloads_total", "counter", "Config reloads by result");
	sbuf_printf(&b, "zdp_config_reloads_total{result=\"ok\"} %" PRIu64 "\n", m->reloads_ok);
	sbuf_printf(&b, "zdp_config_reloads_total{result=\"failed\"} %" PRIu64 "\n",
		    m->reloads_failed);
	head(&b, "zdp_config_generation", "gauge", "Generation of the running config snapshot");
	sbuf_printf(&b, "zdp_config_generation %" PRIu64 "\n", m->generation);
	return sbuf_finish(&b, len);
}
