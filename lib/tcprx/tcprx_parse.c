/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parsing. Only the header mbuf is read: Ethernet, IPv4/IPv6 and TCP
 * headers with options must all sit in the first segment (where the NIC
 * split put them). Payload is described as pieces of mbuf segments and never
 * read. Every drop is counted in the stack's stats.
 */
#include <string.h>
#include <sys/socket.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "tcprx_private.h"

#define ICMPV6_NEIGHBOR_SOLICIT 135

bool tcprx_is_our_addr(const struct tcprx *rx, const struct tcprx_addr *addr)
{
	unsigned int i;

	for (i = 0; i < rx->nb_addrs; i++)
		if (rx->addrs[i].family == addr->family &&
		    memcmp(rx->addrs[i].bytes, addr->bytes, 16) == 0)
			return true;
	return false;
}

/* One known option whose length must be exact (RFC 9293 §3.1, RFC 7323, RFC 2018). */
static bool option_len_ok(uint8_t kind, uint8_t len)
{
	switch (kind) {
	case TCPOPT_MSS:
		return len == TCPOLEN_MSS;
	case TCPOPT_WSCALE:
		return len == TCPOLEN_WSCALE;
	case TCPOPT_SACK_PERM:
		return len == TCPOLEN_SACK_PERM;
	case TCPOPT_TS:
		return len == TCPOLEN_TS;
	case TCPOPT_SACK:
		return len >= 10 && (len - 2) % 8 == 0;
	default:
		return true; /* unknown kinds are skipped by their length */
	}
}

/*
 * RFC 9293 §3.1 (MUST-6/7): accept options in any segment, ignore unknown
 * kinds, and treat a length that is < 2 or runs past the header as an error
 * instead of looping. -EINVAL on an impossible option.
 */
int tcprx_parse_options(const uint8_t *p, unsigned int len, struct tcprx_opts *opt)
{
	unsigned int i = 0;

	memset(opt, 0, sizeof(*opt));
	while (i < len) {
		uint8_t kind = p[i], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		olen = p[i + 1];
		if (olen < 2 || i + olen > len || !option_len_ok(kind, olen))
			return -EINVAL;
		switch (kind) {
		case TCPOPT_MSS:
			opt->has_mss = true;
			opt->mss = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
			break;
		case TCPOPT_WSCALE:
			opt->has_wscale = true;
			opt->wscale = p[i + 2];
			break;
		case TCPOPT_SACK_PERM:
			opt->sack_ok = true;
			break;
		case TCPOPT_TS:
			opt->has_ts = true;
			memcpy(&opt->tsval, p + i + 2, 4);
			memcpy(&opt->tsecr, p + i + 6, 4);
			opt->tsval = rte_be_to_cpu_32(opt->tsval);
			opt->tsecr = rte_be_to_cpu_32(opt->tsecr);
			break;
		default:
			break; /* SACK blocks: we send no data, so there is nothing to learn */
		}
		i += olen;
	}
	return 0;
}

/*
 * The frame's payload as pieces: the header segment's bytes after `hdr_end`
 * (a LINEAR frame keeps payload there), then every further segment, cut to
 * `len` bytes (Ethernet padding is not payload). Segments are unchained so
 * each piece can be held and freed on its own.
 */
static int collect_pieces(struct rte_mbuf *m, uint32_t hdr_end, uint32_t len, struct tcprx_seg *seg)
{
	struct rte_mbuf *s = m, *next;
	uint32_t off = hdr_end, left = len;

	seg->nb_pieces = 0;
	for (; s != NULL; s = next, off = 0) {
		next = s->next;
		if (left && s->data_len > off) {
			uint32_t take = RTE_MIN((uint32_t)s->data_len - off, left);

			if (seg->nb_pieces == TCPRX_MAX_PIECES)
				return -EINVAL;
			seg->piece[seg->nb_pieces++] =
				(struct devmem_mbuf_span){ .m = s, .off = off, .len = take };
			left -= take;
		}
	}
	return left == 0 ? 0 : -EINVAL;
}

/* Device checksum status, RFC 9293 §3.1 MUST-2: bad or unverified segments are dropped. */
static bool checksum_ok(struct tcprx *rx, struct rte_mbuf *m, const void *l3, bool v4,
			uint32_t l4_off)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	struct rte_mbuf *s;

	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
		rx->st.csum_bad++;
		return false;
	}
	/* Unverified: a software check is possible only when every byte is host memory. */
	for (s = m; s != NULL; s = s->next)
		if (devmem_ref_is_device(devmem_mbuf_ref(s)))
			break;
	if (!rx->cfg.sw_checksum || s != NULL || m->nb_segs != 1) {
		rx->st.csum_unknown++;
		return false;
	}
	if ((v4 ? rte_ipv4_udptcp_cksum_mbuf_verify(m, l3, l4_off)
		: rte_ipv6_udptcp_cksum_mbuf_verify(m, l3, l4_off)) != 0) {
		rx->st.csum_sw_bad++;
		return false;
	}
	return true;
}

