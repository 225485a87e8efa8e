/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment arrival, RFC 9293 §3.10.7, one function per rule, in the RFC's
 * order: LISTEN (and CLOSED ports), SYN-RECEIVED, then the synchronized
 * states: PAWS (RFC 7323 §5.3), sequence acceptability, RST (RFC 5961 §3),
 * SYN (RFC 5961 §4), ACK, text, FIN. A receiver sends no data, so SND.UNA
 * and SND.NXT only ever cover our SYN and FIN.
 */
#include <string.h>
#include <sys/socket.h>

#include <rte_mbuf.h>

#include "tcprx_private.h"

/* --- LISTEN and CLOSED (RFC 9293 §3.10.7.1, §3.10.7.2) --- */

static bool listener_for(const struct tcprx *rx, const struct tcprx_seg *seg)
{
	unsigned int i;

	for (i = 0; i < rx->nb_listeners; i++) {
		const struct tcprx_listener *l = &rx->listeners[i];

		if (l->port == seg->dport &&
		    (l->addr.family == 0 || (l->addr.family == seg->dst.family &&
					     memcmp(l->addr.bytes, seg->dst.bytes, 16) == 0)))
			return true;
	}
	return false;
}

/* RFC 9293 §3.7.1, RFC 7323 §1.3/§2.2, RFC 2018 §2: options only as the SYN offered them. */
void tcprx_negotiate_options(struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	const struct tcprx_config *cfg = &c->rx->cfg;
	bool v4 = seg->dst.family == AF_INET;

	c->rcv_mss = v4 ? c->rx->mss4 : c->rx->mss6;
	/* RFC 9293 §3.7.1: without the option, 536 (IPv4) or 1220 (IPv6). */
	c->peer_mss = seg->opt.has_mss ? seg->opt.mss : (v4 ? 536 : 1220);
	c->ts_ok = seg->opt.has_ts && !cfg->no_timestamps;
	c->sack_ok = seg->opt.sack_ok && !cfg->no_sack;
	if (seg->opt.has_wscale) {
		/* RFC 7323 §2.3: use 14 for larger */
		c->snd_wscale = RTE_MIN(seg->opt.wscale, 14);
		c->rcv_wscale = tcprx_rcv_wscale(c->rx, c->rcv_mss);
	}
	if (c->ts_ok) {
		c->ts_recent = seg->opt.tsval;
		c->ts_prev = seg->opt.tsval;
		c->ts_prev_seq = seg->seq + 1;
		c->ts_recent_ms = tcprx_now_ms(c->rx);
		/* RFC 7323 §5.4: per connection, unguessable */
		c->ts_offset = tcprx_ts_offset(c->rx, seg);
	}
	/* A peer that did not say is not held to the default: it may send up to ours. */
	tcprx_window_init(c, c->rcv_mss, seg->opt.has_mss ? c->peer_mss : c->rcv_mss);
}

/* RFC 9293 §3.10.7.2, SYN in LISTEN, within the half-open and backlog bounds. */
static void passive_open(struct tcprx *rx, const struct tcprx_seg *seg)
{
	struct tcprx_conn *c;

	rx->st.syn_in++;
	if (rx->nb_backlog >= rx->cfg.accept_backlog) {
		rx->st.backlog_drops++;
		return;
	}
	if (rx->nb_half_open >= rx->cfg.max_half_open || rx->nb_conns >= rx->cfg.max_conns) {
		if (!rx->cfg.no_syncookies && tcprx_syncookie_room(rx))
			tcprx_syncookie_send(rx, seg);
		else if (rx->nb_conns >= rx->cfg.max_conns)
			rx->st.conn_table_full++; /* the table, whatever else is reached too */
		else
			rx->st.half_open_drops++;
		return;
	}
	c = tcprx_conn_new(rx, seg);
	if (c == NULL) {
		rx->st.conn_table_full++;
		return;
	}
	tcprx_negotiate_options(c, seg);
	/* Data on a SYN is not kept (no TFO): it is not acknowledged, the peer resends it. */
	c->irs = seg->seq;
	c->rcv_nxt = c->rcv_adv = seg->seq + 1;
	c->iss = tcprx_isn(rx, seg);
	c->snd_nxt = c->iss + 1;
	c->timer_due = rx->now + (uint64_t)rx->cfg.synack_rto_ms * 1000000;
	TAILQ_INSERT_TAIL(&rx->half_open, c, list);
	rx->nb_half_open++;
	c->st.segs_in++;
	tcprx_send_synack(c);
}

