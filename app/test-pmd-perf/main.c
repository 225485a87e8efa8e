/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsplit-pmd-bench [EAL options] -- [--reps N] [--seconds S] [--only CONFIG] [--no-cycle-stats]
 *                                    [--json] [--help]
 *
 * Without EAL options the benchmark runs with
 *   --no-huge -m 512 --no-pci --no-shconf -l 0-1
 * and measures on the main lcore only. net_hsplit is linked in (EAL's -d
 * refuses plugins under world-writable directories such as /tmp); net_null
 * comes from DPDK's plugin directory, which Debian's EAL loads by itself.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "app_common.h"
#include "pmd_bench.h"

#define EXIT_INTERRUPTED 130

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [EAL options] -- [options]\n"
		"\n"
		"rxonly Mpps on one lcore, rx_burst(%u) + rte_pktmbuf_free_bulk, at frames of 64,\n"
		"512 and 1500 bytes, for net_hsplit with protocol split and dmabuf payload,\n"
		"net_hsplit without split, and DPDK's net_null. net_hsplit's ports run with\n"
		"cycle_stats=1, which splits each burst's time into the driver half (what a real\n"
		"NIC leaves to the host CPU) and the emulated device's work.\n"
		"\n"
		"options:\n"
		"  --reps N      timed repetitions per cell; the median is reported (default %u)\n"
		"  --seconds S   length of one repetition in seconds, 0.01 to 60 (default %.0f)\n"
		"  --only CONFIG run one configuration (hsplit_split, hsplit_nosplit, net_null),\n"
		"                e.g. under perf; the ratios need all three\n"
		"  --no-cycle-stats  net_hsplit without cycle_stats=1: no driver/device split\n"
		"                (to see what the accounting itself costs)\n"
		"  --json        print the results as one JSON object on stdout\n"
		"  --help        this text\n"
		"\n"
		"EAL options go before \"--\". Given none, the benchmark uses:\n"
		"  --no-huge -m 512 --no-pci --no-shconf -l 0-1\n",
		prog, PB_BURST, PB_DEFAULT_REPS, PB_DEFAULT_SECONDS);
}

static int bad_option(const char *prog, const char *fmt, const char *arg)
{
	return app_bad_option(usage, prog, fmt, arg);
}

static int config_by_key(const char *key)
{
	int c;

	for (c = 0; c < PB_NB_CONFIGS; c++)
		if (strcmp(key, pb_config_keys[c]) == 0)
			return c;
	return -1;
}

/* Returns -1 to go on, else the exit status (0 after --help). */
static int parse_options(int argc, char **argv, void *arg)
{
	struct pb_options *opt = arg;
	static const struct option longopts[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "only", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-cycle-stats", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int o, st;

	opterr = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (o) {
		case 'r':
			if (app_parse_u64(optarg, 1, 1000, &v))
				return bad_option(argv[0], "--reps: '%s' is not a count from 1 to 1000", optarg);
			opt->reps = (unsigned int)v;
			break;
		case 's':
			if (app_parse_seconds(optarg, 0.01, 60, &opt->seconds))
				return bad_option(argv[0], "--seconds: '%s' is not a number from 0.01 to 60", optarg);
			break;
		case 'o':
			opt->only = config_by_key(optarg);
			if (opt->only < 0)
				return bad_option(argv[0], "--only: '%s' is not hsplit_split, "
						  "hsplit_nosplit or net_null", optarg);
			break;
		case 'j':
			opt->json = true;
			break;
		case 'c':
			opt->cycle_stats = false;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:  /* ':' or '?' */
			return app_getopt_refusal(usage, argv, o);
		}
	}
	st = app_getopt_leftover(usage, argc, argv);
	optind = 1;
	return st;
}

static int run_with_eal(void *arg)
{
	const struct pb_options *opt = arg;
	struct pb_run run = { .opt = opt, .lcore = rte_lcore_id() };
	int status;

	app_install_stop_signals();
	pb_measure_all(&run);
	if (app_stop_requested()) {
		fprintf(stderr, "pmd-bench: interrupted, no report\n");
		return EXIT_INTERRUPTED;
	}
	if (opt->json)
		pb_report_json(&run);
	else
		pb_report_table(&run);
	status = run.errors ? 1 : 0;
	if (run.errors)
		fprintf(stderr, "pmd-bench: %u measurements failed (see above)\n", run.errors);
	return status;
}

int main(int argc, char **argv)
{
	struct pb_options opt = { .reps = PB_DEFAULT_REPS, .seconds = PB_DEFAULT_SECONDS,
				  .only = -1, .cycle_stats = true };
	const struct app_main_ops ops = { "pmd-bench", parse_options, run_with_eal, &opt.json };

	return app_main(argc, argv, &ops, &opt);
}
