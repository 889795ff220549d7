/* SPDX-License-Identifier: BSD-3-Clause
 * tls_session.c — one mutual TLS 1.3 session: OpenSSL handshake over memory
 * BIOs, then zdp's own record layer.
 *
 * Handing over from OpenSSL to zdp (the part that must be exact):
 *
 *   1. Traffic secrets. OpenSSL reports every TLS 1.3 secret it derives to
 *      the keylog callback (the NSS key log format, also what Wireshark
 *      reads). We keep CLIENT_/SERVER_TRAFFIC_SECRET_0 and derive keys and
 *      IVs ourselves (RFC 8446 §7.3). This is a supported, stable OpenSSL
 *      API; the alternatives (exporters, SSL_export_keying_material) cannot
 *      yield traffic secrets, and reaching into OpenSSL's structs would
 *      break on any update.
 *   2. Sequence numbers. Both start at 0 iff OpenSSL has not protected or
 *      deprotected any application-key record. The store's contexts issue
 *      no tickets (num_tickets 0) and OpenSSL reads records one at a time
 *      from the memory BIO (no read-ahead), so when SSL_do_handshake
 *      returns 1 the last record it consumed is the peer's Finished and the
 *      last it wrote is our Finished (client) or our flight (server).
 *   3. Left-over bytes. Whatever the peer sent after its Finished is still
 *      in the read BIO: we move it into our input buffer untouched.
 *
 * After that the SSL object is freed: OpenSSL is out of the data path.
 *
 * Buffers (allocated once per session, never per record):
 *   in   one maximal record (2^14 + 256 + 5); records are opened in place
 *        and the plaintext handed to on_data from there.
 *   out  ciphertext waiting for the transport; ALERT_RESERVE bytes are held
 *        back from write() so an alert or KeyUpdate always fits.
 *   hs   post-handshake handshake messages (reassembly across records).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls_priv.h"

#define OUT_CAP_DEFAULT (64 * 1024)
#define ALERT_RESERVE 128
#define HS_MAX (16 * 1024)
/* Bytes the handshake may hold unread (a flight is a few KiB). */
#define HS_INPUT_MAX (256 * 1024)
/* AES-GCM safety margin (RFC 8446 §5.5: 2^24.5 full records per key):
 * update our keys well before. */
#define KU_SEQ_LIMIT (1ull << 23)

/* Alert descriptions, RFC 8446 §6. */
enum {
	AL_CLOSE_NOTIFY = 0,
	AL_UNEXPECTED_MESSAGE = 10,
	AL_BAD_RECORD_MAC = 20,
	AL_RECORD_OVERFLOW = 22,
	AL_ILLEGAL_PARAMETER = 47,
	AL_DECODE_ERROR = 50,
	AL_INTERNAL_ERROR = 80,
	AL_USER_CANCELED = 90,
	AL_NO_APPLICATION_PROTOCOL = 120,
};

enum { HS_NEW_SESSION_TICKET = 4, HS_KEY_UPDATE = 24 };

struct zdp_tls_session {
	enum zdp_tls_role role;
	enum zdp_tls_state state;
	SSL *ssl;
	BIO *rbio, *wbio;	/* owned by ssl */
	struct zdp_aead_engine *aead;
	struct zdp_tls_counters *ctr;
	void (*on_data)(void *arg, const uint8_t *p, size_t n);
	void *arg;
	struct zdp_spiffe_id own, peer;
	char *expected[ZDP_TLS_MAX_EXPECTED];
	unsigned n_expected;
	bool peer_verified;
	bool close_sent, close_recv;
	uint16_t suite;
	uint8_t secret_ok;	/* bit 0 client, bit 1 server */
	uint8_t csecret[ZDP_TLS_HASH_MAX], ssecret[ZDP_TLS_HASH_MAX];
	enum zdp_tls_counter err;
	int alert_sent, alert_recv;
	struct zdp_tls_traffic tx, rx;
	uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_off, out_len, out_cap;
	uint8_t *hs;
	size_t hs_len;
};

static pthread_once_t ex_once = PTHREAD_ONCE_INIT;
static int ex_idx = -1;

static void
ex_init(void)
{
	ex_idx = SSL_get_ex_new_index(0, "zdp_tls_session", NULL, NULL, NULL);
}

static struct zdp_tls_session *
session_of(const SSL *ssl)
{
	return ex_idx < 0 ? NULL : SSL_get_ex_data(ssl, ex_idx);
}

static const char *const counter_names[] = {
#define ZDP_TLS_CTR(e, name, help) name,
#include "zdp_tls_counters.def"
#undef ZDP_TLS_CTR
};

const char *
zdp_tls_counter_name(enum zdp_tls_counter c)
{
	return (unsigned)c < ZDP_TLS_CTR_MAX ? counter_names[c] : "?";
}

static inline void
count(struct zdp_tls_session *s, enum zdp_tls_counter c)
{
	if (s->ctr)
		s->ctr->c[c]++;
}

