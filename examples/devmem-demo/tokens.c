/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Giving fragments back the way a devmem TCP application does: sort the
 * tokens, merge consecutive ones into {start, count} ranges, and call
 * SO_DEVMEM_DONTNEED (devmem_dontneed) with at most 128 ranges and 1024
 * fragments per call.
 */
#include <stdlib.h>

#include "demo.h"

static int compare_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Length of the run of consecutive tokens at the start of `tokens`, at most `max`. */
static unsigned int consecutive_run(const uint32_t *tokens, unsigned int n, unsigned int max)
{
	unsigned int len = 1;

	while (len < n && len < max && tokens[len] == tokens[0] + len)
		len++;
	return len;
}

static void dontneed_call(struct devmem_token_table *table, const struct devmem_token_range *ranges,
			  unsigned int nb_ranges, struct demo_return_result *res)
{
	int ret = devmem_dontneed(table, ranges, nb_ranges);

	res->calls++;
	res->ranges += nb_ranges;
	if (ret < 0)
		res->errors++;
	else
		res->freed += (unsigned int)ret;
}

void demo_return_tokens(struct devmem_token_table *table, uint32_t *tokens, unsigned int n,
			struct demo_return_result *res)
{
	struct devmem_token_range ranges[DEVMEM_DONTNEED_MAX_RANGES];
	unsigned int i, run, nb_ranges = 0, frags = 0;

	*res = (struct demo_return_result){ 0 };
	if (n == 0)
		return;
	qsort(tokens, n, sizeof(*tokens), compare_u32);
	for (i = 0; i < n; i += run) {
		run = consecutive_run(&tokens[i], n - i, DEVMEM_DONTNEED_MAX_FRAGS);
		if (nb_ranges == DEVMEM_DONTNEED_MAX_RANGES ||
		    frags + run > DEVMEM_DONTNEED_MAX_FRAGS) {
			dontneed_call(table, ranges, nb_ranges, res);
			nb_ranges = 0;
			frags = 0;
		}
		ranges[nb_ranges].token_start = tokens[i];
		ranges[nb_ranges].token_count = run;
		nb_ranges++;
		frags += run;
	}
	dontneed_call(table, ranges, nb_ranges, res);
}
