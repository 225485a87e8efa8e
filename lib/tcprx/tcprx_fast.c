/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fast path: header prediction for the one segment a bulk receiver sees
 * almost always (Van Jacobson's, as in Linux's tcp_rcv_established): the
 * next in-order data segment of an ESTABLISHED IPv4 connection, ACK or
 * ACK|PSH, with nothing but a timestamp in the usual place. It is taken here
 * without parsing the frame into a struct tcprx_seg; anything else, and any
 * check that does not hold, falls to the full rules of tcprx_input.c with
 * nothing changed. Also here: ACKs once per burst, and the readiness list.
 */
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>

#include "tcprx_private.h"

/* NOP NOP TS 10: the only option layout predicted (RFC 7323 appendix A). */
#define TS_ALIGNED_WORD RTE_BE32(TCPOPT_NOP << 24 | TCPOPT_NOP << 16 | TCPOPT_TS << 8 | TCPOLEN_TS)
#define FAST_L3_OFF RTE_ETHER_HDR_LEN
#define FAST_L4_OFF (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))

/* What the frame's headers say, read once. */
struct fast_seg {
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint32_t hdr_end, len, seq, tsval;
	bool has_ts;
};

/* An untagged IPv4 connection with this 4-tuple (ports: remote << 16 | local). */
static inline bool key4_matches(const struct tcprx_conn *c, uint32_t laddr, uint32_t raddr,
				uint32_t ports)
{
	return c->key_ports == ports && c->key_raddr4 == raddr && c->key_laddr4 == laddr &&
	       c->key_v4 && c->vlan == 0;
}

/*
 * The one-entry cache, then the hash. A cached pointer is never stale: a
 * connection clears it when it is freed (tcprx_conn_free).
 */
static struct tcprx_conn *fast_lookup(struct tcprx *rx, uint32_t laddr, uint32_t raddr,
				      uint32_t ports)
{
	struct tcprx_conn *c = rx->last_hit;
	uint32_t b;

	if (c != NULL && key4_matches(c, laddr, raddr, ports))
		return c;
	/* the lookahead hashed this frame already (tcprx_fast_bucket_prefetch) */
	b = rx->lookahead_bucket ? rx->lookahead_bucket - 1 :
				   tcprx_hash4(rx, laddr, raddr, ports) & rx->bucket_mask;
	for (c = rx->buckets[b]; c != NULL; c = c->hash_next)
		if (key4_matches(c, laddr, raddr, ports)) {
			rx->last_hit = c;
			return c;
		}
	return NULL;
}

/*
 * Lookahead (tcprx_poll, from TCPRX_PREFETCH_CONNS connections on), three
 * stages ahead of the frame processed: the bucket of a frame (its 4-tuple
 * hash), then the three hot lines of the connection its bucket names, then
 * that connection's in-order ring slot. At thousands of connections the
 * table and the connections are not in cache; by the time the frame is
 * processed they are. Reads only headers the driver has just written.
 * Returns the bucket index + 1, or 0 when the frame is not IPv4 TCP.
 */
uint32_t tcprx_fast_bucket_prefetch(struct tcprx *rx, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eth + 1);
	uint32_t laddr, raddr, b;
	uint16_t port[2];

	if (m->data_len < FAST_L4_OFF + 4 || eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ip->version_ihl != 0x45 || ip->next_proto_id != IPPROTO_TCP)
		return 0;
	memcpy(&laddr, &ip->dst_addr, 4);
	memcpy(&raddr, &ip->src_addr, 4);
	memcpy(port, ip + 1, sizeof(port)); /* source port, then destination port */
	b = tcprx_hash4(rx, laddr, raddr, (uint32_t)port[0] << 16 | port[1]) & rx->bucket_mask;
	rte_prefetch0(&rx->buckets[b]);
	return b + 1;
}

/* The lookahead's guess at a frame's connection: its bucket's first, or NULL. */
static const struct tcprx_conn *lookahead_conn(const struct tcprx *rx, uint32_t bucket_plus1)
{
	return bucket_plus1 ? rx->buckets[bucket_plus1 - 1] : NULL;
}

void tcprx_fast_conn_prefetch(struct tcprx *rx, uint32_t bucket_plus1)
{
	const struct tcprx_conn *c = lookahead_conn(rx, bucket_plus1);

	if (c != NULL)
		tcprx_conn_prefetch_hot(c);
}

