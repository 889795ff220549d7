/* SPDX-License-Identifier: BSD-3-Clause
 * test_tls_failmalloc.c — allocation-failure loop over a full session
 * (nghttp2's failmalloc pattern): run a mutual handshake plus a little data
 * once to count OpenSSL's allocations, then rerun it failing allocation N
 * for N across that range. Every run must end cleanly: both sessions open
 * and the data intact, or a session refused (NULL) or failed with a reason
 * — never a crash, never a leak (LeakSanitizer in the sanitizer build),
 * never data delivered from a failed session.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "zdp_test.h"
#include "tls_test_util.h"
#include "zdp_tls.h"

static long alloc_count, fail_at = -1;

static void *
fm_malloc(size_t n, const char *file, int line)
{
	if (fail_at >= 0 && alloc_count++ == fail_at)
		return NULL;
	return malloc(n);
}

static void *
fm_realloc(void *p, size_t n, const char *file, int line)
{
	if (fail_at >= 0 && alloc_count++ == fail_at)
		return NULL;
	return realloc(p, n);
}

static void
fm_free(void *p, const char *file, int line)
{
	free(p);
}

static char pki[256];
static struct zdp_aead_engine *eng;

struct sink {
	size_t n;
	int bad;
};

static void
on_data(void *arg, const uint8_t *p, size_t n)
{
	struct sink *k = arg;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (uint8_t)(k->n + i))
			k->bad = 1;
	k->n += n;
}

/* One full run; returns 1 if both sessions ended open with the data. */
static int
run_once(struct zdp_tls_store *cst, int ci, struct zdp_tls_store *sst, int si)
{
	struct zdp_tls_session_params p;
	struct zdp_tls_session *c, *s;
	struct sink cin = { 0 }, sin = { 0 };
	uint8_t data[3000];
	int i, ok;

	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (uint8_t)i;
	memset(&p, 0, sizeof(p));
	p.role = ZDP_TLS_CLIENT;
	p.store = cst;
	p.identity = ci;
	p.expected[0] = "spiffe://cluster.local/ns/default/sa/server";
	p.n_expected = 1;
	p.aead = eng;
	p.on_data = on_data;
	p.arg = &cin;
	c = zdp_tls_session_create(&p);
	p.role = ZDP_TLS_SERVER;
	p.store = sst;
	p.identity = si;
	p.n_expected = 0;
	p.arg = &sin;
	s = zdp_tls_session_create(&p);
	if (c && s) {
		for (i = 0; i < 16; i++) {
			const uint8_t *o;
			size_t n = zdp_tls_session_output_peek(c, &o), m;

			zdp_tls_session_input(s, o, n);
			zdp_tls_session_output_consume(c, n);
			m = zdp_tls_session_output_peek(s, &o);
			zdp_tls_session_input(c, o, m);
			zdp_tls_session_output_consume(s, m);
			if (i == 4 && zdp_tls_session_state(c) == ZDP_TLS_OPEN)
				zdp_tls_session_write(c, data, sizeof(data));
			if (n == 0 && m == 0 && i > 5)
				break;
		}
	}
	ok = c && s && zdp_tls_session_state(c) == ZDP_TLS_OPEN &&
	     zdp_tls_session_state(s) == ZDP_TLS_OPEN && sin.n == sizeof(data);
	/* whatever happened, nothing wrong was delivered */
	ZDP_CHECK(!sin.bad && !cin.bad);
	if (c && zdp_tls_session_state(c) == ZDP_TLS_FAILED)
		ZDP_CHECK(zdp_tls_session_error(c, NULL, NULL) != ZDP_TLS_CTR_MAX);
	if (s && zdp_tls_session_state(s) == ZDP_TLS_FAILED)
		ZDP_CHECK(zdp_tls_session_error(s, NULL, NULL) != ZDP_TLS_CTR_MAX);
	zdp_tls_session_destroy(c);
	zdp_tls_session_destroy(s);
	return ok;
}

static void
test_failmalloc_handshake(void)
{
	char b[512], cc[512], ck[512], sc[512], sk[512];
	struct zdp_tls_store *cst, *sst;
	long total, n, stride, opened = 0, failed = 0;
	int ci, si;

	snprintf(b, sizeof(b), "%s/bundle.pem", pki);
	snprintf(cc, sizeof(cc), "%s/client.pem", pki);
	snprintf(ck, sizeof(ck), "%s/client.key", pki);
	snprintf(sc, sizeof(sc), "%s/server.pem", pki);
	snprintf(sk, sizeof(sk), "%s/server.key", pki);
	cst = zdp_tls_store_create(b);
	sst = zdp_tls_store_create(b);
	ZDP_REQUIRE(cst && sst);
	ci = zdp_tls_store_add(cst, cc, ck);
	si = zdp_tls_store_add(sst, sc, sk);
	ZDP_REQUIRE(ci >= 0 && si >= 0);
	/* warm-up: OpenSSL's one-time initialisations happen here */
	ZDP_REQUIRE(run_once(cst, ci, sst, si) == 1);
	/* count */
	alloc_count = 0;
	fail_at = 1L << 60;
	ZDP_REQUIRE(run_once(cst, ci, sst, si) == 1);
	total = alloc_count;
	printf("# %ld OpenSSL allocations per run\n", total);
	ZDP_CHECK(total > 100);
	/* Fail each allocation in turn; stride keeps the run short on 2
	 * shared cores while still hitting every phase of the handshake. */
	stride = total > 1500 ? total / 1500 + 1 : 1;
	for (n = 0; n < total; n += stride) {
		alloc_count = 0;
		fail_at = n;
		if (run_once(cst, ci, sst, si))
			opened++;
		else
			failed++;
	}
	fail_at = -1;
	printf("# failing allocation 0..%ld step %ld: %ld runs still completed, %ld refused cleanly\n",
	       total - 1, stride, opened, failed);
	ZDP_CHECK(failed > 0);
	/* and the engine still works afterwards */
	ZDP_CHECK_EQ(run_once(cst, ci, sst, si), 1);
	zdp_tls_store_destroy(cst);
	zdp_tls_store_destroy(sst);
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_failmalloc_handshake),
	{ 0 },
};

int
main(void)
{
	const char *script = getenv("ZDP_PKI_SCRIPT");
	char cmd[700];
	int rc;

	/* Before anything in OpenSSL allocates. */
	if (!CRYPTO_set_mem_functions(fm_malloc, fm_realloc, fm_free)) {
		printf("1..0 # SKIP cannot install allocator\n");
		return 1;
	}
	if (script == NULL)
		script = "../tests/crypto/mkpki.sh";
	snprintf(pki, sizeof(pki), "/tmp/zdp_tls_failmalloc_%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s' >/dev/null", script, pki);
	if (system(cmd) != 0) {
		printf("1..0 # SKIP cannot generate the PKI with %s\n", script);
		return 1;
	}
	eng = zdp_aead_engine_create(ZDP_AEAD_IPSECMB, NULL);
	rc = zdp_test_main(tests);
	zdp_aead_engine_destroy(eng);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pki);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
