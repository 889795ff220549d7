/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_priv.h — types and helpers shared by the files of dataplane/tcp/.
 * Not installed for other folders: include tcp_api.h instead.
 *
 * Send queue (one per connection):
 *
 *   snd_una                       snd_nxt              snd_una+snd_queued
 *     |<---- sent, unacked ------>|<---- unsent ------->|
 *   [seg]->[seg]->[seg]->...->[seg]        (app mbufs linked by ->next)
 *    ^ sndq_head (first sndq_off bytes of it already acked)
 *
 * Segments on the wire are built from it by attaching indirect mbufs (or
 * copying small payloads), so a retransmission never needs the app again.
 * Out-of-order data waits in a sorted list of reassembly nodes taken from a
 * per-core pool; in-order data goes straight to the application.
 */
#ifndef ZDP_TCP_PRIV_H
#define ZDP_TCP_PRIV_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "tcp_api.h"

/* RFC 9293 §3.4: sequence numbers compare modulo 2^32. */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MAX(a, b) (SEQ_GT(a, b) ? (a) : (b))
#define SEQ_MIN(a, b) (SEQ_LT(a, b) ? (a) : (b))

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8

#define ZDP_TCP_MAX_WSCALE 14		/* RFC 7323 §2.3 */
#define ZDP_TCP_SACK_BLOCKS 8		/* scoreboard blocks kept per conn */
#define ZDP_TCP_DUPTHRESH 3		/* RFC 6675 §2, RFC 5681 §3.2 */
#define ZDP_TCP_TICK_US 1000u		/* timer wheel granularity */
#define ZDP_TCP_WHEEL_BITS 12
#define ZDP_TCP_WHEEL_SLOTS (1u << ZDP_TCP_WHEEL_BITS)
#define ZDP_TCP_PAWS_IDLE_MS (24u * 86400u * 1000u) /* RFC 7323 §5.5 */

/* A parsed TCP segment (host byte order). */
struct zdp_tcp_seg {
	uint32_t seq, ack, len;		/* len: payload bytes (no SYN/FIN) */
	uint32_t wnd;			/* raw, unscaled */
	uint16_t sport, dport;		/* remote, local */
	uint8_t flags;
	uint8_t hlen;
	/* options */
	bool has_mss, has_ws, sack_perm, has_ts;
	uint8_t ws;
	uint16_t mss;
	uint32_t tsval, tsecr;
	uint8_t n_sack;
	uint32_t sack[4][2];		/* [start, end) */
};

/* Timer node, intrusive, in a hashed wheel (tcp_timer.c). */
struct zdp_tcp_tnode {
	struct zdp_tcp_tnode *next, **pprev;
	uint64_t expire;		/* tick */
	uint8_t kind;			/* enum zdp_tcp_timer_kind */
};

enum zdp_tcp_timer_kind { ZDP_TCP_T_RTX, ZDP_TCP_T_DELACK, ZDP_TCP_T_KEEP, ZDP_TCP_T_MAX };

/* Two levels (tcp_timer.c): slot[] holds timers due within one revolution
 * (4096 ticks) of now_tick, one tick per slot; slot1[] the later ones, one
 * revolution per slot (4.66 hours in all). */
struct zdp_tcp_wheel {
	struct zdp_tcp_tnode *slot[ZDP_TCP_WHEEL_SLOTS];
	struct zdp_tcp_tnode *slot1[ZDP_TCP_WHEEL_SLOTS];
	struct zdp_tcp_tnode *walk;	/* the slot being walked, detached */
	uint64_t now_tick;		/* last tick processed (the cursor) */
};

/* Out-of-order reassembly node. */
struct zdp_tcp_ooo {
	struct zdp_tcp_ooo *next;
	struct rte_mbuf *m;		/* exactly len bytes (or NULL for a bare FIN) */
	uint32_t seq, len;
	bool fin;
};

/* SACK scoreboard, sender side (tcp_sack.c). Blocks are sorted,
 * non-overlapping, all above snd_una. */
