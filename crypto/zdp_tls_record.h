/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_tls_record.h — zdp's TLS 1.3 record protection (RFC 8446 §5).
 *
 * After the handshake the session hands its two traffic secrets to a pair of
 * zdp_tls_traffic states (one per direction). Each holds the AEAD key, the
 * static IV and the 64-bit sequence number; the per-record nonce is the IV
 * XOR the left-padded sequence number (§5.3). Records are
 *
 *   TLSCiphertext = 0x17 | 0x0303 | length(2) | AEAD(TLSInnerPlaintext)
 *   TLSInnerPlaintext = content | type(1) | zeros(pad)
 *
 * with the 5-byte header as additional data (§5.2). Sealing and opening run
 * in place, over a flat buffer or an rte_mbuf chain (scatter-gather).
 */
#ifndef ZDP_TLS_RECORD_H
#define ZDP_TLS_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "zdp_aead.h"
#include "zdp_tls_kdf.h"

#define ZDP_TLS_REC_HDR 5
#define ZDP_TLS_MAX_PLAIN 16384			/* 2^14, §5.1 */
#define ZDP_TLS_MAX_CIPHER (16384 + 256)	/* 2^14 + 256, §5.2 */
#define ZDP_TLS_MAX_RECORD (ZDP_TLS_REC_HDR + ZDP_TLS_MAX_CIPHER)
/* Most segments one record may span in an mbuf chain. */
#define ZDP_TLS_MAX_SEGS 64

#define ZDP_TLS_CT_CCS 20
#define ZDP_TLS_CT_ALERT 21
#define ZDP_TLS_CT_HANDSHAKE 22
#define ZDP_TLS_CT_APPDATA 23

struct rte_mbuf;

struct zdp_tls_traffic {
	struct zdp_aead_key key;
	uint64_t seq;
	uint8_t secret[ZDP_TLS_HASH_MAX];
	uint8_t iv[ZDP_AEAD_NONCE_LEN];
	uint16_t suite;
	uint8_t hash_len;
};

/* Set up one direction from a traffic secret (hash_len bytes), seq = 0.
 * Return 0, -EINVAL (suite), -ENOMEM, -EIO. */
int zdp_tls_traffic_init(struct zdp_tls_traffic *t, struct zdp_aead_engine *eng,
			 uint16_t suite, const uint8_t *secret);
/* KeyUpdate (§4.6.3, §7.2): next secret, new key and IV, seq = 0. */
int zdp_tls_traffic_update(struct zdp_tls_traffic *t);
/* Wipe. Safe on a zeroed struct. */
void zdp_tls_traffic_fini(struct zdp_tls_traffic *t);

/* Look at the record header at @p (@avail bytes available).
 * Returns the full record length (header + body) when it is all there,
 * -EAGAIN when more bytes are needed, -EMSGSIZE when the length exceeds
 * 2^14 + 256 (record_overflow), -EPROTO when the header is malformed
 * (unknown content type or legacy version not 0x0303 / 0x0301).
 * @outer_type gets the outer content type once 1 byte is available. */
int zdp_tls_record_peek(const uint8_t *p, size_t avail, uint8_t *outer_type);

/* Seal @len bytes of @type content plus @pad zero bytes of padding into
 * @out (capacity @cap). @in may equal out + ZDP_TLS_REC_HDR (in place).
 * Returns the record length, -EMSGSIZE (len + pad + 1 > 2^14 + 1),
 * -ENOSPC (cap), -EOVERFLOW (sequence exhausted: KeyUpdate first), -EIO. */
int zdp_tls_record_seal(struct zdp_tls_traffic *t, uint8_t type, const uint8_t *in,
			size_t len, size_t pad, uint8_t *out, size_t cap);

/* Open the complete record @rec of @rec_len bytes in place. On success the
 * content is at rec + ZDP_TLS_REC_HDR, *plain_len bytes, *type its real
 * type. Returns 0, -EPROTO (bad header or outer type, or no content type:
 * unexpected_message), -EBADMSG (authentication failed: bad_record_mac;
 * the body is wiped), -EMSGSIZE (record_overflow), -EOVERFLOW (seq). */
int zdp_tls_record_open(struct zdp_tls_traffic *t, uint8_t *rec, size_t rec_len,
			uint8_t *type, size_t *plain_len);

/* zdp_tls_record_peek for a record starting @off bytes into chain @m (the
 * header may span segments). Same return values. */
int zdp_tls_record_peek_mbuf(const struct rte_mbuf *m, uint32_t off, uint8_t *outer_type);

/* Copy @len bytes at chain offset @off into @dst. Returns 0 or -EAGAIN
 * (chain too short). */
int zdp_tls_chain_copy(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *dst);

/* Seal the content in chain @m (pkt_len <= 2^14 - pad - 1) in place: the
 * header is prepended in the first segment's headroom, type, padding and tag
 * appended in the last segment's tailroom. Returns the record length,
 * -ENOSPC (no head/tailroom), -EMSGSIZE, -E2BIG (more than
 * ZDP_TLS_MAX_SEGS segments), -EOVERFLOW, -EIO. */
int zdp_tls_record_seal_mbuf(struct zdp_tls_traffic *t, uint8_t type,
			     struct rte_mbuf *m, uint16_t pad);

/* Open the complete record that starts @off bytes into chain @m, in place.
 * On success the content is at chain offset off + ZDP_TLS_REC_HDR,
 * *plain_len bytes (the caller trims header and trailer). Return codes as
 * zdp_tls_record_open, plus -EAGAIN if the chain holds less than the
 * record and -E2BIG (too many segments). */
int zdp_tls_record_open_mbuf(struct zdp_tls_traffic *t, struct rte_mbuf *m, uint32_t off,
			     uint8_t *type, uint32_t *plain_len);

#endif
