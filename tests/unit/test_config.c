/* SPDX-License-Identifier: BSD-3-Clause
 * test_config.c — the YAML config loader (mgmt/config*.c).
 *
 * Proves: every error path reports exactly `file:line: key: reason`;
 * defaults match zdp_config.h; the example configs and a ztunnel local
 * config load unchanged; all errors of a file are reported, in line order;
 * and no input (every truncation, random byte flips, alias bombs, deep
 * nesting) crashes or leaks (run under ASan/LSan with -Dsanitizers=true).
 * Runs with the working directory tests/unit (see tests/meson.build).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"	/* cy_alloc_fail_at(): white-box allocation failures */
#include "zdp_config.h"
#include "zdp_test.h"

#define DEMO		"../../examples/demo.yaml"
#define CANARY		"../../examples/canary-50-50.yaml"
#define ZT_EXAMPLE	"../../examples/ztunnel-local.yaml"
#define ZT_FIXTURE	"configs/ztunnel-local.yaml"
#define BAD		"configs/bad-demo.yaml"

/* ---- helpers ----------------------------------------------------------- */

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

static int
load_str(const char *yaml, struct zdp_config **cfg, struct zdp_config_errors *errs)
{
	return zdp_config_load_buffer("t.yaml", yaml, strlen(yaml), cfg, errs);
}

static void
dump_errors(const struct zdp_config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		printf("#   %s\n", errs->msgs[i]);
}

static bool
has_msg(const struct zdp_config_errors *errs, const char *msg)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		if (strcmp(errs->msgs[i], msg) == 0)
			return true;
	return false;
}

static bool
addr_is(const struct zdp_addr *a, const char *text)
{
	struct zdp_addr b;

	return zdp_addr_parse(text, &b) == 0 && zdp_addr_eq(a, &b);
}

/* ---- defaults ---------------------------------------------------------- */

static void
test_empty_and_defaults(void)
{
	static const char *const empties[] = { "", "\n", "# only a comment\n", "~\n", "---\n",
					       "{}\n" };
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	const struct zdp_cfg_gateway *gw;
	size_t i;

	for (i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		ZDP_CASE(empties[i]);
		ZDP_CHECK_EQ(load_str(empties[i], &cfg, &errs), 0);
		ZDP_CHECK_EQ(errs.n, 0);
		ZDP_REQUIRE(cfg != NULL);
		ZDP_CHECK(!cfg->has_gateway);
		ZDP_CHECK_EQ(cfg->n_workloads + cfg->n_services + cfg->n_policies, 0);
		zdp_config_free(cfg);
		cfg = NULL;
	}
	ZDP_CASE("gateway defaults");
	ZDP_CHECK_EQ(load_str("gateway: {}\n", &cfg, &errs), 0);
	ZDP_REQUIRE(cfg != NULL);
	ZDP_CHECK(cfg->has_gateway);
	ZDP_CHECK_STR(cfg->path, "t.yaml");
	gw = &cfg->gateway;
	ZDP_CHECK_EQ(gw->workers, 1);
	ZDP_CHECK_EQ(gw->mbufs_per_port, 16383);
	ZDP_CHECK_EQ(gw->mbuf_cache, 256);
	ZDP_CHECK_EQ(gw->flows_per_core, 1048576);
	ZDP_CHECK_EQ(gw->tcp_conns_per_core, 65536);
	ZDP_CHECK_EQ(gw->proxy_port_min, 61000);
	ZDP_CHECK_EQ(gw->proxy_port_max, 65535);
	ZDP_CHECK_EQ(gw->neigh_entries, 4096);
	ZDP_CHECK_EQ(gw->tcp_syn_timeout, 10);
	ZDP_CHECK_EQ(gw->tcp_established_timeout, 3600);
	ZDP_CHECK_EQ(gw->tcp_closing_timeout, 10);
	ZDP_CHECK_EQ(gw->udp_timeout, 30);
	ZDP_CHECK_EQ(gw->nat_port_min, 1024);
	ZDP_CHECK_EQ(gw->nat_port_max, 65535);
	ZDP_CHECK(!gw->verify_forwarded_checksums);
	ZDP_CHECK(addr_is(&gw->admin.addr, "127.0.0.1"));
	ZDP_CHECK_EQ(gw->admin.port, 15000);
	ZDP_CHECK(addr_is(&gw->metrics.addr, "127.0.0.1"));
	ZDP_CHECK_EQ(gw->metrics.port, 15020);
	ZDP_CHECK(addr_is(&gw->readiness.addr, "127.0.0.1"));
	ZDP_CHECK_EQ(gw->readiness.port, 15021);
	ZDP_CHECK_EQ(gw->n_ports + gw->n_routes + gw->n_traffic_routes, 0);
	zdp_config_free(cfg);
	cfg = NULL;
	ZDP_CASE("verifyForwardedChecksums");
	ZDP_CHECK_EQ(load_str("gateway: { verifyForwardedChecksums: true }\n", &cfg, &errs), 0);
	ZDP_CHECK_EQ(errs.n, 0);
	ZDP_REQUIRE(cfg != NULL);
	ZDP_CHECK(cfg->gateway.verify_forwarded_checksums);
	ZDP_CHECK_EQ(cfg->gateway.idle_sleep_us, 0);
	zdp_config_free(cfg);
	cfg = NULL;
	ZDP_CASE("idleSleepMicros");
	ZDP_CHECK_EQ(load_str("gateway: { idleSleepMicros: 50 }\n", &cfg, &errs), 0);
	ZDP_CHECK_EQ(errs.n, 0);
	ZDP_REQUIRE(cfg != NULL);
	ZDP_CHECK_EQ(cfg->gateway.idle_sleep_us, 50);
	ZDP_CHECK_EQ(cfg->gateway.tcp_segmentation, ZDP_TCP_SEG_DEVICE);	/* default */
	zdp_config_free(cfg);
	cfg = NULL;
	ZDP_CASE("tcpSegmentation");
	ZDP_CHECK_EQ(load_str("gateway: { tcpSegmentation: software }\n", &cfg, &errs), 0);
	ZDP_CHECK_EQ(errs.n, 0);
	ZDP_REQUIRE(cfg != NULL);
	ZDP_CHECK_EQ(cfg->gateway.tcp_segmentation, ZDP_TCP_SEG_SOFTWARE);
	zdp_config_free(cfg);
	zdp_config_errors_fini(&errs);
}

static void
test_workload_defaults(void)
{
	static const char yaml[] =
		"workloads:\n"
		"  - name: w1\n"
		"    namespace: ns\n"
		"    workloadIps: [198.18.1.1]\n"
		"  - name: w2\n"
		"    namespace: ns\n"
		"    serviceAccount: \"\"\n"		/* empty = default, as in ztunnel */
		"    trustDomain: \"\"\n"
		"    workloadIps: []\n"
		"    protocol: HBONE\n"
		"    capacity: 0\n"
		"    status: Unhealthy\n"
		"services:\n"
		"  - namespace: ns\n"
		"    hostname: svc.ns.svc.cluster.local\n";
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	const struct zdp_cfg_workload *w;

	ZDP_CHECK_EQ(load_str(yaml, &cfg, &errs), 0);
	dump_errors(&errs);
	ZDP_REQUIRE(cfg != NULL && cfg->n_workloads == 2);
	w = &cfg->workloads[0];
	ZDP_CHECK_STR(w->uid, "ns/w1");
	ZDP_CHECK_STR(w->service_account, "default");
	ZDP_CHECK_STR(w->trust_domain, "cluster.local");
	ZDP_CHECK_STR(w->network, "");
	ZDP_CHECK_STR(w->node, "");
	ZDP_CHECK_STR(w->cluster_id, "");
	ZDP_CHECK_STR(w->canonical_name, "");
	ZDP_CHECK_STR(w->workload_name, "");
	ZDP_CHECK_EQ(w->capacity, 1);
	ZDP_CHECK_EQ(w->protocol, ZDP_TUNNEL_NONE);
	ZDP_CHECK(w->healthy);
	ZDP_CHECK_EQ(w->n_ips, 1);
	ZDP_CHECK_EQ(w->line, 2);
	ZDP_CHECK_EQ(w->n_services, 0);
	w = &cfg->workloads[1];
	ZDP_CHECK_STR(w->uid, "ns/w2");
	ZDP_CHECK_STR(w->service_account, "default");
	ZDP_CHECK_STR(w->trust_domain, "cluster.local");
	ZDP_CHECK_EQ(w->protocol, ZDP_TUNNEL_HBONE);
	ZDP_CHECK_EQ(w->capacity, 0);
	ZDP_CHECK(!w->healthy);
	ZDP_CHECK_EQ(w->n_ips, 0);
	ZDP_CHECK(zdp_config_find_workload(cfg, "ns/w2") == w);
	ZDP_CHECK(zdp_config_find_workload(cfg, "ns/w3") == NULL);
	ZDP_REQUIRE(cfg->n_services == 1);
	ZDP_CHECK_STR(cfg->services[0].name, "svc");	/* first label of hostname */
	ZDP_CHECK_EQ(cfg->services[0].n_vips, 0);
	ZDP_CHECK_EQ(cfg->services[0].line, 14);
	zdp_config_free(cfg);
	zdp_config_errors_fini(&errs);
}

/* ---- the shipped examples ---------------------------------------------- */

static const struct zdp_cfg_portmap *
find_port(const struct zdp_cfg_portmap *p, size_t n, uint16_t sp)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i].service_port == sp)
			return &p[i];
	return NULL;
}

