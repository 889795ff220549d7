/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_tls.h — mutual TLS 1.3 sessions for HBONE, with SPIFFE identities.
 *
 * A session is a byte-stream transformer: the caller (the TCP stack, or a
 * test harness bridging a kernel socket) feeds received bytes in and takes
 * bytes to send out. The session never blocks and never owns a socket.
 *
 *   caller bytes in ─► zdp_tls_session_input ──► on_data(plaintext)
 *   caller bytes out ◄─ zdp_tls_session_output_peek/consume ◄── write()
 *
 * Phases:
 *   handshake   OpenSSL 3 over memory BIOs: TLS 1.3 only, AES-128/256-GCM,
 *               X25519 / P-256, ALPN h2 required, no SNI, no tickets or
 *               resumption; SPIFFE checks in the verify callback so a
 *               failure is a handshake alert.
 *   records     when OpenSSL reports the handshake done, the application
 *               traffic secrets (from the keylog callback) go to zdp's own
 *               record layer (zdp_tls_record.h) and the SSL object is freed.
 *               KeyUpdate, NewSessionTicket and alerts are handled here.
 *   closed      after close_notify both ways, or failed after an alert.
 *
 * Identities come from a store (zdp_tls_store_*): certificates and keys
 * per identity, loaded from PEM files, reloaded when files change (live
 * sessions keep the context they started with), expiry exposed for metrics.
 */
#ifndef ZDP_TLS_H
#define ZDP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "zdp_addr.h"
#include "zdp_aead.h"
#include "zdp_tls_record.h"

/* ---- counters ---------------------------------------------------------- */

enum zdp_tls_counter {
#define ZDP_TLS_CTR(e, name, help) ZDP_TLS_CTR_##e,
#include "zdp_tls_counters.def"
#undef ZDP_TLS_CTR
	ZDP_TLS_CTR_MAX
};

/* Per-worker counters; the worker owns them, no atomics. */
struct zdp_tls_counters {
	uint64_t c[ZDP_TLS_CTR_MAX];
};

const char *zdp_tls_counter_name(enum zdp_tls_counter c);

/* ---- SPIFFE identities -------------------------------------------------- */

#define ZDP_SPIFFE_TD_MAX 256
#define ZDP_SPIFFE_NAME_MAX 254
#define ZDP_SPIFFE_URI_MAX 2048

struct zdp_spiffe_id {
	char trust_domain[ZDP_SPIFFE_TD_MAX];
	char ns[ZDP_SPIFFE_NAME_MAX];
	char sa[ZDP_SPIFFE_NAME_MAX];
};

/* Parse "spiffe://<td>/ns/<ns>/sa/<sa>" (Istio's form). The trust domain
 * is lowercase letters, digits, '.', '-', '_'; namespace and service
 * account are non-empty path segments without '/', '%', '?', '#'.
 * Returns 0 or -EINVAL. */
int zdp_spiffe_parse(const char *uri, size_t len, struct zdp_spiffe_id *id);
/* Format back to a URI; returns the length or -ENOSPC. */
int zdp_spiffe_format(const struct zdp_spiffe_id *id, char *buf, size_t cap);

/* ---- identity store ----------------------------------------------------- */

struct zdp_tls_store;

/* Create an empty store with the trust bundle (PEM, one or more roots) at
 * @bundle_path. Returns NULL with errno (ENOMEM, ENOENT, EINVAL). */
struct zdp_tls_store *zdp_tls_store_create(const char *bundle_path);
void zdp_tls_store_destroy(struct zdp_tls_store *st);

/* Add an identity from @chain_path (leaf first, then intermediates) and
 * @key_path. The leaf must carry a SPIFFE URI SAN and match the key.
 * Returns the identity index (>= 0) or -errno (ENOENT, EINVAL, ENOMEM). */
int zdp_tls_store_add(struct zdp_tls_store *st, const char *chain_path, const char *key_path);

/* Serve identity @idx for connections whose original destination is
 * @addr (the server picks its certificate by address, never SNI).
 * Returns 0, -EINVAL, -ENOSPC. */
