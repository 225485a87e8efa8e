/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for lib/devmem dmabuf sources (devmem_dmabuf.c).
 *
 * The memfd emulation runs everywhere and is tested in depth. The real
 * exporters (udmabuf, dma-heap, DRM) are exercised only when their device
 * node exists; otherwise the test says why and skips.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "devmem.h"
#include "devmem_private.h"

#define MiB ((size_t)1 << 20)

/*
 * The strict-mode test installs its own SIGSEGV handler in a child process.
 * Under AddressSanitizer that only works with allow_user_segv_handler=1; make
 * it the default so the suite also passes without ASAN_OPTIONS (an explicit
 * ASAN_OPTIONS still wins). Unused in builds without ASan.
 */
__attribute__((used, visibility("default"))) const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allow_user_segv_handler=1";
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static uint8_t pattern_byte(size_t i, uint8_t seed)
{
	return (uint8_t)(i * 31u + seed);
}

static void fill_pattern(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pattern_byte(i, seed);
}

/* Index of the first mismatch, or len when all bytes match. */
static size_t check_pattern(const uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pattern_byte(i, seed))
			return i;
	return len;
}

static struct devmem_dmabuf *open_ok(const char *spec)
{
	struct devmem_dmabuf *d = NULL;

	assert_int_equal(devmem_dmabuf_open(spec, &d), 0);
	assert_non_null(d);
	return d;
}

/* ---------------------------------------------------------------- */
/* devmem_parse_size                                                */
/* ---------------------------------------------------------------- */

static void test_parse_size_accepts(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(devmem_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(devmem_parse_size("64K", &v), 0);
	assert_int_equal(v, 64u << 10);
	assert_int_equal(devmem_parse_size("64M", &v), 0);
	assert_int_equal(v, 64u << 20);
	assert_int_equal(devmem_parse_size("1G", &v), 0);
	assert_int_equal(v, 1u << 30);
	assert_int_equal(devmem_parse_size("16g", &v), 0);
	assert_int_equal(v, (uint64_t)16 << 30);
}

static void test_parse_size_rejects(void **state)
{
	static const char *const bad[] = {
		"", "abc", "12Q", "0", "0K", "99999999999G", "-1", " 1", "1KK", "1 K", "K",
		"18446744073709551616",
	};
	uint64_t v = 12345;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("# parse_size(\"%s\")\n", bad[i]);
		assert_int_equal(devmem_parse_size(bad[i], &v), -EINVAL);
	}
	assert_int_equal(v, 12345); /* untouched on failure */
	assert_int_equal(devmem_parse_size(NULL, &v), -EINVAL);
	assert_int_equal(devmem_parse_size("1M", NULL), -EINVAL);
}

/* ---------------------------------------------------------------- */
/* memfd emulation                                                  */
/* ---------------------------------------------------------------- */

static void test_memfd_defaults(void **state)
{
	char spec[64];
	struct devmem_dmabuf *d;
	const char *desc;

	(void)state;
	snprintf(spec, sizeof(spec), "memfd:size=%zu", page_size() + 1);
	d = open_ok(spec);
	assert_int_equal(devmem_dmabuf_size(d), 2 * page_size());
	assert_int_equal(devmem_dmabuf_kind(d), DEVMEM_DMABUF_MEMFD);
	assert_string_equal(devmem_dmabuf_kind_name(devmem_dmabuf_kind(d)), "memfd");
	assert_true(devmem_dmabuf_is_host_memory(d));
	assert_true(devmem_dmabuf_is_strict(d));
	assert_true(devmem_dmabuf_fd(d) >= 0);
	assert_non_null(devmem_dmabuf_device_view(d));
	assert_non_null(devmem_dmabuf_host_view(d));
	assert_ptr_not_equal(devmem_dmabuf_device_view(d), devmem_dmabuf_host_view(d));
	desc = devmem_dmabuf_describe(d);
	assert_non_null(desc);
	assert_true(strlen(desc) > 0);
	assert_non_null(strstr(desc, "memfd"));
	assert_non_null(strstr(desc, "strict"));
	/* Stable: the same pointer and text every time. */
	assert_ptr_equal(desc, devmem_dmabuf_describe(d));
	devmem_dmabuf_put(d);

	d = open_ok("memfd:size=64M");
	assert_int_equal(devmem_dmabuf_size(d), 64 * MiB);
	assert_non_null(strstr(devmem_dmabuf_describe(d), "64 MiB"));
	devmem_dmabuf_put(d);
}

