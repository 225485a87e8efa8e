/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The few frames a receiver sends: SYN-ACK, ACK (with window, timestamps
 * and SACK blocks), FIN, RST, ARP replies and IPv6 neighbour adverts. They
 * are built in host mbufs from cfg.tx_pool, checksummed in software (they
 * carry no payload) and sent in batches.
 */
#include <assert.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "tcprx_private.h"

struct tcp_out {
	const struct tcprx_addr *src, *dst;
	const struct rte_ether_addr *dst_mac;
	uint16_t vlan;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	uint8_t opt[40];
	uint8_t opt_len;
};

void tcprx_tx_flush(struct tcprx *rx)
{
	uint16_t sent;

	if (rx->nb_tx == 0)
		return;
	sent = rx->cfg.tx_burst(rx->cfg.tx_arg, rx->tx, (uint16_t)rx->nb_tx);
	rx->st.frames_out += sent;
	if (sent < rx->nb_tx) {
		rx->st.tx_drops += rx->nb_tx - sent;
		rte_pktmbuf_free_bulk(&rx->tx[sent], rx->nb_tx - sent);
	}
	rx->nb_tx = 0;
}

static void tx_queue(struct tcprx *rx, struct rte_mbuf *m)
{
	rx->tx[rx->nb_tx++] = m;
	if (rx->nb_tx == TCPRX_TX_BATCH)
		tcprx_tx_flush(rx);
}

/*
 * A tx mbuf, reset, from a small stock refilled in bulk (one pool access per
 * TCPRX_TX_BATCH frames); one at a time when the pool has less than that.
 */
static struct rte_mbuf *tx_mbuf(struct tcprx *rx)
{
	if (rx->nb_tx_spare == 0 &&
	    rte_pktmbuf_alloc_bulk(rx->cfg.tx_pool, rx->tx_spare, TCPRX_TX_BATCH) == 0)
		rx->nb_tx_spare = TCPRX_TX_BATCH;
	if (rx->nb_tx_spare == 0)
		return rte_pktmbuf_alloc(rx->cfg.tx_pool);
	return rx->tx_spare[--rx->nb_tx_spare];
}

/* The stock goes back to the pool (tcprx_destroy). */
void tcprx_tx_spares_free(struct tcprx *rx)
{
	rte_pktmbuf_free_bulk(rx->tx_spare, rx->nb_tx_spare);
	rx->nb_tx_spare = 0;
}

static struct rte_mbuf *tx_alloc(struct tcprx *rx, uint16_t len)
{
	struct rte_mbuf *m = tx_mbuf(rx);

	if (m == NULL || rte_pktmbuf_append(m, len) == NULL) {
		rte_pktmbuf_free(m);
		rx->st.tx_drops++;
		return NULL;
	}
	return m;
}

/* Ethernet header bytes a frame on `vlan` needs: 4 more for an 802.1Q tag we write. */
static uint32_t l2_len(const struct tcprx *rx, uint16_t vlan)
{
	return RTE_ETHER_HDR_LEN + (vlan && !rx->cfg.tx_vlan_insert ? sizeof(struct rte_vlan_hdr) : 0);
}

/* Ethernet header, tagged for `vlan` (0: untagged) in the frame or by the TX offload. */
static void put_ether(struct rte_mbuf *m, const struct tcprx *rx, const struct rte_ether_addr *dst,
		      uint16_t type, uint16_t vlan)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

	eth->dst_addr = *dst;
	eth->src_addr = rx->cfg.mac;
	eth->ether_type = rte_cpu_to_be_16(type);
	m->l2_len = RTE_ETHER_HDR_LEN;
	if (vlan == 0)
		return;
	if (rx->cfg.tx_vlan_insert) {
		m->ol_flags |= RTE_MBUF_F_TX_VLAN;
		m->vlan_tci = vlan;
		return;
	}
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
	vh->vlan_tci = rte_cpu_to_be_16(vlan);
	vh->eth_proto = rte_cpu_to_be_16(type);
	m->l2_len += sizeof(*vh);
}

/* IPv4 or IPv6 header for an l4_len-byte payload of protocol proto; returns its length. */
static uint32_t put_ip(struct tcprx *rx, void *l3, const struct tcprx_addr *src,
		       const struct tcprx_addr *dst, uint8_t proto, uint32_t l4_len, uint8_t hops)
{
	if (src->family == AF_INET) {
		struct rte_ipv4_hdr *ip = l3;

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
		ip->packet_id = rte_cpu_to_be_16(rx->ip_id++);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = hops;
		ip->next_proto_id = proto;
		memcpy(&ip->src_addr, src->bytes, 4);
		memcpy(&ip->dst_addr, dst->bytes, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		return sizeof(*ip);
	} else {
		struct rte_ipv6_hdr *ip = l3;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)l4_len);
		ip->proto = proto;
		ip->hop_limits = hops;
		memcpy(&ip->src_addr, src->bytes, 16);
		memcpy(&ip->dst_addr, dst->bytes, 16);
		return sizeof(*ip);
	}
}

