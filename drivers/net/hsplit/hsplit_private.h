/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_hsplit: an emulated header-split NIC.
 *
 *   driver (hsplit_ethdev.c, hsplit_rx.c, hsplit_tx.c)
 *     posts header/payload mbufs on per-queue descriptor rings and turns
 *     completions into two-segment mbuf chains; never reads payload.
 *   device model (hsplit_device.c, hsplit_parse.c, hsplit_flow.c, hsplit_rss.c)
 *     what NIC hardware does: parse, steer (ntuple rules, then RSS), split,
 *     "DMA" header bytes into the header mbuf and payload bytes through the
 *     dmabuf's device view, verify checksums, complete the descriptor.
 *   backend (hsplit_backend_*.c)
 *     the wire: AF_XDP, AF_PACKET, pcap, a generator, or a peer port.
 */
#ifndef HSPLIT_PRIVATE_H
#define HSPLIT_PRIVATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_flow_driver.h>
#include <rte_spinlock.h>

#include "devmem.h"
#include "hsplit_dpdk_compat.h"
#include "hsplit_backend.h"
#include "hsplit_devargs.h"
#include "hsplit_log.h"

#define HSPLIT_RX_DESC_MAX   4096u
#define HSPLIT_RX_DESC_DFLT  512u
#define HSPLIT_TX_DESC_MAX   4096u
#define HSPLIT_BURST         32u
#define HSPLIT_RETA_SIZE     128u
#define HSPLIT_RSS_KEY_LEN   40u
#define HSPLIT_INBOX_SIZE    256u   /* frames steered to a queue polled elsewhere */
#define HSPLIT_MAX_RULES     256u
#define HSPLIT_MIN_MTU       68u
#define HSPLIT_MAX_MTU       (HSPLIT_MAX_FRAME - RTE_ETHER_HDR_LEN - 4u)

#define HSPLIT_RSS_OFFLOAD_ALL (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | \
				RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_IPV6 | \
				RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_NONFRAG_IPV6_UDP)

/* ------------------------------------------------------------------ */
/* what the device learns from a frame (hsplit_parse.c)                */
/* ------------------------------------------------------------------ */

struct hsplit_pkt {
	uint32_t ptype;          /* RTE_PTYPE_* as the device reports it */
	uint16_t l2_len;
	uint16_t l3_len;
	uint16_t l4_len;         /* 0 when there is no TCP/UDP header */
	uint8_t l4_proto;        /* IPPROTO_TCP / IPPROTO_UDP / other */
	bool ipv6;
	bool l3_ok;              /* a complete IPv4/IPv6 header */
	bool l4_ok;              /* a complete TCP/UDP header, not a fragment */
	uint64_t csum_flags;     /* RTE_MBUF_F_RX_{IP,L4}_CKSUM_* */
	/* for steering and RSS, host order */
	uint32_t src4, dst4;
	uint8_t src6[16], dst6[16];
	uint16_t sport, dport;
};

int hsplit_parse_frame(const uint8_t *frame, uint32_t len, struct hsplit_pkt *pkt);

/* ------------------------------------------------------------------ */
/* rte_flow ntuple rules (hsplit_flow.c)                               */
/* ------------------------------------------------------------------ */

struct hsplit_rule {
	bool ipv6_set, ipv4_set;
	uint8_t l4_proto;            /* 0 = any */
	uint32_t src4, src4_mask, dst4, dst4_mask;
	uint8_t src6[16], src6_mask[16], dst6[16], dst6_mask[16];
	uint16_t sport, sport_mask, dport, dport_mask;
	bool drop;
	uint16_t queue;
	uint64_t hits;
};

struct rte_flow {
	TAILQ_ENTRY(rte_flow) next;
	struct hsplit_rule rule;
};
TAILQ_HEAD(hsplit_flow_list, rte_flow);

/* ------------------------------------------------------------------ */
/* receive queue                                                       */
/* ------------------------------------------------------------------ */

