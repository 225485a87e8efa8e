/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The harness's wire: building the peer's frames (with correct checksums,
 * so software checksum checks see real sums) and parsing what tcprx sends,
 * checking every checksum and option encoding on the way.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_ip.h>

#include "harness.h"

#define H_TCPOPT_EOL 0
#define H_TCPOPT_NOP 1
#define H_TCPOPT_MSS 2
#define H_TCPOPT_WS 3
#define H_TCPOPT_SACKOK 4
#define H_TCPOPT_SACK 5
#define H_TCPOPT_TS 8

void h_peer_init(struct h_peer *p, bool ipv6, uint8_t host, uint16_t port, uint32_t isn)
{
	memset(p, 0, sizeof(*p));
	p->ipv6 = ipv6;
	p->mac = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0x10, host } };
	if (ipv6) {
		p->ip[0] = 0xfd;
		p->ip[15] = host;
	} else {
		p->ip[0] = 192;
		p->ip[1] = 0;
		p->ip[2] = 2;
		p->ip[3] = host;
	}
	p->port = port;
	p->dport = H_PORT;
	p->isn = isn;
	p->ws = -1;
	p->tsval = 1000;
	p->rcv_next = isn + 1;
}

struct h_seg h_ctl(const struct h_peer *p, uint8_t flags, uint32_t off)
{
	struct h_seg s = {
		.flags = flags,
		.seq = h_seq(p, off),
		.ack = (flags & H_ACK) ? p->iss + 1 : 0,
		.win = 65535,
	};

	return s;
}

struct h_seg h_data(const struct h_peer *p, uint32_t off, uint32_t len)
{
	struct h_seg s = h_ctl(p, H_ACK | (len ? H_PSH : 0), off);

	s.len = len;
	return s;
}

static unsigned int put_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	rte_be32_t v = rte_cpu_to_be_32(tsval), e = rte_cpu_to_be_32(tsecr);

	o[0] = H_TCPOPT_TS;
	o[1] = 10;
	memcpy(o + 2, &v, 4);
	memcpy(o + 6, &e, 4);
	return 10;
}

/* The SYN's options in Linux's order: MSS, SACK-permitted, TS, NOP + WS. */
static unsigned int syn_options(const struct h_peer *p, const struct h_seg *s, uint8_t *o)
{
	unsigned int n = 0;

	if (p->mss) {
		o[n++] = H_TCPOPT_MSS;
		o[n++] = 4;
		o[n++] = (uint8_t)(p->mss >> 8);
		o[n++] = (uint8_t)p->mss;
	}
	if (p->sack) {
		o[n++] = H_TCPOPT_SACKOK;
		o[n++] = 2;
	}
	if (p->ts)
		n += put_ts(o + n, s->ts_set ? s->tsval : p->tsval, s->ts_set ? s->tsecr : 0);
	if (p->ws >= 0) {
		o[n++] = H_TCPOPT_NOP;
		o[n++] = H_TCPOPT_WS;
		o[n++] = 3;
		o[n++] = (uint8_t)p->ws;
	}
	return n;
}

/* Options of segment s, padded with EOL to a multiple of 4; returns their length. */
static unsigned int seg_options(const struct h_peer *p, const struct h_seg *s, uint8_t *o)
{
	unsigned int n = 0;

	if (s->opts) {
		memcpy(o, s->opts, s->opts_len);
		n = s->opts_len;
	} else if (s->flags & H_SYN) {
		n = syn_options(p, s, o);
	} else if (p->ts && !s->no_ts) {
		o[n++] = H_TCPOPT_NOP;
		o[n++] = H_TCPOPT_NOP;
		n += put_ts(o + n, s->ts_set ? s->tsval : p->tsval, s->ts_set ? s->tsecr : p->ts_recent);
	}
	while (n % 4)
		o[n++] = H_TCPOPT_EOL;
	return n;
}

