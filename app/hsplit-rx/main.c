/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsplit-rx [EAL options] -- --listen IP:PORT (--backend B --iface IF | --vdev SPEC) [options]
 *
 * Exit status: 0 done; 1 a verification mismatch, a run-time error or a leak
 * at teardown; 2 a bad option or setting; 130 interrupted before listening.
 * The guide is doc/hsplit-rx.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_log.h>

#include "app_common.h"
#include "hsplit_rx.h"

static int parse_options(int argc, char **argv, void *opt)
{
	/* tcprx_addr_parse logs through DPDK before the EAL is up: keep it on stderr. */
	rte_openlog_stream(stderr);
	return hrx_options_parse(argc, argv, opt);
}

/* i % 251 for i in [0, len): any stream offset's bytes are a slice of it. */
static uint8_t *pattern_make(uint32_t len)
{
	uint8_t *p = malloc(len);
	uint32_t i;

	if (p != NULL)
		for (i = 0; i < len; i++)
			p[i] = hrx_pattern_byte(i);
	return p;
}

static int exit_status(const struct hrx_run *run, int setup)
{
	if (setup < 0)
		return HRX_EXIT_VERIFY;
	if (run->tot.verify_errors || run->tot.errors || run->error || !run->teardown_ok)
		return HRX_EXIT_VERIFY;
	if (run->opt->verify && run->tot.bytes_verified != run->tot.bytes)
		return HRX_EXIT_VERIFY;
	return 0;
}

static int run_with_eal(void *arg)
{
	const struct hrx_options *opt = arg;
	struct hrx_run run;
	uint8_t *pattern = NULL;
	int ret, status;

	memset(&run, 0, sizeof(run));
	run.opt = opt;
	if (opt->verify) {
		run.pattern_len = 251u + 65536u;
		pattern = pattern_make(run.pattern_len);
		if (pattern == NULL)
			return HRX_EXIT_VERIFY;
		run.pattern = pattern;
	}
	app_install_stop_signals();
	ret = hrx_port_open(&run.port, opt);
	if (ret == 0)
		ret = hrx_run(&run);
	run.teardown_ok = hrx_port_close(&run.port) == 0;
	if (run.t_start != 0) /* it listened: there is something to report */
		hrx_report_final(&run, hrx_now_ns());
	status = exit_status(&run, ret);
	hrx_run_free(&run);
	free(pattern);
	return status;
}

int main(int argc, char **argv)
{
	struct hrx_options opt;
	const struct app_main_ops ops = { HRX_NAME, parse_options, run_with_eal, NULL };

	return app_main(argc, argv, &ops, &opt);
}
