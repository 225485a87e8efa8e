/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated header-split NIC's programming model: what a driver sees of
 * the device, as a datasheet would describe it.
 *
 *   - a per-port register block (struct hsplit_hw_port): MAC filter, MTU,
 *     RSS hash types / key / redirection table, ntuple steering rules,
 *     isolate mode, the number of receive queues, the wire (a backend) and
 *     the device's view of payload memory for transmit gathers;
 *   - a per-queue register block (struct hsplit_hw_rxq): the descriptor ring
 *     and its posted / done / head indexes, the split mode and offsets, the
 *     payload provider hook, the placement and on-empty policies;
 *   - descriptor and completion formats (struct hsplit_rx_desc);
 *   - the parsed-packet view the parser hands to steering and split
 *     (struct hsplit_pkt) and the steering-rule format (struct hsplit_rule).
 *
 * The driver (hsplit_ethdev.c, hsplit_rx.c, hsplit_flow.c, ...) writes these
 * registers at configure / queue setup / start / flow create; the device
 * model (this folder) reads them and writes completions and counters. The
 * device model's files include only this header, the backend interface and
 * plain DPDK headers: nothing of ethdev's driver side, devargs or rte_flow,
 * so it can be driven without a port (test/pmd/test_device.c does).
 *
 * Locking: hsplit_hw_port.lock serialises the wire, the steering tables and
 * the port counters; the poll takes it with trylock. Registers that steering
 * reads (MAC, RSS, rules, isolate) are written by the driver under the same
 * lock; the rest are written only while the queue or port is stopped.
 * Atomics: GCC __atomic builtins throughout (the dialect of DPDK 22.11).
 */
#ifndef HSPLIT_HW_H
#define HSPLIT_HW_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>

#include "hsplit_backend.h"

#define HSPLIT_HW_MAX_QUEUES   16u
#define HSPLIT_HW_RETA_SIZE    128u
#define HSPLIT_HW_RSS_KEY_LEN  40u
#define HSPLIT_HW_INBOX_SIZE   256u   /* frames steered to a queue polled elsewhere */
#define HSPLIT_HW_MAX_RULES    256u
#define HSPLIT_HW_BURST        32u    /* frames pulled from the wire per poll */
#define HSPLIT_HW_MAX_MC       64u    /* multicast groups in the MAC filter */
#define HSPLIT_HW_VLAN_IDS     4096u
#define HSPLIT_HW_ETHER_MIN    (RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN) /* 60: shorter is a runt */

/* Counters written by the device, read by the driver at any time. */
#define HSPLIT_INC(field, n) __atomic_store_n(&(field), (field) + (n), __ATOMIC_RELAXED)
#define HSPLIT_READ(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* ------------------------------------------------------------------ */
/* parsed-packet view (device/hsplit_parse.c)                          */
/* ------------------------------------------------------------------ */

struct hsplit_pkt {
	uint32_t ptype;          /* RTE_PTYPE_* as the device reports it */
	uint16_t l2_len;         /* Ethernet header and VLAN tags */
	uint8_t vlan_tags;       /* 0, 1 or 2 (a third tag ends parsing: L2 only) */
	uint16_t vlan_tpid;      /* the outer tag's TPID: 0x8100, 0x88a8 or 0x9100 */
	uint16_t vlan_tci;       /* the outer tag's TCI */
	uint16_t ether_type;     /* after the tags */
	uint16_t l3_len;
	uint16_t l4_len;         /* 0 when there is no TCP/UDP header */
	uint8_t l4_proto;        /* IPPROTO_TCP / IPPROTO_UDP / other */
	bool ipv6;
	bool l3_ok;              /* a complete IPv4/IPv6 header */
	bool l4_ok;              /* a complete TCP/UDP header, not a fragment */
	uint64_t csum_flags;     /* RTE_MBUF_F_RX_{IP,L4}_CKSUM_* */
	uint8_t l4_csum;         /* in: enum hsplit_frame_csum, or HSPLIT_FRAME_CSUM_DEFER */
	bool l4_csum_given;      /* out: the L4 flag is the backend's, not summed */
	bool l4_sum_deferred;    /* out: no L4 flag yet; the sum is the device's to finish */
	uint16_t l4_off;         /* the L4 header's offset in the frame as parsed */
	uint32_t l4_bytes;       /* L4 header and payload, from the IP header's length */
	uint32_t l4_seed;        /* deferred: the pseudo-header's one's-complement sum */
	/* for steering and RSS, host order */
	uint32_t src4, dst4;
	uint8_t src6[16], dst6[16];
	uint16_t sport, dport;
};

