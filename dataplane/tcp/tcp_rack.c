/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_rack.c — RACK loss detection (RFC 8985 §6): a segment is lost when
 * a segment sent after it was delivered and more than RACK.rtt +
 * RACK.reo_wnd passed since it went out. Because the test is on transmit
 * time, not on sequence numbers, it also finds a retransmission that was
 * lost again (RFC 6675 alone leaves that to the RTO) and a tail whose
 * later segments were SACKed before three of them could be.
 *
 * Where the times live: each send-queue mbuf carries a struct
 * zdp_tcp_txstamp in an mbuf dynamic field (tcp_priv.h), written whenever
 * any of its bytes is sent, so a "segment" here is a send-queue mbuf:
 *
 *   snd_una                                             snd_max
 *   [mbuf t=5 R ][mbuf t=1   ][mbuf t=1 SACKed][mbuf t=2   ][mbuf t=6 R ]
 *        ^ retransmitted at 5  ^ lost once t=2's  ^ delivered: RACK.xmit_ts = 2
 *                              successor is older than RACK.rtt + reo_wnd
 *
 * How it joins RFC 6675 (tcp_sack.c, tcp_output.c): a segment RACK marks
 * lost is retransmitted by the same NextSeg() loop. Rule 1 offers an
 * unSACKed range when it is marked lost, or lies below the IsLost() edge
 * and was never retransmitted (whether a retransmission is lost is RACK's
 * call alone); the edge used for rule 1 and SetPipe() is raised to the
 * highest segment RACK marked. Marking a segment below HighRxt moves
 * HighRxt back to it so the scan offers it again; retransmissions still
 * in flight above it are passed over.
 *
 * Cost: nothing per packet allocated; 12 bytes of each send-queue mbuf's
 * dynamic area; struct zdp_tcp_rack (28 bytes) per connection. The
 * reordering timer (§6.3) reuses the RTX timer node (flag F_REO). Walks are
 * over send-queue mbufs: an ACK walks the ones it acknowledges, or with
 * SACK blocks all up to the highest SACKed byte, and loss detection — only
 * while SACK blocks are outstanding or in recovery — walks
 * [SND.UNA, RACK.end_seq) (to SND.MAX when the newest
 * delivered segment was a retransmission): O(segments in flight), bounded
 * by snd_buf (256 KiB = ~180 segments by default). Linux's time-sorted
 * list avoids that walk; zdp's queue is sorted by sequence only.
 *
 * Simplifications, stated: RACK.min_RTT is the connection's minimum, not
 * a windowed one; RACK.reo_wnd_mult stays 1 (received D-SACKs are not
 * used, §6.2 step 4's adaptation is not done).
 */
#include <rte_errno.h>

#include "tcp_priv.h"

/* Registers the send-queue stamp (idempotent: DPDK returns the same offset
 * for the same name). Returns the offset, or < 0 (RACK is then off). */
int
zdp_tcp_rack_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "zdp_tcp_txstamp",
		.size = sizeof(struct zdp_tcp_txstamp),
		.align = __alignof__(struct zdp_tcp_txstamp),
	};

	return rte_mbuf_dynfield_register(&desc);
}

static inline bool
ts_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* RFC 8985 §6.2 RACK_sent_after(t1, seq1, t2, seq2) */
static inline bool
sent_after(uint32_t t1, uint32_t seq1, uint32_t t2, uint32_t seq2)
{
	return ts_after(t1, t2) || (t1 == t2 && SEQ_GT(seq1, seq2));
}

/* [@seq, @seq + @len) of the send queue just went out (@rxt: again):
 * stamp every mbuf it touches with now, clear any lost mark. */
void
zdp_tcp_rack_sent(struct zdp_tcp_conn *c, uint32_t seq, uint32_t len, bool rxt)
{
	struct zdp_tcp_stack *stk = c->stk;
	uint32_t off, now = (uint32_t)stk->now_us, rend = seq + len, mseq, sent_hi;
	struct rte_mbuf *m;

	if (stk->txs_off < 0 || !len)
		return;
	sent_hi = SEQ_MAX(c->snd_max, rend);	/* SND.MAX after this send */
	m = zdp_tcp_sndq_find(c, seq, &off);
	for (mseq = seq - off; m && SEQ_LT(mseq, rend); mseq += m->data_len, m = m->next) {
		struct zdp_tcp_txstamp *t = tcp_txs(stk, m);
		uint32_t f = TXS_SENT | (rxt ? TXS_RXT : 0);

		t->us = now;
		/* this send holds the last byte of the mbuf sent so far */
		if (SEQ_GEQ(rend, SEQ_MIN(mseq + m->data_len, sent_hi))) {
			t->end_us = now;
			f |= rxt ? TXS_END_RXT : 0;
		} else {
			f |= t->flags & TXS_END_RXT;
		}
		t->flags = f;
	}
}

