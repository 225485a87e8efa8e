/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dmabuf sources: create (or import) the buffer that a binding carves into
 * chunks. Every source ends up as one dmabuf-like fd mapped twice:
 *
 *   device view  RW, what the (emulated) NIC writes payload through;
 *   host view    what applications get in mbufs; PROT_NONE when strict, so
 *                a stray read of "device memory" faults as it would on real
 *                hardware instead of silently working.
 *
 * The memfd kind is not a dmabuf at all: it stands in for device memory on
 * machines without an exporter, so sync is a no-op and the buffer is
 * reported as host memory.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>
#include <xf86drm.h>

#include "devmem_private.h"

/* Created buffers beyond this are almost certainly a typo (64G vs 64M). */
#define DMABUF_SIZE_MAX ((uint64_t)64 << 30)
#define DMABUF_TARGET_MAX 256
#define DMABUF_KINDS "memfd, udmabuf, heap, drm, fd"

#define UDMABUF_DEV "/dev/udmabuf"
#define UDMABUF_LIMIT_PARAM "/sys/module/udmabuf/parameters/size_limit_mb"
#define UDMABUF_LIMIT_DEFAULT_MB 64u
#define DMA_HEAP_DIR "/dev/dma_heap"

/* The dumb buffer is width x height at 32 bpp: one 4 KiB row per page. */
#define DRM_DUMB_WIDTH 1024u
#define DRM_DUMB_BPP 32u
#define DRM_DUMB_PITCH (DRM_DUMB_WIDTH * DRM_DUMB_BPP / 8u)

struct devmem_dmabuf {
	_Atomic uint32_t refcnt;
	enum devmem_dmabuf_kind kind;
	bool strict;
	bool hugetlb;
	bool host_view_reserved; /* strict host view is an anonymous reservation */
	int fd;                  /* the dmabuf; the memfd itself for the emulation */
	int drm_fd;              /* drm: the node, open for as long as the handle */
	uint32_t drm_handle;     /* drm: dumb buffer GEM handle, 0 = none */
	size_t size;
	void *device_view;
	void *host_view;
	char desc[DMABUF_TARGET_MAX + 160];
};

enum dmabuf_key {
	KEY_SIZE = 1u << 0,
	KEY_STRICT = 1u << 1,
	KEY_HUGETLB = 1u << 2,
};

static const struct {
	const char *name;
	enum dmabuf_key bit;
} dmabuf_keys[] = {
	{ "size", KEY_SIZE },
	{ "strict", KEY_STRICT },
	{ "hugetlb", KEY_HUGETLB },
};

/* Everything a spec says, parsed and validated before any resource exists. */
struct dmabuf_opts {
	char target[DMABUF_TARGET_MAX]; /* heap name, DRM node or fd number */
	uint64_t size;                  /* bytes, rounded up; 0 for fd: */
	unsigned int seen;              /* KEY_* present in the spec */
	bool strict;
	bool hugetlb;
};

struct dmabuf_exporter {
	const char *name;
	enum devmem_dmabuf_kind kind;
	const char *target_what; /* what follows "<kind>:", NULL if nothing */
	char target_end;         /* character that ends the target */
	unsigned int keys;       /* accepted KEY_*; KEY_SIZE means required */
	const char *keys_list;   /* the same, for messages */
	const char *example;
	int (*open)(struct devmem_dmabuf *d, const struct dmabuf_opts *o);
};

static size_t page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (size_t)ps : 4096u;
}

/* "64 MiB" when exact, else bytes: the describe() line must stay stable. */
static void format_size(uint64_t size, char *buf, size_t len)
{
	static const char *const units[] = { "GiB", "MiB", "KiB" };

	for (unsigned int i = 0; i < 3; i++) {
		unsigned int shift = 30 - 10 * i;

		if (size >= ((uint64_t)1 << shift) && size % ((uint64_t)1 << shift) == 0) {
			snprintf(buf, len, "%" PRIu64 " %s", size >> shift, units[i]);
			return;
		}
	}
	snprintf(buf, len, "%" PRIu64 " B", size);
}