int zdp_tls_store_bind(struct zdp_tls_store *st, const struct zdp_addr *addr, int idx);
/* Identity bound to @addr, or -ENOENT. */
int zdp_tls_store_lookup(const struct zdp_tls_store *st, const struct zdp_addr *addr);

/* Re-read any identity whose files (or the bundle) changed on disk.
 * A file that fails to load leaves the previous version in service.
 * Returns the number of identities reloaded, or -errno if the bundle
 * failed (then nothing changed). Old contexts stay alive until every
 * session that uses them ends and zdp_tls_store_reclaim() runs after the
 * workers' RCU grace period. */
int zdp_tls_store_reload(struct zdp_tls_store *st);
void zdp_tls_store_reclaim(struct zdp_tls_store *st);

/* Change notification for the mgmt loop: an inotify descriptor watching the
 * directories of the bundle and every identity's files (created on first
 * call; identities added later are watched too). When it polls readable,
 * call zdp_tls_store_watch_drain() and, if it returns 1, reload. Returns the
 * fd or -errno. Polling zdp_tls_store_reload() on a timer works as well:
 * it only rebuilds what changed (device, inode, size, mtime). */
int zdp_tls_store_watch_fd(struct zdp_tls_store *st);
/* Consume pending events. Returns 1 if a watched file may have changed,
 * 0 if not (or nothing pending), -errno. Never blocks. */
int zdp_tls_store_watch_drain(struct zdp_tls_store *st);

/* Leaf notAfter (seconds since the epoch) and the SPIFFE ID of @idx.
 * Return 0 or -ENOENT. */
int zdp_tls_store_expiry(const struct zdp_tls_store *st, int idx, int64_t *not_after);
int zdp_tls_store_identity(const struct zdp_tls_store *st, int idx, struct zdp_spiffe_id *id);
int zdp_tls_store_count(const struct zdp_tls_store *st);

/* ---- sessions ----------------------------------------------------------- */

enum zdp_tls_role { ZDP_TLS_CLIENT, ZDP_TLS_SERVER };

enum zdp_tls_state {
	ZDP_TLS_HANDSHAKE,
	ZDP_TLS_OPEN,
	ZDP_TLS_CLOSED,		/* close_notify sent and received */
	ZDP_TLS_FAILED,		/* fatal alert sent or received */
};

#define ZDP_TLS_MAX_EXPECTED 8

struct zdp_tls_session_params {
	enum zdp_tls_role role;
	struct zdp_tls_store *store;
	int identity;			/* our certificate: store index */
	/* client only: the server must present one of these URI SANs */
	const char *expected[ZDP_TLS_MAX_EXPECTED];
	unsigned n_expected;
	struct zdp_aead_engine *aead;	/* the worker's AEAD engine */
	struct zdp_tls_counters *ctr;	/* the worker's counters */
	/* plaintext delivery; called from zdp_tls_session_input only with
	 * authenticated bytes */
	void (*on_data)(void *arg, const uint8_t *p, size_t n);
	void *arg;
	/* 0 = default (64 KiB); bytes of ciphertext the session will queue */
	size_t out_cap;
};

struct zdp_tls_session;

/* Returns NULL with errno (EINVAL, ENOMEM, ENOENT). A client session has
 * its ClientHello ready in the output right away. */
struct zdp_tls_session *zdp_tls_session_create(const struct zdp_tls_session_params *p);
void zdp_tls_session_destroy(struct zdp_tls_session *s);

/* Feed @len received bytes. All are consumed (buffered if a record is
 * incomplete). Returns 0, or a negative errno when the session failed (an
 * alert is then queued in the output; see zdp_tls_session_error):
 *   -EPROTO handshake / protocol failure, -EBADMSG record authentication,
 *   -EMSGSIZE record overflow, -ECONNRESET peer alert, -EPIPE closed,
 *   -ENOMEM. */
int zdp_tls_session_input(struct zdp_tls_session *s, const uint8_t *p, size_t len);

/* The transport saw EOF. Without a prior close_notify this is a
 * truncation: counted, session failed. Returns 0 or -ECONNABORTED. */
