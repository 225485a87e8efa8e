/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adversarial frames crafted in C: bad checksum status, truncated Ethernet,
 * IP and TCP headers, IP total length beyond the frame, IP fragments, data
 * offsets below 5 or beyond the packet, impossible options, Ethernet padding
 * in the payload buffer, out-of-window RST/SYN/data, a SYN flood beyond the
 * half-open bound, and mangled frames in bulk. Each is survived (ASan/UBSan
 * build included) and counted in the right counter; frames are delivered as
 * the PMD would (LINEAR when it cannot find the TCP header).
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>

#include "harness.h"

#define OFF_IP 14u
#define OFF_TCP (14u + 20u)
#define FLAGS_GOOD (RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD)

struct frame {
	uint8_t b[H_FRAME_MAX];
	size_t len;
	uint32_t hdr_len;
};

static void build(const struct harness *h, const struct h_peer *p, const struct h_seg *s, struct frame *f)
{
	f->len = h_build(h, p, s, f->b, sizeof(f->b), &f->hdr_len);
}

/*
 * Deliver as the PMD would: split after the TCP header, or LINEAR when it
 * could not parse one. Segment s (if any) is the one f was built from.
 */
static void deliver_seg(struct harness *h, const struct frame *f, const struct h_seg *s,
			uint64_t flags, bool linear)
{
	uint32_t ptype = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | (linear ? 0 : RTE_PTYPE_L4_TCP);
	bool went_linear;
	uint64_t where;

	where = h_queue_bytes(h, f->b, f->len, f->hdr_len, flags, ptype, linear, &went_linear);
	if (s && s->len > 0)
		h_note_placed(h, s->seq, s->len, where, went_linear);
	h_poll(h);
}

static void deliver(struct harness *h, const struct frame *f, uint64_t flags, bool linear)
{
	deliver_seg(h, f, NULL, flags, linear);
}

static void set_ip_total(struct frame *f, uint16_t total)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f->b + OFF_IP);

	ip->total_length = rte_cpu_to_be_16(total);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static void open_with_data(struct harness *h, struct h_peer *p, uint16_t port)
{
	struct h_seg s;

	h_peer_init(p, false, 2, port, 0x31000000u + port);
	h_open(h, p);
	s = h_data(p, 0, 100);
	h_send(h, p, &s);
	h_settle(h, p, NULL);
}

/* Nothing was delivered, acknowledged or changed on p by the last frame. */
static void assert_no_effect(struct harness *h, struct h_peer *p, uint32_t rcv_nxt)
{
	h_expect_none(h);
	assert_int_equal(h_info(p).rcv_nxt, rcv_nxt);
}

static void test_checksum_status(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct h_peer p;
	struct frame f;
	struct h_seg s;
	uint32_t nxt;

	h_config(h, &cfg);
	cfg.sw_checksum = true;
	h_restart(h, &cfg);
	open_with_data(h, &p, 40000);
	nxt = h_seq(&p, 100);
	s = h_data(&p, 100, 200);
	build(h, &p, &s, &f);
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_BAD, false);
	assert_no_effect(h, &p, nxt);
	assert_int_equal(h_stats(h).csum_bad, 1);
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_BAD | RTE_MBUF_F_RX_L4_CKSUM_GOOD, false);
	assert_no_effect(h, &p, nxt);
	assert_int_equal(h_stats(h).csum_bad, 2);
	/* Unverified with the payload in device memory: never read, so never accepted. */
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN, false);
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_NONE, false);
	assert_no_effect(h, &p, nxt);
	assert_int_equal(h_stats(h).csum_unknown, 2);
	/* Unverified, all in host memory, sw_checksum on: a wrong sum is caught... */
	f.b[f.len - 1] ^= 0x5a;
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD, true);
	assert_no_effect(h, &p, nxt);
	assert_int_equal(h_stats(h).csum_sw_bad, 1);
	/* ...and a right one accepted. */
	f.b[f.len - 1] ^= 0x5a;
	deliver_seg(h, &f, &s, RTE_MBUF_F_RX_IP_CKSUM_GOOD, true);
	h_settle(h, &p, NULL);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 300));
	assert_int_equal(h_recv(h, &p, NULL), 300);
	assert_int_equal(p.linear_frags, 1);
}

