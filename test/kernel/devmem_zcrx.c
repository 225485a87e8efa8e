/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * devmem_rx zcrx: io_uring zero-copy receive on the patched netdevsim
 * (devmem_rx.h), written from the uAPI of 7.2 (include/uapi/linux/
 * io_uring.h, io_uring/zcrx.h); Debian 12's headers predate it, so the
 * numbers used are spelled out below.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/io_uring.h>

#include "devmem_rx.h"
#include "tap.h"

/* ---- io_uring zcrx (include/uapi/linux/io_uring.h, io_uring/zcrx.h, 7.2) ---- */

#define IORING_OP_RECV_ZC_ 58
#define IORING_REGISTER_ZCRX_IFQ_ 32
#define IORING_SETUP_CQE32_ (1U << 11)
#define IORING_SETUP_SINGLE_ISSUER_ (1U << 12)
#define IORING_SETUP_DEFER_TASKRUN_ (1U << 13)
#define IORING_RECV_MULTISHOT_ (1U << 1)
#define IORING_MEM_REGION_TYPE_USER_ 1
#define ZCRX_AREA_SHIFT 48
#define ZCRX_OFF_MASK ((UINT64_C(1) << ZCRX_AREA_SHIFT) - 1)
#define ZCRX_EVENT_DESC_FLAG_STATS_ 1
#define ZC_RQ_ENTRIES 4096u
#define ZC_AREA_SIZE (16u << 20)

struct zc_rqe { uint64_t off; uint32_t len; uint32_t pad; };
struct zc_offsets { uint32_t head, tail, rqes, resv2; uint64_t resv[2]; };
struct zc_area_reg {
	uint64_t addr, len, rq_area_token;
	uint32_t flags, dmabuf_fd;
	uint64_t resv2[2];
};
struct zc_region_desc {
	uint64_t user_addr, size;
	uint32_t flags, id;
	uint64_t mmap_offset;
	uint64_t resv[4];
};
struct zc_event_desc {
	uint64_t user_data;
	uint32_t type_mask, flags;
	uint64_t stats_offset;
	uint64_t resv2[9];
};
struct zc_ifq_reg {
	uint32_t if_idx, if_rxq, rq_entries, flags;
	uint64_t area_ptr, region_ptr;
	struct zc_offsets offsets;
	uint32_t zcrx_id, rx_buf_len;
	uint64_t event_desc;
	uint64_t resv[2];
};
struct zc_stats { uint64_t copy_count, copy_bytes; };

struct zc_ring {
	int fd;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	char *cqes;
};