static size_t put_ip(const struct harness *h, const struct h_peer *p, uint8_t *b, uint32_t l4_len)
{
	if (p->ipv6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)b;

		memset(ip, 0, sizeof(*ip));
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		memcpy(&ip->src_addr, p->ip, 16);
		memcpy(&ip->dst_addr, h->ip6.bytes, 16);
		return sizeof(*ip);
	}
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)b;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
	ip->packet_id = rte_cpu_to_be_16(1);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	memcpy(&ip->src_addr, p->ip, 4);
	memcpy(&ip->dst_addr, h->ip4.bytes, 4);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return sizeof(*ip);
}

static void put_tcp_cksum(const struct h_peer *p, const uint8_t *l3, struct rte_tcp_hdr *th)
{
	th->cksum = 0;
	if (p->ipv6)
		th->cksum = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)l3, th);
	else
		th->cksum = rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)l3, th);
}

size_t h_build(const struct harness *h, const struct h_peer *p, const struct h_seg *s,
	       uint8_t *buf, size_t cap, uint32_t *hdr_len)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	uint8_t opts[64];
	unsigned int optlen = seg_options(p, s, opts);
	uint32_t l4_len = (uint32_t)sizeof(struct rte_tcp_hdr) + optlen + s->len;
	uint32_t pay_seq = s->seq + ((s->flags & H_SYN) ? 1 : 0), i;
	struct rte_tcp_hdr *th;
	size_t l3, len;
	uint8_t *pay;

	assert_true(optlen <= 40);
	eh->dst_addr = h->mac;
	eh->src_addr = p->mac;
	eh->ether_type = rte_cpu_to_be_16(p->ipv6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	l3 = put_ip(h, p, buf + sizeof(*eh), l4_len);
	th = (struct rte_tcp_hdr *)(buf + sizeof(*eh) + l3);
	*hdr_len = (uint32_t)(sizeof(*eh) + l3 + sizeof(*th) + optlen);
	len = *hdr_len + s->len;
	assert_true(len + s->pad <= cap);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(p->port);
	th->dst_port = rte_cpu_to_be_16(p->dport);
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)(((sizeof(*th) + optlen) / 4) << 4);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->win);
	memcpy(th + 1, opts, optlen);
	pay = buf + *hdr_len;
	for (i = 0; i < s->len; i++)
		pay[i] = h_pattern(pay_seq + i);
	put_tcp_cksum(p, buf + sizeof(*eh), th);
	memset(buf + len, 0, s->pad);
	return len + s->pad;
}

size_t h_tag_frame(uint8_t *frame, size_t len, uint16_t vid)
{
	uint8_t tag[4] = { 0x81, 0x00, (uint8_t)(vid >> 8), (uint8_t)vid };

	memmove(frame + 16, frame + 12, len - 12);
	memcpy(frame + 12, tag, 4);
	return len + 4;
}

size_t h_build_arp_request(const struct h_peer *p, const uint8_t tip[4], uint8_t *buf)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eh + 1);

	memset(buf, 0, 60);
	memset(&eh->dst_addr, 0xff, sizeof(eh->dst_addr));
	eh->src_addr = p->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = p->mac;
	memcpy(&a->arp_data.arp_sip, p->ip, 4);
	memcpy(&a->arp_data.arp_tip, tip, 4);
	return 60; /* padded to the Ethernet minimum, as on the wire */
}

