/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * devmem_rx: Linux devmem TCP from the receiving side, written from the
 * uAPI (Documentation/networking/devmem.rst, include/uapi/linux/netdev.h,
 * uio.h, asm-generic/socket.h). The QEMU tier runs it on a patched
 * netdevsim port (kernel-patches/netdevsim/) whose peer, in another network
 * namespace, sends with ordinary Linux TCP.
 *
 *   devmem_rx send ADDR PORT BYTES
 *       connect and send BYTES of the test pattern, then close.
 *   devmem_rx recv IFNAME ADDR PORT BYTES
 *       the selftest, printing TAP: every bind-rx / ethtool / setsockopt
 *       refusal we rely on, then bind a udmabuf to queue 0, accept one
 *       connection, read it with MSG_SOCK_DEVMEM, verify every byte through
 *       the udmabuf (or the iov for linear data), return every token with
 *       SO_DEVMEM_DONTNEED, and show that closing the netlink socket unbinds.
 *   devmem_rx stream IFNAME ADDR PORT BYTES QUEUE dmabuf|linear|any
 *       bind queue QUEUE, receive one stream and check where its payload
 *       landed (the multi-queue and device-event cases).
 *
 * Debian 12's kernel headers predate devmem, so the few uAPI numbers used
 * are spelled out below (they are ABI and never change).
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
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "devmem.h"
#include "hnl.h"
#include "tap.h"

#define HDS_OFF HNL_TCP_DATA_SPLIT_DISABLED
#define HDS_ON HNL_TCP_DATA_SPLIT_ENABLED
/* sockets (asm-generic/socket.h, linux/socket.h, linux/uio.h) */
#define SO_DEVMEM_LINEAR_ 78
#define SO_DEVMEM_DMABUF_ 79
#define SO_DEVMEM_DONTNEED_ 80
#define MSG_SOCK_DEVMEM_ 0x2000000
#define DONTNEED_MAX_RANGES 128

struct kdm_cmsg {          /* struct dmabuf_cmsg */
	uint64_t frag_offset;
	uint32_t frag_size;
	uint32_t frag_token;
	uint32_t dmabuf_id;
	uint32_t flags;
};

struct kdm_token_range {   /* struct dmabuf_token */
	uint32_t token_start;
	uint32_t token_count;
};

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 131u + (i >> 12) * 7u + 1u);
}

/* ---- netlink: tools/netlink/hnl.h builds, sends and reads ---- */

/* Drop every binding made through nl (closing unbinds) and start afresh;
 * hnl_net_open leaves nl->fd at -1 when it fails.
 */
static void nl_reopen(struct hnl_net *nl)
{
	hnl_net_close(nl);
	hnl_net_open(nl);
}

/* ---- XDP: a two-instruction XDP_PASS program, attached in SKB mode ---- */

static int xdp_prog_load(bool frags)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = 2;
	attr.license = (uintptr_t)"GPL";
	if (frags)
		attr.prog_flags = BPF_F_XDP_HAS_FRAGS;
	return (int)syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

/* Attach (prog_fd >= 0) or detach (-1) generic XDP; returns 0 or -errno. */
static int xdp_set(int ifindex, int prog_fd, char *why, size_t whylen)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct hnl_msg m;
	struct nlattr *x;
	int fd, rc;

	hnl_start(&m, RTM_SETLINK, &ifi, sizeof(ifi));
	x = hnl_nest(&m, IFLA_XDP);
	hnl_put_u32(&m, IFLA_XDP_FD, (uint32_t)prog_fd);
	hnl_put_u32(&m, IFLA_XDP_FLAGS, XDP_FLAGS_SKB_MODE);
	hnl_nest_end(&m, x);
	fd = hnl_socket(NETLINK_ROUTE);
	if (fd < 0)
		return fd;
	rc = hnl_call(fd, &m, NULL, NULL, why, whylen);
	close(fd);
	return rc;
}

/* ---- sender ---- */

