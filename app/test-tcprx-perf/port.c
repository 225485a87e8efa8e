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

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "devmem.h"
#include "tcprx_bench.h"

#define TB_SPLIT_PTYPE (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_TCP)
#define TB_POOL_CACHE  256u

uint16_t tb_rx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n);
uint16_t tb_tx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n);

/* Payload chunks for every window at once, twice over (packed fragments pin chunks). */
static uint32_t dmabuf_mib(const struct tb_port *p)
{
	uint64_t bytes = (uint64_t)p->conns * p->rcv_chunks * 4096u + (64u << 20);

	return (uint32_t)RTE_MIN((bytes + (1u << 20) - 1) >> 20, 4096u);
}

static int port_probe(struct tb_port *p)
{
	char args[160];

	snprintf(args, sizeof(args),
		 "backend=gen,handshake=1,flows=%u,size=%u,dport=%u,dmabuf=[memfd:size=%uM,strict=1]",
		 p->conns, TB_FRAME - TB_MSS_PAYLOAD + p->seg_bytes, TB_PORT, dmabuf_mib(p));
	return app_port_probe(&p->eth, "net_hsplit_tb", args);
}

static int stack_create(struct tb_port *p)
{
	struct tcprx_config cfg;
	struct tcprx_addr addr;
	int ret;

	tcprx_config_init(&cfg);
	cfg.port_id = p->eth.port_id;
	cfg.tx_pool = p->eth.tx_mp;
	cfg.max_conns = p->conns + 64;
	cfg.max_half_open = p->conns + 64;
	cfg.accept_backlog = p->conns + 64;
	cfg.rcv_chunks = p->rcv_chunks;
	cfg.delack_us = p->delack_us;
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
		 const struct tb_options *opt)
{
	struct app_port_queues q = {
		.rx_ring = TB_RING,
		.tx_ring = TB_RING,
		.split_ptype = TB_SPLIT_PTYPE,
		.rx_offloads = RTE_ETH_RX_OFFLOAD_BUFFER_SPLIT,
	};
	uint32_t held = conns * rcv_chunks;
	int ret;

	memset(p, 0, sizeof(*p));
	p->conns = conns;
	p->rcv_chunks = rcv_chunks;
	p->batch = batch;
	p->seg_bytes = opt->seg_bytes;
	p->delack_us = opt->delack_us;
	p->bc = calloc(conns, sizeof(*p->bc));
	p->eth.prog = "tcprx-bench";
	p->eth.hdr_mp = app_port_pool("tcprx-bench", "tb_hdr", 4 * TB_RING + 4096, TB_POOL_CACHE,
				      TB_HDR_ROOM);
	p->eth.pay_mp = app_port_pool("tcprx-bench", "tb_pay", held + 4 * TB_RING + 4096,
				      TB_POOL_CACHE, TB_PAY_ROOM);
	p->eth.tx_mp = app_port_pool("tcprx-bench", "tb_tx", 2 * conns + 8192, TB_POOL_CACHE,
				     TB_HDR_ROOM);
	if (p->bc == NULL || p->eth.hdr_mp == NULL || p->eth.pay_mp == NULL ||
	    p->eth.tx_mp == NULL)
		return -ENOMEM;
	ret = port_probe(p);
	if (ret == 0)
		ret = app_port_setup(&p->eth, &q);
	if (ret == 0)
		ret = app_port_start(&p->eth);
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
	ret |= app_port_close(&p->eth);
	ret |= app_port_free_pools(&p->eth);
	if (devmem_binding_count_live() != 0 || devmem_pool_count_zombies() != 0) {
		fprintf(stderr, "tcprx-bench: %u bindings live, %u zombie pools after close\n",
			devmem_binding_count_live(), devmem_pool_count_zombies());
		ret = -1;
	}
	free(p->bc);
	memset(p, 0, sizeof(*p));
	return ret;
}
