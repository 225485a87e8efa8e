/* SPDX-License-Identifier: BSD-3-Clause */
/* devmem_pool: accounting, exhaustion, remote returns, fragments, teardown. */
#include <pthread.h>
#include <stdlib.h>

#include <rte_launch.h>
#include <rte_ring.h>

#include "test_common.h"

#define SPEC_1M "memfd:size=1M"  /* 256 chunks of 4 KiB */

static void test_defaults_and_geometry(void **state)
{
	struct test_rig rig;
	struct devmem_provider_info info;
	devmem_ref ref;

	(void)state;
	test_rig_up(&rig, SPEC_1M, 0, NULL);
	assert_int_equal(devmem_binding_chunk_size(rig.binding), 4096);
	assert_int_equal(devmem_binding_nr_chunks(rig.binding), 256);
	assert_true(devmem_binding_id(rig.binding) >= 1);
	assert_int_equal(devmem_pool_provider_info(rig.pool, &info), 0);
	assert_string_equal(info.kind, "dmabuf");
	assert_int_equal(info.binding_id, devmem_binding_id(rig.binding));

	ref = devmem_pool_alloc(rig.pool);
	assert_true(devmem_ref_is_device(ref));
	assert_null(devmem_ref_host_addr(ref)); /* unreadable */
	assert_int_equal(devmem_ref_binding_id(ref), devmem_binding_id(rig.binding));
	/* The first chunk handed out is at offset 0; offset = area base + idx * chunk. */
	assert_int_equal(devmem_ref_offset(ref), 0);
	assert_ptr_equal(devmem_ref_pool(ref), rig.pool);
	devmem_pool_put(rig.pool, ref);
	test_rig_down(&rig);
}

static void test_areas_cover_the_dmabuf(void **state)
{
	struct devmem_binding_params bp = { .chunk_size = 8192, .area_size = 64 * 1024 };
	struct devmem_dmabuf *d;
	struct devmem_binding *b;
	uint8_t seen[128] = { 0 };
	uint32_t i;

	(void)state;
	assert_int_equal(devmem_dmabuf_open(SPEC_1M, &d), 0);
	assert_int_equal(devmem_binding_create(d, &bp, &b), 0);
	assert_int_equal(devmem_binding_nr_areas(b), 16);
	for (i = 0; i < b->nr_areas; i++) {
		struct devmem_area *a = &b->areas[i];
		uint32_t k;

		assert_int_equal(a->base_offset, (uint64_t)i * 64 * 1024);
		for (k = 0; k < a->nr_iovs; k++) {
			uint64_t off = devmem_iov_offset(&a->iovs[k]);

			assert_int_equal(off, a->base_offset + (uint64_t)k * 8192);
			seen[off / 8192]++;
		}
	}
	for (i = 0; i < 128; i++)
		assert_int_equal(seen[i], 1);
	devmem_binding_unbind(b);
	devmem_dmabuf_put(d);
}

static void test_binding_rejects_bad_geometry(void **state)
{
	struct devmem_binding_params bad[] = {
		{ .chunk_size = 3000 }, { .chunk_size = 2048 }, { .chunk_size = 4u << 20 },
		{ .chunk_size = 4096, .area_size = 6000 },
	};
	struct devmem_dmabuf *d;
	struct devmem_binding *b = (void *)1;
	unsigned int i;

	(void)state;
	assert_int_equal(devmem_dmabuf_open("memfd:size=64K", &d), 0);
	for (i = 0; i < RTE_DIM(bad); i++) {
		assert_int_equal(devmem_binding_create(d, &bad[i], &b), -EINVAL);
		assert_null(b);
	}
	bad[0].chunk_size = 128 * 1024; /* bigger than the dmabuf */
	assert_int_equal(devmem_binding_create(d, &bad[0], &b), -EINVAL);
	assert_int_equal(devmem_binding_create(NULL, NULL, &b), -EINVAL);
	devmem_dmabuf_put(d);
	assert_int_equal(devmem_binding_count_live(), 0);
}

