/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987): with the half-open bound reached, a SYN is
 * answered with a cookie and no state; the ACK makes the connection with
 * the options the cookie (and, with timestamps, our echoed TSval) carried.
 * Forged and stale cookies are reset and counted; a validated cookie takes
 * the slot of a half-open connection whose SYN-ACK went unanswered, never
 * one still in its first timeout; a table full of live connections sends
 * no cookies (their ACKs would find no slot); the cookie SYN-ACK's window
 * edge holds whatever the ACK says; and a flood of 100,000 spoofed SYNs
 * does not keep legitimate clients from connecting and moving verified data.
 */
#include <errno.h>

#include "harness.h"

/* Fill the half-open table (max_half_open = 8 in the harness) with SYNs nobody completes. */
static void fill_half_open(struct harness *h, uint8_t host)
{
	struct h_peer f;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		h_peer_init(&f, false, host, (uint16_t)(2000 + i), 0x1000u * i);
		h_send(h, &f, &(struct h_seg){ .flags = H_SYN, .seq = f.isn, .win = 65535 });
	}
	assert_int_equal(h_drain(h), 8);
	assert_int_equal(h_stats(h).half_open, 8);
	assert_int_equal(h_stats(h).syncookies_sent, 0);
}

/* 20 full segments in order with a hole filled last; every byte verified; all tokens back. */
static void transfer(struct harness *h, struct h_peer *p, uint32_t seg)
{
	uint32_t i;

	for (i = 1; i < 20; i++) {
		h_send_data(h, p, i * seg, seg);
		h_acks(h, p, NULL);
	}
	h_send_data(h, p, 0, seg);
	h_settle(h, p, NULL);
	assert_int_equal(h_recv(h, p, NULL), 20 * seg);
	assert_int_equal(h_dontneed(h, p, UINT32_MAX), 20);
}

static void test_cookie_with_timestamps(void **state)
{
	struct harness *h = *state;
	struct tcprx_conn_info info;
	struct tcprx_config cfg;
	struct h_frame synack;
	struct h_peer p;

	h_config(h, &cfg);
	cfg.wscale = 7; /* ours is not in the cookie: the ACK's connection must find it again */
	h_restart(h, &cfg);
	fill_half_open(h, 60);
	h_peer_init(&p, false, 2, 40000, 0x31000000);
	p.mss = 1460;
	p.sack = true;
	p.ts = true;
	p.ws = 9;
	h_syn(h, &p, &synack);
	assert_int_equal(h_stats(h).syncookies_sent, 1);
	assert_int_equal(h_stats(h).half_open, 8); /* nothing was kept */
	assert_true(synack.has_ts && synack.sackok && synack.has_ws);
	assert_int_equal(synack.ws, 7);
	/* The options ride in our TSval's low bits: SACK-permitted and the peer's shift 9. */
	assert_int_equal(synack.tsval & 0x1f, 0x10 | 9);
	h_open_synced(h, &p);
	info = h_info(&p);
	assert_int_equal(info.peer_mss, 1460);
	assert_int_equal(info.snd_wscale, 9);
	assert_int_equal(info.rcv_wscale, 7);
	assert_true(info.ts_ok && info.sack_ok);
	assert_int_equal(h_stats(h).syncookies_validated, 1);
	assert_int_equal(h_stats(h).established, 1);
	transfer(h, &p, 1448);
}

static void test_cookie_without_timestamps(void **state)
{
	struct harness *h = *state;
	struct tcprx_conn_info info;
	struct h_frame synack;
	struct h_peer p;

	fill_half_open(h, 60);
	h_peer_init(&p, true, 2, 40000, 0x32000000);
	p.mss = 1000;
	p.sack = true;
	p.ws = 7;
	h_syn(h, &p, &synack);
	/* Nowhere to keep them: neither window scaling nor SACK is offered. */
	assert_false(synack.has_ws);
	assert_false(synack.sackok);
	assert_false(synack.has_ts);
	h_open_synced(h, &p);
	info = h_info(&p);
	assert_int_equal(info.peer_mss, 536); /* rounded down to a value a cookie can name */
	assert_int_equal(info.snd_wscale, 0);
	assert_int_equal(info.rcv_wscale, 0);
	assert_false(info.ts_ok || info.sack_ok);
	transfer(h, &p, 536);
}

