/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The polling loop on the main lcore: tcprx_poll (frames in, ACKs out,
 * timers), accept, service the connections tcprx lists as ready and those
 * still holding tokens (an idle connection costs nothing), print progress, and stop
 * when an exit rule fires. Then the counters are snapshotted and lib/tcprx
 * torn down (every connection still open is reset and its tokens released).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <rte_ethdev.h>

#include "app_common.h"
#include "hsplit_rx.h"

/* After the exit rule: keep polling this long so our FINs and last ACKs go out. */
#define LINGER_NS (200ull * 1000000ull)

uint64_t hrx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int tcprx_setup(struct hrx_run *run)
{
	const struct hrx_options *o = run->opt;
	struct tcprx_config cfg;
	char addr[64];
	int ret;

	tcprx_config_init(&cfg);
	cfg.port_id = run->port.eth.port_id;
	cfg.rx_queue = 0;
	cfg.tx_queue = 0;
	cfg.tx_pool = run->port.eth.tx_mp;
	cfg.max_conns = o->max_conns;
	cfg.rcv_chunks = o->rcv_chunks;
	cfg.max_ooo = o->max_ooo; /* 0: lib/tcprx keeps a whole window's worth */
	cfg.mss = (uint16_t)o->mss;
	cfg.wscale = (uint8_t)o->wscale;
	cfg.delack_us = o->delack_us;
	cfg.no_sack = o->no_sack;
	cfg.no_timestamps = o->no_timestamps;
	cfg.vlans[0] = (uint16_t)o->vlan;
	cfg.nb_vlans = o->vlan ? 1 : 0;
	ret = tcprx_create(&cfg, &run->rx);
	if (ret < 0) {
		fprintf(stderr, "%s: tcprx_create: %s\n", HRX_NAME, strerror(-ret));
		return ret;
	}
	ret = tcprx_add_address(run->rx, &o->addr);
	if (ret == 0)
		ret = tcprx_listen(run->rx, &o->addr, o->port);
	if (ret < 0) {
		fprintf(stderr, "%s: listen on %s: %s\n", HRX_NAME, o->listen, strerror(-ret));
		return ret;
	}
	fprintf(stderr, "%s: listening on %s:%u (port %s, dmabuf %s, binding %u, chunk %u)\n",
		HRX_NAME, tcprx_addr_format(&o->addr, addr, sizeof(addr)), o->port, run->port.eth.name,
		devmem_dmabuf_describe(run->port.dmabuf), devmem_binding_id(run->port.binding),
		devmem_binding_chunk_size(run->port.binding));
	return 0;
}

static int live_add(struct hrx_run *run, struct hrx_conn *c)
{
	if (run->nb_live == run->live_cap) {
		uint32_t cap = run->live_cap ? run->live_cap * 2 : 64;
		struct hrx_conn **l = realloc(run->live, cap * sizeof(*l));
		struct hrx_conn **d;

		if (l == NULL)
			return -ENOMEM;
		run->live = l;
		d = realloc(run->due, cap * sizeof(*d));
		if (d == NULL)
			return -ENOMEM;
		run->due = d;
		run->live_cap = cap;
	}
	hrx_conn_set_live_idx(c, run->nb_live);
	run->live[run->nb_live++] = c;
	return 0;
}

static void live_remove(struct hrx_run *run, struct hrx_conn *c)
{
	uint32_t i = hrx_conn_live_idx(c);

	run->live[i] = run->live[--run->nb_live];
	hrx_conn_set_live_idx(run->live[i], i);
}

/* Serviced this round (at most once: the list has room for every live connection). */
static void due_add(struct hrx_run *run, struct hrx_conn *c)
{
	if (c == NULL || hrx_conn_due(c))
		return;
	hrx_conn_set_due(c, true);
	run->due[run->nb_due++] = c;
}

static void accept_all(struct hrx_run *run)
{
	struct tcprx_conn *tc;

	while ((tc = tcprx_accept(run->rx)) != NULL) {
		struct hrx_conn *c = hrx_conn_open(run, tc, (uint32_t)++run->tot.accepted);

		if (c == NULL || live_add(run, c) < 0) {
			fprintf(stderr, "%s: out of memory for a connection: closing it\n", HRX_NAME);
			free(c);
			tcprx_close(tc);
			run->tot.errors++;
			continue;
		}
		due_add(run, c);
	}
}

/*
 * The connections tcprx lists as ready (tcprx_ready_next), and those the
 * application still has business with (tokens held, not drained): a
 * connection with nothing to read and nothing held is not looked at.
 */
