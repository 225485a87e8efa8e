/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scripts for the sequence-space rules in synchronized states: the RFC 9293
 * §3.10.7.4 acceptability test (four cases) with an ACK for unacceptable
 * segments, PAWS (RFC 7323 §5), RFC 5961 challenge ACKs for RST and SYN and
 * exact-RCV.NXT resets, out-of-order reassembly by reference with SACK
 * blocks newest first (RFC 2018 §4), immediate ACKs for out-of-order and
 * gap-filling data (RFC 5681 §4.2), sequence wrap-around, overlapping and
 * duplicate segments, the RFC 5961 §5.2 ACK range, the rate limits on
 * invalid-segment and challenge ACKs (RFC 5961 §7), and out-of-order
 * records running out (dropped before they are SACKed, then retransmitted).
 */
#include <errno.h>

#include <rte_mempool.h>

#include "harness.h"

static void send_ctl(struct harness *h, struct h_peer *p, uint8_t flags, uint32_t seq)
{
	struct h_seg s = h_ctl(p, flags, 0);

	s.seq = seq;
	h_send(h, p, &s);
}

/* LEN = 0 and LEN > 0 against a window > 0 (cases 2 and 4). */
static void test_acceptability_open_window(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	uint32_t nxt, wnd;

	h_peer_init(&p, false, 2, 40000, 0x01000000);
	h_open(h, &p);
	nxt = h_seq(&p, 0);
	wnd = h_info(&p).rcv_wnd;
	assert_true(wnd >= 2 * H_MSS);
	/* Case 2: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND is acceptable: nothing to answer. */
	send_ctl(h, &p, H_ACK, nxt + wnd - 1);
	h_expect_none(h);
	/* Beyond the window and just below RCV.NXT (a keep-alive): ACK and drop. */
	send_ctl(h, &p, H_ACK, nxt + wnd);
	h_expect(h, &p, H_ACK_OF(nxt), NULL);
	/* A second dataless invalid segment within 500 ms: counted, not ACKed (RFC 5961 §7). */
	send_ctl(h, &p, H_ACK, nxt - 1);
	h_expect_none(h);
	assert_int_equal(h_cstats(&p).acks_rate_limited, 1);
	h_advance_ms(h, 500);
	send_ctl(h, &p, H_ACK, nxt - 1);
	h_expect(h, &p, H_ACK_OF(nxt), NULL);
	assert_int_equal(h_cstats(&p).segs_unacceptable, 3);
	/* Case 4: no byte in the window: ACK and drop, nothing kept. */
	h_send_data(h, &p, wnd + 100, 100);
	h_expect(h, &p, H_ACK_OF(nxt), NULL);
	assert_int_equal(h_cstats(&p).segs_unacceptable, 4);
	assert_int_equal(h_cstats(&p).segs_ooo, 0);
	/* Last byte in the window (first below RCV.NXT): acceptable, trimmed on the left. */
	h_send_data(h, &p, 0, 1000);
	h_settle(h, &p, NULL);
	h_send_data(h, &p, 500, 1000);
	h_settle(h, &p, NULL);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 1500));
	/* First byte in the window, last beyond it: acceptable, kept out of order. */
	wnd = h_info(&p).rcv_wnd;
	h_send_data(h, &p, 1500 + wnd - 100, 1000);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 1500)), NULL);
	assert_int_equal(h_cstats(&p).segs_unacceptable, 4);
	assert_int_equal(h_cstats(&p).segs_ooo, 1);
	assert_int_equal(h_recv(h, &p, NULL), 1500);
}

/* Fill the window: full segments in order, the app holding every token. */
static void fill_window(struct harness *h, struct h_peer *p, uint32_t *off)
{
	unsigned int i;

	for (i = 0; i < 64 && h_info(p).rcv_wnd > 0; i++) {
		h_send_data(h, p, *off, H_MSS);
		*off += H_MSS;
		h_recv(h, p, NULL);
	}
	assert_int_equal(h_info(p).rcv_wnd, 0);
	h_settle(h, p, NULL);
}

