/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An in-process script harness for lib/tcprx: inject a frame, expect frames
 * out (with field matchers), advance a virtual clock.
 *
 * Frames reach tcprx the way net_hsplit delivers them: a header mbuf
 * (Ethernet + IP + TCP from a host mempool) chained to a payload mbuf with a
 * device chunk attached by devmem_mbuf_attach(); payload bytes are written
 * only through the chunk's device view, and the dmabuf is strict (host view
 * PROT_NONE), so tcprx reading payload would fault. Frames the device could
 * not split, or that arrive while the payload pool is empty, are LINEAR: the
 * whole frame in host memory with the LINEAR dynflag, as the PMD copies them.
 *
 * Payload byte at TCP sequence number s is h_pattern(s): every fragment the
 * application receives is checked against the sequence it should carry, and
 * against where the device put it (fragments are never copied).
 */
#ifndef HSPLIT_TCPRX_HARNESS_H
#define HSPLIT_TCPRX_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "devmem_driver.h"
#include "tcprx.h"

#define TEST_NOTE(fmt, ...) print_message("# " fmt "\n", ##__VA_ARGS__)
/* Fail with a reason on stdout, where the TAP log keeps it. */
#define H_FAIL(fmt, ...) do { TEST_NOTE(fmt, ##__VA_ARGS__); fail(); } while (0)

#define H_FIN RTE_TCP_FIN_FLAG
#define H_SYN RTE_TCP_SYN_FLAG
#define H_RST RTE_TCP_RST_FLAG
#define H_PSH RTE_TCP_PSH_FLAG
#define H_ACK RTE_TCP_ACK_FLAG

#define H_PORT 5201          /* the port tests listen on */
#define H_MSS 1460           /* the MSS tcprx advertises in these tests */
#define H_CHUNK 4096u        /* device chunk size */
#define H_MAX_QUEUE 512
#define H_MAX_PLACED 8192
#define H_MAX_TOKENS 4096
#define H_MAX_HOARD 4096
#define H_FRAME_MAX 2048

/* The payload byte a sender puts at sequence number `seq`. */
static inline uint8_t h_pattern(uint32_t seq)
{
	return (uint8_t)(seq % 251u ^ (seq >> 11));
}

/* Where the device put one segment's payload (dmabuf offset, or host address if linear). */
struct h_placed {
	uint32_t seq, len;
	uint64_t where;
	bool linear;
};

struct harness {
	struct tcprx *rx;
	struct tcprx_config cfg;
	uint64_t now_ns;
	struct rte_mempool *hdr_mp, *pay_mp, *tx_mp;
	struct devmem_dmabuf *dmabuf;
	struct devmem_binding *binding;
	struct devmem_pool *pool;
	uint64_t linear_flag;
	bool pack;                  /* several payloads per chunk (the PMD's default) */
	struct rte_ether_addr mac;
	struct tcprx_addr ip4, ip6;
	struct rte_mbuf *rxq[H_MAX_QUEUE];
	unsigned int rx_head, rx_count;
	struct rte_mbuf *txq[H_MAX_QUEUE];
	unsigned int tx_head, tx_count;
	struct h_placed placed[H_MAX_PLACED];
	unsigned int nb_placed;
	devmem_ref hoard[H_MAX_HOARD];  /* chunks held to empty the payload pool */
	unsigned int nb_hoard;
};

/* A fragment the application received, and the sequence number it carried. */
struct h_rfrag {
	uint32_t seq;
	struct devmem_frag f;
};