static void service_all(struct hrx_run *run, uint64_t now)
{
	struct tcprx_conn *tc;
	uint32_t i, kept = 0;

	while ((tc = tcprx_ready_next(run->rx)) != NULL)
		due_add(run, tcprx_conn_user(tc));
	for (i = 0; i < run->nb_due; i++) {
		struct hrx_conn *c = run->due[i];

		if (hrx_conn_service(run, c, now) != 0) {
			live_remove(run, c);
			hrx_conn_finish(run, c);
		} else if (hrx_conn_wants_service(c)) {
			run->due[kept++] = c;
		} else {
			hrx_conn_set_due(c, false);
		}
	}
	run->nb_due = kept;
}

static const char *exit_due(const struct hrx_run *run, uint64_t now)
{
	const struct hrx_options *o = run->opt;

	if (app_stop_requested())
		return "signal";
	if (run->error)
		return "error";
	if (o->exit_conns && run->tot.finished >= o->exit_conns)
		return "conns";
	if (o->exit_bytes && run->tot.bytes >= o->exit_bytes)
		return "bytes";
	if (o->exit_seconds > 0 && (double)(now - run->t_start) >= o->exit_seconds * 1e9)
		return "seconds";
	return NULL;
}

static void xstats_snapshot(struct hrx_run *run)
{
	uint16_t port = run->port.eth.port_id;
	int i, n = rte_eth_xstats_get_names(port, NULL, 0);
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;

	if (n <= 0)
		return;
	names = calloc((size_t)n, sizeof(*names));
	vals = calloc((size_t)n, sizeof(*vals));
	run->xstats = calloc((size_t)n, sizeof(*run->xstats));
	if (names && vals && run->xstats && rte_eth_xstats_get_names(port, names, (unsigned)n) == n &&
	    rte_eth_xstats_get(port, vals, (unsigned)n) == n) {
		for (i = 0; i < n; i++) {
			if (vals[i].value == 0)
				continue;
			snprintf(run->xstats[run->nb_xstats].name, sizeof(run->xstats[0].name), "%s",
				 names[vals[i].id].name);
			run->xstats[run->nb_xstats++].value = vals[i].value;
		}
	}
	free(names);
	free(vals);
}

/* Poll without accepting new work so FINs, ACKs and RSTs leave. */
static void linger(struct hrx_run *run)
{
	uint64_t end = hrx_now_ns() + LINGER_NS;

	while (hrx_now_ns() < end && !app_stop_requested()) {
		if (tcprx_poll(run->rx, (uint16_t)run->opt->burst) < 0)
			break;
		service_all(run, hrx_now_ns());
	}
}

static int poll_loop(struct hrx_run *run)
{
	uint64_t now;
	int n;

	for (;;) {
		n = tcprx_poll(run->rx, (uint16_t)run->opt->burst);
		now = hrx_now_ns();
		if (n < 0) {
			fprintf(stderr, "%s: tcprx_poll: %s\n", HRX_NAME, strerror(-n));
			run->error = n;
		}
		accept_all(run);
		service_all(run, now);
		hrx_report_tick(run, now, false);
		hrx_report_sample(run, now, false);
		run->exit_reason = exit_due(run, now);
		if (run->exit_reason != NULL) {
			run->t_end = now;
			getrusage(RUSAGE_SELF, &run->ru_end);
			return 0;
		}
	}
}

int hrx_run(struct hrx_run *run)
{
	int ret;

	run->t_start = run->tick_ns = hrx_now_ns();
	app_hist_init(&run->latency);
	snprintf(run->port_name, sizeof(run->port_name), "%s", run->port.eth.name);
	if (rte_eth_dev_get_mtu(run->port.eth.port_id, &run->port_mtu) != 0)
		run->port_mtu = 0;
	ret = tcprx_setup(run);
	if (ret == 0) {
		poll_loop(run);
		if (strcmp(run->exit_reason, "signal") != 0)
			linger(run);
	}
	/* Whatever is still open now is cut off: its counters go in first. */
	while (run->nb_live > 0) {
		struct hrx_conn *c = run->live[--run->nb_live];

		hrx_conn_finish(run, c);
	}
	hrx_report_sample(run, hrx_now_ns(), true); /* the last: nothing live, nothing held */
	if (run->rx != NULL) {
		tcprx_stats(run->rx, &run->gs);
		xstats_snapshot(run);
		tcprx_destroy(run->rx);
		run->rx = NULL;
	}
	return ret;
}

void hrx_run_free(struct hrx_run *run)
{
	if (run->samples != NULL)
		fclose(run->samples);
	run->samples = NULL;
	free(run->live);
	free(run->due);
	free(run->results);
	free(run->xstats);
	run->live = NULL;
	run->due = NULL;
	run->results = NULL;
	run->xstats = NULL;
}
