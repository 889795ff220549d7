/* SPDX-License-Identifier: BSD-3-Clause
 * aead_cryptodev.c — AES-GCM through a DPDK cryptodev (hardware offload path).
 *
 * Here it runs on the software crypto_aesni_gcm vdev (DPDK 22.11's ipsec_mb
 * PMD), which makes the path testable without an accelerator. The engine
 * owns one device with one queue pair: a worker that wants offload creates
 * its own engine on its own device (or queue pair of a shared device).
 *
 * The interface above is synchronous: a record is enqueued and the queue
 * pair polled until it comes back. For a software PMD that is immediate; on
 * real hardware the poll is bounded (ZDP_CDEV_POLL_MAX) and a timeout is a
 * hard -EIO, never a hang. A batched asynchronous path is future work.
 *
 * Segments are wrapped without copying: header-only mbufs (data room 0) from
 * the engine's pool have their buffer pointers aimed at each segment for the
 * duration of one operation and restored afterwards. Their IOVA is the
 * virtual address: right for software PMDs and for hardware with
 * --iova-mode=va (IOMMU); IOVA-as-PA hardware would need the mbufs' own
 * buf_iova passed down (not done). IV, AAD and tag use the op's private
 * area, whose IOVA DPDK knows.
 *
 * cryptodev sessions are direction- and AAD-length specific, so a key holds
 * an encrypt and a decrypt session and re-creates both when a caller uses a
 * different AAD length (TLS 1.3 always uses 5; only test vectors vary).
 */
/* rte_cryptodev_sym_session_pool_create is still "experimental" in 22.11. */
#define ALLOW_EXPERIMENTAL_API 1

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_crypto.h>
#include <rte_cryptodev.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pause.h>

#include "aead_priv.h"

#define ZDP_CDEV_IV_OFFSET (sizeof(struct rte_crypto_op) + sizeof(struct rte_crypto_sym_op))
#define ZDP_CDEV_AAD_OFFSET (ZDP_CDEV_IV_OFFSET + 16)
#define ZDP_CDEV_AAD_MAX 64
#define ZDP_CDEV_TAG_OFFSET (ZDP_CDEV_AAD_OFFSET + ZDP_CDEV_AAD_MAX)
#define ZDP_CDEV_MAX_SEGS 256
#define ZDP_CDEV_POLL_MAX 100000000u
#define ZDP_CDEV_NB_SESS 1024

/* Per-key state kept in zdp_aead_key.priv. */
struct cdev_key {
	void *enc;
	void *dec;
	unsigned aad_len;
	uint8_t key[ZDP_AEAD_KEY_MAX];
	unsigned key_len;
};

_Static_assert(sizeof(struct cdev_key) <= ZDP_AEAD_KEY_PRIV, "cdev_key too big");

static unsigned cdev_engine_seq;

