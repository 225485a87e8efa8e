/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scripts for the fast path (doc/tcprx.md): in-order segments taken by header
 * prediction deliver exactly what the full rules would (bytes, TSvals, the
 * window), everything else still goes the long way; one ACK per connection
 * per burst; the readiness list (tcprx_ready_next); the one-entry connection
 * cache never reaching a freed connection when a 4-tuple is closed and used
 * again; and token returns looked at only for the connections they came to.
 */
#include <errno.h>
#include <stdlib.h>

#include "harness.h"

static uint64_t fast_segs(const struct harness *h)
{
	return h_stats(h).fast_path;
}

static void test_in_order_taken_by_prediction(void **state)
{
	struct harness *h = *state;
	struct tcprx_tsval ts[8];
	uint64_t before;
	struct h_peer p;
	unsigned int i;

	h_peer_init(&p, false, 2, 40000, 0x31000000);
	p.ts = true;
	p.tsval = 1000;
	h_open(h, &p);
	before = fast_segs(h);
	for (i = 0; i < 4; i++) {
		p.tsval = 1000 + i;
		h_send_data(h, &p, i * 1000, 1000);
	}
	assert_int_equal(fast_segs(h) - before, 4);
	h_settle(h, &p, NULL);
	/* The bytes and every segment's TSval, as the full rules deliver them. */
	assert_int_equal(h_recv_tsval(h, &p, ts, 8), 4);
	for (i = 0; i < 4; i++) {
		assert_true(ts[i].present);
		assert_int_equal(ts[i].val, 1000 + i);
	}
	assert_int_equal(h_cstats(&p).bytes_in_order, 4000);
	assert_int_equal(h_cstats(&p).segs_in, 4 + 2); /* and the handshake's SYN and ACK */

	/* Out of order, then the hole: the full rules (no prediction), the same result. */
	before = fast_segs(h);
	h_send_data(h, &p, 5000, 1000);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 4000)), NULL);
	h_send_data(h, &p, 4000, 1000);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 6000)), NULL);
	assert_int_equal(fast_segs(h), before);
	assert_int_equal(h_recv(h, &p, NULL), 2000);
}

/* What a prediction must not take: each goes through the full rules and does what they say. */
static void test_unpredicted_segments_go_the_long_way(void **state)
{
	struct harness *h = *state;
	static const uint8_t mss_opt[] = { 2, 4, 0x05, 0xb4 }; /* an option we do not predict */
	struct h_peer p;
	struct h_seg s;
	uint64_t before;

	h_peer_init(&p, false, 3, 40001, 0x32000000);
	p.ts = true;
	p.tsval = 500;
	h_open(h, &p);
	before = fast_segs(h);
	/* PAWS: an older TSval is dropped and ACKed, not delivered. */
	s = h_data(&p, 0, 100);
	s.ts_set = true;
	s.tsval = 400;
	s.tsecr = p.ts_recent;
	h_send(h, &p, &s);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 0)), NULL);
	assert_int_equal(h_cstats(&p).segs_paws, 1);
	/* An ACK of something we never sent: RFC 5961 says ACK and drop. */
	s = h_data(&p, 0, 100);
	s.ack = p.iss + 5;
	h_send(h, &p, &s);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 0)), NULL);
	/* Other options: taken, by the full parser. */
	s = h_data(&p, 0, 100);
	s.opts = mss_opt;
	s.opts_len = sizeof(mss_opt);
	h_send(h, &p, &s);
	/* Data with FIN: taken with the FIN, ACKed at once. */
	s = h_data(&p, 100, 100);
	s.flags |= H_FIN;
	h_send(h, &p, &s);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 200) + 1), NULL);
	assert_int_equal(fast_segs(h), before);
	assert_int_equal(h_recv(h, &p, NULL), 200);
	assert_int_equal(h_info(&p).state, TCPRX_CLOSE_WAIT);
}