/* The remote TCP sender, and what the application has received from it. */
struct h_peer {
	bool ipv6;
	struct rte_ether_addr mac;
	uint8_t ip[16];
	uint16_t port;              /* peer's port */
	uint16_t dport;             /* ours */
	uint16_t vlan;              /* VLAN ID its frames carry (0: untagged) */
	bool vlan_stripped;         /* the device strips the tag (mbuf vlan_tci) instead */
	uint32_t isn;               /* peer's ISN: stream byte k is at isn + 1 + k */
	/* What the SYN offers: mss 0 = none, ws < 0 = none. */
	uint16_t mss;
	int ws;
	bool ts, sack;
	uint32_t tsval;             /* sent on every segment when ts */
	uint32_t ts_recent;         /* our last TSval, echoed */
	uint32_t iss;               /* ours, from the SYN-ACK */
	bool synced;                /* the SYN-ACK has been seen */
	bool ts_ok, sack_ok;        /* agreed in the SYN-ACK */
	uint8_t rcv_wscale;         /* our window shift, from the SYN-ACK */
	bool edge_set;              /* right window edge seen so far (never moves left) */
	uint32_t edge;
	bool fin_sent;
	struct tcprx_conn *conn;
	uint32_t rcv_next;          /* next sequence number the app should receive */
	uint64_t bytes;             /* bytes the app received */
	unsigned int linear_frags;  /* of which fragments were host memory */
	uint32_t tokens[H_MAX_TOKENS];
	unsigned int nb_tokens;     /* tokens held by the app, oldest first */
	struct h_rfrag frags[H_MAX_TOKENS];
	unsigned int nb_frags;      /* every fragment received, in order */
};

/* One segment from the peer. */
struct h_seg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;               /* raw window field */
	uint32_t len;               /* payload bytes, h_pattern() by sequence */
	const uint8_t *opts;        /* raw options before TS (the builder pads) */
	uint8_t opts_len;
	bool no_ts;                 /* leave out TS although negotiated */
	bool ts_set;                /* use tsval/tsecr below instead of the peer's */
	uint32_t tsval, tsecr;
	uint64_t csum;              /* checksum ol_flags; 0 = IP and L4 GOOD */
	bool linear;                /* deliver as a frame the device did not split */
	uint16_t pad;               /* Ethernet padding after the IP packet */
};

/* A frame tcprx sent, parsed (and its checksums verified). */
struct h_frame {
	uint16_t vlan;              /* 0: untagged; else from the 802.1Q header or the TX offload */
	bool vlan_offload;          /* the tag was asked of the TX VLAN insert offload */
	uint16_t ether_type;        /* inside the tag, if any */
	struct rte_ether_addr src, dst;
	uint16_t arp_op;
	struct rte_ether_addr arp_sha, arp_tha;
	uint32_t arp_spa, arp_tpa;            /* network order */
	bool ipv6;
	uint8_t ip_src[16], ip_dst[16];
	uint8_t l4_proto;
	uint8_t icmp6_type;
	uint8_t nd_target[16];
	bool nd_has_tlla;
	struct rte_ether_addr nd_tlla;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint32_t payload_len;
	bool has_mss, has_ws, has_ts, sackok;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
	unsigned int nb_sack;
	uint32_t sack[4][2];
};

/* A field matcher: zero-initialised = any value. */
struct h_val {
	bool set;
	uint32_t v;
};
#define H_IS(x) ((struct h_val){ .set = true, .v = (uint32_t)(x) })

struct h_match {
	struct h_val flags, seq, ack, win;
	struct h_val has_mss, mss, has_ws, ws, has_ts, tsval, tsecr, sackok;
	struct h_val nb_sack;       /* when set, sack[] is compared too */
	uint32_t sack[4][2];
};

/* A pure ACK (no SYN/FIN/RST) acknowledging `a`. */
#define H_ACK_OF(a) (&(struct h_match){ .flags = H_IS(H_ACK), .ack = H_IS(a) })

/* ---- set-up ------------------------------------------------------------- */

int h_eal_init(const char *name);
/* The configuration tests start from: small tables, explicit MSS, our MAC. */
void h_config(struct harness *h, struct tcprx_config *cfg);
/* Pools, strict dmabuf + binding + payload pool, LINEAR dynflag; no tcprx yet. */
void h_up(struct harness *h);
/* tcprx_create with cfg, our IPv4 (192.0.2.1) and IPv6 (fd00::1), listen on H_PORT. */
void h_start(struct harness *h, const struct tcprx_config *cfg);
/* Replace the running tcprx by one with cfg (frames queued either way are dropped). */
void h_restart(struct harness *h, const struct tcprx_config *cfg);
/* The same with the defaults but these rcv_chunks and delack_us. */
void h_restart_with(struct harness *h, uint32_t rcv_chunks, uint32_t delack_us);
/* h_up + h_config + h_start. */
void h_up_default(struct harness *h);
/* Destroy tcprx and everything else; asserts that no mbuf, chunk or binding leaked. */
void h_down(struct harness *h);
/* cmocka fixtures over h_up_default / h_down. */
int h_setup(void **state);
int h_teardown(void **state);

