/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb-krecv: command line, the one-thread epoll server and the report.
 * Reading (plain and zero-copy) is in hsb_krecv_read.c, busy polling in
 * hsb_krecv_busy.c, devmem TCP in hsb_krecv_devmem.c, io_uring zcrx (its
 * own event loop) in hsb_krecv_zcrx.c, the probes in hsb_probe.c.
 */
#include "hsb_krecv.h"
#include "hsb_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 100000u
#define MAX_BUF (64ull << 20)
#define EPOLL_MS 100
#define LISTEN_TAG UINT64_MAX
#define BUSY_US_DEFAULT (EPOLL_MS * 1000u)
#define BUSY_BUDGET_DEFAULT 64u /* NAPI_POLL_WEIGHT: more needs CAP_NET_ADMIN */
#define DMABUF_DEFAULT "udmabuf:size=32M"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hsb-krecv --bind IPv4 [--port 5201]\n"
		"                 [--design recv|zerocopy|busypoll|devmem|zcrx]\n"
		"                 [--conns N] [--msg BYTES] [--latency] [--verify] [--buf BYTES]\n"
		"                 [--timeout S] [--busy-poll-us US] [--busy-poll-budget N]\n"
		"                 [--ifname IF [--queue Q] [--dmabuf SPEC]] [--json]\n"
		"       hsb-krecv --probe devmem|zcrx --ifname IF [--queue Q] [--json]\n"
		"Accepts --conns connections (default 1) and reads them in one epoll thread\n"
		"into a --buf byte buffer (default 256K) until every one is at EOF, then closes\n"
		"them. --latency: --msg byte messages (16..65536) starting with a struct\n"
		"hsb_stamp; one-way latency per message. --verify: check the k %% 251 bulk\n"
		"pattern. --timeout (default 60 s) bounds the whole run. busypoll: epoll busy\n"
		"polling (EPIOCSPARAMS, prefer-busy-poll) for --busy-poll-us per epoll_wait\n"
		"(default 100000) with a budget of --busy-poll-budget packets (default 64), and\n"
		"SO_BUSY_POLL, SO_PREFER_BUSY_POLL, SO_BUSY_POLL_BUDGET on every socket; the\n"
		"device needs a NAPI and deferred interrupts (doc/hsplit-bench.md).\n"
		"devmem, zcrx: turn tcp-data-split on for --ifname and take RX queue --queue\n"
		"(default 0; the flows must be steered there): devmem binds a dma-buf to it\n"
		"(--dmabuf, a lib/devmem spec, default " DMABUF_DEFAULT ") and reads with\n"
		"MSG_SOCK_DEVMEM; zcrx registers an io_uring zero-copy queue with a 16 MiB\n"
		"user area. A refusal is reported (\"supported\":false, the errno) and the\n"
		"run reads with recv(). Payload is read only for --verify or --latency.\n"
		"--probe: can devmem TCP or io_uring zcrx bind --ifname here? One JSON line on\n"
		"stdout; without --json a summary also goes to stderr.\n");
}

enum { OPT_BIND = 256, OPT_PORT, OPT_DESIGN, OPT_CONNS, OPT_MSG, OPT_LATENCY, OPT_VERIFY,
       OPT_BUF, OPT_TIMEOUT, OPT_JSON, OPT_PROBE, OPT_IFNAME, OPT_BUSY_US, OPT_BUSY_BUDGET,
       OPT_QUEUE, OPT_DMABUF, OPT_HELP };

static const struct option long_opts[] = {
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "design", required_argument, NULL, OPT_DESIGN },
	{ "conns", required_argument, NULL, OPT_CONNS },
	{ "msg", required_argument, NULL, OPT_MSG },
	{ "latency", no_argument, NULL, OPT_LATENCY },
	{ "verify", no_argument, NULL, OPT_VERIFY },
	{ "buf", required_argument, NULL, OPT_BUF },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "probe", required_argument, NULL, OPT_PROBE },
	{ "ifname", required_argument, NULL, OPT_IFNAME },
	{ "busy-poll-us", required_argument, NULL, OPT_BUSY_US },
	{ "busy-poll-budget", required_argument, NULL, OPT_BUSY_BUDGET },
	{ "queue", required_argument, NULL, OPT_QUEUE },
	{ "dmabuf", required_argument, NULL, OPT_DMABUF },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

struct seen { bool bind, msg, busy, queue, dmabuf; };