static void test_one_ack_per_burst(void **state)
{
	struct harness *h = *state;
	struct h_peer p, q;
	struct h_frame f;
	unsigned int i;

	h_restart_with(h, 64, 200000);
	h_peer_init(&p, false, 2, 40000, 0x33000000);
	h_peer_init(&q, false, 4, 40002, 0x34000000);
	h_open(h, &p);
	h_open(h, &q);
	/* Ten segments of p and of q interleaved in one burst: one ACK each, of everything. */
	for (i = 0; i < 10; i++) {
		struct h_seg s = h_data(&p, i * H_MSS, H_MSS), t = h_data(&q, i * H_MSS, H_MSS);

		h_queue(h, &p, &s);
		h_queue(h, &q, &t);
	}
	h_poll(h);
	assert_int_equal(h_tx_pending(h), 2);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 10 * H_MSS)), &f);
	h_expect(h, &q, H_ACK_OF(h_seq(&q, 10 * H_MSS)), NULL);
	/* One full segment in a burst of its own: under two, the delayed ACK. */
	h_send_data(h, &p, 10 * H_MSS, H_MSS);
	h_expect_none(h);
	h_send_data(h, &p, 11 * H_MSS, H_MSS);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 12 * H_MSS)), NULL);
	assert_int_equal(h_recv(h, &p, NULL), 12 * H_MSS);
	assert_int_equal(h_recv(h, &q, NULL), 10 * H_MSS);
}

/* A reset in the same burst as deferred data: no ACK goes out for the dead connection. */
static void test_reset_cancels_deferred_ack(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	struct h_seg d0, d1, rst;
	int rc;

	h_restart_with(h, 64, 200000);
	h_peer_init(&p, false, 2, 40000, 0x35000000);
	h_open(h, &p);
	d0 = h_data(&p, 0, H_MSS);
	d1 = h_data(&p, H_MSS, H_MSS);
	rst = h_ctl(&p, H_RST, 2 * H_MSS);
	h_queue(h, &p, &d0);
	h_queue(h, &p, &d1);
	h_queue(h, &p, &rst);
	h_poll(h);
	h_expect_none(h);
	assert_int_equal(h_recv(h, &p, &rc), 2 * H_MSS);
	assert_int_equal(rc, -ECONNRESET);
}

/*
 * ACKs come from a per-connection template until one needs SACK blocks
 * (other options, another length), then from it again: every ACK carries
 * the right fields, options and checksums (h_expect verifies the sums).
 */
static void test_ack_template_options_change(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	struct h_frame f;
	struct h_seg s[2];
	const uint32_t K = H_MSS - 12; /* a full segment with timestamps */
	const uint32_t blk[1][2] = { { 3 * K, 4 * K } }, dup[1][2] = { { 0, K } };

	h_peer_init(&p, false, 2, 40000, 0x3f000000);
	p.ts = true;
	p.sack = true;
	p.tsval = 7000;
	h_open(h, &p);
	/* Two segments in a burst: one ACK, from the template, TS echoing 7000. */
	s[0] = h_data(&p, 0, K);
	s[1] = h_data(&p, K, K);
	h_queue(h, &p, &s[0]);
	h_queue(h, &p, &s[1]);
	h_poll(h);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&p, 2 * K)),
					  .has_ts = H_IS(1), .tsecr = H_IS(7000),
					  .nb_sack = H_IS(0) }, &f);
	/* Out of order: a SACK block, so not the template. */
	h_send_data(h, &p, 3 * K, K);
	h_expect_sack(h, &p, 2 * K, 1, blk);
	/* The hole filled, with a newer TSval: the template again, no SACK, TS 7100. */
	p.tsval = 7100;
	h_send_data(h, &p, 2 * K, K);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&p, 4 * K)),
					  .has_ts = H_IS(1), .tsecr = H_IS(7100),
					  .nb_sack = H_IS(0) }, NULL);
	/* A duplicate: D-SACK (general path); then in-order data: the template. */
	h_send_data(h, &p, 0, K);
	h_expect_sack(h, &p, 4 * K, 1, dup);
	p.tsval = 7200;
	s[0] = h_data(&p, 4 * K, K);
	s[1] = h_data(&p, 5 * K, K);
	h_queue(h, &p, &s[0]);
	h_queue(h, &p, &s[1]);
	h_poll(h);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&p, 6 * K)),
					  .has_ts = H_IS(1), .tsecr = H_IS(7200),
					  .nb_sack = H_IS(0) }, NULL);
	assert_int_equal(h_recv(h, &p, NULL), 6 * K);
}

