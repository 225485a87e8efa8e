/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scripts for ACK generation and the receive window: an ACK for at least
 * every second full-sized segment (one per receive burst: doc/tcprx.md) and
 * within the delayed-ACK bound (RFC 5681 §4.2, RFC 9293 MUST-40), zero-window probes answered, the window derived
 * from the payload chunks a connection may still hold (an app holding tokens
 * closes it, tcprx_dontneed reopens it with a window update), the right edge
 * never moving left (RFC 9293 §3.8.6), segments arriving while the
 * payload pool is empty (LINEAR copies, still delivered in order), small
 * segments held to the chunk budget (refused beyond it, out-of-order records
 * never blocking the hole's fill), and a sender with a small MSS (window and
 * ACK cadence counted in its full-sized segments).
 */
#include <errno.h>
#include <pthread.h>

#include "harness.h"

/* Sequence numbers of ACKs out so far, all checked as ACKs to p; returns how many. */
static unsigned int collect_acks(struct harness *h, struct h_peer *p, uint32_t *acks, unsigned int max)
{
	unsigned int n = 0;
	struct h_frame f;

	while (h_tx_pending(h) > 0) {
		h_expect(h, p, &(struct h_match){ .flags = H_IS(H_ACK) }, &f);
		assert_true(n < max);
		acks[n++] = f.ack;
	}
	return n;
}

static void test_ack_every_second_full_segment(void **state)
{
	struct harness *h = *state;
	uint32_t acks[32], prev;
	struct h_peer p;
	unsigned int i, n;

	/* A delayed-ACK bound far away: every ACK seen here is owed to the segment count. */
	h_restart_with(h, 64, 200000);
	h_peer_init(&p, false, 2, 40000, 0x11000000);
	h_open(h, &p);
	/* One full-sized segment per poll: ACKed by the second one at the latest. */
	for (i = 0; i < 6; i += 2) {
		h_send_data(h, &p, i * H_MSS, H_MSS);
		h_send_data(h, &p, (i + 1) * H_MSS, H_MSS);
		n = collect_acks(h, &p, acks, 32);
		assert_true(n >= 1 && n <= 2);
		assert_int_equal(acks[n - 1], h_seq(&p, (i + 2) * H_MSS));
	}
	/*
	 * Ten in one burst: one ACK for the burst, once it is all in (as Linux
	 * acknowledges what GRO merged), not one per two segments.
	 */
	for (i = 6; i < 16; i++) {
		struct h_seg s = h_data(&p, i * H_MSS, H_MSS);

		h_queue(h, &p, &s);
	}
	h_poll(h);
	n = collect_acks(h, &p, acks, 32);
	assert_int_equal(n, 1);
	prev = acks[0];
	assert_int_equal(prev, h_seq(&p, 16 * H_MSS));
	assert_int_equal(h_recv(h, &p, NULL), 16 * H_MSS);
}

/* A lone small segment must be ACKed within the bound; returns the delay seen (ms). */
static int64_t delay_of_ack(struct harness *h, struct h_peer *p, uint32_t off, uint32_t len,
			    uint64_t bound_ms)
{
	int64_t waited;

	h_send_data(h, p, off, len);
	waited = h_wait_frame_ms(h, bound_ms + 1);
	if (waited < 0)
		H_FAIL("no ACK within %llu ms of a segment", (unsigned long long)bound_ms + 1);
	h_expect(h, p, H_ACK_OF(h_seq(p, off + len)), NULL);
	return waited;
}

static void test_delayed_ack_bound(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct h_peer p;
	uint32_t off = 0;
	int i, rc;

	h_restart_with(h, 64, 5000);
	h_peer_init(&p, false, 2, 40000, 0x12000000);
	h_open(h, &p);
	for (i = 0; i < 4; i++, off += 100)
		assert_true(delay_of_ack(h, &p, off, 100, 5) <= 6);
	/* The bound may not exceed 500 ms (MUST-40): refused, or honoured at 500 ms at most. */
	h_config(h, &cfg);
	cfg.delack_us = 600000;
	tcprx_destroy(h->rx);
	h->rx = NULL;
	h_drain(h); /* the RST that aborted p */
	rc = tcprx_create(&cfg, &h->rx);
	if (rc == 0) {
		tcprx_destroy(h->rx);
		h->rx = NULL;
		TEST_NOTE("delack_us 600000 accepted: checking it is clamped to 500 ms");
	} else {
		assert_int_equal(rc, -EINVAL);
		cfg.delack_us = 500000;
	}
	h_start(h, &cfg);
	h_peer_init(&p, false, 3, 40001, 0x12100000);
	h_open(h, &p);
	for (i = 0, off = 0; i < 3; i++, off += 10)
		assert_true(delay_of_ack(h, &p, off, 10, 500) <= 501);
}

