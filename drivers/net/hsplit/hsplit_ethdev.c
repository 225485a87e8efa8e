/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hsplit: probe/remove, the ethdev ops a NIC PMD is expected to have,
 * and queue setup with DPDK's buffer-split API. The ops table is at the end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bus_vdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_malloc.h>
#include <rte_mbuf_dyn.h>

#include "hsplit_private.h"
#include "rte_pmd_hsplit.h"

RTE_LOG_REGISTER(hsplit_logtype, pmd.net.hsplit, NOTICE);

/* The split points --rxhdrs can name, as the exact masks testpmd builds. */
static const uint32_t split_ptypes[] = {
	RTE_PTYPE_L2_ETHER,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT_UNKNOWN,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_TCP,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_UDP,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT_UNKNOWN | RTE_PTYPE_L4_TCP,
	RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT_UNKNOWN | RTE_PTYPE_L4_UDP,
	RTE_PTYPE_UNKNOWN,
};

static const uint32_t reported_ptypes[] = {
	RTE_PTYPE_L2_ETHER, RTE_PTYPE_L2_ETHER_VLAN, RTE_PTYPE_L2_ETHER_QINQ,
	RTE_PTYPE_L2_ETHER_ARP, RTE_PTYPE_L2_ETHER_LLDP, RTE_PTYPE_L2_ETHER_TIMESYNC,
	RTE_PTYPE_L3_IPV4, RTE_PTYPE_L3_IPV4_EXT, RTE_PTYPE_L3_IPV6, RTE_PTYPE_L3_IPV6_EXT,
	RTE_PTYPE_L4_TCP, RTE_PTYPE_L4_UDP, RTE_PTYPE_L4_FRAG, RTE_PTYPE_L4_ICMP,
	RTE_PTYPE_L4_SCTP, RTE_PTYPE_UNKNOWN,
};

#define HSPLIT_RX_OFFLOADS (RTE_ETH_RX_OFFLOAD_BUFFER_SPLIT | RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | \
			    RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM | \
			    RTE_ETH_RX_OFFLOAD_RSS_HASH | RTE_ETH_RX_OFFLOAD_VLAN_STRIP | \
			    RTE_ETH_RX_OFFLOAD_VLAN_FILTER)
/* Per queue: split and strip. The filter table is the port's. */
#define HSPLIT_RXQ_OFFLOADS (HSPLIT_RX_OFFLOADS & ~RTE_ETH_RX_OFFLOAD_VLAN_FILTER)

/* --- device ---------------------------------------------------------- */

static int hsplit_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);

	info->max_mac_addrs = 1;
	info->max_mtu = hsplit_backend_max_mtu(hsplit_wire(ad));
	info->max_rx_pktlen = (uint32_t)info->max_mtu + RTE_ETHER_HDR_LEN + 4u;
	info->min_mtu = HSPLIT_MIN_MTU;
	info->min_rx_bufsize = 64;
	info->max_rx_queues = ad->args.max_queues;
	info->max_tx_queues = ad->args.max_queues;
	info->rx_offload_capa = HSPLIT_RX_OFFLOADS;
	info->rx_queue_offload_capa = HSPLIT_RXQ_OFFLOADS;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS | RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	info->rx_seg_capa.max_nseg = 2;
	info->rx_seg_capa.multi_pools = 1;
	info->rx_seg_capa.offset_allowed = 1;
	info->rx_seg_capa.offset_align_log2 = 0;
	info->hash_key_size = HSPLIT_RSS_KEY_LEN;
	info->reta_size = HSPLIT_RETA_SIZE;
	info->flow_type_rss_offloads = HSPLIT_RSS_OFFLOAD_ALL;
	info->rx_desc_lim.nb_max = HSPLIT_RX_DESC_MAX;
	info->rx_desc_lim.nb_min = 32;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim.nb_max = HSPLIT_TX_DESC_MAX;
	info->tx_desc_lim.nb_min = 32;
	info->tx_desc_lim.nb_align = 1;
	info->default_rxportconf.ring_size = HSPLIT_RX_DESC_DFLT;
	info->default_rxportconf.burst_size = HSPLIT_BURST;
	info->default_txportconf.burst_size = HSPLIT_BURST;
	info->speed_capa = RTE_ETH_LINK_SPEED_100G;
	info->dev_capa = RTE_ETH_DEV_CAPA_FLOW_RULE_KEEP;
	return 0;
}

