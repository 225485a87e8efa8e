/* SPDX-License-Identifier: BSD-3-Clause */
/* Tokens: SO_DEVMEM_DONTNEED limits, forged and double returns, close releases all. */
#include "test_common.h"

static struct test_rig rig;
static struct devmem_token_table *table;

static int setup(void **state)
{
	(void)state;
	test_rig_up(&rig, "memfd:size=8M", 0, NULL); /* 2048 chunks */
	return devmem_token_table_create(4096, &table);
}

static int teardown(void **state)
{
	struct devmem_pool_stats st;

	(void)state;
	devmem_token_table_destroy(table);
	devmem_pool_get_stats(rig.pool, &st);
	if (st.in_flight != 0)
		return -1; /* closing the table must have returned everything */
	test_rig_down(&rig);
	return 0;
}

/* Grant n fragments (each its own chunk); tokens come out in order. */
static void grant_n(unsigned int n, struct devmem_frag *frags)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		devmem_ref r = devmem_pool_alloc(rig.pool);

		assert_true(r);
		assert_int_equal(devmem_token_grant(table, r, 100, 1000, &frags[i]), 0);
	}
}

static void test_grant_fills_dmabuf_cmsg_fields(void **state)
{
	struct devmem_frag f;
	devmem_ref r;

	(void)state;
	r = devmem_pool_alloc(rig.pool);
	assert_int_equal(devmem_token_grant(table, r, 64, 1448, &f), 0);
	assert_int_equal(f.frag_offset, devmem_ref_offset(r) + 64);
	assert_int_equal(f.frag_size, 1448);
	assert_int_equal(f.dmabuf_id, devmem_binding_id(rig.binding));
	assert_int_equal(f.flags, 0);
	assert_int_equal(f.frag_token, 0);
	/* Bad ranges are refused and the reference stays with the caller. */
	r = devmem_pool_alloc(rig.pool);
	assert_int_equal(devmem_token_grant(table, r, 4000, 200, &f), -EINVAL);
	assert_int_equal(devmem_token_grant(table, r, 0, 0, &f), -EINVAL);
	devmem_ref_put(r);
}

static void test_dontneed_returns_count_freed(void **state)
{
	static struct devmem_frag frags[10];
	struct devmem_token_range ranges[] = { { frags[0].frag_token, 3 }, { 7, 3 } };
	struct devmem_token_stats ts;
	struct devmem_pool_stats st;

	(void)state;
	grant_n(10, frags);
	ranges[0].token_start = frags[0].frag_token;
	assert_int_equal(devmem_dontneed(table, ranges, 2), 6);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 4);
	devmem_token_get_stats(table, &ts);
	assert_int_equal(ts.held, 4);
	assert_int_equal(ts.returned, 6);
}

static void test_forged_and_double_returns_free_nothing(void **state)
{
	struct devmem_frag frags[2];
	struct devmem_token_range r;
	struct devmem_token_stats ts;

	(void)state;
	grant_n(2, frags);
	r = (struct devmem_token_range){ frags[0].frag_token, 1 };
	assert_int_equal(devmem_dontneed(table, &r, 1), 1);
	assert_int_equal(devmem_dontneed(table, &r, 1), 0); /* double return */
	r = (struct devmem_token_range){ 4095, 1 };
	assert_int_equal(devmem_dontneed(table, &r, 1), 0); /* never granted */
	r = (struct devmem_token_range){ 100000, 5 };
	assert_int_equal(devmem_dontneed(table, &r, 1), 0); /* out of range */
	r = (struct devmem_token_range){ UINT32_MAX, 2 };
	assert_int_equal(devmem_dontneed(table, &r, 1), 0); /* wraps past the end */
	devmem_token_get_stats(table, &ts);
	assert_int_equal(ts.bad_returns, 1 + 1 + 5 + 2);
	assert_int_equal(ts.held, 1);
	/* A returned token is not reused at once, so a late double return is still caught. */
	grant_n(1, frags);
	assert_int_not_equal(frags[0].frag_token, r.token_start);
	assert_int_not_equal(frags[0].frag_token, 0);
}

