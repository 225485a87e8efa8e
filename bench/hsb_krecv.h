/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb-krecv: the kernel receive designs of hsplit-bench (plain recv(), TCP
 * receive zero-copy, epoll busy polling) and the probes for devmem TCP and
 * io_uring zcrx.
 */
#ifndef HSPLIT_HSB_KRECV_H
#define HSPLIT_HSB_KRECV_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "app_hist.h"
#include "hsb_util.h"

enum krecv_design { DESIGN_RECV, DESIGN_ZEROCOPY, DESIGN_BUSYPOLL };
enum krecv_probe { PROBE_NONE, PROBE_DEVMEM, PROBE_ZCRX };

struct krecv_opts {
	struct in_addr bind;
	uint16_t port;
	enum krecv_design design;
	enum krecv_probe probe;
	const char *ifname;
	uint32_t conns;
	uint64_t msg;     /* latency message size */
	bool latency;
	bool verify;
	uint64_t buf;
	double timeout;
	bool json;
	uint32_t busy_us;     /* busypoll: how long one epoll_wait() polls */
	uint16_t busy_budget; /* busypoll: packets per NAPI poll */
};

struct krecv_conn {
	int fd;
	uint64_t off;       /* stream bytes consumed */
	uint8_t stamp[16];  /* the current message's stamp, possibly partial */
	bool eof;
	void *map;          /* zerocopy: this socket's receive mapping */
};

/* This namespace's NAPI counters, sampled around the run. */
struct krecv_napi_sample {
	bool valid;
	uint64_t busy_polled; /* TcpExt BusyPollRxPackets */
	uint64_t rx_packets;  /* received by every device but lo */
};

struct krecv_stats {
	uint64_t bytes, reads;
	uint64_t verify_errors;
	uint64_t messages, bad_stamps;
	struct app_hist latency;
	uint64_t t_first_ns, t_last_eof_ns;
	struct rusage ru_first, ru_last;
	/* zerocopy */
	bool zc_supported;
	char zc_reason[256];
	uint64_t mapped, copied, recvd, zc_calls;
	int path_mtu, mss;
	/* busypoll */
	bool busy_supported;
	char busy_reason[256];
	/* every design: from the first accepted connection to the last EOF */
	struct krecv_napi_sample napi_first, napi_last;
};

struct krecv {
	const struct krecv_opts *o;
	struct krecv_stats st;
	struct hsb_pattern pat;
	uint8_t *buf;
	size_t map_len;     /* zerocopy mapping size: --buf rounded up to pages */
	long page;
};

/* Account `len` stream bytes of c read at now_ns: verify, stamps, totals. */
void krecv_consume(struct krecv *k, struct krecv_conn *c, const uint8_t *data, size_t len,
		   uint64_t now_ns);
/* The first byte of the run: start the clock and the CPU sample. */
void krecv_first_byte(struct krecv *k, uint64_t now_ns);

/* One readiness event on c: read what is there. 0, or -errno (fatal). */
int krecv_read_plain(struct krecv *k, struct krecv_conn *c);
int krecv_read_zerocopy(struct krecv *k, struct krecv_conn *c);
/* Zerocopy per-connection setup/teardown (mapping); fallbacks are recorded. */
void krecv_zc_attach(struct krecv *k, struct krecv_conn *c);
void krecv_zc_detach(struct krecv *k, struct krecv_conn *c);
/* The note of the zerocopy report, from what happened. */
void krecv_zc_note(const struct krecv *k, char *note, size_t len);

/* Busy polling: the epoll instance's and each socket's parameters; a refusal
 * marks the design unsupported with the reason (the run goes on without). */
void krecv_busy_epoll(struct krecv *k, int ep);
void krecv_busy_attach(struct krecv *k, struct krecv_conn *c);
/* Sample the namespace's counters; 0 or -errno (then s->valid is false). */
int krecv_napi_sample(struct krecv_napi_sample *s);

/* --probe: print the verdict line; exit code 0 (verdict) or 1 (probe broke). */
int krecv_probe_devmem(const struct krecv_opts *o);
int krecv_probe_zcrx(const struct krecv_opts *o);
/* The probes' shared JSON line. reason NULL when supported. */
void krecv_probe_report(const struct krecv_opts *o, const char *design, bool supported,
			const char *reason, const char *checks_json);

#endif
