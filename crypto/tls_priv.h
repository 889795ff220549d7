/* SPDX-License-Identifier: BSD-3-Clause
 * tls_priv.h — glue between the identity store and sessions (private).
 */
#ifndef ZDP_TLS_PRIV_H
#define ZDP_TLS_PRIV_H

#include <openssl/ssl.h>

#include "zdp_tls.h"

/* The context of identity @idx with a reference taken (SSL_CTX_free it),
 * or NULL. */
SSL_CTX *zdp_tls_store_ctx_get(struct zdp_tls_store *st, int idx);

/* Installed on every identity context by the store; defined by the
 * session code, which owns what they do. */
void zdp_tls_keylog_cb(const SSL *ssl, const char *line);
int zdp_tls_alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
			   const unsigned char *in, unsigned int inlen, void *arg);

/* SPIFFE ID of a certificate: exactly one URI SAN, which must parse.
 * Returns 0, -ENOENT (no URI SAN), -EINVAL (several, or malformed). */
int zdp_spiffe_from_cert(X509 *x, struct zdp_spiffe_id *id);

/* Tests, fuzzing and benchmarks only: a session that starts in
 * ZDP_TLS_OPEN with the given application traffic secrets, as if a
 * handshake had just completed (no SSL object, no identity store; the peer
 * identity is left empty). @p->store may be NULL. NULL with errno on error. */
struct zdp_tls_session *zdp_tls_session_create_open(const struct zdp_tls_session_params *p,
						    uint16_t suite, const uint8_t *tx_secret,
						    const uint8_t *rx_secret);

#endif
