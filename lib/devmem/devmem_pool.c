/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * devmem_pool: the page_pool of lib/devmem, one per receive queue.
 *
 *   fast path   a lockless LIFO cache used only by the polling thread
 *   remote      returns from other threads go through a bounded MPSC ring
 *   slow path   refill a batch from the ring, else from the memory provider
 *
 * Accounting follows page_pool: hold counts buffers taken from the provider
 * (written by the polling thread only), release counts buffers given back
 * (atomic, any thread). hold - release is what the pool is responsible for:
 * its cache, its ring and what is in flight.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>

#include "devmem_private.h"

/*
 * A fragment chunk starts with this many references so that handing out a
 * fragment costs no atomic operation; the unused part is given back in one
 * subtraction when the chunk is retired. It fits the 16-bit mbuf refcount
 * and covers 2 MiB / 64 B fragments.
 */
#define DEVMEM_FRAG_BIAS 32768u

struct devmem_pool {
	/* Polling thread only. */
	struct {
		uint32_t count;
		uint32_t size;
		uint32_t refill;
		devmem_ref *refs;
	} cache;
	struct {
		devmem_ref ref;
		uint32_t offset;
		uint32_t users;
	} frag;
	_Atomic uintptr_t owner;    /* address of the polling thread's cookie */
	uint32_t chunk_size;
	uint32_t frag_align;
	uint64_t alloc_fast;
	uint64_t alloc_slow;
	uint64_t alloc_empty;
	uint64_t recycle_cached;
	uint64_t frag_allocs;
	_Atomic uint32_t hold;      /* stored by the polling thread only */

	/* Any thread. */
	struct rte_ring *ring __rte_cache_aligned;
	_Atomic uint32_t release;
	_Atomic bool dying;
	_Atomic uint64_t recycle_ring;
	_Atomic uint64_t recycle_ring_full;
	_Atomic uint64_t recycle_released;

	/* Setup. */
	const struct devmem_provider_ops *ops;
	void *provider_priv;
	uint16_t port_id;
	uint16_t queue_id;
	bool zombie;
	char name[RTE_RING_NAMESIZE];
};

static _Thread_local char thread_cookie;
static _Atomic uint32_t zombie_count;

static inline uintptr_t this_thread(void)
{
	return (uintptr_t)&thread_cookie;
}

static inline devmem_ref iov_to_ref(struct devmem_iov *iov)
{
	return (uintptr_t)iov | (iov->owner->readable ? 0 : DEVMEM_REF_IOV_TAG);
}

/* --- provider side and deferred teardown --- */

static void pool_free(struct devmem_pool *pool)
{
	if (pool->zombie)
		atomic_fetch_sub(&zombie_count, 1);
	if (pool->ops->destroy)
		pool->ops->destroy(pool);
	DEVMEM_LOG(DEBUG, "pool %s freed", pool->name);
	free(pool->ring);
	free(pool->cache.refs);
	free(pool);
}

/*
 * Count one release. Once the pool is dying, the release that brings the
 * count up to hold frees it; destroy holds one extra count until it is done,
 * so exactly one thread sees the final value.
 */
static void pool_count_release(struct devmem_pool *pool)
{
	uint32_t r = atomic_fetch_add_explicit(&pool->release, 1, memory_order_acq_rel) + 1;

	if (atomic_load_explicit(&pool->dying, memory_order_acquire) &&
	    r == atomic_load_explicit(&pool->hold, memory_order_relaxed))
		pool_free(pool);
}

static void pool_release_to_provider(struct devmem_pool *pool, devmem_ref ref)
{
	devmem_ref_iov(ref)->pool = NULL;
	pool->ops->release_ref(pool, ref);
	atomic_fetch_add_explicit(&pool->recycle_released, 1, memory_order_relaxed);
	pool_count_release(pool);
}

static void pool_drain_ring(struct devmem_pool *pool)
{
	devmem_ref refs[64];
	unsigned int i, n;

	while ((n = rte_ring_dequeue_burst(pool->ring, (void **)refs, RTE_DIM(refs), NULL)) > 0)
		for (i = 0; i < n; i++)
			pool_release_to_provider(pool, refs[i]);
}

/* --- slow path --- */