/* The template of a connection without timestamps, on a VLAN tagged in the frame. */
static void test_ack_template_vlan_no_ts(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct h_peer p;
	struct h_frame f;
	struct h_seg s[2];

	h_config(h, &cfg);
	cfg.vlans[0] = 0;
	cfg.vlans[1] = 42;
	cfg.nb_vlans = 2;
	h_restart(h, &cfg);
	h_peer_init(&p, false, 2, 40000, 0x40000000);
	p.vlan = 42;
	h_open(h, &p);
	s[0] = h_data(&p, 0, H_MSS);
	s[1] = h_data(&p, H_MSS, H_MSS);
	h_queue(h, &p, &s[0]);
	h_queue(h, &p, &s[1]);
	h_poll(h);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&p, 2 * H_MSS)),
					  .has_ts = H_IS(0) }, &f);
	assert_int_equal(f.vlan, 42);
	assert_int_equal(h_recv(h, &p, NULL), 2 * H_MSS);
}

static struct h_peer *ready_peer(struct harness *h, struct h_peer **peers, unsigned int n)
{
	struct tcprx_conn *c = tcprx_ready_next(h->rx);
	unsigned int i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (peers[i]->conn == c)
			return peers[i];
	H_FAIL("tcprx_ready_next returned a connection the application does not have");
	return NULL;
}

