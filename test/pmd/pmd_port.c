/* SPDX-License-Identifier: BSD-3-Clause */
/* net_hsplit ports through the ethdev API for the PMD tests (pmd_rig.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_bus_vdev.h>
#include <rte_ethdev.h>

#include "pmd_rig.h"

uint16_t pmd_port_up(const struct pmd_port_cfg *c, const char *name)
{
	struct rte_eth_conf conf = { 0 };
	union rte_eth_rxseg seg[2];
	struct rte_eth_rxconf rxconf = { 0 };
	uint16_t port, q;

	assert_int_equal(rte_vdev_init(name, c->devargs), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name(name, &port), 0);
	if (c->rss) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4;
	}
	if (c->split)
		conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_BUFFER_SPLIT;
	assert_int_equal(rte_eth_dev_configure(port, c->nb_rxq, 1, &conf), 0);
	memset(seg, 0, sizeof(seg));
	seg[0].split.mp = hdr_mp;
	seg[0].split.proto_hdr = c->proto_hdr;
	seg[0].split.length = c->proto_hdr ? 0 : c->seg0_len;
	seg[1].split.mp = pay_mp;
	rxconf.rx_seg = seg;
	rxconf.rx_nseg = 2;
	for (q = 0; q < c->nb_rxq; q++) {
		if (c->split)
			assert_int_equal(rte_eth_rx_queue_setup(port, q, 256, 0, &rxconf, NULL), 0);
		else
			assert_int_equal(rte_eth_rx_queue_setup(port, q, 256, 0, NULL, pay_mp), 0);
	}
	assert_int_equal(rte_eth_tx_queue_setup(port, 0, 256, 0, NULL), 0);
	if (c->configure_only)
		return port;
	assert_int_equal(rte_eth_promiscuous_enable(port), 0);
	assert_int_equal(rte_eth_dev_start(port), 0);
	return port;
}

void pmd_port_close(uint16_t port, const char *name)
{
	assert_int_equal(rte_eth_dev_stop(port), 0);
	assert_int_equal(rte_eth_dev_close(port), 0);
	assert_int_equal(rte_vdev_uninit(name), 0);
}
