/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls_session.c — zdp TLS sessions end to end in memory.
 *
 * Two zdp sessions (or a zdp session and a bare OpenSSL peer) exchange
 * bytes through the caller-facing buffers, exactly as the TCP stack would.
 * The PKI is generated at test time by mkpki.sh (ZDP_PKI_SCRIPT).
 *
 * Proves: mutual handshake and identities both ways; data both ways on
 * every AEAD backend; KeyUpdate both directions with update_requested;
 * NewSessionTicket ignored; close_notify; the Finished-plus-data handover;
 * byte-at-a-time input; and every failure ending with the right alert and
 * reason counter: wrong identity, wrong trust domain, expired, untrusted,
 * no SPIFFE ID, missing client certificate, no ALPN, tampered / replayed /
 * oversized / unexpected records, truncation. Store reload keeps live
 * sessions and serves the new certificate to new ones.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <rte_eal.h>

#include "zdp_test.h"
#include "tls_test_util.h"
#include "zdp_tls.h"

static char pki[256];
static struct zdp_aead_engine *engines[ZDP_AEAD_BACKEND_MAX];

#define SERVER_ID "spiffe://cluster.local/ns/default/sa/server"

struct sink {
	uint8_t *buf;
	size_t len, cap;
};

static void
sink_data(void *arg, const uint8_t *p, size_t n)
{
	struct sink *k = arg;

	if (k->len + n > k->cap) {
		k->cap = (k->len + n) * 2;
		k->buf = realloc(k->buf, k->cap);
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
}

struct pair {
	struct zdp_tls_store *cst, *sst;
	struct zdp_tls_session *c, *s;
	struct sink cin, sin;
	struct zdp_tls_counters cctr, sctr;
	int crc, src;
};

static char *
path(const char *name)
{
	static char b[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(b[i], sizeof(b[i]), "%s/%s", pki, name);
	return b[i];
}

static struct zdp_tls_store *
store_for(const char *ident, int *idx)
{
	char chain[64], key[64];
	struct zdp_tls_store *st = zdp_tls_store_create(path("bundle.pem"));

	if (st == NULL)
		return NULL;
	snprintf(chain, sizeof(chain), "%s.pem", ident);
	snprintf(key, sizeof(key), "%s.key", ident);
	*idx = zdp_tls_store_add(st, path(chain), path(key));
	return st;
}

/* Move bytes @from -> @to; @chunk 0 = all at once. Returns bytes moved. */
static size_t
move(struct zdp_tls_session *from, struct zdp_tls_session *to, size_t chunk, int *rc)
{
	const uint8_t *p;
	size_t n = zdp_tls_session_output_peek(from, &p), done = 0;

	while (done < n) {
		size_t take = chunk && n - done > chunk ? chunk : n - done;
		int r = zdp_tls_session_input(to, p + done, take);

		if (r < 0 && *rc == 0)
			*rc = r;
		done += take;
	}
	zdp_tls_session_output_consume(from, n);
	return n;
}

static void
pump(struct pair *pr, size_t chunk)
{
	int i;

	for (i = 0; i < 64; i++) {
		size_t a = move(pr->c, pr->s, chunk, &pr->src);
		size_t b = move(pr->s, pr->c, chunk, &pr->crc);

		if (a == 0 && b == 0)
			break;
	}
}

static int
pair_open(struct pair *pr, enum zdp_aead_backend b, const char *client_ident,
	  const char *server_ident, const char *expect)
{
	struct zdp_tls_session_params cp, sp;
	int ci, si;

	memset(pr, 0, sizeof(*pr));
	pr->cst = store_for(client_ident, &ci);
	pr->sst = store_for(server_ident, &si);
	if (pr->cst == NULL || pr->sst == NULL || ci < 0 || si < 0)
		return -1;
	memset(&cp, 0, sizeof(cp));
	cp.role = ZDP_TLS_CLIENT;
	cp.store = pr->cst;
	cp.identity = ci;
	cp.expected[0] = expect;
	cp.n_expected = 1;
	cp.aead = engines[b];
	cp.ctr = &pr->cctr;
	cp.on_data = sink_data;
	cp.arg = &pr->cin;
	sp = cp;
	sp.role = ZDP_TLS_SERVER;
	sp.store = pr->sst;
	sp.identity = si;
	sp.n_expected = 0;
	sp.ctr = &pr->sctr;
	sp.arg = &pr->sin;
	pr->c = zdp_tls_session_create(&cp);
	pr->s = zdp_tls_session_create(&sp);
	return pr->c && pr->s ? 0 : -1;
}

static void
pair_close(struct pair *pr)
{
	zdp_tls_session_destroy(pr->c);
	zdp_tls_session_destroy(pr->s);
	zdp_tls_store_destroy(pr->cst);
	zdp_tls_store_destroy(pr->sst);
	free(pr->cin.buf);
	free(pr->sin.buf);
}

static void
send_all(struct pair *pr, struct zdp_tls_session *from, const uint8_t *p, size_t n)
{
	size_t done = 0;
	int guard = 0;

	while (done < n && guard++ < 100000) {
		ssize_t w = zdp_tls_session_write(from, p + done, n - done);

		if (w > 0)
			done += (size_t)w;
		pump(pr, 0);
	}
}

static void
data_roundtrip(enum zdp_aead_backend b, size_t chunk)
{
	static uint8_t big[300000];
	struct pair pr;
	struct zdp_spiffe_id id;
	uint64_t st = 42;

	ZDP_REQUIRE(pair_open(&pr, b, "client", "server", SERVER_ID) == 0);
	pump(&pr, chunk);
	ZDP_CHECK_EQ(pr.crc, 0);
	ZDP_CHECK_EQ(pr.src, 0);
	ZDP_REQUIRE(zdp_tls_session_state(pr.c) == ZDP_TLS_OPEN);
	ZDP_REQUIRE(zdp_tls_session_state(pr.s) == ZDP_TLS_OPEN);
	ZDP_CHECK_EQ(zdp_tls_session_suite(pr.c), ZDP_TLS_AES_128_GCM_SHA256);
	ZDP_CHECK_EQ(zdp_tls_session_peer_id(pr.s, &id), 0);
	ZDP_CHECK_STR(id.trust_domain, "cluster.local");
	ZDP_CHECK_STR(id.ns, "app");
	ZDP_CHECK_STR(id.sa, "client");
	ZDP_CHECK_EQ(zdp_tls_session_peer_id(pr.c, &id), 0);
	ZDP_CHECK_STR(id.ns, "default");
	ZDP_CHECK_STR(id.sa, "server");
	ZDP_CHECK_EQ(pr.cctr.c[ZDP_TLS_CTR_HS_DONE], 1);
	ZDP_CHECK_EQ(pr.sctr.c[ZDP_TLS_CTR_HS_DONE], 1);

	tu_fill(&st, big, sizeof(big));
	send_all(&pr, pr.c, big, sizeof(big));
	ZDP_CHECK_EQ(pr.sin.len, sizeof(big));
	ZDP_CHECK(pr.sin.len == sizeof(big) && memcmp(pr.sin.buf, big, sizeof(big)) == 0);
	send_all(&pr, pr.s, big, 1000);
	ZDP_CHECK_EQ(pr.cin.len, 1000);

	/* KeyUpdate from the client, asking the server to update too. */
	ZDP_CHECK_EQ(zdp_tls_session_key_update(pr.c, true), 0);
	pump(&pr, chunk);
	ZDP_CHECK_EQ(pr.sctr.c[ZDP_TLS_CTR_KEY_UPDATE_RECV], 1);
	ZDP_CHECK_EQ(pr.sctr.c[ZDP_TLS_CTR_KEY_UPDATE_SENT], 1);
	ZDP_CHECK_EQ(pr.cctr.c[ZDP_TLS_CTR_KEY_UPDATE_RECV], 1);
	/* and from the server without request */
	ZDP_CHECK_EQ(zdp_tls_session_key_update(pr.s, false), 0);
	pump(&pr, chunk);
	ZDP_CHECK_EQ(pr.cctr.c[ZDP_TLS_CTR_KEY_UPDATE_RECV], 2);
	ZDP_CHECK_EQ(pr.cctr.c[ZDP_TLS_CTR_KEY_UPDATE_SENT], 1);
	send_all(&pr, pr.c, big, 5000);
	send_all(&pr, pr.s, big, 5000);
	ZDP_CHECK_EQ(pr.sin.len, sizeof(big) + 5000);
	ZDP_CHECK_EQ(pr.cin.len, 6000);
	ZDP_CHECK(memcmp(pr.sin.buf + sizeof(big), big, 5000) == 0);
	ZDP_CHECK(memcmp(pr.cin.buf + 1000, big, 5000) == 0);

	/* zdp updates its own keys before AES-GCM's per-key limit (RFC 8446
	 * §5.5): jump the sequence number to the threshold and write. */
	zdp_tls_session_tx(pr.c)->seq = 1ull << 23;
	zdp_tls_session_rx(pr.s)->seq = 1ull << 23;	/* the peer, in step */
	send_all(&pr, pr.c, big, 100);
	ZDP_REQUIRE(zdp_tls_session_state(pr.c) == ZDP_TLS_OPEN);
	ZDP_CHECK_EQ(pr.cctr.c[ZDP_TLS_CTR_KEY_UPDATE_SENT], 2);
	ZDP_CHECK_EQ(pr.sctr.c[ZDP_TLS_CTR_KEY_UPDATE_RECV], 2);
	ZDP_CHECK_EQ(zdp_tls_session_tx(pr.c)->seq, 1);
	ZDP_CHECK_EQ(pr.sin.len, sizeof(big) + 5100);

	/* close_notify both ways */
	ZDP_CHECK_EQ(zdp_tls_session_close(pr.c), 0);
	pump(&pr, chunk);
	ZDP_CHECK(zdp_tls_session_peer_closed(pr.s));
	ZDP_CHECK_EQ(zdp_tls_session_write(pr.c, big, 10), -EPIPE);
	ZDP_CHECK_EQ(zdp_tls_session_key_update(pr.c, false), -EPIPE);
	/* half-close: the server can still send */
	send_all(&pr, pr.s, big, 10);
	ZDP_CHECK_EQ(pr.cin.len, 6010);
	ZDP_CHECK_EQ(zdp_tls_session_close(pr.s), 0);
	pump(&pr, chunk);
	ZDP_CHECK_EQ(zdp_tls_session_state(pr.c), ZDP_TLS_CLOSED);
	ZDP_CHECK_EQ(zdp_tls_session_state(pr.s), ZDP_TLS_CLOSED);
	ZDP_CHECK_EQ(pr.crc, 0);
	ZDP_CHECK_EQ(pr.src, 0);
	pair_close(&pr);
}

static void
test_session_ipsecmb(void)
{
	data_roundtrip(ZDP_AEAD_IPSECMB, 0);
}

static void
test_session_evp(void)
{
	data_roundtrip(ZDP_AEAD_EVP, 0);
}

static void
test_session_cryptodev(void)
{
	ZDP_REQUIRE(engines[ZDP_AEAD_CRYPTODEV] != NULL);
	data_roundtrip(ZDP_AEAD_CRYPTODEV, 0);
}

static void
test_session_byte_at_a_time(void)
{
	data_roundtrip(ZDP_AEAD_IPSECMB, 1);
}

/* The client's Finished and its first record arrive in one read: the
 * server must hand the record from OpenSSL's BIO to zdp's record layer. */
static void
test_session_finished_plus_data(void)
{
	struct pair pr;
	const uint8_t *p;
	size_t n;
	int rc = 0;

	ZDP_REQUIRE(pair_open(&pr, ZDP_AEAD_IPSECMB, "client", "server", SERVER_ID) == 0);
	move(pr.c, pr.s, 0, &rc);	/* ClientHello */
	move(pr.s, pr.c, 0, &rc);	/* server flight -> client done */
	ZDP_REQUIRE(zdp_tls_session_state(pr.c) == ZDP_TLS_OPEN);
	ZDP_CHECK_EQ(zdp_tls_session_write(pr.c, (const uint8_t *)"hello", 5), 5);
	n = zdp_tls_session_output_peek(pr.c, &p);	/* Finished + data record */
	ZDP_CHECK_EQ(zdp_tls_session_input(pr.s, p, n), 0);
	zdp_tls_session_output_consume(pr.c, n);
	ZDP_CHECK_EQ(zdp_tls_session_state(pr.s), ZDP_TLS_OPEN);
	ZDP_CHECK_EQ(pr.sin.len, 5);
	ZDP_CHECK(pr.sin.len == 5 && memcmp(pr.sin.buf, "hello", 5) == 0);
	pair_close(&pr);
}

struct neg {
	const char *name;
	const char *client, *server, *expect;
	/* who fails and why, and the alert the other side sees */
	int client_fails;
	enum zdp_tls_counter reason;
	int alert;
};

static void
test_session_handshake_failures(void)
{
	static const struct neg rows[] = {
		{ "client: server identity not expected", "client", "server",
		  "spiffe://cluster.local/ns/default/sa/other", 1, ZDP_TLS_CTR_ERR_IDENTITY, 42 },
		{ "client: server from another trust domain", "client", "foreign",
		  SERVER_ID, 1, ZDP_TLS_CTR_ERR_IDENTITY, 42 },
		{ "client: server cert expired", "client", "expired", SERVER_ID, 1,
		  ZDP_TLS_CTR_ERR_CERT_EXPIRED, 45 },
		{ "client: server untrusted", "client", "rogue", SERVER_ID, 1,
		  ZDP_TLS_CTR_ERR_CERT_UNTRUSTED, 48 },
		{ "server: client from another trust domain", "foreign", "server", SERVER_ID, 0,
		  ZDP_TLS_CTR_ERR_TRUST_DOMAIN, 42 },
		{ "server: client cert expired", "expired", "server", SERVER_ID, 0,
		  ZDP_TLS_CTR_ERR_CERT_EXPIRED, 45 },
		{ "server: client untrusted", "rogue", "server", SERVER_ID, 0,
		  ZDP_TLS_CTR_ERR_CERT_UNTRUSTED, 48 },
	};
	unsigned i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct neg *r = &rows[i];
		struct pair pr;
		struct zdp_tls_session *bad, *other;
		struct zdp_tls_counters *bctr, *octr;
		int sent, recv;

		ZDP_CASE(r->name);
		if (pair_open(&pr, ZDP_AEAD_IPSECMB, r->client, r->server, r->expect) != 0) {
			ZDP_FAIL_("pair_open");
			continue;
		}
		pump(&pr, 0);
		bad = r->client_fails ? pr.c : pr.s;
		other = r->client_fails ? pr.s : pr.c;
		bctr = r->client_fails ? &pr.cctr : &pr.sctr;
		octr = r->client_fails ? &pr.sctr : &pr.cctr;
		ZDP_CHECK_EQ(zdp_tls_session_state(bad), ZDP_TLS_FAILED);
		ZDP_CHECK_EQ(zdp_tls_session_error(bad, &sent, &recv), r->reason);
		ZDP_CHECK_EQ(sent, r->alert);
		ZDP_CHECK_EQ(bctr->c[r->reason], 1);
		ZDP_CHECK_EQ(bctr->c[ZDP_TLS_CTR_HS_FAILED], 1);
		ZDP_CHECK_EQ(bctr->c[ZDP_TLS_CTR_HS_DONE], 0);
		/* The peer saw that alert and failed too (the server, when the
		 * client refuses, has not finished: TLS 1.3 client auth). */
		ZDP_CHECK_EQ(zdp_tls_session_state(other), ZDP_TLS_FAILED);
		ZDP_CHECK_EQ(zdp_tls_session_error(other, &sent, &recv), ZDP_TLS_CTR_ERR_PEER_ALERT);
		ZDP_CHECK_EQ(recv, r->alert);
		ZDP_CHECK_EQ(octr->c[ZDP_TLS_CTR_ERR_PEER_ALERT], 1);
		ZDP_CHECK(zdp_tls_session_write(bad, (const uint8_t *)"x", 1) < 0);
		ZDP_CHECK(pr.sin.len == 0 && pr.cin.len == 0);
		pair_close(&pr);
	}
}

/* A bare OpenSSL client over memory BIOs, for what a zdp client never does:
 * no certificate, no ALPN, a certificate without SPIFFE ID (the store
 * refuses to load one). */
static void
raw_client_case(const char *name, const char *cert, int with_alpn, enum zdp_tls_counter reason, int alert)
{
	struct zdp_tls_session_params sp;
	struct zdp_tls_counters ctr;
	struct zdp_tls_store *st;
	struct zdp_tls_session *s;
	struct sink in = { 0 };
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rb, *wb;
	int si, i, sent, recv;
	uint8_t buf[16384];

	ZDP_CASE(name);
	memset(&ctr, 0, sizeof(ctr));
	st = store_for("server", &si);
	ZDP_REQUIRE(st != NULL && si >= 0);
	memset(&sp, 0, sizeof(sp));
	sp.role = ZDP_TLS_SERVER;
	sp.store = st;
	sp.identity = si;
	sp.aead = engines[ZDP_AEAD_IPSECMB];
	sp.ctr = &ctr;
	sp.on_data = sink_data;
	sp.arg = &in;
	s = zdp_tls_session_create(&sp);
	ZDP_REQUIRE(s != NULL);

	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_load_verify_locations(ctx, path("bundle.pem"), NULL);
	if (cert) {
		char c[64], k[64];

		snprintf(c, sizeof(c), "%s.pem", cert);
		snprintf(k, sizeof(k), "%s.key", cert);
		SSL_CTX_use_certificate_chain_file(ctx, path(c));
		SSL_CTX_use_PrivateKey_file(ctx, path(k), SSL_FILETYPE_PEM);
	}
	ssl = SSL_new(ctx);
	if (with_alpn)
		SSL_set_alpn_protos(ssl, (const unsigned char *)"\x02h2", 3);
	rb = BIO_new(BIO_s_mem());
	wb = BIO_new(BIO_s_mem());
	BIO_set_mem_eof_return(rb, -1);
	SSL_set_bio(ssl, rb, wb);
	SSL_set_connect_state(ssl);
	for (i = 0; i < 10; i++) {
		const uint8_t *p;
		size_t n;
		int r;

		SSL_do_handshake(ssl);
		/* A TLS 1.3 client considers itself done before the server
		 * has checked its certificate: read to see the alert. */
		SSL_read(ssl, buf, sizeof(buf));
		while ((r = BIO_read(wb, buf, sizeof(buf))) > 0)
			zdp_tls_session_input(s, buf, (size_t)r);
		n = zdp_tls_session_output_peek(s, &p);
		BIO_write(rb, p, (int)n);
		zdp_tls_session_output_consume(s, n);
	}
	ZDP_CHECK_EQ(zdp_tls_session_state(s), ZDP_TLS_FAILED);
	ZDP_CHECK_EQ(zdp_tls_session_error(s, &sent, &recv), reason);
	ZDP_CHECK_EQ(sent, alert);
	ZDP_CHECK_EQ(ctr.c[reason], 1);
	ZDP_CHECK_EQ(in.len, 0);
	/* the OpenSSL client saw our alert */
	{
		unsigned long e = ERR_peek_last_error();

		ZDP_CHECK(e != 0);
		if (e)
			printf("# peer sees: %s\n", ERR_reason_error_string(e));
	}
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	zdp_tls_session_destroy(s);
	zdp_tls_store_destroy(st);
}

static void
test_session_raw_peer_failures(void)
{
	raw_client_case("missing client certificate", NULL, 1, ZDP_TLS_CTR_ERR_NO_PEER_CERT, 116);
	raw_client_case("client without ALPN", "client", 0, ZDP_TLS_CTR_ERR_ALPN, 120);
	raw_client_case("client certificate without SPIFFE ID", "nospiffe", 1,
			ZDP_TLS_CTR_ERR_NO_SPIFFE_ID, 42);
}

/* Record-level attacks on an established session, server side. */
static void
test_session_record_failures(void)
{
	static const struct {
		const char *name;
		int how;
		enum zdp_tls_counter reason;
		int alert;
	} rows[] = {
		{ "tampered record", 0, ZDP_TLS_CTR_ERR_BAD_RECORD_MAC, 20 },
		{ "replayed record (bad sequence)", 1, ZDP_TLS_CTR_ERR_BAD_RECORD_MAC, 20 },
		{ "oversized record", 2, ZDP_TLS_CTR_ERR_RECORD_OVERFLOW, 22 },
		{ "plaintext handshake record after the handshake", 3, ZDP_TLS_CTR_ERR_UNEXPECTED, 10 },
		{ "dropped record (bad sequence)", 4, ZDP_TLS_CTR_ERR_BAD_RECORD_MAC, 20 },
		{ "unknown record content type", 5, ZDP_TLS_CTR_ERR_UNEXPECTED, 10 },
		{ "not TLS at all (major version)", 6, ZDP_TLS_CTR_ERR_BAD_RECORD, 50 },
		{ "change_cipher_spec after the handshake", 7, ZDP_TLS_CTR_ERR_UNEXPECTED, 10 },
	};
	unsigned i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct pair pr;
		const uint8_t *p;
		uint8_t rec[128];
		size_t n;
		int sent, recv, rc = 0;

		ZDP_CASE(rows[i].name);
		ZDP_REQUIRE(pair_open(&pr, ZDP_AEAD_IPSECMB, "client", "server", SERVER_ID) == 0);
		pump(&pr, 0);
		ZDP_REQUIRE(zdp_tls_session_state(pr.s) == ZDP_TLS_OPEN);
		ZDP_CHECK_EQ(zdp_tls_session_write(pr.c, (const uint8_t *)"secret!", 7), 7);
		n = zdp_tls_session_output_peek(pr.c, &p);
		ZDP_REQUIRE(n <= sizeof(rec));
		memcpy(rec, p, n);
		zdp_tls_session_output_consume(pr.c, n);
		switch (rows[i].how) {
		case 0:
			rec[8] ^= 0x80;
			rc = zdp_tls_session_input(pr.s, rec, n);
			break;
		case 1:
			zdp_tls_session_input(pr.s, rec, n);
			rc = zdp_tls_session_input(pr.s, rec, n);
			break;
		case 2: {
			uint8_t h[5] = { 23, 3, 3, 0x41, 0x01 };

			rc = zdp_tls_session_input(pr.s, h, 5);
			break;
		}
		case 3: {
			uint8_t h[9] = { 22, 3, 3, 0, 4, 24, 0, 0, 0 };

			rc = zdp_tls_session_input(pr.s, h, 9);
			break;
		}
		case 5: {
			uint8_t h[9] = { 99, 3, 3, 0, 4, 1, 2, 3, 4 };

			rc = zdp_tls_session_input(pr.s, h, 9);
			break;
		}
		case 6: {
			uint8_t h[9] = { 23, 'T', 'T', 'P', '/', 1, 2, 3, 4 };

			rc = zdp_tls_session_input(pr.s, h, 9);
			break;
		}
		case 7: {
			uint8_t h[6] = { 20, 3, 3, 0, 1, 1 };

			rc = zdp_tls_session_input(pr.s, h, 6);
			break;
		}
		case 4:
			ZDP_CHECK_EQ(zdp_tls_session_write(pr.c, (const uint8_t *)"second", 6), 6);
			n = zdp_tls_session_output_peek(pr.c, &p);
			rc = zdp_tls_session_input(pr.s, p, n);	/* first one lost */
			zdp_tls_session_output_consume(pr.c, n);
			break;
		}
		ZDP_CHECK(rc < 0);
		ZDP_CHECK_EQ(zdp_tls_session_state(pr.s), ZDP_TLS_FAILED);
		ZDP_CHECK_EQ(zdp_tls_session_error(pr.s, &sent, &recv), rows[i].reason);
		ZDP_CHECK_EQ(sent, rows[i].alert);
		ZDP_CHECK_EQ(pr.sctr.c[rows[i].reason], 1);
		/* tampered: nothing delivered; replay: only the original */
		ZDP_CHECK(pr.sin.len == (rows[i].how == 1 ? 7u : 0u));
		/* the client receives the alert, protected */
		pump(&pr, 0);
		ZDP_CHECK_EQ(zdp_tls_session_state(pr.c), ZDP_TLS_FAILED);
		ZDP_CHECK_EQ(zdp_tls_session_error(pr.c, &sent, &recv), ZDP_TLS_CTR_ERR_PEER_ALERT);
		ZDP_CHECK_EQ(recv, rows[i].alert);
		pair_close(&pr);
	}
}

