/* SPDX-License-Identifier: BSD-3-Clause
 * http.c — admin, metrics and readiness endpoints on kernel sockets.
 *
 * A deliberately small HTTP/1.1 server run from the mgmt loop: GET only,
 * one request per connection, bounded request size, requests read without
 * blocking (a stalled client is dropped after 10 s). It never runs on a
 * worker, so a scraper can never delay packets.
 *
 *   metrics   (default 127.0.0.1:15020)  /stats/prometheus, /metrics
 *   admin     (default 127.0.0.1:15000)  /config_dump, /tcp/connections,
 *                                        /stats/prometheus
 *   readiness (default 127.0.0.1:15021)  /healthz/ready
 * Listeners that share an address are bound once and serve every path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <rte_log.h>

#include "zdp_mgmt.h"

#define HTTP_MAX_LISTENERS 3
#define HTTP_MAX_CLIENTS 32
#define HTTP_REQ_MAX 4096
#define HTTP_CLIENT_TIMEOUT_S 10

/* A connection whose request is still arriving. Requests are read without
 * blocking from the poll loop, so a slow or stalled client never holds up
 * the mgmt thread (reloads, signals) or other scrapers. */
struct http_client {
	int fd;			/* -1: free slot */
	time_t since;
	size_t got;
	char req[HTTP_REQ_MAX + 1];
};

struct zdp_http {
	struct zdp_mgmt *m;
	int fd[HTTP_MAX_LISTENERS];
	unsigned n;
	struct http_client c[HTTP_MAX_CLIENTS];
};

static int
http_listen(const struct zdp_cfg_sockaddr *a)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;
	char buf[64];

	memset(&ss, 0, sizeof(ss));
	if (a->addr.family == ZDP_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		memcpy(&s6->sin6_addr, a->addr.a, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		memcpy(&s4->sin_addr, a->addr.a, 4);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0) {
		int e = errno;
		RTE_LOG(ERR, USER1, "http: cannot listen on %s:%u: %s\n",
			zdp_addr_fmt(&a->addr, buf, sizeof(buf)), a->port, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

struct zdp_http *
zdp_http_create(struct zdp_mgmt *m)
{
	const struct zdp_cfg_gateway *g = &m->cfg->gateway;
	const struct zdp_cfg_sockaddr *addrs[HTTP_MAX_LISTENERS] = {
		&g->admin, &g->metrics, &g->readiness,
	};
	struct zdp_http *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->m = m;
	for (unsigned i = 0; i < HTTP_MAX_CLIENTS; i++)
		h->c[i].fd = -1;
	for (unsigned i = 0; i < HTTP_MAX_LISTENERS; i++) {
		bool dup = false;
		int fd;

		if (addrs[i]->port == 0)
			continue;
		for (unsigned j = 0; j < i; j++)
			if (addrs[j]->port == addrs[i]->port &&
			    zdp_addr_eq(&addrs[j]->addr, &addrs[i]->addr))
				dup = true;
		if (dup)
			continue;
		fd = http_listen(addrs[i]);
		if (fd < 0) {
			zdp_http_destroy(h);
			return NULL;
		}
		h->fd[h->n++] = fd;
	}
	return h;
}

void
zdp_http_destroy(struct zdp_http *h)
{
	if (h == NULL)
		return;
	for (unsigned i = 0; i < h->n; i++)
		close(h->fd[i]);
	for (unsigned i = 0; i < HTTP_MAX_CLIENTS; i++)
		if (h->c[i].fd >= 0)
			close(h->c[i].fd);
	free(h);
}

static void
http_write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		p += w;
		len -= (size_t)w;
	}
}

static void
http_respond(int fd, int code, const char *reason, const char *ctype, const char *body,
	     size_t len)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", code, reason, ctype, len);
	http_write_all(fd, hdr, (size_t)n);
	http_write_all(fd, body, len);
}

/* 200 with @body (freed here), or 500 when rendering ran out of memory. */
static void
http_respond_body(int fd, const char *ctype, char *body, size_t len)
{
	if (body)
		http_respond(fd, 200, "OK", ctype, body, len);
	else
		http_respond(fd, 500, "Error", "text/plain", "out of memory\n", 14);
	free(body);
}

/* Answer the complete request in @req on @fd (blocking writes with a
 * timeout: bodies are small and the peer is a local scraper). */
