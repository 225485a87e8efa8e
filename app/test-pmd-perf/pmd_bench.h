/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsplit-pmd-bench: rxonly Mpps of net_hsplit (with and without header
 * split) against DPDK's net_null, on one lcore, at several frame sizes.
 */
#ifndef HSPLIT_PMD_BENCH_H
#define HSPLIT_PMD_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "app_port.h"

#define PB_DEFAULT_REPS    5u
#define PB_DEFAULT_SECONDS 1.0
#define PB_WARMUP_SECONDS  0.2   /* at most; never longer than one repetition */
#define PB_BURST           32u
#define PB_RING            512u  /* rx descriptors, net_hsplit's default */
#define PB_POOL_MBUFS      4095u /* ring + bursts in flight + per-lcore cache */
#define PB_POOL_CACHE      256u
#define PB_HDR_ROOM        256u  /* mbuf data room, headroom included (testpmd --mbuf-size) */
#define PB_PAY_ROOM        2048u
#define PB_DMABUF          "memfd:size=64M"
#define PB_NB_SIZES        3u
#define PB_TCP4_HEADERS    54u   /* Ethernet + IPv4 + TCP: gen needs size > this */

enum pb_config {
	PB_SPLIT,     /* net_hsplit, protocol split after TCP, payload in a dmabuf */
	PB_NOSPLIT,   /* net_hsplit, one 2048-byte mbuf per frame */
	PB_NULL,      /* net_null: allocates mbufs, sets lengths, writes no data */
	PB_NB_CONFIGS,
};

struct pb_options {
	unsigned int reps;
	double seconds;
	bool json;
	int only;               /* -1, or the one configuration to run (for profiling) */
	bool cycle_stats;       /* net_hsplit's cycle_stats=1: driver and device halves */
};

struct pb_stats {
	double median, min, max;
};

/* One (configuration, frame size) cell of the table. */
struct pb_result {
	bool ran;
	struct pb_stats mpps;
	uint64_t packets;        /* delivered over all timed repetitions */
	uint64_t empty_polls;    /* rx_burst calls that returned nothing */
	/*
	 * net_hsplit's parts, ns per packet, median over the repetitions (a
	 * repetition the scheduler interrupted inflates whichever part ran)
	 */
	struct pb_stats driver_ns;   /* what a real NIC leaves to the host CPU */
	struct pb_stats host_ns;     /* the loop less the device: driver + the free + loop */
	struct pb_stats device_ns;   /* the emulated NIC (cycle_stats xstats) */
	bool halves;                 /* the three above were measured */
};

struct pb_run {
	const struct pb_options *opt;
	unsigned int lcore;
	struct pb_result res[PB_NB_CONFIGS][PB_NB_SIZES];
	unsigned int errors;     /* setup failures, wrong packets, mbufs not returned */
};

extern const uint32_t pb_sizes[PB_NB_SIZES];
extern const char *const pb_config_names[PB_NB_CONFIGS];
extern const char *const pb_config_keys[PB_NB_CONFIGS];

/* port.c: a started port of one configuration, and its teardown. */
struct pb_port {
	enum pb_config config;
	uint32_t frame_size;
	bool cycle_stats;             /* net_hsplit port with cycle_stats=1 */
	struct app_port eth;          /* hdr_mp is the only pool without split */
};
int pb_port_open(struct pb_port *p, enum pb_config config, uint32_t frame_size,
		 bool cycle_stats);
/* Stops, closes, removes the vdev, frees the pools; -1 if mbufs were not all returned. */
int pb_port_close(struct pb_port *p);

/* measure.c */
void pb_measure_all(struct pb_run *run);

/* report.c */
void pb_report_table(const struct pb_run *run);
void pb_report_json(const struct pb_run *run);

#endif /* HSPLIT_PMD_BENCH_H */
