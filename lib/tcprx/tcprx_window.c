/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The receive window. What we offer is what the connection can still take
 * in payload chunks: each segment held (in order, out of order, or lent to
 * the application as a token) costs one chunk, so an application that keeps
 * tokens closes the window and slows the sender instead of losing data.
 */
#include "tcprx_private.h"

uint32_t tcprx_chunks_held(const struct tcprx_conn *c)
{
	return c->inq_count + c->ooo_count +
	       atomic_load_explicit(&c->tokens_out, memory_order_relaxed);
}

static uint32_t window_max(const struct tcprx_conn *c)
{
	return 65535u << c->rcv_wscale;
}

/* Bytes the free chunks can take: one full-sized segment each. */
static uint32_t window_from_chunks(const struct tcprx_conn *c)
{
	uint32_t budget = c->rx->cfg.rcv_chunks, held = tcprx_chunks_held(c);
	uint64_t bytes = held < budget ? (uint64_t)(budget - held) * c->full_seg : 0;

	return (uint32_t)RTE_MIN(bytes, (uint64_t)window_max(c));
}

static uint32_t window_full(const struct tcprx_conn *c)
{
	return (uint32_t)RTE_MIN((uint64_t)c->rx->cfg.rcv_chunks * c->full_seg,
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
	return edge - c->rcv_adv >= RTE_MIN(window_full(c) / 2, (uint32_t)c->full_seg);
}

static void lowwin_track(struct tcprx_conn *c, uint32_t wnd)
{
	bool low = wnd < window_full(c) / 2 && c->state == TCPRX_ESTABLISHED;

	if (low && !c->on_lowwin)
		TAILQ_INSERT_TAIL(&c->rx->lowwin_q, c, lowwin);
	else if (!low && c->on_lowwin)
		TAILQ_REMOVE(&c->rx->lowwin_q, c, lowwin);
	c->on_lowwin = low;
}

/* No more data is expected or wanted: stop looking for window updates to send it. */
void tcprx_window_untrack(struct tcprx_conn *c)
{
	if (!c->on_lowwin)
		return;
	TAILQ_REMOVE(&c->rx->lowwin_q, c, lowwin);
	c->on_lowwin = false;
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
 */
void tcprx_window_updates(struct tcprx *rx)
{
	uint64_t gen = atomic_load_explicit(&rx->returns_gen, memory_order_acquire);
	struct tcprx_conn *c, *next;

	if (gen == rx->returns_seen)
		return; /* nothing came back since the last look */
	rx->returns_seen = gen;
	for (c = TAILQ_FIRST(&rx->lowwin_q); c != NULL; c = next) {
		uint32_t now = tcprx_window_now(c), could = window_from_chunks(c);

		next = TAILQ_NEXT(c, lowwin);
		if (could >= now + c->full_seg && could >= 2 * now) {
			c->st.window_updates++;
			tcprx_send_ack(c);
		}
	}
}
