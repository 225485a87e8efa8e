/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One port per measurement: its mbuf pools, the vdev, one rx queue (no tx
 * queue: rxonly), started; and the teardown that checks every mbuf came home.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "app_common.h"
#include "pmd_bench.h"

/* What --rxhdrs=eth-ipv4-tcp asks for in testpmd. */
#define PB_SPLIT_PTYPE (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_TCP)

static struct rte_mempool *pool_create(const char *name, uint16_t data_room)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, PB_POOL_MBUFS, PB_POOL_CACHE, 0,
							 data_room, (int)rte_socket_id());

	if (mp == NULL)
		fprintf(stderr, "pmd-bench: mbuf pool %s: %s\n", name, rte_strerror(rte_errno));
	return mp;
}

static void vdev_args(const struct pb_port *p, char *buf, size_t len)
{
	switch (p->config) {
	case PB_SPLIT:
		snprintf(buf, len, "backend=gen,size=%u,dmabuf=%s", p->frame_size, PB_DMABUF);
		break;
	case PB_NOSPLIT:
		snprintf(buf, len, "backend=gen,size=%u", p->frame_size);
		break;
	default:
		snprintf(buf, len, "size=%u", p->frame_size);
		break;
	}
}

static int port_probe(struct pb_port *p)
{
	char args[128];
	int ret;

	snprintf(p->vdev, sizeof(p->vdev), "%s", p->config == PB_NULL ? "net_null0" : "net_hsplit0");
	vdev_args(p, args, sizeof(args));
	ret = rte_vdev_init(p->vdev, args);
	if (ret < 0) {
		fprintf(stderr, "pmd-bench: rte_vdev_init(%s, \"%s\"): %s (is the driver loaded? "
			"net_hsplit is linked in, net_null comes from the EAL plugin path or -d)\n",
			p->vdev, args, strerror(-ret));
		return ret;
	}
	p->probed = true;
	ret = rte_eth_dev_get_port_by_name(p->vdev, &p->port_id);
	if (ret < 0)
		fprintf(stderr, "pmd-bench: %s probed but has no ethdev port\n", p->vdev);
	return ret;
}

/* Two segments: headers up to TCP into hdr_mp, the payload through pay_mp (dmabuf). */
static int rxq_setup_split(struct pb_port *p)
{
	return app_rxq_setup_split(p->port_id, 0, PB_RING, PB_SPLIT_PTYPE, p->hdr_mp, p->pay_mp);
}

static int port_configure(struct pb_port *p)
{
	struct rte_eth_conf conf;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(p->port_id, 1, 0, &conf);
	if (ret < 0) {
		fprintf(stderr, "pmd-bench: %s: configure: %s\n", p->vdev, strerror(-ret));
		return ret;
	}
	if (p->config == PB_SPLIT)
		ret = rxq_setup_split(p);
	else
		ret = rte_eth_rx_queue_setup(p->port_id, 0, PB_RING, rte_socket_id(), NULL,
					     p->hdr_mp);
	if (ret < 0)
		fprintf(stderr, "pmd-bench: %s: rx queue setup: %s\n", p->vdev, strerror(-ret));
	return ret;
}

int pb_port_open(struct pb_port *p, enum pb_config config, uint32_t frame_size)
{
	int ret;

	memset(p, 0, sizeof(*p));
	p->config = config;
	p->frame_size = frame_size;
	p->hdr_mp = pool_create("pb_seg0", config == PB_SPLIT ? PB_HDR_ROOM : PB_PAY_ROOM);
	if (p->hdr_mp == NULL)
		return -ENOMEM;
	if (config == PB_SPLIT) {
		p->pay_mp = pool_create("pb_seg1", PB_PAY_ROOM);
		if (p->pay_mp == NULL)
			return -ENOMEM;
	}
	ret = port_probe(p);
	if (ret == 0)
		ret = port_configure(p);
	if (ret == 0) {
		ret = rte_eth_dev_start(p->port_id);
		if (ret < 0)
			fprintf(stderr, "pmd-bench: %s: start: %s\n", p->vdev, strerror(-ret));
		p->started = ret == 0;
	}
	return ret;
}

int pb_port_close(struct pb_port *p)
{
	int ret = 0;

	if (p->started && rte_eth_dev_stop(p->port_id) < 0)
		ret = -1;
	if (p->probed) {
		if (rte_eth_dev_close(p->port_id) < 0)
			ret = -1;
		if (rte_vdev_uninit(p->vdev) < 0)
			ret = -1;
	}
	if (app_mempool_free_checked("pmd-bench", p->hdr_mp) < 0)
		ret = -1;
	if (app_mempool_free_checked("pmd-bench", p->pay_mp) < 0)
		ret = -1;
	if (ret < 0)
		fprintf(stderr, "pmd-bench: %s: teardown failed\n", p->vdev);
	memset(p, 0, sizeof(*p));
	return ret;
}
