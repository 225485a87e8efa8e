/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly by reference. In-order bytes wait in a ring of pieces until the
 * application takes them; out-of-order bytes are (seq, piece) records in a
 * small sorted array. Overlaps are resolved by editing a piece's offset and
 * length: payload is never copied and never read.
 */
#include <string.h>

#include <rte_mbuf.h>

#include "tcprx_private.h"

void tcprx_piece_free(struct devmem_mbuf_span *p)
{
	rte_pktmbuf_free_seg(p->m);
	p->m = NULL;
}

bool tcprx_inq_push(struct tcprx_conn *c, const struct devmem_mbuf_span *p)
{
	if (c->inq_count > c->inq_mask)
		return false;
	c->inq[(c->inq_head + c->inq_count) & c->inq_mask] = *p;
	c->inq_count++;
	return true;
}

bool tcprx_inq_pop(struct tcprx_conn *c, struct devmem_mbuf_span *p)
{
	if (c->inq_count == 0)
		return false;
	*p = c->inq[c->inq_head];
	c->inq_head = (c->inq_head + 1) & c->inq_mask;
	c->inq_count--;
	return true;
}

static uint32_t ooo_end(const struct tcprx_ooo *o)
{
	return o->seq + o->p.len;
}

static void ooo_remove(struct tcprx_conn *c, uint32_t i)
{
	memmove(&c->ooo[i], &c->ooo[i + 1], (c->ooo_count - i - 1) * sizeof(c->ooo[0]));
	c->ooo_count--;
}

/* RFC 2018 §4: the first SACK block reports the most recently received segment. */
static void sack_note_recent(struct tcprx_conn *c, uint32_t seq)
{
	uint32_t n = RTE_MIN(c->sack_recent_count, (uint32_t)TCPRX_SACK_RECENT - 1);

	memmove(&c->sack_recent[1], &c->sack_recent[0], n * sizeof(c->sack_recent[0]));
	c->sack_recent[0] = seq;
	c->sack_recent_count = n + 1;
}

/*
 * RFC 2883: the next ACK's first SACK block reports data received twice,
 * so the sender can tell a spurious retransmission from a loss and undo
 * its congestion response. Only when SACK was agreed.
 */
void tcprx_dsack_note(struct tcprx_conn *c, uint32_t left, uint32_t right)
{
	if (!c->sack_ok || left == right)
		return;
	c->dsack = true;
	c->dsack_left = left;
	c->dsack_right = right;
}

/*
 * Keep [seq, seq+len) of piece p out of order. Bytes already held win
 * (trim the newcomer on the left); records the newcomer covers entirely are
 * replaced by it; a partial overlap on the right trims the newcomer's tail.
 * Takes ownership of p->m in every case.
 */
void tcprx_ooo_insert(struct tcprx_conn *c, uint32_t seq, struct devmem_mbuf_span *p)
{
	uint32_t end = seq + p->len, i = c->ooo_count, first = seq;

	/* Newcomers usually extend the right end: search from there. */
	while (i > 0 && seq_gt(ooo_end(&c->ooo[i - 1]), seq))
		i--;
	/* left neighbour overlaps: keep its bytes, cut ours */
	if (i < c->ooo_count && seq_lt(c->ooo[i].seq, seq)) {
		uint32_t cut = ooo_end(&c->ooo[i]) - seq;

		if (cut >= p->len)
			goto duplicate;
		tcprx_dsack_note(c, seq, seq + cut);
		seq += cut;
		p->off += cut;
		p->len -= cut;
		i++;
	}
	/* records inside [seq, end) are replaced by the newcomer */
	while (i < c->ooo_count && seq_leq(ooo_end(&c->ooo[i]), end) &&
	       seq_geq(c->ooo[i].seq, seq)) {
		tcprx_piece_free(&c->ooo[i].p);
		ooo_remove(c, i);
	}
	/* right neighbour overlaps our tail: keep its bytes */
	if (i < c->ooo_count && seq_lt(c->ooo[i].seq, end)) {
		p->len = c->ooo[i].seq - seq;
		if (p->len == 0)
			goto duplicate;
	}
	if (c->ooo_count == c->rx->cfg.max_ooo) {
		/* Full: drop the newcomer before it is SACKed rather than renege later. */
		c->st.segs_ooo_full++;
		tcprx_piece_free(p);
		return;
	}
	memmove(&c->ooo[i + 1], &c->ooo[i], (c->ooo_count - i) * sizeof(c->ooo[0]));
	c->ooo[i] = (struct tcprx_ooo){ .seq = seq, .p = *p };
	c->ooo_count++;
	c->st.segs_ooo++;
	sack_note_recent(c, seq);
	return;
duplicate:
	c->st.segs_dup++;
	tcprx_dsack_note(c, first, end);
	tcprx_piece_free(p);
}

