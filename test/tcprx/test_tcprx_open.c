/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scripts for the opening rules: passive open with SYN-ACK retransmission
 * (RFC 6298 backoff) and give-up, the half-open bound, the accept backlog
 * and the connection table bounds (SYNs dropped and counted), MSS/WS/TS/SACK-permitted
 * negotiated from the SYN (RFC 9293 §3.7.1, RFC 7323, RFC 2018), RST for
 * segments to closed ports (RFC 9293 §3.10.7.1), ARP and IPv6 (with neighbour
 * discovery).
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_bus_vdev.h>
#include <rte_ethdev.h>
#include <rte_ip.h>

#include "harness.h"

/* Timer tolerance: a poll-mode timer may fire up to one tick late. */
static void assert_elapsed(int64_t got_ms, int64_t want_ms)
{
	int64_t tol = want_ms / 20 + 2;

	if (got_ms < want_ms - tol || got_ms > want_ms + tol)
		H_FAIL("timer fired after %lld ms, expected %lld ms (+-%lld)", (long long)got_ms,
			 (long long)want_ms, (long long)tol);
}

static void test_synack_retransmit_backoff_give_up(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct h_peer p;
	struct h_frame f;
	struct h_seg ack;
	int64_t rto = 1000;
	int i;

	h_config(h, &cfg);
	cfg.synack_rto_ms = 1000;
	cfg.synack_retries = 3;
	h_restart(h, &cfg);
	h_peer_init(&p, false, 2, 40000, 0x10000000);
	h_syn(h, &p, &f);
	assert_int_equal(h_stats(h).synack_out, 1);
	assert_int_equal(h_stats(h).half_open, 1);
	for (i = 0; i < 3; i++, rto *= 2) {
		assert_elapsed(h_wait_frame_ms(h, (uint64_t)rto * 2), rto);
		/* The same SYN-ACK: same ISS, same ACK. */
		h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_SYN | H_ACK), .seq = H_IS(p.iss),
						    .ack = H_IS(p.isn + 1) }, NULL);
	}
	assert_int_equal(h_stats(h).synack_retrans, 3);
	/* The last SYN-ACK still gets its chance to be answered. */
	h_advance_ms(h, 1000);
	assert_int_equal(h_stats(h).half_open, 1);
	h_expect_none(h);
	/* Then the half-open connection is given up, without another SYN-ACK. */
	assert_int_equal(h_wait_frame_ms(h, 60000), -1);
	assert_int_equal(h_stats(h).synack_retrans, 3);
	assert_int_equal(h_stats(h).half_open_timeouts, 1);
	assert_int_equal(h_stats(h).half_open, 0);
	assert_int_equal(h_stats(h).conns, 0);
	/* Its late ACK meets a listener with no TCB: <SEQ=SEG.ACK><CTL=RST>. */
	ack = h_ctl(&p, H_ACK, 0);
	h_send(h, &p, &ack);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST), .seq = H_IS(p.iss + 1) }, NULL);
	assert_null(tcprx_accept(h->rx));
}

static void test_half_open_bound(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct h_peer p[10];
	struct h_seg ack;
	unsigned int i;

	/* The bound alone: SYN cookies (test_tcprx_syncookie) off. */
	h_config(h, &cfg);
	cfg.no_syncookies = true;
	h_restart(h, &cfg);
	for (i = 0; i < 8; i++) {
		h_peer_init(&p[i], false, 2, (uint16_t)(40000 + i), 0x20000000u * i);
		h_syn(h, &p[i], NULL);
	}
	assert_int_equal(h_stats(h).half_open, 8);
	/* Beyond the bound (max_half_open = 8): dropped silently, counted. */
	h_peer_init(&p[8], false, 3, 40008, 1234);
	h_send(h, &p[8], &(struct h_seg){ .flags = H_SYN, .seq = p[8].isn, .win = 65535 });
	h_expect_none(h);
	assert_int_equal(h_stats(h).half_open_drops, 1);
	assert_int_equal(h_stats(h).half_open, 8);
	/* An established connection leaves the half-open table and frees a slot. */
	ack = h_ctl(&p[0], H_ACK, 0);
	h_send(h, &p[0], &ack);
	h_expect_none(h);
	assert_non_null(tcprx_accept(h->rx));
	assert_int_equal(h_stats(h).half_open, 7);
	assert_int_equal(h_stats(h).established, 1);
	h_peer_init(&p[9], false, 3, 40009, 5678);
	h_syn(h, &p[9], NULL);
	assert_int_equal(h_stats(h).half_open, 8);
	assert_int_equal(h_stats(h).half_open_drops, 1);
}