/* LEN = 0 and LEN > 0 against a zero window (cases 1 and 3); RST still processed. */
static void test_acceptability_zero_window(void **state)
{
	struct harness *h = *state;
	struct h_frame f;
	struct h_peer p;
	uint32_t off = 0, nxt;
	uint64_t unacceptable;
	int rc;

	h_restart_with(h, 4, 0);
	h_peer_init(&p, false, 2, 40000, 0x02000000);
	h_open(h, &p);
	fill_window(h, &p, &off);
	nxt = h_seq(&p, off);
	unacceptable = h_cstats(&p).segs_unacceptable;
	/* Case 3: LEN > 0 with RCV.WND = 0 is never acceptable: ACK (window 0), drop. */
	h_send_data(h, &p, off, 100);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(nxt), .win = H_IS(0) }, &f);
	assert_int_equal(h_cstats(&p).segs_unacceptable, unacceptable + 1);
	assert_int_equal(h_recv(h, &p, &rc), 0);
	assert_int_equal(rc, -EAGAIN);
	/* Case 1: LEN = 0 is acceptable only at SEG.SEQ = RCV.NXT. */
	send_ctl(h, &p, H_ACK, nxt);
	h_expect_none(h);
	send_ctl(h, &p, H_ACK, nxt + 1);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(nxt), .win = H_IS(0) }, NULL);
	assert_int_equal(h_cstats(&p).segs_unacceptable, unacceptable + 2);
	/* RCV.WND = 0 still processes RST: at RCV.NXT it resets. */
	send_ctl(h, &p, H_RST, nxt);
	h_expect_none(h);
	assert_int_equal(h_stats(h).rst_in, 1);
	assert_int_equal(tcprx_recv(p.conn, (struct devmem_frag[1]){ { 0 } }, 1), -ECONNRESET);
	/* The app's tokens survive the reset until it returns them. */
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), (int)(off / H_MSS));
	assert_int_equal(tcprx_close(p.conn), 0);
	p.conn = NULL;
}

static void test_paws(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	struct h_seg s;
	static const uint32_t steps[] = { 0x40000000u, 0x80000000u, 0xc0000000u, 0x10u };
	unsigned int i;
	uint32_t off = 0;

	h_peer_init(&p, false, 2, 40000, 0x03000000);
	p.ts = true;
	p.tsval = 1000;
	h_open(h, &p);
	p.tsval = 1001;
	h_send_data(h, &p, 0, 100);
	h_settle(h, &p, NULL);
	/* An older TSval: ACK (RCV.NXT unchanged) and drop. */
	s = h_data(&p, 100, 100);
	s.ts_set = true;
	s.tsval = 900;
	s.tsecr = p.ts_recent;
	h_send(h, &p, &s);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 100)), NULL);
	assert_int_equal(h_cstats(&p).segs_paws, 1);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 100));
	/* TSvals compare modulo 2^32: each step is newer, the last one wraps. */
	off = 100;
	for (i = 0; i < 4; i++) {
		p.tsval = steps[i];
		h_send_data(h, &p, off, 100);
		off += 100;
		h_settle(h, &p, NULL);
		assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, off));
	}
	assert_int_equal(h_cstats(&p).segs_paws, 1);
	assert_int_equal(h_recv(h, &p, NULL), off);
	/* PAWS does not apply to RST (RFC 7323 §5.3 R1): an old TSval still resets. */
	s = h_ctl(&p, H_RST, off);
	s.ts_set = true;
	s.tsval = 5;
	h_send(h, &p, &s);
	assert_int_equal(h_stats(h).rst_in, 1);
	assert_int_equal(tcprx_recv(p.conn, (struct devmem_frag[1]){ { 0 } }, 1), -ECONNRESET);
}