/*
 * The last stage, one frame ahead: the in-order ring slot the frame's
 * segment would go to, read from the connection the stage before fetched.
 * A guess (the bucket's first connection, the ring's tail now): a wrong one
 * costs a useless prefetch.
 */
void tcprx_fast_ring_prefetch(struct tcprx *rx, uint32_t bucket_plus1)
{
	const struct tcprx_conn *c = lookahead_conn(rx, bucket_plus1);

	if (c != NULL)
		rte_prefetch0(&c->inq[(c->inq_head + c->inq_count) & c->inq_mask]);
}

/*
 * The frame-level half of the prediction: untagged IPv4 to our MAC, checked
 * by the device, no IP options or fragments, a 20-byte TCP header or one
 * with the aligned timestamp, ACK or ACK|PSH only, payload in one piece.
 * The slow path would accept every such frame the same way (tcprx_parse.c);
 * whether its destination is ours is settled by the connection it matches
 * (addresses are never removed).
 */
static bool fast_frame(struct tcprx *rx, struct rte_mbuf *m, struct fast_seg *f)
{
	const uint64_t good = RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	const uint64_t mask = RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK |
			      RTE_MBUF_F_RX_VLAN_STRIPPED;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint32_t doff, tot, opt[2];

	if ((m->ol_flags & mask) != good || m->data_len < FAST_L4_OFF + sizeof(*f->th) ||
	    m->nb_segs > 2 || !rx->fast_untagged ||
	    eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    !rte_is_same_ether_addr(&eth->dst_addr, &rx->cfg.mac))
		return false;
	f->ip = (const struct rte_ipv4_hdr *)(eth + 1);
	f->th = (const struct rte_tcp_hdr *)(f->ip + 1);
	if (f->ip->version_ihl != 0x45 || f->ip->next_proto_id != IPPROTO_TCP ||
	    (f->ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) ||
	    (f->th->tcp_flags & 0x3f & ~TCPRX_PSH) != TCPRX_ACK)
		return false;
	doff = (f->th->data_off >> 4) * 4u;
	tot = rte_be_to_cpu_16(f->ip->total_length);
	f->hdr_end = FAST_L4_OFF + doff;
	f->tsval = 0;
	if (doff == sizeof(*f->th)) {
		f->has_ts = false;
	} else if (doff == sizeof(*f->th) + TCPRX_TS_OPTION_LEN && m->data_len >= f->hdr_end &&
		   (memcpy(opt, f->th + 1, sizeof(opt)), opt[0] == TS_ALIGNED_WORD)) {
		f->has_ts = true;
		f->tsval = rte_be_to_cpu_32(opt[1]);
	} else {
		return false;
	}
	if (tot <= sizeof(*f->ip) + doff || FAST_L3_OFF + tot > m->pkt_len)
		return false;
	f->len = tot - sizeof(*f->ip) - doff;
	/* one piece: all in the header mbuf (LINEAR), or all in the one after it */
	if (m->nb_segs == 1 ? m->data_len < f->hdr_end + f->len :
	    m->data_len != f->hdr_end || m->next->data_len < f->len)
		return false;
	f->seq = rte_be_to_cpu_32(f->th->sent_seq);
	return true;
}

/*
 * The connection-level half, each check standing for a rule of
 * tcprx_input.c's synchronized_input that then has nothing to do:
 * ESTABLISHED (no SYN-RECEIVED, FIN or TIME-WAIT handling), SEQ = RCV.NXT
 * and the whole payload inside the window (acceptable, nothing to trim, no
 * D-SACK), ACK = SND.NXT (inside RFC 5961's range, nothing newly acked),
 * a timestamp exactly when agreed and not older than TS.Recent (PAWS
 * passes), nothing out of order and no FIN waiting (no reassembly to pull,
 * no gap filled, no FIN to take), and room in the in-order ring.
 */
static bool fast_conn_predicts(const struct tcprx_conn *c, const struct fast_seg *f)
{
	return c->state == TCPRX_ESTABLISHED && f->seq == c->rcv_nxt &&
	       rte_be_to_cpu_32(f->th->recv_ack) == c->snd_nxt && f->has_ts == c->ts_ok &&
	       (!f->has_ts || seq_geq(f->tsval, c->ts_recent)) && c->ooo_count == 0 &&
	       !c->fin_pending && c->inq_count <= c->inq_mask &&
	       seq_leq(f->seq + f->len, c->rcv_adv) && seq_gt(c->rcv_adv, c->rcv_nxt);
}