static void
check_demo(const struct zdp_config *cfg, uint32_t w1, uint32_t w2)
{
	const struct zdp_cfg_gateway *gw = &cfg->gateway;
	const struct zdp_cfg_service *s;
	const struct zdp_cfg_traffic_route *t;
	const struct zdp_cfg_policy *p;
	const struct zdp_cfg_port *port;
	size_t i;

	ZDP_CHECK(cfg->has_gateway);
	ZDP_REQUIRE(cfg->n_workloads == 2 && cfg->n_services == 4 && cfg->n_policies == 1);
	ZDP_CHECK_STR(cfg->workloads[0].name, "reviews-v1");
	ZDP_CHECK_STR(cfg->workloads[0].namespace_, "default");
	ZDP_REQUIRE(cfg->workloads[0].n_ips == 2);
	ZDP_CHECK(addr_is(&cfg->workloads[0].ips[0], "198.18.1.10"));
	ZDP_CHECK(addr_is(&cfg->workloads[0].ips[1], "2001:2:0:1::10"));
	ZDP_CHECK(addr_is(&cfg->workloads[1].ips[0], "198.18.1.11"));
	ZDP_CHECK(addr_is(&cfg->workloads[1].ips[1], "2001:2:0:1::11"));
	ZDP_CHECK_EQ(cfg->workloads[0].n_services, 3);
	ZDP_CHECK_EQ(cfg->workloads[1].n_services, 2);

	s = zdp_config_find_service(cfg, "default/reviews.default.svc.cluster.local");
	ZDP_REQUIRE(s != NULL);
	ZDP_REQUIRE(s->n_vips == 2);
	ZDP_CHECK_STR(s->vips[0].network, "");
	ZDP_CHECK(addr_is(&s->vips[0].addr, "198.18.10.1"));
	ZDP_CHECK(addr_is(&s->vips[1].addr, "2001:2:0:10::1"));
	ZDP_CHECK(find_port(s->ports, s->n_ports, 9080) != NULL);
	ZDP_CHECK(find_port(s->ports, s->n_ports, 9090) != NULL);
	s = zdp_config_find_service(cfg, "default/echo-udp.default.svc.cluster.local");
	ZDP_REQUIRE(s != NULL && s->n_vips == 1 && s->n_ports == 1);
	ZDP_CHECK(addr_is(&s->vips[0].addr, "198.18.10.2"));
	ZDP_CHECK_EQ(s->ports[0].service_port, 5353);
	ZDP_CHECK(zdp_config_find_service(cfg, "other/reviews.default.svc.cluster.local") == NULL);
	ZDP_CHECK(zdp_config_find_service(cfg, "no-slash") == NULL);

	p = &cfg->policies[0];
	ZDP_CHECK_STR(p->name, "deny-9090");
	ZDP_CHECK_EQ(p->action, ZDP_ACTION_DENY);
	ZDP_CHECK_EQ(p->scope, ZDP_SCOPE_NAMESPACE);
	ZDP_REQUIRE(p->n_rules == 1 && p->rules[0].n_clauses == 1 &&
		    p->rules[0].clauses[0].n_matches == 1);
	ZDP_REQUIRE(p->rules[0].clauses[0].matches[0].n_destination_ports == 1);
	ZDP_CHECK_EQ(p->rules[0].clauses[0].matches[0].destination_ports[0], 9090);

	ZDP_CHECK_EQ(gw->workers, 1);
	ZDP_CHECK_EQ(gw->tcp_established_timeout, 3600);
	ZDP_REQUIRE(gw->n_ports == 2);
	port = zdp_config_find_port(cfg, "p1");
	ZDP_REQUIRE(port == &gw->ports[1]);
	ZDP_CHECK_STR(gw->ports[0].device, "net_tap0,iface=zdp-c");
	ZDP_CHECK_STR(port->device, "net_tap1,iface=zdp-b");
	ZDP_CHECK_EQ(port->mtu, 1500);
	ZDP_CHECK_EQ(port->rx_desc, 1024);
	ZDP_REQUIRE(port->n_addresses == 2);
	ZDP_CHECK(addr_is(&port->addresses[0].addr, "198.18.1.1"));
	ZDP_CHECK_EQ(port->addresses[0].len, 24);
	ZDP_CHECK(addr_is(&port->addresses[1].addr, "2001:2:0:1::1"));
	ZDP_CHECK_EQ(port->addresses[1].len, 64);
	ZDP_CHECK_EQ(gw->n_routes, 0);
	ZDP_REQUIRE(gw->n_traffic_routes == 2);
	for (i = 0; i < 2; i++) {
		t = &gw->traffic_routes[i];
		ZDP_CHECK(addr_is(&t->vip, i ? "2001:2:0:10::1" : "198.18.10.1"));
		ZDP_CHECK_EQ(t->port, 9080);
		ZDP_CHECK_EQ(t->proto, IPPROTO_TCP);
		ZDP_REQUIRE(t->n_backends == 2);
		ZDP_CHECK_STR(t->backends[0].service, "default/reviews-v1.default.svc.cluster.local");
		ZDP_CHECK_EQ(t->backends[0].weight, w1);
		ZDP_CHECK_EQ(t->backends[0].port, 0);
		ZDP_CHECK_STR(t->backends[1].service, "default/reviews-v2.default.svc.cluster.local");
		ZDP_CHECK_EQ(t->backends[1].weight, w2);
	}
	ZDP_CHECK_STR(gw->traffic_routes[0].name, "reviews-canary");
}

static void
test_examples(void)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *demo = NULL, *canary = NULL, *zt = NULL;
	char why[128];

	ZDP_CASE(DEMO);
	ZDP_CHECK_EQ(zdp_config_load_file(DEMO, &demo, &errs), 0);
	dump_errors(&errs);
	ZDP_REQUIRE(demo != NULL);
	check_demo(demo, 90, 10);
	ZDP_CASE(CANARY);
	ZDP_CHECK_EQ(zdp_config_load_file(CANARY, &canary, &errs), 0);
	dump_errors(&errs);
	ZDP_REQUIRE(canary != NULL);
	check_demo(canary, 50, 50);
	ZDP_CASE(ZT_EXAMPLE);
	ZDP_CHECK_EQ(zdp_config_load_file(ZT_EXAMPLE, &zt, &errs), 0);
	dump_errors(&errs);
	ZDP_REQUIRE(zt != NULL);
	ZDP_CHECK(!zt->has_gateway);
	ZDP_CHECK_EQ(zt->n_workloads, 2);
	ZDP_CHECK_EQ(zt->n_services, 2);
	ZDP_CHECK_EQ(zt->n_policies, 1);

	/* Changing weights is a reload; changing the mesh too. */
	ZDP_CASE("needs_restart");
	ZDP_CHECK(!zdp_config_needs_restart(demo, canary, why, sizeof(why)));
	ZDP_CHECK_STR(why, "");
	ZDP_CHECK(!zdp_config_needs_restart(demo, demo, NULL, 0));
	ZDP_CHECK(zdp_config_needs_restart(demo, zt, why, sizeof(why)));
	ZDP_CHECK_STR(why, "gateway");
	canary->gateway.ports[1].mtu = 9000;
	ZDP_CHECK(zdp_config_needs_restart(demo, canary, why, sizeof(why)));
	ZDP_CHECK_STR(why, "gateway.ports[1].mtu");
	canary->gateway.ports[1].mtu = 1500;
	canary->gateway.workers = 2;
	ZDP_CHECK(zdp_config_needs_restart(demo, canary, why, sizeof(why)));
	ZDP_CHECK_STR(why, "gateway.workers");
	canary->gateway.workers = 1;
	canary->gateway.flows_per_core = 1;
	ZDP_CHECK(zdp_config_needs_restart(demo, canary, why, sizeof(why)));
	ZDP_CHECK_STR(why, "gateway.pools");
	canary->gateway.flows_per_core = demo->gateway.flows_per_core;
	/* Snapshot-borne gateway keys reload in place. */
	ZDP_CASE("reloadable gateway keys");
	canary->gateway.udp_timeout = 5;
	canary->gateway.nat_port_min = 20000;
	canary->gateway.ports[0].addresses[0].len = 23;
	ZDP_CHECK(!zdp_config_needs_restart(demo, canary, why, sizeof(why)));
	ZDP_CHECK_STR(why, "");

	zdp_config_free(demo);
	zdp_config_free(canary);
	zdp_config_free(zt);
	zdp_config_errors_fini(&errs);
}

static void
test_ztunnel_local(void)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	const struct zdp_cfg_workload *w;
	const struct zdp_cfg_service *s;
	const struct zdp_cfg_policy *p;
	const struct zdp_cfg_match *m;

	ZDP_CHECK_EQ(zdp_config_load_file(ZT_FIXTURE, &cfg, &errs), 0);
	dump_errors(&errs);
	ZDP_REQUIRE(cfg != NULL);
	ZDP_CHECK(!cfg->has_gateway);
	ZDP_REQUIRE(cfg->n_workloads == 4 && cfg->n_services == 3 && cfg->n_policies == 3);

	w = &cfg->workloads[0];
	ZDP_CHECK_STR(w->uid, "cluster1//v1/Pod/bookinfo/productpage-v1-7d4b5c7f9-abcde");
	ZDP_CHECK_STR(w->service_account, "bookinfo-productpage");
	ZDP_CHECK_EQ(w->protocol, ZDP_TUNNEL_HBONE);
	ZDP_CHECK_EQ(w->capacity, 2);
	ZDP_CHECK_STR(w->cluster_id, "cluster1");
	ZDP_CHECK_STR(w->workload_name, "productpage-v1");
	ZDP_CHECK_STR(w->workload_type, "deployment");
	ZDP_CHECK_STR(w->canonical_revision, "v1");
	ZDP_REQUIRE(w->n_authorization_policies == 1);
	ZDP_CHECK_STR(w->authorization_policies[0], "bookinfo/allow-gateway");
	ZDP_REQUIRE(w->n_services == 1 && w->services[0].n_ports == 1);
	ZDP_CHECK_STR(w->services[0].service, "bookinfo/productpage.bookinfo.svc.cluster.local");
	ZDP_CHECK_EQ(w->services[0].ports[0].service_port, 9080);
	w = &cfg->workloads[1];
	ZDP_CHECK(!w->healthy);
	ZDP_CHECK_EQ(w->protocol, ZDP_TUNNEL_NONE);
	ZDP_REQUIRE(w->n_services == 1 && w->services[0].n_ports == 1);
	ZDP_CHECK_EQ(w->services[0].ports[0].target_port, 8080);
	w = &cfg->workloads[2];
	ZDP_CHECK_STR(w->uid, "default/local");
	ZDP_CHECK_STR(w->service_account, "default");
	ZDP_CHECK_STR(cfg->workloads[3].network, "network2");

	s = zdp_config_find_service(cfg, "bookinfo/reviews.bookinfo.svc.cluster.local");
	ZDP_REQUIRE(s != NULL && s->n_vips == 2);
	ZDP_CHECK_STR(s->vips[1].network, "network2");
	ZDP_CHECK(addr_is(&s->vips[1].addr, "198.19.10.32"));
	s = &cfg->services[0];
	ZDP_REQUIRE(s->n_subject_alt_names == 1);
	ZDP_CHECK_STR(s->subject_alt_names[0], "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage");

	p = &cfg->policies[0];
	ZDP_CHECK_EQ(p->scope, ZDP_SCOPE_WORKLOAD_SELECTOR);
	ZDP_CHECK_EQ(p->action, ZDP_ACTION_ALLOW);
	ZDP_REQUIRE(p->n_rules == 1 && p->rules[0].n_clauses == 2);
	ZDP_REQUIRE(p->rules[0].clauses[0].n_matches == 2);
	m = &p->rules[0].clauses[0].matches[0];
	ZDP_REQUIRE(m->n_principals == 2);
	ZDP_CHECK_EQ(m->principals[0].kind, ZDP_SM_EXACT);
	ZDP_CHECK_STR(m->principals[0].value, "cluster.local/ns/istio-system/sa/istio-ingressgateway");
	ZDP_CHECK_EQ(m->principals[1].kind, ZDP_SM_SUFFIX);
	ZDP_CHECK_STR(m->principals[1].value, "/sa/bookinfo-gateway");
	m = &p->rules[0].clauses[0].matches[1];
	ZDP_REQUIRE(m->n_namespaces == 1);
	ZDP_CHECK_EQ(m->namespaces[0].kind, ZDP_SM_PREFIX);
	ZDP_CHECK_STR(m->namespaces[0].value, "bookinfo");
	ZDP_REQUIRE(p->rules[0].clauses[1].n_matches == 1);
	ZDP_CHECK_EQ(p->rules[0].clauses[1].matches[0].destination_ports[0], 9080);

	p = &cfg->policies[1];
	ZDP_CHECK_EQ(p->action, ZDP_ACTION_DENY);
	ZDP_REQUIRE(p->n_rules == 2);
	m = &p->rules[0].clauses[0].matches[0];
	ZDP_REQUIRE(m->n_not_source_ips == 2);
	ZDP_CHECK_EQ(m->not_source_ips[0].len, 15);
	ZDP_CHECK_EQ(m->not_source_ips[1].len, 48);
	m = &p->rules[1].clauses[0].matches[0];
	ZDP_REQUIRE(m->n_service_accounts == 1 && m->n_not_service_accounts == 1);
	ZDP_CHECK_STR(m->service_accounts[0].namespace_, "untrusted");
	ZDP_CHECK_STR(m->not_service_accounts[0].service_account, "bookinfo-productpage");
	ZDP_REQUIRE(m->n_not_principals == 1);
	ZDP_CHECK_EQ(m->not_principals[0].kind, ZDP_SM_PRESENCE);
	ZDP_CHECK(m->not_principals[0].value == NULL);
	ZDP_REQUIRE(m->n_not_namespaces == 1);
	ZDP_CHECK_EQ(m->not_namespaces[0].kind, ZDP_SM_EXACT);
	ZDP_CHECK_STR(m->not_namespaces[0].value, "kube-system");
	ZDP_REQUIRE(m->n_source_ips == 1);
	ZDP_CHECK_EQ(m->source_ips[0].len, 32);	/* a bare IP is a host prefix */
	ZDP_CHECK_EQ(m->n_destination_ips, 1);
	ZDP_CHECK_EQ(m->n_not_destination_ips, 1);
	ZDP_CHECK_EQ(m->n_not_destination_ports, 1);

	p = &cfg->policies[2];
	ZDP_CHECK_EQ(p->scope, ZDP_SCOPE_GLOBAL);
	ZDP_CHECK_EQ(p->action, ZDP_ACTION_DENY);
	ZDP_CHECK(p->dry_run);
	ZDP_REQUIRE(p->n_rules == 1);
	ZDP_CHECK_EQ(p->rules[0].clauses[0].matches[0].principals[0].kind, ZDP_SM_PRESENCE);
	zdp_config_free(cfg);
	zdp_config_errors_fini(&errs);
}