static const char *const design_names[] = {
	[DESIGN_RECV] = "recv", [DESIGN_ZEROCOPY] = "zerocopy", [DESIGN_BUSYPOLL] = "busypoll",
	[DESIGN_DEVMEM] = "devmem", [DESIGN_ZCRX] = "zcrx",
};
#define N_DESIGNS ((int)(sizeof(design_names) / sizeof(design_names[0])))

/* The index of arg in words[0..n), or a message listing them. */
static int parse_word(const char *opt, const char *arg, const char *const *words, int n,
		      int *out)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(arg, words[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	char list[128] = "";

	for (int i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i == 0 ? "" : i == n - 1 ? " or " : ", ", words[i]);
	hsb_log("bad value for %s: '%s' (%s)", opt, arg, list);
	return -EINVAL;
}

static int parse_one(struct krecv_opts *o, struct seen *s, int c, const char *arg)
{
	uint64_t v;
	int rc = 0, w = 0;

	switch (c) {
	case OPT_BIND: s->bind = true; return hsb_opt_ipv4("--bind", arg, &o->bind);
	case OPT_PORT:
		rc = hsb_opt_u64("--port", arg, 1, 65535, &v);
		o->port = (uint16_t)v;
		return rc;
	case OPT_DESIGN:
		rc = parse_word("--design", arg, design_names, N_DESIGNS, &w);
		o->design = (enum krecv_design)w;
		return rc;
	case OPT_CONNS:
		rc = hsb_opt_u64("--conns", arg, 1, MAX_CONNS, &v);
		o->conns = (uint32_t)v;
		return rc;
	case OPT_MSG: s->msg = true; return hsb_opt_size("--msg", arg, 1, 16ull << 20, &o->msg);
	case OPT_LATENCY: o->latency = true; return 0;
	case OPT_VERIFY: o->verify = true; return 0;
	case OPT_BUF: return hsb_opt_size("--buf", arg, 1, MAX_BUF, &o->buf);
	case OPT_TIMEOUT: return hsb_opt_seconds("--timeout", arg, &o->timeout);
	case OPT_JSON: o->json = true; return 0;
	case OPT_BUSY_US:
		s->busy = true;
		rc = hsb_opt_u64("--busy-poll-us", arg, 1, INT32_MAX, &v);
		o->busy_us = (uint32_t)v;
		return rc;
	case OPT_BUSY_BUDGET:
		s->busy = true;
		rc = hsb_opt_u64("--busy-poll-budget", arg, 1, UINT16_MAX, &v);
		o->busy_budget = (uint16_t)v;
		return rc;
	case OPT_QUEUE:
		s->queue = true;
		rc = hsb_opt_u64("--queue", arg, 0, 4095, &v);
		o->queue = (uint32_t)v;
		return rc;
	case OPT_DMABUF:
		s->dmabuf = true;
		o->dmabuf = arg;
		return 0;
	case OPT_PROBE:
		rc = parse_word("--probe", arg, (const char *const[]){ "devmem", "zcrx" }, 2, &w);
		o->probe = w ? PROBE_ZCRX : PROBE_DEVMEM;
		return rc;
	case OPT_IFNAME:
		if (!arg[0] || strlen(arg) >= IF_NAMESIZE) {
			hsb_log("bad value for --ifname: '%s' (an interface name)", arg);
			return -EINVAL;
		}
		o->ifname = arg;
		return 0;
	default: return -EINVAL;
	}
}

static int check_combination(struct krecv_opts *o, const struct seen *s)
{
	bool takes_queue = o->design == DESIGN_DEVMEM || o->design == DESIGN_ZCRX;

	if (o->probe != PROBE_NONE) {
		if (!o->ifname) {
			hsb_log("missing --ifname (the interface --probe asks about)");
			return -EINVAL;
		}
		if (s->dmabuf) {
			hsb_log("bad option: --dmabuf is for --design devmem");
			return -EINVAL;
		}
		return 0;
	}
	if (takes_queue && !o->ifname) {
		hsb_log("missing --ifname (the device whose --queue --design %s takes)",
			design_names[o->design]);
		return -EINVAL;
	}
	if (!takes_queue && (o->ifname || s->queue)) {
		hsb_log("bad option: --ifname and --queue are for --probe and --design devmem|zcrx");
		return -EINVAL;
	}
	if (s->dmabuf && o->design != DESIGN_DEVMEM) {
		hsb_log("bad option: --dmabuf is for --design devmem");
		return -EINVAL;
	}
	if (!s->bind) {
		hsb_log("missing --bind (the IPv4 address to listen on)");
		return -EINVAL;
	}
	if (s->busy && o->design != DESIGN_BUSYPOLL) {
		hsb_log("bad option: --busy-poll-us and --busy-poll-budget are for --design busypoll");
		return -EINVAL;
	}
	if (o->latency && o->verify) {
		hsb_log("bad combination: --verify checks the bulk pattern, not --latency messages");
		return -EINVAL;
	}
	if (o->latency && (!s->msg || o->msg < sizeof(struct hsb_stamp) || o->msg > 65536)) {
		hsb_log("bad value for --msg: --latency needs the message size, 16..65536");
		return -EINVAL;
	}
	return 0;
}

struct parse_ctx {
	struct krecv_opts *o;
	struct seen *s;
};

static int parse_one_cb(void *ctx, int opt, const char *arg)
{
	struct parse_ctx *p = ctx;

	return parse_one(p->o, p->s, opt, arg);
}

static int parse_args(int argc, char **argv, struct krecv_opts *o)
{
	struct seen s = { 0 };
	int rc;

	memset(o, 0, sizeof(*o));
	o->port = HSB_DEFAULT_PORT;
	o->conns = 1;
	o->buf = 256u << 10;
	o->timeout = 60;
	o->busy_us = BUSY_US_DEFAULT;
	o->busy_budget = BUSY_BUDGET_DEFAULT;
	o->dmabuf = DMABUF_DEFAULT;
	rc = hsb_parse_options(argc, argv, long_opts, OPT_HELP, usage, parse_one_cb,
			       &(struct parse_ctx){ o, &s });
	if (rc != 0)
		return rc;
	return check_combination(o, &s) < 0 ? HSB_EXIT_USAGE : 0;
}

static int listen_on(const struct krecv_opts *o)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(o->port),
				  .sin_addr = o->bind };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, err;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, o->conns < 4096 ? (int)o->conns : 4096) < 0) {
		err = errno;
		hsb_log("listen on %s:%u: %s", inet_ntoa(o->bind), o->port, strerror(err));
		close(fd);
		return -err;
	}
	return fd;
}