/* ---- the peer and its segments ------------------------------------------ */

/* A peer at 192.0.2.<host> (or fd00::<host>), port `port`, ISN `isn`; no options. */
void h_peer_init(struct h_peer *p, bool ipv6, uint8_t host, uint16_t port, uint32_t isn);
/* A data segment at stream offset `off` (ACK of our SYN, window 65535, PSH if len). */
struct h_seg h_data(const struct h_peer *p, uint32_t off, uint32_t len);
/* A segment with only control flags at stream offset `off`. */
struct h_seg h_ctl(const struct h_peer *p, uint8_t flags, uint32_t off);
/* Sequence number of stream offset `off`. */
static inline uint32_t h_seq(const struct h_peer *p, uint32_t off)
{
	return p->isn + 1 + off;
}

/* Build the frame bytes of `s` from `p`; returns the frame length, *hdr_len the split point. */
size_t h_build(const struct harness *h, const struct h_peer *p, const struct h_seg *s,
	       uint8_t *buf, size_t cap, uint32_t *hdr_len);
/* Insert an 802.1Q tag for vid after the MACs (buf has 4 bytes of room); returns the new length. */
size_t h_tag_frame(uint8_t *frame, size_t len, uint16_t vid);
/* A broadcast ARP request from p asking for tip; 60 bytes (the Ethernet minimum), returned. */
size_t h_build_arp_request(const struct h_peer *p, const uint8_t tip[4], uint8_t *buf);
/* An ICMPv6 neighbour solicitation from p for h's IPv6 address, to its solicited-node group. */
size_t h_build_ns(const struct harness *h, const struct h_peer *p, uint8_t *buf);
/* The mbuf of the frame queued last, to set what a device would (vlan_tci, flags). */
struct rte_mbuf *h_rx_last(struct harness *h);
/* Recompute the IPv4 header and TCP checksums of an h_build frame after editing it. */
void h_fix_checksums(uint8_t *frame, size_t len);
/* Packet type the PMD would set for a well-formed frame built by h_build. */
uint32_t h_ptype(const struct h_peer *p);
/*
 * Queue a frame as the device delivers it: split at hdr_len (payload into a
 * device chunk) or, when `linear` or the payload pool is empty, as one host
 * copy with the LINEAR flag. Returns where the payload went (dmabuf offset or
 * host address), and whether it went linear.
 */
uint64_t h_queue_bytes(struct harness *h, const uint8_t *frame, size_t len, uint32_t hdr_len,
		       uint64_t ol_flags, uint32_t ptype, bool linear, bool *went_linear);
/* Remember where the device put the payload at seq (h_queue does it for its segments). */
void h_note_placed(struct harness *h, uint32_t seq, uint32_t len, uint64_t where, bool linear);
/* Queue segment `s` (recording its placement); h_poll processes it. */
void h_queue(struct harness *h, struct h_peer *p, const struct h_seg *s);
/* Queue and poll. */
void h_send(struct harness *h, struct h_peer *p, const struct h_seg *s);
/* h_send of len pattern bytes at stream offset off. */
void h_send_data(struct harness *h, struct h_peer *p, uint32_t off, uint32_t len);
/* The same through tcprx_input_burst + tcprx_timers instead of the rx_burst hook. */
void h_input(struct harness *h, struct h_peer *p, const struct h_seg *s);

/* One tcprx_poll of up to 64 frames; asserts it returned >= 0. */
int h_poll(struct harness *h);
/* Advance the virtual clock and poll. */
void h_advance_ms(struct harness *h, uint64_t ms);
void h_advance_us(struct harness *h, uint64_t us);
/* Advance 1 ms at a time (polling) until a frame is out; ms waited, or -1 after max_ms. */
int64_t h_wait_frame_ms(struct harness *h, uint64_t max_ms);

/* ---- frames out ---------------------------------------------------------- */

