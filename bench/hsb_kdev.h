/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb_kdev: what hsb-krecv asks of a receiving device over generic netlink
 * for the designs that need a header-split queue (devmem TCP, io_uring
 * zcrx) and for their probes: tcp-data-split (ethtool rings) and bind-rx
 * (netdev family). A small local copy of what test/kernel/devmem_rx.c does;
 * these two requests are meant to move into tools/netlink/hnl.
 *
 * Debian 12's uapi headers (6.1) predate both, so the few numbers are
 * written out here from the kernel's uapi (they are ABI).
 */
#ifndef HSPLIT_HSB_KDEV_H
#define HSPLIT_HSB_KDEV_H

#include <stddef.h>
#include <stdint.h>

/* ETHTOOL_A_RINGS_TCP_DATA_SPLIT values (include/uapi/linux/ethtool.h) */
#define KDEV_SPLIT_UNKNOWN 0
#define KDEV_SPLIT_DISABLED 1
#define KDEV_SPLIT_ENABLED 2

/* io_uring zcrx (include/uapi/linux/io_uring.h, 7.2; 6.15+ for the register opcode) */
#define IORING_REGISTER_ZCRX_IFQ_ 32
#define IORING_OP_RECV_ZC_ 58
#define IORING_MEM_REGION_TYPE_USER_ 1
#define ZCRX_AREA_SHIFT_ 48
#define ZCRX_EVENT_DESC_FLAG_STATS_ 1u

struct kdev_zcrx_rqe {         /* io_uring_zcrx_rqe: a buffer given back */
	uint64_t off;
	uint32_t len;
	uint32_t pad;
};

struct kdev_zcrx_offsets {     /* io_uring_zcrx_offsets */
	uint32_t head, tail, rqes, resv2;
	uint64_t resv[2];
};

struct kdev_zcrx_area_reg {    /* io_uring_zcrx_area_reg */
	uint64_t addr, len, rq_area_token;
	uint32_t flags, dmabuf_fd;
	uint64_t resv2[2];
};

struct kdev_region_desc {      /* io_uring_region_desc */
	uint64_t user_addr, size;
	uint32_t flags, id;
	uint64_t mmap_offset;
	uint64_t resv[4];
};

struct kdev_zcrx_event_desc {  /* 7.2: where the kernel keeps the copy-fallback counters */
	uint64_t user_data;
	uint32_t type_mask, flags;
	uint64_t stats_offset;
	uint64_t resv2[9];
};

struct kdev_zcrx_stats {       /* at stats_offset in the refill region */
	uint64_t copy_count, copy_bytes;
};

/* io_uring_zcrx_ifq_reg; 6.18 has resv fields where 7.2 has rx_buf_len and event_desc */
struct kdev_zcrx_ifq_reg {
	uint32_t if_idx, if_rxq, rq_entries, flags;
	uint64_t area_ptr, region_ptr;
	struct kdev_zcrx_offsets offsets;
	uint32_t zcrx_id, rx_buf_len;
	uint64_t event_desc;
	uint64_t resv[2];
};

_Static_assert(sizeof(struct kdev_zcrx_offsets) == 32, "uapi layout");
_Static_assert(sizeof(struct kdev_zcrx_area_reg) == 48, "uapi layout");
_Static_assert(sizeof(struct kdev_region_desc) == 64, "uapi layout");
_Static_assert(sizeof(struct kdev_zcrx_ifq_reg) == 96, "uapi layout");

/* One generic netlink socket with both families looked up; -errno ids when absent. */
struct kdev_nl {
	int fd;
	int netdev;   /* family id, or -errno */
	int ethtool;  /* family id, or -errno */
	uint8_t netdev_ops[32];
};

/* 0, or -errno when no socket could be made (the family ids carry their own errors). */
int kdev_nl_open(struct kdev_nl *nl);
/* Closing the socket drops every binding made through it. */
void kdev_nl_close(struct kdev_nl *nl);
/* Does the kernel's netdev family offer bind-rx? */
int kdev_has_bind_rx(const struct kdev_nl *nl);

/* tcp-data-split as ethtool reports it (KDEV_SPLIT_*, -1 not reported); 0 or -errno. */
int kdev_split_get(struct kdev_nl *nl, int ifindex, int *split, char *why, size_t whylen);
/* Set tcp-data-split to KDEV_SPLIT_ENABLED or _DISABLED; 0 or -errno (extack in why). */
int kdev_split_set(struct kdev_nl *nl, int ifindex, int split, char *why, size_t whylen);

/*
 * tcp-data-split explicitly on, as bind-rx and zcrx want it; *before gets the
 * setting to put back with kdev_split_restore() (-1: none). 0 or -errno from
 * setting it; a device that does not report it is left to bind-rx/zcrx to refuse.
 */
int kdev_split_force_on(struct kdev_nl *nl, int ifindex, int *before, char *why, size_t whylen);
/* Put back what kdev_split_force_on() changed (nothing when before < 0); logs failures. */
void kdev_split_restore(int ifindex, int before, const char *who);

/*
 * Bind dmabuf_fd to RX queue `queue` of ifindex; the binding id in *id.
 * 0 or -errno with the kernel's extack in why. The binding lasts as long as nl's socket.
 */
int kdev_bind_rx(struct kdev_nl *nl, int ifindex, uint32_t queue, int dmabuf_fd, uint32_t *id,
		 char *why, size_t whylen);

/* "strerror (errno N)[; extack: ...][; note]" into d. */
void kdev_errno_detail(char *d, size_t len, int err, const char *extack, const char *note);

#endif