static bool synchronized_input(struct tcprx_conn *c, struct tcprx_seg *seg);

/*
 * An ACK to a listener with no connection: "any acknowledgment is bad"
 * (RST), unless it carries a SYN cookie of ours. Then the connection is
 * made now, as if it had waited in SYN-RECEIVED, and the ACK (with any
 * data on it) goes through the usual rules.
 */
static void cookie_ack(struct tcprx *rx, struct tcprx_seg *seg)
{
	struct tcprx_conn *c;

	if (!tcprx_syncookie_ack(rx, seg, &c)) {
		tcprx_send_rst_reply(rx, seg);
		return;
	}
	if (c == NULL)
		return; /* a good cookie, but no room: the peer's retransmission may find some */
	c->st.segs_in++;
	if (synchronized_input(c, seg) && c->ack_now)
		tcprx_send_ack(c);
}

static void listen_input(struct tcprx *rx, struct tcprx_seg *seg)
{
	if (seg->flags & TCPRX_RST) {
		rx->st.rst_ignored++; /* a RST to LISTEN or a closed port is dropped */
		return;
	}
	if (!listener_for(rx, seg)) {
		tcprx_send_rst_reply(rx, seg); /* closed port */
		return;
	}
	if (seg->flags & TCPRX_ACK) {
		cookie_ack(rx, seg);
		return;
	}
	if (seg->flags & TCPRX_SYN)
		passive_open(rx, seg);
	else
		rx->st.not_ours++;
}

/* --- the synchronized states --- */

static bool in_window(uint32_t x, uint32_t lo, uint32_t wnd)
{
	return seq_leq(lo, x) && seq_lt(x, lo + wnd);
}

static uint32_t seg_len(const struct tcprx_seg *seg)
{
	return seg->len + !!(seg->flags & TCPRX_SYN) + !!(seg->flags & TCPRX_FIN);
}

/*
 * Reordering, not an old duplicate: a retransmission that filled a hole
 * raised TS.Recent past originals sent just before it and still on the
 * wire. A TSval not older than the TS.Recent that raise replaced, while the
 * stream has moved less than TCPRX_PAWS_REORDER_BYTES since, is one strict
 * PAWS would have taken a moment ago: a duplicate from a sequence-space wrap
 * (2^32 bytes back) is far older than that (doc/tcprx.md).
 */
static bool paws_reordered(struct tcprx_conn *c, uint32_t tsval)
{
	if (seq_lt(tsval, c->ts_prev) || c->rcv_nxt - c->ts_prev_seq >= TCPRX_PAWS_REORDER_BYTES)
		return false;
	c->st.paws_reordered++;
	return true;
}

/*
 * RFC 7323 §5.3 PAWS: a segment whose TSval is older than TS.Recent is a
 * stale duplicate: ACK it and drop it, unless reordering explains it
 * (paws_reordered). A segment without TS on a connection that agreed to
 * them is accepted, as Linux does (§3.2 says SHOULD drop).
 */
static bool paws_check(struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	if (!c->ts_ok || !seg->opt.has_ts || (seg->flags & TCPRX_RST) ||
	    !seq_lt(seg->opt.tsval, c->ts_recent))
		return true;
	if (tcprx_now_ms(c->rx) - c->ts_recent_ms > TCPRX_TS_PAWS_IDLE_MS) {
		c->ts_recent = seg->opt.tsval; /* §5.5: TS.Recent is invalid after 24 idle days */
		c->ts_prev = seg->opt.tsval;
		return true;
	}
	if (paws_reordered(c, seg->opt.tsval))
		return true;
	c->st.segs_paws++;
	c->ack_now = true;
	return false;
}