/* ---- OpenSSL callbacks --------------------------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "LABEL <client_random hex> <secret hex>" (NSS key log format). */
void
zdp_tls_keylog_cb(const SSL *ssl, const char *line)
{
	struct zdp_tls_session *s = session_of(ssl);
	const char *p, *sp;
	uint8_t *dst;
	uint8_t bit;
	size_t n = 0;

	if (s == NULL)
		return;
	if (strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0) {
		dst = s->csecret;
		bit = 1;
	} else if (strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24) == 0) {
		dst = s->ssecret;
		bit = 2;
	} else {
		return;	/* handshake and exporter secrets stay with OpenSSL */
	}
	sp = strchr(line + 24, ' ');
	if (sp == NULL)
		return;
	for (p = sp + 1; p[0] && p[1] && n < ZDP_TLS_HASH_MAX; p += 2) {
		int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0)
			return;
		dst[n++] = (uint8_t)(hi << 4 | lo);
	}
	if (*p != 0 || (n != 32 && n != 48))
		return;
	s->secret_ok |= bit;
}

/* Server side: ALPN h2 or nothing (ISTIO.md). No overlap is fatal:
 * OpenSSL then sends no_application_protocol. */
int
zdp_tls_alpn_select_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char h2[] = { 2, 'h', '2' };
	struct zdp_tls_session *s = session_of(ssl);
	unsigned char *sel;

	if (SSL_select_next_proto(&sel, outlen, h2, sizeof(h2), in, inlen) == OPENSSL_NPN_NEGOTIATED) {
		*out = sel;
		return SSL_TLSEXT_ERR_OK;
	}
	if (s)
		s->err = ZDP_TLS_CTR_ERR_ALPN;
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static void
info_cb(const SSL *ssl, int where, int ret)
{
	struct zdp_tls_session *s = session_of(ssl);

	if (s == NULL || !(where & SSL_CB_ALERT))
		return;
	if (where & SSL_CB_READ)
		s->alert_recv = ret & 0xff;
	else
		s->alert_sent = ret & 0xff;
}

static enum zdp_tls_counter
verify_reason(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return ZDP_TLS_CTR_ERR_CERT_EXPIRED;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
		return ZDP_TLS_CTR_ERR_CERT_UNTRUSTED;
	default:
		return ZDP_TLS_CTR_ERR_CERT_BAD;
	}
}

/* Chain checks are OpenSSL's; the SPIFFE rules run on the leaf once the
 * chain is good (ISTIO.md): the server wants the client in its own trust
 * domain, the client wants the server to be one of the expected
 * identities. A refusal here becomes a bad_certificate alert in the
 * handshake (OpenSSL maps X509_V_ERR_CERT_REJECTED to it), as ztunnel's
 * rustls does for a name mismatch. */
static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct zdp_tls_session *s = ssl ? session_of(ssl) : NULL;
	struct zdp_spiffe_id id;
	char uri[ZDP_SPIFFE_URI_MAX];
	unsigned i;

	if (s == NULL)
		return 0;
	if (!ok) {
		if (s->err == ZDP_TLS_CTR_MAX)
			s->err = verify_reason(X509_STORE_CTX_get_error(xs));
		return 0;
	}
	if (X509_STORE_CTX_get_error_depth(xs) != 0)
		return 1;
	if (zdp_spiffe_from_cert(X509_STORE_CTX_get_current_cert(xs), &id) < 0) {
		s->err = ZDP_TLS_CTR_ERR_NO_SPIFFE_ID;
		goto reject;
	}
	if (s->role == ZDP_TLS_SERVER) {
		if (strcmp(id.trust_domain, s->own.trust_domain) != 0) {
			s->err = ZDP_TLS_CTR_ERR_TRUST_DOMAIN;
			goto reject;
		}
	} else {
		if (zdp_spiffe_format(&id, uri, sizeof(uri)) < 0) {
			s->err = ZDP_TLS_CTR_ERR_NO_SPIFFE_ID;
			goto reject;
		}
		for (i = 0; i < s->n_expected; i++)
			if (strcmp(uri, s->expected[i]) == 0)
				break;
		if (i == s->n_expected) {
			s->err = ZDP_TLS_CTR_ERR_IDENTITY;
			goto reject;
		}
	}
	s->peer = id;
	s->peer_verified = true;
	return 1;
reject:
	X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
	return 0;
}

/* ---- output buffer --------------------------------------------------------- */

static size_t
out_room(struct zdp_tls_session *s)
{
	if (s->out_off && s->out_off == s->out_len)
		s->out_off = s->out_len = 0;
	if (s->out_off && s->out_cap - s->out_len < ZDP_TLS_MAX_RECORD) {
		memmove(s->out, s->out + s->out_off, s->out_len - s->out_off);
		s->out_len -= s->out_off;
		s->out_off = 0;
	}
	return s->out_cap - s->out_len;
}

/* Move what OpenSSL wrote into our output. */
static void
drain_wbio(struct zdp_tls_session *s)
{
	int n;

	if (s->wbio == NULL)
		return;
	while (BIO_ctrl_pending(s->wbio) > 0) {
		size_t room = out_room(s);

		if (room == 0)
			return;	/* stays in the BIO until the next peek */
		n = BIO_read(s->wbio, s->out + s->out_len, (int)(room > INT32_MAX ? INT32_MAX : room));
		if (n <= 0)
			return;
		s->out_len += (size_t)n;
	}
}