/* Configure: the frame size, the queue count and RSS, into the device's registers. */
static void program_port(struct hsplit_adapter *ad, const struct rte_eth_conf *conf)
{
	const struct rte_eth_rss_conf *rss = &conf->rx_adv_conf.rss_conf;
	struct hsplit_hw_port *hw = &ad->hw;

	ad->rss_hf = conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG ?
		     rss->rss_hf & HSPLIT_RSS_OFFLOAD_ALL : 0;
	rte_spinlock_lock(&hw->lock);
	hsplit_hw_set_mtu(hw, ad->dev->data->mtu);
	hw->vlan_filter = !!(conf->rxmode.offloads & RTE_ETH_RX_OFFLOAD_VLAN_FILTER);
	hw->nb_rx_queues = ad->dev->data->nb_rx_queues;
	hsplit_hw_rss_defaults(hw, hw->nb_rx_queues);
	if (rss->rss_key != NULL && rss->rss_key_len == HSPLIT_RSS_KEY_LEN)
		memcpy(hw->rss_key, rss->rss_key, HSPLIT_RSS_KEY_LEN);
	hw->rss_types = hsplit_rss_types(ad->rss_hf);
	rte_spinlock_unlock(&hw->lock);
}

static int hsplit_dev_configure(struct rte_eth_dev *dev)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	const struct rte_eth_conf *conf = &dev->data->dev_conf;

	if (conf->rxmode.mq_mode != RTE_ETH_MQ_RX_NONE &&
	    conf->rxmode.mq_mode != RTE_ETH_MQ_RX_RSS) {
		HSPLIT_LOG(ERR, "%s: rx mq_mode %d not supported (none or RSS)", ad->name,
			   conf->rxmode.mq_mode);
		return -EINVAL;
	}
	if (conf->rx_adv_conf.rss_conf.rss_key != NULL &&
	    conf->rx_adv_conf.rss_conf.rss_key_len != HSPLIT_RSS_KEY_LEN) {
		HSPLIT_LOG(ERR, "%s: RSS key must be %u bytes", ad->name, HSPLIT_RSS_KEY_LEN);
		return -EINVAL;
	}
	ad->max_rx_pktlen = dev->data->mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
	program_port(ad, conf);
	return 0;
}

static int hsplit_link_update(struct rte_eth_dev *dev, int wait)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	struct rte_eth_link link = {
		.link_speed = RTE_ETH_SPEED_NUM_100G,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
	};

	RTE_SET_USED(wait);
	link.link_status = ad->started && hsplit_wire(ad)->ops->link_up(hsplit_wire(ad)) ?
			   RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	return rte_eth_linkstatus_set(dev, &link);
}

/* An inbox made before the MTU grew holds frames too short for it: make it anew. */
static int rxq_inbox_fit(struct hsplit_adapter *ad, struct hsplit_rxq *rxq)
{
	if (rxq->hw.inbox == NULL || rxq->hw.inbox_frame >= ad->hw.max_frame)
		return 0;
	hsplit_hw_inbox_free(&rxq->hw);
	return hsplit_hw_inbox_create(&rxq->hw, rxq->hdr_mp->socket_id);
}

static int hsplit_dev_start(struct rte_eth_dev *dev)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	unsigned int q;
	int ret = 0;

	if (hsplit_wire(ad)->ops->start != NULL)
		ret = hsplit_wire(ad)->ops->start(hsplit_wire(ad));
	/* A device that splits frames itself takes its queue now: no descriptors to post. */
	if (ret == 0 && hsplit_wire_presplit(ad))
		ret = hsplit_presplit_start(ad);
	if (ret < 0)
		return ret;
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		struct hsplit_rxq *rxq = ad->rxq[q];

		if (rxq == NULL)
			continue;
		ret = rxq_inbox_fit(ad, rxq);
		if (ret < 0)
			return ret;
		if (!hsplit_wire_presplit(ad) && hsplit_rxq_fill(rxq) < 0)
			HSPLIT_LOG(WARNING, "%s: queue %u: could not post every descriptor "
				   "(mbuf pool too small?)", ad->name, q);
		rxq->started = true;
		rxq->hw.enabled = true;
		dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STARTED;
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STARTED;
	ad->started = true;
	hsplit_link_update(dev, 0);
	return 0;
}

