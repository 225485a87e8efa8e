/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cross-lcore handoff: lcore A takes buffers one by one and passes them to
 * lcore B through an SPSC ring in bursts of 32; lcore B gives each one back
 * to its pool. The time is A's, from its first get until B has returned the
 * last buffer, divided by the number of buffers.
 */
#include <stdatomic.h>

#include <rte_launch.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "bench.h"

struct handoff_run {
	struct rte_ring *ring;
	const struct bench_handoff_ops *ops;
	void *ctx;
	uint64_t total;
	_Atomic bool b_ready;
	_Atomic bool b_done;
};

static int handoff_lcore_b(void *arg)
{
	struct handoff_run *r = arg;
	void *objs[BENCH_BULK];
	uint64_t returned = 0;

	atomic_store_explicit(&r->b_ready, true, memory_order_release);
	while (returned < r->total) {
		unsigned int n = rte_ring_dequeue_burst(r->ring, objs, BENCH_BULK, NULL);

		if (n == 0) {
			rte_pause();
			continue;
		}
		r->ops->put(r->ctx, objs, n);
		returned += n;
	}
	atomic_store_explicit(&r->b_done, true, memory_order_release);
	return 0;
}

/* Lcore A: get a burst (retrying while the pool is empty) and push it all to B. */
static void handoff_send_burst(struct handoff_run *r, unsigned int want)
{
	void *objs[BENCH_BULK];
	unsigned int got = 0, sent = 0;

	while (got < want) {
		got += r->ops->get(r->ctx, &objs[got], want - got);
		if (got < want)
			rte_pause();
	}
	while (sent < got) {
		sent += rte_ring_enqueue_burst(r->ring, &objs[sent], got - sent, NULL);
		if (sent < got)
			rte_pause();
	}
}

uint64_t bench_handoff_rep(struct bench_env *env, const struct bench_handoff_ops *ops, void *ctx,
			   uint64_t total)
{
	struct handoff_run r = { .ring = env->handoff, .ops = ops, .ctx = ctx, .total = total };
	uint64_t sent, t0, t1;

	if (rte_eal_remote_launch(handoff_lcore_b, &r, env->lcore_b) != 0) {
		env->errors++;
		return 0;
	}
	while (!atomic_load_explicit(&r.b_ready, memory_order_acquire))
		rte_pause();
	t0 = bench_now_ns();
	for (sent = 0; sent < total; sent += RTE_MIN(total - sent, (uint64_t)BENCH_BULK))
		handoff_send_burst(&r, (unsigned int)RTE_MIN(total - sent, (uint64_t)BENCH_BULK));
	while (!atomic_load_explicit(&r.b_done, memory_order_acquire))
		rte_pause();
	t1 = bench_now_ns();
	rte_eal_wait_lcore(env->lcore_b);
	return t1 - t0;
}
