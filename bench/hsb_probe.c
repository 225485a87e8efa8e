/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb-krecv --probe: can the two kernel zero-copy receive paths that need
 * a header-split NIC (devmem TCP, io_uring zcrx) bind --ifname on this
 * machine? Each probe makes the real calls, in the order a user would
 * check by hand, and reports the first thing that said no with its errno
 * and the kernel's extack message. Nothing stays bound: the netlink socket
 * and the ring are closed before we exit.
 *
 * Debian 12's uapi headers (6.1) predate both, so the few numbers and the
 * zcrx structs are written out here from the 6.18 uapi (they are ABI).
 */
#include "hsb_krecv.h"
#include "hnl.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/io_uring.h>

/* include/uapi/linux/netdev.h */
#define NETDEV_CMD_BIND_RX_ 13
#define NETDEV_A_DMABUF_IFINDEX_ 1
#define NETDEV_A_DMABUF_QUEUES_ 2
#define NETDEV_A_DMABUF_FD_ 3
#define NETDEV_A_QUEUE_ID_ 1
#define NETDEV_A_QUEUE_TYPE_ 3
#define NETDEV_QUEUE_TYPE_RX_ 0

/* A list of checks as JSON objects, plus the first failure as the reason. */
struct verdict {
	const struct krecv_opts *o;
	char *checks;
	size_t checks_len;
	FILE *out;
	char reason[512];
	bool failed;
};

static int verdict_open(struct verdict *v, const struct krecv_opts *o)
{
	memset(v, 0, sizeof(*v));
	v->o = o;
	v->out = open_memstream(&v->checks, &v->checks_len);
	return v->out ? 0 : -errno;
}

/*
 * Record one check. The first failing check that decides (the real calls,
 * not what a driver chooses to report) becomes the reason.
 */
static void record(struct verdict *v, const char *what, bool ok, bool decides,
		   const char *detail)
{
	long pos = ftell(v->out);

	fprintf(v->out, "%s{\"check\":", pos > 0 ? "," : "");
	hsb_json_str(v->out, what);
	fprintf(v->out, ",\"ok\":%s,\"detail\":", ok ? "true" : "false");
	hsb_json_str(v->out, detail);
	fputc('}', v->out);
	if (!ok && decides && !v->failed) {
		v->failed = true;
		snprintf(v->reason, sizeof(v->reason), "unsupported on %s: %s: %s", v->o->ifname,
			 what, detail);
	}
}

static void check(struct verdict *v, const char *what, bool ok, const char *detail)
{
	record(v, what, ok, true, detail);
}

/* "strerror (errno N)[; extack: ...][; note]" */
static void errno_detail(char *d, size_t len, int err, const char *extack, const char *note)
{
	int n = snprintf(d, len, "%s (errno %d)", strerror(err), err);

	if (extack && extack[0] && n >= 0 && (size_t)n < len)
		n += snprintf(d + n, len - (size_t)n, "; extack: %s", extack);
	if (note && note[0] && n >= 0 && (size_t)n < len)
		snprintf(d + n, len - (size_t)n, "; %s", note);
}

static int verdict_close(struct verdict *v, const char *design)
{
	int rc = fclose(v->out);

	if (rc == 0)
		krecv_probe_report(v->o, design, !v->failed, v->failed ? v->reason : NULL,
				   v->checks);
	free(v->checks);
	return rc == 0 ? HSB_EXIT_OK : HSB_EXIT_FAIL;
}

void krecv_probe_report(const struct krecv_opts *o, const char *design, bool supported,
			const char *reason, const char *checks_json)
{
	printf("{\"tool\":\"hsb-krecv\",\"design\":\"%s\",\"ifname\":", design);
	hsb_json_str(stdout, o->ifname);
	printf(",\"supported\":%s", supported ? "true" : "false");
	if (reason) {
		printf(",\"reason\":");
		hsb_json_str(stdout, reason);
	}
	printf(",\"checks\":[%s]}\n", checks_json ? checks_json : "");
	fflush(stdout);
	if (!o->json)
		fprintf(stderr, "hsb-krecv: %s on %s: %s\n", design, o->ifname,
			supported ? "supported" : reason);
}

