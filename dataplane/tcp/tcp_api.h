/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_api.h — zdp's per-core TCP stack: the interface for the layers above.
 *
 * One struct zdp_tcp_stack per worker lcore; it shares nothing with other
 * workers and takes no locks. Everything the stack needs per packet
 * (connections, reassembly nodes, timers) comes from pools sized at
 * zdp_tcp_stack_create(); payload stays in the mbufs it arrived in.
 *
 * Time is always an argument: @now is in TSC cycles (params.tsc_hz gives the
 * rate), so tests drive time deterministically.
 *
 * Packet path (what the worker does per loop):
 *
 *   rx burst -> for each TCP packet for a local address:
 *                 zdp_tcp_input_ip(stk, m, now)      (m starts at the IP header)
 *            or   zdp_tcp_input(stk, m, &l3, now)    (m starts at TCP header)
 *            -> zdp_tcp_poll(stk, now)               (timers + pending output)
 *
 * Every segment the stack emits goes through params.tx(tx_ctx, m): m starts
 * at a complete IPv4/IPv6 header; the worker prepends L2 and queues it.
 * m->l3_len / m->l4_len are set; with params.tx_csum_offload the TCP (and IPv4
 * header) checksum is left to the device (ol_flags set, pseudo-header sum in
 * the TCP checksum field, l2_len is the worker's to set), otherwise both are
 * computed in software. With params.tso_max, a packet of new data may carry
 * several MSS of payload, flagged RTE_MBUF_F_TX_TCP_SEG (tso_segsz = MSS,
 * the checksum field holds the pseudo-header sum without the length, as
 * DPDK's TSO wants); the IP length is that of the whole.
 *
 * Handle lifetime: a struct zdp_tcp_conn * given to the application (by
 * on_accept or zdp_tcp_connect) stays valid until the application calls
 * zdp_tcp_close() or zdp_tcp_abort() on it — exactly once — even after
 * on_reset / on_error. After that call no further callback arrives for it.
 */
#ifndef ZDP_TCP_API_H
#define ZDP_TCP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zdp_addr.h"

struct rte_mbuf;
struct rte_mempool;
struct zdp_tcp_stack;
struct zdp_tcp_conn;
struct zdp_tcp_listener;

/* Addresses of a segment, filled by the caller when it has parsed L3. */
struct zdp_tcp_l3 {
	struct zdp_addr src;	/* remote for input, local for output */
	struct zdp_addr dst;
};

/* Application callbacks. All optional except on_accept for listeners.
 * They run inside zdp_tcp_input*() / zdp_tcp_poll(); calling back into the
 * stack (send, shutdown, close, abort, connect) from them is allowed. */
struct zdp_tcp_callbacks {
	/* A passive connection completed its handshake on a listener. Return
	 * the application's context for it (stored as the conn user pointer),
	 * or NULL to refuse: the stack then resets it and frees it itself. */
	void *(*on_accept)(struct zdp_tcp_conn *c, void *listener_user);
	/* An active open (zdp_tcp_connect) reached ESTABLISHED. */
	void (*on_connected)(struct zdp_tcp_conn *c, void *user);
	/* In-order bytes arrived. @m is a chain of exactly @len bytes, owned by
	 * the application from now on. The receive window only reopens when
	 * the application reports the bytes consumed (zdp_tcp_recv_consumed),
	 * which is the backpressure: a slow consumer closes the window. */
	void (*on_readable)(struct zdp_tcp_conn *c, void *user,
			    struct rte_mbuf *m, uint32_t len);
	/* Send space opened up after zdp_tcp_send() returned -EAGAIN. */
	void (*on_writable)(struct zdp_tcp_conn *c, void *user);
	/* The peer sent FIN: no more bytes will arrive (we may still send). */
	void (*on_peer_closed)(struct zdp_tcp_conn *c, void *user);
	/* The peer reset the connection (RFC 9293 §3.10.7.4 step 2). */
	void (*on_reset)(struct zdp_tcp_conn *c, void *user);
	/* The connection failed: -ETIMEDOUT (retransmissions, keepalive,
	 * SYN retries), -ECONNREFUSED (RST to our SYN), -ENOMEM. */
	void (*on_error)(struct zdp_tcp_conn *c, void *user, int err);
};

enum zdp_tcp_cc_algo { ZDP_TCP_CC_NEWRENO = 0, ZDP_TCP_CC_CUBIC = 1 };

#define ZDP_TCP_TSO_MAX	(65535u - 40 - 60)	/* IPv6 payload length limit, less headers */

struct zdp_tcp_stack_params {
	int socket_id;			/* NUMA node for the pools */
	uint32_t max_conns;		/* connection pool size (incl. TIME-WAIT) */
	uint32_t max_listeners;
	uint32_t reass_nodes;		/* out-of-order nodes for the whole core */
	uint64_t tsc_hz;		/* units of @now per second */
	struct rte_mempool *pool;	/* header + indirect mbufs for output */
	void (*tx)(void *tx_ctx, struct rte_mbuf *m);
	void *tx_ctx;
	struct zdp_tcp_callbacks cb;
	/* Secret for ISNs (RFC 6528) and SYN cookies (RFC 4987); all-zero
	 * means "draw one from rte_rand()" (tests pass a fixed one). */
	uint8_t secret[32];
	uint32_t rcv_buf;		/* bytes per connection (receive window) */
	uint32_t snd_buf;		/* bytes queued per connection before -EAGAIN */
	uint16_t mtu;			/* IP MTU of the path; MSS is clamped to it */
	uint32_t rto_min_us, rto_max_us, rto_init_us;
	uint32_t delack_us;		/* delayed ACK timeout */
	uint32_t msl_us;		/* TIME-WAIT lasts 2*MSL */
	/* Outgoing TIME-WAIT reuse (tcp_timewait.c): connect may take a
	 * 4-tuple held by a TIME-WAIT connection that negotiated timestamps
	 * and has received nothing for this long. 0 = never; otherwise at
	 * least 1000 (one tick of the timestamp clock). Default 1 s. */
	uint32_t tw_reuse_us;
	uint32_t fin_wait2_us;		/* orphaned FIN-WAIT-2 lifetime */
	uint8_t syn_retries, synack_retries, data_retries;
	uint16_t syn_backlog;		/* half-open per listener before cookies */
	uint32_t challenge_ack_limit;	/* per second per core (RFC 5961 §7); 0 = no limit */
	uint16_t max_ooo_segs;		/* out-of-order ranges (holes) held per conn */
	enum zdp_tcp_cc_algo cc;
	bool tx_csum_offload;		/* device fills TCP/IPv4 checksums */
	bool rx_csum_trust;		/* trust RX_L4_CKSUM_GOOD flags */
	bool tx_copy;			/* copy payload instead of attaching (no multi-seg TX) */
	/* TCP segmentation offload: new data goes out in packets of up to
	 * this many payload bytes (whole MSS multiples, at most
	 * ZDP_TCP_TSO_MAX) that the device splits, each flagged
	 * RTE_MBUF_F_TX_TCP_SEG with tso_segsz = the MSS, checksums left to
	 * whoever segments (with or without tx_csum_offload). 0 = off; off
	 * with tx_copy. Retransmissions stay one MSS. */
	uint32_t tso_max;
	/* Mbufs a TSO packet may have (the device's tx_desc_lim.nb_seg_max,
	 * header included); 0 = no limit. */
	uint16_t tso_max_segs;
	bool no_timestamps, no_sack, no_wscale; /* for tests / interop knobs */
	uint16_t eph_port_lo, eph_port_hi; /* ephemeral range for connect */
	/* Optional: return true when a connection with this source port would
	 * have its reply steered to this worker (symmetric RSS, see DESIGN.md).
	 * NULL = any port. */
	bool (*port_ok)(void *ctx, const struct zdp_addr *laddr, uint16_t lport,
			const struct zdp_addr *raddr, uint16_t rport);
	void *port_ok_ctx;
	/* Optional: the MTU of the link towards @raddr (its egress port), 0 if
	 * unknown. Asked once per connection, at open: the MSS we advertise
	 * and the one we send with fit it. NULL = params.mtu for all. */
	uint16_t (*path_mtu)(void *ctx, const struct zdp_addr *raddr);
	void *path_mtu_ctx;
	/* Optional: forward progress towards @raddr (an ACK of new data), the
	 * upper-layer reachability hint of RFC 4861 §7.3.1 for the neighbour
	 * the path goes through. At most once per ~1 s per connection, so its
	 * cost follows the connections alive, not the segment rate. */
	void (*confirm)(void *ctx, const struct zdp_addr *raddr);
	void *confirm_ctx;
};

/* Fill @p with defaults (RFC values where the RFC gives one). */
void zdp_tcp_stack_params_default(struct zdp_tcp_stack_params *p);

/* Create a stack. Returns NULL with rte_errno-free errno set to EINVAL
 * (bad params) or ENOMEM. */
struct zdp_tcp_stack *zdp_tcp_stack_create(const struct zdp_tcp_stack_params *p);
/* Frees every connection (no segments sent) and the pools. NULL is a no-op. */
void zdp_tcp_stack_destroy(struct zdp_tcp_stack *stk);

/* Input. zdp_tcp_input_ip: @m starts at an IPv4 or IPv6 header; the stack
 * validates it (version, lengths, no fragments) and the TCP header.
 * zdp_tcp_input: @m starts at the TCP header, @l3 gives the addresses.
 * The stack always takes ownership of @m. Returns 0 when the segment was
 * processed, or a negative code naming why it was dropped (-EINVAL malformed,
 * -EBADMSG checksum, -ENOENT no connection/listener (a RST was sent per
 * RFC 9293 §3.10.7.1), -EPROTO dropped by a protocol rule). */
int zdp_tcp_input_ip(struct zdp_tcp_stack *stk, struct rte_mbuf *m, uint64_t now);
int zdp_tcp_input(struct zdp_tcp_stack *stk, struct rte_mbuf *m,
		  const struct zdp_tcp_l3 *l3, uint64_t now);

/* A caller that verified a segment's TCP checksum itself (and passes it
 * with RTE_MBUF_F_RX_L4_CKSUM_GOOD to a stack with params.rx_csum_trust)
 * hands over the payload's sum too: @sum is the folded one's-complement
 * sum (cksum.h, memory byte order) of the @len payload bytes at buffer
 * offset @data_off of @m (what m->data_off will be once the headers are
 * trimmed). Without TX checksum offload, a segment that sends those bytes
 * on unchanged (a relay) then costs no second pass over them. */
void zdp_tcp_psum_set(const struct zdp_tcp_stack *stk, struct rte_mbuf *m,
		      uint16_t data_off, uint16_t len, uint16_t sum);

/* Start the connection-table miss of a segment about to be passed to
 * zdp_tcp_input*() (local address and port, remote address and port, ports
 * in host order): a caller with a burst of segments calls this for all of
 * them first, so their misses overlap. Only a hint. */
void zdp_tcp_prefetch(const struct zdp_tcp_stack *stk, const struct zdp_addr *laddr,
		      uint16_t lport, const struct zdp_addr *raddr, uint16_t rport);

/* Run expired timers and flush output that input or the API queued
 * (ACKs, data). Call once per worker loop iteration. */
void zdp_tcp_poll(struct zdp_tcp_stack *stk, uint64_t now);

/* Listen on @addr (family set, address all-zero = any of that family) and
 * @port. Returns 0 and the handle, -EADDRINUSE, -ENOSPC (table full). */
int zdp_tcp_listen(struct zdp_tcp_stack *stk, const struct zdp_addr *addr,
		   uint16_t port, void *user, struct zdp_tcp_listener **out);
/* Stop listening; established connections are not affected, half-open ones
 * are reset. */
void zdp_tcp_unlisten(struct zdp_tcp_stack *stk, struct zdp_tcp_listener *l);

/* Active open from @laddr:@lport (0 = pick one in the ephemeral range that
 * passes params.port_ok) to @raddr:@rport. A 4-tuple held by a TIME-WAIT
 * connection is usable once params.tw_reuse_us allows it (that connection
 * ends; the new one starts beyond its sequence space). Returns 0 and the
 * handle (state SYN-SENT; on_connected or on_error follows), -EADDRINUSE,
 * -EADDRNOTAVAIL (no usable port), -ENOMEM (pool empty), -EINVAL. */
int zdp_tcp_connect(struct zdp_tcp_stack *stk, const struct zdp_addr *laddr,
		    uint16_t lport, const struct zdp_addr *raddr, uint16_t rport,
		    void *user, uint64_t now, struct zdp_tcp_conn **out);

/* Queue the chain @m (pkt_len bytes) for sending; the stack owns it on
 * success. Returns 0, -EAGAIN (send buffer full: keep @m, wait for
 * on_writable), -EPIPE (shutdown or closed), -ENOTCONN (not yet/no longer
 * synchronized), -EINVAL. A chain is accepted whole while the queue is
 * below snd_buf, so the buffer may overshoot by one chain. */
int zdp_tcp_send(struct zdp_tcp_conn *c, struct rte_mbuf *m);
/* Bytes the application may still queue before -EAGAIN. When it returns
 * 0, on_writable follows once acknowledgements free space. */
uint32_t zdp_tcp_send_space(struct zdp_tcp_conn *c);
/* The application is done with @bytes of data it received: the receive
 * window reopens by that much (with RFC 9293 §3.8.6.2.2 SWS avoidance). */
void zdp_tcp_recv_consumed(struct zdp_tcp_conn *c, uint32_t bytes);
/* Half-close: send FIN after the queued data. Returns 0, -ENOTCONN. */
int zdp_tcp_shutdown(struct zdp_tcp_conn *c);
/* Full close and release of the handle: FIN after queued data; bytes that
 * arrive afterwards are answered with RST (RFC 1122 §4.2.2.13). */
void zdp_tcp_close(struct zdp_tcp_conn *c);
/* Send RST (if synchronized) and release the handle at once. */
void zdp_tcp_abort(struct zdp_tcp_conn *c);

/* Keepalive (RFC 1122 §4.2.3.6): off by default. idle/interval in µs. */
void zdp_tcp_set_keepalive(struct zdp_tcp_conn *c, uint32_t idle_us,
			   uint32_t intvl_us, uint8_t probes);
/* The path MTU shrank (ICMP, config): clamp the send MSS. */
void zdp_tcp_set_pmtu(struct zdp_tcp_conn *c, uint16_t mtu);
/* An ICMP error for this stack: @icmp points at the ICMP (ICMPv6 when
 * @family is ZDP_AF_INET6) header of a message of @len bytes whose checksum
 * the caller has verified. "Fragmentation needed" (type 3 code 4) and
 * "Packet Too Big" quoting a segment in flight lower that connection's MSS
 * and resend what was in flight in segments that fit (RFC 1191, RFC 8201,
 * validated as RFC 5927 §4.1 says). Returns 0 when the MSS went down;
 * otherwise the message is ignored and counted (tcp_icmp_ignored):
 * -EOPNOTSUPP another error (soft, RFC 5461), -EINVAL malformed or not
 * about TCP, -ENOENT no such connection, -ERANGE the quoted sequence number
 * is not in flight, -EALREADY the MSS is already that small. */
int zdp_tcp_icmp_input(struct zdp_tcp_stack *stk, int family, const uint8_t *icmp,
		       uint32_t len);
/* Enable/disable the Nagle algorithm (RFC 9293 §3.7.4); off by default. */
void zdp_tcp_set_nagle(struct zdp_tcp_conn *c, bool on);

/* Introspection. */
#define ZDP_TCP_STATES(X)			\
	X(CLOSED, "CLOSED")			\
	X(LISTEN, "LISTEN")			\
	X(SYN_SENT, "SYN-SENT")			\
	X(SYN_RECEIVED, "SYN-RECEIVED")		\
	X(ESTABLISHED, "ESTABLISHED")		\
	X(FIN_WAIT_1, "FIN-WAIT-1")		\
	X(FIN_WAIT_2, "FIN-WAIT-2")		\
	X(CLOSE_WAIT, "CLOSE-WAIT")		\
	X(CLOSING, "CLOSING")			\
	X(LAST_ACK, "LAST-ACK")			\
	X(TIME_WAIT, "TIME-WAIT")

enum zdp_tcp_state {
#define X(e, s) ZDP_TCP_##e,
	ZDP_TCP_STATES(X)
#undef X
	ZDP_TCP_NSTATES
};
const char *zdp_tcp_state_name(enum zdp_tcp_state s);
enum zdp_tcp_state zdp_tcp_conn_state(const struct zdp_tcp_conn *c);
void *zdp_tcp_conn_user(const struct zdp_tcp_conn *c);
void zdp_tcp_conn_set_user(struct zdp_tcp_conn *c, void *user);
void zdp_tcp_conn_addrs(const struct zdp_tcp_conn *c, struct zdp_addr *laddr,
			uint16_t *lport, struct zdp_addr *raddr, uint16_t *rport);

/* Counters: per core and (subset) per connection; names from tcp_counters.def. */
enum zdp_tcp_counter {
#define ZDP_TCP_CTR(e, name, help) ZDP_TCP_CTR_##e,
#include "tcp_counters.def"
#undef ZDP_TCP_CTR
	ZDP_TCP_CTR_MAX
};
const char *zdp_tcp_counter_name(enum zdp_tcp_counter i);
const uint64_t *zdp_tcp_stack_counters(const struct zdp_tcp_stack *stk);
uint32_t zdp_tcp_stack_conns_in_use(const struct zdp_tcp_stack *stk);
/* Bytes of state one connection costs (its pool slot and hash bucket). */
size_t zdp_tcp_conn_state_size(void);

struct zdp_tcp_conn_stats {
	uint64_t segs_in, segs_out, bytes_in, bytes_out;
	uint32_t retransmits, rto_fires, ooo_segs, sack_recoveries;
	uint32_t srtt_us, rttvar_us, rto_us, cwnd, ssthresh, snd_wnd, rcv_wnd;
	uint16_t mss;
};
void zdp_tcp_conn_get_stats(const struct zdp_tcp_conn *c, struct zdp_tcp_conn_stats *st);

/* Debug dump of live connections: one line each (test harnesses). */
void zdp_tcp_dump(const struct zdp_tcp_stack *stk, FILE *f);

/* One live connection as the admin address's /tcp/connections shows it. */
enum {
	ZDP_TCP_INFO_PASSIVE	= 1u << 0,	/* accepted, not connected out */
	ZDP_TCP_INFO_TS		= 1u << 1,	/* timestamps negotiated */
	ZDP_TCP_INFO_SACK	= 1u << 2,
	ZDP_TCP_INFO_WS		= 1u << 3,	/* window scaling negotiated */
	ZDP_TCP_INFO_RECOVERY	= 1u << 4,	/* in fast or RTO recovery */
	ZDP_TCP_INFO_COOKIE	= 1u << 5,	/* established from a SYN cookie */
	ZDP_TCP_INFO_FIN_SENT	= 1u << 6,
	ZDP_TCP_INFO_FIN_RCVD	= 1u << 7,
	ZDP_TCP_INFO_PERSIST	= 1u << 8,	/* probing a zero window */
};

struct zdp_tcp_conn_info {
	struct zdp_addr laddr, raddr;
	uint16_t lport, rport;		/* host order */
	uint8_t state;			/* enum zdp_tcp_state */
	uint8_t snd_wscale, rcv_wscale;
	uint32_t flags;			/* ZDP_TCP_INFO_* */
	uint32_t snd_queued;		/* bytes queued from SND.UNA, unsent incl. */
	uint32_t snd_inflight;		/* SND.MAX - SND.UNA */
	uint32_t rcv_held;		/* delivered, not yet consumed */
	uint32_t ooo_blocks;		/* out-of-order blocks held */
	uint64_t rx_idle_us;		/* since the last segment received */
	struct zdp_tcp_conn_stats st;
	void *user;
};

#define ZDP_TCP_WALK_DONE UINT32_MAX

/* Copy up to @max live connections into @out, looking at no more than
 * @slots pool slots from *@cursor (start at 0). Advances *@cursor, which is
 * ZDP_TCP_WALK_DONE once the whole pool was seen. Returns the number copied.
 * Only on the stack's own lcore. */
uint32_t zdp_tcp_conn_walk(const struct zdp_tcp_stack *stk, uint32_t *cursor,
			   uint32_t slots, struct zdp_tcp_conn_info *out, uint32_t max);

#endif /* ZDP_TCP_API_H */