/*
 * Parse with the TCP/UDP checksum deferred: pkt->l4_sum_deferred says the
 * L4 flag is missing and l4_off, l4_bytes and l4_seed are what finishing it
 * needs, so the device can sum the payload while it copies it (one pass
 * over the bytes instead of two) and only for frames it delivers.
 */
#define HSPLIT_FRAME_CSUM_DEFER 0xffu

/* Fills pkt; -EINVAL for a frame shorter than an Ethernet header. */
int hsplit_parse_frame(const uint8_t *frame, uint32_t len, struct hsplit_pkt *pkt);
/*
 * The same, with the TCP/UDP checksum status given (enum hsplit_frame_csum)
 * instead of computed, unless it is UNKNOWN: VERIFIED and LOCAL both report
 * L4 GOOD, as the kernel counts both as verified. For LOCAL the checksum
 * field in the delivered header is not final. pkt->l4_csum_given says
 * whether the given status was used.
 */
int hsplit_parse_frame_csum(const uint8_t *frame, uint32_t len, uint8_t l4_csum,
			    struct hsplit_pkt *pkt);
/*
 * The one's-complement sum of len bytes added to sum, as __rte_raw_cksum()
 * computes it (same result, fewer additions): fold with __rte_raw_cksum_reduce().
 */
uint32_t hsplit_csum_sum(const void *buf, uint32_t len, uint32_t sum);
/* Copy len bytes from src to dst and return hsplit_csum_sum(src, len, sum): one pass. */
uint32_t hsplit_csum_copy(void *dst, const void *src, uint32_t len, uint32_t sum);
/*
 * Both sums use AVX2 where the CPU has it (asked at run time), else SSE2.
 * Tests: true runs the SSE2 loops only; false goes back to the CPU's choice.
 */
void hsplit_csum_baseline_only(bool on);
/* RTE_MBUF_F_RX_L4_CKSUM_GOOD or _BAD for a whole L4 sum (pseudo-header included). */
uint64_t hsplit_l4_csum_verdict(uint32_t sum);
/* The RTE_PTYPE_L2_* of a frame with these tags (after a strip, of what is left). */
uint32_t hsplit_l2_ptype(uint8_t vlan_tags, uint16_t outer_tpid, uint16_t ether_type);

/* ------------------------------------------------------------------ */
/* steering rules (device/hsplit_steer.c)                              */
/* ------------------------------------------------------------------ */

/* An ntuple match, addresses and ports in host order; a zero mask matches anything. */
struct hsplit_rule {
	bool ipv6_set, ipv4_set;
	uint8_t l4_proto;            /* 0 = any */
	uint32_t src4, src4_mask, dst4, dst4_mask;
	uint8_t src6[16], src6_mask[16], dst6[16], dst6_mask[16];
	uint16_t sport, sport_mask, dport, dport_mask;
	bool drop;
	uint16_t queue;
	uint64_t hits;               /* written by the device */
};

/* One entry of the port's rule table; the driver embeds it in its own flow handle. */
struct hsplit_hw_rule {
	TAILQ_ENTRY(hsplit_hw_rule) next;
	struct hsplit_rule rule;
};
TAILQ_HEAD(hsplit_hw_rule_list, hsplit_hw_rule);

/* ------------------------------------------------------------------ */
/* descriptors and completions                                         */
/* ------------------------------------------------------------------ */

/* Completion status bits. */
#define HSPLIT_CQE_SPLIT   (1u << 0)  /* payload in the payload buffer */
#define HSPLIT_CQE_LINEAR  (1u << 1)  /* could not split: the frame is in host memory */
#define HSPLIT_CQE_DEVMEM  (1u << 2)  /* payload in a provider chunk (pay_ref) */
#define HSPLIT_CQE_COPIED  (1u << 3)  /* payload pool empty: copied to host (LINEAR too) */

