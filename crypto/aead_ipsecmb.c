/* SPDX-License-Identifier: BSD-3-Clause
 * aead_ipsecmb.c — AES-GCM through Intel IPsec-MB's direct GCM API.
 *
 * The library (1.3 on Debian 12) picks the best code path for this CPU in
 * init_mb_mgr_auto (VAES/AVX-512 where present). The key schedule and GHASH
 * tables are expanded once per key (IMB_AESxxx_GCM_PRE) into the key's
 * private storage; each record then runs init / update per segment /
 * finalize, which is what makes scatter-gather free: GCM state carries
 * partial blocks across segments of any length. A record in one segment
 * takes the single-call path.
 */
#include <errno.h>
#include <string.h>

/* Without this, IPsec-MB 1.x keeps 0.53 compatibility macros (SHA1, ...)
 * that collide with OpenSSL headers. */
#define NO_COMPAT_IMB_API_053 1
#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include "aead_priv.h"

_Static_assert(sizeof(struct gcm_key_data) <= ZDP_AEAD_KEY_PRIV,
	       "ZDP_AEAD_KEY_PRIV too small for gcm_key_data");

static int
imb_engine_init(struct zdp_aead_engine *e, const char *arg)
{
	IMB_MGR *m;
	IMB_ARCH arch;

	m = alloc_mb_mgr(0);
	if (m == NULL)
		return -ENOMEM;
	init_mb_mgr_auto(m, &arch);
	if (imb_get_errno(m) != 0) {
		free_mb_mgr(m);
		return -EIO;
	}
	e->imb = m;
	return 0;
}

static void
imb_engine_fini(struct zdp_aead_engine *e)
{
	if (e->imb)
		free_mb_mgr(e->imb);
	e->imb = NULL;
}

static int
imb_key_init(struct zdp_aead_key *k, const uint8_t *key, unsigned key_len)
{
	IMB_MGR *m = k->eng->imb;
	struct gcm_key_data *kd = (struct gcm_key_data *)k->priv;

	if (key_len == 16)
		IMB_AES128_GCM_PRE(m, key, kd);
	else
		IMB_AES256_GCM_PRE(m, key, kd);
	k->key_len = (uint8_t)key_len;
	return 0;
}

static void
imb_key_fini(struct zdp_aead_key *k)
{
}

static int
imb_seal(struct zdp_aead_key *k, const uint8_t nonce[ZDP_AEAD_NONCE_LEN],
	 const uint8_t *aad, unsigned aad_len,
	 const struct zdp_aead_seg *segs, unsigned nsegs, uint8_t tag[ZDP_AEAD_TAG_LEN])
{
	IMB_MGR *m = k->eng->imb;
	const struct gcm_key_data *kd = (const struct gcm_key_data *)k->priv;
	struct gcm_context_data ctx;
	unsigned i;

	if (k->key_len == 16) {
		if (nsegs == 1) {
			IMB_AES128_GCM_ENC(m, kd, &ctx, segs[0].base, segs[0].base, segs[0].len,
					   nonce, aad, aad_len, tag, ZDP_AEAD_TAG_LEN);
			return 0;
		}
		IMB_AES128_GCM_INIT(m, kd, &ctx, nonce, aad, aad_len);
		for (i = 0; i < nsegs; i++)
			IMB_AES128_GCM_ENC_UPDATE(m, kd, &ctx, segs[i].base, segs[i].base, segs[i].len);
		IMB_AES128_GCM_ENC_FINALIZE(m, kd, &ctx, tag, ZDP_AEAD_TAG_LEN);
	} else {
		if (nsegs == 1) {
			IMB_AES256_GCM_ENC(m, kd, &ctx, segs[0].base, segs[0].base, segs[0].len,
					   nonce, aad, aad_len, tag, ZDP_AEAD_TAG_LEN);
			return 0;
		}
		IMB_AES256_GCM_INIT(m, kd, &ctx, nonce, aad, aad_len);
		for (i = 0; i < nsegs; i++)
			IMB_AES256_GCM_ENC_UPDATE(m, kd, &ctx, segs[i].base, segs[i].base, segs[i].len);
		IMB_AES256_GCM_ENC_FINALIZE(m, kd, &ctx, tag, ZDP_AEAD_TAG_LEN);
	}
	return 0;
}

static int
imb_open(struct zdp_aead_key *k, const uint8_t nonce[ZDP_AEAD_NONCE_LEN],
	 const uint8_t *aad, unsigned aad_len,
	 const struct zdp_aead_seg *segs, unsigned nsegs, const uint8_t tag[ZDP_AEAD_TAG_LEN])
{
	IMB_MGR *m = k->eng->imb;
	const struct gcm_key_data *kd = (const struct gcm_key_data *)k->priv;
	struct gcm_context_data ctx;
	uint8_t calc[ZDP_AEAD_TAG_LEN];
	unsigned i;

	if (k->key_len == 16) {
		if (nsegs == 1) {
			IMB_AES128_GCM_DEC(m, kd, &ctx, segs[0].base, segs[0].base, segs[0].len,
					   nonce, aad, aad_len, calc, ZDP_AEAD_TAG_LEN);
		} else {
			IMB_AES128_GCM_INIT(m, kd, &ctx, nonce, aad, aad_len);
			for (i = 0; i < nsegs; i++)
				IMB_AES128_GCM_DEC_UPDATE(m, kd, &ctx, segs[i].base, segs[i].base,
							  segs[i].len);
			IMB_AES128_GCM_DEC_FINALIZE(m, kd, &ctx, calc, ZDP_AEAD_TAG_LEN);
		}
	} else {
		if (nsegs == 1) {
			IMB_AES256_GCM_DEC(m, kd, &ctx, segs[0].base, segs[0].base, segs[0].len,
					   nonce, aad, aad_len, calc, ZDP_AEAD_TAG_LEN);
		} else {
			IMB_AES256_GCM_INIT(m, kd, &ctx, nonce, aad, aad_len);
			for (i = 0; i < nsegs; i++)
				IMB_AES256_GCM_DEC_UPDATE(m, kd, &ctx, segs[i].base, segs[i].base,
							  segs[i].len);
			IMB_AES256_GCM_DEC_FINALIZE(m, kd, &ctx, calc, ZDP_AEAD_TAG_LEN);
		}
	}
	/* Constant time: the comparison must not tell an attacker how many
	 * leading tag bytes were right (two 64-bit XORs, no early exit). */
	{
		uint64_t a0, a1, b0, b1;

		memcpy(&a0, calc, 8);
		memcpy(&a1, calc + 8, 8);
		memcpy(&b0, tag, 8);
		memcpy(&b1, tag + 8, 8);
		if (((a0 ^ b0) | (a1 ^ b1)) != 0)
			return -EBADMSG;
	}
	return 0;
}

const struct zdp_aead_ops zdp_aead_ipsecmb_ops = {
	.name = "ipsec-mb",
	.engine_init = imb_engine_init,
	.engine_fini = imb_engine_fini,
	.key_init = imb_key_init,
	.key_fini = imb_key_fini,
	.seal = imb_seal,
	.open = imb_open,
};
