/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The harness's device side: EAL and pools, the emulated header-split NIC
 * that turns frame bytes into the mbuf chains net_hsplit delivers, the
 * rx/tx/clock hooks tcprx runs on, and teardown with leak checks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "harness.h"
#include "rte_pmd_hsplit.h"

/* A virtual clock far from 0, so no code may assume time starts at zero. */
#define H_CLOCK_ORIGIN_NS 1000000000000ull
#define H_NB_MBUF 2047u

int h_eal_init(const char *name)
{
	char prefix[64];
	char *argv[] = { (char *)name, "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
			 "-l", "0", "--log-level=lib.tcprx:debug", "--log-level=lib.devmem:warning",
			 "--file-prefix", prefix };

	snprintf(prefix, sizeof(prefix), "%s_%d", name, (int)getpid());
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv);
}

static uint16_t h_rx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct harness *h = arg;
	uint16_t i;

	for (i = 0; i < n && h->rx_count > 0; i++) {
		pkts[i] = h->rxq[h->rx_head];
		h->rx_head = (h->rx_head + 1) % H_MAX_QUEUE;
		h->rx_count--;
	}
	return i;
}

static uint16_t h_tx_burst(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct harness *h = arg;
	uint16_t i;

	for (i = 0; i < n && h->tx_count < H_MAX_QUEUE; i++) {
		h->txq[(h->tx_head + h->tx_count) % H_MAX_QUEUE] = pkts[i];
		h->tx_count++;
	}
	return i;
}

static uint64_t h_clock(void *arg)
{
	const struct harness *h = arg;

	return h->now_ns;
}

static uint64_t h_linear_flag(void)
{
	static const struct rte_mbuf_dynflag desc = { .name = RTE_PMD_HSPLIT_DYNFLAG_LINEAR_NAME };
	int bit = rte_mbuf_dynflag_register(&desc);

	assert_true(bit >= 0);
	return 1ull << bit;
}

static void h_payload_pool_up(struct harness *h)
{
	struct devmem_binding_params bp = { .chunk_size = H_CHUNK };
	struct devmem_pool_params pp = {
		.ops = &devmem_dmabuf_provider_ops,
		.port_id = UINT16_MAX,
		.name = "h_payload",
	};

	assert_int_equal(devmem_dmabuf_open("memfd:size=4M,strict=1", &h->dmabuf), 0);
	assert_true(devmem_dmabuf_is_strict(h->dmabuf));
	assert_int_equal(devmem_binding_create(h->dmabuf, &bp, &h->binding), 0);
	pp.provider_priv = h->binding;
	assert_int_equal(devmem_pool_create(&pp, &h->pool), 0);
}

void h_up(struct harness *h)
{
	memset(h, 0, sizeof(*h));
	h->now_ns = H_CLOCK_ORIGIN_NS;
	h->pack = true;
	h->hdr_mp = rte_pktmbuf_pool_create("h_hdr", H_NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    SOCKET_ID_ANY);
	h->pay_mp = rte_pktmbuf_pool_create("h_pay", H_NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    SOCKET_ID_ANY);
	h->tx_mp = rte_pktmbuf_pool_create("h_tx", H_NB_MBUF, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   SOCKET_ID_ANY);
	assert_non_null(h->hdr_mp);
	assert_non_null(h->pay_mp);
	assert_non_null(h->tx_mp);
	h->linear_flag = h_linear_flag();
	h_payload_pool_up(h);
	h->mac = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, 0x01 } };
	assert_int_equal(tcprx_addr_parse("192.0.2.1", &h->ip4), 0);
	assert_int_equal(tcprx_addr_parse("fd00::1", &h->ip6), 0);
}

void h_config(struct harness *h, struct tcprx_config *cfg)
{
	tcprx_config_init(cfg);
	cfg->port_id = 0;
	cfg->tx_pool = h->tx_mp;
	cfg->mac = h->mac;
	cfg->max_conns = 64;
	cfg->max_half_open = 8;
	cfg->rcv_chunks = 32;
	cfg->mss = H_MSS;
	cfg->rx_burst = h_rx_burst;
	cfg->rx_arg = h;
	cfg->tx_burst = h_tx_burst;
	cfg->tx_arg = h;
	cfg->clock = h_clock;
	cfg->clock_arg = h;
	cfg->isn_secret = 0x5eed5eed5eed5eedull;
}

void h_start(struct harness *h, const struct tcprx_config *cfg)
{
	h->cfg = *cfg;
	assert_int_equal(tcprx_create(cfg, &h->rx), 0);
	assert_int_equal(tcprx_add_address(h->rx, &h->ip4), 0);
	assert_int_equal(tcprx_add_address(h->rx, &h->ip6), 0);
	assert_int_equal(tcprx_listen(h->rx, NULL, H_PORT), 0);
}

