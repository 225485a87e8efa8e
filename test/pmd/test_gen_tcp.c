/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend=gen,handshake=1: the generator as a TCP sender, driven by this test
 * playing the receiver through the ethdev API. SYNs with their options, the
 * completing ACK after our SYN-ACK, data only inside the advertised (scaled)
 * window, the pattern by stream offset, more data when an ACK opens the
 * window, go-back-N after three duplicate ACKs, odd frames counted, and the
 * devargs it refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "rte_pmd_hsplit.h"

#define NB_MBUF   1024u
#define FLOWS     2u
#define MSS_DATA  1448u         /* 1514 - 14 - 20 - 20 - 12 (timestamps) */
#define OUR_ISS   0x70000000u   /* the "receiver's" ISS */
#define WS_SHIFT  2u

static struct rte_mempool *mp;
static unsigned int port_seq;

struct seg {
	uint32_t flow, seq, ack, len;
	uint16_t win;
	uint8_t flags;
	const uint8_t *opt, *payload;
	uint32_t opt_len;
};

static uint16_t port_up(const char *devargs, char *name, size_t len)
{
	struct rte_eth_conf conf = { 0 };
	uint16_t port;

	snprintf(name, len, "net_hsplit_gt%u", port_seq++);
	assert_int_equal(rte_vdev_init(name, devargs), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
	assert_int_equal(rte_eth_dev_configure(port, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, mp), 0);
	assert_int_equal(rte_eth_tx_queue_setup(port, 0, 256, 0, NULL), 0);
	assert_int_equal(rte_eth_promiscuous_enable(port), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
	return port;
}

static void port_down(uint16_t port, const char *name)
{
	assert_int_equal(rte_eth_dev_stop(port), 0);
	assert_int_equal(rte_eth_dev_close(port), 0);
	assert_int_equal(rte_vdev_uninit(name), 0);
}

/* Everything the generator has to send now (it stops when the windows are full). */
static unsigned int rx_all(uint16_t port, struct rte_mbuf **pkts, unsigned int max)
{
	unsigned int got = 0, idle = 0;

	while (got < max && idle < 200) {
		uint16_t n = rte_eth_rx_burst(port, 0, &pkts[got], (uint16_t)RTE_MIN(max - got, 32u));

		got += n;
		idle = n ? 0 : idle + 1;
	}
	return got;
}

static void parse(const struct rte_mbuf *m, struct seg *s)
{
	const uint8_t *b = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip = (const void *)(b + 14);
	const struct rte_tcp_hdr *th = (const void *)(b + 34);
	uint32_t thl = (uint32_t)(th->data_off >> 4) * 4;

	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, th), 0);
	s->flow = rte_be_to_cpu_16(th->src_port) - 10000u;
	assert_true(s->flow < FLOWS);
	assert_int_equal(rte_be_to_cpu_32(ip->src_addr), RTE_IPV4(10, 1, s->flow, 1));
	s->seq = rte_be_to_cpu_32(th->sent_seq);
	s->ack = rte_be_to_cpu_32(th->recv_ack);
	s->win = rte_be_to_cpu_16(th->rx_win);
	s->flags = th->tcp_flags;
	s->opt = (const uint8_t *)(th + 1);
	s->opt_len = thl - 20;
	s->payload = b + 34 + thl;
	s->len = rte_be_to_cpu_16(ip->total_length) - 20u - thl;
}

/* The receiver's segment to flow f: SYN-ACK (with options) or ACK. */
static struct rte_mbuf *reply(uint32_t f, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t win)
{
	static const uint8_t synack_opt[] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0,
					      1, 3, 3, WS_SHIFT };
	static const uint8_t ack_opt[] = { 1, 1, 8, 10, 0, 0, 0, 10, 0, 0, 0, 0 };
	const uint8_t *opt = flags & RTE_TCP_SYN_FLAG ? synack_opt : ack_opt;
	uint32_t opt_len = flags & RTE_TCP_SYN_FLAG ? sizeof(synack_opt) : sizeof(ack_opt);
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(54 + opt_len));
	struct rte_ipv4_hdr *ip = (void *)(b + 14);
	struct rte_tcp_hdr *th = (void *)(b + 34);

	memset(b, 0, 54);
	b[12] = 0x08;
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + opt_len));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 2, 0, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 1, f, 1));
	th->src_port = rte_cpu_to_be_16(5201);
	th->dst_port = rte_cpu_to_be_16((uint16_t)(10000 + f));
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((20 + opt_len) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	memcpy(th + 1, opt, opt_len);
	return m;
}

