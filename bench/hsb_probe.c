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
#include "hsb_kdev.h"
#include "devmem.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/io_uring.h>

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

/*
 * Header split as ethtool reports it, turned on for the bind when the
 * driver has it off (as a user would). A check either way, never a gate:
 * the bind below, which checks the same setting in the kernel, decides.
 * Returns the setting to restore afterwards, or -1 to leave it alone.
 */
static int check_header_split(struct verdict *v, struct kdev_nl *nl, int ifindex)
{
	static const char *const names[] = { "unknown", "disabled", "enabled" };
	static const char what[] = "ethtool rings get (ETHTOOL_A_RINGS_TCP_DATA_SPLIT)";
	char why[256], d[512];
	int split, rc = kdev_split_get(nl, ifindex, &split, why, sizeof(why));

	if (rc < 0)
		kdev_errno_detail(d, sizeof(d), -rc, why, "ethtool cannot read the rings");
	else if (split < 0 || split > 2)
		snprintf(d, sizeof(d), "tcp-data-split not reported: unknown (the driver's default) "
			 "or no header split at all");
	else
		snprintf(d, sizeof(d), "tcp-data-split %s", names[split]);
	record(v, what, rc == 0 && split == KDEV_SPLIT_ENABLED, false, d);
	/*
	 * A bind wants the setting explicitly on; "enabled" may be only the
	 * driver's default resolved ("unknown" is not reported at all). Set it;
	 * put back only what was not on in effect.
	 */
	if (rc < 0)
		return -1;
	rc = kdev_split_set(nl, ifindex, KDEV_SPLIT_ENABLED, why, sizeof(why));
	if (rc < 0)
		kdev_errno_detail(d, sizeof(d), -rc, why, "the driver cannot turn header split on");
	else if (split == KDEV_SPLIT_ENABLED)
		snprintf(d, sizeof(d), "tcp-data-split on, set explicitly (kept on after)");
	else
		snprintf(d, sizeof(d), "tcp-data-split on for the probe, %s again after it",
			 names[split < 0 || split > 2 ? 0 : split]);
	record(v, "ethtool rings set tcp-data-split on", rc == 0, false, d);
	if (rc < 0 || split == KDEV_SPLIT_ENABLED)
		return -1;
	return split < 0 || split > 2 ? KDEV_SPLIT_UNKNOWN : split;
}

/* A closed io_uring lets go of its queue a moment later (exit work): retry a while. */
static void restore_split(struct kdev_nl *nl, int ifindex, int split)
{
	char why[256];
	int rc = 0;

	for (int i = 0; split >= 0 && i < 40; i++) {
		rc = kdev_split_set(nl, ifindex, split, why, sizeof(why));
		if (rc != -EINVAL && rc != -EBUSY)
			break;
		usleep(50000);
	}
	if (rc < 0)
		hsb_log("--probe: could not restore tcp-data-split: %s (%s)", strerror(-rc), why);
}

/*
 * A real dma-buf where the machine has an exporter (udmabuf), else a memfd,
 * which a device that got as far as looking at the fd refuses.
 */
static struct devmem_dmabuf *probe_dmabuf(int *fd)
{
	struct devmem_dmabuf *d = NULL;

	if (access("/dev/udmabuf", R_OK | W_OK) == 0 &&
	    devmem_dmabuf_open("udmabuf:size=2M", &d) == 0) {
		*fd = devmem_dmabuf_fd(d);
		return d;
	}
	*fd = memfd_create("hsb-devmem-probe", MFD_CLOEXEC);
	if (*fd >= 0 && ftruncate(*fd, 2 << 20) < 0) {
		close(*fd);
		*fd = -1;
	}
	return NULL;
}

static void check_bind_rx(struct verdict *v, struct kdev_nl *nl, int ifindex)
{
	char what[64], why[256], d[512];
	struct devmem_dmabuf *dmabuf;
	uint32_t id;
	int fd, rc;

	snprintf(what, sizeof(what), "NETDEV_CMD_BIND_RX queue %u", v->o->queue);
	dmabuf = probe_dmabuf(&fd);
	if (fd < 0) {
		kdev_errno_detail(d, sizeof(d), errno, NULL, "no memory for a dma-buf to bind");
		check(v, what, false, d);
		return;
	}
	rc = kdev_bind_rx(nl, ifindex, v->o->queue, fd, &id, why, sizeof(why));
	if (rc == 0) {
		snprintf(d, sizeof(d), "bound a %s as binding %u; closing the socket unbinds",
			 dmabuf ? "2 MiB udmabuf" : "memfd (!)", id);
		check(v, what, true, d);
	} else if (dmabuf) {
		kdev_errno_detail(d, sizeof(d), -rc, why, "called with a 2 MiB udmabuf");
		check(v, what, false, d);
	} else {
		kdev_errno_detail(d, sizeof(d), -rc, why, rc == -EBADF || rc == -EINVAL ?
				  "the device passed the queue checks and the memfd (no udmabuf or "
				  "dma-heap exporter here) was refused as a dma-buf" :
				  "called with a memfd as the dma-buf (no udmabuf here); the device "
				  "was refused before the fd was looked at");
		check(v, what, false, d);
	}
	if (dmabuf)
		devmem_dmabuf_put(dmabuf);
	else
		close(fd);
}

