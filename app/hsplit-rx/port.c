/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The net_hsplit port: a vdev with one RX queue split after the TCP header
 * (segment 0: header mbufs, segment 1: payload mbufs), the application's own
 * dmabuf bound to that queue with devmem_bind_rx() (the netlink bind-rx of
 * devmem TCP), and one TX queue for lib/tcprx's ACKs, SYN-ACKs, RSTs and ARP
 * replies. Teardown checks that every mbuf and every chunk came home.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_bus_vdev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "app_common.h"
#include "hsplit_rx.h"
#include "rte_pmd_hsplit.h"

#define HDR_ROOM   256u     /* Ethernet + IPv6 + TCP with every option fits */
#define PAY_ROOM   2048u    /* a LINEAR frame's tail lands here */
#define TX_ROOM    256u
#define TX_MBUFS   2047u
#define POOL_CACHE 256u
#define TX_RING    512u

#define SPLIT_IPV4_TCP (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_TCP)
#define SPLIT_IPV6_TCP (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6_EXT_UNKNOWN | RTE_PTYPE_L4_TCP)

static struct rte_mempool *pool(const char *name, unsigned int n, uint16_t room)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, POOL_CACHE, 0,
							 RTE_PKTMBUF_HEADROOM + room,
							 (int)rte_socket_id());

	if (mp == NULL)
		fprintf(stderr, "%s: mbuf pool %s (%u mbufs): %s\n", HRX_NAME, name, n,
			rte_strerror(rte_errno));
	return mp;
}

/*
 * Every payload mbuf may be held: in the ring, queued in order or out of
 * order, or lent to the application as a token. The connections may hold
 * max_conns x rcv_chunks between them, and the ring twice its size.
 */
static unsigned int mbufs_needed(const struct hrx_options *o)
{
	uint64_t n = (uint64_t)o->max_conns * o->rcv_chunks + 2ull * o->ring + 2 * POOL_CACHE;

	if (o->mbufs)
		return o->mbufs;
	if (n < 8191)
		n = 8191;
	return n > (1u << 20) ? 1u << 20 : (unsigned int)n;
}

static int probe(struct hrx_port *p, const struct hrx_options *o)
{
	char args[768];
	const char *comma;
	int ret;

	if (o->vdev[0]) {
		comma = strchr(o->vdev, ',');
		snprintf(p->name, sizeof(p->name), "%.*s",
			 (int)(comma ? (size_t)(comma - o->vdev) : strlen(o->vdev)), o->vdev);
		snprintf(args, sizeof(args), "%s", comma ? comma + 1 : "");
	} else {
		snprintf(p->name, sizeof(p->name), "net_hsplit_rx0");
		ret = snprintf(args, sizeof(args), "backend=%s", o->backend);
		if (o->iface[0])
			ret += snprintf(args + ret, sizeof(args) - (size_t)ret, ",iface=%s,queue=%u",
					o->iface, o->queue);
		if (o->devargs[0])
			snprintf(args + ret, sizeof(args) - (size_t)ret, ",%s", o->devargs);
	}
	/* A reference into the driver keeps the linker from dropping it (it registers itself). */
	(void)rte_pmd_hsplit_linear_flag();
	ret = rte_vdev_init(p->name, args);
	if (ret < 0) {
		fprintf(stderr, "%s: rte_vdev_init(%s, \"%s\") failed (%d): see the driver's "
			"message above\n", HRX_NAME, p->name, args, ret);
		return ret;
	}
	p->probed = true;
	ret = rte_eth_dev_get_port_by_name(p->name, &p->port_id);
	if (ret < 0)
		fprintf(stderr, "%s: %s probed but has no ethdev port\n", HRX_NAME, p->name);
	return ret;
}

static int rxq_setup(struct hrx_port *p, const struct hrx_options *o)
{
	int ret = app_rxq_setup_split(p->port_id, 0, (uint16_t)o->ring,
				      o->addr.family == AF_INET6 ? SPLIT_IPV6_TCP : SPLIT_IPV4_TCP,
				      p->hdr_mp, p->pay_mp);

	if (ret < 0)
		fprintf(stderr, "%s: %s: rx queue with buffer split: %s\n", HRX_NAME, p->name,
			strerror(-ret));
	return ret;
}

