/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb-krecv --design devmem: Linux devmem TCP (Documentation/networking/
 * devmem.rst). The receiving device splits headers from payload
 * (tcp-data-split) and its --queue is bound to a dma-buf (bind-rx, the
 * netdev family): the kernel's TCP still runs the connection, but payload
 * stays in the dma-buf and recvmsg(MSG_SOCK_DEVMEM) hands out
 * (offset, size, token) per frag in control messages. Each token goes back
 * with SO_DEVMEM_DONTNEED once read, so the page pool can refill the queue.
 *
 * Like hsplit's receivers, the payload is not read unless --verify or
 * --latency asks (then through lib/devmem's CPU view of the dma-buf).
 * Payload the device did not split (a flow on another queue, a frame it
 * left linear) comes as SO_DEVMEM_LINEAR into the iov or as a plain copy;
 * the report counts each kind so a run that never used the dma-buf shows.
 */
#include "hsb_krecv.h"
#include "hsb_kdev.h"
#include "devmem.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* asm-generic/socket.h, linux/socket.h, linux/uio.h (6.12+) */
#define SO_DEVMEM_LINEAR_ 78
#define SO_DEVMEM_DMABUF_ 79
#define SO_DEVMEM_DONTNEED_ 80
#define MSG_SOCK_DEVMEM_ 0x2000000
#define DONTNEED_MAX_RANGES 128   /* the kernel's cap on ranges per call */
#define CMSG_MAX 1024             /* frags per recvmsg the control buffer holds */

struct devmem_cmsg {        /* struct dmabuf_cmsg */
	uint64_t frag_offset;
	uint32_t frag_size;
	uint32_t frag_token;
	uint32_t dmabuf_id;
	uint32_t flags;
};

struct devmem_tokens {      /* struct dmabuf_token */
	uint32_t token_start;
	uint32_t token_count;
};

struct krecv_devmem {
	struct kdev_nl nl;      /* the binding lives as long as this socket */
	struct devmem_dmabuf *dmabuf;
	const uint8_t *view;
	size_t size;
	uint32_t id;
	int ifindex;
	int split_before;       /* tcp-data-split to restore, -1: leave it */
	struct devmem_tokens ranges[DONTNEED_MAX_RANGES];
	unsigned int nranges;
	char ctrl[CMSG_SPACE(sizeof(struct devmem_cmsg)) * CMSG_MAX];
	/* where the payload came from */
	uint64_t dmabuf_bytes, frags, linear_bytes, plain_bytes;
	uint64_t tokens_freed, wrong_id, out_of_range, ctrunc;
	int dontneed_err;
};

static void devmem_refused(struct krecv *k, const char *what, int err, const char *why)
{
	char d[320];

	kdev_errno_detail(d, sizeof(d), err, why, NULL);
	k->st.dev_supported = false;
	snprintf(k->st.dev_reason, sizeof(k->st.dev_reason), "not supported on %s queue %u: %s: %s",
		 k->o->ifname, k->o->queue, what, d);
	hsb_log("devmem: %s; reading with recv() instead", k->st.dev_reason);
}

/* Header split on (remembering what it was), then bind the dma-buf to the queue. */
static int devmem_bind(struct krecv *k, struct krecv_devmem *dm)
{
	char why[256];
	int rc;

	rc = kdev_split_force_on(&dm->nl, dm->ifindex, &dm->split_before, why, sizeof(why));
	if (rc < 0) {
		devmem_refused(k, "ethtool rings set tcp-data-split on", -rc, why);
		return rc;
	}
	rc = kdev_bind_rx(&dm->nl, dm->ifindex, k->o->queue, devmem_dmabuf_fd(dm->dmabuf), &dm->id,
			  why, sizeof(why));
	if (rc < 0)
		devmem_refused(k, "NETDEV_CMD_BIND_RX", -rc, why);
	return rc;
}

int krecv_devmem_start(struct krecv *k)
{
	struct krecv_devmem *dm = calloc(1, sizeof(*dm));
	int rc;

	if (!dm)
		return -ENOMEM;
	dm->nl.fd = -1;
	dm->split_before = -1;
	k->dm = dm;
	dm->ifindex = (int)if_nametoindex(k->o->ifname);
	if (dm->ifindex == 0) {
		rc = -errno;
		hsb_log("devmem: no interface '%s' in this network namespace: %s", k->o->ifname,
			strerror(-rc));
		return rc;
	}
	rc = devmem_dmabuf_open(k->o->dmabuf, &dm->dmabuf);
	if (rc < 0) {
		devmem_refused(k, "a dma-buf from lib/devmem", -rc, k->o->dmabuf);
		return 0;
	}
	dm->view = devmem_dmabuf_device_view(dm->dmabuf);
	dm->size = devmem_dmabuf_size(dm->dmabuf);
	rc = kdev_nl_open(&dm->nl);
	if (rc < 0) {
		hsb_log("devmem: generic netlink socket: %s", strerror(-rc));
		return rc;
	}
	if (!kdev_has_bind_rx(&dm->nl)) {
		devmem_refused(k, "netdev op bind-rx", EOPNOTSUPP, "the kernel predates devmem TCP");
		return 0;
	}
	devmem_bind(k, dm);
	return 0;
}

void krecv_devmem_stop(struct krecv *k)
{
	struct krecv_devmem *dm = k->dm;

	if (!dm)
		return;
	kdev_nl_close(&dm->nl); /* unbinds: the queue restarts with the kernel's own pages */
	kdev_split_restore(dm->ifindex, dm->split_before, "devmem");
	devmem_dmabuf_put(dm->dmabuf);
	free(dm);
	k->dm = NULL;
}

/* Give back the tokens collected so far. */
static void tokens_flush(struct krecv_devmem *dm, int fd)
{
	int r;

	if (dm->nranges == 0)
		return;
	r = setsockopt(fd, SOL_SOCKET, SO_DEVMEM_DONTNEED_, dm->ranges,
		       (socklen_t)(dm->nranges * sizeof(dm->ranges[0])));
	if (r < 0 && !dm->dontneed_err)
		dm->dontneed_err = errno;
	else if (r > 0)
		dm->tokens_freed += (uint64_t)r;
	dm->nranges = 0;
}

static void token_done(struct krecv_devmem *dm, int fd, uint32_t token)
{
	struct devmem_tokens *last = dm->nranges ? &dm->ranges[dm->nranges - 1] : NULL;

	if (last && last->token_start + last->token_count == token) {
		last->token_count++;
		return;
	}
	if (dm->nranges == DONTNEED_MAX_RANGES)
		tokens_flush(dm, fd);
	dm->ranges[dm->nranges].token_start = token;
	dm->ranges[dm->nranges++].token_count = 1;
}

/* One dma-buf frag: account it (reading it only when asked) and collect its token. */
static void devmem_frag(struct krecv *k, struct krecv_conn *c, const struct devmem_cmsg *dc,
			uint64_t now)
{
	struct krecv_devmem *dm = k->dm;

	dm->frags++;
	dm->dmabuf_bytes += dc->frag_size;
	if (dc->dmabuf_id != dm->id)
		dm->wrong_id++;
	if (dc->frag_offset + dc->frag_size > dm->size) {
		dm->out_of_range++;
		c->off += dc->frag_size; /* count it, but never read outside the buffer */
		k->st.bytes += dc->frag_size;
		k->st.verify_errors += dc->frag_size;
	} else {
		krecv_consume(k, c, dm->view + dc->frag_offset, dc->frag_size, now);
	}
	token_done(dm, c->fd, dc->frag_token);
}

int krecv_read_devmem(struct krecv *k, struct krecv_conn *c)
{
	struct krecv_devmem *dm = k->dm;
	struct iovec iov = { .iov_base = k->buf, .iov_len = (size_t)k->o->buf };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = dm->ctrl,
			      .msg_controllen = sizeof(dm->ctrl) };
	bool reads = k->o->verify || k->o->latency;
	uint64_t before = c->off, now, lin_off = 0;
	ssize_t n;
	int rc;

	n = recvmsg(c->fd, &msg, MSG_SOCK_DEVMEM_ | MSG_DONTWAIT);
	now = hsb_now_ns();
	rc = krecv_note_read(k, c, n, now);
	if (rc <= 0)
		return rc;
	if (msg.msg_flags & MSG_CTRUNC)
		dm->ctrunc++;
	if (reads)
		devmem_dmabuf_sync_begin(dm->dmabuf, DEVMEM_SYNC_READ);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		struct devmem_cmsg dc;

		if (cm->cmsg_level != SOL_SOCKET || (cm->cmsg_type != SO_DEVMEM_DMABUF_ &&
						     cm->cmsg_type != SO_DEVMEM_LINEAR_))
			continue;
		memcpy(&dc, CMSG_DATA(cm), sizeof(dc));
		if (cm->cmsg_type == SO_DEVMEM_DMABUF_) {
			devmem_frag(k, c, &dc, now);
			continue;
		}
		/* linear data was copied into the iov, in stream order */
		dm->linear_bytes += dc.frag_size;
		krecv_consume(k, c, k->buf + lin_off, dc.frag_size, now);
		lin_off += dc.frag_size;
	}
	if (reads)
		devmem_dmabuf_sync_end(dm->dmabuf, DEVMEM_SYNC_READ);
	tokens_flush(dm, c->fd);
	if (c->off == before) {
		/* a readable skb (not split, or before the binding): a plain copy, no cmsg */
		dm->plain_bytes += (uint64_t)n;
		krecv_consume(k, c, k->buf, (size_t)n, now);
	} else if (c->off - before != (uint64_t)n) {
		hsb_log("devmem: recvmsg returned %zd bytes but its cmsgs describe %" PRIu64, n,
			c->off - before);
		return -EPROTO;
	}
	return 0;
}

void krecv_devmem_report(const struct krecv *k)
{
	const struct krecv_devmem *dm = k->dm;

	if (!dm)
		return;
	printf(",\"devmem\":{\"ifname\":");
	hsb_json_str(stdout, k->o->ifname);
	printf(",\"queue\":%u,\"dmabuf\":", k->o->queue);
	hsb_json_str(stdout, dm->dmabuf ? devmem_dmabuf_describe(dm->dmabuf) : k->o->dmabuf);
	printf(",\"binding\":%u,\"dmabuf_bytes\":%" PRIu64 ",\"frags\":%" PRIu64
	       ",\"linear_bytes\":%" PRIu64 ",\"plain_bytes\":%" PRIu64 ",\"tokens_freed\":%"
	       PRIu64 ",\"wrong_id\":%" PRIu64 ",\"out_of_range\":%" PRIu64 ",\"ctrunc\":%" PRIu64
	       ",\"dontneed_errno\":%d}", dm->id, dm->dmabuf_bytes, dm->frags, dm->linear_bytes,
	       dm->plain_bytes, dm->tokens_freed, dm->wrong_id, dm->out_of_range, dm->ctrunc,
	       dm->dontneed_err);
}
