/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tokens: fragments lent to the application, by number, until it says
 * "don't need" (the kernel's sk_user_frags + SO_DEVMEM_DONTNEED).
 *
 * Free token numbers are kept in FIFO order, so a just-returned token is the
 * last to be reused: a second return of the same token is caught as "already
 * returned" instead of silently freeing somebody else's fragment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "devmem_private.h"

/*
 * A slot holds either a devmem_ref (a devmem_iov address, bit 0 = device)
 * or an mbuf segment tagged with bit 1: iovs are at least 8-byte aligned and
 * mbufs cache-line aligned, so bit 1 is free in both.
 */
#define TOKEN_SLOT_MBUF ((uintptr_t)2)

static void token_slot_release(uintptr_t slot)
{
	if (slot & TOKEN_SLOT_MBUF)
		rte_pktmbuf_free_seg((struct rte_mbuf *)(slot & ~TOKEN_SLOT_MBUF));
	else
		devmem_ref_put(slot);
}

struct devmem_token_table {
	rte_spinlock_t lock;
	uint32_t capacity;
	uint32_t free_head;   /* next free token to hand out */
	uint32_t free_count;
	uintptr_t *slots;     /* token -> chunk ref or tagged mbuf; 0 = not granted */
	uint32_t *free_fifo;  /* capacity entries, circular */
	struct devmem_token_stats stats;
};

int devmem_token_table_create(uint32_t capacity, struct devmem_token_table **out)
{
	struct devmem_token_table *t;
	uint32_t i;

	if (!out || capacity == 0 || capacity > (1u << 31))
		return DEVMEM_FAIL(EINVAL, "token table: capacity %u must be 1..2^31", capacity);
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t) {
		t->slots = calloc(capacity, sizeof(*t->slots));
		t->free_fifo = calloc(capacity, sizeof(*t->free_fifo));
	}
	if (!t || !t->slots || !t->free_fifo) {
		if (t) {
			free(t->slots);
			free(t->free_fifo);
		}
		free(t);
		return DEVMEM_FAIL(ENOMEM, "token table: no memory for %u tokens", capacity);
	}
	rte_spinlock_init(&t->lock);
	t->capacity = capacity;
	for (i = 0; i < capacity; i++)
		t->free_fifo[i] = i;
	t->free_count = capacity;
	*out = t;
	return 0;
}

void devmem_token_table_destroy(struct devmem_token_table *t)
{
	uint32_t i;

	if (!t)
		return;
	/* Closing the socket releases every token still held. */
	for (i = 0; i < t->capacity; i++)
		if (t->slots[i])
			token_slot_release(t->slots[i]);
	free(t->slots);
	free(t->free_fifo);
	free(t);
}

static void frag_describe(devmem_ref ref, uint32_t offset, uint32_t size, struct devmem_frag *frag)
{
	frag->frag_size = size;
	if (devmem_ref_is_device(ref)) {
		frag->frag_offset = devmem_ref_offset(ref) + offset;
		frag->dmabuf_id = devmem_ref_binding_id(ref);
		frag->flags = 0;
	} else {
		frag->frag_offset = (uint64_t)(uintptr_t)devmem_ref_host_addr(ref) + offset;
		frag->dmabuf_id = 0;
		frag->flags = DEVMEM_FRAG_LINEAR;
	}
}

/* Take a free token for `slot`; -ENOSPC (counted) when every token is in use. */
static int token_take(struct devmem_token_table *t, uintptr_t slot, uint32_t *token)
{
	rte_spinlock_lock(&t->lock);
	if (unlikely(t->free_count == 0)) {
		t->stats.full++;
		rte_spinlock_unlock(&t->lock);
		return -ENOSPC; /* counted; the caller decides (the window should prevent it) */
	}
	*token = t->free_fifo[t->free_head];
	t->free_head = (t->free_head + 1) % t->capacity;
	t->free_count--;
	t->slots[*token] = slot;
	t->stats.granted++;
	rte_spinlock_unlock(&t->lock);
	return 0;
}

int devmem_token_grant(struct devmem_token_table *t, devmem_ref ref, uint32_t offset, uint32_t size,
		       struct devmem_frag *frag)
{
	uint32_t token;
	int ret;

	if (unlikely(!t || !ref || !frag))
		return DEVMEM_FAIL(EINVAL, "token_grant: table, ref and frag are required");
	if (unlikely(size == 0 || offset >= devmem_iov_chunk_size(devmem_ref_iov(ref)) ||
		     size > devmem_iov_chunk_size(devmem_ref_iov(ref)) - offset))
		return DEVMEM_FAIL(EINVAL, "token_grant: [%u, +%u) is outside a %u-byte chunk",
				   offset, size, devmem_iov_chunk_size(devmem_ref_iov(ref)));
	ret = token_take(t, ref, &token);
	if (ret)
		return ret;
	frag_describe(ref, offset, size, frag);
	frag->frag_token = token;
	return 0;
}

/* Bytes [offset, offset+size) of segment m: a device chunk (attached) or host memory. */
static void frag_describe_mbuf(const struct rte_mbuf *m, uint32_t offset, uint32_t size,
			       struct devmem_frag *frag)
{
	devmem_ref ref = devmem_mbuf_ref(m);

