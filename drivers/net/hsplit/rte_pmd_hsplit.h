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

#endif /* RTE_PMD_HSPLIT_H */
