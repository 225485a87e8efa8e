/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Just enough (generic) netlink for one request at a time and its answer:
 * building a message with nested attributes, sending it with extended ACKs
 * on, walking the reply's attributes, and looking up a generic netlink
 * family with the operations it offers. libc only.
 */
#ifndef HSPLIT_HSB_GENL_H
#define HSPLIT_HSB_GENL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

struct hsb_nlmsg {
	char data[8192];
	size_t len;
};

/* A generic netlink request: cmd of family `type` (NLM_F_REQUEST | NLM_F_ACK). */
void hsb_genl_start(struct hsb_nlmsg *m, uint16_t type, uint8_t cmd);
/* A plain netlink request with a fixed header of hdr_len bytes (copied from hdr). */
void hsb_nl_start(struct hsb_nlmsg *m, uint16_t type, const void *hdr, size_t hdr_len);
struct nlattr *hsb_nl_put(struct hsb_nlmsg *m, uint16_t type, const void *v, size_t len);
void hsb_nl_u32(struct hsb_nlmsg *m, uint16_t type, uint32_t v);
struct nlattr *hsb_nl_nest(struct hsb_nlmsg *m, uint16_t type);
void hsb_nl_nest_end(struct hsb_nlmsg *m, struct nlattr *nest);

/* A netlink socket of `proto` with extended and capped ACKs; fd or -errno. */
int hsb_nl_socket(int proto);

/* Called for every reply message that is not the final ACK or error. */
typedef void (*hsb_nl_reply_fn)(const struct nlmsghdr *h, void *arg);

/*
 * Send m and read until its ACK or error. Returns 0 or -errno; the
 * kernel's extack message, if any, goes to why (may be NULL).
 */
int hsb_nl_call(int fd, struct hsb_nlmsg *m, hsb_nl_reply_fn fn, void *arg, char *why,
		size_t whylen);

/* Attributes: the first one of `type` in [attrs, attrs + len), or NULL. */
const struct nlattr *hsb_nla_find(const void *attrs, size_t len, uint16_t type);
const void *hsb_nla_data(const struct nlattr *a);
size_t hsb_nla_len(const struct nlattr *a);
/* The attributes of a generic netlink reply (after the genl header). */
const void *hsb_genl_attrs(const struct nlmsghdr *h, size_t *len);

struct hsb_genl_family {
	uint16_t id;
	uint8_t ops[32]; /* bitmap of the command ids the family offers */
};

/* Look up family `name`; 0 or -errno (-ENOENT: the kernel has no such family). */
int hsb_genl_family(int fd, const char *name, struct hsb_genl_family *f);
bool hsb_genl_has_op(const struct hsb_genl_family *f, uint8_t cmd);

#endif
