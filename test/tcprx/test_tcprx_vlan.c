/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VLANs: frames for the configured VLAN IDs (0 = untagged) are taken,
 * whether the device stripped the tag (mbuf vlan_tci) or left an 802.1Q
 * header in the frame; frames on other VLANs are dropped and counted; every
 * reply (SYN-ACK, ACK, RST, ARP, neighbour advertisement) carries the tag of
 * what it answers, in the frame or through the TX VLAN insert offload; and
 * the same 4-tuple on two VLANs is two connections.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_ip.h>

#include "harness.h"

static void restart_with_vlans(struct harness *h, const uint16_t *ids, uint8_t n, bool offload)
{
	struct tcprx_config cfg;

	h_config(h, &cfg);
	memcpy(cfg.vlans, ids, n * sizeof(ids[0]));
	cfg.nb_vlans = n;
	cfg.tx_vlan_insert = offload;
	h_restart(h, &cfg);
}

/* Open, move 3000 bytes, check them; every frame out is checked for p's VLAN by h_expect. */
static void open_and_transfer(struct harness *h, struct h_peer *p)
{
	struct h_frame f;

	h_open(h, p);
	h_send_data(h, p, 0, 1000);
	h_send_data(h, p, 2000, 1000);
	h_expect(h, p, H_ACK_OF(h_seq(p, 1000)), &f);
	h_send_data(h, p, 1000, 1000);
	h_expect(h, p, H_ACK_OF(h_seq(p, 3000)), &f);
	assert_int_equal(h_recv(h, p, NULL), 3000);
	assert_int_equal(h_dontneed(h, p, UINT32_MAX), 3);
}

/* A SYN that must be dropped as another VLAN's: no answer, counted. */
static void syn_ignored(struct harness *h, struct h_peer *p)
{
	uint64_t before = h_stats(h).other_vlan;

	h_send(h, p, &(struct h_seg){ .flags = H_SYN, .seq = p->isn, .win = 65535 });
	h_expect_none(h);
	assert_int_equal(h_stats(h).other_vlan, before + 1);
}

static void test_vlan_in_frame_tags(void **state)
{
	static const uint16_t ours[] = { 100 };
	struct harness *h = *state;
	struct h_peer p, untagged, other;
	struct h_frame f;
	struct h_seg s;

	restart_with_vlans(h, ours, 1, false);
	h_peer_init(&p, false, 2, 40000, 0x41000000);
	p.vlan = 100;
	p.ts = true;
	open_and_transfer(h, &p);
	/* Untagged frames and other VLANs are not ours now. */
	h_peer_init(&untagged, false, 3, 40001, 0x42000000);
	syn_ignored(h, &untagged);
	h_peer_init(&other, false, 4, 40002, 0x43000000);
	other.vlan = 200;
	syn_ignored(h, &other);
	/* A segment for p's connection on another VLAN does not reach it. */
	p.vlan = 101;
	s = h_data(&p, 3000, 100);
	h_send(h, &p, &s);
	h_expect_none(h);
	assert_int_equal(h_info(&p).rcv_nxt, h_seq(&p, 3000));
	assert_int_equal(h_stats(h).other_vlan, 3);
	/* The RST of an abort carries the tag too. */
	p.vlan = 100;
	assert_int_equal(tcprx_close(p.conn), 0);
	h_poll(h);
	assert_true(h_next(h, &f));
	assert_int_equal(f.flags, H_RST);
	assert_int_equal(f.vlan, 100);
	assert_false(f.vlan_offload);
}

static void test_vlan_stripped_tags_and_tx_offload(void **state)
{
	static const uint16_t ours[] = { 0, 100, 200 };
	struct harness *h = *state;
	struct h_peer a, b, c;
	struct h_frame synack;

	restart_with_vlans(h, ours, 3, true);
	/* The device stripped the tag: taken from vlan_tci; replies ask the TX offload for it. */
	h_peer_init(&a, false, 2, 40000, 0x44000000);
	a.vlan = 200;
	a.vlan_stripped = true;
	h_syn(h, &a, &synack);
	assert_int_equal(synack.vlan, 200);
	assert_true(synack.vlan_offload);
	h_open_synced(h, &a);
	h_send_data(h, &a, 0, 500);
	h_settle(h, &a, NULL);
	assert_int_equal(h_recv(h, &a, NULL), 500);
	/* Untagged (0 is in the list): untagged replies. */
	h_peer_init(&b, true, 3, 40001, 0x45000000);
	open_and_transfer(h, &b);
	/* a's 4-tuple again, on VLAN 100 with the tag in the frame: another connection. */
	h_peer_init(&c, false, 2, 40000, 0x46000000);
	c.vlan = 100;
	open_and_transfer(h, &c);
	assert_int_equal(h_stats(h).established, 3);
	assert_int_equal(h_info(&a).rcv_nxt, h_seq(&a, 500));
	assert_int_equal(h_stats(h).other_vlan, 0);
	assert_int_equal(h_dontneed(h, &a, UINT32_MAX), 1);
}