static int hsplit_dev_stop(struct rte_eth_dev *dev)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	unsigned int q;

	ad->started = false;
	for (q = 0; q < dev->data->nb_rx_queues; q++) {
		struct hsplit_rxq *rxq = ad->rxq[q];

		if (rxq == NULL)
			continue;
		rxq->started = false;
		rxq->hw.enabled = false;
		hsplit_rxq_drain(rxq);
		dev->data->rx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	}
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		dev->data->tx_queue_state[q] = RTE_ETH_QUEUE_STATE_STOPPED;
	if (hsplit_wire_presplit(ad))
		hsplit_presplit_stop(ad);
	if (hsplit_wire(ad)->ops->stop != NULL)
		hsplit_wire(ad)->ops->stop(hsplit_wire(ad));
	hsplit_link_update(dev, 0);
	return 0;
}

/* --- queues ---------------------------------------------------------- */

static void hsplit_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	struct hsplit_rxq *rxq = dev->data->rx_queues[qid];

	if (rxq == NULL)
		return;
	rxq->started = false;
	rte_spinlock_lock(&ad->hw.lock);
	rxq->hw.enabled = false;
	ad->hw.rxq[qid] = NULL;
	rte_spinlock_unlock(&ad->hw.lock);
	hsplit_rxq_drain(rxq);
	hsplit_devmem_rxq_release(rxq);
	hsplit_hw_inbox_free(&rxq->hw);
	rte_free(rxq->hw.ring);
	rte_free(rxq);
	ad->rxq[qid] = NULL;
	dev->data->rx_queues[qid] = NULL;
}

/* Deep-copy the segments into the queue's split registers (testpmd's are on its stack). */
static int rxq_take_segments(struct hsplit_adapter *ad, struct hsplit_rxq *rxq,
			     const struct rte_eth_rxconf *conf, struct rte_mempool *mp)
{
	const struct rte_eth_rxseg_split *seg;
	struct hsplit_hw_rxq *hw = &rxq->hw;

	hw->split = HSPLIT_SPLIT_NONE;
	if (!(rxq->offloads & RTE_ETH_RX_OFFLOAD_BUFFER_SPLIT) || conf->rx_nseg == 0) {
		rxq->hdr_mp = mp;
		return mp != NULL ? 0 : -EINVAL;
	}
	seg = &conf->rx_seg[0].split;
	rxq->hdr_mp = seg[0].mp;
	hw->seg0_off = seg[0].offset;
	if (conf->rx_nseg == 1)
		return 0;
	rxq->pay_mp = seg[1].mp;
	hw->seg1_off = seg[1].offset;
	if (seg[0].proto_hdr != 0) {
		hw->split = HSPLIT_SPLIT_PROTO;
		hw->proto_hdr = seg[0].proto_hdr;
		hw->level = seg[0].proto_hdr & RTE_PTYPE_L4_MASK ? HSPLIT_LEVEL_L4 :
			    seg[0].proto_hdr & RTE_PTYPE_L3_MASK ? HSPLIT_LEVEL_L3 :
			    HSPLIT_LEVEL_L2;
	} else {
		hw->split = HSPLIT_SPLIT_LENGTH;
		hw->seg0_len = seg[0].length ? seg[0].length :
			(uint16_t)(rte_pktmbuf_data_room_size(seg[0].mp) - RTE_PKTMBUF_HEADROOM -
				   seg[0].offset);
	}
	if (seg[0].proto_hdr != 0 &&
	    rte_pktmbuf_data_room_size(seg[0].mp) < RTE_PKTMBUF_HEADROOM + seg[0].offset + 54u) {
		HSPLIT_LOG(WARNING, "%s: header pool %s has room for fewer bytes than an "
			   "Ethernet/IPv4/TCP header: such frames will be LINEAR", ad->name,
			   seg[0].mp->name);
	}
	return 0;
}

