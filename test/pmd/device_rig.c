/* SPDX-License-Identifier: BSD-3-Clause */
/* The device model's test rig: see device_rig.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "device_rig.h"


const struct rte_ether_addr port_mac = { { 0x02, 0x68, 0x73, 0x00, 0x00, 0x01 } };
const struct rte_ether_addr other_mac = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 } };

/* ------------------------------------------------------------------ */
/* a wire the test fills                                               */
/* ------------------------------------------------------------------ */


static int wire_rx_burst(struct hsplit_backend *be, struct hsplit_frame *f, unsigned int n)
{
	struct test_wire *w = container_of(be, struct test_wire, base);
	unsigned int i;

	if (w->fail < 0)
		return w->fail;
	for (i = 0; i < n && w->head + i < w->tail; i++) {
		f[i].data = w->frames[w->head + i];
		f[i].len = w->lens[w->head + i];
	}
	w->held = i;
	return (int)i;
}

static void wire_rx_done(struct hsplit_backend *be, unsigned int count)
{
	struct test_wire *w = container_of(be, struct test_wire, base);

	assert_int_equal(count, w->held);
	w->head += count;
	w->held = 0;
}

static const struct hsplit_backend_ops test_wire_ops = {
	.name = "test",
	.rx_burst = wire_rx_burst,
	.rx_done = wire_rx_done,
};

void wire_put(struct test_wire *w, const uint8_t *frame, uint32_t len)
{
	assert_true(w->tail < MAX_WIRE && len <= sizeof(w->frames[0]));
	memcpy(w->frames[w->tail], frame, len);
	w->lens[w->tail++] = len;
}

/* ------------------------------------------------------------------ */
/* frames                                                              */
/* ------------------------------------------------------------------ */


uint8_t payload_byte(uint32_t i)
{
	return (uint8_t)(i * 7u + 3u);
}

static uint32_t build_ip(const struct frame_spec *s, uint8_t *buf);

/* Open a gap of n bytes at `at` in a frame of len bytes. */
static void open_gap(uint8_t *buf, uint32_t len, uint32_t at, uint32_t n)
{
	memmove(buf + at + n, buf + at, len - at);
	memset(buf + at, 0, n);
}

/* Bytes of an IPv6 extension header of this type, as the builder writes it. */
static uint32_t v6_ext_len(uint8_t type)
{
	switch (type) {
	case IPPROTO_DSTOPTS: return 16;   /* hdr ext len 1 */
	case IPPROTO_ROUTING: return 24;   /* hdr ext len 2 */
	case IPPROTO_AH: return 24;        /* payload len 4: (4 + 2) * 4 */
	default: return 8;                 /* hop-by-hop, fragment, mobility, ESP's SPI + seq */
	}
}

/*
 * Extension headers between the IPv6 header and L4, after the L4 checksum
 * was computed (the pseudo-header names the upper-layer protocol and length,
 * so it does not change).
 */
static uint32_t add_v6_ext(const struct frame_spec *s, uint8_t *buf, uint32_t len, uint32_t l3)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(buf + l3);
	uint32_t at = l3 + sizeof(*ip), total = 0, i;
	uint8_t next = ip->proto;

	for (i = 0; i < s->nb_v6_ext; i++)
		total += v6_ext_len(s->v6_ext[i]);
	open_gap(buf, len, at, total);
	for (i = 0; i < s->nb_v6_ext; i++) {
		uint8_t type = s->v6_ext[i], *h = buf + at;
		uint32_t n = v6_ext_len(type);

		h[0] = i + 1 < s->nb_v6_ext ? s->v6_ext[i + 1] : next;
		if (type == IPPROTO_AH)
			h[1] = 4;
		else if (type == IPPROTO_FRAGMENT) {
			h[2] = (uint8_t)(s->v6_frag >> 8);
			h[3] = (uint8_t)s->v6_frag;
			h[7] = 0x42; /* identification */
		} else if (type != IPPROTO_ESP) {
			h[1] = (uint8_t)(n / 8 - 1);
			if (n > 2)
				h[2] = 1, h[3] = (uint8_t)(n - 4); /* one PadN option fills it */
		}
		at += n;
	}
	ip->proto = s->v6_ext[0];
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->payload_len) + total));
	return len + total;
}

