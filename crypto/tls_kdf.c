/* SPDX-License-Identifier: BSD-3-Clause
 * tls_kdf.c — HKDF (RFC 5869) with the TLS 1.3 labels (RFC 8446 §7.1).
 *
 * Runs at handshake end and on KeyUpdate only, never per record, so the
 * one-shot HMAC() of OpenSSL is plenty.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "zdp_tls_kdf.h"

unsigned
zdp_tls_suite_hash_len(uint16_t suite)
{
	switch (suite) {
	case ZDP_TLS_AES_128_GCM_SHA256: return 32;
	case ZDP_TLS_AES_256_GCM_SHA384: return 48;
	default: return 0;
	}
}

unsigned
zdp_tls_suite_key_len(uint16_t suite)
{
	switch (suite) {
	case ZDP_TLS_AES_128_GCM_SHA256: return 16;
	case ZDP_TLS_AES_256_GCM_SHA384: return 32;
	default: return 0;
	}
}

static const EVP_MD *
md_for(unsigned hash_len)
{
	if (hash_len == 32)
		return EVP_sha256();
	if (hash_len == 48)
		return EVP_sha384();
	return NULL;
}

int
zdp_tls_hkdf_extract(unsigned hash_len, const uint8_t *salt, size_t salt_len,
		     const uint8_t *ikm, size_t ikm_len, uint8_t *prk)
{
	const EVP_MD *md = md_for(hash_len);
	static const uint8_t zeros[ZDP_TLS_HASH_MAX];
	unsigned outl = 0;

	if (md == NULL)
		return -EINVAL;
	/* RFC 5869 §2.2: an absent salt is HashLen zero bytes. */
	if (salt == NULL || salt_len == 0) {
		salt = zeros;
		salt_len = hash_len;
	}
	if (ikm == NULL) {
		ikm = zeros;
		ikm_len = hash_len;
	}
	if (HMAC(md, salt, (int)salt_len, ikm, ikm_len, prk, &outl) == NULL || outl != hash_len)
		return -EIO;
	return 0;
}

int
zdp_tls_hkdf_expand_label(unsigned hash_len, const uint8_t *secret,
			  const char *label, const uint8_t *context, size_t context_len,
			  uint8_t *out, size_t out_len)
{
	const EVP_MD *md = md_for(hash_len);
	size_t label_len = strlen(label);
	uint8_t info[2 + 1 + 255 + 1 + 255];
	uint8_t buf[ZDP_TLS_HASH_MAX + sizeof(info) + 1];
	uint8_t t[ZDP_TLS_HASH_MAX];
	size_t ilen = 0, done = 0, blen;
	unsigned outl, n = 0;

	if (md == NULL || label_len + 6 > 255 || context_len > 255 || out_len > 255 * hash_len)
		return -EINVAL;
	/* struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
	 *          opaque context<0..255>; } HkdfLabel;                      */
	info[ilen++] = (uint8_t)(out_len >> 8);
	info[ilen++] = (uint8_t)out_len;
	info[ilen++] = (uint8_t)(6 + label_len);
	memcpy(info + ilen, "tls13 ", 6);
	ilen += 6;
	memcpy(info + ilen, label, label_len);
	ilen += label_len;
	info[ilen++] = (uint8_t)context_len;
	if (context_len)
		memcpy(info + ilen, context, context_len);
	ilen += context_len;

	/* RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) | info | i). */
	while (done < out_len) {
		size_t take;

		blen = 0;
		if (n) {
			memcpy(buf, t, hash_len);
			blen = hash_len;
		}
		memcpy(buf + blen, info, ilen);
		blen += ilen;
		buf[blen++] = (uint8_t)++n;
		if (HMAC(md, secret, (int)hash_len, buf, blen, t, &outl) == NULL) {
			OPENSSL_cleanse(t, sizeof(t));
			return -EIO;
		}
		take = out_len - done < hash_len ? out_len - done : hash_len;
		memcpy(out + done, t, take);
		done += take;
	}
	OPENSSL_cleanse(t, sizeof(t));
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

int
zdp_tls_derive_secret(unsigned hash_len, const uint8_t *secret, const char *label,
		      const uint8_t *transcript_hash, uint8_t *out)
{
	return zdp_tls_hkdf_expand_label(hash_len, secret, label, transcript_hash, hash_len,
					 out, hash_len);
}

int
zdp_tls_traffic_keys(uint16_t suite, const uint8_t *secret, uint8_t *key, uint8_t iv[12])
{
	unsigned h = zdp_tls_suite_hash_len(suite), k = zdp_tls_suite_key_len(suite);
	int rc;

	if (h == 0)
		return -EINVAL;
	rc = zdp_tls_hkdf_expand_label(h, secret, "key", NULL, 0, key, k);
	if (rc == 0)
		rc = zdp_tls_hkdf_expand_label(h, secret, "iv", NULL, 0, iv, 12);
	return rc;
}

int
zdp_tls_traffic_secret_update(unsigned hash_len, uint8_t *secret)
{
	uint8_t next[ZDP_TLS_HASH_MAX];
	int rc;

	rc = zdp_tls_hkdf_expand_label(hash_len, secret, "traffic upd", NULL, 0, next, hash_len);
	if (rc == 0)
		memcpy(secret, next, hash_len);
	OPENSSL_cleanse(next, sizeof(next));
	return rc;
}