static void test_rst_challenge_and_reset(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	uint32_t nxt, wnd;

	h_peer_init(&p, false, 2, 40000, 0x04000000);
	h_open(h, &p);
	h_send_data(h, &p, 0, 1000);
	h_settle(h, &p, NULL);
	assert_int_equal(h_recv(h, &p, NULL), 1000);
	nxt = h_seq(&p, 1000);
	wnd = h_info(&p).rcv_wnd;
	/* Outside the window: dropped silently. */
	send_ctl(h, &p, H_RST, nxt + wnd + 10);
	send_ctl(h, &p, H_RST, nxt - 10);
	h_expect_none(h);
	assert_int_equal(h_stats(h).rst_ignored, 2);
	/* In the window but not RCV.NXT: challenge ACK <SEQ=SND.NXT><ACK=RCV.NXT>, no reset. */
	send_ctl(h, &p, H_RST, nxt + 10);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .seq = H_IS(p.iss + 1),
					    .ack = H_IS(nxt) }, NULL);
	assert_int_equal(h_cstats(&p).challenge_acks, 1);
	assert_int_equal(h_info(&p).state, TCPRX_ESTABLISHED);
	assert_int_equal(h_stats(h).rst_in, 0);
	/* Exactly RCV.NXT: reset, no reply; held tokens stay valid. */
	h_advance_ms(h, 1000);
	send_ctl(h, &p, H_RST | H_ACK, nxt);
	h_expect_none(h);
	assert_int_equal(h_stats(h).rst_in, 1);
	assert_int_equal(tcprx_recv(p.conn, (struct devmem_frag[1]){ { 0 } }, 1), -ECONNRESET);
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 1);
	assert_int_equal(tcprx_close(p.conn), 0);
	p.conn = NULL;
	assert_int_equal(h_stats(h).rst_out, 0);
}

static void test_syn_challenge_ack(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	uint32_t nxt;

	h_peer_init(&p, false, 2, 40000, 0x05000000);
	h_open(h, &p);
	h_send_data(h, &p, 0, 500);
	h_settle(h, &p, NULL);
	nxt = h_seq(&p, 500);
	/* RFC 5961 §4: any SYN in a synchronized state, in window or not, gets a challenge ACK. */
	send_ctl(h, &p, H_SYN, nxt + 100);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .seq = H_IS(p.iss + 1),
					    .ack = H_IS(nxt) }, NULL);
	assert_int_equal(h_cstats(&p).challenge_acks, 1);
	/* Out of the window the acceptability test answers first, with the same ACK. */
	h_advance_ms(h, 1000);
	send_ctl(h, &p, H_SYN, p.isn);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .seq = H_IS(p.iss + 1),
					    .ack = H_IS(nxt) }, NULL);
	assert_int_equal(h_cstats(&p).challenge_acks + h_cstats(&p).segs_unacceptable, 2);
	assert_int_equal(h_stats(h).rst_out, 0);
	assert_int_equal(h_info(&p).state, TCPRX_ESTABLISHED);
	/* The connection carries on. */
	h_send_data(h, &p, 500, 500);
	h_settle(h, &p, NULL);
	assert_int_equal(h_recv(h, &p, NULL), 1000);
}

static void test_rst_in_syn_received(void **state)
{
	struct harness *h = *state;
	struct h_peer p;

	h_peer_init(&p, false, 2, 40000, 0x06000000);
	h_syn(h, &p, NULL);
	assert_int_equal(h_stats(h).half_open, 1);
	send_ctl(h, &p, H_RST, h_seq(&p, 0));
	h_expect_none(h);
	assert_int_equal(h_stats(h).half_open, 0);
	assert_int_equal(h_stats(h).conns, 0);
	/* The TCB is gone: the handshake's ACK now meets the listener, which resets it. */
	send_ctl(h, &p, H_ACK, h_seq(&p, 0));
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST), .seq = H_IS(p.iss + 1) }, NULL);
	assert_null(tcprx_accept(h->rx));
}

#define SACK_MATCH(a) (&(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(a), .nb_sack = H_IS(0) })

