/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RSS ethdev ops: validate what the application asks and program the
 * device's hash types, key and redirection table (device/hsplit_rss.c
 * computes the hash).
 */
#include <errno.h>
#include <string.h>

#include "hsplit_private.h"

/* RTE_ETH_RSS_* (already limited to HSPLIT_RSS_OFFLOAD_ALL) as the device's hash types. */
uint32_t hsplit_rss_types(uint64_t rss_hf)
{
	static const struct {
		uint64_t eth;
		uint32_t hw;
	} map[] = {
		{ RTE_ETH_RSS_IPV4, HSPLIT_HW_RSS_IPV4 },
		{ RTE_ETH_RSS_NONFRAG_IPV4_TCP, HSPLIT_HW_RSS_IPV4_TCP },
		{ RTE_ETH_RSS_NONFRAG_IPV4_UDP, HSPLIT_HW_RSS_IPV4_UDP },
		{ RTE_ETH_RSS_IPV6, HSPLIT_HW_RSS_IPV6 },
		{ RTE_ETH_RSS_NONFRAG_IPV6_TCP, HSPLIT_HW_RSS_IPV6_TCP },
		{ RTE_ETH_RSS_NONFRAG_IPV6_UDP, HSPLIT_HW_RSS_IPV6_UDP },
	};
	uint32_t types = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(map); i++)
		if (rss_hf & map[i].eth)
			types |= map[i].hw;
	return types;
}

int hsplit_rss_hash_update(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);

	if (conf->rss_hf & ~HSPLIT_RSS_OFFLOAD_ALL) {
		HSPLIT_LOG(ERR, "%s: rss_hf 0x%" PRIx64 " has types the device cannot hash "
			   "(supported 0x%" PRIx64 ")", ad->name, conf->rss_hf,
			   (uint64_t)HSPLIT_RSS_OFFLOAD_ALL);
		return -EINVAL;
	}
	if (conf->rss_key != NULL && conf->rss_key_len != HSPLIT_RSS_KEY_LEN) {
		HSPLIT_LOG(ERR, "%s: RSS key must be %u bytes, got %u", ad->name,
			   HSPLIT_RSS_KEY_LEN, conf->rss_key_len);
		return -EINVAL;
	}
	rte_spinlock_lock(&ad->hw.lock);
	ad->rss_hf = conf->rss_hf;
	ad->hw.rss_types = hsplit_rss_types(conf->rss_hf);
	if (conf->rss_key != NULL)
		memcpy(ad->hw.rss_key, conf->rss_key, HSPLIT_RSS_KEY_LEN);
	rte_spinlock_unlock(&ad->hw.lock);
	return 0;
}

int hsplit_rss_hash_conf_get(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);

	conf->rss_hf = ad->rss_hf;
	if (conf->rss_key != NULL) {
		if (conf->rss_key_len < HSPLIT_RSS_KEY_LEN)
			return -EINVAL;
		memcpy(conf->rss_key, ad->hw.rss_key, HSPLIT_RSS_KEY_LEN);
	}
	conf->rss_key_len = HSPLIT_RSS_KEY_LEN;
	return 0;
}

static int reta_check(struct hsplit_adapter *ad, uint16_t size)
{
	if (size != HSPLIT_RETA_SIZE) {
		HSPLIT_LOG(ERR, "%s: RETA size must be %u, got %u", ad->name, HSPLIT_RETA_SIZE,
			   size);
		return -EINVAL;
	}
	return 0;
}

int hsplit_reta_update(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *conf,
		       uint16_t size)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	uint16_t reta[HSPLIT_RETA_SIZE];
	unsigned int i;

	if (reta_check(ad, size) < 0)
		return -EINVAL;
	memcpy(reta, ad->hw.reta, sizeof(reta));
	for (i = 0; i < size; i++) {
		const struct rte_eth_rss_reta_entry64 *e = &conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int bit = i % RTE_ETH_RETA_GROUP_SIZE;

		if (!(e->mask & (1ull << bit)))
			continue;
		if (e->reta[bit] >= dev->data->nb_rx_queues) {
			HSPLIT_LOG(ERR, "%s: RETA entry %u names queue %u; the port has %u",
				   ad->name, i, e->reta[bit], dev->data->nb_rx_queues);
			return -EINVAL;
		}
		reta[i] = e->reta[bit];
	}
	rte_spinlock_lock(&ad->hw.lock);
	memcpy(ad->hw.reta, reta, sizeof(reta));
	rte_spinlock_unlock(&ad->hw.lock);
	return 0;
}

int hsplit_reta_query(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *conf,
		      uint16_t size)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	unsigned int i;

	if (reta_check(ad, size) < 0)
		return -EINVAL;
	for (i = 0; i < size; i++) {
		struct rte_eth_rss_reta_entry64 *e = &conf[i / RTE_ETH_RETA_GROUP_SIZE];
		unsigned int bit = i % RTE_ETH_RETA_GROUP_SIZE;

		if (e->mask & (1ull << bit))
			e->reta[bit] = ad->hw.reta[i];
	}
	return 0;
}