struct server {
	struct krecv *k;
	struct krecv_conn *conns;
	uint32_t accepted, at_eof;
	int lfd, ep;
};

/* Take every pending connection (up to --conns); 0 or -errno. */
static int accept_ready(struct server *sv)
{
	while (sv->accepted < sv->k->o->conns) {
		struct krecv_conn *c = &sv->conns[sv->accepted];
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = sv->accepted };
		int fd = accept4(sv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		c->fd = fd;
		if (sv->k->o->design == DESIGN_ZEROCOPY)
			krecv_zc_attach(sv->k, c);
		if (sv->k->o->design == DESIGN_BUSYPOLL)
			krecv_busy_attach(sv->k, c);
		if (epoll_ctl(sv->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -errno;
		sv->accepted++;
	}
	/* all here: stop listening so a stray connect is refused, not queued */
	epoll_ctl(sv->ep, EPOLL_CTL_DEL, sv->lfd, NULL);
	close(sv->lfd);
	sv->lfd = -1;
	return 0;
}

static int serve_event(struct server *sv, uint64_t tag)
{
	struct krecv_conn *c;
	int rc;

	if (tag == LISTEN_TAG) {
		rc = accept_ready(sv);
		if (rc < 0)
			hsb_log("accept: %s", strerror(-rc));
		return rc;
	}
	c = &sv->conns[tag];
	rc = sv->k->o->design == DESIGN_ZEROCOPY ? krecv_read_zerocopy(sv->k, c) :
		sv->k->dm && sv->k->st.dev_supported ? krecv_read_devmem(sv->k, c) :
		krecv_read_plain(sv->k, c);
	if (rc < 0) {
		hsb_log("connection %" PRIu64 " after %" PRIu64 " bytes: %s", tag, c->off,
			strerror(-rc));
		return rc;
	}
	if (c->eof) {
		epoll_ctl(sv->ep, EPOLL_CTL_DEL, c->fd, NULL);
		if (++sv->at_eof == sv->k->o->conns)
			krecv_last_eof(sv->k);
	}
	return 0;
}

static int serve_loop(struct server *sv)
{
	const struct krecv_opts *o = sv->k->o;
	uint64_t deadline = hsb_now_ns() + (uint64_t)(o->timeout * 1e9);
	struct epoll_event evs[64];
	int n, rc = 0;

	while (sv->at_eof < o->conns && rc == 0) {
		if (hsb_now_ns() >= deadline) {
			hsb_log("timed out after %.1f s: %u of %u connection(s) accepted, %u at EOF, "
				"%" PRIu64 " bytes", o->timeout, sv->accepted, o->conns, sv->at_eof,
				sv->k->st.bytes);
			return -ETIMEDOUT;
		}
		n = epoll_wait(sv->ep, evs, 64, EPOLL_MS);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int i = 0; i < n && rc == 0; i++)
			rc = serve_event(sv, evs[i].data.u64);
	}
	return rc;
}

static int serve(struct krecv *k)
{
	struct server sv = { .k = k, .lfd = -1, .ep = -1 };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = LISTEN_TAG };
	int rc;

	/* before the handshakes: the counters then cover every packet of the run */
	krecv_napi_sample(&k->st.napi_first);
	sv.conns = calloc(k->o->conns, sizeof(*sv.conns));
	sv.lfd = listen_on(k->o);
	sv.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!sv.conns || sv.lfd < 0 || sv.ep < 0) {
		rc = !sv.conns ? -ENOMEM : sv.lfd < 0 ? sv.lfd : -errno;
		goto out;
	}
	if (k->o->design == DESIGN_BUSYPOLL)
		krecv_busy_epoll(k, sv.ep);
	if (k->zx && k->st.dev_supported) {
		rc = krecv_zcrx_serve(k, sv.lfd, sv.conns);
		sv.accepted = 0; /* it closed them */
		goto out;
	}
	rc = epoll_ctl(sv.ep, EPOLL_CTL_ADD, sv.lfd, &ev) < 0 ? -errno : 0;
	if (rc == 0)
		rc = serve_loop(&sv);
