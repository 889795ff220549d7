/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ring_dev.h"

bool
zdp_ring_dev_is(const char *device)
{
	return strncmp(device, ZDP_RING_DEV_PREFIX, sizeof(ZDP_RING_DEV_PREFIX) - 1) == 0;
}

/* "xx:xx:xx:xx:xx:xx", hex, exactly; unicast (I/G bit clear). */
static bool
parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++, s++) {
			char ch = *s;

			if (ch >= '0' && ch <= '9')
				v = v * 16 + (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				v = v * 16 + (unsigned)(ch - 'a' + 10);
			else if (ch >= 'A' && ch <= 'F')
				v = v * 16 + (unsigned)(ch - 'A' + 10);
			else
				return false;
		}
		if (*s != (i == 5 ? '\0' : ':'))
			return false;
		s += i < 5;
		mac[i] = (uint8_t)v;
	}
	return (mac[0] & 1) == 0;
}

int
zdp_ring_dev_parse(const char *device, struct zdp_ring_dev *out, char *err, size_t errlen)
{
	const char *s = device + sizeof(ZDP_RING_DEV_PREFIX) - 1;
	size_t n = strcspn(s, ",");
	bool have_mac = false;

	memset(out, 0, sizeof(*out));
	if (!zdp_ring_dev_is(device) || n == 0 || n > ZDP_RING_NAME_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") < n) {
		snprintf(err, errlen, "ring name must be 1 to %d characters from A-Z a-z 0-9 -",
			 ZDP_RING_NAME_MAX);
		return -EINVAL;
	}
	memcpy(out->name, s, n);
	for (s += n; *s == ','; s += n) {
		char kv[64];

		s++;
		n = strcspn(s, ",");
		if (n >= sizeof(kv)) {
			snprintf(err, errlen, "option too long");
			return -EINVAL;
		}
		memcpy(kv, s, n);
		kv[n] = '\0';
		if (strncmp(kv, "mac=", 4) == 0 && parse_mac(kv + 4, out->mac)) {
			have_mac = true;
		} else if (strcmp(kv, "checksum=peer") == 0) {
			out->csum_peer = true;
		} else if (strcmp(kv, "checksum=software") == 0) {
			out->csum_peer = false;
		} else if (strcmp(kv, "segmentation=peer") == 0) {
			out->seg_peer = true;
		} else if (strcmp(kv, "segmentation=none") == 0) {
			out->seg_peer = false;
		} else {
			snprintf(err, errlen, "bad option '%s' (mac=UNICAST-MAC, "
				 "checksum=software|peer, segmentation=none|peer)", kv);
			return -EINVAL;
		}
	}
	if (!have_mac) {
		snprintf(err, errlen, "needs mac= (a ring has no address of its own)");
		return -EINVAL;
	}
	if (out->seg_peer && !out->csum_peer) {
		/* a NIC that segments fills each segment's checksums */
		snprintf(err, errlen, "segmentation=peer needs checksum=peer");
		return -EINVAL;
	}
	return 0;
}
