/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * devmem_pool: the page_pool of lib/devmem, one per receive queue.
 *
 *   fast path   a lockless LIFO cache used only by the polling thread; its
 *               cache-hit alloc is inline in devmem_driver.h, bulk alloc and
 *               put move a burst with one copy and one bounds check
 *   remote      returns from other threads are stashed per thread and enter a
 *               bounded MPSC ring 32 at a time (devmem_pool_flush_returns())
 *   slow path   refill a batch from the ring, else from the memory provider
 *
 * Accounting follows page_pool: hold counts buffers taken from the provider
 * (written by the polling thread only), release counts buffers given back
 * (atomic, any thread). hold - release is what the pool is responsible for:
 * its cache, its ring and what is in flight.
 *
 * struct devmem_pool is in devmem_pool_private.h; creation and the
 * statistics are in devmem_pool_setup.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>

#include "devmem_pool_private.h"

/*
 * Returns from a thread that does not own the pool: buffered here, one pool
 * at a time, and enqueued into that pool's ring in one batch. The lock is
 * the owning thread's except when a pool is destroyed or the thread exits:
 * then another thread empties the stash, so every stash is on a list.
 */
struct return_stash {
	_Atomic bool locked;       /* stash_lock() */
	uint32_t n;
	struct devmem_pool *pool;  /* refs[] belong to it; stale (never used) when n == 0 */
	devmem_ref refs[DEVMEM_POOL_RETURN_BATCH];
	struct return_stash *next;
};

/*
 * The thread's stash, allocated at its first remote return. Initial-exec: a
 * pointer read is one %fs-relative load instead of a __tls_get_addr call
 * (8 bytes of the static TLS surplus when the library is dlopen()ed).
 */
static __thread struct return_stash *thread_stash __attribute__((tls_model("initial-exec")));
static pthread_mutex_t stash_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct return_stash *stash_list;
static pthread_key_t stash_exit_key;
static pthread_once_t stash_key_once = PTHREAD_ONCE_INIT;
static bool stash_key_ok;
static _Atomic uint32_t zombie_count;

static inline uintptr_t pool_owner(const struct devmem_pool *pool)
{
	return __atomic_load_n(&pool->owner_for_returns, __ATOMIC_RELAXED);
}

/*
 * With check_puts the inline fast paths never see their owner, so every
 * allocation passes pool_take(), which clears the chunk's in-pool mark.
 */
static inline void pool_set_owner(struct devmem_pool *pool, uintptr_t owner)
{
	__atomic_store_n(&pool->cache.owner, pool->check_puts ? POOL_NO_OWNER : owner,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&pool->owner_for_returns, owner, __ATOMIC_RELAXED);
}

/*
 * check_puts, a debugging aid: a chunk the pool holds has refcount 1, as
 * one the caller holds alone, so a second put of it would be taken and the
 * chunk handed out twice. With check_puts each chunk also carries an
 * in-pool mark, set when it comes home and cleared when it is handed out;
 * a put that finds the mark set is refused, logged and counted. The cost:
 * every allocation and put takes the checked slow path.
 */
static inline void chunk_set_in_pool(struct devmem_pool *pool, devmem_ref ref, uint32_t in)
{
	if (unlikely(pool->check_puts))
		__atomic_store_n(&devmem_ref_iov(ref)->in_pool, in, __ATOMIC_RELEASE);
}

static bool chunk_put_twice(struct devmem_pool *pool, struct devmem_iov *iov)
{
	if (likely(!pool->check_puts) || !__atomic_exchange_n(&iov->in_pool, 1, __ATOMIC_ACQ_REL))
		return false;
	atomic_fetch_add_explicit(&pool->put_refused, 1, memory_order_relaxed);
	DEVMEM_LOG(ERR, "pool %s: put of chunk %u, which the pool holds already (a second put): "
		   "refused", pool->name, iov->idx);
	return true;
}

/*
 * The stash lock is taken by its own thread on every remote return and by
 * another thread only at pool destroy or thread exit, so it is never
 * contended in steady state: one exchange to take it and a plain release
 * store to drop it (rte_spinlock's x86 unlock is a second locked exchange).
 */
static inline void stash_lock(struct return_stash *st)
{
	while (atomic_exchange_explicit(&st->locked, true, memory_order_acquire))
		while (atomic_load_explicit(&st->locked, memory_order_relaxed))
			rte_pause();
}