struct zdp_tcp_sb {
	uint32_t blk[ZDP_TCP_SACK_BLOCKS][2];
	uint8_t n;
	bool rescue_set;		/* RescueRxt defined (this recovery) */
	uint32_t sacked;		/* bytes covered by blk[] */
	uint32_t high_rxt;		/* RFC 6675 HighRxt */
	uint32_t rescue_rxt;		/* RFC 6675 RescueRxt, when rescue_set */
};

/* RACK loss detection (RFC 8985 §6, tcp_rack.c).
 *
 * Each send-queue mbuf carries, in an mbuf dynamic field, when any of its
 * bytes was last sent and whether that was a retransmission or it was
 * marked lost (struct zdp_tcp_txstamp, 12 bytes): the per-segment Segment.xmit_ts,
 * .retransmitted and .lost of §6.1 at mbuf granularity, with no per-packet
 * allocation and nothing per connection. A segment's stamp is the newest
 * send of any part of its mbufs, so a segment is never judged sent earlier
 * than it was. The connection keeps the RACK.* variables below. */
struct zdp_tcp_rack {
	uint32_t xmit_us;		/* RACK.xmit_ts (low 32 bits of now_us) */
	uint32_t end_seq;		/* RACK.end_seq */
	uint32_t rtt_us;		/* RACK.rtt */
	uint32_t min_rtt_us;		/* RACK.min_RTT (connection minimum; 0 = none) */
	uint32_t fack;			/* RACK.fack */
	uint32_t lost_hi;		/* end of the highest segment RACK marked lost */
	bool valid;			/* xmit_us/end_seq/fack hold a delivery */
	bool rxt;			/* RACK.end_seq's segment was retransmitted */
	bool reord;			/* RACK.reordering_seen */
};

struct zdp_tcp_txstamp {
	uint32_t us;			/* last transmission (low 32 bits of now_us) */
	uint32_t end_us;		/* last transmission of its last byte sent */
	uint32_t flags;			/* TXS_* */
};
#define TXS_SENT    1u
#define TXS_RXT     2u			/* the last transmission was a retransmission */
#define TXS_LOST    4u			/* RACK marked it lost since */
#define TXS_END_RXT 8u			/* so was the one of end_us */

/* Congestion control (chosen once per stack, never per packet). */
struct zdp_tcp_cc_ops {
	const char *name;
	void (*init)(struct zdp_tcp_conn *c);
	/* New data cumulatively acked outside recovery: grow cwnd. */
	void (*cong_avoid)(struct zdp_tcp_conn *c, uint32_t acked, uint64_t now_us);
	/* Loss detected by dupacks/SACK: set ssthresh (cwnd set by caller). */
	void (*on_loss)(struct zdp_tcp_conn *c, uint64_t now_us);
	/* RTO fired: set ssthresh; caller sets cwnd to the loss window. */
	void (*on_rto)(struct zdp_tcp_conn *c, uint64_t now_us);
	void (*on_recovery_exit)(struct zdp_tcp_conn *c, uint64_t now_us);
};
extern const struct zdp_tcp_cc_ops zdp_tcp_cc_newreno;
extern const struct zdp_tcp_cc_ops zdp_tcp_cc_cubic;

struct zdp_tcp_cubic {
	double w_max;			/* segments */
	double w_est;			/* segments, Reno-friendly estimate */
	double k;			/* seconds */
	uint64_t t_epoch_us;		/* 0 = no epoch */
	double cwnd_frac;		/* accumulated fraction of a segment */
};

enum {
	F_APP_HELD	= 1u << 0,	/* application still holds the handle */
	F_PASSIVE	= 1u << 1,
	F_TS		= 1u << 2,	/* timestamps negotiated */
	F_SACK		= 1u << 3,
	F_WS		= 1u << 4,
	F_FIN_QUEUED	= 1u << 5,	/* app shut down the write side */
	F_FIN_SENT	= 1u << 6,
	F_FIN_RCVD	= 1u << 7,
	F_ACK_NOW	= 1u << 8,
	F_PENDING	= 1u << 9,	/* on the stack's pending-output list */
	F_IN_RECOVERY	= 1u << 10,
	F_CLOSED_BY_APP	= 1u << 11,	/* close(): further data gets RST */
	F_WANT_WRITABLE	= 1u << 12,
	F_SYN_RTX	= 1u << 13,	/* SYN was retransmitted (RFC 6298 §5.7) */
	F_HASHED	= 1u << 14,
	F_FREE		= 1u << 15,	/* queued for release */
	F_NAGLE		= 1u << 16,
	F_RTO_RECOVERY	= 1u << 17,	/* go-back-N after an RTO */
	F_COOKIE	= 1u << 18,	/* created from a SYN cookie */
	F_PERSIST	= 1u << 19,	/* RTX timer is the persist timer */
	F_TLP		= 1u << 20,	/* RTX timer is a tail loss probe timer */
	F_TLP_OUT	= 1u << 21,	/* a probe is out, unanswered */
	F_REO		= 1u << 22,	/* RTX timer is RACK's reordering timer */
};