/* VLAN tags right after the MAC addresses, outermost first. */
static uint32_t add_tags(const struct frame_spec *s, uint8_t *buf, uint32_t len)
{
	uint32_t i, at = 2 * RTE_ETHER_ADDR_LEN;

	open_gap(buf, len, at, 4u * s->nb_tags);
	for (i = 0; i < s->nb_tags; i++, at += 4) {
		uint16_t tci = (uint16_t)(s->vid + i); /* inner tags: vid + 1, + 2 */

		buf[at] = (uint8_t)(s->tpid[i] >> 8);
		buf[at + 1] = (uint8_t)s->tpid[i];
		buf[at + 2] = (uint8_t)(tci >> 8 | s->pcp << 5);
		buf[at + 3] = (uint8_t)tci;
	}
	return len + 4u * s->nb_tags;
}

/* An ARP request, 42 bytes before padding. */
static uint32_t build_arp(uint8_t *buf)
{
	static const uint8_t body[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 0x99,
					  10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2 };
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;

	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	memcpy(buf + sizeof(*eh), body, sizeof(body));
	return sizeof(*eh) + sizeof(body);
}

uint32_t build_frame(const struct frame_spec *s, uint8_t *buf)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	uint32_t len;

	rte_ether_addr_copy(s->dst ? s->dst : &port_mac, &eh->dst_addr);
	rte_ether_addr_copy(&other_mac, &eh->src_addr);
	len = s->arp ? build_arp(buf) : build_ip(s, buf);
	if (s->nb_v6_ext)
		len = add_v6_ext(s, buf, len, sizeof(*eh));
	if (s->nb_tags)
		len = add_tags(s, buf, len);
	if (len < s->pad_to) {
		memset(buf + len, 0, s->pad_to - len);
		len = s->pad_to;
	}
	return len;
}

/* Ethernet / IPv4|IPv6 / TCP|UDP|ICMP with correct checksums; returns the length. */
static uint32_t build_ip(const struct frame_spec *s, uint8_t *buf)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)buf;
	uint32_t l3 = sizeof(*eh), l3_len, l4_len, i;
	uint8_t *l4;

	l3_len = s->ipv6 ? sizeof(struct rte_ipv6_hdr) :
		 sizeof(struct rte_ipv4_hdr) + 4u * s->ip_opt_words;
	l4_len = s->proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) + 4u * s->tcp_opt_words :
		 s->proto == IPPROTO_UDP ? sizeof(struct rte_udp_hdr) : 8u;
	l4 = buf + l3 + l3_len;
	memset(buf + l3, 0, l3_len + l4_len);
	for (i = 0; i < s->payload; i++)
		l4[l4_len + i] = payload_byte(i);
	if (s->proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		th->src_port = rte_cpu_to_be_16(s->sport);
		th->dst_port = rte_cpu_to_be_16(s->dport);
		th->data_off = (uint8_t)((l4_len / 4) << 4);
		th->tcp_flags = RTE_TCP_ACK_FLAG;
		memset(l4 + sizeof(*th), 1, l4_len - sizeof(*th)); /* NOP options */
	} else if (s->proto == IPPROTO_UDP) {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)l4;

		uh->src_port = rte_cpu_to_be_16(s->sport);
		uh->dst_port = rte_cpu_to_be_16(s->dport);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)(l4_len + s->payload));
	} else {
		l4[0] = s->ipv6 ? 128 : 8; /* echo request */
	}
	if (s->ipv6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(buf + l3);
		/* arrays before DPDK 24.11, struct rte_ipv6_addr since */
		uint8_t *src = (uint8_t *)&ip->src_addr, *dst = (uint8_t *)&ip->dst_addr;

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(l4_len + s->payload));
		ip->proto = s->proto;
		ip->hop_limits = 64;
		src[0] = 0xfd;
		src[15] = 1;
		dst[0] = 0xfd;
		dst[15] = 2;
		if (s->proto == IPPROTO_TCP)
			((struct rte_tcp_hdr *)l4)->cksum = rte_ipv6_udptcp_cksum(ip, l4);
		else if (s->proto == IPPROTO_UDP)
			((struct rte_udp_hdr *)l4)->dgram_cksum = rte_ipv6_udptcp_cksum(ip, l4);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + l3);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = (uint8_t)(0x40 | l3_len / 4);
		memset(ip + 1, 1, l3_len - sizeof(*ip)); /* NOP options */
		ip->fragment_offset = rte_cpu_to_be_16(s->frag4);
		ip->total_length = rte_cpu_to_be_16((uint16_t)(l3_len + l4_len + s->payload));
		ip->time_to_live = 64;
		ip->next_proto_id = s->proto;
		ip->src_addr = rte_cpu_to_be_32(s->src4 ? s->src4 : IP4(10, 0, 0, 1));
		ip->dst_addr = rte_cpu_to_be_32(s->dst4 ? s->dst4 : IP4(10, 0, 0, 2));
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (s->proto == IPPROTO_TCP)
			((struct rte_tcp_hdr *)l4)->cksum = rte_ipv4_udptcp_cksum(ip, l4);
		else if (s->proto == IPPROTO_UDP)
			((struct rte_udp_hdr *)l4)->dgram_cksum = rte_ipv4_udptcp_cksum(ip, l4);
	}
	if (s->bad_l4_csum)
		l4[s->proto == IPPROTO_TCP ? 16 : 6] ^= 0x5a;
	return l3 + l3_len + l4_len + s->payload;
}

