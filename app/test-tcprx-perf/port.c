/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One cell's world: net_hsplit with gen as `conns` TCP senders, buffer split
 * after TCP into header mbufs, payload in a strict memfd dmabuf; a tcprx
 * stack listening on 10.2.0.1:5201; and the teardown that checks every
 * mbuf, chunk and binding came home.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "app_common.h"
#include "devmem.h"
#include "tcprx_bench.h"

#define TB_SPLIT_PTYPE (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_TCP)
#define TB_POOL_CACHE  256u

uint16_t tb_rx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n);
uint16_t tb_tx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n);

static struct rte_mempool *pool_create(const char *name, uint32_t n, uint16_t room)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, TB_POOL_CACHE, 0, room,
							 (int)rte_socket_id());

	if (mp == NULL)
		fprintf(stderr, "tcprx-bench: mbuf pool %s of %u: %s\n", name, n,
			rte_strerror(rte_errno));
	return mp;
}

/* Payload chunks for every window at once, twice over (packed fragments pin chunks). */
static uint32_t dmabuf_mib(const struct tb_port *p)
{
	uint64_t bytes = (uint64_t)p->conns * p->rcv_chunks * 4096u + (64u << 20);

	return (uint32_t)RTE_MIN((bytes + (1u << 20) - 1) >> 20, 4096u);
}

static int port_probe(struct tb_port *p)
{
	char args[160];
	int ret;

	snprintf(p->vdev, sizeof(p->vdev), "net_hsplit_tb");
	snprintf(args, sizeof(args),
		 "backend=gen,handshake=1,flows=%u,size=%u,dport=%u,dmabuf=[memfd:size=%uM,strict=1]",
		 p->conns, TB_FRAME - TB_MSS_PAYLOAD + p->seg_bytes, TB_PORT, dmabuf_mib(p));
	ret = rte_vdev_init(p->vdev, args);
	if (ret < 0) {
		fprintf(stderr, "tcprx-bench: rte_vdev_init(%s, \"%s\"): %s\n", p->vdev, args,
			strerror(-ret));
		return ret;
	}
	p->probed = true;
	return rte_eth_dev_get_port_by_name(p->vdev, &p->port_id);
}

static int port_configure(struct tb_port *p)
{
	struct rte_eth_conf conf = { .rxmode.offloads = RTE_ETH_RX_OFFLOAD_BUFFER_SPLIT };
	int ret = rte_eth_dev_configure(p->port_id, 1, 1, &conf);

	if (ret < 0) {
		fprintf(stderr, "tcprx-bench: configure: %s\n", strerror(-ret));
		return ret;
	}
	ret = app_rxq_setup_split(p->port_id, 0, TB_RING, TB_SPLIT_PTYPE, p->hdr_mp, p->pay_mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(p->port_id, 0, TB_RING, rte_socket_id(), NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(p->port_id);
	if (ret < 0)
		fprintf(stderr, "tcprx-bench: queue setup / start: %s\n", strerror(-ret));
	p->started = ret == 0;
	return ret;
}

static int stack_create(struct tb_port *p)
{
	struct tcprx_config cfg;
	struct tcprx_addr addr;
	int ret;

	tcprx_config_init(&cfg);
	cfg.port_id = p->port_id;
	cfg.tx_pool = p->tx_mp;
	cfg.max_conns = p->conns + 64;
	cfg.max_half_open = p->conns + 64;
	cfg.accept_backlog = p->conns + 64;
	cfg.rcv_chunks = p->rcv_chunks;
	/*
	 * Small segments: offer the MSS they fill. The window is counted in
	 * full-sized segments, so against a 1460 MSS a sender of 64-byte ones
	 * would overrun the piece ring long before the window closed.
	 */
	if (p->seg_bytes < TB_MSS_PAYLOAD)
		cfg.mss = (uint16_t)RTE_MAX(p->seg_bytes + TB_TS_OPT, TB_MIN_MSS);
	cfg.rx_burst = tb_rx_burst;
	cfg.rx_arg = p;
	cfg.tx_burst = tb_tx_burst;
	cfg.tx_arg = p;
	ret = tcprx_create(&cfg, &p->rx);
	if (ret == 0)
		ret = tcprx_addr_parse("10.2.0.1", &addr);
	if (ret == 0)
		ret = tcprx_add_address(p->rx, &addr);
	if (ret == 0)
		ret = tcprx_listen(p->rx, NULL, TB_PORT);
	if (ret < 0)
		fprintf(stderr, "tcprx-bench: tcprx setup: %s\n", strerror(-ret));
	return ret;
}

int tb_port_open(struct tb_port *p, uint32_t conns, uint32_t rcv_chunks, uint32_t batch,
		 uint32_t seg_bytes)
{
	uint32_t held = conns * rcv_chunks;
	int ret;

	memset(p, 0, sizeof(*p));
	p->conns = conns;
	p->rcv_chunks = rcv_chunks;
	p->batch = batch;
	p->seg_bytes = seg_bytes;
	p->bc = calloc(conns, sizeof(*p->bc));
	p->ready = calloc(conns, sizeof(*p->ready));
	p->hdr_mp = pool_create("tb_hdr", 4 * TB_RING + 4096, TB_HDR_ROOM);
	p->pay_mp = pool_create("tb_pay", held + 4 * TB_RING + 4096, TB_PAY_ROOM);
	p->tx_mp = pool_create("tb_tx", 2 * conns + 8192, TB_HDR_ROOM);
	if (p->bc == NULL || p->ready == NULL || p->hdr_mp == NULL || p->pay_mp == NULL ||
	    p->tx_mp == NULL)
		return -ENOMEM;
	ret = port_probe(p);
	if (ret == 0)
		ret = port_configure(p);
	if (ret == 0)
		ret = stack_create(p);
	return ret;
}

int tb_port_close(struct tb_port *p)
{
	int ret = 0;

	if (p->rx != NULL) {
		tb_release_all(p);
		tcprx_destroy(p->rx);   /* RSTs go out through the still-started port */
	}
	if (p->started && rte_eth_dev_stop(p->port_id) < 0)
		ret = -1;
	if (p->probed && (rte_eth_dev_close(p->port_id) < 0 || rte_vdev_uninit(p->vdev) < 0))
		ret = -1;
	ret |= app_mempool_free_checked("tcprx-bench", p->hdr_mp);
	ret |= app_mempool_free_checked("tcprx-bench", p->pay_mp);
	ret |= app_mempool_free_checked("tcprx-bench", p->tx_mp);
	if (devmem_binding_count_live() != 0 || devmem_pool_count_zombies() != 0) {
		fprintf(stderr, "tcprx-bench: %u bindings live, %u zombie pools after close\n",
			devmem_binding_count_live(), devmem_pool_count_zombies());
		ret = -1;
	}
	free(p->bc);
	free(p->ready);
	memset(p, 0, sizeof(*p));
	return ret;
}
