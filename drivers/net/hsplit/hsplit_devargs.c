/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every net_hsplit devarg is parsed here. A bad value fails probe with
 * -EINVAL and a message naming the devarg and the values it accepts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "hsplit_devargs.h"
#include "hsplit_log.h"

struct devargs_ctx {
	const char *port;
	struct hsplit_devargs *out;
};

typedef int (*devarg_fn)(struct devargs_ctx *ctx, const char *key, const char *value);

static int devarg_bad(struct devargs_ctx *ctx, const char *key, const char *value,
		      const char *accepted)
{
	HSPLIT_LOG(ERR, "%s: bad devarg %s=%s: accepted %s", ctx->port, key, value, accepted);
	return -EINVAL;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "4096", "64K", "2M": a power of two from 4 KiB to 2 MiB. */
static int parse_chunk(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (*end != '\0' || v < 4096 || v > (2u << 20) || (v & (v - 1)) != 0)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* rte_kvargs keeps the brackets of a list value: "[0,2-3]". */
static void strip_brackets(const char *in, char *out, size_t size)
{
	size_t len = strlen(in);

	if (len >= 2 && in[0] == '[' && in[len - 1] == ']') {
		in++;
		len -= 2;
	}
	if (len >= size)
		len = size - 1;
	memcpy(out, in, len);
	out[len] = '\0';
}

static int copy_string(struct devargs_ctx *ctx, const char *key, const char *value, char *dst,
		       size_t size, const char *accepted)
{
	char buf[PATH_MAX];

	strip_brackets(value, buf, sizeof(buf));
	if (buf[0] == '\0' || strlen(buf) >= size)
		return devarg_bad(ctx, key, value, accepted);
	strcpy(dst, buf);
	return 0;
}

static int on_backend(struct devargs_ctx *ctx, const char *key, const char *value)
{
	static const char *const names[] = {
		[HSPLIT_BACKEND_GEN] = "gen", [HSPLIT_BACKEND_PEER] = "peer",
		[HSPLIT_BACKEND_PCAP] = "pcap", [HSPLIT_BACKEND_AFPACKET] = "afpacket",
		[HSPLIT_BACKEND_AFXDP] = "afxdp",
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(names); i++)
		if (strcmp(value, names[i]) == 0) {
			ctx->out->backend = (enum hsplit_backend_kind)i;
			return 0;
		}
	return devarg_bad(ctx, key, value, "gen, peer, pcap, afpacket, afxdp");
}

static int on_iface(struct devargs_ctx *ctx, const char *key, const char *value)
{
	return copy_string(ctx, key, value, ctx->out->iface, sizeof(ctx->out->iface),
			   "a network interface name of at most 15 characters");
}

static int on_queue(struct devargs_ctx *ctx, const char *key, const char *value)
{
	uint64_t v;

	if (parse_u64(value, 0, 4095, &v) < 0)
		return devarg_bad(ctx, key, value, "a netdev queue index 0..4095");
	ctx->out->iface_queue = (uint32_t)v;
	return 0;
}

static int on_rx_pcap(struct devargs_ctx *ctx, const char *key, const char *value)
{
	return copy_string(ctx, key, value, ctx->out->rx_pcap, sizeof(ctx->out->rx_pcap),
			   "a file path");
}

static int on_tx_pcap(struct devargs_ctx *ctx, const char *key, const char *value)
{
	return copy_string(ctx, key, value, ctx->out->tx_pcap, sizeof(ctx->out->tx_pcap),
			   "a file path");
}

static int on_bool(struct devargs_ctx *ctx, const char *key, const char *value, bool *dst)
{
	if (strcmp(value, "1") == 0 || strcmp(value, "0") == 0) {
		*dst = value[0] == '1';
		return 0;
	}
	return devarg_bad(ctx, key, value, "0 or 1");
}

static int on_loop(struct devargs_ctx *ctx, const char *key, const char *value)
{
	return on_bool(ctx, key, value, &ctx->out->pcap_loop);
}

static int on_size(struct devargs_ctx *ctx, const char *key, const char *value)
{
	uint64_t v;

	if (parse_u64(value, 64, 9014, &v) < 0)
		return devarg_bad(ctx, key, value, "a frame size of 64..9014 bytes (no FCS)");
	ctx->out->gen_size = (uint32_t)v;
	return 0;
}

static int on_flows(struct devargs_ctx *ctx, const char *key, const char *value)
{
	uint64_t v;

	if (parse_u64(value, 1, HSPLIT_GEN_MAX_FLOWS, &v) < 0)
		return devarg_bad(ctx, key, value, "a flow count of 1..50000");
	ctx->out->gen_flows = (uint32_t)v;
	return 0;
}

static int on_rate(struct devargs_ctx *ctx, const char *key, const char *value)
{
	if (parse_u64(value, 0, 1000000000ull, &ctx->out->gen_rate) < 0)
		return devarg_bad(ctx, key, value, "frames per second, 0 (unpaced) to 10^9");
	return 0;
}

static int on_count(struct devargs_ctx *ctx, const char *key, const char *value)
{
	if (parse_u64(value, 0, UINT64_MAX, &ctx->out->gen_count) < 0)
		return devarg_bad(ctx, key, value, "a frame count, 0 = endless");
	return 0;
}

static int on_proto(struct devargs_ctx *ctx, const char *key, const char *value)
{
	if (strcmp(value, "tcp") == 0)
		ctx->out->gen_proto = HSPLIT_GEN_TCP;
	else if (strcmp(value, "udp") == 0)
		ctx->out->gen_proto = HSPLIT_GEN_UDP;
	else if (strcmp(value, "icmp") == 0)
		ctx->out->gen_proto = HSPLIT_GEN_ICMP;
	else
		return devarg_bad(ctx, key, value, "tcp, udp, icmp");
	return 0;
}

static int on_l3(struct devargs_ctx *ctx, const char *key, const char *value)
{
	if (strcmp(value, "ipv4") == 0 || strcmp(value, "ipv6") == 0) {
		ctx->out->gen_ipv6 = value[3] == '6';
		return 0;
	}
	return devarg_bad(ctx, key, value, "ipv4, ipv6");
}

static int on_dport(struct devargs_ctx *ctx, const char *key, const char *value)
{
	uint64_t v;

	if (parse_u64(value, 1, 65535, &v) < 0)
		return devarg_bad(ctx, key, value, "a port 1..65535");
	ctx->out->gen_dport = (uint16_t)v;
	return 0;
}

static int on_handshake(struct devargs_ctx *ctx, const char *key, const char *value)
{
	return on_bool(ctx, key, value, &ctx->out->gen_handshake);
}

static int on_rto(struct devargs_ctx *ctx, const char *key, const char *value)
{
	uint64_t v;

	if (parse_u64(value, 1, 600000, &v) < 0)
		return devarg_bad(ctx, key, value, "a timeout of 1..600000 ms");
	ctx->out->gen_rto_ms = (uint32_t)v;
	return 0;
}

static int on_peer(struct devargs_ctx *ctx, const char *key, const char *value)
{
	return copy_string(ctx, key, value, ctx->out->peer, sizeof(ctx->out->peer),
			   "the vdev name of another net_hsplit port");
}

static int on_max_queues(struct devargs_ctx *ctx, const char *key, const char *value)
{
	uint64_t v;

	if (parse_u64(value, 1, HSPLIT_MAX_QUEUES, &v) < 0)
		return devarg_bad(ctx, key, value, "1..16");
	ctx->out->max_queues = (uint16_t)v;
	return 0;
}

static int on_mac(struct devargs_ctx *ctx, const char *key, const char *value)
{
	if (rte_ether_unformat_addr(value, &ctx->out->mac) < 0 ||
	    !rte_is_unicast_ether_addr(&ctx->out->mac))
		return devarg_bad(ctx, key, value, "a unicast MAC address xx:xx:xx:xx:xx:xx");
	ctx->out->mac_set = true;
	return 0;
}

static int on_dmabuf(struct devargs_ctx *ctx, const char *key, const char *value)
{
	return copy_string(ctx, key, value, ctx->out->dmabuf, sizeof(ctx->out->dmabuf),
			   "a lib/devmem spec such as memfd:size=256M or [udmabuf:size=64M,strict=1]");
}

/* "[0,2-3]" or "1": queue indexes and ranges below HSPLIT_MAX_QUEUES. */
static int on_dmabuf_queues(struct devargs_ctx *ctx, const char *key, const char *value)
{
	bool set[HSPLIT_MAX_QUEUES] = { false };
	char buf[128], *tok, *save = NULL;

	strip_brackets(value, buf, sizeof(buf));
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		uint64_t lo, hi;

		if (dash != NULL)
			*dash = '\0';
		if (parse_u64(tok, 0, HSPLIT_MAX_QUEUES - 1, &lo) < 0 ||
		    parse_u64(dash ? dash + 1 : tok, lo, HSPLIT_MAX_QUEUES - 1, &hi) < 0)
			return devarg_bad(ctx, key, value, "queue indexes 0..15 and ranges, e.g. [0,2-3]");
		for (; lo <= hi; lo++)
			set[lo] = true;
	}
	memcpy(ctx->out->dmabuf_queues, set, sizeof(set));
	return 0;
}

static int on_chunk(struct devargs_ctx *ctx, const char *key, const char *value)
{
	if (parse_chunk(value, &ctx->out->chunk_size) < 0)
		return devarg_bad(ctx, key, value, "a power of two from 4096 (4K) to 2M");
	return 0;
}

static int on_placement(struct devargs_ctx *ctx, const char *key, const char *value)
{
	if (strcmp(value, "pack") == 0 || strcmp(value, "single") == 0) {
		ctx->out->pack = value[0] == 'p';
		return 0;
	}
	return devarg_bad(ctx, key, value, "pack (several payloads per chunk), single");
}

static int on_empty(struct devargs_ctx *ctx, const char *key, const char *value)
{
	if (strcmp(value, "drop") == 0 || strcmp(value, "copy") == 0) {
		ctx->out->copy_on_empty = value[0] == 'c';
		return 0;
	}
	return devarg_bad(ctx, key, value, "drop, copy");
}

static const struct {
	const char *key;
	devarg_fn fn;
} devarg_table[] = {
	{ "backend", on_backend },   { "iface", on_iface },       { "queue", on_queue },
	{ "rx_pcap", on_rx_pcap },   { "tx_pcap", on_tx_pcap },   { "loop", on_loop },
	{ "size", on_size },         { "flows", on_flows },       { "rate", on_rate },
	{ "count", on_count },       { "proto", on_proto },       { "l3", on_l3 },
	{ "dport", on_dport },       { "peer", on_peer },         { "max_queues", on_max_queues },
	{ "mac", on_mac },           { "dmabuf", on_dmabuf },     { "dmabuf_queues", on_dmabuf_queues },
	{ "chunk", on_chunk },       { "placement", on_placement }, { "on_empty", on_empty },
	{ "handshake", on_handshake }, { "rto", on_rto },
};

static void devargs_defaults(struct hsplit_devargs *a)
{
	memset(a, 0, sizeof(*a));
	a->backend = HSPLIT_BACKEND_GEN;
	a->gen_size = 1514;
	a->gen_flows = 1;
	a->gen_dport = 5201;
	a->gen_rto_ms = 200;
	a->max_queues = 4;
	a->chunk_size = 4096;
	a->pack = true;
	memset(a->dmabuf_queues, 1, sizeof(a->dmabuf_queues));
}

/* Cross-devarg rules, once every value is in. */
static int devargs_check(struct devargs_ctx *ctx)
{
	struct hsplit_devargs *a = ctx->out;

	if ((a->backend == HSPLIT_BACKEND_AFPACKET || a->backend == HSPLIT_BACKEND_AFXDP) &&
	    a->iface[0] == '\0') {
		HSPLIT_LOG(ERR, "%s: backend=%s needs iface=<netdev>", ctx->port,
			   a->backend == HSPLIT_BACKEND_AFXDP ? "afxdp" : "afpacket");
		return -EINVAL;
	}
	if (a->backend == HSPLIT_BACKEND_PEER && a->peer[0] == '\0') {
		HSPLIT_LOG(ERR, "%s: backend=peer needs peer=<other net_hsplit vdev>", ctx->port);
		return -EINVAL;
	}
	if (a->backend == HSPLIT_BACKEND_PCAP && a->rx_pcap[0] == '\0' && a->tx_pcap[0] == '\0') {
		HSPLIT_LOG(ERR, "%s: backend=pcap needs rx_pcap=<file> and/or tx_pcap=<file>",
			   ctx->port);
		return -EINVAL;
	}
	return 0;
}

/* "backend, iface, ...": every key of devarg_table, for the unknown-devarg message. */
static const char *devarg_keys(void)
{
	static char keys[512];
	unsigned int j;

	if (keys[0] == '\0')
		for (j = 0; j < RTE_DIM(devarg_table); j++) {
			if (j)
				strlcat(keys, ", ", sizeof(keys));
			strlcat(keys, devarg_table[j].key, sizeof(keys));
		}
	return keys;
}

static int apply_pair(struct devargs_ctx *ctx, const char *key, const char *value)
{
	unsigned int j;

	for (j = 0; j < RTE_DIM(devarg_table); j++)
		if (strcmp(key, devarg_table[j].key) == 0)
			break;
	if (j == RTE_DIM(devarg_table)) {
		HSPLIT_LOG(ERR, "%s: unknown devarg '%s' (accepted: %s)", ctx->port, key,
			   devarg_keys());
		return -EINVAL;
	}
	if (value == NULL || value[0] == '\0')
		return devarg_bad(ctx, key, "", "a value");
	return devarg_table[j].fn(ctx, key, value);
}

/*
 * "k=v,k=v": split at commas outside [brackets], each pair at its first '='
 * (rte_kvargs would split "dmabuf=memfd:size=64M" at the second one).
 */
int hsplit_devargs_parse(const char *name, const char *args, struct hsplit_devargs *out)
{
	struct devargs_ctx ctx = { .port = name, .out = out };
	char *buf, *p, *pair;
	int depth = 0, ret = 0;

	devargs_defaults(out);
	if (args == NULL || args[0] == '\0')
		return 0;
	buf = strdup(args);
	if (buf == NULL)
		return -ENOMEM;
	for (p = pair = buf; ret == 0; p++) {
		char *eq;

		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
		if ((*p != ',' || depth > 0) && *p != '\0')
			continue;
		if (depth > 0) {
			HSPLIT_LOG(ERR, "%s: devargs '%s': unbalanced '['", name, args);
			ret = -EINVAL;
			break;
		}
		bool last = *p == '\0';

		*p = '\0';
		if (*pair != '\0') {
			eq = strchr(pair, '=');
			if (eq != NULL)
				*eq = '\0';
			ret = apply_pair(&ctx, pair, eq ? eq + 1 : NULL);
		}
		if (last)
			break;
		pair = p + 1;
	}
	free(buf);
	return ret == 0 ? devargs_check(&ctx) : ret;
}