/* Seal one record straight into the output. Uses the alert reserve only
 * when @reserve is true. */
static int
emit(struct zdp_tls_session *s, uint8_t type, const uint8_t *p, size_t n, bool reserve)
{
	size_t room = out_room(s);
	int rc;

	if (!reserve) {
		if (room < ALERT_RESERVE)
			return -EAGAIN;
		room -= ALERT_RESERVE;
	}
	rc = zdp_tls_record_seal(&s->tx, type, p, n, 0, s->out + s->out_len, room);
	if (rc < 0)
		return rc == -ENOSPC ? -EAGAIN : rc;
	s->out_len += (size_t)rc;
	count(s, ZDP_TLS_CTR_RECORDS_SEALED);
	return 0;
}

/* ---- failure --------------------------------------------------------------- */

static int
errno_for(enum zdp_tls_counter c)
{
	switch (c) {
	case ZDP_TLS_CTR_ERR_BAD_RECORD_MAC: return -EBADMSG;
	case ZDP_TLS_CTR_ERR_RECORD_OVERFLOW: return -EMSGSIZE;
	case ZDP_TLS_CTR_ERR_PEER_ALERT: return -ECONNRESET;
	case ZDP_TLS_CTR_ERR_PEER_EOF: return -ECONNABORTED;
	case ZDP_TLS_CTR_ERR_INTERNAL: return -ENOMEM;
	default: return -EPROTO;
	}
}

/* End the session after the handshake: count the reason once, send the
 * fatal alert with our keys if we have any (RFC 8446 §6.2). */
static int
fail(struct zdp_tls_session *s, enum zdp_tls_counter why, int alert)
{
	if (s->state == ZDP_TLS_FAILED)
		return errno_for(s->err);
	s->err = why;
	count(s, why);
	if (alert >= 0 && s->state == ZDP_TLS_OPEN && !s->close_sent) {
		uint8_t a[2] = { 2, (uint8_t)alert };

		if (emit(s, ZDP_TLS_CT_ALERT, a, 2, true) == 0)
			s->alert_sent = alert;
	}
	s->state = ZDP_TLS_FAILED;
	return errno_for(why);
}

/* ---- life cycle -------------------------------------------------------------- */