struct zdp_tcp_conn {
	struct zdp_tcp_conn *hnext;	/* hash chain */
	struct zdp_tcp_conn *pnext;	/* pending-output / free list */
	struct zdp_tcp_stack *stk;
	void *user;
	struct zdp_tcp_listener *lst;	/* passive, until accepted */
	uint32_t flags;
	uint8_t state;
	uint8_t snd_wscale, rcv_wscale;
	uint8_t backoff;		/* RTO exponent, RFC 6298 §5.5 */
	uint8_t retries;
	uint8_t dupacks;
	uint8_t ka_probes, ka_sent;
	uint16_t mss;			/* effective send MSS (payload, no options) */
	uint16_t peer_mss;
	uint16_t adv_mss;		/* what we announced */
	uint16_t lport, rport;
	struct zdp_addr laddr, raddr;

	/* send side (RFC 9293 §3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_max;
	uint32_t snd_wnd, max_snd_wnd, snd_wl1, snd_wl2;
	uint32_t snd_queued;		/* bytes in sndq from snd_una, unsent incl. */
	uint32_t sndq_off;		/* acked bytes at the front of sndq_head */
	struct rte_mbuf *sndq_head, *sndq_tail;
	struct rte_mbuf *cur_seg;	/* cursor for snd_nxt into the queue */
	uint32_t cur_seq;		/* sequence number of cur_seg's first byte */
	uint32_t recover;		/* RFC 6582 recover / RFC 6675 RecoveryPoint */

	/* receive side */
	uint32_t irs, rcv_nxt, rcv_adv;	/* rcv_adv: right edge announced */
	uint32_t rcv_held;		/* delivered, not yet consumed by the app */
	uint32_t last_ack_sent;
	uint32_t ts_recent, ts_recent_ms, ts_off;
	uint32_t segs_since_ack;
	uint32_t dsack_seq;		/* RFC 2883 duplicate to report ... */
	struct zdp_tcp_ooo *ooo;
	uint16_t ooo_n;
	uint16_t dsack_len;		/* ... and its length; 0 = none (fills padding) */
	uint32_t ooo_last_seq, ooo_last_end;	/* most recent OOO block (RFC 2018 §4) */

	/* RTT / RTO (RFC 6298) */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t rtt_seq;		/* timed segment (no timestamps) */
	uint32_t tlp_high;		/* SND.MAX when the probe went out */
	uint64_t rtt_start_us;		/* 0 = nothing timed */

	/* congestion control */
	uint32_t cwnd, ssthresh, bytes_acked;
	uint32_t prior_cwnd;
	struct zdp_tcp_sb sb;
	struct zdp_tcp_rack rack;
	uint32_t confirm_tick;		/* now_us >> 20 of the last reachability hint */
	union {
		struct zdp_tcp_cubic cubic;
	} cc;

	uint32_t ka_idle_us, ka_intvl_us;
	uint64_t last_rx_us;

	struct zdp_tcp_tnode timer[ZDP_TCP_T_MAX];
	/* the stack's TIME-WAIT list, oldest first (tcp_timewait.c) */
	struct zdp_tcp_conn *tw_next, **tw_pprev;

	/* per-connection counters */
	uint64_t segs_in, segs_out, bytes_in, bytes_out;
	uint32_t n_retrans, n_rto, n_ooo, n_sack_rec;
};

struct zdp_tcp_listener {
	struct zdp_addr addr;
	uint16_t port;
	bool used;
	uint16_t n_halfopen;
	void *user;
	uint64_t cookie_until_us;	/* cookies sent recently: validate ACKs */
};

