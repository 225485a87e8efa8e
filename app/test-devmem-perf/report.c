/* SPDX-License-Identifier: BSD-3-Clause */
/* The benchmark's output: the machine, a table of ns per buffer, the ratios. */
#include <inttypes.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "app_common.h"
#include "bench.h"

/* devmem_pool case / rte_mempool case, compared by medians. */
static const struct {
	const char *label;
	const char *key;
	enum bench_case_id devmem;
	enum bench_case_id mempool;
	double target;     /* issue 14: at most this ratio; 0 = no target */
} ratios[] = {
	{ "one buffer, same lcore", "same_lcore", CASE_DEVMEM_SINGLE, CASE_MEMPOOL_SINGLE, 0 },
	{ "bulk of 32, same lcore", "bulk32", CASE_DEVMEM_BULK, CASE_MEMPOOL_BULK, 1.5 },
	{ "A gets, B puts, across lcores", "cross_lcore", CASE_DEVMEM_CROSS, CASE_MEMPOOL_CROSS,
	  2.0 },
};

static bool ratio_value(const struct bench_case *cases, unsigned int i, double *out)
{
	const struct bench_case *d = &cases[ratios[i].devmem], *m = &cases[ratios[i].mempool];

	if (!d->ran || !m->ran || m->ns.median <= 0)
		return false;
	*out = d->ns.median / m->ns.median;
	return true;
}

void bench_report_table(const struct bench_env *env, const struct bench_config *cfg,
			const struct bench_case *cases)
{
	struct app_machine m;
	unsigned int i;
	double r;

	app_machine_read(&m);
	printf("hsplit-devmem-bench: %u repetitions of %" PRIu64 " buffers, ns per buffer\n",
	       cfg->reps, cfg->ops);
	printf("machine: %s, %ld cores online, %s, %s, hugepages %s\n", m.cpu, m.cores, m.kernel,
	       m.dpdk, m.hugepages ? "yes" : "no (--no-huge)");
	if (env->two_lcores)
		printf("lcores: A = lcore %u on cpu %u, B = lcore %u on cpu %u\n", env->lcore_a,
		       rte_lcore_to_cpu_id((int)env->lcore_a), env->lcore_b,
		       rte_lcore_to_cpu_id((int)env->lcore_b));
	printf("pools: %u buffers each; devmem_pool cache %u (refill %u, ring %u), "
	       "rte_mempool cache %u\n\n", env->nr_chunks, DEVMEM_POOL_CACHE_DEFAULT,
	       DEVMEM_POOL_REFILL_DEFAULT, DEVMEM_POOL_RING_DEFAULT, BENCH_MEMPOOL_CACHE);
	printf("%-58s %8s %8s %8s\n", "case", "median", "min", "max");
	for (i = 0; i < CASE_COUNT; i++) {
		if (cases[i].ran)
			printf("%c) %-55s %8.2f %8.2f %8.2f\n", cases[i].id, cases[i].name,
			       cases[i].ns.median, cases[i].ns.min, cases[i].ns.max);
		else
			printf("%c) %-55s %8s\n", cases[i].id, cases[i].name, "not run");
	}
	printf("\nratio devmem_pool / rte_mempool (medians; > 1 means devmem_pool is slower)\n");
	for (i = 0; i < RTE_DIM(ratios); i++)
		if (ratio_value(cases, i, &r))
			printf("  %-32s %c/%c  %5.2f\n", ratios[i].label, cases[ratios[i].devmem].id,
			       cases[ratios[i].mempool].id, r);
	printf("\ntargets (issue 14, ratio of medians in this run)\n");
	for (i = 0; i < RTE_DIM(ratios); i++) {
		if (ratios[i].target <= 0)
			continue;
		if (ratio_value(cases, i, &r))
			printf("  %-32s %c/%c <= %.2f  %5.2f  %s\n", ratios[i].label,
			       cases[ratios[i].devmem].id, cases[ratios[i].mempool].id,
			       ratios[i].target, r, r <= ratios[i].target ? "met" : "not met");
		else
			printf("  %-32s %c/%c <= %.2f  not run\n", ratios[i].label,
			       cases[ratios[i].devmem].id, cases[ratios[i].mempool].id,
			       ratios[i].target);
	}
	if (env->ring_full)
		printf("\nnote: %" PRIu64 " remote returns found the pool's ring full and went to "
		       "the provider\n", env->ring_full);
}

static void json_machine(const struct bench_env *env)
{
	app_json_machine_open();
	if (env->two_lcores)
		printf(",\"cpu_a\":%u,\"cpu_b\":%u", rte_lcore_to_cpu_id((int)env->lcore_a),
		       rte_lcore_to_cpu_id((int)env->lcore_b));
	printf("},");
}

void bench_report_json(const struct bench_env *env, const struct bench_config *cfg,
		       const struct bench_case *cases)
{
	unsigned int i;
	bool first = true;
	double r;

	printf("{");
	json_machine(env);
	printf("\"reps\":%u,\"ops\":%" PRIu64 ",\"buffers\":%u,\"unit\":\"ns per buffer\",",
	       cfg->reps, cfg->ops, env->nr_chunks);
	printf("\"cases\":[");
	for (i = 0; i < CASE_COUNT; i++) {
		if (!cases[i].ran)
			continue;
		printf("%s{\"id\":\"%c\",\"name\":", first ? "" : ",", cases[i].id);
		app_json_string(cases[i].name);
		printf(",\"median\":%.3f,\"min\":%.3f,\"max\":%.3f}", cases[i].ns.median,
		       cases[i].ns.min, cases[i].ns.max);
		first = false;
	}
	printf("],\"ratios\":{");
	first = true;
	for (i = 0; i < RTE_DIM(ratios); i++) {
		if (!ratio_value(cases, i, &r))
			continue;
		printf("%s\"%s\":%.3f", first ? "" : ",", ratios[i].key, r);
		first = false;
	}
	printf("},\"targets\":{");
	first = true;
	for (i = 0; i < RTE_DIM(ratios); i++) {
		if (ratios[i].target <= 0 || !ratio_value(cases, i, &r))
			continue;
		printf("%s\"%s\":{\"max\":%.2f,\"met\":%s}", first ? "" : ",", ratios[i].key,
		       ratios[i].target, r <= ratios[i].target ? "true" : "false");
		first = false;
	}
	printf("},\"remote_ring_full\":%" PRIu64 ",\"errors\":%u}\n", env->ring_full, env->errors);
}