static void test_options_negotiated_from_syn(void **state)
{
	struct harness *h = *state;
	struct tcprx_conn_info info;
	struct tcprx_config cfg;
	struct h_frame synack, f;
	struct h_seg d;
	struct h_peer p;

	h_config(h, &cfg);
	cfg.wscale = 7; /* by default it fits the window: test_window_scale_fitted */
	h_restart(h, &cfg);
	h_peer_init(&p, false, 2, 40000, 0x30000000);
	p.mss = 1000;
	p.ws = 9;
	p.ts = true;
	p.tsval = 777;
	p.sack = true;
	h_syn(h, &p, &synack);
	assert_true(synack.has_mss);
	assert_int_equal(synack.mss, H_MSS);
	assert_true(synack.has_ws);
	assert_int_equal(synack.ws, 7); /* as configured */
	assert_true(synack.has_ts);
	assert_int_equal(synack.tsecr, 777);
	assert_true(synack.sackok);
	assert_true(synack.win > 0);
	h_send(h, &p, &(struct h_seg){ .flags = H_ACK, .seq = h_seq(&p, 0), .ack = p.iss + 1,
				       .win = 65535 });
	p.conn = tcprx_accept(h->rx);
	assert_non_null(p.conn);
	info = h_info(&p);
	assert_int_equal(info.peer_mss, 1000);
	assert_int_equal(info.snd_wscale, 9);
	assert_int_equal(info.rcv_wscale, 7);
	assert_true(info.ts_ok);
	assert_true(info.sack_ok);
	/* Data is ACKed with TS echoing the peer's TSval and a window scaled by 7. */
	p.tsval = 800;
	d = h_data(&p, 0, 1000);
	h_send(h, &p, &d);
	assert_true(h_settle(h, &p, &f) >= 1);
	assert_int_equal(f.ack, h_seq(&p, 1000));
	assert_true(f.has_ts);
	assert_int_equal(f.tsecr, 800);
	info = h_info(&p);
	assert_true(h_wnd(&f, 7) <= info.rcv_wnd + 127 && h_wnd(&f, 7) + 127 >= info.rcv_wnd);
}

static void test_window_scale_above_14_is_14(void **state)
{
	struct harness *h = *state;
	struct h_peer p;

	h_peer_init(&p, false, 2, 40000, 0x31000000);
	p.mss = 1460;
	p.ws = 15; /* RFC 7323 §2.3: use 14 */
	h_open(h, &p);
	assert_int_equal(h_info(&p).snd_wscale, 14);
}

static void test_options_absent_when_not_offered(void **state)
{
	struct harness *h = *state;
	struct tcprx_conn_info info;
	struct h_frame synack, f;
	struct h_seg d;
	struct h_peer p;

	h_peer_init(&p, false, 2, 40000, 0x40000000);
	h_syn(h, &p, &synack);
	assert_true(synack.has_mss); /* ours, always */
	assert_false(synack.has_ws);
	assert_false(synack.has_ts);
	assert_false(synack.sackok);
	h_send(h, &p, &(struct h_seg){ .flags = H_ACK, .seq = h_seq(&p, 0), .ack = p.iss + 1,
				       .win = 65535 });
	p.conn = tcprx_accept(h->rx);
	assert_non_null(p.conn);
	info = h_info(&p);
	assert_int_equal(info.peer_mss, 536); /* RFC 9293 §3.7.1 default for IPv4 */
	assert_int_equal(info.snd_wscale, 0);
	assert_int_equal(info.rcv_wscale, 0);
	assert_false(info.ts_ok);
	assert_false(info.sack_ok);
	/* Out-of-order data: a duplicate ACK without SACK blocks and without TS. */
	d = h_data(&p, 1000, 500);
	h_send(h, &p, &d);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&p, 0)),
					    .nb_sack = H_IS(0), .has_ts = H_IS(0) }, &f);
	assert_true(f.win <= 65535);
}

