/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_tls_handshake.c — feed arbitrary handshake bytes to zdp sessions.
 *
 * The first input byte picks the role (server sessions parse ClientHello and
 * the client's certificate flight; client sessions parse ServerHello and the
 * server flight) and a chunk size; the rest goes in as the peer's bytes.
 * The identity is a self-signed P-256 certificate with a SPIFFE URI SAN made
 * in memory at start-up and written to a private temp directory (the store
 * loads PEM files). Checks: no crash, no leak (ASan), no application data
 * ever delivered, and a failed session stays failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct zdp_aead_engine *eng;
static struct zdp_tls_store *store;
static int ident;
static size_t delivered;
static char dir[64];

static void
on_data(void *arg, const uint8_t *p, size_t n)
{
	delivered += n;
}

static int
write_identity(const char *cert_path, const char *key_path)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	FILE *f;
	int ok = 0;

	if (k == NULL || x == NULL)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "O", MBSTRING_ASC,
				   (const unsigned char *)"zdp-fuzz", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
				  "URI:spiffe://cluster.local/ns/fuzz/sa/fuzz");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:true");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, k, EVP_sha256()) <= 0)
		goto out;
	f = fopen(cert_path, "w");
	if (f == NULL)
		goto out;
	PEM_write_X509(f, x);
	fclose(f);
	f = fopen(key_path, "w");
	if (f == NULL)
		goto out;
	PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	ok = 1;
out:
	X509_free(x);
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}

static void
cleanup(void)
{
	char p[128];

	zdp_tls_store_destroy(store);
	zdp_aead_engine_destroy(eng);
	snprintf(p, sizeof(p), "%s/id.pem", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/id.key", dir);
	unlink(p);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char c[128], k[128];

	snprintf(dir, sizeof(dir), "/tmp/zdp_fuzz_hs_XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(c, sizeof(c), "%s/id.pem", dir);
	snprintf(k, sizeof(k), "%s/id.key", dir);
	if (write_identity(c, k) < 0)
		return 1;
	eng = zdp_aead_engine_create(ZDP_AEAD_IPSECMB, NULL);
	store = zdp_tls_store_create(c);
	if (eng == NULL || store == NULL)
		return 1;
	ident = zdp_tls_store_add(store, c, k);
	atexit(cleanup);
	return ident < 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zdp_tls_session_params p;
	struct zdp_tls_session *s;
	size_t chunk, off = 1;
	int failed = 0;

	if (store == NULL && LLVMFuzzerInitialize(NULL, NULL) != 0)
		abort();
	if (size < 1)
		return 0;
	memset(&p, 0, sizeof(p));
	p.role = (data[0] & 1) ? ZDP_TLS_CLIENT : ZDP_TLS_SERVER;
	p.store = store;
	p.identity = ident;
	p.expected[0] = "spiffe://cluster.local/ns/fuzz/sa/fuzz";
	p.n_expected = 1;
	p.aead = eng;
	p.on_data = on_data;
	chunk = 1 + (data[0] >> 1) * 37;
	s = zdp_tls_session_create(&p);
	if (s == NULL)
		abort();
	delivered = 0;
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		const uint8_t *o;
		size_t on;

		zdp_tls_session_input(s, data + off, n);
		off += n;
		on = zdp_tls_session_output_peek(s, &o);
		zdp_tls_session_output_consume(s, on);
		if (zdp_tls_session_state(s) == ZDP_TLS_FAILED)
			failed = 1;
		else if (failed)
			abort();	/* failed sessions stay failed */
	}
	/* Nobody can complete a mutual handshake with this identity's key
	 * from fuzz input, so no application data may ever come out. */
	if (delivered || zdp_tls_session_state(s) == ZDP_TLS_OPEN)
		abort();
	zdp_tls_session_destroy(s);
	return 0;
}