static void test_pool_rejects_bad_params(void **state)
{
	struct devmem_pool_params bad[] = {
		{ .ring_size = 1000 }, { .cache_size = 2048 }, { .cache_size = 16, .refill = 32 },
		{ .frag_align = 48 }, { .frag_align = 8192 },
	};
	struct test_rig rig;
	struct devmem_pool *p = (void *)1;
	unsigned int i;

	(void)state;
	test_rig_up(&rig, SPEC_1M, 0, NULL);
	for (i = 0; i < RTE_DIM(bad); i++) {
		bad[i].ops = &devmem_dmabuf_provider_ops;
		bad[i].provider_priv = rig.binding;
		assert_int_equal(devmem_pool_create(&bad[i], &p), -EINVAL);
		assert_null(p);
	}
	assert_int_equal(devmem_pool_create(NULL, &p), -EINVAL);
	test_rig_down(&rig);
}

/* Random operation sequences; the invariant must hold after every step. */
static void test_accounting_invariant(void **state)
{
	struct devmem_pool_params pp = { .cache_size = 32, .refill = 16, .ring_size = 64 };
	devmem_ref held[256];
	unsigned int nheld = 0, step;
	struct test_rig rig;

	(void)state;
	srand(12345);
	test_rig_up(&rig, SPEC_1M, 0, &pp);
	for (step = 0; step < 20000; step++) {
		int op = rand() % 6;
		uint32_t off;

		if (op == 0 && nheld < RTE_DIM(held)) {
			devmem_ref r = devmem_pool_alloc(rig.pool);

			if (r)
				held[nheld++] = r;
		} else if (op == 1 && nheld + 8 <= RTE_DIM(held)) {
			nheld += devmem_pool_alloc_bulk(rig.pool, &held[nheld], 8);
		} else if (op == 2 && nheld) {
			unsigned int i = rand() % nheld;

			devmem_ref_put(held[i]);
			held[i] = held[--nheld];
		} else if (op == 3 && nheld < RTE_DIM(held)) {
			devmem_ref r = devmem_pool_alloc_frag(rig.pool, 1 + rand() % 3000, &off);

			if (r)
				held[nheld++] = r;
		} else if (op == 4) {
			devmem_pool_frag_flush(rig.pool);
		} else if (op == 5 && nheld >= 4) {
			devmem_pool_put_bulk(rig.pool, &held[nheld - 4], 4);
			nheld -= 4;
		}
		assert_accounting(&rig);
	}
	while (nheld)
		devmem_ref_put(held[--nheld]);
	devmem_pool_frag_flush(rig.pool);
	assert_accounting(&rig);
	test_rig_down(&rig);
}

static void test_exhaustion_and_recovery(void **state)
{
	devmem_ref refs[300];
	struct devmem_pool_stats st;
	struct test_rig rig;
	unsigned int n;

	(void)state;
	test_rig_up(&rig, SPEC_1M, 0, NULL);
	n = devmem_pool_alloc_bulk(rig.pool, refs, RTE_DIM(refs));
	assert_int_equal(n, 256); /* every chunk, and no more */
	assert_int_equal(devmem_pool_alloc(rig.pool), 0);
	devmem_pool_get_stats(rig.pool, &st);
	assert_true(st.alloc_empty >= 2);
	assert_int_equal(st.in_flight, 256);
	assert_int_equal(devmem_binding_nr_free(rig.binding), 0);
	assert_accounting(&rig);

	devmem_pool_put_bulk(rig.pool, refs, n);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 0);
	assert_accounting(&rig);
	/* Recovered: everything can be allocated again. */
	n = devmem_pool_alloc_bulk(rig.pool, refs, 256);
	assert_int_equal(n, 256);
	devmem_pool_put_bulk(rig.pool, refs, n);
	test_rig_down(&rig);
}

