/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an application may rely on from net_hsplit beyond the ethdev API.
 *
 * Received chains: segment 0 holds the headers (host memory, readable);
 * segment 1, when present, holds the payload. On a queue bound to a dmabuf
 * the payload segment is an external buffer over a chunk of the binding:
 * buf_iova + data_off is the payload's offset in the dmabuf, and
 * devmem_mbuf_ref() returns the chunk. Its bytes are not readable by the CPU
 * in strict mode.
 *
 * A frame the device could not split (not TCP/UDP over IPv4/IPv6, or headers
 * longer than the header buffer) has every byte in host memory and carries
 * the dynamic flag registered under RTE_PMD_HSPLIT_DYNFLAG_LINEAR_NAME:
 *
 *     int bit = rte_mbuf_dynflag_lookup(RTE_PMD_HSPLIT_DYNFLAG_LINEAR_NAME, NULL);
 *     bool linear = bit >= 0 && (m->ol_flags & (1ULL << bit));
 */
#ifndef RTE_PMD_HSPLIT_H
#define RTE_PMD_HSPLIT_H

#define RTE_PMD_HSPLIT_DYNFLAG_LINEAR_NAME "rte_net_hsplit_dynflag_linear"

#include <stdint.h>

/*
 * The LINEAR flag's mask in mbuf ol_flags (the same bit the lookup above
 * finds), 0 before the first net_hsplit port is probed. Calling it also links
 * the driver into a program that does not load it with EAL's -d.
 */
uint64_t rte_pmd_hsplit_linear_flag(void);

/*
 * backend=gen payload: byte `offset` of a flow's stream (TCP: seq - ISN;
 * UDP/ICMP: bytes sent on the flow before this one) is offset mod 251, so a
 * receiver can verify placement through the dmabuf's device view.
 */
static inline uint8_t rte_pmd_hsplit_gen_byte(uint64_t stream_offset)
{
	return (uint8_t)(stream_offset % 251u);
}

/*
 * backend=gen,handshake=1: the generator is a TCP sender per flow (SYN,
 * window-limited data, go-back-N recovery). What it saw and did since the
 * port started; anything but the first group means the receiver dropped,
 * reset or misbehaved.
 */
struct rte_pmd_hsplit_gen_tcp_stats {
	uint64_t syn_out, synack_in, data_segs, data_bytes, acks_in, tx_frames;
	uint64_t acked_bytes;      /* sum over flows of the bytes the receiver ACKed */
	uint32_t established;      /* flows in ESTABLISHED now */
	uint32_t resets;           /* flows the receiver reset (they stay down) */
	/* recovery and oddities */
	uint64_t syn_retrans, synack_dup, data_retrans, dup_acks, fast_retrans, rto_events;
	uint64_t window_probes, window_shrunk, ack_out_of_range, rst_in;
	uint64_t tx_not_tcp, odd_frames;
};

/*
 * Fills *stats for a net_hsplit port whose backend is gen with handshake=1.
 * -ENODEV: not a net_hsplit port; -ENOTSUP: another backend or mode.
 */
int rte_pmd_hsplit_gen_tcp_stats(uint16_t port_id, struct rte_pmd_hsplit_gen_tcp_stats *stats);

#endif /* RTE_PMD_HSPLIT_H */