/* ------------------------------------------------------------------ */
/* a port with its queues                                              */
/* ------------------------------------------------------------------ */


void rxq_setup(struct rig *r, uint16_t q, enum hsplit_split_mode split, uint32_t proto_hdr)
{
	struct hsplit_hw_rxq *rxq = &r->rxq[q];
	uint32_t i;

	memset(rxq, 0, sizeof(*rxq));
	rxq->port = &r->hw;
	rxq->queue_id = q;
	rxq->nb_desc = NB_DESC;
	rxq->mask = NB_DESC - 1;
	rxq->ring = calloc(NB_DESC, sizeof(rxq->ring[0]));
	assert_non_null(rxq->ring);
	rxq->split = split;
	rxq->proto_hdr = proto_hdr;
	rxq->level = proto_hdr & RTE_PTYPE_L4_MASK ? HSPLIT_LEVEL_L4 :
		     proto_hdr & RTE_PTYPE_L3_MASK ? HSPLIT_LEVEL_L3 : HSPLIT_LEVEL_L2;
	for (i = 0; i < NB_DESC; i++) {
		rxq->ring[i].hdr = rte_pktmbuf_alloc(hdr_mp);
		rxq->ring[i].pay = split == HSPLIT_SPLIT_NONE ? NULL : rte_pktmbuf_alloc(pay_mp);
		assert_non_null(rxq->ring[i].hdr);
	}
	rxq->posted = NB_DESC;
	rxq->enabled = true;
	r->hw.rxq[q] = rxq;
	if (q + 1u > r->hw.nb_rx_queues)
		r->hw.nb_rx_queues = (uint16_t)(q + 1u);
}

struct rig *rig_create(unsigned int nb_queues, enum hsplit_split_mode split,
			      uint32_t proto_hdr)
{
	struct rig *r = calloc(1, sizeof(*r));
	unsigned int q;

	assert_non_null(r);
	hsplit_hw_port_init(&r->hw, "test_device", 0);
	r->wire.base.ops = &test_wire_ops;
	r->hw.backend = &r->wire.base;
	r->hw.mac = port_mac;
	for (q = 0; q < nb_queues; q++)
		rxq_setup(r, (uint16_t)q, split, proto_hdr);
	hsplit_hw_rss_defaults(&r->hw, (uint16_t)nb_queues);
	if (nb_queues > 1)
		for (q = 0; q < nb_queues; q++)
			assert_int_equal(hsplit_hw_inbox_create(&r->rxq[q], 0), 0);
	return r;
}

void rig_free(struct rig *r)
{
	unsigned int q, i;

	for (q = 0; q < 4; q++) {
		if (r->rxq[q].ring == NULL)
			continue;
		hsplit_hw_inbox_free(&r->rxq[q]);
		for (i = 0; i < NB_DESC; i++) {
			rte_pktmbuf_free(r->rxq[q].ring[i].hdr);
			rte_pktmbuf_free(r->rxq[q].ring[i].pay);
		}
		free(r->rxq[q].ring);
	}
	free(r);
}

/* Feed one frame and poll queue q; returns its completion, NULL when nothing completed. */
const struct hsplit_rx_desc *feed(struct rig *r, uint16_t q, const uint8_t *frame,
					 uint32_t len)
{
	struct hsplit_hw_rxq *rxq = &r->rxq[q];
	uint32_t done = rxq->done;

	wire_put(&r->wire, frame, len);
	hsplit_hw_poll(&r->hw, rxq);
	return rxq->done == done ? NULL : &rxq->ring[done & rxq->mask];
}

const uint8_t *hdr_bytes(const struct hsplit_hw_rxq *rxq, const struct hsplit_rx_desc *d)
{
	return (const uint8_t *)d->hdr->buf_addr + RTE_PKTMBUF_HEADROOM + rxq->seg0_off;
}
