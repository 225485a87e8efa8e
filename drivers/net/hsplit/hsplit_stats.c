/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Basic stats and xstats. Every drop the device or the driver makes has a
 * counter here, so `show port xstats` accounts for each frame the backend
 * delivered. Reset stores a baseline rather than writing the live counters,
 * which belong to the data path.
 */
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#include "hsplit_private.h"

enum xstat_scope { XSTAT_PORT, XSTAT_RXQ, XSTAT_TXQ, XSTAT_POOL };

struct xstat_def {
	const char *name;
	enum xstat_scope scope;
	size_t offset;
	size_t offset2;          /* port scope: a second counter added in, 0 = none */
};

#define PORT_XSTAT(n, f) { n, XSTAT_PORT, offsetof(struct hsplit_adapter, f), 0 }
#define PORT_XSTAT2(n, f, g) { n, XSTAT_PORT, offsetof(struct hsplit_adapter, f), \
			       offsetof(struct hsplit_adapter, g) }
#define RXQ_XSTAT(n, f) { n, XSTAT_RXQ, offsetof(struct hsplit_rxq, f), 0 }
#define TXQ_XSTAT(n, f) { n, XSTAT_TXQ, offsetof(struct hsplit_txq, f), 0 }
#define POOL_XSTAT(n, f) { n, XSTAT_POOL, offsetof(struct devmem_pool_stats, f), 0 }

static const struct xstat_def xstat_defs[] = {
	PORT_XSTAT("rx_backend_frames", hw.stats.rx_backend_frames),
	PORT_XSTAT("rx_malformed_drops", hw.stats.rx_malformed),
	PORT_XSTAT("rx_runt_drops", hw.stats.rx_runt),
	PORT_XSTAT("rx_csum_from_backend", hw.stats.rx_csum_backend),
	PORT_XSTAT("rx_mac_filtered_drops", hw.stats.rx_filtered_mac),
	PORT_XSTAT("rx_vlan_filtered_drops", hw.stats.rx_filtered_vlan),
	PORT_XSTAT("rx_mtu_drops", hw.stats.rx_mtu),
	PORT_XSTAT("rx_isolated_drops", hw.stats.rx_isolated_drop),
	PORT_XSTAT("rx_flow_drops", hw.stats.rx_flow_drop),
	PORT_XSTAT("rx_bad_queue_drops", hw.stats.rx_bad_queue),
	/* receive (the device) and transmit (the driver) failures of the wire, summed */
	PORT_XSTAT2("backend_errors", hw.stats.backend_errors, tx_backend_errors),
	RXQ_XSTAT("packets", hw.stats.packets),
	RXQ_XSTAT("bytes", hw.stats.bytes),
	RXQ_XSTAT("split_packets", hw.stats.split),
	RXQ_XSTAT("split_header_bytes", hw.stats.header_bytes),
	RXQ_XSTAT("linear_packets", hw.stats.linear),
	RXQ_XSTAT("devmem_payload_bytes", hw.stats.devmem_payload_bytes),
	RXQ_XSTAT("no_desc_drops", hw.stats.no_desc),
	RXQ_XSTAT("payload_pool_empty_drops", hw.stats.pool_empty_drop),
	RXQ_XSTAT("payload_pool_empty_copies", hw.stats.pool_empty_copy),
	RXQ_XSTAT("chunk_too_long_drops", hw.stats.chunk_too_long),
	RXQ_XSTAT("oversize_drops", hw.stats.oversize),
	RXQ_XSTAT("csum_bad_packets", hw.stats.csum_bad),
	RXQ_XSTAT("inbox_full_drops", hw.stats.inbox_full),
	RXQ_XSTAT("mbuf_alloc_failures", nombuf),
	RXQ_XSTAT("mbuf_attach_errors", attach_errors),
	RXQ_XSTAT("presplit_tokens_returned", presplit_tokens_returned),
	RXQ_XSTAT("presplit_chunk_errors", presplit_chunk_errors),
	RXQ_XSTAT("device_cycles", cycles.device),
	RXQ_XSTAT("driver_cycles", cycles.driver),
	RXQ_XSTAT("idle_cycles", cycles.idle),
	RXQ_XSTAT("cycle_bursts", cycles.bursts),
	POOL_XSTAT("pool_alloc_fast", alloc_fast),
	POOL_XSTAT("pool_alloc_slow", alloc_slow),
	POOL_XSTAT("pool_alloc_empty", alloc_empty),
	POOL_XSTAT("pool_recycle_cached", recycle_cached),
	POOL_XSTAT("pool_recycle_ring", recycle_ring),
	POOL_XSTAT("pool_frag_allocs", frag_allocs),
	POOL_XSTAT("pool_put_refused", put_refused),
	TXQ_XSTAT("packets", packets),
	TXQ_XSTAT("errors", errors),
};