/* Full segments in order while the advertised window allows, the app holding every token. */
static uint32_t fill_window(struct harness *h, struct h_peer *p, uint32_t *off)
{
	uint32_t n = 0;

	while (h_info(p).rcv_wnd >= H_MSS) {
		h_send_data(h, p, *off, H_MSS);
		*off += H_MSS;
		n++;
		assert_true(h_recv(h, p, NULL) > 0);
		assert_true(n <= 256);
	}
	h_settle(h, p, NULL);
	return n;
}

static void test_zero_window_probes_answered(void **state)
{
	struct harness *h = *state;
	struct h_frame f;
	struct h_peer p;
	uint32_t off = 0, nxt;
	struct h_seg s;

	h_restart_with(h, 4, 0);
	h_peer_init(&p, false, 2, 40000, 0x13000000);
	h_open(h, &p);
	fill_window(h, &p, &off);
	assert_int_equal(h_info(&p).rcv_wnd, 0);
	nxt = h_seq(&p, off);
	/* Linux probes with SEQ = SND.UNA - 1 and no data; others send one byte. */
	s = h_ctl(&p, H_ACK, off);
	s.seq = nxt - 1;
	h_send(h, &p, &s);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(nxt), .win = H_IS(0) }, NULL);
	h_send_data(h, &p, off, 1);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(nxt), .win = H_IS(0) }, NULL);
	assert_int_equal(h_cstats(&p).window_probes, 2);
	assert_true(h_cstats(&p).zero_windows >= 1);
	/* Tokens back: the window reopens with an unsolicited update, and the probe byte gets in. */
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 4);
	h_poll(h);
	h_expect(h, &p, H_ACK_OF(nxt), &f);
	assert_true(f.win >= H_MSS);
	assert_int_equal(h_cstats(&p).window_updates, 1);
	h_send_data(h, &p, off, 1);
	h_settle(h, &p, NULL);
	assert_int_equal(h_info(&p).rcv_nxt, nxt + 1);
}

static void test_fin_accepted_at_zero_window(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	uint32_t off = 0;
	struct h_seg s;
	int rc;

	h_restart_with(h, 4, 0);
	h_peer_init(&p, false, 2, 40000, 0x14000000);
	h_open(h, &p);
	fill_window(h, &p, &off);
	s = h_ctl(&p, H_FIN | H_ACK, off);
	h_send(h, &p, &s);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, off) + 1), NULL);
	assert_int_equal(h_info(&p).state, TCPRX_CLOSE_WAIT);
	assert_int_equal(h_recv(h, &p, &rc), 0);
	assert_int_equal(rc, 0);
}

struct dontneed_job {
	struct harness *h;
	struct h_peer *p;
	int freed;
};

static void *dontneed_thread(void *arg)
{
	struct dontneed_job *job = arg;

	job->freed = h_dontneed(job->h, job->p, UINT32_MAX);
	return NULL;
}

static void test_window_from_chunks_and_dontneed(void **state)
{
	struct harness *h = *state;
	struct dontneed_job job;
	struct tcprx_conn_info info;
	struct tcprx_conn_stats cs;
	pthread_t thread;
	struct h_frame f;
	struct h_peer p;
	uint32_t off = 0, n;

	h_restart_with(h, 8, 0);
	h_peer_init(&p, false, 2, 40000, 0x15000000);
	h_open(h, &p);
	/* The window never promises more segments than chunks the connection may hold. */
	assert_true(h_info(&p).rcv_wnd <= 8u * H_MSS);
	n = fill_window(h, &p, &off);
	assert_int_equal(n, 8);
	info = h_info(&p);
	assert_int_equal(info.rcv_wnd, 0);
	assert_int_equal(info.tokens_held, 8);
	assert_int_equal(info.chunks_held, 8);
	cs = h_cstats(&p);
	assert_int_equal(cs.chunk_overrun, 0);
	assert_int_equal(cs.tokens_granted, 8);
	assert_true(cs.zero_windows >= 1);
	/* More data now is dropped (and ACKed), not lost: the sender keeps it. */
	h_send_data(h, &p, off, H_MSS);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&p, off)), .win = H_IS(0) },
		 NULL);
	/* Tokens come back from another thread; the next poll advertises the reopened window. */
	job = (struct dontneed_job){ .h = h, .p = &p };
	assert_int_equal(pthread_create(&thread, NULL, dontneed_thread, &job), 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(job.freed, 8);
	h_poll(h);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, off)), &f);
	assert_true(f.win >= H_MSS);
	info = h_info(&p);
	assert_int_equal(info.tokens_held, 0);
	assert_int_equal(info.chunks_held, 0);
	cs = h_cstats(&p);
	assert_int_equal(cs.window_updates, 1);
	assert_int_equal(cs.tokens_returned, 8);
	/* The transfer resumes. */
	h_send_data(h, &p, off, H_MSS);
	h_settle(h, &p, NULL);
	assert_int_equal(h_recv(h, &p, NULL), H_MSS);
}

