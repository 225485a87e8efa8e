/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend=gen settings, shared by the plain generator (hsplit_backend_gen.c)
 * and its TCP-sender mode, handshake=1 (hsplit_backend_gen_tcp.c).
 */
#ifndef HSPLIT_GEN_H
#define HSPLIT_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "hsplit_backend.h"
#include "hsplit_log.h"

/* gen flow f uses TCP/UDP source port 10000 + f */
#define HSPLIT_GEN_MAX_FLOWS 50000u
#define HSPLIT_GEN_BURST     32u

enum hsplit_gen_proto {
	HSPLIT_GEN_TCP,
	HSPLIT_GEN_UDP,
	HSPLIT_GEN_ICMP,   /* never splittable: exercises LINEAR */
};

struct hsplit_gen_conf {
	uint32_t gen_size;                  /* size=<bytes>: frame size without FCS */
	uint32_t gen_flows;                 /* flows=<n> */
	uint64_t gen_rate;                  /* rate=<pps>, 0 = as fast as polled */
	uint64_t gen_count;                 /* count=<frames>, 0 = endless */
	enum hsplit_gen_proto gen_proto;    /* proto=tcp|udp|icmp */
	bool gen_ipv6;                      /* l3=ipv4|ipv6 */
	uint16_t gen_dport;                 /* dport=<port>: every flow's destination port */
	bool gen_handshake;                 /* handshake=1: a TCP sender per flow (gen_tcp) */
	uint32_t gen_rto_ms;                /* rto=<ms>: its retransmission timeout */
	const struct rte_ether_addr *mac;   /* the port's MAC: frames go to it */
};

extern const struct hsplit_backend_ops hsplit_backend_gen_ops;
extern const struct hsplit_backend_ops hsplit_backend_gen_tcp_ops;
int hsplit_gen_tcp_open(const struct hsplit_gen_conf *conf, const char *port_name,
			struct hsplit_backend **out);

#endif /* HSPLIT_GEN_H */