static int ifindex_of(const struct krecv_opts *o)
{
	int ifindex = (int)if_nametoindex(o->ifname);

	if (ifindex == 0)
		hsb_log("--probe: no interface '%s' in this network namespace: %s", o->ifname,
			strerror(errno));
	return ifindex;
}

/* ---- devmem TCP ---- */

struct rings_answer {
	bool seen;
	int split; /* ETHTOOL_A_RINGS_TCP_DATA_SPLIT, -1 when not reported */
};

static void rings_reply(const struct nlmsghdr *h, void *arg)
{
	struct rings_answer *r = arg;
	size_t len;
	const void *attrs = hnl_genl_attrs(h, &len);
	const struct nlattr *a = hnl_attr_find(attrs, len, ETHTOOL_A_RINGS_TCP_DATA_SPLIT);

	r->seen = true;
	if (a && hnl_attr_len(a) >= 1)
		r->split = *(const uint8_t *)hnl_attr_data(a);
}

/* Header split as ethtool reports it; a check either way, never a gate. */
static void check_header_split(struct verdict *v, int fd, int ifindex)
{
	static const char *const names[] = { "unknown", "disabled", "enabled" };
	struct rings_answer r = { .split = -1 };
	struct hnl_genl_family eth;
	char why[256], d[512];
	struct hnl_msg m;
	struct nlattr *hdr;
	int rc = hnl_genl_family(fd, "ethtool", &eth);

	if (rc == 0) {
		hnl_genl_start(&m, eth.id, ETHTOOL_MSG_RINGS_GET);
		hdr = hnl_nest(&m, ETHTOOL_A_RINGS_HEADER);
		hnl_put_u32(&m, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t)ifindex);
		hnl_nest_end(&m, hdr);
		rc = hnl_call(fd, &m, rings_reply, &r, why, sizeof(why));
	} else {
		why[0] = '\0';
	}
	if (rc < 0)
		errno_detail(d, sizeof(d), -rc, why, "ethtool cannot read the rings");
	else if (r.split < 0 || r.split > 2)
		snprintf(d, sizeof(d), "tcp-data-split not reported: the driver does not say it "
			 "can split headers");
	else
		snprintf(d, sizeof(d), "tcp-data-split %s", names[r.split]);
	/* ok only when split is enabled; still only a report: the bind below,
	 * which checks the same setting in the kernel, decides */
	record(v, "ethtool rings get (ETHTOOL_A_RINGS_TCP_DATA_SPLIT)", rc == 0 && r.split == 2,
	       false, d);
}

static int bind_rx_memfd(int fd, const struct hnl_genl_family *nd, int ifindex, char *why,
			 size_t whylen)
{
	struct hnl_msg m;
	struct nlattr *q;
	int mfd = memfd_create("hsb-devmem-probe", MFD_CLOEXEC), rc;

	if (mfd < 0)
		return -errno;
	if (ftruncate(mfd, 2 << 20) < 0) {
		rc = -errno;
		close(mfd);
		return rc;
	}
	hnl_genl_start(&m, nd->id, NETDEV_CMD_BIND_RX_);
	hnl_put_u32(&m, NETDEV_A_DMABUF_IFINDEX_, (uint32_t)ifindex);
	hnl_put_u32(&m, NETDEV_A_DMABUF_FD_, (uint32_t)mfd);
	q = hnl_nest(&m, NETDEV_A_DMABUF_QUEUES_);
	hnl_put_u32(&m, NETDEV_A_QUEUE_ID_, 0);
	hnl_put_u32(&m, NETDEV_A_QUEUE_TYPE_, NETDEV_QUEUE_TYPE_RX_);
	hnl_nest_end(&m, q);
	rc = hnl_call(fd, &m, NULL, NULL, why, whylen);
	close(mfd);
	return rc;
}

static void check_bind_rx(struct verdict *v, int fd, const struct hnl_genl_family *nd,
			  int ifindex)
{
	static const char what[] = "NETDEV_CMD_BIND_RX queue 0";
	char why[256], d[512];
	int rc = bind_rx_memfd(fd, nd, ifindex, why, sizeof(why));

	if (rc == 0) {
		/* a memfd is no dma-buf: a kernel that took it is worth knowing about */
		check(v, what, true, "bound (with a memfd!); closing the socket unbinds");
		return;
	}
	errno_detail(d, sizeof(d), -rc, why, rc == -EBADF || rc == -EINVAL ?
		     "the device passed the queue checks and the memfd (no udmabuf or dma-heap "
		     "exporter here) was refused as a dma-buf" :
		     "called with a memfd as the dma-buf (no udmabuf here); the device was "
		     "refused before the fd was looked at");
	check(v, what, false, d);
}

