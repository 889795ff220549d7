/* SPDX-License-Identifier: BSD-3-Clause
 * bench_tls.c — TLS engine throughput and handshake rate, with same-run
 * baselines. Built with the project, never run by CI.
 *
 *   bench_tls [--seconds S] [--no-cryptodev] [--pki DIR] [--size 1024|1420|16384]
 *
 * Record protection (one core, one record in flight, warm cache):
 *   engine/ipsec-mb   zdp_tls_record_seal / _open, flat buffer, in place
 *   engine/mbuf       zdp_tls_record_seal_mbuf / open_mbuf, 1 and 4 segments
 *                     (and 12 at 16 KiB: MSS-sized segments)
 *   engine/evp, engine/cryptodev   the other backends through the same code
 *   raw ipsec-mb      IMB_AESxxx_GCM_ENC/DEC on the same bytes (the bound)
 *   raw evp           EVP_EncryptInit/Update/Final + tag on the same bytes
 * Opening is in place, so each open first copies a pristine record into the
 * buffer; the copy's own cost (measured alone) is subtracted, for the engine
 * and the baselines alike. Every figure is the best of 7 short runs.
 *
 * Handshakes: full mutual TLS 1.3 handshakes between two zdp sessions in
 * memory (X25519, ECDSA P-256 chain of 2 + root), time split by side, next
 * to the bound from the primitives each side must run, measured here with
 * EVP the way `openssl speed` does: server = 1 ECDSA sign + 3 verifies
 * (CertificateVerify, leaf, intermediate) + X25519 keygen + derive; the
 * client the same.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

/* Without this, IPsec-MB 1.x keeps 0.53 compatibility macros (SHA1, ...)
 * that collide with OpenSSL headers. */
#define NO_COMPAT_IMB_API_053 1
#include <intel-ipsec-mb.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "tls_priv.h"
#include "zdp_tls.h"

static double secs = 1.0;
static size_t only_size;	/* --size: one record size only */
static double tsc_hz;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
calibrate_tsc(void)
{
	double t0 = now_s();
	uint64_t c0 = __rdtsc();

	while (now_s() - t0 < 0.2)
		;
	tsc_hz = (double)(__rdtsc() - c0) / (now_s() - t0);
}

struct result {
	double gbps, cpb;
};

/* Run fn(arg) repeatedly for `secs`, return per-call cycles and seconds. */
typedef void (*op_fn)(void *arg);

/* Best of 7 short runs (lowest cycles per byte): on a shared, loaded
 * machine the minimum is the figure that reflects the code, not the
 * neighbours. */
static void
measure(op_fn fn, void *arg, size_t bytes, struct result *r)
{
	unsigned i, rep;

	for (i = 0; i < 1000; i++)
		fn(arg);	/* warm up */
	r->cpb = 1e30;
	for (rep = 0; rep < 7; rep++) {
		uint64_t n = 0, c0 = __rdtsc();
		double t0 = now_s(), t, cpb;

		do {
			for (i = 0; i < 64; i++)
				fn(arg);
			n += 64;
			t = now_s() - t0;
		} while (t < secs / 7);
		cpb = (double)(__rdtsc() - c0) / (double)n / (double)bytes;
		if (cpb < r->cpb)
			r->cpb = cpb;
	}
	r->gbps = tsc_hz * 8 / r->cpb / 1e9;
}

/* Two operations measured in alternation (7 rounds each, best of each), so
 * an engine figure and its baseline see the same neighbours. */