/* Silent on purpose: callers know which spec or option was wrong and say so. */
int devmem_parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int shift = 0;

	if (s == NULL || out == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned int digit = (unsigned int)(*s - '0');

		if (v > (UINT64_MAX - digit) / 10)
			return -EINVAL;
		v = v * 10 + digit;
	}
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	default: break;
	}
	if (*s != '\0' || v == 0 || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* ---- exporters ---- */

/* open() a device node; a missing one is reported with `hint` (what to check). */
static int open_node(const char *who, const char *path, int flags, const char *hint)
{
	int fd = open(path, flags | O_CLOEXEC);
	int err = errno;

	if (fd >= 0)
		return fd;
	if (err == ENOENT)
		return DEVMEM_FAIL(ENOENT, "%s: %s not found (%s)", who, path, hint);
	return DEVMEM_FAIL(err, "%s: cannot open %s: %s", who, path, strerror(err));
}

/*
 * Returns the memfd or a negative errno (logged, `who` prefixed). hugetlbfs
 * reports its page size in st_blksize and refuses sizes that are not a
 * multiple of it, so *size is rounded up to that.
 */
static int create_memfd(const char *who, unsigned int flags, uint64_t *size)
{
	int fd = memfd_create("hsplit-devmem", flags);
	struct stat st;
	int err;

	if (fd < 0) {
		err = errno;
		return DEVMEM_FAIL(err, "%s: memfd_create(%s) failed: %s%s", who,
				   (flags & MFD_HUGETLB) ? "MFD_HUGETLB" : "", strerror(err),
				   (flags & MFD_HUGETLB) ?
				   " (hugetlb=1 needs hugetlbfs support)" : "");
	}
	if ((flags & MFD_HUGETLB) && fstat(fd, &st) == 0 && st.st_blksize > 0)
		*size = (*size + (uint64_t)st.st_blksize - 1) / (uint64_t)st.st_blksize *
			(uint64_t)st.st_blksize;
	if (ftruncate(fd, (off_t)*size) < 0) {
		err = errno;
		close(fd);
		return DEVMEM_FAIL(err, "%s: ftruncate(%" PRIu64 ") failed: %s", who, *size,
				   strerror(err));
	}
	return fd;
}

static int dmabuf_open_memfd(struct devmem_dmabuf *d, const struct dmabuf_opts *o)
{
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	uint64_t size = o->size;
	int fd;

	if (o->hugetlb)
		flags |= MFD_HUGETLB;
	fd = create_memfd("memfd", flags, &size);
	if (fd < 0)
		return fd;
	d->fd = fd;
	d->size = size;
	return 0;
}

/* The kernel refuses udmabufs above udmabuf.size_limit_mb (default 64). */
static uint64_t udmabuf_limit_mb(void)
{
	unsigned long mb = UDMABUF_LIMIT_DEFAULT_MB;
	FILE *f = fopen(UDMABUF_LIMIT_PARAM, "re");

	if (f != NULL) {
		if (fscanf(f, "%lu", &mb) != 1)
			mb = UDMABUF_LIMIT_DEFAULT_MB;
		fclose(f);
	}
	return mb;
}

/* Creates the udmabuf from a shrink-sealed memfd; the memfd is not kept. */
static int udmabuf_create(int dev, uint64_t size)
{
	struct udmabuf_create req = { .flags = UDMABUF_FLAGS_CLOEXEC, .offset = 0, .size = size };
	int memfd = create_memfd("udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING, &size);
	int fd, err;

	if (memfd < 0)
		return memfd;
	/* udmabuf insists on F_SEAL_SHRINK: its pages must never vanish. */
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		err = errno;
		close(memfd);
		return DEVMEM_FAIL(err, "udmabuf: sealing the memfd failed: %s", strerror(err));
	}
	req.memfd = (uint32_t)memfd;
	fd = ioctl(dev, UDMABUF_CREATE, &req);
	err = errno;
	close(memfd); /* the udmabuf pins the pages itself */
	if (fd < 0)
		return DEVMEM_FAIL(err, "udmabuf: UDMABUF_CREATE of %" PRIu64 " bytes failed: %s",
				   size, strerror(err));
	return fd;
}

static int dmabuf_open_udmabuf(struct devmem_dmabuf *d, const struct dmabuf_opts *o)
{
	uint64_t limit_mb = udmabuf_limit_mb();
	int dev, fd;

	/* A missing device is the more fundamental problem: report it first. */
	dev = open_node("udmabuf", UDMABUF_DEV, O_RDWR, "kernel built without "
			"CONFIG_UDMABUF? try 'modprobe udmabuf'");
	if (dev < 0)
		return dev;
	if (o->size > (limit_mb << 20)) {
		close(dev);
		return DEVMEM_FAIL(E2BIG, "udmabuf: size %" PRIu64 " exceeds the kernel limit of "
				   "%" PRIu64 " MiB (module parameter udmabuf.size_limit_mb, %s)",
				   o->size, limit_mb, UDMABUF_LIMIT_PARAM);
	}
	fd = udmabuf_create(dev, o->size);
	close(dev);
	if (fd < 0)
		return fd;
	d->fd = fd;
	return 0;
}

static int dmabuf_open_heap(struct devmem_dmabuf *d, const struct dmabuf_opts *o)
{
	struct dma_heap_allocation_data req = {
		.len = o->size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	char path[sizeof(DMA_HEAP_DIR) + DMABUF_TARGET_MAX + 1];
	int heap, err;

	/* A name, not a path: never let the spec open something else. */
	if (strchr(o->target, '/') != NULL || strcmp(o->target, ".") == 0 ||
	    strcmp(o->target, "..") == 0)
		return DEVMEM_FAIL(EINVAL, "heap: bad heap name '%s' (a name under %s, "
				   "e.g. heap:system:size=64M)", o->target, DMA_HEAP_DIR);
	snprintf(path, sizeof(path), "%s/%s", DMA_HEAP_DIR, o->target);
	heap = open_node("heap", path, O_RDONLY, "no such dma-heap; see ls " DMA_HEAP_DIR);
	if (heap < 0)
		return heap;
	if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &req) < 0) {
		err = errno;
		close(heap);
		return DEVMEM_FAIL(err, "heap: allocating %" PRIu64 " bytes from %s failed: %s",
				   o->size, path, strerror(err));
	}
	close(heap);
	d->fd = (int)req.fd;
	return 0;
}

