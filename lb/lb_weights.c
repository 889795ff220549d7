/* SPDX-License-Identifier: BSD-3-Clause
 * lb_weights.c — mgmt side: canary weight sets (route weight x endpoint
 * capacity) to one integer weight per endpoint. Contract in zdp_lb.h.
 *
 * Why not route_weight * capacity: a 90/10 route over a service with
 * capacities {1, 1, 2} and one with {1, 3} would then split by 360/40 and
 * the capacity sums would leak into the canary split. Each group's share
 * must be divided by its own capacity sum; the lcm of the sums makes that
 * division exact in integers.
 */
#include <errno.h>
#include <stdlib.h>

#include "zdp_lb.h"

__extension__ typedef unsigned __int128 lb_u128;

static lb_u128
lb_gcd(lb_u128 a, lb_u128 b)
{
	while (b != 0) {
		lb_u128 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static unsigned
lb_bits(lb_u128 v)
{
	unsigned n = 0;

	while (v) {
		v >>= 1;
		n++;
	}
	return n;
}

int
zdp_lb_weights_combine(const uint32_t *group_weight, size_t n_groups,
		       const size_t *group, const uint32_t *capacity, size_t n,
		       uint64_t *out)
{
	uint64_t *capsum;
	lb_u128 lcm = 1, max = 0, g = 0;
	int exact = 1;
	unsigned shift;
	size_t i;

	if ((n > 0 && (group == NULL || capacity == NULL || out == NULL)) ||
	    (n_groups > 0 && group_weight == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (group[i] >= n_groups)
			return -EINVAL;
	if (n == 0)
		return 0;

	capsum = calloc(n_groups, sizeof(*capsum));
	if (capsum == NULL)
		return -ENOMEM;
	/* n * 2^32 cannot overflow 64 bits for any n that fits in memory. */
	for (i = 0; i < n; i++)
		capsum[group[i]] += capacity[i];
	for (i = 0; i < n_groups && exact; i++) {
		if (group_weight[i] == 0 || capsum[i] == 0)
			continue;
		lcm = lcm / lb_gcd(lcm, capsum[i]) * capsum[i];
		if (lcm > UINT64_MAX)
			exact = 0;
	}

	/* Exact: w * cap * (lcm / capsum) < 2^32 * 2^32 * 2^64. */
	for (i = 0; exact && i < n; i++) {
		uint64_t cs = capsum[group[i]];
		lb_u128 v = 0;

		if (cs != 0)
			v = (lb_u128)group_weight[group[i]] * capacity[i] * (lcm / cs);
		if (v > UINT64_MAX)
			exact = 0;
		else
			out[i] = (uint64_t)v;
	}
	if (exact) {
		for (i = 0; i < n; i++)
			g = lb_gcd(g, out[i]);
		for (i = 0; g > 1 && i < n; i++)
			out[i] = (uint64_t)(out[i] / g);
		free(capsum);
		return 0;
	}

	/* Fixed point: (w * cap << 32) / capsum < 2^96, then one common
	 * right shift so the largest fits 64 bits. */
	for (i = 0; i < n; i++) {
		uint64_t cs = capsum[group[i]];
		lb_u128 v = 0;

		if (cs != 0)
			v = ((lb_u128)group_weight[group[i]] * capacity[i] << 32) / cs;
		if (v > max)
			max = v;
	}
	shift = lb_bits(max) > 64 ? lb_bits(max) - 64 : 0;
	for (i = 0; i < n; i++) {
		uint64_t cs = capsum[group[i]];
		lb_u128 v = 0;

		if (cs != 0)
			v = ((lb_u128)group_weight[group[i]] * capacity[i] << 32) / cs;
		out[i] = (uint64_t)(v >> shift);
		if (out[i] == 0 && v != 0)
			out[i] = 1;
	}
	free(capsum);
	return 0;
}