static void test_cache_overflow_goes_to_ring_then_provider(void **state)
{
	struct devmem_pool_params pp = { .cache_size = 8, .refill = 4, .ring_size = 16 };
	devmem_ref refs[64];
	struct devmem_pool_stats st;
	struct test_rig rig;

	(void)state;
	test_rig_up(&rig, SPEC_1M, 0, &pp);
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 64), 64);
	devmem_pool_put_bulk(rig.pool, refs, 64);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.cached, 8);
	assert_int_equal(st.ring, 16);
	assert_int_equal(st.recycle_cached, 8);
	assert_int_equal(st.recycle_ring, 16);
	assert_int_equal(st.recycle_ring_full, 40);
	assert_int_equal(st.in_flight, 0);
	assert_accounting(&rig);
	test_rig_down(&rig);
}

/* --- remote returns from other lcores --- */

struct remote_ctx {
	struct rte_ring *handoff;
	struct devmem_pool *pool;
	volatile bool done;
	unsigned long returned;
};

static int remote_returner(void *arg)
{
	struct remote_ctx *c = arg;
	devmem_ref refs[32];

	for (;;) {
		unsigned int n = rte_ring_dequeue_burst(c->handoff, (void **)refs, 32, NULL);

		if (n == 0 && c->done && rte_ring_empty(c->handoff)) {
			/* This lcore stays alive: its buffered returns go home now. */
			devmem_pool_flush_returns();
			return 0;
		}
		for (unsigned int i = 0; i < n; i++)
			devmem_ref_put(refs[i]);
		__atomic_fetch_add(&c->returned, n, __ATOMIC_RELAXED);
	}
}

static void *remote_pthread(void *arg)
{
	remote_returner(arg);
	return NULL;
}

static void test_remote_returns_under_contention(void **state)
{
	struct devmem_pool_params pp = { .ring_size = 256 };
	struct devmem_pool_stats st;
	struct remote_ctx ctx = { 0 };
	struct test_rig rig;
	unsigned long sent = 0;
	pthread_t extra;

	(void)state;
	test_rig_up(&rig, "memfd:size=4M", 0, &pp);
	ctx.pool = rig.pool;
	ctx.handoff = rte_ring_create("remote_handoff", 1024, SOCKET_ID_ANY, 0);
	assert_non_null(ctx.handoff);
	/* An EAL worker lcore and a plain thread return at the same time. */
	assert_int_equal(rte_eal_remote_launch(remote_returner, &ctx, rte_get_next_lcore(-1, 1, 0)), 0);
	assert_int_equal(pthread_create(&extra, NULL, remote_pthread, &ctx), 0);
	while (sent < 500000) {
		devmem_ref r = devmem_pool_alloc(rig.pool);

		if (!r)
			continue; /* everything is out: wait for the returners */
		while (rte_ring_enqueue(ctx.handoff, (void *)r))
			;
		sent++;
	}
	ctx.done = true;
	rte_eal_mp_wait_lcore();
	pthread_join(extra, NULL);
	rte_ring_free(ctx.handoff);

	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(ctx.returned, sent);
	assert_int_equal(st.in_flight, 0);
	assert_int_equal(st.recycle_cached, 0); /* no return came from the owner */
	assert_true(st.recycle_ring > 0);
	assert_int_equal(st.recycle_ring + st.recycle_ring_full, sent);
	assert_int_equal(st.alloc_fast + st.alloc_slow, sent);
	assert_accounting(&rig);
	TEST_NOTE("remote: %lu returns, %lu through the ring, %lu to the provider", sent,
		  (unsigned long)st.recycle_ring, (unsigned long)st.recycle_ring_full);
	test_rig_down(&rig);
}

/* --- bulk fast path --- */

