/* SPDX-License-Identifier: BSD-3-Clause
 * ring_dev.h — the "ring:" port device string (docs/config.md), parsed
 * without DPDK so --check-config reports its errors with the others.
 *
 *   ring:NAME,mac=MAC[,checksum=software|peer][,segmentation=none|peer]
 */
#ifndef ZDP_RING_DEV_H
#define ZDP_RING_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZDP_RING_DEV_PREFIX	"ring:"
#define ZDP_RING_NAME_MAX	16	/* characters of NAME */

struct zdp_ring_dev {
	char name[ZDP_RING_NAME_MAX + 1];
	uint8_t mac[6];
	bool csum_peer;		/* checksum=peer */
	bool seg_peer;		/* segmentation=peer: TSO and LRO by the peer */
};

/* Whether @device names a ring port (starts with "ring:"). */
bool zdp_ring_dev_is(const char *device);

/* Parse @device into @out. Returns 0, or -EINVAL with a one-line reason in
 * @err (without the device string itself). */
int zdp_ring_dev_parse(const char *device, struct zdp_ring_dev *out, char *err, size_t errlen);

#endif
