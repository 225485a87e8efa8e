/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/tcprx: the tiny TCP receive path.
 *
 * Passive-open, receive-only TCP over header-split queues. Headers arrive in
 * host mbufs; payload stays where the NIC put it (device memory, unreadable)
 * and is handed to the application as devmem fragments with tokens, exactly
 * like devmem TCP's recvmsg(MSG_SOCK_DEVMEM) + SO_DEVMEM_DONTNEED.
 *
 * Threading: one struct tcprx per RX queue, driven by one polling lcore
 * (tcprx_poll or tcprx_input_burst + tcprx_timers). Every other call except
 * tcprx_dontneed and the stats readers must come from that same lcore.
 * tcprx_dontneed may come from any thread: it returns tokens to the payload
 * pool through its return ring and updates the connection's window credit
 * atomically; the next poll advertises the reopened window. As with a
 * socket, a connection must not be used once tcprx_close has been called:
 * the application stops returning tokens on other threads first.
 *
 * Errors: every function returns a negative errno on bad arguments and logs
 * the reason under the "lib.tcprx" log type. Bad frames are dropped and
 * counted (struct tcprx_stats), never fatal.
 */
#ifndef HSPLIT_TCPRX_H
#define HSPLIT_TCPRX_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "devmem.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tcprx;
struct tcprx_conn;

/* An IPv4 or IPv6 address; IPv4 uses the first 4 bytes of `bytes` (network order). */
struct tcprx_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

/* "10.0.0.1" or "fd00::1" -> addr; -EINVAL with a log line otherwise. */
int tcprx_addr_parse(const char *text, struct tcprx_addr *addr);
/* addr -> text in buf (INET6_ADDRSTRLEN is enough); returns buf. */
const char *tcprx_addr_format(const struct tcprx_addr *addr, char *buf, size_t len);

/*
 * How frames get in and out. By default tcprx_poll reads rte_eth_rx_burst()
 * on (port_id, rx_queue) and sends through rte_eth_tx_burst() on
 * (port_id, tx_queue). A test harness or an application that owns the RX
 * loop itself may replace either; tx_burst takes ownership of the mbufs it
 * accepts (returns how many) exactly like rte_eth_tx_burst.
 */
typedef uint16_t (*tcprx_rx_burst_t)(void *arg, struct rte_mbuf **pkts, uint16_t n);
typedef uint16_t (*tcprx_tx_burst_t)(void *arg, struct rte_mbuf **pkts, uint16_t n);
/* Nanoseconds from any fixed origin; a harness passes a virtual clock. */
typedef uint64_t (*tcprx_clock_t)(void *arg);

#define TCPRX_MAX_VLANS 8

struct tcprx_config {
	uint16_t port_id;
	uint16_t rx_queue;
	uint16_t tx_queue;
	struct rte_mempool *tx_pool;  /* host mbufs for ACK/SYN-ACK/RST/ARP (required) */
	struct rte_ether_addr mac;    /* our MAC; all zero = the port's */
	/*
	 * The VLANs whose frames are ours: IDs 1..4094, and 0 for untagged
	 * frames. nb_vlans 0 = untagged only. The tag is read from the mbuf
	 * (vlan_tci, when the device stripped it) or from an 802.1Q header in
	 * the frame. Frames on any other VLAN are dropped (stats other_vlan).
	 * Every reply (ACK, RST, ARP, ND) carries the tag of what it answers.
	 */
	uint16_t vlans[TCPRX_MAX_VLANS];
	uint8_t nb_vlans;
	/*
	 * Tag replies by the TX VLAN insert offload (RTE_MBUF_F_TX_VLAN,
	 * mbuf vlan_tci) instead of an 802.1Q header in the frame. Turned on
	 * by tcprx_create when port_id's TX configuration has
	 * RTE_ETH_TX_OFFLOAD_VLAN_INSERT; set it for a tx_burst that inserts.
	 */
	bool tx_vlan_insert;

