/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 §3.6): when the half-open bound is reached, the
 * SYN-ACK's sequence number carries what the connection needs, and no state
 * is kept until the peer's ACK proves the handshake. The ACK takes a free
 * slot of the table (half-opens fill at most half of it); a full table
 * sends no cookies (tcprx_syncookie_room).
 *
 * Our ISS as a cookie, 32 bits:
 *   31..30  the cookie clock (64-second periods) mod 4
 *   29..27  the peer's MSS as an index into cookie_mss[] (rounded down)
 *   26      set when the SYN-ACK carried timestamps
 *   25..0   MAC: SipHash of the 4-tuple, the peer's ISN, the full period
 *           count, the MSS index, bit 26 and the option bits of our TSval,
 *           under a key derived from the ISN key
 * A cookie is good in the period it was made and the next one: between 64
 * and 128 seconds. Linux's syncookies.c packs the same things (its own way);
 * like Linux, with timestamps the options the sequence number has no room
 * for ride in the low bits of our TSval, which the peer echoes in TSecr:
 *   4..0    bit 4 SACK-permitted, bits 3..0 the peer's window scale (15: none)
 * Without timestamps a cookie connection has neither window scaling nor
 * SACK, and the SYN-ACK offers neither.
 */
#include <string.h>
#include <sys/socket.h>

#include "tcprx_private.h"

#define COOKIE_PERIOD_NS   (64ull * 1000000000)
#define COOKIE_MAC_BITS    26
#define COOKIE_MAC_MASK    ((1u << COOKIE_MAC_BITS) - 1)
#define COOKIE_TS_FLAG     (1u << 26)
#define COOKIE_MSS_SHIFT   27
#define COOKIE_CLOCK_SHIFT 30
#define COOKIE_TS_BITS     5
#define COOKIE_TS_SACK     (1u << 4)
#define COOKIE_TS_NO_WS    0xfu

/* MSS values a cookie can name: minimum, the defaults, Ethernet, 4 KiB and 9000-byte MTUs. */
static const uint16_t cookie_mss[8] = { 88, 536, 1220, 1440, 1460, 4088, 4108, 8960 };

struct cookie_input {
	uint8_t local[16], remote[16];
	uint16_t lport, rport;
	uint32_t peer_isn;
	uint64_t period;
	uint32_t mss_index;
	uint8_t family;
	uint8_t ts;              /* 0: no timestamps; else 1 + the option bits TSval carried */
	uint8_t pad[2];
};

void tcprx_syncookie_init(struct tcprx *rx)
{
	static const char label[2][16] = { "tcprx syncookie", "tcprx cookie k1" };

	/* Derived from the ISN key: a fixed isn_secret gives reproducible cookies too. */
	rx->cookie_key[0] = tcprx_siphash(rx->sip_key, label[0], sizeof(label[0]));
	rx->cookie_key[1] = tcprx_siphash(rx->sip_key, label[1], sizeof(label[1]));
}

static uint64_t cookie_period(const struct tcprx *rx)
{
	return rx->now / COOKIE_PERIOD_NS;
}

/* The MAC for the SYN seg (its 4-tuple seen from us) with the peer's ISN. */
static uint32_t cookie_mac(const struct tcprx *rx, const struct tcprx_seg *seg, uint32_t peer_isn,
			   uint64_t period, uint32_t mss_index, uint8_t ts)
{
	struct cookie_input in;

	memset(&in, 0, sizeof(in));
	memcpy(in.local, seg->dst.bytes, 16);
	memcpy(in.remote, seg->src.bytes, 16);
	in.lport = seg->dport;
	in.rport = seg->sport;
	in.peer_isn = peer_isn;
	in.period = period;
	in.mss_index = mss_index;
	in.family = seg->dst.family;
	in.ts = ts;
	return (uint32_t)tcprx_siphash(rx->cookie_key, &in, sizeof(in)) & COOKIE_MAC_MASK;
}

