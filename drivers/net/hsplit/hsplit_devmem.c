/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device-memory payloads: the port's side of lib/devmem's bind-rx (the
 * kernel's queue management ops) and the per-queue payload pools.
 *
 * A queue gets its binding either from the application (devmem_bind_rx()
 * before or after queue setup) or from the devargs (dmabuf= and
 * dmabuf_queues=), which bind at queue setup exactly as an application
 * would, so every refusal of bind-rx applies to both.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "hsplit_private.h"

static int rxq_info(void *drv, uint16_t queue_id, struct devmem_rxq_info *info)
{
	struct hsplit_adapter *ad = drv;
	struct hsplit_rxq *rxq = queue_id < HSPLIT_MAX_QUEUES ? ad->rxq[queue_id] : NULL;

	info->nb_rx_queues = ad->dev->data->nb_rx_queues;
	info->split_enabled = rxq != NULL && rxq->split != HSPLIT_SPLIT_NONE;
	info->split_threshold = 0;
	info->unreadable_ok = true;
	info->prog_attached = false;
	info->consumer = NULL;
	info->setup = rxq != NULL && !rxq->setting_up;
	info->started = rxq != NULL && rxq->started;
	return 0;
}

static void rxq_pool_destroy(struct hsplit_rxq *rxq)
{
	if (rxq->pool == NULL)
		return;
	devmem_pool_destroy(rxq->pool);
	rxq->pool = NULL;
	rxq->pay_chunk_size = 0;
	rxq->pay_last_ref = 0;
	rxq->pay_last_addr = NULL;
	rxq->binding = NULL;
}

/* (Re)create the payload pool from whatever binding the queue has now. */
static int rxq_pool_create(struct hsplit_adapter *ad, struct hsplit_rxq *rxq)
{
	struct devmem_binding *binding = devmem_rxq_binding(ad->port_id, rxq->queue_id);
	char name[RTE_MEMPOOL_NAMESIZE];
	struct devmem_pool_params pp = {
		.ops = &devmem_dmabuf_provider_ops,
		.port_id = ad->port_id,
		.queue_id = rxq->queue_id,
		.name = name,
	};
	int ret;

	if (binding == NULL)
		return 0;
	/*
	 * A bound queue hands each payload mbuf a dmabuf chunk as its external
	 * buffer. A pinned-extbuf pool's mbufs are external for life and never
	 * detach, so the chunk could neither be attached nor given back.
	 */
	if (rxq->pay_mp != NULL &&
	    (rte_pktmbuf_priv_flags(rxq->pay_mp) & RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF)) {
		HSPLIT_LOG(ERR, "%s: queue %u: payload pool %s has pinned external buffers, which "
			   "cannot carry dmabuf chunks; give the payload segment a plain pktmbuf "
			   "pool, or do not bind a dmabuf to this queue", ad->name, rxq->queue_id,
			   rxq->pay_mp->name);
		return -EINVAL;
	}
	if (devmem_binding_chunk_size(binding) < ad->max_rx_pktlen) {
		HSPLIT_LOG(ERR, "%s: queue %u: chunk size %u is smaller than the largest frame "
			   "(%u); use chunk=%u or more", ad->name, rxq->queue_id,
			   devmem_binding_chunk_size(binding), ad->max_rx_pktlen,
			   rte_align32pow2(ad->max_rx_pktlen));
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "hsplit_p%u_q%u", ad->port_id, rxq->queue_id);
	pp.provider_priv = binding;
	ret = devmem_pool_create(&pp, &rxq->pool);
	if (ret < 0) {
		HSPLIT_LOG(ERR, "%s: queue %u: payload pool over binding %u: %s", ad->name,
			   rxq->queue_id, devmem_binding_id(binding), rte_strerror(-ret));
		return ret;
	}
	rxq->binding = binding;
	rxq->pay_chunk_size = devmem_pool_chunk_size(rxq->pool);
	rxq->pay_last_ref = 0;
	devmem_rxq_provider_installed(ad->port_id, rxq->queue_id, rxq->pool);
	return 0;
}

/*
 * bind-rx on a queue that is set up but not started: rebuild its payload
 * pool with the new provider. A started queue may be polled by another
 * lcore, and draining its ring under that lcore would free buffers it is
 * delivering, so lib/devmem refuses it (info.started) and this refuses it
 * again: the application stops the port, binds, and starts it
 * (doc/devmem.md, "bind-rx and started queues").
 */
static int rxq_restart(void *drv, uint16_t queue_id)
{
	struct hsplit_adapter *ad = drv;
	struct hsplit_rxq *rxq = queue_id < HSPLIT_MAX_QUEUES ? ad->rxq[queue_id] : NULL;

	if (rxq == NULL)
		return -EINVAL;
	if (rxq->started) {
		HSPLIT_LOG(ERR, "%s: queue %u is started: stop the port before bind-rx", ad->name,
			   queue_id);
		return -EBUSY;
	}
	rxq_pool_destroy(rxq);
	return rxq_pool_create(ad, rxq);
}

const struct devmem_rxq_ops hsplit_devmem_rxq_ops = {
	.rxq_info = rxq_info,
	.rxq_restart = rxq_restart,
};

/* Probe: the dmabuf= devarg opens the dmabuf and binds it once for the port. */
int hsplit_devmem_probe(struct hsplit_adapter *ad)
{
	struct devmem_binding_params bp = { .chunk_size = ad->args.chunk_size };
	int ret;

	ret = devmem_port_register(ad->port_id, &hsplit_devmem_rxq_ops, ad);
	if (ret < 0)
		return ret;
	if (ad->args.dmabuf[0] == '\0')
		return 0;
	ret = devmem_dmabuf_open(ad->args.dmabuf, &ad->dmabuf);
	if (ret < 0) {
		HSPLIT_LOG(ERR, "%s: dmabuf=%s: %s", ad->name, ad->args.dmabuf, rte_strerror(-ret));
		goto fail;
	}
	ret = devmem_binding_create(ad->dmabuf, &bp, &ad->binding);
	if (ret < 0) {
		HSPLIT_LOG(ERR, "%s: binding %s with chunk=%u: %s", ad->name, ad->args.dmabuf,
			   ad->args.chunk_size, rte_strerror(-ret));
		goto fail;
	}
	HSPLIT_LOG(INFO, "%s: dmabuf %s bound as binding %u (%u chunks of %u bytes)", ad->name,
		   devmem_dmabuf_describe(ad->dmabuf), devmem_binding_id(ad->binding),
		   devmem_binding_nr_chunks(ad->binding), ad->args.chunk_size);
	return 0;
fail:
	hsplit_devmem_remove(ad);
	return ret;
}

void hsplit_devmem_remove(struct hsplit_adapter *ad)
{
	devmem_port_unregister(ad->port_id);
	if (ad->binding != NULL)
		devmem_binding_unbind(ad->binding);
	if (ad->dmabuf != NULL)
		devmem_dmabuf_put(ad->dmabuf);
	ad->binding = NULL;
	ad->dmabuf = NULL;
}

/* The devargs binding, if this queue is listed, then the payload pool. */
static int rxq_setup_binding(struct hsplit_adapter *ad, struct hsplit_rxq *rxq)
{
	uint16_t q = rxq->queue_id;
	int ret;

	if (ad->binding != NULL && ad->args.dmabuf_queues[q] &&
	    devmem_rxq_binding(ad->port_id, q) == NULL) {
		if (rxq->split == HSPLIT_SPLIT_NONE) {
			HSPLIT_LOG(ERR, "%s: queue %u is in dmabuf_queues but has no buffer split "
				   "(use --rx-offloads=0x100000 with --rxhdrs or --rxpkts, or "
				   "leave the queue out of dmabuf_queues)", ad->name, q);
			return -EINVAL;
		}
		ret = devmem_bind_rx(ad->port_id, &q, 1, ad->binding);
		if (ret < 0)
			return ret;
	}
	return rxq_pool_create(ad, rxq);
}

/*
 * The posted pools may be lib/devmem's extbuf pools over a binding (the
 * way a dmabuf reaches a PMD that only takes mempools). A NIC reaches such
 * an mbuf by its IOVA, the dmabuf offset, so the emulated device writes
 * payloads through the dmabuf's device view; buf_addr is the host view,
 * PROT_NONE when the dmabuf is strict. Headers are for the host to parse,
 * so a strict dmabuf cannot hold them.
 */
int hsplit_devmem_rxq_posted_pools(struct hsplit_adapter *ad, struct hsplit_rxq *rxq)
{
	struct devmem_binding *b = devmem_pktmbuf_pool_extbuf_binding(rxq->hdr_mp);

	if (b != NULL && devmem_dmabuf_is_strict(devmem_binding_dmabuf(b))) {
		HSPLIT_LOG(ERR, "%s: queue %u: %s pool %s lies over strict dmabuf binding %u, "
			   "which the host cannot read; give it a host mempool", ad->name,
			   rxq->queue_id, rxq->pay_mp != NULL ? "header" : "receive",
			   rxq->hdr_mp->name, devmem_binding_id(b));
		return -EINVAL;
	}
	b = devmem_pktmbuf_pool_extbuf_binding(rxq->pay_mp);
	rxq->hw.posted_payload_base =
		b != NULL ? devmem_dmabuf_device_view(devmem_binding_dmabuf(b)) : NULL;
	return 0;
}

/* Queue setup: bind from the devargs if asked, then build the payload pool. */
int hsplit_devmem_rxq_setup(struct hsplit_adapter *ad, struct hsplit_rxq *rxq)
{
	int ret;

	rxq->setting_up = true;
	ret = rxq_setup_binding(ad, rxq);
	rxq->setting_up = false;
	return ret;
}

void hsplit_devmem_rxq_release(struct hsplit_rxq *rxq)
{
	struct hsplit_adapter *ad = rxq->ad;

	rxq_pool_destroy(rxq);
	/* A binding the devargs made goes with the queue; the application's stays. */
	if (ad->binding != NULL && devmem_rxq_binding(ad->port_id, rxq->queue_id) == ad->binding &&
	    devmem_unbind_rx(ad->port_id, rxq->queue_id) < 0)
		HSPLIT_LOG(WARNING, "%s: queue %u: devargs binding was already unbound", ad->name,
			   rxq->queue_id);
}