static void test_ooo_trimmed_sack_newest_first(void **state)
{
	struct harness *h = *state;
	const struct h_rfrag *fr;
	struct h_peer p;

	h_peer_init(&p, false, 2, 40000, 0x07000000);
	p.sack = true;
	h_open(h, &p);
	assert_true(h_info(&p).sack_ok);
	h_send_data(h, &p, 1460, 1460);
	h_expect_sack(h, &p, 0, 1, (const uint32_t[][2]){ { 1460, 2920 } });
	h_send_data(h, &p, 4380, 1460);
	h_expect_sack(h, &p, 0, 2, (const uint32_t[][2]){ { 4380, 5840 }, { 1460, 2920 } });
	h_send_data(h, &p, 7300, 1460);
	h_expect_sack(h, &p, 0, 3, (const uint32_t[][2]){ { 7300, 8760 }, { 4380, 5840 }, { 1460, 2920 } });
	/*
	 * Overlapping the first block: the 500 bytes received twice come first as
	 * a D-SACK block (RFC 2883 §4), then the block they belong to, then the
	 * most recent others.
	 */
	h_send_data(h, &p, 2420, 1000);
	h_expect_sack(h, &p, 0, 4, (const uint32_t[][2]){ { 2420, 2920 }, { 1460, 3420 }, { 7300, 8760 },
							 { 4380, 5840 } });
	assert_int_equal(h_cstats(&p).segs_ooo, 4);
	/* Gap filling: ACKed at once, the remaining blocks most recent first. */
	h_send_data(h, &p, 0, 1460);
	h_expect_sack(h, &p, 3420, 2, (const uint32_t[][2]){ { 7300, 8760 }, { 4380, 5840 } });
	h_send_data(h, &p, 3420, 960);
	h_expect_sack(h, &p, 5840, 1, (const uint32_t[][2]){ { 7300, 8760 } });
	h_send_data(h, &p, 5840, 1460);
	h_expect(h, &p, SACK_MATCH(h_seq(&p, 8760)), NULL);
	assert_int_equal(h_recv(h, &p, NULL), 8760);
	/* Existing bytes were kept; the overlapping newcomer was trimmed in place, not copied. */
	fr = h_frag_at(&p, h_seq(&p, 1460));
	assert_non_null(fr);
	assert_int_equal(fr->f.frag_offset, h_placed_at(h, h_seq(&p, 1460)));
	fr = h_frag_at(&p, h_seq(&p, 2920));
	assert_non_null(fr);
	assert_int_equal(fr->f.frag_size, 500);
	assert_int_equal(fr->f.frag_offset, h_placed_at(h, h_seq(&p, 2420)) + 500);
	assert_int_equal(h_cstats(&p).bytes_delivered, 8760);
}

static void test_immediate_ack_ooo_and_gap_fill(void **state)
{
	struct harness *h = *state;
	struct h_peer p;

	/* A long delayed-ACK bound: any ACK seen without advancing the clock is immediate. */
	h_restart_with(h, 32, 200000);
	h_peer_init(&p, false, 2, 40000, 0x08000000);
	h_open(h, &p);
	h_send_data(h, &p, 0, 100);
	h_advance_ms(h, 201);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 100)), NULL);
	h_send_data(h, &p, 1000, 100);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 100)), NULL);
	h_send_data(h, &p, 2000, 100);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 100)), NULL);
	assert_int_equal(h_cstats(&p).dup_acks_out, 2);
	/* Filling part of the gap, then the rest. */
	h_send_data(h, &p, 100, 400);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 500)), NULL);
	h_send_data(h, &p, 500, 500);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 1100)), NULL);
	h_send_data(h, &p, 1100, 900);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 2100)), NULL);
	/* An old duplicate (it fails the acceptability test): ACKed at once too. */
	h_send_data(h, &p, 0, 100);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 2100)), NULL);
	assert_int_equal(h_cstats(&p).segs_unacceptable, 1);
	h_expect_none(h);
	assert_int_equal(h_recv(h, &p, NULL), 2100);
}

static void test_sequence_wraparound(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	uint32_t wrap_off;

	/* Stream offset 1537 sits at sequence 0. */
	h_peer_init(&p, false, 2, 40000, 0xfffff9feu);
	p.sack = true;
	h_open(h, &p);
	wrap_off = 0u - h_seq(&p, 0);
	assert_int_equal(wrap_off, 1537);
	h_send_data(h, &p, 0, 1000);
	h_settle(h, &p, NULL);
	h_send_data(h, &p, 2000, 1000);
	h_expect_sack(h, &p, 1000, 1, (const uint32_t[][2]){ { 2000, 3000 } });
	/* This one straddles 2^32. */
	h_send_data(h, &p, 1000, 1000);
	h_expect(h, &p, SACK_MATCH(h_seq(&p, 3000)), NULL);
	h_send_data(h, &p, 3000, 1000);
	h_settle(h, &p, NULL);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 4000));
	assert_true(h_seq(&p, 4000) < h_seq(&p, 0));
	/* A retransmission from before the wrap is an old duplicate (D-SACKed), not new data. */
	h_send_data(h, &p, 500, 1000);
	h_expect_sack(h, &p, 4000, 1, (const uint32_t[][2]){ { 500, 1500 } });
	assert_int_equal(h_cstats(&p).segs_unacceptable, 1);
	assert_int_equal(h_cstats(&p).bytes_in_order, 4000);
	assert_int_equal(h_recv(h, &p, NULL), 4000);
	assert_int_equal(p.rcv_next, h_seq(&p, 4000));
}

