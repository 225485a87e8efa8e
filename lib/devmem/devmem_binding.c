/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bindings: a dmabuf carved into chunks (net/core/devmem.c's
 * net_devmem_dmabuf_binding). A binding owns its areas, its iovs and the
 * free list behind every pool that draws from it. It is refcounted: the
 * owner holds one reference until devmem_binding_unbind(), each pool and an
 * extbuf mempool hold one more, so teardown waits for chunks in flight.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devmem_private.h"

/* Ids start at 1, like the kernel's xa_alloc_cyclic with XA_FLAGS_ALLOC1. */
static _Atomic uint32_t next_binding_id = 1;

static rte_spinlock_t live_lock = RTE_SPINLOCK_INITIALIZER;
static struct devmem_binding *live_bindings;
static uint32_t live_count;

/* --- free list (the genpool behind the provider) --- */

int devmem_freelist_init(struct devmem_freelist *fl, uint32_t capacity)
{
	rte_spinlock_init(&fl->lock);
	fl->count = 0;
	fl->capacity = capacity;
	fl->slots = calloc(capacity ? capacity : 1, sizeof(*fl->slots));
	return fl->slots ? 0 : -ENOMEM;
}

void devmem_freelist_fini(struct devmem_freelist *fl)
{
	free(fl->slots);
	fl->slots = NULL;
	fl->count = fl->capacity = 0;
}

unsigned int devmem_freelist_pop_bulk(struct devmem_freelist *fl, devmem_ref *refs,
				      unsigned int n, uintptr_t tag)
{
	unsigned int i, got;

	rte_spinlock_lock(&fl->lock);
	got = RTE_MIN(n, fl->count);
	/* Fill backwards: a LIFO cache then hands out the lowest offset first. */
	for (i = got; i-- > 0;)
		refs[i] = (uintptr_t)fl->slots[--fl->count] | tag;
	rte_spinlock_unlock(&fl->lock);
	return got;
}

void devmem_freelist_push(struct devmem_freelist *fl, struct devmem_iov *iov)
{
	rte_spinlock_lock(&fl->lock);
	/* A push past capacity would mean a chunk freed twice: never overwrite. */
	if (likely(fl->count < fl->capacity))
		fl->slots[fl->count++] = iov;
	else
		DEVMEM_LOG(ERR, "free list overflow: chunk %u returned twice?", iov->idx);
	rte_spinlock_unlock(&fl->lock);
}

/* --- binding lifetime --- */

static int binding_check_params(const struct devmem_binding_params *p, size_t dmabuf_size,
				uint32_t *chunk_size, uint32_t *area_size)
{
	*chunk_size = p && p->chunk_size ? p->chunk_size : DEVMEM_CHUNK_SIZE_DEFAULT;
	*area_size = p && p->area_size ? p->area_size : DEVMEM_AREA_SIZE_DEFAULT;

	if (!rte_is_power_of_2(*chunk_size) || *chunk_size < DEVMEM_CHUNK_SIZE_MIN ||
	    *chunk_size > DEVMEM_CHUNK_SIZE_MAX)
		return DEVMEM_FAIL(EINVAL, "chunk size %u: must be a power of two from %u to %u",
				   *chunk_size, DEVMEM_CHUNK_SIZE_MIN, DEVMEM_CHUNK_SIZE_MAX);
	if (*area_size < *chunk_size || *area_size % *chunk_size)
		return DEVMEM_FAIL(EINVAL, "area size %u: must be a multiple of the chunk size %u",
				   *area_size, *chunk_size);
	if (dmabuf_size < *chunk_size)
		return DEVMEM_FAIL(EINVAL, "dmabuf of %zu bytes is smaller than one %u-byte chunk",
				   dmabuf_size, *chunk_size);
	if (dmabuf_size / *chunk_size > UINT32_MAX / 2)
		return DEVMEM_FAIL(E2BIG, "dmabuf of %zu bytes has too many %u-byte chunks",
				   dmabuf_size, *chunk_size);
	return 0;
}

/*
 * Every chunk's mbuf shared-info points back at the chunk, so that DPDK's
 * mbuf free (refcount reaching 0) lands in devmem_iov_recycle().
 */
static void devmem_iov_free_cb(void *addr __rte_unused, void *opaque)
{
	devmem_iov_recycle(opaque);
}

