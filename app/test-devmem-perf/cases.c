/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark cases. Each repetition times `ops` buffers; a case reports
 * the median, min and max ns per buffer over its repetitions, after one
 * untimed warm-up repetition. Every devmem case gets a fresh pool over the
 * same binding and checks on teardown that every chunk came home.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_mempool.h>

#include "app_common.h"
#include "bench.h"

typedef uint64_t (*bench_rep_fn)(struct bench_env *env, void *state, uint64_t ops);

/* --- devmem_pool, one lcore --- */

static uint64_t rep_devmem_single(struct bench_env *env, void *state, uint64_t ops)
{
	struct devmem_pool *pool = state;
	uint64_t i, t0 = bench_now_ns();

	for (i = 0; i < ops; i++) {
		devmem_ref ref = devmem_pool_alloc(pool);

		if (unlikely(ref == 0)) {
			env->errors++;
			break;
		}
		devmem_pool_put(pool, ref);
	}
	return bench_now_ns() - t0;
}

static uint64_t rep_devmem_frag(struct bench_env *env, void *state, uint64_t ops)
{
	struct devmem_pool *pool = state;
	uint64_t i, t0 = bench_now_ns();
	uint32_t offset;

	for (i = 0; i < ops; i++) {
		devmem_ref ref = devmem_pool_alloc_frag(pool, BENCH_FRAG_SIZE, &offset);

		if (unlikely(ref == 0)) {
			env->errors++;
			break;
		}
		devmem_ref_put(ref);
	}
	return bench_now_ns() - t0;
}

static uint64_t rep_devmem_bulk(struct bench_env *env, void *state, uint64_t ops)
{
	struct devmem_pool *pool = state;
	devmem_ref refs[BENCH_BULK];
	uint64_t done, t0 = bench_now_ns();
	unsigned int n, want;

	for (done = 0; done < ops; done += want) {
		want = (unsigned int)RTE_MIN(ops - done, (uint64_t)BENCH_BULK);
		n = devmem_pool_alloc_bulk(pool, refs, want);
		if (unlikely(n != want))
			env->errors++;
		devmem_pool_put_bulk(pool, refs, n);
	}
	return bench_now_ns() - t0;
}

/* --- rte_mempool, one lcore --- */

static uint64_t rep_mempool_single(struct bench_env *env, void *state, uint64_t ops)
{
	struct rte_mempool *mp = state;
	uint64_t i, t0 = bench_now_ns();
	void *obj;

	for (i = 0; i < ops; i++) {
		if (unlikely(rte_mempool_get(mp, &obj) < 0)) {
			env->errors++;
			break;
		}
		rte_mempool_put(mp, obj);
	}
	return bench_now_ns() - t0;
}

static uint64_t rep_mempool_bulk(struct bench_env *env, void *state, uint64_t ops)
{
	struct rte_mempool *mp = state;
	void *objs[BENCH_BULK];
	uint64_t done, t0 = bench_now_ns();
	unsigned int want;

	for (done = 0; done < ops; done += want) {
		want = (unsigned int)RTE_MIN(ops - done, (uint64_t)BENCH_BULK);
		if (unlikely(rte_mempool_get_bulk(mp, objs, want) < 0)) {
			env->errors++;
			break;
		}
		rte_mempool_put_bulk(mp, objs, want);
	}
	return bench_now_ns() - t0;
}

/* --- across two lcores --- */

static unsigned int devmem_get(void *ctx, void **objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		devmem_ref ref = devmem_pool_alloc(ctx);

		if (unlikely(ref == 0))
			break;
		objs[i] = (void *)ref;
	}
	return i;
}

static void devmem_put(void *ctx, void *const *objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		devmem_pool_put(ctx, (devmem_ref)objs[i]);
}

static unsigned int mempool_get(void *ctx, void **objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (unlikely(rte_mempool_get(ctx, &objs[i]) < 0))
			break;
	return i;
}

static void mempool_put(void *ctx, void *const *objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		rte_mempool_put(ctx, objs[i]);
}

static const struct bench_handoff_ops devmem_handoff = { .get = devmem_get, .put = devmem_put };
static const struct bench_handoff_ops mempool_handoff = { .get = mempool_get, .put = mempool_put };

static uint64_t rep_devmem_cross(struct bench_env *env, void *state, uint64_t ops)
{
	return bench_handoff_rep(env, &devmem_handoff, state, ops);
}

