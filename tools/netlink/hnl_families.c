/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The netdev and ethtool family requests the kernel tier makes: bind-rx,
 * tcp-data-split, page-pool-get. Built on hnl.c's message helpers.
 */
#include "hnl.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int hnl_net_open(struct hnl_net *n)
{
	struct hnl_genl_family f;
	int rc;

	memset(n, 0, sizeof(*n));
	n->fd = hnl_socket(NETLINK_GENERIC);
	if (n->fd < 0) {
		rc = n->fd;
		n->fd = -1;
		return rc;
	}
	rc = hnl_genl_family(n->fd, "netdev", &f);
	n->netdev = f.id;
	if (rc == 0) {
		rc = hnl_genl_family(n->fd, "ethtool", &f);
		n->ethtool = f.id;
	}
	if (rc)
		hnl_net_close(n);
	return rc;
}

void hnl_net_close(struct hnl_net *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

int hnl_netdev_bind_rx(const struct hnl_net *n, int ifindex, uint32_t queue, int dmabuf_fd,
		       uint32_t *id, char *why, size_t whylen)
{
	struct hnl_u32 reply = { .type = HNL_NETDEV_A_DMABUF_ID };
	struct nlattr *q;
	struct hnl_msg m;
	int rc;

	hnl_genl_start(&m, n->netdev, HNL_NETDEV_CMD_BIND_RX);
	hnl_put_u32(&m, HNL_NETDEV_A_DMABUF_IFINDEX, (uint32_t)ifindex);
	hnl_put_u32(&m, HNL_NETDEV_A_DMABUF_FD, (uint32_t)dmabuf_fd);
	q = hnl_nest(&m, HNL_NETDEV_A_DMABUF_QUEUES);
	hnl_put_u32(&m, HNL_NETDEV_A_QUEUE_ID, queue);
	hnl_put_u32(&m, HNL_NETDEV_A_QUEUE_TYPE, HNL_NETDEV_QUEUE_TYPE_RX);
	hnl_nest_end(&m, q);
	rc = hnl_call(n->fd, &m, hnl_reply_u32, &reply, why, whylen);
	if (id && reply.found)
		*id = reply.value;
	return rc;
}

/* An ethtool rings request (get or set) naming ifindex in its header. */
static void rings_start(struct hnl_msg *m, const struct hnl_net *n, uint8_t cmd, int ifindex)
{
	struct nlattr *h;

	hnl_genl_start(m, n->ethtool, cmd);
	h = hnl_nest(m, HNL_ETHTOOL_A_RINGS_HEADER);
	hnl_put_u32(m, HNL_ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t)ifindex);
	hnl_nest_end(m, h);
}

int hnl_ethtool_set_data_split(const struct hnl_net *n, int ifindex, uint8_t mode, char *why,
			       size_t whylen)
{
	struct hnl_msg m;

	rings_start(&m, n, HNL_ETHTOOL_MSG_RINGS_SET, ifindex);
	hnl_put(&m, HNL_ETHTOOL_A_RINGS_TCP_DATA_SPLIT, &mode, 1);
	return hnl_call(n->fd, &m, NULL, NULL, why, whylen);
}

static void rings_reply_data_split(const struct nlmsghdr *h, void *arg)
{
	const struct nlattr *a;
	const void *attrs;
	int *mode = arg;
	size_t len;

	attrs = hnl_genl_attrs(h, &len);
	a = hnl_attr_find(attrs, len, HNL_ETHTOOL_A_RINGS_TCP_DATA_SPLIT);
	if (a && hnl_attr_len(a) >= 1)
		*mode = *(const uint8_t *)hnl_attr_data(a);
}

int hnl_ethtool_get_data_split(const struct hnl_net *n, int ifindex, int *mode, char *why,
			       size_t whylen)
{
	struct hnl_msg m;

	*mode = -1;
	rings_start(&m, n, HNL_ETHTOOL_MSG_RINGS_GET, ifindex);
	return hnl_call(n->fd, &m, rings_reply_data_split, mode, why, whylen);
}

int hnl_page_pool_dump(int fd, hnl_reply_fn fn, void *arg)
{
	struct hnl_genl_family f;
	struct hnl_msg m;
	int rc;

	rc = hnl_genl_family(fd, "netdev", &f);
	if (rc)
		return rc;
	hnl_genl_start(&m, f.id, HNL_NETDEV_CMD_PAGE_POOL_GET);
	((struct nlmsghdr *)m.data)->nlmsg_flags |= NLM_F_DUMP;
	return hnl_call(fd, &m, fn, arg, NULL, 0);
}

void hnl_page_pool_count_dmabuf(const struct nlmsghdr *h, void *arg)
{
	struct hnl_page_pools *o = arg;
	const struct nlattr *in;
	const void *attrs;
	uint64_t v = 0;
	uint32_t v32;
	size_t len;

	attrs = hnl_genl_attrs(h, &len);
	if (!hnl_attr_find(attrs, len, HNL_NETDEV_A_PAGE_POOL_DMABUF) &&
	    !hnl_attr_find(attrs, len, HNL_NETDEV_A_PAGE_POOL_DETACH_TIME))
		return;
	o->pools++;
	in = hnl_attr_find(attrs, len, HNL_NETDEV_A_PAGE_POOL_INFLIGHT);
	if (in && hnl_attr_len(in) == 8) {
		memcpy(&v, hnl_attr_data(in), 8);
	} else if (in && hnl_attr_len(in) == 4) {
		memcpy(&v32, hnl_attr_data(in), 4);
		v = v32;
	}
	o->inflight += v;
}
