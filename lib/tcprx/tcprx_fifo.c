/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection FIFOs: the readiness queue and the delayed-ACK queue.
 *
 * Both used to be lists threaded through the connections. With thousands of
 * connections a list costs cache misses on other connections: appending
 * writes the old tail's link, and removing from the middle (an ACK that
 * cancels a delayed ACK armed a round ago) writes both neighbours, which
 * nothing else is about to touch. Here a queue is an array of pointers the
 * queue owns; a connection remembers its slot, so removal clears that slot
 * and leaves a hole the head skips. Nothing outside the connection and the
 * array is written.
 *
 * A connection is in a FIFO at most once, so live entries never exceed
 * max_conns; holes can pile up between the head and the tail (a delayed
 * ACK armed and cancelled at every segment), and when the array is full
 * they are squeezed out in one pass (tcprx_fifo_compact), which renumbers the
 * live entries' slots. The array has room for twice max_conns, so a
 * compaction frees at least half of it and costs at most two moves per push
 * spread over the pushes since the last one. The queue operations are
 * inline (tcprx_private.h): each is a few instructions on the fast path.
 */
#include <stdlib.h>

#include "tcprx_private.h"

int tcprx_fifo_init(struct tcprx_fifo *f, uint32_t max_conns, size_t slot_off)
{
	uint32_t size = rte_align32pow2(RTE_MAX(max_conns, 1u) * 2);

	f->entry = calloc(size, sizeof(*f->entry));
	if (f->entry == NULL)
		return -ENOMEM;
	f->mask = size - 1;
	f->head = f->tail = 0;
	f->slot_off = slot_off;
	return 0;
}

void tcprx_fifo_free(struct tcprx_fifo *f)
{
	free(f->entry);
	f->entry = NULL;
}

/* Squeeze the holes out, keeping the order; live entries get their new slots. */
void tcprx_fifo_compact(struct tcprx_fifo *f)
{
	uint32_t from, to = f->head;

	for (from = f->head; from != f->tail; from++) {
		struct tcprx_conn *c = f->entry[from & f->mask];

		if (c == NULL)
			continue;
		f->entry[from & f->mask] = NULL;
		f->entry[to & f->mask] = c;
		*tcprx_fifo_slot(f, c) = to++;
	}
	f->tail = to;
}
