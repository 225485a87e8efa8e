/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend=kq: one RX queue of a kernel netdev leased through
 * /dev/netdevsim_lease (kernel-patches/netdevsim/, patches 0009-0010; uAPI in
 * include/netdevsim_lease.h). The kernel keeps every other queue.
 *
 * The kernel device splits each frame itself: headers land in header slots
 * of the lease's mmap (host memory), payload in pages of the dma-buf bound
 * to the queue. So this backend offers the pre-split ops of
 * hsplit_backend.h: the driver half builds the mbufs, attaching the bound
 * dma-buf's chunks, and hands payload tokens back through payload_return()
 * when the last mbuf holding a chunk was freed.
 *
 * At port start (presplit_attach): tcp-data-split on, netlink bind-rx of the
 * port's dma-buf to the queue (the binding lives as long as our netlink
 * socket), ATTACH, mmap, every header slot offered on the fill ring. At stop:
 * the lease file is closed (the kernel restarts the queue into skb mode and
 * takes every buffer back), then the netlink socket (unbind).
 *
 * Rings: fill (slots, ours to produce), completion (kernel's), refill
 * (tokens, ours). The kernel reads our producer indexes on every poll; the
 * KICK ioctl is needed only when it set NEED_WAKEUP on a ring (it waited for
 * room), and costs nothing otherwise.
 *
 * Transmit (the receiver's ACKs): backend=afpacket's socket, send only.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "hsplit_backends.h"
#include "hsplit_kernel_bind.h"
#include "hsplit_log.h"
#include "netdevsim_lease.h"

#define KQ_DEV "/dev/" NSIM_LEASE_DEVICE
#define KQ_BUF_SIZE 4096u            /* the kernel's payload buffer: one page */
#define KQ_SLOT_DEFAULT 2048u
#define KQ_SLOTS_DEFAULT 256u
#define KQ_CQ_DEFAULT 1024u
#define KQ_RING_MAX 32768u           /* NSIM_LEASE_RING_MAX */
#define KQ_OUT_MAX 64u               /* frames handed out, not yet done */

struct kq_conf {
	char iface[IF_NAMESIZE];
	uint32_t queue;
	bool queue_set;
	uint32_t slot_size, slots, cq_size, rq_size;
	bool rq_size_set;
};

struct kq_ring {
	uint32_t *prod, *cons, *flags;
	void *desc;
	uint32_t mask;
};

struct kq_backend {
	struct hsplit_backend be;
	struct kq_conf conf;
	int ifindex;
	int lease_fd;                      /* open from probe: the refusal comes early */
	struct hsplit_backend *tx;         /* afpacket, transmit only */
	struct hsplit_kernel_bind kb;

	/* while attached */
	bool attached;
	struct nsim_lease_attach a;
	uint8_t *map;
	struct kq_ring fq, cq, rq;
	uint8_t *hdr_area;
	const struct nsim_lease_state *st;
	uint32_t slots_out[KQ_OUT_MAX]; /* header slot per frame handed out */
	unsigned int nb_out;
	bool revoked_logged;

	/* counters (xstats: backend_kq_*) */
	uint64_t frames, tokens_returned, kicks, completion_errors, csum_bad, csum_good;
	uint64_t unsplit_drops, rq_full;
};

static struct kq_backend *to_kq(struct hsplit_backend *be)
{
	return (struct kq_backend *)be;
}

/* ---- devargs ---- */

static int on_iface(const char *v, void *c)
{
	return hsplit_arg_string(v, ((struct kq_conf *)c)->iface, IF_NAMESIZE);
}

static int on_queue(const char *v, void *c)
{
	struct kq_conf *conf = c;
	uint64_t x;

	if (hsplit_arg_u64(v, 0, 4095, &x) < 0)
		return -EINVAL;
	conf->queue = (uint32_t)x;
	conf->queue_set = true;
	return 0;
}

static int on_slot_size(const char *v, void *c)
{
	uint64_t x;

	if (hsplit_arg_u64(v, 128, 4096, &x) < 0 || x % 64)
		return -EINVAL;
	((struct kq_conf *)c)->slot_size = (uint32_t)x;
	return 0;
}

static int ring_size(const char *v, uint32_t *out)
{
	uint64_t x;

	if (hsplit_arg_u64(v, 32, KQ_RING_MAX, &x) < 0 || (x & (x - 1)))
		return -EINVAL;
	*out = (uint32_t)x;
	return 0;
}

static int on_slots(const char *v, void *c)
{
	return ring_size(v, &((struct kq_conf *)c)->slots);
}

static int on_cq(const char *v, void *c)
{
	return ring_size(v, &((struct kq_conf *)c)->cq_size);
}

static int on_rq(const char *v, void *c)
{
	((struct kq_conf *)c)->rq_size_set = true;
	return ring_size(v, &((struct kq_conf *)c)->rq_size);
}

static const struct hsplit_backend_arg kq_args[] = {
	{ "iface", on_iface, "a network interface name of at most 15 characters" },
	{ "queue", on_queue, "the RX queue index to lease, 0..4095" },
	{ "slot_size", on_slot_size, "header slot bytes, 128..4096, a multiple of 64" },
	{ "slots", on_slots, "header slots (fill ring entries), a power of two 32..32768" },
	{ "cq_size", on_cq, "completion ring entries, a power of two 32..32768" },
	{ "rq_size", on_rq, "refill ring entries, a power of two 32..32768, at least the "
	  "dma-buf's 4 KiB buffers (default: just enough)" },
};

static int kq_args_parse(const struct hsplit_backend_params *params, struct kq_conf *conf)
{
	int ret;

	memset(conf, 0, sizeof(*conf));
	conf->slot_size = KQ_SLOT_DEFAULT;
	conf->slots = KQ_SLOTS_DEFAULT;
	conf->cq_size = KQ_CQ_DEFAULT;
	conf->rq_size = 0;              /* sized to the dma-buf at attach */
	ret = hsplit_backend_args_parse(params, &hsplit_backend_kq_ops, kq_args,
					RTE_DIM(kq_args), conf);
	if (ret < 0)
		return ret;
	if (conf->iface[0] == '\0' || !conf->queue_set) {
		HSPLIT_LOG(ERR, "%s: backend=kq needs iface=<netdev> and queue=<index> (the RX "
			   "queue to lease)", params->port_name);
		return -EINVAL;
	}
	if (conf->cq_size < conf->slots) {
		HSPLIT_LOG(ERR, "%s: backend=kq: cq_size=%u is smaller than slots=%u: every "
			   "slot's frame needs a completion", params->port_name, conf->cq_size,
			   conf->slots);
		return -EINVAL;
	}
	return 0;
}

static int kq_args_check(const struct hsplit_backend_params *params)
{
	struct kq_conf conf;

	return kq_args_parse(params, &conf);
}

/* ---- open: every refusal that needs no dma-buf ---- */

static bool has_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0)
		return geteuid() == 0;
	return (data[CAP_NET_ADMIN / 32].effective >> (CAP_NET_ADMIN % 32)) & 1;
}