static void test_options_refused_by_config(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct h_frame synack;
	struct h_peer p;

	h_config(h, &cfg);
	cfg.no_sack = true;
	cfg.no_timestamps = true;
	cfg.wscale = 3;
	h_restart(h, &cfg);
	h_peer_init(&p, false, 2, 40000, 0x50000000);
	p.mss = 1460;
	p.ws = 7;
	p.ts = true;
	p.sack = true;
	h_syn(h, &p, &synack);
	assert_false(synack.sackok);
	assert_false(synack.has_ts);
	assert_true(synack.has_ws);
	assert_int_equal(synack.ws, 3);
}

static void test_rst_for_closed_ports(void **state)
{
	struct harness *h = *state;
	struct h_seg s;
	struct h_peer p;

	h_peer_init(&p, false, 2, 40000, 0x60000000);
	p.dport = 81; /* nobody listens */
	/* ACK off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, SYN and FIN counted. */
	h_send(h, &p, &(struct h_seg){ .flags = H_SYN, .seq = p.isn, .win = 65535 });
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST | H_ACK), .seq = H_IS(0),
					    .ack = H_IS(p.isn + 1) }, NULL);
	s = (struct h_seg){ .flags = H_PSH, .seq = 7000, .win = 65535, .len = 100 };
	h_send(h, &p, &s);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST | H_ACK), .seq = H_IS(0),
					    .ack = H_IS(7100) }, NULL);
	s.flags = H_FIN;
	h_send(h, &p, &s);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST | H_ACK), .seq = H_IS(0),
					    .ack = H_IS(7101) }, NULL);
	/* ACK on: <SEQ=SEG.ACK><CTL=RST>. */
	s = (struct h_seg){ .flags = H_ACK, .seq = 9000, .ack = 0xdeadbeef, .win = 65535, .len = 10 };
	h_send(h, &p, &s);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST), .seq = H_IS(0xdeadbeef) }, NULL);
	assert_int_equal(h_stats(h).rst_out, 4);
	/* Never a RST in reply to a RST. */
	h_send(h, &p, &(struct h_seg){ .flags = H_RST, .seq = 9000, .win = 0 });
	h_send(h, &p, &(struct h_seg){ .flags = H_RST | H_ACK, .seq = 9000, .ack = 5, .win = 0 });
	h_expect_none(h);
	assert_int_equal(h_stats(h).rst_out, 4);
	/* A listening port without a TCB for the segment: the same ACK-on rule. */
	p.dport = H_PORT;
	h_send(h, &p, &(struct h_seg){ .flags = H_ACK, .seq = 9000, .ack = 4242, .win = 65535 });
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_RST), .seq = H_IS(4242) }, NULL);
	assert_int_equal(h_stats(h).rst_out, 5);
}

/*
 * tcprx_unlisten closes the port to new connections only: a SYN then gets
 * the closed-port RST, connections already accepted carry on, and listening
 * again reopens it. Unknown ports and a missing stack are refused.
 */
static void test_unlisten_closes_port_keeps_conns(void **state)
{
	struct harness *h = *state;
	struct h_peer p, q;
	struct h_frame synack;

	h_peer_init(&p, false, 2, 40000, 0x70000000);
	h_open(h, &p);
	assert_int_equal(tcprx_unlisten(h->rx, NULL, H_PORT), 0);

	h_peer_init(&q, false, 3, 40001, 0x71000000);
	h_send(h, &q, &(struct h_seg){ .flags = H_SYN, .seq = q.isn, .win = 65535 });
	h_expect(h, &q, &(struct h_match){ .flags = H_IS(H_RST | H_ACK), .seq = H_IS(0),
					    .ack = H_IS(q.isn + 1) }, NULL);
	assert_int_equal(h_stats(h).half_open, 0);
	assert_null(tcprx_accept(h->rx));

	/* The accepted connection still receives. */
	h_send_data(h, &p, 0, 1000);
	h_acks(h, &p, NULL);
	assert_int_equal(h_recv(h, &p, NULL), 1000);
	assert_int_equal(h_info(&p).state, TCPRX_ESTABLISHED);

	assert_int_equal(tcprx_unlisten(h->rx, NULL, H_PORT), -ENOENT);
	assert_int_equal(tcprx_unlisten(h->rx, NULL, 81), -ENOENT);
	assert_int_equal(tcprx_unlisten(NULL, NULL, H_PORT), -EINVAL);

	assert_int_equal(tcprx_listen(h->rx, NULL, H_PORT), 0);
	h_peer_init(&q, false, 3, 40002, 0x72000000);
	h_syn(h, &q, &synack);
}

