/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device's parser: what a NIC's header-split engine learns from a frame
 * before it decides where the bytes go. It reads the frame as it came off
 * the wire (backend memory), never a posted buffer, and verifies the IPv4
 * header checksum and the TCP/UDP checksum over the whole packet, as
 * checksum-offload hardware does.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#ifdef __x86_64__
#include <immintrin.h>
#endif

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "hsplit_hw.h"

#define IPV6_FRAG_OFF_M   0xfff9u  /* fragment offset and the M flag: a real fragment */

/*
 * The IPv6 extension headers RTE_PTYPE_L3_IPV6_EXT names: hop-by-hop,
 * routing, fragment, AH, ESP, destination options and mobility. ESP is one
 * too, but what follows it is encrypted: the walk stops in front of it.
 */
static bool ipv6_is_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_DSTOPTS ||
	       nh == IPPROTO_FRAGMENT || nh == IPPROTO_AH || nh == IPPROTO_ESP ||
	       nh == IPPROTO_MH;
}

/*
 * RFC 8200 §8.1: an upper-layer checksum's pseudo-header names the final
 * destination. With a Routing header that has segments left, that is an
 * address in the Routing header, not the IPv6 header's destination: the
 * last one of type 0 (RFC 5095 deprecated it), the home address of type 2
 * (RFC 6275), Segment List[0] of a Segment Routing Header, type 4 (RFC
 * 8754). NULL: the IPv6 destination is the final one (no segments left, or
 * a type whose addresses this device does not read, as RPL's compressed ones).
 */
static const uint8_t *routing_final_dst(const uint8_t *rh, uint32_t len)
{
	const uint32_t fixed = 8, addr = 16;

	if (rh[3] == 0 || len < fixed + addr)
		return NULL;
	switch (rh[2]) {
	case 0:
		return rh + fixed + ((len - fixed) / addr - 1) * addr;
	case 2:
	case 4:
		return rh + fixed;
	default:
		return NULL;
	}
}

/* Length of the extension header at h (at least 8 bytes available), 0 for ESP. */
static uint32_t ipv6_ext_len(uint8_t nh, const uint8_t *h)
{
	if (nh == IPPROTO_ESP)
		return 0;
	if (nh == IPPROTO_FRAGMENT)
		return 8;
	if (nh == IPPROTO_AH)
		return ((uint32_t)h[1] + 2) * 4;
	return ((uint32_t)h[1] + 1) * 8;
}

/*
 * The one's-complement sum of the Internet checksum, 32 bytes a step. The
 * sum is the same whatever the width of the words added, as long as the
 * carries are folded back at the end (RFC 1071's "parallel summation": 2^16
 * and 2^32 are both 1 modulo 0xffff). With SSE2, 16-bit words are widened
 * into 32-bit lanes and added eight at a time; elsewhere, 32-bit words go
 * into 64-bit accumulators, 16 bytes a step. The tail is summed as
 * __rte_raw_cksum() does, so the result plugs into __rte_raw_cksum_reduce().
 * This loop is most of what the emulated NIC spends on a full-sized frame.
 */
#ifdef __SSE2__
/* A 32-bit lane holds 65,537 words of 0xffff: fold well before (two words a step). */
#define CSUM_BLOCK_STEPS 4096u

static inline __m128i csum_add16(__m128i acc, __m128i v, __m128i zero)
{
	return _mm_add_epi32(acc, _mm_add_epi32(_mm_unpacklo_epi16(v, zero),
						_mm_unpackhi_epi16(v, zero)));
}

/*
 * Sum whole 32-byte blocks, and with `copy` store each block to *dp as it
 * goes (the device's DMA and its checksum in one pass). Always inlined with
 * a constant `copy`, so each caller gets its own loop.
 */
