/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Settings. One table names every setting once: its command-line option
 * (--name) is also its config-file key (name = value). Defaults first, then
 * the file given with --config, then the command line, so the command line
 * wins. Every bad value is refused with what the setting accepts.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>
#include <rte_ether.h>

#include "app_common.h"
#include "hsplit_rx.h"

enum opt_type {
	T_FLAG,     /* bool; command line: --x or --x=no; file: yes/no/true/false/on/off/1/0 */
	T_U32,      /* decimal in [min, max] */
	T_SIZE,     /* bytes with K/M/G/T suffix (powers of 1024) in [min, max] */
	T_SECONDS,  /* decimal seconds, fractions allowed, in [min, max] */
	T_STRING,   /* copied; at most size - 1 characters */
	T_LISTEN,   /* ip:port or [ipv6]:port */
};

struct opt_def {
	const char *name;
	enum opt_type type;
	size_t off;
	size_t size;       /* T_STRING: buffer size; T_U32/T_SIZE: 4 or 8 */
	uint64_t min, max;
	const char *accepts; /* for messages: what a good value looks like */
};

#define OFF(f) offsetof(struct hrx_options, f), sizeof(((struct hrx_options *)0)->f)

static const struct opt_def opt_defs[] = {
	{ "listen", T_LISTEN, OFF(listen), 0, 0, "IP:PORT, e.g. 10.99.0.2:5201 or [fd00::2]:5201" },
	{ "vdev", T_STRING, OFF(vdev), 0, 0, "net_hsplitN,devargs (without dmabuf=)" },
	{ "backend", T_STRING, OFF(backend), 0, 0, "afxdp, afpacket, kq, pcap, gen or peer" },
	{ "iface", T_STRING, OFF(iface), 0, 0, "a network interface name (at most 15 characters)" },
	{ "queue", T_U32, OFF(queue), 0, 15, "a queue index from 0 to 15" },
	{ "devargs", T_STRING, OFF(devargs), 0, 0, "more net_hsplit devargs, key=value[,...]" },
	{ "dmabuf", T_STRING, OFF(dmabuf), 0, 0, "a lib/devmem spec, e.g. memfd:size=256M" },
	{ "chunk", T_SIZE, OFF(chunk), 4096, 2u << 20, "a power of two from 4K to 2M" },
	{ "ring", T_U32, OFF(ring), 64, 4096, "a descriptor count from 64 to 4096" },
	{ "mbufs", T_U32, OFF(mbufs), 0, 1u << 22, "0 (derived) or an mbuf count up to 4194304" },
	{ "burst", T_U32, OFF(burst), 1, 512, "a frame count from 1 to 512" },
	{ "mtu", T_U32, OFF(mtu), 0, 9198, "0 (leave it) or an MTU from 68 to 9198" },
	{ "max-conns", T_U32, OFF(max_conns), 1, 65536, "a count from 1 to 65536" },
	{ "rcv-chunks", T_U32, OFF(rcv_chunks), 4, 65536, "a chunk count from 4 to 65536" },
	{ "max-ooo", T_U32, OFF(max_ooo), 0, 4096, "0 (= rcv-chunks) or a record count up to 4096" },
	{ "mss", T_U32, OFF(mss), 0, 9000, "0 (from the MTU) or 88 to 9000" },
	{ "wscale", T_U32, OFF(wscale), 0, 14, "a shift from 0 to 14" },
	{ "delack-us", T_U32, OFF(delack_us), 1, 500000, "microseconds from 1 to 500000" },
	{ "no-sack", T_FLAG, OFF(no_sack), 0, 0, NULL },
	{ "no-timestamps", T_FLAG, OFF(no_timestamps), 0, 0, NULL },
	{ "vlan", T_U32, OFF(vlan), 0, 4094, "0 (untagged) or a VLAN ID from 1 to 4094" },
	{ "verify", T_FLAG, OFF(verify), 0, 0, NULL },
	{ "batch", T_U32, OFF(batch), 1, DEVMEM_DONTNEED_MAX_FRAGS, "a token count from 1 to 1024" },
	{ "hold-ms", T_U32, OFF(hold_ms), 0, 600000, "milliseconds from 0 to 600000" },
	{ "stall-after", T_SIZE, OFF(stall_after), 0, UINT64_MAX, "a byte count (K/M/G suffixes)" },
	{ "stall-ms", T_U32, OFF(stall_ms), 0, 600000, "milliseconds from 0 to 600000" },
	{ "random-app", T_U32, OFF(random_app), 0, UINT32_MAX, "a seed from 1 to 4294967295, or 0 (off)" },
	{ "latency", T_FLAG, OFF(latency), 0, 0, NULL },
	{ "tsval-ms", T_FLAG, OFF(tsval_ms), 0, 0, NULL },
	{ "msg", T_SIZE, OFF(msg), 1, 1u << 30, "a message size in bytes from 1 to 1G" },
	{ "conns", T_SIZE, OFF(exit_conns), 0, UINT64_MAX, "a connection count" },
	{ "bytes", T_SIZE, OFF(exit_bytes), 0, UINT64_MAX, "a byte count (K/M/G suffixes)" },
	{ "seconds", T_SECONDS, OFF(exit_seconds), 0, 31536000, "seconds, e.g. 2.5" },
	{ "interval", T_SECONDS, OFF(interval), 0, 3600, "seconds, 0 for no progress lines" },
	{ "json", T_FLAG, OFF(json), 0, 0, NULL },
	{ "quiet", T_FLAG, OFF(quiet), 0, 0, NULL },
	{ "samples", T_STRING, OFF(samples), 0, 0, "a file name for one JSON line per interval" },
};

