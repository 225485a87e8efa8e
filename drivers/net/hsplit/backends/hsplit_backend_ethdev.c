/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backend=ethdev,port=NAME: another DPDK port is net_hsplit's wire.
 *
 * Any ethdev works: net_ring, net_tap, net_af_packet, net_pcap, a real NIC.
 * net_hsplit takes the port over at probe (rte_eth_dev_owner_set, so
 * RTE_ETH_FOREACH_DEV in the application, testpmd included, skips it),
 * configures one queue pair on it at start, and closes it when the
 * net_hsplit port closes. Receive: rte_eth_rx_burst, each frame handed to
 * the device as it lies in its mbuf (a multi-segment one linearised into a
 * staging slot first); the mbufs go back at rx_done. Transmit: each frame
 * copied into an mbuf and sent with rte_eth_tx_burst. Link and MAC are the
 * port's. The port must be probed before the net_hsplit port that names it
 * (list its --vdev first).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_string_fns.h>

#include "hsplit_backends.h"
#include "hsplit_log.h"

#define ED_BURST     32u
#define ED_RING      512u
#define ED_MBUFS     (2 * ED_RING + 4 * ED_BURST)
#define ED_DATA_ROOM (HSPLIT_MAX_FRAME + RTE_PKTMBUF_HEADROOM)

struct ethdev_conf {
	char port[RTE_ETH_NAME_MAX_LEN];
};

struct ethdev_backend {
	struct hsplit_backend base;
	uint16_t port_id;
	uint64_t owner_id;
	bool started;
	struct rte_mempool *mp;             /* the wire port's rx buffers and our tx copies */
	struct rte_mbuf *held[ED_BURST];    /* handed to the device until rx_done */
	unsigned int nb_held;
	uint8_t *stage;                     /* ED_BURST linear copies of multi-segment frames */
	/* counters (xstats backend_ethdev_*) */
	uint64_t rx_linearised, rx_oversize, tx_nombuf, tx_full;
};

static struct ethdev_backend *ed_of(struct hsplit_backend *be)
{
	return container_of(be, struct ethdev_backend, base);
}

static int on_port(const char *v, void *c)
{
	struct ethdev_conf *conf = c;

	return hsplit_arg_string(v, conf->port, sizeof(conf->port));
}

static const struct hsplit_backend_arg ethdev_args[] = {
	{ "port", on_port, "the name of a probed DPDK port, e.g. net_ring0 or 0000:01:00.0" },
};

static const char *const ethdev_keys[] = { "port", NULL };

static void ed_close(struct hsplit_backend *be)
{
	struct ethdev_backend *eb = ed_of(be);

	if (eb->nb_held)
		rte_pktmbuf_free_bulk(eb->held, eb->nb_held);
	if (eb->owner_id != 0) {
		if (eb->started)
			rte_eth_dev_stop(eb->port_id);
		/* Ours since probe: close it, so its queues let go of our mbufs. */
		rte_eth_dev_close(eb->port_id);
		rte_eth_dev_owner_delete(eb->owner_id);
	}
	rte_mempool_free(eb->mp);
	rte_free(eb->stage);
	rte_free(eb);
}

static int take_port(struct ethdev_backend *eb, const char *name)
{
	const char *self = eb->base.port_name;
	struct rte_eth_dev_owner owner = { 0 };
	int ret;

	ret = rte_eth_dev_get_port_by_name(name, &eb->port_id);
	if (ret < 0) {
		HSPLIT_LOG(ERR, "%s: port=%s: no such DPDK port (list its --vdev or -a before "
			   "net_hsplit's)", self, name);
		return -ENODEV;
	}
	if (strcmp(name, self) == 0) {
		HSPLIT_LOG(ERR, "%s: port=%s names the port itself", self, name);
		return -EINVAL;
	}
	ret = rte_eth_dev_owner_new(&eb->owner_id);
	if (ret == 0) {
		owner.id = eb->owner_id;
		snprintf(owner.name, sizeof(owner.name), "%s", self);
		ret = rte_eth_dev_owner_set(eb->port_id, &owner);
	}
	if (ret < 0) {
		HSPLIT_LOG(ERR, "%s: port=%s: cannot take the port over (already owned?): %s",
			   self, name, rte_strerror(-ret));
		if (eb->owner_id != 0)
			rte_eth_dev_owner_delete(eb->owner_id);
		eb->owner_id = 0;
		return ret;
	}
	return 0;
}