static int do_send(const char *addr, int port, uint64_t total)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static uint8_t buf[65536];
	uint64_t sent = 0;
	int fd = -1;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "send: bad IPv4 address '%s'\n", addr);
		return 2;
	}
	for (int tries = 0; tries < 1200; tries++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		if (fd >= 0)
			close(fd);
		fd = -1;
		usleep(50000);
	}
	if (fd < 0) {
		fprintf(stderr, "send: cannot connect to %s:%d: %s\n", addr, port, strerror(errno));
		return 1;
	}
	while (sent < total) {
		size_t n = total - sent < sizeof(buf) ? (size_t)(total - sent) : sizeof(buf);
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(sent + i);
		w = write(fd, buf, n);
		if (w <= 0) {
			fprintf(stderr, "send: write: %s\n", strerror(errno));
			return 1;
		}
		sent += (uint64_t)w;
	}
	close(fd);
	return 0;
}

/* ---- receiver ---- */

struct rx_stats {
	uint64_t bytes, dmabuf_bytes, linear_bytes;
	uint64_t plain_bytes; /* readable skbs: copied without any devmem cmsg */
	uint64_t frags, linear, bad, wrong_id, freed;
	int dontneed_err;
};

static uint64_t ts_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Check `len` stream bytes at `pos` against the pattern; count mismatches. */
static uint64_t mismatches(const uint8_t *p, size_t len, uint64_t pos)
{
	uint64_t bad = 0;

	for (size_t i = 0; i < len; i++)
		bad += p[i] != pattern(pos + i);
	return bad;
}

static int receive_all(int fd, struct devmem_dmabuf *d, uint32_t id, uint64_t total,
		       struct rx_stats *st)
{
	static uint8_t iobuf[65536];
	static char ctrl[CMSG_SPACE(sizeof(struct kdm_cmsg)) * 512];
	const uint8_t *view = devmem_dmabuf_device_view(d);
	uint64_t deadline = ts_ms() + 60000;

	while (st->bytes < total) {
		struct iovec iov = { .iov_base = iobuf, .iov_len = sizeof(iobuf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = ctrl, .msg_controllen = sizeof(ctrl) };
		struct kdm_token_range ranges[DONTNEED_MAX_RANGES];
		unsigned int nranges = 0;
		uint64_t pos = st->bytes;
		size_t lin_off = 0; /* linear data fills the iov; frags do not */
		ssize_t n;

		if (ts_ms() > deadline) {
			printf("# timed out after %" PRIu64 " of %" PRIu64 " bytes\n", st->bytes, total);
			return -ETIMEDOUT;
		}
		n = recvmsg(fd, &msg, MSG_SOCK_DEVMEM_);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		if (msg.msg_flags & MSG_CTRUNC)
			printf("# control data truncated\n");
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			struct kdm_cmsg dc;

			if (c->cmsg_level != SOL_SOCKET ||
			    (c->cmsg_type != SO_DEVMEM_DMABUF_ && c->cmsg_type != SO_DEVMEM_LINEAR_))
				continue;
			memcpy(&dc, CMSG_DATA(c), sizeof(dc));
			if (c->cmsg_type == SO_DEVMEM_LINEAR_) {
				/* copied into the iov; only frag_size is meaningful */
				st->linear++;
				st->linear_bytes += dc.frag_size;
				if (lin_off + dc.frag_size <= sizeof(iobuf))
					st->bad += mismatches(iobuf + lin_off, dc.frag_size, pos);
				else
					st->bad += dc.frag_size;
				lin_off += dc.frag_size;
				pos += dc.frag_size;
				continue;
			}
			st->frags++;
			st->dmabuf_bytes += dc.frag_size;
			if (dc.dmabuf_id != id)
				st->wrong_id++;
			if (dc.frag_offset + dc.frag_size > devmem_dmabuf_size(d)) {
				st->bad += dc.frag_size;
			} else {
				devmem_dmabuf_sync_begin(d, DEVMEM_SYNC_READ);
				st->bad += mismatches(view + dc.frag_offset, dc.frag_size, pos);
				devmem_dmabuf_sync_end(d, DEVMEM_SYNC_READ);
			}
			pos += dc.frag_size;
			if (nranges > 0 && ranges[nranges - 1].token_start +
			    ranges[nranges - 1].token_count == dc.frag_token) {
				ranges[nranges - 1].token_count++;
			} else {
				if (nranges == DONTNEED_MAX_RANGES) {
					int r = setsockopt(fd, SOL_SOCKET, SO_DEVMEM_DONTNEED_, ranges,
							   (socklen_t)(nranges * sizeof(ranges[0])));
					if (r < 0)
						st->dontneed_err = errno;
					else
						st->freed += (uint64_t)r;
					nranges = 0;
				}
				ranges[nranges].token_start = dc.frag_token;
				ranges[nranges++].token_count = 1;
			}
		}
		if (nranges > 0) {
			int r = setsockopt(fd, SOL_SOCKET, SO_DEVMEM_DONTNEED_, ranges,
					   (socklen_t)(nranges * sizeof(ranges[0])));
			if (r < 0)
				st->dontneed_err = errno;
			else
				st->freed += (uint64_t)r;
		}
		if (pos == st->bytes && n > 0) {
			/* Readable skbs come as a plain copy, with no cmsg at all. */
			st->plain_bytes += (uint64_t)n;
			st->bad += mismatches(iobuf, (size_t)n, pos);
			pos += (uint64_t)n;
		}
		if (pos - st->bytes != (uint64_t)n)
			printf("# recvmsg returned %zd but cmsgs describe %" PRIu64 " bytes\n", n,
			       pos - st->bytes);
		st->bytes += (uint64_t)n;
	}
	return 0;
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENODATA: return "ENODATA";
	case EFAULT: return "EFAULT";
	case EBADF: return "EBADF";
	default: return strerror(e);
	}
}

