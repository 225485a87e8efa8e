/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bytes -> frames, the check of every frame the stack sends, and a small
 * application (accept, recv, dontneed with real and forged tokens, close).
 * The input is read front to back; when it runs out every read gives 0.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "fuzz_frames.h"

const struct rte_ether_addr fuzz_our_mac = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };

#define FAIL(...) do { fprintf(stderr, "fuzz_tcprx: " __VA_ARGS__); fputc('\n', stderr); \
	abort(); } while (0)

void fuzz_run_init(struct fuzz_run *run, const uint8_t *data, size_t size)
{
	memset(run, 0, sizeof(*run));
	run->data = data;
	run->size = size;
	run->now_ns = 1000000000ull;
}

bool fuzz_done(const struct fuzz_run *run)
{
	return run->pos >= run->size;
}

uint8_t fuzz_take8(struct fuzz_run *run)
{
	return run->pos < run->size ? run->data[run->pos++] : 0;
}

uint16_t fuzz_take16(struct fuzz_run *run)
{
	return (uint16_t)(fuzz_take8(run) << 8 | fuzz_take8(run));
}

uint32_t fuzz_take32(struct fuzz_run *run)
{
	return (uint32_t)fuzz_take16(run) << 16 | fuzz_take16(run);
}

/* What the TCP header of a frame says, before the bytes are written. */
struct fuzz_tcp {
	bool v6;
	unsigned int peer;
	uint16_t dport;
	bool dst_other;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	uint8_t opt[40];
	unsigned int opt_len;   /* padded to a multiple of 4 */
	uint32_t pay_len;
};

static void take_tcp_fields(struct fuzz_run *run, struct fuzz_tcp *t)
{
	uint8_t sel = fuzz_take8(run), raw;
	uint32_t seq = fuzz_take32(run), ack = fuzz_take32(run);
	unsigned int fam = t->v6, i;

	t->peer = sel % FUZZ_PEERS;
	t->dport = sel & 4 ? FUZZ_PORT + 1 : FUZZ_PORT;   /* a closed port */
	t->dst_other = (sel & 0xe0) == 0xe0;              /* not our address */
	t->flags = fuzz_take8(run);
	t->win = fuzz_take16(run);
	if (sel & 8)   /* relative to our SYN: data at offset (int16) */
		seq = run->peer_isn[t->peer][fam] + 1u + (uint32_t)(int32_t)(int16_t)seq;
	else if (t->flags & RTE_TCP_SYN_FLAG)
		run->peer_isn[t->peer][fam] = seq;
	if (sel & 16)  /* relative to the stack's ISS */
		ack = run->stack_iss[t->peer][fam] + 1u + (uint32_t)(int32_t)(int8_t)ack;
	t->seq = seq;
	t->ack = ack;
	raw = fuzz_take8(run) % 41;
	for (i = 0; i < raw; i++)
		t->opt[i] = fuzz_take8(run);
	t->opt_len = (raw + 3u) & ~3u;
	memset(t->opt + raw, 0, t->opt_len - raw);
}

static unsigned int write_eth(uint8_t *b, const struct fuzz_tcp *t, uint16_t type)
{
	struct rte_ether_hdr *eh = (void *)b;

	eh->dst_addr = fuzz_our_mac;
	eh->src_addr = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 1, (uint8_t)(t->peer + 1) } };
	eh->ether_type = rte_cpu_to_be_16(type);
	return sizeof(*eh);
}