int krecv_probe_devmem(const struct krecv_opts *o)
{
	struct hnl_genl_family nd;
	struct verdict v;
	char d[512];
	int ifindex = ifindex_of(o), fd, rc;

	if (ifindex == 0)
		return HSB_EXIT_FAIL;
	fd = hnl_socket(NETLINK_GENERIC);
	if (fd < 0 || verdict_open(&v, o) < 0) {
		hsb_log("--probe devmem: generic netlink socket: %s", strerror(fd < 0 ? -fd : errno));
		if (fd >= 0)
			close(fd);
		return HSB_EXIT_FAIL;
	}
	rc = hnl_genl_family(fd, "netdev", &nd);
	if (rc < 0)
		errno_detail(d, sizeof(d), -rc, NULL, "the kernel has no netdev netlink family");
	else
		snprintf(d, sizeof(d), "family id %u", nd.id);
	check(&v, "generic netlink family netdev", rc == 0, d);
	if (rc == 0)
		check(&v, "netdev op bind-rx", hnl_genl_has_op(&nd, NETDEV_CMD_BIND_RX_),
		      hnl_genl_has_op(&nd, NETDEV_CMD_BIND_RX_) ? "present" :
		      "absent: the kernel predates devmem TCP (6.12)");
	check_header_split(&v, fd, ifindex);
	if (rc == 0 && hnl_genl_has_op(&nd, NETDEV_CMD_BIND_RX_))
		check_bind_rx(&v, fd, &nd, ifindex);
	close(fd); /* unbinds anything bound through it */
	return verdict_close(&v, "devmem");
}

/* ---- io_uring zcrx (include/uapi/linux/io_uring.h as of 6.18) ---- */

#define IORING_REGISTER_ZCRX_IFQ_ 32
#define IORING_OP_RECV_ZC_ 58
#define IORING_MEM_REGION_TYPE_USER_ 1
#define ZC_RQ_ENTRIES 256u
#define ZC_AREA_BYTES (1u << 20)

struct zc_offsets {      /* io_uring_zcrx_offsets */
	uint32_t head, tail, rqes, resv2;
	uint64_t resv[2];
};

struct zc_area_reg {     /* io_uring_zcrx_area_reg */
	uint64_t addr, len, rq_area_token;
	uint32_t flags, dmabuf_fd;
	uint64_t resv2[2];
};

struct zc_region_desc {  /* io_uring_region_desc */
	uint64_t user_addr, size;
	uint32_t flags, id;
	uint64_t mmap_offset;
	uint64_t resv[4];
};

struct zc_ifq_reg {      /* io_uring_zcrx_ifq_reg; 6.18 wants zcrx_id and the rest 0 */
	uint32_t if_idx, if_rxq, rq_entries, flags;
	uint64_t area_ptr, region_ptr;
	struct zc_offsets offsets;
	uint32_t zcrx_id, resv2;
	uint64_t resv[3];
};

_Static_assert(sizeof(struct zc_offsets) == 32, "uapi layout");
_Static_assert(sizeof(struct zc_area_reg) == 48, "uapi layout");
_Static_assert(sizeof(struct zc_region_desc) == 64, "uapi layout");
_Static_assert(sizeof(struct zc_ifq_reg) == 96, "uapi layout");

/* Does the kernel know IORING_OP_RECV_ZC? 1 yes, 0 no, -errno unknown. */
static int ring_has_recv_zc(int ring)
{
	size_t len = sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op);
	struct io_uring_probe *p = calloc(1, len);
	int rc;

	if (!p)
		return -ENOMEM;
	rc = (int)syscall(__NR_io_uring_register, ring, IORING_REGISTER_PROBE, p, 256);
	if (rc < 0)
		rc = -errno;
	else
		rc = p->last_op >= IORING_OP_RECV_ZC_ &&
		     (p->ops[IORING_OP_RECV_ZC_].flags & IO_URING_OP_SUPPORTED);
	free(p);
	return rc;
}