static void test_overlapping_and_duplicate_segments(void **state)
{
	struct harness *h = *state;
	const struct h_rfrag *fr;
	struct h_peer p;

	h_peer_init(&p, false, 2, 40000, 0x09000000);
	h_open(h, &p);
	h_send_data(h, &p, 0, 1000);
	h_settle(h, &p, NULL);
	/* An exact duplicate (unacceptable: no byte in the window): ACK at once. */
	h_send_data(h, &p, 0, 1000);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 1000)), NULL);
	assert_int_equal(h_cstats(&p).segs_unacceptable, 1);
	assert_int_equal(h_cstats(&p).bytes_in_order, 1000);
	/* A retransmission overlapping RCV.NXT from the left: the new part is taken. */
	h_send_data(h, &p, 500, 1500);
	h_settle(h, &p, NULL);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 2000));
	/* Out of order, then a newcomer overlapping its head: the newcomer's tail is cut. */
	h_send_data(h, &p, 3000, 1000);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 2000)), NULL);
	h_send_data(h, &p, 2500, 1000);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 2000)), NULL);
	/* Wholly inside queued data: a duplicate, ACKed at once. */
	h_send_data(h, &p, 3200, 300);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 2000)), NULL);
	assert_int_equal(h_cstats(&p).segs_dup, 1);
	/* A newcomer covering a record entirely replaces it (TLDK's rule; no bytes lost). */
	h_send_data(h, &p, 4500, 500);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 2000)), NULL);
	h_send_data(h, &p, 4400, 800);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 2000)), NULL);
	/* Filling the gaps. */
	h_send_data(h, &p, 2000, 500);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 4000)), NULL);
	h_send_data(h, &p, 4000, 400);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 5200)), NULL);
	assert_int_equal(h_recv(h, &p, NULL), 5200);
	assert_int_equal(h_cstats(&p).bytes_in_order, 5200);
	/* The left-overlapping retransmission was trimmed in place... */
	fr = h_frag_at(&p, h_seq(&p, 1000));
	assert_non_null(fr);
	assert_int_equal(fr->f.frag_offset, h_placed_at(h, h_seq(&p, 500)) + 500);
	/* ...the head overlap kept the bytes queued first and cut the newcomer... */
	fr = h_frag_at(&p, h_seq(&p, 2500));
	assert_non_null(fr);
	assert_int_equal(fr->f.frag_offset, h_placed_at(h, h_seq(&p, 2500)));
	assert_int_equal(fr->f.frag_size, 500);
	fr = h_frag_at(&p, h_seq(&p, 3000));
	assert_non_null(fr);
	assert_int_equal(fr->f.frag_offset, h_placed_at(h, h_seq(&p, 3000)));
	assert_int_equal(fr->f.frag_size, 1000);
	/* ...and the covering newcomer's bytes were delivered where they landed. */
	fr = h_frag_at(&p, h_seq(&p, 4400));
	assert_non_null(fr);
	assert_int_equal(fr->f.frag_offset, h_placed_at(h, h_seq(&p, 4400)));
	assert_int_equal(fr->f.frag_size, 800);
}

/* A data segment at `off` carrying SEG.ACK `ack` and window `win`. */
static void send_data_ack(struct harness *h, struct h_peer *p, uint32_t off, uint32_t len, uint32_t ack,
			  uint16_t win)
{
	struct h_seg s = h_data(p, off, len);

	s.ack = ack;
	s.win = win;
	h_send(h, p, &s);
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> for p, RCV.NXT at stream offset `off`. */
#define ACK_AT(p, off) (&(struct h_match){ .flags = H_IS(H_ACK), .seq = H_IS((p)->iss + 1), \
					   .ack = H_IS(h_seq((p), (off))) })