static void test_truncated_headers(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	struct frame f;
	struct h_seg s;
	uint32_t nxt;

	open_with_data(h, &p, 40000);
	nxt = h_seq(&p, 100);
	s = h_data(&p, 100, 0);
	build(h, &p, &s, &f);
	/* Ethernet cut short. */
	f.len = 10;
	deliver(h, &f, 0, true);
	assert_int_equal(h_stats(h).malformed, 1);
	/* IPv4 header cut short. */
	f.len = OFF_IP + 10;
	deliver(h, &f, 0, true);
	assert_int_equal(h_stats(h).malformed, 2);
	/* TCP header cut short, IP length saying so. */
	f.len = OFF_TCP + 10;
	set_ip_total(&f, 30);
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD, true);
	assert_int_equal(h_stats(h).malformed, 3);
	/* IHL below 5. */
	build(h, &p, &s, &f);
	f.b[OFF_IP] = 0x44;
	deliver(h, &f, 0, true);
	assert_int_equal(h_stats(h).malformed, 4);
	/* IP total length beyond the frame. */
	build(h, &p, &s, &f);
	set_ip_total(&f, (uint16_t)(f.len - OFF_IP + 100));
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD, true);
	assert_int_equal(h_stats(h).malformed, 5);
	assert_no_effect(h, &p, nxt);
	assert_int_equal(h_stats(h).frames_in, 5 + 3 /* handshake, data */);
}

static void test_data_offset(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	struct frame f;
	struct h_seg s;
	uint32_t nxt;

	open_with_data(h, &p, 40000);
	nxt = h_seq(&p, 100);
	s = h_data(&p, 100, 0);
	build(h, &p, &s, &f);
	f.b[OFF_TCP + 12] = 4 << 4; /* data offset 4: below the fixed header */
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD, true);
	f.b[OFF_TCP + 12] = 15 << 4; /* 60 bytes of header in a 20-byte segment */
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD, true);
	assert_int_equal(h_stats(h).malformed, 2);
	/* The same with a little payload: 60 header bytes run past the packet's end. */
	s = h_data(&p, 100, 20);
	build(h, &p, &s, &f);
	f.b[OFF_TCP + 12] = 15 << 4;
	h_fix_checksums(f.b, f.len);
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD, true);
	assert_int_equal(h_stats(h).malformed, 3);
	assert_no_effect(h, &p, nxt);
}

static void test_ip_fragments(void **state)
{
	struct harness *h = *state;
	struct rte_ipv4_hdr *ip;
	struct h_peer p, q;
	struct frame f;
	struct h_seg s;
	uint32_t nxt;

	open_with_data(h, &p, 40000);
	nxt = h_seq(&p, 100);
	s = h_data(&p, 100, 200);
	build(h, &p, &s, &f);
	ip = (struct rte_ipv4_hdr *)(f.b + OFF_IP);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	h_fix_checksums(f.b, f.len);
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD, true);
	ip->fragment_offset = rte_cpu_to_be_16(100);
	h_fix_checksums(f.b, f.len);
	deliver(h, &f, RTE_MBUF_F_RX_IP_CKSUM_GOOD, true);
	assert_int_equal(h_stats(h).ip_fragments, 2);
	assert_no_effect(h, &p, nxt);
	/* IPv6: a fragment header (next header 44) in front of TCP. */
	h_peer_init(&q, true, 3, 40001, 0x32000000);
	s = (struct h_seg){ .flags = H_SYN, .seq = q.isn, .win = 65535 };
	f.len = h_build(h, &q, &s, f.b, sizeof(f.b), &f.hdr_len);
	memmove(f.b + 14 + 40 + 8, f.b + 14 + 40, f.len - 14 - 40);
	memset(f.b + 14 + 40, 0, 8);
	f.b[14 + 40] = IPPROTO_TCP;                     /* fragment header: next header */
	f.b[14 + 40 + 3] = 1;                           /* offset 0, M = 1 */
	f.b[14 + 6] = 44;                               /* IPv6 next header: fragment */
	f.b[14 + 5] = (uint8_t)(f.b[14 + 5] + 8);       /* payload length + 8 */
	f.len += 8;
	h_queue_bytes(h, f.b, f.len, (uint32_t)f.len, 0,
		      RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_FRAG, true, NULL);
	h_poll(h);
	h_expect_none(h);
	assert_int_equal(h_stats(h).ip_fragments, 3);
	assert_int_equal(h_stats(h).syn_in, 1); /* p's only */
}