/* Step 1 input: RACK.min_RTT. */
void
zdp_tcp_rack_rtt(struct zdp_tcp_conn *c, uint32_t rtt_us)
{
	if (!c->rack.min_rtt_us || rtt_us < c->rack.min_rtt_us)
		c->rack.min_rtt_us = rtt_us ? rtt_us : 1;
}

/* RFC 8985 §6.2 steps 2 and 3 for one delivered segment [.., @end). */
static void
rack_delivered(struct zdp_tcp_conn *c, const struct zdp_tcp_seg *s,
	       uint32_t us, bool rxt, uint32_t end)
{
	struct zdp_tcp_rack *r = &c->rack;
	uint32_t now = (uint32_t)c->stk->now_us, age = now - us;

	/* step 3: a segment that was never retransmitted delivered below
	 * the highest one delivered so far was reordered */
	if (!r->valid || SEQ_GT(end, r->fack))
		r->fack = end;
	else if (SEQ_LT(end, r->fack) && !rxt)
		r->reord = true;

	/* step 2: an ACK that may be for an earlier copy of a retransmitted
	 * segment says nothing about the retransmission — its echoed
	 * timestamp is older than the retransmission, or it came back faster
	 * than any round trip */
	if (rxt) {
		if ((c->flags & F_TS) && s->has_ts && s->tsecr &&
		    (uint64_t)(tcp_ts_now(c) - s->tsecr) * 1000u > (uint64_t)age + 1000u)
			return;
		if (age < r->min_rtt_us)
			return;
	}
	if (!r->valid || sent_after(us, end, r->xmit_us, r->end_seq)) {
		r->xmit_us = us;
		r->end_seq = end;
		r->rxt = rxt;
		r->rtt_us = age;
		r->valid = true;
	}
}

/* Whether the SACK ranges of @sb hold the last byte of [@s, @e). */
static bool
holds_end(const struct zdp_tcp_sb *sb, uint32_t s, uint32_t e)
{
	for (unsigned i = 0; i < sb->n; i++)
		if (SEQ_LT(sb->blk[i][0], e) && SEQ_GEQ(sb->blk[i][1], e) &&
		    SEQ_LT(s, e))
			return true;
	return false;
}

/* RFC 8985 §6.2 steps 1-3 for an ACK, before SND.UNA moves: every
 * send-queue mbuf it delivers — cumulatively acknowledged, or inside a
 * SACK block and not inside one of @old (the scoreboard before this ACK;
 * NULL when it did not change) — updates RACK.xmit_ts/end_seq/rtt/fack.
 *
 * Segments and mbufs need not line up (1448-byte segments from 2048-byte
 * mbufs, an mbuf only partly sent yet): an mbuf counts with its send time
 * when wholly delivered; when only the last byte of it sent so far was
 * newly SACKed, with the time of the last transmission that held that byte
 * (end_us) — the segment SACKed is that one or, for a retransmission, an
 * earlier copy (the ambiguity step 2 checks for). Anything else partly
 * SACKed does not count: its stamp may be from a part still missing. */
void
zdp_tcp_rack_on_ack(struct zdp_tcp_conn *c, const struct zdp_tcp_seg *s,
		    const struct zdp_tcp_sb *old)
{
	struct zdp_tcp_stack *stk = c->stk;
	const struct zdp_tcp_sb *sb = &c->sb;
	uint32_t hi = s->ack, seq = c->snd_una - c->sndq_off;
	unsigned io = 0, in = 0;
	struct rte_mbuf *m;

	if (stk->txs_off < 0)
		return;
	if (old && sb->n && SEQ_GT(sb->blk[sb->n - 1][1], hi))
		hi = sb->blk[sb->n - 1][1];
	if (!SEQ_GT(hi, c->snd_una))
		return;
	for (m = c->sndq_head; m && SEQ_LT(seq, hi); seq += m->data_len, m = m->next) {
		const struct zdp_tcp_txstamp *t = tcp_txs(stk, m);
		/* up to the last byte of it sent so far */
		uint32_t end = SEQ_MIN(seq + m->data_len, c->snd_max);
		bool was, now;

		if (!SEQ_LT(seq, end) || !(t->flags & TXS_SENT))
			continue;
		was = old ? zdp_tcp_sb_covered(old, &io, seq, end) :
			zdp_tcp_sb_covered(sb, &io, seq, end);
		now = SEQ_LEQ(end, s->ack) || (old && zdp_tcp_sb_covered(sb, &in, seq, end));
		if (now && !was)
			rack_delivered(c, s, t->us, t->flags & TXS_RXT, end);
		else if (!now && old && holds_end(sb, seq, end) && !holds_end(old, seq, end))
			rack_delivered(c, s, t->end_us, t->flags & TXS_END_RXT, end);
	}
}

