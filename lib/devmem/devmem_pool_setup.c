/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * devmem_pool setup and introspection: parameters, the provider's init,
 * creation, statistics and accessors. The data path and teardown are in
 * devmem_pool.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>

#include "devmem_pool_private.h"

/* --- setup --- */

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
	const char *check;
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

	/* Aligned: the cache-line sections of struct devmem_pool keep threads apart. */
	pool = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*pool), RTE_CACHE_LINE_SIZE));
	if (!pool)
		return DEVMEM_FAIL(ENOMEM, "pool_create: out of memory");
	memset(pool, 0, sizeof(*pool));
	check = getenv("DEVMEM_CHECK_PUTS");
	pool->check_puts = check != NULL && strcmp(check, "0") != 0;
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
	pool->refill = p.refill;
	pool->cache.frag_align = p.frag_align;
	pool->cache.frag_chunk_size = pool->chunk_size;
	pool->cache.refs = aligned_alloc(RTE_CACHE_LINE_SIZE,
					 RTE_ALIGN_CEIL(p.cache_size * sizeof(devmem_ref),
							RTE_CACHE_LINE_SIZE));
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

/* --- introspection --- */

void devmem_pool_get_stats(const struct devmem_pool *pool, struct devmem_pool_stats *st)
{
	struct devmem_pool *p = (struct devmem_pool *)pool;

	memset(st, 0, sizeof(*st));
	if (!pool)
		return;
	st->alloc_fast = p->cache.alloc_fast;
	st->alloc_slow = p->alloc_slow;
	st->alloc_empty = p->alloc_empty;
	st->recycle_cached = p->cache.recycle_cached;
	st->recycle_ring = atomic_load_explicit(&p->recycle_ring, memory_order_relaxed);
	st->recycle_ring_full = atomic_load_explicit(&p->recycle_ring_full, memory_order_relaxed);
	st->recycle_released = atomic_load_explicit(&p->recycle_released, memory_order_relaxed);
	st->frag_allocs = p->cache.frag_allocs;
	st->put_refused = atomic_load_explicit(&p->put_refused, memory_order_relaxed);
	st->cached = p->cache.count;
	st->ring = rte_ring_count(p->ring);
	st->hold = atomic_load(&p->hold);
	st->release = atomic_load(&p->release);
	st->in_flight = st->hold - st->release - st->cached - st->ring;
}

struct devmem_pool *devmem_ref_pool(devmem_ref ref)
{
	return devmem_ref_is_null(ref) ? NULL : devmem_ref_iov(ref)->pool;
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