static void test_cookie_forged_or_stale(void **state)
{
	struct harness *h = *state;
	struct h_peer p, q, r;
	struct h_seg ack;

	fill_half_open(h, 60);
	/* An ACK to the listener before any cookie went out: a plain reset, no cookie check. */
	h_peer_init(&r, false, 4, 40002, 0x35000000);
	r.iss = 0x12345678;
	ack = h_ctl(&r, H_ACK, 0);
	h_send(h, &r, &ack);
	h_expect(h, &r, &(struct h_match){ .flags = H_IS(H_RST), .seq = H_IS(0x12345679) }, NULL);
	assert_int_equal(h_stats(h).syncookies_rejected, 0);
	h_peer_init(&p, false, 2, 40000, 0x33000000);
	h_syn(h, &p, NULL);
	/* A guessed ACK number: reset, counted. */
	ack = h_ctl(&p, H_ACK, 0);
	ack.ack ^= 0x40;
	h_send(h, &p, &ack);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST), .seq = H_IS(ack.ack) }, NULL);
	assert_int_equal(h_stats(h).syncookies_rejected, 1);
	/* The right cookie with another peer ISN (a spoofed first segment): reset. */
	ack = h_ctl(&p, H_ACK, 0);
	ack.seq += 1000;
	h_send(h, &p, &ack);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST) }, NULL);
	assert_int_equal(h_stats(h).syncookies_rejected, 2);
	/* Good for a minute: q's cookie is taken 60 s later. */
	h_peer_init(&q, false, 3, 40001, 0x34000000);
	h_syn(h, &q, NULL);
	h_advance_ms(h, 60000);
	h_drain(h); /* the flood's SYN-ACK retransmissions */
	h_open_synced(h, &q);
	/* Stale after two cookie periods (128 s), even while cookies are still being sent. */
	h_advance_ms(h, 70000);
	h_drain(h);
	h_peer_init(&r, false, 5, 40003, 0x36000000);
	h_syn(h, &r, NULL);
	ack = h_ctl(&p, H_ACK, 0);
	h_send(h, &p, &ack);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST) }, NULL);
	assert_int_equal(h_stats(h).syncookies_rejected, 3);
	assert_int_equal(h_stats(h).syncookies_validated, 1);
	assert_null(tcprx_accept(h->rx));
	q.conn = NULL;
}

/*
 * The options in the cookie TSval's low bits are in the MAC as well: an ACK
 * whose TSecr claims a window scale the SYN-ACK never offered (found by
 * fuzz_tcprx: we scaled our window, the peer would not) is a bad cookie,
 * reset and counted; the honest echo then opens the connection unscaled.
 */
static void test_cookie_tsecr_bits_are_authenticated(void **state)
{
	struct harness *h = *state;
	struct tcprx_conn_info info;
	struct tcprx_config cfg;
	struct h_frame synack;
	struct h_peer p;
	struct h_seg ack;

	h_config(h, &cfg);
	cfg.wscale = 2;
	h_restart(h, &cfg);
	fill_half_open(h, 60);
	h_peer_init(&p, false, 2, 40000, 0x37000000);
	p.ts = true; /* timestamps, no window scale offered */
	h_syn(h, &p, &synack);
	assert_true(synack.has_ts);
	assert_false(synack.has_ws);
	assert_int_equal(synack.tsval & 0xf, 0xf); /* "no window scale" */
	ack = h_ctl(&p, H_ACK, 0);
	ack.ts_set = true;
	ack.tsval = p.tsval;
	ack.tsecr = synack.tsval & ~0x1fu; /* claims shift 0, no SACK */
	h_send(h, &p, &ack);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST) }, NULL);
	assert_int_equal(h_stats(h).syncookies_rejected, 1);
	h_open_synced(h, &p);
	info = h_info(&p);
	assert_int_equal(info.snd_wscale, 0);
	assert_int_equal(info.rcv_wscale, 0);
	assert_int_equal(h_stats(h).syncookies_validated, 1);
	transfer(h, &p, 536 - 12);
}

