/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile and unusual peers (issue 13): a peer MSS below the TS option
 * (clamped, the window stays sane), the chunk budget held whatever the
 * segment size, MSS and options (the offered window follows what the
 * sender's pieces carry; in-window data beyond the budget is refused), and
 * PAWS on a reordering wire (an original sent just before the retransmission
 * that raised TS.Recent is kept; a genuinely old duplicate is not).
 */
#include <errno.h>

#include "harness.h"

/* The SYN-ACK to a SYN offering <mss 8, sackOK, TS, wscale 7> with 64 chunks. */
static void test_tiny_peer_mss_clamped(void **state)
{
	struct harness *h = *state;
	struct h_frame synack, f;
	struct h_peer p;
	struct h_seg s;

	h_restart_with(h, 64, 0);
	h_peer_init(&p, false, 2, 40000, 0x21000000);
	p.mss = 8;
	p.sack = true;
	p.ts = true;
	p.ws = 7;
	h_syn(h, &p, &synack);
	/* MSS clamped to 88 (as Linux's TCP_MIN_MSS), less 12 TS bytes: 76 a chunk. */
	assert_int_equal(synack.win, 64 * (88 - 12));
	s = h_ctl(&p, H_ACK, 0);
	h_send(h, &p, &s);
	p.conn = tcprx_accept(h->rx);
	assert_non_null(p.conn);
	assert_int_equal(h_info(&p).rcv_wnd, 64 * (88 - 12));
	/* What the peer really sends (8-byte segments) sets the window from here. */
	h_send_data(h, &p, 0, 8);
	h_send_data(h, &p, 8, 8);
	assert_true(h_settle(h, &p, &f) >= 1);
	assert_int_equal(f.ack, h_seq(&p, 16));
	assert_true(h_wnd(&f, p.rcv_wscale) <= 64u * 76);
	assert_int_equal(h_recv(h, &p, NULL), 16);
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 2);
}

/*
 * By default the scale we offer is the smallest that expresses rcv_chunks
 * segments of our MSS (1460 here): a coarser one only rounds every ACK's
 * window further past what the chunks hold.
 */
static void test_window_scale_fitted(void **state)
{
	static const struct { uint32_t chunks; uint8_t shift; } cases[] = {
		{ 16, 0 }, { 44, 0 }, { 45, 1 }, { 64, 1 }, { 256, 3 }, { 65536, 11 },
	};
	struct harness *h = *state;
	struct h_frame synack;
	struct h_peer p;
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		h_restart_with(h, cases[i].chunks, 0);
		h_peer_init(&p, false, 2, 40000, 0x20000000);
		p.ws = 7;
		h_syn(h, &p, &synack);
		assert_true(synack.has_ws);
		if (synack.ws != cases[i].shift)
			H_FAIL("rcv_chunks %u: window scale %u, expected %u", cases[i].chunks, synack.ws,
			       cases[i].shift);
	}
}

/* A deterministic pseudo-random sequence (an LCG), so a failure replays. */
static uint32_t next_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 16;
}

struct budget_totals {
	unsigned int cases;
	uint64_t segs, bytes, overrun, drops, max_held;
};

#define BUDGET_CHUNKS 16u

/*
 * Held chunks and tokens never above the budget plus two: the slack chunk
 * for in-order data and the segment that fills the window to its edge.
 */
static void check_budget(const struct h_peer *p, struct budget_totals *t)
{
	struct tcprx_conn_info info = h_info(p);

	if (info.chunks_held > BUDGET_CHUNKS + 2 || info.tokens_held > BUDGET_CHUNKS + 2)
		H_FAIL("peer mss %u ts %d: %u chunks and %u tokens held, budget %u + 2", p->mss, p->ts,
		       info.chunks_held, info.tokens_held, BUDGET_CHUNKS);
	if (info.chunks_held > t->max_held)
		t->max_held = info.chunks_held;
}

/*
 * One round of a sender with segments of `size` bytes (0: random sizes
 * 1..full) from the ACK point to the window's right edge, the first one
 * held back and sent last (a hole), while the application reads everything
 * but returns no token. At most 4 x the budget segments a round.
 */