/* Take everything @from has queued and lay it over a chain split at random;
 * open every record through the session's mbuf path. Returns the number
 * of application bytes seen, appending them to @got. */
static int
mbuf_receive(struct zdp_tls_session *from, struct zdp_tls_session *to, uint64_t *st,
	     struct sink *got)
{
	const uint8_t *p;
	size_t n = zdp_tls_session_output_peek(from, &p);
	uint32_t lens[TU_MAX_SEGS], off = 0;
	struct tu_chain c;
	struct rte_mbuf *m;
	unsigned nseg;
	int rc = 0;

	if (n == 0)
		return 0;
	nseg = tu_random_split(st, (uint32_t)n, lens, 40);
	m = tu_chain_build(&c, p, lens, nseg);
	zdp_tls_session_output_consume(from, n);
	while (off < n) {
		uint32_t rlen, plen;
		int r = zdp_tls_session_open_mbuf(to, m, off, &rlen, &plen);

		if (r < 0) {
			rc = r;
			break;
		}
		if (r == 1) {
			uint8_t *tmp = malloc(plen);

			tu_chain_read(m, off + 5, plen, tmp);
			sink_data(got, tmp, plen);
			free(tmp);
		}
		off += rlen;
	}
	tu_chain_free(&c);
	return rc;
}

