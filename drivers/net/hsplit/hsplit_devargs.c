/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The common net_hsplit devargs are parsed here; every other key must be one
 * of the chosen backend's own (ops->keys) and is handed to it unparsed. A bad
 * value fails probe with -EINVAL and a message naming the devarg and the
 * values it accepts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "hsplit_backend.h"
#include "hsplit_devargs.h"
#include "hsplit_log.h"

struct devargs_ctx {
	const char *port;
	struct hsplit_devargs *out;
	char backend_pairs[2048];   /* the keys that are not common, "k=v,k=v" */
};

typedef int (*devarg_fn)(struct devargs_ctx *ctx, const char *key, const char *value);

static int devarg_bad(struct devargs_ctx *ctx, const char *key, const char *value,
		      const char *accepted)
{
	HSPLIT_LOG(ERR, "%s: bad devarg %s=%s: accepted %s", ctx->port, key, value, accepted);
	return -EINVAL;
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
	const struct hsplit_backend_ops *ops = hsplit_backend_find(value);

	if (ops == NULL)
		return devarg_bad(ctx, key, value, hsplit_backend_names());
	ctx->out->backend = ops;
	return 0;
}

static int on_max_queues(struct devargs_ctx *ctx, const char *key, const char *value)
{
	uint64_t v;

	if (hsplit_arg_u64(value, 1, HSPLIT_MAX_QUEUES, &v) < 0)
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
			   "a lib/devmem spec such as memfd:size=256M or "
			   "[udmabuf:size=64M,strict=1]");
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
		if (hsplit_arg_u64(tok, 0, HSPLIT_MAX_QUEUES - 1, &lo) < 0 ||
		    hsplit_arg_u64(dash ? dash + 1 : tok, lo, HSPLIT_MAX_QUEUES - 1, &hi) < 0)
			return devarg_bad(ctx, key, value,
					  "queue indexes 0..15 and ranges, e.g. [0,2-3]");
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

static int on_cycle_stats(struct devargs_ctx *ctx, const char *key, const char *value)
{
	if (strcmp(value, "0") == 0 || strcmp(value, "1") == 0) {
		ctx->out->cycle_stats = value[0] == '1';
		return 0;
	}
	return devarg_bad(ctx, key, value, "0, 1");
}

static int on_sw_csum(struct devargs_ctx *ctx, const char *key, const char *value)
{
	if (strcmp(value, "0") == 0 || strcmp(value, "1") == 0) {
		ctx->out->sw_csum = value[0] == '1';
		return 0;
	}
	return devarg_bad(ctx, key, value, "0, 1");
}

static const struct {
	const char *key;
	devarg_fn fn;
} devarg_table[] = {
	{ "backend", on_backend },       { "max_queues", on_max_queues },
	{ "mac", on_mac },               { "dmabuf", on_dmabuf },
	{ "dmabuf_queues", on_dmabuf_queues }, { "chunk", on_chunk },
	{ "placement", on_placement },   { "on_empty", on_empty },
	{ "cycle_stats", on_cycle_stats }, { "sw_csum", on_sw_csum },
};

static void devargs_defaults(struct hsplit_devargs *a)
{
	memset(a, 0, sizeof(*a));
	a->backend = hsplit_backend_find("gen");
	a->max_queues = 4;
	a->chunk_size = 4096;
	a->pack = true;
	memset(a->dmabuf_queues, 1, sizeof(a->dmabuf_queues));
}

static const char *devarg_keys(void);
static const char *backend_keys(const struct hsplit_backend_ops *ops);

/*
 * Once backend= is known: every key that is not common must be the
 * backend's own; those go to it as one "k=v,k=v" string.
 */
static int devargs_check(struct devargs_ctx *ctx, const char *backend_pairs)
{
	struct hsplit_devargs *a = ctx->out;
	char *buf = strdup(backend_pairs), *pair, *save = NULL;
	int ret = 0;

	if (buf == NULL)
		return -ENOMEM;
	for (pair = strtok_r(buf, ",", &save); pair != NULL && ret == 0;
	     pair = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(pair, '=');

		if (eq != NULL)
			*eq = '\0';
		if (hsplit_backend_has_key(a->backend, pair))
			continue;
		HSPLIT_LOG(ERR, "%s: unknown devarg '%s' (common: %s; backend=%s takes: %s)",
			   ctx->port, pair, devarg_keys(), a->backend->name,
			   backend_keys(a->backend));
		ret = -EINVAL;
	}
	free(buf);
	if (ret == 0 && strlcpy(a->backend_args, backend_pairs, sizeof(a->backend_args)) >=
			sizeof(a->backend_args)) {
		HSPLIT_LOG(ERR, "%s: the backend's devargs are longer than %zu bytes", ctx->port,
			   sizeof(a->backend_args) - 1);
		ret = -EINVAL;
	}
	return ret;
}

/* "size, flows, ...": a backend's own keys, for the unknown-devarg message. */
static const char *backend_keys(const struct hsplit_backend_ops *ops)
{
	static char keys[256];
	const char *const *k;

	keys[0] = '\0';
	for (k = ops->keys; k != NULL && *k != NULL; k++) {
		if (keys[0] != '\0')
			strlcat(keys, ", ", sizeof(keys));
		strlcat(keys, *k, sizeof(keys));
	}
	return keys[0] != '\0' ? keys : "none";
}

/* "backend, max_queues, ...": every common key, for the unknown-devarg message. */
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
	if (value == NULL || value[0] == '\0')
		return devarg_bad(ctx, key, "", "a value");
	if (j == RTE_DIM(devarg_table)) {
		/* Not common: the backend's, checked once backend= is known. */
		if (ctx->backend_pairs[0] != '\0')
			strlcat(ctx->backend_pairs, ",", sizeof(ctx->backend_pairs));
		strlcat(ctx->backend_pairs, key, sizeof(ctx->backend_pairs));
		strlcat(ctx->backend_pairs, "=", sizeof(ctx->backend_pairs));
		strlcat(ctx->backend_pairs, value, sizeof(ctx->backend_pairs));
		return 0;
	}
	return devarg_table[j].fn(ctx, key, value);
}

/*
 * "k=v,k=v": split at commas outside [brackets], each pair at its first '='
 * (rte_kvargs would split "dmabuf=memfd:size=64M" at the second one).
 */
int hsplit_devargs_parse(const char *name, const char *args, struct hsplit_devargs *out)
{
	static struct devargs_ctx ctx; /* probe runs on the main lcore only */

	memset(&ctx, 0, sizeof(ctx));
	ctx.port = name;
	ctx.out = out;
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
	return ret == 0 ? devargs_check(&ctx, ctx.backend_pairs) : ret;
}
