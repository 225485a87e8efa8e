/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rxe_probe: what does an RDMA device say to ibv_reg_dmabuf_mr() for each of
 * lib/devmem's dmabuf exporters? This is the hook for RDMA NICs as payload
 * DMA engines: a device that registers a dmabuf can write payload into it.
 *
 * Usage: rxe_probe DEVICE SPEC...   (e.g. rxe_probe rxe0 udmabuf:size=4M)
 *
 * Prints TAP (the plan comes last). For every spec the registration must either succeed (then
 * the MR must cover the whole buffer and deregister cleanly) or fail with
 * an errno that means "this device or its provider cannot register
 * dmabufs" (EOPNOTSUPP, or ENOSYS from older providers); anything else is a
 * failure. A memfd (not a dmabuf) must always be refused, and an ordinary
 * ibv_reg_mr() of host memory must work, so a device that registers
 * nothing cannot pass.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "devmem.h"
#include "tap.h"

static const int mr_access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
			     IBV_ACCESS_REMOTE_WRITE;

static bool errno_means_unsupported(int err)
{
	return err == EOPNOTSUPP || err == ENOSYS;
}

static struct ibv_context *open_named(const char *name)
{
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	int n;

	list = ibv_get_device_list(&n);
	if (list == NULL) {
		printf("# ibv_get_device_list: %s\n", strerror(errno));
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		printf("# verbs device %s\n", ibv_get_device_name(list[i]));
		if (strcmp(ibv_get_device_name(list[i]), name) == 0)
			ctx = ibv_open_device(list[i]);
	}
	ibv_free_device_list(list);
	return ctx;
}

/* A control: the device must register plain host memory. */
static void probe_host_memory(struct ibv_pd *pd)
{
	size_t len = 1u << 20;
	void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ibv_mr *mr;

	if (buf == MAP_FAILED) {
		tap(false, "ibv_reg_mr of 1 MiB host memory: mmap failed: %s", strerror(errno));
		return;
	}
	mr = ibv_reg_mr(pd, buf, len, mr_access);
	tap(mr != NULL, "ibv_reg_mr of 1 MiB host memory%s%s", mr ? "" : ": ",
	    mr ? "" : strerror(errno));
	if (mr != NULL)
		tap(ibv_dereg_mr(mr) == 0, "ibv_dereg_mr of host memory");
	munmap(buf, len);
}

/* A memfd is not a dmabuf: no device may accept it as one. */
static void probe_not_a_dmabuf(struct ibv_pd *pd)
{
	int fd = memfd_create("rxe-probe-not-dmabuf", MFD_CLOEXEC);
	struct ibv_mr *mr;

	if (fd < 0 || ftruncate(fd, 1 << 20) != 0) {
		tap(false, "memfd for the negative probe: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	errno = 0;
	mr = ibv_reg_dmabuf_mr(pd, 0, 1 << 20, 0, fd, mr_access);
	tap(mr == NULL, "ibv_reg_dmabuf_mr refuses a memfd (not a dmabuf): %s",
	    mr ? "registered!" : strerror(errno));
	if (mr != NULL)
		ibv_dereg_mr(mr);
	close(fd);
}

static void probe_spec(struct ibv_pd *pd, const char *spec)
{
	struct devmem_dmabuf *d = NULL;
	struct ibv_mr *mr;
	size_t len;
	int rc, err;

	rc = devmem_dmabuf_open(spec, &d);
	if (rc < 0) {
		printf("ok %d - %s # SKIP exporter unavailable: %s\n", ++tap_n, spec,
		       strerror(-rc));
		return;
	}
	len = devmem_dmabuf_size(d);
	printf("# %s\n", devmem_dmabuf_describe(d));
	errno = 0;
	mr = ibv_reg_dmabuf_mr(pd, 0, len, 0, devmem_dmabuf_fd(d), mr_access);
	err = errno;
	if (mr != NULL) {
		tap(mr->length == len, "%s: registered (lkey 0x%x rkey 0x%x, %zu bytes)", spec,
		    mr->lkey, mr->rkey, mr->length);
		tap(ibv_dereg_mr(mr) == 0, "%s: deregistered", spec);
	} else if (errno_means_unsupported(err)) {
		tap(true, "%s: unsupported by this device: %s (errno %d)", spec, strerror(err),
		    err);
	} else {
		tap(false, "%s: ibv_reg_dmabuf_mr failed with an unexpected errno: %s (%d)", spec,
		    strerror(err), err);
	}
	devmem_dmabuf_put(d);
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;
	struct ibv_pd *pd;

	if (argc < 3) {
		fprintf(stderr, "usage: %s DEVICE SPEC... (e.g. %s rxe0 udmabuf:size=4M)\n",
			argv[0], argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ctx = open_named(argv[1]);
	tap(ctx != NULL, "open verbs device %s%s%s", argv[1], ctx ? "" : ": ",
	    ctx ? "" : (errno ? strerror(errno) : "no such device"));
	if (ctx == NULL)
		goto out;
	pd = ibv_alloc_pd(ctx);
	tap(pd != NULL, "ibv_alloc_pd on %s", argv[1]);
	if (pd == NULL) {
		ibv_close_device(ctx);
		goto out;
	}
	probe_host_memory(pd);
	probe_not_a_dmabuf(pd);
	for (int i = 2; i < argc; i++)
		probe_spec(pd, argv[i]);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
out:
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
