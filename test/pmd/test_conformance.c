/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device conformance: every frame type the device must tell apart, through
 * every protocol split testpmd's --rxhdrs can ask of net_hsplit and a length
 * split. For each frame and split the case checks the completion (segment
 * lengths, LINEAR or split, the bytes of both segments, ptype, checksum
 * flags) and that exactly the expected counters moved, nothing else.
 *
 * The expectations are written from DPDK's definitions, not from the
 * device: ptypes from rte_mbuf_ptype.h, split points from the buffer-split
 * API (rte_ethdev.h: a protocol split ends after the last header named in
 * proto_hdr; a frame without it is not split), runts from 802.3 (60 bytes
 * without FCS), the MTU as the largest L3 packet. doc/net_hsplit.md's
 * "What the device does with each frame" table is this table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "device_rig.h"

RTE_LOG_REGISTER(hsplit_logtype, pmd.net.hsplit, NOTICE);

#define HDR_ROOM 256u    /* hdr_mp's data room: a LINEAR frame's first segment */

enum outcome { DELIVERED, DROP_MALFORMED, DROP_RUNT, DROP_MTU };

struct conf_frame {
	const char *name;
	struct frame_spec spec;
	uint32_t raw_len;        /* not 0: Ethernet header (EtherType 0x88b5) + zeros */
	enum outcome outcome;
	uint32_t ptype;
	uint16_t l2, l3, l4;     /* header lengths; l3 0: no IP header, l4 0: no TCP/UDP */
	uint64_t csum;           /* RTE_MBUF_F_RX_{IP,L4}_CKSUM_* */
};

#define IP_OK  RTE_MBUF_F_RX_IP_CKSUM_GOOD
#define L4_OK  RTE_MBUF_F_RX_L4_CKSUM_GOOD
#define ETH    RTE_PTYPE_L2_ETHER
#define TCP4(...) { .proto = IPPROTO_TCP, .sport = 1, .dport = 2, __VA_ARGS__ }
#define UDP4(...) { .proto = IPPROTO_UDP, .sport = 1, .dport = 2, __VA_ARGS__ }
#define TCP6(...) TCP4(.ipv6 = true, __VA_ARGS__)
#define UDP6(...) UDP4(.ipv6 = true, __VA_ARGS__)
#define C_TAG RTE_ETHER_TYPE_VLAN
#define S_TAG RTE_ETHER_TYPE_QINQ