/* The largest MSS a cookie can name that is not above the peer's. */
static uint32_t cookie_mss_index(uint16_t mss)
{
	uint32_t i = RTE_DIM(cookie_mss) - 1;

	while (i > 0 && cookie_mss[i] > mss)
		i--;
	return i;
}

static uint16_t cookie_mss_round(uint16_t peer_mss)
{
	return cookie_mss[cookie_mss_index(peer_mss)];
}

static uint32_t cookie_isn(const struct tcprx *rx, const struct tcprx_seg *seg, uint16_t peer_mss,
			   uint8_t ts)
{
	uint64_t period = cookie_period(rx);
	uint32_t mss_index = cookie_mss_index(peer_mss);

	return (uint32_t)(period & 3) << COOKIE_CLOCK_SHIFT | mss_index << COOKIE_MSS_SHIFT |
	       (ts != 0 ? COOKIE_TS_FLAG : 0) | cookie_mac(rx, seg, seg->seq, period, mss_index, ts);
}

/*
 * The window a cookie SYN-ACK offers, from what the cookie names alone: the
 * ACK that returns the cookie decides whether the connection has
 * timestamps, so the SYN-ACK counts its full segments as if it had (the
 * smaller). The connection's own full segment (tcprx_window_init) is never
 * below this one, so its later windows only move this right edge right.
 */
static uint16_t cookie_full_seg(uint16_t rcv_mss, uint16_t peer_mss)
{
	return (uint16_t)(RTE_MIN(rcv_mss, peer_mss) - TCPRX_TS_OPTION_LEN);
}

static uint32_t cookie_window(const struct tcprx *rx, uint16_t rcv_mss, uint16_t peer_mss)
{
	return (uint32_t)RTE_MIN((uint64_t)rx->cfg.rcv_chunks * cookie_full_seg(rcv_mss, peer_mss),
				 65535ull);
}

/* The options a timestamped cookie carries in TSval's low bits. */
static uint8_t cookie_ts_bits(bool sack_ok, int peer_wscale)
{
	return (uint8_t)((peer_wscale < 0 ? COOKIE_TS_NO_WS : (uint32_t)peer_wscale) |
			 (sack_ok ? COOKIE_TS_SACK : 0));
}

/*
 * Our TSval with the options in its low bits, never above the clock's
 * value (TSvals must not run ahead of the clock the later ones come from).
 */
static uint32_t cookie_tsval(uint32_t tsval, uint8_t bits)
{
	uint32_t mask = (1u << COOKIE_TS_BITS) - 1;
	uint32_t v = (tsval & ~mask) | bits;

	return seq_gt(v, tsval) ? v - (mask + 1) : v;
}

enum cookie_verdict { COOKIE_BAD, COOKIE_NO_TS, COOKIE_GOOD };

/*
 * Does this ACK (SEQ = peer ISN + 1, ACK = cookie + 1) carry a cookie we
 * made in this period or the last? Fills what it encodes. Whether the
 * SYN-ACK carried timestamps is the cookie's bit 26, which the MAC covers:
 * the ACK's own TS option says nothing of it. Without them, a TS option on
 * the ACK is ignored (RFC 7323 §3.2: not agreed) and so is its TSecr, which
 * holds none of our options. With them, an ACK without one is COOKIE_NO_TS,
 * unchecked: the peer agreed to send it on every segment (RFC 7323 §3.2:
 * drop), and the option bits the MAC covers are in the TSecr it left out.
 * Every verdict costs at most one MAC.
 */
static enum cookie_verdict syncookie_check(const struct tcprx *rx, const struct tcprx_seg *seg,
					   struct tcprx_cookie *out)
{
	uint32_t cookie = seg->ack - 1, mss_index = (cookie >> COOKIE_MSS_SHIFT) & 7;
	uint64_t now = cookie_period(rx), period;
	uint32_t mac = cookie & COOKIE_MAC_MASK, ts_bits;

