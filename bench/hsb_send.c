/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb-send: command line, connections and the report. The loops that move
 * the data are in hsb_send_run.c.
 */
#include "hsb_send.h"
#include "hsb_proto.h"
#include "hsb_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FLOWS 1024u
#define MAX_BULK_MSG (16ull << 20)
#define CONNECT_RETRY_NS 20000000ull /* the receiver may still be starting */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hsb-send --dst IPv4 [--port 5201] [--mode bulk|latency] [--flows N]\n"
		"                [--msg BYTES] [--seconds S | --bytes B] [--count C]\n"
		"                [--interval-us U] [--connect-timeout S] [--drain-timeout S] [--json]\n"
		"bulk: N flows (1..1024), writes of --msg bytes (1..16M, default 64K) of the\n"
		"      k %% 251 pattern for --seconds (default 2) or --bytes in total.\n"
		"latency: one flow, one --msg byte message (16..65536, default 64) every\n"
		"      --interval-us (default 100) for --count messages (default 10000),\n"
		"      each starting with a struct hsb_stamp; open loop.\n"
		"Then SHUT_WR and wait (--drain-timeout, default 30 s) for the receiver to\n"
		"close. One JSON line on stdout; without --json a summary also goes to stderr.\n");
}

static void defaults(struct send_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = HSB_DEFAULT_PORT;
	o->flows = 1;
	o->seconds = 2;
	o->count = 10000;
	o->interval_us = 100;
	o->connect_timeout = 10;
	o->drain_timeout = 30;
}

enum { OPT_DST = 256, OPT_PORT, OPT_MODE, OPT_FLOWS, OPT_MSG, OPT_SECONDS, OPT_BYTES,
       OPT_COUNT, OPT_INTERVAL, OPT_CTIMEOUT, OPT_DTIMEOUT, OPT_JSON, OPT_HELP };

static const struct option long_opts[] = {
	{ "dst", required_argument, NULL, OPT_DST },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "msg", required_argument, NULL, OPT_MSG },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "bytes", required_argument, NULL, OPT_BYTES },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "interval-us", required_argument, NULL, OPT_INTERVAL },
	{ "connect-timeout", required_argument, NULL, OPT_CTIMEOUT },
	{ "drain-timeout", required_argument, NULL, OPT_DTIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

struct seen { bool dst, msg, seconds, bytes, flows, count, interval; };

static int parse_one(struct send_opts *o, struct seen *s, int c, const char *arg)
{
	uint64_t v;
	int rc = 0;

	switch (c) {
	case OPT_DST: s->dst = true; return hsb_opt_ipv4("--dst", arg, &o->dst);
	case OPT_PORT:
		rc = hsb_opt_u64("--port", arg, 1, 65535, &v);
		o->port = (uint16_t)v;
		return rc;
	case OPT_MODE:
		if (strcmp(arg, "bulk") && strcmp(arg, "latency")) {
			hsb_log("bad value for --mode: '%s' (bulk or latency)", arg);
			return -EINVAL;
		}
		o->latency = arg[0] == 'l';
		return 0;
	case OPT_FLOWS:
		s->flows = true;
		rc = hsb_opt_u64("--flows", arg, 1, MAX_FLOWS, &v);
		o->flows = (uint32_t)v;
		return rc;
	case OPT_MSG: s->msg = true; return hsb_opt_size("--msg", arg, 1, MAX_BULK_MSG, &o->msg);
	case OPT_SECONDS: s->seconds = true; return hsb_opt_seconds("--seconds", arg, &o->seconds);
	case OPT_BYTES: s->bytes = true; return hsb_opt_size("--bytes", arg, 1, UINT64_MAX, &o->bytes);
	case OPT_COUNT: s->count = true; return hsb_opt_u64("--count", arg, 1, 100000000, &o->count);
	case OPT_INTERVAL:
		s->interval = true;
		return hsb_opt_u64("--interval-us", arg, 1, 10000000, &o->interval_us);
	case OPT_CTIMEOUT: return hsb_opt_seconds("--connect-timeout", arg, &o->connect_timeout);
	case OPT_DTIMEOUT: return hsb_opt_seconds("--drain-timeout", arg, &o->drain_timeout);
	case OPT_JSON: o->json = true; return 0;
	default: return -EINVAL;
	}
}

/* Options that only make sense together, checked once all are known. */
static int check_combination(struct send_opts *o, const struct seen *s)
{
	if (!s->dst) {
		hsb_log("missing --dst (the receiver's IPv4 address)");
		return -EINVAL;
	}
	if (s->seconds && s->bytes) {
		hsb_log("bad combination: --seconds and --bytes (bulk takes one of them)");
		return -EINVAL;
	}
	if (o->latency) {
		if (s->flows && o->flows != 1) {
			hsb_log("bad value for --flows: latency mode uses exactly one flow");
			return -EINVAL;
		}
		if (s->seconds || s->bytes) {
			hsb_log("bad option for latency mode: %s (use --count)",
				s->seconds ? "--seconds" : "--bytes");
			return -EINVAL;
		}
		if (!s->msg)
			o->msg = 64;
		if (o->msg < sizeof(struct hsb_stamp) || o->msg > 65536) {
			hsb_log("bad value for --msg: %" PRIu64 " (latency: 16..65536)", o->msg);
			return -EINVAL;
		}
		return 0;
	}
	if (s->count || s->interval) {
		hsb_log("bad option for bulk mode: %s (latency only)",
			s->count ? "--count" : "--interval-us");
		return -EINVAL;
	}
	if (!s->msg)
		o->msg = 65536;
	return 0;
}

struct parse_ctx {
	struct send_opts *o;
	struct seen *s;
};

static int parse_one_cb(void *ctx, int opt, const char *arg)
{
	struct parse_ctx *p = ctx;

	return parse_one(p->o, p->s, opt, arg);
}

/* 0, or the exit code to leave with (2 for a bad command line, 0 for --help). */
static int parse_args(int argc, char **argv, struct send_opts *o)
{
	struct seen s = { 0 };
	int rc;

	defaults(o);
	rc = hsb_parse_options(argc, argv, long_opts, OPT_HELP, usage, parse_one_cb,
			       &(struct parse_ctx){ o, &s });
	if (rc != 0)
		return rc;
	return check_combination(o, &s) < 0 ? HSB_EXIT_USAGE : 0;
}

/* One connect() attempt bounded by the overall deadline; 0, -errno. */
static int connect_once(const struct sockaddr_in *sa, uint64_t deadline_ns, int *out)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0, one = 1;
	socklen_t len = sizeof(err);
	uint64_t now;

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 && errno != EINPROGRESS) {
		err = errno;
		goto fail;
	}
	now = hsb_now_ns();
	if (poll(&p, 1, now < deadline_ns ? (int)((deadline_ns - now) / 1000000u) + 1 : 0) <= 0) {
		err = ETIMEDOUT;
		goto fail;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err)
		goto fail;
	/* a message is a write: no Nagle delay on any design */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
		err = errno;
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return -err;
}

