/* SPDX-License-Identifier: BSD-3-Clause
 * test_route.c — LPM route table: longest-prefix correctness for IPv4 and
 * IPv6 (overlaps, default routes, host routes), connected vs via next hops,
 * no route, sealing rules, on-link / local / source-address helpers.
 */
#include <errno.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "zdp_eal_test.h"
#include "zdp_test.h"
#include "route.h"

static struct zdp_addr
A(const char *s)
{
	struct zdp_addr a;

	if (zdp_addr_parse(s, &a) != 0) {
		printf("# bad address in test: %s\n", s);
		abort();
	}
	return a;
}

static struct zdp_prefix
P(const char *s)
{
	struct zdp_prefix p;

	if (zdp_prefix_parse(s, &p) != 0) {
		printf("# bad prefix in test: %s\n", s);
		abort();
	}
	return p;
}

struct rt_def {
	const char *prefix;
	const char *via;	/* NULL: connected; "local": add_connected */
	uint16_t port;
};

/* Overlapping routes in both families; the gateways are on-link. */
static const struct rt_def table[] = {
	{ "198.18.0.1/24",	"local",	0 },
	{ "198.18.1.1/24",	"local",	1 },
	{ "0.0.0.0/0",		"198.18.0.254",	0 },
	{ "198.19.0.0/16",	"198.18.0.2",	0 },
	{ "198.19.5.0/24",	"198.18.1.3",	1 },
	{ "198.19.5.7/32",	"198.18.0.3",	0 },
	{ "198.19.5.128/25",	NULL,		1 },	/* connected, no address */
	{ "198.18.0.128/26",	"198.18.1.4",	1 },	/* carved out of port 0 */
	{ "2001:2::1/64",	"local",	0 },
	{ "2001:2:0:1::1/64",	"local",	1 },
	{ "fe80::2/64",		"local",	1 },
	{ "::/0",		"fe80::1",	1 },
	{ "2001:2:10::/48",	"2001:2::2",	0 },
	{ "2001:2:10:5::/64",	"2001:2:0:1::9", 1 },
	{ "2001:2:10:5::7/128",	"2001:2::3",	0 },
	{ "2001:2:10:5:8000::/65", NULL,	0 },
};

static struct zdp_route_table *
build(const struct rt_def *defs, size_t n, uint32_t max)
{
	struct zdp_route_table *t = zdp_route_table_create(SOCKET_ID_ANY, max);
	size_t i;

	if (t == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		struct zdp_prefix p = P(defs[i].prefix);
		int rc;

		if (defs[i].via && strcmp(defs[i].via, "local") == 0) {
			rc = zdp_route_add_connected(t, defs[i].port, &p);
		} else if (defs[i].via) {
			struct zdp_addr via = A(defs[i].via);
			rc = zdp_route_add(t, &p, &via, defs[i].port);
		} else {
			rc = zdp_route_add(t, &p, NULL, defs[i].port);
		}
		if (rc != 0) {
			printf("# add %s: %d\n", defs[i].prefix, rc);
			zdp_route_table_destroy(t);
			return NULL;
		}
	}
	return t;
}