static inline __attribute__((always_inline)) uint64_t
csum_blocks(const uint8_t **pp, uint8_t **dp, uint32_t *lenp, bool copy)
{
	const __m128i zero = _mm_setzero_si128();
	const uint8_t *p = *pp;
	uint8_t *d = copy ? *dp : NULL;
	uint32_t len = *lenp, pairs, i, lanes[4];
	uint64_t sum = 0;

	/* Two accumulators, 32 bytes a step; each lane takes two words a step. */
	while (len >= 32) {
		__m128i a = zero, b = zero;

		pairs = RTE_MIN(len / 32, CSUM_BLOCK_STEPS);
		for (i = 0; i < pairs; i++, p += 32) {
			__m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));

			if (copy) {
				_mm_storeu_si128((__m128i *)(void *)d, v0);
				_mm_storeu_si128((__m128i *)(void *)(d + 16), v1);
				d += 32;
			}
			a = csum_add16(a, v0, zero);
			b = csum_add16(b, v1, zero);
		}
		len -= pairs * 32;
		_mm_storeu_si128((__m128i *)(void *)lanes, a);
		sum += (uint64_t)lanes[0] + lanes[1] + lanes[2] + lanes[3];
		_mm_storeu_si128((__m128i *)(void *)lanes, b);
		sum += (uint64_t)lanes[0] + lanes[1] + lanes[2] + lanes[3];
	}
	*pp = p;
	if (copy)
		*dp = d;
	*lenp = len;
	return sum;
}
#else
static inline __attribute__((always_inline)) uint64_t
csum_blocks(const uint8_t **pp, uint8_t **dp, uint32_t *lenp, bool copy)
{
	const uint8_t *p = *pp;
	uint32_t len = *lenp, w[4];
	uint64_t a = 0, b = 0, c = 0, d = 0;

	for (; len >= sizeof(w); len -= sizeof(w), p += sizeof(w)) {
		memcpy(w, p, sizeof(w));
		if (copy) {
			memcpy(*dp, w, sizeof(w));
			*dp += sizeof(w);
		}
		a += w[0];
		b += w[1];
		c += w[2];
		d += w[3];
	}
	*pp = p;
	*lenp = len;
	return (a & 0xffffffffu) + (a >> 32) + (b & 0xffffffffu) + (b >> 32) +
	       (c & 0xffffffffu) + (c >> 32) + (d & 0xffffffffu) + (d >> 32);
}
#endif

/* The tail after the blocks (under 32 bytes), summed as __rte_raw_cksum() does. */
static uint32_t csum_tail(const uint8_t *p, uint32_t len, uint64_t a)
{
	uint32_t w;
	uint16_t h;

	for (; len >= sizeof(w); len -= sizeof(w), p += sizeof(w)) {
		memcpy(&w, p, sizeof(w));
		a += w;
	}
	if (len >= sizeof(h)) {
		memcpy(&h, p, sizeof(h));
		a += h;
		p += sizeof(h);
		len -= sizeof(h);
	}
	if (len != 0) {
		h = 0;
		memcpy(&h, p, 1);
		a += h;
	}
	a = (a & 0xffffffffu) + (a >> 32);
	a = (a & 0xffffffffu) + (a >> 32);
	return (uint32_t)a;
}

#ifdef __x86_64__
/*
 * The same with AVX2, 64 bytes a step, picked at run time: the build
 * targets a baseline without it (DPDK's -march), most machines that run
 * the emulated device have it, and this loop is most of the device's work
 * on a full-sized frame. The lane bound is the SSE2 loop's (two words a
 * lane a step).
 */
