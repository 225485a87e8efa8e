/* SPDX-License-Identifier: BSD-3-Clause */
#include "hsb_util.h"

#include <getopt.h>
#include "hsb_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *hsb_prog = "hsplit-bench";

void hsb_set_prog(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;

	if (argv0)
		hsb_prog = slash ? slash + 1 : argv0;
}

void hsb_log(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", hsb_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int hsb_opt_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		hsb_log("bad value for %s: '%s' (an integer in %" PRIu64 "..%" PRIu64 ")", opt, s,
			min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int hsb_opt_size(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const char suffixes[] = "KMG";
	unsigned long long v;
	const char *unit;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!errno && end != s && s[0] != '-' && *end && !end[1] &&
	    (unit = strchr(suffixes, *end & ~0x20)) != NULL) {
		unsigned int shift = 10u * (unsigned int)(unit - suffixes + 1);

		if (v > (UINT64_MAX >> shift))
			errno = ERANGE;
		v <<= shift;
		end++;
	}
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
		hsb_log("bad value for %s: '%s' (bytes in %" PRIu64 "..%" PRIu64
			", K/M/G suffixes allowed)", opt, s, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int hsb_opt_seconds(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 86400) {
		hsb_log("bad value for %s: '%s' (seconds, > 0 and at most 86400)", opt, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int hsb_opt_ipv4(const char *opt, const char *s, struct in_addr *out)
{
	if (inet_pton(AF_INET, s, out) != 1) {
		hsb_log("bad value for %s: '%s' (a dotted IPv4 address)", opt, s);
		return -EINVAL;
	}
	return 0;
}

void hsb_bad_option(int argc, char **argv, int optind_after)
{
	const char *what = optind_after - 1 < argc && optind_after > 1 ?
		argv[optind_after - 1] : "?";

	hsb_log("unknown option or missing value: '%s' (see --help)", what);
}

uint64_t hsb_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

double hsb_ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

int hsb_pattern_init(struct hsb_pattern *p, size_t span)
{
	size_t len = span + HSB_PATTERN_MOD;

	p->span = span;
	p->bytes = malloc(len);
	if (!p->bytes)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		p->bytes[i] = hsb_pattern_byte(i);
	return 0;
}

void hsb_pattern_fini(struct hsb_pattern *p)
{
	free(p->bytes);
	p->bytes = NULL;
}

const uint8_t *hsb_pattern_at(const struct hsb_pattern *p, uint64_t off)
{
	return p->bytes + off % HSB_PATTERN_MOD;
}

uint64_t hsb_pattern_mismatches(const struct hsb_pattern *p, const uint8_t *data, size_t len,
				uint64_t off)
{
	uint64_t bad = 0;

	while (len) {
		size_t n = len < p->span ? len : p->span;
		const uint8_t *want = hsb_pattern_at(p, off);

		/* memcmp is the fast path; count bytes only when a chunk differs */
		if (memcmp(data, want, n) != 0)
			for (size_t i = 0; i < n; i++)
				bad += data[i] != want[i];
		data += n;
		off += n;
		len -= n;
	}
	return bad;
}

void hsb_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

double hsb_gbps(uint64_t bytes, double seconds)
{
	return seconds > 0 ? (double)bytes * 8.0 / seconds / 1e9 : 0.0;
}

int hsb_parse_options(int argc, char **argv, const struct option *opts, int help,
		      void (*usage)(FILE *out), int (*one)(void *ctx, int opt, const char *arg),
		      void *ctx)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == help) {
			usage(stdout);
			return -1;
		}
		if (c == '?' || c == ':') {
			hsb_bad_option(argc, argv, optind);
			return HSB_EXIT_USAGE;
		}
		if (one(ctx, c, optarg) < 0)
			return HSB_EXIT_USAGE;
	}
	if (optind < argc) {
		hsb_log("unexpected argument '%s' (see --help)", argv[optind]);
		return HSB_EXIT_USAGE;
	}
	return 0;
}