	uint32_t max_conns;           /* connections incl. half-open and TIME-WAIT; 0 = 1024 */
	/* SYN-RECEIVED bound; 0 = 128; with SYN cookies at most max_conns / 2 */
	uint32_t max_half_open;
	/* established, not yet accepted; SYNs beyond are dropped; 0 = max_conns */
	uint32_t accept_backlog;
	uint32_t max_ooo;             /* out-of-order records per connection; 0 = rcv_chunks */
	/*
	 * Payload chunks (segments) one connection may hold: queued in order,
	 * out of order, or lent to the application as tokens. The advertised
	 * window is derived from what is left. 0 = 256.
	 */
	uint32_t rcv_chunks;
	/*
	 * MSS we advertise; 0 = the port's MTU - 40 (IPv4) / - 60 (IPv6). With
	 * a port, one above MTU - 40 is refused (-EINVAL) and IPv6 gets at
	 * most MTU - 60.
	 */
	uint16_t mss;
	/*
	 * Window scale we offer (0..14). 0xff (default): the smallest shift
	 * that expresses rcv_chunks segments of our MSS; a coarser one only
	 * makes every ACK round the window up further (doc/tcprx.md).
	 */
	uint8_t wscale;
	bool no_sack;                 /* do not agree to SACK */
	/*
	 * SYN cookies (RFC 4987) answer SYNs when max_half_open is reached, as
	 * long as the table has a free slot for the cookie's ACK (half-opens fill
	 * at most half of it). No half-open is ever given up for a cookie: on a
	 * lossy wire its client may be established already, and would be reset.
	 * With a full table, and always with true, such SYNs are dropped
	 * (half_open_drops, conn_table_full) and the client's retry may find room.
	 */
	bool no_syncookies;
	bool no_timestamps;           /* do not agree to timestamps */
	uint32_t delack_us;           /* bound on a delayed ACK; 0 = 1000, max 500000 (MUST-40) */
	uint32_t synack_rto_ms;       /* first SYN-ACK retransmission; 0 = 1000 */
	uint8_t synack_retries;       /* then give up; 0 = 5 (our FIN in LAST-ACK: the same) */
	uint32_t time_wait_ms;        /* TIME-WAIT after LAST-ACK; 0 = 2000 */
	/*
	 * Accept frames whose L4 checksum status is UNKNOWN/NONE by checking the
	 * checksum in software. Only possible when every byte is in host memory
	 * (LINEAR); device-memory payload is never read. Default off: only frames
	 * the device marked L4 GOOD are accepted.
	 */
	bool sw_checksum;

	tcprx_rx_burst_t rx_burst;    /* NULL = rte_eth_rx_burst(port_id, rx_queue) */
	void *rx_arg;
	tcprx_tx_burst_t tx_burst;    /* NULL = rte_eth_tx_burst(port_id, tx_queue) */
	void *tx_arg;
	tcprx_clock_t clock;          /* NULL = rte_get_tsc_cycles() scaled to ns */
	void *clock_arg;
	uint64_t isn_secret;          /* RFC 6528 key; 0 = random */
};

/* Fill defaults; callers then set port, queues, pool and any overrides. */
void tcprx_config_init(struct tcprx_config *cfg);

int tcprx_create(const struct tcprx_config *cfg, struct tcprx **out);
/* Every connection is aborted (RST) and every token released; then frees. */
void tcprx_destroy(struct tcprx *rx);

/* Our addresses: answered for ARP / neighbour solicitation, accepted as destination. */
int tcprx_add_address(struct tcprx *rx, const struct tcprx_addr *addr);
/* Accept connections to addr:port (addr NULL or family 0 = any of ours). */
int tcprx_listen(struct tcprx *rx, const struct tcprx_addr *addr, uint16_t port);
int tcprx_unlisten(struct tcprx *rx, const struct tcprx_addr *addr, uint16_t port);

/* The next established connection, or NULL (rx NULL: NULL). */
struct tcprx_conn *tcprx_accept(struct tcprx *rx);

/*
 * Readiness, like epoll in edge-triggered mode: the next accepted
 * connection that has something for tcprx_recv (new in-order data, the end
 * of the stream, or a reset), oldest first, or NULL. A connection is listed
 * once, when that happens (or at tcprx_accept if it already had), and taken
 * off the list here; it is listed again only when more arrives, so the
 * application calls tcprx_recv until -EAGAIN (or 0 / -ECONNRESET), or
 * remembers the connection itself. tcprx_close takes it off. Costs nothing
 * per idle connection: the application need not call tcprx_recv on every
 * connection after each poll.
 */