static uint16_t l4_cksum(const void *l3, const void *l4, bool v4)
{
	return v4 ? rte_ipv4_udptcp_cksum(l3, l4) : rte_ipv6_udptcp_cksum(l3, l4);
}

static void send_tcp(struct tcprx *rx, const struct tcp_out *o)
{
	bool v4 = o->src->family == AF_INET;
	uint32_t l2 = l2_len(rx, o->vlan);
	uint32_t l3_len = v4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
	uint32_t l4_len = sizeof(struct rte_tcp_hdr) + o->opt_len;
	struct rte_mbuf *m = tx_alloc(rx, (uint16_t)(l2 + l3_len + l4_len));
	struct rte_tcp_hdr *th;
	void *l3;

	if (m == NULL)
		return;
	put_ether(m, rx, o->dst_mac, v4 ? RTE_ETHER_TYPE_IPV4 : RTE_ETHER_TYPE_IPV6, o->vlan);
	l3 = rte_pktmbuf_mtod_offset(m, void *, l2);
	put_ip(rx, l3, o->src, o->dst, IPPROTO_TCP, l4_len, 64);
	th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l2 + l3_len);
	th->src_port = rte_cpu_to_be_16(o->sport);
	th->dst_port = rte_cpu_to_be_16(o->dport);
	th->sent_seq = rte_cpu_to_be_32(o->seq);
	th->recv_ack = rte_cpu_to_be_32(o->ack);
	th->data_off = (uint8_t)((l4_len / 4) << 4);
	th->tcp_flags = o->flags;
	th->rx_win = rte_cpu_to_be_16(o->wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	memcpy(th + 1, o->opt, o->opt_len);
	th->cksum = l4_cksum(l3, th, v4);
	m->l3_len = l3_len;
	m->l4_len = l4_len;
	tx_queue(rx, m);
}

static uint8_t *opt_put_u32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
	return p + 4;
}

/* TS option body (kind, length, TSval, TSecr): 10 bytes. */
static uint8_t *opt_ts_body(uint8_t *p, const struct tcprx_conn *c)
{
	*p++ = TCPOPT_TS;
	*p++ = TCPOLEN_TS;
	p = opt_put_u32(p, (uint32_t)tcprx_now_ms(c->rx) + c->ts_offset);
	return opt_put_u32(p, c->ts_recent);
}

/* NOP NOP TS: RFC 7323 appendix A layout, 12 bytes. */
static uint8_t *opt_timestamp(uint8_t *p, const struct tcprx_conn *c)
{
	*p++ = TCPOPT_NOP;
	*p++ = TCPOPT_NOP;
	return opt_ts_body(p, c);
}

static void out_from_conn(struct tcp_out *o, const struct tcprx_conn *c, uint32_t seq,
			  uint8_t flags)
{
	o->src = &c->local;
	o->dst = &c->remote;
	o->dst_mac = &c->peer_mac;
	o->vlan = c->vlan;
	o->sport = c->local_port;
	o->dport = c->remote_port;
	o->seq = seq;
	o->ack = c->rcv_nxt;
	o->flags = flags;
	o->opt_len = 0;
}

/* Bookkeeping shared by everything that acknowledges RCV.NXT. */
static void acked_now(struct tcprx_conn *c)
{
	c->last_ack_sent = c->rcv_nxt;
	c->unacked_bytes = 0;
	c->ack_now = false;
	c->ack_deferred = false; /* its entry in rx->ack_defer is skipped */
	tcprx_delack_cancel(c);
}

/*
 * NOP NOP SACK with the blocks (RFC 2018 §3), a D-SACK block first when data
 * came twice (RFC 2883 §4, reported once). No option at all when there is no
 * block (records that only wait at RCV.NXT for ring room give none): a SACK
 * option carries at least one.
 */
static uint8_t *opt_sack(uint8_t *p, struct tcprx_conn *c)
{
	uint32_t blocks[4][2];
	unsigned int i, n = 0, max = c->ts_ok ? 3 : 4;

	if (c->dsack) {
		blocks[0][0] = c->dsack_left;
		blocks[0][1] = c->dsack_right;
		n = 1;
		c->dsack = false;
	}
	n += tcprx_sack_blocks(c, &blocks[n], max - n);
	if (n == 0)
		return p;
	*p++ = TCPOPT_NOP;
	*p++ = TCPOPT_NOP;
	*p++ = TCPOPT_SACK;
	*p++ = (uint8_t)(2 + TCPOLEN_SACK_BLOCK * n);
	for (i = 0; i < n; i++) {
		p = opt_put_u32(p, blocks[i][0]);
		p = opt_put_u32(p, blocks[i][1]);
	}
	return p;
}