static void test_memfd_device_view_rw(void **state)
{
	struct devmem_dmabuf *d = open_ok("memfd:size=256K");
	uint8_t *dev = devmem_dmabuf_device_view(d);
	size_t len = devmem_dmabuf_size(d);

	(void)state;
	fill_pattern(dev, len, 7);
	assert_int_equal(check_pattern(dev, len, 7), len);
	devmem_dmabuf_put(d);
}

static void test_memfd_readable_host_view_is_same_memory(void **state)
{
	struct devmem_dmabuf *d = open_ok("memfd:size=128K,strict=0");
	uint8_t *dev = devmem_dmabuf_device_view(d);
	uint8_t *host = devmem_dmabuf_host_view(d);
	size_t len = devmem_dmabuf_size(d);

	(void)state;
	assert_false(devmem_dmabuf_is_strict(d));
	assert_ptr_not_equal(dev, host);
	fill_pattern(dev, len, 99);
	assert_int_equal(check_pattern(host, len, 99), len);
	/* And the other way round: one memory, two mappings. */
	host[len - 1] = 0xee;
	assert_int_equal(dev[len - 1], 0xee);
	devmem_dmabuf_put(d);
}

static void test_memfd_hugetlb(void **state)
{
	struct devmem_dmabuf *d = NULL;
	int rc;

	(void)state;
	rc = devmem_dmabuf_open("memfd:size=1M,hugetlb=1", &d);
	if (rc == -ENOMEM || rc == -ENOSYS || rc == -EOPNOTSUPP) {
		print_message("# SKIP: no huge pages for MFD_HUGETLB (%s)\n", strerror(-rc));
		skip();
	}
	assert_int_equal(rc, 0);
	/* Rounded up to a whole huge page, not just a base page. */
	assert_true(devmem_dmabuf_size(d) > page_size());
	assert_true(devmem_dmabuf_size(d) >= MiB);
	assert_non_null(strstr(devmem_dmabuf_describe(d), "hugetlb"));
	fill_pattern(devmem_dmabuf_device_view(d), devmem_dmabuf_size(d), 11);
	assert_int_equal(check_pattern(devmem_dmabuf_device_view(d), devmem_dmabuf_size(d), 11),
			 devmem_dmabuf_size(d));
	devmem_dmabuf_put(d);
}

static void on_fault(int sig)
{
	(void)sig;
	_exit(42);
}

static void read_strict_host_view_in_child(const struct devmem_dmabuf *d)
{
	struct sigaction sa;
	volatile const uint8_t *host = devmem_dmabuf_host_view(d);
	uint8_t v;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	v = host[0];
	(void)v;
	_exit(0); /* the read worked: strict mode is broken */
}

static void test_memfd_strict_host_view_faults(void **state)
{
	struct devmem_dmabuf *d = open_ok("memfd:size=64K");
	uint8_t *dev = devmem_dmabuf_device_view(d);
	size_t len = devmem_dmabuf_size(d);
	int status = 0;
	pid_t pid;

	(void)state;
	assert_true(devmem_dmabuf_is_strict(d));
	fill_pattern(dev, len, 3);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		read_strict_host_view_in_child(d);

	/* The parent's device view is unaffected and still read-write. */
	dev[0] = 0xa5;
	assert_int_equal(dev[0], 0xa5);
	dev[0] = pattern_byte(0, 3);
	assert_int_equal(check_pattern(dev, len, 3), len);

	assert_int_equal(waitpid(pid, &status, 0), pid);
	print_message("# strict child status 0x%x\n", (unsigned int)status);
	assert_true((WIFEXITED(status) && WEXITSTATUS(status) == 42) ||
		    (WIFSIGNALED(status) &&
		     (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS)));
	devmem_dmabuf_put(d);
}