/*
 * Bit 26 of a cookie says its SYN-ACK carried timestamps, and the MAC covers
 * it. A forged ACK without a TS option that sets it cannot be checked (the
 * option bits are in the TSecr it lacks): it is dropped and counted, one
 * check and no SipHash, where trying every option set cost 32. The same
 * forgery with bit 26 clear is checked and reset; flipping bit 26 of a good
 * timestamped cookie breaks its MAC.
 */
static void test_cookie_ts_bit_is_authenticated(void **state)
{
	struct harness *h = *state;
	struct h_frame synack;
	struct h_peer p, q;
	struct h_seg ack;

	fill_half_open(h, 60);
	h_peer_init(&p, false, 2, 40000, 0x3b000000);
	h_syn(h, &p, NULL);
	ack = h_ctl(&p, H_ACK, 0);
	ack.ack = ((ack.ack - 1) | (1u << 26)) + 1; /* claims timestamps; no TS option */
	h_send(h, &p, &ack);
	h_expect_none(h);
	assert_int_equal(h_stats(h).syncookies_rejected, 1);
	ack.ack = ((ack.ack - 1) & ~(1u << 26)) ^ 0x155; /* a forged plain cookie */
	ack.ack += 1;
	h_send(h, &p, &ack);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST) }, NULL);
	assert_int_equal(h_stats(h).syncookies_rejected, 2);
	h_open_synced(h, &p);

	h_peer_init(&q, false, 3, 40001, 0x3c000000);
	q.ts = true;
	h_syn(h, &q, &synack);
	assert_true(synack.has_ts);
	ack = h_ctl(&q, H_ACK, 0);
	ack.ts_set = true;
	ack.tsval = q.tsval;
	ack.tsecr = synack.tsval;
	ack.ack = ((ack.ack - 1) & ~(1u << 26)) + 1; /* the honest echo, bit 26 cleared */
	h_send(h, &q, &ack);
	h_expect(h, &q, &(struct h_match){ .flags = H_IS(H_RST) }, NULL);
	assert_int_equal(h_stats(h).syncookies_rejected, 3);
	h_open_synced(h, &q);
	assert_int_equal(h_stats(h).syncookies_validated, 2);
}

/*
 * The cookie SYN-ACK is all the ACK's connection knows of the handshake, and
 * the ACK's own options must not change it. A SYN without timestamps whose
 * ACK carries them (TSecr 0: none of our options in it): no timestamps, no
 * window scaling (the SYN-ACK offered neither, though we would scale by 2),
 * and the right edge never left of the SYN-ACK's when the connection counts
 * in its own full segments. A SYN with timestamps whose ACK has none: the
 * ACK is dropped (RFC 7323 §3.2), not reset, and its retransmission with
 * them makes the connection. The harness checks every frame's edge (h_expect).
 */
static void test_cookie_window_edge_whatever_the_ack_says(void **state)
{
	struct harness *h = *state;
	struct tcprx_conn_info info;
	struct tcprx_config cfg;
	struct h_frame synack, ack;
	struct h_seg bare;
	struct h_peer p, q;

	h_config(h, &cfg);
	cfg.rcv_chunks = 16; /* 16 segments of 536 fit the unscaled field: no clamp hides it */
	cfg.wscale = 2;
	h_restart(h, &cfg);
	fill_half_open(h, 60);
	h_peer_init(&p, false, 2, 40000, 0x39000000);
	p.mss = 536;
	p.ws = 7;
	h_syn(h, &p, &synack);
	assert_false(synack.has_ts || synack.has_ws);
	p.ts = true; /* sent on every segment from the ACK on, though not agreed */
	h_open_synced(h, &p);
	info = h_info(&p);
	assert_false(info.ts_ok);
	assert_int_equal(info.rcv_wscale, 0);
	h_send_data(h, &p, 0, 100);
	h_settle(h, &p, &ack);
	assert_true((int32_t)(ack.ack + ack.win - (p.isn + 1 + synack.win)) >= 0);
	assert_int_equal(h_recv(h, &p, NULL), 100);
	h_peer_init(&q, true, 3, 40001, 0x3a000000);
	q.mss = 536;
	q.ts = true;
	q.ws = 7;
	h_syn(h, &q, &synack);
	assert_true(synack.has_ts && synack.has_ws);
	bare = h_ctl(&q, H_ACK, 0);
	bare.no_ts = true;
	h_send(h, &q, &bare);
	h_expect_none(h);
	assert_null(tcprx_accept(h->rx));
	assert_int_equal(h_stats(h).syncookies_rejected, 1);
	h_open_synced(h, &q);
	info = h_info(&q);
	assert_true(info.ts_ok);
	assert_int_equal(info.rcv_wscale, 2);
	h_send_data(h, &q, 0, 100);
	h_settle(h, &q, &ack);
	assert_int_equal(h_stats(h).syncookies_validated, 2);
}