/*
 * RFC 9293 §3.10.7.4, first check, the four cases:
 *   LEN = 0, WND = 0: SEQ = RCV.NXT
 *   LEN = 0, WND > 0: RCV.NXT =< SEQ < RCV.NXT+WND
 *   LEN > 0, WND = 0: not acceptable
 *   LEN > 0, WND > 0: the first or the last octet is in the window.
 * One exception, as Linux (tcp_rcv_zero_wnd_fin): a bare in-order FIN is
 * accepted at a zero window, so a sender can close while we are full.
 */
static bool segment_acceptable(const struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	uint32_t wnd = tcprx_window_now(c), len = seg_len(seg);

	if (len == 0)
		return wnd == 0 ? seg->seq == c->rcv_nxt : in_window(seg->seq, c->rcv_nxt, wnd);
	if (wnd == 0)
		return seg->len == 0 && (seg->flags & TCPRX_FIN) && seg->seq == c->rcv_nxt;
	return in_window(seg->seq, c->rcv_nxt, wnd) ||
	       in_window(seg->seq + len - 1, c->rcv_nxt, wnd);
}

/*
 * ACK an invalid segment. Dataless ones (and SYNs) get at most one ACK per
 * 500 ms, so two confused ends cannot ping-pong ACKs forever (RFC 5961 §7;
 * Linux's tcp_oow_rate_limited). Data segments are always answered.
 */
static void oow_ack(struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	if (seg->len == 0 || (seg->flags & TCPRX_SYN)) {
		if (c->last_oow_ack != 0 && c->rx->now - c->last_oow_ack < TCPRX_OOW_ACK_GAP_NS) {
			c->st.acks_rate_limited++;
			return;
		}
		c->last_oow_ack = c->rx->now;
	}
	c->ack_now = true;
}

/* An unacceptable segment (not a RST) is answered with <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>. */
static void unacceptable_segment(struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	if (seg->flags & TCPRX_RST) {
		c->rx->st.rst_ignored++;
		return;
	}
	c->st.segs_unacceptable++;
	if (seg->len && seq_leq(seg->seq + seg->len, c->rcv_nxt))
		tcprx_dsack_note(c, seg->seq, seg->seq + seg->len); /* old data, again */
	if (tcprx_window_now(c) == 0)
		c->st.window_probes++; /* a persist probe: this ACK carries the window */
	oow_ack(c, seg);
}

/* RFC 5961 §5/§7: challenge ACKs, at most TCPRX_CHALLENGE_PER_SEC a second per connection. */
static void challenge_ack(struct tcprx_conn *c)
{
	uint64_t sec = c->rx->now / 1000000000;

	if (sec != c->challenge_sec) {
		c->challenge_sec = sec;
		c->challenge_count = 0;
	}
	if (c->challenge_count++ >= TCPRX_CHALLENGE_PER_SEC)
		return;
	c->st.challenge_acks++;
	c->ack_now = true;
}

/* The peer reset us: queued in-order data stays readable, then recv says ECONNRESET. */
static void conn_reset(struct tcprx_conn *c)
{
	struct tcprx *rx = c->rx;
	uint32_t i;

	rx->st.rst_in++;
	if (!c->accepted) {
		tcprx_conn_free(c);
		return;
	}
	for (i = 0; i < c->ooo_count; i++)
		tcprx_piece_free(&c->ooo[i].p);
	c->ooo_count = 0;
	c->reset = true;
	c->state = TCPRX_CLOSED;
	c->ack_now = false;
	tcprx_ack_defer_forget(c);
	tcprx_delack_cancel(c);
	tcprx_window_untrack(c);
	tcprx_ready_note(c); /* recv says ECONNRESET once the data is read */
}

/*
 * RFC 5961 §3.2: a RST is acted on only when SEQ = RCV.NXT exactly; any
 * other in-window RST gets a challenge ACK (a blind attacker cannot guess).
 * Returns false when the connection is gone.
 */