static enum tcprx_frame_kind malformed(struct tcprx *rx)
{
	rx->st.malformed++;
	return TCPRX_FRAME_DROP;
}

static enum tcprx_frame_kind not_ours(struct tcprx *rx)
{
	rx->st.not_ours++;
	return TCPRX_FRAME_DROP;
}

static enum tcprx_frame_kind parse_tcp(struct tcprx *rx, struct rte_mbuf *m, const void *l3,
				       bool v4, uint32_t l4_off, uint32_t l4_len,
				       struct tcprx_seg *seg)
{
	const struct rte_tcp_hdr *th;
	uint32_t doff;

	if (l4_len < sizeof(*th) || l4_off + sizeof(*th) > m->data_len)
		return malformed(rx);
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);
	doff = (th->data_off >> 4) * 4u;
	if (doff < sizeof(*th) || doff > l4_len || l4_off + doff > m->data_len)
		return malformed(rx);
	if (!checksum_ok(rx, m, l3, v4, l4_off))
		return TCPRX_FRAME_DROP;
	if (tcprx_parse_options((const uint8_t *)(th + 1), doff - sizeof(*th), &seg->opt) != 0) {
		rx->st.bad_options++;
		return TCPRX_FRAME_DROP;
	}
	seg->sport = rte_be_to_cpu_16(th->src_port);
	seg->dport = rte_be_to_cpu_16(th->dst_port);
	seg->seq = rte_be_to_cpu_32(th->sent_seq);
	seg->ack = rte_be_to_cpu_32(th->recv_ack);
	seg->wnd = rte_be_to_cpu_16(th->rx_win);
	seg->flags = th->tcp_flags & 0x3f;
	seg->len = l4_len - doff;
	if (collect_pieces(m, l4_off + doff, seg->len, seg) != 0)
		return malformed(rx);
	return TCPRX_FRAME_TCP;
}

static enum tcprx_frame_kind parse_ipv4(struct tcprx *rx, struct rte_mbuf *m, uint32_t l3_off,
					struct tcprx_seg *seg)
{
	const struct rte_ipv4_hdr *ip;
	uint32_t ihl, tot;

	if (l3_off + sizeof(*ip) > m->data_len)
		return malformed(rx);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, l3_off);
	ihl = (ip->version_ihl & 0xf) * 4u;
	tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || l3_off + ihl > m->data_len ||
	    tot < ihl || l3_off + tot > m->pkt_len)
		return malformed(rx);
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	     rte_raw_cksum(ip, ihl) != 0xffff)) {
		rx->st.csum_bad++;
		return TCPRX_FRAME_DROP;
	}
	seg->src.family = seg->dst.family = AF_INET;
	memset(seg->src.bytes, 0, 16);
	memset(seg->dst.bytes, 0, 16);
	memcpy(seg->src.bytes, &ip->src_addr, 4);
	memcpy(seg->dst.bytes, &ip->dst_addr, 4);
	if (ip->next_proto_id != IPPROTO_TCP || (rx->nb_addrs && !tcprx_is_our_addr(rx, &seg->dst)))
		return not_ours(rx);
	/* Device-memory payload cannot be reassembled from IP fragments. */
	if (ip->fragment_offset &
	    rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		rx->st.ip_fragments++;
		return TCPRX_FRAME_DROP;
	}
	return parse_tcp(rx, m, ip, true, l3_off + ihl, tot - ihl, seg);
}