static int open_lease_device(struct kq_backend *kq)
{
	const char *port = kq->be.port_name;
	int err;

	kq->lease_fd = open(KQ_DEV, O_RDWR | O_CLOEXEC);
	if (kq->lease_fd >= 0)
		return 0;
	err = errno;
	if (err == ENOENT || err == ENXIO || err == ENODEV) {
		HSPLIT_LOG(ERR, "%s: backend=kq: no %s: this kernel has no netdevsim queue lease "
			   "(it needs the kernel patches in kernel-patches/netdevsim/, 0009-0010, "
			   "and the netdevsim module loaded)", port, KQ_DEV);
		return -ENODEV;
	}
	HSPLIT_LOG(ERR, "%s: backend=kq: open %s: %s%s", port, KQ_DEV, strerror(err),
		   err == EACCES || err == EPERM ? " (run as root)" : "");
	return -err;
}

/* The interface's MTU against the header slot: a frame that cannot split lands whole in one. */
static int check_mtu(struct kq_backend *kq)
{
	struct ifreq ifr;
	uint32_t need;
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", kq->conf.iface);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		ret = -errno;
		HSPLIT_LOG(ERR, "%s: backend=kq: MTU of %s: %s", kq->be.port_name, kq->conf.iface,
			   strerror(-ret));
	} else {
		need = (uint32_t)ifr.ifr_mtu + 14u + 4u;
		if (need > kq->conf.slot_size) {
			HSPLIT_LOG(ERR, "%s: backend=kq: the MTU of %s (%d) does not fit a %u-byte "
				   "header slot (a frame that cannot split lands whole in one): use "
				   "slot_size=%u or more (at most 4096), or a smaller MTU",
				   kq->be.port_name, kq->conf.iface, ifr.ifr_mtu, kq->conf.slot_size,
				   RTE_ALIGN_CEIL(need, 64u));
			ret = -EINVAL;
		}
	}
	close(fd);
	return ret;
}

