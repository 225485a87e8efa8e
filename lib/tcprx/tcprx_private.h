/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/tcprx internals: the stack, its connections, and the files' contracts. */
#ifndef HSPLIT_TCPRX_PRIVATE_H
#define HSPLIT_TCPRX_PRIVATE_H

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "tcprx.h"

extern int tcprx_logtype;
#define TCPRX_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, tcprx_logtype, "tcprx: " fmt "\n", ##__VA_ARGS__)
/* Log why and return -err: every refusal of bad arguments says why. */
#define TCPRX_FAIL(err, fmt, ...) (TCPRX_LOG(ERR, fmt, ##__VA_ARGS__), -(err))

/* Sequence-space comparisons, mod 2^32 (RFC 9293 §3.4). */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

#define TCPRX_FIN 0x01
#define TCPRX_SYN 0x02
#define TCPRX_RST 0x04
#define TCPRX_PSH 0x08
#define TCPRX_ACK 0x10
#define TCPRX_URG 0x20

/* TCP option kinds (IANA) and the lengths of the fixed-size ones. */
#define TCPOPT_EOL       0
#define TCPOPT_NOP       1
#define TCPOPT_MSS       2
#define TCPOPT_WSCALE    3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK      5
#define TCPOPT_TS        8
#define TCPOLEN_MSS        4
#define TCPOLEN_WSCALE     3
#define TCPOLEN_SACK_PERM  2
#define TCPOLEN_TS         10
#define TCPOLEN_SACK_BLOCK 8

#define TCPRX_MAX_LISTENERS 16
#define TCPRX_MAX_ADDRS     16
#define TCPRX_MAX_PIECES    8      /* mbuf segments one frame may span */
#define TCPRX_TX_BATCH      32
#define TCPRX_ACK_DEFER_MAX 64     /* connections one burst may defer an ACK for */
/* From this many connections on, tcprx_poll prefetches buckets and connections ahead */
#define TCPRX_PREFETCH_CONNS 256u
/* Ethernet + 802.1Q + IPv4 + TCP + NOP NOP TS: the longest pure ACK from a template */
#define TCPRX_ACK_TMPL_MAX  (14 + 4 + 20 + 20 + 12)
/* The largest frame tcprx builds: Ethernet + 802.1Q, IPv6, TCP with 40 option bytes. */
#define TCPRX_TX_FRAME_MAX  (14 + 4 + 40 + 20 + 40)
#define TCPRX_SACK_RECENT   4
#define TCPRX_TS_PAWS_IDLE_MS (24ull * 24 * 3600 * 1000) /* RFC 7323 §5.5: 24 days */
/*
 * PAWS tolerance for reordering: a TSval back to the TS.Recent value before
 * the latest raise is taken while the stream has moved less than this since
 * (doc/tcprx.md, PAWS and reordering).
 */
#define TCPRX_PAWS_REORDER_BYTES (1u << 20)
#define TCPRX_CHALLENGE_PER_SEC 1000u /* RFC 5961 §7 rate limit */
#define TCPRX_OOW_ACK_GAP_NS (500ull * 1000000) /* Linux tcp_invalid_ratelimit */
#define TCPRX_SLOW_TICK_NS  1000000ull /* half-open and linger lists: scanned each ms */
/*
 * The smallest peer MSS we take from a SYN, the floor of Linux's receive MSS
 * estimate too (TCP_MIN_MSS): the largest IP and TCP headers (60 + 60 bytes)
 * and 8 bytes of data, less the 40 bytes of minimal headers an MSS leaves
 * out. Below it the 12-byte TS option would leave almost nothing, and the
 * window arithmetic must never subtract it from less.
 */
#define TCPRX_MIN_PEER_MSS 88u
#define TCPRX_TS_OPTION_LEN 12u /* NOP NOP TS: what a timestamp costs every segment */
/*
 * In-order data is kept up to this many chunks beyond rcv_chunks, and one
 * segment more if it fills the window (tcprx_chunks_admit; doc/tcprx.md,
 * the window and held tokens).
 */
