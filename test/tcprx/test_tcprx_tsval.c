/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcprx_recv_tsval: every fragment reports the TSval of the segment that
 * carried its bytes, whatever path it took to the application: in order,
 * kept out of order and released by the segment that filled the gap, or
 * copied LINEAR by the device. Segments without the option say so, on a
 * connection that agreed to timestamps and on one that did not.
 */
#include <errno.h>

#include "harness.h"

/* Send len bytes at off stamped with tsval (or with no timestamp option). */
static void send_stamped(struct harness *h, struct h_peer *p, uint32_t off, uint32_t len,
			 uint32_t tsval, bool no_ts, bool linear)
{
	struct h_seg s = h_data(p, off, len);

	p->tsval = tsval;
	s.no_ts = no_ts;
	s.linear = linear;
	h_send(h, p, &s);
}

/* Fragment first + i starts at stream offset off[i] and carries tsval[i] (0 = none). */
static void expect_stamps(const struct h_peer *p, unsigned int first, const struct tcprx_tsval *ts,
			  unsigned int n, const uint32_t *off, const uint32_t *tsval)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct h_rfrag *f = &p->frags[first + i];

		if (f->seq != h_seq(p, off[i]))
			H_FAIL("fragment %u starts at seq %u, expected offset %u", i, f->seq, off[i]);
		if (ts[i].present != (tsval[i] != 0) || ts[i].val != tsval[i])
			H_FAIL("fragment %u (offset %u): TSval %u%s, expected %u%s", i, off[i], ts[i].val,
			       ts[i].present ? "" : " (none)", tsval[i], tsval[i] ? "" : " (none)");
	}
}

static struct h_peer open_peer(struct harness *h, bool ts, uint32_t isn)
{
	struct h_peer p;

	h_peer_init(&p, false, 2, 40000, isn);
	p.ts = ts;
	p.sack = true;
	h_open(h, &p);
	assert_int_equal(h_info(&p).ts_ok, ts);
	return p;
}

/* In order, across the TSval wrap, and a segment that left the option out. */
static void test_tsval_in_order(void **state)
{
	static const uint32_t off[] = { 0, 100, 300, 600 };
	static const uint32_t want[] = { 0x70000000u, 0xe0000000u, 0x10u, 0 };
	struct harness *h = *state;
	struct tcprx_tsval ts[8];
	struct h_peer p = open_peer(h, true, 0x01000000);

	/* ACKed one by one, so each TSval becomes TS.Recent (RFC 7323 §4.3) and PAWS lets the next pass. */
	send_stamped(h, &p, 0, 100, want[0], false, false);
	h_settle(h, &p, NULL);
	send_stamped(h, &p, 100, 200, want[1], false, false);
	h_settle(h, &p, NULL);
	send_stamped(h, &p, 300, 300, want[2], false, false);
	h_settle(h, &p, NULL);
	send_stamped(h, &p, 600, 50, 0x20u, true, false);
	h_settle(h, &p, NULL);
	assert_int_equal(h_recv_tsval(h, &p, ts, 8), 4);
	expect_stamps(&p, 0, ts, 4, off, want);
	assert_int_equal(tcprx_recv_tsval(p.conn, (struct devmem_frag[1]){ 0 }, NULL, 1), -EINVAL);
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 4);
}

/* Held out of order, then released by the gap filler: each keeps its own segment's TSval. */
static void test_tsval_out_of_order_then_filled(void **state)
{
	static const uint32_t off[] = { 0, 1000, 1500 };
	static const uint32_t want[] = { 9200, 9000, 9100 };
	struct harness *h = *state;
	struct tcprx_tsval ts[8];
	struct h_peer p = open_peer(h, true, 0x02000000);

	send_stamped(h, &p, 1000, 500, want[1], false, false);
	send_stamped(h, &p, 1500, 500, want[2], false, false);
	assert_int_equal(h_recv_tsval(h, &p, ts, 8), 0);
	send_stamped(h, &p, 0, 1000, want[0], false, false);
	h_settle(h, &p, NULL);
	assert_int_equal(h_cstats(&p).segs_ooo, 2);
	assert_int_equal(h_recv_tsval(h, &p, ts, 8), 3);
	expect_stamps(&p, 0, ts, 3, off, want);
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 3);
}

/* Frames the device copied to host memory, between split ones, out of order too. */
static void test_tsval_linear(void **state)
{
	static const uint32_t off[] = { 0, 400, 800, 1200 };
	static const uint32_t want[] = { 2000, 3000, 4000, 5000 };
	struct harness *h = *state;
	struct tcprx_tsval ts[8];
	struct h_peer p = open_peer(h, true, 0x03000000);

	send_stamped(h, &p, 0, 400, want[0], false, false);
	send_stamped(h, &p, 800, 400, want[2], false, true);
	send_stamped(h, &p, 400, 400, want[1], false, true);
	send_stamped(h, &p, 1200, 400, want[3], false, false);
	h_settle(h, &p, NULL);
	assert_int_equal(h_recv_tsval(h, &p, ts, 8), 4);
	expect_stamps(&p, 0, ts, 4, off, want);
	assert_int_equal(p.linear_frags, 2);
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 4);
}

/* No timestamps agreed: every fragment says none; tcprx_recv is unaffected. */
static void test_tsval_not_agreed(void **state)
{
	static const uint32_t off[] = { 0, 500 };
	static const uint32_t want[] = { 0, 0 };
	struct harness *h = *state;
	struct tcprx_tsval ts[8];
	struct h_peer p = open_peer(h, false, 0x04000000);

	h_send_data(h, &p, 0, 500);
	h_send_data(h, &p, 500, 500);
	h_send_data(h, &p, 1000, 500);
	h_settle(h, &p, NULL);
	assert_int_equal(h_recv_tsval(h, &p, ts, 2), 2);
	expect_stamps(&p, 0, ts, 2, off, want);
	assert_int_equal(h_recv(h, &p, NULL), 500);
	assert_int_equal(h_dontneed(h, &p, UINT32_MAX), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tsval_in_order, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_tsval_out_of_order_then_filled, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_tsval_linear, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_tsval_not_agreed, h_setup, h_teardown),
	};
	int ret;

	if (h_eal_init("test_tcprx_tsval") < 0) {
		fprintf(stderr, "test_tcprx_tsval: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
