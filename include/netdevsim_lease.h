/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The netdevsim queue lease uAPI, as kernel-patches/netdevsim/ adds it in
 * include/uapi/linux/netdevsim_lease.h (our own header, copied here because
 * no installed kernel header carries it). The one copy in this repository:
 * net_hsplit's backend=kq and the kernel tier's lease_rx both include it.
 * Keep it equal to the patch's.
 */
#ifndef HSPLIT_NETDEVSIM_LEASE_H
#define HSPLIT_NETDEVSIM_LEASE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define NSIM_LEASE_DEVICE	"netdevsim_lease"

/* Lease states (struct nsim_lease_state.state) */
enum {
	NSIM_LEASE_IDLE,	/* open, nothing attached yet */
	NSIM_LEASE_ATTACHED,	/* the queue's data path is ours */
	NSIM_LEASE_DETACHED,	/* given back with DETACH */
	NSIM_LEASE_REVOKED,	/* taken back by the kernel, see revoke_errno */
};

/* Ring flags (struct nsim_lease_ring_offsets.flags points at them) */
#define NSIM_LEASE_RING_NEED_WAKEUP	(1U << 0)

/* Completion flags (struct nsim_lease_cqe.flags) */
#define NSIM_LEASE_CQE_SOP		(1U << 0) /* first of a frame */
#define NSIM_LEASE_CQE_EOP		(1U << 1) /* last of a frame */
#define NSIM_LEASE_CQE_SPLIT		(1U << 2) /* headers split at L4 */
#define NSIM_LEASE_CQE_LINEAR		(1U << 3) /* whole frame in the slot */
#define NSIM_LEASE_CQE_L4_CSUM_OK	(1U << 4)
#define NSIM_LEASE_CQE_L4_CSUM_BAD	(1U << 5)

#define NSIM_LEASE_NO_TOKEN		0xffffffffU

/* One completion, 32 bytes. The header slot and header length are set on
 * the SOP entry; each entry with a token owns one payload buffer of the
 * dma-buf at dmabuf_off until the token is written to the refill ring.
 */
struct nsim_lease_cqe {
	__u64 dmabuf_off;
	__u32 token;
	__u32 len;
	__u32 hdr_slot;
	__u16 hdr_len;
	__u16 flags;
	__u16 queue;
	__u16 resv;
	__u32 hash;
};

/* Byte offsets into the mmap of one single-producer single-consumer ring:
 * the producer index, the consumer index and the flags each sit on their
 * own cache line; entries are __u32 (fill, refill) or struct nsim_lease_cqe.
 */
struct nsim_lease_ring_offsets {
	__u64 producer;
	__u64 consumer;
	__u64 flags;
	__u64 desc;
};

struct nsim_lease_offsets {
	struct nsim_lease_ring_offsets fq;	/* user -> kernel: free header slots */
	struct nsim_lease_ring_offsets cq;	/* kernel -> user: completions */
	struct nsim_lease_ring_offsets rq;	/* user -> kernel: payload tokens */
	__u64 hdr_area;				/* hdr_slots * hdr_slot_size bytes */
	__u64 state;				/* struct nsim_lease_state */
};

/* NSIM_LEASE_IOC_ATTACH. Ring sizes are powers of two. */
struct nsim_lease_attach {
	__u32 ifindex;		/* in the caller's network namespace */
	__u32 queue;
	__s32 dmabuf_fd;	/* the dma-buf bound to the queue with bind-rx */
	__u32 flags;		/* none defined: 0 */
	__u32 fq_entries;
	__u32 cq_entries;
	__u32 rq_entries;
	__u32 hdr_slot_size;	/* 128 to 4096, a multiple of 64 */
	__u32 hdr_slots;
	__u32 reserved[3];	/* 0 */
	/* out */
	__u64 mmap_size;
	struct nsim_lease_offsets off;
};

/* The state page, and NSIM_LEASE_IOC_GET_INFO's answer. */
struct nsim_lease_state {
	__u32 state;
	__u32 revoke_errno;	/* positive errno once REVOKED */
	__u32 ifindex;
	__u32 queue;
	__u64 rx_frames;
	__u64 rx_bytes;
	__u64 buffers_out;	/* payload buffers held by the process */
	__u64 stalls;		/* times the queue waited for the process */
	__u64 bad_slots;	/* fill entries naming no header slot */
	__u64 bad_tokens;	/* refill entries naming no buffer held */
	__u64 drops;		/* frames dropped (too long, bad buffer) */
};

#define NSIM_LEASE_IOC_MAGIC	0xb7
#define NSIM_LEASE_IOC_ATTACH	_IOWR(NSIM_LEASE_IOC_MAGIC, 1, struct nsim_lease_attach)
#define NSIM_LEASE_IOC_DETACH	_IO(NSIM_LEASE_IOC_MAGIC, 2)
#define NSIM_LEASE_IOC_KICK	_IO(NSIM_LEASE_IOC_MAGIC, 3)
#define NSIM_LEASE_IOC_GET_INFO	_IOR(NSIM_LEASE_IOC_MAGIC, 4, struct nsim_lease_state)

#endif /* HSPLIT_NETDEVSIM_LEASE_H */
