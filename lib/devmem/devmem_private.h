/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/devmem internals shared between its source files. Not installed. */
#ifndef HSPLIT_DEVMEM_PRIVATE_H
#define HSPLIT_DEVMEM_PRIVATE_H

#include <stdatomic.h>
#include <stddef.h>

#include <rte_bitops.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "devmem_driver.h"

extern int devmem_logtype;

#define DEVMEM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, devmem_logtype, "devmem: " fmt "\n", ##__VA_ARGS__)

/* Log and return a negative errno in one statement. */
#define DEVMEM_FAIL(err, fmt, ...) \
	(DEVMEM_LOG(ERR, fmt, ##__VA_ARGS__), -(err))

/*
 * One chunk. The mbuf shared-info is embedded so that its refcount *is* the
 * chunk's refcount: an mbuf attached to a fragment owns exactly one reference
 * and DPDK's own mbuf free drops it (see devmem_mbuf.c).
 *
 * A chunk identifies itself by data, not by a code address: its shinfo's
 * fcb_opaque points back at the chunk and `magic` says what it is. So
 * devmem_mbuf_ref() recognises a chunk whichever copy of the code attached it.
 */
#define DEVMEM_IOV_MAGIC 0x64766d69u /* "dvmi" */

struct devmem_iov {
	/* struct devmem_chunk_head (devmem_driver.h), field for field: see the asserts below */
	struct rte_mbuf_ext_shared_info shinfo; /* refcnt = holders; fcb_opaque = self */
	uint8_t *host;             /* devmem_iov_host_view(), precomputed */
	uint64_t iova;             /* devmem_iov_offset(), precomputed */
	uint32_t size;             /* chunk size */
	uint32_t magic;            /* DEVMEM_IOV_MAGIC */
	struct devmem_area *owner;
	struct devmem_pool *pool;  /* pool that handed it out; NULL when free */
	uint32_t idx;              /* index in owner->iovs */
	uint32_t token;            /* token table slot while granted (debug aid) */
	uint32_t in_pool;          /* pools with check_puts: 1 while the pool holds it */
};

_Static_assert(offsetof(struct devmem_iov, shinfo) ==
	       offsetof(struct devmem_chunk_head, shinfo), "chunk head: shinfo");
_Static_assert(offsetof(struct devmem_iov, host) == offsetof(struct devmem_chunk_head, host),
	       "chunk head: host");
_Static_assert(offsetof(struct devmem_iov, iova) == offsetof(struct devmem_chunk_head, iova),
	       "chunk head: iova");
_Static_assert(offsetof(struct devmem_iov, size) == offsetof(struct devmem_chunk_head, size),
	       "chunk head: size");

/* A run of chunks: the kernel's net_iov_area (one per sg entry there). */
struct devmem_area {
	struct devmem_iov *iovs;
	uint32_t nr_iovs;
	uint32_t chunk_shift;
	uint64_t base_offset;      /* offset of chunk 0 in the dmabuf, or its IOVA */
	uint8_t *host_base;        /* host view of chunk 0 (PROT_NONE when strict) */
	bool readable;             /* host provider buffers */
	struct devmem_binding *binding;     /* device areas */
	struct devmem_host_area *host_area; /* host areas */
};

/* Free list shared by the provider side (the kernel's genpool). */
struct devmem_freelist {
	rte_spinlock_t lock;
	uint32_t count;
	uint32_t capacity;
	struct devmem_iov **slots;
};

int devmem_freelist_init(struct devmem_freelist *fl, uint32_t capacity);
void devmem_freelist_fini(struct devmem_freelist *fl);
unsigned int devmem_freelist_pop_bulk(struct devmem_freelist *fl, devmem_ref *refs,
				      unsigned int n, uintptr_t tag);
void devmem_freelist_push(struct devmem_freelist *fl, struct devmem_iov *iov);

struct devmem_binding {
	uint32_t id;
	_Atomic uint32_t refcnt;   /* owner + pools + extbuf mempool */
	bool unbound;              /* owner has let go */
	bool exported;             /* whole binding given to an extbuf mempool */
	uint32_t chunk_size;
	uint32_t chunk_shift;
	uint32_t nr_chunks;
	uint32_t nr_areas;
	struct devmem_area *areas;
	struct devmem_iov *iovs;   /* all chunks, area after area */
	struct devmem_freelist free;
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *next_live; /* process-wide list (exit unbind) */
};

struct devmem_host_area {
	char name[32];
	const struct rte_memzone *mz;
	struct devmem_area area;
	struct devmem_iov *iovs;
	struct devmem_freelist free;
	_Atomic uint32_t users;
};

/* Fill an area's iovs (owner, index, mbuf free callback, refcount 0). */
void devmem_area_init(struct devmem_area *area, struct devmem_iov *iovs, uint32_t nr_iovs,
		      uint32_t chunk_shift, uint64_t base_offset, uint8_t *host_base);
void devmem_binding_ref(struct devmem_binding *b);
void devmem_binding_deref(struct devmem_binding *b);
/* Area and chunk arithmetic shared by providers and the mbuf glue. */
static inline uint64_t devmem_iov_offset(const struct devmem_iov *iov)
{
	return iov->owner->base_offset + ((uint64_t)iov->idx << iov->owner->chunk_shift);
}

static inline uint8_t *devmem_iov_host_view(const struct devmem_iov *iov)
{
	return iov->owner->host_base + ((size_t)iov->idx << iov->owner->chunk_shift);
}

static inline uint32_t devmem_iov_chunk_size(const struct devmem_iov *iov)
{
	return 1u << iov->owner->chunk_shift;
}

/*
 * The chunk mbuf m carries, or NULL (devmem_mbuf_ref() without the tag). A
 * chunk's shinfo points back at the chunk (fcb_opaque), which no other
 * extbuf user's does (theirs points at their own object, and DPDK's helper
 * puts shinfo at the end of the buffer): only then is the magic read.
 */
static inline struct devmem_iov *devmem_mbuf_iov(const struct rte_mbuf *m)
{
	struct devmem_iov *iov;

	if (!RTE_MBUF_HAS_EXTBUF(m) || !m->shinfo)
		return NULL;
	iov = container_of(m->shinfo, struct devmem_iov, shinfo);
	if (m->shinfo->fcb_opaque != iov || iov->magic != DEVMEM_IOV_MAGIC)
		return NULL;
	return iov;
}

/* The provider's private pointer given at pool creation. */
void *devmem_pool_provider_priv(const struct devmem_pool *pool);
/* Recycle a chunk whose last reference just went away (mbuf free callback). */
void devmem_iov_recycle(struct devmem_iov *iov);
/* Called when bindings unbind: drop queue attachments that use it. */
void devmem_bind_rx_forget_binding(struct devmem_binding *b);

/* "64M" -> bytes; -EINVAL on junk or overflow. */
int devmem_parse_size(const char *s, uint64_t *out);

#endif /* HSPLIT_DEVMEM_PRIVATE_H */
