/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/devmem: device-memory buffers for header-split receive.
 *
 * The application API: this header is its table of contents. Drivers (and
 * programs that play one, such as device emulators and test harnesses) also
 * include devmem_driver.h: pools, memory providers, the queue ops a PMD
 * registers, and mbuf attach. The split follows DPDK's rte_ethdev.h /
 * ethdev_driver.h and Linux's page_pool/types.h / page_pool/memory_provider.h.
 *
 * The model is Linux's page_pool + memory-provider one (net/core/page_pool.c,
 * net/core/devmem.c):
 *
 *   dmabuf source      devmem_dmabuf_open("memfd:size=64M") ...   (exporter)
 *   binding            struct devmem_binding   ~ net_devmem_dmabuf_binding
 *   chunk              struct devmem_iov       ~ struct net_iov
 *   reference          devmem_ref              ~ netmem_ref
 *   bind-rx            devmem_bind_rx()        ~ netdev "bind-rx"
 *   tokens             devmem_dontneed()       ~ SO_DEVMEM_DONTNEED
 *   fragments          struct devmem_frag      ~ struct dmabuf_cmsg
 *   DPDK glue          devmem_mbuf_ref(), devmem_pktmbuf_pool_create_extbuf()
 *   (devmem_driver.h)  struct devmem_pool ~ page_pool, devmem_provider_ops ~
 *                      memory_provider_ops, devmem_rxq_ops ~ queue mgmt ops
 *
 * Every function that can fail returns a negative errno and logs a message
 * through the "lib.devmem" log type. Nothing on the datapath (pool alloc/put,
 * fragment alloc, mbuf attach, token grant/return) allocates memory.
 *
 * libhsplit_devmem.so exports exactly what this header and devmem_driver.h
 * declare (lib/devmem/version.map; test/api checks it).
 */
#ifndef HSPLIT_DEVMEM_H
#define HSPLIT_DEVMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_mempool;

/* ------------------------------------------------------------------ */
/* dmabuf sources                                                      */
/* ------------------------------------------------------------------ */

/*
 * Spec grammar, "<kind>:<args>", args are comma-separated key=value:
 *   memfd:size=64M[,strict=1][,hugetlb=0]   host-memory emulation (runs everywhere)
 *   udmabuf:size=64M[,strict=1]             memfd + /dev/udmabuf (kernel size limits apply)
 *   heap:<name>:size=64M[,strict=1]         /dev/dma_heap/<name>, e.g. heap:system:size=64M
 *   drm:<node>:size=64M[,strict=1]          libdrm dumb buffer exported with PRIME,
 *                                           e.g. drm:/dev/dri/card0:size=16M
 *   fd:<n>[,strict=1]                       import a dmabuf fd exported elsewhere (dup'ed)
 * Sizes take K, M or G suffixes and are rounded up to the page size.
 * strict=1 (the default) maps the host view PROT_NONE: payload is unreadable.
 */
enum devmem_dmabuf_kind {
	DEVMEM_DMABUF_MEMFD,
	DEVMEM_DMABUF_UDMABUF,
	DEVMEM_DMABUF_HEAP,
	DEVMEM_DMABUF_DRM,
	DEVMEM_DMABUF_FD,
};

#define DEVMEM_SYNC_READ  (1u << 0)
#define DEVMEM_SYNC_WRITE (1u << 1)

struct devmem_dmabuf;

/* Open (create or import) a dmabuf. -ENOENT names a missing exporter. */
int devmem_dmabuf_open(const char *spec, struct devmem_dmabuf **out);
/* What a spec says, parsed and checked; nothing is opened or allocated. */
struct devmem_dmabuf_spec {
	enum devmem_dmabuf_kind kind;
	uint64_t size;               /* bytes, rounded up to a page; 0 for fd: */
	bool strict;
	bool hugetlb;
	char target[256];            /* heap name, DRM node or fd number; "" for none */
};
/*
 * The parse step of devmem_dmabuf_open() alone: the same checks and messages
 * (-EINVAL bad spec, -E2BIG size over the cap), no fd, mapping or memory.
 * For validating a setting early, and for the spec fuzz target.
 */