	/* The period whose low two bits the cookie carries: now, or one back. */
	period = now - ((now - (cookie >> COOKIE_CLOCK_SHIFT)) & 3);
	if (now - period > 1 || period > now)
		return COOKIE_BAD;
	memset(out, 0, sizeof(*out));
	out->peer_mss = cookie_mss[mss_index];
	out->peer_wscale = -1;
	if (!(cookie & COOKIE_TS_FLAG))
		return mac == cookie_mac(rx, seg, seg->seq - 1, period, mss_index, 0) ? COOKIE_GOOD :
											  COOKIE_BAD;
	if (!seg->opt.has_ts)
		return COOKIE_NO_TS;
	/*
	 * The option bits are in the MAC too: a peer that echoes a TSecr with
	 * other bits than our TSval had (a window scale the SYN-ACK never
	 * offered) fails it, rather than opening a connection whose window
	 * scaling the two ends disagree on.
	 */
	ts_bits = seg->opt.tsecr & ((1u << COOKIE_TS_BITS) - 1);
	if (mac != cookie_mac(rx, seg, seg->seq - 1, period, mss_index, (uint8_t)(1 + ts_bits)))
		return COOKIE_BAD;
	if ((ts_bits & COOKIE_TS_NO_WS) != COOKIE_TS_NO_WS) {
		if ((ts_bits & COOKIE_TS_NO_WS) > 14)
			return COOKIE_BAD; /* no cookie of ours says that */
		out->peer_wscale = (int)(ts_bits & COOKIE_TS_NO_WS);
	}
	out->ts_ok = true;
	out->sack_ok = (ts_bits & COOKIE_TS_SACK) && !rx->cfg.no_sack;
	return COOKIE_GOOD;
}

/*
 * RFC 4987 §3.6: no room to remember the SYN. Answer with a cookie and keep
 * nothing: the SYN-ACK comes from a connection that lives on the stack only.
 * Without timestamps there is nowhere to keep window scale and SACK, so
 * this SYN-ACK offers neither; the peer's MSS is rounded down to a value
 * the cookie can name, and the window offered is counted from that.
 */
void tcprx_syncookie_send(struct tcprx *rx, const struct tcprx_seg *seg)
{
	struct tcprx_conn c;
	uint32_t tsval;
	uint8_t bits;

	memset(&c, 0, sizeof(c));
	c.rx = rx;
	c.local = seg->dst;
	c.remote = seg->src;
	c.local_port = seg->dport;
	c.remote_port = seg->sport;
	c.peer_mac = seg->src_mac;
	c.vlan = seg->vlan;
	tcprx_negotiate_options(&c, seg);
	if (!c.ts_ok) {
		c.sack_ok = false;
		c.snd_wscale = c.rcv_wscale = 0;
	}
	c.peer_mss = cookie_mss_round(c.peer_mss);
	tcprx_window_init(&c, c.rcv_mss, c.peer_mss);
	c.full_seg = cookie_full_seg(c.rcv_mss, c.peer_mss); /* the window: cookie_window() */
	c.irs = seg->seq;
	c.rcv_nxt = c.rcv_adv = seg->seq + 1;
	bits = cookie_ts_bits(c.sack_ok, seg->opt.has_wscale ? c.snd_wscale : -1);
	c.iss = cookie_isn(rx, seg, c.peer_mss, c.ts_ok ? (uint8_t)(1 + bits) : 0);
	if (c.ts_ok) {
		/* the TSval the SYN-ACK will carry, with the options in its low bits */
		tsval = (uint32_t)tcprx_now_ms(rx) + c.ts_offset;
		c.ts_offset += cookie_tsval(tsval, bits) - tsval;
	}
	rx->st.syncookies_sent++;
	rx->cookie_sent = rx->now;
	tcprx_send_synack(&c);
}

/*
 * Would the ACK of a cookie sent now find a slot? Only while the table has
 * room: half-opens fill at most half of it (config_defaults), so a flood
 * leaves room. A half-open is never given up for a cookie, even one whose
 * SYN-ACK went unanswered for a retransmission timeout: on a lossy wire its
 * client's ACK may have been lost, the client is established on its side,
 * and its next segment (which cannot carry a cookie back) would be reset.
 * A 10-minute soak with such evictions reset two clients that way. A table
 * full of connections is full: the caller drops the SYN, counted, and the
 * client's retransmitted SYN finds room when some is made.
 */