/*
 * One descriptor. The driver posts hdr (and pay when the queue splits); the
 * device fills the completion half and advances the ring's `done` index.
 */
struct hsplit_rx_desc {
	struct rte_mbuf *hdr;
	struct rte_mbuf *pay;
	/* completion */
	uint64_t pay_ref;            /* the provider's token for the chunk (DEVMEM) */
	uint32_t pay_off;
	uint32_t pay_len;
	uint16_t hdr_len;
	uint16_t status;
	uint32_t ptype;
	uint32_t rss_hash;
	uint64_t ol_flags;           /* with RTE_MBUF_F_RX_VLAN(_STRIPPED) when a tag was stripped */
	uint16_t vlan_tci;           /* the stripped tag's TCI */
};

/* ------------------------------------------------------------------ */
/* per-queue registers                                                 */
/* ------------------------------------------------------------------ */

enum hsplit_split_mode {
	HSPLIT_SPLIT_NONE,    /* one segment: the whole frame in one mbuf */
	HSPLIT_SPLIT_LENGTH,  /* --rxpkts: the first seg0_len bytes go to segment 0 */
	HSPLIT_SPLIT_PROTO,   /* --rxhdrs: split after the header named by proto_hdr */
};

enum hsplit_split_level { HSPLIT_LEVEL_L2, HSPLIT_LEVEL_L3, HSPLIT_LEVEL_L4 };

/* What hsplit_hw_payload_ops.alloc found. */
enum hsplit_hw_payload_status {
	HSPLIT_HW_PAYLOAD_OK,        /* *chunk is the chunk's device address, write at *off */
	HSPLIT_HW_PAYLOAD_EMPTY,     /* the provider has no chunk free now */
	HSPLIT_HW_PAYLOAD_NONE,      /* no provider installed: use the posted payload mbuf */
	HSPLIT_HW_PAYLOAD_TOO_LONG,  /* the payload is longer than one of its chunks */
};

/*
 * The queue's payload provider (a page_pool memory provider, in Linux terms).
 * Consulted once per split frame, so a provider installed or removed by
 * bind-rx while the queue is stopped takes effect at the next frame.
 */
struct hsplit_hw_payload_ops {
	/*
	 * Room for `len` payload bytes: a fragment of the current chunk (pack)
	 * or a whole chunk (single). On OK, *ref is the token the completion
	 * carries (never 0), *chunk the chunk's device address, *off where in it.
	 * TOO_LONG, not EMPTY, when len exceeds a chunk: no chunk will ever do.
	 */
	enum hsplit_hw_payload_status (*alloc)(void *opaque, uint32_t len, bool pack,
					       uint64_t *ref, uint8_t **chunk, uint32_t *off);
};

/* Device-side counters: written only by the device. */
struct hsplit_rxq_dev_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t split;
	uint64_t header_bytes;        /* bytes written to header buffers of split frames */
	uint64_t linear;
	uint64_t devmem_payload_bytes;
	uint64_t no_desc;            /* frame steered here, no descriptor posted */
	uint64_t pool_empty_drop;    /* payload pool empty, on_empty=drop */
	uint64_t pool_empty_copy;    /* payload pool empty, on_empty=copy: delivered LINEAR */
	uint64_t chunk_too_long;     /* payload longer than a provider chunk (either policy) */
	uint64_t oversize;           /* frame longer than the posted buffers */
	uint64_t csum_bad;           /* L3 or L4 checksum wrong (delivered, flagged) */
	uint64_t inbox_full;         /* steered from another lcore, inbox full */
};

struct hsplit_hw_port;

struct hsplit_hw_rxq {
	struct hsplit_hw_port *port;
	uint16_t queue_id;

	/* ring: indexes run freely, slot = index & mask */
	struct hsplit_rx_desc *ring;
	uint16_t nb_desc;            /* a power of two */
	uint32_t mask;
	uint32_t posted;             /* driver: descriptors handed to the device (release) */
	uint32_t done;               /* device: descriptors completed (release) */
	uint32_t head;               /* driver: next completion to harvest */
	bool enabled;                /* the device delivers to this queue */

