/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "app_port.h"

struct rte_mempool *app_port_pool(const char *prog, const char *name, uint32_t n,
				  uint32_t cache, uint16_t data_room)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, cache, 0, data_room,
							 (int)rte_socket_id());

	if (mp == NULL)
		fprintf(stderr, "%s: mbuf pool %s (%u mbufs): %s\n", prog, name, n,
			rte_strerror(rte_errno));
	return mp;
}

int app_port_probe(struct app_port *p, const char *name, const char *args)
{
	int ret;

	snprintf(p->name, sizeof(p->name), "%s", name);
	ret = rte_vdev_init(p->name, args);
	if (ret < 0) {
		fprintf(stderr, "%s: rte_vdev_init(%s, \"%s\"): %s (see the driver's message above)\n",
			p->prog, p->name, args, strerror(-ret));
		return ret;
	}
	p->probed = true;
	ret = rte_eth_dev_get_port_by_name(p->name, &p->port_id);
	if (ret < 0)
		fprintf(stderr, "%s: %s probed but has no ethdev port\n", p->prog, p->name);
	return ret;
}

/* Headers up to split_ptype into hdr_mp, the payload into pay_mp (the dmabuf pool). */
static int rxq_setup_split(struct app_port *p, const struct app_port_queues *q)
{
	union rte_eth_rxseg segs[2];
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf conf;
	int ret = rte_eth_dev_info_get(p->port_id, &info);

	if (ret < 0)
		return ret;
	memset(segs, 0, sizeof(segs));
	segs[0].split.mp = p->hdr_mp;
	segs[0].split.proto_hdr = q->split_ptype;
	segs[1].split.mp = p->pay_mp;
	conf = info.default_rxconf;
	conf.offloads = RTE_ETH_RX_OFFLOAD_BUFFER_SPLIT;
	conf.rx_seg = segs;
	conf.rx_nseg = 2;
	return rte_eth_rx_queue_setup(p->port_id, 0, q->rx_ring, rte_socket_id(), &conf, NULL);
}

int app_port_setup(struct app_port *p, const struct app_port_queues *q)
{
	struct rte_eth_conf conf;
	int ret;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.offloads = q->rx_offloads;
	ret = rte_eth_dev_configure(p->port_id, 1, q->tx_ring ? 1 : 0, &conf);
	if (ret < 0) {
		fprintf(stderr, "%s: %s: configure: %s\n", p->prog, p->name, strerror(-ret));
		return ret;
	}
	/* Before the queues: a payload pool sized at queue setup must take the largest frame. */
	if (q->mtu != 0) {
		ret = rte_eth_dev_set_mtu(p->port_id, q->mtu);
		if (ret < 0) {
			struct rte_eth_dev_info info;

			if (rte_eth_dev_info_get(p->port_id, &info) == 0)
				fprintf(stderr, "%s: %s: MTU %u: %s (the port takes %u to %u)\n",
					p->prog, p->name, q->mtu, strerror(-ret), info.min_mtu,
					info.max_mtu);
			else
				fprintf(stderr, "%s: %s: MTU %u: %s\n", p->prog, p->name, q->mtu,
					strerror(-ret));
			return ret;
		}
	}
	if (q->split_ptype)
		ret = rxq_setup_split(p, q);
	else
		ret = rte_eth_rx_queue_setup(p->port_id, 0, q->rx_ring, rte_socket_id(), NULL,
					     p->hdr_mp);
	if (ret < 0) {
		fprintf(stderr, "%s: %s: rx queue%s: %s\n", p->prog, p->name,
			q->split_ptype ? " with buffer split" : "", strerror(-ret));
		return ret;
	}
	if (q->tx_ring == 0)
		return 0;
	ret = rte_eth_tx_queue_setup(p->port_id, 0, q->tx_ring, rte_socket_id(), NULL);
	if (ret < 0)
		fprintf(stderr, "%s: %s: tx queue: %s\n", p->prog, p->name, strerror(-ret));
	return ret;
}

int app_port_start(struct app_port *p)
{
	int ret = rte_eth_dev_start(p->port_id);

	if (ret < 0)
		fprintf(stderr, "%s: %s: start: %s\n", p->prog, p->name, strerror(-ret));
	p->started = ret == 0;
	return ret;
}

int app_port_close(struct app_port *p)
{
	int ret = 0;

	if (p->started && rte_eth_dev_stop(p->port_id) < 0)
		ret = -1;
	p->started = false;
	if (p->probed) {
		if (rte_eth_dev_close(p->port_id) < 0)
			ret = -1;
		if (rte_vdev_uninit(p->name) < 0)
			ret = -1;
	}
	p->probed = false;
	if (ret < 0)
		fprintf(stderr, "%s: %s: stop/close/remove failed\n", p->prog, p->name);
	return ret;
}

/* A pool that is not full lost mbufs (in a PMD, a library or the app): say how many. */
static int pool_free_checked(const char *prog, struct rte_mempool **mpp)
{
	struct rte_mempool *mp = *mpp;
	unsigned int avail, size;

	if (mp == NULL)
		return 0;
	avail = rte_mempool_avail_count(mp);
	size = mp->size;
	if (avail != size)
		fprintf(stderr, "%s: pool %s: %u of %u mbufs not returned after close\n", prog,
			mp->name, size - avail, size);
	rte_mempool_free(mp);
	*mpp = NULL;
	return avail == size ? 0 : -1;
}

int app_port_free_pools(struct app_port *p)
{
	int ret = 0;

	ret |= pool_free_checked(p->prog, &p->hdr_mp);
	ret |= pool_free_checked(p->prog, &p->pay_mp);
	ret |= pool_free_checked(p->prog, &p->tx_mp);
	return ret;
}
