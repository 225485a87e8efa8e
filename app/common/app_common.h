/* SPDX-License-Identifier: BSD-3-Clause */
/* What hsplit's small DPDK apps share: EAL argument defaults, stop signals, numbers. */
#ifndef HSPLIT_APP_COMMON_H
#define HSPLIT_APP_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * argv = prog [EAL args] -- [app args]. Returns a calloc'ed EAL argv (free it);
 * with no EAL args the EAL gets "--no-huge -m 512 --no-pci --no-shconf -l 0-1".
 * The app's argv keeps the program name first, for getopt. NULL when out of memory.
 */
char **app_split_args(int argc, char **argv, int *eal_argc, int *app_argc, char ***app_argv);

/*
 * What every app's main() does: split argv (app_split_args), parse the
 * app's options, bring the EAL up, run, clean up. parse returns >= 0 to exit
 * with that status (--help, a bad option) or < 0 to go on. When *json is
 * true after parsing, DPDK's log goes to stderr: stdout carries only the
 * app's JSON. Returns the exit status.
 */
struct app_main_ops {
	const char *prog;                              /* for the EAL failure message */
	int (*parse)(int argc, char **argv, void *opts);
	int (*run)(void *opts);                        /* with the EAL up */
	const bool *json;                              /* NULL: no JSON mode */
};
int app_main(int argc, char **argv, const struct app_main_ops *ops, void *opts);

/* SIGINT/SIGTERM ask the app to stop; app_stop_requested() says whether they did. */
void app_install_stop_signals(void);
bool app_stop_requested(void);

/* A decimal number in [min, max]; -EINVAL otherwise (signs, junk, overflow). */
int app_parse_u64(const char *s, unsigned long long min, unsigned long long max,
		  unsigned long long *out);

/* A decimal number of seconds in [min, max] ("0.5", "2"); -EINVAL otherwise. */
int app_parse_seconds(const char *s, double min, double max, double *out);

/* The machine line every benchmark prints: CPU model, cores, kernel, DPDK, hugepages. */
struct app_machine {
	char cpu[128];
	long cores;
	char kernel[160];
	const char *dpdk;
	bool hugepages;
};

/* Fills m; call after rte_eal_init (hugepages). */
void app_machine_read(struct app_machine *m);

/*
 * JSON helpers for the benchmarks: a quoted, escaped string; and the opening
 * of a "machine" object with cpu, cores, kernel, dpdk and hugepages, left
 * open so the caller adds its own fields and the closing brace.
 */
void app_json_string(const char *s);

/* Exit status for a bad command line. */
#define APP_EXIT_USAGE 2
/* "<prog>: <fmt with arg>", a blank line and the usage on stderr; returns APP_EXIT_USAGE. */
int app_bad_option(void (*usage)(FILE *out, const char *prog), const char *prog,
		   const char *fmt, const char *arg);
/*
 * The two refusals every app's getopt_long loop (optstring starting with
 * ':') ends with, through app_bad_option. app_getopt_refusal: for the ':' or
 * '?' getopt_long just returned, "option 'X' needs a value" or "unknown
 * option 'X'"; returns APP_EXIT_USAGE. app_getopt_leftover: after the loop,
 * "unexpected argument 'X'" (APP_EXIT_USAGE), or -1 when nothing is left.
 */
int app_getopt_refusal(void (*usage)(FILE *out, const char *prog), char **argv, int opt);
int app_getopt_leftover(void (*usage)(FILE *out, const char *prog), int argc, char **argv);
void app_json_machine_open(void);

#endif
