/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hsplit devargs, parsed in one place (hsplit_devargs.c). A bad value
 * fails probe with a message naming the devarg and what it accepts.
 */
#ifndef HSPLIT_DEVARGS_H
#define HSPLIT_DEVARGS_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#define HSPLIT_MAX_QUEUES 16u
/* gen flow f uses TCP/UDP source port 10000 + f */
#define HSPLIT_GEN_MAX_FLOWS 50000u

enum hsplit_backend_kind {
	HSPLIT_BACKEND_GEN,
	HSPLIT_BACKEND_PEER,
	HSPLIT_BACKEND_PCAP,
	HSPLIT_BACKEND_AFPACKET,
	HSPLIT_BACKEND_AFXDP,
};

enum hsplit_gen_proto {
	HSPLIT_GEN_TCP,
	HSPLIT_GEN_UDP,
	HSPLIT_GEN_ICMP,   /* never splittable: exercises LINEAR */
};

struct hsplit_devargs {
	enum hsplit_backend_kind backend;   /* backend=gen|peer|pcap|afpacket|afxdp */

	/* afpacket, afxdp */
	char iface[IF_NAMESIZE];            /* iface=<netdev> */
	uint32_t iface_queue;               /* queue=<n>: the netdev queue (afxdp) */

	/* pcap */
	char rx_pcap[PATH_MAX];             /* rx_pcap=<file>: frames to receive */
	char tx_pcap[PATH_MAX];             /* tx_pcap=<file>: where sent frames go */
	bool pcap_loop;                     /* loop=1: replay rx_pcap forever */

	/* gen */
	uint32_t gen_size;                  /* size=<bytes>: frame size without FCS */
	uint32_t gen_flows;                 /* flows=<n> */
	uint64_t gen_rate;                  /* rate=<pps>, 0 = as fast as polled */
	uint64_t gen_count;                 /* count=<frames>, 0 = endless */
	enum hsplit_gen_proto gen_proto;    /* proto=tcp|udp|icmp */
	bool gen_ipv6;                      /* l3=ipv4|ipv6 */
	uint16_t gen_dport;                 /* dport=<port>: every flow's destination port */
	bool gen_handshake;                 /* handshake=1: a TCP sender per flow (gen_tcp) */
	uint32_t gen_rto_ms;                /* rto=<ms>: its retransmission timeout */

	/* peer */
	char peer[64];                      /* peer=<vdev name of the other port> */

	/* device */
	uint16_t max_queues;                /* max_queues=<1..16> */
	struct rte_ether_addr mac;          /* mac=<xx:xx:xx:xx:xx:xx> */
	bool mac_set;

	/* devmem payload */
	char dmabuf[256];                   /* dmabuf=<spec> (lib/devmem grammar) */
	bool dmabuf_queues[HSPLIT_MAX_QUEUES]; /* dmabuf_queues=[0,2-3]; default all */
	uint32_t chunk_size;                /* chunk=<bytes>, power of two */
	bool pack;                          /* placement=pack|single */
	bool copy_on_empty;                 /* on_empty=drop|copy */
};

int hsplit_devargs_parse(const char *name, const char *args, struct hsplit_devargs *out);

#endif /* HSPLIT_DEVARGS_H */
