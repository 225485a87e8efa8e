/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb_kdev: tcp-data-split and bind-rx over generic netlink (hsb_kdev.h).
 */
#include "hsb_kdev.h"
#include "hnl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>

/* include/uapi/linux/ethtool_netlink_generated.h (7.x numbering, unchanged since 6.0) */
#define ETHTOOL_MSG_RINGS_SET_ 16

int kdev_nl_open(struct kdev_nl *nl)
{
	struct hnl_genl_family f;
	int rc;

	memset(nl, 0, sizeof(*nl));
	nl->fd = hnl_socket(NETLINK_GENERIC);
	if (nl->fd < 0)
		return nl->fd;
	rc = hnl_genl_family(nl->fd, "netdev", &f);
	nl->netdev = rc < 0 ? rc : f.id;
	if (rc == 0)
		memcpy(nl->netdev_ops, f.ops, sizeof(nl->netdev_ops));
	rc = hnl_genl_family(nl->fd, "ethtool", &f);
	nl->ethtool = rc < 0 ? rc : f.id;
	return 0;
}

void kdev_nl_close(struct kdev_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

int kdev_has_bind_rx(const struct kdev_nl *nl)
{
	struct hnl_genl_family f = { .id = 0 };

	if (nl->netdev < 0)
		return 0;
	memcpy(f.ops, nl->netdev_ops, sizeof(f.ops));
	return hnl_genl_has_op(&f, NETDEV_CMD_BIND_RX_);
}

static void rings_reply(const struct nlmsghdr *h, void *arg)
{
	int *split = arg;
	size_t len;
	const void *attrs = hnl_genl_attrs(h, &len);
	const struct nlattr *a = hnl_attr_find(attrs, len, ETHTOOL_A_RINGS_TCP_DATA_SPLIT);

	if (a && hnl_attr_len(a) >= 1)
		*split = *(const uint8_t *)hnl_attr_data(a);
}

static void rings_start(struct hnl_msg *m, const struct kdev_nl *nl, uint8_t cmd, int ifindex)
{
	struct nlattr *hdr;

	hnl_genl_start(m, (uint16_t)nl->ethtool, cmd);
	hdr = hnl_nest(m, ETHTOOL_A_RINGS_HEADER);
	hnl_put_u32(m, ETHTOOL_A_HEADER_DEV_INDEX, (uint32_t)ifindex);
	hnl_nest_end(m, hdr);
}

int kdev_split_get(struct kdev_nl *nl, int ifindex, int *split, char *why, size_t whylen)
{
	struct hnl_msg m;

	*split = -1;
	if (why && whylen)
		why[0] = '\0';
	if (nl->ethtool < 0)
		return nl->ethtool;
	rings_start(&m, nl, ETHTOOL_MSG_RINGS_GET, ifindex);
	return hnl_call(nl->fd, &m, rings_reply, split, why, whylen);
}

int kdev_split_set(struct kdev_nl *nl, int ifindex, int split, char *why, size_t whylen)
{
	uint8_t mode = (uint8_t)split;
	struct hnl_msg m;

	if (why && whylen)
		why[0] = '\0';
	if (nl->ethtool < 0)
		return nl->ethtool;
	rings_start(&m, nl, ETHTOOL_MSG_RINGS_SET_, ifindex);
	hnl_put(&m, ETHTOOL_A_RINGS_TCP_DATA_SPLIT, &mode, 1);
	return hnl_call(nl->fd, &m, NULL, NULL, why, whylen);
}

int kdev_bind_rx(struct kdev_nl *nl, int ifindex, uint32_t queue, int dmabuf_fd, uint32_t *id,
		 char *why, size_t whylen)
{
	struct hnl_u32 reply = { .type = NETDEV_A_DMABUF_ID_ };
	struct nlattr *q;
	struct hnl_msg m;
	int rc;

	if (why && whylen)
		why[0] = '\0';
	if (nl->netdev < 0)
		return nl->netdev;
	hnl_genl_start(&m, (uint16_t)nl->netdev, NETDEV_CMD_BIND_RX_);
	hnl_put_u32(&m, NETDEV_A_DMABUF_IFINDEX_, (uint32_t)ifindex);
	hnl_put_u32(&m, NETDEV_A_DMABUF_FD_, (uint32_t)dmabuf_fd);
	q = hnl_nest(&m, NETDEV_A_DMABUF_QUEUES_);
	hnl_put_u32(&m, NETDEV_A_QUEUE_ID_, queue);
	hnl_put_u32(&m, NETDEV_A_QUEUE_TYPE_, NETDEV_QUEUE_TYPE_RX_);
	hnl_nest_end(&m, q);
	rc = hnl_call(nl->fd, &m, hnl_reply_u32, &reply, why, whylen);
	*id = reply.found ? reply.value : 0;
	return rc;
}

void kdev_errno_detail(char *d, size_t len, int err, const char *extack, const char *note)
{
	int n = snprintf(d, len, "%s (errno %d)", strerror(err), err);

	if (extack && extack[0] && n >= 0 && (size_t)n < len)
		n += snprintf(d + n, len - (size_t)n, "; extack: %s", extack);
	if (note && note[0] && n >= 0 && (size_t)n < len)
		snprintf(d + n, len - (size_t)n, "; %s", note);
}