static const struct conf_frame frames[] = {
	/* plain */
	{ "ipv4-tcp", TCP4(.payload = 200), 0, DELIVERED,
	  ETH | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP, 14, 20, 20, IP_OK | L4_OK },
	{ "ipv4opt-tcpopt", TCP4(.payload = 200, .ip_opt_words = 2, .tcp_opt_words = 3), 0,
	  DELIVERED, ETH | RTE_PTYPE_L3_IPV4_EXT | RTE_PTYPE_L4_TCP, 14, 28, 32, IP_OK | L4_OK },
	{ "ipv4-udp", UDP4(.payload = 300), 0, DELIVERED,
	  ETH | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP, 14, 20, 8, IP_OK | L4_OK },
	{ "ipv4-tcp-bad-csum", TCP4(.payload = 100, .bad_l4_csum = true), 0, DELIVERED,
	  ETH | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP, 14, 20, 20,
	  IP_OK | RTE_MBUF_F_RX_L4_CKSUM_BAD },
	{ "ipv4-frag-first", TCP4(.payload = 100, .frag4 = RTE_IPV4_HDR_MF_FLAG), 0, DELIVERED,
	  ETH | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_FRAG, 14, 20, 0, IP_OK },
	{ "ipv4-frag-later", UDP4(.payload = 100, .frag4 = 185), 0, DELIVERED,
	  ETH | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_FRAG, 14, 20, 0, IP_OK },
	{ "ipv4-icmp", { .proto = IPPROTO_ICMP, .payload = 56 }, 0, DELIVERED,
	  ETH | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_ICMP, 14, 20, 0, IP_OK },
	{ "ipv6-tcp", TCP6(.payload = 200), 0, DELIVERED,
	  ETH | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_TCP, 14, 40, 20, L4_OK },
	{ "ipv6-udp", UDP6(.payload = 200), 0, DELIVERED,
	  ETH | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_UDP, 14, 40, 8, L4_OK },
	{ "ipv6-icmp", { .ipv6 = true, .proto = IPPROTO_ICMPV6, .payload = 56 }, 0, DELIVERED,
	  ETH | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_ICMP, 14, 40, 0, 0 },
	/* IPv6 extension headers: all part of L3 */
	{ "ipv6-hbh-tcp", TCP6(.payload = 200, .v6_ext = { IPPROTO_HOPOPTS }, .nb_v6_ext = 1), 0,
	  DELIVERED, ETH | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_TCP, 14, 48, 20, L4_OK },
	{ "ipv6-dst-rt-udp", UDP6(.payload = 200, .v6_ext = { IPPROTO_DSTOPTS, IPPROTO_ROUTING },
				  .nb_v6_ext = 2), 0,
	  DELIVERED, ETH | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_UDP, 14, 80, 8, L4_OK },
	{ "ipv6-ah-tcp", TCP6(.payload = 200, .v6_ext = { IPPROTO_AH }, .nb_v6_ext = 1), 0,
	  DELIVERED, ETH | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_TCP, 14, 64, 20, L4_OK },
	{ "ipv6-frag-first", TCP6(.payload = 200, .v6_ext = { IPPROTO_FRAGMENT }, .nb_v6_ext = 1,
				  .v6_frag = 1), 0,
	  DELIVERED, ETH | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_FRAG, 14, 48, 0, 0 },
	{ "ipv6-frag-later", UDP6(.payload = 200, .v6_ext = { IPPROTO_HOPOPTS, IPPROTO_FRAGMENT },
				  .nb_v6_ext = 2, .v6_frag = 185 << 3), 0,
	  DELIVERED, ETH | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_FRAG, 14, 56, 0, 0 },
	{ "ipv6-atomic-frag-udp", UDP6(.payload = 200, .v6_ext = { IPPROTO_FRAGMENT },
				       .nb_v6_ext = 1), 0,
	  DELIVERED, ETH | RTE_PTYPE_L3_IPV6_EXT | RTE_PTYPE_L4_UDP, 14, 48, 8, L4_OK },
	{ "ipv6-esp", UDP6(.payload = 200, .v6_ext = { IPPROTO_ESP }, .nb_v6_ext = 1), 0,
	  DELIVERED, ETH | RTE_PTYPE_L3_IPV6_EXT, 14, 40, 0, 0 },
	/* VLAN tags: all part of L2 */
	{ "vlan-ipv4-tcp", TCP4(.payload = 200, .tpid = { C_TAG }, .nb_tags = 1, .vid = 5), 0,
	  DELIVERED, RTE_PTYPE_L2_ETHER_VLAN | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP, 18, 20, 20,
	  IP_OK | L4_OK },
	{ "qinq-ipv4-tcp", TCP4(.payload = 200, .tpid = { S_TAG, C_TAG }, .nb_tags = 2,
				.vid = 5), 0,
	  DELIVERED, RTE_PTYPE_L2_ETHER_QINQ | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP, 22, 20, 20,
	  IP_OK | L4_OK },
	{ "dot1q-dot1q-ipv6-udp", UDP6(.payload = 200, .tpid = { C_TAG, C_TAG }, .nb_tags = 2,
				       .vid = 5), 0,
	  DELIVERED, RTE_PTYPE_L2_ETHER_QINQ | RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_UDP, 22, 40, 8,
	  L4_OK },
	{ "stag-ipv4-udp", UDP4(.payload = 200, .tpid = { S_TAG }, .nb_tags = 1, .vid = 7), 0,
	  DELIVERED, RTE_PTYPE_L2_ETHER_QINQ | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_UDP, 18, 20, 8,
	  IP_OK | L4_OK },
	{ "three-tags", TCP4(.payload = 200, .tpid = { S_TAG, C_TAG, C_TAG }, .nb_tags = 3,
			     .vid = 5), 0,
	  DELIVERED, RTE_PTYPE_L2_ETHER_QINQ, 22, 0, 0, 0 },
	/* not IP */
	{ "arp", { .arp = true, .pad_to = 60 }, 0, DELIVERED, RTE_PTYPE_L2_ETHER_ARP, 14, 0, 0, 0 },
	{ "vlan-arp", { .arp = true, .pad_to = 64, .tpid = { C_TAG }, .nb_tags = 1, .vid = 9 }, 0,
	  DELIVERED, RTE_PTYPE_L2_ETHER_VLAN, 18, 0, 0, 0 },
	{ "ether-0x88b5-60", { 0 }, 60, DELIVERED, ETH, 14, 0, 0, 0 },
	/* sizes: runts, the MTU (1500) with and without tags */
	{ "malformed-10", { 0 }, 10, DROP_MALFORMED, 0, 0, 0, 0, 0 },
	{ "runt-20", { 0 }, 20, DROP_RUNT, 0, 0, 0, 0, 0 },
	{ "runt-59", { 0 }, 59, DROP_RUNT, 0, 0, 0, 0, 0 },
	{ "ipv4-tcp-1514", TCP4(.payload = 1460), 0, DELIVERED,
	  ETH | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP, 14, 20, 20, IP_OK | L4_OK },
	{ "ipv4-tcp-1515", TCP4(.payload = 1461), 0, DROP_MTU, 0, 0, 0, 0, 0 },
	{ "ipv4-tcp-1800", TCP4(.payload = 1746), 0, DROP_MTU, 0, 0, 0, 0, 0 },
	{ "vlan-ipv4-tcp-1518", TCP4(.payload = 1460, .tpid = { C_TAG }, .nb_tags = 1, .vid = 5),
	  0, DELIVERED, RTE_PTYPE_L2_ETHER_VLAN | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP, 18, 20,
	  20, IP_OK | L4_OK },
	{ "vlan-ipv4-tcp-1519", TCP4(.payload = 1461, .tpid = { C_TAG }, .nb_tags = 1, .vid = 5),
	  0, DROP_MTU, 0, 0, 0, 0, 0 },
	{ "qinq-ipv4-tcp-1522", TCP4(.payload = 1460, .tpid = { S_TAG, C_TAG }, .nb_tags = 2,
				     .vid = 5), 0,
	  DELIVERED, RTE_PTYPE_L2_ETHER_QINQ | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP, 22, 20, 20,
	  IP_OK | L4_OK },
};

