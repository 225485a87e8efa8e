/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsplit-tcprx-bench: ns per in-order MSS segment through lib/tcprx on one
 * lcore, net_hsplit's gen backend acting as the TCP senders (handshake=1),
 * buffer split with the payload in a strict memfd dmabuf, at several
 * connection counts. Each figure is split into what the emulated device
 * costs (gen + PMD receive, PMD transmit + gen reading the ACKs) and what
 * lib/tcprx costs (input, ACK generation, recv and token returns).
 */
#ifndef HSPLIT_TCPRX_BENCH_H
#define HSPLIT_TCPRX_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "app_port.h"
#include "tcprx.h"

#define TB_MAX_CELLS       8u
#define TB_DEFAULT_REPS    5u
#define TB_DEFAULT_SECONDS 1.0
#define TB_WARMUP_SECONDS  0.2
#define TB_CONNECT_SECONDS 20.0   /* every handshake must be done by then */
#define TB_CONNECT_SECONDS_POLLS 900.0 /* the same with --polls (under callgrind, ~50x slower) */
#define TB_BURST           32u
#define TB_RING            1024u  /* rx descriptors */
#define TB_FRAME           1514u  /* gen frame: 1448 bytes of payload with timestamps */
#define TB_MSS_PAYLOAD     1448u
#define TB_MIN_SEG_BYTES   64u
#define TB_TS_OPT          12u    /* the timestamp option with its padding */
#define TB_MIN_MSS         88u    /* the smallest MSS lib/tcprx offers */
#define TB_HDR_ROOM        (RTE_PKTMBUF_HEADROOM + 128u)
#define TB_PAY_ROOM        (RTE_PKTMBUF_HEADROOM + 256u) /* payload lives in the dmabuf */
#define TB_HOLD_MAX        64u    /* tokens an app connection holds before returning them */
#define TB_PORT            5201u

struct tb_options {
	unsigned int reps;
	double seconds;
	bool json;
	unsigned int nb_cells;
	uint32_t conns[TB_MAX_CELLS];
	uint32_t rcv_chunks;     /* 0: by connection count (see tb_cell_rcv_chunks) */
	uint32_t batch;          /* tokens returned per tcprx_dontneed; 0: rcv_chunks / 2 */
	uint32_t seg_bytes;      /* payload per gen segment, TB_MIN_SEG_BYTES..TB_MSS_PAYLOAD */
	uint32_t delack_us;      /* tcprx's delayed-ACK bound; 0: the library's default */
	/*
	 * Not 0: every window (warm-up and timed) is this many loop rounds
	 * instead of `seconds`, so a run under callgrind does a fixed amount
	 * of work (doc/performance.md, instruction counts).
	 */
	uint32_t polls;
};

struct tb_stats {
	double median, min, max;
};

/* Cycle counters of one timed window. */
struct tb_window {
	uint64_t cycles;         /* the whole loop */
	uint64_t rx_cycles;      /* rte_eth_rx_burst: gen writes, device model, driver */
	uint64_t tx_cycles;      /* rte_eth_tx_burst of tcprx's frames: driver, gen reads ACKs */
	uint64_t poll_cycles;    /* tcprx_poll, rx and tx included */
	uint64_t app_cycles;     /* tcprx_recv + tcprx_dontneed + readiness */
	uint64_t segs;           /* in-order fragments handed to the application */
	uint64_t bytes;
	uint64_t frames_out;     /* ACKs etc. tcprx sent */
	uint64_t polls, tx_calls;
};

/* One connection count: medians over the repetitions, ns per in-order segment. */
struct tb_cell {
	uint32_t conns;
	uint32_t rcv_chunks, batch;
	bool ran;
	struct tb_stats total, device_rx, device_tx, tcprx_stack, tcprx_app, tcprx_all;
	struct tb_stats acks_per_seg, gbps;
	struct tb_stats bare_total;  /* the same loop without per-part rdtsc */
	double segs_per_poll, rdtsc_ns, probe_ns;  /* instrumentation cost, per segment */
	uint64_t segs, bytes;    /* over all timed repetitions */
	/* the span of all timed repetitions: wall time and the process's CPU (getrusage) */
	double seconds, cpu_user_s, cpu_sys_s;
	uint64_t connect_ms;
	/* what must be zero against a receiver that never drops */
	uint64_t gen_odd, gen_retrans, pool_empty_drops, no_desc_drops, recv_errors;
	uint64_t gen_probes, gen_rto, gen_fast, gen_syn_retrans;
	/* tcprx's per-connection counters, summed */
	uint64_t segs_ooo, segs_dup, segs_unacceptable, zero_windows, window_updates, chunk_overrun;
	uint64_t linear_frags, bad_returns, rst;
	uint64_t tcprx_malformed, tcprx_csum;
	uint64_t loop_segs;      /* segments delivered in tb_loop_for (callgrind's denominator) */
};

struct tb_run {
	const struct tb_options *opt;
	unsigned int lcore;
	struct tb_cell cells[TB_MAX_CELLS];
	unsigned int errors;
};

/* What one app connection holds. */
struct tb_conn {
	struct tcprx_conn *conn;
	uint32_t held;
	uint32_t tokens[TB_HOLD_MAX];
};

/* The port, its pools, the stack and the app's connections for one cell. */
struct tb_port {
	uint32_t conns, rcv_chunks, batch, seg_bytes, delack_us;
	struct app_port eth;      /* pools, vdev, queues (app/common/app_port.h) */
	struct tcprx *rx;
	struct tb_conn *bc;       /* indexed by gen flow (remote port - 10000) */
	uint32_t accepted;
	struct tb_window win;     /* the running window */
	bool timed;               /* rdtsc around each part (else only the whole window) */
	uint64_t recv_errors, linear_frags, short_returns;
	uint32_t dmabuf_id;
	uint64_t loop_segs;       /* segments delivered inside tb_loop_for, warm-up included */
};

uint32_t tb_cell_rcv_chunks(const struct tb_options *opt, uint32_t conns);

/* port.c */
int tb_port_open(struct tb_port *p, uint32_t conns, uint32_t rcv_chunks, uint32_t batch,
		 const struct tb_options *opt);
/* Closes everything; -1 when mbufs, chunks or bindings were not all returned. */
int tb_port_close(struct tb_port *p);

/* loop.c */
int tb_connect_all(struct tb_port *p, double seconds);
void tb_loop_for(struct tb_port *p, double seconds, uint32_t polls);
void tb_release_all(struct tb_port *p);

/* measure.c */
void tb_measure_all(struct tb_run *run);

/* report.c */
void tb_report_table(const struct tb_run *run);
void tb_report_json(const struct tb_run *run);

#endif /* HSPLIT_TCPRX_BENCH_H */
