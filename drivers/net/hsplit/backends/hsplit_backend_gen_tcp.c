/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend=gen,handshake=1: the generator as a minimal TCP sender per flow.
 *
 * Flow f (10.1.(f mod 256).1:10000+f -> 10.2.0.1:dport, ISS f * 2^28) opens
 * with a SYN carrying MSS, SACK-permitted, timestamps and window scale, learns
 * the receiver's ISS and options from the SYN-ACK the port transmits, sends
 * the completing ACK, then sends full-sized data segments only inside the
 * window the receiver advertises (SEG.ACK + SEG.WND << wscale). Payload byte
 * k of the stream (k = seq - ISS - 1) is rte_pmd_hsplit_gen_byte(k).
 *
 * In process nothing is lost unless the receiver drops, so recovery is the
 * simplest that cannot stall: go-back-N from the last ACK after three
 * duplicate ACKs or rto= ms (200, Linux's minimum RTO) without progress, a SYN resent after
 * rto=, and a zero-window probe when the window stays closed. Every
 * such event and every odd frame from the port is counted
 * (rte_pmd_hsplit_gen_tcp_stats).
 *
 * Frames to the port come from rx_burst (device lock), the port's frames
 * arrive in tx_burst (transmit lock): the flow table has its own lock.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>
#include <rte_tcp.h>

#include <rte_string_fns.h>

#include "hsplit_gen.h"
#include "rte_pmd_hsplit.h"

#define GT_PERIOD     251u
#define GT_SLOTS      HSPLIT_GEN_BURST
#define GT_ISN_STEP   0x10000000u
#define GT_SCAN_MS    1u
#define GT_HDR        (RTE_ETHER_HDR_LEN + 20u + 20u)   /* no options */
#define GT_TS_OPT     12u                               /* NOP NOP TS */
#define GT_SYN_OPT    20u                               /* MSS SACKOK TS NOP WS */
#define GT_SLOT_MIN   128u
#define GT_OUR_WINDOW 65535u

enum gt_state { GT_CLOSED, GT_SYN_SENT, GT_ACK_DUE, GT_ESTABLISHED, GT_RESET };

struct gt_flow {
	uint8_t state;
	bool queued;
	bool probe_due;
	bool ts_ok;
	uint8_t snd_wscale;    /* the receiver's shift for its window */
	uint8_t dupacks;
	uint16_t mss;          /* payload bytes per segment, options excluded */
	uint32_t irs;          /* the receiver's ISS */
	uint32_t ts_recent;    /* its latest TSval, echoed */
	uint64_t snd_una;      /* stream offsets (bytes after the SYN) */
	uint64_t snd_nxt;
	uint64_t snd_max;      /* highest offset ever sent */
	uint64_t wnd_right;    /* right edge of the receiver's window */
	uint64_t progress_tsc; /* last ACK advance, SYN or probe */
};

struct gt_backend {
	struct hsplit_backend base;
	const struct hsplit_gen_conf *args;
	struct hsplit_gen_conf conf;
	rte_spinlock_t lock;
	uint32_t pay_len;             /* full segment: size - headers with timestamps */
	uint32_t slot_size;
	uint8_t *pattern;             /* GT_PERIOD + pay_len bytes */
	uint32_t pay_sum[GT_PERIOD];  /* raw sum of a full segment at each phase */
	uint8_t *slots;
	struct gt_flow *flows;
	uint32_t *ready;              /* FIFO of flows with something to send */
	uint32_t ready_mask, ready_head, ready_tail;
	uint64_t hz_ms, last_scan, data_new;
	uint16_t ip_id;
	struct rte_pmd_hsplit_gen_tcp_stats st;
};

static struct gt_backend *gt_of(struct hsplit_backend *be)
{
	return container_of(be, struct gt_backend, base);
}

static uint32_t flow_iss(uint32_t f)
{
	return f * GT_ISN_STEP;
}

/* The sequence number of stream offset `off` of flow f (the SYN took ISS). */
static uint32_t flow_seq(uint32_t f, uint64_t off)
{
	return flow_iss(f) + 1u + (uint32_t)off;
}

static void ready_push(struct gt_backend *g, uint32_t f)
{
	if (g->flows[f].queued)
		return;
	g->flows[f].queued = true;
	g->ready[g->ready_tail++ & g->ready_mask] = f;
}

static bool ready_pop(struct gt_backend *g, uint32_t *f)
{
	if (g->ready_head == g->ready_tail)
		return false;
	*f = g->ready[g->ready_head++ & g->ready_mask];
	g->flows[*f].queued = false;
	return true;
}

/* Bytes of the next segment the window (and count=) allow now; 0 = none. */
static uint32_t sendable(const struct gt_backend *g, const struct gt_flow *fl)
{
	uint64_t room = fl->wnd_right > fl->snd_nxt ? fl->wnd_right - fl->snd_nxt : 0;
	uint32_t seg = fl->mss;

	if (fl->state != GT_ESTABLISHED)
		return 0;
	if (fl->snd_nxt >= fl->snd_max && g->args->gen_count && g->data_new >= g->args->gen_count)
		return 0;
	if (room >= seg)
		return seg;
	/* Less than a segment: only when nothing is in flight (sender SWS avoidance). */
	return fl->snd_nxt == fl->snd_una ? (uint32_t)room : 0;
}

/* Ethernet + IPv4 + TCP without options; returns the TCP header. */
static struct rte_tcp_hdr *write_headers(struct gt_backend *g, uint8_t *frame, uint32_t f,
					 uint32_t opt_len, uint32_t pay_len)
{
	const struct hsplit_gen_conf *a = g->args;
	struct rte_ether_hdr *eh = (void *)frame;
	struct rte_ipv4_hdr *ip = (void *)(eh + 1);
	struct rte_tcp_hdr *th = (void *)(ip + 1);

	rte_ether_addr_copy(a->mac, &eh->dst_addr);
	eh->src_addr = (struct rte_ether_addr){ { 0x02, 0x67, 0x65, 0x6e, 0x00, 0x01 } };
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(40u + opt_len + pay_len));
	ip->packet_id = rte_cpu_to_be_16(g->ip_id++);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 1, f & 0xff, 1));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 2, 0, 1));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16((uint16_t)(10000 + f));
	th->dst_port = rte_cpu_to_be_16(a->gen_dport);
	th->data_off = (uint8_t)(((20u + opt_len) / 4) << 4);
	th->rx_win = rte_cpu_to_be_16(GT_OUR_WINDOW);
	return th;
}