	frag->frag_size = size;
	if (devmem_ref_is_device(ref)) {
		/* buf_iova of an attached chunk is its dmabuf offset; nothing is read. */
		frag->frag_offset = m->buf_iova + m->data_off + offset;
		frag->dmabuf_id = devmem_ref_binding_id(ref);
		frag->flags = 0;
	} else {
		frag->frag_offset = (uint64_t)(uintptr_t)rte_pktmbuf_mtod_offset(m, char *, offset);
		frag->dmabuf_id = 0;
		frag->flags = DEVMEM_FRAG_LINEAR;
	}
}

int devmem_token_grant_mbuf(struct devmem_token_table *t, struct rte_mbuf *m, uint32_t offset,
			    uint32_t size, struct devmem_frag *frag)
{
	uint32_t token;
	int ret;

	if (unlikely(!t || !m || !frag))
		return DEVMEM_FAIL(EINVAL, "token_grant_mbuf: table, mbuf and frag are required");
	if (unlikely(size == 0 || offset >= m->data_len || size > m->data_len - offset))
		return DEVMEM_FAIL(EINVAL,
				   "token_grant_mbuf: [%u, +%u) is outside a %u-byte segment",
				   offset, size, m->data_len);
	ret = token_take(t, (uintptr_t)m | TOKEN_SLOT_MBUF, &token);
	if (ret)
		return ret;
	frag_describe_mbuf(m, offset, size, frag);
	frag->frag_token = token;
	return 0;
}

/* Take one token back; 0 if it was not granted. Caller holds the lock. */
static uintptr_t token_take_back(struct devmem_token_table *t, uint32_t token)
{
	uintptr_t ref;

	if (token >= t->capacity || !t->slots[token]) {
		t->stats.bad_returns++;
		return 0;
	}
	ref = t->slots[token];
	t->slots[token] = 0;
	t->free_fifo[(t->free_head + t->free_count) % t->capacity] = token;
	t->free_count++;
	t->stats.returned++;
	return ref;
}

/* Take back tokens [from, to), all below the capacity; how many were lent. Lock held. */
static uint32_t token_run_take_back(struct devmem_token_table *t, uint32_t from, uint32_t to)
{
	uint32_t tok, freed = 0;

	for (tok = from; tok < to; tok++) {
		uintptr_t slot = token_take_back(t, tok);

		if (slot) {
			token_slot_release(slot);
			freed++;
		}
	}
	return freed;
}

/*
 * Take back tokens start, start + 1, ... (count of them; the numbers wrap past 2^32
 * as the kernel's do). Only numbers below the capacity can be lent: those are taken
 * back one by one, in order, and the rest are counted as bad returns in one sum, so a
 * range of forged numbers costs its overlap with the table, not its length.
 */
static uint32_t token_range_take_back(struct devmem_token_table *t, uint32_t start,
				      uint32_t count)
{
	uint32_t before_wrap = (uint32_t)0 - start;  /* numbers up to 2^32 - 1; 0: all */
	uint32_t in_table = 0, freed = 0, n;

	if (start < t->capacity) {
		n = RTE_MIN(count, t->capacity - start);
		freed += token_run_take_back(t, start, start + n);
		in_table += n;
	}
	if (start != 0 && count > before_wrap) {
		n = RTE_MIN(count - before_wrap, t->capacity);
		freed += token_run_take_back(t, 0, n);
		in_table += n;
	}
	t->stats.bad_returns += count - in_table;
	return freed;
}

int devmem_dontneed(struct devmem_token_table *t, const struct devmem_token_range *ranges,
		    unsigned int nb_ranges)
{
	unsigned int i;
	uint32_t examined = 0;
	int freed = 0;

	if (!t || (!ranges && nb_ranges))
		return DEVMEM_FAIL(EINVAL, "dontneed: table and ranges are required");
	if (nb_ranges > DEVMEM_DONTNEED_MAX_RANGES)
		return DEVMEM_FAIL(EINVAL, "dontneed: %u ranges, at most %u per call", nb_ranges,
				   DEVMEM_DONTNEED_MAX_RANGES);
	rte_spinlock_lock(&t->lock);
	for (i = 0; i < nb_ranges; i++) {
		/* Like the kernel, every token looked at counts toward the per-call cap. */
		uint32_t look = RTE_MIN(ranges[i].token_count,
					DEVMEM_DONTNEED_MAX_FRAGS - examined);

		freed += (int)token_range_take_back(t, ranges[i].token_start, look);
		examined += look;
		if (look < ranges[i].token_count)
			break;
	}
	rte_spinlock_unlock(&t->lock);
	return freed;
}

void devmem_token_get_stats(const struct devmem_token_table *t, struct devmem_token_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!t)
		return;
	rte_spinlock_lock((rte_spinlock_t *)&t->lock);
	*st = t->stats;
	st->held = t->capacity - t->free_count;
	rte_spinlock_unlock((rte_spinlock_t *)&t->lock);
}