#define NB_OPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))
#define OPT_CONFIG 1000
#define OPT_HELP 1001

void hrx_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [EAL options] -- --listen IP:PORT (--backend B --iface IF | --vdev SPEC) [options]\n"
		"\n"
		"Receive TCP on the bypass stack: net_hsplit splits headers from payload,\n"
		"payload lands in a dmabuf, lib/tcprx runs TCP, and fragments are consumed\n"
		"as (dmabuf id, offset, length, token) and handed back in batches.\n"
		"\n"
		"where:\n"
		"  --listen IP:PORT      address and port to accept connections on (required)\n"
		"  --backend B           afxdp, afpacket, kq, pcap, gen or peer\n"
		"  --iface IF            kernel interface for afxdp/afpacket/kq\n"
		"  --queue N             interface queue for afxdp/afpacket/kq (0)\n"
		"  --devargs K=V[,...]   more net_hsplit devargs (see doc/net_hsplit.md)\n"
		"  --vdev SPEC           instead of the three above: net_hsplit0,backend=...,...\n"
		"device memory:\n"
		"  --dmabuf SPEC         payload memory, bound by the app (memfd:size=256M)\n"
		"  --chunk SIZE          chunk size of the binding (4K)\n"
		"  --ring N, --burst N   rx descriptors (1024), frames per poll (64)\n"
		"  --mbufs N             header and payload mbufs each (0: derived)\n"
		"  --mtu N               the port's MTU (1500); the MSS follows, and --chunk must\n"
		"                        hold a whole frame (MTU + 18)\n"
		"TCP (lib/tcprx):\n"
		"  --max-conns N         connection slots (64)\n"
		"  --rcv-chunks N        payload chunks one connection may hold (256)\n"
		"  --max-ooo N           out-of-order segments one connection may keep (rcv-chunks)\n"
		"  --mss N, --wscale N, --delack-us N, --no-sack, --no-timestamps\n"
		"  --vlan ID             take only frames tagged for VLAN ID, tag replies (0: untagged)\n"
		"the application:\n"
		"  --verify              check every byte is (stream offset %% 251) through the\n"
		"                        dmabuf's device view (test mode); exit 1 on a mismatch\n"
		"  --batch N             return tokens in batches of N (64)\n"
		"  --hold-ms MS          keep every token at least MS milliseconds (slow app)\n"
		"  --stall-after BYTES --stall-ms MS\n"
		"                        once per connection, after BYTES, return no token for MS\n"
		"  --random-app SEED     a random application (0: off): each connection holds its\n"
		"                        tokens 0..hold-ms, and stalls again and again, the next\n"
		"                        after 0..2 x stall-after bytes, for 0..stall-ms\n"
		"  --latency             one-way latency of every message: now - the sender's\n"
		"                        TSval (Linux: tcp_timestamps=2 and a usec-TS route)\n"
		"  --tsval-ms            the sender's TSval counts milliseconds (Linux before 6.7,\n"
		"                        or no usec-TS route): latency in whole milliseconds\n"
		"  --msg SIZE            message size for --latency: one starts every SIZE bytes (64)\n"
		"stop after (0 = never; SIGINT/SIGTERM always stop):\n"
		"  --conns N             N connections have ended\n"
		"  --bytes N             N bytes were received\n"
		"  --seconds S           S seconds\n"
		"output:\n"
		"  --interval S          seconds between progress lines (1; 0 = none)\n"
		"  --json                the final report as one JSON object on stdout\n"
		"  --quiet               no progress lines\n"
		"  --samples FILE        every interval, one JSON line to FILE: chunks, tokens,\n"
		"                        mbufs and connections in use (what a soak watches)\n"
		"  --config FILE         key = value settings (keys are the option names);\n"
		"                        the command line overrides the file\n"
		"  --help                this text\n"
		"\n"
		"Flags also take a value (--verify=no) so the command line can undo the file.\n"
		"EAL options go before \"--\"; given none: --no-huge -m 512 --no-pci --no-shconf -l 0-1\n",
		prog);
}

