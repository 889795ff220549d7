/* SPDX-License-Identifier: BSD-3-Clause
 * test_compile.c — config model -> worker snapshot (mgmt/compile.c):
 * which VIPs exist, which endpoints back them with what share of the
 * Maglev table, which flags they carry, and what errors look like.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_hash.h>

#include "policy_compile.h"
#include "snapshot.h"
#include "zdp_config.h"
#include "zdp_lb.h"
#include "zdp_mgmt.h"
#include "eal.h"
#include "zdp_eal_test.h"
#include "zdp_test.h"

static struct zdp_mgmt mg;

static struct zdp_config *
load(const char *yaml)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;

	if (zdp_config_load_buffer("t.yaml", yaml, strlen(yaml), &cfg, &errs) < 0)
		for (size_t i = 0; i < errs.n; i++)
			printf("# %s\n", errs.msgs[i]);
	zdp_config_errors_fini(&errs);
	return cfg;
}

static const struct zdp_vip *
vip(const struct zdp_snapshot *s, const char *addr, uint16_t port, uint8_t proto)
{
	struct zdp_addr a;

	zdp_addr_parse(addr, &a);
	return zdp_snapshot_vip_lookup(s, &a, rte_cpu_to_be_16(port), proto);
}

/* Share of the table that maps to the backend at @addr:@port. */
static double
share(const struct zdp_vip *v, const char *addr, uint16_t port)
{
	uint32_t size = zdp_lb_table_size(v->lb), n = 0, idx = UINT32_MAX;
	struct zdp_addr a;

	zdp_addr_parse(addr, &a);
	for (uint32_t i = 0; i < v->n_backends; i++)
		if (zdp_addr_eq(&v->backends[i].addr, &a) && v->backends[i].port == port)
			idx = i;
	if (idx == UINT32_MAX)
		return -1;
	for (uint32_t e = 0; e < size; e++)
		n += zdp_lb_table_entry(v->lb, e) == idx;
	return (double)n / size;
}

#define PORTS \
	"gateway:\n" \
	"  ports:\n" \
	"    - { name: p0, device: net_null0, addresses: [198.18.0.1/24, \"2001:2::1/64\"] }\n" \
	"    - { name: p1, device: net_null1, addresses: [198.18.1.1/24, \"2001:2:0:1::1/64\"] }\n"

static const char *const base_yaml =
	"workloads:\n"
	"  - { uid: a1, name: a1, namespace: ns, workloadIps: [198.18.1.10, \"2001:2:0:1::10\"], capacity: 1,\n"
	"      services: { ns/a.ns.svc: { 80: 8080 } } }\n"
	"  - { uid: b1, name: b1, namespace: ns, workloadIps: [198.18.1.20], capacity: 1,\n"
	"      services: { ns/b.ns.svc: { 80: 8080 } } }\n"
	"  - { uid: b2, name: b2, namespace: ns, workloadIps: [198.18.1.21], capacity: 3,\n"
	"      services: { ns/b.ns.svc: { 80: 8080 } } }\n"
	"  - { uid: b3, name: b3, namespace: ns, workloadIps: [198.18.1.22], status: Unhealthy,\n"
	"      services: { ns/b.ns.svc: { 80: 8080 } } }\n"
	"  - { uid: m1, name: m1, namespace: ns, workloadIps: [198.18.1.30], protocol: HBONE,\n"
	"      services: { ns/m.ns.svc: { 80: 80 } } }\n"
	"  - { uid: l1, name: l1, namespace: ns, workloadIps: [198.18.1.40],\n"
	"      services: { ns/l.ns.svc: { 80: 15008 } } }\n"
	"services:\n"
	"  - { name: a, namespace: ns, hostname: a.ns.svc, vips: [/198.18.20.1, \"/2001:2:0:20::1\"], ports: { 80: 8080 } }\n"
	"  - { name: b, namespace: ns, hostname: b.ns.svc, vips: [/198.18.20.2], ports: { 80: 8080 } }\n"
	"  - { name: m, namespace: ns, hostname: m.ns.svc, vips: [/198.18.20.3], ports: { 80: 80 } }\n"
	"  - { name: l, namespace: ns, hostname: l.ns.svc, vips: [/198.18.20.4], ports: { 80: 80 } }\n"
	PORTS
	"  trafficRoutes:\n"
	"    - name: ab\n"
	"      vip: 198.18.10.1\n"
	"      port: 80\n"
	"      protocol: TCP\n"
	"      backends:\n"
	"        - { service: ns/a.ns.svc, weight: 50 }\n"
	"        - { service: ns/b.ns.svc, weight: 50 }\n"
	"    - name: ab6\n"
	"      vip: \"2001:2:0:10::1\"\n"
	"      port: 80\n"
	"      protocol: UDP\n"
	"      backends:\n"
	"        - { service: ns/a.ns.svc, weight: 1 }\n"
	"        - { service: ns/b.ns.svc, weight: 1 }\n";

