/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The net_hsplit port: a vdev with one RX queue split after the TCP header
 * (segment 0: header mbufs, segment 1: payload mbufs), the application's own
 * dmabuf bound to that queue with devmem_bind_rx() (the netlink bind-rx of
 * devmem TCP), and one TX queue for lib/tcprx's ACKs, SYN-ACKs, RSTs and ARP
 * replies. Teardown checks that every mbuf and every chunk came home. The
 * ethdev steps common to every app are app/common/app_port.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "app_port.h"
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

/* The vdev: --vdev as given, else net_hsplit_rx0 from --backend, --iface, --devargs. */
static int probe(struct hrx_port *p, const struct hrx_options *o)
{
	char name[64], args[768];
	const char *comma;
	int ret;

	if (o->vdev[0]) {
		comma = strchr(o->vdev, ',');
		snprintf(name, sizeof(name), "%.*s",
			 (int)(comma ? (size_t)(comma - o->vdev) : strlen(o->vdev)), o->vdev);
		snprintf(args, sizeof(args), "%s", comma ? comma + 1 : "");
	} else {
		snprintf(name, sizeof(name), "net_hsplit_rx0");
		ret = snprintf(args, sizeof(args), "backend=%s", o->backend);
		if (o->iface[0])
			ret += snprintf(args + ret, sizeof(args) - (size_t)ret, ",iface=%s,queue=%u",
					o->iface, o->queue);
		if (o->devargs[0])
			snprintf(args + ret, sizeof(args) - (size_t)ret, ",%s", o->devargs);
	}
	/* A reference into the driver keeps the linker from dropping it (it registers itself). */
	(void)rte_pmd_hsplit_linear_flag();
	return app_port_probe(&p->eth, name, args);
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
	ret = devmem_bind_rx(p->eth.port_id, &q, 1, p->binding);
	if (ret < 0)
		fprintf(stderr, "%s: bind-rx %s queue 0 to binding %u: %s\n", HRX_NAME, p->eth.name,
			devmem_binding_id(p->binding), strerror(-ret));
	return ret;
}

/*
 * IPv6 neighbour discovery: a solicitation is sent to the solicited-node
 * group of the address (ff02::1:ffXX:XXXX, MAC 33:33:ff:XX:XX:XX), and
 * ff02::1 (33:33:00:00:00:01) reaches all nodes. Without these in the
 * port's multicast list its MAC filter drops them (rx_mac_filtered_drops).
 */
static int join_ipv6_groups(struct hrx_port *p, const struct hrx_options *o)
{
	const uint8_t *a = o->addr.bytes;
	struct rte_ether_addr groups[2] = {
		{ { 0x33, 0x33, 0xff, a[13], a[14], a[15] } },
		{ { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } },
	};
	int ret;

	if (o->addr.family != AF_INET6)
		return 0;
	ret = rte_eth_dev_set_mc_addr_list(p->eth.port_id, groups, RTE_DIM(groups));
	if (ret < 0)
		fprintf(stderr, "%s: %s: joining the solicited-node group: %s\n", HRX_NAME,
			p->eth.name, strerror(-ret));
	return ret;
}

int hrx_port_open(struct hrx_port *p, const struct hrx_options *o)
{
	struct app_port_queues q = {
		.rx_ring = (uint16_t)o->ring,
		.tx_ring = TX_RING,
		.split_ptype = o->addr.family == AF_INET6 ? SPLIT_IPV6_TCP : SPLIT_IPV4_TCP,
		.mtu = (uint16_t)o->mtu,
	};
	unsigned int n = mbufs_needed(o);
	int ret;

	memset(p, 0, sizeof(*p));
	p->eth.prog = HRX_NAME;
	p->eth.hdr_mp = app_port_pool(HRX_NAME, "hrx_hdr", n, POOL_CACHE,
				      RTE_PKTMBUF_HEADROOM + HDR_ROOM);
	p->eth.pay_mp = app_port_pool(HRX_NAME, "hrx_pay", n, POOL_CACHE,
				      RTE_PKTMBUF_HEADROOM + PAY_ROOM);
	p->eth.tx_mp = app_port_pool(HRX_NAME, "hrx_tx", TX_MBUFS, POOL_CACHE,
				     RTE_PKTMBUF_HEADROOM + TX_ROOM);
	if (p->eth.hdr_mp == NULL || p->eth.pay_mp == NULL || p->eth.tx_mp == NULL)
		return -ENOMEM;
	ret = probe(p, o);
	if (ret == 0)
		ret = app_port_setup(&p->eth, &q);
	if (ret == 0)
		ret = bind_dmabuf(p, o);   /* bind-rx needs the split queue set up */
	if (ret == 0)
		ret = join_ipv6_groups(p, o);
	if (ret == 0)
		ret = app_port_start(&p->eth);
	return ret;
}

int hrx_port_close(struct hrx_port *p)
{
	uint32_t chunks = 0, free_chunks = 0;
	int ret = app_port_close(&p->eth);

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
	if (app_port_free_pools(&p->eth) < 0)
		ret = -1;
	if (devmem_pool_count_zombies() != 0) {
		fprintf(stderr, "%s: %u payload pools still wait for chunks after close\n", HRX_NAME,
			devmem_pool_count_zombies());
		ret = -1;
	}
	memset(p, 0, sizeof(*p));
	return ret;
}
