/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public API: configuration, the stack's lifetime, listening and
 * accepting, polling, and the devmem-TCP-shaped receive calls
 * (recvmsg(MSG_SOCK_DEVMEM) -> tcprx_recv, SO_DEVMEM_DONTNEED -> tcprx_dontneed).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "tcprx_private.h"

#define DEFAULT_MAX_CONNS      1024u
#define DEFAULT_MAX_HALF_OPEN  128u
#define DEFAULT_RCV_CHUNKS     256u
#define MAX_FITTED_WSCALE      14u
#define DEFAULT_DELACK_US      1000u
#define MAX_DELACK_US          500000u /* RFC 9293 MUST-40 */
#define DEFAULT_SYNACK_RTO_MS  1000u   /* RFC 6298 §2.1 initial RTO */
#define DEFAULT_SYNACK_RETRIES 5u
#define DEFAULT_TIME_WAIT_MS   2000u
#define MAX_CONNS              (1u << 22)
/* RFC 9293 §3.7.1: 576 - 40 is the usual floor; 88 is the wire minimum we can split. */
#define MIN_MSS                88u

int tcprx_addr_parse(const char *text, struct tcprx_addr *addr)
{
	if (text == NULL || addr == NULL)
		return TCPRX_FAIL(EINVAL, "addr_parse: text and addr are required");
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, text, addr->bytes) == 1) {
		addr->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, addr->bytes) == 1) {
		addr->family = AF_INET6;
		return 0;
	}
	return TCPRX_FAIL(EINVAL, "'%s' is not an IPv4 or IPv6 address", text);
}