/* Baselines for stats_reset, indexed like the xstats. */
struct hsplit_xstat_base {
	uint64_t v[RTE_DIM(xstat_defs) * HSPLIT_MAX_QUEUES + HSPLIT_BACKEND_XSTATS_MAX];
};

/* The backend's own counters (its optional xstats op), at most HSPLIT_BACKEND_XSTATS_MAX. */
static unsigned int backend_xstats(const struct rte_eth_dev *dev, struct hsplit_backend_xstat *xs)
{
	struct hsplit_backend *wire = hsplit_wire(dev->data->dev_private);
	int n;

	if (wire == NULL || wire->ops->xstats_get == NULL)
		return 0;
	n = wire->ops->xstats_get(wire, xs, HSPLIT_BACKEND_XSTATS_MAX);
	return n < 0 ? 0 : RTE_MIN((unsigned int)n, HSPLIT_BACKEND_XSTATS_MAX);
}

static unsigned int nb_rxq(const struct rte_eth_dev *dev)
{
	return RTE_MIN(dev->data->nb_rx_queues, HSPLIT_MAX_QUEUES);
}

static unsigned int nb_txq(const struct rte_eth_dev *dev)
{
	return RTE_MIN(dev->data->nb_tx_queues, HSPLIT_MAX_QUEUES);
}

static unsigned int xstat_count(const struct rte_eth_dev *dev)
{
	unsigned int i, n = 0;

	struct hsplit_backend_xstat xs[HSPLIT_BACKEND_XSTATS_MAX];

	for (i = 0; i < RTE_DIM(xstat_defs); i++)
		n += xstat_defs[i].scope == XSTAT_PORT ? 1 :
		     xstat_defs[i].scope == XSTAT_TXQ ? nb_txq(dev) : nb_rxq(dev);
	return n + backend_xstats(dev, xs);
}

static uint64_t read_u64(const void *base, size_t offset)
{
	return base ? __atomic_load_n((const uint64_t *)((const uint8_t *)base + offset),
				       __ATOMIC_RELAXED) : 0;
}

/* Calls fn(name, value) for each xstat in order; returns the count. */
static unsigned int xstat_walk(struct rte_eth_dev *dev,
			       void (*fn)(void *ctx, unsigned int id, const char *name, uint64_t v),
			       void *ctx)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	struct devmem_pool_stats pool[HSPLIT_MAX_QUEUES];
	struct hsplit_backend_xstat backend[HSPLIT_BACKEND_XSTATS_MAX];
	char name[RTE_ETH_XSTATS_NAME_SIZE];
	unsigned int i, q, id = 0, nb_backend;

	/* One snapshot per payload pool, read by each of its counters below. */
	for (q = 0; q < nb_rxq(dev); q++)
		if (ad->rxq[q] != NULL && ad->rxq[q]->pool != NULL)
			devmem_pool_get_stats(ad->rxq[q]->pool, &pool[q]);
	for (i = 0; i < RTE_DIM(xstat_defs); i++) {
		const struct xstat_def *x = &xstat_defs[i];

		if (x->scope == XSTAT_PORT) {
			fn(ctx, id++, x->name, read_u64(ad, x->offset) +
			   (x->offset2 ? read_u64(ad, x->offset2) : 0));
			continue;
		}
		for (q = 0; q < (x->scope == XSTAT_TXQ ? nb_txq(dev) : nb_rxq(dev)); q++) {
			const void *base;

			if (x->scope == XSTAT_TXQ)
				base = ad->txq[q];
			else if (x->scope == XSTAT_RXQ)
				base = ad->rxq[q];
			else
				base = ad->rxq[q] != NULL && ad->rxq[q]->pool != NULL ?
				       &pool[q] : NULL;
			snprintf(name, sizeof(name), "%s_q%u_%s",
				 x->scope == XSTAT_TXQ ? "tx" : "rx", q, x->name);
			fn(ctx, id++, name, read_u64(base, x->offset));
		}
	}
	nb_backend = backend_xstats(dev, backend);
	for (i = 0; i < nb_backend; i++) {
		snprintf(name, sizeof(name), "backend_%.47s", backend[i].name);
		fn(ctx, id++, name, backend[i].value);
	}
	return id;
}

