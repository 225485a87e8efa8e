/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hsplit's driver half, private header. Three layers:
 *
 *   driver (hsplit_ethdev.c, hsplit_rx.c, hsplit_tx.c, hsplit_flow.c, hsplit_filter.c,
 *           hsplit_rss_ops.c, hsplit_stats.c, hsplit_devmem.c, hsplit_devargs.c)
 *     the ethdev side: validates what the application asks, programs the
 *     device's registers (device/hsplit_hw.h) at configure / queue setup /
 *     start / flow create, posts header/payload mbufs on the descriptor
 *     rings and turns completions into mbuf chains; never reads payload.
 *   device model (device/)
 *     what NIC hardware does: parse, steer (ntuple rules, then RSS), split,
 *     "DMA" header bytes into the header mbuf and payload bytes into a chunk
 *     of the queue's payload provider, verify checksums, complete.
 *   backends (backends/, interface hsplit_backend.h)
 *     the wire: AF_XDP, AF_PACKET, pcap, a generator, or a peer port.
 */
#ifndef HSPLIT_PRIVATE_H
#define HSPLIT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_flow_driver.h>
#include <rte_spinlock.h>

#include "devmem_driver.h"
#include "hsplit_dpdk_compat.h"
#include "hsplit_backend.h"
#include "hsplit_devargs.h"
#include "hsplit_hw.h"
#include "hsplit_log.h"

#define HSPLIT_RX_DESC_MAX   4096u
#define HSPLIT_RX_DESC_DFLT  512u
#define HSPLIT_TX_DESC_MAX   4096u
#define HSPLIT_BURST         HSPLIT_HW_BURST
#define HSPLIT_RETA_SIZE     HSPLIT_HW_RETA_SIZE
#define HSPLIT_RSS_KEY_LEN   HSPLIT_HW_RSS_KEY_LEN
#define HSPLIT_MIN_MTU       68u
#define HSPLIT_MAX_MTU       (HSPLIT_MAX_FRAME - RTE_ETHER_HDR_LEN - 4u)

/* The largest MTU the port's backend carries (ops->max_frame, else HSPLIT_MAX_MTU). */
static inline uint16_t hsplit_backend_max_mtu(const struct hsplit_backend *be)
{
	uint32_t frame = be != NULL && be->ops->max_frame ? be->ops->max_frame : HSPLIT_MAX_FRAME;

	return (uint16_t)(RTE_MIN(frame, HSPLIT_MAX_FRAME) - RTE_ETHER_HDR_LEN - 4u);
}

_Static_assert(HSPLIT_MAX_QUEUES == HSPLIT_HW_MAX_QUEUES, "devargs and device queue limits");

#define HSPLIT_RSS_OFFLOAD_ALL (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | \
				RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_IPV6 | \
				RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_NONFRAG_IPV6_UDP)

struct rte_flow {
	struct hsplit_hw_rule hw;    /* the entry in the device's rule table */
};

/* ------------------------------------------------------------------ */
/* receive queue                                                       */
/* ------------------------------------------------------------------ */

/*
 * cycle_stats=1: TSC cycles of each half of rx_burst (xstats). device: the
 * emulated NIC's poll (wire, parse, checksums, steering, "DMA"); driver:
 * what a real NIC leaves to the host (harvest, chains, extbuf attach, refill,
 * and the payload provider hook the device calls). Data path only.
 */
struct hsplit_rxq_cycles {
	uint64_t device;             /* bursts that delivered packets */
	uint64_t driver;
	uint64_t idle;               /* bursts that delivered nothing: both halves */
	uint64_t bursts;
	uint64_t hook_burst;         /* provider hook, this burst so far */
	uint64_t hook_calls_burst;
	uint64_t tsc_read;           /* what the hook's own pair of TSC reads costs */
};

struct hsplit_rxq {
	struct hsplit_hw_rxq hw;     /* the device's registers and ring for this queue */
	struct hsplit_adapter *ad;
	uint16_t queue_id;
	struct rte_mempool *hdr_mp;
	struct rte_mempool *pay_mp;  /* NULL without split */
	uint64_t offloads;
	/* what rx_queue_setup asked for; the device's copy is in hw */
	enum hsplit_split_mode split;

	/* devmem payload */
	struct devmem_binding *binding;
	struct devmem_pool *pool;    /* the payload provider behind hw.payload */
	uint32_t pay_chunk_size;     /* the pool's, read per frame */
	devmem_ref pay_last_ref;     /* the chunk the last payload went to, */
	uint8_t *pay_last_addr;      /* and its device address */
	bool setting_up;             /* inside rx_queue_setup: bind-rx must not restart */

	uint64_t nombuf;
	uint64_t attach_errors;      /* a completed chunk the mbuf glue refused (header only) */

	/* pre-split device (backend=kq): hsplit_rx_presplit.c */
	struct hsplit_presplit_rxq *presplit;
	uint64_t presplit_tokens_returned; /* chunks freed by their last mbuf, token given back */
	uint64_t presplit_chunk_errors;    /* a completion named a chunk we do not hold */
	bool started;                /* ethdev's queue state: rx_burst runs */
	struct hsplit_rxq_cycles cycles;
};

struct hsplit_txq {
	struct hsplit_adapter *ad;
	uint16_t queue_id;
	uint64_t packets;
	uint64_t bytes;
	uint64_t errors;             /* backend refused or the chain could not be linearised */
	uint8_t *stage;              /* HSPLIT_BURST linear frames */
};

/* ------------------------------------------------------------------ */
/* the port                                                            */
/* ------------------------------------------------------------------ */

