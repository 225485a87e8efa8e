/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The receive path for a device that splits frames itself (backend=kq, the
 * pre-split ops of hsplit_backend.h): no emulated device, no descriptor
 * ring. Each frame arrives as header bytes in host memory plus payload
 * buffers named by (dma-buf offset, length, token); the driver copies the
 * header into a header mbuf and attaches each payload buffer to a payload
 * mbuf as the binding's own chunk (devmem_mbuf_attach(), as hsplit_rx.c
 * does for the emulated device), so the payload is never touched and the
 * strict PROT_NONE host view stays.
 *
 * Chunk ownership, page_pool style, with the queue's devmem_pool in the
 * middle:
 *   - at start the queue takes every chunk of its binding from its pool and
 *     holds it: held[idx] is that reference while the kernel may write the
 *     chunk;
 *   - a completion for chunk idx moves the reference into the payload mbuf
 *     and remembers the kernel's token;
 *   - the last free of anything holding the chunk (any lcore) recycles it
 *     into the pool: the pool's lockless cache on the polling lcore, its
 *     MPSC return ring from other lcores (lib/devmem/devmem_pool.c);
 *   - every burst drains the pool: each chunk that came back is held again
 *     and its token goes to the kernel (payload_return: the refill ring, a
 *     KICK only when the kernel asked for one).
 */
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "hsplit_private.h"

#define NO_TOKEN UINT32_MAX

struct hsplit_presplit_rxq {
	uint32_t nr_chunks;
	uint32_t chunk_shift;
	devmem_ref *held;            /* per chunk: our reference while the device has it */
	uint32_t *token;             /* per chunk: the device's token while an mbuf has it */
	struct hsplit_presplit_frame frames[HSPLIT_BURST];
};

static inline struct hsplit_backend *wire_of(const struct hsplit_rxq *rxq)
{
	return hsplit_wire(rxq->ad);
}

static inline uint32_t chunk_index(const struct hsplit_presplit_rxq *ps, devmem_ref ref)
{
	return (uint32_t)(devmem_ref_offset(ref) >> ps->chunk_shift);
}

/* Hold what came back, and give its tokens to the device. */
static void hold_returned(struct hsplit_rxq *rxq, const devmem_ref *refs, unsigned int n)
{
	struct hsplit_presplit_rxq *ps = rxq->presplit;
	uint32_t tokens[HSPLIT_BURST];
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		uint32_t idx = chunk_index(ps, refs[i]);

		ps->held[idx] = refs[i];
		if (ps->token[idx] != NO_TOKEN)
			tokens[k++] = ps->token[idx];
		ps->token[idx] = NO_TOKEN;
	}
	if (k > 0) {
		wire_of(rxq)->ops->payload_return(wire_of(rxq), tokens, k);
		rxq->presplit_tokens_returned += k;
	}
}

/* Chunks whose last mbuf was freed since the last burst: back to the device. */
static void return_freed_chunks(struct hsplit_rxq *rxq)
{
	devmem_ref refs[HSPLIT_BURST];
	unsigned int n;

	do {
		n = devmem_pool_alloc_bulk(rxq->pool, refs, HSPLIT_BURST);
		hold_returned(rxq, refs, n);
	} while (n == HSPLIT_BURST);
}