const char *tcprx_addr_format(const struct tcprx_addr *addr, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return buf;
	if (addr == NULL || inet_ntop(addr->family, addr->bytes, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

void tcprx_config_init(struct tcprx_config *cfg)
{
	if (cfg == NULL)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->wscale = 0xff;
}

static uint16_t eth_rx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	const struct tcprx *rx = arg;

	return rte_eth_rx_burst(rx->cfg.port_id, rx->cfg.rx_queue, pkts, n);
}

static uint16_t eth_tx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	const struct tcprx *rx = arg;

	return rte_eth_tx_burst(rx->cfg.port_id, rx->cfg.tx_queue, pkts, n);
}

static uint64_t tsc_clock_ns(void *arg)
{
	const struct tcprx *rx = arg;

	return (uint64_t)((double)rte_get_tsc_cycles() * rx->ns_per_cycle);
}

static int config_check(const struct tcprx_config *c)
{
	unsigned int i;
	uint16_t mtu;

	if (c->tx_pool == NULL)
		return TCPRX_FAIL(EINVAL, "create: tx_pool is required (ACKs are sent from it)");
	/* Room for the largest frame we send: a tagged IPv6 SYN-ACK with 40 option bytes. */
	if (rte_pktmbuf_data_room_size(c->tx_pool) < RTE_PKTMBUF_HEADROOM + TCPRX_TX_FRAME_MAX)
		return TCPRX_FAIL(EINVAL, "create: tx_pool %s has %u bytes of data room; frames "
				  "need %u after the %u of headroom", c->tx_pool->name,
				  rte_pktmbuf_data_room_size(c->tx_pool), TCPRX_TX_FRAME_MAX,
				  RTE_PKTMBUF_HEADROOM);
	if ((c->rx_burst == NULL || c->tx_burst == NULL) && !rte_eth_dev_is_valid_port(c->port_id))
		return TCPRX_FAIL(ENODEV, "create: port %u does not exist", c->port_id);
	if (c->max_conns > MAX_CONNS)
		return TCPRX_FAIL(EINVAL, "create: max_conns %u above %u", c->max_conns, MAX_CONNS);
	if (c->wscale != 0xff && c->wscale > 14)
		return TCPRX_FAIL(EINVAL, "create: wscale %u above 14 (RFC 7323 §2.3)", c->wscale);
	if (c->mss != 0 && c->mss < MIN_MSS)
		return TCPRX_FAIL(EINVAL, "create: mss %u below %u", c->mss, MIN_MSS);
	/* An MSS the port's MTU cannot carry: every full segment dropped, a silent stall. */
	if (c->mss != 0 && rte_eth_dev_is_valid_port(c->port_id) &&
	    rte_eth_dev_get_mtu(c->port_id, &mtu) == 0 && c->mss > mtu - 40)
		return TCPRX_FAIL(EINVAL,
				  "create: mss %u does not fit port %u's MTU %u (IPv4 allows %u); "
				  "raise the port's MTU or lower mss",
				  c->mss, c->port_id, mtu, mtu - 40);
	if (c->delack_us > MAX_DELACK_US)
		return TCPRX_FAIL(EINVAL, "create: delack_us %u above 500 ms (RFC 9293 MUST-40)",
				  c->delack_us);
	if (c->nb_vlans > TCPRX_MAX_VLANS)
		return TCPRX_FAIL(EINVAL, "create: nb_vlans %u above %u", c->nb_vlans, TCPRX_MAX_VLANS);
	for (i = 0; i < c->nb_vlans; i++)
		if (c->vlans[i] > 4094)
			return TCPRX_FAIL(EINVAL, "create: VLAN ID %u above 4094", c->vlans[i]);
	if (c->rcv_chunks > (1u << 20) || c->max_ooo > 4096)
		return TCPRX_FAIL(EINVAL,
				  "create: rcv_chunks %u (max 2^20) or max_ooo %u (max 4096) "
				  "too large",
				  c->rcv_chunks, c->max_ooo);
	return 0;
}

static uint32_t or_default(uint32_t v, uint32_t def)
{
	return v ? v : def;
}

/* cfg.vlans as a bitmap; and whether the port's TX queue inserts tags itself. */
static void config_vlans(struct tcprx *rx)
{
	struct tcprx_config *c = &rx->cfg;
	struct rte_eth_conf conf;
	unsigned int i;

	if (c->nb_vlans == 0)
		rx->vlan_ok[0] = 1; /* untagged only */
	for (i = 0; i < c->nb_vlans; i++)
		rx->vlan_ok[c->vlans[i] / 64] |= UINT64_C(1) << (c->vlans[i] % 64);
	rx->fast_untagged = (rx->vlan_ok[0] & 1) != 0; /* VLAN 0: untagged frames are ours */
	if (c->tx_burst == NULL && rte_eth_dev_conf_get(c->port_id, &conf) == 0 &&
	    (conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_VLAN_INSERT))
		c->tx_vlan_insert = true;
}

static void config_defaults(struct tcprx *rx)
{
	struct tcprx_config *c = &rx->cfg;
	uint16_t mtu = RTE_ETHER_MTU;
	bool mtu_known = false;

	c->max_conns = or_default(c->max_conns, DEFAULT_MAX_CONNS);
	c->max_half_open = or_default(c->max_half_open, DEFAULT_MAX_HALF_OPEN);
	/*
	 * With SYN cookies, half-opens may fill at most half the table: the
	 * rest stays free for the ACKs of cookies, so a flood cannot starve
	 * legitimate clients and no handshake in flight is ever given up for a
	 * cookie's. Without cookies the bound is the caller's to choose.
	 */
	if (!c->no_syncookies && c->max_half_open > c->max_conns / 2)
		c->max_half_open = RTE_MAX(c->max_conns / 2, 1u);
	c->accept_backlog = or_default(c->accept_backlog, c->max_conns);
	c->rcv_chunks = or_default(c->rcv_chunks, DEFAULT_RCV_CHUNKS);
	/* A whole window may arrive out of order behind one loss: room for all of it. */
	c->max_ooo = or_default(c->max_ooo, c->rcv_chunks);
	c->delack_us = or_default(c->delack_us, DEFAULT_DELACK_US);
	c->synack_rto_ms = or_default(c->synack_rto_ms, DEFAULT_SYNACK_RTO_MS);
	c->synack_retries = (uint8_t)or_default(c->synack_retries, DEFAULT_SYNACK_RETRIES);
	c->time_wait_ms = or_default(c->time_wait_ms, DEFAULT_TIME_WAIT_MS);
	rx->wscale_fitted = c->wscale == 0xff; /* tcprx_rcv_wscale */
	if (c->wscale == 0xff)
		c->wscale = MAX_FITTED_WSCALE;
	if (rte_eth_dev_is_valid_port(c->port_id)) {
		mtu_known = rte_eth_dev_get_mtu(c->port_id, &mtu) == 0;
		if (!mtu_known)
			mtu = RTE_ETHER_MTU;
		if (rte_is_zero_ether_addr(&c->mac))
			rte_eth_macaddr_get(c->port_id, &c->mac);
	}
	config_vlans(rx);
	rx->mss4 = c->mss ? c->mss : (uint16_t)(mtu - 40);
	/* An IPv6 header is 20 bytes longer: a given MSS shrinks to fit the port. */
	rx->mss6 = c->mss ? c->mss : (uint16_t)(mtu - 60);
	if (mtu_known && rx->mss6 > mtu - 60)
		rx->mss6 = (uint16_t)(mtu - 60);
	if (c->rx_burst == NULL) {
		c->rx_burst = eth_rx_burst;
		c->rx_arg = rx;
	}
	if (c->tx_burst == NULL) {
		c->tx_burst = eth_tx_burst;
		c->tx_arg = rx;
	}
	if (c->clock == NULL) {
		c->clock = tsc_clock_ns;
		c->clock_arg = rx;
		rx->ns_per_cycle = 1e9 / (double)rte_get_tsc_hz();
	}
}

/* The per-mbuf TSval field; registering it again (another stack) returns the same offset. */
static int tsval_field_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = TCPRX_DYNFIELD_TSVAL,
		.size = sizeof(uint64_t),
		.align = __alignof__(uint64_t),
	};
	int off = rte_mbuf_dynfield_register(&desc);

	if (off < 0)
		return TCPRX_FAIL(rte_errno, "create: no mbuf dynamic field for TSvals: %s",
				  rte_strerror(rte_errno));
	return off;
}

