/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_hash.h>

#include "snapshot.h"

/*
 * The VIP hash holds two kinds of keys: full VIP:port/proto keys whose data
 * is (index + 1), and address-only keys (port 0, proto 0) with data 0 that
 * say "this address is a VIP" (zdp answers ICMP echo for it).
 */
static inline void
vip_key_fill(struct zdp_vip_key *k, const struct zdp_addr *a, uint16_t be_port,
	     uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, a->a, 16);
	k->port = be_port;
	k->proto = proto;
	k->family = a->family;
}

const struct zdp_vip *
zdp_snapshot_vip_lookup(const struct zdp_snapshot *s, const struct zdp_addr *dst,
			uint16_t be_port, uint8_t proto)
{
	struct zdp_vip_key k;
	void *data;

	vip_key_fill(&k, dst, be_port, proto);
	if (rte_hash_lookup_data(s->vip_hash, &k, &data) < 0 || data == NULL)
		return NULL;
	return &s->vips[(uintptr_t)data - 1];
}

bool
zdp_snapshot_is_vip_addr(const struct zdp_snapshot *s, const struct zdp_addr *dst)
{
	struct zdp_vip_key k;

	vip_key_fill(&k, dst, 0, 0);
	return rte_hash_lookup(s->vip_hash, &k) >= 0;
}

int
zdp_snapshot_local_lookup(const struct zdp_snapshot *s, const struct zdp_addr *a)
{
	for (uint32_t i = 0; i < s->n_local; i++)
		if (zdp_addr_eq(&s->local[i].pfx.addr, a))
			return (int)i;
	return -1;
}
