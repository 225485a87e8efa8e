/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lease_rx: the netdevsim queue lease (kernel-patches/netdevsim/, the
 * /dev/netdevsim_lease uAPI) from the process that leases a queue. The
 * QEMU tier runs it in the receiving port's network namespace; frames come
 * from the peer port, sent here through AF_PACKET in the sender's
 * namespace and steered to the leased queue by the guest script's ntuple rule.
 *
 *   lease_rx RXIF QUEUE PORT TXNETNS TXIF [ONEQ_IF]
 *
 * Prints TAP: every ATTACH refusal with its errno, frames with headers in
 * the header slots and payload in the dma-buf checked byte for byte,
 * a corrupted checksum flagged, buffers recycled over ten times the pool,
 * DETACH, close and kill -9 with buffers held giving the queue back, and
 * the kernel revoking the lease on provider unbind, ifdown and a netns
 * move, with rmmod refused while the device is open.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "devmem.h"
#include "hnl.h"
#include "netdevsim_lease.h"
#include "tap.h"

/* netdev genetlink family (include/uapi/linux/netdev.h) */
#define NETDEV_CMD_BIND_RX_ 13
#define NETDEV_A_DMABUF_IFINDEX_ 1
#define NETDEV_A_DMABUF_QUEUES_ 2
#define NETDEV_A_DMABUF_FD_ 3
#define NETDEV_A_DMABUF_ID_ 4
#define NETDEV_A_QUEUE_ID_ 1
#define NETDEV_A_QUEUE_TYPE_ 3
#define NETDEV_QUEUE_TYPE_RX_ 0
#define NETDEV_CMD_PAGE_POOL_GET_ 5
#define NETDEV_A_PAGE_POOL_INFLIGHT_ 4
#define NETDEV_A_PAGE_POOL_DETACH_TIME_ 6
#define NETDEV_A_PAGE_POOL_DMABUF_ 7
/* ethtool genetlink family (include/uapi/linux/ethtool_netlink_generated.h) */
#define ETHTOOL_MSG_RINGS_SET_ 16
#define ETHTOOL_A_RINGS_HEADER_ 1
#define ETHTOOL_A_RINGS_TCP_DATA_SPLIT_ 11
#define ETHTOOL_A_HEADER_DEV_INDEX_ 1
#define TCP_DATA_SPLIT_ENABLED_ 2

#define LEASE_DEV "/dev/" NSIM_LEASE_DEVICE
#define POOL_SIZE (1u << 20)            /* the bound udmabuf: 256 buffers */
#define POOL_BUFS (POOL_SIZE / 4096)
#define FQ_ENTRIES 64
#define CQ_ENTRIES 256
#define RQ_ENTRIES 256
#define SLOT_SIZE 256
#define SLOTS FQ_ENTRIES
#define BATCH 32
#define HDR_LEN (14 + 20 + 20)
#define MAX_PAYLOAD 1448
#define WAIT_MS 10000

static const char *rx_if, *tx_if, *tx_netns;
static int rx_ifindex, queue, port, tx_sock;
static uint8_t rx_mac[6], tx_mac[6];
static int nl_fd = -1, nl_family, nl_ethtool;

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 131u + (i >> 12) * 7u + 1u);
}

static const char *errname(int e)
{
	switch (e) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENODEV: return "ENODEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENETDOWN: return "ENETDOWN";
	case ERANGE: return "ERANGE";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case ENODATA: return "ENODATA";
	default: return strerror(e);
	}
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	return system(cmd);
}

/* ---- netlink bind-rx: the binding lives as long as nl_fd ---- */

static int nl_open(void)
{
	struct hnl_genl_family f;
	int rc;

	nl_fd = hnl_socket(NETLINK_GENERIC);
	if (nl_fd < 0)
		return nl_fd;
	rc = hnl_genl_family(nl_fd, "netdev", &f);
	nl_family = f.id;
	if (rc)
		return rc;
	rc = hnl_genl_family(nl_fd, "ethtool", &f);
	nl_ethtool = f.id;
	return rc;
}

/* ethtool -G RXIF tcp-data-split on (Debian 12's ethtool predates it). */
static int hds_on(void)
{
	uint8_t mode = TCP_DATA_SPLIT_ENABLED_;
	char why[256] = "";
	struct nlattr *h;
	struct hnl_msg m;
	int rc;

	hnl_genl_start(&m, (uint16_t)nl_ethtool, ETHTOOL_MSG_RINGS_SET_);
	h = hnl_nest(&m, ETHTOOL_A_RINGS_HEADER_);
	hnl_put_u32(&m, ETHTOOL_A_HEADER_DEV_INDEX_, (uint32_t)rx_ifindex);
	hnl_nest_end(&m, h);
	hnl_put(&m, ETHTOOL_A_RINGS_TCP_DATA_SPLIT_, &mode, 1);
	rc = hnl_call(nl_fd, &m, NULL, NULL, why, sizeof(why));
	if (rc)
		printf("# rings-set tcp-data-split on: %s %s\n", errname(-rc), why);
	return rc;
}