struct zdp_tls_session *
zdp_tls_session_create(const struct zdp_tls_session_params *p)
{
	static const unsigned char h2[] = { 2, 'h', '2' };
	struct zdp_tls_session *s;
	SSL_CTX *ctx;
	unsigned i;

	if (p == NULL || p->store == NULL || p->aead == NULL || p->on_data == NULL ||
	    p->n_expected > ZDP_TLS_MAX_EXPECTED ||
	    (p->role == ZDP_TLS_CLIENT && p->n_expected == 0)) {
		errno = EINVAL;
		return NULL;
	}
	pthread_once(&ex_once, ex_init);
	if (ex_idx < 0) {
		errno = ENOMEM;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	s->role = p->role;
	s->state = ZDP_TLS_HANDSHAKE;
	s->aead = p->aead;
	s->ctr = p->ctr;
	s->on_data = p->on_data;
	s->arg = p->arg;
	s->err = ZDP_TLS_CTR_MAX;
	s->alert_sent = s->alert_recv = -1;
	s->out_cap = p->out_cap ? p->out_cap : OUT_CAP_DEFAULT;
	if (s->out_cap < ZDP_TLS_MAX_RECORD + ALERT_RESERVE)
		s->out_cap = ZDP_TLS_MAX_RECORD + ALERT_RESERVE;
	if (zdp_tls_store_identity(p->store, p->identity, &s->own) < 0) {
		free(s);
		errno = ENOENT;
		return NULL;
	}
	s->in = malloc(ZDP_TLS_MAX_RECORD);
	s->out = malloc(s->out_cap);
	if (s->in == NULL || s->out == NULL)
		goto nomem;
	for (i = 0; i < p->n_expected; i++) {
		s->expected[i] = strdup(p->expected[i]);
		if (s->expected[i] == NULL)
			goto nomem;
		s->n_expected++;
	}
	ctx = zdp_tls_store_ctx_get(p->store, p->identity);
	if (ctx == NULL)
		goto nomem;
	s->ssl = SSL_new(ctx);
	SSL_CTX_free(ctx);	/* the SSL holds its own reference */
	s->rbio = BIO_new(BIO_s_mem());
	s->wbio = BIO_new(BIO_s_mem());
	if (s->ssl == NULL || s->rbio == NULL || s->wbio == NULL) {
		BIO_free(s->rbio);
		BIO_free(s->wbio);
		s->rbio = s->wbio = NULL;
		goto nomem;
	}
	/* An empty memory BIO reports "retry" rather than EOF. */
	BIO_set_mem_eof_return(s->rbio, -1);
	SSL_set_bio(s->ssl, s->rbio, s->wbio);
	SSL_set_ex_data(s->ssl, ex_idx, s);
	SSL_set_info_callback(s->ssl, info_cb);
	if (p->role == ZDP_TLS_SERVER) {
		SSL_set_verify(s->ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
		SSL_set_accept_state(s->ssl);
	} else {
		SSL_set_verify(s->ssl, SSL_VERIFY_PEER, verify_cb);
		/* No SNI: the server picks its certificate by address. */
		if (SSL_set_alpn_protos(s->ssl, h2, sizeof(h2)) != 0)
			goto nomem;
		SSL_set_connect_state(s->ssl);
	}
	count(s, ZDP_TLS_CTR_HS_STARTED);
	if (p->role == ZDP_TLS_CLIENT) {
		/* Produce the ClientHello now. */
		if (SSL_do_handshake(s->ssl) <= 0 &&
		    SSL_get_error(s->ssl, -1) != SSL_ERROR_WANT_READ) {
			ERR_clear_error();
			goto nomem;
		}
		drain_wbio(s);
	}
	return s;
nomem:
	ERR_clear_error();
	zdp_tls_session_destroy(s);
	errno = ENOMEM;
	return NULL;
}

struct zdp_tls_session *
zdp_tls_session_create_open(const struct zdp_tls_session_params *p, uint16_t suite,
			    const uint8_t *tx_secret, const uint8_t *rx_secret)
{
	struct zdp_tls_session *s;

	if (p == NULL || p->aead == NULL || p->on_data == NULL || zdp_tls_suite_hash_len(suite) == 0) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	s->role = p->role;
	s->aead = p->aead;
	s->ctr = p->ctr;
	s->on_data = p->on_data;
	s->arg = p->arg;
	s->err = ZDP_TLS_CTR_MAX;
	s->alert_sent = s->alert_recv = -1;
	s->out_cap = p->out_cap ? p->out_cap : OUT_CAP_DEFAULT;
	if (s->out_cap < ZDP_TLS_MAX_RECORD + ALERT_RESERVE)
		s->out_cap = ZDP_TLS_MAX_RECORD + ALERT_RESERVE;
	s->in = malloc(ZDP_TLS_MAX_RECORD);
	s->out = malloc(s->out_cap);
	s->suite = suite;
	if (s->in == NULL || s->out == NULL ||
	    zdp_tls_traffic_init(&s->tx, s->aead, suite, tx_secret) < 0 ||
	    zdp_tls_traffic_init(&s->rx, s->aead, suite, rx_secret) < 0) {
		zdp_tls_session_destroy(s);
		errno = ENOMEM;
		return NULL;
	}
	s->state = ZDP_TLS_OPEN;
	return s;
}

void
zdp_tls_session_destroy(struct zdp_tls_session *s)
{
	unsigned i;

	if (s == NULL)
		return;
	SSL_free(s->ssl);
	zdp_tls_traffic_fini(&s->tx);
	zdp_tls_traffic_fini(&s->rx);
	OPENSSL_cleanse(s->csecret, sizeof(s->csecret));
	OPENSSL_cleanse(s->ssecret, sizeof(s->ssecret));
	if (s->in)
		OPENSSL_cleanse(s->in, ZDP_TLS_MAX_RECORD);
	free(s->in);
	free(s->out);
	free(s->hs);
	for (i = 0; i < s->n_expected; i++)
		free(s->expected[i]);
	free(s);
}

/* ---- handshake ------------------------------------------------------------------ */

static int
handshake_failed(struct zdp_tls_session *s)
{
	unsigned long e = ERR_peek_error();

	drain_wbio(s);	/* OpenSSL's alert, if it sent one */
	if (s->err == ZDP_TLS_CTR_MAX) {
		if (s->alert_recv >= 0)
			s->err = ZDP_TLS_CTR_ERR_PEER_ALERT;
		else if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
			 ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
			s->err = ZDP_TLS_CTR_ERR_NO_PEER_CERT;
		else
			s->err = ZDP_TLS_CTR_ERR_HANDSHAKE;
	}
	/* The OpenSSL error queue is per thread: leave nothing behind for
	 * the next session on this worker. */
	ERR_clear_error();
	count(s, s->err);
	count(s, ZDP_TLS_CTR_HS_FAILED);
	s->state = ZDP_TLS_FAILED;
	return errno_for(s->err);
}

static int process_records(struct zdp_tls_session *s);

/* OpenSSL says the handshake is complete: take over (see the top). */
static int
handshake_finish(struct zdp_tls_session *s)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(s->ssl);
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	uint8_t *tmp = NULL;
	size_t total, got = 0;
	int rc;

	drain_wbio(s);
	if (BIO_ctrl_pending(s->wbio) > 0) {
		/* Our output cannot take the last flight: we cannot leave
		 * bytes in a BIO we are about to free. */
		s->err = ZDP_TLS_CTR_ERR_INTERNAL;
		return handshake_failed(s);
	}
	s->suite = c ? (uint16_t)SSL_CIPHER_get_protocol_id(c) : 0;
	if (!s->peer_verified || SSL_get_verify_result(s->ssl) != X509_V_OK ||
	    SSL_get0_peer_certificate(s->ssl) == NULL) {
		/* Cannot happen with SSL_VERIFY_PEER and our callback; fail
		 * closed rather than trust that. */
		s->err = ZDP_TLS_CTR_ERR_CERT_BAD;
		return handshake_failed(s);
	}
	if (s->secret_ok != 3 || zdp_tls_suite_hash_len(s->suite) == 0) {
		s->err = ZDP_TLS_CTR_ERR_INTERNAL;
		return handshake_failed(s);
	}
	rc = zdp_tls_traffic_init(&s->tx, s->aead, s->suite,
				  s->role == ZDP_TLS_CLIENT ? s->csecret : s->ssecret);
	if (rc == 0)
		rc = zdp_tls_traffic_init(&s->rx, s->aead, s->suite,
					  s->role == ZDP_TLS_CLIENT ? s->ssecret : s->csecret);
	OPENSSL_cleanse(s->csecret, sizeof(s->csecret));
	OPENSSL_cleanse(s->ssecret, sizeof(s->ssecret));
	if (rc < 0) {
		s->err = ZDP_TLS_CTR_ERR_INTERNAL;
		return handshake_failed(s);
	}
	SSL_get0_alpn_selected(s->ssl, &alpn, &alpn_len);
	s->state = ZDP_TLS_OPEN;
	if (alpn_len != 2 || memcmp(alpn, "h2", 2) != 0) {
		/* The client side lands here when the server ignored ALPN; the
		 * keys are up, so the alert goes out protected. */
		SSL_free(s->ssl);
		s->ssl = NULL;
		s->rbio = s->wbio = NULL;
		count(s, ZDP_TLS_CTR_HS_FAILED);
		return fail(s, ZDP_TLS_CTR_ERR_ALPN, AL_NO_APPLICATION_PROTOCOL);
	}
	count(s, ZDP_TLS_CTR_HS_DONE);
	/* Move everything the peer sent after its Finished through our record
	 * layer; it can be more than one record. */
	total = BIO_ctrl_pending(s->rbio);
	if (total) {
		tmp = malloc(total);
		if (tmp == NULL) {
			SSL_free(s->ssl);
			s->ssl = NULL;
			s->rbio = s->wbio = NULL;
			return fail(s, ZDP_TLS_CTR_ERR_INTERNAL, AL_INTERNAL_ERROR);
		}
		while (got < total) {
			int n = BIO_read(s->rbio, tmp + got, (int)(total - got));

			if (n <= 0)
				break;
			got += (size_t)n;
		}
	}
	SSL_free(s->ssl);
	s->ssl = NULL;
	s->rbio = s->wbio = NULL;
	rc = 0;
	if (got)
		rc = zdp_tls_session_input(s, tmp, got);
	if (tmp)
		OPENSSL_cleanse(tmp, got);
	free(tmp);
	return rc;
}

static int
handshake_step(struct zdp_tls_session *s)
{
	int rc = SSL_do_handshake(s->ssl);

	if (rc == 1)
		return handshake_finish(s);
	if (SSL_get_error(s->ssl, rc) == SSL_ERROR_WANT_READ) {
		drain_wbio(s);
		return 0;
	}
	return handshake_failed(s);
}

/* ---- records after the handshake ---------------------------------------------- */

static int
send_key_update(struct zdp_tls_session *s, bool request)
{
	uint8_t m[5] = { HS_KEY_UPDATE, 0, 0, 1, request ? 1 : 0 };
	int rc;

	rc = emit(s, ZDP_TLS_CT_HANDSHAKE, m, sizeof(m), true);
	if (rc < 0)
		return rc;
	rc = zdp_tls_traffic_update(&s->tx);
	if (rc < 0)
		return fail(s, ZDP_TLS_CTR_ERR_INTERNAL, -1);
	count(s, ZDP_TLS_CTR_KEY_UPDATE_SENT);
	return 0;
}

/* Handshake messages after the handshake (RFC 8446 §4.6). @rec_end says
 * this record's content ends here; a KeyUpdate must be the last thing in
 * its record (§5.1: handshake messages must not span key changes). */
static int
handle_handshake(struct zdp_tls_session *s, const uint8_t *p, size_t n)
{
	size_t off = 0;

	if (n == 0)
		return fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
	if (s->hs == NULL) {
		s->hs = malloc(HS_MAX);
		if (s->hs == NULL)
			return fail(s, ZDP_TLS_CTR_ERR_INTERNAL, AL_INTERNAL_ERROR);
	}
	if (n > HS_MAX - s->hs_len)
		return fail(s, ZDP_TLS_CTR_ERR_DECODE, AL_DECODE_ERROR);
	memcpy(s->hs + s->hs_len, p, n);
	s->hs_len += n;

	while (s->hs_len - off >= 4) {
		const uint8_t *m = s->hs + off;
		size_t mlen = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];

		if (mlen > HS_MAX - 4)
			return fail(s, ZDP_TLS_CTR_ERR_DECODE, AL_DECODE_ERROR);
		if (s->hs_len - off < 4 + mlen)
			break;
		switch (m[0]) {
		case HS_NEW_SESSION_TICKET:
			/* No resumption: drop it (the server never receives
			 * one legitimately). */
			if (s->role != ZDP_TLS_CLIENT)
				return fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
			count(s, ZDP_TLS_CTR_NST_IGNORED);
			break;
		case HS_KEY_UPDATE:
			if (mlen != 1)
				return fail(s, ZDP_TLS_CTR_ERR_DECODE, AL_DECODE_ERROR);
			if (m[4] > 1)
				return fail(s, ZDP_TLS_CTR_ERR_DECODE, AL_ILLEGAL_PARAMETER);
			if (off + 5 != s->hs_len)
				return fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
			if (zdp_tls_traffic_update(&s->rx) < 0)
				return fail(s, ZDP_TLS_CTR_ERR_INTERNAL, AL_INTERNAL_ERROR);
			count(s, ZDP_TLS_CTR_KEY_UPDATE_RECV);
			/* §4.6.3: answer update_requested before our next
			 * application data — right away, from the reserve. A
			 * side that already sent close_notify sends nothing. */
			if (m[4] == 1 && !s->close_sent) {
				int rc = send_key_update(s, false);

				if (rc < 0)
					return rc == -EAGAIN ?
					       fail(s, ZDP_TLS_CTR_ERR_INTERNAL, -1) : rc;
			}
			break;
		default:
			/* Includes CertificateRequest: post-handshake auth
			 * was never offered. */
			return fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
		}
		off += 4 + mlen;
	}
	if (off) {
		memmove(s->hs, s->hs + off, s->hs_len - off);
		s->hs_len -= off;
	}
	return 0;
}

