/* SPDX-License-Identifier: BSD-3-Clause
 * symhash.h — the direction-independent hash that decides which worker owns
 * a flow (DESIGN.md "Both directions of a flow on one core").
 *
 * It is the Toeplitz hash a NIC computes with zdp's symmetric RSS key
 * (port.c), over the same fields: IPv4/IPv6 addresses plus TCP/UDP ports.
 * Because the key repeats every 16 bits, swapping (src, sport) with
 * (dst, dport) gives the same value, so a reply hashes like its request.
 * Software uses it (a) to hand packets to their owner when a device does not
 * do symmetric RSS (net_tap, net_memif), and (b) to pick NAT source ports
 * whose replies come back to the worker that created the binding.
 */
#ifndef ZDP_SYMHASH_H
#define ZDP_SYMHASH_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_thash.h>

#include "port.h"
#include "zdp_addr.h"


/* @sport/@dport in network order. Ports are hashed only for TCP and UDP. */
static inline uint32_t
zdp_symhash(const struct zdp_addr *src, const struct zdp_addr *dst, uint16_t sport,
	    uint16_t dport, uint8_t proto)
{
	uint32_t t[10];
	uint32_t n;
	int l4 = proto == 6 || proto == 17;

	if (src->family == ZDP_AF_INET) {
		memcpy(&t[0], src->a, 4);
		memcpy(&t[1], dst->a, 4);
		t[0] = rte_be_to_cpu_32(t[0]);
		t[1] = rte_be_to_cpu_32(t[1]);
		n = 2;
	} else {
		for (int i = 0; i < 4; i++) {
			memcpy(&t[i], src->a + 4 * i, 4);
			memcpy(&t[4 + i], dst->a + 4 * i, 4);
			t[i] = rte_be_to_cpu_32(t[i]);
			t[4 + i] = rte_be_to_cpu_32(t[4 + i]);
		}
		n = 8;
	}
	if (l4)
		t[n++] = ((uint32_t)rte_be_to_cpu_16(sport) << 16) | rte_be_to_cpu_16(dport);
	return rte_softrss(t, n, zdp_rss_symmetric_key);
}

#endif /* ZDP_SYMHASH_H */