static uint32_t ts_now(const struct gt_backend *g)
{
	return (uint32_t)(rte_get_tsc_cycles() / g->hz_ms);
}

/* The timestamp option itself (kind 8, 10 bytes): our TSval, their TSval echoed. */
static void write_ts_kind(const struct gt_backend *g, uint8_t *opt, uint32_t tsecr)
{
	uint32_t v;

	opt[0] = 8;
	opt[1] = 10;
	v = rte_cpu_to_be_32(ts_now(g));
	memcpy(opt + 2, &v, 4);
	v = rte_cpu_to_be_32(tsecr);
	memcpy(opt + 6, &v, 4);
}

/* NOP NOP TS, as Linux aligns it on every segment after the SYN. */
static void write_ts(const struct gt_backend *g, uint8_t *opt, uint32_t tsecr)
{
	opt[0] = 1;
	opt[1] = 1;
	write_ts_kind(g, opt + 2, tsecr);
}

/* The TCP checksum over header and options plus a payload sum. */
static void tcp_checksum(uint8_t *frame, uint32_t tcp_len_hdr, uint32_t pay_sum)
{
	struct rte_ipv4_hdr *ip = (void *)(frame + RTE_ETHER_HDR_LEN);
	struct rte_tcp_hdr *th = (void *)(ip + 1);
	uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);

	th->cksum = 0;
	sum = __rte_raw_cksum(th, tcp_len_hdr, sum);
	sum += pay_sum;
	th->cksum = (uint16_t)~__rte_raw_cksum_reduce(sum);
}