struct hsplit_adapter {
	struct hsplit_hw_port hw;    /* the device: registers, rule table, counters */
	struct rte_eth_dev *dev;
	uint16_t port_id;
	char name[64];
	struct hsplit_devargs args;
	struct hsplit_backend_params backend_params; /* what the backend was opened with */

	rte_spinlock_t tx_lock;
	bool started;
	uint32_t max_rx_pktlen;      /* from the MTU; programs hw.max_frame */
	uint64_t rss_hf;             /* RTE_ETH_RSS_* as configured; programs hw.rss_types */

	/* devmem from devargs (dmabuf=) */
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;

	uint64_t tx_backend_errors;  /* tx failures of the backend, tx lock held */

	struct hsplit_rxq *rxq[HSPLIT_MAX_QUEUES];
	struct hsplit_txq *txq[HSPLIT_MAX_QUEUES];

	/* what stats_reset / xstats_reset subtract (live counters stay the data path's) */
	struct {
		uint64_t rx_packets[HSPLIT_MAX_QUEUES], rx_bytes[HSPLIT_MAX_QUEUES];
		uint64_t rx_missed[HSPLIT_MAX_QUEUES], rx_errors[HSPLIT_MAX_QUEUES];
		uint64_t rx_nombuf[HSPLIT_MAX_QUEUES];
		uint64_t tx_packets[HSPLIT_MAX_QUEUES], tx_bytes[HSPLIT_MAX_QUEUES];
		uint64_t tx_errors[HSPLIT_MAX_QUEUES];
		uint64_t port_missed, port_errors;
	} stats_base;
	struct hsplit_xstat_base *xstat_base;
	bool closed;
};

static inline struct hsplit_adapter *hsplit_adapter(struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

static inline struct hsplit_backend *hsplit_wire(struct hsplit_adapter *ad)
{
	return ad->hw.backend;
}

/* hsplit_devmem.c: payload pools and bind-rx */
int hsplit_devmem_probe(struct hsplit_adapter *ad);
void hsplit_devmem_remove(struct hsplit_adapter *ad);
int hsplit_devmem_rxq_setup(struct hsplit_adapter *ad, struct hsplit_rxq *rxq);
int hsplit_devmem_rxq_posted_pools(struct hsplit_adapter *ad, struct hsplit_rxq *rxq);
void hsplit_devmem_rxq_release(struct hsplit_rxq *rxq);
extern const struct devmem_rxq_ops hsplit_devmem_rxq_ops;

/* hsplit_rx.c: the payload provider hook and device view the driver installs */
extern const struct hsplit_hw_payload_ops hsplit_devmem_payload_ops;
extern const struct hsplit_hw_payload_ops hsplit_devmem_payload_ops_timed;
extern const struct hsplit_hw_mem_ops hsplit_devmem_mem_ops;

/* hsplit_rx_presplit.c: a device that splits frames itself (the backend's presplit ops) */
static inline bool hsplit_wire_presplit(struct hsplit_adapter *ad)
{
	return hsplit_wire(ad)->ops->rx_presplit != NULL;
}
int hsplit_presplit_start(struct hsplit_adapter *ad);
void hsplit_presplit_stop(struct hsplit_adapter *ad);
uint16_t hsplit_rx_presplit_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);

/* hsplit_filter.c: MAC, promiscuous, multicast and VLAN ops */
int hsplit_promiscuous_enable(struct rte_eth_dev *dev);
int hsplit_promiscuous_disable(struct rte_eth_dev *dev);
int hsplit_allmulticast_enable(struct rte_eth_dev *dev);
int hsplit_allmulticast_disable(struct rte_eth_dev *dev);
int hsplit_set_mc_addr_list(struct rte_eth_dev *dev, struct rte_ether_addr *mc_addrs,
			    uint32_t nb_mc_addr);
int hsplit_vlan_filter_set(struct rte_eth_dev *dev, uint16_t vlan_id, int on);
void hsplit_vlan_strip_queue_set(struct rte_eth_dev *dev, uint16_t qid, int on);
int hsplit_vlan_offload_set(struct rte_eth_dev *dev, int mask);
int hsplit_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *addr);

/* hsplit_rss_ops.c */
uint32_t hsplit_rss_types(uint64_t rss_hf);
int hsplit_rss_hash_update(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf);
int hsplit_rss_hash_conf_get(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf);
int hsplit_reta_update(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *conf,
		       uint16_t size);
int hsplit_reta_query(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *conf,
		      uint16_t size);

/* hsplit_flow.c */
extern const struct rte_flow_ops hsplit_flow_ops;
void hsplit_flow_flush_all(struct hsplit_adapter *ad);

/* hsplit_stats.c */
int hsplit_stats_get(struct rte_eth_dev *dev, HSPLIT_STATS_GET_ARGS(stats, qstats));
int hsplit_stats_reset(struct rte_eth_dev *dev);
int hsplit_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
			    unsigned int size);
int hsplit_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats, unsigned int n);
int hsplit_xstats_reset(struct rte_eth_dev *dev);

/* hsplit_rx.c / hsplit_tx.c */
extern uint64_t hsplit_linear_flag;
uint16_t hsplit_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t hsplit_rx_burst_timed(void *queue, struct rte_mbuf **pkts, uint16_t n);
uint64_t hsplit_tsc_read_cost(void);
uint16_t hsplit_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);
int hsplit_rxq_fill(struct hsplit_rxq *rxq);
void hsplit_rxq_drain(struct hsplit_rxq *rxq);

#endif /* HSPLIT_PRIVATE_H */