static void budget_round(struct harness *h, struct h_peer *p, uint32_t size, uint32_t full,
			 uint32_t *rnd, struct budget_totals *t)
{
	uint32_t start = h_info(p).rcv_nxt - h_seq(p, 0), off = start, first = 0, n;

	for (n = 0; n < 4 * BUDGET_CHUNKS; n++) {
		uint32_t len = size ? size : 1 + next_rand(rnd) % full;
		uint32_t edge = p->edge - h_seq(p, 0);

		if ((int32_t)(edge - off) <= 0)
			break;
		len = RTE_MIN(len, edge - off);
		if (n == 0)
			first = len; /* the hole */
		else
			h_send_data(h, p, off, len);
		off += len;
		t->segs++;
		h_recv(h, p, NULL);
		h_acks(h, p, NULL);
		check_budget(p, t);
	}
	if (first) {
		h_send_data(h, p, start, first);
		h_recv(h, p, NULL);
		h_acks(h, p, NULL);
		check_budget(p, t);
	}
	h_settle(h, p, NULL);
	h_recv(h, p, NULL);
	check_budget(p, t);
	/* The application catches up; the sender goes back to the ACK point for what was refused. */
	for (n = 0; h_info(p).rcv_nxt != h_seq(p, off); n++) {
		uint32_t at = h_info(p).rcv_nxt - h_seq(p, 0);

		assert_true(n < 64 * BUDGET_CHUNKS);
		h_dontneed(h, p, UINT32_MAX);
		h_poll(h);
		h_acks(h, p, NULL);
		h_send_data(h, p, at, RTE_MIN(full, off - at));
		h_recv(h, p, NULL);
		h_acks(h, p, NULL);
		check_budget(p, t);
	}
	h_dontneed(h, p, UINT32_MAX);
	h_settle(h, p, NULL);
	assert_int_equal(h_info(p).chunks_held, 0);
}

static void budget_case(struct harness *h, uint16_t mss, bool ts, uint32_t size, uint8_t host,
			struct budget_totals *t)
{
	uint32_t full = RTE_MIN(RTE_MAX(mss, 88u), (uint32_t)H_MSS) - (ts ? 12 : 0), rnd = host;
	struct tcprx_conn_stats cs;
	struct h_peer p;
	int round;

	h_peer_init(&p, false, host, (uint16_t)(41000 + host), 0x22000000u + host * 0x10000u);
	p.mss = mss;
	p.ts = ts;
	p.sack = true;
	p.ws = 7;
	h_open(h, &p);
	for (round = 0; round < 3; round++)
		budget_round(h, &p, size ? RTE_MIN(size, full) : 0, full, &rnd, t);
	/* Every byte the ACKs covered reached the application, verified in place. */
	assert_int_equal(p.rcv_next, h_info(&p).rcv_nxt);
	cs = h_cstats(&p);
	t->bytes += p.bytes;
	t->overrun += cs.chunk_overrun;
	t->drops += cs.budget_drops;
	t->cases++;
	assert_true(p.bytes > 0);
	assert_int_equal(tcprx_close(p.conn), 0);
	h_poll(h); /* flushes the RST */
	h_drain(h);
	h->nb_placed = 0; /* every placement was checked; the next peer starts afresh */
}

static void test_chunk_budget_any_segment_size(void **state)
{
	static const uint16_t mss[] = { 8, 12, 13, 48, 88, 100, 536, 1460 };
	struct harness *h = *state;
	struct budget_totals t = { 0 };
	struct tcprx_config cfg;
	uint8_t host = 2;
	unsigned int i;
	int ts;

	h_config(h, &cfg);
	cfg.rcv_chunks = BUDGET_CHUNKS;
	cfg.max_conns = 256;
	h_restart(h, &cfg);
	for (i = 0; i < RTE_DIM(mss); i++) {
		for (ts = 0; ts <= 1; ts++) {
			uint32_t full = RTE_MIN(RTE_MAX(mss[i], 88u), (uint32_t)H_MSS) - (ts ? 12 : 0);
			const uint32_t sizes[] = { 1, 7, 100, full, 0 };
			unsigned int k;

			for (k = 0; k < RTE_DIM(sizes); k++)
				budget_case(h, mss[i], ts, sizes[k], host++, &t);
		}
	}
	TEST_NOTE("%u connections, %llu segments, %llu bytes verified: at most %llu chunks held "
		  "(budget %u), %llu kept in the slack, %llu refused",
		  t.cases, (unsigned long long)t.segs, (unsigned long long)t.bytes,
		  (unsigned long long)t.max_held, BUDGET_CHUNKS, (unsigned long long)t.overrun,
		  (unsigned long long)t.drops);
}