static uint32_t write_syn(struct gt_backend *g, uint8_t *frame, uint32_t f)
{
	struct rte_tcp_hdr *th = write_headers(g, frame, f, GT_SYN_OPT, 0);
	uint8_t *o = (uint8_t *)(th + 1);
	uint16_t mss = rte_cpu_to_be_16((uint16_t)(g->pay_len + GT_TS_OPT));

	th->sent_seq = rte_cpu_to_be_32(flow_iss(f));
	th->tcp_flags = RTE_TCP_SYN_FLAG;
	/* MSS, SACK permitted, TS, NOP, WS: Linux's order, 20 bytes. */
	o[0] = 2;
	o[1] = 4;
	memcpy(o + 2, &mss, 2);
	o[4] = 4;
	o[5] = 2;
	write_ts_kind(g, o + 6, 0);
	o[16] = 1;
	o[17] = 3;
	o[18] = 3;
	o[19] = 0;  /* shift 0: our window needs no scaling, but theirs may */
	tcp_checksum(frame, 20u + GT_SYN_OPT, 0);
	g->st.syn_out++;
	return GT_HDR + GT_SYN_OPT;
}

/* A pure ACK at `off` (the completing ACK, or a zero-window probe at snd_nxt - 1). */
static uint32_t write_ack(struct gt_backend *g, uint8_t *frame, uint32_t f, uint64_t off,
			  bool probe)
{
	struct gt_flow *fl = &g->flows[f];
	uint32_t opt = fl->ts_ok ? GT_TS_OPT : 0;
	struct rte_tcp_hdr *th = write_headers(g, frame, f, opt, 0);

	th->sent_seq = rte_cpu_to_be_32(flow_seq(f, off) - (probe ? 1u : 0u));
	th->recv_ack = rte_cpu_to_be_32(fl->irs + 1u);
	th->tcp_flags = RTE_TCP_ACK_FLAG;
	if (opt)
		write_ts(g, (uint8_t *)(th + 1), fl->ts_recent);
	tcp_checksum(frame, 20u + opt, 0);
	return GT_HDR + opt;
}

static uint32_t write_data(struct gt_backend *g, uint8_t *frame, uint32_t f, uint32_t len)
{
	struct gt_flow *fl = &g->flows[f];
	uint32_t opt = fl->ts_ok ? GT_TS_OPT : 0;
	struct rte_tcp_hdr *th = write_headers(g, frame, f, opt, len);
	uint32_t phase = (uint32_t)(fl->snd_nxt % GT_PERIOD);

	th->sent_seq = rte_cpu_to_be_32(flow_seq(f, fl->snd_nxt));
	th->recv_ack = rte_cpu_to_be_32(fl->irs + 1u);
	th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	if (opt)
		write_ts(g, (uint8_t *)(th + 1), fl->ts_recent);
	memcpy((uint8_t *)(th + 1) + opt, g->pattern + phase, len);
	tcp_checksum(frame, 20u + opt, len == g->pay_len ? g->pay_sum[phase] :
				       __rte_raw_cksum(g->pattern + phase, len, 0));
	if (fl->snd_nxt < fl->snd_max) {
		g->st.data_retrans++;
	} else {
		g->data_new++;
		g->st.data_segs++;
		g->st.data_bytes += len;
	}
	fl->snd_nxt += len;
	fl->snd_max = RTE_MAX(fl->snd_max, fl->snd_nxt);
	return GT_HDR + opt + len;
}

/* The next frame of flow f, or 0 when it has nothing to send now. */
static uint32_t flow_emit(struct gt_backend *g, uint8_t *frame, uint32_t f, uint64_t now)
{
	struct gt_flow *fl = &g->flows[f];
	uint32_t len;

	switch (fl->state) {
	case GT_CLOSED:
		fl->state = GT_SYN_SENT;
		fl->progress_tsc = now;
		return write_syn(g, frame, f);
	case GT_ACK_DUE:
		fl->state = GT_ESTABLISHED;
		fl->progress_tsc = now;
		len = write_ack(g, frame, f, fl->snd_nxt, false);
		break;
	case GT_ESTABLISHED:
		if (fl->probe_due) {
			fl->probe_due = false;
			g->st.window_probes++;
			len = write_ack(g, frame, f, fl->snd_nxt, true);
			break;
		}
		len = sendable(g, fl);
		if (len == 0)
			return 0;
		len = write_data(g, frame, f, len);
		break;
	default:
		return 0;
	}
	if (sendable(g, fl))
		ready_push(g, f);
	return len;
}

