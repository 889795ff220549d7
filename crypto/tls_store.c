/* SPDX-License-Identifier: BSD-3-Clause
 * tls_store.c — certificates and keys per identity, for the mgmt thread.
 *
 * Each identity is one SSL_CTX configured for HBONE (TLS 1.3 only, the two
 * AES-GCM suites, X25519 then P-256, no tickets, no session cache) holding
 * the identity's chain and key and the shared trust bundle.
 *
 *   store ── bundle (X509_STORE, shared by reference)
 *     ├── ident[0] ─ ctx ─► SSL_CTX   ◄── SSL (live handshakes hold a ref)
 *     ├── ident[1] ─ ...
 *     └── binds: original destination address -> ident index
 *
 * Reload builds a fresh SSL_CTX and swaps the pointer. Sessions that
 * started on the old one keep it alive through OpenSSL's reference count
 * (and sessions past the handshake no longer need it at all). The store's
 * own reference to the old context is parked on a retired list and dropped
 * by zdp_tls_store_reclaim(), which the caller runs after the workers'
 * RCU grace period — a worker may be between loading the pointer and
 * taking its reference.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_priv.h"

#define STORE_MAX_IDENT 64
#define STORE_MAX_BIND 256
#define STORE_MAX_RETIRED 128

struct file_stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct store_ident {
	char *chain_path;
	char *key_path;
	struct file_stamp chain_st, key_st;
	SSL_CTX *ctx;		/* read with __atomic_load by workers */
	int64_t not_after;
	struct zdp_spiffe_id id;
};

struct zdp_tls_store {
	char *bundle_path;
	struct file_stamp bundle_st;
	X509_STORE *bundle;
	struct store_ident ident[STORE_MAX_IDENT];
	int n_ident;
	struct {
		struct zdp_addr addr;
		int idx;
	} bind[STORE_MAX_BIND];
	int n_bind;
	SSL_CTX *retired[STORE_MAX_RETIRED];
	int n_retired;
	int watch_fd;		/* inotify, -1 until asked for */
};

static int
stamp(const char *path, struct file_stamp *fs)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return -errno;
	fs->dev = sb.st_dev;
	fs->ino = sb.st_ino;
	fs->size = sb.st_size;
	fs->mtime = sb.st_mtim;
	return 0;
}

