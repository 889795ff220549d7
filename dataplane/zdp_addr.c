/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "zdp_addr.h"

int
zdp_addr_parse(const char *s, struct zdp_addr *out)
{
	uint8_t buf[16];

	if (s == NULL)
		return -EINVAL;
	if (inet_pton(AF_INET, s, buf) == 1) {
		uint32_t v;
		memcpy(&v, buf, 4);
		zdp_addr_set_v4(out, v);
		return 0;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		zdp_addr_set_v6(out, buf);
		return 0;
	}
	return -EINVAL;
}

int
zdp_prefix_parse(const char *s, struct zdp_prefix *out)
{
	char tmp[64];
	const char *slash;
	unsigned max;
	char *end;
	long len;

	if (s == NULL || strlen(s) >= sizeof(tmp))
		return -EINVAL;
	slash = strchr(s, '/');
	if (slash == NULL) {
		if (zdp_addr_parse(s, &out->addr) < 0)
			return -EINVAL;
		out->len = out->addr.family == ZDP_AF_INET ? 32 : 128;
		return 0;
	}
	memcpy(tmp, s, (size_t)(slash - s));
	tmp[slash - s] = '\0';
	if (zdp_addr_parse(tmp, &out->addr) < 0)
		return -EINVAL;
	max = out->addr.family == ZDP_AF_INET ? 32 : 128;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno || *end != '\0' || end == slash + 1 || len < 0 || (unsigned long)len > max)
		return -EINVAL;
	out->len = (uint8_t)len;
	return 0;
}

const char *
zdp_addr_fmt(const struct zdp_addr *x, char *buf, size_t len)
{
	if (x->family == ZDP_AF_INET)
		inet_ntop(AF_INET, x->a, buf, (socklen_t)len);
	else if (x->family == ZDP_AF_INET6)
		inet_ntop(AF_INET6, x->a, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
	return buf;
}