static void drm_destroy_dumb(int node, uint32_t handle)
{
	struct drm_mode_destroy_dumb req = { .handle = handle };

	if (drmIoctl(node, DRM_IOCTL_MODE_DESTROY_DUMB, &req) < 0)
		DEVMEM_LOG(WARNING, "drm: destroying dumb handle %u failed: %s", handle,
			   strerror(errno));
}

static int dmabuf_open_drm(struct devmem_dmabuf *d, const struct dmabuf_opts *o)
{
	struct drm_mode_create_dumb req = {
		.height = (uint32_t)(o->size / DRM_DUMB_PITCH),
		.width = DRM_DUMB_WIDTH,
		.bpp = DRM_DUMB_BPP,
	};
	int node, prime = -1, err;

	node = open_node("drm", o->target, O_RDWR, "no such DRM device node");
	if (node < 0)
		return node;
	if (drmIoctl(node, DRM_IOCTL_MODE_CREATE_DUMB, &req) < 0) {
		err = errno;
		close(node);
		return DEVMEM_FAIL(err, "drm: %s cannot create a %ux%u dumb buffer: %s "
				   "(render nodes have no dumb buffers; use a card node)",
				   o->target, req.width, req.height, strerror(err));
	}
	if (drmPrimeHandleToFD(node, req.handle, DRM_CLOEXEC | DRM_RDWR, &prime) < 0) {
		err = errno;
		drm_destroy_dumb(node, req.handle);
		close(node);
		return DEVMEM_FAIL(err, "drm: PRIME export on %s failed: %s", o->target,
				   strerror(err));
	}
	d->drm_fd = node;
	d->drm_handle = req.handle;
	d->fd = prime;
	return 0;
}