/* A SYN and a data segment carrying options `o`: both dropped, counted as bad options. */
static void expect_bad_options(struct harness *h, struct h_peer *p, struct h_peer *q,
			       const uint8_t *o, uint8_t len)
{
	uint64_t before = h_stats(h).bad_options;
	uint32_t nxt = h_info(p).rcv_nxt;
	struct h_seg s = { .flags = H_SYN, .seq = q->isn, .win = 65535, .opts = o, .opts_len = len };

	h_send(h, q, &s);
	h_expect_none(h);
	s = h_data(p, nxt - h_seq(p, 0), 100);
	s.opts = o;
	s.opts_len = len;
	h_send(h, p, &s);
	assert_no_effect(h, p, nxt);
	assert_int_equal(h_stats(h).bad_options, before + 2);
	assert_int_equal(h_stats(h).half_open, 0);
}

static void test_impossible_options(void **state)
{
	struct harness *h = *state;
	static const uint8_t len0[] = { 2, 0, 5, 0xb4 };
	static const uint8_t len1[] = { 1, 1, 8, 1 };
	static const uint8_t past_end[] = { 1, 1, 8, 10, 0, 0, 0, 0 };
	static const uint8_t mss_len3[] = { 2, 3, 5, 1 };
	static const uint8_t ts_len6[] = { 8, 6, 0, 0, 0, 1, 1, 1 };
	static const uint8_t odd_ok[] = { 99, 4, 0xde, 0xad, 0, 77, 77, 77 };
	struct h_peer p, q;
	struct h_seg s;

	open_with_data(h, &p, 40000);
	h_peer_init(&q, false, 3, 40001, 0x33000000);
	expect_bad_options(h, &p, &q, len0, sizeof(len0));
	expect_bad_options(h, &p, &q, len1, sizeof(len1));
	expect_bad_options(h, &p, &q, past_end, sizeof(past_end));
	expect_bad_options(h, &p, &q, mss_len3, sizeof(mss_len3));
	expect_bad_options(h, &p, &q, ts_len6, sizeof(ts_len6));
	/* An unknown kind is skipped, and nothing after EOL is read: accepted. */
	s = h_data(&p, 100, 100);
	s.opts = odd_ok;
	s.opts_len = sizeof(odd_ok);
	h_send(h, &p, &s);
	h_settle(h, &p, NULL);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 200));
	assert_int_equal(h_stats(h).bad_options, 10);
}

static void test_ethernet_padding_is_not_payload(void **state)
{
	struct harness *h = *state;
	struct h_peer p;
	struct h_seg s;
	int rc;

	h_peer_init(&p, false, 2, 40000, 0x34000000);
	h_syn(h, &p, NULL);
	/* The handshake's ACK padded to 60 bytes: the device puts the 6 pad bytes in a chunk. */
	s = h_ctl(&p, H_ACK, 0);
	s.pad = 6;
	h_send(h, &p, &s);
	h_expect_none(h);
	p.conn = tcprx_accept(h->rx);
	assert_non_null(p.conn);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 0));
	/* One byte of data, padded: one byte delivered. */
	s = h_data(&p, 0, 1);
	s.pad = 5;
	h_send(h, &p, &s);
	h_settle(h, &p, NULL);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 1));
	assert_int_equal(h_recv(h, &p, &rc), 1);
	assert_int_equal(rc, -EAGAIN);
	assert_int_equal(h_stats(h).malformed, 0);
}

static void test_out_of_window_rst_syn_data(void **state)
{
	struct harness *h = *state;
	struct tcprx_conn_stats cs;
	struct h_peer p;
	struct h_seg s;
	uint32_t nxt, far;

	open_with_data(h, &p, 40000);
	nxt = h_seq(&p, 100);
	far = nxt + 0x40000000u;
	s = h_ctl(&p, H_RST, 0);
	s.seq = far;
	h_send(h, &p, &s);
	h_expect_none(h);
	assert_int_equal(h_stats(h).rst_ignored, 1);
	s.flags = H_SYN;
	h_send(h, &p, &s);
	h_expect(h, &p, H_ACK_OF(nxt), NULL);
	s = h_data(&p, 0x40000000u, 500);
	h_send(h, &p, &s);
	h_expect(h, &p, H_ACK_OF(nxt), NULL);
	cs = h_cstats(&p);
	assert_int_equal(cs.segs_unacceptable + cs.challenge_acks, 2);
	assert_int_equal(cs.segs_ooo, 0);
	assert_int_equal(h_info(&p).state, TCPRX_ESTABLISHED);
	assert_int_equal(h_stats(h).rst_in, 0);
}