/* The splits: each --rxhdrs value net_hsplit accepts, as the mask testpmd builds, and a length. */
struct conf_mode {
	const char *name;
	enum hsplit_split_mode split;
	uint32_t proto_hdr;
	uint16_t seg0_len;
};

#define L3V4 (ETH | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN)
#define L3V6 (ETH | RTE_PTYPE_L3_IPV6_EXT_UNKNOWN)

static const struct conf_mode modes[] = {
	{ "eth", HSPLIT_SPLIT_PROTO, ETH, 0 },
	{ "ipv4", HSPLIT_SPLIT_PROTO, L3V4, 0 },
	{ "ipv6", HSPLIT_SPLIT_PROTO, L3V6, 0 },
	{ "ipv4-tcp", HSPLIT_SPLIT_PROTO, L3V4 | RTE_PTYPE_L4_TCP, 0 },
	{ "ipv4-udp", HSPLIT_SPLIT_PROTO, L3V4 | RTE_PTYPE_L4_UDP, 0 },
	{ "ipv6-tcp", HSPLIT_SPLIT_PROTO, L3V6 | RTE_PTYPE_L4_TCP, 0 },
	{ "ipv6-udp", HSPLIT_SPLIT_PROTO, L3V6 | RTE_PTYPE_L4_UDP, 0 },
	{ "length-100", HSPLIT_SPLIT_LENGTH, 0, 100 },
};