/* The queue's ring and the payload registers: provider hook, placement, on-empty policy. */
static int rxq_program(struct hsplit_adapter *ad, struct hsplit_rxq *rxq, uint16_t nb_desc,
		       int socket_id)
{
	struct hsplit_hw_rxq *hw = &rxq->hw;

	hw->port = &ad->hw;
	hw->queue_id = rxq->queue_id;
	hw->nb_desc = nb_desc;
	hw->mask = nb_desc - 1u;
	hw->ring = rte_zmalloc_socket("hsplit_rx_ring", sizeof(hw->ring[0]) * nb_desc,
				      RTE_CACHE_LINE_SIZE, socket_id);
	if (hw->ring == NULL)
		return -ENOMEM;
	hw->payload = ad->args.cycle_stats ? &hsplit_devmem_payload_ops_timed :
					     &hsplit_devmem_payload_ops;
	rxq->cycles.tsc_read = ad->args.cycle_stats ? hsplit_tsc_read_cost() : 0;
	hw->payload_opaque = rxq;
	hw->pack = ad->args.pack;
	hw->copy_on_empty = ad->args.copy_on_empty;
	hw->vlan_strip = !!(rxq->offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP);
	rxq->split = hw->split;
	return 0;
}

static int hsplit_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
				 unsigned int socket_id, const struct rte_eth_rxconf *conf,
				 struct rte_mempool *mp)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	struct hsplit_rxq *rxq;
	int ret;

	if (dev->data->rx_queues[qid] != NULL)
		hsplit_rx_queue_release(dev, qid);
	nb_desc = (uint16_t)rte_align32pow2(RTE_MAX(nb_desc, (uint16_t)32));
	rxq = rte_zmalloc_socket("hsplit_rxq", sizeof(*rxq), RTE_CACHE_LINE_SIZE, (int)socket_id);
	if (rxq == NULL)
		return -ENOMEM;
	rxq->ad = ad;
	rxq->queue_id = qid;
	/* ethdev hands over only the queue-level offloads: OR in the port's. */
	rxq->offloads = conf->offloads | dev->data->dev_conf.rxmode.offloads;
	ret = rxq_take_segments(ad, rxq, conf, mp);
	if (ret == 0)
		ret = hsplit_devmem_rxq_posted_pools(ad, rxq);
	if (ret == 0)
		ret = rxq_program(ad, rxq, nb_desc, (int)socket_id);
	if (ret == 0 && dev->data->nb_rx_queues > 1)
		ret = hsplit_hw_inbox_create(&rxq->hw, (int)socket_id);
	if (ret == 0) {
		ad->rxq[qid] = rxq;
		dev->data->rx_queues[qid] = rxq;
		rte_spinlock_lock(&ad->hw.lock);
		ad->hw.rxq[qid] = &rxq->hw;
		rte_spinlock_unlock(&ad->hw.lock);
		ret = hsplit_devmem_rxq_setup(ad, rxq);
	}
	if (ret < 0) {
		HSPLIT_LOG(ERR, "%s: rx queue %u setup failed: %s", ad->name, qid,
			   rte_strerror(-ret));
		if (dev->data->rx_queues[qid] != NULL) {
			hsplit_rx_queue_release(dev, qid);
		} else {
			hsplit_hw_inbox_free(&rxq->hw);
			rte_free(rxq->hw.ring);
			rte_free(rxq);
		}
		return ret;
	}
	HSPLIT_LOG(INFO, "%s: rx queue %u: %u descriptors, split %s, payload %s", ad->name, qid,
		   nb_desc, rxq->split == HSPLIT_SPLIT_PROTO ? "by protocol" :
		   rxq->split == HSPLIT_SPLIT_LENGTH ? "by length" : "off",
		   rxq->pool != NULL ? "dmabuf" : "host mbufs");
	return 0;
}

static void hsplit_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	struct hsplit_txq *txq = dev->data->tx_queues[qid];

	if (txq == NULL)
		return;
	rte_free(txq->stage);
	rte_free(txq);
	ad->txq[qid] = NULL;
	dev->data->tx_queues[qid] = NULL;
}