static bool rst_rule(struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	bool stays = c->accepted; /* the application still holds it */

	if (seg->seq != c->rcv_nxt) {
		challenge_ack(c);
		return true;
	}
	conn_reset(c);
	return stays;
}

/* RFC 5961 §4.2: a SYN in a synchronized state gets a challenge ACK, never a reset. */
static void syn_rule(struct tcprx_conn *c)
{
	challenge_ack(c);
}

/* SYN-RECEIVED -> ESTABLISHED: the connection waits in the accept queue. */
static bool establish(struct tcprx_conn *c)
{
	struct tcprx *rx = c->rx;

	if (tcprx_conn_open_tokens(c) != 0) {
		tcprx_send_rst_conn(c);
		tcprx_conn_free(c);
		return false;
	}
	tcprx_list_move(c, &rx->half_open, &rx->accept_q);
	rx->nb_half_open--;
	rx->nb_backlog++;
	c->state = TCPRX_ESTABLISHED;
	rx->st.established++;
	return true;
}

/* LAST-ACK: our FIN is acknowledged. Linger as TIME-WAIT to answer late segments. */
static void fin_acked(struct tcprx_conn *c)
{
	c->state = TCPRX_TIME_WAIT;
	c->timer_due = c->rx->now + (uint64_t)c->rx->cfg.time_wait_ms * 1000000;
}

enum ack_verdict { ACK_GO_ON, ACK_DONE, ACK_CONN_GONE };

/* The largest window the peer ever offered: MAX.SND.WND of RFC 5961 §5.2. */
static void note_peer_window(struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	uint32_t wnd = (uint32_t)seg->wnd << c->snd_wscale;

	if (wnd > c->max_snd_wnd)
		c->max_snd_wnd = wnd;
}

/*
 * RFC 5961 §5.2: an ACK is acceptable only within
 * (SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT; outside, the segment is
 * dropped and ACKed, so blind data injection needs the ACK right too.
 * SND.UNA is ISS+1 for a receiver: our SYN is the only data we ever sent.
 */
static bool ack_in_range(const struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	return seq_leq(seg->ack, c->snd_nxt) && seq_geq(seg->ack, c->iss + 1 - c->max_snd_wnd);
}

/*
 * RFC 7323 §4.3: remember the TSval to echo, for the segment our next ACK
 * covers. A raise keeps the value it replaces for paws_reordered.
 */
static void ts_recent_update(struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	if (c->ts_ok && seg->opt.has_ts && seq_leq(seg->seq, c->last_ack_sent) &&
	    seq_geq(seg->opt.tsval, c->ts_recent)) {
		if (seg->opt.tsval != c->ts_recent) {
			c->ts_prev = c->ts_recent;
			c->ts_prev_seq = c->rcv_nxt;
		}
		c->ts_recent = seg->opt.tsval;
		c->ts_recent_ms = tcprx_now_ms(c->rx);
	}
}

/*
 * RFC 9293 §3.10.7.4, fifth check (ACK field). SYN-RECEIVED: acceptable
 * iff SND.UNA < SEG.ACK =< SND.NXT, else <SEQ=SEG.ACK><CTL=RST>. Later: an
 * ACK outside RFC 5961's range is answered with an ACK and dropped.
 */
static enum ack_verdict ack_rule(struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	if (!(seg->flags & TCPRX_ACK))
		return ACK_DONE;
	switch (c->state) {
	case TCPRX_SYN_RECEIVED:
		if (seg->ack != c->snd_nxt) {
			tcprx_send_rst_reply(c->rx, seg);
			return ACK_DONE;
		}
		note_peer_window(c, seg);
		return establish(c) ? ACK_GO_ON : ACK_CONN_GONE;
	case TCPRX_LAST_ACK:
		/* TS.Recent goes on: TIME-WAIT compares a new SYN's TSval with it (RFC 6191). */
		if (ack_in_range(c, seg))
			ts_recent_update(c, seg);
		if (seg->ack == c->snd_nxt)
			fin_acked(c);
		return ACK_DONE;
	default:
		if (!ack_in_range(c, seg)) {
			oow_ack(c, seg);
			return ACK_DONE;
		}
		note_peer_window(c, seg);
		return ACK_GO_ON;
	}
}