/*
 * The table is full of live connections: no cookie, whose ACK would find
 * no slot (the client, established on its side, would be reset on its
 * next segment). The SYN is dropped and counted, nothing is sent, and the
 * client's retransmitted SYN is served once a slot is free.
 */
static void test_full_table_no_cookie_no_reset(void **state)
{
	struct harness *h = *state;
	static struct h_peer live[4], p; /* large: not on the stack */
	struct tcprx_config cfg;
	unsigned int i;

	h_config(h, &cfg);
	cfg.max_conns = 4;
	h_restart(h, &cfg);
	for (i = 0; i < 4; i++) {
		h_peer_init(&live[i], i & 1, (uint8_t)(10 + i), (uint16_t)(41000 + i),
			    0x3b000000u + i * 0x10000u);
		h_open(h, &live[i]);
	}
	h_peer_init(&p, true, 2, 40000, 0x3c000000);
	p.mss = 1440;
	p.ts = true;
	h_send(h, &p, &(struct h_seg){ .flags = H_SYN, .seq = p.isn, .win = 65535 });
	h_expect_none(h);
	assert_int_equal(h_stats(h).syncookies_sent, 0);
	assert_int_equal(h_stats(h).conn_table_full, 1);
	/* A slot is freed (the peer resets, the application closes); the client's retry gets in. */
	h_send(h, &live[0], &(struct h_seg){ .flags = H_RST, .seq = h_seq(&live[0], 0) });
	h_expect_none(h);
	assert_int_equal(tcprx_close(live[0].conn), 0);
	h_advance_ms(h, 1000);
	h_open(h, &p);
	transfer(h, &p, 1428);
	for (i = 1; i < 4; i++)
		assert_int_equal(tcprx_conn_info(live[i].conn, &(struct tcprx_conn_info){ 0 }), 0);
	assert_int_equal(h_stats(h).established, 5);
	assert_int_equal(h_stats(h).rst_out, 0);
}

/*
 * A configured half-open bound above the table is capped at half of it:
 * with 8 slots and max_half_open 128, the fifth SYN gets a cookie, the
 * four half-opens all complete and the cookie's client gets a slot too.
 */
static void test_half_open_bound_capped_at_half_the_table(void **state)
{
	struct harness *h = *state;
	static struct h_peer half[4], p; /* large: not on the stack */
	struct tcprx_config cfg;
	unsigned int i;

	h_config(h, &cfg);
	cfg.max_conns = 8;
	cfg.max_half_open = 128; /* as hsplit-rx's defaults: above the table */
	h_restart(h, &cfg);
	for (i = 0; i < 4; i++) {
		h_peer_init(&half[i], i & 1, (uint8_t)(10 + i), (uint16_t)(41000 + i),
			    0x3d000000u + i * 0x10000u);
		h_syn(h, &half[i], NULL);
	}
	assert_int_equal(h_stats(h).syncookies_sent, 0);
	assert_int_equal(h_stats(h).half_open, 4);
	h_peer_init(&p, false, 2, 40000, 0x3e000000);
	p.mss = 1460;
	p.ts = true;
	h_syn(h, &p, NULL);
	assert_int_equal(h_stats(h).syncookies_sent, 1);
	for (i = 0; i < 4; i++)
		h_open_synced(h, &half[i]);
	h_open_synced(h, &p);
	transfer(h, &p, 1448);
	assert_int_equal(h_stats(h).established, 5);
	assert_int_equal(h_stats(h).rst_out, 0);
}

