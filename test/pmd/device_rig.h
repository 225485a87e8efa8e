/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device model's test rig, shared by test_device.c (unit cases) and
 * test_conformance.c (every frame type through every split): a wire the
 * test fills, a frame builder with correct checksums, and a port with
 * queues programmed through hsplit_hw.h alone.
 */
#ifndef DEVICE_RIG_H
#define DEVICE_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "hsplit_hw.h"
#include "pmd_rig.h"   /* hdr_mp, pay_mp: 256- and 2048-byte data rooms */

#define NB_DESC   64u
/* RTE_IPV4() shifts an int: 161 << 24 is undefined behaviour (UBSan says so). */
#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define MAX_WIRE  64u
#define L4_SPLIT (RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4_EXT_UNKNOWN | RTE_PTYPE_L4_TCP)

extern const struct rte_ether_addr port_mac, other_mac;

struct test_wire {
	struct hsplit_backend base;
	uint8_t frames[MAX_WIRE][2048];
	uint32_t lens[MAX_WIRE];
	unsigned int head, tail;     /* frames [head, tail) not yet pulled */
	unsigned int held;           /* pulled, not yet returned by rx_done */
	int fail;                    /* rx_burst returns this when negative */
};

struct frame_spec {
	const struct rte_ether_addr *dst;
	bool ipv6;
	uint8_t proto;               /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	uint32_t src4, dst4;         /* host order */
	uint16_t sport, dport;
	uint32_t payload;
	uint8_t tcp_opt_words;       /* 32-bit option words after the TCP header */
	bool bad_l4_csum;
	uint8_t ip_opt_words;        /* IPv4: NOP option words (IHL > 5) */
	uint16_t frag4;              /* IPv4: the flags/fragment offset field, host order */
	uint8_t v6_ext[4];           /* IPv6: extension headers, in order (IPPROTO_*) */
	uint8_t nb_v6_ext;
	uint16_t v6_frag;            /* the fragment header's offset << 3 | M */
	uint16_t tpid[3];            /* VLAN tags, outermost first */
	uint8_t nb_tags;
	uint16_t vid;                /* outer tag's VID; inner tags vid + 1, vid + 2 */
	uint8_t pcp;
	bool arp;                    /* an ARP request instead of IP */
	uint32_t pad_to;             /* zero padding up to this length (60: Ethernet minimum) */
};

struct rig {
	struct hsplit_hw_port hw;
	struct hsplit_hw_rxq rxq[4];
	struct test_wire wire;
};

void wire_put(struct test_wire *w, const uint8_t *frame, uint32_t len);
uint8_t payload_byte(uint32_t i);
/*
 * Ethernet [tags] / IPv4 [options] | IPv6 [extension headers] / TCP | UDP |
 * ICMP, or ARP, with correct checksums and optional padding; returns the length.
 */
uint32_t build_frame(const struct frame_spec *s, uint8_t *buf);
void rxq_setup(struct rig *r, uint16_t q, enum hsplit_split_mode split, uint32_t proto_hdr);
struct rig *rig_create(unsigned int nb_queues, enum hsplit_split_mode split,
			      uint32_t proto_hdr);
void rig_free(struct rig *r);
const struct hsplit_rx_desc *feed(struct rig *r, uint16_t q, const uint8_t *frame,
					 uint32_t len);
const uint8_t *hdr_bytes(const struct hsplit_hw_rxq *rxq, const struct hsplit_rx_desc *d);

#endif /* DEVICE_RIG_H */
