/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsplit-devmem-bench [EAL options] -- [--reps N] [--ops M] [--json] [--help]
 *
 * Without EAL options (no "--", or nothing before it) the benchmark runs with
 *   --no-huge -m 512 --no-pci --no-shconf -l 0-1
 * so lcore A (main) is pinned on cpu 0 and lcore B on cpu 1.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_log.h>

#include "app_common.h"
#include "bench.h"

#define EXIT_INTERRUPTED 130

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [EAL options] -- [options]\n"
		"\n"
		"ns per buffer of devmem_pool against rte_mempool: alloc+put on one lcore,\n"
		"fragments, bulk of %u, and a handoff from lcore A to lcore B.\n"
		"\n"
		"options:\n"
		"  --reps N   repetitions per case; the median is reported (default %u)\n"
		"  --ops M    buffers per repetition (default %u)\n"
		"  --json     print the results as one JSON object on stdout\n"
		"  --help     this text\n"
		"\n"
		"EAL options go before \"--\". Given none, the benchmark uses:\n"
		"  --no-huge -m 512 --no-pci --no-shconf -l 0-1\n"
		"The cross-lcore cases need two lcores (skipped with one).\n",
		prog, BENCH_BULK, BENCH_DEFAULT_REPS, BENCH_DEFAULT_OPS);
}

static int bad_option(const char *prog, const char *fmt, const char *arg)
{
	return app_bad_option(usage, prog, fmt, arg);
}

/* Returns -1 to go on, else the exit status (0 after --help). */
static int parse_options(int argc, char **argv, void *arg)
{
	struct bench_config *cfg = arg;
	static const struct option longopts[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "ops", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int opt, st;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (app_parse_u64(optarg, 1, 1000, &v))
				return bad_option(argv[0], "--reps: '%s' is not a count from 1 to 1000", optarg);
			cfg->reps = (unsigned int)v;
			break;
		case 'o':
			if (app_parse_u64(optarg, 1, 1000000000000ull, &v))
				return bad_option(argv[0], "--ops: '%s' is not a count from 1 to 10^12", optarg);
			cfg->ops = v;
			break;
		case 'j':
			cfg->json = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:  /* ':' or '?' */
			return app_getopt_refusal(usage, argv, opt);
		}
	}
	st = app_getopt_leftover(usage, argc, argv);
	optind = 1;
	return st;
}

static int run_with_eal(void *arg)
{
	const struct bench_config *cfg = arg;
	struct bench_case cases[CASE_COUNT];
	struct bench_env env = { 0 };
	int status = 1;

	app_install_stop_signals();
	if (bench_env_setup(&env) == 0) {
		bench_run_all(&env, cfg, cases);
		if (cfg->json)
			bench_report_json(&env, cfg, cases);
		else
			bench_report_table(&env, cfg, cases);
		status = env.errors ? 1 : 0;
		if (env.errors)
			fprintf(stderr, "bench: %u errors (failed allocations or leaks)\n", env.errors);
	}
	bench_env_teardown(&env);
	if (app_stop_requested()) {
		fprintf(stderr, "bench: interrupted, remaining cases skipped\n");
		status = EXIT_INTERRUPTED;
	}
	return status;
}

int main(int argc, char **argv)
{
	struct bench_config cfg = { .reps = BENCH_DEFAULT_REPS, .ops = BENCH_DEFAULT_OPS };
	const struct app_main_ops ops = { "bench", parse_options, run_with_eal, &cfg.json };

	return app_main(argc, argv, &ops, &cfg);
}