int devmem_dmabuf_spec_parse(const char *spec, struct devmem_dmabuf_spec *out);
/* Take / drop a reference; the last drop unmaps and closes. */
struct devmem_dmabuf *devmem_dmabuf_get(struct devmem_dmabuf *dmabuf);
void devmem_dmabuf_put(struct devmem_dmabuf *dmabuf);

int devmem_dmabuf_fd(const struct devmem_dmabuf *dmabuf);
size_t devmem_dmabuf_size(const struct devmem_dmabuf *dmabuf);
enum devmem_dmabuf_kind devmem_dmabuf_kind(const struct devmem_dmabuf *dmabuf);
const char *devmem_dmabuf_kind_name(enum devmem_dmabuf_kind kind);
/* True for the memfd emulation: the "device memory" is ordinary RAM. */
bool devmem_dmabuf_is_host_memory(const struct devmem_dmabuf *dmabuf);
bool devmem_dmabuf_is_strict(const struct devmem_dmabuf *dmabuf);
/* What an application sees: PROT_NONE in strict mode. */
void *devmem_dmabuf_host_view(const struct devmem_dmabuf *dmabuf);
/* What the (emulated) device writes through; tests may verify through it. */
void *devmem_dmabuf_device_view(const struct devmem_dmabuf *dmabuf);
/* One line for logs: "udmabuf 64 MiB strict fd=7". */
const char *devmem_dmabuf_describe(const struct devmem_dmabuf *dmabuf);

/* Bracket CPU access through the device view (DMA_BUF_IOCTL_SYNC; no-op for memfd). */
int devmem_dmabuf_sync_begin(struct devmem_dmabuf *dmabuf, unsigned int flags);
int devmem_dmabuf_sync_end(struct devmem_dmabuf *dmabuf, unsigned int flags);

/* ------------------------------------------------------------------ */
/* references, chunks and areas                                        */
/* ------------------------------------------------------------------ */

/*
 * A devmem_ref is one word: the address of a struct devmem_iov with bit 0
 * set for a device chunk (unreadable), clear for a host buffer (readable),
 * exactly as netmem_ref tags a net_iov. 0 is "no buffer".
 */
typedef uintptr_t devmem_ref;
#define DEVMEM_REF_IOV_TAG ((uintptr_t)1)

struct devmem_iov;
struct devmem_area;
struct devmem_binding;
struct devmem_pool;

static inline bool devmem_ref_is_device(devmem_ref ref)
{
	return (ref & DEVMEM_REF_IOV_TAG) != 0;
}

static inline struct devmem_iov *devmem_ref_iov(devmem_ref ref)
{
	return (struct devmem_iov *)(ref & ~DEVMEM_REF_IOV_TAG);
}

/* No buffer: 0, or a bare tag with no chunk behind it (bad input, refused alike). */
static inline bool devmem_ref_is_null(devmem_ref ref)
{
	return devmem_ref_iov(ref) == NULL;
}

/* Offset of the chunk in its dmabuf (device) or its IOVA (host buffer). */
uint64_t devmem_ref_offset(devmem_ref ref);
/* CPU address of a host buffer; NULL for a device chunk (unreadable). */
void *devmem_ref_host_addr(devmem_ref ref);
/* Binding id of a device chunk; 0 for a host buffer. */
uint32_t devmem_ref_binding_id(devmem_ref ref);
/* Take one more reference (e.g. a second holder of the same fragment). */
void devmem_ref_get(devmem_ref ref);
/* Drop one reference; the last one recycles the chunk into its pool. */
void devmem_ref_put(devmem_ref ref);

/* ------------------------------------------------------------------ */
/* bindings                                                            */
/* ------------------------------------------------------------------ */

#define DEVMEM_CHUNK_SIZE_DEFAULT 4096u
#define DEVMEM_CHUNK_SIZE_MIN     4096u
#define DEVMEM_CHUNK_SIZE_MAX     (2u << 20)
/* One area spans at most this many bytes (the kernel has one per sg entry). */
#define DEVMEM_AREA_SIZE_DEFAULT  (64u << 20)