/* A deterministic pseudo-random sequence (an LCG), so a failure replays. */
static uint32_t next_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 16;
}

static void test_right_edge_never_moves_left(void **state)
{
	struct harness *h = *state;
	uint32_t rnd = 42, step, room, off;
	struct tcprx_config cfg;
	struct h_peer p;
	int i;

	/* A coarse scale on purpose: every ACK rounds the window up to 128 bytes. */
	h_config(h, &cfg);
	cfg.rcv_chunks = 16;
	cfg.delack_us = 0;
	cfg.wscale = 7;
	h_restart(h, &cfg);
	h_peer_init(&p, false, 2, 40000, 0x16000000);
	p.ws = 2;
	p.sack = true;
	h_open(h, &p);
	assert_int_equal(p.rcv_wscale, 7);
	/* A sender within the window, out of order now and then; an app slow to return tokens. */
	for (i = 0; i < 400; i++) {
		uint32_t acked = h_info(&p).rcv_nxt - h_seq(&p, 0);

		room = p.edge - h_seq(&p, 0) - acked;
		step = 1 + next_rand(&rnd) % H_MSS;
		off = acked;
		if (next_rand(&rnd) % 4 == 0 && room > H_MSS)
			off = acked + 1 + next_rand(&rnd) % (room - H_MSS); /* ahead of a gap */
		if (room > 0 && off - acked < room) {
			step = RTE_MIN(step, room - (off - acked));
			h_send_data(h, &p, off, step);
		}
		if (next_rand(&rnd) % 3 == 0)
			h_recv(h, &p, NULL);
		if (next_rand(&rnd) % 5 == 0)
			h_dontneed(h, &p, 1 + next_rand(&rnd) % 4);
		if (next_rand(&rnd) % 7 == 0)
			h_advance_ms(h, 2);
		h_acks(h, &p, NULL); /* each checked: the edge never moves left */
	}
	h_recv(h, &p, NULL);
	assert_int_equal(p.rcv_next, h_info(&p).rcv_nxt);
	/* Small segments cost a chunk each: in-window data beyond the chunks is kept, and counted. */
	TEST_NOTE("%llu bytes delivered, %llu segments out of order, %llu beyond the chunks",
		  (unsigned long long)p.bytes, (unsigned long long)h_cstats(&p).segs_ooo,
		  (unsigned long long)h_cstats(&p).chunk_overrun);
	assert_true(p.bytes > 16u * H_MSS);
}

static void test_pool_empty_linear_in_order(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	uint32_t i;
	int rc;

	h_peer_init(&p, false, 2, 40000, 0x17000000);
	p.sack = true;
	h_open(h, &p);
	h_send_data(h, &p, 0, 1000);
	/* No device buffer left: the device copies frames LINEAR (to host memory). */
	h_pool_drain(h);
	h_send_data(h, &p, 3000, 1000);
	h_send_data(h, &p, 1000, 1000);
	h_send_data(h, &p, 2000, 1000);
	h_pool_refill(h);
	h_send_data(h, &p, 4000, 1000);
	h_settle(h, &p, NULL);
	assert_int_equal(h_recv(h, &p, &rc), 5000);
	assert_int_equal(rc, -EAGAIN);
	/* In order, each fragment flagged by where its bytes are. */
	assert_int_equal(p.nb_frags, 5);
	for (i = 0; i < 5; i++) {
		bool linear = i >= 1 && i <= 3;

		assert_int_equal(p.frags[i].seq, h_seq(&p, i * 1000));
		assert_int_equal(!!(p.frags[i].f.flags & DEVMEM_FRAG_LINEAR), linear);
	}
	assert_int_equal(p.linear_frags, 3);
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 5);
}

