/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive filters: the port's MAC, promiscuous and allmulticast, the
 * multicast list, the VLAN filter table and VLAN strip. Each op writes the
 * device's filter registers (device/hsplit_hw.h) under the port lock, or a
 * queue register the queue's lcore reads per frame.
 */
#include <errno.h>

#include "hsplit_private.h"

int hsplit_promiscuous_enable(struct rte_eth_dev *dev)
{
	hsplit_adapter(dev)->hw.promisc = true;
	return 0;
}

int hsplit_promiscuous_disable(struct rte_eth_dev *dev)
{
	hsplit_adapter(dev)->hw.promisc = false;
	return 0;
}

int hsplit_allmulticast_enable(struct rte_eth_dev *dev)
{
	hsplit_adapter(dev)->hw.allmulti = true;
	return 0;
}

int hsplit_allmulticast_disable(struct rte_eth_dev *dev)
{
	hsplit_adapter(dev)->hw.allmulti = false;
	return 0;
}

/* The multicast groups the MAC filter accepts (replaces the list; 0 clears it). */
int hsplit_set_mc_addr_list(struct rte_eth_dev *dev, struct rte_ether_addr *mc_addrs,
				   uint32_t nb_mc_addr)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	uint32_t i;

	if (nb_mc_addr > HSPLIT_HW_MAX_MC) {
		HSPLIT_LOG(ERR, "%s: %u multicast addresses; the filter holds %u (use "
			   "allmulticast)", ad->name, nb_mc_addr, HSPLIT_HW_MAX_MC);
		return -ENOSPC;
	}
	for (i = 0; i < nb_mc_addr; i++)
		if (!rte_is_multicast_ether_addr(&mc_addrs[i])) {
			HSPLIT_LOG(ERR, "%s: mc_addr_list entry %u is not a multicast address",
				   ad->name, i);
			return -EINVAL;
		}
	rte_spinlock_lock(&ad->hw.lock);
	for (i = 0; i < nb_mc_addr; i++)
		rte_ether_addr_copy(&mc_addrs[i], &ad->hw.mc_addrs[i]);
	ad->hw.nb_mc_addrs = nb_mc_addr;
	rte_spinlock_unlock(&ad->hw.lock);
	return 0;
}

/* --- VLAN ------------------------------------------------------------ */

int hsplit_vlan_filter_set(struct rte_eth_dev *dev, uint16_t vlan_id, int on)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	uint64_t bit = 1ull << (vlan_id % 64);

	if (vlan_id >= HSPLIT_HW_VLAN_IDS)
		return -EINVAL;
	rte_spinlock_lock(&ad->hw.lock);
	if (on)
		ad->hw.vlan_ids[vlan_id / 64] |= bit;
	else
		ad->hw.vlan_ids[vlan_id / 64] &= ~bit;
	rte_spinlock_unlock(&ad->hw.lock);
	return 0;
}

static void rxq_set_vlan_strip(struct hsplit_rxq *rxq, bool on)
{
	/* The queue's lcore reads the register per frame: a flip takes effect at the next. */
	__atomic_store_n(&rxq->hw.vlan_strip, on, __ATOMIC_RELAXED);
	if (on)
		rxq->offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	else
		rxq->offloads &= ~RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
}

void hsplit_vlan_strip_queue_set(struct rte_eth_dev *dev, uint16_t qid, int on)
{
	struct hsplit_rxq *rxq = hsplit_adapter(dev)->rxq[qid];

	if (rxq != NULL)
		rxq_set_vlan_strip(rxq, on != 0);
}

/* rte_eth_dev_set_vlan_offload(): ethdev has updated rxmode.offloads already. */
int hsplit_vlan_offload_set(struct rte_eth_dev *dev, int mask)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	uint64_t offloads = dev->data->dev_conf.rxmode.offloads;
	unsigned int q;

	if (mask & RTE_ETH_VLAN_FILTER_MASK) {
		rte_spinlock_lock(&ad->hw.lock);
		ad->hw.vlan_filter = !!(offloads & RTE_ETH_RX_OFFLOAD_VLAN_FILTER);
		rte_spinlock_unlock(&ad->hw.lock);
	}
	if (mask & RTE_ETH_VLAN_STRIP_MASK)
		for (q = 0; q < dev->data->nb_rx_queues; q++)
			if (ad->rxq[q] != NULL)
				rxq_set_vlan_strip(ad->rxq[q],
						   offloads & RTE_ETH_RX_OFFLOAD_VLAN_STRIP);
	if (mask & ~(RTE_ETH_VLAN_FILTER_MASK | RTE_ETH_VLAN_STRIP_MASK)) {
		HSPLIT_LOG(ERR, "%s: only VLAN strip and filter are offered (mask 0x%x)",
			   ad->name, mask);
		return -ENOTSUP;
	}
	return 0;
}

int hsplit_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);

	rte_spinlock_lock(&ad->hw.lock);
	rte_ether_addr_copy(addr, &ad->hw.mac);
	rte_spinlock_unlock(&ad->hw.lock);
	return 0;
}