static int connect_all(const struct send_opts *o, int *fds, struct send_result *r)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(o->port),
				  .sin_addr = o->dst };
	uint64_t deadline = hsb_now_ns() + (uint64_t)(o->connect_timeout * 1e9);
	struct timespec pause = { 0, CONNECT_RETRY_NS };
	int rc = 0;

	for (uint32_t i = 0; i < o->flows; i++) {
		while ((rc = connect_once(&sa, deadline, &fds[i])) < 0 && hsb_now_ns() < deadline)
			nanosleep(&pause, NULL);
		if (rc < 0) {
			hsb_log("cannot connect flow %u to %s:%u within %.1f s: %s", i,
				inet_ntoa(o->dst), o->port, o->connect_timeout, strerror(-rc));
			return rc;
		}
		if (i == 0)
			r->t_first_connect_ns = hsb_now_ns();
	}
	return 0;
}

static void report(const struct send_opts *o, const struct send_result *r)
{
	double secs = hsb_ns_to_s(r->t_last_eof_ns - r->t_first_connect_ns);
	double gbps = hsb_gbps(r->bytes, secs);

	printf("{\"tool\":\"hsb-send\",\"mode\":\"%s\",\"flows\":%u,\"msg\":%" PRIu64
	       ",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,\"gbps\":%.4f,\"writes\":%" PRIu64,
	       o->latency ? "latency" : "bulk", o->flows, o->msg, r->bytes, secs, gbps, r->writes);
	if (o->latency) {
		printf(",\"messages\":%" PRIu64 ",\"late\":%" PRIu64 ",\"interval_us\":%" PRIu64
		       ",\"send_call\":", r->messages, r->late, o->interval_us);
		app_hist_json(stdout, &r->send_call);
	}
	printf("}\n");
	fflush(stdout);
	if (!o->json)
		fprintf(stderr, "hsb-send: %s, %u flow(s): %" PRIu64 " bytes in %.3f s = %.3f Gbit/s\n",
			o->latency ? "latency" : "bulk", o->flows, r->bytes, secs, gbps);
}

static int run(const struct send_opts *o)
{
	struct send_result r;
	int *fds = calloc(o->flows, sizeof(*fds));
	int rc;

	if (!fds) {
		hsb_log("out of memory for %u flows", o->flows);
		return HSB_EXIT_FAIL;
	}
	memset(&r, 0, sizeof(r));
	app_hist_init(&r.send_call);
	for (uint32_t i = 0; i < o->flows; i++)
		fds[i] = -1;
	rc = connect_all(o, fds, &r);
	if (rc == 0)
		rc = o->latency ? send_latency(o, fds[0], &r) : send_bulk(o, fds, &r);
	if (rc == 0)
		rc = send_wait_closed(o, fds, o->flows, &r);
	if (rc == 0)
		report(o, &r);
	for (uint32_t i = 0; i < o->flows; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return rc == 0 ? HSB_EXIT_OK : HSB_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	struct send_opts o;
	int rc;

	hsb_set_prog(argv[0]);
	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? HSB_EXIT_OK : rc;
	return run(&o);
}