static int
cdev_engine_init(struct zdp_aead_engine *e, const char *arg)
{
	const char *name = arg && *arg ? arg : "crypto_aesni_gcm0";
	struct rte_cryptodev_config conf;
	struct rte_cryptodev_qp_conf qp;
	struct rte_cryptodev_info info;
	char pname[RTE_MEMPOOL_NAMESIZE];
	int dev, socket;
	unsigned sess_sz;

	/* The EAL must be up (the caller's job): before rte_eal_init there are
	 * no lcores and no device buses. */
	if (rte_lcore_count() == 0)
		return -ENODEV;
	dev = rte_cryptodev_get_dev_id(name);
	if (dev < 0) {
		if (rte_vdev_init(name, NULL) != 0)
			return -ENODEV;
		dev = rte_cryptodev_get_dev_id(name);
		if (dev < 0)
			return -ENODEV;
	}
	rte_cryptodev_info_get(dev, &info);
	/* Chained (scatter-gather) in-place data is required: records arrive
	 * in mbuf chains. */
	if (!(info.feature_flags & RTE_CRYPTODEV_FF_IN_PLACE_SGL))
		return -ENOTSUP;
	socket = rte_cryptodev_socket_id(dev);
	if (socket < 0)
		socket = 0;
	e->dev_id = dev;
	e->qp_id = 0;
	snprintf(e->pool_tag, sizeof(e->pool_tag), "zdpc%u", __atomic_fetch_add(&cdev_engine_seq, 1, __ATOMIC_RELAXED));

	memset(&conf, 0, sizeof(conf));
	conf.socket_id = socket;
	conf.nb_queue_pairs = 1;
	if (rte_cryptodev_configure(dev, &conf) != 0)
		return -EIO;
	sess_sz = rte_cryptodev_sym_get_private_session_size(dev);
	snprintf(pname, sizeof(pname), "%s_sess", e->pool_tag);
	e->sess_pool = rte_cryptodev_sym_session_pool_create(pname, ZDP_CDEV_NB_SESS, sess_sz, 0, 0, socket);
	if (e->sess_pool == NULL)
		goto fail;
	memset(&qp, 0, sizeof(qp));
	qp.nb_descriptors = 128;
	qp.mp_session = e->sess_pool;
	if (rte_cryptodev_queue_pair_setup(dev, 0, &qp, socket) != 0)
		goto fail;
	snprintf(pname, sizeof(pname), "%s_op", e->pool_tag);
	e->op_pool = rte_crypto_op_pool_create(pname, RTE_CRYPTO_OP_TYPE_SYMMETRIC, 256, 0,
					       16 + ZDP_CDEV_AAD_MAX + ZDP_AEAD_TAG_LEN, socket);
	if (e->op_pool == NULL)
		goto fail;
	snprintf(pname, sizeof(pname), "%s_mb", e->pool_tag);
	e->mbuf_pool = rte_pktmbuf_pool_create(pname, 2 * ZDP_CDEV_MAX_SEGS, 0, 0, 0, socket);
	if (e->mbuf_pool == NULL)
		goto fail;
	if (rte_cryptodev_start(dev) != 0)
		goto fail;
	return 0;
fail:
	rte_mempool_free(e->mbuf_pool);
	rte_mempool_free(e->op_pool);
	rte_mempool_free(e->sess_pool);
	e->mbuf_pool = e->op_pool = e->sess_pool = NULL;
	return -EIO;
}

static void
cdev_engine_fini(struct zdp_aead_engine *e)
{
	if (e->dev_id >= 0) {
		rte_cryptodev_stop((uint8_t)e->dev_id);
		rte_cryptodev_close((uint8_t)e->dev_id);
	}
	rte_mempool_free(e->mbuf_pool);
	rte_mempool_free(e->op_pool);
	rte_mempool_free(e->sess_pool);
}

static void
cdev_sessions_free(struct zdp_aead_key *k)
{
	struct cdev_key *ck = (struct cdev_key *)k->priv;
	uint8_t dev = (uint8_t)k->eng->dev_id;

	if (ck->enc)
		rte_cryptodev_sym_session_free(dev, ck->enc);
	if (ck->dec)
		rte_cryptodev_sym_session_free(dev, ck->dec);
	ck->enc = ck->dec = NULL;
}

static int
cdev_sessions_make(struct zdp_aead_key *k, unsigned aad_len)
{
	struct cdev_key *ck = (struct cdev_key *)k->priv;
	struct rte_crypto_sym_xform x;
	uint8_t dev = (uint8_t)k->eng->dev_id;

	cdev_sessions_free(k);
	memset(&x, 0, sizeof(x));
	x.type = RTE_CRYPTO_SYM_XFORM_AEAD;
	x.aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
	x.aead.key.data = ck->key;
	x.aead.key.length = (uint16_t)ck->key_len;
	x.aead.iv.offset = ZDP_CDEV_IV_OFFSET;
	x.aead.iv.length = ZDP_AEAD_NONCE_LEN;
	x.aead.digest_length = ZDP_AEAD_TAG_LEN;
	x.aead.aad_length = (uint16_t)aad_len;
	x.aead.op = RTE_CRYPTO_AEAD_OP_ENCRYPT;
	ck->enc = rte_cryptodev_sym_session_create(dev, &x, k->eng->sess_pool);
	x.aead.op = RTE_CRYPTO_AEAD_OP_DECRYPT;
	ck->dec = rte_cryptodev_sym_session_create(dev, &x, k->eng->sess_pool);
	if (ck->enc == NULL || ck->dec == NULL) {
		cdev_sessions_free(k);
		return -ENOMEM;
	}
	ck->aad_len = aad_len;
	return 0;
}