static void h_free_queue(struct rte_mbuf **q, unsigned int *head, unsigned int *count)
{
	while (*count > 0) {
		rte_pktmbuf_free(q[*head]);
		*head = (*head + 1) % H_MAX_QUEUE;
		(*count)--;
	}
}

void h_restart(struct harness *h, const struct tcprx_config *cfg)
{
	tcprx_destroy(h->rx);
	h->rx = NULL;
	h_free_queue(h->rxq, &h->rx_head, &h->rx_count);
	h_free_queue(h->txq, &h->tx_head, &h->tx_count);
	h_start(h, cfg);
}

void h_restart_with(struct harness *h, uint32_t rcv_chunks, uint32_t delack_us)
{
	struct tcprx_config cfg;

	h_config(h, &cfg);
	cfg.rcv_chunks = rcv_chunks;
	cfg.delack_us = delack_us;
	h_restart(h, &cfg);
}

void h_up_default(struct harness *h)
{
	struct tcprx_config cfg;

	h_up(h);
	h_config(h, &cfg);
	h_start(h, &cfg);
}

void h_down(struct harness *h)
{
	if (h->rx)
		tcprx_destroy(h->rx);
	h->rx = NULL;
	h_free_queue(h->rxq, &h->rx_head, &h->rx_count);
	h_free_queue(h->txq, &h->tx_head, &h->tx_count);
	h_pool_refill(h);
	devmem_pool_frag_flush(h->pool);
	/* tcprx gave back every mbuf and chunk: nothing is left in flight. */
	assert_int_equal(rte_mempool_in_use_count(h->hdr_mp), 0);
	assert_int_equal(rte_mempool_in_use_count(h->pay_mp), 0);
	assert_int_equal(rte_mempool_in_use_count(h->tx_mp), 0);
	assert_int_equal(h_pool_in_flight(h), 0);
	devmem_pool_destroy(h->pool);
	devmem_binding_unbind(h->binding);
	devmem_dmabuf_put(h->dmabuf);
	assert_int_equal(devmem_pool_count_zombies(), 0);
	assert_int_equal(devmem_binding_count_live(), 0);
	rte_mempool_free(h->hdr_mp);
	rte_mempool_free(h->pay_mp);
	rte_mempool_free(h->tx_mp);
}

int h_setup(void **state)
{
	struct harness *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return -1;
	h_up_default(h);
	*state = h;
	return 0;
}

int h_teardown(void **state)
{
	struct harness *h = *state;

	h_down(h);
	free(h);
	return 0;
}

/* ---- the emulated device ------------------------------------------------- */

static struct rte_mbuf *h_mbuf(struct rte_mempool *mp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

	assert_non_null(m);
	return m;
}

static void h_rx_push(struct harness *h, struct rte_mbuf *m)
{
	assert_true(h->rx_count < H_MAX_QUEUE);
	h->rxq[(h->rx_head + h->rx_count) % H_MAX_QUEUE] = m;
	h->rx_count++;
}

/* The device could not split (or had no payload buffer): copy the frame to host mbufs. */
static uint64_t h_deliver_linear(struct harness *h, struct rte_mbuf *m, const uint8_t *frame,
				 size_t len, uint32_t hdr_len)
{
	uint32_t first = (uint32_t)RTE_MIN(len, (size_t)rte_pktmbuf_tailroom(m));
	uint64_t where;

	memcpy(rte_pktmbuf_mtod(m, uint8_t *), frame, first);
	m->data_len = (uint16_t)first;
	m->pkt_len = (uint32_t)len;
	where = (uintptr_t)rte_pktmbuf_mtod_offset(m, uint8_t *, hdr_len);
	if (len > first) {
		struct rte_mbuf *pay = h_mbuf(h->pay_mp);

		assert_true(len - first <= rte_pktmbuf_tailroom(pay));
		memcpy(rte_pktmbuf_mtod(pay, uint8_t *), frame + first, len - first);
		pay->data_len = (uint16_t)(len - first);
		pay->pkt_len = pay->data_len;
		m->next = pay;
		m->nb_segs = 2;
		if (hdr_len >= first)
			where = (uintptr_t)rte_pktmbuf_mtod_offset(pay, uint8_t *, hdr_len - first);
	}
	m->ol_flags |= h->linear_flag;
	return where;
}

/* A device chunk (or a fragment of one when packing) for `len` payload bytes, or 0. */
static devmem_ref h_payload_buffer(struct harness *h, uint32_t len, uint32_t *off)
{
	*off = 0;
	if (h->pack)
		return devmem_pool_alloc_frag(h->pool, len, off);
	return len <= H_CHUNK ? devmem_pool_alloc(h->pool) : 0;
}

