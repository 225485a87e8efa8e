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
#include "devmem_rx.h"
#include "hnl.h"
#include "tap.h"

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

uint64_t ts_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Check `len` stream bytes at `pos` against the pattern; count mismatches. */
uint64_t mismatches(const uint8_t *p, size_t len, uint64_t pos)
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

const char *errname(int e)
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
void expect_errno(int rc, int want, const char *what, const char *why)
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