static void
test_session_mbuf_path(void)
{
	static uint8_t data[40000];
	struct pair pr;
	struct sink got = { 0 };
	uint64_t st = 99;
	unsigned i;
	int sent, recv;

	tu_fill(&st, data, sizeof(data));
	ZDP_REQUIRE(pair_open(&pr, ZDP_AEAD_IPSECMB, "client", "server", SERVER_ID) == 0);
	pump(&pr, 0);
	ZDP_REQUIRE(zdp_tls_session_state(pr.c) == ZDP_TLS_OPEN);

	ZDP_CASE("client seals chains, server reads flat");
	for (i = 0; i < 3; i++) {
		uint32_t lens[3] = { 100, 7000, 2900 };
		struct tu_chain c;
		struct rte_mbuf *m = tu_chain_build(&c, data + i * 10000, lens, 3);
		uint8_t *wire;
		int n = zdp_tls_session_seal_mbuf(pr.c, m);

		ZDP_CHECK_EQ(n, 5 + 10000 + 1 + 16);
		wire = malloc((size_t)n);
		tu_chain_read(m, 0, (uint32_t)n, wire);
		ZDP_CHECK_EQ(zdp_tls_session_input(pr.s, wire, (size_t)n), 0);
		free(wire);
		tu_chain_free(&c);
	}
	ZDP_CHECK_EQ(pr.sin.len, 30000);
	ZDP_CHECK(pr.sin.len == 30000 && memcmp(pr.sin.buf, data, 30000) == 0);

	ZDP_CASE("server writes flat, client opens chains; KeyUpdate in between");
	ZDP_CHECK_EQ(zdp_tls_session_write(pr.s, data, 20000), 20000);
	ZDP_CHECK_EQ(mbuf_receive(pr.s, pr.c, &st, &got), 0);
	ZDP_CHECK_EQ(zdp_tls_session_key_update(pr.s, true), 0);
	ZDP_CHECK_EQ(zdp_tls_session_write(pr.s, data + 20000, 20000), 20000);
	ZDP_CHECK_EQ(mbuf_receive(pr.s, pr.c, &st, &got), 0);
	ZDP_CHECK_EQ(got.len, 40000);
	ZDP_CHECK(got.len == 40000 && memcmp(got.buf, data, 40000) == 0);
	ZDP_CHECK_EQ(pr.cctr.c[ZDP_TLS_CTR_KEY_UPDATE_RECV], 1);
	ZDP_CHECK_EQ(pr.cctr.c[ZDP_TLS_CTR_KEY_UPDATE_SENT], 1);	/* answered */
	pump(&pr, 0);	/* the answer reaches the server */
	ZDP_CHECK_EQ(pr.sctr.c[ZDP_TLS_CTR_KEY_UPDATE_RECV], 1);

	ZDP_CASE("close_notify through the mbuf path");
	ZDP_CHECK_EQ(zdp_tls_session_close(pr.s), 0);
	ZDP_CHECK_EQ(mbuf_receive(pr.s, pr.c, &st, &got), 0);
	ZDP_CHECK(zdp_tls_session_peer_closed(pr.c));

	ZDP_CASE("tampered chain: refused, alert queued, nothing delivered");
	{
		struct pair p2;
		struct sink g2 = { 0 };
		const uint8_t *p;
		uint8_t *w;
		size_t n;
		uint32_t l = 0, rl, pl;
		struct tu_chain c;
		struct rte_mbuf *m;

		ZDP_REQUIRE(pair_open(&p2, ZDP_AEAD_IPSECMB, "client", "server", SERVER_ID) == 0);
		pump(&p2, 0);
		zdp_tls_session_write(p2.s, data, 3000);
		n = zdp_tls_session_output_peek(p2.s, &p);
		w = malloc(n);
		memcpy(w, p, n);
		zdp_tls_session_output_consume(p2.s, n);
		w[100] ^= 4;
		l = (uint32_t)n;
		m = tu_chain_build(&c, w, &l, 1);
		ZDP_CHECK_EQ(zdp_tls_session_open_mbuf(p2.c, m, 0, &rl, &pl), -EBADMSG);
		ZDP_CHECK_EQ(pl, 0);
		ZDP_CHECK_EQ(zdp_tls_session_error(p2.c, &sent, &recv), ZDP_TLS_CTR_ERR_BAD_RECORD_MAC);
		ZDP_CHECK_EQ(sent, 20);
		ZDP_CHECK(zdp_tls_session_output_peek(p2.c, &p) > 0);
		tu_chain_free(&c);
		free(w);
		free(g2.buf);
		pair_close(&p2);
	}
	free(got.buf);
	pair_close(&pr);
}