static struct zdp_snapshot *
compile_ok(const char *yaml, struct zdp_config **cfg_out)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = load(yaml);
	struct zdp_snapshot *s = NULL;

	if (cfg == NULL)
		return NULL;
	if (zdp_compile(&mg, cfg, &s, &errs) < 0)
		for (size_t i = 0; i < errs.n; i++)
			printf("# %s\n", errs.msgs[i]);
	zdp_config_errors_fini(&errs);
	if (cfg_out)
		*cfg_out = cfg;
	else
		zdp_config_free(cfg);
	return s;
}

static void
test_service_vips_by_capacity(void)
{
	struct zdp_snapshot *s = compile_ok(base_yaml, NULL);
	const struct zdp_vip *v;

	ZDP_REQUIRE(s != NULL);
	ZDP_CASE("service b: capacities 1 and 3, unhealthy b3 left out");
	v = vip(s, "198.18.20.2", 80, 6);
	ZDP_REQUIRE(v != NULL);
	ZDP_CHECK_EQ(v->n_backends, 2);
	ZDP_CHECK(share(v, "198.18.1.22", 8080) < 0);
	ZDP_CHECK(share(v, "198.18.1.20", 8080) > 0.24 && share(v, "198.18.1.20", 8080) < 0.26);
	ZDP_CHECK(share(v, "198.18.1.21", 8080) > 0.74 && share(v, "198.18.1.21", 8080) < 0.76);
	ZDP_CASE("service VIPs answer for TCP and UDP, target port mapped");
	ZDP_CHECK(vip(s, "198.18.20.2", 80, 17) != NULL);
	ZDP_CHECK(vip(s, "198.18.20.2", 8080, 6) == NULL);
	ZDP_CHECK(vip(s, "198.18.20.9", 80, 6) == NULL);
	ZDP_CASE("IPv6 service VIP uses IPv6 endpoint addresses only");
	v = vip(s, "2001:2:0:20::1", 80, 6);
	ZDP_REQUIRE(v != NULL);
	ZDP_CHECK_EQ(v->n_backends, 1);
	ZDP_CHECK(share(v, "2001:2:0:1::10", 8080) > 0.99);
	ZDP_CASE("VIP addresses are known for echo");
	{
		struct zdp_addr a;
		zdp_addr_parse("198.18.20.3", &a);
		ZDP_CHECK(zdp_snapshot_is_vip_addr(s, &a));
		zdp_addr_parse("198.18.20.99", &a);
		ZDP_CHECK(!zdp_snapshot_is_vip_addr(s, &a));
	}
	zdp_snapshot_free(s);
}

