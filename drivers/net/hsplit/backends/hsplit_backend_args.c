/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The devargs helper every backend parses its own keys with (rte_kvargs
 * underneath), and the value parsers its tables use.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_kvargs.h>
#include <rte_string_fns.h>

#include "hsplit_backend.h"
#include "hsplit_log.h"

static void keys_of(const struct hsplit_backend_arg *table, unsigned int n, char *out,
		    size_t size)
{
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strlcat(out, ", ", size);
		strlcat(out, table[i].key, size);
	}
}

int hsplit_backend_args_parse(const struct hsplit_backend_params *params,
			      const struct hsplit_backend_ops *ops,
			      const struct hsplit_backend_arg *table, unsigned int n, void *conf)
{
	struct rte_kvargs *kv;
	char keys[256];
	unsigned int i, j;
	int ret = 0;

	if (params->args == NULL || params->args[0] == '\0')
		return 0;
	kv = rte_kvargs_parse(params->args, NULL);
	if (kv == NULL) {
		HSPLIT_LOG(ERR, "%s: backend=%s: cannot parse '%s' as key=value pairs",
			   params->port_name, ops->name, params->args);
		return -EINVAL;
	}
	for (i = 0; i < kv->count && ret == 0; i++) {
		const struct rte_kvargs_pair *p = &kv->pairs[i];

		for (j = 0; j < n; j++)
			if (strcmp(p->key, table[j].key) == 0)
				break;
		if (j == n) {
			keys_of(table, n, keys, sizeof(keys));
			HSPLIT_LOG(ERR, "%s: backend=%s has no devarg '%s' (its own: %s)",
				   params->port_name, ops->name, p->key, n ? keys : "none");
			ret = -EINVAL;
		} else if (p->value == NULL || p->value[0] == '\0' ||
			   table[j].parse(p->value, conf) < 0) {
			HSPLIT_LOG(ERR, "%s: bad devarg %s=%s: accepted %s", params->port_name,
				   p->key, p->value ? p->value : "", table[j].accepted);
			ret = -EINVAL;
		}
	}
	rte_kvargs_free(kv);
	return ret;
}

int hsplit_arg_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int hsplit_arg_bool(const char *s, bool *out)
{
	if (strcmp(s, "1") != 0 && strcmp(s, "0") != 0)
		return -EINVAL;
	*out = s[0] == '1';
	return 0;
}

int hsplit_arg_string(const char *s, char *dst, unsigned long size)
{
	if (s[0] == '\0' || strlen(s) >= size)
		return -EINVAL;
	strlcpy(dst, s, size);
	return 0;
}