static void
test_lpm_correctness(void)
{
	static const struct {
		const char *name, *dst, *nh;	/* nh NULL: no route */
		uint16_t port;
		uint8_t connected;
	} cases[] = {
		{ "v4 connected port 0", "198.18.0.9", "198.18.0.9", 0, 1 },
		{ "v4 connected port 1", "198.18.1.200", "198.18.1.200", 1, 1 },
		{ "v4 via carve-out /26 beats connected /24", "198.18.0.130",
		  "198.18.1.4", 1, 0 },
		{ "v4 just past the /26", "198.18.0.192", "198.18.0.192", 0, 1 },
		{ "v4 /16 via", "198.19.200.1", "198.18.0.2", 0, 0 },
		{ "v4 /24 beats /16", "198.19.5.1", "198.18.1.3", 1, 0 },
		{ "v4 /32 host beats /24", "198.19.5.7", "198.18.0.3", 0, 0 },
		{ "v4 /32 neighbour .6 not host", "198.19.5.6", "198.18.1.3", 1, 0 },
		{ "v4 /32 neighbour .8 not host", "198.19.5.8", "198.18.1.3", 1, 0 },
		{ "v4 /25 connected inside /24", "198.19.5.200", "198.19.5.200", 1, 1 },
		{ "v4 default", "203.0.113.1", "198.18.0.254", 0, 0 },
		{ "v4 default, all-ones", "255.255.255.255", "198.18.0.254", 0, 0 },
		{ "v6 connected port 0", "2001:2::abcd", "2001:2::abcd", 0, 1 },
		{ "v6 connected port 1", "2001:2:0:1::5", "2001:2:0:1::5", 1, 1 },
		{ "v6 link-local connected", "fe80::99", "fe80::99", 1, 1 },
		{ "v6 /48 via", "2001:2:10:ffff::1", "2001:2::2", 0, 0 },
		{ "v6 /64 beats /48", "2001:2:10:5::1", "2001:2:0:1::9", 1, 0 },
		{ "v6 /128 host beats /64", "2001:2:10:5::7", "2001:2::3", 0, 0 },
		{ "v6 /128 neighbour ::6", "2001:2:10:5::6", "2001:2:0:1::9", 1, 0 },
		{ "v6 /65 connected upper half", "2001:2:10:5:8000::1",
		  "2001:2:10:5:8000::1", 0, 1 },
		{ "v6 /65 lower half stays /64", "2001:2:10:5:7fff::1",
		  "2001:2:0:1::9", 1, 0 },
		{ "v6 default via link-local", "2001:db8::1", "fe80::1", 1, 0 },
	};
	struct zdp_route_table *t = build(table, RTE_DIM(table), 64);
	size_t i;

	ZDP_REQUIRE(t != NULL);
	ZDP_CHECK_EQ(zdp_route_table_seal(t), 0);
	ZDP_CHECK_EQ(zdp_route_count(t), 16);	/* 5 connected from addresses + 11 */
	for (i = 0; i < RTE_DIM(cases); i++) {
		struct zdp_addr dst = A(cases[i].dst), want;
		struct zdp_route_nh nh;
		int rc;

		ZDP_CASE(cases[i].name);
		memset(&nh, 0xaa, sizeof(nh));
		rc = zdp_route_lookup(t, &dst, &nh);
		ZDP_CHECK_EQ(rc, 0);
		if (rc != 0)
			continue;
		want = A(cases[i].nh);
		ZDP_CHECK(zdp_addr_eq(&nh.addr, &want));
		ZDP_CHECK_EQ(nh.port, cases[i].port);
		ZDP_CHECK_EQ(nh.connected, cases[i].connected);
	}
	zdp_route_table_destroy(t);
}

static void
test_no_route(void)
{
	static const struct rt_def defs[] = {
		{ "198.18.0.1/24", "local", 0 },
	};
	struct zdp_route_table *t = build(defs, RTE_DIM(defs), 8);
	struct zdp_route_nh nh;
	struct zdp_addr a;

	ZDP_REQUIRE(t != NULL);
	ZDP_CHECK_EQ(zdp_route_table_seal(t), 0);
	ZDP_CASE("v4 outside every prefix, no default");
	a = A("198.20.0.1");
	ZDP_CHECK_EQ(zdp_route_lookup(t, &a, &nh), -ENETUNREACH);
	ZDP_CASE("v6 with no v6 routes at all");
	a = A("2001:2::1");
	ZDP_CHECK_EQ(zdp_route_lookup(t, &a, &nh), -ENETUNREACH);
	ZDP_CASE("family 0");
	memset(&a, 0, sizeof(a));
	ZDP_CHECK_EQ(zdp_route_lookup(t, &a, &nh), -EINVAL);
	ZDP_CASE("the local address itself routes as connected");
	a = A("198.18.0.1");
	ZDP_CHECK_EQ(zdp_route_lookup(t, &a, &nh), 0);
	ZDP_CHECK_EQ(nh.connected, 1);
	zdp_route_table_destroy(t);
}