size_t h_build_ns(const struct harness *h, const struct h_peer *p, uint8_t *buf)
{
	static const uint8_t snm[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);
	uint8_t *icmp = (uint8_t *)(ip + 1);
	uint16_t ck;

	memset(buf, 0, 14 + 40 + 32);
	eh->dst_addr = (struct rte_ether_addr){ { 0x33, 0x33, 0xff, h->ip6.bytes[13], h->ip6.bytes[14],
						  h->ip6.bytes[15] } };
	eh->src_addr = p->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(32);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 255;
	memcpy(&ip->src_addr, p->ip, 16);
	/* ff02::1:ffXX:XXXX, an array before DPDK 24.11 and a struct since: write bytes */
	memcpy(&ip->dst_addr, snm, 16);
	memcpy((uint8_t *)&ip->dst_addr + 13, h->ip6.bytes + 13, 3);
	icmp[0] = 135; /* neighbour solicitation */
	memcpy(icmp + 8, h->ip6.bytes, 16);
	icmp[24] = 1; /* source link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, &p->mac, 6);
	ck = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &ck, 2);
	return 14 + 40 + 32;
}

void h_fix_checksums(uint8_t *frame, size_t len)
{
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)frame;
	uint8_t *l3 = frame + sizeof(*eh);

	assert_true(len >= sizeof(*eh) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr));
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

		th->cksum = 0;
		th->cksum = rte_ipv6_udptcp_cksum(ip, th);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(l3 + (ip->version_ihl & 0xf) * 4);

		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	}
}

uint32_t h_ptype(const struct h_peer *p)
{
	return RTE_PTYPE_L2_ETHER | (p->ipv6 ? RTE_PTYPE_L3_IPV6 : RTE_PTYPE_L3_IPV4) |
	       RTE_PTYPE_L4_TCP;
}

static uint64_t seg_csum_flags(const struct h_peer *p, const struct h_seg *s)
{
	if (s->csum)
		return s->csum;
	/* The PMD sets no IP checksum status for IPv6 (there is none). */
	return RTE_MBUF_F_RX_L4_CKSUM_GOOD | (p->ipv6 ? 0 : RTE_MBUF_F_RX_IP_CKSUM_GOOD);
}

void h_note_placed(struct harness *h, uint32_t seq, uint32_t len, uint64_t where, bool linear)
{
	assert_true(h->nb_placed < H_MAX_PLACED);
	h->placed[h->nb_placed++] = (struct h_placed){
		.seq = seq, .len = len, .where = where, .linear = linear,
	};
}

void h_queue(struct harness *h, struct h_peer *p, const struct h_seg *s)
{
	uint8_t buf[H_FRAME_MAX];
	uint32_t hdr_len;
	size_t len = h_build(h, p, s, buf, sizeof(buf) - 4, &hdr_len);
	uint64_t where, vlan_flags = 0;
	bool linear;

	if (p->vlan && p->vlan_stripped) {
		vlan_flags = RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED;
	} else if (p->vlan) {
		len = h_tag_frame(buf, len, p->vlan);
		hdr_len += 4;
	}
	where = h_queue_bytes(h, buf, len, hdr_len, seg_csum_flags(p, s) | vlan_flags, h_ptype(p),
			      s->linear, &linear);
	if (vlan_flags)
		h_rx_last(h)->vlan_tci = p->vlan;
	if (s->len > 0)
		h_note_placed(h, s->seq + ((s->flags & H_SYN) ? 1 : 0), s->len, where, linear);
	if (s->flags & H_FIN)
		p->fin_sent = true;
}

void h_send(struct harness *h, struct h_peer *p, const struct h_seg *s)
{
	h_queue(h, p, s);
	h_poll(h);
}

void h_send_data(struct harness *h, struct h_peer *p, uint32_t off, uint32_t len)
{
	struct h_seg s = h_data(p, off, len);

	h_send(h, p, &s);
}

void h_input(struct harness *h, struct h_peer *p, const struct h_seg *s)
{
	struct rte_mbuf *m[1];

	h_queue(h, p, s);
	assert_int_equal(h->rx_count, 1);
	m[0] = h->rxq[h->rx_head];
	h->rx_head = (h->rx_head + 1) % H_MAX_QUEUE;
	h->rx_count = 0;
	assert_int_equal(tcprx_input_burst(h->rx, m, 1), 1);
	tcprx_timers(h->rx);
}

/* ---- parsing what tcprx sends ----------------------------------------------- */

