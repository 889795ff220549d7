/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_addr.h — IPv4/IPv6 addresses and prefixes shared by every module.
 *
 * Addresses are stored in network byte order, IPv4 in the first 4 bytes of
 * the 16-byte array (the rest zero), so one struct serves both families and
 * compares with memcmp. No DPDK dependency: lb/, mgmt/ and tests use it too.
 */
#ifndef ZDP_ADDR_H
#define ZDP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ZDP_AF_INET  4
#define ZDP_AF_INET6 6

struct zdp_addr {
	uint8_t family;		/* ZDP_AF_INET or ZDP_AF_INET6; 0 = unset */
	uint8_t pad[3];
	uint8_t a[16];		/* network byte order; IPv4 uses a[0..3] */
};

struct zdp_prefix {
	struct zdp_addr addr;
	uint8_t len;		/* prefix length in bits */
};

static inline bool
zdp_addr_eq(const struct zdp_addr *x, const struct zdp_addr *y)
{
	return x->family == y->family && memcmp(x->a, y->a, 16) == 0;
}

/* Whole-width stores (family + pad as one word, the 16 address bytes as
 * one vector): the address is read back at once by hashes and compares
 * (8- and 16-byte loads), and store forwarding serves a load only from one
 * store that covers it; a memset and a 4-byte copy would stall each such
 * load until the stores retire. */
static inline void
zdp_addr_set_v4(struct zdp_addr *x, uint32_t be_addr)
{
	typedef uint64_t zdp_u64x2 __attribute__((vector_size(16)));
	const uint32_t head = ZDP_AF_INET;	/* family, pad[3] = 0 (little endian) */
	zdp_u64x2 v = { be_addr, 0 };

	_Static_assert(offsetof(struct zdp_addr, a) == 4 &&
		       __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "family + pad is one word");
	memcpy(x, &head, sizeof(head));
	memcpy(x->a, &v, sizeof(v));
}

static inline uint32_t
zdp_addr_v4(const struct zdp_addr *x)
{
	uint32_t v;

	memcpy(&v, x->a, 4);
	return v;	/* network byte order */
}

static inline void
zdp_addr_set_v6(struct zdp_addr *x, const uint8_t v6[16])
{
	memset(x, 0, sizeof(*x));
	x->family = ZDP_AF_INET6;
	memcpy(x->a, v6, 16);
}

/* True when @x lies inside @p (same family, first p->len bits equal). */
static inline bool
zdp_prefix_contains(const struct zdp_prefix *p, const struct zdp_addr *x)
{
	unsigned bits = p->len, i;

	if (p->addr.family != x->family)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (p->addr.a[i] != x->a[i])
			return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));
		if ((p->addr.a[i] ^ x->a[i]) & mask)
			return false;
	}
	return true;
}

/* Text forms, implemented in zdp_addr.c (no DPDK). Return 0 or -EINVAL. */
int zdp_addr_parse(const char *s, struct zdp_addr *out);
/* "198.18.0.0/15" or "2001:2::/48"; a bare address gets a full-length prefix. */
int zdp_prefix_parse(const char *s, struct zdp_prefix *out);
/* Writes "198.18.0.1" or "2001:2::1"; returns @buf. @len >= 46 always fits. */
const char *zdp_addr_fmt(const struct zdp_addr *x, char *buf, size_t len);

#endif /* ZDP_ADDR_H */
