/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsplit-rx: a devmem-TCP-style receiver (in the manner of the kernel's
 * ncdevmem) on the bypass stack: net_hsplit + lib/devmem + lib/tcprx.
 *
 *   options.c   settings: defaults, --config FILE, command line (in that order)
 *   port.c      the net_hsplit port: pools, buffer split, dmabuf binding
 *   conn.c      one connection: recv, verify, token return/hold/stall
 *   rxloop.c    the polling loop: tcprx_poll, accept, service, exit rules
 *   report.c    per-interval lines, the final summary, --json
 */
#ifndef HSPLIT_RX_H
#define HSPLIT_RX_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sys/resource.h>

#include <rte_mempool.h>

#include "app_hist.h"
#include "app_port.h"
#include "devmem.h"
#include "tcprx.h"

#define HRX_NAME "hsplit-rx"
#define HRX_EXIT_VERIFY 1   /* a byte did not match, or a run-time error */
#define HRX_EXIT_INTERRUPTED 130

struct hrx_options {
	/* where */
	struct tcprx_addr addr;
	uint16_t port;
	char listen[64];           /* as given, for reports */
	char vdev[512];            /* "net_hsplit0,backend=...": passed as is */
	char backend[16];          /* afxdp, afpacket, pcap, gen, peer */
	char iface[IF_NAMESIZE];
	uint32_t queue;            /* backend queue (iface queue) */
	char devargs[256];         /* extra devargs appended to the built ones */
	/* device memory */
	char dmabuf[256];
	uint32_t chunk;
	uint32_t ring;             /* rx descriptors */
	uint32_t mbufs;            /* header and payload mbufs each; 0 = derived */
	uint32_t burst;
	uint32_t mtu;              /* the port's MTU; 0 = leave it (1500) */
	/* tcprx */
	uint32_t max_conns;
	uint32_t rcv_chunks;
	uint32_t max_ooo;          /* out-of-order records; 0 = rcv_chunks */
	uint32_t mss;
	uint32_t wscale;           /* 0xff = library default */
	uint32_t delack_us;
	bool no_sack, no_timestamps;
	uint32_t vlan;             /* VLAN ID ours; 0 = untagged frames */
	/* the application */
	bool verify;
	uint32_t batch;            /* tokens per tcprx_dontneed */
	uint32_t hold_ms;          /* keep every token at least this long */
	uint64_t stall_after;      /* per connection: after this many bytes ... */
	uint32_t stall_ms;         /* ... return no token for this long (once) */
	bool latency;              /* one-way latency of each message from the sender's TSval */
	bool tsval_ms;             /* the sender's TSval counts ms (Linux < 6.7), not us */
	uint32_t msg;              /* message size: a message starts every msg stream bytes */
	uint32_t random_app;       /* a seed: hold and repeated stalls drawn at random; 0 = off */
	/* when to stop (0 = never) */
	uint64_t exit_conns;
	uint64_t exit_bytes;
	double exit_seconds;
	/* output */
	double interval;           /* seconds between progress lines; 0 = none */
	bool json;
	bool quiet;
	char samples[256];         /* one JSON line per interval to this file ("" = none) */
};

/* options.c. Returns -1 to run, else the exit status (0 after --help). */
int hrx_options_parse(int argc, char **argv, struct hrx_options *opt);
void hrx_usage(FILE *out, const char *prog);

/* port.c */
struct hrx_port {
	struct app_port eth;          /* pools, vdev, queues (app/common/app_port.h) */
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;
};

int hrx_port_open(struct hrx_port *p, const struct hrx_options *opt);
/* Stop, close, unbind; -1 when mbufs or chunks did not come home. */
int hrx_port_close(struct hrx_port *p);

/* The running totals every report reads. */
struct hrx_totals {
	uint64_t accepted, finished, resets, errors;
	uint64_t bytes, bytes_verified, verify_errors;
	uint64_t tokens_returned, dontneed_calls;
	uint64_t stalls;
	uint64_t max_tokens_held;
	uint64_t latency_no_ts;       /* --latency: messages whose segment had no TSval */
	uint64_t tokens_dropped;      /* held by a reset connection: released by its close */
	struct tcprx_conn_stats cs;   /* summed over connections (finished + live) */
};

struct hrx_conn;
struct hrx_run;

struct hrx_xstat {
	char name[64];
	uint64_t value;
};