static inline __attribute__((always_inline, target("avx2"))) uint64_t
csum_blocks_avx2(const uint8_t **pp, uint8_t **dp, uint32_t *lenp, bool copy)
{
	const __m256i zero = _mm256_setzero_si256();
	const uint8_t *p = *pp;
	uint8_t *d = copy ? *dp : NULL;
	uint32_t len = *lenp, steps, i, k, lanes[8];
	uint64_t sum = 0;

	while (len >= 64) {
		__m256i a = zero, b = zero;

		steps = RTE_MIN(len / 64, CSUM_BLOCK_STEPS);
		for (i = 0; i < steps; i++, p += 64) {
			__m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)p);
			__m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));

			if (copy) {
				_mm256_storeu_si256((__m256i *)(void *)d, v0);
				_mm256_storeu_si256((__m256i *)(void *)(d + 32), v1);
				d += 64;
			}
			a = _mm256_add_epi32(a, _mm256_add_epi32(_mm256_unpacklo_epi16(v0, zero),
								 _mm256_unpackhi_epi16(v0, zero)));
			b = _mm256_add_epi32(b, _mm256_add_epi32(_mm256_unpacklo_epi16(v1, zero),
								 _mm256_unpackhi_epi16(v1, zero)));
		}
		len -= steps * 64;
		_mm256_storeu_si256((__m256i *)(void *)lanes, a);
		for (k = 0; k < 8; k++)
			sum += lanes[k];
		_mm256_storeu_si256((__m256i *)(void *)lanes, b);
		for (k = 0; k < 8; k++)
			sum += lanes[k];
	}
	_mm256_zeroupper();
	*pp = p;
	if (copy)
		*dp = d;
	*lenp = len;
	return sum;
}

static __attribute__((target("avx2"))) uint64_t csum_sum_avx2(const uint8_t **pp, uint32_t *lenp)
{
	return csum_blocks_avx2(pp, NULL, lenp, false);
}

static __attribute__((target("avx2"))) uint64_t csum_copy_avx2(const uint8_t **pp, uint8_t **dp,
								uint32_t *lenp)
{
	return csum_blocks_avx2(pp, dp, lenp, true);
}

static int csum_avx2 = -1; /* -1: not asked yet */

/* Asked once per process; racing threads store the same answer. */
static bool csum_have_avx2(void)
{
	int have = csum_avx2;

	if (unlikely(have < 0)) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("avx2") ? 1 : 0;
		csum_avx2 = have;
	}
	return have != 0;
}

#endif

void hsplit_csum_baseline_only(bool on)
{
#ifdef __x86_64__
	csum_avx2 = on ? 0 : -1;
#else
	(void)on;
#endif
}

/*
 * Both public sums: AVX2 blocks where the CPU has them, then the baseline
 * blocks, then the tail; with `copy` (a constant in each caller) every byte
 * summed is also stored to d.
 */
static inline __attribute__((always_inline)) uint32_t
csum_run(const uint8_t *p, uint8_t *d, uint32_t len, uint32_t sum, bool copy)
{
	uint64_t a = sum;

#ifdef __x86_64__
	if (len >= 64 && csum_have_avx2())
		a += copy ? csum_copy_avx2(&p, &d, &len) : csum_sum_avx2(&p, &len);
#endif
	a += csum_blocks(&p, &d, &len, copy);
	if (copy)
		memcpy(d, p, len);
	return csum_tail(p, len, a);
}

uint32_t hsplit_csum_sum(const void *buf, uint32_t len, uint32_t sum)
{
	return csum_run(buf, NULL, len, sum, false);
}

uint32_t hsplit_csum_copy(void *dst, const void *src, uint32_t len, uint32_t sum)
{
	return csum_run(src, dst, len, sum, true);
}

/*
 * The one's-complement sum of the TCP/UDP pseudo-header (RFC 9293 §3.1, RFC
 * 8200 §8.1); for IPv6, final_dst is the destination it names.
 */
static uint32_t l4_pseudo_sum(const uint8_t *l3, bool ipv6, const uint8_t *final_dst,
			      uint32_t l4_bytes, uint8_t proto)
{
	if (ipv6) {
		const struct rte_ipv6_hdr *ip = (const void *)l3;
		struct {
			uint8_t src[16], dst[16];
			rte_be32_t len;
			uint8_t zero[3], proto;
		} ph;

		memcpy(ph.src, &ip->src_addr, 16);
		memcpy(ph.dst, final_dst, 16);
		ph.len = rte_cpu_to_be_32(l4_bytes);
		memset(ph.zero, 0, sizeof(ph.zero));
		ph.proto = proto;
		return __rte_raw_cksum(&ph, sizeof(ph), 0);
	} else {
		const struct rte_ipv4_hdr *ip = (const void *)l3;
		/* 12 bytes, naturally aligned: no packing needed */
		struct {
			rte_be32_t src, dst;
			uint8_t zero, proto;
			rte_be16_t len;
		} ph = { ip->src_addr, ip->dst_addr, 0, proto, rte_cpu_to_be_16((uint16_t)l4_bytes) };

		RTE_BUILD_BUG_ON(sizeof(ph) != 12);
		return __rte_raw_cksum(&ph, sizeof(ph), 0);
	}
}