static void test_ack_range_rfc5961(void **state)
{
	struct harness *h = *state;
	uint32_t una, max_wnd;
	struct h_peer p, q;
	struct h_seg s;
	int rc;

	/* No window scaling: MAX.SND.WND is the 65535 of the handshake's ACK. */
	h_peer_init(&p, false, 2, 40000, 0x0a000000);
	h_open(h, &p);
	una = p.iss + 1; /* SND.UNA = SND.NXT = ISS+1: a receiver sends nothing after its SYN */
	/* SEG.ACK > SND.NXT acknowledges something never sent: dropped, ACKed at once. */
	send_data_ack(h, &p, 0, 100, una + 1, 65535);
	h_expect(h, &p, ACK_AT(&p, 0), NULL);
	send_data_ack(h, &p, 0, 100, una + 0x10000000u, 65535);
	h_expect(h, &p, ACK_AT(&p, 0), NULL);
	/* SEG.ACK < SND.UNA - MAX.SND.WND: too old to be real: dropped, ACKed. */
	send_data_ack(h, &p, 0, 100, una - 65535 - 1, 65535);
	h_expect(h, &p, ACK_AT(&p, 0), NULL);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 0));
	assert_int_equal(h_cstats(&p).bytes_in_order, 0);
	assert_int_equal(h_cstats(&p).segs_ooo, 0);
	assert_int_equal(h_recv(h, &p, &rc), 0);
	assert_int_equal(rc, -EAGAIN);
	/* Both edges of the range, and a duplicate ACK below SND.UNA, are acceptable. */
	send_data_ack(h, &p, 0, 100, una - 65535, 65535);
	send_data_ack(h, &p, 100, 100, una, 65535);
	send_data_ack(h, &p, 200, 100, una - 1, 65535);
	h_settle(h, &p, NULL);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 300));
	assert_int_equal(h_recv(h, &p, NULL), 300);

	/* Scaled (shift 3): MAX.SND.WND is the largest window so far, in bytes. */
	h_peer_init(&q, false, 3, 40001, 0x0b000000);
	q.ws = 3;
	h_syn(h, &q, NULL);
	s = h_ctl(&q, H_ACK, 0);
	s.win = 1000; /* 8000 bytes */
	h_send(h, &q, &s);
	h_expect_none(h);
	q.conn = tcprx_accept(h->rx);
	assert_non_null(q.conn);
	una = q.iss + 1;
	send_data_ack(h, &q, 0, 100, una - 8001, 1000);
	h_expect(h, &q, ACK_AT(&q, 0), NULL);
	assert_int_equal(h_info(&q).rcv_nxt, h_seq(&q, 0));
	/* Accepted at the edge; its larger window widens the range... */
	send_data_ack(h, &q, 0, 100, una - 8000, 65535);
	h_settle(h, &q, NULL);
	max_wnd = 65535u << 3;
	/* ...and smaller windows later do not narrow it again. */
	send_data_ack(h, &q, 100, 100, una - max_wnd, 10);
	send_data_ack(h, &q, 200, 100, una - max_wnd, 10);
	h_settle(h, &q, NULL);
	assert_int_equal(h_info(&q).rcv_nxt, h_seq(&q, 300));
	send_data_ack(h, &q, 300, 100, una - max_wnd - 1, 10);
	h_expect(h, &q, ACK_AT(&q, 300), NULL);
	assert_int_equal(h_info(&q).rcv_nxt, h_seq(&q, 300));
	assert_int_equal(h_recv(h, &q, NULL), 300);
}