/*
 * RCV.NXT advanced: records it reached become in-order data (trimmed on
 * the left). The records taken leave the array in one move.
 */
void tcprx_ooo_pull(struct tcprx_conn *c)
{
	uint32_t taken = 0;

	while (taken < c->ooo_count && seq_leq(c->ooo[taken].seq, c->rcv_nxt)) {
		struct tcprx_ooo *o = &c->ooo[taken];

		if (seq_leq(ooo_end(o), c->rcv_nxt)) {
			tcprx_piece_free(&o->p);
		} else {
			uint32_t cut = c->rcv_nxt - o->seq;

			o->seq = c->rcv_nxt;
			o->p.off += cut;
			o->p.len -= cut;
			if (!tcprx_inq_push(c, &o->p))
				break; /* cannot happen: the ring holds the budget (tcprx_create) */
			c->rcv_nxt += o->p.len;
			c->st.bytes_in_order += o->p.len;
		}
		taken++;
	}
	if (taken) {
		memmove(&c->ooo[0], &c->ooo[taken], (c->ooo_count - taken) * sizeof(c->ooo[0]));
		c->ooo_count -= taken;
	}
	if (c->ooo_count == 0)
		c->sack_recent_count = 0;
}

/*
 * The contiguous block of records around index i (one above RCV.NXT):
 * [left, right). Records at RCV.NXT wait for ring room and are not
 * acknowledged yet; a block never reaches down to them, or its left edge
 * would be at the ACK number (RFC 2018 §3: blocks lie above it).
 */
static uint32_t block_of(const struct tcprx_conn *c, uint32_t i, uint32_t *left, uint32_t *right)
{
	uint32_t first = i, last = i;

	while (first > 0 && ooo_end(&c->ooo[first - 1]) == c->ooo[first].seq &&
	       seq_gt(c->ooo[first - 1].seq, c->rcv_nxt))
		first--;
	while (last + 1 < c->ooo_count && ooo_end(&c->ooo[last]) == c->ooo[last + 1].seq)
		last++;
	*left = c->ooo[first].seq;
	*right = ooo_end(&c->ooo[last]);
	return first;
}

static int record_holding(const struct tcprx_conn *c, uint32_t seq)
{
	uint32_t i;

	for (i = 0; i < c->ooo_count; i++)
		if (seq_leq(c->ooo[i].seq, seq) && seq_lt(seq, ooo_end(&c->ooo[i])) &&
		    seq_gt(c->ooo[i].seq, c->rcv_nxt))
			return (int)i;
	return -1;
}

static bool block_listed(uint32_t (*blocks)[2], unsigned int n, uint32_t left)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (blocks[i][0] == left)
			return true;
	return false;
}

/*
 * RFC 2018 §4: up to `max` blocks; the first holds the most recent segment,
 * then the most recently reported others, then the rest from the highest.
 */
unsigned int tcprx_sack_blocks(const struct tcprx_conn *c, uint32_t (*blocks)[2], unsigned int max)
{
	unsigned int n = 0, r;
	uint32_t left, right;
	int i;

	for (r = 0; r < c->sack_recent_count && n < max; r++) {
		i = record_holding(c, c->sack_recent[r]);
		if (i < 0)
			continue;
		block_of(c, (uint32_t)i, &left, &right);
		if (!block_listed(blocks, n, left)) {
			blocks[n][0] = left;
			blocks[n][1] = right;
			n++;
		}
	}
	for (i = (int)c->ooo_count - 1; i >= 0 && n < max; i--) {
		if (seq_leq(c->ooo[i].seq, c->rcv_nxt))
			break; /* in order, waiting for ring room: not a SACK block */
		i = (int)block_of(c, (uint32_t)i, &left, &right);
		if (!block_listed(blocks, n, left)) {
			blocks[n][0] = left;
			blocks[n][1] = right;
			n++;
		}
	}
	return n;
}

/* Release every piece the connection still holds (tokens are not pieces). */
void tcprx_conn_drop_data(struct tcprx_conn *c)
{
	struct devmem_mbuf_span p;
	uint32_t i;

	while (tcprx_inq_pop(c, &p))
		tcprx_piece_free(&p);
	for (i = 0; i < c->ooo_count; i++)
		tcprx_piece_free(&c->ooo[i].p);
	c->ooo_count = 0;
	c->sack_recent_count = 0;
}
