/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend=afxdp: one AF_XDP socket on (iface, queue) through libxdp.
 *
 * The UMEM is ours: NB_FRAMES page-sized chunks, the first half lent to the
 * kernel through the fill ring for receive, the second half a free stack of
 * transmit buffers. rx_burst peeks received descriptors and hands out their
 * chunks in place; rx_done gives those chunks back to the fill ring and only
 * then releases the descriptors, so frames stay valid until rx_done.
 * tx_burst copies frames into free transmit chunks, submits them and kicks
 * the kernel; completed chunks come back on the next tx_burst.
 *
 * Mode: xdp_mode=generic (the default, XDP_FLAGS_SKB_MODE) works on any
 * netdev: the kernel runs the XDP program and copies the frame into the UMEM
 * in the receive softirq of whichever cpu took the frame (on veth, the
 * sender's). xdp_mode=native
 * (XDP_FLAGS_DRV_MODE) needs driver support; on veth it gives the receiving
 * end a NAPI that a busy poller can run. Both bind in copy mode. libxdp loads
 * its default program, which redirects only our queue to the socket and
 * passes every other queue to the kernel stack.
 *
 * busy_budget=N (0: off) sets SO_PREFER_BUSY_POLL and SO_BUSY_POLL_BUDGET on
 * the socket, and rx_burst calls recvfrom() whenever the ring holds less
 * than a burst: the kernel then runs the device's NAPI (the XDP program and
 * the copy into the UMEM) in that call, on our core, instead of in softirq.
 * The kernel polls only a socket it gave a NAPI id: a driver-mode socket
 * before Linux 6.13, a zero-copy one since (copy mode, which this backend
 * binds, lost it there). So once frames have come, the socket's
 * SO_INCOMING_NAPI_ID decides: 0 turns busy polling off with a warning
 * rather than spend a system call per poll on nothing. The device also
 * needs napi_defer_hard_irqs and gro_flush_timeout set, or softirq keeps
 * taking the frames first (doc/net_hsplit.md, "afxdp").
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "hsplit_backends.h"
#include "hsplit_log.h"
#include "hsplit_netdev.h"

#define XSK_NB_FRAMES   4096u
#define XSK_FRAME_SIZE  XSK_UMEM__DEFAULT_FRAME_SIZE
#define XSK_RX_FRAMES   (XSK_NB_FRAMES / 2)
#define XSK_TX_FRAMES   (XSK_NB_FRAMES - XSK_RX_FRAMES)
#define XSK_RING_SIZE   2048u   /* every ring; fill holds all receive chunks */
#define XSK_KICK_TRIES  64u     /* generic mode sends a bounded batch per kick */
#define XSK_BUSY_POLL_US 20u    /* SO_BUSY_POLL: any non-zero value enables it */
#define XSK_BUSY_BUDGET_MAX 1024u

struct afxdp_conf {
	struct hsplit_netdev_conf nd; /* first: the netdev parsers write it */
	bool native;
	uint32_t busy_budget;
};

struct xdp_backend {
	struct hsplit_backend be;
	struct hsplit_netdev nd;
	uint8_t *area;
	size_t area_len;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	uint32_t rx_oldest;      /* ring index of the oldest descriptor handed out */
	uint32_t rx_out;         /* descriptors handed out, not yet rx_done */
	uint32_t tx_nfree;
	uint32_t busy_budget;    /* 0: no busy polling (never asked, or no NAPI to poll) */
	uint32_t napi_id;        /* SO_INCOMING_NAPI_ID once frames came, 0: none */
	bool napi_checked;
	uint64_t tx_free[XSK_TX_FRAMES];
	uint64_t tx_dropped;
	uint64_t busy_polls;     /* recvfrom() calls made to busy-poll */
	uint64_t busy_poll_errors;
};

static struct xdp_backend *to_xdp(struct hsplit_backend *be)
{
	return (struct xdp_backend *)be;
}

static int fail(const struct xdp_backend *xb, const char *what, int err)
{
	HSPLIT_LOG(ERR, "%s: backend=afxdp iface=%s: %s: %s", xb->be.port_name, xb->nd.name,
		   what, strerror(err));
	return -err;
}

/* libxdp and libbpf print to stderr by default. Route them into our log type,
 * a level down: libxdp's warnings are mostly fallbacks it handles itself (no
 * bpffs: one program without the dispatcher), and a real failure reaches us
 * as an error return that we log at ERR with the devarg. */