int zdp_tls_session_input_eof(struct zdp_tls_session *s);

/* Encrypt up to @len bytes of application data into the output. Returns
 * bytes accepted (may be less than @len when the output is full), -EAGAIN
 * (handshake not done / output full), -EPIPE (closed or failed). */
ssize_t zdp_tls_session_write(struct zdp_tls_session *s, const uint8_t *p, size_t len);

/* Bytes waiting to be sent: a pointer and a length; consume what the
 * transport took. */
size_t zdp_tls_session_output_peek(struct zdp_tls_session *s, const uint8_t **p);
void zdp_tls_session_output_consume(struct zdp_tls_session *s, size_t n);

/* Send KeyUpdate (update_requested when @request_peer) and switch our
 * sending keys (RFC 8446 §4.6.3). Returns 0, -EAGAIN, -EPIPE. */
int zdp_tls_session_key_update(struct zdp_tls_session *s, bool request_peer);

/* Queue close_notify; no more writes afterwards. Returns 0 or -EPIPE. */
int zdp_tls_session_close(struct zdp_tls_session *s);

enum zdp_tls_state zdp_tls_session_state(const struct zdp_tls_session *s);
/* True once close_notify arrived (peer will send no more). */
bool zdp_tls_session_peer_closed(const struct zdp_tls_session *s);
/* After the handshake: the verified peer identity. Returns 0 or -EAGAIN. */
int zdp_tls_session_peer_id(const struct zdp_tls_session *s, struct zdp_spiffe_id *id);
/* Negotiated suite (0x1301 / 0x1302) and group name, 0 / NULL before. */
uint16_t zdp_tls_session_suite(const struct zdp_tls_session *s);
/* On failure: the counter naming the reason (ZDP_TLS_CTR_ERR_*), the alert
 * we sent (-1 none) and the alert we received (-1 none). */
enum zdp_tls_counter zdp_tls_session_error(const struct zdp_tls_session *s,
					   int *alert_sent, int *alert_recv);
/* ---- zero-copy path over mbuf chains (after ZDP_TLS_OPEN) ----------------
 * For the TCP stack: records are sealed and opened in place in the chains
 * it sends and receives. The flat input/write API and this one must not be
 * mixed on the receive side of one session.
 *
 * Ordering rule: before sending a chain sealed by zdp_tls_session_seal_mbuf,
 * send whatever zdp_tls_session_output_peek() returns (KeyUpdate answers,
 * alerts): records sealed after a KeyUpdate must follow it on the wire. */

/* Seal the application data in chain @m (pkt_len <= 2^14; >= 5 bytes of
 * headroom in the first segment, >= 17 of tailroom in the last) in place as
 * one record. Returns the record length, -EAGAIN (handshake), -EPIPE
 * (closed / failed), -ENOSPC, -EMSGSIZE, -E2BIG. */
int zdp_tls_session_seal_mbuf(struct zdp_tls_session *s, struct rte_mbuf *m);

/* Open the record starting @off bytes into chain @m, in place.
 * *rec_len gets the record's length (advance by it). Returns
 *   1   application data: *plain_len bytes at chain offset off + 5;
 *   0   nothing for the caller (KeyUpdate, NewSessionTicket, close_notify,
 *       empty record, data after close_notify) — handled here;
 *  -EAGAIN  the chain holds less than one complete record;
 *  other negative: the session failed, as for zdp_tls_session_input (the
 *       alert is queued in the output). Nothing is delivered then. */
int zdp_tls_session_open_mbuf(struct zdp_tls_session *s, struct rte_mbuf *m, uint32_t off,
			      uint32_t *rec_len, uint32_t *plain_len);

/* Direct access for the mbuf fast path (zdp_tls_record_seal_mbuf /
 * open_mbuf) once ZDP_TLS_OPEN; NULL before. */
struct zdp_tls_traffic *zdp_tls_session_tx(struct zdp_tls_session *s);
struct zdp_tls_traffic *zdp_tls_session_rx(struct zdp_tls_session *s);

#endif