struct tcprx_conn *tcprx_ready_next(struct tcprx *rx);

/*
 * One round of work: read up to `burst` frames, process them, run due
 * timers, flush queued frames. Returns frames read (>= 0) or -errno.
 */
int tcprx_poll(struct tcprx *rx, uint16_t burst);
/* The same for frames the caller received itself; takes ownership of all n. */
int tcprx_input_burst(struct tcprx *rx, struct rte_mbuf **pkts, uint16_t n);
/* Run due timers and flush queued frames (tcprx_poll does this). */
void tcprx_timers(struct tcprx *rx);

/*
 * Like recvmsg(MSG_SOCK_DEVMEM): up to n in-order fragments, each lent to
 * the application under a token until tcprx_dontneed(). Device-memory
 * fragments carry dmabuf_id and the dmabuf offset; host-memory bytes (the
 * split failed) carry DEVMEM_FRAG_LINEAR and a readable address.
 * Returns the number of fragments (> 0); 0 at end of stream (FIN received
 * and everything handed out); -EAGAIN when nothing is ready;
 * -ECONNRESET after a reset; -ENOBUFS when the token table is full.
 */
int tcprx_recv(struct tcprx_conn *conn, struct devmem_frag *frags, unsigned int n);
/*
 * The peer's TCP timestamp (RFC 7323 TSval) of the segment a fragment came
 * in. A sender's clock, not ours: with Linux's usec timestamps and no
 * per-connection offset it is the send time, which is how a receiver that
 * cannot read device-memory payload measures one-way latency.
 */
struct tcprx_tsval {
	uint32_t val;   /* the segment's TSval; 0 when !present */
	bool present;   /* false: that segment carried no timestamp option */
};
/*
 * tcprx_recv, plus ts[i] for frags[i]: each fragment reports the segment
 * that carried its bytes, also when it arrived out of order or LINEAR.
 * Same returns as tcprx_recv. Segments have no timestamp when the
 * connection did not agree to them (tcprx_conn_info ts_ok) or the peer left
 * one out, which tcprx accepts (doc/tcprx.md, deviations).
 */
int tcprx_recv_tsval(struct tcprx_conn *conn, struct devmem_frag *frags, struct tcprx_tsval *ts,
		     unsigned int n);
/*
 * SO_DEVMEM_DONTNEED: return tokens. At most DEVMEM_DONTNEED_MAX_RANGES
 * ranges (-EINVAL beyond) and DEVMEM_DONTNEED_MAX_FRAGS fragments per call;
 * returns the number freed. Freed chunks reopen the window. Any thread.
 */
int tcprx_dontneed(struct tcprx_conn *conn, const struct devmem_token_range *ranges,
		   unsigned int nb_ranges);
/*
 * Close: releases every token still held. A connection whose peer has
 * finished (CLOSE-WAIT) gets our FIN and lingers in LAST-ACK; one with
 * data still arriving is reset (as Linux does on close with unread data).
 * The conn pointer is invalid afterwards.
 */
int tcprx_close(struct tcprx_conn *conn);

enum tcprx_state {
	TCPRX_CLOSED, TCPRX_LISTEN, TCPRX_SYN_RECEIVED, TCPRX_ESTABLISHED,
	TCPRX_CLOSE_WAIT, TCPRX_LAST_ACK, TCPRX_TIME_WAIT,
};
const char *tcprx_state_name(enum tcprx_state state);

struct tcprx_conn_info {
	enum tcprx_state state;
	struct tcprx_addr local, remote;
	uint16_t local_port, remote_port;
	uint32_t irs, rcv_nxt, rcv_wnd;    /* rcv_wnd: bytes we advertise now */
	uint16_t peer_mss;
	uint8_t snd_wscale, rcv_wscale;    /* shifts: peer's, ours (0 when not agreed) */
	bool ts_ok, sack_ok;
	uint32_t chunks_held;              /* queued + out of order + lent as tokens */
	uint32_t tokens_held;
};

