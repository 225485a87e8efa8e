/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two kernel requests a process makes before it can own a queue's
 * payload memory, as devmem TCP's users do: ethtool's rings-set
 * tcp-data-split on, then netdev's bind-rx of a dma-buf to the queue. The
 * binding lives as long as the netlink socket that made it. See
 * hsplit_kernel_bind.h.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hnl.h"
#include "hsplit_kernel_bind.h"
#include "hsplit_log.h"

/* netdev genetlink family (include/uapi/linux/netdev.h) */
#define NETDEV_CMD_BIND_RX 13
#define NETDEV_A_DMABUF_IFINDEX 1
#define NETDEV_A_DMABUF_QUEUES 2
#define NETDEV_A_DMABUF_FD 3
#define NETDEV_A_DMABUF_ID 4
#define NETDEV_A_QUEUE_ID 1
#define NETDEV_A_QUEUE_TYPE 3
#define NETDEV_QUEUE_TYPE_RX 0
/* ethtool genetlink family (include/uapi/linux/ethtool_netlink_generated.h) */
#define ETHTOOL_MSG_RINGS_SET 16
#define ETHTOOL_A_RINGS_HEADER 1
#define ETHTOOL_A_RINGS_TCP_DATA_SPLIT 11
#define ETHTOOL_A_HEADER_DEV_INDEX 1
#define ETHTOOL_TCP_DATA_SPLIT_ENABLED 2

int hsplit_kernel_bind_open(struct hsplit_kernel_bind *kb, const char *port, int ifindex)
{
	struct hnl_genl_family f;
	int ret;

	memset(kb, 0, sizeof(*kb));
	kb->ifindex = ifindex;
	kb->port = port;
	kb->fd = hnl_socket(NETLINK_GENERIC);
	if (kb->fd < 0) {
		HSPLIT_LOG(ERR, "%s: generic netlink socket: %s", port, strerror(-kb->fd));
		return kb->fd;
	}
	ret = hnl_genl_family(kb->fd, "netdev", &f);
	kb->netdev_family = f.id;
	if (ret == 0) {
		ret = hnl_genl_family(kb->fd, "ethtool", &f);
		kb->ethtool_family = f.id;
	}
	if (ret < 0) {
		HSPLIT_LOG(ERR, "%s: the netdev and ethtool genetlink families: %s", port,
			   strerror(-ret));
		hsplit_kernel_bind_close(kb);
	}
	return ret;
}

void hsplit_kernel_bind_close(struct hsplit_kernel_bind *kb)
{
	if (kb->fd >= 0)
		close(kb->fd);
	kb->fd = -1;
}

int hsplit_kernel_hds_on(struct hsplit_kernel_bind *kb)
{
	uint8_t mode = ETHTOOL_TCP_DATA_SPLIT_ENABLED;
	char why[256] = "";
	struct nlattr *h;
	struct hnl_msg m;
	int ret;

	hnl_genl_start(&m, kb->ethtool_family, ETHTOOL_MSG_RINGS_SET);
	h = hnl_nest(&m, ETHTOOL_A_RINGS_HEADER);
	hnl_put_u32(&m, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t)kb->ifindex);
	hnl_nest_end(&m, h);
	hnl_put(&m, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, &mode, 1);
	ret = hnl_call(kb->fd, &m, NULL, NULL, why, sizeof(why));
	if (ret < 0)
		HSPLIT_LOG(ERR, "%s: ethtool rings-set tcp-data-split on: %s%s%s", kb->port,
			   strerror(-ret), why[0] ? ": " : "", why);
	return ret;
}

int hsplit_kernel_bind_rx(struct hsplit_kernel_bind *kb, uint32_t queue, int dmabuf_fd)
{
	struct hnl_u32 reply = { .type = NETDEV_A_DMABUF_ID };
	char why[256] = "";
	struct nlattr *q;
	struct hnl_msg m;
	int ret;

	hnl_genl_start(&m, kb->netdev_family, NETDEV_CMD_BIND_RX);
	hnl_put_u32(&m, NETDEV_A_DMABUF_IFINDEX, (uint32_t)kb->ifindex);
	hnl_put_u32(&m, NETDEV_A_DMABUF_FD, (uint32_t)dmabuf_fd);
	q = hnl_nest(&m, NETDEV_A_DMABUF_QUEUES);
	hnl_put_u32(&m, NETDEV_A_QUEUE_ID, queue);
	hnl_put_u32(&m, NETDEV_A_QUEUE_TYPE, NETDEV_QUEUE_TYPE_RX);
	hnl_nest_end(&m, q);
	ret = hnl_call(kb->fd, &m, hnl_reply_u32, &reply, why, sizeof(why));
	if (ret < 0) {
		HSPLIT_LOG(ERR, "%s: netdev bind-rx of the dma-buf to queue %u: %s%s%s", kb->port,
			   queue, strerror(-ret), why[0] ? ": " : "", why);
		return ret;
	}
	kb->binding_id = reply.found ? reply.value : 0;
	return 0;
}