static void send_to_gen(uint16_t port, struct rte_mbuf *m)
{
	assert_int_equal(rte_eth_tx_burst(port, 0, &m, 1), 1);
}

static bool has_option(const struct seg *s, uint8_t kind, uint8_t len)
{
	uint32_t i = 0;

	while (i + 1 < s->opt_len && s->opt[i] != 0) {
		if (s->opt[i] == 1) {
			i++;
			continue;
		}
		if (s->opt[i] == kind && s->opt[i + 1] == len)
			return true;
		i += s->opt[i + 1];
	}
	return false;
}

static void check_syns(uint16_t port)
{
	struct rte_mbuf *pkts[8];
	unsigned int i, n = rx_all(port, pkts, 8);

	assert_int_equal(n, FLOWS);
	for (i = 0; i < n; i++) {
		struct seg s;

		parse(pkts[i], &s);
		assert_int_equal(s.flags, RTE_TCP_SYN_FLAG);
		assert_int_equal(s.seq, s.flow * 0x10000000u);
		assert_true(has_option(&s, 2, 4) && has_option(&s, 4, 2) &&
			    has_option(&s, 8, 10) && has_option(&s, 3, 3));
		assert_int_equal(s.opt[2] << 8 | s.opt[3], MSS_DATA + 12);
	}
	rte_pktmbuf_free_bulk(pkts, n);
}

/* Collects what the generator sends now; data per flow is checked against the pattern. */
static void collect(uint16_t port, unsigned int *acks, unsigned int *data, uint32_t *next_seq)
{
	struct rte_mbuf *pkts[64];
	unsigned int i, n = rx_all(port, pkts, 64);

	for (i = 0; i < n; i++) {
		struct seg s;
		uint32_t k;

		parse(pkts[i], &s);
		assert_int_equal(s.ack, OUR_ISS + s.flow + 1);
		assert_true(s.flags & RTE_TCP_ACK_FLAG);
		if (s.len == 0) {
			acks[s.flow]++;
			continue;
		}
		assert_int_equal(s.len, MSS_DATA);
		assert_int_equal(s.seq, next_seq[s.flow]);
		for (k = 0; k < s.len; k++)
			assert_int_equal(s.payload[k], rte_pmd_hsplit_gen_byte(
				s.seq - s.flow * 0x10000000u - 1 + k));
		next_seq[s.flow] += s.len;
		data[s.flow]++;
	}
	rte_pktmbuf_free_bulk(pkts, n);
}

static void test_handshake_and_window(void **state)
{
	struct rte_pmd_hsplit_gen_tcp_stats st;
	unsigned int acks[FLOWS] = { 0 }, data[FLOWS] = { 0 };
	uint32_t next_seq[FLOWS], f;
	char name[32];
	uint16_t port;

	(void)state;
	port = port_up("backend=gen,handshake=1,flows=2,size=1514,rto=600000", name, sizeof(name));
	check_syns(port);
	/* SYN-ACK window 4 segments (never scaled in a SYN-ACK); later windows << 2 */
	for (f = 0; f < FLOWS; f++) {
		next_seq[f] = f * 0x10000000u + 1;
		send_to_gen(port, reply(f, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, OUR_ISS + f,
					f * 0x10000000u + 1, 4 * MSS_DATA));
	}
	collect(port, acks, data, next_seq);
	for (f = 0; f < FLOWS; f++) {
		assert_int_equal(acks[f], 1);
		assert_int_equal(data[f], 4);
	}
	/* flow 0: ACK two segments, window (1448 << 2) = 4 segments from there: 2 more */
	send_to_gen(port, reply(0, RTE_TCP_ACK_FLAG, OUR_ISS + 1, 1 + 2 * MSS_DATA, MSS_DATA));
	collect(port, acks, data, next_seq);
	assert_int_equal(data[0], 6);
	assert_int_equal(data[1], 4);
	/* three duplicate ACKs: go back to the last ACK and resend from there */
	for (f = 0; f < 3; f++)
		send_to_gen(port, reply(0, RTE_TCP_ACK_FLAG, OUR_ISS + 1, 1 + 2 * MSS_DATA, MSS_DATA));
	next_seq[0] = 1 + 2 * MSS_DATA;
	collect(port, acks, data, next_seq);
	assert_int_equal(data[0], 10);
	assert_int_equal(rte_pmd_hsplit_gen_tcp_stats(port, &st), 0);
	assert_int_equal(st.syn_out, FLOWS);
	assert_int_equal(st.synack_in, FLOWS);
	assert_int_equal(st.data_segs, 10);
	assert_int_equal(st.data_retrans, 4);
	assert_int_equal(st.fast_retrans, 1);
	assert_int_equal(st.dup_acks, 3);
	assert_int_equal(st.established, FLOWS);
	assert_int_equal(st.acked_bytes, 2 * MSS_DATA);
	assert_int_equal(st.odd_frames + st.tx_not_tcp + st.window_shrunk + st.rst_in, 0);
	port_down(port, name);
}