/* RFC 8985 §6.2 step 4, without the D-SACK multiplier (always 1): no
 * allowance once loss is certain and no reordering was seen — in
 * recovery, or with DupThresh segments SACKed — else min_RTT / 4, at most
 * SRTT. */
uint32_t
zdp_tcp_rack_reo_wnd(const struct zdp_tcp_conn *c)
{
	if (!c->rack.reord &&
	    ((c->flags & (F_IN_RECOVERY | F_RTO_RECOVERY)) ||
	     c->sb.sacked >= (uint32_t)ZDP_TCP_DUPTHRESH * c->mss))
		return 0;
	return u32_min(c->rack.min_rtt_us / 4, c->srtt_us);
}

/* End of the first unSACKed run of [@s, @e). */
static uint32_t
missing_end(const struct zdp_tcp_sb *sb, uint32_t s, uint32_t e)
{
	for (unsigned i = 0; i < sb->n; i++) {
		if (SEQ_LEQ(sb->blk[i][1], s))
			continue;
		if (SEQ_LEQ(sb->blk[i][0], s)) {
			s = sb->blk[i][1];	/* SACKed head: skip it */
			continue;
		}
		return SEQ_MIN(sb->blk[i][0], e);
	}
	return e;
}

/* RFC 8985 §6.2 step 5, RACK_detect_loss(): mark lost every outstanding,
 * unSACKed segment sent before RACK.xmit_ts whose RACK.rtt + reo_wnd has
 * passed; count them in *@n_lost. Marking one below HighRxt moves HighRxt
 * back to it (NextSeg() offers it again). Returns the time in µs until the
 * earliest of the others would be lost (the reordering timer, §6.3), or 0. */
uint32_t
zdp_tcp_rack_detect_loss(struct zdp_tcp_conn *c, unsigned *n_lost)
{
	struct zdp_tcp_stack *stk = c->stk;
	struct zdp_tcp_rack *r = &c->rack;
	uint32_t now = (uint32_t)stk->now_us, reo = zdp_tcp_rack_reo_wnd(c);
	uint32_t seq = c->snd_una - c->sndq_off, bound, low = c->snd_max;
	int32_t timeout = 0;
	unsigned i = 0;
	struct rte_mbuf *m;

	*n_lost = 0;
	if (stk->txs_off < 0 || !r->valid || c->snd_una == c->snd_max)
		return 0;
	/* Nothing sent after the newest delivered segment is a candidate:
	 * when it was a first transmission, nothing above it was sent
	 * before it (first transmissions go out in sequence order). */
	bound = r->rxt ? c->snd_max : SEQ_MIN(r->end_seq, c->snd_max);
	for (m = c->sndq_head; m && SEQ_LT(seq, bound); seq += m->data_len, m = m->next) {
		struct zdp_tcp_txstamp *t = tcp_txs(stk, m);
		uint32_t end = SEQ_MIN(seq + m->data_len, c->snd_max);	/* sent part */
		int32_t remaining;

		if (!SEQ_LT(seq, end) || SEQ_LEQ(end, c->snd_una) ||
		    (t->flags & (TXS_SENT | TXS_LOST)) != TXS_SENT ||
		    zdp_tcp_sb_covered(&c->sb, &i, SEQ_MAX(seq, c->snd_una), end))
			continue;
		/* compare by the end of the missing part: an mbuf whose tail
		 * was SACKed may be RACK.end_seq's own, and its missing head
		 * went out no later than that tail */
		if (!sent_after(r->xmit_us, r->end_seq, t->us, missing_end(&c->sb, SEQ_MAX(seq, c->snd_una), end)))
			continue;
		remaining = (int32_t)(t->us + r->rtt_us + reo - now);
		if (remaining > 0) {
			if (remaining > timeout)
				timeout = remaining;
			continue;
		}
		t->flags |= TXS_LOST;
		(*n_lost)++;
		if (SEQ_LT(seq, low))
			low = seq;
		if (SEQ_GT(end, r->lost_hi))
			r->lost_hi = end;
	}
	if (*n_lost) {
		CTR_ADD(stk, RACK_LOST, *n_lost);
		low = SEQ_MAX(low, c->snd_una);
		if (SEQ_LT(low, c->sb.high_rxt))
			c->sb.high_rxt = low;
	}
	return (uint32_t)timeout;
}