static void
test_session_truncation(void)
{
	struct pair pr;

	ZDP_REQUIRE(pair_open(&pr, ZDP_AEAD_IPSECMB, "client", "server", SERVER_ID) == 0);
	pump(&pr, 0);
	ZDP_CHECK_EQ(zdp_tls_session_input_eof(pr.s), -ECONNABORTED);
	ZDP_CHECK_EQ(zdp_tls_session_error(pr.s, NULL, NULL), ZDP_TLS_CTR_ERR_PEER_EOF);
	ZDP_CHECK_EQ(pr.sctr.c[ZDP_TLS_CTR_ERR_PEER_EOF], 1);
	pair_close(&pr);
}

static int
copy_file(const char *from, const char *to)
{
	char cmd[3000];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s.tmp' && mv '%s.tmp' '%s'", from, to, to, to);
	return system(cmd);
}

static void
test_store_reload_and_expiry(void)
{
	struct zdp_tls_store *st;
	struct zdp_spiffe_id id;
	int64_t na = 0;
	int idx;
	struct zdp_addr a, b;
	char chain[600], key[600];

	snprintf(chain, sizeof(chain), "%s", path("live.pem"));
	snprintf(key, sizeof(key), "%s", path("live.key"));
	ZDP_REQUIRE(copy_file(path("server.pem"), chain) == 0);
	ZDP_REQUIRE(copy_file(path("server.key"), key) == 0);
	st = zdp_tls_store_create(path("bundle.pem"));
	ZDP_REQUIRE(st != NULL);
	idx = zdp_tls_store_add(st, chain, key);
	ZDP_REQUIRE(idx >= 0);
	ZDP_CHECK_EQ(zdp_tls_store_expiry(st, idx, &na), 0);
	ZDP_CHECK(na > (int64_t)time(NULL) + 29 * 86400 && na < (int64_t)time(NULL) + 31 * 86400);
	ZDP_CHECK_EQ(zdp_tls_store_identity(st, idx, &id), 0);
	ZDP_CHECK_STR(id.sa, "server");

	ZDP_CASE("bind by original destination address");
	zdp_addr_set_v4(&a, 0x010012c6);	/* 198.18.0.1 */
	zdp_addr_set_v4(&b, 0x020012c6);
	ZDP_CHECK_EQ(zdp_tls_store_bind(st, &a, idx), 0);
	ZDP_CHECK_EQ(zdp_tls_store_lookup(st, &a), idx);
	ZDP_CHECK_EQ(zdp_tls_store_lookup(st, &b), -ENOENT);

	ZDP_CASE("nothing changed: nothing reloaded");
	ZDP_CHECK_EQ(zdp_tls_store_reload(st), 0);
	ZDP_CHECK(zdp_tls_store_watch_fd(st) >= 0);
	ZDP_CHECK_EQ(zdp_tls_store_watch_drain(st), 0);

	ZDP_CASE("a session in flight survives the reload");
	{
		struct pair pr;
		struct zdp_tls_session_params sp;
		struct zdp_tls_session *s2;

		ZDP_REQUIRE(pair_open(&pr, ZDP_AEAD_IPSECMB, "client", "server", SERVER_ID) == 0);
		/* swap the pair's server for one on the reloadable store */
		zdp_tls_session_destroy(pr.s);
		memset(&sp, 0, sizeof(sp));
		sp.role = ZDP_TLS_SERVER;
		sp.store = st;
		sp.identity = idx;
		sp.aead = engines[ZDP_AEAD_IPSECMB];
		sp.ctr = &pr.sctr;
		sp.on_data = sink_data;
		sp.arg = &pr.sin;
		pr.s = zdp_tls_session_create(&sp);
		ZDP_REQUIRE(pr.s != NULL);
		{
			int rc = 0;

			move(pr.c, pr.s, 0, &rc);	/* ClientHello: mid-handshake */
		}
		ZDP_REQUIRE(copy_file(path("other.pem"), chain) == 0);
		ZDP_REQUIRE(copy_file(path("other.key"), key) == 0);
		{
			struct pollfd pfd = { .fd = zdp_tls_store_watch_fd(st), .events = POLLIN };

			ZDP_CHECK_EQ(poll(&pfd, 1, 2000), 1);	/* the change is signalled */
			ZDP_CHECK_EQ(zdp_tls_store_watch_drain(st), 1);
		}
		ZDP_CHECK_EQ(zdp_tls_store_reload(st), 1);
		zdp_tls_store_reclaim(st);	/* grace period over */
		ZDP_CHECK_EQ(zdp_tls_store_identity(st, idx, &id), 0);
		ZDP_CHECK_STR(id.sa, "other");
		pump(&pr, 0);
		ZDP_CHECK_EQ(zdp_tls_session_state(pr.s), ZDP_TLS_OPEN);
		ZDP_CHECK_EQ(zdp_tls_session_state(pr.c), ZDP_TLS_OPEN);
		send_all(&pr, pr.c, (const uint8_t *)"after reload", 12);
		ZDP_CHECK_EQ(pr.sin.len, 12);

		/* a new session gets the new certificate: the client expecting
		 * the old identity refuses it */
		sp.arg = &pr.sin;
		s2 = zdp_tls_session_create(&sp);
		ZDP_REQUIRE(s2 != NULL);
		{
			struct zdp_tls_session_params cp;
			struct zdp_tls_session *c2;
			int ci, rc = 0, sent;
			struct zdp_tls_store *cst = store_for("client", &ci);
			struct pair p2;

			memset(&cp, 0, sizeof(cp));
			cp.role = ZDP_TLS_CLIENT;
			cp.store = cst;
			cp.identity = ci;
			cp.expected[0] = SERVER_ID;
			cp.n_expected = 1;
			cp.aead = engines[ZDP_AEAD_IPSECMB];
			cp.on_data = sink_data;
			cp.arg = &pr.cin;
			c2 = zdp_tls_session_create(&cp);
			ZDP_REQUIRE(c2 != NULL);
			memset(&p2, 0, sizeof(p2));
			p2.c = c2;
			p2.s = s2;
			pump(&p2, 0);
			(void)rc;
			ZDP_CHECK_EQ(zdp_tls_session_error(c2, &sent, NULL), ZDP_TLS_CTR_ERR_IDENTITY);
			zdp_tls_session_destroy(c2);
			zdp_tls_store_destroy(cst);
		}
		zdp_tls_session_destroy(s2);
		pair_close(&pr);
	}
	ZDP_CASE("a broken file keeps the previous version");
	{
		FILE *f = fopen(chain, "w");

		ZDP_REQUIRE(f != NULL);
		fputs("garbage\n", f);
		fclose(f);
		ZDP_CHECK_EQ(zdp_tls_store_reload(st), 0);
		ZDP_CHECK_EQ(zdp_tls_store_identity(st, idx, &id), 0);
		ZDP_CHECK_STR(id.sa, "other");
	}
	ZDP_CASE("bad inputs");
	ZDP_CHECK_EQ(zdp_tls_store_add(st, path("nope.pem"), key), -ENOENT);
	ZDP_CHECK_EQ(zdp_tls_store_add(st, path("client.pem"), path("server.key")), -EINVAL);
	ZDP_CHECK_EQ(zdp_tls_store_add(st, path("nospiffe.pem"), path("nospiffe.key")), -EINVAL);
	zdp_tls_store_destroy(st);
}

