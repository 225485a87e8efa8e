/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The harness's view of one connection: expecting frames to the peer (and
 * what every such frame must satisfy), the handshake, and the application
 * receiving fragments, verifying them through the device view, and giving
 * tokens back.
 */
#include <string.h>
#include <netinet/in.h>

#include <rte_ether.h>

#include "harness.h"

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static void check_val(const char *name, struct h_val want, uint32_t got, const struct h_frame *f)
{
	if (want.set && want.v != got)
		H_FAIL("frame out: %s is %u (0x%x), expected %u (0x%x) [flags 0x%02x seq %u ack %u win %u sack %u]",
			 name, got, got, want.v, want.v, f->flags, f->seq, f->ack, f->win, f->nb_sack);
}

static void check_match(const struct h_match *m, const struct h_frame *f)
{
	unsigned int i;

	check_val("flags", m->flags, f->flags, f);
	check_val("seq", m->seq, f->seq, f);
	check_val("ack", m->ack, f->ack, f);
	check_val("win", m->win, f->win, f);
	check_val("has_mss", m->has_mss, f->has_mss, f);
	check_val("mss", m->mss, f->mss, f);
	check_val("has_ws", m->has_ws, f->has_ws, f);
	check_val("ws", m->ws, f->ws, f);
	check_val("has_ts", m->has_ts, f->has_ts, f);
	check_val("tsval", m->tsval, f->tsval, f);
	check_val("tsecr", m->tsecr, f->tsecr, f);
	check_val("sackok", m->sackok, f->sackok, f);
	check_val("nb_sack", m->nb_sack, f->nb_sack, f);
	for (i = 0; m->nb_sack.set && i < f->nb_sack; i++) {
		check_val("sack left", H_IS(m->sack[i][0]), f->sack[i][0], f);
		check_val("sack right", H_IS(m->sack[i][1]), f->sack[i][1], f);
	}
}

