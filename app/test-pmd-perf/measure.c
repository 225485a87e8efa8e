/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The measurement: for each configuration and frame size, open the port,
 * warm up while checking what arrives, then time --reps windows of
 * rx_burst(32) + rte_pktmbuf_free_bulk on this lcore.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "app_common.h"
#include "pmd_bench.h"
#include "rte_pmd_hsplit.h"

const uint32_t pb_sizes[PB_NB_SIZES] = { 64, 512, 1500 };
const char *const pb_config_names[PB_NB_CONFIGS] = {
	[PB_SPLIT] = "hsplit split+dmabuf",
	[PB_NOSPLIT] = "hsplit no split",
	[PB_NULL] = "net_null",
};
const char *const pb_config_keys[PB_NB_CONFIGS] = {
	[PB_SPLIT] = "hsplit_split",
	[PB_NOSPLIT] = "hsplit_nosplit",
	[PB_NULL] = "net_null",
};

struct poll_count {
	uint64_t packets;
	uint64_t empty_polls;
	uint64_t cycles;
};

/*
 * What each configuration must deliver, or the numbers mean nothing: split
 * frames are a header mbuf of 54 bytes chained to an external (dmabuf)
 * payload segment, never LINEAR; the others are one mbuf of the frame size.
 */
static bool mbuf_as_expected(const struct pb_port *p, const struct rte_mbuf *m,
			     uint64_t linear_flag)
{
	if (m->pkt_len != p->frame_size)
		return false;
	if (p->config != PB_SPLIT)
		return m->nb_segs == 1;
	return m->nb_segs == 2 && m->data_len == PB_TCP4_HEADERS && !(m->ol_flags & linear_flag) &&
	       RTE_MBUF_HAS_EXTBUF(m->next);
}

static uint64_t linear_flag(void)
{
	return rte_pmd_hsplit_linear_flag();
}

/* Untimed: fills the caches and the ring; returns how many packets looked wrong. */
static uint64_t warm_up(const struct pb_port *p, uint64_t cycles, uint64_t *seen)
{
	struct rte_mbuf *pkts[PB_BURST];
	uint64_t end = rte_rdtsc() + cycles, bad = 0, lin = linear_flag();
	uint16_t i, n;

	*seen = 0;
	do {
		n = rte_eth_rx_burst(p->eth.port_id, 0, pkts, PB_BURST);
		for (i = 0; i < n; i++)
			bad += !mbuf_as_expected(p, pkts[i], lin);
		*seen += n;
		if (n)
			rte_pktmbuf_free_bulk(pkts, n);
	} while (rte_rdtsc() < end);
	return bad;
}

/* The timed loop: nothing but the burst, the free and the clock. */
static void poll_for(uint16_t port_id, uint64_t cycles, struct poll_count *c)
{
	struct rte_mbuf *pkts[PB_BURST];
	uint64_t start = rte_rdtsc(), end = start + cycles, now, packets = 0, empty = 0;
	uint16_t n;

	do {
		n = rte_eth_rx_burst(port_id, 0, pkts, PB_BURST);
		if (likely(n != 0))
			rte_pktmbuf_free_bulk(pkts, n);
		else
			empty++;
		packets += n;
		now = rte_rdtsc();
	} while (now < end);
	c->packets = packets;
	c->empty_polls = empty;
	c->cycles = now - start;
}