static void test_bulk_moves_a_burst_through_the_cache(void **state)
{
	struct devmem_pool_params pp = { .cache_size = 64, .refill = 32 };
	struct devmem_pool_stats st;
	devmem_ref refs[40], again[40];
	struct test_rig rig, other;
	unsigned int i;

	(void)state;
	test_rig_up(&rig, SPEC_1M, 0, &pp);
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 40), 40);
	for (i = 0; i < 40; i++)
		assert_int_equal(rte_mbuf_ext_refcnt_read(&devmem_ref_iov(refs[i])->shinfo), 1);
	devmem_pool_put_bulk(rig.pool, refs, 40);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.cached, 40);
	assert_int_equal(st.recycle_cached, 40);
	assert_int_equal(st.in_flight, 0);
	/* A free chunk keeps the pool's reference (page_pool's convention). */
	for (i = 0; i < 40; i++)
		assert_int_equal(rte_mbuf_ext_refcnt_read(&devmem_ref_iov(refs[i])->shinfo), 1);
	/* A cache hit hands the same chunks back, all of them, with one reference each. */
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, again, 40), 40);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.alloc_fast, 40);
	assert_int_equal(st.cached, 0);
	for (i = 0; i < 40; i++)
		assert_int_equal(rte_mbuf_ext_refcnt_read(&devmem_ref_iov(again[i])->shinfo), 1);

	/* A chunk with a second holder stays out; a foreign chunk is refused and left alone. */
	test_rig_up(&other, "memfd:size=64K", 0, NULL);
	devmem_ref_get(again[0]);
	refs[0] = devmem_pool_alloc(other.pool);
	devmem_pool_put_bulk(rig.pool, again, 40);
	devmem_pool_put_bulk(rig.pool, refs, 1);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.cached, 39);
	assert_int_equal(st.in_flight, 1);
	assert_int_equal(rte_mbuf_ext_refcnt_read(&devmem_ref_iov(refs[0])->shinfo), 1);
	devmem_ref_put(again[0]);
	devmem_ref_put(refs[0]);
	assert_accounting(&rig);
	devmem_pool_destroy(other.pool);
	devmem_binding_unbind(other.binding);
	devmem_dmabuf_put(other.dmabuf);
	test_rig_down(&rig);
}

/*
 * The clean-burst check reads every chunk: a NULL or bare-tag entry, or a
 * chunk whose refcount is not exactly 1, must send the burst to the
 * reference-by-reference path, so that the good chunks still come home and
 * the held one stays out.
 */
static void test_bulk_with_a_bad_entry_loses_nothing(void **state)
{
	struct devmem_pool_stats st;
	devmem_ref refs[8], kept[2];
	struct test_rig rig;

	(void)state;
	test_rig_up(&rig, SPEC_1M, 0, NULL);
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 8), 8);
	kept[0] = refs[3];
	refs[3] = 0;               /* the caller kept this one back */
	devmem_pool_put_bulk(rig.pool, refs, 8);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 1);

	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 7), 7);
	kept[1] = refs[6];
	refs[6] = DEVMEM_REF_IOV_TAG; /* a tag with no chunk */
	devmem_pool_put_bulk(rig.pool, refs, 7);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 2);

	/* Refcounts 1 and 3 OR to 3: the second holder's chunk is not recycled. */
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 6), 6);
	devmem_ref_get(refs[5]);
	devmem_ref_get(refs[5]);
	devmem_pool_put_bulk(rig.pool, refs, 6);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 3);
	assert_int_equal(rte_mbuf_ext_refcnt_read(&devmem_ref_iov(refs[5])->shinfo), 2);
	devmem_ref_put(refs[5]);
	devmem_ref_put(refs[5]);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 2);
	/* Every entry point takes a bare tag for "no buffer", as it takes 0. */
	devmem_ref_get(DEVMEM_REF_IOV_TAG);
	devmem_ref_put(DEVMEM_REF_IOV_TAG);
	devmem_pool_put(rig.pool, DEVMEM_REF_IOV_TAG);
	assert_null(devmem_ref_pool(DEVMEM_REF_IOV_TAG));
	assert_null(devmem_ref_host_addr(DEVMEM_REF_IOV_TAG));
	assert_int_equal(devmem_ref_offset(DEVMEM_REF_IOV_TAG), 0);
	assert_int_equal(devmem_ref_binding_id(DEVMEM_REF_IOV_TAG), 0);
	devmem_pool_put_bulk(rig.pool, kept, 2);
	assert_accounting(&rig);
	test_rig_down(&rig);
}