void devmem_area_init(struct devmem_area *area, struct devmem_iov *iovs, uint32_t nr_iovs,
		      uint32_t chunk_shift, uint64_t base_offset, uint8_t *host_base)
{
	uint32_t i;

	area->iovs = iovs;
	area->nr_iovs = nr_iovs;
	area->chunk_shift = chunk_shift;
	area->base_offset = base_offset;
	area->host_base = host_base;
	for (i = 0; i < nr_iovs; i++) {
		iovs[i].owner = area;
		iovs[i].idx = i;
		iovs[i].host = devmem_iov_host_view(&iovs[i]);
		iovs[i].iova = devmem_iov_offset(&iovs[i]);
		iovs[i].size = devmem_iov_chunk_size(&iovs[i]);
		iovs[i].shinfo.free_cb = devmem_iov_free_cb;
		iovs[i].shinfo.fcb_opaque = &iovs[i];
		iovs[i].magic = DEVMEM_IOV_MAGIC;
		rte_mbuf_ext_refcnt_set(&iovs[i].shinfo, 0);
	}
}

/* Lay areas over the dmabuf and put every chunk on the free list. */
static void binding_init_areas(struct devmem_binding *b, uint32_t area_size)
{
	uint32_t per_area = area_size >> b->chunk_shift;
	uint8_t *host = devmem_dmabuf_host_view(b->dmabuf);
	uint32_t a, i, first = 0;

	for (a = 0; a < b->nr_areas; a++) {
		struct devmem_area *area = &b->areas[a];
		uint64_t base = (uint64_t)first << b->chunk_shift;

		devmem_area_init(area, &b->iovs[first], RTE_MIN(per_area, b->nr_chunks - first),
				 b->chunk_shift, base, host ? host + base : NULL);
		area->binding = b;
		first += area->nr_iovs;
	}
	/* Push in reverse so the first allocations get the lowest offsets. */
	for (i = b->nr_chunks; i-- > 0;)
		b->free.slots[b->free.count++] = &b->iovs[i];
}

int devmem_binding_create(struct devmem_dmabuf *dmabuf, const struct devmem_binding_params *params,
			  struct devmem_binding **out)
{
	struct devmem_binding *b;
	uint32_t chunk_size, area_size;
	int ret;

	if (!dmabuf || !out)
		return DEVMEM_FAIL(EINVAL, "binding_create: dmabuf and out are required");
	*out = NULL;
	ret = binding_check_params(params, devmem_dmabuf_size(dmabuf), &chunk_size, &area_size);
	if (ret)
		return ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return DEVMEM_FAIL(ENOMEM, "binding_create: out of memory");
	b->chunk_size = chunk_size;
	b->chunk_shift = rte_bsf32(chunk_size);
	b->nr_chunks = devmem_dmabuf_size(dmabuf) >> b->chunk_shift;
	b->nr_areas = (b->nr_chunks + (area_size >> b->chunk_shift) - 1) /
		      (area_size >> b->chunk_shift);
	b->iovs = calloc(b->nr_chunks, sizeof(*b->iovs));
	b->areas = calloc(b->nr_areas, sizeof(*b->areas));
	if (!b->iovs || !b->areas || devmem_freelist_init(&b->free, b->nr_chunks)) {
		free(b->iovs);
		free(b->areas);
		free(b);
		return DEVMEM_FAIL(ENOMEM, "binding_create: no memory for %u chunks", chunk_size);
	}
	b->dmabuf = devmem_dmabuf_get(dmabuf);
	atomic_init(&b->refcnt, 1);
	binding_init_areas(b, area_size);
	b->id = atomic_fetch_add(&next_binding_id, 1);

	rte_spinlock_lock(&live_lock);
	b->next_live = live_bindings;
	live_bindings = b;
	live_count++;
	rte_spinlock_unlock(&live_lock);

	DEVMEM_LOG(INFO, "binding %u: %s, %u chunks of %u bytes in %u areas", b->id,
		   devmem_dmabuf_describe(dmabuf), b->nr_chunks, chunk_size, b->nr_areas);
	*out = b;
	return 0;
}

static void binding_free(struct devmem_binding *b)
{
	struct devmem_binding **pp;

	rte_spinlock_lock(&live_lock);
	for (pp = &live_bindings; *pp; pp = &(*pp)->next_live) {
		if (*pp == b) {
			*pp = b->next_live;
			live_count--;
			break;
		}
	}
	rte_spinlock_unlock(&live_lock);

	if (b->free.count != b->nr_chunks)
		DEVMEM_LOG(ERR, "binding %u freed with %u of %u chunks missing", b->id,
			   b->nr_chunks - b->free.count, b->nr_chunks);
	DEVMEM_LOG(INFO, "binding %u released", b->id);
	devmem_freelist_fini(&b->free);
	devmem_dmabuf_put(b->dmabuf);
	free(b->areas);
	free(b->iovs);
	free(b);
}

