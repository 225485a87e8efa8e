/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The receive window. What we offer is what the connection can still take
 * in payload chunks: each segment held (in order, out of order, or lent to
 * the application as a token) costs one chunk, so an application that keeps
 * tokens closes the window and slows the sender instead of losing data.
 *
 * A chunk is pinned by a segment of any size, so a free chunk is worth in
 * the window only what the sender's pieces actually carry: an estimate of
 * their payload (tcprx_chunk_unit), at most a full-sized segment. A
 * sender that shrinks its segments after a window was offered can still send
 * more pieces than chunks are free; in-window data beyond the budget is then
 * refused (tcprx_chunks_admit) and counted, and the sender sends it again.
 */
#include "tcprx_private.h"

uint32_t tcprx_chunks_held(const struct tcprx_conn *c)
{
	return c->inq_count + c->ooo_count +
	       atomic_load_explicit(&c->tokens_out, memory_order_relaxed);
}

/*
 * May a segment of `pieces` pieces be kept? Out of order: only within
 * rcv_chunks. In order, beyond it:
 * - TCPRX_CHUNK_SLACK more, so out-of-order records (at most rcv_chunks)
 *   never fill the budget against the segment that fills their hole;
 * - always when only out-of-order records are held (this segment is the
 *   way forward, and nothing the application returns would make room);
 * - a segment that fills the window to its right edge. A window already
 *   offered is a promise of bytes: short segments (a sender's last of a
 *   write) pin a chunk each for less than the unit offered, and an honest
 *   sender must still be able to use up what is left, so the window closes
 *   to zero instead of staying open with its data refused. That segment
 *   leaves no window, so it comes at most once until chunks are returned.
 */
bool tcprx_chunks_admit(struct tcprx_conn *c, unsigned int pieces, enum tcprx_admit kind)
{
	uint32_t held = tcprx_chunks_held(c), budget = c->rx->cfg.rcv_chunks;

	if (held + pieces <= budget)
		return true;
	if (kind != TCPRX_ADMIT_OOO && (held + pieces <= budget + TCPRX_CHUNK_SLACK ||
					 held == c->ooo_count || kind == TCPRX_ADMIT_TO_EDGE)) {
		c->st.chunk_overrun++;
		return true;
	}
	c->st.budget_drops++;
	return false;
}

/*
 * A full-sized segment is what the sender sends: at most our MSS and at most
 * its own (clamped to TCPRX_MIN_PEER_MSS), less the TS option. The window
 * counts chunks in these until the sender's pieces say otherwise, and
 * RFC 5681's "every second full-sized segment" too.
 */
void tcprx_window_init(struct tcprx_conn *c, uint16_t rcv_mss, uint16_t peer_mss)
{
	uint32_t mss = RTE_MIN((uint32_t)rcv_mss, RTE_MAX((uint32_t)peer_mss, TCPRX_MIN_PEER_MSS));

	c->full_seg = (uint16_t)(mss - (c->ts_ok ? TCPRX_TS_OPTION_LEN : 0));
	c->seg_avg8 = (uint32_t)c->full_seg << 3;
}

/*
 * The window scale we offer: as configured, or by default the smallest
 * shift that still expresses rcv_chunks segments of our MSS (as Linux sizes
 * its scale to its buffer). A coarser scale only loses precision: an ACK
 * that keeps the right edge where it was must round the window up to the
 * scale's granularity (RFC 7323 §2.4), and repeated, that rounding creeps
 * the edge up to 2^shift - 1 bytes an ACK past what the chunks back.
 */
uint8_t tcprx_rcv_wscale(const struct tcprx *rx, uint16_t rcv_mss)
{
	uint64_t need = (uint64_t)rx->cfg.rcv_chunks * rcv_mss;
	uint8_t shift = 0;

	if (!rx->wscale_fitted)
		return rx->cfg.wscale;
	while (shift < rx->cfg.wscale && (UINT64_C(65535) << shift) < need)
		shift++;
	return shift;
}

static uint32_t window_max(const struct tcprx_conn *c)
{
	return 65535u << c->rcv_wscale;
}