struct tcprx_conn_stats {
	uint64_t segs_in;          /* TCP segments for this connection */
	uint64_t bytes_in_order;   /* payload bytes delivered in order */
	uint64_t bytes_delivered;  /* payload bytes handed to the app by tcprx_recv */
	uint64_t segs_ooo;         /* segments kept out of order */
	uint64_t segs_dup;         /* wholly duplicate segments */
	uint64_t segs_unacceptable;/* failed the RFC 9293 acceptability test */
	uint64_t segs_paws;        /* rejected by PAWS */
	uint64_t paws_reordered;   /* older than TS.Recent but within the reordering tolerance: kept */
	uint64_t segs_ooo_full;    /* out-of-order segments dropped: no record free */
	uint64_t acks_out;         /* pure ACKs sent */
	uint64_t dup_acks_out;     /* immediate ACKs for out-of-order/duplicate data */
	uint64_t challenge_acks;   /* RFC 5961 */
	uint64_t acks_rate_limited;/* ACKs not sent for dataless invalid segments (RFC 5961 §7) */
	uint64_t window_probes;    /* zero-window probes answered */
	uint64_t window_updates;   /* unsolicited ACKs after tokens reopened the window */
	uint64_t zero_windows;     /* times we advertised a zero window */
	uint64_t chunk_overrun;    /* in-order data kept beyond rcv_chunks (at most 1 chunk over) */
	uint64_t budget_drops;     /* in-window segments refused: the chunk budget was spent */
	uint64_t tokens_granted, tokens_returned, token_bad_returns;
};

int tcprx_conn_info(const struct tcprx_conn *conn, struct tcprx_conn_info *info);
int tcprx_conn_stats(const struct tcprx_conn *conn, struct tcprx_conn_stats *stats);
/* Opaque per-connection user data, for the application's own bookkeeping. */
void tcprx_conn_set_user(struct tcprx_conn *conn, void *user);
void *tcprx_conn_user(const struct tcprx_conn *conn);

struct tcprx_stats {
	uint64_t frames_in;
	uint64_t frames_out;
	uint64_t tx_drops;          /* frames tx_burst refused or no tx mbuf */
	uint64_t arp_replies;
	uint64_t nd_replies;        /* IPv6 neighbour advertisements */
	uint64_t not_ours;          /* other MAC/IP/protocol: ignored */
	uint64_t other_vlan;        /* tagged for a VLAN not in cfg.vlans (or untagged, if not) */
	uint64_t malformed;         /* truncated or inconsistent headers */
	uint64_t bad_options;       /* impossible TCP options */
	uint64_t ip_fragments;      /* fragmented IP: device payload cannot be reassembled */
	uint64_t csum_bad;          /* device said L4 BAD */
	uint64_t csum_unknown;      /* device said nothing, and sw_checksum is off */
	uint64_t csum_sw_bad;       /* sw_checksum found a bad sum */
	uint64_t rst_out;           /* RSTs sent (closed ports, bad ACKs, aborts) */
	uint64_t rst_in;            /* acceptable RSTs that reset a connection */
	uint64_t rst_ignored;       /* out-of-window RSTs */
	uint64_t syn_in;
	uint64_t synack_out;
	uint64_t synack_retrans;
	uint64_t half_open_drops;   /* SYNs dropped: half-open bound reached, no cookie */
	uint64_t backlog_drops;     /* SYNs (and cookie ACKs) dropped: accept backlog full */
	uint64_t conn_table_full;   /* SYNs or cookie ACKs dropped: no slot (and no cookie) */
	uint64_t syncookies_sent;   /* SYN-ACKs carrying a cookie (no state kept) */
	uint64_t syncookies_validated; /* ACKs whose cookie was good: a connection */
	/*
	 * ACKs to a listener with a bad or stale cookie (reset), or with a good
	 * one whose SYN-ACK agreed to timestamps but no TS option (dropped)
	 */
	uint64_t syncookies_rejected;
	uint64_t half_open_timeouts;
	uint64_t established;
	uint64_t time_wait_segs;    /* late segments answered in TIME-WAIT */
	uint64_t closed;
	uint32_t conns;             /* live connection slots */
	uint32_t half_open;
	/*
	 * In-order data segments taken by header prediction (doc/tcprx.md,
	 * the fast path); the rest went through the full RFC 9293 rules.
	 */
	uint64_t fast_path;
};

int tcprx_stats(const struct tcprx *rx, struct tcprx_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* HSPLIT_TCPRX_H */