static void test_bad_specs(void **state)
{
	static const char *const bad[] = {
		"", "nope:size=1M", "memfd:", "memfd:size=", "memfd:size=1M,strict=2",
		"memfd:size=1M,bogus=1", "memfd:size=1M,,", "heap:", "fd:abc",
		/* more of the same families */
		"memfd", "MEMFD:size=1M", "memfd:size=1M,", "memfd:strict=1", "memfd:size",
		"memfd:size=0", "memfd:size=12Q", "memfd:size=1M,hugetlb=2",
		"memfd:size=1M,size=2M", "memfd:size=1M,strict=", "udmabuf:size=1M,hugetlb=1",
		"udmabuf:", "heap:system", "heap:system:", "heap:../x:size=1M", "drm:",
		"drm:/dev/dri/card0", "fd:", "fd:-1", "fd:3,size=1M", "fd:3x",
	};
	struct devmem_dmabuf *d = (struct devmem_dmabuf *)&d; /* must be reset */

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("# open(\"%s\")\n", bad[i]);
		assert_int_equal(devmem_dmabuf_open(bad[i], &d), -EINVAL);
		assert_null(d);
	}
	assert_int_equal(devmem_dmabuf_open(NULL, &d), -EINVAL);
	assert_int_equal(devmem_dmabuf_open("memfd:size=1M", NULL), -EINVAL);
}

/* The parse step alone: what each kind's spec says, and nothing opened for it. */
static void test_spec_parse(void **state)
{
	struct devmem_dmabuf_spec sp;
	long page = sysconf(_SC_PAGESIZE);

	(void)state;
	assert_int_equal(devmem_dmabuf_spec_parse("memfd:size=1,strict=0,hugetlb=1", &sp), 0);
	assert_int_equal(sp.kind, DEVMEM_DMABUF_MEMFD);
	assert_int_equal(sp.size, page);
	assert_false(sp.strict);
	assert_true(sp.hugetlb);
	assert_string_equal(sp.target, "");
	assert_int_equal(devmem_dmabuf_spec_parse("heap:system:size=64G", &sp), 0);
	assert_int_equal(sp.kind, DEVMEM_DMABUF_HEAP);
	assert_int_equal(sp.size, (uint64_t)64 << 30);
	assert_true(sp.strict);
	assert_string_equal(sp.target, "system");
	/* fd 999 is not open: parsing never looks at it. */
	assert_int_equal(devmem_dmabuf_spec_parse("fd:999,strict=0", &sp), 0);
	assert_int_equal(sp.kind, DEVMEM_DMABUF_FD);
	assert_int_equal(sp.size, 0);
	assert_string_equal(sp.target, "999");
	assert_int_equal(devmem_dmabuf_spec_parse("drm:/dev/dri/card0:size=16M", &sp), 0);
	assert_string_equal(sp.target, "/dev/dri/card0");
	assert_int_equal(devmem_dmabuf_spec_parse("memfd:size=65G", &sp), -E2BIG);
	assert_int_equal(devmem_dmabuf_spec_parse("memfd:size=1M,size=2M", &sp), -EINVAL);
	assert_int_equal(devmem_dmabuf_spec_parse(NULL, &sp), -EINVAL);
	assert_int_equal(devmem_dmabuf_spec_parse("memfd:size=1M", NULL), -EINVAL);
}

static void test_memfd_too_big(void **state)
{
	struct devmem_dmabuf *d = NULL;

	(void)state;
	assert_int_equal(devmem_dmabuf_open("memfd:size=65G", &d), -E2BIG);
	assert_null(d);
	assert_int_equal(devmem_dmabuf_open("memfd:size=16777216G", &d), -E2BIG);
	assert_null(d);
}