/* The packet type and IP checksum status from the header bytes (the rest is the device's). */
static uint32_t header_ptype(const uint8_t *h, uint32_t len, uint64_t *ol_flags)
{
	uint32_t ptype = RTE_PTYPE_L2_ETHER, off = RTE_ETHER_HDR_LEN, ihl;
	uint16_t type;
	uint8_t proto;

	if (len < RTE_ETHER_HDR_LEN)
		return RTE_PTYPE_UNKNOWN;
	type = (uint16_t)(h[12] << 8 | h[13]);
	if (type == RTE_ETHER_TYPE_VLAN && len >= off + RTE_VLAN_HLEN) {
		ptype = RTE_PTYPE_L2_ETHER_VLAN;
		type = (uint16_t)(h[16] << 8 | h[17]);
		off += RTE_VLAN_HLEN;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && len >= off + sizeof(struct rte_ipv4_hdr)) {
		ihl = (h[off] & 0xfu) * 4u;
		if ((h[off] >> 4) != 4 || ihl < sizeof(struct rte_ipv4_hdr) || off + ihl > len)
			return ptype;
		ptype |= ihl == sizeof(struct rte_ipv4_hdr) ? RTE_PTYPE_L3_IPV4 :
							       RTE_PTYPE_L3_IPV4_EXT;
		*ol_flags |= rte_raw_cksum(h + off, ihl) == 0xffff ? RTE_MBUF_F_RX_IP_CKSUM_GOOD :
								      RTE_MBUF_F_RX_IP_CKSUM_BAD;
		proto = h[off + 9];
	} else if (type == RTE_ETHER_TYPE_IPV6 && len >= off + sizeof(struct rte_ipv6_hdr)) {
		ptype |= RTE_PTYPE_L3_IPV6;
		proto = h[off + 6];
	} else {
		return ptype;
	}
	if (proto == IPPROTO_TCP)
		ptype |= RTE_PTYPE_L4_TCP;
	else if (proto == IPPROTO_UDP)
		ptype |= RTE_PTYPE_L4_UDP;
	return ptype;
}

/*
 * Packet type and checksum flags. A LINEAR frame is whole in host memory:
 * parse it all, checksums included, as the emulated device does. The
 * device's own L4 verdict wins where it gave one (the lease gives one for
 * every frame it splits, none for LINEAR frames).
 */
static void classify(struct rte_mbuf *m, const struct hsplit_presplit_frame *f)
{
	uint64_t ol = f->hash ? RTE_MBUF_F_RX_RSS_HASH : 0;
	struct hsplit_pkt pkt;

	if ((f->flags & HSPLIT_PRESPLIT_LINEAR) &&
	    hsplit_parse_frame(f->hdr, f->hdr_len, &pkt) == 0) {
		m->packet_type = pkt.ptype;
		ol |= pkt.csum_flags | hsplit_linear_flag;
	} else {
		m->packet_type = header_ptype(f->hdr, f->hdr_len, &ol);
	}
	if (f->flags & (HSPLIT_PRESPLIT_L4_CSUM_BAD | HSPLIT_PRESPLIT_L4_CSUM_OK)) {
		ol &= ~RTE_MBUF_F_RX_L4_CKSUM_MASK;
		ol |= f->flags & HSPLIT_PRESPLIT_L4_CSUM_BAD ? RTE_MBUF_F_RX_L4_CKSUM_BAD :
							       RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}
	m->ol_flags = ol;
	m->hash.rss = f->hash;
}

/*
 * Payload buffer s of a frame into mbuf pay: the chunk the device wrote,
 * attached at its offset. The chunk must be one we hold (else the device
 * named a buffer it does not own: a completion error, its token goes back).
 */
static int attach_payload(struct hsplit_rxq *rxq, struct rte_mbuf *pay,
			  const struct hsplit_presplit_seg *s)
{
	struct hsplit_presplit_rxq *ps = rxq->presplit;
	uint64_t idx = s->dmabuf_off >> ps->chunk_shift;
	uint32_t off = (uint32_t)(s->dmabuf_off & ((1ull << ps->chunk_shift) - 1));
	devmem_ref ref;

	if (unlikely(idx >= ps->nr_chunks || ps->held[idx] == 0 ||
		     off + s->len > (1u << ps->chunk_shift))) {
		rxq->presplit_chunk_errors++;
		return -EINVAL;
	}
	ref = ps->held[idx];
	if (unlikely(devmem_mbuf_attach(pay, ref, off, s->len) < 0)) {
		rxq->attach_errors++;
		return -EINVAL;
	}
	ps->held[idx] = 0;
	ps->token[idx] = s->token;
	pay->port = rxq->ad->port_id;
	return 0;
}

/* Tokens of segments [from, nb_segs) that no mbuf took: straight back to the device. */
static void return_unused(struct hsplit_rxq *rxq, const struct hsplit_presplit_frame *f,
			  unsigned int from)
{
	uint32_t tokens[HSPLIT_PRESPLIT_MAX_SEGS];
	unsigned int i, k = 0;

	for (i = from; i < f->nb_segs; i++)
		tokens[k++] = f->seg[i].token;
	if (k > 0)
		wire_of(rxq)->ops->payload_return(wire_of(rxq), tokens, k);
}