out:
	for (uint32_t i = 0; sv.conns && i < sv.accepted; i++) {
		if (k->o->design == DESIGN_ZEROCOPY)
			krecv_zc_detach(k, &sv.conns[i]);
		close(sv.conns[i].fd); /* the sender waits for this close */
	}
	if (sv.lfd >= 0)
		close(sv.lfd);
	if (sv.ep >= 0)
		close(sv.ep);
	free(sv.conns);
	return rc;
}

static double tv_s(const struct timeval *a, const struct timeval *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_usec - a->tv_usec) / 1e6;
}

static void report_zerocopy(const struct krecv *k)
{
	const struct krecv_stats *st = &k->st;
	char note[512];

	krecv_zc_note(k, note, sizeof(note));
	printf(",\"mapped_bytes\":%" PRIu64 ",\"copied_bytes\":%" PRIu64 ",\"recv_bytes\":%" PRIu64
	       ",\"zc_calls\":%" PRIu64 ",\"path_mtu\":%d,\"mss\":%d,\"note\":", st->mapped,
	       st->copied, st->recvd, st->zc_calls, st->path_mtu, st->mss);
	hsb_json_str(stdout, note);
	if (!st->zc_supported) {
		printf(",\"reason\":");
		hsb_json_str(stdout, st->zc_reason);
	}
}

/* How many of the packets this namespace received a busy poll took from a NAPI. */
static void report_napi(const struct krecv *k)
{
	const struct krecv_napi_sample *a = &k->st.napi_first, *b = &k->st.napi_last;

	if (!a->valid || !b->valid)
		return;
	printf(",\"napi\":{\"busy_polled\":%" PRIu64 ",\"rx_packets\":%" PRIu64 "}",
	       b->busy_polled - a->busy_polled, b->rx_packets - a->rx_packets);
}

static void report_busy(const struct krecv *k)
{
	printf(",\"busy_poll_us\":%u,\"busy_poll_budget\":%u", k->o->busy_us, k->o->busy_budget);
	if (!k->st.busy_supported) {
		printf(",\"reason\":");
		hsb_json_str(stdout, k->st.busy_reason);
	}
}

static bool design_supported(const struct krecv *k)
{
	switch (k->o->design) {
	case DESIGN_ZEROCOPY: return k->st.zc_supported;
	case DESIGN_BUSYPOLL: return k->st.busy_supported;
	case DESIGN_DEVMEM:
	case DESIGN_ZCRX: return k->st.dev_supported;
	default: return true;
	}
}

