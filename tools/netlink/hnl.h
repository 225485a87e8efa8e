/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hnl: just enough (generic) netlink for one request at a time and its
 * answer: building a message with nested attributes, sending it with
 * extended ACKs on, walking the reply's attributes, and looking up a generic
 * netlink family with the operations it offers. libc only. Shared by
 * hsplit-bench's kernel probes (bench/hsb_probe.c) and the kernel tier's
 * devmem TCP selftest (test/kernel/devmem_rx.c).
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

#endif
