/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory providers: where a pool's slow path gets buffers from.
 *   dmabuf provider: chunks of a binding (net/core/devmem.c's dmabuf_devmem_ops)
 *   host provider:   readable hugepage buffers from an EAL memzone
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_memzone.h>

#include "devmem_private.h"

/* --- dmabuf provider --- */

static int dmabuf_provider_init(struct devmem_pool *pool)
{
	struct devmem_binding *b = devmem_pool_provider_priv(pool);

	if (!b)
		return DEVMEM_FAIL(EINVAL, "dmabuf provider: no binding given");
	if (b->unbound)
		return DEVMEM_FAIL(ENODEV, "dmabuf provider: binding %u was unbound", b->id);
	if (b->exported)
		return DEVMEM_FAIL(EBUSY,
				   "dmabuf provider: binding %u belongs to an extbuf mempool",
				   b->id);
	devmem_binding_ref(b);
	return 0;
}

static unsigned int dmabuf_provider_alloc(struct devmem_pool *pool, devmem_ref *refs,
					  unsigned int n)
{
	struct devmem_binding *b = devmem_pool_provider_priv(pool);

	return devmem_freelist_pop_bulk(&b->free, refs, n, DEVMEM_REF_IOV_TAG);
}

static void dmabuf_provider_release(struct devmem_pool *pool, devmem_ref ref)
{
	struct devmem_binding *b = devmem_pool_provider_priv(pool);

	devmem_freelist_push(&b->free, devmem_ref_iov(ref));
}

static void dmabuf_provider_destroy(struct devmem_pool *pool)
{
	devmem_binding_deref(devmem_pool_provider_priv(pool));
}

static int dmabuf_provider_fill_info(const struct devmem_pool *pool,
				     struct devmem_provider_info *info)
{
	const struct devmem_binding *b = devmem_pool_provider_priv(pool);

	info->kind = "dmabuf";
	info->binding_id = b->id;
	info->chunk_size = b->chunk_size;
	info->nr_chunks = b->nr_chunks;
	info->nr_free = devmem_binding_nr_free(b);
	return 0;
}

static void dmabuf_provider_uninstall(void *priv, uint16_t port_id, uint16_t queue_id)
{
	const struct devmem_binding *b = priv;

	DEVMEM_LOG(INFO, "binding %u: port %u queue %u uninstalled", b->id, port_id, queue_id);
}

const struct devmem_provider_ops devmem_dmabuf_provider_ops = {
	.init = dmabuf_provider_init,
	.alloc_refs = dmabuf_provider_alloc,
	.release_ref = dmabuf_provider_release,
	.destroy = dmabuf_provider_destroy,
	.fill_info = dmabuf_provider_fill_info,
	.uninstall = dmabuf_provider_uninstall,
};

/* --- host provider --- */

static void host_area_free(struct devmem_host_area *ha)
{
	if (ha->free.count != ha->area.nr_iovs)
		DEVMEM_LOG(ERR, "host area %s freed with %u buffers missing", ha->name,
			   ha->area.nr_iovs - ha->free.count);
	devmem_freelist_fini(&ha->free);
	rte_memzone_free(ha->mz);
	free(ha->iovs);
	free(ha);
}

static void host_area_deref(struct devmem_host_area *ha)
{
	if (atomic_fetch_sub_explicit(&ha->users, 1, memory_order_acq_rel) == 1)
		host_area_free(ha);
}

int devmem_host_area_create(const char *name, uint32_t nr_chunks, uint32_t chunk_size,
			    int socket_id, struct devmem_host_area **out)
{
	struct devmem_host_area *ha;
	uint32_t i;

	if (!name || !out || nr_chunks == 0)
		return DEVMEM_FAIL(EINVAL,
				   "host_area_create: name, out and a chunk count are required");
	*out = NULL;
	if (!rte_is_power_of_2(chunk_size) || chunk_size < 64 || chunk_size > DEVMEM_CHUNK_SIZE_MAX)
		return DEVMEM_FAIL(EINVAL,
				   "host area %s: chunk size %u must be a power of two, 64..%u",
				   name, chunk_size, DEVMEM_CHUNK_SIZE_MAX);
	ha = calloc(1, sizeof(*ha));
	if (!ha)
		return DEVMEM_FAIL(ENOMEM, "host area %s: out of memory", name);
	snprintf(ha->name, sizeof(ha->name), "%s", name);
	ha->iovs = calloc(nr_chunks, sizeof(*ha->iovs));
	if (!ha->iovs || devmem_freelist_init(&ha->free, nr_chunks)) {
		free(ha->iovs);
		free(ha);
		return DEVMEM_FAIL(ENOMEM, "host area %s: out of memory", name);
	}
	/* IOVA-contiguous, so a buffer's IOVA is base + idx * chunk like a dmabuf offset. */
	ha->mz = rte_memzone_reserve_aligned(ha->name, (size_t)nr_chunks * chunk_size, socket_id,
					     RTE_MEMZONE_IOVA_CONTIG, RTE_MIN(chunk_size, 4096u));
	if (!ha->mz) {
		int err = rte_errno;

		devmem_freelist_fini(&ha->free);
		free(ha->iovs);
		free(ha);
		return DEVMEM_FAIL(err ? err : ENOMEM,
				   "host area %s: cannot reserve %u x %u bytes "
				   "(EAL initialised? hugepages?): %s",
				   name, nr_chunks, chunk_size, rte_strerror(err));
	}
	devmem_area_init(&ha->area, ha->iovs, nr_chunks, rte_bsf32(chunk_size), ha->mz->iova,
			 ha->mz->addr);
	ha->area.readable = true;
	ha->area.host_area = ha;
	for (i = nr_chunks; i-- > 0;)
		ha->free.slots[ha->free.count++] = &ha->iovs[i];
	atomic_init(&ha->users, 1);
	*out = ha;
	return 0;
}

void devmem_host_area_destroy(struct devmem_host_area *ha)
{
	if (ha)
		host_area_deref(ha);
}

static int host_provider_init(struct devmem_pool *pool)
{
	struct devmem_host_area *ha = devmem_pool_provider_priv(pool);

	if (!ha)
		return DEVMEM_FAIL(EINVAL, "host provider: no host area given");
	atomic_fetch_add(&ha->users, 1);
	return 0;
}

static unsigned int host_provider_alloc(struct devmem_pool *pool, devmem_ref *refs, unsigned int n)
{
	struct devmem_host_area *ha = devmem_pool_provider_priv(pool);

	return devmem_freelist_pop_bulk(&ha->free, refs, n, 0);
}

static void host_provider_release(struct devmem_pool *pool, devmem_ref ref)
{
	struct devmem_host_area *ha = devmem_pool_provider_priv(pool);

	devmem_freelist_push(&ha->free, devmem_ref_iov(ref));
}

static void host_provider_destroy(struct devmem_pool *pool)
{
	host_area_deref(devmem_pool_provider_priv(pool));
}

static int host_provider_fill_info(const struct devmem_pool *pool,
				   struct devmem_provider_info *info)
{
	struct devmem_host_area *ha = devmem_pool_provider_priv(pool);

	info->kind = "host";
	info->binding_id = 0;
	info->chunk_size = 1u << ha->area.chunk_shift;
	info->nr_chunks = ha->area.nr_iovs;
	rte_spinlock_lock(&ha->free.lock);
	info->nr_free = ha->free.count;
	rte_spinlock_unlock(&ha->free.lock);
	return 0;
}

static void host_provider_uninstall(void *priv, uint16_t port_id, uint16_t queue_id)
{
	const struct devmem_host_area *ha = priv;

	DEVMEM_LOG(INFO, "host area %s: port %u queue %u uninstalled", ha->name, port_id, queue_id);
}

const struct devmem_provider_ops devmem_host_provider_ops = {
	.init = host_provider_init,
	.alloc_refs = host_provider_alloc,
	.release_ref = host_provider_release,
	.destroy = host_provider_destroy,
	.fill_info = host_provider_fill_info,
	.uninstall = host_provider_uninstall,
};
