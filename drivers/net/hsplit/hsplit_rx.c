/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver's receive path: let the device run, turn completed
 * descriptors into mbuf chains (header mbuf -> payload mbuf with the chunk
 * attached as an external buffer), then post fresh buffers. The driver
 * reads only completion fields; payload bytes are never touched here.
 */
#include <rte_cycles.h>
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

/*
 * The payload provider hook the driver installs on every queue: the queue's
 * devmem pool if bind-rx gave it one (looked up per frame, so a provider
 * installed or removed by a queue restart is seen at once), else NONE.
 *
 * On real hardware this is the driver's work (it posts payload buffers from
 * its page_pool), so cycle_stats=1 installs a timed copy that charges it to
 * the driver half although the device model calls it.
 */
static __rte_always_inline enum hsplit_hw_payload_status
payload_alloc(struct hsplit_rxq *rxq, uint32_t len, bool pack, uint64_t *ref, uint8_t **chunk,
	      uint32_t *off)
{
	devmem_ref r;

	if (rxq->pool == NULL)
		return HSPLIT_HW_PAYLOAD_NONE;
	if (unlikely(len > rxq->pay_chunk_size))
		return HSPLIT_HW_PAYLOAD_TOO_LONG;
	*off = 0;
	r = pack ? devmem_pool_alloc_frag(rxq->pool, len, off) : devmem_pool_alloc(rxq->pool);
	if (unlikely(r == 0))
		return HSPLIT_HW_PAYLOAD_EMPTY;
	*ref = r;
	/* Packed fragments come from one chunk after another: look its address up once. */
	if (r != rxq->pay_last_ref) {
		rxq->pay_last_ref = r;
		rxq->pay_last_addr = devmem_ref_device_addr(r);
	}
	*chunk = rxq->pay_last_addr;
	return HSPLIT_HW_PAYLOAD_OK;
}

static enum hsplit_hw_payload_status devmem_payload_alloc(void *opaque, uint32_t len, bool pack,
							  uint64_t *ref, uint8_t **chunk,
							  uint32_t *off)
{
	return payload_alloc(opaque, len, pack, ref, chunk, off);
}

static enum hsplit_hw_payload_status devmem_payload_alloc_timed(void *opaque, uint32_t len,
								bool pack, uint64_t *ref,
								uint8_t **chunk, uint32_t *off)
{
	struct hsplit_rxq *rxq = opaque;
	uint64_t start = rte_rdtsc();
	enum hsplit_hw_payload_status st = payload_alloc(rxq, len, pack, ref, chunk, off);

	rxq->cycles.hook_burst += rte_rdtsc() - start;
	rxq->cycles.hook_calls_burst++;
	return st;
}

const struct hsplit_hw_payload_ops hsplit_devmem_payload_ops = {
	.alloc = devmem_payload_alloc,
};

const struct hsplit_hw_payload_ops hsplit_devmem_payload_ops_timed = {
	.alloc = devmem_payload_alloc_timed,
};

/*
 * Transmit: where the device reads a segment that lies in a dmabuf (its
 * device view): a chunk attached by devmem_mbuf_attach(), or an mbuf of
 * lib/devmem's extbuf pool over a binding, whose IOVA is its dmabuf offset.
 */
static const uint8_t *devmem_device_view(void *opaque, const struct rte_mbuf *m)
{
	devmem_ref ref = devmem_mbuf_ref(m);

	RTE_SET_USED(opaque);
	if (ref == 0 && RTE_MBUF_HAS_PINNED_EXTBUF(m)) {
		struct devmem_binding *b = devmem_pktmbuf_pool_extbuf_binding(m->pool);

		if (b == NULL)
			return NULL;
		return (const uint8_t *)devmem_dmabuf_device_view(devmem_binding_dmabuf(b)) +
		       m->buf_iova + m->data_off;
	}
	if (ref == 0 || !devmem_ref_is_device(ref))
		return NULL;
	return (const uint8_t *)devmem_ref_device_addr(ref) +
	       (m->buf_iova - devmem_ref_offset(ref)) + m->data_off;
}

const struct hsplit_hw_mem_ops hsplit_devmem_mem_ops = {
	.device_view = devmem_device_view,
};

static __rte_always_inline struct rte_mbuf *deliver_desc(struct hsplit_rxq *rxq,
							 struct hsplit_rx_desc *d)
{
	struct rte_mbuf *hdr = d->hdr, *pay = d->pay;