/* The ACK this segment asks for goes out once, after the burst (RFC 5681 §4.2 allows fewer). */
static void fast_ack_defer(struct tcprx_conn *c)
{
	struct tcprx *rx = c->rx;

	if (c->ack_deferred)
		return;
	if (rx->nb_ack_defer == TCPRX_ACK_DEFER_MAX) {
		tcprx_send_ack(c); /* a burst longer than the list: this one goes now */
		return;
	}
	c->ack_deferred = true;
	rx->ack_defer[rx->nb_ack_defer++] = c;
	tcprx_conn_prefetch_ack_tmpl(c); /* the burst's end builds the ACK from it */
}

/*
 * What synchronized_input does for such a segment, in its order: note the
 * peer's window (RFC 5961 §5.2), TS.Recent (RFC 7323 §4.3), then the text:
 * keep the piece if the chunk budget admits it, advance RCV.NXT, and the
 * in-order ACK policy, except that the ACK is sent at the end of the burst.
 */
static void fast_established(struct tcprx_conn *c, const struct fast_seg *f,
			     struct devmem_mbuf_span *p)
{
	uint32_t wnd = (uint32_t)rte_be_to_cpu_16(f->th->rx_win) << c->snd_wscale;
	enum tcprx_admit kind = seq_geq(f->seq + f->len, c->rcv_adv) ? TCPRX_ADMIT_TO_EDGE :
								       TCPRX_ADMIT_IN_ORDER;

	c->fast_segs_in++;
	if (wnd > c->max_snd_wnd)
		c->max_snd_wnd = wnd;
	if (f->has_ts && seq_leq(f->seq, c->last_ack_sent)) {
		if (f->tsval != c->ts_recent) {
			c->ts_prev = c->ts_recent;
			c->ts_prev_seq = c->rcv_nxt;
		}
		c->ts_recent = f->tsval;
		c->ts_recent_ms = tcprx_now_ms(c->rx);
	}
	if (!tcprx_chunks_admit(c, 1, kind)) {
		tcprx_send_ack(c); /* as deliver_in_order's refusal: the sender learns at once */
		tcprx_piece_free(p);
		return;
	}
	tcprx_inq_push(c, p);
	tcprx_chunk_unit_note(c, p->len);
	c->rcv_nxt += f->len;
	c->fast_bytes_in_order += f->len;
	c->unacked_bytes += f->len;
	if (c->unacked_bytes >= 2u * tcprx_chunk_unit(c))
		fast_ack_defer(c);
	else
		tcprx_delack_arm(c);
	tcprx_ready_note(c);
}

/*
 * Take the frame if the prediction holds; false leaves it untouched for the
 * full rules. The kept piece's mbuf is unchained and stamped with the TSval
 * exactly as tcprx_input.c's unchain() does.
 */
bool tcprx_fast_input(struct tcprx *rx, struct rte_mbuf *m)
{
	struct devmem_mbuf_span piece;
	struct tcprx_conn *c;
	uint32_t laddr, raddr;
	struct fast_seg f;

	if (!fast_frame(rx, m, &f))
		return false;
	memcpy(&laddr, &f.ip->dst_addr, 4);
	memcpy(&raddr, &f.ip->src_addr, 4);
	c = fast_lookup(rx, laddr, raddr, (uint32_t)f.th->src_port << 16 | f.th->dst_port);
	if (c == NULL || !fast_conn_predicts(c, &f))
		return false;
	if (m->nb_segs == 1) {
		piece = (struct devmem_mbuf_span){ .m = m, .off = f.hdr_end, .len = f.len };
		m->pkt_len = m->data_len;
	} else {
		piece = (struct devmem_mbuf_span){ .m = m->next, .off = 0, .len = f.len };
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		piece.m->pkt_len = piece.m->data_len;
	}
	*tcprx_mbuf_tsval(rx, piece.m) = f.has_ts ? TCPRX_TSVAL_PRESENT | f.tsval : 0;
	rx->fast_segs++;
	fast_established(c, &f, &piece);
	return true;
}