/* conn.c */
struct hrx_conn *hrx_conn_open(struct hrx_run *run, struct tcprx_conn *tc, uint32_t id);
/* Drain what is ready; returns 1 when the connection ended (then free it). */
int hrx_conn_service(struct hrx_run *run, struct hrx_conn *c, uint64_t now_ns);
/* Final accounting, tcprx_close, free. */
void hrx_conn_finish(struct hrx_run *run, struct hrx_conn *c);
void hrx_conn_sum_stats(const struct hrx_conn *c, struct tcprx_conn_stats *sum);
void hrx_conn_live_info(const struct hrx_conn *c, uint32_t *wnd, uint32_t *chunks);
/* Tokens the application holds on this connection now (not yet returned). */
uint32_t hrx_conn_tokens_held(const struct hrx_conn *c);
/*
 * Serviced again next round without news from tcprx (tcprx_ready_next):
 * it holds tokens (they go back by time or batch) or was not drained.
 */
bool hrx_conn_wants_service(const struct hrx_conn *c);
/* On the loop's list of connections to service this round. */
bool hrx_conn_due(const struct hrx_conn *c);
void hrx_conn_set_due(struct hrx_conn *c, bool due);
/* Its index in run->live (the loop keeps it when it moves connections). */
uint32_t hrx_conn_live_idx(const struct hrx_conn *c);
void hrx_conn_set_live_idx(struct hrx_conn *c, uint32_t idx);

/*
 * Per-connection results for the summary (kept after the connection ends),
 * for the first HRX_RESULTS_MAX connections: a receiver that runs for days
 * must not grow by a record per connection. The totals count every one.
 */
#define HRX_RESULTS_MAX 4096u
struct hrx_conn_result {
	uint32_t id;
	char remote[64];
	uint64_t bytes, bytes_verified, verify_errors;
	double seconds;
	bool reset;
	/* what the handshake agreed (tcprx_conn_info at accept) */
	uint16_t peer_mss;
	uint8_t snd_wscale, rcv_wscale;
	bool ts_ok, sack_ok;
	struct tcprx_conn_stats cs;
};

struct hrx_run {
	const struct hrx_options *opt;
	struct hrx_port port;
	struct tcprx *rx;
	uint64_t t_start, t_first_byte, t_last_byte;   /* ns */
	uint64_t t_end;               /* ns: the exit rule fired (all --conns ended, ...) */
	struct rusage ru_first, ru_end; /* the process's CPU at the first byte and at t_end */
	struct app_hist latency;      /* --latency: now - TSval of every message start */
	struct hrx_totals tot;
	struct hrx_conn **live;
	uint32_t nb_live, live_cap;
	struct hrx_conn **due;        /* to service this round: ready, or still busy (live_cap) */
	uint32_t nb_due;
	struct hrx_conn_result *results;
	uint32_t nb_results, results_cap;
	uint64_t results_unlisted;    /* connections past HRX_RESULTS_MAX */
	uint64_t tick_ns, tick_bytes, tick_segs;  /* the previous progress line */
	FILE *samples;                /* --samples: open while running */
	uint64_t sample_ns;           /* the previous sample */
	uint64_t rng;                 /* --random-app: xorshift64 state */
	/* snapshots taken before teardown, for the final report */
	struct tcprx_stats gs;
	struct hrx_xstat *xstats;
	uint32_t nb_xstats;
	bool teardown_ok;
	const char *exit_reason;
	char port_name[64];           /* the port's name, kept past its close */
	uint16_t port_mtu;            /* the port's MTU once set up (--mtu or its default) */
	const uint8_t *pattern;       /* --verify: pattern[i] = i % 251, long enough */
	uint32_t pattern_len;
	int error;                    /* first run-time error (negative errno) */
};

/* The byte at stream offset k, as the sender writes it (and the gen backend). */
static inline uint8_t hrx_pattern_byte(uint64_t k)
{
	return (uint8_t)(k % 251u);
}

/* rxloop.c: listen, poll until an exit rule fires, snapshot, destroy tcprx. */
uint64_t hrx_now_ns(void);
int hrx_run(struct hrx_run *run);
/* Every connection's results and snapshots freed. */
void hrx_run_free(struct hrx_run *run);

/* report.c */
void hrx_report_tick(struct hrx_run *run, uint64_t now_ns, bool force);
void hrx_report_final(struct hrx_run *run, uint64_t now_ns);
/* --samples: one JSON line of what a soak watches grow (force: now, whatever the interval). */
void hrx_report_sample(struct hrx_run *run, uint64_t now_ns, bool force);

#endif
