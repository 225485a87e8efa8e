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
/* Issue 14: the same 1.3x, for the driver half alone (what a real NIC leaves to the host). */
#define PB_DRIVER_SPLIT_COST_MAX 1.3

/* The parts of a packet's time on the polling lcore, from the cycle_stats xstats. */
enum pb_part {
	PB_PART_DRIVER,   /* rx_burst less the device, the payload provider hook in */
	PB_PART_HOST,     /* everything but the device: driver + the application's free + loop */
	PB_PART_DEVICE,   /* the emulated NIC: wire, parse, checksums, steering, "DMA" */
	PB_NB_PARTS,
};

static const struct {
	const char *label;
	const char *key;
	bool target;          /* PB_DRIVER_SPLIT_COST_MAX applies */
} parts[PB_NB_PARTS] = {
	[PB_PART_DRIVER] = { "driver half (rx_burst - device)", "driver", true },
	[PB_PART_HOST] = { "host CPU (driver + free + loop)", "host", false },
	[PB_PART_DEVICE] = { "emulated device", "device", false },
};

/* ns per packet of one part (median of the repetitions); false when not measured. */
static bool part_ns(const struct pb_result *r, enum pb_part part, double *ns)
{
	if (!r->ran || !r->halves)
		return false;
	*ns = part == PB_PART_DRIVER ? r->driver_ns.median :
	      part == PB_PART_DEVICE ? r->device_ns.median : r->host_ns.median;
	return true;
}

/* Split over no split, ns per packet of one part (> 1: splitting costs more). */
static bool part_ratio(const struct pb_run *run, enum pb_part part, unsigned int s, double *out)
{
	double split, nosplit;

	if (!part_ns(&run->res[PB_SPLIT][s], part, &split) ||
	    !part_ns(&run->res[PB_NOSPLIT][s], part, &nosplit) || nosplit <= 0)
		return false;
	*out = split / nosplit;
	return true;
}

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

static void print_halves(const struct pb_run *run)
{
	unsigned int s, p;
	double v;

	printf("\nnet_hsplit per packet, ns, median of the repetitions (cycle_stats=1)\n");
	printf("%-6s  %-24s    %-24s\n", "frame", "hsplit split+dmabuf", "hsplit no split");
	printf("%-6s  %8s %7s %7s    %8s %7s %7s\n", "bytes", "driver", "host", "device",
	       "driver", "host", "device");
	for (s = 0; s < PB_NB_SIZES; s++) {
		printf("%-6u", pb_sizes[s]);
		for (p = PB_SPLIT; p <= PB_NOSPLIT; p++) {
			const struct pb_result *r = &run->res[p][s];
			double d, h, e;

			if (part_ns(r, PB_PART_DRIVER, &d) && part_ns(r, PB_PART_HOST, &h) &&
			    part_ns(r, PB_PART_DEVICE, &e))
				printf("  %8.1f %7.1f %7.1f  ", d, h, e);
			else
				printf("  %-24s  ", "not measured");
		}
		printf("\n");
	}
	printf("\n%-32s", "split cost (split / no split)");
	for (s = 0; s < PB_NB_SIZES; s++)
		printf(" %6u B", pb_sizes[s]);
	printf("   target\n");
	for (p = 0; p < PB_NB_PARTS; p++) {
		bool met = true, any = false;

		printf("%-32s", parts[p].label);
		for (s = 0; s < PB_NB_SIZES; s++) {
			if (part_ratio(run, (enum pb_part)p, s, &v)) {
				printf(" %7.2fx", v);
				met = met && v <= PB_DRIVER_SPLIT_COST_MAX;
				any = true;
			} else {
				printf(" %8s", "-");
			}
		}
		if (parts[p].target)
			printf("   <= %.1fx: %s\n", PB_DRIVER_SPLIT_COST_MAX,
			       !any ? "not measured" : met ? "met" : "NOT met");
		else
			printf("   -\n");
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
	if (run->opt->cycle_stats)
		print_halves(run);
}

static void json_machine(const struct pb_run *run)
{
	app_json_machine_open();
	printf(",\"lcore\":%u,\"cpu_id\":%u},",
	       run->lcore, rte_lcore_to_cpu_id((int)run->lcore));
}

static void json_halves(const struct pb_result *r)
{
	unsigned int p;
	double ns;

	for (p = 0; p < PB_NB_PARTS; p++)
		if (part_ns(r, (enum pb_part)p, &ns))
			printf(",\"%s_ns\":%.2f", parts[p].key, ns);
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
			       "\"max\":%.4f,\"packets\":%" PRIu64 ",\"empty_polls\":%" PRIu64,
			       first ? "" : ",", pb_config_keys[c], pb_sizes[s], r->mpps.median,
			       r->mpps.min, r->mpps.max, r->packets, r->empty_polls);
			json_halves(r);
			printf("}");
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
		for (i = 0; i < PB_NB_PARTS; i++) {
			if (!part_ratio(run, (enum pb_part)i, s, &v))
				continue;
			printf(",\"%s_split_cost\":%.4f", parts[i].key, v);
			if (parts[i].target)
				printf(",\"%s_split_cost_met\":%s", parts[i].key,
				       v <= PB_DRIVER_SPLIT_COST_MAX ? "true" : "false");
		}
		printf("}");
	}
	printf("],\"targets\":{\"split_cost_max\":%.2f,\"vs_null_min\":%.2f,"
	       "\"driver_split_cost_max\":%.2f},", PB_SPLIT_COST_MAX, PB_VS_NULL_MIN,
	       PB_DRIVER_SPLIT_COST_MAX);
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