static void
test_session_params(void)
{
	struct zdp_tls_session_params p;
	struct zdp_tls_store *st;
	int idx;

	st = store_for("server", &idx);
	ZDP_REQUIRE(st != NULL && idx >= 0);
	memset(&p, 0, sizeof(p));
	p.role = ZDP_TLS_SERVER;
	p.store = st;
	p.identity = idx;
	p.aead = engines[ZDP_AEAD_IPSECMB];
	p.on_data = sink_data;

	ZDP_CASE("server without expected identities is fine");
	{
		struct zdp_tls_session *s = zdp_tls_session_create(&p);

		ZDP_CHECK(s != NULL);
		ZDP_CHECK_EQ(zdp_tls_session_state(s), ZDP_TLS_HANDSHAKE);
		ZDP_CHECK_EQ(zdp_tls_session_write(s, (const uint8_t *)"x", 1), -EAGAIN);
		ZDP_CHECK_EQ(zdp_tls_session_key_update(s, false), -EAGAIN);
		ZDP_CHECK(zdp_tls_session_tx(s) == NULL);
		{
			struct zdp_spiffe_id id;

			ZDP_CHECK_EQ(zdp_tls_session_peer_id(s, &id), -EAGAIN);
		}
		zdp_tls_session_destroy(s);
	}
	ZDP_CASE("client needs an expected identity");
	p.role = ZDP_TLS_CLIENT;
	errno = 0;
	ZDP_CHECK(zdp_tls_session_create(&p) == NULL);
	ZDP_CHECK_EQ(errno, EINVAL);
	ZDP_CASE("no engine / no callback / unknown identity");
	p.role = ZDP_TLS_SERVER;
	p.aead = NULL;
	ZDP_CHECK(zdp_tls_session_create(&p) == NULL);
	p.aead = engines[ZDP_AEAD_IPSECMB];
	p.on_data = NULL;
	ZDP_CHECK(zdp_tls_session_create(&p) == NULL);
	p.on_data = sink_data;
	p.identity = 7;
	errno = 0;
	ZDP_CHECK(zdp_tls_session_create(&p) == NULL);
	ZDP_CHECK_EQ(errno, ENOENT);
	ZDP_CHECK(zdp_tls_session_create(NULL) == NULL);
	ZDP_CASE("destroy(NULL) is a no-op");
	zdp_tls_session_destroy(NULL);
	zdp_tls_store_destroy(NULL);
	zdp_aead_engine_destroy(NULL);
	ZDP_CASE("store: missing or broken bundle");
	errno = 0;
	ZDP_CHECK(zdp_tls_store_create(path("nope.pem")) == NULL);
	ZDP_CHECK_EQ(errno, ENOENT);
	ZDP_CHECK(zdp_tls_store_create(path("server.key")) == NULL);
	ZDP_CHECK_EQ(errno, EINVAL);
	zdp_tls_store_destroy(st);
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_session_params),
	ZDP_TEST_ENTRY(test_session_ipsecmb),
	ZDP_TEST_ENTRY(test_session_evp),
	ZDP_TEST_ENTRY(test_session_cryptodev),
	ZDP_TEST_ENTRY(test_session_byte_at_a_time),
	ZDP_TEST_ENTRY(test_session_finished_plus_data),
	ZDP_TEST_ENTRY(test_session_handshake_failures),
	ZDP_TEST_ENTRY(test_session_raw_peer_failures),
	ZDP_TEST_ENTRY(test_session_record_failures),
	ZDP_TEST_ENTRY(test_session_mbuf_path),
	ZDP_TEST_ENTRY(test_session_truncation),
	ZDP_TEST_ENTRY(test_store_reload_and_expiry),
	{ 0 },
};