static int hsplit_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
				 unsigned int socket_id, const struct rte_eth_txconf *conf)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	struct hsplit_txq *txq;

	RTE_SET_USED(nb_desc);
	RTE_SET_USED(conf);
	if (dev->data->tx_queues[qid] != NULL)
		hsplit_tx_queue_release(dev, qid);
	txq = rte_zmalloc_socket("hsplit_txq", sizeof(*txq), RTE_CACHE_LINE_SIZE, (int)socket_id);
	if (txq != NULL)
		txq->stage = rte_malloc_socket("hsplit_tx_stage",
					       (size_t)HSPLIT_BURST * HSPLIT_MAX_FRAME, 0,
					       (int)socket_id);
	if (txq == NULL || txq->stage == NULL) {
		rte_free(txq);
		return -ENOMEM;
	}
	txq->ad = ad;
	txq->queue_id = qid;
	ad->txq[qid] = txq;
	dev->data->tx_queues[qid] = txq;
	return 0;
}

static void hsplit_rxq_info_get(struct rte_eth_dev *dev, uint16_t qid,
				struct rte_eth_rxq_info *qinfo)
{
	struct hsplit_rxq *rxq = dev->data->rx_queues[qid];

	qinfo->mp = rxq->hdr_mp;
	qinfo->nb_desc = rxq->hw.nb_desc;
	qinfo->rx_buf_size = rte_pktmbuf_data_room_size(rxq->hdr_mp) - RTE_PKTMBUF_HEADROOM;
	qinfo->conf.offloads = rxq->offloads;
	qinfo->conf.rx_nseg = rxq->split == HSPLIT_SPLIT_NONE ? 0 : 2;
	qinfo->queue_state = rxq->started ? RTE_ETH_QUEUE_STATE_STARTED :
					    RTE_ETH_QUEUE_STATE_STOPPED;
}

/* --- MTU, ptypes, flow ops (receive filters: hsplit_filter.c) -------- */

static int hsplit_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);

	if (ad->started) {
		HSPLIT_LOG(ERR, "%s: stop the port before changing the MTU", ad->name);
		return -EBUSY;
	}
	ad->max_rx_pktlen = (uint32_t)mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
	rte_spinlock_lock(&ad->hw.lock);
	hsplit_hw_set_mtu(&ad->hw, mtu);
	rte_spinlock_unlock(&ad->hw.lock);
	return 0;
}

static const uint32_t *hsplit_split_ptypes_get(HSPLIT_PTYPES_GET_ARGS(dev, no_of_elements))
{
	RTE_SET_USED(dev);
	HSPLIT_PTYPES_SET_COUNT(no_of_elements, RTE_DIM(split_ptypes) - 1);
	return split_ptypes;
}

static const uint32_t *hsplit_ptypes_get(HSPLIT_PTYPES_GET_ARGS(dev, no_of_elements))
{
	RTE_SET_USED(dev);
	HSPLIT_PTYPES_SET_COUNT(no_of_elements, RTE_DIM(reported_ptypes) - 1);
	return reported_ptypes;
}

static int hsplit_flow_ops_get(struct rte_eth_dev *dev, const struct rte_flow_ops **ops)
{
	RTE_SET_USED(dev);
	*ops = &hsplit_flow_ops;
	return 0;
}

/* --- close, probe, remove -------------------------------------------- */

static int hsplit_dev_close(struct rte_eth_dev *dev)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	unsigned int q;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY || ad->closed)
		return 0;
	if (ad->started)
		hsplit_dev_stop(dev);
	for (q = 0; q < dev->data->nb_rx_queues; q++)
		hsplit_rx_queue_release(dev, (uint16_t)q);
	for (q = 0; q < dev->data->nb_tx_queues; q++)
		hsplit_tx_queue_release(dev, (uint16_t)q);
	hsplit_flow_flush_all(ad);
	hsplit_devmem_remove(ad);
	if (hsplit_wire(ad) != NULL)
		hsplit_wire(ad)->ops->close(hsplit_wire(ad));
	ad->hw.backend = NULL;
	rte_free(ad->xstat_base);
	ad->xstat_base = NULL;
	ad->closed = true;
	return 0;
}

static const struct eth_dev_ops hsplit_ops;

