/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_tls_harness.c — bridges one zdp TLS session to a kernel TCP socket on
 * loopback, so real peers (openssl s_client/s_server, node:tls) can talk to
 * the engine in the interop tests. Test tool only: the engine itself never
 * owns a socket.
 *
 *   zdp_tls_harness --role client|server (--connect PORT | --listen PORT)
 *       --bundle F --cert F --key F [--expect URI]... [--backend NAME]
 *       [--send-file F] [--http-get PATH] [--recv-file F] [--recv-bytes N]
 *       [--echo] [--key-update-every BYTES] [--no-close]
 *
 * Prints, one per line on stdout:
 *   LISTENING <port>
 *   HANDSHAKE suite=0x1301 peer=<spiffe id>
 *   SENT <bytes> <sha256>      RECV <bytes> <sha256>
 *   ERROR <reason> alert_sent=<n> alert_recv=<n>
 *   COUNTER <name> <value>     (non-zero ones, at exit)
 * Exit status: 0 clean, 2 TLS failure, 1 usage / socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <rte_eal.h>

#include "tls_test_util.h"
#include "zdp_tls.h"

#define PENDING_MAX (4u << 20)

static struct {
	int echo;
	FILE *recv_file;
	uint64_t recv_bytes;
	EVP_MD_CTX *recv_md;
	uint64_t received;
	uint8_t *pending;	/* echo data waiting for session space */
	size_t pend_len, pend_cap;
} app;

static void
on_data(void *arg, const uint8_t *p, size_t n)
{
	EVP_DigestUpdate(app.recv_md, p, n);
	app.received += n;
	if (app.recv_file)
		fwrite(p, 1, n, app.recv_file);
	if (app.echo) {
		if (app.pend_len + n > app.pend_cap) {
			app.pend_cap = (app.pend_len + n) * 2;
			app.pending = realloc(app.pending, app.pend_cap);
		}
		memcpy(app.pending + app.pend_len, p, n);
		app.pend_len += n;
	}
}

