/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pure ACKs from a per-connection template. Everything in an ACK's headers
 * but SEQ, ACK, the window, the IP ID and the timestamp is fixed for the
 * life of an IPv4 connection (MACs, VLAN tag, addresses, ports, lengths,
 * the NOP NOP TS layout), so it is written once, with the one's-complement
 * sums of those fixed bytes. An ACK is then a copy of the template, the
 * changing fields written in place, and both checksums finished from the
 * stored sums plus the few changing words (RFC 1071 §2: the sum is
 * associative, so it is computed in parts). An ACK that carries SACK blocks
 * (out-of-order data, D-SACK) has options of another length: it takes the
 * general path in tcprx_output.c, and the template serves again after it.
 */
#include <assert.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "tcprx_private.h"

/*
 * Not packed: DPDK 24.11 gives the IPv4 header 2-byte alignment (packing
 * around it is a -Werror=packed-not-aligned failure) and 25.11 drops the
 * trailing __rte_packed form. The members need no padding in any release
 * (20 + 20 + 12 bytes, at most 2-byte aligned), which the asserts hold.
 */
struct ack_hdrs {
	struct rte_ipv4_hdr ip;
	struct rte_tcp_hdr th;
	uint8_t opt[TCPRX_TS_OPTION_LEN];
};
static_assert(offsetof(struct ack_hdrs, th) == sizeof(struct rte_ipv4_hdr),
	      "no padding between the IPv4 and TCP headers");
static_assert(sizeof(struct ack_hdrs) ==
	      sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr) + TCPRX_TS_OPTION_LEN,
	      "no padding after the options");
static_assert(_Alignof(struct ack_hdrs) <= 2, "the template sits 2-byte aligned after L2");

static uint32_t sum_words(const void *p, size_t len)
{
	return __rte_raw_cksum(p, len, 0);
}

static uint16_t fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * 32-bit words summed in 64 bits fold to the same one's-complement sum as
 * their 16-bit halves (2^16 = 1 modulo 0xffff), so the ACK's changing
 * words need no byte loop: a few adds and one fold.
 */
static uint16_t fold64(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	return fold((uint32_t)sum);
}

/* Write the template and the sums of its fixed bytes (changing fields zero while summed). */
static void tmpl_build(struct tcprx_conn *c)
{
	const struct tcprx *rx = c->rx;
	bool tag = c->vlan != 0 && !rx->cfg.tx_vlan_insert;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)c->ack_tmpl;
	uint32_t l2 = RTE_ETHER_HDR_LEN + (tag ? sizeof(struct rte_vlan_hdr) : 0);
	uint32_t opt_len = c->ts_ok ? TCPRX_TS_OPTION_LEN : 0;
	uint32_t l4_len = sizeof(struct rte_tcp_hdr) + opt_len;
	struct ack_hdrs *h = (struct ack_hdrs *)(c->ack_tmpl + l2);
	uint32_t pseudo;

	memset(c->ack_tmpl, 0, sizeof(c->ack_tmpl));
	eth->dst_addr = c->peer_mac;
	eth->src_addr = rx->cfg.mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	if (tag) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(c->vlan);
		vh->eth_proto = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	}
	h->ip.version_ihl = 0x45;
	h->ip.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(h->ip) + l4_len));
	h->ip.fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	h->ip.time_to_live = 64;
	h->ip.next_proto_id = IPPROTO_TCP;
	memcpy(&h->ip.src_addr, c->local.bytes, 4);
	memcpy(&h->ip.dst_addr, c->remote.bytes, 4);
	h->th.src_port = rte_cpu_to_be_16(c->local_port);
	h->th.dst_port = rte_cpu_to_be_16(c->remote_port);
	h->th.data_off = (uint8_t)((l4_len / 4) << 4);
	h->th.tcp_flags = TCPRX_ACK;
	if (c->ts_ok) {
		h->opt[0] = TCPOPT_NOP;
		h->opt[1] = TCPOPT_NOP;
		h->opt[2] = TCPOPT_TS;
		h->opt[3] = TCPOLEN_TS;
	}
	c->ack_tmpl_ipsum = sum_words(&h->ip, sizeof(h->ip));
	/* the pseudo-header (RFC 9293 §3.1): addresses, protocol, TCP length */
	pseudo = sum_words(&h->ip.src_addr, 8) + rte_cpu_to_be_16(IPPROTO_TCP) +
		 rte_cpu_to_be_16((uint16_t)l4_len);
	c->ack_tmpl_tcpsum = fold(pseudo + sum_words(&h->th, l4_len));
	c->ack_tmpl_l2 = (uint8_t)l2;
	c->ack_tmpl_len = (uint8_t)(l2 + sizeof(h->ip) + l4_len);
}

/*
 * Write into m (a reset tx mbuf) a pure ACK of RCV.NXT from SND.NXT with
 * window field `wnd` and our TSval `tsval`. IPv4 connections only.
 */
void tcprx_ack_from_template(struct tcprx_conn *c, struct rte_mbuf *m, uint16_t wnd,
			     uint32_t tsval)
{
	struct ack_hdrs *h;
	uint16_t id;

	uint32_t seq, ack;
	uint64_t sum64;

	if (c->ack_tmpl_len == 0)
		tmpl_build(c);
	/* The whole template, a constant size the compiler copies inline (tx room: config_check). */
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), c->ack_tmpl, sizeof(c->ack_tmpl));
	m->data_len = m->pkt_len = c->ack_tmpl_len;
	m->l2_len = c->ack_tmpl_l2;
	m->l3_len = sizeof(struct rte_ipv4_hdr);
	m->l4_len = (uint16_t)(c->ack_tmpl_len - c->ack_tmpl_l2 - sizeof(struct rte_ipv4_hdr));
	if (c->vlan && c->rx->cfg.tx_vlan_insert) {
		m->ol_flags |= RTE_MBUF_F_TX_VLAN;
		m->vlan_tci = c->vlan;
	}
	h = rte_pktmbuf_mtod_offset(m, struct ack_hdrs *, c->ack_tmpl_l2);
	id = rte_cpu_to_be_16(c->rx->ip_id++);
	h->ip.packet_id = id;
	h->ip.hdr_checksum = (uint16_t)~fold(c->ack_tmpl_ipsum + id);
	seq = rte_cpu_to_be_32(c->snd_nxt);
	ack = rte_cpu_to_be_32(c->rcv_nxt);
	h->th.sent_seq = seq;
	h->th.recv_ack = ack;
	h->th.rx_win = rte_cpu_to_be_16(wnd);
	sum64 = (uint64_t)c->ack_tmpl_tcpsum + seq + ack + h->th.rx_win;
	if (c->ts_ok) {
		uint32_t ts[2] = { rte_cpu_to_be_32(tsval), rte_cpu_to_be_32(c->ts_recent) };

		memcpy(&h->opt[4], ts, sizeof(ts));
		sum64 += (uint64_t)ts[0] + ts[1];
	}
	h->th.cksum = (uint16_t)~fold64(sum64);
}