/* Drop `cut` bytes from the front of the segment's payload (offsets only). */
static void trim_front(struct tcprx_seg *seg, uint32_t cut)
{
	unsigned int i;

	seg->seq += cut;
	seg->len -= cut;
	for (i = 0; i < seg->nb_pieces && cut; i++) {
		uint32_t take = RTE_MIN(cut, seg->piece[i].len);

		seg->piece[i].off += take;
		seg->piece[i].len -= take;
		cut -= take;
	}
}

static void trim_back(struct tcprx_seg *seg, uint32_t cut)
{
	unsigned int i = seg->nb_pieces;

	seg->len -= cut;
	while (i-- > 0 && cut) {
		uint32_t take = RTE_MIN(cut, seg->piece[i].len);

		seg->piece[i].len -= take;
		cut -= take;
	}
}

/*
 * RFC 9293 §3.10.7.4, seventh check, first half: keep only the part of the
 * text inside [RCV.NXT, RCV.NXT + RCV.WND). A FIN beyond the window is cut
 * with the text.
 */
static void trim_to_window(struct tcprx_conn *c, struct tcprx_seg *seg)
{
	uint32_t right = c->rcv_nxt + tcprx_window_now(c);

	if (seg->flags & TCPRX_SYN) { /* only an acceptable retransmitted SYN gets here */
		seg->flags &= (uint8_t)~TCPRX_SYN;
		seg->seq++;
	}
	if (seq_lt(seg->seq, c->rcv_nxt))
		trim_front(seg, RTE_MIN(c->rcv_nxt - seg->seq, seg->len));
	if (seq_gt(seg->seq + seg->len, right)) {
		trim_back(seg, seq_gt(seg->seq, right) ? seg->len : seg->seq + seg->len - right);
		seg->flags &= (uint8_t)~TCPRX_FIN;
	}
}

/* Hand the segment's pieces to the connection; false if the in-order ring is full. */
static bool deliver_in_order(struct tcprx_conn *c, struct tcprx_seg *seg)
{
	unsigned int i;

	if (c->inq_count + seg->nb_pieces > c->inq_mask + 1) {
		c->st.segs_ooo_full++;
		return false;
	}
	if (!tcprx_chunks_admit(c, seg->nb_pieces, seq_geq(seg->seq + seg->len, c->rcv_adv) ?
				TCPRX_ADMIT_TO_EDGE : TCPRX_ADMIT_IN_ORDER))
		return false;
	for (i = 0; i < seg->nb_pieces; i++) {
		if (seg->piece[i].len == 0)
			continue;
		tcprx_inq_push(c, &seg->piece[i]);
		tcprx_chunk_unit_note(c, seg->piece[i].len);
		seg->kept[i] = true;
	}
	c->rcv_nxt += seg->len;
	c->st.bytes_in_order += seg->len;
	return true;
}

static void keep_out_of_order(struct tcprx_conn *c, struct tcprx_seg *seg)
{
	uint32_t seq = seg->seq;
	unsigned int i;

	if (!tcprx_chunks_admit(c, seg->nb_pieces, TCPRX_ADMIT_OOO))
		return;
	for (i = 0; i < seg->nb_pieces; i++) {
		struct devmem_mbuf_span p = seg->piece[i];

		if (p.len == 0)
			continue;
		tcprx_chunk_unit_note(c, p.len);
		seg->kept[i] = true; /* tcprx_ooo_insert owns it from here, even to free it */
		tcprx_ooo_insert(c, seq, &p);
		seq += seg->piece[i].len;
	}
}

/*
 * RFC 5681 §4.2: ACK at least every second full-sized segment, within the
 * delayed-ACK bound otherwise; at once for out-of-order data, for data
 * that fills a gap, and for duplicates.
 */
static void ack_policy_in_order(struct tcprx_conn *c, uint32_t len, bool filled_gap)
{
	c->unacked_bytes += len;
	if (filled_gap || c->unacked_bytes >= 2u * tcprx_chunk_unit(c))
		c->ack_now = true;
	else
		tcprx_delack_arm(c);
}