static void
measure2(op_fn fa, op_fn fb, void *arg, size_t bytes, struct result *ra, struct result *rb)
{
	unsigned i, rep, w;

	for (i = 0; i < 1000; i++) {
		fa(arg);
		fb(arg);
	}
	ra->cpb = rb->cpb = 1e30;
	for (rep = 0; rep < 14; rep++) {
		op_fn f = rep & 1 ? fb : fa;
		struct result *r = rep & 1 ? rb : ra;
		uint64_t n = 0, c0 = __rdtsc();
		double t0 = now_s(), t, cpb;

		do {
			for (w = 0; w < 64; w++)
				f(arg);
			n += 64;
			t = now_s() - t0;
		} while (t < secs / 7);
		cpb = (double)(__rdtsc() - c0) / (double)n / (double)bytes;
		if (cpb < r->cpb)
			r->cpb = cpb;
	}
	ra->gbps = tsc_hz * 8 / ra->cpb / 1e9;
	rb->gbps = tsc_hz * 8 / rb->cpb / 1e9;
}

/* ---- record benchmarks ---------------------------------------------------- */

struct rec_ctx {
	struct zdp_tls_traffic tx, rx;
	uint8_t *buf;
	uint8_t *pristine;	/* a sealed record, copied in before each open */
	size_t len;
	int rlen;
	/* mbuf */
	struct rte_mbuf m[12];
	uint8_t *seg[12];
	unsigned nseg;
	/* raw ipsec-mb */
	IMB_MGR *imb;
	struct gcm_key_data *kd;
	int k256;
	/* raw evp */
	EVP_CIPHER_CTX *evp;
	uint8_t iv[12];
};

static void
op_seal(void *a)
{
	struct rec_ctx *c = a;

	c->tx.seq = 0;
	c->rlen = zdp_tls_record_seal(&c->tx, ZDP_TLS_CT_APPDATA, c->buf + 5, c->len, 0, c->buf,
				      c->len + 64);
}

static void
op_copy(void *a)
{
	struct rec_ctx *c = a;

	memcpy(c->buf, c->pristine, (size_t)c->rlen);
	__asm__ volatile("" ::: "memory");
}

static void
op_open(void *a)
{
	struct rec_ctx *c = a;
	uint8_t type;
	size_t pl;

	op_copy(a);
	c->rx.seq = 0;
	if (zdp_tls_record_open(&c->rx, c->buf, (size_t)c->rlen, &type, &pl) != 0)
		abort();
}

static void
chain_reset(struct rec_ctx *c)
{
	unsigned i;
	uint16_t per = (uint16_t)(c->len / c->nseg);

	for (i = 0; i < c->nseg; i++) {
		c->m[i].data_off = 64;
		c->m[i].data_len = i + 1 == c->nseg ? (uint16_t)(c->len - per * (c->nseg - 1)) : per;
		c->m[i].next = i + 1 < c->nseg ? &c->m[i + 1] : NULL;
	}
	c->m[0].pkt_len = (uint32_t)c->len;
	c->m[0].nb_segs = (uint16_t)c->nseg;
}

static void
op_seal_mbuf(void *a)
{
	struct rec_ctx *c = a;

	chain_reset(c);
	c->tx.seq = 0;
	if (zdp_tls_record_seal_mbuf(&c->tx, ZDP_TLS_CT_APPDATA, c->m, 0) < 0)
		abort();
}

/* The 4-segment chain's bytes, refreshed from the pristine record. */
static void
op_open_mbuf(void *a)
{
	struct rec_ctx *c = a;
	uint8_t type;
	uint32_t pl, off = 0;
	unsigned i;
	struct rte_mbuf *m;

	chain_reset(c);
	/* lay the pristine record over the chain: per-segment copies, which
	 * op_copy's single memcpy approximates for the subtraction */
	c->m[0].pkt_len = (uint32_t)c->rlen;
	for (i = 0, m = c->m; m; m = m->next, i++) {
		if (m->next == NULL)
			m->data_len = (uint16_t)(c->rlen - off);
		memcpy((uint8_t *)m->buf_addr + m->data_off, c->pristine + off, m->data_len);
		off += m->data_len;
	}
	c->rx.seq = 0;
	if (zdp_tls_record_open_mbuf(&c->rx, c->m, 0, &type, &pl) != 0)
		abort();
}

