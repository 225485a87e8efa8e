/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transmit: the device gathers each mbuf chain into one wire frame (device
 * chunks are read through the dmabuf's device view, as a NIC's DMA would)
 * and the backend copies the frames out. Sent mbufs are freed here; a frame
 * the backend did not take is left to the caller, as tx_burst requires.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "hsplit_private.h"

/* VLAN insert offload: an 802.1Q tag (TPID, then tci) right after the MAC addresses. */
static int insert_vlan_tag(uint8_t *frame, int len, uint16_t tci)
{
	const uint32_t macs = 2 * RTE_ETHER_ADDR_LEN;
	const uint8_t tag[RTE_VLAN_HLEN] = {
		RTE_ETHER_TYPE_VLAN >> 8, RTE_ETHER_TYPE_VLAN & 0xff, tci >> 8, tci & 0xff,
	};

	if ((uint32_t)len < macs || (uint32_t)len + RTE_VLAN_HLEN > HSPLIT_MAX_FRAME)
		return -EMSGSIZE;
	memmove(frame + macs + RTE_VLAN_HLEN, frame + macs, (size_t)len - macs);
	memcpy(frame + macs, tag, sizeof(tag));
	return len + (int)RTE_VLAN_HLEN;
}

/* On a padded wire (gen, pcap) the MAC pads short frames to 60 bytes, as an Ethernet MAC does. */
static int pad_frame(uint8_t *frame, int len)
{
	if (len >= 0 && (uint32_t)len < HSPLIT_HW_ETHER_MIN) {
		memset(frame + len, 0, HSPLIT_HW_ETHER_MIN - (uint32_t)len);
		len = HSPLIT_HW_ETHER_MIN;
	}
	return len;
}

/*
 * Present up to nb chains as linear frames; stops at the first that cannot
 * be. A one-segment host mbuf already is one and is passed as it is; chains
 * and device chunks are gathered into the staging area.
 */
static unsigned int stage_frames(struct hsplit_txq *txq, struct rte_mbuf **pkts, unsigned int nb,
				 struct hsplit_frame *frames)
{
	bool pad = hsplit_wire(txq->ad)->wire_padded;
	unsigned int i;

	for (i = 0; i < nb; i++) {
		const struct rte_mbuf *m = pkts[i];
		uint8_t *slot = txq->stage + (size_t)i * HSPLIT_MAX_FRAME;
		int len;

		if (m->nb_segs == 1 && m->data_len <= HSPLIT_MAX_FRAME && devmem_mbuf_ref(m) == 0 &&
		    !(m->ol_flags & RTE_MBUF_F_TX_VLAN) &&
		    (!pad || m->data_len >= HSPLIT_HW_ETHER_MIN)) {
			frames[i].data = rte_pktmbuf_mtod(m, uint8_t *);
			frames[i].len = m->data_len;
			continue;
		}
		len = hsplit_hw_tx_gather(&txq->ad->hw, m, slot, HSPLIT_MAX_FRAME);
		if (len >= 0 && (m->ol_flags & RTE_MBUF_F_TX_VLAN))
			len = insert_vlan_tag(slot, len, m->vlan_tci);
		if (pad)
			len = pad_frame(slot, len);
		if (unlikely(len < 0))
			break;
		frames[i].data = slot;
		frames[i].len = (uint32_t)len;
	}
	return i;
}

uint16_t hsplit_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct hsplit_txq *txq = queue;
	struct hsplit_adapter *ad = txq->ad;
	struct hsplit_frame frames[HSPLIT_BURST];
	uint16_t sent = 0;

	if (unlikely(!ad->started))
		return 0;
	while (sent < n) {
		unsigned int i, staged, taken;
		int ret;

		staged = stage_frames(txq, &pkts[sent],
				      RTE_MIN((unsigned int)(n - sent), HSPLIT_BURST), frames);
		if (unlikely(staged == 0)) {
			/* Longer than any frame the device sends: drop it, count it, go on. */
			txq->errors++;
			rte_pktmbuf_free(pkts[sent++]);
			continue;
		}
		rte_spinlock_lock(&ad->tx_lock);
		ret = hsplit_wire(ad)->ops->tx_burst(hsplit_wire(ad), frames, staged);
		rte_spinlock_unlock(&ad->tx_lock);
		if (unlikely(ret < 0)) {
			/* The wire is gone: the frames are lost, counted, and freed. */
			ad->tx_backend_errors++;
			txq->errors += staged;
			taken = staged;
		} else {
			taken = (unsigned int)ret;
			txq->packets += taken;
		}
		for (i = 0; i < taken; i++) {
			txq->bytes += ret < 0 ? 0 : pkts[sent + i]->pkt_len;
			rte_pktmbuf_free(pkts[sent + i]);
		}
		sent += taken;
		if (taken < staged)
			break; /* backend full: the caller retries the rest */
	}
	return sent;
}