int tcprx_create(const struct tcprx_config *cfg, struct tcprx **out)
{
	struct tcprx *rx;
	int ret, tsval_off;

	if (cfg == NULL || out == NULL)
		return TCPRX_FAIL(EINVAL, "create: config and out are required");
	*out = NULL;
	ret = config_check(cfg);
	if (ret)
		return ret;
	tsval_off = tsval_field_register();
	if (tsval_off < 0)
		return tsval_off;
	rx = calloc(1, sizeof(*rx));
	if (rx == NULL)
		return TCPRX_FAIL(ENOMEM, "create: no memory");
	rx->cfg = *cfg;
	rx->tsval_off = tsval_off;
	config_defaults(rx);
	rx->bucket_mask = rte_align32pow2(rx->cfg.max_conns * 2) - 1;
	rx->buckets = calloc(rx->bucket_mask + 1, sizeof(*rx->buckets));
	if (rx->buckets == NULL ||
	    tcprx_fifo_init(&rx->ready, rx->cfg.max_conns,
			    offsetof(struct tcprx_conn, ready_slot)) < 0 ||
	    tcprx_fifo_init(&rx->delack, rx->cfg.max_conns,
			    offsetof(struct tcprx_conn, delack_slot)) < 0) {
		uint32_t nb = rx->cfg.max_conns;

		tcprx_fifo_free(&rx->ready);
		free(rx->buckets);
		free(rx);
		return TCPRX_FAIL(ENOMEM, "create: no memory for the tables of %u connections", nb);
	}
	/*
	 * The ring holds every chunk the budget lets a connection hold
	 * (tcprx_chunks_admit): rcv_chunks + TCPRX_CHUNK_SLACK, or beyond it the
	 * pieces of one frame taken when only out-of-order records were held and
	 * of one that fills the window to its edge, until chunks come back. So
	 * it never fills, and a record that reaches RCV.NXT moves in at once
	 * (tcprx_ooo_pull). Twice the chunks, as before, when that is more.
	 */
	rx->inq_size = rte_align32pow2(RTE_MAX(2 * (rx->cfg.rcv_chunks + rx->cfg.max_ooo),
					       rx->cfg.rcv_chunks + TCPRX_CHUNK_SLACK +
					       2 * TCPRX_MAX_PIECES));
	/*
	 * Independent keys: what one use reveals (TSvals, bucket timing) says
	 * nothing of another.
	 */
	rx->sip_key[0] = cfg->isn_secret ? cfg->isn_secret : rte_rand();
	rx->sip_key[1] = cfg->isn_secret ? ~cfg->isn_secret : rte_rand();
	tcprx_syncookie_init(rx);
	rx->ts_key[0] = rte_rand();
	rx->ts_key[1] = rte_rand();
	rx->hash_seed = rte_rand();
	TAILQ_INIT(&rx->half_open);
	TAILQ_INIT(&rx->accept_q);
	TAILQ_INIT(&rx->linger);
	TAILQ_INIT(&rx->all_conns);
	TAILQ_INIT(&rx->recheck_q);
	rx->now = rx->cfg.clock(rx->cfg.clock_arg);
	tcprx_telemetry_add(rx);
	*out = rx;
	return 0;
}