static int ed_args_check(const struct hsplit_backend_params *params)
{
	struct ethdev_conf conf = { "" };

	return hsplit_backend_args_parse(params, &hsplit_backend_ethdev_ops, ethdev_args,
					 RTE_DIM(ethdev_args), &conf);
}

static int ed_open(const struct hsplit_backend_params *params, struct hsplit_backend **out)
{
	struct ethdev_conf conf = { "" };
	struct ethdev_backend *eb;
	char name[RTE_MEMPOOL_NAMESIZE];
	int ret;

	ret = hsplit_backend_args_parse(params, &hsplit_backend_ethdev_ops, ethdev_args,
					RTE_DIM(ethdev_args), &conf);
	if (ret < 0)
		return ret;
	if (conf.port[0] == '\0') {
		HSPLIT_LOG(ERR, "%s: backend=ethdev needs port=<DPDK port name>",
			   params->port_name);
		return -EINVAL;
	}
	eb = rte_zmalloc("hsplit_ethdev", sizeof(*eb), RTE_CACHE_LINE_SIZE);
	if (eb == NULL)
		return -ENOMEM;
	eb->base.ops = &hsplit_backend_ethdev_ops;
	strlcpy(eb->base.port_name, params->port_name, sizeof(eb->base.port_name));
	ret = take_port(eb, conf.port);
	if (ret == 0) {
		snprintf(name, sizeof(name), "hsplit_ed_%u", eb->port_id);
		eb->mp = rte_pktmbuf_pool_create(name, ED_MBUFS, ED_BURST, 0, ED_DATA_ROOM,
						 rte_eth_dev_socket_id(eb->port_id));
		eb->stage = rte_malloc("hsplit_ed_stage", (size_t)ED_BURST * HSPLIT_MAX_FRAME, 0);
		if (eb->mp == NULL || eb->stage == NULL) {
			HSPLIT_LOG(ERR, "%s: port=%s: buffers: %s", params->port_name, conf.port,
				   rte_strerror(rte_errno));
			ret = -ENOMEM;
		}
	}
	if (ret < 0) {
		ed_close(&eb->base);
		return ret;
	}
	*out = &eb->base;
	return 0;
}

static int ed_start(struct hsplit_backend *be)
{
	struct ethdev_backend *eb = ed_of(be);
	struct rte_eth_conf conf;
	int socket = rte_eth_dev_socket_id(eb->port_id);
	int ret;

	if (eb->started)
		return 0;
	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(eb->port_id, 1, 1, &conf);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(eb->port_id, 0, ED_RING, (unsigned int)socket, NULL,
					     eb->mp);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(eb->port_id, 0, ED_RING, (unsigned int)socket, NULL);
	if (ret == 0)
		ret = rte_eth_dev_start(eb->port_id);
	if (ret < 0) {
		HSPLIT_LOG(ERR, "%s: starting wire port %u: %s", be->port_name, eb->port_id,
			   rte_strerror(-ret));
		return ret;
	}
	/* net_hsplit filters by MAC itself; the wire must not filter first. */
	ret = rte_eth_promiscuous_enable(eb->port_id);
	if (ret < 0 && ret != -ENOTSUP)
		HSPLIT_LOG(WARNING, "%s: wire port %u: promiscuous mode: %s", be->port_name,
			   eb->port_id, rte_strerror(-ret));
	eb->started = true;
	return 0;
}

static void ed_stop(struct hsplit_backend *be)
{
	struct ethdev_backend *eb = ed_of(be);

	if (eb->nb_held)
		rte_pktmbuf_free_bulk(eb->held, eb->nb_held);
	eb->nb_held = 0;
	if (eb->started)
		rte_eth_dev_stop(eb->port_id);
	eb->started = false;
}

