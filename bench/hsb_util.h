/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small pieces hsb-send and hsb-krecv share: option values (a bad one is a
 * message naming the option and exit code 2), the clock, the k % 251
 * pattern as a table to compare against, and JSON strings.
 */
#ifndef HSPLIT_HSB_UTIL_H
#define HSPLIT_HSB_UTIL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HSB_EXIT_OK 0
#define HSB_EXIT_FAIL 1
#define HSB_EXIT_USAGE 2

/* argv[0]'s base name, for messages; set by hsb_set_prog(). */
extern const char *hsb_prog;
void hsb_set_prog(const char *argv0);

/* "prog: message\n" on stderr. */
void hsb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Option values. Each returns 0, or logs "bad value for --opt: ..." and
 * returns -EINVAL. Sizes take an optional K, M or G suffix (powers of 1024).
 */
int hsb_opt_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);
int hsb_opt_size(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out);
int hsb_opt_seconds(const char *opt, const char *s, double *out);
int hsb_opt_ipv4(const char *opt, const char *s, struct in_addr *out);
/* The unknown or incomplete option getopt_long stopped at, as a message. */
void hsb_bad_option(int argc, char **argv, int optind_after);

struct option;
/*
 * The getopt_long loop both programs run: `one` takes each option (< 0 for
 * a bad value, already logged); `help` is the code of --help. Returns 0,
 * -1 after printing the usage for --help, or HSB_EXIT_USAGE for an unknown
 * option, a bad value or a leftover argument.
 */
int hsb_parse_options(int argc, char **argv, const struct option *opts, int help,
		      void (*usage)(FILE *out), int (*one)(void *ctx, int opt, const char *arg),
		      void *ctx);

uint64_t hsb_now_ns(void);
double hsb_ns_to_s(uint64_t ns);

/*
 * The pattern laid out twice over as many bytes as one comparison needs:
 * the bytes at stream offset `off` are at hsb_pattern_at(p, off), `span`
 * of them contiguous.
 */
struct hsb_pattern {
	uint8_t *bytes;
	size_t span;
};

int hsb_pattern_init(struct hsb_pattern *p, size_t span);
void hsb_pattern_fini(struct hsb_pattern *p);
const uint8_t *hsb_pattern_at(const struct hsb_pattern *p, uint64_t off);
/* How many of data[0..len) differ from the pattern at stream offset off. */
uint64_t hsb_pattern_mismatches(const struct hsb_pattern *p, const uint8_t *data, size_t len,
				uint64_t off);

/* s as a JSON string, quotes included. */
void hsb_json_str(FILE *out, const char *s);
/* Gbit/s of `bytes` over `seconds` (0 when no time passed). */
double hsb_gbps(uint64_t bytes, double seconds);

#endif