void tcprx_destroy(struct tcprx *rx)
{
	struct tcprx_conn *c;

	if (rx == NULL)
		return;
	tcprx_telemetry_remove(rx);
	while ((c = TAILQ_FIRST(&rx->all_conns)) != NULL) {
		if (c->state != TCPRX_TIME_WAIT && c->state != TCPRX_CLOSED)
			tcprx_send_rst_conn(c);
		if (c->accepted)
			c->state = TCPRX_CLOSED; /* the application's: on no list */
		c->accepted = false;
		tcprx_conn_free(c);
	}
	tcprx_tx_flush(rx);
	tcprx_tx_spares_free(rx);
	tcprx_fifo_free(&rx->delack);
	tcprx_fifo_free(&rx->ready);
	free(rx->buckets);
	free(rx);
}

int tcprx_add_address(struct tcprx *rx, const struct tcprx_addr *addr)
{
	if (rx == NULL || addr == NULL || (addr->family != AF_INET && addr->family != AF_INET6))
		return TCPRX_FAIL(EINVAL, "add_address: an IPv4 or IPv6 address is required");
	if (tcprx_is_our_addr(rx, addr))
		return TCPRX_FAIL(EEXIST, "add_address: already ours");
	if (rx->nb_addrs == TCPRX_MAX_ADDRS)
		return TCPRX_FAIL(ENOSPC, "add_address: at most %u addresses", TCPRX_MAX_ADDRS);
	rx->addrs[rx->nb_addrs++] = *addr;
	return 0;
}

static int listener_find(const struct tcprx *rx, const struct tcprx_addr *addr, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < rx->nb_listeners; i++)
		if (rx->listeners[i].port == port && rx->listeners[i].addr.family == addr->family &&
		    memcmp(rx->listeners[i].addr.bytes, addr->bytes, 16) == 0)
			return (int)i;
	return -1;
}

int tcprx_listen(struct tcprx *rx, const struct tcprx_addr *addr, uint16_t port)
{
	struct tcprx_addr any = { 0 };

	if (rx == NULL || port == 0)
		return TCPRX_FAIL(EINVAL, "listen: stack and a non-zero port are required");
	if (addr == NULL)
		addr = &any;
	if (addr->family != 0 && !tcprx_is_our_addr(rx, addr))
		return TCPRX_FAIL(EADDRNOTAVAIL,
				  "listen: not one of our addresses (tcprx_add_address)");
	if (listener_find(rx, addr, port) >= 0)
		return TCPRX_FAIL(EADDRINUSE, "listen: port %u is already listening", port);
	if (rx->nb_listeners == TCPRX_MAX_LISTENERS)
		return TCPRX_FAIL(ENOSPC, "listen: at most %u listeners", TCPRX_MAX_LISTENERS);
	rx->listeners[rx->nb_listeners].addr = *addr;
	rx->listeners[rx->nb_listeners++].port = port;
	return 0;
}