/* One frame into a chain, or NULL (counted) with every buffer given back. */
static struct rte_mbuf *build_frame(struct hsplit_rxq *rxq, const struct hsplit_presplit_frame *f)
{
	struct rte_mbuf *hdr, *tail, *pay;
	unsigned int i;

	hdr = rte_pktmbuf_alloc(rxq->hdr_mp);
	if (unlikely(hdr == NULL)) {
		rxq->nombuf++;
		return_unused(rxq, f, 0);
		return NULL;
	}
	if (unlikely(f->hdr_len > rte_pktmbuf_tailroom(hdr))) {
		HSPLIT_INC(rxq->hw.stats.oversize, 1);
		rte_pktmbuf_free(hdr);
		return_unused(rxq, f, 0);
		return NULL;
	}
	/* The header "DMA": host memory to host memory, never payload. */
	rte_memcpy(rte_pktmbuf_mtod(hdr, void *), f->hdr, f->hdr_len);
	hdr->data_len = f->hdr_len;
	hdr->pkt_len = f->hdr_len;
	hdr->port = rxq->ad->port_id;
	classify(hdr, f);
	tail = hdr;
	for (i = 0; i < f->nb_segs; i++) {
		pay = rte_pktmbuf_alloc(rxq->pay_mp);
		if (unlikely(pay == NULL))
			rxq->nombuf++;
		if (unlikely(pay == NULL || attach_payload(rxq, pay, &f->seg[i]) < 0)) {
			rte_pktmbuf_free(pay);
			rte_pktmbuf_free(hdr); /* attached chunks come back through the pool */
			return_unused(rxq, f, i);
			return NULL;
		}
		tail->next = pay;
		tail = pay;
		hdr->nb_segs++;
		hdr->pkt_len += f->seg[i].len;
	}
	return hdr;
}

static void count_frame(struct hsplit_rxq *rxq, const struct rte_mbuf *m,
			const struct hsplit_presplit_frame *f)
{
	struct hsplit_rxq_dev_stats *st = &rxq->hw.stats;

	HSPLIT_INC(st->packets, 1);
	HSPLIT_INC(st->bytes, m->pkt_len);
	if (f->flags & HSPLIT_PRESPLIT_LINEAR) {
		HSPLIT_INC(st->linear, 1);
	} else {
		HSPLIT_INC(st->split, 1);
		HSPLIT_INC(st->header_bytes, f->hdr_len);
		HSPLIT_INC(st->devmem_payload_bytes, m->pkt_len - f->hdr_len);
	}
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD ||
	    (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		HSPLIT_INC(st->csum_bad, 1);
}

uint16_t hsplit_rx_presplit_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct hsplit_rxq *rxq = queue;
	struct hsplit_backend *be = wire_of(rxq);
	struct hsplit_presplit_frame *frames;
	uint16_t nb = 0;
	int i, got;

	if (unlikely(!rxq->started || rxq->presplit == NULL))
		return 0;
	frames = rxq->presplit->frames;
	return_freed_chunks(rxq);
	got = be->ops->rx_presplit(be, frames, RTE_MIN(n, HSPLIT_BURST));
	if (unlikely(got < 0)) {
		rxq->ad->hw.stats.backend_errors++;
		return 0;
	}
	for (i = 0; i < got; i++) {
		struct rte_mbuf *m = build_frame(rxq, &frames[i]);

		if (m == NULL)
			continue;
		count_frame(rxq, m, &frames[i]);
		pkts[nb++] = m;
	}
	if (got > 0)
		be->ops->rx_presplit_done(be, (unsigned int)got);
	return nb;
}

/* --- start / stop ---------------------------------------------------- */

static void presplit_free(struct hsplit_rxq *rxq)
{
	struct hsplit_presplit_rxq *ps = rxq->presplit;

	if (ps == NULL)
		return;
	rte_free(ps->held);
	rte_free(ps->token);
	rte_free(ps);
	rxq->presplit = NULL;
}

/* Every chunk we hold goes back to the pool (mbufs still out come back on their own). */
static void put_held(struct hsplit_rxq *rxq)
{
	struct hsplit_presplit_rxq *ps = rxq->presplit;
	uint32_t i;

	for (i = 0; i < ps->nr_chunks; i++)
		if (ps->held[i] != 0) {
			devmem_pool_put(rxq->pool, ps->held[i]);
			ps->held[i] = 0;
		}
}

