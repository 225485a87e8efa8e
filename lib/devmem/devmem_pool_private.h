/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * struct devmem_pool, shared by devmem_pool.c (the fast and slow paths,
 * remote returns, teardown) and devmem_pool_setup.c (creation and
 * introspection). Nothing outside these two files looks inside a pool
 * except through struct devmem_pool_cache (devmem_driver.h).
 */
#ifndef DEVMEM_POOL_PRIVATE_H
#define DEVMEM_POOL_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ring.h>

#include "devmem_private.h"

/*
 * A fragment chunk starts with this many references so that handing out a
 * fragment costs no atomic operation; the unused part is given back in one
 * subtraction when the chunk is retired. It fits the 16-bit mbuf refcount
 * and covers 2 MiB / 64 B fragments.
 */
#define DEVMEM_FRAG_BIAS 32768u

/* cache.owner of a pool being destroyed: no thread has this thread pointer. */
#define POOL_NO_OWNER ((uintptr_t)0)

struct devmem_pool {
	/* Polling thread only; first, as the inline fast path in devmem_driver.h reads it. */
	struct devmem_pool_cache cache;
	uint32_t refill;
	uint32_t chunk_size;
	uint64_t alloc_slow;
	uint64_t alloc_empty;
	_Atomic uint32_t hold;      /* stored by the polling thread only */

	/*
	 * Read-mostly: a copy of cache.owner for the return paths. Other threads
	 * ask "am I the owner?" on every put; reading cache.owner would pull the
	 * line the polling thread writes on every alloc (count, alloc_fast).
	 */
	uintptr_t owner_for_returns __rte_cache_aligned;
	const struct devmem_provider_ops *ops;
	void *provider_priv;
	bool check_puts;            /* DEVMEM_CHECK_PUTS=1 at create: see chunk_put_twice() */

	/* Any thread. */
	struct rte_ring *ring __rte_cache_aligned;
	_Atomic uint32_t release;
	_Atomic bool dying;
	_Atomic uint64_t recycle_ring;
	_Atomic uint64_t recycle_ring_full;
	_Atomic uint64_t recycle_released;
	_Atomic uint64_t put_refused;

	/* Setup. */
	uint16_t port_id;
	uint16_t queue_id;
	bool zombie;
	char name[RTE_RING_NAMESIZE];
};

_Static_assert(offsetof(struct devmem_pool, cache) == 0,
	       "devmem_pool_cache_of() casts a pool to its cache");

#endif /* DEVMEM_POOL_PRIVATE_H */
