/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsplit-devmem-bench: ns per buffer of devmem_pool against rte_mempool,
 * on one lcore and across two lcores.
 */
#ifndef HSPLIT_DEVMEM_BENCH_H
#define HSPLIT_DEVMEM_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "devmem_driver.h"

#define BENCH_DEFAULT_REPS  9u
#define BENCH_DEFAULT_OPS   2000000u
#define BENCH_SPEC          "memfd:size=32M" /* 8192 chunks of 4 KiB */
#define BENCH_CHUNK_SIZE    4096u
#define BENCH_BULK          32u   /* bulk size and handoff burst */
#define BENCH_HANDOFF_RING  1024u /* SPSC ring between lcore A and lcore B */
#define BENCH_MEMPOOL_CACHE 256u
#define BENCH_FRAG_SIZE     1448u /* one TCP MSS of payload */

struct rte_mempool;
struct rte_ring;

struct bench_config {
	unsigned int reps;
	uint64_t ops;
	bool json;
};

/* What every case runs against. */
struct bench_env {
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;
	uint32_t nr_chunks;
	struct rte_mempool *mp;      /* same element count as the binding */
	struct rte_ring *handoff;    /* lcore A -> lcore B, SP/SC */
	unsigned int lcore_a;        /* the main lcore */
	unsigned int lcore_b;        /* first worker, if any */
	bool two_lcores;
	uint64_t ring_full;          /* devmem remote returns that overflowed the pool's ring */
	unsigned int errors;         /* failed allocations, leaks after a case */
};

struct bench_stats {
	double median;
	double min;
	double max;
};

struct bench_case {
	char id;
	const char *name;
	bool ran;
	struct bench_stats ns;     /* per buffer */
};

enum bench_case_id {
	CASE_DEVMEM_SINGLE,   /* a */
	CASE_DEVMEM_FRAG,     /* b */
	CASE_DEVMEM_CROSS,    /* c */
	CASE_MEMPOOL_SINGLE,  /* d */
	CASE_MEMPOOL_CROSS,   /* e */
	CASE_DEVMEM_BULK,     /* f */
	CASE_MEMPOOL_BULK,    /* g */
	CASE_COUNT,
};


/* env.c: clock and statistics */
uint64_t bench_now_ns(void);
void bench_stats_compute(double *samples, unsigned int n, struct bench_stats *out);

/* env.c: the dmabuf, binding, mempool and handoff ring every case uses */
int bench_env_setup(struct bench_env *env);
void bench_env_teardown(struct bench_env *env);

/* cases.c: run every case; fills cases[CASE_COUNT]. */
void bench_run_all(struct bench_env *env, const struct bench_config *cfg,
		   struct bench_case *cases);

/* handoff.c: lcore A gets buffers, lcore B returns them; ns for `total` buffers. */
struct bench_handoff_ops {
	/* Lcore A: take up to n buffers, return how many were taken. */
	unsigned int (*get)(void *ctx, void **objs, unsigned int n);
	/* Lcore B: give n buffers back. */
	void (*put)(void *ctx, void *const *objs, unsigned int n);
};
uint64_t bench_handoff_rep(struct bench_env *env, const struct bench_handoff_ops *ops, void *ctx,
			   uint64_t total);

/* report.c */
void bench_report_table(const struct bench_env *env, const struct bench_config *cfg,
			const struct bench_case *cases);
void bench_report_json(const struct bench_env *env, const struct bench_config *cfg,
		       const struct bench_case *cases);

#endif /* HSPLIT_DEVMEM_BENCH_H */
