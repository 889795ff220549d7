/* SPDX-License-Identifier: BSD-3-Clause
 * aead_evp.c — AES-GCM through OpenSSL EVP: the reference backend.
 *
 * One EVP_CIPHER_CTX per key, allocated at key set-up and re-keyed in place
 * on KeyUpdate, so records never allocate. Each record only sets the nonce.
 */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "aead_priv.h"

static int
evp_engine_init(struct zdp_aead_engine *e, const char *arg)
{
	return 0;
}

static void
evp_engine_fini(struct zdp_aead_engine *e)
{
}

static int
evp_key_init(struct zdp_aead_key *k, const uint8_t *key, unsigned key_len)
{
	EVP_CIPHER_CTX *c = k->handle;
	const EVP_CIPHER *cipher = key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();

	/* The ctx encrypts or decrypts per call (EVP_CipherInit_ex enc flag),
	 * so one ctx serves either direction. */
	if (c == NULL || k->key_len != key_len) {
		EVP_CIPHER_CTX_free(c);
		c = EVP_CIPHER_CTX_new();
		if (c == NULL)
			return -ENOMEM;
	}
	k->handle = c;
	if (EVP_CipherInit_ex(c, cipher, NULL, key, NULL, 1) != 1)
		return -EIO;
	return 0;
}

static void
evp_key_fini(struct zdp_aead_key *k)
{
	EVP_CIPHER_CTX_free(k->handle);	/* cleanses the expanded key */
	k->handle = NULL;
}

static int
evp_run(struct zdp_aead_key *k, int enc, const uint8_t *nonce,
	const uint8_t *aad, unsigned aad_len,
	const struct zdp_aead_seg *segs, unsigned nsegs, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = k->handle;
	int outl;
	unsigned i;
	uint8_t fin[16];

	if (EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, enc) != 1)
		return -EIO;
	if (aad_len && EVP_CipherUpdate(c, NULL, &outl, aad, (int)aad_len) != 1)
		return -EIO;
	for (i = 0; i < nsegs; i++) {
		if (segs[i].len == 0)
			continue;
		/* GCM is a stream mode: EVP returns exactly len bytes per update. */
		if (EVP_CipherUpdate(c, segs[i].base, &outl, segs[i].base, (int)segs[i].len) != 1)
			return -EIO;
	}
	if (enc) {
		if (EVP_CipherFinal_ex(c, fin, &outl) != 1)
			return -EIO;
		if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, ZDP_AEAD_TAG_LEN, tag) != 1)
			return -EIO;
		return 0;
	}
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, ZDP_AEAD_TAG_LEN, tag) != 1)
		return -EIO;
	if (EVP_CipherFinal_ex(c, fin, &outl) != 1)
		return -EBADMSG;
	return 0;
}

static int
evp_seal(struct zdp_aead_key *k, const uint8_t nonce[ZDP_AEAD_NONCE_LEN],
	 const uint8_t *aad, unsigned aad_len,
	 const struct zdp_aead_seg *segs, unsigned nsegs, uint8_t tag[ZDP_AEAD_TAG_LEN])
{
	return evp_run(k, 1, nonce, aad, aad_len, segs, nsegs, tag);
}

static int
evp_open(struct zdp_aead_key *k, const uint8_t nonce[ZDP_AEAD_NONCE_LEN],
	 const uint8_t *aad, unsigned aad_len,
	 const struct zdp_aead_seg *segs, unsigned nsegs, const uint8_t tag[ZDP_AEAD_TAG_LEN])
{
	uint8_t t[ZDP_AEAD_TAG_LEN];

	memcpy(t, tag, sizeof(t));
	return evp_run(k, 0, nonce, aad, aad_len, segs, nsegs, t);
}

const struct zdp_aead_ops zdp_aead_evp_ops = {
	.name = "evp",
	.engine_init = evp_engine_init,
	.engine_fini = evp_engine_fini,
	.key_init = evp_key_init,
	.key_fini = evp_key_fini,
	.seal = evp_seal,
	.open = evp_open,
};