static void kq_close(struct hsplit_backend *be)
{
	struct kq_backend *kq = to_kq(be);

	if (be->ops->presplit_detach != NULL)
		be->ops->presplit_detach(be);
	if (kq->lease_fd >= 0)
		close(kq->lease_fd);
	if (kq->tx != NULL)
		kq->tx->ops->close(kq->tx);
	free(kq);
}

static int kq_open(const struct hsplit_backend_params *params, struct hsplit_backend **out)
{
	struct kq_backend *kq = calloc(1, sizeof(*kq));
	const char *port = params->port_name;
	int ret;

	if (kq == NULL)
		return -ENOMEM;
	kq->be.ops = &hsplit_backend_kq_ops;
	snprintf(kq->be.port_name, sizeof(kq->be.port_name), "%s", port);
	kq->lease_fd = -1;
	kq->kb.nl.fd = -1;
	ret = kq_args_parse(params, &kq->conf);
	if (ret == 0)
		ret = open_lease_device(kq);
	if (ret == 0 && !has_net_admin()) {
		HSPLIT_LOG(ERR, "%s: backend=kq: leasing a queue needs CAP_NET_ADMIN (run as root)",
			   port);
		ret = -EPERM;
	}
	if (ret == 0) {
		kq->ifindex = (int)if_nametoindex(kq->conf.iface);
		if (kq->ifindex == 0) {
			HSPLIT_LOG(ERR, "%s: backend=kq: no interface %s", port, kq->conf.iface);
			ret = -ENODEV;
		}
	}
	if (ret == 0)
		ret = check_mtu(kq);
	if (ret == 0)
		ret = hsplit_afpacket_tx_open(port, kq->conf.iface, &kq->tx);
	if (ret < 0) {
		kq_close(&kq->be);
		return ret;
	}
	HSPLIT_LOG(INFO, "%s: backend=kq: %s queue %u, %u header slots of %u bytes", port,
		   kq->conf.iface, kq->conf.queue, kq->conf.slots, kq->conf.slot_size);
	*out = &kq->be;
	return 0;
}

/* ---- attach / detach ---- */

static void map_ring(struct kq_backend *kq, struct kq_ring *r,
		     const struct nsim_lease_ring_offsets *o, uint32_t entries)
{
	r->prod = (uint32_t *)(kq->map + o->producer);
	r->cons = (uint32_t *)(kq->map + o->consumer);
	r->flags = (uint32_t *)(kq->map + o->flags);
	r->desc = kq->map + o->desc;
	r->mask = entries - 1;
}

static const char *attach_refusal(int err)
{
	switch (err) {
	case EBUSY: return "the queue is leased by another file, or is the port's only queue "
			   "or in its RSS table";
	case ENODATA: return "no dma-buf bound to the queue";
	case EINVAL: return "bad sizes or a different dma-buf than the bound one";
	case ERANGE: return "no such queue";
	case ENETDOWN: return "the interface is down";
	case EOPNOTSUPP: return "not a netdevsim port, or the exporter cannot be mapped";
	case EPERM: return "needs CAP_NET_ADMIN";
	default: return "refused";
	}
}