int krecv_probe_devmem(const struct krecv_opts *o)
{
	struct kdev_nl nl;
	struct verdict v;
	char d[512];
	int ifindex = ifindex_of(o), rc, split;

	if (ifindex == 0)
		return HSB_EXIT_FAIL;
	rc = kdev_nl_open(&nl);
	if (rc < 0 || verdict_open(&v, o) < 0) {
		hsb_log("--probe devmem: generic netlink socket: %s", strerror(rc < 0 ? -rc : errno));
		kdev_nl_close(&nl);
		return HSB_EXIT_FAIL;
	}
	if (nl.netdev < 0)
		kdev_errno_detail(d, sizeof(d), -nl.netdev, NULL,
				  "the kernel has no netdev netlink family");
	else
		snprintf(d, sizeof(d), "family id %d", nl.netdev);
	check(&v, "generic netlink family netdev", nl.netdev >= 0, d);
	if (nl.netdev >= 0)
		check(&v, "netdev op bind-rx", kdev_has_bind_rx(&nl),
		      kdev_has_bind_rx(&nl) ? "present" :
		      "absent: the kernel predates devmem TCP (6.12)");
	split = check_header_split(&v, &nl, ifindex);
	if (kdev_has_bind_rx(&nl))
		check_bind_rx(&v, &nl, ifindex);
	kdev_nl_close(&nl); /* unbinds anything bound through it */
	if (split >= 0 && kdev_nl_open(&nl) == 0) {
		restore_split(&nl, ifindex, split);
		kdev_nl_close(&nl);
	}
	return verdict_close(&v, "devmem");
}

/* ---- io_uring zcrx ---- */

#define ZC_RQ_ENTRIES 256u
#define ZC_AREA_BYTES (1u << 20)

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
static int register_ifq(int ring, int ifindex, uint32_t queue, void *area, void *rq,
			size_t rq_len)
{
	struct kdev_zcrx_area_reg a = { .addr = (uintptr_t)area, .len = ZC_AREA_BYTES };
	struct kdev_region_desc rd = { .user_addr = (uintptr_t)rq, .size = rq_len,
				       .flags = IORING_MEM_REGION_TYPE_USER_ };
	struct kdev_zcrx_ifq_reg reg = { .if_idx = (uint32_t)ifindex, .if_rxq = queue,
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
		kdev_errno_detail(d, sizeof(d), errno, NULL, "anonymous memory for the area");
		check(v, what, false, d);
	} else {
		rc = register_ifq(ring, ifindex, v->o->queue, area, rq, rq_len);
		if (rc == 0)
			snprintf(d, sizeof(d), "registered on rx queue %u with a 1 MiB anonymous "
				 "area; closing the ring unregisters", v->o->queue);
		else
			kdev_errno_detail(d, sizeof(d), -rc, NULL, zcrx_meaning(-rc, has_recv_zc));
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
	struct kdev_nl nl;
	struct verdict v;
	char d[512];
	int ifindex = ifindex_of(o), ring, has, split = -1;

	if (ifindex == 0)
		return HSB_EXIT_FAIL;
	if (verdict_open(&v, o) < 0) {
		hsb_log("--probe zcrx: out of memory");
		return HSB_EXIT_FAIL;
	}
	/* zcrx takes the queue through the same memory-provider checks as bind-rx */
	if (kdev_nl_open(&nl) == 0)
		split = check_header_split(&v, &nl, ifindex);
	/* zcrx needs task work deferred to the one submitter and 32-byte CQEs */
	ring = (int)syscall(__NR_io_uring_setup, 8, &p);
	if (ring < 0)
		kdev_errno_detail(d, sizeof(d), errno, NULL, "the ring zcrx needs cannot be made");
	else
		snprintf(d, sizeof(d), "ok");
	check(&v, "io_uring_setup(SINGLE_ISSUER|DEFER_TASKRUN|CQE32)", ring >= 0, d);
	if (ring >= 0) {
		has = ring_has_recv_zc(ring);
		if (has < 0)
			kdev_errno_detail(d, sizeof(d), -has, NULL, "IORING_REGISTER_PROBE failed");
		else
			snprintf(d, sizeof(d), "%s", has ? "supported" : "absent: no zcrx in this "
				 "kernel (6.15+)");
		record(&v, "IORING_OP_RECV_ZC", has == 1, false, d);
		check_register(&v, ring, ifindex, has);
		close(ring); /* unregisters the queue if it was taken */
	}
	if (nl.fd >= 0)
		restore_split(&nl, ifindex, split);
	kdev_nl_close(&nl);
	return verdict_close(&v, "zcrx");
}