static int ed_rx_burst(struct hsplit_backend *be, struct hsplit_frame *frames, unsigned int n)
{
	struct ethdev_backend *eb = ed_of(be);
	unsigned int i, k = 0;

	if (unlikely(!eb->started))
		return 0;
	eb->nb_held = rte_eth_rx_burst(eb->port_id, 0, eb->held, (uint16_t)RTE_MIN(n, ED_BURST));
	for (i = 0; i < eb->nb_held; i++) {
		struct rte_mbuf *m = eb->held[i];
		uint8_t *slot = eb->stage + (size_t)k * HSPLIT_MAX_FRAME;

		if (m->nb_segs == 1) {
			frames[k].data = rte_pktmbuf_mtod(m, uint8_t *);
		} else if (m->pkt_len <= HSPLIT_MAX_FRAME) {
			frames[k].data = (uint8_t *)rte_pktmbuf_read(m, 0, m->pkt_len, slot);
			eb->rx_linearised++;
		} else {
			eb->rx_oversize++;
			continue;
		}
		frames[k++].len = m->pkt_len;
	}
	return (int)k;
}

static void ed_rx_done(struct hsplit_backend *be, unsigned int count)
{
	struct ethdev_backend *eb = ed_of(be);

	RTE_SET_USED(count); /* every mbuf of the burst goes back, oversize ones included */
	if (eb->nb_held)
		rte_pktmbuf_free_bulk(eb->held, eb->nb_held);
	eb->nb_held = 0;
}

static int ed_tx_burst(struct hsplit_backend *be, const struct hsplit_frame *frames,
		       unsigned int n)
{
	struct ethdev_backend *eb = ed_of(be);
	struct rte_mbuf *m[ED_BURST];
	unsigned int i;
	uint16_t sent;

	if (unlikely(!eb->started))
		return -ENETDOWN;
	n = RTE_MIN(n, ED_BURST);
	if (rte_pktmbuf_alloc_bulk(eb->mp, m, n) != 0) {
		eb->tx_nombuf++;
		return 0;
	}
	for (i = 0; i < n; i++)
		rte_memcpy(rte_pktmbuf_append(m[i], (uint16_t)frames[i].len), frames[i].data,
			   frames[i].len);
	sent = rte_eth_tx_burst(eb->port_id, 0, m, (uint16_t)n);
	if (sent < n) {
		eb->tx_full++;
		rte_pktmbuf_free_bulk(&m[sent], n - sent);
	}
	return sent;
}

static bool ed_link_up(struct hsplit_backend *be)
{
	struct ethdev_backend *eb = ed_of(be);
	struct rte_eth_link link;

	if (!eb->started || rte_eth_link_get_nowait(eb->port_id, &link) < 0)
		return false;
	return link.link_status == RTE_ETH_LINK_UP;
}

static int ed_mac_addr(struct hsplit_backend *be, uint8_t mac[6])
{
	struct rte_ether_addr a;
	int ret = rte_eth_macaddr_get(ed_of(be)->port_id, &a);

	if (ret == 0)
		memcpy(mac, a.addr_bytes, RTE_ETHER_ADDR_LEN);
	return ret;
}

static int ed_xstats_get(struct hsplit_backend *be, struct hsplit_backend_xstat *xs,
			 unsigned int n)
{
	struct ethdev_backend *eb = ed_of(be);
	const struct {
		const char *name;
		uint64_t v;
	} c[] = {
		{ "ethdev_rx_linearised", eb->rx_linearised },
		{ "ethdev_rx_oversize_drops", eb->rx_oversize },
		{ "ethdev_tx_nombuf", eb->tx_nombuf },
		{ "ethdev_tx_full", eb->tx_full },
	};
	unsigned int i;

	if (n >= RTE_DIM(c))
		for (i = 0; i < RTE_DIM(c); i++) {
			strlcpy(xs[i].name, c[i].name, sizeof(xs[i].name));
			xs[i].value = c[i].v;
		}
	return (int)RTE_DIM(c);
}


const struct hsplit_backend_ops hsplit_backend_ethdev_ops = {
	.name = "ethdev",
	.keys = ethdev_keys,
	.args_check = ed_args_check,
	.open = ed_open,
	.close = ed_close,
	.start = ed_start,
	.stop = ed_stop,
	.rx_burst = ed_rx_burst,
	.rx_done = ed_rx_done,
	.tx_burst = ed_tx_burst,
	.link_up = ed_link_up,
	.mac_addr = ed_mac_addr,
	.xstats_get = ed_xstats_get,
};