static int lease_attach(struct kq_backend *kq, int dmabuf_fd)
{
	struct nsim_lease_attach *a = &kq->a;
	uint32_t i;

	memset(a, 0, sizeof(*a));
	a->ifindex = (uint32_t)kq->ifindex;
	a->queue = kq->conf.queue;
	a->dmabuf_fd = dmabuf_fd;
	a->fq_entries = kq->conf.slots;
	a->cq_entries = kq->conf.cq_size;
	a->rq_entries = kq->conf.rq_size;
	a->hdr_slot_size = kq->conf.slot_size;
	a->hdr_slots = kq->conf.slots;
	if (ioctl(kq->lease_fd, NSIM_LEASE_IOC_ATTACH, a) != 0) {
		int err = errno;

		HSPLIT_LOG(ERR, "%s: backend=kq: ATTACH of %s queue %u: %s (%s)", kq->be.port_name,
			   kq->conf.iface, kq->conf.queue, strerror(err), attach_refusal(err));
		return -err;
	}
	kq->map = mmap(NULL, a->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, kq->lease_fd, 0);
	if (kq->map == MAP_FAILED) {
		int err = errno;

		kq->map = NULL;
		HSPLIT_LOG(ERR, "%s: backend=kq: mmap of the lease: %s", kq->be.port_name,
			   strerror(err));
		return -err;
	}
	map_ring(kq, &kq->fq, &a->off.fq, a->fq_entries);
	map_ring(kq, &kq->cq, &a->off.cq, a->cq_entries);
	map_ring(kq, &kq->rq, &a->off.rq, a->rq_entries);
	kq->hdr_area = kq->map + a->off.hdr_area;
	kq->st = (const struct nsim_lease_state *)(kq->map + a->off.state);
	for (i = 0; i < kq->conf.slots; i++)
		((uint32_t *)kq->fq.desc)[i & kq->fq.mask] = i;
	__atomic_store_n(kq->fq.prod, *kq->fq.prod + kq->conf.slots, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Every token names a distinct buffer of the dma-buf, so a refill ring with
 * an entry per buffer can never be full when a token comes back: no token is
 * ever dropped for room. By default the ring is sized so; a smaller rq_size
 * is refused rather than losing buffers to the lease.
 */
static int size_refill_ring(struct kq_backend *kq, uint64_t dmabuf_size)
{
	uint64_t nbufs = dmabuf_size / KQ_BUF_SIZE, need = 32;

	while (need < nbufs)
		need <<= 1;
	if (need > KQ_RING_MAX) {
		HSPLIT_LOG(ERR, "%s: backend=kq: the dma-buf holds %llu payload buffers, more "
			   "than a refill ring can name (%u): bind at most %u MiB",
			   kq->be.port_name, (unsigned long long)nbufs, KQ_RING_MAX,
			   KQ_RING_MAX * KQ_BUF_SIZE >> 20);
		return -E2BIG;
	}
	if (kq->conf.rq_size_set && kq->conf.rq_size < nbufs) {
		HSPLIT_LOG(ERR, "%s: backend=kq: rq_size=%u is smaller than the dma-buf's %llu "
			   "payload buffers: a returned token could find the refill ring full "
			   "(leave rq_size out, or give at least %llu)", kq->be.port_name,
			   kq->conf.rq_size, (unsigned long long)nbufs, (unsigned long long)need);
		return -EINVAL;
	}
	if (!kq->conf.rq_size_set)
		kq->conf.rq_size = (uint32_t)need;
	return 0;
}

static int kq_presplit_attach(struct hsplit_backend *be, const struct hsplit_presplit_mem *mem)
{
	struct kq_backend *kq = to_kq(be);
	const char *port = be->port_name;
	int ret;

	if (kq->attached)
		return 0;
	if (mem->chunk_size != KQ_BUF_SIZE) {
		HSPLIT_LOG(ERR, "%s: backend=kq: the binding's chunk size is %u; the kernel's "
			   "payload buffers are %u bytes (hsplit-rx --chunk 4K, devargs chunk=4K)",
			   port, mem->chunk_size, KQ_BUF_SIZE);
		return -EINVAL;
	}
	ret = size_refill_ring(kq, mem->dmabuf_size);
	if (ret < 0)
		return ret;
	/* A lease file holds one lease for good: DETACH leaves it DETACHED. Start afresh. */
	if (kq->lease_fd < 0) {
		ret = open_lease_device(kq);
		if (ret < 0)
			return ret;
	}
	ret = hsplit_kernel_bind_open(&kq->kb, port, kq->ifindex);
	if (ret == 0)
		ret = hsplit_kernel_hds_on(&kq->kb);
	if (ret == 0)
		ret = hsplit_kernel_bind_rx(&kq->kb, kq->conf.queue, mem->dmabuf_fd);
	if (ret == 0)
		ret = lease_attach(kq, mem->dmabuf_fd);
	if (ret < 0) {
		kq->attached = true;
		be->ops->presplit_detach(be);
		return ret;
	}
	kq->attached = true;
	kq->nb_out = 0;
	kq->revoked_logged = false;
	HSPLIT_LOG(INFO, "%s: backend=kq: leased %s queue %u (kernel dma-buf binding %u, "
		   "%llu-byte mmap)", port, kq->conf.iface, kq->conf.queue, kq->kb.binding_id,
		   (unsigned long long)kq->a.mmap_size);
	return 0;
}

/* The lease file goes first: the kernel gives the queue back and reclaims every buffer. */
static void kq_presplit_detach(struct hsplit_backend *be)
{
	struct kq_backend *kq = to_kq(be);

	if (!kq->attached)
		return;
	if (kq->map != NULL)
		munmap(kq->map, kq->a.mmap_size);
	kq->map = NULL;
	kq->st = NULL;
	if (kq->lease_fd >= 0)
		close(kq->lease_fd);
	kq->lease_fd = -1;
	hsplit_kernel_bind_close(&kq->kb);
	kq->attached = false;
}

/* ---- data path ---- */

static void kick_if_needed(struct kq_backend *kq)
{
	if (__atomic_load_n(kq->fq.flags, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(kq->cq.flags, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(kq->rq.flags, __ATOMIC_ACQUIRE)) {
		kq->kicks++;
		if (ioctl(kq->lease_fd, NSIM_LEASE_IOC_KICK) != 0 && errno != EINTR)
			HSPLIT_LOG(DEBUG, "%s: backend=kq: KICK: %s", kq->be.port_name,
				   strerror(errno));
	}
}

/* Producer side of fill and refill: room is guaranteed by the ring sizes (see below). */
static void ring_push(struct kq_ring *r, uint32_t v)
{
	uint32_t p = *r->prod;

	((uint32_t *)r->desc)[p & r->mask] = v;
	__atomic_store_n(r->prod, p + 1, __ATOMIC_RELEASE);
}

/* Revoked by the kernel (ifdown, unbind, unregister): -errno once, logged once. */
static int check_revoked(struct kq_backend *kq)
{
	uint32_t state = __atomic_load_n(&kq->st->state, __ATOMIC_ACQUIRE);
	int err;

	if (likely(state == NSIM_LEASE_ATTACHED))
		return 0;
	err = state == NSIM_LEASE_REVOKED && kq->st->revoke_errno ? (int)kq->st->revoke_errno :
								     ENODEV;
	if (!kq->revoked_logged) {
		HSPLIT_LOG(ERR, "%s: backend=kq: the kernel revoked the lease of %s queue %u: %s",
			   kq->be.port_name, kq->conf.iface, kq->conf.queue, strerror(err));
		kq->revoked_logged = true;
	}
	return -err;
}

static void return_token(struct kq_backend *kq, uint32_t token)
{
	if (token == NSIM_LEASE_NO_TOKEN)
		return;
	if (unlikely(*kq->rq.prod - __atomic_load_n(kq->rq.cons, __ATOMIC_ACQUIRE) >
		     kq->rq.mask)) {
		/*
		 * Cannot happen with the ring sized to the dma-buf
		 * (size_refill_ring): a kernel that reports more tokens than
		 * buffers. Counted and logged, the buffer stays out until detach.
		 */
		if (kq->rq_full++ == 0)
			HSPLIT_LOG(ERR, "%s: backend=kq: the refill ring is full with %u "
				   "entries for as many buffers: token %u kept out",
				   kq->be.port_name, kq->rq.mask + 1, token);
		kick_if_needed(kq);
		return;
	}
	ring_push(&kq->rq, token);
}

/* A completion the driver cannot use: its buffers and slot go straight back. */
static void drop_frame(struct kq_backend *kq, const struct hsplit_presplit_frame *f,
		       uint32_t slot, uint64_t *counter)
{
	unsigned int i;

	(*counter)++;
	for (i = 0; i < f->nb_segs; i++)
		return_token(kq, f->seg[i].token);
	if (slot < kq->conf.slots)
		ring_push(&kq->fq, slot);
}

static uint32_t frame_flags(uint16_t cqe_flags)
{
	uint32_t fl = 0;

	if (cqe_flags & NSIM_LEASE_CQE_SPLIT)
		fl |= HSPLIT_PRESPLIT_SPLIT;
	if (cqe_flags & NSIM_LEASE_CQE_LINEAR)
		fl |= HSPLIT_PRESPLIT_LINEAR;
	if (cqe_flags & NSIM_LEASE_CQE_L4_CSUM_OK)
		fl |= HSPLIT_PRESPLIT_L4_CSUM_OK;
	if (cqe_flags & NSIM_LEASE_CQE_L4_CSUM_BAD)
		fl |= HSPLIT_PRESPLIT_L4_CSUM_BAD;
	return fl;
}

/*
 * Whole frames only: the kernel publishes a frame's completions together,
 * but a frame still short of its EOP stays in the ring for the next call.
 * Returns how many completions frame f took, 0 if it is not all there.
 */
static uint32_t take_frame(struct kq_backend *kq, uint32_t cons, uint32_t ready,
			   struct hsplit_presplit_frame *f, uint32_t *slot, bool *bad)
{
	const struct nsim_lease_cqe *cqes = kq->cq.desc;
	const struct nsim_lease_cqe *e = &cqes[cons & kq->cq.mask];
	uint32_t i;

	*bad = false;
	*slot = e->hdr_slot;
	f->nb_segs = 0;
	f->hdr_len = e->hdr_len;
	f->flags = frame_flags(e->flags);
	f->hash = e->hash;
	if (!(e->flags & NSIM_LEASE_CQE_SOP) || e->hdr_slot >= kq->conf.slots ||
	    e->hdr_len > kq->conf.slot_size)
		*bad = true;
	else
		f->hdr = kq->hdr_area + (size_t)e->hdr_slot * kq->conf.slot_size;
	for (i = 0; i < ready; i++) {
		e = &cqes[(cons + i) & kq->cq.mask];
		if (e->token != NSIM_LEASE_NO_TOKEN) {
			if (f->nb_segs == HSPLIT_PRESPLIT_MAX_SEGS || e->len == 0 ||
			    e->len > KQ_BUF_SIZE) {
				*bad = true;
			} else {
				f->seg[f->nb_segs].dmabuf_off = e->dmabuf_off;
				f->seg[f->nb_segs].len = e->len;
				f->seg[f->nb_segs].token = e->token;
				f->nb_segs++;
			}
		}
		if (e->flags & NSIM_LEASE_CQE_EOP)
			return i + 1;
		if (*bad && !(e->flags & NSIM_LEASE_CQE_SOP))
			return i + 1; /* out of step: resynchronise on the next SOP */
	}
	return 0;
}

static int kq_rx_presplit(struct hsplit_backend *be, struct hsplit_presplit_frame *frames,
			  unsigned int n)
{
	struct kq_backend *kq = to_kq(be);
	uint32_t cons, prod, used, slot;
	unsigned int nb = 0;
	bool bad;
	int ret;

	if (unlikely(!kq->attached))
		return -ENODEV;
	ret = check_revoked(kq);
	if (unlikely(ret < 0))
		return ret;
	n = RTE_MIN(n, (unsigned int)RTE_DIM(kq->slots_out) - kq->nb_out);
	cons = *kq->cq.cons;
	prod = __atomic_load_n(kq->cq.prod, __ATOMIC_ACQUIRE);
	while (nb < n && cons != prod) {
		struct hsplit_presplit_frame *f = &frames[nb];

		used = take_frame(kq, cons, prod - cons, f, &slot, &bad);
		if (used == 0)
			break;
		cons += used;
		if (unlikely(bad)) {
			drop_frame(kq, f, slot, &kq->completion_errors);
			continue;
		}
		if (unlikely(f->hdr_len == 0)) {
			/* Neither split nor small enough for a slot: no readable header. */
			drop_frame(kq, f, slot, &kq->unsplit_drops);
			continue;
		}
		if (f->flags & HSPLIT_PRESPLIT_L4_CSUM_BAD)
			kq->csum_bad++;
		else if (f->flags & HSPLIT_PRESPLIT_L4_CSUM_OK)
			kq->csum_good++;
		kq->slots_out[kq->nb_out++] = slot;
		nb++;
	}
	__atomic_store_n(kq->cq.cons, cons, __ATOMIC_RELEASE);
	kq->frames += nb;
	if (nb == 0)
		kick_if_needed(kq);
	return (int)nb;
}

/* The driver copied the headers out: their slots go back on the fill ring. */
static void kq_rx_presplit_done(struct hsplit_backend *be, unsigned int count)
{
	struct kq_backend *kq = to_kq(be);
	unsigned int i;

	count = RTE_MIN(count, kq->nb_out);
	for (i = 0; i < count; i++)
		ring_push(&kq->fq, kq->slots_out[i]);
	memmove(kq->slots_out, kq->slots_out + count, (kq->nb_out - count) * sizeof(uint32_t));
	kq->nb_out -= count;
	kick_if_needed(kq);
}

static void kq_payload_return(struct hsplit_backend *be, const uint32_t *tokens, unsigned int n)
{
	struct kq_backend *kq = to_kq(be);
	unsigned int i;

	if (!kq->attached)
		return;
	for (i = 0; i < n; i++)
		return_token(kq, tokens[i]);
	kq->tokens_returned += n;
	kick_if_needed(kq);
}

/* ---- transmit and the rest: the afpacket socket ---- */

static int kq_tx_burst(struct hsplit_backend *be, const struct hsplit_frame *frames,
		       unsigned int n)
{
	struct hsplit_backend *tx = to_kq(be)->tx;

	return tx->ops->tx_burst(tx, frames, n);
}

static bool kq_link_up(struct hsplit_backend *be)
{
	struct kq_backend *kq = to_kq(be);

	if (kq->attached && kq->st != NULL &&
	    __atomic_load_n(&kq->st->state, __ATOMIC_ACQUIRE) != NSIM_LEASE_ATTACHED)
		return false;
	return kq->tx->ops->link_up(kq->tx);
}

static int kq_mac_addr(struct hsplit_backend *be, uint8_t mac[6])
{
	struct hsplit_backend *tx = to_kq(be)->tx;

	return tx->ops->mac_addr(tx, mac);
}

static int kq_xstats_get(struct hsplit_backend *be, struct hsplit_backend_xstat *xs,
			 unsigned int n)
{
	struct kq_backend *kq = to_kq(be);
	const struct { const char *name; uint64_t v; } c[] = {
		{ "kq_frames", kq->frames },
		{ "kq_tokens_returned", kq->tokens_returned },
		{ "kq_kicks", kq->kicks },
		{ "kq_completion_errors", kq->completion_errors },
		{ "kq_unsplit_drops", kq->unsplit_drops },
		{ "kq_refill_full", kq->rq_full },
		{ "kq_l4_csum_good", kq->csum_good },
		{ "kq_l4_csum_bad", kq->csum_bad },
		{ "kq_lease_drops", kq->st != NULL ? kq->st->drops : 0 },
		{ "kq_lease_stalls", kq->st != NULL ? kq->st->stalls : 0 },
		{ "kq_lease_bad_tokens", kq->st != NULL ? kq->st->bad_tokens : 0 },
		{ "kq_lease_buffers_out", kq->st != NULL ? kq->st->buffers_out : 0 },
	};
	unsigned int i;

	if (n < RTE_DIM(c))
		return RTE_DIM(c);
	for (i = 0; i < RTE_DIM(c); i++) {
		snprintf(xs[i].name, sizeof(xs[i].name), "%s", c[i].name);
		xs[i].value = c[i].v;
	}
	return RTE_DIM(c);
}

static const char *const kq_keys[] = {
	"iface", "queue", "slot_size", "slots", "cq_size", "rq_size", NULL,
};

const struct hsplit_backend_ops hsplit_backend_kq_ops = {
	.name = "kq",
	.keys = kq_keys,
	.args_check = kq_args_check,
	.open = kq_open,
	.close = kq_close,
	.tx_burst = kq_tx_burst,
	.link_up = kq_link_up,
	.mac_addr = kq_mac_addr,
	.xstats_get = kq_xstats_get,
	.presplit_attach = kq_presplit_attach,
	.presplit_detach = kq_presplit_detach,
	.rx_presplit = kq_rx_presplit,
	.rx_presplit_done = kq_rx_presplit_done,
	.payload_return = kq_payload_return,
};