static int register_linear_flag(void)
{
	static const struct rte_mbuf_dynflag desc = { .name = RTE_PMD_HSPLIT_DYNFLAG_LINEAR_NAME };
	int bit = rte_mbuf_dynflag_register(&desc);

	if (bit < 0) {
		HSPLIT_LOG(ERR, "cannot register the LINEAR mbuf flag: %s",
			   rte_strerror(rte_errno));
		return -rte_errno;
	}
	hsplit_linear_flag = 1ull << bit;
	return 0;
}

static void pick_mac(struct hsplit_adapter *ad)
{
	uint8_t mac[6];

	if (ad->args.mac_set) {
		ad->hw.mac = ad->args.mac;
	} else if (hsplit_wire(ad)->ops->mac_addr != NULL &&
		   hsplit_wire(ad)->ops->mac_addr(hsplit_wire(ad), mac) == 0 &&
		   rte_is_valid_assigned_ether_addr((const struct rte_ether_addr *)mac)) {
		memcpy(ad->hw.mac.addr_bytes, mac, 6);
	} else {
		/* Locally administered, stable per port: tests can predict it. */
		const uint8_t fixed[6] = { 0x02, 0x68, 0x73, 0x00, 0x00, (uint8_t)ad->port_id };

		memcpy(ad->hw.mac.addr_bytes, fixed, 6);
	}
}

static int hsplit_probe_port(struct rte_vdev_device *vdev, const struct hsplit_devargs *args)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev;
	struct hsplit_adapter *ad;
	int ret;

	dev = rte_eth_vdev_allocate(vdev, sizeof(*ad));
	if (dev == NULL)
		return -ENOMEM;
	ad = dev->data->dev_private;
	hsplit_hw_port_init(&ad->hw, name, dev->data->port_id);
	ad->hw.mem = &hsplit_devmem_mem_ops;
	ad->dev = dev;
	ad->port_id = dev->data->port_id;
	strlcpy(ad->name, name, sizeof(ad->name));
	ad->args = *args;
	ad->max_rx_pktlen = (uint32_t)ad->hw.mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN;
	rte_spinlock_init(&ad->tx_lock);
	ad->backend_params.port_name = ad->name;
	ad->backend_params.args = ad->args.backend_args;
	ad->backend_params.port_mac = &ad->hw.mac; /* final once pick_mac() ran, before start */
	ret = args->backend->open(&ad->backend_params, &ad->hw.backend);
	if (ret < 0)
		goto fail;
	/* Runts: below 60 bytes off a padded wire; a kernel link never pads. */
	ad->hw.min_frame = hsplit_wire(ad)->wire_padded ? HSPLIT_HW_ETHER_MIN : RTE_ETHER_HDR_LEN;
	ad->hw.csum_from_backend = !ad->args.sw_csum && hsplit_wire(ad)->ops->rx_csum;
	ret = hsplit_devmem_probe(ad);
	if (ret < 0)
		goto fail;
	dev->data->mac_addrs = rte_zmalloc("hsplit_mac", sizeof(struct rte_ether_addr), 0);
	if (dev->data->mac_addrs == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	pick_mac(ad);
	rte_ether_addr_copy(&ad->hw.mac, dev->data->mac_addrs);
	dev->dev_ops = &hsplit_ops;
	/* cycle_stats=1 swaps in a timed burst: nothing changes on the data path without it. */
	dev->rx_pkt_burst = ad->args.cycle_stats ? hsplit_rx_burst_timed : hsplit_rx_burst;
	if (hsplit_wire_presplit(ad))
		dev->rx_pkt_burst = hsplit_rx_presplit_burst;
	dev->tx_pkt_burst = hsplit_tx_burst;
	dev->data->dev_link.link_speed = RTE_ETH_SPEED_NUM_100G;
	dev->data->dev_link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	rte_eth_dev_probing_finish(dev);
	HSPLIT_LOG(INFO, "%s: port %u, backend %s", name, ad->port_id,
		   hsplit_wire(ad)->ops->name);
	return 0;
fail:
	hsplit_devmem_remove(ad);
	if (hsplit_wire(ad) != NULL)
		hsplit_wire(ad)->ops->close(hsplit_wire(ad));
	rte_eth_dev_release_port(dev);
	return ret;
}