uint64_t hsplit_l4_csum_verdict(uint32_t sum)
{
	return __rte_raw_cksum_reduce(sum) == 0xffff ? RTE_MBUF_F_RX_L4_CKSUM_GOOD :
						       RTE_MBUF_F_RX_L4_CKSUM_BAD;
}

/* The L4 flag, or the deferred sum's start (HSPLIT_FRAME_CSUM_DEFER). */
static void l4_csum(const uint8_t *l3, const uint8_t *final_dst, const uint8_t *l4,
		    uint32_t l4_bytes, struct hsplit_pkt *pkt)
{
	uint32_t seed;

	if (pkt->l4_proto == IPPROTO_UDP && !pkt->ipv6 &&
	    ((const struct rte_udp_hdr *)l4)->dgram_cksum == 0) {
		pkt->csum_flags |= RTE_MBUF_F_RX_L4_CKSUM_NONE; /* IPv4 UDP without checksum */
		return;
	}
	seed = l4_pseudo_sum(l3, pkt->ipv6, final_dst, l4_bytes, pkt->l4_proto);
	if (pkt->l4_csum == HSPLIT_FRAME_CSUM_DEFER) {
		pkt->l4_sum_deferred = true;
		pkt->l4_off = (uint16_t)(pkt->l2_len + (l4 - l3));
		pkt->l4_bytes = l4_bytes;
		pkt->l4_seed = seed;
		return;
	}
	pkt->csum_flags |= hsplit_l4_csum_verdict(hsplit_csum_sum(l4, l4_bytes, seed));
}

/* final_dst: IPv6's final destination (routing_final_dst); NULL for IPv4. */
static int parse_l4(const uint8_t *l3, const uint8_t *final_dst, const uint8_t *l4,
		    uint32_t l4_bytes, struct hsplit_pkt *pkt)
{
	if (pkt->l4_proto == IPPROTO_TCP) {
		const struct rte_tcp_hdr *th = (const void *)l4;
		uint32_t doff;

		if (l4_bytes < sizeof(*th))
			return 0;
		doff = (uint32_t)(th->data_off >> 4) * 4;
		if (doff < sizeof(*th) || doff > l4_bytes)
			return 0;
		pkt->l4_len = (uint16_t)doff;
		pkt->ptype |= RTE_PTYPE_L4_TCP;
		pkt->sport = rte_be_to_cpu_16(th->src_port);
		pkt->dport = rte_be_to_cpu_16(th->dst_port);
	} else if (pkt->l4_proto == IPPROTO_UDP) {
		const struct rte_udp_hdr *uh = (const void *)l4;

		if (l4_bytes < sizeof(*uh) || rte_be_to_cpu_16(uh->dgram_len) != l4_bytes)
			return 0;
		pkt->l4_len = sizeof(*uh);
		pkt->ptype |= RTE_PTYPE_L4_UDP;
		pkt->sport = rte_be_to_cpu_16(uh->src_port);
		pkt->dport = rte_be_to_cpu_16(uh->dst_port);
	} else {
		/* Named in the ptype, never a split point: no TCP/UDP header to split after. */
		if (pkt->l4_proto == IPPROTO_ICMP || pkt->l4_proto == IPPROTO_ICMPV6)
			pkt->ptype |= RTE_PTYPE_L4_ICMP;
		else if (pkt->l4_proto == IPPROTO_SCTP)
			pkt->ptype |= RTE_PTYPE_L4_SCTP;
		return 0;
	}
	pkt->l4_ok = true;
	if (pkt->l4_csum != HSPLIT_FRAME_CSUM_UNKNOWN && pkt->l4_csum != HSPLIT_FRAME_CSUM_DEFER) {
		pkt->l4_csum_given = true;
		/* LOCAL too: the kernel's own receive path counts a CHECKSUM_PARTIAL skb
		 * as verified (skb_csum_unnecessary), and so does this device. */
		pkt->csum_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		return 0;
	}
	l4_csum(l3, final_dst, l4, l4_bytes, pkt);
	return 0;
}