	hdr->data_off = RTE_PKTMBUF_HEADROOM + rxq->hw.seg0_off;
	hdr->data_len = d->hdr_len;
	hdr->pkt_len = d->hdr_len + d->pay_len;
	hdr->nb_segs = 1;
	hdr->next = NULL;
	hdr->port = rxq->ad->port_id;
	hdr->packet_type = d->ptype;
	/* A pinned external-buffer pool's mbufs keep their EXTERNAL flag for life. */
	hdr->ol_flags = d->ol_flags | (hdr->ol_flags & RTE_MBUF_F_EXTERNAL);
	hdr->hash.rss = d->rss_hash;
	hdr->vlan_tci = d->vlan_tci;
	d->hdr = NULL;
	if (d->status & HSPLIT_CQE_LINEAR)
		hdr->ol_flags |= hsplit_linear_flag;
	if (d->pay_len == 0)
		return hdr;
	/* Posted raw (post_bulk): clear what its last use left, but a pinned pool's EXTERNAL. */
	pay->ol_flags &= RTE_MBUF_F_EXTERNAL;
	if (d->status & HSPLIT_CQE_DEVMEM) {
		/* The mbuf takes over the device's reference on the chunk. */
		if (unlikely(devmem_mbuf_attach(pay, d->pay_ref, d->pay_off, d->pay_len) < 0)) {
			/* Not for a chunk the pool handed out; deliver the header alone. */
			devmem_ref_put(d->pay_ref);
			hdr->pkt_len = d->hdr_len;
			rxq->attach_errors++;
			return hdr;
		}
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

/* Slots in [first, first + n) still needing a payload mbuf (a header-only frame leaves one). */
static unsigned int count_missing_payload(const struct hsplit_rxq *rxq, uint32_t first,
					  unsigned int n)
{
	unsigned int i, missing = 0;

	for (i = 0; i < n; i++)
		missing += rxq->hw.ring[(first + i) & rxq->hw.mask].pay == NULL;
	return missing;
}

/*
 * Post one bulk of n descriptors from `posted`; both pools in bulk, all or
 * nothing. The mbufs are taken raw, as vector PMDs rearm theirs: a pool's
 * free mbuf is direct, unchained and held once (rte_pktmbuf_prefree_seg
 * leaves it so), the device needs only its buffer, and deliver_desc()
 * writes every field a received mbuf reports, so rte_pktmbuf_reset() would
 * be a second write of each (about 20 instructions an mbuf).
 */
static int post_bulk(struct hsplit_rxq *rxq, uint32_t posted, unsigned int n)
{
	struct rte_mbuf *hdrs[HSPLIT_BURST], *pays[HSPLIT_BURST];
	unsigned int i, need = 0, used = 0;

	if (rte_mempool_get_bulk(rxq->hdr_mp, (void **)hdrs, n) != 0)
		return -ENOBUFS;
	if (rxq->pay_mp != NULL) {
		need = count_missing_payload(rxq, posted, n);
		if (need && rte_mempool_get_bulk(rxq->pay_mp, (void **)pays, need) != 0) {
			rte_mempool_put_bulk(rxq->hdr_mp, (void **)hdrs, n);
			return -ENOBUFS;
		}
	}
	for (i = 0; i < n; i++) {
		struct hsplit_rx_desc *d = &rxq->hw.ring[(posted + i) & rxq->hw.mask];

		d->hdr = hdrs[i];
		if (rxq->pay_mp != NULL && d->pay == NULL)
			d->pay = pays[used++];
	}
	return 0;
}

/* Post buffers on every free descriptor; a failed allocation waits for the next poll. */
int hsplit_rxq_fill(struct hsplit_rxq *rxq)
{
	uint32_t posted = __atomic_load_n(&rxq->hw.posted, __ATOMIC_RELAXED);
	uint32_t free_slots = rxq->hw.nb_desc - (posted - rxq->hw.head);

	while (free_slots > 0) {
		unsigned int n = RTE_MIN(free_slots, HSPLIT_BURST);

		if (post_bulk(rxq, posted, n) < 0) {
			rxq->nombuf += n;
			return -ENOBUFS;
		}
		posted += n;
		free_slots -= n;
		__atomic_store_n(&rxq->hw.posted, posted, __ATOMIC_RELEASE);
	}
	return 0;
}

/* Completions into chains, then a refill whenever a slot is free. */
static __rte_always_inline uint16_t rx_harvest(struct hsplit_rxq *rxq, struct rte_mbuf **pkts,
					       uint16_t n)
{
	uint32_t done = __atomic_load_n(&rxq->hw.done, __ATOMIC_ACQUIRE);
	uint16_t nb = 0;

	while (rxq->hw.head != done && nb < n) {
		pkts[nb++] = deliver_desc(rxq, &rxq->hw.ring[rxq->hw.head & rxq->hw.mask]);
		rxq->hw.head++;
	}
	/*
	 * Refill whenever a slot is free, not only after a delivery: if a refill
	 * failed (mbuf pool dry) when the ring ran empty, nothing completes and
	 * a refill tied to deliveries would never run again.
	 */
	if (rxq->hw.posted - rxq->hw.head < rxq->hw.nb_desc)
		hsplit_rxq_fill(rxq);
	return nb;
}

uint16_t hsplit_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct hsplit_rxq *rxq = queue;

	if (unlikely(!rxq->started))
		return 0;
	hsplit_hw_poll(&rxq->ad->hw, &rxq->hw);
	return rx_harvest(rxq, pkts, n);
}

/*
 * cycle_stats=1: the same burst with the TSC read around the device's poll
 * and at the end. The provider hook's time (its timed copy measured it) moves
 * from the device to the driver, less the cost of the TSC reads it took. A
 * burst that delivers nothing counts whole as idle.
 */
uint16_t hsplit_rx_burst_timed(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct hsplit_rxq *rxq = queue;
	struct hsplit_rxq_cycles *c = &rxq->cycles;
	uint64_t t0, t1, t2, hook, hook_net;
	uint16_t nb;

	if (unlikely(!rxq->started))
		return 0;
	c->hook_burst = 0;
	c->hook_calls_burst = 0;
	t0 = rte_rdtsc();
	hsplit_hw_poll(&rxq->ad->hw, &rxq->hw);
	t1 = rte_rdtsc();
	nb = rx_harvest(rxq, pkts, n);
	t2 = rte_rdtsc();
	HSPLIT_INC(c->bursts, 1);
	/* An empty poll is neither half's per-packet work: on a quiet wire it would swamp both. */
	if (nb == 0) {
		HSPLIT_INC(c->idle, t2 - t0);
		return 0;
	}
	hook = RTE_MIN(c->hook_burst, t1 - t0);
	hook_net = hook - RTE_MIN(hook, c->hook_calls_burst * c->tsc_read);
	HSPLIT_INC(c->device, t1 - t0 - hook);
	HSPLIT_INC(c->driver, t2 - t1 + hook_net);
	return nb;
}

/* What a back-to-back pair of TSC reads costs here: the least of a few tries. */
uint64_t hsplit_tsc_read_cost(void)
{
	uint64_t best = UINT64_MAX, a, b;
	unsigned int i;

	for (i = 0; i < 64; i++) {
		a = rte_rdtsc();
		b = rte_rdtsc();
		best = RTE_MIN(best, b - a);
	}
	return best;
}

/* Queue stop: give back posted buffers and completed-but-undelivered chunks. */
void hsplit_rxq_drain(struct hsplit_rxq *rxq)
{
	uint32_t done = __atomic_load_n(&rxq->hw.done, __ATOMIC_ACQUIRE);
	uint32_t i;

	for (; rxq->hw.head != done; rxq->hw.head++) {
		struct hsplit_rx_desc *d = &rxq->hw.ring[rxq->hw.head & rxq->hw.mask];

		if (d->status & HSPLIT_CQE_DEVMEM)
			devmem_ref_put(d->pay_ref);
		d->status = 0;
	}
	/* Posted and never delivered: raw mbufs (post_bulk), back as they came. */
	for (i = 0; i < rxq->hw.nb_desc; i++) {
		struct hsplit_rx_desc *d = &rxq->hw.ring[i];

		if (d->hdr != NULL)
			rte_mempool_put(d->hdr->pool, d->hdr);
		if (d->pay != NULL)
			rte_mempool_put(d->pay->pool, d->pay);
		d->hdr = d->pay = NULL;
	}
	rxq->hw.head = 0;
	__atomic_store_n(&rxq->hw.posted, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&rxq->hw.done, 0, __ATOMIC_RELEASE);
	if (rxq->pool != NULL)
		devmem_pool_frag_flush(rxq->pool);
}
