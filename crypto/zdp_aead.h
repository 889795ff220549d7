/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_aead.h — AES-GCM behind one small const ops table.
 *
 * Three backends implement the same in-place, scatter-gather interface:
 *
 *   ipsec-mb   Intel IPsec-MB direct calls (default: the fastest path here)
 *   cryptodev  DPDK cryptodev (hardware offload; crypto_aesni_gcm vdev here)
 *   evp        OpenSSL EVP (reference implementation for tests and baselines)
 *
 * The backend is picked once, when a worker creates its engine
 * (zdp_aead_engine_create); every key made from that engine calls through the
 * same table, so there is no per-record branching on the backend.
 *
 *   engine (one per worker, owns IMB_MGR / cryptodev queue pair)
 *     └── key (one per TLS direction, embedded in the session; no allocation
 *              per record, re-initialised in place on KeyUpdate)
 *
 * Data is a list of segments (pointer, length) — an rte_mbuf chain or a flat
 * buffer become such a list without copying. Sealing and opening work in
 * place. Only 12-byte nonces and 16-byte tags are supported (TLS 1.3).
 */
#ifndef ZDP_AEAD_H
#define ZDP_AEAD_H

#include <stddef.h>
#include <stdint.h>

#define ZDP_AEAD_NONCE_LEN 12
#define ZDP_AEAD_TAG_LEN 16
#define ZDP_AEAD_KEY_MAX 32
/* Room for the backend's expanded key (IPsec-MB gcm_key_data is the largest). */
#define ZDP_AEAD_KEY_PRIV 1024

enum zdp_aead_backend {
	ZDP_AEAD_IPSECMB = 0,
	ZDP_AEAD_CRYPTODEV,
	ZDP_AEAD_EVP,
	ZDP_AEAD_BACKEND_MAX,
};

struct zdp_aead_seg {
	uint8_t *base;
	uint32_t len;
};

struct zdp_aead_engine;
struct zdp_aead_key;

struct zdp_aead_ops {
	const char *name;
	/* Return 0 or -errno. @arg is backend specific (cryptodev: device name). */
	int (*engine_init)(struct zdp_aead_engine *e, const char *arg);
	void (*engine_fini)(struct zdp_aead_engine *e);
	/* @key_len is 16 or 32. Return 0, -EINVAL, -ENOMEM, -EIO. */
	int (*key_init)(struct zdp_aead_key *k, const uint8_t *key, unsigned key_len);
	void (*key_fini)(struct zdp_aead_key *k);
	/* In place over @segs; writes the tag. Return 0 or -EIO. */
	int (*seal)(struct zdp_aead_key *k, const uint8_t nonce[ZDP_AEAD_NONCE_LEN],
		    const uint8_t *aad, unsigned aad_len,
		    const struct zdp_aead_seg *segs, unsigned nsegs,
		    uint8_t tag[ZDP_AEAD_TAG_LEN]);
	/* In place; return 0, -EBADMSG when the tag does not verify (the data
	 * is then garbage and the caller must not use it), -EIO. */
	int (*open)(struct zdp_aead_key *k, const uint8_t nonce[ZDP_AEAD_NONCE_LEN],
		    const uint8_t *aad, unsigned aad_len,
		    const struct zdp_aead_seg *segs, unsigned nsegs,
		    const uint8_t tag[ZDP_AEAD_TAG_LEN]);
};

struct zdp_aead_key {
	_Alignas(64) uint8_t priv[ZDP_AEAD_KEY_PRIV];	/* backend state */
	const struct zdp_aead_ops *ops;
	struct zdp_aead_engine *eng;
	void *handle;		/* EVP_CIPHER_CTX / cryptodev session */
	uint8_t key_len;
	uint8_t live;
};

extern const struct zdp_aead_ops zdp_aead_ipsecmb_ops;
extern const struct zdp_aead_ops zdp_aead_cryptodev_ops;
extern const struct zdp_aead_ops zdp_aead_evp_ops;

/* Parse "ipsec-mb" / "cryptodev" / "evp". Return the backend or -EINVAL. */
int zdp_aead_backend_parse(const char *name);
const char *zdp_aead_backend_name(enum zdp_aead_backend b);

/* Create a per-worker engine. The cryptodev backend needs an initialised EAL;
 * @arg names the device (default "crypto_aesni_gcm0", created as a vdev when
 * missing). Returns NULL with errno set (EINVAL, ENOMEM, ENODEV, EIO). */
struct zdp_aead_engine *zdp_aead_engine_create(enum zdp_aead_backend b, const char *arg);
/* NULL is a no-op. All keys made from the engine must be finalised first. */
void zdp_aead_engine_destroy(struct zdp_aead_engine *e);
const struct zdp_aead_ops *zdp_aead_engine_ops(const struct zdp_aead_engine *e);

/* Initialise @k (may be uninitialised memory or a finalised key) from @eng.
 * Returns 0, -EINVAL (key_len not 16/32), -ENOMEM, -EIO. */
int zdp_aead_key_init(struct zdp_aead_key *k, struct zdp_aead_engine *eng,
		      const uint8_t *key, unsigned key_len);
/* Wipe key material. Safe on a zeroed or already finalised key. */
void zdp_aead_key_fini(struct zdp_aead_key *k);

static inline int
zdp_aead_seal(struct zdp_aead_key *k, const uint8_t nonce[ZDP_AEAD_NONCE_LEN],
	      const uint8_t *aad, unsigned aad_len,
	      const struct zdp_aead_seg *segs, unsigned nsegs, uint8_t tag[ZDP_AEAD_TAG_LEN])
{
	return k->ops->seal(k, nonce, aad, aad_len, segs, nsegs, tag);
}

static inline int
zdp_aead_open(struct zdp_aead_key *k, const uint8_t nonce[ZDP_AEAD_NONCE_LEN],
	      const uint8_t *aad, unsigned aad_len,
	      const struct zdp_aead_seg *segs, unsigned nsegs, const uint8_t tag[ZDP_AEAD_TAG_LEN])
{
	return k->ops->open(k, nonce, aad, aad_len, segs, nsegs, tag);
}

#endif /* ZDP_AEAD_H */
