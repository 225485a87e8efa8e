/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb-krecv: the kernel receive designs of hsplit-bench (plain recv(), TCP
 * receive zero-copy, epoll busy polling, devmem TCP, io_uring zcrx) and the
 * probes for the last two.
 */
#ifndef HSPLIT_HSB_KRECV_H
#define HSPLIT_HSB_KRECV_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "app_hist.h"
#include "hsb_util.h"

enum krecv_design { DESIGN_RECV, DESIGN_ZEROCOPY, DESIGN_BUSYPOLL, DESIGN_DEVMEM, DESIGN_ZCRX };
enum krecv_probe { PROBE_NONE, PROBE_DEVMEM, PROBE_ZCRX };

struct krecv_opts {
	struct in_addr bind;
	uint16_t port;
	enum krecv_design design;
	enum krecv_probe probe;
	const char *ifname;   /* devmem, zcrx and the probes: the receiving device */
	uint32_t queue;       /* ... and its RX queue the flows are steered to */
	const char *dmabuf;   /* devmem: lib/devmem dma-buf spec */
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
	/* devmem, zcrx: the queue could not be taken; the run read with recv() */
	bool dev_supported;
	char dev_reason[384];
	/* every design: from the first accepted connection to the last EOF */
	struct krecv_napi_sample napi_first, napi_last;
};

struct krecv_devmem;
struct krecv_zcrx;

struct krecv {
	const struct krecv_opts *o;
	struct krecv_stats st;
	struct krecv_devmem *dm;  /* devmem: the binding, while it holds */
	struct krecv_zcrx *zx;    /* zcrx: the ring and its interface queue */
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
/*
 * The result n of one recv()/recvmsg() on c, at now_ns: 1 when there are n > 0
 * bytes to account (the run's clock started), 0 when there is nothing (it would
 * block, or EOF: c->eof set), -errno on an error.
 */
int krecv_note_read(struct krecv *k, struct krecv_conn *c, ssize_t n, uint64_t now_ns);
/* The last connection reached EOF: stop the clock and take the closing samples. */
void krecv_last_eof(struct krecv *k);

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
/*
 * devmem TCP: tcp-data-split on, a dma-buf bound to --queue of --ifname
 * (bind-rx), recvmsg(MSG_SOCK_DEVMEM) per readiness event, every token
 * returned with SO_DEVMEM_DONTNEED. A refusal marks the design unsupported
 * with the reason and the run reads with recv() (krecv_devmem_start returns 0
 * then; -errno only when the machine is broken).
 */
int krecv_devmem_start(struct krecv *k);
int krecv_read_devmem(struct krecv *k, struct krecv_conn *c);
void krecv_devmem_stop(struct krecv *k);
void krecv_devmem_report(const struct krecv *k);

/*
 * io_uring zcrx: tcp-data-split on, a zcrx interface queue on --queue with a
 * user-memory area, one multishot IORING_OP_RECV_ZC per connection, buffers
 * given back through the refill ring. krecv_zcrx_serve() replaces the epoll
 * loop; without a queue (refused: unsupported with the reason) the epoll
 * loop reads with recv().
 */
int krecv_zcrx_start(struct krecv *k);
int krecv_zcrx_serve(struct krecv *k, int lfd, struct krecv_conn *conns);
void krecv_zcrx_stop(struct krecv *k);
void krecv_zcrx_report(const struct krecv *k);

/* Sample the namespace's counters; 0 or -errno (then s->valid is false). */
int krecv_napi_sample(struct krecv_napi_sample *s);

/* --probe: print the verdict line; exit code 0 (verdict) or 1 (probe broke). */
int krecv_probe_devmem(const struct krecv_opts *o);
int krecv_probe_zcrx(const struct krecv_opts *o);
/* The probes' shared JSON line. reason NULL when supported. */
void krecv_probe_report(const struct krecv_opts *o, const char *design, bool supported,
			const char *reason, const char *checks_json);

#endif