unsigned int h_tx_pending(const struct harness *h);
/* Pop the next frame out unparsed (the caller frees it), or NULL. */
struct rte_mbuf *h_tx_pop(struct harness *h);
/* Pop and parse the next frame out; false if none. */
bool h_next(struct harness *h, struct h_frame *f);
/*
 * Pop the next frame: TCP from us to p, matching m; its parse in *out (may be
 * NULL). Every frame to p is also held to what is always true: TS on every
 * non-RST segment once agreed and never otherwise, SACK blocks only when
 * agreed and each strictly above the ACK number, and a right window edge
 * (ACK + scaled window) that never moves left.
 */
void h_expect(struct harness *h, struct h_peer *p, const struct h_match *m, struct h_frame *out);
/* The next frame is an ACK of stream offset `ack` carrying exactly these n SACK blocks (offsets). */
void h_expect_sack(struct harness *h, struct h_peer *p, uint32_t ack, unsigned int n,
		   const uint32_t (*blocks)[2]);
/* Pop every pending frame, each asserted to be an ACK to p (as h_expect); returns how many. */
unsigned int h_acks(struct harness *h, struct h_peer *p, struct h_frame *last);
/* Nothing was sent. */
void h_expect_none(struct harness *h);
/* Drop frames out unchecked, returning how many. */
unsigned int h_drain(struct harness *h);
/* Our advertised window in bytes, scaled by `shift`. */
static inline uint32_t h_wnd(const struct h_frame *f, uint8_t shift)
{
	return (uint32_t)f->win << shift;
}

/* ---- connections and the application ------------------------------------ */

/* SYN with p's options; returns the SYN-ACK (asserted to be one, acking the SYN). */
void h_syn(struct harness *h, struct h_peer *p, struct h_frame *synack);
/* SYN, SYN-ACK, ACK, tcprx_accept: p->conn established. */
void h_open(struct harness *h, struct h_peer *p);
/* The rest of h_open after h_syn: the ACK (not answered), tcprx_accept, checks. */
void h_open_synced(struct harness *h, struct h_peer *p);
/*
 * tcprx_recv everything ready (16 at a time) and verify each fragment: bytes
 * through the device view (or host address when LINEAR) against the pattern
 * at p->rcv_next, and its address against where the device placed it.
 * Returns the bytes received; *rc the last tcprx_recv result (may be NULL).
 */
uint64_t h_recv(struct harness *h, struct h_peer *p, int *rc);
/* The same for at most max fragments (*rc: the last tcprx_recv result, or 0 if none was made). */
uint64_t h_recv_n(struct harness *h, struct h_peer *p, unsigned int max, int *rc);
/*
 * h_recv through tcprx_recv_tsval, at most max fragments: ts[i] is the TSval
 * reported for p->frags[first + i], first being p->nb_frags before the call.
 * Returns the fragments received.
 */
unsigned int h_recv_tsval(struct harness *h, struct h_peer *p, struct tcprx_tsval *ts,
			  unsigned int max);
/* The fragment received for sequence number seq (NULL if none started there). */
const struct h_rfrag *h_frag_at(const struct h_peer *p, uint32_t seq);
/* Where the device put the payload of the newest segment injected at seq (asserted to exist). */
uint64_t h_placed_at(const struct harness *h, uint32_t seq);

/* Let the delayed-ACK bound pass; pops every frame out as an ACK to p (h_acks). */
unsigned int h_settle(struct harness *h, struct h_peer *p, struct h_frame *last);
/* Return the oldest n tokens the app holds (all when n = UINT32_MAX); returns tcprx_dontneed's result. */
int h_dontneed(struct harness *h, struct h_peer *p, unsigned int n);
/* Take every free chunk out of the payload pool (the device then copies frames LINEAR). */
void h_pool_drain(struct harness *h);
void h_pool_refill(struct harness *h);
/* Chunks outside the payload pool (held by mbufs, tcprx or the app) after a frag flush. */
uint32_t h_pool_in_flight(struct harness *h);

struct tcprx_stats h_stats(const struct harness *h);
struct tcprx_conn_stats h_cstats(const struct h_peer *p);
struct tcprx_conn_info h_info(const struct h_peer *p);

#endif