static void test_ready_list(void **state)
{
	struct harness *h = *state;
	struct h_peer p, q, r;
	struct h_peer *all[] = { &p, &q, &r };
	struct h_seg s;
	int rc;

	assert_null(tcprx_ready_next(NULL));
	h_peer_init(&p, false, 2, 40000, 0x36000000);
	h_peer_init(&q, false, 3, 40001, 0x37000000);
	h_peer_init(&r, true, 4, 40002, 0x38000000);
	h_open(h, &p);
	h_open(h, &q);
	h_open(h, &r);
	assert_null(tcprx_ready_next(h->rx));
	/* In the order data came; each once however many segments. */
	h_send_data(h, &q, 0, 100);
	h_send_data(h, &p, 0, 100);
	h_send_data(h, &q, 100, 100);
	h_send_data(h, &r, 0, 100); /* IPv6: the full rules list it too */
	assert_ptr_equal(ready_peer(h, all, 3), &q);
	assert_ptr_equal(ready_peer(h, all, 3), &p);
	assert_ptr_equal(ready_peer(h, all, 3), &r);
	assert_null(tcprx_ready_next(h->rx));
	assert_int_equal(h_recv(h, &q, NULL), 200);
	assert_int_equal(h_recv(h, &p, NULL), 100);
	assert_int_equal(h_recv(h, &r, NULL), 100);
	/* Listed again only when more comes. */
	h_send_data(h, &p, 100, 100);
	assert_ptr_equal(ready_peer(h, all, 3), &p);
	assert_null(tcprx_ready_next(h->rx));
	assert_int_equal(h_recv(h, &p, NULL), 100);
	/* Out-of-order data is nothing to read; the hole's fill is. */
	h_send_data(h, &q, 300, 100);
	h_drain(h);
	assert_null(tcprx_ready_next(h->rx));
	h_send_data(h, &q, 200, 100);
	assert_ptr_equal(ready_peer(h, all, 3), &q);
	assert_int_equal(h_recv(h, &q, NULL), 200);
	/* The end of the stream and a reset are something to read. */
	s = h_ctl(&q, H_FIN | H_ACK, 400);
	h_send(h, &q, &s);
	s = h_ctl(&r, H_RST, 100);
	h_send(h, &r, &s);
	h_drain(h);
	assert_ptr_equal(ready_peer(h, all, 3), &q);
	assert_ptr_equal(ready_peer(h, all, 3), &r);
	assert_null(tcprx_ready_next(h->rx));
	assert_int_equal(h_recv(h, &q, &rc), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(h_recv(h, &r, &rc), 0);
	assert_int_equal(rc, -ECONNRESET);
	/* A closed connection leaves the list (ASan: no pointer to it is kept). */
	h_send_data(h, &p, 200, 100);
	assert_int_equal(tcprx_close(p.conn), 0);
	p.conn = NULL;
	h_drain(h);
	assert_null(tcprx_ready_next(h->rx));
}

static void test_ready_at_accept(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	struct h_peer *all[] = { &p };
	struct h_seg ack;

	h_peer_init(&p, false, 2, 40000, 0x39000000);
	h_syn(h, &p, NULL);
	ack = h_ctl(&p, H_ACK, 0);
	h_send(h, &p, &ack);
	h_send_data(h, &p, 0, 500);
	h_drain(h);
	/* Not accepted yet: nothing is the application's. */
	assert_null(tcprx_ready_next(h->rx));
	p.conn = tcprx_accept(h->rx);
	assert_non_null(p.conn);
	assert_ptr_equal(ready_peer(h, all, 1), &p);
	assert_int_equal(h_recv(h, &p, NULL), 500);
}

/* A full segment, then another: the first arms p's delayed ACK, the second's ACK cancels it. */
static void arm_and_cancel(struct harness *h, struct h_peer *p, struct h_peer **all, uint32_t *off)
{
	h_send_data(h, p, *off, H_MSS);
	h_expect_none(h);
	h_send_data(h, p, *off + H_MSS, H_MSS);
	*off += 2 * H_MSS;
	h_expect(h, p, H_ACK_OF(h_seq(p, *off)), NULL);
	assert_ptr_equal(ready_peer(h, all, 3), p);
	assert_null(tcprx_ready_next(h->rx));
	assert_int_equal(h_recv(h, p, NULL), 2 * H_MSS);
	assert_int_equal(h_dontneed(h, p, 2), 2);
}

/*
 * The delayed-ACK and readiness queues are arrays of twice max_conns
 * (tcprx_fifo.c). A delayed ACK armed at one segment and cancelled by the
 * next one's ACK leaves a hole; behind a timer not yet due the holes fill
 * the array, which is then compacted, moving the live entries forward.
 * With max_conns 3 (arrays of 8) and 20 such rounds: the timers still fire
 * on time and in order, and a moved entry is still cancelled by its
 * connection's ACK (no stray delayed ACK later, no other timer lost).
 */
static void test_queues_compact_behind_a_waiting_timer(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct h_peer p, q, r;
	struct h_peer *all[] = { &p, &q, &r };
	uint32_t off = 0;
	unsigned int i;

	h_config(h, &cfg);
	cfg.max_conns = 3;
	cfg.delack_us = 1000;
	h_restart(h, &cfg);
	h_peer_init(&p, false, 2, 40000, 0x3a000000);
	h_peer_init(&q, false, 3, 40001, 0x3b000000);
	h_peer_init(&r, false, 4, 40002, 0x3c000000);
	h_open(h, &p);
	h_open(h, &q);
	h_open(h, &r);
	/* q waits at the head, a hole, r waits, then p's holes until the array is compacted. */
	h_send_data(h, &q, 0, H_MSS);
	assert_ptr_equal(ready_peer(h, all, 3), &q);
	assert_int_equal(h_recv(h, &q, NULL), H_MSS);
	arm_and_cancel(h, &p, all, &off);
	h_send_data(h, &r, 0, H_MSS);
	assert_ptr_equal(ready_peer(h, all, 3), &r);
	assert_int_equal(h_recv(h, &r, NULL), H_MSS);
	for (i = 0; i < 20; i++)
		arm_and_cancel(h, &p, all, &off);
	/* r's second segment: ACKed at once, and its (moved) timer cancelled. */
	h_send_data(h, &r, H_MSS, H_MSS);
	h_expect(h, &r, H_ACK_OF(h_seq(&r, 2 * H_MSS)), NULL);
	/* p armed behind q: nothing before the delay, then q's ACK and p's, in that order. */
	h_send_data(h, &p, off, H_MSS);
	h_advance_us(h, 999);
	h_poll(h);
	h_expect_none(h);
	h_advance_us(h, 2);
	h_poll(h);
	h_expect(h, &q, H_ACK_OF(h_seq(&q, H_MSS)), NULL);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, off + H_MSS)), NULL);
	h_advance_us(h, 5000);
	h_poll(h);
	h_expect_none(h);
	assert_int_equal(h_cstats(&r).acks_out, 1);
	assert_int_equal(h_cstats(&q).acks_out, 1);
}