static int hsplit_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct hsplit_devargs args;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		HSPLIT_LOG(ERR, "%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	ret = hsplit_devargs_parse(name, rte_vdev_device_args(vdev), &args);
	if (ret == 0 && hsplit_linear_flag == 0)
		ret = register_linear_flag();
	if (ret == 0)
		ret = hsplit_probe_port(vdev, &args);
	if (ret < 0)
		HSPLIT_LOG(ERR, "%s: probe failed: %s", name, rte_strerror(-ret));
	return ret;
}

static int hsplit_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (dev == NULL)
		return 0;
	hsplit_dev_close(dev);
	return rte_eth_dev_release_port(dev);
}

static const struct eth_dev_ops hsplit_ops = {
	.dev_configure = hsplit_dev_configure,
	.dev_start = hsplit_dev_start,
	.dev_stop = hsplit_dev_stop,
	.dev_close = hsplit_dev_close,
	.dev_infos_get = hsplit_dev_infos_get,
	.dev_supported_ptypes_get = hsplit_ptypes_get,
	.buffer_split_supported_hdr_ptypes_get = hsplit_split_ptypes_get,
	.link_update = hsplit_link_update,
	.promiscuous_enable = hsplit_promiscuous_enable,
	.promiscuous_disable = hsplit_promiscuous_disable,
	.allmulticast_enable = hsplit_allmulticast_enable,
	.allmulticast_disable = hsplit_allmulticast_disable,
	.set_mc_addr_list = hsplit_set_mc_addr_list,
	.vlan_filter_set = hsplit_vlan_filter_set,
	.vlan_strip_queue_set = hsplit_vlan_strip_queue_set,
	.vlan_offload_set = hsplit_vlan_offload_set,
	.mac_addr_set = hsplit_mac_addr_set,
	.mtu_set = hsplit_mtu_set,
	.rx_queue_setup = hsplit_rx_queue_setup,
	.rx_queue_release = hsplit_rx_queue_release,
	.tx_queue_setup = hsplit_tx_queue_setup,
	.tx_queue_release = hsplit_tx_queue_release,
	.rxq_info_get = hsplit_rxq_info_get,
	.stats_get = hsplit_stats_get,
	.stats_reset = hsplit_stats_reset,
	.xstats_get = hsplit_xstats_get,
	.xstats_get_names = hsplit_xstats_get_names,
	.xstats_reset = hsplit_xstats_reset,
	.rss_hash_update = hsplit_rss_hash_update,
	.rss_hash_conf_get = hsplit_rss_hash_conf_get,
	.reta_update = hsplit_reta_update,
	.reta_query = hsplit_reta_query,
	.flow_ops_get = hsplit_flow_ops_get,
};

int rte_pmd_hsplit_gen_tcp_stats(uint16_t port_id, struct rte_pmd_hsplit_gen_tcp_stats *stats)
{
	struct hsplit_backend *wire;
	struct rte_eth_dev *dev;

	if (!rte_eth_dev_is_valid_port(port_id) || stats == NULL) {
		HSPLIT_LOG(ERR, "gen_tcp_stats: port %u is not a port, or stats is NULL", port_id);
		return -ENODEV;
	}
	dev = &rte_eth_devices[port_id];
	if (dev->dev_ops != &hsplit_ops) {
		HSPLIT_LOG(ERR, "gen_tcp_stats: port %u is not a net_hsplit port", port_id);
		return -ENODEV;
	}
	wire = hsplit_wire(dev->data->dev_private);
	if (wire == NULL || wire->ops->stats_get == NULL)
		return -ENOTSUP;
	return wire->ops->stats_get(wire, HSPLIT_BACKEND_STATS_GEN_TCP, stats);
}

static struct rte_vdev_driver hsplit_vdev_drv = {
	.probe = hsplit_probe,
	.remove = hsplit_remove,
};

RTE_PMD_REGISTER_VDEV(net_hsplit, hsplit_vdev_drv);
/* The devargs string (RTE_PMD_REGISTER_PARAM_STRING) is in backends/hsplit_backends.c. */
