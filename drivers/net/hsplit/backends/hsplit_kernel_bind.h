/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A kernel netdev's bind-rx, from a process (backend=kq): the netlink
 * requests devmem TCP's users make, through tools/netlink's hnl. Control
 * path only. Each request logs the kernel's extack message on refusal and
 * returns its negative errno.
 */
#ifndef HSPLIT_KERNEL_BIND_H
#define HSPLIT_KERNEL_BIND_H

#include <stdint.h>

#include "hnl.h"

struct hsplit_kernel_bind {
	struct hnl_net nl;       /* the genetlink socket: closing it unbinds */
	int ifindex;
	uint32_t binding_id;     /* the kernel's dma-buf binding id, after bind_rx */
	const char *port;        /* for log messages */
};

/* Socket and family lookups; 0 or -errno. */
int hsplit_kernel_bind_open(struct hsplit_kernel_bind *kb, const char *port, int ifindex);
/* Closes the socket: the kernel unbinds the dma-buf. */
void hsplit_kernel_bind_close(struct hsplit_kernel_bind *kb);
/* ethtool -G <if> tcp-data-split on (Debian 12's ethtool predates the option). */
int hsplit_kernel_hds_on(struct hsplit_kernel_bind *kb);
/* netdev bind-rx of dmabuf_fd to RX queue `queue`. */
int hsplit_kernel_bind_rx(struct hsplit_kernel_bind *kb, uint32_t queue, int dmabuf_fd);

#endif /* HSPLIT_KERNEL_BIND_H */
