/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scripts for the end of a connection and for tokens: FIN only in order
 * (RFC 9293 §3.10.7.4 eighth check; an out-of-order FIN waits for the gap),
 * LAST-ACK with FIN retransmission and the TIME-WAIT linger answering late
 * segments, ignoring RSTs (RFC 1337) and giving way to a new SYN only when
 * it is newer in sequence or, with timestamps, in time (RFC 6191), tokens
 * returned twice or forged (counted, nothing freed), tcprx_close and
 * tcprx_destroy releasing every token and chunk.
 */
#include <errno.h>

#include <rte_mempool.h>

#include "harness.h"

static void send_fin(struct harness *h, struct h_peer *p, uint32_t off, uint32_t len)
{
	struct h_seg s = h_data(p, off, len);

	s.flags |= H_FIN;
	h_send(h, p, &s);
}

static void test_fin_only_in_order(void **state)
{
	struct harness *h = *state;
	struct h_peer p, q;
	int rc;

	h_peer_init(&p, false, 2, 40000, 0x21000000);
	h_open(h, &p);
	h_send_data(h, &p, 0, 1000);
	h_settle(h, &p, NULL);
	/* Data + FIN beyond a gap: kept, FIN not taken, a duplicate ACK. */
	send_fin(h, &p, 2000, 1000);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 1000)), NULL);
	assert_int_equal(h_info(&p).state, TCPRX_ESTABLISHED);
	/* The gap fills: data and FIN taken together, ACKed at once. */
	h_send_data(h, &p, 1000, 1000);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 3000) + 1), NULL);
	assert_int_equal(h_info(&p).state, TCPRX_CLOSE_WAIT);
	/* End of stream only after every byte. */
	assert_int_equal(h_recv(h, &p, &rc), 3000);
	assert_int_equal(rc, 0);
	assert_int_equal(tcprx_recv(p.conn, (struct devmem_frag[1]){ { 0 } }, 1), 0);

	/* A bare out-of-order FIN waits too. */
	h_peer_init(&q, false, 3, 40001, 0x22000000);
	h_open(h, &q);
	h_send_data(h, &q, 0, 100);
	h_settle(h, &q, NULL);
	send_fin(h, &q, 500, 0);
	h_expect(h, &q, H_ACK_OF(h_seq(&q, 100)), NULL);
	assert_int_equal(h_info(&q).state, TCPRX_ESTABLISHED);
	assert_int_equal(tcprx_recv(q.conn, (struct devmem_frag[1]){ { 0 } }, 1), 1);
	assert_int_equal(tcprx_recv(q.conn, (struct devmem_frag[1]){ { 0 } }, 1), -EAGAIN);
	h_send_data(h, &q, 100, 400);
	h_expect(h, &q, H_ACK_OF(h_seq(&q, 500) + 1), NULL);
	assert_int_equal(h_info(&q).state, TCPRX_CLOSE_WAIT);
}

/* Data and FIN from p, read to the end; then the app closes: our FIN. */
static void close_after_peer_fin(struct harness *h, struct h_peer *p, struct h_frame *fin)
{
	int rc;

	h_open(h, p);
	send_fin(h, p, 0, 1000);
	h_expect(h, p, H_ACK_OF(h_seq(p, 1001)), NULL);
	assert_int_equal(h_recv(h, p, &rc), 1000);
	assert_int_equal(rc, 0);
	assert_int_equal(tcprx_close(p->conn), 0);
	p->conn = NULL;
	h_poll(h);
	h_expect(h, p, &(struct h_match){ .flags = H_IS(H_FIN | H_ACK), .seq = H_IS(p->iss + 1),
					  .ack = H_IS(h_seq(p, 1001)) }, fin);
	/* close released the token the app still held. */
	assert_int_equal(h_pool_in_flight(h), 0);
}

static void test_last_ack_and_time_wait(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	struct h_seg s;

	h_peer_init(&p, false, 2, 40000, 0x23000000);
	close_after_peer_fin(h, &p, NULL);
	assert_int_equal(h_stats(h).conns, 1);
	/* LAST-ACK: the peer's FIN again (our ACK was lost) is ACKed again. */
	send_fin(h, &p, 1000, 0);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 1001)), NULL);
	/* Our FIN is retransmitted on its timer (synack_rto_ms, 1 s). */
	assert_true(h_wait_frame_ms(h, 1100) >= 900);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_FIN | H_ACK), .seq = H_IS(p.iss + 1) }, NULL);
	/* The peer ACKs our FIN: nothing to answer; the connection lingers (TIME-WAIT). */
	s = h_ctl(&p, H_ACK, 1001);
	s.ack = p.iss + 2;
	h_send(h, &p, &s);
	h_expect_none(h);
	/* A late segment now is answered with an ACK, not a RST. */
	send_fin(h, &p, 1000, 0);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 1001)), NULL);
	assert_int_equal(h_stats(h).time_wait_segs, 1);
	/* Then the linger (time_wait_ms, 2 s) ends. */
	h_advance_ms(h, 2100);
	h_expect_none(h);
	assert_int_equal(h_stats(h).conns, 0);
	/* A late segment after that meets no TCB: <SEQ=SEG.ACK><CTL=RST>. */
	s = h_ctl(&p, H_FIN | H_ACK, 1000);
	s.ack = p.iss + 2;
	h_send(h, &p, &s);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST), .seq = H_IS(p.iss + 2) }, NULL);
}

