/* SPDX-License-Identifier: BSD-3-Clause */
/* app_hist: bucket bounds, percentiles against a sorted sample, merging, JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app_hist.h"

static struct app_hist hist;

/* Every value lands in a bucket whose bound is >= it and within 1/16 of it. */
static void test_bucket_bounds_hold_every_value(void **state)
{
	uint64_t v;

	(void)state;
	for (v = 0; v < (1u << 20); v += 1 + v / 97) {
		unsigned int i = app_hist_index(v);
		uint64_t hi = app_hist_bucket_max(i);
		uint64_t lo = i ? app_hist_bucket_max(i - 1) + 1 : 0;

		assert_true(lo <= v && v <= hi);
		assert_true(hi - lo <= v / 16 + 1);
	}
	/* Buckets are contiguous: one starts where the previous ends. */
	for (unsigned int i = 1; i < APP_HIST_BUCKETS; i++)
		assert_int_equal(app_hist_index(app_hist_bucket_max(i - 1) + 1), i);
	/* Beyond 2^40 ns everything goes to the last bucket, nothing overflows. */
	assert_int_equal(app_hist_index(UINT64_MAX), APP_HIST_BUCKETS - 1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* A percentile is an upper bound of the exact one, at most one bucket above it. */
static void test_percentiles_bound_the_exact_ones(void **state)
{
	static uint64_t sample[10000];
	const double ps[] = { 0, 1, 50, 90, 99, 99.9, 100 };
	unsigned int i;

	(void)state;
	srand(7);
	app_hist_init(&hist);
	for (i = 0; i < 10000; i++) {
		/* mostly 10-20 us, a tail out to 5 ms */
		sample[i] = 10000 + (uint64_t)(rand() % 10000);
		if (i % 97 == 0)
			sample[i] = 100000 + (uint64_t)(rand() % 4900000);
		app_hist_add(&hist, sample[i]);
	}
	qsort(sample, 10000, sizeof(sample[0]), cmp_u64);
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		unsigned int rank = (unsigned int)(10000 * ps[i] / 100 + 0.999999);
		uint64_t exact = sample[rank ? rank - 1 : 0];
		uint64_t got = app_hist_percentile(&hist, ps[i]);

		assert_true(got >= exact);
		assert_true(got <= app_hist_bucket_max(app_hist_index(exact)));
	}
	assert_int_equal(app_hist_percentile(&hist, 0), sample[0]);
	assert_int_equal(app_hist_percentile(&hist, 100), sample[9999]);
}

static void test_merge_adds_counts_and_extremes(void **state)
{
	struct app_hist a, b;

	(void)state;
	app_hist_init(&a);
	app_hist_init(&b);
	assert_int_equal(app_hist_percentile(&a, 50), 0);
	app_hist_add(&a, 5);
	app_hist_add(&b, 1000);
	app_hist_add(&b, 3);
	app_hist_merge(&a, &b);
	assert_int_equal(a.count, 3);
	assert_int_equal(a.min_ns, 3);
	assert_int_equal(a.max_ns, 1000);
	assert_int_equal(a.sum_ns, 1008);
	assert_int_equal(app_hist_percentile(&a, 50), 5);
}

static void test_json_lists_nonempty_buckets(void **state)
{
	struct app_hist h;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	app_hist_init(&h);
	app_hist_add(&h, 7);
	app_hist_add(&h, 7);
	app_hist_add(&h, 40);
	app_hist_json(f, &h);
	fclose(f);
	assert_string_equal(text, "{\"count\":3,\"min_ns\":7,\"mean_ns\":18,\"p50_ns\":7,"
			    "\"p90_ns\":40,\"p99_ns\":40,\"p999_ns\":40,\"max_ns\":40,"
			    "\"buckets\":[[7,2],[41,1]]}");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds_hold_every_value),
		cmocka_unit_test(test_percentiles_bound_the_exact_ones),
		cmocka_unit_test(test_merge_adds_counts_and_extremes),
		cmocka_unit_test(test_json_lists_nonempty_buckets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
