/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two kernel requests a process makes before it can own a queue's
 * payload memory, as devmem TCP's users do: ethtool's rings-set
 * tcp-data-split on, then netdev's bind-rx of a dma-buf to the queue. The
 * messages are tools/netlink's (hnl_families.c, shared with the kernel
 * tier); this file adds the port's log lines. The binding lives as long as
 * the netlink socket that made it. See hsplit_kernel_bind.h.
 */
#include <errno.h>
#include <string.h>

#include "hsplit_kernel_bind.h"
#include "hsplit_log.h"

int hsplit_kernel_bind_open(struct hsplit_kernel_bind *kb, const char *port, int ifindex)
{
	int ret;

	memset(kb, 0, sizeof(*kb));
	kb->ifindex = ifindex;
	kb->port = port;
	ret = hnl_net_open(&kb->nl);
	if (ret < 0)
		HSPLIT_LOG(ERR, "%s: a generic netlink socket with the netdev and ethtool "
			   "families: %s", port, strerror(-ret));
	return ret;
}

void hsplit_kernel_bind_close(struct hsplit_kernel_bind *kb)
{
	hnl_net_close(&kb->nl);
}

int hsplit_kernel_hds_on(struct hsplit_kernel_bind *kb)
{
	char why[256] = "";
	int ret;

	ret = hnl_ethtool_set_data_split(&kb->nl, kb->ifindex, HNL_TCP_DATA_SPLIT_ENABLED, why,
					 sizeof(why));
	if (ret < 0)
		HSPLIT_LOG(ERR, "%s: ethtool rings-set tcp-data-split on: %s%s%s", kb->port,
			   strerror(-ret), why[0] ? ": " : "", why);
	return ret;
}

int hsplit_kernel_bind_rx(struct hsplit_kernel_bind *kb, uint32_t queue, int dmabuf_fd)
{
	char why[256] = "";
	int ret;

	kb->binding_id = 0;
	ret = hnl_netdev_bind_rx(&kb->nl, kb->ifindex, queue, dmabuf_fd, &kb->binding_id, why,
				 sizeof(why));
	if (ret < 0)
		HSPLIT_LOG(ERR, "%s: netdev bind-rx of the dma-buf to queue %u: %s%s%s", kb->port,
			   queue, strerror(-ret), why[0] ? ": " : "", why);
	return ret;
}