static uint64_t rep_mempool_cross(struct bench_env *env, void *state, uint64_t ops)
{
	return bench_handoff_rep(env, &mempool_handoff, state, ops);
}

/* --- driver --- */

static void run_case(struct bench_env *env, const struct bench_config *cfg, struct bench_case *c,
		     bench_rep_fn rep, void *state)
{
	double *samples = calloc(cfg->reps, sizeof(*samples));
	unsigned int i;

	if (samples == NULL) {
		env->errors++;
		return;
	}
	rep(env, state, cfg->ops); /* warm-up: caches, rings and TLBs in steady state */
	for (i = 0; i < cfg->reps && !app_stop_requested(); i++)
		samples[i] = (double)rep(env, state, cfg->ops) / (double)cfg->ops;
	if (i == cfg->reps) {
		bench_stats_compute(samples, cfg->reps, &c->ns);
		c->ran = true;
	}
	free(samples);
}

static struct devmem_pool *pool_create(struct bench_env *env, const char *name)
{
	struct devmem_pool_params pp = { .ops = &devmem_dmabuf_provider_ops,
					 .provider_priv = env->binding, .port_id = UINT16_MAX,
					 .name = name };
	struct devmem_pool *pool = NULL;

	if (devmem_pool_create(&pp, &pool) < 0)
		env->errors++;
	return pool;
}

/* Destroy, then every chunk must be back on the binding's free list. */
static void pool_destroy_checked(struct bench_env *env, struct devmem_pool *pool)
{
	struct devmem_pool_stats st;
	uint32_t missing;

	devmem_pool_get_stats(pool, &st);
	env->ring_full += st.recycle_ring_full;
	devmem_pool_destroy(pool);
	missing = env->nr_chunks - devmem_binding_nr_free(env->binding);
	if (missing != 0 || devmem_pool_count_zombies() != 0) {
		fprintf(stderr, "bench: %u chunks missing, %u zombie pools after a case\n", missing,
			devmem_pool_count_zombies());
		env->errors++;
	}
}

static void run_devmem_case(struct bench_env *env, const struct bench_config *cfg,
			    struct bench_case *c, bench_rep_fn rep)
{
	struct devmem_pool *pool = pool_create(env, "bench_pool");

	if (pool == NULL)
		return;
	run_case(env, cfg, c, rep, pool);
	pool_destroy_checked(env, pool);
}

static const struct {
	char id;
	const char *name;
	bool devmem;
	bool cross;
	bench_rep_fn rep;
} case_table[CASE_COUNT] = {
	[CASE_DEVMEM_SINGLE] = { 'a', "devmem_pool alloc + put, same lcore", true, false,
				 rep_devmem_single },
	[CASE_DEVMEM_FRAG] = { 'b', "devmem_pool alloc_frag(1448) + ref_put, same lcore", true,
			       false, rep_devmem_frag },
	[CASE_DEVMEM_CROSS] = { 'c', "devmem_pool alloc on A, put on B (MPSC ring)", true, true,
				rep_devmem_cross },
	[CASE_MEMPOOL_SINGLE] = { 'd', "rte_mempool get + put, same lcore", false, false,
				  rep_mempool_single },
	[CASE_MEMPOOL_CROSS] = { 'e', "rte_mempool get on A, put on B", false, true,
				 rep_mempool_cross },
	[CASE_DEVMEM_BULK] = { 'f', "devmem_pool alloc_bulk + put_bulk (32), same lcore", true,
			       false, rep_devmem_bulk },
	[CASE_MEMPOOL_BULK] = { 'g', "rte_mempool get_bulk + put_bulk (32), same lcore", false,
				false, rep_mempool_bulk },
};

void bench_run_all(struct bench_env *env, const struct bench_config *cfg, struct bench_case *cases)
{
	unsigned int i;

	for (i = 0; i < CASE_COUNT; i++) {
		cases[i].id = case_table[i].id;
		cases[i].name = case_table[i].name;
		cases[i].ran = false;
	}
	for (i = 0; i < CASE_COUNT && !app_stop_requested(); i++) {
		if (case_table[i].cross && !env->two_lcores)
			continue;
		if (!cfg->json)
			fprintf(stderr, "bench: running %c) %s\n", cases[i].id, cases[i].name);
		if (case_table[i].devmem)
			run_devmem_case(env, cfg, &cases[i], case_table[i].rep);
		else
			run_case(env, cfg, &cases[i], case_table[i].rep, env->mp);
	}
}
