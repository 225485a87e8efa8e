/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS as the device computes it: Toeplitz over the IP addresses (and the
 * ports for TCP/UDP) with a 40-byte key, indexed into a 128-entry table.
 * The hash types, key and table are registers the driver programs.
 */
#include <errno.h>
#include <string.h>

#include <rte_thash.h>

#include "hsplit_hw.h"

/* The key most NICs ship with, so hashes match what users see elsewhere. */
static const uint8_t hsplit_default_key[HSPLIT_HW_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

void hsplit_hw_rss_defaults(struct hsplit_hw_port *hw, uint16_t nb_queues)
{
	unsigned int i;

	if (nb_queues == 0)
		nb_queues = 1;
	memcpy(hw->rss_key, hsplit_default_key, HSPLIT_HW_RSS_KEY_LEN);
	for (i = 0; i < HSPLIT_HW_RETA_SIZE; i++)
		hw->reta[i] = (uint16_t)(i % nb_queues);
}

static bool rss_wants(const struct hsplit_hw_port *hw, const struct hsplit_pkt *pkt,
		      bool *ports)
{
	uint32_t l3 = pkt->ipv6 ? HSPLIT_HW_RSS_IPV6 : HSPLIT_HW_RSS_IPV4;
	uint32_t l4 = 0;

	if (pkt->l4_ok && pkt->l4_proto == IPPROTO_TCP)
		l4 = pkt->ipv6 ? HSPLIT_HW_RSS_IPV6_TCP : HSPLIT_HW_RSS_IPV4_TCP;
	else if (pkt->l4_ok && pkt->l4_proto == IPPROTO_UDP)
		l4 = pkt->ipv6 ? HSPLIT_HW_RSS_IPV6_UDP : HSPLIT_HW_RSS_IPV4_UDP;
	*ports = l4 != 0 && (hw->rss_types & l4);
	return pkt->l3_ok && (*ports || (hw->rss_types & l3));
}

/* 0 when RSS is off or the frame has no hashable fields. */
uint32_t hsplit_hw_rss_hash(const struct hsplit_hw_port *hw, const struct hsplit_pkt *pkt)
{
	union rte_thash_tuple tuple;
	bool ports;

	if (hw->rss_types == 0 || !rss_wants(hw, pkt, &ports))
		return 0;
	if (pkt->ipv6) {
		/* rte_softrss() takes the tuple as host-order 32-bit words. */
		uint32_t *w = (uint32_t *)&tuple.v6;
		unsigned int i;

		for (i = 0; i < 4; i++) {
			w[i] = rte_be_to_cpu_32(*(const rte_be32_t *)&pkt->src6[4 * i]);
			w[4 + i] = rte_be_to_cpu_32(*(const rte_be32_t *)&pkt->dst6[4 * i]);
		}
		tuple.v6.sport = pkt->sport;
		tuple.v6.dport = pkt->dport;
		return rte_softrss((uint32_t *)&tuple, ports ? RTE_THASH_V6_L4_LEN :
			RTE_THASH_V6_L3_LEN, hw->rss_key);
	}
	tuple.v4.src_addr = pkt->src4;
	tuple.v4.dst_addr = pkt->dst4;
	tuple.v4.sport = pkt->sport;
	tuple.v4.dport = pkt->dport;
	return rte_softrss((uint32_t *)&tuple, ports ? RTE_THASH_V4_L4_LEN : RTE_THASH_V4_L3_LEN,
			   hw->rss_key);
}