enum hsplit_split_mode {
	HSPLIT_SPLIT_NONE,    /* one segment: the whole frame in one mbuf */
	HSPLIT_SPLIT_LENGTH,  /* --rxpkts: the first seg0_len bytes go to segment 0 */
	HSPLIT_SPLIT_PROTO,   /* --rxhdrs: split after the header named by proto_hdr */
};

enum hsplit_split_level { HSPLIT_LEVEL_L2, HSPLIT_LEVEL_L3, HSPLIT_LEVEL_L4 };

/* Completion status bits. */
#define HSPLIT_CQE_SPLIT   (1u << 0)  /* payload in the payload buffer */
#define HSPLIT_CQE_LINEAR  (1u << 1)  /* could not split: the frame is in host memory */
#define HSPLIT_CQE_DEVMEM  (1u << 2)  /* payload in a dmabuf chunk (pay_ref) */
#define HSPLIT_CQE_COPIED  (1u << 3)  /* payload pool empty: copied to host (LINEAR too) */

/*
 * One descriptor. The driver posts hdr (and pay when the queue splits); the
 * device fills the completion half and advances the ring's `done` index.
 */
struct hsplit_rx_desc {
	struct rte_mbuf *hdr;
	struct rte_mbuf *pay;
	/* completion */
	devmem_ref pay_ref;
	uint32_t pay_off;
	uint32_t pay_len;
	uint16_t hdr_len;
	uint16_t status;
	uint32_t ptype;
	uint32_t rss_hash;
	uint64_t ol_flags;
};

/* Device-side counters: written only with the device lock held. */
struct hsplit_rxq_dev_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t split;
	uint64_t header_bytes;        /* bytes written to header buffers of split frames */
	uint64_t linear;
	uint64_t devmem_payload_bytes;
	uint64_t no_desc;            /* frame steered here, no descriptor posted */
	uint64_t pool_empty_drop;    /* payload pool empty, on_empty=drop */
	uint64_t pool_empty_copy;    /* payload pool empty, on_empty=copy (LINEAR) */
	uint64_t oversize;           /* frame longer than the posted buffers */
	uint64_t csum_bad;           /* L3 or L4 checksum wrong (delivered, flagged) */
	uint64_t inbox_full;         /* steered from another lcore, inbox full */
};

struct hsplit_rxq {
	struct hsplit_adapter *ad;
	uint16_t queue_id;
	uint16_t nb_desc;
	uint32_t mask;
	struct hsplit_rx_desc *ring;
	_Atomic uint32_t posted;     /* driver: descriptors handed to the device */
	_Atomic uint32_t done;       /* device: descriptors completed */
	uint32_t head;               /* driver: next completion to harvest */

	/* segments, deep-copied from rx_queue_setup */
	enum hsplit_split_mode split;
	enum hsplit_split_level level;
	uint32_t proto_hdr;
	uint16_t seg0_len;           /* length split: bytes into segment 0 */
	uint16_t seg0_off, seg1_off;
	struct rte_mempool *hdr_mp;
	struct rte_mempool *pay_mp;  /* NULL without split */
	uint64_t offloads;

	/* devmem payload */
	struct devmem_binding *binding;
	struct devmem_pool *pool;
	bool setting_up;             /* inside rx_queue_setup: bind-rx must not restart */

	/* frames steered here while another lcore ran the device */
	struct rte_ring *inbox;
	struct rte_mempool *inbox_mp;

	struct hsplit_rxq_dev_stats dev;
	/* driver side */
	uint64_t nombuf;
	bool started;
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
	struct rte_eth_dev *dev;
	uint16_t port_id;
	char name[64];
	struct hsplit_devargs args;
	struct hsplit_backend *backend;
	struct rte_ether_addr mac;

	/* the device model runs under this lock, on whichever lcore polls */
	rte_spinlock_t dev_lock;
	rte_spinlock_t tx_lock;
	bool started;
	bool promisc, allmulti;
	uint32_t max_rx_pktlen;

	/* RSS */
	uint64_t rss_hf;
	uint8_t rss_key[HSPLIT_RSS_KEY_LEN];
	uint16_t reta[HSPLIT_RETA_SIZE];