static void
op_raw_imb_enc(void *a)
{
	struct rec_ctx *c = a;
	struct gcm_context_data ctx;
	uint8_t *p = c->buf + 5;

	if (c->k256)
		IMB_AES256_GCM_ENC(c->imb, c->kd, &ctx, p, p, c->len + 1, c->iv, c->buf, 5, p + c->len + 1, 16);
	else
		IMB_AES128_GCM_ENC(c->imb, c->kd, &ctx, p, p, c->len + 1, c->iv, c->buf, 5, p + c->len + 1, 16);
}

static void
op_raw_imb_dec(void *a)
{
	struct rec_ctx *c = a;
	struct gcm_context_data ctx;
	uint8_t *p = c->buf + 5, tag[16];

	op_copy(a);
	if (c->k256)
		IMB_AES256_GCM_DEC(c->imb, c->kd, &ctx, p, p, c->len + 1, c->iv, c->buf, 5, tag, 16);
	else
		IMB_AES128_GCM_DEC(c->imb, c->kd, &ctx, p, p, c->len + 1, c->iv, c->buf, 5, tag, 16);
	if (memcmp(tag, p + c->len + 1, 16) != 0)
		abort();
}

static void
op_raw_evp_enc(void *a)
{
	struct rec_ctx *c = a;
	uint8_t *p = c->buf + 5;
	int ol;

	EVP_EncryptInit_ex(c->evp, NULL, NULL, NULL, c->iv);
	EVP_EncryptUpdate(c->evp, NULL, &ol, c->buf, 5);
	EVP_EncryptUpdate(c->evp, p, &ol, p, (int)c->len + 1);
	EVP_EncryptFinal_ex(c->evp, p + c->len + 1, &ol);
	EVP_CIPHER_CTX_ctrl(c->evp, EVP_CTRL_GCM_GET_TAG, 16, p + c->len + 1);
}

static void
op_raw_evp_dec(void *a)
{
	struct rec_ctx *c = a;
	uint8_t *p = c->buf + 5, fin[16];
	int ol;

	op_copy(a);
	EVP_DecryptInit_ex(c->evp, NULL, NULL, NULL, c->iv);
	EVP_DecryptUpdate(c->evp, NULL, &ol, c->buf, 5);
	EVP_DecryptUpdate(c->evp, p, &ol, p, (int)c->len + 1);
	EVP_CIPHER_CTX_ctrl(c->evp, EVP_CTRL_GCM_SET_TAG, 16, p + c->len + 1);
	if (EVP_DecryptFinal_ex(c->evp, fin, &ol) != 1)
		abort();
}

static struct result copy_cost;

/* @open includes the copy of the pristine record; subtract it. */
static void
print_row(const char *name, size_t len, const struct result *seal, const struct result *open,
	  const struct result *ref_seal, const struct result *ref_open)
{
	double open_cpb = open->cpb - copy_cost.cpb, ref_open_cpb = ref_open->cpb - copy_cost.cpb;

	printf("%-22s %6zu  seal %6.2f Gbps %5.3f c/B (%5.1f%%)   open %6.2f Gbps %5.3f c/B (%5.1f%%)\n",
	       name, len, seal->gbps, seal->cpb, 100.0 * ref_seal->cpb / seal->cpb,
	       tsc_hz * 8 / open_cpb / 1e9, open_cpb, 100.0 * ref_open_cpb / open_cpb);
}