static void test_small_segments_within_budget(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct h_frame f;
	struct h_peer p;
	uint32_t edge, i;

	/* 4 chunks; every 10-byte segment pins one, however small. */
	h_config(h, &cfg);
	cfg.rcv_chunks = 4;
	h_restart(h, &cfg);
	h_peer_init(&p, false, 2, 40000, 0x19000000);
	p.mss = 100;
	p.sack = true;
	h_open(h, &p);
	/*
	 * The first window promised 4 chunks of 100 bytes; a sender of 10-byte
	 * segments could fit 40 of them in it. Four are kept, one more in
	 * order (the slack), the rest refused, in order or not.
	 */
	for (i = 0; i < 14; i++)
		h_send_data(h, &p, i * 10, 10);
	h_settle(h, &p, NULL);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 50));
	assert_int_equal(h_info(&p).chunks_held, 5);
	assert_int_equal(h_cstats(&p).chunk_overrun, 1);
	assert_int_equal(h_cstats(&p).budget_drops, 9);
	h_send_data(h, &p, 100, 10);
	h_expect_sack(h, &p, 50, 0, NULL); /* refused before it is SACKed */
	assert_int_equal(h_cstats(&p).budget_drops, 10);
	/* What is left of the promise, in one segment to the right edge: taken, the window closes. */
	edge = p.edge - h_seq(&p, 0);
	assert_true(edge > 60 && edge < 1000);
	h_send_data(h, &p, 50, edge - 50);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&p, edge)),
					  .win = H_IS(0) }, &f);
	assert_int_equal(h_info(&p).chunks_held, 6); /* rcv_chunks + 2: the bound */
	assert_int_equal(h_cstats(&p).chunk_overrun, 2);
	/* The app reads and returns: the window reopens. */
	assert_int_equal(h_recv(h, &p, NULL), edge);
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 6);
	h_poll(h);
	h_acks(h, &p, NULL);
	/*
	 * Out-of-order records can take the whole budget, but never against
	 * the segment that releases them: the hole at `edge` is filled.
	 */
	for (i = 1; i < 5; i++) {
		h_send_data(h, &p, edge + i * 10, 10);
		h_acks(h, &p, NULL);
	}
	assert_int_equal(h_info(&p).chunks_held, 4);
	h_send_data(h, &p, edge, 10);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&p, edge + 50)),
					  .nb_sack = H_IS(0) }, NULL);
	assert_int_equal(h_recv(h, &p, NULL), 50);
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 5);
	assert_int_equal(h_info(&p).chunks_held, 0);
	assert_int_equal(p.bytes, edge + 50);
}

/* A peer offering MSS 536 (with or without timestamps): window and ACK cadence in its segments. */
static void check_small_peer_mss(struct harness *h, struct h_peer *p, uint32_t full)
{
	struct h_frame synack, f;
	struct h_seg s;
	uint32_t i;

	h_syn(h, p, &synack);
	assert_int_equal(synack.mss, H_MSS); /* ours is still 1460 */
	/* The window promises 32 chunks of the sender's full-sized segment, not of ours. */
	assert_int_equal(synack.win, 32 * full);
	s = h_ctl(p, H_ACK, 0);
	h_send(h, p, &s);
	h_expect_none(h);
	p->conn = tcprx_accept(h->rx);
	assert_non_null(p->conn);
	assert_int_equal(h_info(p).peer_mss, 536);
	assert_int_equal(h_info(p).rcv_wnd, 32 * full);
	/* Every second full-sized segment is ACKed at once (delayed ACKs are 200 ms away). */
	for (i = 0; i < 8; i += 2) {
		h_send_data(h, p, i * full, full);
		h_expect_none(h);
		h_send_data(h, p, (i + 1) * full, full);
		h_expect(h, p, H_ACK_OF(h_seq(p, (i + 2) * full)), &f);
		/* Held unread, each segment costs one chunk: the window shrinks by one full segment each. */
		assert_int_equal(f.win, (32 - (i + 2)) * full);
	}
	assert_int_equal(h_recv(h, p, NULL), 8 * full);
	assert_int_equal(h_dontneed(h, p, UINT32_MAX), 8);
}

static void test_full_segment_from_peer_mss(void **state)
{
	struct harness *h = *state;
	struct h_peer p, q;

	h_restart_with(h, 32, 200000);
	h_peer_init(&p, false, 2, 40000, 0x1a000000);
	p.mss = 536;
	check_small_peer_mss(h, &p, 536);
	/* With timestamps every segment carries 12 option bytes: 524 bytes of data. */
	h_peer_init(&q, false, 3, 40001, 0x1b000000);
	q.mss = 536;
	q.ts = true;
	check_small_peer_mss(h, &q, 536 - 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ack_every_second_full_segment, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_delayed_ack_bound, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_probes_answered, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_fin_accepted_at_zero_window, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_window_from_chunks_and_dontneed, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_right_edge_never_moves_left, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_pool_empty_linear_in_order, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_small_segments_within_budget, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_full_segment_from_peer_mss, h_setup, h_teardown),
	};
	int ret;

	if (h_eal_init("test_tcprx_window") < 0) {
		fprintf(stderr, "test_tcprx_window: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