static void test_fd_import_rejects_non_dmabuf(void **state)
{
	struct devmem_dmabuf *d = NULL;
	char spec[32];
	int pipefd[2];
	int memfd;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	snprintf(spec, sizeof(spec), "fd:%d", pipefd[0]);
	assert_int_equal(devmem_dmabuf_open(spec, &d), -EINVAL);
	assert_null(d);
	close(pipefd[0]);
	close(pipefd[1]);

	memfd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	assert_true(memfd >= 0);
	assert_int_equal(ftruncate(memfd, 65536), 0);
	snprintf(spec, sizeof(spec), "fd:%d", memfd);
	assert_int_equal(devmem_dmabuf_open(spec, &d), -EINVAL);
	close(memfd);

	/* A closed fd cannot be dup'ed. */
	assert_int_equal(devmem_dmabuf_open(spec, &d), -EBADF);
	assert_null(d);
}

static void test_refcount(void **state)
{
	struct devmem_dmabuf *d = open_ok("memfd:size=64K");

	(void)state;
	assert_ptr_equal(devmem_dmabuf_get(d), d);
	devmem_dmabuf_put(d);
	/* Still alive after the first put: the views work. */
	((uint8_t *)devmem_dmabuf_device_view(d))[0] = 1;
	devmem_dmabuf_put(d); /* frees; ASan/LSan flag a double free or leak */

	assert_null(devmem_dmabuf_get(NULL));
	devmem_dmabuf_put(NULL);
}

static void test_memfd_sync(void **state)
{
	struct devmem_dmabuf *d = open_ok("memfd:size=64K");

	(void)state;
	assert_int_equal(devmem_dmabuf_sync_begin(d, DEVMEM_SYNC_READ), 0);
	assert_int_equal(devmem_dmabuf_sync_end(d, DEVMEM_SYNC_READ), 0);
	assert_int_equal(devmem_dmabuf_sync_begin(d, DEVMEM_SYNC_WRITE), 0);
	assert_int_equal(devmem_dmabuf_sync_end(d, DEVMEM_SYNC_WRITE), 0);
	assert_int_equal(devmem_dmabuf_sync_begin(d, DEVMEM_SYNC_READ | DEVMEM_SYNC_WRITE), 0);
	assert_int_equal(devmem_dmabuf_sync_end(d, DEVMEM_SYNC_READ | DEVMEM_SYNC_WRITE), 0);

	assert_int_equal(devmem_dmabuf_sync_begin(d, 0), -EINVAL);
	assert_int_equal(devmem_dmabuf_sync_end(d, 0), -EINVAL);
	assert_int_equal(devmem_dmabuf_sync_begin(d, 1u << 2), -EINVAL);
	assert_int_equal(devmem_dmabuf_sync_end(d, DEVMEM_SYNC_READ | (1u << 7)), -EINVAL);
	assert_int_equal(devmem_dmabuf_sync_begin(NULL, DEVMEM_SYNC_READ), -EINVAL);
	assert_int_equal(devmem_dmabuf_sync_end(NULL, DEVMEM_SYNC_READ), -EINVAL);
	devmem_dmabuf_put(d);
}

static void test_null_accessors(void **state)
{
	(void)state;
	assert_true(devmem_dmabuf_fd(NULL) < 0);
	assert_int_equal(devmem_dmabuf_size(NULL), 0);
	assert_false(devmem_dmabuf_is_host_memory(NULL));
	assert_false(devmem_dmabuf_is_strict(NULL));
	assert_null(devmem_dmabuf_host_view(NULL));
	assert_null(devmem_dmabuf_device_view(NULL));
	assert_non_null(devmem_dmabuf_describe(NULL));
	assert_string_equal(devmem_dmabuf_kind_name(devmem_dmabuf_kind(NULL)), "unknown");
	assert_string_equal(devmem_dmabuf_kind_name(DEVMEM_DMABUF_UDMABUF), "udmabuf");
	assert_string_equal(devmem_dmabuf_kind_name(DEVMEM_DMABUF_HEAP), "heap");
	assert_string_equal(devmem_dmabuf_kind_name(DEVMEM_DMABUF_DRM), "drm");
	assert_string_equal(devmem_dmabuf_kind_name(DEVMEM_DMABUF_FD), "fd");
}