/* A refusal case: `rc` (0 or -errno) must be -want. */
static void expect_errno(int rc, int want, const char *what, const char *why)
{
	tap(rc == -want, "%s refused with %s (got %s)%s%s", what, errname(want), errname(-rc),
	    why && why[0] ? ": " : "", why && why[0] ? why : "");
}

/* Listen on sa and accept the sender's one connection: its fd, or -1
 * (after a failed TAP line). The listening socket goes to *lfd.
 */
static int accept_sender(const struct sockaddr_in *sa, int *lfd)
{
	char addr[INET_ADDRSTRLEN] = "?";
	int one = 1, cfd;

	inet_ntop(AF_INET, &sa->sin_addr, addr, sizeof(addr));
	*lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*lfd < 0 || setsockopt(*lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(*lfd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(*lfd, 1) < 0) {
		tap(false, "listen on %s:%d: %s", addr, ntohs(sa->sin_port), strerror(errno));
		return -1;
	}
	printf("# listening on %s:%d\n", addr, ntohs(sa->sin_port));
	fflush(stdout);
	cfd = accept(*lfd, NULL, NULL);
	tap(cfd >= 0, "accepted the sender's connection");
	return cfd;
}

static void print_rx_stats(const struct rx_stats *st)
{
	printf("# %" PRIu64 " bytes: %" PRIu64 " in %" PRIu64 " dmabuf frags, %" PRIu64
	       " linear in %" PRIu64 " pieces, %" PRIu64 " plain; %" PRIu64 " tokens freed\n",
	       st->bytes, st->dmabuf_bytes, st->frags, st->linear_bytes, st->linear,
	       st->plain_bytes, st->freed);
}

static int do_recv(const char *ifname, const char *addr, int port, uint64_t total)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct devmem_dmabuf *d = NULL;
	struct hnl_net nl, nl2, nl3;
	struct rx_stats st;
	char why[256], probe[16];
	int ifindex, rc, lfd, cfd, memfd, prog, one = 1;
	uint32_t id = 0, id2 = 0;

	memset(&st, 0, sizeof(st));
	ifindex = (int)if_nametoindex(ifname);
	if (ifindex == 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "recv: no interface '%s' or bad address '%s'\n", ifname, addr);
		return 2;
	}
	rc = hnl_net_open(&nl);
	tap(rc == 0, "netdev and ethtool genetlink families (%s)", errname(-rc));
	if (rc)
		goto out;
	rc = devmem_dmabuf_open("udmabuf:size=32M", &d);
	tap(rc == 0, "udmabuf of 32 MiB through lib/devmem (%s)", errname(-rc));
	if (rc)
		goto out;

	/* Refusals before a successful bind. */
	rc = hnl_ethtool_set_data_split(&nl, ifindex, HDS_OFF, why, sizeof(why));
	tap(rc == 0, "ethtool rings-set tcp-data-split off (%s)", errname(-rc));
	rc = hnl_netdev_bind_rx(&nl, ifindex, 0, devmem_dmabuf_fd(d), &id, why, sizeof(why));
	expect_errno(rc, EINVAL, "bind-rx with tcp-data-split off", why);
	if (rc == 0)
		nl_reopen(&nl);
	rc = hnl_ethtool_set_data_split(&nl, ifindex, HDS_ON, why, sizeof(why));
	tap(rc == 0, "ethtool rings-set tcp-data-split on (%s%s%s)", errname(-rc),
	    why[0] ? ": " : "", why);
	rc = hnl_netdev_bind_rx(&nl, ifindex, 99, devmem_dmabuf_fd(d), &id, why, sizeof(why));
	expect_errno(rc, EINVAL, "bind-rx of queue 99 (the port has one)", why);
	if (rc == 0)
		nl_reopen(&nl);
	memfd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	if (memfd >= 0 && ftruncate(memfd, 1 << 20) == 0) {
		rc = hnl_netdev_bind_rx(&nl, ifindex, 0, memfd, &id, why, sizeof(why));
		expect_errno(rc, EINVAL, "bind-rx of a memfd (not a dmabuf)", why);
		if (rc == 0)
			nl_reopen(&nl);
	}
	if (memfd >= 0)
		close(memfd);
	/*
	 * XDP: single-buffer programs cannot run with header split at all;
	 * a multi-buffer one can, and then a provider is refused.
	 */
	prog = xdp_prog_load(false);
	if (prog < 0) {
		tap(false, "load a single-buffer XDP_PASS program: %s", strerror(errno));
	} else {
		rc = xdp_set(ifindex, prog, why, sizeof(why));
		expect_errno(rc, EBUSY, "single-buffer XDP with tcp-data-split on", why);
		if (rc == 0)
			xdp_set(ifindex, -1, why, sizeof(why));
		close(prog);
	}
	prog = xdp_prog_load(true);
	if (prog < 0) {
		tap(false, "load a multi-buffer XDP_PASS program: %s", strerror(errno));
	} else {
		rc = xdp_set(ifindex, prog, why, sizeof(why));
		tap(rc == 0, "attach multi-buffer generic XDP (%s%s%s)", errname(-rc),
		    why[0] ? ": " : "", why);
		rc = hnl_netdev_bind_rx(&nl, ifindex, 0, devmem_dmabuf_fd(d), &id, why,
					sizeof(why));
		expect_errno(rc, EEXIST, "bind-rx with XDP attached", why);
		if (rc == 0)
			nl_reopen(&nl);
		rc = xdp_set(ifindex, -1, why, sizeof(why));
		tap(rc == 0, "detach XDP (%s%s%s)", errname(-rc), why[0] ? ": " : "", why);
	}

	/* The binding. */
	rc = hnl_netdev_bind_rx(&nl, ifindex, 0, devmem_dmabuf_fd(d), &id, why, sizeof(why));
	tap(rc == 0 && id > 0, "bind-rx of the udmabuf to %s queue 0: id %u (%s%s%s)", ifname, id,
	    errname(-rc), why[0] ? ": " : "", why);
	if (rc)
		goto out;

	/* Refusals while bound. */
	if (hnl_net_open(&nl2) == 0) {
		rc = hnl_netdev_bind_rx(&nl2, ifindex, 0, devmem_dmabuf_fd(d), &id2, why,
					sizeof(why));
		expect_errno(rc, EEXIST, "second bind-rx of the same queue", why);
		close(nl2.fd);
	}
	rc = hnl_ethtool_set_data_split(&nl, ifindex, HDS_OFF, why, sizeof(why));
	expect_errno(rc, EINVAL, "tcp-data-split off while bound", why);
	if (prog >= 0) {
		rc = xdp_set(ifindex, prog, why, sizeof(why));
		expect_errno(rc, EBUSY, "multi-buffer XDP attach while bound", why);
		if (rc == 0)
			xdp_set(ifindex, -1, why, sizeof(why));
		close(prog);
	}

	/* Receive. */
	cfd = accept_sender(&sa, &lfd);
	if (cfd < 0)
		goto out;
	{
		struct pollfd p = { .fd = cfd, .events = POLLIN };

		poll(&p, 1, 10000);
	}
	rc = (int)recv(cfd, probe, sizeof(probe), MSG_PEEK | MSG_DONTWAIT);
	expect_errno(rc < 0 ? -errno : 0, EFAULT, "plain recv() of device memory", NULL);
	rc = setsockopt(cfd, SOL_SOCKET, SO_DEVMEM_DONTNEED_, &one, 3);
	expect_errno(rc < 0 ? -errno : 0, EINVAL, "SO_DEVMEM_DONTNEED with optlen 3", NULL);
	{
		static struct kdm_token_range many[DONTNEED_MAX_RANGES + 1];

		rc = setsockopt(cfd, SOL_SOCKET, SO_DEVMEM_DONTNEED_, many, sizeof(many));
		expect_errno(rc < 0 ? -errno : 0, EINVAL, "SO_DEVMEM_DONTNEED with 129 ranges",
			     NULL);
	}

	rc = receive_all(cfd, d, id, total, &st);
	print_rx_stats(&st);
	tap(rc == 0 && st.bytes == total, "received %" PRIu64 " of %" PRIu64 " bytes (%s)",
	    st.bytes, total, errname(-rc));
	tap(st.frags > 0 && st.dmabuf_bytes > total / 2,
	    "payload landed in the dmabuf (%" PRIu64 " bytes in %" PRIu64 " frags)",
	    st.dmabuf_bytes, st.frags);
	tap(st.bad == 0, "every byte matches the sender's pattern (%" PRIu64 " mismatches)", st.bad);
	tap(st.wrong_id == 0, "every frag names binding %u", id);
	tap(st.dontneed_err == 0 && st.freed == st.frags,
	    "SO_DEVMEM_DONTNEED returned every token (%" PRIu64 " of %" PRIu64 ", %s)", st.freed,
	    st.frags, errname(st.dontneed_err));
	close(cfd);
	close(lfd);

	/* Closing the netlink socket unbinds: the refusals go away. */
	close(nl.fd);
	nl.fd = -1;
	if (hnl_net_open(&nl3) == 0) {
		rc = hnl_ethtool_set_data_split(&nl3, ifindex, HDS_OFF, why, sizeof(why));
		tap(rc == 0, "closing the netlink socket unbinds: tcp-data-split off works (%s%s%s)",
		    errname(-rc), why[0] ? ": " : "", why);
		close(nl3.fd);
	}