/* The common ACK, no SACK blocks: the template's headers (tcprx_acktmpl.c), same fields. */
static void send_ack_from_template(struct tcprx_conn *c)
{
	struct tcprx *rx = c->rx;
	struct rte_mbuf *m = tx_mbuf(rx);
	uint16_t wnd = tcprx_window_field(c);

	if (m != NULL)
		tcprx_ack_from_template(c, m, wnd, (uint32_t)tcprx_now_ms(rx) + c->ts_offset);
	else
		rx->st.tx_drops++;
	acked_now(c);
	c->acks_out++;
	if (m != NULL)
		tx_queue(rx, m);
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> with window, TS and SACK blocks (RFC 2018 §3). */
void tcprx_send_ack(struct tcprx_conn *c)
{
	struct tcp_out o;
	uint8_t *p;

	if (c->key_v4 && !(c->sack_ok && (c->ooo_count || c->dsack))) {
		send_ack_from_template(c);
		return;
	}
	out_from_conn(&o, c, c->snd_nxt, TCPRX_ACK);
	o.wnd = tcprx_window_field(c);
	p = o.opt;
	if (c->ts_ok)
		p = opt_timestamp(p, c);
	if (c->sack_ok && (c->ooo_count || c->dsack))
		p = opt_sack(p, c);
	o.opt_len = (uint8_t)(p - o.opt);
	acked_now(c);
	c->acks_out++;
	send_tcp(c->rx, &o);
}

/*
 * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. Options only as the SYN offered them
 * (RFC 7323 §1.3, RFC 2018 §2); the SYN-ACK window is never scaled.
 */
void tcprx_send_synack(struct tcprx_conn *c)
{
	struct tcp_out o;
	uint8_t *p = o.opt;

	out_from_conn(&o, c, c->iss, TCPRX_SYN | TCPRX_ACK);
	*p++ = TCPOPT_MSS;
	*p++ = TCPOLEN_MSS;
	*p++ = (uint8_t)(c->rcv_mss >> 8);
	*p++ = (uint8_t)c->rcv_mss;
	if (c->sack_ok && c->ts_ok) {
		*p++ = TCPOPT_SACK_PERM; /* fills the TS option's two pad bytes */
		*p++ = TCPOLEN_SACK_PERM;
		p = opt_ts_body(p, c);
	} else if (c->sack_ok) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_SACK_PERM;
		*p++ = TCPOLEN_SACK_PERM;
	} else if (c->ts_ok) {
		p = opt_timestamp(p, c);
	}
	if (c->rcv_wscale || c->snd_wscale) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_WSCALE;
		*p++ = TCPOLEN_WSCALE;
		*p++ = c->rcv_wscale;
	}
	o.opt_len = (uint8_t)(p - o.opt);
	o.wnd = tcprx_window_synack(c);
	acked_now(c);
	c->rx->st.synack_out++;
	send_tcp(c->rx, &o);
}

/* Our FIN in CLOSE-WAIT: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=FIN,ACK>. */
void tcprx_send_fin(struct tcprx_conn *c)
{
	struct tcp_out o;
	uint8_t *p = o.opt;

	out_from_conn(&o, c, c->snd_nxt, TCPRX_FIN | TCPRX_ACK);
	o.wnd = tcprx_window_field(c);
	if (c->ts_ok)
		p = opt_timestamp(p, c);
	o.opt_len = (uint8_t)(p - o.opt);
	acked_now(c);
	send_tcp(c->rx, &o);
}

/* Abort: <SEQ=SND.NXT><CTL=RST>. */
void tcprx_send_rst_conn(struct tcprx_conn *c)
{
	struct tcp_out o;

	out_from_conn(&o, c, c->snd_nxt, TCPRX_RST);
	o.ack = 0;
	o.wnd = 0;
	c->rx->st.rst_out++;
	send_tcp(c->rx, &o);
}

/*
 * RFC 9293 §3.10.7.1 (CLOSED) and LISTEN with an ACK: if the segment has
 * ACK, <SEQ=SEG.ACK><CTL=RST>; else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>,
 * where SYN and FIN count in SEG.LEN. Never in reply to a RST.
 */
void tcprx_send_rst_reply(struct tcprx *rx, const struct tcprx_seg *seg)
{
	struct tcp_out o = {
		.src = &seg->dst, .dst = &seg->src, .dst_mac = &seg->src_mac, .vlan = seg->vlan,
		.sport = seg->dport, .dport = seg->sport,
	};

	if (seg->flags & TCPRX_RST)
		return;
	if (seg->flags & TCPRX_ACK) {
		o.seq = seg->ack;
		o.flags = TCPRX_RST;
	} else {
		o.ack = seg->seq + seg->len + !!(seg->flags & TCPRX_SYN) +
			!!(seg->flags & TCPRX_FIN);
		o.flags = TCPRX_RST | TCPRX_ACK;
	}
	rx->st.rst_out++;
	send_tcp(rx, &o);
}

