/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A latency histogram for the benchmarks: log-linear buckets (16 per power
 * of two, so a bucket is at most 1/16 = 6.25% wide), exact below 32 ns,
 * values up to 2^40 ns (18 minutes; larger ones land in the last bucket).
 * Adding a sample is a few instructions and never allocates, so receivers
 * can record every message on their fast path.
 */
#ifndef HSPLIT_APP_HIST_H
#define HSPLIT_APP_HIST_H

#include <stdint.h>
#include <stdio.h>

#define APP_HIST_SUB_BITS 4u
#define APP_HIST_BUCKETS 592u   /* index of 2^40 - 1, plus one */

struct app_hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t min_ns, max_ns;
	uint64_t bucket[APP_HIST_BUCKETS];
};

void app_hist_init(struct app_hist *h);
void app_hist_add(struct app_hist *h, uint64_t ns);
/* Sum another histogram into h. */
void app_hist_merge(struct app_hist *h, const struct app_hist *other);

/* Bucket of a value, and the largest value a bucket holds. */
unsigned int app_hist_index(uint64_t ns);
uint64_t app_hist_bucket_max(unsigned int index);

/*
 * The smallest bucket bound b with at least p% of the samples <= b, clamped
 * to [min, max] of the samples: an upper bound, off by at most one bucket's
 * width. 0 when the histogram is empty. p in [0, 100].
 */
uint64_t app_hist_percentile(const struct app_hist *h, double p);

/*
 * The JSON object the benchmarks print (no trailing newline):
 * {"count":N,"min_ns":..,"mean_ns":..,"p50_ns":..,"p90_ns":..,"p99_ns":..,
 *  "p999_ns":..,"max_ns":..,"buckets":[[max_ns,count],...]}
 * with only the non-empty buckets, in increasing order.
 */
void app_hist_json(FILE *out, const struct app_hist *h);

#endif