/* The ACKs the burst deferred, one per connection. */
void tcprx_fast_acks_flush(struct tcprx *rx)
{
	unsigned int i;

	for (i = 0; i < rx->nb_ack_defer; i++) {
		struct tcprx_conn *c = rx->ack_defer[i];

		if (c != NULL && c->ack_deferred)
			tcprx_send_ack(c); /* acked_now clears ack_deferred */
	}
	rx->nb_ack_defer = 0;
}

/*
 * A connection going away (or reset) leaves no deferred ACK behind, and no
 * entry either: one whose ACK went out early stays listed until the flush.
 */
void tcprx_ack_defer_forget(struct tcprx_conn *c)
{
	unsigned int i;

	c->ack_deferred = false;
	for (i = 0; i < c->rx->nb_ack_defer; i++)
		if (c->rx->ack_defer[i] == c)
			c->rx->ack_defer[i] = NULL;
}

/* --- tokens came back: which windows to look at again --- */

/*
 * tcprx_dontneed, on any thread: list the connection for the poll, once
 * until the poll has looked (a lock-free push; the poll takes the whole list).
 */
void tcprx_returned_push(struct tcprx_conn *c)
{
	struct tcprx *rx = c->rx;
	struct tcprx_conn *head;

	if (atomic_exchange_explicit(&c->returned, true, memory_order_acq_rel))
		return;
	head = atomic_load_explicit(&rx->returned, memory_order_relaxed);
	do {
		atomic_store_explicit(&c->returned_next, head, memory_order_relaxed);
	} while (!atomic_compare_exchange_weak_explicit(&rx->returned, &head, c,
							 memory_order_release,
							 memory_order_relaxed));
}

/* Polling lcore: what tcprx_dontneed listed moves to the poll's own queue. */
static void returned_take(struct tcprx *rx)
{
	struct tcprx_conn *c = atomic_exchange_explicit(&rx->returned, NULL, memory_order_acquire);

	for (; c != NULL; c = atomic_load_explicit(&c->returned_next, memory_order_relaxed)) {
		TAILQ_INSERT_TAIL(&rx->recheck_q, c, recheck);
		c->on_recheck = true;
	}
}

/* The next connection whose tokens came back, or NULL; it may be listed again from now on. */
struct tcprx_conn *tcprx_returned_next(struct tcprx *rx)
{
	struct tcprx_conn *c;

	if (atomic_load_explicit(&rx->returned, memory_order_relaxed) != NULL)
		returned_take(rx);
	c = TAILQ_FIRST(&rx->recheck_q);
	if (c == NULL)
		return NULL;
	TAILQ_REMOVE(&rx->recheck_q, c, recheck);
	c->on_recheck = false;
	atomic_store_explicit(&c->returned, false, memory_order_release);
	return c;
}

/* A connection being freed (no tcprx_dontneed can run for it any more) leaves both lists. */
void tcprx_returned_forget(struct tcprx_conn *c)
{
	if (!atomic_load_explicit(&c->returned, memory_order_acquire))
		return;
	returned_take(c->rx);
	TAILQ_REMOVE(&c->rx->recheck_q, c, recheck);
	c->on_recheck = false;
	atomic_store_explicit(&c->returned, false, memory_order_relaxed);
}

/* --- readiness: connections with something for tcprx_recv, in the order it came --- */

void tcprx_ready_note(struct tcprx_conn *c)
{
	if (c->on_ready || !c->accepted)
		return;
	tcprx_fifo_push(&c->rx->ready, c);
	c->on_ready = true;
	/* tcprx_recv takes tokens from its table after this poll: fetch the table's head now */
	rte_prefetch0(c->tokens);
}

void tcprx_ready_forget(struct tcprx_conn *c)
{
	if (!c->on_ready)
		return;
	tcprx_fifo_remove(&c->rx->ready, c);
	c->on_ready = false;
}

struct tcprx_conn *tcprx_ready_next(struct tcprx *rx)
{
	struct tcprx_conn *c, *next;

	if (rx == NULL || (c = tcprx_fifo_first(&rx->ready)) == NULL)
		return NULL;
	tcprx_fifo_pop(&rx->ready);
	c->on_ready = false;
	next = tcprx_fifo_second(&rx->ready); /* two ahead: the application reads c now */
	if (next != NULL)
		tcprx_conn_prefetch_hot(next);
	return c;
}