/* ---- a full gateway ---------------------------------------------------- */

static void
test_full_gateway(void)
{
	static const char yaml[] =
		"services:\n"
		"  - { name: a, namespace: ns, hostname: a.ns, vips: [], ports: {80: 8080, 53: 0} }\n"
		"  - { name: b, namespace: ns, hostname: b.ns, vips: [], ports: {80: 80, 8080: 80} }\n"
		"gateway:\n"
		"  workers: 4\n"
		"  pools: { mbufsPerPort: 65535, mbufCache: 512, flowsPerCore: 67108864, neighEntries: 16,\n"
		"           tcpConnectionsPerCore: 1000000 }\n"
		"  timeouts: { tcpSyn: 500ms, tcpEstablished: 1h30m, tcpClosing: 2, udp: 5m }\n"
		"  natPorts: \"20000-65535\"\n"
		"  proxyPorts: 30000-65535\n"
		"  admin: \"[::1]:15000\"\n"
		"  metrics: 0.0.0.0:15020\n"
		"  readiness: 0.0.0.0:0\n"
		"  ports:\n"
		"    - name: up\n"
		"      device: \"0000:3b:00.1\"\n"
		"      mtu: 9000\n"
		"      rxDesc: 4096\n"
		"      txDesc: 2048\n"
		"      addresses: [198.18.0.1/24, \"2001:2::1/64\"]\n"
		"    - name: down\n"
		"      device: net_memif,role=server\n"
		"  routes:\n"
		"    - { prefix: 0.0.0.0/0, via: 198.18.0.254 }\n"
		"    - { prefix: \"2001:2:1::/48\", via: \"2001:2::fe\", port: up }\n"
		"    - { prefix: 198.18.200.0/24, port: down }\n"
		"  trafficRoutes:\n"
		"    - vip: 198.18.10.1\n"
		"      port: 80\n"
		"      backends:\n"
		"        - { service: ns/a.ns }\n"
		"        - { service: ns/b.ns, weight: 0 }\n"
		"        - { service: ns/b.ns, port: 8080, weight: 3 }\n"
		"    - vip: \"2001:2:0:10::1\"\n"
		"      port: 53\n"
		"      protocol: UDP\n"
		"      backends: [{ service: ns/a.ns }]\n"
		"    - vip: 198.18.10.1\n"
		"      port: 80\n"
		"      protocol: udp\n"
		"      backends: [{ service: ns/b.ns }]\n";
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	const struct zdp_cfg_gateway *gw;
	const struct zdp_cfg_traffic_route *t;

	ZDP_CHECK_EQ(load_str(yaml, &cfg, &errs), 0);
	dump_errors(&errs);
	ZDP_REQUIRE(cfg != NULL);
	gw = &cfg->gateway;
	ZDP_CHECK_EQ(gw->line, 5);
	ZDP_CHECK_EQ(gw->workers, 4);
	ZDP_CHECK_EQ(gw->mbufs_per_port, 65535);
	ZDP_CHECK_EQ(gw->mbuf_cache, 512);
	ZDP_CHECK_EQ(gw->flows_per_core, 67108864);
	ZDP_CHECK_EQ(gw->neigh_entries, 16);
	ZDP_CHECK_EQ(gw->tcp_syn_timeout, 1);
	ZDP_CHECK_EQ(gw->tcp_established_timeout, 5400);
	ZDP_CHECK_EQ(gw->tcp_closing_timeout, 2);
	ZDP_CHECK_EQ(gw->udp_timeout, 300);
	ZDP_CHECK_EQ(gw->nat_port_min, 20000);
	ZDP_CHECK_EQ(gw->nat_port_max, 65535);
	ZDP_CHECK_EQ(gw->proxy_port_min, 30000);
	ZDP_CHECK_EQ(gw->proxy_port_max, 65535);
	ZDP_CHECK_EQ(gw->tcp_conns_per_core, 1000000);
	{
		uint16_t lo, hi;	/* source NAT gets natPorts minus proxyPorts */
		zdp_cfg_nat_range(gw, &lo, &hi);
		ZDP_CHECK_EQ(lo, 20000);
		ZDP_CHECK_EQ(hi, 29999);
	}
	ZDP_CHECK(addr_is(&gw->admin.addr, "::1"));
	ZDP_CHECK_EQ(gw->admin.port, 15000);
	ZDP_CHECK(addr_is(&gw->metrics.addr, "0.0.0.0"));
	ZDP_CHECK_EQ(gw->readiness.port, 0);
	ZDP_REQUIRE(gw->n_ports == 2);
	ZDP_CHECK_STR(gw->ports[0].device, "0000:3b:00.1");
	ZDP_CHECK_EQ(gw->ports[0].mtu, 9000);
	ZDP_CHECK_EQ(gw->ports[0].rx_desc, 4096);
	ZDP_CHECK_EQ(gw->ports[0].tx_desc, 2048);
	ZDP_CHECK_EQ(gw->ports[0].line, 15);
	ZDP_CHECK_EQ(gw->ports[1].mtu, 1500);
	ZDP_CHECK_EQ(gw->ports[1].n_addresses, 0);
	ZDP_REQUIRE(gw->n_routes == 3);
	ZDP_CHECK_STR(gw->routes[0].port, "up");	/* inferred from via */
	ZDP_CHECK_EQ(gw->routes[0].prefix.len, 0);
	ZDP_CHECK(addr_is(&gw->routes[0].via, "198.18.0.254"));
	ZDP_CHECK_STR(gw->routes[1].port, "up");
	ZDP_CHECK_EQ(gw->routes[2].via.family, 0);	/* directly connected */
	ZDP_CHECK_STR(gw->routes[2].port, "down");
	ZDP_CHECK_EQ(gw->routes[2].line, 26);
	ZDP_REQUIRE(gw->n_traffic_routes == 3);
	t = &gw->traffic_routes[0];
	ZDP_CHECK_STR(t->name, "198.18.10.1:80/TCP");
	ZDP_CHECK_EQ(t->proto, IPPROTO_TCP);
	ZDP_REQUIRE(t->n_backends == 3);
	ZDP_CHECK_EQ(t->backends[0].weight, 1);	/* default */
	ZDP_CHECK_EQ(t->backends[1].weight, 0);
	ZDP_CHECK_EQ(t->backends[2].port, 8080);
	ZDP_CHECK_EQ(t->backends[2].line, 33);
	t = &gw->traffic_routes[1];
	ZDP_CHECK_STR(t->name, "[2001:2:0:10::1]:53/UDP");
	ZDP_CHECK_EQ(t->proto, IPPROTO_UDP);
	ZDP_CHECK_EQ(gw->traffic_routes[2].proto, IPPROTO_UDP);
	zdp_config_free(cfg);
	zdp_config_errors_fini(&errs);
}

/* ---- every error path -------------------------------------------------- */

#define GW_PORTS							\
	"gateway:\n"							\
	"  ports:\n"							\
	"    - { name: p0, device: net_tap0, addresses: [198.18.0.1/24] }\n"
#define SVC_AB								\
	"services:\n"							\
	"  - { namespace: ns, hostname: a, ports: {80: 80} }\n"		\
	"  - { namespace: ns, hostname: b, ports: {80: 80} }\n"

struct err_case {
	const char *name;
	const char *yaml;
	const char *msg;	/* exactly one of the messages */
	unsigned n;		/* expected number of messages; 0 = don't care */
};