static void put_name(void *ctx, unsigned int id, const char *name, uint64_t v)
{
	struct rte_eth_xstat_name *names = ctx;

	RTE_SET_USED(v);
	strlcpy(names[id].name, name, sizeof(names[id].name));
}

int hsplit_xstats_get_names(struct rte_eth_dev *dev, struct rte_eth_xstat_name *names,
			    unsigned int size)
{
	unsigned int n = xstat_count(dev);

	if (names == NULL || size < n)
		return (int)n;
	return (int)xstat_walk(dev, put_name, names);
}

struct value_ctx {
	struct rte_eth_xstat *xstats;
	const struct hsplit_xstat_base *base;
};

static void put_value(void *ctx, unsigned int id, const char *name, uint64_t v)
{
	struct value_ctx *c = ctx;

	RTE_SET_USED(name);
	c->xstats[id].id = id;
	c->xstats[id].value = v - (c->base ? c->base->v[id] : 0);
}

int hsplit_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xstats, unsigned int n)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	struct value_ctx c = { .xstats = xstats, .base = ad->xstat_base };
	unsigned int count = xstat_count(dev);

	if (xstats == NULL || n < count)
		return (int)count;
	return (int)xstat_walk(dev, put_value, &c);
}

static void save_base(void *ctx, unsigned int id, const char *name, uint64_t v)
{
	struct hsplit_xstat_base *b = ctx;

	RTE_SET_USED(name);
	b->v[id] = v;
}

/*
 * ethdev's meaning: imissed counts frames dropped for want of room (a
 * descriptor, a payload chunk, the inbox, a queue that is not running);
 * ierrors counts erroneous frames (runt, no Ethernet header, over the MTU,
 * longer than the buffers or a chunk). Filter and flow-rule drops are
 * neither: they are what the application asked for (xstats only).
 */
static uint64_t rxq_missed(const struct hsplit_rxq *rxq)
{
	return HSPLIT_READ(rxq->hw.stats.no_desc) + HSPLIT_READ(rxq->hw.stats.pool_empty_drop) +
	       HSPLIT_READ(rxq->hw.stats.inbox_full);
}

static uint64_t rxq_errors(const struct hsplit_rxq *rxq)
{
	return HSPLIT_READ(rxq->hw.stats.oversize) + HSPLIT_READ(rxq->hw.stats.chunk_too_long);
}

static uint64_t port_missed(const struct hsplit_adapter *ad)
{
	return HSPLIT_READ(ad->hw.stats.rx_bad_queue);
}

static uint64_t port_errors(const struct hsplit_adapter *ad)
{
	return HSPLIT_READ(ad->hw.stats.rx_malformed) + HSPLIT_READ(ad->hw.stats.rx_runt) +
	       HSPLIT_READ(ad->hw.stats.rx_mtu);
}

