/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hsb_kdev: tcp-data-split and bind-rx over generic netlink (hsb_kdev.h).
 */
#include "hsb_kdev.h"
#include "hnl.h"
#include "hsb_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>

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
	return hnl_genl_has_op(&f, HNL_NETDEV_CMD_BIND_RX);
}

/* The socket and family ids as tools/netlink's requests take them. */
static struct hnl_net as_hnl(const struct kdev_nl *nl)
{
	struct hnl_net n = { .fd = nl->fd, .netdev = (uint16_t)nl->netdev,
			     .ethtool = (uint16_t)nl->ethtool };

	return n;
}

int kdev_split_get(struct kdev_nl *nl, int ifindex, int *split, char *why, size_t whylen)
{
	struct hnl_net n = as_hnl(nl);

	*split = -1;
	if (why && whylen)
		why[0] = '\0';
	if (nl->ethtool < 0)
		return nl->ethtool;
	return hnl_ethtool_get_data_split(&n, ifindex, split, why, whylen);
}

int kdev_split_set(struct kdev_nl *nl, int ifindex, int split, char *why, size_t whylen)
{
	struct hnl_net n = as_hnl(nl);

	if (why && whylen)
		why[0] = '\0';
	if (nl->ethtool < 0)
		return nl->ethtool;
	return hnl_ethtool_set_data_split(&n, ifindex, (uint8_t)split, why, whylen);
}

int kdev_split_force_on(struct kdev_nl *nl, int ifindex, int *before, char *why, size_t whylen)
{
	int rc, split;

	*before = -1;
	if (kdev_split_get(nl, ifindex, &split, why, whylen) < 0)
		return 0;
	/*
	 * Set it always: a driver may report "enabled" while that is only its
	 * default ("unknown" when ethtool leaves the attribute out, or an
	 * "auto" it resolves to on). Put back only a setting not already on.
	 */
	rc = kdev_split_set(nl, ifindex, KDEV_SPLIT_ENABLED, why, whylen);
	if (rc == 0 && split != KDEV_SPLIT_ENABLED)
		*before = split < 0 ? KDEV_SPLIT_UNKNOWN : split;
	return rc;
}

void kdev_split_restore(int ifindex, int before, const char *who)
{
	struct kdev_nl nl;
	char why[256] = "";
	int rc = 0;

	if (before < 0 || kdev_nl_open(&nl) < 0)
		return;
	/* refused (EINVAL/EBUSY) while a provider is still bound: wait up to 3 s */
	for (int i = 0; i < 60; i++) {
		rc = kdev_split_set(&nl, ifindex, before, why, sizeof(why));
		if (rc != -EINVAL && rc != -EBUSY)
			break;
		usleep(50000);
	}
	if (rc < 0)
		hsb_log("%s: could not restore tcp-data-split: %s (%s)", who, strerror(-rc), why);
	kdev_nl_close(&nl);
}

int kdev_bind_rx(struct kdev_nl *nl, int ifindex, uint32_t queue, int dmabuf_fd, uint32_t *id,
		 char *why, size_t whylen)
{
	struct hnl_net n = as_hnl(nl);

	*id = 0;
	if (why && whylen)
		why[0] = '\0';
	if (nl->netdev < 0)
		return nl->netdev;
	return hnl_netdev_bind_rx(&n, ifindex, queue, dmabuf_fd, id, why, whylen);
}

void kdev_errno_detail(char *d, size_t len, int err, const char *extack, const char *note)
{
	int n = snprintf(d, len, "%s (errno %d)", strerror(err), err);

	if (extack && extack[0] && n >= 0 && (size_t)n < len)
		n += snprintf(d + n, len - (size_t)n, "; extack: %s", extack);
	if (note && note[0] && n >= 0 && (size_t)n < len)
		snprintf(d + n, len - (size_t)n, "; %s", note);
}