static int bind_rx(int dmabuf_fd)
{
	struct hnl_u32 reply = { .type = NETDEV_A_DMABUF_ID_ };
	struct nlattr *q;
	struct hnl_msg m;
	char why[256] = "";
	int rc;

	hnl_genl_start(&m, (uint16_t)nl_family, NETDEV_CMD_BIND_RX_);
	hnl_put_u32(&m, NETDEV_A_DMABUF_IFINDEX_, (uint32_t)rx_ifindex);
	hnl_put_u32(&m, NETDEV_A_DMABUF_FD_, (uint32_t)dmabuf_fd);
	q = hnl_nest(&m, NETDEV_A_DMABUF_QUEUES_);
	hnl_put_u32(&m, NETDEV_A_QUEUE_ID_, (uint32_t)queue);
	hnl_put_u32(&m, NETDEV_A_QUEUE_TYPE_, NETDEV_QUEUE_TYPE_RX_);
	hnl_nest_end(&m, q);
	rc = hnl_call(nl_fd, &m, hnl_reply_u32, &reply, why, sizeof(why));
	if (rc)
		printf("# bind-rx: %s %s\n", errname(-rc), why);
	return rc;
}

/* ---- page pools: none backed by a dma-buf may keep buffers out ---- */

struct pools_out {
	unsigned int pools;
	uint64_t inflight;
};

static void count_pool(const struct nlmsghdr *h, void *arg)
{
	struct pools_out *o = arg;
	const struct nlattr *in;
	const void *attrs;
	uint64_t v = 0;
	size_t len;

	attrs = hnl_genl_attrs(h, &len);
	/* destroyed pools stay listed (detach-time) while buffers are out */
	if (!hnl_attr_find(attrs, len, NETDEV_A_PAGE_POOL_DMABUF_) &&
	    !hnl_attr_find(attrs, len, NETDEV_A_PAGE_POOL_DETACH_TIME_))
		return;
	o->pools++;
	in = hnl_attr_find(attrs, len, NETDEV_A_PAGE_POOL_INFLIGHT_);
	if (in && hnl_attr_len(in) == 8)
		memcpy(&v, hnl_attr_data(in), 8);
	else if (in && hnl_attr_len(in) == 4)
		v = *(const uint32_t *)hnl_attr_data(in);
	o->inflight += v;
}

/* page-pool-get dump through a netdev socket fd (its netns decides what). */
static int dump_pools(int fd, struct pools_out *o)
{
	struct hnl_genl_family f;
	struct hnl_msg m;
	int rc;

	rc = hnl_genl_family(fd, "netdev", &f);
	if (rc)
		return rc;
	hnl_genl_start(&m, f.id, NETDEV_CMD_PAGE_POOL_GET_);
	((struct nlmsghdr *)m.data)->nlmsg_flags |= NLM_F_DUMP;
	return hnl_call(fd, &m, count_pool, o, NULL, 0);
}

/* A socket (netlink: through hnl) in the namespace at path (NULL: ours), or -1. */
static int socket_in(const char *path, int domain, int type, int proto)
{
	int self, other, s = -1;

	if (!path)
		return domain == AF_NETLINK ? hnl_socket(proto) : socket(domain, type, proto);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	other = open(path, O_RDONLY | O_CLOEXEC);
	if (self >= 0 && other >= 0 && setns(other, CLONE_NEWNET) == 0) {
		s = domain == AF_NETLINK ? hnl_socket(proto) : socket(domain, type, proto);
		if (setns(self, CLONE_NEWNET)) {
			perror("setns back");
			exit(2);
		}
	}
	if (self >= 0)
		close(self);
	if (other >= 0)
		close(other);
	return s;
}

/* Buffers out in dma-buf page pools of this namespace and the sender's. */
static int pools_out(struct pools_out *o)
{
	const char *where[] = { NULL, tx_netns };
	unsigned int i;
	int fd, rc = 0;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < 2 && !rc; i++) {
		fd = socket_in(where[i], AF_NETLINK, 0, NETLINK_GENERIC);
		if (fd < 0)
			return -1;
		rc = dump_pools(fd, o);
		close(fd);
	}
	return rc;
}

