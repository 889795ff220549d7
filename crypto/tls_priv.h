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

#endif