static void test_not_our_address_ignored(void **state)
{
	struct harness *h = *state;
	uint8_t buf[H_FRAME_MAX];
	struct h_peer p;
	uint32_t hdr_len;
	size_t len;
	uint64_t before = h_stats(h).not_ours;

	h_peer_init(&p, false, 2, 40000, 0x61000000);
	len = h_build(h, &p, &(struct h_seg){ .flags = H_SYN, .seq = p.isn, .win = 65535 }, buf,
		      sizeof(buf), &hdr_len);
	buf[14 + 19] = 99; /* destination 192.0.2.99: not ours */
	h_fix_checksums(buf, len);
	h_queue_bytes(h, buf, len, hdr_len, RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD,
		      h_ptype(&p), false, NULL);
	h_poll(h);
	h_expect_none(h);
	assert_int_equal(h_stats(h).not_ours, before + 1);
	assert_int_equal(h_stats(h).syn_in, 0);
}

static void test_arp_request_answered(void **state)
{
	struct harness *h = *state;
	const uint8_t other[4] = { 192, 0, 2, 99 };
	uint8_t buf[64];
	struct h_frame f;
	struct h_peer p;
	size_t len;

	h_peer_init(&p, false, 2, 0, 0);
	len = h_build_arp_request(&p, h->ip4.bytes, buf);
	h_queue_bytes(h, buf, len, (uint32_t)len, 0, RTE_PTYPE_L2_ETHER_ARP, true, NULL);
	h_poll(h);
	assert_true(h_next(h, &f));
	assert_int_equal(f.ether_type, RTE_ETHER_TYPE_ARP);
	assert_int_equal(f.arp_op, RTE_ARP_OP_REPLY);
	assert_true(rte_is_same_ether_addr(&f.dst, &p.mac));
	assert_true(rte_is_same_ether_addr(&f.src, &h->mac));
	assert_true(rte_is_same_ether_addr(&f.arp_sha, &h->mac));
	assert_true(rte_is_same_ether_addr(&f.arp_tha, &p.mac));
	assert_memory_equal(&f.arp_spa, h->ip4.bytes, 4);
	assert_memory_equal(&f.arp_tpa, p.ip, 4);
	assert_int_equal(h_stats(h).arp_replies, 1);
	/* Somebody else's address: not answered. */
	len = h_build_arp_request(&p, other, buf);
	h_queue_bytes(h, buf, len, (uint32_t)len, 0, RTE_PTYPE_L2_ETHER_ARP, true, NULL);
	h_poll(h);
	h_expect_none(h);
	assert_int_equal(h_stats(h).arp_replies, 1);
}