out:
	if (nl.fd >= 0)
		close(nl.fd);
	devmem_dmabuf_put(d);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

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

static int do_zcrx(const char *ifname, const char *addr, int port, uint64_t total)
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

/*
 * One stream on a chosen queue, for the multi-queue and device-event cases
 * (guest-netdevsim-mq.sh): bind the udmabuf to `queue`, print "# listening",
 * receive `total` bytes with MSG_SOCK_DEVMEM and check every byte, then
 * where the payload landed: "dmabuf" (the flow was steered to the bound
 * queue: most of it in dmabuf frags), "linear" (steered elsewhere: not one
 * dmabuf frag), or "any" (a device event will cut the stream: only report).
 * The netlink socket, hence the binding, lives until the stream ends.
 */
static int do_stream(const char *ifname, const char *addr, int port, uint64_t total,
		     uint32_t queue, const char *where)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tmo = { .tv_sec = 1 };
	struct devmem_dmabuf *d = NULL;
	struct hnl_net nl = { .fd = -1 };
	int ifindex, rc, lfd = -1, cfd = -1;
	struct rx_stats st;
	uint32_t id = 0;
	char why[256];

	memset(&st, 0, sizeof(st));
	ifindex = (int)if_nametoindex(ifname);
	if (ifindex == 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "stream: no interface '%s' or bad address '%s'\n", ifname, addr);
		return 2;
	}
	rc = hnl_net_open(&nl);
	tap(rc == 0, "netdev and ethtool genetlink families (%s)", errname(-rc));
	if (rc)
		goto out;
	rc = devmem_dmabuf_open("udmabuf:size=32M", &d);
	tap(rc == 0, "udmabuf of 32 MiB through lib/devmem (%s)", errname(-rc));
	if (rc)
		goto out;
	rc = hnl_ethtool_set_data_split(&nl, ifindex, HDS_ON, why, sizeof(why));
	tap(rc == 0, "ethtool rings-set tcp-data-split on (%s%s%s)", errname(-rc),
	    why[0] ? ": " : "", why);
	rc = hnl_netdev_bind_rx(&nl, ifindex, queue, devmem_dmabuf_fd(d), &id, why, sizeof(why));
	tap(rc == 0 && id > 0, "bind-rx of the udmabuf to %s queue %u: id %u (%s%s%s)", ifname,
	    queue, id, errname(-rc), why[0] ? ": " : "", why);
	if (rc)
		goto out;

	cfd = accept_sender(&sa, &lfd);
	if (cfd < 0)
		goto out;
	/* Wake up now and then so that receive_all's deadline can fire. */
	setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));

	rc = receive_all(cfd, d, id, total, &st);
	print_rx_stats(&st);
	tap(st.bad == 0, "every byte received matches the sender's pattern (%" PRIu64
	    " mismatches)", st.bad);
	if (strcmp(where, "any") == 0) {
		printf("# stream ended after %" PRIu64 " of %" PRIu64 " bytes (%s)\n", st.bytes,
		       total, errname(-rc));
		goto out;
	}
	tap(rc == 0 && st.bytes == total, "received %" PRIu64 " of %" PRIu64 " bytes (%s)",
	    st.bytes, total, errname(-rc));
	tap(st.dontneed_err == 0 && st.freed == st.frags,
	    "SO_DEVMEM_DONTNEED returned every token (%" PRIu64 " of %" PRIu64 ", %s)", st.freed,
	    st.frags, errname(st.dontneed_err));
	if (strcmp(where, "dmabuf") == 0)
		tap(st.frags > 0 && st.dmabuf_bytes > total / 2,
		    "payload on bound queue %u landed in the dmabuf (%" PRIu64 " bytes in %"
		    PRIu64 " frags)", queue, st.dmabuf_bytes, st.frags);
	else
		tap(st.frags == 0 && st.linear_bytes + st.plain_bytes == st.bytes,
		    "payload on another queue than bound queue %u stayed in host memory (%"
		    PRIu64 " dmabuf frags)", queue, st.frags);
