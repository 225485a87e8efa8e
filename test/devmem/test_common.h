/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the cmocka unit tests. */
#ifndef HSPLIT_TEST_COMMON_H
#define HSPLIT_TEST_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_lcore.h>

#include "devmem_private.h"

/* TAP wants diagnostics behind '#'. */
#define TEST_NOTE(fmt, ...) print_message("# " fmt "\n", ##__VA_ARGS__)

/* EAL without hugepages, so the suite also runs under AddressSanitizer. */
static inline int test_eal_init(const char *name)
{
	char prefix[64];
	char *argv[] = { (char *)name, "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			 "-l", "0-1", "--log-level=lib.devmem:info", "--file-prefix", prefix };

	snprintf(prefix, sizeof(prefix), "%s_%d", name, (int)getpid());
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv);
}

struct test_rig {
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;
	struct devmem_pool *pool;
};

/* A strict memfd dmabuf of `size` bytes, bound with `chunk`-byte chunks, and a pool over it. */
static inline void test_rig_up(struct test_rig *rig, const char *spec, uint32_t chunk,
			       const struct devmem_pool_params *pp)
{
	struct devmem_binding_params bp = { .chunk_size = chunk };
	struct devmem_pool_params p = { 0 };

	if (pp)
		p = *pp;
	p.ops = &devmem_dmabuf_provider_ops;
	assert_int_equal(devmem_dmabuf_open(spec, &rig->dmabuf), 0);
	assert_int_equal(devmem_binding_create(rig->dmabuf, &bp, &rig->binding), 0);
	p.provider_priv = rig->binding;
	assert_int_equal(devmem_pool_create(&p, &rig->pool), 0);
}

static inline void test_rig_down(struct test_rig *rig)
{
	devmem_pool_destroy(rig->pool);
	devmem_binding_unbind(rig->binding);
	devmem_dmabuf_put(rig->dmabuf);
	assert_int_equal(devmem_binding_count_live(), 0);
	assert_int_equal(devmem_pool_count_zombies(), 0);
}

/* free + cached + ring + in flight == total: every chunk is somewhere, once. */
static inline void assert_accounting(const struct test_rig *rig)
{
	struct devmem_pool_stats st;

	devmem_pool_get_stats(rig->pool, &st);
	assert_int_equal(devmem_binding_nr_free(rig->binding) + st.cached + st.ring + st.in_flight,
			 devmem_binding_nr_chunks(rig->binding));
}

#endif