int
main(void)
{
	const char *script = getenv("ZDP_PKI_SCRIPT");
	char cmd[700], prefix[64];
	char *eal_argv[] = { "test_tls_session", "--no-huge", "--no-pci", "-m", "256",
			     "--log-level", "error", "-l", "0", NULL, NULL };
	int rc, b, eal_ok;

	if (script == NULL)
		script = "../tests/crypto/mkpki.sh";
	snprintf(pki, sizeof(pki), "/tmp/zdp_tls_session_%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s' >/dev/null", script, pki);
	if (system(cmd) != 0) {
		printf("1..0 # SKIP cannot generate the PKI with %s\n", script);
		return 1;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=zdp_tls_sess_%d", (int)getpid());
	eal_argv[9] = prefix;
	engines[ZDP_AEAD_IPSECMB] = zdp_aead_engine_create(ZDP_AEAD_IPSECMB, NULL);
	engines[ZDP_AEAD_EVP] = zdp_aead_engine_create(ZDP_AEAD_EVP, NULL);
	eal_ok = rte_eal_init(10, eal_argv) >= 0;
	if (eal_ok)
		engines[ZDP_AEAD_CRYPTODEV] = zdp_aead_engine_create(ZDP_AEAD_CRYPTODEV, "crypto_aesni_gcm0");
	rc = zdp_test_main(tests);
	for (b = 0; b < ZDP_AEAD_BACKEND_MAX; b++)
		zdp_aead_engine_destroy(engines[b]);
	if (eal_ok)
		zdp_eal_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