static int
handle_alert(struct zdp_tls_session *s, const uint8_t *p, size_t n)
{
	if (n != 2)
		return fail(s, ZDP_TLS_CTR_ERR_DECODE, AL_DECODE_ERROR);
	if (p[1] == AL_CLOSE_NOTIFY) {
		s->close_recv = true;
		count(s, ZDP_TLS_CTR_CLOSE_RECV);
		if (s->close_sent)
			s->state = ZDP_TLS_CLOSED;
		return 0;
	}
	if (p[1] == AL_USER_CANCELED)
		return 0;	/* §6.1: followed by close_notify */
	/* §6.2: everything else is fatal; do not answer an alert with one. */
	s->alert_recv = p[1];
	return fail(s, ZDP_TLS_CTR_ERR_PEER_ALERT, -1);
}

/* A header zdp_tls_record_peek refused: an unknown content type is
 * unexpected_message (RFC 8446 §5), a broken version byte decode_error. */
static int
bad_header(struct zdp_tls_session *s, uint8_t otype)
{
	if (otype < ZDP_TLS_CT_CCS || otype > ZDP_TLS_CT_APPDATA)
		return fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
	return fail(s, ZDP_TLS_CTR_ERR_BAD_RECORD, AL_DECODE_ERROR);
}

/* Open every complete record in s->in. */
static int
process_records(struct zdp_tls_session *s)
{
	size_t off = 0;
	int rc = 0;

	while (s->state == ZDP_TLS_OPEN && off < s->in_len) {
		uint8_t *rec = s->in + off, otype = 0, type;
		size_t plen;
		int len = zdp_tls_record_peek(rec, s->in_len - off, &otype);

		if (len == -EAGAIN)
			break;
		if (len == -EMSGSIZE) {
			rc = fail(s, ZDP_TLS_CTR_ERR_RECORD_OVERFLOW, AL_RECORD_OVERFLOW);
			break;
		}
		if (len < 0) {
			rc = bad_header(s, otype);
			break;
		}
		off += (size_t)len;
		if (s->close_recv)
			continue;	/* §6.1: ignore data after close_notify */
		if (otype != ZDP_TLS_CT_APPDATA) {
			/* Plaintext records (CCS included) are over once both
			 * Finished messages went by. */
			rc = fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
			break;
		}
		rc = zdp_tls_record_open(&s->rx, rec, (size_t)len, &type, &plen);
		if (rc == -EBADMSG) {
			rc = fail(s, ZDP_TLS_CTR_ERR_BAD_RECORD_MAC, AL_BAD_RECORD_MAC);
			break;
		}
		if (rc == -EMSGSIZE) {
			rc = fail(s, ZDP_TLS_CTR_ERR_RECORD_OVERFLOW, AL_RECORD_OVERFLOW);
			break;
		}
		if (rc < 0) {
			rc = fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
			break;
		}
		count(s, ZDP_TLS_CTR_RECORDS_OPENED);
		rec += ZDP_TLS_REC_HDR;
		switch (type) {
		case ZDP_TLS_CT_APPDATA:
			if (s->hs_len) {
				/* §5.1: no interleaving inside a fragmented
				 * handshake message. */
				rc = fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
				break;
			}
			if (plen)
				s->on_data(s->arg, rec, plen);
			break;
		case ZDP_TLS_CT_HANDSHAKE:
			rc = handle_handshake(s, rec, plen);
			break;
		case ZDP_TLS_CT_ALERT:
			rc = handle_alert(s, rec, plen);
			break;
		default:
			rc = fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
			break;
		}
		if (rc < 0)
			break;
	}
	if (off && off < s->in_len)
		memmove(s->in, s->in + off, s->in_len - off);
	s->in_len -= off < s->in_len ? off : s->in_len;
	return rc;
}