int tcprx_unlisten(struct tcprx *rx, const struct tcprx_addr *addr, uint16_t port)
{
	struct tcprx_addr any = { 0 };
	int i;

	if (rx == NULL)
		return TCPRX_FAIL(EINVAL, "unlisten: stack is required");
	i = listener_find(rx, addr ? addr : &any, port);
	if (i < 0)
		return TCPRX_FAIL(ENOENT, "unlisten: nothing listens on port %u", port);
	rx->listeners[i] = rx->listeners[--rx->nb_listeners];
	return 0;
}

struct tcprx_conn *tcprx_accept(struct tcprx *rx)
{
	struct tcprx_conn *c;

	if (rx == NULL || (c = TAILQ_FIRST(&rx->accept_q)) == NULL)
		return NULL;
	TAILQ_REMOVE(&rx->accept_q, c, list);
	rx->nb_backlog--;
	c->accepted = true;
	if (c->inq_count || c->fin_received || c->reset)
		tcprx_ready_note(c); /* it arrived before the application took the connection */
	return c;
}

int tcprx_input_burst(struct tcprx *rx, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	if (rx == NULL || (pkts == NULL && n)) {
		if (pkts)
			rte_pktmbuf_free_bulk(pkts, n);
		return TCPRX_FAIL(EINVAL, "input_burst: stack and frames are required");
	}
	rx->now = rx->cfg.clock(rx->cfg.clock_arg);
	for (i = 0; i < n; i++)
		tcprx_input_frame(rx, pkts[i]);
	tcprx_fast_acks_flush(rx);
	tcprx_tx_flush(rx);
	return n;
}

/*
 * With many connections, look three frames ahead: while frame i is
 * processed, the bucket of frame i + 3, the connection of frame i + 2 and
 * the in-order ring slot of frame i + 1 are fetched (tcprx_fast.c), each
 * stage reading what the one before brought in. A few connections stay in
 * cache anyway.
 */
static void input_with_lookahead(struct tcprx *rx, struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t ahead[64];
	uint16_t i;

	for (i = 0; i < n && i < 3; i++)
		ahead[i] = tcprx_fast_bucket_prefetch(rx, pkts[i]);
	for (i = 0; i < n && i < 2; i++)
		tcprx_fast_conn_prefetch(rx, ahead[i]);
	for (i = 0; i < n; i++) {
		if (i + 3 < n)
			ahead[i + 3] = tcprx_fast_bucket_prefetch(rx, pkts[i + 3]);
		if (i + 2 < n)
			tcprx_fast_conn_prefetch(rx, ahead[i + 2]);
		if (i + 1 < n)
			tcprx_fast_ring_prefetch(rx, ahead[i + 1]);
		rx->lookahead_bucket = ahead[i];
		tcprx_input_frame(rx, pkts[i]);
	}
	rx->lookahead_bucket = 0;
}

/* One clock read and one flush a round: both are per-poll costs on the fast path. */
int tcprx_poll(struct tcprx *rx, uint16_t burst)
{
	struct rte_mbuf *pkts[64];
	uint16_t n, i;

	if (rx == NULL)
		return TCPRX_FAIL(EINVAL, "poll: stack is required");
	n = rx->cfg.rx_burst(rx->cfg.rx_arg, pkts,
			     RTE_MIN(burst ? burst : 32, (uint16_t)RTE_DIM(pkts)));
	rx->now = rx->cfg.clock(rx->cfg.clock_arg);
	if (rx->nb_conns >= TCPRX_PREFETCH_CONNS) {
		input_with_lookahead(rx, pkts, n);
	} else {
		for (i = 0; i < n; i++)
			tcprx_input_frame(rx, pkts[i]);
	}
	tcprx_fast_acks_flush(rx);
	tcprx_run_timers(rx);
	tcprx_tx_flush(rx);
	return n;
}

/* The TSval a piece's segment carried (read before the token table takes the mbuf). */
static struct tcprx_tsval piece_tsval(const struct tcprx_conn *c, struct rte_mbuf *m)
{
	uint64_t v = *tcprx_mbuf_tsval(c->rx, m);

	return (struct tcprx_tsval){
		.val = (uint32_t)v,
		.present = (v & TCPRX_TSVAL_PRESENT) != 0,
	};
}