static const struct err_case err_cases[] = {
	/* syntax */
	{ "unclosed flow", "workloads: [\n", "t.yaml:2: yaml: did not find expected node content (while parsing a flow node at line 2)", 1 },
	{ "mapping in scalar", "a: b: c\n", "t.yaml:1: yaml: mapping values are not allowed in this context", 1 },
	{ "tab indent", "gateway:\n\tworkers: 1\n", "t.yaml:2: yaml: found character that cannot start any token (while scanning for the next token at line 2)", 1 },
	{ "bad utf8", "gateway: \"\xff\"\n", "t.yaml:1: yaml: invalid leading UTF-8 octet (byte 0xff)", 1 },
	{ "two documents", "gateway: {}\n---\ngateway: {}\n", "t.yaml:2: yaml: only one YAML document is allowed", 1 },
	{ "unknown alias", "workloads: *nope\n", "t.yaml:1: yaml: unknown anchor *nope", 1 },
	{ "self alias", "a: &x [*x]\n", "t.yaml:1: yaml: unknown anchor *x", 1 },
	/* top level */
	{ "root is a list", "- a\n", "t.yaml:1: (document): expected a mapping, got a list", 1 },
	{ "root is a scalar", "hello\n", "t.yaml:1: (document): expected a mapping, got \"hello\"", 1 },
	{ "unknown top key", "workload: []\n", "t.yaml:1: workload: unknown key (did you mean workloads?)", 1 },
	{ "duplicate top key", "services: []\nservices: []\n", "t.yaml:2: services: duplicate key", 1 },
	{ "complex key", "? [a]\n: 1\n", "t.yaml:1: (document): keys must be strings, got a list", 1 },
	{ "workloads not a list", "workloads: {}\n", "t.yaml:1: workloads: expected a list, got a mapping", 1 },
	/* workloads */
	{ "workload not a mapping", "workloads: [3]\n", "t.yaml:1: workloads[0]: expected a mapping, got \"3\"", 1 },
	{ "workload missing namespace", "workloads:\n  - name: w\n", "t.yaml:2: workloads[0].namespace: required key is missing", 1 },
	{ "workload unknown key", "workloads:\n  - namespace: n\n    workloadIP: 198.19.2.4\n", "t.yaml:3: workloads[0].workloadIP: unknown key (did you mean workloadIps?)", 1 },
	{ "workload duplicate key", "workloads:\n  - namespace: n\n    namespace: m\n", "t.yaml:3: workloads[0].namespace: duplicate key", 1 },
	{ "workload bad ip", "workloads:\n  - namespace: n\n    workloadIps: [198.18.1.1, 198.18.1.300]\n", "t.yaml:3: workloads[0].workloadIps[1]: invalid IP address \"198.18.1.300\"", 1 },
	{ "workload ips not a list", "workloads:\n  - namespace: n\n    workloadIps: 198.18.1.1\n", "t.yaml:3: workloads[0].workloadIps: expected a list, got \"198.18.1.1\"", 1 },
	{ "workload protocol", "workloads:\n  - namespace: n\n    protocol: HTTP\n", "t.yaml:3: workloads[0].protocol: must be TCP or HBONE, got \"HTTP\"", 1 },
	{ "workload capacity negative", "workloads:\n  - namespace: n\n    capacity: -1\n", "t.yaml:3: workloads[0].capacity: must be between 0 and 4294967295", 1 },
	{ "workload capacity text", "workloads:\n  - namespace: n\n    capacity: lots\n", "t.yaml:3: workloads[0].capacity: expected an integer, got \"lots\"", 1 },
	{ "workload capacity huge", "workloads:\n  - namespace: n\n    capacity: 99999999999999999999999\n", "t.yaml:3: workloads[0].capacity: must be between 0 and 4294967295", 1 },
	{ "workload status", "workloads:\n  - namespace: n\n    status: Sick\n", "t.yaml:3: workloads[0].status: must be Healthy or Unhealthy, got \"Sick\"", 1 },
	{ "workload string is a list", "workloads:\n  - namespace: [n]\n", "t.yaml:2: workloads[0].namespace: expected a string, got a list", 1 },
	{ "workload nativeTunnel", "workloads:\n  - namespace: n\n    nativeTunnel: yes\n", "t.yaml:3: workloads[0].nativeTunnel: expected true or false, got \"yes\"", 1 },
	{ "workload networkMode", "workloads:\n  - namespace: n\n    networkMode: Host\n", "t.yaml:3: workloads[0].networkMode: must be Standard or HostNetwork, got \"Host\"", 1 },
	{ "workload waypoint key", "workloads:\n  - namespace: n\n    waypoint: { destination: /198.19.2.4, port: 15008 }\n", "t.yaml:3: workloads[0].waypoint.port: unknown key", 1 },
	{ "workload waypoint destination", "workloads:\n  - namespace: n\n    waypoint: { destination: x }\n", "t.yaml:3: workloads[0].waypoint.destination: expected network/IP or namespace/hostname", 1 },
	{ "workload applicationTunnel", "workloads:\n  - namespace: n\n    applicationTunnel: { port: 1 }\n", "t.yaml:3: workloads[0].applicationTunnel.protocol: required key is missing", 1 },
	{ "workload locality", "workloads:\n  - namespace: n\n    locality: { city: x }\n", "t.yaml:3: workloads[0].locality.city: unknown key", 1 },
	{ "workload services not a map", "workloads:\n  - namespace: n\n    services: [a]\n", "t.yaml:3: workloads[0].services: expected a mapping \"namespace/hostname\": {port: port}, got a list", 1 },
	{ "workload service key", "workloads:\n  - namespace: n\n    services: { reviews: {80: 80} }\n", "t.yaml:3: workloads[0].services[reviews]: expected \"namespace/hostname\"", 1 },
	{ "workload service port", "workloads:\n  - namespace: n\n    services:\n      ns/a: { 70000: 80 }\n", "t.yaml:4: workloads[0].services[ns/a][70000]: must be between 1 and 65535", 1 },
	{ "workload target port", "workloads:\n  - namespace: n\n    services:\n      ns/a: { 80: http }\n", "t.yaml:4: workloads[0].services[ns/a][80]: expected an integer, got \"http\"", 1 },
	{ "workload dup service", "workloads:\n  - namespace: n\n    services:\n      ns/a: {}\n      'ns/a': {}\n", "t.yaml:5: workloads[0].services[ns/a]: duplicate key", 1 },
	{ "workload dup uid", "workloads:\n  - { uid: u1, namespace: n }\n  - { uid: u2, namespace: n }\n  - { uid: u1, namespace: n }\n", "t.yaml:4: workloads[2].uid: duplicate workload uid \"u1\" (first at line 2)", 1 },
	{ "workload dup derived uid", "workloads:\n  - { name: w, namespace: n }\n  - { name: w, namespace: n }\n", "t.yaml:3: workloads[1].uid: duplicate workload uid \"n/w\" (first at line 2)", 1 },
	{ "workload authorizationPolicies", "workloads:\n  - namespace: n\n    authorizationPolicies: [a, {b: c}]\n", "t.yaml:3: workloads[0].authorizationPolicies[1]: expected a string, got a mapping", 1 },
	{ "workload empty namespace", "workloads:\n  - namespace: ''\n", "t.yaml:2: workloads[0].namespace: must not be empty", 1 },
	{ "workload service key list", "workloads:\n  - namespace: n\n    services: { [a]: {} }\n", "t.yaml:3: workloads[0].services: keys must be \"namespace/hostname\", got a list", 1 },
	{ "string with NUL", "workloads:\n  - namespace: \"a\\0b\"\n", "t.yaml:2: workloads[0].namespace: expected a string, got a string with a NUL character", 1 },
	/* services */
	{ "service missing hostname", "services:\n  - { name: a, namespace: n }\n", "t.yaml:2: services[0].hostname: required key is missing", 1 },
	{ "service empty namespace", "services:\n  - { namespace: '', hostname: a }\n", "t.yaml:2: services[0].namespace: must not be empty", 1 },
	{ "service bad vip", "services:\n  - namespace: n\n    hostname: a\n    vips: [/198.18.10]\n", "t.yaml:4: services[0].vips[0]: expected network/IP, got \"/198.18.10\"", 1 },
	{ "service vip list", "services:\n  - { namespace: n, hostname: a, vips: [[/198.19.2.4]] }\n", "t.yaml:2: services[0].vips[0]: expected network/IP, got a list", 1 },
	{ "service port zero", "services:\n  - namespace: n\n    hostname: a\n    ports:\n      0: 80\n", "t.yaml:5: services[0].ports[0]: must be between 1 and 65535", 1 },
	{ "service dup port", "services:\n  - namespace: n\n    hostname: a\n    ports: { 80: 80, 0x50: 81 }\n", "t.yaml:4: services[0].ports[0x50]: duplicate port 80", 1 },
	{ "service port key list", "services:\n  - { namespace: n, hostname: a, ports: { [80]: 80 } }\n", "t.yaml:2: services[0].ports: keys must be port numbers, got a list", 1 },
	{ "service endpoints", "services:\n  - { namespace: n, hostname: a, endpoints: [] }\n", "t.yaml:2: services[0].endpoints: expected a mapping, got a list", 1 },
	{ "service ports list", "services:\n  - { namespace: n, hostname: a, ports: [80] }\n", "t.yaml:2: services[0].ports: expected a mapping servicePort: targetPort, got a list", 1 },
	{ "service dup", "services:\n  - { namespace: n, hostname: a }\n  - { namespace: n, hostname: a }\n", "t.yaml:3: services[1]: duplicate service \"n/a\" (first at line 2)", 1 },
	{ "service dup vip", "services:\n  - { namespace: n, hostname: a, vips: [/198.18.10.1] }\n  - { namespace: n, hostname: b, vips: [\"/198.18.10.1\"] }\n", "t.yaml:3: services[1].vips: duplicate VIP \"/198.18.10.1\" (first at line 2)", 1 },
	{ "service loadBalancer mode", "services:\n  - { namespace: n, hostname: a, loadBalancer: { mode: Random } }\n", "t.yaml:2: services[0].loadBalancer.mode: must be Standard, Strict, Failover or Passthrough, got \"Random\"", 1 },
	{ "service routingPreferences", "services:\n  - { namespace: n, hostname: a, loadBalancer: { routingPreferences: [Planet] } }\n", "t.yaml:2: services[0].loadBalancer.routingPreferences[0]: must be Region, Zone, Subzone, Node, Cluster or Network, got \"Planet\"", 1 },
	{ "service ipFamilies", "services:\n  - { namespace: n, hostname: a, ipFamilies: IPv5 }\n", "t.yaml:2: services[0].ipFamilies: must be Dual, IPv4 or IPv6, got \"IPv5\"", 1 },
	{ "service unknown key", "services:\n  - { namespace: n, hostname: a, vip: [] }\n", "t.yaml:2: services[0].vip: unknown key (did you mean vips?)", 1 },
	/* policies */
	{ "policy missing scope", "policies:\n  - { name: p, namespace: n, action: Allow }\n", "t.yaml:2: policies[0].scope: required key is missing", 1 },
	{ "policy missing action", "policies:\n  - { name: p, namespace: n, scope: Global }\n", "t.yaml:2: policies[0].action: required key is missing", 1 },
	{ "policy action", "policies:\n  - { name: p, namespace: n, scope: Global, action: Permit }\n", "t.yaml:2: policies[0].action: must be Allow or Deny, got \"Permit\"", 1 },
	{ "policy scope", "policies:\n  - { name: p, namespace: n, scope: Cluster, action: Allow }\n", "t.yaml:2: policies[0].scope: must be Global, Namespace or WorkloadSelector, got \"Cluster\"", 1 },
	{ "policy dryRun", "policies:\n  - { name: p, namespace: n, scope: Global, action: Allow, dryRun: 1 }\n", "t.yaml:2: policies[0].dryRun: expected true or false, got \"1\"", 1 },
	{ "policy rules flat", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules: [{destinationPorts: [1]}]\n", "t.yaml:6: policies[0].rules[0]: expected a list, got a mapping", 1 },
	{ "policy rules two levels", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules:\n      - - destinationPorts: [1]\n", "t.yaml:7: policies[0].rules[0][0]: expected a list, got a mapping", 1 },
	{ "policy match key", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules:\n      - - - destinationPort: [1]\n", "t.yaml:7: policies[0].rules[0][0][0].destinationPort: unknown key (did you mean destinationPorts?)", 1 },
	{ "policy match port", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules:\n      - - - notDestinationPorts: [9999, 70000]\n", "t.yaml:7: policies[0].rules[0][0][0].notDestinationPorts[1]: must be between 0 and 65535", 1 },
	{ "policy match ip", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules:\n      - - - sourceIps: [198.18.0.0/33]\n", "t.yaml:7: policies[0].rules[0][0][0].sourceIps[0]: invalid prefix \"198.18.0.0/33\"", 1 },
	{ "policy match ip sign", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules:\n      - - - sourceIps: [198.18.0.0/+8]\n", "t.yaml:7: policies[0].rules[0][0][0].sourceIps[0]: invalid prefix \"198.18.0.0/+8\"", 1 },
	{ "policy bare string match", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules:\n      - - - principals: [cluster.local/ns/a/sa/b]\n", "t.yaml:7: policies[0].rules[0][0][0].principals[0]: expected {Exact: S}, {Prefix: S}, {Suffix: S} or {Presence: {}}, got \"cluster.local/ns/a/sa/b\"", 1 },
	{ "policy match two kinds", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules:\n      - - - namespaces: [{Exact: a, Prefix: b}]\n", "t.yaml:7: policies[0].rules[0][0][0].namespaces[0]: expected {Exact: S}, {Prefix: S}, {Suffix: S} or {Presence: {}}, got a mapping", 1 },
	{ "policy presence value", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules:\n      - - - principals: [{Presence: yes}]\n", "t.yaml:7: policies[0].rules[0][0][0].principals[0]: Presence takes no value", 1 },
	{ "policy exact list", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules:\n      - - - principals: [!Exact [a]]\n", "t.yaml:7: policies[0].rules[0][0][0].principals[0]: expected a string, got a list", 1 },
	{ "policy sa missing", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules:\n      - - - serviceAccounts: [{namespace: a}]\n", "t.yaml:7: policies[0].rules[0][0][0].serviceAccounts[0].serviceAccount: required key is missing", 1 },
	{ "policy sa null", "policies:\n  - name: p\n    namespace: n\n    scope: Global\n    action: Deny\n    rules:\n      - - - notServiceAccounts: [~]\n", "t.yaml:7: policies[0].rules[0][0][0].notServiceAccounts[0]: expected a mapping, got null", 1 },
	{ "policy dup", "policies:\n  - { name: p, namespace: n, scope: Global, action: Deny }\n  - { name: p, namespace: n, scope: Global, action: Allow }\n", "t.yaml:3: policies[1]: duplicate policy \"n/p\" (first at line 2)", 1 },
	/* gateway scalars */
	{ "gateway not a map", "gateway: [1]\n", "t.yaml:1: gateway: expected a mapping, got a list", 1 },
	{ "gateway unknown key", "gateway:\n  worker: 2\n", "t.yaml:2: gateway.worker: unknown key (did you mean workers?)", 1 },
	{ "workers zero", "gateway:\n  workers: 0\n", "t.yaml:2: gateway.workers: must be between 1 and 128", 1 },
	{ "workers text", "gateway:\n  workers: two\n", "t.yaml:2: gateway.workers: expected an integer, got \"two\"", 1 },
	{ "idleSleepMicros too big", "gateway:\n  idleSleepMicros: 100001\n", "t.yaml:2: gateway.idleSleepMicros: must be between 0 and 100000", 1 },
	{ "idleSleepMicros negative", "gateway:\n  idleSleepMicros: -1\n", "t.yaml:2: gateway.idleSleepMicros: must be between 0 and 100000", 1 },
	{ "tcpSegmentation unknown", "gateway:\n  tcpSegmentation: hardware\n", "t.yaml:2: gateway.tcpSegmentation: must be device, software or off, got \"hardware\"", 1 },
	{ "pools unknown", "gateway:\n  pools: { mbufs: 1 }\n", "t.yaml:2: gateway.pools.mbufs: unknown key", 1 },
	{ "flowsPerCore zero", "gateway:\n  pools: { flowsPerCore: 0 }\n", "t.yaml:2: gateway.pools.flowsPerCore: must be between 1 and 67108864", 1 },
	{ "flowsPerCore 64M+1", "gateway:\n  pools:\n    flowsPerCore: 67108865\n", "t.yaml:3: gateway.pools.flowsPerCore: must be between 1 and 67108864", 1 },
	{ "mbufCache too big", "gateway:\n  pools: { mbufCache: 513 }\n", "t.yaml:2: gateway.pools.mbufCache: must be between 0 and 512", 1 },
	{ "mbufCache vs pool", "gateway:\n  pools:\n    mbufsPerPort: 1023\n    mbufCache: 512\n", NULL, 0 },
	{ "mbufCache over 1/1.5", "gateway:\n  pools:\n    mbufsPerPort: 600\n    mbufCache: 512\n", "t.yaml:4: gateway.pools.mbufCache: must be at most mbufsPerPort / 1.5 (400)", 1 },
	{ "mbufsPerPort small", "gateway:\n  pools: { mbufsPerPort: 100 }\n", "t.yaml:2: gateway.pools.mbufsPerPort: must be between 255 and 16777216", 1 },
	{ "neighEntries", "gateway:\n  pools: { neighEntries: 1 }\n", "t.yaml:2: gateway.pools.neighEntries: must be between 16 and 1048576", 1 },
	{ "timeout zero", "gateway:\n  timeouts: { tcpSyn: 0 }\n", "t.yaml:2: gateway.timeouts.tcpSyn: must be between 1s and 604800s", 1 },
	{ "timeout 0s", "gateway:\n  timeouts: { udp: 0ms }\n", "t.yaml:2: gateway.timeouts.udp: must be between 1s and 604800s", 1 },
	{ "timeout unit", "gateway:\n  timeouts: { udp: 30sec }\n", "t.yaml:2: gateway.timeouts.udp: expected a duration such as 30, 10s, 5m, 1h or 500ms, got \"30sec\"", 1 },
	{ "timeout too long", "gateway:\n  timeouts: { tcpEstablished: 200h }\n", "t.yaml:2: gateway.timeouts.tcpEstablished: must be between 1s and 604800s", 1 },
	{ "timeout huge", "gateway:\n  timeouts: { tcpEstablished: 99999999999999999999999999s }\n", "t.yaml:2: gateway.timeouts.tcpEstablished: must be between 1s and 604800s", 1 },
	{ "timeout unknown", "gateway:\n  timeouts: { tcp: 1 }\n", "t.yaml:2: gateway.timeouts.tcp: unknown key", 1 },
	{ "natPorts only stack ports", "gateway:\n  natPorts: 61000-65535\n", "t.yaml:2: gateway.natPorts: natPorts 61000-65535 lie inside proxyPorts 61000-65535 (the TCP stack's ephemeral ports): no port is left for source NAT", 1 },
	{ "proxyPorts split natPorts", "gateway:\n  proxyPorts: 30000-40000\n", "t.yaml:2: gateway.proxyPorts: proxyPorts 30000-40000 would split natPorts 1024-65535 in two; put them at one end", 1 },
	{ "proxyPorts cover natPorts", "gateway:\n  natPorts: 2000-3000\n  proxyPorts: 1024-65535\n", "t.yaml:2: gateway.natPorts: natPorts 2000-3000 lie inside proxyPorts 1024-65535 (the TCP stack's ephemeral ports): no port is left for source NAT", 1 },
	{ "proxyPorts inverted", "gateway:\n  proxyPorts: 65535-1024\n", "t.yaml:2: gateway.proxyPorts: range 65535-1024 is inverted", 1 },
	{ "proxyPorts text", "gateway:\n  proxyPorts: high\n", "t.yaml:2: gateway.proxyPorts: expected a port range MIN-MAX, got \"high\"", 1 },
	{ "tcpConnectionsPerCore small", "gateway:\n  pools: { tcpConnectionsPerCore: 63 }\n", "t.yaml:2: gateway.pools.tcpConnectionsPerCore: must be between 64 and 16777216", 1 },
	{ "route mode unknown", "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 80, mode: l7, backends: [{service: a/b}] }\n", "t.yaml:3: gateway.trafficRoutes[0].mode: must be nat or tcp-proxy, got \"l7\"", 2 },
	{ "route tcp-proxy udp", "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 80, protocol: UDP, mode: tcp-proxy, backends: [{service: a/b}] }\n", "t.yaml:3: gateway.trafficRoutes[0].mode: tcp-proxy needs protocol TCP", 2 },
	{ "natPorts inverted", "gateway:\n  natPorts: 65535-1024\n", "t.yaml:2: gateway.natPorts: range 65535-1024 is inverted", 1 },
	{ "natPorts zero", "gateway:\n  natPorts: 0-1024\n", "t.yaml:2: gateway.natPorts: ports must be between 1 and 65535", 1 },
	{ "natPorts big", "gateway:\n  natPorts: 1024-65536\n", "t.yaml:2: gateway.natPorts: ports must be between 1 and 65535", 1 },
	{ "natPorts text", "gateway:\n  natPorts: all\n", "t.yaml:2: gateway.natPorts: expected a port range MIN-MAX, got \"all\"", 1 },
	{ "natPorts single", "gateway:\n  natPorts: 1024\n", "t.yaml:2: gateway.natPorts: expected a port range MIN-MAX, got \"1024\"", 1 },
	{ "natPorts junk", "gateway:\n  natPorts: 1024-2000x\n", "t.yaml:2: gateway.natPorts: expected a port range MIN-MAX, got \"1024-2000x\"", 1 },
	{ "admin name", "gateway:\n  admin: localhost:15000\n", "t.yaml:2: gateway.admin: expected IP:PORT or [IPv6]:PORT, got \"localhost:15000\"", 1 },
	{ "admin v6 no brackets", "gateway:\n  admin: \"::1:15000\"\n", "t.yaml:2: gateway.admin: IPv6 addresses need brackets: [ADDRESS]:PORT, got \"::1:15000\"", 1 },
	{ "admin v4 in brackets", "gateway:\n  admin: \"[127.0.0.1]:15000\"\n", "t.yaml:2: gateway.admin: expected IP:PORT or [IPv6]:PORT, got \"[127.0.0.1]:15000\"", 1 },
	{ "admin no port", "gateway:\n  admin: 127.0.0.1\n", "t.yaml:2: gateway.admin: expected IP:PORT or [IPv6]:PORT, got \"127.0.0.1\"", 1 },
	{ "metrics port range", "gateway:\n  metrics: 127.0.0.1:70000\n", "t.yaml:2: gateway.metrics: port must be between 0 and 65535", 1 },
	{ "readiness clash", "gateway:\n  readiness: 127.0.0.1:15020\n", "t.yaml:2: gateway.readiness: same address and port as gateway.metrics", 1 },
	/* gateway ports */
	{ "port mtu", "gateway:\n  ports:\n    - { name: p0, device: net_tap0 }\n    - name: p1\n      device: net_tap1\n      mtu: 9601\n", "t.yaml:6: gateway.ports[1].mtu: must be between 68 and 9600", 1 },
	{ "port mtu small", "gateway:\n  ports:\n    - { name: p0, device: net_tap0, mtu: 67 }\n", "t.yaml:3: gateway.ports[0].mtu: must be between 68 and 9600", 1 },
	{ "ring port name", "gateway:\n  ports:\n    - { name: p0, device: 'ring:a_b,mac=02:00:00:00:00:01' }\n", "t.yaml:3: gateway.ports[0].device: ring name must be 1 to 16 characters from A-Z a-z 0-9 -", 1 },
	{ "ring port without mac", "gateway:\n  ports:\n    - { name: p0, device: 'ring:r1' }\n", "t.yaml:3: gateway.ports[0].device: needs mac= (a ring has no address of its own)", 1 },
	{ "ring port multicast mac", "gateway:\n  ports:\n    - name: p0\n      device: ring:r1,mac=01:00:5e:00:00:01\n", "t.yaml:4: gateway.ports[0].device: bad option 'mac=01:00:5e:00:00:01' (mac=UNICAST-MAC, checksum=software|peer, segmentation=none|peer)", 1 },
	{ "ring port segmentation without checksum", "gateway:\n  ports:\n    - { name: p0, device: 'ring:r1,mac=02:00:00:00:00:01,segmentation=peer' }\n", "t.yaml:3: gateway.ports[0].device: segmentation=peer needs checksum=peer", 1 },
	{ "ring port bad checksum", "gateway:\n  ports:\n    - { name: p0, device: 'ring:r1,mac=02:00:00:00:00:01,checksum=none' }\n", "t.yaml:3: gateway.ports[0].device: bad option 'checksum=none' (mac=UNICAST-MAC, checksum=software|peer, segmentation=none|peer)", 1 },
	{ "port rxDesc", "gateway:\n  ports:\n    - { name: p0, device: net_tap0, rxDesc: 32 }\n", "t.yaml:3: gateway.ports[0].rxDesc: must be between 64 and 16384", 1 },
	{ "port missing name", "gateway:\n  ports:\n    - { device: net_tap0 }\n", "t.yaml:3: gateway.ports[0].name: required key is missing", 1 },
	{ "port missing device", "gateway:\n  ports:\n    - { name: p0 }\n", "t.yaml:3: gateway.ports[0].device: required key is missing", 1 },
	{ "port empty device", "gateway:\n  ports:\n    - { name: p0, device: '' }\n", "t.yaml:3: gateway.ports[0].device: must not be empty", 1 },
	{ "port bad name", "gateway:\n  ports:\n    - { name: 'p 0', device: net_tap0 }\n", "t.yaml:3: gateway.ports[0].name: must be 1 to 31 characters from A-Z a-z 0-9 _ . -", 1 },
	{ "port null", "gateway:\n  ports:\n    -\n", "t.yaml:3: gateway.ports[0]: expected a mapping, got null", 1 },
	{ "port dup name", "gateway:\n  ports:\n    - { name: p0, device: net_tap0 }\n    - { name: p0, device: net_tap1 }\n", "t.yaml:4: gateway.ports[1].name: duplicate port name p0 (first at line 3)", 1 },
	{ "port dup device", "gateway:\n  ports:\n    - { name: p0, device: net_tap0 }\n    - { name: p1, device: net_tap0 }\n", "t.yaml:4: gateway.ports[1].device: duplicate device net_tap0 (first at line 3)", 1 },
	{ "port dup address", "gateway:\n  ports:\n    - { name: p0, device: net_tap0, addresses: [198.18.0.1/24] }\n    - { name: p1, device: net_tap1, addresses: [198.18.0.1/16] }\n", "t.yaml:4: gateway.ports[1].addresses: duplicate address 198.18.0.1 (first at line 3)", 1 },
	{ "port address no len", "gateway:\n  ports:\n    - { name: p0, device: net_tap0, addresses: [198.18.0.1] }\n", "t.yaml:3: gateway.ports[0].addresses[0]: invalid prefix \"198.18.0.1\" (expected ADDRESS/LENGTH)", 1 },
	{ "port address len 0", "gateway:\n  ports:\n    - { name: p0, device: net_tap0, addresses: [198.18.0.1/0] }\n", "t.yaml:3: gateway.ports[0].addresses[0]: prefix length must not be 0", 1 },
	{ "port address v6 len", "gateway:\n  ports:\n    - { name: p0, device: net_tap0, addresses: [\"2001:2::1/129\"] }\n", "t.yaml:3: gateway.ports[0].addresses[0]: invalid prefix \"2001:2::1/129\"", 1 },
	{ "port overlap", "gateway:\n  ports:\n    - { name: p0, device: d0, addresses: [198.18.0.1/24] }\n    - { name: p1, device: d1, addresses: [\"2001:2::1/64\", 198.18.0.129/25] }\n", "t.yaml:4: gateway.ports[1].addresses: subnet 198.18.0.129/25 overlaps 198.18.0.1/24 of port p0", 1 },
	{ "port unknown key", "gateway:\n  ports:\n    - { name: p0, device: net_tap0, mtus: 1500 }\n", "t.yaml:3: gateway.ports[0].mtus: unknown key (did you mean mtu?)", 1 },
	/* gateway routes */
	{ "route unknown port", GW_PORTS "  routes:\n    - { prefix: 198.18.128.0/17, via: 198.18.0.2, port: p9 }\n", "t.yaml:5: gateway.routes[0].port: unknown port \"p9\"", 1 },
	{ "route host bits", GW_PORTS "  routes:\n    - { prefix: 198.18.128.1/17, via: 198.18.0.2 }\n", "t.yaml:5: gateway.routes[0].prefix: \"198.18.128.1/17\" has bits set after the prefix length", 1 },
	{ "route family", GW_PORTS "  routes:\n    - { prefix: \"2001:2:1::/48\", via: 198.18.0.2, port: p0 }\n", "t.yaml:5: gateway.routes[0].via: address family differs from the prefix", 1 },
	{ "route via off-link", GW_PORTS "  routes:\n    - { prefix: 198.18.128.0/17, via: 198.18.5.2 }\n", "t.yaml:5: gateway.routes[0].port: required: via \"198.18.5.2\" is not on any port's subnet", 1 },
	{ "route via not on port", GW_PORTS "  routes:\n    - { prefix: 198.18.128.0/17, via: 198.18.5.2, port: p0 }\n", "t.yaml:5: gateway.routes[0].port: via \"198.18.5.2\" is not on a subnet of port \"p0\"", 1 },
	{ "route no port no via", GW_PORTS "  routes:\n    - { prefix: 198.18.128.0/17 }\n", "t.yaml:5: gateway.routes[0].port: required key is missing", 1 },
	{ "route missing prefix", GW_PORTS "  routes:\n    - { via: 198.18.0.2 }\n", "t.yaml:5: gateway.routes[0].prefix: required key is missing", 1 },
	{ "route bad via", GW_PORTS "  routes:\n    - { prefix: 198.18.128.0/17, via: gw, port: p0 }\n", "t.yaml:5: gateway.routes[0].via: invalid IP address \"gw\"", 1 },
	{ "route null", GW_PORTS "  routes:\n    - ~\n", "t.yaml:5: gateway.routes[0]: expected a mapping, got null", 1 },
	{ "route dup", GW_PORTS "  routes:\n    - { prefix: 198.18.128.0/17, via: 198.18.0.2 }\n    - { prefix: 198.18.128.0/17, via: 198.18.0.3 }\n", "t.yaml:6: gateway.routes[1].prefix: duplicate route 198.18.128.0/17 (first at line 5)", 1 },
	/* gateway traffic routes */
	{ "tr unknown service", SVC_AB "gateway:\n  trafficRoutes:\n    - vip: 198.18.10.1\n      port: 80\n      backends:\n        - { service: ns/a }\n        - { service: ns/c }\n", "t.yaml:10: gateway.trafficRoutes[0].backends[1].service: unknown service \"ns/c\"", 1 },
	{ "tr service format", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 80, backends: [{ service: a }] }\n", "t.yaml:6: gateway.trafficRoutes[0].backends[0].service: expected \"namespace/hostname\", got \"a\"", 1 },
	{ "tr weights zero", SVC_AB "gateway:\n  trafficRoutes:\n    - vip: 198.18.10.1\n      port: 80\n      backends:\n        - { service: ns/a, weight: 0 }\n        - { service: ns/b, weight: 0 }\n", "t.yaml:9: gateway.trafficRoutes[0].backends: all weights are zero", 1 },
	{ "tr weight big", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 80, backends: [{ service: ns/a, weight: 1000001 }] }\n", "t.yaml:6: gateway.trafficRoutes[0].backends[0].weight: must be between 0 and 1000000", 1 },
	{ "tr dup", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 80, backends: [{ service: ns/a }] }\n    - { vip: 198.18.10.1, port: 80, protocol: UDP, backends: [{ service: ns/a }] }\n    - { vip: 198.18.10.1, port: 80, protocol: TCP, backends: [{ service: ns/b }] }\n", "t.yaml:8: gateway.trafficRoutes[2]: duplicate VIP 198.18.10.1:80/TCP (first at line 6)", 1 },
	{ "tr dup v6", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: \"2001:2::a\", port: 80, backends: [{ service: ns/a }] }\n    - { vip: \"2001:2:0:0::a\", port: 80, backends: [{ service: ns/b }] }\n", "t.yaml:7: gateway.trafficRoutes[1]: duplicate VIP [2001:2::a]:80/TCP (first at line 6)", 1 },
	{ "tr missing vip", SVC_AB "gateway:\n  trafficRoutes:\n    - { port: 80, backends: [{ service: ns/a }] }\n", "t.yaml:6: gateway.trafficRoutes[0].vip: required key is missing", 1 },
	{ "tr bad vip", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.0/24, port: 80, backends: [{ service: ns/a }] }\n", "t.yaml:6: gateway.trafficRoutes[0].vip: invalid IP address \"198.18.10.0/24\"", 1 },
	{ "tr missing port", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, backends: [{ service: ns/a }] }\n", "t.yaml:6: gateway.trafficRoutes[0].port: required key is missing", 1 },
	{ "tr port zero", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 0, backends: [{ service: ns/a }] }\n", "t.yaml:6: gateway.trafficRoutes[0].port: must be between 1 and 65535", 1 },
	{ "tr protocol", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 80, protocol: SCTP, backends: [{ service: ns/a }] }\n", "t.yaml:6: gateway.trafficRoutes[0].protocol: must be TCP or UDP, got \"SCTP\"", 1 },
	{ "tr no backends", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 80 }\n", "t.yaml:6: gateway.trafficRoutes[0].backends: required key is missing", 1 },
	{ "tr empty backends", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 80, backends: [] }\n", "t.yaml:6: gateway.trafficRoutes[0].backends: must list at least one backend", 1 },
	{ "tr service port", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 443, backends: [{ service: ns/a }] }\n", "t.yaml:6: gateway.trafficRoutes[0].backends[0].service: service \"ns/a\" has no port 443", 1 },
	{ "tr backend port", SVC_AB "gateway:\n  trafficRoutes:\n    - vip: 198.18.10.1\n      port: 443\n      backends:\n        - service: ns/a\n          port: 8080\n", "t.yaml:10: gateway.trafficRoutes[0].backends[0].port: service \"ns/a\" has no port 8080", 1 },
	{ "tr dup backend", SVC_AB "gateway:\n  trafficRoutes:\n    - vip: 198.18.10.1\n      port: 80\n      backends:\n        - { service: ns/a, weight: 1 }\n        - { service: ns/a, weight: 2 }\n", "t.yaml:10: gateway.trafficRoutes[0].backends[1]: duplicate backend \"ns/a\" (first at line 9)", 1 },
	{ "tr backend unknown key", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 80, backends: [{ service: ns/a, weigth: 2 }] }\n", "t.yaml:6: gateway.trafficRoutes[0].backends[0].weigth: unknown key (did you mean weight?)", 1 },
	{ "tr null", SVC_AB "gateway:\n  trafficRoutes: [~]\n", "t.yaml:5: gateway.trafficRoutes[0]: expected a mapping, got null", 1 },
	{ "tr backend null", SVC_AB "gateway:\n  trafficRoutes:\n    - { vip: 198.18.10.1, port: 80, backends: [~] }\n", "t.yaml:6: gateway.trafficRoutes[0].backends[0]: expected a mapping, got null", 1 },
};

static void
test_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *tc = &err_cases[i];
		struct zdp_config_errors errs = { 0 };
		struct zdp_config *cfg = (struct zdp_config *)1;
		int rc;

		ZDP_CASE(tc->name);
		rc = load_str(tc->yaml, &cfg, &errs);
		if (tc->msg == NULL) {	/* a boundary that must be accepted */
			ZDP_CHECK_EQ(rc, 0);
			ZDP_CHECK_EQ(errs.n, 0);
		} else {
			ZDP_CHECK_EQ(rc, -EINVAL);
			ZDP_CHECK(cfg == NULL);
			if (!has_msg(&errs, tc->msg)) {
				ZDP_FAIL_("missing: %s", tc->msg);
				dump_errors(&errs);
			} else if (tc->n && errs.n != tc->n) {
				ZDP_FAIL_("%zu messages, expected %u", errs.n, tc->n);
				dump_errors(&errs);
			}
		}
		zdp_config_free(rc == 0 ? cfg : NULL);
		zdp_config_errors_fini(&errs);
	}
}

/* A file with many problems: all are reported, in line order, and the
 * errors list may already hold messages from an earlier load. */
static void
test_multi_error(void)
{
	static const char yaml[] =
		"workloads:\n"						/* 1 */
		"  - name: w\n"						/* 2 missing namespace */
		"    workloadIps: [1.2.3]\n"				/* 3 */
		"services:\n"						/* 4 */
		"  - { namespace: n, hostname: h, ports: {99999: 1} }\n"	/* 5 */
		"gateway:\n"						/* 6 */
		"  workers: 0\n"					/* 7 */
		"  natPorts: 2000-1000\n"				/* 8 */
		"  bogus: 1\n"						/* 9 */
		"  ports:\n"						/* 10 */
		"    - { name: p0, device: d0, mtu: 10 }\n"		/* 11 */
		"    - { name: p0, device: d1 }\n"			/* 12 */
		"  routes:\n"						/* 13 */
		"    - { prefix: 198.19.0.0/16, port: nope }\n"		/* 14 */
		"  trafficRoutes:\n"					/* 15 */
		"    - { vip: 198.19.1.1, port: 1, backends: [{service: x/y}] }\n"; /* 16 */
	static const char *const want[] = {
		"old message",
		"m.yaml:2: workloads[0].namespace: required key is missing",
		"m.yaml:3: workloads[0].workloadIps[0]: invalid IP address \"1.2.3\"",
		"m.yaml:5: services[0].ports[99999]: must be between 1 and 65535",
		"m.yaml:7: gateway.workers: must be between 1 and 128",
		"m.yaml:8: gateway.natPorts: range 2000-1000 is inverted",
		"m.yaml:9: gateway.bogus: unknown key",
		"m.yaml:11: gateway.ports[0].mtu: must be between 68 and 9600",
		"m.yaml:12: gateway.ports[1].name: duplicate port name p0 (first at line 11)",
		"m.yaml:14: gateway.routes[0].port: unknown port \"nope\"",
		"m.yaml:16: gateway.trafficRoutes[0].backends[0].service: unknown service \"x/y\"",
	};
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	size_t i;

	ZDP_REQUIRE(zdp_config_errors_add(&errs, NULL, 0, NULL, "x") == 0);
	free(errs.msgs[0]);
	errs.msgs[0] = strdup("old message");
	ZDP_CHECK_EQ(zdp_config_load_buffer("m.yaml", yaml, strlen(yaml), &cfg, &errs), -EINVAL);
	ZDP_CHECK(cfg == NULL);
	ZDP_CHECK_EQ(errs.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < errs.n && i < sizeof(want) / sizeof(want[0]); i++)
		ZDP_CHECK_STR(errs.msgs[i], want[i]);
	if (errs.n != sizeof(want) / sizeof(want[0]))
		dump_errors(&errs);
	zdp_config_errors_fini(&errs);

	/* Without an error list: same verdict, nothing leaks. */
	ZDP_CHECK_EQ(zdp_config_load_buffer("m.yaml", yaml, strlen(yaml), &cfg, NULL), -EINVAL);
	ZDP_CHECK(cfg == NULL);
	/* Without an out pointer: validate only. */
	ZDP_CHECK_EQ(zdp_config_load_file(DEMO, NULL, NULL), 0);
}

static void
test_bad_fixture(void)
{
	static const char *const want[] = {
		BAD ":7: workloads[0].workloadIps[1]: invalid IP address \"198.18.1.300\"",
		BAD ":8: workloads[0].protocol: must be TCP or HBONE, got \"HTTP\"",
		BAD ":11: workloads[1].uid: duplicate workload uid \"reviews-v1\" (first at line 4)",
		BAD ":24: policies[0].action: must be Allow or Deny, got \"Reject\"",
		BAD ":26: policies[0].rules[0][0][0].destinationPort: unknown key (did you mean destinationPorts?)",
		BAD ":28: gateway.workers: must be between 1 and 128",
		BAD ":29: gateway.natPorts: range 65535-1024 is inverted",
		BAD ":30: gateway.timeouts.tcpSyn: expected a duration such as 30, 10s, 5m, 1h or 500ms, got \"10x\"",
		BAD ":37: gateway.ports[1].mtu: must be between 68 and 9600",
		BAD ":40: gateway.routes[0].port: unknown port \"p2\"",
		BAD ":45: gateway.trafficRoutes[0].backends[0].service: unknown service \"default/reviews-v1.default.svc.cluster.local\"",
	};
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	size_t i;

	ZDP_CHECK_EQ(zdp_config_load_file(BAD, &cfg, &errs), -EINVAL);
	ZDP_CHECK(cfg == NULL);
	ZDP_CHECK_EQ(errs.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < errs.n && i < sizeof(want) / sizeof(want[0]); i++)
		ZDP_CHECK_STR(errs.msgs[i], want[i]);
	if (errs.n != sizeof(want) / sizeof(want[0]))
		dump_errors(&errs);
	zdp_config_errors_fini(&errs);
}

static void
test_error_cap(void)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	size_t i, len = 0, cap = 1 << 16;
	char *y = malloc(cap);

	ZDP_REQUIRE(y != NULL);
	len += (size_t)snprintf(y + len, cap - len, "workloads:\n");
	for (i = 0; i < 600; i++)
		len += (size_t)snprintf(y + len, cap - len, "  - { namespace: n, capacity: x }\n");
	ZDP_CHECK_EQ(zdp_config_load_buffer("cap.yaml", y, len, &cfg, &errs), -EINVAL);
	ZDP_CHECK_EQ(errs.n, 501);
	ZDP_REQUIRE(errs.n > 0);
	ZDP_CHECK_STR(errs.msgs[errs.n - 1], "cap.yaml: errors: too many errors; the rest are not shown");
	ZDP_CHECK_STR(errs.msgs[0], "cap.yaml:2: workloads[0].capacity: expected an integer, got \"x\"");
	zdp_config_errors_fini(&errs);
	free(y);
}

static void
test_unreadable(void)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = (struct zdp_config *)1;

	ZDP_CASE("missing file");
	ZDP_CHECK_EQ(zdp_config_load_file("configs/does-not-exist.yaml", &cfg, &errs), -ENOENT);
	ZDP_CHECK(cfg == NULL);
	ZDP_REQUIRE(errs.n == 1);
	ZDP_CHECK_STR(errs.msgs[0], "configs/does-not-exist.yaml: cannot read: No such file or directory");
	zdp_config_errors_fini(&errs);
	ZDP_CASE("directory");
	ZDP_CHECK_EQ(zdp_config_load_file("configs", &cfg, &errs), -EISDIR);
	ZDP_REQUIRE(errs.n == 1);
	ZDP_CHECK_STR(errs.msgs[0], "configs: cannot read: Is a directory");
	zdp_config_errors_fini(&errs);
	ZDP_CASE("NULL path");
	ZDP_CHECK_EQ(zdp_config_load_file(NULL, &cfg, &errs), -EINVAL);
	zdp_config_errors_fini(&errs);
	zdp_config_errors_fini(NULL);
	zdp_config_free(NULL);
}