/*
 * DEVMEM_CHECK_PUTS=1: a chunk put twice (devmem_pool_put, the bulk put,
 * or devmem_ref_put after its refcount says the pool holds it) is refused,
 * logged and counted, and never handed out twice. Without the check the
 * second put is taken (a chunk in the pool and one held alone both have
 * refcount 1): that is what the first half shows.
 */
static void test_check_puts_refuses_a_second_put(void **state)
{
	struct devmem_pool_stats st;
	devmem_ref a, b, refs[8];
	struct test_rig rig;
	unsigned int i, j;

	(void)state;
	/* Unchecked: the second put lands, and the same chunk comes out twice. */
	test_rig_up(&rig, SPEC_1M, 0, NULL);
	a = devmem_pool_alloc(rig.pool);
	devmem_pool_put(rig.pool, a);
	devmem_pool_put(rig.pool, a);
	assert_true(devmem_pool_alloc(rig.pool) == a && devmem_pool_alloc(rig.pool) == a);
	devmem_pool_put(rig.pool, a);
	test_rig_down(&rig);

	assert_int_equal(setenv("DEVMEM_CHECK_PUTS", "1", 1), 0);
	test_rig_up(&rig, SPEC_1M, 0, NULL);
	assert_int_equal(unsetenv("DEVMEM_CHECK_PUTS"), 0);
	a = devmem_pool_alloc(rig.pool);
	assert_true(a != 0);
	devmem_pool_put(rig.pool, a);
	devmem_pool_put(rig.pool, a);                 /* second put: refused */
	devmem_ref_put(a);                            /* third, by refcount: refused */
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.put_refused, 2);
	assert_int_equal(rte_mbuf_ext_refcnt_read(&devmem_ref_iov(a)->shinfo), 1);
	a = devmem_pool_alloc(rig.pool);
	b = devmem_pool_alloc(rig.pool);
	assert_true(a != b);                          /* never handed out twice */

	/* The bulk put: a burst given back twice, the second time refused whole. */
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 8), 8);
	devmem_pool_put_bulk(rig.pool, refs, 8);
	devmem_pool_put_bulk(rig.pool, refs, 8);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.put_refused, 10);
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 8), 8);
	for (i = 0; i < 8; i++)
		for (j = i + 1; j < 8; j++)
			assert_true(refs[i] != refs[j]);
	devmem_pool_put_bulk(rig.pool, refs, 8);
	devmem_pool_put(rig.pool, a);
	devmem_pool_put(rig.pool, b);
	assert_accounting(&rig);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 0);
	test_rig_down(&rig);
}

/* --- buffered remote returns: when they flush --- */

struct put_job {
	struct devmem_pool *pool;
	const devmem_ref *refs;
	unsigned int n;
	bool flush;
};

static void *put_and_exit(void *arg)
{
	struct put_job *j = arg;
	unsigned int i;

	for (i = 0; i < j->n; i++)
		devmem_pool_put(j->pool, j->refs[i]);
	if (j->flush)
		devmem_pool_flush_returns();
	return NULL;
}

static int put_and_stay(void *arg)
{
	put_and_exit(arg);
	return 0;
}