static int libxdp_to_log(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return rte_vlog(level == LIBXDP_WARN ? RTE_LOG_INFO : RTE_LOG_DEBUG, hsplit_logtype,
			fmt, ap);
}

static int libbpf_to_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return rte_vlog(RTE_LOG_DEBUG, hsplit_logtype, fmt, ap);
}

/* Refuse a queue the interface lacks here, with a clear message, rather than
 * leave it to the socket bind's bare EINVAL. */
static int check_queue(const struct xdp_backend *xb, uint32_t queue)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", xb->nd.name);
	if (access(path, F_OK) != 0)
		return 0; /* no sysfs view of this netdev: let bind decide */
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues/rx-%u", xb->nd.name, queue);
	if (access(path, F_OK) == 0)
		return 0;
	HSPLIT_LOG(ERR, "%s: queue=%u: iface=%s has no rx queue %u", xb->be.port_name, queue,
		   xb->nd.name, queue);
	return -EINVAL;
}

static int on_xdp_mode(const char *v, void *c)
{
	struct afxdp_conf *conf = c;

	if (strcmp(v, "generic") != 0 && strcmp(v, "native") != 0)
		return -EINVAL;
	conf->native = strcmp(v, "native") == 0;
	return 0;
}

static int on_busy_budget(const char *v, void *c)
{
	uint64_t x;
	int ret = hsplit_arg_u64(v, 0, XSK_BUSY_BUDGET_MAX, &x);

	((struct afxdp_conf *)c)->busy_budget = (uint32_t)x;
	return ret;
}

static const struct hsplit_backend_arg afxdp_args[] = {
	HSPLIT_NETDEV_ARG_IFACE,
	HSPLIT_NETDEV_ARG_QUEUE,
	{ "xdp_mode", on_xdp_mode, "generic or native" },
	{ "busy_budget", on_busy_budget, "0 (no busy polling) .. 1024 frames per poll" },
};

static int afxdp_args_parse(const struct hsplit_backend_params *params, struct afxdp_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	return hsplit_backend_args_parse(params, &hsplit_backend_afxdp_ops, afxdp_args,
					 RTE_DIM(afxdp_args), conf);
}

static int create_umem(struct xdp_backend *xb)
{
	struct xsk_umem_config cfg = {
		.fill_size = XSK_RING_SIZE,
		.comp_size = XSK_RING_SIZE,
		.frame_size = XSK_FRAME_SIZE,
		.frame_headroom = 0,
	};
	int ret;

	xb->area_len = (size_t)XSK_NB_FRAMES * XSK_FRAME_SIZE;
	xb->area = mmap(NULL, xb->area_len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (xb->area == MAP_FAILED) {
		xb->area = NULL;
		return fail(xb, "UMEM mmap", errno);
	}
	ret = xsk_umem__create(&xb->umem, xb->area, xb->area_len, &xb->fill, &xb->comp, &cfg);
	if (ret < 0) {
		xb->umem = NULL;
		return fail(xb, "xsk_umem__create", -ret);
	}
	return 0;
}

static int create_socket(struct xdp_backend *xb, uint32_t queue, bool native)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_RING_SIZE,
		.tx_size = XSK_RING_SIZE,
		.libxdp_flags = 0, /* load libxdp's default redirect program */
		.xdp_flags = native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE,
		.bind_flags = XDP_COPY,
	};
	int ret = xsk_socket__create(&xb->xsk, xb->nd.name, queue, xb->umem, &xb->rx, &xb->tx,
				     &cfg);

	if (ret < 0) {
		xb->xsk = NULL;
		return fail(xb, native ? "xsk_socket__create, xdp_mode=native (needs driver XDP, "
					 "CAP_NET_ADMIN, CAP_BPF)" :
					 "xsk_socket__create (needs CAP_NET_ADMIN, CAP_BPF)", -ret);
	}
	return 0;
}

