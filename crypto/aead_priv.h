/* SPDX-License-Identifier: BSD-3-Clause
 * aead_priv.h — the engine struct shared by the AEAD backends (private).
 */
#ifndef ZDP_AEAD_PRIV_H
#define ZDP_AEAD_PRIV_H

#include "zdp_aead.h"

struct rte_mempool;

struct zdp_aead_engine {
	const struct zdp_aead_ops *ops;
	/* ipsec-mb */
	void *imb;		/* IMB_MGR * */
	/* cryptodev */
	int dev_id;
	uint16_t qp_id;
	struct rte_mempool *op_pool;
	struct rte_mempool *sess_pool;
	struct rte_mempool *mbuf_pool;	/* header-only mbufs wrapping segments */
	char pool_tag[16];
};

#endif