static bool frame_is_ipv6(const struct conf_frame *f)
{
	return (f->ptype & RTE_PTYPE_L3_MASK) == RTE_PTYPE_L3_IPV6 ||
	       (f->ptype & RTE_PTYPE_L3_MASK) == RTE_PTYPE_L3_IPV6_EXT;
}

/*
 * Where DPDK's buffer-split definition puts the split: after the last
 * header named in proto_hdr when the frame has all of them (the L3 family
 * and L4 protocol exactly), otherwise no split (0: the whole frame LINEAR).
 */
static uint32_t want_split(const struct conf_mode *m, const struct conf_frame *f, uint32_t len)
{
	uint32_t l3 = m->proto_hdr & RTE_PTYPE_L3_MASK, l4 = m->proto_hdr & RTE_PTYPE_L4_MASK;

	if (m->split == HSPLIT_SPLIT_LENGTH)
		return RTE_MIN(len, (uint32_t)m->seg0_len);
	if (l3 == 0)
		return f->l2;
	if (f->l3 == 0 || (l3 == RTE_PTYPE_L3_IPV6_EXT_UNKNOWN) != frame_is_ipv6(f))
		return 0;
	if (l4 == 0)
		return (uint32_t)f->l2 + f->l3;
	if (f->l4 == 0 || (f->ptype & RTE_PTYPE_L4_MASK) != l4)
		return 0;
	return (uint32_t)f->l2 + f->l3 + f->l4;
}

static uint32_t make_frame(const struct conf_frame *f, uint8_t *buf)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;

	if (f->raw_len == 0)
		return build_frame(&f->spec, buf);
	memset(buf, 0, f->raw_len);
	memcpy(buf, &port_mac, RTE_MIN(f->raw_len, (uint32_t)RTE_ETHER_ADDR_LEN));
	if (f->raw_len >= sizeof(*eh))
		eh->ether_type = rte_cpu_to_be_16(0x88b5); /* IEEE local experimental */
	return f->raw_len;
}

/* The completion's two segments hold exactly the frame's bytes, split where expected. */
static void check_delivered(const struct rig *r, const struct conf_mode *m,
			    const struct conf_frame *f, const uint8_t *frame, uint32_t len,
			    const struct hsplit_rx_desc *d)
{
	uint32_t split = want_split(m, f, len);
	uint32_t hdr = split ? split : RTE_MIN(len, HDR_ROOM);
	const uint8_t *pay = (const uint8_t *)d->pay->buf_addr + d->pay_off;

	assert_int_equal(d->status, split ? HSPLIT_CQE_SPLIT : HSPLIT_CQE_LINEAR);
	assert_int_equal(d->hdr_len, hdr);
	assert_int_equal(d->pay_len, len - hdr);
	assert_memory_equal(hdr_bytes(&r->rxq[0], d), frame, hdr);
	if (d->pay_len)
		assert_memory_equal(pay, frame + hdr, d->pay_len);
	assert_int_equal(d->ptype, f->ptype);
	assert_int_equal(d->ol_flags, f->csum);
}