struct devmem_binding_params {
	uint32_t chunk_size; /* power of two, 4 KiB..2 MiB; 0 = default */
	uint32_t area_size;  /* bytes per area, multiple of chunk_size; 0 = default */
};

/* Bind a dmabuf: carve it into chunks. Takes its own dmabuf reference. */
int devmem_binding_create(struct devmem_dmabuf *dmabuf,
			  const struct devmem_binding_params *params,
			  struct devmem_binding **out);
/*
 * The owner lets go (the kernel's "netlink socket closed"): every queue bound
 * to it is unbound, and the binding is freed once every pool using it is gone
 * and every chunk in flight has come back.
 */
void devmem_binding_unbind(struct devmem_binding *binding);

uint32_t devmem_binding_id(const struct devmem_binding *binding);
uint32_t devmem_binding_chunk_size(const struct devmem_binding *binding);
uint32_t devmem_binding_nr_chunks(const struct devmem_binding *binding);
uint32_t devmem_binding_nr_free(const struct devmem_binding *binding);
uint32_t devmem_binding_nr_areas(const struct devmem_binding *binding);
struct devmem_dmabuf *devmem_binding_dmabuf(const struct devmem_binding *binding);
/* Number of live bindings in the process (leak checks, telemetry). */
uint32_t devmem_binding_count_live(void);
/* Pools torn down but still waiting for buffers (the kernel's "zombies"). */
uint32_t devmem_pool_count_zombies(void);

/* ------------------------------------------------------------------ */
/* bind-rx: attaching a binding to receive queues                      */
/* ------------------------------------------------------------------ */

/*
 * Bind queues of a port to a binding. Refusals, in the kernel's
 * order: -EOPNOTSUPP driver has no queue ops, -ERANGE queue out of range,
 * -EBUSY queue owned by another consumer, -EINVAL split off or threshold not 0,
 * -EEXIST program attached or queue already bound, -EOPNOTSUPP driver cannot
 * take unreadable memory, -ENODATA driver ignored the provider. All-or-nothing.
 *
 * A queue that is set up takes the binding at once (the driver rebuilds its
 * payload pool); a started queue is refused with -EBUSY, since an lcore may
 * be polling it: stop the port (rte_eth_dev_stop), bind, start it again.
 * Any thread; calls on one port are serialised with its registration.
 */
int devmem_bind_rx(uint16_t port_id, const uint16_t *queues, unsigned int nb_queues,
		   struct devmem_binding *binding);
/* Unbind one queue (the next restart uses ordinary buffers again). */
int devmem_unbind_rx(uint16_t port_id, uint16_t queue_id);

/* 0 bound and installed, -ENODATA driver ignored it, -EAGAIN not set up yet, -ENOENT unbound. */
int devmem_rxq_check(uint16_t port_id, uint16_t queue_id);

/* ------------------------------------------------------------------ */
/* fragments handed to the application, and their tokens               */
/* ------------------------------------------------------------------ */

/* The bytes are in host memory (the split failed): frag_offset is their address. */
#define DEVMEM_FRAG_LINEAR (1u << 0)

/* Same fields as the kernel's struct dmabuf_cmsg. */
struct devmem_frag {
	uint64_t frag_offset; /* dmabuf offset, or host address when LINEAR */
	uint32_t frag_size;
	uint32_t frag_token;
	uint32_t dmabuf_id;   /* binding id; 0 when LINEAR */
	uint32_t flags;
};

/* Same as the kernel's struct dmabuf_token. */
struct devmem_token_range {
	uint32_t token_start;
	uint32_t token_count;
};

#define DEVMEM_DONTNEED_MAX_RANGES 128u  /* MAX_DONTNEED_TOKENS */
#define DEVMEM_DONTNEED_MAX_FRAGS  1024u /* MAX_DONTNEED_FRAGS */

struct devmem_token_table;

struct devmem_token_stats {
	uint64_t granted;
	uint64_t returned;
	uint64_t bad_returns;  /* forged, out-of-range or already returned */
	uint64_t full;         /* grant refused: every token in use */
	uint32_t held;
};

