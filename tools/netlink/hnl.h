/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hnl: just enough (generic) netlink for one request at a time and its
 * answer: building a message with nested attributes, sending it with
 * extended ACKs on, walking the reply's attributes, and looking up a generic
 * netlink family with the operations it offers; and the few netdev and
 * ethtool family requests the kernel tier makes (hnl_families.c). libc only.
 * Shared by hsplit-bench's kernel probes (bench/hsb_probe.c) and the kernel
 * tier's devmem TCP and queue lease programs (test/kernel/devmem_rx.c,
 * test/kernel/lease_*.c).
 */
#ifndef HSPLIT_HNL_H
#define HSPLIT_HNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

struct hnl_msg {
	char data[8192];
	size_t len;
};

/* A generic netlink request: cmd of family `type` (NLM_F_REQUEST | NLM_F_ACK). */
void hnl_genl_start(struct hnl_msg *m, uint16_t type, uint8_t cmd);
/* A plain netlink request with a fixed header of hdr_len bytes (copied from hdr). */
void hnl_start(struct hnl_msg *m, uint16_t type, const void *hdr, size_t hdr_len);
struct nlattr *hnl_put(struct hnl_msg *m, uint16_t type, const void *v, size_t len);
void hnl_put_u32(struct hnl_msg *m, uint16_t type, uint32_t v);
struct nlattr *hnl_nest(struct hnl_msg *m, uint16_t type);
void hnl_nest_end(struct hnl_msg *m, struct nlattr *nest);

/* A netlink socket of `proto` with extended and capped ACKs; fd or -errno. */
int hnl_socket(int proto);

/* Called for every reply message that is not the final ACK or error. */
typedef void (*hnl_reply_fn)(const struct nlmsghdr *h, void *arg);

/*
 * Send m and read until its ACK or error. Returns 0 or -errno; the
 * kernel's extack message, if any, goes to why (may be NULL).
 */
int hnl_call(int fd, struct hnl_msg *m, hnl_reply_fn fn, void *arg, char *why,
	     size_t whylen);

/* An hnl_reply_fn for one u32 attribute of a generic netlink reply: arg is a struct hnl_u32. */
struct hnl_u32 {
	uint16_t type;   /* in: the attribute */
	bool found;      /* out */
	uint32_t value;  /* out */
};
void hnl_reply_u32(const struct nlmsghdr *h, void *arg);

/* Attributes: the first one of `type` in [attrs, attrs + len), or NULL. */
const struct nlattr *hnl_attr_find(const void *attrs, size_t len, uint16_t type);
const void *hnl_attr_data(const struct nlattr *a);
size_t hnl_attr_len(const struct nlattr *a);
/* The attributes of a generic netlink reply (after the genl header). */
const void *hnl_genl_attrs(const struct nlmsghdr *h, size_t *len);

struct hnl_genl_family {
	uint16_t id;
	uint8_t ops[32]; /* bitmap of the command ids the family offers */
};

/* Look up family `name`; 0 or -errno (-ENOENT: the kernel has no such family). */
int hnl_genl_family(int fd, const char *name, struct hnl_genl_family *f);
bool hnl_genl_has_op(const struct hnl_genl_family *f, uint8_t cmd);

/*
 * The netdev and ethtool generic netlink families: the numbers from
 * include/uapi/linux/netdev.h and ethtool_netlink_generated.h of Linux 7.2,
 * which Debian 12's headers predate. Stable uAPI.
 */
#define HNL_NETDEV_CMD_PAGE_POOL_GET 5
#define HNL_NETDEV_CMD_BIND_RX 13
#define HNL_NETDEV_A_PAGE_POOL_INFLIGHT 4
#define HNL_NETDEV_A_PAGE_POOL_DETACH_TIME 6
#define HNL_NETDEV_A_PAGE_POOL_DMABUF 7
#define HNL_NETDEV_A_DMABUF_IFINDEX 1
#define HNL_NETDEV_A_DMABUF_QUEUES 2
#define HNL_NETDEV_A_DMABUF_FD 3
#define HNL_NETDEV_A_DMABUF_ID 4
#define HNL_NETDEV_A_QUEUE_ID 1
#define HNL_NETDEV_A_QUEUE_TYPE 3
#define HNL_NETDEV_QUEUE_TYPE_RX 0
#define HNL_ETHTOOL_MSG_RINGS_GET 15
#define HNL_ETHTOOL_MSG_RINGS_SET 16
#define HNL_ETHTOOL_A_RINGS_HEADER 1
#define HNL_ETHTOOL_A_RINGS_TCP_DATA_SPLIT 11
#define HNL_ETHTOOL_A_HEADER_DEV_INDEX 1
#define HNL_TCP_DATA_SPLIT_DISABLED 1
#define HNL_TCP_DATA_SPLIT_ENABLED 2

/* The two families, looked up on one socket (generic netlink). */
struct hnl_net {
	int fd;          /* -1 when closed */
	uint16_t netdev;
	uint16_t ethtool;
};

/* Open a generic netlink socket and look both families up; 0 or -errno. */
int hnl_net_open(struct hnl_net *n);
void hnl_net_close(struct hnl_net *n);

/*
 * netdev bind-rx: bind the dma-buf dmabuf_fd to RX queue `queue` of
 * ifindex. The binding lives as long as n->fd. The binding's id goes to
 * *id (may be NULL). 0 or -errno, the kernel's reason in why.
 */
int hnl_netdev_bind_rx(const struct hnl_net *n, int ifindex, uint32_t queue, int dmabuf_fd,
		       uint32_t *id, char *why, size_t whylen);

/* ethtool rings-set tcp-data-split (HNL_TCP_DATA_SPLIT_*); 0 or -errno. */
int hnl_ethtool_set_data_split(const struct hnl_net *n, int ifindex, uint8_t mode, char *why,
			       size_t whylen);
/*
 * ethtool rings-get: the tcp-data-split mode into *mode (HNL_TCP_DATA_SPLIT_*,
 * 0 unknown; -1 when the kernel did not say). 0 or -errno.
 */
int hnl_ethtool_get_data_split(const struct hnl_net *n, int ifindex, int *mode, char *why,
			       size_t whylen);

/*
 * netdev page-pool-get dump on fd (a generic netlink socket: its network
 * namespace decides which pools): fn runs for every pool. 0 or -errno.
 */
int hnl_page_pool_dump(int fd, hnl_reply_fn fn, void *arg);

/* What hnl_page_pool_count_dmabuf adds up. */
struct hnl_page_pools {
	unsigned int pools;   /* backed by a dma-buf, or destroyed with buffers out */
	uint64_t inflight;    /* their buffers out */
};
/*
 * An hnl_reply_fn for hnl_page_pool_dump (arg: struct hnl_page_pools):
 * counts pools backed by a dma-buf and destroyed pools that still wait
 * for buffers (they stay listed with a detach time), and their buffers.
 */
void hnl_page_pool_count_dmabuf(const struct nlmsghdr *h, void *arg);

#endif
