/* SPDX-License-Identifier: BSD-3-Clause */
/* What the benchmark cases share: the binding, the mempool, the handoff ring, the clock. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void bench_stats_compute(double *samples, unsigned int n, struct bench_stats *out)
{
	qsort(samples, n, sizeof(*samples), compare_double);
	out->min = samples[0];
	out->max = samples[n - 1];
	out->median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

static int env_open_binding(struct bench_env *env)
{
	struct devmem_binding_params bp = { .chunk_size = BENCH_CHUNK_SIZE };
	int ret;

	ret = devmem_dmabuf_open(BENCH_SPEC, &env->dmabuf);
	if (ret == 0)
		ret = devmem_binding_create(env->dmabuf, &bp, &env->binding);
	if (ret == 0)
		env->nr_chunks = devmem_binding_nr_chunks(env->binding);
	return ret;
}

static void env_pick_lcores(struct bench_env *env)
{
	env->lcore_a = rte_get_main_lcore();
	env->lcore_b = rte_get_next_lcore(-1, 1, 0);
	env->two_lcores = env->lcore_b < RTE_MAX_LCORE;
}

int bench_env_setup(struct bench_env *env)
{
	int ret = env_open_binding(env);

	if (ret < 0) {
		fprintf(stderr, "bench: cannot bind %s: %s\n", BENCH_SPEC, strerror(-ret));
		return ret;
	}
	env->mp = rte_mempool_create("bench_mempool", env->nr_chunks, BENCH_CHUNK_SIZE,
				     BENCH_MEMPOOL_CACHE, 0, NULL, NULL, NULL, NULL,
				     (int)rte_socket_id(), 0);
	if (env->mp == NULL) {
		fprintf(stderr, "bench: rte_mempool_create: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	env->handoff = rte_ring_create("bench_handoff", BENCH_HANDOFF_RING, (int)rte_socket_id(),
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (env->handoff == NULL) {
		fprintf(stderr, "bench: rte_ring_create: %s\n", rte_strerror(rte_errno));
		return -rte_errno;
	}
	env_pick_lcores(env);
	return 0;
}

void bench_env_teardown(struct bench_env *env)
{
	rte_ring_free(env->handoff);
	rte_mempool_free(env->mp);
	devmem_binding_unbind(env->binding);
	devmem_dmabuf_put(env->dmabuf);
}