/* Exactly these counters moved: the rest of both blocks is unchanged. */
static void check_counters(const struct rig *r, const struct conf_mode *m,
			   const struct conf_frame *f, uint32_t len,
			   const struct hsplit_hw_port_stats *port0,
			   const struct hsplit_rxq_dev_stats *q0)
{
	struct hsplit_hw_port_stats port = *port0;
	struct hsplit_rxq_dev_stats q = *q0;
	uint32_t split = want_split(m, f, len);

	port.rx_backend_frames++;
	switch (f->outcome) {
	case DROP_MALFORMED:
		port.rx_malformed++;
		break;
	case DROP_RUNT:
		port.rx_runt++;
		break;
	case DROP_MTU:
		port.rx_mtu++;
		break;
	case DELIVERED:
		q.packets++;
		q.bytes += len;
		if (split) {
			q.split++;
			q.header_bytes += split;
		} else {
			q.linear++;
		}
		if ((f->csum & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
			q.csum_bad++;
		break;
	}
	assert_memory_equal(&port, &r->hw.stats, sizeof(port));
	assert_memory_equal(&q, &r->rxq[0].stats, sizeof(q));
}

static void run_mode(const struct conf_mode *m)
{
	struct rig *r = rig_create(1, m->split, m->proto_hdr);
	unsigned int i;

	r->rxq[0].seg0_len = m->seg0_len;
	for (i = 0; i < RTE_DIM(frames); i++) {
		const struct conf_frame *f = &frames[i];
		struct hsplit_hw_port_stats port = r->hw.stats;
		struct hsplit_rxq_dev_stats q = r->rxq[0].stats;
		const struct hsplit_rx_desc *d;
		uint8_t frame[2048];
		uint32_t len = make_frame(f, frame);

		print_message("%-10s %-22s %4u bytes\n", m->name, f->name, len);
		d = feed(r, 0, frame, len);
		if (f->outcome == DELIVERED) {
			assert_non_null(d);
			check_delivered(r, m, f, frame, len, d);
		} else {
			assert_null(d);
		}
		check_counters(r, m, f, len, &port, &q);
	}
	rig_free(r);
}

static void test_every_frame_every_split(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(modes); i++)
		run_mode(&modes[i]);
}

/* The MTU is the port's: a frame over it is dropped before steering, whichever queue. */
static void test_mtu_same_on_every_queue(void **state)
{
	struct rig *r = rig_create(2, HSPLIT_SPLIT_LENGTH, 0);
	struct hsplit_hw_rule to_q1 = { .rule = { .ipv4_set = true, .l4_proto = IPPROTO_TCP,
						  .dport = 9, .dport_mask = 0xffff,
						  .queue = 1 } };
	struct frame_spec s = TCP4(.payload = 1461);
	uint8_t frame[2048];
	uint32_t len;

	(void)state;
	r->rxq[0].seg0_len = r->rxq[1].seg0_len = 100;
	assert_int_equal(hsplit_hw_rule_append(&r->hw, &to_q1), 0);
	len = build_frame(&s, frame);
	assert_null(feed(r, 0, frame, len));       /* for queue 0 */
	s.dport = 9;
	len = build_frame(&s, frame);
	assert_null(feed(r, 0, frame, len));       /* for queue 1, via its inbox */
	hsplit_hw_poll(&r->hw, &r->rxq[1]);
	assert_int_equal(r->rxq[1].done, 0);
	assert_int_equal(r->hw.stats.rx_mtu, 2);
	assert_int_equal(r->rxq[0].stats.inbox_full + r->rxq[1].stats.inbox_full, 0);
	/*
	 * A larger MTU lets it through. An inbox made for the old MTU cannot hold
	 * it: counted as oversize on that queue, never silent, never inbox_full;
	 * the driver re-creates inboxes at start (rxq_inbox_fit), as here.
	 */
	hsplit_hw_set_mtu(&r->hw, 9000);
	s.payload = 1900;
	len = build_frame(&s, frame);
	assert_null(feed(r, 0, frame, len));
	assert_int_equal(r->rxq[1].stats.oversize, 1);
	hsplit_hw_inbox_free(&r->rxq[1]);
	assert_int_equal(hsplit_hw_inbox_create(&r->rxq[1], 0), 0);
	assert_null(feed(r, 0, frame, len));
	hsplit_hw_poll(&r->hw, &r->rxq[1]);
	assert_int_equal(r->rxq[1].done, 1);
	assert_int_equal(r->rxq[1].ring[0].hdr_len + r->rxq[1].ring[0].pay_len, len);
	rig_free(r);
}

int main(void)
{
	static const struct pmd_rig_eal eal = { .name = "test_conformance", .memory_mb = "256",
						.lcores = "0", .nb_mbuf = 1024,
						.hdr_room = HDR_ROOM + RTE_PKTMBUF_HEADROOM };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_frame_every_split),
		cmocka_unit_test(test_mtu_same_on_every_queue),
	};

	return pmd_rig_run(&eal, tests, RTE_DIM(tests));
}