static void
http_serve(struct zdp_http *h, int fd, char *req)
{
	struct timeval tv = { .tv_sec = 2, .tv_usec = 0 };
	char path[256], method[16];
	char *body, *q;
	size_t len = 0;
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (sscanf(req, "%15s %255s", method, path) != 2) {
		http_respond(fd, 400, "Bad Request", "text/plain", "bad request\n", 12);
		return;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		http_respond(fd, 405, "Method Not Allowed", "text/plain", "GET only\n", 9);
		return;
	}
	q = strchr(path, '?');
	if (q)
		*q = '\0';

	if (strcmp(path, "/stats/prometheus") == 0 || strcmp(path, "/metrics") == 0) {
		body = zdp_metrics_render(h->m, &len);
		http_respond_body(fd, "text/plain; version=0.0.4", body, len);
	} else if (strcmp(path, "/config_dump") == 0) {
		body = zdp_admin_config_dump(h->m, &len);
		http_respond_body(fd, "application/json", body, len);
	} else if (strcmp(path, "/tcp/connections") == 0) {
		int status;

		body = zdp_admin_tcp_connections(h->m, q ? q + 1 : "", &len, &status);
		if (body && status != 200) {
			http_respond(fd, status, "Bad Request", "application/json", body, len);
			free(body);
		} else
			http_respond_body(fd, "application/json", body, len);
	} else if (strcmp(path, "/healthz/ready") == 0) {
		char why[256] = "";
		if (zdp_mgmt_ready(h->m, why, sizeof(why))) {
			http_respond(fd, 200, "OK", "text/plain", "ready\n", 6);
		} else {
			char msg[300];
			int n = snprintf(msg, sizeof(msg), "not ready: %s\n", why);
			http_respond(fd, 503, "Service Unavailable", "text/plain", msg, (size_t)n);
		}
	} else {
		http_respond(fd, 404, "Not Found", "text/plain", "not found\n", 10);
	}
}

static void
http_client_close(struct http_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->got = 0;
}

static void
http_accept(struct zdp_http *h, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		unsigned i;

		if (fd < 0)
			return;
		for (i = 0; i < HTTP_MAX_CLIENTS && h->c[i].fd >= 0; i++)
			;
		if (i == HTTP_MAX_CLIENTS) {
			http_respond(fd, 503, "Busy", "text/plain", "busy\n", 5);
			close(fd);
			continue;
		}
		h->c[i].fd = fd;
		h->c[i].got = 0;
		h->c[i].since = time(NULL);
	}
}

static void
http_client_read(struct zdp_http *h, struct http_client *c)
{
	ssize_t r = read(c->fd, c->req + c->got, HTTP_REQ_MAX - c->got);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		http_client_close(c);
		return;
	}
	c->got += (size_t)r;
	c->req[c->got] = '\0';
	if (strstr(c->req, "\r\n\r\n") || strstr(c->req, "\n\n") || c->got == HTTP_REQ_MAX) {
		http_serve(h, c->fd, c->req);
		http_client_close(c);
	}
}

void
zdp_http_poll(struct zdp_http *h, int timeout_ms, int extra_fd, bool *extra_ready)
{
	struct pollfd pfd[HTTP_MAX_LISTENERS + HTTP_MAX_CLIENTS + 1];
	struct http_client *cl[HTTP_MAX_CLIENTS];
	unsigned n = 0, nc = 0, extra_at = 0;
	time_t now = time(NULL);

	for (unsigned i = 0; i < h->n; i++)
		pfd[n++] = (struct pollfd){ .fd = h->fd[i], .events = POLLIN };
	for (unsigned i = 0; i < HTTP_MAX_CLIENTS; i++) {
		if (h->c[i].fd < 0)
			continue;
		if (now - h->c[i].since > HTTP_CLIENT_TIMEOUT_S) {
			http_client_close(&h->c[i]);
			continue;
		}
		cl[nc++] = &h->c[i];
		pfd[n++] = (struct pollfd){ .fd = h->c[i].fd, .events = POLLIN };
	}
	if (extra_fd >= 0) {
		extra_at = n;
		pfd[n++] = (struct pollfd){ .fd = extra_fd, .events = POLLIN };
	}
	*extra_ready = false;
	if (poll(pfd, n, timeout_ms) <= 0)
		return;
	for (unsigned i = 0; i < nc; i++)
		if (pfd[h->n + i].revents)
			http_client_read(h, cl[i]);
	for (unsigned i = 0; i < h->n; i++)
		if (pfd[i].revents & POLLIN)
			http_accept(h, h->fd[i]);
	if (extra_fd >= 0 && (pfd[extra_at].revents & POLLIN))
		*extra_ready = true;
}