/*
 * Lend the first n pieces of the in-order queue (n <= inq_count, none past
 * the ring's end) under tokens: the ring's slots are the spans the token
 * table is given. How many were lent (the caller counts them in
 * tokens_out), or the grant's error.
 */
static int recv_run(struct tcprx_conn *c, struct devmem_frag *frags, struct tcprx_tsval *ts,
		    unsigned int n)
{
	const struct devmem_mbuf_span *run = &c->inq[c->inq_head];
	uint64_t bytes = 0;
	unsigned int i;
	int got;

	for (i = 0; ts != NULL && i < n; i++)
		ts[i] = piece_tsval(c, run[i].m);
	got = devmem_token_grant_mbufs(c->tokens, run, n, frags);
	if (got <= 0)
		return got;
	for (i = 0; i < (unsigned int)got; i++)
		bytes += run[i].len;
	c->bytes_delivered += bytes;
	c->inq_head = (c->inq_head + (uint32_t)got) & c->inq_mask;
	c->inq_count -= (uint32_t)got;
	return got;
}

/* tcprx_recv and tcprx_recv_tsval: ts NULL for the former. */
static int recv_frags(struct tcprx_conn *c, struct devmem_frag *frags, struct tcprx_tsval *ts,
		      unsigned int n)
{
	unsigned int got = 0;

	if (c == NULL || frags == NULL || n == 0 || !c->accepted)
		return TCPRX_FAIL(EINVAL,
				  "recv: an accepted connection and room for fragments "
				  "are required");
	/* One run, or two when the queue wraps round the ring's end. */
	while (got < n && c->inq_count) {
		unsigned int ask = RTE_MIN(RTE_MIN(n - got, c->inq_count),
					   c->inq_mask + 1 - c->inq_head);
		int k = recv_run(c, frags + got, ts ? ts + got : NULL, ask);

		if (k > 0)
			got += (unsigned int)k;
		if (k < (int)ask)
			break; /* every token is lent out, or the grant failed */
	}
	if (got) {
		/* one atomic add per call: tcprx_dontneed on another thread subtracts */
		atomic_fetch_add_explicit(&c->tokens_out, got, memory_order_relaxed);
		c->tokens_granted += got;
		return (int)got;
	}
	if (c->inq_count)
		return -ENOBUFS; /* every token is lent out: return some first */
	if (c->reset)
		return -ECONNRESET;
	return c->fin_received ? 0 : -EAGAIN;
}

int tcprx_recv(struct tcprx_conn *c, struct devmem_frag *frags, unsigned int n)
{
	return recv_frags(c, frags, NULL, n);
}

int tcprx_recv_tsval(struct tcprx_conn *c, struct devmem_frag *frags, struct tcprx_tsval *ts,
		     unsigned int n)
{
	if (ts == NULL)
		return TCPRX_FAIL(EINVAL, "recv_tsval: room for the TSvals is required");
	return recv_frags(c, frags, ts, n);
}

int tcprx_dontneed(struct tcprx_conn *c, const struct devmem_token_range *ranges,
		   unsigned int nb_ranges)
{
	int freed;

	if (c == NULL || c->tokens == NULL)
		return TCPRX_FAIL(EINVAL, "dontneed: an accepted connection is required");
	freed = devmem_dontneed(c->tokens, ranges, nb_ranges);
	if (freed > 0) {
		atomic_fetch_sub_explicit(&c->tokens_out, (uint32_t)freed, memory_order_relaxed);
		atomic_fetch_add_explicit(&c->tokens_returned, (uint64_t)freed,
					  memory_order_relaxed);
		/* the poll looks at this connection's window again */
		tcprx_returned_push(c);
	}
	return freed;
}

/* Release what the application held: tokens, and data it never read. */
static void release_app_side(struct tcprx_conn *c)
{
	tcprx_ready_forget(c);
	tcprx_returned_forget(c);
	devmem_token_table_destroy(c->tokens);
	c->tokens = NULL;
	atomic_store(&c->tokens_out, 0);
	tcprx_conn_drop_data(c);
	tcprx_delack_cancel(c);
	tcprx_window_untrack(c);
	c->accepted = false;
}