static void test_invalid_segment_ack_rate_limit(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	uint32_t nxt;
	struct h_seg s;

	h_peer_init(&p, false, 2, 40000, 0x0c000000);
	h_open(h, &p);
	h_send_data(h, &p, 0, 1000);
	h_settle(h, &p, NULL);
	nxt = h_seq(&p, 1000);
	/* A dataless invalid segment (a keep-alive below RCV.NXT) is ACKed... */
	send_ctl(h, &p, H_ACK, nxt - 1);
	h_expect(h, &p, ACK_AT(&p, 1000), NULL);
	/* ...and for 500 ms no other dataless one is: below, beyond the window, a bad ACK, a SYN. */
	h_advance_ms(h, 100);
	send_ctl(h, &p, H_ACK, nxt - 1);
	send_ctl(h, &p, H_ACK, nxt + 0x20000000u);
	s = h_ctl(&p, H_ACK, 1000);
	s.ack = p.iss + 2;
	h_send(h, &p, &s);
	send_ctl(h, &p, H_SYN, nxt - 5000);
	h_expect_none(h);
	assert_int_equal(h_cstats(&p).acks_rate_limited, 4);
	/* Data segments are always answered: an old duplicate, data with a bad ACK. */
	h_send_data(h, &p, 0, 1000);
	h_expect(h, &p, ACK_AT(&p, 1000), NULL);
	s = h_data(&p, 1000, 100);
	s.ack = p.iss + 2;
	h_send(h, &p, &s);
	h_expect(h, &p, ACK_AT(&p, 1000), NULL);
	assert_int_equal(h_cstats(&p).acks_rate_limited, 4);
	/* 500 ms counted from the last dataless ACK sent, not from data ACKs or suppressed ones. */
	h_advance_ms(h, 399);
	send_ctl(h, &p, H_ACK, nxt - 1);
	h_expect_none(h);
	h_advance_ms(h, 1);
	send_ctl(h, &p, H_ACK, nxt - 1);
	h_expect(h, &p, ACK_AT(&p, 1000), NULL);
	send_ctl(h, &p, H_ACK, nxt - 1);
	h_expect_none(h);
	assert_int_equal(h_cstats(&p).acks_rate_limited, 6);
	assert_int_equal(h_info(&p).rcv_nxt, nxt);
	assert_int_equal(h_recv(h, &p, NULL), 1000);
}

/* n RSTs inside p's window, none at RCV.NXT, at one instant; returns the challenge ACKs seen. */
static unsigned int rst_burst(struct harness *h, struct h_peer *p, unsigned int n)
{
	uint32_t nxt = h_info(p).rcv_nxt;
	unsigned int i, acks = 0;

	for (i = 0; i < n; i++) {
		struct h_seg s = h_ctl(p, H_RST, 0);

		s.seq = nxt + 1 + i % 1000;
		h_queue(h, p, &s);
		if (i % 100 == 99 || i + 1 == n) {
			h_poll(h);
			while (h_tx_pending(h) > 0) {
				h_expect(h, p, &(struct h_match){ .flags = H_IS(H_ACK), .seq = H_IS(p->iss + 1),
								  .ack = H_IS(nxt) }, NULL);
				acks++;
			}
		}
	}
	return acks;
}

static void test_challenge_ack_cap(void **state)
{
	struct harness *h = *state;
	struct h_peer p, q;
	struct h_seg s;

	h_peer_init(&p, false, 2, 40000, 0x0d000000);
	h_open(h, &p);
	h_peer_init(&q, false, 3, 40001, 0x0e000000);
	h_open(h, &q);
	/* 1200 in-window RSTs within one second: exactly 1000 challenge ACKs (RFC 5961 §7). */
	assert_int_equal(rst_burst(h, &p, 1200), 1000);
	assert_int_equal(h_cstats(&p).challenge_acks, 1000);
	assert_int_equal(h_info(&p).state, TCPRX_ESTABLISHED);
	assert_int_equal(h_stats(h).rst_in, 0);
	/* SYNs share the budget: no challenge ACK for p either. */
	s = h_ctl(&p, H_SYN, 10);
	h_send(h, &p, &s);
	h_expect_none(h);
	/* The cap is per connection: q is still answered. */
	assert_int_equal(rst_burst(h, &q, 3), 3);
	assert_int_equal(h_cstats(&q).challenge_acks, 3);
	/* The next second p is answered again, within a new budget. */
	h_advance_ms(h, 1000);
	assert_int_equal(rst_burst(h, &p, 1001), 1000);
	assert_int_equal(h_cstats(&p).challenge_acks, 2000);
	/* Through all of it the data path is intact. */
	h_send_data(h, &p, 0, 1000);
	h_settle(h, &p, NULL);
	assert_int_equal(h_recv(h, &p, NULL), 1000);
}