struct zdp_tcp_stack {
	struct zdp_tcp_stack_params p;
	const struct zdp_tcp_cc_ops *cc;
	uint64_t now_us;
	uint64_t tsc_mult;		/* (1e6 << 32) / tsc_hz */
	struct zdp_tcp_conn *conns;	/* pool */
	struct zdp_tcp_conn *free_conns;
	uint32_t n_conns;
	struct zdp_tcp_conn **htab;
	uint32_t hmask;
	uint64_t hseed;
	struct zdp_tcp_ooo *ooo_pool, *free_ooo;
	struct zdp_tcp_listener *lst;
	struct zdp_tcp_conn *pending;	/* conns with output to flush */
	struct zdp_tcp_conn *release;	/* conns to return to the pool */
	struct zdp_tcp_conn *tw_head;	/* TIME-WAIT, oldest first ... */
	struct zdp_tcp_conn **tw_tail;	/* ... and the last one's tw_next */
	uint16_t next_eph;
	uint32_t chack_tokens;		/* challenge ACKs left this second */
	uint64_t chack_sec;
	struct zdp_tcp_wheel wheel;
	int txs_off;			/* struct zdp_tcp_txstamp dynfield; < 0: no RACK */
	int psum_off;			/* struct zdp_tcp_psum dynfield; < 0: none */
	uint64_t psum_flag;		/* ol_flags bit: psum valid; 0: none */
	uint64_t ctr[ZDP_TCP_CTR_MAX];
};

#define CTR_INC(stk, e) ((stk)->ctr[ZDP_TCP_CTR_##e]++)
#define CTR_ADD(stk, e, n) ((stk)->ctr[ZDP_TCP_CTR_##e] += (n))

static inline uint32_t
u32_min(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static inline uint32_t
u32_max(uint32_t a, uint32_t b)
{
	return a > b ? a : b;
}

static inline uint32_t
tcp_now_ms(const struct zdp_tcp_stack *stk)
{
	return (uint32_t)(stk->now_us / 1000);
}

static inline uint32_t
tcp_ts_now(const struct zdp_tcp_conn *c)
{
	return tcp_now_ms(c->stk) + c->ts_off;
}

static inline struct zdp_tcp_txstamp *
tcp_txs(const struct zdp_tcp_stack *stk, struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, stk->txs_off, struct zdp_tcp_txstamp *);
}

static inline uint32_t
tcp_flight(const struct zdp_tcp_conn *c)
{
	return c->snd_max - c->snd_una;
}

/* siphash / ISN / cookies (tcp_isn.c, tcp_syncookie.c) */
uint64_t zdp_tcp_siphash(const uint8_t key[16], const void *data, size_t len);
uint32_t zdp_tcp_isn(const uint8_t secret[32], const struct zdp_addr *laddr,
		     uint16_t lport, const struct zdp_addr *raddr, uint16_t rport,
		     uint64_t now_us);
uint32_t zdp_tcp_ts_offset(const uint8_t secret[32], const struct zdp_addr *laddr,
			   const struct zdp_addr *raddr);
/* Encodes the MSS (rounded down to a table entry) into a cookie. */
uint32_t zdp_tcp_syncookie_make(const uint8_t secret[32], const struct zdp_addr *laddr,
				uint16_t lport, const struct zdp_addr *raddr,
				uint16_t rport, uint32_t client_isn, uint16_t mss,
				uint64_t now_us);
/* Returns the MSS encoded in the cookie (>0) or 0 when invalid/expired. */
uint16_t zdp_tcp_syncookie_check(const uint8_t secret[32], const struct zdp_addr *laddr,
				 uint16_t lport, const struct zdp_addr *raddr,
				 uint16_t rport, uint32_t client_isn, uint32_t cookie,
				 uint64_t now_us);
/* TS-value option encoding for cookies: low 6 bits carry wscale/SACK. */
uint32_t zdp_tcp_syncookie_tsval(uint32_t ts_now, bool sack, int wscale);
void zdp_tcp_syncookie_tsopts(uint32_t tsecr, bool *sack, int *wscale);