/* ---------------------------------------------------------------- */
/* real exporters (skipped when the device node is absent)          */
/* ---------------------------------------------------------------- */

static void skip_unless_present(const char *node)
{
	if (access(node, F_OK) != 0) {
		print_message("# SKIP: %s absent (%s)\n", node, strerror(errno));
		skip();
	}
}

/* Errors that mean "this host can't", not "the code is wrong". */
static void skip_if_environment(const char *spec, int rc)
{
	if (rc == -EACCES || rc == -EPERM || rc == -EOPNOTSUPP || rc == -ENOTTY ||
	    rc == -ENODEV || rc == -ENOMEM) {
		print_message("# SKIP: %s: %s\n", spec, strerror(-rc));
		skip();
	}
}

/* Import `d` again through fd:<n> and see the same bytes. */
static void check_reimport(struct devmem_dmabuf *d, uint8_t seed)
{
	struct devmem_dmabuf *imp = NULL;
	char spec[32];
	size_t len = devmem_dmabuf_size(d);

	snprintf(spec, sizeof(spec), "fd:%d", devmem_dmabuf_fd(d));
	assert_int_equal(devmem_dmabuf_open(spec, &imp), 0);
	assert_int_equal(devmem_dmabuf_kind(imp), DEVMEM_DMABUF_FD);
	assert_false(devmem_dmabuf_is_host_memory(imp));
	assert_true(devmem_dmabuf_size(imp) >= len);
	assert_int_not_equal(devmem_dmabuf_fd(imp), devmem_dmabuf_fd(d));
	assert_int_equal(devmem_dmabuf_sync_begin(imp, DEVMEM_SYNC_READ), 0);
	assert_int_equal(check_pattern(devmem_dmabuf_device_view(imp), len, seed), len);
	assert_int_equal(devmem_dmabuf_sync_end(imp, DEVMEM_SYNC_READ), 0);
	devmem_dmabuf_put(imp);
}

/* Strict mode on a real exporter: a CPU read through the host view faults. */
static void check_strict_host_view(const struct devmem_dmabuf *d)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		read_strict_host_view_in_child(d);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	print_message("# strict host view read: child status 0x%x\n", (unsigned int)status);
	assert_true((WIFEXITED(status) && WEXITSTATUS(status) == 42) ||
		    (WIFSIGNALED(status) &&
		     (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS)));
}

static void exercise_exporter(const char *node, const char *spec,
			      enum devmem_dmabuf_kind kind)
{
	struct devmem_dmabuf *d = NULL;
	uint8_t *dev;
	size_t len;
	int rc;

	skip_unless_present(node);
	rc = devmem_dmabuf_open(spec, &d);
	skip_if_environment(spec, rc);
	assert_int_equal(rc, 0);
	print_message("# opened %s\n", devmem_dmabuf_describe(d));
	assert_int_equal(devmem_dmabuf_kind(d), kind);
	assert_int_equal(devmem_dmabuf_size(d), 4 * MiB);
	assert_false(devmem_dmabuf_is_host_memory(d));
	assert_true(devmem_dmabuf_is_strict(d));
	dev = devmem_dmabuf_device_view(d);
	len = devmem_dmabuf_size(d);

	assert_int_equal(devmem_dmabuf_sync_begin(d, DEVMEM_SYNC_WRITE), 0);
	fill_pattern(dev, len, 0x42);
	assert_int_equal(devmem_dmabuf_sync_end(d, DEVMEM_SYNC_WRITE), 0);
	assert_int_equal(devmem_dmabuf_sync_begin(d, DEVMEM_SYNC_READ), 0);
	assert_int_equal(check_pattern(dev, len, 0x42), len);
	assert_int_equal(devmem_dmabuf_sync_end(d, DEVMEM_SYNC_READ), 0);

	check_reimport(d, 0x42);
	check_strict_host_view(d);
	devmem_dmabuf_put(d);
}

static void test_udmabuf(void **state)
{
	(void)state;
	exercise_exporter("/dev/udmabuf", "udmabuf:size=4M", DEVMEM_DMABUF_UDMABUF);
}

