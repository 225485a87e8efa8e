/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver's receive path: let the device run, turn completed
 * descriptors into mbuf chains (header mbuf -> payload mbuf with the chunk
 * attached as an external buffer), then post fresh buffers. The driver
 * reads only completion fields; payload bytes are never touched here.
 */
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "hsplit_private.h"
#include "rte_pmd_hsplit.h"

/* Set on frames the device could not split: every byte is in host memory. */
uint64_t hsplit_linear_flag;

uint64_t rte_pmd_hsplit_linear_flag(void)
{
	return hsplit_linear_flag;
}

static struct rte_mbuf *deliver_desc(struct hsplit_rxq *rxq, struct hsplit_rx_desc *d)
{
	struct rte_mbuf *hdr = d->hdr, *pay = d->pay;

	hdr->data_off = RTE_PKTMBUF_HEADROOM + rxq->seg0_off;
	hdr->data_len = d->hdr_len;
	hdr->pkt_len = d->hdr_len + d->pay_len;
	hdr->nb_segs = 1;
	hdr->next = NULL;
	hdr->port = rxq->ad->port_id;
	hdr->packet_type = d->ptype;
	hdr->ol_flags = d->ol_flags;
	hdr->hash.rss = d->rss_hash;
	d->hdr = NULL;
	if (d->status & HSPLIT_CQE_LINEAR)
		hdr->ol_flags |= hsplit_linear_flag;
	if (d->pay_len == 0)
		return hdr;
	if (d->status & HSPLIT_CQE_DEVMEM) {
		/* The mbuf takes over the device's reference on the chunk. */
		devmem_mbuf_attach(pay, d->pay_ref, d->pay_off, d->pay_len);
	} else {
		pay->data_off = (uint16_t)d->pay_off;
		pay->data_len = (uint16_t)d->pay_len;
		pay->pkt_len = d->pay_len;
	}
	pay->port = rxq->ad->port_id;
	hdr->next = pay;
	hdr->nb_segs = 2;
	d->pay = NULL;
	return hdr;
}

/* Slots in [first, first + n) that still need a payload mbuf (a header-only frame leaves one). */
static unsigned int count_missing_payload(const struct hsplit_rxq *rxq, uint32_t first, unsigned int n)
{
	unsigned int i, missing = 0;

	for (i = 0; i < n; i++)
		missing += rxq->ring[(first + i) & rxq->mask].pay == NULL;
	return missing;
}

/* Post one bulk of n descriptors from `posted`; both pools in bulk, all or nothing. */
static int post_bulk(struct hsplit_rxq *rxq, uint32_t posted, unsigned int n)
{
	struct rte_mbuf *hdrs[HSPLIT_BURST], *pays[HSPLIT_BURST];
	unsigned int i, need = 0, used = 0;

	if (rte_pktmbuf_alloc_bulk(rxq->hdr_mp, hdrs, n) != 0)
		return -ENOBUFS;
	if (rxq->pay_mp != NULL) {
		need = count_missing_payload(rxq, posted, n);
		if (need && rte_pktmbuf_alloc_bulk(rxq->pay_mp, pays, need) != 0) {
			rte_pktmbuf_free_bulk(hdrs, n);
			return -ENOBUFS;
		}
	}
	for (i = 0; i < n; i++) {
		struct hsplit_rx_desc *d = &rxq->ring[(posted + i) & rxq->mask];

		d->hdr = hdrs[i];
		if (rxq->pay_mp != NULL && d->pay == NULL)
			d->pay = pays[used++];
	}
	return 0;
}

/* Post buffers on every free descriptor; a failed allocation waits for the next poll. */
int hsplit_rxq_fill(struct hsplit_rxq *rxq)
{
	uint32_t posted = atomic_load_explicit(&rxq->posted, memory_order_relaxed);
	uint32_t free_slots = rxq->nb_desc - (posted - rxq->head);

	while (free_slots > 0) {
		unsigned int n = RTE_MIN(free_slots, HSPLIT_BURST);

		if (post_bulk(rxq, posted, n) < 0) {
			rxq->nombuf += n;
			return -ENOBUFS;
		}
		posted += n;
		free_slots -= n;
		atomic_store_explicit(&rxq->posted, posted, memory_order_release);
	}
	return 0;
}

uint16_t hsplit_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct hsplit_rxq *rxq = queue;
	uint32_t done;
	uint16_t nb = 0;

	if (unlikely(!rxq->started))
		return 0;
	hsplit_device_run(rxq->ad, rxq);
	done = atomic_load_explicit(&rxq->done, memory_order_acquire);
	while (rxq->head != done && nb < n) {
		pkts[nb++] = deliver_desc(rxq, &rxq->ring[rxq->head & rxq->mask]);
		rxq->head++;
	}
	if (nb)
		hsplit_rxq_fill(rxq);
	return nb;
}

/* Queue stop: give back posted buffers and completed-but-undelivered chunks. */
void hsplit_rxq_drain(struct hsplit_rxq *rxq)
{
	uint32_t done = atomic_load_explicit(&rxq->done, memory_order_acquire);
	uint32_t i;

	for (; rxq->head != done; rxq->head++) {
		struct hsplit_rx_desc *d = &rxq->ring[rxq->head & rxq->mask];

		if (d->status & HSPLIT_CQE_DEVMEM)
			devmem_ref_put(d->pay_ref);
		d->status = 0;
	}
	for (i = 0; i < rxq->nb_desc; i++) {
		struct hsplit_rx_desc *d = &rxq->ring[i];

		rte_pktmbuf_free(d->hdr);
		rte_pktmbuf_free(d->pay);
		d->hdr = d->pay = NULL;
	}
	rxq->head = 0;
	atomic_store(&rxq->posted, 0);
	atomic_store(&rxq->done, 0);
	if (rxq->pool != NULL)
		devmem_pool_frag_flush(rxq->pool);
}