static void test_odd_frames_counted(void **state)
{
	struct rte_pmd_hsplit_gen_tcp_stats st;
	struct rte_mbuf *m, *pkts[8];
	char name[32];
	uint16_t port;

	(void)state;
	port = port_up("backend=gen,handshake=1,flows=1,rto=600000", name, sizeof(name));
	rte_pktmbuf_free_bulk(pkts, rx_all(port, pkts, 8));
	m = reply(0, RTE_TCP_ACK_FLAG, 1, 12345, 100);           /* ACK before any SYN-ACK */
	send_to_gen(port, m);
	m = reply(0, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 1, 99, 100); /* acks the wrong ISS */
	send_to_gen(port, m);
	m = reply(0, RTE_TCP_ACK_FLAG, 1, 1, 100);
	rte_pktmbuf_mtod(m, uint8_t *)[23] = IPPROTO_UDP;
	send_to_gen(port, m);
	assert_int_equal(rte_pmd_hsplit_gen_tcp_stats(port, &st), 0);
	assert_int_equal(st.odd_frames, 2);
	assert_int_equal(st.tx_not_tcp, 1);
	assert_int_equal(st.established, 0);
	assert_int_equal(st.synack_in, 0);
	port_down(port, name);
}

static void test_refusals(void **state)
{
	static const char *const bad[] = {
		"backend=gen,handshake=2", "backend=gen,handshake=1,proto=udp",
		"backend=gen,handshake=1,l3=ipv6", "backend=gen,handshake=1,rate=1000",
		"backend=gen,handshake=1,size=66", "backend=gen,flows=50001",
	};
	struct rte_pmd_hsplit_gen_tcp_stats st;
	unsigned int i;
	char name[32];
	uint16_t port;

	(void)state;
	for (i = 0; i < RTE_DIM(bad); i++) {
		snprintf(name, sizeof(name), "net_hsplit_gt%u", port_seq++);
		if (rte_vdev_init(name, bad[i]) >= 0)
			fail_msg("devargs '%s' were accepted", bad[i]);
	}
	port = port_up("backend=gen,flows=50000", name, sizeof(name));
	assert_int_equal(rte_pmd_hsplit_gen_tcp_stats(port, &st), -ENOTSUP);
	assert_int_equal(rte_pmd_hsplit_gen_tcp_stats(RTE_MAX_ETHPORTS, &st), -ENODEV);
	port_down(port, name);
}

int main(void)
{
	char prefix[64];
	char *argv[] = { "test_gen_tcp", "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "-l", "0", "--file-prefix", prefix };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_and_window),
		cmocka_unit_test(test_odd_frames_counted),
		cmocka_unit_test(test_refusals),
	};
	int ret;

	snprintf(prefix, sizeof(prefix), "test_gen_tcp_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	mp = rte_pktmbuf_pool_create("gt", NB_MBUF, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM, 0);
	if (mp == NULL) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return ret;
}