/* The loss edge for NextSeg() rule 1 and SetPipe(): RFC 6675's IsLost()
 * edge, or the end of the highest segment RACK marked lost if above it. */
uint32_t
zdp_tcp_rack_edge(const struct zdp_tcp_conn *c)
{
	uint32_t edge = zdp_tcp_sb_lost_edge(&c->sb, c->mss, c->snd_una);

	if (c->stk->txs_off >= 0 && SEQ_GT(c->rack.lost_hi, edge) &&
	    SEQ_LEQ(c->rack.lost_hi, c->snd_max))
		edge = SEQ_MIN(c->rack.lost_hi, c->snd_max);
	return SEQ_MIN(edge, c->snd_max);
}

/* Is the send-queue mbuf @t (at @seq) lost for NextSeg() rule 1? */
static inline bool
seg_lost(const struct zdp_tcp_txstamp *t, uint32_t seq, uint32_t edge)
{
	return (t->flags & TXS_LOST) || (SEQ_LT(seq, edge) && !(t->flags & TXS_RXT));
}

/* RFC 6675 §4 NextSeg() rule 1 with RACK's marks: the first unSACKed range
 * at or above HighRxt and below the edge (zdp_tcp_rack_edge) that is lost —
 * marked by RACK, or never retransmitted — at most one SMSS, not crossing a
 * SACKed range or a segment that is not lost. Ranges passed over (earlier
 * retransmissions still in flight) move HighRxt past them. A FIN alone
 * (beyond the data) counts as never retransmitted. Without RACK (no
 * dynamic field) this is zdp_tcp_sb_next_hole(). */
bool
zdp_tcp_rack_next_seg(struct zdp_tcp_conn *c, uint32_t *seqp, uint32_t *lenp)
{
	struct zdp_tcp_stack *stk = c->stk;
	struct zdp_tcp_sb *sb = &c->sb;
	uint32_t edge, s = SEQ_MAX(sb->high_rxt, c->snd_una);
	unsigned i = 0;

	if (stk->txs_off < 0)
		return zdp_tcp_sb_next_hole(sb, c->snd_una, c->mss, seqp, lenp);
	edge = zdp_tcp_rack_edge(c);
	while (SEQ_LT(s, edge)) {
		uint32_t hole_end = edge, off, mend, len;
		struct rte_mbuf *m;

		while (i < sb->n && SEQ_LEQ(sb->blk[i][1], s))
			i++;
		if (i < sb->n && SEQ_GEQ(s, sb->blk[i][0])) {
			s = sb->blk[i][1];	/* inside a SACKed range */
			continue;
		}
		if (i < sb->n && SEQ_LT(sb->blk[i][0], hole_end))
			hole_end = sb->blk[i][0];
		m = zdp_tcp_sndq_find(c, s, &off);
		if (!m) {	/* the FIN */
			*seqp = s;
			*lenp = 1;
			return true;
		}
		mend = s - off + m->data_len;
		if (!seg_lost(tcp_txs(stk, m), s - off, edge)) {
			s = SEQ_MIN(mend, hole_end);
			sb->high_rxt = s;
			continue;
		}
		/* extend over following lost mbufs, up to one SMSS */
		len = SEQ_MIN(mend, hole_end) - s;
		for (m = m->next; m && len < c->mss && SEQ_LT(mend, hole_end); m = m->next) {
			if (!seg_lost(tcp_txs(stk, m), mend, edge))
				break;
			mend += m->data_len;
			len = SEQ_MIN(mend, hole_end) - s;
		}
		*seqp = s;
		*lenp = RTE_MIN(len, (uint32_t)c->mss);
		return true;
	}
	return false;
}
