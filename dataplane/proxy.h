/* SPDX-License-Identifier: BSD-3-Clause
 * proxy.h — the tcp-proxy listener on a worker: zdp's own TCP stack
 * terminates connections to a `mode: tcp-proxy` VIP, the lb picks a backend
 * (policy as in the fast path), the stack opens a connection to it from the
 * gateway address, and the two are relayed with backpressure, half-close
 * and reset propagation and a per-connection idle timeout.
 */
#ifndef ZDP_PROXY_H
#define ZDP_PROXY_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "parse.h"
#include "snapshot.h"
#include "tcp_api.h"

struct zdp_worker;

/* Create the worker's TCP stack and proxy state (on the worker lcore).
 * 0 or -ENOMEM. */
int zdp_proxy_worker_init(struct zdp_worker *w);
void zdp_proxy_worker_fini(struct zdp_worker *w);

/* A TCP segment for a tcp-proxy VIP or for a gateway address (backends
 * answering the proxy's connections): into the stack. Consumes @m. */
void zdp_proxy_input(struct zdp_worker *w, const struct zdp_snapshot *s,
		     struct rte_mbuf *m, struct zdp_pkt_info *pi);

/* Once per loop: follow the snapshot's tcp-proxy VIPs, run the stack's
 * timers and flush its output. */
void zdp_proxy_poll(struct zdp_worker *w, const struct zdp_snapshot *s);

/* Housekeeping: close relays idle longer than their route's idle timeout. */
void zdp_proxy_housekeeping(struct zdp_worker *w);

/* One connection of the worker's stack as /tcp/connections lists it. */
enum {
	ZDP_PROXY_ROLE_NONE,		/* closing, or not accepted yet */
	ZDP_PROXY_ROLE_CLIENT,		/* accepted on a tcp-proxy VIP */
	ZDP_PROXY_ROLE_UPSTREAM,	/* opened to the chosen backend */
};

struct zdp_proxy_conn_dump {
	struct zdp_tcp_conn_info tcp;	/* tcp.user is always NULL here */
	uint8_t role;			/* ZDP_PROXY_ROLE_* */
	uint32_t pending_bytes;		/* received, not yet taken by the peer */
	uint64_t relay_idle_ms;		/* since the last byte either way */
};

/* Mgmt thread: list up to @cap connections of worker @w's stack into @out.
 * The worker copies them a bounded step per housekeeping tick; this waits
 * up to @timeout_ms. Returns the number listed (0 without a stack) and the
 * connections in use in *@in_use, or -ETIMEDOUT (the worker did not finish:
 * a stalled worker, or a pool too large for the timeout). */
int zdp_proxy_dump(struct zdp_worker *w, struct zdp_proxy_conn_dump *out, uint32_t cap,
		   unsigned timeout_ms, uint32_t *in_use);

#endif