/* The application's dmabuf, bound to queue 0 (bind-rx): the queue restarts onto it. */
static int bind_dmabuf(struct hrx_port *p, const struct hrx_options *o)
{
	struct devmem_binding_params bp = { .chunk_size = o->chunk };
	uint16_t q = 0;
	int ret;

	ret = devmem_dmabuf_open(o->dmabuf, &p->dmabuf);
	if (ret < 0) {
		fprintf(stderr, "%s: --dmabuf %s: %s\n", HRX_NAME, o->dmabuf, strerror(-ret));
		return ret;
	}
	ret = devmem_binding_create(p->dmabuf, &bp, &p->binding);
	if (ret < 0) {
		fprintf(stderr, "%s: binding %s with --chunk %u: %s\n", HRX_NAME, o->dmabuf, o->chunk,
			strerror(-ret));
		return ret;
	}
	ret = devmem_bind_rx(p->port_id, &q, 1, p->binding);
	if (ret < 0)
		fprintf(stderr, "%s: bind-rx %s queue 0 to binding %u: %s\n", HRX_NAME, p->name,
			devmem_binding_id(p->binding), strerror(-ret));
	return ret;
}

int hrx_port_open(struct hrx_port *p, const struct hrx_options *o)
{
	struct rte_eth_conf conf;
	unsigned int n = mbufs_needed(o);
	int ret;

	memset(p, 0, sizeof(*p));
	p->hdr_mp = pool("hrx_hdr", n, HDR_ROOM);
	p->pay_mp = pool("hrx_pay", n, PAY_ROOM);
	p->tx_mp = pool("hrx_tx", TX_MBUFS, TX_ROOM);
	if (p->hdr_mp == NULL || p->pay_mp == NULL || p->tx_mp == NULL)
		return -ENOMEM;
	ret = probe(p, o);
	if (ret < 0)
		return ret;
	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(p->port_id, 1, 1, &conf);
	if (ret < 0) {
		fprintf(stderr, "%s: %s: configure: %s\n", HRX_NAME, p->name, strerror(-ret));
		return ret;
	}
	ret = rxq_setup(p, o);
	if (ret == 0)
		ret = bind_dmabuf(p, o);
	if (ret < 0)
		return ret;
	ret = rte_eth_tx_queue_setup(p->port_id, 0, TX_RING, rte_socket_id(), NULL);
	if (ret < 0) {
		fprintf(stderr, "%s: %s: tx queue: %s\n", HRX_NAME, p->name, strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_start(p->port_id);
	if (ret < 0) {
		fprintf(stderr, "%s: %s: start: %s\n", HRX_NAME, p->name, strerror(-ret));
		return ret;
	}
	p->started = true;
	return 0;
}

int hrx_port_close(struct hrx_port *p)
{
	uint32_t chunks = 0, free_chunks = 0;
	int ret = 0;

	if (p->started && rte_eth_dev_stop(p->port_id) < 0)
		ret = -1;
	if (p->probed) {
		if (rte_eth_dev_close(p->port_id) < 0)
			ret = -1;
		if (rte_vdev_uninit(p->name) < 0)
			ret = -1;
	}
	if (p->binding != NULL) {
		chunks = devmem_binding_nr_chunks(p->binding);
		free_chunks = devmem_binding_nr_free(p->binding);
		devmem_binding_unbind(p->binding);
	}
	if (p->dmabuf != NULL)
		devmem_dmabuf_put(p->dmabuf);
	if (free_chunks != chunks) {
		fprintf(stderr, "%s: %u of %u dmabuf chunks not returned after close\n", HRX_NAME,
			chunks - free_chunks, chunks);
		ret = -1;
	}
	if (app_mempool_free_checked(HRX_NAME, p->hdr_mp) < 0)
		ret = -1;
	if (app_mempool_free_checked(HRX_NAME, p->pay_mp) < 0)
		ret = -1;
	if (app_mempool_free_checked(HRX_NAME, p->tx_mp) < 0)
		ret = -1;
	if (devmem_pool_count_zombies() != 0) {
		fprintf(stderr, "%s: %u payload pools still wait for chunks after close\n", HRX_NAME,
			devmem_pool_count_zombies());
		ret = -1;
	}
	memset(p, 0, sizeof(*p));
	return ret;
}