/* Ethernet + IPv4/IPv6 + TCP with options into b; checksums valid for zero payload bytes. */
static unsigned int write_tcp_frame(uint8_t *b, const struct fuzz_tcp *t, bool ip_frag)
{
	unsigned int l3 = write_eth(b, t, t->v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	unsigned int tcp_len = 20u + t->opt_len;
	struct rte_tcp_hdr *th;
	uint32_t sum;

	if (t->v6) {
		struct rte_ipv6_hdr *ip = (void *)(b + l3);
		static const uint8_t ours[16] = { 0xfd, [15] = 1 };
		uint8_t *dst = (uint8_t *)&ip->dst_addr, *src = (uint8_t *)&ip->src_addr;

		memset(ip, 0, sizeof(*ip));
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(tcp_len + t->pay_len));
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		memcpy(dst, ours, 16);
		dst[15] += t->dst_other;
		memcpy(src, ours, 16);
		src[13] = 1;
		src[15] = (uint8_t)(t->peer + 1);
		th = (void *)(ip + 1);
		sum = rte_ipv6_phdr_cksum(ip, 0);
	} else {
		struct rte_ipv4_hdr *ip = (void *)(b + l3);

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20u + tcp_len + t->pay_len));
		ip->fragment_offset = rte_cpu_to_be_16(ip_frag ? RTE_IPV4_HDR_MF_FLAG : 0);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 1, t->peer + 1));
		ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 1 + t->dst_other));
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th = (void *)(ip + 1);
		sum = rte_ipv4_phdr_cksum(ip, 0);
	}
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16((uint16_t)(40000 + t->peer));
	th->dst_port = rte_cpu_to_be_16(t->dport);
	th->sent_seq = rte_cpu_to_be_32(t->seq);
	th->recv_ack = rte_cpu_to_be_32(t->ack);
	th->data_off = (uint8_t)((tcp_len / 4) << 4);
	th->tcp_flags = t->flags;
	th->rx_win = rte_cpu_to_be_16(t->win);
	memcpy(th + 1, t->opt, t->opt_len);
	sum = __rte_raw_cksum(th, tcp_len, sum);
	th->cksum = (uint16_t)~__rte_raw_cksum_reduce(sum);
	return (unsigned int)((uint8_t *)th - b) + tcp_len;
}

static unsigned int write_arp(struct fuzz_run *run, uint8_t *b)
{
	struct fuzz_tcp t = { .peer = fuzz_take8(run) % FUZZ_PEERS };
	struct rte_arp_hdr *arp = (void *)(b + write_eth(b, &t, RTE_ETHER_TYPE_ARP));
	uint8_t op = fuzz_take8(run);

	memset(b, 0xff, 6);  /* broadcast */
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op & 1 ? RTE_ARP_OP_REPLY : RTE_ARP_OP_REQUEST);
	memcpy(&arp->arp_data.arp_sha, b + 6, 6);
	arp->arp_data.arp_sip = rte_cpu_to_be_32(RTE_IPV4(10, 0, 1, t.peer + 1));
	memset(&arp->arp_data.arp_tha, 0, 6);
	arp->arp_data.arp_tip = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 1 + ((op >> 1) & 1)));
	return RTE_ETHER_HDR_LEN + (unsigned int)sizeof(*arp);
}