static void check_addressing(const struct harness *h, const struct h_peer *p, const struct h_frame *f)
{
	const uint8_t *ours = p->ipv6 ? h->ip6.bytes : h->ip4.bytes;
	size_t alen = p->ipv6 ? 16 : 4;

	assert_int_equal(f->ether_type, p->ipv6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	if (f->vlan != p->vlan)
		H_FAIL("frame to peer port %u on VLAN %u, expected %u", p->port, f->vlan, p->vlan);
	assert_int_equal(f->l4_proto, IPPROTO_TCP);
	if (!rte_is_same_ether_addr(&f->dst, &p->mac))
		H_FAIL("frame to MAC ..:%02x:%02x (flags 0x%02x seq %u ack %u), expected peer port %u's",
		       f->dst.addr_bytes[4], f->dst.addr_bytes[5], f->flags, f->seq, f->ack, p->port);
	assert_true(rte_is_same_ether_addr(&f->src, &h->mac));
	assert_memory_equal(f->ip_src, ours, alen);
	assert_memory_equal(f->ip_dst, p->ip, alen);
	assert_int_equal(f->sport, p->dport);
	assert_int_equal(f->dport, p->port);
}

/* What holds for every segment to p once the SYN-ACK has agreed the options. */
static void check_invariants(struct h_peer *p, const struct h_frame *f)
{
	unsigned int i;
	uint32_t edge;

	if (f->has_ts)
		p->ts_recent = f->tsval;
	if (f->flags & H_RST)
		return;
	if (p->synced && !(f->flags & H_SYN)) {
		if (f->has_ts != p->ts_ok)
			H_FAIL("TS option %s on a segment although %s agreed (RFC 7323 §3.2)",
				 f->has_ts ? "present" : "missing", p->ts_ok ? "it was" : "it was not");
		if (f->nb_sack && !p->sack_ok)
			H_FAIL("SACK blocks sent although SACK was not agreed (RFC 2018)");
	}
	/*
	 * RFC 2018 §3: a block reports data held above the cumulative ACK. The
	 * one exception is a D-SACK (RFC 2883 §4): only the first block, and
	 * either wholly at or below the ACK or inside the second block.
	 */
	for (i = 0; i < f->nb_sack; i++) {
		bool dsack = i == 0 && (seq_leq(f->sack[0][1], f->ack) ||
					(f->nb_sack > 1 && seq_leq(f->sack[1][0], f->sack[0][0]) &&
					 seq_leq(f->sack[0][1], f->sack[1][1])));

		if (!seq_lt(f->sack[i][0], f->sack[i][1]) || (!dsack && !seq_lt(f->ack, f->sack[i][0])))
			H_FAIL("SACK block %u [%u, %u) is not above the ACK %u (RFC 2018 §3) nor a D-SACK",
			       i, f->sack[i][0], f->sack[i][1], f->ack);
	}
	if (!(f->flags & H_ACK) || p->fin_sent)
		return;
	edge = f->ack + ((uint32_t)f->win << ((f->flags & H_SYN) ? 0 : p->rcv_wscale));
	if (p->edge_set && seq_lt(edge, p->edge))
		H_FAIL("right window edge moved left: %u -> %u (ack %u win %u) (RFC 9293 §3.8.6)",
			 p->edge, edge, f->ack, f->win);
	if (!p->edge_set || seq_lt(p->edge, edge))
		p->edge = edge;
	p->edge_set = true;
}

void h_expect(struct harness *h, struct h_peer *p, const struct h_match *m, struct h_frame *out)
{
	struct h_frame f;

	if (!h_next(h, &f))
		H_FAIL("expected a frame to port %u, none was sent", p->port);
	check_addressing(h, p, &f);
	check_invariants(p, &f);
	check_match(m, &f);
	if (out)
		*out = f;
}

void h_expect_sack(struct harness *h, struct h_peer *p, uint32_t ack, unsigned int n,
		   const uint32_t (*blocks)[2])
{
	struct h_match m = { .flags = H_IS(H_ACK), .ack = H_IS(h_seq(p, ack)), .nb_sack = H_IS(n) };
	unsigned int i;

	for (i = 0; i < n; i++) {
		m.sack[i][0] = h_seq(p, blocks[i][0]);
		m.sack[i][1] = h_seq(p, blocks[i][1]);
	}
	h_expect(h, p, &m, NULL);
}

unsigned int h_acks(struct harness *h, struct h_peer *p, struct h_frame *last)
{
	unsigned int n = 0;
	struct h_frame f;

	while (h_tx_pending(h) > 0) {
		h_expect(h, p, &(struct h_match){ .flags = H_IS(H_ACK) }, &f);
		n++;
	}
	if (last && n > 0)
		*last = f;
	return n;
}

unsigned int h_settle(struct harness *h, struct h_peer *p, struct h_frame *last)
{
	uint32_t delack_us = h->cfg.delack_us ? h->cfg.delack_us : 1000;

	h_advance_us(h, delack_us + 1000);
	return h_acks(h, p, last);
}

void h_syn(struct harness *h, struct h_peer *p, struct h_frame *synack)
{
	struct h_seg syn = { .flags = H_SYN, .seq = p->isn, .win = 65535 };
	struct h_frame f;

	h_send(h, p, &syn);
	h_expect(h, p, &(struct h_match){ .flags = H_IS(H_SYN | H_ACK), .ack = H_IS(p->isn + 1) }, &f);
	assert_int_equal(f.payload_len, 0);
	p->iss = f.seq;
	p->ts_ok = f.has_ts;
	p->sack_ok = f.sackok;
	p->rcv_wscale = f.has_ws ? f.ws : 0;
	p->synced = true;
	if (synack)
		*synack = f;
}

void h_open(struct harness *h, struct h_peer *p)
{
	h_syn(h, p, NULL);
	h_open_synced(h, p);
}

void h_open_synced(struct harness *h, struct h_peer *p)
{
	struct h_seg ack;
	struct tcprx_conn_info info;

	ack = h_ctl(p, H_ACK, 0);
	h_send(h, p, &ack);
	/* A pure ACK completing the handshake is not answered. */
	h_expect_none(h);
	p->conn = tcprx_accept(h->rx);
	assert_non_null(p->conn);
	assert_int_equal(tcprx_conn_info(p->conn, &info), 0);
	assert_int_equal(info.state, TCPRX_ESTABLISHED);
	assert_int_equal(info.irs, p->isn);
	assert_int_equal(info.rcv_nxt, p->isn + 1);
	assert_int_equal(info.remote_port, p->port);
	assert_int_equal(info.local_port, p->dport);
}

/* Where the device placed the bytes at `seq` (dmabuf offset or host address), if it did. */
static bool placed_at(const struct harness *h, uint32_t seq, uint32_t size, bool linear,
		      uint64_t where)
{
	unsigned int i;

	for (i = h->nb_placed; i-- > 0;) {
		const struct h_placed *r = &h->placed[i];
		uint32_t skip = seq - r->seq;

		if (r->linear == linear && skip < r->len && size <= r->len - skip &&
		    r->where + skip == where)
			return true;
	}
	return false;
}

/* The fragment's bytes (device view in test mode, host memory when LINEAR) carry the stream. */
static void check_frag_bytes(struct harness *h, const struct h_peer *p, const struct devmem_frag *fr)
{
	const uint8_t *b;
	uint32_t i;

	if (fr->flags & DEVMEM_FRAG_LINEAR) {
		assert_int_equal(fr->dmabuf_id, 0);
		b = (const uint8_t *)(uintptr_t)fr->frag_offset;
	} else {
		assert_int_equal(fr->dmabuf_id, devmem_binding_id(h->binding));
		assert_true(fr->frag_offset + fr->frag_size <= devmem_dmabuf_size(h->dmabuf));
		b = (const uint8_t *)devmem_dmabuf_device_view(h->dmabuf) + fr->frag_offset;
	}
	assert_int_equal(devmem_dmabuf_sync_begin(h->dmabuf, DEVMEM_SYNC_READ), 0);
	for (i = 0; i < fr->frag_size; i++)
		if (b[i] != h_pattern(p->rcv_next + i))
			H_FAIL("stream byte at seq %u (fragment offset %u of %u) is 0x%02x, expected 0x%02x",
				 p->rcv_next + i, i, fr->frag_size, b[i], h_pattern(p->rcv_next + i));
	assert_int_equal(devmem_dmabuf_sync_end(h->dmabuf, DEVMEM_SYNC_READ), 0);
}

static void check_frag(struct harness *h, struct h_peer *p, const struct devmem_frag *fr)
{
	bool linear = (fr->flags & DEVMEM_FRAG_LINEAR) != 0;

	assert_true(fr->frag_size > 0);
	check_frag_bytes(h, p, fr);
	if (!placed_at(h, p->rcv_next, fr->frag_size, linear, fr->frag_offset))
		H_FAIL("fragment for seq %u (%u bytes%s) is not where the device put those bytes: copied?",
			 p->rcv_next, fr->frag_size, linear ? ", linear" : "");
	p->linear_frags += linear;
	assert_true(p->nb_frags < H_MAX_TOKENS);
	p->frags[p->nb_frags++] = (struct h_rfrag){ .seq = p->rcv_next, .f = *fr };
	p->rcv_next += fr->frag_size;
	p->bytes += fr->frag_size;
	assert_true(p->nb_tokens < H_MAX_TOKENS);
	p->tokens[p->nb_tokens++] = fr->frag_token;
}

const struct h_rfrag *h_frag_at(const struct h_peer *p, uint32_t seq)
{
	unsigned int i;

	for (i = 0; i < p->nb_frags; i++)
		if (p->frags[i].seq == seq)
			return &p->frags[i];
	return NULL;
}

uint64_t h_placed_at(const struct harness *h, uint32_t seq)
{
	unsigned int i;

	for (i = h->nb_placed; i-- > 0;)
		if (h->placed[i].seq == seq)
			return h->placed[i].where;
	H_FAIL("no segment was injected at seq %u", seq);
	return 0;
}

/* One tcprx_recv (ts NULL) or tcprx_recv_tsval of at most max fragments, each verified. */
static int recv_verified(struct harness *h, struct h_peer *p, struct tcprx_tsval *ts,
			 unsigned int max, uint64_t *bytes)
{
	struct devmem_frag frags[16];
	unsigned int want = RTE_MIN(max, 16u);
	int n = ts ? tcprx_recv_tsval(p->conn, frags, ts, want) : tcprx_recv(p->conn, frags, want);
	int i;

	assert_true(n <= (int)want);
	for (i = 0; i < n; i++) {
		check_frag(h, p, &frags[i]);
		*bytes += frags[i].frag_size;
	}
	return n;
}

uint64_t h_recv_n(struct harness *h, struct h_peer *p, unsigned int max, int *rc)
{
	uint64_t total = 0;
	int n = 0;

	while (max > 0 && (n = recv_verified(h, p, NULL, max, &total)) > 0)
		max -= (unsigned int)n;
	if (rc)
		*rc = n;
	return total;
}

unsigned int h_recv_tsval(struct harness *h, struct h_peer *p, struct tcprx_tsval *ts,
			  unsigned int max)
{
	unsigned int got = 0;
	uint64_t bytes = 0;
	int n;

	while (got < max && (n = recv_verified(h, p, ts + got, max - got, &bytes)) > 0)
		got += (unsigned int)n;
	return got;
}

uint64_t h_recv(struct harness *h, struct h_peer *p, int *rc)
{
	return h_recv_n(h, p, UINT32_MAX, rc);
}

/* Tokens tokens[0..n) as ranges of consecutive numbers; returns how many ranges. */
static unsigned int token_ranges(const uint32_t *tokens, unsigned int n,
				 struct devmem_token_range *r, unsigned int max_ranges,
				 unsigned int *used)
{
	unsigned int nr = 0, i;

	for (i = 0; i < n; i++) {
		if (nr > 0 && r[nr - 1].token_start + r[nr - 1].token_count == tokens[i]) {
			r[nr - 1].token_count++;
			continue;
		}
		if (nr == max_ranges)
			break;
		r[nr++] = (struct devmem_token_range){ .token_start = tokens[i], .token_count = 1 };
	}
	*used = i;
	return nr;
}

int h_dontneed(struct harness *h, struct h_peer *p, unsigned int n)
{
	struct devmem_token_range r[DEVMEM_DONTNEED_MAX_RANGES];
	unsigned int done = 0, used, nr;
	int freed = 0, rc;

	(void)h;
	if (n > p->nb_tokens)
		n = p->nb_tokens;
	while (done < n) {
		nr = token_ranges(p->tokens + done, RTE_MIN(n - done, DEVMEM_DONTNEED_MAX_FRAGS), r,
				  DEVMEM_DONTNEED_MAX_RANGES, &used);
		rc = tcprx_dontneed(p->conn, r, nr);
		if (rc < 0)
			return rc;
		freed += rc;
		done += used;
	}
	memmove(p->tokens, p->tokens + n, (p->nb_tokens - n) * sizeof(p->tokens[0]));
	p->nb_tokens -= n;
	return freed;
}
