/* SPDX-License-Identifier: BSD-3-Clause */
/* Interface lookups for the kernel-socket backends: see hsplit_netdev.h. */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>

#include "hsplit_log.h"
#include "hsplit_netdev.h"

int hsplit_netdev_arg_iface(const char *v, void *c)
{
	struct hsplit_netdev_conf *conf = c;

	return hsplit_arg_string(v, conf->iface, sizeof(conf->iface));
}

int hsplit_netdev_arg_queue(const char *v, void *c)
{
	uint64_t x;
	int ret = hsplit_arg_u64(v, 0, 4095, &x);

	((struct hsplit_netdev_conf *)c)->queue = (uint32_t)x;
	return ret;
}

static const struct hsplit_backend_arg netdev_args[] = {
	HSPLIT_NETDEV_ARG_IFACE,
	HSPLIT_NETDEV_ARG_QUEUE,
};

int hsplit_netdev_args_parse(const struct hsplit_backend_params *params,
			     const struct hsplit_backend_ops *ops, bool with_queue,
			     struct hsplit_netdev_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	return hsplit_backend_args_parse(params, ops, netdev_args, with_queue ? 2 : 1, conf);
}

#define VANISH_CHECK_INTERVAL_NS 1000000ull

int hsplit_netdev_open(struct hsplit_netdev *nd, const char *iface, const char *port,
		       const char *backend)
{
	int err;

	memset(nd, 0, sizeof(*nd));
	nd->ctl_fd = -1;
	if (iface[0] == '\0') {
		HSPLIT_LOG(ERR, "%s: backend=%s needs iface=<netdev>", port, backend);
		return -EINVAL;
	}
	if (strlen(iface) >= sizeof(nd->name)) {
		HSPLIT_LOG(ERR, "%s: iface=%s: name longer than %zu characters", port, iface,
			   sizeof(nd->name) - 1);
		return -EINVAL;
	}
	snprintf(nd->name, sizeof(nd->name), "%s", iface);
	snprintf(nd->port, sizeof(nd->port), "%s", port);
	nd->ifindex = (int)if_nametoindex(iface);
	if (nd->ifindex == 0) {
		err = errno == ENXIO || errno == ENODEV || errno == 0 ? ENODEV : errno;
		HSPLIT_LOG(ERR, "%s: iface=%s: no such interface", port, iface);
		return -err;
	}
	nd->ctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (nd->ctl_fd < 0) {
		err = errno;
		HSPLIT_LOG(ERR, "%s: iface=%s: control socket: %s", port, iface, strerror(err));
		return -err;
	}
	return 0;
}

void hsplit_netdev_close(struct hsplit_netdev *nd)
{
	if (nd->ctl_fd >= 0)
		close(nd->ctl_fd);
	nd->ctl_fd = -1;
}

bool hsplit_netdev_errno_is_gone(int err)
{
	return err == ENODEV || err == ENXIO || err == ENETDOWN;
}

static uint64_t coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The ifindex still names our interface. A new interface that reuses the
 * name gets a new ifindex, so it is not mistaken for ours. */
static bool ifindex_still_ours(struct hsplit_netdev *nd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = nd->ifindex;
	if (ioctl(nd->ctl_fd, SIOCGIFNAME, &ifr) < 0)
		return !hsplit_netdev_errno_is_gone(errno);
	return strncmp(ifr.ifr_name, nd->name, sizeof(nd->name)) == 0;
}

bool hsplit_netdev_vanished(struct hsplit_netdev *nd, bool force)
{
	uint64_t now;

	if (nd->gone)
		return true;
	now = coarse_now_ns();
	if (!force && now < nd->next_check_ns)
		return false;
	nd->next_check_ns = now + VANISH_CHECK_INTERVAL_NS;
	if (!ifindex_still_ours(nd)) {
		nd->gone = true;
		HSPLIT_LOG(ERR, "%s: iface=%s (ifindex %d) vanished", nd->port, nd->name,
			   nd->ifindex);
	}
	return nd->gone;
}

static int query(struct hsplit_netdev *nd, unsigned long req, struct ifreq *ifr)
{
	if (hsplit_netdev_vanished(nd, true))
		return -ENODEV;
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", nd->name);
	if (ioctl(nd->ctl_fd, req, ifr) < 0)
		return -errno;
	return 0;
}

bool hsplit_netdev_link_up(struct hsplit_netdev *nd)
{
	const short want = IFF_UP | IFF_RUNNING;
	struct ifreq ifr;

	if (query(nd, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	return (ifr.ifr_flags & want) == want;
}

int hsplit_netdev_mac(struct hsplit_netdev *nd, uint8_t mac[6])
{
	struct ifreq ifr;
	int ret = query(nd, SIOCGIFHWADDR, &ifr);

	if (ret < 0)
		return ret;
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return -ENOTSUP;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}