static void test_limits_128_ranges_1024_frags(void **state)
{
	static struct devmem_frag frags[1500];
	static struct devmem_token_range ranges[129];
	struct devmem_token_range all = { 0, 1500 };
	unsigned int i;

	(void)state;
	grant_n(1500, frags);
	for (i = 0; i < 129; i++)
		ranges[i] = (struct devmem_token_range){ i, 1 };
	assert_int_equal(devmem_dontneed(table, ranges, 129), -EINVAL);
	assert_int_equal(devmem_dontneed(table, ranges, 128), 128);
	/* 1024 tokens looked at per call at most (the first 128 are already back). */
	assert_int_equal(devmem_dontneed(table, &all, 1), 1024 - 128);
	all.token_start = 1024;
	assert_int_equal(devmem_dontneed(table, &all, 1), 1500 - 1024);
	assert_int_equal(devmem_dontneed(NULL, &all, 1), -EINVAL);
	assert_int_equal(devmem_dontneed(table, NULL, 1), -EINVAL);
	assert_int_equal(devmem_dontneed(table, NULL, 0), 0);
}

/*
 * Ranges that run past the table or wrap past 2^32: the numbers below the capacity are
 * taken back, every other number is a bad return, and numbers outside the table still
 * count toward the 1024 looked at per call.
 */
static void test_ranges_past_the_table_and_wrapping(void **state)
{
	static struct devmem_frag frags[8];
	struct devmem_token_range r[2];
	struct devmem_token_stats ts;

	(void)state;
	grant_n(8, frags);                                   /* tokens 0..7 */
	r[0] = (struct devmem_token_range){ UINT32_MAX - 1, 4 }; /* 2^32-2, 2^32-1, 0, 1 */
	assert_int_equal(devmem_dontneed(table, r, 1), 2);
	devmem_token_get_stats(table, &ts);
	assert_int_equal(ts.returned, 2);
	assert_int_equal(ts.bad_returns, 2);
	r[0] = (struct devmem_token_range){ 4090, 20 };      /* 4090..4095 in the table */
	assert_int_equal(devmem_dontneed(table, r, 1), 0);
	devmem_token_get_stats(table, &ts);
	assert_int_equal(ts.bad_returns, 2 + 20);
	/* 1000 forged numbers use up the cap: only tokens 2..25 of the next range are looked at. */
	r[0] = (struct devmem_token_range){ 100000, 1000 };
	r[1] = (struct devmem_token_range){ 2, UINT32_MAX };
	assert_int_equal(devmem_dontneed(table, r, 2), 6);   /* 2..7 were lent */
	devmem_token_get_stats(table, &ts);
	assert_int_equal(ts.held, 0);
	assert_int_equal(ts.bad_returns, 2 + 20 + 1000 + 18);
}

static void test_full_table_refuses(void **state)
{
	struct devmem_token_table *small;
	struct devmem_token_stats ts;
	struct devmem_frag f;
	devmem_ref r1 = devmem_pool_alloc(rig.pool), r2 = devmem_pool_alloc(rig.pool);

	(void)state;
	assert_int_equal(devmem_token_table_create(1, &small), 0);
	assert_int_equal(devmem_token_grant(small, r1, 0, 10, &f), 0);
	assert_int_equal(devmem_token_grant(small, r2, 0, 10, &f), -ENOSPC);
	devmem_token_get_stats(small, &ts);
	assert_int_equal(ts.full, 1);
	devmem_ref_put(r2);
	devmem_token_table_destroy(small); /* returns r1 */
	assert_int_equal(devmem_token_table_create(0, &small), -EINVAL);
}

static void test_fragments_share_chunk_across_tokens(void **state)
{
	struct devmem_pool_stats st;
	struct devmem_frag f[3];
	struct devmem_token_range r;
	uint32_t off;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		devmem_ref ref = devmem_pool_alloc_frag(rig.pool, 1000, &off);

		assert_int_equal(devmem_token_grant(table, ref, off, 1000, &f[i]), 0);
	}
	devmem_pool_frag_flush(rig.pool);
	assert_int_equal(f[1].frag_offset - f[0].frag_offset, 1024);
	r = (struct devmem_token_range){ f[0].frag_token, 2 };
	assert_int_equal(devmem_dontneed(table, &r, 1), 2);
	devmem_pool_get_stats(rig.pool, &st);
	assert_int_equal(st.in_flight, 1); /* the third holder keeps the chunk */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_grant_fills_dmabuf_cmsg_fields),
		T(test_dontneed_returns_count_freed),
		T(test_forged_and_double_returns_free_nothing),
		T(test_limits_128_ranges_1024_frags),
		T(test_ranges_past_the_table_and_wrapping),
		T(test_full_table_refuses),
		T(test_fragments_share_chunk_across_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