static void
hexdigest(EVP_MD_CTX *md, char *out)
{
	uint8_t d[32];
	unsigned n = 0, i;

	EVP_DigestFinal_ex(md, d, &n);
	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void
usage(void)
{
	fprintf(stderr, "see the header of zdp_tls_harness.c\n");
	exit(1);
}

/* Write what the session wants sent. Returns -1 on socket error. */
static int
flush_out(struct zdp_tls_session *s, int fd)
{
	const uint8_t *p;
	size_t n;

	while ((n = zdp_tls_session_output_peek(s, &p)) > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		zdp_tls_session_output_consume(s, (size_t)w);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", 1, 0, 'r' }, { "connect", 1, 0, 'c' }, { "listen", 1, 0, 'l' },
		{ "bundle", 1, 0, 'b' }, { "cert", 1, 0, 'C' }, { "key", 1, 0, 'K' },
		{ "expect", 1, 0, 'e' }, { "backend", 1, 0, 'B' }, { "send-file", 1, 0, 's' },
		{ "http-get", 1, 0, 'g' }, { "recv-file", 1, 0, 'o' }, { "recv-bytes", 1, 0, 'n' },
		{ "echo", 0, 0, 'E' }, { "key-update-every", 1, 0, 'u' }, { "no-close", 0, 0, 'N' },
		{ 0, 0, 0, 0 },
	};
	const char *role = NULL, *bundle = NULL, *cert = NULL, *key = NULL, *backend = "ipsec-mb";
	const char *send_path = NULL, *http_get = NULL;
	struct zdp_tls_session_params sp;
	struct zdp_tls_counters ctr;
	struct zdp_tls_store *st;
	struct zdp_tls_session *s;
	struct zdp_aead_engine *eng;
	EVP_MD_CTX *send_md;
	int port = -1, listen_mode = 0, fd, o, b, idx, no_close = 0, hs_reported = 0;
	uint64_t ku_every = 0, since_ku = 0, sent = 0;
	FILE *sf = NULL;
	static uint8_t fbuf[1 << 16], rbuf[1 << 16];
	size_t fb_off = 0, fb_len = 0;
	int send_done = 0, close_done = 0, peer_eof = 0, failed = 0;
	char hex[65];
	unsigned i;

	memset(&sp, 0, sizeof(sp));
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'r': role = optarg; break;
		case 'c': port = atoi(optarg); break;
		case 'l': port = atoi(optarg); listen_mode = 1; break;
		case 'b': bundle = optarg; break;
		case 'C': cert = optarg; break;
		case 'K': key = optarg; break;
		case 'e':
			if (sp.n_expected == ZDP_TLS_MAX_EXPECTED)
				usage();
			sp.expected[sp.n_expected++] = optarg;
			break;
		case 'B': backend = optarg; break;
		case 's': send_path = optarg; break;
		case 'g': http_get = optarg; break;
		case 'o': app.recv_file = fopen(optarg, "wb"); break;
		case 'n': app.recv_bytes = strtoull(optarg, NULL, 0); break;
		case 'E': app.echo = 1; break;
		case 'u': ku_every = strtoull(optarg, NULL, 0); break;
		case 'N': no_close = 1; break;
		default: usage();
		}
	}
	if (!role || port < 0 || !bundle || !cert || !key)
		usage();
	b = zdp_aead_backend_parse(backend);
	if (b < 0)
		usage();
	if (b == ZDP_AEAD_CRYPTODEV) {
		char prefix[64];
		char *ea[] = { "harness", "--no-huge", "--no-pci", "-m", "128", "--log-level", "error",
			       "-l", "0", prefix, NULL };

		snprintf(prefix, sizeof(prefix), "--file-prefix=zdp_tls_harness_%d", (int)getpid());
		if (rte_eal_init(10, ea) < 0) {
			fprintf(stderr, "EAL init failed\n");
			return 1;
		}
	}
	eng = zdp_aead_engine_create((enum zdp_aead_backend)b, NULL);
	if (eng == NULL) {
		fprintf(stderr, "engine %s: %s\n", backend, strerror(errno));
		return 1;
	}
	st = zdp_tls_store_create(bundle);
	if (st == NULL || (idx = zdp_tls_store_add(st, cert, key)) < 0) {
		fprintf(stderr, "cannot load identity\n");
		return 1;
	}
	if (send_path && (sf = fopen(send_path, "rb")) == NULL) {
		perror(send_path);
		return 1;
	}

	{
		struct sockaddr_in a;
		int one = 1;

		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((uint16_t)port);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (listen_mode) {
			socklen_t al = sizeof(a);
			int lfd = fd;

			setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 1) < 0) {
				perror("listen");
				return 1;
			}
			getsockname(lfd, (struct sockaddr *)&a, &al);
			printf("LISTENING %d\n", ntohs(a.sin_port));
			fflush(stdout);
			fd = accept(lfd, NULL, NULL);
			close(lfd);
		} else if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			perror("connect");
			return 1;
		}
		if (fd < 0)
			return 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	}

	memset(&ctr, 0, sizeof(ctr));
	app.recv_md = EVP_MD_CTX_new();
	send_md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(app.recv_md, EVP_sha256(), NULL);
	EVP_DigestInit_ex(send_md, EVP_sha256(), NULL);
	sp.role = strcmp(role, "server") == 0 ? ZDP_TLS_SERVER : ZDP_TLS_CLIENT;
	sp.store = st;
	sp.identity = idx;
	sp.aead = eng;
	sp.ctr = &ctr;
	sp.on_data = on_data;
	s = zdp_tls_session_create(&sp);
	if (s == NULL) {
		fprintf(stderr, "session: %s\n", strerror(errno));
		return 1;
	}
	if (!sf && !http_get)
		send_done = 1;

	for (;;) {
		enum zdp_tls_state state = zdp_tls_session_state(s);
		struct pollfd pfd = { .fd = fd, .events = 0 };
		const uint8_t *op;

		if (state == ZDP_TLS_FAILED) {
			failed = 1;
			flush_out(s, fd);
			break;
		}
		if (state == ZDP_TLS_OPEN && !hs_reported) {
			struct zdp_spiffe_id id;
			char uri[ZDP_SPIFFE_URI_MAX] = "?";

			if (zdp_tls_session_peer_id(s, &id) == 0)
				zdp_spiffe_format(&id, uri, sizeof(uri));
			printf("HANDSHAKE suite=0x%04x peer=%s\n", zdp_tls_session_suite(s), uri);
			fflush(stdout);
			hs_reported = 1;
			if (http_get) {
				char req[512];
				int n = snprintf(req, sizeof(req), "GET /%s HTTP/1.0\r\n\r\n", http_get);

				zdp_tls_session_write(s, (const uint8_t *)req, (size_t)n);
				send_done = 1;
			}
		}
		/* application -> session */
		if (state == ZDP_TLS_OPEN && !zdp_tls_session_peer_closed(s) && app.pend_len) {
			ssize_t w = zdp_tls_session_write(s, app.pending, app.pend_len);

			if (w > 0) {
				memmove(app.pending, app.pending + w, app.pend_len - (size_t)w);
				app.pend_len -= (size_t)w;
				since_ku += (uint64_t)w;
				if (ku_every && since_ku >= ku_every) {
					zdp_tls_session_key_update(s, true);
					since_ku = 0;
				}
			}
		}
		while (state == ZDP_TLS_OPEN && sf && !send_done) {
			ssize_t w;

			if (fb_off == fb_len) {
				fb_len = fread(fbuf, 1, sizeof(fbuf), sf);
				fb_off = 0;
				if (fb_len == 0) {
					send_done = 1;
					break;
				}
			}
			w = zdp_tls_session_write(s, fbuf + fb_off, fb_len - fb_off);
			if (w <= 0)
				break;
			EVP_DigestUpdate(send_md, fbuf + fb_off, (size_t)w);
			fb_off += (size_t)w;
			sent += (uint64_t)w;
			since_ku += (uint64_t)w;
			if (ku_every && since_ku >= ku_every) {
				zdp_tls_session_key_update(s, true);
				since_ku = 0;
			}
		}
		/* Close once everything is sent and the input is complete: a
		 * byte count when given, else the peer's close_notify (echo). */
		if (state == ZDP_TLS_OPEN && send_done && !close_done && !no_close && app.pend_len == 0 &&
		    (app.recv_bytes ? app.received >= app.recv_bytes :
				      (!app.echo || zdp_tls_session_peer_closed(s)))) {
			zdp_tls_session_close(s);
			close_done = 1;
		}
		if (flush_out(s, fd) < 0)
			break;
		/* done? */
		if (zdp_tls_session_output_peek(s, &op) == 0) {
			if (state == ZDP_TLS_CLOSED)
				break;
			if (close_done && (peer_eof || zdp_tls_session_peer_closed(s)))
				break;
			if (peer_eof && !app.pend_len)
				break;
		}
		if (!peer_eof && app.pend_len < PENDING_MAX)
			pfd.events |= POLLIN;
		/* More application bytes to seal: come back as soon as the
		 * socket can take them. */
		if (zdp_tls_session_output_peek(s, &op) > 0 ||
		    (state == ZDP_TLS_OPEN && ((sf && !send_done) || app.pend_len)))
			pfd.events |= POLLOUT;
		if (pfd.events == 0)
			pfd.events = POLLOUT;
		if (poll(&pfd, 1, 10000) == 0) {
			fprintf(stderr, "harness: idle 10 s, giving up\n");
			failed = 1;
			break;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(fd, rbuf, sizeof(rbuf), 0);

			if (r > 0) {
				zdp_tls_session_input(s, rbuf, (size_t)r);
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				peer_eof = 1;
				if (zdp_tls_session_input_eof(s) < 0 && !zdp_tls_session_peer_closed(s))
					failed = 1;
			}
		}
	}
	if (!failed && zdp_tls_session_state(s) == ZDP_TLS_FAILED)
		failed = 1;
	shutdown(fd, SHUT_WR);
	/* Let the peer read our last bytes (an alert, close_notify). */
	{
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		while (poll(&pfd, 1, 500) > 0 && recv(fd, rbuf, sizeof(rbuf), 0) > 0)
			;
	}
	close(fd);
	hexdigest(send_md, hex);
	printf("SENT %llu %s\n", (unsigned long long)sent, hex);
	hexdigest(app.recv_md, hex);
	printf("RECV %llu %s\n", (unsigned long long)app.received, hex);
	if (failed) {
		int as, ar;
		enum zdp_tls_counter why = zdp_tls_session_error(s, &as, &ar);

		printf("ERROR %s alert_sent=%d alert_recv=%d\n",
		       why == ZDP_TLS_CTR_MAX ? "transport" : zdp_tls_counter_name(why), as, ar);
	}
	for (i = 0; i < ZDP_TLS_CTR_MAX; i++)
		if (ctr.c[i])
			printf("COUNTER %s %llu\n", zdp_tls_counter_name(i), (unsigned long long)ctr.c[i]);
	if (app.recv_file)
		fclose(app.recv_file);
	if (sf)
		fclose(sf);
	zdp_tls_session_destroy(s);
	zdp_tls_store_destroy(st);
	zdp_aead_engine_destroy(eng);
	if (b == ZDP_AEAD_CRYPTODEV)
		zdp_eal_cleanup();
	EVP_MD_CTX_free(app.recv_md);
	EVP_MD_CTX_free(send_md);
	free(app.pending);
	return failed ? 2 : 0;
}