/* timer wheel (tcp_timer.c) */
void zdp_tcp_wheel_init(struct zdp_tcp_wheel *w, uint64_t now_tick);
void zdp_tcp_timer_arm(struct zdp_tcp_stack *stk, struct zdp_tcp_conn *c,
		       enum zdp_tcp_timer_kind k, uint64_t delay_us);
void zdp_tcp_timer_cancel(struct zdp_tcp_conn *c, enum zdp_tcp_timer_kind k);
bool zdp_tcp_timer_armed(const struct zdp_tcp_conn *c, enum zdp_tcp_timer_kind k);
void zdp_tcp_timers_run(struct zdp_tcp_stack *stk);
void zdp_tcp_timer_fire(struct zdp_tcp_conn *c, enum zdp_tcp_timer_kind k);

/* RTT (tcp_timer.c) */
void zdp_tcp_rtt_sample(struct zdp_tcp_conn *c, uint32_t rtt_us);
uint32_t zdp_tcp_rto_current(const struct zdp_tcp_conn *c);
/* Arm the RTX timer for outstanding data: a tail loss probe (RFC 8985 §7)
 * when one is allowed, the RTO otherwise. */
void zdp_tcp_arm_rtx(struct zdp_tcp_conn *c);
bool zdp_tcp_arm_pto(struct zdp_tcp_conn *c);

/* SACK scoreboard (tcp_sack.c) */
void zdp_tcp_sb_reset(struct zdp_tcp_sb *sb);
void zdp_tcp_sb_update(struct zdp_tcp_sb *sb, uint32_t snd_una, uint32_t snd_max,
		       const uint32_t (*blk)[2], unsigned n);
void zdp_tcp_sb_ack(struct zdp_tcp_sb *sb, uint32_t snd_una);
bool zdp_tcp_sb_is_lost(const struct zdp_tcp_sb *sb, uint32_t seq, uint16_t mss);
uint32_t zdp_tcp_sb_lost_edge(const struct zdp_tcp_sb *sb, uint16_t mss, uint32_t snd_una);
uint32_t zdp_tcp_sb_pipe(const struct zdp_tcp_sb *sb, uint32_t snd_una,
			 uint32_t snd_max, uint16_t mss);
uint32_t zdp_tcp_sb_pipe_edge(const struct zdp_tcp_sb *sb, uint32_t snd_una,
			      uint32_t snd_max, uint32_t edge);
bool zdp_tcp_sb_covered(const struct zdp_tcp_sb *sb, unsigned *i, uint32_t s, uint32_t e);
bool zdp_tcp_sb_next_hole(const struct zdp_tcp_sb *sb, uint32_t snd_una, uint16_t mss,
			  uint32_t *seq, uint32_t *len);
bool zdp_tcp_sb_is_sacked(const struct zdp_tcp_sb *sb, uint32_t seq);
bool zdp_tcp_sb_rescue(const struct zdp_tcp_sb *sb, uint32_t snd_una, uint32_t snd_max,
		       uint16_t mss, uint32_t *seq, uint32_t *len);

/* RACK (tcp_rack.c) */
int zdp_tcp_rack_register(void);
void zdp_tcp_rack_sent(struct zdp_tcp_conn *c, uint32_t seq, uint32_t len, bool rxt);
void zdp_tcp_rack_rtt(struct zdp_tcp_conn *c, uint32_t rtt_us);
void zdp_tcp_rack_on_ack(struct zdp_tcp_conn *c, const struct zdp_tcp_seg *s,
			 const struct zdp_tcp_sb *old);
uint32_t zdp_tcp_rack_reo_wnd(const struct zdp_tcp_conn *c);
uint32_t zdp_tcp_rack_detect_loss(struct zdp_tcp_conn *c, unsigned *n_lost);
uint32_t zdp_tcp_rack_edge(const struct zdp_tcp_conn *c);
bool zdp_tcp_rack_next_seg(struct zdp_tcp_conn *c, uint32_t *seq, uint32_t *len);

/* mbuf chain helpers (tcp_reass.c): drop the first @n bytes / keep the
 * first @keep bytes; both return the new head (NULL when nothing is left). */