static int
stamp_eq(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static X509_STORE *
bundle_load(const char *path)
{
	X509_STORE *xs = X509_STORE_new();

	if (xs == NULL)
		return NULL;
	if (X509_STORE_load_file(xs, path) != 1) {
		X509_STORE_free(xs);
		ERR_clear_error();
		return NULL;
	}
	return xs;
}

struct zdp_tls_store *
zdp_tls_store_create(const char *bundle_path)
{
	struct zdp_tls_store *st;

	if (bundle_path == NULL) {
		errno = EINVAL;
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	st->watch_fd = -1;
	st->bundle_path = strdup(bundle_path);
	if (st->bundle_path == NULL) {
		free(st);
		errno = ENOMEM;
		return NULL;
	}
	if (stamp(bundle_path, &st->bundle_st) < 0) {
		zdp_tls_store_destroy(st);
		errno = ENOENT;
		return NULL;
	}
	st->bundle = bundle_load(bundle_path);
	if (st->bundle == NULL) {
		zdp_tls_store_destroy(st);
		errno = EINVAL;
		return NULL;
	}
	return st;
}

void
zdp_tls_store_destroy(struct zdp_tls_store *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n_ident; i++) {
		SSL_CTX_free(st->ident[i].ctx);
		free(st->ident[i].chain_path);
		free(st->ident[i].key_path);
	}
	zdp_tls_store_reclaim(st);
	if (st->watch_fd >= 0)
		close(st->watch_fd);
	X509_STORE_free(st->bundle);
	free(st->bundle_path);
	free(st);
}

/* Build the HBONE context for one identity. Returns NULL on any error. */
static SSL_CTX *
ctx_build(X509_STORE *bundle, const char *chain_path, const char *key_path,
	  int64_t *not_after, struct zdp_spiffe_id *id)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	X509 *leaf;
	int day, sec;
	ASN1_TIME *epoch = NULL;

	if (ctx == NULL)
		return NULL;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384") != 1 ||
	    SSL_CTX_set1_groups_list(ctx, "X25519:P-256") != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, chain_path) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	/* No resumption (ISTIO.md): no tickets issued or accepted, no cache.
	 * Zero tickets also keeps the server's first application-key record
	 * for zdp's record layer, whose sequence numbers start at 0. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
				 SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set1_cert_store(ctx, bundle);
	SSL_CTX_set_verify_depth(ctx, 8);
	SSL_CTX_set_keylog_callback(ctx, zdp_tls_keylog_cb);
	SSL_CTX_set_alpn_select_cb(ctx, zdp_tls_alpn_select_cb, NULL);

	leaf = SSL_CTX_get0_certificate(ctx);
	if (leaf == NULL || zdp_spiffe_from_cert(leaf, id) < 0)
		goto fail;
	epoch = ASN1_TIME_set(NULL, 0);
	if (epoch == NULL || ASN1_TIME_diff(&day, &sec, epoch, X509_get0_notAfter(leaf)) != 1)
		goto fail;
	ASN1_TIME_free(epoch);
	*not_after = (int64_t)day * 86400 + sec;
	return ctx;
fail:
	ASN1_TIME_free(epoch);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return NULL;
}

static int watch_dir_of(int fd, const char *path);

int
zdp_tls_store_add(struct zdp_tls_store *st, const char *chain_path, const char *key_path)
{
	struct store_ident *id;

	if (st == NULL || chain_path == NULL || key_path == NULL)
		return -EINVAL;
	if (st->n_ident == STORE_MAX_IDENT)
		return -ENOSPC;
	id = &st->ident[st->n_ident];
	memset(id, 0, sizeof(*id));
	if (stamp(chain_path, &id->chain_st) < 0 || stamp(key_path, &id->key_st) < 0)
		return -ENOENT;
	id->chain_path = strdup(chain_path);
	id->key_path = strdup(key_path);
	if (id->chain_path == NULL || id->key_path == NULL)
		goto nomem;
	id->ctx = ctx_build(st->bundle, chain_path, key_path, &id->not_after, &id->id);
	if (id->ctx == NULL) {
		free(id->chain_path);
		free(id->key_path);
		return -EINVAL;
	}
	if (st->watch_fd >= 0 && (watch_dir_of(st->watch_fd, chain_path) < 0 ||
				  watch_dir_of(st->watch_fd, key_path) < 0)) {
		SSL_CTX_free(id->ctx);
		free(id->chain_path);
		free(id->key_path);
		return -ENOSPC;
	}
	return st->n_ident++;
nomem:
	free(id->chain_path);
	free(id->key_path);
	return -ENOMEM;
}

/* Watch the directory holding @path: certificates are usually replaced by
 * rename (Kubernetes secret volumes swap a symlinked directory), which a
 * watch on the file itself would miss. Adding the same directory twice is
 * harmless (inotify returns the existing watch). */
static int
watch_dir_of(int fd, const char *path)
{
	char *copy = strdup(path);
	int rc;

	if (copy == NULL)
		return -ENOMEM;
	rc = inotify_add_watch(fd, dirname(copy),
			       IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB);
	free(copy);
	return rc < 0 ? -errno : 0;
}

int
zdp_tls_store_watch_fd(struct zdp_tls_store *st)
{
	int i, rc;

	if (st == NULL)
		return -EINVAL;
	if (st->watch_fd >= 0)
		return st->watch_fd;
	st->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (st->watch_fd < 0)
		return -errno;
	rc = watch_dir_of(st->watch_fd, st->bundle_path);
	for (i = 0; rc == 0 && i < st->n_ident; i++) {
		rc = watch_dir_of(st->watch_fd, st->ident[i].chain_path);
		if (rc == 0)
			rc = watch_dir_of(st->watch_fd, st->ident[i].key_path);
	}
	if (rc < 0) {
		close(st->watch_fd);
		st->watch_fd = -1;
		return rc;
	}
	return st->watch_fd;
}

int
zdp_tls_store_watch_drain(struct zdp_tls_store *st)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int any = 0;

	if (st == NULL || st->watch_fd < 0)
		return -EINVAL;
	for (;;) {
		ssize_t n = read(st->watch_fd, buf, sizeof(buf));

		if (n < 0)
			return errno == EAGAIN ? any : -errno;
		if (n == 0)
			return any;
		/* Any event in a watched directory may be ours; reload()
		 * compares file stamps and rebuilds only what changed. */
		any = 1;
	}
}

