/* SPDX-License-Identifier: BSD-3-Clause */
/* hsb-send: the Linux TCP sender every hsplit-bench design is measured against. */
#ifndef HSPLIT_HSB_SEND_H
#define HSPLIT_HSB_SEND_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "app_hist.h"

struct send_opts {
	struct in_addr dst;
	uint16_t port;
	bool latency;          /* --mode latency, else bulk */
	uint32_t flows;
	uint64_t msg;
	double seconds;        /* bulk: stop after this long, unless bytes is set */
	uint64_t bytes;        /* bulk: total over all flows; 0 = use seconds */
	uint64_t count;        /* latency: messages */
	uint64_t interval_us;  /* latency: schedule period */
	double connect_timeout;
	double drain_timeout;  /* how long to wait for the receiver to close */
	bool json;
};

struct send_result {
	uint64_t bytes;
	uint64_t writes;       /* send() calls that moved bytes */
	uint64_t messages;     /* latency */
	uint64_t late;         /* latency: sends whose slot had passed already */
	uint64_t t_first_connect_ns;
	uint64_t t_last_eof_ns;
	struct app_hist send_call; /* latency: duration of each send() */
};

/* Each returns 0 or -errno, having logged why. fds are connected sockets. */
int send_bulk(const struct send_opts *o, const int *fds, struct send_result *r);
int send_latency(const struct send_opts *o, int fd, struct send_result *r);
/* shutdown(SHUT_WR) is done; wait for every receiver to close (read 0). */
int send_wait_closed(const struct send_opts *o, const int *fds, uint32_t n,
		     struct send_result *r);

#endif
