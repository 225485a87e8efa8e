/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per connection count: open the port and the stack, complete every
 * handshake, warm up, then time `reps` windows and keep the medians of the
 * per-segment figures. Afterwards the counters that must stay zero against a
 * receiver that never drops are collected, and the teardown checks leaks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "app_common.h"
#include "rte_pmd_hsplit.h"
#include "tcprx_bench.h"

/* Per-segment figures of one repetition, in the order of struct tb_cell's stats. */
enum { F_TOTAL, F_RX, F_TX, F_STACK, F_APP, F_ALL, F_ACKS, F_GBPS, F_BARE, F_COUNT };

uint32_t tb_cell_rcv_chunks(const struct tb_options *opt, uint32_t conns)
{
	if (opt->rcv_chunks)
		return opt->rcv_chunks;
	return conns <= 100 ? 256u : conns <= 1000 ? 64u : 16u;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct tb_stats summarize(double *v, unsigned int n)
{
	struct tb_stats s;

	qsort(v, n, sizeof(*v), cmp_double);
	s.min = v[0];
	s.max = v[n - 1];
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	return s;
}

static void window_figures(const struct tb_window *w, double out[F_COUNT])
{
	double ns = 1e9 / (double)rte_get_tsc_hz(), segs = w->segs ? (double)w->segs : 1.0;
	uint64_t stack = w->poll_cycles - w->rx_cycles - w->tx_cycles;

	out[F_TOTAL] = (double)w->cycles * ns / segs;
	out[F_RX] = (double)w->rx_cycles * ns / segs;
	out[F_TX] = (double)w->tx_cycles * ns / segs;
	out[F_STACK] = (double)stack * ns / segs;
	out[F_APP] = (double)w->app_cycles * ns / segs;
	out[F_ALL] = out[F_STACK] + out[F_APP];
	out[F_ACKS] = (double)w->frames_out / segs;
	out[F_GBPS] = (double)w->bytes * 8.0 / ((double)w->cycles * ns);
}

/* What one rte_rdtsc costs here (under a hypervisor it may be much more than on metal). */
static double rdtsc_ns(void)
{
	uint64_t t0 = rte_rdtsc(), sink = 0;
	unsigned int i;

	for (i = 0; i < 1000000; i++)
		sink += rte_rdtsc() & 1;
	RTE_SET_USED(sink);
	return (double)(rte_rdtsc() - t0) * 1e9 / (double)rte_get_tsc_hz() / 1e6;
}

static uint64_t xstat(uint16_t port, const char *name)
{
	uint64_t id, v = 0;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) == 0)
		rte_eth_xstats_get_by_id(port, &id, &v, 1);
	return v;
}

/* What must stay zero: gen's recovery and oddities, device drops, stack complaints. */
static void collect_counters(struct tb_port *p, struct tb_cell *c)
{
	struct rte_pmd_hsplit_gen_tcp_stats gs;
	struct tcprx_stats ts;
	uint32_t f;

	if (rte_pmd_hsplit_gen_tcp_stats(p->eth.port_id, &gs) == 0) {
		c->gen_odd = gs.odd_frames + gs.tx_not_tcp + gs.ack_out_of_range + gs.window_shrunk;
		c->gen_retrans = gs.data_retrans;
		c->gen_probes = gs.window_probes;
		c->gen_rto = gs.rto_events;
		c->gen_fast = gs.fast_retrans;
		c->gen_syn_retrans = gs.syn_retrans;
		c->rst = gs.rst_in;
	}
	c->pool_empty_drops = xstat(p->eth.port_id, "rx_q0_payload_pool_empty_drops");
	c->no_desc_drops = xstat(p->eth.port_id, "rx_q0_no_desc_drops");
	if (tcprx_stats(p->rx, &ts) == 0) {
		c->tcprx_malformed = ts.malformed + ts.bad_options + ts.not_ours;
		c->tcprx_csum = ts.csum_bad + ts.csum_unknown + ts.csum_sw_bad;
		c->rst += ts.rst_out + ts.rst_in;
	}
	for (f = 0; f < p->conns; f++) {
		struct tcprx_conn_stats cs;

		if (p->bc[f].conn == NULL || tcprx_conn_stats(p->bc[f].conn, &cs) != 0)
			continue;
		c->bad_returns += cs.token_bad_returns;
		c->segs_ooo += cs.segs_ooo;
		c->segs_dup += cs.segs_dup;
		c->segs_unacceptable += cs.segs_unacceptable;
		c->zero_windows += cs.zero_windows;
		c->window_updates += cs.window_updates;
		c->chunk_overrun += cs.chunk_overrun;
	}
	c->recv_errors = p->recv_errors + p->short_returns;
	c->loop_segs = p->loop_segs;
	c->linear_frags = p->linear_frags;
}

static double tv_seconds(struct timeval a, struct timeval b)
{
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_usec - a.tv_usec) / 1e6;
}