/*
 * A half-open whose SYN-ACK went unanswered for a retransmission timeout
 * is not given up for a cookie: its client's ACK may only have been lost
 * on the wire, and the client, established on its side, would be reset.
 * It completes late; the cookie's client takes a free slot.
 */
static void test_late_half_open_kept_when_cookies_go_out(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	static struct h_peer p; /* large: not on the stack */

	h_config(h, &cfg);
	cfg.max_conns = 16;
	h_restart(h, &cfg);
	fill_half_open(h, 60); /* the harness's bound of 8 half-opens, then cookies */
	assert_int_equal(h_stats(h).half_open, 8);
	h_advance_ms(h, 1000); /* the SYN-ACK timeout: each is sent again, unanswered */
	h_drain(h);
	h_peer_init(&p, false, 2, 40000, 0x37000000);
	p.mss = 1460;
	p.ts = true;
	h_syn(h, &p, NULL);
	h_open_synced(h, &p);
	transfer(h, &p, 1448);
	assert_int_equal(h_stats(h).half_open, 8);
	assert_int_equal(h_stats(h).conns, 9);
	assert_int_equal(h_stats(h).rst_out, 0);
}

/* Queue n spoofed SYNs (IPv4 and IPv6, addresses and ports from an LCG), poll, free what went out. */
static unsigned int flood(struct harness *h, struct h_peer *f, uint32_t *rnd, unsigned int n)
{
	unsigned int i, out = 0;
	struct rte_mbuf *m;

	for (i = 0; i < n; i++) {
		*rnd = *rnd * 1103515245u + 12345u;
		f->ipv6 = (*rnd >> 8) & 1;
		f->ip[0] = f->ipv6 ? 0xfd : 192;
		f->ip[2] = (uint8_t)(*rnd >> 24); /* sources spread wider than one /24 */
		f->ip[3] = f->ip[15] = (uint8_t)(100 + (*rnd >> 9) % 150);
		f->mac.addr_bytes[5] = f->ip[3];
		f->port = (uint16_t)(1024 + (*rnd >> 12) % 60000);
		f->isn = *rnd;
		f->ts = (*rnd >> 10) & 1;
		f->sack = f->ts;
		f->ws = f->ts ? 7 : -1;
		h_queue(h, f, &(struct h_seg){ .flags = H_SYN, .seq = f->isn, .win = 65535 });
	}
	h_poll(h);
	while ((m = h_tx_pop(h)) != NULL) {
		rte_pktmbuf_free(m);
		out++;
	}
	return out;
}

/* Spoofed ACKs with guessed cookies: each one reset. */
static void forged_acks(struct harness *h, struct h_peer *f, uint32_t *rnd, unsigned int n)
{
	struct rte_mbuf *m;
	unsigned int i;

	f->ipv6 = false;
	f->ip[0] = 192;
	f->ip[2] = 2;
	f->ip[3] = 250;
	f->ts = false;
	for (i = 0; i < n; i++) {
		*rnd = *rnd * 1103515245u + 12345u;
		f->port = (uint16_t)(1024 + *rnd % 60000);
		f->isn = *rnd;
		h_queue(h, f, &(struct h_seg){ .flags = H_ACK, .seq = f->isn + 1,
					       .ack = *rnd * 2654435761u + 1, .win = 65535 });
	}
	h_poll(h);
	while ((m = h_tx_pop(h)) != NULL)
		rte_pktmbuf_free(m);
}

/* Microseconds to the next multiple of 10 ms of the harness clock. */
static uint64_t next_10ms(const struct harness *h)
{
	return 10000u - (h->now_ns / 1000u) % 10000u;
}

#define FLOOD_SYNS 100000u
#define FLOOD_BATCH 250u

/*
 * 100,000 spoofed SYNs at 25,000 a second against hsplit-rx's default table
 * (64 slots, half-open bound 128, which the library caps at half the
 * table): the flood's half-opens fill 32 slots and every SYN beyond gets a
 * cookie. A legitimate client every 5,000 SYNs, from the first 200 ms on,
 * gets in through its cookie into a free slot and moves verified data; no
 * half-open is given up and the table never fills.
 */