bool tcprx_syncookie_room(const struct tcprx *rx)
{
	return rx->nb_conns < rx->cfg.max_conns;
}

/* The connection's options as the cookie (and the ACK's timestamp) carried them. */
static void cookie_options(struct tcprx_conn *c, const struct tcprx_seg *seg,
			   const struct tcprx_cookie *ck)
{
	struct tcprx *rx = c->rx;

	c->rcv_mss = seg->dst.family == AF_INET ? rx->mss4 : rx->mss6;
	c->peer_mss = ck->peer_mss;
	c->ts_ok = ck->ts_ok;
	c->sack_ok = ck->sack_ok;
	if (ck->peer_wscale >= 0) {
		c->snd_wscale = (uint8_t)ck->peer_wscale;
		c->rcv_wscale = tcprx_rcv_wscale(rx, c->rcv_mss);
	}
	if (c->ts_ok) {
		c->ts_recent = c->ts_prev = seg->opt.tsval;
		c->ts_prev_seq = seg->seq;
		c->ts_recent_ms = tcprx_now_ms(rx);
		c->ts_offset = tcprx_ts_offset(rx, seg);
	}
	tcprx_window_init(c, c->rcv_mss, c->peer_mss);
}

/*
 * A connection for the ACK of a cookie SYN-ACK, in SYN-RECEIVED on the
 * half-open list (the caller's rules take it to ESTABLISHED). NULL when
 * there is no room (the table filled since the cookie went out).
 */
static struct tcprx_conn *cookie_open(struct tcprx *rx, const struct tcprx_seg *seg,
				      const struct tcprx_cookie *ck)
{
	struct tcprx_conn *c;

	if (rx->nb_backlog >= rx->cfg.accept_backlog) {
		rx->st.backlog_drops++;
		return NULL;
	}
	if (rx->nb_conns >= rx->cfg.max_conns) {
		rx->st.conn_table_full++;
		return NULL;
	}
	c = tcprx_conn_new(rx, seg);
	if (c == NULL) {
		rx->st.conn_table_full++;
		return NULL;
	}
	cookie_options(c, seg, ck);
	c->irs = seg->seq - 1;
	c->rcv_nxt = c->last_ack_sent = seg->seq;
	c->iss = seg->ack - 1;
	c->snd_nxt = seg->ack;
	/* the right edge the cookie SYN-ACK offered (tcprx_syncookie_send) */
	c->rcv_adv = c->rcv_nxt + cookie_window(rx, c->rcv_mss, c->peer_mss);
	TAILQ_INSERT_TAIL(&rx->half_open, c, list);
	rx->nb_half_open++;
	return c;
}

/*
 * Is this ACK to a listener (no connection) the answer to a cookie of ours?
 * Only looked at while cookies went out in the last TCPRX_COOKIE_VALID_NS.
 * Returns false when it is not (the caller resets it); true when it is,
 * with *conn the new connection, or NULL when there was no room for it.
 */
bool tcprx_syncookie_ack(struct tcprx *rx, const struct tcprx_seg *seg, struct tcprx_conn **conn)
{
	struct tcprx_cookie ck;

	*conn = NULL;
	if (rx->cookie_sent == 0 || rx->now - rx->cookie_sent > TCPRX_COOKIE_VALID_NS ||
	    (seg->flags & TCPRX_SYN))
		return false;
	switch (syncookie_check(rx, seg, &ck)) {
	case COOKIE_BAD:
		rx->st.syncookies_rejected++;
		return false;
	case COOKIE_NO_TS:
		rx->st.syncookies_rejected++;
		return true; /* dropped unchecked, no connection: its retransmission may carry TS */
	case COOKIE_GOOD:
		break;
	}
	rx->st.syncookies_validated++;
	*conn = cookie_open(rx, seg, &ck);
	return true;
}