static uint64_t udmabuf_limit_mb(void)
{
	unsigned long mb = 64;
	FILE *f = fopen("/sys/module/udmabuf/parameters/size_limit_mb", "r");

	if (f != NULL) {
		if (fscanf(f, "%lu", &mb) != 1)
			mb = 64;
		fclose(f);
	}
	return mb;
}

static void test_udmabuf_over_limit(void **state)
{
	struct devmem_dmabuf *d = NULL;
	char spec[64];

	(void)state;
	skip_unless_present("/dev/udmabuf");
	snprintf(spec, sizeof(spec), "udmabuf:size=%" PRIu64 "M", udmabuf_limit_mb() + 1);
	assert_int_equal(devmem_dmabuf_open(spec, &d), -E2BIG);
	assert_null(d);
}

static void test_heap_system(void **state)
{
	(void)state;
	exercise_exporter("/dev/dma_heap/system", "heap:system:size=4M", DEVMEM_DMABUF_HEAP);
}

static void test_heap_missing(void **state)
{
	struct devmem_dmabuf *d = NULL;

	(void)state;
	assert_int_equal(devmem_dmabuf_open("heap:hsplit-no-such-heap:size=1M", &d), -ENOENT);
	assert_null(d);
}

static void test_drm_card0(void **state)
{
	(void)state;
	exercise_exporter("/dev/dri/card0", "drm:/dev/dri/card0:size=4M", DEVMEM_DMABUF_DRM);
}

static void test_drm_render(void **state)
{
	(void)state;
	exercise_exporter("/dev/dri/renderD128", "drm:/dev/dri/renderD128:size=4M",
			  DEVMEM_DMABUF_DRM);
}

static void test_drm_missing(void **state)
{
	struct devmem_dmabuf *d = NULL;

	(void)state;
	assert_int_equal(devmem_dmabuf_open("drm:/nonexistent/hsplit-card:size=1M", &d),
			 -ENOENT);
	assert_null(d);
}

static void test_udmabuf_missing(void **state)
{
	struct devmem_dmabuf *d = NULL;

	(void)state;
	if (access("/dev/udmabuf", F_OK) == 0) {
		print_message("# SKIP: /dev/udmabuf exists\n");
		skip();
	}
	assert_int_equal(devmem_dmabuf_open("udmabuf:size=1M", &d), -ENOENT);
	assert_null(d);
}

/* ---------------------------------------------------------------- */
/* fd: import of a dmabuf exported by another process (SCM_RIGHTS)  */
/* ---------------------------------------------------------------- */

/* Real exporters in order of preference; the first one present is used. */
static const struct {
	const char *node;
	const char *spec;
} cross_exporters[] = {
	{ "/dev/udmabuf", "udmabuf:size=4M" },
	{ "/dev/dma_heap/system", "heap:system:size=4M" },
	{ "/dev/dri/card0", "drm:/dev/dri/card0:size=4M" },
};