static void defaults(struct hrx_options *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->dmabuf, sizeof(o->dmabuf), "memfd:size=256M");
	o->chunk = 4096;
	o->ring = 1024;
	o->burst = 64;
	o->max_conns = 64;
	o->rcv_chunks = 256;
	o->wscale = 0xff;
	o->delack_us = 1000;
	o->batch = 64;
	o->msg = 64;
	o->interval = 1.0;
}

static int parse_flag(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	default: break;
	}
	if (*end != '\0' || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	v <<= shift;
	if (v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "10.0.0.1:80", "[fd00::1]:80". tcprx_addr_parse logs its own complaint. */
static int parse_listen(const char *s, struct hrx_options *o)
{
	char host[64];
	const char *colon, *h = s;
	size_t hlen;
	unsigned long long port;

	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (colon == NULL)
			return -EINVAL;
		h = s + 1;
		hlen = (size_t)(colon - h);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -EINVAL;
		hlen = (size_t)(colon - s);
	}
	if (hlen == 0 || hlen >= sizeof(host) || app_parse_u64(colon + 1, 1, 65535, &port))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (tcprx_addr_parse(host, &o->addr) < 0)
		return -EINVAL;
	o->port = (uint16_t)port;
	snprintf(o->listen, sizeof(o->listen), "%s", s);
	return 0;
}

/* Store one value; -EINVAL when it is not what the setting accepts. */
static int opt_set(struct hrx_options *o, const struct opt_def *d, const char *v)
{
	uint8_t *field = (uint8_t *)o + d->off;
	uint64_t u;
	double sec;

	switch (d->type) {
	case T_FLAG:
		return parse_flag(v, (bool *)field);
	case T_U32:
	case T_SIZE:
		if (d->type == T_U32) {
			unsigned long long w;

			if (app_parse_u64(v, d->min, d->max, &w))
				return -EINVAL;
			u = w;
		} else if (parse_size(v, d->min, d->max, &u)) {
			return -EINVAL;
		}
		if (d->size == sizeof(uint32_t))
			*(uint32_t *)field = (uint32_t)u;
		else
			*(uint64_t *)field = u;
		return 0;
	case T_SECONDS:
		if (app_parse_seconds(v, (double)d->min, (double)d->max, &sec))
			return -EINVAL;
		*(double *)field = sec;
		return 0;
	case T_STRING:
		if (strlen(v) >= d->size)
			return -EINVAL;
		memcpy(field, v, strlen(v) + 1);
		return 0;
	case T_LISTEN:
		return parse_listen(v, o);
	}
	return -EINVAL;
}

static const char *accepts(const struct opt_def *d)
{
	return d->type == T_FLAG ? "yes or no" : d->accepts;
}

static char *trim(char *s)
{
	char *e;

	s += strspn(s, " \t");
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static const struct opt_def *opt_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < NB_OPTS; i++)
		if (strcmp(opt_defs[i].name, name) == 0)
			return &opt_defs[i];
	return NULL;
}