/* A data segment at stream offset off with this TSval. */
static void send_ts(struct harness *h, struct h_peer *p, uint32_t off, uint32_t len, uint32_t tsval)
{
	struct h_seg s = h_data(p, off, len);

	s.ts_set = true;
	s.tsval = tsval;
	s.tsecr = p->ts_recent;
	h_send(h, p, &s);
}

/* A timestamping peer connects and its first 1000 bytes (TSval 100) are ACKed. */
static void open_ts_stream(struct harness *h, struct h_peer *p, uint32_t isn)
{
	h_peer_init(p, false, 2, 40000, isn);
	p->ts = true;
	p->tsval = 100;
	h_open(h, p);
	send_ts(h, p, 0, 1000, 100);
	h_settle(h, p, NULL);
}

/*
 * Segments 0..3 of 1000 bytes, sent at TSvals 100..103. Segment 1 is lost;
 * 2 is delayed by the wire, 3 arrives. The retransmission of 1 (TSval 110)
 * fills the hole up to 2 and raises TS.Recent to 110; then the original of
 * 2 (TSval 102) arrives: new, in-window data, older than TS.Recent only
 * because of the reordering. No SACK, as the lwIP sender in the issue.
 */
static void test_paws_tolerates_reordering(void **state)
{
	struct harness *h = *state;
	struct tcprx_conn_stats cs;
	struct h_peer p;

	open_ts_stream(h, &p, 0x23000000);
	send_ts(h, &p, 3000, 1000, 103);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 1000)), NULL);
	send_ts(h, &p, 1000, 1000, 110);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&p, 2000)),
					  .tsecr = H_IS(110) }, NULL);
	send_ts(h, &p, 2000, 1000, 102);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 4000)), NULL);
	cs = h_cstats(&p);
	assert_int_equal(cs.segs_paws, 0);
	assert_int_equal(cs.paws_reordered, 1);
	assert_int_equal(h_recv(h, &p, NULL), 4000);
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 4);
}

/*
 * RFC 7323 §5: a segment whose TSval is older than anything the connection
 * accepted (a duplicate from before a sequence wrap) is dropped and ACKed;
 * so is one within the reordering tolerance once the stream has moved on
 * by TCPRX_PAWS_REORDER_BYTES (1 MiB).
 */
static void test_paws_rejects_old_duplicates(void **state)
{
	struct harness *h = *state;
	struct tcprx_conn_stats cs;
	struct h_peer p;
	uint32_t off;

	h_restart_with(h, 64, 0);
	open_ts_stream(h, &p, 0x24000000);
	send_ts(h, &p, 1000, 1000, 105);
	h_settle(h, &p, NULL);
	/* Older than TS.Recent (105) and than the value it replaced (100): old. */
	send_ts(h, &p, 2000, 1000, 99);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&p, 2000)),
					  .tsecr = H_IS(105) }, NULL);
	cs = h_cstats(&p);
	assert_int_equal(cs.segs_paws, 1);
	assert_int_equal(cs.paws_reordered, 0);
	/* Within the tolerance right after the raise... */
	off = 2000;
	send_ts(h, &p, off, 1000, 101);
	off += 1000;
	h_settle(h, &p, NULL);
	assert_int_equal(h_cstats(&p).paws_reordered, 1);
	/* ...but not after 1 MiB more of the stream at the same TSval (no raise since). */
	while (off < 2000 + (1u << 20) + 1000) {
		send_ts(h, &p, off, 1000, 105);
		off += 1000;
		h_recv(h, &p, NULL);
		h_dontneed(h, &p, UINT32_MAX);
		h_acks(h, &p, NULL);
	}
	h_settle(h, &p, NULL);
	send_ts(h, &p, off, 1000, 101);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, off)), NULL);
	cs = h_cstats(&p);
	assert_int_equal(cs.segs_paws, 2);
	assert_int_equal(cs.paws_reordered, 1);
	h_recv(h, &p, NULL);
	assert_int_equal(p.rcv_next, h_seq(&p, off));
	h_dontneed(h, &p, UINT32_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tiny_peer_mss_clamped, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_window_scale_fitted, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_chunk_budget_any_segment_size, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_paws_tolerates_reordering, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_paws_rejects_old_duplicates, h_setup, h_teardown),
	};
	int ret;

	if (h_eal_init("test_tcprx_robust") < 0) {
		fprintf(stderr, "test_tcprx_robust: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