static void
test_add_errors(void)
{
	struct zdp_route_table *t = zdp_route_table_create(SOCKET_ID_ANY, 4);
	struct zdp_prefix p;
	struct zdp_addr via;

	ZDP_REQUIRE(t != NULL);
	ZDP_CASE("connected");
	p = P("198.18.0.1/24");
	ZDP_CHECK_EQ(zdp_route_add_connected(t, 0, &p), 0);
	ZDP_CASE("same address twice");
	ZDP_CHECK_EQ(zdp_route_add_connected(t, 0, &p), -EEXIST);
	ZDP_CASE("second address, same subnet, same port: no new route");
	p = P("198.18.0.2/24");
	ZDP_CHECK_EQ(zdp_route_add_connected(t, 0, &p), 0);
	ZDP_CHECK_EQ(zdp_route_count(t), 1);
	ZDP_CASE("same subnet on another port");
	p = P("198.18.0.3/24");
	ZDP_CHECK_EQ(zdp_route_add_connected(t, 1, &p), -EEXIST);
	ZDP_CASE("duplicate prefix (host bits differ)");
	p = P("198.18.0.77/24");
	via = A("198.18.0.9");
	ZDP_CHECK_EQ(zdp_route_add(t, &p, &via, 0), -EEXIST);
	ZDP_CASE("prefix too long");
	p = P("198.19.0.0/16");
	p.len = 33;
	ZDP_CHECK_EQ(zdp_route_add(t, &p, &via, 0), -EINVAL);
	ZDP_CASE("family mismatch via");
	p = P("2001:2::/48");
	ZDP_CHECK_EQ(zdp_route_add(t, &p, &via, 0), -EINVAL);
	ZDP_CASE("fill up");
	p = P("198.19.0.0/16");
	ZDP_CHECK_EQ(zdp_route_add(t, &p, &via, 0), 0);
	p = P("198.20.0.0/16");
	ZDP_CHECK_EQ(zdp_route_add(t, &p, &via, 0), 0);
	p = P("0.0.0.0/0");
	ZDP_CHECK_EQ(zdp_route_add(t, &p, &via, 0), 0);
	p = P("198.21.0.0/16");
	ZDP_CHECK_EQ(zdp_route_add(t, &p, &via, 0), -ENOSPC);
	ZDP_CASE("seal, then no more changes");
	ZDP_CHECK_EQ(zdp_route_table_seal(t), 0);
	ZDP_CHECK_EQ(zdp_route_table_seal(t), 0);
	ZDP_CHECK_EQ(zdp_route_add(t, &p, &via, 0), -EPERM);
	p = P("198.18.7.1/24");
	ZDP_CHECK_EQ(zdp_route_add_connected(t, 0, &p), -EPERM);
	zdp_route_table_destroy(t);
	zdp_route_table_destroy(NULL);
}

static void
test_seal_offlink_gateway(void)
{
	static const struct rt_def defs[] = {
		{ "198.18.0.1/24", "local", 0 },
		{ "2001:2::1/64", "local", 0 },
		{ "198.19.0.0/16", "198.18.0.2", 0 },
		{ "198.20.0.0/16", "198.18.0.3", 1 },	/* wrong port */
	};
	struct zdp_route_table *t = build(defs, RTE_DIM(defs), 8);

	ZDP_REQUIRE(t != NULL);
	ZDP_CASE("gateway on another port's subnet");
	ZDP_CHECK_EQ(zdp_route_table_seal(t), -EHOSTUNREACH);
	ZDP_CHECK_EQ(zdp_route_table_error(t), 3);
	zdp_route_table_destroy(t);

	t = build(defs, 3, 8);
	ZDP_REQUIRE(t != NULL);
	ZDP_CASE("gateway is our own address");
	{
		struct zdp_prefix p = P("198.21.0.0/16");
		struct zdp_addr via = A("198.18.0.1");

		ZDP_CHECK_EQ(zdp_route_add(t, &p, &via, 0), 0);
		ZDP_CHECK_EQ(zdp_route_table_seal(t), -EHOSTUNREACH);
		ZDP_CHECK_EQ(zdp_route_table_error(t), 3);
	}
	zdp_route_table_destroy(t);
}