static void parse_tcp_options(const uint8_t *o, unsigned int len, struct h_frame *f)
{
	unsigned int i = 0, k;

	while (i < len && o[i] != H_TCPOPT_EOL) {
		if (o[i] == H_TCPOPT_NOP) {
			i++;
			continue;
		}
		assert_true(i + 1 < len);
		assert_true(o[i + 1] >= 2 && i + o[i + 1] <= len);
		switch (o[i]) {
		case H_TCPOPT_MSS:
			assert_int_equal(o[i + 1], 4);
			f->has_mss = true;
			f->mss = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
			break;
		case H_TCPOPT_WS:
			assert_int_equal(o[i + 1], 3);
			f->has_ws = true;
			f->ws = o[i + 2];
			break;
		case H_TCPOPT_SACKOK:
			assert_int_equal(o[i + 1], 2);
			f->sackok = true;
			break;
		case H_TCPOPT_SACK:
			assert_int_equal((o[i + 1] - 2) % 8, 0);
			f->nb_sack = (o[i + 1] - 2u) / 8u;
			assert_true(f->nb_sack >= 1 && f->nb_sack <= 4);
			for (k = 0; k < f->nb_sack; k++) {
				memcpy(&f->sack[k][0], o + i + 2 + 8 * k, 4);
				memcpy(&f->sack[k][1], o + i + 6 + 8 * k, 4);
				f->sack[k][0] = rte_be_to_cpu_32(f->sack[k][0]);
				f->sack[k][1] = rte_be_to_cpu_32(f->sack[k][1]);
			}
			break;
		case H_TCPOPT_TS:
			assert_int_equal(o[i + 1], 10);
			f->has_ts = true;
			memcpy(&f->tsval, o + i + 2, 4);
			memcpy(&f->tsecr, o + i + 6, 4);
			f->tsval = rte_be_to_cpu_32(f->tsval);
			f->tsecr = rte_be_to_cpu_32(f->tsecr);
			break;
		default:
			H_FAIL("tcprx sent an unknown TCP option kind %u", o[i]);
		}
		i += o[i + 1];
	}
}

static void parse_tcp(const uint8_t *l4, uint32_t l4_len, struct h_frame *f)
{
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)l4;
	uint32_t doff;

	assert_true(l4_len >= sizeof(*th));
	doff = (uint32_t)(th->data_off >> 4) * 4;
	assert_true(doff >= sizeof(*th) && doff <= l4_len);
	f->sport = rte_be_to_cpu_16(th->src_port);
	f->dport = rte_be_to_cpu_16(th->dst_port);
	f->seq = rte_be_to_cpu_32(th->sent_seq);
	f->ack = rte_be_to_cpu_32(th->recv_ack);
	f->flags = th->tcp_flags;
	f->win = rte_be_to_cpu_16(th->rx_win);
	f->payload_len = l4_len - doff;
	parse_tcp_options(l4 + sizeof(*th), doff - (uint32_t)sizeof(*th), f);
}

static void parse_icmp6(const uint8_t *l4, uint32_t l4_len, struct h_frame *f)
{
	assert_true(l4_len >= 4);
	f->icmp6_type = l4[0];
	if (f->icmp6_type != 136)
		return;
	assert_true(l4_len >= 24);
	memcpy(f->nd_target, l4 + 8, 16);
	if (l4_len >= 32 && l4[24] == 2 && l4[25] == 1) {
		f->nd_has_tlla = true;
		memcpy(&f->nd_tlla, l4 + 26, 6);
	}
}

static void parse_ipv6(const uint8_t *b, size_t len, struct h_frame *f)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)b;
	uint32_t l4_len;

	assert_true(len >= sizeof(*ip));
	assert_int_equal(b[0] >> 4, 6);
	l4_len = rte_be_to_cpu_16(ip->payload_len);
	assert_true(sizeof(*ip) + l4_len <= len);
	f->ipv6 = true;
	memcpy(f->ip_src, &ip->src_addr, 16);
	memcpy(f->ip_dst, &ip->dst_addr, 16);
	f->l4_proto = ip->proto;
	assert_true(ip->proto == IPPROTO_TCP || ip->proto == IPPROTO_ICMPV6);
	/* Every checksum tcprx computes must be right: no TX offload is asked for. */
	assert_int_equal(rte_ipv6_udptcp_cksum_verify(ip, b + sizeof(*ip)), 0);
	if (ip->proto == IPPROTO_TCP)
		parse_tcp(b + sizeof(*ip), l4_len, f);
	else
		parse_icmp6(b + sizeof(*ip), l4_len, f);
}

