/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_test.h — a tiny table-driven test harness that prints TAP.
 *
 * Usage:
 *   static void test_foo(void) { ZDP_CHECK(1 + 1 == 2); ZDP_CHECK_EQ(x, 3); }
 *   static const struct zdp_test tests[] = { ZDP_TEST_ENTRY(test_foo), {0} };
 *   int main(void) { return zdp_test_main(tests); }
 *
 * Each entry is one TAP test point ("ok 3 - test_foo"); a failed check
 * prints a diagnostic with file:line and marks the entry failed, but the
 * entry keeps running so one run shows every failure. Table-driven cases
 * inside one entry should name themselves with ZDP_CASE("...") so a
 * diagnostic says which row broke. Exit status is non-zero on any failure.
 * .ci/run counts the "ok"/"not ok" lines across all test binaries.
 */
#ifndef ZDP_TEST_H
#define ZDP_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct zdp_test {
	const char *name;
	void (*fn)(void);
};

#define ZDP_TEST_ENTRY(fn) { #fn, fn }

static int zdp_test_failed_;
static const char *zdp_test_case_;

#define ZDP_CASE(name) (zdp_test_case_ = (name))

#define ZDP_FAIL_(...) do {						\
	zdp_test_failed_ = 1;						\
	printf("# %s:%d: %s%s", __FILE__, __LINE__,			\
	       zdp_test_case_ ? zdp_test_case_ : "",			\
	       zdp_test_case_ ? ": " : "");				\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

#define ZDP_CHECK(cond) do {						\
	if (!(cond))							\
		ZDP_FAIL_("check failed: %s", #cond);			\
} while (0)

#define ZDP_CHECK_EQ(a, b) do {						\
	long long za_ = (long long)(a), zb_ = (long long)(b);		\
	if (za_ != zb_)							\
		ZDP_FAIL_("%s == %s: %lld != %lld", #a, #b, za_, zb_);	\
} while (0)

#define ZDP_CHECK_STR(a, b) do {					\
	const char *za_ = (a), *zb_ = (b);				\
	if (za_ == NULL || zb_ == NULL || strcmp(za_, zb_) != 0)	\
		ZDP_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b,		\
			  za_ ? za_ : "(null)", zb_ ? zb_ : "(null)");	\
} while (0)

/* Stop the current entry (for setup failures that make the rest moot). */
#define ZDP_REQUIRE(cond) do {						\
	if (!(cond)) {							\
		ZDP_FAIL_("required: %s", #cond);			\
		return;							\
	}								\
} while (0)

static inline int
zdp_test_main(const struct zdp_test *tests)
{
	int n = 0, bad = 0, i;
	const char *only = getenv("ZDP_TEST_ONLY");

	for (i = 0; tests[i].name; i++)
		if (!only || strcmp(only, tests[i].name) == 0)
			n++;
	printf("1..%d\n", n);
	n = 0;
	for (i = 0; tests[i].name; i++) {
		if (only && strcmp(only, tests[i].name) != 0)
			continue;
		zdp_test_failed_ = 0;
		zdp_test_case_ = NULL;
		tests[i].fn();
		n++;
		printf("%sok %d - %s\n", zdp_test_failed_ ? "not " : "", n, tests[i].name);
		fflush(stdout);
		bad += zdp_test_failed_;
	}
	return bad ? 1 : 0;
}

#endif /* ZDP_TEST_H */
