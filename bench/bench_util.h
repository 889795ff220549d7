/* SPDX-License-Identifier: BSD-3-Clause
 * bench_util.h — what the DPDK bench programs (zdp_gen, zdp_fp_bench,
 * tcp_loadgen) share: bringing up their one single-queue port, parsing
 * IPv4 options, and reading their line commands from stdin.
 */
#ifndef ZDP_BENCH_UTIL_H
#define ZDP_BENCH_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>

/* Start ethdev 0 (the --vdev the program was given) with one RX and one TX
 * queue of @nb_desc descriptors; its id and MAC in *@port / *@mac.
 * 0 or -errno, with the reason on stderr prefixed by @prog. */
static inline int
bench_port_start(const char *prog, struct rte_mempool *pool, uint16_t nb_desc,
		 uint16_t *port, struct rte_ether_addr *mac)
{
	struct rte_eth_conf conf;
	int rc;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_count_avail() < 1) {
		fprintf(stderr, "%s: no port (give --vdev net_memif0,...)\n", prog);
		return -ENODEV;
	}
	*port = 0;
	rc = rte_eth_dev_configure(*port, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(*port, 0, nb_desc, rte_socket_id(), NULL, pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(*port, 0, nb_desc, rte_socket_id(), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(*port);
	if (rc == 0)
		rc = rte_eth_macaddr_get(*port, mac);
	if (rc < 0)
		fprintf(stderr, "%s: port setup: %s\n", prog, rte_strerror(-rc));
	return rc;
}

/* Dotted IPv4 @s -> host-order *@out; 0 or -EINVAL. */
static inline int
bench_parse_ip4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

/* Line commands on stdin, read without blocking the packet loop. */
struct bench_cmdline {
	char buf[256];
	size_t len;
};

/* Wait up to @timeout_ms for stdin, then call @cmd(line, @arg) for every
 * complete line (newline stripped) and flush stdout after each. An
 * overlong line is dropped. Returns 0, or -1 when stdin is closed (the
 * runner is gone). */
static inline int
bench_cmdline_poll(struct bench_cmdline *c, int timeout_ms,
		   void (*cmd)(char *line, void *arg), void *arg)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	ssize_t r;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	r = read(0, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (r <= 0)
		return -1;
	c->len += (size_t)r;
	c->buf[c->len] = '\0';
	for (char *nl; (nl = strchr(c->buf, '\n')) != NULL;) {
		*nl = '\0';
		cmd(c->buf, arg);
		fflush(stdout);
		c->len -= (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, c->len + 1);
	}
	if (c->len == sizeof(c->buf) - 1)
		c->len = 0;	/* overlong line: drop it */
	return 0;
}

#endif