/* ---- the sender: AF_PACKET in the peer's namespace ---- */

static int open_tx_socket(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	struct ifreq ifr;
	int s;

	s = socket_in(tx_netns, AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_IP));
	if (s < 0)
		return -1;
	/* the socket's ioctls answer for its own namespace */
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tx_if);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == 0) {
		memcpy(tx_mac, ifr.ifr_hwaddr.sa_data, 6);
		if (ioctl(s, SIOCGIFINDEX, &ifr) == 0) {
			sll.sll_ifindex = ifr.ifr_ifindex;
			if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) == 0)
				return s;
		}
	}
	close(s);
	return -1;
}

static uint16_t csum16(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (; len > 1; len -= 2, b += 2)
		sum += (uint32_t)(b[0] << 8 | b[1]);
	if (len)
		sum += (uint32_t)(b[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Frame k: its payload length, and the TCP sequence number of its first byte. */
static unsigned int frame_plen(uint32_t k)
{
	return k % 16 == 15 ? 0 : 1 + (k * 397u) % MAX_PAYLOAD;
}

static uint32_t frame_seq(uint32_t k)
{
	return 1000u + k * (uint32_t)MAX_PAYLOAD;
}

static size_t build_frame(uint8_t *f, uint32_t k, bool good)
{
	unsigned int plen = frame_plen(k), i;
	uint32_t seq = frame_seq(k), sum;
	uint8_t *ip = f + 14, *tcp = ip + 20, *pl = tcp + 20;
	uint16_t c;

	memcpy(f, rx_mac, 6);
	memcpy(f + 6, tx_mac, 6);
	f[12] = 0x08, f[13] = 0x00;
	memset(ip, 0, 40);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((40 + plen) >> 8), ip[3] = (uint8_t)(40 + plen);
	ip[4] = (uint8_t)(k >> 8), ip[5] = (uint8_t)k;
	ip[6] = 0x40, ip[8] = 64, ip[9] = IPPROTO_TCP;
	ip[12] = 192, ip[13] = 168, ip[14] = 79, ip[15] = 1;
	ip[16] = 192, ip[17] = 168, ip[18] = 79, ip[19] = 2;
	c = csum16(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
	tcp[0] = 40000 >> 8, tcp[1] = 40000 & 0xff;
	tcp[2] = (uint8_t)(port >> 8), tcp[3] = (uint8_t)port;
	tcp[4] = (uint8_t)(seq >> 24), tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8), tcp[7] = (uint8_t)seq;
	tcp[11] = 1, tcp[12] = 5 << 4, tcp[13] = 0x18, tcp[14] = 0xff, tcp[15] = 0xff;
	for (i = 0; i < plen; i++)
		pl[i] = pattern(seq + i);
	/* pseudo-header: addresses, protocol, TCP length */
	sum = (192u << 8 | 168) * 2 + (79u << 8 | 1) + (79u << 8 | 2) + IPPROTO_TCP + 20 + plen;
	c = csum16(tcp, 20 + plen, sum);
	if (!good)
		c ^= 0x5a5a;
	tcp[16] = (uint8_t)(c >> 8), tcp[17] = (uint8_t)c;
	return 14 + 40 + plen;
}

static int send_frames(uint32_t k0, uint32_t n, bool good)
{
	uint8_t f[1600];
	uint32_t k;

	for (k = k0; k < k0 + n; k++) {
		size_t len = build_frame(f, k, good);

		if (send(tx_sock, f, len, 0) != (ssize_t)len) {
			printf("# AF_PACKET send of frame %u: %s\n", k, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* ---- a lease ---- */

struct ring {
	uint32_t *prod, *cons, *flags;
	void *desc;
	uint32_t mask;
};

struct lease {
	int fd;
	struct nsim_lease_attach a;
	uint8_t *m;
	struct ring fq, cq, rq;
	uint8_t *hdr;
	struct nsim_lease_state *st;
};

struct rx_check {
	const uint8_t *view;            /* the dma-buf's device view */
	struct devmem_dmabuf *d;
	uint32_t frames, payload_frames, linear, other, bad_hdr, bad_payload, bad_flags;
	uint32_t csum_bad, tokens_returned, next_k;
	bool keep_tokens;               /* hold every buffer (close/kill cases) */
};

static void attach_args(struct nsim_lease_attach *a, int ifindex, int q, int dmabuf_fd)
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

static int lease_open(void)
{
	int fd = open(LEASE_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		printf("# open %s: %s\n", LEASE_DEV, strerror(errno));
	return fd;
}

/* ATTACH with a; 0 or -errno. */
static int try_attach(int fd, struct nsim_lease_attach *a)
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
static int lease_take(struct lease *l, int dmabuf_fd)
{
	uint32_t i;
	int rc;

	memset(l, 0, sizeof(*l));
	l->fd = lease_open();
	if (l->fd < 0)
		return -errno;
	attach_args(&l->a, rx_ifindex, queue, dmabuf_fd);
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

static void lease_close(struct lease *l)
{
	if (l->m && l->m != MAP_FAILED)
		munmap(l->m, l->a.mmap_size);
	if (l->fd >= 0)
		close(l->fd);
	l->m = NULL;
	l->fd = -1;
}

static void ring_push(struct ring *r, uint32_t v)
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

static int get_info(struct lease *l, struct nsim_lease_state *st)
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
	    (h[36] << 8 | h[37]) != port) {
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
	    e->queue != queue)
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
static int receive(struct lease *l, struct rx_check *c, uint32_t frames)
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

static void check_init(struct rx_check *c, struct devmem_dmabuf *d, uint32_t k0)
{
	memset(c, 0, sizeof(*c));
	c->d = d;
	c->view = devmem_dmabuf_device_view(d);
	c->next_k = k0;
}

/* ---- cases ---- */

static void expect(int rc, int want, const char *what)
{
	tap(rc == -want, "ATTACH %s refused with %s (got %s)", what, errname(want), errname(-rc));
}

static void refuse(int dmabuf_fd, const char *what, int want,
		   void (*tweak)(struct nsim_lease_attach *))
{
	struct nsim_lease_attach a;
	int fd = lease_open();

	if (fd < 0) {
		tap(false, "ATTACH %s: cannot open " LEASE_DEV, what);
		return;
	}
	attach_args(&a, rx_ifindex, queue, dmabuf_fd);
	tweak(&a);
	expect(try_attach(fd, &a), want, what);
	close(fd);
}

static void t_flags(struct nsim_lease_attach *a) { a->flags = 1; }
static void t_reserved(struct nsim_lease_attach *a) { a->reserved[2] = 7; }
static void t_ring(struct nsim_lease_attach *a) { a->fq_entries = 48; }
static void t_slot(struct nsim_lease_attach *a) { a->hdr_slot_size = 100; }
static void t_ifindex(struct nsim_lease_attach *a) { a->ifindex = 0x7fffff; }
static void t_lo(struct nsim_lease_attach *a) { a->ifindex = 1; }
static void t_queue(struct nsim_lease_attach *a) { a->queue = 99; }
static void t_none(struct nsim_lease_attach *a) { (void)a; }
static int oneq_ifindex;
static void t_oneq(struct nsim_lease_attach *a) { a->ifindex = (uint32_t)oneq_ifindex; a->queue = 0; }

/* EPERM: a child that opened the device drops every capability first. */
static void refuse_eperm(int dmabuf_fd)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	struct nsim_lease_attach a;
	int status = 0, fd;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		fd = open(LEASE_DEV, O_RDWR);
		memset(data, 0, sizeof(data));
		if (fd < 0 || syscall(SYS_capset, &hdr, data))
			_exit(100);
		attach_args(&a, rx_ifindex, queue, dmabuf_fd);
		_exit(try_attach(fd, &a) ? errno : 0);
	}
	waitpid(pid, &status, 0);
	expect(WIFEXITED(status) ? -WEXITSTATUS(status) : -1000, EPERM,
	       "by a process without CAP_NET_ADMIN");
}

static void refusals_unbound(int a_fd, int memfd)
{
	int closed = 999;

	while (fcntl(closed, F_GETFD) >= 0)     /* an fd number nothing uses */
		closed++;
	refuse(a_fd, "with flags 1", EINVAL, t_flags);
	refuse(a_fd, "with a reserved field set", EINVAL, t_reserved);
	refuse(a_fd, "with a fill ring of 48 entries (not a power of two)", EINVAL, t_ring);
	refuse(a_fd, "with 100-byte header slots", EINVAL, t_slot);
	refuse(a_fd, "of an ifindex that does not exist", ENODEV, t_ifindex);
	refuse(a_fd, "of lo (not netdevsim)", EOPNOTSUPP, t_lo);
	refuse(closed, "with a closed dma-buf fd", EBADF, t_none);
	refuse(memfd, "with a memfd instead of a dma-buf", EINVAL, t_none);
	refuse(a_fd, "of queue 99", ERANGE, t_queue);
	refuse(a_fd, "of a queue without a memory provider", ENODATA, t_none);
	if (oneq_ifindex > 0)
		refuse(a_fd, "of the only queue of a port", EBUSY, t_oneq);
	refuse_eperm(a_fd);
	if (sh("ip link set dev %s down", rx_if) == 0) {
		refuse(a_fd, "of a port that is down", ENETDOWN, t_none);
		if (sh("ip link set dev %s up", rx_if))
			tap(false, "ip link set %s up again", rx_if);
	} else {
		tap(false, "ip link set %s down", rx_if);
	}
}

static uint32_t next_frame;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double t_start;

static void elapsed(const char *what)
{
	printf("# %s done after %.1f s\n", what, (now_ms() - t_start) / 1e3);
}

/* TcpInCsumErrors of this namespace: whether the kernel's TCP saw a frame. */
static long tcp_csum_errors(void)
{
	char hdr[1024], val[1024], *h, *v, *hs, *vs;
	long n = -1;
	FILE *f = fopen("/proc/net/snmp", "r");

	while (f && fgets(hdr, sizeof(hdr), f) && fgets(val, sizeof(val), f)) {
		if (strncmp(hdr, "Tcp:", 4))
			continue;
		for (h = strtok_r(hdr, " \n", &hs), v = strtok_r(val, " \n", &vs); h && v;
		     h = strtok_r(NULL, " \n", &hs), v = strtok_r(NULL, " \n", &vs))
			if (!strcmp(h, "InCsumErrors"))
				n = atol(v);
	}
	if (f)
		fclose(f);
	return n;
}

/* Wait until TcpInCsumErrors moved past `from`; the new value. */
static long wait_csum_errors(long from)
{
	long n = tcp_csum_errors();

	for (int i = 0; i < WAIT_MS / 100 && n == from; i++) {
		usleep(100000);
		n = tcp_csum_errors();
	}
	return n;
}

/* The main case: take the queue, move frames through it, give it back. */
static void lease_main(struct devmem_dmabuf *a, int b_fd)
{
	struct nsim_lease_state st0, st1;
	struct lease l, l2;
	struct rx_check c;
	uint32_t n, sent = 0;
	long e0, e1;
	int rc;

	refuse(b_fd, "with another dma-buf than the bound one", EINVAL, t_none);
	rc = lease_take(&l, devmem_dmabuf_fd(a));
	tap(rc == 0, "ATTACH queue %d with the bound udmabuf, mmap of %llu bytes (%s)", queue,
	    (unsigned long long)l.a.mmap_size, errname(-rc));
	if (rc)
		return;
	rc = try_attach(l.fd, &l.a);
	tap(rc == -EEXIST, "a second ATTACH on the same file refused with EEXIST (got %s)",
	    errname(-rc));
	rc = lease_take(&l2, devmem_dmabuf_fd(a));
	tap(rc == -EBUSY, "ATTACH of a queue leased by another file refused with EBUSY (got %s)",
	    errname(-rc));
	if (!rc)
		lease_close(&l2);

	check_init(&c, a, next_frame);
	/* one frame in 16 carries no payload: go on until the buffers went
	 * round the pool ten times and more
	 */
	for (n = 0; c.tokens_returned < 10 * POOL_BUFS + BATCH && n < 20 * POOL_BUFS; n += BATCH) {
		if (send_frames(next_frame, BATCH, true) || receive(&l, &c, BATCH))
			break;
		next_frame += BATCH;
		sent += BATCH;
	}
	printf("# %u frames sent, %u received (%u with payload, %u header-only, %u others), "
	       "%u buffers returned (pool %u)\n", sent, c.frames, c.payload_frames, c.linear,
	       c.other, c.tokens_returned, POOL_BUFS);
	tap(c.frames == sent && sent > 0, "every frame sent to the leased queue completed (%u of %u)",
	    c.frames, sent);
	tap(c.bad_hdr == 0 && c.frames > 0,
	    "headers in the host-memory slots match what was sent (%u bad)", c.bad_hdr);
	tap(c.bad_payload == 0 && c.payload_frames > 0,
	    "payload in the dma-buf matches byte for byte (%u frames, %u bad)",
	    c.payload_frames, c.bad_payload);
	tap(c.bad_flags == 0, "completion flags, lengths and queue as expected (%u bad)",
	    c.bad_flags);
	tap(c.linear > 0, "frames without payload complete in the header slot alone (%u)", c.linear);
	tap(c.tokens_returned >= 10 * POOL_BUFS,
	    "buffers recycled through the refill ring over 10x the pool (%u returned, pool %u)",
	    c.tokens_returned, POOL_BUFS);
	tap(c.csum_bad == 0, "no good frame flagged with a bad checksum (%u)", c.csum_bad);

	/* A corrupted TCP checksum: flagged, payload still delivered, and the
	 * kernel's TCP never sees the frame.
	 */
	e0 = tcp_csum_errors();
	if (!send_frames(next_frame, 1, false) && !receive(&l, &c, 1))
		tap(c.csum_bad == 1, "a corrupted TCP checksum is flagged L4_CSUM_BAD (%u)",
		    c.csum_bad);
	else
		tap(false, "a corrupted TCP checksum: frame not received");
	next_frame++;
	e1 = tcp_csum_errors();
	tap(e0 >= 0 && e1 == e0, "the leased queue's frames bypass the kernel stack "
	    "(TcpInCsumErrors %ld -> %ld)", e0, e1);

	/* A bogus token is counted and ignored. */
	get_info(&l, &st0);
	ring_push(&l.rq, 0xfffff);
	ioctl(l.fd, NSIM_LEASE_IOC_KICK);
	send_frames(next_frame++, 1, true);
	receive(&l, &c, 1);
	rc = get_info(&l, &st1);
	tap(rc == 0 && st1.bad_tokens == st0.bad_tokens + 1 && st1.drops == 0,
	    "a bogus refill token is counted (bad_tokens %llu -> %llu), nothing dropped (%llu)",
	    (unsigned long long)st0.bad_tokens, (unsigned long long)st1.bad_tokens,
	    (unsigned long long)st1.drops);
	printf("# state: rx_frames %llu rx_bytes %llu buffers_out %llu stalls %llu\n",
	       (unsigned long long)st1.rx_frames, (unsigned long long)st1.rx_bytes,
	       (unsigned long long)st1.buffers_out, (unsigned long long)st1.stalls);
	tap(st1.state == NSIM_LEASE_ATTACHED && st1.ifindex == (uint32_t)rx_ifindex &&
	    st1.queue == (uint32_t)queue, "GET_INFO: attached to ifindex %u queue %u",
	    st1.ifindex, st1.queue);

	rc = ioctl(l.fd, NSIM_LEASE_IOC_DETACH) ? -errno : 0;
	get_info(&l, &st1);
	tap(rc == 0 && st1.state == NSIM_LEASE_DETACHED && st1.buffers_out == 0,
	    "DETACH gives the queue back (%s, state %u, buffers out %llu)", errname(-rc),
	    st1.state, (unsigned long long)st1.buffers_out);
	rc = ioctl(l.fd, NSIM_LEASE_IOC_DETACH) ? -errno : 0;
	tap(rc == -EINVAL, "a second DETACH refused with EINVAL (got %s)", errname(-rc));
	lease_close(&l);

	/* Given back, the queue delivers to the kernel again. */
	e0 = tcp_csum_errors();
	send_frames(next_frame++, 1, false);
	e1 = wait_csum_errors(e0);
	tap(e0 >= 0 && e1 == e0 + 1, "after DETACH the queue's frames reach the kernel's TCP "
	    "again (TcpInCsumErrors %ld -> %ld)", e0, e1);

	rc = lease_take(&l, devmem_dmabuf_fd(a));
	tap(rc == 0, "after DETACH another file leases the queue (%s)", errname(-rc));
	lease_close(&l);
}

/* close() with buffers held: the queue is free as soon as close returns. */
static void lease_close_held(struct devmem_dmabuf *a)
{
	struct nsim_lease_state st;
	struct pools_out po;
	struct rx_check c;
	struct lease l;
	double t0;
	int rc;

	if (lease_take(&l, devmem_dmabuf_fd(a))) {
		tap(false, "close case: ATTACH failed");
		return;
	}
	check_init(&c, a, next_frame);
	c.keep_tokens = true;
	send_frames(next_frame, BATCH, true);
	next_frame += BATCH;
	rc = receive(&l, &c, BATCH);
	get_info(&l, &st);
	tap(rc == 0 && st.buffers_out > 0, "close case: %u frames received, %llu buffers held",
	    c.frames, (unsigned long long)st.buffers_out);
	/* the page-pool-get check at the end sees buffers the process holds */
	rc = pools_out(&po);
	tap(rc == 0 && po.pools > 0 && po.inflight >= st.buffers_out,
	    "page-pool-get counts the held buffers as in flight (%u dma-buf pools, %llu out)",
	    po.pools, (unsigned long long)po.inflight);
	t0 = now_ms();
	lease_close(&l);
	rc = lease_take(&l, devmem_dmabuf_fd(a));
	tap(rc == 0, "close with buffers held frees the queue: another file leases it at once "
	    "(%s, %.1f ms)", errname(-rc), now_ms() - t0);
	if (!rc) {
		check_init(&c, a, next_frame);
		send_frames(next_frame, BATCH, true);
		next_frame += BATCH;
		rc = receive(&l, &c, BATCH);
		tap(rc == 0 && c.bad_payload == 0 && c.frames == BATCH,
		    "the new lease receives (%u frames, %u bad)", c.frames, c.bad_payload);
	}
	lease_close(&l);
}

/* kill -9 of the owner mid-stream, buffers held. */
static void lease_kill9(struct devmem_dmabuf *a)
{
	int pipefd[2], status;
	struct rx_check c;
	struct lease l;
	char ok = 0;
	pid_t pid;
	double t0;
	int rc;

	if (pipe(pipefd))
		return;
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		if (lease_take(&l, devmem_dmabuf_fd(a)))
			_exit(1);
		check_init(&c, a, next_frame);
		c.keep_tokens = true;
		if (write(pipefd[1], "a", 1) != 1)
			_exit(1);
		if (receive(&l, &c, BATCH) == 0 && write(pipefd[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			receive(&l, &c, BATCH);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &ok, 1) != 1 || ok != 'a') {
		tap(false, "kill -9 case: the child did not lease the queue");
		waitpid(pid, &status, 0);
		close(pipefd[0]);
		return;
	}
	send_frames(next_frame, BATCH, true);
	next_frame += BATCH;
	rc = read(pipefd[0], &ok, 1) == 1 && ok == 'r';
	/* more frames in flight while it dies */
	send_frames(next_frame, BATCH, true);
	next_frame += BATCH;
	kill(pid, SIGKILL);
	t0 = now_ms();
	waitpid(pid, &status, 0);
	close(pipefd[0]);
	tap(rc && WIFSIGNALED(status), "kill -9 of the owner mid-stream, %d frames received, "
	    "buffers held", BATCH);
	rc = lease_take(&l, devmem_dmabuf_fd(a));
	tap(rc == 0, "after kill -9 another process leases the queue at once (%s, %.1f ms)",
	    errname(-rc), now_ms() - t0);
	if (!rc) {
		check_init(&c, a, next_frame);
		send_frames(next_frame, BATCH, true);
		next_frame += BATCH;
		rc = receive(&l, &c, BATCH);
		tap(rc == 0 && c.bad_payload == 0 && c.frames == BATCH,
		    "the new lease receives after kill -9 (%u frames, %u bad)", c.frames,
		    c.bad_payload);
	}
	lease_close(&l);
}

/* Wait for the state page to say REVOKED; then poll must report EPOLLERR
 * and the state must carry `want`.
 */
static void expect_revoked(struct lease *l, int want, const char *why)
{
	struct pollfd p = { .fd = l->fd, .events = POLLIN };
	struct nsim_lease_state st;
	int i, rc, kick;

	for (i = 0; i < WAIT_MS / 10; i++) {
		if (get_info(l, &st) == 0 && st.state == NSIM_LEASE_REVOKED)
			break;
		usleep(10000);
	}
	rc = poll(&p, 1, 0);
	get_info(l, &st);
	tap(rc > 0 && (p.revents & POLLERR) && st.state == NSIM_LEASE_REVOKED &&
	    st.revoke_errno == (uint32_t)want && st.buffers_out == 0,
	    "%s revokes the lease: EPOLLERR, state REVOKED, %s (got %s), buffers returned (%llu out)",
	    why, errname(want), errname((int)st.revoke_errno), (unsigned long long)st.buffers_out);
	kick = ioctl(l->fd, NSIM_LEASE_IOC_KICK) ? errno : 0;
	tap(kick == want, "KICK on the revoked lease fails with %s (got %s)", errname(want),
	    errname(kick));
}

static void held_batch(struct lease *l, struct devmem_dmabuf *a)
{
	struct rx_check c;

	check_init(&c, a, next_frame);
	c.keep_tokens = true;
	send_frames(next_frame, 8, true);
	next_frame += 8;
	receive(l, &c, 8);
}

static void lease_revocations(struct devmem_dmabuf *a)
{
	struct lease l;
	int rc;

	/* Provider unbind: the bind-rx netlink socket closes. */
	if (lease_take(&l, devmem_dmabuf_fd(a)) == 0) {
		held_batch(&l, a);
		close(nl_fd);
		nl_fd = -1;
		expect_revoked(&l, ENODATA, "closing the bind-rx socket (provider unbind)");
		rc = ioctl(l.fd, NSIM_LEASE_IOC_DETACH) ? -errno : 0;
		tap(rc == 0, "DETACH of a revoked lease (%s)", errname(-rc));
		lease_close(&l);
	} else {
		tap(false, "unbind case: ATTACH failed");
	}
	rc = nl_open();
	if (!rc)
		rc = bind_rx(devmem_dmabuf_fd(a));
	tap(rc == 0, "bind-rx again (%s)", errname(-rc));

	/* ifdown */
	if (lease_take(&l, devmem_dmabuf_fd(a)) == 0) {
		held_batch(&l, a);
		sh("ip link set dev %s down", rx_if);
		expect_revoked(&l, ENETDOWN, "ifdown");
		sh("ip link set dev %s up", rx_if);
		lease_close(&l);
	} else {
		tap(false, "ifdown case: ATTACH failed");
	}
	rc = lease_take(&l, devmem_dmabuf_fd(a));
	tap(rc == 0, "after ifdown/ifup the queue can be leased again (%s)", errname(-rc));

	/* rmmod while the device is open */
	rc = sh("rmmod netdevsim 2>/dev/null");
	tap(rc != 0, "rmmod netdevsim refused while " LEASE_DEV " is open");

	/* A netns move: the port unregisters from this namespace. */
	if (rc != 0 && l.fd >= 0) {
		held_batch(&l, a);
		sh("ip link set dev %s netns %s", rx_if, strrchr(tx_netns, '/') + 1);
		expect_revoked(&l, ENODEV, "moving the port to another netns");
	}
	lease_close(&l);
}

int main(int argc, char **argv)
{
	struct devmem_dmabuf *a = NULL, *b = NULL;
	struct pools_out po;
	int rc, memfd;
	FILE *f;
	char path[128];

	if (argc < 6) {
		fprintf(stderr, "usage: %s RXIF QUEUE PORT TXNETNS TXIF [ONEQ_IF]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rx_if = argv[1];
	queue = atoi(argv[2]);
	port = atoi(argv[3]);
	tx_netns = argv[4];
	tx_if = argv[5];
	if (argc > 6)
		oneq_ifindex = (int)if_nametoindex(argv[6]);
	rx_ifindex = (int)if_nametoindex(rx_if);
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", rx_if);
	f = fopen(path, "r");
	if (!rx_ifindex || !f || fscanf(f, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &rx_mac[0], &rx_mac[1],
					&rx_mac[2], &rx_mac[3], &rx_mac[4], &rx_mac[5]) != 6) {
		fprintf(stderr, "lease_rx: no interface %s\n", rx_if);
		return 2;
	}
	fclose(f);
	tx_sock = open_tx_socket();
	tap(tx_sock >= 0, "AF_PACKET socket on %s in %s", tx_if, tx_netns);
	rc = nl_open();
	tap(rc == 0, "netdev and ethtool genetlink families (%s)", errname(-rc));
	if (!rc)
		rc = hds_on();
	tap(rc == 0, "tcp-data-split on for %s (%s)", rx_if, errname(-rc));
	rc = devmem_dmabuf_open("udmabuf:size=1M", &a);
	if (!rc)
		rc = devmem_dmabuf_open("udmabuf:size=1M", &b);
	tap(rc == 0, "two 1 MiB udmabufs (%s)", errname(-rc));
	memfd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	if (tx_sock < 0 || rc || memfd < 0 || ftruncate(memfd, POOL_SIZE))
		goto out;

	t_start = now_ms();
	refusals_unbound(devmem_dmabuf_fd(a), memfd);
	elapsed("refusals");
	rc = bind_rx(devmem_dmabuf_fd(a));
	tap(rc == 0, "bind-rx of one udmabuf to %s queue %d (%s)", rx_if, queue, errname(-rc));
	if (rc)
		goto out;
	lease_main(a, devmem_dmabuf_fd(b));
	elapsed("receive, DETACH");
	lease_close_held(a);
	lease_kill9(a);
	elapsed("close, kill -9");
	lease_revocations(a);
	elapsed("revocations");
	/* Everything let go: the bindings' pools must drain (the page pool
	 * releases destroyed pools from a delayed work).
	 */
	if (nl_fd >= 0)
		close(nl_fd);
	nl_fd = -1;
	for (int i = 0; i < WAIT_MS / 100; i++) {
		rc = pools_out(&po);
		if (rc || po.inflight == 0)
			break;
		usleep(100000);
	}
	tap(rc == 0 && po.inflight == 0,
	    "page-pool-get: no dma-buf page pool has buffers out once every file and the "
	    "binding are closed (%u pools, %llu buffers out, %s)", po.pools,
	    (unsigned long long)po.inflight, errname(-rc));
out:
	if (nl_fd >= 0)
		close(nl_fd);
	devmem_dmabuf_put(b);
	devmem_dmabuf_put(a);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
