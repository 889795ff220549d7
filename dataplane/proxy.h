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

struct zdp_worker;

/* Ephemeral ports of the worker's TCP stack (connections to backends);
 * source NAT never picks them, so the two never share a binding. */
#define ZDP_PROXY_EPH_LO 61000
#define ZDP_PROXY_EPH_HI 65535	/* the top of the range: NAT checks only LO */

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

#endif