static void test_syn_flood_beyond_half_open_bound(void **state)
{
	struct harness *h = *state;
	struct h_peer p, flood, late;
	struct tcprx_config cfg;
	struct tcprx_stats st;
	unsigned int i, synacks = 0;
	struct h_frame f;
	struct h_seg s;

	/* The half-open bound alone: SYN cookies (test_tcprx_syncookie) off. */
	h_config(h, &cfg);
	cfg.no_syncookies = true;
	h_restart(h, &cfg);
	open_with_data(h, &p, 40000);
	h_peer_init(&flood, false, 66, 1, 0);
	for (i = 0; i < 200; i++) {
		flood.port = (uint16_t)(1000 + i);
		flood.isn = i * 7919u;
		s = (struct h_seg){ .flags = H_SYN, .seq = flood.isn, .win = 65535 };
		h_queue(h, &flood, &s);
		if (i % 50 == 49)
			h_poll(h);
	}
	while (h_next(h, &f))
		synacks += f.flags == (H_SYN | H_ACK);
	st = h_stats(h);
	assert_int_equal(synacks, 8);
	assert_int_equal(st.half_open, 8);
	assert_int_equal(st.half_open_drops, 192);
	assert_int_equal(st.syn_in, 201);
	/* The established connection is not disturbed. */
	s = h_data(&p, 100, 1000);
	h_send(h, &p, &s);
	h_settle(h, &p, NULL);
	assert_int_equal(h_recv(h, &p, NULL), 1100);
	/* The flood's half-open connections time out; then SYNs are answered again. */
	h_advance_ms(h, 70000);
	h_drain(h);
	for (i = 0; i < 120; i++)
		h_advance_ms(h, 1000);
	h_drain(h);
	st = h_stats(h);
	assert_int_equal(st.half_open, 0);
	assert_int_equal(st.half_open_timeouts, 8);
	h_peer_init(&late, false, 3, 40001, 0x35000000);
	h_syn(h, &late, NULL);
}

/* Take and return whatever arrived, without checking it (mangled headers move data). */
static void consume_unchecked(struct tcprx_conn *c)
{
	struct devmem_frag fr[16];
	struct devmem_token_range r[16];
	int n, i;

	while ((n = tcprx_recv(c, fr, 16)) > 0) {
		for (i = 0; i < n; i++)
			r[i] = (struct devmem_token_range){ .token_start = fr[i].frag_token, .token_count = 1 };
		assert_int_equal(tcprx_dontneed(c, r, (unsigned int)n), n);
	}
}

/* Valid frames with one byte flipped, delivered split or LINEAR with random flags. */
static void test_mangled_frames_survived(void **state)
{
	struct harness *h = *state;
	static const uint64_t flags[] = { FLAGS_GOOD, RTE_MBUF_F_RX_IP_CKSUM_GOOD, 0,
					  RTE_MBUF_F_RX_L4_CKSUM_GOOD };
	uint32_t rnd = 7, r, i;
	struct tcprx_stats st;
	struct h_peer p;
	struct frame f;
	struct h_seg s;

	open_with_data(h, &p, 40000);
	for (i = 0; i < 3000; i++) {
		r = (rnd = rnd * 1103515245u + 12345u) >> 8;
		s = h_data(&p, 100 + (r % 4000), (r >> 4) % 600);
		s.flags = (uint8_t)(r >> 12) & 0x3f;
		build(h, &p, &s, &f);
		f.b[(r >> 3) % f.hdr_len] ^= (uint8_t)(1u << ((r >> 18) % 8));
		if ((r >> 20) % 3 == 0)
			f.len -= (r >> 6) % f.len;
		deliver(h, &f, flags[(r >> 22) % 4], f.len <= f.hdr_len || (r >> 24) % 2);
		if (i % 64 == 0) {
			h_drain(h);
			consume_unchecked(p.conn);
			h_advance_ms(h, 5);
		}
	}
	h_drain(h);
	st = h_stats(h);
	TEST_NOTE("3000 mangled frames: %llu malformed, %llu bad options, %llu not ours, %llu csum",
		  (unsigned long long)st.malformed, (unsigned long long)st.bad_options,
		  (unsigned long long)st.not_ours,
		  (unsigned long long)(st.csum_bad + st.csum_unknown));
	assert_int_equal(st.frames_in, 3000 + 3);
	assert_true(st.malformed + st.bad_options + st.not_ours + st.csum_bad + st.csum_unknown > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_checksum_status, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_headers, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_data_offset, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_ip_fragments, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_impossible_options, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_ethernet_padding_is_not_payload, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_out_of_window_rst_syn_data, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_syn_flood_beyond_half_open_bound, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_mangled_frames_survived, h_setup, h_teardown),
	};
	int ret;

	if (h_eal_init("test_tcprx_adversarial") < 0) {
		fprintf(stderr, "test_tcprx_adversarial: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