static void test_last_ack_gives_up(void **state)
{
	struct harness *h = *state;
	unsigned int fins = 0, i;
	struct h_frame f;
	struct h_peer p;

	h_peer_init(&p, false, 2, 40000, 0x24000000);
	close_after_peer_fin(h, &p, NULL);
	/* Nobody ACKs our FIN: a bounded number of retransmissions, then the slot is free. */
	for (i = 0; i < 300 && h_stats(h).conns > 0; i++) {
		h_advance_ms(h, 1000);
		while (h_tx_pending(h) > 0) {
			h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_FIN | H_ACK), .seq = H_IS(p.iss + 1) },
				 &f);
			fins++;
		}
	}
	assert_int_equal(h_stats(h).conns, 0);
	assert_true(fins >= 1 && fins <= 16);
	h_advance_ms(h, 60000);
	h_expect_none(h);
}

static void test_tokens_returned_twice_or_forged(void **state)
{
	struct harness *h = *state;
	struct devmem_token_range r[DEVMEM_DONTNEED_MAX_RANGES + 1];
	struct tcprx_conn_stats cs;
	struct h_peer p;
	uint32_t first, in_flight;
	unsigned int i;

	h_peer_init(&p, false, 2, 40000, 0x25000000);
	h_open(h, &p);
	for (i = 0; i < 3; i++)
		h_send_data(h, &p, i * 1000, 1000);
	h_settle(h, &p, NULL);
	assert_int_equal(h_recv(h, &p, NULL), 3000);
	assert_int_equal(p.nb_tokens, 3);
	first = p.tokens[0];
	for (i = 0; i < 3; i++)
		r[i] = (struct devmem_token_range){ .token_start = p.tokens[i], .token_count = 1 };
	assert_int_equal(tcprx_dontneed(p.conn, r, 3), 3);
	in_flight = h_pool_in_flight(h);
	/* Returned twice: nothing freed, each counted. */
	assert_int_equal(tcprx_dontneed(p.conn, r, 3), 0);
	cs = h_cstats(&p);
	assert_int_equal(cs.tokens_returned, 3);
	assert_int_equal(cs.token_bad_returns, 3);
	/* Forged: far out of range, and a range straddling the end. */
	r[0] = (struct devmem_token_range){ .token_start = 0x7ffffff0u, .token_count = 4 };
	r[1] = (struct devmem_token_range){ .token_start = first, .token_count = UINT32_MAX };
	assert_int_equal(tcprx_dontneed(p.conn, r, 2), 0);
	assert_true(h_cstats(&p).token_bad_returns > 3);
	assert_int_equal(h_cstats(&p).tokens_returned, 3);
	assert_int_equal(h_pool_in_flight(h), in_flight);
	/* Too many ranges at once: refused like SO_DEVMEM_DONTNEED. */
	for (i = 0; i <= DEVMEM_DONTNEED_MAX_RANGES; i++)
		r[i] = (struct devmem_token_range){ .token_start = first, .token_count = 1 };
	assert_int_equal(tcprx_dontneed(p.conn, r, DEVMEM_DONTNEED_MAX_RANGES + 1), -EINVAL);
	assert_int_equal(tcprx_dontneed(NULL, r, 1), -EINVAL);
	p.nb_tokens = 0;
}

static void test_close_releases_all_tokens(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	unsigned int i;

	h_peer_init(&p, false, 2, 40000, 0x26000000);
	p.sack = true;
	h_open(h, &p);
	for (i = 0; i < 6; i++)
		h_send_data(h, &p, i * 1000, 1000);
	/* Tokens held (4 read), in-order data unread (2), and two out-of-order segments. */
	h_settle(h, &p, NULL);
	assert_int_equal(tcprx_recv(p.conn, (struct devmem_frag[4]){ { 0 } }, 4), 4);
	h_send_data(h, &p, 8000, 1000);
	h_send_data(h, &p, 10000, 1000);
	h_acks(h, &p, NULL);
	assert_true(h_pool_in_flight(h) > 0);
	assert_true(rte_mempool_in_use_count(h->pay_mp) > 0);
	/* Data may still arrive: close aborts (RST) and gives every chunk back at once. */
	assert_int_equal(tcprx_close(p.conn), 0);
	p.conn = NULL;
	h_poll(h);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST), .seq = H_IS(p.iss + 1) }, NULL);
	assert_int_equal(h_pool_in_flight(h), 0);
	assert_int_equal(rte_mempool_in_use_count(h->pay_mp), 0);
	assert_int_equal(rte_mempool_in_use_count(h->hdr_mp), 0);
	assert_int_equal(h_stats(h).conns, 0);
	assert_int_equal(h_stats(h).rst_out, 1);
}