#define TCPRX_CHUNK_SLACK 1u

/*
 * A piece of payload is a byte range of one mbuf segment (next == NULL),
 * owned by whoever holds the piece: lib/devmem's struct devmem_mbuf_span,
 * so tcprx_recv lends the in-order ring out in place. Payload is
 * referenced, never copied.
 */

/* An out-of-order record: (seq, len, the segment that holds the bytes). */
struct tcprx_ooo {
	uint32_t seq;
	struct devmem_mbuf_span p;
};

/* Options as parsed from a segment. */
struct tcprx_opts {
	uint16_t mss;
	uint8_t wscale;
	bool has_mss, has_wscale, sack_ok, has_ts;
	uint32_t tsval, tsecr;
};

/* A parsed TCP segment: headers read from the host header mbuf only. */
struct tcprx_seg {
	struct tcprx_addr src, dst;
	struct rte_ether_addr src_mac;
	uint16_t vlan;          /* VLAN ID the frame came on, 0 = untagged */
	uint16_t l2_len;        /* Ethernet header, with an in-frame 802.1Q tag */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;
	uint32_t len;           /* payload bytes, after trimming by the input rules */
	struct tcprx_opts opt;
	unsigned int nb_pieces;
	struct devmem_mbuf_span piece[TCPRX_MAX_PIECES];
	bool kept[TCPRX_MAX_PIECES];  /* the piece's segment now belongs to a connection */
	unsigned int nb_mbufs;         /* the frame's segments, unchained */
	struct rte_mbuf *mbufs[TCPRX_MAX_PIECES + 1];
};

struct tcprx_conn {
	/*
	 * --- hot: the first two cache lines hold what the fast path
	 * (tcprx_fast.c) reads and writes for a predicted segment: the IPv4
	 * key, the sequence state, the in-order ring and the chunk count ---
	 */
	uint32_t key_raddr4, key_laddr4; /* IPv4 addresses as on the wire; 0 for IPv6 */
	uint32_t key_ports;      /* remote port << 16 | local port, as on the wire */
	uint16_t vlan;           /* the SYN's: every segment of ours carries it */
	uint8_t state;           /* enum tcprx_state */
	bool ack_deferred;       /* on rx->ack_defer: ACK once at the end of the burst */
	bool key_v4;             /* the key above is valid: an IPv4 connection */
	bool ts_ok, sack_ok;
	bool ack_now;            /* an input rule asked for an immediate ACK */
	bool fin_pending;        /* an out-of-order FIN waits at fin_seq */
	bool accepted;           /* the application owns it (until tcprx_close) */
	bool on_delack, on_ready;
	uint8_t rcv_wscale, snd_wscale;
	uint16_t full_seg;       /* a full-sized segment: MSS minus the TS option */
	uint32_t rcv_nxt;
	uint32_t rcv_adv;        /* right edge we advertised: never moves left */
	uint32_t last_ack_sent;  /* RCV.NXT in our last ACK (RFC 7323 §4.3) */
	uint32_t snd_nxt;        /* ISS+1, ISS+2 after our FIN */
	uint32_t unacked_bytes;  /* in-order bytes since our last ACK */
	uint32_t ts_recent;
	uint32_t seg_avg8;       /* payload bytes per piece kept, estimate x 8 */
	uint32_t max_snd_wnd;    /* largest window the peer offered (RFC 5961 §5.2) */
	uint32_t ooo_count;      /* out-of-order records (ooo, below) */
	/* second line */
	struct tcprx *rx;
	/* in order, not yet handed out: a ring of pieces */
	struct devmem_mbuf_span *inq;
	uint32_t inq_mask, inq_head, inq_count;
	_Atomic uint32_t tokens_out;  /* lent to the app; tcprx_dontneed may run elsewhere */
	/* the fast path's share of st.segs_in and st.bytes_in_order (tcprx_conn_stats adds) */
	uint64_t fast_segs_in, fast_bytes_in_order;
	uint32_t ts_prev;        /* the TS.Recent that the latest raise replaced (PAWS tolerance) */
	uint32_t ts_prev_seq;    /* RCV.NXT at that raise */
	uint64_t delack_due;
	/*
	 * --- third line: what the application's calls and the ACK read and
	 * write (tcprx_recv, readiness, delayed ACK); the fast path writes
	 * ts_recent_ms at most once per ACK and the queue slots, and
	 * prefetches the line with the first two ---
	 */
	uint64_t ts_recent_ms;   /* when ts_recent was set, for PAWS idle expiry */
	void *user;
	struct devmem_token_table *tokens;
	uint64_t bytes_delivered; /* st.bytes_delivered and st.tokens_granted live here */
	uint64_t tokens_granted;
	uint32_t ready_slot;     /* in rx->ready while on_ready (tcprx_fifo.c) */
	uint32_t delack_slot;    /* in rx->delack while on_delack */
	uint32_t ts_offset;      /* our TSval = clock ms + offset */
	uint16_t rcv_mss;        /* the MSS we advertised */
	bool fin_received;
	bool reset;              /* reset by the peer: recv says ECONNRESET */
	bool on_lowwin;          /* advertised less than half the window: window updates apply */
	bool dsack;              /* the next ACK reports [dsack_left, dsack_right) as duplicate */