static void test_ipv6_handshake_data_and_nd(void **state)
{
	struct harness *h = *state;
	uint8_t buf[128];
	struct h_frame f;
	struct h_peer p;
	struct h_seg s;
	size_t len;
	int rc;

	h_peer_init(&p, true, 2, 40000, 0x70000000);
	len = h_build_ns(h, &p, buf);
	h_queue_bytes(h, buf, len, (uint32_t)len, RTE_MBUF_F_RX_L4_CKSUM_GOOD,
		      RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6, true, NULL);
	h_poll(h);
	assert_true(h_next(h, &f));
	assert_int_equal(f.ether_type, RTE_ETHER_TYPE_IPV6);
	assert_int_equal(f.icmp6_type, 136);
	assert_memory_equal(f.nd_target, h->ip6.bytes, 16);
	assert_true(f.nd_has_tlla);
	assert_true(rte_is_same_ether_addr(&f.nd_tlla, &h->mac));
	assert_true(rte_is_same_ether_addr(&f.dst, &p.mac));
	assert_int_equal(h_stats(h).nd_replies, 1);

	p.mss = 1440;
	p.ws = 7;
	p.ts = true;
	p.sack = true;
	h_open(h, &p);
	assert_int_equal(h_info(&p).local.family, AF_INET6);
	assert_int_equal(h_info(&p).peer_mss, 1440);
	/* This time through tcprx_input_burst + tcprx_timers, as an app owning its RX loop does. */
	for (unsigned int i = 0; i < 3; i++) {
		s = h_data(&p, i * 1000, 1000);
		h_input(h, &p, &s);
	}
	h_settle(h, &p, &f);
	assert_int_equal(f.ack, h_seq(&p, 3000));
	assert_int_equal(h_recv(h, &p, &rc), 3000);
	assert_int_equal(rc, -EAGAIN);
	s = h_ctl(&p, H_FIN | H_ACK, 3000);
	h_send(h, &p, &s);
	h_expect(h, &p, &(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(h_seq(&p, 3001)) }, NULL);
	assert_int_equal(h_info(&p).state, TCPRX_CLOSE_WAIT);
	assert_int_equal(h_recv(h, &p, &rc), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(h_cstats(&p).bytes_delivered, 3000);
}

/*
 * The MSS offered must fit the port's MTU: a larger one makes the peer send
 * segments the port drops, so tcprx_create refuses it; an IPv6 SYN is
 * offered 20 bytes less than an IPv4 one for the same setting.
 */
static void test_mss_fits_the_port_mtu(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct tcprx *rx = NULL;
	struct h_peer p4, p6;
	struct h_frame f;
	uint16_t port, mtu;

	if (rte_vdev_init("net_ring_mss", NULL) < 0)
		skip(); /* net_ring comes from Debian's DPDK PMD directory */
	assert_int_equal(rte_eth_dev_get_port_by_name("net_ring_mss", &port), 0);
	assert_int_equal(rte_eth_dev_get_mtu(port, &mtu), 0);
	assert_int_equal(mtu, 1500);
	h_config(h, &cfg);
	cfg.port_id = port;
	cfg.mss = 1461;
	assert_int_equal(tcprx_create(&cfg, &rx), -EINVAL);
	cfg.mss = 1460;
	h_restart(h, &cfg);
	h_peer_init(&p4, false, 2, 40000, 1000);
	p4.mss = 1460;
	h_syn(h, &p4, &f);
	assert_true(f.has_mss);
	assert_int_equal(f.mss, 1460);
	h_peer_init(&p6, true, 3, 40001, 1000);
	p6.mss = 1440;
	h_syn(h, &p6, &f);
	assert_true(f.has_mss);
	assert_int_equal(f.mss, 1440);
	h_config(h, &cfg); /* the harness's usual tcprx, off the port, before it goes */
	cfg.port_id = UINT16_MAX;
	h_restart(h, &cfg);
	assert_int_equal(rte_vdev_uninit("net_ring_mss"), 0);
}

/* A tx pool whose mbufs cannot hold our largest frame is refused at create. */
static void test_tx_pool_too_small(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct tcprx *rx = NULL;
	struct rte_mempool *small;

	small = rte_pktmbuf_pool_create("h_tx_small", 63, 0, 0, RTE_PKTMBUF_HEADROOM + 64,
					SOCKET_ID_ANY);
	assert_non_null(small);
	h_config(h, &cfg);
	cfg.tx_pool = small;
	assert_int_equal(tcprx_create(&cfg, &rx), -EINVAL);
	rte_mempool_free(small);
}

/* SYN, SYN-ACK, ACK: established, left in the accept queue. */
static void establish_unaccepted(struct harness *h, struct h_peer *p)
{
	struct h_seg ack;

	h_syn(h, p, NULL);
	ack = h_ctl(p, H_ACK, 0);
	h_send(h, p, &ack);
	h_expect_none(h);
}

static void send_syn(struct harness *h, struct h_peer *p)
{
	h_send(h, p, &(struct h_seg){ .flags = H_SYN, .seq = p->isn, .win = 65535 });
}

static void test_accept_backlog_bound(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct tcprx_stats st;
	struct h_peer p[4];
	struct h_seg s;
	unsigned int i;

	h_config(h, &cfg);
	cfg.accept_backlog = 2;
	h_restart(h, &cfg);
	for (i = 0; i < 4; i++)
		h_peer_init(&p[i], false, (uint8_t)(2 + i), (uint16_t)(40000 + i), 0x80000000u + i * 0x100000u);
	establish_unaccepted(h, &p[0]);
	establish_unaccepted(h, &p[1]);
	/* Two established, none accepted: a third SYN is dropped, counted, not answered. */
	send_syn(h, &p[2]);
	send_syn(h, &p[2]);
	h_expect_none(h);
	st = h_stats(h);
	assert_int_equal(st.backlog_drops, 2);
	assert_int_equal(st.established, 2);
	assert_int_equal(st.half_open, 0);
	assert_int_equal(st.conns, 2);
	assert_int_equal(st.half_open_drops + st.conn_table_full, 0);
	/* The waiting connections still take data. */
	s = h_data(&p[1], 0, 500);
	h_send(h, &p[1], &s);
	h_settle(h, &p[1], NULL);
	/* The application accepts one: the retried SYN is answered, and the queue fills again. */
	p[0].conn = tcprx_accept(h->rx);
	assert_non_null(p[0].conn);
	establish_unaccepted(h, &p[2]);
	send_syn(h, &p[3]);
	h_expect_none(h);
	assert_int_equal(h_stats(h).backlog_drops, 3);
	p[1].conn = tcprx_accept(h->rx);
	assert_non_null(p[1].conn);
	assert_int_equal(h_recv(h, &p[1], NULL), 500);
	h_syn(h, &p[3], NULL);
	assert_int_equal(h_stats(h).backlog_drops, 3);
}

static void test_conn_table_full(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct tcprx_stats st;
	struct h_peer p[5];
	struct h_seg s;
	unsigned int i;
	int rc;

	h_config(h, &cfg);
	cfg.max_conns = 3;
	cfg.no_syncookies = true; /* with cookies: test_tcprx_syncookie */
	h_restart(h, &cfg);
	for (i = 0; i < 5; i++)
		h_peer_init(&p[i], false, (uint8_t)(2 + i), (uint16_t)(40000 + i), 0x90000000u + i * 0x100000u);
	h_open(h, &p[0]);
	h_open(h, &p[1]);
	h_syn(h, &p[2], NULL);
	/* Every slot taken (accepted and half-open alike): a fourth SYN is dropped, counted. */
	send_syn(h, &p[3]);
	h_expect_none(h);
	st = h_stats(h);
	assert_int_equal(st.conn_table_full, 1);
	assert_int_equal(st.conns, 3);
	assert_int_equal(st.half_open_drops + st.backlog_drops, 0);
	/* An aborted connection frees its slot at once. */
	assert_int_equal(tcprx_close(p[0].conn), 0);
	p[0].conn = NULL;
	h_poll(h);
	h_expect(h, &p[0], &(struct h_match){ .flags = H_IS(H_RST) }, NULL);
	h_syn(h, &p[3], NULL);
	assert_int_equal(h_stats(h).conns, 3);
	/* LAST-ACK and TIME-WAIT hold theirs until they end. */
	s = h_ctl(&p[1], H_FIN | H_ACK, 0);
	h_send(h, &p[1], &s);
	h_expect(h, &p[1], H_ACK_OF(h_seq(&p[1], 1)), NULL);
	assert_int_equal(h_recv(h, &p[1], &rc), 0);
	assert_int_equal(tcprx_close(p[1].conn), 0);
	p[1].conn = NULL;
	h_poll(h);
	h_expect(h, &p[1], &(struct h_match){ .flags = H_IS(H_FIN | H_ACK) }, NULL);
	send_syn(h, &p[4]);
	h_expect_none(h);
	s = h_ctl(&p[1], H_ACK, 1);
	s.ack = p[1].iss + 2;
	h_send(h, &p[1], &s);
	send_syn(h, &p[4]);
	h_expect_none(h);
	assert_int_equal(h_stats(h).conn_table_full, 3);
	h_advance_ms(h, 2100); /* time_wait_ms; the half-open ones get their SYN-ACKs again */
	h_drain(h);
	assert_int_equal(h_stats(h).conns, 2);
	h_syn(h, &p[4], NULL);
	assert_int_equal(h_stats(h).conns, 3);
	assert_int_equal(h_stats(h).conn_table_full, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_synack_retransmit_backoff_give_up, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_half_open_bound, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_accept_backlog_bound, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_conn_table_full, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_options_negotiated_from_syn, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_window_scale_above_14_is_14, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_options_absent_when_not_offered, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_options_refused_by_config, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_rst_for_closed_ports, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_unlisten_closes_port_keeps_conns, h_setup,
						h_teardown),
		cmocka_unit_test_setup_teardown(test_not_our_address_ignored, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_arp_request_answered, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_handshake_data_and_nd, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_mss_fits_the_port_mtu, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_tx_pool_too_small, h_setup, h_teardown),
	};
	int ret;

	if (h_eal_init("test_tcprx_open") < 0) {
		fprintf(stderr, "test_tcprx_open: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
