/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK glue.
 *
 * 1. devmem_mbuf_attach() (inline in devmem_driver.h; this file has its checked
 *    slow path, devmem_mbuf_attach_slow()): a payload mbuf borrows a fragment of a chunk as an
 *    external buffer. The chunk's embedded rte_mbuf_ext_shared_info is the
 *    chunk's refcount, so the mbuf simply carries the caller's reference and
 *    DPDK's rte_pktmbuf_free() returns the chunk through its free callback.
 * 2. devmem_pktmbuf_pool_create_extbuf(): for PMDs that only take mempools
 *    (mlx5, ice...), a pinned-extbuf pool laid over a whole binding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memory.h>

#include "devmem_private.h"

int devmem_mbuf_attach_slow(struct rte_mbuf *m, devmem_ref ref, uint32_t offset, uint32_t len)
{
	struct devmem_iov *iov = devmem_ref_iov(ref);
	uint32_t chunk;

	if (unlikely(!m || devmem_ref_is_null(ref)))
		return DEVMEM_FAIL(EINVAL, "mbuf_attach: mbuf and ref are required");
	chunk = devmem_iov_chunk_size(iov);
	/* An mbuf's buffer length is 16 bits: it spans the fragment, not the chunk. */
	if (unlikely(len == 0 || len > UINT16_MAX || offset >= chunk || len > chunk - offset))
		return DEVMEM_FAIL(EINVAL,
				   "mbuf_attach: fragment [%u, +%u) outside a %u-byte chunk",
				   offset, len, chunk);
	if (unlikely(!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1))
		return DEVMEM_FAIL(EINVAL, "mbuf_attach: mbuf must be direct with refcnt 1");

	/* buf_addr is the host view: PROT_NONE for a device chunk, never dereferenced. */
	rte_pktmbuf_attach_extbuf(m, devmem_iov_host_view(iov) + offset,
				  devmem_iov_offset(iov) + offset, (uint16_t)len, &iov->shinfo);
	m->data_off = 0;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return 0;
}

devmem_ref devmem_mbuf_ref(const struct rte_mbuf *m)
{
	struct devmem_iov *iov = m ? devmem_mbuf_iov(m) : NULL;

	if (!iov)
		return 0;
	return (uintptr_t)iov | (iov->owner->readable ? 0 : DEVMEM_REF_IOV_TAG);
}

/* --- pinned-extbuf mempool over a binding --- */

/*
 * What an extbuf pool needs to undo. A pktmbuf pool's private area is
 * DPDK's own, so records live in a small list keyed by the mempool.
 */
struct extbuf_record {
	struct rte_mempool *mp;
	struct devmem_binding *binding;
	uint16_t *dma_ports;
	unsigned int nb_dma_ports;
	struct extbuf_record *next;
};

static rte_spinlock_t extbuf_lock = RTE_SPINLOCK_INITIALIZER;
static struct extbuf_record *extbuf_records;

static void extbuf_dma_unmap(struct devmem_binding *b, const uint16_t *ports, unsigned int n)
{
	unsigned int i;
	void *va = devmem_dmabuf_host_view(b->dmabuf);
	size_t len = devmem_dmabuf_size(b->dmabuf);

	for (i = 0; i < n; i++) {
		struct rte_eth_dev_info info;

		if (rte_eth_dev_info_get(ports[i], &info) == 0)
			rte_dev_dma_unmap(info.device, va, 0, len);
	}
}

static int extbuf_dma_map(struct devmem_binding *b, const uint16_t *ports, unsigned int n)
{
	void *va = devmem_dmabuf_host_view(b->dmabuf);
	size_t len = devmem_dmabuf_size(b->dmabuf);
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rte_eth_dev_info info;
		int ret = rte_eth_dev_info_get(ports[i], &info);

		/* IOVA = dmabuf offset: the device addresses the binding by offset. */
		if (ret == 0 && rte_dev_dma_map(info.device, va, 0, len) != 0)
			ret = -rte_errno;
		if (ret) {
			extbuf_dma_unmap(b, ports, i);
			return DEVMEM_FAIL(-ret, "extbuf pool: DMA map for port %u failed: %s",
					   ports[i], rte_strerror(-ret));
		}
	}
	return 0;
}

static int extbuf_check(const char *name, struct devmem_binding *b, unsigned int nb_dma_ports)
{
	if (!name || !b)
		return DEVMEM_FAIL(EINVAL, "extbuf pool: name and binding are required");
	if (b->chunk_size > 32768)
		return DEVMEM_FAIL(EINVAL,
				   "extbuf pool %s: chunk size %u above 32 KiB (16-bit data room)",
				   name, b->chunk_size);
	if (nb_dma_ports > RTE_MAX_ETHPORTS)
		return DEVMEM_FAIL(EINVAL, "extbuf pool %s: %u ports is too many", name,
				   nb_dma_ports);
	if (b->unbound || b->exported || devmem_binding_nr_free(b) != b->nr_chunks)
		return DEVMEM_FAIL(EBUSY, "extbuf pool %s: binding %u is unbound or already in use",
				   name, b->id);
	if (!devmem_dmabuf_host_view(b->dmabuf))
		return DEVMEM_FAIL(EINVAL, "extbuf pool %s: binding %u has no host view", name,
				   b->id);
	return 0;
}