/* ---- value forms ------------------------------------------------------- */

static void
test_durations(void)
{
	static const struct {
		const char *text;
		int secs;	/* -1 = error */
	} cases[] = {
		{ "1", 1 }, { "45", 45 }, { "\"45\"", -1 }, { "10s", 10 }, { "5m", 300 },
		{ "1h", 3600 }, { "500ms", 1 }, { "1001ms", 2 }, { "1500ms", 2 },
		{ "1h30m", 5400 }, { "2m30s", 150 }, { "1s500ms", 2 }, { "168h", 604800 },
		{ "604801", -1 }, { "0", -1 }, { "0s", -1 }, { "", 10 }, { "1d", -1 },
		{ "s", -1 }, { "10 s", -1 }, { "-5s", -1 }, { "1.5s", -1 }, { "0x10", -1 },
		{ "[1]", -1 }, { "10s5", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zdp_config_errors errs = { 0 };
		struct zdp_config *cfg = NULL;
		char yaml[128];
		int rc;

		ZDP_CASE(cases[i].text);
		snprintf(yaml, sizeof(yaml), "gateway:\n  timeouts:\n    tcpSyn: %s\n", cases[i].text);
		rc = load_str(yaml, &cfg, &errs);
		if (cases[i].secs < 0) {
			ZDP_CHECK_EQ(rc, -EINVAL);
			ZDP_CHECK_EQ(errs.n, 1);
		} else {
			ZDP_CHECK_EQ(rc, 0);
			if (cfg)
				ZDP_CHECK_EQ(cfg->gateway.tcp_syn_timeout, cases[i].secs);
		}
		zdp_config_free(cfg);
		zdp_config_errors_fini(&errs);
	}
}

static void
test_yaml_features(void)
{
	static const char anchors[] =
		"services:\n"
		"  - &svc { namespace: n, hostname: a, ports: &p {80: 80} }\n"
		"  - { namespace: n, hostname: b, ports: *p }\n"
		"workloads:\n"
		"  - namespace: n\n"
		"    name: w\n"
		"    workloadIps: &ips [198.18.1.1]\n"
		"  - { namespace: n, name: w2, workloadIps: *ips }\n";
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	char *y;
	size_t i, len;

	ZDP_CASE("anchors and aliases");
	ZDP_CHECK_EQ(load_str(anchors, &cfg, &errs), 0);
	dump_errors(&errs);
	ZDP_REQUIRE(cfg != NULL);
	ZDP_CHECK_EQ(cfg->services[1].n_ports, 1);
	ZDP_CHECK_EQ(cfg->workloads[1].n_ips, 1);
	zdp_config_free(cfg);
	cfg = NULL;

	ZDP_CASE("alias bomb");
	{
		static const char bomb[] =
			"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";

		ZDP_CHECK_EQ(load_str(bomb, &cfg, &errs), -EINVAL);
		ZDP_REQUIRE(errs.n == 1);
		ZDP_CHECK_STR(errs.msgs[0], "t.yaml:6: yaml: aliases expand to more than 1048576 nodes");
		zdp_config_errors_fini(&errs);
	}

	ZDP_CASE("deep nesting");
	len = 100000;
	y = malloc(len + 1);
	ZDP_REQUIRE(y != NULL);
	memset(y, '[', len);
	y[len] = '\0';
	ZDP_CHECK_EQ(zdp_config_load_buffer("deep.yaml", y, len, &cfg, &errs), -EINVAL);
	ZDP_REQUIRE(errs.n == 1);
	ZDP_CHECK_STR(errs.msgs[0], "deep.yaml:1: yaml: nesting deeper than 64 levels");
	zdp_config_errors_fini(&errs);
	free(y);

	ZDP_CASE("too large");
	len = (16u << 20) + 1;
	y = malloc(len);
	ZDP_REQUIRE(y != NULL);
	memset(y, ' ', len);
	ZDP_CHECK_EQ(zdp_config_load_buffer("big.yaml", y, len, &cfg, &errs), -EINVAL);
	ZDP_REQUIRE(errs.n == 1);
	ZDP_CHECK_STR(errs.msgs[0], "big.yaml:1: yaml: file is larger than 16777216 bytes");
	zdp_config_errors_fini(&errs);
	free(y);

	ZDP_CASE("too many nodes");
	len = 2u * 1100000 + 16;
	y = malloc(len);
	ZDP_REQUIRE(y != NULL);
	memcpy(y, "a: [", 4);
	for (i = 4; i + 2 < len; i += 2)
		memcpy(y + i, "1,", 2);
	len = i;
	y[len - 1] = ']';
	ZDP_CHECK_EQ(zdp_config_load_buffer("wide.yaml", y, len, &cfg, &errs), -EINVAL);
	ZDP_REQUIRE(errs.n == 1);
	ZDP_CHECK_STR(errs.msgs[0], "wide.yaml:1: yaml: more than 1048576 nodes");
	zdp_config_errors_fini(&errs);
	free(y);

	ZDP_CASE("NUL inside buffer");
	ZDP_CHECK_EQ(zdp_config_load_buffer("nul.yaml", "gateway: {}\0x", 14, &cfg, &errs), -EINVAL);
	ZDP_CHECK_EQ(errs.n, 1);
	zdp_config_errors_fini(&errs);

	ZDP_CASE("quoted numbers and hex");
	ZDP_CHECK_EQ(load_str("gateway:\n  workers: \"2\"\n  pools: { neighEntries: 0x1000 }\n",
			      &cfg, &errs), 0);
	ZDP_REQUIRE(cfg != NULL);
	ZDP_CHECK_EQ(cfg->gateway.workers, 2);
	ZDP_CHECK_EQ(cfg->gateway.neigh_entries, 4096);
	zdp_config_free(cfg);
	cfg = NULL;

	ZDP_CASE("null lists");
	ZDP_CHECK_EQ(load_str("workloads:\nservices: ~\npolicies: null\ngateway:\n", &cfg, &errs), 0);
	ZDP_REQUIRE(cfg != NULL);
	ZDP_CHECK(cfg->has_gateway);
	zdp_config_free(cfg);
	cfg = NULL;

	ZDP_CASE("many workloads, no dups");
	{
		size_t cap = 1 << 20;

		y = malloc(cap);
		ZDP_REQUIRE(y != NULL);
		len = (size_t)snprintf(y, cap, "workloads:\n");
		for (i = 0; i < 5000; i++)
			len += (size_t)snprintf(y + len, cap - len,
						"  - { uid: u%zu, namespace: n, workloadIps: [198.18.%zu.%zu] }\n",
						i, i / 256, i % 256);
		ZDP_CHECK_EQ(zdp_config_load_buffer("many.yaml", y, len, &cfg, &errs), 0);
		ZDP_CHECK(cfg && cfg->n_workloads == 5000);
		zdp_config_free(cfg);
		cfg = NULL;
		free(y);
	}
	zdp_config_errors_fini(&errs);
}

static void
test_errors_add(void)
{
	struct zdp_config_errors errs = { 0 };

	ZDP_CHECK_EQ(zdp_config_errors_add(&errs, "f.yaml", 14, "gateway.ports[1].mtu",
					   "must be between %d and %d", 68, 9600), 0);
	ZDP_CHECK_EQ(zdp_config_errors_add(&errs, "f.yaml", 0, "cannot read", "%s", "boom"), 0);
	ZDP_CHECK_EQ(zdp_config_errors_add(NULL, "f.yaml", 1, "k", "x"), 0);
	ZDP_REQUIRE(errs.n == 2);
	ZDP_CHECK_STR(errs.msgs[0], "f.yaml:14: gateway.ports[1].mtu: must be between 68 and 9600");
	ZDP_CHECK_STR(errs.msgs[1], "f.yaml: cannot read: boom");
	zdp_config_errors_fini(&errs);
	ZDP_CHECK(errs.n == 0 && errs.msgs == NULL);
}

/* ---- robustness -------------------------------------------------------- */

/* Load must never crash, and must either succeed or explain itself. */
static void
check_robust(const char *name, const char *buf, size_t len, size_t *ok, size_t *bad)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	int rc = zdp_config_load_buffer(name, buf, len, &cfg, &errs);

	if (rc == 0) {
		if (cfg == NULL || errs.n != 0)
			ZDP_FAIL_("%s len %zu: rc 0 but cfg %p errs %zu", name, len, (void *)cfg,
				  errs.n);
		(*ok)++;
	} else {
		if (rc != -EINVAL || cfg != NULL || errs.n == 0)
			ZDP_FAIL_("%s len %zu: rc %d cfg %p errs %zu", name, len, rc, (void *)cfg,
				  errs.n);
		(*bad)++;
	}
	zdp_config_free(cfg);
	zdp_config_errors_fini(&errs);
}

