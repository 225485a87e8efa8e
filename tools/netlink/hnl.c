/* SPDX-License-Identifier: BSD-3-Clause */
#include "hnl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/genetlink.h>

#define REPLY_TIMEOUT_S 5 /* a kernel answers at once; never hang a probe */

static void start(struct hnl_msg *m, uint16_t type)
{
	struct nlmsghdr *h = (struct nlmsghdr *)m->data;

	memset(m->data, 0, sizeof(m->data));
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = 1;
	m->len = NLMSG_HDRLEN;
}

void hnl_genl_start(struct hnl_msg *m, uint16_t type, uint8_t cmd)
{
	struct genlmsghdr g = { .cmd = cmd, .version = 1 };

	hnl_start(m, type, &g, sizeof(g));
}

void hnl_start(struct hnl_msg *m, uint16_t type, const void *hdr, size_t hdr_len)
{
	start(m, type);
	memcpy(m->data + m->len, hdr, hdr_len);
	m->len += NLMSG_ALIGN(hdr_len);
}

struct nlattr *hnl_put(struct hnl_msg *m, uint16_t type, const void *v, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->data + m->len);

	/* requests here are a few attributes; a full buffer is a bug */
	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->data))
		return NULL;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, v, len);
	m->len += NLA_ALIGN(a->nla_len);
	return a;
}

void hnl_put_u32(struct hnl_msg *m, uint16_t type, uint32_t v)
{
	hnl_put(m, type, &v, sizeof(v));
}

struct nlattr *hnl_nest(struct hnl_msg *m, uint16_t type)
{
	return hnl_put(m, type | NLA_F_NESTED, NULL, 0);
}

void hnl_nest_end(struct hnl_msg *m, struct nlattr *nest)
{
	if (nest)
		nest->nla_len = (uint16_t)(m->data + m->len - (char *)nest);
}

int hnl_socket(int proto)
{
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	int one = 1;

	if (fd < 0)
		return -errno;
	/* errors come back with the kernel's reason and without our request */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

const struct nlattr *hnl_attr_find(const void *attrs, size_t len, uint16_t type)
{
	const char *p = attrs, *end = p + len;

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *a = (const struct nlattr *)p;

		if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		p += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

const void *hnl_attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

size_t hnl_attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

const void *hnl_genl_attrs(const struct nlmsghdr *h, size_t *len)
{
	size_t hdr = NLMSG_HDRLEN + GENL_HDRLEN;

	*len = h->nlmsg_len > hdr ? h->nlmsg_len - hdr : 0;
	return (const char *)h + hdr;
}

/* The extack message of an error, when the kernel sent one. */
static void extack_text(const struct nlmsghdr *h, char *why, size_t whylen)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	const struct nlattr *msg;

	/* the TLVs follow our request, or only its header when the kernel capped it */
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	if (!why || !(h->nlmsg_flags & NLM_F_ACK_TLVS) || h->nlmsg_len <= off)
		return;
	msg = hnl_attr_find((const char *)h + off, h->nlmsg_len - off, NLMSGERR_ATTR_MSG);
	if (msg)
		snprintf(why, whylen, "%.*s", (int)hnl_attr_len(msg), (const char *)hnl_attr_data(msg));
}

int hnl_call(int fd, struct hnl_msg *m, hnl_reply_fn fn, void *arg, char *why,
	     size_t whylen)
{
	static char rx[32768];
	ssize_t n;

	((struct nlmsghdr *)m->data)->nlmsg_len = (uint32_t)m->len;
	if (why && whylen)
		why[0] = '\0';
	if (send(fd, m->data, m->len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, rx, sizeof(rx), 0);
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)rx; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (e->error)
					extack_text(h, why, whylen);
				return e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (fn)
				fn(h, arg);
		}
	}
}

void hnl_reply_u32(const struct nlmsghdr *h, void *arg)
{
	struct hnl_u32 *u = arg;
	size_t len;
	const void *attrs = hnl_genl_attrs(h, &len);
	const struct nlattr *a = hnl_attr_find(attrs, len, u->type);

	if (a && hnl_attr_len(a) >= sizeof(u->value)) {
		memcpy(&u->value, hnl_attr_data(a), sizeof(u->value));
		u->found = true;
	}
}

/* CTRL_ATTR_OPS is a list of nests, one per command, each with its id. */
static void collect_ops(struct hnl_genl_family *f, const struct nlattr *ops)
{
	const char *p = hnl_attr_data(ops), *end = p + hnl_attr_len(ops);

	while (p + NLA_HDRLEN <= end) {
		const struct nlattr *op = (const struct nlattr *)p;
		const struct nlattr *id;

		if (op->nla_len < NLA_HDRLEN || p + op->nla_len > end)
			return;
		id = hnl_attr_find(hnl_attr_data(op), hnl_attr_len(op), CTRL_ATTR_OP_ID);
		if (id && hnl_attr_len(id) >= 4) {
			uint32_t cmd;

			memcpy(&cmd, hnl_attr_data(id), sizeof(cmd));
			if (cmd < 8 * sizeof(f->ops))
				f->ops[cmd / 8] |= (uint8_t)(1u << (cmd % 8));
		}
		p += NLA_ALIGN(op->nla_len);
	}
}

static void family_reply(const struct nlmsghdr *h, void *arg)
{
	struct hnl_genl_family *f = arg;
	const struct nlattr *a;
	size_t len;
	const void *attrs = hnl_genl_attrs(h, &len);

	a = hnl_attr_find(attrs, len, CTRL_ATTR_FAMILY_ID);
	if (a && hnl_attr_len(a) >= 2)
		memcpy(&f->id, hnl_attr_data(a), sizeof(f->id));
	a = hnl_attr_find(attrs, len, CTRL_ATTR_OPS);
	if (a)
		collect_ops(f, a);
}

int hnl_genl_family(int fd, const char *name, struct hnl_genl_family *f)
{
	struct hnl_msg m;
	int rc;

	memset(f, 0, sizeof(*f));
	hnl_genl_start(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	hnl_put(&m, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	rc = hnl_call(fd, &m, family_reply, f, NULL, 0);
	if (rc == 0 && f->id == 0)
		rc = -ENOENT;
	return rc;
}

bool hnl_genl_has_op(const struct hnl_genl_family *f, uint8_t cmd)
{
	return f->ops[cmd / 8] & (1u << (cmd % 8)); /* 256 bits: every u8 cmd */
}