/* Every GT_SCAN_MS: resend SYNs, go back N, or probe a closed window after rto= ms. */
static void flow_timers(struct gt_backend *g, uint64_t now)
{
	uint64_t rto = g->hz_ms * g->args->gen_rto_ms;
	uint32_t f;

	if (now - g->last_scan < g->hz_ms * GT_SCAN_MS)
		return;
	g->last_scan = now;
	for (f = 0; f < g->args->gen_flows; f++) {
		struct gt_flow *fl = &g->flows[f];

		if (now - fl->progress_tsc < rto)
			continue;
		if (fl->state == GT_SYN_SENT) {
			fl->state = GT_CLOSED;
			g->st.syn_retrans++;
		} else if (fl->state != GT_ESTABLISHED) {
			continue;
		} else if (fl->snd_una < fl->snd_nxt) {
			fl->snd_nxt = fl->snd_una;
			g->st.rto_events++;
		} else if (sendable(g, fl) == 0 &&
			   !(g->args->gen_count && g->data_new >= g->args->gen_count)) {
			fl->probe_due = true;
		} else {
			continue;
		}
		fl->progress_tsc = now;
		ready_push(g, f);
	}
}

static int gt_rx_burst(struct hsplit_backend *be, struct hsplit_frame *frames, unsigned int n)
{
	struct gt_backend *g = gt_of(be);
	uint64_t now = rte_get_tsc_cycles();
	unsigned int i = 0;
	uint32_t f;

	rte_spinlock_lock(&g->lock);
	flow_timers(g, now);
	n = RTE_MIN(n, GT_SLOTS);
	while (i < n && ready_pop(g, &f)) {
		uint8_t *frame = g->slots + (size_t)i * g->slot_size;
		uint32_t len = flow_emit(g, frame, f, now);

		if (len == 0)
			continue;
		frames[i].data = frame;
		frames[i].len = len;
		i++;
	}
	rte_spinlock_unlock(&g->lock);
	return (int)i;
}

static void gt_rx_done(struct hsplit_backend *be, unsigned int count)
{
	RTE_SET_USED(be);
	RTE_SET_USED(count);
}

/* The receiver's options from its SYN-ACK; false on a malformed list. */
static bool parse_synack_options(struct gt_flow *fl, const uint8_t *o, uint32_t len,
				 uint16_t *mss, int *wscale)
{
	uint32_t i = 0;

	*mss = 536;
	*wscale = -1;
	fl->ts_ok = false;
	while (i < len) {
		uint8_t kind = o[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || (olen = o[i + 1]) < 2 || i + olen > len)
			return false;
		if (kind == 2 && olen == 4)
			*mss = (uint16_t)(o[i + 2] << 8 | o[i + 3]);
		else if (kind == 3 && olen == 3)
			*wscale = RTE_MIN(o[i + 2], 14);
		else if (kind == 8 && olen == 10) {
			fl->ts_ok = true;
			fl->ts_recent = (uint32_t)o[i + 2] << 24 | (uint32_t)o[i + 3] << 16 |
					(uint32_t)o[i + 4] << 8 | o[i + 5];
		}
		i += olen;
	}
	return true;
}

/* TSval of a non-SYN segment, if it carries the timestamp option. */
static void take_tsval(struct gt_flow *fl, const uint8_t *o, uint32_t len)
{
	uint32_t i = 0;

	while (i + 1 < len && o[i] != 0) {
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (o[i + 1] < 2 || i + o[i + 1] > len)
			return;
		if (o[i] == 8 && o[i + 1] == 10) {
			fl->ts_recent = (uint32_t)o[i + 2] << 24 | (uint32_t)o[i + 3] << 16 |
					(uint32_t)o[i + 4] << 8 | o[i + 5];
			return;
		}
		i += o[i + 1];
	}
}