static int parse_ipv4(const uint8_t *l3, uint32_t avail, struct hsplit_pkt *pkt)
{
	const struct rte_ipv4_hdr *ip = (const void *)l3;
	uint32_t ihl, total;

	if (avail < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		return 0;
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	total = rte_be_to_cpu_16(ip->total_length);
	if (ihl < sizeof(*ip) || total < ihl || total > avail)
		return 0;
	pkt->l3_ok = true;
	pkt->l3_len = (uint16_t)ihl;
	pkt->ptype |= ihl == sizeof(*ip) ? RTE_PTYPE_L3_IPV4 : RTE_PTYPE_L3_IPV4_EXT;
	pkt->src4 = rte_be_to_cpu_32(ip->src_addr);
	pkt->dst4 = rte_be_to_cpu_32(ip->dst_addr);
	pkt->csum_flags |= rte_raw_cksum(ip, ihl) == 0xffff ? RTE_MBUF_F_RX_IP_CKSUM_GOOD :
							       RTE_MBUF_F_RX_IP_CKSUM_BAD;
	/* MF set or a non-zero offset: only the first fragment has the L4 header. */
	if (ip->fragment_offset &
	    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		pkt->ptype |= RTE_PTYPE_L4_FRAG;
		return 0;
	}
	pkt->l4_proto = ip->next_proto_id;
	return parse_l4(l3, NULL, l3 + ihl, total - ihl, pkt);
}

static int parse_ipv6(const uint8_t *l3, uint32_t avail, struct hsplit_pkt *pkt)
{
	const struct rte_ipv6_hdr *ip = (const void *)l3;
	const uint8_t *final_dst = (const uint8_t *)&ip->dst_addr, *routed;
	uint32_t off = sizeof(*ip), total;
	bool ext_seen = false, fragment = false;
	uint8_t nh;

	if (avail < sizeof(*ip) || (l3[0] >> 4) != 6)
		return 0;
	total = sizeof(*ip) + rte_be_to_cpu_16(ip->payload_len);
	if (total > avail)
		return 0;
	nh = ip->proto;
	/*
	 * Walk the extension headers into L3, so an ipv6 split keeps them in the
	 * header segment. A fragment header ends the walk unless it is an atomic
	 * fragment (offset 0, M clear: RFC 6946 says process it as a whole).
	 */
	while (ipv6_is_ext(nh)) {
		uint32_t ext;

		ext_seen = true;
		if (off + 8 > total)
			return 0;
		ext = ipv6_ext_len(nh, l3 + off);
		if (ext == 0)
			break;
		if (off + ext > total)
			return 0;
		if (nh == IPPROTO_FRAGMENT &&
		    (rte_be_to_cpu_16(*(const rte_be16_t *)(l3 + off + 2)) & IPV6_FRAG_OFF_M))
			fragment = true;
		if (nh == IPPROTO_ROUTING && (routed = routing_final_dst(l3 + off, ext)) != NULL)
			final_dst = routed;
		nh = l3[off];
		off += ext;
		if (fragment)
			break;
	}
	pkt->ipv6 = true;
	pkt->l3_ok = true;
	pkt->l3_len = (uint16_t)off;
	pkt->ptype |= ext_seen ? RTE_PTYPE_L3_IPV6_EXT : RTE_PTYPE_L3_IPV6;
	memcpy(pkt->src6, &ip->src_addr, 16);
	memcpy(pkt->dst6, &ip->dst_addr, 16);
	if (fragment) {
		pkt->ptype |= RTE_PTYPE_L4_FRAG;
		return 0;
	}
	pkt->l4_proto = nh;
	return parse_l4(l3, final_dst, l3 + off, total - off, pkt);
}

/* 802.1Q C-tag, 802.1ad S-tag and the pre-standard 0x9100 S-tag. */
static bool is_vlan_tpid(uint16_t type)
{
	return type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ ||
	       type == RTE_ETHER_TYPE_QINQ1;
}

/*
 * L2: the Ethernet header and up to two VLAN tags (single, 802.1ad QinQ or
 * stacked 802.1Q). Sets l2_len, the L2 ptype and the outer tag; returns the
 * EtherType after the tags, or 0 when the frame ends inside a tag or has a
 * third one (nothing further is parsed: an L2-only frame).
 */
static uint16_t parse_l2(const uint8_t *frame, uint32_t len, struct hsplit_pkt *pkt)
{
	const struct rte_ether_hdr *eh = (const void *)frame;
	uint16_t type = rte_be_to_cpu_16(eh->ether_type);

	pkt->l2_len = sizeof(*eh);
	while (is_vlan_tpid(type) && pkt->vlan_tags < 2) {
		const struct rte_vlan_hdr *vh = (const void *)(frame + pkt->l2_len);

		if (len < pkt->l2_len + sizeof(*vh))
			break;
		if (pkt->vlan_tags == 0) {
			pkt->vlan_tpid = type;
			pkt->vlan_tci = rte_be_to_cpu_16(vh->vlan_tci);
		}
		pkt->vlan_tags++;
		pkt->l2_len += sizeof(*vh);
		type = rte_be_to_cpu_16(vh->eth_proto);
	}
	pkt->ptype = hsplit_l2_ptype(pkt->vlan_tags, pkt->vlan_tpid, type);
	pkt->ether_type = type;
	return is_vlan_tpid(type) ? 0 : type;
}

uint32_t hsplit_l2_ptype(uint8_t vlan_tags, uint16_t outer_tpid, uint16_t ether_type)
{
	if (vlan_tags == 2 || (vlan_tags == 1 && outer_tpid != RTE_ETHER_TYPE_VLAN))
		return RTE_PTYPE_L2_ETHER_QINQ;
	if (vlan_tags == 1)
		return RTE_PTYPE_L2_ETHER_VLAN;
	/* As rte_net_get_ptype(): the ARP/LLDP/PTP types only for untagged frames. */
	if (ether_type == RTE_ETHER_TYPE_ARP)
		return RTE_PTYPE_L2_ETHER_ARP;
	if (ether_type == RTE_ETHER_TYPE_LLDP)
		return RTE_PTYPE_L2_ETHER_LLDP;
	if (ether_type == RTE_ETHER_TYPE_1588)
		return RTE_PTYPE_L2_ETHER_TIMESYNC;
	return RTE_PTYPE_L2_ETHER;
}

/* Fills pkt; -EINVAL for a frame shorter than an Ethernet header (see hsplit_hw.h). */
int hsplit_parse_frame(const uint8_t *frame, uint32_t len, struct hsplit_pkt *pkt)
{
	return hsplit_parse_frame_csum(frame, len, HSPLIT_FRAME_CSUM_UNKNOWN, pkt);
}

int hsplit_parse_frame_csum(const uint8_t *frame, uint32_t len, uint8_t l4_csum,
			    struct hsplit_pkt *pkt)
{
	uint16_t type;

	memset(pkt, 0, offsetof(struct hsplit_pkt, src4));
	pkt->l4_csum = l4_csum;
	if (len < sizeof(struct rte_ether_hdr))
		return -EINVAL;
	type = parse_l2(frame, len, pkt);
	if (type == RTE_ETHER_TYPE_IPV4)
		return parse_ipv4(frame + pkt->l2_len, len - pkt->l2_len, pkt);
	if (type == RTE_ETHER_TYPE_IPV6)
		return parse_ipv6(frame + pkt->l2_len, len - pkt->l2_len, pkt);
	return 0;
}