/* key = value lines; '#' starts a comment at the start of a line or after a blank. */
static int config_file_load(const char *path, struct hrx_options *o)
{
	char line[1024];
	unsigned int lineno = 0;
	int status = -1;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "%s: --config %s: %s\n", HRX_NAME, path, strerror(errno));
		return APP_EXIT_USAGE;
	}
	while (status < 0 && fgets(line, sizeof(line), f) != NULL) {
		const struct opt_def *d;
		char *key, *val, *eq, *hash;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "%s: %s:%u: line longer than %zu characters\n", HRX_NAME,
				path, lineno, sizeof(line) - 2);
			status = APP_EXIT_USAGE;
			break;
		}
		for (hash = line; (hash = strchr(hash, '#')) != NULL; hash++)
			if (hash == line || hash[-1] == ' ' || hash[-1] == '\t') {
				*hash = '\0';
				break;
			}
		key = trim(line);
		if (*key == '\0')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			fprintf(stderr, "%s: %s:%u: expected 'key = value', got '%s'\n", HRX_NAME, path,
				lineno, key);
			status = APP_EXIT_USAGE;
			break;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		d = opt_find(key);
		if (d == NULL) {
			fprintf(stderr, "%s: %s:%u: unknown setting '%s' (see %s --help)\n", HRX_NAME,
				path, lineno, key, HRX_NAME);
			status = APP_EXIT_USAGE;
		} else if (opt_set(o, d, val) < 0) {
			fprintf(stderr, "%s: %s:%u: %s = '%s': expected %s\n", HRX_NAME, path, lineno,
				key, val, accepts(d));
			status = APP_EXIT_USAGE;
		}
	}
	fclose(f);
	return status;
}

static int bad(const char *prog, const char *fmt, const char *arg)
{
	return app_bad_option(hrx_usage, prog, fmt, arg);
}