	/* split */
	enum hsplit_split_mode split;
	enum hsplit_split_level level;
	uint32_t proto_hdr;          /* RTE_PTYPE_* mask of the protocol split */
	uint16_t seg0_len;           /* length split: bytes into segment 0 */
	uint16_t seg0_off, seg1_off; /* where in the posted buffers (after headroom) */

	/* payload */
	/*
	 * Posted payload buffers that lie in a dmabuf (lib/devmem's extbuf
	 * pool): their device view; the device writes at base + buf_iova, as
	 * a NIC DMAs by IOVA. NULL: at buf_addr, host memory.
	 */
	uint8_t *posted_payload_base;
	const struct hsplit_hw_payload_ops *payload; /* NULL: posted payload mbufs only */
	void *payload_opaque;
	bool pack;                   /* several payloads per chunk */
	bool copy_on_empty;          /* provider empty: copy to host, LINEAR (else drop) */
	bool vlan_strip;             /* remove the outer 802.1Q tag into the completion */

	/* frames steered here while another lcore ran the device */
	struct rte_ring *inbox;
	struct rte_mempool *inbox_mp;
	uint32_t inbox_frame;        /* the largest frame an inbox slot holds */

	struct hsplit_rxq_dev_stats stats;
};

/* ------------------------------------------------------------------ */
/* per-port registers                                                  */
/* ------------------------------------------------------------------ */

/* RSS hash types (the driver maps RTE_ETH_RSS_* onto these). */
#define HSPLIT_HW_RSS_IPV4      (1u << 0)
#define HSPLIT_HW_RSS_IPV4_TCP  (1u << 1)
#define HSPLIT_HW_RSS_IPV4_UDP  (1u << 2)
#define HSPLIT_HW_RSS_IPV6      (1u << 3)
#define HSPLIT_HW_RSS_IPV6_TCP  (1u << 4)
#define HSPLIT_HW_RSS_IPV6_UDP  (1u << 5)

/*
 * The device's view of payload memory for transmit: the address a DMA read
 * of segment m's data would use, or NULL for host memory.
 */
struct hsplit_hw_mem_ops {
	const uint8_t *(*device_view)(void *opaque, const struct rte_mbuf *m);
};

/*
 * Port counters, one per cause, in the order the device checks. ethdev's
 * ierrors are runt + malformed + mtu (and the queues' oversize and
 * chunk_too_long); imissed is bad_queue (and the queues' no_desc,
 * pool_empty_drop, inbox_full); the filter and rule drops are neither.
 */
struct hsplit_hw_port_stats {
	uint64_t rx_backend_frames;
	uint64_t rx_malformed;       /* shorter than an Ethernet header */
	uint64_t rx_runt;            /* shorter than min_frame (60 on an Ethernet wire) */
	uint64_t rx_csum_backend;    /* frames whose L4 checksum status the backend gave */
	uint64_t rx_filtered_mac;    /* not our MAC, a group not listed, promiscuous off */
	uint64_t rx_filtered_vlan;   /* VLAN filter on, the 802.1Q VID not in the table */
	uint64_t rx_mtu;             /* longer than the MTU allows (per its VLAN tags) */
	uint64_t rx_isolated_drop;   /* isolate mode, no rule matched */
	uint64_t rx_flow_drop;       /* a DROP rule matched */
	uint64_t rx_bad_queue;       /* steered to a queue that is not set up */
	uint64_t backend_errors;     /* rx failures of the backend (e.g. vanished) */
};

struct hsplit_hw_port {
	char name[64];               /* for log messages */
	uint16_t port_id;            /* for names of device-owned objects */
	rte_spinlock_t lock;

	/* wire */
	struct hsplit_backend *backend;
	const struct hsplit_hw_mem_ops *mem;
	void *mem_opaque;

	/* receive filter: unicast MAC, multicast groups, VLAN IDs */
	struct rte_ether_addr mac;
	bool promisc, allmulti;
	struct rte_ether_addr mc_addrs[HSPLIT_HW_MAX_MC];
	uint32_t nb_mc_addrs;
	bool vlan_filter;            /* drop 802.1Q-tagged frames whose VID is not set below */
	uint64_t vlan_ids[HSPLIT_HW_VLAN_IDS / 64];