static void
test_truncations(void)
{
	static const char *const files[] = { DEMO, ZT_FIXTURE };
	size_t f;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len = 0, cut, ok = 0, bad = 0;
		char *buf = read_all(files[f], &len);

		ZDP_CASE(files[f]);
		ZDP_REQUIRE(buf != NULL && len > 100);
		for (cut = 0; cut <= len; cut++) {
			/* A private copy per cut, so ASan sees reads past the end. */
			char *p = malloc(cut ? cut : 1);

			ZDP_REQUIRE(p != NULL);
			memcpy(p, buf, cut);
			check_robust(files[f], p, cut, &ok, &bad);
			free(p);
		}
		/* Both outcomes happen: cuts at line ends are often valid. */
		ZDP_CHECK(ok > 0);
		ZDP_CHECK(bad > 0);
		printf("# %s: %zu cuts, %zu loaded, %zu refused\n", files[f], len + 1, ok, bad);
		free(buf);
	}
}

static void
test_mutations(void)
{
	static const char alphabet[] = "-:[]{}&*!|>'\"#%@`, \n\t0a/.~?\\";
	size_t len = 0, i, ok = 0, bad = 0;
	char *buf = read_all(DEMO, &len);
	uint32_t seed = 12345;

	ZDP_REQUIRE(buf != NULL);
	for (i = 0; i < 3000; i++) {
		char *p = malloc(len);
		size_t k, flips;

		ZDP_REQUIRE(p != NULL);
		memcpy(p, buf, len);
		seed = seed * 1103515245u + 12345u;
		flips = 1 + (seed >> 16) % 4;
		for (k = 0; k < flips; k++) {
			seed = seed * 1103515245u + 12345u;
			p[(seed >> 8) % len] = alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
		}
		check_robust("mut.yaml", p, len, &ok, &bad);
		free(p);
	}
	printf("# mutations: %zu loaded, %zu refused\n", ok, bad);
	free(buf);
}