static void
bench_records(struct zdp_aead_engine **eng, uint16_t suite)
{
	static const size_t sizes[] = { 1024, 1420, 16384 };
	unsigned si, b;
	uint8_t secret[48], key[32];

	memset(secret, 7, sizeof(secret));
	printf("\n== record protection, %s, one core; %% = raw IPsec-MB cycles / this,"
	       " measured in alternation with each row ==\n",
	       suite == ZDP_TLS_AES_128_GCM_SHA256 ? "TLS_AES_128_GCM_SHA256" : "TLS_AES_256_GCM_SHA384");
	for (si = 0; si < 3; si++) {
		struct rec_ctx c;
		struct result rs, rb, ims, imb2, evs, evb;
		size_t len = sizes[si];
		unsigned i;

		if (only_size && len != only_size)
			continue;
		memset(&c, 0, sizeof(c));
		c.len = len;
		c.buf = aligned_alloc(64, 20480);
		memset(c.buf, 0x5a, 20480);
		zdp_tls_traffic_keys(suite, secret, key, c.iv);
		/* baselines */
		c.imb = alloc_mb_mgr(0);
		init_mb_mgr_auto(c.imb, NULL);
		c.kd = aligned_alloc(64, (sizeof(*c.kd) + 63) & ~(size_t)63);
		c.k256 = suite == ZDP_TLS_AES_256_GCM_SHA384;
		if (c.k256)
			IMB_AES256_GCM_PRE(c.imb, key, c.kd);
		else
			IMB_AES128_GCM_PRE(c.imb, key, c.kd);
		/* the pristine record, sealed by raw IPsec-MB (same bytes as
		 * the engine's: same key, nonce = iv ^ 0, AAD = header) */
		c.buf[0] = 23;
		c.buf[1] = c.buf[2] = 3;
		c.buf[3] = (uint8_t)((len + 17) >> 8);
		c.buf[4] = (uint8_t)(len + 17);
		c.buf[5 + len] = 23;
		op_raw_imb_enc(&c);
		c.rlen = (int)(5 + len + 17);
		c.pristine = aligned_alloc(64, 20480);
		memcpy(c.pristine, c.buf, (size_t)c.rlen);
		measure(op_copy, &c, len, &copy_cost);
		measure(op_raw_imb_enc, &c, len, &ims);
		measure(op_raw_imb_dec, &c, len, &imb2);
		print_row("raw ipsec-mb", len, &ims, &imb2, &ims, &imb2);
		c.evp = EVP_CIPHER_CTX_new();
		EVP_EncryptInit_ex(c.evp, c.k256 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(), NULL, key, c.iv);
		measure2(op_raw_evp_enc, op_raw_imb_enc, &c, len, &evs, &ims);
		measure2(op_raw_evp_dec, op_raw_imb_dec, &c, len, &evb, &imb2);
		print_row("raw openssl evp", len, &evs, &evb, &ims, &imb2);
		for (b = 0; b < ZDP_AEAD_BACKEND_MAX; b++) {
			char name[64];

			if (eng[b] == NULL)
				continue;
			memset(&c.tx, 0, sizeof(c.tx));
			memset(&c.rx, 0, sizeof(c.rx));
			zdp_tls_traffic_init(&c.tx, eng[b], suite, secret);
			zdp_tls_traffic_init(&c.rx, eng[b], suite, secret);
			measure2(op_seal, op_raw_imb_enc, &c, len, &rs, &ims);
			measure2(op_open, op_raw_imb_dec, &c, len, &rb, &imb2);
			snprintf(name, sizeof(name), "engine/%s flat", zdp_aead_backend_name(b));
			print_row(name, len, &rs, &rb, &ims, &imb2);
			if (b == ZDP_AEAD_IPSECMB) {
				/* 12 segments of ~1365 B: a 16 KiB record over
				 * MSS-sized TCP segments */
				unsigned nsegs[] = { 1, 4, 12 };
				unsigned k;

				for (k = 0; k < 3; k++) {
					if (nsegs[k] == 12 && len < 16384)
						continue;
					c.nseg = nsegs[k];
					for (i = 0; i < c.nseg; i++) {
						c.seg[i] = aligned_alloc(64, 20480);
						memset(&c.m[i], 0, sizeof(c.m[i]));
						c.m[i].buf_addr = c.seg[i];
						c.m[i].buf_len = 20480;
					}
					measure2(op_seal_mbuf, op_raw_imb_enc, &c, len, &rs, &ims);
					measure2(op_open_mbuf, op_raw_imb_dec, &c, len, &rb, &imb2);
					snprintf(name, sizeof(name), "engine/ipsec-mb mbuf%u", c.nseg);
					print_row(name, len, &rs, &rb, &ims, &imb2);
					for (i = 0; i < c.nseg; i++)
						free(c.seg[i]);
				}
			}
			zdp_tls_traffic_fini(&c.tx);
			zdp_tls_traffic_fini(&c.rx);
		}
		EVP_CIPHER_CTX_free(c.evp);
		free(c.kd);
		free_mb_mgr(c.imb);
		free(c.buf);
		free(c.pristine);
	}
}