	/* --- cold: handshake, slow path, lists --- */
	uint32_t fin_seq;
	struct tcprx_conn *hash_next;
	uint32_t hash;
	struct tcprx_addr local, remote;
	uint16_t local_port, remote_port;
	struct rte_ether_addr peer_mac;
	uint32_t iss, irs;
	uint16_t peer_mss;

	/* out of order, sorted by seq, disjoint (ooo_count above) */
	struct tcprx_ooo *ooo;
	uint32_t sack_recent[TCPRX_SACK_RECENT]; /* a seq inside each recently changed block */
	uint32_t sack_recent_count;
	uint32_t dsack_left, dsack_right;

	_Atomic uint64_t tokens_returned;

	/* timers */
	uint64_t timer_due;      /* SYN-ACK / FIN retransmission, TIME-WAIT end */
	uint8_t retries;
	uint64_t challenge_sec;  /* per-connection challenge ACK accounting (1 s slots) */
	uint64_t last_oow_ack;   /* when we last ACKed a dataless invalid segment */
	uint32_t challenge_count;

	struct tcprx_conn_stats st;

	TAILQ_ENTRY(tcprx_conn) list;    /* half_open, accept_q, linger or app-owned (none) */
	TAILQ_ENTRY(tcprx_conn) all;
	/* set by tcprx_dontneed (any thread) until the poll looks at this window again */
	_Atomic bool returned;
	struct tcprx_conn *_Atomic returned_next; /* rx->returned: pushed by tcprx_dontneed */
	TAILQ_ENTRY(tcprx_conn) recheck; /* rx->recheck_q: returned, not yet looked at */
	bool on_recheck;

	/*
	 * --- the pure ACK's headers, IPv4 only (tcprx_acktmpl.c), on lines of
	 * their own that whoever defers or times an ACK prefetches; len 0 = not
	 * built yet ---
	 */
	uint8_t ack_tmpl[TCPRX_ACK_TMPL_MAX] __rte_cache_aligned;
	uint8_t ack_tmpl_len, ack_tmpl_l2;
	uint32_t ack_tmpl_ipsum, ack_tmpl_tcpsum; /* sums of the fixed bytes */
	uint64_t acks_out;       /* st.acks_out lives here */
};

/*
 * What the fast path touches fits two cache lines, what recv and the ACK add
 * a third, and the ACK template two of its own (connections are allocated
 * line-aligned).
 */