int hsplit_stats_get(struct rte_eth_dev *dev, HSPLIT_STATS_GET_ARGS(st, qstats))
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	hsplit_qstats_t *qs = HSPLIT_QSTATS_OF(st, qstats); /* NULL: not wanted */
	unsigned int q;

	memset(st, 0, sizeof(*st));
	if (qs != NULL)
		memset(qs, 0, sizeof(*qs));
	st->imissed = port_missed(ad) - ad->stats_base.port_missed;
	st->ierrors = port_errors(ad) - ad->stats_base.port_errors;
	for (q = 0; q < nb_rxq(dev); q++) {
		const struct hsplit_rxq *rxq = ad->rxq[q];
		uint64_t pk, by, missed;

		if (rxq == NULL)
			continue;
		pk = HSPLIT_READ(rxq->hw.stats.packets) - ad->stats_base.rx_packets[q];
		by = HSPLIT_READ(rxq->hw.stats.bytes) - ad->stats_base.rx_bytes[q];
		missed = rxq_missed(rxq) - ad->stats_base.rx_missed[q];
		st->ipackets += pk;
		st->ibytes += by;
		st->imissed += missed;
		st->ierrors += rxq_errors(rxq) - ad->stats_base.rx_errors[q];
		st->rx_nombuf += HSPLIT_READ(rxq->nombuf) - ad->stats_base.rx_nombuf[q];
		if (qs != NULL && q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			qs->q_ipackets[q] = pk;
			qs->q_ibytes[q] = by;
		}
	}
	for (q = 0; q < nb_txq(dev); q++) {
		const struct hsplit_txq *txq = ad->txq[q];
		uint64_t pk, by;

		if (txq == NULL)
			continue;
		pk = HSPLIT_READ(txq->packets) - ad->stats_base.tx_packets[q];
		by = HSPLIT_READ(txq->bytes) - ad->stats_base.tx_bytes[q];
		st->opackets += pk;
		st->obytes += by;
		st->oerrors += HSPLIT_READ(txq->errors) - ad->stats_base.tx_errors[q];
		if (qs != NULL && q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			qs->q_opackets[q] = pk;
			qs->q_obytes[q] = by;
		}
	}
	return 0;
}

int hsplit_stats_reset(struct rte_eth_dev *dev)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);
	unsigned int q;

	memset(&ad->stats_base, 0, sizeof(ad->stats_base));
	ad->stats_base.port_missed = port_missed(ad);
	ad->stats_base.port_errors = port_errors(ad);
	for (q = 0; q < nb_rxq(dev); q++) {
		const struct hsplit_rxq *rxq = ad->rxq[q];

		if (rxq == NULL)
			continue;
		ad->stats_base.rx_packets[q] = HSPLIT_READ(rxq->hw.stats.packets);
		ad->stats_base.rx_bytes[q] = HSPLIT_READ(rxq->hw.stats.bytes);
		ad->stats_base.rx_missed[q] = rxq_missed(rxq);
		ad->stats_base.rx_errors[q] = rxq_errors(rxq);
		ad->stats_base.rx_nombuf[q] = HSPLIT_READ(rxq->nombuf);
	}
	for (q = 0; q < nb_txq(dev); q++) {
		const struct hsplit_txq *txq = ad->txq[q];

		if (txq == NULL)
			continue;
		ad->stats_base.tx_packets[q] = HSPLIT_READ(txq->packets);
		ad->stats_base.tx_bytes[q] = HSPLIT_READ(txq->bytes);
		ad->stats_base.tx_errors[q] = HSPLIT_READ(txq->errors);
	}
	return 0;
}

int hsplit_xstats_reset(struct rte_eth_dev *dev)
{
	struct hsplit_adapter *ad = hsplit_adapter(dev);

	if (ad->xstat_base == NULL) {
		ad->xstat_base = rte_zmalloc("hsplit_xstat_base", sizeof(*ad->xstat_base), 0);
		if (ad->xstat_base == NULL)
			return -ENOMEM;
	}
	ad->xstat_base = memset(ad->xstat_base, 0, sizeof(*ad->xstat_base));
	xstat_walk(dev, save_base, ad->xstat_base);
	return hsplit_stats_reset(dev);
}