static void
test_route_weights_split_by_service(void)
{
	struct zdp_snapshot *s = compile_ok(base_yaml, NULL);
	const struct zdp_vip *v;

	ZDP_REQUIRE(s != NULL);
	/* 50/50 between services a (1 endpoint) and b (capacities 1 and 3):
	 * a gets 50%, b1 12.5%, b2 37.5% — route weights are per service,
	 * not multiplied by the number of pods. */
	v = vip(s, "198.18.10.1", 80, 6);
	ZDP_REQUIRE(v != NULL);
	ZDP_CHECK_EQ(v->n_backends, 3);
	ZDP_CHECK(share(v, "198.18.1.10", 8080) > 0.49 && share(v, "198.18.1.10", 8080) < 0.51);
	ZDP_CHECK(share(v, "198.18.1.20", 8080) > 0.12 && share(v, "198.18.1.20", 8080) < 0.13);
	ZDP_CHECK(share(v, "198.18.1.21", 8080) > 0.37 && share(v, "198.18.1.21", 8080) < 0.38);
	ZDP_CASE("route is TCP only");
	ZDP_CHECK(vip(s, "198.18.10.1", 80, 17) == NULL);
	ZDP_CASE("IPv6 UDP route: b has no IPv6 endpoint, a takes all");
	v = vip(s, "2001:2:0:10::1", 80, 17);
	ZDP_REQUIRE(v != NULL);
	ZDP_CHECK_EQ(v->n_backends, 1);
	zdp_snapshot_free(s);
}

static void
test_backend_flags(void)
{
	struct zdp_snapshot *s = compile_ok(base_yaml, NULL);
	const struct zdp_vip *v;

	ZDP_REQUIRE(s != NULL);
	ZDP_CASE("HBONE workload flagged");
	v = vip(s, "198.18.20.3", 80, 6);
	ZDP_REQUIRE(v != NULL && v->n_backends == 1);
	ZDP_CHECK(v->backends[0].flags & ZDP_BACKEND_F_HBONE);
	ZDP_CASE("target port 15008 flagged by the loop guard");
	v = vip(s, "198.18.20.4", 80, 6);
	ZDP_REQUIRE(v != NULL && v->n_backends == 1);
	ZDP_CHECK(v->backends[0].flags & ZDP_BACKEND_F_LOOP);
	ZDP_CHECK_EQ(v->backends[0].port, 15008);
	zdp_snapshot_free(s);
}

static void
test_stable_ids_and_generations(void)
{
	struct zdp_snapshot *s1 = compile_ok(base_yaml, NULL);
	struct zdp_snapshot *s2 = compile_ok(base_yaml, NULL);

	ZDP_REQUIRE(s1 != NULL && s2 != NULL);
	ZDP_CHECK_EQ(s2->generation, s1->generation + 1);
	const struct zdp_vip *a = vip(s1, "198.18.10.1", 80, 6);
	const struct zdp_vip *b = vip(s2, "198.18.10.1", 80, 6);
	ZDP_REQUIRE(a && b && a->n_backends == b->n_backends);
	for (uint32_t i = 0; i < a->n_backends; i++)
		ZDP_CHECK_EQ(a->backends[i].stat_id, b->backends[i].stat_id);
	ZDP_CASE("same config, byte-identical Maglev tables (consistent across nodes)");
	{
		size_t la, lb;
		const void *ra = zdp_lb_table_raw(a->lb, &la), *rb = zdp_lb_table_raw(b->lb, &lb);
		ZDP_CHECK(la == lb && memcmp(ra, rb, la) == 0);
	}
	zdp_snapshot_free(s1);
	zdp_snapshot_free(s2);
}

