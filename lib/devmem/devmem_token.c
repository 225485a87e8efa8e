/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tokens: fragments lent to the application, by number, until it says
 * "don't need" (the kernel's sk_user_frags + SO_DEVMEM_DONTNEED).
 *
 * Free token numbers are kept in FIFO order, so a just-returned token is the
 * last to be reused: a second return of the same token is caught as "already
 * returned" instead of silently freeing somebody else's fragment.
 *
 * The table is one allocation: a header line, then one 8-byte entry per
 * token. A granted entry holds what was lent; a free entry holds the number
 * of the next free token (the FIFO is a list threaded through the entries).
 * Tokens are granted and mostly returned in order, so a grant or a return
 * touches the header and the one line holding the token's entry (and the
 * tail's, which is usually the same line).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "devmem_private.h"

/*
 * An entry's two low bits say what it is. A devmem_ref (a devmem_iov address,
 * bit 0 = device) has bit 1 clear; an mbuf segment is tagged with bit 1 and
 * has bit 0 clear (iovs are 8-byte aligned, mbufs cache-line aligned). Both
 * bits set: a free token, the next free one's number above them.
 */
#define TOKEN_SLOT_MBUF   ((uint64_t)2)
#define TOKEN_FREE_TAG    ((uint64_t)3)
#define TOKEN_FREE_END    UINT32_MAX   /* "no next": the last free token */
#define TOKEN_RELEASE_BURST 64u        /* mbufs (chunks) put to their mempool (pool) at once */

static inline bool token_entry_is_free(uint64_t e)
{
	return (e & TOKEN_FREE_TAG) == TOKEN_FREE_TAG;
}

static inline uint64_t token_free_entry(uint32_t next)
{
	return ((uint64_t)next << 2) | TOKEN_FREE_TAG;
}

struct devmem_token_table {
	rte_spinlock_t lock;
	uint32_t capacity;
	uint32_t free_head;   /* next token to hand out; TOKEN_FREE_END when none */
	uint32_t free_tail;   /* last token returned */
	uint32_t free_count;
	struct devmem_token_stats stats;
	uint64_t entry[] __rte_cache_aligned; /* capacity entries */
};

int devmem_token_table_create(uint32_t capacity, struct devmem_token_table **out)
{
	struct devmem_token_table *t;
	size_t bytes;
	uint32_t i;

	if (!out || capacity == 0 || capacity > (1u << 31))
		return DEVMEM_FAIL(EINVAL, "token table: capacity %u must be 1..2^31", capacity);
	*out = NULL;
	bytes = RTE_ALIGN_CEIL(sizeof(*t) + (size_t)capacity * sizeof(t->entry[0]),
			       RTE_CACHE_LINE_SIZE);
	t = aligned_alloc(RTE_CACHE_LINE_SIZE, bytes);
	if (!t)
		return DEVMEM_FAIL(ENOMEM, "token table: no memory for %u tokens", capacity);
	memset(t, 0, sizeof(*t));
	rte_spinlock_init(&t->lock);
	t->capacity = capacity;
	for (i = 0; i + 1 < capacity; i++)
		t->entry[i] = token_free_entry(i + 1);
	t->entry[capacity - 1] = token_free_entry(TOKEN_FREE_END);
	t->free_head = 0;
	t->free_tail = capacity - 1;
	t->free_count = capacity;
	*out = t;
	return 0;
}

/* What a granted entry held goes back: the mbuf segment or the chunk reference. */
static void token_entry_release(uint64_t e)
{
	if (e & TOKEN_SLOT_MBUF)
		rte_pktmbuf_free_seg((struct rte_mbuf *)(uintptr_t)(e & ~TOKEN_SLOT_MBUF));
	else
		devmem_ref_put((devmem_ref)e);
}

void devmem_token_table_destroy(struct devmem_token_table *t)
{
	uint32_t i;

	if (!t)
		return;
	/* Closing the socket releases every token still held. */
	for (i = 0; i < t->capacity; i++)
		if (!token_entry_is_free(t->entry[i]))
			token_entry_release(t->entry[i]);
	free(t);
}

/* --- grant --- */

/* Take the first free token for `slot`; the caller counts it. Lock held, one is free. */
static inline uint32_t token_take(struct devmem_token_table *t, uint64_t slot)
{
	uint32_t token = t->free_head;

	t->free_head = (uint32_t)(t->entry[token] >> 2);
	t->entry[token] = slot;
	return token;
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

int devmem_token_grant(struct devmem_token_table *t, devmem_ref ref, uint32_t offset, uint32_t size,
		       struct devmem_frag *frag)
{
	uint32_t token;

	if (unlikely(!t || devmem_ref_is_null(ref) || !frag))
		return DEVMEM_FAIL(EINVAL, "token_grant: table, ref and frag are required");
	if (unlikely(size == 0 || offset >= devmem_iov_chunk_size(devmem_ref_iov(ref)) ||
		     size > devmem_iov_chunk_size(devmem_ref_iov(ref)) - offset))
		return DEVMEM_FAIL(EINVAL, "token_grant: [%u, +%u) is outside a %u-byte chunk",
				   offset, size, devmem_iov_chunk_size(devmem_ref_iov(ref)));
	rte_spinlock_lock(&t->lock);
	if (unlikely(t->free_count == 0)) {
		t->stats.full++; /* the caller decides (the window should prevent it) */
		rte_spinlock_unlock(&t->lock);
		return -ENOSPC;
	}
	token = token_take(t, ref);
	t->free_count--;
	t->stats.granted++;
	rte_spinlock_unlock(&t->lock);
	frag_describe(ref, offset, size, frag);
	frag->frag_token = token;
	return 0;
}

/*
 * What a run of segments have in common: consecutive payload segments of a
 * stream mostly share a chunk, and all share its area, so the chunk is
 * recognised once per chunk and the area's binding id read once per area.
 */
struct frag_source {
	const struct rte_mbuf_ext_shared_info *shinfo; /* last segment's, NULL: none yet */
	const struct devmem_area *area;
	bool device;
	uint32_t dmabuf_id;
};

static void frag_source_learn(struct frag_source *src, const struct rte_mbuf *m)
{
	struct devmem_iov *iov = devmem_mbuf_iov(m);

	src->shinfo = iov != NULL ? m->shinfo : NULL; /* a direct mbuf's shinfo is stale */
	src->device = iov != NULL && !iov->owner->readable;
	if (src->device && iov->owner != src->area) {
		src->area = iov->owner;
		src->dmabuf_id = iov->owner->binding->id;
	}
}

/* Bytes [offset, offset+size) of segment m: a device chunk (attached) or host memory. */
static inline void frag_describe_mbuf(struct frag_source *src, const struct rte_mbuf *m,
				      uint32_t offset, uint32_t size, struct devmem_frag *frag)
{
	if (!RTE_MBUF_HAS_EXTBUF(m) || m->shinfo != src->shinfo)
		frag_source_learn(src, m);
	frag->frag_size = size;
	if (src->device) {
		/* buf_iova of an attached chunk is its dmabuf offset; nothing is read. */
		frag->frag_offset = m->buf_iova + m->data_off + offset;
		frag->dmabuf_id = src->dmabuf_id;
		frag->flags = 0;
	} else {
		frag->frag_offset = (uint64_t)(uintptr_t)rte_pktmbuf_mtod_offset(m, char *, offset);
		frag->dmabuf_id = 0;
		frag->flags = DEVMEM_FRAG_LINEAR;
	}
}

static inline bool span_valid(const struct devmem_mbuf_span *s)
{
	return s->m != NULL && s->len != 0 && s->off < s->m->data_len &&
	       s->len <= s->m->data_len - s->off;
}

static int span_invalid(const struct devmem_mbuf_span *s)
{
	if (!s->m)
		return DEVMEM_FAIL(EINVAL, "token_grant_mbuf: an mbuf is required");
	return DEVMEM_FAIL(EINVAL, "token_grant_mbuf: [%u, +%u) is outside a %u-byte segment",
			   s->off, s->len, s->m->data_len);
}

int devmem_token_grant_mbufs(struct devmem_token_table *t, const struct devmem_mbuf_span *spans,
			     unsigned int n, struct devmem_frag *frags)
{
	struct frag_source src = { .shinfo = NULL };
	uint32_t granted, i;
	bool full = false;

	if (unlikely(!t || (n && (!spans || !frags))))
		return DEVMEM_FAIL(EINVAL, "token_grant_mbufs: table, spans and frags are required");
	rte_spinlock_lock(&t->lock);
	for (granted = 0; granted < n && span_valid(&spans[granted]); granted++) {
		if (unlikely(granted == t->free_count)) {
			full = true;
			t->stats.full++; /* the caller decides (the window should prevent it) */
			break;
		}
		frags[granted].frag_token =
			token_take(t, (uintptr_t)spans[granted].m | TOKEN_SLOT_MBUF);
	}
	t->free_count -= granted;
	t->stats.granted += granted;
	rte_spinlock_unlock(&t->lock);
	if (unlikely(granted == 0 && n))
		return full ? -ENOSPC : span_invalid(&spans[0]);
	for (i = 0; i < granted; i++)
		frag_describe_mbuf(&src, spans[i].m, spans[i].off, spans[i].len, &frags[i]);
	return (int)granted;
}

int devmem_token_grant_mbuf(struct devmem_token_table *t, struct rte_mbuf *m, uint32_t offset,
			    uint32_t size, struct devmem_frag *frag)
{
	const struct devmem_mbuf_span span = { .m = m, .off = offset, .len = size };
	int ret;

	if (unlikely(!t || !m || !frag))
		return DEVMEM_FAIL(EINVAL, "token_grant_mbuf: table, mbuf and frag are required");
	ret = devmem_token_grant_mbufs(t, &span, 1, frag);
	return ret < 0 ? ret : 0;
}

/* --- return --- */

/* What a dontneed call took back, released once the lock is dropped (token_release_all). */
struct token_release {
	uint32_t nb;
	uint64_t slot[DEVMEM_DONTNEED_MAX_FRAGS];
};

/* Take one token back into the FIFO's tail; 0 if it was not granted. Lock held. */
static inline uint64_t token_take_back(struct devmem_token_table *t, uint32_t token)
{
	uint64_t e = t->entry[token];

	if (unlikely(token_entry_is_free(e)))
		return 0;
	t->entry[token] = token_free_entry(TOKEN_FREE_END);
	if (t->free_count++ == 0)
		t->free_head = token;
	else
		t->entry[t->free_tail] = token_free_entry(token);
	t->free_tail = token;
	return e;
}

/* Take back tokens [from, to), all below the capacity, into `rel`. Lock held. */
static void token_run_take_back(struct devmem_token_table *t, uint32_t from, uint32_t to,
				struct token_release *rel)
{
	uint32_t tok;

	for (tok = from; tok < to; tok++) {
		uint64_t e = token_take_back(t, tok);

		if (e) {
			/* the segment's header is read at release: start fetching it now */
			if (e & TOKEN_SLOT_MBUF)
				rte_prefetch0((void *)(uintptr_t)(e & ~TOKEN_SLOT_MBUF));
			rel->slot[rel->nb++] = e;
		}
	}
}

/*
 * Take back tokens start, start + 1, ... (count of them; the numbers wrap past 2^32
 * as the kernel's do). Only numbers below the capacity can be lent: those are taken
 * back one by one, in order, and the rest are counted as bad returns in one sum, so a
 * range of forged numbers costs its overlap with the table, not its length.
 */
static void token_range_take_back(struct devmem_token_table *t, uint32_t start, uint32_t count,
				  struct token_release *rel)
{
	uint32_t before_wrap = (uint32_t)0 - start;  /* numbers up to 2^32 - 1; 0: all */
	uint32_t nb_before = rel->nb;

	if (start < t->capacity)
		token_run_take_back(t, start, start + RTE_MIN(count, t->capacity - start), rel);
	if (start != 0 && count > before_wrap)
		token_run_take_back(t, 0, RTE_MIN(count - before_wrap, t->capacity), rel);
	/* forged, past the table or not lent: whatever was looked at and not taken back */
	t->stats.bad_returns += count - (rel->nb - nb_before);
}

/* Chunk references going back to their pool together (devmem_pool_put_bulk). */
struct chunk_burst {
	struct devmem_pool *pool;
	unsigned int nb;
	devmem_ref refs[TOKEN_RELEASE_BURST];
};

static void chunk_burst_flush(struct chunk_burst *b)
{
	if (b->nb)
		devmem_pool_put_bulk(b->pool, b->refs, b->nb);
	b->nb = 0;
}

/* The last reference on iov (its refcount is 1, the pool's convention for a free chunk). */
static void chunk_burst_add(struct chunk_burst *b, struct devmem_iov *iov)
{
	if (iov->pool != b->pool || b->nb == RTE_DIM(b->refs)) {
		chunk_burst_flush(b);
		b->pool = iov->pool;
	}
	b->refs[b->nb++] = (uintptr_t)iov | (iov->owner->readable ? 0 : DEVMEM_REF_IOV_TAG);
}

/*
 * A payload segment carrying one of our chunks, held by nobody but the
 * token: drop its chunk reference (the last one joins `chunks` instead of
 * going through the free callback one chunk at a time) and leave the mbuf
 * direct, as rte_pktmbuf_prefree_seg would. false for any other segment.
 */
static bool chunk_segment_prefree(struct rte_mbuf *m, struct chunk_burst *chunks)
{
	struct devmem_iov *iov = devmem_mbuf_iov(m);
	uint32_t mbuf_size;

	if (iov == NULL || rte_mbuf_refcnt_read(m) != 1)
		return false;
	if (rte_mbuf_ext_refcnt_read(&iov->shinfo) == 1 ||
	    rte_mbuf_ext_refcnt_update(&iov->shinfo, -1) == 0) {
		rte_mbuf_ext_refcnt_set(&iov->shinfo, 1);
		chunk_burst_add(chunks, iov);
	}
	/* The mbuf's own buffer again, as rte_pktmbuf_detach sets it up. */
	m->priv_size = rte_pktmbuf_priv_size(m->pool);
	mbuf_size = (uint32_t)sizeof(*m) + m->priv_size;
	m->buf_addr = (char *)m + mbuf_size;
	rte_mbuf_iova_set(m, rte_mempool_virt2iova(m) + mbuf_size);
	m->buf_len = rte_pktmbuf_data_room_size(m->pool);
	rte_pktmbuf_reset_headroom(m);
	m->data_len = 0;
	m->ol_flags = 0;
	m->next = NULL;
	m->nb_segs = 1;
	return true;
}

/*
 * What the tokens taken back held goes back: chunk references one by one;
 * mbuf segments as rte_pktmbuf_free_seg would, the mbufs to their mempool
 * and our chunks to their pool in bursts.
 */
static void token_release_all(const struct token_release *rel)
{
	struct chunk_burst chunks = { .nb = 0 };
	struct rte_mbuf *put[TOKEN_RELEASE_BURST];
	struct rte_mempool *mp = NULL;
	unsigned int i, nb = 0;

	/* The chunk each segment carries is touched next (its refcount): fetch those too. */
	for (i = 0; i < rel->nb; i++)
		if (rel->slot[i] & TOKEN_SLOT_MBUF)
			rte_prefetch0(((const struct rte_mbuf *)(uintptr_t)
				       (rel->slot[i] & ~TOKEN_SLOT_MBUF))->shinfo);
	for (i = 0; i < rel->nb; i++) {
		struct rte_mbuf *seg = (struct rte_mbuf *)(uintptr_t)(rel->slot[i] & ~TOKEN_SLOT_MBUF);

		if (!(rel->slot[i] & TOKEN_SLOT_MBUF)) {
			devmem_ref_put((devmem_ref)rel->slot[i]);
			continue;
		}
		if (!chunk_segment_prefree(seg, &chunks))
			seg = rte_pktmbuf_prefree_seg(seg);
		if (seg == NULL)
			continue; /* still referenced elsewhere */
		if (seg->pool != mp || nb == RTE_DIM(put)) {
			if (nb)
				rte_mempool_put_bulk(mp, (void **)put, nb);
			mp = seg->pool;
			nb = 0;
		}
		put[nb++] = seg;
	}
	if (nb)
		rte_mempool_put_bulk(mp, (void **)put, nb);
	chunk_burst_flush(&chunks);
}

int devmem_dontneed(struct devmem_token_table *t, const struct devmem_token_range *ranges,
		    unsigned int nb_ranges)
{
	struct token_release rel;
	uint32_t examined = 0;
	unsigned int i;

	if (!t || (!ranges && nb_ranges))
		return DEVMEM_FAIL(EINVAL, "dontneed: table and ranges are required");
	if (nb_ranges > DEVMEM_DONTNEED_MAX_RANGES)
		return DEVMEM_FAIL(EINVAL, "dontneed: %u ranges, at most %u per call", nb_ranges,
				   DEVMEM_DONTNEED_MAX_RANGES);
	rel.nb = 0;
	rte_spinlock_lock(&t->lock);
	for (i = 0; i < nb_ranges; i++) {
		/* Like the kernel, every token looked at counts toward the per-call cap. */
		uint32_t look = RTE_MIN(ranges[i].token_count,
					DEVMEM_DONTNEED_MAX_FRAGS - examined);

		token_range_take_back(t, ranges[i].token_start, look, &rel);
		examined += look;
		if (look < ranges[i].token_count)
			break;
	}
	t->stats.returned += rel.nb;
	rte_spinlock_unlock(&t->lock);
	/* The tokens are free; what they held goes back without the lock. */
	token_release_all(&rel);
	return (int)rel.nb;
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