static void test_destroy_aborts_and_releases(void **state)
{
	struct harness *h = *state;
	struct h_peer p[2], half;
	struct h_frame f;
	unsigned int i, rsts = 0;

	for (i = 0; i < 2; i++) {
		h_peer_init(&p[i], false, (uint8_t)(2 + i), (uint16_t)(40000 + i), 0x27000000u * (i + 1));
		h_open(h, &p[i]);
		h_send_data(h, &p[i], 0, 1000);
		h_send_data(h, &p[i], 2000, 1000);
		h_acks(h, &p[i], NULL);
		assert_int_equal(h_recv(h, &p[i], NULL), 1000);
	}
	h_peer_init(&half, false, 9, 40009, 0x28000000);
	h_syn(h, &half, NULL);
	tcprx_destroy(h->rx);
	h->rx = NULL;
	/* Every established connection was aborted with a RST... */
	while (h_next(h, &f))
		rsts += f.flags == H_RST || f.flags == (H_RST | H_ACK);
	assert_true(rsts >= 2);
	/* ...and every token, chunk and mbuf came back. */
	assert_int_equal(h_pool_in_flight(h), 0);
	assert_int_equal(rte_mempool_in_use_count(h->pay_mp), 0);
	assert_int_equal(rte_mempool_in_use_count(h->hdr_mp), 0);
}

/* close_after_peer_fin, then the peer ACKs our FIN: TIME-WAIT, RCV.NXT at stream offset 1001. */
static void enter_time_wait(struct harness *h, struct h_peer *p)
{
	struct h_seg s;

	close_after_peer_fin(h, p, NULL);
	s = h_ctl(p, H_ACK, 1001);
	s.ack = p->iss + 2;
	h_send(h, p, &s);
	h_expect_none(h);
	assert_int_equal(h_stats(h).conns, 1);
}

static void test_time_wait_ignores_rst(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	struct h_seg s;

	h_peer_init(&p, false, 2, 40000, 0x29000000);
	enter_time_wait(h, &p);
	/* RFC 1337: a RST does not end TIME-WAIT early, not even one exactly at RCV.NXT. */
	s = h_ctl(&p, H_RST, 1001);
	h_send(h, &p, &s);
	s = h_ctl(&p, H_RST | H_ACK, 1001);
	s.ack = p.iss + 2;
	h_send(h, &p, &s);
	s = h_ctl(&p, H_RST, 1500);
	h_send(h, &p, &s);
	h_expect_none(h);
	assert_int_equal(h_stats(h).conns, 1);
	assert_int_equal(h_stats(h).rst_in, 0);
	/* It is still there: a late FIN is answered, a second one within 500 ms is not. */
	h_advance_ms(h, 1000);
	send_fin(h, &p, 1000, 0);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 1001)), NULL);
	send_fin(h, &p, 1000, 0);
	h_expect_none(h);
	assert_int_equal(h_stats(h).time_wait_segs, 2);
	/* It ends when time_wait_ms (2 s) after the ACK of our FIN says, RSTs or not. */
	h_advance_ms(h, 900);
	assert_int_equal(h_stats(h).conns, 1);
	h_advance_ms(h, 200);
	assert_int_equal(h_stats(h).conns, 0);
	h_expect_none(h);
}

/* A SYN from p's address and port with sequence number seq (and TSval tsval if p.ts). */
static void send_syn(struct harness *h, struct h_peer *p, uint32_t seq, uint32_t tsval)
{
	struct h_seg s = { .flags = H_SYN, .seq = seq, .win = 65535, .ts_set = true, .tsval = tsval };

	h_send(h, p, &s);
}

/* p's TIME-WAIT is still there and answered no SYN: at most an ACK of the old RCV.NXT went out. */
static void assert_still_time_wait(struct harness *h, struct h_peer *p, uint64_t synacks)
{
	h_acks(h, p, NULL);
	assert_int_equal(h_stats(h).conns, 1);
	assert_int_equal(h_stats(h).synack_out, synacks);
	assert_int_equal(h_stats(h).syn_in, 1);
}