void devmem_binding_ref(struct devmem_binding *b)
{
	atomic_fetch_add_explicit(&b->refcnt, 1, memory_order_relaxed);
}

void devmem_binding_deref(struct devmem_binding *b)
{
	if (atomic_fetch_sub_explicit(&b->refcnt, 1, memory_order_acq_rel) == 1)
		binding_free(b);
}

void devmem_binding_unbind(struct devmem_binding *b)
{
	if (!b)
		return;
	if (b->unbound) {
		DEVMEM_LOG(ERR, "binding %u unbound twice", b->id);
		return;
	}
	b->unbound = true;
	devmem_bind_rx_forget_binding(b);
	devmem_binding_deref(b);
}

/*
 * Process exit is the owner going away, as a crashed process closes its
 * netlink socket: unbind what the application left bound so queues and
 * pools are released in order and leak checkers see a clean exit.
 */
static void binding_unbind_all_at_exit(void)
{
	for (;;) {
		struct devmem_binding *b = NULL, *it;

		rte_spinlock_lock(&live_lock);
		for (it = live_bindings; it; it = it->next_live)
			if (!it->unbound) {
				b = it;
				break;
			}
		rte_spinlock_unlock(&live_lock);
		if (!b)
			return;
		DEVMEM_LOG(INFO, "exit: unbinding binding %u left bound", b->id);
		devmem_binding_unbind(b);
	}
}

RTE_INIT(devmem_binding_register_exit)
{
	atexit(binding_unbind_all_at_exit);
}

uint32_t devmem_binding_id(const struct devmem_binding *b)
{
	return b ? b->id : 0;
}

uint32_t devmem_binding_chunk_size(const struct devmem_binding *b)
{
	return b ? b->chunk_size : 0;
}

uint32_t devmem_binding_nr_chunks(const struct devmem_binding *b)
{
	return b ? b->nr_chunks : 0;
}

uint32_t devmem_binding_nr_free(const struct devmem_binding *b)
{
	uint32_t n;

	if (!b)
		return 0;
	rte_spinlock_lock((rte_spinlock_t *)&b->free.lock);
	n = b->free.count;
	rte_spinlock_unlock((rte_spinlock_t *)&b->free.lock);
	return n;
}

uint32_t devmem_binding_nr_areas(const struct devmem_binding *b)
{
	return b ? b->nr_areas : 0;
}

struct devmem_dmabuf *devmem_binding_dmabuf(const struct devmem_binding *b)
{
	return b ? b->dmabuf : NULL;
}

uint32_t devmem_binding_count_live(void)
{
	uint32_t n;

	rte_spinlock_lock(&live_lock);
	n = live_count;
	rte_spinlock_unlock(&live_lock);
	return n;
}

/* --- references --- */

uint64_t devmem_ref_offset(devmem_ref ref)
{
	return devmem_ref_is_null(ref) ? 0 : devmem_iov_offset(devmem_ref_iov(ref));
}

void *devmem_ref_host_addr(devmem_ref ref)
{
	if (devmem_ref_is_null(ref) || devmem_ref_is_device(ref))
		return NULL;
	return devmem_iov_host_view(devmem_ref_iov(ref));
}

void *devmem_ref_device_addr(devmem_ref ref)
{
	struct devmem_iov *iov;
	uint8_t *view;

	if (devmem_ref_is_null(ref))
		return NULL;
	iov = devmem_ref_iov(ref);
	if (!devmem_ref_is_device(ref))
		return devmem_iov_host_view(iov);
	view = devmem_dmabuf_device_view(iov->owner->binding->dmabuf);
	return view ? view + devmem_iov_offset(iov) : NULL;
}

uint32_t devmem_ref_binding_id(devmem_ref ref)
{
	if (devmem_ref_is_null(ref) || !devmem_ref_is_device(ref))
		return 0;
	return devmem_ref_iov(ref)->owner->binding->id;
}

void devmem_ref_get(devmem_ref ref)
{
	if (!devmem_ref_is_null(ref))
		rte_mbuf_ext_refcnt_update(&devmem_ref_iov(ref)->shinfo, 1);
}

void devmem_ref_put(devmem_ref ref)
{
	struct devmem_iov *iov;

	if (devmem_ref_is_null(ref))
		return;
	iov = devmem_ref_iov(ref);
	if (rte_mbuf_ext_refcnt_update(&iov->shinfo, -1) == 0)
		devmem_iov_recycle(iov);
}