struct rte_mbuf *zdp_tcp_mbuf_trim_front(struct rte_mbuf *m, uint32_t n);
struct rte_mbuf *zdp_tcp_mbuf_trim_to(struct rte_mbuf *m, uint32_t keep);

/* reassembly (tcp_reass.c) */
int zdp_tcp_reass_insert(struct zdp_tcp_conn *c, struct rte_mbuf *m, uint32_t seq,
			 uint32_t len, bool fin);
/* Pops the data that became in order at rcv_nxt; returns a chain (or NULL),
 * its length in *len, and whether a FIN follows it. */
struct rte_mbuf *zdp_tcp_reass_pull(struct zdp_tcp_conn *c, uint32_t *len, bool *fin);
void zdp_tcp_reass_flush(struct zdp_tcp_conn *c);
unsigned zdp_tcp_reass_sack_blocks(const struct zdp_tcp_conn *c, uint32_t (*blk)[2],
				   unsigned max);

/*
 * Payload checksum cache (tcp_output.c). A segment received with a
 * verified checksum keeps the one's-complement sum of its payload in a
 * dynfield of its mbuf, tagged with the data offset and length it covers;
 * a relay that sends the same mbuf on (attached, not copied) reuses it
 * instead of summing the bytes again. The ol_flags bit makes it valid:
 * rte_pktmbuf_reset() (every allocation) clears it, attach copies it. The
 * tag makes any trim or append invalidate it; nothing in zdp rewrites
 * received payload in place (anything that ever does must clear the bit).
 */
struct zdp_tcp_psum {
	uint16_t data_off;	/* what the sum covers: m->data_off ... */
	uint16_t len;		/* ... and m->data_len when it was taken */
	uint16_t sum;		/* folded, memory byte order (cksum.h) */
};
void zdp_tcp_psum_register(struct zdp_tcp_stack *stk);

/* output (tcp_output.c) */
uint16_t zdp_tcp_l4_sum(const struct zdp_tcp_stack *stk, const struct rte_mbuf *m,
			uint32_t off, uint32_t len,
			const struct zdp_addr *src, const struct zdp_addr *dst);
bool zdp_tcp_rx_csum_ok(const struct zdp_tcp_stack *stk, struct rte_mbuf *m,
			uint32_t plen, uint32_t hlen,
			const struct zdp_addr *src, const struct zdp_addr *dst);
void zdp_tcp_output(struct zdp_tcp_conn *c);
int zdp_tcp_send_ack(struct zdp_tcp_conn *c);
void zdp_tcp_send_challenge_ack(struct zdp_tcp_conn *c);
int zdp_tcp_send_syn(struct zdp_tcp_conn *c);
void zdp_tcp_send_rst_conn(struct zdp_tcp_conn *c);
void zdp_tcp_send_rst_reply(struct zdp_tcp_stack *stk, const struct zdp_tcp_l3 *l3,
			    const struct zdp_tcp_seg *s);
int zdp_tcp_send_synack_cookie(struct zdp_tcp_stack *stk, const struct zdp_tcp_l3 *l3,
			       const struct zdp_tcp_seg *s, uint32_t cookie, uint16_t mss);
int zdp_tcp_retransmit_seg(struct zdp_tcp_conn *c, uint32_t seq, uint32_t len);
void zdp_tcp_send_probe(struct zdp_tcp_conn *c, bool zwp);
uint32_t zdp_tcp_rcv_window(struct zdp_tcp_conn *c);
uint16_t zdp_tcp_mss_for_mtu(const struct zdp_addr *a, uint16_t mtu);
/* The MTU towards @raddr: params.path_mtu's answer, else params.mtu. */
static inline uint16_t
zdp_tcp_path_mtu(const struct zdp_tcp_stack *stk, const struct zdp_addr *raddr)
{
	uint16_t m = stk->p.path_mtu ? stk->p.path_mtu(stk->p.path_mtu_ctx, raddr) : 0;

	return m >= 128 ? m : stk->p.mtu;
}
void zdp_tcp_sndq_ack(struct zdp_tcp_conn *c, uint32_t acked);
struct rte_mbuf *zdp_tcp_sndq_find(struct zdp_tcp_conn *c, uint32_t seq, uint32_t *off);