	/*
	 * Frame size. A frame is accepted when it is at least min_frame bytes
	 * (no FCS) and at most mtu + 14 + 4 per VLAN tag it carries (up to two),
	 * whichever queue it is steered to. max_frame sizes inbox slots.
	 */
	uint16_t min_frame;          /* 60 on an Ethernet wire; 14 on a link that never pads */
	uint16_t mtu;
	uint32_t max_frame;          /* mtu + 14 + 8: the largest frame ever accepted */
	uint64_t next_drop_log;      /* TSC before which per-frame drop logs are held */

	/*
	 * Take the TCP/UDP checksum status the backend reports (ops->rx_csum)
	 * instead of summing the frame: false with sw_csum=1 or a backend that
	 * reports nothing. The IPv4 header checksum is always checked here.
	 */
	bool csum_from_backend;
	uint64_t drops_unlogged;     /* drops since the last such log */

	/* steering: rules first (in order), then RSS, then queue 0 */
	uint16_t nb_rx_queues;
	uint32_t rss_types;          /* HSPLIT_HW_RSS_*; 0 = RSS off */
	uint8_t rss_key[HSPLIT_HW_RSS_KEY_LEN];
	uint16_t reta[HSPLIT_HW_RETA_SIZE];
	struct hsplit_hw_rule_list rules;
	uint32_t nb_rules;
	bool isolated;

	struct hsplit_hw_rxq *rxq[HSPLIT_HW_MAX_QUEUES];

	struct hsplit_hw_port_stats stats;
};

/* ------------------------------------------------------------------ */
/* what the device does                                                */
/* ------------------------------------------------------------------ */

/* Reset state: no queues, RSS off with the default key, an empty rule table. */
void hsplit_hw_port_init(struct hsplit_hw_port *hw, const char *name, uint16_t port_id);
/* The MTU register and max_frame with it (the largest frame, two VLAN tags). */
void hsplit_hw_set_mtu(struct hsplit_hw_port *hw, uint16_t mtu);
/* Spread the redirection table over nb_queues and load the default key. */
void hsplit_hw_rss_defaults(struct hsplit_hw_port *hw, uint16_t nb_queues);

/* The per-queue packet buffer for frames steered from another lcore. */
int hsplit_hw_inbox_create(struct hsplit_hw_rxq *rxq, int socket_id);
void hsplit_hw_inbox_free(struct hsplit_hw_rxq *rxq);

/*
 * The device's poll, run by the lcore that polls `caller`: complete the
 * frames waiting in caller's inbox, then pull a burst from the wire and
 * steer each frame (to caller at once, to other queues via their inbox).
 */
void hsplit_hw_poll(struct hsplit_hw_port *hw, struct hsplit_hw_rxq *caller);

/* Transmit DMA: gather a chain into one frame; -EMSGSIZE when longer than room. */
int hsplit_hw_tx_gather(const struct hsplit_hw_port *hw, const struct rte_mbuf *m,
			uint8_t *out, uint32_t room);

/* Steering pieces, exposed for the driver's flow API and the device tests. */
uint32_t hsplit_hw_rss_hash(const struct hsplit_hw_port *hw, const struct hsplit_pkt *pkt);
uint16_t hsplit_hw_pick_queue(struct hsplit_hw_port *hw, const struct hsplit_pkt *pkt,
			      uint32_t hash, bool *drop);
bool hsplit_hw_rule_matches(const struct hsplit_rule *r, const struct hsplit_pkt *pkt);
/* Rule table updates; take the port lock. Append keeps creation order. */
int hsplit_hw_rule_append(struct hsplit_hw_port *hw, struct hsplit_hw_rule *rule);
bool hsplit_hw_rule_remove(struct hsplit_hw_port *hw, struct hsplit_hw_rule *rule);
/* Unlinks every rule and calls release(rule) for each, lock held. */
void hsplit_hw_rule_flush(struct hsplit_hw_port *hw, void (*release)(struct hsplit_hw_rule *));

#endif /* HSPLIT_HW_H */