/*
 * The one-entry cache points at the connection the last frame went to.
 * Closed, and the same 4-tuple opened again: frames reach the new one (and
 * under ASan, nothing reads the freed one).
 */
static void test_lookup_cache_on_close_and_reuse(void **state)
{
	struct harness *h = *state;
	struct h_peer p, again;
	uint64_t before;

	h_peer_init(&p, false, 2, 40000, 0x3a000000);
	h_open(h, &p);
	h_send_data(h, &p, 0, 1000);
	assert_int_equal(h_recv(h, &p, NULL), 1000);
	h_drain(h);
	/* Aborted: the next segment of the old tuple finds no connection (RST). */
	assert_int_equal(tcprx_close(p.conn), 0);
	p.conn = NULL;
	h_poll(h);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST) }, NULL);
	h_send_data(h, &p, 1000, 1000);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST) }, NULL);
	/* The same tuple again, another ISN: its data, through the fast path. */
	h_peer_init(&again, false, 2, 40000, 0x5a000000);
	h_open(h, &again);
	before = fast_segs(h);
	h_send_data(h, &again, 0, 700);
	assert_int_equal(fast_segs(h) - before, 1);
	assert_int_equal(h_recv(h, &again, NULL), 700);
	assert_int_equal(h_cstats(&again).bytes_in_order, 700);
}

/* Two connections in turn: the cache follows, each frame reaches its own connection. */
static void test_lookup_cache_alternating(void **state)
{
	struct harness *h = *state;
	struct h_peer p, q;
	unsigned int i;

	h_peer_init(&p, false, 2, 40000, 0x3b000000);
	h_peer_init(&q, false, 2, 40001, 0x3c000000); /* same host, next port */
	h_open(h, &p);
	h_open(h, &q);
	for (i = 0; i < 6; i++) {
		struct h_seg s = h_data(&p, i * 100, 100), t = h_data(&q, i * 50, 50);

		h_queue(h, &p, &s);
		h_queue(h, &q, &t);
	}
	h_poll(h);
	h_drain(h);
	assert_int_equal(h_recv(h, &p, NULL), 600);
	assert_int_equal(h_recv(h, &q, NULL), 300);
}

/*
 * From TCPRX_PREFETCH_CONNS connections on, the poll looks two frames ahead
 * (bucket, then connection): a burst across many connections, one of them
 * closed and its tuple reused, still lands every byte where it belongs.
 */
static void test_lookahead_many_connections(void **state)
{
	struct harness *h = *state;
	enum { N = 300 };
	struct h_peer *p = calloc(N, sizeof(*p));
	struct tcprx_config cfg;
	unsigned int i, round;

	assert_non_null(p);
	h_config(h, &cfg);
	cfg.max_conns = 512;
	cfg.max_half_open = 512;
	cfg.rcv_chunks = 8;
	h_restart(h, &cfg);
	for (i = 0; i < N; i++) {
		h_peer_init(&p[i], false, (uint8_t)(2 + i % 200), (uint16_t)(41000 + i),
			    0x60000000u + i * 0x10000u);
		h_open(h, &p[i]);
	}
	assert_true(h_stats(h).conns >= 256);
	/* Connection 7 closed and its tuple opened again: the lookahead finds the new one. */
	assert_int_equal(tcprx_close(p[7].conn), 0);
	h_poll(h);
	h_drain(h);
	h_peer_init(&p[7], false, 2 + 7, 41007, 0x7f000000);
	h_open(h, &p[7]);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < N; i++) {
			struct h_seg s = h_data(&p[i], round * 100, 100);

			h_queue(h, &p[i], &s);
			if (h->rx_count == 64 || i == N - 1) {
				h_poll(h);
				h_drain(h);
			}
		}
	}
	for (i = 0; i < N; i++)
		assert_int_equal(h_recv(h, &p[i], NULL), 200);
	free(p);
}

/*
 * Tokens returned, then the connection closed before the poll looks at the
 * return: nothing of it is left for the poll (ASan), and another
 * connection's return still reopens its window.
 */