static_assert(offsetof(struct tcprx_conn, rx) == 64, "tcprx_conn: hot first line");
static_assert(offsetof(struct tcprx_conn, delack_due) + 8 <= 128, "tcprx_conn: hot second line");
static_assert(offsetof(struct tcprx_conn, ts_recent_ms) == 128, "tcprx_conn: third line");
static_assert(offsetof(struct tcprx_conn, dsack) < 192, "tcprx_conn: third line");
static_assert(offsetof(struct tcprx_conn, acks_out) + 8 <=
	      offsetof(struct tcprx_conn, ack_tmpl) + 2 * 64, "tcprx_conn: the ACK's two lines");

TAILQ_HEAD(tcprx_conn_list, tcprx_conn);

/*
 * A queue of connections in an array it owns (tcprx_fifo.c): each
 * connection at most once, its slot kept in the connection at slot_off.
 */
struct tcprx_fifo {
	struct tcprx_conn **entry;
	uint32_t mask, head, tail;
	size_t slot_off;
};

struct tcprx_listener {
	struct tcprx_addr addr; /* family 0 = any of ours */
	uint16_t port;
};

struct tcprx {
	struct tcprx_config cfg;
	uint64_t now;            /* ns, read once per poll */
	int tsval_off;           /* mbuf dynfield: the frame's peer TSval (tcprx_mbuf_tsval) */
	uint64_t next_slow_tick;
	double ns_per_cycle;

	/* connections */
	struct tcprx_conn **buckets;
	uint32_t bucket_mask;
	struct tcprx_conn *last_hit; /* the last connection a frame went to (one-entry cache) */
	uint32_t lookahead_bucket; /* the frame being processed: its bucket + 1, 0 = not known */
	/* connections whose ACK waits for the end of the burst (tcprx_fast_acks_flush) */
	struct tcprx_conn *ack_defer[TCPRX_ACK_DEFER_MAX];
	unsigned int nb_ack_defer;
	bool fast_untagged;      /* untagged frames are ours: the fast path may take them */
	uint64_t fast_segs;      /* segments the fast path took (tcprx_stats fast_path) */
	struct tcprx_fifo ready;          /* tcprx_ready_next */
	struct tcprx_fifo delack;         /* delayed ACKs, in deadline order */
	struct tcprx_conn_list recheck_q; /* tokens came back: look at their windows */
	struct tcprx_conn *_Atomic returned; /* pushed by tcprx_dontneed, taken by the poll */
	uint32_t nb_conns, nb_half_open, nb_backlog;
	uint32_t inq_size;       /* ring entries per connection */
	struct tcprx_conn_list half_open, accept_q, linger, all_conns;

	struct tcprx_listener listeners[TCPRX_MAX_LISTENERS];
	unsigned int nb_listeners;
	struct tcprx_addr addrs[TCPRX_MAX_ADDRS];
	unsigned int nb_addrs;
	uint64_t vlan_ok[4096 / 64]; /* cfg.vlans as a bitmap: one test per frame */

	uint64_t sip_key[2];     /* RFC 6528 ISN secret */
	uint64_t cookie_key[2];  /* SYN cookie MACs, derived from sip_key */
	uint64_t cookie_sent;    /* when we last answered a SYN with a cookie (ns); 0 = never */
	uint64_t ts_key[2];      /* TSval offsets */
	uint64_t hash_seed;      /* connection table */
	uint16_t ip_id;
	uint16_t mss4, mss6;     /* the MSS we advertise per family */
	bool wscale_fitted;      /* cfg.wscale was the default: fit it to the window */

	struct rte_mbuf *tx[TCPRX_TX_BATCH];
	unsigned int nb_tx;
	struct rte_mbuf *tx_spare[TCPRX_TX_BATCH]; /* allocated in bulk, not yet used */
	unsigned int nb_tx_spare;
	struct tcprx_stats st;
	int telemetry_id;        /* -1: not listed */
};

/*
 * Every mbuf of a TCP frame carries the frame's TSval in a dynamic field
 * (TCPRX_TSVAL_PRESENT | TSval, or 0 without the option), so each piece
 * knows its segment's timestamp wherever it is queued, at no cost to the
 * piece rings. The field is in the mbuf's second cache line, which
 * unchaining the frame writes anyway.
 */