/* net_hsplit's cycle_stats xstats of queue 0; false when the port has none. */
static bool read_halves(uint16_t port_id, uint64_t *device, uint64_t *driver)
{
	uint64_t ids[2], v[2];

	if (rte_eth_xstats_get_id_by_name(port_id, "rx_q0_device_cycles", &ids[0]) != 0 ||
	    rte_eth_xstats_get_id_by_name(port_id, "rx_q0_driver_cycles", &ids[1]) != 0 ||
	    rte_eth_xstats_get_by_id(port_id, ids, v, 2) != 2)
		return false;
	*device = v[0];
	*driver = v[1];
	return true;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void stats_compute(double *samples, unsigned int n, struct pb_stats *out)
{
	qsort(samples, n, sizeof(*samples), compare_double);
	out->min = samples[0];
	out->max = samples[n - 1];
	out->median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

/* One repetition's parts in ns per packet, from the cycle_stats xstats moved over it. */
static void halves_sample(const struct poll_count *c, const uint64_t before[2],
			  const uint64_t after[2], double hz, double out[3])
{
	double per_pkt_ns = 1e9 / hz / (double)c->packets;
	uint64_t device = after[0] - before[0], driver = after[1] - before[1];

	out[0] = (double)driver * per_pkt_ns;
	out[1] = (double)(c->cycles > device ? c->cycles - device : 0) * per_pkt_ns;
	out[2] = (double)device * per_pkt_ns;
}

/* Timed repetitions on an open port; false if interrupted or nothing arrived. */
static bool time_reps(struct pb_run *run, const struct pb_port *p, struct pb_result *r)
{
	double hz = (double)rte_get_tsc_hz(), samples[1000], parts[3][1000];
	uint64_t cycles = (uint64_t)(run->opt->seconds * hz), before[2], after[2];
	struct poll_count c;
	unsigned int i, k;
	bool halves = p->cycle_stats;

	for (i = 0; i < run->opt->reps && !app_stop_requested(); i++) {
		halves = halves && read_halves(p->eth.port_id, &before[0], &before[1]);
		poll_for(p->eth.port_id, cycles, &c);
		samples[i] = (double)c.packets / ((double)c.cycles / hz) / 1e6;
		r->packets += c.packets;
		r->empty_polls += c.empty_polls;
		halves = halves && c.packets > 0 && read_halves(p->eth.port_id, &after[0], &after[1]);
		if (halves) {
			double v[3];

			halves_sample(&c, before, after, hz, v);
			for (k = 0; k < 3; k++)
				parts[k][i] = v[k];
		}
	}
	if (i < run->opt->reps)
		return false;
	if (r->packets == 0) {
		fprintf(stderr, "pmd-bench: %s, %u bytes: no packet received\n", p->eth.name,
			p->frame_size);
		return false;
	}
	stats_compute(samples, i, &r->mpps);
	if (halves) {
		stats_compute(parts[0], i, &r->driver_ns);
		stats_compute(parts[1], i, &r->host_ns);
		stats_compute(parts[2], i, &r->device_ns);
		r->halves = true;
	}
	return true;
}

static void measure_one(struct pb_run *run, enum pb_config config, unsigned int s)
{
	struct pb_result *r = &run->res[config][s];
	double warm = RTE_MIN(PB_WARMUP_SECONDS, run->opt->seconds);
	uint64_t bad, seen;
	struct pb_port p;
	bool ok = false;

	if (pb_port_open(&p, config, pb_sizes[s], run->opt->cycle_stats) == 0) {
		bad = warm_up(&p, (uint64_t)(warm * (double)rte_get_tsc_hz()), &seen);
		if (bad)
			fprintf(stderr, "pmd-bench: %s, %u bytes: %" PRIu64 " of %" PRIu64
				" warm-up packets are not what %s delivers\n", p.eth.name,
				pb_sizes[s], bad, seen, pb_config_names[config]);
		ok = bad == 0 && time_reps(run, &p, r);
	}
	if (pb_port_close(&p) < 0)
		ok = false;
	r->ran = ok;
	if (!ok && !app_stop_requested())
		run->errors++;
}

void pb_measure_all(struct pb_run *run)
{
	unsigned int s, c;

	for (s = 0; s < PB_NB_SIZES; s++)
		for (c = 0; c < PB_NB_CONFIGS && !app_stop_requested(); c++)
			if (run->opt->only < 0 || run->opt->only == (int)c)
				measure_one(run, (enum pb_config)c, s);
}