/* An IPv6 neighbour solicitation for fd00::1 (or another target), to the solicited-node group. */
static unsigned int write_nd(struct fuzz_run *run, uint8_t *b)
{
	static const uint8_t ours[16] = { 0xfd, [15] = 1 };
	static const uint8_t group[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [15] = 1 };
	struct fuzz_tcp t = { .peer = fuzz_take8(run) % FUZZ_PEERS };
	unsigned int l3 = write_eth(b, &t, RTE_ETHER_TYPE_IPV6);
	struct rte_ipv6_hdr *ip = (void *)(b + l3);
	uint8_t *icmp = (uint8_t *)(ip + 1), ctl = fuzz_take8(run);
	uint16_t sum;

	memcpy(b, (const uint8_t[]){ 0x33, 0x33, 0xff, 0, 0, 1 }, 6);
	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(32);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = ctl & 1 ? 64 : 255;
	memcpy(&ip->dst_addr, group, 16);
	if (!(ctl & 2)) {  /* else the unspecified source of duplicate address detection */
		uint8_t *src = (uint8_t *)&ip->src_addr;

		memcpy(src, ours, 16);
		src[13] = 1;
		src[15] = (uint8_t)(t.peer + 1);
	}
	memset(icmp, 0, 32);
	icmp[0] = 135;
	memcpy(icmp + 8, ours, 16);
	icmp[8 + 15] += (ctl >> 2) & 1;
	icmp[24] = 1;  /* source link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, b + 6, 6);
	sum = rte_ipv6_udptcp_cksum(ip, icmp);
	memcpy(icmp + 2, &sum, 2);
	return l3 + 40u + 32u;
}

/* Raw header bytes from the input, our MAC first unless the input says otherwise. */
static unsigned int write_raw(struct fuzz_run *run, uint8_t *b)
{
	uint8_t ctl = fuzz_take8(run);
	unsigned int len = 14u + ctl % 128u, i;

	if ((ctl & 0x7f) == 0x7f)
		return write_nd(run, b);
	for (i = 0; i < len; i++)
		b[i] = fuzz_take8(run);
	if (!(ctl & 0x80))
		memcpy(b, &fuzz_our_mac, 6);
	return len;
}

static const uint64_t csum_flags[4] = {
	RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD,
	RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_BAD,
	RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN | RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN,
	RTE_MBUF_F_RX_IP_CKSUM_NONE | RTE_MBUF_F_RX_L4_CKSUM_NONE,
};

/* A payload segment on a chunk of the strict dmabuf: the CPU can never read it. */
static struct rte_mbuf *device_segment(const struct fuzz_env *env, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(env->pay_mp);
	uint32_t off = 0;
	devmem_ref ref;

	if (m == NULL)
		return NULL;
	ref = devmem_pool_alloc_frag(env->pool, len, &off);
	if (ref == 0 || devmem_mbuf_attach(m, ref, off, len) != 0) {
		if (ref != 0)
			devmem_ref_put(ref);
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* Chain n device segments sharing len bytes behind hdr; false (hdr freed) on shortage. */
static bool add_device_payload(const struct fuzz_env *env, struct rte_mbuf *hdr, uint32_t len,
			       unsigned int n)
{
	struct rte_mbuf *last = hdr;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint32_t part = i + 1 == n ? len - (len / n) * i : len / n;
		struct rte_mbuf *s = device_segment(env, part);

		if (s == NULL) {
			rte_pktmbuf_free(hdr);
			return false;
		}
		last->next = s;
		last = s;
		hdr->nb_segs++;
		hdr->pkt_len += part;
	}
	return true;
}

struct rte_mbuf *fuzz_build_frame(struct fuzz_run *run, const struct fuzz_env *env)
{
	uint8_t b0 = fuzz_take8(run), buf[256];
	unsigned int kind = b0 & 3, npay = (b0 >> 4) & 3, hlen;
	struct fuzz_tcp t = { .v6 = kind == 1 };
	struct rte_mbuf *m;
	uint32_t pay = 0;

	memset(buf, 0, sizeof(buf));
	if (kind <= 1) {
		take_tcp_fields(run, &t);
		t.pay_len = pay = fuzz_take16(run) % (npay == 3 ? 1800u : 3000u);
		hlen = write_tcp_frame(buf, &t, b0 & 0x80);
	} else {
		hlen = kind == 2 ? write_arp(run, buf) : write_raw(run, buf);
		pay = npay ? fuzz_take8(run) : 0;
	}
	if (b0 & 0x40) {  /* flip one header byte */
		unsigned int off = fuzz_take8(run) % hlen;

		buf[off] ^= fuzz_take8(run);
	}
	m = rte_pktmbuf_alloc(env->hdr_mp);
	if (m == NULL)
		return NULL;
	if (npay == 3) {  /* LINEAR: the payload stayed in host memory behind the headers */
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), buf, hlen);
		memset(rte_pktmbuf_mtod_offset(m, uint8_t *, hlen), 0, pay);
		m->data_len = (uint16_t)(hlen + pay);
		m->pkt_len = m->data_len;
	} else {
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), buf, hlen);
		m->data_len = (uint16_t)hlen;
		m->pkt_len = hlen;
		if (npay > pay)
			npay = pay;
		if (npay && !add_device_payload(env, m, pay, npay))
			return NULL;
	}
	m->ol_flags = csum_flags[(b0 >> 2) & 3];
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L4_TCP |
			 (t.v6 ? RTE_PTYPE_L3_IPV6 : RTE_PTYPE_L3_IPV4);
	return m;
}

/* ------------------------------------------------------------------ */
/* frames the stack sends                                              */
/* ------------------------------------------------------------------ */

/* The window scale the stack announced in a SYN-ACK's options (0 without the option). */
static uint8_t synack_wscale(const uint8_t *o, uint32_t len)
{
	uint32_t i = 0;

	while (i + 1 < len && o[i] != 0) {
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (o[i + 1] < 2)
			break;
		if (o[i] == 3 && o[i + 1] == 3 && i + 2 < len)
			return o[i + 2];
		i += o[i + 1];
	}
	return 0;
}