#define TCPRX_DYNFIELD_TSVAL "hsplit_tcprx_dynfield_tsval"
#define TCPRX_TSVAL_PRESENT (UINT64_C(1) << 32)
static inline uint64_t *tcprx_mbuf_tsval(const struct tcprx *rx, struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, rx->tsval_off, uint64_t *);
}

/*
 * Bytes a free chunk is worth in the window: the payload the sender's recent
 * pieces carried, at most a full-sized segment, at least 1.
 */
static inline uint32_t tcprx_chunk_unit(const struct tcprx_conn *c)
{
	return RTE_MAX(RTE_MIN(c->seg_avg8 >> 3, (uint32_t)c->full_seg), 1u);
}

/*
 * A piece of `len` bytes was kept. The estimate follows the sender's usual
 * segment: up at once to a larger piece, down an eighth of the way to a
 * smaller one. A bulk sender's occasional short last segment of a write
 * hardly moves it (offers below its segment size would leave windows it
 * can only fill with more short segments); a sender of small segments
 * brings it down to their size within a few dozen of them.
 */
static inline void tcprx_chunk_unit_note(struct tcprx_conn *c, uint32_t len)
{
	if (len >= c->seg_avg8 >> 3)
		c->seg_avg8 = len << 3;
	else
		c->seg_avg8 = c->seg_avg8 - (c->seg_avg8 >> 3) + len;
}

/* Fetch ahead a connection's three hot lines: the fast path's and recv's. */
static inline void tcprx_conn_prefetch_hot(const struct tcprx_conn *c)
{
	rte_prefetch0(c);
	rte_prefetch0((const uint8_t *)c + RTE_CACHE_LINE_SIZE);
	rte_prefetch0((const uint8_t *)c + 2 * RTE_CACHE_LINE_SIZE);
}

/* The ACK template's two lines. */
static inline void tcprx_conn_prefetch_ack_tmpl(const struct tcprx_conn *c)
{
	rte_prefetch0(c->ack_tmpl);
	rte_prefetch0(c->ack_tmpl + RTE_CACHE_LINE_SIZE);
}

/* What its ACK (delayed or deferred) will read: the hot lines and the template. NULL: nothing. */
static inline void tcprx_conn_prefetch_ack(const struct tcprx_conn *c)
{
	if (c == NULL)
		return;
	tcprx_conn_prefetch_hot(c);
	tcprx_conn_prefetch_ack_tmpl(c);
}

/* tcprx_fast.c: header prediction for in-order data, ACKs once per burst, readiness */
bool tcprx_fast_input(struct tcprx *rx, struct rte_mbuf *m);
uint32_t tcprx_fast_bucket_prefetch(struct tcprx *rx, const struct rte_mbuf *m);
void tcprx_fast_conn_prefetch(struct tcprx *rx, uint32_t bucket_plus1);
void tcprx_fast_ring_prefetch(struct tcprx *rx, uint32_t bucket_plus1);
void tcprx_fast_acks_flush(struct tcprx *rx);
void tcprx_ack_defer_forget(struct tcprx_conn *conn);
void tcprx_ready_note(struct tcprx_conn *conn);
void tcprx_ready_forget(struct tcprx_conn *conn);
void tcprx_returned_push(struct tcprx_conn *conn);
struct tcprx_conn *tcprx_returned_next(struct tcprx *rx);
void tcprx_returned_forget(struct tcprx_conn *conn);

/* tcprx_conn.c: the table, its hash, and connection lifetime */
uint64_t tcprx_siphash(const uint64_t key[2], const void *data, size_t len);
uint32_t tcprx_tuple_hash(const struct tcprx *rx, const struct tcprx_addr *local, uint16_t lport,
			  const struct tcprx_addr *remote, uint16_t rport);