int
zdp_tls_session_input(struct zdp_tls_session *s, const uint8_t *p, size_t len)
{
	int rc;

	if (s->state == ZDP_TLS_FAILED)
		return errno_for(s->err);
	if (s->state == ZDP_TLS_CLOSED)
		return 0;
	if (s->state == ZDP_TLS_HANDSHAKE) {
		/* OpenSSL consumes records as they complete, so more than a
		 * few records' worth waiting here is a peer flooding us. */
		if (BIO_ctrl_pending(s->rbio) + len > HS_INPUT_MAX) {
			s->err = ZDP_TLS_CTR_ERR_HANDSHAKE;
			return handshake_failed(s);
		}
		if (len && BIO_write(s->rbio, p, (int)len) != (int)len) {
			s->err = ZDP_TLS_CTR_ERR_INTERNAL;
			return handshake_failed(s);
		}
		return handshake_step(s);
	}
	while (len) {
		size_t take = ZDP_TLS_MAX_RECORD - s->in_len;

		if (take > len)
			take = len;
		memcpy(s->in + s->in_len, p, take);
		s->in_len += take;
		p += take;
		len -= take;
		rc = process_records(s);
		if (rc < 0)
			return rc;
		if (s->state != ZDP_TLS_OPEN)
			return 0;
	}
	return 0;
}