/* The port's one queue as the pre-split device needs it: split, bound, alone. */
static int presplit_check(struct hsplit_adapter *ad, struct hsplit_rxq *rxq)
{
	if (ad->dev->data->nb_rx_queues != 1 || rxq == NULL) {
		HSPLIT_LOG(ERR, "%s: backend=%s leases one kernel queue: configure exactly one "
			   "RX queue (have %u)", ad->name, hsplit_wire(ad)->ops->name,
			   ad->dev->data->nb_rx_queues);
		return -EINVAL;
	}
	if (rxq->pay_mp == NULL || rxq->split == HSPLIT_SPLIT_NONE) {
		HSPLIT_LOG(ERR, "%s: backend=%s: queue 0 needs buffer split with a payload pool "
			   "(--rx-offloads=0x100000 --rxhdrs=eth-ipv4-tcp or --rxpkts)", ad->name,
			   hsplit_wire(ad)->ops->name);
		return -EINVAL;
	}
	if (rxq->pool == NULL || rxq->binding == NULL) {
		HSPLIT_LOG(ERR, "%s: backend=%s: bind a dma-buf to queue 0 before start "
			   "(devmem_bind_rx(), or the dmabuf= devarg): the kernel writes payload "
			   "into it", ad->name, hsplit_wire(ad)->ops->name);
		return -EINVAL;
	}
	return 0;
}

static int presplit_alloc(struct hsplit_rxq *rxq)
{
	struct devmem_dmabuf *d = devmem_binding_dmabuf(rxq->binding);
	uint32_t chunk = devmem_binding_chunk_size(rxq->binding);
	struct hsplit_presplit_rxq *ps;
	int socket = rxq->hdr_mp->socket_id;
	uint32_t i;

	ps = rte_zmalloc_socket("hsplit_presplit", sizeof(*ps), RTE_CACHE_LINE_SIZE, socket);
	if (ps == NULL)
		return -ENOMEM;
	rxq->presplit = ps;
	ps->chunk_shift = (uint32_t)__builtin_ctz(chunk);
	ps->nr_chunks = (uint32_t)(devmem_dmabuf_size(d) >> ps->chunk_shift);
	ps->held = rte_zmalloc_socket("hsplit_presplit_held", sizeof(*ps->held) * ps->nr_chunks,
				      0, socket);
	ps->token = rte_malloc_socket("hsplit_presplit_token",
				      sizeof(*ps->token) * ps->nr_chunks, 0, socket);
	if (ps->held == NULL || ps->token == NULL) {
		presplit_free(rxq);
		return -ENOMEM;
	}
	for (i = 0; i < ps->nr_chunks; i++)
		ps->token[i] = NO_TOKEN;
	return 0;
}

int hsplit_presplit_start(struct hsplit_adapter *ad)
{
	struct hsplit_backend *be = hsplit_wire(ad);
	struct hsplit_rxq *rxq = ad->rxq[0];
	struct hsplit_presplit_mem mem;
	int ret;

	ret = presplit_check(ad, rxq);
	if (ret == 0)
		ret = presplit_alloc(rxq);
	if (ret < 0)
		return ret;
	/* Take every free chunk: from now on only the device hands them out. */
	return_freed_chunks(rxq);
	mem.dmabuf_fd = devmem_dmabuf_fd(devmem_binding_dmabuf(rxq->binding));
	mem.dmabuf_size = devmem_dmabuf_size(devmem_binding_dmabuf(rxq->binding));
	mem.chunk_size = devmem_binding_chunk_size(rxq->binding);
	ret = be->ops->presplit_attach(be, &mem);
	if (ret < 0) {
		put_held(rxq);
		presplit_free(rxq);
		return ret;
	}
	return 0;
}

void hsplit_presplit_stop(struct hsplit_adapter *ad)
{
	struct hsplit_backend *be = hsplit_wire(ad);
	struct hsplit_rxq *rxq = ad->rxq[0];

	if (rxq == NULL || rxq->presplit == NULL)
		return;
	/* The device goes first: its buffers and tokens are void from here on. */
	be->ops->presplit_detach(be);
	put_held(rxq);
	presplit_free(rxq);
}