uint32_t tcprx_hash4(const struct tcprx *rx, uint32_t laddr, uint32_t raddr, uint32_t key_ports);
struct tcprx_conn *tcprx_conn_lookup(struct tcprx *rx, const struct tcprx_seg *seg);
struct tcprx_conn *tcprx_conn_new(struct tcprx *rx, const struct tcprx_seg *seg);
void tcprx_conn_free(struct tcprx_conn *conn);
int tcprx_conn_open_tokens(struct tcprx_conn *conn);
uint32_t tcprx_isn(struct tcprx *rx, const struct tcprx_seg *seg);
uint32_t tcprx_ts_offset(struct tcprx *rx, const struct tcprx_seg *seg);
void tcprx_list_move(struct tcprx_conn *conn, struct tcprx_conn_list *from,
		     struct tcprx_conn_list *to);

/* tcprx_syncookie.c: SYN cookies (RFC 4987) */
struct tcprx_cookie {
	uint16_t peer_mss;       /* the table value the cookie names */
	int peer_wscale;         /* -1: no window scaling */
	bool ts_ok, sack_ok;
};
/* A cookie is checked for ACKs to a listener only this long after the last one went out. */
#define TCPRX_COOKIE_VALID_NS (128ull * 1000000000)
void tcprx_syncookie_init(struct tcprx *rx);
bool tcprx_syncookie_room(const struct tcprx *rx);
void tcprx_syncookie_send(struct tcprx *rx, const struct tcprx_seg *seg);
bool tcprx_syncookie_ack(struct tcprx *rx, const struct tcprx_seg *seg, struct tcprx_conn **conn);

/* tcprx_parse.c: frame -> ARP / ND / TCP segment */
enum tcprx_frame_kind { TCPRX_FRAME_DROP, TCPRX_FRAME_TCP, TCPRX_FRAME_ARP, TCPRX_FRAME_ND };
enum tcprx_frame_kind tcprx_parse_frame(struct tcprx *rx, struct rte_mbuf *m,
					struct tcprx_seg *seg);
bool tcprx_is_our_addr(const struct tcprx *rx, const struct tcprx_addr *addr);
int tcprx_parse_options(const uint8_t *p, unsigned int len, struct tcprx_opts *opt);

/* tcprx_input.c: the RFC 9293 receive rules */
void tcprx_input_frame(struct tcprx *rx, struct rte_mbuf *m);
void tcprx_negotiate_options(struct tcprx_conn *conn, const struct tcprx_seg *seg);

/* tcprx_reass.c: in-order queue, out-of-order records, SACK blocks */
bool tcprx_inq_push(struct tcprx_conn *conn, const struct devmem_mbuf_span *p);
bool tcprx_inq_pop(struct tcprx_conn *conn, struct devmem_mbuf_span *p);
void tcprx_ooo_insert(struct tcprx_conn *conn, uint32_t seq, struct devmem_mbuf_span *p);
void tcprx_ooo_pull(struct tcprx_conn *conn);
unsigned int tcprx_sack_blocks(const struct tcprx_conn *conn, uint32_t (*blocks)[2],
			       unsigned int max);
void tcprx_dsack_note(struct tcprx_conn *conn, uint32_t left, uint32_t right);
void tcprx_conn_drop_data(struct tcprx_conn *conn);
void tcprx_piece_free(struct devmem_mbuf_span *p);

/* tcprx_window.c: the advertised window, from the chunks the connection may still take */
uint32_t tcprx_chunks_held(const struct tcprx_conn *conn);
enum tcprx_admit {
	TCPRX_ADMIT_OOO,        /* out of order */
	TCPRX_ADMIT_IN_ORDER,   /* at RCV.NXT */
	TCPRX_ADMIT_TO_EDGE,    /* at RCV.NXT, filling the window to its right edge */
};
bool tcprx_chunks_admit(struct tcprx_conn *conn, unsigned int pieces, enum tcprx_admit kind);
void tcprx_window_init(struct tcprx_conn *conn, uint16_t rcv_mss, uint16_t peer_mss);
uint8_t tcprx_rcv_wscale(const struct tcprx *rx, uint16_t rcv_mss);
uint16_t tcprx_window_field(struct tcprx_conn *conn);
uint16_t tcprx_window_synack(struct tcprx_conn *conn);
uint32_t tcprx_window_now(const struct tcprx_conn *conn);
void tcprx_window_updates(struct tcprx *rx);
void tcprx_window_untrack(struct tcprx_conn *conn);

