/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/devmem for drivers: what a PMD (or a program playing a device: an
 * emulator, a test harness, a benchmark of the pool itself) needs on top of
 * the application API in devmem.h. The role of DPDK's ethdev_driver.h and
 * Linux's page_pool/memory_provider.h:
 *
 *   memory provider    struct devmem_provider_ops ~ memory_provider_ops
 *   host buffers       struct devmem_host_area (readable hugepage chunks)
 *   buffer pool        struct devmem_pool      ~ struct page_pool
 *   queue ops          struct devmem_rxq_ops   ~ netdev_queue_mgmt_ops
 *   port registration  devmem_port_register()
 *   mbuf glue          devmem_mbuf_attach()
 *   device view        devmem_ref_device_addr() (device models only)
 *
 * Applications need none of it: they bind with devmem_bind_rx() and receive
 * mbufs whose payload segments devmem_mbuf_ref() recognises.
 */
#ifndef HSPLIT_DEVMEM_DRIVER_H
#define HSPLIT_DEVMEM_DRIVER_H

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include "devmem.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The chunk as the device sees it: its address in the dmabuf's device view
 * (host buffers: their readable address). Only device models (the emulated
 * NIC's "DMA") and test-mode verification may use it; never the data path.
 */
void *devmem_ref_device_addr(devmem_ref ref);
/* The pool a chunk was handed out by; NULL when free. */
struct devmem_pool *devmem_ref_pool(devmem_ref ref);

/* ------------------------------------------------------------------ */
/* memory providers                                                    */
/* ------------------------------------------------------------------ */

/* The six roles of the kernel's struct memory_provider_ops. */
struct devmem_provider_info {
	const char *kind;     /* "dmabuf" or "host" */
	uint32_t binding_id;  /* dmabuf provider: binding id; host: 0 */
	uint32_t chunk_size;
	uint32_t nr_chunks;
	uint32_t nr_free;
};

struct devmem_provider_ops {
	/* Pool creation: take what the pool needs; an error fails the creation. */
	int (*init)(struct devmem_pool *pool);
	/* Slow-path refill: up to n refs, returns how many (0 = exhausted). */
	unsigned int (*alloc_refs)(struct devmem_pool *pool, devmem_ref *refs, unsigned int n);
	/* A buffer leaves the pool for good. */
	void (*release_ref)(struct devmem_pool *pool, devmem_ref ref);
	/* Pool teardown, after every buffer has been released. */
	void (*destroy)(struct devmem_pool *pool);
	/* Introspection (the kernel's nl_fill). */
	int (*fill_info)(const struct devmem_pool *pool, struct devmem_provider_info *info);
	/* The queue the pool serves goes away (the kernel's uninstall). */
	void (*uninstall)(void *provider_priv, uint16_t port_id, uint16_t queue_id);
};

/* The dmabuf provider: chunks of a binding. priv = struct devmem_binding *. */
extern const struct devmem_provider_ops devmem_dmabuf_provider_ops;
/* The host provider: readable hugepage buffers. priv = struct devmem_host_area *. */
extern const struct devmem_provider_ops devmem_host_provider_ops;

struct devmem_host_area;
/* A readable area of host (hugepage, EAL memzone) buffers; needs rte_eal_init(). */
int devmem_host_area_create(const char *name, uint32_t nr_chunks, uint32_t chunk_size,
			    int socket_id, struct devmem_host_area **out);
void devmem_host_area_destroy(struct devmem_host_area *area);

/* ------------------------------------------------------------------ */
/* buffer pools (page_pool)                                            */
/* ------------------------------------------------------------------ */

#define DEVMEM_POOL_CACHE_DEFAULT  128u
#define DEVMEM_POOL_REFILL_DEFAULT 64u
#define DEVMEM_POOL_CACHE_MAX      1024u
#define DEVMEM_POOL_RING_DEFAULT   1024u
/* Fragments are aligned to this many bytes inside a chunk. */
#define DEVMEM_FRAG_ALIGN_DEFAULT  64u

struct devmem_pool_params {
	const struct devmem_provider_ops *ops;
	void *provider_priv;
	uint32_t cache_size;   /* lockless alloc cache; 0 = 128 */
	uint32_t refill;       /* slow-path batch; 0 = 64 */
	uint32_t ring_size;    /* MPSC return ring, power of two; 0 = 1024 */
	uint32_t frag_align;   /* power of two; 0 = 64 */
	uint16_t port_id;      /* for logs and uninstall; UINT16_MAX if none */
	uint16_t queue_id;
	const char *name;
};

struct devmem_pool_stats {
	uint64_t alloc_fast;      /* served from the cache */
	uint64_t alloc_slow;      /* served by a refill (ring or provider) */
	uint64_t alloc_empty;     /* refill found nothing: the pool was empty */
	uint64_t recycle_cached;  /* returned straight into the cache */
	uint64_t recycle_ring;    /* returned through the MPSC ring */
	uint64_t recycle_ring_full; /* ring full: handed back to the provider */
	uint64_t recycle_released;  /* handed back to the provider */
	uint64_t frag_allocs;     /* fragments carved */
	uint32_t cached;          /* now in the alloc cache */
	uint32_t ring;            /* now in the return ring */
	uint32_t in_flight;       /* held outside the pool (incl. the current frag chunk
				   * and returns other threads still buffer) */
	uint32_t hold;            /* ever taken from the provider */
	uint32_t release;         /* ever given back to the provider */
	/*
	 * Puts refused and logged: a buffer of another pool or already given
	 * back to the provider, or (DEVMEM_CHECK_PUTS=1) one the pool holds.
	 */
	uint64_t put_refused;
};

int devmem_pool_create(const struct devmem_pool_params *params, struct devmem_pool **out);
/*
 * Tear down: cached and ringed buffers go back to the provider now; the pool
 * itself lives on until its in-flight buffers have come back (page_pool's
 * deferred release). Safe to call with buffers still held by the application.
 */
void devmem_pool_destroy(struct devmem_pool *pool);

/*
 * Fast path. Allocation is for the polling thread only: the thread that
 * allocates owns the lockless cache (like page_pool's NAPI owner), and its
 * returns go straight back into it. Other threads' returns are buffered per
 * thread and reach the pool's MPSC ring in batches (see
 * devmem_pool_flush_returns()). Return 0 / the count actually allocated when
 * the pool is empty.
 *
 * devmem_pool_alloc() and devmem_pool_alloc_bulk() are inline: a cache hit
 * costs no call and touches only the pool's cache, because a chunk the pool
 * holds keeps refcount 1 (page_pool's convention: the pool's own reference
 * becomes the caller's). ABI: the inline code reads and writes struct
 * devmem_pool_cache at the start of every pool; changing its layout breaks
 * programs built against this header (bump the library's soname).
 */
struct devmem_pool_cache {
	uintptr_t owner;          /* devmem_thread_self() of the polling thread */
	uint32_t count;           /* refs[0..count) are free chunks, refcount 1 */
	uint32_t size;
	devmem_ref *refs;
	uint64_t alloc_fast;      /* stats, owner only */
	uint64_t recycle_cached;
	/* The fragment chunk devmem_pool_alloc_frag() carves; owner only. Appended: see above. */
	devmem_ref frag_ref;      /* 0: none yet */
	uint32_t frag_offset;     /* next free byte in it */
	uint32_t frag_users;      /* fragments handed out of it */
	uint32_t frag_chunk_size; /* the pool's chunk size */
	uint32_t frag_align;      /* power of two */
	uint64_t frag_allocs;     /* stats */
};

/* An identity of the calling thread that costs one load: its thread pointer. */
static inline uintptr_t devmem_thread_self(void)
{
	return (uintptr_t)__builtin_thread_pointer();
}

static inline struct devmem_pool_cache *devmem_pool_cache_of(struct devmem_pool *pool)
{
	return (struct devmem_pool_cache *)pool;
}

/* Slow paths of the two below: cache empty (refill) or another thread allocating. */
devmem_ref devmem_pool_alloc_slow(struct devmem_pool *pool);
unsigned int devmem_pool_alloc_bulk_slow(struct devmem_pool *pool, devmem_ref *refs,
					 unsigned int n);

static inline devmem_ref devmem_pool_alloc(struct devmem_pool *pool)
{
	struct devmem_pool_cache *c = devmem_pool_cache_of(pool);

	if (unlikely(c->count == 0 ||
		     __atomic_load_n(&c->owner, __ATOMIC_RELAXED) != devmem_thread_self()))
		return devmem_pool_alloc_slow(pool);
	c->alloc_fast++;
	return c->refs[--c->count];
}

/* Up to n chunks (all n unless the pool runs dry), in one copy from the cache. */
static inline unsigned int devmem_pool_alloc_bulk(struct devmem_pool *pool, devmem_ref *refs,
						  unsigned int n)
{
	struct devmem_pool_cache *c = devmem_pool_cache_of(pool);

	if (unlikely(c->count < n ||
		     __atomic_load_n(&c->owner, __ATOMIC_RELAXED) != devmem_thread_self()))
		return devmem_pool_alloc_bulk_slow(pool, refs, n);
	c->count -= n;
	memcpy(refs, &c->refs[c->count], n * sizeof(*refs));
	c->alloc_fast += n;
	return n;
}

/* Slow path of the one below: a new fragment chunk, or a size that does not fit one. */
devmem_ref devmem_pool_alloc_frag_slow(struct devmem_pool *pool, uint32_t size,
				       uint32_t *offset);

/*
 * Carve `size` bytes out of the current fragment chunk (elevated refcount:
 * one refcount update per chunk, not per fragment). Returns the chunk ref
 * and the fragment's offset inside it; the caller holds one reference.
 * Inline: a fragment of the current chunk touches only the pool's cache.
 */
static inline devmem_ref devmem_pool_alloc_frag(struct devmem_pool *pool, uint32_t size,
						uint32_t *offset)
{
	struct devmem_pool_cache *c = devmem_pool_cache_of(pool);
	uint32_t need = (size + c->frag_align - 1) & ~(c->frag_align - 1);

	/* size - 1 < chunk: neither 0 nor so large that rounding it up wrapped around. */
	if (unlikely(c->frag_ref == 0 || size - 1 >= c->frag_chunk_size || offset == NULL ||
		     need > c->frag_chunk_size - c->frag_offset))
		return devmem_pool_alloc_frag_slow(pool, size, offset);
	c->frag_users++;
	c->frag_allocs++;
	*offset = c->frag_offset;
	c->frag_offset += need;
	return c->frag_ref;
}
/* Give up the partly used fragment chunk (e.g. before a queue stops). */
void devmem_pool_frag_flush(struct devmem_pool *pool);

/*
 * Drop the caller's reference (like page_pool_put_netmem()); the last one
 * recycles the buffer: into the cache on the polling thread, else through
 * the ring, else back to the provider. Any thread. Same as devmem_ref_put()
 * but checks the buffer belongs to `pool`.
 */
void devmem_pool_put(struct devmem_pool *pool, devmem_ref ref);
/* The same for n chunks: one copy into the cache, or one batch into the ring. */
void devmem_pool_put_bulk(struct devmem_pool *pool, const devmem_ref *refs, unsigned int n);
/*
 * Returns from a thread that does not own a pool are buffered in that thread
 * (up to DEVMEM_POOL_RETURN_BATCH, for one pool at a time) and enter the
 * pool's ring in one bulk enqueue. They flush when the batch is full, when
 * the thread returns a chunk of another pool, when it next refills a pool of
 * its own, when it exits, when the pool is destroyed (the destroying thread
 * collects them), and when the thread calls this: do so before a thread that
 * returned chunks goes idle for long. Any thread; cheap when nothing is buffered.
 */
#define DEVMEM_POOL_RETURN_BATCH 32u
void devmem_pool_flush_returns(void);

void devmem_pool_get_stats(const struct devmem_pool *pool, struct devmem_pool_stats *stats);
uint32_t devmem_pool_chunk_size(const struct devmem_pool *pool);
int devmem_pool_provider_info(const struct devmem_pool *pool, struct devmem_provider_info *info);


/* ------------------------------------------------------------------ */
/* bind-rx: the driver's side                                          */
/* ------------------------------------------------------------------ */

/* What a driver reports about one of its receive queues. */
struct devmem_rxq_info {
	uint16_t nb_rx_queues;      /* queues the port has now */
	bool split_enabled;         /* header/data split configured on this queue */
	uint32_t split_threshold;   /* payload bytes kept with the header (must be 0) */
	bool unreadable_ok;         /* driver can put payload in unreadable memory */
	bool prog_attached;         /* an XDP-like program sees frames (device-wide) */
	const char *consumer;       /* another owner of the queue (e.g. "afxdp"), else NULL */
	bool setup;                 /* queue is set up now (bind applies at once) */
	bool started;               /* queue is started: an lcore may poll it (-EBUSY) */
};

/*
 * The driver's side of the contract (the kernel's queue management ops).
 * lib/devmem calls both under its registry lock, which is the port's
 * instance lock: the port cannot be unregistered meanwhile, and the callbacks
 * may call devmem_rxq_binding() and devmem_rxq_provider_installed() (the
 * lock is recursive) but must not unregister the port.
 */
struct devmem_rxq_ops {
	int (*rxq_info)(void *drv, uint16_t queue_id, struct devmem_rxq_info *info);
	/*
	 * Re-create the queue's payload pool so the new provider takes effect.
	 * Only called for a queue that is set up and not started (info.started
	 * is refused with -EBUSY first), so no lcore polls it meanwhile.
	 */
	int (*rxq_restart)(void *drv, uint16_t queue_id);
};

/* Driver: announce / withdraw a port (withdraw = close: unbinds every queue). */
int devmem_port_register(uint16_t port_id, const struct devmem_rxq_ops *ops, void *drv);
void devmem_port_unregister(uint16_t port_id);

/* Driver, at queue setup: the binding to install, or NULL. */
struct devmem_binding *devmem_rxq_binding(uint16_t port_id, uint16_t queue_id);
/* Driver, once its pool uses the binding (page_pool_check_memory_provider). */
void devmem_rxq_provider_installed(uint16_t port_id, uint16_t queue_id, struct devmem_pool *pool);

/* ------------------------------------------------------------------ */
/* DPDK mbuf glue: a payload mbuf carries a chunk                      */
/* ------------------------------------------------------------------ */

/*
 * The head of every chunk, fixed when its binding or host area is made: what
 * the inline attach below reads (the rest of a chunk is lib/devmem's own).
 * Its shinfo is the chunk's refcount, so an attached mbuf carries one
 * reference and DPDK's mbuf free drops it.
 */
struct devmem_chunk_head {
	struct rte_mbuf_ext_shared_info shinfo;
	uint8_t *host;      /* host view (PROT_NONE for a strict device chunk: never read) */
	uint64_t iova;      /* the chunk's dmabuf offset (host buffers: their IOVA) */
	uint32_t size;      /* chunk size */
};

static inline struct devmem_chunk_head *devmem_ref_chunk_head(devmem_ref ref)
{
	return (struct devmem_chunk_head *)(ref & ~DEVMEM_REF_IOV_TAG);
}

/* Out-of-line attach with every check and its log line; the inline one calls it on bad input. */
int devmem_mbuf_attach_slow(struct rte_mbuf *m, devmem_ref ref, uint32_t offset, uint32_t len);

/*
 * Attach [offset, offset+len) of a chunk to mbuf `m` as an external buffer:
 * buf_addr = the host view (never dereferenced for a device chunk), buf_iova
 * = dmabuf offset of the chunk. The mbuf takes over the caller's reference;
 * freeing the mbuf returns the chunk to its pool. -EINVAL (logged) on a bad
 * range or an mbuf that is not direct with refcount 1. Inline: a PMD attaches
 * one fragment per packet, and the chunk's head has everything precomputed.
 */
static inline int devmem_mbuf_attach(struct rte_mbuf *m, devmem_ref ref, uint32_t offset,
				     uint32_t len)
{
	struct devmem_chunk_head *h = devmem_ref_chunk_head(ref);

	/* len - 1 < UINT16_MAX: neither 0 nor longer than an mbuf's 16-bit buffer length. */
	if (unlikely(m == NULL || devmem_ref_is_null(ref) || len - 1 >= UINT16_MAX || offset >= h->size ||
		     len > h->size - offset || !RTE_MBUF_DIRECT(m) ||
		     rte_mbuf_refcnt_read(m) != 1))
		return devmem_mbuf_attach_slow(m, ref, offset, len);
	rte_pktmbuf_attach_extbuf(m, h->host + offset, h->iova + offset, (uint16_t)len,
				  &h->shinfo);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return 0;
}

#ifdef __cplusplus
}
#endif

#endif /* HSPLIT_DEVMEM_DRIVER_H */
