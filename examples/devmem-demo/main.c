/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsplit-devmem-demo [EAL options] -- [--spec S] [--seconds N] [--chunk SIZE]
 *                                     [--no-verify] [--json] [--help]
 *
 * Without EAL options (no "--", or nothing before it) the demo runs with
 *   --no-huge -m 512 --no-pci --no-shconf -l 0-1
 * The main lcore is the application; the first worker lcore is the NIC.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_ring.h>

#include "app_common.h"
#include "demo.h"


static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [EAL options] -- [options]\n"
		"\n"
		"A NIC lcore fills device-memory fragments, an application lcore checks them\n"
		"and returns them as token ranges (devmem TCP's SO_DEVMEM_DONTNEED).\n"
		"\n"
		"options:\n"
		"  --spec SPEC     dmabuf to use (default %s, strict: host view PROT_NONE)\n"
		"  --seconds N     run time in seconds, 0 = until Ctrl-C (default %u)\n"
		"  --chunk SIZE    chunk size, power of two 4K..2M, K/M suffix (default 4K)\n"
		"  --no-verify     do not check payload through the device view\n"
		"  --json          print the final summary as one JSON object on stdout\n"
		"  --help          this text\n"
		"\n"
		"EAL options go before \"--\". Given none, the demo uses:\n"
		"  --no-huge -m 512 --no-pci --no-shconf -l 0-1\n"
		"It needs two lcores: the main lcore is the application, the next the NIC.\n"
		"Exit status: 0 pass, 1 leaks, verification errors or a setup failure, 2 usage.\n",
		prog, DEMO_DEFAULT_SPEC, DEMO_DEFAULT_SECONDS);
}

static int parse_chunk(const char *s, uint32_t *out)
{
	unsigned long v, mult = 1;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		mult = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mult = 1024 * 1024, end++;
	if (errno || *end || v > DEVMEM_CHUNK_SIZE_MAX / mult)
		return -EINVAL;
	v *= mult;
	if (v < DEVMEM_CHUNK_SIZE_MIN || v > DEVMEM_CHUNK_SIZE_MAX || (v & (v - 1)) != 0)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int bad_option(const char *prog, const char *fmt, const char *arg)
{
	return app_bad_option(usage, prog, fmt, arg);
}

/* Returns -1 to go on, else the exit status (0 after --help). */
static int parse_options(int argc, char **argv, void *arg)
{
	struct demo_config *cfg = &((struct demo *)arg)->cfg;
	static const struct option longopts[] = {
		{ "spec", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "no-verify", no_argument, NULL, 'n' },
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
		case 's':
			cfg->spec = optarg;
			break;
		case 't':
			if (app_parse_u64(optarg, 0, 86400 * 365, &v))
				return bad_option(argv[0], "--seconds: '%s' is not a number of seconds", optarg);
			cfg->seconds = (unsigned int)v;
			break;
		case 'c':
			if (parse_chunk(optarg, &cfg->chunk_size))
				return bad_option(argv[0], "--chunk: '%s' is not a power of two from 4K to 2M", optarg);
			break;
		case 'n':
			cfg->verify = false;
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

static int demo_setup(struct demo *d)
{
	struct devmem_binding_params bp = { .chunk_size = d->cfg.chunk_size };
	struct devmem_pool_params pp = { .ops = &devmem_dmabuf_provider_ops, .port_id = UINT16_MAX,
					 .name = "demo_pool" };
	int ret;

	ret = devmem_dmabuf_open(d->cfg.spec, &d->dmabuf);
	if (ret == 0)
		ret = devmem_binding_create(d->dmabuf, &bp, &d->binding);
	if (ret == 0) {
		pp.provider_priv = d->binding;
		ret = devmem_pool_create(&pp, &d->pool);
	}
	if (ret == 0)
		ret = devmem_token_table_create(DEMO_TOKEN_CAPACITY, &d->tokens);
	if (ret == 0) {
		d->ring = rte_ring_create_elem("demo_frags", sizeof(struct devmem_frag), DEMO_RING_SIZE,
					       (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		ret = d->ring ? 0 : -rte_errno;
	}
	if (ret < 0) {
		fprintf(stderr, "demo: setup failed: %s\n", strerror(-ret));
		return ret;
	}
	d->device_view = devmem_dmabuf_device_view(d->dmabuf);
	d->dmabuf_size = devmem_dmabuf_size(d->dmabuf);
	d->binding_id = devmem_binding_id(d->binding);
	rte_spinlock_init(&d->snap.lock);
	return 0;
}

/* Tear down in dependency order, measuring what must be zero on the way. */
static void demo_teardown(struct demo *d, struct demo_summary *s)
{
	if (d->tokens != NULL) {
		devmem_token_get_stats(d->tokens, &s->tokens);
		devmem_token_table_destroy(d->tokens); /* returns anything still held */
	}
	if (d->pool != NULL) {
		devmem_pool_get_stats(d->pool, &s->pool);
		devmem_pool_destroy(d->pool);
	}
	s->zombies = devmem_pool_count_zombies();
	if (d->binding != NULL) {
		s->nr_chunks = devmem_binding_nr_chunks(d->binding);
		s->leaks = s->nr_chunks - devmem_binding_nr_free(d->binding);
		devmem_binding_unbind(d->binding);
	}
	rte_ring_free(d->ring);
}

static unsigned int demo_run(struct demo *d, struct demo_summary *s)
{
	d->app_lcore = rte_lcore_id();
	d->nic_lcore = rte_get_next_lcore(-1, 1, 0);
	fprintf(d->live, "demo: %s, chunk %u, NIC lcore %u, application lcore %u, ",
		devmem_dmabuf_describe(d->dmabuf), d->cfg.chunk_size, d->nic_lcore, d->app_lcore);
	if (d->cfg.seconds)
		fprintf(d->live, "%u s\n", d->cfg.seconds);
	else
		fprintf(d->live, "until Ctrl-C\n");
	if (rte_eal_remote_launch(demo_nic_main, d, d->nic_lcore) != 0) {
		fprintf(stderr, "demo: cannot launch the NIC on lcore %u\n", d->nic_lcore);
		return 1;
	}
	demo_app_run(d, &s->elapsed_s);
	rte_eal_wait_lcore(d->nic_lcore);
	s->interrupted = app_stop_requested();
	s->app = d->app;
	s->nic = d->snap.nic;
	return 0;
}

static int run_with_eal(void *arg)
{
	struct demo *d = arg;
	struct demo_summary s = { 0 };
	int status;

	/* With --json, stdout carries only the JSON object. */
	d->live = d->cfg.json ? stderr : stdout;
	if (rte_lcore_count() < 2) {
		fprintf(stderr, "demo: needs two lcores (NIC and application), e.g. -l 0-1\n");
		return 1;
	}
	app_install_stop_signals();
	status = demo_setup(d) == 0 ? (int)demo_run(d, &s) : 1;
	demo_teardown(d, &s);
	if (status == 0) {
		if (d->cfg.json)
			demo_report_json(d, &s);
		else
			demo_report_final(d, &s);
		status = s.leaks != 0 || s.app.verify_errors != 0;
	}
	devmem_dmabuf_put(d->dmabuf);
	return status;
}

int main(int argc, char **argv)
{
	struct demo d = { .cfg = { .spec = DEMO_DEFAULT_SPEC, .seconds = DEMO_DEFAULT_SECONDS,
				   .chunk_size = DEVMEM_CHUNK_SIZE_DEFAULT, .verify = true } };
	const struct app_main_ops ops = { "demo", parse_options, run_with_eal, &d.cfg.json };

	return app_main(argc, argv, &ops, &d);
}