/* ---- handshakes ------------------------------------------------------------- */

static void
sink(void *arg, const uint8_t *p, size_t n)
{
}

static double
pump_timed(struct zdp_tls_session *from, struct zdp_tls_session *to, double *t_to)
{
	const uint8_t *p;
	size_t n = zdp_tls_session_output_peek(from, &p);
	double t0;

	if (n == 0)
		return 0;
	t0 = now_s();
	zdp_tls_session_input(to, p, n);
	*t_to += now_s() - t0;
	zdp_tls_session_output_consume(from, n);
	return (double)n;
}

static double
ops_per_s(EVP_PKEY_CTX *ctx, int kind, EVP_PKEY *key, const uint8_t *dgst, uint8_t *sig, size_t *siglen)
{
	double t0 = now_s(), t;
	uint64_t n = 0;

	do {
		size_t sl = 80;

		if (kind == 0) {
			EVP_PKEY_sign(ctx, sig, &sl, dgst, 32);
			*siglen = sl;
		} else if (kind == 1) {
			if (EVP_PKEY_verify(ctx, sig, *siglen, dgst, 32) != 1)
				abort();
		} else if (kind == 2) {
			EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");

			EVP_PKEY_free(k);
		} else {
			uint8_t sec[32];
			size_t sl2 = 32;

			EVP_PKEY_derive(ctx, sec, &sl2);
		}
		n++;
		t = now_s() - t0;
	} while (t < secs / 2);
	(void)key;
	return (double)n / t;
}

