/* SPDX-License-Identifier: BSD-3-Clause */
/* The benchmark's output: the machine, Mpps per configuration and size, the ratios. */
#include <inttypes.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "app_common.h"
#include "pmd_bench.h"

/* Issue 3: what splitting may cost, and how close to net_null the PMD must stay. */
#define PB_SPLIT_COST_MAX 1.3
#define PB_VS_NULL_MIN    0.5

/* num / den by medians; max_target says whether the target is an upper bound. */
static const struct {
	const char *label;
	const char *key;
	enum pb_config num, den;
	bool max_target;
	double target;
} ratios[] = {
	{ "split cost (no split / split)", "split_cost", PB_NOSPLIT, PB_SPLIT, true,
	  PB_SPLIT_COST_MAX },
	{ "hsplit split / net_null", "split_vs_null", PB_SPLIT, PB_NULL, false, PB_VS_NULL_MIN },
	{ "hsplit no split / net_null", "nosplit_vs_null", PB_NOSPLIT, PB_NULL, false,
	  PB_VS_NULL_MIN },
};

static bool ratio_value(const struct pb_run *run, unsigned int i, unsigned int s, double *out)
{
	const struct pb_result *n = &run->res[ratios[i].num][s], *d = &run->res[ratios[i].den][s];

	if (!n->ran || !d->ran || d->mpps.median <= 0)
		return false;
	*out = n->mpps.median / d->mpps.median;
	return true;
}

static bool ratio_met(unsigned int i, double v)
{
	return ratios[i].max_target ? v <= ratios[i].target : v >= ratios[i].target;
}

static void print_header(const struct pb_run *run)
{
	struct app_machine m;

	app_machine_read(&m);
	printf("hsplit-pmd-bench: rxonly, rx_burst(%u) + rte_pktmbuf_free_bulk on one lcore, "
	       "%u repetitions of %.2f s, Mpps\n", PB_BURST, run->opt->reps, run->opt->seconds);
	printf("machine: %s, %ld cores online, %s, %s, hugepages %s\n", m.cpu, m.cores, m.kernel,
	       m.dpdk, m.hugepages ? "yes" : "no (--no-huge)");
	printf("lcore %u on cpu %u; %u rx descriptors; pools of %u mbufs, cache %u\n",
	       run->lcore, rte_lcore_to_cpu_id((int)run->lcore), PB_RING, PB_POOL_MBUFS,
	       PB_POOL_CACHE);
	printf("  hsplit split+dmabuf: gen TCP/IPv4, split after TCP into %u-byte mbufs, "
	       "payload in %s\n", PB_HDR_ROOM, PB_DMABUF);
	printf("  hsplit no split:     gen TCP/IPv4, whole frame in one %u-byte mbuf\n",
	       PB_PAY_ROOM);
	printf("  net_null:            allocates %u-byte mbufs and sets their lengths; "
	       "writes no packet data\n\n", PB_PAY_ROOM);
}

static void print_cell(const struct pb_result *r)
{
	char buf[48];

	if (r->ran)
		snprintf(buf, sizeof(buf), "%.2f (%.2f-%.2f)", r->mpps.median, r->mpps.min,
			 r->mpps.max);
	else
		snprintf(buf, sizeof(buf), "not run");
	printf("  %-22s", buf);
}

static void print_ratios(const struct pb_run *run)
{
	unsigned int i, s;
	double v;

	printf("\n%-32s", "ratio of medians");
	for (s = 0; s < PB_NB_SIZES; s++)
		printf(" %6u B", pb_sizes[s]);
	printf("   target\n");
	for (i = 0; i < RTE_DIM(ratios); i++) {
		bool met = true, any = false;

		printf("%-32s", ratios[i].label);
		for (s = 0; s < PB_NB_SIZES; s++) {
			if (ratio_value(run, i, s, &v)) {
				printf(" %7.2fx", v);
				met = met && ratio_met(i, v);
				any = true;
			} else {
				printf(" %8s", "-");
			}
		}
		printf("   %s %.1fx: %s\n", ratios[i].max_target ? "<=" : ">=", ratios[i].target,
		       !any ? "not measured" : met ? "met" : "NOT met");
	}
}

void pb_report_table(const struct pb_run *run)
{
	unsigned int s, c;

	print_header(run);
	printf("%-6s", "frame");
	for (c = 0; c < PB_NB_CONFIGS; c++)
		printf("  %-22s", pb_config_names[c]);
	printf("\n%-6s", "bytes");
	for (c = 0; c < PB_NB_CONFIGS; c++)
		printf("  %-22s", "median (min-max)");
	printf("\n");
	for (s = 0; s < PB_NB_SIZES; s++) {
		printf("%-6u", pb_sizes[s]);
		for (c = 0; c < PB_NB_CONFIGS; c++)
			print_cell(&run->res[c][s]);
		printf("\n");
	}
	print_ratios(run);
}

static void json_machine(const struct pb_run *run)
{
	app_json_machine_open();
	printf(",\"lcore\":%u,\"cpu_id\":%u},",
	       run->lcore, rte_lcore_to_cpu_id((int)run->lcore));
}

static void json_results(const struct pb_run *run)
{
	bool first = true;
	unsigned int s, c;

	printf("\"results\":[");
	for (s = 0; s < PB_NB_SIZES; s++)
		for (c = 0; c < PB_NB_CONFIGS; c++) {
			const struct pb_result *r = &run->res[c][s];

			if (!r->ran)
				continue;
			printf("%s{\"config\":\"%s\",\"frame\":%u,\"median\":%.4f,\"min\":%.4f,"
			       "\"max\":%.4f,\"packets\":%" PRIu64 ",\"empty_polls\":%" PRIu64 "}",
			       first ? "" : ",", pb_config_keys[c], pb_sizes[s], r->mpps.median,
			       r->mpps.min, r->mpps.max, r->packets, r->empty_polls);
			first = false;
		}
	printf("],");
}

static void json_ratios(const struct pb_run *run)
{
	unsigned int i, s;
	double v;

	printf("\"ratios\":[");
	for (s = 0; s < PB_NB_SIZES; s++) {
		printf("%s{\"frame\":%u", s ? "," : "", pb_sizes[s]);
		for (i = 0; i < RTE_DIM(ratios); i++)
			if (ratio_value(run, i, s, &v))
				printf(",\"%s\":%.4f,\"%s_met\":%s", ratios[i].key, v, ratios[i].key,
				       ratio_met(i, v) ? "true" : "false");
		printf("}");
	}
	printf("],\"targets\":{\"split_cost_max\":%.2f,\"vs_null_min\":%.2f},",
	       PB_SPLIT_COST_MAX, PB_VS_NULL_MIN);
}

void pb_report_json(const struct pb_run *run)
{
	printf("{");
	json_machine(run);
	printf("\"reps\":%u,\"seconds\":%.3f,\"burst\":%u,\"unit\":\"Mpps\",", run->opt->reps,
	       run->opt->seconds, PB_BURST);
	json_results(run);
	json_ratios(run);
	printf("\"errors\":%u}\n", run->errors);
}