/*
 * Run a load once to count the loader's allocations, then again failing
 * each one in turn: every run must end in -ENOMEM with no config, no crash,
 * and (under LSan) no leak. Covers the success path (demo.yaml, read from
 * disk) and the error-reporting path (a file with many errors).
 */
static void
alloc_loop(const char *what, const char *path, const char *yaml)
{
	unsigned long n, i, enomem = 0;
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	int rc;

	ZDP_CASE(what);
	cy_alloc_fail_at(-1);
	rc = path ? zdp_config_load_file(path, &cfg, &errs)
		  : zdp_config_load_buffer("a.yaml", yaml, strlen(yaml), &cfg, &errs);
	n = cy_alloc_count();
	ZDP_CHECK(rc == 0 || rc == -EINVAL);
	zdp_config_free(cfg);
	zdp_config_errors_fini(&errs);
	ZDP_CHECK(n > 10);
	for (i = 0; i < n; i++) {
		cfg = (struct zdp_config *)1;
		cy_alloc_fail_at((long)i);
		rc = path ? zdp_config_load_file(path, &cfg, &errs)
			  : zdp_config_load_buffer("a.yaml", yaml, strlen(yaml), &cfg, &errs);
		if (rc != -ENOMEM || cfg != NULL)
			ZDP_FAIL_("allocation %lu of %lu: rc %d cfg %p", i, n, rc, (void *)cfg);
		else
			enomem++;
		zdp_config_errors_fini(&errs);
	}
	cy_alloc_fail_at(-1);
	ZDP_CHECK_EQ(enomem, n);
	printf("# %s: %lu allocations, each failed once\n", what, n);
}

