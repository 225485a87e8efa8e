/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: lib/devmem's dmabuf spec grammar ("memfd:size=64M,strict=1",
 * "udmabuf:size=..", "heap:<name>:..", "drm:<node>:..", "fd:<n>,..").
 *
 * The parse step runs alone (devmem_dmabuf_spec_parse: no fd, mapping or
 * memory), so a fuzzed spec cannot open random fds, device nodes or heaps,
 * nor allocate huge buffers. Only a memfd spec the parser accepted with a
 * size of at most 1 MiB is also opened through devmem_dmabuf_open(), which
 * must then agree with the parse (kind, size, strict) and release everything.
 *
 * Oracles: ASan/UBSan; the result is 0, -EINVAL or -E2BIG; an accepted spec
 * has a kind from the grammar, a page-rounded size from 1 byte to the 64 GiB
 * cap for every kind but fd:, a target only for heap:, drm: and fd:
 * (a decimal fd number for fd:), and parses the same way twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_log.h>

#include "devmem.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_dmabuf_spec: " \
	__VA_ARGS__); fputc('\n', stderr); abort(); } } while (0)

#define OPEN_MAX_BYTES (1u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	rte_log_set_global_level(RTE_LOG_EMERG);
	return 0;
}

static void check_accepted(const char *s, const struct devmem_dmabuf_spec *sp)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	bool has_target = sp->kind == DEVMEM_DMABUF_HEAP || sp->kind == DEVMEM_DMABUF_DRM ||
			  sp->kind == DEVMEM_DMABUF_FD;

	FZ_CHECK(sp->kind <= DEVMEM_DMABUF_FD, "'%s': kind %d", s, (int)sp->kind);
	FZ_CHECK(memchr(sp->target, '\0', sizeof(sp->target)) != NULL, "'%s': target unterminated",
		 s);
	FZ_CHECK(has_target == (sp->target[0] != '\0'), "'%s': kind %s with target '%s'", s,
		 devmem_dmabuf_kind_name(sp->kind), sp->target);
	if (sp->kind == DEVMEM_DMABUF_FD) {
		FZ_CHECK(sp->size == 0, "'%s': fd: with a size", s);
		FZ_CHECK(!sp->hugetlb, "'%s': fd: with hugetlb", s);
	} else {
		FZ_CHECK(sp->size >= page && sp->size <= ((uint64_t)64 << 30) &&
			 sp->size % page == 0, "'%s': size %llu", s, (unsigned long long)sp->size);
	}
	FZ_CHECK(!sp->hugetlb || sp->kind == DEVMEM_DMABUF_MEMFD, "'%s': hugetlb on %s", s,
		 devmem_dmabuf_kind_name(sp->kind));
}

/* A small memfd the parser accepted: open it for real, it must match the parse. */
static void open_small_memfd(const char *s, const struct devmem_dmabuf_spec *sp)
{
	struct devmem_dmabuf *d = NULL;
	int ret;

	if (sp->kind != DEVMEM_DMABUF_MEMFD || sp->hugetlb || sp->size > OPEN_MAX_BYTES)
		return;
	ret = devmem_dmabuf_open(s, &d);
	FZ_CHECK(ret == 0 && d != NULL, "'%s': parsed, but open failed: %d", s, ret);
	FZ_CHECK(devmem_dmabuf_size(d) == sp->size && devmem_dmabuf_is_strict(d) == sp->strict &&
		 devmem_dmabuf_kind(d) == sp->kind, "'%s': opened as %s", s,
		 devmem_dmabuf_describe(d));
	devmem_dmabuf_put(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct devmem_dmabuf_spec sp, again;
	char *s;
	int ret;

	if (size > 1024)
		return 0;
	s = malloc(size + 1);
	FZ_CHECK(s != NULL, "malloc");
	memcpy(s, data, size);
	s[size] = '\0';
	ret = devmem_dmabuf_spec_parse(s, &sp);
	FZ_CHECK(ret == 0 || ret == -EINVAL || ret == -E2BIG, "'%s': returned %d", s, ret);
	FZ_CHECK(devmem_dmabuf_spec_parse(s, &again) == ret, "'%s': two answers", s);
	if (ret == 0) {
		FZ_CHECK(memcmp(&sp, &again, sizeof(sp)) == 0, "'%s': two results", s);
		check_accepted(s, &sp);
		open_small_memfd(s, &sp);
	}
	free(s);
	return 0;
}