static void test_syn_flood_legitimate_clients_served(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct tcprx_stats st;
	unsigned int sent = 0, answered = 0, legit = 0;
	uint32_t rnd = 7;
	static struct h_peer p, f; /* large (token and fragment records): not on the stack */

	h_peer_init(&f, false, 100, 1024, 0);
	f.mss = 1460;
	h_config(h, &cfg);
	cfg.max_conns = 64;
	cfg.max_half_open = 128; /* hsplit-rx's defaults: the flood alone could fill the table */
	h_restart(h, &cfg);
	/*
	 * Batches at every 10 ms of the clock, so the flood's SYN-ACK
	 * retransmissions (1 s, then 2 s later) fall due on them too, where they
	 * are drained, never in a client's few milliseconds between.
	 */
	h_advance_us(h, next_10ms(h));
	while (sent < FLOOD_SYNS) {
		answered += flood(h, &f, &rnd, FLOOD_BATCH);
		sent += FLOOD_BATCH;
		if (sent % 5000 == 0) {
			/* A legitimate client, with or without options. */
			h_peer_init(&p, legit & 1, (uint8_t)(2 + legit), (uint16_t)(40000 + legit),
				    0x38000000u + legit * 0x10000u);
			p.mss = 1460;
			p.ts = legit % 3 != 0;
			p.sack = legit % 2 == 0;
			p.ws = legit % 4 == 0 ? -1 : 7;
			h_open(h, &p);
			transfer(h, &p, p.ts ? 1448 : 1400);
			assert_int_equal(tcprx_close(p.conn), 0);
			h_poll(h);
			h_drain(h);
			h->nb_placed = 0;
			legit++;
		}
		if (sent % 20000 == 0)
			forged_acks(h, &f, &rnd, 100);
		h_advance_us(h, next_10ms(h)); /* 250 SYNs every 10 ms: 25,000 a second */
		h_drain(h);                    /* the flood's SYN-ACK retransmissions */
	}
	st = h_stats(h);
	TEST_NOTE("%u spoofed SYNs: %llu cookies sent, %llu validated, %llu rejected, "
		  "%llu dropped (table full), %u SYN-ACKs; %u legitimate clients served, "
		  "%u half-open, %u slots in use",
		  sent, (unsigned long long)st.syncookies_sent,
		  (unsigned long long)st.syncookies_validated,
		  (unsigned long long)st.syncookies_rejected,
		  (unsigned long long)st.conn_table_full, answered, legit, st.half_open, st.conns);
	assert_int_equal(legit, FLOOD_SYNS / 5000);
	assert_int_equal(st.established, legit);
	/* The half-open bound was reached by the flood's first 32 SYNs: cookies throughout. */
	assert_int_equal(st.syncookies_validated, legit);
	assert_int_equal(st.syncookies_rejected, 5 * 100); /* every forged ACK checked */
	assert_int_equal(st.conn_table_full, 0);
	assert_true(st.syncookies_sent >= FLOOD_SYNS * 9 / 10);
	assert_true(st.half_open <= 32 && st.conns <= 64);
	assert_int_equal(st.tx_drops, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cookie_with_timestamps, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_cookie_without_timestamps, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_cookie_forged_or_stale, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_cookie_ts_bit_is_authenticated, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_cookie_tsecr_bits_are_authenticated, h_setup,
						h_teardown),
		cmocka_unit_test_setup_teardown(test_cookie_window_edge_whatever_the_ack_says, h_setup,
						h_teardown),
		cmocka_unit_test_setup_teardown(test_full_table_no_cookie_no_reset, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_half_open_bound_capped_at_half_the_table, h_setup,
						h_teardown),
		cmocka_unit_test_setup_teardown(test_late_half_open_kept_when_cookies_go_out, h_setup,
						h_teardown),
		cmocka_unit_test_setup_teardown(test_syn_flood_legitimate_clients_served, h_setup,
						h_teardown),
	};
	int ret;

	if (h_eal_init("test_tcprx_syncookie") < 0) {
		fprintf(stderr, "test_tcprx_syncookie: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
