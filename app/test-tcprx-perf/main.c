/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsplit-tcprx-bench [EAL options] -- [--conns LIST] [--reps N] [--seconds S]
 *                                     [--rcv-chunks N] [--batch N] [--polls N] [--json]
 *                                     [--help]
 *
 * Without EAL options: --no-huge -m 512 --no-pci --no-shconf -l 0-1 (the
 * main lcore measures). net_hsplit is linked in, and with it the shared
 * lib/devmem that lib/tcprx's shared library uses too.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "app_common.h"
#include "tcprx_bench.h"

#define EXIT_INTERRUPTED 130

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [EAL options] -- [options]\n"
		"\n"
		"ns per in-order %u-byte TCP segment through lib/tcprx on one lcore: net_hsplit's gen\n"
		"backend as TCP senders (handshake=1), buffer split, payload in a strict memfd dmabuf,\n"
		"tcprx_poll + tcprx_recv + tcprx_dontneed. Split into device and tcprx time.\n"
		"\n"
		"options:\n"
		"  --conns LIST     connection counts, comma-separated, 1..50000\n"
		"                   (default 1,100,1000,10000)\n"
		"  --reps N         timed repetitions per count, 1..64; the median is reported (default %u)\n"
		"  --seconds S      length of one repetition, 0.01 to 60 (default %.0f)\n"
		"  --rcv-chunks N   tcprx rcv_chunks per connection (default 256 up to 100 connections,\n"
		"                   64 up to 1000, 16 beyond)\n"
		"  --batch N        tokens a connection returns per tcprx_dontneed, 1..%u\n"
		"                   (default rcv_chunks / 2)\n"
		"  --seg-bytes N    payload per segment the senders write, %u..%u (default %u);\n"
		"                   below %u tcprx offers the MSS those segments fill\n"
		"  --delack-us N    tcprx's delayed-ACK bound, 1..500000 us (default: the\n"
		"                   library's, 1000); an ACK for a lone segment waits this long\n"
		"  --polls N        each window is N loop rounds (a multiple of 64) instead of\n"
		"                   --seconds: fixed work, for instruction counts under callgrind\n"
		"  --json           one JSON object on stdout\n"
		"  --help           this text\n"
		"\n"
		"EAL options go before \"--\". Given none, the benchmark uses:\n"
		"  --no-huge -m 512 --no-pci --no-shconf -l 0-1\n",
		prog, TB_MSS_PAYLOAD, TB_DEFAULT_REPS, TB_DEFAULT_SECONDS, TB_HOLD_MAX,
		TB_MIN_SEG_BYTES, TB_MSS_PAYLOAD, TB_MSS_PAYLOAD, TB_MSS_PAYLOAD);
}

static int bad_option(const char *prog, const char *fmt, const char *arg)
{
	return app_bad_option(usage, prog, fmt, arg);
}

static int parse_conns(const char *s, struct tb_options *opt)
{
	char buf[128], *tok, *save = NULL;
	unsigned long long v;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	opt->nb_cells = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (opt->nb_cells == TB_MAX_CELLS || app_parse_u64(tok, 1, 50000, &v))
			return -1;
		opt->conns[opt->nb_cells++] = (uint32_t)v;
	}
	return opt->nb_cells ? 0 : -1;
}

static int parse_count(const char *prog, const char *name, const char *arg,
		       unsigned long long min, unsigned long long max, uint32_t *out)
{
	unsigned long long v;
	char fmt[96];

	if (app_parse_u64(arg, min, max, &v) == 0) {
		*out = (uint32_t)v;
		return -1;
	}
	snprintf(fmt, sizeof(fmt), "%s: '%%s' is not a count from %llu to %llu", name, min, max);
	return bad_option(prog, fmt, arg);
}

/* Returns -1 to go on, else the exit status (0 after --help). */
static int parse_options(int argc, char **argv, void *arg)
{
	struct tb_options *opt = arg;
	static const struct option longopts[] = {
		{ "conns", required_argument, NULL, 'c' },
		{ "reps", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "rcv-chunks", required_argument, NULL, 'k' },
		{ "batch", required_argument, NULL, 'b' },
		{ "seg-bytes", required_argument, NULL, 'g' },
		{ "delack-us", required_argument, NULL, 'd' },
		{ "polls", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o, st = -1;

	opterr = 0;
	optind = 1;
	while (st < 0 && (o = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (o) {
		case 'c':
			if (parse_conns(optarg, opt))
				st = bad_option(argv[0], "--conns: '%s' is not a list of up to 8 "
						"counts from 1 to 50000", optarg);
			break;
		case 'r':
			st = parse_count(argv[0], "--reps", optarg, 1, 64, &opt->reps);
			break;
		case 's':
			if (app_parse_seconds(optarg, 0.01, 60, &opt->seconds))
				st = bad_option(argv[0], "--seconds: '%s' is not a number from 0.01 to 60",
						optarg);
			break;
		case 'k':
			st = parse_count(argv[0], "--rcv-chunks", optarg, 2, 65536, &opt->rcv_chunks);
			break;
		case 'b':
			st = parse_count(argv[0], "--batch", optarg, 1, TB_HOLD_MAX, &opt->batch);
			break;
		case 'g':
			st = parse_count(argv[0], "--seg-bytes", optarg, TB_MIN_SEG_BYTES,
					 TB_MSS_PAYLOAD, &opt->seg_bytes);
			break;
		case 'd':
			st = parse_count(argv[0], "--delack-us", optarg, 1, 500000, &opt->delack_us);
			break;
		case 'p':
			st = parse_count(argv[0], "--polls", optarg, 64, 1u << 30, &opt->polls);
			break;
		case 'j':
			opt->json = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:  /* ':' or '?' */
			return app_getopt_refusal(usage, argv, o);
		}
	}
	if (st < 0)
		st = app_getopt_leftover(usage, argc, argv);
	optind = 1;
	return st;
}

static int run_with_eal(void *arg)
{
	const struct tb_options *opt = arg;
	struct tb_run run = { .opt = opt, .lcore = rte_lcore_id() };

	app_install_stop_signals();
	tb_measure_all(&run);
	if (app_stop_requested()) {
		fprintf(stderr, "tcprx-bench: interrupted, no report\n");
		return EXIT_INTERRUPTED;
	}
	if (opt->json)
		tb_report_json(&run);
	else
		tb_report_table(&run);
	if (run.errors)
		fprintf(stderr, "tcprx-bench: %u failures (see above)\n", run.errors);
	return run.errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct tb_options opt = { .reps = TB_DEFAULT_REPS, .seconds = TB_DEFAULT_SECONDS,
				  .seg_bytes = TB_MSS_PAYLOAD,
				  .nb_cells = 4, .conns = { 1, 100, 1000, 10000 } };
	const struct app_main_ops ops = { "tcprx-bench", parse_options, run_with_eal, &opt.json };

	return app_main(argc, argv, &ops, &opt);
}