static void
test_errors(void)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_snapshot *s = NULL;
	struct zdp_config *cfg;
	uint64_t gen = mg.generation;

	ZDP_CASE("two routes on one VIP:port/proto");
	cfg = load(base_yaml);
	ZDP_REQUIRE(cfg != NULL);
	/* The loader already refuses duplicate routes; force one past it to
	 * check the compiler's own guard. */
	cfg->gateway.traffic_routes[1].vip = cfg->gateway.traffic_routes[0].vip;
	cfg->gateway.traffic_routes[1].proto = cfg->gateway.traffic_routes[0].proto;
	ZDP_CHECK(zdp_compile(&mg, cfg, &s, &errs) < 0);
	ZDP_CHECK(s == NULL);
	ZDP_REQUIRE(errs.n >= 1);
	ZDP_CHECK(strstr(errs.msgs[0], "t.yaml:") == errs.msgs[0]);
	ZDP_CHECK(strstr(errs.msgs[0], "gateway.trafficRoutes[1]") != NULL);
	ZDP_CHECK_EQ(mg.generation, gen);	/* a failed compile consumes nothing */
	zdp_config_errors_fini(&errs);
	zdp_config_free(cfg);
}

/* Free pages per size for the hugepage test: 3 x 2 MB, 2 x 1 GB. */
static unsigned long
fake_free_pages(unsigned long size_kb)
{
	return size_kb == 2048 ? 3 : size_kb == 1048576 ? 2 : 0;
}

/* zdp's --no-huge decision counts the page sizes EAL will use. */
static void
test_hugepages_free(void)
{
	static const struct {
		const char *name, *mounts, *huge_dir;
		uint64_t mb;
	} rows[] = {
		{ "none mounted", "proc /proc proc rw 0 0\n", NULL, 0 },
		{ "default size, no pagesize option",
		  "hugetlbfs /dev/hugepages hugetlbfs rw,relatime 0 0\n", NULL, 6 },
		{ "2M mount", "nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n",
		  NULL, 6 },
		{ "1G pages only (no 2 MB mount)",
		  "nodev /mnt/huge-1G hugetlbfs rw,relatime,pagesize=1024M 0 0\n", NULL, 2048 },
		{ "both sizes", "nodev /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n"
		  "nodev /mnt/huge-1G hugetlbfs rw,pagesize=1G 0 0", NULL, 2054 },
		{ "one size mounted twice counts once",
		  "nodev /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n"
		  "nodev /mnt/h2 hugetlbfs rw,pagesize=2048k 0 0\n", NULL, 6 },
		{ "--huge-dir picks its mount", "nodev /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n"
		  "nodev /mnt/huge-1G hugetlbfs rw,pagesize=1G 0 0\n", "/mnt/huge-1G", 2048 },
		{ "--huge-dir not a hugetlbfs mount",
		  "nodev /dev/hugepages hugetlbfs rw,pagesize=2M 0 0\n", "/tmp", 0 },
		{ "a size the kernel lacks", "nodev /mnt/h16 hugetlbfs rw,pagesize=16M 0 0\n",
		  NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		ZDP_CASE(rows[i].name);
		ZDP_CHECK_EQ(zdp_eal_hugepages_free_mb(rows[i].mounts, rows[i].huge_dir, 2048,
						       fake_free_pages), rows[i].mb);
	}
	ZDP_CASE(NULL);
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_hugepages_free),
	ZDP_TEST_ENTRY(test_service_vips_by_capacity),
	ZDP_TEST_ENTRY(test_route_weights_split_by_service),
	ZDP_TEST_ENTRY(test_backend_flags),
	ZDP_TEST_ENTRY(test_stable_ids_and_generations),
	ZDP_TEST_ENTRY(test_errors),
	{ 0 },
};

int
main(void)
{
	char *eal[] = { (char *)"test_compile", "--no-huge", "-m", "256", "--no-pci",
			"--file-prefix", "zdp_test_compile", "--log-level", "lib.eal:error", NULL };
	int rc;

	if (rte_eal_init(9, eal) < 0) {
		printf("1..0 # SKIP cannot initialise EAL\n");
		return 1;
	}
	mg.policy_reg = zdp_policy_registry_create(0);
	mg.backend_reg = zdp_registry_create(4096);
	rc = zdp_test_main(tests);
	zdp_policy_registry_destroy(mg.policy_reg);
	zdp_registry_destroy(mg.backend_reg);
	zdp_eal_cleanup();
	return rc;
}