static const char *zcrx_meaning(int err, int has_recv_zc)
{
	switch (err) {
	case EINVAL:
		return has_recv_zc == 0 ? "the kernel has no zcrx: the register opcode is unknown "
			"(no IORING_OP_RECV_ZC either)" : "the kernel has zcrx but refused the "
			"request (ring flags, arguments, or the queue: tcp-data-split off?)";
	case EOPNOTSUPP:
		return "the kernel has zcrx but the device can't: no DMA-capable parent device or "
			"no queue-management ops (or CONFIG_IO_URING_ZCRX is off)";
	case EPERM:
		return "needs CAP_NET_ADMIN";
	case ENODEV:
		return "no such device in this network namespace";
	default:
		return "";
	}
}

/* The ring, an anonymous area and a user-memory refill region, then register. */
static int register_ifq(int ring, int ifindex, void *area, void *rq, size_t rq_len)
{
	struct zc_area_reg a = { .addr = (uintptr_t)area, .len = ZC_AREA_BYTES };
	struct zc_region_desc rd = { .user_addr = (uintptr_t)rq, .size = rq_len,
				     .flags = IORING_MEM_REGION_TYPE_USER_ };
	struct zc_ifq_reg reg = { .if_idx = (uint32_t)ifindex, .if_rxq = 0,
				  .rq_entries = ZC_RQ_ENTRIES, .area_ptr = (uintptr_t)&a,
				  .region_ptr = (uintptr_t)&rd };

	return syscall(__NR_io_uring_register, ring, IORING_REGISTER_ZCRX_IFQ_, &reg, 1) < 0 ?
		-errno : 0;
}

static void check_register(struct verdict *v, int ring, int ifindex, int has_recv_zc)
{
	static const char what[] = "IORING_REGISTER_ZCRX_IFQ";
	size_t rq_len = 2 * (size_t)sysconf(_SC_PAGESIZE); /* ring header + 256 entries */
	void *area = mmap(NULL, ZC_AREA_BYTES, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *rq = mmap(NULL, rq_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char d[512];
	int rc;

	if (area == MAP_FAILED || rq == MAP_FAILED) {
		errno_detail(d, sizeof(d), errno, NULL, "anonymous memory for the area");
		check(v, what, false, d);
	} else {
		rc = register_ifq(ring, ifindex, area, rq, rq_len);
		if (rc == 0)
			snprintf(d, sizeof(d), "registered on rx queue 0 with a 1 MiB anonymous "
				 "area; closing the ring unregisters");
		else
			errno_detail(d, sizeof(d), -rc, NULL, zcrx_meaning(-rc, has_recv_zc));
		check(v, what, rc == 0, d);
	}
	if (area != MAP_FAILED)
		munmap(area, ZC_AREA_BYTES);
	if (rq != MAP_FAILED)
		munmap(rq, rq_len);
}

int krecv_probe_zcrx(const struct krecv_opts *o)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER |
				     IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQE32 };
	struct verdict v;
	char d[512];
	int ifindex = ifindex_of(o), ring, has;

	if (ifindex == 0)
		return HSB_EXIT_FAIL;
	if (verdict_open(&v, o) < 0) {
		hsb_log("--probe zcrx: out of memory");
		return HSB_EXIT_FAIL;
	}
	/* zcrx needs task work deferred to the one submitter and 32-byte CQEs */
	ring = (int)syscall(__NR_io_uring_setup, 8, &p);
	if (ring < 0)
		errno_detail(d, sizeof(d), errno, NULL, "the ring zcrx needs cannot be made");
	else
		snprintf(d, sizeof(d), "ok");
	check(&v, "io_uring_setup(SINGLE_ISSUER|DEFER_TASKRUN|CQE32)", ring >= 0, d);
	if (ring >= 0) {
		has = ring_has_recv_zc(ring);
		if (has < 0)
			errno_detail(d, sizeof(d), -has, NULL, "IORING_REGISTER_PROBE failed");
		else
			snprintf(d, sizeof(d), "%s", has ? "supported" : "absent: no zcrx in this "
				 "kernel (6.15+)");
		record(&v, "IORING_OP_RECV_ZC", has == 1, false, d);
		check_register(&v, ring, ifindex, has);
		close(ring); /* unregisters the queue if it was taken */
	}
	return verdict_close(&v, "zcrx");
}