int
zdp_tls_session_input_eof(struct zdp_tls_session *s)
{
	if (s->close_recv || s->state == ZDP_TLS_FAILED || s->state == ZDP_TLS_CLOSED)
		return 0;
	if (s->state == ZDP_TLS_HANDSHAKE) {
		count(s, ZDP_TLS_CTR_HS_FAILED);
		count(s, ZDP_TLS_CTR_ERR_PEER_EOF);
		s->err = ZDP_TLS_CTR_ERR_PEER_EOF;
		s->state = ZDP_TLS_FAILED;
		return -ECONNABORTED;
	}
	return fail(s, ZDP_TLS_CTR_ERR_PEER_EOF, -1);
}

ssize_t
zdp_tls_session_write(struct zdp_tls_session *s, const uint8_t *p, size_t len)
{
	size_t done = 0;
	int rc;

	if (s->state == ZDP_TLS_HANDSHAKE)
		return -EAGAIN;
	if (s->state != ZDP_TLS_OPEN || s->close_sent)
		return -EPIPE;
	while (done < len) {
		size_t room = out_room(s), chunk = len - done;
		const size_t overhead = ZDP_TLS_REC_HDR + 1 + ZDP_AEAD_TAG_LEN;

		if (s->tx.seq >= KU_SEQ_LIMIT) {
			rc = send_key_update(s, false);
			if (rc < 0)
				break;
		}
		if (room < ALERT_RESERVE + overhead + 1)
			break;
		room -= ALERT_RESERVE + overhead;
		if (chunk > ZDP_TLS_MAX_PLAIN)
			chunk = ZDP_TLS_MAX_PLAIN;
		if (chunk > room)
			chunk = room;
		rc = emit(s, ZDP_TLS_CT_APPDATA, p + done, chunk, false);
		if (rc < 0) {
			if (rc != -EAGAIN)
				return fail(s, ZDP_TLS_CTR_ERR_INTERNAL, AL_INTERNAL_ERROR);
			break;
		}
		done += chunk;
	}
	return done ? (ssize_t)done : (len ? -EAGAIN : 0);
}

int
zdp_tls_session_seal_mbuf(struct zdp_tls_session *s, struct rte_mbuf *m)
{
	int rc;

	if (s->state == ZDP_TLS_HANDSHAKE)
		return -EAGAIN;
	if (s->state != ZDP_TLS_OPEN || s->close_sent)
		return -EPIPE;
	if (s->tx.seq >= KU_SEQ_LIMIT) {
		rc = send_key_update(s, false);
		if (rc < 0)
			return rc;
	}
	rc = zdp_tls_record_seal_mbuf(&s->tx, ZDP_TLS_CT_APPDATA, m, 0);
	if (rc > 0)
		count(s, ZDP_TLS_CTR_RECORDS_SEALED);
	return rc;
}

