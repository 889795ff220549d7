/* SPDX-License-Identifier: BSD-3-Clause */
#include "zdp_addr.h"
#include "zdp_test.h"

static void
test_prefix_parse_and_contains(void)
{
	static const struct {
		const char *prefix, *addr;
		int parse_ok, inside;
	} cases[] = {
		{ "198.18.0.0/15", "198.19.255.255", 1, 1 },
		{ "198.18.0.0/15", "198.20.0.1", 1, 0 },
		{ "198.18.0.1", "198.18.0.1", 1, 1 },
		{ "0.0.0.0/0", "203.0.113.1", 1, 1 },
		{ "2001:2::/48", "2001:2:0:ffff::1", 1, 1 },
		{ "2001:2::/48", "2001:3::1", 1, 0 },
		{ "2001:2::/48", "198.18.0.1", 1, 0 },
		{ "198.18.0.0/33", NULL, 0, 0 },
		{ "198.18.0.0/", NULL, 0, 0 },
		{ "198.18.0.0/1x", NULL, 0, 0 },
		{ "not-an-ip/8", NULL, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct zdp_prefix p;
		struct zdp_addr a;
		ZDP_CASE(cases[i].prefix);
		int rc = zdp_prefix_parse(cases[i].prefix, &p);
		ZDP_CHECK_EQ(rc == 0, cases[i].parse_ok);
		if (rc || !cases[i].addr)
			continue;
		ZDP_CHECK_EQ(zdp_addr_parse(cases[i].addr, &a), 0);
		ZDP_CHECK_EQ(zdp_prefix_contains(&p, &a), cases[i].inside);
	}
}

static void
test_addr_fmt_roundtrip(void)
{
	const char *in[] = { "198.18.10.1", "2001:2::1", "2001:2:0:1::ab" };
	for (size_t i = 0; i < 3; i++) {
		struct zdp_addr a;
		char buf[64];
		ZDP_CASE(in[i]);
		ZDP_CHECK_EQ(zdp_addr_parse(in[i], &a), 0);
		ZDP_CHECK_STR(zdp_addr_fmt(&a, buf, sizeof(buf)), in[i]);
	}
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_prefix_parse_and_contains),
	ZDP_TEST_ENTRY(test_addr_fmt_roundtrip),
	{ 0 },
};

int
main(void)
{
	return zdp_test_main(tests);
}
