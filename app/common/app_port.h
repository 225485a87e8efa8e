/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One vdev port the way hsplit's DPDK apps run it: its mbuf pools, the
 * probed device, one rx queue (split after the headers, or whole frames)
 * and optionally one tx queue, started; and a teardown that says whether
 * every mbuf came home. What differs between apps (devargs, pool sizes,
 * bind-rx, a stack on top) stays in the app.
 *
 *   app_port_probe -> app_port_setup -> [bind-rx ...] -> app_port_start
 *   app_port_close -> [unbind, chunk checks ...] -> app_port_free_pools
 */
#ifndef HSPLIT_APP_PORT_H
#define HSPLIT_APP_PORT_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mempool;

struct app_port {
	const char *prog;            /* names every message */
	char name[64];               /* the vdev: "net_hsplit0", "net_null0" */
	uint16_t port_id;
	bool probed, started;
	struct rte_mempool *hdr_mp;  /* rx segment 0; without split the only rx pool */
	struct rte_mempool *pay_mp;  /* rx segment 1 (payload), NULL without split */
	struct rte_mempool *tx_mp;   /* NULL when the app sends nothing */
};

/*
 * rte_pktmbuf_pool_create of n mbufs with data_room bytes each (headroom
 * included) on this lcore's socket; NULL after a message naming it.
 */
struct rte_mempool *app_port_pool(const char *prog, const char *name, uint32_t n,
				  uint32_t cache, uint16_t data_room);

/* rte_vdev_init(name, args) and its ethdev port; 0 or a negative errno after a message. */
int app_port_probe(struct app_port *p, const char *name, const char *args);

struct app_port_queues {
	uint16_t rx_ring;
	uint16_t tx_ring;            /* 0: no tx queue */
	uint32_t split_ptype;        /* RTE_PTYPE_* to split after; 0: whole frames in hdr_mp */
	uint64_t rx_offloads;        /* rte_eth_conf.rxmode.offloads */
	uint16_t mtu;                /* set before the queues; 0: the port's default */
};

/* Configure one rx queue (and one tx queue); 0 or a negative errno after a message. */
int app_port_setup(struct app_port *p, const struct app_port_queues *q);

/* rte_eth_dev_start; 0 or a negative errno after a message. */
int app_port_start(struct app_port *p);

/* Stop, close and remove the vdev, as far as it got; 0 or -1. */
int app_port_close(struct app_port *p);

/* Free the pools; -1 (after a message) when one is not full: mbufs were lost. */
int app_port_free_pools(struct app_port *p);

#endif
