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
#include <rte_errno.h>
#include <rte_log.h>

#include "bench.h"

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

static char eal_defaults[][16] = { "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
				   "-l", "0-1" };
static volatile sig_atomic_t interrupted;

bool bench_interrupted(void)
{
	return interrupted != 0;
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

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

static int parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || *out == 0 || *out > max)
		return -EINVAL;
	return 0;
}

static int bad_option(const char *prog, const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n");
	usage(stderr, prog);
	return EXIT_USAGE;
}

/* Returns -1 to go on, else the exit status (0 after --help). */
static int parse_options(int argc, char **argv, struct bench_config *cfg)
{
	static const struct option longopts[] = {
		{ "reps", required_argument, NULL, 'r' },
		{ "ops", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (parse_count(optarg, 1000, &v))
				return bad_option(argv[0], "--reps: '%s' is not a count from 1 to 1000", optarg);
			cfg->reps = (unsigned int)v;
			break;
		case 'o':
			if (parse_count(optarg, 1000000000000ull, &v))
				return bad_option(argv[0], "--ops: '%s' is not a count from 1 to 10^12", optarg);
			cfg->ops = v;
			break;
		case 'j':
			cfg->json = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		case ':':
			return bad_option(argv[0], "option '%s' needs a value", argv[optind - 1]);
		default:
			return bad_option(argv[0], "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_option(argv[0], "unexpected argument '%s'", argv[optind]);
	optind = 1;
	return -1;
}

/* argv = prog [EAL args] -- [bench args]; the EAL gets the defaults when it gets nothing. */
static char **split_args(int argc, char **argv, int *eal_argc, int *app_argc, char ***app_argv)
{
	int i, sep = -1, n_eal;
	char **eal;

	for (i = 1; i < argc && sep < 0; i++)
		if (strcmp(argv[i], "--") == 0)
			sep = i;
	n_eal = sep > 1 ? sep - 1 : (int)RTE_DIM(eal_defaults);
	eal = calloc((size_t)n_eal + 2, sizeof(*eal));
	if (eal == NULL)
		return NULL;
	eal[0] = argv[0];
	for (i = 0; i < n_eal; i++)
		eal[i + 1] = sep > 1 ? argv[i + 1] : eal_defaults[i];
	*eal_argc = n_eal + 1;
	if (sep >= 0) {
		argv[sep] = argv[0]; /* getopt wants the program name first */
		*app_argv = &argv[sep];
		*app_argc = argc - sep;
	} else {
		*app_argv = argv;
		*app_argc = argc;
	}
	return eal;
}

static int run_with_eal(const struct bench_config *cfg)
{
	struct bench_case cases[CASE_COUNT];
	struct bench_env env = { 0 };
	int status = 1;

	install_signal_handlers();
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
	if (bench_interrupted()) {
		fprintf(stderr, "bench: interrupted, remaining cases skipped\n");
		status = EXIT_INTERRUPTED;
	}
	return status;
}

int main(int argc, char **argv)
{
	struct bench_config cfg = { .reps = BENCH_DEFAULT_REPS, .ops = BENCH_DEFAULT_OPS };
	int eal_argc, app_argc, status;
	char **eal_argv, **app_argv;

	eal_argv = split_args(argc, argv, &eal_argc, &app_argc, &app_argv);
	if (eal_argv == NULL)
		return 1;
	status = parse_options(app_argc, app_argv, &cfg);
	if (status >= 0) {
		free(eal_argv);
		return status;
	}
	if (cfg.json)
		rte_openlog_stream(stderr); /* stdout carries only the JSON object */
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "bench: EAL init failed: %s\n", rte_strerror(rte_errno));
		free(eal_argv);
		return 1;
	}
	status = run_with_eal(&cfg);
	rte_eal_cleanup();
	free(eal_argv);
	return status;
}