/* Take every chunk off the free list: the mempool owns them from now on. */
static void extbuf_claim_chunks(struct devmem_binding *b, bool claim)
{
	uint32_t i;

	rte_spinlock_lock(&b->free.lock);
	b->free.count = claim ? 0 : b->nr_chunks;
	if (!claim)
		for (i = 0; i < b->nr_chunks; i++)
			b->free.slots[i] = &b->iovs[b->nr_chunks - 1 - i];
	rte_spinlock_unlock(&b->free.lock);
	b->exported = claim;
}

int devmem_pktmbuf_pool_create_extbuf(const char *name, struct devmem_binding *b,
				      unsigned int cache_size, int socket_id,
				      const uint16_t *dma_ports, unsigned int nb_dma_ports,
				      struct rte_mempool **out)
{
	struct rte_pktmbuf_extmem ext;
	struct extbuf_record *rec;
	int ret;

	if (!out)
		return DEVMEM_FAIL(EINVAL, "extbuf pool: out is required");
	*out = NULL;
	ret = extbuf_check(name, b, nb_dma_ports);
	if (ret)
		return ret;
	rec = calloc(1, sizeof(*rec));
	if (rec && nb_dma_ports)
		rec->dma_ports = calloc(nb_dma_ports, sizeof(*dma_ports));
	if (!rec || (nb_dma_ports && !rec->dma_ports)) {
		free(rec);
		return DEVMEM_FAIL(ENOMEM, "extbuf pool %s: out of memory", name);
	}

	ext.buf_ptr = devmem_dmabuf_host_view(b->dmabuf);
	ext.buf_iova = 0; /* IOVA = dmabuf offset, as the emulated device addresses it */
	ext.buf_len = (size_t)b->nr_chunks << b->chunk_shift;
	ext.elt_size = (uint16_t)b->chunk_size;
	/* Registration never touches the memory: it works on a PROT_NONE view. */
	if (rte_extmem_register(ext.buf_ptr, ext.buf_len, NULL, 0, RTE_MAX(b->chunk_size, 4096u)) &&
	    rte_errno != EEXIST) {
		ret = DEVMEM_FAIL(rte_errno, "extbuf pool %s: rte_extmem_register: %s", name,
				  rte_strerror(rte_errno));
		goto fail_free;
	}
	ret = extbuf_dma_map(b, dma_ports, nb_dma_ports);
	if (ret)
		goto fail_unregister;

	rec->mp = rte_pktmbuf_pool_create_extbuf(name, b->nr_chunks, cache_size, 0,
						 (uint16_t)b->chunk_size, socket_id, &ext, 1);
	if (!rec->mp) {
		ret = DEVMEM_FAIL(rte_errno, "extbuf pool %s: %s", name, rte_strerror(rte_errno));
		goto fail_unmap;
	}
	rec->binding = b;
	rec->nb_dma_ports = nb_dma_ports;
	if (nb_dma_ports)
		memcpy(rec->dma_ports, dma_ports, nb_dma_ports * sizeof(*dma_ports));
	extbuf_claim_chunks(b, true);
	devmem_binding_ref(b);
	rte_spinlock_lock(&extbuf_lock);
	rec->next = extbuf_records;
	extbuf_records = rec;
	rte_spinlock_unlock(&extbuf_lock);
	*out = rec->mp;
	return 0;

fail_unmap:
	extbuf_dma_unmap(b, dma_ports, nb_dma_ports);
fail_unregister:
	rte_extmem_unregister(ext.buf_ptr, ext.buf_len);
fail_free:
	free(rec->dma_ports);
	free(rec);
	return ret;
}

void devmem_pktmbuf_pool_free_extbuf(struct rte_mempool *mp)
{
	struct extbuf_record **pp, *rec = NULL;
	struct devmem_binding *b;

	if (!mp)
		return;
	rte_spinlock_lock(&extbuf_lock);
	for (pp = &extbuf_records; *pp; pp = &(*pp)->next)
		if ((*pp)->mp == mp) {
			rec = *pp;
			*pp = rec->next;
			break;
		}
	rte_spinlock_unlock(&extbuf_lock);
	if (!rec) {
		DEVMEM_LOG(ERR, "extbuf pool %s was not made by devmem_pktmbuf_pool_create_extbuf",
			   mp->name);
		return;
	}
	b = rec->binding;
	extbuf_dma_unmap(b, rec->dma_ports, rec->nb_dma_ports);
	rte_mempool_free(mp);
	rte_extmem_unregister(devmem_dmabuf_host_view(b->dmabuf),
			      (size_t)b->nr_chunks << b->chunk_shift);
	extbuf_claim_chunks(b, false);
	devmem_binding_deref(b);
	free(rec->dma_ports);
	free(rec);
}

struct devmem_binding *devmem_pktmbuf_pool_extbuf_binding(const struct rte_mempool *mp)
{
	struct devmem_binding *b = NULL;
	struct extbuf_record *rec;

	/* No extbuf pool at all is the usual case: no lock then. */
	if (!mp || !__atomic_load_n(&extbuf_records, __ATOMIC_RELAXED))
		return NULL;
	rte_spinlock_lock(&extbuf_lock);
	for (rec = extbuf_records; rec; rec = rec->next)
		if (rec->mp == mp) {
			b = rec->binding;
			break;
		}
	rte_spinlock_unlock(&extbuf_lock);
	return b;
}