/* RFC 9293 §3.10.7.4, seventh check: the segment text. */
static void text_rule(struct tcprx_conn *c, struct tcprx_seg *seg)
{
	bool had_ooo = c->ooo_count != 0;
	uint32_t len;

	if (seg->len == 0 || c->state != TCPRX_ESTABLISHED)
		return; /* after a FIN there is no more text to take */
	if (seq_lt(seg->seq, c->rcv_nxt))
		tcprx_dsack_note(c, seg->seq, RTE_MIN(c->rcv_nxt - seg->seq, seg->len) + seg->seq);
	trim_to_window(c, seg);
	if (seg->len == 0) {
		c->st.segs_dup++;
		c->ack_now = true;
		return;
	}
	if (seg->seq != c->rcv_nxt) {
		keep_out_of_order(c, seg);
		c->st.dup_acks_out++;
		c->ack_now = true;
		return;
	}
	len = seg->len;
	if (!deliver_in_order(c, seg)) {
		c->ack_now = true;
		return;
	}
	tcprx_ooo_pull(c);
	ack_policy_in_order(c, len, had_ooo);
	tcprx_ready_note(c);
}

/* RFC 9293 §3.10.7.4, eighth check: a FIN is taken only in order. */
static void fin_accept_if_in_order(struct tcprx_conn *c)
{
	if (c->fin_pending && seq_gt(c->rcv_nxt, c->fin_seq))
		c->fin_pending = false; /* data went past it: that FIN was not the end */
	if (!c->fin_pending || c->rcv_nxt != c->fin_seq || c->state != TCPRX_ESTABLISHED)
		return;
	c->fin_pending = false;
	c->fin_received = true;
	c->rcv_nxt++;
	c->state = TCPRX_CLOSE_WAIT;
	c->ack_now = true;
	tcprx_window_untrack(c);
	tcprx_ready_note(c); /* recv says end of stream once the data is read */
}

static void fin_rule(struct tcprx_conn *c, const struct tcprx_seg *seg, uint32_t fin_seq)
{
	if ((seg->flags & TCPRX_FIN) && c->state == TCPRX_ESTABLISHED) {
		c->fin_pending = true; /* out of order: held until the gap before it fills */
		c->fin_seq = fin_seq;
		c->ack_now = true;
	}
	fin_accept_if_in_order(c);
}

/* A retransmitted SYN in SYN-RECEIVED: our SYN-ACK was lost, send it again. */
static bool syn_retransmitted(struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	if (c->state != TCPRX_SYN_RECEIVED ||
	    (seg->flags & (TCPRX_SYN | TCPRX_ACK | TCPRX_RST)) != TCPRX_SYN || seg->seq != c->irs)
		return false;
	c->rx->st.synack_retrans++;
	tcprx_send_synack(c);
	return true;
}

/* Returns false when the connection is gone. */
static bool synchronized_input(struct tcprx_conn *c, struct tcprx_seg *seg)
{
	uint32_t fin_seq = seg->seq + seg->len + !!(seg->flags & TCPRX_SYN);

	if (syn_retransmitted(c, seg) || !paws_check(c, seg))
		return true;
	if (!segment_acceptable(c, seg)) {
		unacceptable_segment(c, seg);
		return true;
	}
	if (seg->flags & TCPRX_RST)
		return rst_rule(c, seg);
	if (seg->flags & TCPRX_SYN) {
		syn_rule(c);
		return true;
	}
	switch (ack_rule(c, seg)) {
	case ACK_CONN_GONE:
		return false;
	case ACK_DONE:
		return true;
	case ACK_GO_ON:
		break;
	}
	ts_recent_update(c, seg);
	text_rule(c, seg);
	fin_rule(c, seg, fin_seq);
	return true;
}

/*
 * RFC 6191 §2: may a SYN in TIME-WAIT start a new incarnation? When both
 * incarnations use timestamps the TSval decides (newer, or equal with a
 * higher sequence number): sequence numbers alone cannot tell an old
 * duplicate SYN apart. Otherwise the SYN must be above the old RCV.NXT.
 */