/* The record of the connection to (addr, port), or a fresh one; NULL when all are taken. */
static struct fuzz_edge *edge_record(struct fuzz_run *run, const uint8_t *addr, uint16_t port,
				     bool v6)
{
	unsigned int alen = v6 ? 16 : 4, i;
	struct fuzz_edge *free_rec = NULL;

	for (i = 0; i < FUZZ_EDGES; i++) {
		struct fuzz_edge *e = &run->edges[i];

		if (!e->used) {
			free_rec = free_rec ? free_rec : e;
			continue;
		}
		if (e->port == port && e->v6 == v6 && memcmp(e->addr, addr, alen) == 0)
			return e;
	}
	if (free_rec == NULL)
		return NULL;
	memset(free_rec, 0, sizeof(*free_rec));
	memcpy(free_rec->addr, addr, alen);
	free_rec->port = port;
	free_rec->v6 = v6;
	return free_rec;
}

/*
 * RFC 9293 §3.8.6 / RFC 7323 §2.4: the right edge of the offered window
 * (SEG.ACK + SEG.WND << shift) never moves left on a connection; lib/tcprx
 * promises it. A SYN-ACK starts a connection's record.
 */
static const char *check_window_edge(struct fuzz_run *run, const uint8_t *peer_addr, bool v6,
				     const struct rte_tcp_hdr *th, uint32_t doff)
{
	uint16_t dport = rte_be_to_cpu_16(th->dst_port);
	bool syn = th->tcp_flags & RTE_TCP_SYN_FLAG;
	struct fuzz_edge *e;
	uint32_t edge;

	if (rte_be_to_cpu_16(th->src_port) != FUZZ_PORT ||
	    (th->tcp_flags & RTE_TCP_RST_FLAG) || !(th->tcp_flags & RTE_TCP_ACK_FLAG))
		return NULL;
	e = edge_record(run, peer_addr, dport, v6);
	if (e == NULL)
		return NULL;
	if (syn) {
		e->shift = synack_wscale((const uint8_t *)(th + 1), doff - 20);
		e->edge = rte_be_to_cpu_32(th->recv_ack) + rte_be_to_cpu_16(th->rx_win);
		e->used = true;
		return NULL;
	}
	edge = rte_be_to_cpu_32(th->recv_ack) + ((uint32_t)rte_be_to_cpu_16(th->rx_win) << e->shift);
	if (e->used && (int32_t)(edge - e->edge) < 0) {
		fprintf(stderr, "fuzz_tcprx: peer port %u: right edge %u after %u\n", dport, edge,
			e->edge);
		return "the window's right edge moved left";
	}
	e->edge = edge;
	e->used = true;
	return NULL;
}

static const char *check_tcp_out(struct fuzz_run *run, const void *l3, bool v6,
				 const struct rte_tcp_hdr *th, uint32_t l4_len)
{
	uint32_t doff = (uint32_t)(th->data_off >> 4) * 4u;
	uint16_t dport = rte_be_to_cpu_16(th->dst_port);

	if (l4_len < 20 || doff < 20 || doff > l4_len)
		return "TCP header length";
	if (doff != l4_len)
		return "a receive-only stack sent payload";
	if ((v6 ? rte_ipv6_udptcp_cksum_verify(l3, th) : rte_ipv4_udptcp_cksum_verify(l3, th)) != 0)
		return "TCP checksum";
	if ((th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
	    (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) && dport >= 40000 && dport < 40000 + FUZZ_PEERS)
		run->stack_iss[dport - 40000][v6] = rte_be_to_cpu_32(th->sent_seq);
	return check_window_edge(run, v6 ? (const uint8_t *)&((const struct rte_ipv6_hdr *)l3)->dst_addr :
				 (const uint8_t *)&((const struct rte_ipv4_hdr *)l3)->dst_addr,
				 v6, th, doff);
}

static const char *check_ipv4_out(struct fuzz_run *run, const uint8_t *b, uint32_t len)
{
	const struct rte_ipv4_hdr *ip = (const void *)(b + 14);
	uint32_t tot;

	if (len < 14 + 20 || ip->version_ihl != RTE_IPV4_VHL_DEF)
		return "IPv4 header";
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot < 40 || 14 + tot > len)
		return "IPv4 total length";
	if (rte_raw_cksum(ip, 20) != 0xffff)
		return "IPv4 header checksum";
	if (ip->next_proto_id != IPPROTO_TCP)
		return "IPv4 protocol";
	return check_tcp_out(run, ip, false, (const void *)(ip + 1), tot - 20);
}