static void on_synack(struct gt_backend *g, uint32_t f, const struct rte_tcp_hdr *th,
		      const uint8_t *opt, uint32_t opt_len)
{
	struct gt_flow *fl = &g->flows[f];
	uint16_t mss;
	int ws;

	if (fl->state == GT_ESTABLISHED || fl->state == GT_ACK_DUE) {
		g->st.synack_dup++;  /* our ACK was lost or late: send it again */
		fl->state = GT_ACK_DUE;
		ready_push(g, f);
		return;
	}
	if (fl->state != GT_SYN_SENT ||
	    rte_be_to_cpu_32(th->recv_ack) != flow_iss(f) + 1u ||
	    !parse_synack_options(fl, opt, opt_len, &mss, &ws)) {
		g->st.odd_frames++;
		return;
	}
	fl->irs = rte_be_to_cpu_32(th->sent_seq);
	fl->snd_wscale = ws < 0 ? 0 : (uint8_t)ws;
	fl->mss = (uint16_t)RTE_MIN((uint32_t)mss - (fl->ts_ok ? GT_TS_OPT : 0), g->pay_len);
	fl->snd_una = fl->snd_nxt = fl->snd_max = 0;
	fl->wnd_right = rte_be_to_cpu_16(th->rx_win);  /* never scaled in a SYN-ACK */
	fl->state = GT_ACK_DUE;
	g->st.synack_in++;
	ready_push(g, f);
}

/* An ACK from the receiver: advance snd_una, take the window, count duplicates. */
static void on_ack(struct gt_backend *g, uint32_t f, const struct rte_tcp_hdr *th)
{
	struct gt_flow *fl = &g->flows[f];
	uint32_t una_seq = flow_seq(f, fl->snd_una);
	int32_t adv = (int32_t)(rte_be_to_cpu_32(th->recv_ack) - una_seq);
	uint64_t right;

	if (adv < 0 || fl->snd_una + (uint32_t)adv > fl->snd_max) {
		g->st.ack_out_of_range++;
		return;
	}
	right = fl->snd_una + (uint32_t)adv +
		((uint64_t)rte_be_to_cpu_16(th->rx_win) << fl->snd_wscale);
	if (right < fl->wnd_right)
		g->st.window_shrunk++;
	g->st.acks_in++;
	if (adv == 0 && right == fl->wnd_right && fl->snd_nxt > fl->snd_una) {
		g->st.dup_acks++;
		if (++fl->dupacks == 3) {
			fl->snd_nxt = fl->snd_una;
			g->st.fast_retrans++;
		}
	} else if (adv > 0) {
		fl->dupacks = 0;
		fl->snd_una += (uint32_t)adv;
		fl->snd_nxt = RTE_MAX(fl->snd_nxt, fl->snd_una);
		fl->progress_tsc = rte_get_tsc_cycles();
	}
	if (right > fl->wnd_right)
		fl->progress_tsc = rte_get_tsc_cycles();
	fl->wnd_right = right;
	if (sendable(g, fl))
		ready_push(g, f);
}