/* Bytes the free chunks can take: one unit (tcprx_chunk_unit) each. */
static uint32_t window_from_chunks(const struct tcprx_conn *c)
{
	uint32_t budget = c->rx->cfg.rcv_chunks, held = tcprx_chunks_held(c);
	uint64_t bytes = held < budget ? (uint64_t)(budget - held) * tcprx_chunk_unit(c) : 0;

	return (uint32_t)RTE_MIN(bytes, (uint64_t)window_max(c));
}

static uint32_t window_full(const struct tcprx_conn *c)
{
	return (uint32_t)RTE_MIN((uint64_t)c->rx->cfg.rcv_chunks * tcprx_chunk_unit(c),
				 (uint64_t)window_max(c));
}

/* What we advertised and still stand by: RCV.WND = RCV.ADV - RCV.NXT. */
uint32_t tcprx_window_now(const struct tcprx_conn *c)
{
	return seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
}

/*
 * RFC 1122 §4.2.3.3 (receiver SWS avoidance): move the right edge only by
 * at least min(half the buffer, one full segment).
 */
static bool sws_worth_opening(const struct tcprx_conn *c, uint32_t edge)
{
	return edge - c->rcv_adv >= RTE_MIN(window_full(c) / 2, tcprx_chunk_unit(c));
}

static void lowwin_track(struct tcprx_conn *c, uint32_t wnd)
{
	c->on_lowwin = wnd < window_full(c) / 2 && c->state == TCPRX_ESTABLISHED;
}

/* No more data is expected or wanted: stop looking for window updates to send it. */
void tcprx_window_untrack(struct tcprx_conn *c)
{
	c->on_lowwin = false;
}

/*
 * The window of a SYN-ACK (never scaled, RFC 7323 §2.2): rcv_chunks full
 * segments, at most 65535. A retransmitted SYN-ACK keeps the right edge of
 * any window offered before it; the caller set rcv_adv = rcv_nxt before
 * the first one.
 */
uint16_t tcprx_window_synack(struct tcprx_conn *c)
{
	uint32_t wnd = (uint32_t)RTE_MIN((uint64_t)c->rx->cfg.rcv_chunks * c->full_seg, 65535ull);

	if (seq_gt(c->rcv_nxt + wnd, c->rcv_adv))
		c->rcv_adv = c->rcv_nxt + wnd;
	return (uint16_t)wnd;
}

/*
 * The window field of a segment we send now, and the edge it commits us
 * to. RFC 9293 §3.8.6.2.2 / RFC 7323 §2.4: the right edge never moves left,
 * so a shrinking offer keeps the old edge and the field is rounded up.
 */
uint16_t tcprx_window_field(struct tcprx_conn *c)
{
	uint32_t edge = c->rcv_nxt + window_from_chunks(c), field, wnd;

	if (seq_lt(edge, c->rcv_adv) || (seq_gt(edge, c->rcv_adv) && !sws_worth_opening(c, edge) &&
					 tcprx_window_now(c) > 0))
		edge = c->rcv_adv;
	field = (edge - c->rcv_nxt + (1u << c->rcv_wscale) - 1) >> c->rcv_wscale;
	field = RTE_MIN(field, 65535u);
	wnd = field << c->rcv_wscale;
	c->rcv_adv = c->rcv_nxt + wnd;
	if (wnd == 0)
		c->st.zero_windows++;
	lowwin_track(c, wnd);
	return (uint16_t)field;
}

/*
 * Tokens came back (tcprx_dontneed, perhaps on another thread): tell a
 * sender we held at a small window that it may go on, without waiting for
 * its persist probe. Linux does the same when the window at least doubles.
 * Only the connections tcprx_dontneed listed are looked at: nothing when
 * nothing came back, however many connections sit at a low window.
 */
void tcprx_window_updates(struct tcprx *rx)
{
	struct tcprx_conn *c;

	while ((c = tcprx_returned_next(rx)) != NULL) {
		uint32_t now = tcprx_window_now(c), could = window_from_chunks(c);

		if (!c->on_lowwin)
			continue;
		if (could >= now + tcprx_chunk_unit(c) && could >= 2 * now) {
			c->st.window_updates++;
			tcprx_send_ack(c);
		}
	}
}
