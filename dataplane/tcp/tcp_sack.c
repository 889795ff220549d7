/* SPDX-License-Identifier: BSD-3-Clause
 * tcp_sack.c — the sender's SACK scoreboard (RFC 2018) and the RFC 6675
 * loss-recovery queries on it: IsLost(), SetPipe(), NextSeg() rules 1
 * and 4 (rule 2, new data, is the send loop's; rule 3 is not done).
 *
 * The scoreboard is a small sorted array of disjoint [start, end) ranges
 * the receiver reported, all above SND.UNA. When it overflows, the highest
 * range is forgotten: that only makes the sender retransmit more, never
 * less, so it is safe (RFC 6675 §5.1 allows conservative scoreboards).
 */
#include <string.h>

#include "tcp_priv.h"

void
zdp_tcp_sb_reset(struct zdp_tcp_sb *sb)
{
	sb->n = 0;
	sb->sacked = 0;
	sb->high_rxt = 0;
	sb->rescue_rxt = 0;
	sb->rescue_set = false;
}

static void
sb_recount(struct zdp_tcp_sb *sb)
{
	uint32_t s = 0;

	for (unsigned i = 0; i < sb->n; i++)
		s += sb->blk[i][1] - sb->blk[i][0];
	sb->sacked = s;
}

static void
sb_add(struct zdp_tcp_sb *sb, uint32_t start, uint32_t end)
{
	uint32_t tmp[ZDP_TCP_SACK_BLOCKS + 1][2];
	unsigned i, n = 0;
	bool placed = false;

	/* Merge into a fresh sorted list: every existing block either lies
	 * wholly before, wholly after, or overlaps/abuts the new one. */
	for (i = 0; i < sb->n; i++) {
		uint32_t s = sb->blk[i][0], e = sb->blk[i][1];

		if (SEQ_LT(e, start)) {
			tmp[n][0] = s;
			tmp[n++][1] = e;
		} else if (SEQ_GT(s, end)) {
			if (!placed) {
				tmp[n][0] = start;
				tmp[n++][1] = end;
				placed = true;
			}
			tmp[n][0] = s;
			tmp[n++][1] = e;
		} else {
			start = SEQ_MIN(start, s);
			end = SEQ_MAX(end, e);
		}
	}
	if (!placed) {
		tmp[n][0] = start;
		tmp[n++][1] = end;
	}
	if (n > ZDP_TCP_SACK_BLOCKS)
		n = ZDP_TCP_SACK_BLOCKS;	/* forget the highest range */
	memcpy(sb->blk, tmp, n * sizeof(tmp[0]));
	sb->n = (uint8_t)n;
}

void
zdp_tcp_sb_ack(struct zdp_tcp_sb *sb, uint32_t snd_una)
{
	unsigned i, j = 0;

	for (i = 0; i < sb->n; i++) {
		if (SEQ_LEQ(sb->blk[i][1], snd_una))
			continue;
		sb->blk[j][0] = SEQ_MAX(sb->blk[i][0], snd_una);
		sb->blk[j][1] = sb->blk[i][1];
		j++;
	}
	sb->n = (uint8_t)j;
	sb_recount(sb);
}

void
zdp_tcp_sb_update(struct zdp_tcp_sb *sb, uint32_t snd_una, uint32_t snd_max,
		  const uint32_t (*blk)[2], unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t s = blk[i][0], e = blk[i][1];

		/* RFC 2018 §3 blocks must be sane: non-empty, within what we
		 * sent. D-SACKs (RFC 2883, at or below SND.UNA) carry no new
		 * scoreboard information. */
		if (!SEQ_LT(s, e) || SEQ_GT(e, snd_max) || SEQ_LEQ(e, snd_una))
			continue;
		if (SEQ_LT(s, snd_una))
			s = snd_una;
		sb_add(sb, s, e);
	}
	zdp_tcp_sb_ack(sb, snd_una);
}

bool
zdp_tcp_sb_is_sacked(const struct zdp_tcp_sb *sb, uint32_t seq)
{
	for (unsigned i = 0; i < sb->n; i++)
		if (SEQ_GEQ(seq, sb->blk[i][0]) && SEQ_LT(seq, sb->blk[i][1]))
			return true;
	return false;
}

/* Every un-SACKed sequence number below the returned edge is lost in the
 * sense of RFC 6675 §4 IsLost(): DupThresh discontiguous SACKed ranges, or
 * more than (DupThresh - 1) * SMSS SACKed bytes, lie above it. */
uint32_t
zdp_tcp_sb_lost_edge(const struct zdp_tcp_sb *sb, uint16_t mss, uint32_t snd_una)
{
	uint32_t bytes = 0;
	unsigned cnt = 0;

	for (int i = (int)sb->n - 1; i >= 0; i--) {
		cnt++;
		bytes += sb->blk[i][1] - sb->blk[i][0];
		if (cnt >= ZDP_TCP_DUPTHRESH ||
		    bytes > (uint32_t)(ZDP_TCP_DUPTHRESH - 1) * mss)
			return sb->blk[i][0];
	}
	return snd_una;
}

bool
zdp_tcp_sb_is_lost(const struct zdp_tcp_sb *sb, uint32_t seq, uint16_t mss)
{
	uint32_t edge = zdp_tcp_sb_lost_edge(sb, mss, seq);

	return SEQ_LT(seq, edge) && !zdp_tcp_sb_is_sacked(sb, seq);
}

/* SACKed bytes inside [a, b). */
static uint32_t
sacked_in(const struct zdp_tcp_sb *sb, uint32_t a, uint32_t b)
{
	uint32_t s = 0;

	for (unsigned i = 0; i < sb->n; i++) {
		uint32_t lo = SEQ_MAX(a, sb->blk[i][0]), hi = SEQ_MIN(b, sb->blk[i][1]);

		if (SEQ_LT(lo, hi))
			s += hi - lo;
	}
	return s;
}

