/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lease_rx: a lease from the process's side (lease_rx.h): ATTACH, the one
 * mmap with its fill, completion and refill rings, and a receive loop that
 * checks every completion against the frame the sender built.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lease_rx.h"

void attach_args(struct nsim_lease_attach *a, int ifindex, int q, int dmabuf_fd)
{
	memset(a, 0, sizeof(*a));
	a->ifindex = (uint32_t)ifindex;
	a->queue = (uint32_t)q;
	a->dmabuf_fd = dmabuf_fd;
	a->fq_entries = FQ_ENTRIES;
	a->cq_entries = CQ_ENTRIES;
	a->rq_entries = RQ_ENTRIES;
	a->hdr_slot_size = SLOT_SIZE;
	a->hdr_slots = SLOTS;
}

int lease_open(void)
{
	int fd = open(LEASE_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		printf("# open %s: %s\n", LEASE_DEV, strerror(errno));
	return fd;
}

/* ATTACH with a; 0 or -errno. */
int try_attach(int fd, struct nsim_lease_attach *a)
{
	return ioctl(fd, NSIM_LEASE_IOC_ATTACH, a) ? -errno : 0;
}

static void map_ring(struct lease *l, struct ring *r, const struct nsim_lease_ring_offsets *o,
		     uint32_t entries)
{
	r->prod = (uint32_t *)(l->m + o->producer);
	r->cons = (uint32_t *)(l->m + o->consumer);
	r->flags = (uint32_t *)(l->m + o->flags);
	r->desc = l->m + o->desc;
	r->mask = entries - 1;
}

/* Open, attach to the test queue with dmabuf_fd, map, offer every slot. */
int lease_take(struct lease *l, int dmabuf_fd)
{
	uint32_t i;
	int rc;

	memset(l, 0, sizeof(*l));
	l->fd = lease_open();
	if (l->fd < 0)
		return -errno;
	attach_args(&l->a, env.rx_ifindex, env.queue, dmabuf_fd);
	rc = try_attach(l->fd, &l->a);
	if (rc) {
		close(l->fd);
		l->fd = -1;
		return rc;
	}
	l->m = mmap(NULL, l->a.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, l->fd, 0);
	if (l->m == MAP_FAILED) {
		rc = -errno;
		close(l->fd);
		l->fd = -1;
		return rc;
	}
	map_ring(l, &l->fq, &l->a.off.fq, FQ_ENTRIES);
	map_ring(l, &l->cq, &l->a.off.cq, CQ_ENTRIES);
	map_ring(l, &l->rq, &l->a.off.rq, RQ_ENTRIES);
	l->hdr = l->m + l->a.off.hdr_area;
	l->st = (struct nsim_lease_state *)(l->m + l->a.off.state);
	for (i = 0; i < SLOTS; i++)
		((uint32_t *)l->fq.desc)[i & l->fq.mask] = i;
	__atomic_store_n(l->fq.prod, SLOTS, __ATOMIC_RELEASE);
	return 0;
}

void lease_close(struct lease *l)
{
	if (l->m && l->m != MAP_FAILED)
		munmap(l->m, l->a.mmap_size);
	if (l->fd >= 0)
		close(l->fd);
	l->m = NULL;
	l->fd = -1;
}

void ring_push(struct ring *r, uint32_t v)
{
	uint32_t p = *r->prod;

	((uint32_t *)r->desc)[p & r->mask] = v;
	__atomic_store_n(r->prod, p + 1, __ATOMIC_RELEASE);
}

static void kick_if_needed(struct lease *l)
{
	if (__atomic_load_n(l->fq.flags, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(l->cq.flags, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(l->rq.flags, __ATOMIC_ACQUIRE))
		ioctl(l->fd, NSIM_LEASE_IOC_KICK);
}

int get_info(struct lease *l, struct nsim_lease_state *st)
{
	return ioctl(l->fd, NSIM_LEASE_IOC_GET_INFO, st) ? -errno : 0;
}

/* Check one frame's completion against what frame k carried. */
static void check_frame(struct lease *l, struct rx_check *c, const struct nsim_lease_cqe *e)
{
	const uint8_t *h = l->hdr + (size_t)e->hdr_slot * SLOT_SIZE;
	uint8_t want[1600];
	unsigned int plen, i;
	uint32_t k, seq;

	if (e->hdr_len < HDR_LEN || h[12] != 0x08 || h[13] != 0x00 || h[23] != IPPROTO_TCP ||
	    (h[36] << 8 | h[37]) != env.port) {
		c->other++;
		return;
	}
	k = (uint32_t)(h[18] << 8 | h[19]);
	/* frames carry the low 16 bits of their number in the IP id */
	k = (c->next_k & ~0xffffu) | k;
	c->next_k = k + 1;
	build_frame(want, k, !(e->flags & NSIM_LEASE_CQE_L4_CSUM_BAD));
	plen = frame_plen(k);
	seq = frame_seq(k);
	c->frames++;
	if (e->flags & NSIM_LEASE_CQE_L4_CSUM_BAD)
		c->csum_bad++;
	if (!(e->flags & NSIM_LEASE_CQE_SOP) || !(e->flags & NSIM_LEASE_CQE_EOP) ||
	    e->queue != (uint32_t)env.queue)
		c->bad_flags++;
	if (plen == 0) {
		c->linear++;
		if (!(e->flags & NSIM_LEASE_CQE_LINEAR) || e->token != NSIM_LEASE_NO_TOKEN ||
		    e->hdr_len != HDR_LEN)
			c->bad_flags++;
		if (memcmp(h, want, HDR_LEN))
			c->bad_hdr++;
		return;
	}
	c->payload_frames++;
	if (!(e->flags & NSIM_LEASE_CQE_SPLIT) || e->hdr_len != HDR_LEN || e->len != plen ||
	    !(e->flags & (NSIM_LEASE_CQE_L4_CSUM_OK | NSIM_LEASE_CQE_L4_CSUM_BAD)))
		c->bad_flags++;
	if (memcmp(h, want, HDR_LEN))
		c->bad_hdr++;
	if (e->dmabuf_off + e->len > POOL_SIZE) {
		c->bad_payload++;
		return;
	}
	devmem_dmabuf_sync_begin(c->d, DEVMEM_SYNC_READ);
	for (i = 0; i < e->len && i < plen; i++)
		if (c->view[e->dmabuf_off + i] != pattern(seq + i)) {
			c->bad_payload++;
			break;
		}
	devmem_dmabuf_sync_end(c->d, DEVMEM_SYNC_READ);
}

static uint32_t cq_ready(struct lease *l)
{
	return __atomic_load_n(l->cq.prod, __ATOMIC_ACQUIRE) - *l->cq.cons;
}

/* Consume completions until `frames` frames arrived (or WAIT_MS without
 * progress), returning slots and, unless c->keep_tokens, buffers.
 */
int receive(struct lease *l, struct rx_check *c, uint32_t frames)
{
	uint32_t target = c->frames + c->other + frames;
	struct pollfd p = { .fd = l->fd, .events = POLLIN };
	const struct nsim_lease_cqe *e;
	uint32_t cons;

	while (c->frames + c->other < target) {
		if (!cq_ready(l)) {
			kick_if_needed(l);
			if (poll(&p, 1, WAIT_MS) <= 0 || (p.revents & (POLLERR | POLLHUP)))
				return -1;
			continue;
		}
		cons = *l->cq.cons;
		e = &((const struct nsim_lease_cqe *)l->cq.desc)[cons & l->cq.mask];
		if (e->flags & NSIM_LEASE_CQE_SOP)
			check_frame(l, c, e);
		if (e->token != NSIM_LEASE_NO_TOKEN && !c->keep_tokens) {
			ring_push(&l->rq, e->token);
			c->tokens_returned++;
		}
		if (e->flags & NSIM_LEASE_CQE_EOP)
			ring_push(&l->fq, e->hdr_slot);
		__atomic_store_n(l->cq.cons, cons + 1, __ATOMIC_RELEASE);
		kick_if_needed(l);
	}
	return 0;
}

void check_init(struct rx_check *c, struct devmem_dmabuf *d, uint32_t k0)
{
	memset(c, 0, sizeof(*c));
	c->d = d;
	c->view = devmem_dmabuf_device_view(d);
	c->next_k = k0;
}

int send_and_receive(struct lease *l, struct devmem_dmabuf *a, uint32_t n, bool keep)
{
	struct rx_check c;

	check_init(&c, a, env.next_frame);
	c.keep_tokens = keep;
	if (send_frames(env.next_frame, n, true))
		return -1;
	env.next_frame += n;
	if (receive(l, &c, n))
		return -1;
	return c.frames == n && c.bad_hdr == 0 && c.bad_payload == 0 ? 0 : -1;
}