/* connection management (tcp_conn.c) */
/* A zeroed connection from the pool; when the pool is empty, the slot of
 * the oldest TIME-WAIT connection that can give it up (tcp_timewait.c);
 * NULL when there is neither. */
struct zdp_tcp_conn *zdp_tcp_conn_alloc(struct zdp_tcp_stack *stk);
void zdp_tcp_conn_hash(struct zdp_tcp_conn *c);
void zdp_tcp_conn_unhash(struct zdp_tcp_conn *c);
/* The connection hash of a 4-tuple (seeded per stack); the table takes its
 * low bits. */
uint32_t zdp_tcp_tuple_hash(const struct zdp_tcp_stack *stk, const struct zdp_addr *laddr,
			    uint16_t lport, const struct zdp_addr *raddr, uint16_t rport);
struct zdp_tcp_conn *zdp_tcp_conn_lookup(struct zdp_tcp_stack *stk,
					 const struct zdp_addr *laddr, uint16_t lport,
					 const struct zdp_addr *raddr, uint16_t rport);
struct zdp_tcp_listener *zdp_tcp_listener_lookup(struct zdp_tcp_stack *stk,
						 const struct zdp_addr *addr, uint16_t port);
/* Moves @c to CLOSED: unhash, stop timers, drop queues; the memory goes back
 * to the pool at the next poll unless the application still holds it. */
void zdp_tcp_conn_terminate(struct zdp_tcp_conn *c);
/* Terminates @c and, when nothing refers to it any more (the application
 * released it, no output is pending for it, it is not queued for release
 * already), returns its slot zeroed as a new connection, the way
 * zdp_tcp_conn_alloc() would (the count in use does not change: one ends,
 * one begins). Otherwise @c goes the usual way and NULL is returned. */
struct zdp_tcp_conn *zdp_tcp_conn_recycle(struct zdp_tcp_conn *c);
/* Give back a slot from zdp_tcp_conn_alloc() or zdp_tcp_conn_recycle()
 * that was never made a connection. */
void zdp_tcp_conn_unalloc(struct zdp_tcp_conn *c);
void zdp_tcp_conn_set_state(struct zdp_tcp_conn *c, enum zdp_tcp_state s);
void zdp_tcp_conn_pending(struct zdp_tcp_conn *c);
void zdp_tcp_conn_init_tcb(struct zdp_tcp_conn *c);
void zdp_tcp_conn_established(struct zdp_tcp_conn *c);
void zdp_tcp_conn_error(struct zdp_tcp_conn *c, int err);

/* TIME-WAIT (tcp_timewait.c) */
void zdp_tcp_tw_enter(struct zdp_tcp_conn *c);
bool zdp_tcp_tw_syn_reuses(const struct zdp_tcp_conn *c, const struct zdp_tcp_seg *s);
void zdp_tcp_tw_unlink(struct zdp_tcp_conn *c);
bool zdp_tcp_tw_reusable(const struct zdp_tcp_conn *c);
uint32_t zdp_tcp_tw_iss(const struct zdp_tcp_conn *tw, uint32_t isn);
/* The first sequence number past TIME-WAIT connection @tw's sequence
 * space, and the ISS zdp_tcp_tw_iss() derives from it: for a caller that
 * reuses @tw's slot (and so loses @tw) before it picks the ISS. */
uint32_t zdp_tcp_tw_edge(const struct zdp_tcp_conn *tw);
static inline uint32_t
zdp_tcp_tw_iss_past(uint32_t edge, uint32_t isn)
{
	return (int32_t)(isn - edge) < 0 ? edge : isn;
}
struct zdp_tcp_conn *zdp_tcp_tw_reclaim(struct zdp_tcp_stack *stk);

/* input helpers shared with tests (tcp_input.c) */
void zdp_tcp_set_now(struct zdp_tcp_stack *stk, uint64_t now);
/* RACK after an ACK or its reordering timer: mark losses, enter recovery,
 * arm the reordering timer (tcp_input.c). */
void zdp_tcp_rack_process(struct zdp_tcp_conn *c);
int zdp_tcp_parse(const uint8_t *p, uint32_t avail, struct zdp_tcp_seg *s);

#endif /* ZDP_TCP_PRIV_H */