/* RFC 6675 §4 SetPipe(): for each un-SACKed octet in [SND.UNA, SND.MAX)
 * count 1 if it is not lost, and 1 more if it was retransmitted (below
 * HighRxt). */
uint32_t
zdp_tcp_sb_pipe(const struct zdp_tcp_sb *sb, uint32_t snd_una, uint32_t snd_max,
		uint16_t mss)
{
	return zdp_tcp_sb_pipe_edge(sb, snd_una, snd_max,
				    zdp_tcp_sb_lost_edge(sb, mss, snd_una));
}

/* SetPipe() with un-SACKed octets below @edge counted as lost: the IsLost()
 * edge, or a higher one where RACK (RFC 8985 §6.2) marked segments lost
 * that IsLost() does not see yet. */
uint32_t
zdp_tcp_sb_pipe_edge(const struct zdp_tcp_sb *sb, uint32_t snd_una, uint32_t snd_max,
		     uint32_t edge)
{
	uint32_t hrx, total, lost, rxt;

	if (SEQ_LT(edge, snd_una))
		edge = snd_una;
	if (SEQ_GT(edge, snd_max))
		edge = snd_max;
	total = (snd_max - snd_una) - sacked_in(sb, snd_una, snd_max);
	lost = (edge - snd_una) - sacked_in(sb, snd_una, edge);
	hrx = sb->high_rxt;
	if (SEQ_LT(hrx, snd_una))
		hrx = snd_una;
	if (SEQ_GT(hrx, snd_max))
		hrx = snd_max;
	rxt = (hrx - snd_una) - sacked_in(sb, snd_una, hrx);
	return total - lost + rxt;
}

/* Whether [@s, @e) lies inside one SACKed range. For callers that ask in
 * ascending order: *@i (start at 0) remembers where the last answer was. */
bool
zdp_tcp_sb_covered(const struct zdp_tcp_sb *sb, unsigned *i, uint32_t s, uint32_t e)
{
	while (*i < sb->n && SEQ_LEQ(sb->blk[*i][1], s))
		(*i)++;
	return *i < sb->n && SEQ_GEQ(s, sb->blk[*i][0]) && SEQ_LEQ(e, sb->blk[*i][1]);
}

/* RFC 6675 §4 NextSeg() rule 1: the first un-SACKed range at or above
 * HighRxt that IsLost(); at most one SMSS, not crossing a SACKed range. */
bool
zdp_tcp_sb_next_hole(const struct zdp_tcp_sb *sb, uint32_t snd_una, uint16_t mss,
		     uint32_t *seq, uint32_t *len)
{
	uint32_t edge = zdp_tcp_sb_lost_edge(sb, mss, snd_una);
	uint32_t s = SEQ_MAX(sb->high_rxt, snd_una);

	for (unsigned i = 0; i < sb->n && SEQ_LT(s, edge); i++) {
		if (SEQ_GEQ(s, sb->blk[i][1]))
			continue;
		if (SEQ_LT(s, sb->blk[i][0])) {
			uint32_t e = SEQ_MIN(sb->blk[i][0], edge);

			*seq = s;
			*len = RTE_MIN(e - s, (uint32_t)mss);
			return true;
		}
		s = sb->blk[i][1];	/* inside a SACKed range: skip it */
	}
	return false;
}

/* RFC 6675 §4 NextSeg() rule (4), the rescue retransmission, for when
 * rules 1-3 found nothing to send:
 *
 *   "If the conditions for (1), (2), and (3) fail, but there exists
 *    outstanding unSACKed data, we provide the opportunity for a single
 *    "rescue" retransmission per entry into loss recovery. If HighACK is
 *    greater than RescueRxt (or RescueRxt is undefined), then one segment
 *    of up to SMSS octets that MUST include the highest outstanding
 *    unSACKed sequence number SHOULD be returned, and RescueRxt set to
 *    RecoveryPoint. HighRxt MUST NOT be updated."
 *
 * It is what repairs a lost tail during recovery: data above the highest
 * SACK block is never IsLost(), so rule 1 never offers it, and the partial
 * ACK that answers the other retransmissions leaves only the RTO.
 * Returns true with [*seq, *seq + *len): at most @mss octets of sequence
 * space (a sent FIN counts as one) ending at the highest unSACKed octet
 * below @snd_max, not reaching below the SACKed range under it or
 * @snd_una. The caller sets RescueRxt (sb->rescue_rxt, sb->rescue_set)
 * once the segment went out. False when RescueRxt forbids it or every
 * outstanding octet is SACKed. */
bool
zdp_tcp_sb_rescue(const struct zdp_tcp_sb *sb, uint32_t snd_una, uint32_t snd_max,
		  uint16_t mss, uint32_t *seq, uint32_t *len)
{
	uint32_t hi = snd_max, lo = snd_una;
	int i = (int)sb->n - 1;

	if (sb->rescue_set && !SEQ_GT(snd_una, sb->rescue_rxt))
		return false;
	/* blocks are sorted and never abut, so at most one ends at SND.MAX */
	if (i >= 0 && SEQ_GEQ(sb->blk[i][1], hi)) {
		hi = sb->blk[i][0];
		i--;
	}
	if (!SEQ_GT(hi, snd_una))
		return false;
	if (i >= 0 && SEQ_GT(sb->blk[i][1], lo))
		lo = sb->blk[i][1];
	*len = RTE_MIN(hi - lo, (uint32_t)mss);
	*seq = hi - *len;
	return true;
}