static inline void stash_unlock(struct return_stash *st)
{
	atomic_store_explicit(&st->locked, false, memory_order_release);
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

/* The last access to the pool: the release may free a dying one. */
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

/* Into the ring in one enqueue; what does not fit goes back to the provider. */
static void pool_return_to_ring(struct devmem_pool *pool, const devmem_ref *refs, unsigned int n)
{
	unsigned int done = rte_ring_enqueue_burst(pool->ring, (void *const *)refs, n, NULL);

	atomic_fetch_add_explicit(&pool->recycle_ring, done, memory_order_relaxed);
	if (unlikely(done < n)) {
		atomic_fetch_add_explicit(&pool->recycle_ring_full, n - done, memory_order_relaxed);
		while (done < n)
			pool_release_to_provider(pool, refs[done++]);
	}
}

/* --- remote returns: the per-thread stash --- */

static void stash_flush_locked(struct return_stash *st)
{
	struct devmem_pool *pool = st->pool;
	unsigned int i, n = st->n;

	if (n == 0)
		return;
	st->n = 0;
	/* Destroy has drained (or is draining) the ring: the provider takes them. */
	if (atomic_load_explicit(&pool->dying, memory_order_acquire)) {
		for (i = 0; i < n; i++)
			pool_release_to_provider(pool, st->refs[i]);
		return;
	}
	pool_return_to_ring(pool, st->refs, n);
}

static void stash_on_thread_exit(void *arg)
{
	struct return_stash *st = arg, **pp;

	pthread_mutex_lock(&stash_list_lock);
	stash_lock(st);
	stash_flush_locked(st);
	stash_unlock(st);
	for (pp = &stash_list; *pp; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	pthread_mutex_unlock(&stash_list_lock);
	thread_stash = NULL;
	free(st);
}

static void stash_key_create(void)
{
	stash_key_ok = pthread_key_create(&stash_exit_key, stash_on_thread_exit) == 0;
}

/* First remote return of this thread (once per thread): its stash, or NULL. */
static struct return_stash *stash_create(void)
{
	struct return_stash *st;

	pthread_once(&stash_key_once, stash_key_create);
	st = aligned_alloc(RTE_CACHE_LINE_SIZE, RTE_ALIGN_CEIL(sizeof(*st), RTE_CACHE_LINE_SIZE));
	if (!st || !stash_key_ok || pthread_setspecific(stash_exit_key, st) != 0) {
		free(st);
		DEVMEM_LOG(ERR, "pool: no per-thread return buffer; remote returns go unbatched");
		return NULL;
	}
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&stash_list_lock);
	st->next = stash_list;
	stash_list = st;
	pthread_mutex_unlock(&stash_list_lock);
	thread_stash = st;
	return st;
}

/*
 * Returns from a thread that does not own the pool. The dying test is made
 * under the stash lock, which destroy takes after setting dying: either the
 * chunks are in the stash before destroy empties it, or they go straight to
 * the provider here.
 */
static void pool_return_remote(struct devmem_pool *pool, const devmem_ref *refs, unsigned int n)
{
	struct return_stash *st = thread_stash;
	unsigned int take;

	if (unlikely(!st) && !(st = stash_create())) {
		pool_return_to_ring(pool, refs, n);
		return;
	}
	stash_lock(st);
	if (unlikely(atomic_load_explicit(&pool->dying, memory_order_acquire))) {
		stash_unlock(st);
		while (n--)
			pool_release_to_provider(pool, *refs++);
		return;
	}
	if (st->pool != pool) {
		stash_flush_locked(st);
		st->pool = pool;
	}
	while (n) {
		take = RTE_MIN(n, DEVMEM_POOL_RETURN_BATCH - st->n);
		memcpy(&st->refs[st->n], refs, take * sizeof(*refs));
		st->n += take;
		refs += take;
		n -= take;
		if (st->n == DEVMEM_POOL_RETURN_BATCH)
			stash_flush_locked(st);
	}
	stash_unlock(st);
}

/* The common remote return: one chunk into a stash of the same pool with room. */
static inline bool pool_return_remote_one(struct devmem_pool *pool, devmem_ref ref)
{
	struct return_stash *st = thread_stash;
	bool done = false;

	if (unlikely(!st || st->pool != pool || st->n >= DEVMEM_POOL_RETURN_BATCH - 1))
		return false;
	stash_lock(st);
	if (likely(!atomic_load_explicit(&pool->dying, memory_order_acquire))) {
		st->refs[st->n++] = ref;
		done = true;
	}
	stash_unlock(st);
	return done;
}

void devmem_pool_flush_returns(void)
{
	struct return_stash *st = thread_stash;

	if (!st || st->n == 0)
		return;
	stash_lock(st);
	stash_flush_locked(st);
	stash_unlock(st);
}

/* Destroy: every thread's buffered returns of `pool` go home. */
static void stash_collect(struct devmem_pool *pool)
{
	struct return_stash *st;

	pthread_mutex_lock(&stash_list_lock);
	for (st = stash_list; st; st = st->next) {
		stash_lock(st);
		if (st->n && st->pool == pool)
			stash_flush_locked(st);
		stash_unlock(st);
	}
	pthread_mutex_unlock(&stash_list_lock);
}

/* --- recycling --- */

/*
 * Put chunks nobody holds back where they belong: the cache on the owning
 * thread (the overflow into the ring, then the provider), else the stash.
 */
static void pool_recycle_bulk(struct devmem_pool *pool, const devmem_ref *refs, unsigned int n)
{
	struct devmem_pool_cache *c = &pool->cache;
	unsigned int fit;

	if (pool_owner(pool) != devmem_thread_self()) {
		pool_return_remote(pool, refs, n);
		return;
	}
	fit = RTE_MIN(n, c->size - c->count);
	memcpy(&c->refs[c->count], refs, fit * sizeof(*refs));
	c->count += fit;
	c->recycle_cached += fit;
	if (unlikely(fit < n))
		pool_return_to_ring(pool, refs + fit, n - fit);
}

static inline void pool_recycle(struct devmem_pool *pool, devmem_ref ref)
{
	struct devmem_pool_cache *c = &pool->cache;

	if (likely(pool_owner(pool) == devmem_thread_self())) {
		if (likely(c->count < c->size)) {
			c->refs[c->count++] = ref;
			c->recycle_cached++;
			return;
		}
	} else if (likely(pool_return_remote_one(pool, ref))) {
		return;
	}
	pool_recycle_bulk(pool, &ref, 1);
}

/* A chunk whose refcount reached 0 (mbuf free, devmem_ref_put): the pool's reference again. */
void devmem_iov_recycle(struct devmem_iov *iov)
{
	rte_mbuf_ext_refcnt_set(&iov->shinfo, 1);
	if (unlikely(iov->pool == NULL)) {
		/* A put too many: the chunk had gone back to its provider. */
		DEVMEM_LOG(ERR, "put of chunk %u, which is back with its provider: refused",
			   iov->idx);
		return;
	}
	if (unlikely(chunk_put_twice(iov->pool, iov)))
		return;
	pool_recycle(iov->pool, (uintptr_t)iov | (iov->owner->readable ? 0 : DEVMEM_REF_IOV_TAG));
}

/*
 * Drop the caller's reference; true when it was the last (the chunk is free
 * and keeps refcount 1). Like page_pool_unref_netmem(): the sole holder
 * needs no atomic operation and no store.
 */
static inline bool chunk_unref_last(struct devmem_iov *iov)
{
	if (likely(rte_mbuf_ext_refcnt_read(&iov->shinfo) == 1))
		return true;
	if (__atomic_sub_fetch(&iov->shinfo.refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return false;
	rte_mbuf_ext_refcnt_set(&iov->shinfo, 1);
	return true;
}

static bool pool_put_refused(struct devmem_pool *pool, devmem_ref ref)
{
	struct devmem_iov *iov = devmem_ref_iov(ref);

	if (devmem_ref_is_null(ref))
		return true;
	if (iov->pool == pool)
		return false;
	atomic_fetch_add_explicit(&pool->put_refused, 1, memory_order_relaxed);
	DEVMEM_LOG(ERR, "pool %s: put of a buffer owned by %s", pool->name,
		   iov->pool ? iov->pool->name : "no pool (already free)");
	return true;
}

static inline bool pool_unref(struct devmem_pool *pool, devmem_ref ref)
{
	if (unlikely(devmem_ref_is_null(ref) || devmem_ref_iov(ref)->pool != pool) &&
	    pool_put_refused(pool, ref))
		return false;
	return chunk_unref_last(devmem_ref_iov(ref)) && !chunk_put_twice(pool, devmem_ref_iov(ref));
}

/*
 * True when every chunk of the burst is ours and held only by the caller,
 * the common case, in which putting them changes nothing in the chunks.
 * Per chunk: a NULL test, a compare of its pool, and its refcount folded
 * into an OR and an AND. The OR of the refcounts is 1 and their AND is odd
 * exactly when every refcount is 1.
 */
static inline bool burst_is_sole_held(const struct devmem_pool *pool, const devmem_ref *refs,
				      unsigned int n)
{
	uint16_t any = 0, all = 1;
	unsigned int i;

#pragma GCC unroll 8
	for (i = 0; i < n; i++) {
		const struct devmem_iov *iov = devmem_ref_iov(refs[i]);
		uint16_t refcnt;

		/* NULL after untagging: also refuses a bare tag (1), with no copy of the ref. */
		if (unlikely(!iov || iov->pool != pool))
			return false;
		refcnt = rte_mbuf_ext_refcnt_read(&iov->shinfo);
		any |= refcnt;
		all &= refcnt;
	}
	return any == 1 && (all & 1);
}

void devmem_pool_put(struct devmem_pool *pool, devmem_ref ref)
{
	if (unlikely(!pool))
		return;
	if (pool_unref(pool, ref))
		pool_recycle(pool, ref);
}

/* Anything but a clean burst on the owner: reference by reference, in batches. */
static __rte_noinline void pool_put_bulk_slow(struct devmem_pool *pool, const devmem_ref *refs,
					      unsigned int n)
{
	devmem_ref batch[DEVMEM_POOL_RETURN_BATCH];
	unsigned int i, k;

	while (n) {
		unsigned int m = RTE_MIN(n, RTE_DIM(batch));

		for (i = 0, k = 0; i < m; i++)
			if (pool_unref(pool, refs[i]))
				batch[k++] = refs[i];
		if (k)
			pool_recycle_bulk(pool, batch, k);
		refs += m;
		n -= m;
	}
}

void devmem_pool_put_bulk(struct devmem_pool *pool, const devmem_ref *refs, unsigned int n)
{
	struct devmem_pool_cache *c = &pool->cache;

	if (unlikely(!pool || !refs))
		return;
	/*
	 * Owner with room for all, every chunk ours and held only by the caller:
	 * one bounds check, then one copy into the cache.
	 */
	if (likely(pool_owner(pool) == devmem_thread_self() && n <= c->size - c->count &&
		   !pool->check_puts && burst_is_sole_held(pool, refs, n))) {
		memcpy(&c->refs[c->count], refs, n * sizeof(*refs));
		c->count += n;
		c->recycle_cached += n;
		return;
	}
	pool_put_bulk_slow(pool, refs, n);
}

/* --- allocation slow path --- */

static void pool_take_from_provider(struct devmem_pool *pool, devmem_ref *refs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		devmem_ref_iov(refs[i])->pool = pool;
		rte_mbuf_ext_refcnt_set(&devmem_ref_iov(refs[i])->shinfo, 1);
		chunk_set_in_pool(pool, refs[i], 1);
	}
	atomic_store_explicit(&pool->hold,
			      atomic_load_explicit(&pool->hold, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/*
 * Top the cache up to `need` chunks if the pool has them: returned buffers
 * first, then the provider, at least `refill` at a time. Returns the count.
 */
static unsigned int pool_refill(struct devmem_pool *pool, unsigned int need)
{
	struct devmem_pool_cache *c = &pool->cache;
	unsigned int want, got;

	if (c->count >= need)
		return c->count;
	want = RTE_MIN(RTE_MAX(need - c->count, pool->refill), c->size - c->count);
	got = rte_ring_dequeue_burst(pool->ring, (void **)&c->refs[c->count], want, NULL);
	c->count += got;
	if (c->count < need) {
		want = RTE_MIN(RTE_MAX(need - c->count, pool->refill), c->size - c->count);
		got = pool->ops->alloc_refs(pool, &c->refs[c->count], want);
		pool_take_from_provider(pool, &c->refs[c->count], got);
		c->count += got;
	}
	if (c->count < need)
		pool->alloc_empty++;
	return c->count;
}

/* Past the inline checks: this thread becomes the owner; its own stash goes home first. */
static void pool_claim(struct devmem_pool *pool)
{
	if (unlikely(pool_owner(pool) != devmem_thread_self()))
		pool_set_owner(pool, devmem_thread_self());
	devmem_pool_flush_returns();
}

/* One buffer, refcount 1 (shared by alloc and frag). */
static inline devmem_ref pool_take_one(struct devmem_pool *pool)
{
	struct devmem_pool_cache *c = &pool->cache;

	if (likely(c->count > 0 && pool_owner(pool) == devmem_thread_self())) {
		c->alloc_fast++;
		return c->refs[--c->count];
	}
	pool_claim(pool);
	if (c->count > 0) {
		c->alloc_fast++;
		return c->refs[--c->count];
	}
	if (pool_refill(pool, 1) == 0)
		return 0;
	pool->alloc_slow++;
	return c->refs[--c->count];
}

static inline devmem_ref pool_take(struct devmem_pool *pool)
{
	devmem_ref ref = pool_take_one(pool);

	if (ref)
		chunk_set_in_pool(pool, ref, 0);
	return ref;
}

devmem_ref devmem_pool_alloc_slow(struct devmem_pool *pool)
{
	return pool_take(pool);
}

unsigned int devmem_pool_alloc_bulk_slow(struct devmem_pool *pool, devmem_ref *refs,
					 unsigned int n)
{
	struct devmem_pool_cache *c = &pool->cache;
	unsigned int done = 0, take;

	pool_claim(pool);
	while (done < n) {
		if (pool_refill(pool, RTE_MIN(n - done, c->size)) == 0)
			break;
		take = RTE_MIN(n - done, c->count);
		c->count -= take;
		memcpy(&refs[done], &c->refs[c->count], take * sizeof(*refs));
		done += take;
	}
	pool->alloc_slow += done;
	if (unlikely(pool->check_puts))
		for (take = 0; take < done; take++)
			chunk_set_in_pool(pool, refs[take], 0);
	return done;
}

/* --- fragments --- */

/* Give back the references of the current fragment chunk nobody took. */
static void pool_frag_retire(struct devmem_pool *pool)
{
	struct devmem_pool_cache *c = &pool->cache;
	devmem_ref ref = c->frag_ref;
	int16_t unused;

	if (!ref)
		return;
	c->frag_ref = 0;
	unused = (int16_t)(DEVMEM_FRAG_BIAS - c->frag_users);
	/* Every biased reference was handed out: the pool holds none to drop. */
	if (unused == 0)
		return;
	if (rte_mbuf_ext_refcnt_update(&devmem_ref_iov(ref)->shinfo, -unused) == 0)
		devmem_iov_recycle(devmem_ref_iov(ref));
}

/* The inline devmem_pool_alloc_frag() found no room in the current chunk (or bad input). */
devmem_ref devmem_pool_alloc_frag_slow(struct devmem_pool *pool, uint32_t size,
				       uint32_t *offset)
{
	struct devmem_pool_cache *c = &pool->cache;
	uint32_t need = RTE_ALIGN_CEIL(size, c->frag_align);
	devmem_ref ref;

	if (unlikely(size == 0 || size > pool->chunk_size || need > pool->chunk_size ||
		     !offset)) {
		DEVMEM_LOG(ERR, "pool %s: fragment of %u bytes does not fit a %u-byte chunk",
			   pool->name, size, pool->chunk_size);
		return 0;
	}
	if (c->frag_ref && c->frag_offset + need <= pool->chunk_size) {
		ref = c->frag_ref;
		c->frag_users++;
	} else {
		pool_frag_retire(pool);
		ref = pool_take(pool);
		if (unlikely(!ref))
			return 0;
		rte_mbuf_ext_refcnt_set(&devmem_ref_iov(ref)->shinfo, DEVMEM_FRAG_BIAS);
		c->frag_ref = ref;
		c->frag_offset = 0;
		c->frag_users = 1;
	}
	*offset = c->frag_offset;
	c->frag_offset += need;
	c->frag_allocs++;
	return ref;
}

void devmem_pool_frag_flush(struct devmem_pool *pool)
{
	if (pool)
		pool_frag_retire(pool);
}

/* --- setup and teardown --- */

void devmem_pool_destroy(struct devmem_pool *pool)
{
	uint32_t hold;

	if (!pool)
		return;
	pool_frag_retire(pool);
	/* Destroy's own count keeps the pool alive until the drains below are done. */
	hold = atomic_load_explicit(&pool->hold, memory_order_relaxed) + 1;
	atomic_store_explicit(&pool->hold, hold, memory_order_relaxed);
	/* From now on no thread is the owner: every return takes the remote path... */
	pool_set_owner(pool, POOL_NO_OWNER);
	/* ...which sees dying under its stash lock, taken by stash_collect() below. */
	atomic_store_explicit(&pool->dying, true, memory_order_seq_cst);

	while (pool->cache.count)
		pool_release_to_provider(pool, pool->cache.refs[--pool->cache.count]);
	stash_collect(pool);
	pool_drain_ring(pool);

	if (hold - 1 != atomic_load(&pool->release)) {
		pool->zombie = true;
		atomic_fetch_add(&zombie_count, 1);
		DEVMEM_LOG(INFO, "pool %s: %u buffers still in flight, teardown deferred",
			   pool->name, hold - 1 - atomic_load(&pool->release));
	}
	pool_count_release(pool); /* drop destroy's own count */
}

/* --- introspection (the rest: devmem_pool_setup.c) --- */

uint32_t devmem_pool_count_zombies(void)
{
	return atomic_load(&zombie_count);
}
