/* SPDX-License-Identifier: BSD-3-Clause
 * lb_maglev_lookup.c — worker side: staged bulk lookup. The single lookup
 * is static inline in zdp_lb_lookup.h.
 */
#include "zdp_lb_lookup.h"

/* Prefetch this many slots ahead of the loads: enough to cover a DRAM
 * miss at a few cycles per lookup, small enough to stay in L1 MSHRs. */
#define LB_PREFETCH_AHEAD 8

void
zdp_lb_table_lookup_bulk(const struct zdp_lb_table *t, const uint32_t *hash,
			 uint32_t *out, unsigned n)
{
	unsigned i;

	if (t == NULL) {
		for (i = 0; i < n; i++)
			out[i] = ZDP_LB_NONE;
		return;
	}
	for (i = 0; i < n && i < LB_PREFETCH_AHEAD; i++)
		__builtin_prefetch(zdp_lb_table_slot_(t, hash[i]), 0, 0);
	for (i = 0; i < n; i++) {
		if (i + LB_PREFETCH_AHEAD < n)
			__builtin_prefetch(zdp_lb_table_slot_(t, hash[i + LB_PREFETCH_AHEAD]), 0, 0);
		out[i] = zdp_lb_table_lookup(t, hash[i]);
	}
}