out:
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	if (nl.fd >= 0)
		close(nl.fd);
	devmem_dmabuf_put(d);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

/* Strict decimal in [min, max]; -1 (after a message) otherwise. */
static long long parse_num(const char *what, const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno || v < min || v > max) {
		fprintf(stderr, "devmem_rx: bad %s '%s' (a number from %lld to %lld)\n", what, s,
			min, max);
		return -1;
	}
	return v;
}

static int usage(const char *me)
{
	fprintf(stderr, "usage: %s send ADDR PORT BYTES\n"
		"       %s recv IFNAME ADDR PORT BYTES\n"
		"       %s zcrx IFNAME ADDR PORT BYTES\n"
		"       %s stream IFNAME ADDR PORT BYTES QUEUE dmabuf|linear|any\n", me, me, me,
		me);
	return 2;
}

int main(int argc, char **argv)
{
	long long port, bytes;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && strcmp(argv[1], "send") == 0) {
		port = parse_num("port", argv[3], 1, 65535);
		bytes = parse_num("byte count", argv[4], 1, 1LL << 40);
		if (port < 0 || bytes < 0)
			return 2;
		return do_send(argv[2], (int)port, (uint64_t)bytes);
	}
	if (argc == 6 && strcmp(argv[1], "recv") == 0) {
		port = parse_num("port", argv[4], 1, 65535);
		bytes = parse_num("byte count", argv[5], 1, 1LL << 40);
		if (port < 0 || bytes < 0)
			return 2;
		return do_recv(argv[2], argv[3], (int)port, (uint64_t)bytes);
	}
	if (argc == 6 && strcmp(argv[1], "zcrx") == 0) {
		port = parse_num("port", argv[4], 1, 65535);
		bytes = parse_num("byte count", argv[5], 1, 1LL << 40);
		if (port < 0 || bytes < 0)
			return 2;
		return do_zcrx(argv[2], argv[3], (int)port, (uint64_t)bytes);
	}
	if (argc == 8 && strcmp(argv[1], "stream") == 0) {
		long long queue = parse_num("queue", argv[6], 0, 1023);

		port = parse_num("port", argv[4], 1, 65535);
		bytes = parse_num("byte count", argv[5], 1, 1LL << 40);
		if (port < 0 || bytes < 0 || queue < 0)
			return 2;
		if (strcmp(argv[7], "dmabuf") && strcmp(argv[7], "linear") &&
		    strcmp(argv[7], "any"))
			return usage(argv[0]);
		return do_stream(argv[2], argv[3], (int)port, (uint64_t)bytes, (uint32_t)queue,
				 argv[7]);
	}
	return usage(argv[0]);
}