int
zdp_tls_session_open_mbuf(struct zdp_tls_session *s, struct rte_mbuf *m, uint32_t off,
			  uint32_t *rec_len, uint32_t *plain_len)
{
	uint8_t otype = 0, type = 0;
	uint32_t pl = 0;
	int len, rc;

	*rec_len = 0;
	*plain_len = 0;
	if (s->state == ZDP_TLS_FAILED)
		return errno_for(s->err);
	if (s->state == ZDP_TLS_CLOSED)
		return -EPIPE;
	if (s->state == ZDP_TLS_HANDSHAKE || s->in_len)
		return -EINVAL;	/* handshake bytes go through input() */
	len = zdp_tls_record_peek_mbuf(m, off, &otype);
	if (len == -EAGAIN)
		return -EAGAIN;
	if (len == -EMSGSIZE)
		return fail(s, ZDP_TLS_CTR_ERR_RECORD_OVERFLOW, AL_RECORD_OVERFLOW);
	if (len < 0)
		return bad_header(s, otype);
	*rec_len = (uint32_t)len;
	if (s->close_recv)
		return 0;
	if (otype != ZDP_TLS_CT_APPDATA)
		return fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
	rc = zdp_tls_record_open_mbuf(&s->rx, m, off, &type, &pl);
	if (rc == -EBADMSG)
		return fail(s, ZDP_TLS_CTR_ERR_BAD_RECORD_MAC, AL_BAD_RECORD_MAC);
	if (rc == -EMSGSIZE)
		return fail(s, ZDP_TLS_CTR_ERR_RECORD_OVERFLOW, AL_RECORD_OVERFLOW);
	if (rc == -E2BIG)
		return fail(s, ZDP_TLS_CTR_ERR_INTERNAL, AL_INTERNAL_ERROR);
	if (rc < 0)
		return fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
	count(s, ZDP_TLS_CTR_RECORDS_OPENED);
	if (type == ZDP_TLS_CT_APPDATA) {
		if (s->hs_len)
			return fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
		*plain_len = pl;
		return pl ? 1 : 0;
	}
	/* Control content is small and rare: gather it into the (unused in
	 * this mode) input buffer and reuse the flat handlers. */
	if (zdp_tls_chain_copy(m, off + ZDP_TLS_REC_HDR, pl, s->in) < 0)
		return fail(s, ZDP_TLS_CTR_ERR_INTERNAL, AL_INTERNAL_ERROR);
	if (type == ZDP_TLS_CT_HANDSHAKE)
		rc = handle_handshake(s, s->in, pl);
	else if (type == ZDP_TLS_CT_ALERT)
		rc = handle_alert(s, s->in, pl);
	else
		rc = fail(s, ZDP_TLS_CTR_ERR_UNEXPECTED, AL_UNEXPECTED_MESSAGE);
	OPENSSL_cleanse(s->in, pl);
	return rc < 0 ? rc : 0;
}

size_t
zdp_tls_session_output_peek(struct zdp_tls_session *s, const uint8_t **p)
{
	if (s->ssl)
		drain_wbio(s);
	*p = s->out + s->out_off;
	return s->out_len - s->out_off;
}

void
zdp_tls_session_output_consume(struct zdp_tls_session *s, size_t n)
{
	if (n > s->out_len - s->out_off)
		n = s->out_len - s->out_off;
	s->out_off += n;
	if (s->out_off == s->out_len)
		s->out_off = s->out_len = 0;
}

int
zdp_tls_session_key_update(struct zdp_tls_session *s, bool request_peer)
{
	if (s->state == ZDP_TLS_HANDSHAKE)
		return -EAGAIN;
	if (s->state != ZDP_TLS_OPEN || s->close_sent)
		return -EPIPE;
	return send_key_update(s, request_peer);
}

int
zdp_tls_session_close(struct zdp_tls_session *s)
{
	static const uint8_t a[2] = { 1, AL_CLOSE_NOTIFY };
	int rc;

	if (s->state != ZDP_TLS_OPEN || s->close_sent)
		return -EPIPE;
	rc = emit(s, ZDP_TLS_CT_ALERT, a, 2, true);
	if (rc < 0)
		return rc;
	s->close_sent = true;
	count(s, ZDP_TLS_CTR_CLOSE_SENT);
	if (s->close_recv)
		s->state = ZDP_TLS_CLOSED;
	return 0;
}

enum zdp_tls_state
zdp_tls_session_state(const struct zdp_tls_session *s)
{
	return s->state;
}

bool
zdp_tls_session_peer_closed(const struct zdp_tls_session *s)
{
	return s->close_recv;
}

int
zdp_tls_session_peer_id(const struct zdp_tls_session *s, struct zdp_spiffe_id *id)
{
	if (!s->peer_verified || s->state == ZDP_TLS_HANDSHAKE)
		return -EAGAIN;
	*id = s->peer;
	return 0;
}

uint16_t
zdp_tls_session_suite(const struct zdp_tls_session *s)
{
	return s->state == ZDP_TLS_HANDSHAKE ? 0 : s->suite;
}

enum zdp_tls_counter
zdp_tls_session_error(const struct zdp_tls_session *s, int *alert_sent, int *alert_recv)
{
	if (alert_sent)
		*alert_sent = s->alert_sent;
	if (alert_recv)
		*alert_recv = s->alert_recv;
	return s->state == ZDP_TLS_FAILED ? s->err : ZDP_TLS_CTR_MAX;
}

struct zdp_tls_traffic *
zdp_tls_session_tx(struct zdp_tls_session *s)
{
	return s->state == ZDP_TLS_OPEN ? &s->tx : NULL;
}

struct zdp_tls_traffic *
zdp_tls_session_rx(struct zdp_tls_session *s)
{
	return s->state == ZDP_TLS_OPEN ? &s->rx : NULL;
}