static void test_vlan_arp_and_nd_replies_tagged(void **state)
{
	static const uint16_t ours[] = { 7, 300 };
	struct harness *h = *state;
	uint8_t buf[128];
	struct h_frame f;
	struct h_peer p;
	size_t len;

	restart_with_vlans(h, ours, 2, false);
	h_peer_init(&p, false, 2, 0, 0);
	/* ARP with the tag in the frame: the reply carries it in the frame. */
	len = h_tag_frame(buf, h_build_arp_request(&p, h->ip4.bytes, buf), 7);
	h_queue_bytes(h, buf, len, (uint32_t)len, 0, RTE_PTYPE_L2_ETHER_VLAN, true, NULL);
	h_poll(h);
	assert_true(h_next(h, &f));
	assert_int_equal(f.ether_type, RTE_ETHER_TYPE_ARP);
	assert_int_equal(f.arp_op, RTE_ARP_OP_REPLY);
	assert_int_equal(f.vlan, 7);
	assert_memory_equal(&f.arp_spa, h->ip4.bytes, 4);
	assert_true(rte_is_same_ether_addr(&f.arp_tha, &p.mac));
	/* A solicitation whose tag the device stripped: the advertisement is tagged in the frame. */
	h_peer_init(&p, true, 2, 0, 0);
	len = h_build_ns(h, &p, buf);
	h_queue_bytes(h, buf, len, (uint32_t)len,
		      RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED,
		      RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6, true, NULL);
	h_rx_last(h)->vlan_tci = 300 | (5u << 13); /* priority bits are not the ID */
	h_poll(h);
	assert_true(h_next(h, &f));
	assert_int_equal(f.ether_type, RTE_ETHER_TYPE_IPV6);
	assert_int_equal(f.icmp6_type, 136);
	assert_int_equal(f.vlan, 300);
	assert_false(f.vlan_offload);
	assert_memory_equal(f.nd_target, h->ip6.bytes, 16);
	/* The same ARP request untagged, or on VLAN 8: not ours. */
	h_peer_init(&p, false, 2, 0, 0);
	len = h_build_arp_request(&p, h->ip4.bytes, buf);
	h_queue_bytes(h, buf, len, (uint32_t)len, 0, RTE_PTYPE_L2_ETHER_ARP, true, NULL);
	len = h_tag_frame(buf, len, 8);
	h_queue_bytes(h, buf, len, (uint32_t)len, 0, RTE_PTYPE_L2_ETHER_VLAN, true, NULL);
	h_poll(h);
	h_expect_none(h);
	assert_int_equal(h_stats(h).other_vlan, 2);
	assert_int_equal(h_stats(h).arp_replies, 1);
	assert_int_equal(h_stats(h).nd_replies, 1);
}

static void test_vlan_config_checked(void **state)
{
	struct harness *h = *state;
	struct tcprx_config cfg;
	struct tcprx *rx = NULL;

	h_config(h, &cfg);
	cfg.vlans[0] = 4095;
	cfg.nb_vlans = 1;
	assert_int_equal(tcprx_create(&cfg, &rx), -EINVAL);
	assert_null(rx);
	cfg.vlans[0] = 10;
	cfg.nb_vlans = TCPRX_MAX_VLANS + 1;
	assert_int_equal(tcprx_create(&cfg, &rx), -EINVAL);
	assert_null(rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vlan_in_frame_tags, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_vlan_stripped_tags_and_tx_offload, h_setup,
						h_teardown),
		cmocka_unit_test_setup_teardown(test_vlan_arp_and_nd_replies_tagged, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_vlan_config_checked, h_setup, h_teardown),
	};
	int ret;

	if (h_eal_init("test_tcprx_vlan") < 0) {
		fprintf(stderr, "test_tcprx_vlan: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
