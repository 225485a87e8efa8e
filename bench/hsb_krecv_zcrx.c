/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb-krecv --design zcrx: io_uring zero-copy receive (Documentation/
 * networking/iou-zcrx.rst). The device splits headers from payload and its
 * --queue takes its payload buffers from an area of our memory
 * (IORING_REGISTER_ZCRX_IFQ); the kernel's TCP runs the connections and a
 * multishot IORING_OP_RECV_ZC per connection posts one 32-byte completion
 * per frag: (area offset, length). We give each buffer back through the
 * refill ring, a shared ring the device's page pool reads when it refills.
 *
 * The ring is the whole event loop: accepting is non-blocking and polled
 * between waits, so no epoll. Payload is read only for --verify or
 * --latency, as with devmem. The kernel's copy-fallback counters (7.2's
 * event descriptor) say whether any completion was a copy.
 */
#include "hsb_krecv.h"
#include "hsb_kdev.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/io_uring.h>

#define ZX_AREA_BYTES (16u << 20)
#define ZX_RQ_ENTRIES 32768u   /* more than the area's 4 KiB buffers: never full */
#define ZX_CQ_ENTRIES 4096u
#define ZX_WAIT_NS 10000000    /* 10 ms: the deadline and new connections are checked */
#define ZX_OFF_MASK ((UINT64_C(1) << ZCRX_AREA_SHIFT_) - 1)
#define ZX_CONN_TAG 1          /* user_data = tag + connection index */

struct krecv_zcrx {
	int ring;
	int ifindex;
	int split_before;
	/* the rings, mapped */
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	char *cqes;
	void *sq_map, *cq_map;
	size_t sq_len, cq_len, sqes_len;
	unsigned int to_submit;
	/* the zcrx area and its refill ring */
	uint8_t *area;
	uint8_t *region;
	size_t region_len;
	unsigned int *rq_head, *rq_tail;
	struct kdev_zcrx_rqe *rqes;
	const struct kdev_zcrx_stats *stats;  /* NULL: a kernel without the counters */
	uint64_t area_token;
	uint32_t id;
	/* what happened */
	uint64_t cqes_seen, rearms_full_cq, refill_full;
};

static void zcrx_refused(struct krecv *k, const char *what, int err, const char *note)
{
	char d[320];

	kdev_errno_detail(d, sizeof(d), err, NULL, note);
	k->st.dev_supported = false;
	snprintf(k->st.dev_reason, sizeof(k->st.dev_reason), "not supported on %s queue %u: %s: %s",
		 k->o->ifname, k->o->queue, what, d);
	hsb_log("zcrx: %s; reading with recv() instead", k->st.dev_reason);
}

static int ring_map(struct krecv_zcrx *z, const struct io_uring_params *p)
{
	z->sq_len = p->sq_off.array + p->sq_entries * sizeof(unsigned int);
	z->cq_len = p->cq_off.cqes + p->cq_entries * 2 * sizeof(struct io_uring_cqe);
	if (p->features & IORING_FEAT_SINGLE_MMAP)
		z->sq_len = z->cq_len = z->sq_len > z->cq_len ? z->sq_len : z->cq_len;
	z->sq_map = mmap(NULL, z->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			 z->ring, IORING_OFF_SQ_RING);
	if (z->sq_map == MAP_FAILED)
		return -errno;
	z->cq_map = (p->features & IORING_FEAT_SINGLE_MMAP) ? z->sq_map :
		mmap(NULL, z->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, z->ring,
		     IORING_OFF_CQ_RING);
	if (z->cq_map == MAP_FAILED)
		return -errno;
	z->sqes_len = p->sq_entries * sizeof(struct io_uring_sqe);
	z->sqes = mmap(NULL, z->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		       z->ring, IORING_OFF_SQES);
	if (z->sqes == MAP_FAILED)
		return -errno;
	z->sq_tail = (unsigned int *)((char *)z->sq_map + p->sq_off.tail);
	z->sq_mask = (unsigned int *)((char *)z->sq_map + p->sq_off.ring_mask);
	z->sq_array = (unsigned int *)((char *)z->sq_map + p->sq_off.array);
	z->cq_head = (unsigned int *)((char *)z->cq_map + p->cq_off.head);
	z->cq_tail = (unsigned int *)((char *)z->cq_map + p->cq_off.tail);
	z->cq_mask = (unsigned int *)((char *)z->cq_map + p->cq_off.ring_mask);
	z->cqes = (char *)z->cq_map + p->cq_off.cqes;
	return 0;
}