static void
bench_handshakes(struct zdp_aead_engine *eng, const char *pki)
{
	char bundle[512], cc[512], ck[512], sc[512], sk[512];
	struct zdp_tls_store *cst, *sst;
	int ci, si;
	double tc = 0, ts = 0, t0;
	unsigned n = 0;

	snprintf(bundle, sizeof(bundle), "%s/bundle.pem", pki);
	snprintf(cc, sizeof(cc), "%s/client.pem", pki);
	snprintf(ck, sizeof(ck), "%s/client.key", pki);
	snprintf(sc, sizeof(sc), "%s/server.pem", pki);
	snprintf(sk, sizeof(sk), "%s/server.key", pki);
	cst = zdp_tls_store_create(bundle);
	sst = zdp_tls_store_create(bundle);
	if (!cst || !sst || (ci = zdp_tls_store_add(cst, cc, ck)) < 0 || (si = zdp_tls_store_add(sst, sc, sk)) < 0) {
		printf("handshake bench: cannot load PKI from %s (run tests/crypto/mkpki.sh DIR)\n", pki);
		return;
	}
	t0 = now_s();
	while (now_s() - t0 < secs * 2) {
		struct zdp_tls_session_params p;
		struct zdp_tls_session *c, *s;
		double t1;
		int i;

		memset(&p, 0, sizeof(p));
		p.role = ZDP_TLS_CLIENT;
		p.store = cst;
		p.identity = ci;
		p.expected[0] = "spiffe://cluster.local/ns/default/sa/server";
		p.n_expected = 1;
		p.aead = eng;
		p.on_data = sink;
		t1 = now_s();
		c = zdp_tls_session_create(&p);
		tc += now_s() - t1;
		p.role = ZDP_TLS_SERVER;
		p.store = sst;
		p.identity = si;
		p.n_expected = 0;
		t1 = now_s();
		s = zdp_tls_session_create(&p);
		ts += now_s() - t1;
		for (i = 0; i < 8; i++) {
			double a = pump_timed(c, s, &ts), b = pump_timed(s, c, &tc);

			if (a == 0 && b == 0)
				break;
		}
		if (zdp_tls_session_state(c) != ZDP_TLS_OPEN || zdp_tls_session_state(s) != ZDP_TLS_OPEN)
			abort();
		t1 = now_s();
		zdp_tls_session_destroy(c);
		tc += now_s() - t1;
		t1 = now_s();
		zdp_tls_session_destroy(s);
		ts += now_s() - t1;
		n++;
	}
	/* The same handshake with plain OpenSSL objects on the same contexts
	 * (memory BIO pair, no zdp session, no SPIFFE callback): what OpenSSL
	 * 3.0 itself costs per handshake on this core. */
	{
		SSL_CTX *cctx = zdp_tls_store_ctx_get(cst, ci), *sctx2 = zdp_tls_store_ctx_get(sst, si);
		double ossl_c = 0, ossl_s = 0;
		unsigned m = 0;

		t0 = now_s();
		while (now_s() - t0 < secs * 2) {
			SSL *c = SSL_new(cctx), *s = SSL_new(sctx2);
			BIO *bc, *bs;
			double t1;
			int i;

			BIO_new_bio_pair(&bc, 0, &bs, 0);
			SSL_set_bio(c, bc, bc);
			SSL_set_bio(s, bs, bs);
			SSL_set_verify(c, SSL_VERIFY_PEER, NULL);
			SSL_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
			SSL_set_alpn_protos(c, (const unsigned char *)"\x02h2", 3);
			SSL_set_connect_state(c);
			SSL_set_accept_state(s);
			for (i = 0; i < 8; i++) {
				int rc_c, rc_s;

				t1 = now_s();
				rc_c = SSL_do_handshake(c);
				ossl_c += now_s() - t1;
				t1 = now_s();
				rc_s = SSL_do_handshake(s);
				ossl_s += now_s() - t1;
				if (rc_c == 1 && rc_s == 1)
					break;
			}
			if (!SSL_is_init_finished(c) || !SSL_is_init_finished(s))
				abort();
			SSL_free(c);
			SSL_free(s);
			m++;
		}
		printf("\nplain OpenSSL (same contexts, BIO pair): server %.0f/s, client %.0f/s per core\n",
		       m / ossl_s, m / ossl_c);
		SSL_CTX_free(cctx);
		SSL_CTX_free(sctx2);
	}
	{
		/* primitive bounds, measured like `openssl speed` */
		EVP_PKEY *ec = EVP_EC_gen("P-256"), *xa = EVP_PKEY_Q_keygen(NULL, NULL, "X25519"),
			 *xb = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
		EVP_PKEY_CTX *sctx = EVP_PKEY_CTX_new(ec, NULL), *vctx = EVP_PKEY_CTX_new(ec, NULL),
			     *dctx = EVP_PKEY_CTX_new(xa, NULL);
		uint8_t dg[32] = { 1 }, sig[80];
		size_t sl = 0;
		double sign, verify, keygen, derive, bound;

		EVP_PKEY_sign_init(sctx);
		EVP_PKEY_verify_init(vctx);
		EVP_PKEY_derive_init(dctx);
		EVP_PKEY_derive_set_peer(dctx, xb);
		sign = ops_per_s(sctx, 0, ec, dg, sig, &sl);
		verify = ops_per_s(vctx, 1, ec, dg, sig, &sl);
		keygen = ops_per_s(NULL, 2, NULL, NULL, NULL, NULL);
		derive = ops_per_s(dctx, 3, NULL, NULL, NULL, NULL);
		bound = 1.0 / (1.0 / sign + 3.0 / verify + 1.0 / keygen + 1.0 / derive);
		printf("\n== full mutual TLS 1.3 handshakes (X25519, ECDSA P-256, chain leaf+intermediate) ==\n");
		printf("primitives: ecdsa-p256 sign %.0f/s, verify %.0f/s, x25519 keygen %.0f/s, derive %.0f/s\n",
		       sign, verify, keygen, derive);
		printf("per-side bound (1 sign + 3 verify + keygen + derive): %.0f handshakes/s\n", bound);
		printf("zdp server side: %.0f handshakes/s per core (%.1f%% of bound)\n", n / ts,
		       100.0 * (n / ts) / bound);
		printf("zdp client side: %.0f handshakes/s per core (%.1f%% of bound)\n", n / tc,
		       100.0 * (n / tc) / bound);
		printf("(%u handshakes, both sides on this core)\n", n);
		EVP_PKEY_CTX_free(sctx);
		EVP_PKEY_CTX_free(vctx);
		EVP_PKEY_CTX_free(dctx);
		EVP_PKEY_free(ec);
		EVP_PKEY_free(xa);
		EVP_PKEY_free(xb);
	}
	zdp_tls_store_destroy(cst);
	zdp_tls_store_destroy(sst);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", 1, 0, 's' }, { "no-cryptodev", 0, 0, 'n' }, { "pki", 1, 0, 'p' },
		{ "size", 1, 0, 'z' }, { 0, 0, 0, 0 },
	};
	struct zdp_aead_engine *eng[ZDP_AEAD_BACKEND_MAX] = { 0 };
	const char *pki = NULL;
	int o, cdev = 1, b;
	char prefix[64];
	char *ea[] = { "bench_tls", "--no-huge", "--no-pci", "-m", "256", "--log-level", "error",
		       "-l", "0", prefix, NULL };

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 's')
			secs = atof(optarg);
		else if (o == 'n')
			cdev = 0;
		else if (o == 'p')
			pki = optarg;
		else if (o == 'z')
			only_size = (size_t)atol(optarg);
		else
			return 2;
	}
	calibrate_tsc();
	printf("TSC %.2f GHz, %.1f s per figure, %s, IPsec-MB %s\n", tsc_hz / 1e9, secs,
	       OpenSSL_version(OPENSSL_VERSION), imb_get_version_str());
	eng[ZDP_AEAD_IPSECMB] = zdp_aead_engine_create(ZDP_AEAD_IPSECMB, NULL);
	eng[ZDP_AEAD_EVP] = zdp_aead_engine_create(ZDP_AEAD_EVP, NULL);
	if (cdev) {
		snprintf(prefix, sizeof(prefix), "--file-prefix=zdp_bench_tls_%d", (int)getpid());
		if (rte_eal_init(10, ea) >= 0)
			eng[ZDP_AEAD_CRYPTODEV] = zdp_aead_engine_create(ZDP_AEAD_CRYPTODEV, NULL);
	}
	bench_records(eng, ZDP_TLS_AES_128_GCM_SHA256);
	bench_records(eng, ZDP_TLS_AES_256_GCM_SHA384);
	if (pki)
		bench_handshakes(eng[ZDP_AEAD_IPSECMB], pki);
	else
		printf("\n(handshakes: pass --pki DIR made by tests/crypto/mkpki.sh)\n");
	for (b = 0; b < ZDP_AEAD_BACKEND_MAX; b++)
		zdp_aead_engine_destroy(eng[b]);
	if (cdev)
		rte_eal_cleanup();	/* (22.11 leaves /var/run/dpdk/zdp_bench_tls_<pid>) */
	return 0;
}