static void parse_ipv4(const uint8_t *b, size_t len, struct h_frame *f)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)b;
	uint32_t ihl, total;

	assert_true(len >= sizeof(*ip));
	assert_int_equal(ip->version_ihl >> 4, 4);
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	total = rte_be_to_cpu_16(ip->total_length);
	assert_true(ihl >= sizeof(*ip) && total >= ihl && total <= len);
	assert_int_equal(rte_raw_cksum(ip, ihl), 0xffff);
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	assert_int_equal(rte_be_to_cpu_16(ip->fragment_offset) & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK), 0);
	memcpy(f->ip_src, &ip->src_addr, 4);
	memcpy(f->ip_dst, &ip->dst_addr, 4);
	f->l4_proto = IPPROTO_TCP;
	assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, b + ihl), 0);
	parse_tcp(b + ihl, total - ihl, f);
}

static void parse_arp(const uint8_t *b, size_t len, struct h_frame *f)
{
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)b;

	assert_true(len >= sizeof(*a));
	assert_int_equal(rte_be_to_cpu_16(a->arp_hardware), RTE_ARP_HRD_ETHER);
	assert_int_equal(rte_be_to_cpu_16(a->arp_protocol), RTE_ETHER_TYPE_IPV4);
	assert_int_equal(a->arp_hlen, 6);
	assert_int_equal(a->arp_plen, 4);
	f->arp_op = rte_be_to_cpu_16(a->arp_opcode);
	f->arp_sha = a->arp_data.arp_sha;
	f->arp_tha = a->arp_data.arp_tha;
	f->arp_spa = a->arp_data.arp_sip;
	f->arp_tpa = a->arp_data.arp_tip;
}

static void parse_frame(const uint8_t *b, size_t len, struct h_frame *f)
{
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)b;

	memset(f, 0, sizeof(*f));
	assert_true(len >= sizeof(*eh));
	f->src = eh->src_addr;
	f->dst = eh->dst_addr;
	f->ether_type = rte_be_to_cpu_16(eh->ether_type);
	if (f->ether_type == RTE_ETHER_TYPE_VLAN) {
		assert_true(len >= sizeof(*eh) + 4);
		f->vlan = (uint16_t)((b[14] << 8 | b[15]) & 0xfff);
		assert_true(f->vlan != 0);
		f->ether_type = (uint16_t)(b[16] << 8 | b[17]);
		b += 4;
		len -= 4;
	}
	switch (f->ether_type) {
	case RTE_ETHER_TYPE_ARP:
		parse_arp(b + sizeof(*eh), len - sizeof(*eh), f);
		break;
	case RTE_ETHER_TYPE_IPV4:
		parse_ipv4(b + sizeof(*eh), len - sizeof(*eh), f);
		break;
	case RTE_ETHER_TYPE_IPV6:
		parse_ipv6(b + sizeof(*eh), len - sizeof(*eh), f);
		break;
	default:
		H_FAIL("tcprx sent ethertype 0x%04x", f->ether_type);
	}
}

bool h_next(struct harness *h, struct h_frame *f)
{
	struct rte_mbuf *m = h_tx_pop(h), *seg;
	uint8_t buf[H_FRAME_MAX];
	uint32_t sum = 0;
	const void *b;

	if (m == NULL)
		return false;
	for (seg = m; seg != NULL; seg = seg->next)
		sum += seg->data_len;
	assert_int_equal(sum, m->pkt_len);
	assert_true(m->pkt_len <= sizeof(buf));
	b = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
	assert_non_null(b);
	parse_frame(b, m->pkt_len, f);
	if (m->ol_flags & RTE_MBUF_F_TX_VLAN) {
		assert_int_equal(f->vlan, 0); /* tagged once, not twice */
		f->vlan = m->vlan_tci & 0xfff;
		f->vlan_offload = true;
	}
	rte_pktmbuf_free(m);
	return true;
}

unsigned int h_drain(struct harness *h)
{
	unsigned int n = 0;
	struct h_frame f;

	while (h_next(h, &f))
		n++;
	return n;
}

void h_expect_none(struct harness *h)
{
	struct h_frame f;

	if (h_next(h, &f))
		H_FAIL("expected no frame out, got ethertype 0x%04x flags 0x%02x seq %u ack %u win %u",
			 f.ether_type, f.flags, f.seq, f.ack, f.win);
}