static void test_remote_returns_flush_by_batch_call_and_exit(void **state)
{
	struct devmem_pool_stats st;
	struct test_rig rig;
	devmem_ref refs[64];
	struct put_job j;
	pthread_t t;

	(void)state;
	test_rig_up(&rig, SPEC_1M, 0, NULL);
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 64), 64);

	/* A full batch enters the ring at once, the rest waits in the thread... */
	j = (struct put_job){ .pool = rig.pool, .refs = refs,
			      .n = DEVMEM_POOL_RETURN_BATCH + 5 };
	assert_int_equal(rte_eal_remote_launch(put_and_stay, &j, rte_get_next_lcore(-1, 1, 0)),
			 0);
	rte_eal_mp_wait_lcore();
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.ring, DEVMEM_POOL_RETURN_BATCH);
	assert_int_equal(st.in_flight, 64 - DEVMEM_POOL_RETURN_BATCH); /* 5 buffered + 27 held */
	assert_accounting(&rig);
	/* ...until the thread flushes. */
	j = (struct put_job){ .pool = rig.pool, .refs = refs, .n = 0, .flush = true };
	assert_int_equal(rte_eal_remote_launch(put_and_stay, &j, rte_get_next_lcore(-1, 1, 0)),
			 0);
	rte_eal_mp_wait_lcore();
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.ring, DEVMEM_POOL_RETURN_BATCH + 5);

	/* A thread that exits flushes what it buffered. */
	j = (struct put_job){ .pool = rig.pool, .refs = &refs[37], .n = 3 };
	assert_int_equal(pthread_create(&t, NULL, put_and_exit, &j), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.ring, 40);
	assert_int_equal(st.recycle_ring, 40);

	/* The owner's next refill takes them from the ring. */
	devmem_pool_put_bulk(rig.pool, &refs[40], 24);
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 64), 64);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.ring, 0);
	assert_int_equal(st.hold, 64); /* nothing new from the provider */
	devmem_pool_put_bulk(rig.pool, refs, 64);
	assert_accounting(&rig);
	test_rig_down(&rig);
}

/* Returns an lcore buffered and never flushed: destroy still finds every chunk. */
static void test_destroy_collects_buffered_returns(void **state)
{
	struct test_rig rig;
	devmem_ref refs[7];
	struct put_job j;

	(void)state;
	test_rig_up(&rig, SPEC_1M, 0, NULL);
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 7), 7);
	j = (struct put_job){ .pool = rig.pool, .refs = refs, .n = 7 };
	assert_int_equal(rte_eal_remote_launch(put_and_stay, &j, rte_get_next_lcore(-1, 1, 0)),
			 0);
	rte_eal_mp_wait_lcore();
	devmem_pool_destroy(rig.pool);
	/* Not a zombie: the 7 came home from the lcore's buffer. */
	assert_int_equal(devmem_pool_count_zombies(), 0);
	assert_int_equal(devmem_binding_nr_free(rig.binding), 256);
	devmem_binding_unbind(rig.binding);
	devmem_dmabuf_put(rig.dmabuf);
	assert_int_equal(devmem_binding_count_live(), 0);
}

static void *alloc_once(void *pool)
{
	return (void *)devmem_pool_alloc(pool);
}

/* A thread that was a remote returner and then allocates flushes its own buffer first. */
static void test_owner_refill_flushes_its_own_returns(void **state)
{
	struct devmem_pool_stats st;
	struct test_rig rig;
	devmem_ref refs[4], r;
	pthread_t t;

	(void)state;
	test_rig_up(&rig, "memfd:size=16K", 0, NULL); /* 4 chunks */
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 4), 4);
	/* Another thread allocates (nothing left) and so becomes the owner. */
	assert_int_equal(pthread_create(&t, NULL, alloc_once, rig.pool), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	/* This thread's puts are now remote: buffered, not in the cache. */
	devmem_pool_put_bulk(rig.pool, refs, 4);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.cached + st.ring, 0);
	assert_int_equal(devmem_binding_nr_free(rig.binding), 0);
	/* Its next allocation flushes them and finds them. */
	r = devmem_pool_alloc(rig.pool);
	assert_true(r != 0);
	devmem_ref_put(r);
	assert_accounting(&rig);
	test_rig_down(&rig);
}

/* --- fragments --- */