static int
cdev_key_init(struct zdp_aead_key *k, const uint8_t *key, unsigned key_len)
{
	struct cdev_key *ck = (struct cdev_key *)k->priv;

	if (k->live)
		cdev_sessions_free(k);
	else
		memset(ck, 0, sizeof(*ck));
	memcpy(ck->key, key, key_len);
	ck->key_len = key_len;
	/* TLS 1.3 records carry a 5-byte AAD (RFC 8446 §5.2). */
	return cdev_sessions_make(k, 5);
}

static void
cdev_key_fini(struct zdp_aead_key *k)
{
	cdev_sessions_free(k);
}

static int
cdev_run(struct zdp_aead_key *k, int enc, const uint8_t *nonce,
	 const uint8_t *aad, unsigned aad_len,
	 const struct zdp_aead_seg *segs, unsigned nsegs, uint8_t *tag)
{
	struct zdp_aead_engine *e = k->eng;
	struct cdev_key *ck = (struct cdev_key *)k->priv;
	struct rte_mbuf *mb[ZDP_CDEV_MAX_SEGS];
	void *saved_addr[ZDP_CDEV_MAX_SEGS];
	rte_iova_t saved_iova[ZDP_CDEV_MAX_SEGS];
	uint16_t saved_len[ZDP_CDEV_MAX_SEGS];
	struct rte_crypto_op *op, *done = NULL;
	uint32_t total = 0;
	unsigned i, used = 0, polls = 0;
	int rc = 0;

	if (aad_len > ZDP_CDEV_AAD_MAX || nsegs > ZDP_CDEV_MAX_SEGS)
		return -EINVAL;
	if (aad_len != ck->aad_len) {
		rc = cdev_sessions_make(k, aad_len);
		if (rc < 0)
			return rc;
	}
	/* Zero-length segments add nothing and a zero-length mbuf in the
	 * middle of a chain confuses some PMDs: drop them. */
	for (i = 0; i < nsegs; i++)
		if (segs[i].len > UINT16_MAX)
			return -EINVAL;
	op = rte_crypto_op_alloc(e->op_pool, RTE_CRYPTO_OP_TYPE_SYMMETRIC);
	if (op == NULL)
		return -ENOMEM;
	for (i = 0; i < nsegs; i++) {
		struct rte_mbuf *m;

		if (segs[i].len == 0)
			continue;
		m = rte_pktmbuf_alloc(e->mbuf_pool);
		if (m == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		saved_addr[used] = m->buf_addr;
		saved_iova[used] = m->buf_iova;
		saved_len[used] = m->buf_len;
		m->buf_addr = segs[i].base;
		m->buf_iova = (rte_iova_t)(uintptr_t)segs[i].base;
		m->buf_len = (uint16_t)segs[i].len;
		m->data_off = 0;
		m->data_len = (uint16_t)segs[i].len;
		if (used)
			mb[used - 1]->next = m;
		mb[used++] = m;
		total += segs[i].len;
	}
	if (used == 0) {
		/* Empty plaintext: the PMD still needs an mbuf to hang the op on. */
		struct rte_mbuf *m = rte_pktmbuf_alloc(e->mbuf_pool);

		if (m == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		saved_addr[0] = m->buf_addr;
		saved_iova[0] = m->buf_iova;
		saved_len[0] = m->buf_len;
		mb[used++] = m;
	}
	mb[0]->nb_segs = (uint16_t)used;
	mb[0]->pkt_len = total;

	rte_crypto_op_attach_sym_session(op, enc ? ck->enc : ck->dec);
	op->sym->m_src = mb[0];
	op->sym->m_dst = NULL;
	op->sym->aead.data.offset = 0;
	op->sym->aead.data.length = total;
	/* IV, AAD and tag live in the op's private area: DMA-able memory with
	 * a known IOVA, which a hardware PMD needs (the caller's tag may sit
	 * on its stack). */
	if (!enc)
		memcpy(rte_crypto_op_ctod_offset(op, uint8_t *, ZDP_CDEV_TAG_OFFSET), tag, ZDP_AEAD_TAG_LEN);
	op->sym->aead.digest.data = rte_crypto_op_ctod_offset(op, uint8_t *, ZDP_CDEV_TAG_OFFSET);
	op->sym->aead.digest.phys_addr = rte_crypto_op_ctophys_offset(op, ZDP_CDEV_TAG_OFFSET);
	memcpy(rte_crypto_op_ctod_offset(op, uint8_t *, ZDP_CDEV_IV_OFFSET), nonce, ZDP_AEAD_NONCE_LEN);
	memcpy(rte_crypto_op_ctod_offset(op, uint8_t *, ZDP_CDEV_AAD_OFFSET), aad, aad_len);
	op->sym->aead.aad.data = rte_crypto_op_ctod_offset(op, uint8_t *, ZDP_CDEV_AAD_OFFSET);
	op->sym->aead.aad.phys_addr = rte_crypto_op_ctophys_offset(op, ZDP_CDEV_AAD_OFFSET);

	if (rte_cryptodev_enqueue_burst((uint8_t)e->dev_id, e->qp_id, &op, 1) != 1) {
		rc = -EIO;
		goto out;
	}
	while (rte_cryptodev_dequeue_burst((uint8_t)e->dev_id, e->qp_id, &done, 1) == 0) {
		if (++polls >= ZDP_CDEV_POLL_MAX) {
			/* The op is still owned by the device: leak it rather
			 * than free memory the device may write. */
			op = NULL;
			rc = -EIO;
			goto out;
		}
		rte_pause();
	}
	if (done->status == RTE_CRYPTO_OP_STATUS_AUTH_FAILED)
		rc = -EBADMSG;
	else if (done->status != RTE_CRYPTO_OP_STATUS_SUCCESS)
		rc = -EIO;
	else if (enc)
		memcpy(tag, rte_crypto_op_ctod_offset(op, uint8_t *, ZDP_CDEV_TAG_OFFSET), ZDP_AEAD_TAG_LEN);
out:
	for (i = 0; i < used; i++) {
		mb[i]->buf_addr = saved_addr[i];
		mb[i]->buf_iova = saved_iova[i];
		mb[i]->buf_len = saved_len[i];
		mb[i]->data_off = 0;
		mb[i]->data_len = 0;
		mb[i]->pkt_len = 0;
		mb[i]->nb_segs = 1;
		mb[i]->next = NULL;
		rte_pktmbuf_free(mb[i]);
	}
	if (op)
		rte_crypto_op_free(op);
	return rc;
}

static int
cdev_seal(struct zdp_aead_key *k, const uint8_t nonce[ZDP_AEAD_NONCE_LEN],
	  const uint8_t *aad, unsigned aad_len,
	  const struct zdp_aead_seg *segs, unsigned nsegs, uint8_t tag[ZDP_AEAD_TAG_LEN])
{
	return cdev_run(k, 1, nonce, aad, aad_len, segs, nsegs, tag);
}

static int
cdev_open(struct zdp_aead_key *k, const uint8_t nonce[ZDP_AEAD_NONCE_LEN],
	  const uint8_t *aad, unsigned aad_len,
	  const struct zdp_aead_seg *segs, unsigned nsegs, const uint8_t tag[ZDP_AEAD_TAG_LEN])
{
	uint8_t t[ZDP_AEAD_TAG_LEN];

	memcpy(t, tag, sizeof(t));
	return cdev_run(k, 0, nonce, aad, aad_len, segs, nsegs, t);
}

const struct zdp_aead_ops zdp_aead_cryptodev_ops = {
	.name = "cryptodev",
	.engine_init = cdev_engine_init,
	.engine_fini = cdev_engine_fini,
	.key_init = cdev_key_init,
	.key_fini = cdev_key_fini,
	.seal = cdev_seal,
	.open = cdev_open,
};