/* Strict decimal: "7" yes; "", "-1", "7x", " 7" no. */
static int parse_fd_number(const char *s, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || errno != 0 || v > INT32_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* What /proc says the fd is: "anon_inode:dmabuf", "pipe:[12]", ... */
static void fd_identity(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		snprintf(buf, len, "unknown: %s: %s", link, strerror(errno));
	else
		buf[n] = '\0';
}

/* Older kernels name dmabufs "anon_inode:dmabuf", newer ones "/dmabuf:<name>". */
static bool fd_identity_is_dmabuf(const char *what)
{
	return strncmp(what, "anon_inode:dmabuf", 17) == 0 || strncmp(what, "/dmabuf:", 8) == 0;
}

static int dmabuf_open_fd(struct devmem_dmabuf *d, const struct dmabuf_opts *o)
{
	char what[256];
	off_t end;
	int n, fd, err;

	if (parse_fd_number(o->target, &n) < 0)
		return DEVMEM_FAIL(EINVAL, "fd: '%s' is not a file descriptor number (e.g. fd:7)",
				   o->target);
	/* Our own copy: the caller may close theirs whenever it likes. */
	fd = fcntl(n, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		return DEVMEM_FAIL(err, "fd: cannot dup fd %d: %s", n, strerror(err));
	}
	fd_identity(fd, what, sizeof(what));
	if (!fd_identity_is_dmabuf(what)) {
		close(fd);
		return DEVMEM_FAIL(EINVAL, "fd %d is not a dmabuf (%s)", n, what);
	}
	/* dmabufs answer SEEK_END with their size; the offset is shared, so rewind. */
	end = lseek(fd, 0, SEEK_END);
	err = errno;
	(void)lseek(fd, 0, SEEK_SET);
	if (end <= 0) {
		close(fd);
		return DEVMEM_FAIL(end < 0 ? err : EINVAL, "fd %d: cannot size the dmabuf: %s", n,
				   end < 0 ? strerror(err) : "it is empty");
	}
	d->fd = fd;
	d->size = (size_t)end;
	return 0;
}

/* Kind name -> opener. Searched, not indexed, so the order need not match the enum. */
static const struct dmabuf_exporter dmabuf_exporters[] = {
	{ "memfd", DEVMEM_DMABUF_MEMFD, NULL, '\0', KEY_SIZE | KEY_STRICT | KEY_HUGETLB,
	  "size, strict, hugetlb", "memfd:size=64M", dmabuf_open_memfd },
	{ "udmabuf", DEVMEM_DMABUF_UDMABUF, NULL, '\0', KEY_SIZE | KEY_STRICT,
	  "size, strict", "udmabuf:size=64M", dmabuf_open_udmabuf },
	{ "heap", DEVMEM_DMABUF_HEAP, "heap name", ':', KEY_SIZE | KEY_STRICT,
	  "size, strict", "heap:system:size=64M", dmabuf_open_heap },
	{ "drm", DEVMEM_DMABUF_DRM, "DRM node", ':', KEY_SIZE | KEY_STRICT,
	  "size, strict", "drm:/dev/dri/card0:size=16M", dmabuf_open_drm },
	{ "fd", DEVMEM_DMABUF_FD, "fd number", ',', KEY_STRICT,
	  "strict", "fd:7", dmabuf_open_fd },
};

/* ---- spec parsing ---- */

static const struct dmabuf_exporter *find_exporter(const char *name)
{
	for (size_t i = 0; i < RTE_DIM(dmabuf_exporters); i++)
		if (strcmp(dmabuf_exporters[i].name, name) == 0)
			return &dmabuf_exporters[i];
	return NULL;
}

static int parse_bool(const struct dmabuf_exporter *e, const char *key, const char *val,
		      bool *out)
{
	if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0)
		return DEVMEM_FAIL(EINVAL, "%s: bad value '%s=%s' (accepted: 0 or 1)", e->name,
				   key, val);
	*out = val[0] == '1';
	return 0;
}