static void test_ooo_full_dropped_then_retransmitted(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct h_peer p;

	h_config(h, &cfg);
	cfg.max_ooo = 2;
	h_restart(h, &cfg);
	h_peer_init(&p, false, 2, 40000, 0x0f000000);
	p.sack = true;
	h_open(h, &p);
	h_send_data(h, &p, 1000, 1000);
	h_expect_sack(h, &p, 0, 1, (const uint32_t[][2]){ { 1000, 2000 } });
	h_send_data(h, &p, 3000, 1000);
	h_expect_sack(h, &p, 0, 2, (const uint32_t[][2]){ { 3000, 4000 }, { 1000, 2000 } });
	/* Both records in use: newcomers are dropped before they are ever SACKed, still ACKed. */
	h_send_data(h, &p, 5000, 1000);
	h_expect_sack(h, &p, 0, 2, (const uint32_t[][2]){ { 3000, 4000 }, { 1000, 2000 } });
	h_send_data(h, &p, 2000, 1000);
	h_expect_sack(h, &p, 0, 2, (const uint32_t[][2]){ { 3000, 4000 }, { 1000, 2000 } });
	assert_int_equal(h_cstats(&p).segs_ooo_full, 2);
	assert_int_equal(h_cstats(&p).segs_ooo, 2);
	assert_int_equal(h_info(&p).chunks_held, 2);
	/* The hole fills: RCV.NXT runs up to the first dropped byte; the rest is still SACKed. */
	h_send_data(h, &p, 0, 1000);
	h_expect_sack(h, &p, 2000, 1, (const uint32_t[][2]){ { 3000, 4000 } });
	/* The sender retransmits what was never SACKed, and the stream completes. */
	h_send_data(h, &p, 2000, 1000);
	h_expect(h, &p, SACK_MATCH(h_seq(&p, 4000)), NULL);
	h_send_data(h, &p, 4000, 1000);
	h_send_data(h, &p, 5000, 1000);
	h_settle(h, &p, NULL);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 6000));
	assert_int_equal(h_recv(h, &p, NULL), 6000);
	assert_int_equal(h_cstats(&p).segs_ooo_full, 2);
	/* Nothing leaked: with every token back, no chunk or payload mbuf is held. */
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 6);
	assert_int_equal(h_info(&p).chunks_held, 0);
	assert_int_equal(h_pool_in_flight(h), 0);
	assert_int_equal(rte_mempool_in_use_count(h->pay_mp), 0);
	assert_int_equal(rte_mempool_in_use_count(h->hdr_mp), 0);
}


/*
 * Urgent data is in-line data (doc/tcprx.md; RFC 6093 §5 recommends it):
 * segments with URG set, from a sender that uses it (Linux never does on
 * its own), are taken like any others, in order and out of order, and
 * every byte reaches the application with its ACK.
 */
static void test_urgent_data_is_inline(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	struct h_seg s;
	struct h_frame f;
	int rc;

	h_peer_init(&p, false, 2, 40000, 0x02000000);
	h_open(h, &p);
	s = h_data(&p, 0, 1000);
	s.flags |= 0x20; /* URG */
	h_send(h, &p, &s);
	s = h_data(&p, 2000, 1000); /* out of order, also urgent */
	s.flags |= 0x20;
	h_send(h, &p, &s);
	s = h_data(&p, 1000, 1000);
	h_send(h, &p, &s);
	h_settle(h, &p, &f);
	assert_int_equal(f.ack, h_seq(&p, 3000));
	assert_int_equal(h_recv(h, &p, &rc), 3000);
	assert_int_equal(h_cstats(&p).bytes_delivered, 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acceptability_open_window, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_acceptability_zero_window, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_paws, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_rst_challenge_and_reset, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_syn_challenge_ack, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_rst_in_syn_received, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_ooo_trimmed_sack_newest_first, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_immediate_ack_ooo_and_gap_fill, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_sequence_wraparound, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_overlapping_and_duplicate_segments, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_ack_range_rfc5961, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_invalid_segment_ack_rate_limit, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_challenge_ack_cap, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_ooo_full_dropped_then_retransmitted, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_urgent_data_is_inline, h_setup, h_teardown),
	};
	int ret;

	if (h_eal_init("test_tcprx_seq") < 0) {
		fprintf(stderr, "test_tcprx_seq: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
