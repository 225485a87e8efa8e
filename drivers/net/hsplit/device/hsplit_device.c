/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device model: what the NIC does between the wire and the descriptor
 * rings. It pulls frames from the backend, steers each one (rules first,
 * then RSS), decides the split point, "DMAs" the header into the posted
 * header mbuf and the payload into a chunk from the queue's payload
 * provider (or into the posted payload mbuf when the queue has none), and
 * completes the descriptor with lengths, status, packet type, checksum
 * flags and the RSS hash. Everything it knows comes from the registers in
 * hsplit_hw.h.
 *
 * Concurrency: the backend and the steering tables are used under the
 * port's lock, taken with trylock by whichever lcore polls. A frame
 * steered to the caller's own queue is completed at once; a frame for a
 * queue polled elsewhere is copied into that queue's inbox (the NIC's
 * per-queue packet buffer) and completed by that queue's own poll, so each
 * queue's ring and payload provider are only ever written by its own lcore.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "hsplit_hw.h"
#include "hsplit_log.h"

/* A frame waiting in a queue's inbox: parsed once, completed later. */
struct hsplit_inbox_slot {
	struct hsplit_pkt pkt;
	uint32_t hash;
	uint32_t len;
	uint8_t data[];
};

/*
 * The bytes the device delivers: the frame as on the wire, less a VLAN tag
 * the queue strips (4 bytes right after the MAC addresses). Every DMA into
 * a posted buffer or a chunk goes through dma_copy(), which skips the tag.
 */
struct rx_frame {
	const uint8_t *data;    /* as on the wire */
	uint32_t len;           /* delivered length */
	uint32_t cut;           /* bytes stripped after the MAC addresses: 0 or 4 */
};

/*
 * The payload's DMA and its part of the TCP/UDP checksum in one pass: a
 * payload copy into a chunk or a host buffer sums what it copies when
 * `want` is set (dma_copy_summed), so a full-sized frame is read once, not
 * once to check and once to copy. Only where the payload runs to the end
 * of the L4 data (no Ethernet padding) and the cut tag is behind it.
 */
struct payload_sum {
	bool want;          /* in: sum the payload while copying it */
	bool done;          /* out: it was copied that way; sum is its sum */
	uint32_t sum;
};

static void dma_copy(uint8_t *dst, const struct rx_frame *f, uint32_t off, uint32_t n)
{
	const uint32_t macs = 2 * RTE_ETHER_ADDR_LEN;

	if (f->cut != 0 && off < macs) {
		uint32_t first = RTE_MIN(n, macs - off);

		rte_memcpy(dst, f->data + off, first);
		dst += first;
		off += first;
		n -= first;
	}
	if (n != 0)
		rte_memcpy(dst, f->data + off + f->cut, n);
}

/* dma_copy() of bytes behind any cut tag, summing them when ps->want (struct payload_sum). */
static void dma_copy_summed(uint8_t *dst, const struct rx_frame *f, uint32_t off, uint32_t n,
			    struct payload_sum *ps)
{
	if (!ps->want) {
		dma_copy(dst, f, off, n);
		return;
	}
	ps->sum = hsplit_csum_copy(dst, f->data + off + f->cut, n, 0);
	ps->done = true;
}

/*
 * Per-frame drops that point at a configuration problem (MTU, chunk size,
 * buffer size) are logged at most once a second, with how many went
 * unlogged; the counters have every one. Lcores race on the limiter
 * harmlessly: at worst two lines in one second.
 */