static enum tcprx_frame_kind parse_ipv6(struct tcprx *rx, struct rte_mbuf *m, uint32_t l3_off,
					bool unicast, struct tcprx_seg *seg)
{
	const struct rte_ipv6_hdr *ip;
	uint32_t plen;

	if (l3_off + sizeof(*ip) > m->data_len)
		return malformed(rx);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, l3_off);
	plen = rte_be_to_cpu_16(ip->payload_len);
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || l3_off + sizeof(*ip) + plen > m->pkt_len)
		return malformed(rx);
	seg->src.family = seg->dst.family = AF_INET6;
	memcpy(seg->src.bytes, &ip->src_addr, 16);
	memcpy(seg->dst.bytes, &ip->dst_addr, 16);
	if (ip->proto == IPPROTO_ICMPV6) {
		const struct rte_icmp_hdr *icmp;

		if (l3_off + sizeof(*ip) + plen > m->data_len || plen < sizeof(*icmp))
			return malformed(rx);
		icmp = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *,
					       l3_off + sizeof(*ip));
		if (icmp->icmp_type != ICMPV6_NEIGHBOR_SOLICIT)
			return not_ours(rx);
		/* RFC 4861 §7.1.1: hop limit 255 (on-link only) and a valid checksum */
		if (ip->hop_limits != 255 || rte_ipv6_udptcp_cksum_verify(ip, icmp) != 0)
			return malformed(rx);
		return TCPRX_FRAME_ND;
	}
	if (!unicast || (rx->nb_addrs && !tcprx_is_our_addr(rx, &seg->dst)))
		return not_ours(rx);
	/* Device-memory payload cannot be reassembled from IPv6 fragments either. */
	if (ip->proto == IPPROTO_FRAGMENT) {
		rx->st.ip_fragments++;
		return TCPRX_FRAME_DROP;
	}
	/* Other extension headers are not parsed (yet). */
	if (ip->proto != IPPROTO_TCP)
		return not_ours(rx);
	return parse_tcp(rx, m, ip, false, l3_off + sizeof(*ip), plen, seg);
}

/* IPv6 multicast (33:33:...), where neighbour solicitations go. */
static bool mac_is_ipv6_multicast(const struct rte_ether_addr *dst)
{
	return dst->addr_bytes[0] == 0x33 && dst->addr_bytes[1] == 0x33;
}

static enum tcprx_frame_kind parse_arp(struct tcprx *rx, struct rte_mbuf *m, uint32_t l3_off)
{
	const struct rte_arp_hdr *arp;
	struct tcprx_addr tip = { .family = AF_INET };

	if (l3_off + sizeof(*arp) > m->data_len)
		return malformed(rx);
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, l3_off);
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		return malformed(rx);
	memcpy(tip.bytes, &arp->arp_data.arp_tip, 4);
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) || !tcprx_is_our_addr(rx, &tip))
		return not_ours(rx);
	return TCPRX_FRAME_ARP;
}

/*
 * The frame's VLAN: the device's stripped tag, else an 802.1Q header in the
 * frame (skipped: *l2 and *type move past it), else none (0). VLAN ID 0 in
 * a tag (priority only) is untagged. Frames for VLANs not ours are dropped.
 */
static bool vlan_accept(struct tcprx *rx, const struct rte_mbuf *m, uint32_t *l2, uint16_t *type,
			struct tcprx_seg *seg)
{
	uint16_t vid = 0;

	if (m->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) {
		vid = m->vlan_tci & 0xfff;
	} else if (*type == RTE_ETHER_TYPE_VLAN && m->data_len >= *l2 + sizeof(struct rte_vlan_hdr)) {
		const struct rte_vlan_hdr *vh = rte_pktmbuf_mtod_offset(m, const struct rte_vlan_hdr *,
									 *l2);

		vid = rte_be_to_cpu_16(vh->vlan_tci) & 0xfff;
		*type = rte_be_to_cpu_16(vh->eth_proto);
		*l2 += sizeof(*vh);
	}
	if (!(rx->vlan_ok[vid / 64] & (UINT64_C(1) << (vid % 64)))) {
		rx->st.other_vlan++;
		return false;
	}
	seg->vlan = vid;
	seg->l2_len = (uint16_t)*l2;
	return true;
}

/* Classify a received frame; for TCP, fill seg. Drops are counted here. */
enum tcprx_frame_kind tcprx_parse_frame(struct tcprx *rx, struct rte_mbuf *m, struct tcprx_seg *seg)
{
	const struct rte_ether_hdr *eth;
	uint32_t l2 = sizeof(*eth);
	uint16_t type;
	bool unicast;

	if (m->data_len < sizeof(*eth))
		return malformed(rx);
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	unicast = rte_is_same_ether_addr(&eth->dst_addr, &rx->cfg.mac);
	seg->src_mac = eth->src_addr;
	type = rte_be_to_cpu_16(eth->ether_type);
	if (!vlan_accept(rx, m, &l2, &type, seg))
		return TCPRX_FRAME_DROP;
	/* TCP only to our MAC; ARP requests broadcast; solicitations to IPv6 multicast. */
	switch (type) {
	case RTE_ETHER_TYPE_IPV4:
		return unicast ? parse_ipv4(rx, m, l2, seg) : not_ours(rx);
	case RTE_ETHER_TYPE_IPV6:
		return unicast || mac_is_ipv6_multicast(&eth->dst_addr) ?
		       parse_ipv6(rx, m, l2, unicast, seg) : not_ours(rx);
	case RTE_ETHER_TYPE_ARP:
		return unicast || rte_is_broadcast_ether_addr(&eth->dst_addr) ?
		       parse_arp(rx, m, l2) : not_ours(rx);
	default:
		return not_ours(rx);
	}
}