static void
test_onlink_local_src(void)
{
	struct zdp_route_table *t = build(table, RTE_DIM(table), 64);
	static const struct {
		const char *name, *a;
		uint16_t port;
		bool onlink;
	} cases[] = {
		{ "v4 neighbour on port 0", "198.18.0.5", 0, true },
		{ "v4 neighbour asked on port 1", "198.18.0.5", 1, false },
		{ "v4 our own address", "198.18.0.1", 0, false },
		{ "v4 carved-out via range", "198.18.0.130", 0, false },
		{ "v4 connected without address", "198.19.5.129", 1, true },
		{ "v4 remote", "198.19.1.1", 0, false },
		{ "v6 neighbour", "2001:2::42", 0, true },
		{ "v6 link-local on port 1", "fe80::1", 1, true },
		{ "v6 link-local on port 0", "fe80::1", 0, false },
		{ "v6 remote (default route)", "2001:db8::1", 1, false },
	};
	struct zdp_addr a, src;
	uint16_t port = 99;
	size_t i;

	ZDP_REQUIRE(t != NULL);
	ZDP_CHECK_EQ(zdp_route_table_seal(t), 0);
	for (i = 0; i < RTE_DIM(cases); i++) {
		ZDP_CASE(cases[i].name);
		a = A(cases[i].a);
		ZDP_CHECK_EQ(zdp_route_onlink(t, cases[i].port, &a), cases[i].onlink);
	}
	ZDP_CASE("local");
	a = A("2001:2:0:1::1");
	ZDP_CHECK(zdp_route_local(t, &a, &port));
	ZDP_CHECK_EQ(port, 1);
	a = A("2001:2:0:1::2");
	ZDP_CHECK(!zdp_route_local(t, &a, NULL));

	ZDP_CASE("src addr: matching subnet");
	a = A("198.18.1.77");
	ZDP_CHECK_EQ(zdp_route_src_addr(t, 1, &a, &src), 0);
	a = A("198.18.1.1");
	ZDP_CHECK(zdp_addr_eq(&src, &a));
	ZDP_CASE("src addr: v6 off-subnet target prefers link-local");
	a = A("fe80::1");
	ZDP_CHECK_EQ(zdp_route_src_addr(t, 1, &a, &src), 0);
	a = A("fe80::2");
	ZDP_CHECK(zdp_addr_eq(&src, &a));
	a = A("2001:2:10:5::9");
	ZDP_CHECK_EQ(zdp_route_src_addr(t, 1, &a, &src), 0);
	a = A("fe80::2");
	ZDP_CHECK(zdp_addr_eq(&src, &a));
	ZDP_CASE("src addr: no address on port");
	a = A("198.18.1.77");
	ZDP_CHECK_EQ(zdp_route_src_addr(t, 7, &a, &src), -EADDRNOTAVAIL);
	zdp_route_table_destroy(t);
}

static void
test_many_tables_unique_names(void)
{
	struct zdp_route_table *t[2];
	struct zdp_route_nh nh;
	struct zdp_addr a = A("198.19.5.7");
	int i;

	/* Old and new snapshots coexist during an RCU grace period. */
	for (i = 0; i < 2; i++) {
		t[i] = build(table, RTE_DIM(table), 32);
		ZDP_CHECK(t[i] != NULL);
	}
	for (i = 0; i < 2; i++) {
		if (t[i] == NULL)
			continue;
		ZDP_CHECK_EQ(zdp_route_lookup(t[i], &a, &nh), 0);
		zdp_route_table_destroy(t[i]);
	}
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_lpm_correctness),
	ZDP_TEST_ENTRY(test_no_route),
	ZDP_TEST_ENTRY(test_add_errors),
	ZDP_TEST_ENTRY(test_seal_offlink_gateway),
	ZDP_TEST_ENTRY(test_onlink_local_src),
	ZDP_TEST_ENTRY(test_many_tables_unique_names),
	{ 0 },
};

int
main(void)
{
	return zdp_test_eal_main("zdp_test_route", "info", tests);
}