static int zc_ring_init(struct zc_ring *r)
{
	struct io_uring_params p;
	size_t sq_sz, cq_sz;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	/* A multishot receive posts a completion per frag: a roomy CQ. */
	p.flags = IORING_SETUP_SINGLE_ISSUER_ | IORING_SETUP_DEFER_TASKRUN_ | IORING_SETUP_CQE32_ |
		  IORING_SETUP_CQSIZE;
	p.cq_entries = 4096;
	r->fd = (int)syscall(__NR_io_uring_setup, 64, &p);
	if (r->fd < 0)
		return -errno;
	sq_sz = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_sz = p.cq_off.cqes + p.cq_entries * 2 * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sq_sz = cq_sz = sq_sz > cq_sz ? sq_sz : cq_sz;
	sq = mmap(NULL, sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		  IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -errno;
	cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq :
		mmap(NULL, cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		     IORING_OFF_CQ_RING);
	if (cq == MAP_FAILED)
		return -errno;
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		return -errno;
	r->sq_head = (unsigned int *)(sq + p.sq_off.head);
	r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)(sq + p.sq_off.array);
	r->cq_head = (unsigned int *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = cq + p.cq_off.cqes;
	return 0;
}

/* Queue a multishot RECV_ZC on `sock` for zcrx instance `id`. */
static void zc_arm(struct zc_ring *r, int sock, uint32_t id)
{
	unsigned int tail = *r->sq_tail, idx = tail & *r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[idx];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_RECV_ZC_;
	sqe->fd = sock;
	sqe->ioprio = IORING_RECV_MULTISHOT_;
	sqe->file_index = id; /* zcrx_ifq_idx shares this slot */
	sqe->user_data = 1;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

int do_zcrx(const char *ifname, const char *addr, int port, uint64_t total)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct zc_area_reg area;
	struct zc_region_desc rd;
	struct zc_event_desc ev;
	struct zc_ifq_reg reg;
	struct zc_ring r;
	struct hnl_net nl;
	char why[256];
	uint8_t *mem = NULL, *ring = NULL;
	size_t ring_sz, stats_off;
	uint64_t pos = 0, bad = 0, cqes = 0, enospc = 0, deadline;
	int ifindex, rc, lfd = -1, cfd = -1, one = 1, to_submit = 0;
	bool eof = false;
	unsigned int *rq_tail;
	struct zc_rqe *rqes;
	const struct zc_stats *stats;

	ifindex = (int)if_nametoindex(ifname);
	if (ifindex == 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "zcrx: no interface '%s' or bad address '%s'\n", ifname, addr);
		return 2;
	}
	rc = hnl_net_open(&nl);
	if (rc)
		goto out;
	rc = zc_ring_init(&r);
	tap(rc == 0, "io_uring with SINGLE_ISSUER | DEFER_TASKRUN | CQE32 (%s)", errname(-rc));
	if (rc)
		goto out;
	mem = mmap(NULL, ZC_AREA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		   MAP_POPULATE, -1, 0);
	ring_sz = 4096 + ZC_RQ_ENTRIES * sizeof(struct zc_rqe) + 4096;
	stats_off = ring_sz - 4096;
	ring = mmap(NULL, ring_sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED || ring == MAP_FAILED) {
		tap(false, "zcrx area and refill ring memory: %s", strerror(errno));
		goto out;
	}

	memset(&area, 0, sizeof(area));
	area.addr = (uintptr_t)mem;
	area.len = ZC_AREA_SIZE;
	memset(&rd, 0, sizeof(rd));
	rd.user_addr = (uintptr_t)ring;
	rd.size = ring_sz;
	rd.flags = IORING_MEM_REGION_TYPE_USER_;
	memset(&ev, 0, sizeof(ev));
	ev.flags = ZCRX_EVENT_DESC_FLAG_STATS_;
	ev.stats_offset = stats_off;
	memset(&reg, 0, sizeof(reg));
	reg.if_idx = (uint32_t)ifindex;
	reg.if_rxq = 0;
	reg.rq_entries = ZC_RQ_ENTRIES;
	reg.area_ptr = (uintptr_t)&area;
	reg.region_ptr = (uintptr_t)&rd;
	reg.event_desc = (uintptr_t)&ev;

	/* Same core refusal as bind-rx: no provider without header split. */
	rc = hnl_ethtool_set_data_split(&nl, ifindex, HDS_OFF, why, sizeof(why));
	rc = (int)syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_ZCRX_IFQ_, &reg, 1);
	expect_errno(rc < 0 ? -errno : 0, EINVAL, "zcrx registration with tcp-data-split off",
		     NULL);
	rc = hnl_ethtool_set_data_split(&nl, ifindex, HDS_ON, why, sizeof(why));
	tap(rc == 0, "ethtool rings-set tcp-data-split on (%s)", errname(-rc));
	memset(&reg.offsets, 0, sizeof(reg.offsets));
	reg.zcrx_id = 0;
	area.rq_area_token = 0;
	rc = (int)syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_ZCRX_IFQ_, &reg, 1);
	rc = rc < 0 ? -errno : 0;
	tap(rc == 0, "zcrx interface queue on %s queue 0, 16 MiB user area (%s)", ifname,
	    errname(-rc));
	if (rc)
		goto out;
	rq_tail = (unsigned int *)(ring + reg.offsets.tail);
	rqes = (struct zc_rqe *)(ring + reg.offsets.rqes);
	stats = (const struct zc_stats *)(ring + stats_off);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0) {
		tap(false, "listen on %s:%d: %s", addr, port, strerror(errno));
		goto out;
	}
	cfd = accept(lfd, NULL, NULL);
	tap(cfd >= 0, "accepted the sender's connection");
	if (cfd < 0)
		goto out;

	zc_arm(&r, cfd, reg.zcrx_id);
	to_submit = 1;
	deadline = ts_ms() + 60000;
	while (!eof && ts_ms() < deadline) {
		unsigned int head, tail;

		rc = (int)syscall(__NR_io_uring_enter, r.fd, to_submit, 1, IORING_ENTER_GETEVENTS,
				  NULL, 0);
		if (rc < 0 && errno != EINTR && errno != EAGAIN && errno != EBUSY) {
			printf("# io_uring_enter: %s\n", strerror(errno));
			break;
		}
		to_submit = 0;
		head = *r.cq_head;
		tail = __atomic_load_n(r.cq_tail, __ATOMIC_ACQUIRE);
		for (; head != tail; head++) {
			const struct io_uring_cqe *c = (const struct io_uring_cqe *)
				(r.cqes + (size_t)(head & *r.cq_mask) * 2 * sizeof(*c));
			uint64_t off;
			unsigned int rt;

			cqes++;
			if (c->res == -ENOSPC) {
				/* CQ was full: the multishot ended, the data waits */
				enospc++;
				zc_arm(&r, cfd, reg.zcrx_id);
				to_submit = 1;
				continue;
			}
			if (c->res < 0) {
				printf("# RECV_ZC completion error: %s\n", strerror(-c->res));
				eof = true;
				break;
			}
			if (c->res == 0 && !(c->flags & IORING_CQE_F_MORE)) {
				eof = true;
				break;
			}
			if (c->res > 0) {
				memcpy(&off, (const char *)c + sizeof(*c), sizeof(off));
				if ((off & ZCRX_OFF_MASK) + (uint64_t)c->res > ZC_AREA_SIZE) {
					bad += (uint64_t)c->res;
				} else {
					bad += mismatches(mem + (off & ZCRX_OFF_MASK),
							  (size_t)c->res, pos);
				}
				pos += (uint64_t)c->res;
				rt = *rq_tail;
				rqes[rt & (ZC_RQ_ENTRIES - 1)].off =
					(off & ZCRX_OFF_MASK) | area.rq_area_token;
				rqes[rt & (ZC_RQ_ENTRIES - 1)].len = (uint32_t)c->res;
				__atomic_store_n(rq_tail, rt + 1, __ATOMIC_RELEASE);
			}
			if (!(c->flags & IORING_CQE_F_MORE)) {
				zc_arm(&r, cfd, reg.zcrx_id);
				to_submit = 1;
			}
		}
		__atomic_store_n(r.cq_head, head, __ATOMIC_RELEASE);
	}
	printf("# %" PRIu64 " bytes in %" PRIu64 " completions (%" PRIu64 " re-arms after a full "
	       "CQ); copy fallback %" PRIu64 " times (%" PRIu64 " bytes)\n", pos, cqes, enospc,
	       stats->copy_count, stats->copy_bytes);
	tap(pos == total, "received %" PRIu64 " of %" PRIu64 " bytes with IORING_OP_RECV_ZC",
	    pos, total);
	tap(bad == 0, "every byte in the zcrx area matches the sender's pattern (%" PRIu64
	    " mismatches)", bad);
	tap(pos > 0 && stats->copy_count == 0,
	    "zero copy: no completion fell back to copying (%" PRIu64 ")", stats->copy_count);
	rc = 0;
out:
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	printf("1..%d\n", tap_n);
	return tap_failed || rc ? 1 : 0;
}