static void report(const struct krecv *k)
{
	const struct krecv_opts *o = k->o;
	const struct krecv_stats *st = &k->st;
	/* no byte ever came: there is no interval to measure */
	const struct rusage *from = st->t_first_ns ? &st->ru_first : &st->ru_last;
	double secs = st->t_first_ns ? hsb_ns_to_s(st->t_last_eof_ns - st->t_first_ns) : 0;
	double user = tv_s(&from->ru_utime, &st->ru_last.ru_utime);
	double sys = tv_s(&from->ru_stime, &st->ru_last.ru_stime);
	bool zc = o->design == DESIGN_ZEROCOPY;
	const char *name = design_names[o->design];

	printf("{\"tool\":\"hsb-krecv\",\"design\":\"%s\",\"supported\":%s,\"conns\":%u,"
	       "\"buf\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,\"gbps\":%.4f,"
	       "\"reads\":%" PRIu64 ",\"cpu_user_s\":%.6f,\"cpu_sys_s\":%.6f,\"cpu_s\":%.6f,"
	       "\"sleeps\":%ld,\"preempted\":%ld",
	       name, design_supported(k) ? "true" : "false", o->conns,
	       o->buf, st->bytes, secs, hsb_gbps(st->bytes, secs), st->reads, user, sys,
	       user + sys, st->ru_last.ru_nvcsw - from->ru_nvcsw,
	       st->ru_last.ru_nivcsw - from->ru_nivcsw);
	if (o->verify)
		printf(",\"verify_errors\":%" PRIu64, st->verify_errors);
	if (o->latency) {
		printf(",\"msg\":%" PRIu64 ",\"messages\":%" PRIu64 ",\"bad_stamps\":%" PRIu64
		       ",\"latency\":", o->msg, st->messages, st->bad_stamps);
		app_hist_json(stdout, &st->latency);
	}
	report_napi(k);
	if (zc)
		report_zerocopy(k);
	if (o->design == DESIGN_BUSYPOLL)
		report_busy(k);
	krecv_devmem_report(k);
	krecv_zcrx_report(k);
	if (!k->st.dev_supported) {
		printf(",\"reason\":");
		hsb_json_str(stdout, k->st.dev_reason);
	}
	printf("}\n");
	fflush(stdout);
	if (!o->json)
		fprintf(stderr, "hsb-krecv: %s, %u conn(s): %" PRIu64 " bytes in %.3f s = %.3f Gbit/s,"
			" cpu %.3f s\n", name, o->conns, st->bytes, secs,
			hsb_gbps(st->bytes, secs), user + sys);
}

static int run(const struct krecv_opts *o)
{
	struct krecv k = { .o = o };
	int rc;

	k.page = sysconf(_SC_PAGESIZE);
	k.map_len = (o->buf + (uint64_t)k.page - 1) / (uint64_t)k.page * (uint64_t)k.page;
	k.st.zc_supported = true;
	k.st.busy_supported = true;
	k.st.dev_supported = true;
	app_hist_init(&k.st.latency);
	k.buf = malloc(k.map_len);
	if (!k.buf || (o->verify && hsb_pattern_init(&k.pat, k.map_len) < 0)) {
		hsb_log("out of memory for a %" PRIu64 "-byte buffer", o->buf);
		free(k.buf);
		return HSB_EXIT_FAIL;
	}
	rc = 0;
	if (o->design == DESIGN_DEVMEM)
		rc = krecv_devmem_start(&k);
	if (o->design == DESIGN_ZCRX)
		rc = krecv_zcrx_start(&k);
	if (rc == 0)
		rc = serve(&k);
	if (rc == 0)
		report(&k);
	krecv_devmem_stop(&k);
	krecv_zcrx_stop(&k);
	hsb_pattern_fini(&k.pat);
	free(k.buf);
	return rc == 0 ? HSB_EXIT_OK : HSB_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	struct krecv_opts o;
	int rc;

	hsb_set_prog(argv[0]);
	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? HSB_EXIT_OK : rc;
	if (o.probe == PROBE_DEVMEM)
		return krecv_probe_devmem(&o);
	if (o.probe == PROBE_ZCRX)
		return krecv_probe_zcrx(&o);
	return run(&o);
}