/* One "key=value"; `arg` is writable (the spec copy). */
static int parse_arg(const struct dmabuf_exporter *e, char *arg, struct dmabuf_opts *o)
{
	char *eq = strchr(arg, '=');
	unsigned int bit = 0;

	if (*arg == '\0')
		return DEVMEM_FAIL(EINVAL, "%s: empty argument (accepted keys: %s, e.g. %s)",
				   e->name, e->keys_list, e->example);
	if (eq != NULL)
		*eq = '\0';
	for (size_t i = 0; i < RTE_DIM(dmabuf_keys); i++)
		if (strcmp(dmabuf_keys[i].name, arg) == 0)
			bit = dmabuf_keys[i].bit;
	if ((bit & e->keys) == 0)
		return DEVMEM_FAIL(EINVAL, "%s: unknown key '%s' (accepted keys: %s)", e->name,
				   arg, e->keys_list);
	if (eq == NULL)
		return DEVMEM_FAIL(EINVAL, "%s: '%s' needs a value (key=value, e.g. %s)", e->name,
				   arg, e->example);
	if (o->seen & bit)
		return DEVMEM_FAIL(EINVAL, "%s: '%s' given twice", e->name, arg);
	o->seen |= bit;
	if (bit == KEY_STRICT)
		return parse_bool(e, arg, eq + 1, &o->strict);
	if (bit == KEY_HUGETLB)
		return parse_bool(e, arg, eq + 1, &o->hugetlb);
	if (devmem_parse_size(eq + 1, &o->size) < 0)
		return DEVMEM_FAIL(EINVAL, "%s: bad size '%s' (a positive number with an optional "
				   "K, M or G suffix, e.g. %s)", e->name, eq + 1, e->example);
	return 0;
}

/* Comma-separated key=value list; an empty list is fine, an empty item is not. */
static int parse_args(const struct dmabuf_exporter *e, char *args, struct dmabuf_opts *o)
{
	char *next;
	int rc;

	if (*args == '\0')
		return 0;
	for (;;) {
		next = strchr(args, ',');
		if (next != NULL)
			*next = '\0';
		rc = parse_arg(e, args, o);
		if (rc < 0 || next == NULL)
			return rc;
		args = next + 1;
	}
}

/* "heap:<name>:..." and "fd:<n>,...": cut the target off `*args`. */
static int split_target(const struct dmabuf_exporter *e, char **args, struct dmabuf_opts *o)
{
	char *target = *args;
	char *end = strchr(target, e->target_end);

	if (end != NULL) {
		*end = '\0';
		*args = end + 1;
	} else {
		*args = target + strlen(target);
	}
	if (*target == '\0')
		return DEVMEM_FAIL(EINVAL, "%s: missing %s (e.g. %s)", e->name, e->target_what,
				   e->example);
	if (strlen(target) >= sizeof(o->target))
		return DEVMEM_FAIL(EINVAL, "%s: %s longer than %d characters", e->name,
				   e->target_what, DMABUF_TARGET_MAX - 1);
	strcpy(o->target, target);
	return 0;
}

/* Size is mandatory for what we create; cap it, then round it up. */
static int finish_size(const struct dmabuf_exporter *e, struct dmabuf_opts *o)
{
	char cap[32];
	size_t align;

	if ((e->keys & KEY_SIZE) == 0)
		return 0;
	if ((o->seen & KEY_SIZE) == 0)
		return DEVMEM_FAIL(EINVAL, "%s: missing size= (e.g. %s)", e->name, e->example);
	if (o->size > DMABUF_SIZE_MAX) {
		format_size(DMABUF_SIZE_MAX, cap, sizeof(cap));
		return DEVMEM_FAIL(E2BIG, "%s: size %" PRIu64 " is larger than the %s cap",
				   e->name, o->size, cap);
	}
	/* hugetlb=1 rounds further, to the huge page size (create_memfd()). */
	align = page_size();
	o->size = (o->size + align - 1) / align * align;
	return 0;
}