/* The kernel's preferred busy polling on our socket (Linux 5.11). */
static int enable_busy_poll(struct xdp_backend *xb, uint32_t budget)
{
	int fd = xsk_socket__fd(xb->xsk), one = 1, usecs = XSK_BUSY_POLL_US;
	int b = (int)budget;

	if (budget == 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof(one)) < 0)
		return fail(xb, "busy_budget: SO_PREFER_BUSY_POLL (Linux 5.11 or later)", errno);
	if (setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL, &usecs, sizeof(usecs)) < 0)
		return fail(xb, "busy_budget: SO_BUSY_POLL (needs CAP_NET_ADMIN)", errno);
	if (setsockopt(fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &b, sizeof(b)) < 0)
		return fail(xb, "busy_budget: SO_BUSY_POLL_BUDGET (needs CAP_NET_ADMIN)", errno);
	xb->busy_budget = budget;
	return 0;
}

/* Lend every receive chunk to the kernel; set up the transmit free stack. */
static int prime_rings(struct xdp_backend *xb)
{
	uint32_t idx, i;

	if (xsk_ring_prod__reserve(&xb->fill, XSK_RX_FRAMES, &idx) != XSK_RX_FRAMES)
		return fail(xb, "fill ring smaller than the receive chunks", ENOSPC);
	for (i = 0; i < XSK_RX_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&xb->fill, idx + i) = (uint64_t)i * XSK_FRAME_SIZE;
	xsk_ring_prod__submit(&xb->fill, XSK_RX_FRAMES);
	for (i = 0; i < XSK_TX_FRAMES; i++)
		xb->tx_free[i] = (uint64_t)(XSK_RX_FRAMES + i) * XSK_FRAME_SIZE;
	xb->tx_nfree = XSK_TX_FRAMES;
	return 0;
}

static void xdp_close(struct hsplit_backend *be)
{
	struct xdp_backend *xb = to_xdp(be);

	if (xb->xsk)
		xsk_socket__delete(xb->xsk);
	if (xb->umem)
		xsk_umem__delete(xb->umem);
	if (xb->area)
		munmap(xb->area, xb->area_len);
	hsplit_netdev_close(&xb->nd);
	free(xb);
}

static int xdp_open(const struct hsplit_backend_params *params, struct hsplit_backend **out)
{
	const char *port_name = params->port_name;
	struct afxdp_conf conf;
	const struct hsplit_netdev_conf *args = &conf.nd;
	struct xdp_backend *xb = calloc(1, sizeof(*xb));
	int ret;

	ret = afxdp_args_parse(params, &conf);
	if (ret < 0) {
		free(xb);
		return ret;
	}
	if (xb == NULL)
		return -ENOMEM;
	xb->be.ops = &hsplit_backend_afxdp_ops;
	snprintf(xb->be.port_name, sizeof(xb->be.port_name), "%s", port_name);
	libxdp_set_print(libxdp_to_log);
	libbpf_set_print(libbpf_to_log);
	ret = hsplit_netdev_open(&xb->nd, args->iface, port_name, "afxdp");
	if (ret == 0)
		ret = check_queue(xb, args->queue);
	if (ret == 0)
		ret = create_umem(xb);
	if (ret == 0)
		ret = create_socket(xb, args->queue, conf.native);
	if (ret == 0)
		ret = enable_busy_poll(xb, conf.busy_budget);
	if (ret == 0)
		ret = prime_rings(xb);
	if (ret < 0) {
		xdp_close(&xb->be);
		return ret;
	}
	*out = &xb->be;
	return 0;
}

/*
 * Run the device's NAPI in this thread: a non-blocking recvfrom() on a
 * busy-polling socket polls it once, up to busy_budget frames. Errors only
 * count: the frames still come through softirq and the gro_flush_timeout
 * timer, and a vanished device is noticed by the caller.
 */
static void busy_poll(struct xdp_backend *xb)
{
	xb->busy_polls++;
	if (recvfrom(xsk_socket__fd(xb->xsk), NULL, 0, MSG_DONTWAIT, NULL, NULL) < 0 &&
	    errno != EAGAIN && errno != EBUSY && errno != EINTR)
		xb->busy_poll_errors++;
}

/*
 * The first frames have come: the kernel has given the socket whatever NAPI
 * id it will. Without one a recvfrom() polls nothing, so stop calling it.
 */
static void check_napi_id(struct xdp_backend *xb)
{
	unsigned int id = 0;
	socklen_t len = sizeof(id);

	xb->napi_checked = true;
	if (getsockopt(xsk_socket__fd(xb->xsk), SOL_SOCKET, SO_INCOMING_NAPI_ID, &id, &len) < 0)
		id = 0;
	xb->napi_id = id;
	if (id != 0)
		return;
	HSPLIT_LOG(WARNING, "%s: backend=afxdp iface=%s: busy_budget=%u: the kernel gave the "
		   "socket no NAPI id (copy mode on Linux 6.13 or later, generic mode, or a "
		   "driver without one), so it cannot busy-poll: busy polling is off, frames "
		   "come through softirq", xb->be.port_name, xb->nd.name, xb->busy_budget);
	xb->busy_budget = 0;
}