int tcprx_close(struct tcprx_conn *c)
{
	struct tcprx *rx;

	if (c == NULL || !c->accepted)
		return TCPRX_FAIL(EINVAL, "close: not an accepted connection");
	rx = c->rx;
	release_app_side(c);
	if (c->state == TCPRX_CLOSE_WAIT) {
		/* RFC 9293 §3.10.4: CLOSE in CLOSE-WAIT sends our FIN, then LAST-ACK. */
		tcprx_send_fin(c);
		c->snd_nxt++;
		c->state = TCPRX_LAST_ACK;
		c->retries = 0;
		c->timer_due = rx->now + (uint64_t)rx->cfg.synack_rto_ms * 1000000;
		TAILQ_INSERT_TAIL(&rx->linger, c, list);
		return 0;
	}
	/* Data may still come: abort, as Linux does with unread data. */
	if (c->state == TCPRX_ESTABLISHED)
		tcprx_send_rst_conn(c);
	c->state = TCPRX_CLOSED;
	tcprx_conn_free(c);
	return 0;
}

const char *tcprx_state_name(enum tcprx_state s)
{
	static const char *const names[] = {
		[TCPRX_CLOSED] = "CLOSED", [TCPRX_LISTEN] = "LISTEN",
		[TCPRX_SYN_RECEIVED] = "SYN-RECEIVED", [TCPRX_ESTABLISHED] = "ESTABLISHED",
		[TCPRX_CLOSE_WAIT] = "CLOSE-WAIT", [TCPRX_LAST_ACK] = "LAST-ACK",
		[TCPRX_TIME_WAIT] = "TIME-WAIT",
	};

	return (unsigned int)s < RTE_DIM(names) ? names[s] : "?";
}

int tcprx_conn_info(const struct tcprx_conn *c, struct tcprx_conn_info *info)
{
	struct devmem_token_stats ts;

	if (c == NULL || info == NULL)
		return TCPRX_FAIL(EINVAL, "conn_info: connection and info are required");
	devmem_token_get_stats(c->tokens, &ts);
	*info = (struct tcprx_conn_info){
		.state = c->state, .local = c->local, .remote = c->remote,
		.local_port = c->local_port, .remote_port = c->remote_port,
		.irs = c->irs, .rcv_nxt = c->rcv_nxt, .rcv_wnd = tcprx_window_now(c),
		.peer_mss = c->peer_mss, .snd_wscale = c->snd_wscale, .rcv_wscale = c->rcv_wscale,
		.ts_ok = c->ts_ok, .sack_ok = c->sack_ok,
		.chunks_held = tcprx_chunks_held(c), .tokens_held = ts.held,
	};
	return 0;
}

int tcprx_conn_stats(const struct tcprx_conn *c, struct tcprx_conn_stats *st)
{
	struct devmem_token_stats ts;

	if (c == NULL || st == NULL)
		return TCPRX_FAIL(EINVAL, "conn_stats: connection and stats are required");
	devmem_token_get_stats(c->tokens, &ts);
	*st = c->st;
	st->segs_in += c->fast_segs_in;
	st->bytes_in_order += c->fast_bytes_in_order;
	st->bytes_delivered = c->bytes_delivered;
	st->tokens_granted = c->tokens_granted;
	st->acks_out = c->acks_out;
	st->tokens_returned = atomic_load_explicit(&c->tokens_returned, memory_order_relaxed);
	st->token_bad_returns = ts.bad_returns;
	return 0;
}

void tcprx_conn_set_user(struct tcprx_conn *c, void *user)
{
	if (c)
		c->user = user;
}

void *tcprx_conn_user(const struct tcprx_conn *c)
{
	return c ? c->user : NULL;
}

int tcprx_stats(const struct tcprx *rx, struct tcprx_stats *st)
{
	if (rx == NULL || st == NULL)
		return TCPRX_FAIL(EINVAL, "stats: stack and stats are required");
	*st = rx->st;
	st->conns = rx->nb_conns;
	st->fast_path = rx->fast_segs;
	st->half_open = rx->nb_half_open;
	return 0;
}
