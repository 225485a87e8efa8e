/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS as the device computes it: Toeplitz over the IP addresses (and the
 * ports for TCP/UDP) with a 40-byte key, indexed into a 128-entry table.
 */
#include <errno.h>
#include <string.h>

#include <rte_thash.h>

#include "hsplit_private.h"

/* The key most NICs ship with, so hashes match what users see elsewhere. */
static const uint8_t hsplit_default_key[HSPLIT_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

void hsplit_rss_init(struct hsplit_adapter *ad)
{
	struct rte_eth_conf *conf = &ad->dev->data->dev_conf;
	uint16_t nb = ad->dev->data->nb_rx_queues ? ad->dev->data->nb_rx_queues : 1;
	unsigned int i;

	ad->rss_hf = conf->rxmode.mq_mode & RTE_ETH_MQ_RX_RSS_FLAG ?
		     conf->rx_adv_conf.rss_conf.rss_hf & HSPLIT_RSS_OFFLOAD_ALL : 0;
	if (conf->rx_adv_conf.rss_conf.rss_key != NULL &&
	    conf->rx_adv_conf.rss_conf.rss_key_len == HSPLIT_RSS_KEY_LEN)
		memcpy(ad->rss_key, conf->rx_adv_conf.rss_conf.rss_key, HSPLIT_RSS_KEY_LEN);
	else
		memcpy(ad->rss_key, hsplit_default_key, HSPLIT_RSS_KEY_LEN);
	for (i = 0; i < HSPLIT_RETA_SIZE; i++)
		ad->reta[i] = (uint16_t)(i % nb);
}

static bool rss_wants(const struct hsplit_adapter *ad, const struct hsplit_pkt *pkt, bool *ports)
{
	uint64_t l3 = pkt->ipv6 ? RTE_ETH_RSS_IPV6 : RTE_ETH_RSS_IPV4;
	uint64_t l4 = 0;

	if (pkt->l4_ok && pkt->l4_proto == IPPROTO_TCP)
		l4 = pkt->ipv6 ? RTE_ETH_RSS_NONFRAG_IPV6_TCP : RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	else if (pkt->l4_ok && pkt->l4_proto == IPPROTO_UDP)
		l4 = pkt->ipv6 ? RTE_ETH_RSS_NONFRAG_IPV6_UDP : RTE_ETH_RSS_NONFRAG_IPV4_UDP;
	*ports = l4 != 0 && (ad->rss_hf & l4);
	return pkt->l3_ok && (*ports || (ad->rss_hf & l3));
}

/* 0 when RSS is off or the frame has no hashable fields. */
uint32_t hsplit_rss_hash(const struct hsplit_adapter *ad, const struct hsplit_pkt *pkt)
{
	union rte_thash_tuple tuple;
	bool ports;

	if (ad->rss_hf == 0 || !rss_wants(ad, pkt, &ports))
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
			RTE_THASH_V6_L3_LEN, ad->rss_key);
	}
	tuple.v4.src_addr = pkt->src4;
	tuple.v4.dst_addr = pkt->dst4;
	tuple.v4.sport = pkt->sport;
	tuple.v4.dport = pkt->dport;
	return rte_softrss((uint32_t *)&tuple, ports ? RTE_THASH_V4_L4_LEN : RTE_THASH_V4_L3_LEN,
			   ad->rss_key);
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
	rte_spinlock_lock(&ad->dev_lock);
	ad->rss_hf = conf->rss_hf;
	if (conf->rss_key != NULL)
		memcpy(ad->rss_key, conf->rss_key, HSPLIT_RSS_KEY_LEN);
	rte_spinlock_unlock(&ad->dev_lock);
	return 0;
}

int hsplit_rss_hash_conf_get(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);

	conf->rss_hf = ad->rss_hf;
	if (conf->rss_key != NULL) {
		if (conf->rss_key_len < HSPLIT_RSS_KEY_LEN)
			return -EINVAL;
		memcpy(conf->rss_key, ad->rss_key, HSPLIT_RSS_KEY_LEN);
	}
	conf->rss_key_len = HSPLIT_RSS_KEY_LEN;
	return 0;
}

static int reta_check(struct hsplit_adapter *ad, uint16_t size)
{
	if (size != HSPLIT_RETA_SIZE) {
		HSPLIT_LOG(ERR, "%s: RETA size must be %u, got %u", ad->name, HSPLIT_RETA_SIZE, size);
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
	memcpy(reta, ad->reta, sizeof(reta));
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
	rte_spinlock_lock(&ad->dev_lock);
	memcpy(ad->reta, reta, sizeof(reta));
	rte_spinlock_unlock(&ad->dev_lock);
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
			e->reta[bit] = ad->reta[i];
	}
	return 0;
}