static int xdp_rx_burst(struct hsplit_backend *be, struct hsplit_frame *frames, unsigned int n)
{
	struct xdp_backend *xb = to_xdp(be);
	uint32_t idx, got, i;

	if (xb->nd.gone)
		return -ENODEV;
	if (xb->busy_budget > 0 && xsk_cons_nb_avail(&xb->rx, n) < n)
		busy_poll(xb);
	got = xsk_ring_cons__peek(&xb->rx, n, &idx);
	if (unlikely(xb->busy_budget > 0 && !xb->napi_checked && got > 0))
		check_napi_id(xb);
	if (got == 0)
		return hsplit_netdev_vanished(&xb->nd, false) ? -ENODEV : 0;
	if (xb->rx_out == 0)
		xb->rx_oldest = idx;
	for (i = 0; i < got; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&xb->rx, idx + i);

		frames[i].data = xsk_umem__get_data(xb->area, d->addr);
		frames[i].len = d->len;
	}
	xb->rx_out += got;
	return (int)got;
}

/* The chunk a descriptor points into (copy mode puts the frame past a headroom). */
static uint64_t chunk_of(uint64_t addr)
{
	return addr & ~((uint64_t)XSK_FRAME_SIZE - 1);
}

static void xdp_rx_done(struct hsplit_backend *be, unsigned int count)
{
	struct xdp_backend *xb = to_xdp(be);
	uint32_t idx, i;

	if (count > xb->rx_out)
		count = xb->rx_out;
	if (count == 0)
		return;
	/* Cannot fail: chunks we hold are never in the fill ring, so it has room. */
	if (xsk_ring_prod__reserve(&xb->fill, count, &idx) != count) {
		HSPLIT_LOG(ERR, "%s: afxdp fill ring full; receive chunks lost", be->port_name);
		return;
	}
	for (i = 0; i < count; i++)
		*xsk_ring_prod__fill_addr(&xb->fill, idx + i) =
			chunk_of(xsk_ring_cons__rx_desc(&xb->rx, xb->rx_oldest + i)->addr);
	xsk_ring_prod__submit(&xb->fill, count);
	xsk_ring_cons__release(&xb->rx, count);
	xb->rx_oldest += count;
	xb->rx_out -= count;
}

static void reap_completions(struct xdp_backend *xb)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&xb->comp, XSK_RING_SIZE, &idx);
	for (i = 0; i < n; i++) {
		const __u64 *addr = xsk_ring_cons__comp_addr(&xb->comp, idx + i);

		xb->tx_free[xb->tx_nfree++] = chunk_of(*addr);
	}
	if (n > 0)
		xsk_ring_cons__release(&xb->comp, n);
}

static uint32_t tx_outstanding(const struct xdp_backend *xb)
{
	return *xb->tx.producer - __atomic_load_n(xb->tx.consumer, __ATOMIC_ACQUIRE);
}

/* Generic mode transmits only inside sendto(), at most a batch (32 frames in
 * current kernels) per call, answering EAGAIN when it stopped with more
 * left: so kick again, a bounded number of times. */