static void test_fragments_share_a_chunk(void **state)
{
	struct devmem_pool_stats st;
	struct test_rig rig;
	devmem_ref f[5];
	uint32_t off[5];
	unsigned int i;

	(void)state;
	test_rig_up(&rig, SPEC_1M, 0, NULL);
	for (i = 0; i < 2; i++)
		f[i] = devmem_pool_alloc_frag(rig.pool, 1448, &off[i]);
	f[2] = devmem_pool_alloc_frag(rig.pool, 1000, &off[2]);
	assert_true(f[0] && f[0] == f[1] && f[1] == f[2]);
	assert_int_equal(off[0], 0);
	assert_int_equal(off[1], 1472); /* 1448 rounded up to 64 */
	assert_int_equal(off[2], 2944);
	/* The next one does not fit the remaining 128 bytes: new chunk, old one retired. */
	f[3] = devmem_pool_alloc_frag(rig.pool, 1448, &off[3]);
	assert_true(f[3] && f[3] != f[0]);
	assert_int_equal(off[3], 0);
	/* The bias was settled in one step: the retired chunk counts exactly its 3 holders. */
	assert_int_equal(rte_mbuf_ext_refcnt_read(&devmem_ref_iov(f[0])->shinfo), 3);

	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 2);
	devmem_ref_put(f[0]);
	devmem_ref_put(f[1]);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 2); /* one holder left on the first chunk */
	devmem_ref_put(f[2]);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 1); /* the first chunk recycled with its last holder */
	assert_int_equal(st.frag_allocs, 4);

	/* A second holder of one fragment keeps the chunk alive too. */
	devmem_ref_get(f[3]);
	devmem_pool_frag_flush(rig.pool);
	devmem_ref_put(f[3]);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 1);
	devmem_ref_put(f[3]);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 0);

	/* Impossible sizes are refused, not carved. */
	assert_int_equal(devmem_pool_alloc_frag(rig.pool, 0, &off[4]), 0);
	assert_int_equal(devmem_pool_alloc_frag(rig.pool, 4097, &off[4]), 0);
	assert_accounting(&rig);
	test_rig_down(&rig);
}

static void test_fragments_fill_a_2m_chunk(void **state)
{
	static devmem_ref f[32768];
	struct test_rig rig;
	uint32_t off, i;

	(void)state;
	test_rig_up(&rig, "memfd:size=4M", 2u << 20, NULL);
	for (i = 0; i < RTE_DIM(f); i++) {
		f[i] = devmem_pool_alloc_frag(rig.pool, 64, &off);
		assert_int_equal(off, i * 64);
	}
	assert_int_equal(f[0], f[RTE_DIM(f) - 1]);
	/* Every biased reference handed out, all returned, then the chunk is retired. */
	for (i = 0; i < RTE_DIM(f); i++)
		devmem_ref_put(f[i]);
	f[1] = devmem_pool_alloc_frag(rig.pool, 64, &off); /* retires the full chunk */
	assert_true(f[1]);
	assert_int_equal(off, 0);
	devmem_pool_frag_flush(rig.pool);
	devmem_ref_put(f[1]);
	{
		struct devmem_pool_stats st;

		devmem_pool_get_stats(rig.pool, &st);
		assert_int_equal(st.in_flight, 0); /* 32768 holders, one chunk, all back */
		assert_int_equal(st.hold, 2); /* one refill took both 2 MiB chunks */
	}
	assert_accounting(&rig);
	test_rig_down(&rig);
}

/* --- teardown --- */

static void test_teardown_waits_for_chunks_in_flight(void **state)
{
	struct devmem_dmabuf *d;
	struct test_rig rig;
	devmem_ref refs[10], frag;
	uint32_t off;

	(void)state;
	test_rig_up(&rig, SPEC_1M, 0, NULL);
	d = rig.dmabuf;
	assert_int_equal(devmem_pool_alloc_bulk(rig.pool, refs, 10), 10);
	frag = devmem_pool_alloc_frag(rig.pool, 100, &off);
	assert_true(frag);

	devmem_pool_destroy(rig.pool);
	devmem_binding_unbind(rig.binding);
	devmem_dmabuf_put(d);
	/* The application still holds 11 chunks: pool and binding must stay. */
	assert_int_equal(devmem_pool_count_zombies(), 1);
	assert_int_equal(devmem_binding_count_live(), 1);
	assert_int_equal(devmem_binding_nr_free(rig.binding), 256 - 11);

	devmem_pool_put_bulk(rig.pool, refs, 9);
	assert_int_equal(devmem_pool_count_zombies(), 1);
	devmem_ref_put(frag);
	devmem_ref_put(refs[9]); /* the last one frees pool, binding and dmabuf */
	assert_int_equal(devmem_pool_count_zombies(), 0);
	assert_int_equal(devmem_binding_count_live(), 0);
}