static const char *check_ipv6_out(struct fuzz_run *run, const uint8_t *b, uint32_t len)
{
	const struct rte_ipv6_hdr *ip = (const void *)(b + 14);
	uint32_t plen;

	if (len < 14 + 40 || (rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
		return "IPv6 header";
	plen = rte_be_to_cpu_16(ip->payload_len);
	if (14 + 40 + plen > len)
		return "IPv6 payload length";
	if (ip->proto == IPPROTO_ICMPV6)
		return rte_ipv6_udptcp_cksum_verify(ip, ip + 1) == 0 ? NULL : "ICMPv6 checksum";
	if (ip->proto != IPPROTO_TCP)
		return "IPv6 next header";
	return check_tcp_out(run, ip, true, (const void *)(ip + 1), plen);
}

const char *fuzz_check_out_frame(struct fuzz_run *run, const struct rte_mbuf *m)
{
	const uint8_t *b = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t type;

	if (m->nb_segs != 1 || m->data_len != m->pkt_len || m->data_len < 14)
		return "not one segment of at least an Ethernet header";
	if (memcmp(b + 6, &fuzz_our_mac, 6) != 0)
		return "source MAC is not ours";
	type = rte_be_to_cpu_16(((const struct rte_ether_hdr *)b)->ether_type);
	if (type == RTE_ETHER_TYPE_ARP)
		return m->data_len >= 42 ? NULL : "short ARP";
	if (type == RTE_ETHER_TYPE_IPV4)
		return check_ipv4_out(run, b, m->data_len);
	if (type == RTE_ETHER_TYPE_IPV6)
		return check_ipv6_out(run, b, m->data_len);
	return "unknown ethertype";
}

/* ------------------------------------------------------------------ */
/* the application                                                     */
/* ------------------------------------------------------------------ */

static void accept_all(struct fuzz_run *run)
{
	struct tcprx_conn *c;

	while ((c = tcprx_accept(run->rx)) != NULL) {
		if (run->nb_conns == FUZZ_CONNS) {
			tcprx_close(c);
			continue;
		}
		run->conns[run->nb_conns++] = c;
	}
}

/* A fragment must lie inside the dmabuf, or be readable host memory when LINEAR. */
static void check_frag(const struct devmem_frag *f)
{
	if (f->frag_size == 0)
		FAIL("empty fragment, token %u", f->frag_token);
	if (f->flags & DEVMEM_FRAG_LINEAR) {
		const volatile uint8_t *p = (const volatile uint8_t *)(uintptr_t)f->frag_offset;

		(void)p[0];
		(void)p[f->frag_size - 1];  /* ASan: a freed or foreign buffer shows here */
		return;
	}
	if (f->frag_offset + f->frag_size > 8u << 20)
		FAIL("fragment [%" PRIu64 ", +%u) outside the 8 MiB dmabuf", f->frag_offset,
		     f->frag_size);
}

/* The readers must agree with each other on any connection the application holds. */
static void check_conn(struct tcprx_conn *c)
{
	struct tcprx_conn_info info;
	struct tcprx_conn_stats st;

	if (tcprx_conn_info(c, &info) != 0 || tcprx_conn_stats(c, &st) != 0)
		FAIL("conn_info/conn_stats refused a live connection");
	if (tcprx_state_name(info.state) == NULL)
		FAIL("no name for state %d", (int)info.state);
	if (st.tokens_granted < st.tokens_returned || info.tokens_held > info.chunks_held ||
	    st.bytes_delivered > st.bytes_in_order)
		FAIL("counters disagree: granted %" PRIu64 " returned %" PRIu64 ", tokens held %u "
		     "chunks held %u, delivered %" PRIu64 " in order %" PRIu64, st.tokens_granted,
		     st.tokens_returned, info.tokens_held, info.chunks_held, st.bytes_delivered,
		     st.bytes_in_order);
}

void fuzz_app_recv(struct fuzz_run *run)
{
	struct devmem_frag frags[16];
	struct tcprx_tsval ts[16];
	unsigned int idx, want, i, b;
	bool with_ts;
	int n;

	accept_all(run);
	idx = fuzz_take8(run);
	b = fuzz_take8(run);
	want = 1 + b % 16;
	with_ts = (b & 16) != 0; /* the same byte: existing inputs keep their meaning */
	if (run->nb_conns == 0)
		return;
	idx %= run->nb_conns;
	n = with_ts ? tcprx_recv_tsval(run->conns[idx], frags, ts, want) :
		      tcprx_recv(run->conns[idx], frags, want);
	if (n < 0 && n != -EAGAIN && n != -ECONNRESET && n != -ENOBUFS)
		FAIL("tcprx_recv: unexpected %d", n);
	check_conn(run->conns[idx]);
	for (i = 0; n > 0 && i < (unsigned int)n; i++) {
		check_frag(&frags[i]);
		if (with_ts && !ts[i].present && ts[i].val != 0)
			FAIL("tcprx_recv_tsval: TSval %u without a timestamp option", ts[i].val);
		run->frags_received++;
		if (run->nb_held < FUZZ_TOKENS) {
			run->held[run->nb_held].conn = idx;
			run->held[run->nb_held++].token = frags[i].frag_token;
		}
	}
}

/* Forget a closed connection: its tokens, and the last one moves into its slot. */
static void forget_conn(struct fuzz_run *run, unsigned int idx)
{
	unsigned int i, j = 0, last = run->nb_conns - 1;

	for (i = 0; i < run->nb_held; i++) {
		if (run->held[i].conn == idx)
			continue;
		run->held[j] = run->held[i];
		if (run->held[j].conn == last)
			run->held[j].conn = idx;
		j++;
	}
	run->nb_held = j;
	run->conns[idx] = run->conns[last];
	run->nb_conns--;
}

/* One range: a token we hold (removed from our list) or a forged one. */
static struct devmem_token_range pick_range(struct fuzz_run *run, unsigned int idx)
{
	struct devmem_token_range r;
	uint8_t mode = fuzz_take8(run);

	if ((mode & 1) && run->nb_held) {
		unsigned int k = fuzz_take8(run) % run->nb_held;

		r.token_start = run->held[k].token;
		r.token_count = 1u + (mode >> 1) % 3u;
		if (run->held[k].conn == idx)
			run->held[k] = run->held[--run->nb_held];
		return r;
	}
	r.token_start = fuzz_take32(run);
	r.token_count = fuzz_take8(run) % 5u;
	return r;
}

void fuzz_app_return(struct fuzz_run *run)
{
	struct devmem_token_range ranges[DEVMEM_DONTNEED_MAX_RANGES + 1];
	uint8_t ctl = fuzz_take8(run);
	unsigned int idx = fuzz_take8(run), nr, i;
	uint64_t most = 0;
	int ret;

	if (run->nb_conns == 0)
		return;
	idx %= run->nb_conns;
	if (ctl & 0x80) {
		if (tcprx_close(run->conns[idx]) != 0)
			FAIL("tcprx_close refused a live connection");
		forget_conn(run, idx);
		return;
	}
	nr = (ctl & 0x40) ? DEVMEM_DONTNEED_MAX_RANGES + 1 : 1u + ctl % 4u;
	for (i = 0; i < nr; i++) {
		ranges[i] = pick_range(run, idx);
		most += ranges[i].token_count;
	}
	ret = tcprx_dontneed(run->conns[idx], ranges, nr);
	if (nr > DEVMEM_DONTNEED_MAX_RANGES ? ret != -EINVAL : (ret < 0 || (uint64_t)ret > most))
		FAIL("tcprx_dontneed(%u ranges, at most %" PRIu64 " tokens) returned %d", nr, most, ret);
}

/* Before destroy: the application closes every other connection itself. */
void fuzz_app_close_some(struct fuzz_run *run)
{
	unsigned int i;

	accept_all(run);
	for (i = run->nb_conns; i-- > 0;)
		if (i % 2 == 0 && tcprx_close(run->conns[i]) != 0)
			FAIL("tcprx_close refused a live connection");
	run->nb_conns = 0;
}
