/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One port per measurement: its mbuf pools, the vdev, one rx queue (no tx
 * queue: rxonly), started; and the teardown that checks every mbuf came home.
 * The ethdev steps are app/common/app_port.c; here is what each config asks for.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>

#include "pmd_bench.h"

/* What --rxhdrs=eth-ipv4-tcp asks for in testpmd. */
#define PB_SPLIT_PTYPE (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_TCP)

static void vdev_args(const struct pb_port *p, char *buf, size_t len)
{
	const char *cycles = p->cycle_stats ? ",cycle_stats=1" : "";

	switch (p->config) {
	case PB_SPLIT:
		snprintf(buf, len, "backend=gen,size=%u,dmabuf=%s%s", p->frame_size, PB_DMABUF,
			 cycles);
		break;
	case PB_NOSPLIT:
		snprintf(buf, len, "backend=gen,size=%u%s", p->frame_size, cycles);
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

	vdev_args(p, args, sizeof(args));
	ret = app_port_probe(&p->eth, p->config == PB_NULL ? "net_null0" : "net_hsplit0", args);
	if (ret < 0 && !p->eth.probed)
		fprintf(stderr, "pmd-bench: is the driver loaded? net_hsplit is linked in, "
			"net_null comes from the EAL plugin path or -d\n");
	return ret;
}

int pb_port_open(struct pb_port *p, enum pb_config config, uint32_t frame_size,
		 bool cycle_stats)
{
	struct app_port_queues q = {
		.rx_ring = PB_RING,
		.split_ptype = config == PB_SPLIT ? PB_SPLIT_PTYPE : 0,
	};
	int ret;

	memset(p, 0, sizeof(*p));
	p->config = config;
	p->frame_size = frame_size;
	p->cycle_stats = cycle_stats && config != PB_NULL;
	p->eth.prog = "pmd-bench";
	p->eth.hdr_mp = app_port_pool("pmd-bench", "pb_seg0", PB_POOL_MBUFS, PB_POOL_CACHE,
				      config == PB_SPLIT ? PB_HDR_ROOM : PB_PAY_ROOM);
	if (p->eth.hdr_mp == NULL)
		return -ENOMEM;
	if (config == PB_SPLIT) {
		p->eth.pay_mp = app_port_pool("pmd-bench", "pb_seg1", PB_POOL_MBUFS,
					      PB_POOL_CACHE, PB_PAY_ROOM);
		if (p->eth.pay_mp == NULL)
			return -ENOMEM;
	}
	ret = port_probe(p);
	if (ret == 0)
		ret = app_port_setup(&p->eth, &q);
	if (ret == 0)
		ret = app_port_start(&p->eth);
	return ret;
}

int pb_port_close(struct pb_port *p)
{
	int ret = app_port_close(&p->eth);

	if (app_port_free_pools(&p->eth) < 0)
		ret = -1;
	memset(p, 0, sizeof(*p));
	return ret;
}