/* zcrx needs task work deferred to the one submitter and 32-byte CQEs. */
static int ring_open(struct krecv_zcrx *z)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQE32 |
		  IORING_SETUP_CQSIZE;
	p.cq_entries = ZX_CQ_ENTRIES;
	z->ring = (int)syscall(__NR_io_uring_setup, 64, &p);
	if (z->ring < 0)
		return -errno;
	return ring_map(z, &p);
}

/* The area, the refill region (ring + the kernel's counters), then the queue. */
static int register_ifq(struct krecv_zcrx *z, uint32_t queue, bool with_stats)
{
	size_t stats_off = z->region_len - 4096;
	struct kdev_zcrx_area_reg area = { .addr = (uintptr_t)z->area, .len = ZX_AREA_BYTES };
	struct kdev_region_desc rd = { .user_addr = (uintptr_t)z->region, .size = z->region_len,
				       .flags = IORING_MEM_REGION_TYPE_USER_ };
	struct kdev_zcrx_event_desc ev = { .flags = ZCRX_EVENT_DESC_FLAG_STATS_,
					   .stats_offset = stats_off };
	struct kdev_zcrx_ifq_reg reg = { .if_idx = (uint32_t)z->ifindex, .if_rxq = queue,
					 .rq_entries = ZX_RQ_ENTRIES, .area_ptr = (uintptr_t)&area,
					 .region_ptr = (uintptr_t)&rd };

	if (with_stats)
		reg.event_desc = (uintptr_t)&ev;
	if (syscall(__NR_io_uring_register, z->ring, IORING_REGISTER_ZCRX_IFQ_, &reg, 1) < 0)
		return -errno;
	z->rq_head = (unsigned int *)(z->region + reg.offsets.head);
	z->rq_tail = (unsigned int *)(z->region + reg.offsets.tail);
	z->rqes = (struct kdev_zcrx_rqe *)(z->region + reg.offsets.rqes);
	z->stats = with_stats ? (const struct kdev_zcrx_stats *)(z->region + stats_off) : NULL;
	z->area_token = area.rq_area_token;
	z->id = reg.zcrx_id;
	return 0;
}

static int split_on(struct krecv *k, struct krecv_zcrx *z)
{
	struct kdev_nl nl;
	char why[256];
	int rc;

	rc = kdev_nl_open(&nl);
	if (rc < 0)
		return rc;
	rc = kdev_split_force_on(&nl, z->ifindex, &z->split_before, why, sizeof(why));
	if (rc < 0)
		zcrx_refused(k, "ethtool rings set tcp-data-split on", -rc, why);
	kdev_nl_close(&nl);
	return rc;
}