/* The settings that only make sense together. */
static int check_consistent(const char *prog, const struct hrx_options *o)
{
	static const char *const backends[] = { "afxdp", "afpacket", "kq", "pcap", "gen", "peer" };
	uint32_t port_mtu = o->mtu ? o->mtu : RTE_ETHER_MTU; /* what --mss must fit */
	bool known = false;
	unsigned int i;

	if (o->addr.family == 0)
		return bad(prog, "%s: --listen IP:PORT is required", "missing setting");
	if (o->vdev[0] != '\0') {
		if (o->backend[0] || o->iface[0] || o->devargs[0])
			return bad(prog, "--vdev '%s' already names the device: leave out "
				   "--backend, --iface and --devargs", o->vdev);
		if (strncmp(o->vdev, "net_hsplit", 10) != 0)
			return bad(prog, "--vdev '%s': expected net_hsplitN[,devargs]", o->vdev);
	} else if (o->backend[0] == '\0') {
		return bad(prog, "%s: give --backend (with --iface for afxdp/afpacket/kq) or --vdev",
			   "missing setting");
	}
	for (i = 0; i < RTE_DIM(backends); i++)
		known |= strcmp(o->backend, backends[i]) == 0;
	if (o->backend[0] && !known)
		return bad(prog, "--backend '%s': expected afxdp, afpacket, kq, pcap, gen or peer",
			   o->backend);
	if ((strcmp(o->backend, "afxdp") == 0 || strcmp(o->backend, "afpacket") == 0 ||
	     strcmp(o->backend, "kq") == 0) &&
	    o->iface[0] == '\0')
		return bad(prog, "--backend %s needs --iface", o->backend);
	if (strstr(o->vdev, "dmabuf=") != NULL || strstr(o->devargs, "dmabuf=") != NULL)
		return bad(prog, "%s: hsplit-rx binds its own dmabuf: use --dmabuf, not the "
			   "dmabuf= devarg", "dmabuf=");
	if ((o->chunk & (o->chunk - 1)) != 0) {
		char v[16];

		snprintf(v, sizeof(v), "%u", o->chunk);
		return bad(prog, "--chunk %s: expected a power of two from 4K to 2M", v);
	}
	if (o->mtu != 0 && o->mtu < 68) {
		char v[16];

		snprintf(v, sizeof(v), "%u", o->mtu);
		return bad(prog, "--mtu %s: expected 0 or an MTU from 68 to 9198", v);
	}
	/* A payload chunk holds at most one frame's payload; size it for the largest frame. */
	if (o->mtu + 18u > o->chunk) {
		char v[48];

		snprintf(v, sizeof(v), "%u with --chunk %u", o->mtu, o->chunk);
		return bad(prog, "--mtu %s: a chunk must hold a whole frame (MTU + 18 bytes): "
			   "raise --chunk to the next power of two", v);
	}
	if (o->mss != 0 && o->mss + 40u > port_mtu) {
		char v[48];

		snprintf(v, sizeof(v), "%u with MTU %u", o->mss, port_mtu);
		return bad(prog, "--mss %s: the peer's full segments would not fit the port "
			   "(at most MTU - 40); raise --mtu or lower --mss", v);
	}
	if ((o->stall_after != 0) != (o->stall_ms != 0))
		return bad(prog, "%s: --stall-after and --stall-ms go together", "stall");
	if (o->samples[0] != '\0' && o->interval <= 0)
		return bad(prog, "%s: --samples needs an --interval above 0", "samples");
	return -1;
}

int hrx_options_parse(int argc, char **argv, struct hrx_options *opt)
{
	struct option longopts[NB_OPTS + 3];
	const char *config = NULL;
	unsigned int i;
	int c, status;

	defaults(opt);
	for (i = 0; i < NB_OPTS; i++) {
		longopts[i].name = opt_defs[i].name;
		longopts[i].has_arg = opt_defs[i].type == T_FLAG ? optional_argument : required_argument;
		longopts[i].flag = NULL;
		longopts[i].val = (int)i + 1;
	}
	longopts[NB_OPTS] = (struct option){ "config", required_argument, NULL, OPT_CONFIG };
	longopts[NB_OPTS + 1] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	longopts[NB_OPTS + 2] = (struct option){ NULL, 0, NULL, 0 };

	/*
	 * Pass 1: --help and --config only, so the file goes under the command line.
	 * optind = 0, not 1: glibc then forgets the rest of a short-option cluster
	 * an earlier call stopped in ("-abc" refused at 'a' leaves "bc"), which it
	 * would otherwise read from that call's argv, long gone, as this call's.
	 */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			hrx_usage(stdout, argv[0]);
			return 0;
		}
		if (c == OPT_CONFIG)
			config = optarg;
		else if (c == ':' || c == '?')
			return app_getopt_refusal(hrx_usage, argv, c);
	}
	if (optind < argc)
		return app_getopt_leftover(hrx_usage, argc, argv);
	if (config != NULL) {
		status = config_file_load(config, opt);
		if (status >= 0)
			return status;
	}
	/* Pass 2: everything else, over the file's values. */
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		const struct opt_def *d;

		if (c < 1 || c > (int)NB_OPTS)
			continue;
		d = &opt_defs[c - 1];
		if (opt_set(opt, d, d->type == T_FLAG && optarg == NULL ? "yes" : optarg) < 0) {
			char msg[256];

			snprintf(msg, sizeof(msg), "--%s '%%s': expected %s", d->name, accepts(d));
			return bad(argv[0], msg, optarg);
		}
	}
	optind = 1;
	return check_consistent(argv[0], opt);
}