/* One frame the port sent: which flow, and what it says. */
static void take_port_frame(struct gt_backend *g, const uint8_t *d, uint32_t len)
{
	const struct rte_ipv4_hdr *ip = (const void *)(d + RTE_ETHER_HDR_LEN);
	const struct rte_tcp_hdr *th;
	uint32_t ihl, thl, f;

	if (len < GT_HDR || ((const struct rte_ether_hdr *)d)->ether_type !=
			    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    ip->next_proto_id != IPPROTO_TCP) {
		g->st.tx_not_tcp++;
		return;
	}
	ihl = (ip->version_ihl & 0xf) * 4u;
	th = (const void *)((const uint8_t *)ip + ihl);
	thl = (uint32_t)(th->data_off >> 4) * 4u;
	f = (uint32_t)rte_be_to_cpu_16(th->dst_port) - 10000u;
	if (ihl < 20 || thl < 20 || RTE_ETHER_HDR_LEN + ihl + thl > len ||
	    f >= g->args->gen_flows || rte_be_to_cpu_16(th->src_port) != g->args->gen_dport) {
		g->st.odd_frames++;
		return;
	}
	if (th->tcp_flags & RTE_TCP_RST_FLAG) {
		g->st.rst_in++;
		g->flows[f].state = GT_RESET;
	} else if ((th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
		   (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) {
		on_synack(g, f, th, (const uint8_t *)(th + 1), thl - 20u);
	} else if ((th->tcp_flags & RTE_TCP_ACK_FLAG) && g->flows[f].state == GT_ESTABLISHED) {
		take_tsval(&g->flows[f], (const uint8_t *)(th + 1), thl - 20u);
		on_ack(g, f, th);
	} else {
		g->st.odd_frames++;
	}
}

static int gt_tx_burst(struct hsplit_backend *be, const struct hsplit_frame *frames,
		       unsigned int n)
{
	struct gt_backend *g = gt_of(be);
	unsigned int i;

	rte_spinlock_lock(&g->lock);
	for (i = 0; i < n; i++)
		take_port_frame(g, frames[i].data, frames[i].len);
	g->st.tx_frames += n;
	rte_spinlock_unlock(&g->lock);
	return (int)n;
}

static bool gt_link_up(struct hsplit_backend *be)
{
	RTE_SET_USED(be);
	return true;
}

/* Port start: every flow opens again from the SYN, the stream from offset 0. */
static int gt_start(struct hsplit_backend *be)
{
	struct gt_backend *g = gt_of(be);
	uint32_t f;

	rte_spinlock_lock(&g->lock);
	memset(g->flows, 0, sizeof(*g->flows) * g->args->gen_flows);
	memset(&g->st, 0, sizeof(g->st));
	g->ready_head = g->ready_tail = 0;
	g->data_new = 0;
	for (f = 0; f < g->args->gen_flows; f++)
		ready_push(g, f);
	g->last_scan = rte_get_tsc_cycles();
	rte_spinlock_unlock(&g->lock);
	return 0;
}

static void gt_close(struct hsplit_backend *be)
{
	struct gt_backend *g = gt_of(be);

	rte_free(g->pattern);
	rte_free(g->slots);
	rte_free(g->flows);
	rte_free(g->ready);
	rte_free(g);
}

static int gt_alloc(struct gt_backend *g)
{
	uint32_t i, flows = g->args->gen_flows;

	g->ready_mask = rte_align32pow2(flows) - 1;
	g->slot_size = RTE_MAX(g->args->gen_size, GT_SLOT_MIN);
	g->pattern = rte_malloc("hsplit_gt_pattern", GT_PERIOD + g->pay_len, 0);
	g->slots = rte_malloc("hsplit_gt_slots", (size_t)GT_SLOTS * g->slot_size, 0);
	g->flows = rte_zmalloc("hsplit_gt_flows", sizeof(*g->flows) * flows, 0);
	g->ready = rte_malloc("hsplit_gt_ready", sizeof(*g->ready) * (g->ready_mask + 1), 0);
	if (g->pattern == NULL || g->slots == NULL || g->flows == NULL || g->ready == NULL)
		return -ENOMEM;
	for (i = 0; i < GT_PERIOD + g->pay_len; i++)
		g->pattern[i] = rte_pmd_hsplit_gen_byte(i);
	for (i = 0; i < GT_PERIOD; i++)
		g->pay_sum[i] = __rte_raw_cksum(g->pattern + i, g->pay_len, 0);
	return 0;
}

int hsplit_gen_tcp_open(const struct hsplit_gen_conf *args, const char *port_name,
			struct hsplit_backend **out)
{
	struct gt_backend *g;

	if (args->gen_proto != HSPLIT_GEN_TCP || args->gen_ipv6 || args->gen_rate != 0 ||
	    args->gen_size <= GT_HDR + GT_TS_OPT) {
		HSPLIT_LOG(ERR, "%s: handshake=1 needs proto=tcp, l3=ipv4, no rate= and size > %u "
			   "(got proto=%s l3=%s rate=%" PRIu64 " size=%u)", port_name,
			   GT_HDR + GT_TS_OPT, args->gen_proto == HSPLIT_GEN_TCP ? "tcp" :
			   args->gen_proto == HSPLIT_GEN_UDP ? "udp" : "icmp",
			   args->gen_ipv6 ? "ipv6" : "ipv4", args->gen_rate, args->gen_size);
		return -EINVAL;
	}
	g = rte_zmalloc("hsplit_gen_tcp", sizeof(*g), RTE_CACHE_LINE_SIZE);
	if (g == NULL)
		return -ENOMEM;
	g->base.ops = &hsplit_backend_gen_tcp_ops;
	strlcpy(g->base.port_name, port_name, sizeof(g->base.port_name));
	g->conf = *args;
	g->args = &g->conf;
	rte_spinlock_init(&g->lock);
	g->pay_len = args->gen_size - GT_HDR - GT_TS_OPT;
	g->hz_ms = RTE_MAX(rte_get_tsc_hz() / 1000u, (uint64_t)1);
	if (gt_alloc(g) < 0) {
		gt_close(&g->base);
		return -ENOMEM;
	}
	*out = &g->base;
	return 0;
}

static int gt_stats_get(struct hsplit_backend *be, enum hsplit_backend_stats_kind kind, void *out)
{
	struct rte_pmd_hsplit_gen_tcp_stats *st = out;
	struct gt_backend *g = gt_of(be);
	uint32_t f;

	if (kind != HSPLIT_BACKEND_STATS_GEN_TCP)
		return -ENOTSUP;
	rte_spinlock_lock(&g->lock);
	*st = g->st;
	st->established = st->resets = 0;
	st->acked_bytes = 0;
	for (f = 0; f < g->args->gen_flows; f++) {
		st->established += g->flows[f].state == GT_ESTABLISHED;
		st->resets += g->flows[f].state == GT_RESET;
		st->acked_bytes += g->flows[f].snd_una;
	}
	rte_spinlock_unlock(&g->lock);
	return 0;
}

/* The sender's counters as xstats (backend_<name>), from the same snapshot as stats_get. */
#define GT_XSTAT(f) { #f, offsetof(struct rte_pmd_hsplit_gen_tcp_stats, f), \
		      sizeof(((struct rte_pmd_hsplit_gen_tcp_stats *)0)->f) }
static const struct {
	const char *name;
	size_t off, size;
} gt_xstats[] = {
	GT_XSTAT(syn_out), GT_XSTAT(synack_in), GT_XSTAT(data_segs), GT_XSTAT(data_bytes),
	GT_XSTAT(acks_in), GT_XSTAT(tx_frames), GT_XSTAT(acked_bytes), GT_XSTAT(established),
	GT_XSTAT(resets), GT_XSTAT(syn_retrans), GT_XSTAT(synack_dup), GT_XSTAT(data_retrans),
	GT_XSTAT(dup_acks), GT_XSTAT(fast_retrans), GT_XSTAT(rto_events),
	GT_XSTAT(window_probes), GT_XSTAT(window_shrunk), GT_XSTAT(ack_out_of_range),
	GT_XSTAT(rst_in), GT_XSTAT(tx_not_tcp), GT_XSTAT(odd_frames),
};

static int gt_xstats_get(struct hsplit_backend *be, struct hsplit_backend_xstat *xs,
			 unsigned int n)
{
	struct rte_pmd_hsplit_gen_tcp_stats st;
	unsigned int i;

	if (n < RTE_DIM(gt_xstats))
		return (int)RTE_DIM(gt_xstats);
	gt_stats_get(be, HSPLIT_BACKEND_STATS_GEN_TCP, &st);
	for (i = 0; i < RTE_DIM(gt_xstats); i++) {
		const uint8_t *p = (const uint8_t *)&st + gt_xstats[i].off;

		snprintf(xs[i].name, sizeof(xs[i].name), "gen_tcp_%s", gt_xstats[i].name);
		xs[i].value = gt_xstats[i].size == sizeof(uint32_t) ? *(const uint32_t *)p :
			      *(const uint64_t *)p;
	}
	return (int)RTE_DIM(gt_xstats);
}

/* Reached through gen's open (handshake=1), never by name: no open of its own. */
const struct hsplit_backend_ops hsplit_backend_gen_tcp_ops = {
	.name = "gen",
	.close = gt_close,
	.start = gt_start,
	.rx_burst = gt_rx_burst,
	.rx_done = gt_rx_done,
	.tx_burst = gt_tx_burst,
	.link_up = gt_link_up,
	.stats_get = gt_stats_get,
	.xstats_get = gt_xstats_get,
};