/* RFC 826: answer a request for one of our IPv4 addresses (on the request's VLAN). */
void tcprx_send_arp_reply(struct tcprx *rx, const struct rte_mbuf *req, const struct tcprx_seg *seg)
{
	const struct rte_arp_hdr *q = rte_pktmbuf_mtod_offset(req, const struct rte_arp_hdr *,
								seg->l2_len);
	uint32_t l2 = l2_len(rx, seg->vlan);
	struct rte_mbuf *m = tx_alloc(rx, (uint16_t)(l2 + sizeof(struct rte_arp_hdr)));
	struct rte_arp_hdr *a;

	if (m == NULL)
		return;
	put_ether(m, rx, &q->arp_data.arp_sha, RTE_ETHER_TYPE_ARP, seg->vlan);
	a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, l2);
	*a = *q;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_sha = rx->cfg.mac;
	a->arp_data.arp_sip = q->arp_data.arp_tip;
	a->arp_data.arp_tha = q->arp_data.arp_sha;
	a->arp_data.arp_tip = q->arp_data.arp_sip;
	rx->st.arp_replies++;
	tx_queue(rx, m);
}

/*
 * Neighbour solicitation and advertisement bodies after the 4-byte ICMPv6
 * header, at any alignment in the frame: bytes only, so no packing is needed.
 */
struct nd_body {
	uint8_t flags[4];        /* NA: router/solicited/override; NS: reserved */
	uint8_t target[16];
	uint8_t opt_type, opt_len;
	uint8_t lladdr[RTE_ETHER_ADDR_LEN];
};
static_assert(sizeof(struct nd_body) == 28, "ICMPv6 ND body with one link-layer option");

/* RFC 4861 §7.2.4: a solicited advertisement for one of our IPv6 addresses. */
void tcprx_send_nd_advert(struct tcprx *rx, const struct rte_mbuf *ns, const struct tcprx_seg *seg)
{
	const uint32_t ql3 = seg->l2_len, ql4 = ql3 + sizeof(struct rte_ipv6_hdr);
	const uint32_t l3 = l2_len(rx, seg->vlan), l4 = l3 + sizeof(struct rte_ipv6_hdr);
	const struct rte_ipv6_hdr *qip =
		rte_pktmbuf_mtod_offset(ns, const struct rte_ipv6_hdr *, ql3);
	const struct rte_ether_hdr *qeth = rte_pktmbuf_mtod(ns, const struct rte_ether_hdr *);
	const struct nd_body *q = rte_pktmbuf_mtod_offset(ns, const struct nd_body *, ql4 + 4);
	struct tcprx_addr target = { .family = AF_INET6 }, dst = { .family = AF_INET6 };
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	static const uint8_t unspecified[16];
	struct rte_mbuf *m;
	uint8_t *icmp;
	struct nd_body *a;

	if (ql4 + 4 + offsetof(struct nd_body, opt_type) > ns->data_len) {
		rx->st.malformed++;
		return;
	}
	memcpy(target.bytes, q->target, 16);
	if (!tcprx_is_our_addr(rx, &target)) {
		rx->st.not_ours++;
		return;
	}
	memcpy(dst.bytes, memcmp(&qip->src_addr, unspecified, 16) ?
	       (const uint8_t *)&qip->src_addr : all_nodes, 16);
	m = tx_alloc(rx, (uint16_t)(l4 + 4 + sizeof(*a)));
	if (m == NULL)
		return;
	put_ether(m, rx, &qeth->src_addr, RTE_ETHER_TYPE_IPV6, seg->vlan);
	put_ip(rx, rte_pktmbuf_mtod_offset(m, void *, l3), &target, &dst, IPPROTO_ICMPV6,
	       4 + sizeof(*a), 255);
	icmp = rte_pktmbuf_mtod_offset(m, uint8_t *, l4);
	icmp[0] = 136; /* neighbour advertisement */
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	a = (struct nd_body *)(icmp + 4);
	memset(a->flags, 0, sizeof(a->flags));
	a->flags[0] = 0x60; /* solicited, override */
	memcpy(a->target, q->target, 16);
	a->opt_type = 2; /* target link-layer address */
	a->opt_len = 1;
	memcpy(a->lladdr, rx->cfg.mac.addr_bytes, RTE_ETHER_ADDR_LEN);
	{
		uint16_t sum = rte_ipv6_udptcp_cksum(rte_pktmbuf_mtod_offset(m, void *, l3), icmp);

		memcpy(icmp + 2, &sum, 2);
	}
	rx->st.nd_replies++;
	tx_queue(rx, m);
}