static int parse_spec_copy(char *copy, const struct dmabuf_exporter **exp,
			   struct dmabuf_opts *o)
{
	char *colon = strchr(copy, ':');
	char *args;
	int rc;

	if (*copy == '\0')
		return DEVMEM_FAIL(EINVAL, "empty dmabuf spec (expected <kind>:<args>, kinds: %s; "
				   "e.g. memfd:size=64M)", DMABUF_KINDS);
	if (colon == NULL)
		return DEVMEM_FAIL(EINVAL, "dmabuf spec '%s' has no ':' (expected <kind>:<args>, "
				   "kinds: %s; e.g. memfd:size=64M)", copy, DMABUF_KINDS);
	*colon = '\0';
	*exp = find_exporter(copy);
	if (*exp == NULL)
		return DEVMEM_FAIL(EINVAL, "unknown dmabuf kind '%s' (accepted: %s)", copy,
				   DMABUF_KINDS);
	args = colon + 1;
	if ((*exp)->target_what != NULL) {
		rc = split_target(*exp, &args, o);
		if (rc < 0)
			return rc;
	}
	rc = parse_args(*exp, args, o);
	return rc < 0 ? rc : finish_size(*exp, o);
}

static int parse_spec(const char *spec, const struct dmabuf_exporter **exp,
		      struct dmabuf_opts *o)
{
	char *copy = strdup(spec);
	int rc;

	if (copy == NULL)
		return DEVMEM_FAIL(ENOMEM, "dmabuf spec: out of memory");
	memset(o, 0, sizeof(*o));
	o->strict = true;
	rc = parse_spec_copy(copy, exp, o);
	free(copy);
	return rc;
}

int devmem_dmabuf_spec_parse(const char *spec, struct devmem_dmabuf_spec *out)
{
	const struct dmabuf_exporter *exp = NULL;
	struct dmabuf_opts opts;
	int rc;

	if (spec == NULL || out == NULL)
		return DEVMEM_FAIL(EINVAL, "dmabuf spec parse: spec and result are required");
	rc = parse_spec(spec, &exp, &opts);
	if (rc < 0)
		return rc;
	RTE_BUILD_BUG_ON(sizeof(out->target) != sizeof(opts.target));
	memset(out, 0, sizeof(*out));
	out->kind = exp->kind;
	out->size = opts.size;
	out->strict = opts.strict;
	out->hugetlb = opts.hugetlb;
	memcpy(out->target, opts.target, sizeof(out->target));
	return 0;
}

/* ---- views, lifetime ---- */

static int map_device_view(struct devmem_dmabuf *d)
{
	void *p = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
	int err = errno;

	if (p == MAP_FAILED)
		return DEVMEM_FAIL(err, "%s: mmap of the device view (%zu bytes) failed: %s%s",
				   devmem_dmabuf_kind_name(d->kind), d->size, strerror(err),
				   d->hugetlb ? " (hugetlb=1 needs free huge pages)" : "");
	d->device_view = p;
	return 0;
}

