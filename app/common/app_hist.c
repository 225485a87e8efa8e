/* SPDX-License-Identifier: BSD-3-Clause */
#include "app_hist.h"

#include <inttypes.h>
#include <string.h>

#define SUB (1u << APP_HIST_SUB_BITS)

void app_hist_init(struct app_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min_ns = UINT64_MAX;
}

/*
 * Values below 2 * SUB have a bucket each. Above, a value whose top set bit
 * is bit b keeps its SUB_BITS bits under the top one: 16 buckets per octave.
 */
unsigned int app_hist_index(uint64_t ns)
{
	unsigned int msb, shift, index;

	if (ns < 2 * SUB)
		return (unsigned int)ns;
	msb = 63u - (unsigned int)__builtin_clzll(ns);
	shift = msb - APP_HIST_SUB_BITS;
	index = (shift + 1) * SUB + (unsigned int)(ns >> shift) - SUB;
	return index < APP_HIST_BUCKETS ? index : APP_HIST_BUCKETS - 1;
}

uint64_t app_hist_bucket_max(unsigned int index)
{
	unsigned int shift;
	uint64_t sub;

	if (index < 2 * SUB)
		return index;
	shift = index / SUB - 1;
	sub = index % SUB + SUB;
	return ((sub + 1) << shift) - 1;
}

void app_hist_add(struct app_hist *h, uint64_t ns)
{
	h->bucket[app_hist_index(ns)]++;
	h->count++;
	h->sum_ns += ns;
	if (ns < h->min_ns)
		h->min_ns = ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

void app_hist_merge(struct app_hist *h, const struct app_hist *other)
{
	unsigned int i;

	for (i = 0; i < APP_HIST_BUCKETS; i++)
		h->bucket[i] += other->bucket[i];
	h->count += other->count;
	h->sum_ns += other->sum_ns;
	if (other->min_ns < h->min_ns)
		h->min_ns = other->min_ns;
	if (other->max_ns > h->max_ns)
		h->max_ns = other->max_ns;
}

uint64_t app_hist_percentile(const struct app_hist *h, double p)
{
	uint64_t want, seen = 0, bound;
	unsigned int i;

	if (h->count == 0)
		return 0;
	if (p < 0)
		p = 0;
	if (p > 100)
		p = 100;
	/* The rank of the p-th percentile, at least the first sample. */
	want = (uint64_t)((double)h->count * p / 100.0 + 0.999999);
	if (want <= 1)
		return h->min_ns;  /* the first sample is known exactly */
	for (i = 0; i < APP_HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= want)
			break;
	}
	bound = app_hist_bucket_max(i < APP_HIST_BUCKETS ? i : APP_HIST_BUCKETS - 1);
	if (bound > h->max_ns)
		bound = h->max_ns;
	if (bound < h->min_ns)
		bound = h->min_ns;
	return bound;
}

void app_hist_json(FILE *out, const struct app_hist *h)
{
	const char *sep = "";
	unsigned int i;

	fprintf(out, "{\"count\":%" PRIu64 ",\"min_ns\":%" PRIu64 ",\"mean_ns\":%" PRIu64, h->count,
		h->count ? h->min_ns : 0, h->count ? h->sum_ns / h->count : 0);
	fprintf(out, ",\"p50_ns\":%" PRIu64 ",\"p90_ns\":%" PRIu64 ",\"p99_ns\":%" PRIu64
		",\"p999_ns\":%" PRIu64 ",\"max_ns\":%" PRIu64 ",\"buckets\":[",
		app_hist_percentile(h, 50), app_hist_percentile(h, 90), app_hist_percentile(h, 99),
		app_hist_percentile(h, 99.9), h->max_ns);
	for (i = 0; i < APP_HIST_BUCKETS; i++) {
		if (h->bucket[i] == 0)
			continue;
		fprintf(out, "%s[%" PRIu64 ",%" PRIu64 "]", sep, app_hist_bucket_max(i), h->bucket[i]);
		sep = ",";
	}
	fputs("]}", out);
}