/* tcprx_output.c: the frames we send */
void tcprx_send_ack(struct tcprx_conn *conn);
void tcprx_send_synack(struct tcprx_conn *conn);
void tcprx_send_fin(struct tcprx_conn *conn);
void tcprx_send_rst_conn(struct tcprx_conn *conn);
void tcprx_send_rst_reply(struct tcprx *rx, const struct tcprx_seg *seg);
void tcprx_send_arp_reply(struct tcprx *rx, const struct rte_mbuf *req,
			  const struct tcprx_seg *seg);
void tcprx_send_nd_advert(struct tcprx *rx, const struct rte_mbuf *ns, const struct tcprx_seg *seg);
void tcprx_tx_flush(struct tcprx *rx);

/* tcprx_acktmpl.c: pure ACKs from a per-connection template */
void tcprx_ack_from_template(struct tcprx_conn *conn, struct rte_mbuf *m, uint16_t wnd,
			     uint32_t tsval);
void tcprx_tx_spares_free(struct tcprx *rx);

/* tcprx_fifo.c: the readiness and delayed-ACK queues */
int tcprx_fifo_init(struct tcprx_fifo *f, uint32_t max_conns, size_t slot_off);
void tcprx_fifo_free(struct tcprx_fifo *f);
void tcprx_fifo_compact(struct tcprx_fifo *f);

static inline uint32_t *tcprx_fifo_slot(const struct tcprx_fifo *f, struct tcprx_conn *c)
{
	return (uint32_t *)((uint8_t *)c + f->slot_off);
}

/* Append c (not in f). */
static inline void tcprx_fifo_push(struct tcprx_fifo *f, struct tcprx_conn *c)
{
	if (unlikely(f->tail - f->head > f->mask))
		tcprx_fifo_compact(f); /* full: at most max_conns of it are live */
	f->entry[f->tail & f->mask] = c;
	*tcprx_fifo_slot(f, c) = f->tail++;
}

/* Take c (in f) out: its slot becomes a hole. */
static inline void tcprx_fifo_remove(struct tcprx_fifo *f, struct tcprx_conn *c)
{
	f->entry[*tcprx_fifo_slot(f, c) & f->mask] = NULL;
}

/* The oldest entry, NULL when empty; holes before it are dropped. */
static inline struct tcprx_conn *tcprx_fifo_first(struct tcprx_fifo *f)
{
	while (f->head != f->tail) {
		struct tcprx_conn *c = f->entry[f->head & f->mask];

		if (c != NULL)
			return c;
		f->head++;
	}
	return NULL;
}

/* Take out the entry tcprx_fifo_first returned. */
static inline void tcprx_fifo_pop(struct tcprx_fifo *f)
{
	f->entry[f->head++ & f->mask] = NULL;
}

/*
 * The entry in the slot after the head's, or NULL (a hole, or none): after
 * a pop, the one two places behind the entry popped, what its caller
 * prefetches, so each entry's lines are asked for two turns before its own.
 */
static inline struct tcprx_conn *tcprx_fifo_second(const struct tcprx_fifo *f)
{
	return f->tail - f->head > 1 ? f->entry[(f->head + 1) & f->mask] : NULL;
}

/* tcprx_telemetry.c: /tcprx/list and /tcprx/stats,<id> */
void tcprx_telemetry_add(struct tcprx *rx);
void tcprx_telemetry_remove(struct tcprx *rx);

/* tcprx_timer.c: delayed ACK, SYN-ACK and FIN retransmission, TIME-WAIT */
void tcprx_delack_arm(struct tcprx_conn *conn);
void tcprx_delack_cancel(struct tcprx_conn *conn);
uint64_t tcprx_now_ms(const struct tcprx *rx);
void tcprx_run_timers(struct tcprx *rx);

#endif /* HSPLIT_TCPRX_PRIVATE_H */