/* A new SYN accepted from TIME-WAIT: a fresh connection, its SYN-ACK above the old sequence space. */
static void reopen(struct harness *h, struct h_peer *p, uint32_t isn, uint32_t tsval, uint32_t old_iss)
{
	uint64_t closed = h_stats(h).closed;
	struct h_frame synack;
	struct h_seg s;

	h_peer_init(p, false, 2, 40000, isn);
	p->ts = tsval != 0;
	p->tsval = tsval;
	h_syn(h, p, &synack);
	assert_int_equal(h_stats(h).closed, closed + 1);
	assert_int_equal(h_stats(h).half_open, 1);
	assert_int_equal(h_stats(h).conns, 1);
	/* RFC 6528's clock has moved on: the new ISS is beyond the old SND.NXT (ISS+2). */
	assert_true((int32_t)(synack.seq - (old_iss + 2)) > 0);
	if (p->ts)
		assert_int_equal(synack.tsecr, tsval);
	s = h_ctl(p, H_ACK, 0);
	h_send(h, p, &s);
	h_expect_none(h);
	p->conn = tcprx_accept(h->rx);
	assert_non_null(p->conn);
	assert_int_equal(h_info(p).irs, isn);
	s = h_data(p, 0, 500);
	h_send(h, p, &s);
	h_settle(h, p, NULL);
	assert_int_equal(h_recv(h, p, NULL), 500);
}

static void test_time_wait_new_syn_above_sequence(void **state)
{
	struct harness *h = *state;
	uint32_t nxt, old_iss;
	struct h_peer p;

	h_peer_init(&p, false, 2, 40000, 0x2a000000);
	enter_time_wait(h, &p);
	nxt = h_seq(&p, 1001);
	old_iss = p.iss;
	/* Not above the old RCV.NXT: an old duplicate, TIME-WAIT stays (RFC 6191 §2). */
	h_advance_ms(h, 10);
	send_syn(h, &p, nxt - 1000, 0);
	assert_still_time_wait(h, &p, 1);
	send_syn(h, &p, nxt, 0);
	assert_still_time_wait(h, &p, 1);
	/* Above it: TIME-WAIT is freed and the SYN answered as a new connection. */
	reopen(h, &p, nxt + 100000, 0, old_iss);
}

static void test_time_wait_new_syn_newer_timestamp(void **state)
{
	struct harness *h = *state;
	uint32_t nxt, old_iss;
	struct h_peer p;
	struct h_seg s;
	int rc;

	/* TSvals: 2000 up to the FIN, 3000 on the ACK of our FIN, the last one seen. */
	h_peer_init(&p, false, 2, 40000, 0x2b000000);
	p.ts = true;
	p.tsval = 2000;
	h_open(h, &p);
	send_fin(h, &p, 0, 1000);
	h_expect(h, &p, H_ACK_OF(h_seq(&p, 1001)), NULL);
	assert_int_equal(h_recv(h, &p, &rc), 1000);
	assert_int_equal(tcprx_close(p.conn), 0);
	p.conn = NULL;
	h_poll(h);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_FIN | H_ACK), .seq = H_IS(p.iss + 1) }, NULL);
	p.tsval = 3000;
	s = h_ctl(&p, H_ACK, 1001);
	s.ack = p.iss + 2;
	h_send(h, &p, &s);
	h_expect_none(h);
	nxt = h_seq(&p, 1001);
	old_iss = p.iss;
	h_advance_ms(h, 10);
	/*
	 * RFC 6191 §2, timestamps in use: the TSval decides, not the sequence
	 * number. Above in sequence but older in time: an old duplicate.
	 */
	send_syn(h, &p, nxt + 100000, 1500);
	assert_still_time_wait(h, &p, 1);
	/* Newer than the FIN's TSval, not newer than the last one seen (the ACK's). */
	h_advance_ms(h, 500);
	send_syn(h, &p, nxt - 1000, 2500);
	assert_still_time_wait(h, &p, 1);
	h_advance_ms(h, 500);
	send_syn(h, &p, nxt - 1000, 3000);
	assert_still_time_wait(h, &p, 1);
	/* Newer than every TSval seen, though below in sequence: a new connection. */
	reopen(h, &p, nxt - 1000, 4000, old_iss);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fin_only_in_order, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_last_ack_and_time_wait, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_last_ack_gives_up, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_tokens_returned_twice_or_forged, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_close_releases_all_tokens, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_aborts_and_releases, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_ignores_rst, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_new_syn_above_sequence, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_new_syn_newer_timestamp, h_setup, h_teardown),
	};
	int ret;

	if (h_eal_init("test_tcprx_close") < 0) {
		fprintf(stderr, "test_tcprx_close: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