	/* rte_flow */
	struct hsplit_flow_list flows;
	uint32_t nb_flows;
	bool isolated;

	/* devmem from devargs (dmabuf=) */
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;

	/* device-wide counters, device lock held */
	uint64_t rx_backend_frames;
	uint64_t rx_malformed;       /* shorter than an Ethernet header */
	uint64_t rx_filtered_mac;    /* not for our MAC, promiscuous off */
	uint64_t rx_isolated_drop;   /* isolate mode, no rule matched */
	uint64_t rx_flow_drop;       /* a DROP rule matched */
	uint64_t rx_bad_queue;       /* steered to a queue that is not set up */
	uint64_t backend_errors;     /* rx/tx failures of the backend (e.g. vanished) */

	struct hsplit_rxq *rxq[HSPLIT_MAX_QUEUES];
	struct hsplit_txq *txq[HSPLIT_MAX_QUEUES];

	/* what stats_reset / xstats_reset subtract (live counters stay the data path's) */
	struct {
		uint64_t rx_packets[HSPLIT_MAX_QUEUES], rx_bytes[HSPLIT_MAX_QUEUES];
		uint64_t rx_missed[HSPLIT_MAX_QUEUES], rx_errors[HSPLIT_MAX_QUEUES];
		uint64_t rx_nombuf[HSPLIT_MAX_QUEUES];
		uint64_t tx_packets[HSPLIT_MAX_QUEUES], tx_bytes[HSPLIT_MAX_QUEUES];
		uint64_t tx_errors[HSPLIT_MAX_QUEUES];
	} stats_base;
	struct hsplit_xstat_base *xstat_base;
	bool closed;
};

static inline struct hsplit_adapter *hsplit_adapter(struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

/* hsplit_devmem.c: payload pools and bind-rx */
int hsplit_devmem_probe(struct hsplit_adapter *ad);
void hsplit_devmem_remove(struct hsplit_adapter *ad);
int hsplit_devmem_rxq_setup(struct hsplit_adapter *ad, struct hsplit_rxq *rxq);
void hsplit_devmem_rxq_release(struct hsplit_rxq *rxq);
extern const struct devmem_rxq_ops hsplit_devmem_rxq_ops;

/* hsplit_device.c: the device model */
void hsplit_device_run(struct hsplit_adapter *ad, struct hsplit_rxq *caller);
void hsplit_device_drain_inbox(struct hsplit_rxq *rxq);
int hsplit_device_inbox_create(struct hsplit_rxq *rxq, int socket_id);
void hsplit_device_inbox_free(struct hsplit_rxq *rxq);
int hsplit_device_linearize(const struct rte_mbuf *m, uint8_t *out, uint32_t room);
uint16_t hsplit_device_pick_queue(struct hsplit_adapter *ad, const struct hsplit_pkt *pkt,
				  uint32_t hash, bool *drop);

/* hsplit_rss.c */
void hsplit_rss_init(struct hsplit_adapter *ad);
uint32_t hsplit_rss_hash(const struct hsplit_adapter *ad, const struct hsplit_pkt *pkt);
int hsplit_rss_hash_update(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf);
int hsplit_rss_hash_conf_get(struct rte_eth_dev *dev, struct rte_eth_rss_conf *conf);
int hsplit_reta_update(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *conf,
		       uint16_t size);
int hsplit_reta_query(struct rte_eth_dev *dev, struct rte_eth_rss_reta_entry64 *conf,
		      uint16_t size);

/* hsplit_flow.c */
extern const struct rte_flow_ops hsplit_flow_ops;
const struct hsplit_rule *hsplit_flow_match(struct hsplit_adapter *ad, const struct hsplit_pkt *pkt);
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
uint16_t hsplit_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);
int hsplit_rxq_fill(struct hsplit_rxq *rxq);
void hsplit_rxq_drain(struct hsplit_rxq *rxq);

/* Counters shared between the device and control paths. */
#define HSPLIT_INC(field, n) __atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)
#define HSPLIT_READ(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

#endif /* HSPLIT_PRIVATE_H */
