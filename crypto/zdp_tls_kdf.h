/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_tls_kdf.h — the TLS 1.3 key schedule pieces zdp computes itself
 * (RFC 8446 §7.1–7.3): HKDF-Extract, HKDF-Expand-Label, Derive-Secret, the
 * traffic key/IV derivation and the KeyUpdate "traffic upd" step.
 *
 * OpenSSL runs the handshake's key schedule; zdp only needs the part after
 * application_traffic_secret_0. Extract and Derive-Secret are here so the
 * RFC 8448 trace can check the whole chain (tests), not only the tail.
 */
#ifndef ZDP_TLS_KDF_H
#define ZDP_TLS_KDF_H

#include <stddef.h>
#include <stdint.h>

#define ZDP_TLS_HASH_MAX 48

/* Cipher suites (RFC 8446 §B.4). */
#define ZDP_TLS_AES_128_GCM_SHA256 0x1301
#define ZDP_TLS_AES_256_GCM_SHA384 0x1302

/* Hash length of @suite (32 / 48) or 0 if unsupported. */
unsigned zdp_tls_suite_hash_len(uint16_t suite);
/* AEAD key length of @suite (16 / 32) or 0 if unsupported. */
unsigned zdp_tls_suite_key_len(uint16_t suite);

/* HKDF-Extract(salt, ikm) with SHA-256 (hash_len 32) or SHA-384 (48).
 * Return 0 or -EINVAL / -EIO. */
int zdp_tls_hkdf_extract(unsigned hash_len, const uint8_t *salt, size_t salt_len,
			 const uint8_t *ikm, size_t ikm_len, uint8_t *prk);

/* HKDF-Expand-Label(secret, label, context, out_len), RFC 8446 §7.1: the
 * "tls13 " prefix is added here. @secret is hash_len bytes.
 * Return 0, -EINVAL (label > 249 bytes, context > 255, out_len > 255*hash),
 * -EIO. */
int zdp_tls_hkdf_expand_label(unsigned hash_len, const uint8_t *secret,
			      const char *label, const uint8_t *context, size_t context_len,
			      uint8_t *out, size_t out_len);

/* Derive-Secret(secret, label, messages) given Transcript-Hash(messages). */
int zdp_tls_derive_secret(unsigned hash_len, const uint8_t *secret, const char *label,
			  const uint8_t *transcript_hash, uint8_t *out);

/* Traffic key and IV from a traffic secret (RFC 8446 §7.3). */
int zdp_tls_traffic_keys(uint16_t suite, const uint8_t *secret,
			 uint8_t *key, uint8_t iv[12]);

/* application_traffic_secret_N+1 = HKDF-Expand-Label(N, "traffic upd", "", Hash.length)
 * (RFC 8446 §7.2). In place. */
int zdp_tls_traffic_secret_update(unsigned hash_len, uint8_t *secret);

#endif