static int map_host_view(struct devmem_dmabuf *d)
{
	int prot = d->strict ? PROT_NONE : PROT_READ | PROT_WRITE;
	void *p = mmap(NULL, d->size, prot, MAP_SHARED, d->fd, 0);
	int err = errno;

	if (p != MAP_FAILED) {
		d->host_view = p;
		return 0;
	}
	/*
	 * Some exporters refuse a PROT_NONE mapping. Applications only need an
	 * address range that faults, not the pages behind it.
	 */
	if (d->strict && d->kind != DEVMEM_DMABUF_MEMFD) {
		p = mmap(NULL, d->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
		if (p != MAP_FAILED) {
			DEVMEM_LOG(INFO, "%s: PROT_NONE mmap refused (%s); host view is an "
				   "anonymous reservation", devmem_dmabuf_kind_name(d->kind),
				   strerror(err));
			d->host_view = p;
			d->host_view_reserved = true;
			return 0;
		}
		err = errno;
	}
	return DEVMEM_FAIL(err, "%s: mmap of the %s host view (%zu bytes) failed: %s",
			   devmem_dmabuf_kind_name(d->kind), d->strict ? "strict" : "readable",
			   d->size, strerror(err));
}

static void describe_init(struct devmem_dmabuf *d, const struct dmabuf_opts *o)
{
	char what[DMABUF_TARGET_MAX + 40];
	char size[32];

	switch (d->kind) {
	case DEVMEM_DMABUF_MEMFD:
		snprintf(what, sizeof(what), "memfd (host memory emulation%s)",
			 d->hugetlb ? ", hugetlb" : "");
		break;
	case DEVMEM_DMABUF_FD:
		snprintf(what, sizeof(what), "fd:%s (imported)", o->target);
		break;
	case DEVMEM_DMABUF_HEAP:
	case DEVMEM_DMABUF_DRM:
		snprintf(what, sizeof(what), "%s:%s", devmem_dmabuf_kind_name(d->kind), o->target);
		break;
	default:
		snprintf(what, sizeof(what), "%s", devmem_dmabuf_kind_name(d->kind));
		break;
	}
	format_size(d->size, size, sizeof(size));
	snprintf(d->desc, sizeof(d->desc), "%s %s %s fd=%d%s", what, size,
		 d->strict ? "strict" : "readable", d->fd,
		 d->host_view_reserved ? " host-view=reserved" : "");
}

/* Safe on a half-built buffer: every field says whether it holds something. */
static void dmabuf_destroy(struct devmem_dmabuf *d)
{
	if (d->host_view != NULL)
		munmap(d->host_view, d->size);
	if (d->device_view != NULL)
		munmap(d->device_view, d->size);
	if (d->fd >= 0)
		close(d->fd);
	if (d->drm_fd >= 0) {
		if (d->drm_handle != 0)
			drm_destroy_dumb(d->drm_fd, d->drm_handle);
		close(d->drm_fd);
	}
	free(d);
}

int devmem_dmabuf_open(const char *spec, struct devmem_dmabuf **out)
{
	const struct dmabuf_exporter *exp = NULL;
	struct dmabuf_opts opts;
	struct devmem_dmabuf *d;
	int rc;

	if (out == NULL)
		return DEVMEM_FAIL(EINVAL, "dmabuf open: NULL result pointer");
	*out = NULL;
	if (spec == NULL)
		return DEVMEM_FAIL(EINVAL, "dmabuf open: NULL spec (e.g. memfd:size=64M)");
	rc = parse_spec(spec, &exp, &opts);
	if (rc < 0)
		return rc;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return DEVMEM_FAIL(ENOMEM, "%s: out of memory", exp->name);
	atomic_init(&d->refcnt, 1);
	d->kind = exp->kind;
	d->strict = opts.strict;
	d->hugetlb = opts.hugetlb;
	d->size = opts.size;
	d->fd = -1;
	d->drm_fd = -1;
	rc = exp->open(d, &opts);
	if (rc == 0)
		rc = map_device_view(d);
	if (rc == 0)
		rc = map_host_view(d);
	if (rc < 0) {
		dmabuf_destroy(d);
		return rc;
	}
	describe_init(d, &opts);
	DEVMEM_LOG(DEBUG, "opened %s", d->desc);
	*out = d;
	return 0;
}

struct devmem_dmabuf *devmem_dmabuf_get(struct devmem_dmabuf *dmabuf)
{
	if (dmabuf != NULL)
		atomic_fetch_add_explicit(&dmabuf->refcnt, 1, memory_order_relaxed);
	return dmabuf;
}

void devmem_dmabuf_put(struct devmem_dmabuf *dmabuf)
{
	uint32_t old;

	if (dmabuf == NULL)
		return;
	/* acq_rel: the freeing thread must see every other holder's writes. */
	old = atomic_fetch_sub_explicit(&dmabuf->refcnt, 1, memory_order_acq_rel);
	if (old == 1) {
		DEVMEM_LOG(DEBUG, "closing %s", dmabuf->desc);
		dmabuf_destroy(dmabuf);
	} else if (old == 0) {
		/* Already freed or never counted: leak rather than crash. */
		DEVMEM_LOG(ERR, "dmabuf put without a reference (%s)", dmabuf->desc);
	}
}

/* ---- accessors, sync ---- */

int devmem_dmabuf_fd(const struct devmem_dmabuf *dmabuf)
{
	return dmabuf != NULL ? dmabuf->fd : -EINVAL;
}

size_t devmem_dmabuf_size(const struct devmem_dmabuf *dmabuf)
{
	return dmabuf != NULL ? dmabuf->size : 0;
}

/* NULL has no kind; (enum)-1 makes kind_name() say "unknown". */
enum devmem_dmabuf_kind devmem_dmabuf_kind(const struct devmem_dmabuf *dmabuf)
{
	return dmabuf != NULL ? dmabuf->kind : (enum devmem_dmabuf_kind)-1;
}

const char *devmem_dmabuf_kind_name(enum devmem_dmabuf_kind kind)
{
	for (size_t i = 0; i < RTE_DIM(dmabuf_exporters); i++)
		if (dmabuf_exporters[i].kind == kind)
			return dmabuf_exporters[i].name;
	return "unknown";
}

bool devmem_dmabuf_is_host_memory(const struct devmem_dmabuf *dmabuf)
{
	return dmabuf != NULL && dmabuf->kind == DEVMEM_DMABUF_MEMFD;
}

bool devmem_dmabuf_is_strict(const struct devmem_dmabuf *dmabuf)
{
	return dmabuf != NULL && dmabuf->strict;
}

void *devmem_dmabuf_host_view(const struct devmem_dmabuf *dmabuf)
{
	return dmabuf != NULL ? dmabuf->host_view : NULL;
}

void *devmem_dmabuf_device_view(const struct devmem_dmabuf *dmabuf)
{
	return dmabuf != NULL ? dmabuf->device_view : NULL;
}

const char *devmem_dmabuf_describe(const struct devmem_dmabuf *dmabuf)
{
	return dmabuf != NULL ? dmabuf->desc : "(no dmabuf)";
}

static int dmabuf_sync(struct devmem_dmabuf *d, unsigned int flags, uint64_t phase,
		       const char *what)
{
	struct dma_buf_sync req = { .flags = phase };
	int err;

	if (d == NULL)
		return DEVMEM_FAIL(EINVAL, "dmabuf sync_%s: NULL dmabuf", what);
	if (flags == 0 || (flags & ~(DEVMEM_SYNC_READ | DEVMEM_SYNC_WRITE)) != 0)
		return DEVMEM_FAIL(EINVAL, "dmabuf sync_%s: bad flags 0x%x (accepted: "
				   "DEVMEM_SYNC_READ, DEVMEM_SYNC_WRITE or both)", what, flags);
	/* Ordinary RAM is coherent: there is no cache to clean or invalidate. */
	if (d->kind == DEVMEM_DMABUF_MEMFD)
		return 0;
	if (flags & DEVMEM_SYNC_READ)
		req.flags |= DMA_BUF_SYNC_READ;
	if (flags & DEVMEM_SYNC_WRITE)
		req.flags |= DMA_BUF_SYNC_WRITE;
	while (ioctl(d->fd, DMA_BUF_IOCTL_SYNC, &req) < 0) {
		err = errno;
		if (err != EINTR && err != EAGAIN)
			return DEVMEM_FAIL(err, "%s: DMA_BUF_IOCTL_SYNC %s failed: %s", d->desc,
					   what, strerror(err));
	}
	return 0;
}

int devmem_dmabuf_sync_begin(struct devmem_dmabuf *dmabuf, unsigned int flags)
{
	return dmabuf_sync(dmabuf, flags, DMA_BUF_SYNC_START, "begin");
}

int devmem_dmabuf_sync_end(struct devmem_dmabuf *dmabuf, unsigned int flags)
{
	return dmabuf_sync(dmabuf, flags, DMA_BUF_SYNC_END, "end");
}