static int kick_tx(struct xdp_backend *xb)
{
	unsigned int tries;

	for (tries = 0; tries < XSK_KICK_TRIES && tx_outstanding(xb) > 0; tries++) {
		int err = sendto(xsk_socket__fd(xb->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 ?
			  errno : 0;

		if (err == 0 || err == EAGAIN || err == EINTR)
			continue;
		if (hsplit_netdev_errno_is_gone(err) && hsplit_netdev_vanished(&xb->nd, true))
			return -ENODEV;
		if (err == ENETDOWN)
			return -ENETDOWN; /* link down: frames wait in the ring for it */
		if (err != EBUSY && err != ENOBUFS)
			return fail(xb, "tx kick", err);
		break; /* out of skbs or busy: the next burst kicks again */
	}
	return 0;
}

static int xdp_tx_burst(struct hsplit_backend *be, const struct hsplit_frame *frames,
			unsigned int n)
{
	struct xdp_backend *xb = to_xdp(be);
	uint32_t idx, taken, queued = 0;
	int ret;

	if (xb->nd.gone)
		return -ENODEV;
	reap_completions(xb);
	for (taken = 0; taken < n && xb->tx_nfree > 0; taken++) {
		struct xdp_desc *d;

		if (frames[taken].len > XSK_FRAME_SIZE) {
			xb->tx_dropped++; /* cannot fit a chunk: taken and dropped */
			continue;
		}
		if (xsk_ring_prod__reserve(&xb->tx, 1, &idx) != 1)
			break;
		d = xsk_ring_prod__tx_desc(&xb->tx, idx);
		d->addr = xb->tx_free[--xb->tx_nfree];
		d->len = frames[taken].len;
		d->options = 0;
		memcpy(xsk_umem__get_data(xb->area, d->addr), frames[taken].data, d->len);
		queued++;
	}
	if (queued > 0)
		xsk_ring_prod__submit(&xb->tx, queued);
	ret = kick_tx(xb);
	/* Frames already in the ring are taken even if the kick failed: they go
	 * out on a later kick (link down) or never (device gone). */
	return ret == -ENODEV || (ret < 0 && taken == 0) ? ret : (int)taken;
}

static bool xdp_link_up(struct hsplit_backend *be)
{
	return hsplit_netdev_link_up(&to_xdp(be)->nd);
}

static int xdp_mac_addr(struct hsplit_backend *be, uint8_t mac[6])
{
	return hsplit_netdev_mac(&to_xdp(be)->nd, mac);
}

static int afxdp_args_check(const struct hsplit_backend_params *params)
{
	struct afxdp_conf conf;

	return afxdp_args_parse(params, &conf);
}

/*
 * The kernel's drops on the way into our socket (XDP_STATISTICS): frames
 * lost here never reach the device, so only these say why a TCP sender saw
 * loss on a clean veth. Plus our own transmit drops.
 */
static int xdp_xstats_get(struct hsplit_backend *be, struct hsplit_backend_xstat *xs,
			  unsigned int n)
{
	static const char *const names[] = {
		"afxdp_rx_dropped", "afxdp_rx_ring_full", "afxdp_rx_fill_ring_empty",
		"afxdp_rx_invalid_descs", "afxdp_tx_dropped", "afxdp_busy_polls",
		"afxdp_busy_poll_errors", "afxdp_napi_id",
	};
	struct xdp_backend *xb = to_xdp(be);
	struct xdp_statistics st;
	socklen_t len = sizeof(st);
	unsigned int i;

	if (n < RTE_DIM(names))
		return RTE_DIM(names);
	memset(&st, 0, sizeof(st));
	if (getsockopt(xsk_socket__fd(xb->xsk), SOL_XDP, XDP_STATISTICS, &st, &len) != 0)
		HSPLIT_LOG(DEBUG, "%s: afxdp XDP_STATISTICS: %s", be->port_name, strerror(errno));
	for (i = 0; i < RTE_DIM(names); i++)
		snprintf(xs[i].name, sizeof(xs[i].name), "%s", names[i]);
	xs[0].value = st.rx_dropped;
	xs[1].value = st.rx_ring_full;
	xs[2].value = st.rx_fill_ring_empty_descs;
	xs[3].value = st.rx_invalid_descs;
	xs[4].value = xb->tx_dropped;
	xs[5].value = xb->busy_polls;
	xs[6].value = xb->busy_poll_errors;
	xs[7].value = xb->napi_id;
	return RTE_DIM(names);
}

static const char *const afxdp_keys[] = { "iface", "queue", "xdp_mode", "busy_budget", NULL };

const struct hsplit_backend_ops hsplit_backend_afxdp_ops = {
	.name = "afxdp",
	.keys = afxdp_keys,
	/* The kernel copies a frame after XDP's headroom into one UMEM frame (no multi-buffer). */
	.max_frame = XSK_FRAME_SIZE - XDP_PACKET_HEADROOM,
	.args_check = afxdp_args_check,
	.open = xdp_open,
	.close = xdp_close,
	.rx_burst = xdp_rx_burst,
	.rx_done = xdp_rx_done,
	.tx_burst = xdp_tx_burst,
	.link_up = xdp_link_up,
	.mac_addr = xdp_mac_addr,
	.xstats_get = xdp_xstats_get,
};