/* Wall time and process CPU of the timed span: core-seconds per GB for hsplit-bench. */
static void span_account(struct tb_cell *c, uint64_t tsc0, const struct rusage *ru0)
{
	struct rusage ru1;

	getrusage(RUSAGE_SELF, &ru1);
	c->seconds = (double)(rte_rdtsc() - tsc0) / (double)rte_get_tsc_hz();
	c->cpu_user_s = tv_seconds(ru0->ru_utime, ru1.ru_utime);
	c->cpu_sys_s = tv_seconds(ru0->ru_stime, ru1.ru_stime);
}

static int time_reps(struct tb_run *run, struct tb_port *p, struct tb_cell *c)
{
	const struct tb_options *opt = run->opt;
	double fig[F_COUNT][64], one[F_COUNT];
	struct tb_stats *dst[F_COUNT] = { &c->total, &c->device_rx, &c->device_tx, &c->tcprx_stack,
					  &c->tcprx_app, &c->tcprx_all, &c->acks_per_seg, &c->gbps,
					  &c->bare_total };
	uint64_t polls = 0, tx_calls = 0, timed_segs = 0, tsc0;
	struct rusage ru0;
	unsigned int r, k;

	memset(&p->win, 0, sizeof(p->win));
	tb_loop_for(p, RTE_MIN(TB_WARMUP_SECONDS, opt->seconds), opt->polls);
	getrusage(RUSAGE_SELF, &ru0);
	tsc0 = rte_rdtsc();
	for (r = 0; r < opt->reps && !app_stop_requested(); r++) {
		/* the same loop twice: without per-part rdtsc, then with */
		p->timed = false;
		memset(&p->win, 0, sizeof(p->win));
		tb_loop_for(p, opt->seconds, opt->polls);
		window_figures(&p->win, one);
		fig[F_BARE][r] = one[F_TOTAL];
		c->segs += p->win.segs;
		c->bytes += p->win.bytes;
		p->timed = true;
		memset(&p->win, 0, sizeof(p->win));
		tb_loop_for(p, opt->seconds, opt->polls);
		if (p->win.segs == 0) {
			fprintf(stderr, "tcprx-bench: %u connections: no data in repetition %u\n",
				c->conns, r + 1);
			return -1;
		}
		window_figures(&p->win, one);
		for (k = 0; k < F_BARE; k++)
			fig[k][r] = one[k];
		c->segs += p->win.segs;
		c->bytes += p->win.bytes;
		polls += p->win.polls;
		timed_segs += p->win.segs;
		tx_calls += p->win.tx_calls;
	}
	span_account(c, tsc0, &ru0);
	if (r == 0)
		return -1;
	for (k = 0; k < F_COUNT; k++)
		*dst[k] = summarize(fig[k], r);
	/* per poll: 3 rdtsc in the loop, 3 in the rx wrapper, 2 per tx call */
	c->segs_per_poll = (double)timed_segs / (double)RTE_MAX(polls, (uint64_t)1);
	c->rdtsc_ns = rdtsc_ns();
	c->probe_ns = (6.0 + 2.0 * (double)tx_calls / (double)RTE_MAX(polls, (uint64_t)1)) *
		      c->rdtsc_ns / RTE_MAX(c->segs_per_poll, 1e-9);
	return 0;
}

static void measure_cell(struct tb_run *run, struct tb_cell *c)
{
	struct tb_port p;
	uint64_t t0;
	int ret;

	c->rcv_chunks = tb_cell_rcv_chunks(run->opt, c->conns);
	c->batch = run->opt->batch ? run->opt->batch : RTE_MIN(c->rcv_chunks / 2, TB_HOLD_MAX);
	if (c->batch == 0)
		c->batch = 1;
	ret = tb_port_open(&p, c->conns, c->rcv_chunks, c->batch, run->opt);
	if (ret == 0) {
		t0 = rte_rdtsc();
		ret = tb_connect_all(&p, run->opt->polls ? TB_CONNECT_SECONDS_POLLS :
							   TB_CONNECT_SECONDS);
		c->connect_ms = (rte_rdtsc() - t0) * 1000 / rte_get_tsc_hz();
	}
	if (ret == 0)
		ret = time_reps(run, &p, c);
	c->ran = ret == 0;
	if (p.rx != NULL)
		collect_counters(&p, c);
	if (tb_port_close(&p) < 0 || ret < 0)
		run->errors++;
	if (c->ran && (c->recv_errors || c->bad_returns || c->rst || c->tcprx_csum)) {
		fprintf(stderr, "tcprx-bench: %u connections: recv/return errors %" PRIu64
			", bad token returns %" PRIu64 ", resets %" PRIu64 ", checksum drops %"
			PRIu64 "\n", c->conns, c->recv_errors, c->bad_returns, c->rst, c->tcprx_csum);
		run->errors++;
	}
}

void tb_measure_all(struct tb_run *run)
{
	unsigned int i;

	for (i = 0; i < run->opt->nb_cells && !app_stop_requested(); i++) {
		run->cells[i].conns = run->opt->conns[i];
		measure_cell(run, &run->cells[i]);
	}
}