static void pool_take_from_provider(struct devmem_pool *pool, devmem_ref *refs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		devmem_ref_iov(refs[i])->pool = pool;
	atomic_store_explicit(&pool->hold,
			      atomic_load_explicit(&pool->hold, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* Refill the empty cache: returned buffers first, then the provider. */
static unsigned int pool_refill(struct devmem_pool *pool)
{
	unsigned int n;

	n = rte_ring_dequeue_burst(pool->ring, (void **)pool->cache.refs, pool->cache.refill, NULL);
	if (n == 0) {
		n = pool->ops->alloc_refs(pool, pool->cache.refs, pool->cache.refill);
		pool_take_from_provider(pool, pool->cache.refs, n);
	}
	if (n == 0)
		pool->alloc_empty++;
	pool->cache.count = n;
	return n;
}

/* --- fast path --- */

/* Take one buffer without setting its refcount (shared by alloc and frag). */
static inline devmem_ref pool_take(struct devmem_pool *pool)
{
	if (unlikely(atomic_load_explicit(&pool->owner, memory_order_relaxed) != this_thread()))
		atomic_store_explicit(&pool->owner, this_thread(), memory_order_relaxed);
	if (likely(pool->cache.count > 0)) {
		pool->alloc_fast++;
		return pool->cache.refs[--pool->cache.count];
	}
	if (pool_refill(pool) == 0)
		return 0;
	pool->alloc_slow++;
	return pool->cache.refs[--pool->cache.count];
}

devmem_ref devmem_pool_alloc(struct devmem_pool *pool)
{
	devmem_ref ref = pool_take(pool);

	if (likely(ref))
		rte_mbuf_ext_refcnt_set(&devmem_ref_iov(ref)->shinfo, 1);
	return ref;
}

unsigned int devmem_pool_alloc_bulk(struct devmem_pool *pool, devmem_ref *refs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		refs[i] = devmem_pool_alloc(pool);
		if (unlikely(!refs[i]))
			break;
	}
	return i;
}

/* Put a buffer nobody holds back where it belongs. */
static inline void pool_recycle(struct devmem_pool *pool, devmem_ref ref)
{
	if (unlikely(atomic_load_explicit(&pool->dying, memory_order_acquire))) {
		pool_release_to_provider(pool, ref);
		return;
	}
	if (atomic_load_explicit(&pool->owner, memory_order_relaxed) == this_thread() &&
	    likely(pool->cache.count < pool->cache.size)) {
		pool->cache.refs[pool->cache.count++] = ref;
		pool->recycle_cached++;
		return;
	}
	if (likely(rte_ring_enqueue(pool->ring, (void *)ref) == 0)) {
		atomic_fetch_add_explicit(&pool->recycle_ring, 1, memory_order_relaxed);
		/* Destroy may have drained the ring just before our enqueue. */
		if (unlikely(atomic_load_explicit(&pool->dying, memory_order_seq_cst)))
			pool_drain_ring(pool);
		return;
	}
	atomic_fetch_add_explicit(&pool->recycle_ring_full, 1, memory_order_relaxed);
	pool_release_to_provider(pool, ref);
}

void devmem_pool_put(struct devmem_pool *pool, devmem_ref ref)
{
	struct devmem_iov *iov = devmem_ref_iov(ref);

	if (unlikely(!pool || !ref))
		return;
	if (unlikely(iov->pool != pool)) {
		DEVMEM_LOG(ERR, "pool %s: put of a buffer owned by %s", pool->name,
			   iov->pool ? iov->pool->name : "no pool (already free)");
		return;
	}
	/* Like page_pool_put_netmem(): drop one reference, recycle on the last. */
	if (rte_mbuf_ext_refcnt_update(&iov->shinfo, -1) == 0)
		pool_recycle(pool, ref);
}

void devmem_pool_put_bulk(struct devmem_pool *pool, const devmem_ref *refs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		devmem_pool_put(pool, refs[i]);
}

void devmem_iov_recycle(struct devmem_iov *iov)
{
	pool_recycle(iov->pool, iov_to_ref(iov));
}

/* --- fragments --- */

/* Give back the references of the current fragment chunk nobody took. */
static void pool_frag_retire(struct devmem_pool *pool)
{
	devmem_ref ref = pool->frag.ref;
	int16_t unused;

	if (!ref)
		return;
	pool->frag.ref = 0;
	unused = (int16_t)(DEVMEM_FRAG_BIAS - pool->frag.users);
	/* Every biased reference was handed out: the pool holds none to drop. */
	if (unused == 0)
		return;
	if (rte_mbuf_ext_refcnt_update(&devmem_ref_iov(ref)->shinfo, -unused) == 0)
		pool_recycle(pool, ref);
}

devmem_ref devmem_pool_alloc_frag(struct devmem_pool *pool, uint32_t size, uint32_t *offset)
{
	uint32_t need = RTE_ALIGN_CEIL(size, pool->frag_align);
	devmem_ref ref;

	if (unlikely(size == 0 || need > pool->chunk_size || !offset)) {
		DEVMEM_LOG(ERR, "pool %s: fragment of %u bytes does not fit a %u-byte chunk",
			   pool->name, size, pool->chunk_size);
		return 0;
	}
	if (pool->frag.ref && pool->frag.offset + need <= pool->chunk_size) {
		ref = pool->frag.ref;
		pool->frag.users++;
	} else {
		pool_frag_retire(pool);
		ref = pool_take(pool);
		if (unlikely(!ref))
			return 0;
		rte_mbuf_ext_refcnt_set(&devmem_ref_iov(ref)->shinfo, DEVMEM_FRAG_BIAS);
		pool->frag.ref = ref;
		pool->frag.offset = 0;
		pool->frag.users = 1;
	}
	*offset = pool->frag.offset;
	pool->frag.offset += need;
	pool->frag_allocs++;
	return ref;
}

void devmem_pool_frag_flush(struct devmem_pool *pool)
{
	if (pool)
		pool_frag_retire(pool);
}

/* --- setup and teardown --- */

static int pool_check_params(const struct devmem_pool_params *p, uint32_t chunk_size)
{
	if (!rte_is_power_of_2(p->ring_size))
		return DEVMEM_FAIL(EINVAL, "pool: ring size %u is not a power of two",
				   p->ring_size);
	if (p->cache_size > DEVMEM_POOL_CACHE_MAX || p->refill == 0 || p->refill > p->cache_size)
		return DEVMEM_FAIL(EINVAL,
				   "pool: cache %u / refill %u: need 1 <= refill <= cache <= %u",
				   p->cache_size, p->refill, DEVMEM_POOL_CACHE_MAX);
	if (!rte_is_power_of_2(p->frag_align) || p->frag_align > chunk_size ||
	    chunk_size / p->frag_align > DEVMEM_FRAG_BIAS)
		return DEVMEM_FAIL(EINVAL,
				   "pool: fragment alignment %u: power of two, at least chunk/%u",
				   p->frag_align, DEVMEM_FRAG_BIAS);
	return 0;
}

static void pool_apply_defaults(struct devmem_pool_params *p)
{
	if (!p->cache_size)
		p->cache_size = DEVMEM_POOL_CACHE_DEFAULT;
	if (!p->refill)
		p->refill = RTE_MIN(DEVMEM_POOL_REFILL_DEFAULT, p->cache_size);
	if (!p->ring_size)
		p->ring_size = DEVMEM_POOL_RING_DEFAULT;
	if (!p->frag_align)
		p->frag_align = DEVMEM_FRAG_ALIGN_DEFAULT;
}

static int pool_init_provider(struct devmem_pool *pool)
{
	struct devmem_provider_info info;
	int ret;

	if (pool->ops->init) {
		ret = pool->ops->init(pool);
		if (ret)
			return ret;
	}
	ret = pool->ops->fill_info(pool, &info);
	if (ret) {
		if (pool->ops->destroy)
			pool->ops->destroy(pool);
		return ret;
	}
	pool->chunk_size = info.chunk_size;
	return 0;
}

int devmem_pool_create(const struct devmem_pool_params *params, struct devmem_pool **out)
{
	static _Atomic uint32_t pool_seq;
	struct devmem_pool_params p;
	struct devmem_pool *pool;
	ssize_t ring_bytes;
	int ret;

	if (!params || !out || !params->ops || !params->ops->alloc_refs ||
	    !params->ops->release_ref || !params->ops->fill_info)
		return DEVMEM_FAIL(EINVAL,
				   "pool_create: params, out and provider ops are required");
	*out = NULL;
	p = *params;
	pool_apply_defaults(&p);

	pool = calloc(1, sizeof(*pool));
	if (!pool)
		return DEVMEM_FAIL(ENOMEM, "pool_create: out of memory");
	pool->ops = p.ops;
	pool->provider_priv = p.provider_priv;
	pool->port_id = p.port_id;
	pool->queue_id = p.queue_id;
	snprintf(pool->name, sizeof(pool->name), "%s", p.name ? p.name : "");
	if (!pool->name[0])
		snprintf(pool->name, sizeof(pool->name), "devmem_pool_%u",
			 atomic_fetch_add(&pool_seq, 1));

	ret = pool_init_provider(pool);
	if (ret) {
		free(pool);
		return ret;
	}
	ret = pool_check_params(&p, pool->chunk_size);
	if (ret)
		goto fail_provider;

	ret = -ENOMEM;
	pool->cache.size = p.cache_size;
	pool->cache.refill = p.refill;
	pool->frag_align = p.frag_align;
	pool->cache.refs = calloc(p.cache_size, sizeof(devmem_ref));
	/* RING_F_EXACT_SZ: exactly ring_size entries fit, in a ring of the next power of two. */
	ring_bytes = rte_ring_get_memsize(rte_align32pow2(p.ring_size + 1));
	if (!pool->cache.refs || ring_bytes < 0)
		goto fail_provider;
	/* Plain memory: pools work before (or without) rte_eal_init(). */
	pool->ring = aligned_alloc(RTE_CACHE_LINE_SIZE,
				   RTE_ALIGN_CEIL(ring_bytes, RTE_CACHE_LINE_SIZE));
	if (!pool->ring || rte_ring_init(pool->ring, pool->name, p.ring_size, RING_F_EXACT_SZ) != 0)
		goto fail_provider;
	*out = pool;
	DEVMEM_LOG(DEBUG, "pool %s: cache %u refill %u ring %u", pool->name, p.cache_size, p.refill,
		   p.ring_size);
	return 0;

fail_provider:
	if (pool->ops->destroy)
		pool->ops->destroy(pool);
	free(pool->ring);
	free(pool->cache.refs);
	free(pool);
	return ret == -ENOMEM ? DEVMEM_FAIL(ENOMEM, "pool_create: out of memory") : ret;
}

void devmem_pool_destroy(struct devmem_pool *pool)
{
	uint32_t hold;

	if (!pool)
		return;
	pool_frag_retire(pool);
	/* Destroy's own count keeps the pool alive until the drains below are done. */
	hold = atomic_load_explicit(&pool->hold, memory_order_relaxed) + 1;
	atomic_store_explicit(&pool->hold, hold, memory_order_relaxed);
	atomic_store_explicit(&pool->dying, true, memory_order_seq_cst);

	while (pool->cache.count)
		pool_release_to_provider(pool, pool->cache.refs[--pool->cache.count]);
	pool_drain_ring(pool);

	if (hold - 1 != atomic_load(&pool->release)) {
		pool->zombie = true;
		atomic_fetch_add(&zombie_count, 1);
		DEVMEM_LOG(INFO, "pool %s: %u buffers still in flight, teardown deferred",
			   pool->name, hold - 1 - atomic_load(&pool->release));
	}
	pool_count_release(pool); /* drop destroy's own count */
}

/* --- introspection --- */

void devmem_pool_get_stats(const struct devmem_pool *pool, struct devmem_pool_stats *st)
{
	struct devmem_pool *p = (struct devmem_pool *)pool;

	memset(st, 0, sizeof(*st));
	if (!pool)
		return;
	st->alloc_fast = p->alloc_fast;
	st->alloc_slow = p->alloc_slow;
	st->alloc_empty = p->alloc_empty;
	st->recycle_cached = p->recycle_cached;
	st->recycle_ring = atomic_load_explicit(&p->recycle_ring, memory_order_relaxed);
	st->recycle_ring_full = atomic_load_explicit(&p->recycle_ring_full, memory_order_relaxed);
	st->recycle_released = atomic_load_explicit(&p->recycle_released, memory_order_relaxed);
	st->frag_allocs = p->frag_allocs;
	st->cached = p->cache.count;
	st->ring = rte_ring_count(p->ring);
	st->hold = atomic_load(&p->hold);
	st->release = atomic_load(&p->release);
	st->in_flight = st->hold - st->release - st->cached - st->ring;
}

struct devmem_pool *devmem_ref_pool(devmem_ref ref)
{
	return ref ? devmem_ref_iov(ref)->pool : NULL;
}

uint32_t devmem_pool_chunk_size(const struct devmem_pool *pool)
{
	return pool ? pool->chunk_size : 0;
}

void *devmem_pool_provider_priv(const struct devmem_pool *pool)
{
	return pool->provider_priv;
}

int devmem_pool_provider_info(const struct devmem_pool *pool, struct devmem_provider_info *info)
{
	if (!pool || !info)
		return DEVMEM_FAIL(EINVAL, "pool_provider_info: pool and info are required");
	return pool->ops->fill_info(pool, info);
}

uint32_t devmem_pool_count_zombies(void)
{
	return atomic_load(&zombie_count);
}