static void drop_log(struct hsplit_hw_port *hw, int q, uint32_t len, const char *why)
{
	uint64_t now = rte_get_timer_cycles();
	uint64_t drops = __atomic_add_fetch(&hw->drops_unlogged, 1, __ATOMIC_RELAXED);
	char where[24] = "";

	if (now < __atomic_load_n(&hw->next_drop_log, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&hw->next_drop_log, now + rte_get_timer_hz(), __ATOMIC_RELAXED);
	__atomic_store_n(&hw->drops_unlogged, 0, __ATOMIC_RELAXED);
	if (q >= 0)
		snprintf(where, sizeof(where), " queue %d:", q);
	HSPLIT_LOG(WARNING, "%s:%s %u-byte frame dropped: %s (%" PRIu64 " MTU/buffer/chunk "
		   "drop(s) since the last message; at most one a second, all in xstats)", hw->name, where,
		   len, why, drops);
}

/* Where the bytes go: decided once per frame from the queue's split setup. */
struct hsplit_placement {
	uint32_t hdr_len;   /* bytes into the header mbuf */
	uint32_t pay_len;   /* bytes into the payload buffer */
	bool linear;        /* could not split: the frame goes whole to host memory */
	struct payload_sum psum;
};

static uint16_t mbuf_room(const struct rte_mbuf *m, uint16_t off)
{
	uint16_t room = m->buf_len;

	return room > off ? (uint16_t)(room - off) : 0;
}

/* The header length a protocol split asks for, or 0 when the frame does not match. */
static uint32_t proto_split_len(const struct hsplit_hw_rxq *rxq, const struct hsplit_pkt *pkt)
{
	uint32_t want_l3 = rxq->proto_hdr & RTE_PTYPE_L3_MASK;
	uint32_t want_l4 = rxq->proto_hdr & RTE_PTYPE_L4_MASK;

	if (rxq->level == HSPLIT_LEVEL_L2)
		return pkt->l2_len;
	if (!pkt->l3_ok)
		return 0;
	/* Exact match on the family: an ipv4 split does not take IPv6 frames. */
	if (want_l3 != 0 && ((want_l3 == RTE_PTYPE_L3_IPV6_EXT_UNKNOWN) != pkt->ipv6))
		return 0;
	if (rxq->level == HSPLIT_LEVEL_L3)
		return (uint32_t)pkt->l2_len + pkt->l3_len;
	if (!pkt->l4_ok)
		return 0;
	if ((want_l4 == RTE_PTYPE_L4_TCP && pkt->l4_proto != IPPROTO_TCP) ||
	    (want_l4 == RTE_PTYPE_L4_UDP && pkt->l4_proto != IPPROTO_UDP))
		return 0;
	return (uint32_t)pkt->l2_len + pkt->l3_len + pkt->l4_len;
}

static void place_frame(const struct hsplit_hw_rxq *rxq, const struct hsplit_rx_desc *d,
			const struct hsplit_pkt *pkt, uint32_t len, struct hsplit_placement *pl)
{
	uint32_t hdr_room = mbuf_room(d->hdr, RTE_PKTMBUF_HEADROOM + rxq->seg0_off);

	pl->linear = false;
	pl->hdr_len = len;
	switch (rxq->split) {
	case HSPLIT_SPLIT_NONE:
		pl->hdr_len = len;
		break;
	case HSPLIT_SPLIT_LENGTH:
		pl->hdr_len = RTE_MIN(len, (uint32_t)rxq->seg0_len);
		break;
	case HSPLIT_SPLIT_PROTO:
		pl->hdr_len = proto_split_len(rxq, pkt);
		if (pl->hdr_len == 0 || pl->hdr_len > hdr_room) {
			pl->linear = true;
			pl->hdr_len = len;
		}
		break;
	}
	pl->pay_len = len - pl->hdr_len;
}

/*
 * Sum the payload during its DMA? When the L4 sum was deferred, the split
 * point is inside the L4 data, after any cut tag, and the payload is the
 * rest of the L4 data (a padded frame's payload is not).
 */
static void plan_payload_sum(const struct hsplit_pkt *pkt, const struct rx_frame *f,
			     struct hsplit_placement *pl)
{
	uint32_t l4_start = (uint32_t)pkt->l4_off - f->cut;

	pl->psum.done = false;
	pl->psum.want = pkt->l4_sum_deferred && !pl->linear && pl->pay_len != 0 &&
			pl->hdr_len >= l4_start && pl->hdr_len >= 2 * RTE_ETHER_ADDR_LEN &&
			l4_start + pkt->l4_bytes == f->len;
}

/*
 * Finish a deferred TCP/UDP checksum: the header part of the L4 bytes plus
 * the payload's sum from its DMA, or every L4 byte when the payload was not
 * summed on the way (linear frames, copies on an empty pool, padding).
 */
static uint64_t finish_l4_csum(const struct hsplit_pkt *pkt, const struct rx_frame *f,
			       const struct hsplit_placement *pl)
{
	const uint8_t *l4 = f->data + pkt->l4_off; /* the L4 bytes are behind any cut tag */
	uint32_t l4_start = (uint32_t)pkt->l4_off - f->cut, head, sum;
	uint16_t pay;

	if (!pl->psum.done)
		return hsplit_l4_csum_verdict(hsplit_csum_sum(l4, pkt->l4_bytes, pkt->l4_seed));
	head = pl->hdr_len - l4_start;
	/* Folded before the payload's part is added: a 32-bit partial sum may be near 2^32. */
	sum = __rte_raw_cksum_reduce(hsplit_csum_sum(l4, head, pkt->l4_seed));
	/* The payload's words start at an odd offset of the L4 data: its sum is byte-swapped. */
	pay = __rte_raw_cksum_reduce(pl->psum.sum);
	if (head & 1)
		pay = rte_bswap16(pay);
	return hsplit_l4_csum_verdict(sum + pay);
}

/* Where the device writes a posted payload mbuf's buffer (posted_payload_base). */
static inline uint8_t *posted_payload_addr(const struct hsplit_hw_rxq *rxq,
					   const struct rte_mbuf *m)
{
	return rxq->posted_payload_base != NULL ? rxq->posted_payload_base + m->buf_iova :
						  (uint8_t *)m->buf_addr;
}

/* Copy a frame to host memory: the header mbuf first, the payload mbuf's own room next. */
static bool write_linear(struct hsplit_hw_rxq *rxq, struct hsplit_rx_desc *d,
			 const struct rx_frame *f)
{
	uint16_t hoff = RTE_PKTMBUF_HEADROOM + rxq->seg0_off;
	uint32_t hroom = mbuf_room(d->hdr, hoff);
	uint32_t first = RTE_MIN(f->len, hroom);

	if (f->len > first && (d->pay == NULL || f->len - first > d->pay->buf_len))
		return false;
	dma_copy((uint8_t *)d->hdr->buf_addr + hoff, f, 0, first);
	d->hdr_len = (uint16_t)first;
	d->pay_len = f->len - first;
	if (d->pay_len)
		dma_copy(posted_payload_addr(rxq, d->pay), f, first, d->pay_len);
	d->pay_ref = 0;
	d->pay_off = 0;
	d->status = HSPLIT_CQE_LINEAR;
	return true;
}

/*
 * Payload (delivered bytes [from, from + len)) into a chunk of the queue's
 * provider: a fragment of the current chunk (pack) or a whole chunk
 * (single). EMPTY when the provider has none free, TOO_LONG when no chunk
 * could take it, NONE without a provider.
 */
static enum hsplit_hw_payload_status
write_provider_payload(struct hsplit_hw_rxq *rxq, struct hsplit_rx_desc *d,
		       const struct rx_frame *f, uint32_t from, uint32_t len, struct payload_sum *ps)
{
	enum hsplit_hw_payload_status st;
	uint8_t *chunk = NULL;
	uint32_t off = 0;
	uint64_t ref = 0;

	if (rxq->payload == NULL)
		return HSPLIT_HW_PAYLOAD_NONE;
	st = rxq->payload->alloc(rxq->payload_opaque, len, rxq->pack, &ref, &chunk, &off);
	if (st != HSPLIT_HW_PAYLOAD_OK)
		return st;
	dma_copy_summed(chunk + off, f, from, len, ps);
	d->pay_ref = ref;
	d->pay_off = off;
	d->pay_len = len;
	d->status = HSPLIT_CQE_SPLIT | HSPLIT_CQE_DEVMEM;
	HSPLIT_INC(rxq->stats.devmem_payload_bytes, len);
	return HSPLIT_HW_PAYLOAD_OK;
}

static bool write_host_payload(struct hsplit_hw_rxq *rxq, struct hsplit_rx_desc *d,
			       const struct rx_frame *f, uint32_t from, uint32_t len,
			       struct payload_sum *ps)
{
	if (d->pay == NULL || len > mbuf_room(d->pay, rxq->seg1_off))
		return false;
	dma_copy_summed(posted_payload_addr(rxq, d->pay) + rxq->seg1_off, f, from, len, ps);
	d->pay_ref = 0;
	d->pay_off = rxq->seg1_off;
	d->pay_len = len;
	d->status = HSPLIT_CQE_SPLIT;
	return true;
}

/* A frame longer than the posted buffers: one counter, one rate-limited log. */
static bool drop_oversize(struct hsplit_hw_rxq *rxq, uint32_t len)
{
	HSPLIT_INC(rxq->stats.oversize, 1);
	drop_log(rxq->port, rxq->queue_id, len, "longer than the posted buffers");
	return false;
}

/*
 * Payload pool empty: drop (devmem TCP) or copy the frame to host memory,
 * LINEAR (zcrx). Each frame moves exactly one counter: a copy that does not
 * fit the posted buffers is an oversize drop, not also a copy.
 */
static bool payload_pool_empty(struct hsplit_hw_rxq *rxq, struct hsplit_rx_desc *d,
			       const struct rx_frame *f)
{
	if (!rxq->copy_on_empty) {
		HSPLIT_INC(rxq->stats.pool_empty_drop, 1);
		return false;
	}
	if (!write_linear(rxq, d, f))
		return drop_oversize(rxq, f->len);
	HSPLIT_INC(rxq->stats.pool_empty_copy, 1);
	d->status |= HSPLIT_CQE_COPIED;
	return true;
}

/* Split frame: payload first (it may fail), then the header bytes; false if dropped. */
static bool write_split(struct hsplit_hw_rxq *rxq, struct hsplit_rx_desc *d,
			const struct rx_frame *f, struct hsplit_placement *pl)
{
	uint16_t hoff = RTE_PKTMBUF_HEADROOM + rxq->seg0_off;
	enum hsplit_hw_payload_status st = HSPLIT_HW_PAYLOAD_NONE;

	if (pl->hdr_len > mbuf_room(d->hdr, hoff))
		return drop_oversize(rxq, f->len);
	if (pl->pay_len == 0) {
		d->pay_len = 0;
		d->pay_ref = 0;
		d->status = rxq->split == HSPLIT_SPLIT_NONE ? 0 : HSPLIT_CQE_SPLIT;
	} else {
		st = write_provider_payload(rxq, d, f, pl->hdr_len, pl->pay_len, &pl->psum);
		switch (st) {
		case HSPLIT_HW_PAYLOAD_OK:
			break;
		case HSPLIT_HW_PAYLOAD_EMPTY:
			return payload_pool_empty(rxq, d, f);
		case HSPLIT_HW_PAYLOAD_TOO_LONG:
			/* Not exhaustion: no chunk will ever take it, whatever on_empty says. */
			HSPLIT_INC(rxq->stats.chunk_too_long, 1);
			drop_log(rxq->port, rxq->queue_id, f->len,
				 "payload longer than a payload chunk (chunk= devarg)");
			return false;
		case HSPLIT_HW_PAYLOAD_NONE:
			if (!write_host_payload(rxq, d, f, pl->hdr_len, pl->pay_len, &pl->psum))
				return drop_oversize(rxq, f->len);
			break;
		}
	}
	dma_copy((uint8_t *)d->hdr->buf_addr + hoff, f, 0, pl->hdr_len);
	d->hdr_len = (uint16_t)pl->hdr_len;
	return true;
}

/*
 * VLAN strip: the outer 802.1Q tag leaves the frame for the completion, and
 * everything after it (split point, L2 ptype) is measured on what is left,
 * as hardware does. An 802.1ad S-tag is not stripped (no QinQ strip).
 */
static bool strip_outer_tag(struct hsplit_pkt *pkt, struct rx_frame *f)
{
	if (pkt->vlan_tags == 0 || pkt->vlan_tpid != RTE_ETHER_TYPE_VLAN)
		return false;
	pkt->vlan_tags--;
	pkt->vlan_tpid = pkt->vlan_tags ? RTE_ETHER_TYPE_VLAN : 0;
	pkt->l2_len -= RTE_VLAN_HLEN;
	pkt->ptype = (pkt->ptype & ~RTE_PTYPE_L2_MASK) |
		     hsplit_l2_ptype(pkt->vlan_tags, pkt->vlan_tpid, pkt->ether_type);
	f->cut = RTE_VLAN_HLEN;
	f->len -= RTE_VLAN_HLEN;
	return true;
}

/* Complete the next posted descriptor of `rxq` with this frame. */
static void device_complete(struct hsplit_hw_rxq *rxq, const uint8_t *data, uint32_t len,
			    const struct hsplit_pkt *wire_pkt, uint32_t hash)
{
	uint32_t done = __atomic_load_n(&rxq->done, __ATOMIC_RELAXED);
	struct rx_frame f = { .data = data, .len = len, .cut = 0 };
	const struct hsplit_pkt *pkt = wire_pkt;
	struct hsplit_placement pl;
	struct hsplit_pkt stripped;
	struct hsplit_rx_desc *d;
	uint64_t csum_flags;
	bool strip = false;

	if (done == __atomic_load_n(&rxq->posted, __ATOMIC_ACQUIRE)) {
		HSPLIT_INC(rxq->stats.no_desc, 1);
		return;
	}
	/* The driver may flip the strip register while the queue runs (vlan_offload_set). */
	if (unlikely(wire_pkt->vlan_tags != 0 &&
		     __atomic_load_n(&rxq->vlan_strip, __ATOMIC_RELAXED))) {
		stripped = *wire_pkt;
		strip = strip_outer_tag(&stripped, &f);
		pkt = &stripped;
	}
	d = &rxq->ring[done & rxq->mask];
	place_frame(rxq, d, pkt, f.len, &pl);
	plan_payload_sum(pkt, &f, &pl);
	if (pl.linear) {
		if (!write_linear(rxq, d, &f)) {
			drop_oversize(rxq, f.len);
			return;
		}
	} else if (!write_split(rxq, d, &f, &pl)) {
		return;
	}
	csum_flags = pkt->csum_flags;
	if (pkt->l4_sum_deferred)
		csum_flags |= finish_l4_csum(pkt, &f, &pl);
	d->ptype = pkt->ptype;
	d->rss_hash = hash;
	d->ol_flags = csum_flags | (hash ? RTE_MBUF_F_RX_RSS_HASH : 0);
	d->vlan_tci = strip ? wire_pkt->vlan_tci : 0;
	if (strip)
		d->ol_flags |= RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	HSPLIT_INC(rxq->stats.packets, 1);
	HSPLIT_INC(rxq->stats.bytes, f.len);
	if (d->status & HSPLIT_CQE_LINEAR)
		HSPLIT_INC(rxq->stats.linear, 1);
	else if (d->status & HSPLIT_CQE_SPLIT) {
		HSPLIT_INC(rxq->stats.split, 1);
		HSPLIT_INC(rxq->stats.header_bytes, d->hdr_len);
	}
	if ((csum_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    (csum_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		HSPLIT_INC(rxq->stats.csum_bad, 1);
	__atomic_store_n(&rxq->done, done + 1, __ATOMIC_RELEASE);
}

static bool mc_listed(const struct hsplit_hw_port *hw, const struct rte_ether_addr *dst)
{
	uint32_t i;

	for (i = 0; i < hw->nb_mc_addrs; i++)
		if (rte_is_same_ether_addr(dst, &hw->mc_addrs[i]))
			return true;
	return false;
}

/* Promiscuous takes everything; else broadcast, our MAC, listed groups (all with allmulti). */
static bool mac_accepts(const struct hsplit_hw_port *hw, const uint8_t *frame)
{
	const struct rte_ether_addr *dst = (const struct rte_ether_addr *)frame;

	if (hw->promisc || rte_is_broadcast_ether_addr(dst))
		return true;
	if (rte_is_multicast_ether_addr(dst))
		return hw->allmulti || mc_listed(hw, dst);
	return rte_is_same_ether_addr(dst, &hw->mac);
}

/* VLAN filter: 802.1Q-tagged frames need their VID in the table (VID 0, priority, passes). */
static bool vlan_accepts(const struct hsplit_hw_port *hw, const struct hsplit_pkt *pkt)
{
	uint16_t vid = pkt->vlan_tci & 0xfff;

	if (!hw->vlan_filter || pkt->vlan_tags == 0 || pkt->vlan_tpid != RTE_ETHER_TYPE_VLAN ||
	    vid == 0)
		return true;
	return (hw->vlan_ids[vid / 64] >> (vid % 64)) & 1;
}

/* The longest frame the MTU allows: the L3 packet, Ethernet and each tag it carries. */
static uint32_t mtu_frame_limit(const struct hsplit_hw_port *hw, const struct hsplit_pkt *pkt)
{
	return (uint32_t)hw->mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN * pkt->vlan_tags;
}

static void inbox_put(struct hsplit_hw_rxq *rxq, const struct hsplit_frame *f,
		      const struct hsplit_pkt *pkt, uint32_t hash)
{
	struct hsplit_inbox_slot *slot;

	if (unlikely(f->len > rxq->inbox_frame)) {
		/* The MTU grew and the driver did not resize the inbox: never silent. */
		drop_oversize(rxq, f->len);
		return;
	}
	if (rxq->inbox == NULL || rte_mempool_get(rxq->inbox_mp, (void **)&slot) < 0) {
		HSPLIT_INC(rxq->stats.inbox_full, 1);
		return;
	}
	slot->pkt = *pkt;
	slot->hash = hash;
	slot->len = f->len;
	rte_memcpy(slot->data, f->data, f->len);
	if (rte_ring_enqueue(rxq->inbox, slot) < 0) {
		rte_mempool_put(rxq->inbox_mp, slot);
		HSPLIT_INC(rxq->stats.inbox_full, 1);
	}
}

/*
 * The backend's word on the L4 checksum where the port takes it, else a
 * deferred sum the device finishes with the payload's DMA (finish_l4_csum).
 */
static uint8_t frame_csum_input(const struct hsplit_hw_port *hw, const struct hsplit_frame *f)
{
	if (hw->csum_from_backend && f->csum != HSPLIT_FRAME_CSUM_UNKNOWN)
		return f->csum;
	return HSPLIT_FRAME_CSUM_DEFER;
}

static void device_receive(struct hsplit_hw_port *hw, const struct hsplit_frame *f,
			   struct hsplit_hw_rxq *caller)
{
	struct hsplit_hw_rxq *rxq;
	struct hsplit_pkt pkt;
	uint32_t hash;
	uint16_t q;
	bool drop;

	hw->stats.rx_backend_frames++;
	if (unlikely(f->len < hw->min_frame ||
		     hsplit_parse_frame_csum(f->data, f->len, frame_csum_input(hw, f), &pkt) < 0)) {
		if (f->len < RTE_ETHER_HDR_LEN)
			hw->stats.rx_malformed++;
		else
			hw->stats.rx_runt++;
		return;
	}
	if (!mac_accepts(hw, f->data)) {
		hw->stats.rx_filtered_mac++;
		return;
	}
	if (pkt.l4_csum_given)
		hw->stats.rx_csum_backend++;
	if (!vlan_accepts(hw, &pkt)) {
		hw->stats.rx_filtered_vlan++;
		return;
	}
	/* Before steering: the same limit whichever queue the frame would go to. */
	if (unlikely(f->len > mtu_frame_limit(hw, &pkt))) {
		hw->stats.rx_mtu++;
		drop_log(hw, -1, f->len, "longer than the MTU allows");
		return;
	}
	hash = hsplit_hw_rss_hash(hw, &pkt);
	q = hsplit_hw_pick_queue(hw, &pkt, hash, &drop);
	if (drop)
		return;
	rxq = q < hw->nb_rx_queues ? hw->rxq[q] : NULL;
	if (unlikely(rxq == NULL || !rxq->enabled)) {
		hw->stats.rx_bad_queue++;
		return;
	}
	if (rxq == caller)
		device_complete(rxq, f->data, f->len, &pkt, hash);
	else
		inbox_put(rxq, f, &pkt, hash);
}

static void drain_inbox(struct hsplit_hw_rxq *rxq)
{
	struct hsplit_inbox_slot *slots[HSPLIT_HW_BURST];
	unsigned int i, n;

	n = rte_ring_dequeue_burst(rxq->inbox, (void **)slots, HSPLIT_HW_BURST, NULL);
	for (i = 0; i < n; i++)
		device_complete(rxq, slots[i]->data, slots[i]->len, &slots[i]->pkt,
				slots[i]->hash);
	if (n)
		rte_mempool_put_bulk(rxq->inbox_mp, (void **)slots, n);
}

/* Called from rx_burst of `caller`: its own inbox first, then the wire. */
void hsplit_hw_poll(struct hsplit_hw_port *hw, struct hsplit_hw_rxq *caller)
{
	struct hsplit_frame frames[HSPLIT_HW_BURST];
	unsigned int i, room;
	int n;

	if (caller->inbox != NULL)
		drain_inbox(caller);
	room = caller->nb_desc - (__atomic_load_n(&caller->done, __ATOMIC_RELAXED) -
				  __atomic_load_n(&caller->head, __ATOMIC_RELAXED));
	if (room == 0 || !rte_spinlock_trylock(&hw->lock))
		return;
	n = hw->backend->ops->rx_burst(hw->backend, frames, RTE_MIN(room, HSPLIT_HW_BURST));
	if (unlikely(n < 0)) {
		hw->stats.backend_errors++;
		rte_spinlock_unlock(&hw->lock);
		return;
	}
	for (i = 0; i < (unsigned int)n; i++)
		device_receive(hw, &frames[i], caller);
	if (n > 0)
		hw->backend->ops->rx_done(hw->backend, (unsigned int)n);
	rte_spinlock_unlock(&hw->lock);
}

/* Transmit DMA: gather a chain into one frame, device memory through its device view. */
int hsplit_hw_tx_gather(const struct hsplit_hw_port *hw, const struct rte_mbuf *m,
			uint8_t *out, uint32_t room)
{
	uint32_t len = 0;

	if (m->pkt_len > room)
		return -EMSGSIZE;
	for (; m != NULL; m = m->next) {
		const uint8_t *src = NULL;

		if (len + m->data_len > room)
			return -EMSGSIZE;
		if (hw->mem != NULL)
			src = hw->mem->device_view(hw->mem_opaque, m);
		if (src == NULL)
			src = rte_pktmbuf_mtod(m, const uint8_t *);
		rte_memcpy(out + len, src, m->data_len);
		len += m->data_len;
	}
	return (int)len;
}

/*
 * Inbox: the driver asks for one when the port has more than one receive
 * queue. Slots hold frames up to the port's max_frame at creation time
 * (inbox_frame); the driver re-creates it when the MTU grows past that.
 */
int hsplit_hw_inbox_create(struct hsplit_hw_rxq *rxq, int socket_id)
{
	const struct hsplit_hw_port *hw = rxq->port;
	char name[RTE_MEMPOOL_NAMESIZE];

	rxq->inbox_frame = hw->max_frame;
	snprintf(name, sizeof(name), "hsplit_ibm_%u_%u", hw->port_id, rxq->queue_id);
	rxq->inbox_mp = rte_mempool_create(name, 2 * HSPLIT_HW_INBOX_SIZE - 1,
					   sizeof(struct hsplit_inbox_slot) + hw->max_frame,
					   0, 0, NULL, NULL, NULL, NULL, socket_id, 0);
	snprintf(name, sizeof(name), "hsplit_ibr_%u_%u", hw->port_id, rxq->queue_id);
	rxq->inbox = rxq->inbox_mp == NULL ? NULL :
		     rte_ring_create(name, HSPLIT_HW_INBOX_SIZE, socket_id,
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rxq->inbox == NULL) {
		HSPLIT_LOG(ERR, "%s: queue %u: inbox: %s", hw->name, rxq->queue_id,
			   rte_strerror(rte_errno));
		hsplit_hw_inbox_free(rxq);
		return -rte_errno;
	}
	return 0;
}

void hsplit_hw_inbox_free(struct hsplit_hw_rxq *rxq)
{
	void *slot;

	if (rxq->inbox != NULL)
		while (rte_ring_dequeue(rxq->inbox, &slot) == 0)
			rte_mempool_put(rxq->inbox_mp, slot);
	rte_ring_free(rxq->inbox);
	rte_mempool_free(rxq->inbox_mp);
	rxq->inbox = NULL;
	rxq->inbox_mp = NULL;
}