int
zdp_tls_store_bind(struct zdp_tls_store *st, const struct zdp_addr *addr, int idx)
{
	int i;

	if (st == NULL || addr == NULL || idx < 0 || idx >= st->n_ident)
		return -EINVAL;
	for (i = 0; i < st->n_bind; i++)
		if (zdp_addr_eq(&st->bind[i].addr, addr)) {
			st->bind[i].idx = idx;
			return 0;
		}
	if (st->n_bind == STORE_MAX_BIND)
		return -ENOSPC;
	st->bind[st->n_bind].addr = *addr;
	st->bind[st->n_bind].idx = idx;
	st->n_bind++;
	return 0;
}

int
zdp_tls_store_lookup(const struct zdp_tls_store *st, const struct zdp_addr *addr)
{
	int i;

	for (i = 0; i < st->n_bind; i++)
		if (zdp_addr_eq(&st->bind[i].addr, addr))
			return st->bind[i].idx;
	return -ENOENT;
}

static void
retire(struct zdp_tls_store *st, SSL_CTX *old)
{
	if (st->n_retired == STORE_MAX_RETIRED) {
		/* Full: the caller never reclaims. Keeping the reference
		 * forever is safe; freeing early is not. */
		return;
	}
	st->retired[st->n_retired++] = old;
}

int
zdp_tls_store_reload(struct zdp_tls_store *st)
{
	struct file_stamp bst, cst, kst;
	X509_STORE *bundle = st->bundle;
	int bundle_changed = 0, i, n = 0;

	if (stamp(st->bundle_path, &bst) < 0)
		return -ENOENT;
	if (!stamp_eq(&bst, &st->bundle_st)) {
		bundle = bundle_load(st->bundle_path);
		if (bundle == NULL)
			return -EINVAL;
		bundle_changed = 1;
	}
	for (i = 0; i < st->n_ident; i++) {
		struct store_ident *id = &st->ident[i];
		struct zdp_spiffe_id sid;
		int64_t na;
		SSL_CTX *ctx, *old;

		if (stamp(id->chain_path, &cst) < 0 || stamp(id->key_path, &kst) < 0)
			continue;	/* mid-rotation: keep serving the old one */
		if (!bundle_changed && stamp_eq(&cst, &id->chain_st) && stamp_eq(&kst, &id->key_st))
			continue;
		ctx = ctx_build(bundle, id->chain_path, id->key_path, &na, &sid);
		if (ctx == NULL)
			continue;	/* e.g. key and cert not both written yet */
		old = id->ctx;
		__atomic_store_n(&id->ctx, ctx, __ATOMIC_RELEASE);
		retire(st, old);
		id->chain_st = cst;
		id->key_st = kst;
		id->not_after = na;
		id->id = sid;
		n++;
	}
	if (bundle_changed) {
		X509_STORE_free(st->bundle);	/* contexts hold their own refs */
		st->bundle = bundle;
		st->bundle_st = bst;
	}
	return n;
}

void
zdp_tls_store_reclaim(struct zdp_tls_store *st)
{
	int i;

	for (i = 0; i < st->n_retired; i++)
		SSL_CTX_free(st->retired[i]);
	st->n_retired = 0;
}

SSL_CTX *
zdp_tls_store_ctx_get(struct zdp_tls_store *st, int idx)
{
	SSL_CTX *ctx;

	if (st == NULL || idx < 0 || idx >= st->n_ident)
		return NULL;
	ctx = __atomic_load_n(&st->ident[idx].ctx, __ATOMIC_ACQUIRE);
	if (ctx == NULL || SSL_CTX_up_ref(ctx) != 1)
		return NULL;
	return ctx;
}

int
zdp_tls_store_expiry(const struct zdp_tls_store *st, int idx, int64_t *not_after)
{
	if (st == NULL || idx < 0 || idx >= st->n_ident)
		return -ENOENT;
	*not_after = st->ident[idx].not_after;
	return 0;
}

int
zdp_tls_store_identity(const struct zdp_tls_store *st, int idx, struct zdp_spiffe_id *id)
{
	if (st == NULL || idx < 0 || idx >= st->n_ident)
		return -ENOENT;
	*id = st->ident[idx].id;
	return 0;
}

int
zdp_tls_store_count(const struct zdp_tls_store *st)
{
	return st ? st->n_ident : 0;
}