static void test_unbound_binding_refuses_new_pools(void **state)
{
	struct devmem_pool_params p = { .ops = &devmem_dmabuf_provider_ops };
	struct devmem_binding *b;
	struct devmem_dmabuf *d;
	struct devmem_pool *pool, *refused;

	(void)state;
	assert_int_equal(devmem_dmabuf_open(SPEC_1M, &d), 0);
	assert_int_equal(devmem_binding_create(d, NULL, &b), 0);
	p.provider_priv = b;
	assert_int_equal(devmem_pool_create(&p, &pool), 0);
	devmem_binding_unbind(b);
	/* The pool's reference keeps the binding, but no new pool may use it. */
	assert_int_equal(devmem_binding_count_live(), 1);
	assert_int_equal(devmem_pool_create(&p, &refused), -ENODEV);
	assert_null(refused);
	devmem_pool_destroy(pool);
	assert_int_equal(devmem_binding_count_live(), 0);
	devmem_dmabuf_put(d);
}

/* --- host provider --- */

static void test_host_provider_is_readable(void **state)
{
	struct devmem_pool_params p = { .ops = &devmem_host_provider_ops };
	struct devmem_provider_info info;
	struct devmem_host_area *ha;
	struct devmem_pool *pool;
	devmem_ref a, b;
	uint8_t *pa;

	(void)state;
	assert_int_equal(devmem_host_area_create("t_host", 64, 2048, SOCKET_ID_ANY, &ha), 0);
	p.provider_priv = ha;
	assert_int_equal(devmem_pool_create(&p, &pool), 0);
	assert_int_equal(devmem_pool_provider_info(pool, &info), 0);
	assert_string_equal(info.kind, "host");
	assert_int_equal(info.nr_chunks, 64);

	a = devmem_pool_alloc(pool);
	b = devmem_pool_alloc(pool);
	assert_false(devmem_ref_is_device(a));
	pa = devmem_ref_host_addr(a);
	assert_non_null(pa);
	memset(pa, 0xab, 2048); /* readable and writable: a header buffer */
	assert_int_equal(pa[2047], 0xab);
	assert_int_equal(devmem_ref_offset(b) - devmem_ref_offset(a), 2048); /* IOVA-contiguous */
	assert_int_equal(devmem_ref_binding_id(a), 0);
	devmem_ref_put(a);
	devmem_ref_put(b);
	devmem_pool_destroy(pool);
	devmem_host_area_destroy(ha);
	assert_int_equal(devmem_host_area_create("t_bad", 4, 3000, SOCKET_ID_ANY, &ha), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_geometry),
		cmocka_unit_test(test_areas_cover_the_dmabuf),
		cmocka_unit_test(test_binding_rejects_bad_geometry),
		cmocka_unit_test(test_pool_rejects_bad_params),
		cmocka_unit_test(test_accounting_invariant),
		cmocka_unit_test(test_exhaustion_and_recovery),
		cmocka_unit_test(test_cache_overflow_goes_to_ring_then_provider),
		cmocka_unit_test(test_remote_returns_under_contention),
		cmocka_unit_test(test_bulk_moves_a_burst_through_the_cache),
		cmocka_unit_test(test_bulk_with_a_bad_entry_loses_nothing),
		cmocka_unit_test(test_check_puts_refuses_a_second_put),
		cmocka_unit_test(test_remote_returns_flush_by_batch_call_and_exit),
		cmocka_unit_test(test_destroy_collects_buffered_returns),
		cmocka_unit_test(test_owner_refill_flushes_its_own_returns),
		cmocka_unit_test(test_fragments_share_a_chunk),
		cmocka_unit_test(test_fragments_fill_a_2m_chunk),
		cmocka_unit_test(test_teardown_waits_for_chunks_in_flight),
		cmocka_unit_test(test_unbound_binding_refuses_new_pools),
		cmocka_unit_test(test_host_provider_is_readable),
	};
	int ret;

	if (test_eal_init("test_pool") < 0) {
		fprintf(stderr, "test_pool: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