int krecv_zcrx_start(struct krecv *k)
{
	struct krecv_zcrx *z = calloc(1, sizeof(*z));
	int rc;

	if (!z)
		return -ENOMEM;
	z->ring = -1;
	z->split_before = -1;
	z->area = MAP_FAILED;
	z->region = MAP_FAILED;
	k->zx = z;
	z->ifindex = (int)if_nametoindex(k->o->ifname);
	if (z->ifindex == 0) {
		rc = -errno;
		hsb_log("zcrx: no interface '%s' in this network namespace: %s", k->o->ifname,
			strerror(-rc));
		return rc;
	}
	rc = ring_open(z);
	if (rc < 0) {
		zcrx_refused(k, "io_uring_setup(SINGLE_ISSUER|DEFER_TASKRUN|CQE32)", -rc, NULL);
		return 0;
	}
	z->region_len = 4096 + ZX_RQ_ENTRIES * sizeof(struct kdev_zcrx_rqe) + 4096;
	z->area = mmap(NULL, ZX_AREA_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	z->region = mmap(NULL, z->region_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (z->area == MAP_FAILED || z->region == MAP_FAILED) {
		rc = -errno;
		hsb_log("zcrx: %u bytes for the area and the refill ring: %s",
			ZX_AREA_BYTES, strerror(-rc));
		return rc;
	}
	if (split_on(k, z) < 0)
		return 0;
	rc = register_ifq(z, k->o->queue, true);
	if (rc == -EINVAL)  /* a kernel before 7.x: no event descriptor, no counters */
		rc = register_ifq(z, k->o->queue, false);
	if (rc < 0)
		zcrx_refused(k, "IORING_REGISTER_ZCRX_IFQ", -rc, "a 16 MiB anonymous user area");
	return 0;
}

void krecv_zcrx_stop(struct krecv *k)
{
	struct krecv_zcrx *z = k->zx;

	if (!z)
		return;
	if (z->ring >= 0)
		close(z->ring); /* unregisters the queue, a moment later (ring exit work) */
	/* refused until then: kdev_split_restore() waits for it */
	kdev_split_restore(z->ifindex, z->split_before, "zcrx");
	if (z->area != MAP_FAILED)
		munmap(z->area, ZX_AREA_BYTES);
	if (z->region != MAP_FAILED)
		munmap(z->region, z->region_len);
	free(z);
	k->zx = NULL;
}

/* Queue a multishot RECV_ZC for connection `idx`. */
static void zcrx_arm(struct krecv_zcrx *z, int fd, uint32_t idx)
{
	unsigned int tail = *z->sq_tail, slot = tail & *z->sq_mask;
	struct io_uring_sqe *sqe = &z->sqes[slot];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_RECV_ZC_;
	sqe->fd = fd;
	sqe->ioprio = IORING_RECV_MULTISHOT;
	sqe->file_index = z->id;    /* zcrx_ifq_idx shares this slot */
	sqe->user_data = ZX_CONN_TAG + idx;
	z->sq_array[slot] = slot;
	__atomic_store_n(z->sq_tail, tail + 1, __ATOMIC_RELEASE);
	z->to_submit++;
}

/* Give one buffer back to the queue's page pool. */
static void zcrx_refill(struct krecv_zcrx *z, uint64_t off, uint32_t len)
{
	unsigned int tail = *z->rq_tail;

	if (tail - __atomic_load_n(z->rq_head, __ATOMIC_ACQUIRE) >= ZX_RQ_ENTRIES) {
		z->refill_full++; /* cannot happen with more entries than buffers; counted */
		return;
	}
	z->rqes[tail & (ZX_RQ_ENTRIES - 1)].off = (off & ZX_OFF_MASK) | z->area_token;
	z->rqes[tail & (ZX_RQ_ENTRIES - 1)].len = len;
	__atomic_store_n(z->rq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* One completion of connection c; sets eof; 0 or -errno. */
static int zcrx_complete(struct krecv *k, struct krecv_conn *c, uint32_t idx,
			 const struct io_uring_cqe *cqe, uint64_t now)
{
	struct krecv_zcrx *z = k->zx;
	uint64_t off;

	if (cqe->res == -ENOSPC) {       /* the CQ was full: the multishot ended */
		z->rearms_full_cq++;
		zcrx_arm(z, c->fd, idx);
		return 0;
	}
	if (cqe->res < 0)
		return cqe->res;
	if (cqe->res == 0 && !(cqe->flags & IORING_CQE_F_MORE)) {
		c->eof = true;
		return 0;
	}
	if (cqe->res > 0) {
		memcpy(&off, (const char *)cqe + sizeof(*cqe), sizeof(off)); /* io_uring_zcrx_cqe */
		krecv_first_byte(k, now);
		if ((off & ZX_OFF_MASK) + (uint64_t)cqe->res > ZX_AREA_BYTES)
			return -EFAULT;
		krecv_consume(k, c, z->area + (off & ZX_OFF_MASK), (size_t)cqe->res, now);
		zcrx_refill(z, off, (uint32_t)cqe->res);
	}
	if (!(cqe->flags & IORING_CQE_F_MORE))
		zcrx_arm(z, c->fd, idx);
	return 0;
}

/* Submit what is queued and wait up to ZX_WAIT_NS for a completion. */
static int zcrx_enter(struct krecv_zcrx *z)
{
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = ZX_WAIT_NS };
	struct io_uring_getevents_arg arg = { .ts = (uintptr_t)&ts };
	long rc = syscall(__NR_io_uring_enter, z->ring, z->to_submit, 1,
			  IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof(arg));

	if (rc < 0 && errno != EINTR && errno != ETIME && errno != EAGAIN && errno != EBUSY)
		return -errno;
	if (rc > 0)
		z->to_submit -= (unsigned int)rc < z->to_submit ? (unsigned int)rc : z->to_submit;
	return 0;
}

static int zcrx_accept(struct krecv *k, int lfd, struct krecv_conn *conns, uint32_t *accepted)
{
	while (*accepted < k->o->conns) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		conns[*accepted].fd = fd;
		zcrx_arm(k->zx, fd, *accepted);
		(*accepted)++;
	}
	return 0;
}

int krecv_zcrx_serve(struct krecv *k, int lfd, struct krecv_conn *conns)
{
	struct krecv_zcrx *z = k->zx;
	uint64_t deadline = hsb_now_ns() + (uint64_t)(k->o->timeout * 1e9);
	uint32_t accepted = 0, at_eof = 0;
	int rc = 0;

	while (at_eof < k->o->conns && rc == 0) {
		unsigned int head, tail;
		uint64_t now;

		if (hsb_now_ns() >= deadline) {
			hsb_log("timed out after %.1f s: %u of %u connection(s) accepted, %u at EOF, "
				"%" PRIu64 " bytes", k->o->timeout, accepted, k->o->conns, at_eof,
				k->st.bytes);
			rc = -ETIMEDOUT;
			break;
		}
		rc = zcrx_accept(k, lfd, conns, &accepted);
		if (rc == 0)
			rc = zcrx_enter(z);
		now = hsb_now_ns();
		head = *z->cq_head;
		tail = __atomic_load_n(z->cq_tail, __ATOMIC_ACQUIRE);
		for (; head != tail && rc == 0; head++) {
			const struct io_uring_cqe *cqe = (const struct io_uring_cqe *)
				(z->cqes + (size_t)(head & *z->cq_mask) * 2 * sizeof(*cqe));
			uint64_t idx = cqe->user_data - ZX_CONN_TAG;
			struct krecv_conn *c;

			z->cqes_seen++;
			k->st.reads++;
			if (idx >= accepted)
				continue;
			c = &conns[idx];
			if (c->eof)
				continue;
			rc = zcrx_complete(k, c, (uint32_t)idx, cqe, now);
			if (rc < 0)
				hsb_log("zcrx: connection %" PRIu64 " after %" PRIu64 " bytes: %s", idx,
					c->off, strerror(-rc));
			if (c->eof && ++at_eof == k->o->conns)
				krecv_last_eof(k);
		}
		__atomic_store_n(z->cq_head, head, __ATOMIC_RELEASE);
	}
	for (uint32_t i = 0; i < accepted; i++)
		close(conns[i].fd); /* the sender waits for this close */
	return rc;
}

void krecv_zcrx_report(const struct krecv *k)
{
	const struct krecv_zcrx *z = k->zx;

	if (!z)
		return;
	printf(",\"zcrx\":{\"ifname\":");
	hsb_json_str(stdout, k->o->ifname);
	printf(",\"queue\":%u,\"area_bytes\":%u,\"rq_entries\":%u,\"cqes\":%" PRIu64
	       ",\"rearms_full_cq\":%" PRIu64 ",\"refill_full\":%" PRIu64, k->o->queue,
	       ZX_AREA_BYTES, ZX_RQ_ENTRIES, z->cqes_seen, z->rearms_full_cq, z->refill_full);
	if (z->stats)
		printf(",\"copy_count\":%" PRIu64 ",\"copy_bytes\":%" PRIu64, z->stats->copy_count,
		       z->stats->copy_bytes);
	printf("}");
}