/* A per-socket table (the kernel's sk_user_frags) of at most `capacity` tokens. */
int devmem_token_table_create(uint32_t capacity, struct devmem_token_table **out);
/* Close: every token still held is returned, then the table is freed. */
void devmem_token_table_destroy(struct devmem_token_table *table);
/*
 * Hand a fragment to the application: the table takes over the caller's
 * reference on `ref` and fills `frag`. -ENOSPC when every token is in use
 * (the reference stays with the caller).
 */
int devmem_token_grant(struct devmem_token_table *table, devmem_ref ref,
		       uint32_t offset, uint32_t size, struct devmem_frag *frag);
/*
 * The same for one mbuf segment (a payload mbuf with a chunk attached, or a
 * host-memory segment when the split failed): the table takes over the
 * caller's reference on m (one rte_pktmbuf_free_seg at return); [offset,
 * offset+size) is relative to the segment's data. Device bytes are
 * described by dmabuf offset, host bytes get DEVMEM_FRAG_LINEAR.
 */
int devmem_token_grant_mbuf(struct devmem_token_table *table, struct rte_mbuf *m,
			    uint32_t offset, uint32_t size, struct devmem_frag *frag);

/* Bytes [off, off+len) of one mbuf segment's data. */
struct devmem_mbuf_span {
	struct rte_mbuf *m;
	uint32_t off;
	uint32_t len;
};

/*
 * devmem_token_grant_mbuf for n segments at once (one recvmsg's worth): one
 * lock, and a chunk or binding shared by consecutive segments is looked at
 * once. Grants spans[0..k) in order and returns k: fewer than n when the
 * table fills (counted once in `full`) or before the first bad span (the next
 * call reports it). -ENOSPC when no token is free, -EINVAL (logged) when
 * spans[0] is outside its segment; 0 when n is 0.
 */
int devmem_token_grant_mbufs(struct devmem_token_table *table,
			     const struct devmem_mbuf_span *spans, unsigned int n,
			     struct devmem_frag *frags);
/*
 * SO_DEVMEM_DONTNEED: return tokens by ranges. At most 128 ranges (-EINVAL
 * beyond) and 1024 fragments per call (stops early); returns the number
 * freed. Unknown tokens free nothing and are counted. What the tokens held
 * (mbuf segments, chunk references) is released after the table's lock is
 * dropped, mbuf segments to their mempool in bursts.
 */
int devmem_dontneed(struct devmem_token_table *table,
		    const struct devmem_token_range *ranges, unsigned int nb_ranges);
void devmem_token_get_stats(const struct devmem_token_table *table,
			    struct devmem_token_stats *stats);

/* ------------------------------------------------------------------ */
/* DPDK mbuf glue                                                      */
/* ------------------------------------------------------------------ */

/* The chunk behind an mbuf attached by devmem_mbuf_attach(), else 0. */
devmem_ref devmem_mbuf_ref(const struct rte_mbuf *m);

/*
 * A pinned-extbuf mbuf pool over a whole (otherwise unused) binding, for
 * third-party buffer-split PMDs: rte_extmem_register() of the host view and
 * rte_dev_dma_map() for each listed port. chunk_size must be <= 32 KiB
 * (an mbuf's data room is 16 bits). Destroy with the function below.
 */
int devmem_pktmbuf_pool_create_extbuf(const char *name, struct devmem_binding *binding,
				      unsigned int cache_size, int socket_id,
				      const uint16_t *dma_ports, unsigned int nb_dma_ports,
				      struct rte_mempool **out);
void devmem_pktmbuf_pool_free_extbuf(struct rte_mempool *mp);
/*
 * The binding a pool made by devmem_pktmbuf_pool_create_extbuf() lies
 * over, or NULL for any other pool. Such an mbuf's buf_iova is its offset
 * in the binding's dmabuf: a device reaches it there (for an emulated
 * device, through devmem_dmabuf_device_view()), never through buf_addr,
 * which is the host view and PROT_NONE when the dmabuf is strict.
 */
struct devmem_binding *devmem_pktmbuf_pool_extbuf_binding(const struct rte_mempool *mp);

#ifdef __cplusplus
}
#endif

#endif /* HSPLIT_DEVMEM_H */
