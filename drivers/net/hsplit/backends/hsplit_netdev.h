/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kernel netdev queries shared by the afpacket and afxdp backends. All of
 * them are control-path ioctls on a caller-owned datagram socket; none may
 * run per packet.
 */
#ifndef HSPLIT_NETDEV_H
#define HSPLIT_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "hsplit_backend.h"

/* iface= (both) and queue= (afxdp): the kernel-facing backends' own devargs. */
struct hsplit_netdev_conf {
	char iface[16];             /* IF_NAMESIZE */
	uint32_t queue;
};

/*
 * The iface= and queue= entries, for a backend whose own table adds keys of
 * its own: its conf must start with a struct hsplit_netdev_conf.
 */
int hsplit_netdev_arg_iface(const char *v, void *conf);
int hsplit_netdev_arg_queue(const char *v, void *conf);
#define HSPLIT_NETDEV_ARG_IFACE \
	{ "iface", hsplit_netdev_arg_iface, "a network interface name of at most 15 characters" }
#define HSPLIT_NETDEV_ARG_QUEUE \
	{ "queue", hsplit_netdev_arg_queue, "a netdev queue index 0..4095" }

/* Parse params->args for ops (queue= only when with_queue). */
int hsplit_netdev_args_parse(const struct hsplit_backend_params *params,
			     const struct hsplit_backend_ops *ops, bool with_queue,
			     struct hsplit_netdev_conf *conf);

struct hsplit_netdev {
	int ctl_fd;                 /* AF_INET datagram socket for SIOCGIF* */
	int ifindex;
	char name[16];              /* IF_NAMESIZE */
	char port[64];              /* the vdev name, for log messages */
	uint64_t next_check_ns;     /* rate limit for hsplit_netdev_vanished() */
	bool gone;                  /* latched: the ifindex disappeared */
};

/* Resolve iface to an ifindex and open the control socket. Logs and returns
 * -EINVAL (empty name, naming devarg iface=) or -ENODEV (no such interface). */
int hsplit_netdev_open(struct hsplit_netdev *nd, const char *iface, const char *port,
		       const char *backend);
void hsplit_netdev_close(struct hsplit_netdev *nd);

/* True once the interface we opened is gone (deleted, or moved to another
 * namespace). Checks the kernel at most once a millisecond unless forced. */
bool hsplit_netdev_vanished(struct hsplit_netdev *nd, bool force);

/* Is this errno what the kernel returns when our device went away? */
bool hsplit_netdev_errno_is_gone(int err);

bool hsplit_netdev_link_up(struct hsplit_netdev *nd);
int hsplit_netdev_mac(struct hsplit_netdev *nd, uint8_t mac[6]);

#endif /* HSPLIT_NETDEV_H */