static bool new_incarnation(const struct tcprx_conn *c, const struct tcprx_seg *seg)
{
	if ((seg->flags & (TCPRX_SYN | TCPRX_ACK)) != TCPRX_SYN)
		return false;
	if (c->ts_ok && seg->opt.has_ts)
		return seq_gt(seg->opt.tsval, c->ts_recent) ||
		       (seg->opt.tsval == c->ts_recent && seq_gt(seg->seq, c->rcv_nxt));
	return seq_gt(seg->seq, c->rcv_nxt);
}

/*
 * TIME-WAIT (and the linger after LAST-ACK): late segments get an ACK; a
 * RST is ignored (RFC 1337); a new SYN that is newer (RFC 6191) starts a
 * new incarnation. Returns false when gone.
 */
static bool time_wait_input(struct tcprx_conn *c, struct tcprx_seg *seg)
{
	struct tcprx *rx = c->rx;

	if (seg->flags & TCPRX_RST)
		return true;
	if (new_incarnation(c, seg)) {
		tcprx_conn_free(c);
		listen_input(rx, seg);
		return false;
	}
	rx->st.time_wait_segs++;
	oow_ack(c, seg);
	return true;
}

/* Free the frame's segments that no connection kept. */
static void release_frame(struct tcprx_seg *seg)
{
	unsigned int i, j;

	for (i = 0; i < seg->nb_mbufs; i++) {
		bool kept = false;

		for (j = 0; j < seg->nb_pieces; j++)
			kept |= seg->kept[j] && seg->piece[j].m == seg->mbufs[i];
		if (!kept)
			rte_pktmbuf_free_seg(seg->mbufs[i]);
	}
}

/*
 * Each segment of the chain becomes an independent mbuf a piece can own,
 * stamped with the frame's TSval (tcprx_recv_tsval): the store lands in the
 * cache line that clearing `next` has just written.
 */
static void unchain(struct tcprx *rx, struct rte_mbuf *m, struct tcprx_seg *seg)
{
	uint64_t tsval = seg->opt.has_ts ? TCPRX_TSVAL_PRESENT | seg->opt.tsval : 0;
	struct rte_mbuf *next;

	seg->nb_mbufs = 0;
	for (; m != NULL; m = next) {
		next = m->next;
		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
		*tcprx_mbuf_tsval(rx, m) = tsval;
		seg->mbufs[seg->nb_mbufs++] = m;
	}
	memset(seg->kept, 0, sizeof(seg->kept));
}

static void tcp_input(struct tcprx *rx, struct tcprx_seg *seg)
{
	struct tcprx_conn *c = tcprx_conn_lookup(rx, seg);
	bool alive;

	if (c == NULL || c->state == TCPRX_CLOSED) {
		listen_input(rx, seg); /* a reset connection is a closed port */
		return;
	}
	c->st.segs_in++;
	if (c->state == TCPRX_TIME_WAIT)
		alive = time_wait_input(c, seg);
	else
		alive = synchronized_input(c, seg);
	if (alive && c->ack_now)
		tcprx_send_ack(c);
}

void tcprx_input_frame(struct tcprx *rx, struct rte_mbuf *m)
{
	struct tcprx_seg seg;

	rx->st.frames_in++;
	if (tcprx_fast_input(rx, m))
		return;
	if (m->nb_segs > TCPRX_MAX_PIECES + 1) {
		rx->st.malformed++;
		rte_pktmbuf_free(m);
		return;
	}
	switch (tcprx_parse_frame(rx, m, &seg)) {
	case TCPRX_FRAME_TCP:
		unchain(rx, m, &seg);
		tcp_input(rx, &seg);
		release_frame(&seg);
		return;
	case TCPRX_FRAME_ARP:
		tcprx_send_arp_reply(rx, m, &seg);
		break;
	case TCPRX_FRAME_ND:
		tcprx_send_nd_advert(rx, m, &seg);
		break;
	default:
		break;
	}
	rte_pktmbuf_free(m);
}