static void test_return_then_close_before_poll(void **state)
{
	struct harness *h = *state;
	struct h_peer p, q;
	struct h_frame f;
	unsigned int i;

	h_restart_with(h, 8, 1000);
	h_peer_init(&p, false, 2, 40000, 0x3d000000);
	h_peer_init(&q, false, 3, 40001, 0x3e000000);
	h_open(h, &p);
	h_open(h, &q);
	for (i = 0; i < 8; i++) {
		h_send_data(h, &p, i * H_MSS, H_MSS);
		h_send_data(h, &q, i * H_MSS, H_MSS);
	}
	h_advance_ms(h, 2);
	h_drain(h);
	assert_int_equal(h_recv(h, &p, NULL), 8 * H_MSS);
	assert_int_equal(h_recv(h, &q, NULL), 8 * H_MSS);
	assert_int_equal(h_info(&q).rcv_wnd, 0);
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 8);
	assert_int_equal(h_dontneed(h, &q, UINT32_MAX), 8);
	assert_int_equal(tcprx_close(p.conn), 0);
	p.conn = NULL;
	h_poll(h);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST) }, NULL);
	h_expect(h, &q, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&q, 8 * H_MSS)) },
		 &f);
	assert_true(f.win > 0);
	assert_int_equal(h_cstats(&q).window_updates, 1);
}

/*
 * tcprx_recv lends the in-order ring out in place, one run up to the ring's
 * end and the rest from its start: a call across the end returns every
 * fragment in stream order with its own TSval, and the tokens come back.
 */
static void test_recv_across_the_ring_end(void **state)
{
	struct harness *h = *state;
	struct devmem_frag frags[16];
	struct tcprx_tsval ts[16];
	struct devmem_token_range r;
	uint64_t delivered;
	struct h_peer p;
	unsigned int round, i, off = 0;

	h_peer_init(&p, false, 2, 40002, 0x51000000);
	p.ts = true;
	h_open(h, &p);
	/* 15 rounds of 8 segments: the ring's head (128 slots here) ends up at 120. */
	for (round = 0; round < 15; round++) {
		for (i = 0; i < 8; i++, off += 100)
			h_send_data(h, &p, off, 100);
		h_settle(h, &p, NULL);
		assert_int_equal(h_recv(h, &p, NULL), 800);
		assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 8);
	}
	for (i = 0; i < 16; i++, off += 100) {
		p.tsval = 5000 + i;
		h_send_data(h, &p, off, 100);
	}
	h_settle(h, &p, NULL);
	delivered = h_cstats(&p).bytes_delivered;
	assert_int_equal(tcprx_recv_tsval(p.conn, frags, ts, 16), 16);
	for (i = 0; i < 16; i++) {
		assert_int_equal(frags[i].frag_size, 100);
		assert_true(ts[i].present);
		assert_int_equal(ts[i].val, 5000 + i);
		if (i > 0)
			assert_int_equal(frags[i].frag_token, frags[i - 1].frag_token + 1);
	}
	assert_int_equal(h_cstats(&p).bytes_delivered - delivered, 1600);
	assert_int_equal(tcprx_recv(p.conn, frags, 16), -EAGAIN);
	r = (struct devmem_token_range){ frags[0].frag_token, 16 };
	assert_int_equal(tcprx_dontneed(p.conn, &r, 1), 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_in_order_taken_by_prediction, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_unpredicted_segments_go_the_long_way, h_setup,
						h_teardown),
		cmocka_unit_test_setup_teardown(test_one_ack_per_burst, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_reset_cancels_deferred_ack, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_ack_template_options_change, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_ack_template_vlan_no_ts, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_ready_list, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_ready_at_accept, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_queues_compact_behind_a_waiting_timer, h_setup,
						h_teardown),
		cmocka_unit_test_setup_teardown(test_lookup_cache_on_close_and_reuse, h_setup,
						h_teardown),
		cmocka_unit_test_setup_teardown(test_lookup_cache_alternating, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_lookahead_many_connections, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_return_then_close_before_poll, h_setup,
						h_teardown),
		cmocka_unit_test_setup_teardown(test_recv_across_the_ring_end, h_setup, h_teardown),
	};

	if (h_eal_init("test_tcprx_fast") < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