static void
test_alloc_failures(void)
{
	static const char bad[] =
		"workloads:\n"
		"  - { name: w, workloadIps: [1.2.3], protocol: X }\n"
		"  - { name: w, namespace: n, services: { a/b: {0: 1}, a/b: {} } }\n"
		"services:\n"
		"  - { namespace: n, hostname: h, vips: [/198.19.1.1, x], ports: {80: 80} }\n"
		"  - { namespace: n, hostname: h, vips: [/198.19.1.1] }\n"
		"policies:\n"
		"  - { name: p, namespace: n, scope: Global, action: Deny, rules: [[[{principals: [x]}]]] }\n"
		"gateway:\n"
		"  ports: [{ name: p0, device: d, addresses: [198.19.1.1/16] }, { name: p0, device: d }]\n"
		"  routes: [{ prefix: 198.19.0.0/16, via: 198.19.2.4 }, { prefix: 198.19.0.0/16, port: q }]\n"
		"  trafficRoutes:\n"
		"    - { vip: 198.19.1.1, port: 80, backends: [{ service: n/h }, { service: n/z }] }\n"
		"    - { vip: 198.19.1.1, port: 80, backends: [{ service: n/h, weight: 0 }] }\n";

	alloc_loop("demo.yaml", DEMO, NULL);
	alloc_loop("ztunnel fixture", ZT_FIXTURE, NULL);
	alloc_loop("many errors", NULL, bad);
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_empty_and_defaults),
	ZDP_TEST_ENTRY(test_workload_defaults),
	ZDP_TEST_ENTRY(test_examples),
	ZDP_TEST_ENTRY(test_ztunnel_local),
	ZDP_TEST_ENTRY(test_full_gateway),
	ZDP_TEST_ENTRY(test_errors),
	ZDP_TEST_ENTRY(test_multi_error),
	ZDP_TEST_ENTRY(test_bad_fixture),
	ZDP_TEST_ENTRY(test_error_cap),
	ZDP_TEST_ENTRY(test_unreadable),
	ZDP_TEST_ENTRY(test_durations),
	ZDP_TEST_ENTRY(test_yaml_features),
	ZDP_TEST_ENTRY(test_errors_add),
	ZDP_TEST_ENTRY(test_truncations),
	ZDP_TEST_ENTRY(test_mutations),
	ZDP_TEST_ENTRY(test_alloc_failures),
	{ 0 },
};

int
main(void)
{
	return zdp_test_main(tests);
}