/* Payload into device memory through the device view; the mbuf takes the reference. */
static uint64_t h_deliver_split(struct rte_mbuf *m, struct rte_mbuf *pay, struct harness *h,
				devmem_ref ref, uint32_t off, const uint8_t *payload, uint32_t len)
{
	assert_int_equal(devmem_dmabuf_sync_begin(h->dmabuf, DEVMEM_SYNC_WRITE), 0);
	memcpy((uint8_t *)devmem_ref_device_addr(ref) + off, payload, len);
	assert_int_equal(devmem_dmabuf_sync_end(h->dmabuf, DEVMEM_SYNC_WRITE), 0);
	assert_int_equal(devmem_mbuf_attach(pay, ref, off, len), 0);
	m->next = pay;
	m->nb_segs = 2;
	m->pkt_len += len;
	return devmem_ref_offset(ref) + off;
}

uint64_t h_queue_bytes(struct harness *h, const uint8_t *frame, size_t len, uint32_t hdr_len,
		       uint64_t ol_flags, uint32_t ptype, bool linear, bool *went_linear)
{
	struct rte_mbuf *m = h_mbuf(h->hdr_mp);
	uint32_t pay_len = len > hdr_len ? (uint32_t)(len - hdr_len) : 0, off = 0;
	devmem_ref ref = 0;
	uint64_t where = 0;

	m->packet_type = ptype;
	m->ol_flags = ol_flags;
	if (!linear && pay_len > 0)
		ref = h_payload_buffer(h, pay_len, &off);
	if (linear || hdr_len == 0 || (pay_len > 0 && ref == 0)) {
		where = h_deliver_linear(h, m, frame, len, hdr_len);
		linear = true;
	} else {
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), frame, hdr_len);
		m->data_len = (uint16_t)hdr_len;
		m->pkt_len = hdr_len;
		if (pay_len > 0)
			where = h_deliver_split(m, h_mbuf(h->pay_mp), h, ref, off, frame + hdr_len,
						pay_len);
	}
	if (went_linear)
		*went_linear = linear;
	h_rx_push(h, m);
	return where;
}

struct rte_mbuf *h_rx_last(struct harness *h)
{
	assert_true(h->rx_count > 0);
	return h->rxq[(h->rx_head + h->rx_count - 1) % H_MAX_QUEUE];
}

void h_pool_drain(struct harness *h)
{
	devmem_ref ref;

	devmem_pool_frag_flush(h->pool);
	while ((ref = devmem_pool_alloc(h->pool)) != 0) {
		assert_true(h->nb_hoard < H_MAX_HOARD);
		h->hoard[h->nb_hoard++] = ref;
	}
}

void h_pool_refill(struct harness *h)
{
	while (h->nb_hoard > 0)
		devmem_pool_put(h->pool, h->hoard[--h->nb_hoard]);
}

uint32_t h_pool_in_flight(struct harness *h)
{
	struct devmem_pool_stats st;

	devmem_pool_frag_flush(h->pool);
	devmem_pool_get_stats(h->pool, &st);
	return st.in_flight;
}

/* ---- driving tcprx --------------------------------------------------------- */

int h_poll(struct harness *h)
{
	int total = 0, rc;

	do {
		rc = tcprx_poll(h->rx, 64);
		assert_true(rc >= 0);
		total += rc;
	} while (h->rx_count > 0 && rc > 0);
	assert_int_equal(h->rx_count, 0);
	return total;
}

void h_advance_us(struct harness *h, uint64_t us)
{
	h->now_ns += us * 1000u;
	h_poll(h);
}

void h_advance_ms(struct harness *h, uint64_t ms)
{
	h_advance_us(h, ms * 1000u);
}

int64_t h_wait_frame_ms(struct harness *h, uint64_t max_ms)
{
	uint64_t ms;

	for (ms = 0; ms <= max_ms; ms++) {
		if (ms > 0)
			h_advance_ms(h, 1);
		if (h->tx_count > 0)
			return (int64_t)ms;
	}
	return -1;
}

unsigned int h_tx_pending(const struct harness *h)
{
	return h->tx_count;
}

struct rte_mbuf *h_tx_pop(struct harness *h)
{
	struct rte_mbuf *m;

	if (h->tx_count == 0)
		return NULL;
	m = h->txq[h->tx_head];
	h->tx_head = (h->tx_head + 1) % H_MAX_QUEUE;
	h->tx_count--;
	return m;
}

struct tcprx_stats h_stats(const struct harness *h)
{
	struct tcprx_stats st;

	assert_int_equal(tcprx_stats(h->rx, &st), 0);
	return st;
}

struct tcprx_conn_stats h_cstats(const struct h_peer *p)
{
	struct tcprx_conn_stats st;

	assert_non_null(p->conn);
	assert_int_equal(tcprx_conn_stats(p->conn, &st), 0);
	return st;
}

struct tcprx_conn_info h_info(const struct h_peer *p)
{
	struct tcprx_conn_info info;

	assert_non_null(p->conn);
	assert_int_equal(tcprx_conn_info(p->conn, &info), 0);
	return info;
}