static int send_fd(int sock, int fd)
{
	char byte = 'F';
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c;

	memset(ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char byte;
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * The exporting process: create the dmabuf, write the first half, pass the
 * fd, then check the importer's writes to the second half. Exit codes name
 * the step that failed (the parent prints them).
 */
static void exporter_child(const char *spec, int sock)
{
	struct devmem_dmabuf *d = NULL;
	uint8_t *dev;
	size_t half;
	char go;

	if (devmem_dmabuf_open(spec, &d) != 0)
		_exit(10);
	dev = devmem_dmabuf_device_view(d);
	half = devmem_dmabuf_size(d) / 2;
	if (devmem_dmabuf_sync_begin(d, DEVMEM_SYNC_WRITE) != 0)
		_exit(11);
	fill_pattern(dev, half, 0x5a);
	if (devmem_dmabuf_sync_end(d, DEVMEM_SYNC_WRITE) != 0)
		_exit(11);
	if (send_fd(sock, devmem_dmabuf_fd(d)) != 0)
		_exit(12);
	if (read(sock, &go, 1) != 1 || go != 'W')
		_exit(13);
	if (devmem_dmabuf_sync_begin(d, DEVMEM_SYNC_READ) != 0)
		_exit(11);
	if (check_pattern(dev + half, half, 0xa5) != half)
		_exit(14);
	if (devmem_dmabuf_sync_end(d, DEVMEM_SYNC_READ) != 0)
		_exit(11);
	devmem_dmabuf_put(d);
	_exit(0);
}

static void test_fd_import_across_processes(void **state)
{
	const char *spec = NULL;
	struct devmem_dmabuf *imp = NULL;
	int sv[2], fd, status = 0;
	char specbuf[32];
	uint8_t *view;
	size_t half;
	pid_t pid;

	(void)state;
	for (size_t i = 0; i < sizeof(cross_exporters) / sizeof(cross_exporters[0]); i++)
		if (access(cross_exporters[i].node, F_OK) == 0) {
			spec = cross_exporters[i].spec;
			break;
		}
	if (spec == NULL) {
		print_message("# SKIP: no dmabuf exporter here (/dev/udmabuf, /dev/dma_heap/system "
			      "and /dev/dri/card0 all absent)\n");
		skip();
	}
	print_message("# exporter process uses %s\n", spec);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		exporter_child(spec, sv[1]);
	}
	close(sv[1]);

	fd = recv_fd(sv[0]);
	assert_true(fd >= 0);
	snprintf(specbuf, sizeof(specbuf), "fd:%d", fd);
	assert_int_equal(devmem_dmabuf_open(specbuf, &imp), 0);
	/* The import holds its own reference: our copy of the fd may go. */
	close(fd);
	assert_int_equal(devmem_dmabuf_kind(imp), DEVMEM_DMABUF_FD);
	assert_int_equal(devmem_dmabuf_size(imp), 4 * MiB);
	view = devmem_dmabuf_device_view(imp);
	half = devmem_dmabuf_size(imp) / 2;

	assert_int_equal(devmem_dmabuf_sync_begin(imp, DEVMEM_SYNC_READ | DEVMEM_SYNC_WRITE), 0);
	assert_int_equal(check_pattern(view, half, 0x5a), half);
	fill_pattern(view + half, half, 0xa5);
	assert_int_equal(devmem_dmabuf_sync_end(imp, DEVMEM_SYNC_READ | DEVMEM_SYNC_WRITE), 0);
	assert_int_equal(write(sv[0], "W", 1), 1);

	assert_int_equal(waitpid(pid, &status, 0), pid);
	print_message("# exporter child status 0x%x\n", (unsigned int)status);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* The exporting process is gone; the buffer lives on in the importer. */
	assert_int_equal(devmem_dmabuf_sync_begin(imp, DEVMEM_SYNC_READ), 0);
	assert_int_equal(check_pattern(view, half, 0x5a), half);
	assert_int_equal(check_pattern(view + half, half, 0xa5), half);
	assert_int_equal(devmem_dmabuf_sync_end(imp, DEVMEM_SYNC_READ), 0);
	close(sv[0]);
	devmem_dmabuf_put(imp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_accepts),
		cmocka_unit_test(test_parse_size_rejects),
		cmocka_unit_test(test_memfd_defaults),
		cmocka_unit_test(test_memfd_device_view_rw),
		cmocka_unit_test(test_memfd_readable_host_view_is_same_memory),
		cmocka_unit_test(test_memfd_strict_host_view_faults),
		cmocka_unit_test(test_memfd_hugetlb),
		cmocka_unit_test(test_bad_specs),
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_memfd_too_big),
		cmocka_unit_test(test_fd_import_rejects_non_dmabuf),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_memfd_sync),
		cmocka_unit_test(test_null_accessors),
		cmocka_unit_test(test_udmabuf),
		cmocka_unit_test(test_udmabuf_over_limit),
		cmocka_unit_test(test_udmabuf_missing),
		cmocka_unit_test(test_heap_system),
		cmocka_unit_test(test_heap_missing),
		cmocka_unit_test(test_drm_card0),
		cmocka_unit_test(test_drm_render),
		cmocka_unit_test(test_drm_missing),
		cmocka_unit_test(test_fd_import_across_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
